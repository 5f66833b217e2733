#!/usr/bin/env bash
# tests/bench/test_linkem.sh - bench/linkem's bottleneck on real frames:
# client netns <- veth -> linkem netns <- veth -> server netns (kernel
# sockets at both ends), linkem --rate 20 --buffer 30p --delay 5.
#  1. UDP offered at about 3x the rate for 1 s: the receiver gets at most
#     the rate (measured over about a second: a rate limiter cannot be beaten
#     by a loaded machine, only fallen short of), the buffer drops (qdrop
#     counts them) and its deepest backlog is exactly 30 frames;
#  2. a 3 MB TCP transfer takes at least 3 MB / 20 Mbit/s and reaches a
#     generous fraction of it.
# Bounds are wide (counts, orders of magnitude): it must hold on a loaded
# 2-core machine.  Needs root (exit 77 otherwise) and build/bench/linkem.
set -uo pipefail

SRC=${HS_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${HS_BUILD_DIR:-$SRC/build}
LINKEM=${LINKEM:-$BUILD/bench/linkem}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
[ "$(id -u)" = 0 ] || { echo "test_linkem: SKIP: needs root"; exit 77; }
[ -x "$LINKEM" ] || { echo "test_linkem: SKIP: no $LINKEM"; exit 77; }

N=$(printf 'lt%d' "$$" | cut -c1-9)
LK_PFX=${N}lk
TMP=$(mktemp -d /tmp/httpsd-linkem.XXXXXX)
LK_PID=""
FAILS=0
CHECKS=0
RATE=20
BUF=30

log() { printf 'test_linkem: %s\n' "$*"; }
ok() {
	CHECKS=$((CHECKS + 1))
	if eval "$2"; then log "ok: $1"; else log "FAIL: $1 ($2)"; FAILS=$((FAILS + 1)); fi
}
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
cleanup() {
	local ns pid i
	trap - EXIT INT TERM
	if alive "$LK_PID"; then
		kill -INT "$LK_PID" 2>/dev/null
		for ((i = 0; i < 50; i++)); do alive "$LK_PID" || break; sleep 0.1; done
		kill -KILL "$LK_PID" 2>/dev/null
	fi
	for ns in "$N-c" "$N-k" "$N-s"; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		ip netns delete "$ns" 2>/dev/null
	done
	rm -rf "/var/run/dpdk/$LK_PFX" "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for ns in c k s; do ip netns add "$N-$ns" || exit 1; done
ip link add "${N}c" netns "$N-c" type veth peer name "${N}k0" netns "$N-k" || exit 1
ip link add "${N}k1" netns "$N-k" type veth peer name "${N}s" netns "$N-s" || exit 1
for pair in "c ${N}c" "k ${N}k0" "k ${N}k1" "s ${N}s"; do
	read -r ns dev <<<"$pair"
	ip netns exec "$N-$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	ip netns exec "$N-$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null 2>&1
	ip -n "$N-$ns" link set lo up
	ip -n "$N-$ns" link set "$dev" up
done
ip -n "$N-c" addr add 198.18.3.2/24 dev "${N}c"
ip -n "$N-s" addr add 198.18.3.1/24 dev "${N}s"

ip netns exec "$N-k" timeout -k 5 120 "$LINKEM" --no-pci --no-huge -m 128 \
	--file-prefix "$LK_PFX" "--vdev=net_af_packet0,iface=${N}k0" \
	"--vdev=net_af_packet1,iface=${N}k1" -- --rate "$RATE" --buffer "${BUF}p" \
	--delay 5 --queue 2048 --max-seconds 100 >"$TMP/linkem.txt" 2>&1 &
LK_PID=$!
for ((i = 0; i < 200; i++)); do
	grep -q '^linkem: ready' "$TMP/linkem.txt" 2>/dev/null && break
	alive "$LK_PID" || break
	sleep 0.1
done
grep -q '^linkem: ready' "$TMP/linkem.txt" || { cat "$TMP/linkem.txt"; log "FAIL: linkem did not start"; exit 1; }
# Static neighbours: no ARP frames through the path (nor in its counters).
mac() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
ip -n "$N-c" neigh replace 198.18.3.1 lladdr "$(mac "$N-s" "${N}s")" dev "${N}c" nud permanent
ip -n "$N-s" neigh replace 198.18.3.2 lladdr "$(mac "$N-c" "${N}c")" dev "${N}s" nud permanent

# --- 1. UDP at about 3x the rate -----------------------------------------------
cat >"$TMP/udp.py" <<'EOF'
import socket, sys, time
mode = sys.argv[1]
if mode == "recv":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("198.18.3.1", 9000))
    s.settimeout(10)
    n = 0; first = last = 0.0
    try:
        while True:
            d = s.recv(2048)
            now = time.monotonic()
            if d == b"end":
                break
            if n == 0:
                first = now
            s.settimeout(2)
            n += 1; last = now
    except socket.timeout:
        pass
    print(n, "%.6f" % (last - first))
else:
    # 1400-byte datagrams (1442-byte frames), 60 Mbit/s for 1 s in bursts of 10
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    buf = b"x" * 1400
    t0 = time.monotonic(); sent = 0
    while time.monotonic() - t0 < 1.0:
        for _ in range(10):
            s.sendto(buf, ("198.18.3.1", 9000)); sent += 1
        due = t0 + sent * 1442 * 8 / 60e6
        d = due - time.monotonic()
        if d > 0:
            time.sleep(d)
    time.sleep(0.5)
    for _ in range(3):
        s.sendto(b"end", ("198.18.3.1", 9000)); time.sleep(0.05)
    print(sent)
EOF
ip netns exec "$N-s" timeout 30 "$PY" "$TMP/udp.py" recv >"$TMP/udp.recv" &
RCV=$!
sleep 0.5
sent=$(ip netns exec "$N-c" timeout 30 "$PY" "$TMP/udp.py" send)
wait "$RCV"
read -r got dt <"$TMP/udp.recv"
log "udp: sent $sent, received ${got:-?} in ${dt:-?} s"

# --- 2. TCP, 3 MB ----------------------------------------------------------------
cat >"$TMP/tcp.py" <<'EOF'
import socket, sys, time
SIZE = 3000000
if sys.argv[1] == "serve":
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("198.18.3.1", 9001)); l.listen(1); l.settimeout(20)
    c, _ = l.accept()
    c.sendall(b"y" * SIZE); c.close()
