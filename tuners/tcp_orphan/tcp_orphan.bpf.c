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

static __always_inline int orphan_reset(struct sock *sk, __u32 reason)
{
	if (!bpf_core_enum_value_exists(enum sk_rst_reason,
					SK_RST_REASON_TCP_ABORT_ON_MEMORY) ||
	    reason != bpf_core_enum_value(enum sk_rst_reason,
					  SK_RST_REASON_TCP_ABORT_ON_MEMORY) ||
	    !sk)
		return 0;
	bpftune_send(bpftune_sk_netns_cookie(sk), TCP_ORPHAN_TOO_MANY, 0, NULL,
		     0);
	return 0;
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
