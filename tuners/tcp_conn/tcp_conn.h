/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_conn: definitions and the learning math shared by tcp_conn.bpf.c,
 * tcp_conn.c and tests/unit/test_tcp_conn.c.  Pure integer code with
 * bounded loops, so it compiles for BPF and for the host alike.
 *
 * The model, per remote host: for each congestion-control algorithm a
 * value v (the smoothed cost of connections that used it) and counts.
 * The cost of one connection says how far it stayed from the best
 * operating point seen towards that host: the host's lowest RTT (the
 * kernel's rtt_min, a robust minimum) and its highest delivery rate.  A
 * connection's rate is the bytes acknowledged over its time in
 * ESTABLISHED, read once when it leaves ESTABLISHED; its RTT is the mean
 * of the smoothed RTT over its first TCP_CONN_RTT_SAMPLES RTT callbacks,
 * after which it asks for no more (no callback on every ACK of a long
 * flow; the smoothed RTT at close would see only the queue of its last
 * burst).  The host's highest
 * rate is the highest smoothed rate among its algorithms (each smoothed
 * like the values below), not the highest single connection: one lucky
 * connection would otherwise raise every later cost for good.
 *
 *   cost = rate shortfall + delay excess
 *   rate shortfall = (host max rate - conn rate) / host max rate      (0..1)
 *   delay excess   = (conn mean srtt - host min rtt)
 *                    / max(host min rtt, TCP_CONN_RTT_FLOOR_US)        (0..4)
 *
 * The floor in the delay term means queueing of a few milliseconds is not
 * worth trading throughput for: at microsecond RTTs (veth, loopback) the
 * relative RTT excess is huge and meaningless, at WAN RTTs it is what
 * bufferbloat looks like.  Costs are fixed point, TCP_CONN_COST_ONE = 1.0.
 *
 * Learning: v += alpha * (cost - v); alpha is the daemon's learning rate
 * (1/3/6/12/25 %), except for the first TCP_CONN_WARMUP samples of an
 * algorithm, which are averaged (alpha = 1/n) so the first, most
 * uncertain sample does not dominate.  Costs computed during warm-up
 * compare with incomplete bests (the first algorithm measured is "best"
 * by definition), so when warm-up ends every value is recomputed once
 * from the algorithm's smoothed rate and RTT against the host's bests.
 *
 * Choice (epsilon-greedy): until every usable algorithm has
 * TCP_CONN_WARMUP measured connections, a new connection gets the one
 * with the fewest; afterwards TCP_CONN_EPSILON_PERMILLE / 1000 of the
 * connections (5 %) try another algorithm at random and the rest get the
 * host's choice.  The choice moves to the algorithm with the lowest value
 * only when that is clearly lower (hysteresis), so it does not flap.
 */
#ifndef TCP_CONN_H
#define TCP_CONN_H

#include <bpftune/bpftune.h>

#define TCP_CONN_MAX_ALGS 8		/* power of two: index masking */
#define TCP_CONN_NAME_LEN 16		/* TCP_CA_NAME_MAX */
#define TCP_CONN_MAX_HOSTS 1024		/* LRU: least recently used go */
#define TCP_CONN_WARMUP 3		/* measured connections per algorithm */
#define TCP_CONN_EPSILON_PERMILLE 50	/* exploration: 5 % of connections */
#define TCP_CONN_COST_ONE 1000000ULL
#define TCP_CONN_DELAY_CAP (4 * TCP_CONN_COST_ONE)
#define TCP_CONN_RTT_FLOOR_US 5000ULL
#define TCP_CONN_RATE_CAP (1ULL << 40)	/* bytes/s; keeps products in u64 */
/* Switch only if the new value is lower by 20 % of the old plus 0.05:
 * algorithms that do equally well should not take turns. */
#define TCP_CONN_HYST_PCT 20
#define TCP_CONN_HYST_ABS (5 * TCP_CONN_COST_ONE / 100)
/* A connection teaches something only if it carried this much. */
#define TCP_CONN_MIN_BYTES (256 * 1024ULL)
#define TCP_CONN_NONE 0xff

/* Why a connection got its algorithm. */
enum tcp_conn_reason {
	TCP_CONN_WHY_WARMUP,
	TCP_CONN_WHY_EXPLORE,
	TCP_CONN_WHY_BEST,
};

enum tcp_conn_scenario {
	TCP_CONN_CHOICE,	/* a host's choice was set or changed */
	TCP_CONN_REFUSED,	/* the kernel refused an algorithm */
	TCP_CONN_SCENARIOS,
};

struct tcp_conn_host_key {
	__u64 netns_cookie;
	__u32 addr[4];		/* IPv4 in addr[0], network order */
	__u32 family;
	__u32 pad;
};

