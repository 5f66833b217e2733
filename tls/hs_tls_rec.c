/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_rec.c - TLS 1.3 / 1.2 AEAD record seal and open over buffer
 * chains, in place, on ipsec-mb (design: hs_tls_rec.h).
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include <errno.h>
#include <string.h>

#include "hs_common.h"
#include "hs_tls_rec.h"

/* ---- buffer chains ---------------------------------------------------- */

static size_t
iov_total(const struct hs_tls_iov *v, int n)
{
	size_t t = 0;
	int i;

	for (i = 0; i < n; i++)
		t += v[i].len;
	return t;
}

/* Copy len bytes at off of the chain to dst (the caller checked the
 * chain is long enough). */
static void
iov_read(const struct hs_tls_iov *v, int n, size_t off, uint8_t *dst,
	 size_t len)
{
	int i;

	for (i = 0; i < n && len > 0; i++) {
		size_t k;

		if (off >= v[i].len) {
			off -= v[i].len;
			continue;
		}
		k = v[i].len - off;
		if (k > len)
			k = len;
		memcpy(dst, v[i].base + off, k);
		dst += k;
		len -= k;
		off = 0;
	}
}

enum iov_op { IOV_ENC, IOV_DEC, IOV_ZERO };

/* Apply op to bytes [off, off+len) of the chain, piece by piece. */
static void
iov_apply(const struct hs_tls_iov *v, int n, size_t off, size_t len,
	  enum iov_op op, const struct hs_tls_aead *a,
	  struct hs_tls_aead_ctx *c)
{
	int i;

	for (i = 0; i < n && len > 0; i++) {
		size_t k;

		if (off >= v[i].len) {
			off -= v[i].len;
			continue;
		}
		k = v[i].len - off;
		if (k > len)
			k = len;
		if (op == IOV_ZERO)
			explicit_bzero(v[i].base + off, k);
		else
			hs_tls_aead_update(a, c, op == IOV_ENC, v[i].base + off,
					   k);
		len -= k;
		off = 0;
	}
}

/* Offset of the last non-zero byte in [off, off+len), or -1. */
static long
iov_last_nonzero(const struct hs_tls_iov *v, int n, size_t off, size_t len)
{
	size_t end = off + len, start = 0;
	int i, last = -1;

	if (len == 0)
		return -1;
	/* the piece holding byte end-1 */
	for (i = 0; i < n; i++) {
		if (end <= start + v[i].len) {
			last = i;
			break;
		}
		start += v[i].len;
	}
	if (last < 0)
		return -1;
	for (i = last; i >= 0; i--) {
		size_t lo = start > off ? start : off; /* absolute */
		size_t hi = end < start + v[i].len ? end : start + v[i].len;

		while (hi > lo) {
			hi--;
			if (v[i].base[hi - start] != 0)
				return (long)hi;
		}
		if (start <= off)
			break;
		if (i > 0)
			start -= v[i - 1].len;
	}
	return -1;
}

static void
put_be64(uint8_t *p, uint64_t x)
{
	int i;

	for (i = 7; i >= 0; i--, x >>= 8)
		p[i] = (uint8_t)x;
}

/* ---- suites and keys -------------------------------------------------- */

