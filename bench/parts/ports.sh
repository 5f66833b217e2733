# shellcheck shell=bash
# bench part "ports": the httpsd load scenarios on net_af_packet, then on
# net_af_xdp, same namespace pair, same run.  Server CPU per unit is the
# delta of telemetry loop_busy_cycles over the units httpsd counted (as in
# the httpsd part), so the ratio af_xdp / af_packet is the per-frame cost
# of the port (the kernel work a syscall of the port does on the polling
# core included).  Runs go to runs.jsonl as servers httpsd-af_packet and
# httpsd-af_xdp (results.md "Other runs"); ports.md has the ratios.
register_part ports no "httpsd on net_af_packet, then net_af_xdp: busy cycles per unit side by side"

ports_table() {
	"$PY" - "$OUT/runs.jsonl" "$TSC_HZ" >"$OUT/ports.md" <<'PYEOF'
import json, sys
runs, hz = {}, float(sys.argv[2])
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line)
        if r["server"] in ("httpsd-af_packet", "httpsd-af_xdp"):
            runs[(r["server"], r["scenario"])] = r
def per_unit(r):
    b, a = r["before"], r["after"]
    units = (a[8] - b[8]) if r["scenario"].startswith("hs_") else (a[9] - b[9])
    return (a[6] - b[6]) / hz * 1e6 / units if units > 0 else None
print("| scenario | af_packet busy µs/unit | af_xdp busy µs/unit | af_xdp / af_packet |")
print("|---|---:|---:|---:|")
for scen in sorted({s for _, s in runs}):
    p, x = runs.get(("httpsd-af_packet", scen)), runs.get(("httpsd-af_xdp", scen))
    pv, xv = per_unit(p) if p else None, per_unit(x) if x else None
    f = lambda v: "%.2f" % v if v is not None else "-"
    print("| %s | %s | %s | %s |" % (scen, f(pv), f(xv),
          "%.2f" % (xv / pv) if pv and xv else "-"))
PYEOF
	log "ports: $(tr '\n' ' ' <"$OUT/ports.md")"
}

part_ports() {
	local saved=${HS_PORT_KIND:-} kind
	if ! bash "$SRC/scripts/port-pick" --check 2>"$TMP/port-check"; then
		log "ports: skipped: $(cat "$TMP/port-check")"
		return 0
	fi
	for kind in af_packet af_xdp; do
		HS_PORT_KIND=$kind
		bench_httpsd "httpsd-$kind"
	done
	HS_PORT_KIND=$saved
	ports_table
}
