#!/usr/bin/python3
"""GET a file over openssl s_client and make the client update its keys
(TLS 1.3 KeyUpdate) while the response streams in.

usage: hs_keyupdate.py HOST CAFILE PATH OUT [k|K ...]

Starts `openssl s_client -tls1_3`, writes the request, waits until the
response's first bytes arrived, then sends each command given (K: a
KeyUpdate with update_requested, k: without) as its own stdin line -
s_client turns such a line into SSL_key_update() instead of data - and
reads the response to its end (Content-Length); then asks for PATH again
on the same connection, so the server must open that request with the
client's next key, and reads the second response.  The first body goes
to OUT.  Prints the status line.  Exit status 0 if both whole 200
responses arrived with the same body.
No timing: every step waits for the previous one's outcome.
"""
import subprocess
import sys


def main():
    host, ca, path, out = sys.argv[1:5]
    cmds = sys.argv[5:] or ["K"]
    p = subprocess.Popen(
        ["openssl", "s_client", "-connect", host + ":443", "-CAfile", ca,
         "-tls1_3", "-servername", "localhost", "-brief"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL)
    req = ("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path).encode()
    p.stdin.write(req)
    p.stdin.flush()
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = p.stdout.read1(65536)
        if not chunk:
            print("no response")
            return 1
        buf += chunk
    head, body = buf.split(b"\r\n\r\n", 1)
    # mid-download: the rest of the body is still coming
    for c in cmds:
        p.stdin.write(c.encode() + b"\n")
        p.stdin.flush()
    lines = head.split(b"\r\n")
    print(lines[0].decode(errors="replace"))
    length = None
    for h in lines[1:]:
        k, _, v = h.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    if length is None:
        return 1
    while len(body) < length:
        chunk = p.stdout.read1(1 << 20)
        if not chunk:
            break
        body += chunk
    # the second request goes out under the client's updated keys
    rest = body[length:]
    body = body[:length]
    p.stdin.write(req)
    p.stdin.flush()
    while not (b"\r\n\r\n" in rest and
               len(rest.split(b"\r\n\r\n", 1)[1]) >= length):
        chunk = p.stdout.read1(1 << 20)
        if not chunk:
            break
        rest += chunk
    second = rest.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in rest else b""
    p.stdin.close()
    p.wait()
    with open(out, "wb") as f:
        f.write(body[:length])
    ok = (lines[0].startswith(b"HTTP/1.1 200") and len(body) == length and
          rest.startswith(b"HTTP/1.1 200") and second[:length] == body)
    if not ok:
        print("second response: %d bytes, %s" % (len(second), rest[:15]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
