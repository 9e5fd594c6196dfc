#!/bin/bash
# tcp_listen: a SYN flood (raw SYNs from addresses that never answer) on a
# listener in a namespace where SYN cookies are off and
# tcp_max_syn_backlog is 64 (so 48 half-open requests).  The daemon must
# raise tcp_max_syn_backlog there until the listener's backlog (256) is
# the limit, then turn SYN cookies on when the queue fills at 256, and
# put both back once the flood is over.  Other namespaces keep theirs.
. "$(dirname "$0")/../../../tests/lib.sh"
log "start (test lock held)"
require python3 ss
FLOOD=$BUILD/tools/syn_flood
[ -x "$FLOOD" ] || fail "$FLOOD is not built (make tools)"
PORT=8080

two_namespaces
syn_flood_route
nsysctl_set "$NS_A" net.ipv4.tcp_syncookies 0
nsysctl_set "$NS_A" net.ipv4.tcp_max_syn_backlog 64
# requests live 3 s (SYN-ACK at 0, 1 s, given up at 3 s): a short test
nsysctl_set "$NS_A" net.ipv4.tcp_synack_retries 1
b_backlog=$(nsysctl "$NS_B" net.ipv4.tcp_max_syn_backlog)
b_cookies=$(nsysctl "$NS_B" net.ipv4.tcp_syncookies)
root_backlog=$(sysctl -n net.ipv4.tcp_max_syn_backlog)
root_cookies=$(sysctl -n net.ipv4.tcp_syncookies)
listener_start "$NS_A" $PORT 256
cookie=$(netns_cookie "$NS_A")

daemon_start -a tcp_listen_tuner.so
drops0=$(tcp_ext "$NS_A" ListenDrops)
ip netns exec "$NS_B" "$FLOOD" -d "$IP_A" -p $PORT -r 300 -t 3 \
	>"$T_TMP/flood.log" 2>&1 &
flood=$!
T_PIDS+=("$flood")
wait_log "tcp_listen: SYN queue full: net.ipv4.tcp_max_syn_backlog 64 -> 343 in netns $cookie, because a listener holds [0-9]+ half-open requests" 5 ||
	fail "no tcp_max_syn_backlog raise logged"
drops1=$(tcp_ext "$NS_A" ListenDrops)
log "SYNs dropped in A before the raise: $((drops1 - drops0))"
assert_gt "$drops1" "$drops0" "ListenDrops in A while 48 requests were the limit"
wait_log "tcp_listen: SYN queue full: net.ipv4.tcp_syncookies 0 -> 1 in netns $cookie, because a listener's SYN queue is full at its backlog" 5 ||
	fail "SYN cookies were not turned on"
assert_eq "$(nsysctl "$NS_A" net.ipv4.tcp_syncookies)" 1 "A's tcp_syncookies in the flood"
assert_eq "$(nsysctl "$NS_A" net.ipv4.tcp_max_syn_backlog)" 343 "A's tcp_max_syn_backlog in the flood"
wait "$flood" || fail "syn_flood failed: $(cat "$T_TMP/flood.log")"
cat "$T_TMP/flood.log"
sent=$(tcp_ext "$NS_A" SyncookiesSent)
log "SYN cookies sent in A: $sent"
assert_gt "$sent" 0 "SyncookiesSent in A once cookies were on"

# the flood is over: both back, in A only
wait_log "tcp_listen: SYN flood over: net.ipv4.tcp_syncookies 1 -> 0 in netns $cookie" 15 ||
	fail "SYN cookies were not turned off after the flood"
wait_log "tcp_listen: SYN flood over: net.ipv4.tcp_max_syn_backlog 343 -> 64 in netns $cookie" 2 ||
	fail "tcp_max_syn_backlog was not put back after the flood"
assert_eq "$(nsysctl "$NS_A" net.ipv4.tcp_syncookies)" 0 "A's tcp_syncookies after the flood"
assert_eq "$(nsysctl "$NS_A" net.ipv4.tcp_max_syn_backlog)" 64 "A's tcp_max_syn_backlog after the flood"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_max_syn_backlog)" "$b_backlog" "B's tcp_max_syn_backlog"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_syncookies)" "$b_cookies" "B's tcp_syncookies"
assert_eq "$(sysctl -n net.ipv4.tcp_max_syn_backlog)" "$root_backlog" "root tcp_max_syn_backlog"
assert_eq "$(sysctl -n net.ipv4.tcp_syncookies)" "$root_cookies" "root tcp_syncookies"
grep -E "tcp_listen" "$T_LOG"
log "own time: $(elapsed) s"
pass "SYN flood: tcp_max_syn_backlog 64 -> 343, syncookies 0 -> 1, both back after it, in A only"