struct tcp_conn_alg {
	__u64 value;		/* smoothed cost, TCP_CONN_COST_ONE = 1.0 */
	__u64 last_cost;
	__u64 rate;		/* smoothed connection rate, bytes/s */
	__u64 rtt_us;		/* smoothed connection RTT */
	__u64 retrans;		/* segments retransmitted, measured conns */
	__u32 samples;		/* measured connections */
	__u32 tries;		/* connections given this algorithm */
};

struct tcp_conn_host {
	__u64 min_rtt_us;	/* lowest RTT seen to this host */
	__u64 max_rate;		/* highest smoothed rate of an algorithm */
	__u64 rng;		/* xorshift64 state */
	__u32 choice;		/* TCP_CONN_NONE until warm-up ends */
	__u32 refused;		/* bit per algorithm the kernel refused */
	__u32 measured;		/* connections that updated the model */
	__u32 choice_since;	/* value of measured when choice last moved */
	struct tcp_conn_alg alg[TCP_CONN_MAX_ALGS];
};

/* RTT callbacks a connection takes before it turns them off. */
#define TCP_CONN_RTT_SAMPLES 64

/* Per connection, in socket storage. */
struct tcp_conn_sk {
	__u64 start_ns;		/* when it was established */
	__u64 srtt_sum_us;	/* over its first RTT callbacks */
	__u32 srtt_samples;
	__u8 alg;
	__u8 reason;
	__u8 done;
	__u8 pad;
};

/* event values[] of TCP_CONN_CHOICE */
#define TCP_CONN_EV_ADDR0 0	/* addr[0..1] */
#define TCP_CONN_EV_ADDR1 1	/* addr[2..3] */
#define TCP_CONN_EV_WHAT 2	/* family | old << 8 | new << 16 */
#define TCP_CONN_EV_MEASURED 3
#define TCP_CONN_EV_OLD_COST 4
#define TCP_CONN_EV_NEW_COST 5
/* event values[] of TCP_CONN_REFUSED: algorithm, -errno */

