#!/usr/bin/env bash
# SIGTERM drains gracefully. With a 64 MiB download in flight, an idle
# keep-alive connection and a fresh connection that has not sent its
# request yet:
#   - new connections are refused at once (RST: curl "connection refused");
#   - the idle keep-alive connection is closed with close_notify;
#   - the fresh connection's request is answered with "Connection: close",
#     then closed with close_notify;
#   - the download completes byte-exact, then httpsd exits 0 by itself,
#     every mbuf back.
# Then: --shutdown-timeout bounds the drain (a stalled download is cut,
# exit 0), and a second SIGTERM during a drain stops at once (exit 0).
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
export HS_ROOT
T=$HS_TMP
U=https://$HS_SRV_IP
head -c $((64 << 20)) /dev/urandom >"$HS_ROOT/big64.bin"

dclient() { cli "$HS_PY" "$HS_LIBDIR/hs_drain_client.py" "$@"; }
# wait_for FILE ERE SECONDS: until FILE has a line matching ERE
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
kv() { awk -v k="$2" '$1 == k {print $2; exit}' "$1"; }

# --- 1. graceful drain with work in flight ---------------------------------------
start_httpsd --shutdown-timeout 60 || hs_fatal "httpsd did not start"
# 64 MiB at 8 MB/s: about 8 s, in flight when SIGTERM arrives.
hcurl --limit-rate 8M -o "$T/big.got" -w '%{http_code}' "$U/big64.bin" \
	>"$T/big.code" 2>"$T/big.err" &
big_pid=$!
dclient idle "$HS_SRV_IP" "$T/go" >"$T/idle.out" 2>"$T/idle.err" &
idle_pid=$!
dclient fresh "$HS_SRV_IP" "$T/go" >"$T/fresh.out" 2>"$T/fresh.err" &
fresh_pid=$!
wait_for "$T/idle.out" '^ready' 20 || hs_fatal "idle client not ready: $(cat "$T/idle.err")"
wait_for "$T/fresh.out" '^ready' 20 || hs_fatal "fresh client not ready: $(cat "$T/fresh.err")"
sleep 1
check "the download is in flight when SIGTERM is sent" hs_alive "$big_pid"

kill -TERM "$HS_PID"
wait_for "$HS_OUT" '^httpsd: draining' 10
check_match "httpsd logs the drain" 'draining: not accepting, [0-9]+ connections open' "$(cat "$HS_OUT")"
hcurl -o /dev/null "$U/index.html" 2>"$T/new.err"
check_eq "a new connection after SIGTERM is refused (curl exit 7)" 7 "$?"
check_match "...with 'connection refused'" '[Cc]onnection refused|Failed to connect' "$(cat "$T/new.err")"
touch "$T/go"	# the fresh connection sends its first request now

wait "$idle_pid"
check_eq "idle keep-alive connection: its response before SIGTERM was a 200" 200 "$(kv "$T/idle.out" status)"
check_eq "idle keep-alive connection closed with close_notify" close_notify "$(kv "$T/idle.out" close)"
wait "$fresh_pid"
check_eq "fresh connection: its request after SIGTERM is answered 200" 200 "$(kv "$T/fresh.out" status)"
check_eq "...with 'Connection: close'" close "$(kv "$T/fresh.out" connection)"
check_eq "...and the right body" 1 "$(kv "$T/fresh.out" body_ok)"
check_eq "...then closed with close_notify" close_notify "$(kv "$T/fresh.out" close)"
check "httpsd still runs while the download is in flight" hs_alive "$HS_PID"

wait "$big_pid"
check_eq "the in-flight 64 MiB download completes: 200" 200 "$(cat "$T/big.code")"
check "...byte-exact" cmp -s "$HS_ROOT/big64.bin" "$T/big.got"
# httpsd exits by itself once the download is done.
if hs_wait_gone "$HS_PID" 15; then
	wait "$HS_PID"
	check_eq "httpsd exits 0 by itself once the drain is done" 0 "$?"
else
	hs_fail "httpsd still running 15 s after the last response"
	kill -KILL "$HS_PID"
	wait "$HS_PID"
fi
HS_PID=""
check "mbufs_in_use 0 at exit" grep -qx 'mbufs_in_use 0' "$HS_OUT"
check "no shutdown timeout was needed" bash -c "! grep -q 'shutdown timeout' '$HS_OUT'"

# --- 2. --shutdown-timeout bounds the drain --------------------------------------------
start_httpsd --shutdown-timeout 2 || hs_fatal "httpsd did not start (2)"
hcurl --limit-rate 1M -o "$T/slow.got" "$U/big64.bin" 2>/dev/null &
slow_pid=$!
sleep 2
kill -TERM "$HS_PID"
sleep 0.5
check "draining: still running right after SIGTERM" hs_alive "$HS_PID"
if hs_wait_gone "$HS_PID" 15; then
	wait "$HS_PID"
	check_eq "after --shutdown-timeout 2, exit 0" 0 "$?"
else
	hs_fail "httpsd still running 15 s after SIGTERM with --shutdown-timeout 2"
	kill -KILL "$HS_PID"
	wait "$HS_PID"
fi
HS_PID=""
check_match "the cut is logged" 'shutdown timeout: closing [1-9][0-9]* connections' "$(cat "$HS_OUT")"
check "mbufs_in_use 0 after the cut" grep -qx 'mbufs_in_use 0' "$HS_OUT"
wait "$slow_pid"
check "the stalled download did not complete" test "$(stat -c %s "$T/slow.got" 2>/dev/null || echo 0)" -lt $((64 << 20))

# --- 3. a second SIGTERM stops at once ----------------------------------------------------
start_httpsd --shutdown-timeout 120 || hs_fatal "httpsd did not start (3)"
hcurl --limit-rate 1M -o /dev/null "$U/big64.bin" 2>/dev/null &
slow_pid=$!
sleep 2
kill -TERM "$HS_PID"
sleep 1
check "draining after the first SIGTERM" hs_alive "$HS_PID"
kill -TERM "$HS_PID"
if hs_wait_gone "$HS_PID" 10; then
	wait "$HS_PID"
	check_eq "second SIGTERM: exit 0 at once" 0 "$?"
else
	hs_fail "httpsd still running 10 s after a second SIGTERM"
	kill -KILL "$HS_PID"
	wait "$HS_PID"
fi
HS_PID=""
check "mbufs_in_use 0 after the second SIGTERM" grep -qx 'mbufs_in_use 0' "$HS_OUT"
wait "$slow_pid"

hs_finish
