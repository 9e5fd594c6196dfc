// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_listen, user side: listen queues under SYN floods and bursts.
 *
 * SYN flood: when half-open requests fill a listener's SYN queue in a
 * namespace where SYN cookies are off, first raise
 * net.ipv4.tcp_max_syn_backlog there until the listener's own backlog is
 * the limit (connections from real clients still get a full handshake),
 * then, if the queue fills at its backlog too, turn net.ipv4.tcp_syncookies
 * on: a full queue then answers with cookies instead of dropping SYNs.
 * Both are put back to their values before the flood once no SYN-ACK
 * retransmission has found a SYN queue nearly full there for
 * TCP_LISTEN_QUIET_MS.
 *
 * Accept queue: when the connections waiting for accept() fill a listener
 * whose backlog is net.core.somaxconn's value (the application asked for
 * at least that much and got cut to it), double somaxconn in that
 * namespace, so that listen() from then on gets what it asks for.  That
 * is kept: it allocates nothing, and a listener created meanwhile keeps
 * the backlog it got.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpftune/libbpftune.h>

#include "tcp_listen.h"
#include "tcp_listen.skel.h"

#define TCP_LISTEN_TIMER_MS 1000
/*
 * A flood is over when no SYN-ACK retransmission found a SYN queue
 * nearly full for this long.  Retransmissions come 1, 2, 4 ... s apart,
 * so 5 s of silence means the queue has been below the mark for at least
 * two rounds of the youngest requests.
 */
#define TCP_LISTEN_QUIET_MS 5000
/* namespaces whose values we changed during a flood, restored after it */
#define TCP_LISTEN_MAX_NETNS 64

static const struct bpftune_scenario_desc scenarios[] = {
	{ TCP_LISTEN_SYN_QUEUE_FULL, "SYN queue full",
	  "half-open requests filled a listener's SYN queue; without SYN cookies new SYNs are dropped" },
	{ TCP_LISTEN_ACCEPT_QUEUE_FULL, "accept queue full",
	  "connections waiting for accept() filled a listener whose backlog somaxconn had cut" },
	{ TCP_LISTEN_FLOOD_OVER, "SYN flood over",
	  "no listener's SYN queue was found nearly full for a while: the values from before the flood are put back" },
};

static struct bpftune_tunable_desc tunables[] = {
	{ TCP_LISTEN_MAX_SYN_BACKLOG, "net.ipv4.tcp_max_syn_backlog",
	  BPFTUNE_NETNS, 1, .min = { 1 },
	  .max = { TCP_LISTEN_SYN_BACKLOG_MAX } },
	{ TCP_LISTEN_SYNCOOKIES, "net.ipv4.tcp_syncookies",
	  BPFTUNE_NETNS | BPFTUNE_OPTIONAL, 1, .min = { 0 }, .max = { 1 } },
	{ TCP_LISTEN_SOMAXCONN, "net.core.somaxconn", BPFTUNE_NETNS, 1,
	  .min = { 1 }, .max = { TCP_LISTEN_SOMAXCONN_MAX } },
};

/* the two values a flood changes, and what they were before */
#define TCP_LISTEN_FLOOD_TUNABLES 2

struct tcp_listen_netns {
	unsigned long long cookie;
	unsigned long long last_full_ms;
	bool used;
	bool changed[TCP_LISTEN_FLOOD_TUNABLES];
	long long orig[TCP_LISTEN_FLOOD_TUNABLES];
};

struct tcp_listen_state {
	struct tcp_listen_bpf *skel;
	int timer;
	bool full_noted;
	struct tcp_listen_netns ns[TCP_LISTEN_MAX_NETNS];
};

static struct tcp_listen_netns *netns_find(struct tcp_listen_state *st,
					   unsigned long long cookie)
{
	unsigned int i;

	for (i = 0; i < TCP_LISTEN_MAX_NETNS; i++)
		if (st->ns[i].used && st->ns[i].cookie == cookie)
			return &st->ns[i];
	return NULL;
}

