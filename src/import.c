// SPDX-License-Identifier: GPL-2.0
/*
 * bpftune --import FILE: seed this host with what another one learned
 * (the JSON of `bpftune -q export --json`, see learned.c).  Here the file
 * is read and checked; import_apply.c hands it out.
 *
 * Nothing in the file is trusted: it must be a regular file (not a
 * symbolic link), not writable by every user, at most
 * BPFTUNE_IMPORT_MAX_BYTES, one JSON document of the export's form with
 * every member of the right type and in range.  A file that fails any of
 * that is refused as a whole, before any tuner starts.  Unknown members
 * are ignored (logged once each); so are entries for tuners not running
 * here, for namespaces not here, and entries older than
 * BPFTUNE_IMPORT_MAX_AGE_S.
 *
 * Learned entries go to their tuner's import op, which checks and clamps
 * them against its own bounds.  Changes of sysctls made on the other host
 * are logged, never applied: a tuner changes a sysctl on this host's own
 * evidence; the log says what the other host's value comes to within
 * this host's bounds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "core.h"
#include "import.h"
#include "learned.h"

struct import_file imp;

#define IMPORT_MAX_DEPTH 8
#define IMPORT_FUTURE_S (24 * 3600LL) /* clocks differ, not by a day */

/* ------------------------------------------------------- reading a file */

