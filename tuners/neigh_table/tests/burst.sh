#!/bin/bash
# neigh_table: a quiet table is left alone, a burst is absorbed.  With
# arp_cache thresholds 128/256/512 and a /21 (2046 hosts) on the device:
# 150 neighbours (below gc_thresh2) change nothing; then 1500 neighbours
# added in one go (a few ms) make the daemon move gc_thresh3 at once to
# the subnet bound when the table crosses gc_thresh2, so that at most
# 1 % of them are refused (without the tuner, about 1000 would be).
. "$(dirname "$0")/../../../tests/lib.sh"
require ip awk

save_sysctl net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2 \
	net.ipv4.neigh.default.gc_thresh3
ip ntable change name arp_cache thresh1 128 thresh2 256 thresh3 512 ||
	fail "cannot set arp_cache thresholds"

NS=$(netns_create n)
on_exit "ip netns del $NS" # netns_create ran in a subshell: T_NETNS lacks it
neigh_veth "$NS" 10.69.0.1/21

daemon_start -a neigh_table_tuner.so
# quiet: below gc_thresh2, nothing moves
refused0=$(neigh_fill "$NS" v0 10.69 0 150 10)
sleep 1.5 # the 1 s timer has looked at least once
assert_eq "$refused0" 0 "neighbours refused below gc_thresh2"
assert_eq "$(neigh_thresholds arp_cache)" "128/256/512" "thresholds on a quiet table"
assert_no_log "neigh_table: neighbour"

# burst: one batch
fulls0=$(neigh_stat arp_cache table_fulls)
start=$(date +%s%N)
refused=$(neigh_fill "$NS" v0 10.69 150 1500 1500)
ms=$((($(date +%s%N) - start) / 1000000))
fulls=$(($(neigh_stat arp_cache table_fulls) - fulls0))
IFS=/ read -r t1 t2 t3 < <(neigh_thresholds arp_cache)
log "1500 neighbours in one batch (${ms} ms): $refused refused, table_fulls +$fulls; arp_cache 128/256/512 -> $t1/$t2/$t3"
[ "$refused" -le 15 ] || fail "$refused of 1500 burst neighbours refused (at most 15)"
assert_eq "$t3" 2046 "gc_thresh3 at the /21's bound in one move"
assert_eq "$t2" 1023 "gc_thresh2 (half, as 256/512)"
assert_eq "$t1" 511 "gc_thresh1 (a quarter, as 128/512)"
assert_log "neigh_table: neighbour (table nearly full|entry refused): net.ipv4.neigh.default.gc_thresh3 512 -> 2046 in global netns, because arp_cache (holds [0-9]+ entries subject to gc, past gc_thresh2 256|refused)"
# one move, not a series of steps
[ "$(grep -c "gc_thresh3 [0-9]* -> " "$T_LOG")" -eq 1 ] ||
	fail "more than one gc_thresh3 change: $(grep "gc_thresh3 [0-9]* -> " "$T_LOG" | cut -c1-120)"
daemon_stop || fail "daemon exited with an error"
pass "quiet table untouched; 1500-neighbour burst absorbed with $refused refused"
