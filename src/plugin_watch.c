// SPDX-License-Identifier: GPL-2.0
/*
 * While the daemon runs, the plugin directories are watched with inotify
 * so that packages can add and remove tuners: a *_tuner.so that is closed
 * after writing or renamed into a directory is checked and loaded; one that
 * is deleted or renamed away is finalized.  A plugin directory that does
 * not exist (yet) is waited for: its deepest existing ancestor is watched
 * until each missing component appears, so that the first `make install`
 * of a tuner is picked up without a restart; one that is removed is
 * waited for again.
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
	bool waiting;	/* wd watches an ancestor of dir, which is missing */
	size_t at_len;	/* while waiting: length of the ancestor's path */
	char dir[PATH_MAX];
};

static struct plugin_watch watches[PLUGIN_WATCH_MAX];
static unsigned int nwatches;
static int inotify_fd = -1;
/* the -a list, owned by main() for the daemon's lifetime */
static char *const *watch_allow;
static int watch_nallow;

static void watch_drop(struct plugin_watch *w);
static int watch_dir(struct plugin_watch *w);
static void watch_advance(struct plugin_watch *w);

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
	for (i = 0; i < nwatches; i++) {
		if (watches[i].waiting)
			watch_advance(&watches[i]);
		else if (watches[i].wd >= 0)
			bpftune_plugins_load_dir(watches[i].dir, watch_allow,
						 watch_nallow);
	}
}

static void plugin_event_dir(struct plugin_watch *w,
			     const struct inotify_event *ev)
{
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
		bpftune_info("plugin directory %s was removed or moved; waiting for it to come back",
			     w->dir);
		watch_drop(w);
		watch_dir(w);
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

/* An event in an ancestor a missing plugin directory waits in. */
static void plugin_event_waiting(struct plugin_watch *w,
				 const struct inotify_event *ev)
{
	const char *next = w->dir + w->at_len;
	size_t len;

	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
		watch_advance(w); /* an ancestor went: wait further up */
		return;
	}
	if (!(ev->mask & (IN_CREATE | IN_MOVED_TO)) || !ev->len)
		return;
	while (*next == '/')
		next++;
	len = strcspn(next, "/");
	if (strlen(ev->name) == len && !strncmp(ev->name, next, len))
		watch_advance(w);
}

