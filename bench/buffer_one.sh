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
# RMEM_MAX sets the global net.core.rmem_max for the run (restored after):
# 212992 is the default of kernels before 6.18.
# Sourced with BUFFER_ONE_LIB=1 it only defines buffer_run, so that
# bench/buffer.sh runs every alternative under one hold of the test lock.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require iperf3
save_sysctl net.core.rmem_max
BUFFER_RMEM_MAX0=$(sysctl -n net.core.rmem_max)

# buffer_run MODE OUTFILE: one run; everything it made is removed after
buffer_run() {
	local mode=$1 outfile=$2 ns small="4096 131072 262144"
	local big="4096 131072 33554432" secs=${SECS:-20}
	sysctl -q -w net.core.rmem_max="${RMEM_MAX:-$BUFFER_RMEM_MAX0}" ||
		fail "cannot set rmem_max"
	delay_path "${DELAY_MS:-10}" "${RATE_MBIT:-1000}"
	for ns in "$NS_A" "$NS_B"; do
		if [ "$mode" = tuned ]; then
			nsysctl_set "$ns" net.ipv4.tcp_rmem "$big"
			nsysctl_set "$ns" net.ipv4.tcp_wmem "$big"
		else
			nsysctl_set "$ns" net.ipv4.tcp_rmem "$small"
			nsysctl_set "$ns" net.ipv4.tcp_wmem "$small"
		fi
	done
	# shellcheck disable=SC2086 # DAEMON_ARGS is a list of words
	case $mode in
	daemon) daemon_start -a tcp_buffer_tuner.so ${DAEMON_ARGS:-} ;;
	before)
		[ -x "${BEFORE_BUILD:-}/bpftune" ] || fail "BEFORE_BUILD has no bpftune"
		BPFTUNE=$BEFORE_BUILD/bpftune TUNERDIR=$BEFORE_BUILD/tuners \
			daemon_start -a tcp_buffer_tuner.so
		;;
	esac
	iperf_server "$NS_A"
	local server=${T_PIDS[-1]}
	ip netns exec "$NS_B" iperf3 -c "$IP_A" -R -t "$secs" -i 1 -J \
		>"$T_TMP/iperf.json" || fail "iperf3 failed"
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
			cut -c1-220 | head -"${SHOW_LOG:-0}"
		daemon_stop
		cp "$T_LOG" "${outfile%.json}.log"
	fi
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	netem_stop "$DELAY_PID"
	ip netns del "$NS_A"
	ip netns del "$NS_B"
	sysctl -q -w net.core.rmem_max="$BUFFER_RMEM_MAX0"
}

[ -n "${BUFFER_ONE_LIB:-}" ] || buffer_run "$1" "$2"
