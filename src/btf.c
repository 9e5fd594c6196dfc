// SPDX-License-Identifier: GPL-2.0
/*
 * Tuners' questions to the kernel's BTF ("does this tracepoint pass a
 * socket?", "does this function return void?"), answered from the copy
 * support.c maps for its tier probe: no tuner parses its own (libbpf 1.1
 * would copy 5.5 MB for each).  Types are found by walking the records;
 * tuners ask a handful of questions at init, so there is no index.
 */
#include <errno.h>
#include <string.h>
#include <linux/btf.h>

#include "support.h"

struct btf_walk {
	const unsigned char *p, *end;
	const char *strs;
	unsigned int str_len;
};

static int walk_start(struct btf_walk *w)
{
	const struct btf_header *h = bpftune_vmlinux_btf();
	const unsigned char *data = (const void *)h;

	if (!h)
		return -ENOENT;
	w->p = data + h->hdr_len + h->type_off;
	w->end = w->p + h->type_len;
	w->strs = (const char *)data + h->hdr_len + h->str_off;
	w->str_len = h->str_len;
	return 0;
}

/* The record at w->p, or NULL past the end; advances w->p. */
static const struct btf_type *walk_next(struct btf_walk *w)
{
	const struct btf_type *t = (const void *)w->p;

	if (w->p + sizeof(*t) > w->end)
		return NULL;
	w->p += sizeof(*t) + bpftune_btf_extra(t);
	if (w->p > w->end)
		return NULL;
	return t;
}

const char *bpftune_btf_name(unsigned int name_off)
{
	struct btf_walk w;

	if (walk_start(&w) || name_off >= w.str_len)
		return NULL;
	return w.strs + name_off;
}

int bpftune_btf_find(const char *name, unsigned int kind)
{
	const struct btf_type *t;
	struct btf_walk w;
	int id = 1;

	if (!name || walk_start(&w))
		return -ENOENT;
	for (; (t = walk_next(&w)); id++)
		if (BTF_INFO_KIND(t->info) == kind && t->name_off < w.str_len &&
		    !strcmp(w.strs + t->name_off, name))
			return id;
	return -ENOENT;
}

const struct btf_type *bpftune_btf_type(unsigned int id)
{
	const struct btf_type *t;
	struct btf_walk w;
	unsigned int i;

	if (!id || walk_start(&w))
		return NULL; /* 0 is void, which has no record */
	for (i = 1; (t = walk_next(&w)); i++)
		if (i == id)
			return t;
	return NULL;
}

unsigned int bpftune_btf_resolve(unsigned int id)
{
	const struct btf_type *t;
	unsigned int depth;

	/* a bound on the chain: a corrupt file cannot loop us */
	for (depth = 0; depth < 32 && (t = bpftune_btf_type(id)); depth++) {
		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_PTR:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		default:
			return id;
		}
	}
	return id;
}
