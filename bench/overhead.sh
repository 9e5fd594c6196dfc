#!/bin/bash
# Overhead of the daemon (all tuners, default options) on four loads, each
# run with and without it in interleaved A/B pairs (order alternating) so
# drift hits both sides alike:
#   bulk   iperf3 at full speed over a plain veth (Gbit/s), twice:
#          "pinned": iperf3 -C sets the namespace's default algorithm
#          itself, so tcp_conn leaves the flow alone (it never overrides an
#          application's choice) and both arms run the same algorithm: the
#          cost of every hook the flow passes, without tcp_conn's effect
#          (nor its per-connection work, which such a flow does not get);
#          "tuned": tcp_conn free to choose (on veth it moves the flow off
#          a bbr default to cubic, ~2x faster): effect plus cost
#   conns  many short connections (connections/s), CONN_SAMPLES samples
#          per run: one sample's spread here is about 2 %, so a 1 % goal
#          needs more than five per arm
#   rr     1 KiB request/response on one persistent connection
#          (transactions/s, p50 and p99 latency), twice: across the two
#          CPUs, where a wake-up on the other CPU goes through the
#          hypervisor and p99 swings 2x between runs; and "rr1" with both
#          ends on one CPU, where a transaction is CPU work only and the
#          daemon's cost per transaction shows
#   fork   many short processes, fork + exec + exit (processes/s), with the
#          daemon's own CPU time during that load
# plus the daemon's start-up time (exec until the first tuner, and all
# tuners, started; polled) and peak RSS.  kernel.bpf_stats_enabled stays
# off during the pairs (it adds two clock reads to every program run);
# one extra pass with it on measures each program's events/s and ns/event
# per load.  It is restored afterwards.
# Ratios: daemon / no daemon of the medians over all runs, and the
# median (min-max) of the per-round ratios, each round's arms run back
# to back (drift between rounds cancels out of those).
#
# BASE_BUILD=<dir of another build> adds a third arm "base" (e.g. main
# built elsewhere), interleaved with the others, for before/after in one run.
# The arm "sockops" (SOCKOPS_ARM=0 leaves it out) runs no daemon, only an
# empty sockops program (bench/tools/empty_sockops.bpf.c) on the clients'
# cgroup: the kernel's price for any sockops program, which tcp_conn and
# tcp_buffer pay before their programs do anything.
. "$(dirname "$0")/lib.sh"
require iperf3 bpftool
PAIRS=${PAIRS:-5}
SECS=${SECS:-4}
# 20000 connections take ~1.5 s here; 3000 (0.2 s) read 0.83x with the
# daemon in the quiet run of 2026-12-03 14:36, where 20000 read 1.00x
# within the same hour (its spread hid behind the short samples)
CONNS=${CONNS:-20000}
CONN_SAMPLES=${CONN_SAMPLES:-3}
RR_SECS=${RR_SECS:-3}
RR_SIZE=${RR_SIZE:-1024}
FORKS=${FORKS:-5000}
FORK_PROG=${FORK_PROG:-/bin/true}
BASE_BUILD=${BASE_BUILD:-}
SOCKOPS_ARM=${SOCKOPS_ARM:-1}
EMPTY_SOCKOPS=$BUILD/bench/empty_sockops.bpf.o
for t in connburst forkexec; do
	[ -x "$BUILD/bench/$t" ] || fail "missing $BUILD/bench/$t (make bench builds it)"
done
[ -z "$BASE_BUILD" ] || [ -x "$BASE_BUILD/bpftune" ] || fail "no $BASE_BUILD/bpftune"
[ "$SOCKOPS_ARM" = 0 ] || [ -f "$EMPTY_SOCKOPS" ] ||
	fail "missing $EMPTY_SOCKOPS (make bench builds it)"
