// SPDX-License-Identifier: GPL-2.0
/*
 * sys_limits, user side: when the number of tasks nears kernel.threads-max
 * or kernel.pid_max, raise the limit by the learning rate (fork fails with
 * EAGAIN at either limit - a classic outage), bounded by memory.
 *
 * Signals: the BPF task_check hook (every new task), and a 2 s poll of
 * /proc/loadavg as a safety net that needs no BPF.  Memory reserves
 * (vm.min_free_kbytes, vm.watermark_scale_factor) are not tuned: no rule
 * could be provoked and tested safely here (see the man page), and
 * kernel.numa_balancing is only reported.
 */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpftune/libbpftune.h>

#include "sys_limits.h"
#include "sys_limits.skel.h"

#define SYS_LIMITS_POLL_MS 2000

static const struct bpftune_scenario_desc scenarios[] = {
	{ SYS_LIMITS_TASKS_NEAR_THREADS_MAX, "tasks near threads-max",
	  "new threads and processes fail with EAGAIN once kernel.threads-max tasks exist" },
	{ SYS_LIMITS_TASKS_NEAR_PID_MAX, "tasks near pid_max",
	  "fork fails once every pid below kernel.pid_max is in use" },
};

static struct bpftune_tunable_desc tunables[] = {
	{ SYS_LIMITS_PID_MAX, "kernel.pid_max", BPFTUNE_GLOBAL, 1,
	  .min = { 301 }, .max = { SYS_LIMITS_PID_MAX_LIMIT } },
	{ SYS_LIMITS_THREADS_MAX, "kernel.threads-max", BPFTUNE_GLOBAL, 1,
	  .min = { 20 }, .max = { SYS_LIMITS_THREADS_LIMIT } },
};

struct sys_limits_state {
	struct sys_limits_bpf *skel;
	long long cap[SYS_LIMITS_TUNABLES];
	int timer;
};

/* Total tasks (threads) from /proc/loadavg: "0.00 0.01 0.05 1/123 4567" */
static int tasks_now(unsigned long long *tasks)
{
	unsigned long long running;
	FILE *f = fopen("/proc/loadavg", "re");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%*s %*s %*s %llu/%llu", &running, tasks);
	fclose(f);
	return n == 2 ? 0 : -EINVAL;
}

/*
 * How many tasks a limit lets exist: pid_max less the pids below 300 that
 * the kernel skips once allocation has wrapped (RESERVED_PIDS), which
 * matters only for small limits; threads-max as it is.
 */
static long long usable(unsigned int tunable, long long limit)
{
	if (tunable == SYS_LIMITS_PID_MAX && limit > 2 * SYS_LIMITS_RESERVED_PIDS)
		return limit - SYS_LIMITS_RESERVED_PIDS;
	return limit;
}

/* The fewest tasks at which either limit counts as nearly full. */
static void update_threshold(struct bpftune_tuner *tuner,
			     struct sys_limits_state *st)
{
	unsigned long long threshold = ~0ULL, at;
	unsigned int rate = bpftune_learning_rate(), i;
	long long limit;

	if (!st->skel || !st->skel->data)
		return;
	for (i = 0; i < SYS_LIMITS_TUNABLES; i++) {
		if (bpftune_sysctl_get(tuner, 0, i, &limit) || limit <= 0)
			continue;
		limit = usable(i, limit);
		at = limit - bpftune_rate_margin(limit, rate);
		if (at < threshold)
			threshold = at;
	}
	st->skel->data->task_threshold = threshold;
}

static void check_limit(struct bpftune_tuner *tuner, unsigned int tunable,
			unsigned int scenario, unsigned long long tasks)
{
	struct bpftune_raise raise = {
		.tunable = tunable,
		.scenario = scenario,
		.used = tasks,
	};
	unsigned int rate = bpftune_learning_rate();
	long long limit;

	/* pid_max's nearly-full point is reckoned on the pids it lets exist */
	if (bpftune_sysctl_get(tuner, 0, tunable, &limit) ||
	    !bpftune_nearly_full(tasks, usable(tunable, limit), rate))
		return;
	raise.force = true;
	bpftune_raise_near_limit(tuner, 0, &raise,
				 "%llu tasks exist, within %llu%% of %s (%lld)",
				 tasks, (unsigned long long)bpftune_rate_pct(rate),
				 tunables[tunable].name, limit);
}

static void check_tasks(struct bpftune_tuner *tuner, unsigned long long tasks)
{
	struct sys_limits_state *st = bpftune_tuner_priv(tuner);

	check_limit(tuner, SYS_LIMITS_THREADS_MAX,
		    SYS_LIMITS_TASKS_NEAR_THREADS_MAX, tasks);
	check_limit(tuner, SYS_LIMITS_PID_MAX, SYS_LIMITS_TASKS_NEAR_PID_MAX,
		    tasks);
	update_threshold(tuner, st);
}

static void poll_tasks(void *ctx)
{
	unsigned long long tasks;

	if (!tasks_now(&tasks))
		check_tasks(ctx, tasks);
}

static void report_numa(struct bpftune_tuner *tuner)
{
	char buf[32];
	int nodes = 0;
	struct dirent *de;
	DIR *d = opendir("/sys/devices/system/node");

	if (d) {
		while ((de = readdir(d)))
			nodes += !strncmp(de->d_name, "node", 4);
		closedir(d);
	}
	if (bpftune_sysctl_read_str(BPFTUNE_GLOBAL_NETNS,
				    "kernel.numa_balancing", buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "absent");
	bpftune_info("%s: %d NUMA node(s), kernel.numa_balancing=%s: reported only, not tuned",
		     bpftune_tuner_name(tuner), nodes, buf);
}

int init(struct bpftune_tuner *tuner)
{
	unsigned long long ram = bpftune_ram_bytes();
	struct sys_limits_state *st;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	bpftune_tuner_set_priv(tuner, st);
	st->cap[SYS_LIMITS_PID_MAX] = sys_limits_pid_max_cap(ram);
	st->cap[SYS_LIMITS_THREADS_MAX] = sys_limits_threads_max_cap(ram);
	err = bpftune_tunables_declare(tuner, tunables, ARRAY_SIZE(tunables),
				       scenarios, ARRAY_SIZE(scenarios));
	if (err)
		return err;
	bpftune_tunable_set_max(tuner, SYS_LIMITS_PID_MAX, 0,
				st->cap[SYS_LIMITS_PID_MAX]);
	bpftune_tunable_set_max(tuner, SYS_LIMITS_THREADS_MAX, 0,
				st->cap[SYS_LIMITS_THREADS_MAX]);
	st->skel = bpftune_bpf_open(tuner, sys_limits_bpf);
	if (!st->skel)
		return -EINVAL;
	err = bpftune_bpf_attach(tuner);
	if (err)
		return err;
	if (bpftune_support_only())
		return 0;
	update_threshold(tuner, st);
	report_numa(tuner);
	st->timer = bpftune_timer_add(SYS_LIMITS_POLL_MS, poll_tasks, tuner);
	return st->timer < 0 ? st->timer : 0;
}

void fini(struct bpftune_tuner *tuner)
{
	struct sys_limits_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	if (st->timer > 0)
		bpftune_timer_del(st->timer);
	sys_limits_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	unsigned long long tasks = ev->values[SYS_LIMITS_EV_TASKS], total;

	/* pids and threads differ slightly; act on the larger count */
	if (!tasks_now(&total) && total > tasks)
		tasks = total;
	check_tasks(tuner, tasks);
}

BPFTUNE_PLUGIN("sys_limits", .init = init, .fini = fini,
	       .event_handler = event_handler);
