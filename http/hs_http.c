/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http.c - HTTP/1.1 static-file engine, sans-I/O (see hs_http.h).
 *
 * Per request: parse the head in place (hs_http_parse.c), build the
 * response header block into c->hdr, point the body at the file cache,
 * then drop the head from in[] (memmove of the bytes that follow only).
 * Nothing is allocated; the only per-thread state is the cached Date
 * string and a scratch buffer for the decoded path.
 *
 * Choices (documented for the strict-HTTP work to extend):
 *  - Only GET and HEAD are implemented; everything else gets 405 with
 *    "Allow: GET, HEAD" (RFC 9110 §15.5.6).  A 405 for a request that
 *    carries a body closes the connection instead of reading the body.
 *  - A GET/HEAD request body with Content-Length is read and discarded
 *    (RFC 9110 §9.3.1: no defined semantics); a chunked body is answered
 *    with 400 and close until a chunked decoder exists.
 *  - Any declared body above HS_HTTP_MAX_BODY gets 413 and close.
 *  - 400, 413, 414, 431, 500, 501, 505 always close the connection: after
 *    such an error the framing of what follows cannot be trusted.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "hs_common.h"
#include "hs_http.h"

#define HS_CRLF "\r\n"

/* ---- per-thread state (no locks) ------------------------------------ */

static __thread time_t hs_date_sec = (time_t)-1;
static __thread char hs_date_buf[HS_HTTP_DATE_LEN + 1];
static __thread char hs_path_buf[HS_HTTP_IN_BUF + 1];
static __thread char hs_loc_buf[HS_HTTP_HDR_BUF];

/* RFC 9110 §6.6.1: Date, formatted once per second per thread. */
static const char *hs_date_now(void)
{
	time_t now = time(NULL);

	if (now != hs_date_sec) {
		hs_http_imf_date(now, hs_date_buf);
		hs_date_sec = now;
	}
	return hs_date_buf;
}

/* ---- bounded appender ----------------------------------------------- */

struct hs_out {
	char *p;
	size_t len, cap;
	bool over;
};

static void hs_put(struct hs_out *o, const char *s, size_t n)
{
	if (o->over || n > o->cap - o->len) {
		o->over = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

#define HS_PUTS(o, lit) hs_put((o), (lit), sizeof(lit) - 1)

static void hs_put_str(struct hs_out *o, const char *s)
{
	hs_put(o, s, strlen(s));
}

static void hs_put_u64(struct hs_out *o, uint64_t v)
{
	char b[20];
	int i = sizeof(b);

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	hs_put(o, b + i, sizeof(b) - (size_t)i);
}

/* ---- responses ------------------------------------------------------ */

#define HS_ERR_PAGE(code, text) \
	"<!DOCTYPE html>\n<html><head><title>" code " " text \
	"</title></head>\n<body><h1>" code " " text "</h1></body></html>\n"

static const struct {
	uint16_t status;
	const char *body;
} hs_err_pages[] = {
	{ 301, HS_ERR_PAGE("301", "Moved Permanently") },
	{ 400, HS_ERR_PAGE("400", "Bad Request") },
	{ 404, HS_ERR_PAGE("404", "Not Found") },
	{ 405, HS_ERR_PAGE("405", "Method Not Allowed") },
	{ 413, HS_ERR_PAGE("413", "Content Too Large") },
	{ 414, HS_ERR_PAGE("414", "URI Too Long") },
	{ 431, HS_ERR_PAGE("431", "Request Header Fields Too Large") },
	{ 500, HS_ERR_PAGE("500", "Internal Server Error") },
	{ 501, HS_ERR_PAGE("501", "Not Implemented") },
	{ 505, HS_ERR_PAGE("505", "HTTP Version Not Supported") },
};

static const char *hs_err_page(int status)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(hs_err_pages); i++)
		if (hs_err_pages[i].status == status)
			return hs_err_pages[i].body;
	return hs_err_pages[1].body;
}

