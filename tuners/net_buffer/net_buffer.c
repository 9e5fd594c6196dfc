// SPDX-License-Identifier: GPL-2.0
/*
 * net_buffer, user side.
 *
 * Backlog: when a CPU drops packets because its input backlog is full
 * (softnet_stat "dropped"; the BPF hook says when), raise
 * net.core.netdev_max_backlog by the learning rate, at most one step per
 * second and never above the safety cap, and set that CPU's bit in
 * net.core.flow_limit_cpu_bitmap so that, once its queue is half full,
 * the busiest flows are dropped first and small flows still get through.
 *
 * Budget: when softnet_stat "time_squeeze" rises (net_rx_action ran out of
 * netdev_budget packets or netdev_budget_usecs before the work was done),
 * raise both, bounded.  Longer softirq runs delay tasks; if CPU pressure
 * (/proc/pressure/cpu) rises with the budget, step back and stop growing.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpftune/libbpftune.h>
#include <bpftune/correlate.h>

#include "net_buffer.h"
#include "net_buffer.skel.h"

#define SOFTNET_STAT "/proc/net/softnet_stat"
#define CPU_PRESSURE "/proc/pressure/cpu"
#define NET_BUFFER_MAX_CPUS (NET_BUFFER_MASK_WORDS * 32)

#define BACKLOG_WINDOW_S 60
#define BACKLOG_MIN_INTERVAL_NS 1000000000ULL
#define TIMER_MS 1000

static const struct bpftune_scenario_desc scenarios[] = {
	{ NET_BUFFER_BACKLOG_DROPS, "backlog drops",
	  "a CPU dropped packets because its input backlog queue was full" },
	{ NET_BUFFER_FLOW_LIMIT, "flow limit",
	  "a CPU dropped backlog packets; flow limiting there drops the busiest flows first and spares small ones" },
	{ NET_BUFFER_TIME_SQUEEZE, "time squeeze",
	  "packet processing ran out of budget while packets were still waiting" },
	{ NET_BUFFER_SCHED_LATENCY, "scheduler latency",
	  "CPU pressure rose with the network budget, so the budget is taking time from tasks" },
};

static struct bpftune_tunable_desc tunables[] = {
	{ NET_BUFFER_MAX_BACKLOG, "net.core.netdev_max_backlog", BPFTUNE_GLOBAL,
	  1, .min = { 1 }, .max = { NET_BUFFER_BACKLOG_CAP_MAX } },
	{ NET_BUFFER_FLOW_LIMIT_CPUS, "net.core.flow_limit_cpu_bitmap",
	  BPFTUNE_GLOBAL | BPFTUNE_STRING | BPFTUNE_OPTIONAL, 0, .min = { 0 } },
	{ NET_BUFFER_BUDGET, "net.core.netdev_budget", BPFTUNE_GLOBAL, 1,
	  .min = { 1 }, .max = { NET_BUFFER_BUDGET_CAP } },
	{ NET_BUFFER_BUDGET_USECS, "net.core.netdev_budget_usecs",
	  BPFTUNE_GLOBAL | BPFTUNE_OPTIONAL, 1, .min = { 1 },
	  .max = { NET_BUFFER_BUDGET_USECS_CAP } },
};

struct net_buffer_state {
	struct net_buffer_bpf *skel;
	int timer;
	long long backlog_cap;
	char cap_why[96];
	/* per CPU (index = CPU id): softnet_stat counters as last read */
	unsigned int dropped[NET_BUFFER_MAX_CPUS];
	unsigned int squeezed[NET_BUFFER_MAX_CPUS];
	/* drops since the window started, per CPU */
	unsigned long long window_drops[NET_BUFFER_MAX_CPUS];
	time_t window_start;
	/* netdev_max_backlog when the window started: drops count only at it */
	long long window_backlog;
	unsigned long long last_backlog_change_ns;
	unsigned int ncpus;
	/* budget */
	bool have_psi;
	unsigned long long psi_total_us;
	long long budget_floor, usecs_floor;
	bool budget_tuned, budget_backed_off;
	struct bpftune_corr sched_corr;
};

