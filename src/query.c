// SPDX-License-Identifier: GPL-2.0
/*
 * The query socket (server side, in the daemon's event loop) and the
 * client behind `bpftune -q`.
 *
 * Protocol: the client sends one line of at most BPFTUNE_QUERY_MAX bytes
 * (or the bytes before it shuts down its sending side); the daemon answers
 * with text or JSON and closes the connection.  Every socket is
 * non-blocking and each client has QUERY_CLIENT_MS to send its request and
 * take the answer, so a silent or slow client costs a file descriptor for
 * a moment, never the daemon's attention.
 *
 * Listeners and clients live in an epoll set of their own whose single fd
 * is registered in the main loop: that gives us EPOLLOUT for replies the
 * kernel could not take at once without changing the loop.
 *
 * Denial of service: the UNIX socket (root only) and the TCP port (any
 * local user) have separate client limits, so a flood on the port cannot
 * lock root out.  status and rollback scan /proc and enter every
 * namespace; their answers are shared from a cache, rebuilt at most once
 * per QUERY_CACHE_MIN_MS and never more often than keeps building them
 * under a tenth of the daemon's time.  When accept() fails for want of
 * file descriptors the listeners rest for a tick instead of waking the
 * loop again at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "query_parse.h"

#define QUERY_CLIENT_MS 2000
#define QUERY_MAX_UNIX_CLIENTS 32
#define QUERY_MAX_TCP_CLIENTS 16
/*
 * Accept queue: a burst beyond it waits for the kernel's SYN-ACK retry
 * (1 s and more) and then may be admitted after clients that should have
 * been turned away at once; 128 keeps a burst of a few times the limits
 * queued until the loop accepts and answers (admits or refuses) each.
 */
#define QUERY_LISTEN_BACKLOG 128
#define QUERY_TICK_MS 200
#define CLIENT_REPLY_TIMEOUT_S 10
/* an expensive answer is reused while younger than MIN_MS, and while
 * younger than MAX_MS if nothing changed meanwhile; after a build taking
 * T ms the next waits at least QUERY_CACHE_COST_FACTOR * T ms */
#define QUERY_CACHE_MIN_MS 250
#define QUERY_CACHE_MAX_MS 1000
#define QUERY_CACHE_COST_FACTOR 10

/* One built answer, shared by every client sending it. */
struct qshared {
	unsigned int refs;
	struct bpftune_qbuf b;
};

struct qcache_slot {
	struct qshared *answer;
	long long built_ms;
	long long hold_ms; /* not rebuilt before */
	unsigned long long generation;
};

struct qclient {
	struct qclient *next;
	int fd;
	bool tcp;
	bool replying;
	bool draining; /* answered; reading what is left until the client closes */
	bool eof;      /* the client shut down its sending side */
	char in[BPFTUNE_QUERY_MAX + 1];
	size_t inlen;
	struct bpftune_qbuf out;
	struct qshared *shared; /* the answer, when it comes from the cache */
	size_t sent;
	long long deadline_ms;
};

static int query_epfd = -1;
static int unix_fd = -1;
static int tcp_fd = -1;
static int tick_fd = -1;
static bool ticking;
static struct qclient *clients;
static unsigned int nclients;
static unsigned int nclients_of[2]; /* [tcp] */
static bool accept_paused;
static int accept_err; /* last accept() failure; logged once */
static int tcp_port_bound;
/* [0] status, [1] rollback; [json] */
static struct qcache_slot cache[2][2];
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static ino_t sock_ino;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- replies */

static void json_netns(struct bpftune_qbuf *b, unsigned long long cookie)
{
	bool global = cookie == BPFTUNE_GLOBAL_NETNS ||
		      cookie == bpftune_netns_global_cookie();
	struct bpftune_netns *ns = bpftune_netns_find(cookie);

	qbuf_printf(b, "\"netns\":%llu,\"global\":%s,\"path\":",
		    global ? bpftune_netns_global_cookie() : cookie,
		    global ? "true" : "false");
	if (ns && ns->path[0])
		qbuf_json_str(b, ns->path);
	else
		qbuf_printf(b, "null");
}

/* Raw sysctl text uses tabs between values; show single spaces. */
static void untab(char *s)
{
	for (; *s; s++)
		if (*s == '\t')
			*s = ' ';
}

