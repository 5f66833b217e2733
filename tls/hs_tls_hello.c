/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_hello.c - hold the first flight until its ClientHello is whole
 * (hs_tls_hello.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hs_tls_hello.h"

#define HS_CT_CCS          20
#define HS_CT_HANDSHAKE    22
#define HS_HT_CLIENT_HELLO 1

static uint32_t
hs_hello_be(const uint8_t *p, unsigned int n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

uint32_t
hs_tls_hold_want(const struct hs_tls_hold *h)
{
	uint32_t have;

	if (h->done)
		return 0;
	have = h->len - h->rec;
	if (have < 5)
		return 5 - have;
	/* hs_tls_hold_add refused records longer than 2^14 */
	return 5 + hs_hello_be(h->raw + h->rec + 3, 2) - have;
}

int
hs_tls_hold_reserve(struct hs_tls_hold *h)
{
	uint32_t need = h->len + hs_tls_hold_want(h), cap;
	uint8_t *p;

	if (need <= h->cap)
		return 0;
	if (need > HS_TLS_HOLD_MAX)
		return -ENOMEM; /* hs_tls_hold_add keeps below the bound */
	/* the usual one-record hello: exactly its size; more: doubling */
	cap = h->cap == 0 ? need : h->cap * 2;
	if (cap < need)
		cap = need;
	if (cap > HS_TLS_HOLD_MAX)
		cap = HS_TLS_HOLD_MAX;
	p = realloc(h->raw, cap);
	if (p == NULL)
		return -ENOMEM;
	h->raw = p;
	h->cap = cap;
	return 0;
}

/* Take the body of one complete handshake record into the message. */
static int
hs_hold_take(struct hs_tls_hold *h, const uint8_t *p, uint32_t n, uint32_t off)
{
	uint32_t k;

	/* message header (RFC 8446 §4): type(1) length(3), maybe split */
	while (h->msg_len == 0 && n > 0) {
		h->mhdr[h->msg_have++] = *p++;
		n--;
		off++;
		if (h->msg_have < 4)
			continue;
		if (h->mhdr[0] != HS_HT_CLIENT_HELLO)
			return -HS_TLS_AL_UNEXPECTED_MESSAGE;
		h->msg_len = 4 + hs_hello_be(h->mhdr + 1, 3);
		if (h->msg_len > HS_TLS_HELLO_MAX) {
			h->too_big = true;
			return -HS_TLS_AL_DECODE_ERROR;
		}
		if (h->nrec == 1 && n >= h->msg_len - 4) {
			h->msg_off = off - 4; /* whole in this record */
			h->msg_have = h->msg_len;
			return 0;
		}
		h->msg = malloc(h->msg_len);
		if (h->msg == NULL)
			return -ENOMEM;
		memcpy(h->msg, h->mhdr, 4);
	}
	if (h->msg_len == 0)
		return 0;
	k = h->msg_len - h->msg_have;
	if (k > n)
		k = n;
	memcpy(h->msg + h->msg_have, p, k);
	h->msg_have += k;
	return 0;
}

int
hs_tls_hold_add(struct hs_tls_hold *h, uint32_t n)
{
	h->len += n;
	while (!h->done && h->len - h->rec >= 5) {
		const uint8_t *r = h->raw + h->rec;
		uint32_t rlen = hs_hello_be(r + 3, 2);
		int rc;

		/* RFC 8446 §5.1: a plaintext record carries at most 2^14 */
		if (rlen > HS_TLS_REC_PLAIN)
			return -HS_TLS_AL_RECORD_OVERFLOW;
		if (r[0] == HS_CT_CCS) {
			/* RFC 8446 §5: one change_cipher_spec of value 1 may
			 * come before the hello (wolfSSL takes one, then no
			 * more); not between fragments (§5.1) */
			if (h->ccs || h->msg_have > 0 || rlen != 1)
				return -HS_TLS_AL_UNEXPECTED_MESSAGE;
			if (h->len - h->rec < 6)
				return 0;
			if (r[5] != 1)
				return -HS_TLS_AL_UNEXPECTED_MESSAGE;
			h->ccs = true;
			h->rec += 6;
			continue;
		}
		/* RFC 8446 §5.1: no zero-length handshake fragments; the
		 * hello comes first (§4), so no other content type */
		if (r[0] != HS_CT_HANDSHAKE || rlen == 0)
			return -HS_TLS_AL_UNEXPECTED_MESSAGE;
		if (h->len - h->rec < 5 + rlen)
			return 0;
		if (++h->nrec > HS_TLS_HELLO_RECS) {
			h->too_big = true;
			return -HS_TLS_AL_DECODE_ERROR;
		}
		rc = hs_hold_take(h, r + 5, rlen, h->rec + 5);
		if (rc < 0)
			return rc;
		h->rec += 5 + rlen;
		if (h->msg_len != 0 && h->msg_have == h->msg_len)
			h->done = true;
	}
	return h->done ? 1 : 0;
}

const uint8_t *
hs_tls_hold_msg(const struct hs_tls_hold *h, uint32_t *len)
{
	*len = h->done ? h->msg_len : 0;
	if (!h->done)
		return NULL;
	return h->msg != NULL ? h->msg : h->raw + h->msg_off;
}

void
hs_tls_hold_free(struct hs_tls_hold *h)
{
	free(h->raw);
	free(h->msg);
	memset(h, 0, sizeof(*h));
}

int
hs_tls_parse_sni(const uint8_t *msg, uint32_t len, char *out, size_t outlen)
{
	const uint8_t *p = msg, *end = msg + len;
	uint32_t n;

	if (len < 4 || p[0] != HS_HT_CLIENT_HELLO)
		return 0;
	n = hs_hello_be(p + 1, 3);
	if (n > len - 4)
		return 0;
	end = p + 4 + n;
	if (end - p < 4 + 2 + 32 + 1)
		return 0;
	p += 4 + 2 + 32; /* type, len, version, random */
	p += 1 + *p;     /* session id */
	if (end - p < 2)
		return 0;
	p += 2 + hs_hello_be(p, 2); /* cipher suites */
	if (end - p < 1)
		return 0;
	p += 1 + *p; /* compression methods */
	if (end - p < 2)
		return 0;
	n = hs_hello_be(p, 2);
	p += 2;
	if (n > (uint32_t)(end - p))
		return 0;
	end = p + n;
	while (end - p >= 4) {
		uint32_t type = hs_hello_be(p, 2), elen = hs_hello_be(p + 2, 2);
		const uint8_t *e = p + 4;

		if (elen > (uint32_t)(end - e))
			return 0;
		p = e + elen;
		if (type != 0 /* server_name */)
			continue;
		/* ServerNameList: len(2), then name_type(1) len(2) name */
		if (elen < 5 || hs_hello_be(e, 2) != elen - 2 || e[2] != 0)
			return 0;
		n = hs_hello_be(e + 3, 2);
		if (n + 5 > elen)
			return 0;
		if (n == 0 || n >= outlen)
			return -EPROTO;
		for (uint32_t i = 0; i < n; i++)
			if (e[5 + i] <= 0x20 || e[5 + i] >= 0x7f)
				return -EPROTO;
		memcpy(out, e + 5, n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}
