#!/usr/bin/env python3
"""An HTTP/1.1 reverse proxy that handles hop-by-hop headers correctly, for correct-proxy.

usage: stripping-proxy.py LISTEN_HOST LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT

RFC 9110 section 7.6.1: a proxy must remove the Connection header, every
header named in it, and the other hop-by-hop headers (Keep-Alive,
Proxy-Connection, TE, Transfer-Encoding, Upgrade, Proxy-Authorization,
Proxy-Authenticate, Trailer) before forwarding, in both directions.  Each
hop negotiates persistence on its own: the client connection stays open as
HTTP/1.1 allows, and each client connection gets one upstream connection
that is kept alive across its requests (HTTP/1.1 without a Connection
header is persistent, RFC 9112 section 9.3).  The proxy closes the upstream
connection when the client closes its own.  The body is re-framed with
Content-Length, so the upstream's framing headers are not copied either.
"""
import http.client, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lh, lp, uh, up = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
HOP_BY_HOP = {'connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade',
              'proxy-authorization', 'proxy-authenticate', 'trailer'}
VIA = '1.1 tpms-stripping-proxy'


def log(*a):
    print(time.strftime('%H:%M:%S'), f'{time.time() % 60:06.3f}', *a, flush=True)


def end_to_end(headers):
    """headers minus the hop-by-hop ones, including those named in Connection."""
    named = {t.strip().lower() for v in headers.get_all('Connection', []) for t in v.split(',') if t.strip()}
    drop = HOP_BY_HOP | named
    kept = [(k, v) for k, v in headers.items() if k.lower() not in drop]
    removed = sorted({k for k, _ in headers.items() if k.lower() in drop})
    return kept, removed


class Proxy(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def setup(self):
        super().setup()
        self.upstream = http.client.HTTPConnection(uh, up)

    def finish(self):
        super().finish()
        self.upstream.close()
        log(f'client {self.client_address[1]} closed; upstream connection closed too')

    def proxy(self):
        kept, removed = end_to_end(self.headers)
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n else None
        self.upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in kept:
            self.upstream.putheader(k, v)
        self.upstream.putheader('Via', VIA)
        self.upstream.endheaders(body)
        r = self.upstream.getresponse()
        payload = r.read()
        rkept, rremoved = end_to_end(r.headers)
        head = [f'HTTP/1.1 {r.status} {r.reason}'] + [f'{k}: {v}' for k, v in rkept
                                                     if k.lower() != 'content-length']
        head += [f'Content-Length: {len(payload)}', f'Via: {VIA}']
        # one write for head and body, so each response is one segment as the upstream's is
        self.wfile.write(('\r\n'.join(head) + '\r\n\r\n').encode('latin-1') + payload)
        log(f'client {self.client_address[1]} {self.command} {self.path} -> upstream port '
            f'{self.upstream.sock.getsockname()[1]}: {r.status}; removed from request {removed}, '
            f'from response {rremoved}')

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = proxy

    def log_message(self, *a):
        pass


ThreadingHTTPServer((lh, lp), Proxy).serve_forever()
