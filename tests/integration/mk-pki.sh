#!/usr/bin/env bash
# mk-pki.sh DIR: a small test PKI made with openssl, for the mTLS and
# OCSP tests. EC P-256 keys; everything issued by "openssl ca", so
# DIR/index.txt is a valid OCSP responder index.
#   ca.pem ca.key              test CA
#   srv.pem srv.key            server: CN/SAN httpsd.test, IP 198.18.0.1
#   cli.pem cli.key            client: CN=client one, clientAuth
#   cli-expired.pem/.key       client, valid 2020-01-01..2020-01-02
#   cli-srvonly.pem/.key       client cert with only the serverAuth EKU
#   rogue-ca.pem, cli-rogue.pem/.key  a client from an unknown CA
set -euo pipefail
D=$1
mkdir -p "$D/db"
cd "$D"
: >index.txt
echo 1000 >serial
cat >ca.cnf <<'CNF'
[ca]
default_ca = test_ca
[test_ca]
dir = .
database = index.txt
serial = serial
new_certs_dir = db
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
organizationName = optional
countryName = optional
[v3_ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
[srv]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:httpsd.test, IP:198.18.0.1
authorityInfoAccess = OCSP;URI:http://198.18.0.1:8080/ocsp
[cli]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[cli_srvonly]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
[ocsp]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
CNF
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# issue NAME SUBJECT EXT [ca options...]
issue() {
	local n=$1 subj=$2 ext=$3
	shift 3
	key "$n.key"
	openssl req -new -key "$n.key" -subj "$subj" -out "$n.csr" 2>/dev/null
	openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key \
		-extfile ca.cnf -extensions "$ext" -in "$n.csr" -out "$n.pem" \
		-notext "$@" 2>/dev/null
}
key ca.key
openssl req -new -x509 -key ca.key -subj "/O=httpsd test/CN=httpsd test CA" \
	-days 3650 -config ca.cnf -extensions v3_ca -out ca.pem 2>/dev/null
issue srv "/CN=httpsd.test" srv -days 30
issue cli "/C=XX/O=httpsd test/CN=client one" cli -days 30
issue cli-expired "/CN=client expired" cli -startdate 20200101000000Z -enddate 20200102000000Z
issue cli-srvonly "/CN=client serveronly" cli_srvonly -days 30
issue ocsp "/CN=httpsd test OCSP" ocsp -days 30
# A client from a CA the server does not know.
key rogue-ca.key
openssl req -new -x509 -key rogue-ca.key -subj "/CN=rogue CA" -days 30 \
	-config ca.cnf -extensions v3_ca -out rogue-ca.pem 2>/dev/null
key cli-rogue.key
openssl req -new -key cli-rogue.key -subj "/CN=client rogue" -out cli-rogue.csr 2>/dev/null
openssl x509 -req -in cli-rogue.csr -CA rogue-ca.pem -CAkey rogue-ca.key \
	-set_serial 7 -days 30 -extfile ca.cnf -extensions cli -out cli-rogue.pem 2>/dev/null
test -s cli-rogue.pem
