#!/usr/bin/env bash
# bench/scaling.sh - busy cycles per request at 1 and 2 polling lcores
# under the same load: per-lcore scaling without shared-state contention
# means the two figures should be within 10% of each other.
#
# For each lcore count, httpsd runs on net_af_packet in its own namespace
# pair (scripts/topo.sh; 2 lcores: main lcore + 2 workers, qpairs=2) and
# one wrk thread loads it, in turn:
#   ka_1k     keep-alive GETs of a 1 KiB file, 50 connections
#   close_1k  one GET per connection ("Connection: close"; wrk resumes
#             TLS sessions), 50 connections
# Busy cycles = delta of loop_busy_cycles summed over lcores (TSC cycles of
# poll iterations that did work); requests = delta of http_req, both from
# /httpsd/stats, read before and after each run.
#
# Output (machine-readable, one JSON object per line) on stdout and in
# --out FILE:
#   {"bench":"scaling","scenario":"ka_1k","lcores":1,"requests":N,
#    "busy_cycles":N,"busy_cycles_per_req":X,"busy_us_per_req":X,
#    "req_per_s":X,"cpu_us_per_req":X,"idle_sleep_us":N,"tsc_hz":N,
#    "duration_s":S}
#   {"bench":"scaling","scenario":"ka_1k","summary":true,
#    "ratio_2_over_1":X,"within_10pct":true|false,"oversubscribed":true|false}
# scripts/bench can run it as one more step and merge the lines:
#   bench/scaling.sh --duration "$D" --out "$OUT/scaling.jsonl"
#
# Caveat: busy cycles are wall-clock TSC.  On a machine with fewer CPUs
# than lcores + load generator ("oversubscribed": this 2-CPU box runs 3
# lcores and wrk), a preempted busy iteration is counted as busy, which
# inflates the 2-lcore figure; compare on a machine with free cores.
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${HS_BUILD_DIR:-$SRC/build}
HTTPSD=${HTTPSD:-$BUILD/httpsd}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
DURATION=8
OUT=""
SCENARIOS="ka_1k close_1k"
IDLE_SLEEP=50

usage() {
	cat <<USAGE
usage: bench/scaling.sh [--duration S] [--out FILE] [--only ka_1k|close_1k]
                        [--idle-sleep US] [--help]

Busy cycles per request of httpsd at 1 and 2 polling lcores under the same
wrk load (keep-alive 1 KiB GETs; one GET per connection).  Needs root
(network namespaces), wrk and a built httpsd (HTTPSD=..., default
build/httpsd).  Prints one JSON object per line (see the top of this file);
--out FILE also writes them there.  Bounded: each run lasts --duration
seconds (default 8, at most 60) under a timeout.  --idle-sleep US is
passed to httpsd (default 50; 0 = busy polling, which on a machine with
fewer CPUs than lcores + wrk makes the lcores compete with the load
generator): with it, cpu_us_per_req (the
process's utime+stime per request) is meaningful too.
USAGE
}

while [ $# -gt 0 ]; do
	case $1 in
	--duration) DURATION=${2:?}; shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	--only) SCENARIOS=${2:?}; shift 2 ;;
	--idle-sleep) IDLE_SLEEP=${2:?}; shift 2 ;;
	--help|-h) usage; exit 0 ;;
	*) echo "bench/scaling.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
if ! [[ $DURATION =~ ^[0-9]+$ ]] || [ "$DURATION" -lt 1 ] || [ "$DURATION" -gt 60 ]; then
	echo "bench/scaling.sh: --duration must be 1..60" >&2
	exit 2
