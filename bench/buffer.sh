#!/bin/bash
# Buffer effectiveness: through the delay relay with tcp_rmem/tcp_wmem max
# 256 KiB, (a) defaults untouched, (b) the daemon from the start (and, with
# BEFORE_BUILD set, the daemon built there: before/after in one run),
# (c) hand-tuned 32 MiB; side by side, interleaved, ROUNDS rounds, for each
# setup: 20 ms RTT at 1 Gbit/s and 200 ms RTT at 500 Mbit/s (the relay's
# 8192-packet queue holds 100 ms of 500 Mbit/s, not of 1 Gbit/s), each
# with net.core.rmem_max 4 MiB (6.18's default) and 212992 (before 6.18).
# SETUPS="20ms-4m ..." picks some; MODES="none daemon tuned" some modes.
set -u
cd "$(dirname "$0")/.." || exit 1
ROUNDS=${ROUNDS:-3}
SETUPS=${SETUPS:-20ms-4m 20ms-208k 200ms-4m 200ms-208k}
MODES=${MODES:-none before daemon tuned}
[ -n "${BEFORE_BUILD:-}" ] || MODES=${MODES//before/}
# one hold of the test lock for the whole part (lib.sh takes it)
BUFFER_ONE_LIB=1 . bench/buffer_one.sh
out=$T_TMP/buffer-runs
mkdir -p "$out"
for ((r = 0; r < ROUNDS; r++)); do
	for setup in $SETUPS; do
		case $setup in
		20ms-*) delay=10 rate=1000 secs=${SECS:-10} ;;
		200ms-*) delay=100 rate=500 secs=${SECS:-12} ;;
		*) echo "buffer: unknown setup $setup" >&2; exit 2 ;;
		esac
		case $setup in
		*-4m) rmem_max=4194304 ;;
		*) rmem_max=212992 ;;
		esac
		modes=$MODES
		# the 200 ms path at rmem_max 4 MiB: the daemon against hand-tuned
		[ "$setup" = 200ms-4m ] && modes=${SHORT_MODES:-daemon tuned}
		[ "$setup" = 200ms-208k ] && modes=${MODES//none/}
		for mode in $modes; do
			echo "--- $setup $mode (round $((r + 1)))"
			DELAY_MS=$delay RATE_MBIT=$rate SECS=$secs RMEM_MAX=$rmem_max \
				buffer_run "$mode" "$out/$setup.$mode.$r.json"
		done
	done
done
python3 - "$out" "$PARTS/buffer.json" "$SETUPS" <<'PY'
import glob, json, os, statistics, sys
setups = sys.argv[3].split()
labels = {"none": "(a) defaults, no daemon", "before": "(b0) daemon before (main)",
          "daemon": "(b) daemon from start", "tuned": "(c) hand-tuned 32 MiB"}
deadline = {"20ms": 2, "200ms": 4}
res = {"setups": {}}
md = []
for setup in setups:
    runs = {}
    for f in sorted(glob.glob(os.path.join(sys.argv[1], setup + ".*.json"))):
        d = json.load(open(f))
        runs.setdefault(d["mode"], []).append(d)
    if "tuned" not in runs:
        continue
    # hand-tuned's full rate: the mean of the second half of its runs
    full = statistics.median(statistics.mean(r["series_mbps"][len(r["series_mbps"]) // 2:])
                             for r in runs["tuned"])
    target = 0.95 * full
    def reach(series):
        for t, v in enumerate(series):
            if v >= target:
                return t + 1
        return None
    rtt = setup.split("-")[0]
    s = {"tuned_full_mbps": full, "target_mbps": target,
         "deadline_s": deadline[rtt], "modes": {}}
    md += ["### %s RTT, net.core.rmem_max %s" % (rtt, "4 MiB" if setup.endswith("4m") else "212992"),
           "",
           "hand-tuned full rate %.0f Mbit/s; goal: 95 %% of it (%.0f) within %d s" % (full, target, deadline[rtt]),
           "",
           "| setup | mean Mbit/s (median of %d; runs) | vs hand-tuned | seconds to 95 %% (runs) | first 4 s per run |" % len(runs["tuned"]),
           "|---|---|---|---|---|"]
    tuned_mean = statistics.median(r["mean_mbps"] for r in runs["tuned"])
    for m in ("none", "before", "daemon", "tuned"):
        if m not in runs:
            continue
        means = [r["mean_mbps"] for r in runs[m]]
        reaches = [reach(r["series_mbps"]) for r in runs[m]]
        s["modes"][m] = {"mean_mbps": statistics.median(means), "runs_mean_mbps": means,
                         "seconds_to_95pct": reaches,
                         "series_mbps": [r["series_mbps"] for r in runs[m]]}
        md.append("| %s | %.0f (%s) | %.2f | %s | %s |" % (
            labels[m], statistics.median(means), ", ".join("%.0f" % x for x in means),
            statistics.median(means) / tuned_mean,
            ", ".join("-" if x is None else str(x) for x in reaches),
            "; ".join(" ".join("%.0f" % v for v in r["series_mbps"][:4]) for r in runs[m])))
    md.append("")
    res["setups"][setup] = s
# the plot: the first run of each mode, 20 ms with the old rmem_max default
plot = "20ms-208k" if "20ms-208k" in res["setups"] else next(iter(res["setups"]), None)
if plot:
    res["series_mbps"] = {"%s (%s)" % (m, plot): v["series_mbps"][0]
                          for m, v in res["setups"][plot]["modes"].items()}
res["markdown"] = md
json.dump(res, open(sys.argv[2], "w"), indent=2)
print("\n".join(md))
PY
