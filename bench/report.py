#!/usr/bin/python3
"""Turn a scripts/bench output directory into results.json, results.md and
PNG plots.

usage: report.py OUTDIR

Reads OUTDIR/meta.txt, OUTDIR/runs.jsonl (one measurement per line, written
by scripts/bench) and the raw tool output the runs point to.  A snapshot is
[wall_ns, server_ticks, core0_busy, core0_total, core1_busy, core1_total,
 c1, c2, c3, c4] where c1..c4 are httpsd's loop_busy_cycles,
loop_idle_cycles, tls_hs_ok, http_req, or for nginx 0, 0 and stub_status
accepts, requests (each status query counts itself once: subtracted).
"""
import json
import os
import re
import shutil
import subprocess
import sys

SCEN_ORDER = ["hs_full", "hs_full_h2load", "hs_resumed", "ka_0", "ka_1k",
              "ka_16k", "ka_1m", "ka_1k_c1", "ka_1k_c8"]
SCEN_DESC = {
    "hs_full": "new conn, full TLS 1.3 handshake + small GET + close (wrk -c50)",
    "hs_full_h2load": "new conn, full handshake + small GET + close (h2load --h1 -c50)",
    "hs_resumed": "new conn, resumed handshake (ticket) + small GET + close (wrk -c50)",
    "ka_0": "keep-alive GET 0 B (wrk -c50)",
    "ka_1k": "keep-alive GET 1 KiB (wrk -c50)",
    "ka_16k": "keep-alive GET 16 KiB (wrk -c50)",
    "ka_1m": "keep-alive GET 1 MiB (wrk -c8)",
    "ka_1k_c1": "keep-alive GET 1 KiB (wrk -c1)",
    "ka_1k_c8": "keep-alive GET 1 KiB (wrk -c8)",
}
SERVERS = ["httpsd", "httpsd-idle", "nginx"]
UNIT = {"s": 1e6, "ms": 1e3, "us": 1.0}


