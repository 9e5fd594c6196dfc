#!/bin/bash
# packaging/prometheus: the rules pass `promtool check rules` and their unit
# tests (`promtool test rules`); the Grafana dashboard and the rules use
# only metric names a live daemon writes to its --metrics-file (and the
# rules' own recorded names), and that file passes `promtool check metrics`.
. "$(dirname "$0")/../../tests/lib.sh"
log "start (test lock held)"
require promtool jq python3

P=$TOP/packaging/prometheus
out=$(promtool check rules "$P/bpftune.rules.yml" 2>&1) || fail "promtool check rules: $out"
log "$(echo "$out" | tail -1)"
out=$(cd "$P" && promtool test rules bpftune.rules.test.yml 2>&1) ||
	fail "promtool test rules: $out"
echo "$out" | grep -q SUCCESS || fail "promtool test rules: $out"
pass "promtool check rules and test rules"

# --- a live daemon's metrics file ---
prom=$T_TMP/bpftune.prom
daemon_start -a net_buffer_tuner.so -a tcp_buffer_tuner.so --metrics-file "$prom"
for ((i = 0; i < 50; i++)); do [ -s "$prom" ] && break; sleep 0.1; done
[ -s "$prom" ] || fail "no metrics file"
out=$(promtool check metrics <"$prom" 2>&1) || fail "promtool check metrics: $out"
awk '$1 == "#" && $2 == "TYPE" {print $3}' "$prom" | sort -u >"$T_TMP/families"
log "the daemon writes $(wc -l <"$T_TMP/families") metric families"
daemon_stop || fail "daemon exited with an error"

# metric_names: the metric names in the PromQL expressions on stdin (one a
# line): what is left after label matchers, strings, durations, grouping
# clauses, numbers, functions and keywords are taken out
metric_names() {
	python3 -c '
import re, sys
keywords = {"by", "without", "on", "ignoring", "group_left", "group_right",
            "and", "or", "unless", "offset", "bool", "inf", "nan"}
for expr in sys.stdin:
    e = re.sub(r"\"(?:[^\"\\\\]|\\\\.)*\"", "", expr)
    e = re.sub(r"\{[^}]*\}", "", e)
    e = re.sub(r"\[[^\]]*\]", "", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)",
               "", e)
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        name = m.group(0)
        rest = e[m.end():].lstrip()
        if name.lower() in keywords or rest.startswith("("):
            continue
        if name.startswith("$"):
            continue
        print(name)
' | sort -u
}

# --- rules: every bpftune_ name is written by the daemon ---
python3 -c '
import sys, yaml
for g in yaml.safe_load(open(sys.argv[1]))["groups"]:
    for r in g["rules"]:
        print(" ".join(r["expr"].split()))
' "$P/bpftune.rules.yml" 2>/dev/null >"$T_TMP/rule_exprs" ||
	grep -E '^\s+expr:' "$P/bpftune.rules.yml" | sed 's/^\s*expr: *//' >"$T_TMP/rule_exprs"
[ -s "$T_TMP/rule_exprs" ] || fail "no expressions read from the rules"
recorded=$(sed -n 's/^ *- record: *//p' "$P/bpftune.rules.yml" | sort -u)
metric_names <"$T_TMP/rule_exprs" >"$T_TMP/rule_names"
while read -r name; do
	case $name in
	bpftune_*) grep -Fxq "$name" "$T_TMP/families" ||
		fail "the rules use $name, which the daemon does not write" ;;
	bpftune:*) grep -Fxq "$name" <<<"$recorded" ||
		fail "the rules use $name, which no rule records" ;;
	up) ;; # Prometheus' own scrape health
	*) fail "the rules use '$name', neither bpftune's nor a rule's" ;;
	esac
done <"$T_TMP/rule_names"
pass "rules use $(grep -c . "$T_TMP/rule_names") names, all written by the daemon or recorded"

# --- dashboard: every query's metric names are the daemon's ---
dash=$P/bpftune-grafana.json
jq -e '(.panels | length > 0) and all(.panels[]; (.targets | length) > 0)' "$dash" \
	>/dev/null || fail "dashboard without panels or with a panel without queries"
{
	jq -r '.panels[].targets[].expr' "$dash"
	jq -r '.templating.list[].query.query // .templating.list[].query' "$dash" |
		sed -n 's/^label_values(\([^,]*\),.*/\1/p'
} >"$T_TMP/dash_exprs"
metric_names <"$T_TMP/dash_exprs" >"$T_TMP/dash_names"
[ -s "$T_TMP/dash_names" ] || fail "no metric names found in the dashboard"
while read -r name; do
	grep -Fxq "$name" "$T_TMP/families" ||
		fail "the dashboard queries '$name', which the daemon does not write"
done <"$T_TMP/dash_names"
# and the other way: every family shows up somewhere
while read -r name; do
	grep -Fxq "$name" "$T_TMP/dash_names" ||
		fail "the dashboard shows nothing of $name"
done <"$T_TMP/families"
pass "dashboard: $(grep -c . "$T_TMP/dash_exprs") queries over $(grep -c . "$T_TMP/dash_names") metrics, all from the live daemon"
