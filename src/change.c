// SPDX-License-Identifier: GPL-2.0
/*
 * The single path every change takes: enabled check, assessment's
 * back-off, safety clamp, journal, write, log, assessment; the reverts
 * assessment asks for; the summary; and freeing a tuner.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assess.h"
#include "caps.h"
#include "change.h"
#include "journal.h"
#include "log.h"
#include "netns.h"
#include "notify.h"
#include "options.h"
#include "sysctl.h"
#include "tuner_netns.h"

static void free_changes(struct bpftune_tunable *t)
{
	struct bpftune_change *c;

	while ((c = t->changes)) {
		t->changes = c->next;
		free(c->scenario_counts);
		free(c);
	}
}

void bpftune_tuner_free(struct bpftune_tuner *tuner)
{
	unsigned int i;

	if (!tuner)
		return;
	bpftune_notify(BPFTUNE_NOTE_TUNER_FREE, tuner);
	bpftune_tuner_netns_free(tuner);
	for (i = 0; i < tuner->ntunables; i++)
		free_changes(&tuner->tunables[i]);
	free(tuner->tunables);
	bpftune_assess_free(tuner);
	free(tuner);
}

/* A namespace is gone: nothing of it can be rolled back or queried, so
 * its change records go too (a busy host churns thousands); the summary
 * keeps their count. */
static void drop_changes(struct bpftune_tunable *t, unsigned long long cookie)
{
	struct bpftune_change **pp = &t->changes, *c;

	if (cookie == bpftune_netns_global_cookie())
		return;
	while ((c = *pp)) {
		if (c->cookie != cookie) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		t->gone_netns++;
		t->gone_changes += c->nchanges;
		free(c->scenario_counts);
		free(c);
	}
}

void bpftune_tuners_netns_gone(unsigned long long cookie)
{
	struct bpftune_tuner *tuner;
	unsigned int i;

	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		bpftune_tuner_netns_forget(tuner, cookie);
		for (i = 0; i < tuner->ntunables; i++)
			drop_changes(&tuner->tunables[i], cookie);
	}
}

static struct bpftune_change *change_get(struct bpftune_tuner *tuner,
					 struct bpftune_tunable *t,
					 unsigned long long cookie,
					 const char *orig)
{
	struct bpftune_change *c;

	for (c = t->changes; c; c = c->next)
		if (c->cookie == cookie)
			return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->scenario_counts = calloc(tuner->nscenarios + 1, sizeof(unsigned int));
	if (!c->scenario_counts) {
		free(c);
		return NULL;
	}
	c->cookie = cookie;
	/* after a restart, the value before the previous run's changes */
	if (bpftune_journal_original(cookie, t->desc.name))
		orig = bpftune_journal_original(cookie, t->desc.name);
	snprintf(c->orig, sizeof(c->orig), "%s", orig);
	c->next = t->changes;
	t->changes = c;
	return c;
}

static const char *scenario_name(struct bpftune_tuner *tuner, unsigned int id)
{
	unsigned int i;

	if (id == BPFTUNE_SCENARIO_REVERT)
		return "revert after assessment";
	for (i = 0; i < tuner->nscenarios; i++)
		if (tuner->scenarios[i].id == id)
			return tuner->scenarios[i].name;
	return "unnamed scenario";
}

/* --log-format json: every change is one record, none is coalesced. */
static void log_change_json(struct bpftune_tuner *tuner,
			    struct bpftune_tunable *t, struct bpftune_change *c,
			    const char *old, const char *new,
			    unsigned int scenario, const char *why)
{
	struct bpftune_log_change lc = {
		.tuner = tuner->name,
		.scenario = scenario_name(tuner, scenario),
		.sysctl = t->desc.name,
		.old = old,
		.new = new,
		.why = why,
		.dry_run = bpftune_cfg.dry_run,
	};
	char ns[32];

	if (c->cookie == BPFTUNE_GLOBAL_NETNS ||
	    c->cookie == bpftune_netns_global_cookie())
		snprintf(ns, sizeof(ns), "global");
	else
		snprintf(ns, sizeof(ns), "%llu", c->cookie);
	lc.netns = ns;
	bpftune_log_change(&lc);
}

/*
 * Log a change unless the same scenario changed the same tunable in the
 * same netns within the log window; those are counted and mentioned with
 * the next line that is printed.
 */
