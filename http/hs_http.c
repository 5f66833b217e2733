/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http.c - HTTP/1.1 static-file engine, sans-I/O (see hs_http.h).
 *
 * This file is the per-connection engine: input buffer, request framing
 * and bodies, pipelining, keep-alive, the output cursor and the access
 * log capture.  Responses are built in hs_http_resp.c (hs_http_int.h).
 *
 * Per request: parse the head in place (hs_http_parse.c), build the
 * response header block into c->rs->hdr, point the body at the file cache,
 * then drop the head from in[] (memmove of the bytes that follow only).
 * Nothing is allocated; the only per-thread state is the cached Date
 * string and scratch buffers for the decoded path (hs_http_resp.c).
 *
 * Choices (documented for the strict-HTTP work to extend):
 *  - Only GET and HEAD are implemented; everything else gets 405 with
 *    "Allow: GET, HEAD" (RFC 9110 §15.5.6).  A 405 for a request that
 *    carries a body closes the connection instead of reading the body.
 *  - A GET/HEAD request body (Content-Length or chunked) is read and
 *    discarded (RFC 9110 §9.3.1: no defined semantics), or handed to
 *    c->body_fn; the response is built when the head arrives but held
 *    back until the body has been read, so that a bad chunked body can
 *    still be answered with 400 (framing) or 413 (size) instead.
 *  - Any body above HS_HTTP_MAX_BODY gets 413 and close: at once for a
 *    Content-Length, as soon as a chunk-size line crosses the limit for
 *    a chunked body.
 *  - 400, 413, 414, 431, 500, 501, 505 always close the connection: after
 *    such an error the framing of what follows cannot be trusted.
 *  - With --upload-sink PATH, a POST to exactly PATH is the test upload
 *    endpoint of hs_http_sink.c: its body (Content-Length or chunked)
 *    goes to the sink through c->body_fn, its own limit (--max-body)
 *    replaces HS_HTTP_MAX_BODY, and its response (the digest) is decided
 *    once the body is complete (c->reply_fn).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hs_common.h"
#include "hs_http.h"
#include "hs_out.h"
#include "hs_http_int.h"

/* RFC 9110 §15.2.1: the interim response to "Expect: 100-continue". */
static const char hs_continue[] = "HTTP/1.1 100 Continue\r\n\r\n";

static bool
hs_output_pending(const struct hs_http_conn *c)
{
	return c->cont_off < c->cont_len || c->hdr_off < c->hdr_len ||
	       c->body_off < c->body_len;
}

/* ---- request state blocks ------------------------------------------- */

struct hs_http_rchunk {
	struct hs_http_rchunk *next;
	struct hs_http_rstate blk[];
};

/* The pool of callers that bring none (unit tests, fuzzers). */
static __thread struct hs_http_rpool hs_rpool_dflt;
/* Where a closing connection's input goes (thrown away unread). */
static __thread char hs_discard[HS_HTTP_IN_BUF];

void
hs_http_rpool_init(struct hs_http_rpool *p, uint32_t max)
{
	memset(p, 0, sizeof(*p));
	p->max = max;
}

void
hs_http_rpool_fini(struct hs_http_rpool *p)
{
	struct hs_http_rchunk *k, *next;

	for (k = p->chunks; k != NULL; k = next) {
		next = k->next;
		free(k);
	}
	p->chunks = NULL;
	p->free = NULL;
	p->total = 0;
}

static struct hs_http_rpool *
hs_rpool(const struct hs_http_conn *c)
{
	return c->srv->rpool != NULL ? c->srv->rpool : &hs_rpool_dflt;
}

/* A block from p, NULL when none is free and p is at its bound. */
static struct hs_http_rstate *
hs_rpool_get(struct hs_http_rpool *p)
{
	struct hs_http_rstate *rs;

	if (p->free == NULL) {
		uint32_t n = HS_HTTP_RPOOL_CHUNK;
		struct hs_http_rchunk *k;
		size_t al = _Alignof(struct hs_http_rchunk),
		       sz; /* the hash's */

		if (p->max != 0 && p->total >= p->max)
			return NULL;
		if (p->max != 0 && n > p->max - p->total)
			n = p->max - p->total;
		sz = sizeof(*k) + n * sizeof(k->blk[0]);
		k = aligned_alloc(al, (sz + al - 1) & ~(al - 1));
		if (k == NULL)
			return NULL;
		k->next = p->chunks;
		p->chunks = k;
		for (uint32_t i = 0; i < n; i++) {
			k->blk[i].next = p->free;
			p->free = &k->blk[i];
		}
		p->total += n;
	}
	rs = p->free;
	p->free = rs->next;
	p->in_use++;
	return rs;
}

