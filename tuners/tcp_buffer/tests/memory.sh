#!/bin/bash
# tcp_buffer under TCP memory strain.
# 1. pressure: global tcp_mem lowered far below what sockets hold -> the
#    daemon raises tcp_mem (bounded by RAM/4).
# 2. exhaustion that tcp_mem cannot relieve: a receiver in a memory cgroup
#    (v1, memory.kmem.tcp.limit_in_bytes) is refused memory -> the daemon
#    cuts tcp_rmem max in its namespace (never below tcp_rmem[1]), clamps a
#    new small flow (test cgroup, sockops), lifts the clamp once the strain
#    is over, and lets tcp_rmem grow again.
. "$(dirname "$0")/../../../tests/lib.sh"
require iperf3 python3
MEMCG_ROOT=/sys/fs/cgroup/memory
[ -w "$MEMCG_ROOT/cgroup.procs" ] || skip "no memory cgroup v1 at $MEMCG_ROOT"
page=$(getconf PAGESIZE)

two_namespaces
iperf_server "$NS_A"
iperf_server "$NS_B"
# a sink for the small flow of part 2
ip netns exec "$NS_A" python3 -c 'import socket
l = socket.create_server(("0.0.0.0", 5203))
c, _ = l.accept()
while c.recv(1 << 16):
    pass' &
T_PIDS+=($!)
nsysctl_set "$NS_A" net.ipv4.tcp_rmem "4096 131072 6291456"
save_sysctl net.ipv4.tcp_mem

daemon_start -R -a tcp_buffer_tuner.so

# --- 1. memory pressure: raise tcp_mem ---
# pressure threshold just above what TCP holds now; hard limit far above,
# so that traffic still flows
held=$(awk '/^TCP:/ {print $NF}' /proc/net/sockstat)
low="$held $((held + 512)) $((held * 4 + 65536))"
sysctl -q -w net.ipv4.tcp_mem="$low" || fail "cannot set tcp_mem"
# (a second transfer if the first one passed unseen: the BPF side samples
# one memory reading in 16 sends and user space polls every 500 ms)
for attempt in 1 2; do
	iperf_run "$NS_B" "$IP_A" -t 2 -R >"$T_TMP/pressure$attempt" &
	traffic=$!
	wait_log "tcp memory pressure: net.ipv4.tcp_mem $low -> [0-9 ]+ in global netns, because TCP sockets hold [0-9]+ pages" 5 &&
		break
	wait $traffic
	log "no pressure seen in transfer $attempt ($(cat "$T_TMP/pressure$attempt") Gbit/s, sockstat: $(grep TCP: /proc/net/sockstat)); once more"
	[ $attempt -eq 2 ] && fail "tcp_mem not raised under pressure"
done
wait $traffic
tcp_mem=$(sysctl -n net.ipv4.tcp_mem | tr '\t' ' ')
log "tcp_mem $low -> $tcp_mem pages under pressure"
cap=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024 / page / 4))
set -- $tcp_mem
assert_gt "$2" $((held + 512)) "tcp_mem pressure threshold"
[ "$3" -le "$cap" ] || fail "tcp_mem max $3 above cap $cap pages"
# restore before part 2 (the traffic there clears the pressure flag)
sysctl -q -w "${T_SAVED[0]}"

# --- 2. exhaustion in a memory cgroup: cut, clamp, lift, grow again ---
memcg=$MEMCG_ROOT/bpftune-test-$$
mkdir "$memcg" || fail "cannot create $memcg"
on_exit "rmdir $memcg"
echo $((512 * 1024)) >"$memcg/memory.kmem.tcp.limit_in_bytes" ||
	fail "cannot set the memory cgroup's TCP limit"
sh -c 'echo $$ >"$0/cgroup.procs" && exec ip netns exec "$1" iperf3 -s -p 5202' \
	"$memcg" "$NS_A" >/dev/null 2>&1 &
