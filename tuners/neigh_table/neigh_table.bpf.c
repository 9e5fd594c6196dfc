// SPDX-License-Identifier: GPL-2.0
/*
 * neigh_table, kernel side: when a neighbour entry is created, report the
 * table (arp_cache or ndisc_cache) if the number of entries the garbage
 * collector counts has reached gc_thresh2 or is within the learning
 * rate's margin of gc_thresh3, or if the entry could not be allocated.  The event carries how
 * many hosts the device's subnets can hold, so user space can bound the
 * growth by what the local networks can need.
 *
 * The thresholds and the entry count are global (shared by all network
 * namespaces), so events carry the global netns; the device's own netns
 * cookie travels in the values for the log line.
 */
#include <bpftune/bpftune.bpf.h>
#include <bpf/bpf_endian.h>
#include "neigh_table.h"

static __always_inline __u64 ipv4_hosts(struct net_device *dev)
{
	struct in_device *idev = BPF_CORE_READ(dev, ip_ptr);
	struct in_ifaddr *ifa;
	__u64 hosts = 0;
	int i;

	if (!idev)
		return 0;
	ifa = BPF_CORE_READ(idev, ifa_list);
	for (i = 0; i < NEIGH_TABLE_MAX_ADDRS && ifa; i++) {
		hosts = neigh_table_add_hosts(hosts,
			neigh_table_subnet_hosts(NEIGH_TABLE_AF_INET,
						 BPF_CORE_READ(ifa, ifa_prefixlen)));
		ifa = BPF_CORE_READ(ifa, ifa_next);
	}
	return hosts;
}

static __always_inline __u64 ipv6_hosts(struct net_device *dev)
{
	struct inet6_dev *idev = BPF_CORE_READ(dev, ip6_ptr);
	struct list_head *head, *node;
	struct inet6_ifaddr *ifa;
	__u64 hosts = 0;
	int i;

	if (!idev)
		return 0;
	head = &idev->addr_list;
	node = BPF_CORE_READ(idev, addr_list.next);
	for (i = 0; i < NEIGH_TABLE_MAX_ADDRS && node && node != head; i++) {
		/* addr_list links inet6_ifaddr entries by their if_list */
		ifa = (void *)node - bpf_core_field_offset(struct inet6_ifaddr,
							   if_list);
		hosts = neigh_table_add_hosts(hosts,
			neigh_table_subnet_hosts(NEIGH_TABLE_AF_INET6,
						 BPF_CORE_READ(ifa, prefix_len)));
		node = BPF_CORE_READ(node, next);
	}
	return hosts;
}

/* Entries the garbage collector counts (gc_entries since 5.0). */
static __always_inline __u64 gc_entries(struct neigh_table *tbl)
{
	if (bpf_core_field_exists(tbl->gc_entries))
		return BPF_CORE_READ(tbl, gc_entries.counter);
	return BPF_CORE_READ(tbl, entries.counter);
}

static __always_inline int neigh_check(struct neigh_table *tbl,
				       struct net_device *dev, bool allocated,
				       bool exempt_from_gc)
{
	__u64 values[NEIGH_TABLE_EV_NVALUES];
	__u64 entries, thresh3, table;
	int family;

	/* entries exempt from GC (permanent) do not count against it */
	if (!tbl || (exempt_from_gc && allocated))
		return 0;
	family = BPF_CORE_READ(tbl, family);
	if (family == NEIGH_TABLE_AF_INET)
		table = NEIGH_TABLE_ARP;
	else if (family == NEIGH_TABLE_AF_INET6)
		table = NEIGH_TABLE_ND;
	else
		return 0;
	entries = gc_entries(tbl);
	thresh3 = (__u32)BPF_CORE_READ(tbl, gc_thresh3);
	/*
	 * Crossing gc_thresh2 is the first sign of a burst: beyond it the
	 * kernel starts forced collections, and a burst reaches gc_thresh3
	 * within milliseconds, faster than 25 % steps could follow.
	 */
	if (allocated &&
	    entries < (__u32)BPF_CORE_READ(tbl, gc_thresh2) &&
	    !bpftune_nearly_full(entries, thresh3, bpftune_learning_rate))
		return 0;
	values[NEIGH_TABLE_EV_TABLE] = table;
	values[NEIGH_TABLE_EV_ENTRIES] = entries;
	values[NEIGH_TABLE_EV_THRESH3] = thresh3;
	values[NEIGH_TABLE_EV_SUBNET] = !dev ? 0 :
		table == NEIGH_TABLE_ARP ? ipv4_hosts(dev) : ipv6_hosts(dev);
	values[NEIGH_TABLE_EV_IFINDEX] = dev ? BPF_CORE_READ(dev, ifindex) : 0;
	values[NEIGH_TABLE_EV_DEV_NETNS] =
		dev ? bpftune_net_cookie(BPF_CORE_READ(dev, nd_net.net)) : 0;
	bpftune_send(0, allocated ? NEIGH_TABLE_NEARLY_FULL :
				    NEIGH_TABLE_ALLOC_FAILED,
		     table, values, NEIGH_TABLE_EV_NVALUES);
	return 0;
}

