#!/usr/bin/env bash
# Busy cycles per request of one download, for before/after comparisons:
# httpsd (HTTPSD=binary, default build/httpsd) in a namespace pair
# (tests/integration/lib.sh), 1 lcore on net_af_packet; wrk -t1 -c4 for
# 5 s, RUNS times, fetching URL_PATH (default /big.bin, 1 MiB random)
# over SCHEME (http or https).  Prints per run the requests, telemetry
# loop_busy_cycles / http_req, frames per request and requests/s.
# HS_ARGS: more httpsd options (word-split).  Needs root.  Example:
#   HTTPSD=/tmp/httpsd.old bash bench/cycles_per_req.sh old
#   bash bench/cycles_per_req.sh new
#   SCHEME=https HS_ARGS="--tls-records wolfssl" bash bench/cycles_per_req.sh wolfrec
# The loop is busy nearly all the time under this load, so cycles per
# request is close to the inverse of throughput, and it includes the
# kernel's work done in our sendto() (veth, the client's TCP receive).
HS_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/integration/lib.sh
. "$HS_SOURCE_DIR/tests/integration/lib.sh"
LABEL=${1:-run}
RUNS=${RUNS:-3}
hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
command -v wrk >/dev/null || hs_skip "wrk not installed"
# shellcheck disable=SC2086 # HS_ARGS is a list of options
start_httpsd --http-port-mode serve ${HS_ARGS:-} || hs_fatal "httpsd did not start"
url="${SCHEME:-http}://$HS_SRV_IP${URL_PATH:-/big.bin}"
hcurl -o /dev/null "$url"
for ((run = 1; run <= RUNS; run++)); do
	b0=$(hs_stat loop_busy_cycles); r0=$(hs_stat http_req); t0=$(hs_stat tx_pkts)
	out=$(cli timeout 20 wrk -t1 -c4 -d5s --timeout 5s "$url" 2>&1)
	b1=$(hs_stat loop_busy_cycles); r1=$(hs_stat http_req); t1=$(hs_stat tx_pkts)
	n=$((r1 - r0))
	[ "$n" -gt 0 ] || hs_fatal "no request served: $out"
	echo "RESULT $LABEL run=$run reqs=$n cycles_per_req=$(((b1 - b0) / n))" \
		"frames_per_req=$(((t1 - t0) / n)) rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
done
hs_stats | grep -E '_zc_bytes|tcp_tx_copy_bytes|drop_nombuf'
stop_httpsd
hs_finish
