#!/usr/bin/env bash
# Generate a self-signed ECDSA P-256 certificate for the demo and tests.
# Usage: scripts/gen-cert.sh OUTDIR [CN]
#   writes OUTDIR/cert.pem and OUTDIR/key.pem (SAN: CN, localhost, 198.18.0.1)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [CN]" >&2; exit 2; }
out=$1; cn=${2:-httpsd.test}
mkdir -p "$out"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$out/key.pem" -out "$out/cert.pem" -days 30 -subj "/CN=$cn" \
    -addext "subjectAltName=DNS:$cn,DNS:localhost,IP:198.18.0.1" \
    -addext "keyUsage=digitalSignature" -addext "extendedKeyUsage=serverAuth" \
    2>/dev/null
chmod 600 "$out/key.pem"
