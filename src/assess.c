// SPDX-License-Identifier: GPL-2.0
/*
 * Assessment: did a change help?
 *
 * A tuner declares, per scenario, the outcome its changes are meant to
 * improve (struct bpftune_measure).  From the first time a scenario
 * considers a namespace, the core samples that outcome every window/5 and
 * keeps the last ASSESS_HISTORY samples.  A change opens a window: the
 * samples before it are the baseline, the samples during the next window
 * (default 10 s, --assess-window) are the result.  Changes made while the
 * window is open belong to it.
 *
 * Worse beyond noise means the mean after moved against the good direction
 * by more than max(2 standard deviations of the baseline, 5 % of its mean).
 * Then the window's changes are reverted and the scenario backs off in that
 * namespace for 6 windows, doubling with each further harmful change (up to
 * 64x).  Otherwise the change is kept, and its effect is shown in the
 * summary.
 *
 * Strategies: every assessed change counts for the strategy that was
 * running; when the running strategy's mean relative gain is negative and
 * another's is higher (an untried one counts as 0), the core switches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess.h"
#include "log.h"
#include "notify.h"
#include "options.h"

#define ASSESS_HISTORY 8
#define ASSESS_BACKOFF_WINDOWS 6
#define ASSESS_BACKOFF_MAX_SHIFT 6
#define ASSESS_IDLE_WINDOWS 30
#define ASSESS_NOISE_SDS 2.0
#define ASSESS_NOISE_FRACTION 0.05

struct bpftune_assess_key {
	struct bpftune_assess_key *next;
	unsigned int scenario;
	unsigned int tunable;
	unsigned long long cookie;
	double hist[ASSESS_HISTORY];
	unsigned int nhist, hist_pos;
	/* counters: the previous raw value and when it was read */
	double last_raw;
	unsigned long long last_raw_ms;
	unsigned long long last_used_ms;
	/* the open window */
	bool open;
	unsigned long long closes_ms;
	double before[ASSESS_HISTORY];
	unsigned int nbefore;
	double after_sum;
	unsigned int after_n;
	unsigned int strategy;
	char revert_to[BPFTUNE_VALUE_LEN];
	char changed_to[BPFTUNE_VALUE_LEN];
	/* verdicts */
	unsigned int backoff_shift;
	unsigned long long blocked_until_ms;
	unsigned int kept, reverted;
	char last[256];
};

static int sample_timer = -1;

static void stats(const double *v, unsigned int n, double *mean, double *sd)
{
	double sum = 0, sq = 0;
	unsigned int i;

	*mean = *sd = 0;
	if (!n)
		return;
	for (i = 0; i < n; i++)
		sum += v[i];
	*mean = sum / n;
	for (i = 0; i < n; i++)
		sq += (v[i] - *mean) * (v[i] - *mean);
	*sd = n > 1 ? sqrt(sq / (n - 1)) : 0;
}

bool bpftune_assess_harmful(const double *before, unsigned int nbefore,
			    double after, bool higher_is_better, double *gain,
			    double *noise)
{
	double mean, sd, delta;

	stats(before, nbefore, &mean, &sd);
	*noise = ASSESS_NOISE_SDS * sd;
	if (*noise < ASSESS_NOISE_FRACTION * fabs(mean))
		*noise = ASSESS_NOISE_FRACTION * fabs(mean);
	if (*noise < 1e-9)
		*noise = 1e-9;
	delta = higher_is_better ? after - mean : mean - after;
	*gain = mean != 0 ? delta / fabs(mean) : (delta > 0 ? 1 : delta < 0 ? -1 : 0);
	return delta < -*noise;
}

int bpftune_scenario_measure(struct bpftune_tuner *tuner, unsigned int scenario,
			     const struct bpftune_measure *measure)
{
	if (scenario >= tuner->nscenarios || !measure || !measure->sample)
		return -EINVAL;
	if (!tuner->measures) {
		tuner->measures = calloc(tuner->nscenarios, sizeof(*tuner->measures));
		if (!tuner->measures)
			return -ENOMEM;
	}
	tuner->measures[scenario] = *measure;
	return 0;
}

int bpftune_strategies_declare(struct bpftune_tuner *tuner,
			       const char *const *names, unsigned int n)
{
	if (!n)
		return -EINVAL;
	free(tuner->strategy_scores);
	tuner->strategy_scores = calloc(n, sizeof(*tuner->strategy_scores));
	if (!tuner->strategy_scores)
		return -ENOMEM;
	tuner->strategies = names;
	tuner->nstrategies = n;
	tuner->strategy = 0;
	bpftune_info("%s: strategy %s running (of %u)", tuner->name, names[0], n);
	return 0;
}

unsigned int bpftune_strategy(struct bpftune_tuner *tuner)
{
	return tuner->strategy;
}

static const struct bpftune_measure *measure_of(struct bpftune_tuner *tuner,
						unsigned int scenario)
{
	if (!tuner->measures || scenario >= tuner->nscenarios ||
	    !tuner->measures[scenario].sample)
		return NULL;
	return &tuner->measures[scenario];
}

