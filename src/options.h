/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line options of the bpftune daemon; parsing is pure (testable). */
#ifndef BPFTUNE_OPTIONS_H
#define BPFTUNE_OPTIONS_H

#include <limits.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <bpftune/libbpftune.h>

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
