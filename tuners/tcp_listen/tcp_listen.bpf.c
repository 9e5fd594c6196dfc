// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_listen, kernel side.
 *
 * A listener has two queues: half-open requests (the SYN queue, qlen) and
 * connections waiting for accept() (sk_ack_backlog), both limited by its
 * backlog (sk_max_ack_backlog = min(listen() backlog, somaxconn)); without
 * SYN cookies, requests are also limited by tcp_max_syn_backlog.  A SYN
 * that finds them full is dropped without a trace (the skb is consumed,
 * not freed with a drop reason), so we look where the trouble shows:
 *  - a SYN-ACK retransmission (tcp_retransmit_synack): requests that wait
 *    for the handshake's last ACK; a flood of SYNs from addresses that
 *    never answer is made of them, and a healthy listener has few;
 *  - a handshake's last ACK dropped because the accept queue is full
 *    (kfree_skb reason TCP_LISTEN_OVERFLOW, Linux 6.15+).
 * Both are rare on a healthy host; the queues are compared there only.
 */
#include <bpftune/bpftune.bpf.h>
#include "tcp_listen.h"

/* half-open requests a listener holds without SYN cookies */
static __always_inline __u64 syn_queue_limit(__u64 max_ack, __u64 syn_backlog)
{
	__u64 limit = tcp_listen_syn_limit(syn_backlog);

	return limit < max_ack ? limit : max_ack;
}

static __always_inline int listen_check(struct sock *sk, int overflow)
{
	struct inet_connection_sock *icsk = (struct inet_connection_sock *)sk;
	struct net *net = bpftune_sk_net(sk);
	__u32 rate = bpftune_learning_rate;
	__u64 values[BPFTUNE_EVENT_VALUES], cookie, limit, syncookies;

	if (!net)
		return 0;
	values[TCP_LISTEN_EV_QLEN] =
		(__u32)BPF_CORE_READ(icsk, icsk_accept_queue.qlen.counter);
	values[TCP_LISTEN_EV_MAX_ACK] = BPF_CORE_READ(sk, sk_max_ack_backlog);
	values[TCP_LISTEN_EV_ACK] = BPF_CORE_READ(sk, sk_ack_backlog);
	values[TCP_LISTEN_EV_SYN_BACKLOG] =
		(__u32)BPF_CORE_READ(net, ipv4.sysctl_max_syn_backlog);
	values[TCP_LISTEN_EV_SOMAXCONN] =
		(__u32)BPF_CORE_READ(net, core.sysctl_somaxconn);
	values[TCP_LISTEN_EV_SYNCOOKIES] =
		BPF_CORE_READ(net, ipv4.sysctl_tcp_syncookies);
	cookie = bpftune_net_cookie(net);
	/* the application's backlog was cut to somaxconn, and is full */
	if ((overflow || bpftune_nearly_full(values[TCP_LISTEN_EV_ACK],
					     values[TCP_LISTEN_EV_MAX_ACK],
					     rate)) &&
	    values[TCP_LISTEN_EV_MAX_ACK] >= values[TCP_LISTEN_EV_SOMAXCONN])
		bpftune_send(cookie, TCP_LISTEN_ACCEPT_QUEUE_FULL, 0, values,
			     BPFTUNE_EVENT_VALUES);
	/*
	 * Without cookies (0), a full SYN queue drops SYNs; with cookies on
	 * (1) it answers them with cookies: still reported, so that user
	 * space knows the flood goes on (2, always cookies: nothing to do).
	 */
	syncookies = values[TCP_LISTEN_EV_SYNCOOKIES];
	if (syncookies > 1)
		return 0;
	limit = values[TCP_LISTEN_EV_MAX_ACK];
	if (!syncookies)
		limit = syn_queue_limit(limit,
					values[TCP_LISTEN_EV_SYN_BACKLOG]);
	if (bpftune_nearly_full(values[TCP_LISTEN_EV_QLEN], limit, rate))
		bpftune_send(cookie, TCP_LISTEN_SYN_QUEUE_FULL, 0, values,
			     BPFTUNE_EVENT_VALUES);
	return 0;
}

static __always_inline int synack_rtx(struct sock *sk)
{
	return listen_check(sk, 0);
}

BPFTUNE_FENTRY(synack_rtx, tcp_rtx_synack, struct sock *sk,
	       struct request_sock *req)
{
	return synack_rtx(sk);
}

BPFTUNE_TP_BTF(synack_rtx, tcp_retransmit_synack, struct sock *sk,
	       struct request_sock *req)
{
	return synack_rtx(sk);
}

BPFTUNE_KPROBE(synack_rtx, tcp_rtx_synack, struct sock *sk,
	       struct request_sock *req)
{
	return synack_rtx(sk);
}

/*
 * The last ACK of a handshake that found the accept queue full.  The
 * reason is new in 6.15: on older kernels it never matches (and the
 * SYN-ACK retransmissions of those requests still show the full queue).
 */
static __always_inline int listen_drop(struct sock *sk, __u32 reason)
{
	if (!bpf_core_enum_value_exists(enum skb_drop_reason,
					SKB_DROP_REASON_TCP_LISTEN_OVERFLOW) ||
	    reason != bpf_core_enum_value(enum skb_drop_reason,
					  SKB_DROP_REASON_TCP_LISTEN_OVERFLOW) ||
	    !sk)
		return 0;
	return listen_check(sk, 1);
}

BPFTUNE_FENTRY(listen_drop, sk_skb_reason_drop, struct sock *sk,
	       struct sk_buff *skb, enum skb_drop_reason reason)
{
	return listen_drop(sk, reason);
}

/* the drop's socket (rx_sk) is the tracepoint's 4th argument since 6.12 */
BPFTUNE_TP_BTF(listen_drop, kfree_skb, struct sk_buff *skb, void *location,
	       enum skb_drop_reason reason, struct sock *rx_sk)
{
	return listen_drop(rx_sk, reason);
}

BPFTUNE_KPROBE(listen_drop, sk_skb_reason_drop, struct sock *sk,
	       struct sk_buff *skb, enum skb_drop_reason reason)
{
	return listen_drop(sk, reason);
}
