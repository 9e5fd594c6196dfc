#!/bin/bash
# Neighbour burst: 5000 neighbours added in a namespace with the default
# arp_cache thresholds (128/512/1024), without and with the daemon; counts
# table-full events and failed adds.  Thresholds are global: saved and
# restored (and reset to the defaults before each run).
. "$(dirname "$0")/lib.sh"
N=${N:-5000}
save_sysctl net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2 \
	net.ipv4.neigh.default.gc_thresh3
out=$T_TMP/neigh.txt
: >"$out"

table_fulls() { # sum of the hex table_fulls column over CPUs
	python3 -c '
rows = [l.split() for l in open("/proc/net/stat/arp_cache")]
c = rows[0].index("table_fulls")
print(sum(int(r[c], 16) for r in rows[1:]))'
}

one_run() { # one_run off|on
	local mode=$1 ns failed before after
	sysctl -q -w net.ipv4.neigh.default.gc_thresh1=128 \
		net.ipv4.neigh.default.gc_thresh2=512 net.ipv4.neigh.default.gc_thresh3=1024
	ns=$(netns_create "n$mode")
	peer=$(netns_create "p$mode")
	ip link add "nb$$" type veth peer name "np$$" || fail "veth"
	ip link set "nb$$" netns "$ns" name dummy0
	ip link set "np$$" netns "$peer" name eth0
	ip -n "$ns" addr add 10.200.0.1/19 dev dummy0
	ip -n "$ns" link set dummy0 up
	ip -n "$peer" link set eth0 up
	[ "$mode" = on ] && daemon_start -a neigh_table_tuner.so
	python3 -c '
import sys
n = int(sys.argv[1])
for i in range(n):
    h = i + 2
    print("neigh add 10.200.%d.%d lladdr 02:00:00:00:%02x:%02x nud stale dev dummy0" % (h >> 8, h & 255, h >> 8, h & 255))
' "$N" >"$T_TMP/batch"
	before=$(table_fulls)
	ip -n "$ns" -force -batch "$T_TMP/batch" >"$T_TMP/batch.out" 2>&1
	# ip's batch mode does not report every failure; count what is missing
	failed=$((N - $(ip -n "$ns" neigh show dev dummy0 | wc -l)))
	after=$(table_fulls)
	echo "run $mode $failed $((after - before)) $(ip -n "$ns" neigh show | wc -l) $(sysctl -n net.ipv4.neigh.default.gc_thresh3)" >>"$out"
	log "$mode: $failed failed adds, $((after - before)) table-full events, thresh3 $(sysctl -n net.ipv4.neigh.default.gc_thresh3)"
	[ "$mode" = on ] && daemon_stop
	ip -n "$ns" neigh flush dev dummy0
	ip netns del "$ns"
	ip netns del "$peer"
}
one_run off
one_run on
python3 - "$out" "$PARTS/neigh.json" <<'PY'
import json, sys
res = {}
for line in open(sys.argv[1]):
    f = line.split()
    res[f[1]] = {"failed_adds": int(f[2]), "table_full_events": int(f[3]),
                 "entries": int(f[4]), "gc_thresh3_after": int(f[5])}
md = ["| setup | failed adds | table-full events | entries | gc_thresh3 after |", "|---|---|---|---|---|"]
for k, label in (("off", "no daemon"), ("on", "daemon")):
    r = res[k]
    md.append("| %s | %d | %d | %d | %d |" % (label, r["failed_adds"], r["table_full_events"],
                                             r["entries"], r["gc_thresh3_after"]))
res["markdown"] = md
json.dump(res, open(sys.argv[2], "w"), indent=2)
print("\n".join(md))
PY
