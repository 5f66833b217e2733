#!/usr/bin/env bash
# Test certificates for SNI, RSA and chain tests (unit and integration).
# Usage: tests/tls/gen-pki.sh OUTDIR
#   OUTDIR/rsa/{cert,key}.pem     self-signed RSA 2048, CN rsa.test
#   OUTDIR/rsa/key-pkcs1.pem      its key as "RSA PRIVATE KEY" (PKCS#1)
#   OUTDIR/www/key-sec1.pem       www's key as "EC PRIVATE KEY" (SEC 1)
#   OUTDIR/www/{cert,key}.pem     self-signed ECDSA P-256, CN www.example.com
#   OUTDIR/wild/{cert,key}.pem    self-signed ECDSA P-256, CN *.wild.test
#   OUTDIR/chain/root.pem         root CA (ECDSA P-256), the only trust anchor
#   OUTDIR/chain/{cert,key}.pem   leaf CN chain.test; cert.pem = leaf then
#                                 intermediate CA (the root is not served)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$1
mkdir -p "$out"/{rsa,www,wild,chain}
ossl() { openssl "$@" 2>/dev/null; }
selfsigned() { # DIR CN KEYALG...
    local dir=$1 cn=$2; shift 2
    ossl req -x509 "$@" -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" \
        -days 30 -subj "/CN=$cn" -addext "subjectAltName=DNS:$cn" \
        -addext "keyUsage=digitalSignature,keyEncipherment" \
        -addext "extendedKeyUsage=serverAuth"
}
selfsigned "$out/rsa" rsa.test -newkey rsa:2048
selfsigned "$out/www" www.example.com -newkey ec -pkeyopt ec_paramgen_curve:P-256
selfsigned "$out/wild" '*.wild.test' -newkey ec -pkeyopt ec_paramgen_curve:P-256
ossl rsa -in "$out/rsa/key.pem" -traditional -out "$out/rsa/key-pkcs1.pem"
ossl ec -in "$out/www/key.pem" -out "$out/www/key-sec1.pem"

c=$out/chain
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
ossl req -x509 "${ec[@]}" -keyout "$c/root.key" -out "$c/root.pem" -days 30 \
    -subj "/CN=httpsd test root" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
ossl req "${ec[@]}" -keyout "$c/int.key" -out "$c/int.csr" -subj "/CN=httpsd test intermediate"
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$c/int.ext"
ossl x509 -req -in "$c/int.csr" -CA "$c/root.pem" -CAkey "$c/root.key" \
    -CAcreateserial -days 30 -extfile "$c/int.ext" -out "$c/int.pem"
ossl req "${ec[@]}" -keyout "$c/key.pem" -out "$c/leaf.csr" -subj "/CN=chain.test"
printf 'subjectAltName=DNS:chain.test\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >"$c/leaf.ext"
ossl x509 -req -in "$c/leaf.csr" -CA "$c/int.pem" -CAkey "$c/int.key" \
    -CAcreateserial -days 30 -extfile "$c/leaf.ext" -out "$c/leaf.pem"
cat "$c/leaf.pem" "$c/int.pem" >"$c/cert.pem"
rm -f "$c"/*.csr "$c"/*.ext "$c"/*.srl "$c/root.key" "$c/int.key"
chmod 600 "$out"/*/key.pem
