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
 * uncertain sample does not dominate.  While a host warms up, costs are
 * compared with incomplete bests (the first algorithm measured is "best"
 * by definition), so after each of its connections every value is
 * recomputed from the algorithm's smoothed rate and RTT against the
 * host's bests as they are then.
 *
 * Choice.  Trying an algorithm costs what it loses against the host's
 * choice, for the whole connection: on a long lossy path a loss-based
 * algorithm delivers 2 % of what bbr does.  So exploration is budgeted:
 *
 * - Warm-up: a new host's first connection gets a rate-based algorithm
 *   (bbr), the one whose worst case is mildest (about a quarter of the
 *   best on a lossless microsecond path, against a fiftieth for a
 *   loss-based one on a lossy long one).  Then each usable algorithm gets
 *   up to TCP_CONN_WARMUP measured connections, fewest first; one whose
 *   value is TCP_CONN_FAR or more above the best after a sample is done
 *   with warm-up at once ("measured far worse").
 * - Heavy retransmission: a connection that retransmitted
 *   TCP_CONN_HEAVY_PERMILLE / 1000 (5 %) or more of its segments puts
 *   the host on a rate-based algorithm at once, without hysteresis, and
 *   ends the warm-up of the loss-based ones: at such loss they collapse
 *   into retransmission timeouts whatever the RTT.  The host stays there
 *   until its smoothed share of retransmissions falls below half of that;
 *   then the others are tried again soon (the path has changed).
 * - After warm-up, an alternative is explored once every
 *   gap / TCP_CONN_BUDGET connections, where gap is how far its value is
 *   above the choice's: each alternative may cost at most TCP_CONN_BUDGET
 *   (1 % of the best) per connection on average.  Each exploration that
 *   finds it still worse doubles its interval (up to
 *   TCP_CONN_MAX_INTERVAL measured connections); one that finds it as good
 *   or better, a change of choice, or the choice's own value rising by
 *   TCP_CONN_SURPRISE over its lowest since chosen, starts the intervals
 *   over.  Intervals count measured connections, so hosts that only see
 *   short connections neither explore nor lose anything.
 * - The choice moves to the algorithm with the lowest value only when that
 *   is clearly lower (hysteresis), so it does not flap.
 */
#ifndef TCP_CONN_H
#define TCP_CONN_H

#include <bpftune/bpftune.h>

/*
 * The model's functions are shared by both sides.  In BPF every one is
 * inlined: a call left as a BPF subprogram inside a loop, with the loop
 * head right after the call, is a "back-edge" that verifiers before 6.4
 * refuse (seen on 6.1: the whole sockops program did not load); so is a
 * loop whose last instruction falls through into its head, which clang
 * emits for these small loops: in BPF they are unrolled (at most
 * TCP_CONN_MAX_ALGS rounds each).
 */
#ifdef __bpf__
#define TCP_CONN_FN static __always_inline
#define TCP_CONN_UNROLL _Pragma("clang loop unroll(full)")
#else
#define TCP_CONN_FN static inline
#define TCP_CONN_UNROLL
#endif

#define TCP_CONN_MAX_ALGS 8		/* power of two: index masking */
#define TCP_CONN_ALG_MASK (TCP_CONN_MAX_ALGS - 1)
#define TCP_CONN_NAME_LEN 16		/* TCP_CA_NAME_MAX */
#define TCP_CONN_MAX_HOSTS 1024		/* LRU: least recently used go */
#define TCP_CONN_WARMUP 3		/* measured connections per algorithm */
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
/* Exploration: what one alternative may cost per connection, on average
 * (0.01 = 1 % of the best rate), and the bounds of its interval. */
#define TCP_CONN_BUDGET (TCP_CONN_COST_ONE / 100)
#define TCP_CONN_MIN_INTERVAL 4
#define TCP_CONN_MAX_INTERVAL 256
#define TCP_CONN_MAX_STREAK 8
/* an exploring connection that measured nothing: retry after this many */
#define TCP_CONN_RETRY 2
/* "measured far worse": half the best rate, or the like in delay */
#define TCP_CONN_FAR (TCP_CONN_COST_ONE / 2)
/* the choice's value this far above its lowest: the path has changed */
#define TCP_CONN_SURPRISE (3 * TCP_CONN_COST_ONE / 10)
/* heavy retransmission: at least 5 % of the segments of a connection that
 * sent at least TCP_CONN_MIN_SEGS */
#define TCP_CONN_HEAVY_PERMILLE 50
#define TCP_CONN_MIN_SEGS 64

