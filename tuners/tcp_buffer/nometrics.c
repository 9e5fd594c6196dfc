// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer, rule "route metrics under memory pressure": while TCP is
 * under memory pressure, set tcp_no_metrics_save to 1 in each namespace
 * whose sockets report it, and put that namespace's own value back once
 * the pressure has been over for TCP_BUFFER_NO_METRICS_QUIET_MS.
 *
 * Why: a closing connection saves what it measured (RTT, RTT variance,
 * reordering; ssthresh where tcp_no_ssthresh_metrics_save is 0) in
 * tcp_metrics, and later connections to the same host start from it.
 * Under pressure the kernel prunes receive queues and stops growing
 * buffers, so what connections measure then describes the shortage, not
 * the path.
 */
#include <stdio.h>
#include <string.h>

#include "tcp_buffer_rules.h"

/*
 * Hysteresis: route metrics are saved again once no sign of pressure came
 * for this long.  Signs come at least every TCP_BUFFER_TICK_MS (500 ms)
 * while pressure lasts, so this is six looks without one; pressure that
 * comes and goes as tcp_mem is raised and flows shrink and grow again does
 * not flip the sysctl every second.
 */
#define TCP_BUFFER_NO_METRICS_QUIET_MS 3000

static const char no_metrics_name[] = "net.ipv4.tcp_no_metrics_save";

/* The kernel's TCP pressure flag, from /proc/net/protocols ("press" of the
 * TCP line): 1 set, 0 clear, -1 unknown (unreadable or not understood). */
static int tcp_pressure_flag(void)
{
	char line[256], name[16], press[8];
	int flag = -1;
	FILE *f = fopen("/proc/net/protocols", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%15s %*d %*d %*d %7s", name, press) != 2 ||
		    strcmp(name, "TCP"))
			continue;
		if (!strcmp(press, "yes"))
			flag = 1;
		else if (!strcmp(press, "no"))
			flag = 0;
		break;
	}
	fclose(f);
	return flag;
}

void nometrics_pressure(struct bpftune_tuner *tuner, unsigned long long cookie,
			unsigned long long pages, long long mem1)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	long long cur, on = 1;
	struct ns_state *ns;

	st->pressure_last_ms = bpftune_now_ms();
	/* from sockstat: global, no namespace whose sockets saw it */
	if (cookie == BPFTUNE_GLOBAL_NETNS || st->nometrics_configured)
		return;
	if (!bpftune_tunable_usable(tuner, TCP_BUFFER_NO_METRICS_SAVE, cookie))
		return;
	ns = ns_get(tuner, cookie);
	if (!ns || ns->nometrics_held)
		return;
	if (bpftune_sysctl_get(tuner, cookie, TCP_BUFFER_NO_METRICS_SAVE,
			       &cur) ||
	    cur)
		return; /* unreadable (logged once), or not saving already */
	if (bpftune_sysctl_update(tuner, cookie, TCP_BUFFER_NO_METRICS_SAVE,
				  &on, TCP_BUFFER_NO_METRICS,
				  "TCP is under memory pressure (%llu pages held, tcp_mem pressure threshold %lld): connections closing now would save route metrics measured during the shortage; not saved until the pressure has been over for %d ms",
				  pages, mem1,
				  TCP_BUFFER_NO_METRICS_QUIET_MS) <= 0)
		return;
	ns->nometrics_held = true;
	ns->nometrics_orig = cur;
	st->nometrics_holds = true;
}

static void nometrics_release(struct bpftune_tuner *tuner,
			      unsigned long long cookie, void *state, void *ctx)
{
	struct ns_state *ns = state;
	unsigned long long quiet = *(unsigned long long *)ctx;
	long long cur;
	char nsb[64];

	if (!ns->nometrics_held)
		return;
	ns->nometrics_held = false;
	/* an administrator's write there made the tuner step aside */
	if (!bpftune_tunable_usable(tuner, TCP_BUFFER_NO_METRICS_SAVE,
				    cookie) ||
	    bpftune_sysctl_get(tuner, cookie, TCP_BUFFER_NO_METRICS_SAVE, &cur))
		return;
	if (cur != 1 && !bpftune_dry_run()) {
		bpftune_info("%s: %s is %lld in %s, not the 1 bpftune set during memory pressure: someone else changed it; left as it is",
			     bpftune_tuner_name(tuner), no_metrics_name, cur,
			     ns_str(cookie, nsb, sizeof(nsb)));
		return;
	}
	bpftune_sysctl_update(tuner, cookie, TCP_BUFFER_NO_METRICS_SAVE,
			      &ns->nometrics_orig, TCP_BUFFER_PRESSURE_OVER,
			      "TCP memory pressure has been over for %llu ms (no sign of it since): route metrics are saved again",
			      quiet);
}

void nometrics_check(struct bpftune_tuner *tuner, struct tcp_buffer_state *st,
		     const struct tcp_mem_now *m)
{
	unsigned long long now = bpftune_now_ms(), quiet;

	if (!st->nometrics_holds)
		return;
	/* pressure now, by the kernel's rules (unreadable: no sign of it) */
	if (m && tcp_buffer_under_pressure(m->pages, m->mem[0], m->mem[1],
					   tcp_pressure_flag()))
		st->pressure_last_ms = now;
	if (!tcp_buffer_quiet_for(now, st->pressure_last_ms,
				  TCP_BUFFER_NO_METRICS_QUIET_MS))
		return;
	/* every hold began before the last sign: all end together */
	st->nometrics_holds = false;
	quiet = now - st->pressure_last_ms;
	bpftune_netns_state_each(tuner, nometrics_release, &quiet);
}
