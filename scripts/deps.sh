#!/usr/bin/env bash
# Install everything httpsd needs on Debian 12 (run as root).
#   - Debian packages by name (apt-get)
#   - our tuned wolfSSL, built from Debian's source package (with Debian's
#     security patches applied) into a project-local prefix: .deps/wolfssl
#     Falls back to Debian's libwolfssl-dev with a loud warning.
# Idempotent: re-running skips what is already there.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
PREFIX="$TOP/.deps/wolfssl"
STAMP="$PREFIX/.httpsd-tuned"

# Configure flags of the tuned build; recorded next to the library and
# printed by `httpsd --version`.
WOLFSSL_FLAGS="--enable-tls13 --enable-intelasm --enable-aesni --enable-sp=yes
 --enable-sp-asm --enable-curve25519 --enable-ed25519 --enable-session-ticket
 --enable-sni --enable-alpn --enable-earlydata --enable-cryptocb --enable-certgen
 --enable-keygen --enable-opensslextra --enable-ocspstapling --enable-aesgcm
 --enable-ecc --enable-supportedcurves --enable-secure-renegotiation=no
 --disable-oldtls --enable-static --disable-shared --disable-examples
 --disable-crypttests --disable-benchmark --enable-atomicuser
 --disable-hashdrbg
 CFLAGS=-fPIC CPPFLAGS=-DHAVE_SECRET_CALLBACK"

# Our patches to Debian's source (scripts/wolfssl-patches/*.patch, applied
# in name order with patch -p1 after Debian's own); each is described in
# its header.
PATCH_DIR="$TOP/scripts/wolfssl-patches"

