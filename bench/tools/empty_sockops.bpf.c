// SPDX-License-Identifier: GPL-2.0
/*
 * A sockops program that does nothing: it returns 1 (go on) for every
 * operation.  bench/overhead.sh attaches it, with no daemon, to the
 * cgroup of the bench's clients as its "sockops" arm: what the kernel
 * charges each connection of a cgroup for having any sockops program at
 * all, the floor under tcp_conn's and tcp_buffer's programs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("sockops")
int empty_sockops(struct bpf_sock_ops *ops)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
