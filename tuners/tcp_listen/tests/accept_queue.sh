#!/bin/bash
# tcp_listen: a listener asks for a backlog of 1024 where somaxconn is 16,
# and does not accept.  16 handshakes are held open, 20 more complete and
# fill its accept queue, then the 16 complete into the full queue and are
# dropped (kfree_skb TCP_LISTEN_OVERFLOW).  The daemon must double
# somaxconn in that namespace only, and a listen() after that gets 32.
. "$(dirname "$0")/../../../tests/lib.sh"
log "start (test lock held)"
require python3 ss
FLOOD=$BUILD/tools/syn_flood
[ -x "$FLOOD" ] || fail "$FLOOD is not built (make tools)"
PORT=8081

two_namespaces
syn_flood_route
nsysctl_set "$NS_A" net.core.somaxconn 16
# no SYN-ACK retransmissions: only the dropped last ACKs can tell
nsysctl_set "$NS_A" net.ipv4.tcp_synack_retries 0
b_max=$(nsysctl "$NS_B" net.core.somaxconn)
root_max=$(sysctl -n net.core.somaxconn)
listener_start "$NS_A" $PORT 1024
assert_eq "$(listener_backlog "$NS_A" $PORT)" 16 "backlog given under somaxconn 16"
cookie=$(netns_cookie "$NS_A")

daemon_start -a tcp_listen_tuner.so
over0=$(tcp_ext "$NS_A" ListenOverflows)
ip netns exec "$NS_B" "$FLOOD" -d "$IP_A" -p $PORT -a 0 -i eth0 -n 16 -f 20 ||
	fail "syn_flood failed"
over1=$(tcp_ext "$NS_A" ListenOverflows)
log "accept queue overflows in A: $((over1 - over0))"
assert_gt "$over1" "$over0" "ListenOverflows in A"
wait_log "tcp_listen: accept queue full: net.core.somaxconn 16 -> 32 in netns $cookie, because a listener's accept queue is full \([0-9]+ connections wait for accept\(\)\) and its backlog 16 is somaxconn's value" 5 ||
	fail "no somaxconn raise logged"
assert_eq "$(nsysctl "$NS_A" net.core.somaxconn)" 32 "A's somaxconn"
# the running listener keeps its backlog; a new listen() gets more
listener_start "$NS_A" $((PORT + 1)) 1024
assert_eq "$(listener_backlog "$NS_A" $((PORT + 1)))" 32 "backlog of a new listener"
# raised once: the full listener's backlog (16) is below somaxconn now
ip netns exec "$NS_B" "$FLOOD" -d "$IP_A" -p $PORT -a 0 -i eth0 -n 8 -f 8 >/dev/null ||
	fail "syn_flood failed"
sleep 0.5
assert_eq "$(nsysctl "$NS_A" net.core.somaxconn)" 32 "A's somaxconn after more overflows"
assert_eq "$(nsysctl "$NS_B" net.core.somaxconn)" "$b_max" "B's somaxconn"
assert_eq "$(sysctl -n net.core.somaxconn)" "$root_max" "root somaxconn"
grep -E "tcp_listen" "$T_LOG"
log "own time: $(elapsed) s"
pass "accept queue full: somaxconn 16 -> 32 in A only; new listeners get 32"
