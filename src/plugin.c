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
 *
 * While the daemon runs, the plugin directories are watched with inotify
 * so that packages can add and remove tuners: a *_tuner.so that is closed
 * after writing or renamed into a directory is checked and loaded; one that
 * is deleted or renamed away is finalized.  A file is loaded only when its
 * ELF headers say it is complete, because dlopen() of a file that is still
 * being written can map pages past its end and crash the daemon.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
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

#if __SIZEOF_POINTER__ == 8
#define PLUGIN_ELFCLASS ELFCLASS64
typedef Elf64_Ehdr plugin_ehdr;
typedef Elf64_Phdr plugin_phdr;
#else
#define PLUGIN_ELFCLASS ELFCLASS32
typedef Elf32_Ehdr plugin_ehdr;
typedef Elf32_Phdr plugin_phdr;
#endif

static int incomplete(char *why, size_t len, unsigned long long need,
		      long long size)
{
	snprintf(why, len,
		 "file is incomplete (%lld of at least %llu bytes); still being written?",
		 size, need);
	return -EAGAIN;
}

/*
 * Is the shared object behind fd complete?  Linkers write the section
 * header table last, and every loadable segment must lie inside the file;
 * a file cut short fails one of these, where dlopen() would map pages
 * past its end and fault later.
 */
int bpftune_plugin_check_complete(int fd, char *why, size_t len)
{
	unsigned long long end;
	plugin_ehdr eh;
	plugin_phdr ph;
	struct stat st;
	unsigned int i;
	ssize_t got;

	if (fstat(fd, &st)) {
		snprintf(why, len, "cannot stat: %s", strerror(errno));
		return -errno;
	}
	got = pread(fd, &eh, sizeof(eh), 0);
	if (got >= SELFMAG && memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		snprintf(why, len, "not an ELF file");
		return -ENOEXEC;
	}
	if (got != (ssize_t)sizeof(eh))
		return incomplete(why, len, sizeof(eh), st.st_size);
	if (eh.e_ident[EI_CLASS] != PLUGIN_ELFCLASS || eh.e_type != ET_DYN) {
		snprintf(why, len, "not a shared object of this architecture");
		return -ENOEXEC;
	}
	end = (unsigned long long)eh.e_shoff +
	      (unsigned long long)eh.e_shnum * eh.e_shentsize;
	if (end > (unsigned long long)st.st_size)
		return incomplete(why, len, end, st.st_size);
	end = (unsigned long long)eh.e_phoff +
	      (unsigned long long)eh.e_phnum * sizeof(ph);
	if (eh.e_phentsize != sizeof(ph) ||
	    end > (unsigned long long)st.st_size)
		return incomplete(why, len, end, st.st_size);
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) !=
		    (ssize_t)sizeof(ph))
			return incomplete(why, len, end, st.st_size);
		end = (unsigned long long)ph.p_offset + ph.p_filesz;
		if (ph.p_type == PT_LOAD &&
		    end > (unsigned long long)st.st_size)
			return incomplete(why, len, end, st.st_size);
	}
	return 0;
}

/* ms since this process was started (exec), from /proc/self/stat. */
static unsigned long ms_since_exec(void)
{
	unsigned long long start = 0;
	char buf[1024], *p;
	struct timespec now;
	ssize_t n;
	int fd;

	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* field 22, counted after the ")" that ends the command name */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
			 &start) != 1)
		return 0;
	clock_gettime(CLOCK_BOOTTIME, &now);
	return now.tv_sec * 1000UL + now.tv_nsec / 1000000 -
	       start * 1000 / sysconf(_SC_CLK_TCK);
}

/* when the first tuner of this run was ready, in ms since exec */
static unsigned long first_ready_ms;

/*
 * Start-up is over: say how long it took (the bench reads this line) and
 * free what only start-up needed.
 */
void bpftune_plugins_ready(int started)
{
	bpftune_info("ready: %d tuner(s) running (pid %d); first tuner ready %lu ms after start, all %lu ms",
		     started, (int)getpid(), first_ready_ms, ms_since_exec());
	bpftune_support_release();
}

/*
 * Bind a plugin through its descriptor.  Only the ABI version is read
 * until it matches: the rest of the layout may differ in another version.
 */
