// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespaces: netns cookie <-> an open namespace fd.
 *
 * Namespaces are found by scanning /proc/<pid>/ns/net and /run/netns.  A
 * namespace that a later scan no longer finds (no process in it, no bind
 * mount) is dropped and its fd closed, so the daemon never keeps a dead
 * namespace alive and never retries it.
 *
 * The fd held per namespace pins it, and with it its inode number, which
 * the kernel hands out again once a namespace is freed: matching a scan's
 * finds by inode is only sound while we hold the fd.  A dense host has
 * thousands of namespaces, so lookups by cookie and by inode go through
 * hash tables (a scan stats every /proc/<pid>/ns/net), and the daemon
 * raises its open-file limit (main.c); when even that runs out, the
 * namespaces beyond it are logged once and left untuned.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"
#include "netns.h"
#include "notify.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define NETNS_HASH_SIZE 4096 /* buckets; chains stay short up to ~10^4 */

static struct bpftune_netns *netns_head;
static struct bpftune_netns *by_cookie[NETNS_HASH_SIZE];
static struct bpftune_netns *by_ino[NETNS_HASH_SIZE];
static int open_err; /* last error opening a namespace; logged once */
static int self_ns_fd = -1;
static unsigned long long global_cookie;
static ino_t global_ino;
static struct timespec last_scan;
static long long scan_cost_ms; /* how long the last scan took */
static unsigned int netns_count;

static int socket_cookie(unsigned long long *cookie)
{
	socklen_t len = sizeof(*cookie);
	int sock, err = 0;

	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	if (getsockopt(sock, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		err = -errno;
	close(sock);
	return err;
}

int bpftune_netns_fd_cookie(int ns_fd, unsigned long long *cookie)
{
	int err;

	bpftune_cap_raise();
	if (setns(ns_fd, CLONE_NEWNET)) {
		err = -errno;
		goto out;
	}
	err = socket_cookie(cookie);
	if (setns(self_ns_fd, CLONE_NEWNET)) {
		/* Cannot get back: every later sysctl would go astray. */
		bpftune_err("cannot return to own netns: %s", strerror(errno));
		abort();
	}
out:
	bpftune_cap_lower();
	return err;
}

unsigned long long bpftune_netns_global_cookie(void)
{
	return global_cookie;
}

struct bpftune_netns *bpftune_netns_list(void)
{
	return netns_head;
}

unsigned int bpftune_netns_count(void)
{
	return netns_count;
}

static unsigned int hash64(unsigned long long v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (unsigned int)(v % NETNS_HASH_SIZE);
}

struct bpftune_netns *bpftune_netns_find(unsigned long long cookie)
{
	struct bpftune_netns *ns;

	if (cookie == BPFTUNE_GLOBAL_NETNS)
		cookie = global_cookie;
	for (ns = by_cookie[hash64(cookie)]; ns; ns = ns->next_cookie)
		if (ns->cookie == cookie)
			return ns;
	return NULL;
}

static struct bpftune_netns *find_ino(ino_t ino)
{
	struct bpftune_netns *ns;

	for (ns = by_ino[hash64(ino)]; ns; ns = ns->next_ino)
		if (ns->ino == ino)
			return ns;
	return NULL;
}

static void hash_add(struct bpftune_netns *ns)
{
	unsigned int hc = hash64(ns->cookie), hi = hash64(ns->ino);

	ns->next_cookie = by_cookie[hc];
	by_cookie[hc] = ns;
	ns->next_ino = by_ino[hi];
	by_ino[hi] = ns;
}

static void hash_del(struct bpftune_netns *ns)
{
	struct bpftune_netns **pp;

	for (pp = &by_cookie[hash64(ns->cookie)]; *pp; pp = &(*pp)->next_cookie) {
		if (*pp == ns) {
			*pp = ns->next_cookie;
			break;
		}
	}
	for (pp = &by_ino[hash64(ns->ino)]; *pp; pp = &(*pp)->next_ino) {
		if (*pp == ns) {
			*pp = ns->next_ino;
			break;
		}
	}
}

/* Unlink from the hash tables (the caller unlinks it from the list). */
static void ns_free(struct bpftune_netns *ns)
{
	hash_del(ns);
	close(ns->fd);
	free(ns);
	netns_count--;
}

/* EMFILE with thousands of namespaces: say so once, not once per scan. */
static void open_failed(const char *path, int err)
{
	if (err == open_err)
		return;
	open_err = err;
	if (err == EMFILE || err == ENFILE)
		bpftune_warn("cannot open %s: %s; %u namespaces are tuned, later ones are not until some go (raise LimitNOFILE)",
			     path, strerror(err), netns_count);
	else
		bpftune_debug("cannot open %s: %s", path, strerror(err));
}

static void add_ns(const char *path)
{
	struct bpftune_netns *ns;
	unsigned long long cookie;
	struct stat st;
	int fd;

	if (stat(path, &st))
		return;
	ns = find_ino(st.st_ino);
	if (ns) {
		ns->seen = true;
		/* a named namespace is found under /proc first; keep the
		 * name, which outlives the process */
		if (!strncmp(path, "/run/netns/", 11) &&
		    strncmp(ns->path, "/run/netns/", 11))
			snprintf(ns->path, sizeof(ns->path), "%s", path);
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		open_failed(path, errno);
		return;
	}
	if (bpftune_netns_fd_cookie(fd, &cookie)) {
		close(fd);
		return;
	}
	ns = calloc(1, sizeof(*ns));
	if (!ns) {
		close(fd);
		return;
	}
	ns->cookie = cookie;
	ns->ino = st.st_ino;
	ns->fd = fd;
	ns->seen = true;
	snprintf(ns->path, sizeof(ns->path), "%s", path);
	ns->next = netns_head;
	netns_head = ns;
	hash_add(ns);
	netns_count++;
	open_err = 0;
	bpftune_debug("netns %llu (inode %lu) found at %s", cookie,
		      (unsigned long)st.st_ino, path);
}

static void scan_dir(const char *dir, bool pids)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (pids && !isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), pids ? "%s/%s/ns/net" : "%s/%s",
			 dir, de->d_name);
		add_ns(path);
	}
	closedir(d);
}

