// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_conn, kernel side: a sockops program on the daemon's cgroup.  When a
 * connection is established it gets the congestion control the model
 * picks for its remote host (tcp_conn.h: warm-up, then budgeted
 * exploration around the host's choice);
 * its first TCP_CONN_RTT_SAMPLES RTT callbacks record its smoothed RTT,
 * then it turns them off (no callback per ACK for the rest of a long
 * flow); when it leaves ESTABLISHED, its summary (bytes acknowledged over
 * time, minimum RTT, retransmitted and sent segments) goes to
 * tcp_conn_learn(), which updates the host's model and choice.  Choice
 * changes and refusals go to
 * user space as events; per-host state lives in an LRU map user space
 * reads for the summary.
 *
 * Updates of a host's record by connections closing at the same moment on
 * two CPUs are not serialised: one of two updates can be lost, which only
 * slows learning a little.
 */
#include <bpftune/bpftune.bpf.h>
#include "tcp_conn.h"

#define AF_INET 2
#define AF_INET6 10
#define SOL_TCP 6
#define TCP_CONGESTION 13
#define TCP_ESTABLISHED 1

/* Filled by user space from tcp_available_congestion_control. */
const volatile __u32 tcp_conn_nalgs;
const volatile char tcp_conn_names[TCP_CONN_MAX_ALGS][TCP_CONN_NAME_LEN];
/* bit per algorithm that is rate-based (bbr): heavy loss goes there */
const volatile __u32 tcp_conn_rate_based;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TCP_CONN_MAX_HOSTS);
	__type(key, struct tcp_conn_host_key);
	__type(value, struct tcp_conn_host);
} tcp_conn_hosts SEC(".maps");

/* Scratch space for a new host record: too big for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcp_conn_host);
} tcp_conn_scratch SEC(".maps");

/*
 * The connections being measured, by socket cookie.  Not socket storage:
 * creating that allocates (and frees at close) for every connection,
 * about a microsecond each here; this map's entries are preallocated.
 * An entry is deleted when its connection leaves ESTABLISHED; one whose
 * close was missed is recycled by the LRU.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TCP_CONN_MAX_MEASURED);
	__type(key, __u64);
	__type(value, struct tcp_conn_sk);
} tcp_conn_socks SEC(".maps");

static __always_inline int host_key(struct bpf_sock_ops *ops,
				    struct tcp_conn_host_key *key)
{
	__builtin_memset(key, 0, sizeof(*key));
	key->netns_cookie = bpf_get_netns_cookie(ops);
	key->family = ops->family;
	if (ops->family == AF_INET) {
		key->addr[0] = ops->remote_ip4;
		return 0;
	}
	if (ops->family != AF_INET6)
		return -1;
	key->addr[0] = ops->remote_ip6[0];
	key->addr[1] = ops->remote_ip6[1];
	key->addr[2] = ops->remote_ip6[2];
	key->addr[3] = ops->remote_ip6[3];
	return 0;
}

static __always_inline struct tcp_conn_host *
host_get(struct tcp_conn_host_key *key)
{
	struct tcp_conn_host *h, *fresh;
	__u32 zero = 0;

	h = bpf_map_lookup_elem(&tcp_conn_hosts, key);
	if (h)
		return h;
	fresh = bpf_map_lookup_elem(&tcp_conn_scratch, &zero);
	if (!fresh)
		return NULL;
	__builtin_memset(fresh, 0, sizeof(*fresh));
	fresh->min_rtt_us = ~0ULL;
	fresh->choice = TCP_CONN_NONE;
	fresh->rng = ((__u64)bpf_get_prandom_u32() << 32) | bpf_get_prandom_u32();
	bpf_map_update_elem(&tcp_conn_hosts, key, fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tcp_conn_hosts, key);
}

static __always_inline void send_refused(struct tcp_conn_host_key *key,
					 __u32 alg, int err)
{
	__u64 values[2] = { alg, (__u64)(-err) };

	bpftune_send_nopid(key->netns_cookie, TCP_CONN_REFUSED, alg, values, 2);
}

static __always_inline int set_cc(struct bpf_sock_ops *ops, __u32 alg)
{
	char name[TCP_CONN_NAME_LEN];
	int i;

	TCP_CONN_UNROLL
	for (i = 0; i < TCP_CONN_NAME_LEN; i++)
		name[i] = tcp_conn_names[alg & (TCP_CONN_MAX_ALGS - 1)][i];
	name[TCP_CONN_NAME_LEN - 1] = 0;
	return bpf_setsockopt(ops, SOL_TCP, TCP_CONGESTION, name, sizeof(name));
}

/*
 * Does this connection feed the model (a record, RTT callbacks, an update
 * when it closes)?  Only a connection that carries TCP_CONN_MIN_BYTES
 * teaches anything, and most connections are short: so every one while
 * the host had a long connection within its last TCP_CONN_SAMPLE_EVERY,
 * explorations, every one while the host is on heavy loss (that state
 * must be able to end) and the one after an unmeasured connection
 * retransmitted heavily; otherwise one in TCP_CONN_SAMPLE_EVERY.
 */
