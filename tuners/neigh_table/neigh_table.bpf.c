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
