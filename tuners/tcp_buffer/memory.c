// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer, rules "memory pressure" and "memory exhaustion": raise the
 * global tcp_mem (at most tcp_mem[2] = RAM/4) when TCP memory nears it;
 * when raising it cannot help, cut tcp_rmem[2] / tcp_wmem[2] (never below
 * [1]), hold growth and clamp new small flows until the strain is over.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tcp_buffer_rules.h"
#include "tcp_buffer.skel.h"

/* Strain is over when no pressure/exhaustion sign came for this long. */
#define TCP_BUFFER_STRAIN_QUIET_MS 2000
/* At most one cut per tunable per namespace per interval. */
#define TCP_BUFFER_CUT_INTERVAL_MS 250

/* --- strain (memory pressure that tcp_mem growth cannot relieve) --- */

bool strain_active(struct tcp_buffer_state *st)
{
	return st->strain;
}

static void strain_seen(struct bpftune_tuner *tuner, struct tcp_buffer_state *st,
			const char *why)
{
	st->strain_last_ms = bpftune_now_ms();
	if (st->strain)
		return;
	st->strain = true;
	memset(st->clamp_logged, 0, sizeof(st->clamp_logged));
	st->growth_hold_logged = false;
	st->skel->bss->crunch = 1;
	bpftune_info("%s: tcp memory strain: %s; buffer growth is held and new small flows are clamped (cwnd %d, window %d) until it is over",
		     bpftune_tuner_name(tuner), why, TCP_BUFFER_CLAMP_CWND,
		     TCP_BUFFER_CLAMP_WINDOW);
}

void strain_check(struct bpftune_tuner *tuner, struct tcp_buffer_state *st)
{
	if (!st->strain ||
	    !tcp_buffer_quiet_for(bpftune_now_ms(), st->strain_last_ms,
				  TCP_BUFFER_STRAIN_QUIET_MS))
		return;
	st->strain = false;
	st->skel->bss->crunch = 0;
	bpftune_info("%s: tcp memory strain is over (no sign of it for %d ms): buffer growth allowed again, small-flow clamps are lifted",
		     bpftune_tuner_name(tuner), TCP_BUFFER_STRAIN_QUIET_MS);
}

/* Keep BPF's view of net.core.[rw]mem_max current. */

/* --- memory pressure and exhaustion --- */

/* Raise tcp_mem by the learning rate; false when it may not grow. */
static bool tcp_mem_grow(struct bpftune_tuner *tuner, struct tcp_buffer_state *st,
			 unsigned int scenario, unsigned long long allocated)
{
	unsigned int rate = bpftune_learning_rate();
	long long cur[3], next[3];
	int ret;

	if (!bpftune_tunable_usable(tuner, TCP_BUFFER_TCP_MEM, BPFTUNE_GLOBAL_NETNS))
		return false;
	if (bpftune_sysctl_get(tuner, BPFTUNE_GLOBAL_NETNS, TCP_BUFFER_TCP_MEM, cur))
		return false;
	/* the event may describe limits we already raised since */
	if (!bpftune_nearly_full(allocated, cur[1], rate))
		return true;
	if (!tcp_buffer_tcp_mem_grow(cur, next, st->tcp_mem_cap, rate,
				     bpftune_nearly_full(allocated, cur[2], rate)))
		return false;
	ret = bpftune_sysctl_update(tuner, BPFTUNE_GLOBAL_NETNS, TCP_BUFFER_TCP_MEM,
				    next, scenario,
				    "TCP sockets hold %llu pages, near tcp_mem pressure %lld / max %lld pages (cap: tcp_mem max <= RAM/%d = %llu pages)",
				    allocated, cur[1], cur[2],
				    TCP_BUFFER_TCP_MEM_RAM_FRACTION, st->tcp_mem_cap);
	return ret >= 0;
}

static void cut_max(struct bpftune_tuner *tuner, struct ns_state *ns,
		    unsigned int tunable, const char *why)
{
	unsigned long long now = bpftune_now_ms();
	long long cur[3], next[3];

	if (now - ns->last_cut_ms[tunable] < TCP_BUFFER_CUT_INTERVAL_MS)
		return;
	if (!bpftune_tunable_usable(tuner, tunable, ns->cookie) ||
	    bpftune_sysctl_get(tuner, ns->cookie, tunable, cur))
		return;
	memcpy(next, cur, sizeof(next));
	next[2] = tcp_buffer_cut(cur[2], cur[1], bpftune_learning_rate());
	if (next[2] == cur[2])
		return;
	ns->last_cut_ms[tunable] = now;
	ns->before_growth[tunable] = 0;
	bpftune_sysctl_update(tuner, ns->cookie, tunable, next,
			      TCP_BUFFER_MEM_EXHAUSTION,
			      "%s; cutting %s max by %llu%% (never below its default %lld)",
			      why, tcp_buffer_tunables[tunable].name,
			      (unsigned long long)bpftune_rate_pct(bpftune_learning_rate()),
			      cur[1]);
}

