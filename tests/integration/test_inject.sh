#!/usr/bin/env bash
# Blind in-window injection (RFC 5961) into a live HTTPS download.
# A slow curl download (--limit-rate, small client receive buffer) keeps a
# connection busy; hs_inject.py, a separate scapy process in the client
# namespace that knows the 4-tuple (from ss) but not the sequence numbers,
# watches the connection for a moment to aim into the server's receive
# window, then injects with the client's addresses:
#   (a) RST with SEQ in the window but != RCV.NXT: §3.2, challenge ACK,
#       no reset (drop_tcp_rst, tcp_challenge_ack)
#   (b) SYN with SEQ in the window: §4.2, challenge ACK, no reset
#       (drop_tcp_badflags, tcp_challenge_ack)
#   (c) data at SEQ = RCV.NXT with an ACK beyond SND.NXT: §5.2, the segment
#       is discarded and answered with an ACK (drop_tcp_badack); its
#       bytes, if taken, would corrupt the TLS stream
# The challenge ACKs are seen on the wire (a pure ACK of RCV.NXT from the
# server) and in the counters; the download completes byte-exact (sha256)
# and tls_err stays 0.  Then, on a second download, a RST with SEQ exactly
# RCV.NXT does reset the connection (§3.2): tcp_rst_rx, and curl fails.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

SIZE_MB=4		# slow.bin
RATE=200k		# curl --limit-rate: ~20 s for slow.bin
DL_TIME=60		# seconds, bound of each download

hs_require_root
hs_init
hs_topo_up
hs_gen_cert
hs_docroot "$HS_TMP/www"
head -c $((SIZE_MB << 20)) /dev/urandom >"$HS_ROOT/slow.bin"
T=$HS_TMP
CLI_IF=$HS_NAME-c
# A small receive buffer: the server's data waits in its send queue, not in
# the client's kernel, so the connection is busy for the whole download.
cli sysctl -qw net.ipv4.tcp_rmem="4096 16384 65536" ||
	hs_fatal "cannot set tcp_rmem in $HS_CLI_NS"
start_httpsd || hs_fatal "httpsd did not start"
srv_mac=$(grep -m1 '^httpsd: ready' "$HS_OUT" | grep -oE '([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}')
[ -n "$srv_mac" ] || hs_fatal "no port MAC in the ready line"

# slow_get OUT: background download of slow.bin; sets DL_PID; the status
# code goes to OUT.code, curl's exit status to OUT.rc
slow_get() {
	(
		cli curl -sS --max-time "$DL_TIME" --limit-rate "$RATE" --cacert "$HS_CERT" \
			-o "$1" -w '%{http_code}' "https://$HS_SRV_IP/slow.bin" >"$1.code" 2>"$1.err"
		echo $? >"$1.rc"
	) &
	DL_PID=$!
}

# cli_port: the client port of the (single) established connection to :443
cli_port() {
	cli ss -Htn state established '( dport = :443 )' |
		awk '{n = split($3, a, ":"); print a[n]; exit}'
}

