// SPDX-License-Identifier: GPL-2.0
/*
 * ip_frag, kernel side.
 *
 * Each namespace keeps incomplete IPv4 and IPv6 datagrams in a fragment
 * directory (struct fqdir) whose memory may not pass high_thresh; past it,
 * new fragments are dropped.  We compare fqdir->mem with high_thresh:
 *  - on every packet dropped without a reason (kfree_skb): fragments
 *    refused at the limit are dropped that way, so this sees the limit
 *    being hit.  (A sample of
 *    received packets would see it coming, but costs ~80 ns on every
 *    packet the machine receives; one drop more is the cheaper price.)
 * and count, per namespace and family, fragments dropped because their
 * reassembly failed (timed out, too far apart, overlapping): the user side
 * watches whether raising the limit only buys more of those.
 */
#include <bpftune/bpftune.bpf.h>
#include <bpf/bpf_endian.h>
#include "ip_frag.h"

#define IP_FRAG_ETH_P_IP 0x0800
#define IP_FRAG_ETH_P_IPV6 0x86DD

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct ip_frag_fail_key);
	__type(value, __u64);
} reasm_fails SEC(".maps");

static __always_inline int skb_family(int direct, struct sk_buff *skb)
{
	__u16 proto = bpftune_read(direct, skb, protocol);

	if (proto == bpf_htons(IP_FRAG_ETH_P_IP))
		return IP_FRAG_V4;
	if (proto == bpf_htons(IP_FRAG_ETH_P_IPV6))
		return IP_FRAG_V6;
	return -1;
}

static __always_inline struct net *skb_net(int direct, struct sk_buff *skb)
{
	struct net_device *dev = bpftune_read(direct, skb, dev);

	if (!dev)
		return NULL;
	return bpftune_read(direct, dev, nd_net.net);
}

/* Report when the family's fragment memory is within the margin. */
static __always_inline int mem_check(struct net *net, int family)
{
	struct fqdir *fqdir;
	__u64 values[2];
	long mem, thresh;

	if (family == IP_FRAG_V4)
		fqdir = BPF_CORE_READ(net, ipv4.fqdir);
	else if (bpf_core_field_exists(net->ipv6)) /* CONFIG_IPV6 */
		fqdir = BPF_CORE_READ(net, ipv6.fqdir);
	else
		return 0;
	if (!fqdir)
		return 0;
	mem = BPF_CORE_READ(fqdir, mem.counter);
	thresh = BPF_CORE_READ(fqdir, high_thresh);
	if (mem <= 0 || thresh <= 0 ||
	    !bpftune_nearly_full(mem, thresh, bpftune_learning_rate))
		return 0;
	values[IP_FRAG_EV_MEM] = mem;
	values[IP_FRAG_EV_THRESH] = thresh;
	bpftune_send(bpftune_net_cookie(net),
		     family == IP_FRAG_V4 ? IP_FRAG_V4_NEARLY_FULL :
					    IP_FRAG_V6_NEARLY_FULL,
		     0, values, 2);
	return 0;
}

/* The fragment drop reasons came one by one (6.0 .. 6.2): a reason this
 * kernel lacks never matches, rather than failing the load. */
#define IP_FRAG_REASON_IS(reason, name)                                        \
	(bpf_core_enum_value_exists(enum skb_drop_reason, name) &&             \
	 (reason) == bpf_core_enum_value(enum skb_drop_reason, name))

static __always_inline int is_reasm_failure(__u32 reason)
{
	return IP_FRAG_REASON_IS(reason, SKB_DROP_REASON_FRAG_REASM_TIMEOUT) ||
	       IP_FRAG_REASON_IS(reason, SKB_DROP_REASON_FRAG_TOO_FAR) ||
	       IP_FRAG_REASON_IS(reason, SKB_DROP_REASON_DUP_FRAG);
}

/*
 * A fragment refused at high_thresh is freed without a reason
 * (NOT_SPECIFIED, in ip_defrag() and ipv6_frag_rcv()): drops with any
 * other reason (most drops on a busy machine) return after one compare.
 */
static __always_inline int frag_drop(int direct, struct sk_buff *skb,
				     __u32 reason)
{
	struct ip_frag_fail_key key = {};
	__u64 one = 1, *fails;
	struct net *net;
	int family, failed = is_reasm_failure(reason);

	if (!failed && reason != bpf_core_enum_value(enum skb_drop_reason,
						     SKB_DROP_REASON_NOT_SPECIFIED))
		return 0;
	family = skb_family(direct, skb);
	if (family < 0)
		return 0;
	net = skb_net(direct, skb);
	if (!net)
		return 0;
	if (failed) {
		key.netns_cookie = bpftune_net_cookie(net);
		key.family = family;
		fails = bpf_map_lookup_elem(&reasm_fails, &key);
		if (fails)
			__sync_fetch_and_add(fails, 1);
		else
			bpf_map_update_elem(&reasm_fails, &key, &one, BPF_NOEXIST);
		return 0;
	}
	return mem_check(net, family);
}

BPFTUNE_FENTRY(frag_drop, sk_skb_reason_drop, struct sock *sk,
	       struct sk_buff *skb, enum skb_drop_reason reason)
{
	return frag_drop(1, skb, reason);
}

BPFTUNE_TP_BTF(frag_drop, kfree_skb, struct sk_buff *skb, void *location,
	       enum skb_drop_reason reason)
{
	return frag_drop(1, skb, reason);
}

BPFTUNE_KPROBE(frag_drop, sk_skb_reason_drop, struct sock *sk,
	       struct sk_buff *skb, enum skb_drop_reason reason)
{
	return frag_drop(0, skb, reason);
}

/* 5.17 to 6.10: drops with a reason go through kfree_skb_reason() */
BPFTUNE_FENTRY_ALT(frag_drop, pre611, kfree_skb_reason, struct sk_buff *skb,
		   enum skb_drop_reason reason)
{
	return frag_drop(1, skb, reason);
}

BPFTUNE_KPROBE_ALT(frag_drop, pre611, kfree_skb_reason, struct sk_buff *skb,
		   enum skb_drop_reason reason)
{
	return frag_drop(0, skb, reason);
}
