#!/usr/bin/env python3
"""Connect and print, before any data moves, the congestion window (the
initial window) and the advertised receive window this end starts with.

usage: iw_client.py HOST PORT
Prints "<snd_cwnd segments> <rcv_wnd bytes>" (rcv_wnd -1 if the kernel's
tcp_info has no tcpi_rcv_wnd).
"""
import socket
import struct
import sys

s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
cwnd = struct.unpack_from("I", info, 80)[0]  # tcpi_snd_cwnd
rcv_wnd = struct.unpack_from("I", info, 232)[0] if len(info) >= 236 else -1
print(cwnd, rcv_wnd)
s.close()
