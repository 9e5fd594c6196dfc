// SPDX-License-Identifier: GPL-2.0
/*
 * Crash-safe journal of original values.  Before a tunable is first changed
 * in a namespace, "<cookie> <name> <original value>" is appended to
 * <state-dir>/journal and fsync'ed; the first line names the boot.  So if
 * the daemon dies at any instant, the original is on disk before anything
 * was changed.  Netns cookies are only unique within one boot, hence a
 * journal from another boot is discarded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

#define JOURNAL_NAME "journal"
#define JOURNAL_LINE 512

struct journal_entry {
	struct journal_entry *next;
	unsigned long long cookie;
	char name[BPFTUNE_NAME_LEN * 2];
	char value[BPFTUNE_VALUE_LEN];
};

static struct journal_entry *entries;
static int journal_fd = -1;
static char boot_id_path[PATH_MAX] = "/proc/sys/kernel/random/boot_id";

void bpftune_journal_set_boot_id_path(const char *path)
{
	snprintf(boot_id_path, sizeof(boot_id_path), "%s", path);
}

int bpftune_journal_boot_id(char *buf, size_t len)
{
	FILE *f = fopen(boot_id_path, "re");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void free_entries(void)
{
	struct journal_entry *e;

	while ((e = entries)) {
		entries = e->next;
		free(e);
	}
}

static int add_entry(unsigned long long cookie, const char *name,
		     const char *value)
{
	struct journal_entry *e = calloc(1, sizeof(*e)), **pp = &entries;

	if (!e)
		return -ENOMEM;
	e->cookie = cookie;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->value, sizeof(e->value), "%s", value);
	/* keep file order so the first (original) entry wins */
	while (*pp)
		pp = &(*pp)->next;
	*pp = e;
	return 0;
}

