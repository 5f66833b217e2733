#!/usr/bin/env bash
# TLS resumption bound to the server name (RFC 6066 §3, RFC 8446 §4.6.1):
# openssl s_client -sess_out under one --site name, then -sess_in under
# another: a full handshake with that site's certificate (not a failure);
# under the same name: resumed.  TLS 1.3 tickets, TLS 1.2 tickets and the
# TLS 1.2 session cache (-no_ticket).  A second server process with the
# same --ticket-keys resumes the first one's tickets for the same site
# only.  Counters tls_resumed / tls_resume_refused.  --ticket-lifetime:
# the hint in the ticket (openssl sess_id), older tickets and cached
# sessions get a full handshake (tls_resume_expired), live on SIGHUP.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
T=$HS_TMP
P=$T/pki
bash "$HS_SOURCE_DIR/tests/tls/gen-pki.sh" "$P" || hs_fatal "gen-pki.sh failed"
openssl rand -hex 32 >"$T/ticket.keys"
printf 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$T/get.txt"
SITES=(--ticket-keys "$T/ticket.keys"
	--site "www.example.com=$P/www/cert.pem,$P/www/key.pem"
	--site "rsa.test=$P/rsa/cert.pem,$P/rsa/key.pem")

# sc NAME ARGS...: s_client with SNI NAME, one GET, read until close
sc() {
	local name=$1
	shift
	cli timeout 15 openssl s_client -connect "$HS_SRV_IP:443" \
		-servername "$name" -ign_eof "$@" <"$T/get.txt" 2>&1
}

# session KEY VER NAME [ARGS...]: a full handshake saving its session to
# $T/sess.NAME.KEY
# shellcheck disable=SC2317 # called through check
session() {
	local ver=$2 name=$3 f=$T/sess.$3.$1
	shift 3
	rm -f "$f"
	sc "$name" "-$ver" -sess_out "$f" "$@" >/dev/null
	test -s "$f"
}

start_httpsd "${SITES[@]}" || hs_fatal "httpsd did not start"
for kind in "tls1_3" "tls1_2" "tls1_2 -no_ticket"; do
	# shellcheck disable=SC2086 # kind is "VERSION [OPTION]"
	set -- $kind
	ver=$1
	shift
	what="$ver${1:+ $1}"
	k=$ver${1:-}
	v=${ver/tls1_/TLSv1\\.}
	check "$what: a session under www.example.com" session "$k" "$ver" www.example.com "$@"
	check "$what: a session under rsa.test" session "$k" "$ver" rsa.test "$@"
	res0=$(hs_stat tls_resumed)
	ref0=$(hs_stat tls_resume_refused)
	out=$(sc www.example.com "-$ver" -sess_in "$T/sess.www.example.com.$k" "$@")
	check_match "$what: same name resumes" "^Reused, $v" "$out"
	check_match "$what: ... and is answered" '^HTTP/1\.1 200 OK' "$out"
	out=$(sc rsa.test "-$ver" -sess_in "$T/sess.www.example.com.$k" "$@")
	check_match "$what: www.example.com's session under rsa.test: full handshake" \
		"^New, $v" "$out"
	check_match "$what: ... with rsa.test's certificate" 'subject=.*CN ?= ?rsa\.test' "$out"
	check_match "$what: ... and answered" '^HTTP/1\.1 200 OK' "$out"
	out=$(sc other.test "-$ver" -sess_in "$T/sess.rsa.test.$k" "$@")
	check_match "$what: rsa.test's session under another name (default site): full" \
		"^New, $v" "$out"
	out=$(sc rsa.test "-$ver" -sess_in "$T/sess.rsa.test.$k" "$@")
	check_match "$what: rsa.test's session under rsa.test resumes" "^Reused, $v" "$out"
	hs_wait_stat_eq tls_resumed $((res0 + 2)) 5
	check_eq "$what: tls_resumed counts the two resumptions" $((res0 + 2)) "$(hs_stat tls_resumed)"
	check_eq "$what: tls_resume_refused counts the two refusals" $((ref0 + 2)) \
		"$(hs_stat tls_resume_refused)"
