// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer, user side.  Rules (bounds in tcp_buffer.h):
 * - growth: raise tcp_rmem[2] / tcp_wmem[2] in a namespace when its
 *   sockets' buffers reach them, by the learning rate, at most RAM/32;
 * - memory pressure: raise the global tcp_mem, at most tcp_mem[2] = RAM/4;
 * - memory exhaustion: when raising tcp_mem cannot help, cut tcp_rmem[2] /
 *   tcp_wmem[2] (never below [1]), hold growth and clamp new small flows
 *   until the strain has been over for a while;
 * - latency: when buffer size and srtt rise together (correlation >= 0.7
 *   over >= 10 samples) stop growing there, and shrink back if it persists;
 * - SO_RCVBUF / SO_SNDBUF above net.core.[rw]mem_max: raise the core max
 *   to what was asked, at most min(256 MiB, RAM/32);
 * - initial windows learned per service port (sockops; bounded in BPF);
 * - tcp_moderate_rcvbuf turned on unless an administrator set it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpftune/libbpftune.h>

#include "tcp_buffer.h"
#include "tcp_buffer_corr.h"
#include "tcp_buffer.skel.h"

#define TCP_BUFFER_TICK_MS 500
/* Strain is over when no pressure/exhaustion sign came for this long. */
#define TCP_BUFFER_STRAIN_QUIET_MS 2000
/* At most one cut per tunable per namespace per interval. */
#define TCP_BUFFER_CUT_INTERVAL_MS 250
/* A latency block holds at least this long, and lifts below this r. */
#define TCP_BUFFER_LATENCY_HOLD_MS 5000
#define TCP_BUFFER_CORR_LIFT_PERMILLE 500
#define TCP_BUFFER_NETNS_SLOTS 64

static const struct bpftune_scenario_desc scenarios[] = {
	{ TCP_BUFFER_RMEM_NEARLY_FULL, "receive buffer nearly full",
	  "a socket's receive buffer reached tcp_rmem max, so the receive window cannot open further" },
	{ TCP_BUFFER_WMEM_NEARLY_FULL, "send buffer nearly full",
	  "a socket's send buffer reached tcp_wmem max, so the sender cannot keep more data in flight" },
	{ TCP_BUFFER_MEM_PRESSURE, "tcp memory pressure",
	  "TCP memory use neared tcp_mem's pressure threshold, where the kernel starts shrinking every socket's buffers" },
	{ TCP_BUFFER_MEM_EXHAUSTION, "tcp memory exhaustion",
	  "sockets are being refused memory and tcp_mem cannot usefully grow, so smaller per-socket maxima let more connections fit" },
	{ TCP_BUFFER_LATENCY, "buffer growth is adding latency",
	  "bigger buffers only queued more data in front of each packet, raising round-trip time without raising throughput" },
	{ TCP_BUFFER_SOCKBUF_REQUEST, "application buffer request above core max",
	  "the kernel silently clamps SO_RCVBUF/SO_SNDBUF to net.core.rmem_max/wmem_max, so the application does not get the buffer it asked for" },
	{ TCP_BUFFER_SMALL_FLOW_CLAMP, "small-flow clamping",
	  "while TCP memory is nearly exhausted, new flows start with small windows so that established large flows keep their share" },
	{ TCP_BUFFER_INITIAL_WINDOW, "learned initial window",
	  "connections to a service that usually moves much data start with the window earlier connections grew to" },
	{ TCP_BUFFER_MODERATE_RCVBUF, "receive buffer autotuning off",
	  "with tcp_moderate_rcvbuf off the kernel never grows receive buffers, so tcp_rmem tuning has no effect" },
	{ TCP_BUFFER_WINDOW_SCALE, "receive window scale room",
	  "a connection's receive window scale is fixed at its handshake from max(tcp_rmem max, net.core.rmem_max), so a tcp_rmem max raised later helps only connections opened with a scale large enough for it" },
};

