#!/usr/bin/env python3
"""Leave TCP connections in TIME_WAIT on the client side.

tw_churn.py serve PORT        accept, wait for the client's FIN, close
tw_churn.py churn IP PORT N   N connections, each closed by the client
                              first, so each ends in TIME_WAIT here
"""
import socket
import sys


def serve(port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(128)
    print("listening", flush=True)
    while True:
        conn, _ = srv.accept()
        conn.recv(1)
        conn.close()


def churn(ip, port, count):
    for _ in range(count):
        s = socket.create_connection((ip, port), timeout=2)
        s.close()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        churn(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
