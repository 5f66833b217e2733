#!/usr/bin/env bash
# httpsd on several polling lcores: EAL -l 0-2 (main lcore 0 does not
# poll, workers 1 and 2 each own a queue pair) on net_af_packet with
# qpairs=2 (the kernel's PACKET_FANOUT hash spreads flows). Many
# connections from concurrent curls must be spread over both lcores, every
# transfer byte-exact, no errors, and /httpsd/stats must equal the sum of
# the per-lcore /httpsd/lcore_stats counters.  HS_MC_PORT=hs_packet runs
# it on net_hs_packet (its qpairs=2: one socket per queue in a fanout
# group, as net_af_packet's), where idle workers also wait on their
# sockets and wake each other for steered frames (loop_kicks).
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"

U=https://$HS_SRV_IP
T=$HS_TMP
MC_PORT=${HS_MC_PORT:-af_packet}
NBIG=12		# 1 MiB downloads, sha256-checked
NSMALL=36	# index.html, one connection each
PAR=8		# concurrent clients

# An '@' map (lib.sh: EAL --lcores) lets 3 lcores float over 2 CPUs.
MC_LCORES='(0-2)@(0-1)'
[ "$(nproc)" -ge 3 ] && MC_LCORES=0-2

tel() { "$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" "$@"; }
# tel_dict CMD: "name value" lines of a dict reply, also for commands with
# a parameter (the reply is keyed by the command without it).
tel_dict() {
	tel "$1" --json | "$HS_PY" -c 'import json, sys
v = json.load(sys.stdin)
if isinstance(v, dict) and len(v) == 1 and isinstance(next(iter(v.values())), dict):
    v = next(iter(v.values()))
for k, x in v.items():
    print(k, x)'
}

# --- a vdev with fewer queue pairs than workers is refused clearly -----------
HS_LCORES=$MC_LCORES HS_VDEV="net_${MC_PORT}0,iface=$HS_SRV_IF" HS_READY_TIMEOUT=15 \
	start_httpsd >/dev/null 2>&1
check_eq "1 queue pair for 2 workers: httpsd refuses to start" "" "$HS_PID"
check_match "the error says to add qpairs=2" \
	"net_${MC_PORT}0 has 1 queue pair but 2 worker lcores: add qpairs=2 to --vdev" \
	"$(cat "$HS_ERR")"

# --- two workers ----------------------------------------------------------------
export HS_LCORES=$MC_LCORES
export HS_VDEV="net_${MC_PORT}0,iface=$HS_SRV_IF,qpairs=2"
start_httpsd --idle-sleep 20 || hs_fatal "httpsd did not start on lcores 0-2"
check_match "ready line names both worker lcores" 'lcores 1,2\)' "$(grep -m1 '^httpsd: ready' "$HS_OUT")"

info=$(tel /httpsd/info)
check_match "/httpsd/info: 2 polling lcores" '^lcores 2$' "$info"
check_match "/httpsd/info: tsc_hz" '^tsc_hz [1-9][0-9]+$' "$info"
check_match "/httpsd/info: version" '^version [0-9]+\.[0-9]+' "$info"
check_match "/httpsd/info: idle_sleep_us 20" '^idle_sleep_us 20$' "$info"
check_eq "/httpsd/lcores lists indexes 0 and 1" "[0, 1]" "$(tel /httpsd/lcores)"

# fetch I: one connection per curl; writes $T/c.I (body) and $T/c.I.code
fetch() {
	local i=$1 f=index.html
	[ "$i" -le "$NBIG" ] && f=big.bin
	hcurl -o "$T/c.$i" -w '%{http_code}' "$U/$f" >"$T/c.$i.code" 2>"$T/c.$i.err"
}

total=$((NBIG + NSMALL))
pids=()
for ((i = 1; i <= total; i++)); do
	fetch "$i" &
	pids+=($!)
	if [ "${#pids[@]}" -ge "$PAR" ]; then
		wait "${pids[0]}"	# bounded: curl --max-time
		pids=("${pids[@]:1}")
	fi
done
for p in "${pids[@]}"; do wait "$p"; done

want_big=$(sha256sum <"$HS_ROOT/big.bin")
good=0
big_ok=0
for ((i = 1; i <= total; i++)); do
	f=index.html
	[ "$i" -le "$NBIG" ] && f=big.bin
	if [ "$(cat "$T/c.$i.code")" = 200 ] && cmp -s "$HS_ROOT/$f" "$T/c.$i"; then
		good=$((good + 1))
		if [ "$f" = big.bin ] && [ "$(sha256sum <"$T/c.$i")" = "$want_big" ]; then
			big_ok=$((big_ok + 1))
		fi
	else
		hs_log "client $i ($f): code '$(cat "$T/c.$i.code")' $(head -c 200 "$T/c.$i.err")"
	fi
