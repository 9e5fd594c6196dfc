// SPDX-License-Identifier: GPL-2.0
/* tcp_conn: cost, value update, host rate, warm-up, budgeted exploration,
 * heavy retransmission, and whole simulated hosts learning. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "../../tuners/tcp_conn/tcp_conn.h"
#include "unit.h"

#define ONE TCP_CONN_COST_ONE

static void test_rate(void)
{
	/* 10 segments of 1448 bytes in 1 ms = 14.48 MB/s */
	CHECK_EQ(tcp_conn_sample_bytes(10, 1448), 14480);
	CHECK_EQ(tcp_conn_rate(14480, 1000), 14480000);
	CHECK_EQ(tcp_conn_rate(14480, 0), 0);	/* no interval yet */
	CHECK_EQ(tcp_conn_rate(0, 1000), 0);
	/* absurd samples give 0, never a wrapped product */
	CHECK_EQ(tcp_conn_sample_bytes(1ULL << 40, 1448), 0);
	CHECK_EQ(tcp_conn_sample_bytes(10, 1 << 20), 0);
	/* sums of bytes over sums of intervals: coarse 1 us and 3 us samples
	 * of the same 10 segments give the rate of their total, 7.24 GB/s,
	 * not the mean of 14.48 and 4.83 GB/s (9.65) */
	CHECK_EQ(tcp_conn_rate(2 * 14480, 1 + 3), 7240000000ULL);
	/* large sums: no overflow, either side of the switch at 2^44 */
	CHECK_EQ(tcp_conn_rate((1ULL << 44) - 1, 1000000), (1ULL << 44) - 1);
	CHECK_EQ(tcp_conn_rate(1ULL << 50, 1ULL << 20), (1ULL << 30) * 1000000ULL);
	CHECK_EQ(tcp_conn_rate(~0ULL, 1), ~0ULL);
}

static void test_cost(void)
{
	/* at the host's best on both axes: 0 */
	CHECK_EQ(tcp_conn_cost(20000, 1000000, 20000, 1000000), 0);
	/* better than the best rate: no negative cost */
	CHECK_EQ(tcp_conn_cost(20000, 2000000, 20000, 1000000), 0);
	/* half the best rate: 0.5 */
	CHECK_EQ(tcp_conn_cost(20000, 500000, 20000, 1000000), ONE / 2);
	/* nothing delivered: 1.0 */
	CHECK_EQ(tcp_conn_cost(20000, 0, 20000, 1000000), ONE);
	/* RTT 30 ms over a 20 ms best: excess 10/20 = 0.5 */
	CHECK_EQ(tcp_conn_cost(30000, 1000000, 20000, 1000000), ONE / 2);
	/* microsecond RTTs: the 5 ms floor keeps 30 us vs 3 us tiny */
	CHECK_EQ(tcp_conn_cost(30, 1000000, 3, 1000000), 27 * ONE / 5000);
	/* 2.5 ms of queueing on a 100 us path: 0.48 */
	CHECK_EQ(tcp_conn_cost(2500, 1000000, 100, 1000000), 2400 * ONE / 5000);
	/* the delay term is capped at 4.0, exactly at and beyond the edge */
	CHECK_EQ(tcp_conn_cost(20000 + 80000, 1000000, 20000, 1000000),
		 TCP_CONN_DELAY_CAP);
	CHECK_EQ(tcp_conn_cost(20000 + 79999, 1000000, 20000, 1000000),
		 79999 * ONE / 20000);
	CHECK_EQ(tcp_conn_cost(UINT64_MAX, 0, 1, 1000000),
		 TCP_CONN_DELAY_CAP + ONE);
	/* host max rate capped: no overflow of rate * ONE */
	CHECK_EQ(tcp_conn_cost(1, 0, 1, UINT64_MAX), ONE);
	/* no host data yet (max rate 0, min rtt "infinite") */
	CHECK_EQ(tcp_conn_cost(100, 5, ~0ULL, 0), 0);
}

