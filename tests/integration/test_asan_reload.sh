#!/usr/bin/env bash
# SIGHUP reloads under load with httpsd built with AddressSanitizer and
# UndefinedBehaviorSanitizer: a second build dir (HS_ASAN_BUILD_DIR,
# default <build dir>-asan, configured with -Db_sanitize=address,undefined
# -Db_lundef=false and reused when it exists; only the httpsd target is
# built), EAL on --no-huge memory.  First, deterministically: 4 GETs
# whose head arrives before a SIGHUP and whose body after it (responses
# built from the old cache, held until the body is read) must answer with
# the old content.  Then, for ~20 s (HS_ASAN_LOAD_S), two bounded
# wrk runs keep it busy - GETs that carry a request body (their responses
# are built from the file cache and held until the body is read) and
# downloads of a 1 MiB file (sent zero-copy from the cache) - while a
# served file changes and SIGHUP re-loads the document root every 2 s,
# retiring the cache those responses point into.  The GETs with a body go
# over HTTPS (HS_ASAN_TLS=0: plain HTTP).  Fails on any
# sanitizer report, a reload that did not complete, a non-zero exit or
# mbufs still in use at exit.  HS_ASAN_PORT=hs_packet runs it on
# net_hs_packet (TSO frames, the RX ring) instead of net_af_packet.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh

SRC=${HS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MAIN_BUILD=${HS_BUILD_DIR:-$SRC/build}
ASAN_BUILD=${HS_ASAN_BUILD_DIR:-$MAIN_BUILD-asan}
LOAD_S=${HS_ASAN_LOAD_S:-20}
SCHEME=https
[ "${HS_ASAN_TLS:-1}" = 0 ] && SCHEME=http
export HTTPSD=$ASAN_BUILD/httpsd

. "$(dirname "$0")/lib.sh"

hs_require_root
command -v wrk >/dev/null || hs_skip "wrk not installed"

# --- the sanitizer build (before hs_init: nothing to clean up yet) --------
t0=$SECONDS
if [ ! -f "$ASAN_BUILD/build.ninja" ]; then
	hs_log "configuring $ASAN_BUILD (address,undefined)"
	meson setup "$ASAN_BUILD" "$SRC" -Db_sanitize=address,undefined \
		-Db_lundef=false >"$MAIN_BUILD/asan-setup.log" 2>&1 ||
		hs_fatal "meson setup of $ASAN_BUILD failed: $(tail -5 "$MAIN_BUILD/asan-setup.log")"
fi
timeout 600 ninja -C "$ASAN_BUILD" httpsd >"$MAIN_BUILD/asan-build.log" 2>&1 ||
	hs_fatal "build of $HTTPSD failed: $(tail -20 "$MAIN_BUILD/asan-build.log")"
hs_log "sanitizer build ready in $((SECONDS - t0)) s"

export HS_EAL_MEM="--no-huge -m 512"
hs_init
hs_topo_up
case ${HS_ASAN_PORT:-af_packet} in
af_packet) ;;
hs_packet) HS_VDEV="net_hs_packet0,iface=$HS_SRV_IF" ;;
*) hs_fatal "HS_ASAN_PORT=$HS_ASAN_PORT: want af_packet or hs_packet" ;;
esac
hs_gen_cert
hs_docroot "$HS_TMP/www"
T=$HS_TMP

# Reports go to files (one per process) and stop the process at once.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:log_path=$T/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$T/ubsan"
# DPDK's EAL keeps some start-up allocations until exit: not ours.
printf 'leak:librte_\nleak:rte_eal_init\n' >"$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp:print_suppressions=0"

tel() { "$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" "$@"; }
info_val() { tel /httpsd/info | awk -v k="$1" '$1 == k {print $2; exit}'; }

HS_READY_TIMEOUT=60 start_httpsd --http-port-mode serve ||
	hs_fatal "httpsd (sanitizer build) did not start"

# Deterministic first: GETs whose head arrives before a reload and whose
# body after it (their responses are built from the old cache and held):
# each must answer with the old content, from memory still alive.
cat >"$T/held.py" <<'PY'
import os, socket, sys, time
host, port, go, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
conns = []
for _ in range(n):
    s = socket.create_connection((host, port), timeout=10)
    # keep-alive: with "Connection: close" the body would not be read
    s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n")
    conns.append(s)
print("ready", flush=True)
t0 = time.monotonic()
while not os.path.exists(go) and time.monotonic() - t0 < 20:
    time.sleep(0.05)
for s in conns:
    s.sendall(b"abcd")