static void reply_tuners(struct bpftune_qbuf *b, bool json)
{
	struct bpftune_tuner *tuner;
	struct bpftune_disabled *d;
	struct bpftune_hook *h;
	unsigned int i;
	char ns[64];

	if (json)
		qbuf_printf(b, "{\"tuners\":[");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		if (json) {
			qbuf_printf(b, "%s{\"name\":", tuner == bpftune_tuners() ? "" : ",");
			qbuf_json_str(b, tuner->name);
			qbuf_printf(b, ",\"state\":\"%s\",\"events\":%llu,\"changes\":%llu,\"hooks\":[",
				    bpftune_tuner_state_name(tuner->state),
				    tuner->events, tuner->changes);
		} else {
			/* NAME STATE first, as the existing bpftune prints */
			qbuf_printf(b, "%s %s %llu events handled, %llu changes; hooks:",
				    tuner->name, bpftune_tuner_state_name(tuner->state),
				    tuner->events, tuner->changes);
		}
		for (i = 0; i < tuner->nhooks; i++) {
			h = &tuner->hooks[i];
			if (json) {
				qbuf_printf(b, "%s{\"name\":", i ? "," : "");
				qbuf_json_str(b, h->name);
				qbuf_printf(b, ",\"tier\":\"%s\",\"why\":",
					    bpftune_tier_name(h->tier));
				if (h->why)
					qbuf_json_str(b, h->why);
				else
					qbuf_printf(b, "null");
				qbuf_printf(b, "}");
			} else {
				qbuf_printf(b, "%s %s %s%s%s%s", i ? "," : "", h->name,
					    bpftune_tier_name(h->tier),
					    h->why ? " (" : "", h->why ? h->why : "",
					    h->why ? ")" : "");
			}
		}
		if (json)
			qbuf_printf(b, "],\"disabled\":[");
		else
			qbuf_printf(b, "%s; stepped aside in: %s",
				    tuner->nhooks ? "" : " none",
				    tuner->disabled ? "" : "no namespace");
		for (d = tuner->disabled; d; d = d->next) {
			if (json) {
				qbuf_printf(b, "%s{", d == tuner->disabled ? "" : ",");
				json_netns(b, d->cookie);
				qbuf_printf(b, "}");
			} else {
				qbuf_printf(b, "%s%s", d == tuner->disabled ? "" : ", ",
					    bpftune_netns_str(d->cookie, ns, sizeof(ns)));
			}
		}
		qbuf_printf(b, json ? "]}" : "\n");
	}
	if (json)
		qbuf_printf(b, "]}\n");
	else if (!bpftune_tuners())
		qbuf_printf(b, "# no tuners loaded\n");
}

static void json_bounds(struct bpftune_qbuf *b, const char *name,
			const long long *v, unsigned int n, bool zero_is_none)
{
	unsigned int i;

	qbuf_printf(b, ",\"%s\":[", name);
	for (i = 0; i < n; i++) {
		if (zero_is_none && !v[i])
			qbuf_printf(b, "%snull", i ? "," : "");
		else
			qbuf_printf(b, "%s%lld", i ? "," : "", v[i]);
	}
	qbuf_printf(b, "]");
}

static void tunable_line(struct bpftune_qbuf *b, struct bpftune_tuner *tuner,
			 struct bpftune_tunable *t)
{
	const struct bpftune_tunable_desc *d = &t->desc;
	unsigned int i;

	/* TUNER TUNABLE TYPE NVALUES first, as the existing bpftune prints */
	qbuf_printf(b, "%s %s %s %u %s", tuner->name, d->name,
		    d->flags & BPFTUNE_STRING ? "string" : "integer",
		    d->flags & BPFTUNE_STRING ? 1 : d->nvalues,
		    d->flags & BPFTUNE_GLOBAL ? "global" : "per netns");
	if (!(d->flags & BPFTUNE_STRING)) {
		qbuf_printf(b, ", bounds");
		for (i = 0; i < d->nvalues; i++) {
			if (d->max[i])
				qbuf_printf(b, " [%lld..%lld]", d->min[i], d->max[i]);
			else
				qbuf_printf(b, " [%lld..]", d->min[i]);
		}
	}
	qbuf_printf(b, "%s%s\n", t->absent ? ", not on this system" : "",
		    t->disabled_global ? ", disabled" : "");
}

static void reply_tunables(struct bpftune_qbuf *b, bool json)
{
	struct bpftune_tuner *tuner;
	struct bpftune_tunable *t;
	bool first = true;
	unsigned int i;

	if (json)
		qbuf_printf(b, "{\"tunables\":[");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		for (i = 0; i < tuner->ntunables; i++) {
			t = &tuner->tunables[i];
			if (!json) {
				tunable_line(b, tuner, t);
				continue;
			}
			qbuf_printf(b, "%s{\"tuner\":", first ? "" : ",");
			first = false;
			qbuf_json_str(b, tuner->name);
			qbuf_printf(b, ",\"name\":");
			qbuf_json_str(b, t->desc.name);
			qbuf_printf(b, ",\"scope\":\"%s\",\"text\":%s,\"values\":%u,\"present\":%s,\"disabled\":%s",
				    t->desc.flags & BPFTUNE_GLOBAL ? "global" : "netns",
				    t->desc.flags & BPFTUNE_STRING ? "true" : "false",
				    t->desc.nvalues, t->absent ? "false" : "true",
				    t->disabled_global ? "true" : "false");
			json_bounds(b, "min", t->desc.min, t->desc.nvalues, false);
			json_bounds(b, "max", t->desc.max, t->desc.nvalues, true);
			qbuf_printf(b, "}");
		}
	}
	if (json)
		qbuf_printf(b, "]}\n");
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

