#!/usr/bin/env python3
"""A pool of http.client connections that never expires idle ones.

usage: client-stale-pool.py HOST PORT WORKERS IDLE_S [IDLE_S ...]
Each round, WORKERS threads each take a connection from the pool (or open
one) and send one GET; then the pool sits idle IDLE_S seconds.  Like
http.client itself (and pools without a stale check), the pool does not
look for the server's FIN before reuse: a request on a connection the server
closed while idle fails (RST -> ConnectionResetError, or EOF ->
RemoteDisconnected) and is retried once on a new connection, as a retrying
client library does for idempotent requests.
"""
import http.client, sys, threading, time

host, port, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
idles = [float(x) for x in sys.argv[4:]]
pool, lock, t0 = [], threading.Lock(), time.time()


def log(msg):
    print(f't={time.time()-t0:.3f}s {msg}', flush=True)


def one(path):
    with lock:
        conn = pool.pop() if pool else None
    for attempt in ('pooled' if conn else 'new', 'retry'):
        if conn is None:
            conn = http.client.HTTPConnection(host, port)
        try:
            conn.request('GET', path)
            r = conn.getresponse()
            r.read()
            log(f'{path} {attempt} port {conn.sock.getsockname()[1]}: {r.status} keep-alive={r.getheader("keep-alive")}')
            with lock:
                pool.append(conn)
            return
        except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError) as e:
            log(f'{path} {attempt}: {type(e).__name__} -> retry on a new connection')
            conn.close()
            conn = None


for rnd, idle in enumerate([0.0] + idles, 1):
    if idle:
        time.sleep(idle)
    ts = [threading.Thread(target=one, args=(f'/r{rnd}/w{w}',)) for w in range(1, workers + 1)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
time.sleep(0.2)
for c in pool:
    c.close()
