// SPDX-License-Identifier: GPL-2.0
/*
 * Query requests (every form and every error), the reply escaping, and
 * re-enabling a tuner per namespace.
 */
#include <errno.h>
#include <stdlib.h>
#include "../../src/core.h"
#include "../../src/query_parse.h"
#include "unit.h"

static int parse(const char *s, struct bpftune_query *q, char *err)
{
	err[0] = '\0';
	return bpftune_query_parse(s, strlen(s), q, err, 160);
}

static void test_valid(void)
{
	struct bpftune_query q;
	char err[160];

	CHECK(parse("status\n", &q, err) == 0);
	CHECK_EQ(q.kind, BPFTUNE_Q_STATUS);
	CHECK(!q.json);
	CHECK(parse("status", &q, err) == 0 && q.kind == BPFTUNE_Q_STATUS);
	CHECK(parse("  tuners \t\r\n", &q, err) == 0 && q.kind == BPFTUNE_Q_TUNERS);
	CHECK(parse("jstatus\n", &q, err) == 0);
	CHECK(q.kind == BPFTUNE_Q_STATUS && q.json);
	CHECK(parse("jtunables\n", &q, err) == 0);
	CHECK(q.kind == BPFTUNE_Q_TUNABLES && q.json);
	CHECK(parse("summary --json\n", &q, err) == 0);
	CHECK(q.kind == BPFTUNE_Q_SUMMARY && q.json);
	CHECK(parse("rollback -j", &q, err) == 0);
	CHECK(q.kind == BPFTUNE_Q_ROLLBACK && q.json);
	CHECK(parse("help", &q, err) == 0 && q.kind == BPFTUNE_Q_HELP);
	CHECK(parse("jhelp", &q, err) == 0 && q.kind == BPFTUNE_Q_HELP && q.json);

	CHECK(parse("enable tcp_buffer\n", &q, err) == 0);
	CHECK_EQ(q.kind, BPFTUNE_Q_ENABLE);
	CHECK_STR(q.tuner, "tcp_buffer");
	CHECK_STR(q.netns, "");
	CHECK(parse("enable tcp_buffer 4115 --json\n", &q, err) == 0);
	CHECK_STR(q.netns, "4115");
	CHECK(q.json);
	CHECK(parse("enable tcp_buffer global", &q, err) == 0);
	CHECK_STR(q.netns, "global");
	CHECK(parse("enable neigh_table bt123-a.x", &q, err) == 0);
	CHECK_STR(q.netns, "bt123-a.x");
	CHECK(parse("enable a 18446744073709551615", &q, err) == 0);
	CHECK(bpftune_query_mutates(BPFTUNE_Q_ENABLE));
	CHECK(!bpftune_query_mutates(BPFTUNE_Q_STATUS));

	/* unknown words are not errors: the daemon answers with help */
	CHECK(parse("frobnicate\n", &q, err) == 0);
	CHECK_EQ(q.kind, BPFTUNE_Q_UNKNOWN);
	CHECK_STR(q.word, "frobnicate");
	CHECK(parse("j", &q, err) == 0 && q.kind == BPFTUNE_Q_UNKNOWN);
	CHECK(parse("jj", &q, err) == 0 && q.kind == BPFTUNE_Q_UNKNOWN);
	CHECK(parse("STATUS", &q, err) == 0 && q.kind == BPFTUNE_Q_UNKNOWN);
}