static void log_change(struct bpftune_tuner *tuner, struct bpftune_tunable *t,
		       struct bpftune_change *c, const char *old,
		       const char *new, unsigned int scenario, const char *why)
{
	time_t now = time(NULL);
	char ns[64], more[64] = "";

	if (bpftune_log_json()) {
		log_change_json(tuner, t, c, old, new, scenario, why);
		return;
	}
	bpftune_netns_str(c->cookie, ns, sizeof(ns));
	if (c->nchanges > 1 && c->last_scenario == scenario &&
	    now - c->last_log < (time_t)bpftune_cfg.log_window_s) {
		c->suppressed++;
		bpftune_debug("%s: %s: %s %s -> %s in %s (%s)", tuner->name,
			      scenario_name(tuner, scenario), t->desc.name,
			      old, new, ns, why);
		return;
	}
	if (c->suppressed)
		snprintf(more, sizeof(more), " [%u similar changes before]",
			 c->suppressed);
	bpftune_info("%s: %s%s: %s %s -> %s in %s, because %s%s", tuner->name,
		     bpftune_cfg.dry_run ? "advice (dry run, not applied): " : "",
		     scenario_name(tuner, scenario), t->desc.name, old, new, ns,
		     why, more);
	c->last_log = now;
	c->last_scenario = scenario;
	c->suppressed = 0;
}

/*
 * Journal what the sysctl holds after our write, as the kernel shows it
 * (a cpumask written as "3" may read back as "00000003"), so that a
 * rollback can tell a later write by someone else from ours.
 */
static int journal_wrote(struct bpftune_tunable *t, unsigned long long cookie,
			 const char *written)
{
	char set[BPFTUNE_VALUE_LEN];

	if (bpftune_sysctl_read_raw(cookie, t->desc.name, set, sizeof(set)))
		snprintf(set, sizeof(set), "%s", written);
	return bpftune_journal_wrote(cookie, t->desc.name, set);
}

static int apply_change(struct bpftune_tuner *tuner, struct bpftune_tunable *t,
			unsigned long long cookie, const char *old,
			const char *new, const long long *values,
			unsigned int scenario, const char *why)
{
	struct bpftune_change *c;
	int err;

	if (!bpftune_cfg.dry_run) {
		err = bpftune_journal_record(cookie, t->desc.name, old);
		if (err) {
			bpftune_err("%s: journal write failed (%s); not changing %s",
				    tuner->name, strerror(-err), t->desc.name);
			return err;
		}
		if (t->desc.write && values) {
			bpftune_cap_raise();
			err = t->desc.write(tuner, cookie, values);
			bpftune_cap_lower();
		} else {
			err = bpftune_sysctl_write_raw(cookie, t->desc.name, new);
		}
		if (err) {
			bpftune_tunable_mark_failed(tuner, t->desc.id, cookie, "write",
						    err);
			return err;
		}
		err = journal_wrote(t, cookie, new);
		if (err)
			bpftune_warn("%s: journal: cannot record the write of %s (%s); a rollback will leave it as it is",
				     tuner->name, t->desc.name, strerror(-err));
	}
	c = change_get(tuner, t, cookie, old);
	if (!c)
		return -ENOMEM;
	snprintf(c->cur, sizeof(c->cur), "%s", new);
	c->nchanges++;
	/* the last slot counts reverts and undeclared scenarios */
	c->scenario_counts[scenario < tuner->nscenarios ? scenario :
							  tuner->nscenarios]++;
	tuner->changes++;
	if (scenario == BPFTUNE_SCENARIO_REVERT)
		tuner->reverts++;
	log_change(tuner, t, c, old, new, scenario, why);
	if (scenario != BPFTUNE_SCENARIO_REVERT)
		bpftune_assess_changed(tuner, scenario, t->desc.id, cookie, old,
				       new);
	bpftune_state_changed();
	return 1;
}

/* Common checks; returns the tunable or NULL when nothing may be done. */
static struct bpftune_tunable *update_target(struct bpftune_tuner *tuner,
					     unsigned int id,
					     unsigned long long *cookie,
					     unsigned int scenario)
{
	struct bpftune_tunable *t = bpftune_tunable_get(tuner, id);

	if (!t || bpftune_cfg.support_only)
		return NULL;
	*cookie = bpftune_tunable_cookie(t, *cookie);
	if (!bpftune_tunable_usable(tuner, id, *cookie))
		return NULL;
	if (!bpftune_assess_allowed(tuner, scenario, id, *cookie))
		return NULL;
	return t;
}