static void test_update(void)
{
	/* warm-up: the running mean of the samples */
	CHECK_EQ(tcp_conn_update(0, 0, 600, 4), 600);
	CHECK_EQ(tcp_conn_update(600, 1, 0, 4), 300);
	CHECK_EQ(tcp_conn_update(300, 2, 900, 4), 500);
	/* then v += alpha (cost - v), alpha = the learning rate's percent */
	CHECK_EQ(tcp_conn_update(1000, 3, 2000, 4), 1250);	/* 25 % up */
	CHECK_EQ(tcp_conn_update(1000, 3, 0, 4), 750);		/* 25 % down */
	CHECK_EQ(tcp_conn_update(1000, 10, 2000, 0), 1010);	/* 1 % */
	CHECK_EQ(tcp_conn_update(1000, 10, 1000, 2), 1000);
	/* bounded by its inputs at the extremes */
	CHECK_EQ(tcp_conn_update(5 * ONE, 50, 5 * ONE, 4), 5 * ONE);
	CHECK_EQ(tcp_conn_update(0, 50, 5 * ONE, 4), 5 * ONE / 4);
}

static void test_retrans_pm(void)
{
	CHECK_EQ(tcp_conn_retrans_pm(0, 0), 0);
	CHECK_EQ(tcp_conn_retrans_pm(5, 100), 50);
	CHECK_EQ(tcp_conn_retrans_pm(1, 3), 333);
	CHECK_EQ(tcp_conn_retrans_pm(7, 5), 1000);	/* capped */
	CHECK_EQ(tcp_conn_retrans_pm(~0U, ~0U), 1000);
	CHECK_EQ(tcp_conn_retrans_pm(~0U - 1, ~0U), 999);
}

/* algorithm indexes as tcp_available_congestion_control lists them here */
#define RENO 0
#define CUBIC 1
#define BBR 2
#define NALGS 3
#define RATE_BASED (1U << BBR)
#define LR 4		/* the daemon's default learning rate, 25 % */

static void host_init(struct tcp_conn_host *h, uint64_t seed)
{
	memset(h, 0, sizeof(*h));
	h->choice = TCP_CONN_NONE;
	h->min_rtt_us = ~0ULL;
	h->rng = seed;
}

static void give(struct tcp_conn_host *h, unsigned int alg, unsigned int n,
		 uint64_t value, uint64_t rate)
{
	h->alg[alg].samples = n;
	h->alg[alg].tries = n;
	h->alg[alg].value = value;
	h->alg[alg].rate = rate;
}

/* A finished connection: alg at rate (bytes/s), RTT, retransmitting pm
 * per mille of 1000 segments. */
static unsigned int finish(struct tcp_conn_host *h, unsigned int alg,
			   uint64_t rate, uint64_t rtt, unsigned int pm)
{
	struct tcp_conn_sample s = {
		.alg = alg, .rate = rate, .rtt_us = rtt, .min_rtt_us = rtt,
		.retrans = pm, .segs = 1000,
	};

	return tcp_conn_learn(h, &s, NALGS, RATE_BASED, LR);
}

/* A simulated path: per algorithm its rate and share retransmitted;
 * noise: each connection's rate varies by up to +-noise percent. */
struct path {
	uint64_t rate[NALGS];
	unsigned int pm[NALGS];
	uint64_t rtt;
	unsigned int noise;
};

struct tally {
	uint64_t sum;			/* rates the connections got */
	unsigned int conns, explored, used[NALGS];
};

static uint64_t noisy(uint64_t rate, unsigned int noise, __u64 *rng)
{
	if (!noise)
		return rate;
	return rate * (100 - noise + tcp_conn_rand(rng) % (2 * noise + 1)) / 100;
}

