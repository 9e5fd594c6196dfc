#!/bin/bash
# --metrics-file read by the real node_exporter: after a tuning event in
# a namespace, a scrape of /metrics shows bpftune's metrics with the
# values the sysctls and the query socket report.
. "$(dirname "$0")/../lib.sh"
t_start=$EPOCHREALTIME # after the machine lock
require iperf3 jq curl python3 prometheus-node-exporter
small_rmem_setup
prom_dir=$T_TMP/textfile
mkdir -p "$prom_dir"
query_daemon_start -a tcp_buffer_tuner.so --metrics-file "$prom_dir/bpftune.prom"
[ -f "$prom_dir/bpftune.prom" ] || fail "no metrics file at start"

port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
	--collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$prom_dir" >"$T_TMP/node_exporter.log" 2>&1 &
T_PIDS+=($!)
scrape() {
	curl -sf --max-time 3 "http://127.0.0.1:$port/metrics" >"$T_TMP/scrape" 2>/dev/null
}
metric() {
	local v
	v=$(prom_value "$T_TMP/scrape" "$@")
	# on a miss, show what node_exporter had and said (parse errors)
	[ -n "$v" ] || { echo "no $1{$2} in /metrics:"; grep -E "^$1|scrape_error" "$T_TMP/scrape"
		tail -2 "$T_TMP/node_exporter.log"; } >&2
	echo "$v"
}
for ((i = 0; i < 50; i++)); do
	scrape && break
	sleep 0.1
done
scrape || fail "node_exporter does not answer: $(tail -3 "$T_TMP/node_exporter.log")"
assert_eq "$(metric bpftune_up '')" 1 "bpftune_up while running"
assert_eq "$(metric node_textfile_scrape_error '')" 0 "node_exporter's textfile parse errors"

small_rmem_traffic 2 >/dev/null
grown=$(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)
assert_gt "$grown" 262144 "tcp_rmem max in B after traffic"
cookie=$(netns_cookie "$NS_B")
[ -n "$cookie" ] || fail "no cookie for $NS_B"

# the file follows a change within METRICS_DELAY_MS (200 ms)
B_RMEM="tuner=\"tcp_buffer\",tunable=\"net.ipv4.tcp_rmem\",netns=\"$cookie\""
for ((i = 0; i < 30; i++)); do
	scrape && [ "$(metric bpftune_tunable_value "$B_RMEM,index=\"2\"")" = "$grown" ] && break
	sleep 0.1
done
assert_eq "$(metric bpftune_tunable_value "$B_RMEM,index=\"2\"")" "$grown" "tcp_rmem max of B in /metrics"
assert_eq "$(metric bpftune_tunable_value "$B_RMEM,index=\"0\"")" 4096 "tcp_rmem min of B"
root_max=$(sysctl -n net.ipv4.tcp_rmem | awk '{print $3}')
assert_eq "$(metric bpftune_tunable_value 'tunable="net.ipv4.tcp_rmem",netns="global",index="2"')" \
	"$root_max" "tcp_rmem max of the global netns"

count=$(q jsummary | jq -r --argjson c "$cookie" '.summary[].tunables[] |
	select(.netns == $c and .tunable == "net.ipv4.tcp_rmem") | .count')
assert_gt "$count" 0 "changes to B's tcp_rmem (jsummary)"
assert_eq "$(metric bpftune_tunable_changes_total "$B_RMEM,scenario=\"receive buffer nearly full\"")" \
	"$count" "changes per scenario for B in /metrics"
total=$(metric bpftune_scenario_changes_total 'tuner="tcp_buffer",scenario="receive buffer nearly full"')
[ "$total" -ge "$count" ] || fail "scenario total $total < B's $count"
events=$(metric bpftune_tuner_events_total 'tuner="tcp_buffer"')
[ "$events" -ge "$count" ] || fail "events handled $events < changes $count"
assert_eq "$(metric bpftune_tuner_state 'tuner="tcp_buffer",state="active"')" 1 "state active"
assert_eq "$(metric bpftune_tuner_state 'tuner="tcp_buffer",state="failed"')" 0 "state failed"
assert_eq "$(metric bpftune_tuner_disabled_netns 'tuner="tcp_buffer"')" 0 "disabled namespaces"
tier=$(q jtuners | jq -r '.tuners[0].hooks[] | select(.name == "rmem_check") | .tier')
assert_eq "$(metric bpftune_hook_tier "tuner=\"tcp_buffer\",hook=\"rmem_check\",tier=\"$tier\"")" 1 \
	"hook tier in /metrics"
best=$(sed -nE 's/.*best attach tier ([a-z]+).*/\1/p' "$T_LOG" | head -1)
assert_eq "$(metric bpftune_info "tier=\"$best\",version=\"0.1.0\"")" 1 "bpftune_info tier"
assert_eq "$(metric node_textfile_scrape_error '')" 0 "textfile parse errors after changes"

# rewritten by rename: no temporary file is ever left for the collector
assert_eq "$(ls -A "$prom_dir")" "bpftune.prom" "files in the textfile directory"

daemon_stop || fail "daemon exit code"
scrape || fail "scrape after stop"
assert_eq "$(metric bpftune_up '')" 0 "bpftune_up after the daemon stopped"

# a metrics file that cannot be written: one line, exit 1
out=$("$BPFTUNE" -s -c "$T_CGROUP" --state-dir "$T_STATE" -l "$TUNERDIR" \
	--socket "$T_TMP/other.sock" --metrics-file /nonexistent-dir/b.prom 2>&1)
rc=$?
assert_eq "$rc" 1 "exit code with an unwritable metrics file"
echo "$out" | grep -Fxq "bpftune: error: --metrics-file /nonexistent-dir/b.prom: No such file or directory" ||
	fail "unwritable metrics file message: $out"
pass "node_exporter serves bpftune's metrics: B tcp_rmem max $grown after $count changes ($(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t_start }") s after the lock)"
