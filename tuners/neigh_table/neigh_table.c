// SPDX-License-Identifier: GPL-2.0
/*
 * neigh_table, user side: raise the garbage-collection thresholds of the
 * neighbour table (arp_cache for IPv4, ndisc_cache for IPv6) that nears
 * gc_thresh3, bounded by what the local subnets can hold; shrink them back
 * toward the original values when the table stays far below them.
 *
 * The thresholds are per table and shared by every network namespace.
 * They are written with rtnetlink (RTM_SETNEIGHTBL) through the tunable's
 * write callback, so the core still clamps, journals (under the
 * equivalent sysctl names, which --restore writes) and logs every change.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/neighbour.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/route/neightbl.h>
#include <bpftune/libbpftune.h>

#include "neigh_table.h"
#include "neigh_table.skel.h"

/* Devices whose subnets count toward the bound, forgotten after an hour. */
#define NEIGH_TABLE_MAX_DEVS 128
#define NEIGH_TABLE_DEV_TTL_S 3600
#define NEIGH_TABLE_TICK_MS 1000

struct neigh_table_info {
	const char *id;	  /* kernel table name */
	const char *stat; /* its /proc/net/stat file */
	int family;
};

static const struct neigh_table_info table_info[NEIGH_TABLE_NTABLES] = {
	[NEIGH_TABLE_ARP] = { "arp_cache", "/proc/net/stat/arp_cache",
			      NEIGH_TABLE_AF_INET },
	[NEIGH_TABLE_ND] = { "ndisc_cache", "/proc/net/stat/ndisc_cache",
			     NEIGH_TABLE_AF_INET6 },
};

static const struct bpftune_scenario_desc scenarios[] = {
	{ NEIGH_TABLE_NEARLY_FULL, "neighbour table nearly full",
	  "entries subject to garbage collection neared gc_thresh3, beyond which new neighbours are refused" },
	{ NEIGH_TABLE_ALLOC_FAILED, "neighbour entry refused",
	  "the table refused a new neighbour entry because it held gc_thresh3 entries" },
	{ NEIGH_TABLE_OVERFLOW, "neighbour table overflow",
	  "the table_fulls counter rose: allocations failed even after a forced garbage collection" },
	{ NEIGH_TABLE_GC_CHURN, "neighbour gc churn",
	  "forced garbage collection ran in consecutive seconds with the table above gc_thresh2, evicting entries still in use" },
	{ NEIGH_TABLE_IDLE, "neighbour table idle",
	  "the table stayed far below thresholds the tuner had raised, so they move back toward their original values" },
	NEIGH_CHURN_SCENARIOS,
};

static int write_arp1(struct bpftune_tuner *, unsigned long long,
		      const long long *);
static int write_arp2(struct bpftune_tuner *, unsigned long long,
		      const long long *);
static int write_arp3(struct bpftune_tuner *, unsigned long long,
		      const long long *);
static int write_nd1(struct bpftune_tuner *, unsigned long long,
		     const long long *);
static int write_nd2(struct bpftune_tuner *, unsigned long long,
		     const long long *);
static int write_nd3(struct bpftune_tuner *, unsigned long long,
		     const long long *);

#define NEIGH_TUNABLE(id, name, flags, fn)                                     \
	{ id, name, BPFTUNE_GLOBAL | (flags), 1, .min = { 0 },                 \
	  .max = { NEIGH_TABLE_CEILING }, .write = fn }

static struct bpftune_tunable_desc tunables[] = {
	NEIGH_TUNABLE(NEIGH_TABLE_ARP_THRESH1, "net.ipv4.neigh.default.gc_thresh1",
		      0, write_arp1),
	NEIGH_TUNABLE(NEIGH_TABLE_ARP_THRESH2, "net.ipv4.neigh.default.gc_thresh2",
		      0, write_arp2),
	NEIGH_TUNABLE(NEIGH_TABLE_ARP_THRESH3, "net.ipv4.neigh.default.gc_thresh3",
		      0, write_arp3),
	NEIGH_TUNABLE(NEIGH_TABLE_ND_THRESH1, "net.ipv6.neigh.default.gc_thresh1",
		      BPFTUNE_OPTIONAL, write_nd1),
	NEIGH_TUNABLE(NEIGH_TABLE_ND_THRESH2, "net.ipv6.neigh.default.gc_thresh2",
		      BPFTUNE_OPTIONAL, write_nd2),
	NEIGH_TUNABLE(NEIGH_TABLE_ND_THRESH3, "net.ipv6.neigh.default.gc_thresh3",
		      BPFTUNE_OPTIONAL, write_nd3),
	NEIGH_CHURN_TUNABLES,
};

