// SPDX-License-Identifier: GPL-2.0
/*
 * What does this kernel allow?  Each attach tier is probed by really
 * loading and attaching a tiny program, because what matters is what the
 * kernel accepts (fentry may exist and still be refused, as under some
 * lockdown or LSM policies).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "core.h"
#include "probe.skel.h"

static struct bpftune_support support_state;
static struct btf *vmlinux_btf;

const struct bpftune_support *bpftune_support_get(void)
{
	return &support_state;
}

static int probe_one(const char *prog_name, bool attach, char *why,
		     size_t len)
{
	struct probe_bpf *skel;
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	skel = probe_bpf__open();
	if (!skel) {
		snprintf(why, len, "cannot open probe object: %s",
			 strerror(errno));
		return -errno;
	}
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog),
							prog_name));
	err = probe_bpf__load(skel);
	if (err) {
		snprintf(why, len, "load refused: %s", strerror(-err));
		goto out;
	}
	if (!attach)
		goto out;
	prog = bpf_object__find_program_by_name(skel->obj, prog_name);
	link = bpf_program__attach(prog);
	err = libbpf_get_error(link);
	if (err) {
		snprintf(why, len, "attach refused: %s", strerror(-err));
		goto out;
	}
	bpf_link__destroy(link);
out:
	probe_bpf__destroy(skel);
	return err;
}

static void ensure_tracefs(void)
{
	struct stat st;

	if (!stat("/sys/kernel/tracing/events", &st))
		return;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		bpftune_debug("tracefs not mounted and cannot mount it: %s",
			      strerror(errno));
}

int bpftune_support_probe(struct bpftune_support *s)
{
	static const char *const progs[BPFTUNE_TIER_COUNT] = {
		[BPFTUNE_TIER_FENTRY] = "probe_fentry",
		[BPFTUNE_TIER_TRACEPOINT] = "probe_tp",
		[BPFTUNE_TIER_KPROBE] = "probe_kprobe",
	};
	const struct btf_type *net;
	char why[128];
	int tier, err, id;

	memset(s, 0, sizeof(*s));
	s->best = BPFTUNE_TIER_NONE;
	bpftune_cap_raise();
	if (!vmlinux_btf) {
		vmlinux_btf = btf__load_vmlinux_btf();
		err = libbpf_get_error(vmlinux_btf);
		if (err) {
			vmlinux_btf = NULL;
			bpftune_err("cannot read kernel BTF (/sys/kernel/btf/vmlinux): %s; "
				    "either the kernel lacks CONFIG_DEBUG_INFO_BTF or this libbpf (%s) is too old to parse it",
				    strerror(-err), libbpf_version_string());
		}
	}
	s->btf = vmlinux_btf != NULL;
	ensure_tracefs();
	for (tier = 0; tier < BPFTUNE_TIER_COUNT && s->btf; tier++) {
		if (tier == BPFTUNE_TIER_KPROBE &&
		    access("/sys/bus/event_source/devices/kprobe/type", R_OK)) {
			snprintf(s->tier_why[tier], sizeof(s->tier_why[tier]),
				 "kernel has no kprobes (CONFIG_KPROBES off)");
			continue;
		}
		err = probe_one(progs[tier], true, why, sizeof(why));
		s->tier_ok[tier] = !err;
		snprintf(s->tier_why[tier], sizeof(s->tier_why[tier]), "%s",
			 err ? why : "works");
		if (!err && s->best == BPFTUNE_TIER_NONE)
			s->best = tier;
	}
	if (s->btf) {
		id = btf__find_by_name_kind(vmlinux_btf, "net", BTF_KIND_STRUCT);
		net = id > 0 ? btf__type_by_id(vmlinux_btf, id) : NULL;
		s->netns_cookie = net && !probe_one("probe_netns_cookie", false,
						    why, sizeof(why));
	}
	bpftune_cap_lower();
	support_state = *s;
	return bpftune_support_effective(s) == BPFTUNE_TIER_NONE ? -ENOTSUP : 0;
}

static bool kallsyms_has(const char *func)
{
	char line[512], sym[256], type;
	bool found = false;
	FILE *f;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %c %255s", &type, sym) != 2)
			continue;
		found = (type == 't' || type == 'T') && !strcmp(sym, func);
	}
	fclose(f);
	return found;
}

static bool btf_has(const char *name, int kind)
{
	return vmlinux_btf && btf__find_by_name_kind(vmlinux_btf, name, kind) > 0;
}

bool bpftune_target_exists(enum bpftune_tier tier, const char *section)
{
	const char *target = strchr(section, '/');
	char buf[PATH_MAX];

	if (!target)
		return false;
	target++;
	switch (tier) {
	case BPFTUNE_TIER_FENTRY:
		return btf_has(target, BTF_KIND_FUNC);
	case BPFTUNE_TIER_TRACEPOINT:
		if (!strncmp(section, "tracepoint/", 11)) {
			snprintf(buf, sizeof(buf), "/sys/kernel/tracing/events/%s",
				 target);
			return access(buf, F_OK) == 0;
		}
		snprintf(buf, sizeof(buf), "btf_trace_%s", target);
		return btf_has(buf, BTF_KIND_TYPEDEF);
	case BPFTUNE_TIER_KPROBE:
		return kallsyms_has(target);
	default:
		return false;
	}
}

/* Best tier that is available and allowed by --tier. */
enum bpftune_tier bpftune_support_effective(const struct bpftune_support *s)
{
	int tier;

	for (tier = bpftune_cfg.max_tier; tier < BPFTUNE_TIER_COUNT; tier++)
		if (s->tier_ok[tier])
			return tier;
	return BPFTUNE_TIER_NONE;
}

void bpftune_support_print(const struct bpftune_support *s)
{
	enum bpftune_tier best = bpftune_support_effective(s);
	int tier;

	if (!s->btf)
		printf("bpftune is not supported: kernel BTF is missing or unreadable by libbpf %s\n",
		       libbpf_version_string());
	else if (best == BPFTUNE_TIER_FENTRY)
		printf("bpftune works fully\n");
	else if (best == BPFTUNE_TIER_TRACEPOINT)
		printf("bpftune works in tracepoint mode (fentry unavailable or capped; tracepoints are used)\n");
	else if (best == BPFTUNE_TIER_KPROBE)
		printf("bpftune works in legacy mode\n");
	else
		printf("bpftune is not supported: no attach tier works on this kernel\n");
	if (s->netns_cookie)
		printf("bpftune supports per-netns policy (via netns cookie)\n");
	else
		printf("bpftune does not support per-netns policy (no netns cookie)\n");
	for (tier = 0; tier < BPFTUNE_TIER_COUNT; tier++)
		printf("tier %s: %s%s\n", bpftune_tier_name(tier),
		       s->tier_ok[tier] ? "available" : "unavailable: ",
		       s->tier_ok[tier] ? "" : s->tier_why[tier]);
	if (bpftune_cfg.max_tier != BPFTUNE_TIER_FENTRY)
		printf("tier capped at %s (--tier)\n",
		       bpftune_tier_name(bpftune_cfg.max_tier));
}
