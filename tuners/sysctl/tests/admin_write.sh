#!/bin/bash
# sysctl: an administrator's write to tcp_rmem in namespace R1 stops the
# tcp_buffer tuner there and only there.  Writing the value it already has
# counts.  The same traffic in R2 still gets R2's tcp_rmem raised, and the
# daemon's own writes there never turn the tuner off.  SIGHUP re-enables.
. "$(dirname "$0")/../../../tests/lib.sh"
require iperf3 python3

SMALL="4096 131072 262144"

netns_pair s1 r1
S1=$PAIR_S R1=$PAIR_R IP1=$PAIR_IP_S
netns_pair s2 r2
S2=$PAIR_S R2=$PAIR_R IP2=$PAIR_IP_S
for ns in "$R1" "$R2"; do
	nsysctl_set "$ns" net.ipv4.tcp_rmem "$SMALL"
done
C1=$(netns_cookie "$R1")
C2=$(netns_cookie "$R2")

daemon_start -a sysctl_tuner.so -a tcp_buffer_tuner.so
assert_log "sysctl: watching sysctl writes in every namespace \(fanotify, (filesystem|mount) mark on /proc\)"
iperf_server "$S1"
iperf_server "$S2"

# the administrator writes the value R1 already has
ip netns exec "$R1" sysctl -q -w net.ipv4.tcp_rmem="$SMALL" ||
	fail "cannot write tcp_rmem in $R1"
wait_log "tcp_buffer: stops tuning in netns $C1: pid [0-9]+ \(sysctl\) set net.ipv4.tcp_rmem there \\(SIGHUP re-enables\\)" 5 ||
	fail "the write in R1 (netns $C1) did not stop tcp_buffer there"

# the same bulk transfer into both receivers at once
ip netns exec "$R1" iperf3 -c "$IP1" -t 2 -R >/dev/null 2>&1 &
p1=$!
ip netns exec "$R2" iperf3 -c "$IP2" -t 2 -R >/dev/null 2>&1 ||
	fail "iperf3 into R2 failed"
wait "$p1" || fail "iperf3 into R1 failed"
r1=$(nsysctl "$R1" net.ipv4.tcp_rmem)
r2=$(nsysctl_field "$R2" net.ipv4.tcp_rmem 3)
log "after traffic: R1 tcp_rmem '$r1' (administrator's), R2 max 262144 -> $r2"
assert_eq "$r1" "$SMALL" "R1 tcp_rmem (set by the administrator)"
assert_gt "$r2" 262144 "R2 tcp_rmem max"
assert_log "tcp_buffer: receive buffer nearly full: net.ipv4.tcp_rmem $SMALL -> 4096 131072 [0-9]+ in netns $C2"
# the daemon's writes in R2 were seen, and ignored
sleep 0.2
assert_no_log "stops tuning in netns $C2"
assert_no_log "pid $T_DAEMON \("

# SIGHUP: tuned in R1 again
kill -HUP "$T_DAEMON"
wait_log "all tuners re-enabled in every namespace" 5 || fail "SIGHUP not handled"
ip netns exec "$R1" iperf3 -c "$IP1" -t 1 -R >/dev/null 2>&1 || fail "iperf3 into R1 failed"
r1max=$(nsysctl_field "$R1" net.ipv4.tcp_rmem 3)
log "after SIGHUP and traffic: R1 max 262144 -> $r1max"
assert_gt "$r1max" 262144 "R1 tcp_rmem max after SIGHUP"

daemon_stop || fail "daemon exited with an error"
assert_log "summary: sysctl: 1 writes by others to tuned sysctls \(1 stopped a tuner, 0 in namespaces not found\); [0-9]+ events lost \(at least\); 0 not examined \(rate limit\); [1-9][0-9]* own writes ignored"
pass "administrator's write stops tcp_buffer in R1 only; SIGHUP re-enables"
