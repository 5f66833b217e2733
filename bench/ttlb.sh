#!/usr/bin/env bash
# bench/ttlb.sh - body transfer time over a long path, httpsd against nginx
# (kernel TCP + OpenSSL) behind the same bench/linkem path in one run.
#
#   bench/ttlb.sh [--rtt MS] [--loss PCT] [--rate MBIT] [--buffer SIZE]
#                 [--count N] [--sizes "200k 2m"] [--pcap DIR] [--cc NAME]
#                 [--servers "httpsd nginx"] [-- HTTPSD_OPTS...]
#
#   netns T-c (client 198.18.2.2, curl)  <- veth ->  netns T-k (bench/linkem,
#   RTT/2 each way)  <- veth ->  netns T-s (httpsd on af_packet owning
#   198.18.2.1, then nginx on the kernel's 198.18.2.1: same interface).
#
# For each server and size: N fresh connections (curl, TLS 1.3, one GET
# each), time from the first response byte to the last body byte
# (curl's time_total - time_starttransfer).  Prints one line per server and
# size with the best and the median of N in seconds and in path RTTs, then
# the ratio httpsd / nginx of the best times.  --pcap DIR keeps a capture
# (client side, headers only) of the last connection per server and size.
# --rate MBIT and --buffer SIZE (Np packets or bytes, k/m suffixes) add
# linkem's bottleneck (bench/linkem --help); --cc NAME (default cubic,
# "" for the namespace's default, which is the root namespace's) is the
# congestion control of curl and nginx, set per socket by bench/tcpcc.c.
# scripts/bench --only paths is the matrix of such paths.
# Needs root, build/httpsd, build/bench/linkem, curl, nginx-light.  Bounded:
# every curl has --max-time, linkem --max-seconds, the whole run a timeout.
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${HS_BUILD_DIR:-$SRC/build}
HTTPSD=${HTTPSD:-$BUILD/httpsd}
LINKEM=${LINKEM:-$BUILD/bench/linkem}
RTT=40
LOSS=0
COUNT=5
SIZES="200k 2m"
PCAP=""
RATE=0
BUFFER=""
CC=cubic
SERVERS="httpsd nginx"
SRV_CORE=1
CLI_CORE=0

usage() {
	sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--rtt) RTT=$2; shift 2 ;;
	--loss) LOSS=$2; shift 2 ;;
	--count) COUNT=$2; shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	--pcap) PCAP=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--buffer) BUFFER=$2; shift 2 ;;
	--cc) CC=$2; shift 2 ;;
	--servers) SERVERS=$2; shift 2 ;;
	--) shift; break ;;
	-h|--help) usage ;;
	*) echo "ttlb: unknown option $1" >&2; usage ;;
	esac
done
HS_EXTRA=("$@")
if ! [[ $RTT =~ ^[0-9]+$ ]] || [ "$RTT" -lt 1 ] || [ "$RTT" -gt 1000 ]; then
	echo "ttlb: --rtt 1..1000" >&2; exit 2
fi
if ! [[ $COUNT =~ ^[0-9]+$ ]] || [ "$COUNT" -lt 1 ] || [ "$COUNT" -gt 50 ]; then
	echo "ttlb: --count 1..50" >&2; exit 2
fi
[ "$(id -u)" = 0 ] || { echo "ttlb: needs root" >&2; exit 2; }
for b in "$HTTPSD" "$LINKEM"; do
	[ -x "$b" ] || { echo "ttlb: no $b (ninja -C $BUILD)" >&2; exit 2; }
done

log() { printf 'ttlb: %s\n' "$*" >&2; }
N=$(printf 'tl%d' "$$" | cut -c1-9)
PFX=${N}dp
LK_PFX=${N}lk
CLI_IP=198.18.2.2
SRV_IP=198.18.2.1
TMP=$(mktemp -d /tmp/httpsd-ttlb.XXXXXX)
HS_PID="" NGX_PID="" LK_PID=""

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
stop_pid() {
	local i
	alive "$1" || return 0
	kill -TERM "$1" 2>/dev/null
	for ((i = 0; i < 100; i++)); do alive "$1" || break; sleep 0.1; done
	alive "$1" && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
cleanup() {
	local ns pid
	trap - EXIT INT TERM
	stop_pid "$HS_PID"; stop_pid "$NGX_PID"
	[ -n "$LK_PID" ] && kill -INT "$LK_PID" 2>/dev/null; stop_pid "$LK_PID"
	for ns in "$N-c" "$N-k" "$N-s"; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		ip netns delete "$ns" 2>/dev/null
	done
	rm -rf "/var/run/dpdk/$PFX" "/var/run/dpdk/$LK_PFX" "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- files, certificate, the congestion-control shim ---
cc -O2 -shared -fPIC -o "$TMP/tcpcc.so" "$SRC/bench/tcpcc.c" -ldl || exit 1
CCENV=()
[ -n "$CC" ] && CCENV=("HS_TCP_CC=$CC" "LD_PRELOAD=$TMP/tcpcc.so")
bash "$SRC/scripts/gen-cert.sh" "$TMP/pki" httpsd.test || exit 1
mkdir -p "$TMP/www"
for s in $SIZES; do
	case "$s" in
	*k) bytes=$((${s%k} * 1000)) ;;
	*m) bytes=$((${s%m} * 1000000)) ;;
	*) bytes=$s ;;
	esac
	head -c "$bytes" /dev/urandom >"$TMP/www/$s.bin"