/* Take a block for input; false (and counted once) when none is free. */
static bool
hs_rs_take(struct hs_http_conn *c)
{
	struct hs_http_rpool *p = hs_rpool(c);

	c->rs = hs_rpool_get(p);
	if (c->rs == NULL) {
		if (!c->rs_wait)
			p->waits++;
		c->rs_wait = true;
		return false;
	}
	c->rs_wait = false;
	hs_http_req_init(&c->rs->req);
	c->rs->log_line_len = 0;
	c->rs->log_ref_len = c->rs->log_ua_len = 0;
	return true;
}

static void
hs_rs_give(struct hs_http_conn *c)
{
	struct hs_http_rpool *p = hs_rpool(c);

	c->rs->next = p->free;
	p->free = c->rs;
	p->in_use--;
	c->rs = NULL;
}

/* Give the block back once nothing needs it: no input buffered (nor a
 * partly parsed head: the parser's pointers go into in[]), no body being
 * read, no response (held, interim or in flight: its header block is in
 * hdr[]).  The access-log copies are read right after the process call
 * that produced a response, before it is drained. */
static void
hs_rs_idle(struct hs_http_conn *c)
{
	if (c->rs != NULL && c->in_len == 0 && !c->body_reading && !c->held &&
	    !hs_output_pending(c))
		hs_rs_give(c);
}
/* ---- request handling ----------------------------------------------- */

/* Drop n bytes from the front of in[]; only the rest moves. */
static void
hs_consume(struct hs_http_conn *c, size_t n)
{
	if (n >= c->in_len) {
		c->in_len = 0;
		return;
	}
	memmove(c->rs->in, c->rs->in + n, c->in_len - n);
	c->in_len -= (uint32_t)n;
}

/* Expect: 100-continue (case-insensitive, the only expectation defined). */
static bool
hs_expects_continue(const struct hs_http_req *r)
{
	bool dup;
	const struct hs_http_header *h = HS_HDR_ONE(r, "expect", &dup);

	return h && h->value_len == 12 &&
	       strncasecmp(h->value, "100-continue", 12) == 0;
}

/* A POST to the upload sink: the body goes to the sink (c->body_fn),
 * the response (its digest) is decided when the body is complete. */
static int
hs_route_sink(struct hs_http_conn *c, bool keep)
{
	if (hs_http_sink_start(&c->rs->sink) < 0)
		return hs_respond_error(c, 500, false);
	c->body_fn = hs_http_sink_data;
	c->body_ctx = &c->rs->sink; /* held while the body is read and
					* the digest sent (hs_rs_idle) */
	c->reply_fn = hs_http_sink_reply;
	c->reply_keep = keep;
	return 0;
}

/* The request body is complete: the response decided now (reply_fn). */
static int
hs_reply_late(struct hs_http_conn *c)
{
	struct hs_http_reply rep = { .status = 500 };
	hs_http_reply_fn fn = c->reply_fn;
	struct hs_resp r;

	c->reply_fn = NULL;
	fn(c->body_ctx, &rep);
	r = (struct hs_resp){
		.status = rep.status,
		.text = rep.body,
		.text_len = rep.body_len,
		.text_type = rep.ctype,
		.head = c->body_head,
		.keep = c->reply_keep && !hs_status_closes(rep.status),
	};
	return hs_respond(c, &r);
}