def read_meta(out):
    meta = {}
    with open(os.path.join(out, "meta.txt")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition(" ")
            meta[k] = v
    return meta


def lat_us(text):
    m = re.match(r"([\d.]+)(us|ms|s)$", text)
    return float(m.group(1)) * UNIT[m.group(2)] if m else None


def parse_wrk(text):
    r = {}
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", text)
    if m:
        r["client_units"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        r["rate"] = float(m.group(1))
    for pct, key in (("50", "p50_us"), ("90", "p90_us"), ("99", "p99_us")):
        m = re.search(r"^\s+%s%%\s+(\S+)" % pct, text, re.M)
        if m:
            r[key] = lat_us(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    r["errors"] = sum(int(x) for x in m.groups()) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    r["non2xx"] = int(m.group(1)) if m else 0
    return r


def parse_h2load(text):
    r = {}
    m = re.search(r"finished in ([\d.]+)(ms|s), ([\d.]+) req/s", text)
    if m:
        r["rate"] = float(m.group(3))
    m = re.search(r"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, "
                  r"(\d+) failed, (\d+) errored, (\d+) timeout", text)
    if m:
        r["client_units"] = int(m.group(2))
        r["errors"] = int(m.group(3)) + int(m.group(4)) + int(m.group(5))
    m = re.search(r"status codes: (\d+) 2xx", text)
    if m and "client_units" in r:
        r["non2xx"] = r["client_units"] - int(m.group(1))
    return r


def derive(run, meta, out):
    tsc = float(meta["tsc_hz"])
    tck = float(meta["clk_tck"])
    b, a = run["before"], run["after"]
    d = [x - y for x, y in zip(a, b)]
    wall = d[0] / 1e9
    r = {"wall_s": wall, "server_cpu_s": d[1] / tck,
         "core0_busy_pct": 100.0 * d[2] / d[3] if d[3] else None,
         "core1_busy_pct": 100.0 * d[4] / d[5] if d[5] else None}
    r["client_cpu_pct"] = 100.0 * run.get("client_cpu_ms", 0) / 1e3 / wall if wall else None
    if d[5] and run["server"] != "httpsd":
        # Core 1 time not charged to the server process: other tenants,
        # interrupts, softirq work the kernel accounts elsewhere.
        r["core1_other_pct"] = 100.0 * (d[4] - d[1]) / d[5]
    hs = run["scenario"].startswith("hs_")
    if run["server"] == "nginx":
        r["server_units"] = max(0, (d[8] if hs else d[9]) - 1)
    else:
        r["busy_s"] = d[6] / tsc
        r["loop_coverage_pct"] = 100.0 * (d[6] + d[7]) / tsc / wall if wall else None
        r["server_units"] = d[8] if hs else d[9]
    try:
        with open(os.path.join(out, run["raw"]), errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    r.update(parse_h2load(text) if run["tool"] == "h2load" else parse_wrk(text))
    units = r["server_units"] or r.get("client_units") or 0
    if units:
        r["cpu_us_proc"] = 1e6 * r["server_cpu_s"] / units
        if "busy_s" in r:
            r["cpu_us_busy"] = 1e6 * r["busy_s"] / units
    if "rate" in r and not hs:
        r["gbit_s"] = r["rate"] * run["body_bytes"] * 8 / 1e9
    run["derived"] = r
    return run


def fmt(v, digits=3):
    if v is None:
        return "–"
    if isinstance(v, int):
        return str(v)
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return "%.0f" % v
    return "%.*g" % (digits, v)


def ratio(x, y):
    if x is None or y is None or y == 0:
        return None
    return x / y


def build_table(by):
    """Rows: (scenario, metric, httpsd, nginx, ratio)."""
    rows = []
    for scen in SCEN_ORDER:
        h = by.get(("httpsd", scen), {}).get("derived")
        i = by.get(("httpsd-idle", scen), {}).get("derived")
        n = by.get(("nginx", scen), {}).get("derived")
        if not (h or i or n):
            continue
        h, i, n = h or {}, i or {}, n or {}
        hs = scen.startswith("hs_")
        unit = "conn" if hs else "req"

        def row(metric, hv, nv):
            rows.append({"scenario": scen, "metric": metric, "httpsd": hv,
                         "nginx": nv, "ratio": ratio(hv, nv)})

        row("%s/s (client-side)" % unit, h.get("rate"), n.get("rate"))
        row("%s/s, httpsd with --idle-sleep" % unit, i.get("rate"), n.get("rate"))
        if not hs:
            row("Gbit/s (body bytes)", h.get("gbit_s"), n.get("gbit_s"))
            row("latency p50 (µs)", h.get("p50_us"), n.get("p50_us"))
            row("latency p99 (µs)", h.get("p99_us"), n.get("p99_us"))
        row("**server CPU µs/%s**: httpsd busy cycles vs nginx utime+stime" % unit,
            h.get("cpu_us_busy"), n.get("cpu_us_proc"))
        row("server CPU µs/%s: httpsd --idle-sleep utime+stime vs nginx utime+stime" % unit,
            i.get("cpu_us_proc"), n.get("cpu_us_proc"))
        row("server CPU µs/%s: httpsd busy cycles in the --idle-sleep run" % unit,
            i.get("cpu_us_busy"), n.get("cpu_us_proc"))
        row("load generator CPU, % of one core", h.get("client_cpu_pct"), n.get("client_cpu_pct"))
        row("client core 0 busy %", h.get("core0_busy_pct"), n.get("core0_busy_pct"))
        row("core 1 busy not charged to the server % (httpsd: --idle-sleep run)",
            i.get("core1_other_pct"), n.get("core1_other_pct"))
        row("server core 1 busy % (httpsd: --idle-sleep run)",
            i.get("core1_busy_pct"), n.get("core1_busy_pct"))
        row("%ss counted by the server" % unit, h.get("server_units"), n.get("server_units"))
        row("client errors (socket errors + non-2xx)",
            (h.get("errors") or 0) + (h.get("non2xx") or 0) if h else None,
            (n.get("errors") or 0) + (n.get("non2xx") or 0) if n else None)
    return rows


def write_md(out, meta, rows, by):
    lines = ["# httpsd vs nginx + OpenSSL: %s on %s" % (meta.get("date", "?"), meta.get("host", "?")),
             "",
             "| | |", "|---|---|"]
    for k in ("cpu", "kernel", "loadavg_start", "loadavg_end", "tsc_hz", "httpsd", "wolfssl", "nginx", "openssl", "wrk",
              "h2load", "duration_s", "quick", "idle_sleep_us"):
        lines.append("| %s | %s |" % (k, meta.get(k, "")))
    lines += ["", "Server on core 1, load generator on core 0 (one wrk thread / h2load "
              "worker). ratio = httpsd / nginx (for CPU: lower is better for httpsd).",
              "", "| scenario | metric | httpsd | nginx | ratio |", "|---|---|---:|---:|---:|"]
    for r in rows:
        lines.append("| %s | %s | %s | %s | %s |" % (
            r["scenario"], r["metric"], fmt(r["httpsd"]), fmt(r["nginx"]), fmt(r["ratio"])))
    lines += ["", "Scenarios:", ""]
    for scen in SCEN_ORDER:
        if any(k[1] == scen for k in by):
            lines.append("- `%s`: %s" % (scen, SCEN_DESC[scen]))
    lines += ["", "How server CPU is measured:", "",
              "- httpsd busy cycles: delta of telemetry `loop_busy_cycles` (TSC cycles of poll "
              "iterations that received or sent packets) / TSC Hz (measured by bench/tsc_hz.c), "
              "from the busy-polling run.",
              "- httpsd --idle-sleep: delta of the process's utime+stime (/proc/PID/stat, all "
              "threads) in a separate run with `--idle-sleep %s`." % meta.get("idle_sleep_us", "?"),
              "- nginx: delta of the single worker's utime+stime (/proc/PID/stat).",
              "- Divided by the work the server counted in the same interval (httpsd "
              "`tls_hs_ok` / `http_req`; nginx stub_status accepts / requests).",
              "- On veth a sender's softirq delivers the packet to the receiver, so each "
              "server's figure includes the client kernel's receive processing of what the "
              "server sends (the same for both servers), and the server's own receive "
              "processing is charged to the client core.", ""]
    other = [v["derived"].get("core1_other_pct") for v in by.values()
             if v["derived"].get("core1_other_pct") is not None]
    if other and max(other) > 20:
        lines += ["**Warning: the machine was not quiet.** Up to %.0f %% of core 1 went to "
                  "work not charged to the server (other processes, interrupts). Throughput, "
                  "latency and httpsd busy cycles (wall-clock TSC, preemption included) are "
                  "unreliable in this run; utime+stime per unit is the most robust figure. "
                  "Re-run on an idle machine." % max(other), ""]
    loops = [(k, v["derived"].get("loop_coverage_pct")) for k, v in by.items()
             if k[0] == "httpsd" and v["derived"].get("loop_coverage_pct")]
    if loops:
        lo = min(x for _, x in loops)
        hi = max(x for _, x in loops)
        lines.append("Check: in the busy-polling run, busy+idle loop cycles cover "
                     "%.1f–%.1f %% of wall time (TSC Hz consistent)." % (lo, hi))
        lines.append("")
    crypto = os.path.join(out, "raw", "bench_crypto.txt")
    if os.path.exists(crypto):
        with open(crypto, errors="replace") as f:
            lines += ["## Crypto micro benchmark (build/bench/bench_crypto, core 1)", "",
                      "```", f.read().rstrip(), "```", ""]
    else:
        lines += ["Crypto micro benchmark: not run (build/bench/bench_crypto missing).", ""]
    if os.path.exists(os.path.join(out, "cpu_per_unit.png")):
        lines += ["![server CPU per unit of work](cpu_per_unit.png)", "",
                  "![throughput](throughput.png)", ""]
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(lines))


def plot(out, by):
    if shutil.which("gnuplot") is None:
        return
    scens = [s for s in SCEN_ORDER if any(k[1] == s for k in by)]

    def val(server, scen, key):
        v = by.get((server, scen), {}).get("derived", {}).get(key)
        return "%g" % v if v else "NaN"

    with open(os.path.join(out, "cpu_per_unit.dat"), "w") as f:
        f.write("# scenario httpsd_busy_cycles httpsd_idle_sleep_proc nginx_proc (us per unit)\n")
        for s in scens:
            f.write("%s %s %s %s\n" % (s, val("httpsd", s, "cpu_us_busy"),
                                       val("httpsd-idle", s, "cpu_us_proc"),
                                       val("nginx", s, "cpu_us_proc")))
    with open(os.path.join(out, "throughput.dat"), "w") as f:
        f.write("# scenario httpsd httpsd_idle_sleep nginx (conn/s or req/s, client-side)\n")
        for s in scens:
            f.write("%s %s %s %s\n" % (s, val("httpsd", s, "rate"),
                                       val("httpsd-idle", s, "rate"), val("nginx", s, "rate")))
    common = """
set terminal pngcairo size 1100,600 noenhanced font ",10"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set key top left
set xtics rotate by -30
"""
    script = common + """
set output "cpu_per_unit.png"
set title "Server CPU per unit of work (us per connection or request; lower is better; log scale)"
set ylabel "us per connection / request"
plot "cpu_per_unit.dat" using 2:xtic(1) title "httpsd (busy TSC cycles)", \\
     "" using 3 title "httpsd --idle-sleep (utime+stime)", \\
     "" using 4 title "nginx worker (utime+stime)"
set output "throughput.png"
set title "Throughput seen by the load generator (conn/s or req/s; log scale)"
set ylabel "per second"
plot "throughput.dat" using 2:xtic(1) title "httpsd (busy polling)", \\
     "" using 3 title "httpsd --idle-sleep", \\
     "" using 4 title "nginx"
"""
    res = subprocess.run(["gnuplot"], input=script, text=True, cwd=out,
                         capture_output=True)
    if res.returncode != 0:
        # pngcairo missing: fall back to libgd's png terminal.
        script = script.replace('pngcairo size 1100,600 noenhanced font ",10"',
                                "png size 1100,600 noenhanced")
        res = subprocess.run(["gnuplot"], input=script, text=True, cwd=out,
                             capture_output=True)
    if res.returncode != 0:
        print("report: gnuplot failed: %s" % res.stderr.strip(), file=sys.stderr)


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    out = argv[1]
    meta = read_meta(out)
    by = {}
    runs = []
    with open(os.path.join(out, "runs.jsonl")) as f:
        for line in f:
            if line.strip():
                run = derive(json.loads(line), meta, out)
                runs.append(run)
                by[(run["server"], run["scenario"])] = run
    rows = build_table(by)
    plot(out, by)
    crypto = None
    cpath = os.path.join(out, "raw", "bench_crypto.json")
    if os.path.exists(cpath):
        try:
            with open(cpath) as f:
                crypto = json.load(f)
        except ValueError:
            crypto = None
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"meta": meta, "table": rows, "runs": runs, "crypto": crypto}, f, indent=1)
    write_md(out, meta, rows, by)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
