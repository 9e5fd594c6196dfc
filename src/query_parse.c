// SPDX-License-Identifier: GPL-2.0
/*
 * Query request parsing and reply formatting helpers.  Nothing here looks
 * at daemon state: the fuzzer feeds bpftune_query_parse() arbitrary bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_parse.h"

struct query_desc {
	const char *name;
	enum bpftune_query_kind kind;
	const char *args;
	const char *what;
};

static const struct query_desc queries[] = {
	{ "help", BPFTUNE_Q_HELP, "", "this list" },
	{ "tuners", BPFTUNE_Q_TUNERS, "",
	  "each tuner: state, events, changes, attach tier per hook, namespaces where it stepped aside" },
	{ "tunables", BPFTUNE_Q_TUNABLES, "",
	  "each tunable: owning tuner, number of values, per-netns or global, safety bounds" },
	{ "status", BPFTUNE_Q_STATUS, "",
	  "current value of each tunable in each known namespace" },
	{ "summary", BPFTUNE_Q_SUMMARY, "",
	  "changes made so far: original and current value, count per scenario" },
	{ "rollback", BPFTUNE_Q_ROLLBACK, "",
	  "the sysctl commands that would restore every original value" },
	{ "export", BPFTUNE_Q_EXPORT, "",
	  "what was learned (per-host choices with their costs, every change with its original): bpftune --import FILE takes the JSON form" },
	{ "enable", BPFTUNE_Q_ENABLE, "TUNER [NETNS]",
	  "re-enable a tuner that stepped aside, in NETNS (cookie, 'global' or /run/netns name) or everywhere" },
};

#define NQUERIES (sizeof(queries) / sizeof(queries[0]))

bool bpftune_query_mutates(enum bpftune_query_kind kind)
{
	return kind == BPFTUNE_Q_ENABLE;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool is_name_char(char c, bool dot)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' ||
	       (dot && c == '.');
}

static bool name_ok(const char *s, bool dot)
{
	if (!*s || *s == '.' || *s == '-')
		return false;
	for (; *s; s++)
		if (!is_name_char(*s, dot))
			return false;
	return true;
}

/* A cookie is a decimal u64; reject what would overflow. */
static bool cookie_ok(const char *s)
{
	unsigned long long v = 0, d;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		d = (unsigned long long)(*s - '0');
		if (v > (~0ULL - d) / 10)
			return false;
		v = v * 10 + d;
	}
	return true;
}

/* Check the bytes and cut off the line end; returns the text length. */
static int check_bytes(const char *buf, size_t len, char *err, size_t errlen)
{
	size_t i;

	if (len > BPFTUNE_QUERY_MAX) {
		set_err(err, errlen, "request longer than %d bytes",
			BPFTUNE_QUERY_MAX);
		return -1;
	}
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\t' || (c >= 0x20 && c < 0x7f))
			continue;
		set_err(err, errlen,
			"request has a non-printable byte 0x%02x at offset %zu",
			c, i);
		return -1;
	}
	return (int)len;
}

#define MAX_WORDS 4

/* Split into at most MAX_WORDS words; copies each into words[]. */
static int split_words(const char *buf, size_t len,
		       char words[][BPFTUNE_QUERY_WORD_LEN], char *err,
		       size_t errlen)
{
	size_t i = 0, start, wlen;
	int n = 0;

	while (i < len) {
		while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && buf[i] != ' ' && buf[i] != '\t')
			i++;
		wlen = i - start;
		if (n == MAX_WORDS) {
			set_err(err, errlen, "too many words in request (at most %d)",
				MAX_WORDS);
			return -1;
		}
		if (wlen >= BPFTUNE_QUERY_WORD_LEN) {
			set_err(err, errlen, "word %d longer than %d bytes", n + 1,
				BPFTUNE_QUERY_WORD_LEN - 1);
			return -1;
		}
		memcpy(words[n], buf + start, wlen);
		words[n][wlen] = '\0';
		n++;
	}
	if (!n) {
		set_err(err, errlen, "empty request");
		return -1;
	}
	return n;
}

static const struct query_desc *find_query(const char *word, bool *json)
{
	size_t i;

	*json = false;
	if (word[0] == 'j' && word[1]) {
		/* jtunables, jstatus...: the JSON form */
		for (i = 0; i < NQUERIES; i++)
			if (!strcmp(word + 1, queries[i].name)) {
				*json = true;
				return &queries[i];
			}
	}
	for (i = 0; i < NQUERIES; i++)
		if (!strcmp(word, queries[i].name))
			return &queries[i];
	return NULL;
}

static int parse_enable(struct bpftune_query *q, char args[][BPFTUNE_QUERY_WORD_LEN],
			int nargs, char *err, size_t errlen)
{
	if (nargs < 1 || nargs > 2) {
		set_err(err, errlen, "usage: enable TUNER [NETNS]");
		return -1;
	}
	if (!name_ok(args[0], false)) {
		set_err(err, errlen, "enable: '%s' is not a tuner name", args[0]);
		return -1;
	}
	memcpy(q->tuner, args[0], sizeof(q->tuner));
	if (nargs == 1)
		return 0;
	if (!cookie_ok(args[1]) && !name_ok(args[1], true)) {
		set_err(err, errlen,
			"enable: '%s' is not a netns cookie, 'global' or a /run/netns name",
			args[1]);
		return -1;
	}
	memcpy(q->netns, args[1], sizeof(q->netns));
	return 0;
}

