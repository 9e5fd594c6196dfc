// SPDX-License-Identifier: GPL-2.0
/*
 * Crash-safe journal of original values, and of what bpftune last wrote.
 * <state-dir>/journal holds one record a line:
 *
 *	boot <boot id>				  first record
 *	o <cookie> <name> <value> #<hash>	  original, before the first change
 *	w <cookie> <name> <value> #<hash>	  bpftune's latest write
 *
 * An original is fsync'ed before the change is made, so if the daemon dies
 * at any instant the original is on disk before anything was changed.  A
 * "w" record is not fsync'ed: it only has to outlive the process (the page
 * cache does that), since a power loss ends the boot and the journal with
 * it: netns cookies are only unique within one boot, so a journal from
 * another boot is discarded.
 *
 * The journal is input, not truth:
 *  - a record counts only whole, ending in a newline and with a matching
 *    hash; a torn last line (full disk, power loss) is dropped and cut
 *    off, so that the next record does not glue onto it;
 *  - restoring writes only sysctls a tuner declares, within its bounds,
 *    and leaves alone a value that differs from bpftune's latest write
 *    (someone set it since);
 *  - the state directory and the journal must belong to the user bpftune
 *    runs as (for root's --restore: the directory's owner), be writable by
 *    nobody else and not be symlinks: checked on the open fds;
 *  - one process at a time: the daemon holds an flock on the directory;
 *    a second daemon, or --restore, finds it taken and refuses.
 * Records of the earlier format, "<cookie> <name> <value>", are originals.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "journal_state.h"
#include "log.h"
#include "netns.h"
#include "sysctl.h"

#define JOURNAL_LINE 512
/* A journal holds a few records per tunable and namespace; one larger
 * than this was not written by bpftune. */
#define JOURNAL_MAX_BYTES (64U << 20)
/* Rewrite the journal with one original and one latest write per entry
 * once it holds this many lines and four times as many as needed. */
#define JOURNAL_COMPACT_LINES 8192
#define JOURNAL_COMPACT_RATIO 4

static struct journal_entry *entries;
static unsigned int nentries;
static int journal_fd = -1;
static int state_fd = -1;
static unsigned int nlines; /* records in the file */

/* 32-bit FNV-1a: enough to tell a whole record from a damaged one. */
static unsigned int record_hash(const char *s, size_t len)
{
	unsigned int h = 2166136261U;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619U;
	}
	return h;
}

static void free_entries(void)
{
	struct journal_entry *e;

	while ((e = entries)) {
		entries = e->next;
		free(e);
	}
	nentries = 0;
}

static struct journal_entry *entry_find(unsigned long long cookie,
					const char *name)
{
	struct journal_entry *e;

	for (e = entries; e; e = e->next)
		if (e->cookie == cookie && !strcmp(e->name, name))
			return e;
	return NULL;
}

/* The entry of (cookie, name); a new one, in file order, has orig. */
static struct journal_entry *entry_get(unsigned long long cookie,
				       const char *name, const char *orig)
{
	struct journal_entry *e = entry_find(cookie, name), **pp = &entries;

	if (e || !orig)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cookie = cookie;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->orig, sizeof(e->orig), "%s", orig);
	while (*pp)
		pp = &(*pp)->next;
	*pp = e;
	nentries++;
	return e;
}

/* One line per record: tabs and newlines in values become spaces. */
void bpftune_journal_clean_value(char *dst, const char *src)
{
	size_t i;

	if (dst != src)
		snprintf(dst, BPFTUNE_VALUE_LEN, "%s", src);
	for (i = 0; dst[i]; i++)
		if (dst[i] == '\t' || dst[i] == '\n' || dst[i] == '\r')
			dst[i] = ' ';
}

