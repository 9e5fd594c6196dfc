/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF-side helpers for tuners: the per-tuner ring buffer, event rate
 * limiting, sampling, netns cookies, and the attach-tier macros.
 *
 * Include this once from a tuner's <name>.bpf.c, after vmlinux.h.
 */
#ifndef BPFTUNE_BPFTUNE_BPF_H
#define BPFTUNE_BPFTUNE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpftune/bpftune.h>

/* Set by the core before load (see bpftune_bpf_open()). */
const volatile __u32 bpftune_learning_rate = BPFTUNE_RATE_DEFAULT;
const volatile __u32 bpftune_daemon_pid;
/* Same (netns, scenario, key) event is dropped within this interval. */
const volatile __u64 bpftune_event_interval_ns = 25000000ULL;

/*
 * Each tuner has its own ring buffer; the core finds it by this name.
 * 16 KiB holds over 200 events (72 bytes each, rate-limited per netns and
 * scenario) and the daemon drains it at once; every page is mapped into
 * the daemon twice, so a larger ring costs resident memory for nothing.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024);
} bpftune_events SEC(".maps");

/*
 * Rate limiting is per CPU, in a small direct-mapped table: a slot lookup
 * in a per-CPU array costs a few ns where a hash map costs ~100 ns, and
 * hooks such as tcp_sendmsg run on every send.  A collision only means an
 * extra event, which user space tolerates.
 */
#define BPFTUNE_RATELIMIT_SLOTS 64

struct bpftune_ratelimit_slot {
	__u64 netns_cookie;
	__u64 key;
	__u64 last_ns;
	__u32 scenario;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BPFTUNE_RATELIMIT_SLOTS);
	__type(key, __u32);
	__type(value, struct bpftune_ratelimit_slot);
} bpftune_ratelimit SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bpftune_sample_count SEC(".maps");

/* Per-CPU time gates for hot hooks; see bpftune_gate(). */
#define BPFTUNE_GATES 4

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BPFTUNE_GATES);
	__type(key, __u32);
	__type(value, __u64);
} bpftune_gate_last SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

/*
 * True when an event for (netns, scenario, key) was sent from this CPU
 * less than bpftune_event_interval_ns ago; otherwise records now and
 * returns false.
 */
static __always_inline int bpftune_ratelimited(__u64 netns_cookie,
					       __u32 scenario, __u64 key)
{
	__u32 slot = (__u32)(netns_cookie * 31 + key * 7 + scenario) %
		     BPFTUNE_RATELIMIT_SLOTS;
	struct bpftune_ratelimit_slot *rl;
	__u64 now = bpf_ktime_get_ns();

	rl = bpf_map_lookup_elem(&bpftune_ratelimit, &slot);
	if (!rl)
		return 0;
	if (rl->netns_cookie == netns_cookie && rl->key == key &&
	    rl->scenario == scenario && now - rl->last_ns < bpftune_event_interval_ns)
		return 1;
	rl->netns_cookie = netns_cookie;
	rl->key = key;
	rl->scenario = scenario;
	rl->last_ns = now;
	return 0;
}

/* Returns true once every 2^shift calls on this CPU: for hot hooks. */
static __always_inline int bpftune_sample(__u32 shift)
{
	__u32 zero = 0;
	__u64 *count = bpf_map_lookup_elem(&bpftune_sample_count, &zero);

	if (!count)
		return 0;
	*count += 1;
	return (*count & ((1ULL << shift) - 1)) == 0;
}

/*
 * True at most once per jiffy (1 to 10 ms) on this CPU for gate (0 ..
 * BPFTUNE_GATES - 1): for hooks that run on every send or receive but
 * need one look now and then.  jiffies is a plain load, cheaper than a
 * clock read.  Put it after the cheapest tests (a comparison against the
 * limit) and before any other map lookup.
 */
static __always_inline int bpftune_gate(__u32 gate)
{
	__u64 *last = bpf_map_lookup_elem(&bpftune_gate_last, &gate);
	__u64 now;

	if (!last)
		return 0;
	now = bpf_jiffies64();
	if (now == *last)
		return 0;
	*last = now;
	return 1;
}

