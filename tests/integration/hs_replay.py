#!/usr/bin/env python3
"""Record and replay a TLS client's first flight (0-RTT replay test).

  hs_replay.py record PORT HOST HPORT OUT   proxy one connection from
      127.0.0.1:PORT to HOST:HPORT; write to OUT the client's first flight:
      its records up to and including the first application_data record
      (ClientHello, ChangeCipherSpec, early data)
  hs_replay.py replay HOST HPORT IN [ccs]    send IN's bytes on a new
      connection and print what came back: the hex of the first record
      header and two bytes after it, or "nothing"; with "ccs", a
      change_cipher_spec record (14 03 03 00 01 01) goes first
  hs_replay.py split HOST HPORT SNI [ccs]    make a TLS 1.3 ClientHello
      naming SNI (python ssl, memory BIOs), send it fragmented over two
      handshake records cut in the middle of the server name (RFC 8446
      section 5.1), optionally behind a change_cipher_spec record, and
      print what came back as replay does
  hs_replay.py hold PORT HOST HPORT SECS      proxy one connection like
      record, but hold everything the client sends after its first flight
      (its EndOfEarlyData and Finished) for SECS seconds; print
      "before_release N": the bytes the server sent until then (0.5-RTT
      data, RFC 8446 section 2.3, is among them), then "total N"

Every wait is bounded (10 s per socket operation, 30 s in all)."""
import select
import socket
import sys
import time


def records_upto_appdata(buf):
    """Length of buf's prefix up to and including the first type-23
    record, or None if not complete yet."""
    off = 0
    while off + 5 <= len(buf):
        rlen = int.from_bytes(buf[off + 3:off + 5], "big")
        if off + 5 + rlen > len(buf):
            return None
        off += 5 + rlen
        if buf[off - 5 - rlen] == 23:
            return off
    return None


def record(port, host, hport, out):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    ls.settimeout(10)
    print("listening", flush=True)
    c, _ = ls.accept()
    s = socket.create_connection((host, hport), timeout=10)
    flight, saved = b"", False
    end = time.monotonic() + 30
    socks = [c, s]
    while socks and time.monotonic() < end:
        r, _, _ = select.select(socks, [], [], 1)
        for x in r:
            data = x.recv(65536)
            peer = s if x is c else c
            if not data:
                socks = []
                break
            if x is c and not saved:
                flight += data
                n = records_upto_appdata(flight)
                if n is not None:
                    open(out, "wb").write(flight[:n])
                    saved = True
            peer.sendall(data)
    c.close()
    s.close()
    return 0 if saved else 1


def hold(port, host, hport, secs):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    ls.settimeout(10)
    print("listening", flush=True)
    c, _ = ls.accept()
    s = socket.create_connection((host, hport), timeout=10)
    flight, release, held = b"", None, b""
    s2c, before = 0, None
    end = time.monotonic() + 30
    socks = [c, s]
    while socks and time.monotonic() < end:
        if release is not None and before is None and \
                time.monotonic() >= release:
            before = s2c
            print("before_release %d" % before, flush=True)
            s.sendall(held)
        r, _, _ = select.select(socks, [], [], 0.05)
        for x in r:
            data = x.recv(65536)
            if not data:
                socks = []
                break
            if x is s:
                s2c += len(data)
                c.sendall(data)
            elif release is None:
                flight += data
                s.sendall(data)
                if records_upto_appdata(flight) is not None:
                    release = time.monotonic() + secs
            elif before is None:
                held += data
            else:
                s.sendall(data)
    c.close()
    s.close()
    if before is None:
        print("before_release %d" % s2c)
    print("total %d" % s2c)
    return 0


CCS = bytes.fromhex("140303000101")


def split_hello(sni):
    """A ClientHello naming sni, as two records cut inside the name."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    rec = out.read()
    rlen = int.from_bytes(rec[3:5], "big")
    assert rec[0] == 22 and len(rec) == 5 + rlen, "one handshake record"
    msg = rec[5:]
    cut = msg.index(sni.encode()) + len(sni) // 2
    hdr = rec[0:3]
    return (hdr + cut.to_bytes(2, "big") + msg[:cut] +
            hdr + (len(msg) - cut).to_bytes(2, "big") + msg[cut:])


def replay(host, hport, path, prefix=b""):
    data = path if isinstance(path, bytes) else open(path, "rb").read()
    data = prefix + data
    s = socket.create_connection((host, hport), timeout=10)
    s.sendall(data)
    got = b""
    end = time.monotonic() + 10
    while len(got) < 7 and time.monotonic() < end:
        try:
            b = s.recv(7 - len(got))
        except (socket.timeout, ConnectionResetError):
            break
        if not b:
            break
        got += b
    s.close()
    print(got.hex() if got else "nothing")
    return 0


if __name__ == "__main__":
    a = sys.argv
    if len(a) == 6 and a[1] == "record":
        sys.exit(record(int(a[2]), a[3], int(a[4]), a[5]))
    if len(a) == 6 and a[1] == "hold":
        sys.exit(hold(int(a[2]), a[3], int(a[4]), float(a[5])))
    if len(a) in (5, 6) and a[1] == "replay":
        sys.exit(replay(a[2], int(a[3]), a[4],
                        CCS if a[5:] == ["ccs"] else b""))
    if len(a) in (5, 6) and a[1] == "split":
        sys.exit(replay(a[2], int(a[3]), split_hello(a[4]),
                        CCS if a[5:] == ["ccs"] else b""))
    sys.exit(__doc__)
