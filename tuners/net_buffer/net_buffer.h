/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_buffer: definitions shared by net_buffer.bpf.c and net_buffer.c,
 * plus the hex cpumask helpers (pure functions, unit-tested).
 */
#ifndef NET_BUFFER_H
#define NET_BUFFER_H

enum net_buffer_scenario {
	NET_BUFFER_BACKLOG_DROPS,
	NET_BUFFER_FLOW_LIMIT,
	NET_BUFFER_TIME_SQUEEZE,
	NET_BUFFER_SCHED_LATENCY,
	NET_BUFFER_SCENARIOS,
};

enum net_buffer_tunable {
	NET_BUFFER_MAX_BACKLOG,
	NET_BUFFER_FLOW_LIMIT_CPUS,
	NET_BUFFER_BUDGET,
	NET_BUFFER_BUDGET_USECS,
	NET_BUFFER_TUNABLES,
};

/* event values[] */
#define NET_BUFFER_EV_CPU 0   /* CPU that dropped (where the hook ran) */
#define NET_BUFFER_EV_DROPS 1 /* backlog drops the hook has seen there */

#ifndef __VMLINUX_H__
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <bpftune/correlate.h>

/* Worst case a full backlog holds this much per packet (an MTU packet). */
#define NET_BUFFER_PKT_BYTES 2048ULL
/* All CPUs' backlogs together may hold at most RAM / 16. */
#define NET_BUFFER_RAM_FRACTION 16ULL
#define NET_BUFFER_BACKLOG_CAP_MAX (1LL << 20)
/* Drops within a window, relative to the backlog, that justify a step. */
#define NET_BUFFER_DROP_SHARE 32

#define NET_BUFFER_BUDGET_CAP 3000
#define NET_BUFFER_BUDGET_USECS_CAP 20000
/* time_squeeze events per second that justify a budget step */
#define NET_BUFFER_SQUEEZE_MIN 10
/* back off when r(budget, CPU pressure) > 0.75 over >= 6 seconds ... */
#define NET_BUFFER_SCHED_CORR_SAMPLES 6
#define NET_BUFFER_SCHED_CORR_THRESHOLD 0.75
/* ... and tasks actually waited: > 5 % of the time (50 ms per second) */
#define NET_BUFFER_STALL_MIN_US 50000

/* netdev_max_backlog bound: every CPU's full backlog within RAM / 16. */
static inline long long net_buffer_backlog_cap(unsigned long long ram,
					       unsigned int ncpus)
{
	unsigned long long cap;

	if (!ncpus)
		ncpus = 1;
	cap = ram / NET_BUFFER_RAM_FRACTION / (ncpus * NET_BUFFER_PKT_BYTES);
	if (!cap || cap > (unsigned long long)NET_BUFFER_BACKLOG_CAP_MAX)
		return NET_BUFFER_BACKLOG_CAP_MAX;
	return (long long)cap;
}

/* Drops a CPU must have in the window before the backlog grows. */
static inline unsigned long long net_buffer_drop_threshold(long long backlog)
{
	unsigned long long t = backlog > 0 ? backlog / NET_BUFFER_DROP_SHARE : 0;

	return t ? t : 1;
}

enum net_buffer_budget_action {
	NET_BUFFER_BUDGET_KEEP,
	NET_BUFFER_BUDGET_GROW,
	NET_BUFFER_BUDGET_BACK_OFF,
};

/*
 * One second of budget observations: squeezes (time_squeeze, all CPUs),
 * stall_us (CPU pressure), corr (budget vs stall since the first change).
 */
static inline enum net_buffer_budget_action
net_buffer_budget_decide(unsigned long long squeezes,
			 unsigned long long stall_us, bool tuned,
			 bool backed_off, const struct bpftune_corr *corr)
{
	if (backed_off)
		return NET_BUFFER_BUDGET_KEEP;
	if (tuned && stall_us > NET_BUFFER_STALL_MIN_US &&
	    bpftune_corr_strong(corr, NET_BUFFER_SCHED_CORR_SAMPLES,
				NET_BUFFER_SCHED_CORR_THRESHOLD))
		return NET_BUFFER_BUDGET_BACK_OFF;
	if (squeezes >= NET_BUFFER_SQUEEZE_MIN)
		return NET_BUFFER_BUDGET_GROW;
	return NET_BUFFER_BUDGET_KEEP;
}

/* Enough for 4096 CPUs; more than any cpumask this tuner will meet. */
#define NET_BUFFER_MASK_WORDS 128
#define NET_BUFFER_MASK_LEN (NET_BUFFER_MASK_WORDS * 9 + 1)

/*
 * Parse a cpumask as the kernel prints it: hex, optionally in
 * comma-separated groups of 32 bits, most significant group first
 * ("3", "00000003", "1,00000000").  words[0] holds CPUs 0..31.
 * Returns 0, or -1 on anything else.
 */
static inline int net_buffer_mask_parse(const char *text, unsigned int *words)
{
	unsigned int nwords = 0, i, j;
	const char *end = text + strlen(text), *p, *start;
	unsigned int w, digits;

	memset(words, 0, NET_BUFFER_MASK_WORDS * sizeof(*words));
	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	if (end == text)
		return -1;
	/* walk the groups from the right: the last one holds CPU 0 */
	p = end;
	while (p > text) {
		start = p;
		while (start > text && start[-1] != ',')
			start--;
		if (start == p || p - start > 8 || nwords >= NET_BUFFER_MASK_WORDS)
			return -1;
		w = 0;
		digits = p - start;
		for (j = 0; j < digits; j++) {
			char c = start[j];

			w <<= 4;
			if (c >= '0' && c <= '9')
				w |= c - '0';
			else if (c >= 'a' && c <= 'f')
				w |= c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				w |= c - 'A' + 10;
			else
				return -1;
		}
		words[nwords++] = w;
		p = start;
		if (p > text) {
			p--; /* the comma */
			if (p == text)
				return -1;
		}
	}
	for (i = nwords; i < NET_BUFFER_MASK_WORDS; i++)
		words[i] = 0;
	return 0;
}

/* Format as the kernel parses it: groups of 8 hex digits, commas. */
static inline void net_buffer_mask_format(const unsigned int *words,
					  char *buf, size_t len)
{
	int top = NET_BUFFER_MASK_WORDS - 1, i;
	size_t off;

	while (top > 0 && !words[top])
		top--;
	off = snprintf(buf, len, "%x", words[top]);
	for (i = top - 1; i >= 0 && off < len; i--)
		off += snprintf(buf + off, len - off, ",%08x", words[i]);
}

static inline int net_buffer_mask_test(const unsigned int *words,
				       unsigned int cpu)
{
	if (cpu >= NET_BUFFER_MASK_WORDS * 32)
		return 0;
	return (words[cpu / 32] >> (cpu % 32)) & 1;
}

static inline void net_buffer_mask_set(unsigned int *words, unsigned int cpu)
{
	if (cpu < NET_BUFFER_MASK_WORDS * 32)
		words[cpu / 32] |= 1U << (cpu % 32);
}
#endif /* !__VMLINUX_H__ */

#endif
