// SPDX-License-Identifier: GPL-2.0
/*
 * A tuner for tests only (never installed): its events and its outcome
 * measure are driven by files in $BPFTUNE_ASSESS_DIR, so a test can make a
 * change look helpful or harmful and watch the core's assessment.
 *
 *   netns    the netns cookie to act in (decimal)
 *   grow     present: raise net.core.somaxconn once (file is removed)
 *   measure  the outcome, a number; higher is better
 *
 * Two strategies: "big-steps" adds 100, "small-steps" adds 10.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpftune/libbpftune.h>
#include "probe_file.h"

enum { PROBE_GROW, PROBE_SCENARIOS };
enum { PROBE_SOMAXCONN };

static const struct bpftune_scenario_desc scenarios[] = {
	{ PROBE_GROW, "probe grow", "the test asked for a larger somaxconn" },
};

static const struct bpftune_tunable_desc tunables[] = {
	{ PROBE_SOMAXCONN, "net.core.somaxconn", BPFTUNE_NETNS, 1,
	  .min = { 16 }, .max = { 65535 } },
};

static const char *const strategies[] = { "big-steps", "small-steps" };

struct probe_state {
	char dir[256];
	int timer;
};

static int sample(struct bpftune_tuner *tuner, unsigned long long cookie,
		  double *value)
{
	struct probe_state *st = bpftune_tuner_priv(tuner);
	char buf[64];

	(void)cookie;
	if (read_file(st->dir, "measure", buf, sizeof(buf)))
		return -ENOENT;
	*value = strtod(buf, NULL);
	return 0;
}

static const struct bpftune_measure measure = {
	.what = "probe outcome",
	.higher_is_better = true,
	.sample = sample,
};

static void tick(void *ctx)
{
	struct bpftune_tuner *tuner = ctx;
	struct probe_state *st = bpftune_tuner_priv(tuner);
	unsigned long long cookie;
	char buf[64], path[512];
	long long v;

	snprintf(path, sizeof(path), "%s/grow", st->dir);
	if (access(path, F_OK) || read_file(st->dir, "netns", buf, sizeof(buf)))
		return;
	unlink(path);
	cookie = strtoull(buf, NULL, 10);
	if (bpftune_sysctl_get(tuner, cookie, PROBE_SOMAXCONN, &v))
		return;
	v += bpftune_strategy(tuner) == 0 ? 100 : 10;
	bpftune_sysctl_update(tuner, cookie, PROBE_SOMAXCONN, &v, PROBE_GROW,
			      "the test asked (strategy %s)",
			      strategies[bpftune_strategy(tuner)]);
}

int init(struct bpftune_tuner *tuner)
{
	const char *dir = getenv("BPFTUNE_ASSESS_DIR");
	struct probe_state *st;
	int err;

	if (!dir)
		return -ENOENT;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	snprintf(st->dir, sizeof(st->dir), "%s", dir);
	bpftune_tuner_set_priv(tuner, st);
	err = bpftune_tunables_declare(tuner, tunables, ARRAY_SIZE(tunables),
				       scenarios, ARRAY_SIZE(scenarios));
	if (!err)
		err = bpftune_scenario_measure(tuner, PROBE_GROW, &measure);
	if (!err)
		err = bpftune_strategies_declare(tuner, strategies,
						 ARRAY_SIZE(strategies));
	if (err)
		return err;
	if (bpftune_support_only())
		return 0;
	st->timer = bpftune_timer_add(100, tick, tuner);
	return st->timer < 0 ? st->timer : 0;
}

void fini(struct bpftune_tuner *tuner)
{
	struct probe_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	if (st->timer > 0)
		bpftune_timer_del(st->timer);
	free(st);
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	(void)tuner;
	(void)ev;
}

BPFTUNE_PLUGIN("assess_probe", .init = init, .fini = fini,
	       .event_handler = event_handler);
