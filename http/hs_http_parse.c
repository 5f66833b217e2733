/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http_parse.c - zero-copy, resumable HTTP/1.1 request-head parser.
 *
 * Works a complete line at a time: a line is parsed only once its LF is
 * in the buffer, so state between calls is just the offset of the next
 * line plus the facts already extracted.  The partial last line is only
 * scanned (for LF, and for bytes that are already decidably invalid).
 * See hs_http_parse.h for the rules enforced.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "hs_common.h"
#include "hs_http_parse.h"

/* RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" /
 * "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
static const uint8_t hs_tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
	['`'] = 1, ['|'] = 1, ['~'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1,
	['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1,
	['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,
	['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1,
	['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1,
	['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1,
	['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,
	['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
	['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1,
	['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static inline bool
hs_is_tchar(uint8_t c)
{
	return hs_tchar[c];
}

static inline bool
hs_is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* ASCII case-insensitive compare of n bytes against a lowercase literal. */
static bool
hs_ieq(const char *s, size_t n, const char *lower, size_t ln)
{
	if (n != ln)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != (uint8_t)lower[i])
			return false;
	}
	return true;
}

#define HS_IEQ(s, n, lit) hs_ieq((s), (n), lit, sizeof(lit) - 1)

static int
hs_fail(struct hs_http_req *req, uint16_t status)
{
	req->error_status = status;
	req->result = -EBADMSG;
	return -EBADMSG;
}

void
hs_http_req_init(struct hs_http_req *req)
{
	memset(req, 0, offsetof(struct hs_http_req, headers));
}

/* RFC 9110 §9.1: methods are case-sensitive. */
static enum hs_http_method
hs_method_lookup(const char *m, size_t n)
{
	static const struct {
		const char *name;
		uint8_t len;
		enum hs_http_method id;
	} tab[] = {
		{ "GET", 3, HS_HTTP_METHOD_GET },
		{ "HEAD", 4, HS_HTTP_METHOD_HEAD },
		{ "POST", 4, HS_HTTP_METHOD_POST },
		{ "PUT", 3, HS_HTTP_METHOD_PUT },
		{ "DELETE", 6, HS_HTTP_METHOD_DELETE },
		{ "OPTIONS", 7, HS_HTTP_METHOD_OPTIONS },
		{ "PATCH", 5, HS_HTTP_METHOD_PATCH },
		{ "TRACE", 5, HS_HTTP_METHOD_TRACE },
		{ "CONNECT", 7, HS_HTTP_METHOD_CONNECT },
	};

	for (size_t i = 0; i < HS_ARRAY_SIZE(tab); i++)
		if (tab[i].len == n && memcmp(tab[i].name, m, n) == 0)
			return tab[i].id;
	return HS_HTTP_METHOD_OTHER;
}

/* RFC 9112 §3: request-line = method SP request-target SP HTTP-version.
 * p[0..n) is the line without its CRLF. */
static int
hs_parse_request_line(struct hs_http_req *req, const char *p, size_t n)
{
	size_t i = 0, t;

	while (i < n && hs_is_tchar((uint8_t)p[i]))
		i++;
	if (i == 0 || i == n || p[i] != ' ')
		return hs_fail(req, 400);
	req->method_str = p;
	req->method_len = (uint32_t)i;
	req->method = hs_method_lookup(p, i);

	/* request-target: no whitespace, CTL or obs-text (RFC 3986 chars are
	 * a subset of VCHAR; finer checks belong to the path normaliser). */
	t = ++i;
	while (i < n && (uint8_t)p[i] > 0x20 && (uint8_t)p[i] < 0x7f)
		i++;
	if (i == t || i == n || p[i] != ' ')
		return hs_fail(req, 400);
	req->target = p + t;
	req->target_len = (uint32_t)(i - t);

	/* RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT */
	p += i + 1;
	n -= i + 1;
	if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || p[6] != '.' || p[5] < '0' ||
	    p[5] > '9' || p[7] < '0' || p[7] > '9')
		return hs_fail(req, 400);
	if (p[5] != '1')
		return hs_fail(req, 505); /* HTTP/0.x, HTTP/2.0 preface, ... */
	req->version_minor = (uint8_t)(p[7] - '0');
	req->in_headers = true;
	return 0;
}

