#!/usr/bin/python3
"""Turn a scripts/bench output directory into results.json, results.md and
PNG plots.

usage: report.py OUTDIR

Reads OUTDIR/meta.txt, OUTDIR/runs.jsonl (one measurement per line, written
by scripts/bench), the raw tool output the runs point to, OUTDIR/rtt.jsonl
(the RTT-cost part: one bench/ttfb result per server, RTT and mode),
OUTDIR/paths.jsonl (the paths part, bench/parts/paths.sh: time to last byte
samples per server, path profile and size, and linkem's counters; gives the
"Paths" table and paths.svg, drawn here without matplotlib or gnuplot) and
the micro benchmarks' Google Benchmark JSON in OUTDIR/raw.  A snapshot is
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
MICRO = [("bench_crypto", "Crypto micro benchmark (build/bench/bench_crypto, core 1)"),
         ("bench_http_parse", "HTTP parser micro benchmark (build/bench/bench_http_parse, core 1)"),
         ("bench_tls", "TLS handshake micro benchmark, in-memory client/server pair "
          "(build/bench/bench_tls, core 1)"),
         ("bench_tcp", "TCP micro benchmark: receive fast path, ACK processing, timer wheel "
          "at 10/10k/1M connections (build/bench/bench_tcp, core 1)")]
# RTT part: modes of bench/ttfb and the round trips each needs (TCP
# handshake included) when nothing but the path delays it.
RTT_MODES = [("tcp", "TCP connect() only", 1), ("tls12", "TLS 1.2 full", 4), ("tls13", "TLS 1.3 full", 3),
             ("tls13-resume", "TLS 1.3 resumed (ticket)", 3),
             ("tls13-0rtt", "TLS 1.3 0-RTT (early data)", 2)]
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
    # bench/latency.lua (wrk's done() hook): whole microseconds, with p99.9.
    m = re.search(r"^latency_us p50 (\d+) p90 (\d+) p99 (\d+) p99\.9 (\d+) max (\d+)",
                  text, re.M)
    if m:
        r["p50_us"], r["p90_us"], r["p99_us"], r["p999_us"], r["max_us"] = (
            float(x) for x in m.groups())
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
            row("latency p99.9 (µs)", h.get("p999_us"), n.get("p999_us"))
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


def load_rtt(out):
    """(server, rtt_ms, mode) -> bench/ttfb result, from rtt.jsonl."""
    res = {}
    try:
        with open(os.path.join(out, "rtt.jsonl")) as f:
            for line in f:
                if line.strip():
                    try:
                        d = json.loads(line)
                    except ValueError:
                        continue
                    r = d.get("result", {})
                    res[(d["server"], d["rtt_ms"], r.get("mode"))] = r
    except OSError:
        pass
    return res


def rtt_rows(rtt):
    """One row per (RTT, mode): TTFB and TTFB / path RTT for each server.
    The path RTT is the one linkem was set to (the "tcp" mode, connect()
    alone, shows how close each server's path comes to it)."""
    rows = []
    for r_ms in sorted({k[1] for k in rtt}):
        for mode, desc, expect in RTT_MODES:
            row = {"rtt_ms": r_ms, "mode": mode, "desc": desc, "expected_rtts": expect}
            for srv in ("httpsd", "nginx"):
                base = rtt.get((srv, r_ms, "tcp")) or {}
                res = rtt.get((srv, r_ms, mode))
                e = {"status": "not run (deadline or part failed)"}
                if res is not None:
                    e = {"status": res.get("status"), "note": res.get("note", ""),
                         "n": res.get("ok", 0), "proto": res.get("proto", ""),
                         "early_accepted": res.get("early_accepted", 0),
                         "resumed": res.get("resumed", 0)}
                    if res.get("status") == "ok":
                        e["ttfb_ms"] = res.get("median_ms")
                        e["ttfb_min_ms"] = res.get("min_ms")
                        e["connect_ms"] = base.get("median_ms")
                        e["rtts"] = ratio(e["ttfb_ms"], float(r_ms))
                        e["rtts_best"] = ratio(e["ttfb_min_ms"], float(r_ms))
                row[srv] = e
            row["ratio"] = ratio(row["httpsd"].get("ttfb_ms"), row["nginx"].get("ttfb_ms"))
            rows.append(row)
    return rows


def rtt_md(rows, rtt):
    if not rows:
        return []
    lines = ["## RTT cost: time to first byte / path RTT", "",
             "bench/ttfb, one connection at a time, through bench/linkem (RTT/2 one-way "
             "delay each direction, no loss) in its own namespace between client and "
             "server; both servers behind the same path, one after the other. TTFB: "
             "connect() to the first response byte, median of n connections (for "
             "\"TCP connect() only\": connect() time). RTTs = median TTFB / the RTT "
             "linkem adds (best = fastest TTFB / that RTT). Expected: round trips the "
             "protocol needs, TCP handshake included. ratio = httpsd TTFB / nginx TTFB. "
             "n/a: the server refused the mode (reason given). On a loaded machine "
             "scheduling delays add to every step: read the 50 ms rows first.", "",
             "| RTT | mode | expected | httpsd TTFB ms | httpsd RTTs (best) | "
             "nginx TTFB ms | nginx RTTs (best) | ratio | n |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---|"]

    def cell(e):
        if e.get("status") != "ok":
            note = e.get("note") or e.get("status")
            return "n/a (%s)" % note, "n/a"
        return fmt(e.get("ttfb_ms")), "%s (%s)" % (fmt(e.get("rtts")), fmt(e.get("rtts_best")))

    for row in rows:
        hv, hr = cell(row["httpsd"])
        nv, nr = cell(row["nginx"])
        lines.append("| %s ms | %s | %d | %s | %s | %s | %s | %s | %s/%s |" % (
            row["rtt_ms"], row["desc"], row["expected_rtts"], hv, hr, nv, nr,
            fmt(row["ratio"]), row["httpsd"].get("n", 0), row["nginx"].get("n", 0)))
    if os.path.exists(os.path.join(OUTDIR[0], "rtt_cost.png")):
        lines += ["", "![RTT cost](rtt_cost.png)"]
    return lines + [""]


def other_md(by):
    """Runs of servers other than the three of the main table (parts added
    by bench/parts/*.sh)."""
    others = [v for k, v in sorted(by.items()) if k[0] not in SERVERS]
    if not others:
        return []
    lines = ["## Other runs", "",
             "| server | scenario | per s (client) | CPU µs/unit busy cycles | "
             "CPU µs/unit utime+stime | p50 µs | p99 µs | p99.9 µs | units | errors |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for v in others:
        d = v["derived"]
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            v["server"], v["scenario"], fmt(d.get("rate")), fmt(d.get("cpu_us_busy")),
            fmt(d.get("cpu_us_proc")), fmt(d.get("p50_us")), fmt(d.get("p99_us")),
            fmt(d.get("p999_us")), fmt(d.get("server_units")),
            (d.get("errors") or 0) + (d.get("non2xx") or 0)))
    return lines + [""]


