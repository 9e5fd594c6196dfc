# shellcheck shell=bash
# Helpers of the udp_buffer tests: a UDP sink that never reads (so its
# receive buffer fills) and a sender.

# udp_sink NS IP PORT [SO_RCVBUF]: bind a UDP socket in NS and never read.
# With SO_RCVBUF the socket's size is locked.  Killed at exit.
udp_sink() {
	local ns=$1 ip=$2 port=$3 rcvbuf=${4:-0}
	ip netns exec "$ns" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if int(sys.argv[3]):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, int(sys.argv[3]))
s.bind((sys.argv[1], int(sys.argv[2])))
time.sleep(60)
' "$ip" "$port" "$rcvbuf" &
	T_PIDS+=($!)
	# python starts in ~0.5 s on a busy 2-core machine: datagrams sent
	# before the bind are refused, not dropped, so wait for the socket
	wait_port "$ns" udp "$port" || fail "UDP sink on port $port in $ns did not bind"
}

# udp_blast NS IP PORT COUNT [SIZE]: send COUNT datagrams of SIZE bytes
udp_blast() {
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
data = b"x" * int(sys.argv[4])
for _ in range(int(sys.argv[3])):
    s.sendto(data, (sys.argv[1], int(sys.argv[2])))
' "$2" "$3" "$4" "${5:-1000}" || fail "udp_blast failed"
}

# udp_rcvbuf_errors NS: RcvbufErrors of the Udp line in NS's /proc/net/snmp
udp_rcvbuf_errors() { udp_snmp "$1" RcvbufErrors; }
# udp_snmp NS FIELD: one field of the Udp lines of NS's /proc/net/snmp
udp_snmp() {
	ip netns exec "$1" awk -v f="$2" '$1 == "Udp:" {
		if (!n) { for (i = 2; i <= NF; i++) if ($i == f) c = i; n = 1 }
		else print $c }' /proc/net/snmp
}
