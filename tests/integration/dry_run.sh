#!/bin/bash
# -n (advice mode): decisions are logged, nothing is written, no journal.
. "$(dirname "$0")/../lib.sh"
require iperf3
small_rmem_setup
daemon_start -n -a tcp_buffer_tuner.so
small_rmem_traffic 2 >/dev/null
wait_log "advice \(dry run, not applied\): receive buffer nearly full: net.ipv4.tcp_rmem 4096 131072 262144 -> 4096 131072 [0-9]+" 5 ||
	fail "no advice logged"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_rmem)" "4096 131072 262144" "tcp_rmem in dry-run"
assert_eq "$(nsysctl "$NS_B" net.ipv4.tcp_wmem)" "4096 16384 262144" "tcp_wmem in dry-run"
daemon_stop || fail "daemon exit code"
[ -e "$T_STATE/journal" ] && fail "dry run wrote a journal"
pass "dry run advised and wrote nothing"
