"""Minimal HTTP/1.x response reader for the python recording clients.

A Reader wraps a socket and keeps bytes that arrived beyond the current
response, so pipelined responses that share a segment are split correctly.
Framing follows RFC 9112 section 6.3: no body for HEAD, 1xx, 204 and 304;
then chunked, then Content-Length, else read until the server closes.
"""
import socket, time


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b''

    def _fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise EOFError('server closed')
        self.buf += d

    def _until(self, sep):
        while sep not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(sep, 1)
        return head

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self, method='GET'):
        """-> (status line, headers dict with lower-case names, body bytes)"""
        head = self._until(b'\r\n\r\n').decode('latin-1').split('\r\n')
        status = head[0]
        headers = {}
        for line in head[1:]:
            k, _, v = line.partition(':')
            headers[k.strip().lower()] = v.strip()
        code = int(status.split()[1])
        if method == 'HEAD' or code < 200 or code in (204, 304):
            return status, headers, b''
        if 'chunked' in headers.get('transfer-encoding', '').lower():
            body = b''
            while True:
                size = int(self._until(b'\r\n').split(b';')[0], 16)
                if size == 0:
                    self._until(b'\r\n\r\n') if not self.buf.startswith(b'\r\n') else self._take(2)
                    return status, headers, body
                body += self._take(size)
                self._take(2)
        if 'content-length' in headers:
            return status, headers, self._take(int(headers['content-length']))
        body = self.buf
        self.buf = b''
        while True:
            d = self.sock.recv(65536)
            if not d:
                return status, headers, body
            body += d


def eof_pending(sock):
    """True if the peer's FIN is queued (recv would return b'') -- without consuming data."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b''
    except BlockingIOError:
        return False


def elapsed_logger():
    """-> log(msg): prints msg prefixed with the seconds since this call, so client logs line up with the capture."""
    t0 = time.time()
    return lambda msg: print(f't={time.time()-t0:.4f}s {msg}', flush=True)
