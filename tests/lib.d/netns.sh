# shellcheck shell=bash
# Helpers of the netns and sysctl tuners' tests.

# netns_cookie NS: the namespace's cookie (SO_NETNS_COOKIE), as the daemon
# logs it ("netns <cookie>")
netns_cookie() {
	ip netns exec "$1" python3 -c 'import socket, struct
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(struct.unpack("Q", s.getsockopt(socket.SOL_SOCKET, 71, 8))[0])'
}

# netns_pair NAME_S NAME_R: a sender and a receiver namespace joined by a
# veth, for several independent pairs in one test (two_namespaces makes
# one).  Sets PAIR_S PAIR_R PAIR_IP_S PAIR_IP_R; the namespaces are removed
# at exit.
netns_pair() {
	PAIR_S=$(netns_create "$1")
	PAIR_R=$(netns_create "$2")
	T_NETNS+=("$PAIR_S" "$PAIR_R")
	PAIR_IP_S=10.$((RANDOM % 200 + 20)).$((RANDOM % 250)).1
	PAIR_IP_R=${PAIR_IP_S%.1}.2
	veth_connect "$PAIR_S" "$PAIR_R" "$PAIR_IP_S" "$PAIR_IP_R"
}
