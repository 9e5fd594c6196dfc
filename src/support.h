/* SPDX-License-Identifier: GPL-2.0 */
/* What the running kernel supports: BTF, attach tiers (and their names). */
#ifndef BPFTUNE_SUPPORT_H
#define BPFTUNE_SUPPORT_H

#include <stdbool.h>
#include <bpftune/libbpftune.h>

struct bpftune_support {
	bool btf;
	bool tier_ok[BPFTUNE_TIER_COUNT];
	char tier_why[BPFTUNE_TIER_COUNT][128];
	bool netns_cookie;
	enum bpftune_tier best;
};
int bpftune_support_probe(struct bpftune_support *support);
const struct bpftune_support *bpftune_support_get(void);
/* Free what only start-up needed (called once the tuners are loaded). */
void bpftune_support_release(void);
void bpftune_support_print(const struct bpftune_support *support);
enum bpftune_tier bpftune_support_effective(const struct bpftune_support *s);
/* Does a tier's target exist in the running kernel? */
bool bpftune_target_exists(enum bpftune_tier tier, const char *section);
/* bpftune_tier_name() (the API) names a tier. */

/* The kernel's BTF, mapped (or read once); NULL if unreadable.  The
 * type records start hdr_len + type_off bytes in. */
struct btf_header;
struct btf_type;
const struct btf_header *bpftune_vmlinux_btf(void);
/* Bytes of type data that follow a struct btf_type of its kind. */
size_t bpftune_btf_extra(const struct btf_type *t);

#endif
