/* SPDX-License-Identifier: GPL-2.0 */
/* udp_buffer: definitions shared by udp_buffer.bpf.c and udp_buffer.c */
#ifndef UDP_BUFFER_H
#define UDP_BUFFER_H

/* from include/net/sock.h; not in vmlinux.h because it is a macro */
#define UDP_BUFFER_RCVBUF_LOCK 2

/* errors __udp_enqueue_schedule_skb() returns (uapi errno values) */
#define UDP_BUFFER_ENOMEM 12  /* the socket's receive buffer is full */
#define UDP_BUFFER_ENOBUFS 105 /* UDP memory (udp_mem) is exhausted */

enum udp_buffer_scenario {
	UDP_BUFFER_RCVBUF_FULL,
	UDP_BUFFER_RCVBUF_CLIPPED,
	UDP_BUFFER_MEM_EXHAUSTED,
	UDP_BUFFER_MEM_CRUNCH,	/* user side only: rmem_default cut back */
	UDP_BUFFER_CRUNCH_OVER,	/* user side only: ... and put back */
	UDP_BUFFER_SCENARIOS,
};

enum udp_buffer_tunable {
	UDP_BUFFER_RMEM_DEFAULT,
	UDP_BUFFER_RMEM_MAX,
	UDP_BUFFER_UDP_MEM,
	UDP_BUFFER_TUNABLES,
};

/* event values[] */
#define UDP_BUFFER_EV_RCVBUF 0 /* sk_rcvbuf of the dropping socket */
#define UDP_BUFFER_EV_LOCKED 1 /* 1 when the owner set SO_RCVBUF */
#define UDP_BUFFER_EV_RMEM 2   /* bytes queued on the socket then */

#ifndef __VMLINUX_H__
#include <bpftune/bpftune.h>

/*
 * Bounds of rmem_default and rmem_max: at least 8 KiB, at most what one
 * socket may hold.  rmem_default is the receive buffer every socket starts
 * with (UDP, raw, UNIX datagram, netlink; TCP alone starts from
 * tcp_rmem[1]), so it is bounded as the per-socket defaults of tcp_rmem and
 * tcp_wmem are: 1/32 of RAM.  Both are capped at 256 MiB, which is also
 * tcp_buffer's cap on rmem_max (tcp_buffer_core_max_cap): the two tuners
 * declare the same bound for the sysctl they share (the core would apply
 * the tighter one to both anyway).
 */
#define UDP_BUFFER_RMEM_LIMIT (256LL << 20)
#define UDP_BUFFER_RAM_FRACTION 32
#define UDP_BUFFER_RMEM_FLOOR (8LL << 10)

static inline long long udp_buffer_rmem_cap(unsigned long long ram)
{
	unsigned long long cap = ram / UDP_BUFFER_RAM_FRACTION;

	/* RAM unknown: the fixed limit alone */
	if (!cap || cap > (unsigned long long)UDP_BUFFER_RMEM_LIMIT)
		return UDP_BUFFER_RMEM_LIMIT;
	return cap < UDP_BUFFER_RMEM_FLOOR ? UDP_BUFFER_RMEM_FLOOR : (long long)cap;
}

/* udp_mem[index] bound, in pages: RAM pages / 16, / 8, / 4 */
static inline long long udp_buffer_mem_cap(unsigned long long ram_pages,
					   unsigned int index)
{
	static const unsigned int ram_div[3] = { 16, 8, 4 };
	unsigned long long cap;

	if (index > 2)
		return 1;
	cap = ram_pages / ram_div[index];
	return cap ? (long long)cap : 1;
}
/*
 * udp_mem may not grow any further when every value is at its bound (the
 * tuner raises all three, each within its own).
 */
static inline int udp_buffer_mem_at_cap(const long long *cur,
					const long long *cap)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		if (cur[i] < cap[i])
			return 0;
	return 1;
}

/*
 * rmem_default during a UDP memory crunch: cut by the learning rate toward
 * the value it had when the daemon started (never below it, nor below
 * the 8 KiB floor), never raised by a cut.
 */
static inline long long udp_buffer_rdefault_cut(long long cur, long long orig,
						unsigned int rate)
{
	long long floor = orig > UDP_BUFFER_RMEM_FLOOR ? orig :
							 UDP_BUFFER_RMEM_FLOOR;

	if (cur <= floor)
		return cur;
	return (long long)bpftune_shrink((__u64)cur, (__u64)floor, rate);
}

/*
 * Is the crunch over?  No drop for UDP memory since last_ms for quiet_ms,
 * and the pages UDP holds are no longer within the learning rate of
 * udp_mem[0] (above it, a socket holding more than udp_rmem_min is
 * refused memory: UDP has no pressure mode).  pages < 0: unknown.
 */
static inline int udp_buffer_crunch_over(unsigned long long now_ms,
					 unsigned long long last_ms,
					 unsigned long long quiet_ms,
					 long long pages, long long mem0,
					 unsigned int rate)
{
	if (now_ms < last_ms || now_ms - last_ms < quiet_ms)
		return 0;
	if (pages < 0 || mem0 <= 0)
		return 1;
	return !bpftune_nearly_full((__u64)pages, (__u64)mem0, rate);
}
#endif /* !__VMLINUX_H__ */

#endif
