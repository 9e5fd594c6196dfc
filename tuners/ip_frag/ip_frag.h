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

#ifndef __VMLINUX_H__
/* per namespace and family: at most RAM / 256, never above 1 GiB */
#define IP_FRAG_RAM_FRACTION 256
#define IP_FRAG_CAP_MAX (1LL << 30)

static inline long long ip_frag_cap(unsigned long long ram)
{
	unsigned long long cap = ram / IP_FRAG_RAM_FRACTION;

	if (!cap || cap > (unsigned long long)IP_FRAG_CAP_MAX)
		return IP_FRAG_CAP_MAX;
	return (long long)cap;
}
#endif /* !__VMLINUX_H__ */

#endif
