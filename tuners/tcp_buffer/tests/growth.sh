#!/bin/bash
# tcp_buffer: with tcp_rmem/tcp_wmem max 256 KiB in one namespace, bulk
# transfers make the daemon raise both there, and only there.
. "$(dirname "$0")/../../../tests/lib.sh"
require iperf3

two_namespaces
nsysctl_set "$NS_B" net.ipv4.tcp_rmem "4096 131072 262144"
nsysctl_set "$NS_B" net.ipv4.tcp_wmem "4096 16384 262144"
root_rmem=$(sysctl -n net.ipv4.tcp_rmem | tr '\t' ' ')
root_wmem=$(sysctl -n net.ipv4.tcp_wmem | tr '\t' ' ')

daemon_start -a tcp_buffer_tuner.so
iperf_server "$NS_A"
# B receives (reverse mode), then B sends
rx=$(iperf_run "$NS_B" "$IP_A" -t 3 -R)
tx=$(iperf_run "$NS_B" "$IP_A" -t 3)
log "B received at ${rx} Gbit/s, sent at ${tx} Gbit/s"

rmem_max=$(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)
wmem_max=$(nsysctl_field "$NS_B" net.ipv4.tcp_wmem 3)
log "netns B: tcp_rmem max 262144 -> $rmem_max, tcp_wmem max 262144 -> $wmem_max"
assert_gt "$rmem_max" 262144 "tcp_rmem max in B"
assert_gt "$wmem_max" 262144 "tcp_wmem max in B"
# sized from the flow's bandwidth-delay product: at least one 25 % step
# (327680), at most eight (1562500 = 262144 * 1.25^8, rounded per step)
assert_log "tcp_buffer: receive buffer nearly full: net.ipv4.tcp_rmem 4096 131072 262144 -> 4096 131072 [0-9]+ in netns [0-9]+, because a socket's receive buffer \\([0-9]+ bytes\\) is within 25% of net.ipv4.tcp_rmem max \\(262144\\); its flow moves [0-9]+ bytes per RTT"
first=$(grep -m1 -oE "tcp_rmem 4096 131072 262144 -> 4096 131072 [0-9]+" "$T_LOG" | awk '{print $NF}')
[ "$first" -ge 327680 ] && [ "$first" -le 1562500 ] ||
	fail "first tcp_rmem raise to $first, outside one..eight 25 % steps"
assert_log "tcp_buffer: send buffer nearly full: net.ipv4.tcp_wmem 4096 16384 262144 -> "
# the root namespace carried no traffic: its values are untouched
assert_eq "$(sysctl -n net.ipv4.tcp_rmem | tr '\t' ' ')" "$root_rmem" "root tcp_rmem"
assert_eq "$(sysctl -n net.ipv4.tcp_wmem | tr '\t' ' ')" "$root_wmem" "root tcp_wmem"

# safety cap: min(INT_MAX, RAM/32), never exceeded
ram=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024))
cap=$((ram / 32)); [ "$cap" -gt 2147483647 ] && cap=2147483647
[ "$rmem_max" -le "$cap" ] || fail "tcp_rmem max $rmem_max above cap $cap"

daemon_stop || fail "daemon exited with an error"
assert_log "summary: tcp_buffer: [0-9]+ changes? to net.ipv4.tcp_rmem in netns [0-9]+: 4096 131072 262144 -> "
assert_log "to reproduce inside that netns: sysctl -w net.ipv4.tcp_rmem="
pass "tcp_rmem/tcp_wmem grown in B only"
