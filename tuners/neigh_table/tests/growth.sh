#!/bin/bash
# neigh_table: with arp_cache thresholds lowered to 32/64/128, a few
# hundred neighbours in a test namespace make the daemon raise all three,
# at once to what the device's /22 can hold (1022 hosts; the floor 1024);
# once it has acted, the table refuses no entry.
. "$(dirname "$0")/../../../tests/lib.sh"
require ip awk

save_sysctl net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2 \
	net.ipv4.neigh.default.gc_thresh3
ip ntable change name arp_cache thresh1 32 thresh2 64 thresh3 128 ||
	fail "cannot lower arp_cache thresholds"

NS=$(netns_create n)
on_exit "ip netns del $NS" # netns_create ran in a subshell: T_NETNS lacks it
neigh_veth "$NS" 10.66.0.1/22

# no rollback on exit: the journal must remain for --restore below
NO_ROLLBACK=1 daemon_start -a neigh_table_tuner.so
fulls0=$(neigh_stat arp_cache table_fulls)
# until the tuner acts (at 64 entries, gc_thresh2)
refused1=$(neigh_fill "$NS" v0 10.66 0 100 10)
wait_log "gc_thresh3 128 -> 1024" 5 || fail "the tuner did not act at 100 neighbours"
fulls1=$(neigh_stat arp_cache table_fulls)
# after it acted
refused2=$(neigh_fill "$NS" v0 10.66 100 300 10)
fulls2=$(neigh_stat arp_cache table_fulls)
IFS=/ read -r t1 t2 t3 < <(neigh_thresholds arp_cache)
log "first 100 neighbours: $refused1 refused, table_fulls +$((fulls1 - fulls0)); next 300: $refused2 refused, table_fulls +$((fulls2 - fulls1))"
log "arp_cache thresholds 32/64/128 -> $t1/$t2/$t3"

# forced gc may have evicted entries older than 5 s (slow machines): the
# thresholds must cover what the table holds, not what was added.  More
# than the original 128 held shows the raise was needed.
held=$(ip -n "$NS" neigh show dev v0 | grep -c .)
log "$held of those neighbours still in the table"
assert_gt "$held" 128 "neighbours held (original gc_thresh3 128)"
assert_gt "$t3" "$held" "arp_cache gc_thresh3 (above the $held neighbours held)"
assert_gt "$t2" 64 "arp_cache gc_thresh2"
assert_gt "$t1" 32 "arp_cache gc_thresh1"
assert_eq "$((fulls2 - fulls1))" 0 "table_fulls increase after the tuner acted"
assert_eq "$refused2" 0 "neighbour additions refused after the tuner acted"
assert_eq "$t2" "$((t3 * 64 / 128))" "gc_thresh2 keeps its proportion (64/128)"
assert_eq "$t1" "$((t3 * 32 / 128))" "gc_thresh1 keeps its proportion (32/128)"
assert_log "neigh_table: neighbour (table nearly full|entry refused): net.ipv4.neigh.default.gc_thresh3 128 -> 1024 in global netns, because arp_cache (holds|refused)"
# the equivalent sysctls show what netlink set
assert_eq "$(sysctl -n net.ipv4.neigh.default.gc_thresh3)" "$t3" "sysctl gc_thresh3"
# ndisc_cache was not touched
assert_no_log "net.ipv6.neigh.default.gc_thresh"
grep -E "neigh_table: " "$T_LOG" | head -6

daemon_stop || fail "daemon exited with an error"
assert_log "summary: neigh_table: [0-9]+ changes? to net.ipv4.neigh.default.gc_thresh3 in global netns: 128 -> $t3"
# the journal holds the original values under the sysctl names, so
# --restore puts them back without the tuner (it writes the sysctls)
"$BPFTUNE" --restore --state-dir "$T_STATE" -l "$TUNERDIR" >"$T_TMP/restore.log" 2>&1 ||
	fail "bpftune --restore failed: $(cat "$T_TMP/restore.log")"
grep -q "restored net.ipv4.neigh.default.gc_thresh3 = '128'" "$T_TMP/restore.log" ||
	fail "restore did not report gc_thresh3: $(cat "$T_TMP/restore.log")"
IFS=/ read -r r1 r2 r3 < <(neigh_thresholds arp_cache)
assert_eq "$r1/$r2/$r3" "32/64/128" "arp_cache thresholds after --restore"
pass "arp_cache thresholds raised ahead of 400 neighbours, no table overflow after the tuner acted; --restore put back 32/64/128"
