// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer, kernel side:
 * - sockets whose receive or send buffer has grown to within the learning
 *   rate's margin of tcp_rmem[2] / tcp_wmem[2] in their namespace (sockets
 *   whose owner fixed the size with SO_RCVBUF / SO_SNDBUF are ignored);
 * - TCP memory pressure and exhaustion (a read of the protocol's
 *   allocation at most once per jiffy per CPU from the send hook, and from
 *   each receive-buffer growth, plus the sock_exceed_buf_limit tracepoint);
 * - samples of (send buffer, smoothed RTT) for the latency correlation;
 * - SO_RCVBUF / SO_SNDBUF requests above net.core.[rw]mem_max;
 * - sockops: clamps for new flows during a memory crunch, and initial
 *   windows learned per service port.
 */
#include <bpftune/bpftune.bpf.h>
#include <bpf/bpf_endian.h>
#include "tcp_buffer.h"

#define SOL_SOCKET 1
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SOL_TCP 6
#define TCP_WINDOW_CLAMP 10
#define TCP_ESTABLISHED_STATE 1

/*
 * Per-CPU gate (bpftune_gate()): the send hook runs on every sendmsg, so
 * the global memory read and the checks of a big flow happen at most once
 * per jiffy per CPU.  Events are rate limited to one per 25 ms anyway; the
 * first look at a flow comes at most a jiffy late.
 */
#define TCP_BUFFER_GATE_SEND 0

/* Dry run: learn and report, but set no socket option. */
const volatile __u32 dry_run;
/* Written by user space (skeleton .bss) while running. */
__u64 core_rmem_max;
__u64 core_wmem_max;
__u32 crunch;		/* 1 while TCP memory is nearly exhausted */
__u64 clamped_flows;	/* counters, read by user space */
__u64 lifted_clamps;	/* the crunch was over */
__u64 big_flows_lifted;	/* the flow was not small */
__u64 big_services_spared; /* not clamped: the service moves big flows */
__u64 iw_applied;
/* Services learned so far: until one is, new connections skip the map. */
__u64 services_learned;
/*
 * A byte per port: 1 once a service on that port (any namespace, either
 * role) was learned.  A new flow looks its service up only when its port
 * has one, so flows to the many ports without a big flow skip the hash
 * lookup.  Never cleared: a port whose service the LRU dropped costs a
 * lookup that misses, nothing more.  Bytes, not bits: a plain store needs
 * no atomic operation to stay correct when two CPUs learn at once.  A map
 * of its own, not global data: the daemon maps global data into its
 * memory, and 64 KiB of it would count in the daemon's RSS.
 */
struct service_ports {
	__u8 port[65536];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct service_ports);
} service_ports SEC(".maps");

static __always_inline int service_port_known(__u32 port)
{
	__u32 zero = 0;
	struct service_ports *sp = bpf_map_lookup_elem(&service_ports, &zero);

	return sp && sp->port[port & 0xffff];
}

static __always_inline void service_port_learned(__u32 port)
{
	__u32 zero = 0;
	struct service_ports *sp = bpf_map_lookup_elem(&service_ports, &zero);

	if (sp)
		sp->port[port & 0xffff] = 1;
}

/* Learned initial windows, per (netns, service port); bounded LRU. */
struct service_key {
	__u64 netns_cookie;
	__u32 port;
	__u32 active; /* 1: we connected to port; 0: we accepted on it */
};

/*
 * Only the congestion window is learned.  The receive window is not: the
 * kernel answers BPF_SOCK_OPS_RWND_INIT with min(its window, reply * mss),
 * and since 4.19 its window already starts at 64 KiB, the most an
 * unscaled SYN can say; the reply could only shrink it (it was measured
 * to change nothing on 6.18 and was dropped, with its hash lookup on
 * every connection).
 */
struct service_window {
	__u32 iw; /* segments */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct service_key);
	__type(value, struct service_window);
} service_windows SEC(".maps");

/* Per-socket: role, and the window clamp to restore after a crunch. */
struct flow_state {
	__u32 active;
	__u32 clamped;
	__u32 orig_window_clamp;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct flow_state);
} flow_states SEC(".maps");

