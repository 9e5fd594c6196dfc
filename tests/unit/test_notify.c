// SPDX-License-Identifier: GPL-2.0
/* The notifier: order, unsubscribe, the table's limit, the generation. */
#include <errno.h>
#include "../../src/notify.h"
#include "unit.h"

static char trace[64];

static void append(char c)
{
	size_t n = strlen(trace);

	if (n + 1 < sizeof(trace)) {
		trace[n] = c;
		trace[n + 1] = '\0';
	}
}

static void on_note(enum bpftune_note note, const void *data, void *ctx)
{
	(void)note;
	(void)data;
	append(*(const char *)ctx);
}

static void on_cookie(enum bpftune_note note, const void *data, void *ctx)
{
	*(unsigned long long *)ctx = note == BPFTUNE_NOTE_NETNS_GONE ?
					     *(const unsigned long long *)data :
					     0;
}

static void test_order_and_unsubscribe(void)
{
	static const char a = 'a', b = 'b', c = 'c';

	trace[0] = '\0';
	CHECK_EQ(bpftune_notify_subscribe(BPFTUNE_NOTE_SIGHUP, on_note, (void *)&a), 0);
	CHECK_EQ(bpftune_notify_subscribe(BPFTUNE_NOTE_SIGHUP, on_note, (void *)&b), 0);
	CHECK_EQ(bpftune_notify_subscribe(BPFTUNE_NOTE_SIGHUP, on_note, (void *)&c), 0);
	/* the same callback and context twice is one subscription */
	CHECK_EQ(bpftune_notify_subscribe(BPFTUNE_NOTE_SIGHUP, on_note, (void *)&a), 0);
	bpftune_notify(BPFTUNE_NOTE_SIGHUP, NULL);
	CHECK(!strcmp(trace, "abc"));
	/* other events reach none of them */
	bpftune_notify(BPFTUNE_NOTE_TICK, NULL);
	CHECK(!strcmp(trace, "abc"));
	bpftune_notify_unsubscribe(BPFTUNE_NOTE_SIGHUP, on_note, (void *)&b);
	bpftune_notify(BPFTUNE_NOTE_SIGHUP, NULL);
	CHECK(!strcmp(trace, "abcac"));
	bpftune_notify_unsubscribe(BPFTUNE_NOTE_SIGHUP, on_note, (void *)&a);
	bpftune_notify_unsubscribe(BPFTUNE_NOTE_SIGHUP, on_note, (void *)&c);
	bpftune_notify(BPFTUNE_NOTE_SIGHUP, NULL);
	CHECK(!strcmp(trace, "abcac"));
}

static void test_data_and_limits(void)
{
	static char ctx[16];
	unsigned long long cookie = 4096, seen = 0;
	int i, err = 0;

	CHECK_EQ(bpftune_notify_subscribe(BPFTUNE_NOTE_NETNS_GONE, on_cookie, &seen), 0);
	bpftune_notify(BPFTUNE_NOTE_NETNS_GONE, &cookie);
	CHECK_EQ(seen, 4096);
	bpftune_notify_unsubscribe(BPFTUNE_NOTE_NETNS_GONE, on_cookie, &seen);

	/* a full table refuses, it does not overwrite */
	for (i = 0; i < 16 && !err; i++)
		err = bpftune_notify_subscribe(BPFTUNE_NOTE_TICK, on_note, &ctx[i]);
	CHECK_EQ(err, -ENOSPC);
	CHECK(i > 1 && i <= 16);
	while (i--)
		bpftune_notify_unsubscribe(BPFTUNE_NOTE_TICK, on_note, &ctx[i]);
	CHECK_EQ(bpftune_notify_subscribe(BPFTUNE_NOTE_COUNT, on_note, NULL), -EINVAL);
	CHECK_EQ(bpftune_notify_subscribe(BPFTUNE_NOTE_TICK, NULL, NULL), -EINVAL);
}

static void test_state_generation(void)
{
	static const char s = 's';
	unsigned long long gen = bpftune_state_generation();

	trace[0] = '\0';
	CHECK_EQ(bpftune_notify_subscribe(BPFTUNE_NOTE_STATE_CHANGED, on_note, (void *)&s), 0);
	bpftune_state_changed();
	bpftune_state_changed();
	CHECK_EQ(bpftune_state_generation(), gen + 2);
	CHECK(!strcmp(trace, "ss"));
	bpftune_notify_unsubscribe(BPFTUNE_NOTE_STATE_CHANGED, on_note, (void *)&s);
}

int main(void)
{
	test_order_and_unsubscribe();
	test_data_and_limits();
	test_state_generation();
	return unit_report();
}
