#!/usr/bin/env bash
# RSS per idle keep-alive TLS connection of httpsd, with our own record
# layer (--tls-records own) and with wolfSSL's (--tls-records wolfssl):
# N connections (default 8000; bench/idle_conns.py), each a TLS 1.3
# handshake and one GET /index.html, then held idle; the httpsd process's
# VmRSS before and after, divided by N.  Needs root.
#   N=8000 bash bench/idle_rss.sh
#   N=100000 MODES=own bash bench/idle_rss.sh     # one lcore, ~5 min
# Above 16000 connections the client runs as several processes of at
# most 16000 each (a container may cap descriptors at 20000), each from
# its own source address (198.18.0.10, .11, ... on its veth), and the EAL
# gets room for the connection table (--no-huge -m 1024 unless HS_EAL_MEM
# says otherwise).  The wait for the clients is bounded: 600 s + N/50 s.
# Prints "RESULT records=MODE conns=K rss_kb_before=A rss_kb_after=B
# bytes_per_conn=C" per mode, with the key-block pool's gauges from
# telemetry (tls_key_blocks, tls_key_blocks_in_use), and idle_cpu: the
# process's CPU seconds per second (utime+stime) over IDLE_CPU_S seconds
# (default 5) while the connections are held, httpsd running with
# --idle-sleep IDLE_SLEEP (default 50) and wakeups= its loop_sleeps in
# that time.  DRIVER (default net_af_packet; net_hs_packet when built
# in) is the port's driver.
HS_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/integration/lib.sh
. "$HS_SOURCE_DIR/tests/integration/lib.sh"
N=${N:-8000}
IDLE_SLEEP=${IDLE_SLEEP:-50}
IDLE_CPU_S=${IDLE_CPU_S:-5}
MODES=${MODES:-own wolfssl}
# Client processes of at most 16000 connections each (the descriptor
# limit may be 20000, as in some containers), each from its own source
# address once there are several.
NP=$(((N + 15999) / 16000))
if [ "$N" -gt 16000 ] && [ -z "${HS_EAL_MEM:-}" ]; then
	export HS_EAL_MEM="--no-huge -m 1024"
fi
DRIVER=${DRIVER:-net_af_packet}
hs_require_root
hs_init
hs_topo_up
HS_VDEV="${DRIVER}0,iface=$HS_SRV_IF"
if [ "$NP" -gt 1 ]; then
	for ((i = 0; i < NP; i++)); do
		ip -n "$HS_CLI_NS" addr add "198.18.0.$((10 + i))/24" \
			dev "${HS_SRV_IF%-s}-c" || hs_fatal "cannot add a client address"
	done
fi
hs_gen_cert
hs_docroot "$HS_TMP/www"
PER=$(((N + NP - 1) / NP))
ulimit -n $((PER + 1024)) || hs_fatal "cannot raise the descriptor limit to $((PER + 1024))"
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$HS_PID/status"; }
# clock ticks of CPU (utime + stime) the process used so far
cpu_ticks() { awk '{print $14 + $15}' "/proc/$HS_PID/stat"; }
for mode in $MODES; do
	start_httpsd --tls-records "$mode" --idle-sleep "$IDLE_SLEEP" --max-conns $((N + 256)) \
		--max-conns-per-source 0 --keepalive-timeout $((2 * (600 + N / 50)))s ||
		hs_fatal "httpsd did not start"
	# warm: the first handshake and request allocate lazily made state
	for _ in 1 2 3; do hcurl -o /dev/null "https://$HS_SRV_IP/index.html"; done
	hs_wait_stat_eq tcp_conn_open 0 20 >/dev/null
	r0=$(rss)
	mkfifo "$HS_TMP/hold"
	cpids=()
	for ((i = 0; i < NP; i++)); do
		n=$((i < NP - 1 ? PER : N - PER * (NP - 1)))
		src=()
		[ "$NP" -gt 1 ] && src=(/index.html "198.18.0.$((10 + i))")
		cli "$HS_PY" "$HS_SOURCE_DIR/bench/idle_conns.py" "$HS_SRV_IP" \
			"$HS_CERT" "$n" "${src[@]}" <"$HS_TMP/hold" \
			>"$HS_TMP/ready.$i" 2>"$HS_TMP/idle.err.$i" &
		cpids+=($!)
	done
	exec 9>"$HS_TMP/hold"
	k=""
	t0=$SECONDS
	for _ in $(seq 1 $((2 * (600 + N / 50)))); do	# bounded: 600 s + N/50 s
		k=$(cat "$HS_TMP"/ready.* | awk '/^ready/ {k += $2; r++}
			END {if (r == '"$NP"') print k}')
		[ -n "$k" ] && break
		alive=0
		for c in "${cpids[@]}"; do kill -0 "$c" 2>/dev/null && alive=1; done
		[ "$alive" = 1 ] || break
		sleep 0.5
	done
	r1=$(rss)
	secs=$((SECONDS - t0))
	sleep 1	# the last handshakes' timers run out
	c0=$(cpu_ticks) w0=$(hs_stat loop_sleeps)
	sleep "$IDLE_CPU_S"
	c1=$(cpu_ticks) w1=$(hs_stat loop_sleeps)
	idle_cpu=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v s="$IDLE_CPU_S" \
		'BEGIN {printf "%.3f", t / hz / s}')
	open=$(hs_stat tcp_conn_open)
	kb=$(hs_stat tls_key_blocks)
	kbu=$(hs_stat tls_key_blocks_in_use)
	exec 9>&-
	wait "${cpids[@]}"
	rm -f "$HS_TMP/hold" "$HS_TMP"/ready.*
	if [ -z "$k" ] || [ "$k" -eq 0 ]; then
		hs_fatal "no connection held: $(cat "$HS_TMP"/idle.err.*)"
	fi
	[ "$open" = "$k" ] || hs_log "warning: $k held by the clients, $open open in httpsd"
	echo "RESULT records=$mode conns=$k open=$open rss_kb_before=$r0 rss_kb_after=$r1" \
		"bytes_per_conn=$(((r1 - r0) * 1024 / k)) key_blocks=${kb:-?}" \
		"key_blocks_in_use=${kbu:-?} client_s=$secs idle_cpu=$idle_cpu" \
		"wakeups=$((w1 - w0))"
	stop_httpsd
done
hs_finish
