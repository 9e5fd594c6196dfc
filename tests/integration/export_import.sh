#!/bin/bash
# Learned state travels: a daemon learns (tcp_conn: bbr for a host behind
# 10 % loss, after one connection; tcp_buffer: tcp_rmem grown in a
# namespace), `bpftune -q export --json` writes both; a second daemon
# started with --import seeds tcp_conn's model from it (no connection
# needed: its export and its summary show the host on bbr since
# connection 0) and logs, without applying, the other host's sysctl
# change.  Stale entries, unknown members and tuners, and algorithms not
# here are ignored with a log line; bad files (truncated, wrong type,
# version, huge, symlink, world-writable, trailing bytes) stop the daemon
# before anything changes, with the reason.
. "$(dirname "$0")/../lib.sh"
require jq
small=(4096 131072 262144)

save_sysctl net.ipv4.tcp_allowed_congestion_control
sysctl -q -w net.ipv4.tcp_allowed_congestion_control="$(sysctl -n net.ipv4.tcp_available_congestion_control)" ||
	fail "cannot allow every congestion control"
two_namespaces
nsysctl_set "$NS_B" net.ipv4.tcp_rmem "${small[*]}"
nsysctl_set "$NS_B" net.ipv4.tcp_congestion_control cubic
loss_start "$NS_A" eth0 10
bulk_server "$NS_A"
iperf_server "$NS_A"
tuners=(-a tcp_conn_tuner.so -a tcp_buffer_tuner.so)
Q_SOCK=$T_TMP/bpftune.sock
q() { "$BPFTUNE" --socket "$Q_SOCK" -q "$@"; }

# --- learn, then export ---
daemon_start "${tuners[@]}"
# a transfer whose SYN was lost may measure too little: bounded rounds
for round in 1 2 3 4; do
	bulk_run_cgroup "$NS_B" "$IP_A" -t 500 >/dev/null
	wait_log "tcp_conn: host $IP_A in .*: congestion control bbr after" 2 && break
	[ "$round" -lt 4 ] || fail "no choice of bbr for $IP_A after 4 connections with 10 % loss"
done
log "tcp_conn chose bbr for $IP_A"
loss_stop >/dev/null
small_rmem_traffic 2 >/dev/null
grown=$(nsysctl "$NS_B" net.ipv4.tcp_rmem)
[ "$grown" != "${small[*]}" ] || fail "tcp_rmem in $NS_B did not grow"
q export --json >"$T_TMP/export.json" || fail "export failed: $(cat "$T_TMP/export.json")"
jq -e --arg ip "$IP_A" --arg ns "/run/netns/$NS_B" '.version == 1 and
	(.exported_at | type) == "number" and
	any(.learned[]; .tuner == "tcp_conn" and .key == $ip and
	    .value == "bbr" and .path == $ns and
	    any(.metrics[]; .name == "bbr.cost"))' "$T_TMP/export.json" >/dev/null ||
	fail "export lacks $IP_A on bbr: $(cat "$T_TMP/export.json")"
jq -e --arg ns "/run/netns/$NS_B" --arg orig "${small[*]}" --arg cur "$grown" '
	any(.changes[]; .tuner == "tcp_buffer" and .tunable == "net.ipv4.tcp_rmem" and
	    .path == $ns and .original == $orig and .current == $cur)' \
	"$T_TMP/export.json" >/dev/null ||
	fail "export lacks tcp_rmem $orig -> $grown: $(jq -c .changes "$T_TMP/export.json")"
q export | grep -Eq "^tcp_conn netns [0-9]+: $IP_A bbr \(age 0 s\) .*bbr\.cost=" ||
	fail "text export lacks $IP_A: $(q export)"
log "exported: $(jq -c '.learned[0] | {key, value, metrics: (.metrics | length)}' "$T_TMP/export.json")"
daemon_stop || fail "first daemon exited with an error"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_rmem)" "${small[*]}" "tcp_rmem rolled back"
cp "$T_LOG" "$T_TMP/first.log"
log "first daemon stopped"

# --- a second daemon seeded from the file ---
daemon_start "${tuners[@]}" --import "$T_TMP/export.json"
wait_log "import .*: [0-9]+ entries seeded" 10 || fail "no import summary logged"
assert_log "import $T_TMP/export.json: 1 learned entries and [0-9]+ changes from host "
assert_log "import .*: tcp_conn: $IP_A in /run/netns/$NS_B: bbr, as learned on "
assert_log "import .*: .* changed net.ipv4.tcp_rmem in /run/netns/$NS_B from '${small[*]}' to '$grown'; not applied: tcp_buffer changes it here"
assert_log "import .*: 1 entries seeded, 0 refused by their tuner, 0 stale"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_rmem)" "${small[*]}" "tcp_rmem after import (a change is not applied)"
q export --json | jq -e --arg ip "$IP_A" 'any(.learned[]; .key == $ip and .value == "bbr")' >/dev/null ||
	fail "second daemon's export lacks the imported host: $(q export --json)"
