# shellcheck shell=bash
# Integration-test harness of httpsd; sourced by tests/integration/test_*.sh.
#
#   hs_init                    checks, temp dir, cleanup trap (always first)
#   hs_topo_up                 unique namespace pair + veth (needs root)
#   hs_gen_cert [DIR]          self-signed cert -> HS_CERT, HS_KEY
#   start_httpsd [ARGS...]     httpsd in the server netns; waits for "ready"
#   stop_httpsd                SIGTERM; asserts exit 0 and mbufs_in_use 0
#   cli CMD...                 run CMD in the client netns
#   hcurl ARGS...              curl in the client netns (--cacert, --max-time)
#   hs_stats / hs_stat NAME    telemetry /httpsd/stats (all / one counter)
#   check DESC CMD...          assertion: runs CMD, reports DESC on failure
#   check_eq DESC WANT GOT     assertion on equality
#   check_match DESC ERE TEXT  assertion on an extended regex match
#   hs_finish                  prints the summary, exit status
#
# Cleanup (on any exit, also after a failed assertion or a signal) kills
# httpsd and anything left in our namespaces, deletes the namespaces, the
# DPDK runtime dir and hugepage files of our --file-prefix, and the temp dir.
# Every wait is bounded in iterations and time.
#
# Environment: HS_BUILD_DIR, HS_SOURCE_DIR (set by meson), HTTPSD (binary),
# HS_LCORES (default 0), HS_VDEV (default net_${HS_TEST_PORT}0 on the veth;
# HS_TEST_PORT: af_packet unless set, e.g. hs_packet), HS_EAL_MEM (e.g.
# "--no-huge -m 512"; default: huge pages when 256 are free, else
# --no-huge -m 512), HS_KEEP_TMP=1.

set -uo pipefail

HS_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HS_SOURCE_DIR=${HS_SOURCE_DIR:-$(cd "$HS_LIBDIR/../.." && pwd)}
HS_BUILD_DIR=${HS_BUILD_DIR:-$HS_SOURCE_DIR/build}
HTTPSD=${HTTPSD:-$HS_BUILD_DIR/httpsd}
HS_TEST=$(basename "$0" .sh)
HS_PY=/usr/bin/python3
[ -x "$HS_PY" ] || HS_PY=python3

HS_SRV_IP=198.18.0.1
HS_READY_TIMEOUT=${HS_READY_TIMEOUT:-30}	# seconds
HS_STOP_TIMEOUT=${HS_STOP_TIMEOUT:-30}		# seconds (httpsd drains up to 20 s)
HS_CURL_TIME=${HS_CURL_TIME:-20}		# seconds per curl

HS_CHECKS=0
HS_FAILS=0
HS_PID=""
HS_TMP=""
HS_NAME=""
HS_PFX=""
HS_SRV_NS=""
HS_CLI_NS=""
HS_SRV_IF=""
HS_CLI_IF=""
HS_OUT=""
HS_ERR=""
HS_CERT=""
HS_KEY=""
HS_ROOT=""
HS_EAL_MEM_ARGS=()

hs_log() { printf '%s: %s\n' "$HS_TEST" "$*"; }

# Exit 77: meson counts the test as skipped.
hs_skip() { hs_log "SKIP: $*"; exit 77; }

hs_fatal() {
	HS_FAILS=$((HS_FAILS + 1))
	hs_log "FATAL [${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}]: $*"
	exit 1
}

# --- assertions ---------------------------------------------------------

hs_fail() {
	HS_FAILS=$((HS_FAILS + 1))
	hs_log "FAIL [${BASH_SOURCE[2]##*/}:${BASH_LINENO[1]}]: $*"
}

# check DESC CMD... : CMD must exit 0.
check() {
	local desc=$1 rc
	shift
	HS_CHECKS=$((HS_CHECKS + 1))
	"$@"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		hs_log "ok: $desc"
		return 0
	fi
	hs_fail "$desc (exit $rc: $*)"
	return 1
}

# check_eq DESC WANT GOT
check_eq() {
	HS_CHECKS=$((HS_CHECKS + 1))
	if [ "$2" = "$3" ]; then
		hs_log "ok: $1"
		return 0
	fi
	hs_fail "$1: want '$2', got '$3'"
	return 1
}

# check_match DESC ERE TEXT
check_match() {
	HS_CHECKS=$((HS_CHECKS + 1))
	# A here-string, not printf | grep -q: with pipefail, grep -q exiting
	# at the first match makes printf die of SIGPIPE on long text.
	if grep -Eq -- "$2" <<<"$3"; then
		hs_log "ok: $1"
		return 0
	fi
	hs_fail "$1: /$2/ not found in: $(printf '%s' "$3" | head -c 400)"
	return 1
}

