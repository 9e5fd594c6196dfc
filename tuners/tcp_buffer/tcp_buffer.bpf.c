// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer, kernel side: report sockets whose receive or send buffer has
 * grown to within the learning rate's margin of tcp_rmem[2] / tcp_wmem[2]
 * in their namespace.  Sockets whose owner fixed the size (SO_RCVBUF /
 * SO_SNDBUF) are not autotuned by the kernel and are ignored.
 */
#include <bpftune/bpftune.bpf.h>
#include "tcp_buffer.h"

static __always_inline int report(struct sock *sk, __u32 scenario,
				  __u64 buf, __u64 limit)
{
	__u64 values[2] = { buf, limit };

	if (!bpftune_nearly_full(buf, limit, bpftune_learning_rate))
		return 0;
	bpftune_send(bpftune_sk_netns_cookie(sk), scenario, 0, values, 2);
	return 0;
}

static __always_inline int rmem_check(struct sock *sk)
{
	struct net *net = bpftune_sk_net(sk);

	if (!net || (bpftune_sk_userlocks(sk) & TCP_BUFFER_RCVBUF_LOCK))
		return 0;
	return report(sk, TCP_BUFFER_RMEM_NEARLY_FULL,
		      BPF_CORE_READ(sk, sk_rcvbuf),
		      BPF_CORE_READ(net, ipv4.sysctl_tcp_rmem[2]));
}

static __always_inline int wmem_check(struct sock *sk)
{
	struct net *net = bpftune_sk_net(sk);

	if (!net || (bpftune_sk_userlocks(sk) & TCP_BUFFER_SNDBUF_LOCK))
		return 0;
	return report(sk, TCP_BUFFER_WMEM_NEARLY_FULL,
		      BPF_CORE_READ(sk, sk_sndbuf),
		      BPF_CORE_READ(net, ipv4.sysctl_tcp_wmem[2]));
}

/* Receive side: the kernel considers growing sk_rcvbuf here. */
BPFTUNE_HOOK1(rmem_check, tcp_rcv_space_adjust, tcp_rcv_space_adjust,
	      struct sock *, sk)

/*
 * Send side: tcp_sndbuf_expand() grows sk_sndbuf; it has no tracepoint
 * twin, so the tracepoint tier looks when the application sends, which is
 * when a full send buffer matters.
 */
BPFTUNE_FENTRY(wmem_check, tcp_sndbuf_expand, struct sock *sk)
{
	return wmem_check(sk);
}

BPFTUNE_TP_BTF(wmem_check, tcp_sendmsg_locked, struct sock *sk, void *msg,
	       void *skb, int size_goal)
{
	return wmem_check(sk);
}

BPFTUNE_KPROBE(wmem_check, tcp_sndbuf_expand, struct sock *sk)
{
	return wmem_check(sk);
}