def load_scaling(out):
    """bench/scaling.sh lines (scaling.jsonl): per-lcore-count runs and
    one summary per scenario."""
    runs, summ = [], {}
    try:
        with open(os.path.join(out, "scaling.jsonl")) as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    d = json.loads(line)
                except ValueError:
                    continue
                if d.get("summary"):
                    summ[d.get("scenario")] = d
                else:
                    runs.append(d)
    except OSError:
        pass
    return {"runs": runs, "summary": summ}


def scaling_md(sc):
    if not sc["runs"]:
        return []
    lines = ["## Scaling: busy cycles per request at 1 and 2 polling lcores", "",
             "bench/scaling.sh: the same wrk load (one thread, 50 connections) against "
             "httpsd with 1 and with 2 polling lcores (net_af_packet qpairs, fanout). "
             "Criterion: the 2-lcore figure within 10 % of the 1-lcore one.", "",
             "| scenario | lcores | requests | req/s | busy cycles/req | busy µs/req | "
             "CPU µs/req (utime+stime) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for d in sc["runs"]:
        lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            d.get("scenario"), d.get("lcores"), fmt(d.get("requests")),
            fmt(d.get("req_per_s")), fmt(d.get("busy_cycles_per_req")),
            fmt(d.get("busy_us_per_req")), fmt(d.get("cpu_us_per_req"))))
    lines.append("")
    for scen, d in sorted(sc["summary"].items()):
        lines.append("- `%s`: ratio 2 lcores / 1 lcore = %s (%s 10 %%)%s" % (
            scen, fmt(d.get("ratio_2_over_1")),
            "within" if d.get("within_10pct") else "not within",
            "; oversubscribed: more lcores + load generator than CPUs, so preempted "
            "busy iterations inflate the 2-lcore figure" if d.get("oversubscribed") else ""))
    return lines + [""]


