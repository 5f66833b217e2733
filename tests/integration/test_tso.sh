#!/usr/bin/env bash
# TSO: httpsd sends new data in frames of up to 64 KB that the port cuts
# into segments.  HS_TSO_PORT picks the port:
#   tap (default)  net_tap: the PMD cuts our frames in software, with
#                  librte_gso (NICs do it in hardware).  The tap appears in
#                  the server namespace, whose kernel plays the client
#                  (198.18.0.2), as in test_tap.sh.
#   hs_packet      net_hs_packet on the veth (dataplane/hs_port_pkt.c):
#                  each frame goes to the kernel whole, with a virtio-net
#                  header asking for segmentation and the TCP checksum;
#                  the client is the kernel in the client namespace.
#   - with --impair (loss, reorder, duplication on what httpsd receives
#     and sends, seeded; a lost TSO frame loses all of its segments):
#     HTTPS downloads of 1 MiB and 16 MiB and a plain-HTTP 16 MiB one
#     (bodies by reference to the file cache) byte-exact (sha256); HTTPS
#     uploads of 1 MiB and 16 MiB to --upload-sink answered with their
#     sha256 and length
#   - telemetry: tso on, TSO frames sent (tcp_tso_sends) carrying several
#     segments each (tcp_tso_segs), impairment and retransmissions
#     counted, no frame refused by the port (tx drops)
#   - afterwards no connection is left and no mbuf is in use
#   - on a clean link the frames are large: 8 segments or more on
#     average, nine tenths of all segments in TSO frames
#   - with --tso off the same port sends single segments (tcp_tso_sends
#     stays 0, telemetry says tso off) and the download is byte-exact
#   - net_hs_packet: an unknown interface or a bad qpairs= is refused
#     (exit 2) with the driver's reason; with the client's veth
#     offloads on, its 64 KB GSO aggregates with partial checksums are
#     received whole and a 16 MiB upload is byte-exact; with TSO off on
#     the server's veth the kernel cuts our frames (a 16 MiB download
#     byte-exact, nothing dropped); with --idle-sleep an idle lcore waits
#     on the socket (loop_waits; few wake-ups) and the next request wakes
#     it; also while it holds an idle keep-alive TLS connection, whose
#     next request is answered and whose idle timer closes it on time;
#     at MTU 9000 (frames longer than an mbuf: chains) 16 MiB down and
#     up byte-exact, with and without the client's GSO aggregates
#   - net_tap: --mtu 9000 refused (exit 2; the PMD takes 1522-byte frames)
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

IMPAIR=${HS_TSO_IMPAIR:-loss=2,reorder=2,dup=1,seed=1515}
T_SMALL=60	# seconds per 1 MiB transfer
T_BIG=120	# seconds per 16 MiB transfer

hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
T=$HS_TMP
head -c $((16 << 20)) /dev/urandom >"$HS_ROOT/mid.bin"
cp "$HS_ROOT/big.bin" "$T/up1.bin"
head -c $((16 << 20)) /dev/urandom >"$T/up16.bin"
TAP=${HS_NAME}t
PORT=${HS_TSO_PORT:-tap}

srv() { ip netns exec "$HS_SRV_NS" "$@"; }
case $PORT in
tap)
	DRIVER=net_tap
	HS_VDEV="net_tap0,iface=$TAP"
	cli() { srv "$@"; }
	# The kernel removes a stopped httpsd's tap after the process is
	# gone: a restart must wait for it, or the new tap (same name)
	# vanishes with it.
	tap_gone() {
		local i
		for ((i = 0; i < 100; i++)); do	# bounded: 10 s
			srv ip link show "$TAP" >/dev/null 2>&1 || return 0
			sleep 0.1
		done
		hs_fatal "$TAP still there 10 s after httpsd stopped"
	}
	tap_up() {
		srv ip addr add 198.18.0.2/24 dev "$TAP" || hs_fatal "cannot address $TAP"
		srv ip link set "$TAP" up || hs_fatal "cannot bring $TAP up"
		srv ethtool -K "$TAP" tx off >/dev/null 2>&1
	}
	;;
