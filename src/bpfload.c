// SPDX-License-Identifier: GPL-2.0
/*
 * Opening, tier selection, loading and attaching of a tuner's BPF skeleton.
 *
 * Programs named <hook>__<variant> whose section is a tracing one are the
 * variants of one hook; the section says the tier (fentry, fexit and lsm:
 * fentry; tp_btf, raw_tp and tracepoint: tracepoint; kprobe and kretprobe:
 * kprobe), not the name.  For each hook we keep the best tier that the
 * kernel allows (support.c), that is not above the --tier cap, whose target
 * exists in this kernel, and that loads and attaches; the other variants
 * are not loaded.  Other programs (sockops, iterators, cgroup programs)
 * are loaded unless this kernel refuses them.
 *
 * Whether a choice loads is tried on a second copy of the object (the
 * tuner's own copy can be loaded only once): one trial per tuner loads every
 * chosen program together and attaches the tracing ones; only when that
 * fails is each program tried alone, to find the one to drop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "bpfload.h"
#include "log.h"
#include "options.h"
#include "support.h"

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
	hook->chosen = -1;
	return hook;
}

/* The tier a program's section puts it in; -1 for untiered programs. */
static int program_tier(const struct bpf_program *prog)
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

static struct bpftune_hook *prog_hook(struct bpftune_tuner *tuner,
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
static struct bpf_program *hook_prog(const struct bpftune_hook *hook)
{
	return hook->chosen < 0 ? NULL : hook->progs[hook->chosen];
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
 * The verifier's log of a failed trial.  Given to libbpf, so that a
 * failure does not make it allocate its own 16 MiB buffer; printed with -d.
 */
static char trial_log[64 * 1024];

/*
 * A second copy of the tuner's object, with the core's globals, that
 * loads only the program named only, or else what the tuner's copy loads.
 */
static struct bpf_object *trial_open(struct bpftune_tuner *tuner,
				     const char *only)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts,
		    .object_name = tuner->skeleton->name,
		    .kernel_log_buf = trial_log,
		    .kernel_log_size = sizeof(trial_log));
	struct bpf_program *prog, *mine;
	struct bpf_object *obj;
	const char *name;
	bool load;

	obj = bpf_object__open_mem(tuner->skeleton->data,
				   tuner->skeleton->data_sz, &opts);
	if (libbpf_get_error(obj))
		return NULL;
	bpf_object__for_each_program(prog, obj) {
		name = bpf_program__name(prog);
		if (only) {
			load = !strcmp(name, only);
		} else {
			mine = bpf_object__find_program_by_name(tuner->obj, name);
			load = mine && bpf_program__autoload(mine);
		}
		bpf_program__set_autoload(prog, load);
	}
	set_core_globals(obj);
	return obj;
}

/* Is there another variant after the chosen one this hook could use? */
static bool hook_can_fall(const struct bpftune_hook *hook)
{
	unsigned int v;

	for (v = hook->chosen + 1; v < hook->nprogs; v++)
		if (bpftune_tier_allowed(hook->tiers[v]))
			return true;
	return false;
}

/*
 * Should the trial attach this program?  Only where failing to attach
 * leads to another tier: detaching a tracepoint or kprobe link waits for
 * the kernel to quiesce (~80 ms here), too slow to do for every program.
 * Elsewhere the real attach (bpftune_bpf_attach) turns a failing hook off.
 */
static bool trial_attaches(struct bpftune_tuner *tuner,
			   const struct bpf_program *prog)
{
	struct bpf_program *mine;
	struct bpftune_hook *hook;

	mine = bpf_object__find_program_by_name(tuner->obj,
						bpf_program__name(prog));
	hook = mine ? prog_hook(tuner, mine) : NULL;
	return hook && hook_can_fall(hook);
}

/*
 * Load a trial copy, attach those of its programs that have a fallback,
 * and detach them again.  Returns 0; <0 when it did not load; 1 when the
 * program named in failed did not attach.
 */
