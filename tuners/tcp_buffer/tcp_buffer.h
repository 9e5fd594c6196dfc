/* SPDX-License-Identifier: GPL-2.0 */
/* tcp_buffer: definitions shared by tcp_buffer.bpf.c and tcp_buffer.c */
#ifndef TCP_BUFFER_H
#define TCP_BUFFER_H

/* from include/net/sock.h; not in vmlinux.h because they are macros */
#define TCP_BUFFER_SNDBUF_LOCK 1
#define TCP_BUFFER_RCVBUF_LOCK 2

enum tcp_buffer_scenario {
	TCP_BUFFER_RMEM_NEARLY_FULL,
	TCP_BUFFER_WMEM_NEARLY_FULL,
	TCP_BUFFER_SCENARIOS,
};

enum tcp_buffer_tunable {
	TCP_BUFFER_RMEM,
	TCP_BUFFER_WMEM,
	TCP_BUFFER_TUNABLES,
};

/* event values[] */
#define TCP_BUFFER_EV_BUF 0   /* sk_rcvbuf or sk_sndbuf */
#define TCP_BUFFER_EV_LIMIT 1 /* tcp_rmem[2] or tcp_wmem[2] seen by BPF */

#endif
