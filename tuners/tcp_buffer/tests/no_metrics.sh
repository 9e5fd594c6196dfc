#!/bin/bash
# tcp_buffer, rule "route metrics under memory pressure": with the global
# tcp_mem lowered below what a bulk transfer holds (saved and restored),
# TCP goes under memory pressure; the daemon sets tcp_no_metrics_save to 1
# in the sending namespace B (a connection closing there then leaves no
# tcp_metrics entry), leaves alone namespace A, where an administrator set
# it (the sysctl tuner makes tcp_buffer step aside there), and an idle
# namespace C; once the pressure has been over for 3 s it puts B's 0 back
# and route metrics are saved again.
. "$(dirname "$0")/../../../tests/lib.sh"
require iperf3 python3

two_namespaces
NS_C=$(netns_create c)
T_NETNS+=("$NS_C")
iperf_server "$NS_A"
iperf_server "$NS_B"
iperf_server "$NS_A" 5202 # for short transfers while the bulk ones run
A_ID=$(netns_cookie "$NS_A")
B_ID=$(netns_cookie "$NS_B")
C_ID=$(netns_cookie "$NS_C")
for ns in "$NS_A" "$NS_B" "$NS_C"; do
	assert_eq "$(nsysctl "$ns" net.ipv4.tcp_no_metrics_save)" 0 "tcp_no_metrics_save in $ns at start"
done
save_sysctl net.ipv4.tcp_mem

daemon_start -a sysctl_tuner.so -a tcp_buffer_tuner.so
# the administrator's choice in A: the value it has, written by hand
nsysctl_set "$NS_A" net.ipv4.tcp_no_metrics_save 0
wait_log "tcp_buffer: stops tuning in netns $A_ID: pid [0-9]+ \(sysctl\) set net.ipv4.tcp_no_metrics_save there" 5 ||
	fail "the administrator's write in A (netns $A_ID) did not stop tcp_buffer there"

# a bounded client: a transfer never hangs the test
xfer() { timeout 20 ip netns exec "$1" iperf3 -c "$2" "${@:3}" >/dev/null 2>&1; }
# 1 when NS has a route metrics entry for IP
has_metrics() { ip -n "$1" tcp_metrics show 2>/dev/null | grep -c "^$2 "; }

# --- pressure: tcp_mem's pressure threshold just above what TCP holds ---
# (an administrator's write, as the sysctl tuner sees it: tcp_buffer stops
# raising tcp_mem, so the pressure lasts until the test restores it)
# Both directions at once, so that A's and B's sockets both report it.
# The kernel adds socket memory to the global count per CPU in steps and
# the send hook reads it once per jiffy and CPU: drive the load in bounded
# rounds until the daemon logs the change.
tcp_mem_lower
set_re="tcp_buffer: route metrics under memory pressure: net.ipv4.tcp_no_metrics_save 0 -> 1 in netns $B_ID, because TCP is under memory pressure \([0-9]+ pages held, tcp_mem pressure threshold [0-9]+\)"
for round in 1 2 3 4; do
	xfer "$NS_B" "$IP_A" -t 2 -P 4 &
	t1=$!
	xfer "$NS_A" "$IP_B" -t 2 -P 4 &
	t2=$!
	wait_log "$set_re" 4 && break
	wait "$t1" "$t2"
	log "round $round: no pressure seen ($(grep TCP: /proc/net/sockstat), tcp_mem $(sysctl -n net.ipv4.tcp_mem))"
done
assert_log "$set_re"
log "pressure seen in round $round: $(grep -E "$set_re" "$T_LOG" | head -1)"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_no_metrics_save)" 1 "tcp_no_metrics_save in B under pressure"

# the effect, while it is held: a connection closing in B saves nothing
ip -n "$NS_B" tcp_metrics flush all || fail "cannot flush tcp_metrics in B"
xfer "$NS_B" "$IP_A" -p 5202 -n 1M || fail "short transfer from B failed"
grep -q "no_metrics_save 1 -> 0 in netns $B_ID" "$T_LOG" &&
	fail "the hold in B ended before the check (the pressure ended less than 3 s ago)"
assert_eq "$(has_metrics "$NS_B" "$IP_A")" 0 "tcp_metrics entries for A in B while held"
wait "$t1" "$t2"

# A (the administrator's) and C (idle) untouched
assert_eq "$(nsysctl "$NS_A" net.ipv4.tcp_no_metrics_save)" 0 "tcp_no_metrics_save in A (administrator's)"
assert_eq "$(nsysctl "$NS_C" net.ipv4.tcp_no_metrics_save)" 0 "tcp_no_metrics_save in C (idle)"
assert_no_log "tcp_no_metrics_save [0-9] -> [0-9] in netns ($A_ID|$C_ID)"

# --- the pressure ends: tcp_mem back to this machine's value ---
sysctl -q -w "${T_SAVED[0]}" || fail "cannot restore tcp_mem"
end_s=$SECONDS
release_re="tcp_buffer: tcp memory pressure over: net.ipv4.tcp_no_metrics_save 1 -> 0 in netns $B_ID, because TCP memory pressure has been over for [0-9]+ ms \(no sign of it since\): route metrics are saved again"
wait_log "$release_re" 10 || fail "tcp_no_metrics_save in B not put back after the pressure"
log "put back $((SECONDS - end_s)) s after tcp_mem was restored: $(grep -E "$release_re" "$T_LOG")"
quiet=$(grep -E "$release_re" "$T_LOG" | sed -E 's/.*pressure has been over for ([0-9]+) ms.*/\1/')
[ "$quiet" -ge 3000 ] || fail "put back after $quiet ms of quiet, below the 3000 ms hysteresis"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_no_metrics_save)" 0 "tcp_no_metrics_save in B after the pressure"
xfer "$NS_B" "$IP_A" -p 5202 -n 1M || fail "short transfer from B failed"
for _ in 1 2 3 4 5; do
	[ "$(has_metrics "$NS_B" "$IP_A")" = 1 ] && break
	sleep 0.1
done
assert_eq "$(has_metrics "$NS_B" "$IP_A")" 1 "tcp_metrics entries for A in B after the pressure"

daemon_stop || fail "daemon exited with an error"
assert_log "summary: tcp_buffer: 2 changes to net.ipv4.tcp_no_metrics_save in netns $B_ID: 0 -> 0 \(route metrics under memory pressure x1, tcp memory pressure over x1\)"
pass "tcp_no_metrics_save 0 -> 1 in B under tcp_mem pressure (no metrics saved), 1 -> 0 after ${quiet} ms without pressure; A (administrator's) and C (idle) untouched"