/*
 * What a flow at its buffer limit needs: its RTT and the payload bytes it
 * moves per RTT (rate x rtt), so that user space can size the limit in
 * one step (tcp_buffer_bdp_need()).  Receive side: the bytes the
 * application read in the last RTT (what autotuning sizes from), the
 * receiver's RTT estimate, scaling_ratio and the window scale fixed at
 * the handshake; send side: the last delivery-rate sample times srtt.
 * fentry/tp_btf programs read through bpf_skc_to_tcp_sock() (plain
 * loads); kprobe programs with probe reads.
 */
static __always_inline void flow_bdp(int direct, struct sock *sk, int recv,
				     __u64 *values)
{
	struct tcp_sock *tp = direct ? bpf_skc_to_tcp_sock(sk) :
				       (struct tcp_sock *)sk;
	__u32 space, copied;
	__u64 srtt, interval;

	if (!tp)
		return;
	srtt = bpftune_read(direct, tp, srtt_us) >> 3;
	if (recv) {
		values[TCP_BUFFER_EV_RTT] =
			bpftune_read(direct, tp, rcv_rtt_est.rtt_us) >> 3;
		if (!values[TCP_BUFFER_EV_RTT])
			values[TCP_BUFFER_EV_RTT] = srtt;
		/* the last RTT's high-water mark, or the RTT in progress when
		 * it already moved more (tcp_rcvbuf_grow fires then, before
		 * rcvq_space.space is updated: early in a ramp the old mark
		 * is a fraction of what the flow now moves) */
		space = bpftune_read(direct, tp, rcvq_space.space);
		copied = bpftune_read(direct, tp, copied_seq) -
			 bpftune_read(direct, tp, rcvq_space.seq);
		values[TCP_BUFFER_EV_BDP] = copied > space ? copied : space;
		if (bpf_core_field_exists(tp->scaling_ratio))
			values[TCP_BUFFER_EV_RATIO] =
				bpftune_read(direct, tp, scaling_ratio);
		values[TCP_BUFFER_EV_WSCALE] =
			bpftune_read_bitfield(direct, tp, rx_opt.rcv_wscale);
		return;
	}
	values[TCP_BUFFER_EV_RTT] = srtt;
	interval = bpftune_read(direct, tp, rate_interval_us);
	if (interval)
		values[TCP_BUFFER_EV_BDP] =
			(__u64)bpftune_read(direct, tp, rate_delivered) *
			bpftune_read(direct, tp, mss_cache) * srtt / interval;
}

static __always_inline int report(int direct, struct sock *sk,
				  __u32 scenario, __u64 buf, __u64 limit)
{
	__u64 values[TCP_BUFFER_EV_NVALUES] = { buf, limit };
	__u64 cookie;

	if (!bpftune_nearly_full(buf, limit, bpftune_learning_rate))
		return 0;
	/* the flow's figures only for an event that will be sent (key 1:
	 * the send below, key 0, passes in the same interval) */
	cookie = bpftune_sk_netns_cookie(sk);
	if (bpftune_ratelimited(cookie, scenario, 1))
		return 0;
	flow_bdp(direct, sk, scenario == TCP_BUFFER_RMEM_NEARLY_FULL, values);
	bpftune_send(cookie, scenario, 0, values, TCP_BUFFER_EV_NVALUES);
	return 0;
}

/*
 * Sampled look at the protocol's memory accounting: tcp_mem is global,
 * so one socket's view is everyone's.  There is no tracepoint for
 * tcp_enter_memory_pressure; the pressure flag is read instead.
 */