/*
 * The tracepoint fires right after the allocation attempt, with n NULL
 * when the table refused the entry.
 */
BPFTUNE_TP_BTF(neigh_check, neigh_create, struct neigh_table *tbl,
	       struct net_device *dev, const void *pkey,
	       const struct neighbour *n, bool exempt_from_gc)
{
	return neigh_check(tbl, dev, n != NULL, exempt_from_gc);
}

/* The function itself: on entry, before the allocation is tried. */
BPFTUNE_FENTRY(neigh_check, ___neigh_create, struct neigh_table *tbl,
	       const void *pkey, struct net_device *dev, u32 flags,
	       bool exempt_from_gc, bool want_ref)
{
	return neigh_check(tbl, dev, true, exempt_from_gc);
}

BPFTUNE_KPROBE(neigh_check, ___neigh_create, struct neigh_table *tbl,
	       const void *pkey, struct net_device *dev, u32 flags,
	       bool exempt_from_gc)
{
	return neigh_check(tbl, dev, true, exempt_from_gc);
}

/*
 * Neighbour churn (see neigh_churn.h).  Entries the periodic collector
 * reclaims as stale are remembered for a while (stale_gone); a new entry
 * for the same neighbour soon after is a relearn.
 */
struct neigh_key {
	__u64 netns_cookie;
	__u32 ifindex;
	__u32 family;
	__u8 addr[16];
};

struct neigh_gone {
	__u64 when_j;	/* jiffies when reclaimed */
	__u64 idle_j;	/* unused for this long by then */
	__u64 stale_j;	/* the device's gc_stale_time then */
};

/* Sized for a few thousand neighbours; LRU drops the oldest beyond. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct neigh_key);
	__type(value, struct neigh_gone);
} stale_gone SEC(".maps");


static __always_inline int neigh_key_fill(struct neigh_key *key,
					  struct neigh_table *tbl,
					  struct net_device *dev,
					  const void *pkey)
{
	int family = BPF_CORE_READ(tbl, family);

	if (family == NEIGH_TABLE_AF_INET)
		bpf_probe_read_kernel(key->addr, 4, pkey);
	else if (family == NEIGH_TABLE_AF_INET6)
		bpf_probe_read_kernel(key->addr, 16, pkey);
	else
		return -1;
	key->family = family;
	key->ifindex = BPF_CORE_READ(dev, ifindex);
	key->netns_cookie = bpftune_net_cookie(BPF_CORE_READ(dev, nd_net.net));
	return family == NEIGH_TABLE_AF_INET ? NEIGH_TABLE_ARP : NEIGH_TABLE_ND;
}

/* The device's gc_stale_time (jiffies). */
static __always_inline __u64 stale_time(struct neigh_parms *parms)
{
	/* an anonymous enum (no CO-RE relocation); 8 since Linux 3.13 */
	int stale = 0;

	if (!parms)
		return 0;
	bpf_probe_read_kernel(&stale, sizeof(stale),
			      &parms->data[NEIGH_VAR_GC_STALETIME]);
	return stale > 0 ? (__u64)stale : 0;
}

