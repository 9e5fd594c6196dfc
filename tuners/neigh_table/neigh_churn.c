// SPDX-License-Identifier: GPL-2.0
/*
 * neigh_table, user side of the neighbour churn rules (neigh_churn.h):
 *  - relearn loop: lengthen the default gc_stale_time of the table whose
 *    reclaimed entries are learned again, to twice the longest period of
 *    use seen, within NEIGH_CHURN_STALE_MAX_S; put the original back once
 *    every re-learned neighbour stayed unused for a whole (longer) stale
 *    time.  Only the default exists in every kernel (in the initial
 *    netns): devices with a value of their own, and devices of other
 *    namespaces (they copied the default when created), are reported but
 *    not tuned.  gc_interval is left alone: the collector does not read
 *    it (it runs every base_reachable_time/2).
 *  - gratuitous-ARP storm: net.ipv4.conf.all.drop_gratuitous_arp = 1 in
 *    the namespace while it lasts, back after NEIGH_CHURN_GARP_QUIET_S.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <bpftune/libbpftune.h>

#include "neigh_table.h"

#define NEIGH_CHURN_MAX_NETNS 64

static const char *const table_name[NEIGH_TABLE_NTABLES] = { "arp_cache",
							     "ndisc_cache" };
static const unsigned int stale_tunable[NEIGH_TABLE_NTABLES] = {
	NEIGH_TABLE_ARP_GC_STALE, NEIGH_TABLE_ND_GC_STALE
};

struct churn_table {
	bool raised;
	bool beyond_logged;
	long long orig;
	unsigned int relearned; /* neighbours re-learned and not idle since */
	unsigned int relearns;	/* in the current period */
	long long period_start;
	unsigned long long longest_ms;
};

struct garp_netns {
	unsigned long long cookie;
	unsigned long long second; /* start of the last storm second (ns) */
	unsigned int streak;
	bool dropping;
	long long orig;
	long long last_hot_ms;
};

static struct {
	struct churn_table table[NEIGH_TABLE_NTABLES];
	struct garp_netns netns[NEIGH_CHURN_MAX_NETNS];
	bool own_value_logged;
} churn;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void neigh_churn_init(struct bpftune_tuner *tuner)
{
	(void)tuner;
	memset(&churn, 0, sizeof(churn));
}

static void relearn(struct bpftune_tuner *tuner, const struct bpftune_event *ev,
		    unsigned int table)
{
	struct churn_table *c = &churn.table[table];
	unsigned int tunable = stale_tunable[table];
	unsigned long long period;
	long long cur, next, now = now_ms();
	char ns[64];

	if (!bpftune_tunable_usable(tuner, tunable, BPFTUNE_GLOBAL_NETNS) ||
	    bpftune_sysctl_get(tuner, BPFTUNE_GLOBAL_NETNS, tunable, &cur))
		return;
	if (!c->period_start ||
	    now - c->period_start >= NEIGH_CHURN_RELEARN_PERIOD_S * 1000LL) {
		c->period_start = now;
		c->relearns = 0;
		c->longest_ms = 0;
	}
	c->relearns++;
	period = neigh_churn_period_ms(ev->values[NEIGH_CHURN_EV_PERIOD], cur);
	if (period > c->longest_ms)
		c->longest_ms = period;
	if (c->relearns < NEIGH_CHURN_RELEARN_MIN)
		return;
	next = neigh_churn_stale_target(c->longest_ms, cur,
					NEIGH_CHURN_STALE_MAX_S);
	if (!next) {
		if (c->longest_ms / 1000 >= NEIGH_CHURN_STALE_MAX_S &&
		    !c->beyond_logged) {
			c->beyond_logged = true;
			bpftune_info("%s: %s: neighbours are used every %llu ms, beyond what a gc_stale_time of at most %d s keeps; not changed",
				     bpftune_tuner_name(tuner), table_name[table],
				     c->longest_ms, NEIGH_CHURN_STALE_MAX_S);
		}
		return;
	}
	bpftune_netns_str(ev->values[NEIGH_CHURN_EV_DEV_NETNS], ns, sizeof(ns));
	if (!c->raised)
		c->orig = cur;
	if (bpftune_sysctl_update(tuner, BPFTUNE_GLOBAL_NETNS, tunable, &next,
				  NEIGH_TABLE_RELEARN,
				  "%s: %u entries reclaimed as stale (unused for gc_stale_time %lld s) were learned again within %d stale times in %lld s, the last on ifindex %llu in %s; those neighbours are used every %llu ms at most, so twice that keeps them",
				  table_name[table], c->relearns, cur,
				  NEIGH_CHURN_RELEARN_WINDOW,
				  (now - c->period_start) / 1000 + 1,
				  (unsigned long long)ev->values[NEIGH_CHURN_EV_IFINDEX],
				  ns, c->longest_ms) > 0)
		c->raised = true;
	c->period_start = 0;
}

