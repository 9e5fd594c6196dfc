// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and attaching a tuner's BPF skeleton, and the trial loads that
 * check the tier choice of hook_tier.c before the tuner's own copy loads.
 *
 * Whether a choice loads is tried on a second copy of the object (the
 * tuner's own copy can be loaded only once): one trial per tuner loads every
 * chosen program together and attaches the tracing ones; only when that
 * fails is each program tried alone, to find the one to drop.  A dropped
 * program's hook falls to its next tier; a program without tiers is left
 * out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "bpfload.h"
#include "hook_tier.h"
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
	hook = mine ? bpftune_prog_hook(tuner, mine) : NULL;
	return hook && bpftune_hook_can_fall(hook);
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

/* A chosen program did not load or attach: its hook tries the next
 * tier; a program without tiers is left out, so that only the feature it
 * serves is lost, not the whole tuner (bpftune_cgroup_attach skips it). */
static void drop_program(struct bpftune_tuner *tuner, struct bpf_program *prog,
			 bool loaded)
{
	struct bpftune_hook *hook = bpftune_prog_hook(tuner, prog);
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
	bpftune_hook_pick(tuner, hook, hook->chosen + 1);
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
		if (!bpf_program__autoload(prog) || bpftune_prog_hook(tuner, prog))
			continue;
		err = trial_run(tuner, bpf_program__name(prog), failed,
				sizeof(failed));
		if (err)
			drop_program(tuner, prog, err > 0);
	}
	for (i = 0; i < tuner->nhooks; i++) {
		hook = &tuner->hooks[i];
		while (hook->tier != BPFTUNE_TIER_NONE) {
			prog = bpftune_hook_prog(hook);
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
	err = bpftune_hooks_collect(tuner);
	if (err)
		return err;
	for (i = 0; i < tuner->nhooks; i++) {
		tuner->hooks[i].why = "no variant for an available tier";
		bpftune_hook_pick(tuner, &tuner->hooks[i], 0);
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
		if (!bpf_program__autoload(prog) || bpftune_prog_tier(prog) < 0 ||
		    *s->progs[i].link)
			continue;
		link = bpf_program__attach(prog);
		err = libbpf_get_error(link);
		if (!err) {
			*s->progs[i].link = link;
			continue;
		}
		bpf_program__set_autoattach(prog, false);
		hook = bpftune_prog_hook(tuner, prog);
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
	bpftune_hooks_log(tuner);
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
