// SPDX-License-Identifier: GPL-2.0
/*
 * sample, user side: raise net.ipv4.tcp_max_tw_buckets in a network
 * namespace when its TIME_WAIT sockets come near it, by the learning
 * rate, never above SAMPLE_TW_MAX.
 */
#include <errno.h>
#include <stdlib.h>
#include <bpftune/libbpftune.h>

#include "sample.h"
#include "sample.skel.h"

/*
 * Bound: 2^20 TIME_WAIT sockets per namespace.  Each holds a
 * struct tcp_timewait_sock (about 250 bytes on x86_64), so at the bound
 * they hold about 256 MiB; a host that closes connections faster than
 * that needs SO_REUSEADDR or connection reuse, not a longer table.
 */
#define SAMPLE_TW_MAX (1LL << 20)

static const struct bpftune_scenario_desc scenarios[] = {
	{ SAMPLE_TW_NEARLY_FULL, "TIME_WAIT table nearly full",
	  "past tcp_max_tw_buckets the kernel skips TIME_WAIT, so late segments of old connections can corrupt new ones" },
};

static const struct bpftune_tunable_desc tunables[] = {
	{ SAMPLE_MAX_TW_BUCKETS, "net.ipv4.tcp_max_tw_buckets", BPFTUNE_NETNS,
	  1, .min = { 1 }, .max = { SAMPLE_TW_MAX } },
};

int init(struct bpftune_tuner *tuner)
{
	struct sample_bpf *skel;
	int err;

	err = bpftune_tunables_declare(tuner, tunables, ARRAY_SIZE(tunables),
				       scenarios, ARRAY_SIZE(scenarios));
	if (err)
		return err;
	skel = bpftune_bpf_open(tuner, sample_bpf);
	if (!skel)
		return -errno ? -errno : -EINVAL;
	bpftune_tuner_set_priv(tuner, skel);
	return bpftune_bpf_attach(tuner);
}

void fini(struct bpftune_tuner *tuner)
{
	sample_bpf__destroy(bpftune_tuner_priv(tuner));
	bpftune_tuner_set_priv(tuner, NULL);
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	struct bpftune_raise raise = {
		.tunable = SAMPLE_MAX_TW_BUCKETS,
		.scenario = SAMPLE_TW_NEARLY_FULL,
		.used = ev->values[SAMPLE_EV_TW],
	};

	/* the core reads the limit, checks it is still nearly full (the
	 * event may predate a raise), grows it within SAMPLE_TW_MAX and
	 * logs why */
	if (ev->scenario == SAMPLE_TW_NEARLY_FULL)
		bpftune_raise_near_limit(tuner, ev->netns_cookie, &raise,
					 "%llu TIME_WAIT sockets are",
					 (unsigned long long)ev->values[SAMPLE_EV_TW]);
}

BPFTUNE_PLUGIN("sample", .init = init, .fini = fini,
	       .event_handler = event_handler);
