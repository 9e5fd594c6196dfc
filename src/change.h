/* SPDX-License-Identifier: GPL-2.0 */
/* The single path every change takes (enabled check, safety clamp,
 * journal, write, log, assessment), the summary, and freeing a tuner. */
#ifndef BPFTUNE_CHANGE_H
#define BPFTUNE_CHANGE_H

#include "tuner.h"

/* Subscribe the tuner stack to the events of lower modules (namespace
 * gone, SIGHUP, harmful change); once, before tuners start. */
int bpftune_tuners_init(void);
void bpftune_tuner_free(struct bpftune_tuner *tuner);
void bpftune_tuner_print_summary(struct bpftune_tuner *tuner);
int bpftune_tuner_rollback(struct bpftune_tuner *tuner);
/* A namespace is gone: forget per-netns entries for its cookie. */
void bpftune_tuners_netns_gone(unsigned long long cookie);

/* Scenario id used for reverts made by the assessment. */
#define BPFTUNE_SCENARIO_REVERT 0xffffU
int bpftune_change_revert(struct bpftune_tuner *tuner, unsigned int tunable,
			  unsigned long long cookie, const char *value,
			  const char *why);

#endif
