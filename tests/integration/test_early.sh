#!/usr/bin/env bash
# TLS 1.3 0-RTT (--early-data): openssl s_client -sess_out, then
# -sess_in -early_data FILE: early data accepted and answered; POST in
# early data -> 425 Too Early (RFC 8470); the answer leaves as 0.5-RTT data,
# before the client's Finished (patched wolfSSL); a replayed first flight
# (ClientHello + early data, recorded by hs_replay.py) gets its 0-RTT
# rejected: the server goes on with a 1-RTT handshake (a ServerHello, not
# an alert) and its request is not processed again (RFC 8446 §8.2), also
# behind a change_cipher_spec record;
# a --site accepts early data too; without --early-data, early data is
# rejected and the request is sent again after the handshake.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
S=$HS_TMP/sess
T=$HS_TMP

# sc ARGS: s_client (TLS 1.3) reading until the server closes
sc() {
	cli timeout 15 openssl s_client -connect "${SC_TARGET:-$HS_SRV_IP:443}" \
		-CAfile "$HS_CERT" -tls1_3 -ign_eof "$@" </dev/null 2>&1
}
printf 'GET /sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$T/get.txt"
printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' >"$T/post.txt"
head -c 65536 /dev/urandom >"$HS_TMP/www/half.bin"
printf 'GET /half.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$T/half.txt"
# new_ticket: a full handshake that saves a session with its ticket
new_ticket() {
	rm -f "$S"
	cli timeout 15 openssl s_client -connect "$HS_SRV_IP:443" -CAfile "$HS_CERT" \
		-tls1_3 -ign_eof -sess_out "$S" <"$T/get.txt" >/dev/null 2>&1
	test -s "$S"
}

# --- early data on --------------------------------------------------------
start_httpsd --early-data || hs_fatal "httpsd did not start"
check "a full handshake yields a session ticket" new_ticket
out=$(sc -sess_in "$S" -early_data "$T/get.txt")
check_match "resumed" '^Reused, TLSv1\.3' "$out"
check_match "early data accepted" '^Early data was accepted' "$out"
check_match "GET sent in early data answered 200" '^HTTP/1\.1 200 OK' "$out"
check_match "GET in early data served the right file" "sub index $HS_NAME" "$out"
check "no 425 for a GET in early data" test -z "$(grep '^HTTP/1\.1 425' <<<"$out")"

# 0.5-RTT data (RFC 8446 §2.3, §4.4.4): the answer to early data leaves
# right after the server's Finished.  A proxy holds the client's second
# flight (EndOfEarlyData, Finished) for 2 s and counts what the server sent
# meanwhile: the whole 64 KiB answer.  The handshake then completes (a
# ticket comes after the client's Finished) before close_notify and FIN.
if grep -q '^0-RTT answers: 0\.5-RTT' <<<"$("$HTTPSD" --version 2>/dev/null)"; then
	check "ticket for 0.5-RTT" new_ticket
	ok_before=$(hs_stat tls_hs_ok)
	rm -f "$T/sess2"
	cli "$HS_PY" "$HS_LIBDIR/hs_replay.py" hold 4434 "$HS_SRV_IP" 443 2 \
		>"$T/hold.out" 2>&1 &
	proxy=$!
	for ((i = 0; i < 50; i++)); do
		grep -q listening "$T/hold.out" 2>/dev/null && break
		sleep 0.1
	done
	out=$(SC_TARGET=127.0.0.1:4434 sc -sess_in "$S" -sess_out "$T/sess2" \
		-early_data "$T/half.txt")
	wait "$proxy"
	check_eq "hold proxy ran" 0 "$?"
	check_match "0.5-RTT: early data accepted" '^Early data was accepted' "$out"
	check_match "0.5-RTT: answered 200" '^HTTP/1\.1 200 OK' "$out"
	check_ge "0.5-RTT: the 64 KiB answer left before the client's Finished" \
		65536 "$(sed -n 's/^before_release //p' "$T/hold.out")"
	hs_wait_stat_eq tls_hs_ok $((ok_before + 1)) 10
	check_eq "0.5-RTT: the handshake completed" $((ok_before + 1)) "$(hs_stat tls_hs_ok)"
	check "0.5-RTT: a ticket came after the client's Finished" test -s "$T/sess2"
	out=$(sc -sess_in "$T/sess2" -early_data "$T/get.txt")
	check_match "0.5-RTT: that ticket gives 0-RTT again" '^Early data was accepted' "$out"
	check_match "... answered" "sub index $HS_NAME" "$out"
else
	hs_log "0.5-RTT check skipped: httpsd --version says answers wait for the client's Finished"
fi

check "another ticket" new_ticket
out=$(sc -sess_in "$S" -early_data "$T/post.txt")
check_match "POST: early data accepted" '^Early data was accepted' "$out"
check_match "POST in early data -> 425 Too Early" '^HTTP/1\.1 425 Too Early' "$out"

# Replay: record a client's first flight through a proxy in the client
# namespace, then send the very same bytes again.
check "ticket for the replay" new_ticket
cli "$HS_PY" "$HS_LIBDIR/hs_replay.py" record 4433 "$HS_SRV_IP" 443 "$T/flight" \
	>"$T/proxy.out" 2>&1 &
