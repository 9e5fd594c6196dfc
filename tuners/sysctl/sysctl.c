// SPDX-License-Identifier: GPL-2.0
/*
 * sysctl, user side: step aside when someone else sets a tunable.
 *
 * fanotify on the /proc filesystem (FAN_MARK_FILESYSTEM, else the /proc
 * mount) reports every write to a sysctl, by any process in any network
 * namespace, with the writer's pid and an fd of the written file.  When
 * the file is a tunable of a loaded tuner, each tuner that declared it:
 *   - per-netns tunable: that tuner stops tuning in that namespace only;
 *   - global tunable: that tunable is no longer tuned anywhere.
 * Writes by the daemon itself are ignored.  SIGHUP re-enables everything.
 *
 * Which namespace?  The writer ("sysctl -w" under "ip netns exec") has
 * usually exited before we read the event, so /proc/<pid>/ns/net cannot be
 * relied on.  The file itself tells: each namespace registers its own
 * sysctl tables and /proc/sys gives each its own inode, so the written
 * file's inode (fstat of the event fd, which also keeps that inode alive)
 * equals the inode the same path has in exactly one namespace.  We try
 * the writer's current namespace first, then every known one, then once
 * more after a rescan (a namespace created a moment ago).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpftune/libbpftune.h>

#include "sysctl.h"
#include "sysctl.skel.h"

#define SYSCTL_MAX_NETNS 4096
#define SYSCTL_READS_PER_WAKEUP 64
#define SYSCTL_NOTE_S 10
#define SYSCTL_RESCAN_MS 100
#define SYSCTL_PASSES_PER_S 5
#define SYSCTL_INO_HINTS 64

/* which namespace a written file's inode was last found in */
struct sysctl_ino_hint {
	ino_t ino;
	unsigned long long cookie;
};

/*
 * Lines about writes the tuner cannot act on are printed at most once per
 * SYSCTL_NOTE_S each, with the number seen since the last one: anyone,
 * even unprivileged users in namespaces of their own, can cause them.
 */
struct sysctl_note {
	time_t logged_at;
	unsigned int unlogged;
};

struct sysctl_state {
	struct sysctl_bpf *skel;
	int fan_fd;
	int comm_map_fd;
	pid_t self;
	bool overflow_logged;
	unsigned long long cookies[SYSCTL_MAX_NETNS];
	unsigned long long writes;     /* to sysctls a tuner owns */
	unsigned long long own_writes; /* by the daemon, ignored */
	unsigned long long disables;
	unsigned long long unmatched;  /* namespace not found */
	unsigned long long lost;       /* events whose file was gone */
	struct sysctl_note lost_note;
	struct sysctl_note unmatched_note;
	struct sysctl_note skipped_note;
	long long last_rescan_ms;
	time_t pass_second;
	unsigned int passes;
	unsigned long long skipped;    /* too many passes: not identified */
	struct sysctl_ino_hint hints[SYSCTL_INO_HINTS];
};

/* What one event is about, gathered before deciding. */
struct sysctl_write {
	int pid;
	char comm[SYSCTL_COMM_LEN + 1];
	char path[PATH_MAX + 8];   /* "/proc/sys/net/ipv4/tcp_rmem" */
	char name[PATH_MAX];	   /* "net.ipv4.tcp_rmem" */
	ino_t ino;		   /* of the written file */
};

/* bpftune_netns_call() context: does path have inode ino in here? */
struct ino_probe {
	const char *path;
	ino_t ino;
};

static int probe_ino(void *ctx)
{
	const struct ino_probe *probe = ctx;
	struct stat st;

	if (stat(probe->path, &st))
		return -errno;
	return st.st_ino == probe->ino;
}

static bool netns_has(unsigned long long cookie, const struct sysctl_write *w)
{
	struct ino_probe probe = { w->path, w->ino };

	return bpftune_netns_call(cookie, probe_ino, &probe) == 1;
}

static int find_in_known(struct sysctl_state *st, const struct sysctl_write *w,
			 unsigned long long skip, unsigned long long *cookie)
{
	unsigned int n, i;

	n = bpftune_netns_cookies(st->cookies, SYSCTL_MAX_NETNS);
	if (n > SYSCTL_MAX_NETNS)
		n = SYSCTL_MAX_NETNS;
	for (i = 0; i < n; i++) {
		if (st->cookies[i] == skip || !netns_has(st->cookies[i], w))
			continue;
		*cookie = st->cookies[i];
		return 0;
	}
	return -ESRCH;
}