/* Why a connection got its algorithm. */
enum tcp_conn_reason {
	TCP_CONN_WHY_WARMUP,
	TCP_CONN_WHY_EXPLORE,
	TCP_CONN_WHY_BEST,
};

/* Why a host's choice last moved (tcp_conn_host.cause). */
enum tcp_conn_cause {
	TCP_CONN_CAUSE_WARMUP,		/* warm-up over: the lowest value */
	TCP_CONN_CAUSE_COST,		/* a clearly lower value */
	TCP_CONN_CAUSE_HEAVY_LOSS,	/* heavy retransmission: rate-based */
};

enum tcp_conn_scenario {
	TCP_CONN_CHOICE,	/* a host's choice was set or changed */
	TCP_CONN_REFUSED,	/* the kernel refused an algorithm */
	TCP_CONN_SCENARIOS,
};

#define TCP_CONN_HEAVY 1U		/* tcp_conn_host.flags */
#define TCP_CONN_RESAMPLE 2U		/* measure the next connection */
/* Of a host without a long connection lately, one connection in this many
 * is measured (a record, RTT callbacks, a model update); the others cost a
 * host lookup and, if the host's choice is not the default, a setsockopt. */
#define TCP_CONN_SAMPLE_EVERY 8

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
	__u32 next_try;		/* explored again when measured reaches it */
	__u32 streak;		/* explorations in a row that found it worse */
};

struct tcp_conn_host {
	__u64 min_rtt_us;	/* lowest RTT seen to this host */
	__u64 max_rate;		/* highest smoothed rate of an algorithm */
	__u64 rng;		/* xorshift64 state: jitter of intervals */
	__u64 choice_low;	/* lowest value of the choice since chosen */
	__u32 choice;		/* TCP_CONN_NONE until warm-up ends */
	__u32 refused;		/* bit per algorithm the kernel refused */
	__u32 measured;		/* connections that updated the model */
	__u32 choice_since;	/* value of measured when choice last moved */
	__u32 settled;		/* bit per algorithm done with warm-up early */
	__u32 retrans_pm;	/* smoothed share retransmitted, per mille */
	__u32 flags;		/* TCP_CONN_HEAVY, TCP_CONN_RESAMPLE */
	__u32 cause;		/* enum tcp_conn_cause of the last move */
	__u32 conns;		/* connections established */
	__u32 last_long;	/* value of conns when a long one last closed */
	struct tcp_conn_alg alg[TCP_CONN_MAX_ALGS];
};

/* What one finished connection measured, for tcp_conn_learn(). */
struct tcp_conn_sample {
	__u64 rtt_us;		/* mean smoothed RTT */
	__u64 rate;		/* bytes/s */
	__u64 min_rtt_us;
	__u32 alg;
	__u32 retrans;		/* segments retransmitted */
	__u32 segs;		/* data segments sent */
	__u32 pad;
};

/* RTT callbacks a connection takes before it turns them off. */
#define TCP_CONN_RTT_SAMPLES 64

/* Connections measured at once (an LRU by socket cookie). */
#define TCP_CONN_MAX_MEASURED 4096

/* Per measured connection. */
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
#define TCP_CONN_EV_WHAT 2	/* family | old << 8 | new << 16 | cause << 24
				 * | retrans_pm << 32 */
#define TCP_CONN_EV_MEASURED 3
#define TCP_CONN_EV_OLD_COST 4
#define TCP_CONN_EV_NEW_COST 5
/* event values[] of TCP_CONN_REFUSED: algorithm, -errno */

/*
 * Index into alg[] from data (a choice, a pick, a sample): masked behind
 * an opaque barrier.  After a range check the compiler drops a mask as
 * redundant and may index with an unchecked copy of the value, which the
 * BPF verifier then rejects as an unbounded access.
 */
TCP_CONN_FN __u32 tcp_conn_idx(__u32 i)
{
	asm volatile("" : "+r"(i));
	return i & TCP_CONN_ALG_MASK;
}

#define TCP_CONN_ALG(h, i) (&(h)->alg[tcp_conn_idx(i)])

