/* SPDX-License-Identifier: GPL-2.0 */
/* sysctl: definitions shared by sysctl.bpf.c and sysctl.c */
#ifndef SYSCTL_TUNER_H
#define SYSCTL_TUNER_H

#define SYSCTL_COMM_LEN 16
#define SYSCTL_EXITED_MAX 4096 /* power of two */

/*
 * A slot of the exited_comm array: the last process to exit whose tgid
 * maps to it (tgid % SYSCTL_EXITED_MAX).  Pids are handed out in order, so
 * a slot is overwritten only after SYSCTL_EXITED_MAX more pids were used.
 */
struct sysctl_comm {
	__u32 tgid;
	char comm[SYSCTL_COMM_LEN];
};

static inline __u32 sysctl_exited_slot(__u32 tgid)
{
	return tgid & (SYSCTL_EXITED_MAX - 1);
}

#endif