static void test_errors(void)
{
	char err[160], big[BPFTUNE_QUERY_MAX + 2];
	struct bpftune_query q;

	CHECK(parse("", &q, err) == -1);
	CHECK_STR(err, "empty request");
	CHECK(parse(" \t\r\n", &q, err) == -1);
	CHECK_STR(err, "empty request");
	CHECK(parse("\n\n", &q, err) == -1);
	CHECK_STR(err, "request has a non-printable byte 0x0a at offset 0");
	CHECK(parse("stat\x01us\n", &q, err) == -1);
	CHECK_STR(err, "request has a non-printable byte 0x01 at offset 4");
	CHECK(parse("status\xff", &q, err) == -1);
	CHECK_STR(err, "request has a non-printable byte 0xff at offset 6");
	CHECK(bpftune_query_parse("sta\0tus", 7, &q, err, sizeof(err)) == -1);
	CHECK_STR(err, "request has a non-printable byte 0x00 at offset 3");

	/* exactly at the limit (newline included) is fine, one more is not */
	memset(big, ' ', sizeof(big));
	memcpy(big, "help", 4);
	big[BPFTUNE_QUERY_MAX - 1] = '\n';
	CHECK(bpftune_query_parse(big, BPFTUNE_QUERY_MAX, &q, err, sizeof(err)) == 0);
	CHECK(bpftune_query_parse(big, BPFTUNE_QUERY_MAX + 1, &q, err, sizeof(err)) == -1);
	CHECK_STR(err, "request longer than 256 bytes");

	memset(big, 'a', 70);
	big[70] = '\0';
	CHECK(parse(big, &q, err) == -1);
	CHECK_STR(err, "word 1 longer than 63 bytes");
	CHECK(parse("a b c d e", &q, err) == -1);
	CHECK_STR(err, "too many words in request (at most 4)");
	CHECK(parse("status now", &q, err) == -1);
	CHECK_STR(err, "query 'status' takes no arguments ('now' given)");
	CHECK(parse("enable", &q, err) == -1);
	CHECK_STR(err, "usage: enable TUNER [NETNS]");
	CHECK(parse("enable a b c", &q, err) == -1);
	CHECK_STR(err, "usage: enable TUNER [NETNS]");
	CHECK(parse("enable ../x", &q, err) == -1);
	CHECK_STR(err, "enable: '../x' is not a tuner name");
	CHECK(parse("enable a.b", &q, err) == -1);
	CHECK(parse("enable tcp_buffer ../../etc", &q, err) == -1);
	CHECK_STR(err, "enable: '../../etc' is not a netns cookie, 'global' or a /run/netns name");
	CHECK(parse("enable tcp_buffer .hidden", &q, err) == -1);
	/* 2^64 does not fit a cookie but is a well-formed netns name: the
	 * daemon looks for /run/netns/18446744073709551616 */
	CHECK(parse("enable a 18446744073709551616", &q, err) == 0);
	CHECK_STR(q.netns, "18446744073709551616");
}