/*
 * Clamp requested values to the tunable's bounds.  A value is never moved
 * against the requested direction: if an administrator already set it
 * beyond a bound, a request to raise it further leaves it as it is rather
 * than "clamping" it down.
 */
static void clamp_values(const struct bpftune_tunable_desc *d,
			 const long long *cur, long long *values)
{
	long long v;
	unsigned int i;

	for (i = 0; i < d->nvalues; i++) {
		v = values[i];
		if (v == cur[i])
			continue; /* not asked to change: leave it alone */
		if (d->max[i] && v > d->max[i])
			v = d->max[i];
		if (v < d->min[i])
			v = d->min[i];
		if (values[i] > cur[i] && v < cur[i])
			v = cur[i];
		if (values[i] < cur[i] && v > cur[i])
			v = cur[i];
		values[i] = v;
	}
}

int bpftune_sysctl_update(struct bpftune_tuner *tuner,
			  unsigned long long cookie, unsigned int id,
			  const long long *new_values, unsigned int scenario,
			  const char *why_fmt, ...)
{
	long long cur[BPFTUNE_MAX_VALUES], next[BPFTUNE_MAX_VALUES];
	char old[BPFTUNE_VALUE_LEN], new[BPFTUNE_VALUE_LEN], why[256];
	struct bpftune_tunable *t;
	va_list ap;
	int err;

	t = update_target(tuner, id, &cookie, scenario);
	if (!t)
		return 0;
	if (t->desc.flags & BPFTUNE_STRING)
		return -EINVAL;
	err = bpftune_sysctl_get(tuner, cookie, id, cur);
	if (err)
		return err;
	memcpy(next, new_values, t->desc.nvalues * sizeof(next[0]));
	clamp_values(&t->desc, cur, next);
	if (!memcmp(cur, next, t->desc.nvalues * sizeof(cur[0])))
		return 0;
	bpftune_sysctl_format(cur, t->desc.nvalues, old, sizeof(old));
	bpftune_sysctl_format(next, t->desc.nvalues, new, sizeof(new));
	va_start(ap, why_fmt);
	vsnprintf(why, sizeof(why), why_fmt, ap);
	va_end(ap);
	return apply_change(tuner, t, cookie, old, new, next, scenario, why);
}

int bpftune_sysctl_update_str(struct bpftune_tuner *tuner,
			      unsigned long long cookie, unsigned int id,
			      const char *value, unsigned int scenario,
			      const char *why_fmt, ...)
{
	char old[BPFTUNE_VALUE_LEN], why[256];
	struct bpftune_tunable *t;
	va_list ap;
	int err;

	t = update_target(tuner, id, &cookie, scenario);
	if (!t)
		return 0;
	if (!(t->desc.flags & BPFTUNE_STRING))
		return -EINVAL;
	err = bpftune_sysctl_read_raw(cookie, t->desc.name, old, sizeof(old));
	if (err) {
		bpftune_tunable_mark_failed(tuner, id, cookie, "read", err);
		return err;
	}
	if (!strcmp(old, value))
		return 0;
	va_start(ap, why_fmt);
	vsnprintf(why, sizeof(why), why_fmt, ap);
	va_end(ap);
	return apply_change(tuner, t, cookie, old, value, NULL, scenario, why);
}

/* Put back a value recorded before an assessed change. */
int bpftune_change_revert(struct bpftune_tuner *tuner, unsigned int id,
			  unsigned long long cookie, const char *value,
			  const char *why)
{
	long long values[BPFTUNE_MAX_VALUES];
	char cur[BPFTUNE_VALUE_LEN];
	struct bpftune_tunable *t = bpftune_tunable_get(tuner, id);
	int err;

	if (!t || !bpftune_tunable_usable(tuner, id, cookie))
		return 0;
	err = bpftune_sysctl_read_raw(cookie, t->desc.name, cur, sizeof(cur));
	if (err)
		return err;
	if (!(t->desc.flags & BPFTUNE_STRING)) {
		long long now[BPFTUNE_MAX_VALUES];

		if (bpftune_sysctl_parse(value, values, t->desc.nvalues) ||
		    bpftune_sysctl_parse(cur, now, t->desc.nvalues))
			return -EINVAL;
		bpftune_sysctl_format(now, t->desc.nvalues, cur, sizeof(cur));
		if (!memcmp(now, values, t->desc.nvalues * sizeof(now[0])))
			return 0;
		return apply_change(tuner, t, cookie, cur, value, values,
				    BPFTUNE_SCENARIO_REVERT, why);
	}
	if (!strcmp(cur, value))
		return 0;
	return apply_change(tuner, t, cookie, cur, value, NULL,
			    BPFTUNE_SCENARIO_REVERT, why);
}

