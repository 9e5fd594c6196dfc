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
/* bounds of rmem_default and rmem_max */
#define UDP_BUFFER_RMEM_CAP (256LL << 20)
#define UDP_BUFFER_RMEM_FLOOR (8LL << 10)

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