static __always_inline int bpftune_post(__u64 netns_cookie, __u32 scenario,
					__u64 key, const __u64 *values,
					int nvalues, int with_pid)
{
	struct bpftune_event *ev;
	int i;

	if (bpftune_ratelimited(netns_cookie, scenario, key))
		return 0;
	ev = bpf_ringbuf_reserve(&bpftune_events, sizeof(*ev), 0);
	if (!ev)
		return 0;
	ev->netns_cookie = netns_cookie;
	ev->scenario = scenario;
	ev->pid = with_pid ? bpf_get_current_pid_tgid() >> 32 : 0;
	for (i = 0; i < BPFTUNE_EVENT_VALUES; i++)
		ev->values[i] = i < nvalues ? values[i] : 0;
	bpf_ringbuf_submit(ev, 0);
	return 1;
}

/* Post an event unless an identical one was posted very recently. */
static __always_inline int bpftune_send(__u64 netns_cookie, __u32 scenario,
					__u64 key, const __u64 *values,
					int nvalues)
{
	return bpftune_post(netns_cookie, scenario, key, values, nvalues, 1);
}

/*
 * The same, for program types that may not ask for the current pid
 * (sockops before Linux 6.x): the event's pid is 0.
 */
static __always_inline int bpftune_send_nopid(__u64 netns_cookie,
					      __u32 scenario, __u64 key,
					      const __u64 *values, int nvalues)
{
	return bpftune_post(netns_cookie, scenario, key, values, nvalues, 0);
}

/*
 * The netns cookie of a socket, read with CO-RE.  bpf_get_netns_cookie()
 * is not allowed in tracing programs on every kernel; the field holds the
 * same value.
 */
static __always_inline __u64 bpftune_net_cookie(struct net *net)
{
	if (!net)
		return 0;
	if (bpf_core_field_exists(net->net_cookie))
		return BPF_CORE_READ(net, net_cookie);
	return 0;
}

static __always_inline struct net *bpftune_sk_net(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net);
}

static __always_inline __u64 bpftune_sk_netns_cookie(struct sock *sk)
{
	return bpftune_net_cookie(bpftune_sk_net(sk));
}

/* sk_userlocks became a plain u8 in 6.9; the probed read handles both. */
static __always_inline __u32 bpftune_sk_userlocks(struct sock *sk)
{
	return BPF_CORE_READ_BITFIELD_PROBED(sk, sk_userlocks);
}

/*
 * Attach tiers.  A hook's logic lives in one static __always_inline
 * function; these macros emit its thin entry programs, one per tier,
 * named <hook>__fentry, <hook>__tp and <hook>__kprobe.  The user side
 * (bpftune_bpf_open()) keeps the best tier the kernel allows for each hook
 * and turns autoload off for the others.  Every variant is compiled in
 * every build.
 */
