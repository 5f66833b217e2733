#!/usr/bin/env bash
# Transfers and connection life cycle against the real binary:
#   - 0 B, 1 B, 1 MiB and 64 MiB random files over HTTPS and plain HTTP,
#     byte-exact (sha256); plain-HTTP bodies counted as sent zero-copy
#   - 200 sequential connections, 50 concurrent ones under wrk (bounded)
#   - a closed port answers RST (the client sees "connection refused")
#   - a client that resets mid-transfer leaves no connection behind
#   - afterwards telemetry (read with DPDK's own dpdk-telemetry.py) shows
#     0 open connections, and no mbuf is leaked at exit
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
: >"$HS_ROOT/empty.bin"
head -c 1 /dev/urandom >"$HS_ROOT/one.bin"
head -c $((64 << 20)) /dev/urandom >"$HS_ROOT/huge.bin"
start_httpsd --http-port-mode serve || hs_fatal "httpsd did not start"
T=$HS_TMP

# --- byte-exact downloads, both ports ---------------------------------------
for f in empty.bin one.bin big.bin huge.bin; do
	want=$(sha256sum <"$HS_ROOT/$f")
	code=$(hcurl -o "$T/$f.tls" -w '%{http_code}' "https://$HS_SRV_IP/$f")
	check_eq "HTTPS GET /$f: 200" 200 "$code"
	check_eq "HTTPS GET /$f: sha256" "$want" "$(sha256sum <"$T/$f.tls" 2>/dev/null)"
	code=$(cli curl -sS --max-time 60 -o "$T/$f.plain" -w '%{http_code}' "http://$HS_SRV_IP/$f")
	check_eq "HTTP GET /$f: 200" 200 "$code"
	check_eq "HTTP GET /$f: sha256" "$want" "$(sha256sum <"$T/$f.plain" 2>/dev/null)"
	rm -f "$T/$f.tls" "$T/$f.plain"
done
# Plain-HTTP file bodies go out by reference to the file cache (extbuf
# mbufs, no copy): at least big.bin + huge.bin counted.
check_ge "plain HTTP bodies sent zero-copy (http_body_zc_bytes)" \
	$(((64 << 20) + (1 << 20))) "$(hs_stat http_body_zc_bytes)"
# af_packet copies every frame into the kernel anyway: TCP copies each
# segment's payload into its frame rather than chain views to it
# (lc->tx_copy; a NIC that DMAs gets views).
check_ge "TCP copied payloads into frames on af_packet (tcp_tx_copy_bytes)" \
	$(((64 << 20) + (1 << 20))) "$(hs_stat tcp_tx_copy_bytes)"
check_eq "no views on af_packet (tcp_tx_zc_bytes)" 0 "$(hs_stat tcp_tx_zc_bytes)"

# --- 200 sequential connections ---------------------------------------------
# One curl process per connection; the client closes first, as browsers do.
ok=0
for i in $(seq 1 200); do
	code=$(hcurl -o /dev/null -w '%{http_code}' "https://$HS_SRV_IP/index.html?n=$i")
	[ "$code" = 200 ] && ok=$((ok + 1))
done
check_eq "200 sequential HTTPS connections all answered 200" 200 "$ok"

# --- 50 concurrent connections under wrk, bounded ---------------------------
if command -v wrk >/dev/null; then
	out=$(cli timeout 30 wrk -t1 -c50 -d3s --timeout 5s "https://$HS_SRV_IP/index.html" 2>&1)
	hs_log "wrk: $(tr '\n' ' ' <<<"$out")"
	reqs=$(awk '/requests in/ {print $1}' <<<"$out")
	check_ge "wrk 50 connections: requests served" 500 "${reqs:-0}"
	check "wrk: no socket errors" bash -c "! grep -q 'Socket errors' <<<\"\$1\"" _ "$out"
	check "wrk: no non-2xx responses" bash -c "! grep -q 'Non-2xx' <<<\"\$1\"" _ "$out"
else
	hs_fail "wrk is not installed (scripts/deps.sh installs it)"
fi

# --- closed port: RST ---------------------------------------------------------
start=$(date +%s%N)
cli curl -sS --max-time 10 -o /dev/null "http://$HS_SRV_IP:8443/" 2>"$T/refused.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
check_eq "closed port: curl reports 'connection refused' (exit 7)" 7 "$rc"
check "closed port: refused at once (${ms} ms), not timed out" test "$ms" -lt 5000

# --- client reset mid-transfer ----------------------------------------------
# A slow reader of the 64 MiB file is killed with SIGKILL: its kernel resets
# the connection (unread data), and the server must forget it.
cli curl -sS --max-time 20 --limit-rate 200k --cacert "$HS_CERT" -o /dev/null \
	"https://$HS_SRV_IP/huge.bin" 2>/dev/null &
cpid=$!
sleep 1.5
check "slow reader was still downloading" kill -0 "$cpid"
kill -KILL "$cpid" 2>/dev/null
wait "$cpid" 2>/dev/null

# --- no connection left behind, read with DPDK's own telemetry client -------
tele() {
	echo /httpsd/stats | timeout 5 dpdk-telemetry.py -f "$HS_PFX" 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys
t = sys.stdin.read(); d = json.loads(t[t.rindex("{\"/httpsd/stats\""):])
print(d["/httpsd/stats"][sys.argv[1]])' "$1"
}
open=""
for _ in $(seq 1 40); do	# bounded: 20 s
	open=$(tele tcp_conn_open)
	[ "$open" = 0 ] && break
	sleep 0.5
done
check_eq "dpdk-telemetry.py: tcp_conn_open back to 0" 0 "$open"
check_ge "dpdk-telemetry.py: tcp_conn_total counts our connections" 250 "$(tele tcp_conn_total)"
check_ge "dpdk-telemetry.py: the reset was seen (tcp_rst_rx)" 1 "$(tele tcp_rst_rx)"

stop_httpsd
hs_finish
