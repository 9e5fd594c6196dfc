#!/bin/bash
# What bpftune.service promises: the daemon runs as an unprivileged user
# holding only the unit's AmbientCapabilities and still tunes net.*
# sysctls in a namespace; kernel.* and vm.* sysctls refuse that user
# whatever its capabilities (as bpftune(8) says).
. "$(dirname "$0")/../lib.sh"
require iperf3 setpriv capsh
USER_ID=65534

# the capabilities, as the unit lists them, minus any this machine's
# bounding set lacks (here: CAP_SYS_RESOURCE)
caps=""
for cap in $(sed -n 's/^AmbientCapabilities=//p' "$TOP/packaging/bpftune.service.in"); do
	name=$(echo "${cap#CAP_}" | tr 'A-Z' 'a-z')
	capsh --has-b="$cap" 2>/dev/null || { log "bounding set lacks $cap; not granted"; continue; }
	caps="$caps,+$name"
done
caps=${caps#,}
[ -n "$caps" ] || fail "no capabilities found in the unit"
log "running as uid $USER_ID with $caps"
as_user() {
	setpriv --reuid=$USER_ID --regid=$USER_ID --clear-groups \
		--inh-caps="$caps" --ambient-caps="$caps" "$@"
}

# What the user runs must be reachable by the user: a tree checked out
# under a 0700 directory (such as /root) is not.  So the daemon, its
# library and the tuners are staged in the test's own directory (under
# /tmp, removed at exit), the way an install lays them out: the binary and
# libbpftune.so.0 side by side (RUNPATH $ORIGIN), the tuners below.
chmod 0711 "$T_TMP"
stage=$T_TMP/stage
mkdir -p "$stage/tuners"
cp "$BPFTUNE" "$stage/bpftune" || fail "cannot stage $BPFTUNE"
cp -d "$(dirname "$BPFTUNE")"/libbpftune.so* "$stage/" || fail "cannot stage libbpftune.so"
cp "$TUNERDIR"/*_tuner.so "$stage/tuners/" || fail "cannot stage the tuners of $TUNERDIR"
chmod -R a+rX "$stage"
as_user test -x "$stage/bpftune" -a -r "$stage/tuners/tcp_buffer_tuner.so" ||
	fail "staged files not readable by uid $USER_ID"
TUNERDIR=$stage/tuners

# the daemon, through a wrapper that drops to the user
mkdir -p "$T_STATE"
chown $USER_ID:$USER_ID "$T_STATE"
cat >"$T_TMP/bpftune-as-user" <<EOT
#!/bin/sh
exec setpriv --reuid=$USER_ID --regid=$USER_ID --clear-groups --inh-caps=$caps --ambient-caps=$caps $stage/bpftune "\$@"
EOT
chmod 0755 "$T_TMP/bpftune-as-user"

small_rmem_setup
BPFTUNE=$T_TMP/bpftune-as-user daemon_start -a tcp_buffer_tuner.so --socket "$T_STATE/bpftune.sock"
pid=$(pgrep -P "$T_DAEMON" -x bpftune || echo "$T_DAEMON")
uid=$(awk '/^Uid:/ {print $3}' /proc/"$pid"/status)
assert_eq "$uid" "$USER_ID" "effective uid of the daemon"
small_rmem_traffic 2 >/dev/null
rmem_max=$(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)
log "as uid $USER_ID: tcp_rmem max in B 262144 -> $rmem_max"
assert_gt "$rmem_max" 262144 "tcp_rmem max in B, written by the unprivileged daemon"
assert_no_log "cannot write"
# its journal is in the state directory the user owns
grep -q "net.ipv4.tcp_rmem" "$T_STATE/journal" || fail "no journal entry written as the user"
daemon_stop || fail "daemon exited with an error"
# and -R, run as the user, put the original back
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_rmem)" "4096 131072 262144" "tcp_rmem restored by the user"

# net.* in the initial namespace (global ones too) accept the user with
# CAP_NET_ADMIN; kernel.* and vm.* refuse it, even with every capability
write_same() { as_user sh -c "cat $1 > $1" 2>/dev/null; }
write_same /proc/sys/net/core/netdev_max_backlog || fail "net.core.netdev_max_backlog refused the user"
write_same /proc/sys/net/ipv4/tcp_mem || fail "net.ipv4.tcp_mem refused the user"
write_same /proc/sys/kernel/threads-max && fail "kernel.threads-max accepted a non-root writer"
write_same /proc/sys/vm/swappiness && fail "vm.swappiness accepted a non-root writer"
log "own time: $(elapsed) s"
pass "unprivileged daemon tunes net.*; kernel.*/vm.* need uid 0"
