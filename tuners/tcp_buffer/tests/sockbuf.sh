#!/bin/bash
# tcp_buffer: an application asks for SO_RCVBUF 8 MiB while net.core.rmem_max
# is 212992; the kernel silently clamps it.  The daemon sees the request
# (cgroup setsockopt hook on the test cgroup), raises rmem_max to what was
# asked, and the next connection gets its buffer.
. "$(dirname "$0")/../../../tests/lib.sh"
require iperf3 python3

want=$((8 * 1024 * 1024))
save_sysctl net.core.rmem_max
sysctl -q -w net.core.rmem_max=212992 || fail "cannot set rmem_max"
ns=$(netns_create s)
iperf_server "$ns"

daemon_start -R -a tcp_buffer_tuner.so
out=$(in_cgroup ip netns exec "$ns" python3 "$(dirname "$0")/sockbuf_client.py" \
	127.0.0.1 5201 "$want" 10) || fail "client failed: $out"
log "client: $out (asked for $want)"
first=$(echo "$out" | sed -E 's/.*first=([0-9]+).*/\1/')
last=$(echo "$out" | sed -E 's/.*last=([0-9]+).*/\1/')
assert_eq "$first" $((2 * 212992)) "first socket clamped by rmem_max 212992"
assert_eq "$(sysctl -n net.core.rmem_max)" "$want" "net.core.rmem_max"
assert_gt "$last" $((2 * want - 1)) "SO_RCVBUF on reconnect"
assert_log "tcp_buffer: application buffer request above core max: net.core.rmem_max 212992 -> $want in global netns, because pid [0-9]+ \(python3\) asked for SO_RCVBUF $want bytes"
# a request within rmem_max is left alone: no wmem_max change either
assert_no_log "net.core.wmem_max"
daemon_stop || fail "daemon exited with an error"
pass "SO_RCVBUF request honoured by raising rmem_max"