struct neigh_dev {
	unsigned long long netns_cookie;
	unsigned int ifindex;
	unsigned int table;
	unsigned long long hosts;
	time_t seen;
};

/* What the timer remembers about one table between ticks. */
struct neigh_table_watch {
	bool usable;
	bool have_stats;
	long long orig[3];
	unsigned long long table_fulls;
	unsigned long long forced_gc;
	unsigned int churn_ticks;
	unsigned int idle_ticks;
	long long floor1; /* gc_thresh1 raised for a relearn loop */
};

struct neigh_table_state {
	struct neigh_table_bpf *skel;
	struct nl_sock *nl;
	long long hard_cap;
	int timer;
	struct neigh_table_watch watch[NEIGH_TABLE_NTABLES];
	struct neigh_dev devs[NEIGH_TABLE_MAX_DEVS];
};

static int nl_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_INVAL:
		return -EINVAL;
	default:
		return -EIO;
	}
}

/* Set one threshold of one table with RTM_SETNEIGHTBL. */
static int neightbl_set(struct bpftune_tuner *tuner, unsigned int table,
			unsigned int which, long long value)
{
	struct neigh_table_state *st = bpftune_tuner_priv(tuner);
	struct rtnl_neightbl *old = NULL, *tmpl = NULL;
	struct nl_msg *msg = NULL;
	int err = -NLE_NOMEM;

	if (!st || !st->nl)
		return -ENOTCONN;
	old = rtnl_neightbl_alloc();
	tmpl = rtnl_neightbl_alloc();
	if (!old || !tmpl)
		goto out;
	rtnl_neightbl_set_family(old, table_info[table].family);
	rtnl_neightbl_set_name(old, table_info[table].id);
	if (which == 1)
		rtnl_neightbl_set_gc_tresh1(tmpl, (int)value);
	else if (which == 2)
		rtnl_neightbl_set_gc_tresh2(tmpl, (int)value);
	else
		rtnl_neightbl_set_gc_tresh3(tmpl, (int)value);
	err = rtnl_neightbl_build_change_request(old, tmpl, &msg);
	if (err < 0)
		goto out;
	/*
	 * libnl-route 3.7 never emits NDTA_THRESH3 for a template that sets
	 * it; add it here.  Should a fixed libnl emit it too, the kernel
	 * takes the last copy, which holds the same value.
	 */
	if (which == 3) {
		err = nla_put_u32(msg, NDTA_THRESH3, (uint32_t)value);
		if (err < 0)
			goto out;
	}
	err = nl_send_auto(st->nl, msg);
	if (err < 0)
		goto out;
	err = nl_wait_for_ack(st->nl);
out:
	if (err < 0)
		bpftune_debug("%s: RTM_SETNEIGHTBL %s thresh%u=%lld: %s",
			      bpftune_tuner_name(tuner), table_info[table].id,
			      which, value, nl_geterror(err));
	nlmsg_free(msg);
	rtnl_neightbl_put(old);
	rtnl_neightbl_put(tmpl);
	return err < 0 ? nl_to_errno(err) : 0;
}

#define NEIGH_WRITE_FN(fn, table, which)                                       \
	static int fn(struct bpftune_tuner *tuner,                             \
		      unsigned long long netns_cookie, const long long *values) \
	{                                                                      \
		(void)netns_cookie; /* global: the daemon's own netns */       \
		return neightbl_set(tuner, table, which, values[0]);           \
	}
NEIGH_WRITE_FN(write_arp1, NEIGH_TABLE_ARP, 1)
NEIGH_WRITE_FN(write_arp2, NEIGH_TABLE_ARP, 2)
NEIGH_WRITE_FN(write_arp3, NEIGH_TABLE_ARP, 3)
NEIGH_WRITE_FN(write_nd1, NEIGH_TABLE_ND, 1)
NEIGH_WRITE_FN(write_nd2, NEIGH_TABLE_ND, 2)
NEIGH_WRITE_FN(write_nd3, NEIGH_TABLE_ND, 3)

static bool table_usable(struct bpftune_tuner *tuner, unsigned int table)
{
	unsigned int n;

	for (n = 1; n <= 3; n++)
		if (!bpftune_tunable_usable(tuner, NEIGH_TABLE_TUNABLE(table, n),
					    BPFTUNE_GLOBAL_NETNS))
			return false;
	return true;
}

