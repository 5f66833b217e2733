/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_parse.c - libFuzzer target for hs_http_parse_request().
 *
 * Each input is parsed whole from an exact-size heap copy (ASan catches
 * any read past the end), then resumed at a split point taken from the
 * input, then byte by byte; all three must agree on the result, the
 * error status and the facts extracted (RFC 9112: the framing decision
 * may not depend on how bytes were segmented).
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

static struct hs_http_req whole, part;

static void
same_facts(const struct hs_http_req *a, const struct hs_http_req *b)
{
	HS_FUZZ_ASSERT(a->method == b->method);
	HS_FUZZ_ASSERT(a->version_minor == b->version_minor);
	HS_FUZZ_ASSERT(a->target_len == b->target_len);
	HS_FUZZ_ASSERT(a->has_content_length == b->has_content_length);
	HS_FUZZ_ASSERT(a->content_length == b->content_length);
	HS_FUZZ_ASSERT(a->chunked == b->chunked);
	HS_FUZZ_ASSERT(a->conn_close == b->conn_close);
	HS_FUZZ_ASSERT(a->host_count == b->host_count);
	HS_FUZZ_ASSERT(a->num_headers == b->num_headers);
}

/* Checks on a complete head of rc bytes in buf. */
static void
check_head(const struct hs_http_req *r, const char *buf, int rc)
{
	HS_FUZZ_ASSERT(rc >= 4);
	HS_FUZZ_ASSERT(memcmp(buf + rc - 4, "\r\n\r\n", 4) == 0);
	HS_FUZZ_ASSERT(memchr(buf, '\0', (size_t)rc) == NULL);
	HS_FUZZ_ASSERT(!(r->has_content_length && r->has_transfer_encoding));
	if (hs_http_req_is_11(r))
		HS_FUZZ_ASSERT(r->host_count == 1);
	HS_FUZZ_ASSERT(r->target >= buf &&
		       r->target + r->target_len <= buf + rc);
	for (uint32_t i = 0; i < r->num_headers; i++) {
		const struct hs_http_header *h = &r->headers[i];

		HS_FUZZ_ASSERT(h->name >= buf &&
			       h->value + h->value_len <= buf + rc);
		HS_FUZZ_ASSERT(h->name_len > 0);
		HS_FUZZ_ASSERT(memchr(h->value, '\r', h->value_len) == NULL);
		HS_FUZZ_ASSERT(memchr(h->value, '\n', h->value_len) == NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	int rc, rc2;
	size_t split;

	memcpy(buf, data, size);
	hs_http_req_init(&whole);
	rc = hs_http_parse_request(&whole, buf, size);
	HS_FUZZ_ASSERT(rc == -EAGAIN || rc == -EBADMSG ||
		       (rc > 0 && (size_t)rc <= size));
	if (rc == -EBADMSG)
		HS_FUZZ_ASSERT(whole.error_status >= 400 &&
			       whole.error_status <= 505);
	if (rc > 0)
		check_head(&whole, buf, rc);
	/* sticky */
	HS_FUZZ_ASSERT(hs_http_parse_request(&whole, buf, size) == rc);

	/* two pieces, at a point chosen by the input */
	split = size ? (size_t)data[0] * 7919u % (size + 1) : 0;
	hs_http_req_init(&part);
	rc2 = hs_http_parse_request(&part, buf, split);
	if (rc2 == -EAGAIN)
		rc2 = hs_http_parse_request(&part, buf, size);
	HS_FUZZ_ASSERT(rc2 == rc);
	if (rc == -EBADMSG)
		HS_FUZZ_ASSERT(part.error_status == whole.error_status);
	if (rc > 0)
		same_facts(&whole, &part);

	/* byte by byte */
	hs_http_req_init(&part);
	rc2 = -EAGAIN;
	for (size_t k = 0; k <= size && rc2 == -EAGAIN; k++)
		rc2 = hs_http_parse_request(&part, buf, k);
	HS_FUZZ_ASSERT(rc2 == rc);
	if (rc == -EBADMSG)
		HS_FUZZ_ASSERT(part.error_status == whole.error_status);
	if (rc > 0)
		same_facts(&whole, &part);
	free(buf);
	return 0;
}