static __always_inline int to_measure(const struct tcp_conn_host *h,
				      __u32 conns, __u32 reason)
{
	if (reason == TCP_CONN_WHY_EXPLORE ||
	    (h->flags & (TCP_CONN_HEAVY | TCP_CONN_RESAMPLE)))
		return 1;
	if (conns - h->last_long <= TCP_CONN_SAMPLE_EVERY)
		return 1;
	return conns % TCP_CONN_SAMPLE_EVERY == 0;
}

/* Is alg the connection's congestion control already (a namespace default
 * that equals the choice)?  Then setting it again would only reinit it. */
static __always_inline int cc_is(struct tcp_sock *tp, __u32 alg)
{
	const struct tcp_congestion_ops *ca = tp->inet_conn.icsk_ca_ops;
	__u32 a = tcp_conn_idx(alg);
	int i;

	if (!ca)
		return 0;
	for (i = 0; i < TCP_CONN_NAME_LEN; i++) {
		char c = tcp_conn_names[a][i];

		if (ca->name[i] != c)
			return 0;
		if (!c)
			return 1;
	}
	return 1;
}

/*
 * A measured connection carries the RTO callback flag as its mark: sockops
 * have no per-socket bit of their own but socket storage, whose creation
 * costs more than the map entry it would spare.  RTOs are rare, and the
 * programs ignore their callback; the mark lets the close of an unmeasured
 * connection (most of them) skip the map of measured ones altogether.
 */
#define TCP_CONN_MEASURED_MARK BPF_SOCK_OPS_RTO_CB_FLAG

static __always_inline int measure(struct bpf_sock_ops *ops, __u32 alg,
				   __u32 reason)
{
	struct tcp_conn_sk fresh;
	__u64 cookie;

	cookie = bpf_get_socket_cookie(ops);
	__builtin_memset(&fresh, 0, sizeof(fresh));
	fresh.alg = alg;
	fresh.reason = reason;
	fresh.start_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&tcp_conn_socks, &cookie, &fresh, BPF_ANY))
		return -1;
	bpftune_sock_ops_cb(ops,
			    (BPF_SOCK_OPS_RTT_CB_FLAG |
			     BPF_SOCK_OPS_STATE_CB_FLAG |
			     TCP_CONN_MEASURED_MARK),
			    0);
	return 0;
}

/*
 * A new connection gets its algorithm.  One that is not measured gets no
 * warm-up experiment (it would teach nothing): the host's choice, or, with
 * none yet, the namespace default, untouched.
 */
