#!/bin/bash
# netns: 300 namespaces created and destroyed while the daemon runs.  The
# daemon must open each (its fd count rises by about 300: proof it follows
# them) and close every one once they are gone, so its fd count and RSS
# return to where they started: it never keeps a dead namespace alive.
. "$(dirname "$0")/../../../tests/lib.sh"

N=300
FD_MARGIN=2
RSS_MARGIN_KB=1024

fd_count() { ls "/proc/$T_DAEMON/fd" | wc -l; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$T_DAEMON/status"; }
# wait_fds OP VALUE TIMEOUT_S: wait until the fd count OP VALUE holds
wait_fds() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(fd_count)" "$1" "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

daemon_start -a netns_tuner.so
sleep 0.3
fd0=$(fd_count)
rss0=$(rss_kb)
log "daemon: $fd0 fds, RSS $rss0 KiB at start"

names=()
for ((i = 0; i < N; i++)); do
	names+=("${T_ID}-c$i")
done
# registered first, so that a failure below still removes them all
T_NETNS+=("${names[@]}")
printf 'netns add %s\n' "${names[@]}" | ip -batch - || fail "cannot create namespaces"
wait_fds -ge $((fd0 + N)) 10 ||
	fail "daemon holds $(fd_count) fds, expected >= $((fd0 + N)) with $N new namespaces"
fd1=$(fd_count)
log "daemon: $fd1 fds, RSS $(rss_kb) KiB with $N more namespaces"

printf 'netns del %s\n' "${names[@]}" | ip -batch - || fail "cannot delete namespaces"
wait_fds -le $((fd0 + FD_MARGIN)) 10 ||
	fail "daemon still holds $(fd_count) fds after the namespaces went away (started with $fd0)"
# a second round: a leak per cycle would show up here
printf 'netns add %s\n' "${names[@]}" | ip -batch - || fail "cannot create namespaces"
wait_fds -ge $((fd0 + N)) 10 || fail "second round: namespaces not followed"
printf 'netns del %s\n' "${names[@]}" | ip -batch - || fail "cannot delete namespaces"
wait_fds -le $((fd0 + FD_MARGIN)) 10 ||
	fail "second round: daemon still holds $(fd_count) fds (started with $fd0)"
fd2=$(fd_count)
rss2=$(rss_kb)
log "daemon: $fd2 fds, RSS $rss2 KiB after 2 x $N namespaces came and went"
[ "$rss2" -le $((rss0 + RSS_MARGIN_KB)) ] ||
	fail "RSS grew from $rss0 to $rss2 KiB (margin $RSS_MARGIN_KB)"
# the namespaces themselves are gone: nothing holds them
for ((i = 0; i < N; i += 50)); do
	[ -e "/run/netns/${names[$i]}" ] && fail "${names[$i]} still exists"
done
daemon_stop || fail "daemon exited with an error"
pass "fds $fd0 -> $fd1 -> $fd2, RSS $rss0 -> $rss2 KiB over 2 x $N namespaces"