/* n connections to host h over path p, one after another */
static void run(struct tcp_conn_host *h, const struct path *p, unsigned int n,
		struct tally *t, __u64 *rng)
{
	unsigned int i, alg, reason;
	uint64_t rate;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		alg = tcp_conn_select(h, NALGS, RATE_BASED, &reason);
		if (alg >= NALGS)
			return;
		h->alg[alg].tries++;
		rate = noisy(p->rate[alg], p->noise, rng);
		t->sum += rate;
		t->conns++;
		t->used[alg]++;
		if (reason == TCP_CONN_WHY_EXPLORE)
			t->explored++;
		finish(h, alg, rate, p->rtt, p->pm[alg]);
	}
}

/* the mean as a share (per mille) of the best algorithm's rate */
static unsigned int share_pm(const struct tally *t, const struct path *p)
{
	uint64_t best = 0;
	unsigned int i;

	for (i = 0; i < NALGS; i++)
		if (p->rate[i] > best)
			best = p->rate[i];
	return t->conns ? (unsigned int)(t->sum * 1000 / t->conns / best) : 0;
}

#define MBIT(x) ((uint64_t)(x) * 1000000 / 8)
/* the bench's paths, as measured there (Mbit/s, share retransmitted) */
static const struct path lossy_wan = {
	.rate = { MBIT(6), MBIT(6), MBIT(316) }, .pm = { 20, 20, 21 },
	.rtt = 21000, .noise = 20,
};
static const struct path low_rtt = {
	.rate = { MBIT(55000), MBIT(57000), MBIT(14700) }, .pm = { 0, 0, 0 },
	.rtt = 40, .noise = 15,
};
static const struct path loss10 = {
	.rate = { MBIT(25), MBIT(35), MBIT(250) }, .pm = { 110, 110, 120 },
	.rtt = 60, .noise = 30,
};

static void test_interval(void)
{
	/* gap / 1 %, at least 4, doubled per streak, at most 256 */
	CHECK_EQ(tcp_conn_interval(0, 0), TCP_CONN_MIN_INTERVAL);
	CHECK_EQ(tcp_conn_interval(TCP_CONN_COST_ONE / 10, 0), 10);
	CHECK_EQ(tcp_conn_interval(TCP_CONN_COST_ONE / 10, 2), 40);
	CHECK_EQ(tcp_conn_interval(98 * TCP_CONN_COST_ONE / 100, 0), 98);
	CHECK_EQ(tcp_conn_interval(98 * TCP_CONN_COST_ONE / 100, 1), 196);
	CHECK_EQ(tcp_conn_interval(98 * TCP_CONN_COST_ONE / 100, 2), 256);
	CHECK_EQ(tcp_conn_interval(5 * TCP_CONN_COST_ONE, 0), 256);
	CHECK_EQ(tcp_conn_interval(0, 1000), 256);	/* streak capped */
	CHECK_EQ(tcp_conn_interval(~0ULL, ~0U), 256);
}

static void test_warmup_order(void)
{
	struct tcp_conn_host h;
	unsigned int reason, alg, i, seen[NALGS] = { 0 };

	host_init(&h, 1);
	/* a new host's first connection: the rate-based algorithm */
	CHECK_EQ(tcp_conn_select(&h, NALGS, RATE_BASED, &reason), BBR);
	CHECK_EQ(reason, TCP_CONN_WHY_WARMUP);
	/* without one: the first listed */
	CHECK_EQ(tcp_conn_select(&h, NALGS, 0, &reason), RENO);
	/* equal algorithms: each gets TCP_CONN_WARMUP, round robin, and
	 * the choice comes when the last warm-up sample is in */
	for (i = 0; i < NALGS * TCP_CONN_WARMUP; i++) {
		alg = tcp_conn_select(&h, NALGS, RATE_BASED, &reason);
		CHECK(alg < NALGS);
		CHECK_EQ(reason, TCP_CONN_WHY_WARMUP);
		CHECK_EQ(h.alg[alg].samples, i / NALGS);
		seen[alg]++;
		h.alg[alg].tries++;
		finish(&h, alg, MBIT(100), 20000, 0);
		/* values tie: the first listed */
		CHECK_EQ(h.choice, i == NALGS * TCP_CONN_WARMUP - 1 ?
				   RENO : TCP_CONN_NONE);
	}
	CHECK_EQ(seen[RENO], TCP_CONN_WARMUP);
	CHECK_EQ(seen[CUBIC], TCP_CONN_WARMUP);
	CHECK_EQ(seen[BBR], TCP_CONN_WARMUP);
	CHECK_EQ(h.cause, TCP_CONN_CAUSE_WARMUP);
	CHECK_EQ(h.choice_since, NALGS * TCP_CONN_WARMUP);
	/* a connection that did not measure (tries, no sample) is retried
	 * with another algorithm first */
	host_init(&h, 1);
	h.alg[BBR].tries = 1;
	CHECK_EQ(tcp_conn_select(&h, NALGS, RATE_BASED, &reason), RENO);
	h.alg[RENO].tries = 1;
	CHECK_EQ(tcp_conn_select(&h, NALGS, RATE_BASED, &reason), CUBIC);
}

