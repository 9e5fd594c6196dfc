// SPDX-License-Identifier: GPL-2.0
/*
 * sample, kernel side: report a network namespace whose TIME_WAIT sockets
 * come within the learning rate's margin of net.ipv4.tcp_max_tw_buckets.
 *
 * Beyond that limit the kernel logs "time wait bucket table overflow" and
 * closes connections without TIME_WAIT, so a late segment of an old
 * connection can be taken for data of a new one with the same ports.
 */
#include <bpftune/bpftune.bpf.h>
#include "sample.h"

/* The hook's logic, written once; the tier variants below only call it. */
static __always_inline int tw_check(struct sock *sk)
{
	struct net *net = bpftune_sk_net(sk);
	__u64 values[2];
	int refs;

	if (!net)
		return 0;
	/* tw_refcount is the number of TIME_WAIT sockets plus one (see
	 * inet_twsk_alloc()); the death row is part of struct netns_ipv4
	 * since Linux 6.1. */
	refs = BPF_CORE_READ(net, ipv4.tcp_death_row.tw_refcount.refs.counter);
	values[SAMPLE_EV_TW] = refs > 1 ? refs - 1 : 0;
	values[SAMPLE_EV_MAX] =
		BPF_CORE_READ(net, ipv4.tcp_death_row.sysctl_max_tw_buckets);
	if (!bpftune_nearly_full(values[SAMPLE_EV_TW], values[SAMPLE_EV_MAX],
				 bpftune_learning_rate))
		return 0;
	/* bpftune_send() rate-limits: one event per netns every 25 ms. */
	bpftune_send(bpftune_net_cookie(net), SAMPLE_TW_NEARLY_FULL, 0, values,
		     2);
	return 0;
}

/* fentry tier: tcp_time_wait() turns a closing socket into TIME_WAIT. */
BPFTUNE_FENTRY(tw_check, tcp_time_wait, struct sock *sk, int state, int timeo)
{
	return tw_check(sk);
}

/*
 * tracepoint tier: tcp_time_wait() has no tracepoint.  Nearby:
 * inet_sock_set_state fires when tcp_time_wait() ends with tcp_done(),
 * which moves the socket to TCP_CLOSE.  It fires on every state change of
 * every TCP socket, so the cheap tests come first.
 */
BPFTUNE_TP_BTF(tw_check, inet_sock_set_state, struct sock *sk, int oldstate,
	       int newstate)
{
	if (newstate != TCP_CLOSE ||
	    BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	return tw_check(sk);
}

/* kprobe tier: the same function as fentry, for older kernels. */
BPFTUNE_KPROBE(tw_check, tcp_time_wait, struct sock *sk, int state, int timeo)
{
	return tw_check(sk);
}
