// SPDX-License-Identifier: GPL-2.0
/*
 * udp_buffer, kernel side: report UDP datagrams dropped because the
 * receiving socket's buffer was full (-ENOMEM) or UDP memory as a whole
 * was exhausted (-ENOBUFS), with the socket's buffer size and whether its
 * owner fixed that size with SO_RCVBUF.
 */
#include <bpftune/bpftune.bpf.h>
#include "udp_buffer.h"

static __always_inline int udp_drop(struct sock *sk, int err)
{
	__u64 values[3];
	__u32 scenario, locked;

	if (!sk)
		return 0;
	if (err == -UDP_BUFFER_ENOMEM)
		scenario = UDP_BUFFER_RCVBUF_FULL;
	else if (err == -UDP_BUFFER_ENOBUFS)
		scenario = UDP_BUFFER_MEM_EXHAUSTED;
	else
		return 0;
	locked = !!(bpftune_sk_userlocks(sk) & UDP_BUFFER_RCVBUF_LOCK);
	values[UDP_BUFFER_EV_RCVBUF] = BPF_CORE_READ(sk, sk_rcvbuf);
	values[UDP_BUFFER_EV_LOCKED] = locked;
	values[UDP_BUFFER_EV_RMEM] = BPF_CORE_READ(sk, sk_backlog.rmem_alloc.counter);
	/* locked and unlocked sockets lead to different rules: keep both */
	bpftune_send(bpftune_sk_netns_cookie(sk), scenario, locked, values, 3);
	return 0;
}

/*
 * Every UDP receive drop goes through sk_skb_reason_drop() and the
 * kfree_skb tracepoint with the receiving socket (rx_sk, 6.11+) and a
 * reason: SOCKET_RCVBUFF for a full buffer, PROTO_MEM for udp_mem.  The
 * udp_fail_queue_rcv_skb tracepoint is not enough: since 6.18 drops for
 * udp_mem happen inside __udp_enqueue_schedule_skb() without it.
 */
static __always_inline int udp_reason_drop(struct sock *sk, __u32 reason)
{
	int err;

	/* the reason first: most drops have another and need no read */
	if (reason == bpf_core_enum_value(enum skb_drop_reason,
					  SKB_DROP_REASON_SOCKET_RCVBUFF))
		err = -UDP_BUFFER_ENOMEM;
	else if (reason == bpf_core_enum_value(enum skb_drop_reason,
					       SKB_DROP_REASON_PROTO_MEM))
		err = -UDP_BUFFER_ENOBUFS;
	else
		return 0;
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	return udp_drop(sk, err);
}

BPFTUNE_FENTRY(udp_drop, sk_skb_reason_drop, struct sock *sk,
	       struct sk_buff *skb, enum skb_drop_reason reason)
{
	return udp_reason_drop(sk, reason);
}

BPFTUNE_TP_BTF(udp_drop, kfree_skb, struct sk_buff *skb, void *location,
	       enum skb_drop_reason reason, struct sock *rx_sk)
{
	return udp_reason_drop(rx_sk, reason);
}

BPFTUNE_KPROBE(udp_drop, sk_skb_reason_drop, struct sock *sk,
	       struct sk_buff *skb, enum skb_drop_reason reason)
{
	return udp_reason_drop(sk, reason);
}

/*
 * Before 6.11 kfree_skb has no rx_sk, so udp_drop__tp cannot load; the
 * user side then loads this one instead: the tracepoint reports a failed
 * queueing on a UDP socket with its error (-ENOMEM, -ENOBUFS).
 */
SEC("tp_btf/udp_fail_queue_rcv_skb")
int BPF_PROG(udp_fail_legacy, int rc, struct sock *sk)
{
	return udp_drop(sk, rc);
}
