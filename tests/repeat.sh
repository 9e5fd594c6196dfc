#!/bin/bash
# Runs one test N times in a row, the way `make test` runs it (through
# tests/run.sh: same timeout, same log), and reports how often it passed.
# A test that fails by chance shows here; every test must pass 10 of 10.
#
# usage: tests/repeat.sh TEST [N]
#	TEST	a test's name as run.sh prints it (tuners/udp_buffer/tests/rcvbuf.sh,
#		unit/test_sysctl) or any word that selects exactly one test
#	N	runs (default 10)
# The build must exist (make all unit-bins, or one `make test` first).
# The N runs hold the test lock together (a test that fails only when it
# must wait for the lock is not what this looks for): keep N small on a
# shared machine.  The log of every failed run is kept as
# $BUILD/test-logs/<name>.log.failed-<run>.
# Exit status: 0 when every run passed (or every run skipped), 1 otherwise.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
export BUILD

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 TEST [N]" >&2
	exit 2
fi
test=$1 n=${2:-10}
case "$n" in '' | *[!0-9]*) echo "$0: N must be a number, got '$n'" >&2; exit 2 ;; esac

# exactly one test must match: run.sh runs every test whose name contains
# the word, and a repeat of several tests at once says nothing per test
matches=$(tests/run.sh --list "$test")
# a full name selects that test even when it is part of other names
echo "$matches" | grep -qxF "$test" && matches=$test
if [ "$(echo "$matches" | grep -c .)" -ne 1 ]; then
	echo "$0: '$test' must select exactly one test; it selects:" >&2
	echo "${matches:-(none)}" | sed 's/^/    /' >&2
	exit 2
fi
name=$matches
log=$BUILD/test-logs/$(echo "$name" | tr / _).log

if [ -z "${BPFTUNE_TEST_LOCKED:-}" ]; then
	exec 9>/run/bpftune-test.lock
	echo "waiting for the test lock /run/bpftune-test.lock"
	flock -w 900 9 || { echo "$0: could not get the test lock in 900 s" >&2; exit 1; }
	export BPFTUNE_TEST_LOCKED=1
fi
passed=0 failed=0 skipped=0 secs=()
for ((i = 1; i <= n; i++)); do
	start=$(date +%s)
	last=$(tests/run.sh "$name" 9>&- | tail -1)
	rc=$?
	secs+=($(($(date +%s) - start)))
	if [ "$rc" -ne 0 ]; then
		failed=$((failed + 1))
		cp "$log" "$log.failed-$i" 2>/dev/null
		echo "run $i/$n: FAIL (${secs[-1]}s) $(grep -m1 '^FAIL' "$log" 2>/dev/null)"
	elif [[ "$last" =~ ^0\ passed,\ 0\ failed,\ [1-9] ]]; then
		skipped=$((skipped + 1))
		echo "run $i/$n: skip (${secs[-1]}s) $(grep -m1 '^SKIP' "$log" 2>/dev/null)"
	else
		passed=$((passed + 1))
		echo "run $i/$n: ok (${secs[-1]}s)"
	fi
done
echo "$name: $passed of $n passed, $failed failed, $skipped skipped (seconds per run: ${secs[*]})"
[ "$failed" -eq 0 ]
