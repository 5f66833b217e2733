#!/usr/bin/env bash
# Soak run of httpsd: everything at once against one server for N minutes,
# then checks that nothing legitimate failed and that memory and
# connections come back to where they started.  See --help.
#
# Built on tests/integration/lib.sh (namespaces, start_httpsd, telemetry,
# cleanup on any exit).  Not part of the meson test suites: it is long.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"

# --- options ------------------------------------------------------------------
MINUTES=10
SECONDS_OVERRIDE=""
OUT=""
WRK_CONNS=4		# keep-alive connections fetching 1 KB
WRK_BIG_CONNS=2		# keep-alive connections fetching 100 KB
CHURN_CONNS=2		# Connection: close, a full handshake per request
SLOWLORIS=50		# slowhttptest -H connections per round
SLOWREAD=10		# slowhttptest -X connections per round
SLOW_RATE=10		# slowhttptest connections opened per second
SLOW_ROUND=120		# seconds, longest slowhttptest round
SYN_PPS=1000		# spoofed SYNs per second
LOSS=1			# --impair loss percent, both directions
RELOAD_EVERY=30		# seconds between SIGHUPs
PROBE_EVERY=3		# seconds between legitimate probes
PROBE_TIMEOUT=10	# seconds, each probe
WRK_TIMEOUT=10		# seconds, wrk's per-request timeout
DRAIN_TIMEOUT=150	# seconds, wait for connections and mbufs after the load
RSS_TOL_PCT=10		# final RSS <= baseline + max(PCT % of baseline, MIB MiB)
RSS_TOL_MIB=8
MBUF_SLACK=0		# final mbufs_in_use <= baseline + SLACK
ACCESS_LOG=/dev/null	# the log path is exercised, nothing piles up on disk
EXTRA_ARGS=()

