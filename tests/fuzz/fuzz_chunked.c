/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_chunked.c - libFuzzer target for hs_http_chunked_decode().
 *
 * Each input is decoded whole from an exact-size heap copy (ASan catches
 * any read past the end), then in two pieces split at a point taken from
 * the input, then byte by byte.  All three must agree on the result, the
 * error status, the bytes consumed and the decoded data (RFC 9112: the
 * framing may not depend on how bytes were segmented); decoded data never
 * exceeds the limit, and a complete body ends in CRLF.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_http_parse.h"

#define HS_FUZZ_ASSERT(x)                                                \
	do {                                                             \
		if (!(x)) {                                              \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #x);                 \
			abort();                                         \
		}                                                        \
	} while (0)

#define LIMIT 4096

struct out {
	uint8_t buf[LIMIT];
	size_t len;
};

static struct out o1, o2;

static void
take(void *ctx, const char *p, size_t n)
{
	struct out *o = ctx;

	HS_FUZZ_ASSERT(n > 0 && o->len + n <= LIMIT);
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* Decode buf in pieces of at most step bytes (0: one piece at split). */
static int
decode(const char *buf, size_t size, size_t split, size_t step, struct out *o,
       size_t *used, uint16_t *st)
{
	struct hs_http_chunked d;
	size_t off = 0, u;
	int rc = -EAGAIN;

	hs_http_chunked_init(&d, LIMIT);
	o->len = 0;
	while (rc == -EAGAIN && off < size) {
		size_t end = step ? off + step : (off < split ? split : size);

		if (end > size)
			end = size;
		rc = hs_http_chunked_decode(&d, buf + off, end - off, &u, take,
					    o);
		HS_FUZZ_ASSERT(u <= end - off);
		HS_FUZZ_ASSERT(rc != -EAGAIN || u == end - off);
		HS_FUZZ_ASSERT(rc == 0 || rc == -EAGAIN || rc == -EBADMSG);
		off += u;
	}
	HS_FUZZ_ASSERT(d.total <= LIMIT && o->len <= d.total);
	*used = off;
	*st = d.error_status;
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	size_t u1, u2, split;
	uint16_t s1, s2;
	int rc, rc2;

	memcpy(buf, data, size);
	rc = decode(buf, size, 0, 0, &o1, &u1, &s1);
	if (rc == 0)
		HS_FUZZ_ASSERT(u1 >= 5 && memcmp(buf + u1 - 2, "\r\n", 2) == 0);
	if (rc == -EBADMSG)
		HS_FUZZ_ASSERT(s1 == 400 || s1 == 413 || s1 == 431);

	split = size ? (size_t)data[0] * 7919u % (size + 1) : 0;
	rc2 = decode(buf, size, split, 0, &o2, &u2, &s2);
	HS_FUZZ_ASSERT(rc2 == rc && s2 == s1);
	if (rc == 0)
		HS_FUZZ_ASSERT(u2 == u1);
	if (rc != -EBADMSG)
		HS_FUZZ_ASSERT(o2.len == o1.len &&
			       memcmp(o1.buf, o2.buf, o1.len) == 0);

	rc2 = decode(buf, size, 0, 1, &o2, &u2, &s2);
	HS_FUZZ_ASSERT(rc2 == rc && s2 == s1);
	if (rc == 0)
		HS_FUZZ_ASSERT(u2 == u1);
	if (rc != -EBADMSG)
		HS_FUZZ_ASSERT(o2.len == o1.len &&
			       memcmp(o1.buf, o2.buf, o1.len) == 0);
	free(buf);
	return 0;
}
