#!/bin/bash
# -S: names the tier this kernel allows, per hook, and exits 0 when the
# daemon can run.
. "$(dirname "$0")/../lib.sh"
out=$("$BPFTUNE" -S -l "$TUNERDIR") || fail "bpftune -S exited $?: $out"
echo "$out"
if [ -e /sys/bus/event_source/devices/kprobe ]; then
	echo "$out" | grep -Eq "^bpftune works (fully|in legacy mode|in tracepoint mode)" || fail "no level line"
else
	# this project's reference kernel: fentry refused, no kprobes
	echo "$out" | grep -q "^bpftune works in tracepoint mode" || fail "expected tracepoint mode"
	echo "$out" | grep -q "tier kprobe: unavailable" || fail "kprobe tier not reported unavailable"
fi
echo "$out" | grep -q "bpftune supports per-netns policy (via netns cookie)" || fail "netns cookie line"
echo "$out" | grep -Eq "tcp_buffer: hook rmem_check: (fentry|tracepoint|kprobe)" || fail "per-hook tier missing"
# capping the tier to one the kernel lacks must say so and exit 1
if ! grep -q . /sys/bus/event_source/devices/kprobe/type 2>/dev/null; then
	out=$("$BPFTUNE" -S --tier kprobe) && fail "-S --tier kprobe should fail here"
	echo "$out" | grep -q "not supported" || fail "no 'not supported' line"
fi
pass "-S"
