/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_buffer: definitions shared by tcp_buffer.bpf.c and tcp_buffer.c, and
 * the safety bounds of every rule as small pure functions, so that the BPF
 * side, the user side and tests/unit/test_tcp_buffer.c use the same ones.
 * Integer arithmetic only (this compiles for BPF too).
 */
#ifndef TCP_BUFFER_H
#define TCP_BUFFER_H

#include <bpftune/bpftune.h>

/* from include/net/sock.h; not in vmlinux.h because they are macros */
#define TCP_BUFFER_SNDBUF_LOCK 1
#define TCP_BUFFER_RCVBUF_LOCK 2
#define TCP_BUFFER_BINDPORT_LOCK 4

enum tcp_buffer_scenario {
	TCP_BUFFER_RMEM_NEARLY_FULL,
	TCP_BUFFER_WMEM_NEARLY_FULL,
	TCP_BUFFER_MEM_PRESSURE,	/* values: allocated, tcp_mem[0..2], flag */
	/* values: allocated, tcp_mem limit, kind, tcp_mem[1] */
	TCP_BUFFER_MEM_EXHAUSTION,
	TCP_BUFFER_LATENCY,		/* values: sk_sndbuf, srtt_us */
	TCP_BUFFER_SOCKBUF_REQUEST,	/* values: requested, kind, port */
	/* values: enum tcp_buffer_clamp, port, bytes moved */
	TCP_BUFFER_SMALL_FLOW_CLAMP,
	TCP_BUFFER_INITIAL_WINDOW,	/* values: port, packets */
	TCP_BUFFER_MODERATE_RCVBUF,	/* values: none */
	TCP_BUFFER_WINDOW_SCALE,	/* user side only: rmem_max for wscale */
	TCP_BUFFER_NO_METRICS,		/* user side only: tcp_no_metrics_save */
	TCP_BUFFER_PRESSURE_OVER,	/* user side only: tcp_no_metrics_save back */
	TCP_BUFFER_SCENARIOS,
};

enum tcp_buffer_tunable {
	TCP_BUFFER_RMEM,
	TCP_BUFFER_WMEM,
	TCP_BUFFER_TCP_MEM,
	TCP_BUFFER_CORE_RMEM_MAX,
	TCP_BUFFER_CORE_WMEM_MAX,
	TCP_BUFFER_MODERATE,
	TCP_BUFFER_NO_METRICS_SAVE,
	TCP_BUFFER_TUNABLES,
};

/* event values[] of the nearly-full scenarios */
#define TCP_BUFFER_EV_BUF 0   /* sk_rcvbuf or sk_sndbuf */
#define TCP_BUFFER_EV_LIMIT 1 /* tcp_rmem[2] or tcp_wmem[2] seen by BPF */
#define TCP_BUFFER_EV_RTT 2   /* us: receiver's RTT estimate / sender's srtt */
#define TCP_BUFFER_EV_BDP 3   /* payload bytes per RTT (rate x rtt); 0 unknown */
/* receive: tcp_sock.scaling_ratio (window bytes per 256 buffer bytes);
 * send: 0 */
#define TCP_BUFFER_EV_RATIO 4
/* receive: the window scale the socket chose at its handshake; send: 0 */
#define TCP_BUFFER_EV_WSCALE 5
#define TCP_BUFFER_EV_NVALUES 6

/* values[] of TCP_BUFFER_MEM_EXHAUSTION beyond the first three */
#define TCP_BUFFER_EV_EX_MEM1 3 /* tcp_mem[1], the pressure threshold */
#define TCP_BUFFER_EV_EX_NVALUES 4

/* sock_exceed_buf_limit kind; the sampled check reports "global" */
#define TCP_BUFFER_KIND_SEND 0
#define TCP_BUFFER_KIND_RECV 1
#define TCP_BUFFER_KIND_GLOBAL 2

/* --- safety bounds --- */

/* One socket buffer (tcp_[rw]mem[2]) may hold at most 1/32 of RAM. */
#define TCP_BUFFER_RAM_FRACTION 32
/* tcp_mem[2] (all TCP sockets together) at most 1/4 of RAM. */
#define TCP_BUFFER_TCP_MEM_RAM_FRACTION 4
/* net.core.[rw]mem_max: an application may get at most 256 MiB (and at
 * most 1/32 of RAM) however much it asks for. */
#define TCP_BUFFER_CORE_MAX_LIMIT (256ULL << 20)
/* Learned initial windows: never below the standard 10 segments (nothing
 * to learn) and never above 64 segments, so a learned value cannot make a
 * new connection burst more than ~6x the standard start. */
#define TCP_BUFFER_IW_DEFAULT 10
#define TCP_BUFFER_IW_MAX 64
/* A closing connection teaches its service only if it moved this much. */
#define TCP_BUFFER_LEARN_BYTES (1ULL << 20)
/* Small-flow clamps during a memory crunch: cwnd and receive window. */
#define TCP_BUFFER_CLAMP_CWND 10
#define TCP_BUFFER_CLAMP_WINDOW 32768
/*
 * A flow is small until it has moved (sent and received) what a closing
 * flow needs to teach its service: a clamped flow that gets there is
 * released, and a service that has had such flows is not clamped.
 */
