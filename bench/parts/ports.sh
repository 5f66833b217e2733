# shellcheck shell=bash
# bench part "ports": the httpsd load scenarios on net_af_packet, then on
# net_af_xdp, then on net_hs_packet (when httpsd --version says it is
# built in), same namespace pair, same run.  Server CPU per unit is the
# delta of telemetry loop_busy_cycles over the units httpsd counted (as in
# the httpsd part), so the ratio af_xdp / af_packet is the per-frame cost
# of the port (the kernel work a syscall of the port does on the polling
# core included).  The pair runs PORTS_ROUNDS times (default 3), af_packet
# and af_xdp (and hs_packet) alternating, and ports.md takes each port's lowest figure per
# scenario: on a shared machine other work preempting the polling lcore
# inflates busy cycles (a preempted busy iteration counts whole), never
# deflates them.  Runs go to runs.jsonl as servers httpsd-af_packet.R and
# httpsd-af_xdp.R, httpsd-hs_packet.R (results.md "Other runs").
register_part ports no "httpsd on net_af_packet, net_af_xdp, net_hs_packet: busy cycles per unit side by side"

ports_table() {
	"$PY" - "$OUT/runs.jsonl" "$TSC_HZ" >"$OUT/ports.md" <<'PYEOF'
import json, sys
runs, hz = {}, float(sys.argv[2])
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line)
        srv = r["server"].split(".")[0]
        if srv in ("httpsd-af_packet", "httpsd-af_xdp", "httpsd-hs_packet"):
            runs.setdefault((srv, r["scenario"]), []).append(r)
def per_unit(r):
    b, a = r["before"], r["after"]
    units = (a[8] - b[8]) if r["scenario"].startswith("hs_") else (a[9] - b[9])
    return (a[6] - b[6]) / hz * 1e6 / units if units > 0 else None
def lowest(rs):
    v = [x for x in (per_unit(r) for r in rs or []) if x is not None]
    return min(v) if v else None
kinds = [k for k in ("af_packet", "af_xdp", "hs_packet")
         if any(srv == "httpsd-" + k for srv, _ in runs)]
print("| scenario | " + " | ".join("%s busy µs/unit" % k for k in kinds) + " | " +
      " | ".join("%s / af_packet" % k for k in kinds[1:]) + " | rounds |")
print("|---|" + "---:|" * (2 * len(kinds)))
f = lambda v: "%.2f" % v if v is not None else "-"
for scen in sorted({s for _, s in runs}):
    rs = [runs.get(("httpsd-" + k, scen)) for k in kinds]
    v = [lowest(r) for r in rs]
    ratios = ["%.2f" % (x / v[0]) if v[0] and x else "-" for x in v[1:]]
    print("| %s | %s | %s | %d |" % (scen, " | ".join(f(x) for x in v),
          " | ".join(ratios), min(len(r or []) for r in rs)))
PYEOF
	log "ports: $(tr '\n' ' ' <"$OUT/ports.md")"
}

part_ports() {
	local saved=${HS_PORT_KIND:-} kind r
	if ! bash "$SRC/scripts/port-pick" --check 2>"$TMP/port-check"; then
		log "ports: skipped: $(cat "$TMP/port-check")"
		return 0
	fi
	local kinds="af_packet af_xdp"
	"$HTTPSD" --version 2>/dev/null | grep -q '^Built-in ports: net_hs_packet yes' &&
		kinds="$kinds hs_packet"
	for ((r = 1; r <= ${PORTS_ROUNDS:-3}; r++)); do
		for kind in $kinds; do
			HS_PORT_KIND=$kind
			bench_httpsd "httpsd-$kind.$r"
		done
	done
	HS_PORT_KIND=$saved
	ports_table
}
