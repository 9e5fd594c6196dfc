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
#endif /* !__VMLINUX_H__ */

#endif