#define TCP_BUFFER_SMALL_FLOW_BYTES TCP_BUFFER_LEARN_BYTES

/* What a TCP_BUFFER_SMALL_FLOW_CLAMP event reports. */
enum tcp_buffer_clamp {
	TCP_BUFFER_CLAMP_LIFTED,	/* the strain is over */
	TCP_BUFFER_CLAMP_CLAMPED,	/* a new flow during the strain */
	TCP_BUFFER_CLAMP_BIG_FLOW,	/* lifted: the flow is not small */
	TCP_BUFFER_CLAMP_BIG_SERVICE,	/* not clamped: its service moves big flows */
	TCP_BUFFER_CLAMP_KINDS,
};
/* Latency correlation: this many samples, at least this correlation. */
#define TCP_BUFFER_CORR_SAMPLES 10
#define TCP_BUFFER_CORR_PERMILLE 700
/* ...and srtt must have risen by a quarter of its minimum in the window */
#define TCP_BUFFER_LATENCY_RISE_PERMILLE 250

/*
 * Sizing a limit from the flows that reach it.  A flow whose buffer fills
 * reports its bandwidth-delay product (payload bytes per RTT).  The buffer
 * it needs at that rate is what the kernel itself would allocate:
 * - receive: autotuning offers a window of twice the bytes read per RTT
 *   (tcp_rcv_space_adjust()) and a window of w bytes takes
 *   w * 256 / scaling_ratio bytes of buffer;
 * - send: twice the data in flight ("cubic needs 1.7, rounded to 2",
 *   tcp_sndbuf_expand()); the queued skbs are TSO-sized, so their
 *   overhead is small.
 * HEADROOM then lets the flow quadruple its rate before the limit binds
 * again (two rounds of slow start; bbr's startup grows ~2.9x a round), so
 * a flow that is held by the limit needs a few decisions, not one per
 * 25 %.  Measured (bench/buffer.sh, 20 ms, 1 Gbit/s): with 2 the steps
 * were ~1.8x and the first second reached 0.7 of hand-tuned; with 4, 0.75-0.8.
 * One decision moves a limit at most MAX_STEPS learning-rate steps
 * ((1 + p)^8: 6x at 25 %, 2.5x at 12 %, 1.1x at 1 %).
 */
#define TCP_BUFFER_RCV_WIN_FACTOR 2
#define TCP_BUFFER_SND_FACTOR 2
#define TCP_BUFFER_BDP_HEADROOM 4
#define TCP_BUFFER_MAX_STEPS 8
/* scaling_ratio unknown (before 6.7): tcp_adv_win_scale 1, half the buffer */
#define TCP_BUFFER_RATIO_DEFAULT 128
/* A window field is 16 bits; the scale shifts it by at most 14. */
#define TCP_BUFFER_WSCALE_MAX 14

/* Buffer bytes a flow of 'bdp' payload bytes per RTT needs, with headroom;
 * ratio is the receive side's scaling_ratio, 0 for the send side. */
static inline __u64 tcp_buffer_bdp_need(__u64 bdp, __u32 ratio, int recv)
{
	__u64 need;

	if (bdp > (1ULL << 40)) /* nonsense from a bad sample: no sizing */
		return 0;
	need = bdp * TCP_BUFFER_BDP_HEADROOM;
	if (!recv)
		return need * TCP_BUFFER_SND_FACTOR;
	if (!ratio || ratio > 255)
		ratio = TCP_BUFFER_RATIO_DEFAULT;
	return need * TCP_BUFFER_RCV_WIN_FACTOR * 256 / ratio;
}

/*
 * The next limit for a flow that filled 'cur': what its BDP needs (see
 * above), at least one learning-rate step, at most MAX_STEPS of them and
 * never above cap.  need 0 (BDP unknown) means one step, as before sizing
 * existed.  Returns cur when the limit already covers the need: the
 * buffer reached it without the rate asking for more (no runaway).
 */
static inline __u64 tcp_buffer_size_limit(__u64 cur, __u64 need, __u64 cap,
					  __u32 rate)
{
	__u64 one = bpftune_grow(cur, cap, rate), most = cur;
	int i;

	if (need && need <= cur)
		return cur;
	for (i = 0; i < TCP_BUFFER_MAX_STEPS; i++)
		most = bpftune_grow(most, cap, rate);
	if (need <= one)
		return one;
	return need < most ? need : most;
}

/* The window scale the kernel picks for a receive space of 'space' bytes
 * (tcp_select_initial_window(): ilog2(space) - 15, within 0..14). */
static inline __u32 tcp_buffer_wscale_for(__u64 space)
{
	__u32 log = 0;

	while (space >> (log + 1))
		log++;
	if (log <= 15)
		return 0;
	return log - 15 > TCP_BUFFER_WSCALE_MAX ? TCP_BUFFER_WSCALE_MAX :
						  log - 15;
}

