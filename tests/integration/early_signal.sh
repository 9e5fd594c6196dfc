#!/bin/bash
# A stop signal sent while the daemon is still starting is not lost.
# A non-interactive shell starts background jobs with SIGINT ignored, and
# the kernel drops an ignored signal unless the process blocks it; a
# daemon that blocked its stop signals only when its event loop was set up
# kept running after an early SIGINT (a test's cleanup then waited for it
# until its timeout).  Each run here signals 15 to 25 ms after exec and
# expects a clean stop, with the reason logged.
. "$(dirname "$0")/../lib.sh"

cgroup_create
# delays after exec: the old daemon lost signals sent up to ~25 ms in
for delay in 0.015 0.02 0.02 0.025; do
	i=$((${i:-0} + 1))
	log="$T_TMP/run$i.log"
	"$BPFTUNE" -s -c "$T_CGROUP" --state-dir "$T_STATE" -l "$TUNERDIR" \
		--socket "$T_TMP/bpftune.sock" -R -a sys_limits_tuner.so >"$log" 2>&1 &
	pid=$!
	T_PIDS+=("$pid")
	# from exec on (before it, the shell's ignored SIGINT is not ours)
	for ((k = 0; k < 200; k++)); do
		[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$BPFTUNE")" ] && break
		sleep 0.005
	done
	sleep "$delay"
	kill -INT "$pid"
	for ((k = 0; k < 150; k++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		fail "run $i: SIGINT $delay s after exec was lost; the daemon still ran 15 s later: $(tail -3 "$log")"
	fi
	wait "$pid"
	rc=$?
	assert_eq "$rc" 0 "run $i: exit status"
	grep -q "signal 2 received; stopping" "$log" ||
		fail "run $i: no reason logged for stopping: $(tail -3 "$log")"
done
pass "four SIGINTs 15-25 ms after exec: each daemon stopped cleanly and said why"
