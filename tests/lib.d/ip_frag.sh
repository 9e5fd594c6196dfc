# shellcheck shell=bash
# Helpers of the ip_frag tests.

# frag_drop_last_attach NS DEV: drop the last fragment of every IPv4
# datagram arriving on DEV in NS (tests/tools/frag_drop_last.bpf.c).
frag_drop_last_attach() {
	tc_ingress_attach "$1" "$2" "$BUILD/tests/tools/frag_drop_last.bpf.o"
}

# ip_snmp NS FIELD: one field of the Ip lines of NS's /proc/net/snmp
ip_snmp() {
	ip netns exec "$1" awk -v f="$2" '$1 == "Ip:" {
		if (!n) { for (i = 2; i <= NF; i++) if ($i == f) c = i; n = 1 }
		else print $c }' /proc/net/snmp
}
