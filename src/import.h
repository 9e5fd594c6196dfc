/* SPDX-License-Identifier: GPL-2.0 */
/* Between import.c (reading and checking a file) and import_apply.c. */
#ifndef BPFTUNE_IMPORT_H
#define BPFTUNE_IMPORT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include <bpftune/libbpftune.h>
#include "core.h"

#define MAX_NOTED 32

extern struct import_file {
	char path[PATH_MAX];
	char *buf;
	size_t len;
} imp;

/* Where in the document a member is, for the error line. */
struct where {
	const char *section;	/* "learned", "changes", "the file" */
	size_t index;
	char *err;
	size_t errlen;
};

/* Where an entry was: the global namespace, or one named in /run/netns. */
struct entry_ns {
	bool global;
	char path[PATH_MAX];
};

struct change_entry {
	char tuner[BPFTUNE_NAME_LEN];
	char tunable[BPFTUNE_NAME_LEN * 2];
	char orig[BPFTUNE_VALUE_LEN];
	char cur[BPFTUNE_VALUE_LEN];
	struct entry_ns ns;
};

struct import_doc {
	struct json_object *root;
	struct json_object *learned;	/* or NULL */
	struct json_object *changes;	/* or NULL */
	char host[256];
	long long exported_at;
};

/* The file's document, every entry checked: 0 or -EINVAL with err. */
int open_doc(const char *buf, size_t len, struct import_doc *d, char *err,
	     size_t errlen);
/* One entry of "learned" / "changes" (checked already by open_doc). */
int get_learned(struct json_object *obj, char *tuner, struct bpftune_learned *l,
		struct entry_ns *ns, const struct where *w);
int get_change(struct json_object *obj, struct change_entry *c,
	       const struct where *w);
/* The cookie of that namespace here; -ENOENT when there is none. */
int resolve_ns(const struct entry_ns *ns, unsigned long long *cookie);

#endif
