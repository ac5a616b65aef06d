#!/usr/bin/env python3
"""HTTP/1.0 client: keep-alive by request, then one plain HTTP/1.0 request.

usage: client-http10.py HOST PORT N
Connection 1: N sequential 'GET ... HTTP/1.0' requests with
'Connection: keep-alive' (HTTP/1.0 is not persistent by default, RFC 9112
section 9.3, so the client must ask), each response read by Content-Length,
0.2 s apart; then the client closes it.  Connection 2: one 'GET ... HTTP/1.0'
without a Connection header: the server answers and closes, the client reads
until EOF and then closes.
"""
import socket, sys, time
from httpio import Reader, elapsed_logger

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
log = elapsed_logger()


s = socket.create_connection((host, port))
r = Reader(s)
for i in range(1, n + 1):
    s.sendall(f'GET /ka/{i} HTTP/1.0\r\nHost: {host}:{port}\r\nConnection: keep-alive\r\n\r\n'.encode())
    status, h, body = r.response()
    log(f'keep-alive request {i}: {status} connection={h.get("connection")} keep-alive={h.get("keep-alive")} body={body!r}')
    time.sleep(0.2)
s.close()
log('client closed the keep-alive connection')
time.sleep(0.2)
s = socket.create_connection((host, port))
s.sendall(f'GET /plain HTTP/1.0\r\nHost: {host}:{port}\r\n\r\n'.encode())
status, h, body = Reader(s).response()
log(f'plain HTTP/1.0 request: {status} connection={h.get("connection")} body={body!r}')
while s.recv(4096):
    pass
log('server closed; client closes too')
s.close()
