#!/bin/bash
# tcp_buffer: an application asks for SO_SNDBUF 8 MiB while net.core.wmem_max
# is 212992; the kernel silently clamps it.  The daemon sees the request
# (cgroup setsockopt hook on the test cgroup), raises wmem_max to what was
# asked, and the next connection gets its buffer.  net.core.rmem_max
# (212992 too) was already raised at start for window scale room, to the
# cap min(256 MiB, RAM/32): SO_RCVBUF 8 MiB is honoured at once, and a
# request beyond the cap leaves rmem_max at the cap.
. "$(dirname "$0")/../../../tests/lib.sh"
require iperf3 python3

want=$((8 * 1024 * 1024))
ram=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024))
cap=$((ram / 32))
[ "$cap" -gt 268435456 ] && cap=268435456
save_sysctl net.core.rmem_max net.core.wmem_max
sysctl -q -w net.core.rmem_max=212992 net.core.wmem_max=212992 ||
	fail "cannot set rmem_max/wmem_max"
ns=$(netns_create s)
iperf_server "$ns"
client() { # client BYTES snd|rcv [TIMEOUT_S]
	in_cgroup ip netns exec "$ns" python3 "$(dirname "$0")/sockbuf_client.py" \
		127.0.0.1 5201 "$1" "${3:-10}" "$2"
}

daemon_start -R -a tcp_buffer_tuner.so
out=$(client "$want" snd) || fail "client failed: $out"
log "SO_SNDBUF client: $out (asked for $want)"
first=$(echo "$out" | sed -E 's/.*first=([0-9]+).*/\1/')
last=$(echo "$out" | sed -E 's/.*last=([0-9]+).*/\1/')
assert_eq "$first" $((2 * 212992)) "first socket clamped by wmem_max 212992"
assert_eq "$(sysctl -n net.core.wmem_max)" "$want" "net.core.wmem_max"
assert_gt "$last" $((2 * want - 1)) "SO_SNDBUF on reconnect"
assert_log "tcp_buffer: application buffer request above core max: net.core.wmem_max 212992 -> $want in global netns, because pid [0-9]+ \(python3\) asked for SO_SNDBUF $want bytes"

assert_eq "$(sysctl -n net.core.rmem_max)" "$cap" "net.core.rmem_max after start"
out=$(client "$want" rcv) || fail "client failed: $out"
log "SO_RCVBUF client: $out (asked for $want)"
assert_eq "$(echo "$out" | sed -E 's/.*tries=([0-9]+).*/\1/')" 1 "SO_RCVBUF honoured at the first try"
# beyond the cap: the kernel clamps, the tuner may not go further
out=$(client $((cap * 2)) rcv 1) || fail "client failed: $out"
sleep 0.5
assert_eq "$(sysctl -n net.core.rmem_max)" "$cap" "net.core.rmem_max at its cap"
assert_no_log "net.core.rmem_max [0-9]+ -> [0-9]+ in global netns, because pid"
daemon_stop || fail "daemon exited with an error"
pass "SO_SNDBUF request honoured by raising wmem_max; rmem_max at its cap"
