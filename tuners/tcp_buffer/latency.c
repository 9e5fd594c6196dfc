// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer, rule "latency": when buffer size and srtt rise together
 * (correlation >= 0.7 over >= 10 samples) stop growing buffers in that
 * namespace, and shrink them back if it persists.
 */
#include <string.h>

#include "tcp_buffer_rules.h"

/* A latency block holds at least this long, and lifts below this r. */
#define TCP_BUFFER_LATENCY_HOLD_MS 5000
#define TCP_BUFFER_CORR_LIFT_PERMILLE 500

static void latency_shrink(struct bpftune_tuner *tuner, struct ns_state *ns,
			   double r)
{
	long long cur[3], next[3], floor;
	unsigned int t;

	for (t = TCP_BUFFER_RMEM; t <= TCP_BUFFER_WMEM; t++) {
		if (!ns->before_growth[t] ||
		    !bpftune_tunable_usable(tuner, t, ns->cookie) ||
		    bpftune_sysctl_get(tuner, ns->cookie, t, cur))
			continue;
		floor = ns->before_growth[t] > cur[1] ? ns->before_growth[t] : cur[1];
		memcpy(next, cur, sizeof(next));
		next[2] = (long long)bpftune_shrink(cur[2], floor,
						    bpftune_learning_rate());
		bpftune_sysctl_update(tuner, ns->cookie, t, next, TCP_BUFFER_LATENCY,
				      "srtt still follows the send buffer size (correlation %.2f over %u samples); shrinking back toward %lld",
				      r, ns->corr.n, floor);
	}
}

void latency_sample(struct bpftune_tuner *tuner,
			   const struct bpftune_event *ev)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	struct ns_state *ns = ns_get(tuner, ev->netns_cookie);
	unsigned long long now = bpftune_now_ms();
	char nsb[64];
	double r;

	if (!ns)
		return;
	tcp_buffer_corr_add_rate(&ns->corr, ev->values[0], ev->values[1],
				 ev->values[2]);
	r = tcp_buffer_corr_value(&ns->corr);
	bpftune_debug("%s: latency sample in %s: buffer %llu bytes, srtt %llu us, rate %llu bytes/s; correlation %.2f (rate %.2f) over %u",
		      bpftune_tuner_name(tuner), ns_str(ns->cookie, nsb, sizeof(nsb)),
		      (unsigned long long)ev->values[0],
		      (unsigned long long)ev->values[1],
		      (unsigned long long)ev->values[2], r,
		      tcp_buffer_corr_rate_value(&ns->corr), ns->corr.n);
	if (!ns->latency_blocked) {
		if (!tcp_buffer_latency_added(&ns->corr, TCP_BUFFER_CORR_SAMPLES,
					      TCP_BUFFER_CORR_PERMILLE,
					      TCP_BUFFER_LATENCY_RISE_PERMILLE))
			return;
		ns->latency_blocked = true;
		ns->blocked_ms = now;
		ns->samples_since_check = 0;
		st->latency_blocks++;
		bpftune_info("%s: buffer growth is adding latency in %s: srtt follows the send buffer size (correlation %.2f over %u samples, srtt up %u%%, last %llu bytes / %llu us); tcp_rmem/tcp_wmem stop growing there",
			     bpftune_tuner_name(tuner),
			     ns_str(ns->cookie, nsb, sizeof(nsb)), r, ns->corr.n,
			     tcp_buffer_corr_rise_permille(&ns->corr) / 10,
			     (unsigned long long)ev->values[0],
			     (unsigned long long)ev->values[1]);
		return;
	}
	if (++ns->samples_since_check < TCP_BUFFER_CORR_SAMPLES)
		return;
	ns->samples_since_check = 0;
	if (tcp_buffer_latency_added(&ns->corr, TCP_BUFFER_CORR_SAMPLES,
				     TCP_BUFFER_CORR_PERMILLE,
				     TCP_BUFFER_LATENCY_RISE_PERMILLE)) {
		latency_shrink(tuner, ns, r);
		return;
	}
	if (now - ns->blocked_ms < TCP_BUFFER_LATENCY_HOLD_MS ||
	    r * 1000 >= TCP_BUFFER_CORR_LIFT_PERMILLE)
		return;
	ns->latency_blocked = false;
	bpftune_info("%s: srtt no longer follows buffer size in %s (correlation %.2f); buffer growth allowed again",
		     bpftune_tuner_name(tuner), ns_str(ns->cookie, nsb, sizeof(nsb)), r);
}