static __always_inline void mem_check(struct sock *sk)
{
	unsigned long *pressure_ptr;
	unsigned long pressure = 0;
	long mem[3] = {};
	struct proto *prot;
	long *mem_ptr;
	__u64 values[5];
	long allocated;

	prot = BPF_CORE_READ(sk, __sk_common.skc_prot);
	if (!prot)
		return;
	allocated = BPF_CORE_READ(prot, memory_allocated, counter);
	mem_ptr = BPF_CORE_READ(prot, sysctl_mem);
	pressure_ptr = BPF_CORE_READ(prot, memory_pressure);
	if (!mem_ptr || bpf_probe_read_kernel(mem, sizeof(mem), mem_ptr))
		return;
	if (pressure_ptr)
		bpf_probe_read_kernel(&pressure, sizeof(pressure), pressure_ptr);
	if (allocated <= 0 || mem[1] <= 0 || mem[2] <= 0)
		return;
	if (bpftune_nearly_full(allocated, mem[2], bpftune_learning_rate)) {
		values[0] = allocated;
		values[1] = mem[2];
		values[2] = TCP_BUFFER_KIND_GLOBAL;
		values[TCP_BUFFER_EV_EX_MEM1] = mem[1];
		bpftune_send(bpftune_sk_netns_cookie(sk),
			     TCP_BUFFER_MEM_EXHAUSTION, 0, values,
			     TCP_BUFFER_EV_EX_NVALUES);
		return;
	}
	if (!pressure && !bpftune_nearly_full(allocated, mem[1],
					      bpftune_learning_rate))
		return;
	values[0] = allocated;
	values[1] = mem[0];
	values[2] = mem[1];
	values[3] = mem[2];
	values[4] = pressure ? 1 : 0;
	bpftune_send(bpftune_sk_netns_cookie(sk), TCP_BUFFER_MEM_PRESSURE, 0,
		     values, 5);
}

/*
 * The receive check runs when the kernel considers growing sk_rcvbuf (on
 * the tracepoint tier: tcp_rcvbuf_grow, at most once per RTT, before the
 * growth); the send check on every sendmsg (tracepoint tier) or buffer
 * expansion (fentry, kprobe), gated to once per jiffy per CPU.  "direct"
 * is 1 in fentry/tp_btf programs (plain loads) and 0 in kprobe programs
 * (probe reads); see bpftune_read().  Rarely needed reads (user locks)
 * come after the test against the limit.
 */
/*
 * tcp_rcvbuf_grow fires before the kernel grows the buffer: what it will
 * grow to is at least the window for twice the bytes copied in the last
 * RTT, as buffer space (scaling_ratio / 256 of the buffer is window),
 * bounded by the limit.  Without this the growth that reaches the limit
 * would go unseen until the next one.
 */
static __always_inline __u64 rcvbuf_after_grow(struct sock *sk, __u64 rcvbuf,
					       __u64 limit)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u32 copied, ratio;
	__u64 target;

	if (!bpf_core_field_exists(tp->scaling_ratio))
		return rcvbuf;
	ratio = BPF_CORE_READ(tp, scaling_ratio);
	copied = BPF_CORE_READ(tp, copied_seq) -
		 BPF_CORE_READ(tp, rcvq_space.seq);
	if (!ratio)
		return rcvbuf;
	target = ((__u64)copied << 9) / ratio;
	if (target > limit)
		target = limit;
	return target > rcvbuf ? target : rcvbuf;
}

static __always_inline int rmem_check(int direct, struct sock *sk,
				      int before_grow)
{
	struct net *net = bpftune_read(direct, sk, __sk_common.skc_net.net);
	__u64 rcvbuf, limit;

	if (!net)
		return 0;
	mem_check(sk);
	/* autotuning off: no receive buffer will ever grow here */
	if (!bpftune_read(direct, net, ipv4.sysctl_tcp_moderate_rcvbuf)) {
		bpftune_send(bpftune_net_cookie(net), TCP_BUFFER_MODERATE_RCVBUF,
			     0, NULL, 0);
		return 0;
	}
	rcvbuf = bpftune_read(direct, sk, sk_rcvbuf);
	limit = bpftune_read(direct, net, ipv4.sysctl_tcp_rmem[2]);
	if (before_grow)
		rcvbuf = rcvbuf_after_grow(sk, rcvbuf, limit);
	if (!bpftune_nearly_full(rcvbuf, limit, bpftune_learning_rate))
		return 0;
	if (bpftune_read_bitfield(direct, sk, sk_userlocks) &
	    TCP_BUFFER_RCVBUF_LOCK)
		return 0;
	return report(direct, sk, TCP_BUFFER_RMEM_NEARLY_FULL, rcvbuf, limit);
}

