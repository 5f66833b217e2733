/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http.h - HTTP/1.1 static-file server engine, sans-I/O.
 *
 * One struct hs_http_conn per connection.  The transport (plain TCP or
 * TLS) writes received bytes into the engine's input buffer, asks it to
 * process, and drains its output as (pointer, length) chunks: response
 * headers from the connection's own small buffer, bodies straight from
 * the in-memory file cache (never copied by the engine).
 *
 * Pipelined requests are answered strictly in order, one response at a
 * time; the next request is parsed only when the previous response has
 * been fully drained.
 */
#ifndef HS_HTTP_H
#define HS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "hs_http_files.h"
#include "hs_http_parse.h"

#define HS_HTTP_IN_BUF   8192     /* request line + headers limit (431 / 414 above) */
#define HS_HTTP_HDR_BUF  1024     /* response header block */
#define HS_HTTP_MAX_BODY (1u << 20) /* request bodies above this get 413 */

struct hs_http_server {
	const struct hs_file_cache *files;
	bool tls;                       /* adds security headers when true */
	const char *server_name;        /* "Server:" value, "httpsd" */
};

struct hs_http_conn {
	const struct hs_http_server *srv;
	/* input */
	uint32_t in_len;                /* bytes in in[] */
	uint32_t in_parsed;             /* bytes already parsed last time */
	uint32_t discard;               /* request body bytes still to discard */
	/* current response */
	uint16_t hdr_len, hdr_off;
	const uint8_t *body;
	size_t body_len, body_off;
	uint16_t status;                /* status of the response in flight */
	bool close_after;               /* close once this response is drained */
	bool closing;                   /* no further requests will be read */
	bool peer_eof;                  /* the peer half-closed */
	uint32_t requests;              /* served on this connection */
	char hdr[HS_HTTP_HDR_BUF];
	char in[HS_HTTP_IN_BUF];
	struct hs_http_req req;         /* parser state of the next request */
};

void hs_http_conn_init(struct hs_http_conn *c, const struct hs_http_server *srv);

/* Where to write received bytes: returns a pointer and the free space.
 * Space 0 means "do not read now" (the buffer is full while a response
 * drains), not an error.  Once the connection is closing, input is still
 * accepted and thrown away, so the peer is not reset before it has read
 * the final response (RFC 9112 §9.6). */
char *hs_http_conn_inbuf(struct hs_http_conn *c, size_t *space);
/* n bytes were written at the pointer returned above. */
void hs_http_conn_commit(struct hs_http_conn *c, size_t n);

/* Parse and handle input if no response is in flight.  Returns the status
 * code of a new response it produced (e.g. 200, 404, 400), 0 if it needs
 * more input or a response is still being drained.  Call it again after
 * the output has drained: pipelined requests may already be in in[]
 * (loop: process -> drain output -> process ... until it returns 0 with
 * nothing to send). */
int hs_http_conn_process(struct hs_http_conn *c);

/* Next chunk of output: sets *p and returns its length, 0 if none. */
size_t hs_http_conn_output(struct hs_http_conn *c, const void **p);
/* n bytes of that chunk were sent. */
void hs_http_conn_sent(struct hs_http_conn *c, size_t n);

/* True when the connection should be closed now: a response demanding
 * close has been fully drained (or the input can never be answered). */
bool hs_http_conn_should_close(const struct hs_http_conn *c);

/* The peer half-closed: no more requests will come. */
void hs_http_conn_peer_eof(struct hs_http_conn *c);

#endif
