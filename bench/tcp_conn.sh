#!/bin/bash
# Benchmark of the tcp_conn tuner (not run by make test).
# usage: bench/tcp_conn.sh low-rtt|lossy-wan [TRANSFERS]
#   low-rtt    veth between two namespaces, no loss, RTT of microseconds
#   lossy-wan  delay relay 10 ms each way (RTT 20 ms) + 2 % loss at the
#              receiver's ingress
# For the path: throughput of each fixed congestion control (no daemon),
# then the tuner: warm-up until it has chosen, then TRANSFERS (default 5)
# transfers; prints the means side by side and the connections it needed.
. "$(dirname "$0")/../tests/lib.sh"

path=${1:-}
n=${2:-5}
case $path in
low-rtt)
	ms=200 warm=30
	two_namespaces
	T_NETNS+=("$NS_A" "$NS_B") # two_namespaces runs netns_create in a subshell
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

declare -A mean
for cc in $(sysctl -n net.ipv4.tcp_available_congestion_control); do
	out=$(bulk_run "$NS_B" "$IP_A" -t "$ms" -n "$n" -C "$cc")
	mean[$cc]=$(bulk_mean "$out")
	log "fixed $cc: ${mean[$cc]} Mbit/s ($(grep '^bulk: conn' <<<"$out" | awk '{printf "%s ", $(NF-3)}'))"
done

daemon_start -a tcp_conn_tuner.so
out=$(in_cgroup ip netns exec "$NS_B" "$TOOLDIR/bulk" -c "$IP_A" -t "$ms" -n "$warm")
log "warm-up ($warm transfers): $(bulk_ccs "$out" | tr '\n' ' ')"
out=$(in_cgroup ip netns exec "$NS_B" "$TOOLDIR/bulk" -c "$IP_A" -t "$ms" -n "$n")
tuned=$(bulk_mean "$out")
log "tuner after warm-up: $tuned Mbit/s on $(bulk_ccs "$out" | tr '\n' ' ')"
daemon_stop
grep -E "tcp_conn: host $IP_A in" "$T_LOG" | sed 's/^/  /'
first=$(grep -E "tcp_conn: host $IP_A in .*congestion control" "$T_LOG" | head -1 |
	sed -nE 's/.* after ([0-9]+) measured connections.*/\1/p')
last=$(grep -E "tcp_conn: host $IP_A in .*congestion control" "$T_LOG" | tail -1 |
	sed -nE 's/.* after ([0-9]+) measured connections.*/\1/p')
printf '\n%s, mean of %s transfers of %s ms each (Mbit/s):\n' "$path" "$n" "$ms"
for cc in "${!mean[@]}"; do
	printf '  %-8s %10s\n' "$cc" "${mean[$cc]}"
done
printf '  %-8s %10s  (first choice after %s measured connections, last change after %s)\n' \
	tuner "$tuned" "$first" "$last"