/*
 * One (send buffer, srtt) sample per netns and CPU per event interval;
 * the gate is the per-CPU rate limit (key 1), cheaper than a hash map.
 */
static __always_inline void latency_sample(struct sock *sk, __u64 cookie,
					   __u64 sndbuf)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u64 values[3], interval;

	if (bpftune_ratelimited(cookie, TCP_BUFFER_LATENCY, 1))
		return;
	values[0] = sndbuf;
	/* a probe read: to the verifier sk is a struct sock, not tcp_sock */
	values[1] = BPF_CORE_READ(tp, srtt_us) >> 3;
	if (!values[1])
		return;
	/* delivery rate, bytes/s: did the bigger buffer buy throughput? */
	interval = BPF_CORE_READ(tp, rate_interval_us);
	values[2] = !interval ? 0 :
		(__u64)BPF_CORE_READ(tp, rate_delivered) *
		BPF_CORE_READ(tp, mss_cache) * 1000000 / interval;
	bpftune_send(cookie, TCP_BUFFER_LATENCY, 0, values, 3);
}

static __always_inline int wmem_check(int direct, struct sock *sk)
{
	struct net *net = bpftune_read(direct, sk, __sk_common.skc_net.net);
	__u64 sndbuf, limit;

	if (!net || !bpftune_gate(TCP_BUFFER_GATE_SEND))
		return 0;
	mem_check(sk);
	sndbuf = bpftune_read(direct, sk, sk_sndbuf);
	limit = bpftune_read(direct, net, ipv4.sysctl_tcp_wmem[2]);
	/*
	 * Only flows whose buffer has grown to at least half the namespace's
	 * limit feed the latency correlation: they are the ones growth
	 * affects; small flows (other srtt, other buffer) would fake one.
	 */
	if (sndbuf * 2 < limit)
		return 0;
	if (bpftune_read_bitfield(direct, sk, sk_userlocks) &
	    TCP_BUFFER_SNDBUF_LOCK)
		return 0;
	latency_sample(sk, bpftune_net_cookie(net), sndbuf);
	return report(direct, sk, TCP_BUFFER_WMEM_NEARLY_FULL, sndbuf, limit);
}

/*
 * Receive side: tcp_rcv_space_adjust() runs on every read; since 6.18 its
 * tcp_rcvbuf_grow tracepoint fires only when a read copied more than in
 * the previous RTT, which is when the buffer may grow.
 */
BPFTUNE_FENTRY(rmem_check, tcp_rcv_space_adjust, struct sock *sk)
{
	return rmem_check(1, sk, 0);
}

BPFTUNE_TP_BTF(rmem_check, tcp_rcvbuf_grow, struct sock *sk, int time)
{
	return rmem_check(1, sk, 1);
}

BPFTUNE_KPROBE(rmem_check, tcp_rcv_space_adjust, struct sock *sk)
{
	return rmem_check(0, sk, 0);
}

/*
 * Send side: tcp_sndbuf_expand() grows sk_sndbuf; it has no tracepoint
 * twin, so the tracepoint tier looks when the application sends, which is
 * when a full send buffer matters.
 */
BPFTUNE_FENTRY(wmem_check, tcp_sndbuf_expand, struct sock *sk)
{
	return wmem_check(1, sk);
}

BPFTUNE_TP_BTF(wmem_check, tcp_sendmsg_locked, struct sock *sk, void *msg,
	       void *skb, int size_goal)
{
	return wmem_check(1, sk);
}

BPFTUNE_KPROBE(wmem_check, tcp_sndbuf_expand, struct sock *sk)
{
	return wmem_check(0, sk);
}

