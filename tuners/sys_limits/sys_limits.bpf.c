// SPDX-License-Identifier: GPL-2.0
/*
 * sys_limits, kernel side: on every new task, compare the number of pids
 * allocated in the initial pid namespace with a threshold user space
 * keeps at the lower "nearly full" point of kernel.threads-max and
 * kernel.pid_max.  Fork is already expensive; this adds a few loads
 * (plain loads on the fentry and tracepoint tiers, probe reads only on
 * the kprobe tier).
 */
#include <bpftune/bpftune.bpf.h>
#include "sys_limits.h"

/* written by user space through the skeleton's .data */
__u64 task_threshold = ~0ULL;

static __always_inline int task_check(int direct, struct task_struct *task)
{
	struct pid_namespace *ns;
	struct pid *pid;
	__u64 allocated;
	__u64 values[1];

	pid = bpftune_read(direct, task, thread_pid);
	if (!pid)
		return 0;
	ns = bpftune_read(direct, pid, numbers[0].ns);
	if (!ns)
		return 0;
	allocated = bpftune_read(direct, ns, pid_allocated) &
		    ~SYS_LIMITS_PIDNS_ADDING;
	if (allocated < task_threshold)
		return 0;
	values[0] = allocated;
	bpftune_send(0, SYS_LIMITS_TASKS_NEAR_THREADS_MAX, 0, values, 1);
	return 0;
}

BPFTUNE_FENTRY(task_check, wake_up_new_task, struct task_struct *p)
{
	return task_check(1, p);
}

BPFTUNE_TP_BTF(task_check, task_newtask, struct task_struct *task,
	       __u64 clone_flags)
{
	return task_check(1, task);
}

BPFTUNE_KPROBE(task_check, wake_up_new_task, struct task_struct *p)
{
	return task_check(0, p);
}
