/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Definitions shared by the BPF (kernel) side and the user side of every
 * tuner: the event record and the learning-rate arithmetic.  Everything
 * here must compile both with clang -target bpf and with the host compiler,
 * so only fixed-width types and integer math.
 */
#ifndef BPFTUNE_BPFTUNE_H
#define BPFTUNE_BPFTUNE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define BPFTUNE_RATE_MIN 0
#define BPFTUNE_RATE_MAX 4
#define BPFTUNE_RATE_DEFAULT 4

#define BPFTUNE_EVENT_VALUES 6

/*
 * One record on a tuner's ring buffer.  The meaning of scenario and values
 * belongs to the tuner that owns the ring buffer; the core only reads the
 * netns cookie (to find the namespace) and the pid (for log lines).
 */
struct bpftune_event {
	__u64 netns_cookie;
	__u32 scenario;
	__u32 pid;
	__u64 values[BPFTUNE_EVENT_VALUES];
};

/* Learning rate 0..4 -> percent: "within p % of a limit, raise it by p %". */
static inline __u64 bpftune_rate_pct(__u32 rate)
{
	switch (rate) {
	case 0:
		return 1;
	case 1:
		return 3;
	case 2:
		return 6;
	case 3:
		return 12;
	default:
		return 25;
	}
}

/* p % of limit, computed without overflowing for any __u64 limit. */
static inline __u64 bpftune_rate_margin(__u64 limit, __u32 rate)
{
	__u64 pct = bpftune_rate_pct(rate);

	return (limit / 100) * pct + ((limit % 100) * pct) / 100;
}

/* Is value within p % of limit (or beyond it)? */
static inline int bpftune_nearly_full(__u64 value, __u64 limit, __u32 rate)
{
	if (limit == 0)
		return 0;
	return value >= limit - bpftune_rate_margin(limit, rate);
}

/* Is value below p % of limit?  Used to decide a raised limit is unused. */
static inline int bpftune_nearly_empty(__u64 value, __u64 limit, __u32 rate)
{
	return value < bpftune_rate_margin(limit, rate);
}

/* limit raised by p % (at least by 1), never above cap. */
static inline __u64 bpftune_grow(__u64 limit, __u64 cap, __u32 rate)
{
	__u64 step = bpftune_rate_margin(limit, rate);

	if (step == 0)
		step = 1;
	if (limit >= cap || cap - limit <= step)
		return cap > limit ? cap : limit;
	return limit + step;
}

/* limit lowered by p % (at least by 1), never below floor. */
static inline __u64 bpftune_shrink(__u64 limit, __u64 floor, __u32 rate)
{
	__u64 step = bpftune_rate_margin(limit, rate);

	if (step == 0)
		step = 1;
	if (limit <= floor || limit - floor <= step)
		return floor < limit ? floor : limit;
	return limit - step;
}

#endif /* BPFTUNE_BPFTUNE_H */
