// SPDX-License-Identifier: GPL-2.0
/*
 * route_table, user side: raise net.ipv6.route.max_size in a namespace
 * whose IPv6 destination cache nears it, by the learning rate, never above
 * the safety cap min(INT_MAX, RAM / 4096): at ~256 bytes per cached route,
 * at most 1/16 of memory.
 *
 * Since Linux 6.3 (and in stable kernels that took the change, such as
 * Debian's 6.1.0-56) the kernel no longer enforces max_size: its garbage
 * collector alone bounds the cache.  There is then nothing to tune: the
 * tuner finds this in the kernel's BTF (ip6_dst_gc, the dst_ops gc
 * callback, returns void instead of "cache full") and turns its hook off,
 * which -S reports.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpftune/libbpftune.h>

#include "route_table.h"
#include "route_table.skel.h"

#define ROUTE_TABLE_RAM_PER_ENTRY 4096
#define ROUTE_TABLE_NOT_ENFORCED                                               \
	"this kernel does not enforce net.ipv6.route.max_size (ip6_dst_gc returns void, as since Linux 6.3 and in stable kernels with that change); nothing to tune"

static const struct bpftune_scenario_desc scenarios[] = {
	{ ROUTE_TABLE_NEARLY_FULL, "IPv6 route cache nearly full",
	  "cached IPv6 routes neared net.ipv6.route.max_size, beyond which new ones fail to allocate" },
};

static struct bpftune_tunable_desc tunables[] = {
	{ ROUTE_TABLE_IPV6_MAX_SIZE, "net.ipv6.route.max_size",
	  BPFTUNE_NETNS | BPFTUNE_OPTIONAL, 1, .min = { 1 },
	  .max = { INT_MAX } },
};

struct route_table_state {
	struct route_table_bpf *skel;
	long long cap;
	char cap_why[48];
};

static long long route_table_cap(unsigned long long ram)
{
	unsigned long long cap = ram / ROUTE_TABLE_RAM_PER_ENTRY;

	if (!cap || cap > INT_MAX)
		return INT_MAX;
	return (long long)cap;
}

/* Return type of a FUNC_PROTO (past pointers and typedefs): 0 is void. */
static int proto_ret(unsigned int id)
{
	const struct btf_type *t = bpftune_btf_type(bpftune_btf_resolve(id));

	if (!t || !btf_is_func_proto(t))
		return -1;
	return (int)t->type;
}

/*
 * Does the kernel refuse IPv6 routes beyond max_size?  Up to 6.2 the
 * dst_ops gc callback returns int (non-zero: cache full, allocation
 * fails); since 6.3 it returns void.  Unknown counts as enforced.
 */
static bool max_size_enforced(void)
{
	const struct btf_type *t;
	const struct btf_member *m;
	int id, ret = -1;
	unsigned int i;

	id = bpftune_btf_find("ip6_dst_gc", BTF_KIND_FUNC);
	if (id > 0)
		return proto_ret(bpftune_btf_type(id)->type) != 0;
	id = bpftune_btf_find("dst_ops", BTF_KIND_STRUCT);
	t = id > 0 ? bpftune_btf_type(id) : NULL;
	m = t ? btf_members(t) : NULL;
	for (i = 0; t && i < btf_vlen(t); i++, m++) {
		const char *name = bpftune_btf_name(m->name_off);

		if (name && !strcmp(name, "gc"))
			ret = proto_ret(m->type);
	}
	return ret != 0;
}

int init(struct bpftune_tuner *tuner)
{
	struct route_table_state *st;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	bpftune_tuner_set_priv(tuner, st);
	st->cap = route_table_cap(bpftune_ram_bytes());
	snprintf(st->cap_why, sizeof(st->cap_why), "= min(INT_MAX, RAM/%d)",
		 ROUTE_TABLE_RAM_PER_ENTRY);
	err = bpftune_tunables_declare(tuner, tunables, ARRAY_SIZE(tunables),
				       scenarios, ARRAY_SIZE(scenarios));
	if (err)
		return err;
	bpftune_tunable_set_max(tuner, ROUTE_TABLE_IPV6_MAX_SIZE, 0, st->cap);
	st->skel = bpftune_bpf_open(tuner, route_table_bpf);
	if (!st->skel)
		return -errno ? -errno : -EINVAL;
	if (!max_size_enforced())
		bpftune_hook_disable(tuner, "dst_check", ROUTE_TABLE_NOT_ENFORCED);
	else if (!bpftune_tunable_usable(tuner, ROUTE_TABLE_IPV6_MAX_SIZE,
					 BPFTUNE_GLOBAL_NETNS))
		bpftune_hook_disable(tuner, "dst_check",
				     "IPv6 is disabled (no net.ipv6.route.max_size)");
	return bpftune_bpf_attach(tuner);
}

void fini(struct bpftune_tuner *tuner)
{
	struct route_table_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	route_table_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	struct route_table_state *st = bpftune_tuner_priv(tuner);
	struct bpftune_raise raise = {
		.tunable = ROUTE_TABLE_IPV6_MAX_SIZE,
		.scenario = ROUTE_TABLE_NEARLY_FULL,
		.used = ev->values[ROUTE_TABLE_EV_ENTRIES],
		.cap = st->cap,
		.cap_why = st->cap_why,
	};

	if (ev->scenario == ROUTE_TABLE_NEARLY_FULL)
		bpftune_raise_near_limit(tuner, ev->netns_cookie, &raise,
					 "%llu cached IPv6 routes are",
					 raise.used);
}

BPFTUNE_PLUGIN("route_table", .init = init, .fini = fini,
	       .event_handler = event_handler);
