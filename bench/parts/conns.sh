# shellcheck shell=bash
# shellcheck disable=SC2034 # HS_IP_CUR, HS_TELEM: read by scripts/bench
# bench part "conns": server CPU per keep-alive 1 KiB request as the
# number of open connections grows, httpsd beside nginx in one run.
#
# For each count C in CONNS_LIST (default "50 500 2000 8000"): wrk -c C
# GETs /1k.bin over keep-alive connections.  The handshakes of C
# connections are not requests: the load starts, the part waits (bounded)
# until the server counted C handshakes (httpsd tls_hs_ok, nginx
# stub_status accepts) and served two requests per connection, then a
# second more, snapshots the counters, waits DURATION seconds, snapshots
# again and lets wrk end.  Server CPU per request, over the requests
# counted between the snapshots: utime+stime of httpsd (run with
# --idle-sleep US, as the httpsd-idle part) and of nginx's worker; for
# httpsd also busy TSC cycles (telemetry loop_busy_cycles), which count a
# busy iteration whole even when another process preempted it.
# Runs go to runs.jsonl as servers httpsd-conns and nginx-conns
# (scenario ka_1k_cC); conns.md has the curve: per-request cost at each
# count and its ratio to the cost at the first count, both servers.
#   scripts/bench --only conns [--quick]
# CONNS_ROUNDS (default 1) repeats the whole curve; conns.md takes each
# point's lowest figure (preemption on a shared machine only ever inflates
# busy cycles).  CONNS_DELAY_MS=N makes every connection wait N ms before
# its next request (a wrk delay() script; scenario ka_1k_cC_dN): fewer
# requests per second at a given count, to tell the cost of more
# connections from the cost of a lower request rate (smaller batches per
# loop iteration).  CONNS_SERVERS (default "httpsd nginx memif") picks
# servers.  "memif": httpsd on net_memif against bench/loadgen --rate
# CONNS_RATE (default 20000 requests/s in all, whatever the count): the
# same curve at one request rate and without the kernel, busy cycles per
# request (server httpsd-memif-conns, scenario ka_1k_cC_rR);
# CONNS_HS_ARGS: more httpsd options for that server (e.g.
# "--tls-key-blocks 64").
register_part conns no "CPU per keep-alive 1 KiB request at 50/500/2000/8000 connections, httpsd vs nginx"

# conns_snap NAME: the counters measure() snapshots, for server NAME.
conns_snap() {
	local saved=$SERVER
	case "$1" in
	nginx*) SERVER=nginx ;;
	*) SERVER=httpsd ;;
	esac
	snapshot
	SERVER=$saved
}

# conns_opened: "connections requests" the server counted so far
# (httpsd: TLS handshakes done; nginx: TCP accepts).
conns_opened() {
	case "$SERVER" in
	nginx*) ngx_counters ;;
	*) hs_counters | awk '{print $3, $4}' ;;
	esac
}

# conns_point C: one point of the curve against the server now running.
conns_point() {
	local c=$1 scen=ka_1k_c$1 raw h0 q0 lpid pace=()
	if [ -n "${CONNS_DELAY_MS:-}" ]; then
		# each connection waits this long before its next request
		printf 'function delay() return %d end\n' "$CONNS_DELAY_MS" >"$TMP/conns_delay.lua"
		pace=(-s "$TMP/conns_delay.lua")
		scen=${scen}_d$CONNS_DELAY_MS
	fi
	if past_deadline; then
		log "deadline (${DEADLINE}s) reached: skipping $SERVER $scen"
		return 0
	fi
	raw=raw/$SERVER-$scen.txt
	read -r h0 q0 <<<"$(conns_opened)"
	# long enough for the handshakes (bounded below) and the window
	ip netns exec "$CLI_NS" taskset -c "$CLI_CORE" timeout -k 30 \
		$((DURATION * 3 + 150)) wrk -t1 -c"$c" -d$((DURATION + 120))s \
		--timeout 10s "${pace[@]}" "$URL/1k.bin" >"$OUT/$raw" 2>&1 &
	lpid=$!
	conns_window "$scen" "$c" "$raw" wrk "$lpid" "$h0" "$q0"
}

