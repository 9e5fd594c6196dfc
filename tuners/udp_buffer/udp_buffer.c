// SPDX-License-Identifier: GPL-2.0
/*
 * udp_buffer, user side.
 *
 * A UDP socket does not grow its receive buffer: it starts with
 * net.core.rmem_default, or twice what its owner asked with SO_RCVBUF
 * (clipped to net.core.rmem_max).  When datagrams are dropped because
 * such a buffer is full:
 *  - an automatically sized socket whose buffer is (nearly) rmem_default
 *    raises rmem_default by the learning rate (and rmem_max with it when
 *    rmem_default would pass it);
 *  - a socket whose owner set SO_RCVBUF never moves rmem_default; if its
 *    buffer is (nearly) the 2 x rmem_max it was clipped to, the owner
 *    wanted more than allowed, so rmem_max is raised;
 *  - the buffer limits are capped at 1/32 of RAM and 256 MiB, never set
 *    below 8 KiB (rmem_default is every socket's default, not only UDP's).
 * When datagrams are dropped because UDP memory as a whole reached
 * udp_mem's hard limit (or it is nearly reached), udp_mem grows by the
 * learning rate, each value bounded by a fraction of RAM.  When it may not
 * grow (at those bounds, or set by an administrator), crunch.c cuts
 * rmem_default back instead of raising it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpftune/libbpftune.h>

#include "udp_buffer_rules.h"
#include "udp_buffer.skel.h"

#define RMEM_FLOOR UDP_BUFFER_RMEM_FLOOR

static const struct bpftune_scenario_desc scenarios[] = {
	{ UDP_BUFFER_RCVBUF_FULL, "UDP receive buffer full",
	  "a UDP socket sized by rmem_default dropped datagrams because its buffer was full" },
	{ UDP_BUFFER_RCVBUF_CLIPPED, "UDP SO_RCVBUF clipped",
	  "a UDP socket that set SO_RCVBUF, clipped to rmem_max, dropped datagrams because its buffer was full" },
	{ UDP_BUFFER_MEM_EXHAUSTED, "UDP memory exhausted",
	  "UDP datagrams were dropped because all UDP sockets together reached udp_mem" },
	{ UDP_BUFFER_MEM_CRUNCH, "UDP memory crunch",
	  "UDP memory is exhausted and udp_mem may not grow, so a larger default buffer would only let each new socket take more of the memory that is short" },
	{ UDP_BUFFER_CRUNCH_OVER, "UDP memory crunch over",
	  "the UDP memory crunch has been over for a while, so rmem_default goes back to the value it had before it" },
};

static struct bpftune_tunable_desc tunables[] = {
	{ UDP_BUFFER_RMEM_DEFAULT, "net.core.rmem_default", BPFTUNE_GLOBAL, 1,
	  .min = { RMEM_FLOOR }, .max = { UDP_BUFFER_RMEM_LIMIT } },
	{ UDP_BUFFER_RMEM_MAX, "net.core.rmem_max", BPFTUNE_GLOBAL, 1,
	  .min = { RMEM_FLOOR }, .max = { UDP_BUFFER_RMEM_LIMIT } },
	{ UDP_BUFFER_UDP_MEM, "net.ipv4.udp_mem", BPFTUNE_GLOBAL, 3,
	  .min = { 1, 1, 1 }, .max = { LLONG_MAX, LLONG_MAX, LLONG_MAX } },
};

/* Raise rmem_max to at least want (one step at least), capped. */
static void rmem_max_raise(struct bpftune_tuner *tuner,
			   const struct bpftune_event *ev, long long want,
			   unsigned int scenario, const char *why)
{
	struct udp_buffer_state *st = bpftune_tuner_priv(tuner);
	struct bpftune_raise raise = {
		.tunable = UDP_BUFFER_RMEM_MAX,
		.scenario = scenario,
		.force = true,
		.cap = st->rmem_cap,
		.at_least = want,
	};

	bpftune_raise_near_limit(tuner, ev->netns_cookie, &raise, "%s", why);
}

