// SPDX-License-Identifier: GPL-2.0
/*
 * What the sysctl tuner relies on: finding the tuner that owns a sysctl,
 * disabling a tunable everywhere or a tuner in one namespace, SIGHUP's
 * re-enable, and forgetting disable entries of namespaces that are gone.
 * Two tuners declaring one sysctl: both are its owners, with one bound.
 */
#include <errno.h>
#include "../../src/core.h"
#include "unit.h"

enum { T_RMEM, T_MEM };

static const struct bpftune_tunable_desc descs[] = {
	{ T_RMEM, "net.ipv4.tcp_rmem", BPFTUNE_NETNS, 3,
	  .min = { 1, 1, 1 }, .max = { 1LL << 30, 1LL << 30, 1LL << 30 } },
	{ T_MEM, "net.ipv4.tcp_mem", BPFTUNE_GLOBAL, 3,
	  .min = { 1, 1, 1 }, .max = { 1LL << 30, 1LL << 30, 1LL << 30 } },
};

/* udp_buffer-like: declares tcp_rmem too, with a tighter max and floor */
static const struct bpftune_tunable_desc shared[] = {
	{ 0, "net.ipv4.tcp_rmem", BPFTUNE_NETNS, 3,
	  .min = { 4096, 1, 1 }, .max = { 1LL << 20, 0, 1LL << 40 } },
};
static const struct bpftune_tunable_desc clash[] = {
	{ 0, "net.ipv4.tcp_rmem", BPFTUNE_GLOBAL, 1, .min = { 1 } },
};

static void test_shared(struct bpftune_tuner *first)
{
	struct bpftune_tuner *second = bpftune_tuner_alloc("second");
	struct bpftune_tuner *third = bpftune_tuner_alloc("third");
	const struct bpftune_tunable_desc *a = &first->tunables[T_RMEM].desc;
	const struct bpftune_tunable_desc *b;
	unsigned int id = 99;

	CHECK(second && third);
	if (!second || !third)
		return;
	bpftune_tuner_add(second);
	CHECK(bpftune_tunables_declare(second, shared, 1, NULL, 0) == 0);
	b = &second->tunables[0].desc;
	/* both own it, in load order */
	CHECK(bpftune_sysctl_owner_nth("net.ipv4.tcp_rmem", 0, &id) == first);
	CHECK_EQ(id, T_RMEM);
	CHECK(bpftune_sysctl_owner_nth("net.ipv4.tcp_rmem", 1, &id) == second);
	CHECK_EQ(id, 0);
	CHECK(bpftune_sysctl_owner_nth("net.ipv4.tcp_rmem", 2, &id) == NULL);
	CHECK(bpftune_sysctl_owner_nth("net.ipv4.tcp_mem", 1, &id) == NULL);
	/* one bound, the tightest of both, per value (max 0: unbounded) */
	CHECK_EQ(a->min[0], 4096);
	CHECK_EQ(b->min[0], 4096);
	CHECK_EQ(a->max[0], 1LL << 20);
	CHECK_EQ(b->max[0], 1LL << 20);
	CHECK_EQ(a->max[1], 1LL << 30);
	CHECK_EQ(b->max[1], 1LL << 30);
	CHECK_EQ(a->max[2], 1LL << 30);
	CHECK_EQ(b->max[2], 1LL << 30);
	/* a cap set later (from RAM at init) moves the shared bound too */
	CHECK(bpftune_tunable_set_max(first, T_RMEM, 0, 1LL << 19) == 0);
	CHECK_EQ(b->max[0], 1LL << 19);
	/* a declaration of another shape is refused */
	bpftune_tuner_add(third);
	CHECK(bpftune_tunables_declare(third, clash, 1, NULL, 0) == -EINVAL);
	bpftune_tuner_remove(third);
	bpftune_tuner_free(third);
	/* once the second is gone, the first's own bounds apply again */
	bpftune_tuner_remove(second);
	bpftune_tuner_free(second);
	CHECK_EQ(a->min[0], 1);
	CHECK_EQ(a->max[0], 1LL << 19);
	CHECK_EQ(a->max[2], 1LL << 30);
	CHECK(bpftune_tunable_set_max(first, T_RMEM, 0, 1LL << 30) == 0);
}

int main(void)
{
	struct bpftune_tuner *tuner = bpftune_tuner_alloc("owner_test");
	struct bpftune_tuner *other = bpftune_tuner_alloc("other");
	unsigned long long ns_a = 1001, ns_b = 1002;
	unsigned int id = 99;

	CHECK(tuner && other);
	if (!tuner || !other)
		return unit_report();
	bpftune_log_init(true, false);
	CHECK(bpftune_tunables_declare(tuner, descs, 2, NULL, 0) == 0);
	bpftune_tuner_add(other); /* owns nothing: must be skipped */
	bpftune_tuner_add(tuner);

	CHECK(bpftune_sysctl_owner("net.ipv4.tcp_rmem", &id) == tuner);
	CHECK_EQ(id, T_RMEM);
	CHECK(bpftune_sysctl_owner("net.ipv4.tcp_mem", &id) == tuner);
	CHECK_EQ(id, T_MEM);
	CHECK(bpftune_sysctl_owner("net.ipv4.tcp_wmem", &id) == NULL);
	CHECK(bpftune_sysctl_owner("net.ipv4.tcp_rmem", NULL) == tuner);
	CHECK_EQ(bpftune_tunable_flags(tuner, T_RMEM), BPFTUNE_NETNS);
	CHECK_EQ(bpftune_tunable_flags(tuner, T_MEM), BPFTUNE_GLOBAL);
	CHECK_EQ(bpftune_tunable_flags(tuner, 7), 0);
	test_shared(tuner);

	/* a global tunable: off everywhere, the other tunable untouched */
	CHECK(bpftune_tunable_usable(tuner, T_MEM, BPFTUNE_GLOBAL_NETNS));
	bpftune_tunable_disable(tuner, T_MEM, "unit test");
	bpftune_tunable_disable(tuner, 7, "out of range: ignored");
	CHECK(!bpftune_tunable_usable(tuner, T_MEM, BPFTUNE_GLOBAL_NETNS));
	CHECK(!bpftune_tunable_usable(tuner, T_MEM, ns_a));
	CHECK(bpftune_tunable_usable(tuner, T_RMEM, ns_a));

	/* one namespace: off there only */
	bpftune_netns_disable(tuner, ns_a, "unit test");
	CHECK(!bpftune_tunable_usable(tuner, T_RMEM, ns_a));
	CHECK(bpftune_tunable_usable(tuner, T_RMEM, ns_b));
	CHECK(bpftune_netns_enabled(other, ns_a));

	/* SIGHUP */
	bpftune_tuner_enable_all();
	CHECK(bpftune_tunable_usable(tuner, T_MEM, BPFTUNE_GLOBAL_NETNS));
	CHECK(bpftune_tunable_usable(tuner, T_RMEM, ns_a));

	/* a namespace that is gone leaves no disable entry behind */
	bpftune_netns_disable(tuner, ns_a, "unit test");
	bpftune_netns_disable(tuner, ns_b, "unit test");
	bpftune_tuners_netns_gone(ns_a);
	CHECK(bpftune_netns_enabled(tuner, ns_a));
	CHECK(!bpftune_netns_enabled(tuner, ns_b));
	CHECK(tuner->disabled && !tuner->disabled->next);

	bpftune_tuner_remove(tuner);
	bpftune_tuner_remove(other);
	bpftune_tuner_free(tuner);
	bpftune_tuner_free(other);
	return unit_report();
}
