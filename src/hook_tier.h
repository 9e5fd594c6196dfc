/* SPDX-License-Identifier: GPL-2.0 */
/* The variants of a tuner's hooks, the tier each one runs at, and the
 * -S report of them (bpftune_hook_tier() and the rest of the API are in
 * libbpftune.h). */
#ifndef BPFTUNE_HOOK_TIER_H
#define BPFTUNE_HOOK_TIER_H

#include "tuner.h"

/* The tier a program's section puts it in; -1 for untiered programs. */
int bpftune_prog_tier(const struct bpf_program *prog);
/* Gather the variants of every hook, best tier first. */
int bpftune_hooks_collect(struct bpftune_tuner *tuner);
/* The hook a program is a variant of; NULL for untiered programs. */
struct bpftune_hook *bpftune_prog_hook(struct bpftune_tuner *tuner,
				       const struct bpf_program *prog);
/* The program a hook runs, NULL when it is off. */
struct bpf_program *bpftune_hook_prog(const struct bpftune_hook *hook);
/* Choose the first usable variant from index from on (autoload only it). */
void bpftune_hook_pick(struct bpftune_tuner *tuner, struct bpftune_hook *hook,
		       unsigned int from);
/* Is there another variant after the chosen one this hook could use? */
bool bpftune_hook_can_fall(const struct bpftune_hook *hook);
/* Log the tier each hook runs at. */
void bpftune_hooks_log(struct bpftune_tuner *tuner);
void bpftune_bpf_print_tiers(struct bpftune_tuner *tuner);

#endif
