#!/bin/bash
# route_table: with net.ipv6.route.max_size lowered to 256 in one
# namespace, 400 cached IPv6 routes there (exceptions made by Packet Too
# Big messages) make the daemon raise max_size in that namespace only.
# Kernels >= 6.3, and stable kernels with that change (Debian 6.1.0-56),
# do not enforce max_size; there the tuner has nothing to
# do and this test is skipped.
. "$(dirname "$0")/../../../tests/lib.sh"
require python3 bpftool

ip6_dst_gc_void && skip "kernel $(uname -r) does not enforce net.ipv6.route.max_size (ip6_dst_gc returns void, as since 6.3 and in stable kernels with that change): route_table's hook is off (see bpftune -S)"
[ -e /proc/sys/net/ipv6/route/max_size ] || skip "IPv6 is disabled"

NS_A=$(netns_create a)
NS_B=$(netns_create b)
on_exit "ip netns del $NS_A; ip netns del $NS_B" # created in subshells: T_NETNS lacks them
ip link add "ra$$" type veth peer name "rb$$" || fail "cannot create veth"
ip link set "ra$$" netns "$NS_A"
ip link set "rb$$" netns "$NS_B"
ip -n "$NS_A" addr add 2001:db8::1/64 dev "ra$$" nodad
ip -n "$NS_B" addr add 2001:db8::2/64 dev "rb$$" nodad
ip -n "$NS_A" link set "ra$$" up
ip -n "$NS_B" link set "rb$$" up
ip -n "$NS_A" -6 route add 2001:db8:100::/40 via 2001:db8::2
nsysctl_set "$NS_A" net.ipv6.route.max_size 256
# ip6_dst_gc (the fentry/kprobe hook) runs only above gc_thresh
nsysctl_set "$NS_A" net.ipv6.route.gc_thresh 32
root_max=$(sysctl -n net.ipv6.route.max_size)

daemon_start -a route_table_tuner.so
ptb_flood "$NS_B" 2001:db8::2 2001:db8::1 2001:db8:100 400
# lookups that let the sampled tracepoint tier look at the cache
ptb_flood "$NS_B" 2001:db8::2 2001:db8::1 2001:db8:100 400
wait_log "route_table: IPv6 route cache nearly full" 5 ||
	fail "no route_table change after 400 cached routes"
max=$(nsysctl "$NS_A" net.ipv6.route.max_size)
log "netns A: $(rt6_stat "$NS_A" 6) dst entries; max_size 256 -> $max"
assert_gt "$max" 256 "net.ipv6.route.max_size in A"
assert_log "route_table: IPv6 route cache nearly full: net.ipv6.route.max_size 256 -> 320 in netns [0-9]+, because [0-9]+ cached IPv6 routes"
assert_eq "$(sysctl -n net.ipv6.route.max_size)" "$root_max" "root max_size"
daemon_stop || fail "daemon exited with an error"
pass "max_size raised in the namespace whose route cache filled"
