#!/usr/bin/env bash
# --config FILE and --check-config: every kind of bad line is reported as
# FILE:LINE: message with exit status 2 and nothing started; the command
# line overrides the file option by option; --check-config exits 0 for a
# good configuration (loading the certificate, key and root it names) and
# 2 for a bad one, without EAL or ports. One real start on net_null (no
# network traffic) shows the values that took effect.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_init
hs_gen_cert "$HS_TMP/a"
CERT=$HS_CERT
KEY=$HS_KEY
hs_gen_cert "$HS_TMP/b"
KEY_B=$HS_KEY
ROOT=$HS_TMP/www
mkdir -p "$ROOT"
echo hi >"$ROOT/index.html"
echo there >"$ROOT/two.html"
CONF=$HS_TMP/httpsd.conf

EAL=(-l 0 --no-pci --no-huge -m 512 --file-prefix "$HS_PFX" --vdev=net_null0)
DPDK_LOG_RE='^([A-Z][A-Z0-9_]*: |[A-Za-z_][A-Za-z0-9_]*\(\): )'

# good_conf [EXTRA LINES...]: a complete, valid configuration file
good_conf() {
	{
		printf '# httpsd test configuration\n'
		printf 'addr 198.18.0.1/24\n'
		printf 'cert %s   # leaf + chain\n' "$CERT"
		printf 'key %s\n' "$KEY"
		printf '\n'
		printf 'root %s\n' "$ROOT"
		printf 'https-port 8443\n'
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$CONF"
}

# run APPARGS... -> rc, out, msg (stderr without DPDK's own log lines)
run() {
	timeout -k 5 60 "$HTTPSD" "${EAL[@]}" -- "$@" >"$HS_TMP/out" 2>"$HS_TMP/err"
	rc=$?
	out=$(cat "$HS_TMP/out")
	msg=$(grep -Ev "$DPDK_LOG_RE" "$HS_TMP/err")
}

# bad_line DESC LINE ERE CONF-LINES... : a file whose line LINE is wrong
bad_line() {
	local desc=$1 line=$2 re=$3
	shift 3
	printf '%s\n' "$@" >"$CONF"
	run --config "$CONF"
	check_eq "$desc: exit status 2" 2 "$rc"
	check_eq "$desc: one line on stderr" 1 "$(grep -c . <<<"$msg")"
	check_match "$desc: FILE:$line: names the line" "^httpsd: $CONF:$line: " "$msg"
	check_match "$desc: the message names the problem" "$re" "$msg"
	check "$desc: nothing started" test -z "$(grep '^httpsd: ready' <<<"$out")"
}

A="addr 198.18.0.1/24"
C="cert $CERT"
K="key $KEY"
R="root $ROOT"

# --- every kind of bad line ----------------------------------------------------
bad_line "unknown option" 3 "unknown option 'bogus'" "$A" "$C" "bogus 1" "$K" "$R"
bad_line "missing value" 2 "'cert' needs a value" "$A" "cert" "$K" "$R"
bad_line "value for a flag" 5 "'check-config' takes no value|command-line option" \
	"$A" "$C" "$K" "$R" "check-config yes"
bad_line "command-line-only option" 1 "'config' is a command-line option" \
	"config /etc/other.conf" "$A" "$C" "$K" "$R"
bad_line "duplicate option" 4 "'addr' given twice \(first on line 1\)" \
	"$A" "$C" "$K" "addr 198.18.0.9/24" "$R"
bad_line "not a number" 5 "https-port.*'44x3' is not a number" \
	"$A" "$C" "$K" "$R" "https-port 44x3"
bad_line "out of range" 5 "mtu.*100 is out of range" "$A" "$C" "$K" "$R" "mtu 100"
bad_line "bad address" 1 "addr.*'198.18.0.300/24'|not an IPv4 address" \
	"addr 198.18.0.300/24" "$C" "$K" "$R"
bad_line "not name value" 2 "'https-port=443' is not an option name" \
	"$A" "https-port=443" "$C" "$K" "$R"
bad_line "leading dashes" 2 "'--cert': write option names without leading dashes" \
	"$A" "--cert $CERT" "$K" "$R"
bad_line "gateway outside the subnet (cross-option check)" 5 "gateway.*not inside" \
	"$A" "$C" "$K" "$R" "gateway 10.1.2.3"
bad_line "same port twice (cross-option check)" 6 "must differ" \
	"$A" "$C" "$K" "$R" "https-port 8000" "http-port 8000"
printf 'addr 198.18.0.1/24\nro\001ot /x\n' >"$CONF"
run --config "$CONF"
check_eq "control character: exit status 2" 2 "$rc"
check_match "control character: FILE:2:" "^httpsd: $CONF:2: control character" "$msg"

# --- file-level problems -----------------------------------------------------------
run --config "$HS_TMP/nonexistent.conf"
check_eq "missing config file: exit 2" 2 "$rc"
check_match "missing config file: named" "nonexistent.conf: cannot open" "$msg"
run --config "$HS_TMP"
check_eq "a directory as config file: exit 2" 2 "$rc"
printf '%s\n' "$A" "$C" "$R" >"$CONF"
run --config "$CONF"
check_eq "required option missing everywhere: exit 2" 2 "$rc"
check_match "required option missing: says where it may be given" \
	"--key is required, on the command line or in $CONF" "$msg"
printf '%s\n' "$A" "$C" "key $KEY_B" "$R" >"$CONF"
run --config "$CONF"
check_eq "key that does not match the certificate: exit 2" 2 "$rc"
check_eq "key mismatch: one line" 1 "$(grep -c . <<<"$msg")"
check_match "key mismatch: names the problem" "[Kk]ey" "$msg"

# --- --check-config ---------------------------------------------------------------------
good_conf
out=$("$HTTPSD" --check-config --config "$CONF" 2>&1)
check_eq "--check-config on a good file: exit 0" 0 "$?"
check_match "--check-config says OK and counts the files" "configuration OK: $CONF \([0-9]+ files\)" "$out"
run --config "$CONF" --check-config
check_eq "--check-config after EAL options: exit 0, no EAL started" 0 "$rc"
check "--check-config does not start EAL (no runtime dir)" test ! -e "/var/run/dpdk/$HS_PFX"
good_conf
sed -i "s|^root .*|root $HS_TMP/nonexistent-root|" "$CONF"
out=$("$HTTPSD" --check-config --config "$CONF" 2>&1)
check_eq "--check-config, root missing: exit 2" 2 "$?"
check_match "--check-config, root missing: named" "nonexistent-root" "$out"
good_conf
out=$("$HTTPSD" --check-config --config "$CONF" --key "$KEY_B" 2>&1)
check_eq "--check-config loads the key (mismatching key on the command line): exit 2" 2 "$?"
out=$("$HTTPSD" --check-config --config "$CONF" --cert "$HS_TMP/missing.pem" 2>&1)
check_eq "--check-config, missing certificate: exit 2" 2 "$?"
check_match "--check-config, missing certificate: named" "missing.pem" "$out"

# --- the command line overrides the file ----------------------------------------------------
# The file says https-port 8443 and http-port 8080; the command line says
# --https-port 9443: 9443 and 8080 take effect.
good_conf "http-port 8080" "idle-sleep 5"
# A bad value in the file for an option the command line overrides is
# never looked at (nginx -g semantics would differ; ours: replaced whole).
sed -i 's/^https-port 8443$/https-port not-a-port/' "$CONF"
"$HTTPSD" "${EAL[@]}" -- --config "$CONF" --https-port 9443 >"$HS_TMP/run.out" 2>"$HS_TMP/run.err" &
HS_PID=$!
for ((i = 0; i < 600; i++)); do
	grep -q '^httpsd: ready' "$HS_TMP/run.out" 2>/dev/null && break
	hs_alive "$HS_PID" || break
	sleep 0.1
done
ready=$(grep -m1 '^httpsd: ready' "$HS_TMP/run.out")
check_match "started from the file with a command-line override: https port 9443" \
	'https://198\.18\.0\.1:9443/ http://198\.18\.0\.1:8080/' "$ready"
info=$("$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /httpsd/info)
check_match "idle-sleep 5 from the file took effect" '^idle_sleep_us 5$' "$info"
check_match "/httpsd/info: packet pool size (mbufs)" '^mbufs [1-9][0-9]*$' "$info"
check_match "/httpsd/info: mbufs_in_use gauge" '^mbufs_in_use [0-9]+$' "$info"
check_match "/httpsd/info: heap_in_use gauge" '^heap_in_use [1-9][0-9]+$' "$info"
check_match "/httpsd/info: heap_trims counter" '^heap_trims [0-9]+$' "$info"
kill -TERM "$HS_PID"
hs_wait_gone "$HS_PID" 20
wait "$HS_PID"
check_eq "exit 0 after SIGTERM" 0 "$?"
HS_PID=""
check "mbufs_in_use 0 at exit" grep -qx 'mbufs_in_use 0' "$HS_TMP/run.out"

hs_finish
