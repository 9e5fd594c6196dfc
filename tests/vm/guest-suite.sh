#!/bin/bash
# Inside the VM (see suite.sh): for each attach tier, show what -S says
# about every hook, then run the given tests with the daemon capped at that
# tier.  Prints a pass count per tier; exits 1 when anything failed.
# usage: tests/vm/guest-suite.sh TEST[@TIER[,TIER]]...
set -u
cd "$(dirname "$0")/../.."
export BUILD=${BUILD:-$PWD/build}
export TEST_TIMEOUT=${TEST_TIMEOUT:-300}
tiers=${VM_TIERS:-fentry tracepoint kprobe}
summary=()
bad=0

echo "guest: kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {print $2 / 1024}' /proc/meminfo) MiB"
for tier in $tiers; do
	echo "=== tier $tier: bpftune -S --tier $tier"
	support=""
	if ! "$BUILD/bpftune" -S --tier "$tier" -l "$BUILD/tuners"; then
		echo "FAIL bpftune -S --tier $tier"
		support=", bpftune -S FAILED"
		bad=1
	fi
	tests=()
	for t in "$@"; do
		case "$t" in
		*@*) case ",${t#*@}," in *",$tier,"*) tests+=("${t%@*}") ;; esac ;;
		*) tests+=("$t") ;;
		esac
	done
	[ ${#tests[@]} -gt 0 ] || continue
	echo "=== tier $tier: ${#tests[@]} tests (daemon started with --tier $tier)"
	start=$(date +%s)
	BPFTUNE_TEST_ARGS="--tier $tier" tests/run.sh "${tests[@]}" 2>&1 |
		tee /tmp/guest-suite.out
	rc=${PIPESTATUS[0]}
	# what each test logged: the hook tiers the daemon really used (from
	# hook_tiers.sh), the values tuners changed, the rates measured
	for t in "${tests[@]}"; do
		log=$BUILD/test-logs/$(echo "$t" | tr / _).log
		[ -f "$log" ] || continue
		sed -n "s|^\[[0-9:]*\] |  $tier: $(basename "$t" .sh): |p" "$log"
		rm -f "$log"
	done
	counts=$(tail -1 /tmp/guest-suite.out)
	echo "$counts" | grep -Eq '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' ||
		counts="no summary from tests/run.sh"
	[ "$rc" -ne 0 ] && bad=1
	summary+=("tier $tier: $counts ($(($(date +%s) - start))s)$support")
done
echo "=== VM suite summary (kernel $(uname -r))"
printf '%s\n' "${summary[@]}"
exit $bad
