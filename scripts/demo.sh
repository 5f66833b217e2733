#!/usr/bin/env bash
# httpsd demo: from a fresh Debian 12 box (as root) to an HTTPS answer.
#
#   scripts/demo.sh          install deps, build, serve, fetch, wait for Ctrl-C
#   scripts/demo.sh --help
#
# Steps: scripts/deps.sh; meson setup + ninja; 256 x 2 MiB hugepages if
# possible (else EAL --no-huge -m 512); two network namespaces joined by a
# veth pair (scripts/topo.sh); a self-signed certificate (scripts/gen-cert.sh);
# httpsd on the server end of the veth via our net_hs_packet port when
# built in, else DPDK's net_af_xdp when the box can run it, else
# net_af_packet (scripts/port-pick), serving
# scripts/www on 198.18.0.1; curl https://198.18.0.1/ from the client
# namespace. Ctrl-C stops httpsd (SIGTERM; it prints its counters) and
# undoes everything: namespaces, hugepage settings, temp files.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${HS_BUILD_DIR:-$TOP/build}
NAME=${DEMO_NAME:-$(printf 'demo%d' "$$")}
SRV_IP=198.18.0.1
HUGE_WANT=256			# 2 MiB pages = 512 MiB
READY_TIMEOUT=30		# seconds
STOP_TIMEOUT=20			# seconds

usage() {
	cat <<EOF
usage: $0 [--help]

Builds httpsd and runs it between two network namespaces, fetches
https://$SRV_IP/ with curl, then keeps serving until Ctrl-C. Needs root
and Debian 12. Everything it changes (namespaces, hugepages, hugetlbfs
mount, temp files) is undone on exit.

Environment:
  DEMO_ONESHOT=1   exit right after the curl check (status = the check)
  SKIP_DEPS=1      do not run scripts/deps.sh
  SKIP_BUILD=1     do not run meson/ninja (use the existing build)
  DEMO_NO_HUGE=1   never touch hugepages; run EAL with --no-huge -m 512
  DEMO_ROOT=DIR    serve DIR instead of scripts/www
  DEMO_IDLE_SLEEP=US  httpsd --idle-sleep (default 50: an idle demo does
                   not keep a CPU busy; 0 = busy polling, as on a
                   dedicated core)
  DEMO_NAME=NAME   topology / EAL file-prefix name (default demo<PID>)
  HS_BUILD_DIR=DIR build directory (default: build)
  HTTPSD=PATH      the httpsd binary (default: the build directory's httpsd)
  HS_PORT=af_xdp|af_packet|hs_packet  force the port (default: hs_packet
                   when built in, else af_xdp when it works, with a fall
                   back to af_packet; scripts/port-pick)
EOF
}

case "${1:-}" in
-h|--help) usage; exit 0 ;;
"") ;;
*) usage >&2; exit 2 ;;
esac

if [ -t 1 ] && [ "${CI:-}" != true ]; then BOLD=$'\033[1m' OFF=$'\033[0m'; else BOLD="" OFF=""; fi
say() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$OFF"; }
info() { printf '    %s\n' "$*"; }
die() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (namespaces, af_packet, hugepages)"

# --- state undone by cleanup ------------------------------------------------
T=""			# temp dir: cert, logs
PID=""			# httpsd
REAPED_RC=""		# its exit status once waited for
TOPO=0			# namespaces created
HP_OLD=""		# nr_hugepages before we raised it
HP_MOUNTED=""		# hugetlbfs mount point we created
HP_MKDIR=""		# directory we created for it
HUGE_DIR=""
STOP_OK=1

