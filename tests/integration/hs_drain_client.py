#!/usr/bin/python3
"""TLS client for the graceful-shutdown test (test_drain.sh).

usage: hs_drain_client.py MODE HOST GO_FILE
  MODE idle:  handshake, one keep-alive GET /index.html, print "ready",
              then wait (up to 30 s) for the server to close the idle
              connection.
  MODE fresh: handshake only, print "ready", wait until GO_FILE exists,
              then send one keep-alive GET /index.html and read the
              response, then wait for the server to close.
Prints "key value" lines: status, connection (the response's Connection
header), body_ok, close (close_notify | eof | timeout | reset).
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


def main(argv):
    mode, host, go = argv[1], argv[2], argv[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection((host, 443), timeout=20)
    s = ctx.wrap_socket(raw, server_hostname="localhost",
                        suppress_ragged_eofs=False)
    req = ("GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n").encode()
    want = open(os.path.join(os.environ["HS_ROOT"], "index.html"), "rb").read()
    if mode == "idle":
        s.sendall(req)
        status, hdrs, body = read_response(s)
        print("ready", flush=True)
    else:
        print("ready", flush=True)
        for _ in range(600):
            if os.path.exists(go):
                break
            time.sleep(0.05)
        s.sendall(req)
        status, hdrs, body = read_response(s)
    print("status", status)
    print("connection", hdrs.get("connection", "-"))
    print("body_ok", int(body == want))
    print("close", wait_close(s, 30), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
