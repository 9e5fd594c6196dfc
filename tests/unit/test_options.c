// SPDX-License-Identifier: GPL-2.0
/* Option parsing: valid forms and every error message. */
#include "../../src/options.h"
#include "unit.h"

#define ARGV(...) ((char *[]){ "bpftune", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "bpftune", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...)                                                     \
	bpftune_parse_options(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o, err,    \
			      sizeof(err))

/* -q QUERY [ARGS] [--json], --socket, -p, --metrics-file */
static void test_query_options(void)
{
	struct bpftune_options o;
	char err[256];

	CHECK(PARSE(&o, err, "-q", "status") == 0);
	CHECK_EQ(o.action, BPFTUNE_QUERY);
	CHECK_STR(o.query, "status");
	CHECK(PARSE(&o, err, "-q", "enable", "tcp_buffer", "4115", "--json",
		    "--socket", "/tmp/s") == 0);
	CHECK_STR(o.query, "enable tcp_buffer 4115 --json");
	CHECK_STR(o.socket_path, "/tmp/s");
	CHECK(PARSE(&o, err, "--query=tuners", "-p", "9999") == 0);
	CHECK_STR(o.query, "tuners");
	CHECK_EQ(o.query_port, 9999);
	CHECK(PARSE(&o, err, "--metrics-file", "/m/bpftune.prom", "-p", "1") == 0);
	CHECK_STR(o.metrics_file, "/m/bpftune.prom");
	CHECK_EQ(o.action, BPFTUNE_RUN);

	CHECK(PARSE(&o, err, "-p", "0") == -1);
	CHECK_STR(err, "--port must be a TCP port 1..65535, not '0'");
	CHECK(PARSE(&o, err, "-p", "65536") == -1);
	CHECK(PARSE(&o, err, "--port", "80x") == -1);
	CHECK(PARSE(&o, err, "-q", "") == -1);
	CHECK_STR(err, "--query needs a query name (try -q help)");
	CHECK(PARSE(&o, err, "--json") == -1);
	CHECK_STR(err, "--json goes with -q QUERY");
	CHECK(PARSE(&o, err, "--socket", "") == -1);
	CHECK_STR(err, "--socket needs a path");
	CHECK(PARSE(&o, err, "--metrics-file", "") == -1);
	CHECK_STR(err, "--metrics-file needs a path");
	CHECK(PARSE(&o, err, "-q", "status", "x",
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb") == -1);
	CHECK_STR(err, "query longer than 511 bytes");
}

int main(void)
{
	struct bpftune_options o;
	char err[256];

	CHECK(bpftune_parse_options(1, (char *[]){ "bpftune", NULL }, &o, err,
				    sizeof(err)) == 0);
	CHECK_EQ(o.learning_rate, 4);
	CHECK_EQ(o.max_tier, BPFTUNE_TIER_FENTRY);
	CHECK_EQ(o.action, BPFTUNE_RUN);

	CHECK(PARSE(&o, err, "-s", "-r", "0", "-R", "-n", "-c", "/x") == 0);
	CHECK(o.to_stderr && o.rollback && o.dry_run);
	CHECK_EQ(o.learning_rate, 0);
	CHECK_STR(o.cgroup, "/x");
	CHECK(PARSE(&o, err, "--learning_rate=3", "--state-dir", "/s") == 0);
	CHECK_EQ(o.learning_rate, 3);
	CHECK_STR(o.state_dir, "/s");
	CHECK(PARSE(&o, err, "-a", "a_tuner.so", "--allow", "b_tuner.so",
		    "-l", "/d1", "--libdir", "/d2") == 0);
	CHECK_EQ(o.nallow, 2);
	CHECK_STR(o.allow[1], "b_tuner.so");
	CHECK_EQ(o.nlibdirs, 2);
	CHECK(PARSE(&o, err, "-S") == 0 && o.action == BPFTUNE_SUPPORT);
	CHECK(PARSE(&o, err, "--restore") == 0 && o.action == BPFTUNE_RESTORE);
	CHECK(PARSE(&o, err, "--print-libdir") == 0 &&
	      o.action == BPFTUNE_PRINT_LIBDIR);
	/* the existing bpftune's short form and older long name */
	CHECK(PARSE(&o, err, "-P") == 0 && o.action == BPFTUNE_PRINT_LIBDIR);
	CHECK(PARSE(&o, err, "--allowlist", "x_tuner.so") == 0 &&
	      o.nallow == 1);
	CHECK(PARSE(&o, err, "--log-format", "json") == 0 && o.log_json);
	CHECK(PARSE(&o, err, "--log-format", "text") == 0 && !o.log_json);
	CHECK(PARSE(&o, err, "--log-format", "xml") == -1);
	CHECK_STR(err, "--log-format must be text or json, not 'xml'");
	CHECK(PARSE(&o, err, "--tier", "tracepoint") == 0 &&
	      o.max_tier == BPFTUNE_TIER_TRACEPOINT);
	CHECK(PARSE(&o, err, "-L") == 0 && o.max_tier == BPFTUNE_TIER_KPROBE);

	CHECK(PARSE(&o, err, "--assess-window", "1500") == 0 &&
	      o.assess_window_ms == 1500);
	CHECK(PARSE(&o, err, "--assess-window", "99") == -1);
	CHECK_STR(err, "--assess-window must be 100..3600000 milliseconds, not '99'");
	CHECK(PARSE(&o, err, "-r", "5") == -1);
	CHECK_STR(err, "--learning_rate must be an integer 0..4, not '5'");
	CHECK(PARSE(&o, err, "-r", "4x") == -1);
	CHECK(PARSE(&o, err, "-r", "") == -1);
	CHECK(PARSE(&o, err, "-r", "99999999999999999999") == -1);
	CHECK(PARSE(&o, err, "--tier", "fast") == -1);
	CHECK_STR(err, "--tier must be fentry, tracepoint or kprobe, not 'fast'");
	CHECK(PARSE(&o, err, "-a", "../evil_tuner.so") == -1);
	CHECK(PARSE(&o, err, "-a", "plain.so") == -1);
	CHECK(PARSE(&o, err, "--nope") == -1);
	CHECK_STR(err, "unknown option '--nope'");
	CHECK(PARSE(&o, err, "-x") == -1);
	CHECK_STR(err, "unknown option '-x'");
	CHECK(PARSE(&o, err, "-q") == -1);
	CHECK_STR(err, "option '-q' needs a value");
	CHECK(PARSE(&o, err, "-c") == -1);
	CHECK_STR(err, "option '-c' needs a value");
	CHECK(PARSE(&o, err, "--state-dir", "") == -1);
	CHECK(PARSE(&o, err, "stray") == -1);
	CHECK_STR(err, "unexpected argument 'stray'");
	test_query_options();
	return unit_report();
}
