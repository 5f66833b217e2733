#!/usr/bin/env bash
# RSS per idle keep-alive TLS connection of httpsd, with our own record
# layer (--tls-records own) and with wolfSSL's (--tls-records wolfssl):
# N connections (default 8000; bench/idle_conns.py), each a TLS 1.3
# handshake and one GET /index.html, then held idle; the httpsd process's
# VmRSS before and after, divided by N.  Needs root.
#   N=8000 bash bench/idle_rss.sh
#   N=100000 MODES=own bash bench/idle_rss.sh     # one lcore, ~5 min
# Above 25000 connections the client uses several source addresses
# (198.18.0.10, .11, ... on its veth, ~28k ports each) and the EAL gets
# room for the connection table (--no-huge -m 1024 unless HS_EAL_MEM
# says otherwise).  The wait for the client is bounded: 600 s + N/50 s.
# Prints "RESULT records=MODE conns=K rss_kb_before=A rss_kb_after=B
# bytes_per_conn=C" per mode, with the key-block pool's gauges from
# telemetry (tls_key_blocks, tls_key_blocks_in_use).
HS_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/integration/lib.sh
. "$HS_SOURCE_DIR/tests/integration/lib.sh"
N=${N:-8000}
MODES=${MODES:-own wolfssl}
NSRC=$(((N + 24999) / 25000))
if [ "$N" -gt 25000 ] && [ -z "${HS_EAL_MEM:-}" ]; then
	export HS_EAL_MEM="--no-huge -m 1024"
fi
hs_require_root
hs_init
hs_topo_up
SRCS=""
if [ "$NSRC" -gt 1 ]; then
	for ((i = 0; i < NSRC; i++)); do
		ip -n "$HS_CLI_NS" addr add "198.18.0.$((10 + i))/24" \
			dev "${HS_SRV_IF%-s}-c" || hs_fatal "cannot add a client address"
		SRCS="$SRCS${SRCS:+,}198.18.0.$((10 + i))"
	done
fi
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
		/index.html $SRCS <"$HS_TMP/hold" >"$HS_TMP/ready" 2>"$HS_TMP/idle.err" &
	cpid=$!
	exec 9>"$HS_TMP/hold"
	k=""
	t0=$SECONDS
	for _ in $(seq 1 $((2 * (600 + N / 50)))); do	# bounded: 600 s + N/50 s
		k=$(awk '/^ready/ {print $2}' "$HS_TMP/ready")
		[ -n "$k" ] && break
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.5
	done
	r1=$(rss)
	secs=$((SECONDS - t0))
	open=$(hs_stat tcp_conn_open)
	kb=$(hs_stat tls_key_blocks)
	kbu=$(hs_stat tls_key_blocks_in_use)
	exec 9>&-
	wait "$cpid"
	rm -f "$HS_TMP/hold"
	if [ -z "$k" ] || [ "$k" -eq 0 ]; then
		hs_fatal "no connection held: $(cat "$HS_TMP/idle.err")"
	fi
	echo "RESULT records=$mode conns=$k open=$open rss_kb_before=$r0 rss_kb_after=$r1" \
		"bytes_per_conn=$(((r1 - r0) * 1024 / k)) key_blocks=${kb:-?}" \
		"key_blocks_in_use=${kbu:-?} client_s=$secs"
	stop_httpsd
done
hs_finish
