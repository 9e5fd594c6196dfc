#!/bin/bash
# Tuners added and removed while the daemon runs: a *_tuner.so that is
# written (even in pieces) or renamed into a watched directory is loaded and
# handles events; one removed or renamed away is finalized (summary printed,
# BPF detached); temporaries are ignored; group-writable files and symlinks
# are refused with one clear line.
. "$(dirname "$0")/../lib.sh"
require iperf3 bpftool

SRC=$BUILD/tuners/tcp_buffer_tuner.so
[ -f "$SRC" ] || fail "$SRC not built"
WATCH=$T_TMP/tuners
mkdir -m 0755 "$WATCH"
PLUGIN=$WATCH/tcp_buffer_tuner.so

# names of tcp_buffer programs the daemon holds attached (its BPF link fds)
daemon_progs() {
	local id
	for id in $(awk 'FNR == 1 {link = 0} /^link_type:/ {link = 1}
			 /^prog_id:/ && link {print $2}' /proc/"$T_DAEMON"/fdinfo/* 2>/dev/null); do
		bpftool prog show id "$id" 2>/dev/null | awk 'NR == 1 {print $4}'
	done | grep -E '^[rw]mem_check__'
}
started_count() { grep -c "tuner tcp_buffer started" "$T_LOG"; }
wait_started() {
	local n=$1 i
	for ((i = 0; i < 100; i++)); do
		[ "$(started_count)" -ge "$n" ] && return 0
		sleep 0.1
	done
	fail "tcp_buffer not started a ${n}th time"
}
wait_count() {
	local re=$1 n=$2 i
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -Ec "$re" "$T_LOG")" -ge "$n" ] && return 0
		sleep 0.1
	done
	fail "log line /$re/ seen fewer than $n times"
}

small_rmem_setup
cp "$SRC" "$PLUGIN"
# given as a relative path: the daemon reports (and keeps) absolute ones
cd "$T_TMP" || fail "cd $T_TMP"
TUNERDIR=tuners daemon_start
cd - >/dev/null || fail "cd back"
wait_started 1
[ -n "$(daemon_progs)" ] || fail "no tcp_buffer program attached by the daemon"
log "attached at start: $(daemon_progs | tr '\n' ' ')"

# progs_gone: the daemon holds no program within 2 s (the summary is
# logged before the skeleton goes; the kernel frees a detached program
# after an RCU grace period)
progs_gone() {
	local i
	for ((i = 0; i < 20; i++)); do
		[ -z "$(daemon_progs)" ] && return 0
		sleep 0.1
	done
	return 1
}

# 1. removed -> finalized: summary printed, programs detached
rm "$PLUGIN"
wait_log "tuner tcp_buffer finalized: $PLUGIN was removed" 10 ||
	fail "removal not noticed"
wait_log "summary: tcp_buffer: (no changes|[0-9]+ changes? to )" 5 || fail "no summary on removal"
progs_gone || fail "programs still attached after removal: $(daemon_progs)"
kill -0 "$T_DAEMON" || fail "daemon exited when its last tuner went"

# 2. written in two pieces: the first close leaves an incomplete ELF file,
# which is refused; the second completes it, and it loads
size=$(stat -c %s "$SRC")
head -c $((size / 2)) "$SRC" >"$PLUGIN"
wait_log "refusing plugin $PLUGIN: file is incomplete" 10 ||
	fail "half-written plugin not refused as incomplete"
tail -c +$((size / 2 + 1)) "$SRC" >>"$PLUGIN"
wait_started 2
[ -n "$(daemon_progs)" ] || fail "no programs attached after the run-time load"

# ...and it handles events: traffic into NS_B grows its tcp_rmem
small_rmem_traffic 2 >/dev/null
rmem_max=$(nsysctl_field "$NS_B" net.ipv4.tcp_rmem 3)
log "after traffic: tcp_rmem max in B = $rmem_max"
assert_gt "$rmem_max" 262144 "tcp_rmem max in B after a run-time load"
assert_log "tcp_buffer: receive buffer nearly full: net.ipv4.tcp_rmem 4096 131072 262144 -> "

# 3. renamed away -> finalized, with the change in its summary
mv "$PLUGIN" "$WATCH/tcp_buffer_tuner.so.old"
wait_log "tuner tcp_buffer finalized: $PLUGIN was removed" 10 ||
	fail "rename away not noticed"
wait_log "summary: tcp_buffer: [0-9]+ changes? to net.ipv4.tcp_rmem in netns [0-9]+: 4096 131072 262144 -> " 5 ||
	fail "summary on removal lacks the change"
progs_gone || fail "programs still attached after rename"
rm "$WATCH/tcp_buffer_tuner.so.old"

# 4. a temporary is ignored; renaming it into place loads it
cp "$SRC" "$WATCH/.tcp_buffer_tuner.so.XXXX"
cp "$SRC" "$WATCH/tcp_buffer_tuner.so.dpkg-new"
sleep 0.5
[ "$(started_count)" -eq 2 ] || fail "a temporary file was loaded"
assert_no_log "tcp_buffer_tuner.so.XXXX|dpkg-new"
mv "$WATCH/.tcp_buffer_tuner.so.XXXX" "$PLUGIN"
wait_started 3
rm "$WATCH/tcp_buffer_tuner.so.dpkg-new"

# 5. replaced by rename (how packages upgrade): old one out, new one in
cp "$SRC" "$WATCH/.new"
mv "$WATCH/.new" "$PLUGIN"
wait_log "tuner tcp_buffer finalized: its file was replaced" 10 ||
	fail "replacement not finalized"
wait_started 4
[ "$(daemon_progs | wc -l)" -le 2 ] || fail "old programs left after replacement: $(daemon_progs)"

# 6. untrusted files are refused with one line each, and not loaded
cp "$SRC" "$WATCH/.gw"
chmod 0664 "$WATCH/.gw"
mv "$WATCH/.gw" "$WATCH/gw_tuner.so"
wait_log "refusing plugin $WATCH/gw_tuner.so: file is group- or other-writable \(mode 664\)" 10 ||
	fail "group-writable plugin not refused"
ln -s "$SRC" "$WATCH/link_tuner.so"
wait_log "refusing plugin $WATCH/link_tuner.so: file is a symlink" 10 ||
	fail "symlinked plugin not refused"
assert_no_log "tuner (gw|link) started"

# 7. a tuner whose fini() forgets its timer: the timer leaves the loop
# before the code is unmapped, and the daemon lives on
LEAKY=$BUILD/tests/plugins/leaky_tuner.so
[ -f "$LEAKY" ] || fail "$LEAKY not built (make unit-bins)"
cp "$LEAKY" "$WATCH/.leaky"
mv "$WATCH/.leaky" "$WATCH/leaky_tuner.so"
wait_log "leaky: first tick" 10 || fail "leaky test tuner did not start"
rm "$WATCH/leaky_tuner.so"
wait_log "tuner leaky left 1 timer\(s\)/fd\(s\) in the event loop after fini\(\); removed them" 10 ||
	fail "the leaked timer was not reported"
sleep 0.3 # fifteen ticks of the leaked timer
kill -0 "$T_DAEMON" 2>/dev/null || fail "daemon died after unloading a tuner that leaked a timer"

daemon_stop || fail "daemon exited with an error"
assert_log "summary: tcp_buffer: (no changes|[0-9]+ changes? to )"
echo "--- daemon log ---"; cat "$T_LOG"
log "own time: $(elapsed) s"
pass "tuners loaded, finalized and refused at run time"
