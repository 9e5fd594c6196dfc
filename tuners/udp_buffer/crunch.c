// SPDX-License-Identifier: GPL-2.0
/*
 * udp_buffer, rule "UDP memory crunch": datagrams are dropped because all
 * UDP sockets together reached udp_mem, and udp_mem may not grow (every
 * value at its safety cap, or an administrator set it, so the tuner stepped
 * aside).  Raising rmem_default then only lets each new socket take more
 * of the memory that is short, so instead:
 *  - rmem_default is cut by the learning rate toward the value it had when
 *    the daemon started (at most every UDP_BUFFER_CUT_INTERVAL_MS), and
 *    not raised while the crunch lasts;
 *  - once no such drop came for UDP_BUFFER_CRUNCH_QUIET_MS and UDP holds
 *    well below udp_mem[0] again, rmem_default goes back to its value
 *    before the crunch, unless someone else changed it meanwhile.
 */
#include <stdio.h>

#include "udp_buffer_rules.h"

/*
 * The crunch is over after this long without a drop for UDP memory.
 * Drops are reported at most every 25 ms while they last and the check
 * runs every UDP_BUFFER_CRUNCH_TICK_MS, so this is six checks without a
 * drop: a sender pausing for a moment does not end it.  (tcp_buffer's
 * route-metrics rule uses the same hysteresis.)
 */
#define UDP_BUFFER_CRUNCH_QUIET_MS 3000
#define UDP_BUFFER_CRUNCH_TICK_MS 500
/*
 * At most one cut per interval: rmem_default applies only to sockets made
 * after a cut, and drops come up to 40 times a second, so without a gap a
 * single burst would take it to its original at once.  (tcp_buffer's cuts
 * of tcp_rmem/tcp_wmem use the same interval.)
 */
#define UDP_BUFFER_CUT_INTERVAL_MS 250

static void rdefault_cut(struct bpftune_tuner *tuner,
			 struct udp_buffer_state *st, const char *why)
{
	unsigned long long now = bpftune_now_ms();
	long long cur, next;

	if (now - st->last_cut_ms < UDP_BUFFER_CUT_INTERVAL_MS ||
	    st->rdefault_orig < 0 ||
	    !bpftune_tunable_usable(tuner, UDP_BUFFER_RMEM_DEFAULT, 0) ||
	    bpftune_sysctl_get(tuner, 0, UDP_BUFFER_RMEM_DEFAULT, &cur))
		return;
	next = udp_buffer_rdefault_cut(cur, st->rdefault_orig,
				       bpftune_learning_rate());
	if (next == cur) {
		if (!st->orig_logged)
			bpftune_info("%s: UDP memory crunch: net.core.rmem_default (%lld) is not above its value at start (%lld); nothing to cut back",
				     bpftune_tuner_name(tuner), cur,
				     st->rdefault_orig);
		st->orig_logged = true;
		return;
	}
	st->last_cut_ms = now;
	if (bpftune_sysctl_update(tuner, 0, UDP_BUFFER_RMEM_DEFAULT, &next,
				  UDP_BUFFER_MEM_CRUNCH,
				  "%s; cutting it back by %llu%% toward its value at start (%lld), so that new sockets take less of the memory that is short",
				  why,
				  (unsigned long long)bpftune_rate_pct(bpftune_learning_rate()),
				  st->rdefault_orig) <= 0)
		return;
	if (!st->rdefault_before)
		st->rdefault_before = cur;
	st->rdefault_cut = next;
}

