# shellcheck shell=bash
# Helpers of the tcp_orphan tests (tcp_ext is in tcp_listen.sh).

# orphan_server NS PORT: accepts connections and never reads (killed at
# exit): a peer's data stays unsent, so a closed peer socket is an orphan
orphan_server() {
	ip netns exec "$1" python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(128)
conns = []
end = time.time() + 60
while time.time() < end:
    c, _ = s.accept()
    conns.append(c)' "$2" &
	T_PIDS+=($!)
	wait_port "$1" tcp "$2" || fail "orphan server on port $2 in $1 did not listen"
}

# orphans_make NS IP PORT N: N connections from NS fill their send
# buffers, then are closed 20 ms apart: N orphans
orphans_make() {
	ip netns exec "$1" python3 -c 'import socket, sys, time
ip, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for i in range(n):
    c = socket.create_connection((ip, port), timeout=5)
    c.setblocking(False)
    try:
        while True:
            c.send(b"x" * 65536)
    except BlockingIOError:
        pass
    socks.append(c)
for c in socks:
    c.close()
    time.sleep(0.02)' "$2" "$3" "$4" || fail "could not make orphans from $1"
}
