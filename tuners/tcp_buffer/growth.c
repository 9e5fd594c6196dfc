// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer, rule "growth": raise tcp_rmem[2] / tcp_wmem[2] in a
 * namespace when its sockets' buffers reach them, sized from the flow's
 * bandwidth-delay product, at most RAM/32.
 */
#include "tcp_buffer_rules.h"

static bool growth_held(struct bpftune_tuner *tuner, struct tcp_buffer_state *st,
			struct ns_state *ns)
{
	if (ns->latency_blocked)
		return true;
	if (!strain_active(st))
		return false;
	if (!st->growth_hold_logged) {
		st->growth_hold_logged = true;
		bpftune_info("%s: not growing socket buffers while tcp memory is strained",
			     bpftune_tuner_name(tuner));
	}
	return true;
}

/*
 * A receiving socket's window can never exceed 65535 << its window scale,
 * fixed at its handshake: say so once per namespace when a new limit is
 * beyond what the reporting flow can use.
 */
static void note_wscale(struct bpftune_tuner *tuner, struct ns_state *ns,
			const struct bpftune_event *ev, long long next)
{
	unsigned int wscale = ev->values[TCP_BUFFER_EV_WSCALE];
	unsigned long long window = tcp_buffer_wscale_window(wscale);
	unsigned int ratio = ev->values[TCP_BUFFER_EV_RATIO];
	char nsb[64];

	if (!ratio)
		ratio = TCP_BUFFER_RATIO_DEFAULT;
	/* next bytes of buffer offer about next * ratio / 256 of window */
	if (ns->wscale_logged || (unsigned long long)next / 256 * ratio <= window)
		return;
	ns->wscale_logged = true;
	bpftune_info("%s: running flows cannot use all of the new tcp_rmem max in %s: a connection's receive window scale is fixed at its handshake, and the flow that reported has scale %u (window at most %llu bytes); connections opened from now on get the scale for max(tcp_rmem max, net.core.rmem_max)",
		     bpftune_tuner_name(tuner), ns_str(ns->cookie, nsb, sizeof(nsb)),
		     wscale, window);
}

void grow_max(struct bpftune_tuner *tuner, const struct bpftune_event *ev,
	      unsigned int tunable, const char *what)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	unsigned int rate = bpftune_learning_rate();
	unsigned long long bdp = ev->values[TCP_BUFFER_EV_BDP];
	unsigned long long rtt = ev->values[TCP_BUFFER_EV_RTT];
	bool recv = tunable == TCP_BUFFER_RMEM;
	struct bpftune_raise raise = {
		.tunable = tunable,
		.scenario = ev->scenario,
		.index = 2,
		.used = ev->values[TCP_BUFFER_EV_BUF],
		.cap = st->cap,
		.cap_why = st->cap_why,
	};
	long long *cur = raise.cur, *next = raise.next;
	unsigned long long need;
	struct ns_state *ns;
	char nsb[64];

	if (!bpftune_tunable_usable(tuner, tunable, ev->netns_cookie))
		return;
	ns = ns_get(tuner, ev->netns_cookie);
	if (!ns || growth_held(tuner, st, ns))
		return;
	/* The event may describe a limit we already raised: act only while
	 * the buffer is still near the current limit (and below the cap). */
	if (bpftune_raise_check(tuner, ev->netns_cookie, &raise) <= 0)
		return;
	need = tcp_buffer_bdp_need(bdp, ev->values[TCP_BUFFER_EV_RATIO], recv);
	next[2] = (long long)tcp_buffer_size_limit(cur[2], need, st->cap, rate);
	if (next[2] == cur[2]) {
		bpftune_debug("%s: %s buffer at %s max %lld in %s, but its flow (%llu bytes per %llu us RTT) needs only %llu: not raised",
			      bpftune_tuner_name(tuner), what,
			      tcp_buffer_tunables[tunable].name, cur[2],
			      ns_str(ns->cookie, nsb, sizeof(nsb)), bdp, rtt, need);
		return;
	}
	if (bpftune_sysctl_update(tuner, ev->netns_cookie, tunable, next,
				  ev->scenario,
				  "a socket's %s buffer (%llu bytes) is within %llu%% of %s max (%lld); its flow moves %llu bytes per RTT (%llu us, %llu Mbit/s), which needs %llu bytes with room to grow %dx (at most %d steps of %llu%% at once)",
				  what, (unsigned long long)ev->values[TCP_BUFFER_EV_BUF],
				  (unsigned long long)bpftune_rate_pct(rate),
				  tcp_buffer_tunables[tunable].name, cur[2], bdp, rtt,
				  rtt ? bdp * 8 / rtt : 0, need,
				  TCP_BUFFER_BDP_HEADROOM, TCP_BUFFER_MAX_STEPS,
				  (unsigned long long)bpftune_rate_pct(rate)) > 0) {
		ns->before_growth[tunable] = cur[2];
		if (recv)
			note_wscale(tuner, ns, ev, next[2]);
	}
}

