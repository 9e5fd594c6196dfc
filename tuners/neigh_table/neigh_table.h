/* SPDX-License-Identifier: GPL-2.0 */
/*
 * neigh_table: definitions shared by neigh_table.bpf.c, neigh_table.c and
 * the unit test.  The arithmetic below compiles for BPF and user space.
 */
#ifndef NEIGH_TABLE_H
#define NEIGH_TABLE_H

#include <bpftune/bpftune.h>

/* from include/linux/socket.h; macros, so not in vmlinux.h */
#define NEIGH_TABLE_AF_INET 2
#define NEIGH_TABLE_AF_INET6 10

/* The two tables this tuner knows. */
enum neigh_table_id {
	NEIGH_TABLE_ARP,
	NEIGH_TABLE_ND,
	NEIGH_TABLE_NTABLES,
};

enum neigh_table_scenario {
	NEIGH_TABLE_NEARLY_FULL, /* BPF: gc_entries near gc_thresh3 */
	NEIGH_TABLE_ALLOC_FAILED, /* BPF: create saw no entry allocated */
	NEIGH_TABLE_OVERFLOW,	  /* timer: table_fulls went up */
	NEIGH_TABLE_GC_CHURN,	  /* timer: forced gc, interval after interval */
	NEIGH_TABLE_IDLE,	  /* timer: far below raised thresholds */
	NEIGH_TABLE_RELEARN,	  /* BPF: a gc-reclaimed entry learned again */
	NEIGH_TABLE_GARP_STORM,	  /* BPF: gratuitous ARPs above the storm rate */
	NEIGH_TABLE_GARP_OVER,	  /* timer: no storm for a while */
	NEIGH_TABLE_SCENARIOS,
};

/* Tunables: three per table, in table order, thresh1..3. */
enum neigh_table_tunable {
	NEIGH_TABLE_ARP_THRESH1,
	NEIGH_TABLE_ARP_THRESH2,
	NEIGH_TABLE_ARP_THRESH3,
	NEIGH_TABLE_ND_THRESH1,
	NEIGH_TABLE_ND_THRESH2,
	NEIGH_TABLE_ND_THRESH3,
	NEIGH_TABLE_GARP_DROP, /* neigh_churn.c */
	NEIGH_TABLE_TUNABLES,
};

/* The thresholds are the first tunables. */
#define NEIGH_TABLE_THRESHOLDS (NEIGH_TABLE_ND_THRESH3 + 1)

#define NEIGH_TABLE_TUNABLE(table, n) ((table) * 3 + (n) - 1)

/* event values[] */
#define NEIGH_TABLE_EV_TABLE 0	   /* enum neigh_table_id */
#define NEIGH_TABLE_EV_ENTRIES 1   /* gc_entries seen by BPF */
#define NEIGH_TABLE_EV_THRESH3 2   /* gc_thresh3 seen by BPF */
#define NEIGH_TABLE_EV_SUBNET 3	   /* hosts the device's subnets hold */
#define NEIGH_TABLE_EV_IFINDEX 4   /* device the entry was created on */
#define NEIGH_TABLE_EV_DEV_NETNS 5 /* that device's netns cookie */
#define NEIGH_TABLE_EV_NVALUES 6

/* Address slots looked at per device (bounded loop in BPF). */
#define NEIGH_TABLE_MAX_ADDRS 8
/* A subnet size is counted up to this many hosts (2^32). */
#define NEIGH_TABLE_SUBNET_MAX (1ULL << 32)

/* Hosts a subnet of this prefix length can hold (saturated). */
static inline __u64 neigh_table_subnet_hosts(int family, __u32 prefixlen)
{
	__u32 bits;

	if (family == NEIGH_TABLE_AF_INET) {
		if (prefixlen > 32)
			return 0;
		bits = 32 - prefixlen;
		if (bits == 0)
			return 1;
		if (bits == 1)
			return 2; /* RFC 3021 point-to-point */
		/* without network and broadcast addresses */
		return (bits >= 32 ? NEIGH_TABLE_SUBNET_MAX : (1ULL << bits)) - 2;
	}
	if (prefixlen > 128)
		return 0;
	bits = 128 - prefixlen;
	if (bits >= 32)
		return NEIGH_TABLE_SUBNET_MAX;
	return 1ULL << bits;
}

