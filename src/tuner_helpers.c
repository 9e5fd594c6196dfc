// SPDX-License-Identifier: GPL-2.0
/*
 * What tuners would otherwise each write again: raising a nearly full
 * limit within its cap (and saying once that the cap is reached), state
 * per namespace that goes with the namespace, and text reads of sysctls.
 * Built on the change path of tuner.c; nothing here writes a sysctl
 * other than through bpftune_sysctl_update().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "log.h"
#include "netns.h"
#include "notify.h"
#include "options.h"
#include "sysctl.h"
#include "tuner.h"
#include "tuner_helpers.h"
#include "tuner_netns.h"

#define NS_BUCKETS 256

struct ns_state {
	struct ns_state *next;
	unsigned long long cookie;
	max_align_t data[]; /* the tuner's struct */
};

/* "at its cap" said for (tunable, netns) */
struct capped_note {
	struct capped_note *next;
	unsigned long long cookie;
	unsigned int tunable;
};

struct bpftune_helpers {
	size_t state_size;
	bpftune_netns_state_init_fn init_state;
	struct ns_state *buckets[NS_BUCKETS];
	struct capped_note *capped;
};

static struct bpftune_helpers *helpers_get(struct bpftune_tuner *tuner)
{
	if (!tuner->helpers)
		tuner->helpers = calloc(1, sizeof(*tuner->helpers));
	return tuner->helpers;
}

static unsigned long long norm_cookie(unsigned long long cookie)
{
	return cookie == BPFTUNE_GLOBAL_NETNS ? bpftune_netns_global_cookie() :
						cookie;
}

static struct bpftune_tunable *tunable_of(struct bpftune_tuner *tuner,
					  unsigned int id)
{
	return id < tuner->ntunables ? &tuner->tunables[id] : NULL;
}

/* --- "at its cap", once --- */

static struct capped_note **capped_find(struct bpftune_helpers *h,
					unsigned long long cookie,
					unsigned int tunable)
{
	struct capped_note **pp;

	for (pp = &h->capped; *pp; pp = &(*pp)->next)
		if ((*pp)->cookie == cookie && (*pp)->tunable == tunable)
			return pp;
	return NULL;
}

/* Record the note; false if it was there already (or no memory). */
static bool capped_add(struct bpftune_tuner *tuner, unsigned long long cookie,
		       unsigned int tunable)
{
	struct bpftune_helpers *h = helpers_get(tuner);
	struct capped_note *n;

	if (!h || capped_find(h, cookie, tunable))
		return false;
	n = calloc(1, sizeof(*n));
	if (!n)
		return false;
	n->cookie = cookie;
	n->tunable = tunable;
	n->next = h->capped;
	h->capped = n;
	return true;
}

/* Global tunables are noted under the global netns, as they are changed. */
static unsigned long long note_cookie(struct bpftune_tuner *tuner,
				      unsigned int tunable,
				      unsigned long long cookie)
{
	if (bpftune_tunable_flags(tuner, tunable) & BPFTUNE_GLOBAL)
		return bpftune_netns_global_cookie();
	return norm_cookie(cookie);
}

bool bpftune_note_capped(struct bpftune_tuner *tuner,
			 unsigned long long cookie, unsigned int tunable,
			 const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!capped_add(tuner, note_cookie(tuner, tunable, cookie), tunable))
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bpftune_info("%s: %s", tuner->name, msg);
	return true;
}

void bpftune_capped_reset(struct bpftune_tuner *tuner,
			  unsigned long long cookie, unsigned int tunable)
{
	struct capped_note **pp, *n;

	if (!tuner->helpers)
		return;
	pp = capped_find(tuner->helpers, note_cookie(tuner, tunable, cookie),
			 tunable);
	if (!pp)
		return;
	n = *pp;
	*pp = n->next;
	free(n);
}

/* --- raising a nearly full limit --- */

/* "net.ipv4.tcp_rmem max", "net.ipv4.tcp_mem[1]", "net.core.rmem_max" */
static void value_label(const struct bpftune_tunable_desc *d,
			unsigned int index, char *buf, size_t len)
{
	if (d->nvalues <= 1)
		snprintf(buf, len, "%s", d->name);
	else if (index == d->nvalues - 1)
		snprintf(buf, len, "%s max", d->name);
	else
		snprintf(buf, len, "%s[%u]", d->name, index);
}

static long long value_cap(const struct bpftune_tunable_desc *d,
			   const struct bpftune_raise *r, unsigned int i)
{
	if (i == r->index && r->cap)
		return r->cap;
	return d->max[i] ? d->max[i] : LLONG_MAX;
}

