#!/usr/bin/env python3
"""Send one TLS application-data record with a corrupted tag.

Usage: hs_tamper.py HOST PORT tls1.2|tls1.3 CAFILE

Does a normal handshake (Python's ssl over memory BIOs, so the records go
through our own socket), seals an HTTP request, flips the last byte of the
record (inside the AEAD tag), sends it and reads what comes back until the
server ends the connection.  Prints "alert: <reason>" for the alert the
server sent and "closed" once the connection ended.  Exit 0 when the alert
was bad_record_mac (RFC 8446 §5.2, RFC 5246 §7.2.2) and the connection
closed; 1 otherwise.  Every wait is bounded (10 s per step).
"""
import socket
import ssl
import sys
import time


def main():
    host, port, ver, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    ctx.check_hostname = False
    v = ssl.TLSVersion.TLSv1_3 if ver == "tls1.3" else ssl.TLSVersion.TLSv1_2
    ctx.minimum_version = ctx.maximum_version = v
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=False)
    sock = socket.create_connection((host, port), timeout=10)
    deadline = time.monotonic() + 10
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            pass
        data = out.read()
        if data:
            sock.sendall(data)
        if time.monotonic() > deadline:
            print("handshake timeout")
            return 1
        chunk = sock.recv(65536)
        if not chunk:
            print("eof during handshake")
            return 1
        inc.write(chunk)
    data = out.read()
    if data:
        sock.sendall(data)
    print("handshake:", obj.version())
    obj.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    rec = bytearray(out.read())
    if len(rec) < 22 or rec[0] != 23:
        print("no application-data record to tamper with")
        return 1
    rec[-1] ^= 0x01                     # last byte of the AEAD tag
    sock.sendall(bytes(rec))
    alert, closed = None, False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            closed = True
            break
        except socket.timeout:
            break
        if not chunk:
            closed = True
            break
        inc.write(chunk)
        try:
            got = obj.read(65536)
            if got:
                print("unexpected data:", got[:60])
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError as e:
            alert = e.reason or str(e)
            print("alert:", alert)
    if alert is None:
        try:
            obj.read(65536)
        except ssl.SSLWantReadError:
            print("no alert received")
        except ssl.SSLError as e:
            alert = e.reason or str(e)
            print("alert:", alert)
    print("closed" if closed else "still open")
    ok = alert is not None and "BAD_RECORD_MAC" in alert.upper() and closed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
