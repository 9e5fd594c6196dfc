// SPDX-License-Identifier: GPL-2.0
/*
 * Opening, tier selection, loading and attaching of a tuner's BPF skeleton.
 *
 * Programs named <hook>__fentry, <hook>__tp and <hook>__kprobe are the
 * variants of one hook.  For each hook we keep the best tier that the
 * kernel allows (support.c), that is not above the --tier cap, and whose
 * target exists in this kernel; the other variants are not loaded.
 * Programs without a tier suffix (sockops, iterators, cgroup programs)
 * are always loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "core.h"

static const char *const tier_names[] = {
	[BPFTUNE_TIER_FENTRY] = "fentry",
	[BPFTUNE_TIER_TRACEPOINT] = "tracepoint",
	[BPFTUNE_TIER_KPROBE] = "kprobe",
	[BPFTUNE_TIER_NONE] = "none",
};

static const char *const tier_suffixes[] = {
	[BPFTUNE_TIER_FENTRY] = "__fentry",
	[BPFTUNE_TIER_TRACEPOINT] = "__tp",
	[BPFTUNE_TIER_KPROBE] = "__kprobe",
};

const char *bpftune_tier_name(enum bpftune_tier tier)
{
	if (tier > BPFTUNE_TIER_NONE)
		return "unknown";
	return tier_names[tier];
}

/* Write a global variable (in .rodata/.data/.bss) before load. */
static int set_global(struct bpf_object *obj, const char *var,
		      const void *value, size_t size)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vsi;
	const struct btf_type *sec, *v;
	struct bpf_map *map;
	unsigned int id, n, i;
	size_t map_size;
	void *data;

	if (!btf)
		return -ENOENT;
	n = btf__type_cnt(btf);
	for (id = 1; id < n; id++) {
		sec = btf__type_by_id(btf, id);
		if (!btf_is_datasec(sec))
			continue;
		vsi = btf_var_secinfos(sec);
		for (i = 0; i < btf_vlen(sec); i++, vsi++) {
			v = btf__type_by_id(btf, vsi->type);
			if (strcmp(btf__name_by_offset(btf, v->name_off), var))
				continue;
			if (vsi->size != size)
				return -EINVAL;
			bpf_object__for_each_map(map, obj) {
				const char *mname = bpf_map__name(map);
				const char *sname =
					btf__name_by_offset(btf, sec->name_off);

				if (!bpf_map__is_internal(map) ||
				    !strstr(mname, sname))
					continue;
				/* libbpf 1.1 returns it const; skeletons write it too */
				data = (void *)bpf_map__initial_value(map,
								      &map_size);
				if (!data || vsi->offset + size > map_size)
					return -EINVAL;
				memcpy((char *)data + vsi->offset, value, size);
				return 0;
			}
		}
	}
	return -ENOENT;
}

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
	return hook;
}

static int program_tier(const char *name, size_t *hook_len)
{
	size_t len = strlen(name), slen;
	int tier;

	for (tier = 0; tier < BPFTUNE_TIER_COUNT; tier++) {
		slen = strlen(tier_suffixes[tier]);
		if (len > slen && !strcmp(name + len - slen, tier_suffixes[tier])) {
			*hook_len = len - slen;
			return tier;
		}
	}
	return -1;
}

static int set_core_globals(struct bpf_object *obj)
{
	__u32 rate = bpftune_cfg.learning_rate, pid = getpid();

	if (set_global(obj, "bpftune_learning_rate", &rate, sizeof(rate)) ||
	    set_global(obj, "bpftune_daemon_pid", &pid, sizeof(pid)))
		return -ENOENT;
	return 0;
}

/*
 * Would the verifier accept this variant?  Load it alone from a fresh copy
 * of the skeleton's embedded object, so that a variant rejected on this
 * kernel (a changed struct layout, a verifier limit) falls back to the next
 * tier instead of failing the whole tuner.
 */