save_sysctl kernel.bpf_stats_enabled
sysctl -q -w kernel.bpf_stats_enabled=0
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
iperf_server "$NS_A"
ip netns exec "$NS_A" "$BUILD/bench/connburst" server 6001 &
T_PIDS+=($!)
ip netns exec "$NS_A" "$BUILD/bench/connburst" rr-server 6002 &
T_PIDS+=($!)
# the one-CPU request/response pair: both ends on the last CPU
RR_CPU=$(($(nproc) - 1))
ip netns exec "$NS_A" taskset -c "$RR_CPU" "$BUILD/bench/connburst" rr-server 6003 &
T_PIDS+=($!)
sleep 0.3
out=$T_TMP/overhead.txt
: >"$out"

# --- the loads; each prints its figures on one line ---
# load_bulk [IPERF3 ARGS]
load_bulk() {
	in_cgroup ip netns exec "$NS_B" iperf3 -c "$IP_A" -t "$SECS" -J "$@" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9)'
}
PIN_CC=$(ip netns exec "$NS_B" sysctl -n net.ipv4.tcp_congestion_control)
load_pinned() { load_bulk -C "$PIN_CC"; }
load_conns() {
	in_cgroup ip netns exec "$NS_B" "$BUILD/bench/connburst" client "$IP_A" 6001 "$CONNS" 1000 |
		awk '{print $8}'
}
# CONN_SAMPLES samples of load_conns, on one line
conn_samples() {
	local i v all=
	for ((i = 0; i < CONN_SAMPLES; i++)); do
		v=$(load_conns)
		all="$all${all:+ }$v"
	done
	echo "$all"
}
# transactions/s, p50 us, p99 us
load_rr() {
	in_cgroup ip netns exec "$NS_B" "$BUILD/bench/connburst" rr-client "$IP_A" 6002 "$RR_SECS" "$RR_SIZE" |
		awk '{print $6, $8, $10}'
}
load_rr1() {
	in_cgroup ip netns exec "$NS_B" taskset -c "$RR_CPU" "$BUILD/bench/connburst" rr-client "$IP_A" 6003 "$RR_SECS" "$RR_SIZE" |
		awk '{print $6, $8, $10}'
}
load_fork() {
	in_cgroup "$BUILD/bench/forkexec" "$FORKS" "$FORK_PROG" | awk '{print $8}'
}

now_ns() { local t=${EPOCHREALTIME/./}; echo "${t}000"; }

# startup_poll T0_NS OUT: waits for the daemon's first "tuner X started"
# and its "tuner(s) running" lines; writes "first_ms all_ms" to OUT
startup_poll() {
	local t0=$1 first=0 all=0 s i
	for ((i = 0; i < 6000; i++)); do
		s=
		[ -f "$T_LOG" ] && read -r -d '' s <"$T_LOG"
		if [ "$first" = 0 ] && [[ $s == *"tuner "*" started"* ]]; then
			first=$((($(now_ns) - t0) / 1000))
		fi
		if [[ $s == *"tuner(s) running"* ]]; then
			all=$((($(now_ns) - t0) / 1000))
			[ "$first" = 0 ] && first=$all
			break
		fi
		sleep 0.003
	done
	echo "$((first / 1000)).$(printf %03d $((first % 1000))) $((all / 1000)).$(printf %03d $((all % 1000)))" >"$2"
}

# arm_start ARM: the daemon of that arm (on: this build; base: BASE_BUILD)
arm_start() {
	local dir=$BUILD t0 poller
	[ "$1" = base ] && dir=$BASE_BUILD
	rm -f "$T_LOG"
	t0=$(now_ns)
	startup_poll "$t0" "$T_TMP/startup" &
	poller=$!
	BPFTUNE=$dir/bpftune TUNERDIR=$dir/tuners daemon_start
	wait "$poller"
}

# the empty sockops program, loaded once and pinned (removed at exit);
# attached to the cgroup only during the "sockops" arm's runs
SOCKOPS_PIN=/sys/fs/bpf/bpftune-bench-$T_ID-sockops
sockops_load() {
	bpftool prog load "$EMPTY_SOCKOPS" "$SOCKOPS_PIN" type sockops ||
		fail "cannot load $EMPTY_SOCKOPS"
	on_exit "rm -f $SOCKOPS_PIN"
}
sockops_attach() {
	bpftool cgroup attach "$T_CGROUP" sock_ops pinned "$SOCKOPS_PIN" multi ||
		fail "cannot attach the empty sockops program to $T_CGROUP"
}
sockops_detach() { bpftool cgroup detach "$T_CGROUP" sock_ops pinned "$SOCKOPS_PIN"; }