struct hs_resp {
	int status;
	const struct hs_file *file;  /* 200: the file served */
	const char *location;        /* 301 */
	size_t location_len;
	bool allow;                  /* 405: Allow header */
	bool head;                   /* HEAD: headers only (RFC 9110 §9.3.2) */
	bool keep;                   /* keep the connection open */
};

static bool hs_output_pending(const struct hs_http_conn *c)
{
	return c->hdr_off < c->hdr_len || c->body_off < c->body_len;
}

static int hs_respond(struct hs_http_conn *c, const struct hs_resp *r)
{
	const struct hs_http_server *srv = c->srv;
	struct hs_out o = { c->hdr, 0, sizeof(c->hdr), false };
	const uint8_t *body;
	const char *ctype;
	size_t body_len;

	if (r->file) {
		body = r->file->data;
		body_len = r->file->size;
		ctype = r->file->ctype;
	} else {
		body = (const uint8_t *)hs_err_page(r->status);
		body_len = strlen((const char *)body);
		ctype = "text/html; charset=utf-8";
	}
	/* RFC 9110 §6.2: we answer with our highest version, HTTP/1.1. */
	HS_PUTS(&o, "HTTP/1.1 ");
	hs_put_u64(&o, (uint64_t)r->status);
	HS_PUTS(&o, " ");
	hs_put_str(&o, hs_http_reason(r->status));
	HS_PUTS(&o, HS_CRLF "Server: ");
	hs_put_str(&o, srv->server_name ? srv->server_name : "httpsd");
	HS_PUTS(&o, HS_CRLF "Date: ");
	hs_put(&o, hs_date_now(), HS_HTTP_DATE_LEN);
	HS_PUTS(&o, HS_CRLF "Content-Type: ");
	hs_put_str(&o, ctype);
	/* RFC 9110 §8.6: HEAD gets the Content-Length a GET would get. */
	HS_PUTS(&o, HS_CRLF "Content-Length: ");
	hs_put_u64(&o, body_len);
	HS_PUTS(&o, HS_CRLF);
	if (r->file) {
		HS_PUTS(&o, "Last-Modified: ");
		hs_put_str(&o, r->file->last_modified);
		HS_PUTS(&o, HS_CRLF "ETag: ");
		hs_put_str(&o, r->file->etag);
		HS_PUTS(&o, HS_CRLF);
	}
	if (r->location) {
		HS_PUTS(&o, "Location: ");
		hs_put(&o, r->location, r->location_len);
		HS_PUTS(&o, HS_CRLF);
	}
	if (r->allow)
		HS_PUTS(&o, "Allow: GET, HEAD" HS_CRLF);
	if (srv->tls) {
		/* RFC 6797: HSTS only over a secure transport. */
		HS_PUTS(&o, "Strict-Transport-Security: max-age=31536000" HS_CRLF
			"X-Content-Type-Options: nosniff" HS_CRLF);
	}
	if (r->keep)
		HS_PUTS(&o, "Connection: keep-alive" HS_CRLF HS_CRLF);
	else
		HS_PUTS(&o, "Connection: close" HS_CRLF HS_CRLF);

	if (o.over) {
		/* only a huge Location can get here: fall back to 500 */
		struct hs_resp e = { .status = 500, .head = r->head };

		return hs_respond(c, &e);
	}
	c->hdr_len = (uint16_t)o.len;
	c->hdr_off = 0;
	c->body = r->head ? NULL : body;
	c->body_len = r->head ? 0 : body_len;
	c->body_off = 0;
	c->status = (uint16_t)r->status;
	c->close_after = !r->keep;
	if (!r->keep)
		c->closing = true;
	c->requests++;
	return r->status;
}

static bool hs_status_closes(int status)
{
	switch (status) {
	case 400: case 413: case 414: case 431:
	case 500: case 501: case 505:
		return true;
	default:
		return false;
	}
}

