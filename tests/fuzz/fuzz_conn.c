/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_conn.c - libFuzzer target for the whole request path: an
 * hs_http_conn over a small file cache built in a temporary directory.
 *
 * Input: byte 0 picks the listener (TLS or plain, redirect or serve,
 * keep-alive limit), byte 1 seeds the chunk sizes; the rest is fed in
 * chunks of 1..64 bytes while responses are processed and drained, then
 * the peer half-closes.  Invariants checked per response:
 *  - the header block is "HTTP/1.1 NNN ..." with CRLF lines only, no
 *    NUL, ending in one empty line, and its status is the one returned;
 *  - Content-Length equals the body bytes sent (0 body bytes for HEAD
 *    and 304); 206 bodies match their Content-Range;
 *  - bodies come only from the cache or the built-in error pages, and the
 *    file outside the root (also reachable by a symlink) never appears;
 *  - the connection never deadlocks and is closed after EOF.
 * POST /up is the upload sink (hs_http_sink.h, limit 4096 bytes): its
 * answer is 200 with "sha256=<64 hex> bytes=<n>\n" (n at most the
 * limit), and no hash is left open at the end.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_http.h"

#define HS_FUZZ_ASSERT(x)                                                \
	do {                                                             \
		if (!(x)) {                                              \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #x);                 \
			abort();                                         \
		}                                                        \
	} while (0)

#define SECRET "SECRET-OUTSIDE-ROOT-7c1f"

static struct hs_file_cache *files;
static struct hs_http_server srv;
static struct hs_http_conn conn;
static char resp[1 << 17];

static void
put(const char *dir, const char *rel, const char *content)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	if (f == NULL)
		abort();
	fputs(content, f);
	fclose(f);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char base[PATH_MAX], root[PATH_MAX + 8], p[PATH_MAX + 32], err[256];
	const char *tmp = getenv("TMPDIR");

	snprintf(base, sizeof(base), "%s/hs_fuzz_XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(base) == NULL)
		abort();
	snprintf(root, sizeof(root), "%s/www", base);
	mkdir(root, 0755);
	put(base, "secret.txt", SECRET "\n");
	put(root, "index.html", "<h1>home</h1>\n");
	put(root, "a.txt", "abcdefghijklmnopqrstuvwxyz\n");
	put(root, "a.txt.gz", "\x1f\x8bGZ");
	put(root, "empty.txt", "");
	snprintf(p, sizeof(p), "%s/sub", root);
	mkdir(p, 0755);
	put(root, "sub/index.html", "<h1>sub</h1>\n");
	snprintf(p, sizeof(p), "%s/link", root);
	if (symlink("../secret.txt", p) != 0)
		abort();
	if (hs_files_load(&files, root, 1 << 20, 1 << 22, err, sizeof(err))) {
		fprintf(stderr, "fuzz_conn: %s\n", err);
		abort();
	}
	/* the cache holds its own copies: the tree can go now */
	snprintf(p, sizeof(p), "rm -rf '%s'", base);
	if (system(p) != 0)
		fprintf(stderr, "fuzz_conn: cleanup of %s failed\n", base);
	srv.files = files;
	return 0;
}

/* Is the response about to come for a HEAD?  A response held while its
 * request's body is read belongs to that request; otherwise the next
 * request starts past the empty lines RFC 9112 §2.2 ignores. */
static bool
next_is_head(const struct hs_http_conn *c)
{
	size_t i = 0;

	if (c->body_reading)
		return c->body_head;

	if (c->in_len == 0)
		return false;
	while (i + 1 < c->in_len && c->rs->in[i] == '\r' &&
	       c->rs->in[i + 1] == '\n')
		i += 2;
	return c->in_len - i >= 5 && memcmp(c->rs->in + i, "HEAD ", 5) == 0;
}

static const char *
find_hdr(const char *h, size_t n, const char *name)
{
	size_t ln = strlen(name);

	for (size_t i = 0; i + ln + 2 < n; i++)
		if (h[i] == '\n' && strncasecmp(h + i + 1, name, ln) == 0 &&
		    h[i + 1 + ln] == ':')
			return h + i + ln + 3;
	return NULL;
}