/* A complete, valid head of head_len bytes is at the front of in[]. */
static int
hs_handle(struct hs_http_conn *c, size_t head_len)
{
	const struct hs_http_server *srv = c->srv;
	const struct hs_http_req *r = &c->rs->req;
	uint64_t body = r->has_content_length ? r->content_length : 0;
	bool head = r->method == HS_HTTP_METHOD_HEAD;
	bool get_head = r->method == HS_HTTP_METHOD_GET || head;
	/* the plain port in redirect mode serves nothing, the sink neither */
	bool sink = (srv->tls || !srv->plain_redirect) &&
		    hs_http_sink_match(srv, r);
	uint64_t limit = sink ? srv->max_body : HS_HTTP_MAX_BODY;
	bool keep;
	int rc;

	/* RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with
	 * "keep-alive" (§C.2.2). */
	if (hs_http_req_is_11(r))
		keep = !r->conn_close;
	else
		keep = r->conn_keep_alive && !r->conn_close;
	/* RFC 9112 §9.6: the last response of a connection at the
	 * keep-alive request limit says close */
	if (srv->keepalive_requests &&
	    c->requests + 1 >= srv->keepalive_requests)
		keep = false;

	c->body_fn = NULL;
	c->body_ctx = NULL;
	c->reply_fn = NULL;
	c->body_head = head;
	if (body > limit) {
		rc = hs_respond_error(c, 413, false);
	} else if (!srv->tls && srv->plain_redirect) {
		/* a body we do not read (other methods) closes */
		rc = hs_redirect_https(
			c, head,
			keep && (get_head || (body == 0 && !r->chunked)));
	} else if (!get_head && c->tls_early) {
		/* RFC 8470 §5.2: not replay-safe, retry after the handshake */
		rc = hs_respond_error(c, 425, keep && body == 0 && !r->chunked);
	} else if (sink) {
		rc = hs_route_sink(c, keep);
	} else if (!get_head) {
		rc = hs_respond_error(c, 405, keep && body == 0 && !r->chunked);
	} else {
		rc = hs_serve(c, head, keep);
	}
	if (!c->closing && (body > 0 || r->chunked)) {
		/* read the body before the response goes out */
		c->body_reading = true;
		c->body_chunked = r->chunked;
		c->body_left = body;
		if (r->chunked)
			hs_http_chunked_init(&c->chunk, limit);
		/* a response built now waits; a late one does not exist yet */
		c->held = c->reply_fn == NULL;
		rc = 0;
		/* RFC 9110 §10.1.1: a client waiting for 100 (Continue) gets
		 * it now; we never wait for content before sending it */
		if (hs_http_req_is_11(r) && hs_expects_continue(r)) {
			c->cont_len = sizeof(hs_continue) - 1;
			c->cont_off = 0;
		}
	}
	hs_consume(c, head_len);
	hs_http_req_init(&c->rs->req);
	if (c->reply_fn != NULL && !c->body_reading) {
		/* no body at all: complete, answer now */
		if (c->body_fn)
			c->body_fn(c->body_ctx, NULL, 0);
		c->body_fn = NULL;
		rc = hs_reply_late(c);
	}
	return rc;
}

static void
hs_body_data(void *ctx, const char *p, size_t n)
{
	struct hs_http_conn *c = ctx;

	if (c->body_fn)
		c->body_fn(c->body_ctx, p, n);
}

/* Read what has arrived of the request body: 1 when it is complete, 0
 * when more is needed, or minus the status to answer (400, 413, 431). */
static int
hs_body_input(struct hs_http_conn *c)
{
	size_t used, n;
	int rc;

	if (c->body_chunked) {
		rc = hs_http_chunked_decode(&c->chunk, c->rs->in, c->in_len,
					    &used, hs_body_data, c);
		hs_consume(c, used);
		if (rc == -EAGAIN)
			return 0;
		if (rc < 0)
			return -(int)c->chunk.error_status;
	} else {
		n = (size_t)HS_MIN(c->body_left, (uint64_t)c->in_len);
		if (n) {
			hs_body_data(c, c->rs->in, n);
			hs_consume(c, n);
			c->body_left -= n;
		}
		if (c->body_left)
			return 0;
	}
	c->body_reading = false;
	if (c->body_fn)
		c->body_fn(c->body_ctx, NULL, 0);
	c->body_fn = NULL;
	return 1;
}

/* The body being read will never complete. */
static void
hs_body_abort(struct hs_http_conn *c)
{
	hs_http_data_fn fn = c->body_fn;

	c->body_reading = false;
	c->body_fn = NULL;
	c->reply_fn = NULL;
	if (fn)
		fn(c->body_ctx, NULL, HS_HTTP_BODY_ABORTED);
}

void
hs_http_conn_release(struct hs_http_conn *c)
{
	if (c->body_reading)
		hs_body_abort(c);
	if (c->rs != NULL)
		hs_rs_give(c);
	c->in_len = 0;
	c->held = false;
	c->hdr_len = c->hdr_off = 0;
	c->body_len = c->body_off = 0;
	c->cont_len = c->cont_off = 0;
	c->rs_wait = false;
}