/* Long lossy path: reno and cubic are measured far worse once each and
 * warm up no further; bbr is chosen after its own three. */
static void test_far_worse(void)
{
	struct tcp_conn_host h;
	unsigned int reason, i, order[5], want[5] = { BBR, RENO, CUBIC, BBR, BBR };

	host_init(&h, 2);
	for (i = 0; i < 5; i++) {
		order[i] = tcp_conn_select(&h, NALGS, RATE_BASED, &reason);
		CHECK_EQ(reason, TCP_CONN_WHY_WARMUP);
		h.alg[order[i]].tries++;
		finish(&h, order[i], lossy_wan.rate[order[i]], 21000,
		       lossy_wan.pm[order[i]]);
	}
	CHECK(!memcmp(order, want, sizeof(want)));
	CHECK_EQ(h.choice, BBR);
	CHECK_EQ(h.settled & ((1U << RENO) | (1U << CUBIC)),
		 (1U << RENO) | (1U << CUBIC));
	CHECK(!(h.flags & TCP_CONN_HEAVY));	/* 2 % is not heavy */
	/* the next 90 connections all get bbr: reno and cubic are ~0.98
	 * worse, so their first exploration is due ~98 connections on */
	for (i = 0; i < 90; i++) {
		CHECK_EQ(tcp_conn_select(&h, NALGS, RATE_BASED, &reason), BBR);
		finish(&h, BBR, lossy_wan.rate[BBR], 21000, 21);
	}
	CHECK(h.alg[RENO].next_try >= 5 + 90);
	CHECK(h.alg[RENO].next_try <= 5 + 98 + 98 / 4 + 1);
}

/* A heavy connection moves the host to the rate-based algorithm at once,
 * whatever it used itself, without waiting for hysteresis or warm-up. */
