#!/bin/bash
# libFuzzer on the query request parser for a bounded time: 0 crashes.
# Needs no daemon, namespaces or the machine lock.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
FUZZ=$BUILD/fuzz/fuzz_query
SECS=${FUZZ_SECONDS:-3}

if [ ! -x "$FUZZ" ]; then
	echo "SKIP $FUZZ not built (make unit-bins builds it; needs libclang-rt)"
	exit 77
fi
work=$(mktemp -d /tmp/bpftune-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp "$TOP"/tests/fuzz/corpus_query/* "$work/corpus/"

"$FUZZ" -max_total_time="$SECS" -timeout=5 -rss_limit_mb=1024 \
	-max_len=400 -artifact_prefix="$work/" "$work/corpus" \
	>"$work/out" 2>&1
rc=$?
runs=$(grep -Eo 'Done [0-9]+ runs' "$work/out" | grep -Eo '[0-9]+')
crashes=$(find "$work" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' \
	-o -maxdepth 1 -name 'timeout-*' | wc -l)
if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ] || [ -z "$runs" ]; then
	tail -40 "$work/out"
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -f "$f" ] && { echo "input $f:"; od -c "$f" | head -5; }
	done
	echo "FAIL: fuzzer exit $rc, $crashes crash/leak/timeout inputs"
	exit 1
fi
echo "PASS: ${runs} inputs in ${SECS} s, 0 crashes ($(grep -Eo 'cov: [0-9]+' "$work/out" | tail -1))"