def plot_rtt(out, rows):
    if shutil.which("gnuplot") is None or not rows:
        return
    with open(os.path.join(out, "rtt_cost.dat"), "w") as f:
        f.write("# label httpsd_rtts nginx_rtts expected (TTFB / path RTT)\n")
        for row in rows:
            h = row["httpsd"].get("rtts")
            n = row["nginx"].get("rtts")
            f.write('"%s@%sms" %s %s %d\n' % (row["mode"], row["rtt_ms"],
                                              "%g" % h if h else "NaN",
                                              "%g" % n if n else "NaN", row["expected_rtts"]))
    script = """
set terminal pngcairo size 1100,600 noenhanced font ",10"
set output "rtt_cost.png"
set title "RTT cost: time to first byte / path RTT (bench/linkem path; no bar: mode refused)"
set ylabel "round trips"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:*]
set grid ytics
set key top right
set xtics rotate by -30
plot %s"rtt_cost.dat" using 4:xtic(1) title "protocol minimum"
""" % "".join('"rtt_cost.dat" using %d:xtic(1) title "%s", ' % (i + 2, srv)
              for i, srv in enumerate(("httpsd", "nginx"))
              if any(row[srv].get("rtts") for row in rows))
    run_gnuplot(out, script)


def run_gnuplot(out, script):
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


OUTDIR = [""]


def load_paths(out):
    """paths.jsonl: ("cell" lines, "linkem" lines)."""
    cells, links = [], []
    try:
        with open(os.path.join(out, "paths.jsonl")) as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    d = json.loads(line)
                except ValueError:
                    continue
                (cells if d.get("type") == "cell" else links).append(d)
    except OSError:
        pass
    return cells, links


def median(v):
    v = sorted(v)
    if not v:
        return None
    m = len(v) // 2
    return v[m] if len(v) % 2 else (v[m - 1] + v[m]) / 2


def paired_ratio(a, b):
    """Geometric mean over sample i of a[i] / b[i]: linkem re-seeds its
    loss generators before every sample (paths.sh sends it SIGUSR1), one
    draw per frame and direction, data frames and control frames (pure
    ACKs) from separate streams, so sample i of each server meets the same
    losses on its data whatever pure ACKs it sent, and the pair compares
    recoveries from the same pattern, where medians of a few heavy-tailed
    samples swing with which patterns land in the middle."""
    import math
    k = min(len(a), len(b))
    if k == 0 or any(x <= 0 for x in a[:k] + b[:k]):
        return None
    return math.exp(sum(math.log(a[i] / b[i]) for i in range(k)) / k)


def paths_rows(cells):
    """One row per (profile, size), in run order: each server's median and
    best time to last byte, and the ratios httpsd / nginx."""
    order, by = [], {}
    for c in cells:
        k = (c["profile"], c["size"])
        if k not in by:
            order.append(k)
            by[k] = {"profile": c["profile"], "size": c["size"], "dir": c["dir"],
                     "bytes": c["bytes"], "rtt_ms": c["rtt_ms"], "loss_pct": c["loss_pct"],
                     "rate_mbit": c["rate_mbit"], "buffer": c["buffer"]}
        v = c.get("ttlb_s") or []
        by[k][c["server"]] = {"median_s": median(v), "best_s": min(v) if v else None,
                              "n": len(v), "fail": c.get("fail", 0), "samples": v}
    rows = []
    for k in order:
        r = by[k]
        h, n = r.get("httpsd", {}), r.get("nginx", {})
        r["ratio_median"] = ratio(h.get("median_s"), n.get("median_s"))
        r["ratio_best"] = ratio(h.get("best_s"), n.get("best_s"))
        r["ratio_paired"] = paired_ratio(h.get("samples") or [], n.get("samples") or [])
        rows.append(r)
    return rows


