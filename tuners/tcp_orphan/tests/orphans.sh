#!/bin/bash
# tcp_orphan: with tcp_max_orphans at 16 (a global sysctl: saved and
# restored), connections closed with unsent data (their peer never
# reads) make more orphans than allowed until the kernel resets one
# ("too many orphaned sockets").  The daemon must raise tcp_max_orphans
# to twice the orphan count (at least 17 at the first reset, so above
# the 30 made at most), within its cap of RAM / 2 / 64 KiB.  (The
# kernel compares a count it refreshes on a deferrable timer, which may
# be stale: whether more closes are reset after the raise is not
# asserted.)
. "$(dirname "$0")/../../../tests/lib.sh"
log "start (test lock held)"
require python3
PORT=9000
save_sysctl net.ipv4.tcp_max_orphans
sysctl -q -w net.ipv4.tcp_max_orphans=16 || fail "cannot set tcp_max_orphans"

two_namespaces
orphan_server "$NS_A" $PORT
daemon_start -a tcp_orphan_tuner.so
aborts0=$(tcp_ext "$NS_B" TCPAbortOnMemory)
# 16 orphans fit; then 2 more at a time until one is reset (the kernel
# compares a count it refreshes every 100 ms), 30 at most
orphans_make "$NS_B" "$IP_A" $PORT 16
total=16
aborts1=$aborts0
while [ "$aborts1" = "$aborts0" ] && [ $total -lt 30 ]; do
	orphans_make "$NS_B" "$IP_A" $PORT 2
	total=$((total + 2))
	sleep 0.1
	aborts1=$(tcp_ext "$NS_B" TCPAbortOnMemory)
done
log "connections reset for too many orphans: $((aborts1 - aborts0)); $(grep TCP: /proc/net/sockstat)"
assert_gt "$aborts1" "$aborts0" "TCPAbortOnMemory in B with tcp_max_orphans 16"
wait_log "tcp_orphan: too many orphaned sockets: net.ipv4.tcp_max_orphans 16 -> [0-9]+ in global netns, because a connection in netns [0-9]+ was reset with [0-9]+ orphaned sockets of at most 16" 5 ||
	fail "no tcp_max_orphans raise logged"
max=$(sysctl -n net.ipv4.tcp_max_orphans)
orphans=$(awk '$1 == "TCP:" {for (i = 2; i < NF; i++) if ($i == "orphan") print $(i + 1)}' /proc/net/sockstat)
log "tcp_max_orphans 16 -> $max with $orphans orphans"
assert_gt "$max" 16 "tcp_max_orphans"
ram=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024))
cap=$((ram / 2 / 65536))
[ "$max" -le "$cap" ] || fail "tcp_max_orphans $max above its cap $cap"
daemon_stop || fail "daemon exited with an error"
assert_eq "$(sysctl -n net.ipv4.tcp_max_orphans)" 16 "tcp_max_orphans rolled back on exit"
grep -E "tcp_orphan" "$T_LOG"
log "own time: $(elapsed) s"
pass "too many orphans: tcp_max_orphans 16 -> $max ($orphans orphans)"