fi
[ "$(id -u)" -eq 0 ] || { echo "bench/scaling.sh: needs root" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench/scaling.sh: wrk not installed" >&2; exit 2; }
[ -x "$HTTPSD" ] || { echo "bench/scaling.sh: $HTTPSD not built" >&2; exit 2; }

NAME=$(printf 'bs%d%02x' "$$" "$((RANDOM % 256))")
TMP=$(mktemp -d "/tmp/httpsd-scaling.XXXXXX")
PID=""
TOPO=0

cleanup() {
	trap - EXIT INT TERM
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -INT "$PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	if [ "$TOPO" = 1 ]; then
		for ns in "$NAME-srv" "$NAME-cli"; do
			for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		done
		bash "$SRC/scripts/topo.sh" down "$NAME" >/dev/null 2>&1
	fi
	while read -r mnt; do rm -f "$mnt/${NAME}"*map_*; done < <(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts)
	rm -rf "/var/run/dpdk/$NAME"* "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash "$SRC/scripts/gen-cert.sh" "$TMP/pki" >/dev/null || exit 1
mkdir -p "$TMP/www"
head -c 1024 /dev/urandom >"$TMP/www/1k.bin"
eval "$(bash "$SRC/scripts/topo.sh" up "$NAME")" || exit 1
TOPO=1
[ -n "$OUT" ] && : >"$OUT"

emit() {
	printf '%s\n' "$1"
	[ -z "$OUT" ] || printf '%s\n' "$1" >>"$OUT"
}

# counters PFX: "busy_cycles http_req" summed over lcores
counters() {
	"$PY" "$SRC/tests/integration/hs_telemetry.py" "/var/run/dpdk/$1/dpdk_telemetry.v2" \
		/httpsd/stats | awk '{v[$1] = $2} END {printf "%.0f %.0f\n", v["loop_busy_cycles"], v["http_req"]}'
}

# proc_ticks PID: utime+stime of the whole process (clock ticks)
proc_ticks() { awk '{printf "%.0f\n", $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

tsc_hz() {
	"$PY" "$SRC/tests/integration/hs_telemetry.py" "/var/run/dpdk/$1/dpdk_telemetry.v2" \
		/httpsd/info | awk '$1 == "tsc_hz" {print $2}'
}

# start N: httpsd with N polling lcores; sets PID and PFX
start() {
	local n=$1 lc i
	PFX=$NAME-$n
	if [ "$n" = 1 ]; then
		lc=(-l 1)
		[ "$(nproc)" -ge 2 ] || lc=(-l 0)
		VDEV="net_af_packet0,iface=$HS_SRV_IF"
	else
		lc=(--lcores '(0-2)@(0-1)')
		[ "$(nproc)" -ge 3 ] && lc=(-l 0-2)
		VDEV="net_af_packet0,iface=$HS_SRV_IF,qpairs=2"
	fi
	ip netns exec "$HS_SRV_NS" "$HTTPSD" "${lc[@]}" --no-pci --no-huge -m 512 \
		--file-prefix "$PFX" "--vdev=$VDEV" -- --addr "$HS_SRV_IP/24" \
		--cert "$TMP/pki/cert.pem" --key "$TMP/pki/key.pem" --root "$TMP/www" \
		--keepalive-requests 1000000 --access-log off --idle-sleep "$IDLE_SLEEP" >"$TMP/httpsd.$n.out" 2>"$TMP/httpsd.$n.err" &
	PID=$!
	for ((i = 0; i < 600; i++)); do
		grep -q '^httpsd: ready' "$TMP/httpsd.$n.out" 2>/dev/null && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench/scaling.sh: httpsd ($n lcores) did not start: $(tail -2 "$TMP/httpsd.$n.err")" >&2
	exit 1
}

stop() {
	kill -INT "$PID"
	for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
	wait "$PID"
	PID=""
}

oversub=false
[ "$(nproc)" -lt 4 ] && oversub=true
declare -A PER
for n in 1 2; do
	start "$n"
	hz=$(tsc_hz "$PFX")
	for sc in $SCENARIOS; do
		args=(-t1 -c50 "-d${DURATION}s" --timeout 5s)
		[ "$sc" = close_1k ] && args+=(-H 'Connection: close')
		# warm-up (sessions, caches), then the measured run
		ip netns exec "$HS_CLI_NS" timeout 30 wrk -t1 -c50 -d1s "https://$HS_SRV_IP/1k.bin" >/dev/null 2>&1
		read -r b0 r0 < <(counters "$PFX")
		t0=$(proc_ticks "$PID")
		ip netns exec "$HS_CLI_NS" timeout $((DURATION + 30)) \
			wrk "${args[@]}" "https://$HS_SRV_IP/1k.bin" >"$TMP/wrk.$n.$sc" 2>&1
		read -r b1 r1 < <(counters "$PFX")
		t1=$(proc_ticks "$PID")
		req=$((r1 - r0))
		busy=$((b1 - b0))
		[ "$req" -gt 0 ] || { echo "bench/scaling.sh: no requests in $sc ($n lcores)" >&2; exit 1; }
		line=$(awk -v sc="$sc" -v n="$n" -v req="$req" -v busy="$busy" -v hz="$hz" -v d="$DURATION" \
			-v ticks="$((t1 - t0))" -v tck="$(getconf CLK_TCK)" -v is="$IDLE_SLEEP" \
			'BEGIN {printf "{\"bench\":\"scaling\",\"scenario\":\"%s\",\"lcores\":%d,\"requests\":%d,\"busy_cycles\":%.0f,\"busy_cycles_per_req\":%.1f,\"busy_us_per_req\":%.3f,\"req_per_s\":%.1f,\"cpu_us_per_req\":%.3f,\"idle_sleep_us\":%d,\"tsc_hz\":%.0f,\"duration_s\":%d}",
			sc, n, req, busy, busy / req, busy / req / hz * 1e6, req / d, ticks / tck / req * 1e6, is, hz, d}')
		emit "$line"
		PER[$sc.$n]=$(awk -v b="$busy" -v r="$req" 'BEGIN {printf "%.3f", b / r}')
	done
	stop
done
for sc in $SCENARIOS; do
	emit "$(awk -v sc="$sc" -v a="${PER[$sc.1]}" -v b="${PER[$sc.2]}" -v o="$oversub" \
		'BEGIN {r = b / a; printf "{\"bench\":\"scaling\",\"scenario\":\"%s\",\"summary\":true,\"ratio_2_over_1\":%.3f,\"within_10pct\":%s,\"oversubscribed\":%s}",
		sc, r, (r >= 0.9 && r <= 1.1) ? "true" : "false", o}')"
done
