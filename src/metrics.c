// SPDX-License-Identifier: GPL-2.0
/*
 * --metrics-file: the daemon's state in Prometheus text exposition format,
 * for node_exporter's textfile collector.  The file is rewritten whole
 * (temporary file + rename, so a scrape never sees half of it) shortly
 * after something it shows changed; bursts of events are coalesced into
 * one rewrite per METRICS_DELAY_MS.
 *
 * The temporary file is created afresh each time (O_EXCL, O_NOFOLLOW,
 * O_NONBLOCK): whatever sits at its path, a leftover or a FIFO someone
 * planted there, is removed, never opened, so nothing can block the
 * daemon in open() or write().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assess.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "netns.h"
#include "notify.h"
#include "options.h"
#include "query_parse.h"
#include "support.h"
#include "sysctl.h"
#include "tuner_netns.h"

#define METRICS_DELAY_MS 200

static char metrics_path[PATH_MAX];
static char metrics_tmp[PATH_MAX + 8];
static int timer_id = -1;
static bool armed;
static int last_err;

static void family(struct bpftune_qbuf *b, const char *name, const char *type,
		   const char *help)
{
	qbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* {tuner="..." ; the caller closes the brace */
static void labels_tuner(struct bpftune_qbuf *b, const char *metric,
			 const struct bpftune_tuner *tuner)
{
	qbuf_printf(b, "%s{tuner=\"", metric);
	qbuf_prom_label(b, tuner->name);
	qbuf_printf(b, "\"");
}

static void label(struct bpftune_qbuf *b, const char *name, const char *value)
{
	qbuf_printf(b, ",%s=\"", name);
	qbuf_prom_label(b, value);
	qbuf_printf(b, "\"");
}

static const char *netns_label(unsigned long long cookie, char *buf,
			       size_t len)
{
	if (cookie == BPFTUNE_GLOBAL_NETNS ||
	    cookie == bpftune_netns_global_cookie())
		return "global";
	snprintf(buf, len, "%llu", cookie);
	return buf;
}

static void write_tuner_state(struct bpftune_qbuf *b)
{
	static const enum bpftune_tuner_state states[] = {
		BPFTUNE_TUNER_INIT, BPFTUNE_TUNER_ACTIVE, BPFTUNE_TUNER_FAILED,
		BPFTUNE_TUNER_GONE,
	};
	struct bpftune_tuner *tuner;
	unsigned int i;

	family(b, "bpftune_tuner_state", "gauge",
	       "1 for the state each tuner is in (init, active, failed, gone).");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		for (i = 0; i < ARRAY_SIZE(states); i++) {
			labels_tuner(b, "bpftune_tuner_state", tuner);
			label(b, "state", bpftune_tuner_state_name(states[i]));
			qbuf_printf(b, "} %d\n", tuner->state == states[i]);
		}
	}
}

static unsigned int count_disabled(const struct bpftune_tuner *tuner)
{
	const struct bpftune_disabled *d;
	unsigned int n = 0;

	for (d = tuner->disabled; d; d = d->next)
		n++;
	return n;
}

static void write_tuner_counts(struct bpftune_qbuf *b)
{
	struct bpftune_tuner *tuner;

	family(b, "bpftune_tuner_events_total", "counter",
	       "BPF events handled by each tuner.");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		labels_tuner(b, "bpftune_tuner_events_total", tuner);
		qbuf_printf(b, "} %llu\n", tuner->events);
	}
	family(b, "bpftune_tuner_changes_total", "counter",
	       "Tunable changes made by each tuner (advised only, in dry-run mode).");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		labels_tuner(b, "bpftune_tuner_changes_total", tuner);
		qbuf_printf(b, "} %llu\n", tuner->changes);
	}
	family(b, "bpftune_tuner_reverts_total", "counter",
	       "Changes each tuner made that assessment found harmful and put back.");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		labels_tuner(b, "bpftune_tuner_reverts_total", tuner);
		qbuf_printf(b, "} %llu\n", tuner->reverts);
	}
	family(b, "bpftune_tuner_disabled_netns", "gauge",
	       "Network namespaces in which each tuner stepped aside.");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		labels_tuner(b, "bpftune_tuner_disabled_netns", tuner);
		qbuf_printf(b, "} %u\n", count_disabled(tuner));
	}
}

static void write_hooks(struct bpftune_qbuf *b)
{
	struct bpftune_tuner *tuner;
	unsigned int i;

	family(b, "bpftune_hook_tier", "gauge",
	       "Attach tier each tuner hook uses (fentry, tracepoint, kprobe; none = not attached).");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		for (i = 0; i < tuner->nhooks; i++) {
			labels_tuner(b, "bpftune_hook_tier", tuner);
			label(b, "hook", tuner->hooks[i].name);
			label(b, "tier", bpftune_tier_name(tuner->hooks[i].tier));
			qbuf_printf(b, "} 1\n");
		}
	}
}

