#!/usr/bin/env bash
# Lossy link: httpsd runs with --impair (loss 5%, reorder 5%, dup 1%,
# corrupt 1%, seeded) on what it receives and on what it sends.  Over it:
#   - curl downloads 1 MiB and 64 MiB byte-exact over HTTPS (sha256)
#   - curl downloads 1 MiB twice over plain HTTP, byte-exact: the body
#     goes out by reference to the file cache (http_body_zc_bytes), and
#     corrupting a frame must not damage the cache (copy-on-corrupt)
#   - wrk downloads 1 MiB and 64 MiB, compared byte for byte with the file
#     by a Lua check
#   - wrk uploads 1 MiB and 64 MiB (POST, wrk.body = the file) to
#     --upload-sink; a Lua check compares the answer with the file's
#     sha256 and length
#   - curl --data-binary uploads 1 MiB and 64 MiB to --upload-sink and
#     gets back their sha256 and length; 1 MiB also chunked
#   - the impair_* counters moved; corrupted frames were dropped by our
#     checksums (drop_ip_csum / drop_tcp_csum) and by the client's kernel
#   - afterwards no connection is open and no mbuf is leaked
# The 1 MiB transfers run with httpsd's default TCP settings.  The 64 MiB
# ones (curl download and upload side by side, then wrk's) run after a
# restart with --tcp-rto-min 20: on this link some losses (of
# retransmissions, of the last segments of a burst, of ACKs) are still
# repaired only by the retransmission timer, and at the default 200 ms
# floor one 64 MiB download takes about a minute here (a few seconds at
# 20 ms), which the CI time budget cannot afford three times.  The
# impairment itself is the same.
# The client's veth end verifies checksums (rx offload off), so frames we
# corrupt on the way out are dropped there, never delivered.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

IMPAIR=${HS_IMPAIR_SPEC:-loss=5,reorder=5,dup=1,corrupt=1,seed=4242}
BIG_TIME=${HS_IMPAIR_BIG_TIME:-160}	# seconds, each 64 MiB transfer
BIG_RTO_MIN=${HS_IMPAIR_RTO_MIN:-20}	# ms, --tcp-rto-min for them
SMALL_TIME=60				# seconds, each 1 MiB transfer

hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"		# big.bin: 1 MiB
head -c $((64 << 20)) /dev/urandom >"$HS_ROOT/huge.bin"
T=$HS_TMP
cp "$HS_ROOT/big.bin" "$T/up1.bin"
head -c $((64 << 20)) /dev/urandom >"$T/up64.bin"
cli ethtool -K "$HS_NAME-c" rx off >/dev/null ||
	hs_fatal "cannot turn rx checksum offload off on $HS_NAME-c"
snmp_csum() {	# the client kernel's TCP checksum errors
	# shellcheck disable=SC2016 # awk program
	cli awk '/^Tcp:/ { if (h) { for (i = 1; i <= NF; i++) if (k[i] == "InCsumErrors") print $i; exit }
		for (i = 1; i <= NF; i++) k[i] = $i; h = 1 }' /proc/net/snmp
}
csum0=$(snmp_csum)
start_httpsd --impair "$IMPAIR" --upload-sink /upload --max-body $((64 << 20)) \
	--http-port-mode serve || hs_fatal "httpsd did not start"

# elapsed START: milliseconds since START (from ms_now)
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# get FILE SECONDS OUT: curl download, prints "code"
get() {
	cli curl -sS --max-time "$2" --cacert "$HS_CERT" -o "$3" -w '%{http_code}' \
		"https://$HS_SRV_IP/$1"
}

# put FILE SECONDS [CURL ARGS...]: curl upload to the sink, prints the
# response body
put() {
	local f=$1 s=$2

	shift 2
	cli curl -sS --max-time "$s" --cacert "$HS_CERT" --data-binary "@$f" \
		-H 'Content-Type: application/octet-stream' "$@" "https://$HS_SRV_IP/upload"
}

# The answer the sink must give for FILE.
want_digest() { printf 'sha256=%s bytes=%s' "$(sha256sum <"$1" | cut -d' ' -f1)" "$(stat -c %s "$1")"; }

# wrk_get FILE SECONDS: one connection fetches FILE; a Lua check compares
# the first complete response with the file itself.  wrk's main thread
# sleeps for the whole -d, so it is interrupted (SIGINT: it prints its
# summary and exits) as soon as the check has spoken.
cat >"$T/check.lua" <<'EOF'
local want
function init(args)
	local f = assert(io.open(args[1], "rb"))
	want = f:read("*a")
	f:close()
