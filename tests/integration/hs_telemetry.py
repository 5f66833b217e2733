#!/usr/bin/python3
"""Query a DPDK telemetry v2 socket (SOCK_SEQPACKET, JSON replies).

usage: hs_telemetry.py SOCKET_PATH COMMAND [--json]

Prints the reply of COMMAND (e.g. /httpsd/stats). A dict reply is printed
as "name value" lines, anything else as JSON; --json prints raw JSON.
Exit status: 0 on a reply, 1 when the socket cannot be reached or the
reply is not JSON.
"""
import json
import socket
import sys


def query(path, cmd, timeout=5.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(timeout)
    try:
        s.connect(path)
        hello = json.loads(s.recv(65536).decode())
        bufsz = int(hello.get("max_output_len", 16384)) + 1
        s.send(cmd.encode())
        return json.loads(s.recv(bufsz).decode())
    finally:
        s.close()


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 and argv[1] in ("-h", "--help") else 2
    try:
        reply = query(argv[1], argv[2])
    except (OSError, ValueError) as e:
        print("hs_telemetry: %s: %s" % (argv[1], e), file=sys.stderr)
        return 1
    value = reply.get(argv[2], reply) if isinstance(reply, dict) else reply
    if "--json" in argv[3:] or not isinstance(value, dict):
        print(json.dumps(value))
        return 0
    for k, v in value.items():
        print("%s %s" % (k, v))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
