#!/usr/bin/env python3
"""Merge bench/results/parts/*.json into latest.json, a Markdown table
(latest.md) and an SVG plot of throughput over time (buffer.svg)."""
import datetime
import json
import os
import platform
import sys

GOALS = {
    "buffer": "daemon >= 95 % of hand-tuned within 2 s (20 ms RTT) / 4 s (200 ms), rmem_max 4 MiB and 212992",
    "cc": "mean >= 0.95x the best fixed algorithm on low-rtt and lossy-wan; loss10: bbr at once; mixed: >= 1.3x the best single fixed algorithm",
    "neigh": "<= 1 % of a 5000-neighbour burst refused (arp_cache and ndisc_cache)",
    "overhead": "bulk >= 0.995x, conns, rr, fork >= 0.99x, rr p99 <= 1.01x, daemon <= 0.5 % of a core",
    "startup": "peak RSS <= 16 MiB; start-up time reported",
}


def machine():
    cpus = os.cpu_count()
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // (1024 * 1024)
    return "%s %s, %d CPUs, %d GiB" % (platform.system(), platform.release(), cpus, mem)


def fmt(v, digits=2):
    if isinstance(v, float):
        return ("%%.%df" % digits) % v
    return str(v)


def startup(arm, which):
    """Start-up median in ms (older results named the key _s, held ms)."""
    key = "startup_%s_tuner%s_ms" % (which, "" if which == "first" else "s")
    if key not in arm:
        key = key[:-3] + "_s"
    return arm[key]["median"]


def md_overhead(o):
    if "arms" not in o:
        return md_generic(o)
    arms = [a for a in ("off", "sockops", "base", "on") if a in o["arms"]]
    label = {"off": "no daemon", "on": "daemon", "base": "daemon (base build)",
             "sockops": "no daemon, an empty sockops program"}
    head = "| measure (median of %d) | " % o["pairs"] + " | ".join(label[a] for a in arms)
    head += " | " + " | ".join("ratio %s" % a for a in arms if a != "off") + " |"
    rows = [head, "|" + "---|" * (1 + 2 * len(arms) - 1)]
    names = [("bulk_pinned_gbps", "iperf3 veth Gbit/s, cc pinned to %s by iperf3 -C (cost)"
              % o.get("pinned_cc", "?"), 2),
             ("bulk_gbps", "iperf3 veth Gbit/s, tcp_conn free to choose (effect + cost)", 2),
             ("conns_per_s", "short connections /s (%d per run)" % o["conns_per_run"], 0),
             ("rr_tps", "%d B request/response transactions/s" % o["rr_bytes"], 0),
             ("rr_p50_us", "request/response p50 latency us", 1),
             ("rr_p99_us", "request/response p99 latency us", 1),
             ("rr1_tps", "the same, both ends on one CPU: transactions/s", 0),
             ("rr1_p50_us", "one CPU: p50 latency us", 1),
             ("rr1_p99_us", "one CPU: p99 latency us", 1),
             ("forks_per_s", "fork+exec+exit processes/s (%d per run)" % o["forks_per_run"], 0)]
    if "conn_samples_per_run" in o:
        names[2] = ("conns_per_s", "short connections /s (%d per sample, %d samples per run)"
                    % (o["conns_per_run"], o["conn_samples_per_run"]), 0)
    for key, text, digits in names:
        if key not in o["arms"]["off"]:
            continue
        cells = [fmt(o["arms"][a][key]["median"], digits) for a in arms]
        for a in arms:
            if a == "off":
                continue
            cell = fmt(o["arms"][a]["ratios"][key], 3)
            p = o["arms"][a].get("paired_ratios", {}).get(key)
            if p:
                cell += " (rounds %s, %s-%s)" % (fmt(p["median"], 3), fmt(p["min"], 3),
                                                 fmt(p["max"], 3))
            cells.append(cell)
        rows.append("| %s | %s |" % (text, " | ".join(cells)))
    rows.append("")
    for a in arms:
        if a in ("off", "sockops"):
            continue
        d = o["arms"][a]
        rows.append("%s: CPU %s %% of a core during the fork load (%s %% over the run); "
                    "peak RSS %d KiB; start-up %s ms to the first tuner, %s ms to all "
                    "(medians)" % (label[a], fmt(d["daemon_cpu_percent_fork"], 3),
                                   fmt(d["daemon_cpu_percent_run"], 3), d["daemon_peak_rss_kb"],
                                   fmt(startup(d, "first"), 0),
                                   fmt(startup(d, "all"), 0)))
        rows.append("")
    loads = ["pinned", "bulk", "conns", "rr", "rr1", "fork"]
    rows.append("BPF programs (one pass with kernel.bpf_stats_enabled=1, which "
                "adds its own clock reads to each ns/event):")
    rows.append("")
    rows.append("| BPF program | ns/event | " + " | ".join("events/s %s" % l for l in loads) + " |")
    rows.append("|---|---|" + "---|" * len(loads))
    for name, p in o["bpf_programs"].items():
        eps = [fmt(p["events_per_s"].get(l, 0.0), 0) for l in loads]
        rows.append("| %s | %s | %s |" % (name, fmt(p["ns_per_event"], 0), " | ".join(eps)))
    return rows