static bool rescan_allowed(struct sysctl_state *st)
{
	long long now_ms = bpftune_now_ms();

	if (st->last_rescan_ms && now_ms - st->last_rescan_ms < SYSCTL_RESCAN_MS)
		return false;
	st->last_rescan_ms = now_ms;
	return true;
}

/*
 * A pass over every namespace costs setns() pairs; unprivileged users can
 * write sysctls of namespaces they create themselves, so bound the passes
 * (SYSCTL_PASSES_PER_S) rather than let a stream of such writes keep the
 * daemon busy.
 */
static bool pass_allowed(struct sysctl_state *st)
{
	time_t now = time(NULL);

	if (now != st->pass_second) {
		st->pass_second = now;
		st->passes = 0;
	}
	return ++st->passes <= SYSCTL_PASSES_PER_S;
}

/* The cache is only a hint: every answer is checked by netns_has(). */
static struct sysctl_ino_hint *hint_slot(struct sysctl_state *st, ino_t ino)
{
	return &st->hints[ino % SYSCTL_INO_HINTS];
}

static int search(struct sysctl_state *st, const struct sysctl_write *w,
		  unsigned long long *cookie)
{
	struct sysctl_ino_hint *hint = hint_slot(st, w->ino);
	unsigned long long guess = 0;

	if (hint->ino == w->ino && netns_has(hint->cookie, w)) {
		*cookie = hint->cookie;
		return 0;
	}
	/* the writer still lives and is still in that netns */
	if (w->pid > 0 && !bpftune_netns_pid_cookie(w->pid, &guess) &&
	    netns_has(guess, w)) {
		*cookie = guess;
		return 0;
	}
	/*
	 * Try every known namespace, once.  Rescan first: a namespace
	 * created since the last scan is the likely one (an administrator
	 * sets up a new container), and a rescan costs less than a pass over
	 * hundreds of namespaces; new ones come first in the list.  Not more
	 * than one rescan per SYSCTL_RESCAN_MS, so a stream of writes in a
	 * namespace no scan can find does not become a stream of scans.
	 */
	if (rescan_allowed(st))
		bpftune_netns_rescan();
	if (!pass_allowed(st))
		return -EBUSY;
	return find_in_known(st, w, guess, cookie);
}

static int writer_netns(struct sysctl_state *st, const struct sysctl_write *w,
			unsigned long long *cookie)
{
	struct sysctl_ino_hint *hint;
	int err = search(st, w, cookie);

	if (err)
		return err;
	hint = hint_slot(st, w->ino);
	hint->ino = w->ino;
	hint->cookie = *cookie;
	return 0;
}

static void writer_comm(struct sysctl_state *st, struct sysctl_write *w)
{
	struct sysctl_comm exited;
	char path[64];
	__u32 key = sysctl_exited_slot(w->pid);
	ssize_t n;
	int fd;

	snprintf(w->comm, sizeof(w->comm), "?");
	if (w->pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", w->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, w->comm, sizeof(w->comm) - 1);
		close(fd);
		if (n > 0) {
			w->comm[n] = '\0';
			w->comm[strcspn(w->comm, "\n")] = '\0';
			return;
		}
	}
	if (!bpf_map_lookup_elem(st->comm_map_fd, &key, &exited) &&
	    exited.tgid == (__u32)w->pid) {
		memcpy(w->comm, exited.comm, SYSCTL_COMM_LEN);
		w->comm[SYSCTL_COMM_LEN] = '\0';
	}
}

/*
 * The sysctl an event fd refers to.  readlink gives the path from our root
 * when the writer's /proc mount is visible to us, else from its mount's
 * root ("/sys/net/..." for a writer in another mount namespace, as under
 * "ip netns exec"); either way the part from "/sys/" on is the sysctl.
 */