# conns_window SCEN C RAW TOOL LPID H0 Q0: the load LPID (TOOL) runs
# against the server; wait (bounded, 120 s) until every connection is
# open and two requests per connection were served (no handshake, server
# or client side, falls in the window; H0 Q0: the counters before),
# then snapshot, wait DURATION seconds, snapshot, stop the load and
# append the run to runs.jsonl.
conns_window() {
	local scen=$1 c=$2 raw=$3 tool=$4 lpid=$5 h0=$6 q0=$7 h q i b a rc
	for ((i = 0; i < 1200; i++)); do
		read -r h q <<<"$(conns_opened)"
		[ $((h - h0)) -ge "$c" ] && [ $((q - q0)) -ge $((2 * c)) ] && break
		[ $((h - h0)) -lt "$c" ] && q0=$q
		alive "$lpid" || break
		sleep 0.1
	done
	log "$SERVER $scen: $((h - h0)) connections open, warm after $((i / 10)) s"
	sleep 1
	b=$(conns_snap "$SERVER")
	sleep "$DURATION"
	a=$(conns_snap "$SERVER")
	kill -INT "$lpid" 2>/dev/null
	wait "$lpid"
	rc=$?
	printf '{"server":"%s","scenario":"%s","tool":"%s","body_bytes":1024,"conns":%d,"exit":%d,"raw":"%s","client_cpu_ms":0,"before":[%s],"after":[%s]}\n' \
		"$SERVER" "$scen" "$tool" "$c" "$rc" "$raw" \
		"$(tr ' ' , <<<"$b")" "$(tr ' ' , <<<"$a")" >>"$RUNS"
	sleep 2	# the C connections close
}

# conns_idle: the server's CPU over DURATION seconds without load (its
# polling floor: httpsd --idle-sleep wakes every US microseconds), as
# scenario "idle" with conns 0.
conns_idle() {
	local b a
	b=$(conns_snap "$SERVER")
	sleep "$DURATION"
	a=$(conns_snap "$SERVER")
	printf '{"server":"%s","scenario":"idle","tool":"none","body_bytes":0,"conns":0,"exit":0,"raw":"","client_cpu_ms":0,"before":[%s],"after":[%s]}\n' \
		"$SERVER" "$(tr ' ' , <<<"$b")" "$(tr ' ' , <<<"$a")" >>"$RUNS"
}

