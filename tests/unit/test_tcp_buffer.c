// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer tuner: the latency correlation math and every safety bound,
 * at its edge.
 */
#include <stdint.h>
#include <linux/types.h>
#include "../../tuners/tcp_buffer/tcp_buffer.h"
#include "../../tuners/tcp_buffer/tcp_buffer_corr.h"
#include "unit.h"

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

static int near(double a, double b)
{
	double d = a - b;

	return d < 1e-9 && d > -1e-9;
}

static void fill(struct tcp_buffer_corr *c, const uint64_t *x,
		 const uint64_t *y, unsigned int n)
{
	unsigned int i;

	tcp_buffer_corr_reset(c);
	for (i = 0; i < n; i++)
		tcp_buffer_corr_add(c, x[i], y[i]);
}

static void test_corr_perfect(void)
{
	struct tcp_buffer_corr c = {};
	unsigned int i;

	/* srtt rising in step with the buffer */
	for (i = 0; i < 12; i++)
		tcp_buffer_corr_add(&c, 262144 + i * 65536, 100 + i * 50);
	CHECK(near(tcp_buffer_corr_value(&c), 1.0));
	CHECK(tcp_buffer_corr_strong(&c, TCP_BUFFER_CORR_SAMPLES,
				     TCP_BUFFER_CORR_PERMILLE));
}

static void test_corr_min_samples(void)
{
	struct tcp_buffer_corr c = {};
	unsigned int i;

	/* perfect, but one sample short of the minimum: no decision */
	for (i = 0; i < TCP_BUFFER_CORR_SAMPLES - 1; i++)
		tcp_buffer_corr_add(&c, 1000 + i, 10 + i);
	CHECK(near(tcp_buffer_corr_value(&c), 1.0));
	CHECK(!tcp_buffer_corr_strong(&c, TCP_BUFFER_CORR_SAMPLES,
				      TCP_BUFFER_CORR_PERMILLE));
	tcp_buffer_corr_add(&c, 1000 + i, 10 + i);
	CHECK(tcp_buffer_corr_strong(&c, TCP_BUFFER_CORR_SAMPLES,
				     TCP_BUFFER_CORR_PERMILLE));
}

