// SPDX-License-Identifier: GPL-2.0
/*
 * Finding, trusting and loading tuner plugins (<name>_tuner.so).
 *
 * A plugin runs as root with BPF privileges, so only files nobody but root
 * could have written are loaded: the directory and the file must be owned
 * by root, not group/other-writable, not symlinks, and the file must carry
 * no POSIX ACL.  The file is opened once (O_NOFOLLOW), checked through
 * that fd, and dlopen()ed through /proc/self/fd, so it cannot be swapped
 * between check and load.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core.h"

#define PLUGIN_SUFFIX "_tuner.so"

bool bpftune_plugin_name_ok(const char *name)
{
	size_t len = strlen(name), slen = strlen(PLUGIN_SUFFIX);

	if (name[0] == '.' || len <= slen || len - slen >= BPFTUNE_NAME_LEN)
		return false;
	if (strcmp(name + len - slen, PLUGIN_SUFFIX))
		return false;
	/* editor and package-manager temporaries */
	return !strpbrk(name, "~#");
}

static int check_stat(const struct stat *st, const char *what, char *why,
		      size_t len)
{
	if (st->st_uid != 0) {
		snprintf(why, len, "%s is owned by uid %u, not root", what,
			 st->st_uid);
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, len, "%s is group- or other-writable (mode %o)",
			 what, st->st_mode & 07777);
		return -EPERM;
	}
	return 0;
}

int bpftune_plugin_check_dir(const char *dir, char *why, size_t len)
{
	struct stat st;

	if (lstat(dir, &st)) {
		snprintf(why, len, "cannot access directory: %s",
			 strerror(errno));
		return -errno;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(why, len, "directory is a symlink");
		return -EPERM;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, len, "not a directory");
		return -ENOTDIR;
	}
	return check_stat(&st, "directory", why, len);
}

int bpftune_plugin_check_file(int dirfd, const char *name, int *fd_out,
			      char *why, size_t len)
{
	struct stat st;
	int fd, err;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, len, err == -ELOOP ? "file is a symlink" :
						   "cannot open: %s",
			 strerror(-err));
		return err == -ELOOP ? -EPERM : err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		goto err;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, len, "not a regular file");
		err = -EPERM;
		goto err;
	}
	err = check_stat(&st, "file", why, len);
	if (err)
		goto err;
	if (fgetxattr(fd, "system.posix_acl_access", NULL, 0) > 0) {
		snprintf(why, len, "file carries a POSIX ACL");
		err = -EPERM;
		goto err;
	}
	*fd_out = fd;
	return 0;
err:
	close(fd);
	return err;
}

static int tuner_bind(struct bpftune_tuner *tuner, void *handle)
{
	tuner->handle = handle;
	tuner->init = (int (*)(struct bpftune_tuner *))dlsym(handle, "init");
	tuner->fini = (void (*)(struct bpftune_tuner *))dlsym(handle, "fini");
	tuner->event_handler =
		(void (*)(struct bpftune_tuner *,
			  const struct bpftune_event *))dlsym(handle,
							      "event_handler");
	tuner->summary = (void (*)(struct bpftune_tuner *))dlsym(handle,
								  "summary");
	if (!tuner->init || !tuner->fini || !tuner->event_handler)
		return -ENOENT;
	return 0;
}

int bpftune_plugin_load(const char *dir, const char *file)
{
	char name[BPFTUNE_NAME_LEN], why[256] = "", fdpath[64];
	struct bpftune_tuner *tuner;
	void *handle;
	struct stat st;
	int dirfd, fd, err;

	if (!bpftune_plugin_name_ok(file))
		return -EINVAL;
	snprintf(name, sizeof(name), "%.*s",
		 (int)(strlen(file) - strlen(PLUGIN_SUFFIX)), file);
	if (bpftune_tuner_find(name)) {
		bpftune_debug("tuner %s already loaded; %s/%s ignored", name, dir,
			      file);
		return -EEXIST;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	err = bpftune_plugin_check_file(dirfd, file, &fd, why, sizeof(why));
	close(dirfd);
	if (err) {
		bpftune_warn("refusing plugin %s/%s: %s", dir, file, why);
		return err;
	}
	fstat(fd, &st);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	/*
	 * The fd stays open while the plugin is loaded: the dynamic linker
	 * knows a loaded object by its name, "/proc/self/fd/N", and would
	 * hand the previous plugin back for the next one if N were reused.
	 */
	handle = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		bpftune_warn("refusing plugin %s/%s: %s", dir, file, dlerror());
		close(fd);
		return -EINVAL;
	}
	tuner = bpftune_tuner_alloc(name);
	if (!tuner) {
		dlclose(handle);
		close(fd);
		return -ENOMEM;
	}
	tuner->plugin_fd = fd;
	snprintf(tuner->path, sizeof(tuner->path), "%s/%s", dir, file);
	tuner->ino = st.st_ino;
	if (tuner_bind(tuner, handle)) {
		bpftune_warn("refusing plugin %s: it lacks init, fini or event_handler",
			     tuner->path);
		dlclose(handle);
		close(fd);
		bpftune_tuner_free(tuner);
		return -EINVAL;
	}
	bpftune_tuner_add(tuner);
	err = bpftune_tuner_start(tuner);
	if (err) {
		bpftune_tuner_remove(tuner);
		dlclose(handle);
		close(fd);
		bpftune_tuner_free(tuner);
	}
	return err;
}

static bool allowed(const char *file, char *const *allow, int nallow)
{
	int i;

	if (!nallow)
		return true;
	for (i = 0; i < nallow; i++)
		if (!strcmp(allow[i], file))
			return true;
	return false;
}

/* Load every trusted plugin in dir; returns how many started. */
int bpftune_plugins_load_dir(const char *dir, char *const *allow, int nallow)
{
	struct dirent **names;
	char why[256];
	int n, i, err, started = 0;

	err = bpftune_plugin_check_dir(dir, why, sizeof(why));
	if (err) {
		if (err == -ENOENT)
			bpftune_debug("plugin directory %s: %s", dir, why);
		else
			bpftune_warn("refusing plugin directory %s: %s", dir,
				     why);
		return 0;
	}
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		const char *file = names[i]->d_name;

		if (bpftune_plugin_name_ok(file) && allowed(file, allow, nallow) &&
		    bpftune_plugin_load(dir, file) == 0)
			started++;
		free(names[i]);
	}
	free(names);
	return started;
}

void bpftune_plugins_unload_all(void)
{
	struct bpftune_tuner *tuner;

	while ((tuner = bpftune_tuners())) {
		bpftune_tuner_stop(tuner);
		bpftune_tuner_remove(tuner);
		if (tuner->handle) {
			dlclose(tuner->handle);
			close(tuner->plugin_fd);
		}
		bpftune_tuner_free(tuner);
	}
}
