#!/usr/bin/env bash
# OCSP stapling from a file (--ocsp-staple, RFC 6066 §8): a test CA and an
# OCSP response made with "openssl ocsp -index ... -respout" (mk-pki.sh);
# openssl s_client -status sees the staple over TLS 1.3 and 1.2, sees none
# without the option, and none for a response about another certificate.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
hs_init
hs_topo_up
P=$HS_TMP/pki
bash "$HS_LIBDIR/mk-pki.sh" "$P" || hs_fatal "mk-pki.sh failed"
cat "$P/srv.pem" "$P/ca.pem" >"$P/chain.pem"
# respond CERT OUT: the CA's OCSP response about CERT, valid one day.
respond() {
	(cd "$P" &&
		openssl ocsp -issuer ca.pem -cert "$1" -no_nonce -reqout "$1.req" &&
		openssl ocsp -index index.txt -rsigner ca.pem -rkey ca.key -CA ca.pem \
			-reqin "$1.req" -respout "$2" -ndays 1) >/dev/null 2>&1 ||
		hs_fatal "openssl ocsp for $1 failed"
}
respond srv.pem "$P/staple.der"
respond cli.pem "$P/other.der"
HS_CERT=$P/chain.pem
HS_KEY=$P/srv.key
hs_docroot "$HS_TMP/www"
SERIAL=$(openssl x509 -in "$P/srv.pem" -noout -serial | cut -d= -f2)

# status ARGS: s_client -status output (handshake only)
status() {
	cli timeout 15 openssl s_client -connect "$HS_SRV_IP:443" -CAfile "$P/ca.pem" \
		-status "$@" </dev/null 2>&1
}

# --- without the option: no staple ------------------------------------------
start_httpsd || hs_fatal "httpsd did not start"
out=$(status -tls1_3)
check_match "no --ocsp-staple: handshake verifies" '^Verification: OK' "$out"
check_match "no --ocsp-staple: s_client -status gets no response" \
	'OCSP response: no response sent' "$out"
stop_httpsd

# --- with the option ----------------------------------------------------------
start_httpsd --ocsp-staple "$P/staple.der" || hs_fatal "httpsd did not start (staple)"
for v in -tls1_3 -tls1_2; do
	out=$(status "$v")
	check_match "$v: staple present and successful" \
		'OCSP Response Status: successful' "$out"
	check_match "$v: staple says the certificate is good" 'Cert Status: good' "$out"
	check_match "$v: staple is about our certificate (serial $SERIAL)" \
		"Serial Number: $SERIAL" "$out"
	check_match "$v: handshake verifies" '^Verification: OK' "$out"
done
check_match "a client that does not ask for status gets served too" \
	'^Verification: OK' "$(cli timeout 15 openssl s_client -connect "$HS_SRV_IP:443" \
		-CAfile "$P/ca.pem" </dev/null 2>&1)"
code=$(cli curl -sS --max-time "$HS_CURL_TIME" --cacert "$P/ca.pem" --cert-status \
	-o /dev/null -w '%{http_code}' "https://$HS_SRV_IP/" 2>"$HS_TMP/curl.err")
check_eq "curl --cert-status accepts the staple" 200 "$code"
stop_httpsd

# --- a response about another certificate is not stapled ----------------------
start_httpsd --ocsp-staple "$P/other.der" || hs_fatal "httpsd did not start (other)"
out=$(status -tls1_3)
check_match "foreign response: handshake still verifies" '^Verification: OK' "$out"
check_match "foreign response: not stapled" 'OCSP response: no response sent' "$out"
stop_httpsd

hs_finish
