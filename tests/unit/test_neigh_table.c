// SPDX-License-Identifier: GPL-2.0
/* neigh_table's pure rules: subnet sizes, bound, growth, shrink, idle. */
#include <stdint.h>
#include "unit.h"
#include "../../tuners/neigh_table/neigh_table.h"

static void test_subnet_hosts(void)
{
	CHECK_EQ(neigh_table_subnet_hosts(NEIGH_TABLE_AF_INET, 24), 254);
	CHECK_EQ(neigh_table_subnet_hosts(NEIGH_TABLE_AF_INET, 22), 1022);
	CHECK_EQ(neigh_table_subnet_hosts(NEIGH_TABLE_AF_INET, 31), 2);
	CHECK_EQ(neigh_table_subnet_hosts(NEIGH_TABLE_AF_INET, 32), 1);
	CHECK_EQ(neigh_table_subnet_hosts(NEIGH_TABLE_AF_INET, 0),
		 NEIGH_TABLE_SUBNET_MAX - 2);
	CHECK_EQ(neigh_table_subnet_hosts(NEIGH_TABLE_AF_INET, 33), 0);
	CHECK_EQ(neigh_table_subnet_hosts(NEIGH_TABLE_AF_INET6, 64),
		 NEIGH_TABLE_SUBNET_MAX);
	CHECK_EQ(neigh_table_subnet_hosts(NEIGH_TABLE_AF_INET6, 120), 256);
	CHECK_EQ(neigh_table_subnet_hosts(NEIGH_TABLE_AF_INET6, 128), 1);
	CHECK_EQ(neigh_table_subnet_hosts(NEIGH_TABLE_AF_INET6, 129), 0);
	/* sums saturate */
	CHECK_EQ(neigh_table_add_hosts(254, 510), 764);
	CHECK_EQ(neigh_table_add_hosts(NEIGH_TABLE_SUBNET_MAX - 1, 1),
		 NEIGH_TABLE_SUBNET_MAX);
	CHECK_EQ(neigh_table_add_hosts(UINT64_MAX, UINT64_MAX),
		 NEIGH_TABLE_SUBNET_MAX);
}

static void test_bound(void)
{
	long long cap = neigh_table_hard_cap(24ULL << 30);

	CHECK_EQ(cap, (24ULL << 30) / NEIGH_TABLE_RAM_PER_ENTRY);
	CHECK_EQ(neigh_table_hard_cap(1ULL << 20), NEIGH_TABLE_FLOOR); /* tiny RAM */
	CHECK_EQ(neigh_table_hard_cap(1ULL << 50), NEIGH_TABLE_CEILING);
	CHECK_EQ(neigh_table_hard_cap(0), NEIGH_TABLE_FLOOR);
	/* a /24 is below the floor: the floor wins */
	CHECK_EQ(neigh_table_bound(254, cap), NEIGH_TABLE_FLOOR);
	CHECK_EQ(neigh_table_bound(0, cap), NEIGH_TABLE_FLOOR);
	/* the edge: exactly what the subnets hold */
	CHECK_EQ(neigh_table_bound(1532, cap), 1532);
	CHECK_EQ(neigh_table_bound(cap, cap), cap);
	CHECK_EQ(neigh_table_bound(cap + 1, cap), cap);
	CHECK_EQ(neigh_table_bound(NEIGH_TABLE_SUBNET_MAX, cap), cap);
}

static void test_grow(void)
{
	long long orig[3] = { 32, 64, 128 }, cur[3] = { 32, 64, 128 }, next[3];
	long long odd[3] = { 900, 100, 1000 };

	CHECK(neigh_table_grow(cur, orig, 1024, 4, next));
	CHECK_EQ(next[2], 160);
	CHECK_EQ(next[1], 80);
	CHECK_EQ(next[0], 40);
	/* the proportion comes from the original: no rounding drift */
	cur[0] = 0; cur[1] = 0; cur[2] = 1226;
	CHECK(neigh_table_grow(cur, orig, 1532, 4, next));
	CHECK_EQ(next[2], 1532);
	CHECK_EQ(next[1], 766);
	CHECK_EQ(next[0], 383);
	/* last step lands exactly on the bound, never beyond */
	cur[0] = 300; cur[1] = 600; cur[2] = 1000;
	CHECK(neigh_table_grow(cur, orig, 1024, 4, next));
	CHECK_EQ(next[2], 1024);
	CHECK(next[1] <= next[2] && next[0] <= next[1]);
	/* at or beyond the bound: no growth */
	cur[2] = 1024;
	CHECK(!neigh_table_grow(cur, orig, 1024, 4, next));
	cur[2] = 5000;
	CHECK(!neigh_table_grow(cur, orig, 1024, 4, next));
	/* odd original ratios stay ordered */
	CHECK(neigh_table_grow(odd, odd, 100000, 4, next));
	CHECK(next[0] <= next[1] && next[1] <= next[2]);
}

/* Burst: straight to the bound, thresh1/2 in the original proportion. */
static void test_jump(void)
{
	long long orig[3] = { 128, 512, 1024 }, cur[3] = { 128, 512, 1024 };
	long long next[3];

	CHECK(neigh_table_jump(cur, orig, 8190, next));
	CHECK_EQ(next[2], 8190);
	CHECK_EQ(next[1], 4095);
	CHECK_EQ(next[0], 1023);
	/* at or above the bound (an administrator's larger value): nothing */
	cur[2] = 8190;
	CHECK(!neigh_table_jump(cur, orig, 8190, next));
	cur[2] = 9000;
	CHECK(!neigh_table_jump(cur, orig, 8190, next));
	/* one below the bound still moves, exactly onto it */
	cur[2] = 8189;
	CHECK(neigh_table_jump(cur, orig, 8190, next));
	CHECK_EQ(next[2], 8190);
}