# check_nomatch DESC ERE TEXT
check_nomatch() {
	HS_CHECKS=$((HS_CHECKS + 1))
	if ! grep -Eq -- "$2" <<<"$3"; then
		hs_log "ok: $1"
		return 0
	fi
	hs_fail "$1: /$2/ found in: $(printf '%s' "$3" | grep -E -- "$2" | head -c 400)"
	return 1
}

# check_ge DESC MIN GOT  (integers; an empty GOT fails)
check_ge() {
	HS_CHECKS=$((HS_CHECKS + 1))
	if [[ $3 =~ ^[0-9]+$ ]] && [ "$3" -ge "$2" ]; then
		hs_log "ok: $1 ($3 >= $2)"
		return 0
	fi
	hs_fail "$1: want >= $2, got '$3'"
	return 1
}

hs_finish() {
	hs_log "$((HS_CHECKS - HS_FAILS))/$HS_CHECKS checks passed, $HS_FAILS failed"
	[ "$HS_FAILS" -eq 0 ] && exit 0
	exit 1
}

# --- setup and cleanup ----------------------------------------------------

hs_require_root() { [ "$(id -u)" -eq 0 ] || hs_skip "needs root (namespaces, af_packet)"; }

hs_init() {
	[ -x "$HTTPSD" ] || hs_fatal "binary not found: $HTTPSD (build it: ninja -C $HS_BUILD_DIR)"
	HS_TMP=$(mktemp -d "/tmp/httpsd-$HS_TEST.XXXXXX") || hs_fatal "mktemp failed"
	# Unique per run: PID + random byte; at most 11 characters so the veth
	# names NAME-s / NAME-c stay within IFNAMSIZ.
	HS_NAME=$(printf 'hs%d%02x' "$$" "$((RANDOM % 256))")
	HS_PFX=$HS_NAME
	trap hs_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	hs_choose_mem
}

# Free 2 MiB pages and a hugetlbfs mount -> use them; else --no-huge.
hs_choose_mem() {
	local free mnt
	if [ -n "${HS_EAL_MEM:-}" ]; then
		read -ra HS_EAL_MEM_ARGS <<<"$HS_EAL_MEM"
		return
	fi
	free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	mnt=$(awk '$3 == "hugetlbfs" {print $2; exit}' /proc/mounts)
	if [ -n "$mnt" ] && [ "${free:-0}" -ge 256 ]; then
		HS_EAL_MEM_ARGS=(--huge-dir "$mnt")
	else
		HS_EAL_MEM_ARGS=(--no-huge -m 512)
	fi
}

hs_alive() {
	local st
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# hs_wait_gone PID SECONDS: wait (bounded) until PID has exited.
hs_wait_gone() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		hs_alive "$1" || return 0
		sleep 0.1
	done
	! hs_alive "$1"
}

