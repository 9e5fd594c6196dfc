// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup v2 directory cgroup programs (sockops, setsockopt) attach to.
 *
 * -c DIR names it.  Without -c the root of the mounted cgroup2 hierarchy
 * is used; when no cgroup2 is mounted at all, BPFTUNE_DEFAULT_CGROUP is.
 * A DIR that is not on cgroup2 is made (if missing) and cgroup2 is
 * mounted on it, as existing bpftune set-ups expect of
 * "-c /var/run/bpftune/cgroupv2"; what was mounted or made here is
 * unmounted and removed again at exit.  A fresh cgroup2 mount shows the
 * root of the hierarchy, so programs attached there see every process.
 *
 * Only main.c calls this (the daemon binary, not libbpftune).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "log.h"
#include "options.h"
#include "tuner.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static bool cg_mounted;	/* we mounted cgroup2 on cgroup_path */
static bool cg_created; /* we made the directory cgroup_path */

/* The root of the cgroup2 hierarchy, from /proc/self/mountinfo. */
static int find_cgroup2(char *path, size_t len)
{
	char line[1024], mnt[PATH_MAX], fstype[64];
	int found = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (found && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep, " - %63s", fstype) != 1 ||
		    strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
			snprintf(path, len, "%s", mnt);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

static bool is_cgroup2(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

/* 1 if DIR holds nothing, 0 if it holds something, -errno */
static int dir_empty(const char *path)
{
	struct dirent *de;
	int empty = 1;
	DIR *d;

	d = opendir(path);
	if (!d)
		return -errno;
	while (empty && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

/* mkdir -p, remembering whether the last component was made here */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (!mkdir(buf, 0755)) {
		cg_created = true;
		return 0;
	}
	return errno == EEXIST ? 0 : -errno;
}

static int mount_cgroup2(const char *path)
{
	struct stat st;
	int err;

	err = make_dirs(path);
	if (err) {
		bpftune_err("--cgroup %s: cannot create it: %s", path,
			    strerror(-err));
		return err;
	}
	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		bpftune_err("--cgroup %s is not a directory", path);
		return -ENOTDIR;
	}
	/* mounting over files would hide them: that is never what -c meant */
	err = dir_empty(path);
	if (err <= 0) {
		bpftune_err("--cgroup %s is neither a cgroup v2 directory nor empty; not mounting cgroup2 over it",
			    path);
		return err ? err : -ENOTEMPTY;
	}
	bpftune_cap_raise();
	err = mount("cgroup2", path, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		    NULL) ? -errno : 0;
	bpftune_cap_lower();
	if (err) {
		bpftune_err("--cgroup %s: cannot mount cgroup2 there: %s", path,
			    strerror(-err));
		return err;
	}
	cg_mounted = true;
	bpftune_info("mounted cgroup2 on %s (the root cgroup: programs attached there see every process)",
		     path);
	return 0;
}

int bpftune_cgroup_open(const char *requested)
{
	char *path = bpftune_cfg.cgroup_path;
	size_t len = sizeof(bpftune_cfg.cgroup_path);
	int fd, err;

	if (requested)
		snprintf(path, len, "%s", requested);
	else if (find_cgroup2(path, len))
		snprintf(path, len, "%s", BPFTUNE_DEFAULT_CGROUP);
	if (!is_cgroup2(path)) {
		err = mount_cgroup2(path);
		if (err)
			goto err;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		bpftune_err("--cgroup %s: %s", path, strerror(-err));
		goto err;
	}
	bpftune_cfg.cgroup_fd = fd;
	return 0;
err:
	bpftune_cgroup_close();
	return err;
}

void bpftune_cgroup_close(void)
{
	const char *path = bpftune_cfg.cgroup_path;

	if (bpftune_cfg.cgroup_fd >= 0)
		close(bpftune_cfg.cgroup_fd);
	bpftune_cfg.cgroup_fd = -1;
	if (cg_mounted) {
		bpftune_cap_raise();
		if (umount2(path, 0) && umount2(path, MNT_DETACH))
			bpftune_warn("cannot unmount cgroup2 from %s: %s", path,
				     strerror(errno));
		else
			bpftune_info("unmounted cgroup2 from %s", path);
		bpftune_cap_lower();
		cg_mounted = false;
	}
	if (cg_created && rmdir(path))
		bpftune_warn("cannot remove %s: %s", path, strerror(errno));
	cg_created = false;
}

int bpftune_cgroup_attach(struct bpftune_tuner *tuner,
			  struct bpf_program *prog)
{
	struct bpf_link *link;
	int err;

	if (bpftune_cfg.support_only)
		return 0;
	if (!bpf_program__autoload(prog)) {
		bpftune_debug("%s: %s was left out; not attached", tuner->name,
			      bpf_program__name(prog));
		return 0;
	}
	if (bpftune_cfg.cgroup_fd < 0)
		return -EBADF;
	if (tuner->ncgroup_links >= ARRAY_SIZE(tuner->cgroup_links))
		return -E2BIG;
	link = bpf_program__attach_cgroup(prog, bpftune_cfg.cgroup_fd);
	err = libbpf_get_error(link);
	if (err) {
		bpftune_err("%s: attaching %s to cgroup %s failed: %s",
			    tuner->name, bpf_program__name(prog),
			    bpftune_cfg.cgroup_path, strerror(-err));
		return err;
	}
	tuner->cgroup_links[tuner->ncgroup_links++] = link;
	return 0;
}
