/* SPDX-License-Identifier: BSD-3-Clause
 * test_tls_rec.c - the record layer (tls/hs_tls_rec.c): RFC 8448 record
 * vectors, records over chains of pieces split anywhere, cross-checks
 * against wolfCrypt's AEADs, every failure path (tampered, truncated,
 * oversized, bad types, padding-only), KeyUpdate, and records written
 * and read by a real wolfSSL peer (keys from wolfSSL's secret callback).
 *
 * Usage: test_tls_rec SOURCE_ROOT
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_tls_rec.h"
#include "hs_check.h"

#define BIG (HS_TLS_REC_MAX_CIPHER12 + 64)

static size_t
unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;
	unsigned v;

	while (*hex != '\0' && n < cap) {
		if (*hex == ' ' || *hex == '\n') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

static uint32_t rng_state = 0x12345678;
static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Split buf[0..len) into pieces of random sizes (some empty, some 1). */
static int
split(uint8_t *buf, size_t len, struct hs_tls_iov *v, int cap, size_t maxpiece)
{
	size_t off = 0;
	int n = 0;

	while (off < len && n < cap - 1) {
		size_t k = rnd() % (maxpiece + 1);

		if (k > len - off)
			k = len - off;
		v[n].base = buf + off;
		v[n].len = k;
		n++;
		off += k;
	}
	if (off < len) {
		v[n].base = buf + off;
		v[n].len = len - off;
		n++;
	}
	return n;
}

/* Seal plaintext p (copied into a contiguous record buffer) as one
 * piece; returns the record length. */
static long
seal_flat(struct hs_tls_rec *r, uint8_t type, const uint8_t *p, size_t len,
	  size_t pad, uint8_t *out)
{
	size_t hl = hs_tls_rec_hdr_len(r);
	struct hs_tls_iov v = { out + hl, len };

	memcpy(out + hl, p, len);
	return hs_tls_rec_seal(r, type, out, &v, 1, out + hl + len, pad);
}

static long
open_flat(struct hs_tls_rec *r, uint8_t *rec, size_t len,
	  struct hs_tls_rec_msg *m)
{
	struct hs_tls_iov v = { rec, len };

	return hs_tls_rec_open(r, &v, 1, m);
}

/* ---- RFC 8448 §3 (simple 1-RTT): protected application data ---------- */

static const char *S_AP_SECRET =
	"a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";
static const char *C_AP_SECRET =
	"9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5";
static const char *S_AP_KEY = "9f02283b6c9c07efc26bb9f2ac92e356";
static const char *S_AP_IV = "cf782b88dd83549aadf1e984";
static const char *C_AP_KEY = "17422dda596ed5d9acd890e3c63f5051";
static const char *C_AP_IV = "5b78923dee08579033e523d9";
/* server's application data (seq 1, after its NewSessionTicket) */
static const char *S_APP_REC =
	"17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4 a4 69"
	" 32 fc 32 25 d0 5f 82 aa 1b 36 e3 0e fa f9 7d 90 e6 df fc 60 2d cb"
	" 50 1a 59 a8 fc c4 9c 4b f2 e5 f0 a2 1c 00 47 c2 ab f3 32 54 0d d0"
	" 32 e1 67 c2 95 5d";
/* client's application data (seq 0) */
static const char *C_APP_REC =
	"17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef"
	" ac ea 42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a"
	" 20 44 1e 2b 62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee"
	" bb 21 69 49 15 e4";