static int thresholds_get(struct bpftune_tuner *tuner, unsigned int table,
			  long long *cur)
{
	unsigned int n;
	int err;

	for (n = 1; n <= 3; n++) {
		err = bpftune_sysctl_get(tuner, BPFTUNE_GLOBAL_NETNS,
					 NEIGH_TABLE_TUNABLE(table, n), &cur[n - 1]);
		if (err)
			return err;
	}
	return 0;
}

/* Remember how many hosts a device's subnets hold (bounded table). */
static void dev_seen(struct neigh_table_state *st, unsigned int table,
		     unsigned long long cookie, unsigned int ifindex,
		     unsigned long long hosts)
{
	struct neigh_dev *slot = NULL, *d;
	time_t now = time(NULL);
	unsigned int i;

	if (!ifindex)
		return;
	for (i = 0; i < NEIGH_TABLE_MAX_DEVS; i++) {
		d = &st->devs[i];
		if (d->seen && d->table == table && d->ifindex == ifindex &&
		    d->netns_cookie == cookie) {
			slot = d;
			break;
		}
		if (!slot || d->seen < slot->seen)
			slot = d; /* the empty or oldest slot */
	}
	slot->netns_cookie = cookie;
	slot->ifindex = ifindex;
	slot->table = table;
	slot->hosts = hosts;
	slot->seen = now;
}

/* Hosts the subnets of recently seen devices can hold, together. */
static unsigned long long subnet_hosts(struct neigh_table_state *st,
				       unsigned int table)
{
	unsigned long long hosts = 0;
	time_t now = time(NULL);
	struct neigh_dev *d;
	unsigned int i;

	for (i = 0; i < NEIGH_TABLE_MAX_DEVS; i++) {
		d = &st->devs[i];
		if (!d->seen || d->table != table)
			continue;
		if (now - d->seen > NEIGH_TABLE_DEV_TTL_S) {
			d->seen = 0;
			continue;
		}
		hosts = neigh_table_add_hosts(hosts, d->hosts);
	}
	return hosts;
}

/* Apply next[] in an order that keeps thresh1 <= thresh2 <= thresh3. */
static int thresholds_set(struct bpftune_tuner *tuner, unsigned int table,
			  const long long *next, bool raising,
			  unsigned int scenario, const char *why)
{
	unsigned int i, n;
	int err, changed = 0;

	for (i = 0; i < 3; i++) {
		n = raising ? 3 - i : i + 1;
		err = bpftune_sysctl_update(tuner, BPFTUNE_GLOBAL_NETNS,
					    NEIGH_TABLE_TUNABLE(table, n),
					    &next[n - 1], scenario, "%s", why);
		if (err < 0)
			return err;
		changed |= err;
	}
	return changed;
}

/*
 * Grow a table's thresholds: to the bound at once for a burst (the table
 * crossed gc_thresh2, or refused entries), one learning-rate step for
 * slow pressure (gc churn).
 */
static void raise_table(struct bpftune_tuner *tuner, unsigned int table,
			unsigned int scenario, bool burst, const char *why)
{
	struct neigh_table_state *st = bpftune_tuner_priv(tuner);
	const long long *orig = st->watch[table].orig;
	unsigned long long hosts;
	long long cur[3], next[3], bound;
	int moved;

	if (!st->watch[table].usable || !table_usable(tuner, table) ||
	    thresholds_get(tuner, table, cur))
		return;
	hosts = subnet_hosts(st, table);
	bound = neigh_table_bound(hosts, st->hard_cap);
	moved = burst ? neigh_table_jump(cur, orig, bound, next) :
			neigh_table_grow(cur, orig, bound,
					 bpftune_learning_rate(), next);
	neigh_table_keep_thresh1(next, st->watch[table].floor1);
	if (!moved) {
		bpftune_note_capped(tuner, BPFTUNE_GLOBAL_NETNS,
				    NEIGH_TABLE_TUNABLE(table, 3),
				    "%s gc_thresh3 %lld is at its bound %lld (local subnets hold %llu hosts; floor %d, cap %lld); can no longer grow",
				    table_info[table].id, cur[2], bound, hosts,
				    NEIGH_TABLE_FLOOR, st->hard_cap);
		return;
	}
	/* a later bound (more subnets seen) is worth a new "at bound" line */
	if (thresholds_set(tuner, table, next, true, scenario, why) > 0)
		bpftune_capped_reset(tuner, BPFTUNE_GLOBAL_NETNS,
				     NEIGH_TABLE_TUNABLE(table, 3));
}