static void status_one(struct bpftune_qbuf *b, bool json, bool *first,
		       struct bpftune_tuner *tuner, struct bpftune_tunable *t,
		       unsigned long long cookie)
{
	long long values[BPFTUNE_MAX_VALUES];
	struct bpftune_change *c = change_in(t, cookie);
	char raw[BPFTUNE_VALUE_LEN], ns[64];
	unsigned int i;
	int err;

	err = bpftune_sysctl_read_raw(cookie, t->desc.name, raw, sizeof(raw));
	if (err == -ESRCH)
		return; /* namespace gone since the scan */
	untab(raw);
	if (!json) {
		bpftune_netns_str(cookie, ns, sizeof(ns));
		if (err)
			qbuf_printf(b, "  %s: unreadable: %s\n", ns, strerror(-err));
		else
			qbuf_printf(b, "  %s: %s%s%s%s\n", ns, raw,
				    c ? " (bpftune changed it from " : "",
				    c ? c->orig : "", c ? ")" : "");
		return;
	}
	qbuf_printf(b, "%s{\"tuner\":", *first ? "" : ",");
	*first = false;
	qbuf_json_str(b, tuner->name);
	qbuf_printf(b, ",\"tunable\":");
	qbuf_json_str(b, t->desc.name);
	qbuf_printf(b, ",");
	json_netns(b, cookie);
	if (err) {
		qbuf_printf(b, ",\"error\":");
		qbuf_json_str(b, strerror(-err));
		qbuf_printf(b, "}");
		return;
	}
	qbuf_printf(b, ",\"value\":");
	qbuf_json_str(b, raw);
	if (!(t->desc.flags & BPFTUNE_STRING) &&
	    !bpftune_sysctl_parse(raw, values, t->desc.nvalues)) {
		qbuf_printf(b, ",\"values\":[");
		for (i = 0; i < t->desc.nvalues; i++)
			qbuf_printf(b, "%s%lld", i ? "," : "", values[i]);
		qbuf_printf(b, "]");
	}
	qbuf_printf(b, ",\"original\":");
	if (c)
		qbuf_json_str(b, c->orig);
	else
		qbuf_printf(b, "null");
	qbuf_printf(b, "}");
}

/*
 * "TUNER TUNABLE VALUE..." with the global netns' value, as the existing
 * bpftune prints; indented lines for each namespace follow.
 */
static void status_head(struct bpftune_qbuf *b, struct bpftune_tuner *tuner,
			struct bpftune_tunable *t, unsigned long long global)
{
	char raw[BPFTUNE_VALUE_LEN];
	int err;

	err = bpftune_sysctl_read_raw(global, t->desc.name, raw, sizeof(raw));
	if (err) {
		qbuf_printf(b, "%s %s # unreadable: %s\n", tuner->name,
			    t->desc.name, strerror(-err));
		return;
	}
	untab(raw);
	qbuf_printf(b, "%s %s %s\n", tuner->name, t->desc.name, raw);
}

static void reply_status(struct bpftune_qbuf *b, bool json)
{
	unsigned long long global = bpftune_netns_global_cookie();
	struct bpftune_tuner *tuner;
	struct bpftune_tunable *t;
	struct bpftune_netns *ns;
	bool first = true;
	unsigned int i;

	/* namespaces come and go: answer about the ones that exist now */
	bpftune_netns_scan();
	if (json)
		qbuf_printf(b, "{\"status\":[");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		for (i = 0; i < tuner->ntunables; i++) {
			t = &tuner->tunables[i];
			if (t->absent)
				continue;
			if (!json)
				status_head(b, tuner, t, global);
			if (json || change_in(t, global))
				status_one(b, json, &first, tuner, t, global);
			if (t->desc.flags & BPFTUNE_GLOBAL)
				continue;
			for (ns = bpftune_netns_list(); ns; ns = ns->next)
				if (ns->cookie != global)
					status_one(b, json, &first, tuner, t,
						   ns->cookie);
		}
	}
	if (json)
		qbuf_printf(b, "]}\n");
}

static void summary_counts(struct bpftune_qbuf *b, bool json,
			   struct bpftune_tuner *tuner,
			   struct bpftune_change *c)
{
	const struct bpftune_scenario_desc *sc;
	bool first = true;
	unsigned int i;

	for (i = 0; i < tuner->nscenarios; i++) {
		sc = &tuner->scenarios[i];
		if (sc->id > tuner->nscenarios || !c->scenario_counts[sc->id])
			continue;
		if (json) {
			qbuf_printf(b, "%s{\"name\":", first ? "" : ",");
			qbuf_json_str(b, sc->name);
			qbuf_printf(b, ",\"count\":%u}", c->scenario_counts[sc->id]);
		} else {
			qbuf_printf(b, "%s%s x%u", first ? "" : ", ", sc->name,
				    c->scenario_counts[sc->id]);
		}
		first = false;
	}
}

/*
 * Comments, and a "sysctl -w" line per global change that makes the same
 * change on another machine (scripts of the existing bpftune grep for it).
 */
static void summary_replicate(struct bpftune_qbuf *b, struct bpftune_tunable *t,
			      struct bpftune_change *c)
{
	char assign[BPFTUNE_VALUE_LEN * 2];