done
check_eq "$total connections all get byte-exact 200s" "$total" "$good"
check_eq "$NBIG x 1 MiB downloads have the right sha256" "$NBIG" "$big_ok"

# --- counters: spread over both lcores, sums consistent -------------------------
# Read while idle: nothing changes between the three queries.
sleep 0.5
all=$(tel /httpsd/stats)
l0=$(tel_dict /httpsd/lcore_stats,0)
l1=$(tel_dict /httpsd/lcore_stats,1)
c0=$(awk '$1 == "tcp_conn_total" {print $2}' <<<"$l0")
c1=$(awk '$1 == "tcp_conn_total" {print $2}' <<<"$l1")
hs_log "tcp_conn_total per lcore: $c0 $c1"
check_ge "lcore 0 accepted connections" 1 "$c0"
check_ge "lcore 1 accepted connections" 1 "$c1"
check_ge "both lcores together accepted every connection" "$total" "$((c0 + c1))"
for c in tls_hs_ok http_2xx; do
	check_ge "lcore 0 $c non-zero" 1 "$(awk -v c="$c" '$1 == c {print $2}' <<<"$l0")"
	check_ge "lcore 1 $c non-zero" 1 "$(awk -v c="$c" '$1 == c {print $2}' <<<"$l1")"
done
# Every counter except the loop's own cycle/iteration counts (those keep
# moving while idle) must be the exact sum of the per-lcore values.
mismatch=$(awk '
	FNR == 1 { f++ }
	$1 ~ /^loop_/ { next }
	f == 1 { a[$1] = $2; next }
	{ s[$1] += $2 }
	END { for (k in a) if (a[k] != s[k] + 0) print k, a[k], s[k] + 0 }' \
	<(printf '%s\n' "$all") <(printf '%s\n' "$l0") <(printf '%s\n' "$l1"))
check_eq "/httpsd/stats = sum of /httpsd/lcore_stats,0 and ,1" "" "$mismatch"
check_ge "aggregate counts $total http_2xx" "$total" "$(awk '$1 == "http_2xx" {print $2}' <<<"$all")"
# net_af_packet's fanout follows the client's per-socket hash, not the
# 4-tuple: frames of a flow land on the other lcore too and are steered
# to the owner in software (every one sent was received).
steer_tx=$(awk '$1 == "steer_tx" {print $2}' <<<"$all")
check_ge "frames steered to their owner lcore" 1 "$steer_tx"
check_eq "every steered frame processed by its owner" "$steer_tx" \
	"$(awk '$1 == "steer_rx" {print $2}' <<<"$all")"
for c in tls_hs_fail tls_err http_4xx http_5xx drop_tcp_noport drop_tcp_csum \
	drop_ip_csum drop_nombuf drop_tx_full drop_arp_unresolved drop_arp_peer_full \
	drop_steer_full; do
	check_eq "no errors: $c is 0" 0 "$(awk -v c="$c" '$1 == c {print $2}' <<<"$all")"
done
# Busy-cycle accounting on both lcores; the idle back-off slept.
info=$(tel /httpsd/info --json)
for i in 0 1; do
	bc=$("$HS_PY" -c 'import json,sys; print(json.loads(sys.argv[1])["lcore%s" % sys.argv[2]]["busy_cycles"])' "$info" "$i")
	check_ge "/httpsd/info lcore$i busy_cycles non-zero" 1 "$bc"
done
check_ge "idle back-off slept (loop_sleeps)" 1 "$(awk '$1 == "loop_sleeps" {print $2}' <<<"$all")"

# net_hs_packet: idle workers wait on their sockets, with each other's
# eventfd (steered frames, ARP news wake the owner: loop_kicks), instead
# of waking every --idle-sleep (20 µs: ~100000 naps in 2 s).
if [ "$MC_PORT" = hs_packet ]; then
	sleep 1
	hs_idle_check "2 idle workers" 2 2000
	k0=$(hs_stat loop_kicks) st0=$(hs_stat steer_tx)
	ok=0
	for ((i = 0; i < 20; i++)); do
		[ "$(hcurl -o /dev/null -w '%{http_code}' "$U/index.html")" = 200 ] && ok=$((ok + 1))
		sleep 0.05	# the workers go back to waiting
	done
	k1=$(hs_stat loop_kicks) st1=$(hs_stat steer_tx)
	hs_log "after idling: 20 requests, $((st1 - st0)) frames steered, $((k1 - k0)) kicks"
	check_eq "after idling: 20 requests from waiting workers all 200" 20 "$ok"
	check "a frame steered to a waiting worker kicked it (loop_kicks), if any was steered" \
		test $((st1 - st0)) -eq 0 -o $((k1 - k0)) -ge 1
fi

stop_httpsd
check "both workers' server state freed at exit" \
	grep -qx 'server_lcores_attached 0' "$HS_OUT"
hs_finish
