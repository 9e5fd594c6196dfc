// SPDX-License-Identifier: GPL-2.0
/*
 * The answer to each query.  Every reply is one sequence of emitter calls
 * (emit.h): the text form keeps the columns the existing bpftune's users
 * parse ("NAME STATE ...", "TUNER TUNABLE TYPE NVALUES ..."), the JSON
 * form its members, and no reply chooses between them itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "emit.h"
#include "learned.h"
#include "query.h"

/* Raw sysctl text uses tabs between values; show single spaces. */
static void untab(char *s)
{
	for (; *s; s++)
		if (*s == '\t')
			*s = ' ';
}

static void emit_help(struct emit *e)
{
	const char *name, *args, *what;
	char label[64];
	size_t i;

	emit_obj(e, NULL);
	emit_text(e, "# queries (add --json, or prefix the name with 'j' as in jstatus, for JSON):\n");
	emit_arr(e, "queries");
	for (i = 0; (name = bpftune_query_info(i, &args, &what)); i++) {
		snprintf(label, sizeof(label), "%s%s%s", name, args[0] ? " " : "",
			 args);
		emit_obj(e, NULL);
		emit_str(e, "name", name, NULL);
		emit_str(e, "args", args, NULL);
		emit_str(e, "description", what, NULL);
		emit_text(e, "  %-22s %s\n", label, what);
		emit_obj_end(e);
	}
	emit_arr_end(e);
	emit_obj_end(e);
}

void bpftune_query_help(struct bpftune_qbuf *b, bool json)
{
	struct emit e;

	emit_init(&e, b, json);
	emit_help(&e);
}

/* NAME STATE first in text, as the existing bpftune prints. */
static void emit_tuner(struct emit *e, struct bpftune_tuner *tuner)
{
	struct bpftune_disabled *d;
	struct bpftune_hook *h;
	unsigned int i;

	emit_obj(e, NULL);
	emit_str(e, "name", tuner->name, "%s");
	emit_str(e, "state", bpftune_tuner_state_name(tuner->state), " %s");
	emit_uint(e, "events", tuner->events, " %llu events handled");
	emit_uint(e, "changes", tuner->changes, ", %llu changes; hooks:");
	emit_arr(e, "hooks");
	for (i = 0; i < tuner->nhooks; i++) {
		h = &tuner->hooks[i];
		emit_obj(e, NULL);
		emit_str(e, "name", h->name, i ? ", %s" : " %s");
		emit_str(e, "tier", bpftune_tier_name(h->tier), " %s");
		emit_str(e, "why", h->why, " (%s)");
		emit_obj_end(e);
	}
	emit_arr_end(e);
	emit_text(e, "%s; stepped aside in: %s", tuner->nhooks ? "" : " none",
		  tuner->disabled ? "" : "no namespace");
	emit_arr(e, "disabled");
	for (d = tuner->disabled; d; d = d->next) {
		emit_obj(e, NULL);
		emit_netns(e, d->cookie, d == tuner->disabled ? "%s" : ", %s");
		emit_obj_end(e);
	}
	emit_arr_end(e);
	emit_text(e, "\n");
	emit_obj_end(e);
}

static void reply_tuners(struct emit *e)
{
	struct bpftune_tuner *tuner;

	emit_obj(e, NULL);
	emit_arr(e, "tuners");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next)
		emit_tuner(e, tuner);
	emit_arr_end(e);
	if (!bpftune_tuners())
		emit_text(e, "# no tuners loaded\n");
	emit_obj_end(e);
}

/* Safety bounds: "min"/"max" arrays (no max: null); " [min..max]" text. */
static void emit_bounds(struct emit *e, const struct bpftune_tunable_desc *d)
{
	unsigned int i;

	emit_arr(e, "min");
	for (i = 0; i < d->nvalues; i++)
		emit_int(e, NULL, d->min[i], NULL);
	emit_arr_end(e);
	emit_arr(e, "max");
	for (i = 0; i < d->nvalues; i++) {
		if (d->max[i])
			emit_int(e, NULL, d->max[i], NULL);
		else
			emit_str(e, NULL, NULL, NULL);
	}
	emit_arr_end(e);
	if (d->flags & BPFTUNE_STRING)
		return;
	emit_text(e, ", bounds");
	for (i = 0; i < d->nvalues; i++) {
		if (d->max[i])
			emit_text(e, " [%lld..%lld]", d->min[i], d->max[i]);
		else
			emit_text(e, " [%lld..]", d->min[i]);
	}
}

