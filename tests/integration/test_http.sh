#!/usr/bin/env bash
# HTTP semantics over HTTPS against the real binary: conditional requests,
# ranges, gzip siblings, redirects (port 80 by default, directories),
# traversal payloads against a secret beside --root (and in a dot-file
# reached by a symlink inside it), HEAD, pipelining,
# HTTP/1.0, HTTP/2 preface, 414/431/413, request bodies (Content-Length
# and chunked) read and discarded with pipelining kept in sync, slowloris
# and idle keep-alive timeouts with their counters, and the access log.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hs_require_root
hs_init
hs_topo_up
hs_gen_cert

T=$HS_TMP
U=https://$HS_SRV_IP
SECRET="TOPSECRET-$HS_NAME-outside-root"

# --- document root, and a secret file beside it ---------------------------
mkdir -p "$T/site/www/sub" || hs_fatal "mkdir"
HS_ROOT=$T/site/www
printf '%s\n' "$SECRET" >"$T/site/secret.txt"
printf '<!doctype html><title>home</title>\n' >"$HS_ROOT/index.html"
printf 'sub index\n' >"$HS_ROOT/sub/index.html"
printf 'abcdefghijklmnopqrstuvwxyz' >"$HS_ROOT/abc.txt"
head -c 20000 /dev/urandom | od -An -tx1 >"$HS_ROOT/app.js"
gzip -9 -c "$HS_ROOT/app.js" >"$HS_ROOT/app.js.gz"
ln -s ../secret.txt "$HS_ROOT/link"
# a hidden file, also reachable by a symlink inside the root: never served
mkdir -p "$HS_ROOT/.git" || hs_fatal "mkdir"
printf '[core]\n# %s\n' "$SECRET" >"$HS_ROOT/.git/config"
ln -s .git/config "$HS_ROOT/gitcfg"
touch -d '2026-01-02 03:04:05 UTC' "$HS_ROOT/abc.txt"

# Raw client (plain TCP on 80, TLS on 443), run in the client namespace:
#   send      stdin -> one write; prints everything received until EOF (or
#             3 s of silence); "eof"/"timeout"/"rst" on stderr
#   targets   one GET per stdin line, each on its own connection; prints
#             "<status> <secret-seen>" per line
#   headget P HEAD then GET of path P pipelined: "same|diff nobody|body"
#   slow      a request head sent one byte every 0.25 s: "<how> <secs>"
#   slowmany N  N slowloris connections at once: "<cut> <secs-of-last-cut>"
#   expect    a request with Expect: 100-continue; body sent after the 100
#   idle      one request, then wait for the server to end it: "<how> <secs>"
cat >"$T/raw.py" <<'PY'
import socket, ssl, sys, time
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def conn():
    s = socket.create_connection((host, port), timeout=10)
    if port == 443:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    return s

def readall(s, limit=10):
    out, t0 = b"", time.monotonic()
    s.settimeout(3)
    try:
        while time.monotonic() - t0 < limit:
            d = s.recv(65536)
            if not d:
                return out, "eof"
            out += d
    except socket.timeout:
        return out, "timeout"
    except (ConnectionResetError, ssl.SSLError, OSError):
        return out, "rst"
    return out, "limit"

def wait_end(s, t0):
    s.settimeout(15)
    try:
        while True:
            d = s.recv(4096)
            if not d:
                return "fin", time.monotonic() - t0
    except socket.timeout:
        return "open", time.monotonic() - t0
    except (ConnectionResetError, ssl.SSLError, OSError):
        return "rst", time.monotonic() - t0

if mode == "send":
    s = conn()
    s.sendall(sys.stdin.buffer.read())
    out, how = readall(s)
    sys.stdout.buffer.write(out)
    sys.stderr.write(how + "\n")
