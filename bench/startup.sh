#!/bin/bash
# Start-up and memory: the daemon (all tuners, default options) started
# RUNS times; from its "ready:" log line, ms from exec until the first
# tuner is ready and until all are; from /proc, its peak RSS (VmHWM) and
# its RSS once running.  Medians, with min and max.
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5}
out=$T_TMP/startup.txt
: >"$out"
for ((r = 0; r < RUNS; r++)); do
	daemon_start
	line=$(grep -m1 -E "ready: [0-9]+ tuner\(s\) running" "$T_LOG") ||
		fail "no ready: line in the daemon log"
	sleep 1
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$T_DAEMON/status")
	echo "$line" | sed -E 's/.*ready: ([0-9]+) tuner.*first tuner ready ([0-9]+) ms.*all ([0-9]+) ms.*/\1 \2 \3/' |
		{ read -r n first all; echo "$n $first $all $(daemon_hwm_kb "$T_DAEMON") $rss"; } >>"$out"
	daemon_stop || fail "daemon exited with an error"
	log "run $r: $(tail -1 "$out")"
done
python3 - "$out" "$PARTS/startup.json" <<'PY'
import json, statistics, sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
def stat(i):
    v = [r[i] for r in rows]
    return {"median": statistics.median(v), "min": min(v), "max": max(v)}
res = {"tuners": rows[0][0], "runs": len(rows),
       "first_tuner_ready_ms": stat(1), "all_ready_ms": stat(2),
       "peak_rss_kb": stat(3), "rss_running_kb": stat(4)}
md = ["| measure | median | min | max |", "|---|---|---|---|"]
for k, label in (("first_tuner_ready_ms", "exec -> first tuner ready (ms)"),
                 ("all_ready_ms", "exec -> all %d tuners ready (ms)" % res["tuners"]),
                 ("peak_rss_kb", "peak RSS, VmHWM (KiB)"),
                 ("rss_running_kb", "RSS once running (KiB)")):
    s = res[k]
    md.append("| %s | %s | %s | %s |" % (label, s["median"], s["min"], s["max"]))
res["markdown"] = md
json.dump(res, open(sys.argv[2], "w"), indent=2)
print("\n".join(md))
PY