static void test_corr_none(void)
{
	static const uint64_t x[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	static const uint64_t flat[] = { 7, 7, 7, 7, 7, 7, 7, 7, 7, 7 };
	/* symmetric around the middle: zero linear correlation */
	static const uint64_t vee[] = { 5, 4, 3, 2, 1, 1, 2, 3, 4, 5 };
	struct tcp_buffer_corr c;

	fill(&c, x, flat, 10);
	CHECK(near(tcp_buffer_corr_value(&c), 0)); /* constant: not NaN */
	CHECK(!tcp_buffer_corr_strong(&c, 10, TCP_BUFFER_CORR_PERMILLE));
	fill(&c, x, vee, 10);
	CHECK(near(tcp_buffer_corr_value(&c), 0));
	CHECK(!tcp_buffer_corr_strong(&c, 10, TCP_BUFFER_CORR_PERMILLE));
	fill(&c, x, x, 1);
	CHECK(near(tcp_buffer_corr_value(&c), 0)); /* one sample */
}

static void test_corr_negative(void)
{
	struct tcp_buffer_corr c = {};
	unsigned int i;

	for (i = 0; i < 16; i++)
		tcp_buffer_corr_add(&c, 1000 + i * 10, 5000 - i * 7);
	CHECK(near(tcp_buffer_corr_value(&c), -1.0));
	CHECK(!tcp_buffer_corr_strong(&c, 10, TCP_BUFFER_CORR_PERMILLE));
}

static void test_corr_threshold_edge(void)
{
	/* r = 0.6979 (just below 0.7) and r = 0.7014 (just above) */
	static const uint64_t x[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	static const uint64_t below[] = { 4, 7, 4, 5, 8, 7, 6, 7, 8, 8 };
	static const uint64_t above[] = { 3, 2, 4, 7, 9, 5, 9, 9, 6, 8 };
	struct tcp_buffer_corr c;
	double r;

	fill(&c, x, above, 10);
	r = tcp_buffer_corr_value(&c);
	CHECK(r > 0.701 && r < 0.702);
	CHECK(tcp_buffer_corr_strong(&c, 10, TCP_BUFFER_CORR_PERMILLE));
	fill(&c, x, below, 10);
	r = tcp_buffer_corr_value(&c);
	CHECK(r > 0.697 && r < 0.698);
	CHECK(!tcp_buffer_corr_strong(&c, 10, TCP_BUFFER_CORR_PERMILLE));
}

static void test_corr_overflow(void)
{
	struct tcp_buffer_corr c = {};
	unsigned int i;
	double r;

	/* sums of squares of these overflow any 64-bit integer */
	for (i = 0; i < 20; i++)
		tcp_buffer_corr_add(&c, UINT64_MAX - 1000000000000000ULL * (20 - i),
				    UINT64_MAX / 2 + 100000000000000ULL * i);
	r = tcp_buffer_corr_value(&c);
	CHECK(r > 0.999 && r <= 1.0);
	tcp_buffer_corr_reset(&c);
	for (i = 0; i < 20; i++)
		tcp_buffer_corr_add(&c, i & 1 ? UINT64_MAX : 0,
				    i & 1 ? 0 : UINT64_MAX);
	r = tcp_buffer_corr_value(&c);
	CHECK(r >= -1.0 && r < -0.999);
}

static void test_corr_window(void)
{
	struct tcp_buffer_corr c = {};
	unsigned int i;

	/* old correlated samples slide out of the window */
	for (i = 0; i < TCP_BUFFER_CORR_WINDOW; i++)
		tcp_buffer_corr_add(&c, i, i);
	CHECK_EQ(c.n, TCP_BUFFER_CORR_WINDOW);
	for (i = 0; i < TCP_BUFFER_CORR_WINDOW; i++)
		tcp_buffer_corr_add(&c, i, TCP_BUFFER_CORR_WINDOW - i);
	CHECK_EQ(c.n, TCP_BUFFER_CORR_WINDOW);
	CHECK(near(tcp_buffer_corr_value(&c), -1.0));
}

static void test_socket_cap(void)
{
	CHECK_EQ(tcp_buffer_socket_cap(24 * GiB), 24 * GiB / 32);
	/* 64 GiB / 32 = 2 GiB, just above INT_MAX: capped */
	CHECK_EQ(tcp_buffer_socket_cap(64 * GiB), 0x7fffffffULL);
	CHECK_EQ(tcp_buffer_socket_cap(64 * GiB - 32), 0x7fffffffULL);
	CHECK_EQ(tcp_buffer_socket_cap(64 * GiB - 64), 0x7ffffffeULL);
	CHECK_EQ(tcp_buffer_socket_cap(0), 0x7fffffffULL);
}

static void test_tcp_mem_cap(void)
{
	long long cur[3] = { 1000, 2000, 3000 }, next[3];
	__u64 cap = tcp_buffer_tcp_mem_cap(16 * GiB, 4096);

	CHECK_EQ(cap, 16 * GiB / 4096 / 4);
	CHECK_EQ(tcp_buffer_tcp_mem_cap(16 * GiB, 0), 0);
	/* near max: all three grow by 25 % */
	CHECK(tcp_buffer_tcp_mem_grow(cur, next, cap, 4, 1));
	CHECK_EQ(next[0], 1250);
	CHECK_EQ(next[1], 2500);
	CHECK_EQ(next[2], 3750);
	/* pressure only: max keeps its value while it is 3/2 of pressure */
	cur[2] = 6000;
	CHECK(tcp_buffer_tcp_mem_grow(cur, next, cap, 4, 0));
	CHECK_EQ(next[1], 2500);
	CHECK_EQ(next[2], 6000);
	/* ... and follows pressure once it would be less */
	cur[2] = 3000;
	CHECK(tcp_buffer_tcp_mem_grow(cur, next, cap, 4, 0));
	CHECK_EQ(next[2], 3750);
	/* one step below the cap: stops exactly at it, order kept */
	cur[0] = cap - 10;
	cur[1] = cap - 5;
	cur[2] = cap - 1;
	CHECK(tcp_buffer_tcp_mem_grow(cur, next, cap, 4, 1));
	CHECK_EQ(next[2], cap);
	CHECK(next[1] <= next[2] && next[0] <= next[1]);
	/* max at the cap: may not grow near max */
	cur[2] = cap;
	CHECK(!tcp_buffer_tcp_mem_grow(cur, next, cap, 4, 1));
	/* ... but pressure may still rise up to max */
	CHECK(tcp_buffer_tcp_mem_grow(cur, next, cap, 4, 0));
	CHECK_EQ(next[1], cap);
	CHECK_EQ(next[2], cap);
	cur[1] = cap;
	CHECK(!tcp_buffer_tcp_mem_grow(cur, next, cap, 4, 0));
	cur[2] = cap + 1; /* an administrator went beyond it */
	CHECK(!tcp_buffer_tcp_mem_grow(cur, next, cap, 4, 1));
	cur[1] = -1; /* nonsense in: nothing out */
	CHECK(!tcp_buffer_tcp_mem_grow(cur, next, cap, 4, 0));
	/* a zero minimum is fine (nothing allocated when it was set) */
	cur[0] = 0;
	cur[1] = 512;
	cur[2] = 65536;
	CHECK(tcp_buffer_tcp_mem_grow(cur, next, cap, 4, 0));
	CHECK_EQ(next[0], 1);
	CHECK_EQ(next[1], 640);
	CHECK_EQ(next[2], 65536);
}

static void test_cut_floor(void)
{
	CHECK_EQ(tcp_buffer_cut(6291456, 131072, 4), 6291456 - 1572864);
	/* one step above the default: stops at the default */
	CHECK_EQ(tcp_buffer_cut(131073, 131072, 4), 131072);
	CHECK_EQ(tcp_buffer_cut(131072, 131072, 4), 131072);
	/* never raised by a cut, even when below the default */
	CHECK_EQ(tcp_buffer_cut(100000, 131072, 4), 100000);
}

static void test_core_max(void)
{
	__u64 cap = tcp_buffer_core_max_cap(24 * GiB);

	CHECK_EQ(cap, 256 * MiB);
	CHECK_EQ(tcp_buffer_core_max_cap(1 * GiB), 32 * MiB);
	CHECK_EQ(tcp_buffer_core_max_want(212992, 8 * MiB, cap), 8 * MiB);
	CHECK_EQ(tcp_buffer_core_max_want(212992, cap, cap), cap);
	CHECK_EQ(tcp_buffer_core_max_want(212992, cap + 1, cap), cap);
	CHECK_EQ(tcp_buffer_core_max_want(212992, UINT64_MAX, cap), cap);
	/* never lowered */
	CHECK_EQ(tcp_buffer_core_max_want(16 * MiB, 8 * MiB, cap), 16 * MiB);
}

static void test_iw_learn(void)
{
	CHECK_EQ(tcp_buffer_iw_learn(0, 40), 40);
	CHECK_EQ(tcp_buffer_iw_learn(0, TCP_BUFFER_IW_MAX), TCP_BUFFER_IW_MAX);
	CHECK_EQ(tcp_buffer_iw_learn(0, TCP_BUFFER_IW_MAX + 1), TCP_BUFFER_IW_MAX);
	CHECK_EQ(tcp_buffer_iw_learn(0, 0xffffffffU), TCP_BUFFER_IW_MAX);
	CHECK_EQ(tcp_buffer_iw_learn(0, 1), TCP_BUFFER_IW_DEFAULT);
	CHECK_EQ(tcp_buffer_iw_learn(40, 0), 30);
	CHECK_EQ(tcp_buffer_iw_learn(TCP_BUFFER_IW_DEFAULT, 0),
		 TCP_BUFFER_IW_DEFAULT);
	CHECK_EQ(tcp_buffer_iw_learn(0xffffffffU, 0xffffffffU), TCP_BUFFER_IW_MAX);
}

/* A high correlation alone is not latency: srtt must rise by 25 %. */
static void test_latency_rise(void)
{
	struct tcp_buffer_corr c = { 0 };
	unsigned int i;

	/* 20.0 -> 21.9 ms as the buffer grows: r ~ 1, rise 9.5 % */
	for (i = 0; i < 20; i++)
		tcp_buffer_corr_add(&c, 1000000 + i * 100000, 20000 + i * 100);
	CHECK(tcp_buffer_corr_strong(&c, TCP_BUFFER_CORR_SAMPLES,
				     TCP_BUFFER_CORR_PERMILLE));
	CHECK_EQ(tcp_buffer_corr_rise_permille(&c), 95);
	CHECK(!tcp_buffer_latency_added(&c, TCP_BUFFER_CORR_SAMPLES,
					TCP_BUFFER_CORR_PERMILLE,
					TCP_BUFFER_LATENCY_RISE_PERMILLE));
	/* 20 -> 250 ms: added latency */
	tcp_buffer_corr_reset(&c);
	for (i = 0; i < 20; i++)
		tcp_buffer_corr_add(&c, 1000000 + i * 100000, 20000 + i * 12000);
	CHECK(tcp_buffer_latency_added(&c, TCP_BUFFER_CORR_SAMPLES,
				       TCP_BUFFER_CORR_PERMILLE,
				       TCP_BUFFER_LATENCY_RISE_PERMILLE));
	/* exactly at the edge: 20000 -> 25000 is 250 permille */
	tcp_buffer_corr_reset(&c);
	for (i = 0; i < 11; i++)
		tcp_buffer_corr_add(&c, i * 1000, 20000 + i * 500);
	CHECK_EQ(tcp_buffer_corr_rise_permille(&c), 250);
	CHECK(tcp_buffer_latency_added(&c, 10, 700, 250));
	CHECK(!tcp_buffer_latency_added(&c, 10, 700, 251));
	/* zero srtt samples never divide by zero */
	tcp_buffer_corr_reset(&c);
	tcp_buffer_corr_add(&c, 1, 0);
	tcp_buffer_corr_add(&c, 2, 0);
	CHECK_EQ(tcp_buffer_corr_rise_permille(&c), 0);
	CHECK_EQ(tcp_buffer_corr_rise_permille(&(struct tcp_buffer_corr){ 0 }), 0);
}

/* BDP sizing: what a flow needs, one decision's bounds, no runaway. */
static void test_bdp_sizing(void)
{
	__u64 cap = 768 * MiB, most = 256 * 1024;
	int i;

	/* send: twice in flight, room to grow 4x */
	CHECK_EQ(tcp_buffer_bdp_need(100000, 0, 0),
		 100000ULL * TCP_BUFFER_BDP_HEADROOM * TCP_BUFFER_SND_FACTOR);
	/* receive: twice per RTT as window, window -> buffer by ratio */
	CHECK_EQ(tcp_buffer_bdp_need(100000, 128, 1),
		 100000ULL * TCP_BUFFER_BDP_HEADROOM * 2 * 2);
	/* ratio unknown or invalid: half the buffer is window */
	CHECK_EQ(tcp_buffer_bdp_need(100000, 0, 1), tcp_buffer_bdp_need(100000, 128, 1));
	CHECK_EQ(tcp_buffer_bdp_need(100000, 300, 1), tcp_buffer_bdp_need(100000, 128, 1));
	CHECK_EQ(tcp_buffer_bdp_need(0, 128, 1), 0);
	/* absurd samples give no sizing rather than an overflow */
	CHECK_EQ(tcp_buffer_bdp_need(1ULL << 41, 1, 1), 0);
	CHECK_EQ(tcp_buffer_bdp_need(1ULL << 40, 1, 1),
		 (1ULL << 40) * TCP_BUFFER_BDP_HEADROOM * 2 * 256);

	/* need unknown: one learning-rate step, as before sizing */
	CHECK_EQ(tcp_buffer_size_limit(262144, 0, cap, 4), 327680);
	/* need below one step: one step */
	CHECK_EQ(tcp_buffer_size_limit(262144, 270000, cap, 4), 327680);
	/* need in range: exactly the need */
	CHECK_EQ(tcp_buffer_size_limit(262144, 1000000, cap, 4), 1000000);
	/* need covered: no change (the buffer grew without the rate asking) */
	CHECK_EQ(tcp_buffer_size_limit(262144, 262144, cap, 4), 262144);
	CHECK_EQ(tcp_buffer_size_limit(262144, 1000, cap, 4), 262144);
	/* at most MAX_STEPS steps of the learning rate at once */
	for (i = 0; i < TCP_BUFFER_MAX_STEPS; i++)
		most = bpftune_grow(most, cap, 4);
	CHECK_EQ(tcp_buffer_size_limit(262144, 1ULL << 40, cap, 4), most);
	CHECK(most > 5 * 262144ULL && most < 7 * 262144ULL);
	/* a lower learning rate allows a smaller jump */
	CHECK(tcp_buffer_size_limit(262144, 1ULL << 40, cap, 0) < 300000);
	/* never above the cap, at its edge */
	CHECK_EQ(tcp_buffer_size_limit(cap - 10, 1ULL << 40, cap, 4), cap);
	CHECK_EQ(tcp_buffer_size_limit(cap, 1ULL << 40, cap, 4), cap);
	CHECK_EQ(tcp_buffer_size_limit(cap, 0, cap, 4), cap);
}

/* Window scale as tcp_select_initial_window() picks it. */
static void test_wscale(void)
{
	CHECK_EQ(tcp_buffer_wscale_for(65535), 0);
	CHECK_EQ(tcp_buffer_wscale_for(65536), 1);
	CHECK_EQ(tcp_buffer_wscale_for(212992), 2);
	CHECK_EQ(tcp_buffer_wscale_for(262144), 3);
	CHECK_EQ(tcp_buffer_wscale_for(4 * MiB), 7);
	CHECK_EQ(tcp_buffer_wscale_for(32 * MiB), 10);
	CHECK_EQ(tcp_buffer_wscale_for(256 * MiB), 13);
	CHECK_EQ(tcp_buffer_wscale_for(1ULL << 40), TCP_BUFFER_WSCALE_MAX);
	CHECK_EQ(tcp_buffer_wscale_for(0), 0);
	CHECK_EQ(tcp_buffer_wscale_window(3), 524280);
	CHECK_EQ(tcp_buffer_wscale_window(14), 65535ULL << 14);
	CHECK_EQ(tcp_buffer_wscale_window(15), 65535ULL << 14);
}

/* The rate gate: srtt rising with the buffer while the rate rises too is
 * a flow ramping up, not latency added. */
static void test_latency_rate_gate(void)
{
	struct tcp_buffer_corr c = { 0 };
	unsigned int i;

	for (i = 0; i < 16; i++)
		tcp_buffer_corr_add_rate(&c, (i + 1) * MiB, 20000 + i * 2000,
					 (i + 1) * 10000000ULL);
	CHECK(tcp_buffer_corr_rate_value(&c) > 0.999);
	CHECK(!tcp_buffer_latency_added(&c, 10, 700, 250));
	/* flat rate (with noise): the buffer only added queue */
	tcp_buffer_corr_reset(&c);
	for (i = 0; i < 16; i++)
		tcp_buffer_corr_add_rate(&c, (i + 1) * MiB, 20000 + i * 2000,
					 6000000 + (i % 3) * 100000);
	CHECK(tcp_buffer_corr_rate_value(&c) < 0.7);
	CHECK(tcp_buffer_latency_added(&c, 10, 700, 250));
	/* rates unknown (0): the rule works as without the gate */
	tcp_buffer_corr_reset(&c);
	for (i = 0; i < 16; i++)
		tcp_buffer_corr_add(&c, (i + 1) * MiB, 20000 + i * 2000);
	CHECK(near(tcp_buffer_corr_rate_value(&c), 0));
	CHECK(tcp_buffer_latency_added(&c, 10, 700, 250));
}

/* route metrics: pressure by the kernel's rules, and the hysteresis */
static void test_pressure_rule(void)
{
	/* above tcp_mem[1]: pressure, whatever the flag says */
	CHECK(tcp_buffer_under_pressure(1001, 500, 1000, 0));
	CHECK(tcp_buffer_under_pressure(1001, 500, 1000, -1));
	CHECK(!tcp_buffer_under_pressure(1000, 500, 1000, 0));
	/* between [0] and [1]: only while the kernel's flag is set */
	CHECK(tcp_buffer_under_pressure(500, 500, 1000, 1));
	CHECK(!tcp_buffer_under_pressure(700, 500, 1000, 0));
	CHECK(!tcp_buffer_under_pressure(700, 500, 1000, -1));
	/* a flag left set below [0] is stale */
	CHECK(!tcp_buffer_under_pressure(499, 500, 1000, 1));
	/* a tcp_mem that could not be parsed sensibly: the flag alone
	 * cannot say more than the numbers */
	CHECK(!tcp_buffer_under_pressure(10, -1, 0, 1));
	CHECK(!tcp_buffer_under_pressure(10, 5, 0, 0));
	/* quiet for exactly the hysteresis: over; a clock step back: not */
	CHECK(tcp_buffer_quiet_for(13000, 10000, 3000));
	CHECK(!tcp_buffer_quiet_for(12999, 10000, 3000));
	CHECK(!tcp_buffer_quiet_for(9000, 10000, 3000));
}

int main(void)
{
	test_pressure_rule();
	test_latency_rise();
	test_corr_perfect();
	test_corr_min_samples();
	test_corr_none();
	test_corr_negative();
	test_corr_threshold_edge();
	test_corr_overflow();
	test_corr_window();
	test_socket_cap();
	test_tcp_mem_cap();
	test_cut_floor();
	test_core_max();
	test_iw_learn();
	test_bdp_sizing();
	test_wscale();
	test_latency_rate_gate();
	return unit_report();
}
