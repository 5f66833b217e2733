/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_tls_rec.c - libFuzzer target for the record layer's open path
 * (tls/hs_tls_rec.c): a byte stream of records arriving in segments of
 * any size, as hs_tls feeds it from TCP.
 *
 * Input: byte 0 picks the suite (TLS 1.3 / 1.2, AES-128/256-GCM,
 * ChaCha20-Poly1305), byte 1 seeds the segment sizes, byte 2 the mode:
 *   raw      the rest is the stream as it comes off the wire;
 *   sealed   the rest describes records (length, type, padding, then the
 *            plaintext bytes) that are sealed with the writer's key; the
 *            last 7 bytes then tamper with the stream: two byte flips at
 *            chosen offsets and a truncation.
 * Invariants (abort on violation):
 *  - open never releases a record that a flip touched, nor one cut
 *    short (tampered or truncated: an error or -EAGAIN, never 0);
 *  - an untouched record opens to exactly the plaintext and type sealed;
 *  - a released record: off + len <= reclen, len <= 2^14, a known type,
 *    an alert is 2 bytes; -EAGAIN's length need is a legal record size;
 *  - after a bad tag every decrypted byte of the record is zero;
 *  - every error names an alert and ends the stream.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_tls_rec.h"

#define FZ_ASSERT(c)                                                          \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, \
				__FILE__, __LINE__);                          \
			abort();                                              \
		}                                                             \
	} while (0)

#define FZ_BUF    (1u << 18)
#define FZ_RECS   512
#define FZ_PIECES 65536

struct fz_suite {
	uint16_t version, suite;
	size_t keylen, ivlen;
};

static const struct fz_suite fz_suites[] = {
	{ HS_TLS_V13, 0x1301, 16, 12 }, { HS_TLS_V13, 0x1302, 32, 12 },
	{ HS_TLS_V13, 0x1303, 32, 12 }, { HS_TLS_V12, 0xC02F, 16, 4 },
	{ HS_TLS_V12, 0xC02C, 32, 4 },  { HS_TLS_V12, 0xCCA8, 32, 12 },
};

struct fz_rec {
	size_t start, reclen; /* in the stream */
	const uint8_t *plain; /* in the input */
	size_t len;
	uint8_t type;
	int touched;
};

static uint8_t fz_stream[FZ_BUF];
static uint8_t fz_scratch[HS_TLS_REC_MAX_PLAIN];
static struct fz_rec fz_recs[FZ_RECS];
static struct hs_tls_iov fz_v[FZ_PIECES];

static uint32_t
fz_next(uint32_t *seed, uint32_t max)
{
	*seed = *seed * 1103515245u + 12345u;
	return 1 + (*seed >> 16) % max;
}

static int
fz_init(struct hs_tls_rec *r, const struct fz_suite *s, enum hs_tls_rec_dir d)
{
	uint8_t key[32], iv[12];
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x5a ^ i * 29);
	for (i = 0; i < sizeof(iv); i++)
		iv[i] = (uint8_t)(0xa5 ^ i * 7);
	if (hs_tls_rec_init(r, s->version, s->suite) != 0)
		return -1;
	return hs_tls_rec_set_key(r, d, key, s->keylen, iv, s->ivlen, 42);
}

/* Seal the records the input describes; returns the stream length. */
static size_t
fz_seal(struct hs_tls_rec *w, const uint8_t *d, size_t n, int *nrec)
{
	static const uint8_t types[3] = { HS_TLS_CT_APPDATA,
					  HS_TLS_CT_HANDSHAKE,
					  HS_TLS_CT_ALERT };
	size_t i = 0, out = 0, hl = hs_tls_rec_hdr_len(w);

	*nrec = 0;
	while (i + 4 <= n && *nrec < FZ_RECS) {
		size_t len = ((size_t)d[i] << 8 | d[i + 1]) %
			     (HS_TLS_REC_MAX_PLAIN + 1);
		uint8_t type = types[d[i + 2] % 3];
		size_t pad = w->version == HS_TLS_V13 ? d[i + 3] % 32 : 0;
		struct hs_tls_iov v;
		long rl;

		i += 4;
		if (len > n - i)
			len = n - i;
		if (type == HS_TLS_CT_ALERT)
			len = len < 2 ? len : 2;
		if (len + pad > HS_TLS_REC_MAX_PLAIN)
			pad = 0;
		if (out + hl + len + hs_tls_rec_tail_len(w, pad) > FZ_BUF)
			break;
		if ((type == HS_TLS_CT_ALERT && len != 2) ||
		    (type == HS_TLS_CT_HANDSHAKE && len == 0))
			type = HS_TLS_CT_APPDATA; /* keep every record legal */
		memcpy(fz_stream + out + hl, d + i, len);
		v.base = fz_stream + out + hl;
		v.len = len;
		rl = hs_tls_rec_seal(w, type, fz_stream + out, &v, 1,
				     fz_stream + out + hl + len, pad);
		FZ_ASSERT(rl > 0);
		fz_recs[*nrec] =
			(struct fz_rec){ out, (size_t)rl, d + i, len, type, 0 };
		(*nrec)++;
		out += (size_t)rl;
		i += len;
	}
	return out;
}