static void
test_rfc8448(void)
{
	uint8_t secret[32], key[16], iv[12], want[128], rec[256], plain[50];
	struct hs_tls_rec r, rd;
	struct hs_tls_rec_msg m;
	size_t wl;
	int i;

	for (i = 0; i < 50; i++)
		plain[i] = (uint8_t)i;
	/* server: keyed from the traffic secret (HKDF-Expand-Label) */
	CHECK_EQ(hs_tls_rec_init(&r, HS_TLS_V13, 0x1301), 0);
	unhex(secret, sizeof(secret), S_AP_SECRET);
	CHECK_EQ(hs_tls_rec_set_secret(&r, HS_TLS_REC_WRITE, secret, 32, 1), 0);
	unhex(key, 16, S_AP_KEY);
	unhex(iv, 12, S_AP_IV);
	CHECK(memcmp(r.wr.iv, iv, 12) == 0);
	wl = unhex(want, sizeof(want), S_APP_REC);
	CHECK_EQ(wl, 72);
	CHECK_EQ(seal_flat(&r, HS_TLS_CT_APPDATA, plain, 50, 0, rec), 72);
	CHECK(memcmp(rec, want, wl) == 0);
	CHECK_EQ(r.wr.seq, 2);
	hs_tls_rec_clear(&r);
	/* the same from key + iv */
	CHECK_EQ(hs_tls_rec_init(&r, HS_TLS_V13, 0x1301), 0);
	CHECK_EQ(hs_tls_rec_set_key(&r, HS_TLS_REC_WRITE, key, 16, iv, 12, 1),
		 0);
	CHECK_EQ(seal_flat(&r, HS_TLS_CT_APPDATA, plain, 50, 0, rec), 72);
	CHECK(memcmp(rec, want, wl) == 0);
	hs_tls_rec_clear(&r);
	/* client side opens it */
	CHECK_EQ(hs_tls_rec_init(&rd, HS_TLS_V13, 0x1301), 0);
	CHECK_EQ(hs_tls_rec_set_secret(&rd, HS_TLS_REC_READ, secret, 32, 1), 0);
	memcpy(rec, want, wl);
	CHECK_EQ(open_flat(&rd, rec, wl, &m), 0);
	CHECK_EQ(m.type, HS_TLS_CT_APPDATA);
	CHECK_EQ(m.off, 5);
	CHECK_EQ(m.len, 50);
	CHECK_EQ(m.reclen, 72);
	CHECK(memcmp(rec + m.off, plain, 50) == 0);
	hs_tls_rec_clear(&rd);
	/* the client's record: the server opens it, the client seals it */
	unhex(secret, sizeof(secret), C_AP_SECRET);
	wl = unhex(want, sizeof(want), C_APP_REC);
	CHECK_EQ(hs_tls_rec_init(&r, HS_TLS_V13, 0x1301), 0);
	CHECK_EQ(hs_tls_rec_set_secret(&r, HS_TLS_REC_READ, secret, 32, 0), 0);
	CHECK_EQ(hs_tls_rec_set_secret(&r, HS_TLS_REC_WRITE, secret, 32, 0), 0);
	unhex(key, 16, C_AP_KEY);
	unhex(iv, 12, C_AP_IV);
	CHECK(memcmp(r.rd.iv, iv, 12) == 0);
	memcpy(rec, want, wl);
	CHECK_EQ(open_flat(&r, rec, wl, &m), 0);
	CHECK_EQ(m.len, 50);
	CHECK(memcmp(rec + 5, plain, 50) == 0);
	CHECK_EQ(seal_flat(&r, HS_TLS_CT_APPDATA, plain, 50, 0, rec), 72);
	CHECK(memcmp(rec, want, wl) == 0);
	/* a second open of the same record: sequence 1 now, tag fails */
	memcpy(rec, want, wl);
	CHECK_EQ(open_flat(&r, rec, wl, &m), -EBADMSG);
	CHECK_EQ(hs_tls_rec_alert(&r), HS_TLS_ALERT_BAD_RECORD_MAC);
	hs_tls_rec_clear(&r);
}

/* ---- suites ----------------------------------------------------------- */

struct suite {
	uint16_t version, suite;
	size_t keylen, ivlen, secret_len;
};

static const struct suite suites[] = {
	{ HS_TLS_V13, 0x1301, 16, 12, 32 }, { HS_TLS_V13, 0x1302, 32, 12, 48 },
	{ HS_TLS_V13, 0x1303, 32, 12, 32 }, { HS_TLS_V12, 0xC02B, 16, 4, 0 },
	{ HS_TLS_V12, 0xC030, 32, 4, 0 },   { HS_TLS_V12, 0xCCA9, 32, 12, 0 },
};
#define NSUITES (int)(sizeof(suites) / sizeof(suites[0]))

/* A write + read pair on the same key (a connection talking to itself). */
static void
pair_keys(const struct suite *s, struct hs_tls_rec *w, struct hs_tls_rec *rd,
	  uint8_t *key, uint8_t *iv, uint64_t seq)
{
	size_t i;

	for (i = 0; i < s->keylen; i++)
		key[i] = (uint8_t)rnd();
	for (i = 0; i < s->ivlen; i++)
		iv[i] = (uint8_t)rnd();
	CHECK_EQ(hs_tls_rec_init(w, s->version, s->suite), 0);
	CHECK_EQ(hs_tls_rec_init(rd, s->version, s->suite), 0);
	CHECK_EQ(hs_tls_rec_set_key(w, HS_TLS_REC_WRITE, key, s->keylen, iv,
				    s->ivlen, seq),
		 0);
	CHECK_EQ(hs_tls_rec_set_key(rd, HS_TLS_REC_READ, key, s->keylen, iv,
				    s->ivlen, seq),
		 0);
}