/* Read a /proc/net/stat/<table> file (format: neigh_table_stat_*()). */
static int stats_read(const char *path, struct neigh_stats *s)
{
	char header[512], line[512];
	int cols[NEIGH_STAT_COLUMNS];
	unsigned int lines = 0;
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(header, sizeof(header), f) ||
	    neigh_table_stat_columns(header, cols)) {
		fclose(f);
		return -EPROTO;
	}
	while (fgets(line, sizeof(line), f))
		neigh_table_stat_line(line, cols, s, lines++ == 0);
	fclose(f);
	return lines ? 0 : -EIO;
}

/*
 * Relearn loop (neigh_churn.c found one): gc_thresh1 just above the
 * table's size keeps the periodic collector away, and so the entries,
 * whatever each device's gc_stale_time.  A kept stale entry is checked
 * again when used (STALE, DELAY, PROBE), so a moved neighbour is still
 * found.  The raise stays while the daemon runs (growth and the idle
 * rule keep it); rollback puts the original back.
 */
int neigh_table_relearn(struct bpftune_tuner *tuner, unsigned int table,
			char *what, unsigned long what_len)
{
	struct neigh_table_state *st = bpftune_tuner_priv(tuner);
	struct neigh_table_watch *w = &st->watch[table];
	struct neigh_stats s;
	long long cur[3], next[3];
	char why[200];
	int err;

	if (!w->usable || !table_usable(tuner, table) ||
	    thresholds_get(tuner, table, cur) ||
	    stats_read(table_info[table].stat, &s)) {
		snprintf(what, what_len, "gc_thresh1 not changed (the table's thresholds cannot be read or written)");
		return 0;
	}
	next[0] = neigh_table_relearn_thresh1(s.entries, cur);
	if (!next[0]) {
		snprintf(what, what_len,
			 (long long)s.entries < cur[0] ?
				 "gc_thresh1 %lld is above the table's %llu entries (the collector does not run: the reclaim has another cause); not changed" :
				 "gc_thresh1 %lld is at gc_thresh2 with %llu entries; not changed",
			 cur[0], s.entries);
		return 0;
	}
	next[1] = cur[1];
	next[2] = cur[2];
	snprintf(why, sizeof(why),
		 "%s: stale entries reclaimed and learned again in a loop; the periodic collector runs only while the table holds gc_thresh1 entries or more, and it holds %llu",
		 table_info[table].id, s.entries);
	err = thresholds_set(tuner, table, next, true, NEIGH_TABLE_RELEARN, why);
	if (err <= 0) {
		snprintf(what, what_len, "gc_thresh1 not changed (%s)",
			 err ? strerror(-err) : "the administrator's, or advice only");
		return 0;
	}
	w->floor1 = next[0];
	snprintf(what, what_len,
		 "gc_thresh1 %lld -> %lld, above the table's %llu entries: the collector leaves them alone",
		 cur[0], next[0], s.entries);
	return 1;
}

/* Assessment: entries refused (table_fulls) in both tables, a counter. */
static int refused_entries(struct bpftune_tuner *tuner,
			   unsigned long long cookie, double *value)
{
	struct neigh_stats stats;
	unsigned int table;
	int found = 0;

	(void)tuner;
	(void)cookie;
	*value = 0;
	for (table = 0; table < NEIGH_TABLE_NTABLES; table++) {
		if (stats_read(table_info[table].stat, &stats))
			continue;
		*value += stats.table_fulls;
		found++;
	}
	return found ? 0 : -ENOENT;
}

static const struct bpftune_measure refused_measure = {
	.what = "neighbour entries refused per second",
	.counter = true,
	.sample = refused_entries,
};

