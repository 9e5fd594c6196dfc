// SPDX-License-Identifier: GPL-2.0
/*
 * Tuners, their tunables and scenarios, and the single path every change
 * takes: enabled check, safety clamp, journal, write, log, summary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

struct bpftune_config bpftune_cfg = {
	.learning_rate = BPFTUNE_RATE_DEFAULT,
	.max_tier = BPFTUNE_TIER_FENTRY,
	.cgroup_fd = -1,
	.state_dir = BPFTUNE_DEFAULT_STATE_DIR,
	.log_window_s = 10,
	.assess_window_ms = 10000,
};

static struct bpftune_tuner *tuner_head;

unsigned int bpftune_learning_rate(void)
{
	return bpftune_cfg.learning_rate;
}

bool bpftune_dry_run(void)
{
	return bpftune_cfg.dry_run;
}

bool bpftune_support_only(void)
{
	return bpftune_cfg.support_only;
}

int bpftune_cgroup_fd(void)
{
	return bpftune_cfg.cgroup_fd;
}

/* Usable RAM, as /proc/meminfo's MemTotal. */
unsigned long long bpftune_ram_bytes(void)
{
	struct sysinfo si;

	if (sysinfo(&si))
		return 0;
	return (unsigned long long)si.totalram * si.mem_unit;
}

const char *bpftune_tuner_name(const struct bpftune_tuner *tuner)
{
	return tuner->name;
}

void bpftune_tuner_set_priv(struct bpftune_tuner *tuner, void *priv)
{
	tuner->priv = priv;
}

void *bpftune_tuner_priv(const struct bpftune_tuner *tuner)
{
	return tuner->priv;
}

const char *bpftune_netns_str(unsigned long long cookie, char *buf, size_t len)
{
	if (cookie == BPFTUNE_GLOBAL_NETNS ||
	    cookie == bpftune_netns_global_cookie())
		snprintf(buf, len, "global netns");
	else
		snprintf(buf, len, "netns %llu", cookie);
	return buf;
}

struct bpftune_tuner *bpftune_tuner_alloc(const char *name)
{
	struct bpftune_tuner *tuner = calloc(1, sizeof(*tuner));

	if (!tuner)
		return NULL;
	snprintf(tuner->name, sizeof(tuner->name), "%s", name);
	return tuner;
}

static void free_changes(struct bpftune_tunable *t)
{
	struct bpftune_change *c;

	while ((c = t->changes)) {
		t->changes = c->next;
		free(c->scenario_counts);
		free(c);
	}
}

/* Forget failures in one netns, or in all when every_netns. */
static int clear_failed(struct bpftune_tunable *t, unsigned long long cookie,
			bool every_netns)
{
	struct bpftune_failed **pp = &t->failed, *f;
	int cleared = 0;

	while ((f = *pp)) {
		if (!every_netns && f->cookie != cookie) {
			pp = &f->next;
			continue;
		}
		*pp = f->next;
		free(f);
		cleared++;
	}
	return cleared;
}

void bpftune_tuner_free(struct bpftune_tuner *tuner)
{
	struct bpftune_disabled *d;
	unsigned int i;

	if (!tuner)
		return;
	for (i = 0; i < tuner->ntunables; i++) {
		free_changes(&tuner->tunables[i]);
		clear_failed(&tuner->tunables[i], 0, true);
	}
	free(tuner->tunables);
	bpftune_assess_free(tuner);
	bpftune_helpers_free(tuner);
	while ((d = tuner->disabled)) {
		tuner->disabled = d->next;
		free(d);
	}
	free(tuner);
}

struct bpftune_tuner *bpftune_tuners(void)
{
	return tuner_head;
}

/*
 * Sysctls declared by a tuner that started in this process, with their
 * bounds; kept when the tuner is unloaded, so that -R and --restore know
 * what bpftune may write.  One entry per name: a handful.
 */
struct known_sysctl {
	struct known_sysctl *next;
	char name[BPFTUNE_NAME_LEN * 2];
	struct bpftune_tunable_desc desc; /* name points to the field above */
};

static struct known_sysctl *known;

static struct known_sysctl *known_find(const char *name)
{
	struct known_sysctl *k;

	for (k = known; k; k = k->next)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

static void known_set(const struct bpftune_tunable_desc *desc)
{
	struct known_sysctl *k = known_find(desc->name);

	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k)
			return;
		snprintf(k->name, sizeof(k->name), "%s", desc->name);
		k->next = known;
		known = k;
	}
	k->desc = *desc;
	k->desc.name = k->name;
	k->desc.write = NULL;
}