	if (c->cookie != bpftune_netns_global_cookie())
		return;
	snprintf(assign, sizeof(assign), "%s=%s", t->desc.name, c->cur);
	qbuf_printf(b, "sysctl -w ");
	qbuf_shell_word(b, assign);
	qbuf_printf(b, "\n");
}

static void summary_change(struct bpftune_qbuf *b, bool json, bool first,
			   struct bpftune_tuner *tuner,
			   struct bpftune_tunable *t, struct bpftune_change *c)
{
	char ns[64];

	if (!json) {
		qbuf_printf(b, "#   %s in %s: %u change%s, %s -> %s (", t->desc.name,
			    bpftune_netns_str(c->cookie, ns, sizeof(ns)),
			    c->nchanges, c->nchanges == 1 ? "" : "s", c->orig,
			    c->cur);
		summary_counts(b, json, tuner, c);
		qbuf_printf(b, ")\n");
		summary_replicate(b, t, c);
		return;
	}
	qbuf_printf(b, "%s{\"tunable\":", first ? "" : ",");
	qbuf_json_str(b, t->desc.name);
	qbuf_printf(b, ",");
	json_netns(b, c->cookie);
	qbuf_printf(b, ",\"count\":%u,\"original\":", c->nchanges);
	qbuf_json_str(b, c->orig);
	qbuf_printf(b, ",\"current\":");
	qbuf_json_str(b, c->cur);
	qbuf_printf(b, ",\"scenarios\":[");
	summary_counts(b, json, tuner, c);
	qbuf_printf(b, "]}");
}

static void reply_summary(struct bpftune_qbuf *b, bool json)
{
	struct bpftune_tuner *tuner;
	struct bpftune_change *c;
	unsigned int i;
	bool first;

	if (json)
		qbuf_printf(b, "{\"dry_run\":%s,\"summary\":[",
			    bpftune_cfg.dry_run ? "true" : "false");
	else
		qbuf_printf(b, "# changes made by bpftune%s; the sysctl lines repeat the global ones elsewhere\n",
			    bpftune_cfg.dry_run ? " (dry run: advised, not made)" : "");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		if (json) {
			qbuf_printf(b, "%s{\"tuner\":", tuner == bpftune_tuners() ? "" : ",");
			qbuf_json_str(b, tuner->name);
			qbuf_printf(b, ",\"events\":%llu,\"changes\":%llu,\"tunables\":[",
				    tuner->events, tuner->changes);
		} else if (tuner->changes) {
			qbuf_printf(b, "# %s: %llu change%s%s (%llu events handled)\n",
				    tuner->name, tuner->changes,
				    tuner->changes == 1 ? "" : "s",
				    bpftune_cfg.dry_run ? " advised (dry run)" : "",
				    tuner->events);
		} else {
			qbuf_printf(b, "# %s: no changes (%llu events handled)\n",
				    tuner->name, tuner->events);
		}
		first = true;
		for (i = 0; i < tuner->ntunables; i++) {
			for (c = tuner->tunables[i].changes; c; c = c->next) {
				summary_change(b, json, first, tuner,
					       &tuner->tunables[i], c);
				first = false;
			}
		}
		if (json)
			qbuf_printf(b, "]}");
	}
	if (json)
		qbuf_printf(b, "]}\n");
}

/* The command restoring one original, or NULL when its netns is gone. */
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

static void reply_rollback(struct bpftune_qbuf *b, bool json)
{
	struct bpftune_tuner *tuner;
	struct bpftune_tunable *t;
	struct bpftune_change *c;
	struct bpftune_qbuf cmd;
	bool first = true;
	unsigned int i;
	char ns[64];

	bpftune_netns_scan();
	if (json)
		qbuf_printf(b, "{\"dry_run\":%s,\"rollback\":[",
			    bpftune_cfg.dry_run ? "true" : "false");
	else
		qbuf_printf(b, "# commands restoring the values bpftune found%s\n",
			    bpftune_cfg.dry_run ? " (dry run: nothing was changed)" : "");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		for (i = 0; i < tuner->ntunables; i++) {
			t = &tuner->tunables[i];
			for (c = t->changes; c; c = c->next) {
				qbuf_init(&cmd);
				if (!rollback_command(&cmd, t, c))
					qbuf_free(&cmd);
				if (!json) {
					if (cmd.data)
						qbuf_printf(b, "%s\n", cmd.data);
					else
						qbuf_printf(b, "# %s no longer exists; %s was '%s' there\n",
							    bpftune_netns_str(c->cookie, ns, sizeof(ns)),
							    t->desc.name, c->orig);
					qbuf_free(&cmd);
					continue;
				}
				qbuf_printf(b, "%s{\"tuner\":", first ? "" : ",");
				first = false;
				qbuf_json_str(b, tuner->name);
				qbuf_printf(b, ",\"tunable\":");
				qbuf_json_str(b, t->desc.name);
				qbuf_printf(b, ",");
				json_netns(b, c->cookie);
				qbuf_printf(b, ",\"original\":");
				qbuf_json_str(b, c->orig);
				qbuf_printf(b, ",\"command\":");
				if (cmd.data)
					qbuf_json_str(b, cmd.data);
				else
					qbuf_printf(b, "null");
				qbuf_printf(b, "}");
				qbuf_free(&cmd);
			}
		}
	}
	if (json)
		qbuf_printf(b, "]}\n");
}