/* TUNER TUNABLE TYPE NVALUES first in text, as the existing bpftune
 * prints. */
static void emit_tunable(struct emit *e, struct bpftune_tuner *tuner,
			 struct bpftune_tunable *t)
{
	const struct bpftune_tunable_desc *d = &t->desc;
	bool text = d->flags & BPFTUNE_STRING;
	bool global = d->flags & BPFTUNE_GLOBAL;

	emit_obj(e, NULL);
	emit_str(e, "tuner", tuner->name, "%s");
	emit_str(e, "name", d->name, " %s");
	emit_text(e, " %s %u %s", text ? "string" : "integer",
		  text ? 1 : d->nvalues, global ? "global" : "per netns");
	emit_str(e, "scope", global ? "global" : "netns", NULL);
	emit_bool(e, "text", text);
	emit_uint(e, "values", d->nvalues, NULL);
	emit_bool(e, "present", !t->absent);
	emit_bool(e, "disabled", t->disabled_global);
	emit_bounds(e, d);
	emit_text(e, "%s%s\n", t->absent ? ", not on this system" : "",
		  t->disabled_global ? ", disabled" : "");
	emit_obj_end(e);
}

static void reply_tunables(struct emit *e)
{
	struct bpftune_tuner *tuner;
	unsigned int i;

	emit_obj(e, NULL);
	emit_arr(e, "tunables");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next)
		for (i = 0; i < tuner->ntunables; i++)
			emit_tunable(e, tuner, &tuner->tunables[i]);
	emit_arr_end(e);
	emit_obj_end(e);
}

static struct bpftune_change *change_in(struct bpftune_tunable *t,
					unsigned long long cookie)
{
	struct bpftune_change *c;

	for (c = t->changes; c; c = c->next)
		if (c->cookie == cookie)
			return c;
	return NULL;
}

/* One tunable in one namespace, its value read as raw (or err). */
static void status_row(struct emit *e, struct bpftune_tuner *tuner,
		       struct bpftune_tunable *t, unsigned long long cookie,
		       const char *raw, int err)
{
	long long values[BPFTUNE_MAX_VALUES];
	struct bpftune_change *c = change_in(t, cookie);
	unsigned int i;

	emit_obj(e, NULL);
	emit_str(e, "tuner", tuner->name, NULL);
	emit_str(e, "tunable", t->desc.name, NULL);
	emit_netns(e, cookie, "  %s: ");
	if (err) {
		emit_str(e, "error", strerror(-err), "unreadable: %s\n");
		emit_obj_end(e);
		return;
	}
	emit_str(e, "value", raw, "%s");
	if (!(t->desc.flags & BPFTUNE_STRING) &&
	    !bpftune_sysctl_parse(raw, values, t->desc.nvalues)) {
		emit_arr(e, "values");
		for (i = 0; i < t->desc.nvalues; i++)
			emit_int(e, NULL, values[i], NULL);
		emit_arr_end(e);
	}
	emit_str(e, "original", c ? c->orig : NULL,
		 " (bpftune changed it from %s)");
	emit_text(e, "\n");
	emit_obj_end(e);
}

static int read_value(unsigned long long cookie, struct bpftune_tunable *t,
		      char *raw, size_t len)
{
	int err = bpftune_sysctl_read_raw(cookie, t->desc.name, raw, len);

	if (!err)
		untab(raw);
	return err;
}

/*
 * Text: "TUNER TUNABLE VALUE..." with the global netns' value, as the
 * existing bpftune prints, then an indented line per namespace (the
 * global one only when bpftune changed it).  JSON: a member per namespace.
 */
