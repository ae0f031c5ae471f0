#!/usr/bin/env python3
"""ssh ProxyCommand that drops the connection after forwarding LIMIT bytes upstream.

    ProxyCommand python3 drop-proxy.py 127.0.0.1 22222 LIMIT

Stands in for a network that fails in the middle of an upload.
"""
import os
import selectors
import socket
import sys

host, port, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sock = socket.create_connection((host, port))
sel = selectors.DefaultSelector()
sel.register(sys.stdin.buffer, selectors.EVENT_READ)
sel.register(sock, selectors.EVENT_READ)
sent = 0
while True:
    for key, _ in sel.select():
        if key.fileobj is sock:
            data = sock.recv(65536)
            if not data:
                sys.exit(0)
            os.write(1, data)
        else:
            data = os.read(0, 65536)
            if not data:
                sock.shutdown(socket.SHUT_WR)
                sel.unregister(sys.stdin.buffer)
                continue
            sent += len(data)
            if sent > limit:
                sys.exit(1)
            sock.sendall(data)
