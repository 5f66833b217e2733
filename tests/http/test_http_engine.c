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
#include "hs_test.h"

#define RFC_TIME 784111777
#define RFC_DATE "Sun, 06 Nov 1994 08:49:37 GMT"
#define INDEX_BODY "<!DOCTYPE html><h1>home</h1>\n"
#define CSS_BODY "body { color: #333 }\n"
#define SUB_BODY "<h1>sub</h1>\n"

static char base[PATH_MAX];
static struct hs_file_cache *files;
static struct hs_http_server srv_plain = { .tls = false,
					   .server_name = "httpsd" };
static struct hs_http_server srv_tls = { .tls = true,
					 .server_name = "httpsd" };
static struct hs_http_conn conn;
static char out[1 << 16];

static void mkfile(const char *rel, const char *content)
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

static void mkdir_rel(const char *rel)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	CHECK(mkdir(p, 0755) == 0);
}

static void feed(struct hs_http_conn *c, const char *s, size_t n)
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
static size_t drain(struct hs_http_conn *c, char *dst, size_t cap, size_t step)
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
static size_t run(struct hs_http_conn *c, int *st, int nst, int *count)
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
static size_t one(const struct hs_http_server *srv, const char *req, int *st)
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
static bool header_is(const char *r, const char *name, const char *value)
{
	char pat[256];
	const char *end = strstr(r, "\r\n\r\n");
	const char *h;

	snprintf(pat, sizeof(pat), "\r\n%s: %s\r\n", name, value);
	h = strstr(r, pat);
	return h && end && h < end;
}

static bool has_header(const char *r, const char *name)
{
	char pat[256];
	const char *end = strstr(r, "\r\n\r\n");
	const char *h;

	snprintf(pat, sizeof(pat), "\r\n%s: ", name);
	h = strstr(r, pat);
	return h && end && h < end;
}

static const char *body_of(const char *r)
{
	const char *e = strstr(r, "\r\n\r\n");

	return e ? e + 4 : "";
}

/* Replace the Date value by the fixed RFC example so responses compare
 * byte for byte; checks it is an IMF-fixdate-shaped value. */
static void fix_date(char *r)
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

static void test_get_exact(void)
{
	static const char want[] =
		"HTTP/1.1 200 OK\r\n"
		"Server: httpsd\r\n"
		"Date: " RFC_DATE "\r\n"
		"Content-Type: text/html; charset=utf-8\r\n"
		"Content-Length: 29\r\n"
		"Last-Modified: " RFC_DATE "\r\n"
		"ETag: \"1d-2ebc98a1\"\r\n"
		"Connection: keep-alive\r\n"
		"\r\n"
		INDEX_BODY;
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
	n = one(&srv_plain, "HEAD /index.html HTTP/1.1\r\nHost: a\r\n\r\n", &st);
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

static void test_errors(void)
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
	static const char *m405[] = { "POST", "PUT", "DELETE", "OPTIONS",
				      "PATCH", "TRACE", "BREW" };
	for (size_t i = 0; i < sizeof(m405) / sizeof(m405[0]); i++) {
		char req[128];

		snprintf(req, sizeof(req), "%s /index.html HTTP/1.1\r\nHost: a\r\n\r\n",
			 m405[i]);
		one(&srv_plain, req, &st);
		CHECK(st == 405);
		CHECK(header_is(out, "Allow", "GET, HEAD"));
		CHECK(header_is(out, "Connection", "keep-alive"));
	}
	/* with a body we do not read: 405 and close */
	one(&srv_plain, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
	    &st);
	CHECK(st == 405 && header_is(out, "Connection", "close"));
	CHECK(hs_http_conn_should_close(&conn));
	/* more than 1 MiB declared: 413 and close */
	one(&srv_plain, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n",
	    &st);
	CHECK(st == 413 && hs_http_conn_should_close(&conn));

	/* parse errors: the right status, then close */
	static const struct { const char *req; int st; } perr[] = {
		{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
		{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505 },
		{ "GET / HTTP/1.1\r\n\r\n", 400 },             /* no Host */
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n", 400 },  /* CL + TE */
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
		  501 },
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "0\r\n\r\n", 400 },   /* chunked GET body: not yet */
		{ "GET /../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
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
	one(&srv_plain, "GET /%252e%252e/index.html HTTP/1.1\r\nHost: a\r\n\r\n", &st);
	CHECK(st == 404 && !hs_http_conn_should_close(&conn));
}

static void test_dirs(void)
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
	one(&srv_plain, "GET http://example.com/sub/ HTTP/1.1\r\nHost: a\r\n\r\n",
	    &st);
	CHECK(st == 200 && strcmp(body_of(out), SUB_BODY) == 0);
}

