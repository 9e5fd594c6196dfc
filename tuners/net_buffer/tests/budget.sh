#!/bin/bash
# net_buffer: with netdev_budget lowered to 20 packets, a backlog flood
# makes packet processing run out of budget (time_squeeze in softnet_stat);
# the daemon must raise netdev_budget and netdev_budget_usecs, within caps.
. "$(dirname "$0")/../../../tests/lib.sh"
log "start (test lock held)"
require tc iperf3
[ -r /proc/pressure/cpu ] || skip "no /proc/pressure/cpu: the budget is not tuned without it"

save_sysctl net.core.netdev_max_backlog net.core.flow_limit_cpu_bitmap \
	net.core.netdev_budget net.core.netdev_budget_usecs
sysctl -q -w net.core.netdev_budget=20 || fail "cannot lower netdev_budget"
usecs_before=$(sysctl -n net.core.netdev_budget_usecs)
squeeze() {
	local -a f
	local sum=0
	while read -r -a f; do sum=$((sum + 16#${f[2]})); done </proc/net/softnet_stat
	echo $sum
}
two_namespaces
daemon_start -a net_buffer_tuner.so
backlog_flood_attach "$NS_B" eth0
iperf_server "$NS_B"
sq0=$(squeeze)
ip netns exec "$NS_A" iperf3 -u -c "$IP_B" -b 1600k -l 1000 -t 3 >/dev/null 2>&1 &
T_PIDS+=($!)
wait_log "time squeeze: net.core.netdev_budget 20 -> 25 in global netns, because packet processing ran out of budget [0-9]+ times" 8 ||
	fail "no netdev_budget change logged (time_squeeze rose by $(($(squeeze) - sq0)))"
log "time_squeeze rose by $(($(squeeze) - sq0))"
daemon_stop || fail "daemon exited with an error"
grep -E "net_buffer: (time squeeze|scheduler)" "$T_LOG"
budget=$(sysctl -n net.core.netdev_budget)
usecs=$(sysctl -n net.core.netdev_budget_usecs)
log "netdev_budget 20 -> $budget, netdev_budget_usecs $usecs_before -> $usecs"
assert_gt "$budget" 20 "netdev_budget"
[ "$budget" -le 3000 ] || fail "netdev_budget $budget above its cap 3000"
[ "$usecs_before" -ge 20000 ] || assert_gt "$usecs" "$usecs_before" "netdev_budget_usecs"
[ "$usecs" -le 20000 ] || [ "$usecs" = "$usecs_before" ] ||
	fail "netdev_budget_usecs $usecs above its cap 20000"
pass "netdev_budget 20 -> $budget, netdev_budget_usecs $usecs_before -> $usecs"
