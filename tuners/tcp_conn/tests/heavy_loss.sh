#!/bin/bash
# tcp_conn on a veth with 10 % loss whose namespace default is cubic:
# the first measured connection retransmits more than 5 % of its
# segments, so the host goes to bbr at once (logged with the share), the
# loss-based algorithms are not warmed up there, and five tuned transfers
# move at least 1.5 times the bytes of five cubic ones, interleaved
# (single transfers vary by 10x and more at this loss: a lost SYN costs
# 1 s of a 1 s transfer; on a quiet machine the ratio is 3-12x, a busy
# one saw 1.82x with one tuned transfer at 9.6 Mbit/s).
. "$(dirname "$0")/../../../tests/lib.sh"
. "$(dirname "$0")/helpers.bash"

save_sysctl net.ipv4.tcp_allowed_congestion_control
sysctl -q -w net.ipv4.tcp_allowed_congestion_control="$(sysctl -n net.ipv4.tcp_available_congestion_control)" ||
	fail "cannot allow every congestion control"
two_namespaces
nsysctl_set "$NS_B" net.ipv4.tcp_congestion_control cubic
loss_start "$NS_A" eth0 10
bulk_server "$NS_A"

daemon_start -a tcp_conn_tuner.so
assert_log "tcp_conn: choosing .*; 5% retransmitted means bbr at once"
first=$(bulk_run_cgroup "$NS_B" "$IP_A" -t 500)
log "first transfer: $(grep '^bulk: conn' <<<"$first")"
wait_log "tcp_conn: host $IP_A in .*: congestion control bbr after 1 measured connections because [0-9.]+ % of segments were retransmitted \(heavy" 5 ||
	fail "no heavy-retransmission choice of bbr after the first connection"
log "$(grep "tcp_conn: host $IP_A in" "$T_LOG" | head -1 | cut -c1-200)"

# tuned transfers against cubic, interleaved; every tuned one on bbr
tsum=0 csum=0 used=
for i in 1 2 3 4 5; do
	out=$(bulk_run "$NS_B" "$IP_A" -t 1000 -C cubic)
	c=$(bulk_mean "$out")
	out=$(bulk_run_cgroup "$NS_B" "$IP_A" -t 1000)
	used="$used $(bulk_ccs "$out")"
	t=$(bulk_mean "$out")
	tsum=$(awk -v a="$tsum" -v b="$t" 'BEGIN { print a + b }')
	csum=$(awk -v a="$csum" -v b="$c" 'BEGIN { print a + b }')
	log "pair $i: cubic $c, tuned $t Mbit/s ($(bulk_ccs "$out"))"
done
[ "$(tr ' ' '\n' <<<"$used" | grep . | sort -u)" = bbr ] ||
	fail "tuned transfers used:$used; expected bbr for all"
ratio=$(awk -v t="$tsum" -v c="$csum" 'BEGIN { printf "%.2f", (c > 0) ? t / c : 99 }')
log "tuned / cubic over the five pairs: $tsum / $csum = $ratio"
awk -v r="$ratio" 'BEGIN { exit !(r >= 1.5) }' ||
	fail "tuned transfers only $ratio x cubic, not 1.5 x"

daemon_stop || fail "daemon exited with an error"
assert_log "summary: tcp_conn: host $IP_A in netns [0-9]+: chose bbr .*% retransmitted \(heavy\)"
# the loss-based algorithms were not warmed up on this path
assert_log "summary: tcp_conn: host $IP_A .*reno untried \(0 tries"
assert_log "summary: tcp_conn: host $IP_A .*cubic untried \(0 tries"
log "$(loss_stop)"
pass "heavy retransmission: bbr after the first measured connection, ${ratio}x cubic"