static void
test_suite_ok(void)
{
	CHECK(hs_tls_rec_suite_ok(HS_TLS_V13, 0x1301));
	CHECK(hs_tls_rec_suite_ok(HS_TLS_V13, 0x1303));
	CHECK(hs_tls_rec_suite_ok(HS_TLS_V12, 0xC02F));
	CHECK(!hs_tls_rec_suite_ok(HS_TLS_V13, 0x1304)); /* CCM */
	CHECK(!hs_tls_rec_suite_ok(HS_TLS_V12, 0x1301));
	CHECK(!hs_tls_rec_suite_ok(HS_TLS_V12, 0xC027)); /* CBC */
	CHECK(!hs_tls_rec_suite_ok(0x0302, 0xC02F));
	struct hs_tls_rec r;
	CHECK_EQ(hs_tls_rec_init(&r, HS_TLS_V12, 0x009C), -ENOTSUP);
	uint8_t k[32] = { 0 }, iv[12] = { 0 };
	CHECK_EQ(hs_tls_rec_init(&r, HS_TLS_V12, 0xC02F), 0);
	CHECK_EQ(hs_tls_rec_set_key(&r, HS_TLS_REC_WRITE, k, 32, iv, 4, 0),
		 -EINVAL);
	CHECK_EQ(hs_tls_rec_set_key(&r, HS_TLS_REC_WRITE, k, 16, iv, 12, 0),
		 -EINVAL);
	CHECK_EQ(hs_tls_rec_set_secret(&r, HS_TLS_REC_WRITE, k, 32, 0),
		 -EINVAL);
	hs_tls_rec_clear(&r);
}

/* Records sealed over random pieces equal the flat seal byte for byte;
 * opened over random pieces (header split too) they give the plaintext;
 * every proper prefix is -EAGAIN. */
