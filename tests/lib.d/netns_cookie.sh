# shellcheck shell=bash
# netns_cookie NS: the cookie (SO_NETNS_COOKIE) of a namespace, as the
# daemon logs it
netns_cookie() {
	ip netns exec "$1" python3 -c 'import socket,struct
s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(struct.unpack("Q", s.getsockopt(socket.SOL_SOCKET, 71, 8))[0])'
}
