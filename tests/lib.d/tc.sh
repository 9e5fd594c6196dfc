# shellcheck shell=bash
# tc_ingress_attach NS DEV OBJ: run BPF object OBJ (section "tc") as a
# direct-action filter on DEV's ingress in NS; the clsact qdisc it adds
# goes away with the test's namespace.
tc_ingress_attach() {
	local ns=$1 dev=$2 obj=$3
	[ -f "$obj" ] || fail "$obj is not built (make all)"
	ip netns exec "$ns" tc qdisc add dev "$dev" clsact ||
		fail "cannot add clsact on $dev in $ns"
	ip netns exec "$ns" tc filter add dev "$dev" ingress bpf da \
		obj "$obj" sec tc || fail "cannot attach $(basename "$obj") on $dev in $ns"
}
