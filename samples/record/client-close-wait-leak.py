#!/usr/bin/env python3
"""Leaky client: opens N keep-alive connections, one request each, reads the
response (by Content-Length) and then never reads again and never closes.

usage: client-close-wait-leak.py HOST PORT N SPACING_S HOLD_S
When the server closes an idle connection its FIN is ACKed by our kernel, but
the application never calls recv() (which would return EOF) nor close(), so
the socket sits in CLOSE_WAIT (and the server's in FIN_WAIT_2) for HOLD_S.
"""
import socket, sys, time

host, port, n, spacing, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
leaked = []
t0 = time.time()
for i in range(1, n + 1):
    s = socket.create_connection((host, port))
    s.sendall(f'GET /leak/{i} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n\r\n'.encode())
    buf = b''
    while b'\r\n\r\n' not in buf:
        buf += s.recv(4096)
    head, body = buf.split(b'\r\n\r\n', 1)
    cl = next(int(l.split(b':')[1]) for l in head.split(b'\r\n') if l.lower().startswith(b'content-length'))
    while len(body) < cl:
        body += s.recv(4096)
    print(f't={time.time()-t0:.3f}s conn {i} port {s.getsockname()[1]}: {body.decode().strip()} -- keeping the socket, never closing', flush=True)
    leaked.append(s)
    time.sleep(spacing)
time.sleep(hold)
print(f't={time.time()-t0:.3f}s exiting ({len(leaked)} sockets were never closed by the app)', flush=True)
