// SPDX-License-Identifier: GPL-2.0
/* bpftune: options, start-up wiring, shutdown (in libbpftune.so; the
 * program itself is src/bpftune.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "cgroup.h"
#include "learned.h"
#include "options.h"

static void try_memlock(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	/* Kernels >= 5.11 charge BPF memory to the memory cgroup; failing
	 * here (no CAP_SYS_RESOURCE) is only a problem on older kernels. */
	bpftune_cap_raise();
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		bpftune_debug("cannot raise RLIMIT_MEMLOCK (%s); fine on kernels >= 5.11",
			      strerror(errno));
	bpftune_cap_lower();
}

/* One fd per network namespace: systemd's default soft limit (1024) is
 * reached at about a thousand namespaces; the hard limit needs no
 * privilege to reach. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		bpftune_warn("cannot raise the open-file limit: %s", strerror(errno));
}

static int load_plugins(const struct bpftune_options *o)
{
	int i, n = 0;

	n += bpftune_plugins_load_dir(BPFTUNE_LIBDIR, o->allow, o->nallow);
	n += bpftune_plugins_load_dir(BPFTUNE_LOCAL_LIBDIR, o->allow, o->nallow);
	for (i = 0; i < o->nlibdirs; i++)
		n += bpftune_plugins_load_dir(o->libdirs[i], o->allow, o->nallow);
	return n;
}

/* Watch before the first scan, so that nothing added in between is lost. */
static void watch_plugins(const struct bpftune_options *o)
{
	int i;

	bpftune_plugins_watch(BPFTUNE_LIBDIR, o->allow, o->nallow);
	bpftune_plugins_watch(BPFTUNE_LOCAL_LIBDIR, o->allow, o->nallow);
	for (i = 0; i < o->nlibdirs; i++)
		bpftune_plugins_watch(o->libdirs[i], o->allow, o->nallow);
}

static int do_support(const struct bpftune_options *o)
{
	struct bpftune_support support;
	struct bpftune_tuner *tuner;
	int err;

	err = bpftune_support_probe(&support);
	bpftune_support_print(&support);
	if (err)
		return 1;
	if (bpftune_netns_init())
		return 1;
	load_plugins(o);
	printf("tuners:\n");
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next)
		bpftune_bpf_print_tiers(tuner);
	bpftune_plugins_unload_all();
	return 0;
}

/*
 * Only sysctls a tuner declares, within its bounds, are restored: the
 * tuners are initialised as for -S (nothing loaded into the kernel, nothing
 * written) to learn which, then unloaded.
 */
static int do_restore(const struct bpftune_options *o)
{
	struct bpftune_support support;
	int err;

	err = bpftune_netns_init();
	if (err)
		return 1;
	/* the tiers tuners may choose from, as bpftune -S finds them */
	bpftune_support_probe(&support);
	bpftune_cfg.support_only = true;
	if (!load_plugins(o))
		bpftune_warn("no tuner could be loaded: no journal entry can be checked, so none is restored");
	bpftune_plugins_unload_all();
	bpftune_cfg.support_only = false;
	err = bpftune_journal_restore(bpftune_cfg.state_dir);
	if (err)
		bpftune_err("restore from %s incomplete: %s", bpftune_cfg.state_dir,
			    strerror(-err));
	return err ? 1 : 0;
}

static void print_summaries(void)
{
	struct bpftune_tuner *tuner;

	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next)
		bpftune_tuner_print_summary(tuner);
}

/* Query socket and metrics file.  When an option asked for them, failing
 * to provide them stops the daemon with one line saying why; the default
 * socket is a convenience, and tuning goes on without it. */
static int start_reporting(const struct bpftune_options *o)
{
	bool asked = o->socket_path || o->query_port;
	int err;

	err = bpftune_query_init(o->socket_path ? o->socket_path :
						  BPFTUNE_DEFAULT_SOCKET,
				 o->query_port);
	if (err && asked)
		return err;
	if (err)
		bpftune_warn("queries are off (bpftune -q will not connect)");
	err = bpftune_metrics_init(o->metrics_file);
	if (err)
		bpftune_err("--metrics-file %s: %s", o->metrics_file,
			    strerror(-err));
	return err;
}

/*
 * -D: fork before anything takes note of our pid or binds itself to this
 * process: the BPF programs' daemon pid, the sysctl tuner's own pid (both
 * tell our writes from an administrator's) and the signalfd (a signalfd
 * polled through epoll wakes only the process that made it).  The parent
 * waits until the child reports over a pipe that its tuners run, and exits
 * 0 then, 1 when start-up failed, so that "bpftune -D" keeps a meaningful
 * exit code.  stderr stays open with -s (the log goes there).  The working
 * directory is kept: relative paths given as options are used later.
 */
static int daemonize(bool keep_stderr, int *ready_fd)
{
	int pipefd[2], devnull;
	ssize_t n;
	pid_t pid;
	char c;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid > 0) {
		close(pipefd[1]);
		do
			n = read(pipefd[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			fprintf(stderr, "bpftune: the daemon failed to start; its log says why\n");
		_exit(n == 1 ? 0 : 1);
	}
	close(pipefd[0]);
	setsid();
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		if (!keep_stderr)
			dup2(devnull, STDERR_FILENO);
		close(devnull);
	}
	*ready_fd = pipefd[1];
	return 0;
}

/* Tell the waiting parent of a -D daemon that start-up is complete. */
static void report_ready(int *ready_fd)
{
	if (*ready_fd < 0)
		return;
	if (write(*ready_fd, "", 1) != 1)
		bpftune_warn("cannot tell the starting process that we run: %s",
			     strerror(errno));
	close(*ready_fd);
	*ready_fd = -1;
}