static void test_heavy(void)
{
	struct tcp_conn_host h;
	unsigned int reason, old, i;

	host_init(&h, 3);
	old = finish(&h, CUBIC, MBIT(30), 60, 110);
	CHECK_EQ(old, TCP_CONN_NONE);
	CHECK_EQ(h.choice, BBR);
	CHECK_EQ(h.cause, TCP_CONN_CAUSE_HEAVY_LOSS);
	CHECK(h.flags & TCP_CONN_HEAVY);
	CHECK_EQ(h.retrans_pm, 110);
	CHECK_EQ(h.choice_since, 1);
	/* loss-based ones do not warm up: bbr for every new connection */
	for (i = 0; i < 20; i++) {
		CHECK_EQ(tcp_conn_select(&h, NALGS, RATE_BASED, &reason), BBR);
		finish(&h, BBR, MBIT(250), 60, 120);
	}
	CHECK_EQ(h.alg[RENO].tries, 0);
	CHECK_EQ(h.choice, BBR);
	/* a host on cubic (low RTT, no loss) that starts losing 10 % */
	host_init(&h, 4);
	give(&h, RENO, 5, 0, MBIT(55000));
	give(&h, CUBIC, 5, 0, MBIT(57000));
	give(&h, BBR, 5, 3 * ONE / 4, MBIT(14000));
	h.measured = 15;
	h.choice = CUBIC;
	h.max_rate = MBIT(57000);
	h.min_rtt_us = 40;
	tcp_conn_reschedule(&h, NALGS, 0);
	finish(&h, CUBIC, MBIT(40), 60, 100);
	CHECK_EQ(h.choice, BBR);
	CHECK_EQ(h.cause, TCP_CONN_CAUSE_HEAVY_LOSS);
	/* slight retransmission is not heavy; few segments prove nothing */
	host_init(&h, 5);
	finish(&h, CUBIC, MBIT(30), 60, TCP_CONN_HEAVY_PERMILLE - 1);
	CHECK(!(h.flags & TCP_CONN_HEAVY));
	host_init(&h, 5);
	{
		struct tcp_conn_sample s = { .alg = CUBIC, .rate = 1000,
					     .rtt_us = 60, .min_rtt_us = 60,
					     .retrans = 30, .segs = 40 };

		tcp_conn_learn(&h, &s, NALGS, RATE_BASED, LR);
		CHECK(!(h.flags & TCP_CONN_HEAVY));
	}
	/* no rate-based algorithm available: heavy is noted, nothing forced */
	host_init(&h, 6);
	{
		struct tcp_conn_sample s = { .alg = CUBIC, .rate = 1000,
					     .rtt_us = 60, .min_rtt_us = 60,
					     .retrans = 100, .segs = 1000 };

		tcp_conn_learn(&h, &s, NALGS, 0, LR);
		CHECK(h.flags & TCP_CONN_HEAVY);
		CHECK_EQ(h.choice, TCP_CONN_NONE);
		CHECK_EQ(h.settled, 0);
	}
	/* bbr refused in that namespace: the same */
	host_init(&h, 7);
	h.refused = 1U << BBR;
	finish(&h, CUBIC, MBIT(30), 60, 110);
	CHECK_EQ(h.choice, TCP_CONN_NONE);
	CHECK_EQ(tcp_conn_select(&h, NALGS, RATE_BASED, &reason), RENO);
}

/* When the loss ends, the loss-based algorithms are tried again soon,
 * and the host moves to one of them if it is clearly better. */
static void test_loss_ends(void)
{
	struct tcp_conn_host h;
	struct tally t;
	__u64 rng = 11;
	unsigned int i;

	host_init(&h, 8);
	run(&h, &loss10, 30, &t, &rng);
	CHECK_EQ(h.choice, BBR);
	CHECK(h.flags & TCP_CONN_HEAVY);
	CHECK(t.used[BBR] >= 29);
	/* the same host without loss, at low RTT: cubic and reno are 4x */
	for (i = 0; i < 40 && h.choice == BBR; i++)
		run(&h, &low_rtt, 1, &t, &rng);
	printf("loss ended: moved to %u after %u connections (retrans %u pm)\n",
	       h.choice, i, h.retrans_pm);
	CHECK(!(h.flags & TCP_CONN_HEAVY));
	CHECK(h.choice == CUBIC || h.choice == RENO);
	CHECK(i <= 15);
	CHECK_EQ(h.cause, TCP_CONN_CAUSE_COST);
}