hs_packet)
	DRIVER=net_hs_packet
	HS_VDEV="net_hs_packet0,iface=$HS_SRV_IF"
	cli() { ip netns exec "$HS_CLI_NS" "$@"; }
	tap_gone() { :; }
	tap_up() { :; }
	;;
*) hs_fatal "HS_TSO_PORT=$PORT: want tap or hs_packet" ;;
esac
info() { "$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /httpsd/info; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }
want_digest() { printf 'sha256=%s bytes=%s' "$(sha "$1")" "$(stat -c %s "$1")"; }
# get URL SECONDS OUT: prints the status code
get() {
	cli curl -sS --max-time "$2" --cacert "$HS_CERT" -o "$3" -w '%{http_code}' "$1"
}
# put FILE SECONDS: the sink's answer
put() {
	cli curl -sS --max-time "$2" --cacert "$HS_CERT" --data-binary "@$1" \
		-H 'Content-Type: application/octet-stream' "https://$HS_SRV_IP/upload"
}
# down DESC URL FILE SECONDS: byte-exact download
down() {
	local code
	code=$(get "$2" "$4" "$T/dl")
	check_eq "$1: status" 200 "$code"
	check_eq "$1: sha256" "$(sha "$HS_ROOT/$3")" "$(sha "$T/dl" 2>/dev/null)"
	rm -f "$T/dl"
}

# --- net_hs_packet: bad --vdev arguments --------------------------------------------
if [ "$PORT" = hs_packet ]; then
	for a in "iface=${HS_NAME}nx:no interface ${HS_NAME}nx" \
		"iface=$HS_SRV_IF,qpairs=0:want iface=IF (one) and qpairs=1..16" \
		"qpairs=1:want iface=IF (one)"; do
		timeout -k 5 20 ip netns exec "$HS_SRV_NS" "$HTTPSD" -l 0 --no-pci \
			--file-prefix "$HS_PFX" "--vdev=net_hs_packet0,${a%%:*}" \
			"${HS_EAL_MEM_ARGS[@]}" -- --addr "$HS_SRV_IP/24" --cert "$HS_CERT" \
			--key "$HS_KEY" --root "$HS_ROOT" >"$T/bad.out" 2>"$T/bad.err"
		check_eq "--vdev net_hs_packet0,${a%%:*}: exit status 2" 2 "$?"
		check "--vdev net_hs_packet0,${a%%:*}: the driver says why" \
			grep -qF "net_hs_packet0: ${a#*:}" "$T/bad.err"
	done
fi

# --- TSO on, lossy link ------------------------------------------------------------
start_httpsd --impair "$IMPAIR" --upload-sink /upload --max-body $((16 << 20)) \
	--http-port-mode serve --tcp-rto-min 20 || hs_fatal "httpsd did not start on $DRIVER"
tap_up
inf=$(info)
check_match "telemetry: port_driver $DRIVER" "^port_driver $DRIVER\$" "$inf"
check_match "telemetry: TSO enabled on the port" '^port_tx_offloads .*TCP_TSO' "$inf"
check_match "telemetry: tso on" '^tso on$' "$inf"
check_match "telemetry: tx_checksum_offload on" '^tx_checksum_offload on$' "$inf"
check_match "telemetry: rx_checksum_offload on" '^rx_checksum_offload on$' "$inf"

down "lossy HTTPS GET 1 MiB" "https://$HS_SRV_IP/big.bin" big.bin "$T_SMALL"
down "lossy HTTPS GET 16 MiB" "https://$HS_SRV_IP/mid.bin" mid.bin "$T_BIG"
down "lossy plain HTTP GET 16 MiB" "http://$HS_SRV_IP/mid.bin" mid.bin "$T_BIG"
check_eq "lossy HTTPS upload 1 MiB: digest and length" "$(want_digest "$T/up1.bin")" \
	"$(put "$T/up1.bin" "$T_SMALL")"
check_eq "lossy HTTPS upload 16 MiB: digest and length" "$(want_digest "$T/up16.bin")" \
	"$(put "$T/up16.bin" "$T_BIG")"

hs_wait_stat_eq tcp_conn_open 0 20
check_eq "no connection left open" 0 "$(hs_stat tcp_conn_open)"
hs_stats >"$T/stats"
ctr() { awk -v n="$1" '$1 == n {print $2; exit}' "$T/stats"; }
hs_log "counters: $(grep -E '^(tcp_tso_|tx_tcp|tcp_rexmt|tcp_sack_recovery|tcp_rack_lost|impair_tx_loss|impair_rx_loss|tx_drop|drop_tx)' "$T/stats" | tr '\n' ' ')"
sends=$(ctr tcp_tso_sends)
segs=$(ctr tcp_tso_segs)
check_ge "TSO frames sent (tcp_tso_sends)" 100 "${sends:-0}"
check_ge "TSO frames carry two segments or more (tcp_tso_segs >= 2 x sends)" \
	$((2 * ${sends:-1})) "${segs:-0}"
check_ge "TSO frames carry a third of all segments sent, losses and recovery included" \
	"$(ctr tx_tcp)" $((3 * ${segs:-0}))
check_ge "impair_tx_loss counted" 1 "$(ctr impair_tx_loss)"
check_ge "impair_rx_loss counted" 1 "$(ctr impair_rx_loss)"
check_ge "impair_tx_reorder counted" 1 "$(ctr impair_tx_reorder)"
check_ge "losses repaired by retransmission" 1 "$(ctr tcp_rexmt)"
# every frame the port took (a refused TSO frame would be counted here)
while read -r c v; do
	check_eq "no frame refused by the port ($c)" 0 "$v"
done < <(awk '$1 ~ /^(drop_tx|tx_drop)/' "$T/stats")
oerr=$("$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /ethdev/stats,0 --json |
	"$HS_PY" -c 'import json,sys; d = json.load(sys.stdin); print(d.get("/ethdev/stats", d)["oerrors"])')
check_eq "$DRIVER TX errors (oerrors): none" 0 "${oerr:-missing}"
stop_httpsd	# exit 0 and mbufs_in_use 0
tap_gone

# --- TSO on, clean link: large frames ------------------------------------------------
start_httpsd --upload-sink /upload --max-body $((16 << 20)) || hs_fatal "httpsd did not restart"
tap_up
down "HTTPS GET 16 MiB" "https://$HS_SRV_IP/mid.bin" mid.bin "$T_BIG"
sends=$(hs_stat tcp_tso_sends)
segs=$(hs_stat tcp_tso_segs)
hs_log "clean link: $sends TSO frames, $segs segments, $(hs_stat tx_tcp) segments in all"
check_ge "clean link: 16 MiB in TSO frames of 8 segments or more on average" \
	$((8 * ${sends:-1000000})) "$segs"
check_ge "clean link: TSO frames carry nearly everything (9/10 of the segments)" \
	$(($(hs_stat tx_tcp) * 9 / 10)) "$segs"
if [ "$PORT" = hs_packet ]; then
	# The client's kernel now sends GSO aggregates of up to 64 KB with
	# partial checksums (veth passes them whole): net_hs_packet receives
	# them into mbuf chains marked checksum-good.
	ip netns exec "$HS_CLI_NS" ethtool -K "$HS_CLI_IF" tx on tso on gso on >/dev/null 2>&1 ||
		hs_fatal "cannot turn offloads on on $HS_CLI_IF"
	check_eq "client GSO aggregates: HTTPS upload 16 MiB: digest and length" \
		"$(want_digest "$T/up16.bin")" "$(put "$T/up16.bin" "$T_BIG")"
	xs=$("$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /ethdev/xstats,0 --json)
	xget() { "$HS_PY" -c 'import json,sys; d = json.loads(sys.argv[1]); print(d.get("/ethdev/xstats", d).get(sys.argv[2], "missing"))' "$xs" "$1"; }
	hs_log "xstats: rx_aggregates $(xget rx_aggregates) rx_truncated $(xget rx_truncated) tx_tso_frames $(xget tx_tso_frames)"
	check_ge "client GSO aggregates received whole (rx_aggregates)" 50 "$(xget rx_aggregates)"
	check_eq "no frame too long for the driver (rx_truncated)" 0 "$(xget rx_truncated)"
	check_ge "TSO frames counted by the driver (tx_tso_frames)" "$sends" "$(xget tx_tso_frames)"
	ip netns exec "$HS_CLI_NS" ethtool -K "$HS_CLI_IF" tx off >/dev/null 2>&1
	# A device without TSO (the server's veth with tso/gso off, as a
	# NIC without it): the kernel's GSO cuts our frames in software.
	srv ethtool -K "$HS_SRV_IF" tso off gso off >/dev/null 2>&1 ||
		hs_fatal "cannot turn TSO off on $HS_SRV_IF"
	txp() { srv cat "/sys/class/net/$HS_SRV_IF/statistics/tx_packets"; }
	txd() { srv cat "/sys/class/net/$HS_SRV_IF/statistics/tx_dropped"; }
	p0=$(txp) d0=$(txd) s0=$(hs_stat tcp_tso_sends)
	down "veth without TSO: HTTPS GET 16 MiB" "https://$HS_SRV_IP/mid.bin" mid.bin "$T_BIG"
	check_ge "veth without TSO: httpsd still sends TSO frames" $((s0 + 100)) "$(hs_stat tcp_tso_sends)"
	check_ge "veth without TSO: the kernel sent them as segments (tx_packets)" \
		$((p0 + 11000)) "$(txp)"
	check_eq "veth without TSO: none dropped by the kernel (tx_dropped)" "$d0" "$(txd)"
	srv ethtool -K "$HS_SRV_IF" tso on gso on >/dev/null 2>&1
fi
stop_httpsd
tap_gone

# --- TSO off -------------------------------------------------------------------------
start_httpsd --tso off || hs_fatal "httpsd did not start with --tso off"
tap_up
inf=$(info)
check_match "--tso off: telemetry says tso off" '^tso off$' "$inf"
check_nomatch "--tso off: TSO not enabled on the port" '^port_tx_offloads .*TCP_TSO' "$inf"
down "--tso off: HTTPS GET 16 MiB" "https://$HS_SRV_IP/mid.bin" mid.bin "$T_BIG"
check_eq "--tso off: no TSO frame" 0 "$(hs_stat tcp_tso_sends)"
check_ge "--tso off: segments sent one by one" 11000 "$(hs_stat tx_tcp)"
stop_httpsd
# --- net_hs_packet: an idle lcore waits on the socket ---------------------------------
if [ "$PORT" = hs_packet ]; then
	start_httpsd --idle-sleep 50 || hs_fatal "httpsd did not start with --idle-sleep 50"
	down "--idle-sleep 50: HTTPS GET 1 MiB" "https://$HS_SRV_IP/big.bin" big.bin "$T_SMALL"
	hs_wait_stat_eq tcp_conn_open 0 20
	sleep 1	# the last timers (delayed ACK, ...) run out
	# 50 µs naps would be about 40000 wake-ups in 2 s
	hs_idle_check "idle" 2 1000
	down "after idling: HTTPS GET 1 MiB (the first frame wakes it)" \
		"https://$HS_SRV_IP/big.bin" big.bin "$T_SMALL"
	stop_httpsd

	# An idle keep-alive TLS connection arms its idle timer: the lcore
	# still waits on the socket (until that timer's tick), a second
	# request on the connection is answered, and the timer fires on
	# time (--keepalive-timeout 3: the server's FIN 3 s after it).
	start_httpsd --idle-sleep 50 --keepalive-timeout 3 ||
		hs_fatal "httpsd did not start with --keepalive-timeout 3"
	cli timeout 30 "$HS_PY" - "$HS_SRV_IP" >"$T/ka_idle" 2>&1 <<'PY' &
import socket, ssl, sys, time
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection((sys.argv[1], 443), 10))
def get():
    s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(4096)
    head, body = buf.split(b"\r\n\r\n", 1)
    n = int([l.split(b":")[1] for l in head.split(b"\r\n")
             if l.lower().startswith(b"content-length")][0])
    while len(body) < n:
        body += s.recv(4096)
    return head.split(b"\r\n")[0].decode()
print("first", get(), flush=True)
time.sleep(2.5)
print("second", get(), flush=True)
t0 = time.monotonic()
s.settimeout(10)
try:
    r = s.recv(1)
except (ssl.SSLError, OSError):
    r = b""
print("closed_after %.1f" % (time.monotonic() - t0), flush=True)
PY
	ka_pid=$!
	for ((n = 0; n < 50; n++)); do
		grep -q '^first' "$T/ka_idle" && break
		sleep 0.1
	done
	sleep 0.5	# the exchange's own timers (delayed ACK ...) run out
	hs_idle_check "idle keep-alive connection" 1.5 1000
	wait "$ka_pid"
	check_match "idle keep-alive connection: both requests answered" \
		'first HTTP/1.1 200.*second HTTP/1.1 200' "$(tr '\n' ' ' <"$T/ka_idle")"
	check_match "idle keep-alive connection: closed by its idle timer on time (3 s)" \
		'^closed_after (2\.[89]|3\.[0-9])$' "$(grep closed_after "$T/ka_idle")"
	stop_httpsd
fi

# --- Jumbo frames --------------------------------------------------------------------
# httpsd --mtu 9000 (its 2 KiB mbufs cannot hold a frame).
# net_hs_packet (both veth ends at MTU 9000): received frames longer than
# an mbuf, and the client's aggregates cut at their 8948-byte gso_size,
# come in as chains, taken in by TCP as one segment per mbuf
# (tcp_rx_chain); downloads and uploads byte-exact, no bad checksum.
# net_tap (DPDK 22.11: frames of at most 1522 bytes): refused at start,
# exit 2, naming the MTU.
if [ "$PORT" = hs_packet ]; then
	srv ip link set dev "$HS_SRV_IF" mtu 9000
	cli ip link set dev "$HS_CLI_IF" mtu 9000
	start_httpsd --mtu 9000 --upload-sink /upload --max-body $((16 << 20)) ||
		hs_fatal "httpsd did not start with --mtu 9000"
	down "MTU 9000: HTTPS GET 16 MiB" "https://$HS_SRV_IP/mid.bin" mid.bin "$T_BIG"
	check_eq "MTU 9000, client frames of up to 9000 bytes: HTTPS upload 16 MiB: digest and length" \
		"$(want_digest "$T/up16.bin")" "$(put "$T/up16.bin" "$T_BIG")"
	ip netns exec "$HS_CLI_NS" ethtool -K "$HS_CLI_IF" tx on tso on gso on >/dev/null 2>&1
	check_eq "MTU 9000, client GSO aggregates: HTTPS upload 16 MiB: digest and length" \
		"$(want_digest "$T/up16.bin")" "$(put "$T/up16.bin" "$T_BIG")"
	ip netns exec "$HS_CLI_NS" ethtool -K "$HS_CLI_IF" tx off >/dev/null 2>&1
	xs=$("$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /ethdev/xstats,0 --json)
	check_eq "MTU 9000: no frame truncated (rx_truncated)" 0 "$(xget rx_truncated)"
	check_ge "MTU 9000: frames longer than an mbuf taken in as chains (tcp_rx_chain)" \
		1000 "$(hs_stat tcp_rx_chain)"
	check_eq "MTU 9000: no bad checksum" 0 "$(hs_stat drop_tcp_csum)"
	stop_httpsd
	srv ip link set dev "$HS_SRV_IF" mtu 1500
	cli ip link set dev "$HS_CLI_IF" mtu 1500
else
	hs_start_refused "net_tap --mtu 9000" '^httpsd: port 0: cannot set MTU 9000' --mtu 9000
	tap_gone
fi
hs_finish
