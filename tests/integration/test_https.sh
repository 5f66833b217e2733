#!/usr/bin/env bash
# End-to-end: real clients (curl, openssl, gnutls-cli, an ICMP pinger) in
# the client namespace against httpsd on af_packet in the server namespace.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
start_httpsd || hs_fatal "httpsd did not start"

U=https://$HS_SRV_IP
T=$HS_TMP
tls_conns=0	# TLS connections that completed a handshake (lower bound)
ok_2xx=0	# 2xx responses over TLS (lower bound)

# --- ICMP: the stack answers echo requests --------------------------------
check "ping $HS_SRV_IP answered (3/3)" hs_ping "$HS_SRV_IP" 3 2

# --- GET / ------------------------------------------------------------------
code=$(hcurl -o "$T/index.got" -D "$T/index.hdr" -w '%{http_code}' "$U/")
check_eq "GET / status" 200 "$code" && { tls_conns=$((tls_conns + 1)); ok_2xx=$((ok_2xx + 1)); }
check "GET / body byte-exact" cmp "$HS_ROOT/index.html" "$T/index.got"
check_match "GET / Content-Type text/html" '^[Cc]ontent-[Tt]ype: *text/html' "$(cat "$T/index.hdr")"

# --- HEAD -------------------------------------------------------------------
hdr=$(hcurl -I "$U/index.html" | tr -d '\r')
check_match "HEAD status 200" '^HTTP/1\.1 200' "$hdr" && { tls_conns=$((tls_conns + 1)); ok_2xx=$((ok_2xx + 1)); }
check_match "HEAD Content-Length = file size" \
	"^[Cc]ontent-[Ll]ength: *$(stat -c %s "$HS_ROOT/index.html")\$" "$hdr"
# Raw HEAD (RFC 9110 9.3.2): headers only, no body bytes after them.
printf 'HEAD / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$HS_SRV_IP" |
	cli timeout 15 openssl s_client -quiet -connect "$HS_SRV_IP:443" \
		-CAfile "$HS_CERT" >"$T/head.raw" 2>/dev/null
check_match "raw HEAD answered 200" '^HTTP/1\.1 200' "$(head -n 1 "$T/head.raw")"
check_eq "raw HEAD: nothing after the header block" "0d0a0d0a" \
	"$(tail -c 4 "$T/head.raw" | od -An -tx1 | tr -d ' \n')"

# --- errors -----------------------------------------------------------------
code=$(hcurl -o /dev/null -w '%{http_code}' "$U/no-such-file")
check_eq "GET missing file -> 404" 404 "$code"
code=$(hcurl -o /dev/null -D "$T/post.hdr" -w '%{http_code}' -X POST -d x=1 "$U/")
check_eq "POST -> 405" 405 "$code"
check_match "405 carries Allow with GET" '^[Aa]llow:.*GET' "$(tr -d '\r' <"$T/post.hdr")"
code=$(hcurl -o /dev/null -D "$T/dir.hdr" -w '%{http_code}' "$U/sub")
check_eq "directory without slash -> 301" 301 "$code"
check_match "301 Location ends in /sub/" '^[Ll]ocation: *(https?://[^/]+)?/sub/$' \
	"$(tr -d '\r' <"$T/dir.hdr")"
code=$(hcurl -o "$T/sub.got" -w '%{http_code}' "$U/sub/")
check_eq "GET /sub/ -> 200 (index.html)" 200 "$code" && { tls_conns=$((tls_conns + 1)); ok_2xx=$((ok_2xx + 1)); }
check "GET /sub/ serves sub/index.html" cmp "$HS_ROOT/sub/index.html" "$T/sub.got"

# --- 1 MiB download ---------------------------------------------------------
code=$(hcurl -o "$T/big.got" -w '%{http_code}' "$U/big.bin")
check_eq "GET 1 MiB file status" 200 "$code" && { tls_conns=$((tls_conns + 1)); ok_2xx=$((ok_2xx + 1)); }
check_eq "1 MiB file sha256 byte-exact" \
	"$(sha256sum <"$HS_ROOT/big.bin")" "$(sha256sum <"$T/big.got" 2>/dev/null)"

# --- keep-alive: three requests, one connection -----------------------------
ka=$(hcurl -w '%{num_connects} %{http_code}\n' -o /dev/null -o /dev/null -o /dev/null \
	"$U/" "$U/big.bin" "$U/sub/")
check_eq "keep-alive: 3 responses 200" "200 200 200" "$(awk '{printf "%s%s", s, $2; s=" "}' <<<"$ka")"
check_eq "keep-alive: one TCP connection for 3 requests" 1 "$(awk '{n += $1} END {print n + 0}' <<<"$ka")" &&
	{ tls_conns=$((tls_conns + 1)); ok_2xx=$((ok_2xx + 3)); }