static void note_at_cap(struct bpftune_tuner *tuner, unsigned long long cookie,
			const struct bpftune_tunable_desc *d,
			const struct bpftune_raise *r)
{
	char label[BPFTUNE_NAME_LEN * 2 + 8], ns[64];

	value_label(d, r->index, label, sizeof(label));
	bpftune_note_capped(tuner, cookie, r->tunable,
			    "%s is at its safety cap (%lld%s%s) in %s; can no longer grow",
			    label, value_cap(d, r, r->index),
			    r->cap_why ? " " : "", r->cap_why ? r->cap_why : "",
			    bpftune_netns_str(note_cookie(tuner, r->tunable,
							  cookie),
					      ns, sizeof(ns)));
}

/* next[] from cur[]: one step of each value that grows; false if none. */
static bool raise_next(const struct bpftune_tunable_desc *d,
		       struct bpftune_raise *r, unsigned int rate)
{
	long long cap;
	bool grows = false;
	unsigned int i;

	memcpy(r->next, r->cur, sizeof(r->next));
	for (i = 0; i < d->nvalues; i++) {
		if (i != r->index && !r->every_value)
			continue;
		cap = value_cap(d, r, i);
		if (r->cur[i] >= cap)
			continue;
		r->next[i] = (long long)bpftune_grow(r->cur[i], cap, rate);
		if (i == r->index && r->next[i] < r->at_least)
			r->next[i] = r->at_least < cap ? r->at_least : cap;
		grows |= r->next[i] > r->cur[i];
	}
	return grows;
}

int bpftune_raise_check(struct bpftune_tuner *tuner, unsigned long long cookie,
			struct bpftune_raise *r)
{
	struct bpftune_tunable *t = tunable_of(tuner, r->tunable);
	unsigned int rate = bpftune_learning_rate();
	int err;

	if (!t || r->index >= t->desc.nvalues ||
	    (t->desc.flags & BPFTUNE_STRING))
		return -EINVAL;
	if (!bpftune_tunable_usable(tuner, r->tunable, cookie))
		return 0;
	err = bpftune_sysctl_get(tuner, cookie, r->tunable, r->cur);
	if (err)
		return err;
	if (!r->force && !bpftune_nearly_full(r->used, r->cur[r->index], rate))
		return 0;
	if (!raise_next(&t->desc, r, rate)) {
		note_at_cap(tuner, cookie, &t->desc, r);
		return 0;
	}
	return 1;
}

int bpftune_raise_near_limit(struct bpftune_tuner *tuner,
			     unsigned long long cookie, struct bpftune_raise *r,
			     const char *why_fmt, ...)
{
	char why[256], label[BPFTUNE_NAME_LEN * 2 + 8];
	size_t off;
	va_list ap;
	int ret;

	ret = bpftune_raise_check(tuner, cookie, r);
	if (ret <= 0)
		return ret;
	va_start(ap, why_fmt);
	vsnprintf(why, sizeof(why), why_fmt, ap);
	va_end(ap);
	off = strlen(why);
	if (!r->force && off < sizeof(why)) {
		value_label(&tuner->tunables[r->tunable].desc, r->index, label,
			    sizeof(label));
		snprintf(why + off, sizeof(why) - off, " within %llu%% of %s (%lld)",
			 (unsigned long long)bpftune_rate_pct(bpftune_learning_rate()),
			 label, r->cur[r->index]);
	}
	return bpftune_sysctl_update(tuner, cookie, r->tunable, r->next,
				     r->scenario, "%s", why);
}

/* --- state per namespace --- */

static struct ns_state **ns_bucket(struct bpftune_helpers *h,
				   unsigned long long cookie)
{
	return &h->buckets[(cookie * 0x9e3779b97f4a7c15ULL) >> 56];
}

static struct ns_state **ns_find(struct bpftune_helpers *h,
				 unsigned long long cookie)
{
	struct ns_state **pp;

	for (pp = ns_bucket(h, cookie); *pp; pp = &(*pp)->next)
		if ((*pp)->cookie == cookie)
			return pp;
	return NULL;
}

int bpftune_netns_state_declare(struct bpftune_tuner *tuner, size_t size,
				bpftune_netns_state_init_fn init_state)
{
	struct bpftune_helpers *h = helpers_get(tuner);

	if (!h)
		return -ENOMEM;
	if (!size)
		return -EINVAL;
	h->state_size = size;
	h->init_state = init_state;
	return 0;
}

void *bpftune_netns_state_find(struct bpftune_tuner *tuner,
			       unsigned long long cookie)
{
	struct ns_state **pp;

	if (!tuner->helpers)
		return NULL;
	pp = ns_find(tuner->helpers, norm_cookie(cookie));
	return pp ? (*pp)->data : NULL;
}

