#!/usr/bin/env bash
# Create or destroy the two-namespace test topology of httpsd.
#
#   scripts/topo.sh up NAME     create NAME-srv, NAME-cli and a veth pair
#   scripts/topo.sh down NAME   delete them (idempotent)
#
# Layout (see shared/GUIDE.md "This machine's network"):
#
#   netns NAME-srv                         netns NAME-cli
#   +------------------------+            +-------------------------+
#   | NAME-s  (no IP, no v6) |<--- veth ->| NAME-c  198.18.0.2/24   |
#   | httpsd on af_packet    |            | tx checksum offload off |
#   +------------------------+            +-------------------------+
#
# httpsd owns 198.18.0.1 on NAME-s in userspace; the kernel of NAME-srv has
# no address there so it never answers our traffic with RSTs.
#
# `up` prints shell assignments (eval-able):
#   HS_SRV_NS=NAME-srv HS_CLI_NS=NAME-cli HS_SRV_IF=NAME-s HS_CLI_IF=NAME-c
#   HS_SRV_IP=198.18.0.1 HS_CLI_IP=198.18.0.2
set -euo pipefail

SRV_IP=198.18.0.1
CLI_IP=198.18.0.2
PREFIX_LEN=24

usage() {
    cat <<EOF
usage: $0 up|down NAME
  up NAME    create netns NAME-srv and NAME-cli joined by veth NAME-s/NAME-c;
             NAME-c gets $CLI_IP/$PREFIX_LEN (tx checksum offload off, IPv6 off),
             NAME-s stays without an address (IPv6 off) for httpsd's af_packet
             port; prints HS_SRV_NS= HS_CLI_NS= HS_SRV_IF= HS_CLI_IF= lines
  down NAME  delete both namespaces (and so the veth pair); idempotent
NAME: 1-13 characters of [A-Za-z0-9_], unique per run (e.g. a prefix + PID).
Needs root, iproute2 and ethtool.
EOF
}

die() { printf 'topo: %s\n' "$*" >&2; exit 1; }

names() {
    SRV_NS="$1-srv"
    CLI_NS="$1-cli"
    SRV_IF="$1-s"
    CLI_IF="$1-c"
}

ns_exists() { [ -e "/run/netns/$1" ] || ip netns list | grep -qw -- "$1"; }

topo_down() {
    local ns
    for ns in "$SRV_NS" "$CLI_NS"; do
        if ns_exists "$ns"; then
            ip netns delete "$ns" 2>/dev/null || true
        fi
    done
    # The veth pair is created inside the namespaces, so it goes with them.
}

ns_sysctl() { ip netns exec "$1" sysctl -qw "$2" >/dev/null; }

topo_up() {
    ip netns add "$SRV_NS"
    ip netns add "$CLI_NS"
    ip link add "$SRV_IF" netns "$SRV_NS" type veth peer name "$CLI_IF" netns "$CLI_NS"

    # Server side: link up, no address, no IPv6 (no ND/RS noise on the port).
    ns_sysctl "$SRV_NS" net.ipv6.conf.all.disable_ipv6=1
    ns_sysctl "$SRV_NS" net.ipv6.conf.default.disable_ipv6=1
    ns_sysctl "$SRV_NS" "net.ipv6.conf.$SRV_IF.disable_ipv6=1"
    ip -n "$SRV_NS" link set lo up
    ip -n "$SRV_NS" link set "$SRV_IF" up

    # Client side: the address, full checksums in every frame (veth would
    # otherwise hand the server partial checksums), no IPv6.
    ns_sysctl "$CLI_NS" net.ipv6.conf.all.disable_ipv6=1
    ns_sysctl "$CLI_NS" net.ipv6.conf.default.disable_ipv6=1
    ns_sysctl "$CLI_NS" "net.ipv6.conf.$CLI_IF.disable_ipv6=1"
    ip netns exec "$CLI_NS" ethtool -K "$CLI_IF" tx off >/dev/null
    ip -n "$CLI_NS" addr add "$CLI_IP/$PREFIX_LEN" dev "$CLI_IF"
    ip -n "$CLI_NS" link set lo up
    ip -n "$CLI_NS" link set "$CLI_IF" up

    printf 'HS_SRV_NS=%s\nHS_CLI_NS=%s\nHS_SRV_IF=%s\nHS_CLI_IF=%s\nHS_SRV_IP=%s\nHS_CLI_IP=%s\n' \
        "$SRV_NS" "$CLI_NS" "$SRV_IF" "$CLI_IF" "$SRV_IP" "$CLI_IP"
}

case "${1:-}" in
-h|--help|help) usage; exit 0 ;;
up|down) ;;
*) usage >&2; exit 2 ;;
esac
[ $# -eq 2 ] || { usage >&2; exit 2; }
CMD=$1
NAME=$2
[[ $NAME =~ ^[A-Za-z0-9_]{1,13}$ ]] || die "bad NAME '$NAME': 1-13 characters of [A-Za-z0-9_]"
[ "$(id -u)" -eq 0 ] || die "must run as root"
names "$NAME"

on_exit_up() {
    local rc=$?
    [ "$rc" -eq 0 ] || topo_down
    exit "$rc"
}

if [ "$CMD" = up ]; then
    # Never touch a topology someone else owns.
    ns_exists "$SRV_NS" && die "netns $SRV_NS already exists (run: $0 down $NAME)"
    ns_exists "$CLI_NS" && die "netns $CLI_NS already exists (run: $0 down $NAME)"
    # Roll back a half-built topology of our own on any failure.
    trap on_exit_up EXIT
    topo_up
else
    topo_down
fi