static struct bpftune_tunable_desc tunables[] = {
	{ TCP_BUFFER_RMEM, "net.ipv4.tcp_rmem", BPFTUNE_NETNS, 3,
	  .min = { 1, 1, 1 }, .max = { INT_MAX, INT_MAX, INT_MAX } },
	{ TCP_BUFFER_WMEM, "net.ipv4.tcp_wmem", BPFTUNE_NETNS, 3,
	  .min = { 1, 1, 1 }, .max = { INT_MAX, INT_MAX, INT_MAX } },
	{ TCP_BUFFER_TCP_MEM, "net.ipv4.tcp_mem", BPFTUNE_GLOBAL, 3,
	  .min = { 1, 1, 1 }, .max = { LLONG_MAX, LLONG_MAX, LLONG_MAX } },
	{ TCP_BUFFER_CORE_RMEM_MAX, "net.core.rmem_max", BPFTUNE_GLOBAL, 1,
	  .min = { 1 }, .max = { INT_MAX } },
	{ TCP_BUFFER_CORE_WMEM_MAX, "net.core.wmem_max", BPFTUNE_GLOBAL, 1,
	  .min = { 1 }, .max = { INT_MAX } },
	{ TCP_BUFFER_MODERATE, "net.ipv4.tcp_moderate_rcvbuf", BPFTUNE_NETNS, 1,
	  .min = { 0 }, .max = { 1 } },
};

/* What the tuner remembers about one namespace (bounded table). */
struct ns_state {
	unsigned long long cookie;
	unsigned long long last_used_ms;
	struct tcp_buffer_corr corr;
	bool latency_blocked;
	unsigned long long blocked_ms;
	unsigned int samples_since_check;
	long long before_growth[2]; /* [2] before our latest growth; 0 none */
	unsigned long long last_cut_ms[2];
	bool capped[2];
	bool moderate_forced;
	bool moderate_hands_off;
	bool iw_logged;
	bool wscale_logged;
};

struct tcp_buffer_state {
	struct tcp_buffer_bpf *skel;
	long long cap;
	unsigned long long tcp_mem_cap;
	unsigned long long core_max_cap;
	bool moderate_configured; /* found in sysctl.d: administrator's */
	int timer;
	bool strain;
	unsigned long long strain_last_ms;
	bool clamp_logged;
	bool lift_logged;
	bool growth_hold_logged;
	unsigned int latency_blocks;
	struct ns_state ns[TCP_BUFFER_NETNS_SLOTS];
};

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The namespace's slot; the least recently used one is reused. */
static struct ns_state *ns_get(struct tcp_buffer_state *st,
			       unsigned long long cookie)
{
	struct ns_state *oldest = &st->ns[0];
	unsigned int i;

	for (i = 0; i < TCP_BUFFER_NETNS_SLOTS; i++) {
		if (st->ns[i].cookie == cookie) {
			st->ns[i].last_used_ms = now_ms();
			return &st->ns[i];
		}
		if (st->ns[i].last_used_ms < oldest->last_used_ms)
			oldest = &st->ns[i];
	}
	memset(oldest, 0, sizeof(*oldest));
	oldest->cookie = cookie;
	oldest->last_used_ms = now_ms();
	return oldest;
}

static const char *ns_str(unsigned long long cookie, char *buf, size_t len)
{
	return bpftune_netns_str(cookie, buf, len);
}

/* --- tcp_moderate_rcvbuf: set by an administrator in sysctl.d? --- */

static bool file_sets(const char *path, const char *key)
{
	char line[512], *p;
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		for (p = line; *p == ' ' || *p == '\t' || *p == '-'; p++)
			;
		if (*p == '#' || *p == ';')
			continue;
		found = strstr(p, key) != NULL;
	}
	fclose(f);
	return found;
}

static bool dir_sets(const char *dir, const char *key)
{
	char path[PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 5, ".conf"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		found = file_sets(path, key);
	}
	closedir(d);
	return found;
}

static bool admin_configured(const char *key)
{
	static const char *const dirs[] = {
		"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d",
		"/usr/lib/sysctl.d", "/lib/sysctl.d",
	};
	unsigned int i;

	if (file_sets("/etc/sysctl.conf", key))
		return true;
	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		if (dir_sets(dirs[i], key))
			return true;
	return false;
}

/* --- strain (memory pressure that tcp_mem growth cannot relieve) --- */