/* Drop the held response (it never goes out). */
static void
hs_drop_held(struct hs_http_conn *c)
{
	if (!c->held)
		return;
	c->held = false;
	c->hdr_len = c->hdr_off = 0;
	c->body = NULL;
	c->body_len = c->body_off = 0;
	c->requests--;
}

/* While a body is read: returns the status of the response released or
 * produced, 0 if the body is not complete yet. */
static int
hs_body_step(struct hs_http_conn *c)
{
	int b = hs_body_input(c);

	if (b == 0) {
		if (c->peer_eof) {
			/* half a request: nothing to answer */
			hs_drop_held(c);
			hs_body_abort(c);
			c->closing = true;
		}
		return 0;
	}
	if (b < 0) {
		struct hs_resp e = { .status = -b, .head = c->body_head };

		hs_drop_held(c);
		hs_body_abort(c);
		return hs_respond(c, &e);
	}
	if (c->reply_fn != NULL)
		return hs_reply_late(c);
	c->held = false;
	return c->status;
}

/* ---- access log ------------------------------------------------------ */

/* Keep (a prefix of) the request-line for hs_http_log_format(): it lives
 * in in[], which is compacted once the head is consumed. */
static void
hs_log_capture(struct hs_http_conn *c)
{
	const struct hs_http_req *r = &c->rs->req;
	size_t n;

	c->rs->log_line_len = 0;
	c->rs->log_ref_len = 0;
	c->rs->log_ua_len = 0;
	if (!r->in_headers)
		return;
	n = (size_t)r->method_len + 1 + r->target_len + 1 + 8;
	n = HS_MIN(n, sizeof(c->rs->log_line));
	memcpy(c->rs->log_line, r->method_str, n);
	c->rs->log_line_len = (uint16_t)n;
	if (!c->srv->access_log)
		return;
	for (uint32_t i = 0; i < r->num_headers; i++) {
		const struct hs_http_header *h = &r->headers[i];

		if (c->rs->log_ref_len == 0 && hs_name_is(h, "referer", 7)) {
			n = HS_MIN((size_t)h->value_len,
				   sizeof(c->rs->log_ref));
			memcpy(c->rs->log_ref, h->value, n);
			c->rs->log_ref_len = (uint8_t)n;
		} else if (c->rs->log_ua_len == 0 &&
			   hs_name_is(h, "user-agent", 10)) {
			n = HS_MIN((size_t)h->value_len, sizeof(c->rs->log_ua));
			memcpy(c->rs->log_ua, h->value, n);
			c->rs->log_ua_len = (uint8_t)n;
		}
	}
}

void
hs_http_log_record(const struct hs_http_conn *c, uint32_t client_ip, time_t t,
		   struct hs_log_rec *rec)
{
	rec->time = (int64_t)t;
	rec->bytes = c->body_len;
	rec->client_ip = client_ip;
	rec->status = c->status;
	rec->line_len = rec->ref_len = rec->ua_len = 0;
	if (c->rs != NULL) { /* always, right after a response was built */
		rec->line_len = (uint8_t)HS_MIN((size_t)c->rs->log_line_len,
						sizeof(rec->line));
		memcpy(rec->line, c->rs->log_line, rec->line_len);
		rec->ref_len = c->rs->log_ref_len;
		memcpy(rec->ref, c->rs->log_ref, rec->ref_len);
		rec->ua_len = c->rs->log_ua_len;
		memcpy(rec->ua, c->rs->log_ua, rec->ua_len);
	}
	rec->user_len =
		c->client_dn == NULL
			? 0
			: (uint8_t)strnlen(c->client_dn, sizeof(rec->user));
	if (rec->user_len > 0)
		memcpy(rec->user, c->client_dn, rec->user_len);
}

size_t
hs_http_log_format(const struct hs_http_conn *c, uint32_t client_ip, time_t t,
		   char *buf, size_t cap)
{
	struct hs_log_rec rec;

	hs_http_log_record(c, client_ip, t, &rec);
	return hs_log_format(&rec, false, buf, cap);
}

/* ---- public API ----------------------------------------------------- */