struct softnet_row {
	unsigned int cpu, dropped, squeezed;
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Read softnet_stat: one line per online CPU.  Column 13 holds the CPU id
 * on kernels since 5.10; before that, the line number is the best guess.
 * Returns the number of rows, <0 on error.
 */
static int softnet_read(struct softnet_row *rows, unsigned int max)
{
	unsigned int v[15];
	char line[512];
	FILE *f;
	int n = 0, fields;

	f = fopen(SOFTNET_STAT, "re");
	if (!f)
		return -errno;
	while ((unsigned int)n < max && fgets(line, sizeof(line), f)) {
		memset(v, 0, sizeof(v));
		fields = sscanf(line, "%x %x %x %x %x %x %x %x %x %x %x %x %x %x %x",
				&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
				&v[7], &v[8], &v[9], &v[10], &v[11], &v[12],
				&v[13], &v[14]);
		if (fields < 3)
			continue;
		rows[n].cpu = fields >= 13 ? v[12] : (unsigned int)n;
		rows[n].dropped = v[1];
		rows[n].squeezed = v[2];
		if (rows[n].cpu < NET_BUFFER_MAX_CPUS)
			n++;
	}
	fclose(f);
	return n;
}

/* Assessment: packets dropped at full CPU backlogs, all CPUs (a counter). */
static int backlog_drops(struct bpftune_tuner *tuner, unsigned long long cookie,
			 double *value)
{
	struct softnet_row rows[NET_BUFFER_MAX_CPUS];
	int n, i;

	(void)tuner;
	(void)cookie;
	n = softnet_read(rows, NET_BUFFER_MAX_CPUS);
	if (n <= 0)
		return -ENOENT;
	*value = 0;
	for (i = 0; i < n; i++)
		*value += rows[i].dropped;
	return 0;
}

static const struct bpftune_measure backlog_measure = {
	.what = "backlog drops per second",
	.counter = true,
	.sample = backlog_drops,
};

/* "some ... total=N" of /proc/pressure/cpu: µs some task waited for CPU. */
static int psi_cpu_total(unsigned long long *total)
{
	char line[256], *p;
	FILE *f;
	int err = -ENOENT;

	f = fopen(CPU_PRESSURE, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "some ", 5))
			continue;
		p = strstr(line, "total=");
		if (p && sscanf(p + 6, "%llu", total) == 1)
			err = 0;
	}
	fclose(f);
	return err;
}

/* Set the CPUs' bits in flow_limit_cpu_bitmap, written back as hex. */
static void flow_limit_add(struct bpftune_tuner *tuner, const unsigned int *cpus,
			   unsigned int ncpus)
{
	unsigned int words[NET_BUFFER_MASK_WORDS], i, added = 0;
	char cur[NET_BUFFER_MASK_LEN], next[NET_BUFFER_MASK_LEN], list[64] = "";
	size_t off = 0;

	if (!ncpus ||
	    !bpftune_tunable_usable(tuner, NET_BUFFER_FLOW_LIMIT_CPUS, 0) ||
	    bpftune_sysctl_get_str(tuner, 0, NET_BUFFER_FLOW_LIMIT_CPUS, cur,
				   sizeof(cur)))
		return;
	if (net_buffer_mask_parse(cur, words)) {
		bpftune_warn("%s: cannot parse flow_limit_cpu_bitmap '%s'; leaving it alone",
			     bpftune_tuner_name(tuner), cur);
		return;
	}
	for (i = 0; i < ncpus; i++) {
		if (net_buffer_mask_test(words, cpus[i]))
			continue;
		net_buffer_mask_set(words, cpus[i]);
		if (off < sizeof(list))
			off += snprintf(list + off, sizeof(list) - off, "%s%u",
					added ? "," : "", cpus[i]);
		added++;
	}
	if (!added)
		return;
	net_buffer_mask_format(words, next, sizeof(next));
	bpftune_sysctl_update_str(tuner, 0, NET_BUFFER_FLOW_LIMIT_CPUS, next,
				  NET_BUFFER_FLOW_LIMIT,
				  "CPU %s dropped backlog packets; flow limiting there sheds the heaviest flows first",
				  list);
}

static void backlog_grow(struct bpftune_tuner *tuner,
			 struct net_buffer_state *st, unsigned int cpu,
			 unsigned long long drops, long long backlog)
{
	struct bpftune_raise raise = {
		.tunable = NET_BUFFER_MAX_BACKLOG,
		.scenario = NET_BUFFER_BACKLOG_DROPS,
		.force = true, /* the drops were counted at this backlog */
		.cap = st->backlog_cap,
		.cap_why = st->cap_why,
	};

	bpftune_raise_near_limit(tuner, 0, &raise,
				 "CPU %u dropped %llu packets with a full backlog (%lld) in the last %lds",
				 cpu, drops, backlog,
				 (long)(time(NULL) - st->window_start));
}

/*
 * Look at softnet_stat's dropped column: the CPUs that dropped at least
 * netdev_max_backlog / 32 packets in the current window get flow limiting,
 * and the backlog grows by one step (at most once a second).
 */
