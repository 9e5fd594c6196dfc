// SPDX-License-Identifier: GPL-2.0
/* Tiny programs that tell which attach tiers this kernel allows. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 probe_hits;

SEC("fentry/tcp_close")
int BPF_PROG(probe_fentry)
{
	probe_hits++;
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(probe_tp)
{
	probe_hits++;
	return 0;
}

SEC("kprobe/tcp_close")
int BPF_KPROBE(probe_kprobe)
{
	probe_hits++;
	return 0;
}

SEC("sockops")
int probe_netns_cookie(struct bpf_sock_ops *ops)
{
	probe_hits += bpf_get_netns_cookie(ops) != 0;
	return 1;
}
