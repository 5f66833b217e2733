#!/usr/bin/env bash
# SIGHUP reload under load, with 1 polling lcore and with 2 (main lcore
# not polling): a bounded wrk run over HTTPS keeps going while the
# certificate, the key, a served file and a live option in the config
# file are replaced, the ticket-key file is rotated (a new current key,
# the old one kept as previous) and SIGHUP is sent; then a reload with a broken
# certificate. wrk must see no socket error and no non-2xx response; new
# handshakes show the new certificate's subject (openssl s_client); the
# changed file is served with its new content; the broken reload is
# refused in one line and changes nothing; a session ticket issued before
# the rotation still resumes after it; /httpsd/info counts reload_ok
# and reload_failed, and every retired configuration is freed once the
# load stops; exit 0 with every mbuf back.  A slow plain-HTTP download
# runs across the reload: its body goes out by reference to the old file
# cache (zero-copy), which must stay alive and unchanged until the last
# frame pointing into it is freed; it completes byte-exact with the old
# content while new requests get the new one.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
hs_init
hs_topo_up
command -v wrk >/dev/null || hs_skip "wrk not installed"

T=$HS_TMP
U=https://$HS_SRV_IP
hs_gen_cert "$T/old" old.httpsd.test
hs_gen_cert "$T/new" new.httpsd.test
mkdir -p "$T/live"
hs_docroot "$T/www"

tel() { "$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" "$@"; }
info_val() { tel /httpsd/info | awk -v k="$1" '$1 == k {print $2; exit}'; }

# subject CN of a new handshake
subject() {
	cli timeout 10 openssl s_client -connect "$HS_SRV_IP:443" -servername localhost \
		</dev/null 2>/dev/null | sed -n 's/^subject=.*CN *= *//p' | head -1
}

# write_conf IDLE_SLEEP MTU: the config file the server is started with
write_conf() {
	cat >"$T/httpsd.conf" <<CONF
# reload test
cert $T/live/cert.pem
key $T/live/key.pem
root $HS_ROOT
idle-sleep $1
mtu $2
ticket-keys $T/live/ticket.keys
CONF
}

# resumed SESS_IN: "Reused" or "New" for a handshake offering that session
resumed() {
	printf 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		cli timeout 10 openssl s_client -connect "$HS_SRV_IP:443" -servername localhost \
		-tls1_3 -ign_eof -sess_in "$1" 2>/dev/null | sed -n 's/^\(Reused\|New\),.*/\1/p' | head -1
}
# save_session FILE: a full handshake whose ticket goes to FILE
save_session() {
	printf 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		cli timeout 10 openssl s_client -connect "$HS_SRV_IP:443" -servername localhost \
		-tls1_3 -ign_eof -sess_out "$1" >/dev/null 2>&1
}

