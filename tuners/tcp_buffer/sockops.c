// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer, rules applied in sockops (tcp_buffer.bpf.c), reported here:
 * small-flow clamps while TCP memory is strained, and initial windows
 * learned per service port.
 */
#include "tcp_buffer_rules.h"

void small_flow(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	bool clamped = ev->values[0];
	bool *logged = clamped ? &st->clamp_logged : &st->lift_logged;
	char nsb[64];

	if (*logged)
		return;
	*logged = true;
	bpftune_info("%s: small-flow clamping: %s a new flow on port %llu in %s (cwnd clamp %d segments, window clamp %d bytes)%s",
		     bpftune_tuner_name(tuner), clamped ? "clamped" : "lifted the clamp of",
		     (unsigned long long)ev->values[1],
		     ns_str(ev->netns_cookie, nsb, sizeof(nsb)), TCP_BUFFER_CLAMP_CWND,
		     TCP_BUFFER_CLAMP_WINDOW,
		     clamped ? ", because tcp memory is nearly exhausted" :
			       ", because the memory strain is over");
}

void initial_window(struct bpftune_tuner *tuner,
			   const struct bpftune_event *ev)
{
	char nsb[64];

	bpftune_info("%s: learned initial window: service port %llu in %s now starts with %llu segments (bounded to %d..%d), because its closed flows grew that far",
		     bpftune_tuner_name(tuner), (unsigned long long)ev->values[0],
		     ns_str(ev->netns_cookie, nsb, sizeof(nsb)),
		     (unsigned long long)ev->values[1], TCP_BUFFER_IW_DEFAULT,
		     TCP_BUFFER_IW_MAX);
}