static void backlog_check(struct bpftune_tuner *tuner,
			  struct net_buffer_state *st)
{
	struct softnet_row rows[NET_BUFFER_MAX_CPUS];
	unsigned int busy[NET_BUFFER_MAX_CPUS], nbusy = 0, worst = 0;
	unsigned long long threshold, worst_drops = 0, now;
	long long backlog;
	int n, i;

	n = softnet_read(rows, NET_BUFFER_MAX_CPUS);
	if (n <= 0)
		return;
	if (time(NULL) - st->window_start >= BACKLOG_WINDOW_S) {
		memset(st->window_drops, 0, sizeof(st->window_drops));
		st->window_start = time(NULL);
	}
	for (i = 0; i < n; i++) {
		unsigned int cpu = rows[i].cpu;

		/* u32 counters: the difference is right across a wrap */
		st->window_drops[cpu] += rows[i].dropped - st->dropped[cpu];
		st->dropped[cpu] = rows[i].dropped;
	}
	if (!bpftune_tunable_usable(tuner, NET_BUFFER_MAX_BACKLOG, 0) ||
	    bpftune_sysctl_get(tuner, 0, NET_BUFFER_MAX_BACKLOG, &backlog))
		return;
	if (backlog != st->window_backlog) {
		/* someone else set it (an administrator, a rollback): drops
		 * counted at the old size say nothing about this one */
		memset(st->window_drops, 0, sizeof(st->window_drops));
		st->window_start = time(NULL);
		st->window_backlog = backlog;
		return;
	}
	threshold = net_buffer_drop_threshold(backlog);
	for (i = 0; i < n; i++) {
		unsigned int cpu = rows[i].cpu;

		if (st->window_drops[cpu] < threshold)
			continue;
		busy[nbusy++] = cpu;
		if (st->window_drops[cpu] > worst_drops) {
			worst_drops = st->window_drops[cpu];
			worst = cpu;
		}
	}
	if (!nbusy)
		return;
	flow_limit_add(tuner, busy, nbusy);
	now = now_ns();
	if (now - st->last_backlog_change_ns < BACKLOG_MIN_INTERVAL_NS)
		return;
	st->last_backlog_change_ns = now;
	backlog_grow(tuner, st, worst, worst_drops, backlog);
	/* the next step needs fresh drops at the new size */
	memset(st->window_drops, 0, sizeof(st->window_drops));
	st->window_start = time(NULL);
	if (bpftune_sysctl_get(tuner, 0, NET_BUFFER_MAX_BACKLOG,
			       &st->window_backlog))
		st->window_backlog = backlog;
}

/* Raise (dir > 0) or lower (dir < 0) netdev_budget and _usecs one step. */
static void budget_step(struct bpftune_tuner *tuner, struct net_buffer_state *st,
			int dir, unsigned int scenario, const char *why)
{
	unsigned int rate = bpftune_learning_rate();
	static const unsigned int ids[] = { NET_BUFFER_BUDGET,
					    NET_BUFFER_BUDGET_USECS };
	long long cur, next, floor, cap;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		if (!bpftune_tunable_usable(tuner, ids[i], 0) ||
		    bpftune_sysctl_get(tuner, 0, ids[i], &cur))
			continue;
		cap = ids[i] == NET_BUFFER_BUDGET ? NET_BUFFER_BUDGET_CAP :
						    NET_BUFFER_BUDGET_USECS_CAP;
		floor = ids[i] == NET_BUFFER_BUDGET ? st->budget_floor :
						      st->usecs_floor;
		if (dir > 0)
			next = (long long)bpftune_grow(cur, cap, rate);
		else
			next = (long long)bpftune_shrink(cur, floor, rate);
		bpftune_sysctl_update(tuner, 0, ids[i], &next, scenario, "%s",
				      why);
	}
}

static void budget_check(struct bpftune_tuner *tuner,
			 struct net_buffer_state *st)
{
	struct softnet_row rows[NET_BUFFER_MAX_CPUS];
	unsigned long long squeezes = 0, psi = 0, stall_us;
	long long budget;
	char why[160];
	int n, i;

