#!/bin/bash
# Many namespaces: LIVE namespaces (each held by a process, found under
# /proc) with the daemon started under a low soft open-file limit, as
# systemd gives it; every namespace is known (one fd each) and a sample of
# them gets tuned; then CHURN namespaces are created and destroyed; the
# daemon's fd count and RSS come back flat and namespaces old and new are
# still tuned.  make test runs a small size; `make scale` the full one
# (SCALE_LIVE=5000 SCALE_CHURN=20000, soft limit 1024).
. "$(dirname "$0")/../lib.sh"
t_start=$EPOCHREALTIME
LIVE=${SCALE_LIVE:-200}
CHURN=${SCALE_CHURN:-500}
SOFT=${SCALE_SOFT_NOFILE:-128}
SAMPLE=${SCALE_SAMPLE:-1}
NSFARM=$BUILD/tools/nsfarm
[ -x "$NSFARM" ] || fail "$NSFARM is not built (make tools)"
hard=$(ulimit -Hn)
[ "$hard" -gt $((LIVE + 200)) ] || skip "hard open-file limit $hard is below $LIVE namespaces"
max_ns=$(cat /proc/sys/user/max_net_namespaces)
[ "$max_ns" -gt $((LIVE + 500)) ] || skip "user.max_net_namespaces $max_ns is too low"

