#!/bin/bash
# sysctl, bad input: writes in namespaces that are gone (or cannot be
# found) by the time the daemon looks.  The daemon is stopped (SIGSTOP)
# while
#   1. "unshare -n sysctl -w" writes tcp_rmem in a namespace that dies
#      with it: the kernel cannot even open the file for the event;
#   2. a process writes tcp_rmem in a fresh namespace, goes back to its
#      own and keeps the new one alive only through an fd: no scan can
#      find it.
# Each gives exactly one log line; nothing is disabled; no crash, no busy
# retry; a later ordinary write still works.
. "$(dirname "$0")/../../../tests/lib.sh"
require python3

SMALL="4096 131072 262144"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$T_DAEMON/stat"; }

X=$(netns_create x)
T_NETNS+=("$X")
CX=$(netns_cookie "$X")
daemon_start -a netns_tuner.so -a sysctl_tuner.so -a tcp_buffer_tuner.so

kill -STOP "$T_DAEMON"
unshare -n sysctl -q -w net.ipv4.tcp_rmem="$SMALL" || fail "unshare/sysctl failed"
ready=$T_TMP/hidden-ready
python3 - "$ready" "$SMALL" <<'PY' &
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
home = os.open("/proc/self/ns/net", os.O_RDONLY)
if libc.unshare(CLONE_NEWNET):
    sys.exit("unshare: %s" % os.strerror(ctypes.get_errno()))
hidden = os.open("/proc/self/ns/net", os.O_RDONLY)  # keeps it alive
with open("/proc/sys/net/ipv4/tcp_rmem", "w") as f:
    f.write(sys.argv[2])
if libc.setns(home, CLONE_NEWNET):
    sys.exit("setns: %s" % os.strerror(ctypes.get_errno()))
open(sys.argv[1], "w").close()
time.sleep(4)
PY
hidden_pid=$!
T_PIDS+=("$hidden_pid")
for ((i = 0; i < 50; i++)); do
	[ -e "$ready" ] && break
	sleep 0.1
done
[ -e "$ready" ] || fail "helper process did not write"
kill -CONT "$T_DAEMON"

wait_log "sysctl: [0-9]+ write events? under /proc could not be examined \(No such file or directory\)" 5 ||
	fail "no log line for the write in the namespace that died"
wait_log "sysctl: pid $hidden_pid \(python3\) set net.ipv4.tcp_rmem in a network namespace the daemon cannot find or enter" 5 ||
	fail "no log line for the write in the namespace no scan can find"
t0=$(cpu_ticks)
sleep 1
t1=$(cpu_ticks)
kill -0 "$T_DAEMON" 2>/dev/null || fail "daemon died"
log "daemon CPU over 1 s after the bad events: $((t1 - t0)) ticks"
[ $((t1 - t0)) -le 10 ] || fail "daemon busy after the bad events: $((t1 - t0)) ticks in 1 s"
[ "$(grep -c "could not be examined" "$T_LOG")" -eq 1 ] ||
	fail "expected one line for the dead namespace: $(grep "could not be examined" "$T_LOG")"
[ "$(grep -c "cannot find or enter" "$T_LOG")" -eq 1 ] ||
	fail "expected one line for the hidden namespace"
assert_no_log "stops tuning"

# state intact: an ordinary write still stops tcp_buffer in X
ip netns exec "$X" sysctl -q -w net.ipv4.tcp_rmem="$SMALL" || fail "write in $X"
wait_log "tcp_buffer: stops tuning in netns $CX: pid [0-9]+ \(sysctl\) set net.ipv4.tcp_rmem" 5 ||
	fail "a write after the bad ones was not handled"
daemon_stop || fail "daemon exited with an error"
assert_log "summary: sysctl: 2 writes by others to tuned sysctls \(1 stopped a tuner, 1 in namespaces not found\); [1-9][0-9]* events lost"
pass "vanished and hidden namespaces: one line each, no crash, no busy retry"
