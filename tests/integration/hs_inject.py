#!/usr/bin/python3
"""Blind in-window injection into a live TCP connection (RFC 5961 tests).

usage: hs_inject.py IFACE SRV-MAC SRV-IP SRV-PORT CLI-IP CLI-PORT MODE

Runs in the client's namespace.  It knows the 4-tuple only; to aim inside
the server's receive window it watches the connection for a moment (a
segment of the client gives RCV.NXT, the client's timestamp and the ACK
field, one of the server gives a lower bound of its window: the unscaled
window field) and then sends, with the client's addresses, one of

  rst-inwin    RST, SEQ = RCV.NXT + OFF (in the window, not RCV.NXT): RFC
               5961 §3.2 says challenge ACK, do not reset
  syn-inwin    SYN, SEQ = RCV.NXT + OFF: §4.2 says challenge ACK
  data-badack  64 bytes of data at SEQ = RCV.NXT with an ACK 2^30 beyond
               what the server sent (outside SND.UNA - MAX.SND.WND ..
               SND.NXT): §5.2 says discard, ACK
  rst-exact    RST, SEQ = RCV.NXT: §3.2 says reset the connection

OFF = min(1000, window / 2).  Non-RST segments carry a timestamp option
with the client's current TSval (its last one plus the time since, +2
ms; RFC 7323 §3.2 and §5.3: a missing or older one is dropped before any
of the above).
Then it watches the server's segments for 1 s and counts challenge ACKs:
pure ACKs (no data, no SYN/FIN/RST) from the server acknowledging
RCV.NXT.  During a download the server sends only data segments, so a
pure ACK is the answer to the injection.

Prints "name value" lines: rcv_nxt, ack, tsval, window, off, seq,
challenge_acks.  Exit 0 if it injected, 1 if the connection could not be
observed, 2 on usage errors.
"""
import os
import sys
import threading
import time

from scapy.all import AsyncSniffer, Ether, IP, TCP, Raw, conf, get_if_hwaddr, sendp  # noqa: E501 pylint: disable=no-name-in-module

conf.verb = 0
WATCH_S = 5.0      # bound on observing the connection
ANSWER_S = 1.0     # how long answers are collected


def main():
    if len(sys.argv) != 8:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    iface, srv_mac, srv, sport_s, cli, cport_s, mode = sys.argv[1:]
    sport, cport = int(sport_s), int(cport_s)
    if mode not in ("rst-inwin", "syn-inwin", "data-badack", "rst-exact"):
        return 2

    def c2s(p):
        return (IP in p and TCP in p and p[IP].src == cli and p[IP].dst == srv
                and p[TCP].sport == cport and p[TCP].dport == sport)

    def s2c(p):
        return (IP in p and TCP in p and p[IP].src == srv and p[IP].dst == cli
                and p[TCP].sport == sport and p[TCP].dport == cport)

    # Observe: a server segment (its window), then a fresh client segment,
    # and inject at once: the client's timestamp clock moves on (1 ms
    # ticks), and a TSval below the TS.Recent of the server fails PAWS
    # (RFC 7323 §5.3 R1) before any RFC 5961 check.
    seen = {}
    fresh = threading.Event()
    answers = []

    def watch(p):
        if c2s(p):
            if "s" in seen and "c" not in seen:
                seen["c"] = p
                fresh.set()
        elif s2c(p):
            seen.setdefault("s", p)
            if "inj" in seen:
                t = p[TCP]
                if t.flags == "A" and len(t.payload) == 0 and t.ack == seen["inj"]:
                    answers.append(p)

    sn = AsyncSniffer(iface=iface, prn=watch, store=False)
    sn.start()
    if not fresh.wait(WATCH_S):
        sn.stop()
        print("connection not observed", file=sys.stderr)
        return 1
    cp, s = seen["c"], seen["s"][TCP]
    c = cp[TCP]
    rcv_nxt = c.seq            # the client sends no data during a download
    ts = dict((k, v) for k, v in c.options if k == "Timestamp").get("Timestamp")
    window = s.window          # unscaled: a lower bound of the window
    off = min(1000, window // 2)
    if off < 1:
        sn.stop()
        print("server window too small: %d" % window, file=sys.stderr)
        return 1
    opts = []
    tsval = "-"
    if ts:
        # the client's clock now, +2 ms for the tick phase: never behind
        tsval = (ts[0] + int((time.time() - float(cp.time)) * 1000) + 2) & 0xFFFFFFFF
        opts = [("NOP", None), ("NOP", None), ("Timestamp", (tsval, ts[1]))]

    ip = IP(src=cli, dst=srv, id=int.from_bytes(os.urandom(2), "big"))
    if mode == "rst-inwin":
        seq = (rcv_nxt + off) & 0xFFFFFFFF
        seg = TCP(sport=cport, dport=sport, flags="R", seq=seq, ack=0, window=0)
    elif mode == "syn-inwin":
        seq = (rcv_nxt + off) & 0xFFFFFFFF
        seg = TCP(sport=cport, dport=sport, flags="S", seq=seq, ack=0,
                  window=64240, options=opts)
    elif mode == "data-badack":
        seq = rcv_nxt
        seg = TCP(sport=cport, dport=sport, flags="PA", seq=seq,
                  ack=(c.ack + (1 << 30)) & 0xFFFFFFFF, window=c.window,
                  options=opts) / Raw(b"\x17\x03\x03\x00\x3b" + os.urandom(59))
    else:
        seq = rcv_nxt
        seg = TCP(sport=cport, dport=sport, flags="R", seq=seq, ack=0, window=0)

    seen["inj"] = rcv_nxt      # from now on count pure ACKs of RCV.NXT
    sendp(Ether(src=get_if_hwaddr(iface), dst=srv_mac) / ip / seg, iface=iface)
    time.sleep(ANSWER_S)
    sn.stop()
    for k, v in (("rcv_nxt", rcv_nxt), ("ack", c.ack), ("tsval", tsval),
                 ("window", window), ("off", off), ("seq", seq),
                 ("challenge_acks", len(answers))):
        print(k, v)
    return 0


if __name__ == "__main__":
    sys.exit(main())
