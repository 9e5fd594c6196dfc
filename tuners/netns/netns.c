// SPDX-License-Identifier: GPL-2.0
/*
 * netns, user side: keep the core's cookie -> namespace map current while
 * the daemon runs.  The kernel has no event for namespace creation or
 * destruction, so three sources trigger a rescan of /proc and /run/netns:
 *   - BPF on process events that follow the creation of a namespace:
 *     CLONE_NEWNET, an exec or fork in another namespace than the parent's
 *     (debounced: one rescan NETNS_DEBOUNCE_MS after the first event of a
 *     burst; with thousands of namespaces a rescan costs tens of ms, so
 *     the next one waits NETNS_COST_FACTOR times as long as the last took),
 *   - inotify on /run/netns (named namespaces, "ip netns add/del"),
 *   - a periodic rescan every NETNS_PERIOD_MS as the safety net, which also
 *     notices namespaces that died when their last process exited.
 * A rescan drops (and closes the fd of) every namespace it no longer
 * finds, so the daemon never keeps a dead namespace alive.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <bpftune/libbpftune.h>

#include "netns.h"
#include "netns.skel.h"

#define NETNS_DEBOUNCE_MS 50
#define NETNS_COST_FACTOR 10
#define NETNS_PERIOD_MS 5000
#define NETNS_RUN_DIR "/run/netns"

struct netns_state {
	struct netns_bpf *skel;
	int inotify_fd;
	int run_wd;	/* watch on /run, until /run/netns exists */
	int netns_wd;	/* watch on /run/netns */
	int debounce_id; /* one-shot timer */
	bool pending;
	int period_id;
	int known;
	long long last_end_ms; /* when the last rescan ended */
	long long last_cost_ms; /* and how long it took */
	unsigned long long rescans;
	unsigned long long syscall_events;
	unsigned long long dir_events;
};

static void rescan(struct netns_state *st, const char *why)
{
	long long start = bpftune_now_ms();
	int known = bpftune_netns_rescan();

	st->last_end_ms = bpftune_now_ms();
	st->last_cost_ms = st->last_end_ms - start;
	st->rescans++;
	if (known < 0) {
		bpftune_warn("netns: rescan failed: %s", strerror(-known));
		return;
	}
	if (known != st->known)
		bpftune_debug("netns: %d namespaces known (was %d) after %s",
			      known, st->known, why);
	st->known = known;
}

static void on_debounce(void *ctx)
{
	struct netns_state *st = ctx;

	st->pending = false;
	rescan(st, "namespace activity");
}

/* Rescan soon; events arriving meanwhile join the same rescan. */
static void rescan_soon(struct netns_state *st)
{
	long long delay = NETNS_DEBOUNCE_MS, wait;

	if (st->pending)
		return;
	wait = st->last_end_ms + st->last_cost_ms * NETNS_COST_FACTOR -
	       (long long)bpftune_now_ms();
	if (wait > delay)
		delay = wait;
	if (bpftune_timer_arm(st->debounce_id, delay, 0)) {
		rescan(st, "namespace activity");
		return;
	}
	st->pending = true;
}

static void on_period(void *ctx)
{
	rescan(ctx, "periodic check");
}

static void watch_netns_dir(struct netns_state *st)
{
	st->netns_wd = inotify_add_watch(st->inotify_fd, NETNS_RUN_DIR,
					 IN_CREATE | IN_DELETE | IN_MOVED_TO |
						 IN_MOVED_FROM | IN_DELETE_SELF |
						 IN_ONLYDIR);
	if (st->netns_wd >= 0 || errno != ENOENT)
		return;
	/* not there yet: "ip netns add" creates it; watch /run for that */
	if (st->run_wd < 0)
		st->run_wd = inotify_add_watch(st->inotify_fd, "/run",
					       IN_CREATE | IN_MOVED_TO |
						       IN_ONLYDIR);
}