daemon_stop || fail "second daemon exited with an error"
assert_log "summary: tcp_conn: host $IP_A in netns [0-9]+: chose bbr \(since measured connection 0 of 0\)"

log "second daemon seeded"

# --- valid, but partly not for here: ignored with a line each ---
now=$(date +%s)
jq --arg ip "$IP_A" '.zzz_future = 1 |
	.learned += [(.learned[0] | .key = "192.0.2.9" | .age_s = 700000),
		     (.learned[0] | .key = "192.0.2.10" | .value = "nosuchcc"),
		     (.learned[0] | .tuner = "nosuch_tuner"),
		     (.learned[0] | .key = "192.0.2.11" | .path = "/run/netns/absent-ns" | .global = false)]' \
	"$T_TMP/export.json" >"$T_TMP/odd.json"
daemon_start "${tuners[@]}" --import "$T_TMP/odd.json"
wait_log "import .*: [0-9]+ entries seeded" 10 || fail "no import summary logged"
assert_log "import .*: unknown member \"zzz_future\" in the file ignored"
assert_log "import .*: entries for tuner nosuch_tuner ignored: it is not running here"
assert_log "import .*: tcp_conn: 192.0.2.10 in .* refused: that congestion control is not available here"
assert_log "import .*: tcp_conn: 192.0.2.11 ignored: namespace /run/netns/absent-ns not here"
assert_log "import .*: 1 entries seeded, 1 refused by their tuner, 1 stale \(older than 604800 s\), 1 for tuners not running, 1 for namespaces not here"
daemon_stop || fail "third daemon exited with an error"
assert_no_log "summary: tcp_conn: host 192.0.2.(9|10|11) "

# --- bad files: refused whole, the daemon stops before changing anything ---
bad_import() {
	local file=$1 want=$2 rc
	"$BPFTUNE" -s -c "$T_CGROUP" --state-dir "$T_STATE" -l "$TUNERDIR" \
		--socket "$Q_SOCK" "${tuners[@]}" --import "$file" >"$T_TMP/bad.log" 2>&1
	rc=$?
	[ "$rc" -ne 0 ] || fail "--import $file: daemon ran (exit 0)"
	grep -Eq "import $file: $want.*; nothing imported" "$T_TMP/bad.log" ||
		fail "--import $file: expected /$want/, got: $(cat "$T_TMP/bad.log")"
	! grep -q "tuner(s) running" "$T_TMP/bad.log" || fail "--import $file: tuners started"
	assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_rmem)" "${small[*]}" "tcp_rmem after --import $file"
	log "refused $(basename "$file"): $(grep -o "import $file: .*" "$T_TMP/bad.log" | cut -c1-150)"
}
size=$(stat -c %s "$T_TMP/export.json")
head -c $((size / 2)) "$T_TMP/export.json" >"$T_TMP/truncated.json"
bad_import "$T_TMP/truncated.json" "not a complete JSON document"
jq '.learned[0].age_s = "old"' "$T_TMP/export.json" >"$T_TMP/type.json"
bad_import "$T_TMP/type.json" 'learned\[0\]: "age_s" is not an integer'
jq '.learned[0].metrics = {}' "$T_TMP/export.json" >"$T_TMP/type2.json"
bad_import "$T_TMP/type2.json" 'learned\[0\]: "metrics" is not an array'
jq '.version = 2' "$T_TMP/export.json" >"$T_TMP/version.json"
bad_import "$T_TMP/version.json" "version 2 not understood"
jq --argjson t $((now + 7 * 86400)) '.exported_at = $t' "$T_TMP/export.json" >"$T_TMP/future.json"
bad_import "$T_TMP/future.json" '"exported_at" is not an integer in'
{ cat "$T_TMP/export.json"; echo '{}'; } >"$T_TMP/trailing.json"
bad_import "$T_TMP/trailing.json" "bytes after the JSON document"
head -c $((5 << 20)) /dev/zero | tr '\0' ' ' >"$T_TMP/huge.json"
bad_import "$T_TMP/huge.json" "5242880 bytes, more than the 4194304 accepted"
ln -s "$T_TMP/export.json" "$T_TMP/link.json"
bad_import "$T_TMP/link.json" "is a symbolic link"
cp "$T_TMP/export.json" "$T_TMP/open.json" && chmod 0666 "$T_TMP/open.json"
bad_import "$T_TMP/open.json" "writable by every user; refused"
bad_import "$T_TMP/missing.json" "cannot open: No such file or directory"
pass "export, import seeding tcp_conn, a change logged not applied, 10 bad files refused"
