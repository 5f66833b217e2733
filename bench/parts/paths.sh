# shellcheck shell=bash
# bench/parts/paths.sh - scripts/bench part "paths": time to last byte over
# emulated Internet paths, httpsd against nginx + OpenSSL behind the same
# bench/linkem path in one run.  Sourced by scripts/bench (see "Adding a
# part" there); not in the default run: `scripts/bench --only paths`
# (full matrix) or `scripts/bench --only paths --quick`.
#
# Topology: scripts/bench's RTT topology (client netns <-> linkem netns <->
# server netns, 198.18.2.0/24); per profile and server: linkem started with
# the profile, the server started, every size fetched N times by curl (one
# fresh TLS 1.3 connection each, X25519, AES-128-GCM, HTTP/1.1), then both
# stopped (linkem's counters go to paths.jsonl).  httpsd runs with
# --idle-sleep and --upload-sink /upload; nginx 1.22 with the same TLS
# settings and /upload read in full before its 200 (mirror_request_body).
# The client's and nginx's kernel TCP use PATHS_CC (default cubic, Debian's
# default; a new namespace inherits the root namespace's, bbr on this
# machine), set per socket by bench/tcpcc.c (LD_PRELOAD); kernel buffer
# sysctls as the namespace has them; tcp_no_metrics_save=1 (no ssthresh
# carried from one connection to the next).
#
# Profile "name:rtt_ms:loss_pct:rate_mbit:buffer[:max_size]" (loss in both
# directions; buffer Np packets or F"bdp", a multiple of rate x RTT, bytes;
# max_size: larger sizes are skipped on this path): the default set is not
# the cartesian product but three sweeps around one reference path (40 ms,
# no loss, 500 Mbit/s, 1 BDP buffer):
#   RTT sweep at 0 loss:        rtt10 rtt40 rtt100 rtt200 (500 Mbit/s, 1 BDP)
#   loss sweep at 40 ms:        loss0.5 loss2 (500 Mbit/s, 1 BDP), sizes up
#                               to 1m: loss-bound TCP moves about
#                               MSS / RTT x 1.22 / sqrt(p) (Mathis), 2.5
#                               Mbit/s at 2 %, so 10 MB would take 30 s a sample
#   rate x buffer at 40 ms:     50M-shallow (BDP/4) 50M-deep (5 BDP)
#                               500M-shallow (BDP/4) 500M-deep (5 BDP)
# Sizes: GETs of 14k 100k 1m 10m (1000-based) and upN, a POST of N bytes.
# TTLB = curl's time_total - time_appconnect: from the request (TLS
# handshake done) to the last response byte; for a POST, sending the body
# is in it.  paths.jsonl has every sample; report.py makes the table.
#
# Environment (scripts/bench options --paths-runs, --paths-profiles,
# --paths-sizes set the first three):
#   PATHS_RUNS N        samples per cell (default 5, --quick 3)
#   PATHS_PROFILES LIST profile names or specs (default: the ten above;
#                       --quick: rtt40)
#   PATHS_SIZES LIST    (default "14k 100k 1m 10m up1m up10m";
#                       --quick: "100k up1m")
#   PATHS_CC NAME       congestion control of the client and nginx (cubic)
#   PATHS_PCAP=1        keep captures (headers only) of the last sample of
#                       each cell in raw/paths-pcap/: SERVER-PROFILE-SIZE.pcap
#                       (PATHS_PCAP=all: of every sample, ...-SIZE-I.pcap,
#                       I from 0: with paired samples, the same I of both
#                       servers met the same losses)
#                       on the client's veth (what arrived, the client's
#                       ACKs) and ...-srv.pcap on linkem's server-side veth
#                       (what the server sent, before the bottleneck queue;
#                       the difference is what linkem dropped)
#   PATHS_HTTPSD_B BIN  a second httpsd binary (e.g. a build of another
#                       commit), run as server "httpsd-b" on every profile
#                       between httpsd and nginx: before/after figures
#                       from one run (paths.jsonl; report.py's ratios
#                       stay httpsd / nginx)
#   PATHS_NICE N        nice value of linkem, curl and both servers (default
#                       0; e.g. -10 on a machine others load: linkem is the
#                       path, and its scheduling delays are path delays)
#   PATHS_RT N          both servers (httpsd's threads, nginx's worker) at
#                       SCHED_FIFO priority N (default 1; 0: the default
#                       policy).  As on a dedicated core (scripts/pin-cores):
#                       a userspace stack ACKs only when its process runs,
#                       where the kernel ACKs from softirq, so with a shared
#                       core a kernel thread (kdamond here) or the harness's
#                       own processes taking it for 2-12 ms delayed httpsd's
#                       ACKs alone; a client whose HyStart saw those RTT
#                       samples left slow start early (loss0.5 POST 1m,
#                       8 samples: 1.33 paired, 0.98 at SCHED_FIFO).  Both
#                       sleep when idle (httpsd --idle-sleep): nothing
#                       starves.
register_part paths no "TTLB over emulated paths (RTT, loss, rate x buffer; bench/linkem), both servers"

