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

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
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

static __always_inline int on_established(struct bpf_sock_ops *ops)
{
	struct tcp_conn_host_key key;
	struct tcp_conn_host *h;
	struct tcp_conn_sk *cs;
	struct bpf_sock *sk;
	__u32 alg, reason;
	int err = -1, tries;

	if (host_key(ops, &key))
		return 0;
	h = host_get(&key);
	if (!h)
		return 0;
	/* A refused algorithm is marked and the next pick is tried. */
	TCP_CONN_UNROLL
	for (tries = 0; tries < TCP_CONN_MAX_ALGS; tries++) {
		alg = tcp_conn_select(h, tcp_conn_nalgs, tcp_conn_rate_based,
				      &reason);
		if (alg >= TCP_CONN_MAX_ALGS)
			return 0;
		err = set_cc(ops, alg);
		if (!err)
			break;
		h->refused |= 1U << alg;
		send_refused(&key, alg, err);
	}
	if (err)
		return 0;
	h->alg[alg].tries++;
	sk = ops->sk;
	if (!sk)
		return 0;
	cs = bpf_sk_storage_get(&tcp_conn_socks, sk, 0,
				BPF_SK_STORAGE_GET_F_CREATE);
	if (!cs)
		return 0;
	__builtin_memset(cs, 0, sizeof(*cs));
	cs->alg = alg;
	cs->reason = reason;
	cs->start_ns = bpf_ktime_get_ns();
	bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags |
				       BPF_SOCK_OPS_RTT_CB_FLAG |
				       BPF_SOCK_OPS_STATE_CB_FLAG);
	return 0;
}

static __always_inline struct tcp_conn_sk *sk_conn(struct bpf_sock_ops *ops)
{
	struct bpf_sock *sk = ops->sk;

	if (!sk)
		return NULL;
	return bpf_sk_storage_get(&tcp_conn_socks, sk, 0, 0);
}

static __always_inline int on_rtt(struct bpf_sock_ops *ops)
{
	struct tcp_conn_sk *cs = sk_conn(ops);

	if (!cs || cs->done)
		return 0;
	if (ops->srtt_us) {
		cs->srtt_sum_us += ops->srtt_us >> 3;
		cs->srtt_samples++;
	}
	if (cs->srtt_samples >= TCP_CONN_RTT_SAMPLES)
		bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags &
					       ~BPF_SOCK_OPS_RTT_CB_FLAG);
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

/* The connection is leaving ESTABLISHED: learn from it. */
static __always_inline int on_finished(struct bpf_sock_ops *ops)
{
	struct tcp_conn_sample s = {};
	struct tcp_conn_host_key key;
	struct tcp_conn_host *h;
	struct tcp_conn_sk *cs;
	__u64 rtt, elapsed_us;
	__u32 old, min_rtt;

	cs = sk_conn(ops);
	if (!cs || cs->done)
		return 0;
	cs->done = 1;
	/* too little data to say anything about the algorithm */
	if (ops->bytes_acked < TCP_CONN_MIN_BYTES)
		return 0;
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
		if (ops->args[0] == TCP_ESTABLISHED)
			on_finished(ops);
		break;
	}
	return 1;
}
