/* SPDX-License-Identifier: GPL-2.0 */
/* netns: definitions shared by netns.bpf.c and netns.c */
#ifndef NETNS_TUNER_H
#define NETNS_TUNER_H

/* from include/uapi/linux/sched.h; a macro, so not in vmlinux.h */
#define NETNS_CLONE_NEWNET 0x40000000

enum netns_scenario {
	NETNS_MAYBE_NEW, /* a task that may have made or entered a namespace */
	NETNS_SCENARIOS,
};

/* event values[] */
#define NETNS_EV_SYSCALL 0 /* enum netns_syscall: what the task did */
#define NETNS_EV_FLAGS 1

enum netns_syscall {
	NETNS_SYS_UNSHARE,
	NETNS_SYS_CLONE,
	NETNS_SYS_CLONE3,
	NETNS_SYS_SETNS,
	NETNS_SYS_EXEC,	/* exec in another namespace than its parent's */
};

#endif