/* A slot for a namespace about to be changed; NULL when all are taken
 * by namespaces still to be restored (then we change nothing). */
static struct tcp_listen_netns *netns_get(struct bpftune_tuner *tuner,
					  struct tcp_listen_state *st,
					  unsigned long long cookie)
{
	struct tcp_listen_netns *n = netns_find(st, cookie);
	unsigned int i;

	if (n)
		return n;
	for (i = 0; i < TCP_LISTEN_MAX_NETNS; i++) {
		n = &st->ns[i];
		if (n->used)
			continue;
		memset(n, 0, sizeof(*n));
		n->used = true;
		n->cookie = cookie;
		return n;
	}
	if (!st->full_noted)
		bpftune_warn("%s: SYN floods in more than %d namespaces at once; leaving the others alone",
			     bpftune_tuner_name(tuner), TCP_LISTEN_MAX_NETNS);
	st->full_noted = true;
	return NULL;
}

/* Change one of the flood's values, remembering the one before. */
static void flood_change(struct bpftune_tuner *tuner, struct tcp_listen_netns *n,
			 unsigned int tunable, long long cur, long long next,
			 const char *why)
{
	if (bpftune_sysctl_update(tuner, n->cookie, tunable, &next,
				  TCP_LISTEN_SYN_QUEUE_FULL, "%s", why) <= 0)
		return;
	if (!n->changed[tunable])
		n->orig[tunable] = cur;
	n->changed[tunable] = true;
}

static void syn_queue_full(struct bpftune_tuner *tuner,
			   const struct bpftune_event *ev)
{
	struct tcp_listen_state *st = bpftune_tuner_priv(tuner);
	unsigned long long qlen = ev->values[TCP_LISTEN_EV_QLEN];
	unsigned long long backlog = ev->values[TCP_LISTEN_EV_MAX_ACK];
	unsigned long long limit, need;
	struct tcp_listen_netns *n;
	long long syn_backlog, syncookies;
	char why[256];

	n = netns_find(st, ev->netns_cookie);
	if (n)
		n->last_full_ms = bpftune_now_ms();
	if (!bpftune_tunable_usable(tuner, TCP_LISTEN_SYNCOOKIES,
				    ev->netns_cookie) ||
	    bpftune_sysctl_get(tuner, ev->netns_cookie, TCP_LISTEN_SYNCOOKIES,
			       &syncookies) ||
	    syncookies != 0 ||
	    bpftune_sysctl_get(tuner, ev->netns_cookie,
			       TCP_LISTEN_MAX_SYN_BACKLOG, &syn_backlog))
		return;
	limit = tcp_listen_syn_limit(syn_backlog);
	if (limit > backlog)
		limit = backlog;
	/* the event may predate a raise we already made */
	if (!bpftune_nearly_full(qlen, limit, bpftune_learning_rate()))
		return;
	n = netns_get(tuner, st, ev->netns_cookie);
	if (!n)
		return;
	n->last_full_ms = bpftune_now_ms();
	need = tcp_listen_syn_backlog_for(backlog);
	if (tcp_listen_syn_limit(syn_backlog) < backlog &&
	    syn_backlog < TCP_LISTEN_SYN_BACKLOG_MAX &&
	    bpftune_tunable_usable(tuner, TCP_LISTEN_MAX_SYN_BACKLOG,
				   ev->netns_cookie)) {
		snprintf(why, sizeof(why),
			 "a listener holds %llu half-open requests; without SYN cookies tcp_max_syn_backlog %lld lets it hold %llu of its backlog of %llu",
			 qlen, syn_backlog, tcp_listen_syn_limit(syn_backlog),
			 backlog);
		flood_change(tuner, n, TCP_LISTEN_MAX_SYN_BACKLOG, syn_backlog,
			     (long long)need, why);
		return;
	}
	snprintf(why, sizeof(why),
		 "a listener's SYN queue is full at its backlog (%llu of %llu half-open requests) and SYN cookies are off: new SYNs are dropped",
		 qlen, backlog);
	flood_change(tuner, n, TCP_LISTEN_SYNCOOKIES, syncookies, 1, why);
}

