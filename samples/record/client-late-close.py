#!/usr/bin/env python3
"""Client that closes late: one keep-alive request per connection, then it
notices the server's FIN only after HOLD seconds (CLOSE_WAIT all that time)
and closes then.

usage: client-late-close.py HOST PORT SPACING_S HOLD_S [HOLD_S ...]
One connection per HOLD, opened SPACING_S apart.  The peer's FIN is detected
with MSG_PEEK (nothing is read), then the socket is held HOLD_S more seconds
before close().  If HOLD_S exceeds the server's net.ipv4.tcp_fin_timeout, the
server's orphaned FIN_WAIT_2 socket is gone and our FIN is answered by RST.
"""
import socket, sys, threading, time
from httpio import Reader, eof_pending

host, port, spacing = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
holds = [float(x) for x in sys.argv[4:]]
t0 = time.time()


def log(msg):
    print(f't={time.time()-t0:.3f}s {msg}', flush=True)


def conn(i, hold):
    s = socket.create_connection((host, port))
    s.sendall(f'GET /late/{i} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n'.encode())
    status, _, _ = Reader(s).response()
    while not eof_pending(s):
        time.sleep(0.01)
    log(f'conn {i} port {s.getsockname()[1]}: {status}; server FIN seen, closing in {hold} s')
    time.sleep(hold)
    s.close()
    log(f'conn {i} closed')


ts = []
for i, h in enumerate(holds, 1):
    t = threading.Thread(target=conn, args=(i, h))
    t.start()
    ts.append(t)
    time.sleep(spacing)
for t in ts:
    t.join()
