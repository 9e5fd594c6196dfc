// SPDX-License-Identifier: GPL-2.0
/*
 * Tuners and their tunables: the registry of loaded tuners, declarations
 * of tunables and scenarios, and one bound per sysctl shared by every
 * tuner that declares it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sysctl.h"
#include "tuner.h"

static struct bpftune_tuner *tuner_head;

const char *bpftune_tuner_name(const struct bpftune_tuner *tuner)
{
	return tuner->name;
}

void bpftune_tuner_set_priv(struct bpftune_tuner *tuner, void *priv)
{
	tuner->priv = priv;
}

void *bpftune_tuner_priv(const struct bpftune_tuner *tuner)
{
	return tuner->priv;
}

struct bpftune_tuner *bpftune_tuner_alloc(const char *name)
{
	struct bpftune_tuner *tuner = calloc(1, sizeof(*tuner));

	if (!tuner)
		return NULL;
	snprintf(tuner->name, sizeof(tuner->name), "%s", name);
	return tuner;
}

struct bpftune_tuner *bpftune_tuners(void)
{
	return tuner_head;
}

static struct bpftune_tunable *tunable_named(struct bpftune_tuner *tuner,
					     const char *name)
{
	unsigned int i;

	for (i = 0; i < tuner->ntunables; i++)
		if (tuner->tunables[i].desc.name &&
		    !strcmp(tuner->tunables[i].desc.name, name))
			return &tuner->tunables[i];
	return NULL;
}

/*
 * One sysctl, one bound: every tuner that declares a sysctl writes it
 * within the tightest bounds any of them declared (per value, the highest
 * min and the lowest max), so no tuner can take a value past the cap
 * another one promises.  Run whenever a declaration changes.
 */
static void bounds_sync(const char *name)
{
	long long min[BPFTUNE_MAX_VALUES], max[BPFTUNE_MAX_VALUES];
	struct bpftune_tuner *tuner;
	struct bpftune_tunable *t;
	unsigned int i, n = 0;

	for (tuner = tuner_head; tuner; tuner = tuner->next) {
		t = tunable_named(tuner, name);
		if (!t)
			continue;
		for (i = 0; i < t->desc.nvalues; i++) {
			if (!n || t->decl_min[i] > min[i])
				min[i] = t->decl_min[i];
			/* max 0 means unbounded */
			if (!n || (t->decl_max[i] &&
				   (!max[i] || t->decl_max[i] < max[i])))
				max[i] = t->decl_max[i];
		}
		n++;
	}
	for (tuner = tuner_head; tuner; tuner = tuner->next) {
		t = tunable_named(tuner, name);
		if (!t)
			continue;
		memcpy(t->desc.min, min, sizeof(t->desc.min[0]) * t->desc.nvalues);
		memcpy(t->desc.max, max, sizeof(t->desc.max[0]) * t->desc.nvalues);
		if (tuner->state == BPFTUNE_TUNER_ACTIVE)
			bpftune_sysctl_remember_again(&t->desc);
	}
}

void bpftune_tuner_bounds_sync(struct bpftune_tuner *tuner)
{
	unsigned int i;

	for (i = 0; i < tuner->ntunables; i++)
		if (tuner->tunables[i].desc.name)
			bounds_sync(tuner->tunables[i].desc.name);
}

void bpftune_tuner_add(struct bpftune_tuner *tuner)
{
	struct bpftune_tuner **pp = &tuner_head;

	while (*pp)
		pp = &(*pp)->next;
	tuner->next = NULL;
	*pp = tuner;
}

void bpftune_tuner_remove(struct bpftune_tuner *tuner)
{
	struct bpftune_tuner **pp;

	for (pp = &tuner_head; *pp; pp = &(*pp)->next) {
		if (*pp == tuner) {
			*pp = tuner->next;
			/* the others' shared bounds, without this one's */
			bpftune_tuner_bounds_sync(tuner);
			return;
		}
	}
}

struct bpftune_tuner *bpftune_tuner_find(const char *name)
{
	struct bpftune_tuner *t;

