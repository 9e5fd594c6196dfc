// SPDX-License-Identifier: GPL-2.0
/*
 * bpftune --import, once the tuners run: each learned entry goes to its
 * tuner's import op, each change of the other host is logged (not
 * applied), and a last line counts what was seeded and what was ignored
 * (see import.c for the checks made before).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import.h"
#include "learned.h"

#define IMPORT_LOG_LINES 16	/* per kind; then only the counts */

struct import_counts {
	unsigned int seeded, refused, stale, no_tuner, no_netns, changes;
};

/* Once per tuner name: why its entries are ignored. */
static void note_tuner(const char *name, const char *why)
{
	static char noted[MAX_NOTED][BPFTUNE_NAME_LEN];
	static unsigned int nnoted;
	unsigned int i;

	for (i = 0; i < nnoted && strcmp(noted[i], name); i++)
		;
	if (i < nnoted || nnoted == MAX_NOTED)
		return;
	snprintf(noted[nnoted++], sizeof(noted[0]), "%s", name);
	bpftune_info("import %s: entries for tuner %s ignored: %s", imp.path,
		     name, why);
}

static const char *ns_name(const struct entry_ns *ns)
{
	return ns->global ? "global netns" : ns->path[0] ? ns->path : "?";
}

static void apply_one(struct bpftune_tuner *tuner, struct bpftune_learned *l,
		      const struct entry_ns *ns, const char *host,
		      struct import_counts *n)
{
	const char *why = "refused by the tuner";
	long long age;
	int err;

	err = tuner->learned->import(tuner, l, &why);
	if (err) {
		if (++n->refused <= IMPORT_LOG_LINES)
			bpftune_info("import %s: %s: %s in %s refused: %s",
				     imp.path, tuner->name, l->key, ns_name(ns),
				     why);
		return;
	}
	age = (long long)l->age_s;
	if (++n->seeded <= IMPORT_LOG_LINES)
		bpftune_info("import %s: %s: %s in %s: %s, as learned on %s (age %lld s)",
			     imp.path, tuner->name, l->key, ns_name(ns), l->value,
			     host, age);
}

static void apply_learned(struct import_doc *d, struct import_counts *n)
{
	long long now = (long long)time(NULL);
	struct bpftune_tuner *tuner;
	struct bpftune_learned l;
	struct entry_ns ns;
	char err[320], name[BPFTUNE_NAME_LEN];
	struct where w = { "learned", 0, err, sizeof(err) };

	for (w.index = 0; d->learned && w.index < json_object_array_length(d->learned); w.index++) {
		if (get_learned(json_object_array_get_idx(d->learned, w.index),
				name, &l, &ns, &w))
			continue; /* checked at load: cannot happen */
		if (now - d->exported_at + (long long)l.age_s > BPFTUNE_IMPORT_MAX_AGE_S) {
			n->stale++;
			continue;
		}
		tuner = bpftune_tuner_find(name);
		if (!tuner || tuner->state != BPFTUNE_TUNER_ACTIVE ||
		    !tuner->learned || !tuner->learned->import) {
			note_tuner(name, tuner && tuner->state == BPFTUNE_TUNER_ACTIVE ?
				   "it keeps no learned state" : "it is not running here");
			n->no_tuner++;
			continue;
		}
		if (resolve_ns(&ns, &l.netns_cookie)) {
			if (++n->no_netns <= IMPORT_LOG_LINES)
				bpftune_info("import %s: %s: %s ignored: namespace %s not here",
					     imp.path, name, l.key, ns_name(&ns));
			continue;
		}
		apply_one(tuner, &l, &ns, d->host[0] ? d->host : "the other host", n);
	}
}

/* What the other host's value comes to within this host's bounds. */
static void bounded_here(struct bpftune_tunable *t, const char *cur,
			 char *buf, size_t len)
{
	long long v[BPFTUNE_MAX_VALUES];
	unsigned int i, nv = t->desc.nvalues;

	if ((t->desc.flags & BPFTUNE_STRING) || bpftune_sysctl_parse(cur, v, nv)) {
		snprintf(buf, len, "%s", cur);
		return;
	}
	for (i = 0; i < nv && i < BPFTUNE_MAX_VALUES; i++) {
		if (v[i] < t->desc.min[i])
			v[i] = t->desc.min[i];
		if (t->desc.max[i] && v[i] > t->desc.max[i])
			v[i] = t->desc.max[i];
	}
	bpftune_sysctl_format(v, nv, buf, len);
}

static void log_change(const struct change_entry *c, const char *host,
		       struct import_counts *n)
{
	struct bpftune_tuner *owner = NULL;
	struct bpftune_tunable *t = bpftune_tunable_by_name(c->tunable, &owner);
	char here[BPFTUNE_VALUE_LEN];

	if (++n->changes > IMPORT_LOG_LINES)
		return;
	if (!t) {
		bpftune_info("import %s: %s changed %s in %s from '%s' to '%s'; no tuner here declares it: ignored",
			     imp.path, host, c->tunable, ns_name(&c->ns),
			     c->orig, c->cur);
		return;
	}
	bounded_here(t, c->cur, here, sizeof(here));
	bpftune_info("import %s: %s changed %s in %s from '%s' to '%s'; not applied: %s changes it here on this host's own evidence (within this host's bounds: '%s')",
		     imp.path, host, c->tunable, ns_name(&c->ns), c->orig, c->cur,
		     owner->name, here);
}

static void apply_changes(struct import_doc *d, struct import_counts *n)
{
	struct change_entry c;
	char err[320];
	struct where w = { "changes", 0, err, sizeof(err) };

	for (w.index = 0; d->changes && w.index < json_object_array_length(d->changes); w.index++) {
		memset(&c, 0, sizeof(c));
		if (!get_change(json_object_array_get_idx(d->changes, w.index),
				&c, &w))
			log_change(&c, d->host[0] ? d->host : "the other host", n);
	}
}

void bpftune_import_apply(void)
{
	struct import_counts n = { 0 };
	struct import_doc d;
	char err[320];

	if (!imp.buf)
		return;
	if (open_doc(imp.buf, imp.len, &d, err, sizeof(err))) {
		bpftune_err("import %s: %s; nothing imported", imp.path, err);
		goto out;
	}
	apply_learned(&d, &n);
	apply_changes(&d, &n);
	bpftune_info("import %s: %u entries seeded, %u refused by their tuner, %u stale (older than %lld s), %u for tuners not running, %u for namespaces not here; %u changes of the other host logged, not applied",
		     imp.path, n.seeded, n.refused, n.stale,
		     BPFTUNE_IMPORT_MAX_AGE_S, n.no_tuner, n.no_netns, n.changes);
	json_object_put(d.root);
out:
	free(imp.buf);
	imp.buf = NULL;
}
