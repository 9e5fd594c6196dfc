#!/bin/bash
# netns: a namespace created after the daemon started is followed and
# tuned: its tcp_rmem max grows under bulk traffic, and the daemon got to
# know it before the traffic.  Namespaces made by unshare(), clone() and
# clone3() without a /run/netns name are found through the syscall events.
. "$(dirname "$0")/../../../tests/lib.sh"
require iperf3

daemon_start -d -a netns_tuner.so -a tcp_buffer_tuner.so
assert_log "netns: following [0-9]+ network namespaces"
# created now, while the daemon runs
small_rmem_setup
ns_ino=$(stat -L -c %i "/run/netns/$NS_B")
# inotify on /run/netns (or the unshare() event) leads to a rescan
# that opens B, at /run/netns/B or at /proc/<pid>/ns/net of ip(8)
wait_log "netns [0-9]+ \(inode $ns_ino\) found at " 5 ||
	fail "daemon did not notice the new namespace $NS_B"
rx=$(small_rmem_traffic 2)
log "B received at ${rx} Gbit/s"
rmem_max=$(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)
log "netns B (created after start): tcp_rmem max 262144 -> $rmem_max"
assert_gt "$rmem_max" 262144 "tcp_rmem max in the new namespace"
assert_log "tcp_buffer: receive buffer nearly full: net.ipv4.tcp_rmem 4096 131072 262144 -> 4096 131072 [0-9]+ in netns [0-9]+"

# an unnamed namespace (no /run/netns entry) is found through the
# unshare() syscall event: its sleeping process keeps it alive
unshare -n sleep 3 &
T_PIDS+=($!)
sleep 0.1
anon_ino=$(stat -L -c %i /proc/$!/ns/net)
wait_log "netns [0-9]+ \(inode $anon_ino\) found at /proc/" 2 ||
	fail "daemon did not notice the unshare()d namespace (inode $anon_ino)"
# clone() and clone3() with CLONE_NEWNET (python's raw syscalls act as
# fork here; the child sleeps in its new namespace)
for sys in clone clone3; do
	python3 - "$sys" >"$T_TMP/$sys.pid" <<'PY' &
import ctypes, os, struct, sys, time
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET, SIGCHLD = 0x40000000, 17
if sys.argv[1] == "clone":
    pid = libc.syscall(56, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0)
else:
    args = ctypes.create_string_buffer(struct.pack("8Q", CLONE_NEWNET, 0, 0, 0, SIGCHLD, 0, 0, 0), 64)
    pid = libc.syscall(435, args, ctypes.c_size_t(64))
if pid == 0:
    time.sleep(10)  # long enough for a slow (emulated) machine
    os._exit(0)
if pid < 0:
    sys.exit("%s: %s" % (sys.argv[1], os.strerror(ctypes.get_errno())))
print(pid, flush=True)
os.waitpid(pid, 0)
PY
	T_PIDS+=($!)
done
for sys in clone clone3; do
	for ((i = 0; i < 30; i++)); do
		[ -s "$T_TMP/$sys.pid" ] && break
		sleep 0.1
	done
	child=$(cat "$T_TMP/$sys.pid")
	[ -n "$child" ] || fail "$sys with CLONE_NEWNET failed"
	on_exit "kill $child"
	# kernel_clone() (fentry/kprobe tiers) serves clone and clone3 alike
	wait_log "netns: pid [0-9]+ called clone3? \(flags 0x4[0-9a-f]{7}\)" 5 ||
		fail "no event for $sys with CLONE_NEWNET"
	ino=$(stat -L -c %i "/proc/$child/ns/net")
	wait_log "netns [0-9]+ \(inode $ino\) found at /proc/" 5 ||
		fail "daemon did not notice the namespace made by $sys (inode $ino)"
done
daemon_stop || fail "daemon exited with an error"
assert_log "summary: netns: [0-9]+ rescans \([1-9][0-9]* namespace syscalls"
pass "namespaces created after start are found and tuned"