hs_cleanup() {
	local rc=$? ns pid mnt
	trap - EXIT INT TERM
	if [ -n "$HS_PID" ] && hs_alive "$HS_PID"; then
		kill -TERM "$HS_PID" 2>/dev/null
		hs_wait_gone "$HS_PID" 5 || kill -KILL "$HS_PID" 2>/dev/null
		wait "$HS_PID" 2>/dev/null
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		hs_dump_logs
	fi
	# Stragglers (curl, openssl ...) in our own namespaces.
	for ns in "$HS_SRV_NS" "$HS_CLI_NS"; do
		[ -n "$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	if [ -n "$HS_SRV_NS" ]; then
		bash "$HS_SOURCE_DIR/scripts/topo.sh" down "$HS_NAME" ||
			hs_log "warning: topology $HS_NAME not removed"
	fi
	if [ -n "$HS_PFX" ]; then
		while read -r mnt; do
			rm -f "$mnt/${HS_PFX}map_"*
		done < <(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts)
		rm -rf "/var/run/dpdk/$HS_PFX"
	fi
	if [ -n "$HS_TMP" ] && [ "${HS_KEEP_TMP:-0}" != 1 ]; then
		rm -rf "$HS_TMP"
	elif [ -n "$HS_TMP" ]; then
		hs_log "kept $HS_TMP"
	fi
	exit "$rc"
}

hs_dump_logs() {
	if [ -n "$HS_ERR" ] && [ -s "$HS_ERR" ]; then
		hs_log "--- httpsd stderr (last 40 lines)"
		tail -n 40 "$HS_ERR"
	fi
	if [ -n "$HS_OUT" ] && [ -s "$HS_OUT" ]; then
		hs_log "--- httpsd stdout (last 40 lines)"
		tail -n 40 "$HS_OUT"
	fi
}

hs_topo_up() {
	local vars
	hs_require_root
	vars=$(bash "$HS_SOURCE_DIR/scripts/topo.sh" up "$HS_NAME") ||
		hs_fatal "scripts/topo.sh up $HS_NAME failed"
	HS_SRV_NS=$(sed -n 's/^HS_SRV_NS=//p' <<<"$vars")
	HS_CLI_NS=$(sed -n 's/^HS_CLI_NS=//p' <<<"$vars")
	HS_SRV_IF=$(sed -n 's/^HS_SRV_IF=//p' <<<"$vars")
	HS_CLI_IF=$(sed -n 's/^HS_CLI_IF=//p' <<<"$vars")
	if [ -z "$HS_SRV_NS" ] || [ -z "$HS_CLI_NS" ] || [ -z "$HS_SRV_IF" ]; then
		hs_fatal "scripts/topo.sh printed no names: $vars"
	fi
	hs_log "topology: $HS_SRV_NS ($HS_SRV_IF) <-> $HS_CLI_NS"
}

# hs_gen_cert [DIR [CN]] -> HS_CERT, HS_KEY
hs_gen_cert() {
	local dir=${1:-$HS_TMP/pki}
	bash "$HS_SOURCE_DIR/scripts/gen-cert.sh" "$dir" "${2:-httpsd.test}" ||
		hs_fatal "gen-cert.sh $dir failed"
	HS_CERT=$dir/cert.pem
	HS_KEY=$dir/key.pem
}

# EAL arguments for a run in the server namespace on its veth end.
# HS_LCORES with '@' is an EAL --lcores map: it lets 3 lcores float over
# a 2-CPU machine (-l 0-2 is refused when CPU 2 does not exist).
hs_eal_args() {
	local lc=(-l "${HS_LCORES:-0}")
	[[ ${HS_LCORES:-0} == *@* ]] && lc=(--lcores "$HS_LCORES")
	HS_EAL_ARGS=("${lc[@]}" --no-pci --file-prefix "$HS_PFX"
		"--vdev=${HS_VDEV:-net_${HS_TEST_PORT:-af_packet}0,iface=$HS_SRV_IF}" "${HS_EAL_MEM_ARGS[@]}")
}

# start_httpsd [EXTRA APP ARGS...]: needs hs_topo_up, HS_CERT/HS_KEY and
# HS_ROOT. Returns non-zero (after printing its logs) if httpsd exits or
# is not ready within HS_READY_TIMEOUT seconds.
start_httpsd() {
	local i
	[ -z "$HS_PID" ] || hs_fatal "start_httpsd: httpsd already running"
	hs_eal_args
	# Keep the access log in the test's temp dir unless the test chose.
	case " $* " in
	*" --access-log"*) ;;
	*) set -- "$@" --access-log "$HS_TMP/access.log" ;;
	esac
	HS_OUT=$HS_TMP/httpsd.out
	HS_ERR=$HS_TMP/httpsd.err
	# Empty them now: the redirections below run in the background, and
	# a restart must not find the last run's "ready" line.
	: >"$HS_OUT"
	: >"$HS_ERR"
	hs_log "starting: $HTTPSD ${HS_EAL_ARGS[*]} -- --addr $HS_SRV_IP/24 --cert $HS_CERT --key $HS_KEY --root $HS_ROOT $*"
	ip netns exec "$HS_SRV_NS" "$HTTPSD" "${HS_EAL_ARGS[@]}" -- \
		--addr "$HS_SRV_IP/24" --cert "$HS_CERT" --key "$HS_KEY" \
		--root "$HS_ROOT" "$@" >"$HS_OUT" 2>"$HS_ERR" &
	HS_PID=$!
	for ((i = 0; i < HS_READY_TIMEOUT * 10; i++)); do
		if grep -q '^httpsd: ready' "$HS_OUT" 2>/dev/null; then
			hs_log "$(grep -m1 '^httpsd: ready' "$HS_OUT")"
			return 0
		fi
		hs_alive "$HS_PID" || break
		sleep 0.1
	done
	if hs_alive "$HS_PID"; then
		hs_log "httpsd not ready after ${HS_READY_TIMEOUT}s"
	else
		wait "$HS_PID"
		hs_log "httpsd exited early with status $?"
		HS_PID=""
	fi
	return 1	# hs_cleanup prints httpsd's logs when the test fails
}

