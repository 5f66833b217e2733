/* SPDX-License-Identifier: BSD-3-Clause
 * test_http_tls_info.c - what the TLS layer tells the HTTP engine:
 * requests that arrive in TLS 1.3 early data (RFC 8470: 425 Too Early
 * for anything but GET/HEAD, nothing added for those) and the verified
 * client certificate subject in the access log.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_http.h"
#include "hs_check.h"

#define BODY "<!DOCTYPE html><h1>early</h1>\n"

static struct hs_http_server srv = { .tls = true, .server_name = "httpsd" };
static struct hs_http_conn conn;
static char out[1 << 16];

/* Remove the Date header line of the response in buf (it may tick). */
static void
strip_date(char *buf)
{
	char *d = strstr(buf, "\r\nDate: "), *e;

	if (d != NULL && (e = strstr(d + 2, "\r\n")) != NULL)
		memmove(d, e, strlen(e) + 1);
}

/* Feed req to a fresh connection (early or not), run it, drain the
 * output into out[]; returns the status of the only response. */
static int
exchange(bool early, const char *req)
{
	size_t space, total = 0, n;
	char *p;
	const void *q;
	int st, status = 0, count = 0;

	hs_http_conn_init(&conn, &srv);
	conn.tls_early = early;
	p = hs_http_conn_inbuf(&conn, &space);
	CHECK(space >= strlen(req));
	memcpy(p, req, strlen(req));
	hs_http_conn_commit(&conn, strlen(req));
	for (int i = 0; i < 100; i++) {
		st = hs_http_conn_process(&conn);
		if (st > 0) {
			status = st;
			count++;
		}
		n = 0;
		while ((n = hs_http_conn_output(&conn, &q)) > 0 &&
		       total + n < sizeof(out)) {
			memcpy(out + total, q, n);
			hs_http_conn_sent(&conn, n);
			total += n;
		}
		if (st == 0)
			break;
	}
	out[total] = '\0';
	CHECK(count == 1);
	return status;
}

static void
test_early_data(void)
{
	/* RFC 8470 §5.2: unsafe methods in early data -> 425 */
	CHECK(exchange(true, "POST / HTTP/1.1\r\nHost: a\r\n"
			     "Content-Length: 0\r\n\r\n") == 425);
	CHECK(strncmp(out, "HTTP/1.1 425 Too Early\r\n", 24) == 0);
	CHECK(!hs_http_conn_should_close(&conn)); /* may retry on it */
	CHECK(exchange(true, "PUT /x HTTP/1.1\r\nHost: a\r\n"
			     "Content-Length: 0\r\n\r\n") == 425);
	CHECK(exchange(true, "DELETE / HTTP/1.1\r\nHost: a\r\n\r\n") == 425);
	/* the same requests after the handshake: 405 as always */
	CHECK(exchange(false, "POST / HTTP/1.1\r\nHost: a\r\n"
			      "Content-Length: 0\r\n\r\n") == 405);
	/* safe methods are served, byte for byte as outside early data */
	CHECK(exchange(true, "GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n") ==
	      200);
	CHECK(strstr(out, "\r\n\r\n" BODY) != NULL);
	{
		static char early_resp[sizeof(out)];

		memcpy(early_resp, out, sizeof(out));
		CHECK(exchange(false, "GET /index.html HTTP/1.1\r\n"
				      "Host: a\r\n\r\n") == 200);
		strip_date(early_resp);
		strip_date(out);
		CHECK(strcmp(early_resp, out) == 0);
	}
	CHECK(exchange(true, "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n") == 200);
	CHECK(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0);
}

static void
test_client_dn_log(void)
{
	char line[512];
	uint32_t ip_be = 0x020012c6; /* 198.18.0.2 */

	CHECK(exchange(false, "GET / HTTP/1.1\r\nHost: a\r\n\r\n") == 200);
	CHECK(hs_http_log_format(&conn, ip_be, 0, line, sizeof(line)) > 0);
	CHECK(strncmp(line, "198.18.0.2 - - [", 16) == 0);
	conn.client_dn = "/C=XX/O=Test \"Org\"/CN=client one";
	CHECK(hs_http_log_format(&conn, ip_be, 0, line, sizeof(line)) > 0);
	CHECK(strncmp(line,
		      "198.18.0.2 - /C=XX/O=Test\\x20\\x22Org\\x22"
		      "/CN=client\\x20one [01/Jan/1970:00:00:00 +0000] "
		      "\"GET / HTTP/1.1\" 200 ",
		      87) == 0);
	conn.client_dn = "";
	CHECK(hs_http_log_format(&conn, ip_be, 0, line, sizeof(line)) > 0);
	CHECK(strncmp(line, "198.18.0.2 - - [", 16) == 0);
}

int
main(void)
{
	char base[] = "/tmp/hs_tls_info.XXXXXX", p[PATH_MAX], err[256];
	struct hs_file_cache *files = NULL;
	FILE *f;
	int rc;

	if (mkdtemp(base) == NULL)
		return 1;
	snprintf(p, sizeof(p), "%s/index.html", base);
	f = fopen(p, "w");
	if (f == NULL)
		return 1;
	fputs(BODY, f);
	fclose(f);
	rc = hs_files_load(&files, base, 1 << 20, 1 << 24, err, sizeof(err));
	unlink(p);
	rmdir(base);
	if (rc != 0) {
		fprintf(stderr, "load: %s\n", err);
		return 1;
	}
	hs_http_server_defaults(&srv);
	srv.files = files;
	test_early_data();
	test_client_dn_log();
	hs_files_free(files);
	return hs_check_summary("http_tls_info");
}