/* Shrink one step when far below raised thresholds for long. */
static void idle_rule(struct bpftune_tuner *tuner, unsigned int table,
		      const struct neigh_stats *s, const long long *cur)
{
	struct neigh_table_state *st = bpftune_tuner_priv(tuner);
	struct neigh_table_watch *w = &st->watch[table];
	unsigned int rate = bpftune_learning_rate();
	long long next[3];
	char why[200];

	if (!neigh_table_idle((long long)s->entries, cur, w->orig, rate)) {
		w->idle_ticks = 0;
		return;
	}
	if (++w->idle_ticks < NEIGH_TABLE_IDLE_TICKS)
		return;
	w->idle_ticks = 0;
	if (!neigh_table_shrink(cur, w->orig, rate, next))
		return;
	neigh_table_keep_thresh1(next, w->floor1);
	snprintf(why, sizeof(why),
		 "%s held only %llu entries for %d s, under %llu%% of gc_thresh3 %lld and below gc_thresh1 (original gc_thresh3 %lld)",
		 table_info[table].id, s->entries,
		 NEIGH_TABLE_IDLE_TICKS * NEIGH_TABLE_TICK_MS / 1000,
		 (unsigned long long)bpftune_rate_pct(rate), cur[2], w->orig[2]);
	if (thresholds_set(tuner, table, next, false, NEIGH_TABLE_IDLE, why) > 0)
		bpftune_capped_reset(tuner, BPFTUNE_GLOBAL_NETNS,
				     NEIGH_TABLE_TUNABLE(table, 3));
}

/*
 * The create tracepoint cannot see everything (entries refused before it
 * fires on some kernels, GC evicting entries still in use), so every
 * second the table's counters are compared with the previous second's:
 *  - table_fulls rose: allocations failed -> grow one step;
 *  - forced GC ran in NEIGH_TABLE_CHURN_TICKS consecutive seconds while
 *    the table held at least gc_thresh2 entries -> grow one step;
 *  - the table stayed far below raised thresholds -> shrink (idle_rule).
 */
static void table_tick(struct bpftune_tuner *tuner, unsigned int table)
{
	struct neigh_table_state *st = bpftune_tuner_priv(tuner);
	struct neigh_table_watch *w = &st->watch[table];
	unsigned long long fulls, gcs;
	struct neigh_stats s;
	long long cur[3];
	char why[200];

	if (!w->usable || !table_usable(tuner, table) ||
	    stats_read(table_info[table].stat, &s) ||
	    thresholds_get(tuner, table, cur))
		return;
	fulls = s.table_fulls - w->table_fulls;
	gcs = s.forced_gc - w->forced_gc;
	if (!w->have_stats) {
		fulls = gcs = 0;
		w->have_stats = true;
	}
	w->table_fulls = s.table_fulls;
	w->forced_gc = s.forced_gc;
	w->churn_ticks = gcs ? w->churn_ticks + 1 : 0;
	if (fulls || gcs)
		bpftune_debug("%s: %s: %llu entries, +%llu table_fulls, +%llu forced gc runs in the last second",
			      bpftune_tuner_name(tuner), table_info[table].id,
			      s.entries, fulls, gcs);
	if (fulls) {
		snprintf(why, sizeof(why),
			 "%s refused %llu new entries in the last second (table_fulls), at %llu entries, gc_thresh3 %lld",
			 table_info[table].id, fulls, s.entries, cur[2]);
		raise_table(tuner, table, NEIGH_TABLE_OVERFLOW, true, why);
		return;
	}
	if (w->churn_ticks >= NEIGH_TABLE_CHURN_TICKS &&
	    s.entries >= (unsigned long long)cur[1]) {
		w->churn_ticks = 0;
		snprintf(why, sizeof(why),
			 "%s ran forced garbage collection in %d consecutive seconds at %llu entries (gc_thresh2 %lld)",
			 table_info[table].id, NEIGH_TABLE_CHURN_TICKS, s.entries,
			 cur[1]);
		raise_table(tuner, table, NEIGH_TABLE_GC_CHURN, false, why);
		return;
	}
	idle_rule(tuner, table, &s, cur);
}

static void on_tick(void *ctx)
{
	unsigned int table;

	for (table = 0; table < NEIGH_TABLE_NTABLES; table++)
		table_tick(ctx, table);
	neigh_churn_tick(ctx);
}