PATHS_ALL="rtt10:10:0:500:1bdp rtt40:40:0:500:1bdp rtt100:100:0:500:1bdp
rtt200:200:0:500:1bdp loss0.5:40:0.5:500:1bdp:1m loss2:40:2:500:1bdp:1m
50M-shallow:40:0:50:0.25bdp 50M-deep:40:0:50:5bdp
500M-shallow:40:0:500:0.25bdp 500M-deep:40:0:500:5bdp"

# paths_spec NAME_OR_SPEC: the full "name:rtt:loss:rate:buffer" spec.
paths_spec() {
	local p
	case "$1" in
	*:*:*:*:*) [[ $1 =~ ^[A-Za-z0-9._-]+:[0-9]+:[0-9.]+:[0-9.]+:[0-9.]+(p|bdp|k|m)?(:[0-9]+[km]?)?$ ]] &&
		echo "$1"; return ;;
	esac
	for p in $PATHS_ALL; do
		[ "${p%%:*}" = "$1" ] && { echo "$p"; return 0; }
	done
	return 1
}

# paths_bytes SIZE: bytes of 14k, 1m, up10m...
paths_bytes() {
	local s=${1#up}
	case "$s" in
	*k) echo $((${s%k} * 1000)) ;;
	*m) echo $((${s%m} * 1000000)) ;;
	*) echo "$s" ;;
	esac
}

# paths_buffer RATE RTT BUF: linkem --buffer value.
paths_buffer() {
	case "$3" in
	*bdp) awk -v r="$1" -v t="$2" -v f="${3%bdp}" \
		'BEGIN {b = r * 1e6 / 8 * t / 1000 * f; if (b < 3000) b = 3000; printf "%.0f\n", b}' ;;
	*) echo "$3" ;;
	esac
}

# paths_rate_bps RATE_MBIT RTT_MS LOSS_PCT: what one TCP flow can move:
# the link rate, or the Mathis bound under random loss if lower.
paths_rate_bps() {
	awk -v m="$1" -v r="$2" -v l="$3" 'BEGIN {b = m * 1e6;
		if (l > 0) {x = 1448 * 8 / (r / 1000) * 1.22 / sqrt(l / 100); if (x < b) b = x}
		printf "%.0f\n", b}'
}

# paths_skip SPEC SIZE: true when SIZE is above the profile's max_size.
paths_skip() {
	local max
	max=$(cut -d: -f6 <<<"$1")
	[ -n "$max" ] && [ "$(paths_bytes "$2")" -gt "$(paths_bytes "$max")" ]
}

