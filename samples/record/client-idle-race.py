#!/usr/bin/env python3
"""Keep-alive client whose reuse timing straddles the server's idle timeout.

usage: client-idle-race.py HOST PORT DELAY [DELAY ...]
For each DELAY (seconds) a new connection is opened: request 1 is sent and
its response read (Content-Length), then the client sleeps DELAY and sends
request 2 on the same socket WITHOUT checking whether the server has closed
it meanwhile (like a pool that hands out a socket whose FIN it has not yet
noticed).  If the server's FIN came first, the server kernel answers the
request with RST.  The client closes each socket at the end.
"""
import socket, sys, time

host, port = sys.argv[1], int(sys.argv[2])
delays = [float(x) for x in sys.argv[3:]]


def read_response(s):
    buf = b''
    while b'\r\n\r\n' not in buf:
        d = s.recv(4096)
        if not d:
            return None if not buf else buf
        buf += d
    head, body = buf.split(b'\r\n\r\n', 1)
    cl = 0
    for line in head.split(b'\r\n')[1:]:
        k, _, v = line.partition(b':')
        if k.strip().lower() == b'content-length':
            cl = int(v)
    while len(body) < cl:
        d = s.recv(4096)
        if not d:
            break
        body += d
    return head.split(b'\r\n')[0] + b' ' + body.strip()


for i, d in enumerate(delays, 1):
    s = socket.create_connection((host, port))
    lp = s.getsockname()[1]
    s.sendall(f'GET /c{i}/r1 HTTP/1.1\r\nHost: {host}\r\n\r\n'.encode())
    r1 = read_response(s)
    time.sleep(d)
    s.sendall(f'GET /c{i}/r2 HTTP/1.1\r\nHost: {host}\r\n\r\n'.encode())
    try:
        r2 = read_response(s)
        r2 = 'EOF (server had closed)' if r2 is None else r2.decode()
        try:
            time.sleep(0.05)
            s.recv(1)
        except ConnectionResetError:
            r2 += ', then ECONNRESET'
    except ConnectionResetError:
        r2 = 'ECONNRESET'
    print(f'conn {i} port {lp}: r1={r1.decode()!r} reuse after {d:.3f}s -> r2={r2!r}', flush=True)
    s.close()
    time.sleep(0.3)
