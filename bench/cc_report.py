#!/usr/bin/env python3
"""Summarise bench/results/cc-transfers.tsv (bench/cc.sh) into
parts/cc.json with a Markdown table: per path, every setup's mean,
median and range of Mbit/s, the tuner against the best fixed algorithm
(mean and median, and the spread of that ratio over the runs), what the
warm-up cost, and for the mixed path the total over both destinations."""
import json
import statistics
import sys


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) != 7:
                continue
            rows.append({"path": p[0], "rep": int(p[1]), "round": p[2],
                         "setup": p[3], "dest": p[4], "mbps": float(p[5]),
                         "cc": p[6]})
    return rows


def stats(vals):
    if not vals:
        return {"n": 0}
    return {"n": len(vals), "mean": statistics.mean(vals),
            "median": statistics.median(vals), "min": min(vals),
            "max": max(vals)}


def single(rows, path):
    """low-rtt, lossy-wan, loss10: one destination."""
    rs = [r for r in rows if r["path"] == path and r["round"] != "warm"]
    setups = sorted({r["setup"] for r in rs})
    out = {"setups": {s: stats([r["mbps"] for r in rs if r["setup"] == s])
                      for s in setups}}
    fixed = [s for s in setups if s != "tuner"]
    best = max(fixed, key=lambda s: out["setups"][s]["mean"])
    best_med = max(out["setups"][s]["median"] for s in fixed)
    t = out["setups"]["tuner"]
    out["best_fixed"] = best
    out["tuner_vs_best_mean"] = t["mean"] / out["setups"][best]["mean"]
    out["tuner_vs_best_median"] = t["median"] / best_med
    per_rep = []
    for rep in sorted({r["rep"] for r in rs}):
        mine = [r for r in rs if r["rep"] == rep]
        tm = statistics.mean(r["mbps"] for r in mine if r["setup"] == "tuner")
        bm = max(statistics.mean(r["mbps"] for r in mine if r["setup"] == s)
                 for s in fixed)
        per_rep.append(tm / bm)
    out["tuner_vs_best_per_run"] = per_rep
    used = [r["cc"] for r in rs if r["setup"] == "tuner"]
    out["tuner_used"] = {c: used.count(c) for c in sorted(set(used))}
    warm = [r for r in rows if r["path"] == path and r["round"] == "warm"]
    if warm:
        out["warmup"] = stats([r["mbps"] for r in warm])
        out["warmup"]["vs_best"] = out["warmup"]["mean"] / out["setups"][best]["mean"]
        wu = [r["cc"] for r in warm]
        out["warmup"]["used"] = {c: wu.count(c) for c in sorted(set(wu))}
    return out


def mixed(rows):
    """Two destinations at once: per round the sum of each destination's
    rate over the best fixed algorithm's mean there (2.0 = best on both),
    and the plain sum of Mbit/s."""
    rs = [r for r in rows if r["path"] == "mixed" and r["round"] != "warm"]
    setups = sorted({r["setup"] for r in rs})
    fixed = [s for s in setups if s != "tuner"]
    dests = sorted({r["dest"] for r in rs})
    mean = {(s, d): statistics.mean(r["mbps"] for r in rs
                                    if r["setup"] == s and r["dest"] == d)
            for s in setups for d in dests}
    best = {d: max(mean[(s, d)] for s in fixed) for d in dests}
    out = {"dests": {}, "score": {}, "total_mbps": {}}
    for d in dests:
        out["dests"][d] = {s: stats([r["mbps"] for r in rs
                                     if r["setup"] == s and r["dest"] == d])
                           for s in setups}
    for s in setups:
        scores, totals = [], []
        for key in sorted({(r["rep"], r["round"]) for r in rs}):
            pair = {r["dest"]: r["mbps"] for r in rs
                    if r["setup"] == s and (r["rep"], r["round"]) == key}
            if len(pair) != len(dests):
                continue
            scores.append(sum(pair[d] / best[d] for d in dests))
            totals.append(sum(pair.values()))
        out["score"][s] = stats(scores)
        out["total_mbps"][s] = stats(totals)
    bs = max(fixed, key=lambda s: out["score"][s]["mean"])
    bt = max(fixed, key=lambda s: out["total_mbps"][s]["mean"])
    out["best_fixed_score"] = bs
    out["tuner_vs_best_score"] = out["score"]["tuner"]["mean"] / out["score"][bs]["mean"]
    out["best_fixed_total"] = bt
    out["tuner_vs_best_total"] = (out["total_mbps"]["tuner"]["mean"] /
                                  out["total_mbps"][bt]["mean"])
    used = {}
    for d in dests:
        u = [r["cc"] for r in rs if r["setup"] == "tuner" and r["dest"] == d]
        used[d] = {c: u.count(c) for c in sorted(set(u))}
    out["tuner_used"] = used
    return out


