// SPDX-License-Identifier: GPL-2.0
/*
 * netns, kernel side: there is no event for "a network namespace was
 * created", so report the syscalls that can create one (unshare, clone,
 * clone3 with CLONE_NEWNET) or make one reachable under /proc/<pid>/ns/net
 * (setns).  User space rescans shortly after; the ring buffer's rate limit
 * (25 ms per kind) keeps a storm of unshare() calls from flooding it.
 */
#include <bpftune/bpftune.bpf.h>
#include "netns.h"

static __always_inline int report(__u32 syscall, __u64 flags)
{
	__u64 values[2] = { syscall, flags };
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	/* the daemon itself enters namespaces for every sysctl it touches */
	if (tgid == bpftune_daemon_pid)
		return 0;
	bpftune_send(0, NETNS_MAYBE_NEW, syscall, values, 2);
	return 0;
}

static __always_inline int netns_unshare(__u64 flags)
{
	if (!(flags & NETNS_CLONE_NEWNET))
		return 0;
	return report(NETNS_SYS_UNSHARE, flags);
}

static __always_inline int netns_clone(__u64 flags)
{
	if (!(flags & NETNS_CLONE_NEWNET))
		return 0;
	return report(NETNS_SYS_CLONE, flags);
}

/* ksys_unshare() is what unshare(2) calls. */
BPFTUNE_FENTRY(netns_unshare, ksys_unshare, unsigned long flags)
{
	return netns_unshare(flags);
}

SEC("tracepoint/syscalls/sys_enter_unshare")
int netns_unshare__tp(struct trace_event_raw_sys_enter *ctx)
{
	return netns_unshare(ctx->args[0]);
}

BPFTUNE_KPROBE(netns_unshare, ksys_unshare, unsigned long flags)
{
	return netns_unshare(flags);
}

/* kernel_clone() serves clone, clone3, fork and vfork. */
BPFTUNE_FENTRY(netns_clone, kernel_clone, struct kernel_clone_args *args)
{
	return netns_clone(BPF_CORE_READ(args, flags));
}

SEC("tracepoint/syscalls/sys_enter_clone")
int netns_clone__tp(struct trace_event_raw_sys_enter *ctx)
{
	return netns_clone(ctx->args[0]);
}

BPFTUNE_KPROBE(netns_clone, kernel_clone, struct kernel_clone_args *args)
{
	return netns_clone(BPF_CORE_READ(args, flags));
}

/* clone3 passes its flags in a user-space struct clone_args. */
SEC("tracepoint/syscalls/sys_enter_clone3")
int netns_clone3__tp(struct trace_event_raw_sys_enter *ctx)
{
	struct clone_args *uargs = (struct clone_args *)ctx->args[0];
	__u64 flags = 0;

	if (bpf_probe_read_user(&flags, sizeof(flags), &uargs->flags))
		return 0;
	if (!(flags & NETNS_CLONE_NEWNET))
		return 0;
	return report(NETNS_SYS_CLONE3, flags);
}

/* setns(fd, 0 or CLONE_NEWNET) can make a namespace that was only held by
 * an fd visible under /proc/<pid>/ns/net. */
SEC("tracepoint/syscalls/sys_enter_setns")
int netns_setns__tp(struct trace_event_raw_sys_enter *ctx)
{
	__u64 nstype = ctx->args[1];

	if (nstype && !(nstype & NETNS_CLONE_NEWNET))
		return 0;
	return report(NETNS_SYS_SETNS, nstype);
}
