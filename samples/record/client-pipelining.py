#!/usr/bin/env python3
"""Pipelining client: writes several requests in ONE send() on one keep-alive
connection before reading anything, then reads the responses in order.

usage: client-pipelining.py HOST PORT
Requests: GET /one.txt, HEAD /two.txt, GET /two.txt, GET /three.txt.  The HEAD
is in the middle on purpose: its response carries Content-Length but no body,
so a reader that does not remember the request methods frames the next
response wrongly.  After the last response the client closes (client FIN first).
"""
import socket, sys, time
from httpio import Reader

host, port = sys.argv[1], int(sys.argv[2])
reqs = [('GET', '/one.txt'), ('HEAD', '/two.txt'), ('GET', '/two.txt'), ('GET', '/three.txt')]
s = socket.create_connection((host, port))
t0 = time.time()
s.sendall(b''.join(f'{m} {u} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: pipeline-demo\r\n\r\n'.encode() for m, u in reqs))
r = Reader(s)
for m, u in reqs:
    status, h, body = r.response(m)
    print(f't={time.time()-t0:.4f}s {m} {u}: {status} content-length={h.get("content-length")} body={len(body)} bytes', flush=True)
time.sleep(0.2)
s.close()
