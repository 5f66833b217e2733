/* SPDX-License-Identifier: BSD-3-Clause
 * test_http_parse.c - the request-head parser: every rule of
 * hs_http_parse.h, each input also fed split at every byte position, and
 * a head ending right before a PROT_NONE guard page.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hs_http_parse.h"
#include "hs_check.h"

#define OK 0 /* expected status 0: the head is valid */

struct pcase {
	int line;
	const char *raw;
	size_t len;
	size_t head_len; /* expected rc when valid: 0 = whole input */
	int status;      /* OK or the expected error status */
};

/* The same facts, whichever way the input was fed. */
static bool
req_equal(const struct hs_http_req *a, const char *ba,
	  const struct hs_http_req *b, const char *bb)
{
	if (a->method != b->method || a->version_minor != b->version_minor ||
	    a->target_len != b->target_len || a->method_len != b->method_len ||
	    a->target - ba != b->target - bb ||
	    a->host_count != b->host_count ||
	    a->has_content_length != b->has_content_length ||
	    a->content_length != b->content_length ||
	    a->chunked != b->chunked || a->conn_close != b->conn_close ||
	    a->conn_keep_alive != b->conn_keep_alive ||
	    a->num_headers != b->num_headers)
		return false;
	if ((a->host == NULL) != (b->host == NULL) ||
	    (a->host &&
	     (a->host - ba != b->host - bb || a->host_len != b->host_len)))
		return false;
	for (uint32_t i = 0; i < a->num_headers; i++) {
		const struct hs_http_header *x = &a->headers[i];
		const struct hs_http_header *y = &b->headers[i];

		if (x->name - ba != y->name - bb ||
		    x->name_len != y->name_len ||
		    x->value - ba != y->value - bb ||
		    x->value_len != y->value_len)
			return false;
	}
	return true;
}

/* Parse raw[0..len) from an exact-size heap copy (over-reads are caught
 * by valgrind / ASan). */
static int
parse_copy(const char *raw, size_t len, struct hs_http_req *req, char **keep)
{
	char *b = malloc(len ? len : 1);
	int rc;

	memcpy(b, raw, len);
	hs_http_req_init(req);
	rc = hs_http_parse_request(req, b, len);
	*keep = b;
	return rc;
}

/* Full parse, every fresh prefix, every two-step feed, byte-by-byte. */
static void
check_case(const struct pcase *c, size_t len)
{
	struct hs_http_req full, r;
	int exp_rc, rc;
	char *fb, *b;

	exp_rc = c->status == OK ? (int)(c->head_len ? c->head_len : len)
				 : -EBADMSG;
	rc = parse_copy(c->raw, len, &full, &fb);
	CHECK_AT(c->line, rc == exp_rc);
	if (c->status != OK) {
		CHECK_AT(c->line, full.error_status == c->status);
	}
	if (rc != exp_rc) {
		fprintf(stderr, "  rc %d (status %u), expected %d\n", rc,
			full.error_status, exp_rc);
		free(fb);
		return;
	}

	/* fresh parse of each prefix: need more, or the same error already */
	for (size_t k = 0; k < (size_t)(exp_rc > 0 ? exp_rc : (int)len); k++) {
		rc = parse_copy(c->raw, k, &r, &b);
		free(b);
		if (rc == -EAGAIN)
			continue;
		CHECK_AT(c->line, c->status != OK && rc == -EBADMSG &&
					  r.error_status == c->status);
		if (rc != -EAGAIN && !(c->status != OK && rc == -EBADMSG))
			fprintf(stderr, "  prefix %zu: rc %d\n", k, rc);
	}

	/* resumed parse: prefix k, then everything, in one buffer */
	b = malloc(len ? len : 1);
	memcpy(b, c->raw, len);
	for (size_t k = 0; k < len; k++) {
		hs_http_req_init(&r);
		rc = hs_http_parse_request(&r, b, k);
		if (rc == -EAGAIN)
			rc = hs_http_parse_request(&r, b, len);
		CHECK_AT(c->line, rc == exp_rc);
		if (c->status != OK)
			CHECK_AT(c->line, r.error_status == c->status);
		else
			CHECK_AT(c->line, req_equal(&full, fb, &r, b));
	}

	/* byte by byte with one request struct */
	hs_http_req_init(&r);
	rc = -EAGAIN;
	for (size_t k = 0; k <= len && rc == -EAGAIN; k++)
		rc = hs_http_parse_request(&r, b, k);
	CHECK_AT(c->line, rc == exp_rc);
	if (c->status == OK)
		CHECK_AT(c->line, req_equal(&full, fb, &r, b));
	/* a final result is sticky */
	CHECK_AT(c->line, hs_http_parse_request(&r, b, len) == rc);
	free(b);
	free(fb);
}