ns_fds() { find "/proc/$T_DAEMON/fd" -mindepth 1 -lname 'net:*' 2>/dev/null | wc -l; }
all_fds() { find "/proc/$T_DAEMON/fd" -mindepth 1 2>/dev/null | wc -l; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$T_DAEMON/status"; }
# wait_fds OP N [TIMEOUT_S]: until the daemon holds OP N namespace fds
wait_fds() {
	local op=$1 n=$2 timeout=${3:-30} i
	for ((i = 0; i < timeout * 5; i++)); do
		[ "$(ns_fds)" "$op" "$n" ] && return 0
		sleep 0.2
	done
	return 1
}

# farm NAME ARGS...: start nsfarm, wait for its first phase line
farm() {
	local name=$1
	shift
	"$NSFARM" -l -o "$T_TMP/$name.pids" "$@" >"$T_TMP/$name.out" 2>&1 &
	T_PIDS+=($!)
	FARM_PID=$!
}
farm_wait() {
	local name=$1 word=$2 timeout=$3 i
	for ((i = 0; i < timeout * 10; i++)); do
		grep -q "^$word" "$T_TMP/$name.out" 2>/dev/null && return 0
		kill -0 "$FARM_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "nsfarm $name: no '$word' line: $(cat "$T_TMP/$name.out")"
}

# tuned_in PID: a bulk transfer over lo in PID's namespace with a small
# tcp_rmem max; the daemon must raise it there
tuned_in() {
	local pid=$1 spid max i r
	nsenter -t "$pid" -n sysctl -qw net.ipv4.tcp_rmem="4096 131072 262144" ||
		fail "cannot set tcp_rmem in the namespace of $pid"
	nsenter -t "$pid" -n "$BUILD/tools/bulk" -s -p 5301 >/dev/null 2>&1 &
	spid=$!
	sleep 0.2
	# a receive event comes while a flow's buffer grows into the limit;
	# drive the flow until the daemon has seen one (at most 3 rounds)
	for ((r = 0; r < 3; r++)); do
		nsenter -t "$pid" -n "$BUILD/tools/bulk" -c 127.0.0.1 -p 5301 -t 400 -q >/dev/null 2>&1
		for ((i = 0; i < 10; i++)); do
			max=$(nsenter -t "$pid" -n sysctl -n net.ipv4.tcp_rmem | awk '{print $3}')
			[ "$max" -gt 262144 ] && break 2
			sleep 0.1
		done
	done
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	[ "$max" -gt 262144 ] || fail "namespace of pid $pid not tuned: tcp_rmem max $max"
}
# tune_sample FILE: tuned_in for the first, the last and random pids of
# FILE, each namespace once (a namespace tuned before may have stopped
# growing there: tcp_buffer's latency rule, when srtt follows the buffer)
declare -A SAMPLED
tune_sample() {
	local pids
	mapfile -t pids <"$1"
	local n=${#pids[@]} picks=() i j
	for i in 0 $((n - 1)) $(for ((j = 0; j < SAMPLE + 2; j++)); do
		echo $(((RANDOM * 32768 + RANDOM) % n)); done); do
		[ -n "${SAMPLED[${pids[$i]}]:-}" ] && continue
		SAMPLED[${pids[$i]}]=1
		picks+=("$i")
		[ ${#picks[@]} -ge $((SAMPLE + 2)) ] && break
	done
	[ ${#picks[@]} -gt 0 ] || fail "no namespace of $1 left to sample"
	for i in "${picks[@]}"; do
		tuned_in "${pids[$i]}"
	done
	TUNED=$((TUNED + ${#picks[@]}))
}
TUNED=0

# the daemon under the soft limit systemd would give it
ulimit -Sn "$SOFT"
daemon_start -a tcp_buffer_tuner.so -a netns_tuner.so
ulimit -Sn "$hard"
base_ns=$(ns_fds)
base_fds=$(all_fds)
log "daemon: $base_fds fds ($base_ns namespaces), soft limit given $SOFT, now $(awk '/Max open files/ {print $4}' "/proc/$T_DAEMON/limits")"

t0=$EPOCHREALTIME
farm live -n "$LIVE"
farm_wait live created $((LIVE / 50 + 30))
LIVE_PID=$FARM_PID
wait_fds -ge $((base_ns + LIVE)) $((LIVE / 100 + 20)) ||
	fail "daemon knows $(ns_fds) namespaces, expected $((base_ns + LIVE)) (open-file limit?)"
t_live=$(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t0 }")
fds_live=$(all_fds)
rss_live=$(rss_kb)
log "$(cat "$T_TMP/live.out"); daemon knows them all after $t_live s: $fds_live fds, RSS $rss_live kB"
tune_sample "$T_TMP/live.pids"

# churn: CHURN namespaces created and destroyed beside the live ones
t0=$EPOCHREALTIME
farm churn -n 50 -c "$CHURN"
farm_wait churn churned $((CHURN / 100 + 60))
kill "$FARM_PID"
wait "$FARM_PID"
t_churn=$(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t0 }")
log "$(tail -1 "$T_TMP/churn.out") (with the daemon following: $t_churn s)"
wait_fds -le $((base_ns + LIVE)) 20 ||
	fail "after the churn the daemon holds $(ns_fds) namespace fds, expected $((base_ns + LIVE))"
kill -0 "$T_DAEMON" || fail "daemon died in the churn"
fds_after=$(all_fds)
rss_after=$(rss_kb)
log "after the churn: $fds_after fds (was $fds_live), RSS $rss_after kB (was $rss_live)"
# +1: a scan in progress holds /proc open
[ "$fds_after" -le $((fds_live + 1)) ] || fail "fd count grew over the churn: $fds_live -> $fds_after"
[ "$rss_after" -le $((rss_live * 105 / 100)) ] ||
	fail "RSS grew over the churn: $rss_live -> $rss_after kB (> 5 %)"

# still tuned: old namespaces and ones made after the churn
tune_sample "$T_TMP/live.pids"
farm new -n 20
farm_wait new created 20
wait_fds -ge $((base_ns + LIVE + 20)) 20 || fail "new namespaces after the churn not known"
tune_sample "$T_TMP/new.pids"

kill "$LIVE_PID" "$FARM_PID"
wait "$LIVE_PID" "$FARM_PID"
wait_fds -le "$base_ns" 30 || fail "daemon still holds $(ns_fds) namespace fds after they all went"
log "all gone: $(all_fds) fds (at start $base_fds), RSS $(rss_kb) kB"
[ "$(all_fds)" -le $((base_fds + 1)) ] || fail "fds not back to the start: $(all_fds) > $base_fds"
daemon_stop || fail "daemon exit code"
assert_no_log "AddressSanitizer|runtime error|Too many open files"
# the tuned namespaces are all gone: their change records went with them,
# the summary counts them
assert_log "summary: tcp_buffer: [0-9]+ changes? to net.ipv4.tcp_rmem in [0-9]+ namespaces? that ha(s|ve) since gone"
assert_no_log "summary: tcp_buffer: [0-9]+ changes? to net.ipv4.tcp_rmem in netns"
pass "$LIVE live + $CHURN churned namespaces (soft limit $SOFT): all known in $t_live s, $TUNED sampled namespaces tuned, fds $fds_live -> $fds_after, RSS $rss_live -> $rss_after kB ($(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t_start }") s after the lock)"
