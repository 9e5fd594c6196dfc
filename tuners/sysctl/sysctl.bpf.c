// SPDX-License-Identifier: GPL-2.0
/*
 * sysctl, kernel side: remember the command name of processes as they
 * exit.  "sysctl -w" has usually exited by the time the daemon reads the
 * fanotify event of its write, and /proc/<pid>/comm is gone with it; the
 * log line should still say who it was.  The map is a direct-mapped
 * array (sysctl.h): an exit costs one array slot write, no hash or LRU
 * bookkeeping, and memory stays bounded.
 */
#include <bpftune/bpftune.bpf.h>
#include "sysctl.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYSCTL_EXITED_MAX);
	__type(key, __u32);
	__type(value, struct sysctl_comm);
} exited_comm SEC(".maps");

static __always_inline int exit_note(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, slot = sysctl_exited_slot(tgid);
	struct sysctl_comm *value;

	/* fanotify reports the thread group; note it once, as it ends */
	if ((__u32)id != tgid)
		return 0;
	value = bpf_map_lookup_elem(&exited_comm, &slot);
	if (!value)
		return 0;
	value->tgid = tgid;
	bpf_get_current_comm(value->comm, sizeof(value->comm));
	return 0;
}

BPFTUNE_FENTRY(exit_note, do_exit, long code)
{
	return exit_note();
}

/* raw (tp_btf): no trace record is formatted for the program */
BPFTUNE_TP_BTF(exit_note, sched_process_exit, struct task_struct *p)
{
	return exit_note();
}

BPFTUNE_KPROBE(exit_note, do_exit, long code)
{
	return exit_note();
}
