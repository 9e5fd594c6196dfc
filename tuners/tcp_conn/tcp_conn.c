// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_conn, user side: tells the sockops program which congestion-control
 * algorithms exist, attaches it to the daemon's cgroup, logs each change
 * of a host's choice once with the costs that caused it, logs once per
 * namespace and algorithm when the kernel refuses one, and prints the
 * per-host model in the summary.  The learning runs in BPF at each
 * connection's close (tcp_conn.bpf.c gathers the sample; the policy is
 * tcp_conn_learn() and tcp_conn_select() in tcp_conn.h, unit-tested on
 * the host).  This tuner changes no sysctl:
 * it sets TCP_CONGESTION on the connections of the -c cgroup only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpftune/libbpftune.h>

#include "tcp_conn.h"
#include "tcp_conn.skel.h"

#define AVAILABLE "net.ipv4.tcp_available_congestion_control"
#define ALLOWED "net.ipv4.tcp_allowed_congestion_control"
/* Debug log of the per-host state, when something was learned since. */
#define DEBUG_DUMP_MS 5000

static const struct bpftune_scenario_desc scenarios[] = {
	{ TCP_CONN_CHOICE, "congestion control chosen",
	  "the algorithm with the lowest smoothed cost (distance from the host's best RTT and delivery rate) is used for new connections to that host" },
	{ TCP_CONN_REFUSED, "congestion control refused",
	  "the kernel would not set this algorithm on a socket, so it is left out for that host" },
};

/* per namespace (the core's): algorithms whose refusal was logged */
struct tcp_conn_netns {
	unsigned int refused_logged; /* bit per algorithm */
};

struct tcp_conn_state {
	struct tcp_conn_bpf *skel;
	unsigned int nalgs;
	unsigned int rate_based;	/* bit per rate-based algorithm */
	char names[TCP_CONN_MAX_ALGS][TCP_CONN_NAME_LEN];
	char allowed[256];
	int dump_timer;
	unsigned long long dumped_measured;
};

/* Algorithms that pace at a measured bottleneck rate instead of backing
 * off on loss: the bbr family (bbr, bbr2, bbr3, ...). */
static int rate_based(const char *name)
{
	return !strncmp(name, "bbr", 3);
}

static int read_algorithms(struct bpftune_tuner *tuner,
			   struct tcp_conn_state *st)
{
	char line[512], *tok, *save = NULL;
	int err;

