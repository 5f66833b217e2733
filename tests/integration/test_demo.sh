#!/usr/bin/env bash
# scripts/demo.sh, non-interactive (DEMO_ONESHOT=1): it serves, fetches
# https://198.18.0.1/ successfully, stops httpsd cleanly, and leaves the
# machine as it found it (no namespaces, hugepage settings, DPDK files).
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
hs_init
DEMO=$HS_SOURCE_DIR/scripts/demo.sh
name=$(printf 'hd%d' "$$")

help=$(bash "$DEMO" --help)
check_eq "demo.sh --help exits 0" 0 "$?"
check_match "demo.sh --help documents DEMO_ONESHOT" 'DEMO_ONESHOT' "$help"

hugetlb_state() {
	printf '%s|' "$(cat /proc/sys/vm/nr_hugepages)"
	awk '$3 == "hugetlbfs" {print $2}' /proc/mounts | sort | tr '\n' ' '
}
netns_left() { ip netns list | awk '{print $1}' | grep -E "^$name-(srv|cli)\$"; }

before=$(hugetlb_state)
DEMO_ONESHOT=1 SKIP_DEPS=1 SKIP_BUILD=1 DEMO_NAME=$name HS_BUILD_DIR=$HS_BUILD_DIR \
	HTTPSD=$HTTPSD timeout -k 10 240 bash "$DEMO" >"$HS_TMP/demo.log" 2>&1
rc=$?
log=$(cat "$HS_TMP/demo.log")
hs_log "--- demo output"
cat "$HS_TMP/demo.log"
hs_log "--- end of demo output"

check_eq "DEMO_ONESHOT=1 demo.sh exits 0" 0 "$rc"
check_match "demo shows the 200 response headers" '^ *HTTP/1\.1 200' "$log"
check_match "demo shows the check passed" 'check passed' "$log"
check_match "demo shows httpsd's counters at exit" 'mbufs_in_use 0' "$log"
check_match "the demo's httpsd slept when idle, no busy polling (loop_sleeps)" \
	'loop_sleeps [1-9]' "$log"
# scripts/port-pick: net_hs_packet when this httpsd has it built in
if "$HTTPSD" --version | grep -q '^Built-in ports: net_hs_packet yes'; then
	check_match "demo runs on net_hs_packet (built in)" 'port: net_hs_packet0 on ' "$log"
else
	check_nomatch "demo does not pick net_hs_packet (not built in)" 'port: net_hs_packet' "$log"
fi
check_eq "no namespaces left behind" "" "$(netns_left)"
check_eq "hugepage settings and mounts restored" "$before" "$(hugetlb_state)"
check "no DPDK runtime dir left" test ! -e "/var/run/dpdk/$name"
check_eq "no hugepage files left" "" \
	"$(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts | while read -r m; do find "$m" -maxdepth 1 -name "${name}map_*"; done)"

# Belt and braces if the demo failed to clean up after itself.
[ -z "$(netns_left)" ] || bash "$HS_SOURCE_DIR/scripts/topo.sh" down "$name"
hs_finish
