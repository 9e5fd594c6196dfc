#!/bin/bash
# Benchmark of the tcp_conn tuner (not run by make test).
# usage: bench/tcp_conn.sh low-rtt|lossy-wan [TRANSFERS [OUTFILE.json]]
#   low-rtt    veth between two namespaces, no loss, RTT of microseconds
#   lossy-wan  delay relay 10 ms each way (RTT 20 ms) + 2 % loss at the
#              receiver's ingress
# For the path: the tuner's warm-up, then TRANSFERS (default 5) rounds of
# one transfer with each fixed congestion control and one with the tuner;
# prints the means side by side and the connections the tuner needed.
. "$(dirname "$0")/../tests/lib.sh"

path=${1:-}
n=${2:-5}
outfile=${3:-}
case $path in
low-rtt)
	ms=200 warm=30
	BULK_CPU=0	# sender and receiver on one CPU: comparable runs
	two_namespaces
	;;
lossy-wan)
	ms=600 warm=15
	save_sysctl net.ipv4.tcp_allowed_congestion_control
	sysctl -q -w net.ipv4.tcp_allowed_congestion_control="$(sysctl -n net.ipv4.tcp_available_congestion_control)"
	delay_path 10
	log "ping RTT: min $(ping_rtt_ms "$NS_B" "$IP_A" 10 min) ms, avg $(ping_rtt_ms "$NS_B" "$IP_A" 10) ms"
	loss_start "$NS_A" "$NETEM_DEV" 2
	;;
*)
	echo "usage: $0 low-rtt|lossy-wan [TRANSFERS]" >&2
	exit 2
	;;
esac
bulk_server "$NS_A"

# warm-up first, then rounds of one transfer per fixed algorithm (outside
# the test cgroup: the tuner leaves those alone) and one with the tuner,
# so that whatever else loads the machine hits all of them alike
daemon_start -a tcp_conn_tuner.so
out=$(bulk_run_cgroup "$NS_B" "$IP_A" -t "$ms" -n "$warm" -l 1048576)
log "warm-up ($warm transfers): $(bulk_ccs "$out" | tr '\n' ' ')"
algs=$(sysctl -n net.ipv4.tcp_available_congestion_control)
declare -A sum runs
tuned_ccs=
for ((i = 0; i < n; i++)); do
	for cc in $algs tuner; do
		if [ "$cc" = tuner ]; then
			out=$(bulk_run_cgroup "$NS_B" "$IP_A" -t "$ms" -l 1048576)
			tuned_ccs="$tuned_ccs $(bulk_ccs "$out")"
		else
			out=$(bulk_run "$NS_B" "$IP_A" -t "$ms" -C "$cc" -l 1048576)
		fi
		sum[$cc]=$(awk -v a="${sum[$cc]:-0}" -v b="$(bulk_mean "$out")" 'BEGIN { print a + b }')
		runs[$cc]="${runs[$cc]:-} $(bulk_mean "$out")"
	done
done
daemon_stop
grep -E "tcp_conn: host $IP_A in" "$T_LOG" | sed 's/^/  /'
first=$(grep -E "tcp_conn: host $IP_A in .*congestion control" "$T_LOG" | head -1 |
	sed -nE 's/.* after ([0-9]+) measured connections.*/\1/p')
last=$(grep -E "tcp_conn: host $IP_A in .*congestion control" "$T_LOG" | tail -1 |
	sed -nE 's/.* after ([0-9]+) measured connections.*/\1/p')
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END {
	print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '\n%s, %s transfers of %s ms each, interleaved (Mbit/s):\n' "$path" "$n" "$ms"
printf '  %-8s %10s %10s   %s\n' "" mean median transfers
for cc in $algs tuner; do
	printf '  %-8s %10.1f %10.1f   (%s )\n' "$cc" \
		"$(awk -v s="${sum[$cc]}" -v n="$n" 'BEGIN { print s / n }')" \
		"$(median <<<"${runs[$cc]}")" "${runs[$cc]}"
done
printf '  tuner used:%s\n' "$tuned_ccs"
printf '  first choice after %s measured connections, last change after %s\n' "$first" "$last"
[ -n "$outfile" ] || exit 0
{
	printf '{"path": "%s", "transfers": %s, "ms": %s, "mean_mbps": {' "$path" "$n" "$ms"
	sep=
	for cc in $algs tuner; do
		printf '%s"%s": %s' "$sep" "$cc" "$(awk -v s="${sum[$cc]}" -v n="$n" 'BEGIN { print s / n }')"
		sep=", "
	done
	printf '}, "median_mbps": {'
	sep=
	for cc in $algs tuner; do
		printf '%s"%s": %s' "$sep" "$cc" "$(median <<<"${runs[$cc]}")"
		sep=", "
	done
	printf '}, "tuner_used": "%s", "first_choice_after": %s, "last_change_after": %s}\n' \
		"${tuned_ccs# }" "${first:-null}" "${last:-null}"
} >"$outfile"
