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
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/btf.h>
#include <bpf/libbpf.h>

#include "caps.h"
#include "log.h"
#include "options.h"
#include "support.h"
#include "probe.skel.h"

static struct bpftune_support support_state;

/*
 * The kernel's BTF, only to ask whether a function, tracepoint or struct
 * exists.  libbpf 1.1 can only parse it into a private copy (5.5 MB here,
 * twice over while parsing), so the raw bytes are mapped read-only instead
 * (Linux >= 6.16; that memory is the kernel's and costs this process
 * nothing) or, where the kernel cannot map it, read once.  Names are then
 * found by walking the type records.
 */
#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

static struct {
	const unsigned char *data;
	size_t size;
	bool mapped;
	const struct btf_header *hdr;
} vmlinux;

static const char *const tier_names[] = {
	[BPFTUNE_TIER_FENTRY] = "fentry",
	[BPFTUNE_TIER_TRACEPOINT] = "tracepoint",
	[BPFTUNE_TIER_KPROBE] = "kprobe",
	[BPFTUNE_TIER_NONE] = "none",
};

const char *bpftune_tier_name(enum bpftune_tier tier)
{
	if (tier > BPFTUNE_TIER_NONE)
		return "unknown";
	return tier_names[tier];
}

const struct bpftune_support *bpftune_support_get(void)
{
	return &support_state;
}

static int vmlinux_btf_check(void)
{
	const struct btf_header *h = (const void *)vmlinux.data;
	unsigned long long types_end, strs_end;

	if (vmlinux.size < sizeof(*h) || h->magic != BTF_MAGIC ||
	    h->hdr_len < sizeof(*h) || h->hdr_len > vmlinux.size)
		return -EINVAL;
	types_end = (unsigned long long)h->hdr_len + h->type_off + h->type_len;
	strs_end = (unsigned long long)h->hdr_len + h->str_off + h->str_len;
	if (types_end > vmlinux.size || strs_end > vmlinux.size || !h->str_len ||
	    vmlinux.data[strs_end - 1] != '\0')
		return -EINVAL;
	vmlinux.hdr = h;
	return 0;
}

static int vmlinux_btf_read(int fd, size_t size)
{
	unsigned char *buf = malloc(size);
	size_t got = 0;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n <= 0) {
			free(buf);
			return n < 0 ? -errno : -EIO;
		}
		got += n;
	}
	vmlinux.data = buf;
	return 0;
}

static void vmlinux_btf_close(void)
{
	if (vmlinux.mapped)
		munmap((void *)vmlinux.data, vmlinux.size);
	else
		free((void *)vmlinux.data);
	memset(&vmlinux, 0, sizeof(vmlinux));
}

static int vmlinux_btf_open(void)
{
	struct stat st;
	void *map;
	int fd, err;

	fd = open(VMLINUX_BTF, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size <= 0) {
		close(fd);
		return -EINVAL;
	}
	vmlinux.size = st.st_size;
	map = mmap(NULL, vmlinux.size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map != MAP_FAILED) {
		vmlinux.data = map;
		vmlinux.mapped = true;
		err = 0;
	} else {
		err = vmlinux_btf_read(fd, vmlinux.size);
	}
	close(fd);
	if (!err)
		err = vmlinux_btf_check();
	if (err)
		vmlinux_btf_close();
	return err;
}

/*
 * Start-up is over: a copy of the BTF read into memory (where the kernel
 * cannot map it) is freed, and read again if a tuner appears later.  A
 * mapping costs nothing and stays.
 */
void bpftune_support_release(void)
{
	if (vmlinux.data && !vmlinux.mapped)
		vmlinux_btf_close();
}

/* The kernel's BTF (mapped or read, see above); NULL if unreadable. */
const struct btf_header *bpftune_vmlinux_btf(void)
{
	if (!vmlinux.hdr && vmlinux_btf_open())
		return NULL;
	return vmlinux.hdr;
}

/* Bytes of type data that follow a struct btf_type of this kind. */
size_t bpftune_btf_extra(const struct btf_type *t)
{
	unsigned int vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return vlen * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return vlen * sizeof(struct btf_var_secinfo);
	default:
		return 0;
	}
}

/* Is there a type of this kind and name in the kernel's BTF? */
static bool btf_has(const char *name, unsigned int kind)
{
	const struct btf_header *h = vmlinux.hdr;
	const unsigned char *p, *end;
	const struct btf_type *t;
	const char *strs;

	if (!h && (vmlinux_btf_open() || !(h = vmlinux.hdr)))
		return false;
	p = vmlinux.data + h->hdr_len + h->type_off;
	end = p + h->type_len;
	strs = (const char *)vmlinux.data + h->hdr_len + h->str_off;
	while (p + sizeof(*t) <= end) {
		t = (const void *)p;
		if (BTF_INFO_KIND(t->info) == kind && t->name_off < h->str_len &&
		    !strcmp(strs + t->name_off, name))
			return true;
		p += sizeof(*t) + bpftune_btf_extra(t);
	}
	return false;
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
	char why[128];
	int tier, err;

	memset(s, 0, sizeof(*s));
	s->best = BPFTUNE_TIER_NONE;
	bpftune_cap_raise();
	if (!vmlinux.data) {
		err = vmlinux_btf_open();
		if (err)
			bpftune_err("cannot read kernel BTF (" VMLINUX_BTF "): %s; "
				    "the kernel lacks CONFIG_DEBUG_INFO_BTF?",
				    strerror(-err));
	}
	s->btf = vmlinux.data != NULL;
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
	if (s->btf)
		s->netns_cookie = btf_has("net", BTF_KIND_STRUCT) &&
				  !probe_one("probe_netns_cookie", false, why,
					     sizeof(why));
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
