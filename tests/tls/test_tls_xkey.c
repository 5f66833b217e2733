/* SPDX-License-Identifier: BSD-3-Clause
 * test_tls_xkey.c - expanded AES-GCM keys from the per-thread pool
 * (hs_tls_xkey.h) under the direct AEAD (hs_tls_crypto.h): a key is
 * expanded on first use and keeps its block while used; at the pool's
 * bound the least recently used key loses its block and expands again,
 * giving the very same records; an idle key's block is taken before the
 * pool grows; a rekeyed or freed key returns its block (0 in use).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hs_tls_crypto.h"
#include "hs_tls_xkey.h"

#include "hs_check.h"

/* NIST GCM test case 2 (McGrew & Viega): zero key and IV, 16 zero bytes
 * of plaintext. */
static const uint8_t kat_ct[16] = { 0x03, 0x88, 0xda, 0xce, 0x60, 0xb6,
				    0xa3, 0x92, 0xf3, 0x28, 0xc2, 0xb9,
				    0x71, 0xb2, 0xfe, 0x78 };
static const uint8_t kat_tag[16] = { 0xab, 0x6e, 0x47, 0xd4, 0x2c, 0xec,
				     0x13, 0xbd, 0xf5, 0x3a, 0x67, 0xb2,
				     0x12, 0x57, 0xbd, 0xdf };

struct rec {
	uint8_t buf[16];
	uint8_t tag[16];
};

static int
seal(struct hs_tls_aead *a, struct rec *r)
{
	struct hs_tls_aead_ctx c;
	const uint8_t nonce[12] = { 0 };
	int rc;

	memset(r, 0, sizeof(*r));
	rc = hs_tls_aead_begin(a, &c, true, nonce, NULL, 0);
	if (rc != 0)
		return rc;
	hs_tls_aead_update(a, &c, true, r->buf, sizeof(r->buf));
	hs_tls_aead_finish_seal(a, &c, r->tag);
	return 0;
}

static int
open_rec(struct hs_tls_aead *a, const struct rec *in)
{
	struct hs_tls_aead_ctx c;
	const uint8_t nonce[12] = { 0 };
	struct rec r = *in;
	int rc = hs_tls_aead_begin(a, &c, false, nonce, NULL, 0);

	if (rc != 0)
		return rc;
	hs_tls_aead_update(a, &c, false, r.buf, sizeof(r.buf));
	return hs_tls_aead_finish_open(a, &c, r.tag);
}

static struct hs_tls_xkey_stats
st(void)
{
	struct hs_tls_xkey_stats s;

	hs_tls_xkey_stats(&s);
	return s;
}

static struct hs_tls_aead *
key(uint8_t b)
{
	uint8_t k[16];

	memset(k, b, sizeof(k));
	return hs_tls_aead_new(HS_TLS_AEAD_AES128_GCM, k, sizeof(k));
}

