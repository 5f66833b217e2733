#!/usr/bin/env bash
# A net_memif peer that dies under load leaves httpsd serving.
#
# DPDK 22.11's memif PMD unmaps the shared rings on its interrupt thread
# when the peer goes away, while an lcore may still be inside a burst
# (dataplane/hs_port_memif.c).  Two parts:
#   1. the interleaving itself, forced with gdb: the lcore is held inside
#      eth_memif_tx just past its "connected" test, the load generator is
#      SIGKILLed, only the interrupt thread runs for 2 s (it tears the
#      connection down), then everything runs again.  Without the guard
#      httpsd dies of SIGSEGV here; with it the interrupt thread waits for
#      the lcore to leave the burst.  (Skipped, said so, without gdb or
#      when the PMD's test instruction cannot be located.)
#   2. the load generator killed (SIGKILL / SIGTERM, alternately) in the
#      middle of keep-alive, full-handshake and 1 MiB-download load,
#      several times;
# then a new load generator run completes without errors, the pool's
# mbufs_in_use returns to 0 (telemetry) once the dead peers' connections
# timed out, and httpsd exits 0 after SIGTERM.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

LOADGEN=${LOADGEN:-$HS_BUILD_DIR/bench/loadgen}
KILLS=${KILLS:-6}
hs_require_root
[ -x "$LOADGEN" ] || hs_fatal "loadgen not built: $LOADGEN"
HS_EAL_MEM="--no-huge -m 512"
hs_init
eval "orig_$(declare -f hs_cleanup)"
# shellcheck disable=SC2317 # the EXIT trap calls it
hs_cleanup() {
	local rc=$?
	if [ -n "${GDB_PID:-}" ]; then
		kill -KILL "$GDB_PID" 2>/dev/null
		wait "$GDB_PID" 2>/dev/null
	fi
	rm -rf "/var/run/dpdk/${HS_PFX}g"
	(exit "$rc")
	orig_hs_cleanup
}
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
head -c 1024 /dev/urandom >"$HS_ROOT/1k.bin"
SOCK=$HS_TMP/memif.sock
HS_LCORES=1
HS_VDEV="net_memif0,role=server,socket=$SOCK,socket-abstract=no"
# Short phase deadlines: the dead peers' connections (mid-response,
# idle, mid-handshake) are reset within seconds and give their mbufs back.
start_httpsd --keepalive-requests 100000 --send-timeout 2s \
	--keepalive-timeout 2s --handshake-timeout 2s \
	--header-timeout 2s || hs_fatal "httpsd did not start on net_memif"

