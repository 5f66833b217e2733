# shellcheck shell=bash
# shellcheck disable=SC2034 # HS_IP_CUR, HS_TELEM, SRV_PID, CLI_NS: read by scripts/bench
# bench part "memif": httpsd (memif server, core SRV_CORE) against
# bench/loadgen (memif client on core CLI_CORE): our own TCP stack and a
# wolfSSL client, so no kernel is on the path and the server's busy cycles
# per unit are what bare metal would show without NIC costs.  Scenarios as
# the httpsd part's: full and resumed handshakes (Connection: close) and
# keep-alive GETs of 0 B, 1 KiB, 16 KiB, 1 MiB, and 1 MiB again at MTU 9000
# (ka_1m_mtu9000).  MEMIF_SCENARIOS="ka_1k ka_1m" runs only those.  memif.md puts httpsd's
# busy µs per unit beside the in-process floors measured in the same run
# (bench_tls: full / resumed handshake, 1 KiB request on in-memory
# sessions, server CPU only; bench_crypto: 64 x the CPU time of sealing a
# 16 KiB record, for 1 MiB), as the ratio server / floor.  Raw loadgen output: raw/memif-SCENARIO.txt.
register_part memif yes "httpsd vs bench/loadgen over net_memif: busy cycles per unit beside the in-process floors"

LOADGEN=${LOADGEN:-$BUILD/bench/loadgen}

memif_floors() {
	local f=$OUT/raw/memif-floors
	: >"$f.tls.json"
	: >"$f.crypto.json"
	[ -x "$BENCH_TLS" ] && taskset -c "$SRV_CORE" timeout -k 5 120 "$BENCH_TLS" \
		--benchmark_filter='BM_(FullHandshake|ResumedHandshake|Request1K)' \
		--benchmark_min_time=0.3 --benchmark_format=json >"$f.tls.json" 2>/dev/null
	[ -x "$BENCH_CRYPTO" ] && taskset -c "$SRV_CORE" timeout -k 5 60 "$BENCH_CRYPTO" \
		--benchmark_filter='BM_Seal/len:16384/key:16/ipsecmb:1/' \
		--benchmark_min_time=0.3 --benchmark_format=json >"$f.crypto.json" 2>/dev/null
	return 0
}

memif_table() {
	"$PY" - "$OUT" "$TSC_HZ" >"$OUT/memif.md" <<'PYEOF'
import json, os, sys
out, hz = sys.argv[1], float(sys.argv[2])
def bench_us(path, name_prefix, mult=1.0, field="real_time"):
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return None
    for b in d.get("benchmarks", []):
        if b["name"].startswith(name_prefix) and "error_occurred" not in b:
            t = b[field]
            unit = b.get("time_unit", "ns")
            t *= {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[unit]
            return t * mult
    return None
raw = os.path.join(out, "raw")
floors = {
    "hs_full": bench_us(os.path.join(raw, "memif-floors.tls.json"), "BM_FullHandshake"),
    "hs_resumed": bench_us(os.path.join(raw, "memif-floors.tls.json"), "BM_ResumedHandshake"),
    "ka_1k": bench_us(os.path.join(raw, "memif-floors.tls.json"), "BM_Request1K"),
    "ka_1m": bench_us(os.path.join(raw, "memif-floors.crypto.json"), "BM_Seal/len:16384", 64.0, "cpu_time"),
}
floor_what = {"hs_full": "bench_tls full handshake", "hs_resumed": "bench_tls resumed handshake",
              "ka_1k": "bench_tls 1 KiB request", "ka_1m": "64 x bench_crypto seal 16 KiB"}
rows = []
with open(os.path.join(out, "runs.jsonl")) as f:
    for line in f:
        r = json.loads(line)
        if r["server"] == "httpsd-memif":
            rows.append(r)
print("| scenario | loadgen /s | p50 µs | p99 µs | errors | httpsd busy µs/unit | floor µs/unit | floor | busy / floor |")
print("|---|---:|---:|---:|---:|---:|---:|---|---:|")
for r in rows:
    b, a, s = r["before"], r["after"], r["scenario"]
    units = (a[8] - b[8]) if s.startswith("hs_") else (a[9] - b[9])
    busy = (a[6] - b[6]) / hz * 1e6 / units if units > 0 else None
    lg = {}
    try:
        with open(os.path.join(out, r["raw"])) as f:
            for line in f:
                k, _, v = line.partition(" ")
                lg[k] = v.strip()
    except OSError:
        pass
    rate = lg.get("handshakes_per_s" if s.startswith("hs_") else "requests_per_s", "-")
    fl = floors.get(s.split("_mtu")[0])
    f2 = lambda v: "%.2f" % v if v is not None else "-"
    print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        s, rate, lg.get("lat_p50_us", "-"), lg.get("lat_p99_us", "-"), lg.get("errors", "-"),
        f2(busy), f2(fl), floor_what.get(s.split("_mtu")[0], "-"),
        "%.2f" % (busy / fl) if busy and fl else "-"))