def path_desc(r):
    return "%s ms, %s%% loss, %s Mbit/s, buffer %s" % (
        fmt(float(r["rtt_ms"])), fmt(float(r["loss_pct"])), fmt(float(r["rate_mbit"])), r["buffer"])


def paths_md(rows, links, meta):
    if not rows:
        return []
    lines = ["## Paths: time to last byte over emulated Internet paths", "",
             "bench/parts/paths.sh: curl (one fresh TLS 1.3 connection per sample, HTTP/1.1) "
             "through bench/linkem (rate limit with a drop-tail buffer, RTT/2 delay each way, "
             "random loss both ways) to httpsd, then to nginx + OpenSSL behind the same path "
             "(client and nginx TCP: %s; nice %s; servers at SCHED_FIFO %s, 0: not). TTLB: from the request (TLS handshake done) to the "
             "last response byte; for `upN` a POST of N bytes, so sending the body is in it. "
             "Median of n samples (best in brackets), seconds. ratio = httpsd / nginx, lower "
             "is better for httpsd; **bold**: above 1.0 (httpsd slower); paired: geometric "
             "mean over i of httpsd's sample i / nginx's sample i (linkem re-seeds its loss "
             "draws before every sample, so sample i of both servers meets the same loss pattern). "
             "Buffer: packets, or "
             "a multiple of the path's BDP (rate x RTT). %s samples per cell; expected %s s, "
             "took %s s; load average at start and end: %s / %s." % (
                 meta.get("paths_cc", "?"), meta.get("paths_nice", "0"), meta.get("paths_rt", "0"),
                 meta.get("paths_runs", "?"),
                 meta.get("paths_expected_s", "?"), meta.get("paths_took_s", "?"),
                 meta.get("loadavg_start", "?"), meta.get("loadavg_end", "?")),
             "", "| profile | path | size | httpsd s | nginx s | ratio (median) | ratio (best) | "
             "ratio (paired) | n |",
             "|---|---|---|---:|---:|---:|---:|---:|---|"]

    def cell(e):
        if not e or e.get("median_s") is None:
            return "n/a"
        return "%.3f (%.3f)" % (e["median_s"], e["best_s"])

    def rt(v):
        if v is None:
            return "–"
        return "**%.2f**" % v if v > 1.0 else "%.2f" % v

    for r in rows:
        h, n = r.get("httpsd", {}), r.get("nginx", {})
        fails = (h.get("fail") or 0) + (n.get("fail") or 0)
        lines.append("| %s | %s | %s%s | %s | %s | %s | %s | %s | %s/%s%s |" % (
            r["profile"], path_desc(r), r["size"], " (POST)" if r["dir"] == "up" else "",
            cell(h), cell(n), rt(r["ratio_median"]), rt(r["ratio_best"]), rt(r.get("ratio_paired")),
            h.get("n", 0), n.get("n", 0), ", %d failed" % fails if fails else ""))
    rm = [r["ratio_median"] for r in rows if r["ratio_median"]]
    if rm:
        import math
        gm = math.exp(sum(math.log(x) for x in rm) / len(rm))
        rp = [r["ratio_paired"] for r in rows if r.get("ratio_paired")]
        gp = math.exp(sum(math.log(x) for x in rp) / len(rp)) if rp else None
        lines += ["", "Cells: %d; median ratio above 1.0 in %d; geometric mean of the median "
                  "ratios %.2f; paired ratio above 1.0 in %d, above 1.05 in %d, geometric mean %s." % (
                      len(rm), sum(1 for x in rm if x > 1.0), gm, sum(1 for x in rp if x > 1.0),
                      sum(1 for x in rp if x > 1.05), "%.2f" % gp if gp else "–")]
    if os.path.exists(os.path.join(OUTDIR[0], "paths.svg")):
        lines += ["", "![paths: median TTLB ratio httpsd / nginx](paths.svg)"]
    if links:
        lines += ["", "linkem counters per profile and server (whole run of that server on the "
                  "path: all sizes and samples). s2c: server to client, c2s: client to server; "
                  "fwd: forwarded frames, qdrop: dropped by the full buffer, lost: random loss, "
                  "maxq: deepest buffer backlog (frames, ms).", "",
                  "| profile | server | s2c fwd | s2c qdrop | s2c lost | s2c maxq | "
                  "c2s fwd | c2s qdrop | c2s lost | c2s maxq |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for l in links:
            c = l.get("counters", {})
            row = [l.get("profile"), l.get("server")]
            for d in ("s2c", "c2s"):
                x = c.get(d, {})
                row += [fmt(x.get("tx")), fmt(x.get("qdrop")), fmt(x.get("lost")),
                        "%s (%s ms)" % (fmt(x.get("max_queue_pkts")), fmt(x.get("max_queue_ms")))]
            lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return lines + [""]


def svg_paths(out, rows):
    """A heat map of the median ratio (profiles down, sizes across), as an
    SVG file written directly: no plotting library needed."""
    if not rows:
        return
    import math
    profs, sizes = [], []
    for r in rows:
        if r["profile"] not in profs:
            profs.append(r["profile"])
        if r["size"] not in sizes:
            sizes.append(r["size"])
    by = {(r["profile"], r["size"]): r for r in rows}
    cw, ch, lw, top = 96, 30, 130, 70
    w, h = lw + cw * len(sizes) + 20, top + ch * len(profs) + 60

    def color(v):
        if v is None:
            return "#dddddd"
        t = max(-1.0, min(1.0, math.log(v) / math.log(4)))   # 0.25x .. 4x
        if t < 0:   # httpsd faster: green
            a = -t
            return "#%02x%02x%02x" % (int(255 - 155 * a), int(255 - 55 * a), int(255 - 155 * a))
        return "#%02x%02x%02x" % (255, int(255 - 175 * t), int(255 - 175 * t))

    def esc(x):
        return str(x).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
         'font-family="sans-serif" font-size="12">' % (w, h),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="10" y="22" font-size="14" font-weight="bold">Time to last byte, '
         'httpsd / nginx (median; below 1: httpsd faster)</text>',
         '<text x="10" y="42" fill="#555">green: httpsd faster, red: slower; '
         'colour scale 0.25x .. 4x</text>']
    for j, s in enumerate(sizes):
        o.append('<text x="%d" y="%d" text-anchor="middle" font-weight="bold">%s</text>' % (
            lw + cw * j + cw // 2, top - 8, esc(s + (" POST" if s.startswith("up") else ""))))
    for i, p in enumerate(profs):
        y = top + ch * i
        o.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (lw - 8, y + ch // 2 + 4, esc(p)))
        for j, s in enumerate(sizes):
            r = by.get((p, s))
            v = r["ratio_median"] if r else None
            x = lw + cw * j
            o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="white"/>' % (
                x, y, cw, ch, color(v)))
            o.append('<text x="%d" y="%d" text-anchor="middle">%s</text>' % (
                x + cw // 2, y + ch // 2 + 4, "–" if v is None else "%.2f" % v))
    o.append('<text x="10" y="%d" fill="#555">profiles: see results.md (RTT, loss, rate, '
             'buffer); cells: ratio of the median TTLB</text>' % (h - 20))
    o.append("</svg>")
    with open(os.path.join(out, "paths.svg"), "w") as f:
        f.write("\n".join(o) + "\n")


def write_md(out, meta, rows, by, rtt_tab, rtt, paths=None):
    lines = ["# httpsd vs nginx + OpenSSL: %s on %s" % (meta.get("date", "?"), meta.get("host", "?")),
             "",
             "| | |", "|---|---|"]
    for k in ("cpu", "kernel", "loadavg_start", "loadavg_end", "tsc_hz", "httpsd", "wolfssl", "nginx", "openssl", "wrk",
              "h2load", "duration_s", "quick", "idle_sleep_us", "httpsd_port"):
        lines.append("| %s | %s |" % (k, meta.get(k, "")))
    if rows:
        lines += ["", "Server on core 1, load generator on core 0 (one wrk thread / h2load "
                  "worker). ratio = httpsd / nginx (for CPU: lower is better for httpsd).",
                  "", "| scenario | metric | httpsd | nginx | ratio |", "|---|---|---:|---:|---:|"]
    for r in rows:
        lines.append("| %s | %s | %s | %s | %s |" % (
            r["scenario"], r["metric"], fmt(r["httpsd"]), fmt(r["nginx"]), fmt(r["ratio"])))
    if rows:
        lines += ["", "Scenarios:", ""]
    for scen in SCEN_ORDER:
        if any(k[1] == scen for k in by):
            lines.append("- `%s`: %s" % (scen, SCEN_DESC[scen]))
    lines += [""] + (["How server CPU is measured:", "",
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
              "processing is charged to the client core.", ""] if rows else [])
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
    lines += rtt_md(rtt_tab, rtt)
    if paths:
        lines += paths_md(paths[0], paths[1], meta)
    lines += other_md(by)
    lines += scaling_md(load_scaling(out))
    parts = meta.get("parts", "").split(",")
    micro_part = {"bench_crypto": "crypto", "bench_http_parse": "parse", "bench_tls": "tls",
                  "bench_tcp": "tcp"}
    for name, title in MICRO:
        path = os.path.join(out, "raw", name + ".txt")
        if micro_part.get(name) not in parts and not os.path.exists(path):
            continue
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                lines += ["## " + title, "", "```", f.read().rstrip(), "```", ""]
        else:
            lines += ["%s: not run." % title, ""]
    if os.path.exists(os.path.join(out, "cpu_per_unit.png")):
        lines += ["![server CPU per unit of work](cpu_per_unit.png)", "",
                  "![throughput](throughput.png)", ""]
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(lines))


def plot_cmd(dat, scens, cols, by):
    """gnuplot "plot" for a histogram of columns 2.. of dat, leaving out
    series without a single value (gnuplot refuses an all-NaN series)."""
    parts = []
    for i, (server, key, title) in enumerate(cols):
        if any(by.get((server, sc), {}).get("derived", {}).get(key) for sc in scens):
            parts.append('"%s" using %d:xtic(1) title "%s"' % (dat, i + 2, title))
    return "plot " + ", ".join(parts) if parts else ""


def plot(out, by):
    if shutil.which("gnuplot") is None:
        return
    scens = [s for s in SCEN_ORDER if any(k[1] == s and k[0] in SERVERS for k in by)]
    if not scens:
        return

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
%s
set output "throughput.png"
set title "Throughput seen by the load generator (conn/s or req/s; log scale)"
set ylabel "per second"
%s
""" % (plot_cmd("cpu_per_unit.dat", scens, [
        ("httpsd", "cpu_us_busy", "httpsd (busy TSC cycles)"),
        ("httpsd-idle", "cpu_us_proc", "httpsd --idle-sleep (utime+stime)"),
        ("nginx", "cpu_us_proc", "nginx worker (utime+stime)")], by),
       plot_cmd("throughput.dat", scens, [
        ("httpsd", "rate", "httpsd (busy polling)"),
        ("httpsd-idle", "rate", "httpsd --idle-sleep"),
        ("nginx", "rate", "nginx")], by))
    run_gnuplot(out, script)


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    out = argv[1]
    OUTDIR[0] = out
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
    rtt = load_rtt(out)
    rtt_tab = rtt_rows(rtt)
    plot_rtt(out, rtt_tab)
    pcells, plinks = load_paths(out)
    ptab = paths_rows(pcells)
    svg_paths(out, ptab)
    micro = {}
    for name, _ in MICRO:
        try:
            with open(os.path.join(out, "raw", name + ".json")) as f:
                micro[name] = json.load(f)
        except (OSError, ValueError):
            micro[name] = None
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"meta": meta, "table": rows, "runs": runs, "rtt": rtt_tab,
                   "rtt_raw": [dict(server=k[0], rtt_ms=k[1], **v) for k, v in sorted(rtt.items())],
                   "crypto": micro.get("bench_crypto"), "micro": micro,
                   "scaling": load_scaling(out),
                   "paths": {"table": ptab, "linkem": plinks}}, f, indent=1)
    write_md(out, meta, rows, by, rtt_tab, rtt, (ptab, plinks))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
