#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send gratuitous ARP requests (sender address == target address) for one
IPv4 address out of one interface, alternating between link-layer
addresses, at a given rate for a given time: a storm that rewrites the
receivers' neighbour entry for that address with every packet.

usage: garp.py IFNAME IPV4 RATE_PER_S SECONDS MAC [MAC...]
"""
import socket
import struct
import sys
import time


def mac_bytes(text):
    parts = text.split(":")
    if len(parts) != 6:
        raise ValueError("bad MAC address: " + text)
    return bytes(int(p, 16) for p in parts)


def garp_frame(mac, ip):
    eth = b"\xff" * 6 + mac + struct.pack("!H", 0x0806)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1)
    arp += mac + ip + b"\x00" * 6 + ip
    return eth + arp


def main(argv):
    if len(argv) < 6:
        sys.exit(__doc__)
    ifname, ip = argv[1], socket.inet_aton(argv[2])
    rate, seconds = float(argv[3]), float(argv[4])
    if rate <= 0 or seconds <= 0:
        sys.exit("rate and seconds must be positive")
    frames = [garp_frame(mac_bytes(m), ip) for m in argv[5:]]
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((ifname, 0))
    start = time.monotonic()
    sent = 0
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        due = int((now - start) * rate) + 1
        while sent < due:
            sock.send(frames[sent % len(frames)])
            sent += 1
        time.sleep(min(1.0 / rate, 0.05))
    print(sent)


if __name__ == "__main__":
    main(sys.argv)