static int tuner_bind(struct bpftune_tuner *tuner, void *handle, char *why,
		      size_t len)
{
	const struct bpftune_plugin *p;

	tuner->handle = handle;
	p = dlsym(handle, BPFTUNE_PLUGIN_SYMBOL);
	if (!p) {
		snprintf(why, len,
			 "it has no %s descriptor (BPFTUNE_PLUGIN()); rebuild it against bpftune %s's headers",
			 BPFTUNE_PLUGIN_SYMBOL, BPFTUNE_VERSION);
		return -ENOENT;
	}
	if (p->abi_version != BPFTUNE_ABI_VERSION) {
		snprintf(why, len,
			 "it was built for tuner ABI %u, this bpftune has ABI %u; rebuild it against bpftune %s's headers",
			 p->abi_version, BPFTUNE_ABI_VERSION, BPFTUNE_VERSION);
		return -EPROTO;
	}
	if (!p->name || strncmp(p->name, tuner->name, BPFTUNE_NAME_LEN)) {
		snprintf(why, len,
			 "its descriptor names tuner '%.64s', its file '%s'",
			 p->name ? p->name : "", tuner->name);
		return -EINVAL;
	}
	if (!p->ops.init || !p->ops.fini || !p->ops.event_handler) {
		snprintf(why, len,
			 "its descriptor lacks init, fini or event_handler");
		return -EINVAL;
	}
	tuner->init = p->ops.init;
	tuner->fini = p->ops.fini;
	tuner->event_handler = p->ops.event_handler;
	tuner->summary = p->ops.summary;
	return 0;
}

/* dlclose, then close the fd it was opened through, then free. */
static void plugin_close(struct bpftune_tuner *tuner)
{
	if (tuner->handle)
		dlclose(tuner->handle);
	if (tuner->plugin_fd > 0)
		close(tuner->plugin_fd);
	bpftune_tuner_free(tuner);
}

int bpftune_plugin_load(const char *dir, const char *file)
{
	char name[BPFTUNE_NAME_LEN], why[256] = "", fdpath[64];
	char abs[PATH_MAX], path[PATH_MAX];
	struct bpftune_tuner *tuner;
	void *handle;
	struct stat st;
	int dirfd, fd, err;

	if (!bpftune_plugin_name_ok(file))
		return -EINVAL;
	/* absolute, so that the path still names the file after -D's
	 * chdir("/") and matches what the directory watch reports */
	if (realpath(dir, abs))
		dir = abs;
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
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
	if (!err) {
		err = bpftune_plugin_check_complete(fd, why, sizeof(why));
		if (err)
			close(fd);
	}
	if (err == -ENOENT) {
		/* gone again before we looked (a watched file renamed away) */
		bpftune_debug("plugin %s/%s: %s", dir, file, why);
		return err;
	}
	if (err) {
		bpftune_warn("refusing plugin %s/%s: %s", dir, file, why);
		return err;
	}
	fstat(fd, &st);
	/*
	 * The fd stays open while the plugin is loaded: glibc matches
	 * libraries by path name, and a reused fd number would make a
	 * second plugin resolve to the first one.
	 */
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
	snprintf(tuner->path, sizeof(tuner->path), "%s", path);
	tuner->ino = st.st_ino;
	err = tuner_bind(tuner, handle, why, sizeof(why));
	if (err) {
		bpftune_warn("refusing plugin %s: %s", tuner->path, why);
		plugin_close(tuner);
		return err;
	}
	bpftune_tuner_add(tuner);
	err = bpftune_tuner_start(tuner);
	if (err) {
		bpftune_tuner_remove(tuner);
		plugin_close(tuner);
		return err;
	}
	if (!first_ready_ms)
		first_ready_ms = ms_since_exec();
	return 0;
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
		plugin_close(tuner);
	}
}

/* --- run-time discovery: inotify on the plugin directories --- */

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

static struct bpftune_tuner *tuner_by_path(const char *dir, const char *file)
{
	struct bpftune_tuner *tuner;
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return NULL;
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next)
		if (!strcmp(tuner->path, path))
			return tuner;
	return NULL;
}

/*
 * Finalize a running tuner: its summary, then its ring buffer leaves the
 * loop (before fini() destroys the map under it), its BPF is detached and
 * its code unmapped.
 */
void bpftune_plugin_unload(struct bpftune_tuner *tuner, const char *why)
{
	Dl_info info;
	int n;

	bpftune_info("tuner %s finalized: %s", tuner->name, why);
	bpftune_tuner_print_summary(tuner);
	bpftune_tuner_remove(tuner);
	bpftune_loop_rebuild_ringbufs();
	bpftune_tuner_stop(tuner);
	if (tuner->handle && dladdr((void *)tuner->init, &info)) {
		n = bpftune_loop_del_module(info.dli_fbase);
		if (n)
			bpftune_warn("tuner %s left %d timer(s)/fd(s) in the event loop after fini(); removed them before unloading it",
				     tuner->name, n);
	}
	plugin_close(tuner);
}

static void plugin_appeared(const char *dir, const char *file)
{
	struct bpftune_tuner *old = tuner_by_path(dir, file);
	char why[256];
	int err;

	if (!allowed(file, watch_allow, watch_nallow)) {
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
	struct bpftune_tuner *tuner = tuner_by_path(dir, file);
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