/* A socket was refused memory: the protocol or its memory cgroup is full. */
static __always_inline int exceed_check(struct sock *sk, long allocated,
					int kind)
{
	struct proto *prot = BPF_CORE_READ(sk, __sk_common.skc_prot);
	long mem[3] = {};
	long *mem_ptr;
	__u64 values[TCP_BUFFER_EV_EX_NVALUES];

	if (!prot)
		return 0;
	mem_ptr = BPF_CORE_READ(prot, sysctl_mem);
	if (mem_ptr)
		bpf_probe_read_kernel(mem, sizeof(mem), mem_ptr);
	/* refusals start once allocation passes the pressure threshold */
	values[0] = allocated;
	values[1] = mem[1];
	values[2] = kind;
	values[TCP_BUFFER_EV_EX_MEM1] = mem[1];
	bpftune_send(bpftune_sk_netns_cookie(sk), TCP_BUFFER_MEM_EXHAUSTION,
		     kind, values, TCP_BUFFER_EV_EX_NVALUES);
	return 0;
}

/*
 * The tracepoint fires inside __sk_mem_raise_allocated() when it refuses;
 * on the fentry tier its fexit sees the refusal as a 0 return.  The
 * kprobe tier cannot see the result and samples the accounting instead.
 */
SEC("fexit/__sk_mem_raise_allocated")
int BPF_PROG(exceed_check__fentry, struct sock *sk, int size, int amt,
	     int kind, int ret)
{
	if (ret)
		return 0;
	return exceed_check(sk, BPF_CORE_READ(sk, __sk_common.skc_prot,
					      memory_allocated, counter),
			    kind);
}

BPFTUNE_TP_BTF(exceed_check, sock_exceed_buf_limit, struct sock *sk,
	       struct proto *prot, long allocated, int kind)
{
	return exceed_check(sk, allocated, kind);
}

BPFTUNE_KPROBE(exceed_check, __sk_mem_raise_allocated, struct sock *sk)
{
	mem_check(sk);
	return 0;
}

/*
 * SO_RCVBUF / SO_SNDBUF above net.core.rmem_max / wmem_max are silently
 * clamped by the kernel: tell user space who asked for how much.
 */
SEC("cgroup/setsockopt")
int tcp_buffer_setsockopt(struct bpf_sockopt *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	int *optval = ctx->optval;
	__u64 values[3], limit;
	__u32 kind;

	/* TCP sockets only: netlink and UDP buffers are other tuners' business */
	if (!sk || sk->protocol != IPPROTO_TCP || ctx->level != SOL_SOCKET ||
	    (void *)(optval + 1) > ctx->optval_end)
		return 1;
	if (ctx->optname == SO_RCVBUF) {
		limit = core_rmem_max;
		kind = TCP_BUFFER_KIND_RECV;
	} else if (ctx->optname == SO_SNDBUF) {
		limit = core_wmem_max;
		kind = TCP_BUFFER_KIND_SEND;
	} else {
		return 1;
	}
	if (*optval <= 0 || !limit || (__u64)*optval <= limit)
		return 1;
	values[0] = *optval;
	values[1] = kind;
	values[2] = sk->src_port;
	bpftune_send(bpf_get_netns_cookie(ctx), TCP_BUFFER_SOCKBUF_REQUEST,
		     (bpf_get_current_pid_tgid() >> 32) << 1 | kind, values, 3);
	return 1;
}

static __always_inline __u32 service_port(struct bpf_sock_ops *ops,
					  __u32 active)
{
	return active ? bpf_ntohl(ops->remote_port) & 0xffff : ops->local_port;
}

static __always_inline struct service_window *
service_lookup(struct bpf_sock_ops *ops, __u32 active)
{
	struct service_key key = {};

	if (!services_learned)
		return NULL;
	key.port = service_port(ops, active);
	if (!service_port_known(key.port))
		return NULL;
	key.netns_cookie = bpf_get_netns_cookie(ops);
	key.active = active;
	return bpf_map_lookup_elem(&service_windows, &key);
}

static __always_inline void clamp_report(struct bpf_sock_ops *ops,
					 __u32 active, __u32 what)
{
	__u64 values[3];

	values[0] = what;
	values[1] = service_port(ops, active);
	values[2] = ops->bytes_acked + ops->bytes_received;
	bpftune_send_nopid(bpf_get_netns_cookie(ops), TCP_BUFFER_SMALL_FLOW_CLAMP,
			   what, values, 3);
}