/* The largest window a connection with that scale can ever offer. */
static inline __u64 tcp_buffer_wscale_window(__u32 wscale)
{
	if (wscale > TCP_BUFFER_WSCALE_MAX)
		wscale = TCP_BUFFER_WSCALE_MAX;
	return 65535ULL << wscale;
}

static inline __u64 tcp_buffer_socket_cap(__u64 ram)
{
	__u64 cap = ram / TCP_BUFFER_RAM_FRACTION;

	return !cap || cap > 0x7fffffffULL ? 0x7fffffffULL : cap;
}

/* tcp_mem is in pages. */
static inline __u64 tcp_buffer_tcp_mem_cap(__u64 ram, __u64 page_size)
{
	if (!page_size)
		return 0;
	return ram / page_size / TCP_BUFFER_TCP_MEM_RAM_FRACTION;
}

static inline __u64 tcp_buffer_core_max_cap(__u64 ram)
{
	__u64 cap = tcp_buffer_socket_cap(ram);

	return cap > TCP_BUFFER_CORE_MAX_LIMIT ? TCP_BUFFER_CORE_MAX_LIMIT : cap;
}

/*
 * tcp_mem raised by the learning rate, capped, order kept.  Under pressure
 * (near_max 0) the min and pressure thresholds grow and max grows only as
 * far as needed to stay 3/2 of pressure (the kernel's own headroom);
 * near max (near_max 1) all three grow.  Returns 0 when nothing may grow.
 */
static inline int tcp_buffer_tcp_mem_grow(const long long *cur, long long *next,
					  __u64 cap, __u32 rate, int near_max)
{
	__u64 headroom;

	if (cur[0] < 0 || cur[1] <= 0 || cur[2] <= 0)
		return 0;
	if ((__u64)cur[2] >= cap && (near_max || cur[1] >= cur[2]))
		return 0;
	next[0] = (long long)bpftune_grow((__u64)cur[0], cap, rate);
	next[1] = (long long)bpftune_grow((__u64)cur[1], cap, rate);
	next[2] = near_max ? (long long)bpftune_grow((__u64)cur[2], cap, rate) :
			     cur[2];
	headroom = (__u64)next[1] / 2 * 3;
	if (headroom > cap)
		headroom = cap;
	if ((__u64)next[2] < headroom)
		next[2] = (long long)headroom;
	if (next[1] > next[2])
		next[1] = next[2];
	if (next[0] > next[1])
		next[0] = next[1];
	return 1;
}

/* A buffer max cut by the learning rate, never below the default [1]. */
static inline long long tcp_buffer_cut(long long max, long long dflt, __u32 rate)
{
	if (max <= dflt || dflt < 0)
		return max;
	return (long long)bpftune_shrink((__u64)max, (__u64)dflt, rate);
}

/* What net.core.[rw]mem_max should become when an application asks for
 * 'requested' bytes: exactly that, within the cap; never lowered. */
static inline long long tcp_buffer_core_max_want(long long cur, __u64 requested,
						 __u64 cap)
{
	__u64 want = requested > cap ? cap : requested;

	return (__u64)cur >= want ? cur : (long long)want;
}

/*
 * TCP memory pressure by the kernel's own rules (__sk_mem_raise_allocated()
 * and __sk_mem_reclaim()): it begins when the pages TCP holds pass
 * tcp_mem[1] and ends only when a socket gives memory back while the total
 * is below tcp_mem[0].  flag is the kernel's pressure flag (1 set, 0 clear,
 * -1 unknown); a flag still set with the total already below tcp_mem[0] is
 * left over from a shortage that is gone (the next reclaim clears it), so
 * it does not count.
 */
static inline int tcp_buffer_under_pressure(__u64 pages, long long mem0,
					    long long mem1, int flag)
{
	if (mem1 > 0 && pages > (__u64)mem1)
		return 1;
	return flag > 0 && mem0 >= 0 && pages >= (__u64)mem0;
}

/* Has nothing been seen since last_ms for at least quiet_ms? */
static inline int tcp_buffer_quiet_for(__u64 now_ms, __u64 last_ms,
				       __u64 quiet_ms)
{
	return now_ms >= last_ms && now_ms - last_ms >= quiet_ms;
}

/* Learned initial window (segments): a moving average of the congestion
 * windows of big closed flows, within [IW_DEFAULT, IW_MAX]. */
static inline __u32 tcp_buffer_iw_learn(__u32 old, __u32 cwnd)
{
	__u64 next;

	if (cwnd > TCP_BUFFER_IW_MAX)
		cwnd = TCP_BUFFER_IW_MAX;
	next = old ? ((__u64)old * 3 + cwnd) / 4 : cwnd;
	if (next < TCP_BUFFER_IW_DEFAULT)
		next = TCP_BUFFER_IW_DEFAULT;
	if (next > TCP_BUFFER_IW_MAX)
		next = TCP_BUFFER_IW_MAX;
	return (__u32)next;
}

#endif