static struct bpftune_assess_key *key_get(struct bpftune_tuner *tuner,
					  unsigned int scenario,
					  unsigned int tunable,
					  unsigned long long cookie, bool create)
{
	struct bpftune_assess_key *k;

	for (k = tuner->assess_keys; k; k = k->next)
		if (k->scenario == scenario && k->tunable == tunable &&
		    k->cookie == cookie)
			return k;
	if (!create)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->scenario = scenario;
	k->tunable = tunable;
	k->cookie = cookie;
	k->next = tuner->assess_keys;
	tuner->assess_keys = k;
	return k;
}

static unsigned int window_ms(void)
{
	return bpftune_cfg.assess_window_ms ? bpftune_cfg.assess_window_ms : 10000;
}

static void sample_all(void *ctx);

static void ensure_timer(void)
{
	unsigned int interval = window_ms() / 5;

	if (sample_timer >= 0 || bpftune_cfg.support_only)
		return;
	sample_timer = bpftune_timer_add(interval < 100 ? 100 : interval,
					 sample_all, NULL);
	if (sample_timer < 0)
		bpftune_warn("assessment disabled: no timer (%s)",
			     strerror(-sample_timer));
}

bool bpftune_assess_allowed(struct bpftune_tuner *tuner, unsigned int scenario,
			    unsigned int tunable, unsigned long long cookie)
{
	struct bpftune_assess_key *k;
	unsigned long long now = bpftune_now_ms();

	if (!measure_of(tuner, scenario))
		return true;
	k = key_get(tuner, scenario, tunable, cookie, true);
	if (!k)
		return true;
	ensure_timer();
	k->last_used_ms = now;
	if (now >= k->blocked_until_ms)
		return true;
	bpftune_debug("%s: scenario %u backs off in netns %llu for %llu ms more",
		      tuner->name, scenario, cookie, k->blocked_until_ms - now);
	return false;
}

/* A counter's rate per second since the last reading; false at first. */
static bool counter_rate(struct bpftune_assess_key *k, double raw, double *rate)
{
	unsigned long long now = bpftune_now_ms();
	bool have = k->last_raw_ms && now > k->last_raw_ms && raw >= k->last_raw;

	if (have)
		*rate = (raw - k->last_raw) * 1000.0 / (now - k->last_raw_ms);
	k->last_raw = raw;
	k->last_raw_ms = now;
	return have;
}

static void take_sample(struct bpftune_tuner *tuner,
			struct bpftune_assess_key *k)
{
	const struct bpftune_measure *m = measure_of(tuner, k->scenario);
	double v;

	if (!m || m->sample(tuner, k->cookie, &v))
		return;
	if (m->counter && !counter_rate(k, v, &v))
		return;
	if (k->open) {
		k->after_sum += v;
		k->after_n++;
		return;
	}
	k->hist[k->hist_pos] = v;
	k->hist_pos = (k->hist_pos + 1) % ASSESS_HISTORY;
	if (k->nhist < ASSESS_HISTORY)
		k->nhist++;
}

void bpftune_assess_changed(struct bpftune_tuner *tuner, unsigned int scenario,
			    unsigned int tunable, unsigned long long cookie,
			    const char *old, const char *new)
{
	struct bpftune_assess_key *k;

	if (!measure_of(tuner, scenario) || bpftune_cfg.dry_run)
		return;
	k = key_get(tuner, scenario, tunable, cookie, true);
	if (!k)
		return;
	ensure_timer();
	snprintf(k->changed_to, sizeof(k->changed_to), "%s", new);
	if (k->open)
		return; /* part of the window already open */
	if (!k->nhist)
		take_sample(tuner, k);
	memcpy(k->before, k->hist, sizeof(k->before));
	k->nbefore = k->nhist;
	k->open = true;
	k->closes_ms = bpftune_now_ms() + window_ms();
	k->after_sum = 0;
	k->after_n = 0;
	k->strategy = tuner->strategy;
	snprintf(k->revert_to, sizeof(k->revert_to), "%s", old);
}

static void maybe_switch_strategy(struct bpftune_tuner *tuner)
{
	struct bpftune_strategy_score *sc = tuner->strategy_scores;
	unsigned int i, best = tuner->strategy;
	double score[64], cur;

	if (tuner->nstrategies < 2)
		return;
	for (i = 0; i < tuner->nstrategies && i < 64; i++)
		score[i] = sc[i].assessed ? sc[i].sum_gain / sc[i].assessed : 0;
	cur = score[tuner->strategy];
	if (cur >= 0)
		return;
	for (i = 0; i < tuner->nstrategies && i < 64; i++)
		if (score[i] > score[best])
			best = i;
	if (best == tuner->strategy)
		return;
	bpftune_info("%s: strategy %s -> %s: changes under %s averaged %+.0f%% on their outcome, %s %s",
		     tuner->name, tuner->strategies[tuner->strategy],
		     tuner->strategies[best], tuner->strategies[tuner->strategy],
		     cur * 100, tuner->strategies[best],
		     sc[best].assessed ? "did better" : "is untried");
	tuner->strategy = best;
}

