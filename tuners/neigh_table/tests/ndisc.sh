#!/bin/bash
# neigh_table: the IPv6 table is tuned on its own.  With ndisc_cache
# thresholds lowered to 32/64/128, 300 IPv6 neighbours make the daemon
# raise ndisc_cache's thresholds and leave arp_cache's alone.
. "$(dirname "$0")/../../../tests/lib.sh"
require ip awk
[ -e /proc/sys/net/ipv6/neigh/default/gc_thresh3 ] || skip "IPv6 is disabled"

save_sysctl net.ipv6.neigh.default.gc_thresh1 net.ipv6.neigh.default.gc_thresh2 \
	net.ipv6.neigh.default.gc_thresh3
ip ntable change name ndisc_cache thresh1 32 thresh2 64 thresh3 128 ||
	fail "cannot lower ndisc_cache thresholds"
arp_before=$(neigh_thresholds arp_cache)

NS=$(netns_create n)
on_exit "ip netns del $NS" # netns_create ran in a subshell: T_NETNS lacks it
neigh_veth "$NS" 2001:db8:5::1/64

# a /64 holds more than the memory cap: the bound is min(2^20, RAM/32768)
cap=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024 / 32768))
[ "$cap" -gt 1048576 ] && cap=1048576
[ "$cap" -lt 1024 ] && cap=1024

daemon_start -a neigh_table_tuner.so
refused1=$(neigh_fill "$NS" v0 2001:db8:5 0 100 10)
wait_log "net.ipv6.neigh.default.gc_thresh3 128 -> $cap" 5 ||
	fail "the tuner did not act at 100 IPv6 neighbours"
fulls1=$(neigh_stat ndisc_cache table_fulls)
refused2=$(neigh_fill "$NS" v0 2001:db8:5 100 200 10)
fulls2=$(neigh_stat ndisc_cache table_fulls)
nd=$(neigh_thresholds ndisc_cache)
log "300 IPv6 neighbours ($refused1 + $refused2 refused); ndisc_cache 32/64/128 -> $nd; arp_cache $arp_before -> $(neigh_thresholds arp_cache)"

held=$(ip -n "$NS" -6 neigh show dev v0 | grep -c .)
assert_gt "$held" 128 "IPv6 neighbours held (original gc_thresh3 128)"
assert_gt "${nd##*/}" "$held" "ndisc_cache gc_thresh3 (above the $held neighbours held)"
assert_eq "$((fulls2 - fulls1))" 0 "ndisc_cache table_fulls after the tuner acted"
assert_eq "$refused2" 0 "IPv6 neighbour additions refused after the tuner acted"
assert_eq "$(neigh_thresholds arp_cache)" "$arp_before" "arp_cache thresholds"
assert_log "neigh_table: neighbour (table nearly full|entry refused): net.ipv6.neigh.default.gc_thresh3 128 -> $cap in global netns, because ndisc_cache"
assert_no_log "net.ipv4.neigh.default.gc_thresh"
daemon_stop || fail "daemon exited with an error"
pass "ndisc_cache raised alone: 32/64/128 -> $nd"
