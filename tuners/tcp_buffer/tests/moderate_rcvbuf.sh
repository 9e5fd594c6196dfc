#!/bin/bash
# tcp_buffer: tcp_moderate_rcvbuf off in a namespace means its receive
# buffers never grow; the daemon turns it on (nothing in sysctl.d sets it
# on this machine), but leaves it off once someone turns it off again.
# Then, with /proc/sys/net read-only for the daemon and tcp_wmem unparsable,
# the refused write and the failed read are each logged once and that
# namespace is skipped for that tunable.
. "$(dirname "$0")/../../../tests/lib.sh"
require iperf3

grep -rqs tcp_moderate_rcvbuf /etc/sysctl.conf /etc/sysctl.d /run/sysctl.d \
	/usr/lib/sysctl.d /usr/local/lib/sysctl.d /lib/sysctl.d &&
	skip "tcp_moderate_rcvbuf is set in a sysctl configuration file here"

two_namespaces
iperf_server "$NS_A"
nsysctl_set "$NS_B" net.ipv4.tcp_moderate_rcvbuf 0

daemon_start -R -a tcp_buffer_tuner.so
rx=$(iperf_run "$NS_B" "$IP_A" -t 1 -R)
log "B received at ${rx} Gbit/s with autotuning off at first"
wait_log "receive buffer autotuning off" 5
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_moderate_rcvbuf)" 1 "tcp_moderate_rcvbuf in B"
assert_log "tcp_buffer: receive buffer autotuning off: net.ipv4.tcp_moderate_rcvbuf 0 -> 1 in netns [0-9]+, because receive buffer autotuning is off"

# an administrator turns it off again: hands off
nsysctl_set "$NS_B" net.ipv4.tcp_moderate_rcvbuf 0
iperf_run "$NS_B" "$IP_A" -t 1 -R >/dev/null
wait_log "turned tcp_moderate_rcvbuf off again" 5 ||
	fail "no log line about the administrator's choice"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_moderate_rcvbuf)" 0 "tcp_moderate_rcvbuf in B after the admin's write"
daemon_stop || fail "daemon exited with an error"
assert_log "summary: tcp_buffer: 1 change to net.ipv4.tcp_moderate_rcvbuf in netns"

# A refused write and a failed read: each logged once, then that netns is
# skipped for that tunable.
NS_C=$(netns_create c)
NS_D=$(netns_create d)
IP_D=10.$((RANDOM % 200 + 20)).$((RANDOM % 250)).1
veth_connect "$NS_D" "$NS_C" "$IP_D" "${IP_D%.1}.2"
iperf_server "$NS_D"
nsysctl_set "$NS_C" net.ipv4.tcp_moderate_rcvbuf 0
nsysctl_set "$NS_C" net.ipv4.tcp_wmem "4096 16384 262144"
# The daemon's own mount namespace sees a read-only stand-in for
# /proc/sys/net (a mount on that directory applies in every netns the
# daemon enters): tcp_moderate_rcvbuf reads 0 and cannot be written,
# tcp_wmem is garbage.
fake=$T_TMP/net
mkdir -p "$fake/ipv4" "$fake/core"
echo 0 >"$fake/ipv4/tcp_moderate_rcvbuf"
echo "not numbers" >"$fake/ipv4/tcp_wmem"
for f in ipv4/tcp_rmem ipv4/tcp_mem ipv4/tcp_no_metrics_save core/rmem_max core/wmem_max; do
	cat "/proc/sys/net/$f" >"$fake/$f"
done
wrapper=$T_TMP/ro-proc-bpftune
cat >"$wrapper" <<EOW
#!/bin/sh
exec unshare -m sh -c 'mount --bind $fake /proc/sys/net &&
	mount -o remount,bind,ro /proc/sys/net && exec "\$0" "\$@"' "$BPFTUNE" "\$@"
EOW
chmod +x "$wrapper"
BPFTUNE=$wrapper
: >"$T_LOG"
daemon_start -a tcp_buffer_tuner.so
iperf_run "$NS_C" "$IP_D" -t 1 -R >/dev/null
iperf_run "$NS_C" "$IP_D" -t 1 >/dev/null
wait_log "cannot write net.ipv4.tcp_moderate_rcvbuf" 5 || fail "refused write not logged"
n=$(grep -c "cannot write net.ipv4.tcp_moderate_rcvbuf" "$T_LOG")
assert_eq "$n" 1 "log lines about the refused write"
c_id=$(grep -m1 "cannot write net.ipv4.tcp_moderate_rcvbuf" "$T_LOG" | sed -E 's/.* in netns ([0-9]+):.*/\1/')
wait_log "cannot read net.ipv4.tcp_wmem in netns $c_id" 3 || fail "unreadable tcp_wmem not logged"
n=$(grep -c "cannot read net.ipv4.tcp_wmem in netns $c_id:" "$T_LOG")
assert_eq "$n" 1 "log lines about the unreadable tcp_wmem in C"
grep "cannot" "$T_LOG"
assert_eq "$(nsysctl "$NS_C" net.ipv4.tcp_moderate_rcvbuf)" 0 "tcp_moderate_rcvbuf in C"
daemon_stop || fail "daemon exited with an error"
pass "tcp_moderate_rcvbuf forced on, admin's choice kept, refused write and failed read logged once"
