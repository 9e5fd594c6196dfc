// SPDX-License-Identifier: GPL-2.0
/*
 * The answers to status and rollback scan /proc and enter every
 * namespace: they are built once and shared by every client asking
 * meanwhile.  An answer is reused while younger than QUERY_CACHE_MIN_MS,
 * and while younger than QUERY_CACHE_MAX_MS if nothing changed since;
 * after a build taking T ms the next waits at least
 * QUERY_CACHE_COST_FACTOR * T ms, which keeps building them under a
 * tenth of the daemon's time.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "query.h"

#define QUERY_CACHE_MIN_MS 250
#define QUERY_CACHE_MAX_MS 1000
#define QUERY_CACHE_COST_FACTOR 10

struct qcache_slot {
	struct qshared *answer;
	long long built_ms;
	long long hold_ms; /* not rebuilt before */
	unsigned long long generation;
};

/* [0] status, [1] rollback; [json] */
static struct qcache_slot cache[2][2];

void query_shared_put(struct qshared *sh)
{
	if (!sh || --sh->refs)
		return;
	qbuf_free(&sh->b);
	free(sh);
}

static bool cache_fresh(const struct qcache_slot *slot, long long now)
{
	if (!slot->answer)
		return false;
	if (now < slot->hold_ms)
		return true;
	return now - slot->built_ms < QUERY_CACHE_MAX_MS &&
	       slot->generation == bpftune_state_generation();
}

/* status or rollback: from the cache, or built now and cached.  NULL
 * when out of memory (the caller then builds one for itself). */
struct qshared *query_cached_answer(const struct bpftune_query *q)
{
	bool rollback = q->kind == BPFTUNE_Q_ROLLBACK;
	struct qcache_slot *slot = &cache[rollback][q->json];
	long long now = bpftune_now_ms(), took;
	struct qshared *sh;

	if (!cache_fresh(slot, now)) {
		sh = calloc(1, sizeof(*sh));
		if (!sh)
			return NULL;
		sh->refs = 1;
		slot->generation = bpftune_state_generation();
		query_answer(&sh->b, q);
		query_shared_put(slot->answer);
		slot->answer = sh;
		slot->built_ms = bpftune_now_ms();
		took = slot->built_ms - now;
		slot->hold_ms = slot->built_ms +
				(took * QUERY_CACHE_COST_FACTOR > QUERY_CACHE_MIN_MS ?
					 took * QUERY_CACHE_COST_FACTOR :
					 QUERY_CACHE_MIN_MS);
		bpftune_debug("query: %s answer built in %lld ms (%zu bytes)",
			      rollback ? "rollback" : "status", took, sh->b.len);
	}
	slot->answer->refs++;
	return slot->answer;
}

void query_cache_clear(void)
{
	unsigned int i, j;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			query_shared_put(cache[i][j].answer);
			memset(&cache[i][j], 0, sizeof(cache[i][j]));
		}
	}
}

