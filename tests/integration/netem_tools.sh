#!/bin/bash
# The loss, delay and bulk test tools (tests/tools): bad input gets one
# clear error line; the delay relay gives RTT ~ 2*D and carries several
# hundred Mbit/s; its rate limit holds; the loss tool drops about the
# requested share and removes its qdisc and filter when stopped.
. "$(dirname "$0")/../lib.sh"
require ping

for bad in "loss eth0 101" "loss eth0 x" "loss eth0" "delay -a x -b y -d -1" \
	"delay -a x -b y" "delay -a x -b y -d 5 -r 0" "bulk -t 5" "bulk -c 1.2.3.4 -n 0"; do
	set -- $bad
	err=$("$TOOLDIR/$1" "${@:2}" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 2 ] || fail "'$bad' exited $rc, expected 2 (usage error)"
	[ -n "$err" ] || fail "'$bad' printed no error"
done
"$TOOLDIR/loss" -h | grep -q "usage: loss" || fail "loss -h"
"$TOOLDIR/delay" -h | grep -q "usage: delay" || fail "delay -h"
"$TOOLDIR/bulk" -h | grep -q "usage: bulk" || fail "bulk -h"
err=$("$TOOLDIR/loss" nosuchdev0 1 2>&1)
[ $? -eq 1 ] && [[ $err == *"no device 'nosuchdev0'"* ]] || fail "loss on a missing device: '$err'"

# delay: RTT and throughput
delay_path 10
rtt=$(ping_rtt_ms "$NS_B" "$IP_A" 10 min)
log "delay -d 10: ping RTT min $rtt ms (avg $(ping_rtt_ms "$NS_B" "$IP_A" 10) ms)"
awk -v r="$rtt" 'BEGIN { exit !(r >= 20 && r <= 22) }' || fail "RTT '$rtt' ms, expected ~20"
bulk_server "$NS_A"
out=$(bulk_run "$NS_B" "$IP_A" -t 1500 -C bbr)
mbit=$(bulk_mean "$out")
log "through the relay: $mbit Mbit/s"
awk -v m="$mbit" 'BEGIN { exit !(m >= 300) }' || fail "relay carried only $mbit Mbit/s"

# loss: about the requested share, and gone after stop. 1000 packets keep
# a fair coin inside 6-14 % with odds of 1 in 30,000 against (with 300 the
# odds were 1 in 50, and CI once saw 15.6 %).  -l 50: ping waits for
# replies (20 ms) unless that many may be in flight.
loss_start "$NS_A" "$NETEM_DEV" 10
ip netns exec "$NS_B" ping -q -n -c 1000 -i 0.002 -l 50 -W 1 "$IP_A" >/dev/null
tc -n "$NS_A" filter show dev "$NETEM_DEV" ingress | grep -q bpf || fail "no loss filter while running"
report=$(loss_stop)
log "$report"
pct=$(sed -nE 's/.*dropped \(([0-9.]+)%\).*/\1/p' <<<"$report")
awk -v p="$pct" 'BEGIN { exit !(p >= 6 && p <= 14) }' || fail "dropped '$pct' %, expected ~10"
tc -n "$NS_A" qdisc show dev "$NETEM_DEV" | grep -q clsact && fail "clsact qdisc left behind"
netem_stop "$DELAY_PID"

# delay with a rate limit
delay_path 1 50
bulk_server "$NS_A"
mbit=$(bulk_mean "$(bulk_run "$NS_B" "$IP_A" -t 1000 -C cubic)")
log "delay -r 50: $mbit Mbit/s"
awk -v m="$mbit" 'BEGIN { exit !(m >= 35 && m <= 52) }' || fail "rate limit 50 gave $mbit Mbit/s"
pass "loss, delay and bulk tools"