static void
fz_touch(int nrec, size_t pos)
{
	for (int k = 0; k < nrec; k++)
		if (pos >= fz_recs[k].start &&
		    pos < fz_recs[k].start + fz_recs[k].reclen)
			fz_recs[k].touched = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static int ready;
	const struct fz_suite *s;
	struct hs_tls_rec w, r;
	uint32_t seed;
	size_t len, off = 0;
	int nrec = 0, k = 0, sealed;

	if (!ready) {
		if (hs_tls_crypto_thread_init() != 0)
			abort();
		ready = 1;
	}
	if (n < 3)
		return 0;
	s = &fz_suites[d[0] % (sizeof(fz_suites) / sizeof(fz_suites[0]))];
	seed = d[1];
	sealed = d[2] & 1;
	d += 3;
	n -= 3;
	FZ_ASSERT(fz_init(&r, s, HS_TLS_REC_READ) == 0);
	if (sealed) {
		size_t body = n > 7 ? n - 7 : 0;
		const uint8_t *t = d + body;

		FZ_ASSERT(fz_init(&w, s, HS_TLS_REC_WRITE) == 0);
		len = fz_seal(&w, d, body, &nrec);
		hs_tls_rec_clear(&w);
		if (n > 7 && len > 0) {
			size_t p1 = ((size_t)t[0] << 8 | t[1]) % len;
			size_t p2 = ((size_t)t[3] << 8 | t[4]) % len;
			size_t cut = t[6] % 64;

			if (t[2] != 0) {
				fz_stream[p1] ^= t[2];
				fz_touch(nrec, p1);
			}
			if (t[5] != 0 && p2 != p1) {
				fz_stream[p2] ^= t[5];
				fz_touch(nrec, p2);
			}
			if (t[6] >= 192 && cut < len) {
				len -= cut;
				fz_touch(nrec, len); /* the record cut short */
			}
		}
	} else {
		len = n < FZ_BUF ? n : FZ_BUF;
		memcpy(fz_stream, d, len);
	}

	/* segments of 1..1500 bytes */
	while (off < len) {
		struct hs_tls_rec_msg m;
		size_t o = off, avail;
		int np = 0, rc;

		while (o < len && np < FZ_PIECES) {
			size_t seg = fz_next(&seed, 1500);

			if (seg > len - o)
				seg = len - o;
			fz_v[np].base = fz_stream + o;
			fz_v[np].len = seg;
			o += seg;
			np++;
		}
		avail = o - off;
		rc = hs_tls_rec_open(&r, fz_v, np, &m);
		if (rc == -EAGAIN) {
			FZ_ASSERT(
				m.reclen == 0 ||
				(m.reclen > avail &&
				 m.reclen <= HS_TLS_REC_HDR +
						     HS_TLS_REC_MAX_CIPHER12));
			break;
		}
		if (rc != 0) {
			/* an error names its alert (never close_notify) */
			FZ_ASSERT(hs_tls_rec_alert(&r) != 0);
			if (rc == -EBADMSG) {
				size_t hl = hs_tls_rec_hdr_len(&r);

				FZ_ASSERT(m.reclen >= hl + HS_TLS_AEAD_TAG_LEN);
				for (size_t i = hl;
				     i < m.reclen - HS_TLS_AEAD_TAG_LEN; i++)
					FZ_ASSERT(fz_stream[off + i] == 0);
			}
			if (sealed) /* only a tampered record may fail */
				FZ_ASSERT(k < nrec && fz_recs[k].touched);
			break;
		}
		FZ_ASSERT(m.off + m.len <= m.reclen && m.reclen <= avail);
		FZ_ASSERT(m.len <= HS_TLS_REC_MAX_PLAIN);
		FZ_ASSERT(m.type == HS_TLS_CT_APPDATA ||
			  m.type == HS_TLS_CT_HANDSHAKE ||
			  m.type == HS_TLS_CT_ALERT);
		FZ_ASSERT(m.type != HS_TLS_CT_ALERT || m.len == 2);
		/* read it all (ASan sees a bad offset) */
		memcpy(fz_scratch, fz_stream + off + m.off, m.len);
		if (sealed) {
			FZ_ASSERT(k < nrec && !fz_recs[k].touched);
			FZ_ASSERT(fz_recs[k].start == off);
			FZ_ASSERT(m.reclen == fz_recs[k].reclen);
			FZ_ASSERT(m.type == fz_recs[k].type);
			FZ_ASSERT(m.len == fz_recs[k].len);
			FZ_ASSERT(memcmp(fz_scratch, fz_recs[k].plain, m.len) ==
				  0);
		}
		off += m.reclen;
		k++;
	}
	if (sealed && off >= len) /* all opened: nothing was tampered */
		for (int i = 0; i < nrec; i++)
			FZ_ASSERT(!fz_recs[i].touched ||
				  fz_recs[i].start >= len);
	hs_tls_rec_clear(&r);
	return 0;
}