# loadgen_bg NAME ARGS...: start the load generator in the background
# (client netns, lcore 0); LG_PID is the loadgen process itself.
LG_PID=""
loadgen_bg() {
	local name=$1 i
	shift
	cli timeout -k 5 60 "$LOADGEN" -l 0 --no-pci --no-huge -m 512 \
		--file-prefix "${HS_PFX}g" \
		"--vdev=net_memif0,role=client,socket=$SOCK,socket-abstract=no" -- \
		--addr 198.18.0.2/24 --server "$HS_SRV_IP" --ca "$HS_CERT" "$@" \
		>"$HS_TMP/$name" 2>"$HS_TMP/$name.err" &
	LG_WRAP=$!
	LG_PID=""
	for ((i = 0; i < 50; i++)); do
		LG_PID=$(ip netns pids "$HS_CLI_NS" 2>/dev/null |
			while read -r p; do
				[ "$(cat "/proc/$p/comm" 2>/dev/null)" = loadgen ] &&
					echo "$p"
			done | head -n1)
		[ -n "$LG_PID" ] && break
		sleep 0.1
	done
	[ -n "$LG_PID" ] || hs_fatal "loadgen $name did not start"
}
# The load generator (and the wrappers) gone; its DPDK runtime dir too.
loadgen_reap() {
	wait "$LG_WRAP" 2>/dev/null
	rm -rf "/var/run/dpdk/${HS_PFX}g"
}
# Requests answered so far (bounded wait until the load is flowing).
wait_load() {
	local i r0
	r0=$(hs_stat http_req)
	for ((i = 0; i < 100; i++)); do
		[ "$(hs_stat http_req)" -gt "$((r0 + $1))" ] 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --- 1. the interleaving, forced ---------------------------------------
forced_part() {
	local gdb dis off out
	gdb=$(command -v gdb) || {
		hs_log "gdb not installed: forced interleaving skipped"
		return
	}
	loadgen_bg forced --mode ka --path /big.bin --conns 8 --duration 30
	wait_load 4 || hs_log "warning: little load before the forced part"
	# The PMD's tx burst function (rte_eth_fp_ops, public), disassembled;
	# its "connected" test: flags & ETH_MEMIF_FLAG_CONNECTED (0x2), then
	# test REG,REG and je (to the early return).  Hold the lcore at the
	# instruction after that je.
	dis=$(timeout 60 "$gdb" -q -batch -ex 'set pagination off' \
		-ex "attach $HS_PID" \
		-ex 'x/48i (long)rte_eth_fp_ops[0].tx_pkt_burst' -ex detach 2>&1)
	off=$(awk '
		/\tand +\$0x2,%/ { r = $0; sub(/.*\$0x2,/, "", r); reg = r; next }
		reg != "" && index($0, "test   " reg "," reg) { t = 1; next }
		t && /\tje / { je = 1; next }
		je { sub(":", "", $1); print $1; exit }
		{ t = 0 }' <<<"$dis")
	if [[ ! $off =~ ^0x[0-9a-f]+$ ]]; then
		hs_log "the memif PMD's connected test not found: forced interleaving skipped"
		kill -KILL "$LG_PID" 2>/dev/null
		loadgen_reap
		return
	fi
	# All-stop gdb: at the breakpoint every thread stops; the peer is
	# killed; with scheduler-locking only the interrupt thread runs (2 s,
	# then gdb is interrupted), then all threads run (3 s).
	cat >"$HS_TMP/forced.gdb" <<-EOF
		set pagination off
		set confirm off
		attach $HS_PID
		break *$off
		continue
		delete
		printf "HELD lcore in eth_memif_tx\n"
		shell kill -KILL $LG_PID; sleep 1
		python gdb.execute("thread %d" % [t.num for t in gdb.selected_inferior().threads() if t.name == "eal-intr-thread"][0])
		set scheduler-locking on
		shell (sleep 2; kill -INT \$PPID) >/dev/null 2>&1 &
		continue
		set scheduler-locking off
		shell (sleep 3; kill -INT \$PPID) >/dev/null 2>&1 &
		continue
		bt 4
		detach
	EOF
	timeout -k 5 90 "$gdb" -q -batch -x "$HS_TMP/forced.gdb" \
		>"$HS_TMP/forced.gdb.out" 2>&1 &
	GDB_PID=$!
	wait "$GDB_PID"
	GDB_PID=""
	out=$(cat "$HS_TMP/forced.gdb.out")
	loadgen_reap
	check_match "forced: the lcore was held inside the memif tx burst" \
		'^HELD lcore' "$out"
	check_nomatch "forced: no SIGSEGV once the lcore ran on" 'SIGSEGV' "$out" ||
		hs_log "$(grep -A4 SIGSEGV <<<"$out")"
	check "forced: httpsd alive after the peer died mid-burst" hs_alive "$HS_PID"
}
forced_part
hs_alive "$HS_PID" || hs_fatal "httpsd died (status of the forced part above)"

# --- 2. killed under load, several times -------------------------------
modes=("ka --path /1k.bin --conns 8" "big --path /big.bin --conns 8"
	"full --path /index.html --conns 4")
for ((k = 0; k < KILLS; k++)); do
	read -r mode args <<<"${modes[k % 3]}"
	[ "$mode" = big ] && mode=ka
	sig=$([ $((k % 2)) -eq 0 ] && echo KILL || echo TERM)
	# shellcheck disable=SC2086 # args: several words
	loadgen_bg "kill$k" --mode "$mode" $args --duration 30
	wait_load 2 || hs_log "warning: run $k: little load before the kill"
	sleep "0.$((RANDOM % 8 + 1))"
	kill "-$sig" "$LG_PID" 2>/dev/null
	loadgen_reap
	check "run $k (${modes[k % 3]%% *}, SIG$sig mid-load): httpsd alive" \
		hs_alive "$HS_PID" || break
done
hs_alive "$HS_PID" || hs_fatal "httpsd died under the kills"
hs_log "drop_tx_link_down $(hs_stat drop_tx_link_down)"

# --- afterwards: still serving, nothing leaked -------------------------
val() { awk -v k="$2" '$1 == k {print $2}' "$HS_TMP/$1"; }
loadgen_bg after --mode ka --path /1k.bin --conns 4 --max-requests 500 \
	--duration 30
loadgen_reap
check_ge "a new load generator afterwards: 500 responses" 500 "$(val after requests)"
check_eq "a new load generator afterwards: no errors" 0 "$(val after errors)"
check "mbufs_in_use returns to 0 (the dead peers' connections timed out)" \
	hs_wait_stat_eq mbufs_in_use 0 60

stop_httpsd
hs_finish