static void status_tunable(struct emit *e, struct bpftune_tuner *tuner,
			   struct bpftune_tunable *t)
{
	unsigned long long global = bpftune_netns_global_cookie();
	char raw[BPFTUNE_VALUE_LEN];
	struct bpftune_netns *ns;
	int err;

	err = read_value(global, t, raw, sizeof(raw));
	if (err)
		emit_text(e, "%s %s # unreadable: %s\n", tuner->name,
			  t->desc.name, strerror(-err));
	else
		emit_text(e, "%s %s %s\n", tuner->name, t->desc.name, raw);
	emit_mute_text(e, !change_in(t, global));
	status_row(e, tuner, t, global, raw, err);
	emit_mute_text(e, false);
	if (t->desc.flags & BPFTUNE_GLOBAL)
		return;
	for (ns = bpftune_netns_list(); ns; ns = ns->next) {
		if (ns->cookie == global)
			continue;
		err = read_value(ns->cookie, t, raw, sizeof(raw));
		if (err == -ESRCH)
			continue; /* namespace gone since the scan */
		status_row(e, tuner, t, ns->cookie, raw, err);
	}
}

static void reply_status(struct emit *e)
{
	struct bpftune_tuner *tuner;
	unsigned int i;

	/* namespaces come and go: answer about the ones that exist now */
	bpftune_netns_scan();
	emit_obj(e, NULL);
	emit_arr(e, "status");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next)
		for (i = 0; i < tuner->ntunables; i++)
			if (!tuner->tunables[i].absent)
				status_tunable(e, tuner, &tuner->tunables[i]);
	emit_arr_end(e);
	emit_obj_end(e);
}

static void summary_counts(struct emit *e, struct bpftune_tuner *tuner,
			   struct bpftune_change *c)
{
	const struct bpftune_scenario_desc *sc;
	bool first = true;
	unsigned int i;

	emit_arr(e, "scenarios");
	for (i = 0; i < tuner->nscenarios; i++) {
		sc = &tuner->scenarios[i];
		if (sc->id > tuner->nscenarios || !c->scenario_counts[sc->id])
			continue;
		emit_obj(e, NULL);
		emit_str(e, "name", sc->name, first ? "%s" : ", %s");
		emit_uint(e, "count", c->scenario_counts[sc->id], " x%llu");
		emit_obj_end(e);
		first = false;
	}
	emit_arr_end(e);
}

/*
 * In text, comments, and a "sysctl -w" line per global change that makes
 * the same change on another machine (scripts of the existing bpftune
 * grep for it).
 */
static void summary_change(struct emit *e, struct bpftune_tuner *tuner,
			   struct bpftune_tunable *t, struct bpftune_change *c)
{
	char assign[BPFTUNE_VALUE_LEN * 2];

	emit_obj(e, NULL);
	emit_str(e, "tunable", t->desc.name, "#   %s in ");
	emit_netns(e, c->cookie, "%s: ");
	emit_uint(e, "count", c->nchanges,
		  c->nchanges == 1 ? "%llu change" : "%llu changes");
	emit_str(e, "original", c->orig, ", %s");
	emit_str(e, "current", c->cur, " -> %s");
	emit_text(e, " (");
	summary_counts(e, tuner, c);
	emit_text(e, ")\n");
	if (c->cookie == bpftune_netns_global_cookie()) {
		snprintf(assign, sizeof(assign), "%s=%s", t->desc.name, c->cur);
		emit_text(e, "sysctl -w ");
		emit_text_shell(e, assign);
		emit_text(e, "\n");
	}
	emit_obj_end(e);
}

