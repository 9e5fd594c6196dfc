// SPDX-License-Identifier: GPL-2.0
/* Option parsing: every bad value gets one line naming the option. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "options.h"

struct bpftune_config bpftune_cfg = {
	.learning_rate = BPFTUNE_RATE_DEFAULT,
	.max_tier = BPFTUNE_TIER_FENTRY,
	.cgroup_fd = -1,
	.state_dir = BPFTUNE_DEFAULT_STATE_DIR,
	.log_window_s = 10,
	.assess_window_ms = 10000,
};

unsigned int bpftune_learning_rate(void)
{
	return bpftune_cfg.learning_rate;
}

bool bpftune_dry_run(void)
{
	return bpftune_cfg.dry_run;
}

bool bpftune_support_only(void)
{
	return bpftune_cfg.support_only;
}

int bpftune_cgroup_fd(void)
{
	return bpftune_cfg.cgroup_fd;
}

/* Usable RAM, as /proc/meminfo's MemTotal. */
unsigned long long bpftune_ram_bytes(void)
{
	struct sysinfo si;

	if (sysinfo(&si))
		return 0;
	return (unsigned long long)si.totalram * si.mem_unit;
}

enum {
	OPT_STATE_DIR = 256,
	OPT_RESTORE,
	OPT_TIER,
	OPT_ASSESS_WINDOW,
	OPT_JSON,
	OPT_SOCKET,
	OPT_METRICS_FILE,
	OPT_LOG_FORMAT,
	OPT_IMPORT,
};

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "debug", no_argument, NULL, 'd' },
	{ "stderr", no_argument, NULL, 's' },
	{ "support", no_argument, NULL, 'S' },
	{ "learning_rate", required_argument, NULL, 'r' },
	{ "learning-rate", required_argument, NULL, 'r' },
	{ "rollback", no_argument, NULL, 'R' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "libdir", required_argument, NULL, 'l' },
	{ "print-libdir", no_argument, NULL, 'P' },
	{ "allow", required_argument, NULL, 'a' },
	{ "allowlist", required_argument, NULL, 'a' }, /* older bpftune */
	{ "daemon", no_argument, NULL, 'D' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "restore", no_argument, NULL, OPT_RESTORE },
	{ "tier", required_argument, NULL, OPT_TIER },
	{ "legacy", no_argument, NULL, 'L' },
	{ "assess-window", required_argument, NULL, OPT_ASSESS_WINDOW },
	{ "query", required_argument, NULL, 'q' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "port", required_argument, NULL, 'p' },
	{ "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "import", required_argument, NULL, OPT_IMPORT },
	{ NULL, 0, NULL, 0 },
};

void bpftune_usage(FILE *out)
{
	fprintf(out,
		"Usage: bpftune [OPTIONS]\n"
		"Auto-tune kernel network tunables with BPF, per network namespace.\n\n"
		"  -h, --help               show this help and exit\n"
		"  -V, --version            show the version and exit\n"
		"  -d, --debug              debug logging (includes libbpf messages)\n"
		"  -s, --stderr             log to stderr instead of syslog\n"
		"      --log-format FORMAT  text (default) or json: one JSON object per line,\n"
		"                           each change with host, tuner, netns, sysctl,\n"
		"                           old, new, why and a stable decision id\n"
		"  -S, --support            print what this kernel supports and exit\n"
		"  -r, --learning_rate N    0..4: act within and step by 1,3,6,12,25 %% (default 4)\n"
		"  -R, --rollback           restore original values on exit\n"
		"  -c, --cgroup DIR         cgroup v2 directory for cgroup programs; cgroup2\n"
		"                           is mounted on DIR when it is not one (default:\n"
		"                           root of the cgroup2 mount, else a mount on\n"
		"                           /var/run/bpftune/cgroupv2)\n"
		"  -l, --libdir DIR         also load tuners from DIR\n"
		"  -P, --print-libdir       print the system tuner directory and exit\n"
		"  -a, --allow NAME         load only this tuner (NAME_tuner.so); repeatable\n"
		"  -D, --daemon             run in the background\n"
		"  -n, --dry-run            advice mode: decide and log changes, write nothing\n"
		"      --state-dir DIR      journal location (default /var/lib/bpftune)\n"
		"      --restore            restore what the journal holds, then exit\n"
		"      --tier TIER          use at most this attach tier:\n"
		"                           fentry, tracepoint or kprobe\n"
		"  -L, --legacy             same as --tier kprobe\n"
		"      --assess-window MS   judge each change over MS milliseconds before\n"
		"                           and after it (100..3600000, default 10000)\n"
		"      --metrics-file PATH  keep Prometheus metrics in PATH (rewritten on change)\n"
		"      --import FILE        start from what another host learned (its\n"
		"                           bpftune -q export --json); see bpftune(8)\n"
		"      --socket PATH        query socket (default /run/bpftune/bpftune.sock)\n"
		"  -p, --port PORT          also answer queries on 127.0.0.1:PORT (TCP)\n"
		"  -q, --query QUERY [ARG...] [--json]\n"
		"                           ask the running daemon; -q help lists the queries\n");
}

static int parse_rate(const char *arg, unsigned int *rate)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < BPFTUNE_RATE_MIN ||
	    v > BPFTUNE_RATE_MAX)
		return -1;
	*rate = v;
	return 0;
}

static int parse_window(const char *arg, unsigned int *ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 100 || v > 3600000)
		return -1;
	*ms = v;
	return 0;
}

