// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer: what the rules share - the tunable table, the clock and the
 * per-namespace state (the core's helper layer keeps it and frees it when
 * the namespace goes).  tcp_buffer.c dispatches to the rules; the rules
 * use this file, not tcp_buffer.c.
 */
#include <limits.h>

#include "tcp_buffer_rules.h"

struct bpftune_tunable_desc tcp_buffer_tunables[] = {
	{ TCP_BUFFER_RMEM, "net.ipv4.tcp_rmem", BPFTUNE_NETNS, 3,
	  .min = { 1, 1, 1 }, .max = { INT_MAX, INT_MAX, INT_MAX } },
	{ TCP_BUFFER_WMEM, "net.ipv4.tcp_wmem", BPFTUNE_NETNS, 3,
	  .min = { 1, 1, 1 }, .max = { INT_MAX, INT_MAX, INT_MAX } },
	{ TCP_BUFFER_TCP_MEM, "net.ipv4.tcp_mem", BPFTUNE_GLOBAL, 3,
	  .min = { 1, 1, 1 }, .max = { LLONG_MAX, LLONG_MAX, LLONG_MAX } },
	{ TCP_BUFFER_CORE_RMEM_MAX, "net.core.rmem_max", BPFTUNE_GLOBAL, 1,
	  .min = { 1 }, .max = { INT_MAX } },
	{ TCP_BUFFER_CORE_WMEM_MAX, "net.core.wmem_max", BPFTUNE_GLOBAL, 1,
	  .min = { 1 }, .max = { INT_MAX } },
	{ TCP_BUFFER_MODERATE, "net.ipv4.tcp_moderate_rcvbuf", BPFTUNE_NETNS, 1,
	  .min = { 0 }, .max = { 1 } },
	{ TCP_BUFFER_NO_METRICS_SAVE, "net.ipv4.tcp_no_metrics_save",
	  BPFTUNE_NETNS, 1, .min = { 0 }, .max = { 1 } },
};

void tcp_buffer_ns_init(struct bpftune_tuner *tuner, unsigned long long cookie,
			void *state)
{
	struct ns_state *ns = state;

	(void)tuner;
	ns->cookie = cookie;
}

struct ns_state *ns_get(struct bpftune_tuner *tuner, unsigned long long cookie)
{
	return bpftune_netns_state(tuner, cookie);
}
