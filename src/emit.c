// SPDX-License-Identifier: GPL-2.0
/* The query answers' writer: text or JSON from the same calls (emit.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "emit.h"

void emit_init(struct emit *e, struct bpftune_qbuf *b, bool json)
{
	memset(e, 0, sizeof(*e));
	e->b = b;
	e->json = json;
}

static bool text_on(const struct emit *e)
{
	return !e->json && !e->muted;
}

/* The comma and key in front of a JSON member. */
static void member(struct emit *e, const char *key)
{
	if (e->depth && e->depth <= EMIT_MAX_DEPTH) {
		if (e->more[e->depth - 1])
			qbuf_printf(e->b, ",");
		e->more[e->depth - 1] = true;
	}
	if (key)
		qbuf_printf(e->b, "\"%s\":", key);
}

static void open_container(struct emit *e, const char *key, char c)
{
	if (e->json) {
		member(e, key);
		qbuf_printf(e->b, "%c", c);
	}
	e->depth++;
	if (e->depth <= EMIT_MAX_DEPTH)
		e->more[e->depth - 1] = false;
}

static void close_container(struct emit *e, char c)
{
	if (!e->depth)
		return;
	e->depth--;
	if (!e->json)
		return;
	qbuf_printf(e->b, "%c", c);
	if (!e->depth)
		qbuf_printf(e->b, "\n");
}

void emit_obj(struct emit *e, const char *key)
{
	open_container(e, key, '{');
}

void emit_obj_end(struct emit *e)
{
	close_container(e, '}');
}

void emit_arr(struct emit *e, const char *key)
{
	open_container(e, key, '[');
}

void emit_arr_end(struct emit *e)
{
	close_container(e, ']');
}

void emit_str(struct emit *e, const char *key, const char *val,
	      const char *text_fmt)
{
	if (e->json) {
		member(e, key);
		if (val)
			qbuf_json_str(e->b, val);
		else
			qbuf_printf(e->b, "null");
		return;
	}
	if (text_on(e) && val && text_fmt)
		qbuf_printf(e->b, text_fmt, val);
}

void emit_int(struct emit *e, const char *key, long long val,
	      const char *text_fmt)
{
	if (e->json) {
		member(e, key);
		qbuf_printf(e->b, "%lld", val);
		return;
	}
	if (text_on(e) && text_fmt)
		qbuf_printf(e->b, text_fmt, val);
}

void emit_uint(struct emit *e, const char *key, unsigned long long val,
	       const char *text_fmt)
{
	if (e->json) {
		member(e, key);
		qbuf_printf(e->b, "%llu", val);
		return;
	}
	if (text_on(e) && text_fmt)
		qbuf_printf(e->b, text_fmt, val);
}

void emit_bool(struct emit *e, const char *key, bool val)
{
	if (!e->json)
		return;
	member(e, key);
	qbuf_printf(e->b, "%s", val ? "true" : "false");
}

void emit_text(struct emit *e, const char *fmt, ...)
{
	va_list ap;

	if (!text_on(e))
		return;
	va_start(ap, fmt);
	qbuf_vprintf(e->b, fmt, ap);
	va_end(ap);
}

void emit_text_shell(struct emit *e, const char *word)
{
	if (text_on(e))
		qbuf_shell_word(e->b, word);
}

void emit_mute_text(struct emit *e, bool mute)
{
	e->muted = mute;
}

void emit_netns(struct emit *e, unsigned long long cookie,
		const char *text_fmt)
{
	unsigned long long global_cookie = bpftune_netns_global_cookie();
	bool global = cookie == BPFTUNE_GLOBAL_NETNS || cookie == global_cookie;
	struct bpftune_netns *ns = bpftune_netns_find(cookie);
	char name[64];

	emit_uint(e, "netns", global ? global_cookie : cookie, NULL);
	emit_bool(e, "global", global);
	emit_str(e, "path", ns && ns->path[0] ? ns->path : NULL, NULL);
	if (text_fmt)
		emit_text(e, text_fmt, bpftune_netns_str(cookie, name, sizeof(name)));
}
