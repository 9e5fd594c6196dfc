#!/bin/bash
# sysctl: net.core.rmem_max is declared by tcp_buffer and by udp_buffer.
# An administrator's write stops both, and neither moves it afterwards:
# UDP sockets whose SO_RCVBUF is clipped to it keep dropping datagrams,
# which would make udp_buffer raise it if it had not stepped aside too.
. "$(dirname "$0")/../../../tests/lib.sh"
require python3

save_sysctl net.core.rmem_default net.core.rmem_max net.ipv4.udp_mem
ADMIN=300000
two_namespaces
daemon_start -a sysctl_tuner.so -a tcp_buffer_tuner.so -a udp_buffer_tuner.so

sysctl -q -w net.core.rmem_max=$ADMIN || fail "cannot set rmem_max"
for tuner in tcp_buffer udp_buffer; do
	wait_log "$tuner: stops tuning net.core.rmem_max everywhere: pid [0-9]+ \(sysctl\) set net.core.rmem_max" 5 ||
		fail "$tuner did not step aside for the administrator's rmem_max"
done

# a socket asking for more than rmem_max allows, clipped, dropping
udp_sink "$NS_B" "$IP_B" 7011 $((ADMIN * 4))
errs0=$(udp_rcvbuf_errors "$NS_B")
udp_blast "$NS_A" "$IP_B" 7011 $((ADMIN * 2 / 2304 + 500))
errs1=$(udp_rcvbuf_errors "$NS_B")
log "clipped socket: RcvbufErrors $errs0 -> $errs1"
assert_gt "$errs1" "$errs0" "RcvbufErrors of the clipped socket"
# a default-sized one too: rmem_default may grow, rmem_max may not
udp_sink "$NS_B" "$IP_B" 7012
udp_blast "$NS_A" "$IP_B" 7012 3000
sleep 1
assert_eq "$(sysctl -n net.core.rmem_max)" "$ADMIN" "rmem_max after the administrator set it"
assert_no_log "net.core.rmem_max $ADMIN -> "
daemon_stop || fail "daemon exited with an error"
assert_eq "$(sysctl -n net.core.rmem_max)" "$ADMIN" "rmem_max after -R"
log "own time: $(elapsed) s"
pass "administrator's rmem_max stops tcp_buffer and udp_buffer; stays $ADMIN"