static unsigned int scenario_total(const struct bpftune_tuner *tuner,
				   unsigned int id)
{
	const struct bpftune_change *c;
	unsigned int i, n = 0;

	if (id > tuner->nscenarios)
		return 0;
	for (i = 0; i < tuner->ntunables; i++)
		for (c = tuner->tunables[i].changes; c; c = c->next)
			n += c->scenario_counts[id];
	return n;
}

static void write_scenarios(struct bpftune_qbuf *b)
{
	const struct bpftune_scenario_desc *sc;
	struct bpftune_tuner *tuner;
	unsigned int i;

	family(b, "bpftune_scenario_changes_total", "counter",
	       "Changes made per tuner and scenario (the rule that fired).");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		for (i = 0; i < tuner->nscenarios; i++) {
			sc = &tuner->scenarios[i];
			labels_tuner(b, "bpftune_scenario_changes_total", tuner);
			label(b, "scenario", sc->name);
			qbuf_printf(b, "} %u\n", scenario_total(tuner, sc->id));
		}
	}
}

static void write_tunable_changes(struct bpftune_qbuf *b)
{
	const struct bpftune_scenario_desc *sc;
	struct bpftune_tuner *tuner;
	struct bpftune_tunable *t;
	struct bpftune_change *c;
	unsigned int i, s;
	char ns[32];

	family(b, "bpftune_tunable_changes_total", "counter",
	       "Changes per tunable, network namespace and scenario.");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		for (i = 0; i < tuner->ntunables; i++) {
			t = &tuner->tunables[i];
			for (c = t->changes; c; c = c->next) {
				for (s = 0; s < tuner->nscenarios; s++) {
					sc = &tuner->scenarios[s];
					if (sc->id > tuner->nscenarios ||
					    !c->scenario_counts[sc->id])
						continue;
					labels_tuner(b, "bpftune_tunable_changes_total", tuner);
					label(b, "tunable", t->desc.name);
					label(b, "netns", netns_label(c->cookie, ns, sizeof(ns)));
					label(b, "scenario", sc->name);
					qbuf_printf(b, "} %u\n", c->scenario_counts[sc->id]);
				}
			}
		}
	}
}

/* One namespace's value(s) of a tunable, read now. */
static void write_value(struct bpftune_qbuf *b, struct bpftune_qbuf *info,
			struct bpftune_tuner *tuner, struct bpftune_tunable *t,
			unsigned long long cookie)
{
	long long values[BPFTUNE_MAX_VALUES];
	char raw[BPFTUNE_VALUE_LEN], buf[32], idx[12];
	const char *ns;
	unsigned int i;

	if (bpftune_sysctl_read_raw(cookie, t->desc.name, raw, sizeof(raw)))
		return;
	ns = netns_label(cookie, buf, sizeof(buf));
	if (t->desc.flags & BPFTUNE_STRING) {
		labels_tuner(info, "bpftune_tunable_info", tuner);
		label(info, "tunable", t->desc.name);
		label(info, "netns", ns);
		label(info, "value", raw);
		qbuf_printf(info, "} 1\n");
		return;
	}
	if (bpftune_sysctl_parse(raw, values, t->desc.nvalues))
		return;
	for (i = 0; i < t->desc.nvalues; i++) {
		snprintf(idx, sizeof(idx), "%u", i);
		labels_tuner(b, "bpftune_tunable_value", tuner);
		label(b, "tunable", t->desc.name);
		label(b, "netns", ns);
		label(b, "index", idx);
		qbuf_printf(b, "} %lld\n", values[i]);
	}
}

/* Values in the global netns, and in each netns bpftune changed. */
static void write_values(struct bpftune_qbuf *b)
{
	unsigned long long global = bpftune_netns_global_cookie();
	struct bpftune_tuner *tuner;
	struct bpftune_tunable *t;
	struct bpftune_change *c;
	struct bpftune_qbuf info;
	unsigned int i;

	qbuf_init(&info);
	family(b, "bpftune_tunable_value", "gauge",
	       "Current value of each numeric tunable (index: position in a multi-value sysctl), in the global netns and in every netns bpftune changed it in.");
	family(&info, "bpftune_tunable_info", "gauge",
	       "Current value of each text tunable, as the value label.");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		for (i = 0; i < tuner->ntunables; i++) {
			t = &tuner->tunables[i];
			if (t->absent)
				continue;
			write_value(b, &info, tuner, t, global);
			for (c = t->changes; c; c = c->next)
				if (c->cookie != global)
					write_value(b, &info, tuner, t, c->cookie);
		}
	}
	if (info.data)
		qbuf_printf(b, "%s", info.data);
	qbuf_free(&info);
}

static void bound_line(struct bpftune_qbuf *b, const struct bpftune_tuner *tuner,
		       const struct bpftune_tunable_desc *d, unsigned int v,
		       const char *which, long long value)
{
	char idx[12];

	snprintf(idx, sizeof(idx), "%u", v);
	labels_tuner(b, "bpftune_tunable_bound", tuner);
	label(b, "tunable", d->name);
	label(b, "index", idx);
	label(b, "bound", which);
	qbuf_printf(b, "} %lld\n", value);
}