/* RFC 9110 §8.6: Content-Length = 1*DIGIT. */
static int
hs_parse_content_length(struct hs_http_req *req, const char *v, size_t n)
{
	uint64_t x = 0;

	if (req->has_content_length || n == 0 || n > 18)
		return hs_fail(req, 400);
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return hs_fail(req, 400);
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	req->has_content_length = true;
	req->content_length = x;
	return 0;
}

/* Call fn for each element of a comma-separated list (RFC 9110 §5.6.1),
 * OWS-trimmed; empty elements are skipped as the RFC requires. */
static void
hs_list_each(const char *v, size_t n,
	     void (*fn)(struct hs_http_req *, const char *, size_t),
	     struct hs_http_req *req)
{
	size_t i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (hs_is_ows((uint8_t)v[i]) || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && hs_is_ows((uint8_t)v[e - 1]))
			e--;
		if (e > s)
			fn(req, v + s, e - s);
	}
}

/* RFC 9112 §6.1: chunked must be final and applied once; we know no other
 * transfer coding (501). */
static void
hs_te_elem(struct hs_http_req *req, const char *s, size_t n)
{
	if (req->chunked)
		req->te_bad =
			true; /* something after chunked, or chunked twice */
	if (HS_IEQ(s, n, "chunked"))
		req->chunked = true;
	else
		req->te_unknown = true;
}

/* RFC 9112 §9.3, §9.6: Connection options. */
static void
hs_conn_elem(struct hs_http_req *req, const char *s, size_t n)
{
	if (HS_IEQ(s, n, "close"))
		req->conn_close = true;
	else if (HS_IEQ(s, n, "keep-alive"))
		req->conn_keep_alive = true;
}

/* RFC 9112 §5: field-line = field-name ":" OWS field-value OWS. */
static int
hs_parse_header_line(struct hs_http_req *req, const char *p, size_t n)
{
	struct hs_http_header *h;
	size_t i = 0, vs, ve;

	/* §5.2 obs-fold (and §2.2 whitespace after the start-line): reject. */
	if (hs_is_ows((uint8_t)p[0]))
		return hs_fail(req, 400);
	while (i < n && hs_is_tchar((uint8_t)p[i]))
		i++;
	/* §5.1: no whitespace between field name and colon. */
	if (i == 0 || i == n || p[i] != ':')
		return hs_fail(req, 400);
	vs = i + 1;
	while (vs < n && hs_is_ows((uint8_t)p[vs]))
		vs++;
	ve = n;
	while (ve > vs && hs_is_ows((uint8_t)p[ve - 1]))
		ve--;
	/* RFC 9110 §5.5: field-value = *field-content of VCHAR / obs-text /
	 * SP / HTAB; CR, LF, NUL and other CTLs are invalid. */
	for (size_t k = vs; k < ve; k++) {
		uint8_t c = (uint8_t)p[k];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return hs_fail(req, 400);
	}
	if (req->num_headers == HS_HTTP_MAX_HEADERS)
		return hs_fail(req, 431);
	h = &req->headers[req->num_headers++];
	h->name = p;
	h->name_len = (uint32_t)i;
	h->value = p + vs;
	h->value_len = (uint32_t)(ve - vs);

	switch (i) {
	case 4:
		if (HS_IEQ(p, i, "host")) {
			/* RFC 9112 §3.2: more than one Host -> 400. */
			if (req->host_count++)
				return hs_fail(req, 400);
			req->host = h->value;
			req->host_len = h->value_len;
		}
		break;
	case 10:
		if (HS_IEQ(p, i, "connection"))
			hs_list_each(h->value, h->value_len, hs_conn_elem, req);
		break;
	case 14:
		if (HS_IEQ(p, i, "content-length"))
			return hs_parse_content_length(req, h->value,
						       h->value_len);
		break;
	case 17:
		if (HS_IEQ(p, i, "transfer-encoding")) {
			req->has_transfer_encoding = true;
			hs_list_each(h->value, h->value_len, hs_te_elem, req);
		}
		break;
	}
	return 0;
}

