#!/bin/bash
# neigh_table: growth stops at what the device's subnets can hold.  The
# device has a /22 and a /23 (1022 + 510 = 1532 hosts); 1700 neighbours
# push arp_cache past that, and gc_thresh3 must stop at exactly 1532 with
# a "can no longer grow" line, the surplus being refused by the kernel.
. "$(dirname "$0")/../../../tests/lib.sh"
require ip awk

save_sysctl net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2 \
	net.ipv4.neigh.default.gc_thresh3
ip ntable change name arp_cache thresh1 32 thresh2 64 thresh3 128 ||
	fail "cannot lower arp_cache thresholds"

NS=$(netns_create n)
on_exit "ip netns del $NS" # netns_create ran in a subshell: T_NETNS lacks it
neigh_veth "$NS" 10.67.0.1/22 10.68.0.1/23

daemon_start -a neigh_table_tuner.so -d
fulls0=$(neigh_stat arp_cache table_fulls)
refusals=$(neigh_fill "$NS" v0 10.67 0 1700 100)
fulls=$(($(neigh_stat arp_cache table_fulls) - fulls0))
t3=$(sysctl -n net.ipv4.neigh.default.gc_thresh3)
log "1700 neighbours: gc_thresh3 128 -> $t3, table_fulls +$fulls, $refusals refusals"

wait_log "can no longer grow" 5 || fail "no 'can no longer grow' line"
assert_log "neigh_table: arp_cache gc_thresh3 1532 is at its bound 1532 \(local subnets hold 1532 hosts; floor 1024, cap [0-9]+\); can no longer grow"
assert_eq "$t3" 1532 "arp_cache gc_thresh3 at the subnet bound"
assert_eq "$(sysctl -n net.ipv4.neigh.default.gc_thresh2)" 766 "gc_thresh2 (half of thresh3, as 64/128)"
assert_gt "$fulls" 0 "table_fulls beyond the bound"
assert_no_log "gc_thresh3 [0-9]+ -> (153[3-9]|15[4-9][0-9]|1[6-9][0-9][0-9]|[2-9][0-9]{3}|[0-9]{5,})"
# the 1 s timer saw the refusals in /proc/net/stat/arp_cache too
wait_log "neigh_table: arp_cache: [0-9]+ entries, \\+[1-9][0-9]* table_fulls" 3 ||
	fail "the timer did not see table_fulls rise"
daemon_stop || fail "daemon exited with an error"
pass "arp_cache growth bounded by the local subnets (1532 hosts)"