	err = bpftune_sysctl_read_str(BPFTUNE_GLOBAL_NETNS, AVAILABLE, line,
				      sizeof(line));
	if (err) {
		bpftune_err("%s: cannot read %s: %s", bpftune_tuner_name(tuner),
			    AVAILABLE, strerror(-err));
		return err;
	}
	for (tok = strtok_r(line, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (strlen(tok) >= TCP_CONN_NAME_LEN)
			continue;
		if (st->nalgs == TCP_CONN_MAX_ALGS) {
			bpftune_info("%s: more than %d congestion controls; using the first %d",
				     bpftune_tuner_name(tuner), TCP_CONN_MAX_ALGS,
				     TCP_CONN_MAX_ALGS);
			break;
		}
		if (rate_based(tok))
			st->rate_based |= 1U << st->nalgs;
		strcpy(st->names[st->nalgs++], tok);
	}
	if (st->nalgs < 2) {
		bpftune_info("%s: only %u congestion control available; nothing to choose",
			     bpftune_tuner_name(tuner), st->nalgs);
		return -ENOENT;
	}
	if (bpftune_sysctl_read_str(BPFTUNE_GLOBAL_NETNS, ALLOWED, st->allowed,
				    sizeof(st->allowed)))
		st->allowed[0] = 0;
	return 0;
}

static const char *alg_name(const struct tcp_conn_state *st, unsigned int alg)
{
	if (alg >= st->nalgs)
		return "none";
	return st->names[alg];
}

static void debug_dump(void *ctx);
static const struct bpftune_learned_ops learned_ops;

/*
 * Outside the initial namespace an application may only pick algorithms
 * in tcp_allowed_congestion_control, but the kernel lets BPF set any
 * available one (a BPF context counts as CAP_NET_ADMIN for this): say so
 * once, so nobody is surprised to see e.g. cubic in a namespace that
 * could not choose it itself.  Should the kernel refuse one after all,
 * that is logged once per namespace (on_refused) and the host chooses
 * among the others.
 */
static void note_restricted(struct bpftune_tuner *tuner,
			    const struct tcp_conn_state *st)
{
	char missing[TCP_CONN_MAX_ALGS * TCP_CONN_NAME_LEN] = "", padded[272];
	unsigned int i;

	if (!st->allowed[0])
		return;
	snprintf(padded, sizeof(padded), " %s ", st->allowed);
	for (i = 0; i < st->nalgs; i++) {
		char word[TCP_CONN_NAME_LEN + 2];

		snprintf(word, sizeof(word), " %s ", st->names[i]);
		if (strstr(padded, word))
			continue;
		snprintf(missing + strlen(missing),
			 sizeof(missing) - strlen(missing), "%s%s",
			 missing[0] ? " " : "", st->names[i]);
	}
	if (missing[0])
		bpftune_info("%s: not in net.ipv4.tcp_allowed_congestion_control: %s; applications in other namespaces cannot choose them, this tuner's BPF program may (the kernel allows it)",
			     bpftune_tuner_name(tuner), missing);
}

/* "bbr", "bbr or bbr2", or "no change" when none is available */
static const char *rate_list(const struct tcp_conn_state *st, char *buf,
			     size_t len)
{
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < st->nalgs; i++)
		if (st->rate_based & (1U << i))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 buf[0] ? " or " : "", st->names[i]);
	if (!buf[0])
		snprintf(buf, len, "no change (no rate-based algorithm available)");
	return buf;
}

int init(struct bpftune_tuner *tuner)
{
	struct tcp_conn_state *st;
	char list[TCP_CONN_MAX_ALGS * TCP_CONN_NAME_LEN] = "";
	char rates[TCP_CONN_MAX_ALGS * (TCP_CONN_NAME_LEN + 4) + 64];
	unsigned int i;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	bpftune_tuner_set_priv(tuner, st);
	err = bpftune_tunables_declare(tuner, NULL, 0, scenarios,
				       ARRAY_SIZE(scenarios));
	if (!err)
		err = bpftune_netns_state_declare(tuner,
						  sizeof(struct tcp_conn_netns),
						  NULL);
	if (err)
		return err;
	err = read_algorithms(tuner, st);
	if (err)
		return err;
	st->skel = bpftune_bpf_open(tuner, tcp_conn_bpf);
	if (!st->skel)
		return -errno ? -errno : -EINVAL;
	st->skel->rodata->tcp_conn_nalgs = st->nalgs;
	st->skel->rodata->tcp_conn_rate_based = st->rate_based;
	for (i = 0; i < st->nalgs; i++) {
		memcpy((char *)st->skel->rodata->tcp_conn_names[i], st->names[i],
		       TCP_CONN_NAME_LEN);
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? " " : "", st->names[i]);
	}
	if (bpftune_support_only())
		return 0;
	if (bpftune_dry_run()) {
		bpftune_info("%s: dry run: learning needs to set congestion control on live connections, so this tuner stays idle",
			     bpftune_tuner_name(tuner));
		return 0;
	}
	err = bpftune_bpf_attach(tuner);
	if (err)
		return err;
	err = bpftune_cgroup_attach(tuner, st->skel->progs.tcp_conn_sockops);
	if (err)
		return err;
	bpftune_info("%s: choosing congestion control per remote host among: %s; exploration costs at most %llu%% per alternative; %.0f%% retransmitted means %s at once",
		     bpftune_tuner_name(tuner), list,
		     TCP_CONN_BUDGET * 100 / TCP_CONN_COST_ONE,
		     TCP_CONN_HEAVY_PERMILLE / 10.0, rate_list(st, rates, sizeof(rates)));
	note_restricted(tuner, st);
	bpftune_learned_register(tuner, &learned_ops);
	st->dump_timer = bpftune_timer_add(DEBUG_DUMP_MS, debug_dump, tuner);
	return 0;
}