static bool strain_active(struct tcp_buffer_state *st)
{
	return st->strain;
}

static void strain_seen(struct bpftune_tuner *tuner, struct tcp_buffer_state *st,
			const char *why)
{
	st->strain_last_ms = now_ms();
	if (st->strain)
		return;
	st->strain = true;
	st->clamp_logged = false;
	st->lift_logged = false;
	st->growth_hold_logged = false;
	st->skel->bss->crunch = 1;
	bpftune_info("%s: tcp memory strain: %s; buffer growth is held and new small flows are clamped (cwnd %d, window %d) until it is over",
		     bpftune_tuner_name(tuner), why, TCP_BUFFER_CLAMP_CWND,
		     TCP_BUFFER_CLAMP_WINDOW);
}

static void strain_check(struct bpftune_tuner *tuner, struct tcp_buffer_state *st)
{
	if (!st->strain || now_ms() - st->strain_last_ms < TCP_BUFFER_STRAIN_QUIET_MS)
		return;
	st->strain = false;
	st->skel->bss->crunch = 0;
	bpftune_info("%s: tcp memory strain is over (no sign of it for %d ms): buffer growth allowed again, small-flow clamps are lifted",
		     bpftune_tuner_name(tuner), TCP_BUFFER_STRAIN_QUIET_MS);
}

/* Keep BPF's view of net.core.[rw]mem_max current. */
static void core_max_refresh(struct bpftune_tuner *tuner,
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

/* --- growth --- */

static void note_capped(struct bpftune_tuner *tuner, struct tcp_buffer_state *st,
			struct ns_state *ns, unsigned int tunable)
{
	char nsb[64];

	if (ns->capped[tunable])
		return;
	ns->capped[tunable] = true;
	bpftune_info("%s: %s max is at its safety cap (%lld bytes = min(INT_MAX, RAM/%d)) in %s; can no longer grow",
		     bpftune_tuner_name(tuner), tunables[tunable].name, st->cap,
		     TCP_BUFFER_RAM_FRACTION, ns_str(ns->cookie, nsb, sizeof(nsb)));
}

static bool growth_held(struct bpftune_tuner *tuner, struct tcp_buffer_state *st,
			struct ns_state *ns)
{
	if (ns->latency_blocked)
		return true;
	if (!strain_active(st))
		return false;
	if (!st->growth_hold_logged) {
		st->growth_hold_logged = true;
		bpftune_info("%s: not growing socket buffers while tcp memory is strained",
			     bpftune_tuner_name(tuner));
	}
	return true;
}

/*
 * A receiving socket's window can never exceed 65535 << its window scale,
 * fixed at its handshake: say so once per namespace when a new limit is
 * beyond what the reporting flow can use.
 */
static void note_wscale(struct bpftune_tuner *tuner, struct ns_state *ns,
			const struct bpftune_event *ev, long long next)
{
	unsigned int wscale = ev->values[TCP_BUFFER_EV_WSCALE];
	unsigned long long window = tcp_buffer_wscale_window(wscale);
	unsigned int ratio = ev->values[TCP_BUFFER_EV_RATIO];
	char nsb[64];

	if (!ratio)
		ratio = TCP_BUFFER_RATIO_DEFAULT;
	/* next bytes of buffer offer about next * ratio / 256 of window */
	if (ns->wscale_logged || (unsigned long long)next / 256 * ratio <= window)
		return;
	ns->wscale_logged = true;
	bpftune_info("%s: running flows cannot use all of the new tcp_rmem max in %s: a connection's receive window scale is fixed at its handshake, and the flow that reported has scale %u (window at most %llu bytes); connections opened from now on get the scale for max(tcp_rmem max, net.core.rmem_max)",
		     bpftune_tuner_name(tuner), ns_str(ns->cookie, nsb, sizeof(nsb)),
		     wscale, window);
}

static void grow_max(struct bpftune_tuner *tuner, const struct bpftune_event *ev,
		     unsigned int tunable, const char *what)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	unsigned int rate = bpftune_learning_rate();
	unsigned long long bdp = ev->values[TCP_BUFFER_EV_BDP];
	unsigned long long rtt = ev->values[TCP_BUFFER_EV_RTT];
	bool recv = tunable == TCP_BUFFER_RMEM;
	long long cur[3], next[3];
	unsigned long long need;
	struct ns_state *ns;
	char nsb[64];

	if (!bpftune_tunable_usable(tuner, tunable, ev->netns_cookie))
		return;
	ns = ns_get(st, ev->netns_cookie);
	if (growth_held(tuner, st, ns))
		return;
	if (bpftune_sysctl_get(tuner, ev->netns_cookie, tunable, cur))
		return;
	/* The event may describe a limit we already raised: act only while
	 * the buffer is still near the current limit. */
	if (!bpftune_nearly_full(ev->values[TCP_BUFFER_EV_BUF], cur[2], rate))
		return;
	if (cur[2] >= st->cap) {
		note_capped(tuner, st, ns, tunable);
		return;
	}
	need = tcp_buffer_bdp_need(bdp, ev->values[TCP_BUFFER_EV_RATIO], recv);
	memcpy(next, cur, sizeof(next));
	next[2] = (long long)tcp_buffer_size_limit(cur[2], need, st->cap, rate);
	if (next[2] == cur[2]) {
		bpftune_debug("%s: %s buffer at %s max %lld in %s, but its flow (%llu bytes per %llu us RTT) needs only %llu: not raised",
			      bpftune_tuner_name(tuner), what,
			      tunables[tunable].name, cur[2],
			      ns_str(ns->cookie, nsb, sizeof(nsb)), bdp, rtt, need);
		return;
	}
	if (bpftune_sysctl_update(tuner, ev->netns_cookie, tunable, next,
				  ev->scenario,
				  "a socket's %s buffer (%llu bytes) is within %llu%% of %s max (%lld); its flow moves %llu bytes per RTT (%llu us, %llu Mbit/s), which needs %llu bytes with room to grow %dx (at most %d steps of %llu%% at once)",
				  what, (unsigned long long)ev->values[TCP_BUFFER_EV_BUF],
				  (unsigned long long)bpftune_rate_pct(rate),
				  tunables[tunable].name, cur[2], bdp, rtt,
				  rtt ? bdp * 8 / rtt : 0, need,
				  TCP_BUFFER_BDP_HEADROOM, TCP_BUFFER_MAX_STEPS,
				  (unsigned long long)bpftune_rate_pct(rate)) > 0) {
		ns->before_growth[tunable] = cur[2];
		if (recv)
			note_wscale(tuner, ns, ev, next[2]);
	}
}

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
	unsigned long long now = now_ms();
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
			      why, tunables[tunable].name,
			      (unsigned long long)bpftune_rate_pct(bpftune_learning_rate()),
			      cur[1]);
}