static void summary_tuner(struct emit *e, struct bpftune_tuner *tuner)
{
	struct bpftune_change *c;
	unsigned int i;

	emit_obj(e, NULL);
	emit_str(e, "tuner", tuner->name, NULL);
	emit_uint(e, "events", tuner->events, NULL);
	emit_uint(e, "changes", tuner->changes, NULL);
	if (tuner->changes)
		emit_text(e, "# %s: %llu change%s%s (%llu events handled)\n",
			  tuner->name, tuner->changes,
			  tuner->changes == 1 ? "" : "s",
			  bpftune_cfg.dry_run ? " advised (dry run)" : "",
			  tuner->events);
	else
		emit_text(e, "# %s: no changes (%llu events handled)\n",
			  tuner->name, tuner->events);
	emit_arr(e, "tunables");
	for (i = 0; i < tuner->ntunables; i++)
		for (c = tuner->tunables[i].changes; c; c = c->next)
			summary_change(e, tuner, &tuner->tunables[i], c);
	emit_arr_end(e);
	emit_obj_end(e);
}

static void reply_summary(struct emit *e)
{
	struct bpftune_tuner *tuner;

	emit_obj(e, NULL);
	emit_bool(e, "dry_run", bpftune_cfg.dry_run);
	emit_text(e, "# changes made by bpftune%s; the sysctl lines repeat the global ones elsewhere\n",
		  bpftune_cfg.dry_run ? " (dry run: advised, not made)" : "");
	emit_arr(e, "summary");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next)
		summary_tuner(e, tuner);
	emit_arr_end(e);
	emit_obj_end(e);
}

/* The command restoring one original; false when its netns is gone. */
static bool rollback_command(struct bpftune_qbuf *b, struct bpftune_tunable *t,
			     struct bpftune_change *c)
{
	struct bpftune_netns *ns = NULL;
	char assign[BPFTUNE_VALUE_LEN * 2];

	if (c->cookie != bpftune_netns_global_cookie()) {
		ns = bpftune_netns_find(c->cookie);
		if (!ns || !ns->path[0])
			return false;
		qbuf_printf(b, "nsenter --net=");
		qbuf_shell_word(b, ns->path);
		qbuf_printf(b, " ");
	}
	snprintf(assign, sizeof(assign), "%s=%s", t->desc.name, c->orig);
	qbuf_printf(b, "sysctl -w ");
	qbuf_shell_word(b, assign);
	return true;
}

static void rollback_change(struct emit *e, struct bpftune_tuner *tuner,
			    struct bpftune_tunable *t, struct bpftune_change *c)
{
	struct bpftune_qbuf cmd;
	char ns[64];

	qbuf_init(&cmd);
	if (!rollback_command(&cmd, t, c))
		qbuf_free(&cmd);
	emit_obj(e, NULL);
	emit_str(e, "tuner", tuner->name, NULL);
	emit_str(e, "tunable", t->desc.name, NULL);
	emit_netns(e, c->cookie, NULL);
	emit_str(e, "original", c->orig, NULL);
	emit_str(e, "command", cmd.data, "%s\n");
	if (!cmd.data)
		emit_text(e, "# %s no longer exists; %s was '%s' there\n",
			  bpftune_netns_str(c->cookie, ns, sizeof(ns)),
			  t->desc.name, c->orig);
	emit_obj_end(e);
	qbuf_free(&cmd);
}

static void reply_rollback(struct emit *e)
{
	struct bpftune_tuner *tuner;
	struct bpftune_change *c;
	unsigned int i;

	bpftune_netns_scan();
	emit_obj(e, NULL);
	emit_bool(e, "dry_run", bpftune_cfg.dry_run);
	emit_text(e, "# commands restoring the values bpftune found%s\n",
		  bpftune_cfg.dry_run ? " (dry run: nothing was changed)" : "");
	emit_arr(e, "rollback");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next)
		for (i = 0; i < tuner->ntunables; i++)
			for (c = tuner->tunables[i].changes; c; c = c->next)
				rollback_change(e, tuner, &tuner->tunables[i], c);
	emit_arr_end(e);
	emit_obj_end(e);
}

static void emit_error(struct emit *e, const char *msg)
{
	emit_obj(e, NULL);
	emit_str(e, "error", msg, "error: %s\n");
	emit_obj_end(e);
}