static void test_escaping(void)
{
	struct bpftune_qbuf b;

	qbuf_init(&b);
	qbuf_json_str(&b, "a\"b\\c\nd\te\x01");
	CHECK_STR(b.data, "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
	qbuf_free(&b);

	qbuf_prom_label(&b, "x\"y\\z\nw");
	CHECK_STR(b.data, "x\\\"y\\\\z\\nw");
	qbuf_free(&b);

	qbuf_shell_word(&b, "net.ipv4.tcp_rmem=4096");
	CHECK_STR(b.data, "net.ipv4.tcp_rmem=4096");
	qbuf_free(&b);
	qbuf_shell_word(&b, "a b's");
	CHECK_STR(b.data, "'a b'\\''s'");
	qbuf_free(&b);
	qbuf_shell_word(&b, "");
	CHECK_STR(b.data, "''");
	qbuf_free(&b);

	qbuf_printf(&b, "%d-%s", 42, "x");
	CHECK_STR(b.data, "42-x");
	CHECK_EQ(b.len, 4);
	qbuf_free(&b);
}

/* Bytes that are not UTF-8 (a /run/netns name can be any bytes) become
 * U+FFFD; valid sequences, up to four bytes, pass unchanged. */
static void test_utf8(void)
{
	static const struct {
		const char *in, *json, *prom;
	} cases[] = {
		{ "ns-\xff", "\"ns-\xef\xbf\xbd\"", "ns-\xef\xbf\xbd" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		/* overlong '/', a surrogate, beyond U+10FFFF, cut short */
		{ "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"",
		  "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xa0\x80\"", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\\\"\"",
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\\\"" },
		{ "\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "a\xe2\x82", "\"a\xef\xbf\xbd\xef\xbf\xbd\"",
		  "a\xef\xbf\xbd\xef\xbf\xbd" },
	};
	struct bpftune_qbuf b;
	unsigned int i;

	qbuf_init(&b);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		qbuf_json_str(&b, cases[i].in);
		CHECK_STR(b.data, cases[i].json);
		qbuf_free(&b);
		qbuf_prom_label(&b, cases[i].in);
		CHECK_STR(b.data, cases[i].prom);
		qbuf_free(&b);
	}
}

/* The buffer stops at BPFTUNE_REPLY_MAX and says so. */
static void test_cap(void)
{
	struct bpftune_qbuf b;
	char chunk[4097];
	unsigned int i;

	memset(chunk, 'x', sizeof(chunk) - 1);
	chunk[sizeof(chunk) - 1] = '\0';
	qbuf_init(&b);
	for (i = 0; i < BPFTUNE_REPLY_MAX / 4096 + 2; i++)
		qbuf_printf(&b, "%s", chunk);
	CHECK(b.cut);
	CHECK(b.len < BPFTUNE_REPLY_MAX);
	CHECK_EQ(strlen(b.data), b.len);
	qbuf_free(&b);
}

static void test_help(void)
{
	struct bpftune_qbuf b;

	qbuf_init(&b);
	bpftune_query_help(&b, false);
	CHECK(strstr(b.data, "enable TUNER [NETNS]") != NULL);
	CHECK(strstr(b.data, "jstatus") != NULL);
	qbuf_free(&b);
	bpftune_query_help(&b, true);
	CHECK(!strncmp(b.data, "{\"queries\":[{\"name\":\"help\"", 26));
	qbuf_free(&b);
}

/* enable TUNER NETNS clears that namespace only; without NETNS, all. */
static void test_enable(void)
{
	struct bpftune_tuner *t = bpftune_tuner_alloc("unit");
	static const struct bpftune_tunable_desc desc = {
		0, "net.ipv4.tcp_rmem", BPFTUNE_NETNS, 3, .min = { 1, 1, 1 },
	};

	CHECK(t != NULL);
	t->tunables = calloc(1, sizeof(*t->tunables));
	t->ntunables = 1;
	t->tunables[0].desc = desc;
	bpftune_netns_disable(t, 111, "unit test");
	bpftune_netns_disable(t, 222, "unit test");
	bpftune_tunable_mark_failed(t, 0, 222, "write", -EACCES);
	bpftune_tunable_mark_failed(t, 0, 333, "write", -EACCES);
	CHECK(!bpftune_netns_enabled(t, 111));
	CHECK(!bpftune_netns_enabled(t, 222));

	CHECK_EQ(bpftune_tuner_enable(t, 222, false), 2);
	CHECK(bpftune_netns_enabled(t, 222));
	CHECK(!bpftune_netns_enabled(t, 111));
	CHECK(t->tunables[0].failed && !t->tunables[0].failed->next);
	CHECK_EQ(t->tunables[0].failed->cookie, 333);
	CHECK_EQ(bpftune_tuner_enable(t, 222, false), 0);

	t->tunables[0].disabled_global = true;
	CHECK_EQ(bpftune_tuner_enable(t, 0, true), 3);
	CHECK(bpftune_netns_enabled(t, 111));
	CHECK(!t->tunables[0].failed);
	CHECK(!t->tunables[0].disabled_global);
	CHECK_STR(bpftune_tuner_state_name(BPFTUNE_TUNER_ACTIVE), "active");
	CHECK_STR(bpftune_tuner_state_name(BPFTUNE_TUNER_FAILED), "failed");
	bpftune_tuner_free(t);
}

int main(void)
{
	bpftune_log_init(true, false);
	test_valid();
	test_errors();
	test_escaping();
	test_utf8();
	test_cap();
	test_help();
	test_enable();
	return unit_report();
}
