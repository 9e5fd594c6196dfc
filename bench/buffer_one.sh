#!/bin/bash
# One run of the buffer benchmark: ~20 ms RTT through the delay relay,
# rate-capped, tcp_rmem/tcp_wmem max 256 KiB on both ends, then a 20 s
# iperf3 transfer (A sends, B receives) with per-second throughput.
# usage: buffer_one.sh none|daemon|tuned OUTFILE
#   none    defaults untouched, no daemon
#   daemon  the daemon (tcp_buffer) running from the start
#   tuned   hand-tuned large buffers (32 MiB max), no daemon
. "$(dirname "$0")/lib.sh"
mode=$1
outfile=$2
SECS=${SECS:-20}
DELAY_MS=${DELAY_MS:-10}
RATE_MBIT=${RATE_MBIT:-1000}
require iperf3
delay_path "$DELAY_MS" "$RATE_MBIT"
small="4096 131072 262144"
big="4096 131072 33554432"
for ns in "$NS_A" "$NS_B"; do
	if [ "$mode" = tuned ]; then
		nsysctl_set "$ns" net.ipv4.tcp_rmem "$big"
		nsysctl_set "$ns" net.ipv4.tcp_wmem "$big"
	else
		nsysctl_set "$ns" net.ipv4.tcp_rmem "$small"
		nsysctl_set "$ns" net.ipv4.tcp_wmem "$small"
	fi
done
[ "$mode" = daemon ] && daemon_start -a tcp_buffer_tuner.so
iperf_server "$NS_A"
ip netns exec "$NS_B" iperf3 -c "$IP_A" -R -t "$SECS" -i 1 -J >"$T_TMP/iperf.json" ||
	fail "iperf3 failed"
python3 - "$T_TMP/iperf.json" "$mode" "$outfile" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
series = [i["sum"]["bits_per_second"] / 1e6 for i in d["intervals"]]
json.dump({"mode": sys.argv[2], "series_mbps": series,
           "mean_mbps": sum(series) / len(series)}, open(sys.argv[3], "w"))
print(sys.argv[2], "mean %.1f Mbit/s" % (sum(series) / len(series)))
PY
if [ "$mode" = daemon ]; then
	log "receiver tcp_rmem after: $(nsysctl "$NS_B" net.ipv4.tcp_rmem), sender tcp_wmem: $(nsysctl "$NS_A" net.ipv4.tcp_wmem)"
	daemon_stop
fi
