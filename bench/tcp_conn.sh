#!/bin/bash
# Benchmark of the tcp_conn tuner (not run by make test).
# usage: bench/tcp_conn.sh PATH [ROUNDS [OUTFILE.tsv]]
#   low-rtt    veth between two namespaces, no loss, RTT of microseconds
#   lossy-wan  delay relay 10 ms each way (RTT 20 ms) + 2 % loss at the
#              receiver's ingress
#   loss10     veth with 10 % loss at the receiver's ingress; the tuner
#              starts cold (no warm-up): heavy retransmission must get a
#              rate-based algorithm at once
#   mixed      one sender, two destinations at once: "low" over a lossless
#              veth and "wan" over the lossy-wan path; each round runs one
#              transfer to each, concurrently
# For the path: the tuner's warm-up, then ROUNDS (default 5) rounds of one
# transfer with each fixed congestion control and one with the tuner,
# interleaved.  Prints each transfer; with OUTFILE appends one line per
# transfer: path rep round setup dest mbit_s cc_used (tab-separated; rep
# from $REP, round "warm" for the tuner's warm-up).
. "$(dirname "$0")/../tests/lib.sh"

path=${1:-}
n=${2:-5}
outfile=${3:-}
rep=${REP:-1}
allow_all_cc() {
	save_sysctl net.ipv4.tcp_allowed_congestion_control
	sysctl -q -w net.ipv4.tcp_allowed_congestion_control="$(sysctl -n net.ipv4.tcp_available_congestion_control)"
}
case $path in
low-rtt)
	ms=200 warm=30
	BULK_CPU=0	# sender and receiver on one CPU: comparable runs
	two_namespaces
	DESTS=("-:$NS_A:$IP_A")
	;;
lossy-wan)
	ms=600 warm=15
	allow_all_cc
	delay_path 10
	log "ping RTT: min $(ping_rtt_ms "$NS_B" "$IP_A" 10 min) ms, avg $(ping_rtt_ms "$NS_B" "$IP_A" 10) ms"
	loss_start "$NS_A" "$NETEM_DEV" 2
	DESTS=("-:$NS_A:$IP_A")
	;;
loss10)
	ms=1000 warm=0
	two_namespaces
	loss_start "$NS_A" eth0 10
	DESTS=("-:$NS_A:$IP_A")
	;;
mixed)
	ms=600 warm=15
	allow_all_cc
	delay_path 10
	loss_start "$NS_A" "$NETEM_DEV" 2
	wan_ns=$NS_A wan_ip=$IP_A
	# the same sender (NS_B) also reaches a lossless veth neighbour
	netem_netns low_ns low
	low_ip=10.$((RANDOM % 200 + 20)).$((RANDOM % 250)).1
	veth_connect "$low_ns" "$NS_B" "$low_ip" "${low_ip%.1}.2"
	DESTS=("low:$low_ns:$low_ip" "wan:$wan_ns:$wan_ip")
	;;
*)
	echo "usage: $0 low-rtt|lossy-wan|loss10|mixed [ROUNDS [OUTFILE]]" >&2
	exit 2
	;;
esac
for d in "${DESTS[@]}"; do
	IFS=: read -r _ ns _ <<<"$d"
	bulk_server "$ns"
done

# record ROUND SETUP DEST OUTPUT: one line per connection of OUTPUT
record() {
	local round=$1 setup=$2 dest=$3 out=$4
	grep '^bulk: conn' <<<"$out" |
		awk -v p="$path" -v r="$rep" -v n="$round" -v s="$setup" -v d="$dest" \
			'{ printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p, r, n, s, d, $(NF-3), $NF }' |
		tee -a "${outfile:-/dev/null}"
}

# transfers ROUND SETUP COUNT: COUNT transfers with SETUP (an algorithm,
# or "tuner": from the daemon's cgroup) to every destination, the
# destinations concurrently
transfers() {
	local round=$1 setup=$2 count=$3 d label ip i=0 outs=() pids=()
	for d in "${DESTS[@]}"; do
		IFS=: read -r label _ ip <<<"$d"
		outs[i]=$T_TMP/xfer.$i
		if [ "$setup" = tuner ]; then
			bulk_run_cgroup "$NS_B" "$ip" -t "$ms" -n "$count" -l 1048576 >"${outs[i]}" &
		else
			bulk_run "$NS_B" "$ip" -t "$ms" -n "$count" -C "$setup" -l 1048576 >"${outs[i]}" &
		fi
		pids+=($!)
		i=$((i + 1))
	done
	# only these: a bare wait would also wait for the servers
	wait "${pids[@]}"
	i=0
	for d in "${DESTS[@]}"; do
		IFS=: read -r label _ _ <<<"$d"
		record "$round" "$setup" "$label" "$(cat "${outs[i]}")"
		i=$((i + 1))
	done
}

# warm-up first, then rounds of one transfer per fixed algorithm (outside
# the test cgroup: the tuner leaves those alone) and one with the tuner,
# so that whatever else loads the machine hits all of them alike
daemon_start -a tcp_conn_tuner.so
[ "$warm" -gt 0 ] && transfers warm tuner "$warm"
algs=$(sysctl -n net.ipv4.tcp_available_congestion_control)
for ((i = 1; i <= n; i++)); do
	for setup in $algs tuner; do
		transfers "$i" "$setup" 1
	done
done
daemon_stop
grep -E "tcp_conn: host .* in .*congestion control|summary: tcp_conn" "$T_LOG" | sed 's/^/  /'
exit 0