bool bpftune_sysctl_known(const char *name, struct bpftune_tunable_desc *desc)
{
	struct known_sysctl *k = known_find(name);

	if (!k)
		return false;
	if (desc)
		*desc = k->desc;
	return true;
}

static struct bpftune_tunable *tunable_named(struct bpftune_tuner *tuner,
					     const char *name)
{
	unsigned int i;

	for (i = 0; i < tuner->ntunables; i++)
		if (tuner->tunables[i].desc.name &&
		    !strcmp(tuner->tunables[i].desc.name, name))
			return &tuner->tunables[i];
	return NULL;
}

/*
 * One sysctl, one bound: every tuner that declares a sysctl writes it
 * within the tightest bounds any of them declared (per value, the highest
 * min and the lowest max), so no tuner can take a value past the cap
 * another one promises.  Run whenever a declaration changes.
 */
static void bounds_sync(const char *name)
{
	long long min[BPFTUNE_MAX_VALUES], max[BPFTUNE_MAX_VALUES];
	struct bpftune_tuner *tuner;
	struct bpftune_tunable *t;
	unsigned int i, n = 0;

	for (tuner = tuner_head; tuner; tuner = tuner->next) {
		t = tunable_named(tuner, name);
		if (!t)
			continue;
		for (i = 0; i < t->desc.nvalues; i++) {
			if (!n || t->decl_min[i] > min[i])
				min[i] = t->decl_min[i];
			/* max 0 means unbounded */
			if (!n || (t->decl_max[i] &&
				   (!max[i] || t->decl_max[i] < max[i])))
				max[i] = t->decl_max[i];
		}
		n++;
	}
	for (tuner = tuner_head; tuner; tuner = tuner->next) {
		t = tunable_named(tuner, name);
		if (!t)
			continue;
		memcpy(t->desc.min, min, sizeof(t->desc.min[0]) * t->desc.nvalues);
		memcpy(t->desc.max, max, sizeof(t->desc.max[0]) * t->desc.nvalues);
		if (tuner->state == BPFTUNE_TUNER_ACTIVE && known_find(name))
			known_set(&t->desc);
	}
}

/* Each of a tuner's sysctls, after the tuner started or went away. */
static void tuner_bounds_sync(struct bpftune_tuner *tuner)
{
	unsigned int i;

	for (i = 0; i < tuner->ntunables; i++)
		if (tuner->tunables[i].desc.name)
			bounds_sync(tuner->tunables[i].desc.name);
}

void bpftune_tuner_add(struct bpftune_tuner *tuner)
{
	struct bpftune_tuner **pp = &tuner_head;

	while (*pp)
		pp = &(*pp)->next;
	tuner->next = NULL;
	*pp = tuner;
}

void bpftune_tuner_remove(struct bpftune_tuner *tuner)
{
	struct bpftune_tuner **pp;

	for (pp = &tuner_head; *pp; pp = &(*pp)->next) {
		if (*pp == tuner) {
			*pp = tuner->next;
			/* the others' shared bounds, without this one's */
			tuner_bounds_sync(tuner);
			return;
		}
	}
}

struct bpftune_tuner *bpftune_tuner_find(const char *name)
{
	struct bpftune_tuner *t;

