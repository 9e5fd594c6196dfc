// SPDX-License-Identifier: GPL-2.0
/*
 * ip_frag, user side.
 *
 * When a namespace's reassembly memory nears (or hits) its limit, raise
 * net.ipv4.ipfrag_high_thresh / net.ipv6.ip6frag_high_thresh there by the
 * learning rate, up to a cap.  Memory for fragments is only worth giving
 * when datagrams complete: once a second, for each namespace we changed,
 * we record (threshold, reassembly failures in that second).  When the
 * failures rise with the threshold (Pearson r > 0.75 over >= 5 seconds),
 * the extra memory only holds fragments that never complete (loss, or a
 * fragment flood): step back and stop raising it in that namespace.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpftune/libbpftune.h>
#include <bpftune/correlate.h>

#include "ip_frag.h"
#include "ip_frag.skel.h"

#define IP_FRAG_TIMER_MS 1000
#define IP_FRAG_CORR_SAMPLES 5
#define IP_FRAG_CORR_THRESHOLD 0.75

static const struct bpftune_scenario_desc scenarios[] = {
	{ IP_FRAG_V4_NEARLY_FULL, "IPv4 reassembly memory nearly full",
	  "incomplete IPv4 datagrams nearly filled ipfrag_high_thresh; past it new fragments are dropped" },
	{ IP_FRAG_V6_NEARLY_FULL, "IPv6 reassembly memory nearly full",
	  "incomplete IPv6 datagrams nearly filled ip6frag_high_thresh; past it new fragments are dropped" },
	{ IP_FRAG_FAILURES_RISE, "reassembly failures rise with the limit",
	  "more reassembly memory only kept more datagrams that never completed" },
};

static struct bpftune_tunable_desc tunables[] = {
	{ IP_FRAG_V4_HIGH_THRESH, "net.ipv4.ipfrag_high_thresh", BPFTUNE_NETNS,
	  1, .min = { 1 }, .max = { IP_FRAG_CAP_MAX } },
	{ IP_FRAG_V6_HIGH_THRESH, "net.ipv6.ip6frag_high_thresh",
	  BPFTUNE_NETNS | BPFTUNE_OPTIONAL, 1, .min = { 1 },
	  .max = { IP_FRAG_CAP_MAX } },
};

/* per namespace (the core's: freed when the namespace goes) */
struct ip_frag_netns {
	struct {
		bool changed, backed_off;
		long long orig;	/* threshold before our first change */
		unsigned long long fails; /* failure count at the last look */
		struct bpftune_corr corr;
	} fam[IP_FRAG_FAMILIES];
};

struct ip_frag_state {
	struct ip_frag_bpf *skel;
	int timer;
	long long cap;
	char cap_why[48];
};

static unsigned long long fails_read(struct ip_frag_state *st,
				     unsigned long long cookie,
				     unsigned int family)
{
	struct ip_frag_fail_key key = { .netns_cookie = cookie,
					.family = family };
	__u64 value = 0;

	bpf_map_lookup_elem(bpf_map__fd(st->skel->maps.reasm_fails), &key,
			    &value);
	return value;
}

/* Assessment: fragments of failed reassemblies in a netns (a counter). */
static int failed_fragments(struct bpftune_tuner *tuner,
			    unsigned long long cookie, double *value)
{
	struct ip_frag_state *st = bpftune_tuner_priv(tuner);

	if (!st || !st->skel)
		return -ENOENT;
	*value = (double)fails_read(st, cookie, 0) + fails_read(st, cookie, 1);
	return 0;
}

static const struct bpftune_measure failures_measure = {
	.what = "fragments of failed reassemblies per second",
	.counter = true,
	.sample = failed_fragments,
};

/* A namespace's failure counts start when it is first followed. */
static void netns_init(struct bpftune_tuner *tuner, unsigned long long cookie,
		       void *state)
{
	struct ip_frag_state *st = bpftune_tuner_priv(tuner);
	struct ip_frag_netns *n = state;
	unsigned int i;

	for (i = 0; i < IP_FRAG_FAMILIES; i++)
		n->fam[i].fails = fails_read(st, cookie, i);
}

static void grow(struct bpftune_tuner *tuner, const struct bpftune_event *ev,
		 unsigned int family)
{
	struct ip_frag_state *st = bpftune_tuner_priv(tuner);
	struct ip_frag_netns *n = bpftune_netns_state_find(tuner, ev->netns_cookie);
	struct bpftune_raise raise = {
		.tunable = family == IP_FRAG_V4 ? IP_FRAG_V4_HIGH_THRESH :
						  IP_FRAG_V6_HIGH_THRESH,
		.scenario = ev->scenario,
		.used = ev->values[IP_FRAG_EV_MEM],
		.cap = st->cap,
		.cap_why = st->cap_why,
	};

	if (n && n->fam[family].backed_off)
		return;
	if (bpftune_raise_near_limit(tuner, ev->netns_cookie, &raise,
				     "incomplete datagrams hold %llu bytes,",
				     raise.used) <= 0)
		return;
	n = bpftune_netns_state(tuner, ev->netns_cookie);
	if (!n || n->fam[family].changed)
		return;
	n->fam[family].orig = raise.cur[0];
	n->fam[family].changed = true;
}

