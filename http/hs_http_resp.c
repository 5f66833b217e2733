/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http_resp.c - building HTTP/1.1 responses (see hs_http_int.h): the
 * status line and headers (Date, security headers, Location), error
 * pages, and files: the representation (gzip sibling, RFC 9110 §12.5.3),
 * conditional requests (RFC 9110 §13: 304, 412), ranges (RFC 9110 §14:
 * 206, 416), the directory redirect and the redirect to https.
 *
 * Nothing is allocated: the header block goes into c->rs->hdr, the body
 * points into the file cache; the per-thread state is the cached Date
 * string and scratch buffers for the decoded path and a Location.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hs_common.h"
#include "hs_http.h"
#include "hs_out.h"
#include "hs_http_int.h"

#define HS_CRLF "\r\n"

/* ---- per-thread state (no locks) ------------------------------------ */

static __thread time_t hs_date_sec = (time_t)-1;
static __thread char hs_date_buf[HS_HTTP_DATE_LEN + 1];
static __thread char hs_path_buf[HS_HTTP_IN_BUF + 1];
static __thread char hs_loc_buf[HS_HTTP_HDR_BUF];

/* RFC 9110 §6.6.1: Date, formatted once per second per thread. */
static const char *
hs_date_now(void)
{
	time_t now = time(NULL);

	if (now != hs_date_sec) {
		hs_http_imf_date(now, hs_date_buf);
		hs_date_sec = now;
	}
	return hs_date_buf;
}

/* ---- responses ------------------------------------------------------ */

#define HS_ERR_PAGE(code, text)                              \
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
	{ 412, HS_ERR_PAGE("412", "Precondition Failed") },
	{ 413, HS_ERR_PAGE("413", "Content Too Large") },
	{ 414, HS_ERR_PAGE("414", "URI Too Long") },
	{ 416, HS_ERR_PAGE("416", "Range Not Satisfiable") },
	{ 425, HS_ERR_PAGE("425", "Too Early") },
	{ 431, HS_ERR_PAGE("431", "Request Header Fields Too Large") },
	{ 500, HS_ERR_PAGE("500", "Internal Server Error") },
	{ 501, HS_ERR_PAGE("501", "Not Implemented") },
	{ 505, HS_ERR_PAGE("505", "HTTP Version Not Supported") },
};

static const char *
hs_err_page(int status)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(hs_err_pages); i++)
		if (hs_err_pages[i].status == status)
			return hs_err_pages[i].body;
	return hs_err_pages[1].body;
}


/* RFC 6797 §6.1 Strict-Transport-Security, only over TLS. */
static void
hs_put_security(struct hs_out *o, const struct hs_http_server *srv)
{
	if (!srv->tls)
		return;
	if (srv->hsts_max_age) {
		HS_PUTS(o, "Strict-Transport-Security: max-age=");
		hs_put_u64(o, srv->hsts_max_age);
		if (srv->hsts_subdomains)
			HS_PUTS(o, "; includeSubDomains");
		if (srv->hsts_preload)
			HS_PUTS(o, "; preload");
		HS_PUTS(o, HS_CRLF);
	}
	HS_PUTS(o, "X-Content-Type-Options: nosniff" HS_CRLF);
}

static void
hs_put_location(struct hs_out *o, const struct hs_resp *r)
{
	HS_PUTS(o, "Location: ");
	if (r->loc_prefix) {
		hs_put_str(o, r->loc_prefix);
		hs_put(o, r->loc_host, r->loc_host_len);
		if (r->loc_port && r->loc_port != 443) {
			HS_PUTS(o, ":");
			hs_put_u64(o, r->loc_port);
		}
	}
	hs_put(o, r->location, r->location_len);
	HS_PUTS(o, HS_CRLF);
}

