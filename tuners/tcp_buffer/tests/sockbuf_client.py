#!/usr/bin/env python3
"""Ask for a big SO_RCVBUF on fresh connections until the kernel honours it.

usage: sockbuf_client.py HOST PORT BYTES TIMEOUT_S [snd]
With "snd", SO_SNDBUF instead.  Prints "first=<effective> last=<effective> tries=<n>"; the kernel reports
twice the granted value, so BYTES is honoured when effective >= 2 * BYTES.
"""
import socket
import sys
import time

host, port, want, timeout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
opt = socket.SO_SNDBUF if sys.argv[5:6] == ["snd"] else socket.SO_RCVBUF
deadline = time.monotonic() + timeout
first = last = None
tries = 0
while True:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, opt, want)
    s.connect((host, port))
    last = s.getsockopt(socket.SOL_SOCKET, opt)
    s.close()
    tries += 1
    if first is None:
        first = last
    if last >= 2 * want or time.monotonic() > deadline:
        break
    time.sleep(0.1)
print("first=%d last=%d tries=%d" % (first, last, tries))
