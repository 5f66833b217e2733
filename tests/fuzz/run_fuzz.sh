#!/usr/bin/env bash
# run_fuzz.sh - build the libFuzzer targets with clang (ASan + UBSan)
# outside the main gcc build, and run each for a bounded time over the
# checked-in seed corpus.  Fails on any crash, leak or invariant failure;
# exits 77 (meson: skipped) when clang or libFuzzer is unavailable.
#
#   tests/fuzz/run_fuzz.sh [SOURCE_ROOT [OUT_DIR]]
# Environment: HS_FUZZ_TIME seconds per target (default 20),
#              HS_FUZZ_TARGETS (default "parse chunked conn server"), of:
#   parse chunked conn   HTTP request parser, chunked bodies, connections
#   tls_hello            TLS first flight: hold + ClientHello reassembly,
#                        SNI, 0-RTT anti-replay sniffer
#   tls_sess             the same through a whole hs_tls session (site
#                        choice, --sni-strict, wolfSSL behind it)
#   tls_rec              the record layer's open path (hs_tls_rec.c): records
#                        split into segments, tampered, truncated, raw
#   tkeys                session ticket key file (--ticket-keys)
#   conf                 configuration file (--config, hs_conf.c)
#   server               http/hs_server.c over tests/http/hs_srv_fake.c,
#                        reloads between and inside requests
#   tcp                  the packet path: Ethernet .. TCP (dataplane/)
# server and tcp need DPDK (pkg-config libdpdk): skipped without it.
# scripts/fuzz runs them all for longer.
set -uo pipefail

TOP=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${2:-$(mktemp -d "${TMPDIR:-/tmp}/hs_fuzz_build.XXXXXX")}
TIME=${HS_FUZZ_TIME:-20}
TARGETS=${HS_FUZZ_TARGETS:-parse chunked conn server}
CLANG=
for c in clang clang-16 clang-15 clang-14; do
	if command -v "$c" >/dev/null 2>&1; then CLANG=$c; break; fi
done
if [ -z "$CLANG" ]; then
	echo "run_fuzz: clang not found: skipped"
	exit 77
fi
mkdir -p "$OUT"
# libFuzzer present?
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){return 0;}\n' \
	> "$OUT/probe.c"
if ! "$CLANG" -fsanitize=fuzzer "$OUT/probe.c" -o "$OUT/probe" 2>/dev/null; then
	echo "run_fuzz: $CLANG has no libFuzzer: skipped"
	exit 77
fi

CFLAGS=(-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-I"$TOP/http" -I"$TOP/dataplane" -I"$TOP/app")
HTTP_SRCS=("$TOP/http/hs_http_parse.c" "$TOP/http/hs_http_files.c" "$TOP/http/hs_http.c"
	"$TOP/http/hs_http_resp.c"
	"$TOP/http/hs_log.c" "$TOP/http/hs_http_sink.c")
# fuzz_tkeys includes hs_tls_ticket.c itself (its loader is static)
TLS_CORE=("$TOP/tls/hs_tls.c" "$TOP/tls/hs_tls_ctx.c" "$TOP/tls/hs_tls_keycheck.c" "$TOP/tls/hs_tls_sni.c")
TLS_SRCS=("$TOP/tls/hs_tls_crypto.c" "$TOP/tls/hs_tls_mtls.c" "$TOP/tls/hs_tls_ocsp.c"
	"$TOP/tls/hs_tls_early.c" "$TOP/tls/hs_tls_scache.c" "$TOP/tls/hs_tls_hello.c"
	"$TOP/tls/hs_tls_rec.c" "$TOP/tls/hs_tls_own.c" "$TOP/tls/hs_tls_xkey.c")
TLS_FLAGS=(-I"$TOP/tls" -DHS_WOLFSSL_DESC='"fuzz"' -DHS_WOLFSSL_TUNED=0
	-DHS_WOLFSSL_HALF_RTT=0)
# hs_http_sink.c hashes with wolfCrypt: the tuned build, else Debian's
if [ -e "$TOP/.deps/wolfssl/lib/libwolfssl.a" ]; then
	CFLAGS+=(-I"$TOP/.deps/wolfssl/include")
	# it takes its random blocks from tls/hs_tls_rand.c
	LIBS=("$TOP/tls/hs_tls_rand.c" "$TOP/.deps/wolfssl/lib/libwolfssl.a" -lm -lpthread)
else
	LIBS=(-lwolfssl)
fi
# The packet path (fuzz_tcp): Ethernet .. TCP over DPDK mbufs.
DP=$TOP/dataplane
DP_SRCS=("$DP/hs_eth.c" "$DP/hs_arp.c" "$DP/hs_ipv4.c" "$DP/hs_icmp.c"
	"$DP/hs_lcore.c" "$DP/hs_port.c" "$DP/hs_port_memif.c" "$DP/hs_stats.c" "$DP/hs_rcu.c"
	"$DP/hs_reload.c" "$DP/hs_conf.c" "$DP/hs_impair.c" "$DP/hs_tcp_conn.c"
	"$DP/hs_tcp_in.c" "$DP/hs_tcp_out.c" "$DP/hs_tcp_timer.c" "$DP/hs_tcp_cc.c"
	"$DP/hs_tcp_sack.c" "$DP/hs_tcp_cookie.c" "$DP/hs_tcp_mem.c"
	"$DP/hs_tcp_connect.c")
