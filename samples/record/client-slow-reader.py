#!/usr/bin/env python3
"""Slow reader: downloads a big body but stops reading after a little.

usage: client-slow-reader.py HOST PORT PATH READ_BYTES STALL_SECONDS
SO_RCVBUF is set small before connect so the receive window closes quickly.
After READ_BYTES the client stops calling recv() for STALL_SECONDS, then
drains what is left and reports how much of the body it got.
"""
import socket, sys, time

host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
want, stall = int(sys.argv[4]), float(sys.argv[5])
t0 = time.time()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((host, port))
print(f'connected from port {s.getsockname()[1]}, SO_RCVBUF={s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)}', flush=True)
s.sendall(f'GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n'.encode())
buf = b''
while b'\r\n\r\n' not in buf:
    buf += s.recv(4096)
head, body = buf.split(b'\r\n\r\n', 1)
cl = next(int(l.split(b':')[1]) for l in head.split(b'\r\n') if l.lower().startswith(b'content-length'))
got = len(body)
while got < want:
    got += len(s.recv(4096))
print(f't={time.time()-t0:.3f}s read {got} of {cl} body bytes; now not reading for {stall}s', flush=True)
time.sleep(stall)
err = 'EOF'
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        got += len(d)
except OSError as e:
    err = repr(e)
print(f't={time.time()-t0:.3f}s body truncated: got {got} of {cl} bytes ({err})', flush=True)
s.close()