	for (t = tuner_head; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static struct bpftune_tunable *tunable_get(struct bpftune_tuner *tuner,
					   unsigned int id)
{
	if (id >= tuner->ntunables)
		return NULL;
	return &tuner->tunables[id];
}

/* Another tuner declared the same sysctl differently: refused. */
static int declare_conflict(struct bpftune_tuner *tuner,
			    const struct bpftune_tunable_desc *desc)
{
	const unsigned int kind = BPFTUNE_NETNS | BPFTUNE_GLOBAL |
				  BPFTUNE_STRING;
	struct bpftune_tuner *other;
	struct bpftune_tunable *t;

	for (other = tuner_head; other; other = other->next) {
		if (other == tuner)
			continue;
		t = tunable_named(other, desc->name);
		if (!t)
			continue;
		if (t->desc.nvalues == desc->nvalues &&
		    (t->desc.flags & kind) == (desc->flags & kind))
			return 0;
		bpftune_err("%s: %s is declared with %u value(s), flags 0x%x; %s declares it with %u, flags 0x%x: refused",
			    tuner->name, desc->name, desc->nvalues,
			    desc->flags & kind, other->name, t->desc.nvalues,
			    t->desc.flags & kind);
		return -EINVAL;
	}
	return 0;
}

int bpftune_tunables_declare(struct bpftune_tuner *tuner,
			     const struct bpftune_tunable_desc *descs,
			     unsigned int ndescs,
			     const struct bpftune_scenario_desc *scenarios,
			     unsigned int nscenarios)
{
	char buf[BPFTUNE_VALUE_LEN];
	unsigned int i;
	int err;

	free(tuner->tunables);
	tuner->tunables = calloc(ndescs, sizeof(*tuner->tunables));
	if (!tuner->tunables)
		return -ENOMEM;
	tuner->ntunables = ndescs;
	tuner->scenarios = scenarios;
	tuner->nscenarios = nscenarios;
	for (i = 0; i < ndescs; i++) {
		struct bpftune_tunable *t = &tuner->tunables[descs[i].id];

		if (descs[i].id >= ndescs || descs[i].nvalues > BPFTUNE_MAX_VALUES ||
		    (!descs[i].nvalues && !(descs[i].flags & BPFTUNE_STRING))) {
			bpftune_err("%s: tunable %u (%s) is declared wrongly",
				    tuner->name, i, descs[i].name);
			return -EINVAL;
		}
		if (declare_conflict(tuner, &descs[i]))
			return -EINVAL;
		t->desc = descs[i];
		memcpy(t->decl_min, descs[i].min, sizeof(t->decl_min));
		memcpy(t->decl_max, descs[i].max, sizeof(t->decl_max));
		bounds_sync(descs[i].name);
		err = bpftune_sysctl_read_raw(BPFTUNE_GLOBAL_NETNS,
					      descs[i].name, buf, sizeof(buf));
		if (!err)
			continue;
		t->absent = true;
		if (descs[i].flags & BPFTUNE_OPTIONAL) {
			bpftune_info("%s: %s is not available here (%s); not tuned",
				     tuner->name, descs[i].name, strerror(-err));
			continue;
		}
		bpftune_err("%s: required sysctl %s cannot be read: %s",
			    tuner->name, descs[i].name, strerror(-err));
		return err;
	}
	return 0;
}

int bpftune_tunable_set_max(struct bpftune_tuner *tuner, unsigned int id,
			    unsigned int index, long long max)
{
	struct bpftune_tunable *t = tunable_get(tuner, id);

	if (!t || index >= BPFTUNE_MAX_VALUES || !t->desc.name)
		return -EINVAL;
	t->decl_max[index] = max;
	bounds_sync(t->desc.name);
	return 0;
}

bool bpftune_netns_enabled(struct bpftune_tuner *tuner,
			   unsigned long long cookie)
{
	struct bpftune_disabled *d;

	if (cookie == BPFTUNE_GLOBAL_NETNS)
		cookie = bpftune_netns_global_cookie();
	for (d = tuner->disabled; d; d = d->next)
		if (d->cookie == cookie)
			return false;
	return true;
}

void bpftune_netns_disable(struct bpftune_tuner *tuner,
			   unsigned long long cookie, const char *why)
{
	struct bpftune_disabled *d;
	char ns[64];

	if (cookie == BPFTUNE_GLOBAL_NETNS)
		cookie = bpftune_netns_global_cookie();
	if (!bpftune_netns_enabled(tuner, cookie))
		return;
	d = calloc(1, sizeof(*d));
	if (!d)
		return;
	d->cookie = cookie;
	d->next = tuner->disabled;
	tuner->disabled = d;
	bpftune_info("%s: stops tuning in %s: %s", tuner->name,
		     bpftune_netns_str(cookie, ns, sizeof(ns)), why);
	bpftune_state_changed();
}

void bpftune_tuner_enable_all(void)
{
	struct bpftune_disabled *d;
	struct bpftune_tuner *tuner;
	unsigned int i;

	for (tuner = tuner_head; tuner; tuner = tuner->next) {
		while ((d = tuner->disabled)) {
			tuner->disabled = d->next;
			free(d);
		}
		for (i = 0; i < tuner->ntunables; i++) {
			tuner->tunables[i].disabled_global = false;
			clear_failed(&tuner->tunables[i], 0, true);
		}
	}
	bpftune_info("all tuners re-enabled in every namespace");
	bpftune_state_changed();
}

int bpftune_tuner_enable(struct bpftune_tuner *tuner, unsigned long long cookie,
			 bool every_netns)
{
	struct bpftune_disabled **pp = &tuner->disabled, *d;
	unsigned int i;
	int cleared = 0;

	if (cookie == BPFTUNE_GLOBAL_NETNS)
		cookie = bpftune_netns_global_cookie();
	while ((d = *pp)) {
		if (!every_netns && d->cookie != cookie) {
			pp = &d->next;
			continue;
		}
		*pp = d->next;
		free(d);
		cleared++;
	}
	for (i = 0; i < tuner->ntunables; i++) {
		struct bpftune_tunable *t = &tuner->tunables[i];

		cleared += clear_failed(t, cookie, every_netns);
		if (every_netns && t->disabled_global) {
			t->disabled_global = false;
			cleared++;
		}
	}
	if (cleared)
		bpftune_state_changed();
	return cleared;
}

const char *bpftune_tuner_state_name(enum bpftune_tuner_state state)
{
	switch (state) {
	case BPFTUNE_TUNER_INIT:
		return "init";
	case BPFTUNE_TUNER_ACTIVE:
		return "active";
	case BPFTUNE_TUNER_FAILED:
		return "failed";
	case BPFTUNE_TUNER_GONE:
		return "gone";
	}
	return "unknown";
}

struct bpftune_tunable *bpftune_tunable_by_name(const char *name,
						struct bpftune_tuner **owner)
{
	struct bpftune_tuner *tuner;
	struct bpftune_tunable *t;

	for (tuner = tuner_head; tuner; tuner = tuner->next) {
		t = tunable_named(tuner, name);
		if (!t)
			continue;
		if (owner)
			*owner = tuner;
		return t;
	}
	return NULL;
}

struct bpftune_tuner *bpftune_sysctl_owner_nth(const char *name,
					       unsigned int n,
					       unsigned int *tunable)
{
	struct bpftune_tuner *tuner;
	struct bpftune_tunable *t;

	for (tuner = tuner_head; tuner; tuner = tuner->next) {
		t = tunable_named(tuner, name);
		if (!t || n--)
			continue;
		if (tunable)
			*tunable = t->desc.id;
		return tuner;
	}
	return NULL;
}

struct bpftune_tuner *bpftune_sysctl_owner(const char *name,
					   unsigned int *tunable)
{
	return bpftune_sysctl_owner_nth(name, 0, tunable);
}

unsigned int bpftune_tunable_flags(struct bpftune_tuner *tuner,
				   unsigned int id)
{
	if (id >= tuner->ntunables)
		return 0;
	return tuner->tunables[id].desc.flags;
}

void bpftune_tunable_disable(struct bpftune_tuner *tuner, unsigned int id,
			     const char *why)
{
	struct bpftune_tunable *t;

	if (id >= tuner->ntunables)
		return;
	t = &tuner->tunables[id];
	if (t->disabled_global)
		return;
	t->disabled_global = true;
	bpftune_info("%s: stops tuning %s everywhere: %s", tuner->name,
		     t->desc.name, why);
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
	struct bpftune_disabled **pp, *d;
	struct bpftune_tuner *tuner;
	unsigned int i;

	for (tuner = tuner_head; tuner; tuner = tuner->next) {
		pp = &tuner->disabled;
		while ((d = *pp)) {
			if (d->cookie != cookie) {
				pp = &d->next;
				continue;
			}
			*pp = d->next;
			free(d);
		}
		for (i = 0; i < tuner->ntunables; i++) {
			clear_failed(&tuner->tunables[i], cookie, false);
			drop_changes(&tuner->tunables[i], cookie);
		}
	}
	bpftune_helpers_netns_gone(cookie);
}

static bool failed_in(struct bpftune_tunable *t, unsigned long long cookie)
{
	struct bpftune_failed *f;

	for (f = t->failed; f; f = f->next)
		if (f->cookie == cookie)
			return true;
	return false;
}

/*
 * Remember that a netns refused this tunable; log it once.  One entry
 * per failing netns, freed when the netns goes, so that namespaces
 * coming and going never add up to turning the tunable off elsewhere.
 */
static void mark_failed(struct bpftune_tuner *tuner, struct bpftune_tunable *t,
			unsigned long long cookie, const char *what, int err)
{
	struct bpftune_failed *f;

	char ns[64];

	bpftune_netns_str(cookie, ns, sizeof(ns));
	if (err == -ESRCH) {
		/* not (or no longer) found by a scan: nothing to retry */
		bpftune_debug("%s: %s not found; %s not changed there",
			      tuner->name, ns, t->desc.name);
		return;
	}
	bpftune_warn("%s: cannot %s %s in %s: %s; not tuning it there",
		     tuner->name, what, t->desc.name, ns, strerror(-err));
	if (failed_in(t, cookie))
		return;
	f = calloc(1, sizeof(*f));
	if (!f)
		return;
	f->cookie = cookie;
	f->next = t->failed;
	t->failed = f;
}


bool bpftune_tunable_usable(struct bpftune_tuner *tuner, unsigned int id,
			    unsigned long long cookie)
{
	struct bpftune_tunable *t = tunable_get(tuner, id);

	if (!t || t->absent || t->disabled_global)
		return false;
	if (t->desc.flags & BPFTUNE_GLOBAL)
		cookie = bpftune_netns_global_cookie();
	if (cookie == BPFTUNE_GLOBAL_NETNS)
		cookie = bpftune_netns_global_cookie();
	return bpftune_netns_enabled(tuner, cookie) && !failed_in(t, cookie);
}

static unsigned long long effective_cookie(struct bpftune_tunable *t,
					   unsigned long long cookie)
{
	if ((t->desc.flags & BPFTUNE_GLOBAL) || cookie == BPFTUNE_GLOBAL_NETNS)
		return bpftune_netns_global_cookie();
	return cookie;
}

void bpftune_tunable_mark_failed(struct bpftune_tuner *tuner, unsigned int id,
				 unsigned long long cookie, const char *what,
				 int err)
{
	struct bpftune_tunable *t = tunable_get(tuner, id);

	if (!t)
		return;
	mark_failed(tuner, t, effective_cookie(t, cookie), what, err);
}

int bpftune_sysctl_get(struct bpftune_tuner *tuner, unsigned long long cookie,
		       unsigned int id, long long *values)
{
	struct bpftune_tunable *t = tunable_get(tuner, id);
	char buf[BPFTUNE_VALUE_LEN];
	int err;

	if (!t)
		return -EINVAL;
	if (t->absent)
		return -ENOENT;
	cookie = effective_cookie(t, cookie);
	err = bpftune_sysctl_read_raw(cookie, t->desc.name, buf, sizeof(buf));
	if (!err)
		err = bpftune_sysctl_parse(buf, values, t->desc.nvalues);
	/* a netns that refuses the read is logged once and skipped after */
	if (err && !t->disabled_global && !failed_in(t, cookie))
		mark_failed(tuner, t, cookie, "read", err);
	return err;
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
			mark_failed(tuner, t, cookie, "write", err);
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
	struct bpftune_tunable *t = tunable_get(tuner, id);

	if (!t || bpftune_cfg.support_only)
		return NULL;
	*cookie = effective_cookie(t, *cookie);
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
		mark_failed(tuner, t, cookie, "read", err);
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
	struct bpftune_tunable *t = tunable_get(tuner, id);
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

int bpftune_tuner_start(struct bpftune_tuner *tuner)
{
	unsigned int i;
	int err;

	bpftune_cap_raise();
	err = tuner->init(tuner);
	bpftune_cap_lower();
	if (err) {
		bpftune_warn("tuner %s could not start (%s); the other tuners go on",
			     tuner->name, strerror(err < 0 ? -err : err));
		tuner->state = BPFTUNE_TUNER_FAILED;
		bpftune_state_changed();
		bpftune_bpf_detach(tuner);
		if (tuner->fini)
			tuner->fini(tuner);
		return err < 0 ? err : -err;
	}
	tuner->state = BPFTUNE_TUNER_ACTIVE;
	for (i = 0; i < tuner->ntunables; i++)
		if (tuner->tunables[i].desc.name && !tuner->tunables[i].absent)
			known_set(&tuner->tunables[i].desc);
	if (!bpftune_cfg.support_only)
		bpftune_info("tuner %s started", tuner->name);
	bpftune_state_changed();
	return 0;
}

void bpftune_tuner_stop(struct bpftune_tuner *tuner)
{
	if (tuner->state != BPFTUNE_TUNER_ACTIVE)
		return;
	bpftune_bpf_detach(tuner);
	if (tuner->fini)
		tuner->fini(tuner);
	tuner->skeleton = NULL;
	tuner->obj = NULL;
	tuner->state = BPFTUNE_TUNER_GONE;
	bpftune_state_changed();
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
