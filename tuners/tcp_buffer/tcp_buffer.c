// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer, user side: raise tcp_rmem[2] / tcp_wmem[2] in a namespace
 * when its sockets' buffers reach them, by the learning rate, never above
 * the safety cap: min(INT_MAX, RAM / 32) per socket buffer.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <bpftune/libbpftune.h>

#include "tcp_buffer.h"
#include "tcp_buffer.skel.h"

/* One socket may hold at most 1/32 of RAM in its buffer. */
#define TCP_BUFFER_RAM_FRACTION 32

static const struct bpftune_scenario_desc scenarios[] = {
	{ TCP_BUFFER_RMEM_NEARLY_FULL, "receive buffer nearly full",
	  "a socket's receive buffer reached tcp_rmem max, so the receive window cannot open further" },
	{ TCP_BUFFER_WMEM_NEARLY_FULL, "send buffer nearly full",
	  "a socket's send buffer reached tcp_wmem max, so the sender cannot keep more data in flight" },
};

static struct bpftune_tunable_desc tunables[] = {
	{ TCP_BUFFER_RMEM, "net.ipv4.tcp_rmem", BPFTUNE_NETNS, 3,
	  .min = { 1, 1, 1 }, .max = { INT_MAX, INT_MAX, INT_MAX } },
	{ TCP_BUFFER_WMEM, "net.ipv4.tcp_wmem", BPFTUNE_NETNS, 3,
	  .min = { 1, 1, 1 }, .max = { INT_MAX, INT_MAX, INT_MAX } },
};

struct tcp_buffer_state {
	struct tcp_buffer_bpf *skel;
	long long cap;
	/* namespaces already told that the cap is reached (bounded) */
	unsigned long long capped[TCP_BUFFER_TUNABLES][64];
	unsigned int ncapped[TCP_BUFFER_TUNABLES];
};

static long long tcp_buffer_cap(unsigned long long ram)
{
	unsigned long long cap = ram / TCP_BUFFER_RAM_FRACTION;

	if (!cap || cap > INT_MAX)
		return INT_MAX;
	return (long long)cap;
}

int init(struct bpftune_tuner *tuner)
{
	struct tcp_buffer_state *st;
	unsigned int i, v;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	bpftune_tuner_set_priv(tuner, st);
	st->cap = tcp_buffer_cap(bpftune_ram_bytes());
	err = bpftune_tunables_declare(tuner, tunables, ARRAY_SIZE(tunables),
				       scenarios, ARRAY_SIZE(scenarios));
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(tunables); i++)
		for (v = 0; v < 3; v++)
			bpftune_tunable_set_max(tuner, i, v, st->cap);
	st->skel = bpftune_bpf_open(tuner, tcp_buffer_bpf);
	if (!st->skel)
		return -errno ? -errno : -EINVAL;
	return bpftune_bpf_attach(tuner);
}

void fini(struct bpftune_tuner *tuner)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	tcp_buffer_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

/* Log once per namespace that the cap stops further growth. */
static void note_capped(struct bpftune_tuner *tuner,
			struct tcp_buffer_state *st, unsigned int tunable,
			unsigned long long cookie)
{
	char ns[64];
	unsigned int i;

	for (i = 0; i < st->ncapped[tunable]; i++)
		if (st->capped[tunable][i] == cookie)
			return;
	if (st->ncapped[tunable] < ARRAY_SIZE(st->capped[tunable]))
		st->capped[tunable][st->ncapped[tunable]++] = cookie;
	bpftune_info("%s: %s max is at its safety cap (%lld bytes = min(INT_MAX, RAM/%d)) in %s; can no longer grow",
		     bpftune_tuner_name(tuner), tunables[tunable].name, st->cap,
		     TCP_BUFFER_RAM_FRACTION,
		     bpftune_netns_str(cookie, ns, sizeof(ns)));
}

static void grow_max(struct bpftune_tuner *tuner, const struct bpftune_event *ev,
		     unsigned int tunable, const char *what)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	unsigned int rate = bpftune_learning_rate();
	long long cur[3], next[3];

	if (!bpftune_tunable_usable(tuner, tunable, ev->netns_cookie))
		return;
	if (bpftune_sysctl_get(tuner, ev->netns_cookie, tunable, cur))
		return;
	/* The event may describe a limit we already raised: act only while
	 * the buffer is still near the current limit. */
	if (!bpftune_nearly_full(ev->values[TCP_BUFFER_EV_BUF], cur[2], rate))
		return;
	if (cur[2] >= st->cap) {
		note_capped(tuner, st, tunable, ev->netns_cookie);
		return;
	}
	memcpy(next, cur, sizeof(next));
	next[2] = (long long)bpftune_grow(cur[2], st->cap, rate);
	bpftune_sysctl_update(tuner, ev->netns_cookie, tunable, next,
			      ev->scenario,
			      "a socket's %s buffer (%llu bytes) is within %llu%% of %s max (%lld)",
			      what, (unsigned long long)ev->values[TCP_BUFFER_EV_BUF],
			      (unsigned long long)bpftune_rate_pct(rate),
			      tunables[tunable].name, cur[2]);
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
	default:
		break;
	}
}
