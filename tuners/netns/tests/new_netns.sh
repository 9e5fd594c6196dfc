#!/bin/bash
# netns: a namespace created after the daemon started is followed and
# tuned: its tcp_rmem max grows under bulk traffic, and the daemon got to
# know it before the traffic (no event from an unknown namespace lost).
. "$(dirname "$0")/../../../tests/lib.sh"
require iperf3

daemon_start -d -a netns_tuner.so -a tcp_buffer_tuner.so
assert_log "netns: following [0-9]+ network namespaces"
# created now, while the daemon runs
small_rmem_setup
ns_ino=$(stat -L -c %i "/run/netns/$NS_B")
# inotify on /run/netns (or the unshare() event) leads to a rescan
# that opens B, at /run/netns/B or at /proc/<pid>/ns/net of ip(8)
wait_log "netns [0-9]+ \(inode $ns_ino\) found at " 5 ||
	fail "daemon did not notice the new namespace $NS_B"
rx=$(small_rmem_traffic 2)
log "B received at ${rx} Gbit/s"
rmem_max=$(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)
log "netns B (created after start): tcp_rmem max 262144 -> $rmem_max"
assert_gt "$rmem_max" 262144 "tcp_rmem max in the new namespace"
assert_log "tcp_buffer: receive buffer nearly full: net.ipv4.tcp_rmem 4096 131072 262144 -> 4096 131072 327680 in netns [0-9]+"

# an unnamed namespace (no /run/netns entry) is found through the
# unshare() syscall event: its sleeping process keeps it alive
unshare -n sleep 3 &
T_PIDS+=($!)
sleep 0.1
anon_ino=$(stat -L -c %i /proc/$!/ns/net)
wait_log "netns [0-9]+ \(inode $anon_ino\) found at /proc/" 2 ||
	fail "daemon did not notice the unshare()d namespace (inode $anon_ino)"
daemon_stop || fail "daemon exited with an error"
assert_log "summary: netns: [0-9]+ rescans \([1-9][0-9]* namespace syscalls"
pass "namespaces created after start are found and tuned"
