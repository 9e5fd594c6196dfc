#!/bin/bash
# neigh_table: with arp_cache thresholds lowered to 32/64/128, a few
# hundred neighbours in a test namespace make the daemon raise all three
# before the table refuses any entry.
. "$(dirname "$0")/../../../tests/lib.sh"
require ip awk

save_sysctl net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2 \
	net.ipv4.neigh.default.gc_thresh3
ip ntable change name arp_cache thresh1 32 thresh2 64 thresh3 128 ||
	fail "cannot lower arp_cache thresholds"

NS=$(netns_create n)
ip -n "$NS" link add v0 type veth peer name v1 || fail "cannot create veth"
ip -n "$NS" addr add 10.66.0.1/22 dev v0
ip -n "$NS" link set v0 up
ip -n "$NS" link set v1 up

daemon_start -a neigh_table_tuner.so
fulls0=$(neigh_stat arp_cache table_fulls)
failed=$(neigh_fill "$NS" v0 10.66 400 10)
fulls=$(($(neigh_stat arp_cache table_fulls) - fulls0))
read -r t1 t2 t3 < <(ip ntable show name arp_cache | awk '/thresh1/ {print $2, $4, $6; exit}')
log "400 neighbours added ($failed refused, table_fulls +$fulls); arp_cache thresholds 32/64/128 -> $t1/$t2/$t3"

assert_gt "$t3" 400 "arp_cache gc_thresh3"
assert_gt "$t2" 64 "arp_cache gc_thresh2"
assert_gt "$t1" 32 "arp_cache gc_thresh1"
assert_eq "$fulls" 0 "table_fulls increase"
assert_eq "$failed" 0 "refused neighbour additions"
assert_log "neigh_table: neighbour table nearly full: net.ipv4.neigh.default.gc_thresh3 128 -> 160 in global netns, because arp_cache holds [0-9]+ entries subject to gc"
# the equivalent sysctls show what netlink set
assert_eq "$(sysctl -n net.ipv4.neigh.default.gc_thresh3)" "$t3" "sysctl gc_thresh3"
# ndisc_cache was not touched
assert_no_log "net.ipv6.neigh.default.gc_thresh"

grep -E "neigh_table: " "$T_LOG" | head -12
daemon_stop || fail "daemon exited with an error"
assert_log "summary: neigh_table: [0-9]+ changes? to net.ipv4.neigh.default.gc_thresh3 in global netns: 128 -> $t3"
pass "arp_cache thresholds raised ahead of $((400)) neighbours, no table overflow"
