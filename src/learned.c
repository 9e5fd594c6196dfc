// SPDX-License-Identifier: GPL-2.0
/*
 * Learned state that travels: `bpftune -q export --json` writes what the
 * tuners learned and every change with its original (here); `bpftune
 * --import FILE` seeds a new host from such a file (import.c).
 *
 * Tuners take part through bpftune_learned_register() (their export and
 * import ops); the core never looks inside a tuner's state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "learned.h"

struct bpftune_learned_sink {
	struct emit *e;
	struct bpftune_tuner *tuner;
};

int bpftune_learned_register(struct bpftune_tuner *tuner,
			     const struct bpftune_learned_ops *ops)
{
	if (!tuner || !ops)
		return -EINVAL;
	tuner->learned = ops;
	return 0;
}

bool bpftune_learned_set(struct bpftune_learned *l, const char *name,
			 long long value)
{
	struct bpftune_learned_metric *m;

	if (l->nmetrics >= BPFTUNE_LEARNED_METRICS ||
	    strlen(name) >= BPFTUNE_LEARNED_NAME_LEN)
		return false;
	m = &l->metrics[l->nmetrics++];
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->value = value;
	return true;
}

bool bpftune_learned_get(const struct bpftune_learned *l, const char *name,
			 long long *value)
{
	unsigned int i;

	for (i = 0; i < l->nmetrics && i < BPFTUNE_LEARNED_METRICS; i++) {
		if (strcmp(l->metrics[i].name, name))
			continue;
		*value = l->metrics[i].value;
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------- export */

void bpftune_learned_add(struct bpftune_learned_sink *sink,
			 const struct bpftune_learned *l)
{
	struct emit *e = sink->e;
	unsigned int i;

	emit_obj(e, NULL);
	emit_str(e, "tuner", sink->tuner->name, "%s");
	emit_netns(e, l->netns_cookie, " %s:");
	emit_str(e, "key", l->key, " %s");
	emit_str(e, "value", l->value, " %s");
	emit_uint(e, "age_s", l->age_s, " (age %llu s)");
	emit_arr(e, "metrics");
	for (i = 0; i < l->nmetrics && i < BPFTUNE_LEARNED_METRICS; i++) {
		emit_obj(e, NULL);
		emit_str(e, "name", l->metrics[i].name, i ? ", %s" : " %s");
		emit_int(e, "value", l->metrics[i].value, "=%lld");
		emit_obj_end(e);
	}
	emit_arr_end(e);
	emit_text(e, "\n");
	emit_obj_end(e);
}

static void export_changes(struct emit *e, struct bpftune_tuner *tuner)
{
	struct bpftune_tunable *t;
	struct bpftune_change *c;
	unsigned int i;

	for (i = 0; i < tuner->ntunables; i++) {
		t = &tuner->tunables[i];
		for (c = t->changes; c; c = c->next) {
			emit_obj(e, NULL);
			emit_str(e, "tuner", tuner->name, "# changed: %s");
			emit_str(e, "tunable", t->desc.name, " %s");
			emit_netns(e, c->cookie, " in %s:");
			emit_str(e, "original", c->orig, " %s");
			emit_str(e, "current", c->cur, " -> %s");
			emit_uint(e, "count", c->nchanges, " (%llu times)\n");
			emit_obj_end(e);
		}
	}
}

void bpftune_learned_export(struct emit *e)
{
	struct bpftune_learned_sink sink = { .e = e };
	struct bpftune_tuner *tuner;
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1))
		snprintf(host, sizeof(host), "unknown");
	emit_obj(e, NULL);
	emit_uint(e, "version", BPFTUNE_EXPORT_VERSION, NULL);
	emit_str(e, "host", host, "# learned by bpftune on %s");
	emit_uint(e, "exported_at", (unsigned long long)time(NULL),
		  " at %llu (seconds since 1970)\n");
	emit_arr(e, "learned");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		if (tuner->state != BPFTUNE_TUNER_ACTIVE || !tuner->learned ||
		    !tuner->learned->export)
			continue;
		sink.tuner = tuner;
		tuner->learned->export(tuner, &sink);
	}
	emit_arr_end(e);
	emit_arr(e, "changes");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next)
		export_changes(e, tuner);
	emit_arr_end(e);
	emit_obj_end(e);
}