else:
    c = socket.create_connection(("198.18.3.1", 9001), timeout=20)
    t0 = time.monotonic(); n = 0
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        n += len(d)
    print(n, "%.6f" % (time.monotonic() - t0))
EOF
ip netns exec "$N-s" timeout 40 "$PY" "$TMP/tcp.py" serve &
SRV=$!
sleep 0.5
read -r tbytes tsec <<<"$(ip netns exec "$N-c" timeout 40 "$PY" "$TMP/tcp.py" get)"
wait "$SRV"
log "tcp: ${tbytes:-?} bytes in ${tsec:-?} s"

# linkem's counters
kill -INT "$LK_PID"
for ((i = 0; i < 100; i++)); do alive "$LK_PID" || break; sleep 0.1; done
wait "$LK_PID"
LK_PID=""
cat "$TMP/linkem.txt"
c2s=$(grep '^linkem: 0->1' "$TMP/linkem.txt")
field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}' <<<"$c2s"; }
qdrop=$(field qdrop); maxq=$(field max_queue_pkts); tx=$(field tx); rx=$(field rx)
sum=$(($(field tx) + $(field tx_fail) + $(field queued) + qdrop + $(field lost) + $(field overflow)))

ok "linkem printed its counters" '[ -n "$c2s" ] && [ -n "$qdrop" ]'
# offered 60 Mbit/s for 1 s = about 5200 datagrams
ok "the sender offered well above the rate (sent $sent)" '[ "${sent:-0}" -ge 2500 ]'
# 20 Mbit/s for about 1 s is about 1730 frames of 1442 B, plus 30 buffered
ok "received no more than the rate allows ($got)" '[ "${got:-0}" -ge 100 ] && [ "${got:-0}" -le 2100 ]'
rate=$(awk -v n="${got:-0}" -v t="${dt:-0}" 'BEGIN {if (t > 0.2 && n > 1) printf "%.2f", (n - 1) * 1442 * 8 / t / 1e6; else print 0}')
log "udp rate at the receiver: $rate Mbit/s (link $RATE)"
ok "UDP rate at the receiver <= 1.1 x $RATE Mbit/s and >= 0.4 x ($rate)" \
	"awk -v r=$rate -v l=$RATE 'BEGIN {exit !(r <= 1.1 * l && r >= 0.4 * l)}'"
ok "the buffer dropped (qdrop $qdrop)" '[ "${qdrop:-0}" -ge 500 ]'
ok "the deepest backlog is the buffer size, $BUF frames ($maxq)" '[ "${maxq:-0}" = "$BUF" ]'
ok "every frame accounted for (rx $rx = forwarded + drops + held: $sum)" '[ "$rx" = "$sum" ]'
ok "the receiver got no more than was forwarded (tx $tx)" '[ "${tx:-0}" -ge "${got:-0}" ]'
ok "TCP: all 3 MB arrived" '[ "${tbytes:-0}" = 3000000 ]'
trate=$(awk -v n="${tbytes:-0}" -v t="${tsec:-0}" 'BEGIN {if (t > 0) printf "%.2f", n * 8 / t / 1e6; else print 0}')
log "tcp goodput: $trate Mbit/s (link $RATE; payload only, so below it)"
ok "TCP goodput <= $RATE Mbit/s and >= 0.25 x ($trate)" \
	"awk -v r=$trate -v l=$RATE 'BEGIN {exit !(r <= l && r >= 0.25 * l)}'"

log "$CHECKS checks, $FAILS failed: $([ "$FAILS" = 0 ] && echo PASS || echo FAIL)"
[ "$FAILS" = 0 ]
