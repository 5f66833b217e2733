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
#include <time.h>

#include "hs_http_files.h"
#include "hs_http_parse.h"
#include "hs_http_sink.h"
#include "hs_log.h"

#define HS_HTTP_IN_BUF   8192 /* request line + headers limit (431 / 414 above) */
#define HS_HTTP_HDR_BUF  1024       /* response header block */
#define HS_HTTP_MAX_BODY (1u << 20) /* request bodies above this get 413 */
#define HS_HTTP_LOG_LINE \
	HS_LOG_LINE_MAX /* request-line bytes kept for the log */

/* Per-listener configuration, read-only while serving.  Call
 * hs_http_server_defaults() first: a zeroed struct means "no HSTS, serve
 * on the plain port, no keep-alive request limit". */
struct hs_http_server {
	const struct hs_file_cache *files;
	bool tls;                /* adds security headers when true */
	const char *server_name; /* "Server:" value, "httpsd" */
	/* RFC 6797 Strict-Transport-Security (TLS listeners only) */
	uint32_t hsts_max_age; /* seconds; 0: no HSTS header */
	bool hsts_subdomains;  /* "; includeSubDomains" */
	bool hsts_preload;     /* "; preload" */
	/* plain (non-TLS) listener: answer every request with a 301 to
	 * https://<Host without port, else redirect_host>[:https_port]<target>
	 * instead of serving */
	bool plain_redirect;
	uint16_t https_port;       /* 443 (or 0) is left out of the URL */
	const char *redirect_host; /* for requests without a Host, NULL:
					 * 400 for those */
	/* responses per connection; the last one says Connection: close
	 * (nginx keepalive_requests); 0: unlimited */
	uint32_t keepalive_requests;
	/* the access log is on: keep Referer and User-Agent of each request
	 * for hs_http_log_record() */
	bool access_log;
	/* the pool request state blocks come from (this lcore's); NULL: a
	 * per-thread pool without bound */
	struct hs_http_rpool *rpool;
	/* test upload endpoint (hs_http_sink.h): a POST to exactly this
	 * target is hashed and answered with its digest; NULL: off */
	const char *upload_sink;
	size_t upload_sink_len;
	uint64_t max_body; /* its body limit (413 above) */
};

#define HS_HTTP_HSTS_MAX_AGE_DEFAULT   31536000u
#define HS_HTTP_KEEPALIVE_REQS_DEFAULT 1000u

/* nginx-like defaults for the knobs above (HSTS one year, no
 * includeSubDomains/preload, plain port redirects to 443, 1000 requests
 * per connection, server_name "httpsd" if unset).  Leaves files, tls and
 * redirect_host untouched. */
void hs_http_server_defaults(struct hs_http_server *srv);

/* A response whose content is decided only once the request body has
 * been read (the digest of an upload): filled in by a hs_http_reply_fn.
 * body == NULL answers status with its error page. */
struct hs_http_reply {
	int status;
	const char *ctype; /* Content-Type of body */
	const void *body;  /* valid until the response is sent */
	size_t body_len;
};

typedef void (*hs_http_reply_fn)(void *ctx, struct hs_http_reply *rep);

/* What a connection needs only while a request is in progress: its input
 * (the parser's zero-copy pointers point into in[]), the parser state,
 * the response header block and the access-log copies of the request.
 * Taken from a pool when input arrives for a connection that has none,
 * given back once the connection is idle again (no input buffered, no
 * body being read, no response in flight), so an idle keep-alive
 * connection holds none. */
struct hs_http_rstate {
	struct hs_http_rstate *next;     /* the pool's free list */
	uint16_t log_line_len;           /* request-line of the response in */
	uint8_t log_ref_len, log_ua_len; /* flight, truncated, for the log; */
	char log_line[HS_HTTP_LOG_LINE]; /* its Referer and User-Agent */
	char log_ref[HS_LOG_REF_MAX];    /* (srv->access_log only) */
	char log_ua[HS_LOG_UA_MAX];
	char hdr[HS_HTTP_HDR_BUF];
	char in[HS_HTTP_IN_BUF];
	struct hs_http_req req;   /* parser state of the next request */
	struct hs_http_sink sink; /* upload being hashed (--upload-sink) */
};

