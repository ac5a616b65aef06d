#!/usr/bin/env python3
"""Both ends of keepalive-persist-blackhole.pcap (one program, two roles).

usage: blackhole-peer.py server IP
       blackhole-peer.py client SERVER_IP KEEPIDLE KEEPINTVL KEEPCNT SECONDS

server: port 7000 answers one line with "ok" and then waits (an idle
connection); port 7001 accepts with a 4 KiB receive buffer and never reads
(its window closes).
client: connection A to 7000 with TCP keep-alive (TCP_KEEPIDLE / KEEPINTVL /
KEEPCNT as given) sends one line and waits; connection B to 7001 sends
256 KiB, which stalls on the zero window (persist probes). Both are left to
the kernel for SECONDS, then the client reports what each socket saw.
"""
import socket, sys, threading, time

t0 = time.time()


def log(msg):
    print(f't={time.time() - t0:.3f}s {msg}', flush=True)


def serve(ip):
    idle = socket.create_server((ip, 7000))
    sink = socket.socket()
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sink.bind((ip, 7001))
    sink.listen()
    held = []

    def answer_once():
        c, peer = idle.accept()
        held.append(c)
        line = c.recv(100)
        c.sendall(b'ok\n')
        log(f'7000: {peer} sent {line!r}, answered; now idle')

    def never_read():
        c, peer = sink.accept()
        held.append(c)
        log(f'7001: {peer} connected; never reading')

    threading.Thread(target=answer_once, daemon=True).start()
    threading.Thread(target=never_read, daemon=True).start()
    while True:
        time.sleep(3600)


def client(ip, keepidle, keepintvl, keepcnt, seconds):
    a = socket.socket()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    a.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, keepidle)
    a.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, keepintvl)
    a.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, keepcnt)
    a.connect((ip, 7000))
    a.sendall(b'hello\n')
    log(f'A from port {a.getsockname()[1]}: got {a.recv(100)!r}; idle with keep-alive {keepidle}/{keepintvl}/{keepcnt}')
    b = socket.socket()
    b.connect((ip, 7001))
    log(f'B from port {b.getsockname()[1]}: sending 256 KiB to a reader that never reads')
    result = {}

    def wait_a():
        try:
            result['A'] = repr(a.recv(100))
        except OSError as e:
            result['A'] = repr(e)
        log(f'A ended: {result["A"]}')

    def send_b():
        try:
            b.sendall(b'x' * 262144)
            result['B'] = 'sent'
        except OSError as e:
            result['B'] = repr(e)
        log(f'B ended: {result["B"]}')

    threading.Thread(target=wait_a, daemon=True).start()
    threading.Thread(target=send_b, daemon=True).start()
    time.sleep(seconds)
    log(f'done: A {result.get("A", "still waiting")}, B {result.get("B", "still blocked")}')


if sys.argv[1] == 'server':
    serve(sys.argv[2])
else:
    client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]))
