#!/bin/bash
# A stop signal sent while the daemon is still starting is not lost.
# A non-interactive shell starts background jobs with SIGINT ignored, and
# the kernel drops an ignored signal unless the process blocks it; a
# daemon that blocked its stop signals only when its event loop was set up
# kept running after an early SIGINT (a test's cleanup then waited for it
# until its timeout).  The old daemon blocked them only after it logged
# "starting" (after the support probe) and set up namespaces, journal and
# cgroup; the new one blocks them before anything slow.  A first run
# measures how long "starting" takes to appear on this machine now; each
# of the next four signals at half that time (a fixed delay would race
# with a loaded machine) and expects a clean stop with the reason logged.
. "$(dirname "$0")/../lib.sh"

cgroup_create
# start_daemon LOG: sets pid
start_daemon() {
	"$BPFTUNE" -s -c "$T_CGROUP" --state-dir "$T_STATE" -l "$TUNERDIR" \
		--socket "$T_TMP/bpftune.sock" -R -a sys_limits_tuner.so >"$1" 2>&1 &
	pid=$!
	T_PIDS+=("$pid")
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# stop_check NAME LOG: SIGINT now; the daemon must stop within 15 s,
# exit 0 and say why
stop_check() {
	local k rc
	kill -INT "$pid"
	for ((k = 0; k < 150; k++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		T_KILLED=1 # t_cleanup restores from the journal
		fail "$1: the SIGINT was lost; the daemon still ran 15 s later: $(tail -3 "$2")"
	fi
	wait "$pid"
	rc=$?
	assert_eq "$rc" 0 "$1: exit status"
	grep -q "signal 2 received; stopping" "$2" ||
		fail "$1: no reason logged for stopping: $(tail -3 "$2")"
}

t0=$(now_ms)
start_daemon "$T_TMP/run0.log"
for ((k = 0; k < 2000; k++)); do
	grep -q "starting: best attach tier" "$T_TMP/run0.log" 2>/dev/null && break
	sleep 0.002
done
half=$((($(now_ms) - t0) / 2))
stop_check "measuring run (SIGINT at 'starting')" "$T_TMP/run0.log"
log "'starting' logged about $((half * 2)) ms after the start: signals at $half ms"
delay=$(printf '%d.%03d' $((half / 1000)) $((half % 1000)))
for i in 1 2 3 4; do
	start_daemon "$T_TMP/run$i.log"
	sleep "$delay"
	stop_check "run $i (SIGINT $delay s after the start)" "$T_TMP/run$i.log"
done
pass "four SIGINTs $half ms after the start (half the time to 'starting'): each daemon stopped cleanly and said why"