int
hs_respond(struct hs_http_conn *c, const struct hs_resp *r)
{
	const struct hs_http_server *srv = c->srv;
	const struct hs_repr *rep = r->rep;
	struct hs_out o = { c->rs->hdr, 0, sizeof(c->rs->hdr), false };
	const uint8_t *body;
	const char *ctype;
	size_t body_len;
	bool file_body = rep && (r->status == 200 || r->status == 206);

	if (file_body) {
		body = rep->data;
		body_len = rep->size;
		if (r->status == 206) {
			body += r->first;
			body_len = (size_t)(r->last - r->first + 1);
		}
		ctype = rep->file->ctype;
	} else if (r->text) {
		body = (const uint8_t *)r->text;
		body_len = r->text_len;
		ctype = r->text_type ? r->text_type
				     : "text/plain; charset=utf-8";
	} else if (r->status == 304) {
		body = NULL; /* RFC 9110 §15.4.5: never a body */
		body_len = 0;
		ctype = NULL;
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
	HS_PUTS(&o, HS_CRLF);
	if (ctype) {
		HS_PUTS(&o, "Content-Type: ");
		hs_put_str(&o, ctype);
		/* RFC 9110 §8.6: HEAD gets the Content-Length a GET would
		 * get. */
		HS_PUTS(&o, HS_CRLF "Content-Length: ");
		hs_put_u64(&o, body_len);
		HS_PUTS(&o, HS_CRLF);
	}
	if (rep) {
		if (r->status == 206) {
			/* RFC 9110 §14.4 */
			HS_PUTS(&o, "Content-Range: bytes ");
			hs_put_u64(&o, r->first);
			HS_PUTS(&o, "-");
			hs_put_u64(&o, r->last);
			HS_PUTS(&o, "/");
			hs_put_u64(&o, rep->size);
			HS_PUTS(&o, HS_CRLF);
		} else if (r->status == 416) {
			/* RFC 9110 §15.5.17: the current length */
			HS_PUTS(&o, "Content-Range: bytes */");
			hs_put_u64(&o, rep->size);
			HS_PUTS(&o, HS_CRLF);
		}
		if (r->status != 416) {
			HS_PUTS(&o, "Last-Modified: ");
			hs_put_str(&o, rep->last_modified);
			HS_PUTS(&o, HS_CRLF "ETag: ");
			hs_put_str(&o, rep->etag);
			HS_PUTS(&o, HS_CRLF);
		}
		/* RFC 9110 §14.3 */
		if (r->status == 200 || r->status == 206)
			HS_PUTS(&o, "Accept-Ranges: bytes" HS_CRLF);
		if (rep->gzip && r->status != 416)
			HS_PUTS(&o, "Content-Encoding: gzip" HS_CRLF);
		/* RFC 9110 §12.5.5: on every variant, 304 included */
		if (rep->vary)
			HS_PUTS(&o, "Vary: Accept-Encoding" HS_CRLF);
	}
	if (r->location)
		hs_put_location(&o, r);
	if (r->allow)
		HS_PUTS(&o, "Allow: GET, HEAD" HS_CRLF);
	hs_put_security(&o, srv);
	if (r->keep)
		HS_PUTS(&o, "Connection: keep-alive" HS_CRLF HS_CRLF);
	else
		HS_PUTS(&o, "Connection: close" HS_CRLF HS_CRLF);

	if (o.over) {
		/* only a huge Location can get here: fall back to 414 for a
		 * redirect of a long target, 500 otherwise */
		struct hs_resp e = { .status = r->location ? 414 : 500,
				     .head = r->head };

		return hs_respond(c, &e);
	}
	c->hdr_len = (uint16_t)o.len;
	c->hdr_off = 0;
	c->body = r->head ? NULL : body;
	c->body_len = r->head ? 0 : body_len;
	c->body_off = 0;
	c->body_files = file_body ? srv->files : NULL;
	c->status = (uint16_t)r->status;
	c->close_after = !r->keep;
	if (!r->keep)
		c->closing = true;
	c->requests++;
	return r->status;
}

bool
hs_status_closes(int status)
{
	switch (status) {
	case 400:
	case 413:
	case 414:
	case 431:
	case 500:
	case 501:
	case 505:
		return true;
	default:
		return false;
	}
}

int
hs_respond_error(struct hs_http_conn *c, int status, bool keep)
{
	struct hs_resp r = {
		.status = status,
		.allow = status == 405,
		.head = c->rs->req.in_headers &&
			c->rs->req.method == HS_HTTP_METHOD_HEAD,
		.keep = keep && !hs_status_closes(status),
	};

	return hs_respond(c, &r);
}

/* ---- request header helpers ------------------------------------------ */

bool
hs_name_is(const struct hs_http_header *h, const char *lower, size_t n)
{
	if (h->name_len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = (uint8_t)h->name[i];

		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		if (ch != (uint8_t)lower[i])
			return false;
	}
	return true;
}

/* Next field named lower (a lowercase literal) after index *i (start with
 * *i = 0); NULL at the end.  Fields may repeat (RFC 9110 §5.3). */
static const struct hs_http_header *
hs_hdr_next(const struct hs_http_req *r, const char *lower, size_t n,
	    uint32_t *i)
{
	while (*i < r->num_headers) {
		const struct hs_http_header *h = &r->headers[(*i)++];

		if (hs_name_is(h, lower, n))
			return h;
	}
	return NULL;
}

#define HS_HDR_NEXT(r, lit, i) hs_hdr_next((r), lit, sizeof(lit) - 1, (i))

/* The only field named lit, NULL if absent; *dup set if it repeats. */
const struct hs_http_header *
hs_hdr_one(const struct hs_http_req *r, const char *lower, size_t n, bool *dup)
{
	uint32_t i = 0;
	const struct hs_http_header *h = hs_hdr_next(r, lower, n, &i);

	*dup = h && hs_hdr_next(r, lower, n, &i) != NULL;
	return h;
}


static bool
hs_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* ---- conditional requests (RFC 9110 §13) ----------------------------- */

/* Does a list of entity-tags (or "*") in the fields named lower match
 * etag?  weak: weak comparison (§8.8.3.2), else strong.  Our own tags are
 * always strong.  A malformed member ends the list (no match from it). */
static bool
hs_etag_list_match(const struct hs_http_req *r, const char *lower, size_t ln,
		   const char *etag, bool weak)
{
	size_t el = strlen(etag);
	const struct hs_http_header *h;
	uint32_t i = 0;

	while ((h = hs_hdr_next(r, lower, ln, &i)) != NULL) {
		const char *p = h->value, *end = p + h->value_len;

		while (p < end) {
			const char *q;
			bool w = false;

			if (hs_ows(*p) || *p == ',') {
				p++;
				continue;
			}
			if (*p == '*')
				return true;
			if (end - p >= 2 && p[0] == 'W' && p[1] == '/') {
				w = true;
				p += 2;
			}
			if (p == end || *p != '"')
				break;
			q = memchr(p + 1, '"', (size_t)(end - p - 1));
			if (q == NULL)
				break;
			q++;
			if ((size_t)(q - p) == el && memcmp(p, etag, el) == 0 &&
			    (weak || !w))
				return true;
			p = q;
		}
	}
	return false;
}

#define HS_ETAG_MATCH(r, lit, etag, weak) \
	hs_etag_list_match((r), lit, sizeof(lit) - 1, (etag), (weak))

/* A single valid HTTP-date in the only field named lower; false if
 * absent, repeated or invalid (the field is then ignored, §13.1.3). */
static bool
hs_hdr_date(const struct hs_http_req *r, const char *lower, size_t ln,
	    time_t *t)
{
	bool dup;
	const struct hs_http_header *h = hs_hdr_one(r, lower, ln, &dup);

	return h && !dup && hs_http_parse_date(h->value, h->value_len, t) == 0;
}

#define HS_HDR_DATE(r, lit, t) hs_hdr_date((r), lit, sizeof(lit) - 1, (t))

/* RFC 9110 §13.2.2 steps 1-4 for GET/HEAD: 412, 304, or 0 to go on. */
static int
hs_preconditions(const struct hs_http_req *r, const struct hs_repr *rep)
{
	bool dup;
	time_t t;

	/* 1. If-Match: strong comparison (§13.1.1) */
	if (HS_HDR_ONE(r, "if-match", &dup)) {
		if (!HS_ETAG_MATCH(r, "if-match", rep->etag, false))
			return 412;
	} else if (HS_HDR_DATE(r, "if-unmodified-since", &t)) {
		/* 2. If-Unmodified-Since (§13.1.4) */
		if (rep->mtime > t)
			return 412;
	}
	/* 3. If-None-Match: weak comparison; GET/HEAD -> 304 (§13.1.2) */
	if (HS_HDR_ONE(r, "if-none-match", &dup))
		return HS_ETAG_MATCH(r, "if-none-match", rep->etag, true) ? 304
									  : 0;
	/* 4. If-Modified-Since, only without If-None-Match (§13.1.3) */
	if (HS_HDR_DATE(r, "if-modified-since", &t) && rep->mtime <= t)
		return 304;
	return 0;
}

/* ---- Range (RFC 9110 §14) --------------------------------------------- */

/* 1*DIGIT at *p, saturating; false if no digit. */
static bool
hs_range_num(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	while (*p < end && **p >= '0' && **p <= '9') {
		if (x < UINT64_C(100000000000000000))
			x = x * 10 + (uint64_t)(**p - '0');
		else
			x = UINT64_MAX / 2; /* beyond any file size */
		(*p)++;
	}
	*v = x;
	return *p > s;
}

/* If-Range (§13.1.5): true when the Range may be honoured. */
static bool
hs_if_range_ok(const struct hs_http_req *r, const struct hs_repr *rep)
{
	bool dup;
	const struct hs_http_header *h = HS_HDR_ONE(r, "if-range", &dup);
	size_t el;
	time_t t;

	if (h == NULL)
		return true;
	if (dup)
		return false;
	if (h->value_len && (h->value[0] == '"' || h->value[0] == 'W')) {
		/* an entity-tag: strong comparison, weak never matches */
		el = strlen(rep->etag);
		return h->value_len == el &&
		       memcmp(h->value, rep->etag, el) == 0;
	}
	/* a date: only an exact match of Last-Modified */
	return hs_http_parse_date(h->value, h->value_len, &t) == 0 &&
	       t == rep->mtime;
}

/* Evaluate Range for a GET of rep.  Returns 206 with first and last set,
 * 416, or 0 to serve the whole representation with 200: no Range, an
 * invalid one (§14.2: MAY ignore), a failed If-Range, or more than one
 * range (our choice: the whole file, no multipart/byteranges). */
static int
hs_range(const struct hs_http_req *r, const struct hs_repr *rep,
	 uint64_t *first, uint64_t *last)
{
	bool dup;
	const struct hs_http_header *h = HS_HDR_ONE(r, "range", &dup);
	const char *p, *end;
	uint64_t a, b, len = rep->size;
	bool suffix = false, has_b = false;
	int n = 0;

	if (h == NULL || dup)
		return 0;
	p = h->value;
	end = p + h->value_len;
	/* range-unit is case-insensitive (§14.1) */
	if (end - p < 6 || strncasecmp(p, "bytes=", 6) != 0)
		return 0;
	p += 6;
	a = b = 0;
	while (p < end) {
		uint64_t x, y = 0;
		bool sx = false, hy = false;

		if (hs_ows(*p) || *p == ',') {
			p++;
			continue;
		}
		if (*p == '-') {
			p++;
			sx = true;
			if (!hs_range_num(&p, end, &x))
				return 0;
		} else {
			if (!hs_range_num(&p, end, &x) || p == end || *p != '-')
				return 0;
			p++;
			hy = hs_range_num(&p, end, &y);
			if (hy && y < x)
				return 0; /* §14.1.1: invalid */
		}
		while (p < end && hs_ows(*p))
			p++;
		if (p < end && *p != ',')
			return 0;
		if (n++ == 0) {
			a = x;
			b = y;
			suffix = sx;
			has_b = hy;
		}
	}
	if (n == 0)
		return 0;
	if (!hs_if_range_ok(r, rep))
		return 0;
	if (n > 1)
		return 0;
	if (suffix) {
		/* §14.1.2: the last a bytes; zero-length or empty: 416 */
		if (a == 0 || len == 0)
			return 416;
		*first = len - HS_MIN(a, len);
		*last = len - 1;
		return 206;
	}
	if (a >= len)
		return 416;
	*first = a;
	*last = has_b ? HS_MIN(b, len - 1) : len - 1;
	return 206;
}

/* ---- content negotiation (RFC 9110 §12.5.3) --------------------------- */

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ): zero? */
static bool
hs_q_zero(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '0' && s[i] != '.')
			return false;
	return true;
}

