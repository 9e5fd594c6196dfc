# shellcheck shell=bash
# Helpers for IPv6 route-cache tests.

# ptb_flood NS SRC DST PREFIX COUNT: from NS (address SRC), send COUNT
# ICMPv6 Packet Too Big messages (MTU 1280) to DST, each quoting a packet
# DST sent to a different PREFIX::<n>.  DST then caches one exception
# route (a dst entry) per destination.
ptb_flood() {
	ip netns exec "$1" python3 - "$2" "$3" "$4" "$5" <<'PY'
import socket, struct, sys
src, dst, prefix, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
echo = struct.pack("!BBHHH", 128, 0, 0, 1, 1)
for n in range(1, count + 1):
    inner_dst = socket.inet_pton(socket.AF_INET6, "%s::%x" % (prefix, n))
    inner = struct.pack("!IHBB", 6 << 28, len(echo), 58, 64) + \
        socket.inet_pton(socket.AF_INET6, dst) + inner_dst + echo
    # type 2 (packet too big), code 0, checksum filled in by the kernel
    s.sendto(struct.pack("!BBHI", 2, 0, 0, 1280) + inner, (dst, 0))
PY
}

# rt6_stat NS FIELD: a /proc/net/rt6_stats field (1-based; 5 = cached
# routes, 6 = dst entries) in NS, as a decimal number
rt6_stat() {
	local hex
	hex=$(ip netns exec "$1" awk -v f="$2" '{print $f}' /proc/net/rt6_stats)
	echo $((16#$hex))
}

# ip6_dst_gc_void: true when the kernel's BTF shows ip6_dst_gc returning
# void, i.e. net.ipv6.route.max_size is no longer enforced (Linux >= 6.3);
# exit 2 when BTF does not tell.  Read with bpftool, independently of
# the tuner's own libbpf check.
ip6_dst_gc_void() {
	local raw id ret
	raw=$(bpftool btf dump file /sys/kernel/btf/vmlinux format raw) || return 2
	id=$(echo "$raw" | awk '$2 == "FUNC" && $3 == "'"'ip6_dst_gc'"'" {sub("type_id=", "", $4); print $4; exit}')
	[ -n "$id" ] || return 2
	ret=$(echo "$raw" | awk -v id="[$id]" '$1 == id {for (i = 1; i <= NF; i++) if ($i ~ /^ret_type_id=/) {sub("ret_type_id=", "", $i); print $i}; exit}')
	[ "$ret" = 0 ]
}
