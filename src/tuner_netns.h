/* SPDX-License-Identifier: GPL-2.0 */
/* Per-namespace state of tuners: disabled namespaces, namespaces that
 * refused a tunable (logged once), and re-enabling them. */
#ifndef BPFTUNE_TUNER_NETNS_H
#define BPFTUNE_TUNER_NETNS_H

#include <stdbool.h>
#include "tuner.h"

/* Re-enable every tuner everywhere (SIGHUP). */
void bpftune_tuner_enable_all(void);
/* Re-enable one tuner in one netns, or in every netns when every_netns;
 * returns how many disabled entries were cleared. */
int bpftune_tuner_enable(struct bpftune_tuner *tuner, unsigned long long cookie,
			 bool every_netns);
/* A netns refused a tunable: not tried there again (until SIGHUP or until
 * the netns is gone); logged once.  -ESRCH (netns not found) is not kept. */
void bpftune_tunable_mark_failed(struct bpftune_tuner *tuner, unsigned int id,
				 unsigned long long cookie, const char *what,
				 int err);
/* The namespace a tunable's value lives in (the global one for GLOBAL). */
unsigned long long bpftune_tunable_cookie(const struct bpftune_tunable *t,
					  unsigned long long cookie);
/* Forget a tuner's disabled and failed entries of one netns. */
void bpftune_tuner_netns_forget(struct bpftune_tuner *tuner,
				unsigned long long cookie);
/* Free every disabled and failed entry of a tuner. */
void bpftune_tuner_netns_free(struct bpftune_tuner *tuner);

#endif
