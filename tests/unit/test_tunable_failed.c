// SPDX-License-Identifier: GPL-2.0
/*
 * A tunable that namespaces refuse stays off in those namespaces only,
 * however many of them there are, and is tried again in none of them
 * after they die (their entries are pruned).  Real namespaces: children
 * that unshare(CLONE_NEWNET); net.core.netdev_max_backlog exists only in
 * the initial namespace, so reading it in theirs fails with ENOENT.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../src/core.h"
#include "unit.h"
#include "netns_child.h"

/* more than the 16 failing namespaces that used to turn it off */
#define NCHILD 20

static const struct bpftune_tunable_desc descs[] = {
	{ 0, "net.core.netdev_max_backlog", BPFTUNE_NETNS, 1,
	  .min = { 1 }, .max = { 1 << 20 } },
};

int main(void)
{
	unsigned long long cookies[NCHILD];
	struct bpftune_tuner *tuner;
	pid_t pids[NCHILD];
	long long value;
	int lock, i, n = 0, refused = 0;

	if (geteuid()) {
		printf("SKIP: needs root for namespaces\n");
		return unit_report();
	}
	/* namespaces are made under the machine-wide test lock */
	lock = open("/run/bpftune-test.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CHECK(lock >= 0 && flock(lock, LOCK_EX) == 0);
	bpftune_log_init(true, false);
	/* the tuner stack hears of namespaces gone (as the daemon's does) */
	CHECK(bpftune_tuners_init() == 0);
	CHECK(bpftune_netns_init() == 0);
	tuner = bpftune_tuner_alloc("failed_test");
	CHECK(tuner && bpftune_tunables_declare(tuner, descs, 1, NULL, 0) == 0);
	bpftune_tuner_add(tuner);

	for (i = 0; i < NCHILD; i++) {
		pids[i] = unit_netns_child(&cookies[i]);
		if (pids[i] < 0)
			break;
		n++;
	}
	CHECK_EQ(n, NCHILD);
	bpftune_netns_scan();
	for (i = 0; i < n; i++)
		refused += bpftune_sysctl_get(tuner, cookies[i], 0, &value) < 0;
	CHECK_EQ(refused, n);
	for (i = 0; i < n; i++)
		CHECK(!bpftune_tunable_usable(tuner, 0, cookies[i]));
	/* the initial namespace still reads it, and is still tuned */
	CHECK(bpftune_tunable_usable(tuner, 0, BPFTUNE_GLOBAL_NETNS));
	CHECK(bpftune_sysctl_get(tuner, BPFTUNE_GLOBAL_NETNS, 0, &value) == 0);

	/* namespaces that die take their entries with them */
	for (i = 0; i < n / 2; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	bpftune_netns_scan();
	for (i = 0; i < n; i++)
		CHECK(bpftune_tunable_usable(tuner, 0, cookies[i]) == (i < n / 2));

	for (i = n / 2; i < n; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	bpftune_tuner_remove(tuner);
	bpftune_tuner_free(tuner);
	bpftune_netns_fini();
	close(lock);
	return unit_report();
}