# paths_estimate: expected seconds (a model: per sample 0.5 s + 3 RTT
# handshake/request + slow start to the size + size / (rate or the Mathis
# bound); per profile and server 4 s of starts; PATHS_PCAP=1: 1.6 s more
# per cell and server for the capture; servers: 2, or 3 with
# PATHS_HTTPSD_B).
paths_estimate() {
	local spec name rtt loss rate buf s b bps total=0 ns=2
	[ -n "${PATHS_HTTPSD_B:-}" ] && ns=3
	for spec in $PATHS_SPECS; do
		IFS=: read -r name rtt loss rate buf _ <<<"$spec"
		bps=$(paths_rate_bps "$rate" "$rtt" "$loss")
		total=$(awk -v t="$total" -v ns="$ns" 'BEGIN {print t + ns * 4}')
		for s in $PATHS_SIZES_RUN; do
			paths_skip "$spec" "$s" && continue
			b=$(paths_bytes "$s")
			total=$(awk -v t="$total" -v n="$PATHS_N" -v b="$b" -v r="$rtt" -v bps="$bps" \
				-v pc="${PATHS_PCAP:-0}" -v ns="$ns" \
				'BEGIN {ss = log(1 + b / 14600) / log(2); if (ss < 1) ss = 1;
				x = 0.5 + (3 + ss) * r / 1000 + b * 8 / bps;
				print t + ns * n * x + (pc ? ns * 1.6 : 0)}')
		done
	done
	printf '%.0f\n' "$total"
}

# paths_linkem_start SPEC SERVER: linkem for the profile; LK_PID.
paths_linkem_start() {
	local name rtt loss rate buf half bufv i raw
	IFS=: read -r name rtt loss rate buf _ <<<"$1"
	half=$(awk -v r="$rtt" 'BEGIN {printf "%g", r / 2}')
	bufv=$(paths_buffer "$rate" "$rtt" "$buf")
	raw=$OUT/raw/paths-linkem-$name-$2.txt
	ip netns exec "$NAME_R-k" nice -n "${PATHS_NICE:-0}" taskset -c "$CLI_CORE" "$LINKEM" --no-pci --no-huge -m 512 \
		--file-prefix "$LK_PFX" "--vdev=net_af_packet0,iface=${NAME_R}k0" \
		"--vdev=net_af_packet1,iface=${NAME_R}k1" -- --delay "$half" --loss "$loss" \
		--rate "$rate" --buffer "$bufv" --seed 1 --queue 32768 --max-seconds 1800 \
		>"$raw" 2>&1 &
	LK_PID=$!
	for ((i = 0; i < 200; i++)); do
		grep -q '^linkem: ready' "$raw" 2>/dev/null && return 0
		alive "$LK_PID" || break
		sleep 0.1
	done
	log "paths: linkem did not start (see raw/${raw##*/})"
	stop_linkem
	return 1
}

# paths_linkem_counters FILE: JSON object of the two directions' counters.
paths_linkem_counters() {
	awk '/^linkem: [01]->[01] rx / {
		d = ($2 == "0->1:" || $2 == "0->1") ? "c2s" : "s2c"
		s = ""
		for (i = 3; i < NF; i += 2) s = s sprintf("%s\"%s\":%s", s == "" ? "" : ",", $i, $(i + 1))
		o = o sprintf("%s\"%s\":{%s}", o == "" ? "" : ",", d, s)
	} END {print "{" o "}"}' "$1"
}