void *bpftune_netns_state(struct bpftune_tuner *tuner,
			  unsigned long long cookie)
{
	struct bpftune_helpers *h = tuner->helpers;
	struct ns_state *s, **head;
	void *found;

	if (!h || !h->state_size)
		return NULL;
	cookie = norm_cookie(cookie);
	found = bpftune_netns_state_find(tuner, cookie);
	if (found)
		return found;
	/* only for a namespace the core knows, so that its going frees it */
	if (cookie != bpftune_netns_global_cookie() &&
	    !bpftune_netns_lookup(cookie))
		return NULL;
	s = calloc(1, sizeof(*s) + h->state_size);
	if (!s)
		return NULL;
	s->cookie = cookie;
	head = ns_bucket(h, cookie);
	s->next = *head;
	*head = s;
	if (h->init_state)
		h->init_state(tuner, cookie, s->data);
	return s->data;
}

void bpftune_netns_state_drop(struct bpftune_tuner *tuner,
			      unsigned long long cookie)
{
	struct ns_state **pp, *s;

	if (!tuner->helpers)
		return;
	pp = ns_find(tuner->helpers, norm_cookie(cookie));
	if (!pp)
		return;
	s = *pp;
	*pp = s->next;
	free(s);
}

void bpftune_netns_state_each(struct bpftune_tuner *tuner,
			      void (*fn)(struct bpftune_tuner *tuner,
					 unsigned long long cookie, void *state,
					 void *ctx),
			      void *ctx)
{
	struct ns_state *s, *next;
	unsigned int i;

	if (!tuner->helpers)
		return;
	for (i = 0; i < NS_BUCKETS; i++) {
		for (s = tuner->helpers->buckets[i]; s; s = next) {
			next = s->next; /* fn may drop s */
			fn(tuner, s->cookie, s->data, ctx);
		}
	}
}

static void capped_drop_netns(struct bpftune_helpers *h,
			      unsigned long long cookie)
{
	struct capped_note **pp = &h->capped, *n;

	while ((n = *pp)) {
		if (n->cookie != cookie) {
			pp = &n->next;
			continue;
		}
		*pp = n->next;
		free(n);
	}
}

static void helpers_netns_gone(unsigned long long cookie)
{
	struct bpftune_tuner *tuner;

	if (cookie == bpftune_netns_global_cookie())
		return;
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		if (!tuner->helpers)
			continue;
		bpftune_netns_state_drop(tuner, cookie);
		capped_drop_netns(tuner->helpers, cookie);
	}
}

static void helpers_free(struct bpftune_tuner *tuner)
{
	struct bpftune_helpers *h = tuner->helpers;
	struct ns_state *s;
	unsigned int i;

	if (!h)
		return;
	for (i = 0; i < NS_BUCKETS; i++) {
		while ((s = h->buckets[i])) {
			h->buckets[i] = s->next;
			free(s);
		}
	}
	while (h->capped) {
		struct capped_note *n = h->capped;

		h->capped = n->next;
		free(n);
	}
	free(h);
	tuner->helpers = NULL;
}

static void on_netns_gone(enum bpftune_note note, const void *data, void *ctx)
{
	(void)note;
	(void)ctx;
	helpers_netns_gone(*(const unsigned long long *)data);
}

static void on_tuner_free(enum bpftune_note note, const void *data, void *ctx)
{
	(void)note;
	(void)ctx;
	helpers_free((struct bpftune_tuner *)data);
}

int bpftune_helpers_init(void)
{
	int err;

	err = bpftune_notify_subscribe(BPFTUNE_NOTE_NETNS_GONE, on_netns_gone,
				       NULL);
	if (!err)
		err = bpftune_notify_subscribe(BPFTUNE_NOTE_TUNER_FREE,
					       on_tuner_free, NULL);
	return err;
}

/* --- text reads --- */

int bpftune_sysctl_read_str(unsigned long long cookie, const char *name,
			    char *buf, size_t len)
{
	if (!name || !buf || !len)
		return -EINVAL;
	return bpftune_sysctl_read_raw(norm_cookie(cookie), name, buf, len);
}

int bpftune_sysctl_get_str(struct bpftune_tuner *tuner,
			   unsigned long long cookie, unsigned int tunable,
			   char *buf, size_t len)
{
	struct bpftune_tunable *t = tunable_of(tuner, tunable);
	int err;

	if (!t || !buf || !len)
		return -EINVAL;
	if (t->absent)
		return -ENOENT;
	if (t->desc.flags & BPFTUNE_GLOBAL)
		cookie = BPFTUNE_GLOBAL_NETNS;
	err = bpftune_sysctl_read_str(cookie, t->desc.name, buf, len);
	/* logged once: a netns that refuses it is skipped from then on */
	if (err && bpftune_tunable_usable(tuner, tunable, cookie))
		bpftune_tunable_mark_failed(tuner, tunable, norm_cookie(cookie),
					    "read", err);
	return err;
}