#define C(raw, status)                                    \
	{                                                 \
		__LINE__, raw, sizeof(raw) - 1, 0, status \
	}
#define CH(raw, head, status)                                \
	{                                                    \
		__LINE__, raw, sizeof(raw) - 1, head, status \
	}
#define H11 "Host: example.com\r\n"

static const struct pcase cases[] = {
	/* valid */
	C("GET / HTTP/1.1\r\n" H11 "\r\n", OK),
	C("GET /a/b?c=d HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n", OK),
	C("GET / HTTP/1.0\r\n\r\n", OK),                /* no Host in 1.0 */
	C("GET / HTTP/1.1\r\nHost:\r\n\r\n", OK),       /* empty Host ok */
	C("\r\n\r\nGET / HTTP/1.1\r\n" H11 "\r\n", OK), /* §2.2 leading CRLF */
	C("get / HTTP/1.1\r\n" H11 "\r\n", OK),         /* other method */
	C("M-SEARCH * HTTP/1.1\r\n" H11 "\r\n", OK),
	C("GET / HTTP/1.2\r\n" H11 "\r\n", OK), /* 1.x -> 1.1 */
	C("GET / HTTP/1.1\r\nX-A: \t v a l \t \r\n" H11 "\r\n", OK),
	C("GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n" H11 "\r\n", OK), /* obs-text */
	C("GET / HTTP/1.1\r\nX:\r\n" H11 "\r\n", OK), /* empty value */
	CH("POST / HTTP/1.1\r\n" H11 "Content-Length: 5\r\n\r\nhello", 57, OK),
	C("POST / HTTP/1.1\r\n" H11 "Transfer-Encoding: chunked\r\n\r\n", OK),
	C("POST / HTTP/1.1\r\n" H11 "Transfer-Encoding: , CHUNKED ,\r\n\r\n",
	  OK),
	C("GET / HTTP/1.1\r\n" H11 "Connection: keep-alive, Upgrade\r\n\r\n",
	  OK),
	C("GET / HTTP/1.1\r\n" H11 "Connection: foo,,Close\r\n\r\n", OK),
	CH("GET / HTTP/1.1\r\n" H11 "\r\nGET /2 HTTP/1.1\r\n", 37, OK),

	/* request-line (RFC 9112 §3) */
	C(" / HTTP/1.1\r\n" H11 "\r\n", 400),     /* empty method */
	C("GE(T / HTTP/1.1\r\n" H11 "\r\n", 400), /* not a token */
	C("GET  / HTTP/1.1\r\n" H11 "\r\n", 400), /* double SP */
	C("GET /  HTTP/1.1\r\n" H11 "\r\n", 400),
	C("GET / HTTP/1.1 \r\n" H11 "\r\n", 400), /* trailing SP */
	C("GET\t/ HTTP/1.1\r\n" H11 "\r\n", 400),
	C("GET /a\x01 HTTP/1.1\r\n" H11 "\r\n", 400), /* CTL in target */
	C("GET /a\x7f HTTP/1.1\r\n" H11 "\r\n", 400),
	C("GET /caf\xc3\xa9 HTTP/1.1\r\n" H11 "\r\n", 400), /* raw non-ASCII */
	C("GET /\r\n\r\n", 400),                            /* HTTP/0.9 */
	C("GET / http/1.1\r\n" H11 "\r\n", 400),
	C("GET / HTTP/1.10\r\n" H11 "\r\n", 400),
	C("GET / HTTP/1\r\n" H11 "\r\n", 400),
	C("GET / HTTP/1.x\r\n" H11 "\r\n", 400),
	C("GET / HTTP/2.0\r\n" H11 "\r\n", 505),
	C("GET / HTTP/3.0\r\n" H11 "\r\n", 505),
	C("GET / HTTP/0.9\r\n\r\n", 505),
	C("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505), /* h2 preface */

	/* line endings, NUL (RFC 9112 §2.2) */
	C("GET / HTTP/1.1\nHost: a\n\n", 400), /* bare LF */
	C("GET / HTTP/1.1\r\nHost: a\n\r\n", 400),
	C("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400), /* bare CR */
	C("GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", 400),
	C("GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n", 400), /* NUL */
	C("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 400),
	C("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400), /* TLS hello */

	/* field lines (RFC 9112 §5) */
	C("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400), /* SP before colon */
	C("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400),
	C("GET / HTTP/1.1\r\n" H11 "X: a\r\n b\r\n\r\n", 400), /* obs-fold */
	C("GET / HTTP/1.1\r\n\tX: a\r\n" H11 "\r\n", 400),
	C("GET / HTTP/1.1\r\n" H11 "NoColon\r\n\r\n", 400),
	C("GET / HTTP/1.1\r\n" H11 ": empty\r\n\r\n", 400),
	C("GET / HTTP/1.1\r\n" H11 "X\"Y: a\r\n\r\n", 400),
	C("GET / HTTP/1.1\r\n" H11 "X: a\x7f\r\n\r\n", 400),
	C("GET / HTTP/1.1\r\n" H11 "X: a\x01\r\n\r\n", 400),

	/* Host (RFC 9112 §3.2) */
	C("GET / HTTP/1.1\r\n\r\n", 400),
	C("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400),
	C("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400),

	/* Content-Length (RFC 9110 §8.6, RFC 9112 §6.3) */
	C("POST / HTTP/1.1\r\n" H11 "Content-Length: abc\r\n\r\n", 400),
	C("POST / HTTP/1.1\r\n" H11 "Content-Length: -1\r\n\r\n", 400),
	C("POST / HTTP/1.1\r\n" H11 "Content-Length: +5\r\n\r\n", 400),
	C("POST / HTTP/1.1\r\n" H11 "Content-Length: 5, 5\r\n\r\n", 400),
	C("POST / HTTP/1.1\r\n" H11 "Content-Length:\r\n\r\n", 400),
	C("POST / HTTP/1.1\r\n" H11 "Content-Length: 1 2\r\n\r\n", 400),
	C("POST / HTTP/1.1\r\n" H11
	  "Content-Length: 1234567890123456789\r\n\r\n",
	  400),
	C("POST / HTTP/1.1\r\n" H11
	  "Content-Length: 5\r\ncontent-length: 5\r\n\r\n",
	  400),
	C("POST / HTTP/1.1\r\n" H11
	  "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
	  400),

	/* Transfer-Encoding (RFC 9112 §6.1, §6.3) */
	C("POST / HTTP/1.1\r\n" H11
	  "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
	  400),
	C("POST / HTTP/1.1\r\n" H11
	  "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
	  400),
	C("POST / HTTP/1.1\r\n" H11 "Transfer-Encoding: gzip\r\n\r\n", 501),
	C("POST / HTTP/1.1\r\n" H11 "Transfer-Encoding: gzip, chunked\r\n\r\n",
	  501),
	C("POST / HTTP/1.1\r\n" H11 "Transfer-Encoding: chunked, gzip\r\n\r\n",
	  400),
	C("POST / HTTP/1.1\r\n" H11
	  "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	  400),
	C("POST / HTTP/1.1\r\n" H11 "Transfer-Encoding: ,\r\n\r\n", 400),
	C("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
};

/* Field-level expectations for a few valid heads. */
static void
test_fields(void)
{
	static const char r1[] =
		"GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\n"
		"X-A: \t v a l \t \r\nConnection: keep-alive, Upgrade\r\n\r\n";
	static const char r2[] =
		"POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 42\r\n\r\n";
	static const char r3[] =
		"\r\nHEAD /x HTTP/1.0\r\nConnection: Close\r\n\r\n";
	struct hs_http_req r;
	const struct hs_http_header *h;

	hs_http_req_init(&r);
	CHECK(hs_http_parse_request(&r, r1, sizeof(r1) - 1) ==
	      (int)sizeof(r1) - 1);
	CHECK(r.method == HS_HTTP_METHOD_GET);
	CHECK(r.method_len == 3 && memcmp(r.method_str, "GET", 3) == 0);
	CHECK(r.target == r1 + 4); /* zero copy: points into the buffer */
	CHECK(r.target_len == 8 && memcmp(r.target, "/a/b?c=d", 8) == 0);
	CHECK(r.version_minor == 1 && hs_http_req_is_11(&r));
	CHECK(r.host_count == 1 && r.host_len == 11 &&
	      memcmp(r.host, "example.com", 11) == 0);
	CHECK(r.num_headers == 3);
	h = hs_http_req_header(&r, "x-a");
	CHECK(h && h->value_len == 5 && memcmp(h->value, "v a l", 5) == 0);
	CHECK(r.conn_keep_alive && !r.conn_close);
	CHECK(!r.has_content_length && !r.chunked);
	CHECK(hs_http_req_header(&r, "absent") == NULL);

	hs_http_req_init(&r);
	CHECK(hs_http_parse_request(&r, r2, sizeof(r2) - 1) ==
	      (int)sizeof(r2) - 1);
	CHECK(r.method == HS_HTTP_METHOD_POST);
	CHECK(r.has_content_length && r.content_length == 42);

	hs_http_req_init(&r);
	CHECK(hs_http_parse_request(&r, r3, sizeof(r3) - 1) ==
	      (int)sizeof(r3) - 1);
	CHECK(r.method == HS_HTTP_METHOD_HEAD && r.version_minor == 0);
	CHECK(r.target == r3 + 7 && r.target_len == 2);
	CHECK(r.conn_close && r.host == NULL);

	static const struct {
		const char *m;
		enum hs_http_method id;
	} ms[] = {
		{ "GET", HS_HTTP_METHOD_GET },
		{ "HEAD", HS_HTTP_METHOD_HEAD },
		{ "POST", HS_HTTP_METHOD_POST },
		{ "PUT", HS_HTTP_METHOD_PUT },
		{ "DELETE", HS_HTTP_METHOD_DELETE },
		{ "OPTIONS", HS_HTTP_METHOD_OPTIONS },
		{ "PATCH", HS_HTTP_METHOD_PATCH },
		{ "TRACE", HS_HTTP_METHOD_TRACE },
		{ "CONNECT", HS_HTTP_METHOD_CONNECT },
		{ "get", HS_HTTP_METHOD_OTHER },
		{ "GETS", HS_HTTP_METHOD_OTHER },
	};
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		char buf[128];
		int n = snprintf(buf, sizeof(buf),
				 "%s / HTTP/1.1\r\nHost: a\r\n\r\n", ms[i].m);

		hs_http_req_init(&r);
		CHECK(hs_http_parse_request(&r, buf, (size_t)n) == n);
		CHECK(r.method == ms[i].id);
	}

	/* HTTP/1.x, x > 1: treated as 1.1 (needs Host, persistent) */
	hs_http_req_init(&r);
	CHECK(hs_http_parse_request(&r, "GET / HTTP/1.5\r\nHost: a\r\n\r\n",
				    27) == 27);
	CHECK(r.version_minor == 5 && hs_http_req_is_11(&r));
}

/* Errors are detected before the head is complete when they can be. */
static void
test_early_errors(void)
{
	struct hs_http_req r;

	hs_http_req_init(&r);
	CHECK(hs_http_parse_request(&r, "\x16\x03\x01", 3) == -EBADMSG);
	CHECK(r.error_status == 400);
	hs_http_req_init(&r);
	CHECK(hs_http_parse_request(&r, "GET /\0", 6) == -EBADMSG);
	hs_http_req_init(&r);
	CHECK(hs_http_parse_request(&r, "GET / HTTP/2.0\r\n", 16) == -EBADMSG);
	CHECK(r.error_status == 505);
	hs_http_req_init(&r);
	CHECK(hs_http_parse_request(&r,
				    "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n",
				    34) == -EBADMSG);
	/* a CR at the very end is undecided, not an error */
	hs_http_req_init(&r);
	CHECK(hs_http_parse_request(&r, "GET / HTTP/1.1\r", 15) == -EAGAIN);
	CHECK(hs_http_req_in_request_line(&r));
	CHECK(hs_http_parse_request(&r, "GET / HTTP/1.1\r\nHo", 18) == -EAGAIN);
	CHECK(!hs_http_req_in_request_line(&r));
}

/* 64 header fields are fine, 65 get 431. */
static void
test_header_count(void)
{
	char *buf = malloc(8192);
	struct hs_http_req r;
	size_t n = 0;

	n += (size_t)sprintf(buf + n, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 1; i < HS_HTTP_MAX_HEADERS; i++)
		n += (size_t)sprintf(buf + n, "X-%d: v\r\n", i);
	n += (size_t)sprintf(buf + n, "\r\n");
	hs_http_req_init(&r);
	CHECK(hs_http_parse_request(&r, buf, n) == (int)n);
	CHECK(r.num_headers == HS_HTTP_MAX_HEADERS);

	n -= 2;
	n += (size_t)sprintf(buf + n, "X-65: v\r\n\r\n");
	hs_http_req_init(&r);
	CHECK(hs_http_parse_request(&r, buf, n) == -EBADMSG);
	CHECK(r.error_status == 431);
	free(buf);
}

/* A head (or a prefix of it) ending exactly at a page followed by an
 * inaccessible page: any read past len faults. */
static void
test_guard_page(void)
{
	static const char *reqs[] = {
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: a\r\nX: y \r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n",
		"PRI * HTTP/2.0\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 12",
		"GET / HTTP/1.1\r\nHost: a\r\n\r",
	};
	/* 1 = complete (rc == length), else the rc expected */
	static const int want[] = { 1, 1, -EAGAIN, -EBADMSG, -EAGAIN, -EAGAIN };
	long pg = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(map != MAP_FAILED);
	if (map == MAP_FAILED)
		return;
	CHECK(mprotect(map + pg, (size_t)pg, PROT_NONE) == 0);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		size_t len = strlen(reqs[i]);

		struct hs_http_req r;
		int full = 0, rc = -EAGAIN;

		/* every prefix, placed so that it ends at the guard */
		for (size_t k = 0; k <= len; k++) {
			char *p = map + pg - k;

			memcpy(p, reqs[i], k);
			hs_http_req_init(&r);
			full = hs_http_parse_request(&r, p, k);
			CHECK(k == len || full == -EAGAIN || full == -EBADMSG);
		}
		/* resumed byte by byte; the last call ends at the guard */
		hs_http_req_init(&r);
		for (size_t k = 0; k <= len && rc == -EAGAIN; k++)
			rc = hs_http_parse_request(&r, map + pg - len, k);
		CHECK(rc == full);
		CHECK(full == (want[i] == 1 ? (int)len : want[i]));
	}
	munmap(map, (size_t)pg * 2);
}

/* ---- chunked bodies ------------------------------------------------- */

struct ccase {
	int line;
	const char *raw;
	size_t len;
	int status;       /* OK or the error status */
	const char *data; /* decoded bytes when OK */
	size_t data_len;
	size_t used; /* bytes consumed when OK: 0 = all */
};

struct collect {
	char buf[512];
	size_t len;
};

static void
collect_fn(void *ctx, const char *p, size_t n)
{
	struct collect *c = ctx;

	CHECK(n > 0 && c->len + n <= sizeof(c->buf));
	if (c->len + n <= sizeof(c->buf)) {
		memcpy(c->buf + c->len, p, n);
		c->len += n;
	}
}

/* Feed buf[0..len) in pieces ending at cuts[0..ncut) then len; returns
 * the final rc, total consumed in *used. */
static int
chunk_feed(const char *buf, size_t len, const size_t *cuts, size_t ncut,
	   struct collect *col, size_t *used, uint16_t *status)
{
	struct hs_http_chunked d;
	size_t off = 0, u;
	int rc = -EAGAIN;

	hs_http_chunked_init(&d, 1000);
	col->len = 0;
	for (size_t i = 0; i <= ncut && rc == -EAGAIN; i++) {
		size_t end = i < ncut ? cuts[i] : len;

		rc = hs_http_chunked_decode(&d, buf + off, end - off, &u,
					    collect_fn, col);
		CHECK(u <= end - off);
		CHECK(rc != -EAGAIN || u == end - off);
		off += u;
	}
	*used = off;
	*status = d.error_status;
	/* a final result is sticky */
	if (rc != -EAGAIN)
		CHECK(hs_http_chunked_decode(&d, buf, len, &u, collect_fn,
					     col) == rc &&
		      u == 0);
	return rc;
}

static void
check_chunk_case(const struct ccase *c)
{
	struct collect col;
	size_t used, want_used = c->used ? c->used : c->len;
	size_t *cuts = malloc(sizeof(size_t) * (c->len + 1));
	char *b = malloc(c->len);
	uint16_t st;
	int want = c->status == OK ? 0 : -EBADMSG, rc;

	memcpy(b, c->raw, c->len);
	for (int mode = 0; mode < 2; mode++) {
		/* mode 0: one piece, then split in two at every byte;
		 * mode 1: byte by byte */
		for (size_t k = 0; k < (mode ? 1 : c->len); k++) {
			size_t ncut = 0;

			if (mode)
				for (size_t i = 1; i < c->len; i++)
					cuts[ncut++] = i;
			else if (k)
				cuts[ncut++] = k;
			rc = chunk_feed(b, c->len, cuts, ncut, &col, &used,
					&st);
			CHECK_AT(c->line, rc == want);
			if (rc != want) {
				fprintf(stderr,
					"  cut %zu mode %d: rc %d st %u\n", k,
					mode, rc, st);
				continue;
			}
			if (c->status != OK) {
				CHECK_AT(c->line, st == c->status);
				continue;
			}
			CHECK_AT(c->line, used == want_used);
			CHECK_AT(c->line, col.len == c->data_len &&
						  memcmp(col.buf, c->data,
							 col.len) == 0);
		}
	}
	/* every prefix of a valid body needs more */
	if (c->status == OK) {
		for (size_t k = 0; k < want_used; k++) {
			rc = chunk_feed(b, k, NULL, 0, &col, &used, &st);
			CHECK_AT(c->line, rc == -EAGAIN && used == k);
		}
	}
	free(b);
	free(cuts);
}

#define CK(raw, status, data)                                 \
	{                                                     \
		__LINE__, raw, sizeof(raw) - 1, status, data, \
			sizeof(data) - 1, 0                   \
	}
#define CKU(raw, used, data)                                                \
	{                                                                   \
		__LINE__, raw, sizeof(raw) - 1, OK, data, sizeof(data) - 1, \
			used                                                \
	}

static const struct ccase ccases[] = {
	CK("0\r\n\r\n", OK, ""),
	CK("5\r\nhello\r\n0\r\n\r\n", OK, "hello"),
	CK("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", OK, "hello world"),
	CK("A\r\n0123456789\r\n0\r\n\r\n", OK, "0123456789"),
	CK("a\r\n0123456789\r\n000\r\n\r\n", OK, "0123456789"),
	CK("0005\r\nhello\r\n0\r\n\r\n", OK, "hello"),
	/* chunk extensions (RFC 9112 §7.1.1) */
	CK("5;a\r\nhello\r\n0;b=c\r\n\r\n", OK, "hello"),
	CK("5 ; a = b ;c\r\nhello\r\n0\r\n\r\n", OK, "hello"),
	CK("5;a=\"x;y \\\" z\"\r\nhello\r\n0\r\n\r\n", OK, "hello"),
	CK("5;a=\"\"\r\nhello\r\n0\r\n\r\n", OK, "hello"),
	/* trailers (§7.1.2): validated and discarded */
	CK("1\r\nx\r\n0\r\nExpires: never\r\nX-Sum:  1 2\t\r\n\r\n", OK, "x"),
	CK("1\r\nx\r\n0\r\nX-Empty:\r\n\r\n", OK, "x"),
	/* the next request follows: not consumed */
	CKU("1\r\nx\r\n0\r\n\r\nGET / HTTP/1.1\r\n", 11, "x"),
	/* data containing CRLF and NUL is opaque */
	CK("4\r\n\r\n\0\n\r\n0\r\n\r\n", OK, "\r\n\0\n"),
	/* invalid sizes */
	CK("\r\n", 400, ""),
	CK("x\r\n", 400, ""),
	CK("-1\r\n", 400, ""),
	CK("+1\r\n", 400, ""),
	CK("0x5\r\nhello\r\n0\r\n\r\n", 400, ""),
	CK(" 5\r\nhello\r\n0\r\n\r\n", 400, ""),
	CK("5 \r\nhello\r\n0\r\n\r\n", 400, ""), /* BWS without ';' */
	CK("5\nhello\r\n0\r\n\r\n", 400, ""),    /* bare LF */
	CK("5\rhello\r\n0\r\n\r\n", 400, ""),    /* bare CR */
	CK("5\r\nhello0\r\n\r\n", 400, ""),      /* no CRLF after data */
	CK("5\r\nhelloX\r\n0\r\n\r\n", 400, ""),
	CK("5\r\nhello\r\r\n0\r\n\r\n", 400, ""),
	CK("10000000000000000\r\n", 400, ""), /* 17 digits */
	CK("fffffffffffffffff\r\n", 400, ""),
	/* too large: 413 as soon as the size line ends */
	CK("3e9\r\n", 413, ""), /* 1001 > 1000 */
	/* invalid extensions */
	CK("5;\r\nhello\r\n0\r\n\r\n", 400, ""),
	CK("5;=x\r\nhello\r\n0\r\n\r\n", 400, ""),
	CK("5;a=\r\nhello\r\n0\r\n\r\n", 400, ""),
	CK("5;a=b c\r\nhello\r\n0\r\n\r\n", 400, ""),
	CK("5;a=\"x\r\nhello\r\n0\r\n\r\n", 400, ""), /* CR in quotes */
	CK("5;a=\"x\"y\r\nhello\r\n0\r\n\r\n", 400, ""),
	CK("5;a@b\r\nhello\r\n0\r\n\r\n", 400, ""),
	CK("5;a\0\r\nhello\r\n0\r\n\r\n", 400, ""),
	/* invalid trailers */
	CK("0\r\n X: y\r\n\r\n", 400, ""), /* obs-fold */
	CK("0\r\nX : y\r\n\r\n", 400, ""),
	CK("0\r\n: y\r\n\r\n", 400, ""),
	CK("0\r\nX\r\n\r\n", 400, ""), /* no colon */
	CK("0\r\nX: a\rb\r\n\r\n", 400, ""),
	CK("0\r\nX: a\0b\r\n\r\n", 400, ""),
	CK("0\r\nX: y\n\r\n", 400, ""),
	CK("0\r\n\r\r", 400, ""),
};

static void
test_chunked(void)
{
	static char longext[HS_HTTP_CHUNK_LINE_MAX + 16];
	static char trailer[HS_HTTP_TRAILER_MAX + 64];
	struct hs_http_chunked d;
	struct collect col;
	size_t n, used;

	for (size_t i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++)
		check_chunk_case(&ccases[i]);
	/* exactly the limit is fine, one byte more is 413 */
	hs_http_chunked_init(&d, 3);
	col.len = 0;
	CHECK(hs_http_chunked_decode(&d, "2\r\nab\r\n1\r\nc\r\n0\r\n\r\n", 18,
				     &used, collect_fn, &col) == 0);
	CHECK(used == 18 && col.len == 3 && d.total == 3);
	hs_http_chunked_init(&d, 3);
	CHECK(hs_http_chunked_decode(&d, "2\r\nab\r\n2\r\n", 10, &used,
				     collect_fn, &col) == -EBADMSG);
	CHECK(d.error_status == 413);
	/* NULL callback: decoded and dropped */
	hs_http_chunked_init(&d, 100);
	CHECK(hs_http_chunked_decode(&d, "2\r\nab\r\n0\r\n\r\n", 12, &used,
				     NULL, NULL) == 0 &&
	      used == 12);
	/* an endless size line (extensions) -> 400, bounded */
	n = (size_t)sprintf(longext, "1;x=");
	memset(longext + n, 'a', sizeof(longext) - n);
	hs_http_chunked_init(&d, 100);
	CHECK(hs_http_chunked_decode(&d, longext, sizeof(longext), &used, NULL,
				     NULL) == -EBADMSG);
	CHECK(d.error_status == 400);
	/* an endless trailer section -> 431 */
	n = (size_t)sprintf(trailer, "0\r\n");
	while (n + 16 < sizeof(trailer))
		n += (size_t)sprintf(trailer + n, "X-T: 0123456\r\n");
	hs_http_chunked_init(&d, 100);
	CHECK(hs_http_chunked_decode(&d, trailer, n, &used, NULL, NULL) ==
	      -EBADMSG);
	CHECK(d.error_status == 431);
}

/* Chunked bodies ending exactly before a PROT_NONE page. */
static void
test_chunked_guard_page(void)
{
	static const char *bodies[] = {
		"5\r\nhello\r\n0\r\n\r\n",
		"5;a=\"q\"\r\nhello\r\n0\r\nT: v\r\n\r\n",
		"5\r\nhel",
		"5;a=\"q",
		"0\r\nT: v",
		"0\r\n\r",
	};
	long pg = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(map != MAP_FAILED);
	if (map == MAP_FAILED)
		return;
	CHECK(mprotect(map + pg, (size_t)pg, PROT_NONE) == 0);
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		size_t len = strlen(bodies[i]), used;
		char *p = map + pg - len;
		struct hs_http_chunked d;
		struct collect col = { .len = 0 };
		int rc = -EAGAIN;

		memcpy(p, bodies[i], len);
		for (size_t k = 1; k <= len; k++) {
			/* every suffix ends at the guard */
			hs_http_chunked_init(&d, 100);
			(void)hs_http_chunked_decode(&d, map + pg - k, k, &used,
						     NULL, NULL);
		}
		hs_http_chunked_init(&d, 100);
		for (size_t k = 0; k < len && rc == -EAGAIN; k++)
			rc = hs_http_chunked_decode(&d, p + k, 1, &used,
						    collect_fn, &col);
		CHECK(rc == (i < 2 ? 0 : -EAGAIN));
		if (i < 2)
			CHECK(col.len == 5 && memcmp(col.buf, "hello", 5) == 0);
	}
	munmap(map, (size_t)pg * 2);
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i], cases[i].len);
	test_fields();
	test_early_errors();
	test_header_count();
	test_guard_page();
	test_chunked();
	test_chunked_guard_page();
	return hs_check_summary("test_http_parse");
}
