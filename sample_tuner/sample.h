/* SPDX-License-Identifier: GPL-2.0 */
/* sample: what sample.bpf.c (kernel side) and sample.c (user side) share. */
#ifndef SAMPLE_H
#define SAMPLE_H

/* Scenarios: what the BPF side saw.  Numbers index scenarios[] in sample.c. */
enum sample_scenario {
	SAMPLE_TW_NEARLY_FULL,
	SAMPLE_SCENARIOS,
};

/* Tunables: indexes into tunables[] in sample.c. */
enum sample_tunable {
	SAMPLE_MAX_TW_BUCKETS,
	SAMPLE_TUNABLES,
};

/* The event's values[]. */
#define SAMPLE_EV_TW 0	/* TIME_WAIT sockets in the namespace */
#define SAMPLE_EV_MAX 1 /* net.ipv4.tcp_max_tw_buckets as the kernel saw it */

#endif
