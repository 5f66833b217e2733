#!/usr/bin/python3
"""Clients for the graceful-shutdown test (test_drain.sh).

usage: hs_drain_client.py MODE HOST GO_FILE [N]
  MODE idle:    handshake, one keep-alive GET /index.html, print "ready",
                then wait (up to 30 s) for the server to close the idle
                connection.  With N: N such connections at once.
  MODE fresh:   handshake only, print "ready", then wait for the server to
                close (no request is ever sent).
  MODE partial: handshake, the first line of a GET /index.html only, print
                "ready", wait until GO_FILE exists, then the rest of the
                head; read the response, then wait for the server to close.
  MODE tcp:     TCP connection to port 443, nothing sent (no ClientHello),
                print "ready", wait for the server to close.
  MODE plain:   the same on port 80 (plain HTTP).
Prints "key value" lines: status, connection (the response's Connection
header), body_ok, close (TLS: close_notify | eof | timeout | reset; TCP:
fin | timeout | reset), closed_at (time.time() when the close was seen);
with N: close_notify N_closed_with_close_notify and the latest closed_at.
Certificates are not verified (the test checks them elsewhere).
"""
import os
import socket
import ssl
import sys
import time


def read_response(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError("closed before the response head")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split()[1]
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    n = int(hdrs.get("content-length", "0"))
    while len(rest) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, hdrs, rest[:n]


def wait_close(s, limit):
    s.settimeout(limit)
    try:
        while True:
            if not s.recv(4096):
                return "close_notify"
    except ssl.SSLZeroReturnError:
        return "close_notify"
    except ssl.SSLEOFError:
        return "eof"
    except socket.timeout:
        return "timeout"
    except (ConnectionResetError, ssl.SSLError, OSError):
        return "reset"


def wait_fin(s, limit):
    s.settimeout(limit)
    try:
        while True:
            if not s.recv(4096):
                return "fin"
    except socket.timeout:
        return "timeout"
    except OSError:
        return "reset"


def tls_connect(host):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection((host, 443), timeout=20)
    return ctx.wrap_socket(raw, server_hostname="localhost",
                           suppress_ragged_eofs=False)


def main(argv):
    mode, host, go = argv[1], argv[2], argv[3]
    n = int(argv[4]) if len(argv) > 4 else 0
    req = ("GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n").encode()
    want = open(os.path.join(os.environ["HS_ROOT"], "index.html"), "rb").read()
    if mode in ("tcp", "plain"):
        s = socket.create_connection((host, 443 if mode == "tcp" else 80),
                                     timeout=20)
        print("ready", flush=True)
        print("close", wait_fin(s, 30))
        print("closed_at", time.time(), flush=True)
        return 0
    if mode == "idle" and n > 0:
        conns = [tls_connect(host) for _ in range(n)]
        ok = 0
        for s in conns:
            s.sendall(req)
            status, hdrs, body = read_response(s)
            ok += int(status == "200" and body == want)
        print("status_200", ok)
        print("ready", flush=True)
        closes = [wait_close(s, 30) for s in conns]
        print("close_notify", closes.count("close_notify"))
        print("closed_at", time.time(), flush=True)
        return 0
    s = tls_connect(host)
    if mode == "fresh":
        print("ready", flush=True)
        print("close", wait_close(s, 30))
        print("closed_at", time.time(), flush=True)
        return 0
    if mode == "idle":
        s.sendall(req)
        status, hdrs, body = read_response(s)
        print("ready", flush=True)
    else:
        s.sendall(req[:req.index(b"\r\n") + 2])
        print("ready", flush=True)
        for _ in range(600):
            if os.path.exists(go):
                break
            time.sleep(0.05)
        s.sendall(req[req.index(b"\r\n") + 2:])
        status, hdrs, body = read_response(s)
    print("status", status)
    print("connection", hdrs.get("connection", "-"))
    print("body_ok", int(body == want))
    print("close", wait_close(s, 30))
    print("closed_at", time.time(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
