#!/bin/bash
# route_table: bpftune -S says whether its hook can work here.  On kernels
# that no longer enforce net.ipv6.route.max_size (ip6_dst_gc returns void
# since 6.3 and in stable kernels with that change, as bpftool shows) the hook must be reported unavailable with
# that reason; elsewhere it must have an attach tier.
. "$(dirname "$0")/../../../tests/lib.sh"
require bpftool

out=$("$BPFTUNE" -S -l "$TUNERDIR" -a route_table_tuner.so 2>&1) ||
	fail "bpftune -S failed: $out"
echo "$out" | grep "route_table"
ip6_dst_gc_void
case $? in
0)
	echo "$out" | grep -q "route_table: hook dst_check: not available (this kernel does not enforce net.ipv6.route.max_size (ip6_dst_gc returns void, as since Linux 6.3 and in stable kernels with that change); nothing to tune)" ||
		fail "-S does not report the route_table hook as unavailable"
	pass "-S reports route_table's hook unavailable: max_size not enforced by $(uname -r)"
	;;
1)
	echo "$out" | grep -Eq "route_table: hook dst_check: (fentry|tracepoint|kprobe) " ||
		fail "-S reports no tier for route_table's hook"
	pass "-S reports a tier for route_table's hook"
	;;
*)
	skip "kernel BTF does not describe ip6_dst_gc"
	;;
esac