void fini(struct bpftune_tuner *tuner)
{
	struct tcp_conn_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	if (st->dump_timer > 0)
		bpftune_timer_del(st->dump_timer);
	tcp_conn_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

static void host_str(const struct tcp_conn_host_key *key, char *buf,
		     size_t len)
{
	int family = key->family == 10 ? AF_INET6 : AF_INET;

	if (!inet_ntop(family, key->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* When an alternative is explored next, "" for the choice. */
static void next_str(const struct tcp_conn_host *h, unsigned int i, char *buf,
		     size_t len)
{
	buf[0] = 0;
	if (h->choice < TCP_CONN_MAX_ALGS && i != h->choice)
		snprintf(buf, len, ", next at %u", h->alg[i].next_try);
}

/* "reno 0.052 (3 conns, 4 tries, last 0.041, next at 57), bbr ..." */
static void costs_str(const struct tcp_conn_state *st,
		      const struct tcp_conn_host *h, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;
	char next[32];

	buf[0] = 0;
	for (i = 0; i < st->nalgs && off < len; i++) {
		const struct tcp_conn_alg *a = &h->alg[i];

		next_str(h, i, next, sizeof(next));
		if (h->refused & (1U << i))
			off += snprintf(buf + off, len - off, "%s%s refused",
					off ? ", " : "", st->names[i]);
		else if (!a->samples)
			off += snprintf(buf + off, len - off, "%s%s untried (%u tries%s)",
					off ? ", " : "", st->names[i], a->tries,
					next);
		else
			off += snprintf(buf + off, len - off,
					"%s%s %.3f (%u conns, %u tries, last %.3f%s)",
					off ? ", " : "", st->names[i],
					(double)a->value / TCP_CONN_COST_ONE,
					a->samples, a->tries,
					(double)a->last_cost / TCP_CONN_COST_ONE,
					next);
	}
}

/* Why the choice moved, for the log. */
static void cause_str(const struct tcp_conn_state *st, __u64 what,
		      const struct bpftune_event *ev, char *buf, size_t len)
{
	unsigned int old = (what >> 8) & 0xff, cause = (what >> 24) & 0xff;
	double pct = (double)(what >> 32) / 10;

	if (cause == TCP_CONN_CAUSE_HEAVY_LOSS)
		snprintf(buf, len, "because %.1f %% of segments were retransmitted (heavy: >= %.0f %%): rate-based at once, loss-based algorithms only explored",
			 pct, TCP_CONN_HEAVY_PERMILLE / 10.0);
	else if (old >= st->nalgs)
		snprintf(buf, len, "(warm-up done), lowest cost %.3f",
			 (double)ev->values[TCP_CONN_EV_NEW_COST] / TCP_CONN_COST_ONE);
	else
		snprintf(buf, len, "because cost %.3f < %.3f",
			 (double)ev->values[TCP_CONN_EV_NEW_COST] / TCP_CONN_COST_ONE,
			 (double)ev->values[TCP_CONN_EV_OLD_COST] / TCP_CONN_COST_ONE);
}

static void on_choice(struct bpftune_tuner *tuner, struct tcp_conn_state *st,
		      const struct bpftune_event *ev)
{
	struct tcp_conn_host_key key = { .netns_cookie = ev->netns_cookie };
	__u64 what = ev->values[TCP_CONN_EV_WHAT];
	unsigned int old = (what >> 8) & 0xff, new = (what >> 16) & 0xff;
	struct tcp_conn_host h;
	char host[64], ns[64], costs[768] = "", why[160], from[24] = "";

	key.family = what & 0xff;
	key.addr[0] = (__u32)ev->values[TCP_CONN_EV_ADDR0];
	key.addr[1] = (__u32)(ev->values[TCP_CONN_EV_ADDR0] >> 32);
	key.addr[2] = (__u32)ev->values[TCP_CONN_EV_ADDR1];
	key.addr[3] = (__u32)(ev->values[TCP_CONN_EV_ADDR1] >> 32);
	host_str(&key, host, sizeof(host));
	bpftune_netns_str(ev->netns_cookie, ns, sizeof(ns));
	if (!bpf_map_lookup_elem(bpf_map__fd(st->skel->maps.tcp_conn_hosts),
				 &key, &h))
		costs_str(st, &h, costs, sizeof(costs));
	cause_str(st, what, ev, why, sizeof(why));
	if (old < st->nalgs)
		snprintf(from, sizeof(from), "%s -> ", alg_name(st, old));
	bpftune_info("%s: host %s in %s: congestion control %s%s after %llu measured connections %s; costs: %s",
		     bpftune_tuner_name(tuner), host, ns, from, alg_name(st, new),
		     (unsigned long long)ev->values[TCP_CONN_EV_MEASURED], why,
		     costs);
}

/* Once per namespace and algorithm. */
static void on_refused(struct bpftune_tuner *tuner, struct tcp_conn_state *st,
		       const struct bpftune_event *ev)
{
	unsigned int alg = (unsigned int)ev->values[0];
	struct tcp_conn_netns *n = bpftune_netns_state(tuner, ev->netns_cookie);
	int err = (int)ev->values[1];
	char ns[64];

	if (n && alg < TCP_CONN_MAX_ALGS) {
		if (n->refused_logged & (1U << alg))
			return;
		n->refused_logged |= 1U << alg;
	}
	bpftune_info("%s: the kernel refused congestion control %s in %s (%s)%s; choosing among the others there",
		     bpftune_tuner_name(tuner), alg_name(st, alg),
		     bpftune_netns_str(ev->netns_cookie, ns, sizeof(ns)),
		     strerror(err),
		     err == EPERM ? ": outside the initial namespace only algorithms in net.ipv4.tcp_allowed_congestion_control may be set" :
				    "");
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	struct tcp_conn_state *st = bpftune_tuner_priv(tuner);

	switch (ev->scenario) {
	case TCP_CONN_CHOICE:
		on_choice(tuner, st, ev);
		break;
	case TCP_CONN_REFUSED:
		on_refused(tuner, st, ev);
		break;
	default:
		break;
	}
}

/* Log every host's state at level, prefixed; returns hosts, sets total. */
static unsigned int log_hosts(struct bpftune_tuner *tuner,
			      struct tcp_conn_state *st, int level,
			      const char *prefix, unsigned long long *measured)
{
	struct tcp_conn_host_key key, next;
	struct tcp_conn_host h;
	char host[64], ns[64], costs[768];
	unsigned int hosts = 0;
	void *prev = NULL;
	int fd;

	*measured = 0;
	fd = bpf_map__fd(st->skel->maps.tcp_conn_hosts);
	if (fd < 0)
		return 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &h))
			continue;
		hosts++;
		*measured += h.measured;
		if (level < 0)
			continue;
		host_str(&key, host, sizeof(host));
		costs_str(st, &h, costs, sizeof(costs));
		bpftune_log(level, "%s%s: host %s in %s: %s%s (since measured connection %u of %u); best RTT %llu us, best rate %.1f Mbit/s, %.1f %% retransmitted%s; costs: %s",
			    prefix, bpftune_tuner_name(tuner), host,
			    bpftune_netns_str(key.netns_cookie, ns, sizeof(ns)),
			    h.choice < st->nalgs ? "chose " : "still warming up, no choice",
			    h.choice < st->nalgs ? alg_name(st, h.choice) : "",
			    h.choice_since, h.measured,
			    h.min_rtt_us == ~0ULL ? 0ULL :
						    (unsigned long long)h.min_rtt_us,
			    h.max_rate * 8 / 1e6, h.retrans_pm / 10.0,
			    h.flags & TCP_CONN_HEAVY ? " (heavy)" : "", costs);
	}
	return hosts;
}

/* Debug: the model, each time connections have taught it something. */
static void debug_dump(void *ctx)
{
	struct bpftune_tuner *tuner = ctx;
	struct tcp_conn_state *st = bpftune_tuner_priv(tuner);
	unsigned long long measured;

	log_hosts(tuner, st, -1, "", &measured);
	if (measured == st->dumped_measured)
		return;
	st->dumped_measured = measured;
	log_hosts(tuner, st, LOG_DEBUG, "model: ", &measured);
}

void summary(struct bpftune_tuner *tuner)
{
	struct tcp_conn_state *st = bpftune_tuner_priv(tuner);
	unsigned long long measured;

	if (!st || !st->skel)
		return;
	if (!log_hosts(tuner, st, LOG_INFO, "summary: ", &measured))
		bpftune_info("summary: %s: no remote hosts seen",
			     bpftune_tuner_name(tuner));
}

/*
 * Learned state for bpftune -q export / --import: per host, the choice,
 * and per algorithm measured there its smoothed cost, rate, RTT and
 * number of measured connections.  The model keeps no time, so an entry's
 * age is that of the export.  Hosts still warming up have chosen nothing
 * and are left out.
 */
static void set_alg_metric(struct bpftune_learned *l, const char *alg,
			   const char *what, long long v)
{
	char name[BPFTUNE_LEARNED_NAME_LEN];

	snprintf(name, sizeof(name), "%s.%s", alg, what);
	bpftune_learned_set(l, name, v);
}

static bool get_alg_metric(const struct bpftune_learned *l, const char *alg,
			   const char *what, long long lo, long long hi,
			   long long *v)
{
	char name[BPFTUNE_LEARNED_NAME_LEN];

	snprintf(name, sizeof(name), "%s.%s", alg, what);
	if (!bpftune_learned_get(l, name, v))
		return false;
	*v = *v < lo ? lo : *v > hi ? hi : *v;
	return true;
}

static void export_host(const struct tcp_conn_state *st,
			const struct tcp_conn_host_key *key,
			const struct tcp_conn_host *h, struct bpftune_learned *l)
{
	unsigned int i;

	memset(l, 0, sizeof(*l));
	l->netns_cookie = key->netns_cookie;
	host_str(key, l->key, sizeof(l->key));
	snprintf(l->value, sizeof(l->value), "%s", alg_name(st, h->choice));
	bpftune_learned_set(l, "measured", h->measured);
	bpftune_learned_set(l, "retrans_pm", h->retrans_pm);
	for (i = 0; i < st->nalgs; i++) {
		const struct tcp_conn_alg *a = &h->alg[i];

		if (!a->samples || (h->refused & (1U << i)))
			continue;
		set_alg_metric(l, st->names[i], "cost", (long long)a->value);
		set_alg_metric(l, st->names[i], "rate", (long long)a->rate);
		set_alg_metric(l, st->names[i], "rtt_us", (long long)a->rtt_us);
		set_alg_metric(l, st->names[i], "conns", a->samples);
	}
}

static void export_hosts(struct bpftune_tuner *tuner,
			 struct bpftune_learned_sink *sink)
{
	struct tcp_conn_state *st = bpftune_tuner_priv(tuner);
	struct tcp_conn_host_key key, next;
	struct bpftune_learned l;
	struct tcp_conn_host h;
	void *prev = NULL;
	int fd = bpf_map__fd(st->skel->maps.tcp_conn_hosts);

	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &h) || h.choice >= st->nalgs)
			continue;
		export_host(st, &key, &h, &l);
		bpftune_learned_add(sink, &l);
	}
}

