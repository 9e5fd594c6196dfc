// SPDX-License-Identifier: GPL-2.0
/*
 * Test tool, kernel side: drop a fixed fraction of the packets that reach
 * a device's ingress.  Attached as a tc cls_bpf direct-action program by
 * tests/tools/loss.c.  Dropping at the receiver's ingress (not the sender's
 * egress) matters: a drop on the sender's egress is reported back to TCP,
 * which just resends at once without treating it as congestion.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define LOSS_PPM_ONE 1000000U

/* Drop probability in parts per million, set by the loader. */
const volatile __u32 loss_ppm;

/* Counters for the loader's exit report (approximate under contention). */
__u64 seen_packets;
__u64 dropped_packets;

SEC("tc")
int loss_ingress(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&seen_packets, 1);
	if (bpf_get_prandom_u32() % LOSS_PPM_ONE >= loss_ppm)
		return TC_ACT_OK;
	__sync_fetch_and_add(&dropped_packets, 1);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
