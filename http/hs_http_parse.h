/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http_parse.h - zero-copy, resumable HTTP/1.1 request-head parser.
 *
 * The parser never copies: every string in struct hs_http_req points into
 * the caller's buffer.  It is resumable: the request struct remembers how
 * far the buffer has been parsed (complete lines) and scanned (the partial
 * last line), so feeding a head one byte at a time costs O(total bytes).
 *
 * Usage:
 *	hs_http_req_init(&req);
 *	for (;;) {	// buf keeps its base and its first len bytes between calls
 *		rc = hs_http_parse_request(&req, buf, len);
 *		if (rc != -EAGAIN) break;
 *		... receive more bytes, len grows ...
 *	}
 *	rc > 0:        the head is complete and rc bytes long (body follows)
 *	rc == -EBADMSG: invalid; answer req.error_status (400, 431, 501, 505)
 *			and close the connection
 * Call hs_http_req_init() again before parsing the next request.
 *
 * Strictness (RFC 9112), chosen where the RFC leaves a choice:
 *  - Lines end with CRLF.  A bare LF (§2.2 MAY accept) and a bare CR
 *    anywhere are rejected with 400, as is NUL anywhere.
 *  - Empty lines (CRLF) before the request-line are ignored (§2.2).
 *  - request-line = method SP request-target SP HTTP-version, with exactly
 *    one SP (§3); method is a token (RFC 9110 §9.1, case-sensitive); the
 *    target is 1*(VCHAR without SP), no obs-text.
 *  - HTTP-version is "HTTP/" DIGIT "." DIGIT, case-sensitive (§2.3).
 *    1.0 is HTTP/1.0; 1.1 .. 1.9 are treated as HTTP/1.1 (§2.3: process as
 *    the highest minor version we conform to); major 0 or >= 2 -> 505
 *    (so the HTTP/2 preface "PRI * HTTP/2.0" gets 505).
 *  - field-name is a token followed directly by ':' (whitespace before the
 *    colon -> 400, §5.1); a line starting with SP/HTAB (obs-fold, §5.2)
 *    -> 400; OWS around the value is trimmed; the value may contain VCHAR,
 *    obs-text, SP, HTAB only.
 *  - more than HS_HTTP_MAX_HEADERS fields -> 431.
 *  - Host: exactly one in HTTP/1.1, at most one in HTTP/1.0 (§3.2) -> 400.
 *  - Content-Length: 1*DIGIT, at most HS_HTTP_CL_MAX; a second
 *    Content-Length field (even an equal one) -> 400 (§6.3).
 *  - Transfer-Encoding: with Content-Length -> 400 (§6.3 item 3); in an
 *    HTTP/1.0 request -> 400 (§6.1); "chunked" must be the final coding
 *    and appear once (else 400); any other coding -> 501 (§6.1).
 *  - Connection: comma-separated tokens; close and keep-alive recognised.
 */
#ifndef HS_HTTP_PARSE_H
#define HS_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define HS_HTTP_MAX_HEADERS 64
#define HS_HTTP_CL_MAX      UINT64_C(999999999999999999) /* 18 digits */

enum hs_http_method {
	HS_HTTP_METHOD_OTHER = 0,
	HS_HTTP_METHOD_GET,
	HS_HTTP_METHOD_HEAD,
	HS_HTTP_METHOD_POST,
	HS_HTTP_METHOD_PUT,
	HS_HTTP_METHOD_DELETE,
	HS_HTTP_METHOD_OPTIONS,
	HS_HTTP_METHOD_PATCH,
	HS_HTTP_METHOD_TRACE,
	HS_HTTP_METHOD_CONNECT,
};

struct hs_http_header {
	const char *name;  /* not NUL-terminated */
	const char *value; /* OWS-trimmed, not NUL-terminated */
	uint32_t name_len;
	uint32_t value_len;
};

struct hs_http_req {
	/* resume state: private to the parser */
	size_t parsed;   /* offset of the first line not yet parsed */
	size_t scanned;  /* [parsed, scanned) holds no LF */
	int result;      /* 0 while incomplete, else the final rc */
	bool in_headers; /* the request-line has been parsed */
	bool rl_sp_seen; /* partial request-line: SP after method seen */
	bool te_unknown; /* a coding other than chunked */
	bool te_bad;     /* chunked twice or not last, or empty */