PYEOF
	log "memif: $(tr '\n' ' ' <"$OUT/memif.md")"
}

# memif_want SCENARIO: 0 when MEMIF_SCENARIOS (space-separated) is unset or names it
memif_want() { [ -z "${MEMIF_SCENARIOS:-}" ] || [[ " $MEMIF_SCENARIOS " == *" $1 "* ]]; }

# memif_run SCENARIO BODY CONNS LOADGEN-ARGS...
memif_run() {
	local scen=$1 size=$2 conns=$3
	shift 3
	measure "$scen" loadgen "$size" "$conns" "$LOADGEN" -l "$CLI_CORE" --no-pci \
		--no-huge -m 512 --file-prefix "${PFX}g" \
		"--vdev=net_memif0,role=client,socket=$TMP/memif.sock,socket-abstract=no$MEMIF_VDEV_X" -- \
		--addr 198.18.0.2/24 --server "$HS_IP" --conns "$conns" --duration "$DURATION" "$@"
	rm -rf "/var/run/dpdk/${PFX}g"
}

part_memif() {
	local d=$DURATION
	if [ ! -x "$LOADGEN" ]; then
		log "memif: no $LOADGEN: skipped"
		return 0
	fi
	SERVER=httpsd-memif
	HS_IP_CUR=$HS_IP
	MEMIF_VDEV_X=""
	if ! launch_httpsd "net_memif0,role=server,socket=$TMP/memif.sock,socket-abstract=no"; then
		log "memif: httpsd did not start (see raw/$SERVER-server.err)"
		return 0
	fi
	HS_TELEM=/var/run/dpdk/$PFX/dpdk_telemetry.v2
	SRV_PID=$HS_PID
	# measure runs CMD in CLI_NS on CLI_CORE; memif needs no namespace,
	# the client one is as good as any.
	CLI_NS=$HS_CLI_NS
	memif_want hs_full && memif_run hs_full 40 50 --mode full --path /index.html
	memif_want hs_resumed && memif_run hs_resumed 40 50 --mode resume --path /index.html
	memif_want ka_0 && memif_run ka_0 0 50 --mode ka --path /0.bin
	memif_want ka_1k && memif_run ka_1k 1024 50 --mode ka --path /1k.bin
	memif_want ka_16k && memif_run ka_16k 16384 50 --mode ka --path /16k.bin
	memif_want ka_1m && memif_run ka_1m 1048576 8 --mode ka --path /1m.bin
	stop_httpsd
	# The same 1 MiB at MTU 9000 on both sides (memif buffers of 9216
	# bytes: one ring slot per frame; the 2 KiB packet mbufs chain it):
	# a sixth of the frames, as a NIC's TSO or jumbo frames would give.
	if memif_want ka_1m_mtu9000 && MEMIF_VDEV_X=,bsize=9216 &&
		launch_httpsd "net_memif0,role=server,socket=$TMP/memif.sock,socket-abstract=no$MEMIF_VDEV_X" --mtu 9000; then
		HS_TELEM=/var/run/dpdk/$PFX/dpdk_telemetry.v2
		SRV_PID=$HS_PID
		memif_run ka_1m_mtu9000 1048576 8 --mode ka --path /1m.bin --mtu 9000
		stop_httpsd
	fi
	MEMIF_VDEV_X=""
	rm -f "$TMP/memif.sock"
	DURATION=$d
	memif_floors
	memif_table
}
