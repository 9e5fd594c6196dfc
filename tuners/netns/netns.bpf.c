// SPDX-License-Identifier: GPL-2.0
/*
 * netns, kernel side: there is no event for "a network namespace was
 * created".  Hooks on the unshare/clone/setns syscalls would cost every
 * syscall on the machine (one syscall tracepoint puts all tasks on the
 * traced syscall path), so two process events stand in, each gated with
 * a few loads before anything else happens:
 *  - a new task whose clone flags hold CLONE_NEWNET (clone, clone3);
 *  - a new task or an exec whose network namespace differs from its
 *    parent's: the usual next step after unshare(CLONE_NEWNET) or
 *    setns() ("unshare -n cmd", "ip netns exec", "nsenter").
 * User space rescans shortly after; the ring buffer's rate limit (25 ms
 * per kind) keeps a storm of them from flooding it.  A namespace made
 * with none of these (unshare() and no exec or fork) waits for the
 * periodic rescan.
 */
#include <bpftune/bpftune.bpf.h>
#include "netns.h"

static __always_inline int report(__u32 kind, __u64 flags)
{
	__u64 values[2] = { kind, flags };
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	/* the daemon itself enters namespaces for every sysctl it touches */
	if (tgid == bpftune_daemon_pid)
		return 0;
	bpftune_send(0, NETNS_MAYBE_NEW, kind, values, 2);
	return 0;
}

static __always_inline struct net *task_net(int direct, struct task_struct *t)
{
	struct nsproxy *ns = bpftune_read(direct, t, nsproxy);

	if (!ns)
		return NULL;
	return bpftune_read(direct, ns, net_ns);
}

/* t runs in another namespace than its parent: it unshared or entered */
static __always_inline int moved(int direct, struct task_struct *t)
{
	struct task_struct *parent = bpftune_read(direct, t, real_parent);
	struct net *net = task_net(direct, t);

	return net && parent && net != task_net(direct, parent);
}

static __always_inline struct task_struct *current_task(int direct)
{
	if (direct)
		return bpf_get_current_task_btf();
	return (struct task_struct *)bpf_get_current_task();
}

static __always_inline int netns_clone(int direct, __u64 flags)
{
	if (flags & NETNS_CLONE_NEWNET)
		return report(NETNS_SYS_CLONE, flags);
	/* a fork after unshare(): the forking task is the one that moved */
	if (moved(direct, current_task(direct)))
		return report(NETNS_SYS_UNSHARE, flags);
	return 0;
}

static __always_inline int netns_exec(int direct, struct task_struct *task)
{
	if (moved(direct, task))
		return report(NETNS_SYS_EXEC, 0);
	return 0;
}

/* kernel_clone() serves clone, clone3, fork and vfork. */
BPFTUNE_FENTRY(netns_clone, kernel_clone, struct kernel_clone_args *args)
{
	return netns_clone(1, args->flags);
}

BPFTUNE_TP_BTF(netns_clone, task_newtask, struct task_struct *task,
	       __u64 clone_flags)
{
	return netns_clone(1, clone_flags);
}

BPFTUNE_KPROBE(netns_clone, kernel_clone, struct kernel_clone_args *args)
{
	return netns_clone(0, BPF_CORE_READ(args, flags));
}

/* begin_new_exec() runs in the exec'ing task; the tracepoint once done */
BPFTUNE_FENTRY(netns_exec, begin_new_exec, struct linux_binprm *bprm)
{
	return netns_exec(1, bpf_get_current_task_btf());
}

BPFTUNE_TP_BTF(netns_exec, sched_process_exec, struct task_struct *task,
	       pid_t old_pid, struct linux_binprm *bprm)
{
	return netns_exec(1, task);
}

BPFTUNE_KPROBE(netns_exec, begin_new_exec, struct linux_binprm *bprm)
{
	return netns_exec(0, current_task(0));
}
