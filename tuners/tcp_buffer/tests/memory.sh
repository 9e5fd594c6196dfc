#!/bin/bash
# tcp_buffer under TCP memory strain.
# 1. pressure: global tcp_mem lowered far below what sockets hold -> the
#    daemon raises tcp_mem (bounded by RAM/4).
# 2. exhaustion that tcp_mem cannot relieve: a receiver in a memory cgroup
#    (cgroup v2: memory.max, which socket memory is charged to; cgroup v1,
#    where v2 has no memory controller: memory.kmem.tcp.limit_in_bytes) is
#    refused memory -> the daemon cuts tcp_rmem max in its namespace (never
#    below tcp_rmem[1]), clamps a new small flow (test cgroup, sockops),
#    releases a clamped flow once it has moved 1 MiB (not small), leaves
#    the next flow of that service unclamped (its history), lifts the
#    clamp once the strain is over, and lets tcp_rmem grow again.
. "$(dirname "$0")/../../../tests/lib.sh"
require iperf3 python3
page=$(getconf PAGESIZE)

# The memory cgroup: v2 when the cgroup2 mount offers the memory
# controller (and the receiver can be kept from its OOM killer: part 2),
# else v1.  Sets MEMCG_MODE (v2|v1) and MEMCG_PARENT.
MEMCG_PARENT=$(cgroup2_root)
if [ -n "$MEMCG_PARENT" ] && grep -qw memory "$MEMCG_PARENT/cgroup.controllers" 2>/dev/null &&
	sh -c 'echo -1000 >/proc/self/oom_score_adj' 2>/dev/null; then
	MEMCG_MODE=v2
elif [ -w /sys/fs/cgroup/memory/cgroup.procs ] &&
	[ -e /sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes ]; then
	MEMCG_MODE=v1 MEMCG_PARENT=/sys/fs/cgroup/memory
else
	skip "no memory cgroup: neither a cgroup2 memory controller (with CAP_SYS_RESOURCE, for oom_score_adj -1000) nor a v1 memory hierarchy with memory.kmem.tcp"
fi
log "memory cgroup: $MEMCG_MODE under $MEMCG_PARENT"

two_namespaces
iperf_server "$NS_A"
iperf_server "$NS_B"
# discarding receivers for the flows of part 2: 5203 for the small flow,
# 5204 for a service that turns out to move big flows (one flow at a time)
bulk_server "$NS_A" 5203
bulk_server "$NS_A" 5204
nsysctl_set "$NS_A" net.ipv4.tcp_rmem "4096 131072 6291456"
save_sysctl net.ipv4.tcp_mem

daemon_start -R -a tcp_buffer_tuner.so

# --- 1. memory pressure: raise tcp_mem ---
# Pressure threshold just above what TCP holds now; hard limit far above,
# so that traffic still flows.  B sends to A: A only ever receives in this
# test, so the latency rule (which watches senders) never holds A's growth
# that part 2 asserts.  The kernel adds socket memory to the global count
# per CPU in steps (net.core.mem_pcpu_rsv pages), the BPF side samples one
# reading in 16 sends, and the daemon acts on readings near the threshold:
# so the load is driven until the daemon logs the change, in bounded
# rounds of 2 s with 4 streams.
tcp_mem_lower
low=$TCP_MEM_LOW
held=${low%% *}
pressure_re="tcp memory pressure: net.ipv4.tcp_mem $low -> [0-9 ]+ in global netns, because TCP sockets hold [0-9]+ pages"
for round in 1 2 3 4; do
	iperf_run "$NS_B" "$IP_A" -t 2 -P 4 >"$T_TMP/pressure$round" &
	traffic=$!
	wait_log "$pressure_re" 4 && break
	wait $traffic
	log "round $round: no pressure seen ($(cat "$T_TMP/pressure$round") Gbit/s, $(grep TCP: /proc/net/sockstat))"
done
wait $traffic
assert_log "$pressure_re"
tcp_mem=$(sysctl -n net.ipv4.tcp_mem | tr '\t' ' ')
log "tcp_mem $low -> $tcp_mem pages under pressure (round $round)"
cap=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024 / page / 4))
set -- $tcp_mem
assert_gt "$2" $((held + 512)) "tcp_mem pressure threshold"
[ "$3" -le "$cap" ] || fail "tcp_mem max $3 above cap $cap pages"
# restore before part 2 (the traffic there clears the pressure flag)
sysctl -q -w "${T_SAVED[0]}"

