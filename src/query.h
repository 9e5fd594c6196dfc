/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The query modules of the daemon, top to bottom:
 *	query_server.c	sockets, clients, limits, timeouts
 *	query_cache.c	status and rollback answers shared by clients
 *	query_reply.c	one answer per request, through the emitter (emit.c)
 *	query_parse.c	request parsing, reply buffer and escaping (pure)
 * query_client.c is bpftune -q; it shares only query_parse.c with them.
 */
#ifndef BPFTUNE_QUERY_H
#define BPFTUNE_QUERY_H

#include "emit.h"
#include "query_parse.h"

/* One built answer, shared by every client sending it (query_cache.c). */
struct qshared {
	unsigned int refs;
	struct bpftune_qbuf b;
};

/* status or rollback: from the cache, or built now and cached (a
 * reference for the caller); NULL when out of memory. */
struct qshared *query_cached_answer(const struct bpftune_query *q);
void query_shared_put(struct qshared *sh);
void query_cache_clear(void);

/* The whole answer to a parsed request (one that passed the server's
 * checks); an answer over BPFTUNE_REPLY_MAX becomes an error. */
void query_answer(struct bpftune_qbuf *b, const struct bpftune_query *q);

/* An error answer: "error: ...\n" or {"error":"..."}. */
void query_reply_error(struct bpftune_qbuf *b, bool json, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