/* A re-learned neighbour stayed unused for a whole gc_stale_time. */
static void relearn_over(struct bpftune_tuner *tuner,
			 const struct bpftune_event *ev, unsigned int table)
{
	struct churn_table *c = &churn.table[table];
	long long cur;

	if (c->relearned || !c->raised)
		return;
	if (bpftune_sysctl_get(tuner, BPFTUNE_GLOBAL_NETNS,
			       stale_tunable[table], &cur))
		return;
	c->raised = false;
	bpftune_sysctl_update(tuner, BPFTUNE_GLOBAL_NETNS, stale_tunable[table],
			      &c->orig, NEIGH_TABLE_RELEARN_OVER,
			      "%s: every neighbour learned again since the change stayed unused for gc_stale_time %lld s (the last, ifindex %llu, for %llu%% of it), so it goes back to %lld s",
			      table_name[table], cur,
			      (unsigned long long)ev->values[NEIGH_CHURN_EV_IFINDEX],
			      (unsigned long long)ev->values[NEIGH_CHURN_EV_PERIOD] / 10,
			      c->orig);
}

static struct garp_netns *garp_netns(unsigned long long cookie)
{
	struct garp_netns *g, *slot = NULL;
	unsigned int i;

	for (i = 0; i < NEIGH_CHURN_MAX_NETNS; i++) {
		g = &churn.netns[i];
		if (g->cookie == cookie)
			return g;
		if (g->dropping)
			continue;
		if (!slot || g->last_hot_ms < slot->last_hot_ms)
			slot = g; /* free, or quiet the longest */
	}
	if (slot) {
		memset(slot, 0, sizeof(*slot));
		slot->cookie = cookie;
	}
	return slot;
}

static void garp_storm(struct bpftune_tuner *tuner,
		       const struct bpftune_event *ev)
{
	unsigned long long second = ev->values[NEIGH_CHURN_EV_SECOND];
	struct garp_netns *g = garp_netns(ev->netns_cookie);
	long long cur, one = 1;

	if (!g)
		return;
	if (second != g->second) {
		/* the windows are one second long: the next starts within
		 * two seconds of this one's start if the storm went on */
		g->streak = g->second && second > g->second &&
				    second - g->second < 2000000000ULL ?
				    g->streak + 1 : 1;
		g->second = second;
	}
	g->last_hot_ms = now_ms();
	if (g->dropping ||
	    ev->values[NEIGH_CHURN_EV_KIND] != NEIGH_CHURN_GARP_REWRITE ||
	    g->streak < NEIGH_CHURN_STORM_SECONDS)
		return;
	if (bpftune_sysctl_get(tuner, ev->netns_cookie, NEIGH_TABLE_GARP_DROP,
			       &cur) || cur)
		return;
	if (bpftune_sysctl_update(tuner, ev->netns_cookie, NEIGH_TABLE_GARP_DROP,
				  &one, NEIGH_TABLE_GARP_STORM,
				  "%llu gratuitous ARPs rewrote neighbour addresses within one second (ifindex %llu), and at least %d did in each of %u seconds in a row, where a failover rewrites each moved address once; they are dropped until none arrive at that rate for %d s, failover announcements too",
				  (unsigned long long)ev->values[NEIGH_CHURN_EV_GARPS],
				  (unsigned long long)ev->values[NEIGH_CHURN_EV_IFINDEX],
				  NEIGH_CHURN_STORM_PER_S, g->streak,
				  NEIGH_CHURN_GARP_QUIET_S) > 0) {
		g->dropping = true;
		g->orig = cur;
	}
}