alive() {
	local st
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# shellcheck disable=SC2317 # called from the EXIT trap
stop_httpsd() {
	local i rc
	[ -n "$PID" ] || return 0
	if [ -n "$REAPED_RC" ]; then
		rc=$REAPED_RC	# already exited (e.g. Ctrl-C reached it too)
	else
		say "stopping httpsd (SIGTERM)"
		kill -TERM "$PID" 2>/dev/null || true
		for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
			alive "$PID" || break
			sleep 0.1
		done
		if alive "$PID"; then
			info "httpsd did not stop in ${STOP_TIMEOUT}s: SIGKILL"
			kill -KILL "$PID" 2>/dev/null || true
		fi
		rc=0
		wait "$PID" 2>/dev/null || rc=$?
	fi
	PID=""
	info "httpsd exit status: $rc"
	info "counters:"
	grep -E '^[a-z][a-z0-9_]* [0-9]+$' "$T/httpsd.out" | sed 's/^/      /' || true
	if [ "$rc" -ne 0 ] || ! grep -qx 'mbufs_in_use 0' "$T/httpsd.out"; then
		info "httpsd did not stop cleanly (want exit 0 and mbufs_in_use 0)"
		STOP_OK=0
	fi
}

undo_hugepages() {
	local mnt
	if [ -n "$HUGE_DIR" ]; then
		rm -f "$HUGE_DIR/${NAME}map_"* 2>/dev/null || true
	fi
	if [ -n "$HP_OLD" ]; then
		echo "$HP_OLD" >/proc/sys/vm/nr_hugepages || true
		info "nr_hugepages restored to $HP_OLD"
		HP_OLD=""
	fi
	if [ -n "$HP_MOUNTED" ]; then
		mnt=$HP_MOUNTED
		HP_MOUNTED=""
		if umount "$mnt"; then
			info "unmounted hugetlbfs from $mnt"
		fi
	fi
	if [ -n "$HP_MKDIR" ]; then
		rmdir "$HP_MKDIR" 2>/dev/null || true
		HP_MKDIR=""
	fi
	HUGE_DIR=""
}

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	stop_httpsd
	[ "$STOP_OK" = 1 ] || { [ "$rc" -ne 0 ] || rc=1; }
	say "cleaning up"
	if [ "$TOPO" = 1 ]; then
		bash "$TOP/scripts/topo.sh" down "$NAME" && info "namespaces $NAME-srv, $NAME-cli deleted"
	fi
	undo_hugepages
	rm -rf "/var/run/dpdk/$NAME"
	[ -z "$T" ] || rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- hugepages ----------------------------------------------------------------
# 0: HUGE_DIR is a hugetlbfs mount with >= HUGE_WANT free 2 MiB pages.
setup_hugepages() {
	local free size
	[ "${DEMO_NO_HUGE:-0}" != 1 ] || return 1
	[ -w /proc/sys/vm/nr_hugepages ] || return 1
	grep -qw hugetlbfs /proc/filesystems || return 1
	size=$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo)
	[ "$size" = 2048 ] || return 1
	HUGE_DIR=$(awk '$3 == "hugetlbfs" {print $2; exit}' /proc/mounts)
	if [ -z "$HUGE_DIR" ]; then
		HUGE_DIR=/dev/hugepages
		if [ ! -d "$HUGE_DIR" ]; then
			mkdir "$HUGE_DIR" || return 1
			HP_MKDIR=$HUGE_DIR
		fi
		mount -t hugetlbfs nodev "$HUGE_DIR" || return 1
		HP_MOUNTED=$HUGE_DIR
		info "mounted hugetlbfs on $HUGE_DIR"
	fi
	free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	if [ "$free" -lt "$HUGE_WANT" ]; then
		HP_OLD=$(cat /proc/sys/vm/nr_hugepages)
		echo $((HP_OLD + HUGE_WANT - free)) >/proc/sys/vm/nr_hugepages || return 1
		info "nr_hugepages $HP_OLD -> $(cat /proc/sys/vm/nr_hugepages)"
		free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
		[ "$free" -ge "$HUGE_WANT" ] || return 1
	fi
	return 0
}