usage() {
	cat <<EOF
usage: $0 [--minutes N] [--out FILE] [options]

Soak run: starts one httpsd (from ${HS_BUILD_DIR#"$HS_SOURCE_DIR"/}/) in network
namespaces it creates (scripts/topo.sh; addresses of 198.18.0.0/15 only)
and runs all of this against it at once, each part bounded in time:

  keep-alive HTTPS   wrk, --wrk-conns connections on a 1 KB file and
                     --wrk-big-conns on a 100 KB file
  connection churn   wrk with 'Connection: close' (--churn-conns): a full
                     TCP + TLS handshake per request
  slow clients       slowhttptest slowloris (-H, --slowloris connections)
                     and slow read (-X, --slowread connections on 100 KB),
                     in rounds of at most --slow-round seconds
  SYN flood          tests/tools/hs_synflood, spoofed sources in
                     198.19.0.0/16 at --syn-pps
  lossy link         httpsd --impair loss=--loss percent (both directions)
  reloads            SIGHUP every --reload-every seconds
  legitimate probe   curl from its own address (198.18.0.3), a new
                     connection every --probe-every seconds, each within
                     --probe-timeout seconds

Before the load it records the baseline: httpsd's VmRSS, mbufs_in_use
(telemetry /httpsd/info) and open connections
(tcp_conn_open minus TIME_WAIT, telemetry /httpsd/stats).  After the
load it waits (at most --drain-timeout s) for the connections, TIME_WAIT
included, and the mbufs to return, then stops httpsd (SIGTERM).

Checks (exit 0 only if all hold):
  - every probe succeeded (200 and the right body); wrk saw no non-2xx
    response and no socket error (the slow clients' own failures are
    reported apart and are not checked)
  - httpsd stayed up; every SIGHUP was a successful reload; retired
    configurations freed (retired_pending 0)
  - after the drain: tcp_conn_open <= the baseline's open connections,
    mbufs_in_use <= baseline + --mbuf-slack, VmRSS <= baseline +
    max(--rss-tol-pct % of baseline, --rss-tol-mib MiB)
  - hs_synflood sent its SYNs; httpsd exits 0 with mbufs_in_use 0

Prints a summary table (also written to --out FILE).

Options:
  --minutes N          length of the load (default $MINUTES)
  --seconds N          length of the load in seconds (overrides --minutes)
  --out FILE           write the summary table and the checks to FILE
  --wrk-conns N        keep-alive connections on 1 KB (default $WRK_CONNS)
  --wrk-big-conns N    keep-alive connections on 100 KB (default $WRK_BIG_CONNS)
  --churn-conns N      Connection: close connections (default $CHURN_CONNS, 0 = off)
  --slowloris N        slowloris connections (default $SLOWLORIS, 0 = off)
  --slowread N         slow-read connections (default $SLOWREAD, 0 = off)
  --slow-rate N        slow connections opened per second (default $SLOW_RATE)
  --slow-round S       longest slowhttptest round in seconds (default $SLOW_ROUND)
  --syn-pps N          spoofed SYNs per second (default $SYN_PPS, 0 = no flood)
  --loss PCT           --impair loss percent (default $LOSS, 0 = no impairment)
  --reload-every S     seconds between SIGHUPs (default $RELOAD_EVERY, 0 = none)
  --probe-every S      seconds between probes (default $PROBE_EVERY)
  --probe-timeout S    seconds per probe (default $PROBE_TIMEOUT)
  --drain-timeout S    longest wait for the drain (default $DRAIN_TIMEOUT; TIME_WAIT
                       lasts 60 s and flood SYN_RCVD entries about 63 s)
  --rss-tol-pct P      RSS tolerance, percent of the baseline (default $RSS_TOL_PCT)
  --rss-tol-mib M      RSS tolerance floor in MiB (default $RSS_TOL_MIB)
  --mbuf-slack N       mbufs_in_use tolerance (default $MBUF_SLACK)
  --access-log FILE    httpsd's access log (default $ACCESS_LOG)
  --httpsd-arg ARG     one more httpsd option (repeatable), e.g.
                       --httpsd-arg --time-wait --httpsd-arg 5s
  --keep-tmp           keep the temp dir (logs of every tool)
  -h, --help           this text

A failed probe is shown with its timings (TCP connect, TLS) and, when
tcpdump is installed, with its packets as the client's interface saw them.

Needs root, wrk, curl, slowhttptest, tcpdump (scripts/deps.sh installs them) and a
build (ninja -C build: httpsd and tests/tools/hs_synflood).  Takes the
load time plus about 1-3 minutes (start, drain, stop).
EOF
}

need_int() { [[ $2 =~ ^[0-9]+$ ]] || { echo "soak: $1 wants a number, got '$2'" >&2; exit 2; }; }

while [ $# -gt 0 ]; do
	opt=$1
	case "$opt" in
	-h | --help) usage; exit 0 ;;
	--keep-tmp) export HS_KEEP_TMP=1; shift; continue ;;
	esac
	case "$opt" in
	--minutes | --seconds | --out | --wrk-conns | --wrk-big-conns | --churn-conns | \
		--slowloris | --slowread | --slow-rate | --slow-round | --syn-pps | --loss | \
		--reload-every | --probe-every | --probe-timeout | --drain-timeout | \
		--rss-tol-pct | --rss-tol-mib | --mbuf-slack | --access-log | --httpsd-arg) ;;
	*) echo "soak: unknown option $opt (see --help)" >&2; exit 2 ;;
	esac
	[ $# -ge 2 ] || { echo "soak: $opt needs a value (see --help)" >&2; exit 2; }
	val=$2
	shift 2
	case "$opt" in
	--minutes) need_int "$opt" "$val"; MINUTES=$val ;;
	--seconds) need_int "$opt" "$val"; SECONDS_OVERRIDE=$val ;;
	--out) OUT=$val ;;
	--wrk-conns) need_int "$opt" "$val"; WRK_CONNS=$val ;;
	--wrk-big-conns) need_int "$opt" "$val"; WRK_BIG_CONNS=$val ;;
	--churn-conns) need_int "$opt" "$val"; CHURN_CONNS=$val ;;
	--slowloris) need_int "$opt" "$val"; SLOWLORIS=$val ;;
	--slowread) need_int "$opt" "$val"; SLOWREAD=$val ;;
	--slow-rate) need_int "$opt" "$val"; SLOW_RATE=$val ;;
	--slow-round) need_int "$opt" "$val"; SLOW_ROUND=$val ;;
	--syn-pps) need_int "$opt" "$val"; SYN_PPS=$val ;;
	--loss) [[ $val =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "soak: --loss wants a percentage" >&2; exit 2; }
		LOSS=$val ;;
	--reload-every) need_int "$opt" "$val"; RELOAD_EVERY=$val ;;
	--probe-every) need_int "$opt" "$val"; PROBE_EVERY=$val ;;
	--probe-timeout) need_int "$opt" "$val"; PROBE_TIMEOUT=$val ;;
	--drain-timeout) need_int "$opt" "$val"; DRAIN_TIMEOUT=$val ;;
	--rss-tol-pct) need_int "$opt" "$val"; RSS_TOL_PCT=$val ;;
	--rss-tol-mib) need_int "$opt" "$val"; RSS_TOL_MIB=$val ;;
	--mbuf-slack) need_int "$opt" "$val"; MBUF_SLACK=$val ;;
	--access-log) ACCESS_LOG=$val ;;
	--httpsd-arg) EXTRA_ARGS+=("$val") ;;
	*) echo "soak: unknown option $opt (see --help)" >&2; exit 2 ;;
	esac
done
DUR=$((MINUTES * 60))
[ -n "$SECONDS_OVERRIDE" ] && DUR=$SECONDS_OVERRIDE
[ "$DUR" -ge 10 ] || { echo "soak: the load must last at least 10 s" >&2; exit 2; }
if [ "$PROBE_EVERY" -lt 1 ] || [ "$PROBE_TIMEOUT" -lt 1 ] || [ "$SLOW_ROUND" -lt 10 ]; then
	echo "soak: --probe-every, --probe-timeout >= 1 and --slow-round >= 10" >&2
	exit 2