has_daemon() { [ "$1" = on ] || [ "$1" = base ]; }

one_run() { # one_run off|on|base|sockops
	local arm=$1 gbps pinned conns rr rr1 forks pid c0 c1 f0 f1 t0 t1 start
	[ "$arm" = sockops ] && sockops_attach
	if has_daemon "$arm"; then
		arm_start "$arm"
		pid=$T_DAEMON
		c0=$(daemon_cpu_ns "$pid")
		start=$(now_ns)
	fi
	pinned=$(load_pinned)
	gbps=$(load_bulk)
	conns=$(conn_samples)
	rr=$(load_rr)
	rr1=$(load_rr1)
	has_daemon "$arm" && f0=$(daemon_cpu_ns "$pid")
	t0=$(now_ns)
	forks=$(load_fork)
	t1=$(now_ns)
	[ "$arm" = sockops ] && sockops_detach
	if has_daemon "$arm"; then
		f1=$(daemon_cpu_ns "$pid")
		c1=$(daemon_cpu_ns "$pid")
		echo "cpu $arm $((f1 - f0)) $((t1 - t0)) $((c1 - c0)) $((t1 - start)) $(daemon_hwm_kb "$pid") $(cat "$T_TMP/startup")" >>"$out"
		daemon_stop
	fi
	# the run's median sample stands for it where one figure is needed
	echo "run $arm $gbps $(echo "$conns" | tr ' ' '\n' | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}') $rr $forks $pinned $rr1" >>"$out"
	echo "conns $arm $conns" >>"$out"
	log "$arm: pinned $pinned, tuned $gbps Gbit/s, $conns conn/s, rr (tps p50 p99 us) $rr, rr on one CPU $rr1, $forks proc/s"
}

arms=(off on)
[ -n "$BASE_BUILD" ] && arms+=(base)
if [ "$SOCKOPS_ARM" != 0 ]; then
	sockops_load
	arms+=(sockops)