/* Small flows get small windows while TCP memory is nearly exhausted. */
static __always_inline void clamp_flow(struct bpf_sock_ops *ops,
				       struct flow_state *fs)
{
	int cwnd = TCP_BUFFER_CLAMP_CWND, window = TCP_BUFFER_CLAMP_WINDOW;
	int orig = 0;

	if (bpf_getsockopt(ops, SOL_TCP, TCP_WINDOW_CLAMP, &orig, sizeof(orig)))
		orig = 0;
	if (bpf_setsockopt(ops, SOL_TCP, TCP_BPF_SNDCWND_CLAMP, &cwnd,
			   sizeof(cwnd)) ||
	    bpf_setsockopt(ops, SOL_TCP, TCP_WINDOW_CLAMP, &window,
			   sizeof(window)))
		return;
	fs->clamped = 1;
	fs->orig_window_clamp = orig;
	__sync_fetch_and_add(&clamped_flows, 1);
	/* RTT callbacks: the clamp is lifted when the crunch is over or the
	 * flow turns out not to be small */
	bpftune_sock_ops_cb(ops,
			    (BPF_SOCK_OPS_RTT_CB_FLAG |
			     BPF_SOCK_OPS_STATE_CB_FLAG),
			    0);
	clamp_report(ops, fs->active, TCP_BUFFER_CLAMP_CLAMPED);
}

static __always_inline void lift_clamp(struct bpf_sock_ops *ops,
				       struct flow_state *fs, __u32 why)
{
	int cwnd = 0x7fffffff;
	int window = fs->orig_window_clamp ? fs->orig_window_clamp :
					     (65535 << 14);

	bpf_setsockopt(ops, SOL_TCP, TCP_BPF_SNDCWND_CLAMP, &cwnd, sizeof(cwnd));
	bpf_setsockopt(ops, SOL_TCP, TCP_WINDOW_CLAMP, &window, sizeof(window));
	fs->clamped = 0;
	__sync_fetch_and_add(why == TCP_BUFFER_CLAMP_BIG_FLOW ? &big_flows_lifted :
								&lifted_clamps,
			     1);
	bpftune_sock_ops_cb(ops, 0, BPF_SOCK_OPS_RTT_CB_FLAG);
	clamp_report(ops, fs->active, why);
}

/* A clamped flow at an ACK: is the crunch over, or the flow not small? */
static __always_inline void clamp_check(struct bpf_sock_ops *ops)
{
	struct bpf_sock *sk = ops->sk;
	struct flow_state *fs;

	if (!sk || clamped_flows == lifted_clamps + big_flows_lifted)
		return;
	fs = bpf_sk_storage_get(&flow_states, sk, NULL, 0);
	if (!fs || !fs->clamped)
		return;
	if (!crunch)
		lift_clamp(ops, fs, TCP_BUFFER_CLAMP_LIFTED);
	else if (ops->bytes_acked + ops->bytes_received >=
		 TCP_BUFFER_SMALL_FLOW_BYTES)
		lift_clamp(ops, fs, TCP_BUFFER_CLAMP_BIG_FLOW);
}

/*
 * Socket storage is created only for a flow clamped during a crunch; the
 * common connection gets none (an allocation and a free saved on every
 * connection).  Its role, needed when it closes, comes from the socket.
 */
