#!/bin/bash
# A daemon killed with SIGKILL leaves its journal; bpftune --restore puts
# the original values back, in every namespace that still exists, and
# empties the journal.  A journal from another boot is discarded.
. "$(dirname "$0")/../lib.sh"
require iperf3
small_rmem_setup
daemon_start -a tcp_buffer_tuner.so
small_rmem_traffic 2 >/dev/null
assert_gt "$(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)" 262144 "tcp_rmem max grown"
daemon_stop KILL
"$BPFTUNE" --restore --state-dir "$T_STATE" -l "$TUNERDIR" >"$T_TMP/restore.log" 2>&1 ||
	fail "bpftune --restore failed: $(cat "$T_TMP/restore.log")"
cat "$T_TMP/restore.log"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_rmem)" "4096 131072 262144" "tcp_rmem after --restore"
grep -q "restored net.ipv4.tcp_rmem" "$T_TMP/restore.log" || fail "restore did not say what it did"
grep -Eq '^[0-9]+ net' "$T_STATE/journal" 2>/dev/null && fail "journal not emptied"

# a journal written in another boot must not be replayed
cat >"$T_STATE/journal" <<EOT
boot 00000000-0000-0000-0000-000000000000
1 net.ipv4.tcp_rmem 4096 4096 4096
EOT
"$BPFTUNE" --restore --state-dir "$T_STATE" -l "$TUNERDIR" >"$T_TMP/restore2.log" 2>&1 ||
	fail "restore of a foreign journal failed"
grep -q "from another boot; discarded" "$T_TMP/restore2.log" || fail "foreign journal not reported"
[ "$(sysctl -n net.ipv4.tcp_rmem | awk '{print $1 $2 $3}')" != "409640964096" ] ||
	fail "foreign journal was replayed"
pass "--restore after kill -9"