	for (t = tuner_head; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

struct bpftune_tunable *bpftune_tunable_get(struct bpftune_tuner *tuner,
					    unsigned int id)
{
	if (id >= tuner->ntunables)
		return NULL;
	return &tuner->tunables[id];
}

/* Another tuner declared the same sysctl differently: refused. */
static int declare_conflict(struct bpftune_tuner *tuner,
			    const struct bpftune_tunable_desc *desc)
{
	const unsigned int kind = BPFTUNE_NETNS | BPFTUNE_GLOBAL |
				  BPFTUNE_STRING;
	struct bpftune_tuner *other;
	struct bpftune_tunable *t;

	for (other = tuner_head; other; other = other->next) {
		if (other == tuner)
			continue;
		t = tunable_named(other, desc->name);
		if (!t)
			continue;
		if (t->desc.nvalues == desc->nvalues &&
		    (t->desc.flags & kind) == (desc->flags & kind))
			return 0;
		bpftune_err("%s: %s is declared with %u value(s), flags 0x%x; %s declares it with %u, flags 0x%x: refused",
			    tuner->name, desc->name, desc->nvalues,
			    desc->flags & kind, other->name, t->desc.nvalues,
			    t->desc.flags & kind);
		return -EINVAL;
	}
	return 0;
}

int bpftune_tunables_declare(struct bpftune_tuner *tuner,
			     const struct bpftune_tunable_desc *descs,
			     unsigned int ndescs,
			     const struct bpftune_scenario_desc *scenarios,
			     unsigned int nscenarios)
{
	char buf[BPFTUNE_VALUE_LEN];
	unsigned int i;
	int err;

	free(tuner->tunables);
	tuner->tunables = calloc(ndescs, sizeof(*tuner->tunables));
	if (!tuner->tunables)
		return -ENOMEM;
	tuner->ntunables = ndescs;
	tuner->scenarios = scenarios;
	tuner->nscenarios = nscenarios;
	for (i = 0; i < ndescs; i++) {
		struct bpftune_tunable *t = &tuner->tunables[descs[i].id];

		if (descs[i].id >= ndescs || descs[i].nvalues > BPFTUNE_MAX_VALUES ||
		    (!descs[i].nvalues && !(descs[i].flags & BPFTUNE_STRING))) {
			bpftune_err("%s: tunable %u (%s) is declared wrongly",
				    tuner->name, i, descs[i].name);
			return -EINVAL;
		}
		if (declare_conflict(tuner, &descs[i]))
			return -EINVAL;
		t->desc = descs[i];
		memcpy(t->decl_min, descs[i].min, sizeof(t->decl_min));
		memcpy(t->decl_max, descs[i].max, sizeof(t->decl_max));
		bounds_sync(descs[i].name);
		err = bpftune_sysctl_read_raw(BPFTUNE_GLOBAL_NETNS,
					      descs[i].name, buf, sizeof(buf));
		if (!err)
			continue;
		t->absent = true;
		if (descs[i].flags & BPFTUNE_OPTIONAL) {
			bpftune_info("%s: %s is not available here (%s); not tuned",
				     tuner->name, descs[i].name, strerror(-err));
			continue;
		}
		bpftune_err("%s: required sysctl %s cannot be read: %s",
			    tuner->name, descs[i].name, strerror(-err));
		return err;
	}
	return 0;
}

int bpftune_tunable_set_max(struct bpftune_tuner *tuner, unsigned int id,
			    unsigned int index, long long max)
{
	struct bpftune_tunable *t = bpftune_tunable_get(tuner, id);

	if (!t || index >= BPFTUNE_MAX_VALUES || !t->desc.name)
		return -EINVAL;
	t->decl_max[index] = max;
	bounds_sync(t->desc.name);
	return 0;
}

const char *bpftune_tuner_state_name(enum bpftune_tuner_state state)
{
	switch (state) {
	case BPFTUNE_TUNER_INIT:
		return "init";
	case BPFTUNE_TUNER_ACTIVE:
		return "active";
	case BPFTUNE_TUNER_FAILED:
		return "failed";
	case BPFTUNE_TUNER_GONE:
		return "gone";
	}
	return "unknown";
}

struct bpftune_tunable *bpftune_tunable_by_name(const char *name,
						struct bpftune_tuner **owner)
{
	struct bpftune_tuner *tuner;
	struct bpftune_tunable *t;

	for (tuner = tuner_head; tuner; tuner = tuner->next) {
		t = tunable_named(tuner, name);
		if (!t)
			continue;
		if (owner)
			*owner = tuner;
		return t;
	}
	return NULL;
}

struct bpftune_tuner *bpftune_sysctl_owner_nth(const char *name,
					       unsigned int n,
					       unsigned int *tunable)
{
	struct bpftune_tuner *tuner;
	struct bpftune_tunable *t;

	for (tuner = tuner_head; tuner; tuner = tuner->next) {
		t = tunable_named(tuner, name);
		if (!t || n--)
			continue;
		if (tunable)
			*tunable = t->desc.id;
		return tuner;
	}
	return NULL;
}

struct bpftune_tuner *bpftune_sysctl_owner(const char *name,
					   unsigned int *tunable)
{
	return bpftune_sysctl_owner_nth(name, 0, tunable);
}

unsigned int bpftune_tunable_flags(struct bpftune_tuner *tuner,
				   unsigned int id)
{
	if (id >= tuner->ntunables)
		return 0;
	return tuner->tunables[id].desc.flags;
}

void bpftune_tunable_disable(struct bpftune_tuner *tuner, unsigned int id,
			     const char *why)
{
	struct bpftune_tunable *t;

	if (id >= tuner->ntunables)
		return;
	t = &tuner->tunables[id];
	if (t->disabled_global)
		return;
	t->disabled_global = true;
	bpftune_info("%s: stops tuning %s everywhere: %s", tuner->name,
		     t->desc.name, why);
}
