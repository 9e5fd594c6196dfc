// SPDX-License-Identifier: GPL-2.0
/*
 * While the daemon runs, the plugin directories are watched with inotify
 * so that packages can add and remove tuners: a *_tuner.so that is closed
 * after writing or renamed into a directory is checked and loaded; one that
 * is deleted or renamed away is finalized.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "plugin.h"

#define PLUGIN_WATCH_MAX 16
#define PLUGIN_WATCH_EVENTS                                                    \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE |                \
	 IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

struct plugin_watch {
	int wd;
	char dir[PATH_MAX];
};

static struct plugin_watch watches[PLUGIN_WATCH_MAX];
static unsigned int nwatches;
static int inotify_fd = -1;
/* the -a list, owned by main() for the daemon's lifetime */
static char *const *watch_allow;
static int watch_nallow;

static void plugin_appeared(const char *dir, const char *file)
{
	struct bpftune_tuner *old = bpftune_plugin_by_path(dir, file);
	char why[256];
	int err;

	if (!bpftune_plugin_allowed(file, watch_allow, watch_nallow)) {
		bpftune_debug("plugin %s/%s appeared; not in the --allow list",
			      dir, file);
		return;
	}
	err = bpftune_plugin_check_dir(dir, why, sizeof(why));
	if (err) {
		bpftune_warn("refusing plugin %s/%s: directory: %s", dir, file,
			     why);
		return;
	}
	/* Replaced (renamed over, or rewritten in place): the old code must
	 * go before the new file, which carries the same tuner name, loads. */
	if (old)
		bpftune_plugin_unload(old, "its file was replaced");
	bpftune_info("plugin %s/%s appeared; loading it", dir, file);
	bpftune_plugin_load(dir, file);
}

/* A new regular file waits for IN_CLOSE_WRITE; a symlink never gets one,
 * so it is refused (with the reason) as soon as it appears. */
static void plugin_created(const char *dir, const char *file)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		plugin_appeared(dir, file);
}

static void plugin_vanished(const char *dir, const char *file)
{
	struct bpftune_tuner *tuner = bpftune_plugin_by_path(dir, file);
	char why[PATH_MAX + 32];

	if (!tuner)
		return;
	snprintf(why, sizeof(why), "%s was removed", tuner->path);
	bpftune_plugin_unload(tuner, why);
}

/* After lost events: drop tuners whose file is gone or replaced, then
 * load whatever is new. */
static void plugins_rescan(void)
{
	struct bpftune_tuner *tuner, *next;
	struct stat st;
	unsigned int i;

	for (tuner = bpftune_tuners(); tuner; tuner = next) {
		next = tuner->next;
		if (lstat(tuner->path, &st) == 0 && st.st_ino == tuner->ino)
			continue;
		bpftune_plugin_unload(tuner,
				      "its file was removed or replaced");
	}
	for (i = 0; i < nwatches; i++)
		if (watches[i].wd >= 0)
			bpftune_plugins_load_dir(watches[i].dir, watch_allow,
						 watch_nallow);
}

static struct plugin_watch *watch_by_wd(int wd)
{
	unsigned int i;

	for (i = 0; i < nwatches; i++)
		if (watches[i].wd == wd)
			return &watches[i];
	return NULL;
}

static void plugin_event(const struct inotify_event *ev)
{
	struct plugin_watch *w;

	if (ev->mask & IN_Q_OVERFLOW) {
		bpftune_warn("plugin directory events were lost; rescanning");
		plugins_rescan();
		return;
	}
	w = watch_by_wd(ev->wd);
	if (!w)
		return;
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
		bpftune_info("plugin directory %s was removed or moved; no longer watched",
			     w->dir);
		if (!(ev->mask & IN_IGNORED))
			inotify_rm_watch(inotify_fd, w->wd);
		w->wd = -1;
		return;
	}
	/* temporaries (.name, name~, name.dpkg-new...) are not plugins */
	if (!ev->len || !bpftune_plugin_name_ok(ev->name))
		return;
	if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
		plugin_appeared(w->dir, ev->name);
	else if (ev->mask & IN_CREATE)
		plugin_created(w->dir, ev->name);
	else if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
		plugin_vanished(w->dir, ev->name);
}

static void on_inotify(int fd, unsigned int events, void *ctx)
{
	char buf[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;

	(void)events;
	(void)ctx;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			plugin_event(ev);
		}
	}
}

/*
 * Watch dir for tuners added or removed while the daemon runs; only names
 * in allow (when nallow > 0) are loaded.  Call before the first scan of
 * dir so that nothing added in between is missed.
 */
int bpftune_plugins_watch(const char *dir, char *const *allow, int nallow)
{
	char why[256];
	int wd, err;

	watch_allow = allow;
	watch_nallow = nallow;
	if (bpftune_plugin_check_dir(dir, why, sizeof(why)))
		return -EPERM; /* the scan of dir says why */
	if (inotify_fd < 0) {
		inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (inotify_fd < 0)
			return -errno;
		err = bpftune_loop_add_fd(inotify_fd, on_inotify, NULL);
		if (err) {
			close(inotify_fd);
			inotify_fd = -1;
			return err;
		}
	}
	wd = inotify_add_watch(inotify_fd, dir, PLUGIN_WATCH_EVENTS);
	if (wd < 0) {
		err = -errno;
		bpftune_warn("cannot watch plugin directory %s: %s", dir,
			     strerror(-err));
		return err;
	}
	if (watch_by_wd(wd))
		return 0; /* the same directory named twice */
	if (nwatches >= PLUGIN_WATCH_MAX) {
		inotify_rm_watch(inotify_fd, wd);
		return -ENOSPC;
	}
	watches[nwatches].wd = wd;
	if (!realpath(dir, watches[nwatches].dir))
		snprintf(watches[nwatches].dir, sizeof(watches[nwatches].dir),
			 "%s", dir);
	nwatches++;
	bpftune_debug("watching %s for tuners added or removed", dir);
	return 0;
}

void bpftune_plugins_unwatch(void)
{
	if (inotify_fd >= 0) {
		bpftune_loop_del_fd(inotify_fd);
		close(inotify_fd);
	}
	inotify_fd = -1;
	nwatches = 0;
}
