#!/bin/bash
# Congestion-control choice (tcp_conn): both paths of bench/tcp_conn.sh,
# each in its own run (the test lock is held per path, not for both),
# merged into bench/results/parts/cc.json.  ROUNDS transfers per setup.
set -u
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-8}
export ROUNDS
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p bench/results/parts
for path in low-rtt lossy-wan; do
	bash bench/tcp_conn.sh "$path" "$ROUNDS" "$tmp/$path.json" || exit 1
done
python3 - "$tmp" bench/results/parts/cc.json <<'PY'
import json, os, sys
res = {}
for path in ("low-rtt", "lossy-wan"):
    d = json.load(open(os.path.join(sys.argv[1], path + ".json")))
    fixed = {k: v for k, v in d["mean_mbps"].items() if k != "tuner"}
    best = max(fixed, key=fixed.get)
    d["best_fixed"] = best
    d["tuner_vs_best_fixed"] = d["mean_mbps"]["tuner"] / fixed[best]
    med = d["median_mbps"]
    d["tuner_vs_best_fixed_median"] = med["tuner"] / max(v for k, v in med.items() if k != "tuner")
    res[path] = d
md = ["| path | " + " | ".join(sorted(k for k in res["low-rtt"]["mean_mbps"] if k != "tuner")) +
      " | tuner | tuner / best fixed (mean, median) |", "|---" * 6 + "|"]
for path, d in res.items():
    fixed = sorted(k for k in d["mean_mbps"] if k != "tuner")
    md.append("| %s | %s | %.0f | %.2f, %.2f |" % (
        path, " | ".join("%.0f" % d["mean_mbps"][k] for k in fixed), d["mean_mbps"]["tuner"],
        d["tuner_vs_best_fixed"], d["tuner_vs_best_fixed_median"]))
md.append("")
md.append("Mean Mbit/s of %s interleaved transfers per setup after the tuner's warm-up." %
          os.environ.get("ROUNDS", "8"))
res["markdown"] = md
json.dump(res, open(sys.argv[2], "w"), indent=2)
print("\n".join(md))
PY
