// SPDX-License-Identifier: GPL-2.0
/*
 * net_buffer, kernel side: tell user space when a packet is dropped
 * because a CPU's input backlog (net.core.netdev_max_backlog) is full.
 * User space reads /proc/net/softnet_stat for the exact per-CPU counts;
 * this hook only makes it look at the moment it matters.
 */
#include <bpftune/bpftune.bpf.h>
#include "net_buffer.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} backlog_drops SEC(".maps");

static __always_inline int backlog_drop(__u32 reason)
{
	__u64 values[2], *drops;
	__u32 zero = 0, cpu;

	/* the value moved between kernels; an unknown name means no events */
	if (!bpf_core_enum_value_exists(enum skb_drop_reason,
					SKB_DROP_REASON_CPU_BACKLOG))
		return 0;
	if (reason != bpf_core_enum_value(enum skb_drop_reason,
					  SKB_DROP_REASON_CPU_BACKLOG))
		return 0;
	drops = bpf_map_lookup_elem(&backlog_drops, &zero);
	if (!drops)
		return 0;
	*drops += 1;
	cpu = bpf_get_smp_processor_id();
	values[NET_BUFFER_EV_CPU] = cpu;
	values[NET_BUFFER_EV_DROPS] = *drops;
	/* backlog_len is global, not per netns: report in the initial one */
	bpftune_send(0, NET_BUFFER_BACKLOG_DROPS, cpu, values, 2);
	return 0;
}

/*
 * Every drop with a reason goes through sk_skb_reason_drop() (6.11+) and
 * the kfree_skb tracepoint; the tracepoint also exists on older kernels.
 */
BPFTUNE_FENTRY(backlog_drop, sk_skb_reason_drop, struct sock *sk,
	       struct sk_buff *skb, enum skb_drop_reason reason)
{
	return backlog_drop(reason);
}

BPFTUNE_TP_BTF(backlog_drop, kfree_skb, struct sk_buff *skb, void *location,
	       enum skb_drop_reason reason)
{
	return backlog_drop(reason);
}

BPFTUNE_KPROBE(backlog_drop, sk_skb_reason_drop, struct sock *sk,
	       struct sk_buff *skb, enum skb_drop_reason reason)
{
	return backlog_drop(reason);
}

/* 5.17 to 6.10: drops with a reason go through kfree_skb_reason() */
BPFTUNE_FENTRY_ALT(backlog_drop, pre611, kfree_skb_reason, struct sk_buff *skb,
		   enum skb_drop_reason reason)
{
	return backlog_drop(reason);
}

BPFTUNE_KPROBE_ALT(backlog_drop, pre611, kfree_skb_reason, struct sk_buff *skb,
		   enum skb_drop_reason reason)
{
	return backlog_drop(reason);
}