static int journal_path(const char *dir, char *path, size_t len)
{
	if ((size_t)snprintf(path, len, "%s/%s", dir, JOURNAL_NAME) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Parse a journal file into the entry list.  Returns 0 when it belongs to
 * this boot, 1 when it is from another boot (entries not loaded), <0 on
 * error.  Malformed lines are skipped with a warning.
 */
static int journal_load(FILE *f, const char *boot_id)
{
	char line[JOURNAL_LINE], name[BPFTUNE_NAME_LEN * 2];
	unsigned long long cookie;
	bool boot_ok = false;
	int lineno = 0, off;

	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
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
		if (sscanf(line, "%llu %127s %n", &cookie, name, &off) != 2) {
			bpftune_warn("journal line %d is malformed; skipped",
				     lineno);
			continue;
		}
		add_entry(cookie, name, line + off);
	}
	return boot_ok || lineno == 0 ? 0 : 1;
}

/* Load entries from f (then closed); 1 when from another boot. */
static int journal_read(FILE *f, const char *path, const char *boot_id)
{
	int err;

	free_entries();
	err = journal_load(f, boot_id);
	fclose(f);
	if (err == 1) {
		bpftune_info("journal %s is from another boot; discarded", path);
		free_entries();
	}
	return err;
}

static int journal_reset(int fd, const char *boot_id)
{
	char header[128];
	int len;

	if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	len = snprintf(header, sizeof(header),
		       "# bpftune: original values, restored by -R or --restore\n"
		       "boot %s\n",
		       boot_id);
	if (write(fd, header, len) != len)
		return -EIO;
	return fsync(fd) ? -errno : 0;
}

int bpftune_journal_open(const char *state_dir)
{
	char path[PATH_MAX], boot_id[64];
	FILE *f;
	int err, fd;

	err = bpftune_journal_boot_id(boot_id, sizeof(boot_id));
	if (err)
		return err;
	if (mkdir(state_dir, 0700) && errno != EEXIST)
		return -errno;
	err = journal_path(state_dir, path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(dup(fd), "r");
	if (!f) {
		close(fd);
		return -errno;
	}
	err = journal_read(f, path, boot_id);
	if (err == 1 || lseek(fd, 0, SEEK_END) == 0) {
		err = journal_reset(fd, boot_id);
		if (err) {
			close(fd);
			return err;
		}
	}
	lseek(fd, 0, SEEK_END);
	journal_fd = fd;
	return 0;
}

void bpftune_journal_close(void)
{
	if (journal_fd >= 0)
		close(journal_fd);
	journal_fd = -1;
	free_entries();
}

bool bpftune_journal_has(unsigned long long cookie, const char *name)
{
	struct journal_entry *e;

	for (e = entries; e; e = e->next)
		if (e->cookie == cookie && !strcmp(e->name, name))
			return true;
	return false;
}

int bpftune_journal_record(unsigned long long cookie, const char *name,
			   const char *orig)
{
	char line[JOURNAL_LINE], value[BPFTUNE_VALUE_LEN];
	size_t i;
	int len;

	if (bpftune_journal_has(cookie, name))
		return 0;
	/* one line per entry: tabs and newlines in values become spaces */
	snprintf(value, sizeof(value), "%s", orig);
	for (i = 0; value[i]; i++)
		if (value[i] == '\t' || value[i] == '\n')
			value[i] = ' ';
	len = snprintf(line, sizeof(line), "%llu %s %s\n", cookie, name, value);
	if (len >= (int)sizeof(line))
		return -ENAMETOOLONG;
	if (journal_fd >= 0) {
		if (write(journal_fd, line, len) != len || fsync(journal_fd))
			return -errno ? -errno : -EIO;
	}
	return add_entry(cookie, name, value);
}

static int restore_entry(const struct journal_entry *e)
{
	unsigned long long cookie = e->cookie;
	char cur[BPFTUNE_VALUE_LEN];
	int err;

	if (cookie != bpftune_netns_global_cookie() &&
	    cookie != BPFTUNE_GLOBAL_NETNS && !bpftune_netns_find(cookie)) {
		bpftune_info("netns %llu no longer exists; %s not restored there",
			     cookie, e->name);
		return 0;
	}
	err = bpftune_sysctl_read_raw(cookie, e->name, cur, sizeof(cur));
	if (!err) {
		char *p;

		for (p = cur; *p; p++)
			if (*p == '\t')
				*p = ' ';
		if (!strcmp(cur, e->value))
			return 0;
	}
	err = bpftune_sysctl_write_raw(cookie, e->name, e->value);
	if (err) {
		bpftune_warn("could not restore %s = '%s' in netns %llu: %s",
			     e->name, e->value, cookie, strerror(-err));
		return err;
	}
	if (cookie == bpftune_netns_global_cookie() ||
	    cookie == BPFTUNE_GLOBAL_NETNS)
		bpftune_info("restored %s = '%s' (global netns)", e->name,
			     e->value);
	else
		bpftune_info("restored %s = '%s' in netns %llu", e->name,
			     e->value, cookie);
	return 0;
}

/* Only the first entry of a (netns, name) pair holds the original. */
static bool earlier_entry(const struct journal_entry *entry)
{
	struct journal_entry *e;

	for (e = entries; e != entry; e = e->next)
		if (e->cookie == entry->cookie && !strcmp(e->name, entry->name))
			return true;
	return false;
}

int bpftune_journal_restore(const char *state_dir)
{
	char path[PATH_MAX], boot_id[64];
	struct journal_entry *e;
	int err, failed = 0, restored = 0;
	FILE *f;

	err = bpftune_journal_boot_id(boot_id, sizeof(boot_id));
	if (err)
		return err;
	err = journal_path(state_dir, path, sizeof(path));
	if (err)
		return err;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT) {
			bpftune_info("no journal at %s: nothing to restore", path);
			return 0;
		}
		return -errno;
	}
	journal_read(f, path, boot_id);
	bpftune_netns_scan();
	for (e = entries; e; e = e->next) {
		if (earlier_entry(e))
			continue;
		if (restore_entry(e))
			failed++;
		else
			restored++;
	}
	if (failed) {
		bpftune_warn("%d value(s) could not be restored; journal kept",
			     failed);
		return -EIO;
	}
	free_entries();
	if (journal_fd >= 0)
		return journal_reset(journal_fd, boot_id);
	if (unlink(path) && errno != ENOENT)
		return -errno;
	bpftune_debug("journal: %d entries handled", restored);
	return 0;
}
