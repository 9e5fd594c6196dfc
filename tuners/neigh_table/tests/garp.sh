#!/bin/bash
# neigh_table: a gratuitous-ARP storm, 200 a second for one address and
# alternating between two link-layer addresses, rewrites a neighbour entry
# of the receiving namespace every 5 ms; after 3 such seconds the daemon
# sets net.ipv4.conf.all.drop_gratuitous_arp=1 in that namespace only, the
# entry holds still, and 5 s after the storm ends the setting goes back to
# 0.  A failover's 5 announcements before the storm change nothing.
. "$(dirname "$0")/../../../tests/lib.sh"
require ip python3
GARP="$TOP/tuners/neigh_table/tests/tools/garp.py"

two_namespaces
ADDR=${IP_A%.1}.7
lladdr() { ip -n "$NS_A" neigh show "$ADDR" dev eth0 | awk '{print $3}'; }
# gratuitous ARPs update entries that exist (arp_accept is 0)
ip -n "$NS_A" neigh add "$ADDR" lladdr 02:00:00:00:07:01 dev eth0 nud stale ||
	fail "cannot add the neighbour entry"

daemon_start -a neigh_table_tuner.so
# a failover: the address moves to another interface, announced 5 times
ip netns exec "$NS_B" python3 "$GARP" eth0 "$ADDR" 50 0.1 02:00:00:00:07:02 >/dev/null ||
	fail "cannot send gratuitous ARPs"
sleep 1.5
assert_eq "$(lladdr)" "02:00:00:00:07:02" "address after the failover's announcements"
assert_eq "$(nsysctl "$NS_A" net.ipv4.conf.all.drop_gratuitous_arp)" 0 \
	"drop_gratuitous_arp after a failover"
assert_no_log "gratuitous ARP storm"

start=$(date +%s%N)
ip netns exec "$NS_B" python3 "$GARP" eth0 "$ADDR" 200 8 \
	02:00:00:00:07:0a 02:00:00:00:07:0b >"$T_TMP/garps" &
sender=$!
T_PIDS+=("$sender")
wait_log "gratuitous ARP storm: net.ipv4.conf.all.drop_gratuitous_arp 0 -> 1 in netns" 8 ||
	fail "no storm seen within 8 s: $(grep neigh_table "$T_LOG" | tail -3)"
log "drop_gratuitous_arp on after $((($(date +%s%N) - start) / 1000000)) ms of storm"
assert_eq "$(nsysctl "$NS_A" net.ipv4.conf.all.drop_gratuitous_arp)" 1 \
	"drop_gratuitous_arp in the stormed namespace"
assert_eq "$(nsysctl "$NS_B" net.ipv4.conf.all.drop_gratuitous_arp)" 0 \
	"drop_gratuitous_arp in the sender's namespace"
assert_eq "$(sysctl -n net.ipv4.conf.all.drop_gratuitous_arp)" 0 \
	"drop_gratuitous_arp in the initial namespace"
# dropped now: the entry no longer flips, and the storm (seen as drops)
# keeps the setting on while it lasts
sleep 0.5
held=$(lladdr)
sleep 1.5
assert_eq "$(lladdr)" "$held" "neighbour address while gratuitous ARPs are dropped"
kill -0 "$sender" 2>/dev/null || fail "the storm ended too early for this check"
wait "$sender"
log "storm over: $(cat "$T_TMP/garps") gratuitous ARPs sent"
# the drops kept it on: without them it would have gone back 5 s after
# it was set, before the storm's 8 s were over
assert_no_log "gratuitous ARP storm over"
stop=$(date +%s%N)
wait_log "gratuitous ARP storm over: net.ipv4.conf.all.drop_gratuitous_arp 1 -> 0 in netns" 10 ||
	fail "drop_gratuitous_arp not restored within 10 s of the storm's end"
log "restored $((($(date +%s%N) - stop) / 1000000)) ms after the storm"
assert_eq "$(nsysctl "$NS_A" net.ipv4.conf.all.drop_gratuitous_arp)" 0 \
	"drop_gratuitous_arp after the storm"
assert_log "because [0-9]+ gratuitous ARPs rewrote neighbour addresses within one second \(ifindex [0-9]+\), and at least 50 did in each of 3 seconds in a row"
grep -E "neigh_table: gratuitous" "$T_LOG" | head -4
daemon_stop || fail "daemon exited with an error"
pass "gratuitous-ARP storm: drop_gratuitous_arp 1 in its namespace only while it lasted, 0 again after; a failover left alone"