# hs_start_refused DESC ERE [EXTRA APP ARGS...]: httpsd started as
# start_httpsd starts it (hs_eal_args, the test's certificate and root)
# with the extra arguments must refuse to run: exit 2 within 60 s, with
# one "httpsd:" line on stderr, matching ERE.  Leaves no runtime directory.
hs_start_refused() {
	local desc=$1 re=$2 rc msg
	shift 2
	[ -z "$HS_PID" ] || hs_fatal "hs_start_refused: httpsd already running"
	hs_eal_args
	ip netns exec "$HS_SRV_NS" timeout -k 5 60 "$HTTPSD" "${HS_EAL_ARGS[@]}" -- \
		--addr "$HS_SRV_IP/24" --cert "$HS_CERT" --key "$HS_KEY" \
		--root "$HS_ROOT" "$@" >"$HS_TMP/refused.out" 2>"$HS_TMP/refused.err"
	rc=$?
	msg=$(grep '^httpsd:' "$HS_TMP/refused.err")
	check_eq "$desc: exit 2" 2 "$rc"
	check_match "$desc: the message" "$re" "$msg"
	check_eq "$desc: one line" 1 "$(printf '%s\n' "$msg" | wc -l)"
	rm -rf "/var/run/dpdk/$HS_PFX"
}

# stop_httpsd: SIGTERM, bounded wait, asserts a clean exit.
stop_httpsd() {
	local rc
	[ -n "$HS_PID" ] || hs_fatal "stop_httpsd: httpsd not running"
	kill -TERM "$HS_PID" 2>/dev/null
	if ! hs_wait_gone "$HS_PID" "$HS_STOP_TIMEOUT"; then
		hs_fail "httpsd still running ${HS_STOP_TIMEOUT}s after SIGTERM"
		kill -KILL "$HS_PID" 2>/dev/null
	fi
	wait "$HS_PID"
	rc=$?
	HS_PID=""
	check_eq "httpsd exits 0 after SIGTERM" 0 "$rc"
	check "httpsd prints 'mbufs_in_use 0' at exit" grep -qx 'mbufs_in_use 0' "$HS_OUT"
}

# --- clients --------------------------------------------------------------

cli() { ip netns exec "$HS_CLI_NS" "$@"; }

hcurl() { cli curl -sS --max-time "$HS_CURL_TIME" --cacert "$HS_CERT" "$@"; }

hs_telemetry_sock() { printf '/var/run/dpdk/%s/dpdk_telemetry.v2' "$HS_PFX"; }

# hs_stats: "name value" lines of /httpsd/stats
hs_stats() { "$HS_PY" "$HS_LIBDIR/hs_telemetry.py" "$(hs_telemetry_sock)" /httpsd/stats; }

# hs_stat NAME: one counter (empty if absent)
hs_stat() { hs_stats | awk -v n="$1" '$1 == n {print $2; exit}'; }

# hs_idle_check WHAT SECONDS MAX: over SECONDS of no traffic, the polling
# loops (all lcores) must have waited on their port's socket at least 10
# times (loop_waits) and woken at most MAX times (loop_sleeps): checks
# named after WHAT.
hs_idle_check() {
	local what=$1 secs=$2 max=$3 s0 w0 s1 w1
	s0=$(hs_stat loop_sleeps) w0=$(hs_stat loop_waits)
	sleep "$secs"
	s1=$(hs_stat loop_sleeps) w1=$(hs_stat loop_waits)
	hs_log "$what, $secs s: $((s1 - s0)) sleeps, $((w1 - w0)) of them waits on the socket"
	check_ge "$what: waited on the socket (loop_waits)" $((w0 + 10)) "$w1"
	check_ge "$what: at most $max wake-ups in $secs s" $((s1 - s0)) "$max"
}

# hs_wait_stat_eq NAME VALUE SECONDS: poll the counter (every 0.5 s, at
# most SECONDS) until it equals VALUE; status 0 if it did.
hs_wait_stat_eq() {
	local i v=""
	for ((i = 0; i < $3 * 2; i++)); do
		v=$(hs_stat "$1")
		[ "$v" = "$2" ] && return 0
		sleep 0.5
	done
	hs_log "$1 is '$v', not $2, after $3 s"
	return 1
}

hs_ping() { cli "$HS_PY" "$HS_LIBDIR/hs_ping.py" "$@"; }

# hs_docroot DIR: index.html, big.bin (1 MiB random), sub/index.html
hs_docroot() {
	HS_ROOT=$1
	mkdir -p "$HS_ROOT/sub" || hs_fatal "mkdir $HS_ROOT"
	printf '<!doctype html>\n<title>httpsd test %s</title>\n<p>hello from httpsd</p>\n' \
		"$HS_NAME" >"$HS_ROOT/index.html"
	head -c 1048576 /dev/urandom >"$HS_ROOT/big.bin"
	printf 'sub index %s\n' "$HS_NAME" >"$HS_ROOT/sub/index.html"
}