end
function response(status, headers, body)
	if status == 200 and body == want then
		io.stderr:write("wrk-check ok ", #body, "\n")
	else
		io.stderr:write("wrk-check bad status ", status, " length ", #body, "\n")
	end
	wrk.thread:stop()
end
EOF
# wrk_post FILE SECONDS: one connection POSTs FILE to the sink (wrk.body
# is the file; wrk.format adds its Content-Length); the Lua check compares
# the sink's answer with the file's digest and length.
cat >"$T/post.lua" <<'EOF'
local want
function init(args)
	local f = assert(io.open(args[1], "rb"))
	wrk.method = "POST"
	wrk.body = f:read("*a")
	f:close()
	wrk.headers["Content-Type"] = "application/octet-stream"
	want = args[2] .. "\n"
end
function response(status, headers, body)
	if status == 200 and body == want then
		io.stderr:write("wrk-check ok ", body)
	else
		io.stderr:write("wrk-check bad status ", status, " body ", body:sub(1, 100), "\n")
	end
	wrk.thread:stop()
end
EOF
wrk_get() { wrk_run "$2" "$T/check.lua" "https://$HS_SRV_IP/$1" "$HS_ROOT/$1"; }
wrk_post() {
	wrk_run "$2" "$T/post.lua" "https://$HS_SRV_IP/upload" "$1" "$(want_digest "$1")"
}
# wrk_run SECONDS SCRIPT URL SCRIPT-ARGS...
wrk_run() {
	local s=$1 lua=$2 url=$3 out pid i t0
	shift 3
	out=$T/wrk.$(basename "$lua" .lua).out
	# not through cli(): $! must be timeout itself (it passes SIGINT on)
	ip netns exec "$HS_CLI_NS" timeout -k 5 $((s + 10)) wrk -t1 -c1 -d "${s}s" --timeout "${s}s" \
		-s "$lua" "$url" -- "$@" >"$out" 2>&1 &
	pid=$!
	t0=$(ms_now)
	for ((i = 0; i < s * 10; i++)); do
		grep -q '^wrk-check' "$out" && break
		hs_alive "$pid" || break
		sleep 0.1
	done
	# the transfer's time; wrk itself may take a while to exit
	hs_log "wrk $(basename "$lua" .lua) $url: checked after $(($(ms_now) - t0)) ms" >&2
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	cat "$out"
}

wrk_ok() {	# wrk_ok DESC OUTPUT
	check_match "$1: wrk's Lua check passed (body or sink digest byte-exact)" '^wrk-check ok' "$2"
	check "$1: no wrong body" bash -c "! grep -q '^wrk-check bad' <<<\"\$1\"" _ "$2"
	check "$1: no socket errors" bash -c "! grep -q 'Socket errors' <<<\"\$1\"" _ "$2"
}

# --- 1 MiB, one after the other ---------------------------------------------------
t=$(ms_now)
code=$(get big.bin "$SMALL_TIME" "$T/big.dl")
hs_log "curl GET 1 MiB: $(($(ms_now) - t)) ms"
check_eq "lossy HTTPS GET 1 MiB: 200" 200 "$code"
check_eq "lossy HTTPS GET 1 MiB: sha256" "$(sha256sum <"$HS_ROOT/big.bin")" \
	"$(sha256sum <"$T/big.dl" 2>/dev/null)"
rm -f "$T/big.dl"

# Plain HTTP, zero-copy from the file cache; the second download reads
# the same cache pages after frames pointing into them were corrupted.
zc0=$(hs_stat http_body_zc_bytes)
for i in 1 2; do
	t=$(ms_now)
	code=$(cli curl -sS --max-time "$SMALL_TIME" -o "$T/big.plain" -w '%{http_code}' \
		"http://$HS_SRV_IP/big.bin")
	hs_log "curl plain GET 1 MiB ($i): $(($(ms_now) - t)) ms"
	check_eq "lossy plain HTTP GET 1 MiB ($i): 200" 200 "$code"
	check_eq "lossy plain HTTP GET 1 MiB ($i): sha256" "$(sha256sum <"$HS_ROOT/big.bin")" \
		"$(sha256sum <"$T/big.plain" 2>/dev/null)"
	rm -f "$T/big.plain"
done
check_ge "lossy plain HTTP: bodies sent zero-copy (http_body_zc_bytes)" \
	$((zc0 + (2 << 20))) "$(hs_stat http_body_zc_bytes)"

t=$(ms_now)
got=$(put "$T/up1.bin" "$SMALL_TIME")
hs_log "curl POST 1 MiB: $(($(ms_now) - t)) ms"
check_eq "lossy HTTPS upload 1 MiB: digest and length" "$(want_digest "$T/up1.bin")" "$got"

t=$(ms_now)
got=$(put "$T/up1.bin" "$SMALL_TIME" -H 'Transfer-Encoding: chunked')
hs_log "curl POST 1 MiB chunked: $(($(ms_now) - t)) ms"
check_eq "lossy HTTPS chunked upload 1 MiB: digest and length" "$(want_digest "$T/up1.bin")" "$got"

t=$(ms_now)
out=$(wrk_get big.bin "$SMALL_TIME")
hs_log "wrk GET 1 MiB: $(($(ms_now) - t)) ms"
wrk_ok "lossy wrk GET 1 MiB" "$out"

t=$(ms_now)
out=$(wrk_post "$T/up1.bin" "$SMALL_TIME")
hs_log "wrk POST 1 MiB: $(($(ms_now) - t)) ms"
wrk_ok "lossy wrk POST 1 MiB" "$out"

check_ge "default settings: impair_tx_loss counted" 1 "$(hs_stat impair_tx_loss)"
check_ge "default settings: impair_rx_loss counted" 1 "$(hs_stat impair_rx_loss)"
stop_httpsd

# --- 64 MiB, side by side -----------------------------------------------------------
start_httpsd --impair "$IMPAIR" --upload-sink /upload --max-body $((64 << 20)) \
	--tcp-rto-min "$BIG_RTO_MIN" || hs_fatal "httpsd did not restart"
t=$(ms_now)
(code=$(get huge.bin "$BIG_TIME" "$T/huge.dl"); echo "$code $(($(ms_now) - t))" >"$T/r.get") &
p1=$!
(put "$T/up64.bin" "$BIG_TIME" >"$T/r.put"; echo "$(($(ms_now) - t))" >"$T/r.put.ms") &
p2=$!
wait "$p1" "$p2"
read -r code ms <"$T/r.get"
hs_log "curl GET 64 MiB: $ms ms, curl POST 64 MiB: $(cat "$T/r.put.ms") ms"
check_eq "lossy HTTPS GET 64 MiB: 200" 200 "$code"
check_eq "lossy HTTPS GET 64 MiB: sha256" "$(sha256sum <"$HS_ROOT/huge.bin")" \
	"$(sha256sum <"$T/huge.dl" 2>/dev/null)"
rm -f "$T/huge.dl"
check_eq "lossy HTTPS upload 64 MiB: digest and length" "$(want_digest "$T/up64.bin")" \
	"$(cat "$T/r.put")"

t=$(ms_now)
(wrk_get huge.bin "$BIG_TIME" >"$T/r.wget"; echo "$(($(ms_now) - t))" >"$T/r.wget.ms") &
p1=$!
(wrk_post "$T/up64.bin" "$BIG_TIME" >"$T/r.wpost"; echo "$(($(ms_now) - t))" >"$T/r.wpost.ms") &
p2=$!
wait "$p1" "$p2"
hs_log "wrk GET 64 MiB: $(cat "$T/r.wget.ms") ms, wrk POST 64 MiB: $(cat "$T/r.wpost.ms") ms"
wrk_ok "lossy wrk GET 64 MiB" "$(cat "$T/r.wget")"
wrk_ok "lossy wrk POST 64 MiB" "$(cat "$T/r.wpost")"

# --- counters ------------------------------------------------------------------------
open=""
for _ in $(seq 1 40); do	# bounded: 20 s
	open=$(hs_stat tcp_conn_open)
	[ "$open" = 0 ] && break
	sleep 0.5
done
check_eq "no connection left open" 0 "$open"
hs_stats >"$T/stats"
hs_log "counters: $(grep -E '^(impair_|drop_ip_csum|drop_tcp_csum|tcp_rexmt|tcp_fast_rexmt|drop_tcp_paws|tcp_ooo)' "$T/stats" | tr '\n' ' ')"
ctr() { awk -v n="$1" '$1 == n {print $2; exit}' "$T/stats"; }
# The out-of-order queue holds the whole window offered: no in-window
# segment behind a hole is dropped (the sender could repair it only by
# its retransmission timer, and uploads stalled for minutes).
check_eq "no in-window segment dropped for lack of out-of-order queue (drop_tcp_ooq_conn)" \
	0 "$(ctr drop_tcp_ooq_conn)"
for d in rx tx; do
	for a in loss dup reorder corrupt; do
		check_ge "impair_${d}_$a counted" 1 "$(ctr "impair_${d}_$a")"
	done
done
check_ge "corrupted frames caught by our checksums (drop_ip_csum + drop_tcp_csum)" 1 \
	"$(($(ctr drop_ip_csum) + $(ctr drop_tcp_csum)))"
check_ge "corrupted frames we sent caught by the client's TCP checksum" 1 \
	"$(($(snmp_csum) - csum0))"
check_ge "losses repaired by retransmission" 1 "$(ctr tcp_rexmt)"

stop_httpsd
hs_finish
