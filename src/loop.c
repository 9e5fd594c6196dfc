// SPDX-License-Identifier: GPL-2.0
/*
 * The single-threaded event loop: one epoll over every registered ring
 * buffer (one libbpf ring_buffer, each map added with its own callback),
 * a signalfd, timers and whatever fds tuners or the core register.  It
 * is the only place that makes an epoll or a timerfd.  Nothing polls:
 * idle means blocked in epoll_wait().
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "notify.h"

struct loop_fd {
	struct loop_fd *next;
	int fd;
	bpftune_fd_cb cb;
	void *ctx;
	bool is_timer;
	bpftune_timer_cb timer_cb;
	void *timer_ctx;
	bool dead;
};

struct loop_ring {
	struct loop_ring *next;
	int map_fd;
	bpftune_ring_cb cb;
	void *ctx;
};

static int epoll_fd = -1;
static int signal_fd = -1;
static struct ring_buffer *rb;
static struct loop_ring *rings;
static struct loop_fd *fds;
static bool stopping;

static void on_rings(int fd, unsigned int events, void *ctx)
{
	(void)fd;
	(void)events;
	(void)ctx;
	if (rb)
		ring_buffer__consume(rb);
}

static int ring_join(struct loop_ring *r)
{
	int err;

	if (rb)
		return ring_buffer__add(rb, r->map_fd, r->cb, r->ctx);
	rb = ring_buffer__new(r->map_fd, r->cb, r->ctx, NULL);
	err = libbpf_get_error(rb);
	if (err) {
		rb = NULL;
		return err;
	}
	err = bpftune_loop_add_fd(ring_buffer__epoll_fd(rb), on_rings, NULL);
	if (err) {
		ring_buffer__free(rb);
		rb = NULL;
	}
	return err;
}

int bpftune_loop_add_ringbuf(int map_fd, bpftune_ring_cb cb, void *ctx)
{
	struct loop_ring *r;
	int err;

	if (map_fd < 0 || !cb)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->map_fd = map_fd;
	r->cb = cb;
	r->ctx = ctx;
	err = ring_join(r);
	if (err) {
		free(r);
		return err;
	}
	r->next = rings;
	rings = r;
	return 0;
}

static void rings_drop(void)
{
	if (!rb)
		return;
	bpftune_loop_del_fd(ring_buffer__epoll_fd(rb));
	ring_buffer__free(rb);
	rb = NULL;
}

/* libbpf 1.1 cannot remove one ring from a ring_buffer: rebuild it from
 * the rings that stay. */
void bpftune_loop_del_ringbuf(int map_fd)
{
	struct loop_ring **pp = &rings, *r;

	while ((r = *pp)) {
		if (r->map_fd != map_fd) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		free(r);
	}
	rings_drop();
	for (r = rings; r; r = r->next)
		if (ring_join(r))
			bpftune_warn("ring buffer map fd %d left the loop: cannot re-add it",
				     r->map_fd);
}

int bpftune_loop_add_fd_events(int fd, unsigned int events, bpftune_fd_cb cb,
			       void *ctx)
{
	struct epoll_event ev = { .events = events };
	struct loop_fd *lf = calloc(1, sizeof(*lf));

	if (!lf)
		return -ENOMEM;
	lf->fd = fd;
	lf->cb = cb;
	lf->ctx = ctx;
	ev.data.ptr = lf;
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev)) {
		free(lf);
		return -errno;
	}
	lf->next = fds;
	fds = lf;
	return 0;
}

int bpftune_loop_add_fd(int fd, bpftune_fd_cb cb, void *ctx)
{
	return bpftune_loop_add_fd_events(fd, EPOLLIN, cb, ctx);
}

static struct loop_fd *fd_find(int fd)
{
	struct loop_fd *lf;

	for (lf = fds; lf; lf = lf->next)
		if (lf->fd == fd && !lf->dead)
			return lf;
	return NULL;
}

int bpftune_loop_mod_fd(int fd, unsigned int events)
{
	struct loop_fd *lf = fd_find(fd);
	struct epoll_event ev = { .events = events };

	if (!lf)
		return -ENOENT;
	ev.data.ptr = lf;
	if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &ev))
		return -errno;
	return 0;
}

/* Entries are only marked here and freed after the current dispatch, so a
 * callback may remove itself or others. */
void bpftune_loop_del_fd(int fd)
{
	struct loop_fd *lf = fd_find(fd);

	if (!lf)
		return;
	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	lf->dead = true;
	if (lf->is_timer)
		close(lf->fd);
}

/*
 * Remove every fd and timer whose callback lives in the shared object
 * mapped at base: a tuner being unloaded that did not remove its own in
 * fini() would otherwise have the loop call into unmapped code.  A leaked
 * fd stays open (only its owner knows it); timers are closed.  Returns
 * how many were removed.
 */
