#!/bin/bash
# Runs every test: unit binaries (each reports its cases and its checks)
# and integration scripts (exit 0 = pass, 77 = skipped, anything else =
# fail).  The last line counts test cases: each unit case (a test_*()
# function of a unit test) and each script is one; the unit checks
# (assertions) are counted on the line before it.
# usage: tests/run.sh [FILTER...]         runs tests whose name contains a FILTER
#        tests/run.sh --list [FILTER...]  prints those tests' names, runs nothing
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
LOGDIR=$BUILD/test-logs
list=
if [ "${1:-}" = --list ]; then
	list=1
	shift
fi
passed=0 failed=0 skipped=0 checks_passed=0 checks_failed=0
failures=()

want() {
	[ $# -eq 1 ] && return 0
	local name=$1 f
	shift
	for f in "$@"; do
		case "$name" in *"$f"*) return 0 ;; esac
	done
	return 1
}

# counts LOG KIND: "P F" from the binary's "unit: P KIND passed, F failed"
counts() {
	sed -nE "s/^unit: ([0-9]+) $2 passed, ([0-9]+) failed$/\1 \2/p" "$1" | tail -1
}

run_unit() {
	local bin=$1 name log rc cp cf p f
	name=unit/$(basename "$bin")
	log=$LOGDIR/$(echo "$name" | tr / _).log
	"$bin" >"$log" 2>&1
	rc=$?
	read -r cp cf < <(counts "$log" checks)
	read -r p f < <(counts "$log" cases)
	# no report (it crashed, or printed the wrong thing): one failed case
	if [ -z "${p:-}" ] || [ -z "${cp:-}" ]; then
		p=0 f=1 cp=${cp:-0} cf=${cf:-0}
	fi
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	passed=$((passed + p))
	failed=$((failed + f))
	checks_passed=$((checks_passed + cp))
	checks_failed=$((checks_failed + cf))
	if [ "$f" -ne 0 ]; then
		failures+=("$name")
		echo "FAIL $name (exit $rc; cases: $p passed, $f failed; checks: $cp passed, $cf failed)"
		grep -E 'FAIL|ERROR|runtime error|AddressSanitizer' "$log" | head -20
	else
		echo "ok   $name ($p cases, $cp checks)"
	fi
}

run_script() {
	local script=$1 name log start rc secs
	name=${script#./}
	log=$LOGDIR/$(echo "$name" | tr / _).log
	# the machine-wide test lock is taken here, so that the time limit
	# counts the test, not the wait for other users of the machine
	# (unless a caller such as tests/repeat.sh holds it already); it is
	# held on a descriptor the test does not inherit, so that a process
	# the test leaves behind cannot keep the machine locked
	if [ -n "${BPFTUNE_TEST_LOCKED:-}" ]; then
		start=$(date +%s)
		timeout --kill-after=10 "${TEST_TIMEOUT:-120}" bash "$script" >"$log" 2>&1
		rc=$?
	else
		exec 8>/run/bpftune-test.lock
		start=$(date +%s)
		if flock -w 900 8; then
			start=$(date +%s)
			BPFTUNE_TEST_LOCKED=1 timeout --kill-after=10 "${TEST_TIMEOUT:-120}" \
				bash "$script" >"$log" 2>&1 8>&-
			rc=$?
		else
			rc=75
		fi
		exec 8>&-
	fi
	secs=$(($(date +%s) - start))
	[ $rc -eq 75 ] && echo "could not get the test lock /run/bpftune-test.lock in 900 s" >>"$log"
	case $rc in
	0)
		passed=$((passed + 1))
		echo "ok   $name (${secs}s)"
		;;
	77)
		skipped=$((skipped + 1))
		echo "skip $name: $(grep '^SKIP' "$log" | tail -1 | cut -c6-)"
		;;
	*)
		failed=$((failed + 1))
		failures+=("$name")
		echo "FAIL $name (exit $rc, ${secs}s); last lines of $log:"
		tail -25 "$log" | sed 's/^/    /'
		;;
	esac
}

units=() scripts=()
for bin in "$BUILD"/tests/unit/*; do
	[ -x "$bin" ] && [ -f "$bin" ] || continue
	want "unit/$(basename "$bin")" "$@" && units+=("$bin")
done
for script in tests/integration/*.sh tuners/*/tests/*.sh; do
	[ -f "$script" ] || continue
	want "$script" "$@" && scripts+=("$script")
done
if [ -n "$list" ]; then
	for bin in "${units[@]}"; do echo "unit/$(basename "$bin")"; done
	for script in "${scripts[@]}"; do echo "$script"; done
	exit 0
fi

mkdir -p "$LOGDIR"
# package.sh's .deb build is ~45 s of compiling that needs no lock: start
# it now at the lowest CPU priority, beside the tests (which mostly wait
# on the network and the daemon); package.sh waits for its status file.
for script in "${scripts[@]}"; do
	[ "$script" = tests/integration/package.sh ] || continue
	export BPFTUNE_PKG_STATUS=$LOGDIR/pkg-build.status
	rm -f "$BPFTUNE_PKG_STATUS"
	(
		nice -n 19 make -s BUILD="$BUILD" pkg >"$LOGDIR/pkg-build.log" 2>&1
		echo $? >"$BPFTUNE_PKG_STATUS.tmp"
		mv "$BPFTUNE_PKG_STATUS.tmp" "$BPFTUNE_PKG_STATUS"
	) &
done
for bin in "${units[@]}"; do run_unit "$bin"; done
for script in "${scripts[@]}"; do run_script "$script"; done

wait # a background package build whose test skipped early
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "unit checks (assertions): $checks_passed passed, $checks_failed failed"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
