/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Configuration, in one module: the defaults, the command-line options
 * (parsing is pure, testable) and the daemon-wide settings every other
 * module reads (bpftune_cfg, filled from the options by main).
 */
#ifndef BPFTUNE_OPTIONS_H
#define BPFTUNE_OPTIONS_H

#include <limits.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <bpftune/libbpftune.h>

#define BPFTUNE_DEFAULT_STATE_DIR "/var/lib/bpftune"
#define BPFTUNE_DEFAULT_SOCKET "/run/bpftune/bpftune.sock"
#define BPFTUNE_LOCAL_LIBDIR "/usr/local/lib64/bpftune"
#ifndef BPFTUNE_LIBDIR
#define BPFTUNE_LIBDIR "/usr/lib64/bpftune"
#endif

/* Daemon-wide settings, filled by main.c from the options. */
struct bpftune_config {
	unsigned int learning_rate;
	bool dry_run;
	bool rollback;
	bool support_only;
	bool debug;
	enum bpftune_tier max_tier;
	int cgroup_fd;
	char cgroup_path[PATH_MAX];
	char state_dir[PATH_MAX];
	unsigned int log_window_s; /* coalesce identical log lines within */
	unsigned int assess_window_ms; /* before/after window of assessment */
};
extern struct bpftune_config bpftune_cfg;

#define BPFTUNE_MAX_ALLOW 32
#define BPFTUNE_MAX_LIBDIRS 8
#define BPFTUNE_QUERY_LINE 512

enum bpftune_action {
	BPFTUNE_RUN,
	BPFTUNE_HELP,
	BPFTUNE_VERSION_INFO,
	BPFTUNE_SUPPORT,
	BPFTUNE_PRINT_LIBDIR,
	BPFTUNE_RESTORE,
	BPFTUNE_QUERY,
};

struct bpftune_options {
	enum bpftune_action action;
	bool debug;
	bool to_stderr;
	bool rollback;
	bool daemonize;
	bool dry_run;
	bool log_json;		  /* --log-format json */
	unsigned int learning_rate;
	unsigned int assess_window_ms;
	enum bpftune_tier max_tier;
	const char *cgroup;
	const char *state_dir;
	const char *libdirs[BPFTUNE_MAX_LIBDIRS];
	int nlibdirs;
	char *allow[BPFTUNE_MAX_ALLOW];
	int nallow;
	/* -q QUERY [ARGS...] [--json]: the request sent to the daemon */
	char query[BPFTUNE_QUERY_LINE];
	bool json;
	const char *socket_path;  /* query socket (daemon and client) */
	int query_port;		  /* -p: also 127.0.0.1:PORT, 0 = off */
	const char *metrics_file; /* Prometheus text file, NULL = off */
	const char *import_path;  /* --import: learned state to start from */
};

/* Returns 0 or -1 with a one-line message (naming the option) in err. */
int bpftune_parse_options(int argc, char **argv, struct bpftune_options *opts,
			  char *err, size_t errlen);
void bpftune_usage(FILE *out);

#endif
