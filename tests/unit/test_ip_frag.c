// SPDX-License-Identifier: GPL-2.0
/* ip_frag: the safety bound of ipfrag_high_thresh / ip6frag_high_thresh. */
#include <bpftune/bpftune.h>
#include "../../tuners/ip_frag/ip_frag.h"
#include "unit.h"

int main(void)
{
	unsigned long long gib = 1ULL << 30;

	CHECK_EQ(ip_frag_cap(24 * gib), 24 * gib / 256); /* 96 MiB */
	CHECK_EQ(ip_frag_cap(1024 * gib), 1LL << 30);	 /* never above 1 GiB */
	CHECK_EQ(ip_frag_cap(0), 1LL << 30);		 /* unknown RAM */
	CHECK(ip_frag_cap(24 * gib) > 4194304);		 /* above the default */
	CHECK_EQ(bpftune_grow(ip_frag_cap(24 * gib) - 1, ip_frag_cap(24 * gib), 4),
		 ip_frag_cap(24 * gib));
	return unit_report();
}
