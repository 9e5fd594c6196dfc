/* SPDX-License-Identifier: GPL-2.0 */
/*
 * udp_buffer, user side: what its files share.  udp_buffer.c holds the
 * tunables, scenarios, init/fini, the growth rules and the dispatch;
 * crunch.c the UDP memory crunch (rmem_default cut back while UDP memory
 * is exhausted and udp_mem may not grow).
 */
#ifndef UDP_BUFFER_RULES_H
#define UDP_BUFFER_RULES_H

#include <stdbool.h>
#include <bpftune/libbpftune.h>

#include "udp_buffer.h"

struct udp_buffer_state {
	struct udp_buffer_bpf *skel;
	long long rmem_cap;	  /* rmem_default and rmem_max */
	long long mem_cap[3];	  /* udp_mem, pages */
	/* the UDP memory crunch (crunch.c) */
	int timer;
	bool crunch;
	bool hold_logged;	  /* "not raised during the crunch" said */
	bool orig_logged;	  /* "nothing to cut back" said */
	long long rdefault_orig;  /* at start; -1 unknown */
	long long rdefault_before; /* before this crunch's first cut; 0 none */
	long long rdefault_cut;	  /* what the last cut set */
	unsigned long long crunch_last_ms;
	unsigned long long last_cut_ms;
};

/* "UDP: inuse N mem M" of /proc/net/sockstat: pages UDP holds (global). */
int udp_pages(long long *pages);

/* crunch.c */
int crunch_init(struct bpftune_tuner *tuner, struct udp_buffer_state *st);
void crunch_fini(struct udp_buffer_state *st);
/* A datagram was dropped for UDP memory and udp_mem may not grow: why. */
void crunch_seen(struct bpftune_tuner *tuner, const char *why);
/* True (and said once per crunch) when rmem_default must not grow now. */
bool crunch_holds_growth(struct bpftune_tuner *tuner);

#endif /* UDP_BUFFER_RULES_H */