static int trial_load(struct bpftune_tuner *tuner, struct bpf_program *variant)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts,
		    .object_name = tuner->skeleton->name);
	const char *name = bpf_program__name(variant);
	struct bpf_program *prog;
	struct bpf_object *obj;
	int err;

	obj = bpf_object__open_mem(tuner->skeleton->data,
				   tuner->skeleton->data_sz, &opts);
	err = libbpf_get_error(obj);
	if (err)
		return err;
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog),
							name));
	set_core_globals(obj);
	err = bpf_object__load(obj);
	bpf_object__close(obj);
	return err;
}

/*
 * A program without tier variants (sockops, cgroup, iterator) that this
 * kernel refuses is left out, so that only the feature it serves is lost,
 * not the whole tuner; bpftune_cgroup_attach() then skips it.
 */
static void check_untiered(struct bpftune_tuner *tuner,
			   struct bpf_program *prog)
{
	if (!bpf_program__autoload(prog) || !trial_load(tuner, prog))
		return;
	bpf_program__set_autoload(prog, false);
	bpftune_warn("%s: program %s (%s) does not load on this kernel (run with -d for the verifier's reason); what it does is off",
		     tuner->name, bpf_program__name(prog),
		     bpf_program__section_name(prog));
}

static void choose_tier(struct bpftune_tuner *tuner, struct bpftune_hook *hook)
{
	const struct bpftune_support *support = bpftune_support_get();
	int tier;

	hook->tier = BPFTUNE_TIER_NONE;
	hook->why = "no variant for an available tier";
	for (tier = bpftune_cfg.max_tier; tier < BPFTUNE_TIER_COUNT; tier++) {
		struct bpf_program *prog = hook->progs[tier];

		if (!prog)
			continue;
		if (!support->tier_ok[tier])
			continue;
		if (!bpftune_target_exists(tier, bpf_program__section_name(prog))) {
			hook->why = "target not in this kernel";
			bpftune_debug("%s: hook %s: %s target missing (%s)",
				      tuner->name, hook->name,
				      tier_names[tier],
				      bpf_program__section_name(prog));
			continue;
		}
		if (trial_load(tuner, prog)) {
			hook->why = "variant rejected by the verifier";
			bpftune_warn("%s: hook %s: the %s variant does not load on this kernel (run with -d for the verifier's reason); trying the next tier",
				     tuner->name, hook->name, tier_names[tier]);
			continue;
		}
		hook->tier = tier;
		hook->why = NULL;
		break;
	}
	for (tier = 0; tier < BPFTUNE_TIER_COUNT; tier++)
		if (hook->progs[tier] && tier != (int)hook->tier)
			bpf_program__set_autoload(hook->progs[tier], false);
	if (hook->tier == BPFTUNE_TIER_NONE)
		bpftune_warn("%s: hook %s cannot attach on this kernel (%s); what depends on it is off",
			     tuner->name, hook->name, hook->why);
}

int bpftune_bpf_opened(struct bpftune_tuner *tuner,
		       struct bpf_object_skeleton *skeleton,
		       struct bpf_object *obj)
{
	struct bpftune_hook *hook;
	struct bpf_program *prog;
	unsigned int i;
	size_t len;
	int tier;

