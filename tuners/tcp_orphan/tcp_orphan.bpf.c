// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_orphan, kernel side.
 *
 * When a socket is closed (or an orphan's timer fires) while there are
 * more orphans than tcp_max_orphans, or TCP is out of memory
 * (tcp_check_oom), the kernel resets the connection with the reason
 * TCP_ABORT_ON_MEMORY (Linux 6.10+; "too many orphaned sockets" in the
 * kernel log).  We report those resets, and only those: user space tells
 * orphans from memory (the orphan count is a per-CPU sum the kernel
 * caches, not worth reading here).
 */
#include <bpftune/bpftune.bpf.h>
#include "tcp_orphan.h"

static __always_inline int orphan_report(struct sock *sk)
{
	if (sk)
		bpftune_send(bpftune_sk_netns_cookie(sk), TCP_ORPHAN_TOO_MANY,
			     0, NULL, 0);
	return 0;
}

/*
 * The tracepoint and kprobe variants need the reason (6.10+).  Without
 * it they still load (the test below is then constant), and the user
 * side turns the hook off at those tiers (tcp_orphan.c) instead of
 * attaching a program that could never fire.
 */
static __always_inline int orphan_reset(struct sock *sk, __u32 reason)
{
	if (!bpf_core_enum_value_exists(enum sk_rst_reason,
					SK_RST_REASON_TCP_ABORT_ON_MEMORY) ||
	    reason != bpf_core_enum_value(enum sk_rst_reason,
					  SK_RST_REASON_TCP_ABORT_ON_MEMORY))
		return 0;
	return orphan_report(sk);
}

/* the tracepoint fires for every reset we send; the reason comes first */
BPFTUNE_TP_BTF(orphan_reset, tcp_send_reset, struct sock *sk,
	       struct sk_buff *skb, enum sk_rst_reason reason)
{
	return orphan_reset(sk, reason);
}

/*
 * A kprobe has no argument count: a reason is a small number and a gfp
 * mask never is (GFP_ATOMIC is 0x820), so the second argument is the
 * reason when it is small (6.18+), and the third otherwise (6.10-6.17).
 */
SEC("kprobe/tcp_send_active_reset")
int BPF_KPROBE(orphan_reset__kprobe, struct sock *sk, __u64 second,
	       __u64 third)
{
	return orphan_reset(sk, (__u32)(second < 0x100 ? second : third));
}

/*
 * With fentry/fexit, every kernel: the kernel resets a closing socket or
 * an orphan for too many orphans or for memory exactly when
 * tcp_check_oom() says true (before 6.10 resets carry no reason at all).
 */
SEC("fexit/tcp_check_oom")
int BPF_PROG(orphan_reset__fentry, struct sock *sk, int shift, bool ret)
{
	return ret ? orphan_report(sk) : 0;
}