static int sysctl_of_fd(int fd, struct sysctl_write *w)
{
	char link[64], target[PATH_MAX];
	const char *rel;
	struct stat st;
	ssize_t n;
	char *p;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return -EINVAL;
	target[n] = '\0';
	if (!strncmp(target, "/sys/", 5)) {
		rel = target;
	} else {
		rel = strstr(target, "/proc/sys/");
		if (!rel)
			return -ENOENT;
		rel += strlen("/proc");
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return -EINVAL;
	w->ino = st.st_ino;
	snprintf(w->path, sizeof(w->path), "/proc%s", rel);
	snprintf(w->name, sizeof(w->name), "%s", rel + strlen("/sys/"));
	for (p = w->name; *p; p++)
		if (*p == '/')
			*p = '.';
	return 0;
}

/* The name tuners declared the sysctl by: dotted, or slashed for a name
 * with a component holding a dot; NULL when no tuner declared it. */
static const char *declared_name(const struct sysctl_write *w)
{
	const char *slashed = w->path + strlen("/proc/sys/");

	if (bpftune_sysctl_owner(w->name, NULL))
		return w->name;
	if (bpftune_sysctl_owner(slashed, NULL))
		return slashed;
	return NULL;
}

/* Count one; true when a line is due, with *count the number to report. */
static bool note_due(struct sysctl_note *note, unsigned int *count)
{
	time_t now = time(NULL);

	note->unlogged++;
	if (note->logged_at && now - note->logged_at < SYSCTL_NOTE_S)
		return false;
	*count = note->unlogged;
	note->logged_at = now;
	note->unlogged = 0;
	return true;
}

static void note_skipped(struct sysctl_state *st, const char *why)
{
	unsigned int n;

	st->skipped++;
	if (note_due(&st->skipped_note, &n))
		bpftune_warn("sysctl: more than %d writes a second need a search for their namespace; %u not examined, the latest: %s",
			     SYSCTL_PASSES_PER_S, n, why);
}

static void note_unmatched(struct sysctl_state *st, const char *why)
{
	unsigned int n;

	st->unmatched++;
	if (note_due(&st->unmatched_note, &n))
		bpftune_info("sysctl: %s in a network namespace the daemon cannot find or enter (gone already?); nothing to do%s",
			     why, n > 1 ? " [and similar writes before]" : "");
}

/* A global tunable: off everywhere for this owner. */
static void global_aside(struct sysctl_state *st, const char *why,
			 struct bpftune_tuner *owner, unsigned int tunable)
{
	if (bpftune_tunable_usable(owner, tunable, BPFTUNE_GLOBAL_NETNS))
		st->disables++;
	bpftune_tunable_disable(owner, tunable, why);
}

/* A per-netns tunable: this owner stops tuning in that netns. */
static void netns_aside(struct sysctl_state *st, const char *why,
			struct bpftune_tuner *owner, unsigned long long cookie)
{
	char there[PATH_MAX + 160], ns[64];

	if (!bpftune_netns_enabled(owner, cookie)) {
		bpftune_debug("sysctl: %s in %s; %s is already off there", why,
			      bpftune_netns_str(cookie, ns, sizeof(ns)),
			      bpftune_tuner_name(owner));
		return;
	}
	st->disables++;
	snprintf(there, sizeof(there), "%s there (SIGHUP re-enables)", why);
	bpftune_netns_disable(owner, cookie, there);
}

/*
 * Every tuner that declared the sysctl steps aside, not only the first:
 * net.core.rmem_max, for one, is tcp_buffer's and udp_buffer's.  The
 * writer's namespace is looked for once, when a per-netns owner needs it.
 */
static void step_aside(struct sysctl_state *st, struct sysctl_write *w,
		       const char *name)
{
	unsigned long long cookie = 0;
	struct bpftune_tuner *owner;
	char why[PATH_MAX + 128];
	unsigned int tunable, n;
	bool found = false;
	int err;

	snprintf(why, sizeof(why), "pid %d (%s) set %s", w->pid, w->comm,
		 w->name);
	for (n = 0; (owner = bpftune_sysctl_owner_nth(name, n, &tunable)); n++) {
		if (bpftune_tunable_flags(owner, tunable) & BPFTUNE_GLOBAL) {
			global_aside(st, why, owner, tunable);
			continue;
		}
		if (!found) {
			err = writer_netns(st, w, &cookie);
			if (err == -EBUSY) {
				note_skipped(st, why);
				return;
			}
			if (err) {
				note_unmatched(st, why);
				return;
			}
			found = true;
		}
		netns_aside(st, why, owner, cookie);
	}
}

static void handle(struct sysctl_state *st,
		   const struct fanotify_event_metadata *m)
{
	struct sysctl_write w = { .pid = m->pid };
	const char *name;

	if (!(m->mask & FAN_MODIFY) || sysctl_of_fd(m->fd, &w))
		return;
	bpftune_debug("sysctl: pid %d wrote %s", w.pid, w.name);
	name = declared_name(&w);
	if (!name)
		return;
	if (m->pid == st->self) {
		st->own_writes++;
		return;
	}
	st->writes++;
	writer_comm(st, &w);
	step_aside(st, &w, name);
}

/*
 * read() fails (and the event is dropped) when the kernel cannot open the
 * written file any more: a sysctl of a namespace that died since the
 * write, or a /proc/<pid> file of a process that exited.  Say so, at most
 * once per SYSCTL_NOTE_S, with the count.
 */
static void note_lost(struct sysctl_state *st, int err)
{
	unsigned int n;

	st->lost++;
	if (note_due(&st->lost_note, &n))
		bpftune_info("sysctl: %u write event%s under /proc could not be examined (%s): the file went away with its namespace or process",
			     n, n == 1 ? "" : "s", strerror(err));
}

static void on_fanotify(int fd, unsigned int events, void *ctx)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	const struct fanotify_event_metadata *m;
	struct sysctl_state *st = ctx;
	unsigned int reads;
	ssize_t n;

	(void)events;
	/* bounded, so a flood of writes cannot starve the other tuners; what
	 * is left wakes us again */
	for (reads = 0; reads < SYSCTL_READS_PER_WAKEUP; reads++) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			note_lost(st, errno); /* that event is consumed */
			continue;
		}
		if (n <= 0)
			break;
		for (m = (void *)buf; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			if (m->vers != FANOTIFY_METADATA_VERSION)
				continue;
			if (m->mask & FAN_Q_OVERFLOW) {
				if (!st->overflow_logged)
					bpftune_warn("sysctl: fanotify queue overflowed; some sysctl writes were not seen");
				st->overflow_logged = true;
			}
			if (m->fd < 0)
				continue;
			handle(st, m);
			close(m->fd);
		}
	}
}

