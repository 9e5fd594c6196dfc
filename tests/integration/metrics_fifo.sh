#!/bin/bash
# Untrusted names and files: a FIFO planted at the metrics file's temporary
# path (before start and while running) blocks nothing; a /run/netns name
# that is not UTF-8 leaves jstatus valid JSON (strictly decoded) and the
# Prometheus text valid UTF-8.
. "$(dirname "$0")/../lib.sh"
t_start=$EPOCHREALTIME
require iperf3 python3
save_sysctl net.ipv4.tcp_rmem net.ipv4.tcp_wmem
small_rmem_setup
mdir=$T_TMP/metrics
mkdir -p "$mdir"
prom=$mdir/bpftune.prom
mkfifo "$prom.tmp" || fail "mkfifo"
# a name of bytes that are not UTF-8 (cleaned up with the test's prefix)
odd=${T_ID}-$'\xff\xfe-x'
ip netns add "$odd" || fail "cannot create netns with a non-UTF-8 name"
T_NETNS+=("$odd")

Q_SOCK=$T_TMP/bpftune.sock
cgroup_create
"$BPFTUNE" -s -c "$T_CGROUP" --state-dir "$T_STATE" \
	-l "$TUNERDIR" --socket "$Q_SOCK" -R -a tcp_buffer_tuner.so \
	--metrics-file "$prom" >"$T_LOG" 2>&1 &
T_DAEMON=$!
if ! wait_log "tuner\(s\) running" 10; then
	kill -KILL "$T_DAEMON" # blocked in open(), signals cannot reach it
	T_KILLED=1
	fail "daemon did not start with a FIFO at $prom.tmp (blocked in open?)"
fi
[ -f "$prom" ] && [ ! -p "$prom" ] || fail "no regular metrics file"
[ -e "$prom.tmp" ] && fail "temporary path left behind: $(stat -c %F "$prom.tmp")"
grep -qx "bpftune_up 1" "$prom" || fail "metrics file lacks bpftune_up 1"

# planted again while running: the next rewrite goes through
mkfifo "$prom.tmp"
before=$(grep -c . "$prom")
small_rmem_traffic 2 >/dev/null
wait_log "receive buffer nearly full" 10 || fail "no tuning event"
for ((i = 0; i < 30; i++)); do
	grep -q 'bpftune_tunable_changes_total{tuner="tcp_buffer"' "$prom" && break
	sleep 0.1
done
grep -q 'bpftune_tunable_changes_total{tuner="tcp_buffer"' "$prom" ||
	fail "metrics file not rewritten after a FIFO was planted"
[ -p "$prom.tmp" ] && fail "FIFO still at the temporary path"
q() { "$BPFTUNE" --socket "$Q_SOCK" -q "$@"; }
q tuners | grep -q "^tcp_buffer active" || fail "daemon not answering"

# --- the non-UTF-8 name: strict JSON decoding of jstatus and jrollback ---
"$Q_PY" - "$BPFTUNE" "$Q_SOCK" "$prom" "$T_ID" <<'PY' || fail "non-UTF-8 name"
import json, subprocess, sys
bpftune, sock, prom, tid = sys.argv[1:5]
for query in ("jstatus", "jrollback", "jsummary", "jtuners"):
    out = subprocess.run([bpftune, "--socket", sock, "-q", query],
                         capture_output=True, timeout=10).stdout
    doc = json.loads(out.decode("utf-8"))  # strict: invalid UTF-8 raises
paths = {e["path"] for e in json.loads(subprocess.run(
    [bpftune, "--socket", sock, "-q", "jstatus"], capture_output=True,
    timeout=10).stdout.decode("utf-8"))["status"] if e["path"]}
want = f"/run/netns/{tid}-\ufffd\ufffd-x"
assert want in paths, f"{want!r} not among {sorted(p for p in paths if tid in p)}"
open(prom, "rb").read().decode("utf-8")
print("jstatus shows", ascii(want))
PY
kill -0 "$T_DAEMON" || fail "daemon died"
daemon_stop || fail "daemon exit code"
grep -qx "bpftune_up 0" "$prom" || fail "final metrics file lacks bpftune_up 0"
assert_no_log "AddressSanitizer|runtime error"
pass "FIFO at the temporary path removed, not opened; non-UTF-8 netns name escaped ($(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t_start }") s after the lock)"
