#!/usr/bin/env bash
# Command line of httpsd: --help, --version, and every kind of bad input
# exits 2 with one line on stderr that names the problem. Runs on net_null
# (no namespace needed); DPDK's own log lines on stderr are ignored.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_init
hs_gen_cert "$HS_TMP/a"
CERT_A=$HS_CERT
KEY_A=$HS_KEY
hs_gen_cert "$HS_TMP/b"
KEY_B=$HS_KEY
ROOT=$HS_TMP/www
mkdir -p "$ROOT"
echo hi >"$ROOT/index.html"
printf 'not a key\n' >"$HS_TMP/junk.pem"

EAL=(-l 0 --no-pci --no-huge -m 512 --file-prefix "$HS_PFX" --vdev=net_null0)
# Lines DPDK itself logs: "EAL: ...", "TELEMETRY: ...", "func(): ...".
DPDK_LOG_RE='^([A-Z][A-Z0-9_]*: |[A-Za-z_][A-Za-z0-9_]*\(\): )'

# run_httpsd APPARGS... -> rc, out, msg (stderr without DPDK's log lines)
run_httpsd() {
	timeout -k 5 15 "$HTTPSD" "${EAL[@]}" -- "$@" >"$HS_TMP/out" 2>"$HS_TMP/err"
	rc=$?
	out=$(cat "$HS_TMP/out")
	msg=$(grep -Ev "$DPDK_LOG_RE" "$HS_TMP/err")
}

# bad DESC ERE APPARGS...: exit status 2, exactly one line, matching ERE.
bad() {
	local desc=$1 re=$2
	shift 2
	run_httpsd "$@"
	check_eq "$desc: exit status" 2 "$rc"
	check_eq "$desc: one line on stderr" 1 "$(grep -c . <<<"$msg")"
	check_match "$desc: message names the problem" "$re" "$msg"
	check "$desc: never got ready" test -z "$(grep '^httpsd: ready' <<<"$out")"
}

# --- help and version --------------------------------------------------------
help=$("$HTTPSD" --help 2>&1)
check_eq "--help exits 0" 0 "$?"
check_match "--help mentions --addr" '--addr' "$help"
for o in --cert --key --root --gateway --https-port --http-port --max-conns \
	--client-ca --client-auth --ocsp-staple --early-data --impair --upload-sink \
	--max-body --ticket-lifetime --mem-lcore --send-buffer --send-buffer-max --recv-buffer; do
	check_match "--help mentions $o" "$o" "$help"
done
run_httpsd --help
check_eq "EAL args -- --help exits 0" 0 "$rc"
check_match "EAL args -- --help mentions --addr" '--addr' "$out$msg"
ver=$("$HTTPSD" --version 2>&1)
check_eq "--version exits 0" 0 "$?"
check_match "--version mentions wolfSSL" '[Ww][Oo][Ll][Ff][Ss][Ss][Ll]' "$ver"
check_match "--version prints a version number" '[0-9]+\.[0-9]+' "$ver"
check_match "--version prints wolfSSL's version" '^wolfSSL [0-9]+\.[0-9]+\.[0-9]+' "$ver"
# meson links the tuned build when scripts/deps.sh left its stamp file.
if [ -f "$HS_SOURCE_DIR/.deps/wolfssl/.httpsd-tuned" ]; then
	check_match "--version says the tuned wolfSSL build is in use" \
		'^wolfSSL build: tuned' "$ver"
	check_match "--version lists the tuned build's configure flags" \
		'--enable-earlydata' "$ver"
else
	check_match "--version says the fallback wolfSSL build is in use" \
		'^wolfSSL build: fallback' "$ver"
fi
check_match "--version names the AES-GCM path" \
	'^AES-GCM path: (ipsec-mb \(ipsec-mb [0-9.]+, [a-z0-9-]+|wolfssl \()' "$ver"
if grep -qw vaes /proc/cpuinfo && ldconfig -p | grep -q libIPSec_MB; then
	check_match "--version: ipsec-mb path with its VAES arch on this CPU" \
		'^AES-GCM path: ipsec-mb .*avx512 \(VAES' "$ver"
fi

# --- bad input ----------------------------------------------------------------
A=(--addr 198.18.0.1/24)
C=(--cert "$CERT_A")
K=(--key "$KEY_A")
R=(--root "$ROOT")

bad "unknown option" 'bogus-option' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --bogus-option
bad "missing --cert" 'cert' "${A[@]}" "${K[@]}" "${R[@]}"
bad "missing --key" 'key' "${A[@]}" "${C[@]}" "${R[@]}"
bad "missing --addr" 'addr' "${C[@]}" "${K[@]}" "${R[@]}"
bad "missing --root" 'root' "${A[@]}" "${C[@]}" "${K[@]}"
bad "--addr without a value" 'addr' "${C[@]}" "${K[@]}" "${R[@]}" --addr
bad "nonexistent cert file" 'nonexistent|[Cc]ert' \
	"${A[@]}" --cert /nonexistent/cert.pem "${K[@]}" "${R[@]}"
bad "unparsable key file" 'junk\.pem|[Kk]ey' \
	"${A[@]}" "${C[@]}" --key "$HS_TMP/junk.pem" "${R[@]}"
bad "key does not match cert" '[Kk]ey' \
	"${A[@]}" "${C[@]}" --key "$KEY_B" "${R[@]}"
bad "nonexistent root dir" 'nonexistent|root' \
	"${A[@]}" "${C[@]}" "${K[@]}" --root /nonexistent/www
