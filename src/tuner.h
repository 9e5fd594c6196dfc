/* SPDX-License-Identifier: GPL-2.0 */
/* Tuners and their tunables: the structures, the registry of loaded
 * tuners, declarations and the one bound per sysctl. */
#ifndef BPFTUNE_TUNER_H
#define BPFTUNE_TUNER_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>
#include <bpftune/libbpftune.h>
#include "sysctl.h"

struct bpftune_change {
	struct bpftune_change *next;
	unsigned long long cookie;
	char orig[BPFTUNE_VALUE_LEN];
	char cur[BPFTUNE_VALUE_LEN];
	unsigned int nchanges;
	unsigned int *scenario_counts;
	time_t last_log;
	unsigned int suppressed;
	unsigned int last_scenario;
};

struct bpftune_failed {
	struct bpftune_failed *next;
	unsigned long long cookie;
};

struct bpftune_tunable {
	/* bounds in desc are the sysctl's one bound, shared by every tuner
	 * that declares it; decl_* are what this tuner declared */
	struct bpftune_tunable_desc desc;
	long long decl_min[BPFTUNE_MAX_VALUES];
	long long decl_max[BPFTUNE_MAX_VALUES];
	bool absent;
	bool disabled_global; /* an administrator set this global tunable */
	struct bpftune_change *changes;
	/* namespaces where reading/writing failed (logged once); an entry
	 * goes when its namespace does */
	struct bpftune_failed *failed;
	/* changes in namespaces that have since gone (their records are
	 * freed with the namespace; only the counts stay for the summary) */
	unsigned int gone_netns;
	unsigned int gone_changes;
};

#define BPFTUNE_HOOK_VARIANTS 6

struct bpftune_hook {
	char name[BPFTUNE_NAME_LEN];
	enum bpftune_tier tier;
	const char *why; /* when tier is NONE */
	/* variants, best tier first; within a tier, in the object's order
	 * (one per kernel generation of a target, e.g. a renamed function) */
	struct bpf_program *progs[BPFTUNE_HOOK_VARIANTS];
	enum bpftune_tier tiers[BPFTUNE_HOOK_VARIANTS];
	unsigned int nprogs;
	int chosen; /* index in progs, -1 when tier is NONE */
};

struct bpftune_disabled {
	struct bpftune_disabled *next;
	unsigned long long cookie;
};

enum bpftune_tuner_state {
	BPFTUNE_TUNER_INIT,
	BPFTUNE_TUNER_ACTIVE,
	BPFTUNE_TUNER_FAILED,
	BPFTUNE_TUNER_GONE,
};

struct bpftune_strategy_score;
struct bpftune_assess_key;

struct bpftune_helpers; /* tuner_helpers.c */

struct bpftune_tuner {
	struct bpftune_tuner *next;
	char name[BPFTUNE_NAME_LEN];
	char path[PATH_MAX];
	ino_t ino;
	void *handle;
	/* fd the plugin was dlopen()ed through; open while it is loaded,
	 * so that no other plugin gets the same /proc/self/fd/N name (the
	 * dynamic loader would hand back the first library for it) */
	int plugin_fd;
	int (*init)(struct bpftune_tuner *tuner);
	void (*fini)(struct bpftune_tuner *tuner);
	void (*event_handler)(struct bpftune_tuner *tuner,
			      const struct bpftune_event *event);
	void (*summary)(struct bpftune_tuner *tuner);
	enum bpftune_tuner_state state;
	struct bpf_object_skeleton *skeleton;
	struct bpf_object *obj;
	bool attached;
	struct bpftune_hook hooks[BPFTUNE_MAX_HOOKS];
	unsigned int nhooks;
	struct bpf_link *cgroup_links[8];
	unsigned int ncgroup_links;
	struct bpftune_tunable *tunables;
	unsigned int ntunables;
	const struct bpftune_scenario_desc *scenarios;
	unsigned int nscenarios;
	struct bpftune_disabled *disabled;
	/* assessment (assess.c) */
	struct bpftune_measure *measures; /* per scenario, or NULL */
	const char *const *strategies;
	unsigned int nstrategies;
	unsigned int strategy;
	struct bpftune_strategy_score *strategy_scores;
	struct bpftune_assess_key *assess_keys;
	unsigned long long events;
	unsigned long long changes;
	unsigned long long reverts; /* changes put back after assessment */
	const struct bpftune_learned_ops *learned; /* learned.c */
	struct bpftune_helpers *helpers; /* tuner_helpers.c */
	void *priv;
};

struct bpftune_tuner *bpftune_tuner_alloc(const char *name);
struct bpftune_tuner *bpftune_tuners(void);
void bpftune_tuner_add(struct bpftune_tuner *tuner);
void bpftune_tuner_remove(struct bpftune_tuner *tuner);
struct bpftune_tuner *bpftune_tuner_find(const char *name);
const char *bpftune_tuner_state_name(enum bpftune_tuner_state state);
/* Tunable id of a tuner, NULL when out of range. */
struct bpftune_tunable *bpftune_tunable_get(struct bpftune_tuner *tuner,
					    unsigned int id);
/* Find which tuner owns a sysctl name. */
struct bpftune_tunable *bpftune_tunable_by_name(const char *name,
						struct bpftune_tuner **owner);
/* Each of a tuner's sysctls, after the tuner started or went away. */
void bpftune_tuner_bounds_sync(struct bpftune_tuner *tuner);

#endif
