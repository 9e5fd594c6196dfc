#!/bin/bash
# tcp_buffer: a sender behind a slow router with a deep queue (tbf 50 Mbit,
# 4 MB limit, in its own namespace so the sender's TCP small queues do not
# bound it): a bigger send buffer only fills the queue, and srtt rises with
# the buffer.  The daemon sees the correlation (>= 0.7 over >= 10 samples),
# logs "buffer growth is adding latency", stops growing tcp_wmem in that
# namespace and, as the correlation persists, shrinks it back.
. "$(dirname "$0")/../../../tests/lib.sh"
require iperf3 tc

# B (sender) -- R (router, tbf) -- A (receiver)
NS_A=$(netns_create a)
NS_B=$(netns_create b)
NS_R=$(netns_create r)
net=10.$((RANDOM % 200 + 20)).$((RANDOM % 125 * 2))
link() { # link NS1 IF1 IP1 NS2 IF2 IP2
	local v1=l$$${RANDOM} v2=m$$${RANDOM}
	ip link add "${v1:0:15}" type veth peer name "${v2:0:15}" || fail "cannot create veth"
	ip link set "${v1:0:15}" netns "$1" name "$2"
	ip link set "${v2:0:15}" netns "$4" name "$5"
	ip -n "$1" addr add "$3/24" dev "$2"
	ip -n "$4" addr add "$6/24" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}
link "$NS_B" eth0 "$net.2" "$NS_R" rb "$net.1"
link "$NS_A" eth0 "$net.130" "$NS_R" ra "$net.129"
ip -n "$NS_A" addr flush dev eth0
ip -n "$NS_A" addr add "$net.130/25" dev eth0
ip -n "$NS_R" addr flush dev ra
ip -n "$NS_R" addr add "$net.129/25" dev ra
ip -n "$NS_B" addr flush dev eth0
ip -n "$NS_B" addr add "$net.2/25" dev eth0
ip -n "$NS_R" addr flush dev rb
ip -n "$NS_R" addr add "$net.1/25" dev rb
ip -n "$NS_B" route add default via "$net.1"
ip -n "$NS_A" route add default via "$net.129"
nsysctl_set "$NS_R" net.ipv4.ip_forward 1
ip netns exec "$NS_R" tc qdisc add dev ra root tbf rate 50mbit burst 32kb limit 4mb ||
	skip "tbf not available"
IP_A=$net.130
iperf_server "$NS_A"
nsysctl_set "$NS_B" net.ipv4.tcp_wmem "4096 16384 262144"

daemon_start -R -a tcp_buffer_tuner.so
rate=$(iperf_run "$NS_B" "$IP_A" -t 4 -C reno)
log "B sent at ${rate} Gbit/s through tbf 50 Mbit"
wait_log "buffer growth is adding latency in netns [0-9]+" 3 ||
	fail "no latency correlation detected"
line=$(grep -m1 "buffer growth is adding latency in netns" "$T_LOG")
log "$line"
b_id=$(echo "$line" | sed -E 's/.* in netns ([0-9]+):.*/\1/')
# B's send buffer max grew first (it starts at 256 KiB) ...
assert_log "send buffer nearly full: net.ipv4.tcp_wmem 4096 16384 262144 -> 4096 16384 [0-9]+ in netns $b_id"
# ... and does not grow after the stop
sed -n '/buffer growth is adding latency in netns '"$b_id"'/,$p' "$T_LOG" |
	grep -E "send buffer nearly full: .* in netns $b_id," &&
	fail "tcp_wmem in B grew after growth was stopped for latency"
# while it persists, tcp_wmem max shrinks back toward its value before
# the last growth
wait_log "buffer growth is adding latency: net.ipv4.tcp_wmem 4096 16384 [0-9]+ -> 4096 16384 [0-9]+ in netns $b_id, because srtt still follows" 1 ||
	fail "tcp_wmem in B not shrunk back while latency kept following the buffer"
wmem=$(nsysctl_field "$NS_B" net.ipv4.tcp_wmem 3)
log "tcp_wmem max in B: 262144 -> $wmem"
daemon_stop || fail "daemon exited with an error"
assert_log "summary: tcp_buffer: .* [1-9][0-9]* latency stops"
pass "buffer growth stopped when it added latency"
