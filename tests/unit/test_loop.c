// SPDX-License-Identifier: GPL-2.0
/*
 * The event loop as the query server uses it: event masks changed on a
 * registered fd (EPOLLIN <-> EPOLLOUT, 0 to rest), one-shot, periodic and
 * disarmed timers, and an fd removed by another fd's callback in the same
 * round.  Real fds (a socketpair, timerfds), a real epoll.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "../../src/loop.h"
#include "unit.h"

struct seen {
	int calls;
	unsigned int events;
};

static void on_fd(int fd, unsigned int events, void *ctx)
{
	struct seen *s = ctx;

	(void)fd;
	s->calls++;
	s->events |= events;
	bpftune_loop_stop();
}

static void on_stop(void *ctx)
{
	int *fired = ctx;

	(*fired)++;
	bpftune_loop_stop();
}

/* Run the loop until a callback stops it; a one-shot timer after ms
 * stops it in any case. */
static int run_for(unsigned int ms, int *stopper_fired)
{
	int id = bpftune_timer_new(on_stop, stopper_fired);

	if (id < 0 || bpftune_timer_arm(id, ms, 0))
		return -1;
	bpftune_loop_run();
	bpftune_timer_del(id);
	return 0;
}

static void test_event_masks(void)
{
	struct seen s = { 0 };
	int sv[2], fired = 0;
	char c = 'x';

	CHECK_EQ(bpftune_loop_init(), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* writable at once */
	CHECK_EQ(bpftune_loop_add_fd_events(sv[0], EPOLLOUT, on_fd, &s), 0);
	CHECK_EQ(run_for(1000, &fired), 0);
	CHECK_EQ(s.calls, 1);
	CHECK(s.events & EPOLLOUT);
	CHECK_EQ(fired, 0);
	/* EPOLLIN with nothing to read: quiet until the timer */
	s = (struct seen){ 0 };
	CHECK_EQ(bpftune_loop_mod_fd(sv[0], EPOLLIN), 0);
	CHECK_EQ(run_for(50, &fired), 0);
	CHECK_EQ(s.calls, 0);
	CHECK_EQ(fired, 1);
	/* a byte arrives */
	CHECK_EQ(write(sv[1], &c, 1), 1);
	CHECK_EQ(run_for(1000, &fired), 0);
	CHECK_EQ(s.calls, 1);
	CHECK(s.events & EPOLLIN);
	CHECK(!(s.events & EPOLLOUT));
	/* mask 0: the unread byte wakes nobody */
	s = (struct seen){ 0 };
	CHECK_EQ(bpftune_loop_mod_fd(sv[0], 0), 0);
	CHECK_EQ(run_for(50, &fired), 0);
	CHECK_EQ(s.calls, 0);
	CHECK_EQ(fired, 2);
	/* unknown or removed fds */
	CHECK_EQ(bpftune_loop_mod_fd(sv[1], EPOLLIN), -ENOENT);
	bpftune_loop_del_fd(sv[0]);
	CHECK_EQ(bpftune_loop_mod_fd(sv[0], EPOLLIN), -ENOENT);
	CHECK_EQ(bpftune_timer_arm(sv[0], 10, 0), -ENOENT);
	close(sv[0]);
	close(sv[1]);
	bpftune_loop_fini();
}

static int ticks;

static void on_tick(void *ctx)
{
	(void)ctx;
	ticks++;
}

static void test_timers(void)
{
	unsigned long long start, took;
	int id, fired = 0;

	CHECK_EQ(bpftune_loop_init(), 0);
	/* one-shot: once in 200 ms */
	ticks = 0;
	id = bpftune_timer_new(on_tick, NULL);
	CHECK(id >= 0);
	CHECK_EQ(bpftune_timer_arm(id, 10, 0), 0);
	CHECK_EQ(run_for(200, &fired), 0);
	CHECK_EQ(ticks, 1);
	/* periodic every 20 ms: several in 200 ms */
	ticks = 0;
	CHECK_EQ(bpftune_timer_arm(id, 20, 20), 0);
	CHECK_EQ(run_for(200, &fired), 0);
	CHECK(ticks >= 3);
	/* disarmed: none; bpftune_now_ms() counts the same milliseconds */
	CHECK_EQ(bpftune_timer_arm(id, 0, 0), 0);
	ticks = 0;
	start = bpftune_now_ms();
	CHECK_EQ(run_for(100, &fired), 0);
	took = bpftune_now_ms() - start;
	CHECK(took >= 90 && took < 5000);
	CHECK_EQ(ticks, 0);
	CHECK_EQ(fired, 3);
	bpftune_timer_del(id);
	CHECK_EQ(bpftune_timer_arm(id, 10, 0), -ENOENT);
	CHECK_EQ(bpftune_timer_add(0, on_tick, NULL), -EINVAL);
	bpftune_loop_fini();
}

/* Two fds ready in one round; whichever runs first removes the other,
 * which then is not called (the query server closes clients so). */
static int other_fd[2];
static int removals;

static void on_remover(int fd, unsigned int events, void *ctx)
{
	int *mine = ctx;

	(void)fd;
	(void)events;
	removals++;
	bpftune_loop_del_fd(*mine);
	bpftune_loop_stop();
}

static void test_remove_in_round(void)
{
	int a[2], b[2], fired = 0;

	CHECK_EQ(bpftune_loop_init(), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	other_fd[0] = a[0];
	other_fd[1] = b[0];
	CHECK_EQ(bpftune_loop_add_fd_events(a[0], EPOLLOUT, on_remover, &other_fd[1]), 0);
	CHECK_EQ(bpftune_loop_add_fd_events(b[0], EPOLLOUT, on_remover, &other_fd[0]), 0);
	CHECK_EQ(run_for(1000, &fired), 0);
	CHECK_EQ(removals, 1);
	CHECK_EQ(fired, 0);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	bpftune_loop_fini();
}

int main(void)
{
	test_event_masks();
	test_timers();
	test_remove_in_round();
	return unit_report();
}
