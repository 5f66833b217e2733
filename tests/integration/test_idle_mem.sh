#!/usr/bin/env bash
# Memory of idle keep-alive TLS connections and the expanded-key pool.
#  1. 1500 idle TLS 1.3 connections (bench/idle_conns.py: handshake, one
#     GET, then held): httpsd's RSS grows by at most 4 KiB per connection,
#     and no more key blocks are allocated than the pool's bound.
#  2. --tls-key-blocks 2 with 12 connections served round after round:
#     the pool never grows past 2 blocks, keys lose their block to others
#     (tls_key_evicted) and expand again, every response arrives intact,
#     and once the connections close no block is attached.
HS_SOURCE_DIR=${HS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=lib.sh
. "$HS_SOURCE_DIR/tests/integration/lib.sh"
hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
N=1500
ulimit -n $((N + 1024))
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$HS_PID/status"; }

# --- 1. RSS per idle connection ----------------------------------------------
start_httpsd --max-conns $((N + 256)) --max-conns-per-source 0 \
	--keepalive-timeout 600s --tls-key-blocks 256 || hs_fatal "httpsd did not start"
for _ in 1 2 3; do hcurl -o /dev/null "https://$HS_SRV_IP/index.html"; done
hs_wait_stat_eq tcp_conn_open 0 20 >/dev/null
r0=$(rss)
mkfifo "$HS_TMP/hold"
cli "$HS_PY" "$HS_SOURCE_DIR/bench/idle_conns.py" "$HS_SRV_IP" "$HS_CERT" "$N" \
	<"$HS_TMP/hold" >"$HS_TMP/ready" 2>"$HS_TMP/idle.err" &
cpid=$!
exec 9>"$HS_TMP/hold"
k=""
for _ in $(seq 1 600); do	# bounded: 300 s
	k=$(awk '/^ready/ {print $2}' "$HS_TMP/ready")
	[ -n "$k" ] && break
	kill -0 "$cpid" 2>/dev/null || break
	sleep 0.5
done
r1=$(rss)
check_eq "all $N connections held" "$N" "${k:-0}"
check_eq "httpsd holds them open" "$N" "$(hs_stat tcp_conn_open)"
per=$(((r1 - r0) * 1024 / N))
hs_log "RSS $r0 -> $r1 KiB: $per bytes per idle connection"
check "RSS growth per idle TLS connection <= 4096 bytes (got $per)" \
	test "$per" -le 4096
check "key blocks within --tls-key-blocks" test "$(hs_stat tls_key_blocks)" -le 256
exec 9>&-
wait "$cpid"
stop_httpsd

# --- 2. a pool of 2 key blocks under 12 connections ----------------------------
start_httpsd --tls-key-blocks 2 || hs_fatal "httpsd did not start"
out=$(cli "$HS_PY" - "$HS_SRV_IP" "$HS_CERT" <<'PYEOF'
import socket, ssl, sys
host, ca = sys.argv[1], sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(ca)
ctx.check_hostname = False
def get(s):
    s.sendall(b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf:
        c = s.recv(65536)
        if not c:
            raise OSError("closed")
        buf += c
    head, body = buf.split(b"\r\n\r\n", 1)
    n = [int(h.split(b":")[1]) for h in head.split(b"\r\n")
         if h.lower().startswith(b"content-length:")][0]
    while len(body) < n:
        body += s.recv(65536)
    return head.split(b"\r\n")[0], body
conns = [ctx.wrap_socket(socket.create_connection((host, 443), timeout=20),
                         server_hostname="localhost") for _ in range(12)]
ok, bodies = 0, set()
for _ in range(5):
    for s in conns:
        line, body = get(s)
        ok += line.startswith(b"HTTP/1.1 200")
        bodies.add(body)
for s in conns:
    s.close()
print("ok %d distinct %d" % (ok, len(bodies)))
PYEOF
)
check_eq "60 requests over 12 connections, 2 key blocks: all 200, one body" \
	"ok 60 distinct 1" "$out"
check_eq "the pool stayed at its bound" 2 "$(hs_stat tls_key_blocks)"
check_ge "keys lost their block to others and expanded again" 1 \
	"$(hs_stat tls_key_evicted)"
hs_wait_stat_eq tcp_conn_open 0 20 >/dev/null
check_eq "no key block attached once the connections closed" 0 \
	"$(hs_stat tls_key_blocks_in_use)"
stop_httpsd
hs_finish
