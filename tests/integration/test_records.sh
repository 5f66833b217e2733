#!/usr/bin/env bash
# Our own TLS record layer (--tls-records own, the default: wolfSSL does
# the handshake, tls/hs_tls_own.c the records) against real clients:
#   - curl downloads 1 MiB and 16 MiB byte-exact (sha256) over every suite
#     it runs: TLS 1.3 AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 and TLS
#     1.2 ECDHE-ECDSA with the same three; several files over one
#     keep-alive connection; an 8 MiB upload to --upload-sink gets its
#     sha256 back
#   - openssl s_client updates its keys (KeyUpdate, update_requested and
#     not) while a 16 MiB response streams in: the body stays byte-exact,
#     so our answer (our own KeyUpdate, RFC 8446 §4.6.3) was right; a
#     second request on the connection, under the client's new keys, is
#     answered, so our read key stepped right; tls_peer_key_updates
#     counts the session
#   - gnutls-cli downloads byte-exact
#   - close_notify: a Connection: close response ends with our
#     close_notify (s_client -msg shows it); curl, which fails on a
#     missing one, exits 0
#   - a client with a 700-byte MTU on a link that reorders and duplicates
#     (--impair): every record spans several TCP segments, both ways
#   - every TLS connection ran our record layer (tls_own_records), no TLS
#     error was counted; with --tls-records wolfssl the same transfers
#     work and tls_own_records stays 0; a bad value is refused (exit 2,
#     one line naming the option)
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
grep -q '^TLS records after the handshake: own' <<<"$("$HTTPSD" --version 2>/dev/null)" ||
	hs_skip "this httpsd cannot run its own record layer (httpsd --version)"
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"		# big.bin: 1 MiB
head -c $((16 << 20)) /dev/urandom >"$HS_ROOT/mid.bin"
T=$HS_TMP
head -c $((8 << 20)) /dev/urandom >"$T/up.bin"
SINK=(--upload-sink /upload --max-body $((64 << 20)))

sha() { sha256sum <"$1" 2>/dev/null | cut -d' ' -f1; }
want_digest() { printf 'sha256=%s bytes=%s' "$(sha "$1")" "$(stat -c %s "$1")"; }

# get DESC FILE [CURL ARGS...]: byte-exact download
get() {
	local d=$1 f=$2 code
	shift 2
	rm -f "$T/out"
	code=$(hcurl "$@" -o "$T/out" -w '%{http_code}' "https://$HS_SRV_IP/$f")
	check_eq "$d: GET /$f 200 (curl exit 0)" 200 "$code"
	check_eq "$d: GET /$f byte-exact" "$(sha "$HS_ROOT/$f")" "$(sha "$T/out")"
}

# wait until no connection is open, then read a counter
settled() { hs_wait_stat_eq tcp_conn_open 0 20 >/dev/null; hs_stat "$1"; }

start_httpsd "${SINK[@]}" || hs_fatal "httpsd did not start"
conns=0
for c in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
	for f in big.bin mid.bin; do
		get "TLS 1.3 $c" "$f" --tlsv1.3 --tls13-ciphers "$c"
		conns=$((conns + 1))
	done
done
for c in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305; do
	for f in big.bin mid.bin; do
		get "TLS 1.2 $c" "$f" --tlsv1.2 --tls-max 1.2 --ciphers "$c"
		conns=$((conns + 1))
	done
done
# keep-alive: three responses on one connection
rm -f "$T/k1" "$T/k2" "$T/k3"
hcurl -o "$T/k1" "https://$HS_SRV_IP/big.bin" -o "$T/k2" "https://$HS_SRV_IP/index.html" \
	-o "$T/k3" "https://$HS_SRV_IP/mid.bin"
check_eq "keep-alive: 1st response byte-exact" "$(sha "$HS_ROOT/big.bin")" "$(sha "$T/k1")"
check_eq "keep-alive: 2nd response byte-exact" "$(sha "$HS_ROOT/index.html")" "$(sha "$T/k2")"
check_eq "keep-alive: 3rd response byte-exact" "$(sha "$HS_ROOT/mid.bin")" "$(sha "$T/k3")"
conns=$((conns + 1))
for v in --tlsv1.3 "--tlsv1.2 --tls-max 1.2"; do
	# shellcheck disable=SC2086 # two words for TLS 1.2
	out=$(hcurl $v --data-binary "@$T/up.bin" -H 'Content-Type: application/octet-stream' \
		"https://$HS_SRV_IP/upload")
	check_eq "8 MiB upload ($v): the sink's digest" "$(want_digest "$T/up.bin")" "$out"
	conns=$((conns + 1))
