/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small notifier: a lower module tells higher ones about an event
 * without calling up.  The higher module subscribes a callback at its
 * init; the lower one publishes.  Single-threaded, like the loop.
 */
#ifndef BPFTUNE_NOTIFY_H
#define BPFTUNE_NOTIFY_H

enum bpftune_note {
	/* a namespace is gone; data: const unsigned long long *cookie */
	BPFTUNE_NOTE_NETNS_GONE,
	/* something queries and metrics show changed; data: NULL */
	BPFTUNE_NOTE_STATE_CHANGED,
	/* SIGHUP: re-enable what was turned off; data: NULL */
	BPFTUNE_NOTE_SIGHUP,
	/* the loop dispatched one round of events; data: NULL */
	BPFTUNE_NOTE_TICK,
	/* assessment found a change harmful; data: struct bpftune_harm * */
	BPFTUNE_NOTE_HARMFUL,
	/* a tuner is about to be freed; data: struct bpftune_tuner * */
	BPFTUNE_NOTE_TUNER_FREE,
	BPFTUNE_NOTE_COUNT,
};

typedef void (*bpftune_note_cb)(enum bpftune_note note, const void *data,
				void *ctx);

/* Callbacks run in the order they subscribed.  -ENOSPC when full. */
int bpftune_notify_subscribe(enum bpftune_note note, bpftune_note_cb cb,
			     void *ctx);
void bpftune_notify_unsubscribe(enum bpftune_note note, bpftune_note_cb cb,
				void *ctx);
void bpftune_notify(enum bpftune_note note, const void *data);

/* Something queries and metrics show changed: counts, then publishes
 * BPFTUNE_NOTE_STATE_CHANGED. */
void bpftune_state_changed(void);
/* Counts bpftune_state_changed() calls: cached answers compare it. */
unsigned long long bpftune_state_generation(void);

#endif
