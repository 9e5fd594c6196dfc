/* SPDX-License-Identifier: GPL-2.0 */
/* ip_frag: definitions shared by ip_frag.bpf.c and ip_frag.c */
#ifndef IP_FRAG_H
#define IP_FRAG_H

enum ip_frag_scenario {
	IP_FRAG_V4_NEARLY_FULL,
	IP_FRAG_V6_NEARLY_FULL,
	IP_FRAG_FAILURES_RISE,
	IP_FRAG_SCENARIOS,
};

enum ip_frag_tunable {
	IP_FRAG_V4_HIGH_THRESH,
	IP_FRAG_V6_HIGH_THRESH,
	IP_FRAG_TUNABLES,
};

enum ip_frag_family {
	IP_FRAG_V4,
	IP_FRAG_V6,
	IP_FRAG_FAMILIES,
};

/* event values[] */
#define IP_FRAG_EV_MEM 0    /* bytes held by incomplete datagrams */
#define IP_FRAG_EV_THRESH 1 /* high_thresh the BPF side compared with */

/* key of the reasm_fails map: failures per namespace and family */
struct ip_frag_fail_key {
	__u64 netns_cookie;
	__u32 family;
	__u32 pad;
};

#endif
