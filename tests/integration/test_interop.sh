#!/usr/bin/env bash
# Interop of our TLS record layer (--tls-records own, the default) with
# clients not covered elsewhere:
#   - Python's ssl module (hs_pyssl.py): TLS 1.3 and TLS 1.2, two 16 MiB
#     responses over one keep-alive connection byte-exact (sha256), the
#     last (Connection: close) ended by our close_notify (a bare FIN fails
#     the client: suppress_ragged_eofs=False); an 8 MiB upload gets the
#     upload sink's digest back
#   - Chromium (headless, the test CA trusted in a throw-away NSS
#     database): a page's script fetches a 16 MiB file and POSTs 4 MiB,
#     hashing both with WebCrypto; the page shows the digests, compared
#     with the file's and the sink's.  Chromium's ClientHello carries a
#     post-quantum hybrid key share and spans two TCP segments.
#   - every connection ran our record layer (tls_own_records), no TLS
#     error was counted, no mbuf was left.
# Chromium is skipped (the rest still runs) if it is not installed.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
grep -q '^TLS records after the handshake: own' <<<"$("$HTTPSD" --version 2>/dev/null)" ||
	hs_skip "this httpsd cannot run its own record layer (httpsd --version)"
hs_init
hs_topo_up
P=$HS_TMP/pki
bash "$HS_LIBDIR/mk-pki.sh" "$P" >/dev/null || hs_fatal "mk-pki.sh failed"
HS_CERT=$P/srv.pem
HS_KEY=$P/srv.key
hs_docroot "$HS_TMP/www"
T=$HS_TMP
head -c $((16 << 20)) /dev/urandom >"$HS_ROOT/mid.bin"
head -c $((8 << 20)) /dev/urandom >"$T/up.bin"
sha() { sha256sum <"$1" | cut -d' ' -f1; }
MID=$(sha "$HS_ROOT/mid.bin")

# Files are loaded at start: the page goes in first.
cat >"$HS_ROOT/interop.html" <<'HTML'
<!doctype html>
<html><body><pre id="out">pending</pre>
<script>
async function hex(buf) {
  const d = await crypto.subtle.digest('SHA-256', buf);
  return [...new Uint8Array(d)].map(b => b.toString(16).padStart(2, '0')).join('');
}
(async () => {
  const o = document.getElementById('out');
  try {
    const r = await fetch('/mid.bin', {cache: 'no-store'});
    const b = await r.arrayBuffer();
    let s = 'get ' + r.status + ' ' + b.byteLength + ' ' + await hex(b);
    const up = new Uint8Array(4 << 20);
    for (let i = 0; i < up.length; i++) up[i] = (Math.imul(i, 2654435761) >>> 24) & 255;
    const p = await fetch('/upload', {method: 'POST', body: up,
      headers: {'Content-Type': 'application/octet-stream'}});
    s += '\npost ' + p.status + ' ' + (await p.text()).trim() + ' want sha256=' +
      await hex(up) + ' bytes=' + up.length;
    o.textContent = s;
  } catch (e) { o.textContent = 'error ' + e; }
})();
</script></body></html>
HTML
start_httpsd --upload-sink /upload --max-body $((64 << 20)) || hs_fatal "httpsd did not start"
conns=0
pyssl() { cli timeout 120 "$HS_PY" "$HS_LIBDIR/hs_pyssl.py" "$HS_SRV_IP" "$P/ca.pem" "$@"; }

# --- Python ssl -------------------------------------------------------------
for v in 1.3 1.2; do
	out=$(pyssl "$v" get /mid.bin "$MID" 2)
	hs_log "$out"
	check_eq "python ssl TLS $v: 2 keep-alive GETs byte-exact" 2 \
		"$(grep -c '^ok GET /mid.bin' <<<"$out")"
	check_match "python ssl TLS $v: close_notify ends the stream" '^ok close_notify' "$out"
	out=$(pyssl "$v" post /upload "$T/up.bin")
	check_eq "python ssl TLS $v: 8 MiB upload, the sink's digest" \
		"sha256=$(sha "$T/up.bin") bytes=$((8 << 20))" "$out"
	conns=$((conns + 2))
done

# --- Chromium -----------------------------------------------------------------
CHROME=$(command -v chromium || true)
if [ -z "$CHROME" ] || ! command -v certutil >/dev/null; then
	hs_log "SKIP (part): chromium or certutil not installed"
else
	CH=$T/chrome
	mkdir -p "$CH/home/.pki/nssdb"
	certutil -N -d "sql:$CH/home/.pki/nssdb" --empty-password ||
		hs_fatal "certutil -N failed"
	certutil -A -d "sql:$CH/home/.pki/nssdb" -n httpsd-test-ca -t 'C,,' -i "$P/ca.pem" ||
		hs_fatal "certutil -A failed"
	c0=$(hs_stat tls_own_records)
	cli env HOME="$CH/home" timeout 90 "$CHROME" --headless=new --no-sandbox \
		--disable-gpu --no-first-run --user-data-dir="$CH/profile" \
		--virtual-time-budget=60000 --dump-dom "https://$HS_SRV_IP/interop.html" \
		>"$T/dom.html" 2>"$T/chrome.err"
	dom=$(sed -n '/<pre id="out">/,/<\/pre>/p' "$T/dom.html" | sed 's/<[^>]*>//g')
	hs_log "chromium: $dom"
	check_eq "chromium: GET /mid.bin over our records, byte-exact" \
		"get 200 $((16 << 20)) $MID" "$(grep '^get ' <<<"$dom")"
	post=$(grep '^post ' <<<"$dom")
	check_match "chromium: POST 4 MiB answered 200" '^post 200 sha256=' "$post"
	got=$(sed -n 's/^post 200 \(sha256=[0-9a-f]* bytes=[0-9]*\) want .*/\1/p' <<<"$post")
	want=$(sed -n 's/.* want \(sha256=[0-9a-f]* bytes=[0-9]*\)$/\1/p' <<<"$post")
	check_match "chromium: the page hashed what it sent" '^sha256=[0-9a-f]{64} bytes=4194304$' "$want"
	check_eq "chromium: the sink's digest of the 4 MiB upload is the page's" "$want" "$got"
	hs_wait_stat_eq tcp_conn_open 0 30 >/dev/null
	check_ge "chromium's connections ran our record layer" $((c0 + 1)) \
		"$(hs_stat tls_own_records)"
	conns=$(( $(hs_stat tls_own_records) - c0 + conns))
fi

hs_wait_stat_eq tcp_conn_open 0 30 >/dev/null
check_eq "every TLS connection ran our record layer (tls_own_records)" "$conns" \
	"$(hs_stat tls_own_records)"
check_eq "no TLS error counted" 0 "$(hs_stat tls_err)"
stop_httpsd
hs_finish