/* a + b, never above NEIGH_TABLE_SUBNET_MAX */
static inline __u64 neigh_table_add_hosts(__u64 a, __u64 b)
{
	if (a >= NEIGH_TABLE_SUBNET_MAX || b >= NEIGH_TABLE_SUBNET_MAX ||
	    a + b >= NEIGH_TABLE_SUBNET_MAX)
		return NEIGH_TABLE_SUBNET_MAX;
	return a + b;
}

#include "neigh_churn.h"

#ifndef __VMLINUX_H__
#include <stdlib.h>
#include <string.h>

/*
 * User-side rules, kept free of I/O so the unit test can check them.
 */

/* thresh3 never needs to be smaller than the kernel's default. */
#define NEIGH_TABLE_FLOOR 1024
/* Absolute ceiling for any threshold. */
#define NEIGH_TABLE_CEILING (1LL << 20)
/* At most RAM / this many bytes in neighbour entries (~512 B each, 1/64). */
#define NEIGH_TABLE_RAM_PER_ENTRY (512 * 64)
/* Forced GC in this many consecutive timer ticks is churn. */
#define NEIGH_TABLE_CHURN_TICKS 3
/* Far below raised thresholds for this many ticks: shrink one step. */
#define NEIGH_TABLE_IDLE_TICKS 600

/*
 * /proc/net/stat/<table>: a header line naming the columns, then one line
 * of hex counters per CPU.  entries is the table's total (the same on
 * every line); the other counters are per CPU and summed.
 */
struct neigh_stats {
	unsigned long long entries;
	unsigned long long forced_gc;
	unsigned long long table_fulls;
};

enum { NEIGH_STAT_ENTRIES, NEIGH_STAT_FORCED_GC, NEIGH_STAT_TABLE_FULLS,
       NEIGH_STAT_COLUMNS };

/* Find the columns we need in the header; -1 when one is missing. */
static inline int neigh_table_stat_columns(const char *header, int *cols)
{
	static const char *const names[NEIGH_STAT_COLUMNS] = {
		"entries", "forced_gc_runs", "table_fulls"
	};
	const char *p = header, *start;
	size_t len;
	int col = 0, i, found = 0;

	for (i = 0; i < NEIGH_STAT_COLUMNS; i++)
		cols[i] = -1;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		len = (size_t)(p - start);
		for (i = 0; i < NEIGH_STAT_COLUMNS; i++) {
			if (cols[i] < 0 && strlen(names[i]) == len &&
			    !strncmp(start, names[i], len)) {
				cols[i] = col;
				found++;
			}
		}
		col++;
	}
	return found == NEIGH_STAT_COLUMNS ? 0 : -1;
}

/* Add one per-CPU line to s; first says it is the first line. */
static inline void neigh_table_stat_line(const char *line, const int *cols,
					 struct neigh_stats *s, int first)
{
	unsigned long long v;
	const char *p = line;
	char *end;
	int col;

	for (col = 0;; col++) {
		v = strtoull(p, &end, 16);
		if (end == p)
			return;
		p = end;
		if (col == cols[NEIGH_STAT_ENTRIES] && first)
			s->entries = v;
		if (col == cols[NEIGH_STAT_FORCED_GC])
			s->forced_gc += v;
		if (col == cols[NEIGH_STAT_TABLE_FULLS])
			s->table_fulls += v;
	}
}

/* The hard cap from RAM: at most 1/64 of memory in neighbour entries. */
static inline long long neigh_table_hard_cap(unsigned long long ram)
{
	unsigned long long cap = ram / NEIGH_TABLE_RAM_PER_ENTRY;

	if (cap < NEIGH_TABLE_FLOOR)
		return NEIGH_TABLE_FLOOR;
	if (cap > (unsigned long long)NEIGH_TABLE_CEILING)
		return NEIGH_TABLE_CEILING;
	return (long long)cap;
}

/*
 * Bound for thresh3: what the local subnets can hold, but never below
 * the floor (a few small subnets still get the kernel's default) and
 * never above the hard cap.
 */