done
chmod a+rx "$TMP"; chmod -R a+rX "$TMP/www"

# --- topology (as scripts/bench's rtt part) ---
for ns in c k s; do ip netns add "$N-$ns" || exit 1; done
ip link add "${N}c" netns "$N-c" type veth peer name "${N}k0" netns "$N-k" || exit 1
ip link add "${N}k1" netns "$N-k" type veth peer name "${N}s" netns "$N-s" || exit 1
for pair in "c ${N}c" "k ${N}k0" "k ${N}k1" "s ${N}s"; do
	read -r ns dev <<<"$pair"
	ip netns exec "$N-$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 "net.ipv6.conf.$dev.disable_ipv6=1" >/dev/null
	# linkem forwards whole frames: no partial checksums, no 64 KB segments.
	ip netns exec "$N-$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null 2>&1
	ip -n "$N-$ns" link set lo up
	ip -n "$N-$ns" link set "$dev" up
done
ip -n "$N-c" addr add "$CLI_IP/24" dev "${N}c"
# No ssthresh/RTT cached per destination from one connection to the next
# (the two servers share an address).
for ns in "$N-c" "$N-s"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_no_metrics_save=1
done

half=$(awk -v r="$RTT" 'BEGIN {printf "%g", r / 2}')
ip netns exec "$N-k" taskset -c "$CLI_CORE" "$LINKEM" --no-pci --no-huge -m 256 \
	--file-prefix "$LK_PFX" "--vdev=net_af_packet0,iface=${N}k0" \
	"--vdev=net_af_packet1,iface=${N}k1" -- --delay "$half" --loss "$LOSS" --seed 1 \
	--rate "$RATE" ${BUFFER:+--buffer "$BUFFER"} \
	--queue 16384 --max-seconds 900 >"$TMP/linkem.txt" 2>&1 &
LK_PID=$!
for ((i = 0; i < 200; i++)); do
	grep -q '^linkem: ready' "$TMP/linkem.txt" 2>/dev/null && break
	sleep 0.1
done
grep -q '^linkem: ready' "$TMP/linkem.txt" || { log "linkem did not start"; cat "$TMP/linkem.txt" >&2; exit 1; }
log "path: RTT $RTT ms, loss $LOSS %, rate ${RATE} Mbit/s (0: none), buffer ${BUFFER:-default}; client and nginx congestion control: ${CC:-namespace default}"

# fetch SERVER SIZE: COUNT connections; prints "best median" seconds.
fetch() {
	local srv=$1 s=$2 i t cap="" capf
	: >"$TMP/t"
	for ((i = 0; i < COUNT; i++)); do
		if [ -n "$PCAP" ] && [ "$i" = $((COUNT - 1)) ]; then
			capf=$PCAP/$srv-$s-rtt$RTT-loss$LOSS.pcap
			ip netns exec "$N-c" timeout 60 dumpcap -q -i "${N}c" -s 96 -w "$capf" \
				-f 'tcp port 443' >/dev/null 2>&1 &
			cap=$!
			sleep 1
		fi
		t=$(ip netns exec "$N-c" env "${CCENV[@]}" taskset -c "$CLI_CORE" curl -sk --http1.1 --tlsv1.3 \
			--max-time $((RTT * 200 / 1000 + 20)) -o /dev/null \
			-w '%{http_code} %{size_download} %{time_starttransfer} %{time_total}\n' \
			"https://$SRV_IP/$s.bin")
		read -r code sz tfb tot <<<"$t"
		if [ "$code" = 200 ] && [ "$sz" = "$(stat -c %s "$TMP/www/$s.bin")" ]; then
			awk -v a="$tfb" -v b="$tot" 'BEGIN {printf "%.4f\n", b - a}' >>"$TMP/t"
		else
			log "$srv $s: curl '$t'"
		fi
		if [ -n "$cap" ]; then
			sleep 0.5; kill -INT "$cap" 2>/dev/null; wait "$cap" 2>/dev/null; cap=""
		fi
		sleep 0.2
	done
	tr "\n" " " <"$TMP/t" | sed "s/^/ttlb: samples $srv $s: /" >&2; echo >&2
	sort -g "$TMP/t" | awk '{v[NR] = $1} END {if (NR) printf "%s %s %d\n", v[1], v[int((NR + 1) / 2)], NR; else print "nan nan 0"}'
}