fi
if [ -n "$OUT" ]; then
	OUT=$(realpath -m -- "$OUT")
	: >"$OUT" || { echo "soak: cannot write $OUT" >&2; exit 2; }
fi

PROBE_IP=198.18.0.3	# the legitimate probe's own address, client namespace
GW=198.18.0.254		# flood gateway, client namespace (drops the SYN-ACKs)
SRCNET=198.19.0.0/16	# spoofed flood sources
FLOOD=$HS_BUILD_DIR/tests/tools/hs_synflood
SAMPLE_EVERY=2		# seconds between gauge samples
FLOOD_ROUND=300		# seconds, longest hs_synflood run

hs_require_root
for t in wrk curl; do
	command -v "$t" >/dev/null || hs_fatal "$t not installed (scripts/deps.sh)"
done
if [ "$SLOWLORIS" -gt 0 ] || [ "$SLOWREAD" -gt 0 ]; then
	command -v slowhttptest >/dev/null || hs_fatal "slowhttptest not installed (scripts/deps.sh)"
fi
[ "$SYN_PPS" -eq 0 ] || [ -x "$FLOOD" ] || hs_fatal "$FLOOD not built (ninja -C $HS_BUILD_DIR)"
hs_init

# Our background jobs run in the root namespace (loops) or are children of
# them in the client namespace; lib.sh's cleanup kills what is left in the
# namespaces, this kills the loops first.
JOBS=()
# shellcheck disable=SC2317 # called by the EXIT trap
soak_cleanup() {
	local rc=$? p
	for p in "${JOBS[@]}"; do
		pkill -KILL -P "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "$OUT" ] && [ ! -s "$OUT" ]; then
		echo "httpsd soak run aborted (exit $rc) before its summary" >"$OUT"
	fi
	hs_rc() { return "$1"; }
	hs_rc "$rc"
	hs_cleanup
}
trap soak_cleanup EXIT
# The check lines also go to the report (SOAK_LOG, set before the checks).
SOAK_LOG=""
hs_log() {
	printf '%s: %s\n' "$HS_TEST" "$*"
	[ -z "$SOAK_LOG" ] || printf '%s\n' "$*" >>"$SOAK_LOG"
}

T=$HS_TMP
U=https://$HS_SRV_IP
hs_topo_up
CLI_IF=$HS_NAME-c
hs_gen_cert
hs_docroot "$T/www"
head -c 1024 /dev/urandom >"$HS_ROOT/1k.bin"
head -c 102400 /dev/urandom >"$HS_ROOT/100k.bin"
cli ip addr add "$PROBE_IP/24" dev "$CLI_IF" || hs_fatal "cannot add $PROBE_IP to $CLI_IF"
cli ip addr add "$GW/32" dev "$CLI_IF" || hs_fatal "cannot add $GW to $CLI_IF"

SRV_ARGS=(--gateway "$GW" --access-log "$ACCESS_LOG")
[ "$LOSS" != 0 ] && SRV_ARGS+=(--impair "loss=$LOSS,seed=$$")
start_httpsd "${SRV_ARGS[@]}" "${EXTRA_ARGS[@]}" || hs_fatal "httpsd did not start"
srv_mac=$(grep -m1 '^httpsd: ready' "$HS_OUT" | grep -oE '([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}')
[ -n "$srv_mac" ] || hs_fatal "no port MAC in the ready line"

# --- gauges -----------------------------------------------------------------------
tel() { "$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" "$@"; }
# mbufs_in_use: /httpsd/info's packet pool gauge (size minus free mbufs)
mbufs_in_use() { info_val mbufs_in_use; }
rss_kb() { awk '$1 == "VmRSS:" {print $2}' "/proc/$HS_PID/status" 2>/dev/null; }
hwm_kb() { awk '$1 == "VmHWM:" {print $2}' "/proc/$HS_PID/status" 2>/dev/null; }
info_val() { tel /httpsd/info | awk -v k="$1" '$1 == k {print $2; exit}'; }
# stats_to FILE: /httpsd/stats snapshot
stats_to() { hs_stats >"$1.tmp" && mv "$1.tmp" "$1"; }
ctr() { awk -v n="$2" '$1 == n {v = $2} END {print v + 0}' "$1"; }
delta() { echo $(($(ctr "$T/stats.end" "$1") - $(ctr "$T/stats.base" "$1"))); }
now() { date +%s; }

# --- warm-up and baseline --------------------------------------------------------
# A few requests of each kind first, so that what is allocated lazily on
# first use is in the baseline; then wait until they are closed.
for f in index.html 1k.bin 100k.bin; do
	code=$(hcurl -o /dev/null -w '%{http_code}' "$U/$f")
	[ "$code" = 200 ] || hs_fatal "warm-up GET /$f: '$code'"
done
code=$(cli curl -sS --max-time 10 --cacert "$HS_CERT" --interface "$PROBE_IP" \
	-o /dev/null -w '%{http_code}' "$U/index.html")