int bpftune_loop_del_module(const void *base)
{
	struct loop_fd *lf;
	Dl_info info;
	void *fn;
	int n = 0;

	for (lf = fds; lf; lf = lf->next) {
		fn = lf->is_timer ? (void *)lf->timer_cb : (void *)lf->cb;
		if (lf->dead || !fn || !dladdr(fn, &info) ||
		    info.dli_fbase != base)
			continue;
		bpftune_loop_del_fd(lf->fd);
		n++;
	}
	return n;
}

static void reap_dead(void)
{
	struct loop_fd **pp = &fds, *lf;

	while ((lf = *pp)) {
		if (!lf->dead) {
			pp = &lf->next;
			continue;
		}
		*pp = lf->next;
		free(lf);
	}
}

static void on_timer(int fd, unsigned int events, void *ctx)
{
	struct loop_fd *lf = ctx;
	uint64_t expirations;

	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) < 0)
		return;
	lf->timer_cb(lf->timer_ctx);
}

unsigned long long bpftune_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int bpftune_timer_new(bpftune_timer_cb cb, void *ctx)
{
	int fd, err;

	if (!cb)
		return -EINVAL;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = bpftune_loop_add_fd(fd, on_timer, NULL);
	if (err) {
		close(fd);
		return err;
	}
	/* the entry just added is first; on_timer gets the entry itself */
	fds->is_timer = true;
	fds->timer_cb = cb;
	fds->timer_ctx = ctx;
	fds->ctx = fds;
	return fd;
}

static struct timespec ms_ts(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	return ts;
}

int bpftune_timer_arm(int id, unsigned int first_ms, unsigned int interval_ms)
{
	struct loop_fd *lf = fd_find(id);
	struct itimerspec its = {
		.it_interval = ms_ts(interval_ms),
		.it_value = ms_ts(first_ms),
	};

	if (!lf || !lf->is_timer)
		return -ENOENT;
	if (timerfd_settime(id, 0, &its, NULL))
		return -errno;
	return 0;
}

int bpftune_timer_add(unsigned int interval_ms, bpftune_timer_cb cb, void *ctx)
{
	int id, err;

	if (!interval_ms)
		return -EINVAL;
	id = bpftune_timer_new(cb, ctx);
	if (id < 0)
		return id;
	err = bpftune_timer_arm(id, interval_ms, interval_ms);
	if (err) {
		bpftune_timer_del(id);
		return err;
	}
	return id;
}

void bpftune_timer_del(int id)
{
	bpftune_loop_del_fd(id);
}

static void on_signal(int fd, unsigned int events, void *ctx)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)ctx;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		bpftune_notify(BPFTUNE_NOTE_SIGHUP, NULL);
		return;
	}
	bpftune_info("signal %d received; stopping", si.ssi_signo);
	stopping = true;
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/*
 * Called first thing in the daemon: a stop signal that arrives while
 * tuners load waits in the queue instead of being lost.  A shell starts
 * background jobs with SIGINT ignored, and the kernel drops an ignored
 * signal unless it is blocked; a SIGINT in the first milliseconds left
 * the daemon running.  Blocked, it is read from the signalfd once the
 * loop runs, and the daemon stops cleanly (with rollback under -R).
 */
int bpftune_loop_block_signals(void)
{
	sigset_t set;

	stop_signals(&set);
	return sigprocmask(SIG_BLOCK, &set, NULL) ? -errno : 0;
}

int bpftune_loop_init(void)
{
	sigset_t set;
	int err;

	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd < 0)
		return -errno;
	err = bpftune_loop_block_signals();
	if (err)
		return err;
	stop_signals(&set);
	signal(SIGPIPE, SIG_IGN);
	signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (signal_fd < 0)
		return -errno;
	return bpftune_loop_add_fd(signal_fd, on_signal, NULL);
}

void bpftune_loop_stop(void)
{
	stopping = true;
}

int bpftune_loop_run(void)
{
	struct epoll_event evs[16];
	struct loop_fd *lf;
	int n, i;

	while (!stopping) {
		n = epoll_wait(epoll_fd, evs, ARRAY_SIZE(evs), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			lf = evs[i].data.ptr;
			if (!lf->dead)
				lf->cb(lf->fd, evs[i].events, lf->ctx);
		}
		reap_dead();
		bpftune_notify(BPFTUNE_NOTE_TICK, NULL);
	}
	stopping = false; /* a stop ends one run; the loop may run again */
	return 0;
}

void bpftune_loop_fini(void)
{
	struct loop_ring *r;
	struct loop_fd *lf;

	if (rb)
		ring_buffer__free(rb);
	rb = NULL;
	while ((r = rings)) {
		rings = r->next;
		free(r);
	}
	while ((lf = fds)) {
		fds = lf->next;
		if (lf->is_timer)
			close(lf->fd);
		free(lf);
	}
	if (signal_fd >= 0)
		close(signal_fd);
	if (epoll_fd >= 0)
		close(epoll_fd);
	signal_fd = epoll_fd = -1;
	stopping = false;
}