void crunch_seen(struct bpftune_tuner *tuner, const char *why)
{
	struct udp_buffer_state *st = bpftune_tuner_priv(tuner);

	st->crunch_last_ms = bpftune_now_ms();
	if (!st->crunch) {
		st->crunch = true;
		st->hold_logged = false;
		st->orig_logged = false;
		bpftune_info("%s: UDP memory crunch: %s; net.core.rmem_default is cut back toward its value at start and not raised until %d ms after the last such drop",
			     bpftune_tuner_name(tuner), why,
			     UDP_BUFFER_CRUNCH_QUIET_MS);
		bpftune_timer_arm(st->timer, UDP_BUFFER_CRUNCH_TICK_MS,
				  UDP_BUFFER_CRUNCH_TICK_MS);
	}
	rdefault_cut(tuner, st, why);
}

bool crunch_holds_growth(struct bpftune_tuner *tuner)
{
	struct udp_buffer_state *st = bpftune_tuner_priv(tuner);

	if (!st->crunch)
		return false;
	if (!st->hold_logged)
		bpftune_info("%s: a UDP socket with the default buffer dropped datagrams, but UDP memory is exhausted and udp_mem may not grow: net.core.rmem_default is not raised during the crunch",
			     bpftune_tuner_name(tuner));
	st->hold_logged = true;
	return true;
}

/* The crunch is over: rmem_default back to its value before the cuts. */
static void rdefault_restore(struct bpftune_tuner *tuner,
			     struct udp_buffer_state *st, const char *why)
{
	long long cur;

	if (!st->rdefault_before ||
	    !bpftune_tunable_usable(tuner, UDP_BUFFER_RMEM_DEFAULT, 0) ||
	    bpftune_sysctl_get(tuner, 0, UDP_BUFFER_RMEM_DEFAULT, &cur))
		return;
	if (cur != st->rdefault_cut && !bpftune_dry_run()) {
		bpftune_info("%s: net.core.rmem_default is %lld, not the %lld bpftune cut it to: someone else changed it; left as it is",
			     bpftune_tuner_name(tuner), cur, st->rdefault_cut);
		return;
	}
	bpftune_sysctl_update(tuner, 0, UDP_BUFFER_RMEM_DEFAULT,
			      &st->rdefault_before, UDP_BUFFER_CRUNCH_OVER,
			      "%s: back to its value before the crunch", why);
}

static void crunch_tick(void *ctx)
{
	struct bpftune_tuner *tuner = ctx;
	struct udp_buffer_state *st = bpftune_tuner_priv(tuner);
	long long pages = -1, mem[3] = { 0 };
	unsigned long long now = bpftune_now_ms();
	char why[192];

	if (udp_pages(&pages) ||
	    bpftune_sysctl_get(tuner, 0, UDP_BUFFER_UDP_MEM, mem))
		pages = -1;
	if (!udp_buffer_crunch_over(now, st->crunch_last_ms,
				    UDP_BUFFER_CRUNCH_QUIET_MS, pages, mem[0],
				    bpftune_learning_rate()))
		return;
	st->crunch = false;
	bpftune_timer_arm(st->timer, 0, 0);
	snprintf(why, sizeof(why),
		 "the UDP memory crunch is over (no drop for %llu ms; UDP holds %lld pages, udp_mem[0] is %lld)",
		 now - st->crunch_last_ms, pages, mem[0]);
	bpftune_info("%s: %s; net.core.rmem_default may grow again",
		     bpftune_tuner_name(tuner), why);
	rdefault_restore(tuner, st, why);
	st->rdefault_before = 0;
}

/* Once the tuner runs (not in -S mode, which has no loop). */
int crunch_init(struct bpftune_tuner *tuner, struct udp_buffer_state *st)
{
	/* unreadable: logged once by the core; nothing is cut then */
	if (bpftune_sysctl_get(tuner, 0, UDP_BUFFER_RMEM_DEFAULT,
			       &st->rdefault_orig))
		st->rdefault_orig = -1;
	st->timer = bpftune_timer_new(crunch_tick, tuner);
	return st->timer < 0 ? st->timer : 0;
}

void crunch_fini(struct udp_buffer_state *st)
{
	if (st->timer >= 0)
		bpftune_timer_del(st->timer);
	st->timer = -1;
}
