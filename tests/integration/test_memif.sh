#!/usr/bin/env bash
# bench/loadgen against httpsd over net_memif (httpsd the memif server,
# the load generator the client, both --no-huge, each on its own lcore):
# the load generator's TCP active open and wolfSSL client complete
#   - keep-alive GETs of 1 KiB on 4 connections,
#   - keep-alive GETs of 1 MiB on 8 connections through memif rings of
#     128 slots: the server's TX ring fills, frames wait in the lcore's
#     backlog (tx_backlog; TCP holds new data while it is high)
#     instead of being lost: no drop_tx_full, every body complete (a
#     tail loss probe may still fire when the load generator is
#     preempted for 10 ms),
#   - full handshakes (Connection: close, certificate verified),
#   - resumed handshakes (session tickets),
#   - a second load generator run on the ports the first one left in
#     TIME_WAIT on the server: every SYN reopens it (RFC 6191), none
#     waits a second for its retransmission,
#   - 1 MiB GETs at MTU 9000 (frames longer than the mbufs: chains),
# every response complete and none failed, and httpsd's telemetry counts
# the same work on a port whose driver is net_memif.  Bounded by request
# counts (--max-requests) with --duration as a cap.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

LOADGEN=${LOADGEN:-$HS_BUILD_DIR/bench/loadgen}
hs_require_root
[ -x "$LOADGEN" ] || hs_fatal "loadgen not built: $LOADGEN"
HS_EAL_MEM="--no-huge -m 512"
hs_init
# The load generator's DPDK runtime directory goes with the rest.
eval "orig_$(declare -f hs_cleanup)"
# shellcheck disable=SC2317 # the EXIT trap calls it
hs_cleanup() {
	local rc=$?
	rm -rf "/var/run/dpdk/${HS_PFX}g"
	(exit "$rc")
	orig_hs_cleanup
}
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
head -c 1024 /dev/urandom >"$HS_ROOT/1k.bin"
head -c 1048576 /dev/urandom >"$HS_ROOT/1m.bin"
SOCK=$HS_TMP/memif.sock
HS_LCORES=1
# Rings of 2^7 slots (rsize): a burst of 1 MiB responses fills them.
HS_VDEV="net_memif0,role=server,socket=$SOCK,socket-abstract=no,rsize=7"
start_httpsd --keepalive-requests 100000 || hs_fatal "httpsd did not start on net_memif"
info=$("$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /httpsd/info)
check_match "telemetry /httpsd/info: port_driver net_memif" '^port_driver net_memif$' "$info"

# loadgen NAME ARGS...: run it (client netns, lcore 0), output in $HS_TMP/NAME.
# LG_VDEV_X: more memif arguments (the MTU 9000 run's bsize).
LG_VDEV_X=
loadgen() {
	local name=$1
	shift
	cli timeout -k 5 60 "$LOADGEN" -l 0 --no-pci --no-huge -m 512 \
		--file-prefix "${HS_PFX}g" \
		"--vdev=net_memif0,role=client,socket=$SOCK,socket-abstract=no,rsize=7$LG_VDEV_X" -- \
		--addr 198.18.0.2/24 --server "$HS_SRV_IP" --ca "$HS_CERT" "$@" \
		>"$HS_TMP/$name" 2>"$HS_TMP/$name.err"
}
val() { awk -v k="$2" '$1 == k {print $2}' "$HS_TMP/$1"; }
# the load generator prints the counters of its own stack that moved
client_stat() { awk -v k="client_$2" '$1 == k {v = $2} END {print v + 0}' "$HS_TMP/$1"; }

req0=$(hs_stat http_req)
loadgen ka --mode ka --path /1k.bin --conns 4 --max-requests 2000 --duration 30
check_eq "loadgen ka: exit 0" 0 "$?"
check_ge "loadgen ka: 2000 responses" 2000 "$(val ka requests)"
check_eq "loadgen ka: no errors" 0 "$(val ka errors)"
check_eq "loadgen ka: 4 handshakes (keep-alive)" 4 "$(val ka handshakes)"
check_eq "loadgen ka: 1 KiB bodies" $(($(val ka requests) * 1024)) "$(val ka body_bytes)"
check_match "loadgen ka: latency percentiles" '^lat_p99_us [0-9.]+$' "$(cat "$HS_TMP/ka")"
check_ge "httpsd counted the keep-alive requests" $((req0 + $(val ka requests))) "$(hs_stat http_req)"

drop0=$(hs_stat drop_tx_full)
rxt0=$(hs_stat tcp_rexmt)
wait0=$(hs_stat tcp_tx_wait)
blog0=$(hs_stat tx_backlog)
zc0=$(hs_stat tcp_tx_zc_bytes)
cp0=$(hs_stat tcp_tx_copy_bytes)
rb0=$(hs_stat tls_rec_buf)
loadgen bulk --mode ka --path /1m.bin --conns 8 --max-requests 64 --duration 30
check_eq "loadgen 1 MiB: exit 0" 0 "$?"
check_ge "loadgen 1 MiB: 64 responses" 64 "$(val bulk requests)"
check_eq "loadgen 1 MiB: no errors" 0 "$(val bulk errors)"
check_ge "loadgen 1 MiB: every body complete" $(($(val bulk requests) * 1048576)) "$(val bulk body_bytes)"
check_ge "frames the full TX ring refused waited in the backlog (tx_backlog)" $((blog0 + 1)) "$(hs_stat tx_backlog)"
hs_log "TCP held new data back $(($(hs_stat tcp_tx_wait) - wait0)) times (tcp_tx_wait)"
check_eq "httpsd dropped no frame at the full TX ring" "$drop0" "$(hs_stat drop_tx_full)"
# memif copies every frame into its ring: payloads are copied into the
# header mbuf (lc->tx_copy), not chained as views of the send queue
check_eq "memif: no payload sent as views (tcp_tx_zc_bytes)" "$zc0" "$(hs_stat tcp_tx_zc_bytes)"
check_ge "memif: the 64 MiB of bodies copied into frames (tcp_tx_copy_bytes)" \
	$((cp0 + 64 * 1048576)) "$(hs_stat tcp_tx_copy_bytes)"
hs_log "httpsd retransmissions during the 1 MiB run: $(($(hs_stat tcp_rexmt) - rxt0)) (tail loss probes: a preempted client)"
# 16 KiB records sealed into record buffers (hs_transport.h), one mbuf
# each: 64 bodies of 64 such records at least; all given back once the
# data was acknowledged.
check_ge "1 MiB bodies: records sealed into record buffers (tls_rec_buf)" \
	$((rb0 + 64 * 63)) "$(hs_stat tls_rec_buf)"
info=$("$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /httpsd/info)
check_match "telemetry /httpsd/info: the record buffer pool" '^rec_bufs [1-9][0-9]*$' "$info"
check_match "every record buffer back in the pool after the run" '^rec_bufs_in_use 0$' "$info"

hs0=$(hs_stat tls_hs_ok)
# Four local ports for both runs: the second reuses what the first left
# in TIME_WAIT on the server.
PORTS=50000-50003
loadgen full --mode full --path /index.html --conns 4 --max-requests 40 --duration 30 --local-ports $PORTS
check_eq "loadgen full: exit 0" 0 "$?"
check_ge "loadgen full: 40 responses" 40 "$(val full requests)"
check_eq "loadgen full: no errors" 0 "$(val full errors)"
check_eq "loadgen full: no resumption" 0 "$(val full resumed)"
check_ge "loadgen full: one handshake per response" "$(val full requests)" "$(val full handshakes)"
check_ge "httpsd counted the handshakes" $((hs0 + 40)) "$(hs_stat tls_hs_ok)"

tw0=$(hs_stat tcp_tw_reuse)
paws0=$(hs_stat drop_tcp_paws)
loadgen resume --mode resume --path /index.html --conns 4 --max-requests 40 --duration 30 --local-ports $PORTS
check_eq "loadgen resume: exit 0" 0 "$?"
check_eq "loadgen resume: no errors" 0 "$(val resume errors)"
check_ge "loadgen resume: 30 of 40 handshakes resumed (4 slots start full)" 30 "$(val resume resumed)"
check_ge "httpsd counted resumptions" 30 "$(hs_stat tls_resumed)"
check_ge "the second run's SYNs reopened TIME_WAIT on the server (36 of 40)" \
	$((tw0 + 36)) "$(hs_stat tcp_tw_reuse)"
check_eq "no SYN of the second run refused as older (PAWS)" "$paws0" "$(hs_stat drop_tcp_paws)"
check_eq "loadgen resume: no SYN waited for a retransmission" 0 "$(client_stat resume tcp_rexmt)"

stop_httpsd

# Few record buffers (--tls-record-buffers 16) for eight 1 MiB responses
# at once: the records that find none free take chains of packet mbufs
# (tls_rec_buf_empty), every body still arrives whole, and every buffer
# of both pools comes back (stop_httpsd checks mbufs_in_use 0, which
# counts the record pool too).
start_httpsd --keepalive-requests 100000 --tls-record-buffers 16 ||
	hs_fatal "httpsd did not start on net_memif with --tls-record-buffers 16"
info=$("$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /httpsd/info)
check_match "--tls-record-buffers 16: 16 record buffers" '^rec_bufs 16$' "$info"
loadgen scarce --mode ka --path /1m.bin --conns 8 --max-requests 32 --duration 30
check_eq "few record buffers: loadgen exit 0" 0 "$?"
check_eq "few record buffers: no errors" 0 "$(val scarce errors)"
check_ge "few record buffers: every body complete" $((32 * 1048576)) "$(val scarce body_bytes)"
check_ge "records found the pool empty and took chains (tls_rec_buf_empty)" 1 "$(hs_stat tls_rec_buf_empty)"
check_ge "and the others took record buffers (tls_rec_buf)" 1 "$(hs_stat tls_rec_buf)"
info=$("$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /httpsd/info)
check_match "every record buffer back after the scarce run" '^rec_bufs_in_use 0$' "$info"
stop_httpsd

# --tls-record-buffers 0: no pool, every record a chain, as before.
start_httpsd --keepalive-requests 100000 --tls-record-buffers 0 ||
	hs_fatal "httpsd did not start on net_memif with --tls-record-buffers 0"
loadgen nopool --mode ka --path /1m.bin --conns 2 --max-requests 4 --duration 30
check_eq "no record buffers: no errors" 0 "$(val nopool errors)"
check_ge "no record buffers: every body complete" $((4 * 1048576)) "$(val nopool body_bytes)"
check_eq "no record buffers: none used (tls_rec_buf)" 0 "$(hs_stat tls_rec_buf)"
info=$("$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /httpsd/info)
check_eq "no record buffers: /httpsd/info has no rec_bufs" 0 "$(grep -c '^rec_bufs ' <<<"$info")"
stop_httpsd

# --mtu 9000 on both sides (memif slots of 9216 bytes; the 2 KiB packet
# mbufs cannot hold a frame): the server sends each 8960-byte segment as
# views of its send queue (the PMD copies from them), the load generator's stack takes the
# chains the port hands it as one segment per mbuf; 1 MiB bodies whole,
# no retransmission, no drop, every mbuf back.
# Without bsize (2048-byte memif buffers) --mtu 9000 is refused at start:
# exit 2, one line naming the option to add.
HS_VDEV="net_memif0,role=server,socket=$SOCK,socket-abstract=no,rsize=7"
hs_start_refused "--mtu 9000 on 2048-byte memif buffers" \
	'^httpsd: port 0: net_memif0 buffers of 2048 bytes cannot hold a frame of MTU 9000: add bsize=9014 to --vdev' \
	--mtu 9000
rm -f "$SOCK"
HS_VDEV="net_memif0,role=server,socket=$SOCK,socket-abstract=no,rsize=7,bsize=9216"
LG_VDEV_X=,bsize=9216
start_httpsd --keepalive-requests 100000 --mtu 9000 ||
	hs_fatal "httpsd did not start on net_memif with --mtu 9000"
tx0=$(hs_stat tx_tcp)
loadgen jumbo --mode ka --path /1m.bin --conns 4 --max-requests 32 --duration 30 --mtu 9000
check_eq "MTU 9000: loadgen exit 0" 0 "$?"
check_eq "MTU 9000: no errors" 0 "$(val jumbo errors)"
check_ge "MTU 9000: every body complete" $((32 * 1048576)) "$(val jumbo body_bytes)"
check_ge "MTU 9000: the client took chained frames in (tcp_rx_chain)" 3000 "$(client_stat jumbo tcp_rx_chain)"
check_ge "MTU 9000: segments of 8 KB and more (bytes per segment sent)" 8000 \
	$((($(hs_stat tcp_tx_copy_bytes) + $(hs_stat tcp_tx_zc_bytes)) / ($(hs_stat tx_tcp) - tx0)))
check_ge "MTU 9000: payloads longer than an mbuf went as views (tcp_tx_zc_bytes)" \
	$((30 * 1048576)) "$(hs_stat tcp_tx_zc_bytes)"
check_eq "MTU 9000: no retransmission" 0 "$(hs_stat tcp_rexmt)"
check_eq "MTU 9000: the client dropped nothing as short" 0 "$(client_stat jumbo drop_tcp_short)"
check_eq "MTU 9000: the client dropped no bad checksum" 0 "$(client_stat jumbo drop_tcp_csum)"
stop_httpsd
hs_finish
