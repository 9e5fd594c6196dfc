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
	unsigned long long what = ev->values[0], port = ev->values[1];
	unsigned long long bytes = ev->values[2];
	const char *name = bpftune_tuner_name(tuner);
	char nsb[64];

	if (what >= TCP_BUFFER_CLAMP_KINDS || st->clamp_logged[what])
		return;
	st->clamp_logged[what] = true;
	ns_str(ev->netns_cookie, nsb, sizeof(nsb));
	switch (what) {
	case TCP_BUFFER_CLAMP_CLAMPED:
		bpftune_info("%s: small-flow clamping: clamped a new flow on port %llu in %s (cwnd clamp %d segments, window clamp %d bytes), because tcp memory is nearly exhausted and its service has moved no flow of %llu bytes yet",
			     name, port, nsb, TCP_BUFFER_CLAMP_CWND,
			     TCP_BUFFER_CLAMP_WINDOW, TCP_BUFFER_SMALL_FLOW_BYTES);
		break;
	case TCP_BUFFER_CLAMP_LIFTED:
		bpftune_info("%s: small-flow clamping: lifted the clamp of a new flow on port %llu in %s (cwnd clamp %d segments, window clamp %d bytes), because the memory strain is over",
			     name, port, nsb, TCP_BUFFER_CLAMP_CWND,
			     TCP_BUFFER_CLAMP_WINDOW);
		break;
	case TCP_BUFFER_CLAMP_BIG_FLOW:
		bpftune_info("%s: small-flow clamping: lifted the clamp of a flow on port %llu in %s during the strain, because it has moved %llu bytes: it is not a small flow (%llu)",
			     name, port, nsb, bytes, TCP_BUFFER_SMALL_FLOW_BYTES);
		break;
	case TCP_BUFFER_CLAMP_BIG_SERVICE:
		bpftune_info("%s: small-flow clamping: left a new flow on port %llu in %s unclamped, because its service has moved flows of %llu bytes or more",
			     name, port, nsb, TCP_BUFFER_SMALL_FLOW_BYTES);
		break;
	}
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