fi
n=${#arms[@]}
for ((r = 0; r < PAIRS; r++)); do
	for ((i = 0; i < n; i++)); do
		# rotate the order each round; reverse it every other round
		if ((r % 2 == 0)); then k=$(((i + r / 2) % n)); else k=$(((n - 1 - i + r / 2) % n)); fi
		one_run "${arms[$k]}"
	done
done

# --- per-program cost: one pass with bpf_stats on, snapshot per load ---
stats_pass() {
	local load s0 s1 t0 t1
	arm_start on
	sysctl -q -w kernel.bpf_stats_enabled=1
	for load in pinned bulk conns rr rr1 fork; do
		prog_stats "$T_DAEMON" | sort >"$T_TMP/s0"
		t0=$(now_ns)
		"load_$load" >/dev/null
		t1=$(now_ns)
		prog_stats "$T_DAEMON" | sort >"$T_TMP/s1"
		join "$T_TMP/s0" "$T_TMP/s1" |
			awk -v l="$load" -v t=$((t1 - t0)) '{print "prog", l, $1, $4 - $2, $5 - $3, t}' >>"$out"
	done
	sysctl -q -w kernel.bpf_stats_enabled=0
	daemon_stop
}
stats_pass

python3 - "$out" "$PARTS/overhead.json" "$PAIRS" "$FORKS" "$CONNS" "$RR_SIZE" "$PIN_CC" "$CONN_SAMPLES" <<'PY'
import json, statistics, sys
out, dest = sys.argv[1], sys.argv[2]
runs, cpu, progs, samples = {}, {}, {}, {}
for line in open(out):
    f = line.split()
    if f[0] == "run":
        runs.setdefault(f[1], []).append([float(x) for x in f[2:12]])
    elif f[0] == "conns":
        samples.setdefault(f[1], []).append([float(x) for x in f[2:]])
    elif f[0] == "cpu":
        cpu.setdefault(f[1], []).append([float(x) for x in f[2:10]])
    elif f[0] == "prog":
        load, name = f[1], f[2].split("#")[0]
        p = progs.setdefault(name, {"events": 0, "ns": 0, "per_load": {}})
        ev, ns, secs = int(f[3]), int(f[4]), int(f[5]) / 1e9
        p["events"] += ev
        p["ns"] += ns
        pl = p["per_load"].setdefault(load, [0, secs])
        pl[0] += ev
med = statistics.median
MEASURES = [("bulk_gbps", 0, 1), ("conns_per_s", 1, 1), ("rr_tps", 2, 1),
            ("rr_p50_us", 3, -1), ("rr_p99_us", 4, -1), ("forks_per_s", 5, 1),
            ("bulk_pinned_gbps", 6, 1), ("rr1_tps", 7, 1), ("rr1_p50_us", 8, -1),
            ("rr1_p99_us", 9, -1)]
res = {"pairs": int(sys.argv[3]), "forks_per_run": int(sys.argv[4]),
       "conns_per_run": int(sys.argv[5]), "rr_bytes": int(sys.argv[6]),
       "pinned_cc": sys.argv[7], "conn_samples_per_run": int(sys.argv[8]),
       "arms": {}}
for arm, rs in runs.items():
    a = {}
    for name, i, _ in MEASURES:
        v = [r[i] for r in rs]
        a[name] = {"median": med(v), "runs": v}
    # short connections: every sample of every run
    if arm in samples:
        v = [x for run in samples[arm] for x in run]
        a["conns_per_s"] = {"median": med(v), "runs": v,
                            "run_medians": a["conns_per_s"]["runs"]}
    if arm in cpu:
        c = cpu[arm]
        a["daemon_cpu_percent_fork"] = med([x[0] / x[1] * 100 for x in c])
        a["daemon_cpu_percent_run"] = med([x[2] / x[3] * 100 for x in c])
        a["daemon_peak_rss_kb"] = max(x[4] for x in c)
        a["startup_first_tuner_ms"] = {"median": med([x[5] for x in c]),
                                      "runs": [x[5] for x in c]}
        a["startup_all_tuners_ms"] = {"median": med([x[6] for x in c]),
                                     "runs": [x[6] for x in c]}
    res["arms"][arm] = a
off = res["arms"]["off"]
for arm, a in res["arms"].items():
    if arm == "off":
        continue
    # ratio > 1 is worse for latencies: daemon / no daemon
    a["ratios"] = {name: a[name]["median"] / off[name]["median"]
                   for name, _, _ in MEASURES if off[name]["median"]}
    # per round: the k-th run of each arm ran in round k, back to back
    paired = {}
    for name, i, _ in MEASURES:
        r = [x[i] / y[i] for x, y in zip(runs[arm], runs["off"]) if y[i]]
        if r:
            paired[name] = {"median": med(r), "min": min(r), "max": max(r)}
    a["paired_ratios"] = paired
res["bpf_programs"] = {
    n: {"events": p["events"],
        "ns_per_event": p["ns"] / p["events"] if p["events"] else 0,
        "events_per_s": {l: v[0] / v[1] for l, v in p["per_load"].items()}}
    for n, p in sorted(progs.items())}
on = res["arms"]["on"]
# the keys earlier reports used
# bulk cost: the pinned flow (the tuned one carries tcp_conn's effect)
res["throughput_ratio"] = on["ratios"]["bulk_pinned_gbps"]
res["throughput_ratio_tuned"] = on["ratios"]["bulk_gbps"]
res["conn_rate_ratio"] = on["ratios"]["conns_per_s"]
res["daemon_cpu_percent_of_a_core"] = on["daemon_cpu_percent_fork"]
res["daemon_peak_rss_kb"] = on["daemon_peak_rss_kb"]
json.dump(res, open(dest, "w"), indent=2)
print(json.dumps(res, indent=1))
PY
