// SPDX-License-Identifier: GPL-2.0
/*
 * The tuner helper layer (src/tuner_helpers.c, src/btf.c): raising a
 * nearly full limit (not near it, near it, forced, at least, every value,
 * at its cap: said once), per-namespace state (allocated once, zeroed,
 * freed when a real namespace dies), text reads, and the kernel's BTF.
 * Changes are made in dry-run mode: logged and recorded, never written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/btf.h>
#include <bpf/btf.h>
#include "../../src/core.h"
#include "unit.h"
#include "netns_child.h"

enum { T_TW, T_RMEM };

static const struct bpftune_tunable_desc descs[] = {
	{ T_TW, "net.ipv4.tcp_max_tw_buckets", BPFTUNE_NETNS, 1,
	  .min = { 1 }, .max = { 1LL << 40 } },
	{ T_RMEM, "net.ipv4.tcp_rmem", BPFTUNE_NETNS, 3,
	  .min = { 1, 1, 1 }, .max = { 1LL << 40, 1LL << 40, 1LL << 40 } },
};

static FILE *log_file; /* stderr, where the core logs, goes here */

static bool logged(const char *text)
{
	char line[1024];
	bool found = false;

	fflush(stderr);
	rewind(log_file);
	while (!found && fgets(line, sizeof(line), log_file))
		found = strstr(line, text) != NULL;
	fseek(log_file, 0, SEEK_END);
	return found;
}

static unsigned int count_logged(const char *text)
{
	char line[1024];
	unsigned int n = 0;

	fflush(stderr);
	rewind(log_file);
	while (fgets(line, sizeof(line), log_file))
		n += strstr(line, text) != NULL;
	fseek(log_file, 0, SEEK_END);
	return n;
}

static void test_raise(struct bpftune_tuner *tuner)
{
	unsigned int rate = bpftune_learning_rate();
	struct bpftune_raise r = { .tunable = T_TW, .scenario = 0 };
	long long tw;
	char want[160];

	CHECK(bpftune_sysctl_get(tuner, 0, T_TW, &tw) == 0);
	/* far from the limit: nothing */
	r.used = 0;
	CHECK_EQ(bpftune_raise_near_limit(tuner, 0, &r, "%d sockets are", 0), 0);
	CHECK(r.cur[0] == tw);
	/* near it: one learning-rate step, reason with the core's clause */
	r.used = tw;
	CHECK_EQ(bpftune_raise_near_limit(tuner, 0, &r, "%lld sockets are", tw), 1);
	CHECK(r.next[0] == (long long)bpftune_grow(tw, 1LL << 40, rate));
	snprintf(want, sizeof(want),
		 "because %lld sockets are within %llu%% of net.ipv4.tcp_max_tw_buckets (%lld)",
		 tw, (unsigned long long)bpftune_rate_pct(rate), tw);
	CHECK(logged(want));
	/* forced (the caller saw the limit hit), to at least a value */
	memset(&r, 0, sizeof(r));
	r.tunable = T_TW;
	r.force = true;
	r.at_least = tw * 4;
	CHECK_EQ(bpftune_raise_near_limit(tuner, 0, &r, "forced"), 1);
	CHECK(r.next[0] == tw * 4);
	/* (a second change within the log window is coalesced: the record) */
	snprintf(want, sizeof(want), "%lld", tw * 4);
	CHECK(!strcmp(tuner->tunables[T_TW].changes->cur, want));
	/* at least, but within the cap */
	r.cap = tw * 2;
	CHECK_EQ(bpftune_raise_check(tuner, 0, &r), 1);
	CHECK(r.next[0] == tw * 2);
	/* at the cap: nothing, said once */
	r.cap = tw;
	CHECK_EQ(bpftune_raise_check(tuner, 0, &r), 0);
	CHECK_EQ(bpftune_raise_check(tuner, 0, &r), 0);
	snprintf(want, sizeof(want),
		 "helpers_test: net.ipv4.tcp_max_tw_buckets is at its safety cap (%lld) in global netns; can no longer grow",
		 tw);
	CHECK_EQ(count_logged(want), 1);
	/* the same note from the tuner's own words is not said again... */
	CHECK(!bpftune_note_capped(tuner, 0, T_TW, "again"));
	/* ...until the bound moves */
	bpftune_capped_reset(tuner, 0, T_TW);
	CHECK(bpftune_note_capped(tuner, 0, T_TW, "tw bound moved"));
	CHECK(logged("helpers_test: tw bound moved"));
	/* a bad index is refused */
	r.index = 1;
	CHECK(bpftune_raise_check(tuner, 0, &r) < 0);
}