static enum hs_tls_aead_alg
suite_alg(uint16_t version, uint16_t suite, uint8_t *hash_len)
{
	*hash_len = 32;
	if (version == HS_TLS_V13) {
		switch (suite) {
		case 0x1301:
			return HS_TLS_AEAD_AES128_GCM;
		case 0x1302:
			*hash_len = 48;
			return HS_TLS_AEAD_AES256_GCM;
		case 0x1303:
			return HS_TLS_AEAD_CHACHA20_POLY1305;
		}
	} else if (version == HS_TLS_V12) {
		switch (suite) {
		case 0xC02B: /* ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
		case 0xC02F: /* ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
			return HS_TLS_AEAD_AES128_GCM;
		case 0xC02C: /* ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
		case 0xC030: /* ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
			*hash_len = 48;
			return HS_TLS_AEAD_AES256_GCM;
		case 0xCCA9: /* ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
		case 0xCCA8: /* ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
			return HS_TLS_AEAD_CHACHA20_POLY1305;
		}
	}
	return HS_TLS_AEAD_NONE;
}

bool
hs_tls_rec_suite_ok(uint16_t version, uint16_t suite)
{
	uint8_t h;

	return hs_tls_crypto_available() &&
	       suite_alg(version, suite, &h) != HS_TLS_AEAD_NONE;
}

int
hs_tls_rec_init(struct hs_tls_rec *r, uint16_t version, uint16_t suite)
{
	memset(r, 0, sizeof(*r));
	r->alg = suite_alg(version, suite, &r->hash_len);
	if (r->alg == HS_TLS_AEAD_NONE || !hs_tls_crypto_available())
		return -ENOTSUP;
	r->version = version;
	r->suite = suite;
	return 0;
}

static void
key_clear(struct hs_tls_rec_key *k)
{
	hs_tls_aead_free(k->aead);
	explicit_bzero(k, sizeof(*k));
}

void
hs_tls_rec_clear(struct hs_tls_rec *r)
{
	key_clear(&r->rd);
	key_clear(&r->wr);
	explicit_bzero(r, sizeof(*r));
}

static struct hs_tls_rec_key *
dir_key(struct hs_tls_rec *r, enum hs_tls_rec_dir d)
{
	return d == HS_TLS_REC_WRITE ? &r->wr : &r->rd;
}

/* HKDF-Expand-Label(secret, label, "", out_len) (RFC 8446 §7.1). */
static int
expand_label(uint8_t hash_len, const uint8_t *secret, const char *label,
	     uint8_t *out, size_t out_len)
{
	uint8_t info[2 + 1 + 6 + 32 + 1];
	size_t ll = strlen(label), i = 0;

	if (ll > 32)
		return -EINVAL;
	info[i++] = (uint8_t)(out_len >> 8);
	info[i++] = (uint8_t)out_len;
	info[i++] = (uint8_t)(6 + ll);
	memcpy(info + i, "tls13 ", 6);
	i += 6;
	memcpy(info + i, label, ll);
	i += ll;
	info[i++] = 0; /* empty context */
	if (wc_HKDF_Expand(hash_len == 48 ? WC_SHA384 : WC_SHA256, secret,
			   hash_len, info, (word32)i, out,
			   (word32)out_len) != 0)
		return -EINVAL;
	return 0;
}

static int
key_install(struct hs_tls_rec *r, struct hs_tls_rec_key *k, const uint8_t *key,
	    size_t keylen)
{
	if (k->aead != NULL)
		return hs_tls_aead_rekey(k->aead, key, keylen);
	k->aead = hs_tls_aead_new(r->alg, key, keylen);
	return k->aead != NULL ? 0 : -ENOMEM;
}

/* Key and iv of k from k->secret. */
static int
key_from_secret(struct hs_tls_rec *r, struct hs_tls_rec_key *k)
{
	uint8_t key[32];
	size_t kl = hs_tls_aead_key_len(r->alg);
	int rc;

	rc = expand_label(r->hash_len, k->secret, "key", key, kl);
	if (rc == 0)
		rc = expand_label(r->hash_len, k->secret, "iv", k->iv,
				  sizeof(k->iv));
	if (rc == 0)
		rc = key_install(r, k, key, kl);
	explicit_bzero(key, sizeof(key));
	return rc;
}

int
hs_tls_rec_set_secret(struct hs_tls_rec *r, enum hs_tls_rec_dir d,
		      const uint8_t *secret, size_t len, uint64_t seq)
{
	struct hs_tls_rec_key *k = dir_key(r, d);

	if (r->version != HS_TLS_V13 || secret == NULL || len != r->hash_len)
		return -EINVAL;
	memcpy(k->secret, secret, len);
	k->secret_len = (uint8_t)len;
	k->seq = seq;
	return key_from_secret(r, k);
}

int
hs_tls_rec_set_key(struct hs_tls_rec *r, enum hs_tls_rec_dir d,
		   const uint8_t *key, size_t keylen, const uint8_t *iv,
		   size_t ivlen, uint64_t seq)
{
	struct hs_tls_rec_key *k = dir_key(r, d);
	size_t want_iv = (r->version == HS_TLS_V12 &&
			  r->alg != HS_TLS_AEAD_CHACHA20_POLY1305)
				 ? 4
				 : 12;

	if (r->alg == HS_TLS_AEAD_NONE || key == NULL || iv == NULL ||
	    keylen != hs_tls_aead_key_len(r->alg) || ivlen != want_iv)
		return -EINVAL;
	memset(k->iv, 0, sizeof(k->iv));
	memcpy(k->iv, iv, ivlen);
	explicit_bzero(k->secret, sizeof(k->secret));
	k->secret_len = 0;
	k->seq = seq;
	return key_install(r, k, key, keylen);
}

int
hs_tls_rec_update(struct hs_tls_rec *r, enum hs_tls_rec_dir d)
{
	struct hs_tls_rec_key *k = dir_key(r, d);
	uint8_t next[48];
	int rc;

	if (r->version != HS_TLS_V13 || k->secret_len != r->hash_len ||
	    k->aead == NULL)
		return -EINVAL;
	rc = expand_label(r->hash_len, k->secret, "traffic upd", next,
			  r->hash_len);
	if (rc == 0) {
		memcpy(k->secret, next, r->hash_len);
		k->seq = 0;
		rc = key_from_secret(r, k);
	}
	explicit_bzero(next, sizeof(next));
	return rc;
}

bool
hs_tls_rec_wants_update(const struct hs_tls_rec *r)
{
	return r->wr.seq >= HS_TLS_REC_UPDATE_AFTER;
}

size_t
hs_tls_rec_hdr_len(const struct hs_tls_rec *r)
{
	return (r->version == HS_TLS_V12 &&
		r->alg != HS_TLS_AEAD_CHACHA20_POLY1305)
		       ? HS_TLS_REC_HDR + 8
		       : HS_TLS_REC_HDR;
}

size_t
hs_tls_rec_tail_len(const struct hs_tls_rec *r, size_t pad)
{
	if (r->version == HS_TLS_V13)
		return 1 + pad + HS_TLS_AEAD_TAG_LEN;
	return HS_TLS_AEAD_TAG_LEN;
}

/* RFC 8446 §5.3 / RFC 7905 §2: iv XOR the left-padded sequence number. */
static void
nonce_xor(const struct hs_tls_rec_key *k, uint64_t seq, uint8_t nonce[12])
{
	uint8_t s[8];
	int i;

	put_be64(s, seq);
	memcpy(nonce, k->iv, 12);
	for (i = 0; i < 8; i++)
		nonce[4 + i] ^= s[i];
}

/* TLS 1.2 additional data: seq_num, type, version, length. */
static void
aad12(uint8_t aad[13], uint64_t seq, uint8_t type, size_t len)
{
	put_be64(aad, seq);
	aad[8] = type;
	aad[9] = 3;
	aad[10] = 3;
	aad[11] = (uint8_t)(len >> 8);
	aad[12] = (uint8_t)len;
}

static bool
type_ok(uint8_t t)
{
	return t == HS_TLS_CT_ALERT || t == HS_TLS_CT_HANDSHAKE ||
	       t == HS_TLS_CT_APPDATA;
}

long
hs_tls_rec_seal(struct hs_tls_rec *r, uint8_t type, uint8_t *hdr,
		const struct hs_tls_iov *v, int n, uint8_t *tail, size_t pad)
{
	return hs_tls_rec_seal_from(r, type, hdr, v, n, NULL, tail, pad);
}

long
hs_tls_rec_seal_from(struct hs_tls_rec *r, uint8_t type, uint8_t *hdr,
		     const struct hs_tls_iov *v, int n, const uint8_t *src,
		     uint8_t *tail, size_t pad)
{
	struct hs_tls_rec_key *k = &r->wr;
	struct hs_tls_aead_ctx c;
	uint8_t nonce[12], aad[13];
	size_t plain = iov_total(v, n), clen, hl = hs_tls_rec_hdr_len(r);
	bool v13 = r->version == HS_TLS_V13;
	int i;

	r->alert = HS_TLS_ALERT_INTERNAL_ERROR;
	if (k->aead == NULL || !type_ok(type) || (v13 && pad > 255) ||
	    plain + (v13 ? pad : 0) > HS_TLS_REC_MAX_PLAIN)
		return -EINVAL;
	if (HS_UNLIKELY(k->seq == UINT64_MAX))
		return -EOVERFLOW;
	if (v13) {
		clen = plain + 1 + pad + HS_TLS_AEAD_TAG_LEN;
		hdr[0] = HS_TLS_CT_APPDATA;
	} else {
		clen = hl - HS_TLS_REC_HDR + plain + HS_TLS_AEAD_TAG_LEN;
		hdr[0] = type;
	}
	hdr[1] = 3;
	hdr[2] = 3;
	hdr[3] = (uint8_t)(clen >> 8);
	hdr[4] = (uint8_t)clen;
	if (v13 || r->alg == HS_TLS_AEAD_CHACHA20_POLY1305) {
		nonce_xor(k, k->seq, nonce);
	} else {
		/* RFC 5288 §3: salt || explicit nonce; the explicit part is
		 * the sequence number (unique per key, RFC 5288 §6.1). */
		memcpy(nonce, k->iv, 4);
		put_be64(nonce + 4, k->seq);
		memcpy(hdr + HS_TLS_REC_HDR, nonce + 4, 8);
	}
	if (v13)
		i = hs_tls_aead_begin(k->aead, &c, true, nonce, hdr,
				      HS_TLS_REC_HDR);
	else {
		aad12(aad, k->seq, type, plain);
		i = hs_tls_aead_begin(k->aead, &c, true, nonce, aad,
				      sizeof(aad));
	}
	if (i != 0)
		return i;
	if (src == NULL) {
		iov_apply(v, n, 0, plain, IOV_ENC, k->aead, &c);
	} else {
		for (i = 0; i < n; i++) {
			hs_tls_aead_update_to(k->aead, &c, true, v[i].base, src,
					      v[i].len);
			src += v[i].len;
		}
	}
	if (v13) {
		tail[0] = type;
		memset(tail + 1, 0, pad);
		hs_tls_aead_update(k->aead, &c, true, tail, 1 + pad);
		hs_tls_aead_finish_seal(k->aead, &c, tail + 1 + pad);
	} else {
		hs_tls_aead_finish_seal(k->aead, &c, tail);
	}
	k->seq++;
	return (long)(HS_TLS_REC_HDR + clen);
}

static int
fail(struct hs_tls_rec *r, uint8_t alert, int err)
{
	r->alert = alert;
	return err;
}

/* Header checks common to peek and open. */
static int
check_hdr(struct hs_tls_rec *r, const uint8_t h[5], size_t *reclen)
{
	size_t len = (size_t)h[3] << 8 | h[4];

	if (r->version == HS_TLS_V13) {
		/* legacy_record_version is ignored (RFC 8446 §5.1); after
		 * the handshake only protected records exist: a plaintext
		 * alert, handshake or change_cipher_spec is unexpected. */
		if (h[0] != HS_TLS_CT_APPDATA)
			return fail(r, HS_TLS_ALERT_UNEXPECTED_MESSAGE,
				    -EPROTO);
		if (len > HS_TLS_REC_MAX_CIPHER13)
			return fail(r, HS_TLS_ALERT_RECORD_OVERFLOW, -EMSGSIZE);
		if (len < HS_TLS_AEAD_TAG_LEN)
			return fail(r, HS_TLS_ALERT_DECODE_ERROR, -EPROTO);
	} else {
		if (!type_ok(h[0])) /* CCS: no renegotiation */
			return fail(r, HS_TLS_ALERT_UNEXPECTED_MESSAGE,
				    -EPROTO);
		if (h[1] != 3 || h[2] != 3)
			return fail(r, HS_TLS_ALERT_PROTOCOL_VERSION, -EPROTO);
		if (len > HS_TLS_REC_MAX_CIPHER12)
			return fail(r, HS_TLS_ALERT_RECORD_OVERFLOW, -EMSGSIZE);
		if (len < hs_tls_rec_hdr_len(r) - HS_TLS_REC_HDR +
				  HS_TLS_AEAD_TAG_LEN)
			return fail(r, HS_TLS_ALERT_DECODE_ERROR, -EPROTO);
	}
	*reclen = HS_TLS_REC_HDR + len;
	return 0;
}

int
hs_tls_rec_peek(struct hs_tls_rec *r, const struct hs_tls_iov *v, int n,
		size_t *reclen)
{
	uint8_t h[HS_TLS_REC_HDR];

	*reclen = 0;
	if (iov_total(v, n) < HS_TLS_REC_HDR)
		return -EAGAIN;
	iov_read(v, n, 0, h, sizeof(h));
	return check_hdr(r, h, reclen);
}

int
hs_tls_rec_open(struct hs_tls_rec *r, const struct hs_tls_iov *v, int n,
		struct hs_tls_rec_msg *m)
{
	struct hs_tls_rec_key *k = &r->rd;
	struct hs_tls_aead_ctx c;
	uint8_t h[HS_TLS_REC_HDR_MAX], nonce[12], aad[13];
	uint8_t tag[HS_TLS_AEAD_TAG_LEN];
	size_t avail = iov_total(v, n), reclen, hl, clen, plen;
	bool v13 = r->version == HS_TLS_V13;
	uint8_t type;
	int rc;

	memset(m, 0, sizeof(*m));
	if (avail < HS_TLS_REC_HDR)
		return -EAGAIN;
	iov_read(v, n, 0, h, HS_TLS_REC_HDR);
	rc = check_hdr(r, h, &reclen);
	if (rc != 0)
		return rc;
	m->reclen = reclen;
	if (avail < reclen)
		return -EAGAIN;
	if (k->aead == NULL)
		return fail(r, HS_TLS_ALERT_INTERNAL_ERROR, -EINVAL);
	if (HS_UNLIKELY(k->seq == UINT64_MAX))
		return fail(r, HS_TLS_ALERT_INTERNAL_ERROR, -EOVERFLOW);
	hl = hs_tls_rec_hdr_len(r);
	clen = reclen - hl - HS_TLS_AEAD_TAG_LEN; /* bytes to decrypt */
	iov_read(v, n, hl + clen, tag, sizeof(tag));
	if (v13 || r->alg == HS_TLS_AEAD_CHACHA20_POLY1305) {
		nonce_xor(k, k->seq, nonce);
	} else {
		iov_read(v, n, HS_TLS_REC_HDR, h + HS_TLS_REC_HDR, 8);
		memcpy(nonce, k->iv, 4);
		memcpy(nonce + 4, h + HS_TLS_REC_HDR, 8);
	}
	if (v13) {
		rc = hs_tls_aead_begin(k->aead, &c, false, nonce, h,
				       HS_TLS_REC_HDR);
	} else {
		aad12(aad, k->seq, h[0], clen);
		rc = hs_tls_aead_begin(k->aead, &c, false, nonce, aad,
				       sizeof(aad));
	}
	if (rc != 0)
		return fail(r, HS_TLS_ALERT_INTERNAL_ERROR, rc);
	iov_apply(v, n, hl, clen, IOV_DEC, k->aead, &c);
	if (hs_tls_aead_finish_open(k->aead, &c, tag) != 0) {
		rc = fail(r, HS_TLS_ALERT_BAD_RECORD_MAC, -EBADMSG);
		goto wipe;
	}
	if (v13) {
		long last = iov_last_nonzero(v, n, hl, clen);

		if (last < 0) {
			rc = fail(r, HS_TLS_ALERT_UNEXPECTED_MESSAGE, -EPROTO);
			goto wipe;
		}
		iov_read(v, n, (size_t)last, &type, 1);
		plen = (size_t)last - hl;
	} else {
		type = h[0];
		plen = clen;
	}
	if (plen > HS_TLS_REC_MAX_PLAIN) {
		rc = fail(r, HS_TLS_ALERT_RECORD_OVERFLOW, -EMSGSIZE);
		goto wipe;
	}
	if (!type_ok(type) || (type == HS_TLS_CT_HANDSHAKE && plen == 0)) {
		rc = fail(r, HS_TLS_ALERT_UNEXPECTED_MESSAGE, -EPROTO);
		goto wipe;
	}
	if (type == HS_TLS_CT_ALERT && plen != 2) {
		rc = fail(r, HS_TLS_ALERT_DECODE_ERROR, -EPROTO);
		goto wipe;
	}
	k->seq++;
	m->type = type;
	m->off = hl;
	m->len = plen;
	return 0;
wipe:
	/* RFC 5116 §2.2: no plaintext from a record that failed */
	iov_apply(v, n, hl, clen, IOV_ZERO, NULL, NULL);
	return rc;
}