static int alg_index(const struct tcp_conn_state *st, const char *name)
{
	unsigned int i;

	for (i = 0; i < st->nalgs; i++)
		if (!strcmp(st->names[i], name))
			return (int)i;
	return -1;
}

/* Each algorithm the other host measured, as if measured here, within
 * the model's own ranges; the others warm up here as usual. */
static void seed_algs(const struct tcp_conn_state *st,
		      const struct bpftune_learned *l, struct tcp_conn_host *h)
{
	struct tcp_conn_alg *a;
	long long cost, rate = 0, rtt = 0, conns = 1;
	unsigned int i;

	for (i = 0; i < st->nalgs; i++) {
		if (!get_alg_metric(l, st->names[i], "cost", 0,
				    16 * TCP_CONN_COST_ONE, &cost))
			continue;
		get_alg_metric(l, st->names[i], "rate", 0, TCP_CONN_RATE_CAP, &rate);
		get_alg_metric(l, st->names[i], "rtt_us", 1, 60000000, &rtt);
		get_alg_metric(l, st->names[i], "conns", 1, TCP_CONN_WARMUP, &conns);
		a = &h->alg[i];
		a->value = a->last_cost = (__u64)cost;
		a->rate = (__u64)rate;
		a->rtt_us = (__u64)rtt;
		a->samples = a->tries = (__u32)conns;
		h->settled |= 1U << i;
		if (a->rtt_us && a->rtt_us < h->min_rtt_us)
			h->min_rtt_us = a->rtt_us;
		if (a->rate > h->max_rate)
			h->max_rate = a->rate;
	}
	for (i = 0; i < st->nalgs; i++)
		if (i != h->choice && h->alg[i].samples)
			h->alg[i].next_try = tcp_conn_interval(tcp_conn_gap(h, i), 0);
}

