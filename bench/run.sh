#!/bin/bash
# Runs the benchmarks (all, or those named) and writes
# bench/results/latest.json, latest.md and buffer.svg.
# usage: bench/run.sh [buffer] [cc] [neigh] [overhead] [startup]
set -u
cd "$(dirname "$0")/.."
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(buffer cc neigh overhead startup)
mkdir -p bench/results/parts
status=0
for p in "${parts[@]}"; do
	[ -f "bench/$p.sh" ] || { echo "bench: no part '$p'" >&2; status=2; continue; }
	echo "=== bench: $p"
	if ! bash "bench/$p.sh"; then
		echo "bench: $p failed" >&2
		status=1
	fi
done
python3 bench/report.py bench/results
exit $status
