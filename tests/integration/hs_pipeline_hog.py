#!/usr/bin/env python3
"""Clients that pipeline requests and never read the responses.

hs_pipeline_hog.py HOST PORT PATH CONNS SECONDS [--tls]

Opens CONNS connections (TLS with --tls, no certificate check: the point
is the load, not the peer), each with a small receive buffer, then keeps
writing pipelined "GET PATH" requests into every connection for as long
as the server takes them, never reading a byte.  Bounded: exits after
SECONDS.  Prints "connected N" once the connections are up and
"sent BYTES" at the end.
"""
import select
import socket
import ssl
import sys
import time


def main():
    if len(sys.argv) < 6:
        print(__doc__, file=sys.stderr)
        return 2
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    nconn, secs = int(sys.argv[4]), float(sys.argv[5])
    use_tls = "--tls" in sys.argv[6:]
    deadline = time.monotonic() + secs
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: hog\r\n\r\n"
           % (path, host)).encode() * 32
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    socks = []
    for _ in range(nconn):
        if time.monotonic() > deadline:
            break
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.settimeout(5)
            s.connect((host, port))
            if use_tls:
                s = ctx.wrap_socket(s, server_hostname="httpsd.test")
            s.setblocking(False)
            socks.append(s)
        except OSError:
            continue
    print("connected %d" % len(socks), flush=True)
    sent = 0
    while time.monotonic() < deadline and socks:
        _, wr, _ = select.select([], socks, [], 0.2)
        for s in wr:
            try:
                sent += s.send(req)
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError,
                    BlockingIOError):
                pass
            except OSError:
                socks.remove(s)
        if not wr:
            time.sleep(0.1)
    print("sent %d" % sent, flush=True)
    for s in socks:
        try:
            s.close()
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
