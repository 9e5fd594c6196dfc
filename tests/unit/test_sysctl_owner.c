// SPDX-License-Identifier: GPL-2.0
/*
 * What the sysctl tuner relies on: finding the tuner that owns a sysctl,
 * disabling a tunable everywhere or a tuner in one namespace, SIGHUP's
 * re-enable, and forgetting disable entries of namespaces that are gone.
 */
#include "../../src/core.h"
#include "unit.h"

enum { T_RMEM, T_MEM };

static const struct bpftune_tunable_desc descs[] = {
	{ T_RMEM, "net.ipv4.tcp_rmem", BPFTUNE_NETNS, 3,
	  .min = { 1, 1, 1 }, .max = { 1LL << 30, 1LL << 30, 1LL << 30 } },
	{ T_MEM, "net.ipv4.tcp_mem", BPFTUNE_GLOBAL, 3,
	  .min = { 1, 1, 1 }, .max = { 1LL << 30, 1LL << 30, 1LL << 30 } },
};

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
