#!/bin/bash
# -R: on a clean exit every changed tunable gets its original value back,
# and the journal is emptied.
. "$(dirname "$0")/../lib.sh"
require iperf3
small_rmem_setup
daemon_start -R -a tcp_buffer_tuner.so
small_rmem_traffic 2 >/dev/null
grown=$(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)
assert_gt "$grown" 262144 "tcp_rmem max while running"
grep -q "net.ipv4.tcp_rmem 4096 131072 262144" "$T_STATE/journal" ||
	fail "journal lacks the original tcp_rmem"
daemon_stop || fail "daemon exit code"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_rmem)" "4096 131072 262144" "tcp_rmem after -R"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_wmem)" "4096 16384 262144" "tcp_wmem after -R"
assert_log "restored net.ipv4.tcp_rmem = '4096 131072 262144' in netns"
grep -Eq '^[0-9]+ net' "$T_STATE/journal" && fail "journal not emptied after rollback"
pass "rollback restored $grown -> 262144"