declare -A BEST
run_server() {
	local srv=$1 s
	ip netns exec "$N-c" curl -sk --max-time 5 -o /dev/null "https://$SRV_IP/${SIZES%% *}.bin"
	for s in $SIZES; do
		read -r best med n <<<"$(fetch "$srv" "$s")"
		BEST[$srv-$s]=$best
		printf '%-6s rtt %3d ms loss %s%%  %5s  best %.3f s (%.1f RTT)  median %.3f s  (%d ok)\n' \
			"$srv" "$RTT" "$LOSS" "$s" "$best" "$(awk -v b="$best" -v r="$RTT" 'BEGIN {print b * 1000 / r}')" \
			"$med" "$n"
	done
}

[ -n "$PCAP" ] && mkdir -p "$PCAP"
for srv in $SERVERS; do
	case "$srv" in
	httpsd)
		ip netns exec "$N-s" "$HTTPSD" -l "$SRV_CORE" --no-pci --file-prefix "$PFX" \
			"--vdev=net_af_packet0,iface=${N}s" --no-huge -m 512 -- \
			--addr "$SRV_IP/24" --cert "$TMP/pki/cert.pem" --key "$TMP/pki/key.pem" \
			--root "$TMP/www" --access-log off --idle-sleep 50 "${HS_EXTRA[@]}" \
			>"$TMP/httpsd.out" 2>&1 &
		HS_PID=$!
		for ((i = 0; i < 300; i++)); do
			grep -q '^httpsd: ready' "$TMP/httpsd.out" 2>/dev/null && break
			alive "$HS_PID" || break
			sleep 0.1
		done
		grep -q '^httpsd: ready' "$TMP/httpsd.out" || { log "httpsd did not start"; cat "$TMP/httpsd.out" >&2; exit 1; }
		run_server httpsd
		# congestion-control counters of the run (telemetry)
		/usr/bin/python3 "$SRC/tests/integration/hs_telemetry.py" \
			"/var/run/dpdk/$PFX/dpdk_telemetry.v2" /httpsd/stats 2>/dev/null |
			awk '/^tcp_(hystart|cwnd|rto|fast_rexmt|sack_rec|rexmt |tlp)/ {printf "%s=%s ", $1, $2} END {print ""}' |
			sed 's/^/httpsd counters: /' >&2
		stop_pid "$HS_PID"; HS_PID=""
		;;
	nginx)
		ip -n "$N-s" addr add "$SRV_IP/24" dev "${N}s"
		mkdir -p "$TMP/ngx/tmp"
		cat >"$TMP/ngx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process on;
pid $TMP/ngx/nginx.pid;
error_log $TMP/ngx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $TMP/ngx/tmp/body;
    proxy_temp_path $TMP/ngx/tmp/proxy;
    fastcgi_temp_path $TMP/ngx/tmp/fastcgi;
    uwsgi_temp_path $TMP/ngx/tmp/uwsgi;
    scgi_temp_path $TMP/ngx/tmp/scgi;
    default_type application/octet-stream;
    server {
        listen $SRV_IP:443 ssl;
        root $TMP/www;
        ssl_certificate $TMP/pki/cert.pem;
        ssl_certificate_key $TMP/pki/key.pem;
        ssl_protocols TLSv1.3;
        ssl_ecdh_curve X25519;
        ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
    }
}
EOF
		ip netns exec "$N-s" env "${CCENV[@]}" taskset -c "$SRV_CORE" nginx -c "$TMP/ngx/nginx.conf" \
			-e "$TMP/ngx/error.log" >"$TMP/ngx/out" 2>&1 &
		NGX_PID=$!
		sleep 1
		alive "$NGX_PID" || { log "nginx did not start"; cat "$TMP/ngx/out" "$TMP/ngx/error.log" >&2; exit 1; }
		run_server nginx
		stop_pid "$NGX_PID"; NGX_PID=""
		ip -n "$N-s" addr flush dev "${N}s"
		;;
	*) log "unknown server $srv" ;;
	esac
done

if [[ " $SERVERS " == *" httpsd "* && " $SERVERS " == *" nginx "* ]]; then
	for s in $SIZES; do
		awk -v a="${BEST[httpsd-$s]}" -v b="${BEST[nginx-$s]}" -v s="$s" -v r="$RTT" -v l="$LOSS" \
			'BEGIN {printf "ratio  rtt %3d ms loss %s%%  %5s  httpsd/nginx %.2f\n", r, l, s, (b > 0 ? a / b : 0)}'
	done
fi
