#!/bin/bash
# ip_frag: with ipfrag_high_thresh lowered to 8 KiB in one namespace,
# 8 KiB pings (6 fragments each) cannot be reassembled there; the daemon
# must raise the threshold in that namespace only, until pings get through.
# The same for IPv6 with ip6frag_high_thresh, when IPv6 is available.
. "$(dirname "$0")/../../../tests/lib.sh"
log "start (test lock held)"
require ping

two_namespaces
nsysctl_set "$NS_B" net.ipv4.ipfrag_low_thresh 4096
nsysctl_set "$NS_B" net.ipv4.ipfrag_high_thresh 8192
have_v6=0
if [ -e /proc/sys/net/ipv6/ip6frag_high_thresh ]; then
	have_v6=1
	ip -n "$NS_A" addr add fd42:b7::1/64 dev eth0 nodad
	ip -n "$NS_B" addr add fd42:b7::2/64 dev eth0 nodad
	nsysctl_set "$NS_B" net.ipv6.ip6frag_low_thresh 4096
	nsysctl_set "$NS_B" net.ipv6.ip6frag_high_thresh 8192
	a_thresh6=$(nsysctl "$NS_A" net.ipv6.ip6frag_high_thresh)
fi
root_thresh=$(sysctl -n net.ipv4.ipfrag_high_thresh)
a_thresh=$(nsysctl "$NS_A" net.ipv4.ipfrag_high_thresh)

daemon_start -a ip_frag_tuner.so
fails0=$(ip netns exec "$NS_B" awk '/^Ip:/ { if (n++) print $17 }' /proc/net/snmp)
ip netns exec "$NS_A" ping -q -s 8192 -c 30 -i 0.05 -W 1 "$IP_B" >/dev/null
fails1=$(ip netns exec "$NS_B" awk '/^Ip:/ { if (n++) print $17 }' /proc/net/snmp)
log "ReasmFails in B: $fails0 -> $fails1"
assert_gt "$fails1" "$fails0" "ReasmFails in B while its threshold was 8 KiB"
wait_log "IPv4 reassembly memory nearly full: net.ipv4.ipfrag_high_thresh 8192 -> [0-9]+ in netns [0-9]+" 5 ||
	fail "no ipfrag_high_thresh change logged"
# with the raised threshold, 8 KiB pings are reassembled again
received=$(ip netns exec "$NS_A" ping -q -s 8192 -c 5 -i 0.1 -W 1 "$IP_B" |
	sed -nE 's/.* ([0-9]+) received.*/\1/p')
log "after tuning: $received of 5 pings of 8 KiB answered"
assert_gt "${received:-0}" 3 "8 KiB pings answered after tuning"

if [ $have_v6 = 1 ]; then
	ip netns exec "$NS_A" ping -6 -q -s 8192 -c 30 -i 0.05 -W 1 fd42:b7::2 >/dev/null
	wait_log "IPv6 reassembly memory nearly full: net.ipv6.ip6frag_high_thresh 8192 -> [0-9]+ in netns [0-9]+" 5 ||
		fail "no ip6frag_high_thresh change logged"
	received=$(ip netns exec "$NS_A" ping -6 -q -s 8192 -c 5 -i 0.1 -W 1 fd42:b7::2 |
		sed -nE 's/.* ([0-9]+) received.*/\1/p')
	log "IPv6 after tuning: $received of 5 pings of 8 KiB answered"
	assert_gt "${received:-0}" 3 "8 KiB IPv6 pings answered after tuning"
fi

daemon_stop || fail "daemon exited with an error"
grep -E "ip_frag" "$T_LOG"
b_thresh=$(nsysctl "$NS_B" net.ipv4.ipfrag_high_thresh)
log "ipfrag_high_thresh in B 8192 -> $b_thresh"
assert_gt "$b_thresh" 8192 "ipfrag_high_thresh in B"
# only B: the other namespaces keep their values
assert_eq "$(sysctl -n net.ipv4.ipfrag_high_thresh)" "$root_thresh" "root ipfrag_high_thresh"
assert_eq "$(nsysctl "$NS_A" net.ipv4.ipfrag_high_thresh)" "$a_thresh" "A's ipfrag_high_thresh"
# cap: min(1 GiB, RAM/256)
ram=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024))
cap=$((ram / 256)); [ "$cap" -gt $((1 << 30)) ] && cap=$((1 << 30))
[ "$b_thresh" -le "$cap" ] || fail "ipfrag_high_thresh $b_thresh above cap $cap"
assert_log "summary: ip_frag: [0-9]+ changes? to net.ipv4.ipfrag_high_thresh in netns [0-9]+: 8192 -> $b_thresh"
v6=""
if [ $have_v6 = 1 ]; then
	b6=$(nsysctl "$NS_B" net.ipv6.ip6frag_high_thresh)
	assert_gt "$b6" 8192 "ip6frag_high_thresh in B"
	[ "$b6" -le "$cap" ] || fail "ip6frag_high_thresh $b6 above cap $cap"
	assert_eq "$(nsysctl "$NS_A" net.ipv6.ip6frag_high_thresh)" "$a_thresh6" "A's ip6frag_high_thresh"
	v6=", ip6frag_high_thresh 8192 -> $b6"
fi
pass "ipfrag_high_thresh 8192 -> $b_thresh$v6 in B only"
