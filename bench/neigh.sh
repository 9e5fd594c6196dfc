#!/bin/bash
# Neighbour burst: N neighbours added in one batch (~0.1 s) in a namespace
# with the kernel's default thresholds (128/512/1024), IPv4 (arp_cache, a
# /19 on the device) and IPv6 (ndisc_cache, a /64); without the daemon,
# with the daemon built in $BEFORE_BUILD (when set) and with this tree's
# daemon, interleaved, ROUNDS rounds.  Counts failed adds and table-full
# events.  Thresholds are global: saved, reset to the defaults before each
# run, and restored.
. "$(dirname "$0")/lib.sh"
N=${N:-5000}
ROUNDS=${ROUNDS:-3}
modes=(off on)
[ -n "${BEFORE_BUILD:-}" ] && modes=(off before on)
save_sysctl net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2 \
	net.ipv4.neigh.default.gc_thresh3 net.ipv6.neigh.default.gc_thresh1 \
	net.ipv6.neigh.default.gc_thresh2 net.ipv6.neigh.default.gc_thresh3
out=$T_TMP/neigh.txt
: >"$out"

table_fulls() { # table_fulls TABLE: the hex column summed over CPUs
	python3 -c '
import sys
rows = [l.split() for l in open("/proc/net/stat/" + sys.argv[1])]
c = rows[0].index("table_fulls")
print(sum(int(r[c], 16) for r in rows[1:]))' "$1"
}

one_run() { # one_run off|before|on 4|6
	local mode=$1 fam=$2 ns peer failed before after table proto ms start
	table=arp_cache proto=ipv4
	[ "$fam" = 6 ] && table=ndisc_cache proto=ipv6
	sysctl -q -w net.$proto.neigh.default.gc_thresh1=128 \
		net.$proto.neigh.default.gc_thresh2=512 net.$proto.neigh.default.gc_thresh3=1024
	ns=$(netns_create "n$mode$fam")
	peer=$(netns_create "p$mode$fam")
	ip link add "nb$$" type veth peer name "np$$" || fail "veth"
	ip link set "nb$$" netns "$ns" name dummy0
	ip link set "np$$" netns "$peer" name eth0
	ip -n "$ns" addr add 10.200.0.1/19 dev dummy0
	ip -n "$ns" addr add 2001:db8:200::1/64 dev dummy0 nodad
	ip -n "$ns" link set dummy0 up
	ip -n "$peer" link set eth0 up
	case $mode in
	on) daemon_start -a neigh_table_tuner.so ;;
	before) BPFTUNE=$BEFORE_BUILD/bpftune TUNERDIR=$BEFORE_BUILD/tuners \
		daemon_start -a neigh_table_tuner.so ;;
	esac
	python3 -c '
import sys
n, fam = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    h = i + 2
    ip = ("10.200.%d.%d" % (h >> 8, h & 255)) if fam == "4" else ("2001:db8:200::%x" % h)
    print("neigh add %s lladdr 02:00:00:00:%02x:%02x nud stale dev dummy0" % (ip, h >> 8, h & 255))
' "$N" "$fam" >"$T_TMP/batch"
	before=$(table_fulls "$table")
	start=$(date +%s%N)
	ip -n "$ns" -force -batch "$T_TMP/batch" >"$T_TMP/batch.out" 2>&1
	ms=$((($(date +%s%N) - start) / 1000000))
	# ip's batch mode does not report every failure; count what is missing
	failed=$((N - $(ip -n "$ns" -$fam neigh show dev dummy0 | grep -vc "fe80:")))
	after=$(table_fulls "$table")
	echo "run $mode $fam $failed $((after - before)) $(sysctl -n net.$proto.neigh.default.gc_thresh3) $ms" >>"$out"
	log "$table $mode: $failed of $N adds failed in $ms ms, $((after - before)) table-full events, thresh3 $(sysctl -n net.$proto.neigh.default.gc_thresh3)"
	[ "$mode" != off ] && daemon_stop
	ip -n "$ns" neigh flush dev dummy0
	ip -n "$ns" -6 neigh flush dev dummy0
	ip netns del "$ns"
	ip netns del "$peer"
}
for ((r = 0; r < ROUNDS; r++)); do
	for fam in 4 6; do
		for mode in "${modes[@]}"; do
			one_run "$mode" "$fam"
		done
	done
done
python3 - "$out" "$PARTS/neigh.json" "$N" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    f = line.split()
    runs.setdefault((f[2], f[1]), []).append(
        {"failed_adds": int(f[3]), "table_full_events": int(f[4]),
         "gc_thresh3_after": int(f[5]), "ms": int(f[6])})
n = int(sys.argv[3])
res = {"adds": n, "goal_max_failed": n // 100, "runs": {}}
md = ["| table | setup | failed adds of %d (median; runs) | table-full events (median) | gc_thresh3 after | batch ms |" % n,
      "|---|---|---|---|---|---|"]
labels = {"off": "no daemon", "before": "daemon before (main)", "on": "daemon"}
for fam, table in (("4", "arp_cache"), ("6", "ndisc_cache")):
    for mode in ("off", "before", "on"):
        rs = runs.get((fam, mode))
        if not rs:
            continue
        f = [r["failed_adds"] for r in rs]
        key = "%s %s" % (table, mode)
        res["runs"][key] = rs
        res.setdefault("failed_adds_median", {})[key] = statistics.median(f)
        md.append("| %s | %s | %d (%s) | %d | %s | %s |" % (
            table, labels[mode], statistics.median(f), ", ".join(map(str, f)),
            statistics.median(r["table_full_events"] for r in rs),
            ", ".join(str(r["gc_thresh3_after"]) for r in rs),
            ", ".join(str(r["ms"]) for r in rs)))
res["markdown"] = md
json.dump(res, open(sys.argv[2], "w"), indent=2)
print("\n".join(md))
PY