static void reply_error(struct bpftune_qbuf *b, bool json, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply_error(struct bpftune_qbuf *b, bool json, const char *fmt, ...)
{
	struct bpftune_qbuf msg;
	va_list ap;

	qbuf_init(&msg);
	va_start(ap, fmt);
	qbuf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (json) {
		qbuf_printf(b, "{\"error\":");
		qbuf_json_str(b, msg.data ? msg.data : "");
		qbuf_printf(b, "}\n");
	} else {
		qbuf_printf(b, "error: %s\n", msg.data ? msg.data : "");
	}
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

	if (!tuner) {
		reply_error(b, q->json, "no tuner named '%s' (see the tuners query)",
			    q->tuner);
		return;
	}
	if (tuner->state != BPFTUNE_TUNER_ACTIVE) {
		reply_error(b, q->json, "tuner %s is %s; only a running tuner can be enabled",
			    tuner->name, bpftune_tuner_state_name(tuner->state));
		return;
	}
	if (q->netns[0]) {
		err = resolve_netns(q->netns, &cookie);
		if (err) {
			reply_error(b, q->json, "netns '%s': %s", q->netns,
				    strerror(-err));
			return;
		}
		bpftune_netns_str(cookie, ns, sizeof(ns));
	}
	cleared = bpftune_tuner_enable(tuner, cookie, !q->netns[0]);
	if (cleared)
		bpftune_info("%s: re-enabled in %s on request", tuner->name, ns);
	if (q->json) {
		qbuf_printf(b, "{\"tuner\":");
		qbuf_json_str(b, tuner->name);
		qbuf_printf(b, ",\"netns\":");
		qbuf_json_str(b, ns);
		qbuf_printf(b, ",\"was_disabled\":%s}\n", cleared ? "true" : "false");
	} else if (cleared) {
		qbuf_printf(b, "%s: re-enabled in %s\n", tuner->name, ns);
	} else {
		qbuf_printf(b, "%s: was not disabled in %s; nothing to do\n",
			    tuner->name, ns);
	}
}

static void check_cut(struct bpftune_qbuf *b, bool json)
{
	if (!b->cut)
		return;
	/* half an answer (or half a JSON document) helps nobody */
	qbuf_free(b);
	reply_error(b, json, "answer larger than %u bytes; not sent",
		    BPFTUNE_REPLY_MAX);
}

static void shared_put(struct qshared *sh)
{
	if (!sh || --sh->refs)
		return;
	qbuf_free(&sh->b);
	free(sh);
}

static bool cache_fresh(const struct qcache_slot *slot, long long now)
{
	if (!slot->answer)
		return false;
	if (now < slot->hold_ms)
		return true;
	return now - slot->built_ms < QUERY_CACHE_MAX_MS &&
	       slot->generation == bpftune_state_generation();
}

/* status or rollback: from the cache, or built now and cached.  NULL
 * when out of memory (the caller then builds one for itself). */
static struct qshared *cached_answer(const struct bpftune_query *q)
{
	bool rollback = q->kind == BPFTUNE_Q_ROLLBACK;
	struct qcache_slot *slot = &cache[rollback][q->json];
	long long now = now_ms(), took;
	struct qshared *sh;

	if (!cache_fresh(slot, now)) {
		sh = calloc(1, sizeof(*sh));
		if (!sh)
			return NULL;
		sh->refs = 1;
		slot->generation = bpftune_state_generation();
		if (rollback)
			reply_rollback(&sh->b, q->json);
		else
			reply_status(&sh->b, q->json);
		check_cut(&sh->b, q->json);
		shared_put(slot->answer);
		slot->answer = sh;
		slot->built_ms = now_ms();
		took = slot->built_ms - now;
		slot->hold_ms = slot->built_ms +
				(took * QUERY_CACHE_COST_FACTOR > QUERY_CACHE_MIN_MS ?
					 took * QUERY_CACHE_COST_FACTOR :
					 QUERY_CACHE_MIN_MS);
		bpftune_debug("query: %s answer built in %lld ms (%zu bytes)",
			      rollback ? "rollback" : "status", took, sh->b.len);
	}
	slot->answer->refs++;
	return slot->answer;
}

static void cache_clear(void)
{
	unsigned int i, j;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			shared_put(cache[i][j].answer);
			memset(&cache[i][j], 0, sizeof(cache[i][j]));
		}
	}
}

/* Build the answer to one request (exposed to nothing but the clients);
 * a shared answer, for status and rollback, goes to *shared. */