# --- 2. exhaustion in a memory cgroup: cut, clamp, lift, grow again ---
memcg=$MEMCG_PARENT/bpftune-test-mem-$$
if [ $MEMCG_MODE = v2 ] && ! grep -qw memory "$MEMCG_PARENT/cgroup.subtree_control"; then
	echo +memory >"$MEMCG_PARENT/cgroup.subtree_control" ||
		fail "cannot enable the memory controller below $MEMCG_PARENT"
	on_exit "echo -memory >'$MEMCG_PARENT/cgroup.subtree_control'"
fi
mkdir "$memcg" || fail "cannot create $memcg"
on_exit "rmdir $memcg"
if [ $MEMCG_MODE = v1 ]; then
	echo $((512 * 1024)) >"$memcg/memory.kmem.tcp.limit_in_bytes" ||
		fail "cannot set the memory cgroup's TCP limit"
fi
# In v2 a socket charged in process context (backlog processing while the
# reader holds the socket) that cannot reclaim calls the cgroup's OOM
# killer, which would kill the receiver; with no process it may kill, the
# charge fails as in softirq and the socket is refused memory.
oom_adj=
[ $MEMCG_MODE = v2 ] && oom_adj="echo -1000 >/proc/self/oom_score_adj &&"
sh -c "echo \$\$ >\"\$0/cgroup.procs\" && $oom_adj exec ip netns exec \"\$1\" iperf3 -s -p 5202" \
	"$memcg" "$NS_A" >/dev/null 2>&1 &
T_PIDS+=($!)
on_exit "kill $!; sleep 0.2"
wait_port "$NS_A" tcp 5202 || fail "iperf3 server in the memory cgroup did not listen"
if [ $MEMCG_MODE = v2 ]; then
	# all its memory counts in v2: the limit is what the idle server holds
	# plus 256 KiB, for a connection's buffers (refused often, as with
	# v1's 512 KiB TCP-only limit)
	idle=$(cat "$memcg/memory.current")
	echo $((idle + 256 * 1024)) >"$memcg/memory.max" ||
		fail "cannot set the memory cgroup's memory.max"
	log "memory cgroup v2: memory.max $((idle + 256 * 1024)) bytes ($idle held idle)"
fi
# the strain lasts while B sends into the cgroup: 1 s transfers, one
# after another, until the flows below are done (bounded: 30 s)
(
	end=$((SECONDS + 30))
	while [ ! -e "$T_TMP/strain_done" ] && [ $SECONDS -lt $end ]; do
		iperf_run "$NS_B" "$IP_A" -p 5202 -t 1 >>"$T_TMP/memcg-rate"
	done
) &
traffic=$!
cut_re="tcp memory exhaustion: net.ipv4.tcp_rmem 4096 131072 ([0-9]+) -> 4096 131072 ([0-9]+) in netns [0-9]+, because a socket was refused receive memory"
wait_log "$cut_re" 5 || fail "tcp_rmem max not cut in A"
# A's max may have grown before the strain began; the cut is 25 % of it
before=$(grep -Eo "$cut_re" "$T_LOG" | head -1 | sed -E "s/.*131072 ([0-9]+) -> .*/\1/")
after=$(grep -Eo "$cut_re" "$T_LOG" | head -1 | sed -E "s/.*-> 4096 131072 ([0-9]+) .*/\1/")
assert_eq "$after" $((before - before / 100 * 25 - before % 100 * 25 / 100)) "first cut of tcp_rmem max in A"
assert_log "tcp memory strain: .*new small flows are clamped"
# a new small flow during the crunch (test cgroup: sockops sees it),
# started while the daemon holds the strain on (refusals may pause long
# enough to end it for a while: at low rates in v2 the reader keeps up)
strain_on() { grep -E "tcp memory strain(:| is over)" "$T_LOG" | tail -1 | grep -q "strain:"; }
for _ in $(seq 100); do strain_on && break; sleep 0.1; done
go=$T_TMP/go
in_cgroup ip netns exec "$NS_B" python3 "$(dirname "$0")/clamp_client.py" \
	"$IP_A" 5203 $((256 * 1024)) "$go" 40 >"$T_TMP/clamp" 2>&1 &
client=$!
for _ in $(seq 100); do grep -qs start_clamp= "$T_TMP/clamp" && break; sleep 0.1; done