/* xorshift64: small, seedable, good enough to jitter intervals. */
TCP_CONN_FN __u64 tcp_conn_rand(__u64 *state)
{
	__u64 x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* Bytes one RTT_CB delivery-rate sample delivered; 0 if not plausible. */
TCP_CONN_FN __u64 tcp_conn_sample_bytes(__u64 delivered_pkts, __u64 mss)
{
	if (delivered_pkts > (1ULL << 24) || mss > 65536)
		return 0;
	return delivered_pkts * mss;
}

/* bytes over interval_us, in bytes/s, without overflowing u64. */
TCP_CONN_FN __u64 tcp_conn_rate(__u64 bytes, __u64 interval_us)
{
	if (!interval_us)
		return 0;
	if (bytes < (1ULL << 44))
		return bytes * 1000000ULL / interval_us;
	if (bytes / interval_us > (~0ULL) / 1000000ULL)
		return ~0ULL;
	return bytes / interval_us * 1000000ULL;
}

/* Share of segments retransmitted, per mille (at most 1000). */
TCP_CONN_FN __u32 tcp_conn_retrans_pm(__u32 retrans, __u32 segs)
{
	if (!segs)
		return 0;
	if (retrans >= segs)
		return 1000;
	return (__u32)((__u64)retrans * 1000 / segs);
}

TCP_CONN_FN __u64 tcp_conn_cost(__u64 conn_rtt_us, __u64 conn_rate,
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
TCP_CONN_FN __u64 tcp_conn_update(__u64 value, __u32 samples, __u64 cost,
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
TCP_CONN_FN __u64 tcp_conn_host_rate(const struct tcp_conn_host *h,
				       __u32 nalgs)
{
	__u64 best = 0;
	__u32 i;

	TCP_CONN_UNROLL
	for (i = 0; i < TCP_CONN_MAX_ALGS; i++) {
		if (i >= nalgs)
			continue;
		if (h->alg[i].samples && h->alg[i].rate > best)
			best = h->alg[i].rate;
	}
	return best;
}

TCP_CONN_FN int tcp_conn_usable(const struct tcp_conn_host *h, __u32 i,
				  __u32 nalgs)
{
	return i < nalgs && !(h->refused & (1U << i));
}

/* Every value from the smoothed measurements, against the host's bests
 * as they are now. */
TCP_CONN_FN void tcp_conn_rebase(struct tcp_conn_host *h, __u32 nalgs)
{
	__u32 i;

	TCP_CONN_UNROLL
	for (i = 0; i < TCP_CONN_MAX_ALGS; i++) {
		if (i >= nalgs)
			continue;
		struct tcp_conn_alg *a = &h->alg[i];

		if (a->samples)
			a->value = tcp_conn_cost(a->rtt_us, a->rate,
						 h->min_rtt_us, h->max_rate);
	}
}

/* Algorithm i's value, 0 for TCP_CONN_NONE.  A loop rather than an
 * index: the verifier cannot always follow a bound that the compiler
 * applied to a copy of i. */
TCP_CONN_FN __u64 tcp_conn_value_of(const struct tcp_conn_host *h, __u32 i)
{
	__u32 j;

	TCP_CONN_UNROLL
	for (j = 0; j < TCP_CONN_MAX_ALGS; j++)
		if (j == i)
			return h->alg[j].value;
	return 0;
}

/* The usable measured algorithm with the lowest value (among those in
 * mask), TCP_CONN_NONE if none. */
TCP_CONN_FN __u32 tcp_conn_best_of(const struct tcp_conn_host *h,
				     __u32 nalgs, __u32 mask)
{
	__u32 i, best = TCP_CONN_NONE;

	TCP_CONN_UNROLL
	for (i = 0; i < TCP_CONN_MAX_ALGS; i++) {
		if (!tcp_conn_usable(h, i, nalgs) || !h->alg[i].samples ||
		    !(mask & (1U << i)))
			continue;
		if (best == TCP_CONN_NONE ||
		    h->alg[i].value < TCP_CONN_ALG(h, best)->value)
			best = i;
	}
	return best;
}

TCP_CONN_FN __u32 tcp_conn_best(const struct tcp_conn_host *h, __u32 nalgs)
{
	return tcp_conn_best_of(h, nalgs, ~0U);
}

/* The rate-based algorithm for a host with heavy retransmission: the
 * measured one with the lowest value, else the first usable one;
 * TCP_CONN_NONE if there is none. */
TCP_CONN_FN __u32 tcp_conn_rate_pick(const struct tcp_conn_host *h,
				       __u32 nalgs, __u32 rate_based)
{
	__u32 i, pick = tcp_conn_best_of(h, nalgs, rate_based);

	if (pick != TCP_CONN_NONE)
		return pick;
	TCP_CONN_UNROLL
	for (i = 0; i < TCP_CONN_MAX_ALGS; i++)
		if (tcp_conn_usable(h, i, nalgs) && (rate_based & (1U << i)))
			return i;
	return TCP_CONN_NONE;
}

/* Does candidate a (index i) warm up before p (index j)?  Fewest samples,
 * then fewest tries, then rate-based first, then the lower index. */
TCP_CONN_FN int tcp_conn_warms_first(const struct tcp_conn_alg *a, __u32 i,
				       const struct tcp_conn_alg *p, __u32 j,
				       __u32 rate_based)
{
	int ra = !!(rate_based & (1U << i)), rp = !!(rate_based & (1U << j));

	if (a->samples != p->samples)
		return a->samples < p->samples;
	if (a->tries != p->tries)
		return a->tries < p->tries;
	return ra > rp;
}

/* The usable algorithm still warming up that goes next, TCP_CONN_NONE
 * when warm-up is over. */
TCP_CONN_FN __u32 tcp_conn_warming(const struct tcp_conn_host *h,
				     __u32 nalgs, __u32 rate_based)
{
	__u32 i, pick = TCP_CONN_NONE;

	TCP_CONN_UNROLL
	for (i = 0; i < TCP_CONN_MAX_ALGS; i++) {
		const struct tcp_conn_alg *a = &h->alg[i];

		if (!tcp_conn_usable(h, i, nalgs) ||
		    a->samples >= TCP_CONN_WARMUP || (h->settled & (1U << i)))
			continue;
		if (pick == TCP_CONN_NONE ||
		    tcp_conn_warms_first(a, i, TCP_CONN_ALG(h, pick),
					 pick, rate_based))
			pick = i;
	}
	return pick;
}

/* How far alternative i is above the choice; with either unmeasured it
 * counts as a full 1.0 (it was skipped for a reason). */
TCP_CONN_FN __u64 tcp_conn_gap(const struct tcp_conn_host *h, __u32 i)
{
	const struct tcp_conn_alg *a = TCP_CONN_ALG(h, i);
	__u64 cur;

	if (!a->samples || h->choice >= TCP_CONN_MAX_ALGS ||
	    !TCP_CONN_ALG(h, h->choice)->samples)
		return TCP_CONN_COST_ONE;
	cur = TCP_CONN_ALG(h, h->choice)->value;
	return a->value > cur ? a->value - cur : 0;
}

/* Connections between explorations of an alternative gap above the
 * choice: gap / budget, doubled per streak, within the bounds. */
TCP_CONN_FN __u32 tcp_conn_interval(__u64 gap, __u32 streak)
{
	__u64 n = gap / TCP_CONN_BUDGET;

	if (streak > TCP_CONN_MAX_STREAK)
		streak = TCP_CONN_MAX_STREAK;
	if (n < TCP_CONN_MIN_INTERVAL)
		n = TCP_CONN_MIN_INTERVAL;
	if (n >= TCP_CONN_MAX_INTERVAL)
		return TCP_CONN_MAX_INTERVAL;
	n <<= streak;
	return n > TCP_CONN_MAX_INTERVAL ? TCP_CONN_MAX_INTERVAL : (__u32)n;
}

/* When alternative i is explored next: its interval plus up to a
 * quarter of it at random, so hosts do not explore in lockstep. */
TCP_CONN_FN void tcp_conn_schedule(struct tcp_conn_host *h, __u32 i)
{
	struct tcp_conn_alg *a = TCP_CONN_ALG(h, i);
	__u32 n = tcp_conn_interval(tcp_conn_gap(h, i), a->streak);

	a->next_try = h->measured + n + (__u32)(tcp_conn_rand(&h->rng) % (n / 4 + 1));
}

/* Intervals of every alternative start over (new choice, path change);
 * soon: explore each within the next few connections. */
TCP_CONN_FN void tcp_conn_reschedule(struct tcp_conn_host *h, __u32 nalgs,
				       int soon)
{
	__u32 i;

	TCP_CONN_UNROLL
	for (i = 0; i < TCP_CONN_MAX_ALGS; i++) {
		if (i >= nalgs)
			continue;
		if (i == h->choice)
			continue;
		h->alg[i].streak = 0;
		if (soon)
			h->alg[i].next_try = h->measured + TCP_CONN_RETRY;
		else
			tcp_conn_schedule(h, i);
	}
}

/*
 * The algorithm for a new connection to host h: warm-up first, then the
 * host's choice, or an alternative whose exploration is due.
 * TCP_CONN_NONE if nothing is usable (every algorithm refused).
 */
TCP_CONN_FN __u32 tcp_conn_select(struct tcp_conn_host *h, __u32 nalgs,
				    __u32 rate_based, __u32 *reason)
{
	__u32 i, j, current = h->choice;

	*reason = TCP_CONN_WHY_WARMUP;
	i = tcp_conn_warming(h, nalgs, rate_based);
	if (i != TCP_CONN_NONE)
		return i;
	if (current >= TCP_CONN_MAX_ALGS || !tcp_conn_usable(h, current, nalgs))
		current = tcp_conn_best(h, nalgs);
	*reason = TCP_CONN_WHY_BEST;
	if (current == TCP_CONN_NONE || h->choice != current)
		return current;
	/* start where the count points, so no alternative always goes first */
	TCP_CONN_UNROLL
	for (i = 0; i < TCP_CONN_MAX_ALGS; i++) {
		struct tcp_conn_alg *a;

		j = (i + h->measured) & TCP_CONN_ALG_MASK;
		if (j == current || !tcp_conn_usable(h, j, nalgs))
			continue;
		a = &h->alg[j];
		if ((int)(h->measured - a->next_try) < 0)
			continue;
		/* one explorer at a time; retried if it measures nothing */
		a->next_try = h->measured + TCP_CONN_RETRY;
		*reason = TCP_CONN_WHY_EXPLORE;
		return j;
	}
	return current;
}

/*
 * After a model update: the host's new choice.  Warm-up over and no
 * choice yet: the best.  Otherwise move only to a clearly better one.
 */
TCP_CONN_FN __u32 tcp_conn_next_choice(const struct tcp_conn_host *h,
					 __u32 nalgs, __u32 rate_based)
{
	__u32 best, cur = h->choice;
	__u64 cur_v, best_v;

	if (tcp_conn_warming(h, nalgs, rate_based) != TCP_CONN_NONE &&
	    cur >= TCP_CONN_MAX_ALGS)
		return cur;
	best = tcp_conn_best(h, nalgs);
	if (cur >= TCP_CONN_MAX_ALGS || !tcp_conn_usable(h, cur, nalgs) ||
	    !TCP_CONN_ALG(h, cur)->samples || best == TCP_CONN_NONE)
		return best == TCP_CONN_NONE ? cur : best;
	cur_v = TCP_CONN_ALG(h, cur)->value;
	best_v = TCP_CONN_ALG(h, best)->value;
	if (best_v + cur_v * TCP_CONN_HYST_PCT / 100 + TCP_CONN_HYST_ABS < cur_v)
		return best;
	return cur;
}

/* Warm-up ends early for algorithms measured far worse than the best. */
TCP_CONN_FN void tcp_conn_settle_far(struct tcp_conn_host *h, __u32 nalgs)
{
	__u32 i, best = tcp_conn_best(h, nalgs);
	__u64 bv;

	if (best == TCP_CONN_NONE)
		return;
	bv = TCP_CONN_ALG(h, best)->value;
	TCP_CONN_UNROLL
	for (i = 0; i < TCP_CONN_MAX_ALGS; i++) {
		if (i >= nalgs)
			continue;
		if (h->alg[i].samples && h->alg[i].value >= bv + TCP_CONN_FAR)
			h->settled |= 1U << i;
	}
}

/*
 * The host's share of retransmitted segments, after connection s: a heavy
 * connection raises it at once, others smooth it by the learning rate.
 * Sets or clears TCP_CONN_HEAVY; returns 1 when it was set, -1 when it
 * was cleared, 0 otherwise.
 */
TCP_CONN_FN int tcp_conn_loss(struct tcp_conn_host *h,
				const struct tcp_conn_sample *s,
				__u32 learning_rate)
{
	__u32 pm = tcp_conn_retrans_pm(s->retrans, s->segs);

	if (s->segs < TCP_CONN_MIN_SEGS)
		return 0;
	if (pm >= TCP_CONN_HEAVY_PERMILLE) {
		if (pm > h->retrans_pm)
			h->retrans_pm = pm;
		if (h->flags & TCP_CONN_HEAVY)
			return 0;
		h->flags |= TCP_CONN_HEAVY;
		return 1;
	}
	h->retrans_pm = (__u32)tcp_conn_update(h->retrans_pm,
					       h->measured > 1 ? TCP_CONN_WARMUP : 0,
					       pm, learning_rate);
	if (!(h->flags & TCP_CONN_HEAVY) ||
	    h->retrans_pm >= TCP_CONN_HEAVY_PERMILLE / 2)
		return 0;
	h->flags &= ~TCP_CONN_HEAVY;
	return -1;
}

/* After an exploration of alternative alg, or a sample of the choice. */
TCP_CONN_FN void tcp_conn_follow_up(struct tcp_conn_host *h, __u32 alg,
				      __u32 nalgs)
{
	struct tcp_conn_alg *a = TCP_CONN_ALG(h, alg);
	__u64 cur_v = TCP_CONN_ALG(h, h->choice)->value;
	__u32 i;

	if (alg != h->choice) {
		if (a->value > cur_v) {
			if (a->streak < TCP_CONN_MAX_STREAK)
				a->streak++;
		} else {
			a->streak = 0;
		}
		tcp_conn_schedule(h, alg);
		return;
	}
	if (cur_v < h->choice_low) {
		h->choice_low = cur_v;
		return;
	}
	if (cur_v < h->choice_low + TCP_CONN_SURPRISE)
		return;
	/* the choice got clearly worse: alternatives back to short intervals */
	h->choice_low = cur_v;
	TCP_CONN_UNROLL
	for (i = 0; i < TCP_CONN_MAX_ALGS; i++) {
		if (i >= nalgs)
			continue;
		__u32 old_next = h->alg[i].next_try;

		if (i == h->choice)
			continue;
		h->alg[i].streak = 0;
		tcp_conn_schedule(h, i);
		if ((int)(old_next - h->alg[i].next_try) < 0)
			h->alg[i].next_try = old_next;
	}
}

/*
 * One finished connection updates host h: the algorithm's smoothed rate,
 * RTT and value, the host's bests, its retransmission state and its
 * choice.  Returns the choice before the update (h->choice is the new one;
 * h->cause says why it moved).
 */
TCP_CONN_FN __u32 tcp_conn_learn(struct tcp_conn_host *h,
				   const struct tcp_conn_sample *s,
				   __u32 nalgs, __u32 rate_based,
				   __u32 learning_rate)
{
	__u32 alg = s->alg, old = h->choice, next, n;
	struct tcp_conn_alg *a = TCP_CONN_ALG(h, alg);
	int loss, warming;
	__u64 cost;

	if (s->min_rtt_us < h->min_rtt_us)
		h->min_rtt_us = s->min_rtt_us;
	n = a->samples;
	a->rate = tcp_conn_update(a->rate, n, s->rate, learning_rate);
	a->rtt_us = tcp_conn_update(a->rtt_us, n, s->rtt_us, learning_rate);
	a->samples = n + 1;
	h->max_rate = tcp_conn_host_rate(h, nalgs);
	cost = tcp_conn_cost(s->rtt_us, s->rate, h->min_rtt_us, h->max_rate);
	a->value = tcp_conn_update(a->value, n, cost, learning_rate);
	a->last_cost = cost;
	a->retrans += s->retrans;
	h->measured++;
	loss = tcp_conn_loss(h, s, learning_rate);
	warming = old == TCP_CONN_NONE ||
		  tcp_conn_warming(h, nalgs, rate_based) != TCP_CONN_NONE;
	if (warming) {
		tcp_conn_rebase(h, nalgs);
		tcp_conn_settle_far(h, nalgs);
	}
	next = TCP_CONN_NONE;
	if (h->flags & TCP_CONN_HEAVY)
		next = tcp_conn_rate_pick(h, nalgs, rate_based);
	if (next != TCP_CONN_NONE) {
		/* loss-based algorithms are not worth warming up here */
		h->settled |= ~rate_based;
		if (next != old)
			h->cause = TCP_CONN_CAUSE_HEAVY_LOSS;
	} else {
		next = tcp_conn_next_choice(h, nalgs, rate_based);
		if (next != old)
			h->cause = old == TCP_CONN_NONE ? TCP_CONN_CAUSE_WARMUP :
							  TCP_CONN_CAUSE_COST;
	}
	if (next != old) {
		h->choice = next;
		h->choice_since = h->measured;
		h->choice_low = TCP_CONN_ALG(h, next)->value;
		tcp_conn_reschedule(h, nalgs, 0);
		return old;
	}
	if (old == TCP_CONN_NONE)
		return old;
	/* a choice made during warm-up (heavy loss): values have moved */
	if (warming)
		tcp_conn_reschedule(h, nalgs, 0);
	else if (loss < 0)	/* loss ended: the others may do well now */
		tcp_conn_reschedule(h, nalgs, 1);
	else
		tcp_conn_follow_up(h, alg, nalgs);
	return old;
}

#endif