static void rcvbuf_full(struct bpftune_tuner *tuner,
			const struct bpftune_event *ev)
{
	struct udp_buffer_state *st = bpftune_tuner_priv(tuner);
	unsigned int rate = bpftune_learning_rate();
	unsigned long long rcvbuf = ev->values[UDP_BUFFER_EV_RCVBUF];
	struct bpftune_raise raise = {
		.tunable = UDP_BUFFER_RMEM_DEFAULT,
		.scenario = UDP_BUFFER_RCVBUF_FULL,
		.force = true, /* compared with rdefault below */
		.cap = st->rmem_cap,
	};
	long long rdefault, rmax, next;
	char why[192];

	if (bpftune_sysctl_get(tuner, 0, UDP_BUFFER_RMEM_DEFAULT, &rdefault) ||
	    bpftune_sysctl_get(tuner, 0, UDP_BUFFER_RMEM_MAX, &rmax))
		return;
	if (ev->values[UDP_BUFFER_EV_LOCKED]) {
		/* the owner chose the size; only a clipped request counts */
		if (!bpftune_nearly_full(rcvbuf, 2 * (unsigned long long)rmax, rate))
			return;
		snprintf(why, sizeof(why),
			 "a UDP socket that set SO_RCVBUF was clipped to %llu bytes (2 x rmem_max) and dropped datagrams",
			 rcvbuf);
		rmem_max_raise(tuner, ev, 0, UDP_BUFFER_RCVBUF_CLIPPED, why);
		return;
	}
	/* an old socket made before we raised rmem_default: done already */
	if (!bpftune_nearly_full(rcvbuf, rdefault, rate) ||
	    crunch_holds_growth(tuner))
		return;
	snprintf(why, sizeof(why),
		 "a UDP socket with the default buffer (%llu bytes, %llu queued) dropped datagrams because it was full",
		 rcvbuf, (unsigned long long)ev->values[UDP_BUFFER_EV_RMEM]);
	next = (long long)bpftune_grow(rdefault, st->rmem_cap, rate);
	/* keep rmem_default within rmem_max, so that SO_RCVBUF can match it */
	if (next > rdefault && next > rmax &&
	    bpftune_tunable_usable(tuner, UDP_BUFFER_RMEM_DEFAULT, 0))
		rmem_max_raise(tuner, ev, next, UDP_BUFFER_RCVBUF_FULL, why);
	bpftune_raise_near_limit(tuner, ev->netns_cookie, &raise, "%s", why);
}

int udp_pages(long long *pages)
{
	char line[256];
	FILE *f;
	int err = -ENOENT;

	f = fopen("/proc/net/sockstat", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "UDP: inuse %*d mem %lld", pages) == 1)
			err = 0;
	fclose(f);
	return err;
}

/* UDP memory was exhausted and udp_mem was not raised: may it not grow? */
static void mem_stuck(struct bpftune_tuner *tuner, long long used,
		      const long long *cur)
{
	struct udp_buffer_state *st = bpftune_tuner_priv(tuner);
	char why[192];

	if (!bpftune_tunable_usable(tuner, UDP_BUFFER_UDP_MEM, 0))
		snprintf(why, sizeof(why),
			 "datagrams were dropped because UDP memory (%lld pages in use) reached udp_mem, which bpftune may not change (an administrator set it, or it cannot be written)",
			 used);
	else if (udp_buffer_mem_at_cap(cur, st->mem_cap))
		snprintf(why, sizeof(why),
			 "datagrams were dropped because UDP memory (%lld pages in use) reached udp_mem, which is at its safety cap (%lld %lld %lld pages)",
			 used, cur[0], cur[1], cur[2]);
	else
		return;
	crunch_seen(tuner, why);
}

static void mem_grow(struct bpftune_tuner *tuner, const struct bpftune_event *ev,
		     bool dropped)
{
	struct bpftune_raise raise = {
		.tunable = UDP_BUFFER_UDP_MEM,
		.scenario = UDP_BUFFER_MEM_EXHAUSTED,
		.index = 2,
		.every_value = true,
		.force = dropped,
	};
	long long used = -1;
	int ret;

	udp_pages(&used);
	if (!dropped && used < 0)
		return;
	raise.used = used;
	ret = bpftune_raise_near_limit(tuner, ev->netns_cookie, &raise,
				       dropped ? "datagrams were dropped: UDP memory (%lld pages in use) reached udp_mem's limit" :
						 "nearly no room left: UDP memory (%lld pages in use) is",
				       used);
	/* forced: 0 means udp_mem may not grow (or nothing was needed) */
	if (dropped && !ret)
		mem_stuck(tuner, used, raise.cur);
}

