#!/bin/bash
# tcp_conn on a 20 ms RTT path with 2 % loss (delay relay + loss tool)
# whose namespace default is cubic: loss-based algorithms collapse here
# while bbr holds its rate, so after warm-up the daemon must have learned
# bbr and use it for new connections.
. "$(dirname "$0")/../../../tests/lib.sh"
. "$(dirname "$0")/helpers.bash"

# a child namespace may only default to an allowed algorithm
save_sysctl net.ipv4.tcp_allowed_congestion_control
sysctl -q -w net.ipv4.tcp_allowed_congestion_control="$(sysctl -n net.ipv4.tcp_available_congestion_control)" ||
	fail "cannot allow every congestion control"
delay_path 10
rtt=$(ping_rtt_ms "$NS_B" "$IP_A" 5 min)
log "ping RTT through the relay: min $rtt ms"
awk -v r="$rtt" 'BEGIN { exit !(r >= 19.5 && r <= 23) }' ||
	fail "RTT '$rtt' ms is not about 2 x 10 ms"
nsysctl_set "$NS_B" net.ipv4.tcp_congestion_control cubic
loss_start "$NS_A" "$NETEM_DEV" 2
bulk_server "$NS_A"

daemon_start -a tcp_conn_tuner.so -d
warm=$(bulk_run_cgroup "$NS_B" "$IP_A" -t 400 -n 12)
log "warm-up: $(grep '^bulk: conn' <<<"$warm" | awk '{printf "%s %s, ", $NF, $(NF-3)}')"
wait_log "tcp_conn: host $IP_A in .*: congestion control " 5 ||
	fail "no choice logged for $IP_A after 12 transfers"
choice=$(learned_choice "$IP_A")
log "learned: $choice"
[ "$choice" = bbr ] || fail "learned '$choice' on a long lossy path; expected bbr"

check_new_connections "$NS_B" "$IP_A" bbr
# with -d the model is in the debug log as it learns
wait_log "debug: model: tcp_conn: host $IP_A in .*: chose bbr" 7 ||
	fail "no debug line with the model"

daemon_stop || fail "daemon exited with an error"
assert_log "summary: tcp_conn: host $IP_A in netns [0-9]+: chose bbr "
# the loss-based algorithms cost a lot here, so they were either measured
# once (far worse: warm-up over) or, when a connection retransmitted 5 %
# or more, not warmed up further (heavy retransmission: bbr at once)
n=$(costs_recorded "$IP_A")
if grep -Eq "tcp_conn: host $IP_A in .* retransmitted \(heavy: " "$T_LOG"; then
	log "heavy retransmission on this path: bbr at once, cubic and reno not warmed up further"
else
	[ "$n" -ge 2 ] || fail "costs recorded for $n algorithm(s); warm-up should give more"
	assert_log "summary: tcp_conn: host $IP_A .*cubic [0-9.]+ \([0-9]+ conns"
fi
report=$(loss_stop)
log "$report"
pct=$(sed -nE 's/.*dropped \(([0-9.]+)%\).*/\1/p' <<<"$report")
awk -v p="$pct" 'BEGIN { exit !(p >= 1 && p <= 4) }' ||
	fail "loss tool dropped '$pct' %, expected about 2 %"
pass "learned bbr on a 20 ms, 2 % loss path"