def md_generic(d):
    rows = ["```", json.dumps(d, indent=1)[:3000], "```"]
    return rows


def svg_series(series, path):
    """Throughput per second, one polyline per series."""
    width, height, pad = 640, 320, 40
    maxy = max([max(v) for v in series.values() if v] + [1])
    maxx = max([len(v) for v in series.values()] + [2]) - 1
    colors = ["#c0392b", "#2471a3", "#229954", "#7d3c98"]
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">' % (width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="20" font-size="14">throughput per second (Mbit/s)</text>' % pad]
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (pad, height - pad, width - pad, height - pad))
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (pad, pad, pad, height - pad))
    out.append('<text x="%d" y="%d" font-size="11">%d</text>' % (2, pad + 4, maxy))
    out.append('<text x="%d" y="%d" font-size="11">%d s</text>' % (width - pad - 10, height - pad + 15, maxx))
    for i, (name, vals) in enumerate(series.items()):
        pts = []
        for x, y in enumerate(vals):
            px = pad + (width - 2 * pad) * x / max(maxx, 1)
            py = height - pad - (height - 2 * pad) * y / maxy
            pts.append("%.1f,%.1f" % (px, py))
        color = colors[i % len(colors)]
        out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (color, " ".join(pts)))
        out.append('<text x="%d" y="%d" font-size="12" fill="%s">%s</text>' % (width - 200, pad + 15 * (i + 1), color, name))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))


def main():
    results = sys.argv[1]
    parts_dir = os.path.join(results, "parts")
    parts = {}
    for name in sorted(os.listdir(parts_dir)) if os.path.isdir(parts_dir) else []:
        if name.endswith(".json"):
            path = os.path.join(parts_dir, name)
            with open(path) as f:
                parts[name[:-5]] = json.load(f)
            parts[name[:-5]].setdefault("date", datetime.datetime.utcfromtimestamp(
                os.path.getmtime(path)).strftime("%Y-%m-%d %H:%M UTC"))
    now = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
    # parts not run this time keep their last figures (and their date)
    try:
        with open(os.path.join(results, "latest.json")) as f:
            old = json.load(f)
            for name, data in old.get("parts", {}).items():
                data.setdefault("date", old.get("date", "?"))
                parts.setdefault(name, data)
    except (OSError, ValueError):
        pass
    latest = {
        "date": now,
        "machine": machine(),
        "parts": dict(sorted(parts.items())),
    }
    with open(os.path.join(results, "latest.json"), "w") as f:
        json.dump(latest, f, indent=2)
    md = ["# bpftune benchmark, %s" % latest["date"], "", "Machine: %s" % latest["machine"], ""]
    for name, data in latest["parts"].items():
        md.append("## %s (goal: %s; measured %s)" % (name, GOALS.get(name, "-"),
                                                    data.get("date", latest["date"])))
        md.append("")
        if name == "overhead":
            md += md_overhead(data)
        elif "markdown" in data:
            md += data["markdown"]
        else:
            md += md_generic(data)
        md.append("")
        if name == "buffer" and "series_mbps" in data:
            svg_series(data["series_mbps"], os.path.join(results, "buffer.svg"))
            md.append("![throughput over time](buffer.svg)")
            md.append("")
    with open(os.path.join(results, "latest.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