static int run(const struct bpftune_options *o)
{
	struct bpftune_support support;
	int err, started, ready_fd = -1;

	/* before anything slow: a stop signal during start-up must not be lost */
	err = bpftune_loop_block_signals();
	if (err) {
		bpftune_err("cannot block stop signals: %s", strerror(-err));
		return 1;
	}
	if (o->daemonize) {
		err = daemonize(o->to_stderr, &ready_fd);
		if (err) {
			bpftune_err("cannot daemonize: %s", strerror(-err));
			return 1;
		}
	}
	/* Each BPF load makes libbpf read the kernel's BTF (~11 MB for a
	 * moment); with a fixed threshold those blocks are mapped and given
	 * back when freed, instead of staying in the heap for good. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	/* the TCP query port first: nothing else gets to take it meanwhile */
	if (o->query_port)
		bpftune_query_bind_tcp(o->query_port);
	err = bpftune_support_probe(&support);
	if (err) {
		bpftune_err("no BPF attach tier works on this kernel; run bpftune -S for details");
		return 1;
	}
	bpftune_info("bpftune %s starting: best attach tier %s%s%s",
		     BPFTUNE_VERSION,
		     bpftune_tier_name(bpftune_support_effective(&support)),
		     bpftune_cfg.dry_run ? ", dry run (advice only)" : "",
		     bpftune_cfg.rollback ? ", rollback on exit" : "");
	/* a bad file stops us before anything is changed */
	if (o->import_path && bpftune_import_load(o->import_path))
		return 1;
	try_memlock();
	raise_nofile();
	err = bpftune_netns_init();
	if (err) {
		bpftune_err("cannot set up netns handling: %s", strerror(-err));
		return 1;
	}
	if (!bpftune_cfg.dry_run) {
		err = bpftune_journal_open(bpftune_cfg.state_dir);
		if (err) {
			bpftune_err("cannot open journal in %s: %s",
				    bpftune_cfg.state_dir, strerror(-err));
			return 1;
		}
	}
	/* without -c, cgroup-based tuning is off when no cgroup2 can be had */
	if (bpftune_cgroup_open(o->cgroup) && o->cgroup)
		return 1;
	err = bpftune_loop_init();
	if (err) {
		bpftune_err("cannot set up the event loop: %s", strerror(-err));
		bpftune_cgroup_close();
		return 1;
	}
	if (start_reporting(o)) {
		err = 1;
		goto out;
	}
	watch_plugins(o);
	started = load_plugins(o);
	if (!started) {
		bpftune_err("no tuner started");
		err = 1;
		goto out;
	}
	/* learned state from --import is in place before "ready" */
	bpftune_import_apply();
	bpftune_plugins_ready(started);
	report_ready(&ready_fd);
	err = bpftune_loop_run();
	if (err)
		bpftune_err("event loop failed: %s", strerror(-err));
out:
	bpftune_metrics_fini();
	bpftune_query_fini();
	bpftune_plugins_unwatch();
	print_summaries();
	bpftune_plugins_unload_all();
	if (bpftune_cfg.rollback && !bpftune_cfg.dry_run &&
	    bpftune_journal_restore(bpftune_cfg.state_dir))
		err = 1;
	bpftune_journal_close();
	bpftune_cgroup_close();
	bpftune_loop_fini();
	bpftune_netns_fini();
	return err ? 1 : 0;
}

int bpftune_daemon_main(int argc, char **argv)
{
	struct bpftune_options o;
	char err[256];
	int ret;

	if (bpftune_parse_options(argc, argv, &o, err, sizeof(err))) {
		fprintf(stderr, "bpftune: %s (see bpftune --help)\n", err);
		return 2;
	}
	switch (o.action) {
	case BPFTUNE_HELP:
		bpftune_usage(stdout);
		return 0;
	case BPFTUNE_VERSION_INFO:
		printf("bpftune v%s (libbpf %s)\n", BPFTUNE_VERSION,
		       libbpf_version_string());
		return 0;
	case BPFTUNE_PRINT_LIBDIR:
		printf("%s\n", BPFTUNE_LIBDIR);
		return 0;
	case BPFTUNE_QUERY:
		return bpftune_query_client(o.socket_path ? o.socket_path :
							    BPFTUNE_DEFAULT_SOCKET,
					    o.query_port, o.query);
	default:
		break;
	}
	bpftune_cfg.learning_rate = o.learning_rate;
	bpftune_cfg.dry_run = o.dry_run;
	bpftune_cfg.rollback = o.rollback;
	bpftune_cfg.debug = o.debug;
	bpftune_cfg.max_tier = o.max_tier;
	bpftune_cfg.assess_window_ms = o.assess_window_ms;
	bpftune_cfg.support_only = o.action == BPFTUNE_SUPPORT;
	if (o.state_dir)
		snprintf(bpftune_cfg.state_dir, sizeof(bpftune_cfg.state_dir), "%s",
			 o.state_dir);
	bpftune_log_set_json(o.log_json);
	bpftune_log_init(o.to_stderr || o.action != BPFTUNE_RUN, o.debug);
	/* the tuner stack hears of namespaces gone, SIGHUP and reverts; the
	 * helper layer frees its per-namespace state with the namespace */
	bpftune_tuners_init();
	bpftune_helpers_init();
	if (o.action != BPFTUNE_RESTORE && bpftune_caps_init())
		bpftune_warn("running with all capabilities");
	if (o.action == BPFTUNE_SUPPORT)
		ret = do_support(&o);
	else if (o.action == BPFTUNE_RESTORE)
		ret = do_restore(&o);
	else
		ret = run(&o);
	bpftune_log_fini();
	return ret;
}
