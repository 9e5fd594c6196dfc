/* SPDX-License-Identifier: GPL-2.0 */
/* route_table: definitions shared by route_table.bpf.c and route_table.c */
#ifndef ROUTE_TABLE_H
#define ROUTE_TABLE_H

enum route_table_scenario {
	ROUTE_TABLE_NEARLY_FULL,
	ROUTE_TABLE_SCENARIOS,
};

enum route_table_tunable {
	ROUTE_TABLE_IPV6_MAX_SIZE,
	ROUTE_TABLE_TUNABLES,
};

/* event values[] */
#define ROUTE_TABLE_EV_ENTRIES 0  /* IPv6 dst entries (cached routes) */
#define ROUTE_TABLE_EV_MAX_SIZE 1 /* net.ipv6.route.max_size seen by BPF */

/* Lookups on the tracepoint tier are sampled 1 in 2^this. */
#define ROUTE_TABLE_SAMPLE_SHIFT 3

#endif
