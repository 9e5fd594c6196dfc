// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer, rules on net.core.[rw]mem_max: SO_RCVBUF / SO_SNDBUF asked
 * above them raise them to what was asked, at most min(256 MiB, RAM/32);
 * rmem_max is kept at the window scale that tcp_rmem growth needs.
 */
#include <stdio.h>
#include <string.h>

#include "tcp_buffer_rules.h"
#include "tcp_buffer.skel.h"

void core_max_refresh(struct bpftune_tuner *tuner,
			     struct tcp_buffer_state *st)
{
	long long v;

	if (!bpftune_sysctl_get(tuner, BPFTUNE_GLOBAL_NETNS,
				TCP_BUFFER_CORE_RMEM_MAX, &v))
		st->skel->bss->core_rmem_max = v;
	if (!bpftune_sysctl_get(tuner, BPFTUNE_GLOBAL_NETNS,
				TCP_BUFFER_CORE_WMEM_MAX, &v))
		st->skel->bss->core_wmem_max = v;
}


/* --- SO_RCVBUF / SO_SNDBUF above the core max --- */

static void comm_of(unsigned int pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(buf, len, "?");
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

void sockbuf_request(struct bpftune_tuner *tuner,
			    const struct bpftune_event *ev)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	bool rcv = ev->values[1] == TCP_BUFFER_KIND_RECV;
	unsigned int tunable = rcv ? TCP_BUFFER_CORE_RMEM_MAX : TCP_BUFFER_CORE_WMEM_MAX;
	long long cur, want;
	char comm[32];

	if (!bpftune_tunable_usable(tuner, tunable, BPFTUNE_GLOBAL_NETNS) ||
	    bpftune_sysctl_get(tuner, BPFTUNE_GLOBAL_NETNS, tunable, &cur))
		return;
	want = tcp_buffer_core_max_want(cur, ev->values[0], st->core_max_cap);
	if (want == cur)
		return;
	comm_of(ev->pid, comm, sizeof(comm));
	bpftune_sysctl_update(tuner, BPFTUNE_GLOBAL_NETNS, tunable, &want,
			      ev->scenario,
			      "pid %u (%s) asked for %s %llu bytes on port %llu but %s is %lld (cap %llu = min(256 MiB, RAM/%d))",
			      ev->pid, comm, rcv ? "SO_RCVBUF" : "SO_SNDBUF",
			      (unsigned long long)ev->values[0],
			      (unsigned long long)ev->values[2],
			      tcp_buffer_tunables[tunable].name, cur, st->core_max_cap,
			      TCP_BUFFER_RAM_FRACTION);
	core_max_refresh(tuner, st);
}


/* --- window scale room: net.core.rmem_max --- */

/*
 * tcp_select_initial_window() picks a connection's receive window scale
 * once, from max(tcp_rmem[2], net.core.rmem_max): with both at 256 KiB
 * the scale is 3 and the window stays below 512 KiB for the connection's
 * life, whatever tcp_rmem becomes.  Keeping rmem_max at the largest
 * tcp_rmem max this tuner may set gives new connections the scale for it;
 * rmem_max changes nothing else for autotuned sockets (it bounds
 * SO_RCVBUF requests, which the sockbuf rule already raises to that cap).
 */
void wscale_room(struct bpftune_tuner *tuner, struct tcp_buffer_state *st)
{
	long long cur, want = st->cap < (long long)st->core_max_cap ?
				      st->cap : (long long)st->core_max_cap;

	if (!bpftune_tunable_usable(tuner, TCP_BUFFER_RMEM, BPFTUNE_GLOBAL_NETNS) ||
	    !bpftune_tunable_usable(tuner, TCP_BUFFER_CORE_RMEM_MAX,
				    BPFTUNE_GLOBAL_NETNS) ||
	    bpftune_sysctl_get(tuner, BPFTUNE_GLOBAL_NETNS,
			       TCP_BUFFER_CORE_RMEM_MAX, &cur))
		return;
	if (cur >= want ||
	    tcp_buffer_wscale_for((unsigned long long)cur) >=
		    tcp_buffer_wscale_for((unsigned long long)want))
		return;
	bpftune_sysctl_update(tuner, BPFTUNE_GLOBAL_NETNS, TCP_BUFFER_CORE_RMEM_MAX,
			      &want, TCP_BUFFER_WINDOW_SCALE,
			      "with %lld, connections get receive window scale %u (window at most %llu bytes) unless tcp_rmem max is larger when they open; tcp_rmem max may grow to %lld, which needs scale %u. Connections already open keep their scale and cannot use a larger window",
			      cur, tcp_buffer_wscale_for((unsigned long long)cur),
			      tcp_buffer_wscale_window(tcp_buffer_wscale_for((unsigned long long)cur)),
			      want, tcp_buffer_wscale_for((unsigned long long)want));
	core_max_refresh(tuner, st);
}