static void test_keepalive(void)
{
	int st = 0;

	/* HTTP/1.0: close unless keep-alive was asked for */
	one(&srv_plain, "GET / HTTP/1.0\r\n\r\n", &st);
	CHECK(st == 200 && header_is(out, "Connection", "close"));
	CHECK(hs_http_conn_should_close(&conn));
	one(&srv_plain, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &st);
	CHECK(st == 200 && header_is(out, "Connection", "keep-alive"));
	CHECK(!hs_http_conn_should_close(&conn));
	/* HTTP/1.1: persistent unless "close" */
	one(&srv_plain, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &st);
	CHECK(st == 200 && header_is(out, "Connection", "close"));
	CHECK(hs_http_conn_should_close(&conn));
	one(&srv_plain, "GET / HTTP/1.1\r\nHost: a\r\nConnection: x, Close\r\n\r\n",
	    &st);
	CHECK(hs_http_conn_should_close(&conn));
	/* not before the response has drained */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
	CHECK(hs_http_conn_process(&conn) == 200);
	CHECK(!hs_http_conn_should_close(&conn));
	drain(&conn, out, sizeof(out), 0);
	CHECK(hs_http_conn_should_close(&conn));
}

static void test_pipelining(void)
{
	static const char reqs[] =
		"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n"
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
	CHECK(p && strncmp(p + strlen(CSS_BODY), "HTTP/1.1 404 Not Found\r\n", 24) == 0);
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

static void test_bodies(void)
{
	int st[2] = { 0 }, count = 0;

	/* GET with a Content-Length body that looks like a request, then the
	 * next request: the body is skipped, the next one answered */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "GET /index.html HTTP/1.1\r\nHost: a\r\nContent-Length: 19\r\n\r\n"
	     "GET /nope HTTP/1.1\n"               /* the body, 19 bytes */
	     "GET /style.css HTTP/1.1\r\nHost: a\r\n\r\n");
	run(&conn, st, 2, &count);
	CHECK(count == 2 && st[0] == 200 && st[1] == 200);
	CHECK(strstr(out, INDEX_BODY) && strstr(out, CSS_BODY));
	CHECK(strstr(out, "404") == NULL);
	CHECK(conn.in_len == 0 && conn.discard == 0);
	CHECK(!hs_http_conn_should_close(&conn));

	/* the body arrives in pieces, the next request right behind it */
	hs_http_conn_init(&conn, &srv_plain);
	FEED(&conn, "HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01");
	run(&conn, st, 2, &count);
	CHECK(count == 1 && st[0] == 200 && conn.discard == 8);
	FEED(&conn, "2345");
	run(&conn, st, 2, &count);
	CHECK(count == 0 && conn.discard == 4 && conn.in_len == 0);
	FEED(&conn, "6789GET /sub/ HTTP/1.1\r\nHost: a\r\n\r\n");
	run(&conn, st, 2, &count);
	CHECK(count == 1 && st[0] == 200 && strcmp(body_of(out), SUB_BODY) == 0);
	CHECK(!hs_http_conn_should_close(&conn));
}

static void test_limits(void)
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

static void test_eof(void)
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
	FEED(&conn, "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /style.css HTTP/1.1\r\n"
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

static void test_tls_headers(void)
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

int main(void)
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
	if (hs_files_load(&files, base, 1 << 20, 1 << 24, err, sizeof(err))) {
		fprintf(stderr, "load: %s\n", err);
		return 1;
	}
	srv_plain.files = files;
	srv_tls.files = files;

	test_get_exact();
	test_errors();
	test_dirs();
	test_keepalive();
	test_pipelining();
	test_bodies();
	test_limits();
	test_eof();
	test_tls_headers();

	hs_files_free(files);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
	return hs_test_summary("test_http_engine");
}