static __always_inline void *neigh_pkey(struct neighbour *n)
{
	return (void *)n + bpf_core_field_offset(struct neighbour, primary_key);
}

/* An entry leaves the table: remember it if gc reclaimed it as stale. */
static __always_inline int neigh_gone(struct neighbour *n)
{
	struct net_device *dev = BPF_CORE_READ(n, dev);
	struct neigh_table *tbl = BPF_CORE_READ(n, tbl);
	__u64 now = bpf_jiffies64(), used, confirmed, stale;
	struct neigh_gone gone = {};
	struct neigh_key key = {};
	int table;

	if (!dev || !tbl || BPF_CORE_READ(n, nud_state) != NEIGH_CHURN_NUD_STALE)
		return 0;
	/* at or above gc_thresh2 forced collection reclaims: not ours */
	if (gc_entries(tbl) >= (__u32)BPF_CORE_READ(tbl, gc_thresh2))
		return 0;
	stale = stale_time(BPF_CORE_READ(n, parms));
	used = BPF_CORE_READ(n, used);
	confirmed = BPF_CORE_READ(n, confirmed);
	if (confirmed > used)
		used = confirmed;
	if (!stale || now < used || now - used < stale)
		return 0; /* not reclaimed for being stale (a flush) */
	table = neigh_key_fill(&key, tbl, dev, neigh_pkey(n));
	if (table < 0)
		return 0;
	gone.when_j = now;
	gone.idle_j = now - used;
	gone.stale_j = stale;
	bpf_map_update_elem(&stale_gone, &key, &gone, BPF_ANY);
	return 0;
}

/* A new entry: was the same neighbour reclaimed as stale a moment ago? */
static __always_inline int neigh_relearn(struct neigh_table *tbl,
					 struct net_device *dev,
					 const void *pkey)
{
	__u64 values[NEIGH_TABLE_EV_NVALUES] = {};
	__u64 now = bpf_jiffies64(), gap;
	struct neigh_key key = {};
	struct neigh_gone *gone;
	int table;

	if (!tbl || !dev || !pkey)
		return 0;
	table = neigh_key_fill(&key, tbl, dev, pkey);
	if (table < 0)
		return 0;
	gone = bpf_map_lookup_elem(&stale_gone, &key);
	if (!gone)
		return 0;
	gap = now - gone->when_j;
	if (now < gone->when_j || !gone->stale_j ||
	    gap > NEIGH_CHURN_RELEARN_WINDOW * gone->stale_j) {
		bpf_map_delete_elem(&stale_gone, &key);
		return 0;
	}
	values[NEIGH_CHURN_EV_PERIOD] = (gone->idle_j + gap) * 1000 / gone->stale_j;
	values[NEIGH_CHURN_EV_GAP_MS] = gap * 1000 / gone->stale_j; /* permille */
	bpf_map_delete_elem(&stale_gone, &key);
	values[NEIGH_CHURN_EV_FLAGS] = table;
	values[NEIGH_CHURN_EV_IFINDEX] = key.ifindex;
	values[NEIGH_CHURN_EV_DEV_NETNS] = key.netns_cookie;
	bpftune_send(key.netns_cookie, NEIGH_TABLE_RELEARN,
		     *(__u32 *)&key.addr[key.family == NEIGH_TABLE_AF_INET ? 0 : 12],
		     values, NEIGH_TABLE_EV_NVALUES);
	return 0;
}

BPFTUNE_TP_BTF(neigh_gone, neigh_cleanup_and_release, struct neighbour *n,
	       int rc)
{
	return neigh_gone(n);
}

/* a static function: taken where it is not inlined */
BPFTUNE_FENTRY(neigh_gone, neigh_cleanup_and_release, struct neighbour *n)
{
	return neigh_gone(n);
}

BPFTUNE_KPROBE(neigh_gone, neigh_cleanup_and_release, struct neighbour *n)
{
	return neigh_gone(n);
}

BPFTUNE_TP_BTF(neigh_relearn, neigh_create, struct neigh_table *tbl,
	       struct net_device *dev, const void *pkey,
	       const struct neighbour *n, bool exempt_from_gc)
{
	if (!n || exempt_from_gc)
		return 0;
	return neigh_relearn(tbl, dev, pkey);
}

