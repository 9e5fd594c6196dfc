// SPDX-License-Identifier: GPL-2.0
/*
 * forkexec: many short processes, for overhead measurements of hooks on
 * process creation, exec and exit.  Each child is fork() + execv(PROG)
 * with no arguments, waited for before the next one starts.
 *
 *   forkexec N PROG       prints "processes N failed F seconds S rate R"
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int one_process(char *prog)
{
	char *argv[] = { prog, NULL };
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(prog, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	long n, i, failed = 0;
	double start, secs;
	char *end;

	if (argc != 3) {
		fprintf(stderr, "usage: forkexec N PROG\n");
		return 2;
	}
	n = strtol(argv[1], &end, 10);
	if (*end || n <= 0) {
		fprintf(stderr, "forkexec: bad count '%s'\n", argv[1]);
		return 2;
	}
	start = now_s();
	for (i = 0; i < n; i++)
		failed += one_process(argv[2]) != 0;
	secs = now_s() - start;
	printf("processes %ld failed %ld seconds %.3f rate %.1f\n", n, failed,
	       secs, (n - failed) / secs);
	return failed ? 1 : 0;
}