static void
test_chains(void)
{
	static uint8_t plain[HS_TLS_REC_MAX_PLAIN + 1], flat[BIG], chain[BIG];
	static struct hs_tls_iov v[20000];
	static const size_t lens[] = { 0,    1,     15,
				       16,   17,    1400,
				       4096, 16383, HS_TLS_REC_MAX_PLAIN };
	uint8_t key[32], iv[12];
	int si, li, round;

	for (si = 0; si < NSUITES; si++) {
		const struct suite *s = &suites[si];
		struct hs_tls_rec a, b, c, d;

		pair_keys(s, &a, &b, key, iv, 7);
		/* c/d: same keys, for the chained seal and open */
		CHECK_EQ(hs_tls_rec_init(&c, s->version, s->suite), 0);
		CHECK_EQ(hs_tls_rec_init(&d, s->version, s->suite), 0);
		hs_tls_rec_set_key(&c, HS_TLS_REC_WRITE, key, s->keylen, iv,
				   s->ivlen, 7);
		hs_tls_rec_set_key(&d, HS_TLS_REC_READ, key, s->keylen, iv,
				   s->ivlen, 7);
		for (li = 0; li < (int)(sizeof(lens) / sizeof(lens[0])); li++)
			for (round = 0; round < 3; round++) {
				size_t len = lens[li],
				       hl = hs_tls_rec_hdr_len(&a);
				size_t pad =
					s->version == HS_TLS_V13 &&
							len + 7 <=
								HS_TLS_REC_MAX_PLAIN &&
							round == 2
						? 7
						: 0;
				size_t maxp = round == 0   ? 1
					      : round == 1 ? 100
							   : 3000;
				struct hs_tls_rec_msg m;
				long rl, rl2;
				size_t cut;
				int n;

				for (size_t i = 0; i < len; i++)
					plain[i] = (uint8_t)rnd();
				rl = seal_flat(&a, HS_TLS_CT_APPDATA, plain,
					       len, pad, flat);
				CHECK_EQ(rl,
					 (long)(hl + len +
						hs_tls_rec_tail_len(&a, pad)));
				memcpy(chain + hl, plain, len);
				n = split(chain + hl, len, v, 20000, maxp);
				rl2 = hs_tls_rec_seal(&c, HS_TLS_CT_APPDATA,
						      chain, v, n,
						      chain + hl + len, pad);
				CHECK_EQ(rl2, rl);
				CHECK(rl > 0 &&
				      memcmp(flat, chain, (size_t)rl) == 0);
				/* from a separate source into the pieces: the
				 * same record again (same key, same sequence
				 * number: a second writer e) */
				{
					static uint8_t dst[BIG];
					struct hs_tls_rec e;
					long rl3;

					CHECK_EQ(hs_tls_rec_init(&e, s->version,
								 s->suite),
						 0);
					hs_tls_rec_set_key(&e, HS_TLS_REC_WRITE,
							   key, s->keylen, iv,
							   s->ivlen,
							   c.wr.seq - 1);
					memset(dst, 0xee, sizeof(dst));
					n = split(dst + hl, len, v, 20000,
						  maxp);
					rl3 = hs_tls_rec_seal_from(
						&e, HS_TLS_CT_APPDATA, dst, v,
						n, plain, dst + hl + len, pad);
					CHECK_EQ(rl3, rl);
					CHECK(rl > 0 &&
					      memcmp(flat, dst, (size_t)rl) ==
						      0);
					hs_tls_rec_clear(&e);
				}
				/* prefixes are incomplete */
				for (cut = 0; cut < (size_t)rl;
				     cut += 1 + rnd() % 997) {
					struct hs_tls_iov pv = { chain, cut };

					CHECK_EQ(
						hs_tls_rec_open(&d, &pv, 1, &m),
						-EAGAIN);
					CHECK_EQ(m.reclen,
						 cut < 5 ? 0 : (size_t)rl);
				}
				/* open over random pieces, plus trailing bytes */
				chain[rl] = 0x17;
				n = split(chain, (size_t)rl + 1, v, 20000,
					  maxp);
				CHECK_EQ(hs_tls_rec_open(&d, v, n, &m), 0);
				CHECK_EQ(m.reclen, (size_t)rl);
				CHECK_EQ(m.len, len);
				CHECK_EQ(m.type, HS_TLS_CT_APPDATA);
				CHECK_EQ(m.off, hl);
				CHECK(memcmp(chain + m.off, plain, len) == 0);
				CHECK_EQ(open_flat(&b, flat, (size_t)rl, &m),
					 0);
				CHECK(memcmp(flat + m.off, plain, len) == 0);
			}
		CHECK_EQ(a.wr.seq, 7 + 27);
		CHECK_EQ(d.rd.seq, 7 + 27);
		/* too long to seal */
		CHECK_EQ(seal_flat(&a, HS_TLS_CT_APPDATA, plain,
				   HS_TLS_REC_MAX_PLAIN + 1, 0, flat),
			 -EINVAL);
		if (s->version == HS_TLS_V13)
			CHECK_EQ(seal_flat(&a, HS_TLS_CT_APPDATA, plain,
					   HS_TLS_REC_MAX_PLAIN, 1, flat),
				 -EINVAL);
		CHECK_EQ(seal_flat(&a, HS_TLS_CT_CCS, plain, 1, 0, flat),
			 -EINVAL);
		hs_tls_rec_clear(&a);
		hs_tls_rec_clear(&b);
		hs_tls_rec_clear(&c);
		hs_tls_rec_clear(&d);
	}
}

/* ---- independent reference: wolfCrypt's AEADs, the RFC formulas ------- */

static void
be64(uint8_t *p, uint64_t x)
{
	for (int i = 7; i >= 0; i--, x >>= 8)
		p[i] = (uint8_t)x;
}

/* The record RFC 8446 §5.2 / RFC 5288 / RFC 7905 define, built with
 * wolfCrypt (software, no device).  Returns its length. */