# --- TLS 1.3 with OpenSSL and GnuTLS ---------------------------------------
out=$(cli timeout 15 openssl s_client -connect "$HS_SRV_IP:443" -tls1_3 -brief \
	-CAfile "$HS_CERT" -verify_ip "$HS_SRV_IP" -verify_return_error </dev/null 2>&1)
check_match "openssl s_client negotiates TLSv1.3" '^Protocol version: TLSv1\.3' "$out" &&
	tls_conns=$((tls_conns + 1))
check_match "openssl s_client verifies the certificate" '^Verification: OK' "$out"
out=$(cli timeout 15 gnutls-cli --x509cafile "$HS_CERT" --port 443 "$HS_SRV_IP" </dev/null 2>&1)
check_match "gnutls-cli completes the handshake" 'Handshake was completed' "$out" &&
	tls_conns=$((tls_conns + 1))
check_match "gnutls-cli negotiates TLS 1.3" '^- Description: \(TLS1\.3' "$out"
check_match "gnutls-cli trusts the certificate" 'The certificate is trusted' "$out"

# --- plain HTTP on port 80: 301 to https by default -------------------------
hdrs=$(cli curl -sS --max-time "$HS_CURL_TIME" -o "$T/plain.got" -D - \
	"http://$HS_SRV_IP/sub/x?q=1" | tr -d '\r')
check_match "plain HTTP GET on port 80 -> 301" '^HTTP/1\.1 301 ' "$hdrs"
check_match "301 Location is the https URL with path and query" \
	"^Location: https://$HS_SRV_IP/sub/x\\?q=1\$" "$hdrs"
check_nomatch "no HSTS header over plain HTTP" '^Strict-Transport-Security:' "$hdrs"
code=$(cli curl -sS --max-time "$HS_CURL_TIME" -L --cacert "$HS_CERT" -o "$T/follow.got" \
	-w '%{http_code} %{num_redirects}' "http://$HS_SRV_IP/")
check_eq "curl -L follows the redirect to HTTPS" "200 1" "$code"
check "the redirect ends at the same bytes" cmp "$HS_ROOT/index.html" "$T/follow.got"
hdrs=$(hcurl -o /dev/null -D - "$U/" | tr -d '\r')
check_match "HTTPS responses carry HSTS (default max-age)" \
	'^Strict-Transport-Security: max-age=31536000$' "$hdrs"
check_match "HTTPS responses carry X-Content-Type-Options" \
	'^X-Content-Type-Options: nosniff$' "$hdrs"

# --- 20 concurrent clients --------------------------------------------------
pids=()
for i in $(seq 1 20); do
	if [ $((i % 2)) -eq 0 ]; then f=big.bin; else f=index.html; fi
	hcurl -o "$T/conc.$i" -w '%{http_code}' "$U/$f" >"$T/conc.$i.code" 2>"$T/conc.$i.err" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done	# each bounded by curl --max-time
good=0
for i in $(seq 1 20); do
	if [ $((i % 2)) -eq 0 ]; then f=big.bin; else f=index.html; fi
	if [ "$(cat "$T/conc.$i.code")" = 200 ] && cmp -s "$HS_ROOT/$f" "$T/conc.$i"; then
		good=$((good + 1))
	else
		hs_log "concurrent client $i: code '$(cat "$T/conc.$i.code")' $(head -c 200 "$T/conc.$i.err")"
	fi
done
check_eq "20 concurrent clients all get byte-exact 200s" 20 "$good"
tls_conns=$((tls_conns + good))
ok_2xx=$((ok_2xx + good))

# --- telemetry --------------------------------------------------------------
stats=$(hs_stats)
check "telemetry /httpsd/stats answers" test -n "$stats"
hs_log "telemetry: $(tr '\n' ' ' <<<"$stats")"
check_ge "telemetry tls_hs_ok counts our handshakes" "$tls_conns" \
	"$(awk '$1 == "tls_hs_ok" {print $2}' <<<"$stats")"
check_ge "telemetry http_2xx counts our 2xx responses" "$ok_2xx" \
	"$(awk '$1 == "http_2xx" {print $2}' <<<"$stats")"
check_ge "telemetry http_4xx counts the 404 and 405" 2 \
	"$(awk '$1 == "http_4xx" {print $2}' <<<"$stats")"
# Well-behaved clients on a clean link: no failed handshakes, and no bad
# checksums (the topology turns veth TX checksum offload off).
for c in tls_hs_fail drop_ip_csum drop_tcp_csum drop_icmp_csum; do
	check_eq "telemetry $c is 0" 0 "$(awk -v c="$c" '$1 == c {print $2}' <<<"$stats")"
done

# --- clean shutdown ---------------------------------------------------------
stop_httpsd
check "exit counters include tls_hs_ok" grep -Eq '^tls_hs_ok [1-9][0-9]*$' "$HS_OUT"
check "exit counters include http_2xx" grep -Eq '^http_2xx [1-9][0-9]*$' "$HS_OUT"

hs_finish
