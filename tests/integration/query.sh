#!/bin/bash
# Query socket and bpftune -q: every query in text and JSON after a real
# tuning event in a namespace, the values it reports against the sysctls,
# the rollback commands it prints (run them), and robustness: silent
# clients, too many clients, garbage, long requests, clients leaving
# mid-reply, enable refused over TCP.
. "$(dirname "$0")/../lib.sh"
t_start=$EPOCHREALTIME # after the machine lock
require iperf3 jq python3 ss
small_rmem_setup
port=$(free_port)
# a socket file left by a daemon that died is taken over
"$Q_PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	"$T_TMP/bpftune.sock" || fail "cannot make a stale socket"
# -d: the daemon logs what it does with each misbehaving client
query_daemon_start -d -a tcp_buffer_tuner.so -p "$port"

# --- sockets: UNIX 0600, TCP on loopback only ---
[ -S "$Q_SOCK" ] || fail "$Q_SOCK is not a socket"
assert_eq "$(stat -c '%a %U' "$Q_SOCK")" "600 root" "query socket mode/owner"
assert_eq "$(ss -Hltn "sport = :$port" | awk '{print $4}')" "127.0.0.1:$port" \
	"TCP query listener address"

small_rmem_traffic 2 >/dev/null
grown=$(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)
assert_gt "$grown" 262144 "tcp_rmem max in B after traffic"
cookie=$(netns_cookie "$NS_B")
[ -n "$cookie" ] || fail "jstatus does not list /run/netns/$NS_B"
log "netns $NS_B has cookie $cookie; tcp_rmem max 262144 -> $grown"

# --- every JSON form is valid JSON ---
for query in jhelp jtuners jtunables jstatus jsummary jrollback \
	"tuners --json" "status --json"; do
	# shellcheck disable=SC2086
	q $query | jq -e . >/dev/null || fail "'$query' is not valid JSON"
done

# --- tuners ---
q tuners | grep -Eq '^tcp_buffer active [0-9]+ events handled, [0-9]+ changes; hooks: .*; stepped aside in: no namespace$' ||
	fail "tuners: $(q tuners | head -3)"
q jtuners | jq -e '.tuners[] | select(.name == "tcp_buffer") |
	.state == "active" and .events > 0 and .changes > 0 and
	(.hooks | length) > 0 and all(.hooks[]; .tier != "none") and
	.disabled == []' >/dev/null || fail "jtuners: $(q jtuners)"
hook=$(q jtuners | jq -r '.tuners[0] | "\(.name) \(.state) .*hooks: \(.hooks[0].name) \(.hooks[0].tier)[,;]"')
q tuners | grep -Eq "^$hook" || fail "text tuners lacks /$hook/"

# --- tunables: scope and bounds, cap = min(INT_MAX, RAM/32) ---
ram=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024))
cap=$((ram / 32)); [ "$cap" -gt 2147483647 ] && cap=2147483647
q jtunables | jq -e --argjson cap "$cap" '.tunables[] |
	select(.name == "net.ipv4.tcp_rmem") | .tuner == "tcp_buffer" and
	.scope == "netns" and .values == 3 and .present and
	.min == [1,1,1] and .max == [$cap,$cap,$cap]' >/dev/null ||
	fail "jtunables tcp_rmem: $(q jtunables)"
q tunables | grep -Fq "tcp_buffer net.ipv4.tcp_rmem integer 3 per netns, bounds [1..$cap]" ||
	fail "tunables text: $(q tunables)"