/* Does Accept-Encoding allow gzip?  "gzip" / "x-gzip" with q > 0, or "*"
 * with q > 0 when gzip is not named.  No field: identity is preferred. */
static bool
hs_accepts_gzip(const struct hs_http_req *r)
{
	const struct hs_http_header *h;
	int gzip = -1, star = -1; /* -1 unnamed, 0 forbidden, 1 allowed */
	uint32_t i = 0;

	while ((h = HS_HDR_NEXT(r, "accept-encoding", &i)) != NULL) {
		const char *p = h->value, *end = p + h->value_len;

		while (p < end) {
			const char *s, *e, *q = NULL, *qe = NULL;
			bool zero;

			while (p < end && (hs_ows(*p) || *p == ','))
				p++;
			s = p;
			while (p < end && *p != ',' && *p != ';' && !hs_ows(*p))
				p++;
			e = p;
			/* parameters: only q matters */
			while (p < end && *p != ',') {
				if (*p == ';') {
					p++;
					while (p < end && hs_ows(*p))
						p++;
					if (end - p >= 2 &&
					    (p[0] == 'q' || p[0] == 'Q') &&
					    p[1] == '=') {
						q = p + 2;
						qe = q;
						while (qe < end && *qe != ',' &&
						       *qe != ';' &&
						       !hs_ows(*qe))
							qe++;
					}
					continue;
				}
				p++;
			}
			if (e == s)
				continue;
			zero = q && hs_q_zero(q, (size_t)(qe - q));
			if ((e - s == 4 && strncasecmp(s, "gzip", 4) == 0) ||
			    (e - s == 6 && strncasecmp(s, "x-gzip", 6) == 0))
				gzip = gzip == 1 ? 1 : !zero;
			else if (e - s == 1 && *s == '*')
				star = !zero;
		}
	}
	return gzip == 1 || (gzip == -1 && star == 1);
}

