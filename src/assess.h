/* SPDX-License-Identifier: GPL-2.0 */
/* Assessment: did a change help?  A harmful one is published as
 * BPFTUNE_NOTE_HARMFUL (notify.h) for the change path to put back. */
#ifndef BPFTUNE_ASSESS_H
#define BPFTUNE_ASSESS_H

#include <stdbool.h>
#include "tuner.h"

struct bpftune_strategy_score {
	unsigned int assessed;
	double sum_gain; /* relative gains (negative = harm) */
};

/* What BPFTUNE_NOTE_HARMFUL carries: put value back, saying why. */
struct bpftune_harm {
	struct bpftune_tuner *tuner;
	unsigned int tunable;
	unsigned long long cookie;
	const char *value;
	const char *why;
};

/* Before a change: false while the scenario backs off in that netns. */
bool bpftune_assess_allowed(struct bpftune_tuner *tuner, unsigned int scenario,
			    unsigned int tunable, unsigned long long cookie);
void bpftune_assess_changed(struct bpftune_tuner *tuner, unsigned int scenario,
			    unsigned int tunable, unsigned long long cookie,
			    const char *old, const char *new);
void bpftune_assess_summary(struct bpftune_tuner *tuner);
void bpftune_assess_free(struct bpftune_tuner *tuner);
/* pure: is the outcome worse beyond noise?  sets *gain (relative) */
bool bpftune_assess_harmful(const double *before, unsigned int nbefore,
			    double after, bool higher_is_better, double *gain,
			    double *noise);

#endif
