#!/bin/bash
# udp_buffer: a UDP socket with the default buffer that overflows makes the
# daemon raise rmem_default; one that set SO_RCVBUF (locked) must not; UDP
# memory exhaustion (udp_mem lowered briefly) makes it raise udp_mem, within
# its RAM-fraction caps.  All three are global: saved and restored.
# values are checked after the daemon stops: no rollback on exit (the
# global sysctls are saved and restored by save_sysctl, the rest dies with
# the test's namespaces)
NO_ROLLBACK=1
. "$(dirname "$0")/../../../tests/lib.sh"
log "start (test lock held)"
require python3

save_sysctl net.core.rmem_default net.core.rmem_max net.ipv4.udp_mem
# from the kernel's defaults, whatever this machine was left with (a
# rmem_max already at the daemon's cap could not grow in part 1b)
sysctl -q -w net.core.rmem_default=212992 net.core.rmem_max=212992 ||
	fail "cannot set rmem_default/rmem_max"
rdefault=$(sysctl -n net.core.rmem_default)
rmax=$(sysctl -n net.core.rmem_max)
two_namespaces
daemon_start -a udp_buffer_tuner.so

# 1. locked: SO_RCVBUF rmem_default/2, so the buffer is exactly
# rmem_default (the kernel doubles it) -> drops, but rmem_* stay
udp_sink "$NS_B" "$IP_B" 7001 $((rdefault / 2))
errs0=$(udp_rcvbuf_errors "$NS_B")
udp_blast "$NS_A" "$IP_B" 7001 500
errs1=$(udp_rcvbuf_errors "$NS_B")
log "locked socket: RcvbufErrors $errs0 -> $errs1"
assert_gt "$errs1" "$errs0" "RcvbufErrors of the locked socket"
sleep 0.5
assert_eq "$(sysctl -n net.core.rmem_default)" "$rdefault" "rmem_default after locked drops"
assert_eq "$(sysctl -n net.core.rmem_max)" "$rmax" "rmem_max after locked drops"
assert_no_log "net.core.rmem_default"

# 1b. locked and clipped: SO_RCVBUF above rmem_max -> rmem_max grows
udp_sink "$NS_B" "$IP_B" 7004 $((rmax * 2))
udp_blast "$NS_A" "$IP_B" 7004 $((rmax * 2 / 2304 + 500))
wait_log "UDP SO_RCVBUF clipped: net.core.rmem_max $rmax -> " 5 ||
	fail "rmem_max change for a clipped SO_RCVBUF not logged"
new_max=$(sysctl -n net.core.rmem_max)
assert_gt "$new_max" "$rmax" "rmem_max"
assert_no_log "net.core.rmem_default"

# 2. default-sized socket: drops -> rmem_default grows
udp_sink "$NS_B" "$IP_B" 7002
udp_blast "$NS_A" "$IP_B" 7002 1000
errs2=$(udp_rcvbuf_errors "$NS_B")
log "default socket: RcvbufErrors $errs1 -> $errs2"
assert_gt "$errs2" "$errs1" "RcvbufErrors of the default socket"
wait_log "UDP receive buffer full: net.core.rmem_default $rdefault -> " 5 ||
	fail "rmem_default change not logged"
new_default=$(sysctl -n net.core.rmem_default)
log "rmem_default $rdefault -> $new_default"
assert_gt "$new_default" "$rdefault" "rmem_default"
[ "$new_default" -le $((256 << 20)) ] || fail "rmem_default above 256 MiB"

# 3. udp_mem at 128/256/512 pages.  UDP allocations fail once the memory
# all UDP sockets hold passes udp_mem[1] (UDP has no pressure mode), but the
# kernel counts that memory per CPU and adds it to the global count only in
# steps of net.core.mem_pcpu_rsv pages: with small buffers (rmem_max at its
# default) the sockets above may hold enough while the count still shows
# less.  So fill big locked buffers, one more each round, until the daemon
# logs the change (bounded: 8 rounds).
sysctl -q -w net.ipv4.udp_mem="128 256 512" || fail "cannot lower udp_mem"
mem_re="UDP memory exhausted: net.ipv4.udp_mem 128 256 512 -> "
for round in 1 2 3 4 5 6 7 8; do
	port=$((7002 + round * 2 - 1)) # 7003, 7005, ...
	udp_sink "$NS_B" "$IP_B" "$port" 4194304
	udp_blast "$NS_A" "$IP_B" "$port" 3000
	# 6.18 drops these inside the enqueue without counting MemErrors: ss shows them
	log "round $round: udp_mem 128 256 512, $(grep '^UDP:' /proc/net/sockstat), socket: $(ip netns exec "$NS_B" ss -uamn sport = :$port | grep -o 'skmem:.*')"
	wait_log "$mem_re" 2 && break
done
assert_log "$mem_re"
log "udp_mem change seen in round $round"

daemon_stop || fail "daemon exited with an error"
grep -E "udp_buffer" "$T_LOG"
read -r m0 m1 m2 < <(sysctl -n net.ipv4.udp_mem)
log "udp_mem 128 256 512 -> $m0 $m1 $m2"
assert_gt "$m2" 512 "udp_mem hard limit"
pages=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / ($(getconf PAGESIZE) / 1024)))
[ "$m0" -le $((pages / 16)) ] && [ "$m1" -le $((pages / 8)) ] &&
	[ "$m2" -le $((pages / 4)) ] || fail "udp_mem $m0 $m1 $m2 above RAM caps"
[ "$(sysctl -n net.core.rmem_max)" -le $((256 << 20)) ] || fail "rmem_max above 256 MiB"
assert_log "summary: udp_buffer: [0-9]+ changes? to net.core.rmem_default in global netns: $rdefault -> $new_default"
pass "rmem_default $rdefault -> $new_default (locked socket left it alone), rmem_max $rmax -> $new_max, udp_mem 512 -> $m2 pages"