static void test_best_and_refused(void)
{
	struct tcp_conn_host h;
	unsigned int reason;

	host_init(&h, 7);
	give(&h, 0, 5, ONE / 2, 100);
	give(&h, 1, 5, ONE / 10, 900);
	give(&h, 2, 5, ONE / 5, 300);
	CHECK_EQ(tcp_conn_best(&h, 3), 1);
	CHECK_EQ(tcp_conn_host_rate(&h, 3), 900);
	/* algorithms beyond nalgs do not count */
	give(&h, 3, 5, 0, 5000);
	CHECK_EQ(tcp_conn_best(&h, 3), 1);
	CHECK_EQ(tcp_conn_host_rate(&h, 3), 900);
	CHECK_EQ(tcp_conn_best_of(&h, 3, 1U << 2), 2);
	CHECK_EQ(tcp_conn_best_of(&h, 3, 1U << 3), TCP_CONN_NONE);
	/* no choice yet, warm-up over: the best, no exploration */
	CHECK_EQ(tcp_conn_select(&h, 3, RATE_BASED, &reason), 1);
	CHECK_EQ(reason, TCP_CONN_WHY_BEST);
	/* a refused algorithm is never picked, even if best */
	h.refused = 1U << 1;
	CHECK_EQ(tcp_conn_best(&h, 3), 2);
	CHECK_EQ(tcp_conn_select(&h, 3, RATE_BASED, &reason), 2);
	/* refused choice: the best of the rest, at once */
	h.choice = 1;
	CHECK_EQ(tcp_conn_next_choice(&h, 3, RATE_BASED), 2);
	/* all refused: nothing to set */
	h.refused = 7;
	CHECK_EQ(tcp_conn_select(&h, 3, RATE_BASED, &reason), TCP_CONN_NONE);
	CHECK_EQ(tcp_conn_best(&h, 3), TCP_CONN_NONE);
	CHECK_EQ(tcp_conn_rate_pick(&h, 3, RATE_BASED), TCP_CONN_NONE);
	/* a refused algorithm still warming up does not hold warm-up open */
	host_init(&h, 7);
	give(&h, 0, 5, ONE / 2, 100);
	give(&h, 2, 5, ONE / 5, 300);
	h.refused = 1U << 1;
	CHECK_EQ(tcp_conn_warming(&h, 3, RATE_BASED), TCP_CONN_NONE);
	CHECK_EQ(tcp_conn_next_choice(&h, 3, RATE_BASED), 2);
	/* the rate-based pick: measured one, else the first usable */
	host_init(&h, 7);
	CHECK_EQ(tcp_conn_rate_pick(&h, 3, RATE_BASED), 2);
	CHECK_EQ(tcp_conn_rate_pick(&h, 3, 0), TCP_CONN_NONE);
}

static void test_hysteresis(void)
{
	struct tcp_conn_host h;

	host_init(&h, 3);
	give(&h, 0, 5, ONE / 2, 100);
	give(&h, 1, 5, ONE / 2, 100);
	h.choice = 0;
	/* equal or slightly better: stay */
	CHECK_EQ(tcp_conn_next_choice(&h, 2, 0), 0);
	h.alg[1].value = ONE / 2 - ONE / 10 - 5 * ONE / 100;	/* 0.35 */
	CHECK_EQ(tcp_conn_next_choice(&h, 2, 0), 0);	/* needs < 0.35 */
	h.alg[1].value -= 1;
	CHECK_EQ(tcp_conn_next_choice(&h, 2, 0), 1);
	/* the current choice refused: move at once */
	h.alg[1].value = ONE / 2;
	h.refused = 1;
	CHECK_EQ(tcp_conn_next_choice(&h, 2, 0), 1);
}

/* Exploration after warm-up: due alternatives only, one at a time, the
 * interval growing while they stay worse. */