static __always_inline int on_established(struct bpf_sock_ops *ops)
{
	struct tcp_conn_host_key key;
	struct tcp_conn_host *h;
	struct tcp_sock *tp;
	struct bpf_sock *sk;
	__u32 alg, reason, conns;
	int err = 0, n, m = 0;

	sk = ops->sk;
	if (!sk)
		return 0;
	tp = bpf_skc_to_tcp_sock(sk);
	/* the application chose its algorithm itself: leave it alone */
	if (!tp || BPF_CORE_READ_BITFIELD(&tp->inet_conn, icsk_ca_setsockopt))
		return 0;
	if (host_key(ops, &key))
		return 0;
	h = host_get(&key);
	if (!h)
		return 0;
	conns = ++h->conns;
	/* A refused algorithm is marked and the next pick is tried. */
	TCP_CONN_UNROLL
	for (n = 0; n < TCP_CONN_MAX_ALGS; n++) {
		alg = tcp_conn_select(h, tcp_conn_nalgs, tcp_conn_rate_based,
				      &reason);
		m = to_measure(h, conns, reason);
		if (!m && reason == TCP_CONN_WHY_WARMUP)
			alg = h->choice;
		if (alg >= TCP_CONN_MAX_ALGS)
			break;
		err = cc_is(tp, alg) ? 0 : set_cc(ops, alg);
		if (!err)
			break;
		h->refused |= 1U << alg;
		send_refused(&key, alg, err);
	}
	if (err)
		return 0;
	if (alg < TCP_CONN_MAX_ALGS)
		TCP_CONN_ALG(h, alg)->tries++;
	if (m && alg < TCP_CONN_MAX_ALGS && !measure(ops, alg, reason)) {
		h->flags &= ~TCP_CONN_RESAMPLE;
		return 0;
	}
	/* not measured: its close is still looked at if it was long */
	bpftune_sock_ops_cb(ops, BPF_SOCK_OPS_STATE_CB_FLAG, 0);
	return 0;
}

static __always_inline struct tcp_conn_sk *sk_conn(struct bpf_sock_ops *ops,
						  __u64 *cookie)
{
	*cookie = bpf_get_socket_cookie(ops);
	return bpf_map_lookup_elem(&tcp_conn_socks, cookie);
}

static __always_inline int on_rtt(struct bpf_sock_ops *ops)
{
	struct tcp_conn_sk *cs;
	__u64 cookie;

	cs = sk_conn(ops, &cookie);
	if (!cs || cs->done)
		return 0;
	if (ops->srtt_us) {
		cs->srtt_sum_us += ops->srtt_us >> 3;
		cs->srtt_samples++;
	}
	if (cs->srtt_samples >= TCP_CONN_RTT_SAMPLES)
		bpftune_sock_ops_cb(ops, 0, BPF_SOCK_OPS_RTT_CB_FLAG);
	return 0;
}

static __always_inline void send_choice(struct tcp_conn_host_key *key,
					struct tcp_conn_host *h, __u32 old,
					__u32 new)
{
	__u64 values[6];

	values[TCP_CONN_EV_ADDR0] = key->addr[0] | (__u64)key->addr[1] << 32;
	values[TCP_CONN_EV_ADDR1] = key->addr[2] | (__u64)key->addr[3] << 32;
	values[TCP_CONN_EV_WHAT] = key->family | old << 8 | new << 16 |
				   h->cause << 24 | (__u64)h->retrans_pm << 32;
	values[TCP_CONN_EV_MEASURED] = h->measured;
	values[TCP_CONN_EV_OLD_COST] = tcp_conn_value_of(h, old);
	values[TCP_CONN_EV_NEW_COST] = tcp_conn_value_of(h, new);
	bpftune_send_nopid(key->netns_cookie, TCP_CONN_CHOICE,
		     key->addr[0] ^ key->addr[3], values, 6);
}

/*
 * A long connection that was not measured: the host's next connections
 * are (long ones may follow); if it retransmitted heavily, so is the very
 * next one (heavy loss is then acted on one connection later than on a
 * measured one).
 */
