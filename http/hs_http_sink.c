/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http_sink.c - test upload endpoint (see hs_http_sink.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "hs_common.h"
#include "hs_http.h"
#include "hs_http_sink.h"

_Static_assert(sizeof(wc_Sha256) <= HS_HTTP_SINK_CTX,
	       "HS_HTTP_SINK_CTX too small for wc_Sha256");

static wc_Sha256 *
hs_sink_sha(struct hs_http_sink *s)
{
	return (wc_Sha256 *)(void *)s->ctx;
}

/* Case-insensitive: is the only Expect field "100-continue"? */
static bool
hs_sink_expects_continue(const struct hs_http_req *r)
{
	static const char want[] = "100-continue";

	for (uint32_t i = 0; i < r->num_headers; i++) {
		const struct hs_http_header *h = &r->headers[i];

		if (h->name_len == 6 && strncasecmp(h->name, "expect", 6) == 0 &&
		    h->value_len == sizeof(want) - 1 &&
		    strncasecmp(h->value, want, sizeof(want) - 1) == 0)
			return true;
	}
	return false;
}

bool
hs_http_sink_match(const struct hs_http_server *srv, const struct hs_http_req *r)
{
	return srv->upload_sink != NULL && r->method == HS_HTTP_METHOD_POST &&
	       r->target_len == srv->upload_sink_len &&
	       memcmp(r->target, srv->upload_sink, r->target_len) == 0;
}

int
hs_http_sink_start(struct hs_http_sink *s, const struct hs_http_server *srv,
		   const struct hs_http_req *r, bool keep, bool *cont)
{
	uint64_t body = r->has_content_length ? r->content_length : 0;

	*cont = false;
	s->active = false;
	/* RFC 9110 §15.5.12: we take Content-Length bodies only */
	if (r->chunked)
		return 411;
	if (body > srv->max_body)
		return 413;                /* RFC 9110 §15.5.14 */
	if (wc_InitSha256(hs_sink_sha(s)) != 0)
		return 500;
	s->left = s->total = body;
	s->keep = keep;
	s->active = true;
	/* RFC 9110 §10.1.1: only worth it when a body is still to come */
	*cont = body > 0 && hs_http_req_is_11(r) && hs_sink_expects_continue(r);
	return 0;
}

size_t
hs_http_sink_feed(struct hs_http_sink *s, const void *p, size_t n)
{
	size_t k = (size_t)HS_MIN((uint64_t)n, s->left);

	if (k == 0)
		return 0;
	/* a failure is reported by hs_http_sink_finish (the hash state
	 * keeps its error) */
	(void)wc_Sha256Update(hs_sink_sha(s), p, (word32)k);
	s->left -= k;
	return k;
}

int
hs_http_sink_finish(struct hs_http_sink *s)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[WC_SHA256_DIGEST_SIZE];
	char *o = s->result;
	int rc;

	s->active = false;
	rc = wc_Sha256Final(hs_sink_sha(s), d);
	wc_Sha256Free(hs_sink_sha(s));
	if (rc != 0)
		return -EIO;
	memcpy(o, "sha256=", 7);
	o += 7;
	for (size_t i = 0; i < sizeof(d); i++) {
		*o++ = hex[d[i] >> 4];
		*o++ = hex[d[i] & 15];
	}
	o += snprintf(o, sizeof(s->result) - (size_t)(o - s->result),
		      " bytes=%llu\n", (unsigned long long)s->total);
	s->result_len = (uint16_t)(o - s->result);
	return 0;
}

void
hs_http_sink_abort(struct hs_http_sink *s)
{
	if (!s->active)
		return;
	wc_Sha256Free(hs_sink_sha(s));
	s->active = false;
	s->left = 0;
}