static void answer(struct bpftune_qbuf *b, struct qshared **shared,
		   const char *req, size_t len, bool over_tcp)
{
	struct bpftune_query q;
	char err[160];

	if (bpftune_query_parse(req, len, &q, err, sizeof(err))) {
		reply_error(b, q.json, "%s", err);
		return;
	}
	if (over_tcp && bpftune_query_mutates(q.kind)) {
		reply_error(b, q.json, "'%s' is accepted on the UNIX socket only",
			    q.word);
		return;
	}
	switch (q.kind) {
	case BPFTUNE_Q_HELP:
		bpftune_query_help(b, q.json);
		break;
	case BPFTUNE_Q_TUNERS:
		reply_tuners(b, q.json);
		break;
	case BPFTUNE_Q_TUNABLES:
		reply_tunables(b, q.json);
		break;
	case BPFTUNE_Q_STATUS:
		*shared = cached_answer(&q);
		if (!*shared)
			reply_status(b, q.json);
		break;
	case BPFTUNE_Q_SUMMARY:
		reply_summary(b, q.json);
		break;
	case BPFTUNE_Q_ROLLBACK:
		*shared = cached_answer(&q);
		if (!*shared)
			reply_rollback(b, q.json);
		break;
	case BPFTUNE_Q_ENABLE:
		reply_enable(b, &q);
		break;
	case BPFTUNE_Q_UNKNOWN:
		qbuf_printf(b, "unknown query '%s'\n", q.word);
		bpftune_query_help(b, false);
		break;
	}
	check_cut(b, q.json);
}

/* ----------------------------------------------------------------- server */

static void client_close(struct qclient *c)
{
	struct qclient **pp;

	for (pp = &clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	epoll_ctl(query_epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	qbuf_free(&c->out);
	shared_put(c->shared);
	nclients--;
	nclients_of[c->tcp]--;
	free(c);
}

static struct qclient *client_find(int fd)
{
	struct qclient *c;

	for (c = clients; c; c = c->next)
		if (c->fd == fd)
			return c;
	return NULL;
}

static void set_ticking(bool on)
{
	struct itimerspec its = { 0 };

	if (on == ticking)
		return;
	if (on) {
		its.it_value.tv_nsec = QUERY_TICK_MS * 1000000L;
		its.it_interval.tv_nsec = QUERY_TICK_MS * 1000000L;
	}
	if (!timerfd_settime(tick_fd, 0, &its, NULL))
		ticking = on;
}

/* Send what the socket takes; true when the client is finished with. */
static bool client_send(struct qclient *c)
{
	const struct bpftune_qbuf *out = c->shared ? &c->shared->b : &c->out;
	ssize_t n;

	while (c->sent < out->len) {
		n = send(c->fd, out->data + c->sent, out->len - c->sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return false;
			/* EPIPE, ECONNRESET: the client left; nothing lost */
			bpftune_debug("query client left mid-reply: %s",
				      strerror(errno));
			return true;
		}
		c->sent += (size_t)n;
	}
	return true;
}

/*
 * Answer sent.  Closing now while request bytes we did not read are still
 * queued would make the kernel reset the connection and the client could
 * lose the answer (say, "request too long"); so signal the end of the
 * answer and discard input until the client closes (or its time is up).
 */
static void client_done(struct qclient *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = c->fd };

	if (c->eof || shutdown(c->fd, SHUT_WR) ||
	    epoll_ctl(query_epfd, EPOLL_CTL_MOD, c->fd, &ev)) {
		client_close(c);
		return;
	}
	c->replying = false;
	c->draining = true;
}

static void client_drain(struct qclient *c)
{
	char scratch[1024];
	ssize_t n;

	do {
		n = recv(c->fd, scratch, sizeof(scratch), MSG_DONTWAIT);
	} while (n > 0 || (n < 0 && errno == EINTR));
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	client_close(c);
}

static void client_reply(struct qclient *c, size_t reqlen)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.fd = c->fd };

	answer(&c->out, &c->shared, c->in, reqlen, c->tcp);
	c->replying = true;
	if (client_send(c)) {
		client_done(c);
		return;
	}
	epoll_ctl(query_epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void client_read(struct qclient *c)
{
	char *nl;
	ssize_t n;

	for (;;) {
		/* one byte more than the limit tells "too long" apart */
		n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
			 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			client_close(c);
			return;
		}
		if (n == 0) {
			/* end of request without newline */
			c->eof = true;
			if (c->inlen)
				client_reply(c, c->inlen);
			else
				client_close(c);
			return;
		}
		c->inlen += (size_t)n;
		nl = memchr(c->in, '\n', c->inlen);
		if (nl) {
			client_reply(c, (size_t)(nl - c->in) + 1);
			return;
		}
		if (c->inlen == sizeof(c->in)) {
			client_reply(c, c->inlen); /* the parser says too long */
			return;
		}
	}
}

static void listeners_arm(bool on)
{
	struct epoll_event ev = { .events = on ? EPOLLIN : 0 };

	ev.data.fd = unix_fd;
	if (unix_fd >= 0)
		epoll_ctl(query_epfd, EPOLL_CTL_MOD, unix_fd, &ev);
	ev.data.fd = tcp_fd;
	if (tcp_fd >= 0)
		epoll_ctl(query_epfd, EPOLL_CTL_MOD, tcp_fd, &ev);
	accept_paused = !on;
}

