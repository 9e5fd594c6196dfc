#!/bin/bash
# ip_frag: when no datagram can complete (the last fragment of each is
# dropped), a higher ipfrag_high_thresh only holds more fragments that
# time out; reassembly failures rise with it.  The daemon first raises the
# threshold, then must notice the correlation, step back, and stop.
. "$(dirname "$0")/../../../tests/lib.sh"
log "start (test lock held)"
require ping

two_namespaces
nsysctl_set "$NS_B" net.ipv4.ipfrag_low_thresh 4096
nsysctl_set "$NS_B" net.ipv4.ipfrag_high_thresh 8192
nsysctl_set "$NS_B" net.ipv4.ipfrag_time 1
frag_drop_last_attach "$NS_B" eth0

daemon_start -a ip_frag_tuner.so
# 100 datagrams/s of 6 fragments, none complete; stop at the back-off
ip netns exec "$NS_A" ping -q -s 8192 -i 0.01 -w 12 "$IP_B" >/dev/null &
pinger=$!
T_PIDS+=($pinger)
wait_log "reassembly failures rise with the limit: net.ipv4.ipfrag_high_thresh [0-9]+ -> [0-9]+ in netns [0-9]+" 12 ||
	fail "no back-off logged"
kill "$pinger" 2>/dev/null
log "ReasmFails in B: $(ip_snmp "$NS_B" ReasmFails), ReasmTimeout: $(ip_snmp "$NS_B" ReasmTimeout)"
daemon_stop || fail "daemon exited with an error"
grep -E "ip_frag" "$T_LOG"

# it grew first, then stepped back once, and never grew again after that
line=$(grep -E "reassembly failures rise with the limit" "$T_LOG" | head -1)
peak=$(echo "$line" | sed -E 's/.*ipfrag_high_thresh ([0-9]+) -> ([0-9]+) .*/\1/')
backed=$(echo "$line" | sed -E 's/.*ipfrag_high_thresh ([0-9]+) -> ([0-9]+) .*/\2/')
final=$(nsysctl "$NS_B" net.ipv4.ipfrag_high_thresh)
log "ipfrag_high_thresh 8192 -> $peak, backed off to $backed, final $final"
assert_gt "$peak" 8192 "threshold before the back-off"
assert_gt "$peak" "$backed" "back-off step"
[ "$backed" -ge 8192 ] || fail "backed off below the original value: $backed"
assert_eq "$final" "$backed" "threshold after the back-off (no growth after it)"
assert_log "r=0\.[0-9]+ over [0-9]+s\); not raising it again there"
pass "ipfrag_high_thresh 8192 -> $peak, back to $backed when failures rose with it"