/* A pool of request state blocks, one per lcore (no lock), grown in
 * chunks of HS_HTTP_RPOOL_CHUNK blocks up to max (0: no bound); blocks
 * are never freed before hs_http_rpool_fini().  When none is free a
 * connection does not read (its bytes stay in the transport's receive
 * queue) and waits counts it; the transport retries it once a block
 * has come back (hs_server.c: srv_kick). */
#define HS_HTTP_RPOOL_CHUNK 32
struct hs_http_rpool {
	struct hs_http_rstate *free;
	struct hs_http_rchunk *chunks;
	uint32_t total;  /* blocks allocated */
	uint32_t in_use; /* blocks held by connections */
	uint32_t max;    /* bound on total, 0: none */
	uint64_t waits;  /* a connection found no block (http_rstate_wait) */
};

void hs_http_rpool_init(struct hs_http_rpool *p, uint32_t max);
/* Free every block: none may be in use. */
void hs_http_rpool_fini(struct hs_http_rpool *p);

struct hs_http_conn {
	const struct hs_http_server *srv;
	/* input */
	uint32_t in_len; /* bytes in in[] */
	/* request body being read (RFC 9112 §6.3): Content-Length bytes
	 * left, or the chunked decoder.  The response to the request is
	 * ready but held back until the body has been read. */
	bool body_reading;
	bool body_chunked;
	bool body_head;             /* the request was HEAD */
	bool held;                  /* response held until body read */
	uint8_t cont_len, cont_off; /* interim "100 Continue" to send */
	uint64_t body_left;
	struct hs_http_chunked chunk;
	/* consumer of the decoded request body bytes (NULL: discard): set
	 * per request by whoever routes it (e.g. an upload sink), cleared
	 * when the next request starts.  Called with pointers into in[]
	 * valid only during the call; then exactly once with p == NULL:
	 * n == 0 when the body is complete, n == HS_HTTP_BODY_ABORTED when
	 * it never will be (bad framing 400, 413, the peer left, the
	 * connection was released): drop what was received. */
	hs_http_data_fn body_fn;
	void *body_ctx;
	/* set with body_fn by a route whose response depends on the body:
	 * no response is built when the head arrives; once the body is
	 * complete (after body_fn(body_ctx, NULL, 0)) the engine calls
	 * reply_fn(body_ctx, &reply) and answers with it (keep-alive as
	 * reply_keep).  Never called for an aborted body. */
	hs_http_reply_fn reply_fn;
	bool reply_keep;
	/* current response */
	uint16_t hdr_len, hdr_off;
	const uint8_t *body;
	size_t body_len, body_off;
	const struct hs_file_cache *body_files; /* cache body points into */
	uint16_t status;   /* status of the response in flight */
	bool close_after;  /* close once this response is drained */
	bool closing;      /* no further requests will be read */
	bool peer_eof;     /* the peer half-closed */
	uint32_t requests; /* served on this connection */
	/* Set by the transport (hs_server.c) for the requests it delivers: */
	const char *client_dn; /* subject of the verified TLS client
					 * certificate, NULL if none (logged
					 * as the CLF user) */
	bool tls_early;        /* input arrives in TLS 1.3 early data:
					 * only GET/HEAD are served, others get
					 * 425 Too Early (RFC 8470 §5.2) */
	/* the request state block while a request is in progress (input
	 * buffered, a body being read, a response not yet drained), NULL
	 * on an idle connection: see struct hs_http_rstate */
	struct hs_http_rstate *rs;
	bool rs_wait; /* input waits for a block (the pool is exhausted) */
};

