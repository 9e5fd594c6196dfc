// SPDX-License-Identifier: GPL-2.0
/* Sliding-window correlation used by tuners that back off. */
#include <bpftune/correlate.h>
#include "unit.h"

static void test_undefined(void)
{
	struct bpftune_corr c = { 0 };

	CHECK(bpftune_corr_value(&c) == 0);
	bpftune_corr_add(&c, 1, 1);
	CHECK(bpftune_corr_value(&c) == 0); /* one sample */
	bpftune_corr_add(&c, 2, 1);
	bpftune_corr_add(&c, 3, 1);
	CHECK(bpftune_corr_value(&c) == 0); /* y constant */
	CHECK(!bpftune_corr_strong(&c, 2, 0.75));
}

static void test_signs(void)
{
	struct bpftune_corr up = { 0 }, down = { 0 };
	int i;

	for (i = 0; i < 6; i++) {
		bpftune_corr_add(&up, 1000 + 250 * i, 3 * i + 1);
		bpftune_corr_add(&down, 1000 + 250 * i, 20 - 3 * i);
	}
	CHECK(bpftune_corr_value(&up) > 0.999);
	CHECK(bpftune_corr_value(&down) < -0.999);
	CHECK(bpftune_corr_strong(&up, 4, 0.75));
	CHECK(!bpftune_corr_strong(&up, 7, 0.75)); /* too few samples */
	CHECK(!bpftune_corr_strong(&down, 4, 0.75));
}

static void test_window(void)
{
	struct bpftune_corr c = { 0 };
	int i;

	/* old, anti-correlated samples slide out of the window */
	for (i = 0; i < BPFTUNE_CORR_SAMPLES; i++)
		bpftune_corr_add(&c, i, -i);
	CHECK(bpftune_corr_value(&c) < -0.999);
	for (i = 0; i < BPFTUNE_CORR_SAMPLES; i++)
		bpftune_corr_add(&c, i, 2 * i);
	CHECK_EQ(c.count, BPFTUNE_CORR_SAMPLES);
	CHECK(bpftune_corr_value(&c) > 0.999);
	bpftune_corr_reset(&c);
	CHECK_EQ(c.count, 0);
}

static void test_noise(void)
{
	struct bpftune_corr c = { 0 };
	static const double y[] = { 5, 1, 4, 2, 5, 1, 4, 2 };
	unsigned int i;

	for (i = 0; i < sizeof(y) / sizeof(y[0]); i++)
		bpftune_corr_add(&c, 100 * i, y[i]);
	CHECK(!bpftune_corr_strong(&c, 4, 0.75));
}

int main(void)
{
	test_undefined();
	test_signs();
	test_window();
	test_noise();
	return unit_report();
}