	/* result */
	uint16_t error_status; /* HTTP status to answer when rc == -EBADMSG */
	enum hs_http_method method;
	const char *method_str;
	const char *target;
	uint32_t method_len;
	uint32_t target_len;
	uint8_t version_minor; /* as received: 0 = HTTP/1.0, >= 1 = HTTP/1.1 */
	uint8_t host_count;
	bool has_content_length;
	bool has_transfer_encoding;
	bool chunked;         /* Transfer-Encoding: chunked */
	bool conn_close;      /* Connection: close */
	bool conn_keep_alive; /* Connection: keep-alive */
	const char *host;     /* first Host value, NULL if none */
	uint32_t host_len;
	uint64_t content_length;
	uint32_t num_headers;
	struct hs_http_header headers[HS_HTTP_MAX_HEADERS]; /* keep last */
};

/* Reset req for a new request (cheap: the header array is not cleared). */
void hs_http_req_init(struct hs_http_req *req);

/* Parse (more of) a request head in buf[0..len).  Returns the head length
 * (> 0) when complete, -EAGAIN when more bytes are needed, -EBADMSG with
 * req->error_status set when the head is invalid.  Never reads buf[len]
 * or beyond.  Once a final result is returned it is returned again. */
int hs_http_parse_request(struct hs_http_req *req, const char *buf, size_t len);

/* True while the parser is still inside the request-line (for choosing 414
 * over 431 when the head does not fit in the buffer). */
static inline bool
hs_http_req_in_request_line(const struct hs_http_req *req)
{
	return !req->in_headers;
}

/* HTTP/1.1 semantics for the parsed request (minor >= 1). */
static inline bool
hs_http_req_is_11(const struct hs_http_req *req)
{
	return req->version_minor >= 1;
}

/* Case-insensitive lookup of a header field; NULL if absent. */
const struct hs_http_header *hs_http_req_header(const struct hs_http_req *req,
						const char *name);

/* Reason phrase for a status code ("Not Found"); "" if unknown. */
const char *hs_http_reason(int status);

/* ---- chunked request bodies (RFC 9112 §7.1) ----------------------------
 *
 * A byte-level state machine: it consumes every byte it is given (data
 * bytes are handed to the caller's callback as pointers into buf, never
 * copied), so the caller may drop consumed bytes at once and a body of
 * any size passes through a small buffer.  Resumable at any byte.
 *
 *	hs_http_chunked_init(&d, max_body);
 *	rc = hs_http_chunked_decode(&d, buf, len, &used, on_data, ctx);
 *	rc == 0:        the body, trailers and final CRLF are complete; the
 *	                next request starts at buf[used]
 *	rc == -EAGAIN:  used == len, feed more
 *	rc == -EBADMSG: answer d.error_status and close: 400 (invalid size,
 *	                extension, line ending, trailer field, NUL/CTL), 413
 *	                (decoded size above max_body, decided as soon as a
 *	                chunk-size line says so), 431 (trailer section above
 *	                HS_HTTP_TRAILER_MAX)
 *
 * Rules: chunk-size is 1*HEXDIG (no sign, no "0x", at most 16 significant
 * digits, else 400); chunk-ext = *( BWS ";" BWS token [ BWS "=" BWS
 * ( token / quoted-string ) ] ) (§7.1.1), the size line is at most
 * HS_HTTP_CHUNK_LINE_MAX bytes; CRLF after each chunk's data; trailer
 * fields (§7.1.2) are validated like header fields (token ":" value, no
 * obs-fold, no whitespace before the colon) and discarded.  Once a final
 * result is returned it is returned again (used = 0). */
#define HS_HTTP_CHUNK_LINE_MAX 4096
#define HS_HTTP_TRAILER_MAX    8192

typedef void (*hs_http_data_fn)(void *ctx, const char *p, size_t n);

struct hs_http_chunked {
	uint64_t left;    /* data bytes left in the current chunk */
	uint64_t total;   /* data bytes decoded so far */
	uint64_t max;     /* limit on total (413 above) */
	uint64_t size;    /* chunk-size being parsed */
	uint32_t line;    /* bytes of the current size line */
	uint32_t trailer; /* bytes of the trailer section */
	uint8_t state;
	uint8_t digits;        /* significant hex digits of size */
	uint16_t error_status; /* when -EBADMSG */
	int result;            /* 0 running, 1 complete, -EBADMSG */
};

void hs_http_chunked_init(struct hs_http_chunked *d, uint64_t max);
int hs_http_chunked_decode(struct hs_http_chunked *d, const char *buf,
			   size_t len, size_t *used, hs_http_data_fn fn,
			   void *ctx);

#endif