/* Checks that need the whole head. */
static int
hs_finish_head(struct hs_http_req *req, size_t head_len)
{
	if (req->has_transfer_encoding) {
		/* RFC 9112 §6.3 item 3: TE with CL is a smuggling attempt. */
		if (req->has_content_length)
			return hs_fail(req, 400);
		/* §6.1: TE in HTTP/1.0 means faulty framing. */
		if (req->version_minor == 0)
			return hs_fail(req, 400);
		if (req->te_bad || (!req->chunked && !req->te_unknown))
			return hs_fail(req, 400);
		if (req->te_unknown)
			return hs_fail(req, 501);
	}
	/* RFC 9112 §3.2: an HTTP/1.1 request without Host -> 400. */
	if (req->version_minor >= 1 && req->host_count != 1)
		return hs_fail(req, 400);
	if (head_len > INT_MAX)
		return hs_fail(req, 431);
	req->result = (int)head_len;
	return req->result;
}

/* The partial last line buf[from..len) (from >= start of the line): fail
 * early on bytes that can never become valid. */
static int
hs_check_partial(struct hs_http_req *req, const char *buf, size_t from,
		 size_t len)
{
	for (size_t i = from; i < len; i++) {
		uint8_t c = (uint8_t)buf[i];

		if (c == 0)
			return hs_fail(req, 400);
		/* a CR must be followed by LF (undecided at the end) */
		if (c == '\r' && i + 1 < len)
			return hs_fail(req, 400);
		/* the method of a request-line is a token */
		if (!req->in_headers && !req->rl_sp_seen) {
			if (c == ' ' && i > req->parsed)
				req->rl_sp_seen = true;
			else if (!hs_is_tchar(c) &&
				 !(c == '\r' && i == req->parsed))
				return hs_fail(req, 400);
		}
	}
	return -EAGAIN;
}

int
hs_http_parse_request(struct hs_http_req *req, const char *buf, size_t len)
{
	if (req->result)
		return req->result;

	for (;;) {
		size_t start = req->parsed, from = req->scanned, eol, n;
		const char *lf;

		lf = from < len ? memchr(buf + from, '\n', len - from) : NULL;
		if (lf == NULL) {
			req->scanned = len;
			/* re-check the byte before 'from': a CR there was
			 * undecided last time */
			return hs_check_partial(
				req, buf, from > start ? from - 1 : start, len);
		}
		eol = (size_t)(lf - buf);
		/* bytes before 'from' were checked by hs_check_partial and
		 * are re-validated by the line parsers below */
		req->parsed = req->scanned = eol + 1;
		req->rl_sp_seen = false;
		/* RFC 9112 §2.2: lines end in CRLF; bare LF rejected. */
		if (eol == start || buf[eol - 1] != '\r')
			return hs_fail(req, 400);
		n = eol - 1 - start;
		if (memchr(buf + start, '\0', n) ||
		    memchr(buf + start, '\r', n))
			return hs_fail(req, 400); /* NUL or bare CR */
		if (!req->in_headers) {
			/* §2.2: ignore empty lines before the request-line */
			if (n == 0)
				continue;
			if (hs_parse_request_line(req, buf + start, n) < 0)
				return -EBADMSG;
			continue;
		}
		if (n == 0)
			return hs_finish_head(req, eol + 1);
		if (hs_parse_header_line(req, buf + start, n) < 0)
			return -EBADMSG;
	}
}

const struct hs_http_header *
hs_http_req_header(const struct hs_http_req *req, const char *name)
{
	size_t ln = strlen(name);

	for (uint32_t i = 0; i < req->num_headers; i++) {
		const struct hs_http_header *h = &req->headers[i];

		if (h->name_len != ln)
			continue;
		size_t k;

		for (k = 0; k < ln; k++) {
			uint8_t a = (uint8_t)h->name[k], b = (uint8_t)name[k];

			if (a >= 'A' && a <= 'Z')
				a += 'a' - 'A';
			if (b >= 'A' && b <= 'Z')
				b += 'a' - 'A';
			if (a != b)
				break;
		}
		if (k == ln)
			return h;
	}
	return NULL;
}

const char *
hs_http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 416:
		return "Range Not Satisfiable";
	case 425:
		return "Too Early"; /* RFC 8470 §5.2 */
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "";
	}
}

/* ---- chunked transfer coding (RFC 9112 §7.1) ------------------------- */