static void plugin_event(const struct inotify_event *ev)
{
	unsigned int i;

	if (ev->mask & IN_Q_OVERFLOW) {
		bpftune_warn("plugin directory events were lost; rescanning");
		plugins_rescan();
		return;
	}
	/* several waiting directories may share an ancestor (one wd) */
	for (i = 0; i < nwatches; i++) {
		if (watches[i].wd != ev->wd)
			continue;
		if (watches[i].waiting)
			plugin_event_waiting(&watches[i], ev);
		else
			plugin_event_dir(&watches[i], ev);
	}
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

/* Is wd used by another watch than w (a shared ancestor, or a plugin
 * directory that is also another one's ancestor)? */
static bool wd_shared(int wd, const struct plugin_watch *w)
{
	unsigned int i;

	for (i = 0; i < nwatches; i++)
		if (&watches[i] != w && watches[i].wd == wd)
			return true;
	return false;
}

static void watch_drop(struct plugin_watch *w)
{
	if (w->wd >= 0 && !wd_shared(w->wd, w))
		inotify_rm_watch(inotify_fd, w->wd);
	w->wd = -1;
	w->waiting = false;
}

/* Watch the deepest ancestor of w->dir that exists, for the next missing
 * component to appear. */
static int watch_ancestor(struct plugin_watch *w)
{
	char at[PATH_MAX];
	char *slash;
	int wd;

	snprintf(at, sizeof(at), "%s", w->dir);
	for (;;) {
		slash = strrchr(at, '/');
		if (!slash || !strcmp(at, "/"))
			return -ENOENT;
		if (slash == at)
			slash[1] = '\0'; /* the root */
		else
			*slash = '\0';
		wd = inotify_add_watch(inotify_fd, at, PLUGIN_WATCH_EVENTS);
		if (wd >= 0)
			break;
		if (errno != ENOENT && errno != ENOTDIR)
			return -errno;
	}
	w->wd = wd;
	w->waiting = true;
	w->at_len = strlen(at);
	bpftune_debug("plugin directory %s does not exist; watching %s for it",
		      w->dir, at);
	return 0;
}

/* Did the component below the watched ancestor appear before the watch
 * was in place?  Its event will not come, so look. */
static bool next_exists(const struct plugin_watch *w)
{
	const char *next = w->dir + w->at_len;
	char child[PATH_MAX];
	struct stat st;
	size_t len;

	while (*next == '/')
		next++;
	len = (size_t)(next - w->dir) + strcspn(next, "/");
	snprintf(child, sizeof(child), "%.*s", (int)len, w->dir);
	return !stat(child, &st) && S_ISDIR(st.st_mode);
}

/* Watch w->dir if it exists, else wait for it. */
static int watch_dir(struct plugin_watch *w)
{
	char why[256];
	int wd, err;

	err = bpftune_plugin_check_dir(w->dir, why, sizeof(why));
	if (err == -ENOENT) {
		err = watch_ancestor(w);
		if (err || !next_exists(w))
			return err;
		watch_drop(w); /* it is one level further down now */
		return watch_dir(w);
	}
	if (err)
		return -EPERM; /* the scan of dir says why */
	wd = inotify_add_watch(inotify_fd, w->dir, PLUGIN_WATCH_EVENTS);
	if (wd < 0) {
		err = -errno;
		bpftune_warn("cannot watch plugin directory %s: %s", w->dir,
			     strerror(-err));
		return err;
	}
	w->wd = wd;
	w->waiting = false;
	return 0;
}

/* Something appeared where a missing plugin directory is waited for:
 * watch it (or wait one level further down), and load what it holds. */
static void watch_advance(struct plugin_watch *w)
{
	int err;

	watch_drop(w);
	err = watch_dir(w);
	if (err == -EPERM) /* refused: the scan says why, once */
		bpftune_plugins_load_dir(w->dir, watch_allow, watch_nallow);
	if (err || w->waiting)
		return;
	bpftune_info("plugin directory %s appeared; loading tuners from it",
		     w->dir);
	bpftune_plugins_load_dir(w->dir, watch_allow, watch_nallow);
}

/* Absolute form of dir; realpath() when it exists. */
static int absolute(const char *dir, char *out, size_t len)
{
	char cwd[PATH_MAX];
	int n;

	if (realpath(dir, out))
		return 0;
	if (dir[0] == '/')
		n = snprintf(out, len, "%s", dir);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(out, len, "%s/%s", cwd, dir);
	else
		return -errno;
	return n < (int)len ? 0 : -ENAMETOOLONG;
}

static int inotify_start(void)
{
	int err;

	if (inotify_fd >= 0)
		return 0;
	inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (inotify_fd < 0)
		return -errno;
	err = bpftune_loop_add_fd(inotify_fd, on_inotify, NULL);
	if (err) {
		close(inotify_fd);
		inotify_fd = -1;
	}
	return err;
}

/*
 * Watch dir for tuners added or removed while the daemon runs; only names
 * in allow (when nallow > 0) are loaded.  Call before the first scan of
 * dir so that nothing added in between is missed.  A missing dir is
 * waited for, and loaded from when it appears.
 */
int bpftune_plugins_watch(const char *dir, char *const *allow, int nallow)
{
	struct plugin_watch *w;
	char why[256];
	unsigned int i;
	int err;

	watch_allow = allow;
	watch_nallow = nallow;
	err = bpftune_plugin_check_dir(dir, why, sizeof(why));
	if (err && err != -ENOENT)
		return -EPERM; /* the scan of dir says why */
	err = inotify_start();
	if (err)
		return err;
	if (nwatches >= PLUGIN_WATCH_MAX)
		return -ENOSPC;
	w = &watches[nwatches];
	memset(w, 0, sizeof(*w));
	w->wd = -1;
	err = absolute(dir, w->dir, sizeof(w->dir));
	if (err)
		return err;
	for (i = 0; i < nwatches; i++)
		if (!strcmp(watches[i].dir, w->dir))
			return 0; /* the same directory named twice */
	err = watch_dir(w);
	if (err)
		return err;
	nwatches++;
	if (!w->waiting)
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
