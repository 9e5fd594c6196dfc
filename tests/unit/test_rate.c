// SPDX-License-Identifier: GPL-2.0
/* Learning-rate math shared by BPF and user space. */
#include <stdint.h>
#include <bpftune/bpftune.h>
#include "unit.h"

static void test_percent(void)
{
	CHECK_EQ(bpftune_rate_pct(0), 1);
	CHECK_EQ(bpftune_rate_pct(1), 3);
	CHECK_EQ(bpftune_rate_pct(2), 6);
	CHECK_EQ(bpftune_rate_pct(3), 12);
	CHECK_EQ(bpftune_rate_pct(4), 25);
	CHECK_EQ(bpftune_rate_pct(99), 25); /* out of range acts as max */
}

static void test_margin(void)
{
	CHECK_EQ(bpftune_rate_margin(262144, 4), 65536);
	CHECK_EQ(bpftune_rate_margin(1000, 0), 10);
	CHECK_EQ(bpftune_rate_margin(100, 2), 6);
	CHECK_EQ(bpftune_rate_margin(99, 4), 24);
	CHECK_EQ(bpftune_rate_margin(0, 4), 0);
	/* no overflow at the top of the range */
	CHECK_EQ(bpftune_rate_margin(UINT64_MAX, 4), UINT64_MAX / 100 * 25 + 15 * 25 / 100);
	CHECK(bpftune_rate_margin(UINT64_MAX, 4) < UINT64_MAX / 3);
}

static void test_nearly_full(void)
{
	unsigned int rate;

	/* 25 %: 196608 is the threshold for 262144 */
	CHECK(bpftune_nearly_full(196608, 262144, 4));
	CHECK(!bpftune_nearly_full(196607, 262144, 4));
	CHECK(bpftune_nearly_full(262144, 262144, 4));
	CHECK(bpftune_nearly_full(300000, 262144, 4)); /* beyond the limit */
	/* 1 %: within 1 % only */
	CHECK(bpftune_nearly_full(990, 1000, 0));
	CHECK(!bpftune_nearly_full(989, 1000, 0));
	CHECK(!bpftune_nearly_full(0, 0, 4)); /* no limit, never full */
	CHECK(bpftune_nearly_full(UINT64_MAX, UINT64_MAX, 4));
	for (rate = 0; rate <= 4; rate++) {
		uint64_t limit = 1000000, margin = bpftune_rate_margin(limit, rate);

		CHECK(bpftune_nearly_full(limit - margin, limit, rate));
		CHECK(!bpftune_nearly_full(limit - margin - 1, limit, rate));
	}
	CHECK(bpftune_nearly_empty(0, 1000, 4));
	CHECK(!bpftune_nearly_empty(250, 1000, 4));
}

static void test_grow_shrink(void)
{
	CHECK_EQ(bpftune_grow(262144, INT32_MAX, 4), 327680);
	CHECK_EQ(bpftune_grow(262144, INT32_MAX, 0), 262144 + 2621);
	CHECK_EQ(bpftune_grow(1000, 1100, 4), 1100);	   /* capped */
	CHECK_EQ(bpftune_grow(1100, 1100, 4), 1100);	   /* at cap: stays */
	CHECK_EQ(bpftune_grow(5000, 1100, 4), 5000);	   /* above cap: never lowered */
	CHECK_EQ(bpftune_grow(1, 100, 4), 2);		   /* always moves by >= 1 */
	CHECK_EQ(bpftune_grow(0, 100, 4), 1);
	CHECK_EQ(bpftune_grow(UINT64_MAX - 1, UINT64_MAX, 4), UINT64_MAX);
	CHECK_EQ(bpftune_grow(UINT64_MAX, UINT64_MAX, 4), UINT64_MAX); /* no wrap */
	CHECK_EQ(bpftune_grow(INT32_MAX - 10, INT32_MAX, 4), INT32_MAX);
	CHECK_EQ(bpftune_shrink(1000, 0, 4), 750);
	CHECK_EQ(bpftune_shrink(1000, 900, 4), 900);	   /* floor */
	CHECK_EQ(bpftune_shrink(800, 900, 4), 800);	   /* below floor: never raised */
	CHECK_EQ(bpftune_shrink(1, 0, 4), 0);
	CHECK_EQ(bpftune_shrink(0, 0, 4), 0);		   /* no wrap */
	CHECK_EQ(bpftune_shrink(UINT64_MAX, 0, 4), UINT64_MAX - bpftune_rate_margin(UINT64_MAX, 4));
}

int main(void)
{
	test_percent();
	test_margin();
	test_nearly_full();
	test_grow_shrink();
	return unit_report();
}
