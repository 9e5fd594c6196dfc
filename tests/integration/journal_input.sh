#!/bin/bash
# The journal is input, not truth:
#  - one writer per state directory: a second daemon and --restore refuse
#    while a daemon runs;
#  - a torn last record is dropped and cut off, not glued onto the next;
#  - after a restart, the rollback query and the summary name the
#    journal's originals, not the previous run's values;
#  - --restore leaves a value an administrator set after bpftune's last
#    write, and writes only sysctls a tuner declares, within its bounds,
#    from a state directory nobody else can write.
. "$(dirname "$0")/../lib.sh"
require iperf3 python3

SMALL="4096 131072 262144"
small_rmem_setup
CA=$(netns_cookie "$NS_A")
CB=$(netns_cookie "$NS_B")

# record TAG COOKIE NAME VALUE: a journal record with its hash
record() {
	python3 -c 'import sys
text = " ".join(sys.argv[1:])
h = 2166136261
for c in text.encode():
    h = ((h ^ c) * 16777619) & 0xffffffff
print("%s #%08x" % (text, h))' "$@"
}
restore() { "$BPFTUNE" --restore --state-dir "$T_STATE" -l "$TUNERDIR" "$@"; }

NO_ROLLBACK=1 daemon_start -a tcp_buffer_tuner.so

# 1. one writer at a time
timeout 20 "$BPFTUNE" -s -c "$T_CGROUP" --state-dir "$T_STATE" -l "$TUNERDIR" \
	--socket "$T_TMP/second.sock" -a tcp_buffer_tuner.so >"$T_TMP/second.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] ||
	fail "a second daemon on the same state directory ran (rc $rc)"
grep -q "another bpftune daemon runs with state directory $T_STATE; refusing to start a second one" "$T_TMP/second.log" ||
	fail "the second daemon did not say why: $(cat "$T_TMP/second.log")"
restore >"$T_TMP/restore0.log" 2>&1 && fail "--restore ran while the daemon runs"
grep -q "another bpftune daemon runs with state directory $T_STATE; it restores on exit with -R; stop it before --restore" "$T_TMP/restore0.log" ||
	fail "--restore did not say why: $(cat "$T_TMP/restore0.log")"

small_rmem_traffic 2 >/dev/null
grown=$(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)
assert_gt "$grown" 262144 "tcp_rmem max in B"
daemon_stop KILL

# 2. a torn last record (the daemon died writing it)
printf 'o %s net.ipv4.tcp_wmem 1 1 1' "$CB" >>"$T_STATE/journal"
NO_ROLLBACK=1 daemon_start -a tcp_buffer_tuner.so
assert_log "journal: the last line is incomplete \([0-9]+ bytes: an interrupted write\); dropped"
# 3. the restarted daemon's changes start from the journal's original,
# not from the value it finds (set here between the two runs, so that
# growth resumes from well below the previous run's value)
nsysctl_set "$NS_B" net.ipv4.tcp_rmem "4096 131072 300000"
small_rmem_traffic 2 >/dev/null
regrown=$(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)
assert_gt "$regrown" 300000 "tcp_rmem max in B after the restart"
"$BPFTUNE" --socket "$T_TMP/bpftune.sock" -q rollback >"$T_TMP/rollback.txt" ||
	fail "rollback query failed"
grep -q "sysctl -w 'net.ipv4.tcp_rmem=$SMALL'" "$T_TMP/rollback.txt" ||
	fail "rollback query after a restart does not name the original: $(cat "$T_TMP/rollback.txt")"
daemon_stop || fail "daemon exited with an error"
assert_log "summary: tcp_buffer: [0-9]+ changes? to net.ipv4.tcp_rmem in netns $CB: $SMALL -> "
bad=$(grep -Evc '^(#.*|boot [-0-9a-f]+|[ow] [0-9]+ [a-z0-9._/-]+ .* #[0-9a-f]{8})$' "$T_STATE/journal")
assert_eq "$bad" 0 "journal lines not whole records ($(grep -Ev '^(#|boot |[ow] )' "$T_STATE/journal" | head -2))"

# 4. the administrator sets B's tcp_rmem after bpftune: restore leaves it
ADMIN="4096 131072 400000"
nsysctl_set "$NS_B" net.ipv4.tcp_rmem "$ADMIN"
# 5. records bpftune never writes: a sysctl no tuner declares (in a test
# namespace), a value past tcp_rmem's bound
fin=$(nsysctl "$NS_A" net.ipv4.tcp_fin_timeout)
{
	record o "$CA" net.ipv4.tcp_fin_timeout 7
	record o "$CA" net.ipv4.tcp_rmem 1 1 2147483647000
} >>"$T_STATE/journal"
# a state directory others can write is refused outright
chmod 0777 "$T_STATE"
restore >"$T_TMP/restore1.log" 2>&1 && fail "--restore accepted a world-writable state directory"
grep -q "state directory $T_STATE is writable by others (mode 777); refused" "$T_TMP/restore1.log" ||
	fail "no reason given: $(cat "$T_TMP/restore1.log")"
chmod 0700 "$T_STATE"
restore >"$T_TMP/restore2.log" 2>&1 && fail "--restore did not report the refused records"
cat "$T_TMP/restore2.log"
grep -q "journal names net.ipv4.tcp_fin_timeout, which no tuner declares; not restored" "$T_TMP/restore2.log" ||
	fail "undeclared sysctl not refused"
grep -q "journal value '1 1 2147483647000' of net.ipv4.tcp_rmem is outside the bounds" "$T_TMP/restore2.log" ||
	fail "value past the bound not refused"
grep -Eq "net.ipv4.tcp_rmem in netns $CB is '$ADMIN', not '4096 131072 [0-9]+' as bpftune last set it: someone changed it since; left alone \(original '$SMALL'\)" "$T_TMP/restore2.log" ||
	fail "the administrator's value was not reported as left alone"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_rmem)" "$ADMIN" "B's tcp_rmem (the administrator's)"
assert_eq "$(nsysctl "$NS_A" net.ipv4.tcp_fin_timeout)" "$fin" "A's tcp_fin_timeout"
assert_eq "$(nsysctl_field "$NS_A" net.ipv4.tcp_rmem 1)" 4096 "A's tcp_rmem min"
log "own time: $(elapsed) s"
pass "second daemon and --restore refused while running; torn record dropped; originals kept across a restart; administrator's value and untrusted records left alone"
