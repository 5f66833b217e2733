/* SPDX-License-Identifier: BSD-3-Clause
 * test_http_engine.c - the sans-I/O connection engine over a temporary
 * document root: responses byte-exact, HEAD, errors, redirects,
 * keep-alive rules, pipelining, request bodies, limits, TLS headers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_http.h"
#include "hs_check.h"

#define RFC_TIME   784111777
#define RFC_DATE   "Sun, 06 Nov 1994 08:49:37 GMT"
#define INDEX_BODY "<!DOCTYPE html><h1>home</h1>\n"
#define CSS_BODY   "body { color: #333 }\n"
#define SUB_BODY   "<h1>sub</h1>\n"
#define ABC_BODY   "abcdefghijklmnopqrstuvwxyz"
#define JS_BODY    "console.log('plain javascript, long enough');\n"
#define JSGZ_BODY  "\x1f\x8bGZ-BYTES"

static char base[PATH_MAX];
static struct hs_file_cache *files;
static struct hs_http_server srv_plain = { .tls = false,
					   .server_name = "httpsd" };
static struct hs_http_server srv_tls = { .tls = true, .server_name = "httpsd" };
static struct hs_http_server srv_redir = { .tls = false };
static struct hs_http_conn conn;
static char out[1 << 16];

static void
mkfile(const char *rel, const char *content)
{
	char p[PATH_MAX + 64];
	struct timespec ts[2] = { { RFC_TIME, 0 }, { RFC_TIME, 0 } };
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(content, f);
	fclose(f);
	CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0);
}

static void
mkdir_rel(const char *rel)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	CHECK(mkdir(p, 0755) == 0);
}

static void
feed(struct hs_http_conn *c, const char *s, size_t n)
{
	size_t space;
	char *p = hs_http_conn_inbuf(c, &space);

	CHECK(space >= n);
	n = n < space ? n : space;
	memcpy(p, s, n);
	hs_http_conn_commit(c, n);
}

#define FEED(c, lit) feed((c), (lit), sizeof(lit) - 1)

/* Drain all output, accepting at most 'step' bytes per send (0 = all). */
static size_t
drain(struct hs_http_conn *c, char *dst, size_t cap, size_t step)
{
	size_t total = 0, n;
	const void *p;

	while ((n = hs_http_conn_output(c, &p)) > 0) {
		if (step && n > step)
			n = step;
		CHECK(total + n <= cap);
		if (total + n > cap)
			break;
		memcpy(dst + total, p, n);
		total += n;
		hs_http_conn_sent(c, n);
	}
	return total;
}

/* Like the transport glue: process, drain, repeat until idle.  Statuses
 * produced go to st[] (up to nst). */
static size_t
run(struct hs_http_conn *c, int *st, int nst, int *count)
{
	size_t total = 0;
	int k = 0, s;

	for (;;) {
		size_t n;

		s = hs_http_conn_process(c);
		if (s > 0 && k < nst)
			st[k] = s;
		if (s > 0)
			k++;
		n = drain(c, out + total, sizeof(out) - total, 0);
		total += n;
		if (s == 0 && n == 0)
			break;
	}
	out[total] = '\0';
	if (count)
		*count = k;
	return total;
}

/* One request on a fresh connection; returns the response length. */
static size_t
one(const struct hs_http_server *srv, const char *req, int *st)
{
	int count;
	size_t n;

	hs_http_conn_init(&conn, srv);
	feed(&conn, req, strlen(req));
	n = run(&conn, st, 1, &count);
	CHECK(count == 1);
	return n;
}

/* The value of header 'name' in response text r (NULL if absent). */
static bool
header_is(const char *r, const char *name, const char *value)
{
	char pat[256];
	const char *end = strstr(r, "\r\n\r\n");
	const char *h;

	snprintf(pat, sizeof(pat), "\r\n%s: %s\r\n", name, value);
	h = strstr(r, pat);
	return h && end && h < end;
}

static bool
has_header(const char *r, const char *name)
{
	char pat[256];
	const char *end = strstr(r, "\r\n\r\n");
	const char *h;

	snprintf(pat, sizeof(pat), "\r\n%s: ", name);
	h = strstr(r, pat);
	return h && end && h < end;
}

static const char *
body_of(const char *r)
{
	const char *e = strstr(r, "\r\n\r\n");

	return e ? e + 4 : "";
}

/* Replace the Date value by the fixed RFC example so responses compare
 * byte for byte; checks it is an IMF-fixdate-shaped value. */
static void
fix_date(char *r)
{
	char *d = strstr(r, "\r\nDate: ");

	CHECK(d != NULL);
	if (!d)
		return;
	d += 8;
	CHECK(d[3] == ',' && d[4] == ' ' && d[7] == ' ' && d[11] == ' ' &&
	      d[16] == ' ' && d[19] == ':' && d[22] == ':' &&
	      memcmp(d + 25, " GMT\r\n", 6) == 0);
	memcpy(d, RFC_DATE, 29);
}

