#!/usr/bin/env python3
"""Merge bench/results/parts/*.json into latest.json, a Markdown table
(latest.md) and an SVG plot of throughput over time (buffer.svg)."""
import datetime
import json
import os
import platform
import sys

GOALS = {
    "buffer": "daemon >= 95 % of hand-tuned within 5 s",
    "cc": "mean >= 0.95x the best fixed algorithm on low-rtt and lossy-wan; loss10: bbr at once; mixed: >= 1.3x the best single fixed algorithm",
    "neigh": "0 table-full drops",
    "overhead": ">= 99.5 % throughput, daemon <= 0.5 % of a core",
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


def md_overhead(o):
    rows = ["| measure | no daemon | daemon | ratio |", "|---|---|---|---|"]
    t = o["throughput_gbps"]
    rows.append("| iperf3 veth Gbit/s (median) | %s | %s | %s |" % (
        fmt(t["no_daemon"]), fmt(t["daemon"]), fmt(o["throughput_ratio"], 3)))
    c = o["conn_rate"]
    rows.append("| short connections /s (median) | %s | %s | %s |" % (
        fmt(c["no_daemon"], 0), fmt(c["daemon"], 0), fmt(o["conn_rate_ratio"], 3)))
    rows.append("")
    rows.append("daemon CPU: %s %% of a core; peak RSS %d KiB" % (
        fmt(o["daemon_cpu_percent_of_a_core"], 3), o["daemon_peak_rss_kb"]))
    rows.append("")
    rows.append("| BPF program | events | ns/event |")
    rows.append("|---|---|---|")
    for name, p in o["bpf_programs"].items():
        rows.append("| %s | %d | %s |" % (name, p["events"], fmt(p["ns_per_event"], 0)))
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
            with open(os.path.join(parts_dir, name)) as f:
                parts[name[:-5]] = json.load(f)
    latest = {
        "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "parts": parts,
    }
    with open(os.path.join(results, "latest.json"), "w") as f:
        json.dump(latest, f, indent=2)
    md = ["# bpftune benchmark, %s" % latest["date"], "", "Machine: %s" % latest["machine"], ""]
    for name, data in parts.items():
        md.append("## %s (goal: %s)" % (name, GOALS.get(name, "-")))
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
