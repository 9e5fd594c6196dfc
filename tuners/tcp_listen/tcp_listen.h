/* SPDX-License-Identifier: GPL-2.0 */
/* tcp_listen: definitions shared by tcp_listen.bpf.c and tcp_listen.c */
#ifndef TCP_LISTEN_H
#define TCP_LISTEN_H

enum tcp_listen_scenario {
	TCP_LISTEN_SYN_QUEUE_FULL,
	TCP_LISTEN_ACCEPT_QUEUE_FULL,
	TCP_LISTEN_FLOOD_OVER,
	TCP_LISTEN_SCENARIOS,
};

enum tcp_listen_tunable {
	TCP_LISTEN_MAX_SYN_BACKLOG,
	TCP_LISTEN_SYNCOOKIES,
	TCP_LISTEN_SOMAXCONN,
	TCP_LISTEN_TUNABLES,
};

/* event values[]: the listener and its namespace when the BPF side looked */
#define TCP_LISTEN_EV_QLEN 0	    /* half-open requests (SYN queue) */
#define TCP_LISTEN_EV_MAX_ACK 1	    /* the listener's backlog */
#define TCP_LISTEN_EV_ACK 2	    /* connections waiting for accept() */
#define TCP_LISTEN_EV_SYN_BACKLOG 3 /* tcp_max_syn_backlog */
#define TCP_LISTEN_EV_SOMAXCONN 4   /* somaxconn */
#define TCP_LISTEN_EV_SYNCOOKIES 5  /* tcp_syncookies */

/*
 * Without SYN cookies the kernel drops a SYN from an unproven peer once
 * fewer than a quarter of tcp_max_syn_backlog is left (tcp_conn_request):
 * the half-open requests a listener can hold are this many.
 */
static inline unsigned long long
tcp_listen_syn_limit(unsigned long long max_syn_backlog)
{
	return max_syn_backlog - (max_syn_backlog >> 2);
}

/* The smallest tcp_max_syn_backlog that lets backlog requests be held. */
static inline unsigned long long
tcp_listen_syn_backlog_for(unsigned long long backlog)
{
	return backlog + backlog / 3 + 2;
}

/*
 * somaxconn at most 65535 (16 times the default of 4096): each connection
 * waiting in an accept queue is a whole TCP socket (2368 bytes of slab on
 * 6.18, plus the data it has received), so one listener's queue holds at
 * most ~150 MiB of sockets.
 */
#define TCP_LISTEN_SOMAXCONN_MAX 65535
/*
 * tcp_max_syn_backlog at most what a listener with the largest backlog
 * needs to hold its whole queue without cookies (87382); each half-open
 * request is 320 bytes of slab, so ~27 MiB per listener at worst.
 */
#define TCP_LISTEN_SYN_BACKLOG_MAX 87382

#endif