# flow_in_strain NAME BYTES: a flow from B to port 5204 that sends BYTES
# while the strain lasts from its start to its end (tried again, up to 3
# times, if the strain paused meanwhile); its report in $T_TMP/NAME
flow_in_strain() {
	local try overs
	for try in 1 2 3; do
		for _ in $(seq 100); do strain_on && break; sleep 0.1; done
		overs=$(grep -c "tcp memory strain is over" "$T_LOG")
		in_cgroup ip netns exec "$NS_B" python3 "$(dirname "$0")/clamp_client.py" \
			"$IP_A" 5204 "$2" >"$T_TMP/$1" 2>&1 || fail "$1 flow failed: $(cat "$T_TMP/$1")"
		strain_on && [ "$(grep -c "tcp memory strain is over" "$T_LOG")" = "$overs" ] && return 0
		log "$1 flow: the strain paused during it (try $try)"
	done
	fail "the strain never lasted through a $1 flow"
}
field() { sed -n "s/^$2=//p" "$T_TMP/$1"; }
# a flow that is not small: clamped at its start, released after 1 MiB
flow_in_strain big $((3 * 1024 * 1024))
log "big flow: $(tr '\n' ' ' <"$T_TMP/big")"
wait_log "lifted the clamp of a flow on port 5204 in netns [0-9]+ during the strain, because it has moved [0-9]+ bytes" 2 ||
	fail "the clamp of a flow that moved 3 MiB was not lifted during the strain"
assert_gt "$(field big start_clamp)" 32768 "window clamp of a flow released after 1 MiB"
# its service now has a history of big flows: a new flow is not clamped
flow_in_strain spared $((256 * 1024))
log "next flow of that service: $(tr '\n' ' ' <"$T_TMP/spared")"
wait_log "left a new flow on port 5204 in netns [0-9]+ unclamped, because its service has moved flows" 2 ||
	fail "a flow of a service known for big flows was clamped"
assert_gt "$(field spared start_clamp)" 32768 "window clamp of a new flow of a big service"
touch "$T_TMP/strain_done"
wait $traffic
log "throughput into the memory cgroup, per second: $(tr "\n" " " <"$T_TMP/memcg-rate")Gbit/s"
grep -q start_clamp= "$T_TMP/clamp" || fail "the small flow did not start: $(cat "$T_TMP/clamp")"
# the last strain line must say it is over (an earlier pause does not count)
for _ in $(seq 80); do strain_on || break; sleep 0.1; done
strain_on && fail "strain never ended"
touch "$go"
wait $client || fail "clamp client failed: $(cat "$T_TMP/clamp")"
log "small flow: $(tr '\n' ' ' <"$T_TMP/clamp")"
# unclamped, a flow here starts with window clamp 65536 and its cwnd grows
# well past 10 segments while sending a few MiB
[ "$(field clamp start_clamp)" -le 32768 ] || fail "window clamp of a new flow during the crunch: $(field clamp start_clamp) > 32768"
[ "$(field clamp start_cwnd)" -le 10 ] || fail "cwnd of a new flow during the crunch: $(field clamp start_cwnd) > 10"
assert_gt "$(field clamp after_clamp)" 65535 "window clamp after the crunch"
assert_gt "$(field clamp after_cwnd)" 10 "cwnd after the crunch"
assert_log "small-flow clamping: clamped a new flow on port 5203"
assert_log "small-flow clamping: lifted the clamp of a new flow on port 5203"
a_id=$(grep -Eo "$cut_re" "$T_LOG" | head -1 | sed -E 's/.* in netns ([0-9]+),.*/\1/')
# every cut (read from the log: growth may resume as soon as the strain
# is over, so the value now says nothing) went down and kept the floor
while read -r from to; do
	[ "$to" -lt "$from" ] && [ "$to" -ge 131072 ] ||
		fail "a cut of tcp_rmem max in A: $from -> $to, out of [131072, $from)"
done < <(grep -Eo "$cut_re" "$T_LOG" | sed -E "s/.*131072 ([0-9]+) -> 4096 131072 ([0-9]+) .*/\1 \2/")

# growth is allowed again: A receives bulk transfers until the daemon
# logs the growth (the small flow's second half may already have done it)
grow_re="receive buffer nearly full: net.ipv4.tcp_rmem 4096 131072 [0-9]+ -> 4096 131072 [0-9]+ in netns $a_id"
grown() { sed -n '/tcp memory strain is over/,$p' "$T_LOG" | grep -Eq "$grow_re"; }
for round in 1 2 3; do
	grown && break
	iperf_run "$NS_A" "$IP_B" -t 1 -R >/dev/null
	for _ in $(seq 20); do grown && break; sleep 0.1; done
done
grown || fail "tcp_rmem in A did not grow again after the strain"
daemon_stop || fail "daemon exited with an error"
assert_log "summary: tcp_buffer: [1-9][0-9]* new flows clamped during memory strain, [1-9][0-9]* clamps lifted, [1-9][0-9]* lifted early \(not small\), [1-9][0-9]* flows of big services left unclamped"
pass "tcp_mem raised under pressure; rmem cut, small flow clamped and released under exhaustion, big flows and services left alone"