done
stop_httpsd

# Another server (a new process) with the same ticket key file: the
# first one's tickets resume for their own site, not for another.
start_httpsd "${SITES[@]}" || hs_fatal "httpsd did not start (2nd)"
for ver in tls1_3 tls1_2; do
	v=${ver/tls1_/TLSv1\\.}
	out=$(sc www.example.com "-$ver" -sess_in "$T/sess.www.example.com.$ver")
	check_match "$ver: another server resumes the ticket for its site" "^Reused, $v" "$out"
	out=$(sc rsa.test "-$ver" -sess_in "$T/sess.www.example.com.$ver")
	check_match "$ver: ... and not under another site" "^New, $v" "$out"
done
stop_httpsd

# --- --ticket-lifetime ------------------------------------------------------
# The hint in NewSessionTicket; a ticket older than the lifetime gets a
# full handshake.  OpenSSL's client itself drops a TLS 1.3 ticket past
# its hint, so the tickets come from the default lifetime (7200 s) and a
# SIGHUP reload (the option is live) shortens it to 2 s before they are
# offered again.
tel() { "$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" "$@"; }
info_val() { tel /httpsd/info | awk -v k="$1" '$1 == k {print $2; exit}'; }
printf 'ticket-keys %s\n' "$T/ticket.keys" >"$T/httpsd.conf"
start_httpsd --config "$T/httpsd.conf" || hs_fatal "httpsd did not start (lifetime)"
check "a TLS 1.3 session" session l13 tls1_3 localhost
check "a TLS 1.2 session (ticket)" session l12 tls1_2 localhost
check "a TLS 1.2 session (cache)" session l12c tls1_2 localhost -no_ticket
for k in l13 l12; do
	check_match "$k: default lifetime hint 7200 s" 'lifetime hint: 7200 \(seconds\)' \
		"$(openssl sess_id -in "$T/sess.localhost.$k" -noout -text 2>&1)"
done
printf 'ticket-keys %s\nticket-lifetime 2\n' "$T/ticket.keys" >"$T/httpsd.conf"
kill -HUP "$HS_PID"
for ((i = 0; i < 100; i++)); do
	[ "$(info_val reload_ok)" = 1 ] && break
	sleep 0.1
done
check_eq "reload with ticket-lifetime 2" 1 "$(info_val reload_ok)"
check "a TLS 1.3 session under the 2 s lifetime" session s13 tls1_3 localhost
check "a TLS 1.2 session under the 2 s lifetime" session s12 tls1_2 localhost
for k in s13 s12; do
	check_match "$k: lifetime hint 2 s" 'lifetime hint: 2 \(seconds\)' \
		"$(openssl sess_id -in "$T/sess.localhost.$k" -noout -text 2>&1)"
done
out=$(sc localhost -tls1_3 -sess_in "$T/sess.localhost.s13")
check_match "a 2 s ticket resumes at once" '^Reused, TLSv1\.3' "$out"
exp0=$(hs_stat tls_resume_expired)
sleep 3
out=$(sc localhost -tls1_3 -sess_in "$T/sess.localhost.l13")
check_match "TLS 1.3: a 3 s old ticket under a 2 s lifetime: full handshake" \
	'^New, TLSv1\.3' "$out"
check_match "... and answered" '^HTTP/1\.1 200 OK' "$out"
out=$(sc localhost -tls1_2 -sess_in "$T/sess.localhost.l12")
check_match "TLS 1.2 ticket: full handshake" '^New, TLSv1\.2' "$out"
out=$(sc localhost -tls1_2 -no_ticket -sess_in "$T/sess.localhost.l12c")
check_match "TLS 1.2 cached session: full handshake" '^New, TLSv1\.2' "$out"
hs_wait_stat_eq tls_resume_expired $((exp0 + 3)) 5
check_eq "tls_resume_expired counts the three" $((exp0 + 3)) "$(hs_stat tls_resume_expired)"
stop_httpsd

hs_finish
