#!/usr/bin/env python3
"""Connect and print the congestion window before any data is sent: the
initial window the connection starts with.

usage: iw_client.py HOST PORT
"""
import socket
import struct
import sys

s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
print(struct.unpack_from("I", info, 80)[0])  # tcpi_snd_cwnd
s.close()