static void
test_get_exact(void)
{
	static const char want[] = "HTTP/1.1 200 OK\r\n"
				   "Server: httpsd\r\n"
				   "Date: " RFC_DATE "\r\n"
				   "Content-Type: text/html; charset=utf-8\r\n"
				   "Content-Length: 29\r\n"
				   "Last-Modified: " RFC_DATE "\r\n"
				   "ETag: \"1d-2ebc98a1\"\r\n"
				   "Accept-Ranges: bytes\r\n"
				   "Connection: keep-alive\r\n"
				   "\r\n" INDEX_BODY;
	char head_resp[2048];
	int st = 0;
	size_t n;

	n = one(&srv_plain, "GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 200);
	fix_date(out);
	CHECK(n == sizeof(want) - 1 && memcmp(out, want, n) == 0);
	CHECK(!hs_http_conn_should_close(&conn));
	CHECK(conn.requests == 1);

	/* "/" serves index.html, identically */
	n = one(&srv_plain, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	fix_date(out);
	CHECK(st == 200 && n == sizeof(want) - 1 && memcmp(out, want, n) == 0);

	/* the body is not copied: it points into the cache */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n");
	CHECK(hs_http_conn_process(&conn) == 200);
	CHECK(conn.body == hs_files_lookup(files, "/index.html", 11)->data);

	/* HEAD: the same header block, no body (RFC 9110 §9.3.2) */
	n = one(&srv_plain, "HEAD /index.html HTTP/1.1\r\nHost: a\r\n\r\n",
		&st);
	CHECK(st == 200);
	fix_date(out);
	memcpy(head_resp, out, n);
	CHECK(n == sizeof(want) - 1 - strlen(INDEX_BODY));
	CHECK(memcmp(head_resp, want, n) == 0);

	/* sent in one-byte steps, the output is the same */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "GET /style.css HTTP/1.1\r\nHost: a\r\n\r\n");
	CHECK(hs_http_conn_process(&conn) == 200);
	n = drain(&conn, out, sizeof(out) - 1, 1);
	out[n] = '\0';
	CHECK(header_is(out, "Content-Type", "text/css; charset=utf-8"));
	CHECK(header_is(out, "Content-Length", "21"));
	CHECK(strcmp(body_of(out), CSS_BODY) == 0);
}

static void
test_errors(void)
{
	int st = 0;

	/* 404 with a small html body and its length, connection kept */
	one(&srv_plain, "GET /nope.html HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 404);
	CHECK(strncmp(out, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
	CHECK(header_is(out, "Content-Type", "text/html; charset=utf-8"));
	{
		char len[24];

		snprintf(len, sizeof(len), "%zu", strlen(body_of(out)));
		CHECK(header_is(out, "Content-Length", len));
		CHECK(strstr(body_of(out), "404") != NULL);
	}
	CHECK(header_is(out, "Connection", "keep-alive"));
	CHECK(!hs_http_conn_should_close(&conn));
	CHECK(!has_header(out, "ETag"));

	/* HEAD of a missing file: headers only */
	one(&srv_plain, "HEAD /nope HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 404 && body_of(out)[0] == '\0' &&
	      has_header(out, "Content-Length"));

	/* 405 with Allow for every other method (RFC 9110 §15.5.6) */
	static const char *m405[] = { "POST",  "PUT",   "DELETE", "OPTIONS",
				      "PATCH", "TRACE", "BREW" };
	for (size_t i = 0; i < sizeof(m405) / sizeof(m405[0]); i++) {
		char req[128];

		snprintf(req, sizeof(req),
			 "%s /index.html HTTP/1.1\r\nHost: a\r\n\r\n", m405[i]);
		one(&srv_plain, req, &st);
		CHECK(st == 405);
		CHECK(header_is(out, "Allow", "GET, HEAD"));
		CHECK(header_is(out, "Connection", "keep-alive"));
	}
	/* with a body we do not read: 405 and close */
	one(&srv_plain,
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
	    &st);
	CHECK(st == 405 && header_is(out, "Connection", "close"));
	CHECK(hs_http_conn_should_close(&conn));
	/* more than 1 MiB declared: 413 and close */
	one(&srv_plain,
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n",
	    &st);
	CHECK(st == 413 && hs_http_conn_should_close(&conn));

	/* parse errors: the right status, then close */
	static const struct {
		const char *req;
		int st;
	} perr[] = {
		{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
		{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505 },
		{ "GET / HTTP/1.1\r\n\r\n", 400 }, /* no Host */
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n",
		  400 }, /* CL + TE */
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
		  "gzip\r\n\r\n",
		  501 },
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
		  "chunked\r\n\r\n"
		  "0x5\r\nhello\r\n0\r\n\r\n",
		  400 }, /* bad chunk size */
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
		  "chunked\r\n\r\n"
		  "100001\r\n",
		  413 }, /* chunk above the limit */
		{ "GET /../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n",
		  400 },
	};
	for (size_t i = 0; i < sizeof(perr) / sizeof(perr[0]); i++) {
		one(&srv_plain, perr[i].req, &st);
		CHECK(st == perr[i].st);
		CHECK(header_is(out, "Connection", "close"));
		CHECK(hs_http_conn_should_close(&conn));
		/* input after the error is swallowed, never parsed */
		FEED(&conn, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
		CHECK(hs_http_conn_process(&conn) == 0);
		CHECK(hs_http_conn_should_close(&conn));
	}

	/* double-encoded dots are a literal name: 404, no escape */
	one(&srv_plain,
	    "GET /%252e%252e/index.html HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 404 && !hs_http_conn_should_close(&conn));
}

static void
test_dirs(void)
{
	int st = 0;

	one(&srv_plain, "GET /sub HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 301);
	CHECK(strncmp(out, "HTTP/1.1 301 Moved Permanently\r\n", 32) == 0);
	CHECK(header_is(out, "Location", "/sub/"));
	CHECK(!hs_http_conn_should_close(&conn));
	one(&srv_plain, "GET /sub?x=1&y=2 HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 301 && header_is(out, "Location", "/sub/?x=1&y=2"));
	one(&srv_plain, "GET /my%20dir HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 301 && header_is(out, "Location", "/my%20dir/"));

	one(&srv_plain, "GET /sub/ HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 200 && strcmp(body_of(out), SUB_BODY) == 0);
	one(&srv_plain, "GET /sub/index.html HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 200 && strcmp(body_of(out), SUB_BODY) == 0);
	one(&srv_plain, "GET /empty/ HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 404);
	one(&srv_plain, "GET /index.html/ HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 404);
	/* absolute-form (RFC 9112 §3.2.2) */
	one(&srv_plain,
	    "GET http://example.com/sub/ HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 200 && strcmp(body_of(out), SUB_BODY) == 0);
}

static void
test_keepalive(void)
{
	int st = 0;

	/* HTTP/1.0: close unless keep-alive was asked for */
	one(&srv_plain, "GET / HTTP/1.0\r\n\r\n", &st);
	CHECK(st == 200 && header_is(out, "Connection", "close"));
	CHECK(hs_http_conn_should_close(&conn));
	one(&srv_plain, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	    &st);
	CHECK(st == 200 && header_is(out, "Connection", "keep-alive"));
	CHECK(!hs_http_conn_should_close(&conn));
	/* HTTP/1.1: persistent unless "close" */
	one(&srv_plain,
	    "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &st);
	CHECK(st == 200 && header_is(out, "Connection", "close"));
	CHECK(hs_http_conn_should_close(&conn));
	one(&srv_plain,
	    "GET / HTTP/1.1\r\nHost: a\r\nConnection: x, Close\r\n\r\n", &st);
	CHECK(hs_http_conn_should_close(&conn));
	/* not before the response has drained */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
	CHECK(hs_http_conn_process(&conn) == 200);
	CHECK(!hs_http_conn_should_close(&conn));
	drain(&conn, out, sizeof(out), 0);
	CHECK(hs_http_conn_should_close(&conn));
}

static void
test_pipelining(void)
{
	static const char reqs[] = "GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n"
				   "GET /style.css HTTP/1.1\r\nHost: a\r\n\r\n"
				   "HEAD /nope HTTP/1.1\r\nHost: a\r\n\r\n";
	int st[3] = { 0 }, count = 0;
	const char *p;

	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, reqs);
	/* one response at a time: the next is not parsed before a drain */
	CHECK(hs_http_conn_process(&conn) == 200);
	CHECK(hs_http_conn_process(&conn) == 0);
	drain(&conn, out, sizeof(out), 0);
	CHECK(conn.in_len == sizeof(reqs) - 1 - 37);
	run(&conn, st, 3, &count);
	CHECK(count == 2 && st[0] == 200 && st[1] == 404);
	CHECK(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0);
	CHECK(header_is(out, "Content-Type", "text/css; charset=utf-8"));
	p = strstr(out, CSS_BODY);
	CHECK(p != NULL);
	CHECK(p && strncmp(p + strlen(CSS_BODY), "HTTP/1.1 404 Not Found\r\n",
			   24) == 0);
	CHECK(conn.in_len == 0 && conn.requests == 3);
	CHECK(!hs_http_conn_should_close(&conn));

	/* all three at once, in order */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, reqs);
	run(&conn, st, 3, &count);
	CHECK(count == 3 && st[0] == 200 && st[1] == 200 && st[2] == 404);
	p = strstr(out, INDEX_BODY);
	CHECK(p && strstr(p, CSS_BODY) && strstr(strstr(p, CSS_BODY), " 404 "));
}

struct sink {
	char buf[256];
	size_t len;
	int ends, aborts;
};

static void
sink_fn(void *ctx, const char *p, size_t n)
{
	struct sink *k = ctx;

	if (p == NULL) {
		if (n == HS_HTTP_BODY_ABORTED)
			k->aborts++;
		else
			k->ends++;
		CHECK(n == 0 || n == HS_HTTP_BODY_ABORTED);
		return;
	}
	CHECK(k->len + n <= sizeof(k->buf));
	if (k->len + n <= sizeof(k->buf)) {
		memcpy(k->buf + k->len, p, n);
		k->len += n;
	}
}

static void
test_bodies(void)
{
	int st[3] = { 0 }, count = 0;
	struct sink k = { .len = 0 };

	/* GET with a Content-Length body that looks like a request, then the
	 * next request: the body is skipped, the next one answered */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn,
	     "GET /index.html HTTP/1.1\r\nHost: a\r\nContent-Length: 19\r\n\r\n"
	     "GET /nope HTTP/1.1\n" /* the body, 19 bytes */
	     "GET /style.css HTTP/1.1\r\nHost: a\r\n\r\n");
	run(&conn, st, 2, &count);
	CHECK(count == 2 && st[0] == 200 && st[1] == 200);
	CHECK(strstr(out, INDEX_BODY) && strstr(out, CSS_BODY));
	CHECK(strstr(out, "404") == NULL);
	CHECK(conn.in_len == 0 && !hs_http_conn_reading_body(&conn));
	CHECK(!hs_http_conn_should_close(&conn));

	/* the body arrives in pieces, the next request right behind it; the
	 * response waits for the whole body */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn,
	     "HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01");
	CHECK(run(&conn, st, 2, &count) == 0);
	CHECK(count == 0 && conn.body_left == 8 && conn.in_len == 0);
	CHECK(hs_http_conn_reading_body(&conn));
	FEED(&conn, "2345");
	run(&conn, st, 2, &count);
	CHECK(count == 0 && conn.body_left == 4 && conn.in_len == 0);
	FEED(&conn, "6789GET /sub/ HTTP/1.1\r\nHost: a\r\n\r\n");
	run(&conn, st, 2, &count);
	CHECK(count == 2 && st[0] == 200 && st[1] == 200);
	/* HEAD: headers only, then the next response */
	CHECK(strncmp(out, "HTTP/1.1 200", 12) == 0 &&
	      strncmp(body_of(out), "HTTP/1.1 200", 12) == 0);
	CHECK(strcmp(body_of(body_of(out)), SUB_BODY) == 0);
	CHECK(!hs_http_conn_should_close(&conn));

	/* chunked GET body with extensions and trailers, then a pipelined
	 * request: both answered in order, connection kept */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "GET /index.html HTTP/1.1\r\nHost: a\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n"
		    "5;ext=\"q;\\\"\" ; e2\r\nGET /\r\n"
		    "0a\r\nnope HTTP/\r\n0\r\nX-Trailer: t\r\n\r\n"
		    "GET /style.css HTTP/1.1\r\nHost: a\r\n\r\n");
	run(&conn, st, 3, &count);
	CHECK(count == 2 && st[0] == 200 && st[1] == 200);
	CHECK(strstr(out, INDEX_BODY) && strstr(out, CSS_BODY));
	CHECK(conn.in_len == 0 && !hs_http_conn_should_close(&conn));

	/* the decoded bytes reach the body hook, then (NULL, 0) */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "GET /style.css HTTP/1.1\r\nHost: a\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n");
	CHECK(run(&conn, st, 1, &count) == 0 && count == 0);
	conn.body_fn = sink_fn;
	conn.body_ctx = &k;
	FEED(&conn, "3\r\nabc\r\n");
	CHECK(run(&conn, st, 1, &count) == 0 && count == 0);
	CHECK(k.len == 3 && memcmp(k.buf, "abc", 3) == 0 && k.ends == 0);
	FEED(&conn, "4\r\ndefg\r\n0\r\n\r\n");
	run(&conn, st, 1, &count);
	CHECK(count == 1 && st[0] == 200 && strstr(out, CSS_BODY));
	CHECK(k.len == 7 && memcmp(k.buf, "abcdefg", 7) == 0 && k.ends == 1);
	CHECK(k.aborts == 0 && conn.body_fn == NULL);
	/* the hook is per request */
	FEED(&conn, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nzz");
	run(&conn, st, 1, &count);
	CHECK(count == 1 && st[0] == 200 && k.len == 7 && conn.body_fn == NULL);

	/* aborted bodies: bad framing, the peer leaving, the connection
	 * released; each told once */
	{
		static const char *const tails[] = { "1\r\nxZ", "1\r\nx",
						     "1\r\nx" };

		for (int i = 0; i < 3; i++) {
			struct sink a = { .len = 0 };

			hs_http_conn_init(&conn, &srv_plain);
			FEED(&conn, "GET / HTTP/1.1\r\nHost: a\r\n"
				    "Transfer-Encoding: chunked\r\n\r\n");
			run(&conn, st, 1, &count);
			conn.body_fn = sink_fn;
			conn.body_ctx = &a;
			feed(&conn, tails[i], strlen(tails[i]));
			run(&conn, st, 1, &count);
			if (i == 1) {
				hs_http_conn_peer_eof(&conn);
				run(&conn, st, 1, &count);
			}
			hs_http_conn_release(&conn);
			hs_http_conn_release(&conn);
			CHECK(a.len == 1 && a.aborts == 1 && a.ends == 0);
			CHECK(i != 0 || (count == 1 && st[0] == 400));
			CHECK(i == 0 || count == 0);
		}
	}

	/* a bad chunk after a good one: 400 instead of the held 200, close */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "GET /index.html HTTP/1.1\r\nHost: a\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n-1\r\n");
	run(&conn, st, 2, &count);
	CHECK(count == 1 && st[0] == 400 && strstr(out, INDEX_BODY) == NULL);
	CHECK(header_is(out, "Connection", "close"));
	CHECK(hs_http_conn_should_close(&conn));
	CHECK(conn.requests == 1);
	/* HEAD: the error has no body either */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "HEAD / HTTP/1.1\r\nHost: a\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n2\r\nabX");
	run(&conn, st, 2, &count);
	CHECK(count == 1 && st[0] == 400 && body_of(out) && *body_of(out) == 0);
	CHECK(hs_http_conn_should_close(&conn));
	/* chunks adding up to more than the limit: 413 */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "GET / HTTP/1.1\r\nHost: a\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n80000\r\n");
	CHECK(run(&conn, st, 2, &count) == 0 && count == 0);
	for (int i = 0; i < 64; i++) {
		static char zeros[8192];

		feed(&conn, zeros, sizeof(zeros));
		run(&conn, st, 2, &count);
		CHECK(count == 0);
	}
	FEED(&conn, "\r\n80001\r\n");
	run(&conn, st, 2, &count);
	CHECK(count == 1 && st[0] == 413 && hs_http_conn_should_close(&conn));
	/* the peer leaves in the middle of a body: no response, close */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab");
	run(&conn, st, 2, &count);
	hs_http_conn_peer_eof(&conn);
	CHECK(run(&conn, st, 2, &count) == 0 && count == 0);
	CHECK(hs_http_conn_should_close(&conn));
	/* redirect mode: the body of a GET is read too, pipelining kept */
	hs_http_conn_init(&conn, &srv_redir);
	FEED(&conn,
	     "GET /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "1\r\nx\r\n0\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n");
	run(&conn, st, 2, &count);
	CHECK(count == 2 && st[0] == 301 && st[1] == 301);
	CHECK(strstr(out, "https://h/a\r\n") && strstr(out, "https://h/b\r\n"));
	CHECK(!hs_http_conn_should_close(&conn));
}

/* fix_date() on every response in r. */
static void
fix_dates(char *r)
{
	char *p = r;

	while ((p = strstr(p, "HTTP/1.1 ")) != NULL) {
		fix_date(p);
		p += 9;
	}
}

/* A chunked body split in two at every byte: same responses. */
static void
test_chunked_split(void)
{
	static const char req[] = "GET /abc.txt HTTP/1.1\r\nHost: a\r\n"
				  "Transfer-Encoding: chunked\r\n\r\n"
				  "1a;n=v\r\nabcdefghijklmnopqrstuvwxyz\r\n"
				  "000\r\nT: 1\r\n\r\n"
				  "GET /style.css HTTP/1.1\r\nHost: a\r\n\r\n";
	static char ref[4096], got[4096];
	size_t len = sizeof(req) - 1, rn, n;
	int st[2], count = 0;

	hs_http_conn_init(&conn, &srv_plain);
	feed(&conn, req, len);
	rn = run(&conn, st, 2, &count);
	CHECK(count == 2 && st[0] == 200 && st[1] == 200);
	fix_dates(out);
	memcpy(ref, out, rn + 1);
	for (size_t k = 1; k < len; k++) {
		hs_http_conn_init(&conn, &srv_plain);
		size_t n1;

		feed(&conn, req, k);
		n1 = run(&conn, st, 2, &count);
		memcpy(got, out, n1);
		feed(&conn, req + k, len - k);
		n = n1 + run(&conn, st, 2, &count);
		CHECK(n == rn);
		if (n != rn)
			continue;
		memcpy(got + n1, out, n - n1);
		got[n] = '\0';
		fix_dates(got);
		CHECK(memcmp(got, ref, rn) == 0);
		CHECK(!hs_http_conn_should_close(&conn) && conn.in_len == 0);
	}
}

static void
test_limits(void)
{
	static char big[HS_HTTP_IN_BUF];
	size_t space;
	int st[1] = { 0 }, count = 0;

	/* headers that do not fit: 431 */
	hs_http_conn_init(&conn, &srv_plain);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ", 32);
	feed(&conn, big, sizeof(big));
	hs_http_conn_inbuf(&conn, &space);
	CHECK(space == 0);
	run(&conn, st, 1, &count);
	CHECK(count == 1 && st[0] == 431);
	CHECK(header_is(out, "Connection", "close"));
	CHECK(hs_http_conn_should_close(&conn));

	/* a request-line that does not fit: 414 */
	hs_http_conn_init(&conn, &srv_plain);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	feed(&conn, big, sizeof(big));
	run(&conn, st, 1, &count);
	CHECK(count == 1 && st[0] == 414);
	CHECK(hs_http_conn_should_close(&conn));

	/* just below the limit: still waiting, no response */
	hs_http_conn_init(&conn, &srv_plain);
	feed(&conn, big, sizeof(big) - 1);
	run(&conn, st, 1, &count);
	CHECK(count == 0 && !hs_http_conn_should_close(&conn));
}

static void
test_eof(void)
{
	int st[2] = { 0 }, count = 0;

	/* a partial request at EOF is dropped */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "GET / HT");
	CHECK(hs_http_conn_process(&conn) == 0);
	hs_http_conn_peer_eof(&conn);
	run(&conn, st, 2, &count);
	CHECK(count == 0 && hs_http_conn_should_close(&conn));

	/* complete requests before EOF are still answered, then close */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn,
	     "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /style.css HTTP/1.1\r\n"
	     "Host: a\r\n\r\n");
	hs_http_conn_peer_eof(&conn);
	CHECK(!hs_http_conn_should_close(&conn));
	run(&conn, st, 2, &count);
	CHECK(count == 2 && st[0] == 200 && st[1] == 200);
	CHECK(hs_http_conn_should_close(&conn));

	/* EOF on an idle connection */
	hs_http_conn_init(&conn, &srv_plain);
	hs_http_conn_peer_eof(&conn);
	CHECK(hs_http_conn_should_close(&conn));
}

static void
test_tls_headers(void)
{
	int st = 0;

	one(&srv_tls, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 200);
	CHECK(header_is(out, "Strict-Transport-Security", "max-age=31536000"));
	CHECK(header_is(out, "X-Content-Type-Options", "nosniff"));
	one(&srv_tls, "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 404 && has_header(out, "Strict-Transport-Security"));

	one(&srv_plain, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 200 && !has_header(out, "Strict-Transport-Security"));
	CHECK(!has_header(out, "X-Content-Type-Options"));
}

/* The value of header name in response r, copied to v (empty if none). */
static void
header_val(const char *r, const char *name, char *v, size_t cap)
{
	char pat[128];
	const char *h, *e, *end = strstr(r, "\r\n\r\n");

	v[0] = '\0';
	snprintf(pat, sizeof(pat), "\r\n%s: ", name);
	h = strstr(r, pat);
	if (!h || !end || h > end)
		return;
	h += strlen(pat);
	e = strstr(h, "\r\n");
	if (e && (size_t)(e - h) < cap) {
		memcpy(v, h, (size_t)(e - h));
		v[e - h] = '\0';
	}
}

/* GET path with extra header lines; returns the status. */
static int
get_with(const struct hs_http_server *srv, const char *method, const char *path,
	 const char *extra)
{
	char req[2048];
	int st = 0;

	snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: a\r\n%s\r\n",
		 method, path, extra);
	one(srv, req, &st);
	return st;
}

/* RFC 9110 §13: conditional requests and their precedence (§13.2.2). */
static void
test_conditional(void)
{
	const char *etag = hs_files_lookup(files, "/index.html", 11)->etag;
	char h[512], v[128];

	/* If-None-Match: strong tag, weak form, list, "*" -> 304 */
	snprintf(h, sizeof(h), "If-None-Match: %s\r\n", etag);
	CHECK(get_with(&srv_plain, "GET", "/index.html", h) == 304);
	CHECK(strncmp(out, "HTTP/1.1 304 Not Modified\r\n", 27) == 0);
	CHECK(header_is(out, "ETag", etag));
	CHECK(header_is(out, "Last-Modified", RFC_DATE));
	CHECK(has_header(out, "Date"));
	CHECK(!has_header(out, "Content-Length"));
	CHECK(!has_header(out, "Content-Type"));
	CHECK(body_of(out)[0] == '\0');
	CHECK(header_is(out, "Connection", "keep-alive"));
	CHECK(!hs_http_conn_should_close(&conn));
	snprintf(h, sizeof(h), "If-None-Match: W/%s\r\n", etag);
	CHECK(get_with(&srv_plain, "GET", "/index.html", h) == 304);
	snprintf(h, sizeof(h), "If-None-Match: \"x,y\", W/\"zz\" ,%s\r\n",
		 etag);
	CHECK(get_with(&srv_plain, "GET", "/index.html", h) == 304);
	snprintf(h, sizeof(h),
		 "If-None-Match: \"nope\"\r\nIf-None-Match: %s\r\n", etag);
	CHECK(get_with(&srv_plain, "GET", "/index.html", h) == 304);
	CHECK(get_with(&srv_plain, "GET", "/", "If-None-Match: *\r\n") == 304);
	snprintf(h, sizeof(h), "If-None-Match: %s\r\n", etag);
	CHECK(get_with(&srv_plain, "HEAD", "/index.html", h) == 304);
	CHECK(body_of(out)[0] == '\0');
	/* no match -> 200 with the body */
	CHECK(get_with(&srv_plain, "GET", "/index.html",
		       "If-None-Match: \"1d-2ebc98a0\"\r\n") == 200);
	CHECK(strcmp(body_of(out), INDEX_BODY) == 0);
	CHECK(get_with(&srv_plain, "GET", "/index.html",
		       "If-None-Match: 1d-2ebc98a1\r\n") == 200); /* unquoted */
	/* a missing file stays 404 */
	CHECK(get_with(&srv_plain, "GET", "/nope", "If-None-Match: *\r\n") ==
	      404);

	/* If-Modified-Since: equal or later -> 304, earlier -> 200, the
	 * obsolete formats too, invalid ignored */
	CHECK(get_with(&srv_plain, "GET", "/index.html",
		       "If-Modified-Since: " RFC_DATE "\r\n") == 304);
	CHECK(header_is(out, "ETag", etag) && body_of(out)[0] == '\0');
	CHECK(get_with(
		      &srv_plain, "GET", "/index.html",
		      "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n") ==
	      304);
	CHECK(get_with(
		      &srv_plain, "GET", "/index.html",
		      "If-Modified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n") ==
	      200);
	CHECK(strcmp(body_of(out), INDEX_BODY) == 0);
	CHECK(get_with(&srv_plain, "GET", "/index.html",
		       "If-Modified-Since: Sunday, 06-Nov-94 08:49:37 "
		       "GMT\r\n") == 304);
	CHECK(get_with(&srv_plain, "GET", "/index.html",
		       "If-Modified-Since: Sun Nov  6 08:49:37 1994\r\n") ==
	      304);
	CHECK(get_with(&srv_plain, "GET", "/index.html",
		       "If-Modified-Since: yesterday\r\n") == 200);
	CHECK(get_with(&srv_plain, "GET", "/index.html",
		       "If-Modified-Since: " RFC_DATE "\r\n"
		       "If-Modified-Since: " RFC_DATE "\r\n") == 200);
	/* §13.2.2: If-None-Match wins over If-Modified-Since */
	CHECK(get_with(
		      &srv_plain, "GET", "/index.html",
		      "If-None-Match: \"other\"\r\n"
		      "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n") ==
	      200);

	/* If-Match / If-Unmodified-Since -> 412 (steps 1 and 2) */
	CHECK(get_with(&srv_plain, "GET", "/index.html",
		       "If-Match: \"other\"\r\n") == 412);
	CHECK(!hs_http_conn_should_close(&conn));
	snprintf(h, sizeof(h), "If-Match: W/%s\r\n", etag); /* strong only */
	CHECK(get_with(&srv_plain, "GET", "/index.html", h) == 412);
	snprintf(h, sizeof(h), "If-Match: %s\r\n", etag);
	CHECK(get_with(&srv_plain, "GET", "/index.html", h) == 200);
	CHECK(get_with(&srv_plain, "GET", "/index.html", "If-Match: *\r\n") ==
	      200);
	CHECK(get_with(&srv_plain, "GET", "/index.html",
		       "If-Unmodified-Since: Sat, 05 Nov 1994 08:49:37 "
		       "GMT\r\n") == 412);
	CHECK(get_with(&srv_plain, "GET", "/index.html",
		       "If-Unmodified-Since: " RFC_DATE "\r\n") == 200);
	header_val(out, "ETag", v, sizeof(v));
	CHECK(strcmp(v, etag) == 0);
}

/* RFC 9110 §14: single ranges 206, unsatisfiable 416, multiple -> 200. */
static void
test_range(void)
{
	const char *etag = hs_files_lookup(files, "/abc.txt", 8)->etag;
	char h[256];
	static const struct {
		int line;
		const char *range;
		int st;
		const char *crange; /* Content-Range or NULL */
		const char *body;
	} cases[] = {
		{ __LINE__, "bytes=0-4", 206, "bytes 0-4/26", "abcde" },
		{ __LINE__, "bytes=20-", 206, "bytes 20-25/26", "uvwxyz" },
		{ __LINE__, "bytes=-3", 206, "bytes 23-25/26", "xyz" },
		{ __LINE__, "bytes=-100", 206, "bytes 0-25/26", ABC_BODY },
		{ __LINE__, "bytes=5-1000", 206, "bytes 5-25/26",
		  "fghijklmnopqrstuvwxyz" },
		{ __LINE__, "bytes=25-25", 206, "bytes 25-25/26", "z" },
		{ __LINE__, "BYTES = 1-1", 200, NULL, ABC_BODY }, /* no OWS */
		{ __LINE__, "Bytes=1-1", 206, "bytes 1-1/26", "b" },
		{ __LINE__, "bytes= 2-3 ,", 206, "bytes 2-3/26", "cd" },
		{ __LINE__, "bytes=26-", 416, "bytes */26", NULL },
		{ __LINE__, "bytes=99999999999999999999999-", 416, "bytes */26",
		  NULL },
		{ __LINE__, "bytes=-0", 416, "bytes */26", NULL },
		/* multiple ranges: the whole file (documented choice) */
		{ __LINE__, "bytes=0-1,3-4", 200, NULL, ABC_BODY },
		{ __LINE__, "bytes=0-1, 30-40", 200, NULL, ABC_BODY },
		/* invalid: ignored (§14.2) */
		{ __LINE__, "bytes=5-1", 200, NULL, ABC_BODY },
		{ __LINE__, "items=0-1", 200, NULL, ABC_BODY },
		{ __LINE__, "bytes=a-b", 200, NULL, ABC_BODY },
		{ __LINE__, "bytes=", 200, NULL, ABC_BODY },
		{ __LINE__, "bytes=1", 200, NULL, ABC_BODY },
		{ __LINE__, "bytes=--1", 200, NULL, ABC_BODY },
		{ __LINE__, "bytes=1-2x", 200, NULL, ABC_BODY },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st;

		snprintf(h, sizeof(h), "Range: %s\r\n", cases[i].range);
		st = get_with(&srv_plain, "GET", "/abc.txt", h);
		CHECK_AT(cases[i].line, st == cases[i].st);
		CHECK_AT(cases[i].line, !hs_http_conn_should_close(&conn));
		if (cases[i].crange)
			CHECK_AT(cases[i].line, header_is(out, "Content-Range",
							  cases[i].crange));
		else
			CHECK_AT(cases[i].line,
				 !has_header(out, "Content-Range"));
		if (cases[i].body) {
			char len[24];

			CHECK_AT(cases[i].line,
				 strcmp(body_of(out), cases[i].body) == 0);
			snprintf(len, sizeof(len), "%zu",
				 strlen(cases[i].body));
			CHECK_AT(cases[i].line,
				 header_is(out, "Content-Length", len));
			CHECK_AT(cases[i].line,
				 header_is(out, "Accept-Ranges", "bytes"));
			CHECK_AT(cases[i].line, header_is(out, "ETag", etag));
		} else {
			CHECK_AT(cases[i].line,
				 strstr(body_of(out), "416") != NULL);
		}
	}
	/* a range body points into the cache, not a copy */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn,
	     "GET /abc.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=3-5\r\n\r\n");
	CHECK(hs_http_conn_process(&conn) == 206);
	CHECK(conn.body == hs_files_lookup(files, "/abc.txt", 8)->data + 3);

	/* If-Range (§13.1.5): current strong ETag or exact date -> 206 */
	snprintf(h, sizeof(h), "Range: bytes=0-0\r\nIf-Range: %s\r\n", etag);
	CHECK(get_with(&srv_plain, "GET", "/abc.txt", h) == 206);
	CHECK(strcmp(body_of(out), "a") == 0);
	snprintf(h, sizeof(h), "Range: bytes=0-0\r\nIf-Range: W/%s\r\n", etag);
	CHECK(get_with(&srv_plain, "GET", "/abc.txt", h) == 200);
	CHECK(get_with(&srv_plain, "GET", "/abc.txt",
		       "Range: bytes=0-0\r\nIf-Range: \"old\"\r\n") == 200);
	CHECK(strcmp(body_of(out), ABC_BODY) == 0);
	CHECK(get_with(&srv_plain, "GET", "/abc.txt",
		       "Range: bytes=0-0\r\nIf-Range: " RFC_DATE
		       "\r\n") == 206);
	CHECK(get_with(&srv_plain, "GET", "/abc.txt",
		       "Range: bytes=0-0\r\nIf-Range: Sun, 06 Nov 1994 "
		       "08:49:38 GMT\r\n") == 200);
	/* a failed If-Range also skips an unsatisfiable range */
	CHECK(get_with(&srv_plain, "GET", "/abc.txt",
		       "Range: bytes=99-\r\nIf-Range: \"old\"\r\n") == 200);

	/* HEAD ignores Range (§14.2) and mirrors the 200 headers */
	CHECK(get_with(&srv_plain, "HEAD", "/abc.txt",
		       "Range: bytes=0-4\r\n") == 200);
	CHECK(header_is(out, "Content-Length", "26"));
	CHECK(header_is(out, "Accept-Ranges", "bytes"));
	CHECK(body_of(out)[0] == '\0');

	/* 304 wins over Range */
	snprintf(h, sizeof(h), "Range: bytes=0-0\r\nIf-None-Match: %s\r\n",
		 etag);
	CHECK(get_with(&srv_plain, "GET", "/abc.txt", h) == 304);

	/* an empty file: every range is unsatisfiable */
	CHECK(get_with(&srv_plain, "GET", "/empty.txt",
		       "Range: bytes=0-\r\n") == 416);
	CHECK(header_is(out, "Content-Range", "bytes */0"));
	CHECK(get_with(&srv_plain, "GET", "/empty.txt",
		       "Range: bytes=-5\r\n") == 416);
	CHECK(get_with(&srv_plain, "GET", "/empty.txt", "") == 200);
	CHECK(header_is(out, "Content-Length", "0"));
}

/* Precompressed .gz siblings chosen by Accept-Encoding (RFC 9110 §12.5.3). */
static void
test_gzip(void)
{
	const struct hs_file *js = hs_files_lookup(files, "/app.js", 7);
	static const struct {
		int line;
		const char *ae; /* Accept-Encoding value, NULL: none */
		bool gz;
	} cases[] = {
		{ __LINE__, NULL, false },
		{ __LINE__, "gzip, deflate, br", true },
		{ __LINE__, "br;q=1.0, gzip;q=0.8, *;q=0.1", true },
		{ __LINE__, "GZIP;Q=0.5", true },
		{ __LINE__, "x-gzip", true },
		{ __LINE__, "*", true },
		{ __LINE__, "gzip;q=0", false },
		{ __LINE__, "gzip ; q=0.000", false },
		{ __LINE__, "*, gzip;q=0", false },
		{ __LINE__, "*;q=0", false },
		{ __LINE__, "deflate, br", false },
		{ __LINE__, "identity", false },
		{ __LINE__, "", false },
		{ __LINE__, "gzipx", false },
	};
	char h[256], v[64];

	CHECK(js && js->gz == hs_files_lookup(files, "/app.js.gz", 10));
	CHECK(js && strcmp(js->gz_etag, js->etag) != 0);
	CHECK(hs_files_lookup(files, "/abc.txt", 8)->gz == NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].ae)
			snprintf(h, sizeof(h), "Accept-Encoding: %s\r\n",
				 cases[i].ae);
		else
			h[0] = '\0';
		CHECK_AT(cases[i].line,
			 get_with(&srv_plain, "GET", "/app.js", h) == 200);
		CHECK_AT(cases[i].line,
			 header_is(out, "Content-Type",
				   "text/javascript; charset=utf-8"));
		CHECK_AT(cases[i].line,
			 header_is(out, "Vary", "Accept-Encoding"));
		CHECK_AT(cases[i].line,
			 strcmp(body_of(out),
				cases[i].gz ? JSGZ_BODY : JS_BODY) == 0);
		CHECK_AT(cases[i].line, header_is(out, "Content-Encoding",
						  "gzip") == cases[i].gz);
		CHECK_AT(cases[i].line,
			 has_header(out, "Content-Encoding") == cases[i].gz);
		header_val(out, "ETag", v, sizeof(v));
		CHECK_AT(cases[i].line,
			 strcmp(v, cases[i].gz ? js->gz_etag : js->etag) == 0);
	}
	/* 304 per variant, with Vary */
	snprintf(h, sizeof(h), "Accept-Encoding: gzip\r\nIf-None-Match: %s\r\n",
		 js->gz_etag);
	CHECK(get_with(&srv_plain, "GET", "/app.js", h) == 304);
	CHECK(header_is(out, "Vary", "Accept-Encoding"));
	CHECK(header_is(out, "ETag", js->gz_etag));
	snprintf(h, sizeof(h), "If-None-Match: %s\r\n", js->gz_etag);
	CHECK(get_with(&srv_plain, "GET", "/app.js", h) == 200);
	CHECK(strcmp(body_of(out), JS_BODY) == 0);
	/* ranges apply to the selected variant's bytes */
	CHECK(get_with(&srv_plain, "GET", "/app.js",
		       "Accept-Encoding: gzip\r\nRange: bytes=0-1\r\n") == 206);
	CHECK(memcmp(body_of(out), "\x1f\x8b", 2) == 0);
	CHECK(header_is(out, "Content-Encoding", "gzip"));
	/* HEAD mirrors it */
	CHECK(get_with(&srv_plain, "HEAD", "/app.js",
		       "Accept-Encoding: gzip\r\n") == 200);
	CHECK(header_is(out, "Content-Encoding", "gzip"));
	snprintf(v, sizeof(v), "%zu", sizeof(JSGZ_BODY) - 1);
	CHECK(header_is(out, "Content-Length", v));
	CHECK(body_of(out)[0] == '\0');
	/* the .gz itself, by name: no content coding */
	CHECK(get_with(&srv_plain, "GET", "/app.js.gz",
		       "Accept-Encoding: gzip\r\n") == 200);
	CHECK(header_is(out, "Content-Type", "application/gzip"));
	CHECK(!has_header(out, "Content-Encoding"));
	/* no sibling: no Vary */
	CHECK(get_with(&srv_plain, "GET", "/abc.txt",
		       "Accept-Encoding: gzip\r\n") == 200);
	CHECK(!has_header(out, "Vary") && !has_header(out, "Content-Encoding"));
}