static void test_schedule(void)
{
	struct tcp_conn_host h, g;
	unsigned int reason, i, seq_a[64], seq_b[64];

	host_init(&h, 12345);
	give(&h, RENO, 5, ONE / 10 + ONE / 10, MBIT(50));	/* gap 0.1 */
	give(&h, CUBIC, 5, ONE / 10, MBIT(60));
	give(&h, BBR, 5, ONE / 10 + 9 * ONE / 10, MBIT(20));	/* gap 0.9 */
	h.choice = CUBIC;
	h.measured = 100;
	tcp_conn_reschedule(&h, NALGS, 0);
	CHECK(h.alg[RENO].next_try >= 110 && h.alg[RENO].next_try <= 113);
	CHECK(h.alg[BBR].next_try >= 190 && h.alg[BBR].next_try <= 213);
	CHECK_EQ(h.alg[CUBIC].next_try, 0);	/* the choice: not scheduled */
	/* not due: the choice */
	CHECK_EQ(tcp_conn_select(&h, NALGS, RATE_BASED, &reason), CUBIC);
	CHECK_EQ(reason, TCP_CONN_WHY_BEST);
	/* due: explored once; the next connection before a measurement
	 * does not explore it again */
	h.measured = h.alg[RENO].next_try;
	CHECK_EQ(tcp_conn_select(&h, NALGS, RATE_BASED, &reason), RENO);
	CHECK_EQ(reason, TCP_CONN_WHY_EXPLORE);
	CHECK_EQ(h.alg[RENO].next_try, h.measured + TCP_CONN_RETRY);
	CHECK_EQ(tcp_conn_select(&h, NALGS, RATE_BASED, &reason), CUBIC);
	/* it measures worse again: streak 1, interval 20 */
	h.alg[RENO].samples++;
	tcp_conn_follow_up(&h, RENO, NALGS);
	CHECK_EQ(h.alg[RENO].streak, 1);
	CHECK(h.alg[RENO].next_try >= h.measured + 20 &&
	      h.alg[RENO].next_try <= h.measured + 26);
	/* and as good: streak 0 */
	h.alg[RENO].value = ONE / 10;
	tcp_conn_follow_up(&h, RENO, NALGS);
	CHECK_EQ(h.alg[RENO].streak, 0);
	/* same seed, same decisions */
	g = h;
	for (i = 0; i < 64; i++) {
		seq_a[i] = tcp_conn_select(&h, NALGS, RATE_BASED, &reason);
		seq_b[i] = tcp_conn_select(&g, NALGS, RATE_BASED, &reason);
		h.measured++;
		g.measured++;
	}
	CHECK(!memcmp(seq_a, seq_b, sizeof(seq_a)));
	/* one usable algorithm: nothing to explore */
	h.refused = (1U << RENO) | (1U << BBR);
	for (i = 0; i < 300; i++) {
		CHECK_EQ(tcp_conn_select(&h, NALGS, RATE_BASED, &reason), CUBIC);
		h.measured++;
	}
	/* zero seed still yields a moving sequence */
	host_init(&g, 0);
	CHECK(tcp_conn_rand(&g.rng) != tcp_conn_rand(&g.rng));
}

/* The choice's own value rising by TCP_CONN_SURPRISE: the intervals of
 * the alternatives start over (never later than they were). */
static void test_surprise(void)
{
	struct tcp_conn_host h;

	host_init(&h, 21);
	give(&h, RENO, 5, ONE / 2, MBIT(50));
	give(&h, CUBIC, 5, ONE / 10, MBIT(60));
	give(&h, BBR, 5, ONE, MBIT(20));
	h.choice = CUBIC;
	h.measured = 50;
	h.choice_low = ONE / 10;
	h.alg[RENO].streak = 4;
	h.alg[RENO].next_try = 500;
	h.alg[BBR].streak = 2;
	h.alg[BBR].next_try = 60;
	/* a little worse: nothing */
	h.alg[CUBIC].value = ONE / 10 + TCP_CONN_SURPRISE - 1;
	tcp_conn_follow_up(&h, CUBIC, NALGS);
	CHECK_EQ(h.alg[RENO].streak, 4);
	/* clearly worse: streaks reset, reno sooner, bbr not later */
	h.alg[CUBIC].value = ONE / 10 + TCP_CONN_SURPRISE;
	tcp_conn_follow_up(&h, CUBIC, NALGS);
	CHECK_EQ(h.alg[RENO].streak, 0);
	CHECK(h.alg[RENO].next_try < 500);
	CHECK_EQ(h.alg[BBR].next_try, 60);
	CHECK_EQ(h.choice_low, ONE / 10 + TCP_CONN_SURPRISE);
	/* better than ever: the low follows */
	h.alg[CUBIC].value = ONE / 20;
	tcp_conn_follow_up(&h, CUBIC, NALGS);
	CHECK_EQ(h.choice_low, ONE / 20);
}

