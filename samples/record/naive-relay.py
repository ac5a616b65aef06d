#!/usr/bin/env python3
"""A deliberately naive HTTP relay ("dumb proxy") for dumb-proxy-hop-by-hop.

usage: naive-relay.py LISTEN_HOST LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT

For each client connection, for each request on it:
  * read the request head (GET only, no body) and copy it VERBATIM to a new
    upstream connection -- including the hop-by-hop "Connection: keep-alive"
    header, which it should have removed/replaced;
  * relay response bytes back to the client as they arrive;
  * consider the response finished only when the upstream CLOSES (recv()==b'')
    -- correct for HTTP/1.0-style close-delimited bodies, wrong for the
    keep-alive response it asked for.  The upstream keeps the connection open
    until its idle timeout, so the relay sits there and does not read the
    client's next request until then.
"""
import socket, sys, threading, time

lh, lp, uh, up = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])


def log(*a):
    print(time.strftime('%H:%M:%S'), f'{time.time() % 60:06.3f}', *a, flush=True)


def handle(c, addr):
    buf = b''
    n = 0
    while True:
        while b'\r\n\r\n' not in buf:
            d = c.recv(65536)
            if not d:
                log(addr, 'client closed')
                c.close()
                return
            buf += d
        head, buf = buf.split(b'\r\n\r\n', 1)
        n += 1
        log(addr, f'request {n}: {head.splitlines()[0].decode()} -> opening upstream')
        u = socket.create_connection((uh, up))
        u.sendall(head + b'\r\n\r\n')          # headers copied verbatim
        total = 0
        while True:
            d = u.recv(65536)
            if not d:
                break
            total += len(d)
            c.sendall(d)
        log(addr, f'request {n}: upstream closed after {total} bytes; response done')
        u.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((lh, lp))
srv.listen(16)
log('relay listening', lh, lp, '->', uh, up)
while True:
    c, a = srv.accept()
    threading.Thread(target=handle, args=(c, f'{a[0]}:{a[1]}'), daemon=True).start()
