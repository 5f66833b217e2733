/* SPDX-License-Identifier: BSD-3-Clause
 * test_http_sink.c - the test upload endpoint (--upload-sink) through the
 * sans-I/O engine: digests of known vectors whatever the input split,
 * empty bodies, the size limit (413), chunked bodies (digest; 413 once
 * the chunks cross the limit), 100-continue,
 * exact path matching, keep-alive and pipelining after an upload, a
 * peer that goes away mid-body, and POSTs elsewhere keeping their 405.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hs_http.h"
#include "hs_check.h"

/* FIPS 180-2 / NIST test vectors */
#define SHA_EMPTY \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_ABC \
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_MILLION_A \
	"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static char base[PATH_MAX];
static struct hs_file_cache *files;
static struct hs_http_server srv;
static struct hs_http_conn conn;
static char out[1 << 16];
static size_t out_len;

static void
feed(struct hs_http_conn *c, const char *s, size_t n)
{
	while (n > 0) {
		size_t space;
		char *p = hs_http_conn_inbuf(c, &space);
		size_t k = n < space ? n : space;

		CHECK(space > 0);
		if (space == 0)
			return;
		memcpy(p, s, k);
		hs_http_conn_commit(c, k);
		s += k;
		n -= k;
		/* like the glue: process and drain until idle */
		for (;;) {
			const void *q;
			size_t m, drained = 0;
			int st = hs_http_conn_process(c);

			while ((m = hs_http_conn_output(c, &q)) > 0) {
				CHECK(out_len + m < sizeof(out));
				if (out_len + m >= sizeof(out))
					return;
				memcpy(out + out_len, q, m);
				out_len += m;
				drained += m;
				hs_http_conn_sent(c, m);
			}
			if (st == 0 && drained == 0)
				break;
		}
	}
	out[out_len] = '\0';
}

#define FEED(c, lit) feed((c), (lit), sizeof(lit) - 1)

static void
fresh(void)
{
	hs_http_conn_release(&conn);
	hs_http_conn_init(&conn, &srv);
	out_len = 0;
	out[0] = '\0';
}

/* An upload is being hashed (its state lives in the request block). */
static bool
sink_active(void)
{
	return conn.rs != NULL && conn.rs->sink.active;
}

static bool
has(const char *needle)
{
	return strstr(out, needle) != NULL;
}

static void
test_off_keeps_405(void)
{
	srv.upload_sink = NULL;
	fresh();
	FEED(&conn, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: "
		    "3\r\n\r\nabc");
	CHECK(strncmp(out, "HTTP/1.1 405 ", 13) == 0);
	CHECK(has("Allow: GET, HEAD\r\n"));
	srv.upload_sink = "/upload";
	srv.upload_sink_len = strlen(srv.upload_sink);
}

static void
test_small_and_pipelined(void)
{
	fresh();
	FEED(&conn,
	     "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
	     "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
	CHECK(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0);
	CHECK(has("Content-Type: text/plain; charset=utf-8\r\n"));
	CHECK(has("Content-Length: 80\r\n"));
	CHECK(has("Connection: keep-alive\r\n"));
	CHECK(has("\r\n\r\nsha256=" SHA_ABC " bytes=3\nHTTP/1.1 200 OK\r\n"));
	/* the GET after the body was answered from the file */
	CHECK(has("\r\n\r\nfile a\n"));
	CHECK(!hs_http_conn_should_close(&conn));
	CHECK(conn.requests == 2);
}

/* Whatever way the input is split, the digest is the same. */
static void
test_split_million(void)
{
	static const char head[] = "POST /upload HTTP/1.1\r\nHost: t\r\n"
				   "Content-Length: 1000000\r\n\r\n";
	char *body = malloc(1000000);
	const size_t steps[] = { 1000000, 8192, 7001, 1 };

	CHECK(body != NULL);
	if (body == NULL)
		return;
	memset(body, 'a', 1000000);
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		size_t step = steps[k];

		fresh();
		/* head and the first body bytes may come together */
		feed(&conn, head, sizeof(head) - 1);
		for (size_t off = 0; off < 1000000; off += step) {
			size_t n = 1000000 - off < step ? 1000000 - off : step;

			if (step == 1 && off >= 20000) {
				/* byte by byte for a while, then the rest */
				feed(&conn, body + off, 1000000 - off);
				break;
			}
			feed(&conn, body + off, n);
			CHECK(off + n == 1000000 || out_len == 0);
		}
		CHECK(has("\r\n\r\nsha256=" SHA_MILLION_A " bytes=1000000\n"));
		CHECK(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0);
	}
	free(body);
}