void exhaustion(struct bpftune_tuner *tuner, const struct bpftune_event *ev,
		       bool pressure_only)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	unsigned long long allocated = ev->values[0], limit = ev->values[1];
	unsigned int kind = ev->values[2];
	unsigned long long mem1 = ev->values[TCP_BUFFER_EV_EX_MEM1];
	char why[160];
	struct ns_state *ns;

	/* a refusal above tcp_mem[1] is TCP memory pressure (the pressure
	 * event passes its own values; memory cgroups refuse below it) */
	if (!pressure_only && mem1 && allocated > mem1)
		nometrics_pressure(tuner, ev->netns_cookie, allocated,
				   (long long)mem1);
	/* tcp_mem itself is the limit being hit: growing it helps, if it may */
	if (pressure_only || bpftune_nearly_full(allocated, limit,
						 bpftune_learning_rate())) {
		if (tcp_mem_grow(tuner, st, ev->scenario, allocated))
			return;
		snprintf(why, sizeof(why),
			 "TCP memory (%llu pages) is near tcp_mem and tcp_mem may not grow further",
			 allocated);
	} else {
		snprintf(why, sizeof(why),
			 "a socket was refused %s memory at %llu pages, below tcp_mem (%llu): a memory cgroup limit, which tcp_mem cannot relieve",
			 kind == TCP_BUFFER_KIND_SEND ? "send" : "receive",
			 allocated, limit);
	}
	strain_seen(tuner, st, why);
	if (ev->netns_cookie == BPFTUNE_GLOBAL_NETNS)
		return; /* from sockstat: no socket, no namespace to cut in */
	ns = ns_get(tuner, ev->netns_cookie);
	if (!ns)
		return;
	if (kind != TCP_BUFFER_KIND_SEND)
		cut_max(tuner, ns, TCP_BUFFER_RMEM, why);
	if (kind != TCP_BUFFER_KIND_RECV)
		cut_max(tuner, ns, TCP_BUFFER_WMEM, why);
}

void pressure(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	struct bpftune_event ex = *ev;

	if (tcp_buffer_under_pressure(ev->values[0], (long long)ev->values[1],
				      (long long)ev->values[2],
				      ev->values[4] ? 1 : 0))
		nometrics_pressure(tuner, ev->netns_cookie, ev->values[0],
				   (long long)ev->values[2]);
	/* values: allocated, tcp_mem[0..2], flag -> allocated, limit, kind */
	ex.values[1] = ev->values[2];
	ex.values[2] = TCP_BUFFER_KIND_GLOBAL;
	exhaustion(tuner, &ex, true);
}


/* TCP pages allocated, from /proc/net/sockstat (the count is global). */
static int sockstat_tcp_pages(unsigned long long *pages)
{
	char line[256];
	int found = -ENOENT;
	FILE *f = fopen("/proc/net/sockstat", "re");

	if (!f)
		return -errno;
	while (found && fgets(line, sizeof(line), f)) {
		char *mem = strstr(line, " mem ");

		if (!strncmp(line, "TCP:", 4) && mem &&
		    sscanf(mem, " mem %llu", pages) == 1)
			found = 0;
	}
	fclose(f);
	return found;
}

/*
 * The BPF hooks only see pressure while sockets make progress; when the
 * hard limit starves them, the hooks go quiet.  The periodic look at
 * sockstat catches that case (it acts on tcp_mem only: it knows no netns).
 */
/* Read once a tick, for the rules that look at it (sockstat, nometrics). */
int tcp_mem_now_read(struct bpftune_tuner *tuner, struct tcp_mem_now *m)
{
	int err = sockstat_tcp_pages(&m->pages);

	return err ? err :
		     bpftune_sysctl_get(tuner, BPFTUNE_GLOBAL_NETNS,
					TCP_BUFFER_TCP_MEM, m->mem);
}

void sockstat_check(struct bpftune_tuner *tuner, const struct tcp_mem_now *m)
{
	struct bpftune_event ev = { .scenario = TCP_BUFFER_MEM_PRESSURE };

	if (m->mem[1] <= 0 ||
	    !bpftune_nearly_full(m->pages, m->mem[1], bpftune_learning_rate()))
		return;
	ev.values[0] = m->pages;
	ev.values[1] = m->mem[0];
	ev.values[2] = m->mem[1];
	ev.values[3] = m->mem[2];
	pressure(tuner, &ev);
}