static void
hs_select_repr(const struct hs_http_req *r, const struct hs_file *f,
	       struct hs_repr *rep)
{
	const struct hs_file *gz = f->gz;

	rep->file = f;
	rep->vary = gz != NULL;
	if (gz && hs_accepts_gzip(r)) {
		rep->data = gz->data;
		rep->size = gz->size;
		rep->etag = f->gz_etag;
		rep->last_modified = gz->last_modified;
		rep->mtime = gz->mtime;
		rep->gzip = true;
		return;
	}
	rep->data = f->data;
	rep->size = f->size;
	rep->etag = f->etag;
	rep->last_modified = f->last_modified;
	rep->mtime = f->mtime;
	rep->gzip = false;
}

static bool
hs_loc_char_ok(uint8_t ch)
{
	/* RFC 3986 pchar without '%' plus '/' */
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || strchr("-._~!$&'()*+,;=:@/", ch);
}

/* Location for a directory requested without its slash: the normalised
 * path re-encoded, "/", and the original query (RFC 9110 §10.2.2). */
static size_t
hs_build_location(const char *path, size_t n, const char *target, size_t tlen)
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
int
hs_serve(struct hs_http_conn *c, bool head, bool keep)
{
	const struct hs_http_req *r = &c->rs->req;
	struct hs_resp resp = { .status = 200, .head = head, .keep = keep };
	const struct hs_file *f;
	struct hs_repr rep;
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
			resp.location_len = hs_build_location(
				hs_path_buf, len, r->target, r->target_len);
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
	hs_select_repr(r, f, &rep);
	resp.rep = &rep;
	resp.status = hs_preconditions(r, &rep);
	if (resp.status == 412)
		return hs_respond_error(c, 412, keep);
	/* RFC 9110 §14.2: Range is defined for GET only (HEAD ignores it
	 * and mirrors the 200 headers) */
	if (resp.status == 0 && !head)
		resp.status = hs_range(r, &rep, &resp.first, &resp.last);
	if (resp.status == 0)
		resp.status = 200;
	return hs_respond(c, &resp);
}

