#!/usr/bin/python3
"""Open N keep-alive TLS 1.3 connections, one request each, and hold them.

usage: idle_conns.py HOST CAFILE N [PATH [SRC1,SRC2,...]]

Each connection: handshake, GET PATH (default /index.html) with
keep-alive, the whole response read (Content-Length).  Then only the
socket is kept: the client's TLS state is dropped without a close_notify
(the server sees an idle keep-alive TLS connection), so 100k connections
fit in the client's memory.  Source addresses SRC... (default: the
kernel's choice) are used in turn, ~28k ports each.  Prints "progress K"
every 5000 and "ready K" (K connections held) once all are open, then
holds them until stdin closes.  For bench/idle_rss.sh.
"""
import socket
import ssl
import sys


def one(ctx, host, path, src):
    s = ctx.wrap_socket(socket.create_connection(
        (host, 443), timeout=20,
        source_address=(src, 0) if src else None),
                        server_hostname="localhost")
    s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        c = s.recv(65536)
        if not c:
            raise OSError("closed")
        buf += c
    head, body = buf.split(b"\r\n\r\n", 1)
    n = 0
    for h in head.split(b"\r\n")[1:]:
        k, _, v = h.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(body) < n:
        c = s.recv(65536)
        if not c:
            raise OSError("closed")
        body += c
    # keep the descriptor only (Python sends no close_notify on close)
    return socket.socket(fileno=s.detach())


def main():
    host, ca, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    path = sys.argv[4] if len(sys.argv) > 4 else "/index.html"
    srcs = sys.argv[5].split(",") if len(sys.argv) > 5 else [None]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    ctx.check_hostname = False
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    held = []
    for i in range(n):
        try:
            held.append(one(ctx, host, path, srcs[i % len(srcs)]))
        except OSError as e:
            print("error after %d: %s" % (len(held), e), file=sys.stderr)
            break
        if (i + 1) % 5000 == 0:
            print("progress %d" % (i + 1), flush=True)
    print("ready %d" % len(held), flush=True)
    sys.stdin.read()
    return 0 if len(held) == n else 1


if __name__ == "__main__":
    sys.exit(main())
