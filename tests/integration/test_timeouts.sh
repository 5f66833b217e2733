#!/usr/bin/env bash
# Per-phase timeouts: a client that never starts the TLS handshake, one
# that sends half a request head (slowloris), an idle keep-alive
# connection, and one that never closes its side after our close are
# each ended after their (short, configured) timeout, and the matching
# telemetry counters move. Bad timeout values are covered by
# test_cli.sh.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
start_httpsd --http-port-mode serve --handshake-timeout 1s --header-timeout 1500ms \
	--keepalive-timeout 1 --linger-timeout 1s || hs_fatal "httpsd did not start"

# probe PORT MODE: connect, act per MODE, then wait (at most 15 s) for the
# server to end the connection. Prints "<how> <seconds>", how = fin|rst|open.
#   silent    send nothing (no ClientHello)
#   partial   send an unfinished request head
#   idle      send one whole request, read the response, then stay idle
#   linger    a "Connection: close" request, read to our FIN, never close:
#             rst once the socket is reset (TCP_INFO state CLOSE)
probe() {
	cli "$HS_PY" - "$HS_SRV_IP" "$1" "$2" <<'PY'
import socket, sys, time
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port), timeout=5)
s.settimeout(15)
if mode == "linger":
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    while s.recv(65536):
        pass
    t0 = time.monotonic()
    while time.monotonic() - t0 < 15:
        if s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0] == 7:
            print("rst", round(time.monotonic() - t0, 2))
            sys.exit(0)
        time.sleep(0.05)
    print("open 15")
    sys.exit(0)
if mode == "partial":
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: slo")
elif mode == "idle":
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(4096)
        if not d:
            print("eof-before-response 0"); sys.exit(0)
        head += d
    n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    body = head.split(b"\r\n\r\n", 1)[1]
    while len(body) < n:
        body += s.recv(65536)
t0 = time.monotonic()
how = "open"
try:
    while True:
        d = s.recv(4096)
        if not d:
            how = "fin"
            break
except ConnectionResetError:
    how = "rst"
except socket.timeout:
    how = "open"
print(how, round(time.monotonic() - t0, 2))
PY
}

# in_window DESC LO HI "HOW SECONDS" WANT_HOW
in_window() {
	local how=${4%% *} secs=${4#* }
	check_eq "$1: closed by the server ($5)" "$5" "$how"
	HS_CHECKS=$((HS_CHECKS + 1))
	if awk -v s="$secs" -v lo="$2" -v hi="$3" 'BEGIN { exit !(s >= lo && s <= hi) }'; then
		hs_log "ok: $1: after ${secs}s (window ${2}..${3}s)"
	else
		hs_fail "$1: closed after ${secs}s, outside ${2}..${3}s"
	fi
}

in_window "no ClientHello on 443, --handshake-timeout 1s" 0.7 8 "$(probe 443 silent)" rst
in_window "half a request head on 80, --header-timeout 1500ms" 1.2 8 "$(probe 80 partial)" rst
in_window "idle keep-alive on 80, --keepalive-timeout 1" 0.7 8 "$(probe 80 idle)" fin
in_window "client that never closes after ours, --linger-timeout 1s" 0.7 8 "$(probe 80 linger)" rst

check_ge "telemetry: conn_timeout_handshake" 1 "$(hs_stat conn_timeout_handshake)"
check_ge "telemetry: conn_timeout_read" 1 "$(hs_stat conn_timeout_read)"
check_ge "telemetry: conn_timeout_idle" 1 "$(hs_stat conn_timeout_idle)"
check_ge "telemetry: conn_timeout_linger" 1 "$(hs_stat conn_timeout_linger)"

# A client that keeps making progress is not cut off: 5 requests 0.5 s
# apart on one connection, each within the 1 s keep-alive timeout.
out=$(cli "$HS_PY" - "$HS_SRV_IP" <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], 80), timeout=5)
ok = 0
for i in range(5):
    s.sendall(b"GET /sub/ HTTP/1.1\r\nHost: x\r\n\r\n")
    buf = b""
    while b"sub index" not in buf:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    if buf.startswith(b"HTTP/1.1 200"):
        ok += 1
    time.sleep(0.5)
print(ok)
PY
)
check_eq "5 keep-alive requests 0.5 s apart all answered on one connection" 5 "$out"

# The idle close was ours, so that connection waits out TIME_WAIT (2*MSL)
# on our side; every other one is gone.
check_eq "telemetry: one connection in TIME_WAIT (our idle close)" 1 "$(hs_stat tcp_conn_timewait)"
HS_CHECKS=$((HS_CHECKS + 1))
if hs_wait_stat_eq tcp_conn_open 1 20; then
	hs_log "ok: no connection left open besides TIME_WAIT"
else
	hs_fail "connections left open"
fi
stop_httpsd
hs_finish
