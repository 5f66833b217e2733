#!/usr/bin/env bash
# Slow peers must not exhaust the server's memory.  From the client
# address 198.18.0.2 (no per-source limit, so only the memory budgets
# stand in the way):
#   A. slowhttptest slow read (-X: tiny windows, reads 16 bytes every 5 s,
#      a 1 MiB response each), slowloris (-H: a header line every 10 s)
#      and slow body (-B: a body chunk every 10 s) at once, thousands of
#      connections in all;
#   B. 64 TLS clients that pipeline requests for a 1 MiB file and never
#      read a byte of the answers.
# Meanwhile a second client address, 198.18.0.3 (same namespace, curl
# --interface), must get EVERY one of its requests answered within a
# bounded time.  Afterwards the open-connection gauge and the packet
# pool's mbufs_in_use return to their idle values, and at exit to 0.
# Bounded: the attack lasts ATTACK_S, the pipelining PIPE_S, each curl
# CURL_S, settling SETTLE_S (about 2.5 minutes in all).
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

ATTACK_S=${HS_SLOW_ATTACK_S:-45}
PIPE_S=${HS_SLOW_PIPE_S:-30}
CURL_S=10		# each request of the second address (a user's patience,
			# and room for SYN retransmissions at 1 s and 3 s)
NREQ=8			# requests of the second address per phase
SETTLE_S=40		# bound for the gauges to return to idle
CLI2=198.18.0.3

hs_require_root
hs_init
command -v slowhttptest >/dev/null || hs_skip "slowhttptest not installed (scripts/deps.sh)"
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
T=$HS_TMP
CLI_IF=$HS_NAME-c
cli ip addr add "$CLI2/24" dev "$CLI_IF" || hs_fatal "cannot add $CLI2 to $CLI_IF"
# More descriptors for thousands of sockets in the attack tools.
ulimit -n 65536 2>/dev/null || ulimit -n 16384 2>/dev/null || true

start_httpsd --time-wait 1s --max-conns-per-source 0 ||
	hs_fatal "httpsd did not start"

url=https://$HS_SRV_IP
code=$(hcurl --interface "$CLI2" -o /dev/null -w '%{http_code}' "$url/index.html")
check_eq "idle: GET from $CLI2 is 200" 200 "$code"
sleep 2
idle_conns=$(hs_stat tcp_conn_open)
idle_mbufs=$(hs_stat mbufs_in_use)
hs_log "idle: tcp_conn_open=$idle_conns mbufs_in_use=$idle_mbufs"

# second_client TAG: NREQ requests from $CLI2, one every 3 s; prints how
# many were answered with 200 and appends the codes to $T/TAG.codes.
second_client() {
	local ok=0 i c
	for ((i = 0; i < NREQ; i++)); do
		c=$(cli curl -sS --max-time "$CURL_S" --cacert "$HS_CERT" --interface "$CLI2" \
			-o /dev/null -w '%{http_code} %{time_connect} %{time_appconnect} %{time_total}' \
			"$url/index.html" 2>>"$T/$1.err")
		echo "$c" >>"$T/$1.times"
		c=${c%% *}
		echo "${c:-000}" >>"$T/$1.codes"
		[ "$c" = 200 ] && ok=$((ok + 1))
		sleep 3
	done
	echo "$ok"
}

# sampler SECONDS: "tcp_conn_open mbufs_in_use drop_nombuf" every 0.5 s.
sampler() {
	local i
	for ((i = 0; i < $1 * 2; i++)); do
		hs_stats | awk '$1 == "tcp_conn_open" {o = $2} $1 == "mbufs_in_use" {m = $2}
			$1 == "drop_nombuf" {d = $2} END {if (o != "") print o, m, d}'
		sleep 0.5
	done
}

peak() { sort -n -k"$2" "$1" | tail -n1 | awk -v k="$2" '{print $k}'; }