static int hs_respond_error(struct hs_http_conn *c, int status, bool keep)
{
	struct hs_resp r = {
		.status = status,
		.allow = status == 405,
		.head = c->req.in_headers &&
			c->req.method == HS_HTTP_METHOD_HEAD,
		.keep = keep && !hs_status_closes(status),
	};

	return hs_respond(c, &r);
}

/* ---- request handling ----------------------------------------------- */

/* Drop n bytes from the front of in[]; only the rest moves. */
static void hs_consume(struct hs_http_conn *c, size_t n)
{
	if (n >= c->in_len) {
		c->in_len = 0;
		return;
	}
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= (uint32_t)n;
}

static bool hs_loc_char_ok(uint8_t ch)
{
	/* RFC 3986 pchar without '%' plus '/' */
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || strchr("-._~!$&'()*+,;=:@/", ch);
}

/* Location for a directory requested without its slash: the normalised
 * path re-encoded, "/", and the original query (RFC 9110 §10.2.2). */
static size_t hs_build_location(const char *path, size_t n,
				const char *target, size_t tlen)
{
	static const char hex[] = "0123456789ABCDEF";
	struct hs_out o = { hs_loc_buf, 0, sizeof(hs_loc_buf), false };
	const char *q = memchr(target, '?', tlen);

	for (size_t i = 0; i < n; i++) {
		uint8_t ch = (uint8_t)path[i];

		if (ch && hs_loc_char_ok(ch)) {
			hs_put(&o, (const char *)&ch, 1);
		} else {
			char e[3] = { '%', hex[ch >> 4], hex[ch & 15] };

			hs_put(&o, e, 3);
		}
	}
	HS_PUTS(&o, "/");
	if (q) {
		const char *end = memchr(q, '#', (size_t)(target + tlen - q));

		hs_put(&o, q, (size_t)((end ? end : target + tlen) - q));
	}
	return o.over ? sizeof(hs_loc_buf) + 1 : o.len;
}

/* GET / HEAD of the normalised target. */
static int hs_serve(struct hs_http_conn *c, bool head, bool keep)
{
	const struct hs_http_req *r = &c->req;
	struct hs_resp resp = { .status = 200, .head = head, .keep = keep };
	const struct hs_file *f;
	size_t len;
	bool slash;
	int n;

	n = hs_http_path_normalize(r->target, r->target_len, hs_path_buf);
	if (n < 0)
		return hs_respond_error(c, 400, keep);
	len = (size_t)n;
	slash = len > 1 && hs_path_buf[len - 1] == '/';
	f = hs_files_lookup(c->srv->files, hs_path_buf, slash ? len - 1 : len);
	if (f == NULL)
		return hs_respond_error(c, 404, keep);
	if (f->is_dir) {
		if (!slash && len > 1) {
			/* a directory without its slash: relative links in
			 * its index would resolve wrongly; redirect */
			resp.status = 301;
			resp.location = hs_loc_buf;
			resp.location_len = hs_build_location(hs_path_buf, len,
							      r->target,
							      r->target_len);
			if (resp.location_len > sizeof(hs_loc_buf))
				return hs_respond_error(c, 500, false);
			return hs_respond(c, &resp);
		}
		if (f->index == NULL)
			return hs_respond_error(c, 404, keep);
		f = f->index;
	} else if (slash) {
		return hs_respond_error(c, 404, keep);
	}
	resp.file = f;
	return hs_respond(c, &resp);
}

