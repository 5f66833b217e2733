/* SPDX-License-Identifier: BSD-3-Clause
 * test_hash.c - wolfSSL's SHA-256 as httpsd links it (the tuned build's
 * SHA-NI transform, scripts/wolfssl-patches/0004-sha256-shani.patch, on
 * CPUs that have it; the AVX or C transforms elsewhere) against FIPS
 * 180-4 / RFC 4231 vectors and against a plain reference implementation
 * over every length up to a few blocks, whole and fed in random pieces.
 * Every TLS 1.3 key, Finished and ticket binder goes through it.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_check.h"

/* ---- reference SHA-256 (FIPS 180-4 §6.2), one block at a time ---- */

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void
ref_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a[8], t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = (ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10)) +
		       w[i - 7] +
		       (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		       w[i - 16];
	memcpy(a, h, sizeof(a));
	for (i = 0; i < 64; i++) {
		t1 = a[7] + (ROR(a[4], 6) ^ ROR(a[4], 11) ^ ROR(a[4], 25)) +
		     ((a[4] & a[5]) ^ (~a[4] & a[6])) + K[i] + w[i];
		t2 = (ROR(a[0], 2) ^ ROR(a[0], 13) ^ ROR(a[0], 22)) +
		     ((a[0] & a[1]) ^ (a[0] & a[2]) ^ (a[1] & a[2]));
		memmove(&a[1], &a[0], 7 * sizeof(a[0]));
		a[4] += t1;
		a[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		h[i] += a[i];
}

static void
ref_sha256(const uint8_t *m, size_t len, uint8_t out[32])
{
	uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	uint8_t last[128] = {0};
	size_t i, rest = len % 64, tail = rest < 56 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;

	for (i = 0; i + 64 <= len; i += 64)
		ref_block(h, m + i);
	memcpy(last, m + i, rest);
	last[rest] = 0x80;
	for (i = 0; i < 8; i++)
		last[tail - 1 - i] = (uint8_t)(bits >> (8 * i));
	for (i = 0; i < tail; i += 64)
		ref_block(h, last + i);
	for (i = 0; i < 32; i++)
		out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

/* ---- helpers ---- */

static void
unhex(uint8_t *out, const char *hex)
{
	unsigned v;

	while (hex[0] && sscanf(hex, "%2x", &v) == 1) {
		*out++ = (uint8_t)v;
		hex += 2;
	}
}

static bool
digest_is(const uint8_t *d, size_t n, const char *hex)
{
	uint8_t want[64];

	unhex(want, hex);
	return memcmp(d, want, n) == 0;
}

/* wolfSSL's digest of m fed in pieces of 1..maxpiece bytes (0: whole). */
static void
wc_pieces(const uint8_t *m, size_t len, size_t maxpiece, uint8_t out[32])
{
	wc_Sha256 sha;
	size_t off = 0, n;

	CHECK(wc_InitSha256(&sha) == 0);
	while (off < len) {
		n = maxpiece ? 1 + (size_t)rand() % maxpiece : len;
		if (n > len - off)
			n = len - off;
		CHECK(wc_Sha256Update(&sha, m + off, (word32)n) == 0);
		off += n;
	}
	CHECK(wc_Sha256Final(&sha, out) == 0);
	wc_Sha256Free(&sha);
}

/* ---- tests ---- */

/* FIPS 180-4 examples (NIST CSRC): empty, one block, two blocks (the
 * padding spills into a second), a million 'a' (many whole blocks). */
static void
test_vectors(void)
{
	static const char two[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	uint8_t d[32], *big;

	CHECK(wc_Sha256Hash((const byte *)"", 0, d) == 0);
	CHECK(digest_is(d, 32, "e3b0c44298fc1c149afbf4c8996fb924"
			       "27ae41e4649b934ca495991b7852b855"));
	CHECK(wc_Sha256Hash((const byte *)"abc", 3, d) == 0);
	CHECK(digest_is(d, 32, "ba7816bf8f01cfea414140de5dae2223"
			       "b00361a396177a9cb410ff61f20015ad"));
	CHECK(wc_Sha256Hash((const byte *)two, sizeof(two) - 1, d) == 0);
	CHECK(digest_is(d, 32, "248d6a61d20638b8e5c026930c3e6039"
			       "a33ce45964ff2167f6ecedd419db06c1"));
	big = malloc(1000000);
	CHECK(big != NULL);
	memset(big, 'a', 1000000);
	CHECK(wc_Sha256Hash(big, 1000000, d) == 0);
	CHECK(digest_is(d, 32, "cdc76e5c9914fb9281a1c7e284d73e67"
			       "f1809a48a497200e046d39ccc7112cd0"));
	wc_pieces(big, 1000000, 3000, d);
	CHECK(digest_is(d, 32, "cdc76e5c9914fb9281a1c7e284d73e67"
			       "f1809a48a497200e046d39ccc7112cd0"));
	free(big);

	/* SHA-224 runs the same compression from another start. */
	{
		wc_Sha224 s224;

		CHECK(wc_InitSha224(&s224) == 0);
		CHECK(wc_Sha224Update(&s224, (const byte *)"abc", 3) == 0);
		CHECK(wc_Sha224Final(&s224, d) == 0);
		CHECK(digest_is(d, 28, "23097d223405d8228642a477bda255b3"
				       "2aadbce4bda0b3f7e36c9da7"));
		wc_Sha224Free(&s224);
	}
}

/* RFC 4231 §4.3 (test case 2): HMAC-SHA-256, what HKDF is made of. */
static void
test_hmac(void)
{
	static const char data[] = "what do ya want for nothing?";
	Hmac h;
	uint8_t d[32];

	CHECK(wc_HmacInit(&h, NULL, INVALID_DEVID) == 0);
	CHECK(wc_HmacSetKey(&h, WC_SHA256, (const byte *)"Jefe", 4) == 0);
	CHECK(wc_HmacUpdate(&h, (const byte *)data, sizeof(data) - 1) == 0);
	CHECK(wc_HmacFinal(&h, d) == 0);
	CHECK(digest_is(d, 32, "5bdcc146bf60754e6a042426089575c7"
			       "5a003f089d2739839dec58b964ec3843"));
	wc_HmacFree(&h);
}

/* Every length from 0 to 5 blocks and a bit, at every alignment of the
 * input, whole and in random pieces (the buffered single-block path and
 * the many-block path of Update, and both paddings of Final). */
static void
test_against_reference(void)
{
	enum { MAX = 5 * 64 + 17 };
	static uint8_t buf[MAX + 16];
	uint8_t want[32], got[32];
	size_t len, align, piece;
	unsigned int bad = 0;

	srand(7);
	for (len = 0; len < sizeof(buf); len++)
		buf[len] = (uint8_t)rand();
	for (len = 0; len <= MAX; len++) {
		for (align = 0; align < 16; align += 5) {
			const uint8_t *m = buf + align;

			ref_sha256(m, len, want);
			CHECK(wc_Sha256Hash(m, (word32)len, got) == 0);
			bad += memcmp(want, got, 32) != 0;
			for (piece = 1; piece <= 130; piece += 43) {
				wc_pieces(m, len, piece, got);
				bad += memcmp(want, got, 32) != 0;
			}
		}
	}
	CHECK(bad == 0);
}

int
main(void)
{
	test_vectors();
	test_hmac();
	test_against_reference();
	return hs_check_summary("test_hash");
}
