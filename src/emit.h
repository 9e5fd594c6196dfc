/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One writer for query answers: a reply makes the same calls whether the
 * client asked for text or JSON, and the emitter writes either form.
 *
 * JSON: every call with a key (or inside an array, without one) writes a
 * member; objects and arrays nest; commas are the emitter's business.
 * Text: a value is written only through the call's text format (one
 * conversion for the value; NULL writes nothing), and emit_text() adds
 * words that have no JSON counterpart.  Objects and arrays write nothing
 * in text.  So the text form keeps the column layout scripts parse, and
 * the JSON form its members, from one sequence of calls.
 */
#ifndef BPFTUNE_EMIT_H
#define BPFTUNE_EMIT_H

#include <stdbool.h>
#include "query_parse.h"

#define EMIT_MAX_DEPTH 8

struct emit {
	struct bpftune_qbuf *b;
	bool json;
	unsigned int depth;
	bool muted;			/* text calls write nothing */
	bool more[EMIT_MAX_DEPTH];	/* the container at depth has members */
};

void emit_init(struct emit *e, struct bpftune_qbuf *b, bool json);

/* Objects and arrays; the outermost object ends with a newline in JSON. */
void emit_obj(struct emit *e, const char *key);
void emit_obj_end(struct emit *e);
void emit_arr(struct emit *e, const char *key);
void emit_arr_end(struct emit *e);

/* A member; val NULL is null in JSON and nothing in text. */
void emit_str(struct emit *e, const char *key, const char *val,
	      const char *text_fmt);
void emit_int(struct emit *e, const char *key, long long val,
	      const char *text_fmt);
void emit_uint(struct emit *e, const char *key, unsigned long long val,
	       const char *text_fmt);
void emit_bool(struct emit *e, const char *key, bool val);

/* A namespace: "netns" (cookie), "global", "path" in JSON; its name
 * (bpftune_netns_str) through text_fmt in text (NULL: nothing). */
void emit_netns(struct emit *e, unsigned long long cookie,
		const char *text_fmt);

/* Text only. */
void emit_text(struct emit *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void emit_text_shell(struct emit *e, const char *word);
/* While muted, text calls write nothing (JSON goes on): a member that
 * the text form leaves out under some condition. */
void emit_mute_text(struct emit *e, bool mute);

#endif
