# shellcheck shell=bash
# Helpers of the ip_frag tests.

# frag_drop_last_attach NS DEV: drop the last fragment of every IPv4
# datagram arriving on DEV in NS (tests/tools/frag_drop_last.bpf.c).
frag_drop_last_attach() {
	local ns=$1 dev=$2 obj=$BUILD/tests/tools/frag_drop_last.bpf.o
	[ -f "$obj" ] || fail "$obj is not built (make all)"
	ip netns exec "$ns" tc qdisc add dev "$dev" clsact ||
		fail "cannot add clsact on $dev in $ns"
	ip netns exec "$ns" tc filter add dev "$dev" ingress bpf da \
		obj "$obj" sec tc || fail "cannot attach frag_drop_last on $dev"
}

# ip_snmp NS FIELD: one field of the Ip lines of NS's /proc/net/snmp
ip_snmp() {
	ip netns exec "$1" awk -v f="$2" '$1 == "Ip:" {
		if (!n) { for (i = 2; i <= NF; i++) if ($i == f) c = i; n = 1 }
		else print $c }' /proc/net/snmp
}
