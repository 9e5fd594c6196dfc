// SPDX-License-Identifier: GPL-2.0
/*
 * Test tool: make every fragmented IPv4 datagram incomplete.  Attached as
 * a tc ingress filter (direct-action), it drops the last fragment of each
 * datagram (more-fragments clear, offset not zero) and lets everything
 * else through, so the receiver holds the other fragments until
 * ipfrag_time expires: reassembly memory fills and every reassembly fails.
 *
 *	tc qdisc add dev eth0 clsact
 *	tc filter add dev eth0 ingress bpf da obj frag_drop_last.bpf.o sec tc
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define ETH_P_IP 0x0800
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

SEC("tc")
int frag_drop_last(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	__u16 frag;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	frag = bpf_ntohs(ip->frag_off);
	if (!(frag & IP_MF) && (frag & IP_OFFSET))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
