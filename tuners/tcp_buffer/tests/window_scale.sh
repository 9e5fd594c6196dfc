#!/bin/bash
# tcp_buffer: with net.core.rmem_max at 212992 (the default before 6.18)
# and tcp_rmem max 256 KiB, a connection's receive window scale is 3 for
# life (window <= 512 KB, ~200 Mbit/s at 20 ms).  The daemon raises
# rmem_max at start so that connections opened afterwards get the scale
# for the largest tcp_rmem max it may set; it says that connections
# already open cannot benefit.  A flow opened before the daemon stays
# below 512 KB per RTT; one opened after runs beyond it on the same
# 20 ms, 1 Gbit/s path.
. "$(dirname "$0")/../../../tests/lib.sh"
require iperf3 ss python3

save_sysctl net.core.rmem_max
sysctl -q -w net.core.rmem_max=212992 || fail "cannot set rmem_max"
ram=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024))
want=$((ram / 32))
[ "$want" -gt 268435456 ] && want=268435456

delay_path 10 1000
for ns in "$NS_A" "$NS_B"; do
	nsysctl_set "$ns" net.ipv4.tcp_rmem "4096 131072 262144"
	nsysctl_set "$ns" net.ipv4.tcp_wmem "4096 131072 262144"
done
iperf_server "$NS_A" 5201
iperf_server "$NS_A" 5202
# the old flow: opened before the daemon, with scale 3
ip netns exec "$NS_B" iperf3 -c "$IP_A" -p 5201 -R -t 7 -i 1 -J >"$T_TMP/old.json" 2>&1 &
old=$!
T_PIDS+=("$old")
sleep 1

daemon_start -a tcp_buffer_tuner.so
assert_log "tcp_buffer: receive window scale room: net.core.rmem_max 212992 -> $want in global netns, because with 212992, connections get receive window scale 2 .*Connections already open keep their scale"
assert_eq "$(sysctl -n net.core.rmem_max)" "$want" "rmem_max after start"

# the new flow, opened after the daemon
ip netns exec "$NS_B" iperf3 -c "$IP_A" -p 5202 -R -t 4 -i 1 -J >"$T_TMP/new.json" &
new=$!
sleep 1
scales=$(ip netns exec "$NS_B" ss -tin dst "$IP_A" | grep -oE 'wscale:[0-9]+,[0-9]+' | sort | uniq -c | tr '\n' ' ')
log "receive window scales of B's connections (snd,rcv): $scales"
wait "$new" || fail "new iperf3 failed"
wait "$old" || fail "old iperf3 failed"
last() { # last() FILE: Mbit/s of the last full second
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(int(d["intervals"][-1]["sum"]["bits_per_second"] / 1e6))' "$1"
}
old_mbps=$(last "$T_TMP/old.json")
new_mbps=$(last "$T_TMP/new.json")
log "flow opened before the daemon: $old_mbps Mbit/s; after: $new_mbps Mbit/s (last second each)"
log "tcp_rmem max in B: $(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)"
# scale 3 (tcp_rmem 262144 > rmem_max) for the old one, 13 for the new one
echo "$scales" | grep -q "wscale:[0-9]*,3" || fail "no connection with receive scale 3: $scales"
echo "$scales" | grep -q "wscale:[0-9]*,1[0-4]" || fail "no connection with receive scale >= 10: $scales"
# 512 KB per 20 ms is 210 Mbit/s: the old flow cannot pass it
[ "$old_mbps" -le 260 ] || fail "old flow at $old_mbps Mbit/s, beyond its window's 210"
# the new one must pass that ceiling (on a quiet machine it reaches ~900;
# a loaded one cannot relay 1 Gbit/s, hence the modest bar)
[ "$new_mbps" -gt 260 ] || fail "new flow at $new_mbps Mbit/s, not beyond the scale-3 window's 210"
wait_log "running flows cannot use all of the new tcp_rmem max in netns [0-9]+: .* scale 3 \(window at most 524280 bytes\)" 2 ||
	fail "no 'running flows cannot use' line"
daemon_stop || fail "daemon exited with an error"
assert_eq "$(sysctl -n net.core.rmem_max)" 212992 "rmem_max rolled back"
pass "rmem_max raised for window scale room: old flow $old_mbps Mbit/s, new $new_mbps"
