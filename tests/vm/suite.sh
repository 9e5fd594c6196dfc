#!/bin/bash
# The VM suite: boots Debian's 6.1 kernel under QEMU (vm-run.sh) and runs
# the tests listed in tests/vm/tests.list, or the given ones, once per
# attach tier inside it.  Build on the host first (make all); the guest
# only runs what the host built.
# usage: tests/vm/suite.sh [TEST[@TIER[,TIER]]...]
set -u
cd "$(dirname "$0")/../.."
BUILD=$(cd "${BUILD:-build}" 2>/dev/null && pwd) || {
	echo "suite: no build directory; run make first" >&2
	exit 2
}
[ -x "$BUILD/bpftune" ] || {
	echo "suite: $BUILD/bpftune missing; run make first" >&2
	exit 2
}

if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046 # globs in the list expand here
	set -- $(sed -e 's/#.*//' tests/vm/tests.list)
fi
tests=()
for t in "$@"; do
	[ -f "${t%@*}" ] || {
		echo "suite: no test script ${t%@*}" >&2
		exit 2
	}
	case "$t" in
	*@*) echo ",${t#*@}," | grep -Eq '^(,(fentry|tracepoint|kprobe))+,$' || {
		echo "suite: '$t': tiers are fentry, tracepoint, kprobe" >&2
		exit 2
	} ;;
	esac
	tests+=("$t")
done

# A guard against a hung guest, not a pace: under TCG a test takes 20-140 s
# and a busy host slows every one (1500 s for the whole suite ran out on
# 2026-12-03 with all 33 runs passed).  Each test in the guest has its own
# timeout; this allows 100 s per test and tier, plus the boot.
timeout_s=${VM_TIMEOUT:-$((240 + 100 * ${#tests[@]} * 3))}
start=$(date +%s)
tests/vm/vm-run.sh -t "$timeout_s" \
	env BUILD="$BUILD" ${VM_TIERS:+VM_TIERS="$VM_TIERS"} \
	tests/vm/guest-suite.sh "${tests[@]}"
rc=$?
echo "VM suite: ${#tests[@]} tests per tier, $(($(date +%s) - start))s wall, exit $rc"
exit $rc