/* A complete, valid head of head_len bytes is at the front of in[]. */
static int hs_handle(struct hs_http_conn *c, size_t head_len)
{
	const struct hs_http_req *r = &c->req;
	uint64_t body = r->has_content_length ? r->content_length : 0;
	bool head = r->method == HS_HTTP_METHOD_HEAD;
	bool keep;
	int rc;

	/* RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with
	 * "keep-alive" (§C.2.2). */
	if (hs_http_req_is_11(r))
		keep = !r->conn_close;
	else
		keep = r->conn_keep_alive && !r->conn_close;

	if (body > HS_HTTP_MAX_BODY) {
		rc = hs_respond_error(c, 413, false);
	} else if (r->method != HS_HTTP_METHOD_GET && !head) {
		rc = hs_respond_error(c, 405,
				      keep && body == 0 && !r->chunked);
	} else if (r->chunked) {
		rc = hs_respond_error(c, 400, false);
	} else {
		rc = hs_serve(c, head, keep);
		if (!c->closing)
			c->discard = (uint32_t)body;
	}
	hs_consume(c, head_len);
	hs_http_req_init(&c->req);
	return rc;
}

/* A GET/HEAD body being skipped: drop what has arrived of it. */
static void hs_discard_input(struct hs_http_conn *c)
{
	size_t n = HS_MIN((size_t)c->discard, (size_t)c->in_len);

	if (n) {
		hs_consume(c, n);
		c->discard -= (uint32_t)n;
	}
}

/* ---- public API ----------------------------------------------------- */

void hs_http_conn_init(struct hs_http_conn *c, const struct hs_http_server *srv)
{
	memset(c, 0, offsetof(struct hs_http_conn, hdr));
	c->srv = srv;
	hs_http_req_init(&c->req);
}

char *hs_http_conn_inbuf(struct hs_http_conn *c, size_t *space)
{
	if (c->closing) {
		c->in_len = 0;        /* swallow: nothing more is parsed */
		*space = sizeof(c->in);
		return c->in;
	}
	*space = sizeof(c->in) - c->in_len;
	return c->in + c->in_len;
}

void hs_http_conn_commit(struct hs_http_conn *c, size_t n)
{
	if (c->closing)
		return;
	c->in_len += (uint32_t)HS_MIN(n, sizeof(c->in) - c->in_len);
}

int hs_http_conn_process(struct hs_http_conn *c)
{
	int rc;

	hs_discard_input(c);
	if (hs_output_pending(c) || c->closing)
		return 0;
	if (c->discard || c->in_len == 0) {
		if (c->peer_eof)
			c->closing = true;
		return 0;
	}
	rc = hs_http_parse_request(&c->req, c->in, c->in_len);
	if (rc == -EAGAIN) {
		if (c->peer_eof) {
			c->closing = true;      /* a partial request: drop */
			return 0;
		}
		if (c->in_len < sizeof(c->in))
			return 0;
		/* the head does not fit (RFC 9112 §3: 414 for a request-line
		 * too long, RFC 6585 §5: 431 for header fields) */
		return hs_respond_error(c, hs_http_req_in_request_line(&c->req) ?
					414 : 431, false);
	}
	if (rc < 0)
		return hs_respond_error(c, c->req.error_status, false);
	return hs_handle(c, (size_t)rc);
}

size_t hs_http_conn_output(struct hs_http_conn *c, const void **p)
{
	if (c->hdr_off < c->hdr_len) {
		*p = c->hdr + c->hdr_off;
		return (size_t)(c->hdr_len - c->hdr_off);
	}
	if (c->body_off < c->body_len) {
		*p = c->body + c->body_off;
		return c->body_len - c->body_off;
	}
	*p = NULL;
	return 0;
}

void hs_http_conn_sent(struct hs_http_conn *c, size_t n)
{
	size_t h = HS_MIN(n, (size_t)(c->hdr_len - c->hdr_off));

	c->hdr_off += (uint16_t)h;
	n -= h;
	c->body_off += HS_MIN(n, c->body_len - c->body_off);
}

bool hs_http_conn_should_close(const struct hs_http_conn *c)
{
	return c->closing && !hs_output_pending(c);
}

void hs_http_conn_peer_eof(struct hs_http_conn *c)
{
	c->peer_eof = true;
	if (!hs_output_pending(c) && c->in_len == 0)
		c->closing = true;
}