static void test_raise_every_value(struct bpftune_tuner *tuner)
{
	struct bpftune_raise r = { .tunable = T_RMEM, .index = 2 };
	long long cur[3];
	unsigned int i;

	CHECK(bpftune_sysctl_get(tuner, 0, T_RMEM, cur) == 0);
	r.used = cur[2];
	CHECK_EQ(bpftune_raise_check(tuner, 0, &r), 1);
	/* only [2] grows... */
	CHECK(r.next[0] == cur[0] && r.next[1] == cur[1]);
	CHECK(r.next[2] > cur[2]);
	/* ...or every value */
	r.every_value = true;
	CHECK_EQ(bpftune_raise_check(tuner, 0, &r), 1);
	for (i = 0; i < 3; i++)
		CHECK(r.next[i] > cur[i]);
	/* the at-cap line names the value */
	r.cap = cur[2];
	r.every_value = false;
	r.cap_why = "bytes = a test";
	CHECK_EQ(bpftune_raise_check(tuner, 0, &r), 0);
	CHECK(logged("net.ipv4.tcp_rmem max is at its safety cap"));
	CHECK(logged("bytes = a test) in global netns"));
}

static unsigned int inits;

static void state_init(struct bpftune_tuner *tuner, unsigned long long cookie,
		       void *state)
{
	(void)tuner;
	*(unsigned long long *)state = cookie;
	inits++;
}

static void count_state(struct bpftune_tuner *tuner, unsigned long long cookie,
			void *state, void *ctx)
{
	(void)tuner;
	if (*(unsigned long long *)state == cookie)
		(*(unsigned int *)ctx)++;
}

static void test_netns_state(struct bpftune_tuner *tuner)
{
	unsigned long long global = bpftune_netns_global_cookie(), child, *s;
	struct bpftune_raise r = { .tunable = T_TW, .cap = 1, .force = true };
	unsigned int seen = 0;
	pid_t pid;

	/* nothing before it is declared */
	CHECK(bpftune_netns_state(tuner, 0) == NULL);
	CHECK(bpftune_netns_state_declare(tuner, 64, state_init) == 0);
	s = bpftune_netns_state(tuner, 0);
	CHECK(s && *s == global);
	CHECK(bpftune_netns_state(tuner, global) == s);
	CHECK(bpftune_netns_state_find(tuner, 0) == s);
	CHECK_EQ(inits, 1);
	/* zeroed beyond what init set */
	CHECK(s && s[7] == 0);
	/* an unknown namespace gets none */
	CHECK(bpftune_netns_state(tuner, 12345678901ULL) == NULL);

	pid = unit_netns_child(&child);
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	bpftune_netns_scan();
	CHECK(bpftune_netns_state_find(tuner, child) == NULL);
	s = bpftune_netns_state(tuner, child);
	CHECK(s && *s == child);
	CHECK_EQ(inits, 2);
	bpftune_netns_state_each(tuner, count_state, &seen);
	CHECK_EQ(seen, 2);
	/* at the cap in the child: said once there */
	CHECK_EQ(bpftune_raise_check(tuner, child, &r), 0);
	CHECK(!bpftune_note_capped(tuner, child, T_TW, "not again"));
	/* the namespace dies: its state and notes go, the others stay */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	bpftune_netns_scan();
	CHECK(bpftune_netns_state_find(tuner, child) == NULL);
	CHECK(bpftune_netns_state_find(tuner, 0) != NULL);
	CHECK(bpftune_note_capped(tuner, child, T_TW, "notes of the dead netns went"));
	/* dropped by the tuner */
	bpftune_netns_state_drop(tuner, 0);
	CHECK(bpftune_netns_state_find(tuner, 0) == NULL);
	seen = 0;
	bpftune_netns_state_each(tuner, count_state, &seen);
	CHECK_EQ(seen, 0);
	/* allocated again on use */
	CHECK(bpftune_netns_state(tuner, 0) != NULL);
}

