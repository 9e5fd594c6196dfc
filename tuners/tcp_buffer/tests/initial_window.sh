#!/bin/bash
# tcp_buffer: after a few bulk transfers to and from one service port, a
# new connection to that port starts with the windows earlier flows grew to
# (sockops TCP_BPF_IW, bounded to 10..64 segments); a connection to an
# unlearned port starts with the standard 10 segments.  The advertised
# receive window is the kernel's own on both (bpftune does not answer
# RWND_INIT: the kernel's 64 KiB start is the most an unscaled SYN says).
. "$(dirname "$0")/../../../tests/lib.sh"
require iperf3 python3

two_namespaces
iperf_server "$NS_A"
iperf_server "$NS_A" 5204
daemon_start -R -a tcp_buffer_tuner.so

iw() { in_cgroup ip netns exec "$NS_B" python3 "$(dirname "$0")/iw_client.py" "$IP_A" "$1"; }
read -r before rwnd_before < <(iw 5201)
assert_eq "$before" 10 "initial window before learning"
for dir in "" -R; do
	rate=$(in_cgroup ip netns exec "$NS_B" iperf3 -c "$IP_A" -t 1 -J $dir |
		python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))')
	log "bulk transfer ${dir:+(reverse) }with port 5201: $rate Gbit/s"
done
wait_log "learned initial window: service port 5201 in netns [0-9]+ now starts with [0-9]+ segments" 5 ||
	fail "nothing learned for port 5201"
read -r learned rwnd < <(iw 5201)
read -r other rwnd_other < <(iw 5204)
log "initial window: port 5201 $before -> $learned segments; unlearned port 5204: $other"
log "initial receive window: port 5201 $rwnd_before -> $rwnd bytes; unlearned port 5204: $rwnd_other"
assert_gt "$learned" 10 "initial window to the learned port"
[ "$learned" -le 64 ] || fail "initial window $learned above the bound 64"
assert_eq "$other" 10 "initial window to an unlearned port"
if [ "$rwnd" != -1 ]; then
	assert_eq "$rwnd" "$rwnd_other" "initial receive window to the learned port (the kernel's, as to an unlearned one)"
fi
daemon_stop || fail "daemon exited with an error"
assert_log "summary: tcp_buffer: .* [1-9][0-9]* connections started with a learned initial window"
pass "initial window learned per service port"