# wait_port: bounded (10 s) wait for the download's connection; prints the port
wait_port() {
	local i p
	for ((i = 0; i < 100; i++)); do
		p=$(cli_port)
		if [ -n "$p" ]; then
			echo "$p"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# inject MODE PORT: runs hs_inject.py, output in $T/inject.MODE
inject() {
	# shellcheck disable=SC2317 # called through check
	cli timeout 30 "$HS_PY" "$HS_LIBDIR/hs_inject.py" "$CLI_IF" "$srv_mac" "$HS_SRV_IP" 443 \
		198.18.0.2 "$2" "$1" >"$T/inject.$1" 2>&1
}
field() { awk -v n="$1" '$1 == n {print $2; exit}' "$T/inject.$2"; }

# snap: the counters now, in $T/before
snap() { hs_stats >"$T/before"; }
# delta NAME: counter now minus in $T/before
delta() {
	local a b
	a=$(awk -v n="$1" '$1 == n {print $2; exit}' "$T/before")
	b=$(hs_stat "$1")
	echo $((${b:-0} - ${a:-0}))
}

# --- live download, three injections ---------------------------------------------
slow_get "$T/dl1"
dl1=$DL_PID
port=$(wait_port) || hs_fatal "the download's connection did not show up in ss"
hs_log "download 1: client port $port"
sleep 1		# data flowing

# (a) RFC 5961 §3.2: RST in the window, not at RCV.NXT
snap
check "(a) in-window RST injected" inject rst-inwin "$port"
hs_log "(a) $(tr '\n' ' ' <"$T/inject.rst-inwin")"
check_ge "(a) in-window RST: challenge ACK on the wire" 1 "$(field challenge_acks rst-inwin)"
check_ge "(a) in-window RST: tcp_challenge_ack counted" 1 "$(delta tcp_challenge_ack)"
check_ge "(a) in-window RST: dropped (drop_tcp_rst)" 1 "$(delta drop_tcp_rst)"
check_eq "(a) in-window RST: no reset (tcp_rst_rx)" 0 "$(delta tcp_rst_rx)"
check_eq "(a) the connection is still established" "$port" "$(cli_port)"

# (b) RFC 5961 §4.2: SYN in the window
snap
check "(b) in-window SYN injected" inject syn-inwin "$port"
hs_log "(b) $(tr '\n' ' ' <"$T/inject.syn-inwin")"
check_ge "(b) in-window SYN: challenge ACK on the wire" 1 "$(field challenge_acks syn-inwin)"
check_ge "(b) in-window SYN: tcp_challenge_ack counted" 1 "$(delta tcp_challenge_ack)"
check_ge "(b) in-window SYN: dropped (drop_tcp_badflags)" 1 "$(delta drop_tcp_badflags)"
check_eq "(b) the connection is still established" "$port" "$(cli_port)"

# (c) RFC 5961 §5.2: data at RCV.NXT with an unacceptable ACK
snap
check "(c) data with a bad ACK injected" inject data-badack "$port"
hs_log "(c) $(tr '\n' ' ' <"$T/inject.data-badack")"
check_ge "(c) bad ACK: segment dropped (drop_tcp_badack)" 1 "$(delta drop_tcp_badack)"
check_ge "(c) bad ACK: answered with an ACK (tcp_challenge_ack)" 1 "$(delta tcp_challenge_ack)"
check_eq "(c) the connection is still established" "$port" "$(cli_port)"

check "the injections ran while the download was running" hs_alive "$dl1"
# (curl's close at the end may well be a RST: counted only up to here)
check_eq "no connection reset by the injections (tcp_rst_rx)" 0 "$(hs_stat tcp_rst_rx)"
wait "$dl1"
check_eq "download 1: curl exits 0" 0 "$(cat "$T/dl1.rc")"
check_eq "download 1: 200" 200 "$(cat "$T/dl1.code")"
check_eq "download 1: byte-exact (sha256)" "$(sha256sum <"$HS_ROOT/slow.bin")" \
	"$(sha256sum <"$T/dl1" 2>/dev/null)"
check_eq "no TLS error (tls_err)" 0 "$(hs_stat tls_err)"

# --- RST at exactly RCV.NXT resets (RFC 5961 §3.2, first bullet) ------------------
slow_get "$T/dl2"
dl2=$DL_PID
port=$(wait_port) || hs_fatal "the second download's connection did not show up in ss"
hs_log "download 2: client port $port"
sleep 1
snap
check "exact RST injected" inject rst-exact "$port"
hs_log "exact RST: $(tr '\n' ' ' <"$T/inject.rst-exact")"
check_eq "exact RST: the connection is reset (tcp_rst_rx)" 1 "$(delta tcp_rst_rx)"
check_eq "exact RST: no challenge ACK" 0 "$(field challenge_acks rst-exact)"
# The client's next ACK finds no connection and gets a RST: curl fails
# long before its --max-time.
wait "$dl2"
check "download 2 failed (curl exit $(cat "$T/dl2.rc"): $(head -c 200 "$T/dl2.err"))" \
	test "$(cat "$T/dl2.rc")" -ne 0
check "download 2 is incomplete" test "$(stat -c %s "$T/dl2")" -lt $((SIZE_MB << 20))

hs_wait_stat_eq tcp_conn_open 0 10
check_eq "no connection left open" 0 "$(hs_stat tcp_conn_open)"
hs_log "counters: $(hs_stats | grep -E '^(tcp_challenge_ack|drop_tcp_(rst|badflags|badack|chack_limit|nots|paws|outwin)|tcp_rst_(rx|tx)|tls_err) ' | tr '\n' ' ')"
stop_httpsd
hs_finish
