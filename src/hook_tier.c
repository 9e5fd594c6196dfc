// SPDX-License-Identifier: GPL-2.0
/*
 * The variants of a tuner's hooks and the tier each one runs at.
 *
 * Programs named <hook>__<variant> whose section is a tracing one are the
 * variants of one hook; the section says the tier (fentry, fexit and lsm:
 * fentry; tp_btf, raw_tp and tracepoint: tracepoint; kprobe and kretprobe:
 * kprobe), not the name.  For each hook we keep the best tier that the
 * kernel allows (support.c), that is not above the --tier cap and whose
 * target exists in this kernel; the other variants are not loaded.
 * Whether the choice also loads and attaches is bpfload.c's to try; a
 * variant that does not makes the hook pick again from the next one.
 * Other programs (sockops, iterators, cgroup programs) have no hook.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hook_tier.h"
#include "log.h"
#include "options.h"
#include "support.h"

static struct bpftune_hook *hook_get(struct bpftune_tuner *tuner,
				     const char *name, size_t len)
{
	struct bpftune_hook *hook;
	unsigned int i;

	if (len >= BPFTUNE_NAME_LEN)
		return NULL;
	for (i = 0; i < tuner->nhooks; i++) {
		hook = &tuner->hooks[i];
		if (strlen(hook->name) == len && !strncmp(hook->name, name, len))
			return hook;
	}
	if (tuner->nhooks >= BPFTUNE_MAX_HOOKS)
		return NULL;
	hook = &tuner->hooks[tuner->nhooks++];
	memset(hook, 0, sizeof(*hook));
	memcpy(hook->name, name, len);
	hook->tier = BPFTUNE_TIER_NONE;
	hook->chosen = -1;
	return hook;
}

/* The tier a program's section puts it in; -1 for untiered programs. */
int bpftune_prog_tier(const struct bpf_program *prog)
{
	switch (bpf_program__type(prog)) {
	case BPF_PROG_TYPE_TRACING:
		switch (bpf_program__expected_attach_type(prog)) {
		case BPF_TRACE_FENTRY:
		case BPF_TRACE_FEXIT:
		case BPF_MODIFY_RETURN:
			return BPFTUNE_TIER_FENTRY;
		case BPF_TRACE_RAW_TP:
			return BPFTUNE_TIER_TRACEPOINT;
		default:
			return -1; /* iterators */
		}
	case BPF_PROG_TYPE_LSM:
		return BPFTUNE_TIER_FENTRY;
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
		return BPFTUNE_TIER_TRACEPOINT;
	case BPF_PROG_TYPE_KPROBE:
		return BPFTUNE_TIER_KPROBE;
	default:
		return -1;
	}
}

/* Length of <hook> in a variant's name <hook>__<variant>; 0 if none. */
static size_t hook_len(const char *name)
{
	const char *p = name, *sep = NULL;

	while ((p = strstr(p, "__"))) {
		sep = p;
		p += 2;
	}
	if (!sep || sep == name || !sep[2])
		return 0;
	return sep - name;
}

struct bpftune_hook *bpftune_prog_hook(struct bpftune_tuner *tuner,
				       const struct bpf_program *prog)
{
	unsigned int i, v;

	for (i = 0; i < tuner->nhooks; i++)
		for (v = 0; v < tuner->hooks[i].nprogs; v++)
			if (tuner->hooks[i].progs[v] == prog)
				return &tuner->hooks[i];
	return NULL;
}

/* The program a hook runs, NULL when it is off. */
struct bpf_program *bpftune_hook_prog(const struct bpftune_hook *hook)
{
	return hook->chosen < 0 ? NULL : hook->progs[hook->chosen];
}

/* Is there another variant after the chosen one this hook could use? */
bool bpftune_hook_can_fall(const struct bpftune_hook *hook)
{
	unsigned int v;

	for (v = hook->chosen + 1; v < hook->nprogs; v++)
		if (bpftune_tier_allowed(hook->tiers[v]))
			return true;
	return false;
}

/*
 * The first variant from index `from` on whose tier is allowed, available
 * and whose target exists in this kernel; the others are not loaded.
 */
void bpftune_hook_pick(struct bpftune_tuner *tuner, struct bpftune_hook *hook,
		       unsigned int from)
{
	struct bpf_program *prog;
	enum bpftune_tier tier;
	unsigned int v;

	hook->tier = BPFTUNE_TIER_NONE;
	hook->chosen = -1;
	for (v = from; v < hook->nprogs; v++) {
		prog = hook->progs[v];
		tier = hook->tiers[v];
		if (!bpftune_tier_allowed(tier))
			continue;
		if (!bpftune_target_exists(tier, bpf_program__section_name(prog))) {
			hook->why = "target not in this kernel";
			bpftune_debug("%s: hook %s: %s target missing (%s)",
				      tuner->name, hook->name, bpftune_tier_name(tier),
				      bpf_program__section_name(prog));
			continue;
		}
		hook->tier = tier;
		hook->chosen = v;
		break;
	}
	for (v = 0; v < hook->nprogs; v++)
		bpf_program__set_autoload(hook->progs[v], (int)v == hook->chosen);
}