static int refuse(const char **why, const char *reason, int err)
{
	*why = reason;
	return err;
}

static int import_host(struct bpftune_tuner *tuner,
		       const struct bpftune_learned *l, const char **why)
{
	struct tcp_conn_state *st = bpftune_tuner_priv(tuner);
	struct tcp_conn_host_key key = { .netns_cookie = l->netns_cookie };
	struct tcp_conn_host h = { .min_rtt_us = ~0ULL };
	long long pm = 0;
	int choice;

	if (inet_pton(AF_INET, l->key, key.addr) == 1)
		key.family = AF_INET;
	else if (inet_pton(AF_INET6, l->key, key.addr) == 1)
		key.family = AF_INET6;
	else
		return refuse(why, "not an IP address", -EINVAL);
	choice = alg_index(st, l->value);
	if (choice < 0)
		return refuse(why, "that congestion control is not available here",
			      -ENOENT);
	h.choice = (__u32)choice;
	seed_algs(st, l, &h);
	if (!h.alg[choice].samples)
		return refuse(why, "no cost given for the chosen algorithm",
			      -EINVAL);
	if (bpftune_learned_get(l, "retrans_pm", &pm))
		h.retrans_pm = pm < 0 ? 0 : pm > 1000 ? 1000 : (__u32)pm;
	if (getrandom(&h.rng, sizeof(h.rng), 0) != sizeof(h.rng) || !h.rng)
		h.rng = 0x9e3779b97f4a7c15ULL;
	if (bpf_map_update_elem(bpf_map__fd(st->skel->maps.tcp_conn_hosts),
				&key, &h, BPF_NOEXIST))
		return refuse(why, errno == EEXIST ? "already learned here" :
						     "cannot store it", -errno);
	return 0;
}

static const struct bpftune_learned_ops learned_ops = {
	.export = export_hosts,
	.import = import_host,
};

BPFTUNE_PLUGIN("tcp_conn", .init = init, .fini = fini,
	       .event_handler = event_handler, .summary = summary);