int bpftune_query_parse(const char *buf, size_t len, struct bpftune_query *q,
			char *err, size_t errlen)
{
	char words[MAX_WORDS][BPFTUNE_QUERY_WORD_LEN];
	char args[MAX_WORDS][BPFTUNE_QUERY_WORD_LEN];
	const struct query_desc *d;
	int n, i, nargs = 0, tlen;
	bool json;

	memset(q, 0, sizeof(*q));
	/* whole words are copied into *q: no stack bytes past a word's end */
	memset(words, 0, sizeof(words));
	memset(args, 0, sizeof(args));
	tlen = check_bytes(buf, len, err, errlen);
	if (tlen < 0)
		return -1;
	n = split_words(buf, (size_t)tlen, words, err, errlen);
	if (n < 0)
		return -1;
	memcpy(q->word, words[0], sizeof(q->word));
	d = find_query(words[0], &json);
	if (!d) {
		q->kind = BPFTUNE_Q_UNKNOWN;
		return 0;
	}
	q->kind = d->kind;
	q->json = json;
	for (i = 1; i < n; i++) {
		if (!strcmp(words[i], "--json") || !strcmp(words[i], "-j"))
			q->json = true;
		else
			memcpy(args[nargs++], words[i], sizeof(words[i]));
	}
	if (q->kind == BPFTUNE_Q_ENABLE)
		return parse_enable(q, args, nargs, err, errlen);
	if (nargs) {
		set_err(err, errlen, "query '%s' takes no arguments ('%s' given)",
			d->name, args[0]);
		return -1;
	}
	return 0;
}

void qbuf_init(struct bpftune_qbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void qbuf_free(struct bpftune_qbuf *b)
{
	free(b->data);
	qbuf_init(b);
}

static bool qbuf_reserve(struct bpftune_qbuf *b, size_t more)
{
	size_t want = b->len + more + 1, cap;
	char *data;

	if (b->cut)
		return false;
	if (want <= b->cap)
		return true;
	if (want > BPFTUNE_REPLY_MAX) {
		b->cut = true;
		return false;
	}
	cap = b->cap ? b->cap : 1024;
	while (cap < want)
		cap *= 2;
	if (cap > BPFTUNE_REPLY_MAX)
		cap = BPFTUNE_REPLY_MAX;
	data = realloc(b->data, cap);
	if (!data) {
		b->cut = true;
		return false;
	}
	b->data = data;
	b->cap = cap;
	return true;
}

static void qbuf_add(struct bpftune_qbuf *b, const char *s, size_t n)
{
	if (!qbuf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void qbuf_vprintf(struct bpftune_qbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || !qbuf_reserve(b, (size_t)n))
		return;
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
}

void qbuf_printf(struct bpftune_qbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	qbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

/*
 * Length of the valid UTF-8 sequence at p (1 to 4), or 0 when the byte
 * there starts none (stray continuation, overlong form, surrogate, beyond
 * U+10FFFF, cut short).  Names from the system (/run/netns entries) are
 * bytes, but JSON and Prometheus text must be UTF-8.
 */
static unsigned int utf8_len(const unsigned char *p)
{
	unsigned int n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (*p < 0x80)
		return 1;
	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4;
	else
		return 0;
	if (*p == 0xe0)
		lo = 0xa0;
	else if (*p == 0xed)
		hi = 0x9f;
	else if (*p == 0xf0)
		lo = 0x90;
	else if (*p == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Copy a valid UTF-8 sequence, or U+FFFD for a byte that starts none;
 * returns the bytes of s consumed. */
static unsigned int add_utf8(struct bpftune_qbuf *b, const unsigned char *p)
{
	unsigned int n = utf8_len(p);

	if (!n) {
		qbuf_add(b, "\xef\xbf\xbd", 3);
		return 1;
	}
	qbuf_add(b, (const char *)p, n);
	return n;
}

/*
 * One escaper for JSON strings and Prometheus label values: both escape
 * quote, backslash and newline, and both get invalid UTF-8 as U+FFFD;
 * JSON also escapes tab and the other control characters.
 */
static void qbuf_escaped(struct bpftune_qbuf *b, const char *s, bool json)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p >= 0x80) {
			p += add_utf8(b, p) - 1;
			continue;
		}
		if (*p == '"' || *p == '\\')
			qbuf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			qbuf_add(b, "\\n", 2);
		else if (json && *p == '\t')
			qbuf_add(b, "\\t", 2);
		else if (json && (*p < 0x20 || *p == 0x7f))
			qbuf_printf(b, "\\u%04x", *p);
		else
			qbuf_add(b, (const char *)p, 1);
	}
}

void qbuf_json_str(struct bpftune_qbuf *b, const char *s)
{
	qbuf_add(b, "\"", 1);
	qbuf_escaped(b, s, true);
	qbuf_add(b, "\"", 1);
}

void qbuf_prom_label(struct bpftune_qbuf *b, const char *s)
{
	qbuf_escaped(b, s, false);
}

static bool shell_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_name_char(*s, true) && *s != '/' && *s != '=' &&
		    *s != ':' && *s != ',')
			return false;
	return true;
}

void qbuf_shell_word(struct bpftune_qbuf *b, const char *s)
{
	if (shell_safe(s)) {
		qbuf_add(b, s, strlen(s));
		return;
	}
	qbuf_add(b, "'", 1);
	for (; *s; s++) {
		if (*s == '\'')
			qbuf_add(b, "'\\''", 4);
		else
			qbuf_add(b, s, 1);
	}
	qbuf_add(b, "'", 1);
}

const char *bpftune_query_info(size_t i, const char **args,
			       const char **what)
{
	if (i >= NQUERIES)
		return NULL;
	*args = queries[i].args;
	*what = queries[i].what;
	return queries[i].name;
}
