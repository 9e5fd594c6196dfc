#!/bin/bash
# -D: the command returns once the tuners run, and the process left in the
# background tunes as the foreground daemon does.  Its own writes are not
# taken for an administrator's (the sysctl tuner and the BPF side know the
# background pid), SIGHUP is handled, and SIGTERM ends it with the summary
# and the -R rollback.
. "$(dirname "$0")/../lib.sh"
require iperf3 python3

SMALL="4096 131072 262144"
small_rmem_setup
cgroup_create

# shellcheck disable=SC2086 # BPFTUNE_TEST_ARGS is a list of words
timeout 30 "$BPFTUNE" -D -s -R -c "$T_CGROUP" --state-dir "$T_STATE" \
	-l "$TUNERDIR" --socket "$T_TMP/bpftune.sock" ${BPFTUNE_TEST_ARGS:-} \
	-a sysctl_tuner.so -a tcp_buffer_tuner.so >"$T_LOG" 2>&1
rc=$?
assert_eq "$rc" 0 "exit code of bpftune -D"
assert_log "tuner\(s\) running"
pid=$(sed -nE "s/.*tuner\(s\) running \(pid ([0-9]+)\)/\1/p" "$T_LOG")
[ -n "$pid" ] || fail "no daemon left running after bpftune -D returned"
on_exit "kill -KILL $pid"
log "daemon pid $pid"

# two transfers: the second one must find tcp_buffer still tuning
small_rmem_traffic 2 >/dev/null
first=$(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)
small_rmem_traffic 2 >/dev/null
second=$(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)
log "tcp_rmem max in B: 262144 -> $first -> $second"
assert_gt "$first" 262144 "tcp_rmem max after the first transfer"
# (BDP sizing may have reached the flow's need in one step: not smaller)
[ "$second" -ge "$first" ] || fail "tcp_rmem max shrank: $first -> $second"
assert_no_log "stops tuning"
assert_no_log "pid $pid \("

kill -HUP "$pid"
wait_log "all tuners re-enabled in every namespace" 5 || fail "SIGHUP not handled"
kill -0 "$pid" 2>/dev/null || fail "daemon died on SIGHUP"

kill -TERM "$pid"
for ((i = 0; i < 100; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "daemon still runs 10 s after SIGTERM"
assert_log "summary: tcp_buffer: [0-9]+ changes? to net.ipv4.tcp_rmem"
# its own writes were seen and known as its own
assert_log "summary: sysctl: 0 writes by others to tuned sysctls .*; [1-9][0-9]* own writes ignored"
assert_log "restored net.ipv4.tcp_rmem = '$SMALL' in netns"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_rmem)" "$SMALL" "tcp_rmem after SIGTERM (-R)"
log "own time: $(elapsed) s"
pass "-D daemon tunes (262144 -> $first -> $second), handles SIGHUP, SIGTERM rolls back"
