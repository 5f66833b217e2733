#!/usr/bin/python3
"""Minimal ICMP echo client (no dependency on iputils-ping).

usage: hs_ping.py DST [COUNT] [TIMEOUT_S]

Sends COUNT echo requests (default 3) with a random payload and waits up
to TIMEOUT_S (default 2) seconds for each matching echo reply (RFC 792:
same identifier, sequence number and data). Prints one line per probe.
Exit status: 0 if every probe was answered, 1 otherwise.
"""
import os
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def probe(sock, dst, ident, seq, timeout):
    payload = os.urandom(32)
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    pkt = struct.pack("!BBHHH", 8, 0, csum(hdr + payload), ident, seq) + payload
    t0 = time.monotonic()
    sock.sendto(pkt, (dst, 0))
    deadline = t0 + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            data, addr = sock.recvfrom(65535)
        except socket.timeout:
            return None
        if addr[0] != dst:
            continue
        ihl = (data[0] & 0x0F) * 4
        icmp = data[ihl:]
        if len(icmp) < 8:
            continue
        typ, code, _, rid, rseq = struct.unpack("!BBHHH", icmp[:8])
        if typ == 0 and code == 0 and rid == ident and rseq == seq:
            if icmp[8:] != payload or csum(icmp) != 0:
                print("reply seq=%d: bad payload or checksum" % seq)
                return None
            return time.monotonic() - t0


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    dst = argv[1]
    count = int(argv[2]) if len(argv) > 2 else 3
    timeout = float(argv[3]) if len(argv) > 3 else 2.0
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xFFFF
    ok = 0
    for seq in range(1, count + 1):
        rtt = probe(sock, dst, ident, seq, timeout)
        if rtt is None:
            print("seq=%d: no reply from %s" % (seq, dst))
        else:
            ok += 1
            print("seq=%d: reply from %s in %.3f ms" % (seq, dst, rtt * 1e3))
    print("%d/%d answered" % (ok, count))
    return 0 if ok == count else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
