#!/bin/bash
# One run of the buffer benchmark: DELAY_MS each way through the delay
# relay (RTT about 2 * DELAY_MS), rate-capped, tcp_rmem/tcp_wmem max
# 256 KiB on both ends, then an iperf3 transfer of SECS seconds (A sends,
# B receives) with per-second throughput.
# usage: buffer_one.sh none|daemon|before|tuned OUTFILE
#   none    defaults untouched, no daemon
#   daemon  the daemon (tcp_buffer) running from the start
#   before  the same with the daemon built in $BEFORE_BUILD (an older
#           tree, for before/after in one run)
#   tuned   hand-tuned large buffers (32 MiB max), no daemon
# RMEM_MAX sets the global net.core.rmem_max for the run (saved and
# restored): 212992 is the default of kernels before 6.18.
. "$(dirname "$0")/lib.sh"
mode=$1
outfile=$2
SECS=${SECS:-20}
DELAY_MS=${DELAY_MS:-10}
RATE_MBIT=${RATE_MBIT:-1000}
require iperf3
if [ -n "${RMEM_MAX:-}" ]; then
	save_sysctl net.core.rmem_max
	sysctl -q -w net.core.rmem_max="$RMEM_MAX" || fail "cannot set rmem_max"
fi
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
case $mode in
daemon) daemon_start -a tcp_buffer_tuner.so ${DAEMON_ARGS:-} ;;
before)
	[ -x "${BEFORE_BUILD:-}/bpftune" ] || fail "BEFORE_BUILD has no bpftune"
	BPFTUNE=$BEFORE_BUILD/bpftune TUNERDIR=$BEFORE_BUILD/tuners \
		daemon_start -a tcp_buffer_tuner.so
	;;
esac
iperf_server "$NS_A"
ip netns exec "$NS_B" iperf3 -c "$IP_A" -R -t "$SECS" -i 1 -J >"$T_TMP/iperf.json" ||
	fail "iperf3 failed"
python3 - "$T_TMP/iperf.json" "$mode" "$outfile" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
series = [i["sum"]["bits_per_second"] / 1e6 for i in d["intervals"]]
json.dump({"mode": sys.argv[2], "series_mbps": series,
           "mean_mbps": sum(series) / len(series)}, open(sys.argv[3], "w"))
print(sys.argv[2], "mean %.1f Mbit/s," % (sum(series) / len(series)),
      "per second", " ".join("%.0f" % v for v in series))
PY
if [ "$mode" = daemon ] || [ "$mode" = before ]; then
	log "receiver tcp_rmem after: $(nsysctl "$NS_B" net.ipv4.tcp_rmem), sender tcp_wmem: $(nsysctl "$NS_A" net.ipv4.tcp_wmem), rmem_max $(sysctl -n net.core.rmem_max)"
	grep -E "tcp_buffer: .*(nearly full|latency|window scale|running flows)" "$T_LOG" |
		cut -c1-220 | head -${SHOW_LOG:-0}
	daemon_stop
fi