static void drop_unseen(void)
{
	struct bpftune_netns **pp = &netns_head, *ns;

	while ((ns = *pp)) {
		if (ns->seen || ns->ino == global_ino) {
			pp = &ns->next;
			continue;
		}
		bpftune_debug("netns %llu is gone; forgetting it", ns->cookie);
		*pp = ns->next;
		bpftune_notify(BPFTUNE_NOTE_NETNS_GONE, &ns->cookie);
		ns_free(ns);
	}
}

static long long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000LL +
	       (b->tv_nsec - a->tv_nsec) / 1000000;
}

int bpftune_netns_scan(void)
{
	struct bpftune_netns *ns;
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (ns = netns_head; ns; ns = ns->next)
		ns->seen = false;
	bpftune_cap_raise();
	scan_dir("/proc", true);
	scan_dir("/run/netns", false);
	bpftune_cap_lower();
	drop_unseen();
	clock_gettime(CLOCK_MONOTONIC, &last_scan);
	scan_cost_ms = ms_between(&start, &last_scan);
	return 0;
}

struct bpftune_netns *bpftune_netns_lookup(unsigned long long cookie)
{
	struct bpftune_netns *ns = bpftune_netns_find(cookie);
	struct timespec now;

	if (ns)
		return ns;
	/* Unknown cookie: a namespace created since the last scan.  Rescan,
	 * but not more than ten times a second, and with thousands of
	 * namespaces (a scan stats each process's) not more than a tenth of
	 * the time. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ms_between(&last_scan, &now) <
	    (scan_cost_ms * 10 > 100 ? scan_cost_ms * 10 : 100))
		return NULL;
	bpftune_netns_scan();
	return bpftune_netns_find(cookie);
}

void bpftune_netns_forget(unsigned long long cookie)
{
	struct bpftune_netns **pp = &netns_head, *ns;

	while ((ns = *pp)) {
		if (ns->cookie != cookie || ns->ino == global_ino) {
			pp = &ns->next;
			continue;
		}
		*pp = ns->next;
		bpftune_notify(BPFTUNE_NOTE_NETNS_GONE, &ns->cookie);
		ns_free(ns);
		return;
	}
}

int bpftune_netns_enter(unsigned long long cookie)
{
	struct bpftune_netns *ns;

	if (cookie == BPFTUNE_GLOBAL_NETNS || cookie == global_cookie)
		return 0;
	ns = bpftune_netns_lookup(cookie);
	if (!ns)
		return -ESRCH;
	bpftune_cap_raise();
	if (setns(ns->fd, CLONE_NEWNET)) {
		int err = -errno;

		bpftune_cap_lower();
		return err;
	}
	bpftune_cap_lower();
	return 1;
}

void bpftune_netns_leave(int entered)
{
	if (entered <= 0)
		return;
	bpftune_cap_raise();
	if (setns(self_ns_fd, CLONE_NEWNET)) {
		bpftune_err("cannot return to own netns: %s", strerror(errno));
		abort();
	}
	bpftune_cap_lower();
}

int bpftune_netns_init(void)
{
	struct stat st;
	int err;

	self_ns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self_ns_fd < 0)
		return -errno;
	if (fstat(self_ns_fd, &st))
		return -errno;
	global_ino = st.st_ino;
	err = socket_cookie(&global_cookie);
	if (err) {
		bpftune_warn("netns cookies unsupported (%s): per-netns policy off",
			     strerror(-err));
		global_cookie = 0;
	}
	return bpftune_netns_scan();
}

void bpftune_netns_fini(void)
{
	struct bpftune_netns *ns;

	while ((ns = netns_head)) {
		netns_head = ns->next;
		ns_free(ns);
	}
	open_err = 0;
	if (self_ns_fd >= 0)
		close(self_ns_fd);
	self_ns_fd = -1;
}

/* Public form of bpftune_netns_scan() for the netns tuner. */
int bpftune_netns_rescan(void)
{
	int err = bpftune_netns_scan();

	return err ? err : (int)netns_count;
}

unsigned int bpftune_netns_cookies(unsigned long long *cookies,
				   unsigned int max)
{
	struct bpftune_netns *ns;
	unsigned int n = 0;

	for (ns = netns_head; ns; ns = ns->next, n++)
		if (n < max)
			cookies[n] = ns->cookie;
	return n;
}

int bpftune_netns_call(unsigned long long cookie, int (*fn)(void *ctx),
		       void *ctx)
{
	struct bpftune_netns *ns = bpftune_netns_find(cookie);
	int entered, ret;

	if (!ns && cookie != BPFTUNE_GLOBAL_NETNS)
		return -ESRCH;
	entered = bpftune_netns_enter(cookie);
	if (entered < 0)
		return entered;
	ret = fn(ctx);
	bpftune_netns_leave(entered);
	return ret;
}

/*
 * The namespace a process is in now.  Known namespaces are matched by
 * inode; an unknown one is asked for its cookie but not added (the next
 * scan adds it if it lives on).
 */
int bpftune_netns_pid_cookie(int pid, unsigned long long *cookie)
{
	struct bpftune_netns *ns;
	char path[64];
	struct stat st;
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	bpftune_cap_raise();
	if (stat(path, &st)) {
		err = -errno;
		bpftune_cap_lower();
		return err;
	}
	ns = find_ino(st.st_ino);
	if (ns) {
		bpftune_cap_lower();
		*cookie = ns->cookie;
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	bpftune_cap_lower();
	if (fd < 0)
		return -errno;
	err = bpftune_netns_fd_cookie(fd, cookie);
	close(fd);
	return err;
}

const char *bpftune_netns_str(unsigned long long cookie, char *buf, size_t len)
{
	if (cookie == BPFTUNE_GLOBAL_NETNS ||
	    cookie == bpftune_netns_global_cookie())
		snprintf(buf, len, "global netns");
	else
		snprintf(buf, len, "netns %llu", cookie);
	return buf;
}
