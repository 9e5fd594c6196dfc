/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event loop (the tuner-facing part, fds and timers, is in
 * include/bpftune/libbpftune.h).  Ring buffers are registered explicitly
 * with their own callback; the loop knows nothing of tuners.  SIGHUP and
 * each round of dispatch are published (notify.h).
 */
#ifndef BPFTUNE_LOOP_H
#define BPFTUNE_LOOP_H

#include <stddef.h>
#include <bpftune/libbpftune.h>

int bpftune_loop_block_signals(void);
int bpftune_loop_init(void);
void bpftune_loop_fini(void);
int bpftune_loop_run(void);
void bpftune_loop_stop(void);

/* Called with each record of a ring buffer map (as libbpf's
 * ring_buffer_sample_fn). */
typedef int (*bpftune_ring_cb)(void *ctx, void *data, size_t size);
int bpftune_loop_add_ringbuf(int map_fd, bpftune_ring_cb cb, void *ctx);
/* Stop reading a ring buffer map (before the map is destroyed). */
void bpftune_loop_del_ringbuf(int map_fd);
/* Drop fds/timers whose callbacks are in the object mapped at base. */
int bpftune_loop_del_module(const void *base);

#endif
