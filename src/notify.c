// SPDX-License-Identifier: GPL-2.0
/*
 * The notifier (see notify.h): a fixed table of subscribers per event.
 * A handful of core modules subscribe, so no allocation is needed.
 */
#include <errno.h>
#include <stddef.h>

#include "notify.h"

#define NOTE_MAX_SUBS 8

struct note_sub {
	bpftune_note_cb cb;
	void *ctx;
};

static struct note_sub subs[BPFTUNE_NOTE_COUNT][NOTE_MAX_SUBS];
static unsigned long long generation;

int bpftune_notify_subscribe(enum bpftune_note note, bpftune_note_cb cb,
			     void *ctx)
{
	unsigned int i;

	if ((unsigned int)note >= BPFTUNE_NOTE_COUNT || !cb)
		return -EINVAL;
	for (i = 0; i < NOTE_MAX_SUBS; i++) {
		if (subs[note][i].cb == cb && subs[note][i].ctx == ctx)
			return 0;
		if (subs[note][i].cb)
			continue;
		subs[note][i].cb = cb;
		subs[note][i].ctx = ctx;
		return 0;
	}
	return -ENOSPC;
}

void bpftune_notify_unsubscribe(enum bpftune_note note, bpftune_note_cb cb,
				void *ctx)
{
	unsigned int i;

	if ((unsigned int)note >= BPFTUNE_NOTE_COUNT)
		return;
	for (i = 0; i < NOTE_MAX_SUBS; i++) {
		if (subs[note][i].cb != cb || subs[note][i].ctx != ctx)
			continue;
		/* keep the order of the rest: shift them down */
		for (; i + 1 < NOTE_MAX_SUBS; i++)
			subs[note][i] = subs[note][i + 1];
		subs[note][i].cb = NULL;
		subs[note][i].ctx = NULL;
		return;
	}
}

void bpftune_notify(enum bpftune_note note, const void *data)
{
	unsigned int i;

	if ((unsigned int)note >= BPFTUNE_NOTE_COUNT)
		return;
	for (i = 0; i < NOTE_MAX_SUBS && subs[note][i].cb; i++)
		subs[note][i].cb(note, data, subs[note][i].ctx);
}

void bpftune_state_changed(void)
{
	generation++;
	bpftune_notify(BPFTUNE_NOTE_STATE_CHANGED, NULL);
}

unsigned long long bpftune_state_generation(void)
{
	return generation;
}
