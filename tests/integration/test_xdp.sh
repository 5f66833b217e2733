#!/usr/bin/env bash
# httpsd on a net_af_xdp port (an AF_XDP socket on the server end of the
# veth, the XDP program loaded by the PMD): HTTPS serves byte-exact under
# concurrent downloads, every frame the port sent reached the veth, no
# mbuf is lost, and telemetry names the port's driver.  Skipped only when
# scripts/port-pick --check finds no AF_XDP in the kernel or no net_af_xdp
# in DPDK; on a box that has both, a failure to start is a failure.
#
# The pool is small (--mbufs 8192) so the downloads cycle through all of
# it: the PMD registers the pool as its UMEM, and an mbuf lying outside
# the area it registers is refused by the kernel (its frame never leaves;
# hs_port_pool_create packs the pool so none does).
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
why=$(bash "$HS_SOURCE_DIR/scripts/port-pick" --check 2>&1) || hs_skip "$why"
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
HS_VDEV="net_af_xdp0,iface=$HS_SRV_IF"
start_httpsd --mbufs 8192 || hs_fatal "httpsd did not start on net_af_xdp"

info=$("$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /httpsd/info)
check_match "telemetry /httpsd/info: port_driver net_af_xdp" '^port_driver net_af_xdp$' "$info"
check_match "telemetry /httpsd/info: port_name net_af_xdp0" '^port_name net_af_xdp0$' "$info"
check_match "the XDP program is on the server end" 'prog/xdp|xdp' \
	"$(ip -n "$HS_SRV_NS" link show dev "$HS_SRV_IF")"

code=$(hcurl -o "$HS_TMP/index.got" -w '%{http_code}' "https://$HS_SRV_IP/")
check_eq "GET / over net_af_xdp: 200" 200 "$code"
code=$(cli curl -sS --max-time "$HS_CURL_TIME" -o /dev/null -w '%{http_code}' "http://$HS_SRV_IP/sub/")
check_eq "plain HTTP over net_af_xdp: 301" 301 "$code"

# 4 rounds of 8 concurrent 1 MiB downloads (bounded by count and curl's
# --max-time), each byte-exact.
want=$(sha256sum <"$HS_ROOT/big.bin")
bad=0
for round in 1 2 3 4; do
	pids=()
	for i in 1 2 3 4 5 6 7 8; do
		hcurl -o "$HS_TMP/big.$i" "https://$HS_SRV_IP/big.bin?r=$round" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
	for i in 1 2 3 4 5 6 7 8; do
		[ "$(sha256sum <"$HS_TMP/big.$i" 2>/dev/null)" = "$want" ] || bad=$((bad + 1))
		rm -f "$HS_TMP/big.$i"
	done
done
check_eq "32 concurrent 1 MiB downloads byte-exact" 0 "$bad"

# Every frame the port counted as sent went out of the veth (a frame the
# kernel refuses is counted by the PMD and never reaches the link).
sleep 0.5
ostats=$("$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /ethdev/stats,0 --json)
opk=$("$HS_PY" -c 'import json,sys; d = json.loads(sys.argv[1]); print(d.get("/ethdev/stats", d)["opackets"])' "$ostats")
vtx=$(ip -n "$HS_SRV_NS" -s -j link show dev "$HS_SRV_IF" |
	"$HS_PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])')
check_ge "the port sent frames" 1000 "$opk"
check_eq "frames sent by the port = frames out of the veth" "$opk" "$vtx"

stop_httpsd
check_match "exit log names the AF_XDP fill ring" 'AF_XDP socket on 1 queue' "$(cat "$HS_ERR")"
hs_finish