/* The safety bounds: alerts compare bpftune_tunable_value with them. */
static void write_bounds(struct bpftune_qbuf *b)
{
	const struct bpftune_tunable_desc *d;
	struct bpftune_tuner *tuner;
	unsigned int i, v;

	family(b, "bpftune_tunable_bound", "gauge",
	       "Safety bound of each numeric tunable (bound: min or max; no max series when unbounded).");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		for (i = 0; i < tuner->ntunables; i++) {
			d = &tuner->tunables[i].desc;
			if (tuner->tunables[i].absent || d->flags & BPFTUNE_STRING)
				continue;
			for (v = 0; v < d->nvalues; v++) {
				bound_line(b, tuner, d, v, "min", d->min[v]);
				if (d->max[v])
					bound_line(b, tuner, d, v, "max", d->max[v]);
			}
		}
	}
}

static void metrics_format(struct bpftune_qbuf *b, bool up)
{
	const struct bpftune_support *support = bpftune_support_get();

	family(b, "bpftune_up", "gauge",
	       "1 while bpftune runs; 0 in the file it leaves when it stops.");
	qbuf_printf(b, "bpftune_up %d\n", up);
	family(b, "bpftune_info", "gauge",
	       "Version, best BPF attach tier in use, and dry-run (advice) mode.");
	qbuf_printf(b, "bpftune_info{version=\"%s\",tier=\"%s\",dry_run=\"%d\"} 1\n",
		    BPFTUNE_VERSION,
		    bpftune_tier_name(bpftune_support_effective(support)),
		    bpftune_cfg.dry_run);
	write_tuner_state(b);
	write_tuner_counts(b);
	write_hooks(b);
	write_scenarios(b);
	write_tunable_changes(b);
	write_values(b);
	write_bounds(b);
}

static int write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int create_tmp(void)
{
	return open(metrics_tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		    0644);
}

/* A new regular file at metrics_tmp, whatever was there before. */
static int open_tmp(void)
{
	struct stat st;
	int fd;

	fd = create_tmp();
	if (fd < 0 && errno == EEXIST && !unlink(metrics_tmp))
		fd = create_tmp();
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

static int metrics_write(bool up)
{
	struct bpftune_qbuf b;
	int fd, err;

	qbuf_init(&b);
	metrics_format(&b, up);
	if (b.cut || !b.data) {
		err = -ENOMEM;
		goto out;
	}
	fd = open_tmp();
	if (fd < 0) {
		err = fd;
		goto out;
	}
	err = write_all(fd, b.data, b.len);
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(metrics_tmp, metrics_path))
		err = -errno;
	if (err)
		unlink(metrics_tmp);
out:
	qbuf_free(&b);
	/* one line per kind of failure, not one per rewrite */
	if (err && err != last_err)
		bpftune_warn("cannot write metrics file %s: %s", metrics_path,
			     strerror(-err));
	else if (!err && last_err)
		bpftune_info("metrics file %s written again", metrics_path);
	last_err = err;
	return err;
}

static void on_timer(void *ctx)
{
	(void)ctx;
	armed = false;
	metrics_write(true);
}

/* Something metrics show changed: rewrite the file soon (coalesced). */
static void on_state_changed(enum bpftune_note note, const void *data,
			     void *ctx)
{
	(void)note;
	(void)data;
	(void)ctx;
	if (timer_id < 0 || armed)
		return;
	if (!bpftune_timer_arm(timer_id, METRICS_DELAY_MS, 0))
		armed = true;
}

int bpftune_metrics_init(const char *path)
{
	int err;

	if (!path)
		return 0;
	if (path[0] != '/') {
		/* -D changes to /: keep writing where the user meant */
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		if ((size_t)snprintf(metrics_path, sizeof(metrics_path), "%s/%s",
				     cwd, path) >= sizeof(metrics_path))
			return -ENAMETOOLONG;
	} else if ((size_t)snprintf(metrics_path, sizeof(metrics_path), "%s",
				    path) >= sizeof(metrics_path)) {
		return -ENAMETOOLONG;
	}
	snprintf(metrics_tmp, sizeof(metrics_tmp), "%s.tmp", metrics_path);
	timer_id = bpftune_timer_new(on_timer, NULL);
	if (timer_id < 0)
		return timer_id;
	err = bpftune_notify_subscribe(BPFTUNE_NOTE_STATE_CHANGED,
				       on_state_changed, NULL);
	if (err) {
		bpftune_timer_del(timer_id);
		timer_id = -1;
		return err;
	}
	err = metrics_write(true);
	if (err) {
		bpftune_metrics_fini();
		return err;
	}
	bpftune_info("metrics written to %s", metrics_path);
	return 0;
}

void bpftune_metrics_fini(void)
{
	if (timer_id < 0)
		return;
	bpftune_notify_unsubscribe(BPFTUNE_NOTE_STATE_CHANGED, on_state_changed,
				   NULL);
	bpftune_timer_del(timer_id);
	timer_id = -1;
	armed = false;
	if (!last_err)
		metrics_write(false);
}