static int fanotify_start(struct sysctl_state *st)
{
	const char *how = "filesystem";
	int err;

	st->fan_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
				   O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (st->fan_fd < 0) {
		err = -errno;
		bpftune_err("sysctl: fanotify_init failed (%s); writes by others cannot be seen",
			    strerror(-err));
		return err;
	}
	/* FAN_MODIFY alone: a close after writing follows a modify, and a
	 * close without a write is not a write. */
	if (fanotify_mark(st->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
			  FAN_MODIFY, AT_FDCWD, "/proc")) {
		how = "mount";
		if (fanotify_mark(st->fan_fd, FAN_MARK_ADD | FAN_MARK_MOUNT,
				  FAN_MODIFY, AT_FDCWD, "/proc")) {
			err = -errno;
			bpftune_err("sysctl: cannot watch /proc with fanotify (%s); writes by others cannot be seen",
				    strerror(-err));
			return err;
		}
	}
	bpftune_info("sysctl: watching sysctl writes in every namespace (fanotify, %s mark on /proc)",
		     how);
	return bpftune_loop_add_fd(st->fan_fd, on_fanotify, st);
}

int init(struct bpftune_tuner *tuner)
{
	struct sysctl_state *st;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->fan_fd = -1;
	st->self = getpid();
	bpftune_tuner_set_priv(tuner, st);
	st->skel = bpftune_bpf_open(tuner, sysctl_bpf);
	if (!st->skel)
		return -errno ? -errno : -EINVAL;
	err = bpftune_bpf_attach(tuner);
	if (err || bpftune_support_only())
		return err;
	st->comm_map_fd = bpf_map__fd(st->skel->maps.exited_comm);
	return fanotify_start(st);
}

void fini(struct bpftune_tuner *tuner)
{
	struct sysctl_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	if (st->fan_fd >= 0) {
		bpftune_loop_del_fd(st->fan_fd);
		close(st->fan_fd);
	}
	sysctl_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	(void)tuner;
	(void)ev;
}

void summary(struct bpftune_tuner *tuner)
{
	struct sysctl_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	bpftune_info("summary: sysctl: %llu writes by others to tuned sysctls (%llu stopped a tuner, %llu in namespaces not found); %llu events lost (at least); %llu not examined (rate limit); %llu own writes ignored",
		     st->writes, st->disables, st->unmatched, st->lost,
		     st->skipped, st->own_writes);
}

BPFTUNE_PLUGIN("sysctl", .init = init, .fini = fini,
	       .event_handler = event_handler, .summary = summary);
