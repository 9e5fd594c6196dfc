// SPDX-License-Identifier: GPL-2.0
/*
 * --log-format json: each line one object, strings escaped, change records
 * with every field, and decision ids that never change (fleets compare
 * them across hosts and versions).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "../../src/core.h"
#include "unit.h"

static char lines[8][2048];
static int nlines;

/* Log through FN with stderr sent to a file; keep the lines it wrote. */
static void capture(void (*fn)(void))
{
	char path[] = "/tmp/bpftune-test-log.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	FILE *f;

	nlines = 0;
	if (fd < 0 || saved < 0)
		return;
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	while (nlines < 8 && fgets(lines[nlines], sizeof(lines[0]), f))
		nlines++;
	fclose(f);
	unlink(path);
}

static void log_awkward(void)
{
	bpftune_info("say \"hi\" \\ to\ttab and\nnewline \x01 end");
}

static void log_a_change(void)
{
	struct bpftune_log_change c = {
		.tuner = "net_buffer",
		.scenario = "backlog drops",
		.netns = "global",
		.sysctl = "net.core.netdev_max_backlog",
		.old = "1000",
		.new = "1250",
		.why = "CPU 0 dropped \"322\" packets",
	};

	bpftune_log_change(&c);
}

static void log_text(void)
{
	bpftune_warn("plain %d", 7);
}

int main(void)
{
	const char *msg;

	bpftune_log_set_json(true);
	bpftune_log_init(true, false);
	capture(log_awkward);
	CHECK_EQ(nlines, 1);
	CHECK(!strncmp(lines[0], "{\"time\":\"", 9));
	CHECK(strstr(lines[0], "\",\"level\":\"info\",") != NULL);
	msg = strstr(lines[0], ",\"msg\":");
	CHECK_STR(msg, ",\"msg\":\"say \\\"hi\\\" \\\\ to\\u0009tab and\\u000anewline \\u0001 end\"}\n");

	capture(log_a_change);
	CHECK_EQ(nlines, 1);
	CHECK(strstr(lines[0], ",\"event\":\"change\",\"tuner\":\"net_buffer\",\"scenario\":\"backlog drops\",\"netns\":\"global\",\"sysctl\":\"net.core.netdev_max_backlog\",\"old\":\"1000\",\"new\":\"1250\",\"why\":\"CPU 0 dropped \\\"322\\\" packets\",\"id\":\"fc0348325638ea74\",\"dry_run\":false}\n") != NULL);

	/* ids are fixed: a change here breaks every fleet's de-duplication */
	CHECK_EQ(bpftune_decision_id("net_buffer", "backlog drops",
				     "net.core.netdev_max_backlog"),
		 0xfc0348325638ea74ULL);
	CHECK(bpftune_decision_id("ab", "c", "d") !=
	      bpftune_decision_id("a", "bc", "d"));
	CHECK(bpftune_decision_id("a", "b", "c") !=
	      bpftune_decision_id("a", "b", "d"));

	bpftune_log_set_json(false);
	capture(log_text);
	CHECK_EQ(nlines, 1);
	CHECK_STR(lines[0], "bpftune: warning: plain 7\n");
	return unit_report();
}