static __always_inline void established(struct bpf_sock_ops *ops, __u32 active)
{
	struct service_window *sw;
	struct flow_state *fs;
	struct bpf_sock *sk = ops->sk;
	int iw;

	if (!sk)
		return;
	/* state changes: learn from the flow when it ends */
	bpftune_sock_ops_cb(ops, BPF_SOCK_OPS_STATE_CB_FLAG, 0);
	if (dry_run)
		return;
	sw = service_lookup(ops, active);
	if (crunch) {
		/* a service known for big flows: this one is not small */
		if (sw) {
			__sync_fetch_and_add(&big_services_spared, 1);
			clamp_report(ops, active, TCP_BUFFER_CLAMP_BIG_SERVICE);
			return;
		}
		fs = bpf_sk_storage_get(&flow_states, sk, NULL,
					BPF_SK_STORAGE_GET_F_CREATE);
		if (!fs)
			return;
		fs->active = active;
		clamp_flow(ops, fs);
		return;
	}
	if (!sw || sw->iw <= TCP_BUFFER_IW_DEFAULT)
		return;
	iw = sw->iw > TCP_BUFFER_IW_MAX ? TCP_BUFFER_IW_MAX : sw->iw;
	if (!bpf_setsockopt(ops, SOL_TCP, TCP_BPF_IW, &iw, sizeof(iw)))
		__sync_fetch_and_add(&iw_applied, 1);
}

/*
 * Did we connect (1) or accept (0)?  An accepted socket is a copy of its
 * listener, which was bound to its port: it carries SOCK_BINDPORT_LOCK.
 * A connecting socket has it only if it was bound to a port before
 * connect(), which clients rarely do.
 */
static __always_inline __u32 flow_active(struct tcp_sock *tp)
{
	struct sock *sk = &tp->inet_conn.icsk_inet.sk;

	return !(BPF_CORE_READ_BITFIELD(sk, sk_userlocks) &
		 TCP_BUFFER_BINDPORT_LOCK);
}

/* A flow leaves ESTABLISHED: if it was big, its service learns from it. */
static __always_inline void learn(struct bpf_sock_ops *ops)
{
	struct service_window init = {}, *sw;
	struct service_key key = {};
	struct flow_state *fs;
	struct tcp_sock *tp;
	struct bpf_sock *sk = ops->sk;
	__u64 values[2];
	bool sent;

	if (!sk)
		return;
	/* a big flow either way marks its service (no clamps in a crunch);
	 * the congestion window says something only after sending */
	sent = ops->bytes_acked >= TCP_BUFFER_LEARN_BYTES;
	if (!sent && ops->bytes_received < TCP_BUFFER_LEARN_BYTES)
		return;
	fs = bpf_sk_storage_get(&flow_states, sk, NULL, 0);
	if (fs && fs->clamped)
		return;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return;
	key.netns_cookie = bpf_get_netns_cookie(ops);
	key.active = fs ? fs->active : flow_active(tp);
	key.port = service_port(ops, key.active);
	sw = bpf_map_lookup_elem(&service_windows, &key);
	if (!sw) {
		if (!bpf_map_update_elem(&service_windows, &key, &init,
					 BPF_NOEXIST))
			__sync_fetch_and_add(&services_learned, 1);
		service_port_learned(key.port);
		sw = bpf_map_lookup_elem(&service_windows, &key);
		if (!sw)
			return;
	}
	if (!sent)
		return;
	sw->iw = tcp_buffer_iw_learn(sw->iw, ops->snd_cwnd);
	values[0] = key.port;
	values[1] = sw->iw;
	bpftune_send_nopid(key.netns_cookie, TCP_BUFFER_INITIAL_WINDOW, key.port,
		     values, 2);
}

SEC("sockops")
int tcp_buffer_sockops(struct bpf_sock_ops *ops)
{
	switch (ops->op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		established(ops, 1);
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		established(ops, 0);
		break;
	case BPF_SOCK_OPS_RTT_CB:
		/*
		 * Runs on every ACK when another program (tcp_conn) asked for
		 * RTT callbacks: clamp_check() skips the storage lookup
		 * unless some flow is clamped at all.
		 */
		clamp_check(ops);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		if (ops->args[0] != TCP_ESTABLISHED_STATE)
			break;
		learn(ops);
		/* only leaving ESTABLISHED matters (to tcp_conn's program
		 * too): no callbacks on the later closing states */
		bpftune_sock_ops_cb(ops, 0,
				    (BPF_SOCK_OPS_RTT_CB_FLAG |
				     BPF_SOCK_OPS_STATE_CB_FLAG));
		break;
	default:
		break;
	}
	return 1;
}