void query_reply_error(struct bpftune_qbuf *b, bool json, const char *fmt, ...)
{
	struct bpftune_qbuf msg;
	struct emit e;
	va_list ap;

	qbuf_init(&msg);
	va_start(ap, fmt);
	qbuf_vprintf(&msg, fmt, ap);
	va_end(ap);
	emit_init(&e, b, json);
	emit_error(&e, msg.data ? msg.data : "");
	qbuf_free(&msg);
}

/* NETNS as given to enable: a cookie, "global" or a /run/netns name. */
static int resolve_netns(const char *arg, unsigned long long *cookie)
{
	char path[PATH_MAX];
	int fd, err;

	if (!strcmp(arg, "global")) {
		*cookie = bpftune_netns_global_cookie();
		return 0;
	}
	if (arg[0] >= '0' && arg[0] <= '9') {
		char *end;

		errno = 0;
		*cookie = strtoull(arg, &end, 10);
		if (!errno && !*end)
			return 0;
		/* not a cookie: maybe a namespace named with digits */
	}
	snprintf(path, sizeof(path), "/run/netns/%s", arg);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = bpftune_netns_fd_cookie(fd, cookie);
	close(fd);
	return err;
}

static void reply_enable(struct bpftune_qbuf *b, const struct bpftune_query *q)
{
	struct bpftune_tuner *tuner = bpftune_tuner_find(q->tuner);
	unsigned long long cookie = 0;
	char ns[64] = "every netns";
	int cleared, err;
	struct emit e;

	if (!tuner) {
		query_reply_error(b, q->json, "no tuner named '%s' (see the tuners query)",
				  q->tuner);
		return;
	}
	if (tuner->state != BPFTUNE_TUNER_ACTIVE) {
		query_reply_error(b, q->json, "tuner %s is %s; only a running tuner can be enabled",
				  tuner->name, bpftune_tuner_state_name(tuner->state));
		return;
	}
	if (q->netns[0]) {
		err = resolve_netns(q->netns, &cookie);
		if (err) {
			query_reply_error(b, q->json, "netns '%s': %s", q->netns,
					  strerror(-err));
			return;
		}
		bpftune_netns_str(cookie, ns, sizeof(ns));
	}
	cleared = bpftune_tuner_enable(tuner, cookie, !q->netns[0]);
	if (cleared)
		bpftune_info("%s: re-enabled in %s on request", tuner->name, ns);
	emit_init(&e, b, q->json);
	emit_obj(&e, NULL);
	emit_str(&e, "tuner", tuner->name, "%s: ");
	emit_str(&e, "netns", ns, cleared ? "re-enabled in %s\n" :
					    "was not disabled in %s; nothing to do\n");
	emit_bool(&e, "was_disabled", cleared);
	emit_obj_end(&e);
}

void query_answer(struct bpftune_qbuf *b, const struct bpftune_query *q)
{
	struct emit e;

	emit_init(&e, b, q->json);
	switch (q->kind) {
	case BPFTUNE_Q_HELP:
		emit_help(&e);
		break;
	case BPFTUNE_Q_TUNERS:
		reply_tuners(&e);
		break;
	case BPFTUNE_Q_TUNABLES:
		reply_tunables(&e);
		break;
	case BPFTUNE_Q_STATUS:
		reply_status(&e);
		break;
	case BPFTUNE_Q_SUMMARY:
		reply_summary(&e);
		break;
	case BPFTUNE_Q_ROLLBACK:
		reply_rollback(&e);
		break;
	case BPFTUNE_Q_EXPORT:
		bpftune_learned_export(&e);
		break;
	case BPFTUNE_Q_ENABLE:
		reply_enable(b, q);
		break;
	case BPFTUNE_Q_UNKNOWN:
		/* always text: the word was not understood, JSON or not */
		qbuf_printf(b, "unknown query '%s'\n", q->word);
		bpftune_query_help(b, false);
		break;
	}
	if (!b->cut)
		return;
	/* half an answer (or half a JSON document) helps nobody */
	qbuf_free(b);
	query_reply_error(b, q->json, "answer larger than %u bytes; not sent",
			  BPFTUNE_REPLY_MAX);
}
