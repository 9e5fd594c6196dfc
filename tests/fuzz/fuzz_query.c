// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: arbitrary bytes as a query request.  The parser must
 * never read or write out of bounds, must leave NUL-terminated fields,
 * and a request it accepts must parse again to the same thing.  The reply
 * escapers get the parsed words.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/query_parse.h"

static void check_fields(const struct bpftune_query *q)
{
	if (memchr(q->word, '\0', sizeof(q->word)) == NULL ||
	    memchr(q->tuner, '\0', sizeof(q->tuner)) == NULL ||
	    memchr(q->netns, '\0', sizeof(q->netns)) == NULL)
		abort();
	if (q->kind > BPFTUNE_Q_UNKNOWN)
		abort();
	if (q->kind == BPFTUNE_Q_ENABLE && !q->tuner[0])
		abort();
}

static void escape_all(const struct bpftune_query *q)
{
	struct bpftune_qbuf b;

	qbuf_init(&b);
	qbuf_json_str(&b, q->word);
	qbuf_prom_label(&b, q->tuner);
	qbuf_shell_word(&b, q->netns);
	if (b.data && strlen(b.data) != b.len)
		abort();
	qbuf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpftune_query q, again;
	char err[160];

	if (bpftune_query_parse((const char *)data, size, &q, err, sizeof(err))) {
		if (!memchr(err, '\0', sizeof(err)) || !err[0])
			abort();
		return 0;
	}
	check_fields(&q);
	escape_all(&q);
	/* accepted input is deterministic */
	if (bpftune_query_parse((const char *)data, size, &again, err, sizeof(err)) ||
	    memcmp(&q, &again, sizeof(q)))
		abort();
	return 0;
}