proxy=$!
for ((i = 0; i < 50; i++)); do
	grep -q listening "$T/proxy.out" 2>/dev/null && break
	sleep 0.1
done
out=$(SC_TARGET=127.0.0.1:4433 sc -sess_in "$S" -early_data "$T/get.txt")
wait "$proxy"
check_eq "proxy recorded the first flight" 0 "$?"
check_match "original: early data accepted" '^Early data was accepted' "$out"
check_match "original: answered" "sub index $HS_NAME" "$out"
before=$(hs_stat http_req)
ok_before=$(hs_stat tls_hs_ok)
replayed0=$(hs_stat tls_early_replayed)
accepted0=$(hs_stat tls_early_accepted)
got=$(cli "$HS_PY" "$HS_LIBDIR/hs_replay.py" replay "$HS_SRV_IP" 443 "$T/flight")
# handshake record, TLS 1.2 record version, length, server_hello (2)
check_match "replayed ClientHello -> the handshake goes on (ServerHello, no alert)" \
	'^16030300[0-9a-f]{2}02' "$got"
hs_wait_stat_eq tls_early_replayed $((replayed0 + 1)) 10
check_eq "replay counted in tls_early_replayed" $((replayed0 + 1)) \
	"$(hs_stat tls_early_replayed)"
check_eq "replayed request not processed again" "$before" "$(hs_stat http_req)"
check_eq "... no early data accepted from it" "$accepted0" "$(hs_stat tls_early_accepted)"
check_eq "the replayer cannot finish the handshake" "$ok_before" "$(hs_stat tls_hs_ok)"
# the same flight behind a change_cipher_spec record, which wolfSSL skips
# before a ClientHello (RFC 8446 §5): still a replay, not served again
got=$(cli "$HS_PY" "$HS_LIBDIR/hs_replay.py" replay "$HS_SRV_IP" 443 "$T/flight" ccs)
check_match "CCS + replayed ClientHello -> the handshake goes on (ServerHello)" \
	'^16030300[0-9a-f]{2}02' "$got"
hs_wait_stat_eq tls_early_replayed $((replayed0 + 2)) 10
check_eq "CCS-prefixed replay counted in tls_early_replayed" $((replayed0 + 2)) \
	"$(hs_stat tls_early_replayed)"
check_eq "CCS-prefixed replayed request not processed again" "$before" "$(hs_stat http_req)"
check_eq "... no early data accepted from it" "$accepted0" "$(hs_stat tls_early_accepted)"
# a fresh ClientHello with the same ticket is not a replay
out=$(sc -sess_in "$S" -early_data "$T/get.txt")
check_match "a new ClientHello after the replay: resumed" '^Reused, TLSv1\.3' "$out"
check_match "... and answered" "sub index $HS_NAME" "$out"
for ((i = 0; i < 20; i++)); do
	[ "$(hs_stat tls_early_accepted)" -ge $((accepted0 + 1)) ] && break
	sleep 0.5
done
check_ge "tls_early_accepted counts the 0-RTT connections" 4 "$(hs_stat tls_early_accepted)"
check_match "TLS 1.2 clients still served" 'Protocol *: TLSv1\.2' \
	"$(cli timeout 15 openssl s_client -connect "$HS_SRV_IP:443" -CAfile "$HS_CERT" \
		-tls1_2 </dev/null 2>&1)"
stop_httpsd

# --- early data on a --site (SNI picks the context after the ClientHello) ----
P=$T/pki
bash "$HS_SOURCE_DIR/tests/tls/gen-pki.sh" "$P" || hs_fatal "gen-pki.sh failed"
start_httpsd --early-data --site "www.example.com=$P/www/cert.pem,$P/www/key.pem" ||
	hs_fatal "httpsd did not start (site)"
rm -f "$S"
cli timeout 15 openssl s_client -connect "$HS_SRV_IP:443" -servername www.example.com \
	-CAfile "$P/www/cert.pem" -tls1_3 -ign_eof -sess_out "$S" <"$T/get.txt" >/dev/null 2>&1
check "site: a full handshake yields a session ticket" test -s "$S"
out=$(sc -servername www.example.com -sess_in "$S" -early_data "$T/get.txt")
check_match "site: resumed" '^Reused, TLSv1\.3' "$out"
check_match "site: early data accepted" '^Early data was accepted' "$out"
check_match "site: GET in early data answered" "sub index $HS_NAME" "$out"
out=$(sc -servername www.example.com -sess_in "$S" -early_data "$T/post.txt")
check_match "site: POST in early data -> 425 Too Early" '^HTTP/1\.1 425 Too Early' "$out"
stop_httpsd

# --- early data off (default) ---------------------------------------------
start_httpsd || hs_fatal "httpsd did not start (no early data)"
check "ticket without early data" new_ticket
before=$(hs_stat http_req)
out=$(cli timeout 15 openssl s_client -connect "$HS_SRV_IP:443" -CAfile "$HS_CERT" \
	-tls1_3 -sess_in "$S" -early_data "$T/get.txt" </dev/null 2>&1)
check_match "off: resumed" '^Reused, TLSv1\.3' "$out"
check "off: no early data accepted" test -z "$(grep 'Early data was accepted' <<<"$out")"
check_eq "off: no request was read from that connection" "$before" "$(hs_stat http_req)"
stop_httpsd

hs_finish