done

# --- KeyUpdate from the client mid-download ---------------------------------
ku0=$(settled tls_peer_key_updates)
out=$(cli "$HS_PY" "$HS_LIBDIR/hs_keyupdate.py" "$HS_SRV_IP" "$HS_CERT" /mid.bin "$T/ku.bin" K k K)
rc=$?
check_eq "s_client with 3 KeyUpdates mid-download: whole 200 response" "0 HTTP/1.1 200 OK" "$rc $out"
check_eq "s_client with 3 KeyUpdates mid-download: byte-exact" "$(sha "$HS_ROOT/mid.bin")" "$(sha "$T/ku.bin")"
conns=$((conns + 1))
check_eq "tls_peer_key_updates counted the session" $((ku0 + 1)) "$(settled tls_peer_key_updates)"

# --- gnutls-cli ---------------------------------------------------------------
printf 'GET /big.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >"$T/req"
cli timeout 30 gnutls-cli --x509cafile "$HS_CERT" --port 443 --logfile "$T/gnutls.log" \
	"$HS_SRV_IP" <"$T/req" >"$T/gnutls.out" 2>"$T/gnutls.err"
"$HS_PY" -c 'import sys
d = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(d.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in d else b"")' \
	"$T/gnutls.out" "$T/gnutls.body"
check_eq "gnutls-cli: GET /big.bin byte-exact" "$(sha "$HS_ROOT/big.bin")" "$(sha "$T/gnutls.body")"
conns=$((conns + 1))

# --- close_notify -------------------------------------------------------------
out=$(cli timeout 20 openssl s_client -connect "$HS_SRV_IP:443" -CAfile "$HS_CERT" \
	-servername localhost -msg -ign_eof <"$T/req" 2>&1 | tr -d '\0')
check_match "s_client: the response arrived" 'HTTP/1\.1 200' "$out"
check_match "s_client: the server ended with close_notify" '<<< .*Alert.*' "$out"
check_match "s_client: ... warning close_notify" 'close_notify' "$out"
conns=$((conns + 1))

check_eq "every TLS connection ran our record layer (tls_own_records)" "$conns" \
	"$(settled tls_own_records)"
check_eq "no TLS error counted" 0 "$(hs_stat tls_err)"
# expanded AES-GCM keys come from the lcore's pool and go back with the
# session (tls/hs_tls_xkey.h)
check_ge "records took expanded keys from the pool" 1 "$(hs_stat tls_key_expand)"
check_eq "every expanded key back in the pool" 0 "$(hs_stat tls_key_blocks_in_use)"
stop_httpsd

# --- small segments on a reordering, duplicating link -------------------------
cli ip link set dev "$HS_NAME-c" mtu 700 || hs_fatal "cannot set the client MTU"
start_httpsd "${SINK[@]}" --impair reorder=10,dup=2,seed=7 || hs_fatal "httpsd did not start"
get "MTU 700, reordered" mid.bin
out=$(hcurl --data-binary "@$T/up.bin" -H 'Content-Type: application/octet-stream' \
	"https://$HS_SRV_IP/upload")
check_eq "MTU 700, reordered: 8 MiB upload digest" "$(want_digest "$T/up.bin")" "$out"
check_ge "the link reordered frames" 1 "$(hs_stat impair_rx_reorder)"
check_eq "both ran our record layer" 2 "$(settled tls_own_records)"
stop_httpsd
cli ip link set dev "$HS_NAME-c" mtu 1500

# --- --tls-records wolfssl, and a bad value -------------------------------------
start_httpsd "${SINK[@]}" --tls-records wolfssl || hs_fatal "httpsd did not start"
get "--tls-records wolfssl" mid.bin
out=$(cli "$HS_PY" "$HS_LIBDIR/hs_keyupdate.py" "$HS_SRV_IP" "$HS_CERT" /big.bin "$T/ku.bin" K)
check_eq "--tls-records wolfssl: KeyUpdate mid-download, byte-exact" "$(sha "$HS_ROOT/big.bin")" "$(sha "$T/ku.bin")"
check_eq "--tls-records wolfssl: tls_own_records stays 0" 0 "$(settled tls_own_records)"
stop_httpsd
out=$("$HTTPSD" -- --tls-records kernel 2>&1)
rc=$?
check_eq "--tls-records kernel: exit 2" 2 "$rc"
check_eq "--tls-records kernel: one line" 1 "$(wc -l <<<"$out")"
check_match "--tls-records kernel: names the option" '--tls-records' "$out"

hs_finish
