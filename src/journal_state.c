// SPDX-License-Identifier: GPL-2.0
/*
 * The state directory and the journal file in it, trusted only when they
 * belong to the user bpftune runs as (for root's --restore: the
 * directory's owner), are writable by nobody else and are not symlinks:
 * checked on the open fds.  One process at a time: an flock on the
 * directory.  And the boot id that journals are kept for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal_state.h"
#include "log.h"

static char state_path[PATH_MAX];
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

static int check_stat(const struct stat *st, uid_t owner, const char *what)
{
	if (st->st_uid != owner) {
		bpftune_err("%s %s is owned by uid %u, not by uid %u (the user bpftune runs as); refused",
			    what, state_path, st->st_uid, owner);
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		bpftune_err("%s %s is writable by others (mode %o); refused",
			    what, state_path, st->st_mode & 07777);
		return -EPERM;
	}
	return 0;
}

/*
 * Open (creating when asked) and check the state directory: a directory,
 * not a symlink, owned by the user we run as, or when root restores, by
 * anyone (then *owner is that user, whom the journal must belong to).
 */
int bpftune_state_open(const char *dir, bool create, bool any_owner,
		       uid_t *owner)
{
	struct stat st;
	int fd, err;

	snprintf(state_path, sizeof(state_path), "%s", dir);
	if (create && mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP || err == -ENOTDIR)
			bpftune_err("state directory %s is a symlink or not a directory; refused",
				    dir);
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	*owner = any_owner ? st.st_uid : geteuid();
	err = check_stat(&st, *owner, "state directory");
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* One process at a time per state directory. */
int bpftune_state_lock(int fd, const char *who)
{
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return 0;
	if (errno != EWOULDBLOCK)
		return -errno;
	bpftune_err("another bpftune daemon runs with state directory %s; %s",
		    state_path, who);
	return -EBUSY;
}

/* The journal file in the state directory, checked through its fd. */
int bpftune_journal_file_open(int dirfd, int flags, uid_t owner)
{
	struct stat st;
	int fd, err;

	fd = openat(dirfd, JOURNAL_NAME, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP)
			bpftune_err("journal in %s is a symlink; refused",
				    state_path);
		return err;
	}
	err = fstat(fd, &st) ? -errno : 0;
	if (!err && (!S_ISREG(st.st_mode) || st.st_nlink != 1)) {
		bpftune_err("journal in %s is not a regular file with one link; refused",
			    state_path);
		err = -EPERM;
	}
	if (!err)
		err = check_stat(&st, owner, "journal in");
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* The state directory last opened, for messages. */
const char *bpftune_state_path(void)
{
	return state_path;
}