conns_table() {
	"$PY" - "$OUT/runs.jsonl" "$TSC_HZ" "$CLK_TCK" >"$OUT/conns.md" <<'PYEOF'
import json, re, sys
hz, tck = float(sys.argv[2]), float(sys.argv[3])
pts = {}  # (server, pacing suffix, conns) -> lowest µs per request
floor = {}  # server -> lowest CPU seconds per second without load
runs = [json.loads(line) for line in open(sys.argv[1])]
for r in runs:
    if r["scenario"] == "idle" and r["server"] in ("httpsd-conns", "nginx-conns"):
        b, a = r["before"], r["after"]
        f = (a[1] - b[1]) / tck / ((a[0] - b[0]) / 1e9)
        floor[r["server"]] = min(f, floor.get(r["server"], f))
for r in runs:
    m = re.match(r"ka_1k_c(\d+)(.*)$", r["scenario"])
    if r["server"] not in ("httpsd-conns", "nginx-conns") or not m:
        continue
    b, a = r["before"], r["after"]
    req = a[9] - b[9]
    if req <= 0:
        continue
    secs = (a[0] - b[0]) / 1e9
    us = (a[1] - b[1]) / tck * 1e6 / req
    busy = (a[6] - b[6]) / hz * 1e6 / req
    net = ((a[1] - b[1]) / tck - floor.get(r["server"], 0) * secs) * 1e6 / req
    rate = req / secs
    k = (r["server"], m.group(2), int(m.group(1)))
    if k not in pts or us < pts[k][0]:
        pts[k] = (us, rate, busy, net)
print("| connections | pacing | httpsd CPU µs/req | x first | req/s | "
      "nginx CPU µs/req | x first | req/s | httpsd / nginx | "
      "httpsd busy µs/req | httpsd net µs/req | x first | nginx net µs/req | x first |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for pace in sorted({p for _, p, _ in pts}):
    counts = sorted({c for _, p, c in pts if p == pace})
    def col(srv, c):
        v, v0 = pts.get((srv, pace, c)), pts.get((srv, pace, counts[0]))
        if v is None:
            return ["-", "-", "-"]
        return ["%.2f" % v[0], "%.2f" % (v[0] / v0[0]) if v0 else "-",
                "%.0f" % v[1]]
    for c in counts:
        h, n = pts.get(("httpsd-conns", pace, c)), pts.get(("nginx-conns", pace, c))
        def net(srv):
            v, v0 = pts.get((srv, pace, c)), pts.get((srv, pace, counts[0]))
            if v is None:
                return "- | -"
            return "%.2f | %s" % (v[3], "%.2f" % (v[3] / v0[3]) if v0 and v0[3] > 0 else "-")
        print("| %d | %s | %s | %s | %s | %s | %s | %s |" % (c, pace.lstrip("_") or "-",
              " | ".join(col("httpsd-conns", c)), " | ".join(col("nginx-conns", c)),
              "%.2f" % (h[0] / n[0]) if h and n else "-",
              "%.2f" % h[2] if h else "-", net("httpsd-conns"), net("nginx-conns")))
mem = {}
for r in runs:
    m = re.match(r"ka_1k_c(\d+)_r(\d+)$", r["scenario"])
    if r["server"] != "httpsd-memif-conns" or not m:
        continue
    b, a = r["before"], r["after"]
    req = a[9] - b[9]
    if req <= 0:
        continue
    busy = (a[6] - b[6]) / hz * 1e6 / req
    k = (int(m.group(2)), int(m.group(1)))
    if k not in mem or busy < mem[k][0]:
        mem[k] = (busy, req / ((a[0] - b[0]) / 1e9))
if mem:
    print()
    print("httpsd on net_memif, bench/loadgen at a fixed request rate "
          "(busy cycles per request, no kernel on the path):")
    print()
    print("| connections | target req/s | req/s | httpsd busy µs/req | x first |")
    print("|---:|---:|---:|---:|---:|")
    for rate in sorted({r for r, _ in mem}):
        counts = sorted(c for r, c in mem if r == rate)
        v0 = mem[(rate, counts[0])][0]
        for c in counts:
            v = mem[(rate, c)]
            print("| %d | %d | %.0f | %.2f | %.2f |" % (c, rate, v[1], v[0], v[0] / v0))
print()
print("Idle floor (CPU seconds per second without load): " + ", ".join(
      "%s %.3f" % (s.split("-")[0], f) for s, f in sorted(floor.items())) +
      "; net = CPU minus the floor over the window, per request.")
PYEOF
	log "conns: $(tr '\n' ' ' <"$OUT/conns.md")"
}

conns_want() { [[ " ${CONNS_SERVERS:-httpsd nginx memif} " == *" $1 "* ]]; }

# conns_memif_point C: one point against httpsd on net_memif, the load
# from bench/loadgen at CONNS_RATE requests a second in all (warm-up as
# conns_point: C handshakes and two requests per connection first).
conns_memif_point() {
	local c=$1 rate=${CONNS_RATE:-20000} scen raw h0 q0 lpid
	scen=ka_1k_c${c}_r$rate
	if past_deadline; then
		log "deadline (${DEADLINE}s) reached: skipping $SERVER $scen"
		return 0
	fi
	raw=raw/$SERVER-$scen.txt
	read -r h0 q0 <<<"$(conns_opened)"
	ip netns exec "$CLI_NS" taskset -c "$CLI_CORE" timeout -k 30 \
		$((DURATION * 3 + 150)) "$LOADGEN" -l "$CLI_CORE" --no-pci \
		--no-huge -m 1024 --file-prefix "${PFX}g" \
		"--vdev=net_memif0,role=client,socket=$TMP/memifc.sock,socket-abstract=no" -- \
		--addr 198.18.0.2/24 --server "$HS_IP" --mode ka --path /1k.bin \
		--conns "$c" --rate "$rate" --duration $((DURATION + 120)) \
		>"$OUT/$raw" 2>&1 &
	lpid=$!
	conns_window "$scen" "$c" "$raw" loadgen "$lpid" "$h0" "$q0"
	rm -rf "/var/run/dpdk/${PFX}g"
}

part_conns() {
	local c r list=${CONNS_LIST:-50 500 2000 8000} max=0
	for c in $list; do [ "$c" -gt "$max" ] && max=$c; done
	ulimit -n $((max + 4096))
	for ((r = 1; r <= ${CONNS_ROUNDS:-1}; r++)); do
		SERVER=httpsd-conns
		if conns_want httpsd && start_httpsd --max-conns $((max + 1024)) \
			--max-conns-per-source 0 --idle-sleep "$IDLE_SLEEP"; then
			warmup
			conns_idle
			for c in $list; do conns_point "$c"; done
			stop_httpsd
		fi
		LOADGEN=${LOADGEN:-$BUILD/bench/loadgen}
		SERVER=httpsd-memif-conns
		HS_IP_CUR=$HS_IP
		if conns_want memif && [ -x "$LOADGEN" ] &&
			launch_httpsd "net_memif0,role=server,socket=$TMP/memifc.sock,socket-abstract=no" \
				--max-conns $((max + 1024)) --max-conns-per-source 0 ${CONNS_HS_ARGS:-}; then
			HS_TELEM=/var/run/dpdk/$PFX/dpdk_telemetry.v2
			SRV_PID=$HS_PID
			CLI_NS=$HS_CLI_NS
			for c in $list; do conns_memif_point "$c"; done
			stop_httpsd
			rm -f "$TMP/memifc.sock"
		fi
		conns_want nginx || continue
		SERVER=nginx-conns
		write_nginx_conf "$TMP/nginx" "$NGX_IP" "        ssl_protocols TLSv1.3;"
		sed -i "s/^events { worker_connections [0-9]*; }/worker_rlimit_nofile $((max + 4096));\nevents { worker_connections $((max + 1024)); }/" \
			"$TMP/nginx/nginx.conf"
		if start_nginx "$NAME_B-srv" "$TMP/nginx"; then
			# shellcheck disable=SC2034 # read by snapshot (scripts/bench)
			SRV_PID=$NGX_WORKER
			CLI_NS=$NAME_B-cli
			URL=https://$NGX_IP
			warmup
			conns_idle
			for c in $list; do conns_point "$c"; done
			stop_nginx "$TMP/nginx"
		fi
	done
	conns_table
}
