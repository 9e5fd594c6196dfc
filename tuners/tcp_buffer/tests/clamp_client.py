#!/usr/bin/env python3
"""A new flow: connect, send a few MiB and report the largest congestion
window seen, wait until GO_FILE exists, send again and report again.

usage: clamp_client.py HOST PORT GO_FILE TIMEOUT_S
Prints "start_cwnd=<max cwnd>" and "start_clamp=<TCP_WINDOW_CLAMP>", then
the same with "after_".
"""
import os
import socket
import struct
import sys
import time

MIB = 1 << 20


def send_and_watch(s, when, nbytes):
    chunk = b"x" * 65536
    cwnd = 0
    for _ in range(nbytes // len(chunk)):
        s.sendall(chunk)
        info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        cwnd = max(cwnd, struct.unpack_from("I", info, 80)[0])  # tcpi_snd_cwnd
    clamp = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_WINDOW_CLAMP)
    print("%s_cwnd=%d\n%s_clamp=%d" % (when, cwnd, when, clamp), flush=True)


host, port, go_file, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
s = socket.create_connection((host, port))
send_and_watch(s, "start", 4 * MIB)
deadline = time.monotonic() + timeout
while not os.path.exists(go_file) and time.monotonic() < deadline:
    time.sleep(0.05)
send_and_watch(s, "after", 16 * MIB)
s.close()