void
hs_http_server_defaults(struct hs_http_server *srv)
{
	if (srv->server_name == NULL)
		srv->server_name = "httpsd";
	srv->hsts_max_age = HS_HTTP_HSTS_MAX_AGE_DEFAULT;
	srv->hsts_subdomains = false;
	srv->hsts_preload = false;
	srv->plain_redirect = true;
	srv->https_port = 443;
	srv->keepalive_requests = HS_HTTP_KEEPALIVE_REQS_DEFAULT;
	srv->max_body = HS_HTTP_SINK_MAX_BODY_DEFAULT;
}

void
hs_http_conn_init(struct hs_http_conn *c, const struct hs_http_server *srv)
{
	memset(c, 0, sizeof(*c));
	c->srv = srv;
}

char *
hs_http_conn_inbuf(struct hs_http_conn *c, size_t *space)
{
	if (c->closing) {
		c->in_len = 0; /* swallow: nothing more is parsed */
		c->rs_wait = false;
		hs_rs_idle(c);
		*space = sizeof(hs_discard);
		return hs_discard;
	}
	if (c->rs == NULL && !hs_rs_take(c)) {
		*space = 0; /* retried when a block is released */
		return NULL;
	}
	*space = sizeof(c->rs->in) - c->in_len;
	return c->rs->in + c->in_len;
}

void
hs_http_conn_commit(struct hs_http_conn *c, size_t n)
{
	if (c->closing || c->rs == NULL)
		return;
	c->in_len += (uint32_t)HS_MIN(n, sizeof(c->rs->in) - c->in_len);
	hs_rs_idle(c); /* n == 0 */
}

static int
hs_process(struct hs_http_conn *c)
{
	int rc;

	if (c->body_reading) {
		rc = hs_body_step(c);
		if (rc != 0 || c->body_reading)
			return rc;
	}
	if (hs_output_pending(c) || c->closing)
		return 0;
	if (c->in_len == 0) {
		if (c->peer_eof)
			c->closing = true;
		return 0;
	}
	rc = hs_http_parse_request(&c->rs->req, c->rs->in, c->in_len);
	if (rc == -EAGAIN) {
		if (c->peer_eof) {
			c->closing = true; /* a partial request: drop */
			c->in_len = 0;
			return 0;
		}
		if (c->in_len < sizeof(c->rs->in))
			return 0;
		/* the head does not fit (RFC 9112 §3: 414 for a request-line
		 * too long, RFC 6585 §5: 431 for header fields) */
		hs_log_capture(c);
		return hs_respond_error(
			c, hs_http_req_in_request_line(&c->rs->req) ? 414 : 431,
			false);
	}
	hs_log_capture(c);
	if (rc < 0)
		return hs_respond_error(c, c->rs->req.error_status, false);
	rc = hs_handle(c, (size_t)rc);
	if (c->body_reading)
		rc = hs_body_step(c);
	return rc;
}

int
hs_http_conn_process(struct hs_http_conn *c)
{
	int rc = hs_process(c);

	if (c->closing)
		c->in_len = 0; /* never parsed now */
	hs_rs_idle(c);
	return rc;
}

size_t
hs_http_conn_output(struct hs_http_conn *c, const void **p)
{
	if (c->cont_off < c->cont_len) {
		*p = hs_continue + c->cont_off;
		return (size_t)(c->cont_len - c->cont_off);
	}
	if (c->held) {
		*p = NULL;
		return 0;
	}
	if (c->hdr_off < c->hdr_len) {
		*p = c->rs->hdr + c->hdr_off;
		return (size_t)(c->hdr_len - c->hdr_off);
	}
	if (c->body_off < c->body_len) {
		*p = c->body + c->body_off;
		return c->body_len - c->body_off;
	}
	*p = NULL;
	return 0;
}

void
hs_http_conn_sent(struct hs_http_conn *c, size_t n)
{
	size_t h = HS_MIN(n, (size_t)(c->cont_len - c->cont_off));

	c->cont_off += (uint8_t)h;
	n -= h;
	h = HS_MIN(n, (size_t)(c->hdr_len - c->hdr_off));

	c->hdr_off += (uint16_t)h;
	n -= h;
	c->body_off += HS_MIN(n, c->body_len - c->body_off);
	hs_rs_idle(c);
}

bool
hs_http_conn_should_close(const struct hs_http_conn *c)
{
	return c->closing && !hs_output_pending(c);
}

void
hs_http_conn_peer_eof(struct hs_http_conn *c)
{
	c->peer_eof = true;
	if (!hs_output_pending(c) && c->in_len == 0)
		c->closing = true;
	hs_rs_idle(c);
}