/* One second of one family in one namespace: sample, maybe back off;
 * false when the namespace is gone (its state is dropped). */
static bool watch_failures(struct bpftune_tuner *tuner,
			   struct ip_frag_state *st, unsigned long long cookie,
			   struct ip_frag_netns *n, unsigned int family)
{
	unsigned int tunable = family == IP_FRAG_V4 ? IP_FRAG_V4_HIGH_THRESH :
						      IP_FRAG_V6_HIGH_THRESH;
	unsigned long long fails, delta;
	long long cur, next;
	double r;

	if (!n->fam[family].changed || n->fam[family].backed_off)
		return true;
	fails = fails_read(st, cookie, family);
	delta = fails - n->fam[family].fails;
	n->fam[family].fails = fails;
	if (bpftune_sysctl_get(tuner, cookie, tunable, &cur)) {
		/* the namespace is gone: stop following it */
		bpftune_netns_state_drop(tuner, cookie);
		return false;
	}
	bpftune_corr_add(&n->fam[family].corr, cur, delta);
	if (!delta || !bpftune_corr_strong(&n->fam[family].corr,
					   IP_FRAG_CORR_SAMPLES,
					   IP_FRAG_CORR_THRESHOLD))
		return true;
	r = bpftune_corr_value(&n->fam[family].corr);
	n->fam[family].backed_off = true;
	next = (long long)bpftune_shrink(cur, n->fam[family].orig,
					 bpftune_learning_rate());
	bpftune_sysctl_update(tuner, cookie, tunable, &next,
			      IP_FRAG_FAILURES_RISE,
			      "fragments of failed reassemblies (%llu in the last second) rose with %s (r=%.2f over %us); not raising it again there",
			      delta, tunables[tunable].name, r,
			      n->fam[family].corr.count);
	return true;
}

static void watch_netns(struct bpftune_tuner *tuner, unsigned long long cookie,
			void *state, void *ctx)
{
	unsigned int family;

	for (family = 0; family < IP_FRAG_FAMILIES; family++)
		if (!watch_failures(tuner, ctx, cookie, state, family))
			return;
}

static void on_timer(void *ctx)
{
	struct bpftune_tuner *tuner = ctx;

	bpftune_netns_state_each(tuner, watch_netns, bpftune_tuner_priv(tuner));
}

int init(struct bpftune_tuner *tuner)
{
	struct ip_frag_state *st;
	unsigned int i;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->timer = -1;
	bpftune_tuner_set_priv(tuner, st);
	st->cap = ip_frag_cap(bpftune_ram_bytes());
	snprintf(st->cap_why, sizeof(st->cap_why), "bytes = min(1 GiB, RAM/%d)",
		 IP_FRAG_RAM_FRACTION);
	err = bpftune_netns_state_declare(tuner, sizeof(struct ip_frag_netns),
					  netns_init);
	if (err)
		return err;
	err = bpftune_tunables_declare(tuner, tunables, ARRAY_SIZE(tunables),
				       scenarios, ARRAY_SIZE(scenarios));
	if (err)
		return err;
	bpftune_scenario_measure(tuner, IP_FRAG_V4_NEARLY_FULL, &failures_measure);
	bpftune_scenario_measure(tuner, IP_FRAG_V6_NEARLY_FULL, &failures_measure);
	for (i = 0; i < ARRAY_SIZE(tunables); i++)
		bpftune_tunable_set_max(tuner, i, 0, st->cap);
	st->skel = bpftune_bpf_open(tuner, ip_frag_bpf);
	if (!st->skel)
		return errno ? -errno : -EINVAL;
	err = bpftune_bpf_attach(tuner);
	if (err || bpftune_support_only())
		return err;
	st->timer = bpftune_timer_add(IP_FRAG_TIMER_MS, on_timer, tuner);
	return st->timer < 0 ? st->timer : 0;
}

void fini(struct bpftune_tuner *tuner)
{
	struct ip_frag_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	if (st->timer >= 0)
		bpftune_timer_del(st->timer);
	ip_frag_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	switch (ev->scenario) {
	case IP_FRAG_V4_NEARLY_FULL:
		grow(tuner, ev, IP_FRAG_V4);
		break;
	case IP_FRAG_V6_NEARLY_FULL:
		grow(tuner, ev, IP_FRAG_V6);
		break;
	default:
		break;
	}
}

BPFTUNE_PLUGIN("ip_frag", .init = init, .fini = fini,
	       .event_handler = event_handler);
