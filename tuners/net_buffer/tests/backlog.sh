#!/bin/bash
# net_buffer: a clone flood on a veth's ingress overflows the receiving
# CPU's backlog (the test never touches netdev_max_backlog itself); the
# daemon must raise netdev_max_backlog, within its cap, and set that CPU's
# bit in flow_limit_cpu_bitmap, written as a hex cpumask.
. "$(dirname "$0")/../../../tests/lib.sh"
log "start (test lock held)"
require tc iperf3 python3

save_sysctl net.core.netdev_max_backlog net.core.flow_limit_cpu_bitmap \
	net.core.netdev_budget net.core.netdev_budget_usecs
backlog_before=$(sysctl -n net.core.netdev_max_backlog)
# start from an empty mask (restored at exit) so the change is visible
sysctl -q -w net.core.flow_limit_cpu_bitmap=0 || fail "cannot clear flow_limit_cpu_bitmap"
two_namespaces
declare -A drops_before
while read -r cpu n; do drops_before[$cpu]=$n; done < <(softnet_drops)

daemon_start -a net_buffer_tuner.so
backlog_flood_attach "$NS_B" eth0
iperf_server "$NS_B"
# 200 datagrams/s, each turned into 2049 packets by the flood
ip netns exec "$NS_A" iperf3 -u -c "$IP_B" -b 1600k -l 1000 -t 3 >/dev/null 2>&1 ||
	log "iperf3 client reported an error (expected under the flood)"
wait_log "backlog drops: net.core.netdev_max_backlog $backlog_before -> " 10 ||
	fail "no netdev_max_backlog change logged"

# the CPU that dropped the most during the test
worst_cpu=-1 worst=0
while read -r cpu n; do
	d=$((n - ${drops_before[$cpu]:-0}))
	log "CPU $cpu dropped $d backlog packets during the test"
	[ "$d" -gt "$worst" ] && { worst=$d; worst_cpu=$cpu; }
done < <(softnet_drops)
assert_gt "$worst" 0 "backlog drops during the flood"

# stop first, so that the values read below are final
daemon_stop || fail "daemon exited with an error"
grep -E "net_buffer" "$T_LOG"
backlog_after=$(sysctl -n net.core.netdev_max_backlog)
mask=$(sysctl -n net.core.flow_limit_cpu_bitmap)
log "netdev_max_backlog $backlog_before -> $backlog_after, flow_limit_cpu_bitmap '$mask'"
assert_gt "$backlog_after" "$backlog_before" "netdev_max_backlog"
[[ $mask =~ ^[0-9a-f]{1,8}(,[0-9a-f]{8})*$ ]] ||
	fail "flow_limit_cpu_bitmap '$mask' is not a hex cpumask"
cpumask_has "$mask" "$worst_cpu" ||
	fail "flow_limit_cpu_bitmap '$mask' lacks CPU $worst_cpu, which dropped $worst packets"
assert_log "flow limit: net.core.flow_limit_cpu_bitmap 0 -> [0-9a-f,]+ in global netns, because CPU [0-9,]+ dropped backlog packets"
assert_log "summary: net_buffer: [0-9]+ changes? to net.core.flow_limit_cpu_bitmap in global netns: 0 -> $mask "

# safety cap: all CPUs' backlogs at 2 KiB a packet within RAM/16, <= 2^20
ram=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024))
ncpu=$(wc -l </proc/net/softnet_stat)
cap=$((ram / 16 / (ncpu * 2048)))
[ "$cap" -gt 1048576 ] && cap=1048576
[ "$backlog_after" -le "$cap" ] || fail "backlog $backlog_after above cap $cap"

assert_log "summary: net_buffer: [0-9]+ changes? to net.core.netdev_max_backlog in global netns: $backlog_before -> $backlog_after"
pass "netdev_max_backlog $backlog_before -> $backlog_after, CPU $worst_cpu in mask $mask"
