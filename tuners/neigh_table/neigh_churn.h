/* SPDX-License-Identifier: GPL-2.0 */
/*
 * neigh_table, neighbour churn rules (neigh_churn.c and the BPF side):
 *  - relearn loop: the periodic collector reclaims a stale entry and the
 *    same neighbour is resolved again soon after -> reported with the
 *    gc_stale_time that would keep those neighbours (not tuned: see
 *    neigh_churn.c);
 *  - gratuitous-ARP storm: gratuitous ARPs rewrite neighbour addresses
 *    faster than any failover would -> drop_gratuitous_arp in that netns
 *    while it lasts.
 * Included by neigh_table.h; compiles for BPF and user space.
 */
#ifndef NEIGH_CHURN_H
#define NEIGH_CHURN_H

/* from include/uapi/linux/neighbour.h (macros, not in vmlinux.h) */
#define NEIGH_CHURN_NUD_STALE 0x04
/* PERMANENT | NOARP | REACHABLE | PROBE | STALE | DELAY */
#define NEIGH_CHURN_NUD_VALID 0xde
/* from include/net/neighbour.h: the update may replace the address */
#define NEIGH_CHURN_UPDATE_OVERRIDE 0x01
/* from include/uapi/linux/if_ether.h and if_arp.h */
#define NEIGH_CHURN_ETH_P_ARP 0x0806
#define NEIGH_CHURN_ETH_P_IP 0x0800
#define NEIGH_CHURN_ARPOP_REQUEST 1
#define NEIGH_CHURN_ARPOP_REPLY 2

/*
 * An entry learned again within this many gc_stale_times of being
 * reclaimed counts as a relearn: its neighbour is used every few stale
 * times, so a stale time a few times longer keeps it (and stays within
 * the bound for the kernel's 60 s default: 3 x 60 s after a 60-75 s
 * idle is a period of at most ~4 min, 2 x that is within 600 s).
 */
#define NEIGH_CHURN_RELEARN_WINDOW 3

/* RELEARN event values[] */
#define NEIGH_CHURN_EV_FLAGS 0	  /* table | NEIGH_CHURN_F_* */
#define NEIGH_CHURN_EV_PERIOD 1	  /* idle + gap, per mille of gc_stale_time */
#define NEIGH_CHURN_EV_GAP_MS 2	  /* reclaimed -> learned again */
#define NEIGH_CHURN_EV_IFINDEX 4
#define NEIGH_CHURN_EV_DEV_NETNS 5
/* GARP_STORM event values[] */
#define NEIGH_CHURN_EV_GARPS 1	  /* gratuitous ARPs in this second */
#define NEIGH_CHURN_EV_KIND 2	  /* NEIGH_CHURN_GARP_* */
#define NEIGH_CHURN_EV_SECOND 3	  /* start of that second (ns, monotonic) */

#define NEIGH_CHURN_TABLE_MASK 0xff

enum neigh_churn_garp_kind {
	NEIGH_CHURN_GARP_REWRITE, /* changed a neighbour's address */
	NEIGH_CHURN_GARP_DROPPED, /* dropped (drop_gratuitous_arp) */
};

/*
 * Storm: at least this many gratuitous ARPs changing an address (or, once
 * they are dropped, arriving) per second, in NEIGH_CHURN_STORM_SECONDS
 * consecutive seconds.  A failover announces each moved address once
 * (keepalived and most VRRP daemons repeat it 5 times with the same
 * address, which changes nothing after the first): a cluster moving 50
 * addresses does so within one second, not three in a row.
 */
#define NEIGH_CHURN_STORM_PER_S 50
#define NEIGH_CHURN_STORM_SECONDS 3

#ifndef __VMLINUX_H__
/*
 * User side: the tunables and scenarios neigh_table.c declares with its
 * own (one table each), and its calls into neigh_churn.c.
 */
#define NEIGH_CHURN_TUNABLES                                                   \
	{ NEIGH_TABLE_GARP_DROP, "net.ipv4.conf.all.drop_gratuitous_arp",      \
	  BPFTUNE_NETNS, 1, .min = { 0 }, .max = { 1 } }

#define NEIGH_CHURN_SCENARIOS                                                  \
	{ NEIGH_TABLE_RELEARN, "neighbour relearn loop",                       \
	  "the periodic collector reclaimed stale entries whose neighbours were resolved again soon after, a broadcast request and a held packet each time; it runs only while the table holds gc_thresh1 entries or more" }, \
	{ NEIGH_TABLE_GARP_STORM, "gratuitous ARP storm",                      \
	  "gratuitous ARPs rewrote neighbour addresses in a namespace second after second, far more often than failovers announce moved addresses" }, \
	{ NEIGH_TABLE_GARP_OVER, "gratuitous ARP storm over",                  \
	  "no second with a storm's rate of gratuitous ARPs for a while, so they are heard again (failover announcements included)" }

struct bpftune_tuner;
struct bpftune_event;
void neigh_churn_init(struct bpftune_tuner *tuner);
/* true when the event was one of the churn rules' */
int neigh_churn_event(struct bpftune_tuner *tuner,
		      const struct bpftune_event *ev);
void neigh_churn_tick(struct bpftune_tuner *tuner);
/* neigh_table.c: the relearn rule's move of gc_thresh1; says what it did */
int neigh_table_relearn(struct bpftune_tuner *tuner, unsigned int table,
			char *what, unsigned long what_len);

/*
 * Rules, free of I/O for the unit test.
 */

/* Relearns of reclaimed entries within a minute that make a loop: each
 * costs a broadcast ARP request and holds the first packet for an RTT. */
#define NEIGH_CHURN_RELEARN_MIN 32
#define NEIGH_CHURN_RELEARN_PERIOD_S 60
/*
 * Longest gc_stale_time the tuner sets (s).  A stale entry is checked
 * with a unicast probe before it carries traffic again, so a long stale
 * time never sends packets to a wrong address; it only keeps idle
 * entries in the table longer.  600 s covers pollers of up to 5 minutes
 * (monitoring scrapes) with twice the headroom.
 */
#define NEIGH_CHURN_STALE_MAX_S 600
/* Restore drop_gratuitous_arp after this long without a storm second. */
#define NEIGH_CHURN_GARP_QUIET_S 5

/*
 * gc_stale_time (s) that keeps a neighbour used every period_ms: twice
 * the period (the collector runs every base_reachable_time/2, so the
 * period seen may be short by that much), rounded up, at most max_s.
 * 0 when even max_s would not keep it (the period is beyond it) or when
 * the current value is already that long.
 */
static inline long long neigh_churn_stale_target(unsigned long long period_ms,
						 long long cur_s, long long max_s)
{
	unsigned long long want = (2 * period_ms + 999) / 1000;

	if (period_ms / 1000 >= (unsigned long long)max_s)
		return 0;
	if (want > (unsigned long long)max_s)
		want = (unsigned long long)max_s;
	return (long long)want > cur_s ? (long long)want : 0;
}

/* period in ms from its per mille of a gc_stale_time of stale_s seconds */
static inline unsigned long long neigh_churn_period_ms(unsigned long long permille,
						       long long stale_s)
{
	if (stale_s <= 0)
		return 0;
	return permille * (unsigned long long)stale_s;
}
#endif /* !__VMLINUX_H__ */

#endif