static int parse_tier(const char *arg, enum bpftune_tier *tier)
{
	if (!strcmp(arg, "fentry") || !strcmp(arg, "full"))
		*tier = BPFTUNE_TIER_FENTRY;
	else if (!strcmp(arg, "tracepoint") || !strcmp(arg, "tp"))
		*tier = BPFTUNE_TIER_TRACEPOINT;
	else if (!strcmp(arg, "kprobe") || !strcmp(arg, "legacy"))
		*tier = BPFTUNE_TIER_KPROBE;
	else
		return -1;
	return 0;
}

static int parse_port(const char *arg, int *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

/* QUERY plus the words after the options, and --json: one request line. */
static int build_query(struct bpftune_options *o, int argc, char **argv,
		       char *err, size_t errlen)
{
	size_t off = strlen(o->query);
	int i, n;

	for (i = optind; i <= argc; i++) {
		const char *word = i < argc ? argv[i] : (o->json ? "--json" : NULL);

		if (!word)
			break;
		n = snprintf(o->query + off, sizeof(o->query) - off, " %s", word);
		if (n < 0 || (size_t)n >= sizeof(o->query) - off) {
			snprintf(err, errlen, "query longer than %zu bytes",
				 sizeof(o->query) - 1);
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

static bool plugin_name_ok(const char *name)
{
	size_t len = strlen(name), slen = strlen("_tuner.so");

	return len > slen && !strcmp(name + len - slen, "_tuner.so") &&
	       !strchr(name, '/');
}

int bpftune_parse_options(int argc, char **argv, struct bpftune_options *o,
			  char *err, size_t errlen)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->learning_rate = BPFTUNE_RATE_DEFAULT;
	o->max_tier = BPFTUNE_TIER_FENTRY;
	o->assess_window_ms = 10000;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hVdsSr:Rc:l:a:DnLq:p:P", long_options,
				NULL)) != -1) {
		switch (c) {
		case 'h':
			o->action = BPFTUNE_HELP;
			break;
		case 'V':
			o->action = BPFTUNE_VERSION_INFO;
			break;
		case 'd':
			o->debug = true;
			break;
		case 's':
			o->to_stderr = true;
			break;
		case 'S':
			o->action = BPFTUNE_SUPPORT;
			break;
		case 'r':
			if (parse_rate(optarg, &o->learning_rate)) {
				snprintf(err, errlen,
					 "--learning_rate must be an integer 0..4, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case 'R':
			o->rollback = true;
			break;
		case 'c':
			o->cgroup = optarg;
			break;
		case 'l':
			if (o->nlibdirs >= BPFTUNE_MAX_LIBDIRS) {
				snprintf(err, errlen, "--libdir given more than %d times",
					 BPFTUNE_MAX_LIBDIRS);
				return -1;
			}
			o->libdirs[o->nlibdirs++] = optarg;
			break;
		case 'P':
			o->action = BPFTUNE_PRINT_LIBDIR;
			break;
		case 'a':
			if (!plugin_name_ok(optarg)) {
				snprintf(err, errlen,
					 "--allow takes a plugin file name NAME_tuner.so, not '%s'",
					 optarg);
				return -1;
			}
			if (o->nallow >= BPFTUNE_MAX_ALLOW) {
				snprintf(err, errlen, "--allow given more than %d times",
					 BPFTUNE_MAX_ALLOW);
				return -1;
			}
			o->allow[o->nallow++] = optarg;
			break;
		case 'D':
			o->daemonize = true;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case OPT_STATE_DIR:
			if (!*optarg) {
				snprintf(err, errlen, "--state-dir needs a directory");
				return -1;
			}
			o->state_dir = optarg;
			break;
		case OPT_RESTORE:
			o->action = BPFTUNE_RESTORE;
			break;
		case OPT_TIER:
			if (parse_tier(optarg, &o->max_tier)) {
				snprintf(err, errlen,
					 "--tier must be fentry, tracepoint or kprobe, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case 'L':
			o->max_tier = BPFTUNE_TIER_KPROBE;
			break;
		case OPT_ASSESS_WINDOW:
			if (parse_window(optarg, &o->assess_window_ms)) {
				snprintf(err, errlen,
					 "--assess-window must be 100..3600000 milliseconds, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case 'q':
			if (!*optarg || strlen(optarg) >= sizeof(o->query)) {
				snprintf(err, errlen,
					 "--query needs a query name (try -q help)");
				return -1;
			}
			snprintf(o->query, sizeof(o->query), "%s", optarg);
			o->action = BPFTUNE_QUERY;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_SOCKET:
			if (!*optarg) {
				snprintf(err, errlen, "--socket needs a path");
				return -1;
			}
			o->socket_path = optarg;
			break;
		case 'p':
			if (parse_port(optarg, &o->query_port)) {
				snprintf(err, errlen,
					 "--port must be a TCP port 1..65535, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_LOG_FORMAT:
			if (!strcmp(optarg, "json")) {
				o->log_json = true;
			} else if (strcmp(optarg, "text")) {
				snprintf(err, errlen,
					 "--log-format must be text or json, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_IMPORT:
			if (!*optarg) {
				snprintf(err, errlen, "--import needs a file");
				return -1;
			}
			o->import_path = optarg;
			break;
		case OPT_METRICS_FILE:
			if (!*optarg) {
				snprintf(err, errlen, "--metrics-file needs a path");
				return -1;
			}
			o->metrics_file = optarg;
			break;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value",
				 argv[optind - 1]);
			return -1;
		default:
			if (optopt)
				snprintf(err, errlen, "unknown option '-%c'", optopt);
			else
				snprintf(err, errlen, "unknown option '%s'",
					 argv[optind - 1]);
			return -1;
		}
	}
	if (o->action == BPFTUNE_QUERY)
		return build_query(o, argc, argv, err, errlen);
	if (o->json) {
		snprintf(err, errlen, "--json goes with -q QUERY");
		return -1;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}