static void exhaustion(struct bpftune_tuner *tuner, const struct bpftune_event *ev,
		       bool pressure_only)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	unsigned long long allocated = ev->values[0], limit = ev->values[1];
	unsigned int kind = ev->values[2];
	char why[160];
	struct ns_state *ns;

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
	ns = ns_get(st, ev->netns_cookie);
	if (kind != TCP_BUFFER_KIND_SEND)
		cut_max(tuner, ns, TCP_BUFFER_RMEM, why);
	if (kind != TCP_BUFFER_KIND_RECV)
		cut_max(tuner, ns, TCP_BUFFER_WMEM, why);
}

static void pressure(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	struct bpftune_event ex = *ev;

	/* values: allocated, tcp_mem[0..2], flag -> allocated, limit, kind */
	ex.values[1] = ev->values[2];
	ex.values[2] = TCP_BUFFER_KIND_GLOBAL;
	exhaustion(tuner, &ex, true);
}

/* --- periodic look: sockstat, end of strain, core max --- */

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
static void sockstat_check(struct bpftune_tuner *tuner)
{
	struct bpftune_event ev = { .scenario = TCP_BUFFER_MEM_PRESSURE };
	unsigned long long pages;
	long long mem[3];

	if (sockstat_tcp_pages(&pages) ||
	    bpftune_sysctl_get(tuner, BPFTUNE_GLOBAL_NETNS, TCP_BUFFER_TCP_MEM, mem))
		return;
	if (mem[1] <= 0 || !bpftune_nearly_full(pages, mem[1], bpftune_learning_rate()))
		return;
	ev.values[0] = pages;
	ev.values[1] = mem[0];
	ev.values[2] = mem[1];
	ev.values[3] = mem[2];
	pressure(tuner, &ev);
}