static int trial_run(struct bpftune_tuner *tuner, const char *only,
		     char *failed, size_t len)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_link *link;
	int err;

	trial_log[0] = '\0';
	obj = trial_open(tuner, only);
	if (!obj)
		return -ENOMEM;
	err = bpf_object__load(obj);
	if (err) {
		if (only && trial_log[0])
			bpftune_debug("%s: %s: the verifier says:\n%s",
				      tuner->name, only, trial_log);
		goto out;
	}
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog) || !trial_attaches(tuner, prog))
			continue;
		link = bpf_program__attach(prog);
		if (libbpf_get_error(link)) {
			bpftune_debug("%s: %s: attach failed: %s", tuner->name,
				      bpf_program__name(prog),
				      strerror(-libbpf_get_error(link)));
			snprintf(failed, len, "%s", bpf_program__name(prog));
			err = 1;
			break;
		}
		bpf_link__destroy(link);
	}
out:
	bpf_object__close(obj);
	return err;
}

/*
 * The first variant from index `from` on whose tier is allowed, available
 * and whose target exists in this kernel; the others are not loaded.
 */
static void hook_pick(struct bpftune_tuner *tuner, struct bpftune_hook *hook,
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

/* A chosen program did not load or attach: its hook tries the next
 * tier; a program without tiers is left out, so that only the feature it
 * serves is lost, not the whole tuner (bpftune_cgroup_attach skips it). */
static void drop_program(struct bpftune_tuner *tuner, struct bpf_program *prog,
			 bool loaded)
{
	struct bpftune_hook *hook = prog_hook(tuner, prog);
	const char *what = loaded ? "attach" : "load";

	if (!hook) {
		bpf_program__set_autoload(prog, false);
		bpftune_warn("%s: program %s (%s) does not %s on this kernel (run with -d for the verifier's reason); what it does is off",
			     tuner->name, bpf_program__name(prog),
			     bpf_program__section_name(prog), what);
		return;
	}
	bpftune_warn("%s: hook %s: the %s variant does not %s on this kernel (run with -d for the verifier's reason); trying the next tier",
		     tuner->name, hook->name, bpftune_tier_name(hook->tier), what);
	hook->why = loaded ? "variant failed to attach" :
			     "variant rejected by the verifier";
	hook_pick(tuner, hook, hook->chosen + 1);
}

/* The whole choice did not load: try each chosen program alone. */
static void isolate(struct bpftune_tuner *tuner)
{
	struct bpf_program *prog;
	struct bpftune_hook *hook;
	char failed[BPFTUNE_NAME_LEN];
	unsigned int i;
	int err;

	bpf_object__for_each_program(prog, tuner->obj) {
		if (!bpf_program__autoload(prog) || prog_hook(tuner, prog))
			continue;
		err = trial_run(tuner, bpf_program__name(prog), failed,
				sizeof(failed));
		if (err)
			drop_program(tuner, prog, err > 0);
	}
	for (i = 0; i < tuner->nhooks; i++) {
		hook = &tuner->hooks[i];
		while (hook->tier != BPFTUNE_TIER_NONE) {
			prog = hook_prog(hook);
			err = trial_run(tuner, bpf_program__name(prog), failed,
					sizeof(failed));
			if (!err)
				break;
			drop_program(tuner, prog, err > 0);
		}
	}
}

/*
 * Does what was chosen load and attach?  One trial of everything; a
 * program that does not attach is dropped (its hook falls to the next
 * tier) and the trial repeated; when loading fails, each program is tried
 * alone.
 */
static void verify_choice(struct bpftune_tuner *tuner)
{
	char failed[BPFTUNE_NAME_LEN];
	struct bpf_program *prog;
	int round, err;

	for (round = 0; round < BPFTUNE_MAX_HOOKS * BPFTUNE_TIER_COUNT; round++) {
		err = trial_run(tuner, NULL, failed, sizeof(failed));
		if (err <= 0)
			break;
		prog = bpf_object__find_program_by_name(tuner->obj, failed);
		if (!prog)
			break;
		drop_program(tuner, prog, true);
	}
	if (err < 0)
		isolate(tuner);
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

static int hooks_collect(struct bpftune_tuner *tuner)
{
	struct bpftune_hook *hook;
	struct bpf_program *prog;
	const char *name;
	size_t len;
	int tier;

	bpf_object__for_each_program(prog, tuner->obj) {
		name = bpf_program__name(prog);
		tier = program_tier(prog);
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

int bpftune_bpf_opened(struct bpftune_tuner *tuner,
		       struct bpf_object_skeleton *skeleton,
		       struct bpf_object *obj)
{
	struct bpftune_hook *hook;
	unsigned int i;
	int err;

	tuner->skeleton = skeleton;
	tuner->obj = obj;
	tuner->nhooks = 0;
	if (set_core_globals(obj))
		bpftune_debug("%s: BPF object lacks bpftune globals",
			      tuner->name);
	err = hooks_collect(tuner);
	if (err)
		return err;
	for (i = 0; i < tuner->nhooks; i++) {
		tuner->hooks[i].why = "no variant for an available tier";
		hook_pick(tuner, &tuner->hooks[i], 0);
	}
	verify_choice(tuner);
	for (i = 0; i < tuner->nhooks; i++) {
		hook = &tuner->hooks[i];
		if (hook->tier == BPFTUNE_TIER_NONE)
			bpftune_warn("%s: hook %s cannot attach on this kernel (%s); what depends on it is off",
				     tuner->name, hook->name, hook->why);
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
static void log_hook_tiers(struct bpftune_tuner *tuner)
{
	const struct bpftune_hook *hook;
	unsigned int i;

	for (i = 0; i < tuner->nhooks; i++) {
		hook = &tuner->hooks[i];
		if (hook->tier == BPFTUNE_TIER_NONE)
			continue;
		bpftune_info("%s: hook %s attached at tier %s (%s)",
			     tuner->name, hook->name, bpftune_tier_name(hook->tier),
			     bpf_program__section_name(hook_prog(hook)));
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

/*
 * Attach the tracing programs one by one, so that one the kernel refuses
 * turns its hook (or, untiered, itself) off instead of failing the whole
 * tuner; libbpf then attaches the rest and skips links already set.
 */
static void attach_tracing(struct bpftune_tuner *tuner)
{
	struct bpf_object_skeleton *s = tuner->skeleton;
	struct bpftune_hook *hook;
	struct bpf_program *prog;
	struct bpf_link *link;
	int i, err;

	for (i = 0; i < s->prog_cnt; i++) {
		prog = *s->progs[i].prog;
		if (!bpf_program__autoload(prog) || program_tier(prog) < 0 ||
		    *s->progs[i].link)
			continue;
		link = bpf_program__attach(prog);
		err = libbpf_get_error(link);
		if (!err) {
			*s->progs[i].link = link;
			continue;
		}
		bpf_program__set_autoattach(prog, false);
		hook = prog_hook(tuner, prog);
		bpftune_warn("%s: %s %s (%s) does not attach on this kernel: %s; what depends on it is off",
			     tuner->name, hook ? "hook" : "program",
			     hook ? hook->name : bpf_program__name(prog),
			     bpf_program__section_name(prog), strerror(-err));
		if (!hook)
			continue;
		hook->tier = BPFTUNE_TIER_NONE;
		hook->why = "variant failed to attach";
	}
}

int bpftune_bpf_attach(struct bpftune_tuner *tuner)
{
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
	attach_tracing(tuner);
	err = bpf_object__attach_skeleton(tuner->skeleton);
	if (err) {
		bpftune_err("%s: attaching BPF programs failed: %s", tuner->name,
			    strerror(-err));
		return err;
	}
	tuner->attached = true;
	log_hook_tiers(tuner);
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
			       hook->name, bpftune_tier_name(hook->tier),
			       bpf_program__section_name(hook_prog(hook)));
	}
}