/*
 * On entry, before the allocation: a refused entry counts too.  The
 * arguments come through bpf_get_func_arg(): verifiers before 6.4 refuse
 * a direct read of a "const void *" argument (pkey) in fentry programs;
 * neigh_relearn() reads through them with probe reads only.
 */
SEC("fentry/___neigh_create")
int neigh_relearn__fentry(__u64 *ctx)
{
	__u64 tbl, pkey, dev, exempt;

	if (bpf_get_func_arg(ctx, 0, &tbl) || bpf_get_func_arg(ctx, 1, &pkey) ||
	    bpf_get_func_arg(ctx, 2, &dev) || bpf_get_func_arg(ctx, 4, &exempt))
		return 0;
	if (exempt & 0xff)
		return 0;
	return neigh_relearn((struct neigh_table *)tbl, (struct net_device *)dev,
			     (const void *)pkey);
}

BPFTUNE_KPROBE(neigh_relearn, ___neigh_create, struct neigh_table *tbl,
	       const void *pkey, struct net_device *dev, u32 flags,
	       bool exempt_from_gc)
{
	return exempt_from_gc ? 0 : neigh_relearn(tbl, dev, pkey);
}

/*
 * Gratuitous ARPs (sender address == target address), counted per netns
 * and second: those that rewrite a neighbour's link-layer address, and,
 * once drop_gratuitous_arp is on, those the kernel drops.
 */
struct garp_second {
	__u64 start_ns;
	__u32 count[2]; /* enum neigh_churn_garp_kind */
	__u32 sent[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct garp_second);
} garp_seconds SEC(".maps");

/* The ARP payload as on the wire for IPv4 over Ethernet. */
struct garp_pkt {
	__be16 hrd;
	__be16 pro;
	__u8 hln;
	__u8 pln;
	__be16 op;
	__u8 sha[6];
	__u8 sip[4];
	__u8 tha[6];
	__u8 tip[4];
} __attribute__((packed));

/* True for an IPv4-over-Ethernet ARP whose sender is its target. */
static __always_inline int garp_parse(const void *arp, struct garp_pkt *p)
{
	if (bpf_probe_read_kernel(p, sizeof(*p), arp))
		return 0;
	if (p->pro != bpf_htons(NEIGH_CHURN_ETH_P_IP) || p->hln != 6 ||
	    p->pln != 4)
		return 0;
	if (p->op != bpf_htons(NEIGH_CHURN_ARPOP_REQUEST) &&
	    p->op != bpf_htons(NEIGH_CHURN_ARPOP_REPLY))
		return 0;
	return *(__u32 *)p->sip == *(__u32 *)p->tip;
}

static __always_inline int garp_count(struct net_device *dev, int kind)
{
	__u64 values[NEIGH_TABLE_EV_NVALUES] = {};
	__u64 now = bpf_ktime_get_ns(), cookie;
	struct garp_second fresh = {}, *s;
	__u32 n;

	if (kind < 0 || kind > 1)
		return 0;
	cookie = bpftune_net_cookie(BPF_CORE_READ(dev, nd_net.net));
	s = bpf_map_lookup_elem(&garp_seconds, &cookie);
	if (!s) {
		fresh.start_ns = now;
		bpf_map_update_elem(&garp_seconds, &cookie, &fresh, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&garp_seconds, &cookie);
		if (!s)
			return 0;
	}
	if (now - s->start_ns >= 1000000000ULL) {
		s->start_ns = now;
		s->count[0] = s->count[1] = 0;
		s->sent[0] = s->sent[1] = 0;
	}
	__sync_fetch_and_add(&s->count[kind], 1);
	n = s->count[kind];
	if (n < NEIGH_CHURN_STORM_PER_S || s->sent[kind])
		return 0;
	s->sent[kind] = 1;
	values[NEIGH_CHURN_EV_FLAGS] = NEIGH_TABLE_ARP;
	values[NEIGH_CHURN_EV_GARPS] = n;
	values[NEIGH_CHURN_EV_KIND] = kind;
	values[NEIGH_CHURN_EV_SECOND] = s->start_ns;
	values[NEIGH_CHURN_EV_IFINDEX] = BPF_CORE_READ(dev, ifindex);
	values[NEIGH_CHURN_EV_DEV_NETNS] = cookie;
	bpftune_send(cookie, NEIGH_TABLE_GARP_STORM, kind, values,
		     NEIGH_TABLE_EV_NVALUES);
	return 0;
}

