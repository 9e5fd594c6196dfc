/* SPDX-License-Identifier: GPL-2.0 */
/* sysctl: definitions shared by sysctl.bpf.c and sysctl.c */
#ifndef SYSCTL_TUNER_H
#define SYSCTL_TUNER_H

#define SYSCTL_COMM_LEN 16
#define SYSCTL_EXITED_MAX 4096

/* value of the exited_comm map, keyed by tgid */
struct sysctl_comm {
	char comm[SYSCTL_COMM_LEN];
};

#endif