T_PIDS+=($!)
on_exit "kill $!; sleep 0.2"
sleep 0.3
iperf_run "$NS_B" "$IP_A" -p 5202 -t 3 >"$T_TMP/memcg-rate" &
traffic=$!
cut_re="tcp memory exhaustion: net.ipv4.tcp_rmem 4096 131072 ([0-9]+) -> 4096 131072 ([0-9]+) in netns [0-9]+, because a socket was refused receive memory"
wait_log "$cut_re" 5 || fail "tcp_rmem max not cut in A"
# A's max may have grown before the strain began; the cut is 25 % of it
before=$(grep -Eo "$cut_re" "$T_LOG" | head -1 | sed -E "s/.*131072 ([0-9]+) -> .*/\1/")
after=$(grep -Eo "$cut_re" "$T_LOG" | head -1 | sed -E "s/.*-> 4096 131072 ([0-9]+) .*/\1/")
assert_eq "$after" $((before - before / 100 * 25 - before % 100 * 25 / 100)) "first cut of tcp_rmem max in A"
assert_log "tcp memory strain: .*new small flows are clamped"
# a new small flow during the crunch (test cgroup: sockops sees it)
go=$T_TMP/go
in_cgroup ip netns exec "$NS_B" python3 "$(dirname "$0")/clamp_client.py" \
	"$IP_A" 5203 "$go" 15 >"$T_TMP/clamp" 2>&1 &
client=$!
for _ in $(seq 50); do grep -q start_clamp= "$T_TMP/clamp" && break; sleep 0.1; done
wait $traffic
log "throughput into the memory cgroup: $(cat "$T_TMP/memcg-rate") Gbit/s"
wait_log "tcp memory strain is over" 8 || fail "strain never ended"
touch "$go"
wait $client || fail "clamp client failed: $(cat "$T_TMP/clamp")"
log "small flow: $(tr '\n' ' ' <"$T_TMP/clamp")"
# unclamped, a flow here starts with window clamp 65536 and its cwnd grows
# well past 10 segments while sending a few MiB
field() { sed -n "s/^$1=//p" "$T_TMP/clamp"; }
[ "$(field start_clamp)" -le 32768 ] || fail "window clamp of a new flow during the crunch: $(field start_clamp) > 32768"
[ "$(field start_cwnd)" -le 10 ] || fail "cwnd of a new flow during the crunch: $(field start_cwnd) > 10"
assert_gt "$(field after_clamp)" 65535 "window clamp after the crunch"
assert_gt "$(field after_cwnd)" 10 "cwnd after the crunch"
assert_log "small-flow clamping: clamped a new flow on port 5203"
assert_log "small-flow clamping: lifted the clamp of a new flow on port 5203"
a_id=$(grep -Eo "$cut_re" "$T_LOG" | head -1 | sed -E 's/.* in netns ([0-9]+),.*/\1/')
cut=$(nsysctl_field "$NS_A" net.ipv4.tcp_rmem 3)
[ "$cut" -lt "$before" ] && [ "$cut" -ge 131072 ] || fail "tcp_rmem max in A $cut out of [131072, $before)"

# growth is allowed again: A receives a bulk transfer (the small flow's
# second half may already have done it)
grow_re="receive buffer nearly full: net.ipv4.tcp_rmem 4096 131072 [0-9]+ -> 4096 131072 [0-9]+ in netns $a_id"
grown() { sed -n '/tcp memory strain is over/,$p' "$T_LOG" | grep -Eq "$grow_re"; }
grown || iperf_run "$NS_A" "$IP_B" -t 1 -R >/dev/null
grown || fail "tcp_rmem in A did not grow again after the strain"
daemon_stop || fail "daemon exited with an error"
assert_log "summary: tcp_buffer: [1-9][0-9]* new flows clamped during memory strain, [1-9][0-9]* clamps lifted"
pass "tcp_mem raised under pressure; rmem cut, small flow clamped and released under exhaustion"