#define BPFTUNE_FENTRY(hook, func, args...)                                    \
	SEC("fentry/" #func) int BPF_PROG(hook##__fentry, ##args)
#define BPFTUNE_TP_BTF(hook, tp, args...)                                      \
	SEC("tp_btf/" #tp) int BPF_PROG(hook##__tp, ##args)
#define BPFTUNE_KPROBE(hook, func, args...)                                    \
	SEC("kprobe/" #func) int BPF_KPROBE(hook##__kprobe, ##args)

/*
 * Another variant of a hook at the same tier, for a kernel generation
 * where the target has another name or arguments (e.g. kfree_skb_reason()
 * before sk_skb_reason_drop() replaced it in 6.11): named
 * <hook>__fentry_<alt> / <hook>__kprobe_<alt>.  The user side takes the
 * first variant of a tier whose target this kernel has, in the order of
 * the source: put the current kernel's variant first.
 */
#define BPFTUNE_FENTRY_ALT(hook, alt, func, args...)                           \
	SEC("fentry/" #func) int BPF_PROG(hook##__fentry_##alt, ##args)
#define BPFTUNE_KPROBE_ALT(hook, alt, func, args...)                           \
	SEC("kprobe/" #func) int BPF_KPROBE(hook##__kprobe_##alt, ##args)

/* A hook whose function and tracepoint both take (t1 a1). */
#define BPFTUNE_HOOK1(hook, func, tp, t1, a1)                                  \
	BPFTUNE_FENTRY(hook, func, t1 a1)                                      \
	{                                                                      \
		return hook(a1);                                               \
	}                                                                      \
	BPFTUNE_TP_BTF(hook, tp, t1 a1)                                        \
	{                                                                      \
		return hook(a1);                                               \
	}                                                                      \
	BPFTUNE_KPROBE(hook, func, t1 a1)                                      \
	{                                                                      \
		return hook(a1);                                               \
	}

/* Same, for hooks taking (t1 a1, t2 a2). */
#define BPFTUNE_HOOK2(hook, func, tp, t1, a1, t2, a2)                          \
	BPFTUNE_FENTRY(hook, func, t1 a1, t2 a2)                               \
	{                                                                      \
		return hook(a1, a2);                                           \
	}                                                                      \
	BPFTUNE_TP_BTF(hook, tp, t1 a1, t2 a2)                                 \
	{                                                                      \
		return hook(a1, a2);                                           \
	}                                                                      \
	BPFTUNE_KPROBE(hook, func, t1 a1, t2 a2)                               \
	{                                                                      \
		return hook(a1, a2);                                           \
	}

/*
 * Fast reads for hot hooks.  fentry and tp_btf programs may dereference
 * kernel pointers directly (a CO-RE-relocated load, ~1 ns); kprobe
 * programs must copy with bpf_probe_read_kernel (~30 ns each).  A body
 * written with these macros takes "direct" as its first argument, a
 * literal constant in each variant, so the compiler keeps only the right
 * form in each program.
 */
#define bpftune_read(direct, src, field)                                       \
	((direct) ? (src)->field : BPF_CORE_READ(src, field))
#define bpftune_read_bitfield(direct, src, field)                              \
	((direct) ? BPF_CORE_READ_BITFIELD(src, field) :                       \
		    BPF_CORE_READ_BITFIELD_PROBED(src, field))

/* Like BPFTUNE_HOOK1/2, for bodies taking (int direct, ...). */
#define BPFTUNE_HOOK1_DIRECT(hook, func, tp, t1, a1)                           \
	BPFTUNE_FENTRY(hook, func, t1 a1)                                      \
	{                                                                      \
		return hook(1, a1);                                            \
	}                                                                      \
	BPFTUNE_TP_BTF(hook, tp, t1 a1)                                        \
	{                                                                      \
		return hook(1, a1);                                            \
	}                                                                      \
	BPFTUNE_KPROBE(hook, func, t1 a1)                                      \
	{                                                                      \
		return hook(0, a1);                                            \
	}

#define BPFTUNE_HOOK2_DIRECT(hook, func, tp, t1, a1, t2, a2)                   \
	BPFTUNE_FENTRY(hook, func, t1 a1, t2 a2)                               \
	{                                                                      \
		return hook(1, a1, a2);                                        \
	}                                                                      \
	BPFTUNE_TP_BTF(hook, tp, t1 a1, t2 a2)                                 \
	{                                                                      \
		return hook(1, a1, a2);                                        \
	}                                                                      \
	BPFTUNE_KPROBE(hook, func, t1 a1, t2 a2)                               \
	{                                                                      \
		return hook(0, a1, a2);                                        \
	}

/*
 * A sockops connection's callback flags become (flags | set) & ~clear;
 * the helper is called only when that changes them.  Two tuners' programs
 * ask for the same flags at the same callback (the state callback when a
 * connection is established, none once it leaves ESTABLISHED), and the
 * second finds the work done.
 */
static __always_inline void bpftune_sock_ops_cb(struct bpf_sock_ops *ops,
						__u32 set, __u32 clear)
{
	__u32 old = ops->bpf_sock_ops_cb_flags;
	__u32 flags = (old | set) & ~clear;

	if (flags != old)
		bpf_sock_ops_cb_flags_set(ops, flags);
}

#endif /* BPFTUNE_BPFTUNE_BPF_H */
