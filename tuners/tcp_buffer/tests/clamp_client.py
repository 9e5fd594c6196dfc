#!/usr/bin/env python3
"""A new flow: connect, send START_BYTES and report the largest congestion
window seen and the window clamp; then, given GO_FILE, wait until it
exists (at most TIMEOUT_S), send 16 MiB more and report again.

usage: clamp_client.py HOST PORT START_BYTES [GO_FILE TIMEOUT_S]
Prints "start_cwnd=<max cwnd>" and "start_clamp=<TCP_WINDOW_CLAMP>", then
the same with "after_".
"""
import os
import socket
import struct
import sys
import time

MIB = 1 << 20
CHUNK = 65536


def send_and_watch(s, when, nbytes):
    chunk = b"x" * CHUNK
    cwnd = 0
    for _ in range(max(1, nbytes // CHUNK)):
        s.sendall(chunk)
        info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        cwnd = max(cwnd, struct.unpack_from("I", info, 80)[0])  # tcpi_snd_cwnd
    clamp = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_WINDOW_CLAMP)
    print("%s_cwnd=%d\n%s_clamp=%d" % (when, cwnd, when, clamp), flush=True)


if len(sys.argv) not in (4, 6):
    sys.exit(__doc__)
host, port, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((host, port))
send_and_watch(s, "start", start)
if len(sys.argv) == 6:
    go_file, timeout = sys.argv[4], float(sys.argv[5])
    deadline = time.monotonic() + timeout
    while not os.path.exists(go_file) and time.monotonic() < deadline:
        time.sleep(0.05)
    send_and_watch(s, "after", 16 * MIB)
s.close()