static void test_strings(struct bpftune_tuner *tuner)
{
	char buf[64];

	CHECK(bpftune_sysctl_read_str(0, "kernel.ostype", buf, sizeof(buf)) == 0);
	CHECK(!strcmp(buf, "Linux"));
	CHECK(bpftune_sysctl_read_str(0, "kernel.no_such_sysctl", buf,
				      sizeof(buf)) < 0);
	CHECK(bpftune_sysctl_read_str(0, "../etc/passwd", buf, sizeof(buf)) < 0);
	CHECK(bpftune_sysctl_get_str(tuner, 0, T_RMEM, buf, sizeof(buf)) == 0);
	CHECK(strchr(buf, '\n') == NULL && strlen(buf) >= 5);
	CHECK(bpftune_sysctl_get_str(tuner, 0, 99, buf, sizeof(buf)) < 0);
}

static void test_btf(void)
{
	const struct btf_type *t;
	const char *name;
	int id;

	id = bpftune_btf_find("task_struct", BTF_KIND_STRUCT);
	CHECK(id > 0);
	t = bpftune_btf_type(id);
	CHECK(t && btf_is_struct(t) && btf_vlen(t) > 10);
	name = t ? bpftune_btf_name(t->name_off) : NULL;
	CHECK(name && !strcmp(name, "task_struct"));
	CHECK(bpftune_btf_find("task_struct", BTF_KIND_UNION) == -ENOENT);
	CHECK(bpftune_btf_find("no_such_type_in_any_kernel", BTF_KIND_STRUCT) ==
	      -ENOENT);
	/* a typedef resolves to what it names: u32 -> unsigned int */
	id = bpftune_btf_find("u32", BTF_KIND_TYPEDEF);
	CHECK(id > 0);
	t = bpftune_btf_type(bpftune_btf_resolve(id));
	CHECK(t && btf_is_int(t));
	CHECK(bpftune_btf_type(0) == NULL);
	CHECK(bpftune_btf_type(0x7fffffff) == NULL);
}

int main(void)
{
	struct bpftune_tuner *tuner;
	int lock;

	/* the test makes a namespace: one user of the machine at a time */
	lock = open("/run/bpftune-test.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CHECK(lock >= 0 && flock(lock, LOCK_EX) == 0);
	log_file = tmpfile();
	CHECK(log_file && dup2(fileno(log_file), STDERR_FILENO) >= 0);
	bpftune_log_init(true, false);
	bpftune_cfg.dry_run = true;
	CHECK(bpftune_netns_init() == 0);
	CHECK(bpftune_tuners_init() == 0 && bpftune_helpers_init() == 0);
	tuner = bpftune_tuner_alloc("helpers_test");
	CHECK(tuner && bpftune_tunables_declare(tuner, descs, 2, NULL, 0) == 0);
	bpftune_tuner_add(tuner);

	test_raise(tuner);
	test_raise_every_value(tuner);
	test_netns_state(tuner);
	test_strings(tuner);
	test_btf();

	bpftune_tuner_remove(tuner);
	bpftune_tuner_free(tuner);
	bpftune_netns_fini();
	close(lock);
	return unit_report();
}