/* accept() failed: out of fds or memory means the pending connection
 * stays queued and the listener stays readable; rest until the next tick
 * rather than spin. */
static void accept_failed(int err)
{
	if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
	    err == ECONNABORTED || err == EPROTO)
		return; /* nothing queued, or a connection that already went */
	if (err != accept_err)
		bpftune_warn("query: cannot accept connections: %s; retrying every %d ms",
			     strerror(err), QUERY_TICK_MS);
	accept_err = err;
	listeners_arm(false);
	set_ticking(true);
}

static unsigned int client_limit(bool tcp)
{
	return tcp ? QUERY_MAX_TCP_CLIENTS : QUERY_MAX_UNIX_CLIENTS;
}

static void client_accept(int lfd, bool tcp)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct qclient *c;
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			accept_failed(errno);
			return;
		}
		if (accept_err) {
			bpftune_info("query: accepting connections again");
			accept_err = 0;
		}
		if (nclients_of[tcp] >= client_limit(tcp)) {
			static const char busy[] = "error: too many query clients; try again\n";

			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				bpftune_debug("query client gone before busy reply");
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->tcp = tcp;
		c->deadline_ms = now_ms() + QUERY_CLIENT_MS;
		ev.data.fd = fd;
		if (epoll_ctl(query_epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = clients;
		clients = c;
		nclients++;
		nclients_of[tcp]++;
		set_ticking(true);
	}
}

static void expire_clients(void)
{
	long long now = now_ms();
	struct qclient *c, *next;
	uint64_t ticks;

	if (read(tick_fd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
		return;
	if (accept_paused)
		listeners_arm(true);
	for (c = clients; c; c = next) {
		next = c->next;
		if (c->deadline_ms > now)
			continue;
		bpftune_debug("query client %s after %d ms; closed",
			      c->draining ? "kept the connection open" :
			      c->replying ? "did not take its answer" :
					    "sent no complete request",
			      QUERY_CLIENT_MS);
		client_close(c);
	}
}

static void on_query_fds(int fd, unsigned int events, void *ctx)
{
	struct epoll_event evs[16];
	struct qclient *c;
	int n, i;

	(void)fd;
	(void)events;
	(void)ctx;
	n = epoll_wait(query_epfd, evs, ARRAY_SIZE(evs), 0);
	for (i = 0; i < n; i++) {
		int efd = evs[i].data.fd;

		if (efd == unix_fd || efd == tcp_fd) {
			client_accept(efd, efd == tcp_fd);
			continue;
		}
		if (efd == tick_fd) {
			expire_clients();
			continue;
		}
		c = client_find(efd);
		if (!c)
			continue; /* closed earlier in this batch */
		if (c->draining) {
			client_drain(c);
		} else if (c->replying) {
			if (evs[i].events & EPOLLERR)
				client_close(c);
			else if (client_send(c))
				client_done(c);
		} else {
			client_read(c);
		}
	}
	if (!nclients && !accept_paused)
		set_ticking(false);
}

static int watch(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(query_epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* A socket file left by a daemon that died can go; a live one cannot. */
static int clear_stale(const struct sockaddr_un *addr)
{
	struct stat st;
	int fd, err;

	if (lstat(addr->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		bpftune_err("query socket %s exists and is not a socket",
			    addr->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	close(fd);
	if (!err) {
		bpftune_err("another bpftune answers on %s", addr->sun_path);
		return -EADDRINUSE;
	}
	return unlink(addr->sun_path) ? -errno : 0;
}

static int make_dir_for(const char *path)
{
	char dir[sizeof(sock_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char cwd[PATH_MAX] = "";
	struct stat st;
	mode_t old_mask;
	int fd, err, n;

	/* -D changes to /: a relative path must still name the same file
	 * when the socket is removed at exit */
	if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return -errno;
	n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s%s%s", cwd,
		     cwd[0] ? "/" : "", path);
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path)) {
		bpftune_err("query socket path %s is longer than %zu bytes", path,
			    sizeof(addr.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	path = addr.sun_path;
	err = make_dir_for(path);
	if (!err)
		err = clear_stale(&addr);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* root only: the socket is created 0600, never briefly wider */
	old_mask = umask(0177);
	err = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ? -errno : 0;
	umask(old_mask);
	if (!err && (chmod(path, 0600) || listen(fd, QUERY_LISTEN_BACKLOG)))
		err = -errno;
	if (!err && stat(path, &st))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	snprintf(sock_path, sizeof(sock_path), "%s", path);
	sock_ino = st.st_ino;
	unix_fd = fd;
	return watch(fd);
}

/*
 * The TCP port is bound first thing at start-up (main.c), so that nothing
 * takes it while the daemon loads its tuners.  Losing it to another
 * process is a warning: tuning and the UNIX socket go on, and a service
 * manager is not sent into a restart loop.
 */
void bpftune_query_bind_tcp(int port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd, one = 1, err = 0;

	if (tcp_port_bound)
		return;
	tcp_port_bound = port;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err = errno;
	else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		 bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
		 listen(fd, QUERY_LISTEN_BACKLOG))
		err = errno;
	if (err) {
		bpftune_warn("cannot listen on 127.0.0.1:%d: %s; queries over TCP are off",
			     port, strerror(err));
		if (fd >= 0)
			close(fd);
		return;
	}
	tcp_fd = fd;
}

int bpftune_query_init(const char *path, int tcp_port)
{
	int err;

	query_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (query_epfd < 0)
		return -errno;
	tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tick_fd < 0 || watch(tick_fd)) {
		err = -errno;
		goto err;
	}
	err = listen_unix(path);
	if (err) {
		bpftune_err("cannot listen on query socket %s: %s", path,
			    strerror(-err));
		goto err;
	}
	if (tcp_port > 0)
		bpftune_query_bind_tcp(tcp_port);
	if (tcp_fd >= 0) {
		err = watch(tcp_fd);
		if (err)
			goto err;
	}
	err = bpftune_loop_add_fd(query_epfd, on_query_fds, NULL);
	if (err)
		goto err;
	if (tcp_fd >= 0)
		bpftune_info("answering queries on %s and 127.0.0.1:%d", path,
			     tcp_port_bound);
	else
		bpftune_info("answering queries on %s", path);
	return 0;
err:
	bpftune_query_fini();
	return err;
}

void bpftune_query_fini(void)
{
	struct stat st;

	while (clients)
		client_close(clients);
	if (query_epfd >= 0) {
		bpftune_loop_del_fd(query_epfd);
		close(query_epfd);
	}
	if (unix_fd >= 0) {
		close(unix_fd);
		/* only our own socket file: another daemon may own the path now */
		if (!stat(sock_path, &st) && st.st_ino == sock_ino)
			unlink(sock_path);
	}
	if (tcp_fd >= 0)
		close(tcp_fd);
	if (tick_fd >= 0)
		close(tick_fd);
	query_epfd = unix_fd = tcp_fd = tick_fd = -1;
	ticking = false;
	accept_paused = false;
	accept_err = 0;
	tcp_port_bound = 0;
	cache_clear();
}

/* ----------------------------------------------------------------- client */

static int client_connect(const char *path, int tcp_port)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in in = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)tcp_port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct timeval tv = { CLIENT_REPLY_TIMEOUT_S, 0 };
	int fd, err;

	fd = socket(tcp_port > 0 ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (tcp_port > 0) {
		err = connect(fd, (struct sockaddr *)&in, sizeof(in));
	} else {
		if (strlen(path) >= sizeof(un.sun_path)) {
			close(fd);
			return -ENAMETOOLONG;
		}
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
		err = connect(fd, (struct sockaddr *)&un, sizeof(un));
	}
	if (err) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static bool reply_is_error(const char *s, size_t len)
{
	static const char *const prefixes[] = { "error: ", "{\"error\":",
						"unknown query " };
	size_t i, plen;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		plen = strlen(prefixes[i]);
		if (len >= plen && !memcmp(s, prefixes[i], plen))
			return true;
	}
	return false;
}

int bpftune_query_client(const char *path, int tcp_port, const char *request)
{
	char where[sizeof(sock_path) + 32], buf[8192], err[160];
	char line[BPFTUNE_QUERY_MAX + 2];
	struct bpftune_query q;
	struct bpftune_qbuf reply;
	ssize_t n;
	size_t len;
	int fd, rc;

	/* the daemon checks again; this catches bad input without a daemon */
	len = (size_t)snprintf(line, sizeof(line), "%s\n", request);
	if (len >= sizeof(line))
		len = sizeof(line); /* too long: the parser says so */
	if (bpftune_query_parse(line, len, &q, err, sizeof(err))) {
		fprintf(stderr, "bpftune: bad query: %s\n", err);
		return 2;
	}
	if (tcp_port > 0)
		snprintf(where, sizeof(where), "127.0.0.1:%d", tcp_port);
	else
		snprintf(where, sizeof(where), "%s", path);
	fd = client_connect(path, tcp_port);
	if (fd < 0) {
		fprintf(stderr, "bpftune: cannot connect to %s: %s (is the daemon running?)\n",
			where, strerror(-fd));
		return 1;
	}
	if (send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "bpftune: cannot send the query to %s: %s\n", where,
			strerror(errno));
		close(fd);
		return 1;
	}
	qbuf_init(&reply);
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		qbuf_printf(&reply, "%s", buf);
	}
	rc = 0;
	if (n < 0) {
		fprintf(stderr, "bpftune: no complete answer from %s: %s\n", where,
			strerror(errno));
		rc = 1;
	} else if (!reply.len) {
		fprintf(stderr, "bpftune: %s closed the connection without an answer\n",
			where);
		rc = 1;
	} else if (reply_is_error(reply.data, reply.len)) {
		rc = 1;
	}
	if (reply.len)
		fwrite(reply.data, 1, reply.len, rc && !strncmp(reply.data, "error: ", 7) ?
				    stderr : stdout);
	qbuf_free(&reply);
	close(fd);
	return rc;
}
