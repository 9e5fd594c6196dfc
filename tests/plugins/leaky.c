// SPDX-License-Identifier: GPL-2.0
/*
 * A deliberately careless tuner for tests: init() adds a timer that fini()
 * never removes, and no BPF.  Removing its file while the daemon runs must
 * not leave the loop calling into the unloaded code.
 */
#include <bpftune/libbpftune.h>

/* often, so that a tick after the unload would come quickly */
#define LEAKY_TICK_MS 20

static unsigned long ticks;

static void tick(void *ctx)
{
	(void)ctx;
	if (++ticks == 1)
		bpftune_info("leaky: first tick");
}

int init(struct bpftune_tuner *tuner)
{
	int id = bpftune_timer_add(LEAKY_TICK_MS, tick, NULL);

	(void)tuner;
	return id < 0 ? id : 0;
}

void fini(struct bpftune_tuner *tuner)
{
	(void)tuner; /* the timer is "forgotten" on purpose */
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	(void)tuner;
	(void)ev;
}

BPFTUNE_PLUGIN("leaky", .init = init, .fini = fini,
	       .event_handler = event_handler);