bad "root is not a directory" 'index\.html|root|[Dd]irectory' \
	"${A[@]}" "${C[@]}" "${K[@]}" --root "$ROOT/index.html"
bad "--addr 198.18.0.1/33" 'addr|/33' --addr 198.18.0.1/33 "${C[@]}" "${K[@]}" "${R[@]}"
bad "--addr foo" 'addr|foo' --addr foo "${C[@]}" "${K[@]}" "${R[@]}"
bad "--https-port 70000" 'port|70000' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --https-port 70000
bad "--http-port 70000" 'port|70000' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --http-port 70000
bad "--impair loss=150" 'loss=150' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --impair loss=150
bad "--impair unknown key" "wobble" "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --impair loss=1,wobble=2
bad "--impair bad direction" 'up:loss' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --impair up:loss=1
bad "--impair key without value" 'dup' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --impair dup
bad "--impair delay not a number" 'delay=soon' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --impair rx:delay=soon
bad "--impair seed per direction" 'seed' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --impair tx:seed=3
bad "--impair empty" 'impair' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --impair ''
bad "--upload-sink relative" 'upload-sink' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --upload-sink upload
bad "--upload-sink with a space" 'upload-sink' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --upload-sink '/up load'
bad "--ticket-lifetime 0" 'ticket-lifetime.*range' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --ticket-lifetime 0
bad "--ticket-lifetime 604801" 'ticket-lifetime.*604801.*range' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --ticket-lifetime 604801
bad "--ticket-lifetime 2h" 'ticket-lifetime.*2h' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --ticket-lifetime 2h
bad "--max-body 0" 'max-body' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --max-body 0
bad "--max-body not a number" 'max-body|lots' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --max-body lots
bad "--tcp-rto-min 0" 'tcp-rto-min' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --tcp-rto-min 0
bad "--mem-lcore 100" 'mem-lcore.*100' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --mem-lcore 100
bad "--mem-lcore lots" 'mem-lcore.*lots' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --mem-lcore lots
bad "--mem-lcore above the pool" 'mem-lcore 40000.*pool' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" \
	--mem-lcore 40000
bad "--send-buffer 1000" 'send-buffer.*1000' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --send-buffer 1000
bad "--send-buffer-max 1000" 'send-buffer-max.*1000.*range' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --send-buffer-max 1000
bad "--send-buffer-max 128m" 'send-buffer-max.*134217728.*range' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --send-buffer-max 134217728
bad "--send-buffer-max 4M" 'send-buffer-max.*4M.*not a number' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --send-buffer-max 4M
bad "--recv-buffer 1g" 'recv-buffer.*1g' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --recv-buffer 1g
bad "--max-conns-per-source -1" 'max-conns-per-source.*-1' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" \
	--max-conns-per-source -1
bad "--initcwnd 0" 'initcwnd.*out of range' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --initcwnd 0
bad "--initcwnd 101" 'initcwnd.*out of range' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --initcwnd 101
bad "--initcwnd ten" 'initcwnd.*not a number' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --initcwnd ten
bad "--pacing maybe" "pacing.*not on or off" "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --pacing maybe
bad "--recv-buffer-max 100" "recv-buffer-max.*out of range" "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --recv-buffer-max 100
bad "--client-auth bogus" 'client-auth.*bogus' "${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" \
	--client-ca "$CERT_A" --client-auth bogus
bad "--client-auth without --client-ca" 'client-auth.*client-ca' \
	"${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --client-auth optional
bad "nonexistent --client-ca file" 'client CA.*nonexistent' \
	"${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --client-ca /nonexistent/ca.pem
bad "nonexistent --ocsp-staple file" 'OCSP.*nonexistent' \
	"${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --ocsp-staple /nonexistent/staple.der
bad "--ocsp-staple not DER" 'OCSP.*junk\.pem' \
	"${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --ocsp-staple "$HS_TMP/junk.pem"
head -c 40 /dev/urandom | { printf '\x30\x28'; cat; } >"$HS_TMP/staple.der"
bad "--ocsp-staple with a certificate lacking its issuer" 'issuer' \
	"${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --ocsp-staple "$HS_TMP/staple.der"
bad "--ocsp-staple with --client-ca" 'OCSP.*client' "${A[@]}" "${C[@]}" "${K[@]}" \
	"${R[@]}" --ocsp-staple "$HS_TMP/staple.der" --client-ca "$CERT_A"
bad "--client-ca holds no certificate" 'client CA.*junk\.pem' \
	"${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}" --client-ca "$HS_TMP/junk.pem"

B=("${A[@]}" "${C[@]}" "${K[@]}" "${R[@]}")
bad "--crypto aes" 'crypto.*aes' "${B[@]}" --crypto aes
bad "--http-port-mode tunnel" 'http-port-mode.*tunnel' "${B[@]}" --http-port-mode tunnel
bad "--keepalive-timeout 5h" 'keepalive-timeout.*5h' "${B[@]}" --keepalive-timeout 5h
bad "--header-timeout 0" 'header-timeout.*range' "${B[@]}" --header-timeout 0
bad "--handshake-timeout 2000000m" 'handshake-timeout.*range' "${B[@]}" --handshake-timeout 2000000m
bad "--linger-timeout 5x" 'linger-timeout.*5x' "${B[@]}" --linger-timeout 5x
bad "--keepalive-requests 0" 'keepalive-requests.*range' "${B[@]}" --keepalive-requests 0
bad "--hsts-max-age -1" 'hsts-max-age' "${B[@]}" --hsts-max-age -1
bad "--hsts-preload with a value" 'hsts-preload|unexpected' "${B[@]}" --hsts-preload yes

hs_finish
