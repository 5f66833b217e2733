#!/usr/bin/env bash
# RSS per idle keep-alive TLS connection of httpsd, with our own record
# layer (--tls-records own) and with wolfSSL's (--tls-records wolfssl):
# N connections (default 8000; bench/idle_conns.py), each a TLS 1.3
# handshake and one GET /index.html, then held idle; the httpsd process's
# VmRSS before and after, divided by N.  Needs root.
#   N=8000 bash bench/idle_rss.sh
# Prints "RESULT records=MODE conns=K rss_kb_before=A rss_kb_after=B
# bytes_per_conn=C" per mode.
HS_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/integration/lib.sh
. "$HS_SOURCE_DIR/tests/integration/lib.sh"
N=${N:-8000}
MODES=${MODES:-own wolfssl}
hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
ulimit -n $((N + 1024))
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$HS_PID/status"; }
for mode in $MODES; do
	start_httpsd --tls-records "$mode" --max-conns $((N + 256)) \
		--max-conns-per-source 0 --keepalive-timeout 600s ||
		hs_fatal "httpsd did not start"
	# warm: the first handshake and request allocate lazily made state
	for _ in 1 2 3; do hcurl -o /dev/null "https://$HS_SRV_IP/index.html"; done
	hs_wait_stat_eq tcp_conn_open 0 20 >/dev/null
	r0=$(rss)
	mkfifo "$HS_TMP/hold"
	cli "$HS_PY" "$HS_SOURCE_DIR/bench/idle_conns.py" "$HS_SRV_IP" "$HS_CERT" "$N" \
		<"$HS_TMP/hold" >"$HS_TMP/ready" 2>"$HS_TMP/idle.err" &
	cpid=$!
	exec 9>"$HS_TMP/hold"
	k=""
	for _ in $(seq 1 1200); do	# bounded: 10 min
		k=$(awk '/^ready/ {print $2}' "$HS_TMP/ready")
		[ -n "$k" ] && break
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.5
	done
	r1=$(rss)
	open=$(hs_stat tcp_conn_open)
	exec 9>&-
	wait "$cpid"
	rm -f "$HS_TMP/hold"
	if [ -z "$k" ] || [ "$k" -eq 0 ]; then
		hs_fatal "no connection held: $(cat "$HS_TMP/idle.err")"
	fi
	echo "RESULT records=$mode conns=$k open=$open rss_kb_before=$r0 rss_kb_after=$r1" \
		"bytes_per_conn=$(((r1 - r0) * 1024 / k))"
	stop_httpsd
done
hs_finish