static size_t
ref_record(const struct suite *s, const uint8_t *key, const uint8_t *iv,
	   uint64_t seq, uint8_t type, const uint8_t *p, size_t len,
	   uint8_t *out)
{
	uint8_t nonce[12], aad[13], inner[HS_TLS_REC_MAX_PLAIN + 1], sq[8];
	size_t hl = 5, ilen = len, clen;
	bool chacha = s->suite == 0x1303 || s->suite == 0xCCA9;
	Aes aes;

	be64(sq, seq);
	memcpy(inner, p, len);
	if (s->version == HS_TLS_V13) {
		inner[len] = type;
		ilen = len + 1;
		clen = ilen + 16;
		out[0] = 23;
	} else {
		out[0] = type;
		if (!chacha)
			hl = 13;
		clen = hl - 5 + ilen + 16;
	}
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(clen >> 8);
	out[4] = (uint8_t)clen;
	if (s->version == HS_TLS_V13 || chacha) {
		memcpy(nonce, iv, 12);
		for (int i = 0; i < 8; i++)
			nonce[4 + i] ^= sq[i];
	} else {
		memcpy(nonce, iv, 4);
		memcpy(nonce + 4, sq, 8);
		memcpy(out + 5, sq, 8);
	}
	size_t aadlen;
	if (s->version == HS_TLS_V13) {
		memcpy(aad, out, 5);
		aadlen = 5;
	} else {
		memcpy(aad, sq, 8);
		aad[8] = type;
		aad[9] = 3;
		aad[10] = 3;
		aad[11] = (uint8_t)(len >> 8);
		aad[12] = (uint8_t)len;
		aadlen = 13;
	}
	if (chacha) {
		CHECK_EQ(wc_ChaCha20Poly1305_Encrypt(
				 key, nonce, aad, (word32)aadlen, inner,
				 (word32)ilen, out + hl, out + hl + ilen),
			 0);
	} else {
		CHECK_EQ(wc_AesInit(&aes, NULL, INVALID_DEVID), 0);
		CHECK_EQ(wc_AesGcmSetKey(&aes, key, (word32)s->keylen), 0);
		CHECK_EQ(wc_AesGcmEncrypt(&aes, out + hl, inner, (word32)ilen,
					  nonce, 12, out + hl + ilen, 16, aad,
					  (word32)aadlen),
			 0);
		wc_AesFree(&aes);
	}
	return hl + ilen + 16;
}

static void
test_reference(void)
{
	static uint8_t plain[HS_TLS_REC_MAX_PLAIN], ours[BIG], ref[BIG];
	static const size_t lens[] = { 0, 1, 31, 1200, 16384 };
	uint8_t key[32], iv[12];

	for (int si = 0; si < NSUITES; si++) {
		const struct suite *s = &suites[si];
		struct hs_tls_rec a, b;
		uint64_t seq0 = si == 0 ? 0 : UINT64_C(0x0102030405060708) + si;

		pair_keys(s, &a, &b, key, iv, seq0);
		for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
			uint8_t type = li == 1 ? HS_TLS_CT_HANDSHAKE
					       : HS_TLS_CT_APPDATA;
			size_t len = lens[li], rl;
			struct hs_tls_rec_msg m;

			for (size_t i = 0; i < len; i++)
				plain[i] = (uint8_t)rnd();
			rl = ref_record(s, key, iv, seq0 + li, type, plain, len,
					ref);
			CHECK_EQ(seal_flat(&a, type, plain, len, 0, ours),
				 (long)rl);
			CHECK(memcmp(ours, ref, rl) == 0);
			CHECK_EQ(open_flat(&b, ref, rl, &m), 0);
			CHECK_EQ(m.type, type);
			CHECK_EQ(m.len, len);
			CHECK(memcmp(ref + m.off, plain, len) == 0);
		}
		hs_tls_rec_clear(&a);
		hs_tls_rec_clear(&b);
	}
}

/* ---- failures ------------------------------------------------------- */

static bool
zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* A TLS 1.3 record whose inner plaintext is exactly inner[0..ilen),
 * made with the reference (so any content, type and padding). */
static size_t
craft13(const uint8_t *key, const uint8_t *iv, uint64_t seq,
	const uint8_t *inner, size_t ilen, uint8_t *out)
{
	static const struct suite s13 = { HS_TLS_V13, 0x1301, 16, 12, 32 };

	/* ref_record appends the type: pass all but the last byte */
	return ref_record(&s13, key, iv, seq, inner[ilen - 1], inner, ilen - 1,
			  out);
}