# paths_fetch SERVER SPEC SIZE: PATHS_N samples, one JSON line.
paths_fetch() {
	local srv=$1 spec=$2 size=$3 name rtt loss rate buf i out code dl ul tc ta ts tt
	local bytes dir samples="" totals="" fails=0 capf cap="" url maxt
	IFS=: read -r name rtt loss rate buf _ <<<"$spec"
	bytes=$(paths_bytes "$size")
	dir=down
	[[ $size == up* ]] && dir=up
	# generous: 60 RTTs of slow start and recovery plus 4x the size at the
	# rate (or the Mathis bound)
	maxt=$(awk -v r="$rtt" -v b="$bytes" -v bps="$(paths_rate_bps "$rate" "$rtt" "$loss")" \
		'BEGIN {printf "%.0f", 10 + r * 60 / 1000 + 4 * b * 8 / bps}')
	for ((i = 0; i < PATHS_N; i++)); do
		if [ "$(date +%s)" -ge "$PATHS_END" ]; then
			log "paths: time bound reached: $srv $name $size cut at $i samples"
			break
		fi
		if { [ "${PATHS_PCAP:-0}" = 1 ] && [ "$i" = $((PATHS_N - 1)) ]; } ||
			[ "${PATHS_PCAP:-0}" = all ]; then
			mkdir -p "$OUT/raw/paths-pcap"
			capf=$OUT/raw/paths-pcap/$srv-$name-$size.pcap
			[ "${PATHS_PCAP:-0}" = all ] && capf=${capf%.pcap}-$i.pcap
			ip netns exec "$NAME_R-c" timeout $((maxt + 10)) tcpdump --immediate-mode -Z root -i "${NAME_R}c" -s 96 \
				-w "$capf" 'tcp port 443' >/dev/null 2>&1 &
			cap=$!
			ip netns exec "$NAME_R-k" timeout $((maxt + 10)) tcpdump --immediate-mode -Z root -i "${NAME_R}k1" -s 96 \
				-w "${capf%.pcap}-srv.pcap" 'tcp port 443' >/dev/null 2>&1 &
			cap="$cap $!"
			sleep 1
		fi
		# linkem re-seeds: sample k of every server meets the same
		# loss draws, data frames apart from pure ACKs (paired samples;
		# report.py's "paired" ratio)
		kill -USR1 "$LK_PID" 2>/dev/null
		url=https://$RTT_SRV_IP/path-$size.bin
		local post=()
		if [ "$dir" = up ]; then
			url=https://$RTT_SRV_IP/upload
			post=(-H 'Expect:' -H 'Content-Type: application/octet-stream'
				--data-binary "@$TMP/paths-$size.bin")
		fi
		out=$(ip netns exec "$NAME_R-c" env "HS_TCP_CC=${PATHS_CC:-cubic}" \
			"LD_PRELOAD=$TMP/tcpcc.so" nice -n "${PATHS_NICE:-0}" taskset -c "$CLI_CORE" timeout -k 2 $((maxt + 5)) \
			curl -sk --http1.1 --tlsv1.3 --max-time "$maxt" -o /dev/null "${post[@]}" \
			-w '%{http_code} %{size_download} %{size_upload} %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total}\n' \
			"$url" 2>/dev/null)
		read -r code dl ul tc ta ts tt <<<"$out"
		if [ "$code" = 200 ] && { { [ "$dir" = down ] && [ "$dl" = "$bytes" ]; } ||
			{ [ "$dir" = up ] && [ "$ul" = "$bytes" ]; }; }; then
			samples=$samples${samples:+,}$(awk -v a="$ta" -v b="$tt" 'BEGIN {printf "%.6f", b - a}')
			totals=$totals${totals:+,}$tt
		else
			fails=$((fails + 1))
			log "paths: $srv $name $size: failed sample (curl: '${out:-nothing}')"
		fi
		if [ -n "$cap" ]; then
			sleep 0.5
			# shellcheck disable=SC2086 # two pids
			kill -INT $cap 2>/dev/null
			# shellcheck disable=SC2086
			wait $cap 2>/dev/null
			cap=""
		fi
		sleep 0.1
	done
	printf '{"type":"cell","server":"%s","profile":"%s","rtt_ms":%s,"loss_pct":%s,"rate_mbit":%s,"buffer":"%s","size":"%s","bytes":%s,"dir":"%s","ttlb_s":[%s],"total_s":[%s],"fail":%d}\n' \
		"$srv" "$name" "$rtt" "$loss" "$rate" "$buf" "$size" "$bytes" "$dir" "$samples" \
		"$totals" "$fails" >>"$OUT/paths.jsonl"
}

