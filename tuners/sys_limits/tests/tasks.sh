#!/bin/bash
# sys_limits: with kernel.threads-max and kernel.pid_max lowered to a few
# hundred above the current task count, a burst of processes makes the
# daemon raise both before fork fails.  Both limits are global: saved and
# restored at exit.
. "$(dirname "$0")/../../../tests/lib.sh"
save_sysctl kernel.threads-max kernel.pid_max
tasks=$(awk '{split($4, a, "/"); print a[2]}' /proc/loadavg)
limit=$((tasks + 1000))
sysctl -q -w kernel.threads-max=$limit kernel.pid_max=$limit || fail "cannot lower limits"
daemon_start -a sys_limits_tuner.so
assert_log "sys_limits: [0-9]+ NUMA node\(s\), kernel.numa_balancing=.*: reported only, not tuned"

# 75 % of the limit is "nearly full" at the default learning rate; spawn
# enough sleepers to pass it while staying well below the limit.
burst=$((limit * 3 / 4 - tasks + 60))
[ $((limit - tasks - burst)) -ge 150 ] || fail "burst $burst would come too close to the limit"
pids=()
for ((i = 0; i < burst; i++)); do
	sleep 300 &
	pids+=($!)
done
on_exit "kill ${pids[*]}"
wait_log "tasks near threads-max: kernel.threads-max $limit -> [0-9]+ in global netns, because [0-9]+ tasks exist, within 25% of kernel.threads-max \($limit\)" 10 ||
	fail "threads-max not raised"
wait_log "tasks near pid_max: kernel.pid_max $limit -> [0-9]+ in global netns" 10 ||
	fail "pid_max not raised"
tmax=$(sysctl -n kernel.threads-max)
pmax=$(sysctl -n kernel.pid_max)
log "burst of $burst tasks: threads-max $limit -> $tmax, pid_max $limit -> $pmax"
assert_gt "$tmax" "$limit" "threads-max"
assert_gt "$pmax" "$limit" "pid_max"
# bounds: RAM / 64 KiB and RAM / 32 KiB
ram=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024))
[ "$tmax" -le $((ram / 65536)) ] || fail "threads-max above its memory bound"
[ "$pmax" -le $((ram / 32768)) ] || fail "pid_max above its memory bound"
kill "${pids[@]}" 2>/dev/null
daemon_stop || fail "daemon exit code"
pass "limits raised ahead of a fork burst"
