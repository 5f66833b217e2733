/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http_sink.h - test upload endpoint (--upload-sink PATH).
 *
 * A POST to exactly PATH with a Content-Length body of at most
 * --max-body bytes is read and hashed as it arrives, never stored, and
 * answered "200 OK" with the text body
 *     sha256=<64 lowercase hex digits> bytes=<n>\n
 * so a client can check that what it sent arrived intact.  Bigger bodies
 * get 413, bodies without Content-Length (chunked) 411 Length Required;
 * both close the connection.  "Expect: 100-continue" gets an interim
 * "100 Continue" before the body is read (RFC 9110 §10.1.1).  Off when
 * PATH is not configured: POSTs then keep their 405.
 *
 * Per-connection state lives inside struct hs_http_conn (no allocation);
 * the SHA-256 is wolfCrypt's streaming wc_Sha256.
 */
#ifndef HS_HTTP_SINK_H
#define HS_HTTP_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct hs_http_req;
struct hs_http_server;

/* room for a wc_Sha256 (checked at compile time in hs_http_sink.c) */
#define HS_HTTP_SINK_CTX    512
/* "sha256=" 64 hex " bytes=" 20 digits "\n" */
#define HS_HTTP_SINK_RESULT 96
#define HS_HTTP_SINK_MAX_BODY_DEFAULT (64ull << 20)

struct hs_http_sink {
	uint64_t left;                 /* body bytes still to come */
	uint64_t total;                /* Content-Length of the upload */
	bool active;                   /* an upload body is being read */
	bool keep;                     /* keep-alive after the answer */
	uint16_t result_len;
	char result[HS_HTTP_SINK_RESULT];
	uint8_t ctx[HS_HTTP_SINK_CTX] __attribute__((aligned(64)));
};

/* True when r is a POST to the configured sink path. */
bool hs_http_sink_match(const struct hs_http_server *srv,
			const struct hs_http_req *r);
/* Check r's framing and size, start hashing.  Returns 0 (the body is now
 * read through hs_http_sink_feed) or the error status to answer (411,
 * 413, 500). *cont is set when the client waits for 100 Continue. */
int hs_http_sink_start(struct hs_http_sink *s, const struct hs_http_server *srv,
		       const struct hs_http_req *r, bool keep, bool *cont);
/* Hash up to s->left bytes of p[0..n); returns how many it took. */
size_t hs_http_sink_feed(struct hs_http_sink *s, const void *p, size_t n);
/* The body is complete (s->left == 0): format s->result.  Returns 0 or
 * -EIO if the hash failed.  Leaves s inactive. */
int hs_http_sink_finish(struct hs_http_sink *s);
/* Abandon an upload (connection closing mid-body). */
void hs_http_sink_abort(struct hs_http_sink *s);

#endif