# --- 1. dependencies and build --------------------------------------------------
if [ "${SKIP_DEPS:-0}" != 1 ]; then
	say "installing dependencies (scripts/deps.sh)"
	bash "$TOP/scripts/deps.sh"
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
	say "building httpsd"
	[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" "$TOP"
	ninja -C "$BUILD"
fi
HTTPSD=${HTTPSD:-$BUILD/httpsd}
[ -x "$HTTPSD" ] || die "$HTTPSD not found (build it: ninja -C $BUILD)"
"$HTTPSD" --version 2>&1 | sed 's/^/    /' || die "$HTTPSD --version failed"

T=$(mktemp -d /tmp/httpsd-demo.XXXXXX)

# --- 2. memory ------------------------------------------------------------------
say "memory for DPDK"
if setup_hugepages; then
	MEM=(--huge-dir "$HUGE_DIR")
	info "using 2 MiB hugepages in $HUGE_DIR"
else
	undo_hugepages
	MEM=(--no-huge -m 512)
	info "no hugepages: EAL runs with --no-huge -m 512"
fi

# --- 3. network -----------------------------------------------------------------
say "network namespaces (scripts/topo.sh up $NAME)"
TOPO=1
VARS=$(bash "$TOP/scripts/topo.sh" up "$NAME") || { TOPO=0; die "topology setup failed"; }
SRV_NS=$(sed -n 's/^HS_SRV_NS=//p' <<<"$VARS")
CLI_NS=$(sed -n 's/^HS_CLI_NS=//p' <<<"$VARS")
SRV_IF=$(sed -n 's/^HS_SRV_IF=//p' <<<"$VARS")
CLI_IF=$(sed -n 's/^HS_CLI_IF=//p' <<<"$VARS")
info "server netns $SRV_NS: $SRV_IF (no kernel address; httpsd is $SRV_IP)"
info "client netns $CLI_NS: $CLI_IF 198.18.0.2/24"

# --- 4. certificate -------------------------------------------------------------
say "self-signed certificate (scripts/gen-cert.sh)"
bash "$TOP/scripts/gen-cert.sh" "$T/pki" localhost
CERT=$T/pki/cert.pem
info "$CERT (SAN IP:$SRV_IP, DNS:localhost)"

# --- 5. httpsd ------------------------------------------------------------------
ROOT=${DEMO_ROOT:-$TOP/scripts/www}
if [ ! -f "$ROOT/index.html" ]; then
	info "$ROOT/index.html missing: serving a one-page docroot instead"
	ROOT=$T/www
	mkdir -p "$ROOT"
	printf '<!doctype html>\n<title>httpsd</title>\n<h1>Hello from httpsd</h1>\n' >"$ROOT/index.html"
fi
# The port: net_hs_packet when httpsd has it built in (TSO through the
# kernel: a tenth of net_af_packet's server cycles per 1 MiB response),
# else net_af_xdp when this box can run it, else net_af_packet
# (scripts/port-pick; HS_PORT=af_packet|af_xdp|hs_packet forces one).  If
# httpsd does not get ready on net_hs_packet or net_af_xdp, the demo falls
# back to net_af_packet.
# --idle-sleep: the demo runs on someone's own machine, waiting for
# Ctrl-C: sleep (on net_hs_packet, wait on the socket) when idle instead
# of busy polling a CPU.
APP=(--addr "$SRV_IP/24" --cert "$CERT" --key "$T/pki/key.pem" --root "$ROOT"
	--idle-sleep "${DEMO_IDLE_SLEEP:-50}")
# start_httpsd VDEV: 0 once httpsd printed "ready", else 1 (PID cleared).
start_httpsd() {
	local eal=(-l 0 --no-pci --file-prefix "$NAME" "--vdev=$1" "${MEM[@]}") i
	say "starting httpsd in $SRV_NS on ${1%%,*}"
	info "ip netns exec $SRV_NS $HTTPSD ${eal[*]} -- ${APP[*]}"
	ip netns exec "$SRV_NS" "$HTTPSD" "${eal[@]}" -- "${APP[@]}" \
		>"$T/httpsd.out" 2>"$T/httpsd.err" &
	PID=$!
	for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
		grep -q '^httpsd: ready' "$T/httpsd.out" && return 0
		alive "$PID" || break
		sleep 0.1
	done
	kill -KILL "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	PID=""
	return 1
}
VDEV=$(HTTPSD=$HTTPSD bash "$TOP/scripts/port-pick" "$SRV_IF" 2>"$T/port-pick") || die "scripts/port-pick failed"
info "$(cat "$T/port-pick")"
ready=0
if start_httpsd "$VDEV"; then
	ready=1
elif [[ $VDEV == net_af_xdp* || $VDEV == net_hs_packet* ]] && [ -z "${HS_PORT:-}" ]; then
	info "httpsd did not get ready on ${VDEV%%0,*}; its stderr:"
	tail -n 5 "$T/httpsd.err" | sed 's/^/      /'
	info "falling back to net_af_packet"
	ip -n "$SRV_NS" link set dev "$SRV_IF" xdp off 2>/dev/null || true
	rm -rf "/var/run/dpdk/$NAME"
	VDEV=net_af_packet0,iface=$SRV_IF
	start_httpsd "$VDEV" && ready=1
fi
if [ "$ready" != 1 ]; then
	printf 'demo: httpsd did not get ready; its stderr:\n' >&2
	tail -n 20 "$T/httpsd.err" >&2
	die "httpsd failed to start (stdout: $(tail -n 3 "$T/httpsd.out" | tr '\n' ' '))"
fi
info "port: ${VDEV%%,*} on $SRV_IF"
info "$(grep -m1 '^httpsd: ready' "$T/httpsd.out")"

# --- 6. first request -----------------------------------------------------------
say "curl https://$SRV_IP/ from $CLI_NS"
ok=0
code=$(ip netns exec "$CLI_NS" curl -sS --max-time 10 --cacert "$CERT" \
	-D "$T/hdr" -o "$T/body" -w '%{http_code}' "https://$SRV_IP/") || true
if [ "$code" = 200 ]; then
	ok=1
	tr -d '\r' <"$T/hdr" | sed 's/^/    /'
	info "--- first 300 bytes of the body:"
	head -c 300 "$T/body" | sed 's/^/    /'
	echo
	info "--- check passed: HTTP $code over TLS, certificate verified"
else
	info "--- check FAILED: HTTP status '$code'"
fi

if [ "${DEMO_ONESHOT:-0}" = 1 ]; then
	[ "$ok" = 1 ] && exit 0
	exit 1
fi

say "httpsd is serving https://$SRV_IP/ ; try it by hand (as root, in another terminal):"
cat <<EOF
    ip netns exec $CLI_NS curl -v --cacert $CERT https://$SRV_IP/
    ip netns exec $CLI_NS curl --cacert $CERT https://$SRV_IP/ https://$SRV_IP/ -w '%{num_connects}\\n' -o /dev/null -o /dev/null
    ip netns exec $CLI_NS curl -i http://$SRV_IP/      # 301 to https
    ip netns exec $CLI_NS openssl s_client -brief -connect $SRV_IP:443 -CAfile $CERT </dev/null
    /usr/bin/python3 $TOP/tests/integration/hs_telemetry.py /var/run/dpdk/$NAME/dpdk_telemetry.v2 /httpsd/stats
    ip netns exec $CLI_NS bash     # a shell in the client namespace

Press Ctrl-C to stop httpsd and clean up.
EOF
# A Ctrl-C in the terminal reaches httpsd as well as this script: either
# our INT trap runs (cleanup stops httpsd) or httpsd exits first.
rc=0
wait "$PID" || rc=$?
REAPED_RC=$rc
say "httpsd exited (status $rc)"
[ "$rc" -eq 0 ] || die "httpsd failed; stderr: $(tail -n 5 "$T/httpsd.err" | tr '\n' ' ')"
