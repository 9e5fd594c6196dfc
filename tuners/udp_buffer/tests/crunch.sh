#!/bin/bash
# udp_buffer, rule "UDP memory crunch": a default-sized socket overflows and
# the daemon raises rmem_default; then an administrator lowers udp_mem (the
# sysctl tuner makes udp_buffer step aside for it, so udp_mem may not grow)
# and UDP memory is exhausted by real datagrams: the daemon cuts
# rmem_default back toward its value at start instead of raising it.  When
# the administrator puts udp_mem back and the sockets are gone, the crunch
# ends after 3 s without a drop and rmem_default returns to its value from
# before the crunch.  rmem_default, rmem_max and udp_mem are global: saved
# and restored.
. "$(dirname "$0")/../../../tests/lib.sh"
require python3

save_sysctl net.core.rmem_default net.core.rmem_max net.ipv4.udp_mem
# from the kernel's defaults (6.18), whatever this machine was left with;
# rmem_max 4 MiB lets the sinks below hold 4 MiB each (SO_RCVBUF 2 MiB,
# locked: they never move rmem_default nor, unclipped, rmem_max)
start=212992
sysctl -q -w net.core.rmem_default=$start net.core.rmem_max=4194304 ||
	fail "cannot set rmem_default/rmem_max"
two_namespaces
daemon_start -a sysctl_tuner.so -a udp_buffer_tuner.so

# 1. default-sized sockets drop datagrams: rmem_default grows (twice: a
# socket made after the first raise overflows too)
udp_sink "$NS_B" "$IP_B" 7001
udp_blast "$NS_A" "$IP_B" 7001 1000
wait_log "UDP receive buffer full: net.core.rmem_default $start -> " 5 ||
	fail "rmem_default did not grow on buffer-full drops"
sleep 0.3 # the last of those events
first=$(sysctl -n net.core.rmem_default)
udp_sink "$NS_B" "$IP_B" 7011
udp_blast "$NS_A" "$IP_B" 7011 1000
# (a second change within 10 s is logged at debug level only: the value)
for _ in $(seq 50); do
	[ "$(sysctl -n net.core.rmem_default)" -gt "$first" ] && break
	sleep 0.1
done
sleep 0.3
grown=$(sysctl -n net.core.rmem_default)
assert_gt "$grown" "$first" "rmem_default after a second socket's drops"
log "rmem_default $start -> $grown on buffer-full drops"
assert_gt "$grown" $start "rmem_default after buffer-full drops"

# 2. the administrator lowers udp_mem: udp_buffer may no longer raise it
sysctl -q -w net.ipv4.udp_mem="128 256 512" || fail "cannot lower udp_mem"
wait_log "udp_buffer: stops tuning net.ipv4.udp_mem everywhere: pid [0-9]+ \(sysctl\) set net.ipv4.udp_mem" 5 ||
	fail "udp_buffer did not step aside for the administrator's udp_mem"

# 3. UDP memory exhausted: 4 MiB sinks filled until the daemon logs the
# cut (the kernel adds socket memory to the global count per CPU in steps
# of net.core.mem_pcpu_rsv pages, so one sink may not be enough; bounded)
cut_re="UDP memory crunch: net.core.rmem_default ([0-9]+) -> ([0-9]+) in global netns, because datagrams were dropped because UDP memory \([0-9]+ pages in use\) reached udp_mem, which bpftune may not change \(an administrator set it, or it cannot be written\); cutting it back by 25% toward its value at start \($start\)"
sinks=()
for round in 1 2 3 4 5 6; do
	port=$((7001 + round))
	udp_sink "$NS_B" "$IP_B" "$port" 2097152
	sinks+=("${T_PIDS[-1]}")
	udp_blast "$NS_A" "$IP_B" "$port" 3000
	log "round $round: $(grep '^UDP:' /proc/net/sockstat), socket: $(ip netns exec "$NS_B" ss -uamn sport = :"$port" | grep -o 'skmem:.*')"
	wait_log "$cut_re" 2 && break
done
assert_log "$cut_re"
assert_log "udp_buffer: UDP memory crunch: datagrams were dropped .*; net.core.rmem_default is cut back toward its value at start and not raised until 3000 ms after the last such drop"
read -r from to < <(grep -Eo "$cut_re" "$T_LOG" | head -1 |
	sed -E 's/.*rmem_default ([0-9]+) -> ([0-9]+) .*/\1 \2/')
log "crunch in round $round: rmem_default $from -> $to"
assert_eq "$from" "$grown" "rmem_default before the first cut"
# one step of 25 %, never below the value at start
want=$((from - from / 100 * 25 - from % 100 * 25 / 100))
[ "$want" -ge $start ] || want=$start
assert_eq "$to" "$want" "rmem_default after the first cut"
sleep 0.3 # the last cut (at most one per 250 ms)
cut=$(sysctl -n net.core.rmem_default)
[ "$cut" -le "$to" ] && [ "$cut" -ge $start ] ||
	fail "rmem_default during the crunch: $cut, outside [$start, $to]"
# every change during the crunch went down and kept the floor
while read -r a b; do
	[ "$b" -lt "$a" ] && [ "$b" -ge $start ] ||
		fail "a cut of rmem_default: $a -> $b, out of [$start, $a)"
done < <(grep -Eo "$cut_re" "$T_LOG" | sed -E 's/.*rmem_default ([0-9]+) -> ([0-9]+) .*/\1 \2/')

# 4. the crunch ends: udp_mem back, the sinks gone.  Within the 3 s
# without a drop that it takes, a default-sized socket that overflows
# does not raise rmem_default; after them, rmem_default returns to its
# value before the crunch.
sysctl -q -w "${T_SAVED[2]}" || fail "cannot restore udp_mem"
kill "${sinks[@]}" 2>/dev/null
end_s=$SECONDS
udp_sink "$NS_B" "$IP_B" 7010
udp_blast "$NS_A" "$IP_B" 7010 1000
wait_log "udp_buffer: a UDP socket with the default buffer dropped datagrams, but UDP memory is exhausted and udp_mem may not grow: net.core.rmem_default is not raised during the crunch" 2 ||
	fail "buffer-full drops during the crunch not held"
assert_eq "$(sysctl -n net.core.rmem_default)" "$cut" "rmem_default on buffer-full drops during the crunch"
sed -n '/UDP memory crunch: datagrams were dropped/,$p' "$T_LOG" |
	grep -E "UDP receive buffer full: net.core.rmem_default" &&
	fail "rmem_default raised during the crunch"
over_re="UDP memory crunch over: net.core.rmem_default $cut -> $grown in global netns, because the UDP memory crunch is over \(no drop for ([0-9]+) ms; UDP holds [0-9]+ pages, udp_mem\[0\] is [0-9]+\): back to its value before the crunch"
wait_log "$over_re" 10 || fail "rmem_default not put back after the crunch"
quiet=$(grep -E "$over_re" "$T_LOG" | sed -E 's/.*no drop for ([0-9]+) ms.*/\1/')
log "put back $((SECONDS - end_s)) s after udp_mem was restored, after $quiet ms without a drop"
[ "$quiet" -ge 3000 ] || fail "put back after $quiet ms without a drop, below the 3000 ms hysteresis"
assert_eq "$(sysctl -n net.core.rmem_default)" "$grown" "rmem_default after the crunch"
assert_log "udp_buffer: the UDP memory crunch is over .*; net.core.rmem_default may grow again"

daemon_stop || fail "daemon exited with an error"
pass "rmem_default $start -> $grown (buffer full), -> $cut in the crunch (udp_mem the administrator's), -> $grown after $quiet ms without a drop"