/*
 * Does the device's gc_stale_time follow the default?  Only devices of
 * the initial netns can (the default is copied to them when written),
 * and only those without a value of their own: one equal to the default.
 */
static bool follows_default(struct bpftune_tuner *tuner, unsigned int table,
			    const struct bpftune_event *ev)
{
	unsigned long long own;
	char name[IF_NAMESIZE], path[96];
	long long dflt, value;
	bool ok;
	FILE *f;

	if (bpftune_netns_pid_cookie(getpid(), &own) ||
	    ev->values[NEIGH_CHURN_EV_DEV_NETNS] != own)
		return false;
	if (bpftune_sysctl_get(tuner, BPFTUNE_GLOBAL_NETNS, stale_tunable[table],
			       &dflt))
		return false;
	/* the kernel's names hold no '/' and are never "." or ".." */
	if (!if_indextoname((unsigned int)ev->values[NEIGH_CHURN_EV_IFINDEX],
			    name))
		return false;
	snprintf(path, sizeof(path), "/proc/sys/net/%s/neigh/%s/gc_stale_time",
		 table == NEIGH_TABLE_ARP ? "ipv4" : "ipv6", name);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fscanf(f, "%lld", &value) == 1 && value == dflt;
	fclose(f);
	return ok;
}

static void not_default(struct bpftune_tuner *tuner, unsigned int table,
			const struct bpftune_event *ev)
{
	char ns[64];

	if (churn.own_value_logged)
		return;
	churn.own_value_logged = true;
	bpftune_netns_str(ev->values[NEIGH_CHURN_EV_DEV_NETNS], ns, sizeof(ns));
	bpftune_info("%s: %s: entries reclaimed as stale are learned again on ifindex %llu in %s, whose gc_stale_time is not the default's (its own value, or a device outside the initial netns); only the default is tuned",
		     bpftune_tuner_name(tuner), table_name[table],
		     (unsigned long long)ev->values[NEIGH_CHURN_EV_IFINDEX], ns);
}

int neigh_churn_event(struct bpftune_tuner *tuner,
		      const struct bpftune_event *ev)
{
	unsigned long long flags = ev->values[NEIGH_CHURN_EV_FLAGS];
	unsigned int table = flags & NEIGH_CHURN_TABLE_MASK;
	struct churn_table *c;

	switch (ev->scenario) {
	case NEIGH_TABLE_RELEARN:
	case NEIGH_TABLE_RELEARN_OVER:
		break;
	case NEIGH_TABLE_GARP_STORM:
		garp_storm(tuner, ev);
		return 1;
	default:
		return 0;
	}
	if (table >= NEIGH_TABLE_NTABLES)
		return 1;
	c = &churn.table[table];
	/* every re-learned neighbour counts until it went idle, on any
	 * device: the BPF side sends one RELEARN_OVER per FIRST */
	if (ev->scenario == NEIGH_TABLE_RELEARN_OVER) {
		if (c->relearned)
			c->relearned--;
		relearn_over(tuner, ev, table);
		return 1;
	}
	if (flags & NEIGH_CHURN_F_FIRST)
		c->relearned++;
	if (follows_default(tuner, table, ev))
		relearn(tuner, ev, table);
	else
		not_default(tuner, table, ev);
	return 1;
}

/* Every second: put back drop_gratuitous_arp where the storm is over. */
void neigh_churn_tick(struct bpftune_tuner *tuner)
{
	long long now = now_ms();
	struct garp_netns *g;
	unsigned int i;

	for (i = 0; i < NEIGH_CHURN_MAX_NETNS; i++) {
		g = &churn.netns[i];
		if (!g->dropping ||
		    now - g->last_hot_ms < NEIGH_CHURN_GARP_QUIET_S * 1000LL)
			continue;
		g->dropping = false;
		g->streak = 0;
		bpftune_sysctl_update(tuner, g->cookie, NEIGH_TABLE_GARP_DROP,
				      &g->orig, NEIGH_TABLE_GARP_OVER,
				      "no second with %d or more gratuitous ARPs for %lld s",
				      NEIGH_CHURN_STORM_PER_S,
				      (now - g->last_hot_ms) / 1000);
	}
}
