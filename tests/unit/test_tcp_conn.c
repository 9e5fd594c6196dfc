// SPDX-License-Identifier: GPL-2.0
/* tcp_conn: cost, value update, host rate, choice and epsilon-greedy. */
#include <stdint.h>
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

static void test_warmup(void)
{
	struct tcp_conn_host h;
	unsigned int reason, alg, i, seen[3] = { 0 };

	host_init(&h, 1);
	/* every algorithm gets TCP_CONN_WARMUP connections, round robin */
	for (i = 0; i < 3 * TCP_CONN_WARMUP; i++) {
		alg = tcp_conn_select(&h, 3, TCP_CONN_EPSILON_PERMILLE, &reason);
		CHECK(alg < 3);
		CHECK_EQ(reason, TCP_CONN_WHY_WARMUP);
		CHECK_EQ(h.alg[alg].samples, i / 3);
		seen[alg]++;
		h.alg[alg].tries++;
		h.alg[alg].samples++;
		h.alg[alg].value = (alg + 1) * ONE / 10;
		CHECK_EQ(tcp_conn_next_choice(&h, 3),
			 i == 3 * TCP_CONN_WARMUP - 1 ? 0 : TCP_CONN_NONE);
	}
	CHECK_EQ(seen[0], TCP_CONN_WARMUP);
	CHECK_EQ(seen[1], TCP_CONN_WARMUP);
	CHECK_EQ(seen[2], TCP_CONN_WARMUP);
	/* a connection that did not measure (tries, no sample) is retried
	 * with another algorithm first */
	host_init(&h, 1);
	h.alg[0].tries = 1;
	CHECK_EQ(tcp_conn_select(&h, 3, 0, &reason), 1);
	h.alg[1].tries = 1;
	CHECK_EQ(tcp_conn_select(&h, 3, 0, &reason), 2);
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
	/* epsilon 0: always the best */
	CHECK_EQ(tcp_conn_select(&h, 3, 0, &reason), 1);
	CHECK_EQ(reason, TCP_CONN_WHY_BEST);
	/* a refused algorithm is never picked, even if best */
	h.refused = 1U << 1;
	CHECK_EQ(tcp_conn_best(&h, 3), 2);
	CHECK_EQ(tcp_conn_select(&h, 3, 1000, &reason), 0);	/* explores 0 */
	CHECK_EQ(reason, TCP_CONN_WHY_EXPLORE);
	/* all refused: nothing to set */
	h.refused = 7;
	CHECK_EQ(tcp_conn_select(&h, 3, 0, &reason), TCP_CONN_NONE);
	CHECK_EQ(tcp_conn_best(&h, 3), TCP_CONN_NONE);
	/* a refused algorithm still warming up does not hold warm-up open */
	host_init(&h, 7);
	give(&h, 0, 5, ONE / 2, 100);
	give(&h, 2, 5, ONE / 5, 300);
	h.refused = 1U << 1;
	CHECK_EQ(tcp_conn_warming(&h, 3), TCP_CONN_NONE);
	CHECK_EQ(tcp_conn_next_choice(&h, 3), 2);
}

static void test_hysteresis(void)
{
	struct tcp_conn_host h;

	host_init(&h, 3);
	give(&h, 0, 5, ONE / 2, 100);
	give(&h, 1, 5, ONE / 2, 100);
	h.choice = 0;
	/* equal or slightly better: stay */
	CHECK_EQ(tcp_conn_next_choice(&h, 2), 0);
	h.alg[1].value = ONE / 2 - ONE / 10 - 5 * ONE / 100;	/* 0.35 */
	CHECK_EQ(tcp_conn_next_choice(&h, 2), 0);	/* needs < 0.35 */
	h.alg[1].value -= 1;
	CHECK_EQ(tcp_conn_next_choice(&h, 2), 1);
	/* the current choice refused: move at once */
	h.alg[1].value = ONE / 2;
	h.refused = 1;
	CHECK_EQ(tcp_conn_next_choice(&h, 2), 1);
}