# The stamp records what the build was made from: configure flags and
# patches (name + sha256).  Any difference rebuilds .deps/wolfssl.
want_stamp() {
    # shellcheck disable=SC2116,SC2086  # echo collapses the flags' whitespace
    printf 'flags=%s\n' "$(echo $WOLFSSL_FLAGS)"
    local p
    for p in "$PATCH_DIR"/*.patch; do
        [ -f "$p" ] || continue
        printf 'patch=%s %s\n' "$(basename "$p")" "$(sha256sum < "$p" | cut -c1-16)"
    done
}

PKGS="build-essential pkg-config meson ninja-build libdpdk-dev dpdk dpdk-dev
 libwolfssl-dev libipsec-mb-dev libbenchmark-dev libnuma-dev libpcap-dev
 curl openssl iproute2 ethtool wrk nghttp2-client gnutls-bin procps
 python3 python3-scapy dpkg-dev autoconf automake libtool clang
 libclang-rt-14-dev xxd shellcheck testssl.sh slowhttptest
 tcpdump chromium libnss3-tools gdb nginx-light"

log() { printf 'deps: %s\n' "$*" >&2; }

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    log "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # nginx-light is the bench's (and tests/bench's) baseline, run in our
    # namespaces only: keep the package from starting a system nginx.
    rcd=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        rcd=/usr/sbin/policy-rc.d
    fi
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
        [ -z "$rcd" ] || rm -f "$rcd"; exit 1; }
    [ -z "$rcd" ] || rm -f "$rcd"
fi

# source_download PKG[=VERSION] DIR: Debian's source package into DIR,
# through deb-src lists of its own there (the system's apt sources and
# lists are left as they are).
source_download() {
    local T=$2
    mkdir -p "$T/lists/partial"
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$T/src.sources"
    local O=(-o Dir::Etc::SourceList="$T/src.sources" -o Dir::Etc::SourceParts=/nonexistent
             -o Dir::State::Lists="$T/lists")
    apt-get "${O[@]}" update -qq >/dev/null 2>&1 || return 1
    (cd "$T" && apt-get "${O[@]}" source --download-only "$1" >/dev/null 2>&1)
}

build_wolfssl() {
    local T; T=$(mktemp -d /tmp/httpsd-wolfssl.XXXXXX)
    trap 'rm -rf "$T"' RETURN
    # What this build is made from, taken before the patches are applied:
    # a patch edited during the build must not be recorded as built.
    local stamp; stamp=$(want_stamp)
    source_download wolfssl "$T" || return 1
    (cd "$T" && dpkg-source -x wolfssl_*.dsc src >/dev/null) || return 1
    local p
    for p in "$PATCH_DIR"/*.patch; do
        [ -f "$p" ] || continue
        log "applying $(basename "$p")"
        patch -d "$T/src" -p1 --forward --quiet < "$p" || return 1
    done
    local v; v=$(cd "$T/src" && dpkg-parsechangelog -S Version)
    log "building tuned wolfSSL $v (about 2 minutes)"
    # shellcheck disable=SC2086  # WOLFSSL_FLAGS: one word per flag
    (cd "$T/src" && ./autogen.sh >/dev/null 2>&1 &&
        ./configure -q --prefix="$PREFIX" $WOLFSSL_FLAGS >"$T/configure.log" 2>&1 &&
        make -j"$(nproc)" >"$T/make.log" 2>&1 && make install >/dev/null 2>&1) || {
        tail -20 "$T/configure.log" "$T/make.log" 2>/dev/null >&2; return 1; }
    printf 'version=%s\n%s\n' "$v" "$stamp" > "$STAMP"
}

# DPDK's driver headers (ethdev_driver.h, ethdev_vdev.h, bus_vdev_driver.h
# and what they include), which libdpdk-dev does not ship, from Debian's
# dpdk source package of the very version installed: the net_hs_packet
# port (dataplane/hs_port_pkt.c) is a driver.  Without them the build
# leaves that port out.
DPDK_DRV="$TOP/.deps/dpdk-driver"
fetch_dpdk_headers() {
    local v; v=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null) || return 1
    [ -f "$DPDK_DRV/.version" ] && [ "$(cat "$DPDK_DRV/.version")" = "$v" ] && return 0
    local T; T=$(mktemp -d /tmp/httpsd-dpdk.XXXXXX)
    trap 'rm -rf "$T"' RETURN
    source_download "dpdk=$v" "$T" || return 1
    (cd "$T" && tar -xJf dpdk_*.orig.tar.xz --wildcards --no-anchored \
        'lib/ethdev/ethdev_driver.h' 'lib/ethdev/ethdev_vdev.h' \
        'drivers/bus/vdev/bus_vdev_driver.h' 'lib/eal/include/bus_driver.h' \
        'lib/eal/include/dev_driver.h') || return 1
    rm -rf "$DPDK_DRV"; mkdir -p "$DPDK_DRV"
    find "$T" -name '*.h' -exec cp {} "$DPDK_DRV/" \;
    printf '%s\n' "$v" > "$DPDK_DRV/.version"
    log "DPDK $v driver headers in .deps/dpdk-driver"
}
fetch_dpdk_headers || log "WARNING: no DPDK driver headers: the build leaves net_hs_packet out"

# Rebuild when the stamp is missing or records other flags or patches.
# A .deps that is a symbolic link is a copy shared with other checkouts:
# never delete it from here, say so (rebuild it where it really lives).
if [ -f "$STAMP" ] && [ "$(tail -n +2 "$STAMP")" != "$(want_stamp)" ]; then
    if [ -L "$TOP/.deps" ]; then
        log "WARNING: $TOP/.deps (shared, a link to $(readlink -f "$TOP/.deps")) was built"
        log "WARNING: with other wolfSSL flags or patches: rebuild it there (scripts/deps.sh)"
    else
        log "wolfSSL flags or patches changed: rebuilding .deps/wolfssl"
        rm -rf "$PREFIX"
    fi
fi
if [ ! -f "$STAMP" ]; then
    if ! build_wolfssl; then
        rm -rf "$PREFIX"
        cat >&2 <<'W'
deps: ************************************************************************
deps: WARNING: could not build the tuned wolfSSL from Debian's source package.
deps: WARNING: falling back to Debian's libwolfssl-dev: no AES-NI, no assembly,
deps: WARNING: handshakes about 2x slower. `httpsd --version` will say "fallback".
deps: ************************************************************************
W
    fi
fi
log "ok"
