// SPDX-License-Identifier: GPL-2.0
/*
 * neigh_table, user side of the neighbour churn rules (neigh_churn.h):
 *  - relearn loop: reported (once per table and minute); gc_thresh1 goes
 *    just above the table's size (neigh_table_relearn(): the periodic
 *    collector only runs at gc_thresh1 entries or more).  The report also
 *    names the gc_stale_time that would keep those neighbours: twice the
 *    longest period of use seen, within NEIGH_CHURN_STALE_MAX_S.  That one
 *    is not tuned: the value that counts is the device's (net.ipv4.neigh.<dev>.gc_stale_time,
 *    in the device's netns).  The default exists only in the initial
 *    netns and reaches only devices created later: adding an IPv4 address
 *    marks all of a device's neighbour parameters as its own
 *    (neigh_parms_data_state_setall() in devinet.c), so a raised default
 *    never reaches a device that has neighbours.  Tunables are named by
 *    fixed sysctl names in the core, so per-device values wait for
 *    support there.  gc_interval is left alone: the collector does not
 *    read it (it runs every base_reachable_time/2).
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

struct churn_table {
	bool reported;		/* in the current period */
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
} churn;

void neigh_churn_init(struct bpftune_tuner *tuner)
{
	(void)tuner;
	memset(&churn, 0, sizeof(churn));
}

/* Read the device's gc_stale_time (s) in the daemon's netns. */
static int dev_stale_time(unsigned int table, unsigned int ifindex,
			  char *name, long long *value)
{
	char path[96];
	FILE *f;
	int ok;

	/* the kernel's names hold no '/' and are never "." or ".." */
	if (!if_indextoname(ifindex, name))
		return -1;
	snprintf(path, sizeof(path), "/proc/sys/net/%s/neigh/%s/gc_stale_time",
		 table == NEIGH_TABLE_ARP ? "ipv4" : "ipv6", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	ok = fscanf(f, "%lld", value) == 1 && *value > 0;
	fclose(f);
	return ok ? 0 : -1;
}

static void relearn(struct bpftune_tuner *tuner, const struct bpftune_event *ev,
		    unsigned int table)
{
	unsigned int ifindex = (unsigned int)ev->values[NEIGH_CHURN_EV_IFINDEX];
	struct churn_table *c = &churn.table[table];
	char name[IF_NAMESIZE] = "?", ns[64], what[200];
	unsigned long long own, period;
	long long cur = 0, now = bpftune_now_ms(), next;

	/* the device's value is readable here only in the daemon's netns */
	if (bpftune_netns_pid_cookie(getpid(), &own) ||
	    ev->values[NEIGH_CHURN_EV_DEV_NETNS] != own ||
	    dev_stale_time(table, ifindex, name, &cur))
		cur = 0;
	if (!c->period_start ||
	    now - c->period_start >= NEIGH_CHURN_RELEARN_PERIOD_S * 1000LL) {
		c->period_start = now;
		c->relearns = 0;
		c->longest_ms = 0;
		c->reported = false;
	}
	c->relearns++;
	period = cur ? neigh_churn_period_ms(ev->values[NEIGH_CHURN_EV_PERIOD], cur) : 0;
	if (period > c->longest_ms)
		c->longest_ms = period;
	if (c->relearns < NEIGH_CHURN_RELEARN_MIN || c->reported)
		return;
	c->reported = true;
	bpftune_netns_str(ev->values[NEIGH_CHURN_EV_DEV_NETNS], ns, sizeof(ns));
	next = cur ? neigh_churn_stale_target(c->longest_ms, cur,
					      NEIGH_CHURN_STALE_MAX_S) : 0;
	neigh_table_relearn(tuner, table, what, sizeof(what));
	bpftune_info("%s: %s: %s: %u entries reclaimed as stale were learned again within %d stale times in %lld s, the last on %s (ifindex %u) in %s, gc_stale_time %lld s; those neighbours are used every %llu ms at most (gc_stale_time %lld s would also keep them: the device's own value, not changed; see bpftune-neigh_table(8)); %s",
		     bpftune_tuner_name(tuner), "neighbour relearn loop",
		     table_name[table], c->relearns, NEIGH_CHURN_RELEARN_WINDOW,
		     (now - c->period_start) / 1000 + 1, name, ifindex, ns, cur,
		     c->longest_ms, next, what);
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
	g->last_hot_ms = bpftune_now_ms();
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

int neigh_churn_event(struct bpftune_tuner *tuner,
		      const struct bpftune_event *ev)
{
	unsigned long long flags = ev->values[NEIGH_CHURN_EV_FLAGS];
	unsigned int table = flags & NEIGH_CHURN_TABLE_MASK;

	switch (ev->scenario) {
	case NEIGH_TABLE_RELEARN:
		break;
	case NEIGH_TABLE_GARP_STORM:
		garp_storm(tuner, ev);
		return 1;
	default:
		return 0;
	}
	if (table >= NEIGH_TABLE_NTABLES)
		return 1;
	relearn(tuner, ev, table);
	return 1;
}

/* Every second: put back drop_gratuitous_arp where the storm is over. */
void neigh_churn_tick(struct bpftune_tuner *tuner)
{
	long long now = bpftune_now_ms();
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
