#!/usr/bin/env bash
# tests/bench/test_paths_smoke.sh - the paths part of scripts/bench in its
# smallest form (one profile, one size, one sample per server): both
# servers answer through bench/linkem, paths.jsonl has a sane positive time
# to last byte for each, and results.md has the table and a ratio.  About
# 15 s.  Needs root (exit 77 otherwise), build/httpsd, build/bench/linkem,
# nginx and curl (never installs anything: --no-install).
set -uo pipefail
SRC=${HS_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${HS_BUILD_DIR:-$SRC/build}
[ "$(id -u)" = 0 ] || { echo "test_paths_smoke: SKIP: needs root"; exit 77; }
for t in nginx curl; do
	command -v "$t" >/dev/null || { echo "test_paths_smoke: SKIP: no $t"; exit 77; }
done
[ -x "$BUILD/bench/linkem" ] && [ -x "$BUILD/httpsd" ] ||
	{ echo "test_paths_smoke: SKIP: build httpsd and bench/linkem first"; exit 77; }
OUT=$(mktemp -d /tmp/httpsd-paths-smoke.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
FAILS=0
ok() { if eval "$2"; then echo "test_paths_smoke: ok: $1"; else echo "test_paths_smoke: FAIL: $1"; FAILS=$((FAILS + 1)); fi; }

HS_BUILD_DIR=$BUILD timeout -k 10 150 bash "$SRC/scripts/bench" --only paths --quick --no-install \
	--paths-profiles rtt40 --paths-sizes 100k --paths-runs 1 --out "$OUT/r" >"$OUT/log" 2>&1
rc=$?
tail -5 "$OUT/log"
ok "scripts/bench --only paths --quick exits 0 ($rc)" '[ "$rc" = 0 ]'
ok "it printed the expected duration" 'grep -q "paths: .*expected about" "$OUT/log"'
ok "paths.jsonl has a cell for httpsd and one for nginx" \
	'[ "$(grep -c "\"type\":\"cell\"" "$OUT/r/paths.jsonl" 2>/dev/null)" = 2 ]'
/usr/bin/python3 - "$OUT/r" <<'PY' >"$OUT/check" 2>&1
import json, sys
out = sys.argv[1]
cells = [json.loads(l) for l in open(out + "/paths.jsonl") if '"cell"' in l]
links = [json.loads(l) for l in open(out + "/paths.jsonl") if '"linkem"' in l]
srv = sorted(c["server"] for c in cells)
assert srv == ["httpsd", "nginx"], srv
for c in cells:
    v = c["ttlb_s"]
    # 100 kB over 40 ms at 500 Mbit/s: at least one RTT, far below 10 s
    assert len(v) == 1 and 0.03 < v[0] < 10, (c["server"], v)
    assert c["fail"] == 0, c
assert len(links) == 2 and all(l["counters"]["s2c"]["tx"] > 50 for l in links), links
r = json.load(open(out + "/results.json"))["paths"]["table"]
assert len(r) == 1 and 0.05 < r[0]["ratio_median"] < 20, r
# one sample each: the paired ratio is the ratio of the two samples
assert abs(r[0]["ratio_paired"] - r[0]["ratio_median"]) < 1e-9, r
# linkem re-seeded before the sample (SIGUSR1), once per server
for s in ("httpsd", "nginx"):
    txt = open(out + "/raw/paths-linkem-rtt40-%s.txt" % s).read()
    assert "linkem: reseeds 1\n" in txt, (s, txt[-300:])
md = open(out + "/results.md").read()
assert "## Paths: time to last byte" in md and "| rtt40 |" in md
assert open(out + "/paths.svg").read().startswith("<svg")
print("ok", [(c["server"], c["ttlb_s"][0]) for c in cells], r[0]["ratio_median"])
PY
prc=$?
cat "$OUT/check"
ok "samples, counters, table and SVG are sane" '[ "$prc" = 0 ]'
[ "$FAILS" = 0 ] && echo "test_paths_smoke: PASS" || echo "test_paths_smoke: FAIL"
[ "$FAILS" = 0 ]