static void summary_change(struct bpftune_tuner *tuner,
			   struct bpftune_tunable *t, struct bpftune_change *c)
{
	char ns[64], counts[256] = "";
	size_t off = 0;
	unsigned int i;

	for (i = 0; i < tuner->nscenarios && off < sizeof(counts); i++) {
		if (!c->scenario_counts[tuner->scenarios[i].id])
			continue;
		off += snprintf(counts + off, sizeof(counts) - off, "%s%s x%u",
				off ? ", " : "", tuner->scenarios[i].name,
				c->scenario_counts[tuner->scenarios[i].id]);
	}
	if (c->scenario_counts[tuner->nscenarios] && off < sizeof(counts))
		snprintf(counts + off, sizeof(counts) - off, "%sreverts x%u",
			 off ? ", " : "", c->scenario_counts[tuner->nscenarios]);
	bpftune_netns_str(c->cookie, ns, sizeof(ns));
	bpftune_info("summary: %s: %u change%s to %s in %s: %s -> %s (%s)",
		     tuner->name, c->nchanges, c->nchanges == 1 ? "" : "s",
		     t->desc.name, ns, c->orig, c->cur, counts);
	bpftune_info("summary: %s: to reproduce%s: sysctl -w %s=\"%s\"",
		     tuner->name,
		     c->cookie == bpftune_netns_global_cookie() ? "" :
								  " inside that netns",
		     t->desc.name, c->cur);
}

void bpftune_tuner_print_summary(struct bpftune_tuner *tuner)
{
	struct bpftune_tunable *t;
	struct bpftune_change *c;
	unsigned int i;

	if (!tuner->changes && tuner->ntunables)
		bpftune_info("summary: %s: no changes (%llu events)", tuner->name,
			     tuner->events);
	for (i = 0; i < tuner->ntunables; i++) {
		t = &tuner->tunables[i];
		for (c = t->changes; c; c = c->next)
			summary_change(tuner, t, c);
		if (t->gone_changes)
			bpftune_info("summary: %s: %u change%s to %s in %u namespace%s that %s since gone",
				     tuner->name, t->gone_changes,
				     t->gone_changes == 1 ? "" : "s", t->desc.name,
				     t->gone_netns, t->gone_netns == 1 ? "" : "s",
				     t->gone_netns == 1 ? "has" : "have");
	}
	bpftune_assess_summary(tuner);
	if (tuner->summary)
		tuner->summary(tuner);
}

static void on_netns_gone(enum bpftune_note note, const void *data, void *ctx)
{
	(void)note;
	(void)ctx;
	bpftune_tuners_netns_gone(*(const unsigned long long *)data);
}

static void on_sighup(enum bpftune_note note, const void *data, void *ctx)
{
	(void)note;
	(void)data;
	(void)ctx;
	bpftune_tuner_enable_all();
}

static void on_harmful(enum bpftune_note note, const void *data, void *ctx)
{
	const struct bpftune_harm *h = data;

	(void)note;
	(void)ctx;
	bpftune_change_revert(h->tuner, h->tunable, h->cookie, h->value, h->why);
}

int bpftune_tuners_init(void)
{
	int err;

	err = bpftune_notify_subscribe(BPFTUNE_NOTE_NETNS_GONE, on_netns_gone,
				       NULL);
	if (!err)
		err = bpftune_notify_subscribe(BPFTUNE_NOTE_SIGHUP, on_sighup,
					       NULL);
	if (!err)
		err = bpftune_notify_subscribe(BPFTUNE_NOTE_HARMFUL, on_harmful,
					       NULL);
	return err;
}