static __always_inline void unmeasured_long(struct bpf_sock_ops *ops)
{
	struct tcp_conn_host_key key;
	struct tcp_conn_host *h;

	if (host_key(ops, &key))
		return;
	h = bpf_map_lookup_elem(&tcp_conn_hosts, &key);
	if (!h)
		return;
	h->last_long = h->conns;
	if (ops->data_segs_out >= TCP_CONN_MIN_SEGS &&
	    tcp_conn_retrans_pm(ops->total_retrans, ops->data_segs_out) >=
		    TCP_CONN_HEAVY_PERMILLE && !(h->flags & TCP_CONN_HEAVY))
		h->flags |= TCP_CONN_RESAMPLE;
}

/* The connection is leaving ESTABLISHED: learn from it. */
static __always_inline int on_finished(struct bpf_sock_ops *ops)
{
	struct tcp_conn_sample s = {};
	struct tcp_conn_sk c;
	struct tcp_conn_host_key key;
	struct tcp_conn_host *h;
	struct tcp_conn_sk *cs;
	__u64 rtt, elapsed_us, cookie;
	__u32 old, min_rtt;

	int measured = ops->bpf_sock_ops_cb_flags & TCP_CONN_MEASURED_MARK;

	/* too little data to say anything about the algorithm */
	if (ops->bytes_acked < TCP_CONN_MIN_BYTES) {
		if (measured) {
			cookie = bpf_get_socket_cookie(ops);
			bpf_map_delete_elem(&tcp_conn_socks, &cookie);
		}
		return 0;
	}
	/* measured, but its entry may have been recycled by the LRU */
	cs = measured ? sk_conn(ops, &cookie) : NULL;
	if (!cs) {
		unmeasured_long(ops);
		return 0;
	}
	if (cs->done)
		return 0;
	cs->done = 1;
	/* a copy: the entry goes now */
	__builtin_memcpy(&c, cs, sizeof(c));
	bpf_map_delete_elem(&tcp_conn_socks, &cookie);
	cs = &c;
	rtt = cs->srtt_samples ? cs->srtt_sum_us / cs->srtt_samples :
				 ops->srtt_us >> 3;
	min_rtt = ops->rtt_min;
	elapsed_us = (bpf_ktime_get_ns() - cs->start_ns) / 1000;
	if (!rtt || !elapsed_us)
		return 0;
	if (host_key(ops, &key))
		return 0;
	h = bpf_map_lookup_elem(&tcp_conn_hosts, &key);
	if (!h)
		return 0;
	h->last_long = h->conns;
	s.alg = cs->alg;
	s.min_rtt_us = min_rtt ? min_rtt : ~0ULL;
	s.rate = tcp_conn_rate(ops->bytes_acked, elapsed_us);
	s.rtt_us = rtt;
	s.retrans = ops->total_retrans;
	s.segs = ops->data_segs_out;
	old = tcp_conn_learn(h, &s, tcp_conn_nalgs, tcp_conn_rate_based,
			     bpftune_learning_rate);
	if (old != h->choice)
		send_choice(&key, h, old, h->choice);
	return 0;
}

/* Always 1: the callbacks used here do not veto anything. */
SEC("sockops")
int tcp_conn_sockops(struct bpf_sock_ops *ops)
{
	switch (ops->op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		on_established(ops);
		break;
	case BPF_SOCK_OPS_RTT_CB:
		on_rtt(ops);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		if (ops->args[0] != TCP_ESTABLISHED)
			break;
		on_finished(ops);
		/* no program of bpftune wants the later closing states, nor
		 * RTT samples of a closing connection: no more callbacks */
		bpftune_sock_ops_cb(ops, 0,
				    (BPF_SOCK_OPS_RTT_CB_FLAG |
				     BPF_SOCK_OPS_STATE_CB_FLAG |
				     TCP_CONN_MEASURED_MARK));
		break;
	}
	return 1;
}
