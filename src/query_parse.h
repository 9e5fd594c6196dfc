/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Query requests and reply text: pure functions (no daemon state), so the
 * unit tests and the libFuzzer target can drive them directly.
 */
#ifndef BPFTUNE_QUERY_PARSE_H
#define BPFTUNE_QUERY_PARSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Longest request accepted, trailing newline included. */
#define BPFTUNE_QUERY_MAX 256
#define BPFTUNE_QUERY_WORD_LEN 64
/* An answer larger than this is replaced by an error: it bounds the
 * memory clients can make the daemon hold (32 x 4 MiB at worst); jstatus
 * takes ~190 bytes per tunable and namespace. */
#define BPFTUNE_REPLY_MAX (32U << 20)

enum bpftune_query_kind {
	BPFTUNE_Q_HELP,
	BPFTUNE_Q_TUNERS,
	BPFTUNE_Q_TUNABLES,
	BPFTUNE_Q_STATUS,
	BPFTUNE_Q_SUMMARY,
	BPFTUNE_Q_ROLLBACK,
	BPFTUNE_Q_EXPORT,
	BPFTUNE_Q_ENABLE,
	BPFTUNE_Q_UNKNOWN, /* a well-formed word that names no query */
};

struct bpftune_query {
	enum bpftune_query_kind kind;
	bool json;
	char word[BPFTUNE_QUERY_WORD_LEN];  /* the query word as sent */
	char tuner[BPFTUNE_QUERY_WORD_LEN]; /* enable: tuner name */
	char netns[BPFTUNE_QUERY_WORD_LEN]; /* enable: cookie, name or "" */
};

/*
 * Parse one request (a line of at most BPFTUNE_QUERY_MAX bytes; a final
 * "\n" or "\r\n" is allowed).  Returns 0 with *q filled, or -1 with a
 * one-line reason in err.  An unknown query word is not an error: it
 * gives BPFTUNE_Q_UNKNOWN, answered with the help text.
 */
int bpftune_query_parse(const char *buf, size_t len, struct bpftune_query *q,
			char *err, size_t errlen);

/* Does this query change daemon state (refused on the TCP listener)? */
bool bpftune_query_mutates(enum bpftune_query_kind kind);

/* A growing reply buffer; on allocation failure or past the cap it stops
 * growing and remembers that it was cut. */
struct bpftune_qbuf {
	char *data;
	size_t len;
	size_t cap;
	bool cut;
};

void qbuf_init(struct bpftune_qbuf *b);
void qbuf_free(struct bpftune_qbuf *b);
void qbuf_printf(struct bpftune_qbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void qbuf_vprintf(struct bpftune_qbuf *b, const char *fmt, va_list ap);
/* s as a JSON string literal, quotes included. */
void qbuf_json_str(struct bpftune_qbuf *b, const char *s);
/* s as a Prometheus label value (inside the quotes the caller writes). */
void qbuf_prom_label(struct bpftune_qbuf *b, const char *s);
/* s as one shell word (single-quoted when it needs quoting). */
void qbuf_shell_word(struct bpftune_qbuf *b, const char *s);

/* The i-th query (from 0): its name, *args and *what for the help text;
 * NULL past the last. */
const char *bpftune_query_info(size_t i, const char **args,
			       const char **what);

/* The help text (also the answer to unknown queries; query_reply.c). */
void bpftune_query_help(struct bpftune_qbuf *b, bool json);

#endif