# --- status: current values per netns, with the original ---
now=$(nsysctl "$NS_B" net.ipv4.tcp_rmem)
got=$(q jstatus | jq -r --argjson c "$cookie" '.status[] |
	select(.netns == $c and .tunable == "net.ipv4.tcp_rmem") |
	"\(.values | join(" "))|\(.original)|\(.global)"')
assert_eq "$got" "$now|4096 131072 262144|false" "jstatus for B"
q status | grep -Fq "  netns $cookie: $now (bpftune changed it from 4096 131072 262144)" ||
	fail "status text lacks B's line"
root_now=$(sysctl -n net.ipv4.tcp_rmem | tr '\t' ' ')
got=$(q jstatus | jq -r '.status[] | select(.global and .tunable == "net.ipv4.tcp_rmem") | .value')
assert_eq "$got" "$root_now" "jstatus for the global netns"

# --- summary ---
count=$(q jsummary | jq -r --argjson c "$cookie" '.summary[] |
	select(.tuner == "tcp_buffer") | .tunables[] |
	select(.netns == $c and .tunable == "net.ipv4.tcp_rmem") |
	select(.original == "4096 131072 262144") |
	select(.scenarios[0].name == "receive buffer nearly full") |
	"\(.count) \(.current)"')
assert_eq "${count#* }" "$now" "jsummary current value in B"
count=${count%% *}
assert_gt "$count" 0 "jsummary change count in B"
q summary | grep -Fq "  net.ipv4.tcp_rmem in netns $cookie: $count change" ||
	fail "summary text lacks B: $(q summary)"

# --- requests the daemon must refuse or answer with help ---
out=$(q frobnicate); rc=$?
assert_eq "$rc" 1 "exit code for an unknown query"
echo "$out" | head -1 | grep -Fxq "unknown query 'frobnicate'" || fail "unknown query: $out"
echo "$out" | grep -Fq "enable TUNER [NETNS]" || fail "no help after unknown query"
out=$(q status extra 2>&1); rc=$?
assert_eq "$rc" 2 "client exit code for status with an argument"
assert_eq "$out" "bpftune: bad query: query 'status' takes no arguments ('extra' given)" \
	"client's check of status extra"
out=$(q "$(printf 'sta\001tus')" 2>&1); rc=$?
assert_eq "$rc" 2 "client exit code for garbage"
assert_eq "$out" "bpftune: bad query: request has a non-printable byte 0x01 at offset 3" \
	"client's garbage check"
raw() { # raw 'BYTES' (\xNN escapes): send them as they are, print the answer
	"$Q_PY" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
s.shutdown(socket.SHUT_WR)
out = b""
while True:
    d = s.recv(65536)
    if not d: break
    out += d
sys.stdout.write(out.decode())' "$Q_SOCK" "$1"
}
assert_eq "$(raw '\xff\x00junk\n')" "error: request has a non-printable byte 0xff at offset 0" "garbage"
assert_eq "$(raw "$(printf 'status%0300d' 0)")" "error: request longer than 256 bytes" "long request"
assert_eq "$(raw 'tuners')" "$(q tuners)" "request ended by shutdown instead of newline"
assert_eq "$(raw 'status extra\n')" "error: query 'status' takes no arguments ('extra' given)" \
	"daemon's check of status extra"

# --- enable: names and cookies resolved, refused over TCP ---
assert_eq "$(q enable tcp_buffer "$NS_B")" \
	"tcp_buffer: was not disabled in netns $cookie; nothing to do" "enable by netns name"
assert_eq "$(q enable tcp_buffer "$cookie" --json)" \
	"{\"tuner\":\"tcp_buffer\",\"netns\":\"netns $cookie\",\"was_disabled\":false}" "jenable"
assert_eq "$(q enable nosuch 2>&1)" "error: no tuner named 'nosuch' (see the tuners query)" "enable nosuch"
assert_eq "$(q enable tcp_buffer no-such-ns 2>&1)" \
	"error: netns 'no-such-ns': No such file or directory" "enable in a missing netns"
out=$("$BPFTUNE" -p "$port" -q enable tcp_buffer 2>&1); rc=$?
assert_eq "$rc:$out" "1:error: 'enable' is accepted on the UNIX socket only" "enable over TCP"
"$BPFTUNE" -p "$port" -q jstatus | jq -e ".status | length > 0" >/dev/null ||
	fail "jstatus over TCP"

# --- silent clients cannot block the daemon; 32 at most; 2 s deadline ---
"$Q_PY" - "$Q_SOCK" "$BPFTUNE" <<'PY' || fail "silent client check"
import socket, subprocess, sys, time
path, bpftune = sys.argv[1:3]
t0 = time.monotonic()
silent = []
for i in range(32):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    if i == 0:
        s.sendall(b"stat")  # half a request, then nothing
    silent.append(s)
extra = socket.socket(socket.AF_UNIX)
extra.settimeout(3)
extra.connect(path)
busy = extra.recv(200)
assert busy == b"error: too many query clients; try again\n", busy
for s in silent[-4:]:
    s.close()  # leaving without a request frees the slot at once
silent = silent[:-4]
time.sleep(0.1)
t = time.monotonic()
out = subprocess.run([bpftune, "--socket", path, "-q", "tuners"],
                     capture_output=True, timeout=5)
took = time.monotonic() - t
assert out.returncode == 0 and out.stdout.startswith(b"tcp_buffer active "), out
assert took < 1.0, f"query took {took:.2f} s next to 28 silent clients"
for s in silent:
    s.settimeout(5)
    assert s.recv(10) == b"", "the daemon answered a silent client"
closed = time.monotonic() - t0
assert 1.5 < closed < 4.0, f"silent clients closed after {closed:.2f} s"
print(f"query beside 28 silent clients: {took * 1000:.0f} ms; "
      f"silent clients closed after {closed:.2f} s")
PY

# --- clients leaving before or during the answer are harmless ---
"$Q_PY" - "$Q_SOCK" "$port" <<'PY' || fail "mid-reply disconnects"
import socket, struct, sys
path, port = sys.argv[1], int(sys.argv[2])
for i in range(40):
    if i % 2:
        s = socket.socket(socket.AF_UNIX); s.connect(path)
    else:
        s = socket.socket(); s.connect(("127.0.0.1", port))
        # RST instead of FIN on close: the daemon's send then fails
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.sendall(b"jstatus\n")
    if i % 3 == 0:
        s.recv(10)  # take a little, leave the rest
    s.close()
PY
# --- an answer larger than the socket takes, to readers that do not read:
#     the daemon waits for EPOLLOUT and answers others meanwhile ---
for ((i = 0; i < 200; i++)); do
	unshare -n sleep 30 &
	T_PIDS+=($!)
done
sleep 0.3
"$Q_PY" - "$port" "$Q_SOCK" "$BPFTUNE" <<'PY' || fail "slow readers of a big answer"
import json, socket, subprocess, sys, time
port, path, bpftune = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def slow_reader():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # window stays small
    s.connect(("127.0.0.1", port))
    s.sendall(b"jstatus\n")
    return s
keeps, leaves = slow_reader(), slow_reader()
time.sleep(0.5)
t = time.monotonic()
out = subprocess.run([bpftune, "--socket", path, "-q", "tuners"],
                     capture_output=True, timeout=5)
took = time.monotonic() - t
assert out.returncode == 0 and out.stdout.startswith(b"tcp_buffer"), out
assert took < 1.0, f"query took {took:.2f} s beside two stalled answers"
leaves.recv(100)
leaves.close()  # goes away in the middle of the answer
data = b""
keeps.settimeout(3)
while True:
    d = keeps.recv(1024)
    if not d:
        break
    data += d
n = len(json.loads(data)["status"])
assert n >= 400 and len(data) > 65536, (n, len(data))
print(f"{len(data)} byte answer ({n} entries) to a reader with a 2 KiB "
      f"window; other query meanwhile: {took * 1000:.0f} ms")
PY
kill -0 "$T_DAEMON" || fail "daemon died after clients left mid-reply"
q tuners | grep -q "^tcp_buffer active" || fail "daemon stopped answering"
assert_no_log "^bpftune: error|AddressSanitizer|runtime error"

# --- rollback: the commands restore B's originals when run ---
line="nsenter --net=/run/netns/$NS_B sysctl -w 'net.ipv4.tcp_rmem=4096 131072 262144'"
q rollback | grep -Fxq "$line" || fail "rollback lacks: $line; got: $(q rollback)"
jline=$(q jrollback | jq -r --argjson c "$cookie" '.rollback[] |
	select(.netns == $c and .tunable == "net.ipv4.tcp_rmem") | .command')
assert_eq "$jline" "$line" "jrollback command"
q rollback | grep -F "/run/netns/$NS_B " | bash >/dev/null || fail "running rollback lines"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_rmem)" "4096 131072 262144" "B's tcp_rmem after rollback lines"

# a second daemon cannot take a live socket; a non-socket file is kept
second() {
	"$BPFTUNE" -s -n -c "$T_CGROUP" --state-dir "$T_TMP/state2" -l "$TUNERDIR" \
		-a tcp_buffer_tuner.so --socket "$1" 2>&1 | grep -E "error|tuner\(s\) running"
	return "${PIPESTATUS[0]}"
}
out=$(second "$Q_SOCK"); rc=$?
assert_eq "$rc:$out" "1:bpftune: error: another bpftune answers on $Q_SOCK
bpftune: error: cannot listen on query socket $Q_SOCK: Address already in use" "second daemon"
echo keep >"$T_TMP/not-a-socket"
out=$(second "$T_TMP/not-a-socket"); rc=$?
assert_eq "$rc" 1 "daemon exit code with a non-socket file at --socket"
echo "$out" | grep -Fq "error: query socket $T_TMP/not-a-socket exists and is not a socket" ||
	fail "non-socket file at --socket: $out"
assert_eq "$(cat "$T_TMP/not-a-socket")" keep "file at --socket left alone"

daemon_stop || fail "daemon exit code"
[ -e "$Q_SOCK" ] && fail "query socket left behind"
assert_log "summary: tcp_buffer: $count changes? to net.ipv4.tcp_rmem in netns $cookie: 4096 131072 262144 -> "
# the daemon's side of the robustness checks (debug lines, -d)
assert_eq "$(grep -c 'query client sent no complete request after 2000 ms; closed' "$T_LOG")" 28 \
	"silent clients closed by the daemon"
assert_log "query client left mid-reply: (Broken pipe|Connection reset by peer)"
pass "all queries answered; values match the sysctls ($(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t_start }") s after the lock)"
