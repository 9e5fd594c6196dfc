#!/bin/bash
# Overhead: iperf3 at full speed over a plain veth, and many short
# connections, with and without the daemon (all tuners), interleaved
# A/B/B/A/A/B so drift hits both sides alike.  Reports throughput and
# connection-rate ratios, BPF run time per event (kernel.bpf_stats_enabled
# on during daemon runs, restored after), daemon CPU and peak RSS.
. "$(dirname "$0")/lib.sh"
require iperf3 bpftool
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
CONNS=${CONNS:-3000}
save_sysctl kernel.bpf_stats_enabled
two_namespaces
# many short connections from one address: let TIME_WAIT ports be reused
nsysctl_set "$NS_B" net.ipv4.tcp_tw_reuse 1
cgroup_create
iperf_server "$NS_A"
ip netns exec "$NS_A" "$BUILD/bench/connburst" server 6001 &
T_PIDS+=($!)
sleep 0.3
out=$T_TMP/overhead.txt
: >"$out"

one_run() { # one_run on|off
	local mode=$1 gbps conns pid t0 t1 start end
	if [ "$mode" = on ]; then
		daemon_start
		pid=$T_DAEMON
		sysctl -q -w kernel.bpf_stats_enabled=1
		prog_stats "$pid" >"$T_TMP/stats0"
		t0=$(daemon_cpu_ns "$pid")
	fi
	start=$(date +%s.%N)
	gbps=$(in_cgroup ip netns exec "$NS_B" iperf3 -c "$IP_A" -t "$SECS" -J |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9)')
	conns=$(in_cgroup ip netns exec "$NS_B" "$BUILD/bench/connburst" client "$IP_A" 6001 "$CONNS" 1000 |
		awk '{print $8}')
	end=$(date +%s.%N)
	if [ "$mode" = on ]; then
		t1=$(daemon_cpu_ns "$pid")
		prog_stats "$pid" >"$T_TMP/stats1"
		sysctl -q -w kernel.bpf_stats_enabled=0
		echo "cpu $mode $((t1 - t0)) $(echo "$end - $start" | bc) $(daemon_hwm_kb "$pid")" >>"$out"
		join <(sort "$T_TMP/stats0") <(sort "$T_TMP/stats1") |
			awk '{print "prog", $1, $4 - $2, $5 - $3}' >>"$out"
		daemon_stop
	fi
	echo "run $mode $gbps $conns" >>"$out"
	log "$mode: $gbps Gbit/s, $conns conn/s"
}

for ((r = 0; r < ROUNDS; r++)); do
	if ((r % 2 == 0)); then one_run off; one_run on; else one_run on; one_run off; fi
done
python3 - "$out" "$PARTS/overhead.json" <<'PY'
import json, statistics, sys
runs = {"on": [], "off": []}
progs, cpu = {}, []
for line in open(sys.argv[1]):
    f = line.split()
    if f[0] == "run":
        runs[f[1]].append((float(f[2]), float(f[3])))
    elif f[0] == "prog":
        name = f[1].split("#")[0]
        c, t = progs.get(name, (0, 0))
        progs[name] = (c + int(f[2]), t + int(f[3]))
    elif f[0] == "cpu":
        cpu.append((int(f[2]) / 1e9, float(f[3]), int(f[4])))
def med(v): return statistics.median(v)
def spread(v): return [min(v), max(v)]
on_g = [r[0] for r in runs["on"]]; off_g = [r[0] for r in runs["off"]]
on_c = [r[1] for r in runs["on"]]; off_c = [r[1] for r in runs["off"]]
res = {
    "throughput_gbps": {"daemon": med(on_g), "no_daemon": med(off_g),
                        "daemon_runs": on_g, "no_daemon_runs": off_g},
    "throughput_ratio": med(on_g) / med(off_g),
    "conn_rate": {"daemon": med(on_c), "no_daemon": med(off_c),
                  "daemon_runs": on_c, "no_daemon_runs": off_c},
    "conn_rate_ratio": med(on_c) / med(off_c),
    "daemon_cpu_percent_of_a_core": med([c[0] / c[1] * 100 for c in cpu]),
    "daemon_peak_rss_kb": max(c[2] for c in cpu),
    "bpf_programs": {n: {"events": c, "ns_per_event": (t / c if c else 0)}
                     for n, (c, t) in sorted(progs.items())},
}
json.dump(res, open(sys.argv[2], "w"), indent=2)
print(json.dumps(res, indent=2))
PY