static inline long long neigh_table_bound(__u64 subnet_hosts,
					  long long hard_cap)
{
	long long bound = subnet_hosts >= (__u64)hard_cap ? hard_cap :
							    (long long)subnet_hosts;

	return bound < NEIGH_TABLE_FLOOR ? NEIGH_TABLE_FLOOR : bound;
}

/*
 * New thresholds when thresh3 becomes new3: thresh1 and thresh2 keep the
 * proportion to thresh3 they had originally (orig[]; computed from the
 * original each time, so rounding does not drift), never above thresh3
 * and never below their original values.
 */
static inline void neigh_table_scale(const long long *orig, long long new3,
				     long long *next)
{
	int i;

	next[2] = new3;
	for (i = 0; i < 2; i++) {
		if (orig[2] > 0)
			next[i] = (long long)((__int128)orig[i] * new3 / orig[2]);
		else
			next[i] = orig[i];
		if (next[i] < orig[i])
			next[i] = orig[i];
		if (next[i] > new3)
			next[i] = new3;
	}
	if (next[0] > next[1])
		next[0] = next[1];
}

/*
 * Growth rule: thresh3 grows by the learning rate, up to bound.  Returns
 * 1 with next[] filled when it moves, 0 when it is already at the bound.
 */
static inline int neigh_table_grow(const long long *cur, const long long *orig,
				   long long bound, unsigned int rate,
				   long long *next)
{
	long long new3;

	if (cur[2] >= bound)
		return 0;
	new3 = (long long)bpftune_grow((__u64)cur[2], (__u64)bound, rate);
	neigh_table_scale(orig, new3, next);
	return 1;
}

/*
 * Burst rule: thresh3 goes to the bound at once (a burst of new neighbours
 * fills the gap between gc_thresh2 and gc_thresh3 in milliseconds, far
 * faster than one step per event).  Returns 1 with next[] filled when it
 * moves, 0 when it is already at (or above) the bound.
 */
static inline int neigh_table_jump(const long long *cur, const long long *orig,
				   long long bound, long long *next)
{
	if (cur[2] >= bound)
		return 0;
	neigh_table_scale(orig, bound, next);
	return 1;
}

/* Shrink rule: one step back toward orig[], never below it. */
static inline int neigh_table_shrink(const long long *cur,
				     const long long *orig, unsigned int rate,
				     long long *next)
{
	long long new3;

	if (cur[2] <= orig[2])
		return 0;
	new3 = (long long)bpftune_shrink((__u64)cur[2], (__u64)orig[2], rate);
	neigh_table_scale(orig, new3, next);
	return 1;
}

/*
 * Relearn rule: the periodic collector reclaims stale entries only while
 * the table holds gc_thresh1 entries or more.  The gc_thresh1 that keeps
 * a table of this size out of its reach: a quarter more (at least 16
 * more), at most gc_thresh2.  0 when gc_thresh1 is above the table
 * already (the collector does not run: the reclaim has another cause) or
 * cannot move (at gc_thresh2).
 */
static inline long long neigh_table_relearn_thresh1(unsigned long long entries,
						    const long long *cur)
{
	unsigned long long more = entries / 4 > 16 ? entries / 4 : 16;
	long long want;

	if (entries > (unsigned long long)NEIGH_TABLE_CEILING ||
	    (long long)entries < cur[0])
		return 0;
	want = (long long)(entries + more);
	if (want > cur[1])
		want = cur[1];
	return want > cur[0] ? want : 0;
}

/* A gc_thresh1 raised for a relearn loop stays: later moves keep it. */
static inline void neigh_table_keep_thresh1(long long *next, long long floor1)
{
	if (floor1 > next[0])
		next[0] = floor1 < next[1] ? floor1 : next[1];
}

/* Is the table far below raised thresholds (for the idle rule)? */
static inline int neigh_table_idle(long long entries, const long long *cur,
				   const long long *orig, unsigned int rate)
{
	if (cur[2] <= orig[2])
		return 0;
	return entries < cur[0] &&
	       bpftune_nearly_empty((__u64)entries, (__u64)cur[2], rate);
}
#endif /* !__VMLINUX_H__ */

#endif