/*
 * arp_process() passes the sender's hardware address inside the packet:
 * the ARP header lies just before it, the addresses after it.  A
 * gratuitous ARP overrides the entry whatever its locktime.
 */
static __always_inline int garp_update(struct neighbour *n, const u8 *lladdr,
				       u32 flags)
{
	struct net_device *dev;
	struct garp_pkt p;
	__u8 ha[8] = {};
	__u32 key = 0;

	if (!lladdr || !(flags & NEIGH_CHURN_UPDATE_OVERRIDE))
		return 0;
	if (BPF_CORE_READ(n, tbl, family) != NEIGH_TABLE_AF_INET)
		return 0;
	dev = BPF_CORE_READ(n, dev);
	if (!dev || BPF_CORE_READ(dev, addr_len) != 6)
		return 0;
	if (!garp_parse(lladdr - 8, &p))
		return 0;
	bpf_probe_read_kernel(&key, 4, neigh_pkey(n));
	if (key != *(__u32 *)p.sip)
		return 0;
	bpf_probe_read_kernel(ha, 6, (void *)n +
			      bpf_core_field_offset(struct neighbour, ha));
	if (!(BPF_CORE_READ(n, nud_state) & NEIGH_CHURN_NUD_VALID))
		return 0; /* nothing learned yet: not a rewrite */
	if (*(__u32 *)ha == *(__u32 *)p.sha &&
	    *(__u16 *)&ha[4] == *(__u16 *)&p.sha[4])
		return 0;
	return garp_count(dev, NEIGH_CHURN_GARP_REWRITE);
}

BPFTUNE_TP_BTF(garp_update, neigh_update, struct neighbour *n,
	       const u8 *lladdr, u8 new, u32 flags, u32 nlmsg_pid)
{
	return garp_update(n, lladdr, flags);
}

BPFTUNE_FENTRY(garp_update, __neigh_update, struct neighbour *n,
	       const u8 *lladdr, u8 new, u32 flags, u32 nlmsg_pid)
{
	return garp_update(n, lladdr, flags);
}

BPFTUNE_KPROBE(garp_update, __neigh_update, struct neighbour *n,
	       const u8 *lladdr, u8 new, u32 flags)
{
	return garp_update(n, lladdr, flags);
}

/*
 * Packets dropped: an ARP whose sender is its target.  Every drop on the
 * machine comes here, so the protocol is read first, with a plain load
 * where the tier allows one (direct).
 */
static __always_inline int garp_drop(int direct, struct sk_buff *skb)
{
	struct garp_pkt p;
	unsigned char *head;
	__u16 nh;

	if (bpftune_read(direct, skb, protocol) !=
	    bpf_htons(NEIGH_CHURN_ETH_P_ARP))
		return 0;
	head = BPF_CORE_READ(skb, head);
	nh = BPF_CORE_READ(skb, network_header);
	if (!head || !garp_parse(head + nh, &p))
		return 0;
	return garp_count(BPF_CORE_READ(skb, dev), NEIGH_CHURN_GARP_DROPPED);
}

BPFTUNE_TP_BTF(garp_drop, kfree_skb, struct sk_buff *skb, void *location,
	       enum skb_drop_reason reason)
{
	return garp_drop(1, skb);
}

BPFTUNE_FENTRY(garp_drop, sk_skb_reason_drop, struct sock *sk,
	       struct sk_buff *skb, enum skb_drop_reason reason)
{
	return garp_drop(1, skb);
}

BPFTUNE_KPROBE(garp_drop, sk_skb_reason_drop, struct sock *sk,
	       struct sk_buff *skb, enum skb_drop_reason reason)
{
	return garp_drop(0, skb);
}