static void
test_failures(void)
{
	static uint8_t plain[HS_TLS_REC_MAX_PLAIN + 2], rec[BIG], save[BIG];
	uint8_t key[32], iv[12];
	struct hs_tls_rec_msg m;
	long rl;

	/* tampering anywhere in a small record of every suite */
	for (int si = 0; si < NSUITES; si++) {
		const struct suite *s = &suites[si];
		struct hs_tls_rec a, b;
		size_t hl;

		pair_keys(s, &a, &b, key, iv, 3);
		hl = hs_tls_rec_hdr_len(&a);
		for (size_t i = 0; i < 40; i++)
			plain[i] = (uint8_t)(0x41 + i);
		rl = seal_flat(&a, HS_TLS_CT_APPDATA, plain, 40, 0, save);
		for (long pos = 0; pos < rl; pos++) {
			int rc;

			memcpy(rec, save, (size_t)rl);
			rec[pos] ^= 0x20;
			rc = open_flat(&b, rec, (size_t)rl, &m);
			CHECK(rc < 0);
			if (pos >= 5) {
				/* body, tag or (1.2) explicit nonce */
				CHECK_EQ(rc, -EBADMSG);
				CHECK_EQ(hs_tls_rec_alert(&b),
					 HS_TLS_ALERT_BAD_RECORD_MAC);
				/* nothing of the plaintext is left */
				CHECK(zero(rec + hl, (size_t)rl - hl - 16));
			}
		}
		CHECK_EQ(b.rd.seq, 3); /* nothing accepted */
		memcpy(rec, save, (size_t)rl);
		CHECK_EQ(open_flat(&b, rec, (size_t)rl, &m), 0);
		CHECK_EQ(b.rd.seq, 4);
		/* oversized ciphertext: record_overflow from the header */
		rec[0] = HS_TLS_CT_APPDATA;
		rec[1] = rec[2] = 3;
		size_t over =
			(s->version == HS_TLS_V13 ? HS_TLS_REC_MAX_CIPHER13
						  : HS_TLS_REC_MAX_CIPHER12) +
			1;
		rec[3] = (uint8_t)(over >> 8);
		rec[4] = (uint8_t)over;
		CHECK_EQ(open_flat(&b, rec, 5, &m), -EMSGSIZE);
		CHECK_EQ(hs_tls_rec_alert(&b), HS_TLS_ALERT_RECORD_OVERFLOW);
		size_t reclen;
		struct hs_tls_iov hv = { rec, 5 };
		CHECK_EQ(hs_tls_rec_peek(&b, &hv, 1, &reclen), -EMSGSIZE);
		/* too short for a tag */
		rec[3] = 0;
		rec[4] = 15;
		CHECK_EQ(open_flat(&b, rec, 20, &m), -EPROTO);
		CHECK_EQ(hs_tls_rec_alert(&b), HS_TLS_ALERT_DECODE_ERROR);
		/* change_cipher_spec after the handshake */
		rec[0] = HS_TLS_CT_CCS;
		rec[4] = 1;
		CHECK_EQ(open_flat(&b, rec, 6, &m), -EPROTO);
		CHECK_EQ(hs_tls_rec_alert(&b), HS_TLS_ALERT_UNEXPECTED_MESSAGE);
		if (s->version == HS_TLS_V13) {
			/* outer type handshake: unexpected (protected only) */
			rec[0] = HS_TLS_CT_HANDSHAKE;
			CHECK_EQ(open_flat(&b, rec, 6, &m), -EPROTO);
			CHECK_EQ(hs_tls_rec_alert(&b),
				 HS_TLS_ALERT_UNEXPECTED_MESSAGE);
		} else {
			/* TLS 1.2: record version must be 3.3 */
			memcpy(rec, save, (size_t)rl);
			rec[2] = 1;
			CHECK_EQ(open_flat(&b, rec, (size_t)rl, &m), -EPROTO);
			CHECK_EQ(hs_tls_rec_alert(&b),
				 HS_TLS_ALERT_PROTOCOL_VERSION);
		}
		/* exhausted sequence numbers */
		a.wr.seq = UINT64_MAX;
		CHECK_EQ(seal_flat(&a, HS_TLS_CT_APPDATA, plain, 1, 0, rec),
			 -EOVERFLOW);
		hs_tls_rec_clear(&a);
		hs_tls_rec_clear(&b);
	}

	/* TLS 1.3 inner plaintext rules (RFC 8446 §5.4) */
	struct hs_tls_rec b;
	const struct suite *s = &suites[0];
	size_t n, i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)(i * 7);
	for (i = 0; i < 12; i++)
		iv[i] = (uint8_t)(i * 3);
	CHECK_EQ(hs_tls_rec_init(&b, s->version, s->suite), 0);
	CHECK_EQ(hs_tls_rec_set_key(&b, HS_TLS_REC_READ, key, 16, iv, 12, 0),
		 0);
	/* padding removed: "hi" + type 23 + 100 zeros */
	memset(plain, 0, sizeof(plain));
	plain[0] = 'h';
	plain[1] = 'i';
	plain[2] = HS_TLS_CT_APPDATA;
	n = craft13(key, iv, 0, plain, 103, rec);
	/* craft13 appended the last byte (0) as the "type": the inner
	 * plaintext is h i 17 00*100 */
	CHECK_EQ(open_flat(&b, rec, n, &m), 0);
	CHECK_EQ(m.type, HS_TLS_CT_APPDATA);
	CHECK_EQ(m.len, 2);
	CHECK(memcmp(rec + 5, "hi", 2) == 0);
	/* all zeros: no content type -> unexpected_message, wiped */
	memset(plain, 0, 64);
	n = craft13(key, iv, 1, plain, 64, rec);
	CHECK_EQ(open_flat(&b, rec, n, &m), -EPROTO);
	CHECK_EQ(hs_tls_rec_alert(&b), HS_TLS_ALERT_UNEXPECTED_MESSAGE);
	CHECK(zero(rec + 5, n - 5 - 16));
	CHECK_EQ(b.rd.seq, 1);
	/* unknown inner type 99 */
	plain[0] = 'x';
	plain[1] = 99;
	n = craft13(key, iv, 1, plain, 2, rec);
	CHECK_EQ(open_flat(&b, rec, n, &m), -EPROTO);
	CHECK_EQ(hs_tls_rec_alert(&b), HS_TLS_ALERT_UNEXPECTED_MESSAGE);
	CHECK(zero(rec + 5, 2));
	/* inner type change_cipher_spec */
	plain[0] = 1;
	plain[1] = HS_TLS_CT_CCS;
	n = craft13(key, iv, 1, plain, 2, rec);
	CHECK_EQ(open_flat(&b, rec, n, &m), -EPROTO);
	/* an alert record of 3 bytes: decode_error */
	plain[0] = 1;
	plain[1] = 0;
	plain[2] = 0;
	plain[3] = HS_TLS_CT_ALERT;
	n = craft13(key, iv, 1, plain, 4, rec);
	CHECK_EQ(open_flat(&b, rec, n, &m), -EPROTO);
	CHECK_EQ(hs_tls_rec_alert(&b), HS_TLS_ALERT_DECODE_ERROR);
	/* a good alert */
	plain[0] = 1;
	plain[1] = 0;
	plain[2] = HS_TLS_CT_ALERT;
	n = craft13(key, iv, 1, plain, 3, rec);
	CHECK_EQ(open_flat(&b, rec, n, &m), 0);
	CHECK_EQ(m.type, HS_TLS_CT_ALERT);
	CHECK_EQ(m.len, 2);
	/* an empty handshake record */
	plain[0] = HS_TLS_CT_HANDSHAKE;
	n = craft13(key, iv, 2, plain, 1, rec);
	CHECK_EQ(open_flat(&b, rec, n, &m), -EPROTO);
	CHECK_EQ(hs_tls_rec_alert(&b), HS_TLS_ALERT_UNEXPECTED_MESSAGE);
	/* an empty application data record is fine (RFC 8446 §5.1) */
	plain[0] = HS_TLS_CT_APPDATA;
	n = craft13(key, iv, 2, plain, 1, rec);
	CHECK_EQ(open_flat(&b, rec, n, &m), 0);
	CHECK_EQ(m.len, 0);
	/* 2^14 + 1 bytes of content (inner 2^14 + 2): record_overflow after
	 * the tag, plaintext wiped; 2^14 exactly is fine */
	memset(plain, 'a', HS_TLS_REC_MAX_PLAIN + 1);
	plain[HS_TLS_REC_MAX_PLAIN + 1] = HS_TLS_CT_APPDATA;
	n = craft13(key, iv, 3, plain, HS_TLS_REC_MAX_PLAIN + 2, rec);
	CHECK_EQ(open_flat(&b, rec, n, &m), -EMSGSIZE);
	CHECK_EQ(hs_tls_rec_alert(&b), HS_TLS_ALERT_RECORD_OVERFLOW);
	CHECK(zero(rec + 5, n - 5 - 16));
	plain[HS_TLS_REC_MAX_PLAIN] = HS_TLS_CT_APPDATA;
	n = craft13(key, iv, 3, plain, HS_TLS_REC_MAX_PLAIN + 1, rec);
	CHECK_EQ(open_flat(&b, rec, n, &m), 0);
	CHECK_EQ(m.len, HS_TLS_REC_MAX_PLAIN);
	/* content + padding up to 2^14 + 256 of ciphertext is accepted */
	memset(plain, 0, 300);
	plain[0] = HS_TLS_CT_APPDATA;
	n = craft13(key, iv, 4, plain, 240, rec);
	CHECK_EQ(open_flat(&b, rec, n, &m), 0);
	CHECK_EQ(m.len, 0);
	/* no read key */
	hs_tls_rec_clear(&b);
	CHECK_EQ(hs_tls_rec_init(&b, HS_TLS_V13, 0x1301), 0);
	CHECK_EQ(open_flat(&b, rec, n, &m), -EINVAL);
	hs_tls_rec_clear(&b);
}