void hs_http_conn_init(struct hs_http_conn *c,
		       const struct hs_http_server *srv);

/* Where to write received bytes: returns a pointer and the free space.
 * Space 0 means "do not read now" (the buffer is full while a response
 * drains, or no request state block is free: then c->rs_wait is set and
 * the transport retries when the pool's release callback runs), not an
 * error.  Once the connection is closing, input is still
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

#define HS_HTTP_BODY_ABORTED ((size_t)-1)

/* The connection is going away (closed, reset, server shutdown): tell a
 * body consumer its body was aborted, give the request state block back
 * to its pool.  Nothing else to free. */
void hs_http_conn_release(struct hs_http_conn *c);

/* The file cache the response in flight (held while its request body is
 * read, or being sent) still has body bytes to send from; NULL if none
 * (no body, HEAD, 304, an error page, or the body fully handed over).
 * It changes only in hs_http_conn_process() (a new response) and
 * hs_http_conn_sent() (to NULL): a transport keeps the cache alive while
 * this returns it, taking that hold right after the process call that
 * built the response (the cache is srv->files at that moment). */
static inline const struct hs_file_cache *
hs_http_conn_body_files(const struct hs_http_conn *c)
{
	return c->body_off < c->body_len ? c->body_files : NULL;
}

/* True while the response in flight (held or being sent) has its body in
 * fc: a cache swapped out (SIGHUP re-scan) may be freed once no
 * connection answers from it.  The unit tests use it; hs_server.c counts
 * holds with hs_http_conn_body_files() above. */
static inline bool
hs_http_conn_uses_files(const struct hs_http_conn *c,
			const struct hs_file_cache *fc)
{
	return fc != NULL && hs_http_conn_body_files(c) == fc;
}

/* True when the next output chunk (hs_http_conn_output) is response
 * body from the file cache: memory that lives as long as the cache, so a
 * transport may queue it by reference (hs_tcp_send_ext) while it keeps
 * the cache alive.  Headers, interim responses and generated bodies
 * (error pages, upload replies) are not. */
static inline bool
hs_http_conn_output_is_file(const struct hs_http_conn *c)
{
	return c->body_files != NULL && c->cont_off >= c->cont_len &&
	       !c->held && c->hdr_off >= c->hdr_len &&
	       c->body_off < c->body_len;
}

/* True while a request body is being read (for the body timeout). */
static inline bool
hs_http_conn_reading_body(const struct hs_http_conn *c)
{
	return c->body_reading;
}

/* True while a request body with a consumer (body_fn, e.g. an upload)
 * is being read: its read deadline restarts on progress. */
static inline bool
hs_http_conn_reading_upload(const struct hs_http_conn *c)
{
	return c->body_reading && c->body_fn != NULL;
}

/* Access log: format the response just produced by
 * hs_http_conn_process() (call right after it returned a status) as a
 * Common Log Format line with a trailing newline:
 *   198.18.0.2 - - [23/Nov/2026:09:32:50 +0000] "GET / HTTP/1.1" 200 29
 * (the third field is client_dn, escaped like the request line and with
 * spaces as \x20, when the connection has a verified client certificate)
 * client_ip is in network byte order; t the request time.  The request
 * line is escaped (", \, control and non-ASCII bytes as \xHH) and "-"
 * when the request-line itself was invalid; bytes is the body length
 * sent (0 for HEAD and 304).  Writes at most cap bytes including a NUL;
 * returns the line length, 0 if it did not fit.  No allocation, no lock:
 * for the per-lcore ring. */
size_t hs_http_log_format(const struct hs_http_conn *c, uint32_t client_ip,
			  time_t t, char *buf, size_t cap);

/* The same facts as an access-log ring record (hs_log.h), for the
 * response just produced; a few copies, no formatting. */
void hs_http_log_record(const struct hs_http_conn *c, uint32_t client_ip,
			time_t t, struct hs_log_rec *rec);

#endif
