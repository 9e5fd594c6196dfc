# shellcheck shell=bash
# Helpers of the tcp_listen tests.

# listener_start NS PORT BACKLOG: a TCP listener in NS that never accepts
# (killed at exit); returns once it listens
listener_start() {
	ip netns exec "$1" python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(int(sys.argv[2]))
time.sleep(120)' "$2" "$3" &
	T_PIDS+=($!)
	wait_port "$1" tcp "$2" || fail "listener on port $2 in $1 did not listen"
}

# listener_backlog NS PORT: the backlog the kernel gave a listener (ss Send-Q)
listener_backlog() {
	ip netns exec "$1" ss -Htln "( sport = :$2 )" | awk '{print $3; exit}'
}

# syn_flood_route: SYN-ACKs from NS_A to the flood's sources go to NS_B,
# which does not forward them: the requests they answer stay half-open
syn_flood_route() {
	ip -n "$NS_A" route add 198.18.0.0/15 via "$IP_B" ||
		fail "cannot route the flood's sources in $NS_A"
	[ "$(nsysctl "$NS_B" net.ipv4.ip_forward)" = 0 ] ||
		fail "$NS_B forwards: the flood's SYN-ACKs would get answers"
}

# tcp_ext NS FIELD: one TcpExt counter of NS (/proc/net/netstat)
tcp_ext() {
	ip netns exec "$1" awk -v f="$2" '$1 == "TcpExt:" {
		if (!n) { for (i = 2; i <= NF; i++) if ($i == f) c = i; n = 1 }
		else print $c }' /proc/net/netstat
}