[ "$code" = 200 ] || hs_fatal "warm-up probe from $PROBE_IP: '$code'"
for ((i = 0; i < 40; i++)); do	# bounded: 20 s
	stats_to "$T/stats.base"
	[ "$(($(ctr "$T/stats.base" tcp_conn_open) - $(ctr "$T/stats.base" tcp_conn_timewait)))" -eq 0 ] && break
	sleep 0.5
done
base_open=$(ctr "$T/stats.base" tcp_conn_open)
base_tw=$(ctr "$T/stats.base" tcp_conn_timewait)
base_live=$((base_open - base_tw))
base_mbufs=$(mbufs_in_use)
base_rss=$(rss_kb)
base_heap=$(info_val heap_in_use)
base_reload_ok=$(info_val reload_ok)
base_reload_failed=$(info_val reload_failed)
[[ $base_mbufs =~ ^[0-9]+$ ]] || hs_fatal "no mbufs_in_use in telemetry /httpsd/info"
[[ $base_rss =~ ^[0-9]+$ ]] || hs_fatal "no VmRSS for httpsd (pid $HS_PID)"
hs_log "baseline: VmRSS ${base_rss} kB, mbufs_in_use $base_mbufs, tcp_conn_open $base_open (TIME_WAIT $base_tw)"

# --- the load -------------------------------------------------------------------------
T0=$(now)
END=$((T0 + DUR))
hs_log "load for ${DUR}s: wrk ${WRK_CONNS}x1KB + ${WRK_BIG_CONNS}x100KB keep-alive, churn ${CHURN_CONNS}," \
	"slowloris $SLOWLORIS, slow read $SLOWREAD, SYN flood ${SYN_PPS} pps, loss ${LOSS}%," \
	"SIGHUP every ${RELOAD_EVERY}s, probe every ${PROBE_EVERY}s"

# wrk_bg NAME CONNS PATH [WRK ARGS...]: one wrk for the whole load
wrk_bg() {
	local name=$1 n=$2 path=$3
	shift 3
	[ "$n" -gt 0 ] || return 0
	cli timeout -k 5 $((DUR + WRK_TIMEOUT + 15)) wrk -t1 -c"$n" -d"${DUR}s" \
		--timeout "${WRK_TIMEOUT}s" "$@" "$U/$path" >"$T/wrk.$name.out" 2>&1 &
	JOBS+=($!)
	WRK_PIDS+=($!)
}
WRK_PIDS=()
wrk_bg ka1k "$WRK_CONNS" 1k.bin
wrk_bg ka100k "$WRK_BIG_CONNS" 100k.bin
wrk_bg churn "$CHURN_CONNS" index.html -H 'Connection: close'

# slow_loop NAME CONNS MODE-ARGS...: slowhttptest rounds until the end
# (each round at most SLOW_ROUND s and never past the end; at most
# DUR / 10 + 1 rounds)
slow_loop() {
	local name=$1 n=$2 r=0 left len
	shift 2
	[ "$n" -gt 0 ] || return 0
	(
		while [ "$r" -le $((DUR / 10)) ]; do
			left=$((END - $(now)))
			[ "$left" -ge 10 ] || break
			len=$((left < SLOW_ROUND ? left : SLOW_ROUND))
			r=$((r + 1))
			{
				echo "=== round $r: ${len}s"
				cli timeout -k 5 $((len + 30)) slowhttptest "$@" -c "$n" -r "$SLOW_RATE" \
					-l "$len" -p 5 2>&1
				echo "=== exit $?"
			} >>"$T/slow.$name.out"
		done
	) &
	JOBS+=($!)
}
slow_loop loris "$SLOWLORIS" -H -i 10 -u "$U/index.html"
slow_loop read "$SLOWREAD" -X -k 4 -n 1 -z 32 -w 512 -y 1024 -u "$U/100k.bin"

# SYN flood in rounds of at most FLOOD_ROUND s (hs_synflood's own limit is
# 600 s), never past the end; "sent N in ..." and "=== exit RC" per round.
FLOOD_PID=""
if [ "$SYN_PPS" -gt 0 ]; then
	(
		for ((r = 0; r <= DUR / FLOOD_ROUND; r++)); do
			left=$((END - $(now)))
			[ "$left" -ge 1 ] || break
			len=$((left < FLOOD_ROUND ? left : FLOOD_ROUND))
			cli timeout -k 5 $((len + 20)) "$FLOOD" "$CLI_IF" "$srv_mac" "$HS_SRV_IP" 443 \
				"$SRCNET" $((SYN_PPS * len)) "$SYN_PPS" $((len + 5)) 2>&1
			echo "=== exit $?"
		done
	) >"$T/flood.out" &
	FLOOD_PID=$!
	JOBS+=("$FLOOD_PID")
fi

# Reloads: one SIGHUP every RELOAD_EVERY s (bounded by the count that fits).
if [ "$RELOAD_EVERY" -gt 0 ]; then
	(
		for ((k = 1; k <= DUR / RELOAD_EVERY; k++)); do
			while [ "$(now)" -lt $((T0 + k * RELOAD_EVERY)) ]; do sleep 0.5; done
			[ "$(now)" -lt "$END" ] || break
			kill -HUP "$HS_PID" 2>/dev/null && echo "$(now) sighup" >>"$T/reloads"
		done
	) &
	JOBS+=($!)