/* An interim 100 (Continue) goes out whole, before anything else. */
static void
drain_continue(void)
{
	static const char want[] = "HTTP/1.1 100 Continue\r\n\r\n";
	char b[sizeof(want)];
	size_t got = 0, n;
	const void *p;

	if (conn.cont_off >= conn.cont_len)
		return;
	HS_FUZZ_ASSERT(conn.cont_off == 0);
	while (conn.cont_off < conn.cont_len &&
	       (n = hs_http_conn_output(&conn, &p)) > 0) {
		HS_FUZZ_ASSERT(got + n < sizeof(b));
		memcpy(b + got, p, n);
		got += n;
		hs_http_conn_sent(&conn, n);
	}
	HS_FUZZ_ASSERT(got == sizeof(want) - 1 && memcmp(b, want, got) == 0);
}

/* Drain one response and check it. */
static void
check_response(int status, bool head)
{
	const void *p;
	size_t n, hlen = conn.hdr_len, total = 0;
	const uint8_t *body = conn.body;
	size_t blen = conn.body_len;
	const char *cl, *cr;
	char *end;

	drain_continue();
	hlen = conn.hdr_len;
	body = conn.body;
	blen = conn.body_len;
	HS_FUZZ_ASSERT(status >= 200 && status <= 599);
	while ((n = hs_http_conn_output(&conn, &p)) > 0) {
		size_t step = n > 1000 ? 1000 : n;

		HS_FUZZ_ASSERT(total + step <= sizeof(resp));
		memcpy(resp + total, p, step);
		total += step;
		hs_http_conn_sent(&conn, step);
	}
	HS_FUZZ_ASSERT(total == hlen + blen);
	/* header block */
	HS_FUZZ_ASSERT(hlen > 17 && memcmp(resp, "HTTP/1.1 ", 9) == 0);
	HS_FUZZ_ASSERT(strtol(resp + 9, NULL, 10) == status && resp[12] == ' ');
	HS_FUZZ_ASSERT(memcmp(resp + hlen - 4, "\r\n\r\n", 4) == 0);
	HS_FUZZ_ASSERT(memchr(resp, '\0', hlen) == NULL);
	for (size_t i = 0; i < hlen; i++) {
		if (resp[i] == '\n')
			HS_FUZZ_ASSERT(i > 0 && resp[i - 1] == '\r');
		if (resp[i] == '\r')
			HS_FUZZ_ASSERT(i + 1 < hlen && resp[i + 1] == '\n');
	}
	for (size_t i = 0; i + 4 < hlen; i++)
		HS_FUZZ_ASSERT(memcmp(resp + i, "\r\n\r\n", 4) != 0);
	/* body framing */
	cl = find_hdr(resp, hlen, "Content-Length");
	if (status == 304 || (status >= 100 && status < 200)) {
		HS_FUZZ_ASSERT(blen == 0);
	} else {
		HS_FUZZ_ASSERT(cl != NULL);
		if (!head || blen)
			HS_FUZZ_ASSERT(strtoull(cl, &end, 10) == blen &&
				       *end == '\r');
	}
	/* RFC 9110 §9.3.2: HEAD never gets a body once it was recognised;
	 * only a request line the parser rejected may get an error page */
	if (head && status != 400 && status != 414 && status != 431 &&
	    status != 505 && status != 501)
		HS_FUZZ_ASSERT(blen == 0);
	if (status == 206) {
		unsigned long long a, b, len;

		cr = find_hdr(resp, hlen, "Content-Range");
		HS_FUZZ_ASSERT(cr && sscanf(cr, "bytes %llu-%llu/%llu", &a, &b,
					    &len) == 3);
		HS_FUZZ_ASSERT(a <= b && b < len && b - a + 1 == blen);
	}
	/* the sink's digest line */
	if (status == 200 && blen && memcmp(resp + hlen, "sha256=", 7) == 0) {
		unsigned long long nb;
		char *e;

		HS_FUZZ_ASSERT(blen > 7 + 64 + 7 &&
			       memcmp(resp + hlen + 71, " bytes=", 7) == 0);
		nb = strtoull(resp + hlen + 78, &e, 10);
		HS_FUZZ_ASSERT(*e == '\n' && (size_t)(e + 1 - resp) == total &&
			       nb <= srv.max_body);
	}
	/* nothing from outside the root in a body (headers may echo the
	 * request's own bytes, e.g. the Host of a redirect) */
	HS_FUZZ_ASSERT(memmem(resp + hlen, blen, SECRET, sizeof(SECRET) - 1) ==
		       NULL);
	(void)body;
}