/* Warm-up costs compared with incomplete bests are recomputed. */
static void test_rebase(void)
{
	struct tcp_conn_host h;

	host_init(&h, 5);
	/* measured first, so its cost was 0 though it is 4x slower */
	give(&h, 0, 3, 0, 1000);
	h.alg[0].rtt_us = 20000;
	give(&h, 1, 3, ONE / 10, 4000);
	h.alg[1].rtt_us = 25000;	/* 5 ms queueing over 20: 0.25 */
	give(&h, 2, 0, 0, 0);		/* never measured: untouched */
	h.min_rtt_us = 20000;
	h.max_rate = tcp_conn_host_rate(&h, 3);
	CHECK_EQ(h.max_rate, 4000);
	tcp_conn_rebase(&h, 3);
	CHECK_EQ(h.alg[0].value, 3 * ONE / 4);
	CHECK_EQ(h.alg[1].value, ONE / 4);
	CHECK_EQ(h.alg[2].value, 0);
	h.refused = 1U << 2;
	CHECK_EQ(tcp_conn_next_choice(&h, 3, RATE_BASED), 1);
}

/*
 * Whole hosts: the bench's paths as measured there, with per-connection
 * noise, over many seeds.  What users get is the mean, so the mean after
 * warm-up must stay >= 0.95 of the best fixed algorithm (the issue's
 * goal), and over everything, warm-up included, >= 0.9.
 */
static void check_path(const char *name, const struct path *p,
		       unsigned int want)
{
	unsigned int seed, worst = 1000, worst_all = 1000, explored = 0, s;
	struct tcp_conn_host h;
	struct tally warm, t;
	__u64 rng;

	for (seed = 1; seed <= 50; seed++) {
		host_init(&h, seed * 7919);
		rng = seed;
		run(&h, p, 15, &warm, &rng);
		CHECK_EQ(h.choice, want);
		run(&h, p, 500, &t, &rng);
		s = share_pm(&t, p);
		if (s < worst)
			worst = s;
		explored += t.explored;
		t.sum += warm.sum;
		t.conns += warm.conns;
		s = share_pm(&t, p);
		if (s < worst_all)
			worst_all = s;
	}
	printf("%s: worst of 50 hosts: %u per mille of the best after warm-up, %u with it; %.1f explorations per 500 connections\n",
	       name, worst, worst_all, explored / 50.0);
	CHECK(worst >= 950);
	CHECK(worst_all >= 900);
	CHECK(explored > 0);	/* the alternatives are still looked at */
}

static void test_paths(void)
{
	check_path("lossy-wan (20 ms, 2 %)", &lossy_wan, BBR);
	check_path("loss10 (10 %)", &loss10, BBR);
}

/* On the low-RTT path cubic and reno are within noise of each other:
 * either may be chosen, bbr never. */
static void test_low_rtt(void)
{
	unsigned int seed, worst = 1000, s;
	struct tcp_conn_host h;
	struct tally warm, t;
	__u64 rng;

	for (seed = 1; seed <= 50; seed++) {
		host_init(&h, seed);
		rng = seed * 31;
		run(&h, &low_rtt, 15, &warm, &rng);
		CHECK(h.choice == CUBIC || h.choice == RENO);
		/* bbr: once in warm-up, measured far worse */
		CHECK_EQ(warm.used[BBR], 1);
		run(&h, &low_rtt, 500, &t, &rng);
		CHECK(h.choice == CUBIC || h.choice == RENO);
		s = share_pm(&t, &low_rtt);
		if (s < worst)
			worst = s;
		CHECK(t.used[BBR] >= 1 && t.used[BBR] <= 8);
	}
	printf("low-rtt: worst of 50 hosts: %u per mille of the best after warm-up\n",
	       worst);
	CHECK(worst >= 950);
}

int main(void)
{
	test_rate();
	test_cost();
	test_update();
	test_retrans_pm();
	test_interval();
	test_warmup_order();
	test_far_worse();
	test_heavy();
	test_loss_ends();
	test_best_and_refused();
	test_hysteresis();
	test_schedule();
	test_surprise();
	test_rebase();
	test_paths();
	test_low_rtt();
	return unit_report();
}