static void tick(void *ctx)
{
	struct bpftune_tuner *tuner = ctx;
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);

	sockstat_check(tuner);
	strain_check(tuner, st);
	core_max_refresh(tuner, st);
}

/* --- latency correlation --- */

static void latency_shrink(struct bpftune_tuner *tuner, struct ns_state *ns,
			   double r)
{
	long long cur[3], next[3], floor;
	unsigned int t;

	for (t = TCP_BUFFER_RMEM; t <= TCP_BUFFER_WMEM; t++) {
		if (!ns->before_growth[t] ||
		    !bpftune_tunable_usable(tuner, t, ns->cookie) ||
		    bpftune_sysctl_get(tuner, ns->cookie, t, cur))
			continue;
		floor = ns->before_growth[t] > cur[1] ? ns->before_growth[t] : cur[1];
		memcpy(next, cur, sizeof(next));
		next[2] = (long long)bpftune_shrink(cur[2], floor,
						    bpftune_learning_rate());
		bpftune_sysctl_update(tuner, ns->cookie, t, next, TCP_BUFFER_LATENCY,
				      "srtt still follows the send buffer size (correlation %.2f over %u samples); shrinking back toward %lld",
				      r, ns->corr.n, floor);
	}
}

static void latency_sample(struct bpftune_tuner *tuner,
			   const struct bpftune_event *ev)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	struct ns_state *ns = ns_get(st, ev->netns_cookie);
	unsigned long long now = now_ms();
	char nsb[64];
	double r;

	tcp_buffer_corr_add_rate(&ns->corr, ev->values[0], ev->values[1],
				 ev->values[2]);
	r = tcp_buffer_corr_value(&ns->corr);
	bpftune_debug("%s: latency sample in %s: buffer %llu bytes, srtt %llu us, rate %llu bytes/s; correlation %.2f (rate %.2f) over %u",
		      bpftune_tuner_name(tuner), ns_str(ns->cookie, nsb, sizeof(nsb)),
		      (unsigned long long)ev->values[0],
		      (unsigned long long)ev->values[1],
		      (unsigned long long)ev->values[2], r,
		      tcp_buffer_corr_rate_value(&ns->corr), ns->corr.n);
	if (!ns->latency_blocked) {
		if (!tcp_buffer_latency_added(&ns->corr, TCP_BUFFER_CORR_SAMPLES,
					      TCP_BUFFER_CORR_PERMILLE,
					      TCP_BUFFER_LATENCY_RISE_PERMILLE))
			return;
		ns->latency_blocked = true;
		ns->blocked_ms = now;
		ns->samples_since_check = 0;
		st->latency_blocks++;
		bpftune_info("%s: buffer growth is adding latency in %s: srtt follows the send buffer size (correlation %.2f over %u samples, srtt up %u%%, last %llu bytes / %llu us); tcp_rmem/tcp_wmem stop growing there",
			     bpftune_tuner_name(tuner),
			     ns_str(ns->cookie, nsb, sizeof(nsb)), r, ns->corr.n,
			     tcp_buffer_corr_rise_permille(&ns->corr) / 10,
			     (unsigned long long)ev->values[0],
			     (unsigned long long)ev->values[1]);
		return;
	}
	if (++ns->samples_since_check < TCP_BUFFER_CORR_SAMPLES)
		return;
	ns->samples_since_check = 0;
	if (tcp_buffer_latency_added(&ns->corr, TCP_BUFFER_CORR_SAMPLES,
				     TCP_BUFFER_CORR_PERMILLE,
				     TCP_BUFFER_LATENCY_RISE_PERMILLE)) {
		latency_shrink(tuner, ns, r);
		return;
	}
	if (now - ns->blocked_ms < TCP_BUFFER_LATENCY_HOLD_MS ||
	    r * 1000 >= TCP_BUFFER_CORR_LIFT_PERMILLE)
		return;
	ns->latency_blocked = false;
	bpftune_info("%s: srtt no longer follows buffer size in %s (correlation %.2f); buffer growth allowed again",
		     bpftune_tuner_name(tuner), ns_str(ns->cookie, nsb, sizeof(nsb)), r);
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