for s in conns:
    data, body = b"", b"<none>"
    try:
        while len(data) < 1 << 20:
            if b"\r\n\r\n" in data:
                head, rest = data.split(b"\r\n\r\n", 1)
                cl = [l for l in head.split(b"\r\n")
                      if l.lower().startswith(b"content-length:")]
                if cl and len(rest) >= int(cl[0].split(b":")[1]):
                    body = rest[:int(cl[0].split(b":")[1])]
                    break
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError:
        pass
    s.close()
    sys.stdout.write(body.hex() + "\n")
PY
cp "$HS_ROOT/index.html" "$T/index.old"
cli "$HS_PY" "$T/held.py" "$HS_SRV_IP" 80 "$T/go" 4 >"$T/held.out" 2>"$T/held.err" &
held_pid=$!
for ((n = 0; n < 100; n++)); do
	grep -q ready "$T/held.out" 2>/dev/null && break
	sleep 0.1
done
sleep 0.3
printf '<!doctype html>\n<title>new</title>\n' >"$HS_ROOT/index.html"
kill -HUP "$HS_PID"
for ((n = 0; n < 100; n++)); do
	[ "$(info_val reload_ok)" = 1 ] && break
	sleep 0.1
done
# give the main lcore time to free what nothing holds
for ((n = 0; n < 20; n++)); do
	[ "$(info_val retired_pending)" = 0 ] && break
	sleep 0.1
done
hs_log "before the bodies: reload_ok $(info_val reload_ok), retired_pending $(info_val retired_pending)"
touch "$T/go"
wait "$held_pid"
old_hex=$(od -An -v -tx1 "$T/index.old" | tr -d ' \n')
check_eq "4 GETs with the body sent after a reload: the old content" \
	"$old_hex $old_hex $old_hex $old_hex" "$(grep -v ready "$T/held.out" | tr '\n' ' ' | sed 's/ $//')"
hups=1

# GET with a request body (RFC 9110 §9.3.1: read and discarded).
cat >"$T/body.lua" <<'LUA'
wrk.method = "GET"
wrk.body = string.rep("b", 3000)
LUA
cli timeout -k 5 $((LOAD_S + 30)) wrk -t1 -c8 -d"${LOAD_S}s" --timeout 10s \
	-s "$T/body.lua" "$SCHEME://$HS_SRV_IP/index.html" >"$T/wrk.body" 2>&1 &
wrk_body=$!
cli timeout -k 5 $((LOAD_S + 30)) wrk -t1 -c4 -d"${LOAD_S}s" --timeout 10s \
	"http://$HS_SRV_IP/big.bin" >"$T/wrk.plain" 2>&1 &
wrk_plain=$!

for ((i = 0; i < LOAD_S / 2; i++)); do
	sleep 2
	hs_alive "$HS_PID" || break
	printf '<!doctype html>\n<title>gen %d</title>\n<p>%s</p>\n' "$i" \
		"$(head -c 600 /dev/urandom | base64 -w0)" >"$HS_ROOT/index.html"
	kill -HUP "$HS_PID"
	hups=$((hups + 1))
done
wait "$wrk_body"
rc_body=$?
wait "$wrk_plain"
rc_plain=$?
hs_log "body ($SCHEME): $(grep -E 'requests in' "$T/wrk.body" | tr -s ' ')"
hs_log "plain: $(grep -E 'requests in' "$T/wrk.plain" | tr -s ' ')"

check "httpsd (sanitizer build) survived the load" hs_alive "$HS_PID"
for ((n = 0; n < 100; n++)); do
	[ "$(info_val reload_ok)" = "$hups" ] && break
	sleep 0.1
done
check_eq "every SIGHUP reloaded (reload_ok)" "$hups" "$(info_val reload_ok)"
check_eq "no reload failed" 0 "$(info_val reload_failed)"
check_eq "wrk ($SCHEME, GET with a body) exited 0" 0 "$rc_body"
check_eq "wrk (plain HTTP, 1 MiB zero-copy) exited 0" 0 "$rc_plain"
check_match "GETs with a body completed" '[1-9][0-9]* requests in' "$(cat "$T/wrk.body")"
check_match "1 MiB downloads completed" '[1-9][0-9]* requests in' "$(cat "$T/wrk.plain")"
check "no non-2xx responses" bash -c "! grep -q 'Non-2xx' '$T/wrk.body' '$T/wrk.plain'"
for ((n = 0; n < 50; n++)); do
	[ "$(info_val retired_pending)" = 0 ] && break
	sleep 0.1
done
check_eq "every retired generation freed after the load" 0 "$(info_val retired_pending)"
[ -n "$HS_PID" ] && stop_httpsd

reports=$(cat "$T"/asan.* "$T"/ubsan.* 2>/dev/null; grep -hE \
	'ERROR: (Address|Leak)Sanitizer|runtime error:' "$HS_OUT" "$HS_ERR" 2>/dev/null)
check_eq "no sanitizer report" "" "$(printf '%s' "$reports" | head -40)"

hs_finish