fail=0
for t in $TARGETS; do
	t_cflags=("${CFLAGS[@]}") t_srcs=("${HTTP_SRCS[@]}") t_libs=("${LIBS[@]}")
	if [ "$t" = server ] || [ "$t" = tcp ]; then
		if ! pkg-config --exists libdpdk; then
			echo "run_fuzz: no libdpdk: fuzz_$t skipped"
			continue
		fi
	fi
	case $t in
	tls_hello) t_srcs=("$TOP/tls/hs_tls_hello.c" "$TOP/tls/hs_tls_early.c")
		t_cflags+=(-I"$TOP/tls") ;;
	tls_rec) t_srcs=("$TOP/tls/hs_tls_rec.c" "$TOP/tls/hs_tls_crypto.c" "$TOP/tls/hs_tls_xkey.c")
		t_cflags+=(-I"$TOP/tls" -DHS_HAVE_IPSECMB=1)
		t_libs=(-lIPSec_MB "${LIBS[@]}") ;;
	tkeys) t_srcs=("${TLS_CORE[@]}" "${TLS_SRCS[@]}"); t_cflags+=("${TLS_FLAGS[@]}") ;;
	tls_sess) t_srcs=("${TLS_CORE[@]}" "$TOP/tls/hs_tls_ticket.c" "${TLS_SRCS[@]}")
		t_cflags+=("${TLS_FLAGS[@]}")
		# the session's certificate: P-256, CN localhost
		if [ ! -s "$OUT/fz_cert.pem" ]; then
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
				-nodes -subj /CN=localhost -days 2 \
				-keyout "$OUT/fz_key.pem" -out "$OUT/fz_cert.pem" \
				>/dev/null 2>&1 || echo "run_fuzz: openssl req failed"
		fi
		export HS_FUZZ_CERT=$OUT/fz_cert.pem HS_FUZZ_KEY=$OUT/fz_key.pem ;;
	conf) t_srcs=("$TOP/dataplane/hs_conf.c") ;;
	server)
		# shellcheck disable=SC2207 # pkg-config output is word lists
		t_cflags+=(-I"$TOP/tls" -I"$TOP/tests/http" $(pkg-config --cflags libdpdk))
		t_srcs+=("$TOP/http/hs_server.c" "$TOP/http/hs_server_zc.c" "$TOP/http/hs_transport.c" "$TOP/tests/http/hs_srv_fake.c")
		# shellcheck disable=SC2207
		t_libs=($(pkg-config --libs libdpdk) "${LIBS[@]}") ;;
	tcp)
		# shellcheck disable=SC2207
		t_cflags=(-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
			-march=native -fsanitize=fuzzer,address,undefined
			-fno-sanitize-recover=all -I"$DP" -I"$TOP/app"
			-I"$TOP/tests/support" $(pkg-config --cflags libdpdk))
		# chained frames built as in test_tcp (hs_cap_chain)
		t_srcs=("${DP_SRCS[@]}" "$TOP/tests/support/hs_ipv4_capture.c")
		# shellcheck disable=SC2207
		t_libs=($(pkg-config --libs libdpdk) -lm) ;;
	esac
	echo "run_fuzz: building fuzz_$t with $CLANG"
	if ! "$CLANG" "${t_cflags[@]}" "${t_srcs[@]}" "$TOP/tests/fuzz/fuzz_$t.c" \
		"${t_libs[@]}" -o "$OUT/fuzz_$t"; then
		echo "run_fuzz: build of fuzz_$t FAILED"
		fail=1
		continue
	fi
	# new units go to a scratch dir: the checked-in corpus stays as is
	mkdir -p "$OUT/new_$t" "$OUT/art_$t"
	echo "run_fuzz: running fuzz_$t for ${TIME}s"
	if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	     "$OUT/fuzz_$t" -max_total_time="$TIME" -rss_limit_mb=1024 \
		-timeout=10 -max_len=16384 -print_final_stats=1 \
		-artifact_prefix="$OUT/art_$t/" \
		"$OUT/new_$t" "$TOP/tests/fuzz/corpus/$t" > "$OUT/fuzz_$t.log" 2>&1; then
		echo "run_fuzz: fuzz_$t FAILED; artifacts in $OUT/art_$t:"
		ls "$OUT/art_$t"
		tail -n 60 "$OUT/fuzz_$t.log"
		fail=1
	else
		grep -E "stat::number_of_executed_units|cov:" "$OUT/fuzz_$t.log" | tail -n 2
		echo "run_fuzz: fuzz_$t ok"
	fi
done
exit $fail