elif mode == "targets":
    secret = sys.argv[4].encode()
    for t in sys.stdin.buffer.read().split(b"\n"):
        if not t:
            continue
        s = conn()
        s.sendall(b"GET " + t + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        out, _ = readall(s)
        st = out[9:12].decode(errors="replace") if out.startswith(b"HTTP/1.1 ") else "none"
        print(st, "SECRET" if secret in out else "clean", t.decode(errors="replace"))
        s.close()
elif mode == "headget":
    p = sys.argv[4].encode()
    s = conn()
    s.sendall(b"HEAD " + p + b" HTTP/1.1\r\nHost: x\r\n\r\nGET " + p +
              b" HTTP/1.1\r\nHost: x\r\n\r\n"
              b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    out, _ = readall(s)
    h1, rest = out.split(b"\r\n\r\n", 1)
    h2 = rest.split(b"\r\n\r\n", 1)[0]
    strip = lambda h: [l for l in h.split(b"\r\n") if not l.lower().startswith(b"date:")]
    print("same" if strip(h1) == strip(h2) else "diff",
          "nobody" if rest.startswith(b"HTTP/1.1 ") else "body")
elif mode == "slow":
    s = conn()
    req = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100 + b"\r\n\r\n"
    t0, how = time.monotonic(), "open"
    try:
        for b in req:
            s.sendall(bytes([b]))
            time.sleep(0.25)
            if time.monotonic() - t0 > 15:
                break
        how, _ = wait_end(s, t0)
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
        how = "closed"
    print(how, round(time.monotonic() - t0, 2))
elif mode == "slowmany":
    # N connections, each dribbling a request head (one byte per
    # connection every 0.3 s) until the server cuts it; at most 12 s
    n = int(sys.argv[4])
    req = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    socks = []
    for _ in range(n):
        socks.append(conn())
        socks[-1].sendall(req[:1])      # a request head has started
    t0, closed, last = time.monotonic(), [False] * n, 0.0
    i = 1
    while not all(closed) and time.monotonic() - t0 < 12:
        for k, s in enumerate(socks):
            if closed[k]:
                continue
            try:
                s.sendall(req[i % len(req):i % len(req) + 1])
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                closed[k] = True
                last = time.monotonic() - t0
        i += 1
        time.sleep(0.3)
    print(sum(closed), round(last, 2))
elif mode == "expect":
    # the body is sent only after the interim 100 (Continue) arrived
    s = conn()
    s.sendall(b"GET /abc.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
              b"Expect: 100-continue\r\n\r\n")
    s.settimeout(5)
    got = b""
    try:
        while b"\r\n\r\n" not in got:
            d = s.recv(4096)
            if not d:
                break
            got += d
    except socket.timeout:
        pass
    first = got.split(b"\r\n", 1)[0].decode(errors="replace")
    s.sendall(b"hello")
    out, _ = readall(s, 5)
    rest = (got.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in got else b"") + out
    print(first.replace(" ", "_"), rest[:12].decode(errors="replace"))
elif mode == "idle":
    s = conn()
    s.sendall(b"GET /abc.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    got = b""
    while not got.endswith(b"abcdefghijklmnopqrstuvwxyz"):
        d = s.recv(4096)
        if not d:
            print("eof-early 0"); sys.exit(0)
        got += d
    how, secs = wait_end(s, time.monotonic())
    print(how, round(secs, 2))
PY
raw() { local port=$1; shift; cli "$HS_PY" "$T/raw.py" "$HS_SRV_IP" "$port" "$@"; }
# statuses in a stream of responses, space-separated, in order
statuses() { grep -ao 'HTTP/1\.1 [0-9][0-9][0-9]' | awk '{printf "%s%s", sep, $2; sep=" "}'; }

# --- an unwritable --access-log: one line naming it, exit 2, before EAL ---
"$HTTPSD" -l 0 --no-pci --no-huge -m 64 --file-prefix "${HS_PFX}x" -- --addr "$HS_SRV_IP/24" \
	--cert "$HS_CERT" --key "$HS_KEY" --root "$HS_ROOT" \
	--access-log /nonexistent-dir/access.log >/dev/null 2>"$T/badlog.err"
check_eq "--access-log in a missing directory: exit 2" 2 "$?"
msg=$(grep -v '^httpsd: docroot: skipping' "$T/badlog.err")
check_eq "--access-log error is one line" 1 "$(printf '%s\n' "$msg" | wc -l)"
check_match "--access-log error names the file" '^httpsd: --access-log: cannot open /nonexistent-dir/access\.log' "$msg"

# === 1. defaults: port 80 redirects, HSTS on HTTPS, no access log ==========
hs_choose_mem	# hugepages come and go on a shared machine: choose per start
start_httpsd --access-log off || hs_fatal "httpsd did not start"
hdr=$(cli curl -sS --max-time 10 -D - -o /dev/null "http://$HS_SRV_IP/abc.txt?x=1" | tr -d '\r')
check_match "port 80 by default: 301" '^HTTP/1\.1 301' "$hdr"
check_match "301 Location is the https URL of the same target" \
	"^[Ll]ocation: https://$HS_SRV_IP/abc\.txt\?x=1\$" "$hdr"
hdr=$(hcurl -D - -o /dev/null "$U/abc.txt" | tr -d '\r')
check_match "HTTPS: Strict-Transport-Security by default" \
	'^[Ss]trict-[Tt]ransport-[Ss]ecurity: max-age=31536000$' "$hdr"
stop_httpsd

# === 2. serve mode, short timeouts, access log ============================
LOG=$T/access.log
hs_choose_mem
start_httpsd --http-port-mode serve --header-timeout 1500ms --keepalive-timeout 2 \
	--access-log "$LOG" || hs_fatal "httpsd did not start"

code=$(cli curl -sS --max-time 10 -o "$T/plain.got" -w '%{http_code}' "http://$HS_SRV_IP/abc.txt")
check_eq "--http-port-mode serve: port 80 serves the file" 200 "$code"
check "port 80 body byte-exact" cmp "$HS_ROOT/abc.txt" "$T/plain.got"

# --- conditional requests ---------------------------------------------------
hdr=$(hcurl -D - -o /dev/null "$U/abc.txt" | tr -d '\r')
etag=$(sed -n 's/^[Ee][Tt]ag: *//p' <<<"$hdr")
lm=$(sed -n 's/^[Ll]ast-[Mm]odified: *//p' <<<"$hdr")
check_match "ETag present" '^".+"$' "$etag"
check_eq "Last-Modified is the file's mtime" "Fri, 02 Jan 2026 03:04:05 GMT" "$lm"
code=$(hcurl -o /dev/null -w '%{http_code} %{size_download}' -H "If-None-Match: $etag" "$U/abc.txt")
check_eq "If-None-Match with the ETag -> 304, no body" "304 0" "$code"
code=$(hcurl -o /dev/null -w '%{http_code}' -H 'If-None-Match: "other"' "$U/abc.txt")
check_eq "If-None-Match with another ETag -> 200" 200 "$code"
code=$(hcurl -o /dev/null -w '%{http_code}' -H "If-Modified-Since: $lm" "$U/abc.txt")
check_eq "If-Modified-Since = Last-Modified -> 304" 304 "$code"
code=$(hcurl -o /dev/null -w '%{http_code}' -H "If-Modified-Since: Thu, 01 Jan 2026 00:00:00 GMT" "$U/abc.txt")
check_eq "If-Modified-Since before the mtime -> 200" 200 "$code"

# --- ranges -----------------------------------------------------------------
code=$(hcurl -o "$T/range.got" -D "$T/range.hdr" -w '%{http_code}' -H 'Range: bytes=2-5' "$U/abc.txt")
check_eq "Range bytes=2-5 -> 206" 206 "$code"
check_eq "206 body is bytes 2..5" cdef "$(cat "$T/range.got")"
check_match "206 Content-Range" '^[Cc]ontent-[Rr]ange: bytes 2-5/26$' "$(tr -d '\r' <"$T/range.hdr")"
code=$(hcurl -o "$T/range.got" -w '%{http_code}' -H 'Range: bytes=-3' "$U/abc.txt")
check_eq "suffix range bytes=-3 -> 206 xyz" "206 xyz" "$code $(cat "$T/range.got")"
code=$(hcurl -o /dev/null -D "$T/r416.hdr" -w '%{http_code}' -H 'Range: bytes=100-' "$U/abc.txt")
check_eq "Range past the end -> 416" 416 "$code"
check_match "416 Content-Range: bytes */26" '^[Cc]ontent-[Rr]ange: bytes \*/26$' "$(tr -d '\r' <"$T/r416.hdr")"

# --- gzip sibling -------------------------------------------------------------
code=$(hcurl -o "$T/gz.got" -D "$T/gz.hdr" -w '%{http_code}' -H 'Accept-Encoding: gzip' "$U/app.js")
hdr=$(tr -d '\r' <"$T/gz.hdr")
check_eq "Accept-Encoding: gzip -> 200" 200 "$code"
check_match "gzip variant: Content-Encoding: gzip" '^[Cc]ontent-[Ee]ncoding: gzip$' "$hdr"
check_match "gzip variant: Vary: Accept-Encoding" '^[Vv]ary: Accept-Encoding$' "$hdr"
check_match "gzip variant keeps the .js Content-Type" '^[Cc]ontent-[Tt]ype: (text|application)/javascript' "$hdr"
check "gzip variant body is app.js.gz byte-exact" cmp "$HS_ROOT/app.js.gz" "$T/gz.got"
hcurl -o "$T/id.got" -D "$T/id.hdr" "$U/app.js"
hdr=$(tr -d '\r' <"$T/id.hdr")
check "no Accept-Encoding: identity body" cmp "$HS_ROOT/app.js" "$T/id.got"
check_nomatch "identity: no Content-Encoding" '^[Cc]ontent-[Ee]ncoding' "$hdr"
check_match "identity: Vary: Accept-Encoding too" '^[Vv]ary: Accept-Encoding$' "$hdr"
code=$(hcurl --compressed -o "$T/dec.got" -w '%{http_code}' "$U/app.js")
check "curl --compressed decodes to the original" cmp "$HS_ROOT/app.js" "$T/dec.got"

# --- directories ----------------------------------------------------------------
code=$(hcurl -o "$T/sub.got" -w '%{http_code}' "$U/sub/")
check_eq "/sub/ -> 200" 200 "$code"
check "/sub/ serves sub/index.html" cmp "$HS_ROOT/sub/index.html" "$T/sub.got"
code=$(hcurl -o /dev/null -D "$T/dir.hdr" -w '%{http_code}' "$U/sub?q=1")
check_eq "/sub without slash -> 301" 301 "$code"
check_match "Location /sub/ keeps the query" '^[Ll]ocation: *(https://[^/]+)?/sub/\?q=1$' "$(tr -d '\r' <"$T/dir.hdr")"

# --- traversal: nothing outside --root, ever ---------------------------------
printf '%s\n' \
	'/../secret.txt' '/%2e%2e/secret.txt' '/%2E%2E/secret.txt' '/..%2fsecret.txt' \
	'/%2e%2e%2fsecret.txt' '/.%2e/secret.txt' '/%252e%252e/secret.txt' \
	'/%252e%252e%252fsecret.txt' '/..%252fsecret.txt' '/sub/../../secret.txt' \
	'/sub/%2e%2e/%2e%2e/secret.txt' '/./../secret.txt' '//../secret.txt' \
	'/%00/../secret.txt' '/secret.txt%00.html' '/..%00/secret.txt' \
	'/..\secret.txt' '/..%5csecret.txt' '/%5c..%5csecret.txt' '/sub\..\..\secret.txt' \
	'https://198.18.0.1/../secret.txt' 'http://x/%2e%2e/secret.txt' \
	'http://x/sub/../../secret.txt' '/link' '/%c0%ae%c0%ae/secret.txt' \
	'/..;/secret.txt' '/../../../../../../../../etc/passwd' \
	'/.git/config' '/gitcfg' '/%2egit/config' >"$T/trav.txt"
raw 443 targets "$SECRET" <"$T/trav.txt" >"$T/trav.out"
check_eq "every traversal payload answered" "$(wc -l <"$T/trav.txt")" "$(wc -l <"$T/trav.out")"
check_nomatch "no payload ever returns the secret" 'SECRET' "$(cat "$T/trav.out")"
check_nomatch "every payload gets 400 or 404" '^(200|none|5[0-9][0-9])' "$(cat "$T/trav.out")"
hs_log "traversal answers: $(awk '{print $1}' "$T/trav.out" | sort | uniq -c | tr '\n' ' ')"
out=$(cli curl -sS --max-time 10 --path-as-is "http://$HS_SRV_IP/../secret.txt")
check_nomatch "curl --path-as-is /../secret.txt on port 80: no secret" "$SECRET" "$out"

# --- HEAD ---------------------------------------------------------------------
check_eq "HEAD: same headers as GET (but Date), no body" "same nobody" "$(raw 443 headget /abc.txt)"
check_eq "HEAD of a directory index: same headers, no body" "same nobody" "$(raw 443 headget /sub/)"

# --- pipelining ----------------------------------------------------------------
want=""
{
	for ((i = 0; i < 33; i++)); do
		printf 'GET /abc.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n'
		printf 'GET /sub HTTP/1.1\r\nHost: x\r\n\r\n'
	done
	printf 'GET /sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
} >"$T/pipe.req"
for ((i = 0; i < 33; i++)); do want="$want${want:+ }200 404 301"; done
want="$want 200"
got=$(raw 443 send <"$T/pipe.req" 2>"$T/pipe.how" | statuses)
check_eq "100 pipelined requests in one write answered in order" "$want" "$got"
check_eq "connection closed after the Connection: close request" eof "$(cat "$T/pipe.how")"

# --- HTTP/1.0, HTTP/2 preface --------------------------------------------------
out=$(printf 'GET /abc.txt HTTP/1.0\r\n\r\n' | raw 443 send 2>"$T/h10.how" | tr -d '\r')
check_match "HTTP/1.0 request answered 200" '^HTTP/1\.1 200' "$out"
check_match "HTTP/1.0 without keep-alive: Connection: close" '^Connection: close$' "$out"
check_eq "HTTP/1.0 without keep-alive: server closes" eof "$(cat "$T/h10.how")"
got=$(printf 'GET /abc.txt HTTP/1.0\r\n\r\nGET /sub/ HTTP/1.0\r\n\r\n' | raw 443 send 2>/dev/null | statuses)
check_eq "HTTP/1.0 without keep-alive: a second request on it is not read" 200 "$got"
got=$(printf 'GET /abc.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /sub/ HTTP/1.0\r\n\r\n' |
	raw 443 send 2>/dev/null | statuses)
check_eq "HTTP/1.0 with Connection: keep-alive: the next request is answered" "200 200" "$got"
got=$(printf 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' | raw 443 send 2>/dev/null | statuses)
check_eq "HTTP/2 preface -> 505" 505 "$got"

# --- limits ----------------------------------------------------------------------
got=$({ printf 'GET /'; head -c 9000 /dev/zero | tr '\0' a; printf ' HTTP/1.1\r\nHost: x\r\n\r\n'; } |
	raw 443 send 2>/dev/null | statuses)
check_eq "9000-byte request target -> 414" 414 "$got"
got=$({ printf 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: '; head -c 9000 /dev/zero | tr '\0' a; printf '\r\n\r\n'; } |
	raw 443 send 2>/dev/null | statuses)
check_eq "9000 bytes of header fields -> 431" 431 "$got"
got=$(printf 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n' | raw 443 send 2>"$T/413.how" | statuses)
check_eq "Content-Length above 1 MiB -> 413" 413 "$got"
check_eq "413 closes" eof "$(cat "$T/413.how")"

# --- request bodies read and discarded, pipelining in sync ----------------------
inner='GET /nope HTTP/1.1\r\nHost: x\r\n\r\n'
# shellcheck disable=SC2059 # $inner holds printf escapes on purpose
ilen=$(printf "$inner" | wc -c)
got=$(printf "GET /abc.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%x;ext=1\r\n$inner\r\n0\r\nX-Trailer: t\r\n\r\nGET /sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" "$ilen" |
	raw 443 send 2>/dev/null | statuses)
check_eq "chunked GET body (a request inside), then a pipelined GET: 200 200" "200 200" "$got"
# shellcheck disable=SC2059
got=$(printf "GET /abc.txt HTTP/1.1\r\nHost: x\r\nContent-Length: $ilen\r\n\r\n$inner""GET /sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" |
	raw 443 send 2>/dev/null | statuses)
check_eq "Content-Length GET body (a request inside), then a pipelined GET: 200 200" "200 200" "$got"
head -c 300000 /dev/urandom >"$T/upload.bin"
out=$(hcurl -X GET -H 'Transfer-Encoding: chunked' -H 'Expect:' --data-binary @"$T/upload.bin" \
	-o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' "$U/abc.txt" "$U/sub/")
check_eq "curl: 300 KB chunked GET bodies, two requests on one connection" "200 1
200 0" "$out"
got=$(printf 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n' |
	raw 443 send 2>"$T/badck.how" | statuses)
check_eq "invalid chunk size -> 400 (no 200 first)" 400 "$got"
check_eq "invalid chunk size closes" eof "$(cat "$T/badck.how")"
got=$(printf 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n' |
	raw 443 send 2>/dev/null | statuses)
check_eq "chunk of 2 MiB announced -> 413" 413 "$got"
got=$(printf 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /abc.txt HTTP/1.1\r\nHost: x\r\n\r\n' |
	raw 443 send 2>"$T/clte.how" | statuses)
check_eq "Content-Length + Transfer-Encoding -> 400 only (nothing smuggled)" 400 "$got"
check_eq "CL+TE closes the connection" eof "$(cat "$T/clte.how")"
got=$(printf 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n' | raw 443 send 2>/dev/null | statuses)
check_eq "unknown Transfer-Encoding -> 501" 501 "$got"
check_eq "Expect: 100-continue: interim 100 before the body, then 200" \
	"HTTP/1.1_100_Continue HTTP/1.1 200" "$(raw 443 expect)"

# --- slowloris while others are served; idle keep-alive ----------------------
read0=$(hs_stat conn_timeout_read)
idle0=$(hs_stat conn_timeout_idle)
raw 443 slow >"$T/slow.out" &
slow_pid=$!
sleep 0.5
ok=0
for ((i = 0; i < 3; i++)); do
	[ "$(hcurl -o /dev/null -w '%{http_code}' "$U/abc.txt")" = 200 ] && ok=$((ok + 1))
done
check_eq "3 normal requests answered while a slowloris client dribbles" 3 "$ok"
wait "$slow_pid"
read1=$(hs_stat conn_timeout_read)
raw 443 slowmany 40 >"$T/slowmany.out" &
slow_pid=$!
sleep 1
ok=0
for ((i = 0; i < 5; i++)); do
	[ "$(hcurl -o /dev/null -w '%{http_code}' "$U/sub/")" = 200 ] && ok=$((ok + 1))
done
check_eq "5 normal requests answered during 40 slowloris connections" 5 "$ok"
wait "$slow_pid"
read -r cut last <"$T/slowmany.out"
check_eq "all 40 slowloris connections cut off" 40 "$cut"
check "the last one within 8 s (took ${last}s)" awk -v s="$last" 'BEGIN { exit !(s <= 8) }'
check_ge "telemetry: conn_timeout_read +40" $((read1 + 40)) "$(hs_stat conn_timeout_read)"
slow=$(cat "$T/slow.out")
check_match "slowloris client (1 byte / 0.25 s) cut off by --header-timeout 1500ms" '^(closed|rst|fin) ' "$slow"
secs=${slow#* }
check "slowloris cut off between 1.2 and 8 s (took ${secs}s)" \
	awk -v s="$secs" 'BEGIN { exit !(s >= 1.2 && s <= 8) }'
idle=$(raw 443 idle)
check_match "idle keep-alive connection closed (FIN) by --keepalive-timeout 2" '^fin ' "$idle"
secs=${idle#* }
check "idle close between 1.5 and 8 s (took ${secs}s)" \
	awk -v s="$secs" 'BEGIN { exit !(s >= 1.5 && s <= 8) }'
check_ge "telemetry: conn_timeout_read moved" $((read0 + 1)) "$(hs_stat conn_timeout_read)"
check_ge "telemetry: conn_timeout_idle moved" $((idle0 + 1)) "$(hs_stat conn_timeout_idle)"

# --- access log -------------------------------------------------------------------
reqs=$(hs_stat http_req)
check_eq "telemetry: log_dropped 0" 0 "$(hs_stat log_dropped)"
stop_httpsd	# the writer drains every ring before exit
check_eq "one access-log line per response" "$reqs" "$(wc -l <"$LOG")"
check_match "combined format line for a curl GET" \
	'^198\.18\.0\.2 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} \+0000\] "GET /abc\.txt HTTP/1\.1" 200 26 "-" "curl/[0-9.]+"$' \
	"$(cat "$LOG")"
check_match "206 logged with its body length" '"GET /abc\.txt HTTP/1\.1" 206 4 ' "$(cat "$LOG")"
check_match "304 logged with 0 bytes" '"GET /abc\.txt HTTP/1\.1" 304 0 ' "$(cat "$LOG")"
check_match "414 logged with request-line -" '"-" 414 ' "$(cat "$LOG")"
check_match "HTTP/2 preface logged, 505" '"-" 505 ' "$(cat "$LOG")"
check_nomatch "no raw control bytes in the log" $'[\x01-\x08\x0b-\x1f]' "$(cat "$LOG")"
hs_finish