static int bad(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int read_file(const char *path, char **bufp, size_t *lenp, char *err,
		     size_t errlen)
{
	struct stat st;
	ssize_t n;
	size_t len = 0;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			return bad(err, errlen, "is a symbolic link; give the file itself");
		return bad(err, errlen, "cannot open: %s", strerror(errno));
	}
	if (fstat(fd, &st)) {
		bad(err, errlen, "cannot stat: %s", strerror(errno));
		close(fd);
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & S_IWOTH) ||
	    st.st_size > BPFTUNE_IMPORT_MAX_BYTES) {
		close(fd);
		if (!S_ISREG(st.st_mode))
			return bad(err, errlen, "not a regular file");
		if (st.st_mode & S_IWOTH)
			return bad(err, errlen, "writable by every user; refused");
		return bad(err, errlen, "%lld bytes, more than the %u accepted",
			   (long long)st.st_size, BPFTUNE_IMPORT_MAX_BYTES);
	}
	buf = malloc(BPFTUNE_IMPORT_MAX_BYTES + 1);
	if (!buf) {
		close(fd);
		return bad(err, errlen, "out of memory");
	}
	/* the size may change under us: read to the end, within the cap */
	while ((n = read(fd, buf + len, BPFTUNE_IMPORT_MAX_BYTES + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		bad(err, errlen, "read failed: %s", strerror(errno));
	close(fd);
	if (n < 0 || len > BPFTUNE_IMPORT_MAX_BYTES || !len) {
		free(buf);
		if (n < 0)
			return -EIO;
		return bad(err, errlen, len ? "grew past %u bytes while read" :
					     "empty file", BPFTUNE_IMPORT_MAX_BYTES);
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

static struct json_object *parse_json(const char *buf, size_t len, char *err,
				      size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(IMPORT_MAX_DEPTH);
	enum json_tokener_error jerr;
	struct json_object *root;
	size_t end;

	if (!tok) {
		bad(err, errlen, "out of memory");
		return NULL;
	}
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root) {
		if (jerr == json_tokener_continue)
			bad(err, errlen, "not a complete JSON document (truncated?)");
		else
			bad(err, errlen, "not JSON: %s near byte %zu",
			    json_tokener_error_desc(jerr), end);
		return NULL;
	}
	while (end < len && strchr(" \t\r\n", buf[end]))
		end++;
	if (end < len) {
		json_object_put(root);
		bad(err, errlen, "bytes after the JSON document, from byte %zu", end);
		return NULL;
	}
	return root;
}

/* ------------------------------------------------- members and their types */

static int type_err(const struct where *w, const char *key, const char *want)
{
	if (!strcmp(w->section, "the file"))
		return bad(w->err, w->errlen, "\"%s\" is not %s", key, want);
	return bad(w->err, w->errlen, "%s[%zu]: \"%s\" is not %s", w->section,
		   w->index, key, want);
}

static struct json_object *member(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

/* A string member, copied into dst; absent: "" (an error if required). */
static int get_str(struct json_object *obj, const char *key, char *dst,
		   size_t len, bool required, const struct where *w)
{
	struct json_object *v = member(obj, key);
	const char *s;
	int n;

	dst[0] = '\0';
	if (!v)
		return required ? type_err(w, key, "present") : 0;
	if (!json_object_is_type(v, json_type_string))
		return type_err(w, key, "a string");
	s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	if ((size_t)n >= len || memchr(s, '\0', (size_t)n))
		return type_err(w, key, "a short string without NUL bytes");
	memcpy(dst, s, (size_t)n + 1);
	return 0;
}

static int get_int(struct json_object *obj, const char *key, long long *val,
		   long long min, long long max, bool required,
		   const struct where *w)
{
	struct json_object *v = member(obj, key);
	char want[80];

	if (!v)
		return required ? type_err(w, key, "present") : 0;
	snprintf(want, sizeof(want), "an integer in [%lld, %lld]", min, max);
	if (!json_object_is_type(v, json_type_int))
		return type_err(w, key, want);
	*val = (long long)json_object_get_int64(v);
	if (*val < min || *val > max)
		return type_err(w, key, want);
	return 0;
}

static int get_bool(struct json_object *obj, const char *key, bool *val,
		    const struct where *w)
{
	struct json_object *v = member(obj, key);

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return type_err(w, key, "true or false");
	*val = json_object_get_boolean(v);
	return 0;
}

static struct json_object *get_arr(struct json_object *obj, const char *key,
				   size_t max, int *err, const struct where *w)
{
	struct json_object *v = member(obj, key);
	char want[64];

	*err = 0;
	if (!v)
		return NULL;
	snprintf(want, sizeof(want), "an array of at most %zu entries", max);
	if (!json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) > max) {
		*err = type_err(w, key, want);
		return NULL;
	}
	return v;
}

/* Members this version does not know: ignored, logged once each. */
static void note_unknown(struct json_object *obj, const char *const *known,
			 const char *section)
{
	static char noted[MAX_NOTED][80];
	static unsigned int nnoted;
	char id[80];
	unsigned int i;

	json_object_object_foreach(obj, key, val) {
		(void)val;
		for (i = 0; known[i] && strcmp(known[i], key); i++)
			;
		if (known[i])
			continue;
		snprintf(id, sizeof(id), "%s.%.60s", section, key);
		for (i = 0; i < nnoted && strcmp(noted[i], id); i++)
			;
		if (i < nnoted || nnoted == MAX_NOTED)
			continue;
		snprintf(noted[nnoted++], sizeof(noted[0]), "%s", id);
		bpftune_info("import %s: unknown member \"%.60s\" in %s ignored",
			     imp.path, key, section);
	}
}

/* ---------------------------------------------------------------- entries */

static int get_netns(struct json_object *obj, struct entry_ns *ns,
		     const struct where *w)
{
	ns->global = false;
	if (get_bool(obj, "global", &ns->global, w))
		return -EINVAL;
	return get_str(obj, "path", ns->path, sizeof(ns->path), false, w);
}

/* The cookie of that namespace here; -ENOENT when there is none. */
int resolve_ns(const struct entry_ns *ns, unsigned long long *cookie)
{
	const char *name = ns->path + strlen("/run/netns/");
	int fd, err;

	if (ns->global) {
		*cookie = bpftune_netns_global_cookie();
		return 0;
	}
	if (strncmp(ns->path, "/run/netns/", strlen("/run/netns/")) ||
	    !name[0] || strchr(name, '/') || name[0] == '.')
		return -ENOENT;
	fd = open(ns->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -ENOENT;
	err = bpftune_netns_fd_cookie(fd, cookie);
	close(fd);
	return err ? -ENOENT : 0;
}

static const char *const learned_members[] = {
	"tuner", "netns", "global", "path", "key", "value", "age_s", "metrics",
	NULL
};
static const char *const metric_members[] = { "name", "value", NULL };

static int get_metrics(struct json_object *obj, struct bpftune_learned *l,
		       const struct where *w)
{
	struct json_object *arr, *m;
	char name[BPFTUNE_LEARNED_NAME_LEN];
	long long v = 0;
	size_t i, n;
	int err;

	arr = get_arr(obj, "metrics", BPFTUNE_LEARNED_METRICS, &err, w);
	if (!arr)
		return err;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(m, json_type_object))
			return type_err(w, "metrics", "an array of objects");
		note_unknown(m, metric_members, "metrics");
		if (get_str(m, "name", name, sizeof(name), true, w) ||
		    get_int(m, "value", &v, -(1LL << 62), 1LL << 62, true, w))
			return -EINVAL;
		bpftune_learned_set(l, name, v);
	}
	return 0;
}

int get_learned(struct json_object *obj, char *tuner,
		       struct bpftune_learned *l, struct entry_ns *ns,
		       const struct where *w)
{
	long long age = 0;

	memset(l, 0, sizeof(*l));
	if (!json_object_is_type(obj, json_type_object))
		return type_err(w, "entry", "an object");
	note_unknown(obj, learned_members, "learned");
	if (get_str(obj, "tuner", tuner, BPFTUNE_NAME_LEN, true, w) ||
	    get_str(obj, "key", l->key, sizeof(l->key), true, w) ||
	    get_str(obj, "value", l->value, sizeof(l->value), true, w) ||
	    get_int(obj, "age_s", &age, 0, 1LL << 40, false, w) ||
	    get_netns(obj, ns, w) || get_metrics(obj, l, w))
		return -EINVAL;
	l->age_s = (unsigned long long)age;
	return 0;
}

static const char *const change_members[] = {
	"tuner", "tunable", "netns", "global", "path", "original", "current",
	"count", NULL
};

int get_change(struct json_object *obj, struct change_entry *c,
		      const struct where *w)
{
	long long count = 0;

	if (!json_object_is_type(obj, json_type_object))
		return type_err(w, "entry", "an object");
	note_unknown(obj, change_members, "changes");
	if (get_str(obj, "tuner", c->tuner, sizeof(c->tuner), false, w) ||
	    get_str(obj, "tunable", c->tunable, sizeof(c->tunable), true, w) ||
	    get_str(obj, "original", c->orig, sizeof(c->orig), false, w) ||
	    get_str(obj, "current", c->cur, sizeof(c->cur), true, w) ||
	    get_int(obj, "count", &count, 0, 1LL << 40, false, w) ||
	    get_netns(obj, &c->ns, w))
		return -EINVAL;
	return 0;
}

static const char *const top_members[] = {
	"version", "host", "exported_at", "learned", "changes", NULL
};

/* The whole document, every entry checked: 0 or -EINVAL with err. */
static int check_doc(struct import_doc *d, char *err, size_t errlen)
{
	struct where w = { "the file", 0, err, errlen };
	long long version = 0, now = (long long)time(NULL);
	struct bpftune_learned l;
	struct change_entry c;
	struct entry_ns ns;
	char tuner[BPFTUNE_NAME_LEN];
	int e1, e2;

	if (!json_object_is_type(d->root, json_type_object))
		return bad(err, errlen, "not a JSON object (expected bpftune -q export --json output)");
	note_unknown(d->root, top_members, "the file");
	if (get_int(d->root, "version", &version, 0, 1LL << 31, true, &w) ||
	    get_str(d->root, "host", d->host, sizeof(d->host), false, &w) ||
	    get_int(d->root, "exported_at", &d->exported_at, 0,
		    now + IMPORT_FUTURE_S, true, &w))
		return -EINVAL;
	if (version != BPFTUNE_EXPORT_VERSION)
		return bad(err, errlen, "version %lld not understood (this bpftune reads %d)",
			   version, BPFTUNE_EXPORT_VERSION);
	d->learned = get_arr(d->root, "learned", BPFTUNE_IMPORT_MAX_ENTRIES, &e1, &w);
	d->changes = get_arr(d->root, "changes", BPFTUNE_IMPORT_MAX_ENTRIES, &e2, &w);
	if (e1 || e2)
		return -EINVAL;
	w.section = "learned";
	for (w.index = 0; d->learned && w.index < json_object_array_length(d->learned); w.index++)
		if (get_learned(json_object_array_get_idx(d->learned, w.index),
				tuner, &l, &ns, &w))
			return -EINVAL;
	w.section = "changes";
	for (w.index = 0; d->changes && w.index < json_object_array_length(d->changes); w.index++)
		if (get_change(json_object_array_get_idx(d->changes, w.index),
			       &c, &w))
			return -EINVAL;
	return 0;
}

int open_doc(const char *buf, size_t len, struct import_doc *d,
		    char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	d->root = parse_json(buf, len, err, errlen);
	if (!d->root)
		return -EINVAL;
	if (check_doc(d, err, errlen)) {
		json_object_put(d->root);
		d->root = NULL;
		return -EINVAL;
	}
	return 0;
}

int bpftune_import_load(const char *path)
{
	struct import_doc d;
	char err[320];
	int ret;

	snprintf(imp.path, sizeof(imp.path), "%s", path);
	ret = read_file(path, &imp.buf, &imp.len, err, sizeof(err));
	if (!ret)
		ret = open_doc(imp.buf, imp.len, &d, err, sizeof(err));
	if (ret) {
		bpftune_err("import %s: %s; nothing imported", path, err);
		free(imp.buf);
		imp.buf = NULL;
		return ret;
	}
	bpftune_info("import %s: %zu learned entries and %zu changes from host %s, exported %lld s ago",
		     path, d.learned ? json_object_array_length(d.learned) : 0,
		     d.changes ? json_object_array_length(d.changes) : 0,
		     d.host[0] ? d.host : "(unnamed)",
		     (long long)time(NULL) - d.exported_at);
	json_object_put(d.root);
	return 0;
}