/* Body hook: every body handed to it ends exactly once (complete or
 * aborted) and never delivers more than the limit. */
static struct {
	uint64_t bytes;
	unsigned int open, ended;
} bodies;

static void
body_fn(void *ctx, const char *p, size_t n)
{
	HS_FUZZ_ASSERT(ctx == &bodies && bodies.open == 1);
	if (p == NULL) {
		HS_FUZZ_ASSERT(n == 0 || n == HS_HTTP_BODY_ABORTED);
		bodies.open = 0;
		bodies.ended++;
		return;
	}
	HS_FUZZ_ASSERT(n > 0 && conn.rs != NULL && p >= conn.rs->in &&
		       p + n <= conn.rs->in + conn.in_len);
	bodies.bytes += n;
	HS_FUZZ_ASSERT(bodies.bytes <= HS_HTTP_MAX_BODY);
}

/* Attach the hook to a body that just started. */
static void
hook_body(void)
{
	if (hs_http_conn_reading_body(&conn) && conn.body_fn == NULL) {
		HS_FUZZ_ASSERT(bodies.open == 0);
		bodies.open = 1;
		bodies.bytes = 0;
		conn.body_fn = body_fn;
		conn.body_ctx = &bodies;
	}
}

static void
pump(void)
{
	const void *p;

	for (;;) {
		bool head = next_is_head(&conn);
		int st = hs_http_conn_process(&conn);

		hook_body();
		if (st > 0) {
			check_response(st, head);
			continue;
		}
		HS_FUZZ_ASSERT(st == 0);
		drain_continue();
		/* nothing to send (a response held while its request's
		 * body is read does not count) */
		if (hs_http_conn_output(&conn, &p) == 0)
			return;
		check_response(conn.status, false);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t rnd;
	size_t off = 2;

	if (size < 2)
		return 0;
	hs_http_server_defaults(&srv);
	srv.tls = data[0] & 1;
	srv.plain_redirect = data[0] & 2;
	srv.redirect_host = (data[0] & 4) ? "198.18.0.1" : NULL;
	srv.https_port = (data[0] & 8) ? 8443 : 443;
	srv.keepalive_requests = (data[0] >> 4) & 7;
	srv.hsts_subdomains = data[0] & 0x80;
	srv.upload_sink = "/up";
	srv.upload_sink_len = 3;
	srv.max_body = 4096;
	rnd = data[1] * 2654435761u + 1;
	hs_http_conn_init(&conn, &srv);
	memset(&bodies, 0, sizeof(bodies));
	while (off < size) {
		size_t space, n;
		char *in = hs_http_conn_inbuf(&conn, &space);

		if (space == 0) {
			/* full while a response is pending: drain it */
			uint32_t before = conn.requests;

			pump();
			hs_http_conn_inbuf(&conn, &space);
			/* a full buffer is always answered (414/431) */
			HS_FUZZ_ASSERT(space > 0 || conn.requests > before);
			continue;
		}
		rnd = rnd * 1103515245u + 12345u;
		n = 1 + (rnd >> 16) % 64;
		if (n > size - off)
			n = size - off;
		if (n > space)
			n = space;
		memcpy(in, data + off, n);
		hs_http_conn_commit(&conn, n);
		off += n;
		pump();
	}
	hs_http_conn_peer_eof(&conn);
	pump();
	HS_FUZZ_ASSERT(hs_http_conn_should_close(&conn));
	hs_http_conn_release(&conn);
	HS_FUZZ_ASSERT(bodies.open == 0 && conn.rs == NULL);
	return 0;
}