static void accept_queue_full(struct bpftune_tuner *tuner,
			      const struct bpftune_event *ev)
{
	unsigned long long backlog = ev->values[TCP_LISTEN_EV_MAX_ACK];
	long long somaxconn, next;

	if (!bpftune_tunable_usable(tuner, TCP_LISTEN_SOMAXCONN,
				    ev->netns_cookie) ||
	    bpftune_sysctl_get(tuner, ev->netns_cookie, TCP_LISTEN_SOMAXCONN,
			       &somaxconn))
		return;
	/* raised already: the listener gets it at its next listen() */
	if ((long long)backlog < somaxconn ||
	    somaxconn >= TCP_LISTEN_SOMAXCONN_MAX)
		return;
	next = somaxconn * 2;
	if (next > TCP_LISTEN_SOMAXCONN_MAX)
		next = TCP_LISTEN_SOMAXCONN_MAX;
	bpftune_sysctl_update(tuner, ev->netns_cookie, TCP_LISTEN_SOMAXCONN,
			      &next, ev->scenario,
			      "a listener's accept queue is full (%llu connections wait for accept()) and its backlog %llu is somaxconn's value: the application asked for at least that; listen() from now on gets up to %lld",
			      (unsigned long long)ev->values[TCP_LISTEN_EV_ACK],
			      backlog, next);
}

/* The flood in a namespace is over: put back what it made us change. */
static void flood_over(struct bpftune_tuner *tuner, struct tcp_listen_netns *n)
{
	unsigned int t;

	for (t = 0; t < TCP_LISTEN_FLOOD_TUNABLES; t++) {
		if (!n->changed[t])
			continue;
		bpftune_sysctl_update(tuner, n->cookie, t, &n->orig[t],
				      TCP_LISTEN_FLOOD_OVER,
				      "no listener's SYN queue was found nearly full for %d s: back to the value from before the flood",
				      TCP_LISTEN_QUIET_MS / 1000);
	}
	n->used = false;
}

static void on_timer(void *ctx)
{
	struct bpftune_tuner *tuner = ctx;
	struct tcp_listen_state *st = bpftune_tuner_priv(tuner);
	unsigned long long now = bpftune_now_ms();
	unsigned int i;

	for (i = 0; i < TCP_LISTEN_MAX_NETNS; i++) {
		if (!st->ns[i].used ||
		    now - st->ns[i].last_full_ms < TCP_LISTEN_QUIET_MS)
			continue;
		flood_over(tuner, &st->ns[i]);
	}
}

int init(struct bpftune_tuner *tuner)
{
	struct tcp_listen_state *st;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->timer = -1;
	bpftune_tuner_set_priv(tuner, st);
	err = bpftune_tunables_declare(tuner, tunables, ARRAY_SIZE(tunables),
				       scenarios, ARRAY_SIZE(scenarios));
	if (err)
		return err;
	st->skel = bpftune_bpf_open(tuner, tcp_listen_bpf);
	if (!st->skel)
		return errno ? -errno : -EINVAL;
	err = bpftune_bpf_attach(tuner);
	if (err || bpftune_support_only())
		return err;
	st->timer = bpftune_timer_add(TCP_LISTEN_TIMER_MS, on_timer, tuner);
	return st->timer < 0 ? st->timer : 0;
}

void fini(struct bpftune_tuner *tuner)
{
	struct tcp_listen_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	if (st->timer >= 0)
		bpftune_timer_del(st->timer);
	tcp_listen_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	switch (ev->scenario) {
	case TCP_LISTEN_SYN_QUEUE_FULL:
		syn_queue_full(tuner, ev);
		break;
	case TCP_LISTEN_ACCEPT_QUEUE_FULL:
		accept_queue_full(tuner, ev);
		break;
	default:
		break;
	}
}

BPFTUNE_PLUGIN("tcp_listen", .init = init, .fini = fini,
	       .event_handler = event_handler);