/* xorshift64: small, seedable, good enough to pick who explores. */
static inline __u64 tcp_conn_rand(__u64 *state)
{
	__u64 x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* Bytes one RTT_CB delivery-rate sample delivered; 0 if not plausible. */
static inline __u64 tcp_conn_sample_bytes(__u64 delivered_pkts, __u64 mss)
{
	if (delivered_pkts > (1ULL << 24) || mss > 65536)
		return 0;
	return delivered_pkts * mss;
}

/* bytes over interval_us, in bytes/s, without overflowing u64. */
static inline __u64 tcp_conn_rate(__u64 bytes, __u64 interval_us)
{
	if (!interval_us)
		return 0;
	if (bytes < (1ULL << 44))
		return bytes * 1000000ULL / interval_us;
	if (bytes / interval_us > (~0ULL) / 1000000ULL)
		return ~0ULL;
	return bytes / interval_us * 1000000ULL;
}

static inline __u64 tcp_conn_cost(__u64 conn_rtt_us, __u64 conn_rate,
				  __u64 host_min_rtt_us, __u64 host_max_rate)
{
	__u64 rate_term = 0, delay_term = 0, floor;

	if (host_max_rate > TCP_CONN_RATE_CAP)
		host_max_rate = TCP_CONN_RATE_CAP;
	if (conn_rate < host_max_rate)
		rate_term = (host_max_rate - conn_rate) * TCP_CONN_COST_ONE /
			    host_max_rate;
	floor = host_min_rtt_us > TCP_CONN_RTT_FLOOR_US ? host_min_rtt_us :
							  TCP_CONN_RTT_FLOOR_US;
	if (conn_rtt_us > host_min_rtt_us) {
		__u64 excess = conn_rtt_us - host_min_rtt_us;

		/* beyond 4 floors the term is capped anyway */
		if (excess >= 4 * floor)
			delay_term = TCP_CONN_DELAY_CAP;
		else
			delay_term = excess * TCP_CONN_COST_ONE / floor;
	}
	return rate_term + delay_term;
}

/* v += alpha (cost - v); averaging while an algorithm warms up. */
static inline __u64 tcp_conn_update(__u64 value, __u32 samples, __u64 cost,
				    __u32 learning_rate)
{
	__u64 pct = bpftune_rate_pct(learning_rate);

	if (samples < TCP_CONN_WARMUP)
		return (value * samples + cost) / (samples + 1);
	if (cost >= value)
		return value + (cost - value) * pct / 100;
	return value - (value - cost) * pct / 100;
}

/* The highest smoothed rate among the algorithms measured so far. */
static inline __u64 tcp_conn_host_rate(const struct tcp_conn_host *h,
				       __u32 nalgs)
{
	__u64 best = 0;
	__u32 i;

	for (i = 0; i < TCP_CONN_MAX_ALGS && i < nalgs; i++)
		if (h->alg[i].samples && h->alg[i].rate > best)
			best = h->alg[i].rate;
	return best;
}

static inline int tcp_conn_usable(const struct tcp_conn_host *h, __u32 i,
				  __u32 nalgs)
{
	return i < nalgs && !(h->refused & (1U << i));
}

/* End of warm-up: every value from the smoothed measurements, against
 * the host's bests as they are now. */
static inline void tcp_conn_rebase(struct tcp_conn_host *h, __u32 nalgs)
{
	__u32 i;

	for (i = 0; i < TCP_CONN_MAX_ALGS && i < nalgs; i++) {
		struct tcp_conn_alg *a = &h->alg[i];

		if (a->samples)
			a->value = tcp_conn_cost(a->rtt_us, a->rate,
						 h->min_rtt_us, h->max_rate);
	}
}

/* The usable algorithm with the lowest value, TCP_CONN_NONE if none. */
static inline __u32 tcp_conn_best(const struct tcp_conn_host *h, __u32 nalgs)
{
	__u32 i, best = TCP_CONN_NONE;

	for (i = 0; i < TCP_CONN_MAX_ALGS; i++) {
		if (!tcp_conn_usable(h, i, nalgs) || !h->alg[i].samples)
			continue;
		if (best == TCP_CONN_NONE ||
		    h->alg[i].value < h->alg[best & (TCP_CONN_MAX_ALGS - 1)].value)
			best = i;
	}
	return best;
}

/* The usable algorithm still warming up with the fewest samples (then
 * fewest tries), TCP_CONN_NONE when warm-up is over. */
static inline __u32 tcp_conn_warming(const struct tcp_conn_host *h,
				     __u32 nalgs)
{
	__u32 i, pick = TCP_CONN_NONE;

	for (i = 0; i < TCP_CONN_MAX_ALGS; i++) {
		const struct tcp_conn_alg *a = &h->alg[i], *p;

		if (!tcp_conn_usable(h, i, nalgs) || a->samples >= TCP_CONN_WARMUP)
			continue;
		if (pick == TCP_CONN_NONE) {
			pick = i;
			continue;
		}
		p = &h->alg[pick & (TCP_CONN_MAX_ALGS - 1)];
		if (a->samples < p->samples ||
		    (a->samples == p->samples && a->tries < p->tries))
			pick = i;
	}
	return pick;
}

/*
 * The algorithm for a new connection to host h: warm-up first, then
 * epsilon-greedy around the host's choice.  TCP_CONN_NONE if nothing is
 * usable (every algorithm refused).
 */
static inline __u32 tcp_conn_select(struct tcp_conn_host *h, __u32 nalgs,
				    __u32 epsilon_permille, __u32 *reason)
{
	__u32 i, pick, others = 0, nth, current = h->choice;

	pick = tcp_conn_warming(h, nalgs);
	if (pick != TCP_CONN_NONE) {
		*reason = TCP_CONN_WHY_WARMUP;
		return pick;
	}
	if (current >= TCP_CONN_MAX_ALGS || !tcp_conn_usable(h, current, nalgs))
		current = tcp_conn_best(h, nalgs);
	*reason = TCP_CONN_WHY_BEST;
	if (current == TCP_CONN_NONE ||
	    tcp_conn_rand(&h->rng) % 1000 >= epsilon_permille)
		return current;
	for (i = 0; i < TCP_CONN_MAX_ALGS; i++)
		if (i != current && tcp_conn_usable(h, i, nalgs))
			others++;
	if (!others)
		return current;
	nth = tcp_conn_rand(&h->rng) % others;
	for (i = 0; i < TCP_CONN_MAX_ALGS; i++) {
		if (i == current || !tcp_conn_usable(h, i, nalgs))
			continue;
		if (!nth--) {
			*reason = TCP_CONN_WHY_EXPLORE;
			return i;
		}
	}
	return current;
}

/*
 * After a model update: the host's new choice.  Warm-up over and no
 * choice yet: the best.  Otherwise move only to a clearly better one.
 */
static inline __u32 tcp_conn_next_choice(const struct tcp_conn_host *h,
					 __u32 nalgs)
{
	__u32 best, cur = h->choice;
	__u64 cur_v, best_v;

	if (tcp_conn_warming(h, nalgs) != TCP_CONN_NONE)
		return cur;
	best = tcp_conn_best(h, nalgs);
	if (cur >= TCP_CONN_MAX_ALGS || !tcp_conn_usable(h, cur, nalgs) ||
	    best == TCP_CONN_NONE)
		return best;
	cur_v = h->alg[cur].value;
	best_v = h->alg[best & (TCP_CONN_MAX_ALGS - 1)].value;
	if (best_v + cur_v * TCP_CONN_HYST_PCT / 100 + TCP_CONN_HYST_ABS < cur_v)
		return best;
	return cur;
}

#endif