static void
test_empty(void)
{
	fresh();
	FEED(&conn,
	     "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
	CHECK(has("\r\n\r\nsha256=" SHA_EMPTY " bytes=0\n"));
	fresh();
	FEED(&conn, "POST /upload HTTP/1.1\r\nHost: t\r\n\r\n");
	CHECK(has("\r\n\r\nsha256=" SHA_EMPTY " bytes=0\n"));
	/* HTTP/1.0 without keep-alive: the answer closes */
	fresh();
	FEED(&conn, "POST /upload HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc");
	CHECK(has("Connection: close\r\n") &&
	      has("sha256=" SHA_ABC " bytes=3\n"));
	CHECK(hs_http_conn_should_close(&conn));
}

static void
test_limit_and_chunked(void)
{
	srv.max_body = 100;
	fresh();
	FEED(&conn,
	     "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n");
	CHECK(out_len == 0); /* waits for the body: at the limit is fine */
	fresh();
	FEED(&conn,
	     "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n");
	CHECK(strncmp(out, "HTTP/1.1 413 ", 13) == 0);
	CHECK(has("Connection: close\r\n"));
	CHECK(hs_http_conn_should_close(&conn));
	/* the sink's own limit replaces the engine's 1 MiB one */
	srv.max_body = 8u << 20;
	fresh();
	FEED(&conn, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: "
		    "2000000\r\n\r\n");
	CHECK(out_len == 0 && sink_active());
	/* chunked: decoded by the engine, hashed like any body */
	fresh();
	FEED(&conn, "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n"
		    "3\r\nabc\r\n0\r\n\r\n");
	CHECK(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0);
	CHECK(has("\r\n\r\nsha256=" SHA_ABC " bytes=3\n"));
	CHECK(has("Connection: keep-alive\r\n"));
	CHECK(!hs_http_conn_should_close(&conn) && !sink_active());
	/* the digest sent, the idle connection holds no hash state */
	CHECK(conn.rs == NULL);
	/* in pieces, with an extension and a trailer, then a pipelined GET */
	fresh();
	FEED(&conn, "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n"
		    "1;x=y\r\na\r\n");
	CHECK(out_len == 0 && sink_active() && conn.rs->sink.bytes == 1);
	FEED(&conn, "2\r\nbc\r\n0\r\nX-T: 1\r\n\r\nGET /a.txt "
		    "HTTP/1.1\r\nHost: t\r\n\r\n");
	CHECK(has("\r\n\r\nsha256=" SHA_ABC " bytes=3\nHTTP/1.1 200 OK\r\n"));
	CHECK(has("\r\n\r\nfile a\n") && conn.requests == 2);
	/* empty chunked body */
	fresh();
	FEED(&conn, "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n"
		    "0\r\n\r\n");
	CHECK(has("\r\n\r\nsha256=" SHA_EMPTY " bytes=0\n"));
	/* chunks crossing the sink's limit: 413, close, no digest */
	srv.max_body = 100;
	fresh();
	FEED(&conn, "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n"
		    "40\r\n");
	CHECK(out_len == 0);
	feed(&conn,
	     "0123456789012345678901234567890123456789012345678901234567890123",
	     64);
	FEED(&conn, "\r\n25\r\n");
	CHECK(strncmp(out, "HTTP/1.1 413 ", 13) == 0 && !has("sha256="));
	CHECK(hs_http_conn_should_close(&conn) && !sink_active());
	/* bad framing: 400, no digest */
	srv.max_body = 8u << 20;
	fresh();
	FEED(&conn, "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n"
		    "3\r\nabcX");
	CHECK(strncmp(out, "HTTP/1.1 400 ", 13) == 0 && !has("sha256="));
	CHECK(hs_http_conn_should_close(&conn) && !sink_active());
	/* a chunked upload above the engine's own 1 MiB limit is fine */
	fresh();
	FEED(&conn, "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n"
		    "200000\r\n");
	CHECK(out_len == 0 && sink_active());
}

static void
test_continue(void)
{
	fresh();
	FEED(&conn,
	     "POST /upload HTTP/1.1\r\nHost: t\r\nExpect: 100-Continue\r\n"
	     "Content-Length: 3\r\n\r\n");
	CHECK(strcmp(out, "HTTP/1.1 100 Continue\r\n\r\n") == 0);
	FEED(&conn, "abc");
	CHECK(has("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"));
	CHECK(has("sha256=" SHA_ABC " bytes=3\n"));
	CHECK(conn.requests == 1);
	/* no interim answer when the body is empty or on 413 */
	fresh();
	FEED(&conn,
	     "POST /upload HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
	     "Content-Length: 0\r\n\r\n");
	CHECK(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0);
	srv.max_body = 2;
	fresh();
	FEED(&conn,
	     "POST /upload HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
	     "Content-Length: 3\r\n\r\n");
	CHECK(strncmp(out, "HTTP/1.1 413 ", 13) == 0);
	srv.max_body = 8u << 20;
}

static void
test_exact_path(void)
{
	static const char *const others[] = {
		"POST /upload/ HTTP/1.1\r\nHost: t\r\nContent-Length: "
		"0\r\n\r\n",
		"POST /upload?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: "
		"0\r\n\r\n",
		"POST /Upload HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
		"PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		fresh();
		feed(&conn, others[i], strlen(others[i]));
		CHECK(strncmp(out, "HTTP/1.1 405 ", 13) == 0);
	}
	fresh();
	FEED(&conn, "GET /upload HTTP/1.1\r\nHost: t\r\n\r\n");
	CHECK(strncmp(out, "HTTP/1.1 404 ", 13) == 0);
}

static void
test_peer_gone(void)
{
	fresh();
	FEED(&conn, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: "
		    "10\r\n\r\nabc");
	CHECK(sink_active() && conn.rs->sink.bytes == 3 && conn.body_left == 7);
	hs_http_conn_peer_eof(&conn);
	CHECK(hs_http_conn_process(&conn) == 0);
	CHECK(out_len == 0);
	CHECK(hs_http_conn_should_close(&conn));
	hs_http_conn_release(&conn);
	CHECK(!sink_active());
}

int
main(void)
{
	char path[PATH_MAX + 16], err[256];
	FILE *f;

	snprintf(base, sizeof(base), "/tmp/hs_test_sink.XXXXXX");
	CHECK(mkdtemp(base) != NULL);
	snprintf(path, sizeof(path), "%s/a.txt", base);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f == NULL)
		return 1;
	fputs("file a\n", f);
	fclose(f);
	CHECK(hs_files_load(&files, base, 1 << 20, 1 << 20, err, sizeof(err)) ==
	      0);
	hs_http_server_defaults(&srv);
	srv.files = files;
	srv.tls = true; /* the HTTPS listener */
	srv.upload_sink = "/upload";
	srv.upload_sink_len = strlen(srv.upload_sink);
	CHECK(srv.max_body == HS_HTTP_SINK_MAX_BODY_DEFAULT);
	srv.max_body = 8u << 20;
	hs_http_conn_init(&conn, &srv);

	test_off_keeps_405();
	test_small_and_pipelined();
	test_split_million();
	test_empty();
	test_limit_and_chunked();
	test_continue();
	test_exact_path();
	test_peer_gone();

	hs_http_conn_release(&conn);
	hs_files_free(files);
	unlink(path);
	rmdir(base);
	return hs_check_summary("test_http_sink");
}