# paths_server SERVER SPEC: linkem up, server up, every size, both down.
paths_server() {
	local srv=$1 spec=$2 s name d=$TMP/nginx-paths ok=0
	name=${spec%%:*}
	paths_linkem_start "$spec" "$srv" || return 0
	ip -n "$NAME_R-c" tcp_metrics flush all 2>/dev/null
	ip -n "$NAME_R-s" tcp_metrics flush all 2>/dev/null
	SERVER="paths-$srv-$name"
	if [[ $srv == httpsd* ]]; then
		local run=$HTTPSD_RUN
		[ "$srv" = httpsd-b ] && HTTPSD_RUN=$TMP/httpsd-b
		HS_SRV_NS=$NAME_R-s HS_SRV_IF=${NAME_R}s HS_IP_CUR=$RTT_SRV_IP HS_CLI_NS=$NAME_R-c
		start_httpsd --idle-sleep "$IDLE_SLEEP" --upload-sink /upload && ok=1
		[ "$ok" = 1 ] && renice -n "${PATHS_NICE:-0}" -p "$HS_PID" >/dev/null
		[ "$ok" = 1 ] && [ "${PATHS_RT:-1}" -gt 0 ] && chrt -a -f -p "${PATHS_RT:-1}" "$HS_PID"
		HS_SRV_NS=$NAME_A-srv HS_SRV_IF=$NAME_A-s HS_IP_CUR=$HS_IP HS_CLI_NS=$NAME_A-cli
		HTTPSD_RUN=$run
	else
		ip -n "$NAME_R-s" addr add "$RTT_SRV_IP/24" dev "${NAME_R}s"
		# /upload: mirror_request_body makes nginx read the whole body
		# first; POST to the (empty) static file is a 405 that error_page
		# turns into a 200 with a short body, as httpsd's sink answers.
		write_nginx_conf "$d" "$RTT_SRV_IP" "        ssl_protocols TLSv1.3;
        client_max_body_size 64m;
        client_body_buffer_size 16m;
        location = /upload {
            mirror /paths-sink;
            mirror_request_body on;
            error_page 405 =200 /paths-ok;
        }
        location = /paths-sink { internal; return 204; }
        location = /paths-ok { return 200 \"ok\\n\"; }"
		NGX_ENV=("HS_TCP_CC=${PATHS_CC:-cubic}" "LD_PRELOAD=$TMP/tcpcc.so")
		start_nginx "$NAME_R-s" "$d" && ok=1
		[ "$ok" = 1 ] && renice -n "${PATHS_NICE:-0}" -p "$NGX_PID" "$NGX_WORKER" >/dev/null
		[ "$ok" = 1 ] && [ "${PATHS_RT:-1}" -gt 0 ] && chrt -f -p "${PATHS_RT:-1}" "$NGX_WORKER"
		NGX_ENV=()
	fi
	if [ "$ok" = 1 ]; then
		# a first connection: ARP, file cache, code paths
		ip netns exec "$NAME_R-c" curl -sk --max-time 10 -o /dev/null \
			"https://$RTT_SRV_IP/index.html"
		log "paths: $srv on $name ($spec), $PATHS_N samples per size"
		for s in $PATHS_SIZES_RUN; do
			paths_skip "$spec" "$s" && continue
			paths_fetch "$srv" "$spec" "$s"
		done
	fi
	if [[ $srv == httpsd* ]]; then
		# its TCP counters for the whole profile (retransmissions, RTOs,
		# recoveries: what a bad cell's reading starts from)
		[ "$ok" = 1 ] && "$PY" "$SRC/tests/integration/hs_telemetry.py" "$HS_TELEM" /httpsd/stats \
			2>/dev/null | grep '^tcp_' >"$OUT/raw/paths-$srv-tcp-$name.txt"
		[ "$ok" = 1 ] && stop_httpsd
	else
		[ "$ok" = 1 ] && stop_nginx "$d"
		ip -n "$NAME_R-s" addr flush dev "${NAME_R}s"
	fi
	stop_linkem
	printf '{"type":"linkem","server":"%s","profile":"%s","spec":"%s","buffer_arg":"%s","counters":%s}\n' \
		"$srv" "$name" "$spec" "$(IFS=: read -r _ r _ m b _ <<<"$spec"; paths_buffer "$m" "$r" "$b")" \
		"$(paths_linkem_counters "$OUT/raw/paths-linkem-$name-$srv.txt")" >>"$OUT/paths.jsonl"
}

part_paths() {
	local p spec est ns
	if [ ! -x "$LINKEM" ]; then
		log "paths skipped: needs $LINKEM (ninja -C $BUILD)"
		return 0
	fi
	if [ "$QUICK" = 1 ]; then
		PATHS_N=${PATHS_RUNS:-3}
		PATHS_PROFILES=${PATHS_PROFILES:-rtt40}
		PATHS_SIZES_RUN=${PATHS_SIZES:-100k up1m}
	else
		PATHS_N=${PATHS_RUNS:-5}
		PATHS_PROFILES=${PATHS_PROFILES:-$(for p in $PATHS_ALL; do printf '%s ' "${p%%:*}"; done)}
		PATHS_SIZES_RUN=${PATHS_SIZES:-14k 100k 1m 10m up1m up10m}
	fi
	[[ $PATHS_N =~ ^[0-9]+$ ]] && [ "$PATHS_N" -ge 1 ] && [ "$PATHS_N" -le 50 ] ||
		{ log "paths: runs 1..50"; return 0; }
	PATHS_SPECS=""
	for p in ${PATHS_PROFILES//,/ }; do
		spec=$(paths_spec "$p") || { log "paths: unknown profile '$p' (name or name:rtt:loss:rate:buffer)"; return 0; }
		PATHS_SPECS="$PATHS_SPECS $spec"
	done
	for p in ${PATHS_SIZES_RUN//,/ }; do
		[[ $p =~ ^(up)?[0-9]+[km]?$ ]] || { log "paths: bad size '$p'"; return 0; }
	done
	PATHS_SIZES_RUN=${PATHS_SIZES_RUN//,/ }
	est=$(paths_estimate)
	# Hard bound: twice the estimate plus two minutes; cells after it are
	# cut (logged) and the report says which samples are missing.
	PATHS_END=$(($(date +%s) + 2 * est + 120))
	log "paths: $(wc -w <<<"$PATHS_SPECS") profiles x $(wc -w <<<"$PATHS_SIZES_RUN") sizes x 2 servers x $PATHS_N samples: expected about $((est / 60)) min $((est % 60)) s (stops by $(date -d "@$PATHS_END" +%H:%M:%S))"
	for s in $PATHS_SIZES_RUN; do
		case "$s" in
		up*) head -c "$(paths_bytes "$s")" /dev/urandom >"$TMP/paths-$s.bin" ;;
		*) head -c "$(paths_bytes "$s")" /dev/urandom >"$WWW/path-$s.bin" ;;
		esac
	done
	: >"$WWW/upload"	# nginx's POST target (see paths_server)
	chmod -R a+rX "$WWW"
	rtt_topo_up || { log "paths: cannot build the linkem topology"; rtt_topo_down; return 0; }
	# Every sample a fresh start: no ssthresh or RTT cached per destination
	# by an earlier connection (to the other server at the same address,
	# or on another path) in the client's or nginx's kernel.
	for ns in "$NAME_R-c" "$NAME_R-s"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.tcp_no_metrics_save=1 ||
			log "paths: cannot set tcp_no_metrics_save in $ns"
	done
	if [ -n "${PATHS_HTTPSD_B:-}" ]; then
		cp "$PATHS_HTTPSD_B" "$TMP/httpsd-b" || { log "paths: cannot copy $PATHS_HTTPSD_B"; return 0; }
		printf 'paths_httpsd_b %s\n' "$PATHS_HTTPSD_B" >>"$OUT/meta.txt"
	fi
	printf 'paths_nice %s\n' "${PATHS_NICE:-0}" >>"$OUT/meta.txt"
	printf 'paths_rt %s\n' "${PATHS_RT:-1}" >>"$OUT/meta.txt"
	printf 'paths_cc %s\npaths_runs %s\npaths_profiles %s\npaths_sizes %s\npaths_expected_s %s\n' \
		"${PATHS_CC:-cubic}" "$PATHS_N" "$PATHS_SPECS" "$PATHS_SIZES_RUN" "$est" >>"$OUT/meta.txt"
	: >"$OUT/paths.jsonl"
	local t0
	t0=$(date +%s)
	for spec in $PATHS_SPECS; do
		if [ "$(date +%s)" -ge "$PATHS_END" ]; then
			log "paths: time bound reached: skipping ${spec%%:*}"
			continue
		fi
		paths_server httpsd "$spec"
		[ -n "${PATHS_HTTPSD_B:-}" ] && paths_server httpsd-b "$spec"
		paths_server nginx "$spec"
	done
	rtt_topo_down
	printf 'paths_took_s %s\n' "$(($(date +%s) - t0))" >>"$OUT/meta.txt"
	log "paths: took $(($(date +%s) - t0)) s (expected $est s)"
}