/* "o 4097 net.ipv4.tcp_rmem 4096 131072 262144 #1a2b3c4d\n" */
static int format_record(char *line, size_t size, char tag,
			 unsigned long long cookie, const char *name,
			 const char *value)
{
	char clean[BPFTUNE_VALUE_LEN];
	int len, n;

	bpftune_journal_clean_value(clean, value);
	len = snprintf(line, size, "%c %llu %s %s", tag, cookie, name, clean);
	if (len < 0 || (size_t)len >= size)
		return -ENAMETOOLONG;
	n = snprintf(line + len, size - len, " #%08x\n",
		     record_hash(line, len));
	if ((size_t)n >= size - len)
		return -ENAMETOOLONG;
	return len + n;
}

/*
 * One record (without its newline): tag 'o' or 'w', cookie, name and
 * value.  -EINVAL when malformed or its hash does not match.
 */
static int parse_record(char *line, char *tag, unsigned long long *cookie,
			char *name, const char **value)
{
	char *hash = strrchr(line, '#'), *end;
	unsigned long hv;

	if (isdigit((unsigned char)line[0])) {
		/* earlier format: an original, no hash */
		*tag = 'o';
	} else {
		if ((line[0] != 'o' && line[0] != 'w') || line[1] != ' ' ||
		    !hash || hash == line || hash[-1] != ' ')
			return -EINVAL;
		hv = strtoul(hash + 1, &end, 16);
		if (end != hash + 9 || *end ||
		    hv != record_hash(line, hash - 1 - line))
			return -EINVAL;
		hash[-1] = '\0';
		*tag = line[0];
		line += 2;
	}
	if (!isdigit((unsigned char)line[0]))
		return -EINVAL;
	*cookie = strtoull(line, &end, 10);
	if (*end != ' ')
		return -EINVAL;
	line = end + 1;
	end = strchr(line, ' ');
	if (!end || end == line || end - line >= JOURNAL_NAME_SIZE)
		return -EINVAL;
	memcpy(name, line, end - line);
	name[end - line] = '\0';
	*value = end + 1;
	return 0;
}

static void apply_record(char tag, unsigned long long cookie,
			 const char *name, const char *value)
{
	struct journal_entry *e;

	if (tag == 'o') {
		entry_get(cookie, name, value); /* the first original wins */
		return;
	}
	e = entry_find(cookie, name);
	if (e)
		snprintf(e->last, sizeof(e->last), "%s", value);
}

/*
 * Parse a journal's text into the entry list.  Returns 0 when it belongs
 * to this boot, 1 when it is from another boot (nothing loaded).  *whole
 * is the length up to the end of the last complete line.
 */
static int journal_parse(char *buf, size_t len, const char *boot_id,
			 size_t *whole)
{
	char name[JOURNAL_NAME_SIZE], *line, *nl, tag;
	unsigned long long cookie;
	const char *value;
	bool boot_ok = false;
	int lineno = 0;

	nlines = 0;
	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', buf + len - line);
		if (!nl)
			break;
		*nl = '\0';
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!strncmp(line, "boot ", 5)) {
			boot_ok = !strcmp(line + 5, boot_id);
			if (!boot_ok)
				return 1;
			continue;
		}
		if (!boot_ok)
			return 1;
		nlines++;
		if (strlen(line) != (size_t)(nl - line) ||
		    parse_record(line, &tag, &cookie, name, &value)) {
			bpftune_warn("journal line %d is damaged or malformed; skipped",
				     lineno);
			continue;
		}
		apply_record(tag, cookie, name, value);
	}
	*whole = line - buf;
	if (*whole < len)
		bpftune_warn("journal: the last line is incomplete (%zu bytes: an interrupted write); dropped",
			     len - *whole);
	return boot_ok || !lineno ? 0 : 1;
}