static void test_shrink_idle(void)
{
	long long orig[3] = { 32, 64, 128 }, cur[3] = { 152, 304, 608 }, next[3];

	CHECK(neigh_table_shrink(cur, orig, 4, next));
	CHECK_EQ(next[2], 456);
	CHECK_EQ(next[1], 228);
	CHECK_EQ(next[0], 114);
	/* never below the original values */
	cur[0] = 33; cur[1] = 65; cur[2] = 130;
	CHECK(neigh_table_shrink(cur, orig, 4, next));
	CHECK_EQ(next[2], 128);
	CHECK_EQ(next[1], 64);
	CHECK_EQ(next[0], 32);
	CHECK(!neigh_table_shrink(orig, orig, 4, next));
	/* idle: only when raised, below thresh1 and under p % of thresh3 */
	cur[0] = 152; cur[1] = 304; cur[2] = 608;
	CHECK(neigh_table_idle(100, cur, orig, 4));
	CHECK(!neigh_table_idle(152, cur, orig, 4)); /* 25 % of 608 */
	CHECK(!neigh_table_idle(10, orig, orig, 4)); /* never raised */
}

static void test_relearn(void)
{
	long long cur[3] = { 128, 512, 1024 }, next[3];

	/* 200 entries, collector running: a quarter more */
	CHECK_EQ(neigh_table_relearn_thresh1(200, cur), 250);
	/* small tables: at least 16 more */
	cur[0] = 32;
	CHECK_EQ(neigh_table_relearn_thresh1(40, cur), 56);
	/* at most gc_thresh2 */
	cur[0] = 128;
	CHECK_EQ(neigh_table_relearn_thresh1(500, cur), 512);
	cur[0] = 512;
	CHECK_EQ(neigh_table_relearn_thresh1(600, cur), 0);
	/* below gc_thresh1 the collector does not run: another cause */
	cur[0] = 128;
	CHECK_EQ(neigh_table_relearn_thresh1(100, cur), 0);
	/* a count no table holds */
	CHECK_EQ(neigh_table_relearn_thresh1(~0ULL, cur), 0);
	/* later moves keep the raised gc_thresh1, never above gc_thresh2 */
	next[0] = 64; next[1] = 300; next[2] = 600;
	neigh_table_keep_thresh1(next, 250);
	CHECK_EQ(next[0], 250);
	neigh_table_keep_thresh1(next, 400);
	CHECK_EQ(next[0], 300);
	next[0] = 500;
	neigh_table_keep_thresh1(next, 250);
	CHECK_EQ(next[0], 500);
}

static void test_stats(void)
{
	const char *header =
		"entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs unresolved_discards table_fulls\n";
	const char *cpu0 =
		"0000001e 0000000d 00000002 00000002   00000040 00000006 00000000   00000000         00000000         0000002a         00000003       00000000            0000000a\n";
	const char *cpu1 =
		"0000001e 00000013 00000000 00000000   0000003f 0000000c 00000000   00000000         00000000         00000000         00000001       00000000            00000005\n";
	struct neigh_stats s = { 0 };
	int cols[NEIGH_STAT_COLUMNS];

	CHECK_EQ(neigh_table_stat_columns(header, cols), 0);
	CHECK_EQ(cols[NEIGH_STAT_ENTRIES], 0);
	CHECK_EQ(cols[NEIGH_STAT_FORCED_GC], 10);
	CHECK_EQ(cols[NEIGH_STAT_TABLE_FULLS], 12);
	neigh_table_stat_line(cpu0, cols, &s, 1);
	neigh_table_stat_line(cpu1, cols, &s, 0);
	CHECK_EQ(s.entries, 30);	/* the total, not summed */
	CHECK_EQ(s.forced_gc, 4);
	CHECK_EQ(s.table_fulls, 15);
	/* a truncated line adds what it has */
	neigh_table_stat_line("00000001 00000002", cols, &s, 0);
	CHECK_EQ(s.table_fulls, 15);
	/* a header without table_fulls (or garbage) is refused */
	CHECK(neigh_table_stat_columns("entries allocs forced_gc_runs\n", cols) < 0);
	CHECK(neigh_table_stat_columns("", cols) < 0);
}

static void test_churn(void)
{
	/* twice the period, rounded up to seconds */
	CHECK_EQ(neigh_churn_stale_target(3300, 1, 600), 7);
	CHECK_EQ(neigh_churn_stale_target(164210, 60, 600), 329);
	/* twice is beyond the bound, the period is not: the bound keeps it */
	CHECK_EQ(neigh_churn_stale_target(400000, 60, 600), 600);
	/* the bound itself would not keep it: no change */
	CHECK_EQ(neigh_churn_stale_target(600000, 60, 600), 0);
	/* already long enough (or longer, set by hand) */
	CHECK_EQ(neigh_churn_stale_target(20000, 60, 600), 0);
	CHECK_EQ(neigh_churn_stale_target(3300, 900, 600), 0);
	/* per mille of the stale time -> ms */
	CHECK_EQ(neigh_churn_period_ms(3300, 1), 3300);
	CHECK_EQ(neigh_churn_period_ms(1500, 60), 90000);
	CHECK_EQ(neigh_churn_period_ms(1500, 0), 0);
}

int main(void)
{
	test_churn();
	test_stats();
	test_subnet_hosts();
	test_bound();
	test_grow();
	test_jump();
	test_shrink_idle();
	test_relearn();
	return unit_report();
}
