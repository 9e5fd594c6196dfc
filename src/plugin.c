// SPDX-License-Identifier: GPL-2.0
/*
 * Loading tuner plugins (<name>_tuner.so) that plugin_check.c trusts,
 * starting and stopping them, and unloading them.
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
#include <time.h>
#include <unistd.h>

#include "bpfload.h"
#include "caps.h"
#include "change.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "options.h"
#include "plugin.h"
#include "support.h"
#include "sysctl.h"

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

/* A record of a tuner's ring buffer: its event handler runs. */
static int on_event(void *ctx, void *data, size_t size)
{
	struct bpftune_tuner *tuner = ctx;

	if (size < sizeof(struct bpftune_event) ||
	    tuner->state != BPFTUNE_TUNER_ACTIVE)
		return 0;
	tuner->events++;
	tuner->event_handler(tuner, data);
	bpftune_state_changed();
	return 0;
}

/* After init: the tuner's ring buffer joins the loop. */
static int plugin_events_on(struct bpftune_tuner *tuner)
{
	struct bpf_map *map;

	if (!tuner->obj)
		return 0;
	map = bpf_object__find_map_by_name(tuner->obj, "bpftune_events");
	if (!map || bpf_map__fd(map) < 0)
		return 0;
	return bpftune_loop_add_ringbuf(bpf_map__fd(map), on_event, tuner);
}

/* Its ring buffer leaves the loop before fini() destroys the map. */
static void plugin_events_off(struct bpftune_tuner *tuner)
{
	struct bpf_map *map;

	if (!tuner->obj)
		return;
	map = bpf_object__find_map_by_name(tuner->obj, "bpftune_events");
	if (map && bpf_map__fd(map) >= 0)
		bpftune_loop_del_ringbuf(bpf_map__fd(map));
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

int bpftune_tuner_start(struct bpftune_tuner *tuner)
{
	unsigned int i;
	int err;

	bpftune_cap_raise();
	err = tuner->init(tuner);
	bpftune_cap_lower();
	if (!err)
		err = plugin_events_on(tuner);
	if (err) {
		bpftune_warn("tuner %s could not start (%s); the other tuners go on",
			     tuner->name, strerror(err < 0 ? -err : err));
		tuner->state = BPFTUNE_TUNER_FAILED;
		bpftune_state_changed();
		bpftune_bpf_detach(tuner);
		if (tuner->fini)
			tuner->fini(tuner);
		return err < 0 ? err : -err;
	}
	tuner->state = BPFTUNE_TUNER_ACTIVE;
	for (i = 0; i < tuner->ntunables; i++)
		if (tuner->tunables[i].desc.name && !tuner->tunables[i].absent)
			bpftune_sysctl_remember(&tuner->tunables[i].desc);
	if (!bpftune_cfg.support_only)
		bpftune_info("tuner %s started", tuner->name);
	bpftune_state_changed();
	return 0;
}

void bpftune_tuner_stop(struct bpftune_tuner *tuner)
{
	if (tuner->state != BPFTUNE_TUNER_ACTIVE)
		return;
	plugin_events_off(tuner);
	bpftune_bpf_detach(tuner);
	if (tuner->fini)
		tuner->fini(tuner);
	tuner->skeleton = NULL;
	tuner->obj = NULL;
	tuner->state = BPFTUNE_TUNER_GONE;
	bpftune_state_changed();
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

bool bpftune_plugin_allowed(const char *file, char *const *allow, int nallow)
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

		if (bpftune_plugin_name_ok(file) && bpftune_plugin_allowed(file, allow, nallow) &&
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

struct bpftune_tuner *bpftune_plugin_by_path(const char *dir, const char *file)
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
	bpftune_tuner_stop(tuner);
	if (tuner->handle && dladdr((void *)tuner->init, &info)) {
		n = bpftune_loop_del_module(info.dli_fbase);
		if (n)
			bpftune_warn("tuner %s left %d timer(s)/fd(s) in the event loop after fini(); removed them before unloading it",
				     tuner->name, n);
	}
	plugin_close(tuner);
}
