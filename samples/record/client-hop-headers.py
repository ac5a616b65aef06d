#!/usr/bin/env python3
"""Keep-alive client that sends hop-by-hop headers a proxy must not forward.

usage: client-hop-headers.py HOST PORT N
N sequential GETs 0.2 s apart on one connection, each with
'Connection: keep-alive, X-Trace', 'Keep-Alive: timeout=30, max=100' and
'X-Trace: hop-N' (hop-by-hop, because Connection names it), plus the
end-to-end 'X-Request-Id: N', which a proxy must forward.  Responses are read
by their framing (httpio.Reader); then the client closes the connection.
"""
import socket, sys, time
from httpio import Reader, elapsed_logger

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
log = elapsed_logger()


s = socket.create_connection((host, port))
r = Reader(s)
for i in range(1, n + 1):
    s.sendall((f'GET /item/{i} HTTP/1.1\r\nHost: {host}:{port}\r\n'
               f'Connection: keep-alive, X-Trace\r\nKeep-Alive: timeout=30, max=100\r\n'
               f'X-Trace: hop-{i}\r\nX-Request-Id: {i}\r\n\r\n').encode())
    status, h, body = r.response()
    log(f'request {i}: {status} connection={h.get("connection")} keep-alive={h.get("keep-alive")} '
        f'via={h.get("via")} body={body!r}')
    time.sleep(0.2)
s.close()
log('client closed its keep-alive connection')
