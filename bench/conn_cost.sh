#!/bin/bash
# Which tuner costs short connections what: connections/s (connburst, one
# connection at a time, 1000 bytes each) without the daemon, with all
# tuners, and with each tuner alone (-a NAME_tuner.so), interleaved in
# rounds whose order rotates, REPS rounds.  Prints a table (median, min,
# max, ratio of medians to "off") and writes parts/conn_cost.json.
# Each sample is CONNS connections (default 20000, ~1 s): the overhead
# part's 3000 (0.15 s) is too short to tell a few per cent from noise.
# PRIME=SECS first runs a bulk iperf3 of that length to the same host in
# every arm (as the overhead part does before its short connections):
# tcp_conn then has a choice for the host that each connection gets.
#   REPS=5 CONNS=20000 TUNERS="tcp_conn tcp_buffer" bench/conn_cost.sh
. "$(dirname "$0")/lib.sh"
REPS=${REPS:-5}
CONNS=${CONNS:-20000}
[ -x "$BUILD/bench/connburst" ] || fail "missing $BUILD/bench/connburst (make bench builds it)"
if [ -z "${TUNERS:-}" ]; then
	TUNERS=$(cd "$TUNERDIR" && ls ./*_tuner.so | sed 's|^\./||; s|_tuner\.so$||' | tr '\n' ' ')
fi
two_namespaces
# many short connections from one address: let TIME_WAIT ports be reused,
# and give the client the whole port range.  With the default range
# (28k ports) the connections of one run fill it with TIME_WAIT sockets,
# and connect()'s search for a free port came to about a third of a
# connection's cost here (15k connections/s instead of 24k): a bench of
# the port search, which hid the daemon's own cost in a larger whole.
nsysctl_set "$NS_B" net.ipv4.tcp_tw_reuse 1
nsysctl_set "$NS_B" net.ipv4.ip_local_port_range "1024 65535"
cgroup_create
PRIME=${PRIME:-0}
[ "$PRIME" = 0 ] || iperf_server "$NS_A"
ip netns exec "$NS_A" "$BUILD/bench/connburst" server 6001 &
T_PIDS+=($!)
wait_port "$NS_A" tcp 6001 || fail "connburst server did not listen"
out=$T_TMP/conn_cost.txt
: >"$out"

sample() {
	in_cgroup ip netns exec "$NS_B" "$BUILD/bench/connburst" client "$IP_A" 6001 "$CONNS" 1000 |
		awk '{print $8}'
}
one() { # one ARM: off, all or a tuner's name
	local arm=$1 rate
	case $arm in
	off) ;;
	all) daemon_start ;;
	*) daemon_start -a "${arm}_tuner.so" ;;
	esac
	[ "$PRIME" = 0 ] ||
		in_cgroup ip netns exec "$NS_B" iperf3 -c "$IP_A" -t "$PRIME" >/dev/null ||
		fail "priming transfer failed"
	rate=$(sample)
	daemon_stop
	echo "$arm $rate" >>"$out"
	log "$arm: $rate conn/s"
}

read -ra arms <<<"off all $TUNERS"
n=${#arms[@]}
for ((r = 0; r < REPS; r++)); do
	for ((i = 0; i < n; i++)); do
		one "${arms[$(((i * (r % 2 ? -1 : 1) + r + n) % n))]}"
	done
done

python3 - "$out" "$PARTS/conn_cost.json" "$CONNS" "$(uname -r)" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    arm, rate = line.split()
    runs.setdefault(arm, []).append(float(rate))
off = statistics.median(runs["off"])
res = {"kernel": sys.argv[4], "conns_per_sample": int(sys.argv[3]), "arms": {}}
print("%-12s %10s %10s %10s %7s" % ("arm", "median/s", "min", "max", "ratio"))
for arm, v in sorted(runs.items(), key=lambda kv: -statistics.median(kv[1])):
    m = statistics.median(v)
    res["arms"][arm] = {"median": m, "runs": v, "ratio": m / off}
    print("%-12s %10.0f %10.0f %10.0f %7.3f" % (arm, m, min(v), max(v), m / off))
json.dump(res, open(sys.argv[2], "w"), indent=1)
PY
