/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http_sink.h - test upload endpoint (--upload-sink PATH).
 *
 * A POST to exactly PATH with a body (Content-Length or chunked) of at
 * most --max-body bytes is read and hashed as it arrives, never stored,
 * and answered "200 OK" with the text body
 *     sha256=<64 lowercase hex digits> bytes=<n>\n
 * so a client can check that what it sent arrived intact.  Bigger bodies
 * get 413 and close the connection (at once for a Content-Length, as soon
 * as the chunks cross the limit for a chunked body).  "Expect:
 * 100-continue" gets an interim "100 Continue" before the body is read
 * (RFC 9110 §10.1.1).  Off when PATH is not configured: POSTs then keep
 * their 405.
 *
 * The engine (hs_http.c) reads and decodes the body and hands its bytes
 * to hs_http_sink_data (c->body_fn); the answer is produced by
 * hs_http_sink_reply (c->reply_fn) once the body is complete.
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
struct hs_http_reply;

/* room for a wc_Sha256 (checked at compile time in hs_http_sink.c) */
#define HS_HTTP_SINK_CTX              512
/* "sha256=" 64 hex " bytes=" 20 digits "\n" */
#define HS_HTTP_SINK_RESULT           96
#define HS_HTTP_SINK_MAX_BODY_DEFAULT (64ull << 20)

struct hs_http_sink {
	uint64_t bytes;      /* body bytes hashed so far */
	bool active;         /* a body is being hashed */
	bool failed;         /* the hash reported an error */
	uint16_t result_len; /* the digest line, once complete */
	char result[HS_HTTP_SINK_RESULT];
	uint8_t ctx[HS_HTTP_SINK_CTX] __attribute__((aligned(64)));
};

/* True when r is a POST to the configured sink path. */
bool hs_http_sink_match(const struct hs_http_server *srv,
			const struct hs_http_req *r);
/* Start hashing a new body: 0, or -EIO when the hash cannot start. */
int hs_http_sink_start(struct hs_http_sink *s);
/* The body consumer (hs_http_data_fn, ctx: the sink): hashes body bytes;
 * (NULL, 0): the body is complete, the digest line is formatted;
 * (NULL, HS_HTTP_BODY_ABORTED): the upload is dropped. */
void hs_http_sink_data(void *ctx, const char *p, size_t n);
/* The response once the body is complete (hs_http_reply_fn, ctx: the
 * sink): 200 with the digest line, or 500 if the hash failed. */
void hs_http_sink_reply(void *ctx, struct hs_http_reply *rep);

#endif
