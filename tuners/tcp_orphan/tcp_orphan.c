// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_orphan, user side.
 *
 * On a connection reset for lack of memory (BPF side), read the orphan
 * count and TCP memory (/proc/net/sockstat, machine-wide) and
 * net.ipv4.tcp_max_orphans (global).  Unless TCP memory is over its hard
 * limit (tcp_mem[2]: then tcp_buffer's business), the reset was "too
 * many orphaned sockets": raise the limit to twice the count (at least
 * one learning-rate step), within a cap from RAM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/btf.h>
#include <bpftune/libbpftune.h>

#include "tcp_orphan.h"
#include "tcp_orphan.skel.h"

#define SOCKSTAT "/proc/net/sockstat"
#define TCP_MEM "/proc/sys/net/ipv4/tcp_mem"	/* read only */

static const struct bpftune_scenario_desc scenarios[] = {
	{ TCP_ORPHAN_TOO_MANY, "too many orphaned sockets",
	  "a closed connection was reset because orphaned sockets reached tcp_max_orphans" },
};

static struct bpftune_tunable_desc tunables[] = {
	{ TCP_ORPHAN_MAX_ORPHANS, "net.ipv4.tcp_max_orphans", BPFTUNE_GLOBAL,
	  1, .min = { 1 }, .max = { TCP_ORPHAN_CAP_FALLBACK } },
};

struct tcp_orphan_state {
	struct tcp_orphan_bpf *skel;
	long long cap;
	bool cap_noted, read_noted;
};

/* Orphans and TCP memory (pages) from the "TCP:" line of sockstat. */
static int sockstat_read(long long *orphans, long long *mem_pages)
{
	char line[256];
	FILE *f = fopen(SOCKSTAT, "r");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *o = strstr(line, " orphan "), *m = strstr(line, " mem ");

		if (strncmp(line, "TCP:", 4) || !o || !m)
			continue;
		if (sscanf(o, " orphan %lld", orphans) == 1 &&
		    sscanf(m, " mem %lld", mem_pages) == 1 && *orphans >= 0 &&
		    *mem_pages >= 0)
			ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* TCP memory above tcp_mem[2]: the reset was for memory, not orphans. */
static bool tcp_memory_over(long long mem_pages)
{
	long long low, pressure, high;
	FILE *f = fopen(TCP_MEM, "r");
	int n;

	if (!f)
		return false;
	n = fscanf(f, "%lld %lld %lld", &low, &pressure, &high);
	fclose(f);
	return n == 3 && mem_pages > high;
}

static void too_many(struct bpftune_tuner *tuner,
		     const struct bpftune_event *ev)
{
	struct tcp_orphan_state *st = bpftune_tuner_priv(tuner);
	unsigned int rate = bpftune_learning_rate();
	long long orphans, mem_pages, cur, next;
	char ns[64];
	int err;

	if (!bpftune_tunable_usable(tuner, TCP_ORPHAN_MAX_ORPHANS,
				    BPFTUNE_GLOBAL_NETNS) ||
	    bpftune_sysctl_get(tuner, BPFTUNE_GLOBAL_NETNS,
			       TCP_ORPHAN_MAX_ORPHANS, &cur))
		return;
	err = sockstat_read(&orphans, &mem_pages);
	if (err) {
		if (!st->read_noted)
			bpftune_warn("%s: cannot read the orphan count from %s: %s",
				     bpftune_tuner_name(tuner), SOCKSTAT,
				     strerror(-err));
		st->read_noted = true;
		return;
	}
	/*
	 * The kernel compares a count it refreshes on a deferrable 100 ms
	 * timer, so it may see more orphans than there are now: the reset
	 * was for orphans unless TCP memory is over tcp_mem[2].
	 */
	if (!bpftune_nearly_full(orphans, cur, rate) &&
	    tcp_memory_over(mem_pages)) {
		bpftune_debug("%s: reset for lack of memory in %s with %lld orphans of %lld: TCP memory, not orphans",
			      bpftune_tuner_name(tuner),
			      bpftune_netns_str(ev->netns_cookie, ns, sizeof(ns)),
			      orphans, cur);
		return;
	}
	if (cur >= st->cap) {
		if (!st->cap_noted)
			bpftune_info("%s: net.ipv4.tcp_max_orphans is at its safety cap (%lld = RAM / 2 / 64 KiB); can no longer grow",
				     bpftune_tuner_name(tuner), st->cap);
		st->cap_noted = true;
		return;
	}
	/*
	 * Twice the orphans: a burst of closes goes on after its first
	 * reset, and each reset loses a connection's data; learning-rate
	 * steps above the count let the burst's later closes be reset too
	 * (measured: 3 resets of 40 closes at 25 % steps, the limit then
	 * still below the count).
	 */
	next = orphans * 2;
	if (next < (long long)bpftune_grow(cur, st->cap, rate))
		next = (long long)bpftune_grow(cur, st->cap, rate);
	if (next > st->cap)
		next = st->cap;
	bpftune_sysctl_update(tuner, BPFTUNE_GLOBAL_NETNS,
			      TCP_ORPHAN_MAX_ORPHANS, &next, ev->scenario,
			      "a connection in %s was reset with %lld orphaned sockets of at most %lld",
			      bpftune_netns_str(ev->netns_cookie, ns, sizeof(ns)),
			      orphans, cur);
}

int init(struct bpftune_tuner *tuner)
{
	struct tcp_orphan_state *st;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	bpftune_tuner_set_priv(tuner, st);
	st->cap = tcp_orphan_cap(bpftune_ram_bytes());
	err = bpftune_tunables_declare(tuner, tunables, ARRAY_SIZE(tunables),
				       scenarios, ARRAY_SIZE(scenarios));
	if (err)
		return err;
	bpftune_tunable_set_max(tuner, TCP_ORPHAN_MAX_ORPHANS, 0, st->cap);
	st->skel = bpftune_bpf_open(tuner, tcp_orphan_bpf);
	if (!st->skel)
		return errno ? -errno : -EINVAL;
	/* before 6.10 only the fexit variant can tell these resets apart */
	if (bpftune_btf_find("sk_rst_reason", BTF_KIND_ENUM) < 0 &&
	    bpftune_hook_tier(tuner, "orphan_reset") != BPFTUNE_TIER_FENTRY)
		bpftune_hook_disable(tuner, "orphan_reset",
				     "resets carry no reason before Linux 6.10, and only fexit sees tcp_check_oom()'s answer");
	return bpftune_bpf_attach(tuner);
}

void fini(struct bpftune_tuner *tuner)
{
	struct tcp_orphan_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	tcp_orphan_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	if (ev->scenario == TCP_ORPHAN_TOO_MANY)
		too_many(tuner, ev);
}

BPFTUNE_PLUGIN("tcp_orphan", .init = init, .fini = fini,
	       .event_handler = event_handler);