	n = softnet_read(rows, NET_BUFFER_MAX_CPUS);
	if (n <= 0 || !st->have_psi || psi_cpu_total(&psi))
		return;
	for (i = 0; i < n; i++) {
		unsigned int cpu = rows[i].cpu;

		squeezes += rows[i].squeezed - st->squeezed[cpu];
		st->squeezed[cpu] = rows[i].squeezed;
	}
	stall_us = psi - st->psi_total_us;
	st->psi_total_us = psi;
	if (bpftune_sysctl_get(tuner, 0, NET_BUFFER_BUDGET, &budget))
		return;
	if (st->budget_tuned)
		bpftune_corr_add(&st->sched_corr, budget, stall_us);
	switch (net_buffer_budget_decide(squeezes * 1000 / TIMER_MS, stall_us,
					 st->budget_tuned, st->budget_backed_off,
					 &st->sched_corr)) {
	case NET_BUFFER_BUDGET_BACK_OFF:
		snprintf(why, sizeof(why),
			 "CPU pressure (%llu us/s of waiting) rose with the budget (r=%.2f over %us)",
			 stall_us, bpftune_corr_value(&st->sched_corr),
			 st->sched_corr.count);
		budget_step(tuner, st, -1, NET_BUFFER_SCHED_LATENCY, why);
		st->budget_backed_off = true;
		bpftune_info("%s: stops raising the network budget: it competes with tasks for CPU",
			     bpftune_tuner_name(tuner));
		break;
	case NET_BUFFER_BUDGET_GROW:
		snprintf(why, sizeof(why),
			 "packet processing ran out of budget %llu times in the last second (time_squeeze)",
			 squeezes);
		budget_step(tuner, st, 1, NET_BUFFER_TIME_SQUEEZE, why);
		st->budget_tuned = true;
		break;
	default:
		break;
	}
}

static void on_timer(void *ctx)
{
	struct bpftune_tuner *tuner = ctx;
	struct net_buffer_state *st = bpftune_tuner_priv(tuner);

	/* also catches drops if the BPF hook could not attach */
	backlog_check(tuner, st);
	budget_check(tuner, st);
}

static void baseline(struct bpftune_tuner *tuner, struct net_buffer_state *st)
{
	struct softnet_row rows[NET_BUFFER_MAX_CPUS];
	int n, i;

	n = softnet_read(rows, NET_BUFFER_MAX_CPUS);
	for (i = 0; i < n; i++) {
		st->dropped[rows[i].cpu] = rows[i].dropped;
		st->squeezed[rows[i].cpu] = rows[i].squeezed;
	}
	st->ncpus = n > 0 ? n : 1;
	st->window_start = time(NULL);
	if (bpftune_sysctl_get(tuner, 0, NET_BUFFER_MAX_BACKLOG,
			       &st->window_backlog))
		st->window_backlog = 0;
	st->have_psi = !psi_cpu_total(&st->psi_total_us);
	if (!st->have_psi)
		bpftune_info("%s: %s unreadable; netdev_budget is not tuned (no way to see its cost to tasks)",
			     bpftune_tuner_name(tuner), CPU_PRESSURE);
	/* never shrink the budget below what it was when we started */
	if (bpftune_sysctl_get(tuner, 0, NET_BUFFER_BUDGET, &st->budget_floor))
		st->budget_floor = 300;
	if (bpftune_sysctl_get(tuner, 0, NET_BUFFER_BUDGET_USECS,
			       &st->usecs_floor))
		st->usecs_floor = 2000;
}

int init(struct bpftune_tuner *tuner)
{
	struct net_buffer_state *st;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->timer = -1;
	bpftune_tuner_set_priv(tuner, st);
	err = bpftune_tunables_declare(tuner, tunables, ARRAY_SIZE(tunables),
				       scenarios, ARRAY_SIZE(scenarios));
	if (err)
		return err;
	bpftune_scenario_measure(tuner, NET_BUFFER_BACKLOG_DROPS, &backlog_measure);
	baseline(tuner, st);
	st->backlog_cap = net_buffer_backlog_cap(bpftune_ram_bytes(), st->ncpus);
	snprintf(st->cap_why, sizeof(st->cap_why),
		 "packets: all CPUs' queues within RAM/%llu at %llu bytes a packet",
		 NET_BUFFER_RAM_FRACTION, NET_BUFFER_PKT_BYTES);
	bpftune_tunable_set_max(tuner, NET_BUFFER_MAX_BACKLOG, 0,
				st->backlog_cap);
	st->skel = bpftune_bpf_open(tuner, net_buffer_bpf);
	if (!st->skel)
		return errno ? -errno : -EINVAL;
	err = bpftune_bpf_attach(tuner);
	if (err || bpftune_support_only())
		return err;
	st->timer = bpftune_timer_add(TIMER_MS, on_timer, tuner);
	return st->timer < 0 ? st->timer : 0;
}

void fini(struct bpftune_tuner *tuner)
{
	struct net_buffer_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	if (st->timer >= 0)
		bpftune_timer_del(st->timer);
	net_buffer_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	struct net_buffer_state *st = bpftune_tuner_priv(tuner);

	if (ev->scenario == NET_BUFFER_BACKLOG_DROPS)
		backlog_check(tuner, st);
}

BPFTUNE_PLUGIN("net_buffer", .init = init, .fini = fini,
	       .event_handler = event_handler);