fi

# The probe's packets (client side), when tcpdump is there: a failed
# probe's connection is printed from it at the end.
PCAP_PID=""
if command -v tcpdump >/dev/null; then
	# not through cli(): $! must be timeout itself (it passes SIGINT on)
	ip netns exec "$HS_CLI_NS" timeout -k 5 $((DUR + DRAIN_TIMEOUT + 120)) tcpdump -i "$CLI_IF" -n -s 128 -U \
		-w "$T/probe.pcap" host "$PROBE_IP" >/dev/null 2>"$T/tcpdump.err" &
	PCAP_PID=$!
	JOBS+=("$PCAP_PID")
fi

# Probe: "EPOCH ok|FAIL CODE TIME_TOTAL TIME_CONNECT TIME_APPCONNECT
# LOCAL_PORT CURL_EXIT" per line; a new connection from PROBE_IP each
# time (at most DUR / PROBE_EVERY + 1).
(
	for ((k = 0; k <= DUR / PROBE_EVERY; k++)); do
		t=$(now)
		[ "$t" -lt "$END" ] || break
		r=$(cli curl -sS --max-time "$PROBE_TIMEOUT" --cacert "$HS_CERT" \
			--interface "$PROBE_IP" -o "$T/probe.body" \
			-w '%{http_code} %{time_total} %{time_connect} %{time_appconnect} %{local_port}' \
			"$U/index.html?probe=$k" 2>>"$T/probe.err")
		rc=$?
		if [ "$rc" -eq 0 ] && [ "${r%% *}" = 200 ] && cmp -s "$T/probe.body" "$HS_ROOT/index.html"; then
			echo "$t ok $r $rc"
		else
			echo "$t FAIL ${r:-000 - - - -} $rc"
		fi
		rm -f "$T/probe.body"
		while [ "$(now)" -lt $((t + PROBE_EVERY)) ]; do sleep 0.2; done
	done >"$T/probes"
) &
PROBE_PID=$!
JOBS+=("$PROBE_PID")