static void sockbuf_request(struct bpftune_tuner *tuner,
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
			      tunables[tunable].name, cur, st->core_max_cap,
			      TCP_BUFFER_RAM_FRACTION);
	core_max_refresh(tuner, st);
}

/* --- sockops reports --- */

static void small_flow(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	bool clamped = ev->values[0];
	bool *logged = clamped ? &st->clamp_logged : &st->lift_logged;
	char nsb[64];

	if (*logged)
		return;
	*logged = true;
	bpftune_info("%s: small-flow clamping: %s a new flow on port %llu in %s (cwnd clamp %d segments, window clamp %d bytes)%s",
		     bpftune_tuner_name(tuner), clamped ? "clamped" : "lifted the clamp of",
		     (unsigned long long)ev->values[1],
		     ns_str(ev->netns_cookie, nsb, sizeof(nsb)), TCP_BUFFER_CLAMP_CWND,
		     TCP_BUFFER_CLAMP_WINDOW,
		     clamped ? ", because tcp memory is nearly exhausted" :
			       ", because the memory strain is over");
}

static void initial_window(struct bpftune_tuner *tuner,
			   const struct bpftune_event *ev)
{
	char nsb[64];

	bpftune_info("%s: learned initial window: service port %llu in %s now starts with %llu segments (bounded to %d..%d), because its closed flows grew that far",
		     bpftune_tuner_name(tuner), (unsigned long long)ev->values[0],
		     ns_str(ev->netns_cookie, nsb, sizeof(nsb)),
		     (unsigned long long)ev->values[1], TCP_BUFFER_IW_DEFAULT,
		     TCP_BUFFER_IW_MAX);
}

/* --- tcp_moderate_rcvbuf --- */

static void moderate_rcvbuf(struct bpftune_tuner *tuner,
			    const struct bpftune_event *ev)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	struct ns_state *ns;
	long long on = 1;
	char nsb[64];

	if (st->moderate_configured ||
	    !bpftune_tunable_usable(tuner, TCP_BUFFER_MODERATE, ev->netns_cookie))
		return;
	ns = ns_get(st, ev->netns_cookie);
	if (ns->moderate_hands_off)
		return;
	if (ns->moderate_forced) {
		/* we turned it on and someone turned it off again */
		ns->moderate_hands_off = true;
		bpftune_info("%s: an administrator turned tcp_moderate_rcvbuf off again in %s; leaving it off",
			     bpftune_tuner_name(tuner),
			     ns_str(ev->netns_cookie, nsb, sizeof(nsb)));
		return;
	}
	if (bpftune_sysctl_update(tuner, ev->netns_cookie, TCP_BUFFER_MODERATE,
				  &on, ev->scenario,
				  "receive buffer autotuning is off and no sysctl.d file sets it") > 0)
		ns->moderate_forced = true;
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
static void wscale_room(struct bpftune_tuner *tuner, struct tcp_buffer_state *st)
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

/* --- plugin interface --- */

static int state_init(struct tcp_buffer_state *st)
{
	unsigned long long ram = bpftune_ram_bytes();
	long page = sysconf(_SC_PAGESIZE);

	st->cap = (long long)tcp_buffer_socket_cap(ram);
	st->tcp_mem_cap = tcp_buffer_tcp_mem_cap(ram, page > 0 ? page : 4096);
	st->core_max_cap = tcp_buffer_core_max_cap(ram);
	st->moderate_configured = admin_configured("tcp_moderate_rcvbuf");
	st->timer = -1;
	return st->tcp_mem_cap ? 0 : -EINVAL;
}