enum hs_chunk_state {
	HS_CK_SIZE0,        /* first HEXDIG of chunk-size */
	HS_CK_SIZE,         /* more HEXDIG, ';', BWS or CR */
	HS_CK_BWS,          /* BWS after size / ext value: ';' must follow */
	HS_CK_EXT_NAME0,    /* after ';' BWS: first tchar of the name */
	HS_CK_EXT_NAME,     /* name tchars; '=', ';', BWS or CR */
	HS_CK_EXT_NAME_BWS, /* BWS after the name: '=' or ';' */
	HS_CK_EXT_VAL0,     /* after '=' BWS: token or quoted-string */
	HS_CK_EXT_TOKEN,
	HS_CK_EXT_QSTR,
	HS_CK_EXT_QESC, /* after a backslash in quoted-string */
	HS_CK_EXT_QEND, /* after the closing quote: ';', BWS or CR */
	HS_CK_SIZE_LF,  /* CR seen at the end of the size line */
	HS_CK_DATA,
	HS_CK_DATA_CR,
	HS_CK_DATA_LF,
	HS_CK_TR_START, /* start of a trailer line, or the final CRLF */
	HS_CK_TR_NAME,
	HS_CK_TR_VALUE,
	HS_CK_TR_LF,
	HS_CK_END_LF,
};

void
hs_http_chunked_init(struct hs_http_chunked *d, uint64_t max)
{
	memset(d, 0, sizeof(*d));
	d->max = max;
	d->state = HS_CK_SIZE0;
}

static int
hs_ck_fail(struct hs_http_chunked *d, uint16_t status)
{
	d->error_status = status;
	d->result = -EBADMSG;
	return -EBADMSG;
}

