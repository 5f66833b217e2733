#!/usr/bin/env bash
# Mutual TLS: --client-ca with --client-auth required|optional against
# curl --cert/--key and openssl s_client, with a test PKI made by
# mk-pki.sh (CA, good client, expired client, serverAuth-only client,
# client of an unknown CA). Checks the alert of each refusal (RFC 8446
# §6.2, §4.4.2.4) and that the server keeps serving afterwards.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
hs_init
hs_topo_up
P=$HS_TMP/pki
bash "$HS_LIBDIR/mk-pki.sh" "$P" || hs_fatal "mk-pki.sh failed"
HS_CERT=$P/srv.pem
HS_KEY=$P/srv.key
hs_docroot "$HS_TMP/www"
U=https://$HS_SRV_IP/

# ccurl NAME: curl with client certificate NAME ("" = none) -> http code
ccurl() {
	local c=()
	[ -z "$1" ] || c=(--cert "$P/$1.pem" --key "$P/$1.key")
	cli curl -sS --max-time "$HS_CURL_TIME" --cacert "$P/ca.pem" "${c[@]}" \
		-o "$HS_TMP/body" -w '%{http_code}' "$U" 2>"$HS_TMP/curl.err"
}

# sclient NAME [ARGS]: s_client (TLS 1.3) with certificate NAME ("" =
# none), sends one request and reads until the server closes; all output.
sclient() {
	local c=()
	[ -z "$1" ] || c=(-cert "$P/$1.pem" -key "$P/$1.key")
	shift
	printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$HS_SRV_IP" |
		cli timeout 15 openssl s_client -connect "$HS_SRV_IP:443" \
		-CAfile "$P/ca.pem" -ign_eof "${c[@]}" "$@" 2>&1
}

# --- required -------------------------------------------------------------
start_httpsd --client-ca "$P/ca.pem" --client-auth required ||
	hs_fatal "httpsd did not start"
check_eq "required: good client certificate -> 200" 200 "$(ccurl cli)"
check "required: body served byte-exact" cmp "$HS_ROOT/index.html" "$HS_TMP/body"
out=$(sclient cli -tls1_3)
check_match "required: s_client with certificate gets the page over TLS 1.3" \
	'hello from httpsd' "$out"
out=$(sclient "" -tls1_3)
check_match "required: no certificate -> certificate_required alert (116)" \
	'alert certificate required|alert number 116' "$out"
check "required: no certificate -> no page" test -z "$(grep 'hello from httpsd' <<<"$out")"
code=$(ccurl "")
check "required: curl without certificate fails" test "$code" != 200
out=$(sclient cli-expired -tls1_3)
check_match "required: expired certificate -> certificate_expired alert (45)" \
	'alert certificate expired|alert number 45' "$out"
out=$(sclient cli-rogue -tls1_3)
check_match "required: unknown CA -> unknown_ca alert (48)" \
	'alert unknown ca|alert number 48' "$out"
out=$(sclient cli-srvonly -tls1_3)
check_match "required: certificate without clientAuth EKU -> bad_certificate (42)" \
	'alert bad certificate|alert number 42' "$out"
check "required: serverAuth-only certificate gets no page" \
	test -z "$(grep 'hello from httpsd' <<<"$out")"
out=$(sclient "" -tls1_2)
check_match "required: TLS 1.2 without certificate -> handshake_failure (40)" \
	'alert handshake failure|alert number 40' "$out"
out=$(sclient cli -tls1_2)
check_match "required: TLS 1.2 with certificate gets the page" 'hello from httpsd' "$out"
out=$(sclient cli -tls1_3)
check_match "required: (handshake for the ticket check completed)" 'hello from httpsd' "$out"
check "required: no session ticket is issued (resumption would skip the certificate)" \
	test -z "$(grep 'New Session Ticket' <<<"$out")"
check_eq "required: still serving after the refusals" 200 "$(ccurl cli)"
stop_httpsd

# --- optional -------------------------------------------------------------
start_httpsd --client-ca "$P/ca.pem" --client-auth optional ||
	hs_fatal "httpsd did not start (optional)"
check_eq "optional: no certificate -> 200" 200 "$(ccurl "")"
check_eq "optional: good certificate -> 200" 200 "$(ccurl cli)"
out=$(sclient cli-expired -tls1_3)
check_match "optional: an expired certificate is still refused (45)" \
	'alert certificate expired|alert number 45' "$out"
out=$(sclient cli-rogue -tls1_3)
check_match "optional: an unknown CA is still refused (48)" \
	'alert unknown ca|alert number 48' "$out"
check_eq "optional: still serving after the refusals" 200 "$(ccurl "")"
stop_httpsd

hs_finish
