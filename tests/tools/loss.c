// SPDX-License-Identifier: GPL-2.0
/*
 * loss: drop a percentage of the packets arriving at a device, for tests
 * and benchmarks.  Attaches tests/tools/loss.bpf.c at the device's tc
 * ingress (creating the clsact qdisc if there is none), runs until
 * SIGINT/SIGTERM/SIGHUP, then removes its filter, and the qdisc if it
 * created it, and reports how many packets it saw and dropped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "loss.skel.h"

#define LOSS_HANDLE 0x10055
#define LOSS_PRIORITY 1

static void usage(FILE *out)
{
	fprintf(out,
		"usage: loss [-n NETNS] [-q] DEVICE PERCENT\n"
		"Drops PERCENT %% (0..100, decimals allowed, e.g. 0.5) of the packets\n"
		"arriving at DEVICE's ingress, chosen at random, until interrupted.\n"
		"Put it on the receiver's device: drops on the sender's egress are\n"
		"resent at once and do not look like congestion to TCP.\n"
		"  -n NETNS  enter the named network namespace (/run/netns/NETNS) first\n"
		"  -q        no report on exit\n"
		"  -h        this help\n"
		"Prints \"loss: ready ...\" on stdout once the filter is in place.\n"
		"On exit removes its tc filter (and the clsact qdisc if it made it).\n");
}

/* "2", "0.5", "100" -> parts per million; -1 if not a percentage */
static long parse_ppm(const char *s)
{
	char *end;
	double pct;

	errno = 0;
	pct = strtod(s, &end);
	if (errno || end == s || *end || pct < 0 || pct > 100)
		return -1;
	return (long)(pct * 10000.0 + 0.5);
}

static int enter_netns(const char *name)
{
	char path[256];
	int fd, err;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "loss: netns %s: %s\n", name, strerror(errno));
		return -1;
	}
	err = setns(fd, CLONE_NEWNET);
	if (err)
		fprintf(stderr, "loss: cannot enter netns %s: %s\n", name,
			strerror(errno));
	close(fd);
	return err;
}

static int silent_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* Block the stop signals now; wait for one of them later. */
static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigprocmask(SIG_BLOCK, set, NULL);
}

int main(int argc, char **argv)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, filter, .handle = LOSS_HANDLE,
			    .priority = LOSS_PRIORITY);
	const char *netns = NULL, *dev;
	bool quiet = false, made_qdisc = false;
	struct loss_bpf *skel = NULL;
	unsigned long long seen, dropped;
	int opt, ifindex, err, sig, rc = 1;
	sigset_t stop;
	long ppm;

	while ((opt = getopt(argc, argv, "n:qh")) != -1) {
		switch (opt) {
		case 'n':
			netns = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	dev = argv[optind];
	ppm = parse_ppm(argv[optind + 1]);
	if (ppm < 0) {
		fprintf(stderr, "loss: '%s' is not a percentage between 0 and 100\n",
			argv[optind + 1]);
		return 2;
	}
	block_signals(&stop);
	if (netns && enter_netns(netns))
		return 1;
	ifindex = if_nametoindex(dev);
	if (!ifindex) {
		fprintf(stderr, "loss: no device '%s'%s%s\n", dev,
			netns ? " in netns " : "", netns ? netns : "");
		return 1;
	}
	libbpf_set_print(silent_print);
	skel = loss_bpf__open();
	if (!skel) {
		fprintf(stderr, "loss: cannot open BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->loss_ppm = (__u32)ppm;
	err = loss_bpf__load(skel);
	if (err) {
		fprintf(stderr, "loss: cannot load BPF program: %s\n", strerror(-err));
		goto out;
	}
	hook.ifindex = ifindex;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(stderr, "loss: cannot add clsact qdisc to %s: %s\n", dev,
			strerror(-err));
		goto out;
	}
	made_qdisc = !err;
	filter.prog_fd = bpf_program__fd(skel->progs.loss_ingress);
	err = bpf_tc_attach(&hook, &filter);
	if (err) {
		fprintf(stderr, "loss: cannot attach filter to %s ingress: %s%s\n",
			dev, strerror(-err),
			err == -EEXIST ? " (another loss tool runs on it?)" : "");
		goto out_qdisc;
	}
	printf("loss: ready, dropping %.4g%% at %s ingress\n", ppm / 10000.0, dev);
	fflush(stdout);
	sigwait(&stop, &sig);
	rc = 0;
	filter.prog_fd = 0;
	filter.prog_id = 0;
	filter.flags = 0;
	err = bpf_tc_detach(&hook, &filter);
	if (err) {
		fprintf(stderr, "loss: cannot remove filter from %s: %s\n", dev,
			strerror(-err));
		rc = 1;
	}
	seen = skel->bss->seen_packets;
	dropped = skel->bss->dropped_packets;
	if (!quiet)
		printf("loss: %s: %llu packets seen, %llu dropped (%.2f%%)\n", dev,
		       seen, dropped, seen ? 100.0 * dropped / seen : 0.0);
out_qdisc:
	if (made_qdisc) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
out:
	loss_bpf__destroy(skel);
	return rc;
}