/* Does the kfree_skb tracepoint pass the receiving socket (6.11+)? */
static bool kfree_skb_has_rx_sk(void)
{
	int id = bpftune_btf_find("btf_trace_kfree_skb", BTF_KIND_TYPEDEF);
	const struct btf_type *t;

	/* typedef -> pointer -> prototype (void *ctx, skb, location, reason, rx_sk) */
	t = id > 0 ? bpftune_btf_type(bpftune_btf_resolve(id)) : NULL;
	return t && btf_is_func_proto(t) && btf_vlen(t) >= 5;
}

/*
 * Where the kfree_skb tracepoint carries no socket, trade it for
 * udp_fail_queue_rcv_skb; otherwise that one stays off (it would report
 * the same drops twice, and misses the udp_mem drops of 6.18).  Before
 * 6.11 no variant of udp_drop fits (sk_skb_reason_drop() is missing, the
 * tracepoint lacks the socket), so the hook is off by then: the legacy
 * tracepoint stands in if that tier may load.
 */
static void choose_legacy(struct bpftune_tuner *tuner, struct udp_buffer_bpf *skel)
{
	enum bpftune_tier tier = bpftune_hook_tier(tuner, "udp_drop");
	bool legacy = (tier == BPFTUNE_TIER_TRACEPOINT ||
		       (tier == BPFTUNE_TIER_NONE &&
			bpftune_tier_allowed(BPFTUNE_TIER_TRACEPOINT))) &&
		      !kfree_skb_has_rx_sk();

	bpf_program__set_autoload(skel->progs.udp_fail_legacy, legacy);
	if (!legacy)
		return;
	bpf_program__set_autoload(skel->progs.udp_drop__tp, false);
	bpftune_info("%s: kfree_skb has no receiving socket on this kernel; watching udp_fail_queue_rcv_skb instead",
		     bpftune_tuner_name(tuner));
}

int init(struct bpftune_tuner *tuner)
{
	struct udp_buffer_state *st;
	unsigned long long pages;
	unsigned int i;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->timer = -1; /* fini runs after a failed init too */
	bpftune_tuner_set_priv(tuner, st);
	err = bpftune_tunables_declare(tuner, tunables, ARRAY_SIZE(tunables),
				       scenarios, ARRAY_SIZE(scenarios));
	if (err)
		return err;
	st->rmem_cap = udp_buffer_rmem_cap(bpftune_ram_bytes());
	bpftune_tunable_set_max(tuner, UDP_BUFFER_RMEM_DEFAULT, 0, st->rmem_cap);
	bpftune_tunable_set_max(tuner, UDP_BUFFER_RMEM_MAX, 0, st->rmem_cap);
	pages = bpftune_ram_bytes() / (unsigned long long)sysconf(_SC_PAGESIZE);
	for (i = 0; i < 3; i++) {
		st->mem_cap[i] = udp_buffer_mem_cap(pages, i);
		bpftune_tunable_set_max(tuner, UDP_BUFFER_UDP_MEM, i,
					st->mem_cap[i]);
	}
	st->skel = bpftune_bpf_open(tuner, udp_buffer_bpf);
	if (!st->skel)
		return errno ? -errno : -EINVAL;
	choose_legacy(tuner, st->skel);
	err = bpftune_bpf_attach(tuner);
	if (err || bpftune_support_only())
		return err;
	return crunch_init(tuner, st);
}

void fini(struct bpftune_tuner *tuner)
{
	struct udp_buffer_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	crunch_fini(st);
	udp_buffer_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	switch (ev->scenario) {
	case UDP_BUFFER_RCVBUF_FULL:
		rcvbuf_full(tuner, ev);
		/* a full buffer can also mean memory ran short */
		mem_grow(tuner, ev, false);
		break;
	case UDP_BUFFER_MEM_EXHAUSTED:
		mem_grow(tuner, ev, true);
		break;
	default:
		break;
	}
}

BPFTUNE_PLUGIN("udp_buffer", .init = init, .fini = fini,
	       .event_handler = event_handler);
