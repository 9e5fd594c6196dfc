#!/bin/bash
# Buffer effectiveness: (a) defaults untouched, (b) daemon from the start,
# (c) hand-tuned large buffers; side by side, interleaved, ROUNDS rounds.
set -u
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for ((r = 0; r < ROUNDS; r++)); do
	for mode in none daemon tuned; do
		bash bench/buffer_one.sh "$mode" "$tmp/$mode-$r.json" || exit 1
	done
done
python3 - "$tmp" bench/results/parts/buffer.json <<'PY'
import glob, json, os, statistics, sys
runs = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    d = json.load(open(f))
    runs.setdefault(d["mode"], []).append(d)
means = {m: [r["mean_mbps"] for r in v] for m, v in runs.items()}
med = {m: statistics.median(v) for m, v in means.items()}
target = 0.95 * med["tuned"]
def seconds_to(series):
    for t, v in enumerate(series):
        if v >= target:
            return t + 1
    return None
reach = [seconds_to(r["series_mbps"]) for r in runs["daemon"]]
res = {
    "mean_mbps": med, "runs_mean_mbps": means,
    "daemon_vs_tuned": med["daemon"] / med["tuned"],
    "none_vs_tuned": med["none"] / med["tuned"],
    "seconds_to_95pct_of_tuned": reach,
    "series_mbps": {m: v[0]["series_mbps"] for m, v in runs.items()},
}
md = ["| setup | mean Mbit/s (median of %d) | runs | vs hand-tuned |" % len(means["none"]),
      "|---|---|---|---|"]
for m, label in (("none", "(a) defaults, no daemon"), ("daemon", "(b) daemon from start"),
                 ("tuned", "(c) hand-tuned 32 MiB")):
    md.append("| %s | %.0f | %s | %.2f |" % (label, med[m], ", ".join("%.0f" % x for x in means[m]),
                                          med[m] / med["tuned"]))
md.append("")
md.append("seconds until (b) reaches 95 %% of (c): %s" % ", ".join(str(x) for x in reach))
res["markdown"] = md
json.dump(res, open(sys.argv[2], "w"), indent=2)
print("\n".join(md))
PY