static void test_epsilon(void)
{
	struct tcp_conn_host a, b;
	unsigned int i, reason, explored = 0, alg, counts[3] = { 0 }, bad = 0;
	unsigned int seq_a[64], seq_b[64];

	host_init(&a, 12345);
	give(&a, 0, 5, ONE / 2, 100);
	give(&a, 1, 5, ONE / 10, 900);
	give(&a, 2, 5, ONE / 5, 300);
	a.choice = 1;
	b = a;
	/* same seed, same decisions */
	for (i = 0; i < 64; i++) {
		seq_a[i] = tcp_conn_select(&a, 3, 500, &reason);
		seq_b[i] = tcp_conn_select(&b, 3, 500, &reason);
	}
	CHECK(!memcmp(seq_a, seq_b, sizeof(seq_a)));
	/* 5 %: about 500 of 10000 explore, split over the other two */
	host_init(&a, 42);
	give(&a, 0, 5, ONE / 2, 100);
	give(&a, 1, 5, ONE / 10, 900);
	give(&a, 2, 5, ONE / 5, 300);
	a.choice = 1;
	for (i = 0; i < 10000; i++) {
		alg = tcp_conn_select(&a, 3, TCP_CONN_EPSILON_PERMILLE, &reason);
		if (alg >= 3)
			bad++;
		counts[alg < 3 ? alg : 0]++;
		if (reason == TCP_CONN_WHY_EXPLORE) {
			explored++;
			if (alg == 1)
				bad++;	/* exploring the choice itself */
		}
	}
	CHECK_EQ(bad, 0);
	printf("epsilon 5 %%: %u of 10000 explored (%u reno-like, %u third)\n",
	       explored, counts[0], counts[2]);
	CHECK(explored >= 400 && explored <= 600);
	CHECK(counts[0] >= 150 && counts[2] >= 150);
	CHECK_EQ(counts[1], 10000 - explored);
	/* epsilon 0 never explores; 1000 always does */
	for (i = 0; i < 1000; i++) {
		if (tcp_conn_select(&a, 3, 0, &reason) != 1)
			bad++;
		if (tcp_conn_select(&a, 3, 1000, &reason) == 1)
			bad++;
	}
	CHECK_EQ(bad, 0);
	/* one usable algorithm: nothing to explore */
	a.refused = 1 | 4;
	CHECK_EQ(tcp_conn_select(&a, 3, 1000, &reason), 1);
	/* zero seed still yields a moving sequence */
	host_init(&b, 0);
	CHECK(tcp_conn_rand(&b.rng) != tcp_conn_rand(&b.rng));
}

/* Warm-up costs compared with incomplete bests are recomputed once. */
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
	CHECK_EQ(tcp_conn_next_choice(&h, 3), 1);
}

/* A host whose loss-based algorithms deliver 4x bbr learns one of them,
 * whatever the order of warm-up. */
static void test_learning(void)
{
	static const uint64_t rates[3] = { 4000, 1000, 4200 }; /* reno bbr cubic */
	struct tcp_conn_host h;
	unsigned int i, reason, alg, n;
	uint64_t cost;

	host_init(&h, 99);
	for (i = 0; i < 40; i++) {
		alg = tcp_conn_select(&h, 3, TCP_CONN_EPSILON_PERMILLE, &reason);
		n = h.alg[alg].samples;
		h.alg[alg].tries++;
		h.alg[alg].rate = tcp_conn_update(h.alg[alg].rate, n, rates[alg], 4);
		h.alg[alg].rtt_us = tcp_conn_update(h.alg[alg].rtt_us, n, 30, 4);
		h.alg[alg].samples = n + 1;
		h.max_rate = tcp_conn_host_rate(&h, 3);
		cost = tcp_conn_cost(30, rates[alg], 3, h.max_rate);
		h.alg[alg].value = tcp_conn_update(h.alg[alg].value, n, cost, 4);
		if (h.choice == TCP_CONN_NONE &&
		    tcp_conn_warming(&h, 3) == TCP_CONN_NONE)
			tcp_conn_rebase(&h, 3);
		h.choice = tcp_conn_next_choice(&h, 3);
	}
	CHECK(h.choice == 0 || h.choice == 2);
	CHECK(h.alg[1].value > h.alg[h.choice].value + ONE / 2);
}

int main(void)
{
	test_rate();
	test_cost();
	test_update();
	test_warmup();
	test_best_and_refused();
	test_hysteresis();
	test_epsilon();
	test_rebase();
	test_learning();
	return unit_report();
}
