#!/usr/bin/env python3
"""Python's ssl module (OpenSSL) as a client of httpsd, for test_interop.sh.

  hs_pyssl.py HOST CAFILE TLS get PATH SHA256 [COUNT]
      COUNT (default 2) GETs of PATH over one keep-alive connection, the
      last with "Connection: close"; each body's sha256 must be SHA256;
      after the last the server must end the stream with close_notify
      (suppress_ragged_eofs=False: a bare FIN raises SSLEOFError); we
      answer with our own close_notify (unwrap).
  hs_pyssl.py HOST CAFILE TLS post PATH FILE
      POSTs FILE; prints the response body (the upload sink's digest).

TLS is 1.2 or 1.3 (the only version offered).  Prints "ok ..." lines;
exits 1 with a one-line reason on any failure.  Bounded by socket
timeouts (20 s per operation).
"""
import hashlib
import socket
import ssl
import sys


def die(msg):
    print("FAIL " + msg)
    sys.exit(1)


def connect(host, cafile, tls):
    ctx = ssl.create_default_context(cafile=cafile)
    ver = ssl.TLSVersion.TLSv1_3 if tls == "1.3" else ssl.TLSVersion.TLSv1_2
    ctx.minimum_version = ver
    ctx.maximum_version = ver
    raw = socket.create_connection((host, 443), timeout=20)
    s = ctx.wrap_socket(raw, server_hostname="httpsd.test",
                        suppress_ragged_eofs=False)
    if s.version() != "TLSv" + tls:
        die("negotiated %s, wanted TLSv%s" % (s.version(), tls))
    return s


class Reader:
    def __init__(self, s):
        self.s = s
        self.buf = b""

    def fill(self):
        d = self.s.recv(65536)
        if not d:
            die("connection closed early")
        self.buf += d

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        h, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = h.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for ln in lines[1:]:
            k, v = ln.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
        return status, hdrs

    def body(self, n):
        h = hashlib.sha256()
        got = 0
        while got < n:
            if not self.buf:
                self.fill()
            take = self.buf[: n - got]
            self.buf = self.buf[len(take):]
            h.update(take)
            got += len(take)
        return h.hexdigest(), got


def do_get(host, cafile, tls, path, want, count):
    s = connect(host, cafile, tls)
    r = Reader(s)
    for i in range(count):
        last = i == count - 1
        req = "GET %s HTTP/1.1\r\nHost: httpsd.test\r\n%s\r\n" % (
            path, "Connection: close\r\n" if last else "")
        s.sendall(req.encode())
        status, hdrs = r.head()
        if status != 200:
            die("GET %s: status %d" % (path, status))
        digest, n = r.body(int(hdrs["content-length"]))
        if digest != want:
            die("GET %s #%d: sha256 %s, wanted %s" % (path, i + 1, digest, want))
        print("ok GET %s #%d: %d bytes, sha256 matches (%s, %s)" % (
            path, i + 1, n, s.version(), s.cipher()[0]))
    # Connection: close -> the server's close_notify, then nothing.
    try:
        extra = s.recv(1)
    except ssl.SSLEOFError:
        die("stream ended without close_notify")
    if extra:
        die("bytes after the last response")
    print("ok close_notify received")
    try:
        s.unwrap()
    except (ssl.SSLError, OSError):
        pass  # the server may have closed its side already
    s.close()


def do_post(host, cafile, tls, path, fname):
    data = open(fname, "rb").read()
    s = connect(host, cafile, tls)
    r = Reader(s)
    s.sendall(("POST %s HTTP/1.1\r\nHost: httpsd.test\r\n"
               "Content-Type: application/octet-stream\r\n"
               "Content-Length: %d\r\nConnection: close\r\n\r\n"
               % (path, len(data))).encode())
    s.sendall(data)
    status, hdrs = r.head()
    if status != 200:
        die("POST %s: status %d" % (path, status))
    n = int(hdrs["content-length"])
    while len(r.buf) < n:
        r.fill()
    print(r.buf[:n].decode().strip())
    s.close()


def main(a):
    if len(a) < 6:
        die("usage: hs_pyssl.py HOST CAFILE 1.2|1.3 get|post PATH ARG [COUNT]")
    host, cafile, tls, op, path, arg = a[:6]
    try:
        if op == "get":
            do_get(host, cafile, tls, path, arg, int(a[6]) if len(a) > 6 else 2)
        else:
            do_post(host, cafile, tls, path, arg)
    except (OSError, ssl.SSLError) as e:
        die("%s %s over TLS %s: %s" % (op, path, tls, e))


if __name__ == "__main__":
    main(sys.argv[1:])
