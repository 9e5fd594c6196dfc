# shellcheck shell=bash
# Bench helpers on top of tests/lib.sh.
. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib.sh"
RESULTS=${RESULTS:-$TOP/bench/results}
PARTS=$RESULTS/parts
mkdir -p "$PARTS"

# daemon_cpu_ns PID: CPU time used so far, in ns (schedstat: on-CPU time)
daemon_cpu_ns() { awk '{print $1}' "/proc/$1/schedstat"; }
daemon_hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

# prog_stats PID: "name run_cnt run_time_ns" for the BPF programs PID
# holds (prog_ids_of, tests/lib.d/bpf_progs.sh)
prog_stats() {
	local ids
	ids=$(prog_ids_of "$1")
	bpftool prog show -j 2>/dev/null | python3 -c '
import json, sys
ids = set(int(i) for i in sys.argv[1:])
for p in json.load(sys.stdin):
    if p["id"] in ids:
        print("%s#%d" % (p.get("name", "?"), p["id"]), p.get("run_cnt", 0), p.get("run_time_ns", 0))
' $ids
}
