// SPDX-License-Identifier: GPL-2.0
/*
 * nsfarm: many network namespaces, each held by one small child process
 * (found by the daemon under /proc/<pid>/ns/net), for scale and soak
 * tests.
 *
 *   nsfarm -n LIVE [-c CHURN] [-i USEC] [-o PIDFILE] [-l]
 *
 * Creates LIVE namespaces, then replaces the oldest one by a new one CHURN
 * times (-1: until SIGTERM), sleeping USEC between replacements.  Prints
 * one line per phase ("created N in S s", "churned N in S s") and writes
 * the pids of the live children to PIDFILE after each phase (and every
 * 1000 replacements).  -l brings lo up in each namespace.  On SIGTERM or
 * SIGINT every child is killed and reaped; children also die with nsfarm.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static pid_t *ring;
static long nlive;
static const char *pidfile;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return;
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* A child in a namespace of its own; it reports readiness over a pipe so
 * that the namespace exists when spawn() returns. */
static pid_t spawn(bool up)
{
	int p[2];
	char c = 0;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (!pid) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWNET))
			_exit(1);
		if (up)
			lo_up();
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		close(p[0]);
		reap(pid);
		return -1;
	}
	close(p[0]);
	return pid;
}

static void write_pids(void)
{
	char tmp[4096];
	FILE *f;
	long i;

	if (!pidfile)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile);
	f = fopen(tmp, "w");
	if (!f)
		return;
	for (i = 0; i < nlive; i++)
		if (ring[i] > 0)
			fprintf(f, "%d\n", ring[i]);
	if (fclose(f) == 0)
		rename(tmp, pidfile);
}

int main(int argc, char **argv)
{
	long churn = 0, i, done = 0, interval = 0;
	struct sigaction sa = { .sa_handler = on_stop, .sa_flags = SA_RESTART };
	bool up = false;
	double t0;
	int opt;

	while ((opt = getopt(argc, argv, "n:c:i:o:l")) != -1) {
		switch (opt) {
		case 'n': nlive = atol(optarg); break;
		case 'c': churn = atol(optarg); break;
		case 'i': interval = atol(optarg); break;
		case 'o': pidfile = optarg; break;
		case 'l': up = true; break;
		default:
			fprintf(stderr, "usage: nsfarm -n LIVE [-c CHURN] [-i USEC] [-o PIDFILE] [-l]\n");
			return 2;
		}
	}
	if (nlive <= 0) {
		fprintf(stderr, "nsfarm: -n LIVE must be > 0\n");
		return 2;
	}
	ring = calloc((size_t)nlive, sizeof(*ring));
	if (!ring)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	t0 = now_s();
	for (i = 0; i < nlive && !stop; i++) {
		ring[i] = spawn(up);
		if (ring[i] < 0) {
			fprintf(stderr, "nsfarm: namespace %ld: %s\n", i, strerror(errno));
			stop = 1;
		}
	}
	write_pids();
	printf("created %ld in %.1f s\n", i, now_s() - t0);
	t0 = now_s();
	for (i = 0; !stop && (churn < 0 || done < churn); done++) {
		reap(ring[i]);
		ring[i] = spawn(up);
		if (ring[i] < 0) {
			fprintf(stderr, "nsfarm: churn: %s\n", strerror(errno));
			break;
		}
		i = (i + 1) % nlive;
		if (done % 1000 == 999)
			write_pids();
		if (interval)
			usleep((useconds_t)interval);
	}
	if (churn) {
		write_pids();
		printf("churned %ld in %.1f s\n", done, now_s() - t0);
	}
	while (!stop)
		pause();
	for (i = 0; i < nlive; i++)
		if (ring[i] > 0)
			reap(ring[i]);
	return 0;
}