/* reg-name / IPv4 / "[" IPv6 "]" characters we accept in a Host we echo
 * into a Location (RFC 3986 §3.2.2, without pct-encoded/sub-delims). */
static bool
hs_host_char(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
	       ch == '_' || ch == '~';
}

/* The host part of a Host value (port dropped); length, -1 if invalid. */
static int
hs_host_part(const char *h, size_t n)
{
	size_t i = 0;

	if (n && h[0] == '[') {
		/* IP-literal: hex digits, ':' and '.' up to ']' */
		for (i = 1; i < n && h[i] != ']'; i++)
			if (!isxdigit((uint8_t)h[i]) && h[i] != ':' &&
			    h[i] != '.')
				return -1;
		if (i == n)
			return -1;
		i++;
	} else {
		while (i < n && hs_host_char((uint8_t)h[i]))
			i++;
	}
	if (i < n && h[i] != ':')
		return -1;
	for (size_t k = i + 1; k < n; k++)
		if (h[k] < '0' || h[k] > '9')
			return -1;
	return (int)i;
}

/* Plain-port listener in redirect mode: 301 to the https URL of the same
 * target (RFC 9110 §15.4.2), for every method. */
int
hs_redirect_https(struct hs_http_conn *c, bool head, bool keep)
{
	const struct hs_http_server *srv = c->srv;
	const struct hs_http_req *r = &c->rs->req;
	struct hs_resp resp = { .status = 301,
				.head = head,
				.keep = keep,
				.loc_prefix = "https://",
				.loc_port = srv->https_port };
	const char *t = r->target, *end = t + r->target_len;
	int hl = r->host ? hs_host_part(r->host, r->host_len) : 0;

	if (hl < 0)
		return hs_respond_error(c, 400, false); /* RFC 9112 §3.2 */
	if (hl > 0) {
		resp.loc_host = r->host;
		resp.loc_host_len = (size_t)hl;
	} else if (srv->redirect_host) {
		resp.loc_host = srv->redirect_host;
		resp.loc_host_len = strlen(srv->redirect_host);
	} else {
		return hs_respond_error(c, 400, false);
	}
	if (t < end && *t != '/') {
		/* absolute-form (RFC 9112 §3.2.2): keep path and query;
		 * asterisk- and authority-form: "/" */
		const char *s = memchr(t, ':', (size_t)(end - t));

		if (s && end - s > 3 && s[1] == '/' && s[2] == '/') {
			for (t = s + 3; t < end && *t != '/' && *t != '?'; t++)
				;
		} else {
			t = end;
		}
	}
	if (t < end && *t == '/') {
		resp.location = t;
		resp.location_len = (size_t)(end - t);
	} else if (t < end) {
		/* "http://host?q": the path is empty, "/?q" */
		size_t n = HS_MIN((size_t)(end - t), sizeof(hs_loc_buf) - 1);

		hs_loc_buf[0] = '/';
		memcpy(hs_loc_buf + 1, t, n);
		resp.location = hs_loc_buf;
		resp.location_len = n + 1;
	} else {
		resp.location = "/";
		resp.location_len = 1;
	}
	return hs_respond(c, &resp);
}