static void
test_hsts_knobs(void)
{
	struct hs_http_server s = srv_tls;
	int st = 0;

	CHECK(srv_tls.hsts_max_age == 31536000 &&
	      srv_tls.keepalive_requests == 1000);
	s.hsts_max_age = 600;
	s.hsts_subdomains = true;
	s.hsts_preload = true;
	one(&s, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(header_is(out, "Strict-Transport-Security",
			"max-age=600; includeSubDomains; preload"));
	s.hsts_preload = false;
	one(&s, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(header_is(out, "Strict-Transport-Security",
			"max-age=600; includeSubDomains"));
	s.hsts_max_age = 0;
	one(&s, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 200 && !has_header(out, "Strict-Transport-Security"));
	CHECK(header_is(out, "X-Content-Type-Options", "nosniff"));
}

/* Plain-port redirect mode: 301 to the https URL, every method. */
static void
test_redirect(void)
{
	struct hs_http_server s = srv_redir;
	static const struct {
		int line;
		const char *req;
		int st;
		const char *loc;
	} cases[] = {
		{ __LINE__,
		  "GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", 301,
		  "https://example.com/a/b?x=1" },
		{ __LINE__,
		  "GET /nope HTTP/1.1\r\nHost: Example.com:8080\r\n\r\n", 301,
		  "https://Example.com/nope" },
		{ __LINE__, "HEAD / HTTP/1.1\r\nHost: 198.18.0.1:80\r\n\r\n",
		  301, "https://198.18.0.1/" },
		{ __LINE__, "GET /x HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n",
		  301, "https://[2001:db8::1]/x" },
		{ __LINE__, "POST /form HTTP/1.1\r\nHost: h\r\n\r\n", 301,
		  "https://h/form" },
		{ __LINE__, "GET http://other/p?q HTTP/1.1\r\nHost: h\r\n\r\n",
		  301, "https://h/p?q" },
		{ __LINE__, "GET http://other?q HTTP/1.1\r\nHost: h\r\n\r\n",
		  301, "https://h/?q" },
		{ __LINE__, "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 301,
		  "https://h/" },
		{ __LINE__, "GET /p HTTP/1.0\r\n\r\n", 301,
		  "https://198.18.0.9/p" },
		{ __LINE__, "GET /p HTTP/1.1\r\nHost:\r\n\r\n", 301,
		  "https://198.18.0.9/p" },
		{ __LINE__, "GET / HTTP/1.1\r\nHost: evil.com/x\r\n\r\n", 400,
		  NULL },
		{ __LINE__, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, NULL },
		{ __LINE__, "GET / HTTP/1.1\r\nHost: h:8x\r\n\r\n", 400, NULL },
		{ __LINE__, "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400, NULL },
	};
	int st = 0;

	s.redirect_host = "198.18.0.9";
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		one(&s, cases[i].req, &st);
		CHECK_AT(cases[i].line, st == cases[i].st);
		if (cases[i].loc)
			CHECK_AT(cases[i].line,
				 header_is(out, "Location", cases[i].loc));
		CHECK_AT(cases[i].line,
			 !has_header(out, "Strict-Transport-Security"));
	}
	/* HEAD: no body; keep-alive kept for GET */
	one(&s, "HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n", &st);
	CHECK(st == 301 && body_of(out)[0] == '\0');
	CHECK(!hs_http_conn_should_close(&conn));
	/* a POST body we do not read: close after the 301 */
	one(&s, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
	    &st);
	CHECK(st == 301 && hs_http_conn_should_close(&conn));
	/* another https port appears in the URL */
	s.https_port = 8443;
	one(&s, "GET /y HTTP/1.1\r\nHost: h:80\r\n\r\n", &st);
	CHECK(st == 301 && header_is(out, "Location", "https://h:8443/y"));
	/* no Host and no server address: 400 */
	s.redirect_host = NULL;
	one(&s, "GET / HTTP/1.0\r\n\r\n", &st);
	CHECK(st == 400);
	/* serve mode, and TLS listeners never redirect */
	s.plain_redirect = false;
	one(&s, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", &st);
	CHECK(st == 200 && strcmp(body_of(out), INDEX_BODY) == 0);
	s = srv_tls;
	CHECK(s.plain_redirect);
	one(&s, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", &st);
	CHECK(st == 200);
}

/* keepalive_requests: the Nth response closes (nginx keepalive_requests). */
static void
test_keepalive_limit(void)
{
	struct hs_http_server s = srv_plain;
	int st[4] = { 0 }, count = 0;
	const char *p;

	s.keepalive_requests = 3;
	hs_http_conn_init(&conn, &s);
	FEED(&conn, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
		    "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
		    "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
		    "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	run(&conn, st, 4, &count);
	CHECK(count == 3);
	p = strstr(out, "Connection: keep-alive");
	CHECK(p && (p = strstr(p + 1, "Connection: keep-alive")) != NULL);
	CHECK(p && strstr(p, "Connection: close") != NULL);
	CHECK(hs_http_conn_should_close(&conn) && conn.requests == 3);
	/* limit 1: the first response closes */
	s.keepalive_requests = 1;
	one(&s, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", st);
	CHECK(header_is(out, "Connection", "close"));
	/* 0: unlimited */
	s.keepalive_requests = 0;
	hs_http_conn_init(&conn, &s);
	for (int i = 0; i < 1200; i++) {
		FEED(&conn, "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
		run(&conn, st, 1, &count);
	}
	CHECK(conn.requests == 1200 && !hs_http_conn_should_close(&conn));
}

/* Every new rule, with the request split in two at every byte: the
 * response is the same as for the request in one piece. */
static void
test_split_every_byte(void)
{
	static const char *reqs[] = {
		"GET /index.html HTTP/1.1\r\nHost: a\r\n"
		"If-None-Match: W/\"x\", \"1d-2ebc98a1\"\r\n\r\n",
		"GET /index.html HTTP/1.1\r\nHost: a\r\n"
		"If-Modified-Since: Sunday, 06-Nov-94 08:49:37 GMT\r\n\r\n",
		"GET /abc.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=-7\r\n"
		"If-Range: " RFC_DATE "\r\n\r\n",
		"GET /abc.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=30-\r\n\r\n",
		"GET /app.js HTTP/1.1\r\nHost: a\r\n"
		"Accept-Encoding: br, gzip;q=0.5\r\n\r\n",
		"GET /index.html HTTP/1.1\r\nHost: a\r\nIf-Match: "
		"\"z\"\r\n\r\n",
	};
	static char ref[4096], got[4096];

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		size_t len = strlen(reqs[i]), rn, n;
		int st = 0, count = 0;

		one(&srv_plain, reqs[i], &st);
		fix_date(out);
		rn = strlen(out);
		memcpy(ref, out, rn + 1);
		for (size_t k = 1; k < len; k++) {
			hs_http_conn_init(&conn, &srv_plain);
			feed(&conn, reqs[i], k);
			n = run(&conn, &st, 1, &count);
			CHECK(n == 0 && count == 0);
			feed(&conn, reqs[i] + k, len - k);
			n = run(&conn, &st, 1, &count);
			CHECK(count == 1);
			fix_date(out);
			memcpy(got, out, n + 1);
			CHECK(n == rn && memcmp(got, ref, rn) == 0);
		}
	}
	/* the redirect too */
	{
		const char *r = "GET /a?b HTTP/1.1\r\nHost: h:1\r\n\r\n";
		size_t len = strlen(r);
		int st = 0, count = 0;

		for (size_t k = 1; k < len; k++) {
			hs_http_conn_init(&conn, &srv_redir);
			feed(&conn, r, k);
			run(&conn, &st, 1, &count);
			CHECK(count == 0);
			feed(&conn, r + k, len - k);
			run(&conn, &st, 1, &count);
			CHECK(count == 1 && st == 301 &&
			      header_is(out, "Location", "https://h/a?b"));
		}
	}
}

/* Request state blocks: a connection holds one only while a request is
 * in progress (input buffered, a body read, a response undrained). */
static struct hs_http_rpool tpool;

/* A server like srv_plain drawing from tpool. */
static struct hs_http_server
pool_srv(uint32_t max)
{
	struct hs_http_server s = srv_plain;

	hs_http_rpool_fini(&tpool);
	hs_http_rpool_init(&tpool, max);
	s.rpool = &tpool;
	return s;
}

static void
test_rstate_idle(void)
{
	static const char req[] = "GET /abc.txt HTTP/1.1\r\nHost: a\r\n\r\n";
	struct hs_http_server s = pool_srv(0);
	struct hs_http_rstate *rs;
	int st[2] = { 0 }, count = 0;

	/* a fresh connection holds none */
	hs_http_conn_init(&conn, &s);
	CHECK(conn.rs == NULL && tpool.in_use == 0);

	/* keep-alive after a complete response: none */
	FEED(&conn, req);
	CHECK(conn.rs != NULL && tpool.in_use == 1);
	CHECK(hs_http_conn_process(&conn) == 200);
	CHECK(conn.rs != NULL); /* the header block is in it */
	drain(&conn, out, sizeof(out), 7);
	CHECK(!hs_http_conn_should_close(&conn));
	CHECK(conn.rs == NULL && tpool.in_use == 0);

	/* pipelined: the second request keeps the block after the first
	 * response drained */
	feed(&conn,
	     "GET /abc.txt HTTP/1.1\r\nHost: a\r\n\r\n"
	     "GET /abc.txt HTTP/1.1\r\nHost: a\r\n\r\n",
	     2 * (sizeof(req) - 1));
	rs = conn.rs;
	CHECK(hs_http_conn_process(&conn) == 200);
	drain(&conn, out, sizeof(out), 0);
	CHECK(conn.in_len == sizeof(req) - 1 && conn.rs == rs &&
	      tpool.in_use == 1);
	CHECK(hs_http_conn_process(&conn) == 200);
	CHECK(conn.rs == rs);
	drain(&conn, out, sizeof(out), 0);
	CHECK(strcmp(body_of(out), ABC_BODY) == 0);
	CHECK(conn.rs == NULL && tpool.in_use == 0);

	/* a request split over many reads keeps its block (the parser's
	 * pointers go into in[]) */
	for (size_t i = 0; i + 1 < sizeof(req) - 1; i++) {
		feed(&conn, req + i, 1);
		CHECK(hs_http_conn_process(&conn) == 0);
		CHECK(conn.rs != NULL && tpool.in_use == 1);
		if (i == 0)
			rs = conn.rs;
		CHECK(conn.rs == rs);
	}
	feed(&conn, req + sizeof(req) - 2, 1);
	run(&conn, st, 2, &count);
	CHECK(count == 1 && st[0] == 200 &&
	      strcmp(body_of(out), ABC_BODY) == 0);
	CHECK(conn.rs == NULL && tpool.in_use == 0);

	/* a body split over reads keeps it too, the response held */
	FEED(&conn, "GET /abc.txt HTTP/1.1\r\nHost: a\r\n"
		    "Content-Length: 4\r\n\r\nwx");
	CHECK(hs_http_conn_process(&conn) == 0);
	CHECK(conn.in_len == 0 && conn.rs != NULL && tpool.in_use == 1);
	FEED(&conn, "yz");
	run(&conn, st, 2, &count);
	CHECK(count == 1 && st[0] == 200 &&
	      strcmp(body_of(out), ABC_BODY) == 0);
	CHECK(conn.rs == NULL && tpool.in_use == 0);
	hs_http_conn_release(&conn);
	CHECK(tpool.in_use == 0 && tpool.total == HS_HTTP_RPOOL_CHUNK);
	hs_http_rpool_fini(&tpool);
}

/* No block free: the connection does not read, and proceeds once one is
 * released. */
static void
test_rstate_wait(void)
{
	static const char req[] = "GET /abc.txt HTTP/1.1\r\nHost: a\r\n\r\n";
	struct hs_http_server s = pool_srv(1);
	struct hs_http_conn b;
	size_t space = 1;
	char *p;
	int st[1] = { 0 }, count = 0;

	hs_http_conn_init(&conn, &s);
	hs_http_conn_init(&b, &s);
	feed(&conn, req, 10); /* a partial head holds the only block */
	CHECK(hs_http_conn_process(&conn) == 0 && conn.rs != NULL);
	p = hs_http_conn_inbuf(&b, &space);
	CHECK(p == NULL && space == 0 && b.rs_wait && tpool.waits == 1);
	/* asked again while still waiting: one wait */
	p = hs_http_conn_inbuf(&b, &space);
	CHECK(space == 0 && tpool.waits == 1 && tpool.total == 1);
	CHECK(hs_http_conn_process(&b) == 0 && !hs_http_conn_should_close(&b));
	/* the first one completes: its block comes back */
	feed(&conn, req + 10, sizeof(req) - 1 - 10);
	run(&conn, st, 1, &count);
	CHECK(count == 1 && st[0] == 200 && conn.rs == NULL);
	CHECK(tpool.in_use == 0);
	/* the waiting connection now reads and is served */
	p = hs_http_conn_inbuf(&b, &space);
	CHECK(p != NULL && space == HS_HTTP_IN_BUF && !b.rs_wait);
	memcpy(p, req, sizeof(req) - 1);
	hs_http_conn_commit(&b, sizeof(req) - 1);
	run(&b, st, 1, &count);
	CHECK(count == 1 && st[0] == 200 &&
	      strcmp(body_of(out), ABC_BODY) == 0);
	CHECK(b.rs == NULL && tpool.in_use == 0 && tpool.waits == 1);
	/* and the first one now waits in turn */
	feed(&b, req, 5);
	p = hs_http_conn_inbuf(&conn, &space);
	CHECK(space == 0 && conn.rs_wait && tpool.waits == 2);
	hs_http_conn_release(&b);
	hs_http_conn_release(&conn);
	CHECK(tpool.in_use == 0);
	hs_http_rpool_fini(&tpool);
}

/* A connection going away in any phase gives its block back. */
static void
test_rstate_release(void)
{
	static const char *const phase[] = {
		"",                                    /* idle, none */
		"GET /abc.txt HTTP/1.1\r\nHo",         /* partial head */
		"GET /abc.txt HTTP/1.1\r\nHost: a\r\n" /* body being read */
		"Content-Length: 9\r\n\r\nab",
		"GET /abc.txt HTTP/1.1\r\nHost: a\r\n\r\n",      /* undrained */
		"GET /abc.txt HTTP/1.1\r\nHost: a\r\n\r\nGET /", /* + next */
		"GET  / HTTP/1.1\r\n\r\nmore", /* 400: closing */
		"GET /abc.txt HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
		"Content-Length: 9\r\n\r\n", /* interim response */
	};
	struct hs_http_server s = pool_srv(4);

	for (size_t i = 0; i < sizeof(phase) / sizeof(phase[0]); i++) {
		for (int eof = 0; eof < 2; eof++) {
			hs_http_conn_init(&conn, &s);
			if (phase[i][0] != '\0') {
				feed(&conn, phase[i], strlen(phase[i]));
				hs_http_conn_process(&conn);
				CHECK(conn.rs != NULL && tpool.in_use == 1);
			}
			if (eof) {
				hs_http_conn_peer_eof(&conn);
				hs_http_conn_process(&conn);
			}
			hs_http_conn_release(&conn);
			CHECK(conn.rs == NULL);
			CHECK(tpool.in_use == 0);
		}
	}
	/* a waiting connection released holds none either */
	{
		struct hs_http_conn a[5];
		size_t space;

		for (int k = 0; k < 5; k++) {
			hs_http_conn_init(&a[k], &s);
			hs_http_conn_inbuf(&a[k], &space);
		}
		CHECK(tpool.in_use == 4 && a[4].rs_wait && space == 0);
		for (int k = 0; k < 5; k++)
			hs_http_conn_release(&a[k]);
		CHECK(tpool.in_use == 0);
	}
	/* closing (after a 400) with the peer still sending: input goes
	 * nowhere, no block is taken once the response drained */
	hs_http_conn_init(&conn, &s);
	FEED(&conn, "GET  / HTTP/1.1\r\n\r\n");
	CHECK(hs_http_conn_process(&conn) == 400);
	drain(&conn, out, sizeof(out), 0);
	CHECK(hs_http_conn_should_close(&conn) && conn.rs == NULL);
	FEED(&conn, "junk");
	CHECK(conn.rs == NULL && tpool.in_use == 0);
	hs_http_conn_release(&conn);
	hs_http_rpool_fini(&tpool);
}

/* One request on a fresh connection, its log line formatted right after
 * the process call that produced the response (as hs_server.c does: the
 * log copies live in the request state block until it is drained). */
static size_t
one_log(const struct hs_http_server *srv, const char *req, int *st,
	uint32_t ip_be, char *line, size_t cap)
{
	size_t n;

	hs_http_conn_init(&conn, srv);
	feed(&conn, req, strlen(req));
	*st = hs_http_conn_process(&conn);
	n = hs_http_log_format(&conn, ip_be, RFC_TIME, line, cap);
	run(&conn, NULL, 0, NULL);
	return n;
}

/* Common Log Format lines for the access log. */
static void
test_access_log(void)
{
	char line[512];
	uint8_t ip[4] = { 198, 18, 0, 2 };
	uint32_t ip_be;
	int st = 0;

	memcpy(&ip_be, ip, 4);
	CHECK(one_log(&srv_plain,
		      "GET /index.html?q=1 HTTP/1.1\r\nHost: a\r\n\r\n", &st,
		      ip_be, line, sizeof(line)) > 0);
	CHECK(strcmp(line, "198.18.0.2 - - [06/Nov/1994:08:49:37 +0000] "
			   "\"GET /index.html?q=1 HTTP/1.1\" 200 29\n") == 0);
	one_log(&srv_plain, "HEAD /nope HTTP/1.0\r\n\r\n", &st, ip_be, line,
		sizeof(line));
	CHECK(strstr(line, "\"HEAD /nope HTTP/1.0\" 404 0\n") != NULL);
	/* escaped quote and backslash; invalid request-line: "-" */
	one_log(&srv_plain, "GET /a\"b\\c HTTP/1.1\r\nHost: a\r\n\r\n", &st,
		ip_be, line, sizeof(line));
	CHECK(strstr(line, "\"GET /a\\x22b\\x5cc HTTP/1.1\" ") != NULL);
	one_log(&srv_plain, "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", &st, ip_be,
		line, sizeof(line));
	CHECK(strstr(line, "] \"-\" 400 ") != NULL);
	/* too small a buffer: nothing, NUL-terminated */
	CHECK(one_log(&srv_plain, "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", &st,
		      ip_be, line, 20) == 0 &&
	      line[0] == '\0');
	/* a 414: no request-line was parsed */
	{
		static char big[HS_HTTP_IN_BUF];

		memset(big, 'a', sizeof(big));
		memcpy(big, "GET /", 5);
		hs_http_conn_init(&conn, &srv_plain);
		feed(&conn, big, sizeof(big));
		st = hs_http_conn_process(&conn);
		hs_http_log_format(&conn, ip_be, RFC_TIME, line, sizeof(line));
		run(&conn, NULL, 0, NULL);
		CHECK(st == 414 && strstr(line, "\"-\" 414 ") != NULL);
	}
}

/* Expect: 100-continue (RFC 9110 §10.1.1): the interim response goes
 * out at once when the body will be read; never for HTTP/1.0 or when the
 * final status is known from the head alone. */
static void
test_continue(void)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	int st[2] = { 0 }, count = 0;
	size_t n;

	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "GET /abc.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
		    "Expect: 100-Continue\r\n\r\n");
	n = run(&conn, st, 2, &count);
	CHECK(count == 0 && n == sizeof(cont) - 1 && strcmp(out, cont) == 0);
	FEED(&conn, "wxyz");
	run(&conn, st, 2, &count);
	CHECK(count == 1 && st[0] == 200 &&
	      strcmp(body_of(out), ABC_BODY) == 0);
	CHECK(strncmp(out, "HTTP/1.1 200 ", 13) == 0);
	/* chunked, then a bad chunk: 100, then 400 */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn,
	     "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	     "Expect: 100-continue\r\n\r\n");
	n = run(&conn, st, 2, &count);
	CHECK(count == 0 && strcmp(out, cont) == 0);
	FEED(&conn, "zz\r\n");
	run(&conn, st, 2, &count);
	CHECK(count == 1 && st[0] == 400 &&
	      strncmp(out, "HTTP/1.1 400 ", 13) == 0);
	/* 413 known from the head: no 100 */
	one(&srv_plain,
	    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 9999999\r\n"
	    "Expect: 100-continue\r\n\r\n",
	    st);
	CHECK(st[0] == 413 && strncmp(out, "HTTP/1.1 413 ", 13) == 0);
	/* HTTP/1.0: no 100 (§10.1.1); keep-alive so the body is read */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "GET /abc.txt HTTP/1.0\r\nConnection: keep-alive\r\n"
		    "Content-Length: 1\r\nExpect: 100-continue\r\n\r\n");
	CHECK(run(&conn, st, 2, &count) == 0 && count == 0);
	/* no body: nothing to wait for, no 100 */
	one(&srv_plain,
	    "GET /abc.txt HTTP/1.1\r\nHost: a\r\n"
	    "Expect: 100-continue\r\n\r\n",
	    st);
	CHECK(st[0] == 200 && strncmp(out, "HTTP/1.1 200 ", 13) == 0);
}

/* Cache swap (SIGHUP re-scan): a response started from the old cache
 * keeps it in use until drained; new requests use the new one. */
static void
test_files_swap(void)
{
	struct hs_http_server s2 = srv_plain;
	struct hs_file_cache *b = NULL;
	char err[256];
	int st = 0, count = 0;

	CHECK(hs_files_rescan(files, &b, err, sizeof(err)) == 0 && b);
	if (!b)
		return;
	hs_http_conn_init(&conn, &s2);
	FEED(&conn, "GET /abc.txt HTTP/1.1\r\nHost: a\r\n\r\n");
	CHECK(hs_http_conn_process(&conn) == 200);
	CHECK(hs_http_conn_uses_files(&conn, files));
	s2.files = b; /* the swap */
	CHECK(hs_http_conn_uses_files(&conn, files) &&
	      !hs_http_conn_uses_files(&conn, b));
	drain(&conn, out, sizeof(out), 7);
	CHECK(!hs_http_conn_uses_files(&conn, files));
	FEED(&conn, "GET /abc.txt HTTP/1.1\r\nHost: a\r\n\r\n");
	CHECK(hs_http_conn_process(&conn) == 200);
	CHECK(hs_http_conn_uses_files(&conn, b) &&
	      !hs_http_conn_uses_files(&conn, files));
	run(&conn, &st, 1, &count);
	CHECK(strcmp(body_of(out), ABC_BODY) == 0);
	/* a held response (body still being read) counts as in use */
	FEED(&conn,
	     "GET /abc.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n");
	CHECK(hs_http_conn_process(&conn) == 0);
	CHECK(hs_http_conn_uses_files(&conn, b));
	FEED(&conn, "xyz");
	run(&conn, &st, 1, &count);
	CHECK(count == 1 && !hs_http_conn_uses_files(&conn, b));
	hs_files_free(b);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char err[256], cmd[PATH_MAX + 16];

	snprintf(base, sizeof(base), "%s/hs_engine_XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	mkfile("index.html", INDEX_BODY);
	mkfile("style.css", CSS_BODY);
	mkdir_rel("sub");
	mkfile("sub/index.html", SUB_BODY);
	mkdir_rel("empty");
	mkdir_rel("my dir");
	mkfile("abc.txt", ABC_BODY);
	mkfile("empty.txt", "");
	mkfile("app.js", JS_BODY);
	mkfile("app.js.gz", JSGZ_BODY);
	if (hs_files_load(&files, base, 1 << 20, 1 << 24, err, sizeof(err))) {
		fprintf(stderr, "load: %s\n", err);
		return 1;
	}
	hs_http_server_defaults(&srv_plain);
	srv_plain.plain_redirect = false; /* serve mode */
	hs_http_server_defaults(&srv_tls);
	hs_http_server_defaults(&srv_redir);
	srv_plain.files = files;
	srv_tls.files = files;
	srv_redir.files = files;

	test_get_exact();
	test_errors();
	test_dirs();
	test_keepalive();
	test_pipelining();
	test_bodies();
	test_chunked_split();
	test_limits();
	test_eof();
	test_tls_headers();
	test_conditional();
	test_range();
	test_gzip();
	test_hsts_knobs();
	test_redirect();
	test_keepalive_limit();
	test_split_every_byte();
	test_access_log();
	test_files_swap();
	test_continue();
	test_rstate_idle();
	test_rstate_wait();
	test_rstate_release();

	hs_files_free(files);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
	return hs_check_summary("test_http_engine");
}
