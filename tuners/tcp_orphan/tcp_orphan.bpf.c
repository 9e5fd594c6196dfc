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
 * The reason's enum is not tested for: on a kernel without it (before
 * 6.10) its relocation fails, the variant does not load, and the hook
 * falls to the next one (tcp_check_oom() below) instead of loading a
 * variant that never fires.
 */
static __always_inline int orphan_reset(struct sock *sk, __u32 reason)
{
	if (reason != bpf_core_enum_value(enum sk_rst_reason,
					  SK_RST_REASON_TCP_ABORT_ON_MEMORY))
		return 0;
	return orphan_report(sk);
}

/* tcp_send_active_reset(sk, reason) as of 6.18 (before: sk, gfp, reason) */
BPFTUNE_FENTRY(orphan_reset, tcp_send_active_reset, struct sock *sk,
	       enum sk_rst_reason reason)
{
	return orphan_reset(sk, reason);
}

/* the tracepoint fires for every reset we send; the reason comes first */
BPFTUNE_TP_BTF(orphan_reset, tcp_send_reset, struct sock *sk,
	       struct sk_buff *skb, enum sk_rst_reason reason)
{
	return orphan_reset(sk, reason);
}

BPFTUNE_KPROBE(orphan_reset, tcp_send_active_reset, struct sock *sk,
	       enum sk_rst_reason reason)
{
	return orphan_reset(sk, reason);
}

/*
 * Before 6.10 resets have no reason: the kernel resets a closing socket
 * or an orphan for too many orphans or for memory when tcp_check_oom()
 * says true, so that is what we watch there.  fexit only: a kprobe does
 * not see the result together with the socket.
 */
SEC("fexit/tcp_check_oom")
int BPF_PROG(orphan_reset__fentry_pre610, struct sock *sk, int shift, bool ret)
{
	return ret ? orphan_report(sk) : 0;
}
