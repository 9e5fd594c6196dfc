#!/bin/bash
# Congestion-control choice (tcp_conn): the paths of bench/tcp_conn.sh,
# REPS times each (a fresh daemon, namespaces and warm-up every time; the
# test lock is held per path run, not for all), ROUNDS interleaved
# transfers per setup and run.  Writes every transfer to
# bench/results/cc-transfers.tsv and the summary to
# bench/results/parts/cc.json.
set -u
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
REPS=${REPS:-3}
PATHS=${CC_PATHS:-low-rtt lossy-wan loss10 mixed}
mkdir -p bench/results/parts
tsv=bench/results/cc-transfers.tsv
: >"$tsv"
for ((rep = 1; rep <= REPS; rep++)); do
	for path in $PATHS; do
		echo "=== cc: $path, run $rep of $REPS"
		REP=$rep bash bench/tcp_conn.sh "$path" "$ROUNDS" "$tsv" || exit 1
	done
done
python3 bench/cc_report.py "$tsv" bench/results/parts/cc.json "$ROUNDS" "$REPS"