# --- A. slow read + slowloris + slow body ------------------------------------
hs_log "attack: slowhttptest -X, -H, -B from 198.18.0.2 for ${ATTACK_S}s"
cli timeout -k 5 $((ATTACK_S + 20)) slowhttptest -X -c 2000 -r 500 -w 1 -y 64 -n 5 -z 16 -k 3 \
	-l "$ATTACK_S" -p 3 -u "$url/big.bin" >"$T/slowread.out" 2>&1 &
p1=$!
cli timeout -k 5 $((ATTACK_S + 20)) slowhttptest -H -c 1000 -r 200 -i 10 -s 8192 -x 24 \
	-l "$ATTACK_S" -p 3 -u "$url/index.html" >"$T/slowloris.out" 2>&1 &
p2=$!
cli timeout -k 5 $((ATTACK_S + 20)) slowhttptest -B -c 1000 -r 200 -i 10 -s 8192 -x 24 -t POST \
	-l "$ATTACK_S" -p 3 -u "$url/index.html" >"$T/slowbody.out" 2>&1 &
p3=$!
sampler "$ATTACK_S" >"$T/attack.gauges" 2>/dev/null &
sp=$!
sleep 10			# the attack ramps up (500 conns/s)
okA=$(second_client attack)
wait "$p1" "$p2" "$p3"
wait "$sp"
hs_log "attack: slow read: $(grep -m1 -iE 'service available' "$T/slowread.out" | tr -s ' ')"
hs_log "attack: peak tcp_conn_open $(peak "$T/attack.gauges" 1), peak mbufs_in_use $(peak "$T/attack.gauges" 2), drop_nombuf $(hs_stat drop_nombuf)"
hs_log "attack: $CLI2 answered $okA of $NREQ ($(tr '\n' ' ' <"$T/attack.codes"))"
hs_log "attack: $CLI2 code/connect/TLS/total: $(tr '\n' ';' <"$T/attack.times")"
[ -s "$T/attack.err" ] && hs_log "attack: curl: $(tr '\n' ' ' <"$T/attack.err")"
check_eq "slow read/slowloris/slow body: every request of $CLI2 answered" "$NREQ" "$okA"

# --- B. pipelining clients that never read ------------------------------------
hs_log "pipelining: 64 TLS clients from 198.18.0.2 that never read, ${PIPE_S}s"
cli timeout -k 5 $((PIPE_S + 20)) "$HS_PY" "$HS_LIBDIR/hs_pipeline_hog.py" "$HS_SRV_IP" 443 \
	/big.bin 64 "$PIPE_S" --tls >"$T/hog.out" 2>&1 &
p4=$!
sampler "$PIPE_S" >"$T/pipe.gauges" 2>/dev/null &
sp=$!
sleep 8
okB=$(second_client pipe)
wait "$p4"
wait "$sp"
hs_log "pipelining: $(tr '\n' ' ' <"$T/hog.out"); peak mbufs_in_use $(peak "$T/pipe.gauges" 2)"
hs_log "pipelining: $CLI2 answered $okB of $NREQ ($(tr '\n' ' ' <"$T/pipe.codes"))"
check_eq "pipelining clients that never read: every request of $CLI2 answered" "$NREQ" "$okB"
hs_log "shed: $(hs_stats | awk '$1 ~ /^conn_shed|^tcp_mem|^drop_tcp_mem|^drop_tcp_snd/ {printf "%s=%s ", $1, $2}')"

# --- afterwards: back to idle -------------------------------------------------
hs_wait_stat_eq tcp_conn_open "$idle_conns" "$SETTLE_S"
check_eq "tcp_conn_open back to its idle value" "$idle_conns" "$(hs_stat tcp_conn_open)"
hs_wait_stat_eq mbufs_in_use "$idle_mbufs" 10
check_eq "mbufs_in_use back to its idle value" "$idle_mbufs" "$(hs_stat mbufs_in_use)"
code=$(hcurl --interface "$CLI2" -o /dev/null -w '%{http_code}' "$url/big.bin")
check_eq "after: GET /big.bin from $CLI2 is 200" 200 "$code"

stop_httpsd
hs_finish
