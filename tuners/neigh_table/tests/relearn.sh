#!/bin/bash
# neigh_table: with gc_stale_time at 1 s (and the collector running every
# 0.5 s), 40 neighbours pinged every 4 s are reclaimed as stale between
# pings and resolved again at every ping: a relearn loop.  The daemon
# reports it with the device's name, the period of use and the
# gc_stale_time that would keep them (not changed: the value that counts
# is the device's own; see bpftune-neigh_table(8)), and raises gc_thresh1
# above the table's size: the collector runs only at gc_thresh1 entries
# or more, so the 40 neighbours now stay between pings.
. "$(dirname "$0")/../../../tests/lib.sh"
require ip ping awk

# the collector runs every base_reachable_time/2 of the default (global),
# from its next run on (up to 15 s away with the kernel's 30 s)
save_sysctl net.ipv4.neigh.default.base_reachable_time_ms \
	net.ipv4.neigh.default.gc_stale_time net.ipv4.neigh.default.gc_thresh1
sysctl -q -w net.ipv4.neigh.default.base_reachable_time_ms=1000
sysctl -q -w net.ipv4.neigh.default.gc_stale_time=1
start=$(date +%s)

NS=$(netns_create n)
on_exit "ip netns del $NS"
# the pinging side is in the initial netns: only its devices follow the
# default gc_stale_time
HOST=${T_ID}h
ip link add "$HOST" type veth peer name "${T_ID}p" || fail "cannot create veth"
on_exit "ip link del $HOST"
ip link set "${T_ID}p" netns "$NS"
ip -n "$NS" link set "${T_ID}p" name eth0
NET=10.$((RANDOM % 50 + 150)).$((RANDOM % 250))
ip addr add "$NET.1/24" dev "$HOST"
ip link set "$HOST" up
ip -n "$NS" link set eth0 up
for i in $(seq 2 41); do echo "addr add $NET.$i/24 dev eth0"; done >"$T_TMP/addrs"
ip -n "$NS" -batch "$T_TMP/addrs" || fail "cannot add addresses"
# entries of this device go STALE 1 to 3 s after a ping (reachable_time
# is 1 to 3 s, beyond delay_first_probe_time: a shorter one would probe
# and confirm them for ever); values of the device itself, not defaults
sysctl -q -w "net.ipv4.neigh.$HOST.delay_first_probe_time=1" || fail "cannot set delay_first_probe_time"
sysctl -q -w "net.ipv4.neigh.$HOST.base_reachable_time_ms=2000" || fail "cannot set base_reachable_time_ms"
# the collector only runs with at least gc_thresh1 entries in the table:
# permanent ones (never collected, gone with the veth)
IFS=/ read -r t1 _ < <(neigh_thresholds arp_cache)
[ "$t1" -le 5000 ] || skip "arp_cache gc_thresh1 is $t1"
for ((i = 0; i < t1 + 16; i++)); do
	printf 'neigh add 10.249.%d.%d lladdr 02:00:00:00:%02x:%02x dev eth0 nud permanent\n' \
		$((i / 250)) $((i % 250 + 2)) $((i / 250)) $((i % 250))
done >"$T_TMP/perm"
ip -n "$NS" -batch "$T_TMP/perm" || fail "cannot add permanent entries"

daemon_start -a neigh_table_tuner.so

# one ping to each of the 40 addresses at once (not `wait` for all
# children: the daemon is one)
ping_round() {
	local i pids=()
	for i in $(seq 2 41); do
		ping -c 1 -W 1 -n -q -I "$HOST" "$NET.$i" >/dev/null 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
}
# neighbours of the 40 in the table (any state)
kept() { ip neigh show dev "$HOST" | grep -c "^$NET\."; }
# the first round learns them; 6 s later (stale after 1-3 s, reclaimed
# 1 s later by a collector that runs every 0.5 s) most are gone, before
# anything was relearned, so before the daemon could act
ping_round
sleep 6
before=$(kept)
log "$before of 40 neighbours left 6 s after the first round of pings (nothing changed yet)"
assert_eq "$(neigh_thresholds arp_cache | cut -d/ -f1)" "$t1" "gc_thresh1 before any relearn"
assert_gt 40 "$before" "neighbours left 6 s after a round (the collector reclaims them)"
# the next rounds learn them again: a loop
rounds=1
until grep -q "neighbour relearn loop: arp_cache" "$T_LOG"; do
	[ $((rounds++)) -lt 14 ] || fail "no relearn loop seen after $rounds rounds: $(grep neigh_table "$T_LOG" | tail -3)"
	ping_round
	wait_log "neighbour relearn loop: arp_cache" 4
done
log "reported after $rounds rounds of pings, $(($(date +%s) - start)) s after the collector was sped up"
assert_log "neigh_table: neighbour relearn loop: arp_cache: [0-9]+ entries reclaimed as stale were learned again within 3 stale times in [0-9]+ s, the last on $HOST \(ifindex [0-9]+\) in global netns, gc_stale_time 1 s; those neighbours are used every [0-9]+ ms at most \(gc_stale_time [0-9]+ s would also keep them: the device's own value, not changed; see bpftune-neigh_table\(8\)\); gc_thresh1 $t1 -> [0-9]+, above the table's [0-9]+ entries: the collector leaves them alone"
want=$(grep -oE "gc_stale_time [0-9]+ s would also keep them" "$T_LOG" | head -1 | awk '{print $2}')
assert_gt "$want" 4 "suggested gc_stale_time (longer than the 4 s between pings)"
assert_gt 601 "$want" "suggested gc_stale_time (within 600 s)"
assert_eq "$(sysctl -n net.ipv4.neigh.default.gc_stale_time)" 1 "default gc_stale_time (not changed)"
assert_eq "$(sysctl -n "net.ipv4.neigh.$HOST.gc_stale_time")" 1 "the device's gc_stale_time (not changed)"
IFS=/ read -r t1_now _ < <(neigh_thresholds arp_cache)
entries=$(grep -oE "above the table's [0-9]+ entries" "$T_LOG" | head -1 | awk '{print $4}')
assert_gt "$t1_now" "$entries" "gc_thresh1 (above the table's size)"
IFS=/ read -r _ t2_now _ < <(neigh_thresholds arp_cache)
[ "$t1_now" -le "$t2_now" ] || fail "gc_thresh1 $t1_now above gc_thresh2 $t2_now"
# the loop is over: all 40 stay
ping_round
sleep 6
assert_eq "$(kept)" 40 "neighbours left 6 s after a round since gc_thresh1 $t1 -> $t1_now (before: $before)"
grep -E "neigh_table: neighbour relearn" "$T_LOG" | head -2
daemon_stop || fail "daemon exited with an error"
IFS=/ read -r t1_back _ < <(neigh_thresholds arp_cache)
assert_eq "$t1_back" "$t1" "gc_thresh1 after the daemon's rollback"
pass "relearn loop of 40 neighbours: gc_thresh1 $t1 -> $t1_now ended it (40 of 40 kept 6 s after a round, $before before); gc_stale_time $want s named, not changed"