# Gauges: "EPOCH RSS_KB MBUFS OPEN TIMEWAIT LOOP_ITER" every SAMPLE_EVERY
# s, until the end of the drain (bounded by count).  A polling loop that
# made no iteration since the last sample is stalled: the state, kernel
# stack and syscall of every httpsd thread go to $T/stalls.
(
	prev=""
	for ((k = 0; k <= (DUR + DRAIN_TIMEOUT + 120) / SAMPLE_EVERY; k++)); do
		[ -e "$T/stop-sampling" ] && break
		hs_alive "$HS_PID" || break
		s=$(hs_stats | awk '$1 == "tcp_conn_open" {o = $2} $1 == "tcp_conn_timewait" {w = $2}
			$1 == "loop_iter" {i = $2} END {print o, w, i}')
		echo "$(now) $(rss_kb) $(mbufs_in_use) $s"
		it=${s##* }
		if [ -n "$it" ] && [ "$it" = "$prev" ]; then
			{
				echo "=== $(now): loop_iter $it unchanged for ${SAMPLE_EVERY}+ s"
				for tk in /proc/"$HS_PID"/task/*; do
					echo "--- $(cat "$tk/comm" 2>/dev/null) $(awk '{print "state", $3}' "$tk/stat" 2>/dev/null)" \
						"wchan $(cat "$tk/wchan" 2>/dev/null) syscall $(cat "$tk/syscall" 2>/dev/null)"
					head -n 12 "$tk/stack" 2>/dev/null
				done
			} >>"$T/stalls"
		fi
		prev=$it
		sleep "$SAMPLE_EVERY"
	done >"$T/gauges"
) &
SAMPLER_PID=$!
JOBS+=("$SAMPLER_PID")

# Wait for the end of the load; stop early if httpsd dies.
alive_through=yes
while [ "$(now)" -lt "$END" ]; do
	if ! hs_alive "$HS_PID"; then
		alive_through=no
		hs_log "httpsd died during the load, $(($(now) - T0)) s in"
		break
	fi
	sleep 1
done
hs_log "load time over ($(($(now) - T0)) s): waiting for the tools to finish"
# Every tool is bounded by END itself; give them WRK_TIMEOUT + 30 s, then kill.
for ((i = 0; i < (WRK_TIMEOUT + 30) * 2; i++)); do
	busy=0
	for p in "${JOBS[@]}"; do
		[ "$p" = "$SAMPLER_PID" ] || [ "$p" = "$PCAP_PID" ] && continue
		hs_alive "$p" && busy=1
	done
	[ "$busy" -eq 0 ] && break
	sleep 0.5
done
for p in "${JOBS[@]}"; do
	[ "$p" = "$SAMPLER_PID" ] || [ "$p" = "$PCAP_PID" ] && continue
	if hs_alive "$p"; then
		hs_log "warning: job $p still running: killed"
		pkill -KILL -P "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	fi
done
for p in "${WRK_PIDS[@]}" "$PROBE_PID"; do wait "$p" 2>/dev/null; done
flood_rc=""
if [ -n "$FLOOD_PID" ]; then
	wait "$FLOOD_PID"
	# the worst round's exit status (none: the flood never ran)
	flood_rc=$(awk '/^=== exit/ {n++; if ($3 + 0 > m) m = $3 + 0} END {print n ? m + 0 : "none"}' "$T/flood.out")
fi
# The slow clients' sockets are closed by now (their processes are gone).
for pid in $(ip netns pids "$HS_CLI_NS" 2>/dev/null); do
	# not the capture (timeout and its tcpdump)
	[ -n "$PCAP_PID" ] && { [ "$pid" = "$PCAP_PID" ] ||
		[ "$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null)" = "$PCAP_PID" ]; } && continue
	hs_log "warning: straggler pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | head -c 80)): killed"
	kill -KILL "$pid" 2>/dev/null
done
load_end=$(now)
peak_hwm=$(hwm_kb)

# --- drain --------------------------------------------------------------------------------
hs_log "drain: waiting (at most ${DRAIN_TIMEOUT}s) for tcp_conn_open <= $base_live and mbufs_in_use <= $((base_mbufs + MBUF_SLACK))"
drained=no
cp "$T/stats.base" "$T/stats.end"
for ((i = 0; i < DRAIN_TIMEOUT; i++)); do
	hs_alive "$HS_PID" || break
	[ $(($(now) - load_end)) -le "$DRAIN_TIMEOUT" ] || break
	stats_to "$T/stats.end"
	# httpsd gives idle heap pages back to the OS at most every 10 s once
# its connections have fallen to a quarter of their peak (heap_trims).
sleep 11
fin_open=$(ctr "$T/stats.end" tcp_conn_open)
	fin_mbufs=$(mbufs_in_use)
	if [ "$fin_open" -le "$base_live" ] && [ "${fin_mbufs:-999999}" -le $((base_mbufs + MBUF_SLACK)) ] &&
		[ "$(info_val retired_pending)" = 0 ]; then
		drained=yes
		break
	fi
	sleep 1
done
drain_s=$(($(now) - load_end))
touch "$T/stop-sampling"
wait "$SAMPLER_PID" 2>/dev/null
fin_open=$(ctr "$T/stats.end" tcp_conn_open)
fin_tw=$(ctr "$T/stats.end" tcp_conn_timewait)
fin_mbufs=$(mbufs_in_use)
fin_rss=$(rss_kb)
fin_heap=$(info_val heap_in_use)
fin_trims=$(info_val heap_trims)
fin_retired=$(info_val retired_pending)
fin_reload_ok=$(info_val reload_ok)
fin_reload_failed=$(info_val reload_failed)
hs_log "drain: ${drain_s}s, drained=$drained"

# One more legitimate request after it all.
code=$(cli curl -sS --max-time "$PROBE_TIMEOUT" --cacert "$HS_CERT" --interface "$PROBE_IP" \
	-o /dev/null -w '%{http_code}' "$U/index.html?after" 2>>"$T/probe.err")

[ -n "$PCAP_PID" ] && kill -INT "$PCAP_PID" 2>/dev/null && wait "$PCAP_PID" 2>/dev/null

# --- results ------------------------------------------------------------------------------
wrk_sum() {	# wrk_sum NAME: "requests non2xx sockerrs"
	local f=$T/wrk.$1.out
	[ -s "$f" ] || { echo "0 0 0"; return; }
	awk '/ requests in / {r = $1}
		/Non-2xx or 3xx responses:/ {n = $NF}
		/Socket errors:/ {gsub(",", ""); e = $4 + $6 + $8 + $10}
		END {print r + 0, n + 0, e + 0}' "$f"
}
wrk_req=0 wrk_non2xx=0 wrk_err=0 wrk_detail=""
for w in ka1k ka100k churn; do
	read -r r n e < <(wrk_sum "$w")
	wrk_req=$((wrk_req + r))
	wrk_non2xx=$((wrk_non2xx + n))
	wrk_err=$((wrk_err + e))
	wrk_detail+="$w=$r/$n/$e "
done
probe_ok=$(grep -c ' ok ' "$T/probes" 2>/dev/null)
probe_fail=$(grep -c ' FAIL ' "$T/probes" 2>/dev/null)
probe_max=$(awk '$2 == "ok" {if ($4 > m) m = $4} END {printf "%.3f", m}' "$T/probes" 2>/dev/null)
reloads_sent=$(wc -l <"$T/reloads" 2>/dev/null || echo 0)
reloads_ok=$((fin_reload_ok - base_reload_ok))
reloads_failed=$((fin_reload_failed - base_reload_failed))
syn_sent=$(awk '/^sent [0-9]+ in / {n += $2} END {print n + 0}' "$T/flood.out" 2>/dev/null)
peak_mbufs=$(awk 'BEGIN {m = 0} $3 > m {m = $3} END {print m}' "$T/gauges")
peak_rss=$(awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$T/gauges")
peak_open=$(awk 'BEGIN {m = 0} $4 > m {m = $4} END {print m}' "$T/gauges")
# Longest run of samples (during the load) with loop_iter unchanged:
# "SECONDS at EPOCH" (0 = none).
stall=$(awk -v e="$load_end" '$1 > e {exit}
	$6 != "" && $6 == p {if (!s) s = pt; if ($1 - s > m) {m = $1 - s; at = s}; pt = $1; next}
	{s = 0; p = $6; pt = $1}
	END {print m + 0, "s", (m ? "from " at : "")}' "$T/gauges")
rss_tol=$((base_rss * RSS_TOL_PCT / 100))
[ "$rss_tol" -ge $((RSS_TOL_MIB * 1024)) ] || rss_tol=$((RSS_TOL_MIB * 1024))
# slowhttptest: per round its last status (connected/error/closed), and
# how many of its own availability probes said NO
slow_summary() {
	local f=$T/slow.$1.out
	[ -s "$f" ] || { echo "off"; return; }
	sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$f" | awk '
		/^=== round/ {r++; c = e = cl = "?"}
		/^connected:/ {c = $2} /^error:/ {e = $2} /^closed:/ {cl = $2}
		/^service available:/ {n++; if ($3 == "NO") no++}
		/^=== exit/ {s = s sprintf(" %s/%s/%s", c, e, cl)}
		END {printf "%d round(s), connected/error/closed:%s; its probe NO %d of %d\n", r, s, no, n}'
}

mb() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
{
	printf '%-34s %s\n' "metric" "value"
	printf '%-34s %s\n' "----------------------------------" "------------------------------"
	printf '%-34s %s\n' "duration (load / drain)" "$((load_end - T0)) s / ${drain_s} s"
	printf '%-34s %s\n' "wrk requests served" "$wrk_req ($wrk_detail= requests/non-2xx/socket errors)"
	printf '%-34s %s\n' "wrk non-2xx / socket errors" "$wrk_non2xx / $wrk_err"
	printf '%-34s %s\n' "TLS handshakes ok (resumed) / failed / abandoned" "$(delta tls_hs_ok) ($(delta tls_resumed)) / $(delta tls_hs_fail) / $(delta tls_hs_abort)"
	printf '%-34s %s\n' "HTTP requests (server) 2xx/4xx/5xx" "$(delta http_req) ($(delta http_2xx)/$(delta http_4xx)/$(delta http_5xx))"
	printf '%-34s %s\n' "probes ok / failed (slowest ok)" "$probe_ok / $probe_fail (${probe_max} s)"
	printf '%-34s %s\n' "probe after the drain" "$code"
	printf '%-34s %s\n' "reloads sent / ok / failed" "$reloads_sent / $reloads_ok / $reloads_failed"
	printf '%-34s %s\n' "SYNs sent (cookies sent / ok)" "$syn_sent ($(delta tcp_syncookie_sent) / $(delta tcp_syncookie_ok))"
	printf '%-34s %s\n' "slowloris (last status per round)" "$(slow_summary loris)"
	printf '%-34s %s\n' "slow read (last status per round)" "$(slow_summary read)"
	printf '%-34s %s\n' "server timeouts idle/hs/read/write" "$(delta conn_timeout_idle)/$(delta conn_timeout_handshake)/$(delta conn_timeout_read)/$(delta conn_timeout_write)"
	printf '%-34s %s\n' "impair loss rx / tx" "$(delta impair_rx_loss) / $(delta impair_tx_loss)"
	printf '%-34s %s\n' "drops nombuf / conn_limit / tx_full" "$(delta drop_nombuf) / $(delta drop_tcp_conn_limit) / $(delta drop_tx_full)"
	printf '%-34s %s\n' "longest polling-loop stall" "$stall"
	printf '%-34s %s\n' "mbufs_in_use base / peak / final" "$base_mbufs / $peak_mbufs / $fin_mbufs"
	printf '%-34s %s\n' "VmRSS base / peak / final" "$(mb "$base_rss") / $(mb "$peak_rss") (VmHWM $(mb "$peak_hwm")) / $(mb "$fin_rss")"
	printf '%-34s %s\n' "heap in use base / final (trims)" "$(mb $((base_heap / 1024))) / $(mb $((fin_heap / 1024))) ($fin_trims)"
	printf '%-34s %s\n' "VmRSS tolerance" "+$(mb "$rss_tol") (max of ${RSS_TOL_PCT}% and ${RSS_TOL_MIB} MiB)"
	printf '%-34s %s\n' "connections base / peak / final" "$base_open (TIME_WAIT $base_tw) / $peak_open / $fin_open (TIME_WAIT $fin_tw)"
} >"$T/summary"

# --- checks ---------------------------------------------------------------------------------
SOAK_LOG=$T/checks
check_eq "httpsd stayed up through the load" yes "$alive_through"
check_eq "every probe succeeded ($probe_ok ok)" 0 "$probe_fail"
check_ge "probes ran" 1 "$probe_ok"
check_eq "the probe after the drain got 200" 200 "$code"
check_eq "wrk: no non-2xx response" 0 "$wrk_non2xx"
check_eq "wrk: no socket error" 0 "$wrk_err"
check_ge "wrk served requests" 1 "$wrk_req"
if [ "$RELOAD_EVERY" -gt 0 ] && [ "$DUR" -gt "$RELOAD_EVERY" ]; then
	check_ge "SIGHUPs sent" 1 "$reloads_sent"
fi
check_eq "every SIGHUP reloaded (reload_ok)" "$reloads_sent" "$reloads_ok"
check_eq "no failed reload (reload_failed)" 0 "$reloads_failed"
check_eq "retired configurations freed (retired_pending)" 0 "$fin_retired"
if [ -n "$FLOOD_PID" ]; then
	check_eq "hs_synflood sent its SYNs within the time (worst exit)" 0 "$flood_rc"
fi
check "connections back to baseline: tcp_conn_open $fin_open <= $base_live" \
	test "${fin_open:-x}" -le "$base_live"
check "mbufs_in_use back to baseline: $fin_mbufs <= $base_mbufs + $MBUF_SLACK" \
	test "${fin_mbufs:-x}" -le $((base_mbufs + MBUF_SLACK))
check "heap in use back to baseline: $fin_heap B <= $base_heap + ${rss_tol}kB" \
	test "${fin_heap:-x}" -le $((base_heap + rss_tol * 1024))
check "VmRSS back to baseline: $fin_rss kB <= $base_rss + $rss_tol kB" \
	test "${fin_rss:-x}" -le $((base_rss + rss_tol))
stop_httpsd	# exit 0 and mbufs_in_use 0
SOAK_LOG=""

hs_log "wrk: $wrk_detail(requests/non-2xx/socket errors)"
[ -s "$T/probe.err" ] && hs_log "probe errors: $(sort "$T/probe.err" | uniq -c | sort -rn | head -5 | tr '\n' ';')"
grep ' FAIL ' "$T/probes" | head -20 | while read -r l; do
	hs_log "probe FAIL (epoch code total connect appconnect port exit): $l"
done
# The first failed probes' packets, as the client's interface saw them.
if [ -s "$T/probe.pcap" ]; then
	# Probes run one at a time and are the only traffic of PROBE_IP:
	# the time window is the probe.
	grep ' FAIL ' "$T/probes" | head -3 | while read -r t _ _ _ _ _ port _; do
		hs_log "probe at $t (local port $port), its packets (tcpdump, client side):"
		tcpdump -r "$T/probe.pcap" -n -tt 2>/dev/null |
			awk -v a="$t" -v b=$((t + PROBE_TIMEOUT + 2)) '$1 >= a - 1 && $1 <= b' | head -60
	done
fi
for w in ka1k ka100k churn; do
	[ -s "$T/wrk.$w.out" ] && grep -qE 'Non-2xx|Socket errors' "$T/wrk.$w.out" &&
		hs_log "wrk $w: $(grep -E 'Non-2xx|Socket errors' "$T/wrk.$w.out" | tr -s ' ' | tr '\n' ';')"
done
[ -s "$T/stalls" ] && hs_log "polling loop stalls (thread states in $T/stalls):" &&
	grep -c '^===' "$T/stalls" && head -n 40 "$T/stalls"
[ -s "$T/flood.out" ] && hs_log "hs_synflood: $(grep -v '^===' "$T/flood.out" | tail -n 4 | tr '\n' ' ')"
hs_log "counters (delta): $(for n in tls_hs_ok tls_hs_fail tls_hs_abort tls_err http_req http_4xx http_5xx \
	conn_timeout_idle conn_timeout_handshake conn_timeout_read conn_timeout_write \
	drop_nombuf drop_tcp_conn_limit drop_tcp_src_limit drop_tcp_synrcvd_limit drop_tx_full \
	tcp_syncookie_sent tcp_syncookie_ok drop_tcp_syncookie_bad tcp_rexmt tcp_rto \
	impair_rx_loss impair_tx_loss; do printf '%s=%s ' "$n" "$(delta "$n")"; done)"

{
	echo "httpsd soak run, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(git -C "$HS_SOURCE_DIR" describe --always --dirty 2>/dev/null)"
	echo "load: wrk ${WRK_CONNS}x1KB + ${WRK_BIG_CONNS}x100KB keep-alive, churn $CHURN_CONNS," \
		"slowloris $SLOWLORIS, slow read $SLOWREAD, SYN flood $SYN_PPS pps, loss $LOSS%," \
		"SIGHUP every ${RELOAD_EVERY}s, probe every ${PROBE_EVERY}s"
	echo
	cat "$T/summary"
	echo
	grep -E '^(ok|FAIL)' "$T/checks"
	echo
	echo "checks: $((HS_CHECKS - HS_FAILS))/$HS_CHECKS passed, $HS_FAILS failed"
} >"$T/report"
cat "$T/report"
[ -n "$OUT" ] && cp "$T/report" "$OUT"
hs_finish
