// SPDX-License-Identifier: GPL-2.0
/*
 * route_table, kernel side: report a network namespace whose IPv6
 * destination cache (dst entries: cached and exception routes) is within
 * the learning rate's margin of net.ipv6.route.max_size there.
 *
 * ip6_dst_gc() runs when the cache passes gc_thresh, which is exactly when
 * it may be filling up; it has no tracepoint, so the tracepoint tier
 * samples IPv6 route lookups (fib6_table_lookup) instead.
 */
#include <bpftune/bpftune.bpf.h>
#include "route_table.h"

static __always_inline int dst_check(struct net *net)
{
	__u64 values[2];
	__s64 entries;
	int max_size;

	if (!net)
		return 0;
	/* the percpu counter's shared part: what dst_entries_get_fast reads */
	entries = BPF_CORE_READ(net, ipv6.ip6_dst_ops.pcpuc_entries.count);
	max_size = BPF_CORE_READ(net, ipv6.sysctl.ip6_rt_max_size);
	if (entries <= 0 || max_size <= 0)
		return 0;
	if (!bpftune_nearly_full(entries, max_size, bpftune_learning_rate))
		return 0;
	values[ROUTE_TABLE_EV_ENTRIES] = entries;
	values[ROUTE_TABLE_EV_MAX_SIZE] = max_size;
	bpftune_send(bpftune_net_cookie(net), ROUTE_TABLE_NEARLY_FULL, 0,
		     values, 2);
	return 0;
}

/* ops is &net->ipv6.ip6_dst_ops */
static __always_inline struct net *dst_ops_net(struct dst_ops *ops)
{
	if (!ops)
		return NULL;
	return (void *)ops - bpf_core_field_offset(struct net, ipv6.ip6_dst_ops);
}

BPFTUNE_FENTRY(dst_check, ip6_dst_gc, struct dst_ops *ops)
{
	return dst_check(dst_ops_net(ops));
}

BPFTUNE_TP_BTF(dst_check, fib6_table_lookup, const struct net *net,
	       const struct fib6_result *res, struct fib6_table *table,
	       const struct flowi6 *flp)
{
	if (!bpftune_sample(ROUTE_TABLE_SAMPLE_SHIFT))
		return 0;
	return dst_check((struct net *)net);
}

BPFTUNE_KPROBE(dst_check, ip6_dst_gc, struct dst_ops *ops)
{
	return dst_check(dst_ops_net(ops));
}
