#!/usr/bin/env bash
# httpsd on a net_tap port: the tap appears in the server namespace, whose
# kernel plays the client (198.18.0.2) - the set-up for boxes where
# af_packet is not wanted.  Shows that any DPDK port works, not only
# af_packet on a veth.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
TAP=${HS_NAME}t
HS_VDEV="net_tap0,iface=$TAP"
start_httpsd || hs_fatal "httpsd did not start on net_tap"

srv() { ip netns exec "$HS_SRV_NS" "$@"; }
srv ip addr add 198.18.0.2/24 dev "$TAP" || hs_fatal "cannot address $TAP"
srv ip link set "$TAP" up || hs_fatal "cannot bring $TAP up"
srv ethtool -K "$TAP" tx off >/dev/null 2>&1

code=$(srv curl -sS --max-time "$HS_CURL_TIME" --cacert "$HS_CERT" \
	-o "$HS_TMP/big.got" -w '%{http_code}' "https://$HS_SRV_IP/big.bin")
check_eq "GET /big.bin over net_tap: status" 200 "$code"
check "GET /big.bin over net_tap: byte-exact" cmp "$HS_ROOT/big.bin" "$HS_TMP/big.got"
code=$(srv curl -sS --max-time "$HS_CURL_TIME" -o /dev/null -w '%{http_code} %{redirect_url}' \
	"http://$HS_SRV_IP/sub/")
check_eq "plain HTTP over net_tap: 301 to https" "301 https://$HS_SRV_IP/sub/" "$code"
check_ge "telemetry: tls_hs_ok >= 1" 1 "$(hs_stat tls_hs_ok)"
# net_tap offers checksum offloads (computed and checked in the PMD, in
# software): httpsd turns them on, so the transfers above went out with
# checksums the port filled in and came in with its verdict.
info=$("$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /httpsd/info)
check_match "telemetry: port_driver net_tap" '^port_driver net_tap$' "$info"
check_match "telemetry: TX checksum offloads on" '^port_tx_offloads .*IPV4_CKSUM.*TCP_CKSUM' "$info"
check_match "telemetry: RX checksum offloads on" '^port_rx_offloads .*IPV4_CKSUM.*TCP_CKSUM' "$info"
check_eq "no TCP checksum drops" 0 "$(hs_stat drop_tcp_csum)"

stop_httpsd
hs_finish