int init(struct bpftune_tuner *tuner)
{
	struct neigh_table_state *st;
	unsigned int table;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->timer = -1;
	bpftune_tuner_set_priv(tuner, st);
	st->hard_cap = neigh_table_hard_cap(bpftune_ram_bytes());
	err = bpftune_tunables_declare(tuner, tunables, ARRAY_SIZE(tunables),
				       scenarios, ARRAY_SIZE(scenarios));
	if (err)
		return err;
	bpftune_scenario_measure(tuner, NEIGH_TABLE_NEARLY_FULL, &refused_measure);
	bpftune_scenario_measure(tuner, NEIGH_TABLE_OVERFLOW, &refused_measure);
	for (table = 0; table < NEIGH_TABLE_THRESHOLDS; table++)
		bpftune_tunable_set_max(tuner, table, 0, st->hard_cap);
	st->skel = bpftune_bpf_open(tuner, neigh_table_bpf);
	if (!st->skel)
		return -errno ? -errno : -EINVAL;
	if (bpftune_support_only())
		return bpftune_bpf_attach(tuner);
	st->nl = nl_socket_alloc();
	if (!st->nl)
		return -ENOMEM;
	err = nl_connect(st->nl, NETLINK_ROUTE);
	if (err < 0) {
		bpftune_err("%s: cannot open rtnetlink: %s",
			    bpftune_tuner_name(tuner), nl_geterror(err));
		return nl_to_errno(err);
	}
	for (table = 0; table < NEIGH_TABLE_NTABLES; table++) {
		struct neigh_table_watch *w = &st->watch[table];

		struct neigh_stats s;

		w->usable = table_usable(tuner, table) &&
			    !thresholds_get(tuner, table, w->orig);
		/* counters from now on: the first tick already compares */
		if (w->usable && !stats_read(table_info[table].stat, &s)) {
			w->table_fulls = s.table_fulls;
			w->forced_gc = s.forced_gc;
			w->have_stats = true;
		}
	}
	neigh_churn_init(tuner);
	err = bpftune_bpf_attach(tuner);
	if (err)
		return err;
	st->timer = bpftune_timer_add(NEIGH_TABLE_TICK_MS, on_tick, tuner);
	if (st->timer < 0)
		bpftune_warn("%s: no timer (%s): table_fulls and forced gc are not watched",
			     bpftune_tuner_name(tuner), strerror(-st->timer));
	return 0;
}

void fini(struct bpftune_tuner *tuner)
{
	struct neigh_table_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	if (st->timer >= 0)
		bpftune_timer_del(st->timer);
	if (st->nl)
		nl_socket_free(st->nl);
	neigh_table_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	struct neigh_table_state *st = bpftune_tuner_priv(tuner);
	unsigned int table = (unsigned int)ev->values[NEIGH_TABLE_EV_TABLE];
	unsigned int rate = bpftune_learning_rate();
	unsigned long long entries = ev->values[NEIGH_TABLE_EV_ENTRIES];
	long long cur[3];
	char why[320], ns[64];

	if (neigh_churn_event(tuner, ev))
		return;
	if (table >= NEIGH_TABLE_NTABLES || !table_usable(tuner, table))
		return;
	dev_seen(st, table, ev->values[NEIGH_TABLE_EV_DEV_NETNS],
		 (unsigned int)ev->values[NEIGH_TABLE_EV_IFINDEX],
		 ev->values[NEIGH_TABLE_EV_SUBNET]);
	if (thresholds_get(tuner, table, cur))
		return;
	bpftune_netns_str(ev->values[NEIGH_TABLE_EV_DEV_NETNS], ns, sizeof(ns));
	switch (ev->scenario) {
	case NEIGH_TABLE_NEARLY_FULL:
		/* the event may predate a raise: act while still past gc_thresh2
		 * or near gc_thresh3 */
		if (entries < (unsigned long long)cur[1] &&
		    !bpftune_nearly_full(entries, (unsigned long long)cur[2], rate))
			return;
		snprintf(why, sizeof(why),
			 "%s holds %llu entries subject to gc, past gc_thresh2 %lld or within %llu%% of gc_thresh3 %lld (new entry on ifindex %llu in %s): a burst fills the rest in milliseconds",
			 table_info[table].id, entries, cur[1],
			 (unsigned long long)bpftune_rate_pct(rate), cur[2],
			 (unsigned long long)ev->values[NEIGH_TABLE_EV_IFINDEX], ns);
		break;
	case NEIGH_TABLE_ALLOC_FAILED:
		if (entries < (unsigned long long)cur[2] / 2)
			return; /* refused for another reason (no memory) */
		snprintf(why, sizeof(why),
			 "%s refused a new entry on ifindex %llu in %s at %llu entries (gc_thresh3 %lld)",
			 table_info[table].id,
			 (unsigned long long)ev->values[NEIGH_TABLE_EV_IFINDEX], ns,
			 entries, cur[2]);
		break;
	default:
		return;
	}
	raise_table(tuner, table, ev->scenario, true, why);
}

BPFTUNE_PLUGIN("neigh_table", .init = init, .fini = fini,
	       .event_handler = event_handler);