/* The whole file, NUL-terminated, in *buf (free it). */
static int read_all(int fd, char **buf, size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	char *b;

	if (fstat(fd, &st))
		return -errno;
	if (st.st_size > JOURNAL_MAX_BYTES)
		return -EFBIG;
	b = malloc(st.st_size + 1);
	if (!b)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		n = pread(fd, b + got, st.st_size - got, got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
}

/* Load the entries of fd; 1 when from another boot (then none loaded). */
static int journal_load(int fd, const char *boot_id, size_t *whole,
			size_t *size)
{
	char *buf = NULL;
	int err;

	free_entries();
	err = read_all(fd, &buf, size);
	if (err)
		return err;
	err = journal_parse(buf, *size, boot_id, whole);
	free(buf);
	if (err == 1) {
		bpftune_info("journal in %s is from another boot; discarded",
			     bpftune_state_path());
		free_entries();
	}
	return err;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

static int write_header(int fd, const char *boot_id)
{
	char header[160];
	int len;

	len = snprintf(header, sizeof(header),
		       "# bpftune: original values, restored by -R or --restore\n"
		       "boot %s\n",
		       boot_id);
	return write_all(fd, header, len);
}

static int journal_reset(int fd, const char *boot_id)
{
	int err;

	if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	err = write_header(fd, boot_id);
	if (err)
		return err;
	nlines = 0;
	return fsync(fd) ? -errno : 0;
}

int bpftune_journal_open(const char *state_dir)
{
	char boot_id[64];
	size_t whole = 0, size = 0;
	uid_t owner;
	int err, fd, dirfd;

	err = bpftune_journal_boot_id(boot_id, sizeof(boot_id));
	if (err)
		return err;
	dirfd = bpftune_state_open(state_dir, true, false, &owner);
	if (dirfd < 0)
		return dirfd;
	err = bpftune_state_lock(dirfd, "refusing to start a second one (stop it, or give this one another --state-dir)");
	if (err)
		goto err_dir;
	fd = bpftune_journal_file_open(dirfd, O_RDWR | O_CREAT, owner);
	if (fd < 0) {
		err = fd;
		goto err_dir;
	}
	err = journal_load(fd, boot_id, &whole, &size);
	if (err < 0)
		goto err_fd;
	if (err == 1 || size == 0)
		err = journal_reset(fd, boot_id);
	else if (whole < size && ftruncate(fd, whole))
		err = -errno;
	if (err)
		goto err_fd;
	lseek(fd, 0, SEEK_END);
	journal_fd = fd;
	state_fd = dirfd;
	return 0;
err_fd:
	close(fd);
err_dir:
	close(dirfd);
	free_entries();
	return err;
}

void bpftune_journal_close(void)
{
	if (journal_fd >= 0)
		close(journal_fd);
	if (state_fd >= 0)
		close(state_fd);
	journal_fd = -1;
	state_fd = -1;
	free_entries();
}

/* Append one record; a short write is cut off again, so no torn line
 * stays behind for the next record to glue onto. */
static int append(const char *line, int len, bool sync)
{
	off_t end;
	int err;

	if (journal_fd < 0)
		return 0;
	end = lseek(journal_fd, 0, SEEK_END);
	if (end < 0)
		return -errno;
	err = write_all(journal_fd, line, len);
	if (!err && sync && fsync(journal_fd))
		err = -errno;
	if (err) {
		if (ftruncate(journal_fd, end))
			bpftune_warn("journal: cannot cut off a failed write: %s",
				     strerror(errno));
		return err;
	}
	nlines++;
	return 0;
}

/* Every entry as one original and its latest write, into fd. */
static int write_compact(int fd, const char *boot_id)
{
	char line[JOURNAL_LINE];
	struct journal_entry *e;
	int len, err;

	err = write_header(fd, boot_id);
	for (e = entries; e && !err; e = e->next) {
		len = format_record(line, sizeof(line), 'o', e->cookie, e->name,
				    e->orig);
		err = len < 0 ? len : write_all(fd, line, len);
		if (err || !e->last[0])
			continue;
		len = format_record(line, sizeof(line), 'w', e->cookie, e->name,
				    e->last);
		err = len < 0 ? len : write_all(fd, line, len);
	}
	if (!err && fsync(fd))
		err = -errno;
	return err;
}

/*
 * Each change adds a "w" record: once the file holds many times the
 * records needed, it is rewritten (new file, fsync, rename, fsync of the
 * directory), so that it stays small for as long as the daemon runs.
 */
static void maybe_compact(void)
{
	char boot_id[64];
	int fd, err;

	if (state_fd < 0 || nlines < JOURNAL_COMPACT_LINES ||
	    nlines < JOURNAL_COMPACT_RATIO * 2 * nentries)
		return;
	if (bpftune_journal_boot_id(boot_id, sizeof(boot_id)))
		return;
	unlinkat(state_fd, JOURNAL_TMP_NAME, 0);
	fd = openat(state_fd, JOURNAL_TMP_NAME,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = write_compact(fd, boot_id);
	if (!err && renameat(state_fd, JOURNAL_TMP_NAME, state_fd, JOURNAL_NAME))
		err = -errno;
	if (err) {
		close(fd);
		unlinkat(state_fd, JOURNAL_TMP_NAME, 0);
		goto out;
	}
	fsync(state_fd);
	close(journal_fd);
	journal_fd = fd;
	bpftune_debug("journal: %u records rewritten as %u entries", nlines,
		      nentries);
	nlines = 2 * nentries;
out:
	if (err)
		bpftune_warn("journal: cannot rewrite it smaller (%s); it keeps growing",
			     strerror(-err));
}

bool bpftune_journal_has(unsigned long long cookie, const char *name)
{
	return entry_find(cookie, name) != NULL;
}

const char *bpftune_journal_original(unsigned long long cookie,
				     const char *name)
{
	struct journal_entry *e = entry_find(cookie, name);

	return e ? e->orig : NULL;
}

int bpftune_journal_record(unsigned long long cookie, const char *name,
			   const char *orig)
{
	char line[JOURNAL_LINE], clean[BPFTUNE_VALUE_LEN];
	int len, err;

	if (bpftune_journal_has(cookie, name))
		return 0;
	bpftune_journal_clean_value(clean, orig);
	len = format_record(line, sizeof(line), 'o', cookie, name, clean);
	if (len < 0)
		return len;
	err = append(line, len, true);
	if (err)
		return err;
	return entry_get(cookie, name, clean) ? 0 : -ENOMEM;
}

int bpftune_journal_wrote(unsigned long long cookie, const char *name,
			  const char *value)
{
	struct journal_entry *e = entry_find(cookie, name);
	char line[JOURNAL_LINE];
	int len, err;

	if (!e)
		return -ENOENT;
	len = format_record(line, sizeof(line), 'w', cookie, name, value);
	if (len < 0)
		return len;
	err = append(line, len, false);
	if (err)
		return err;
	bpftune_journal_clean_value(e->last, value);
	maybe_compact();
	return 0;
}

/* --restore without a daemon: load the journal of dir, checked. */
int bpftune_journal_load_dir(const char *state_dir, const char *boot_id,
			     int *dirfd)
{
	size_t whole, size;
	uid_t owner;
	int fd, err;

	*dirfd = bpftune_state_open(state_dir, false, geteuid() == 0, &owner);
	if (*dirfd < 0)
		return *dirfd;
	err = bpftune_state_lock(*dirfd, "it restores on exit with -R; stop it before --restore");
	if (err)
		goto err;
	fd = bpftune_journal_file_open(*dirfd, O_RDONLY, owner);
	if (fd < 0) {
		err = fd;
		goto err;
	}
	err = journal_load(fd, boot_id, &whole, &size);
	close(fd);
	if (err >= 0)
		return err;
err:
	close(*dirfd);
	*dirfd = -1;
	return err;
}

const struct journal_entry *bpftune_journal_entries(void)
{
	return entries;
}

/* After a restore: forget every entry, and empty the open journal or
 * remove the one in dirfd. */
int bpftune_journal_clear(int dirfd, const char *boot_id)
{
	free_entries();
	if (journal_fd >= 0)
		return journal_reset(journal_fd, boot_id);
	if (unlinkat(dirfd, JOURNAL_NAME, 0) && errno != ENOENT)
		return -errno;
	return 0;
}

bool bpftune_journal_is_open(void)
{
	return journal_fd >= 0;
}