/* KeyUpdate: both ends step their secret; one end alone cannot talk. */
static void
test_key_update(void)
{
	static uint8_t rec[BIG], buf[100];
	uint8_t secret[48];
	struct hs_tls_rec a, b;
	struct hs_tls_rec_msg m;
	long rl;

	for (int si = 0; si < 3; si++) {
		const struct suite *s = &suites[si];

		for (size_t i = 0; i < s->secret_len; i++)
			secret[i] = (uint8_t)rnd();
		CHECK_EQ(hs_tls_rec_init(&a, s->version, s->suite), 0);
		CHECK_EQ(hs_tls_rec_init(&b, s->version, s->suite), 0);
		CHECK_EQ(hs_tls_rec_set_secret(&a, HS_TLS_REC_WRITE, secret,
					       s->secret_len, 5),
			 0);
		CHECK_EQ(hs_tls_rec_set_secret(&b, HS_TLS_REC_READ, secret,
					       s->secret_len, 5),
			 0);
		memset(buf, 'k', sizeof(buf));
		rl = seal_flat(&a, HS_TLS_CT_APPDATA, buf, 10, 0, rec);
		CHECK_EQ(open_flat(&b, rec, (size_t)rl, &m), 0);
		CHECK_EQ(hs_tls_rec_update(&a, HS_TLS_REC_WRITE), 0);
		CHECK_EQ(a.wr.seq, 0);
		CHECK(memcmp(a.wr.secret, secret, s->secret_len) != 0);
		rl = seal_flat(&a, HS_TLS_CT_APPDATA, buf, 10, 0, rec);
		CHECK_EQ(open_flat(&b, rec, (size_t)rl, &m), -EBADMSG);
		b.rd.seq = 6;
		CHECK_EQ(hs_tls_rec_update(&b, HS_TLS_REC_READ), 0);
		CHECK_EQ(b.rd.seq, 0);
		a.wr.seq = 0;
		rl = seal_flat(&a, HS_TLS_CT_APPDATA, buf, 10, 0, rec);
		CHECK_EQ(open_flat(&b, rec, (size_t)rl, &m), 0);
		CHECK(memcmp(rec + m.off, buf, 10) == 0);
		CHECK(!hs_tls_rec_wants_update(&a));
		a.wr.seq = HS_TLS_REC_UPDATE_AFTER;
		CHECK(hs_tls_rec_wants_update(&a));
		hs_tls_rec_clear(&a);
		hs_tls_rec_clear(&b);
	}
	/* TLS 1.2 has no KeyUpdate */
	CHECK_EQ(hs_tls_rec_init(&a, HS_TLS_V12, 0xC02F), 0);
	CHECK_EQ(hs_tls_rec_update(&a, HS_TLS_REC_WRITE), -EINVAL);
	hs_tls_rec_clear(&a);
}

void test_rec_wolfssl(const char *top);

int
main(int argc, char **argv)
{
	const char *top = argc > 1 ? argv[1] : ".";

	wolfSSL_Init();
	if (hs_tls_crypto_thread_init() != 0) {
		printf("tls_rec: no ipsec-mb on this machine: skipped\n");
		return 77;
	}
	test_rfc8448();
	test_suite_ok();
	test_chains();
	test_reference();
	test_failures();
	test_key_update();
	test_rec_wolfssl(top);
	hs_tls_crypto_thread_fini();
	wolfSSL_Cleanup();
	return hs_check_summary("tls_rec");
}