def fmt_used(u):
    return ", ".join("%s %d" % (c, n) for c, n in u.items())


def markdown(res, rounds, reps):
    md = ["| path | setup | mean | median | range | tuner / best fixed |",
          "|---|---|---|---|---|---|"]
    for path in ("low-rtt", "lossy-wan", "loss10"):
        if path not in res:
            continue
        d = res[path]
        for s, st in d["setups"].items():
            ratio = ""
            if s == "tuner":
                ratio = "**%.2fx mean, %.2fx median** (runs: %s; used %s)" % (
                    d["tuner_vs_best_mean"], d["tuner_vs_best_median"],
                    " ".join("%.2f" % x for x in d["tuner_vs_best_per_run"]),
                    fmt_used(d["tuner_used"]))
            md.append("| %s | %s | %.0f | %.0f | %.0f-%.0f | %s |" % (
                path, s, st["mean"], st["median"], st["min"], st["max"], ratio))
        if "warmup" in d:
            w = d["warmup"]
            md.append("| %s | tuner warm-up (%d) | %.0f | %.0f | %.0f-%.0f | %.2fx mean (used %s) |" % (
                path, w["n"], w["mean"], w["median"], w["min"], w["max"],
                w["vs_best"], fmt_used(w["used"])))
    if "mixed" in res:
        m = res["mixed"]
        md += ["", "Mixed: one sender, two destinations at once (low: lossless veth; "
               "wan: 20 ms + 2 % loss). Score per round = sum over destinations of "
               "rate / best fixed mean there (2.0 = best on both).", "",
               "| setup | low Mbit/s | wan Mbit/s | score mean (median, range) | total Mbit/s |",
               "|---|---|---|---|---|"]
        for s in m["score"]:
            sc = m["score"][s]
            md.append("| %s | %.0f | %.0f | %.2f (%.2f, %.2f-%.2f) | %.0f |" % (
                s, m["dests"]["low"][s]["mean"], m["dests"]["wan"][s]["mean"],
                sc["mean"], sc["median"], sc["min"], sc["max"],
                m["total_mbps"][s]["mean"]))
        md.append("")
        md.append("tuner / best single fixed (%s) score: **%.2fx**; total Mbit/s vs %s: %.2fx; tuner used: %s" % (
            m["best_fixed_score"], m["tuner_vs_best_score"], m["best_fixed_total"],
            m["tuner_vs_best_total"],
            "; ".join("%s: %s" % (d, fmt_used(u)) for d, u in m["tuner_used"].items())))
    md.append("")
    md.append("%d runs per path (fresh daemon and warm-up each), %d interleaved rounds per run; "
              "figures over all rounds of all runs." % (reps, rounds))
    return md


def main():
    rows = load(sys.argv[1])
    rounds, reps = int(sys.argv[3]), int(sys.argv[4])
    res = {}
    for path in ("low-rtt", "lossy-wan", "loss10"):
        if any(r["path"] == path for r in rows):
            res[path] = single(rows, path)
    if any(r["path"] == "mixed" for r in rows):
        res["mixed"] = mixed(rows)
    res["markdown"] = markdown(res, rounds, reps)
    with open(sys.argv[2], "w") as f:
        json.dump(res, f, indent=2)
    print("\n".join(res["markdown"]))


if __name__ == "__main__":
    main()