static void verdict(struct bpftune_tuner *tuner, struct bpftune_assess_key *k)
{
	const struct bpftune_measure *m = measure_of(tuner, k->scenario);
	struct bpftune_tunable *t = &tuner->tunables[k->tunable];
	double after, before, sd, gain, noise;
	struct bpftune_harm harm;
	unsigned long long backoff;
	char ns[64], why[256];
	bool harmful;

	k->open = false;
	if (!k->after_n || !k->nbefore) {
		snprintf(k->last, sizeof(k->last), "%s -> %s: not assessed (no samples)",
			 k->revert_to, k->changed_to);
		return;
	}
	after = k->after_sum / k->after_n;
	stats(k->before, k->nbefore, &before, &sd);
	harmful = bpftune_assess_harmful(k->before, k->nbefore, after,
					 m->higher_is_better, &gain, &noise);
	bpftune_netns_str(k->cookie, ns, sizeof(ns));
	if (tuner->strategy_scores && k->strategy < tuner->nstrategies) {
		tuner->strategy_scores[k->strategy].assessed++;
		tuner->strategy_scores[k->strategy].sum_gain += gain;
	}
	snprintf(k->last, sizeof(k->last), "%s %s -> %s in %s: %s %+.0f%% (%.4g -> %.4g, noise +/-%.3g)",
		 t->desc.name, k->revert_to, k->changed_to, ns, m->what,
		 gain * 100, before, after, noise);
	if (!harmful) {
		k->kept++;
		k->backoff_shift = 0;
		bpftune_info("%s: assessment: kept %s", tuner->name, k->last);
		maybe_switch_strategy(tuner);
		return;
	}
	k->reverted++;
	backoff = (unsigned long long)window_ms() * ASSESS_BACKOFF_WINDOWS
		  << k->backoff_shift;
	if (k->backoff_shift < ASSESS_BACKOFF_MAX_SHIFT)
		k->backoff_shift++;
	k->blocked_until_ms = bpftune_now_ms() + backoff;
	snprintf(why, sizeof(why), "%s got worse after the change (%.4g -> %.4g, beyond noise %.3g)",
		 m->what, before, after, noise);
	bpftune_info("%s: assessment: reverting %s; backing off for %llu s",
		     tuner->name, k->last, backoff / 1000);
	harm.tuner = tuner;
	harm.tunable = k->tunable;
	harm.cookie = k->cookie;
	harm.value = k->revert_to;
	harm.why = why;
	bpftune_notify(BPFTUNE_NOTE_HARMFUL, &harm);
	maybe_switch_strategy(tuner);
}

static void free_key(struct bpftune_tuner *tuner, struct bpftune_assess_key *key)
{
	struct bpftune_assess_key **pp;

	for (pp = &tuner->assess_keys; *pp; pp = &(*pp)->next) {
		if (*pp == key) {
			*pp = key->next;
			free(key);
			return;
		}
	}
}

static void sample_tuner(struct bpftune_tuner *tuner, unsigned long long now)
{
	struct bpftune_assess_key *k, *next;
	unsigned long long idle = (unsigned long long)window_ms() *
				  ASSESS_IDLE_WINDOWS;

	for (k = tuner->assess_keys; k; k = next) {
		next = k->next;
		/* forget namespaces nobody tunes any more (or gone) */
		if (!k->open && now > k->blocked_until_ms &&
		    now - k->last_used_ms > idle && !k->kept && !k->reverted) {
			free_key(tuner, k);
			continue;
		}
		take_sample(tuner, k);
		if (k->open && now >= k->closes_ms)
			verdict(tuner, k);
	}
}

static void sample_all(void *ctx)
{
	struct bpftune_tuner *tuner;
	unsigned long long now = bpftune_now_ms();

	(void)ctx;
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next)
		if (tuner->state == BPFTUNE_TUNER_ACTIVE && tuner->measures)
			sample_tuner(tuner, now);
}

void bpftune_assess_summary(struct bpftune_tuner *tuner)
{
	struct bpftune_assess_key *k;

	for (k = tuner->assess_keys; k; k = k->next) {
		if (!k->kept && !k->reverted)
			continue;
		bpftune_info("summary: %s: assessed %u change window%s (%u kept, %u reverted); last: %s",
			     tuner->name, k->kept + k->reverted,
			     k->kept + k->reverted == 1 ? "" : "s", k->kept,
			     k->reverted, k->last);
	}
	if (tuner->nstrategies > 1)
		bpftune_info("summary: %s: strategy in use: %s", tuner->name,
			     tuner->strategies[tuner->strategy]);
}

void bpftune_assess_free(struct bpftune_tuner *tuner)
{
	struct bpftune_assess_key *k;

	while ((k = tuner->assess_keys)) {
		tuner->assess_keys = k->next;
		free(k);
	}
	free(tuner->measures);
	tuner->measures = NULL;
	free(tuner->strategy_scores);
	tuner->strategy_scores = NULL;
}
