/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http_sink.c - test upload endpoint (see hs_http_sink.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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

bool
hs_http_sink_match(const struct hs_http_server *srv,
		   const struct hs_http_req *r)
{
	return srv->upload_sink != NULL && r->method == HS_HTTP_METHOD_POST &&
	       r->target_len == srv->upload_sink_len &&
	       memcmp(r->target, srv->upload_sink, r->target_len) == 0;
}

int
hs_http_sink_start(struct hs_http_sink *s)
{
	s->active = false;
	s->failed = false;
	s->bytes = 0;
	s->result_len = 0;
	if (wc_InitSha256(hs_sink_sha(s)) != 0)
		return -EIO;
	s->active = true;
	return 0;
}

/* The body is complete: format the digest line into s->result. */
static void
hs_sink_finish(struct hs_http_sink *s)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[WC_SHA256_DIGEST_SIZE];
	char *o = s->result;

	if (wc_Sha256Final(hs_sink_sha(s), d) != 0)
		s->failed = true;
	wc_Sha256Free(hs_sink_sha(s));
	s->active = false;
	if (s->failed)
		return;
	memcpy(o, "sha256=", 7);
	o += 7;
	for (size_t i = 0; i < sizeof(d); i++) {
		*o++ = hex[d[i] >> 4];
		*o++ = hex[d[i] & 15];
	}
	o += snprintf(o, sizeof(s->result) - (size_t)(o - s->result),
		      " bytes=%llu\n", (unsigned long long)s->bytes);
	s->result_len = (uint16_t)(o - s->result);
}

void
hs_http_sink_data(void *ctx, const char *p, size_t n)
{
	struct hs_http_sink *s = ctx;

	if (!s->active)
		return;
	if (p == NULL) {
		if (n == 0) {
			hs_sink_finish(s);
		} else {
			/* aborted: nothing is answered */
			wc_Sha256Free(hs_sink_sha(s));
			s->active = false;
		}
		return;
	}
	/* the engine hands at most in[] (8 KiB) at a time */
	if (wc_Sha256Update(hs_sink_sha(s), (const byte *)p, (word32)n) != 0)
		s->failed = true;
	s->bytes += n;
}

void
hs_http_sink_reply(void *ctx, struct hs_http_reply *rep)
{
	struct hs_http_sink *s = ctx;

	if (s->active || s->failed || s->result_len == 0) {
		rep->status = 500;
		rep->body = NULL;
		return;
	}
	rep->status = 200;
	rep->ctype = "text/plain; charset=utf-8";
	rep->body = s->result;
	rep->body_len = s->result_len;
}