/* Add a variant in tier order (stable: the object's order within a tier). */
static int hook_add(struct bpftune_tuner *tuner, struct bpftune_hook *hook,
		    struct bpf_program *prog, enum bpftune_tier tier)
{
	unsigned int v;

	if (hook->nprogs >= BPFTUNE_HOOK_VARIANTS) {
		bpftune_warn("%s: hook %s has more than %d variants; %s is not used",
			     tuner->name, hook->name, BPFTUNE_HOOK_VARIANTS,
			     bpf_program__name(prog));
		bpf_program__set_autoload(prog, false);
		return 0;
	}
	for (v = hook->nprogs; v > 0 && hook->tiers[v - 1] > tier; v--) {
		hook->progs[v] = hook->progs[v - 1];
		hook->tiers[v] = hook->tiers[v - 1];
	}
	hook->progs[v] = prog;
	hook->tiers[v] = tier;
	hook->nprogs++;
	return 0;
}

int bpftune_hooks_collect(struct bpftune_tuner *tuner)
{
	struct bpftune_hook *hook;
	struct bpf_program *prog;
	const char *name;
	size_t len;
	int tier;

	bpf_object__for_each_program(prog, tuner->obj) {
		name = bpf_program__name(prog);
		tier = bpftune_prog_tier(prog);
		len = hook_len(name);
		if (tier < 0 || !len)
			continue;
		hook = hook_get(tuner, name, len);
		if (!hook) {
			bpftune_err("%s: too many hooks", tuner->name);
			return -E2BIG;
		}
		hook_add(tuner, hook, prog, tier);
	}
	return 0;
}

enum bpftune_tier bpftune_hook_tier(struct bpftune_tuner *tuner,
				    const char *name)
{
	unsigned int i;

	for (i = 0; i < tuner->nhooks; i++)
		if (!strcmp(tuner->hooks[i].name, name))
			return tuner->hooks[i].tier;
	return BPFTUNE_TIER_NONE;
}

bool bpftune_tier_allowed(enum bpftune_tier tier)
{
	return tier < BPFTUNE_TIER_COUNT && tier >= bpftune_cfg.max_tier &&
	       bpftune_support_get()->tier_ok[tier];
}

/* The daemon log says which tier each hook really runs at. */
void bpftune_hooks_log(struct bpftune_tuner *tuner)
{
	const struct bpftune_hook *hook;
	unsigned int i;

	for (i = 0; i < tuner->nhooks; i++) {
		hook = &tuner->hooks[i];
		if (hook->tier == BPFTUNE_TIER_NONE)
			continue;
		bpftune_info("%s: hook %s attached at tier %s (%s)",
			     tuner->name, hook->name, bpftune_tier_name(hook->tier),
			     bpf_program__section_name(bpftune_hook_prog(hook)));
	}
}

void bpftune_hook_disable(struct bpftune_tuner *tuner, const char *name,
			  const char *why)
{
	struct bpftune_hook *hook = NULL;
	unsigned int i, v;

	for (i = 0; i < tuner->nhooks; i++)
		if (!strcmp(tuner->hooks[i].name, name))
			hook = &tuner->hooks[i];
	if (!hook)
		return;
	for (v = 0; v < hook->nprogs; v++)
		bpf_program__set_autoload(hook->progs[v], false);
	hook->tier = BPFTUNE_TIER_NONE;
	hook->chosen = -1;
	hook->why = why;
	if (!bpftune_cfg.support_only)
		bpftune_warn("%s: hook %s is off: %s", tuner->name, name, why);
}

void bpftune_bpf_print_tiers(struct bpftune_tuner *tuner)
{
	const struct bpftune_hook *hook;
	unsigned int i;

	if (!tuner->nhooks) {
		printf("  %s: no tiered hooks\n", tuner->name);
		return;
	}
	for (i = 0; i < tuner->nhooks; i++) {
		hook = &tuner->hooks[i];
		if (hook->tier == BPFTUNE_TIER_NONE)
			printf("  %s: hook %s: not available (%s)\n", tuner->name,
			       hook->name, hook->why);
		else
			printf("  %s: hook %s: %s (%s)\n", tuner->name,
			       hook->name, bpftune_tier_name(hook->tier),
			       bpf_program__section_name(bpftune_hook_prog(hook)));
	}
}