	tuner->skeleton = skeleton;
	tuner->obj = obj;
	tuner->nhooks = 0;
	if (set_core_globals(obj))
		bpftune_debug("%s: BPF object lacks bpftune globals",
			      tuner->name);
	bpf_object__for_each_program(prog, obj) {
		tier = program_tier(bpf_program__name(prog), &len);
		if (tier < 0) {
			check_untiered(tuner, prog);
			continue;
		}
		hook = hook_get(tuner, bpf_program__name(prog), len);
		if (!hook) {
			bpftune_err("%s: too many hooks", tuner->name);
			return -E2BIG;
		}
		hook->progs[tier] = prog;
	}
	for (i = 0; i < tuner->nhooks; i++)
		choose_tier(tuner, &tuner->hooks[i]);
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

/* The daemon log says which tier each hook really runs at. */
static void log_hook_tiers(struct bpftune_tuner *tuner)
{
	const struct bpftune_hook *hook;
	unsigned int i;

	for (i = 0; i < tuner->nhooks; i++) {
		hook = &tuner->hooks[i];
		if (hook->tier == BPFTUNE_TIER_NONE)
			continue;
		bpftune_info("%s: hook %s attached at tier %s (%s)",
			     tuner->name, hook->name, tier_names[hook->tier],
			     bpf_program__section_name(hook->progs[hook->tier]));
	}
}

void bpftune_hook_disable(struct bpftune_tuner *tuner, const char *name,
			  const char *why)
{
	struct bpftune_hook *hook = NULL;
	unsigned int i;
	int tier;

	for (i = 0; i < tuner->nhooks; i++)
		if (!strcmp(tuner->hooks[i].name, name))
			hook = &tuner->hooks[i];
	if (!hook)
		return;
	for (tier = 0; tier < BPFTUNE_TIER_COUNT; tier++)
		if (hook->progs[tier])
			bpf_program__set_autoload(hook->progs[tier], false);
	hook->tier = BPFTUNE_TIER_NONE;
	hook->why = why;
	if (!bpftune_cfg.support_only)
		bpftune_warn("%s: hook %s is off: %s", tuner->name, name, why);
}

int bpftune_bpf_attach(struct bpftune_tuner *tuner)
{
	struct bpf_map *events;
	int err;

	if (!tuner->skeleton)
		return -EINVAL;
	if (bpftune_cfg.support_only)
		return 0;
	err = bpf_object__load_skeleton(tuner->skeleton);
	if (err) {
		bpftune_err("%s: loading BPF programs failed: %s%s", tuner->name,
			    strerror(-err),
			    err == -EPERM ? " (is the tier refused by this kernel?)" :
					    "");
		return err;
	}
	err = bpf_object__attach_skeleton(tuner->skeleton);
	if (err) {
		bpftune_err("%s: attaching BPF programs failed: %s", tuner->name,
			    strerror(-err));
		return err;
	}
	tuner->attached = true;
	log_hook_tiers(tuner);
	events = bpf_object__find_map_by_name(tuner->obj, "bpftune_events");
	if (!events)
		return 0;
	return bpftune_loop_add_ringbuf(tuner, bpf_map__fd(events));
}

int bpftune_cgroup_attach(struct bpftune_tuner *tuner,
			  struct bpf_program *prog)
{
	struct bpf_link *link;
	int err;

	if (bpftune_cfg.support_only)
		return 0;
	if (!bpf_program__autoload(prog)) {
		bpftune_debug("%s: %s was left out; not attached", tuner->name,
			      bpf_program__name(prog));
		return 0;
	}
	if (bpftune_cfg.cgroup_fd < 0)
		return -EBADF;
	if (tuner->ncgroup_links >= ARRAY_SIZE(tuner->cgroup_links))
		return -E2BIG;
	link = bpf_program__attach_cgroup(prog, bpftune_cfg.cgroup_fd);
	err = libbpf_get_error(link);
	if (err) {
		bpftune_err("%s: attaching %s to cgroup %s failed: %s",
			    tuner->name, bpf_program__name(prog),
			    bpftune_cfg.cgroup_path, strerror(-err));
		return err;
	}
	tuner->cgroup_links[tuner->ncgroup_links++] = link;
	return 0;
}

void bpftune_bpf_detach(struct bpftune_tuner *tuner)
{
	unsigned int i;

	for (i = 0; i < tuner->ncgroup_links; i++)
		bpf_link__destroy(tuner->cgroup_links[i]);
	tuner->ncgroup_links = 0;
	if (tuner->attached && tuner->skeleton)
		bpf_object__detach_skeleton(tuner->skeleton);
	tuner->attached = false;
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
			       hook->name, tier_names[hook->tier],
			       bpf_program__section_name(hook->progs[hook->tier]));
	}
}
