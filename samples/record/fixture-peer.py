#!/usr/bin/env python3
"""Tiny TCP peers for the fixtures in samples/fixtures/ (see fixtures.sh).

usage:
  fixture-peer.py server MODE HOST PORT [COUNT]
  fixture-peer.py client MODE HOST PORT [LOCAL_PORT]
  fixture-peer.py http-get HOST PORT PATH
MODE:
  client-closes : client sends "hello", server answers "hello", client closes
                  first; server closes on EOF.
  server-closes : client sends "hello", server answers "bye" and closes first;
                  client closes on EOF.
  simultaneous  : after the exchange both sides spin until the same wall-clock
                  instant (chosen by the client, sent in its hello) and call
                  shutdown(SHUT_WR) at that moment, so the FINs cross.
  refused       : (client only) connect to a port nobody listens on.
  port-reuse    : (client) bind LOCAL_PORT with SO_REUSEADDR, run a
                  server-closes exchange, close, then do it again from the
                  same port.  (server) serve COUNT server-closes exchanges.
"""
import http.client, socket, sys, time

role = sys.argv[1]


def recv_until_eof(s):
    data = b''
    while True:
        d = s.recv(4096)
        if not d:
            return data
        data += d


def spin_until(t):
    while time.time() < t - 0.002:
        time.sleep(0.0005)
    while time.time() < t:
        pass


def serve_one(c, mode):
    msg = c.recv(4096)
    if mode == 'client-closes':
        c.sendall(b'hello\n')
        recv_until_eof(c)
        c.close()
    elif mode in ('server-closes', 'port-reuse'):
        c.sendall(b'bye\n')
        c.close()
    elif mode == 'simultaneous':
        at = float(msg.split()[1])
        c.sendall(b'ok\n')
        spin_until(at)
        c.shutdown(socket.SHUT_WR)
        recv_until_eof(c)
        c.close()
    print(f'server {mode}: got {msg!r}', flush=True)


if role == 'server':
    mode, host, port = sys.argv[2], sys.argv[3], int(sys.argv[4])
    count = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(8)
    for _ in range(count):
        c, _a = srv.accept()
        serve_one(c, mode)
    srv.close()
elif role == 'client':
    mode, host, port = sys.argv[2], sys.argv[3], int(sys.argv[4])
    lport = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    if mode == 'refused':
        s = socket.socket()
        try:
            s.connect((host, port))
        except ConnectionRefusedError as e:
            print('client refused:', e, flush=True)
        s.close()
    elif mode == 'client-closes':
        s = socket.create_connection((host, port))
        s.sendall(b'hello\n')
        s.recv(4096)
        time.sleep(0.1)
        s.close()
    elif mode == 'server-closes':
        s = socket.create_connection((host, port))
        s.sendall(b'hello\n')
        print('client got', recv_until_eof(s), flush=True)
        s.close()
    elif mode == 'simultaneous':
        s = socket.create_connection((host, port))
        at = time.time() + 0.3
        s.sendall(f'close-at {at:.6f}\n'.encode())
        s.recv(4096)
        spin_until(at)
        s.shutdown(socket.SHUT_WR)
        recv_until_eof(s)
        s.close()
    elif mode == 'port-reuse':
        for i in (1, 2):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('', lport))
            s.connect((host, port))
            s.sendall(f'hello {i}\n'.encode())
            print(f'client conn {i} from port {s.getsockname()[1]} got', recv_until_eof(s), flush=True)
            s.close()
            time.sleep(0.5)
elif role == 'http-get':
    host, port, path = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    c = http.client.HTTPConnection(host, port, timeout=5)
    c.request('GET', path, headers={'Connection': 'close'})
    r = c.getresponse()
    print('http-get', r.status, r.read(), flush=True)
    c.close()
