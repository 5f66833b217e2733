#!/usr/bin/env bash
# Server CPU per 1 MiB keep-alive response with TSO on and off, side by
# side: httpsd (HTTPSD=binary, default build/httpsd) on a net_tap port, 1
# lcore (core 0); the tap's kernel side, in the server namespace, is the
# client: wrk -t1 -c4 (core 1) fetches URL_PATH (default /big.bin, 1 MiB
# random) over SCHEME (default https) for 5 s.  ROUNDS rounds (default
# 3), each one run with --tso on then one with --tso off (a restart
# each).  Per run: requests, telemetry loop_busy_cycles / http_req (the
# polling core's busy cycles, the PMD's work included: net_tap cuts TSO
# frames in software, librte_gso, then writes each segment to the tap),
# httpsd's process CPU time (utime + stime from /proc, which preemption
# by other work does not inflate), TX frames and wire segments per
# request, TSO frames; then per mode the lowest of each per request
# (preemption only inflates busy cycles) and the ratios on / off.
# Needs root.
#   bash bench/tso_tap.sh
#   ROUNDS=5 SCHEME=http bash bench/tso_tap.sh
HS_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/integration/lib.sh
. "$HS_SOURCE_DIR/tests/integration/lib.sh"
ROUNDS=${ROUNDS:-3}
hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
command -v wrk >/dev/null || hs_skip "wrk not installed"
TAP=${HS_NAME}t
HS_VDEV="net_tap0,iface=$TAP"
srv() { ip netns exec "$HS_SRV_NS" "$@"; }
url="${SCHEME:-https}://$HS_SRV_IP${URL_PATH:-/big.bin}"
declare -A best bestcpu
cpu_ticks() { awk '{print $14 + $15}' "/proc/$HS_PID/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))
run_mode() {	# run_mode on|off ROUND
	local b0 r0 t0 s0 f0 b1 r1 t1 s1 f1 n out c i k0 k1 u
	start_httpsd --http-port-mode serve --tso "$1" || hs_fatal "httpsd did not start"
	for ((i = 0; i < 50; i++)); do	# the tap may take a moment to appear
		srv ip link show "$TAP" >/dev/null 2>&1 && break
		sleep 0.1
	done
	srv ip addr add 198.18.0.2/24 dev "$TAP" || hs_fatal "cannot address $TAP"
	srv ip link set "$TAP" up || hs_fatal "cannot bring $TAP up"
	srv ethtool -K "$TAP" tx off >/dev/null 2>&1
	srv curl -sS -k --max-time 20 -o /dev/null "$url" || hs_fatal "warm-up failed"
	b0=$(hs_stat loop_busy_cycles); r0=$(hs_stat http_req); t0=$(hs_stat tx_pkts)
	s0=$(hs_stat tx_tcp); f0=$(hs_stat tcp_tso_sends); k0=$(cpu_ticks)
	out=$(srv timeout 20 taskset -c 1 wrk -t1 -c4 -d5s --timeout 5s "$url" 2>&1)
	b1=$(hs_stat loop_busy_cycles); r1=$(hs_stat http_req); t1=$(hs_stat tx_pkts)
	s1=$(hs_stat tx_tcp); f1=$(hs_stat tcp_tso_sends); k1=$(cpu_ticks)
	stop_httpsd
	n=$((r1 - r0))
	[ "$n" -gt 0 ] || hs_fatal "no request served: $out"
	c=$(((b1 - b0) / n))
	u=$(((k1 - k0) * TICK_US / n))
	echo "RESULT tso=$1 round=$2 reqs=$n cycles_per_req=$c cpu_us_per_req=$u" \
		"frames_per_req=$(((t1 - t0) / n))" \
		"segments_per_req=$(((s1 - s0) / n)) tso_frames_per_req=$(((f1 - f0) / n))" \
		"rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
	if [ -z "${best[$1]:-}" ] || [ "$c" -lt "${best[$1]}" ]; then best[$1]=$c; fi
	if [ -z "${bestcpu[$1]:-}" ] || [ "$u" -lt "${bestcpu[$1]}" ]; then bestcpu[$1]=$u; fi
}
for ((r = 1; r <= ROUNDS; r++)); do
	run_mode on "$r"
	run_mode off "$r"
done
echo "SUMMARY lowest cycles_per_req: tso on ${best[on]}, off ${best[off]}," \
	"on/off $(awk -v a="${best[on]}" -v b="${best[off]}" 'BEGIN {printf "%.3f", a / b}')"
echo "SUMMARY lowest cpu_us_per_req: tso on ${bestcpu[on]}, off ${bestcpu[off]}," \
	"on/off $(awk -v a="${bestcpu[on]}" -v b="${bestcpu[off]}" 'BEGIN {printf "%.3f", a / b}')"
hs_finish