static void on_inotify(int fd, unsigned int events, void *ctx)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct netns_state *st = ctx;
	const struct inotify_event *ie;
	bool relevant = false;
	ssize_t n;
	char *p;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ie) + ie->len) {
			ie = (const struct inotify_event *)p;
			if (ie->mask & IN_Q_OVERFLOW) {
				relevant = true;
			} else if (ie->wd == st->netns_wd) {
				if (ie->mask & (IN_DELETE_SELF | IN_IGNORED))
					st->netns_wd = -1;
				relevant = true;
			} else if (ie->wd == st->run_wd && ie->len &&
				   !strcmp(ie->name, "netns")) {
				relevant = true;
			}
		}
	}
	if (!relevant)
		return;
	st->dir_events++;
	if (st->netns_wd < 0)
		watch_netns_dir(st);
	rescan_soon(st);
}

static int watch_start(struct netns_state *st)
{
	int err;

	st->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (st->inotify_fd < 0)
		return -errno;
	watch_netns_dir(st);
	if (st->netns_wd < 0 && st->run_wd < 0)
		bpftune_warn("netns: cannot watch %s: %s; relying on syscall events and periodic rescans",
			     NETNS_RUN_DIR, strerror(errno));
	err = bpftune_loop_add_fd(st->inotify_fd, on_inotify, st);
	if (err)
		return err;
	st->debounce_id = bpftune_timer_new(on_debounce, st);
	if (st->debounce_id < 0)
		return st->debounce_id;
	st->period_id = bpftune_timer_add(NETNS_PERIOD_MS, on_period, st);
	return st->period_id < 0 ? st->period_id : 0;
}

int init(struct bpftune_tuner *tuner)
{
	struct netns_state *st;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->inotify_fd = st->debounce_id = st->period_id = -1;
	st->run_wd = st->netns_wd = -1;
	bpftune_tuner_set_priv(tuner, st);
	st->skel = bpftune_bpf_open(tuner, netns_bpf);
	if (!st->skel)
		return -errno ? -errno : -EINVAL;
	err = bpftune_bpf_attach(tuner);
	if (err)
		return err;
	if (bpftune_support_only())
		return 0;
	err = watch_start(st);
	if (err)
		return err;
	rescan(st, "start");
	bpftune_info("netns: following %d network namespaces; rescanning on namespace process events, %s changes and every %d s",
		     st->known, NETNS_RUN_DIR, NETNS_PERIOD_MS / 1000);
	return 0;
}

void fini(struct bpftune_tuner *tuner)
{
	struct netns_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	if (st->period_id >= 0)
		bpftune_timer_del(st->period_id);
	if (st->debounce_id >= 0)
		bpftune_timer_del(st->debounce_id);
	if (st->inotify_fd >= 0) {
		bpftune_loop_del_fd(st->inotify_fd);
		close(st->inotify_fd);
	}
	netns_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

static const char *syscall_name(unsigned long long syscall)
{
	switch (syscall) {
	case NETNS_SYS_UNSHARE:
		return "unshare";
	case NETNS_SYS_CLONE:
		return "clone";
	case NETNS_SYS_CLONE3:
		return "clone3";
	case NETNS_SYS_SETNS:
		return "setns";
	case NETNS_SYS_EXEC:
		return "exec in a new namespace";
	default:
		return "?";
	}
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	struct netns_state *st = bpftune_tuner_priv(tuner);

	if (ev->scenario != NETNS_MAYBE_NEW)
		return;
	st->syscall_events++;
	bpftune_debug("netns: pid %u called %s (flags 0x%llx); rescanning soon",
		      ev->pid, syscall_name(ev->values[NETNS_EV_SYSCALL]),
		      (unsigned long long)ev->values[NETNS_EV_FLAGS]);
	rescan_soon(st);
}

void summary(struct bpftune_tuner *tuner)
{
	struct netns_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	bpftune_info("summary: netns: %llu rescans (%llu namespace syscalls, %llu %s changes); %d namespaces known",
		     st->rescans, st->syscall_events, st->dir_events,
		     NETNS_RUN_DIR, st->known);
}

BPFTUNE_PLUGIN("netns", .init = init, .fini = fini,
	       .event_handler = event_handler, .summary = summary);