# scenario NAME: one server run (HS_LCORES/HS_VDEV chosen by the caller)
scenario() {
	local name=$1 wrk_pid dl_pid n log hs_fail0
	cp "$T/old/cert.pem" "$T/old/key.pem" "$T/live/"
	printf 'version one\n' >"$HS_ROOT/page.html"
	openssl rand -hex 32 >"$T/key1"
	openssl rand -hex 32 >"$T/key2"
	cp "$T/key1" "$T/live/ticket.keys"
	write_conf 0 1500
	HS_CERT=$T/old/cert.pem
	HS_KEY=$T/old/key.pem
	# --cert/--key/--root on the command line (start_httpsd) would
	# override the file: start with the file's own values.
	start_httpsd --config "$T/httpsd.conf" --cert "$T/live/cert.pem" \
		--key "$T/live/key.pem" --http-port-mode serve ||
		hs_fatal "$name: httpsd did not start"
	check_eq "$name: before reload, the old certificate" old.httpsd.test "$(subject)"
	check_eq "$name: before reload, the old content" "version one" \
		"$(hcurl --cacert "$T/old/cert.pem" "$U/page.html")"
	save_session "$T/sess1.$name"
	check_eq "$name: before reload, its ticket resumes" Reused "$(resumed "$T/sess1.$name")"

	# Load: 8 keep-alive connections for 8 s (bounded by wrk -d and timeout).
	hs_fail0=$(hs_stat tls_hs_fail)
	cli timeout -k 5 40 wrk -t1 -c8 -d8s --timeout 5s "$U/index.html" \
		>"$T/wrk.$name" 2>&1 &
	wrk_pid=$!
	# (wrk closes a connection or two in mid-handshake when it starts
	# and stops: those count tls_hs_abort, not tls_hs_fail.)
	sleep 1	# the reload comes with the load running
	# Slow plain-HTTP download of big.bin across the reload (zero-copy
	# from the file cache being retired); big.bin changes meanwhile.
	cp "$HS_ROOT/big.bin" "$T/big.old"
	cli curl -sS --max-time 30 --limit-rate 400k -o "$T/big.dl" -w '%{http_code}' \
		"http://$HS_SRV_IP/big.bin" >"$T/big.code" 2>&1 &
	dl_pid=$!
	sleep 0.5
	head -c 1048576 /dev/urandom >"$T/big.new"
	cp "$T/big.new" "$HS_ROOT/big.bin"
	cp "$T/new/cert.pem" "$T/new/key.pem" "$T/live/"
	printf 'version two\n' >"$HS_ROOT/page.html"
	cat "$T/key2" "$T/key1" >"$T/live/ticket.keys"	# rotate: new current, old previous
	write_conf 7 1400
	kill -HUP "$HS_PID"
	for ((n = 0; n < 100; n++)); do
		[ "$(info_val reload_ok)" = 1 ] && break
		sleep 0.1
	done
	check_eq "$name: reload_ok 1 after SIGHUP" 1 "$(info_val reload_ok)"
	check_eq "$name: new handshakes (during load) show the new certificate" \
		new.httpsd.test "$(subject)"
	check_eq "$name: the changed file is served with its new content" "version two" \
		"$(hcurl --cacert "$T/new/cert.pem" "$U/page.html")"
	check_eq "$name: idle-sleep from the re-read config file took effect" 7 \
		"$(info_val idle_sleep_us)"
	check_eq "$name: after the ticket-key rotation, a ticket of the old key resumes" \
		Reused "$(resumed "$T/sess1.$name")"
	save_session "$T/sess2.$name"
	check_eq "$name: a ticket issued after the rotation resumes" Reused \
		"$(resumed "$T/sess2.$name")"
	log=$(cat "$HS_OUT")
	check_match "$name: mtu change logged as needing a restart" \
		'reload: --mtu changed: applied at the next restart only' "$log"

	# A broken certificate: refused, everything stays as it is.
	sleep 1
	printf 'not a certificate\n' >"$T/live/cert.pem"
	kill -HUP "$HS_PID"
	for ((n = 0; n < 100; n++)); do
		[ "$(info_val reload_failed)" = 1 ] && break
		sleep 0.1
	done
	check_eq "$name: a broken certificate counts reload_failed 1" 1 "$(info_val reload_failed)"
	check_eq "$name: ...and reload_ok stays 1" 1 "$(info_val reload_ok)"
	check_eq "$name: the failure is one log line naming the file" 1 \
		"$(grep -c "reload failed: .*$T/live/cert.pem.*running configuration kept" "$HS_OUT")"
	check_eq "$name: after the failed reload, still the new certificate" \
		new.httpsd.test "$(subject)"
	check_eq "$name: ...and still the new content" "version two" \
		"$(hcurl --cacert "$T/new/cert.pem" "$U/page.html")"

	wait "$dl_pid"
	check_eq "$name: plain-HTTP download across the reload: 200" 200 "$(cat "$T/big.code")"
	check_eq "$name: ...byte-exact, the old content" "$(sha256sum <"$T/big.old")" \
		"$(sha256sum <"$T/big.dl" 2>/dev/null)"
	check_eq "$name: a new plain-HTTP request gets the new content" \
		"$(sha256sum <"$T/big.new")" \
		"$(cli curl -sS --max-time 20 "http://$HS_SRV_IP/big.bin" | sha256sum)"
	check_ge "$name: bodies went out zero-copy (http_body_zc_bytes)" \
		$((2 << 20)) "$(hs_stat http_body_zc_bytes)"
	rm -f "$T/big.dl"
	wait "$wrk_pid"
	check_eq "$name: wrk exited 0" 0 "$?"
	hs_log "$name: $(grep -E 'Requests/sec|requests in' "$T/wrk.$name" | tr -s ' ' | tr '\n' ' ')"
	check_match "$name: wrk completed requests" '[1-9][0-9]* requests in' "$(cat "$T/wrk.$name")"
	check "$name: wrk saw no socket errors" \
		bash -c "! grep -q 'Socket errors' '$T/wrk.$name'"
	check "$name: wrk saw no non-2xx responses" \
		bash -c "! grep -q 'Non-2xx' '$T/wrk.$name'"
	check_eq "$name: no handshake failed and no TLS error across the reloads" \
		"$hs_fail0 0" "$(hs_stat tls_hs_fail) $(hs_stat tls_err)"
	hs_log "$name: handshakes the clients abandoned: $(hs_stat tls_hs_abort)"
	# Old generations are freed once no connection holds them.
	for ((n = 0; n < 50; n++)); do
		[ "$(info_val retired_pending)" = 0 ] && break
		sleep 0.1
	done
	check_eq "$name: every retired configuration freed after the load" 0 \
		"$(info_val retired_pending)"
	stop_httpsd

	# Proof that the rotation put the new key in front: a server holding
	# only the new key resumes the ticket issued after the rotation and
	# not the one issued before it.
	cp "$T/new/cert.pem" "$T/new/key.pem" "$T/live/"
	cp "$T/key2" "$T/live/ticket.keys"
	start_httpsd --config "$T/httpsd.conf" --cert "$T/live/cert.pem" \
		--key "$T/live/key.pem" || hs_fatal "$name: httpsd did not restart"
	check_eq "$name: new key alone: the post-rotation ticket resumes" Reused \
		"$(resumed "$T/sess2.$name")"
	check_eq "$name: new key alone: the pre-rotation ticket does not" New \
		"$(resumed "$T/sess1.$name")"
	stop_httpsd
}

export HS_LCORES=0
scenario "1 lcore"

MC_LCORES='(0-2)@(0-1)'
[ "$(nproc)" -ge 3 ] && MC_LCORES=0-2
export HS_LCORES=$MC_LCORES
export HS_VDEV="net_af_packet0,iface=$HS_SRV_IF,qpairs=2"
scenario "2 lcores"

hs_finish