/* Bound 2: LRU eviction, re-expansion gives the same records. */
static void
test_bound(void)
{
	struct hs_tls_aead *a, *b, *c, *a2;
	struct rec ra, rb, rc, r;

	hs_tls_xkey_config(2, 60000);
	a = key(0), b = key(1), c = key(2), a2 = key(0);
	CHECK(a && b && c && a2);
	CHECK_EQ(st().in_use, 0);
	CHECK_EQ(seal(a, &ra), 0);
	CHECK(memcmp(ra.buf, kat_ct, 16) == 0 &&
	      memcmp(ra.tag, kat_tag, 16) == 0);
	CHECK_EQ(st().total, 2);
	CHECK_EQ(st().in_use, 1);
	CHECK_EQ(st().expand, 1);
	CHECK_EQ(seal(b, &rb), 0);
	CHECK_EQ(seal(a, &r), 0); /* still attached: no expansion */
	CHECK_EQ(st().expand, 2);
	CHECK(memcmp(&r, &ra, sizeof(r)) == 0);
	CHECK_EQ(seal(c, &rc), 0); /* b is least recently used */
	CHECK_EQ(st().evicted, 1);
	CHECK_EQ(st().in_use, 2);
	CHECK_EQ(st().total, 2);
	CHECK_EQ(seal(a, &r), 0); /* a kept its block */
	CHECK_EQ(st().expand, 3);
	CHECK_EQ(seal(b, &r), 0); /* b expands again, c gives way */
	CHECK_EQ(st().expand, 4);
	CHECK_EQ(st().evicted, 2);
	CHECK(memcmp(&r, &rb, sizeof(r)) == 0);
	CHECK(memcmp(&rb, &ra, sizeof(r)) != 0);
	/* opening takes blocks the same way; a tampered tag fails */
	CHECK_EQ(open_rec(a2, &ra), 0);
	CHECK_EQ(open_rec(c, &rc), 0);
	CHECK_EQ(open_rec(a, &ra), 0);
	CHECK(st().evicted >= 4);
	r = ra;
	r.tag[0] ^= 1;
	CHECK_EQ(open_rec(a2, &r), -EBADMSG);
	CHECK_EQ(st().in_use, 2);
	CHECK_EQ(hs_tls_xkey_thread_fini(), -EBUSY); /* keys hold blocks */
	hs_tls_aead_free(a);
	hs_tls_aead_free(b);
	hs_tls_aead_free(c);
	hs_tls_aead_free(a2);
	CHECK_EQ(st().in_use, 0);
	CHECK_EQ(hs_tls_xkey_thread_fini(), 0);
	CHECK_EQ(st().total, 0);
}

/* An idle key's block is reused before the pool grows or evicts. */
static void
test_idle(void)
{
	struct hs_tls_aead *a = key(3), *b = key(4), *c = key(5);
	struct rec r, ra;
	struct timespec ts = { 0, 30 * 1000 * 1000 };

	hs_tls_xkey_config(2, 1);
	CHECK_EQ(seal(a, &ra), 0);
	CHECK_EQ(seal(b, &r), 0);
	nanosleep(&ts, NULL);
	CHECK_EQ(seal(c, &r), 0);
	CHECK_EQ(st().reused, 1);
	CHECK_EQ(st().evicted, 0);
	CHECK_EQ(st().total, 2);
	CHECK_EQ(seal(a, &r), 0); /* b is older than the idle period */
	CHECK_EQ(st().reused, 2);
	CHECK(memcmp(&r, &ra, sizeof(r)) == 0);
	hs_tls_aead_free(a);
	hs_tls_aead_free(b);
	hs_tls_aead_free(c);
	CHECK_EQ(st().in_use, 0);
	CHECK_EQ(hs_tls_xkey_thread_fini(), 0);
}

/* A rekey (TLS 1.3 KeyUpdate) returns the old expansion; a ChaCha20 key
 * never takes a block. */
static void
test_rekey(void)
{
	struct hs_tls_aead *a = key(6), *z = key(0), *ch;
	uint8_t k0[16] = { 0 }, k32[32] = { 7 };
	struct rec r;

	hs_tls_xkey_config(8, 60000);
	CHECK_EQ(seal(a, &r), 0);
	CHECK_EQ(st().in_use, 1);
	CHECK_EQ(hs_tls_aead_rekey(a, k0, sizeof(k0)), 0);
	CHECK_EQ(st().in_use, 0);
	CHECK_EQ(seal(a, &r), 0);
	CHECK(memcmp(r.buf, kat_ct, 16) == 0 &&
	      memcmp(r.tag, kat_tag, 16) == 0);
	CHECK_EQ(open_rec(z, &r), 0);
	ch = hs_tls_aead_new(HS_TLS_AEAD_CHACHA20_POLY1305, k32, sizeof(k32));
	CHECK(ch != NULL);
	CHECK_EQ(seal(ch, &r), 0);
	CHECK_EQ(st().in_use, 2);
	hs_tls_aead_free(ch);
	hs_tls_aead_free(a);
	hs_tls_aead_free(z);
	CHECK_EQ(st().in_use, 0);
	CHECK_EQ(hs_tls_xkey_thread_fini(), 0);
}

int
main(void)
{
	CHECK(hs_tls_crypto_thread_init() == 0);
	test_bound();
	test_idle();
	test_rekey();
	hs_tls_crypto_thread_fini();
	return hs_check_summary("test_tls_xkey");
}
