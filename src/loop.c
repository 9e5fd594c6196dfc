// SPDX-License-Identifier: GPL-2.0
/*
 * The single-threaded event loop: one epoll over every tuner's ring buffer
 * (one libbpf ring_buffer, each tuner's map added with the tuner as
 * context), a signalfd, timerfds and whatever fds tuners or the core
 * register.  Nothing polls: idle means blocked in epoll_wait().
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
#include <unistd.h>

#include "core.h"

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

static int epoll_fd = -1;
static int signal_fd = -1;
static struct ring_buffer *rb;
static struct loop_fd *fds;
static bool stopping;

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

int bpftune_loop_add_ringbuf(struct bpftune_tuner *tuner, int map_fd)
{
	int err;

	if (!rb) {
		rb = ring_buffer__new(map_fd, on_event, tuner, NULL);
		err = libbpf_get_error(rb);
		if (err) {
			rb = NULL;
			return err;
		}
		return bpftune_loop_add_fd(ring_buffer__epoll_fd(rb), NULL, NULL);
	}
	return ring_buffer__add(rb, map_fd, on_event, tuner);
}

/* libbpf 1.1 cannot remove one ring from a ring_buffer: rebuild it from
 * the tuners still active (after one was unloaded). */
void bpftune_loop_rebuild_ringbufs(void)
{
	struct bpftune_tuner *tuner;
	struct bpf_map *map;

	if (rb) {
		bpftune_loop_del_fd(ring_buffer__epoll_fd(rb));
		ring_buffer__free(rb);
		rb = NULL;
	}
	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		if (tuner->state != BPFTUNE_TUNER_ACTIVE || !tuner->obj)
			continue;
		map = bpf_object__find_map_by_name(tuner->obj, "bpftune_events");
		if (map && bpf_map__fd(map) >= 0)
			bpftune_loop_add_ringbuf(tuner, bpf_map__fd(map));
	}
}

int bpftune_loop_add_fd(int fd, bpftune_fd_cb cb, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN };
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

/* Entries are only marked here and freed after the current dispatch, so a
 * callback may remove itself or others. */
void bpftune_loop_del_fd(int fd)
{
	struct loop_fd *lf;

	for (lf = fds; lf; lf = lf->next) {
		if (lf->fd != fd || lf->dead)
			continue;
		epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
		lf->dead = true;
		if (lf->is_timer)
			close(lf->fd);
		return;
	}
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

int bpftune_timer_add(unsigned int interval_ms, bpftune_timer_cb cb, void *ctx)
{
	struct itimerspec its = {
		.it_interval = { interval_ms / 1000, (interval_ms % 1000) * 1000000 },
		.it_value = { interval_ms / 1000, (interval_ms % 1000) * 1000000 },
	};
	int fd, err;

	if (!interval_ms)
		return -EINVAL;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL)) {
		err = -errno;
		close(fd);
		return err;
	}
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
		bpftune_tuner_enable_all();
		return;
	}
	bpftune_info("signal %d received; stopping", si.ssi_signo);
	stopping = true;
}

int bpftune_loop_init(void)
{
	sigset_t set;

	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd < 0)
		return -errno;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
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
			if (lf->dead)
				continue;
			if (lf->cb)
				lf->cb(lf->fd, evs[i].events, lf->ctx);
			else if (rb)
				ring_buffer__consume(rb);
		}
		reap_dead();
	}
	return 0;
}

void bpftune_loop_fini(void)
{
	struct loop_fd *lf;

	if (rb)
		ring_buffer__free(rb);
	rb = NULL;
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