static void set_caps(struct bpftune_tuner *tuner, struct tcp_buffer_state *st)
{
	unsigned int i, v;

	for (i = TCP_BUFFER_RMEM; i <= TCP_BUFFER_WMEM; i++)
		for (v = 0; v < 3; v++)
			bpftune_tunable_set_max(tuner, i, v, st->cap);
	for (v = 0; v < 3; v++)
		bpftune_tunable_set_max(tuner, TCP_BUFFER_TCP_MEM, v,
					(long long)st->tcp_mem_cap);
	bpftune_tunable_set_max(tuner, TCP_BUFFER_CORE_RMEM_MAX, 0,
				(long long)st->core_max_cap);
	bpftune_tunable_set_max(tuner, TCP_BUFFER_CORE_WMEM_MAX, 0,
				(long long)st->core_max_cap);
}

static int attach_cgroup_progs(struct bpftune_tuner *tuner,
			       struct tcp_buffer_state *st)
{
	int err;

	err = bpftune_cgroup_attach(tuner, st->skel->progs.tcp_buffer_sockops);
	if (err)
		return err;
	return bpftune_cgroup_attach(tuner, st->skel->progs.tcp_buffer_setsockopt);
}

int init(struct bpftune_tuner *tuner)
{
	struct tcp_buffer_state *st;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	bpftune_tuner_set_priv(tuner, st);
	err = state_init(st);
	if (err)
		return err;
	err = bpftune_tunables_declare(tuner, tunables, ARRAY_SIZE(tunables),
				       scenarios, ARRAY_SIZE(scenarios));
	if (err)
		return err;
	set_caps(tuner, st);
	if (st->moderate_configured)
		bpftune_info("%s: tcp_moderate_rcvbuf is set in a sysctl configuration file; left to the administrator",
			     bpftune_tuner_name(tuner));
	st->skel = bpftune_bpf_open(tuner, tcp_buffer_bpf);
	if (!st->skel)
		return -errno ? -errno : -EINVAL;
	st->skel->rodata->dry_run = bpftune_dry_run();
	if (bpftune_dry_run())
		bpftune_info("%s: dry run: small-flow clamps and learned initial windows are not applied",
			     bpftune_tuner_name(tuner));
	err = bpftune_bpf_attach(tuner);
	if (err || bpftune_support_only())
		return err;
	err = attach_cgroup_progs(tuner, st);
	if (err)
		return err;
	core_max_refresh(tuner, st);
	wscale_room(tuner, st);
	st->timer = bpftune_timer_add(TCP_BUFFER_TICK_MS, tick, tuner);
	return st->timer < 0 ? st->timer : 0;
}

void fini(struct bpftune_tuner *tuner)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	if (st->timer >= 0)
		bpftune_timer_del(st->timer);
	tcp_buffer_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

void summary(struct bpftune_tuner *tuner)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);

	if (!st || !st->skel || !st->skel->bss)
		return;
	bpftune_info("summary: %s: %llu new flows clamped during memory strain, %llu clamps lifted, %llu connections started with a learned initial window, %u latency stops",
		     bpftune_tuner_name(tuner),
		     (unsigned long long)st->skel->bss->clamped_flows,
		     (unsigned long long)st->skel->bss->lifted_clamps,
		     (unsigned long long)st->skel->bss->iw_applied,
		     st->latency_blocks);
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	switch (ev->scenario) {
	case TCP_BUFFER_RMEM_NEARLY_FULL:
		grow_max(tuner, ev, TCP_BUFFER_RMEM, "receive");
		break;
	case TCP_BUFFER_WMEM_NEARLY_FULL:
		grow_max(tuner, ev, TCP_BUFFER_WMEM, "send");
		break;
	case TCP_BUFFER_MEM_PRESSURE:
		pressure(tuner, ev);
		break;
	case TCP_BUFFER_MEM_EXHAUSTION:
		exhaustion(tuner, ev, false);
		break;
	case TCP_BUFFER_LATENCY:
		latency_sample(tuner, ev);
		break;
	case TCP_BUFFER_SOCKBUF_REQUEST:
		sockbuf_request(tuner, ev);
		break;
	case TCP_BUFFER_SMALL_FLOW_CLAMP:
		small_flow(tuner, ev);
		break;
	case TCP_BUFFER_INITIAL_WINDOW:
		initial_window(tuner, ev);
		break;
	case TCP_BUFFER_MODERATE_RCVBUF:
		moderate_rcvbuf(tuner, ev);
		break;
	default:
		break;
	}
}
