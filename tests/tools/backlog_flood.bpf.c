// SPDX-License-Identifier: GPL-2.0
/*
 * Test tool: overflow a CPU's input backlog without touching
 * net.core.netdev_max_backlog.  Attached as a tc ingress filter
 * (direct-action) on a veth, it re-injects COPIES clones of every packet
 * into the same device's ingress.  Clones go through the per-CPU backlog
 * (netif_rx).  COPIES is above the default netdev_max_backlog (1000), so
 * each packet overflows the backlog, until netdev_max_backlog is raised
 * past about COPIES: a test can see drops stop once the limit is right.
 * Clones carry FLOOD_MARK and pass untouched when they come back through
 * this filter.  Keep the packet rate low (a few hundred per second).
 *
 *	tc qdisc add dev eth0 clsact
 *	tc filter add dev eth0 ingress bpf da obj backlog_flood.bpf.o sec tc
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0
#define FLOOD_MARK 0xb10cf100
#define COPIES 2048

SEC("tc")
int backlog_flood(struct __sk_buff *skb)
{
	int i;

	if (skb->mark == FLOOD_MARK)
		return TC_ACT_OK;
	skb->mark = FLOOD_MARK;
	for (i = 0; i < COPIES; i++)
		bpf_clone_redirect(skb, skb->ifindex, BPF_F_INGRESS);
	/* the original goes on as well, marked like its clones */
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