/* RFC 9110 §5.6.4 qdtext and quoted-pair's second byte. */
static bool
hs_is_qdtext(uint8_t c)
{
	return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
	       (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

static bool
hs_is_vchar_obs(uint8_t c)
{
	return (c > 0x20 && c != 0x7f);
}

int
hs_http_chunked_decode(struct hs_http_chunked *d, const char *buf, size_t len,
		       size_t *used, hs_http_data_fn fn, void *ctx)
{
	size_t i = 0;

	*used = 0;
	if (d->result)
		return d->result > 0 ? 0 : d->result;
	while (i < len) {
		uint8_t c = (uint8_t)buf[i];
		int h;

		if (d->state == HS_CK_DATA) {
			size_t n = (size_t)HS_MIN((uint64_t)(len - i), d->left);

			if (fn)
				fn(ctx, buf + i, n);
			i += n;
			d->left -= n;
			if (d->left == 0)
				d->state = HS_CK_DATA_CR;
			continue;
		}
		i++;
		if (d->state <= HS_CK_SIZE_LF &&
		    ++d->line > HS_HTTP_CHUNK_LINE_MAX)
			return hs_ck_fail(d, 400);
		if (d->state >= HS_CK_TR_START &&
		    ++d->trailer > HS_HTTP_TRAILER_MAX)
			return hs_ck_fail(d, 431);
		switch (d->state) {
		case HS_CK_SIZE0:
		case HS_CK_SIZE:
			h = hs_hexval(c);
			if (h >= 0) {
				if (d->size == 0 && h == 0) {
					d->state = HS_CK_SIZE; /* leading 0 */
					break;
				}
				if (++d->digits > 16)
					return hs_ck_fail(d, 400);
				d->size = d->size << 4 | (uint64_t)h;
				d->state = HS_CK_SIZE;
				break;
			}
			if (d->state == HS_CK_SIZE0)
				return hs_ck_fail(d, 400);
			if (c == ';')
				d->state = HS_CK_EXT_NAME0;
			else if (hs_is_ows(c))
				d->state = HS_CK_BWS;
			else if (c == '\r')
				d->state = HS_CK_SIZE_LF;
			else
				return hs_ck_fail(d, 400);
			break;
		case HS_CK_BWS:
			if (c == ';')
				d->state = HS_CK_EXT_NAME0;
			else if (!hs_is_ows(c))
				return hs_ck_fail(d, 400);
			break;
		case HS_CK_EXT_NAME0:
			if (hs_is_tchar(c))
				d->state = HS_CK_EXT_NAME;
			else if (!hs_is_ows(c))
				return hs_ck_fail(d, 400);
			break;
		case HS_CK_EXT_NAME:
			if (hs_is_tchar(c))
				break;
			if (c == '=')
				d->state = HS_CK_EXT_VAL0;
			else if (c == ';')
				d->state = HS_CK_EXT_NAME0;
			else if (hs_is_ows(c))
				d->state = HS_CK_EXT_NAME_BWS;
			else if (c == '\r')
				d->state = HS_CK_SIZE_LF;
			else
				return hs_ck_fail(d, 400);
			break;
		case HS_CK_EXT_NAME_BWS:
			if (c == '=')
				d->state = HS_CK_EXT_VAL0;
			else if (c == ';')
				d->state = HS_CK_EXT_NAME0;
			else if (!hs_is_ows(c))
				return hs_ck_fail(d, 400);
			break;
		case HS_CK_EXT_VAL0:
			if (c == '"')
				d->state = HS_CK_EXT_QSTR;
			else if (hs_is_tchar(c))
				d->state = HS_CK_EXT_TOKEN;
			else if (!hs_is_ows(c))
				return hs_ck_fail(d, 400);
			break;
		case HS_CK_EXT_TOKEN:
			if (hs_is_tchar(c))
				break;
			if (c == ';')
				d->state = HS_CK_EXT_NAME0;
			else if (hs_is_ows(c))
				d->state = HS_CK_BWS;
			else if (c == '\r')
				d->state = HS_CK_SIZE_LF;
			else
				return hs_ck_fail(d, 400);
			break;
		case HS_CK_EXT_QSTR:
			if (c == '"')
				d->state = HS_CK_EXT_QEND;
			else if (c == '\\')
				d->state = HS_CK_EXT_QESC;
			else if (!hs_is_qdtext(c))
				return hs_ck_fail(d, 400);
			break;
		case HS_CK_EXT_QESC:
			if (!(c == '\t' || c == ' ' || hs_is_vchar_obs(c)))
				return hs_ck_fail(d, 400);
			d->state = HS_CK_EXT_QSTR;
			break;
		case HS_CK_EXT_QEND:
			if (c == ';')
				d->state = HS_CK_EXT_NAME0;
			else if (hs_is_ows(c))
				d->state = HS_CK_BWS;
			else if (c == '\r')
				d->state = HS_CK_SIZE_LF;
			else
				return hs_ck_fail(d, 400);
			break;
		case HS_CK_SIZE_LF:
			if (c != '\n')
				return hs_ck_fail(d, 400);
			if (d->size > d->max - d->total)
				return hs_ck_fail(d, 413);
			d->line = 0;
			d->digits = 0;
			if (d->size == 0) {
				d->state = HS_CK_TR_START; /* last-chunk */
				break;
			}
			d->left = d->size;
			d->total += d->size;
			d->size = 0;
			d->state = HS_CK_DATA;
			break;
		case HS_CK_DATA_CR:
			if (c != '\r')
				return hs_ck_fail(d, 400);
			d->state = HS_CK_DATA_LF;
			break;
		case HS_CK_DATA_LF:
			if (c != '\n')
				return hs_ck_fail(d, 400);
			d->state = HS_CK_SIZE0;
			break;
		case HS_CK_TR_START:
			if (c == '\r')
				d->state = HS_CK_END_LF;
			else if (hs_is_tchar(c))
				d->state = HS_CK_TR_NAME;
			else
				return hs_ck_fail(d, 400); /* obs-fold, ... */
			break;
		case HS_CK_TR_NAME:
			if (c == ':')
				d->state = HS_CK_TR_VALUE;
			else if (!hs_is_tchar(c))
				return hs_ck_fail(d, 400);
			break;
		case HS_CK_TR_VALUE:
			if (c == '\r')
				d->state = HS_CK_TR_LF;
			else if (!(c == '\t' || c == ' ' || hs_is_vchar_obs(c)))
				return hs_ck_fail(d, 400);
			break;
		case HS_CK_TR_LF:
			if (c != '\n')
				return hs_ck_fail(d, 400);
			d->state = HS_CK_TR_START;
			break;
		case HS_CK_END_LF:
			if (c != '\n')
				return hs_ck_fail(d, 400);
			d->result = 1;
			*used = i;
			return 0;
		default:
			return hs_ck_fail(d, 400);
		}
	}
	*used = i;
	return -EAGAIN;
}
