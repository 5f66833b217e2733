/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_crypto.c - TLS record AES-GCM on Intel ipsec-mb through a wolfSSL
 * crypto-callback device (design and key cache: see hs_tls_crypto.h).
 *
 * wolfSSL 5.5.4 facts this relies on (wolfcrypt/src/aes.c, cryptocb.c):
 *   - wc_AesGcmEncrypt/Decrypt call wc_CryptoCb_AesGcm* first when
 *     aes->devId != INVALID_DEVID and fall back to software on
 *     CRYPTOCB_UNAVAILABLE;
 *   - wc_AesSetKey / wc_AesGcmSetKey copy the raw key into aes->devKey and
 *     set aes->keylen when devId is set;
 *   - wc_AesInit sets aes->devCtx = NULL (SetKeys calls it on every key
 *     change, TLS 1.3 KeyUpdate included).
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/cryptocb.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_common.h"
#include "hs_tls_crypto.h"
#include "hs_tls_xkey.h"

#ifndef WOLF_CRYPTO_CB
#error "wolfSSL without crypto callbacks (--enable-cryptocb): no ipsec-mb device"
#endif

static __thread struct hs_tls_crypto_stats hs_tls_crypto_st;

void
hs_tls_crypto_stats(struct hs_tls_crypto_stats *out)
{
	if (out != NULL)
		*out = hs_tls_crypto_st;
}

int
hs_tls_crypto_parse(const char *name, enum hs_tls_crypto *out)
{
	if (name == NULL || out == NULL)
		return -EINVAL;
	if (strcmp(name, "ipsec-mb") == 0 || strcmp(name, "ipsecmb") == 0)
		*out = HS_TLS_CRYPTO_IPSECMB;
	else if (strcmp(name, "wolfssl") == 0)
		*out = HS_TLS_CRYPTO_WOLFSSL;
	else
		return -EINVAL;
	return 0;
}

const char *
hs_tls_crypto_name(enum hs_tls_crypto c)
{
	switch (c) {
	case HS_TLS_CRYPTO_IPSECMB:
		return "ipsec-mb";
	case HS_TLS_CRYPTO_WOLFSSL:
		return "wolfssl";
	}
	return "unknown";
}

#ifdef HS_HAVE_IPSECMB

#include <intel-ipsec-mb.h>

#define HS_TLS_CRYPTO_SLOTS 4
#define HS_TLS_GCM_IV_LEN   12 /* RFC 5116 §3.2 N_MIN = N_MAX = 12 */
#define HS_TLS_GCM_TAG_LEN  16

struct hs_tls_crypto_slot {
	struct gcm_key_data kd; /* 64-byte aligned (ipsec-mb) */
	const Aes *aes;         /* owner; NULL when free */
	uint64_t stamp;         /* expansion order, for eviction */
	int keylen;
	uint8_t raw[32] __attribute__((aligned(16))); /* ipsec-mb: aligned */
};

struct hs_tls_crypto_keyset {
	struct hs_tls_crypto_slot slot[HS_TLS_CRYPTO_SLOTS];
	uint64_t clock;
};

static __thread IMB_MGR *hs_tls_crypto_mgr;
static __thread IMB_ARCH hs_tls_crypto_mgr_arch;
static __thread struct hs_tls_crypto_keyset *hs_tls_crypto_cur;
static __thread struct hs_tls_crypto_keyset *hs_tls_crypto_fallback;
static int hs_tls_crypto_registered;

bool
hs_tls_crypto_available(void)
{
	return true;
}

const char *
hs_tls_crypto_version(void)
{
	return "ipsec-mb " IMB_VERSION_STR;
}

int
hs_tls_crypto_thread_init(void)
{
	IMB_MGR *m;

	if (hs_tls_crypto_mgr != NULL)
		return 0;
	m = alloc_mb_mgr(0);
	if (m == NULL)
		return -ENOMEM;
	init_mb_mgr_auto(m, &hs_tls_crypto_mgr_arch);
	if (imb_get_errno(m) != 0 || hs_tls_crypto_mgr_arch == IMB_ARCH_NONE) {
		free_mb_mgr(m);
		return -ENOTSUP;
	}
	hs_tls_crypto_mgr = m;
	return 0;
}

static void hs_tls_crypto_seed_fini(void);

void
hs_tls_crypto_thread_fini(void)
{
	hs_tls_crypto_seed_fini();
	(void)hs_tls_xkey_thread_fini(); /* kept if keys still hold blocks */
	if (hs_tls_crypto_fallback != NULL) {
		hs_tls_crypto_keyset_free(hs_tls_crypto_fallback);
		hs_tls_crypto_fallback = NULL;
	}
	if (hs_tls_crypto_mgr != NULL) {
		free_mb_mgr(hs_tls_crypto_mgr);
		hs_tls_crypto_mgr = NULL;
	}
}

const char *
hs_tls_crypto_arch(void)
{
	static __thread char buf[64];
	static const char *const names[IMB_ARCH_NUM] = {
		[IMB_ARCH_NONE] = "none", [IMB_ARCH_NOAESNI] = "no-aesni",
		[IMB_ARCH_SSE] = "sse",   [IMB_ARCH_AVX] = "avx",
		[IMB_ARCH_AVX2] = "avx2", [IMB_ARCH_AVX512] = "avx512",
	};
	IMB_MGR *m = hs_tls_crypto_mgr;
	unsigned a = (unsigned)hs_tls_crypto_mgr_arch;

	if (m == NULL || a >= IMB_ARCH_NUM)
		return "none";
	snprintf(buf, sizeof(buf), "%s%s", names[a],
		 (m->features & IMB_FEATURE_VAES) &&
				 (m->features & IMB_FEATURE_VPCLMULQDQ)
			 ? " (VAES, VPCLMULQDQ)"
			 : "");
	return buf;
}

struct hs_tls_crypto_keyset *
hs_tls_crypto_keyset_new(void)
{
	struct hs_tls_crypto_keyset *ks;

	/* C11: the size must be a multiple of the alignment */
	ks = aligned_alloc(64, (sizeof(*ks) + 63) & ~(size_t)63);
	if (ks != NULL)
		memset(ks, 0, sizeof(*ks));
	return ks;
}

void
hs_tls_crypto_keyset_free(struct hs_tls_crypto_keyset *ks)
{
	if (ks == NULL)
		return;
	if (hs_tls_crypto_cur == ks)
		hs_tls_crypto_cur = NULL;
	explicit_bzero(ks, sizeof(*ks));
	free(ks);
}

struct hs_tls_crypto_keyset *
hs_tls_crypto_enter(struct hs_tls_crypto_keyset *ks)
{
	struct hs_tls_crypto_keyset *prev = hs_tls_crypto_cur;

	hs_tls_crypto_cur = ks;
	return prev;
}

void
hs_tls_crypto_leave(struct hs_tls_crypto_keyset *prev)
{
	hs_tls_crypto_cur = prev;
}

/* 0 if equal; no early exit (keys are secrets). */
static int
hs_tls_crypto_keycmp(const uint8_t *a, const uint8_t *b, int len)
{
	uint8_t d = 0;
	int i;

	for (i = 0; i < len; i++)
		d |= a[i] ^ b[i];
	return d;
}

/* The current keyset, or the thread's fallback (made on first use). */
static struct hs_tls_crypto_keyset *
hs_tls_crypto_keyset(void)
{
	if (HS_LIKELY(hs_tls_crypto_cur != NULL))
		return hs_tls_crypto_cur;
	if (hs_tls_crypto_fallback == NULL)
		hs_tls_crypto_fallback = hs_tls_crypto_keyset_new();
	return hs_tls_crypto_fallback;
}

static bool
hs_tls_crypto_slot_valid(const struct hs_tls_crypto_keyset *ks,
			 const struct hs_tls_crypto_slot *sl, const Aes *aes)
{
	uintptr_t p = (uintptr_t)sl, lo = (uintptr_t)&ks->slot[0];

	/* devCtx may point into another session's keyset: look only at
	 * slots of the keyset bound to this call. */
	if (p < lo || p >= lo + sizeof(ks->slot) ||
	    (p - lo) % sizeof(ks->slot[0]) != 0)
		return false;
	return sl->aes == aes && sl->keylen == aes->keylen &&
	       hs_tls_crypto_keycmp(sl->raw, (const uint8_t *)aes->devKey,
				    aes->keylen) == 0;
}

/* Pick the slot for a key that is not cached: the one this Aes held
 * (its previous key is dead), else a free one, else the oldest. */
static struct hs_tls_crypto_slot *
hs_tls_crypto_slot_pick(struct hs_tls_crypto_keyset *ks, const Aes *aes)
{
	struct hs_tls_crypto_slot *best = &ks->slot[0];
	int i;

	for (i = 0; i < HS_TLS_CRYPTO_SLOTS; i++)
		if (ks->slot[i].aes == aes)
			return &ks->slot[i];
	for (i = 0; i < HS_TLS_CRYPTO_SLOTS; i++) {
		if (ks->slot[i].aes == NULL)
			return &ks->slot[i];
		if (ks->slot[i].stamp < best->stamp)
			best = &ks->slot[i];
	}
	return best;
}

/* AES-GCM key expansion + GHASH tables; raw must be 16-byte aligned (the
 * expansion loads it with aligned vector moves). */
static void
hs_tls_crypto_expand(IMB_MGR *m, const uint8_t *raw, int keylen,
		     struct gcm_key_data *kd)
{
	if (keylen == 16)
		IMB_AES128_GCM_PRE(m, raw, kd);
	else
		IMB_AES256_GCM_PRE(m, raw, kd);
	hs_tls_crypto_st.expand++;
}

/* The expanded key for aes, expanding it once per (Aes, key). */
static const struct gcm_key_data *
hs_tls_crypto_key(IMB_MGR *m, Aes *aes)
{
	struct hs_tls_crypto_keyset *ks = hs_tls_crypto_keyset();
	struct hs_tls_crypto_slot *sl = aes->devCtx;

	if (HS_UNLIKELY(ks == NULL))
		return NULL;
	if (HS_LIKELY(sl != NULL && hs_tls_crypto_slot_valid(ks, sl, aes)))
		return &sl->kd;
	sl = hs_tls_crypto_slot_pick(ks, aes);
	/* aes->devKey is only 4-byte aligned; the key expansion loads the
	 * key with aligned vector moves, so expand from our aligned copy. */
	memcpy(sl->raw, aes->devKey, (size_t)aes->keylen);
	hs_tls_crypto_expand(m, sl->raw, aes->keylen, &sl->kd);
	sl->aes = aes;
	sl->keylen = aes->keylen;
	sl->stamp = ++ks->clock;
	aes->devCtx = sl;
	return &sl->kd;
}

static IMB_MGR *
hs_tls_crypto_thread_mgr(void)
{
	if (HS_UNLIKELY(hs_tls_crypto_mgr == NULL))
		(void)hs_tls_crypto_thread_init();
	return hs_tls_crypto_mgr;
}

static const uint8_t hs_tls_crypto_empty[16];

static int
hs_tls_crypto_seal(IMB_MGR *m, const struct gcm_key_data *kd, int keylen,
		   wc_CryptoInfo *info)
{
	Aes *aes = info->cipher.aesgcm_enc.aes;
	struct gcm_context_data gctx;
	uint8_t tag[HS_TLS_GCM_TAG_LEN];
	byte *out = info->cipher.aesgcm_enc.out;
	const byte *in = info->cipher.aesgcm_enc.in;
	const byte *aad = info->cipher.aesgcm_enc.authIn;
	word32 sz = info->cipher.aesgcm_enc.sz;
	word32 aadsz = info->cipher.aesgcm_enc.authInSz;

	(void)aes;
	if (sz == 0) {
		out = (byte *)tag; /* not written for len 0 */
		in = hs_tls_crypto_empty;
	}
	if (aad == NULL)
		aad = hs_tls_crypto_empty, aadsz = 0;
	if (keylen == 16)
		IMB_AES128_GCM_ENC(m, kd, &gctx, out, in, sz,
				   info->cipher.aesgcm_enc.iv, aad, aadsz, tag,
				   sizeof(tag));
	else
		IMB_AES256_GCM_ENC(m, kd, &gctx, out, in, sz,
				   info->cipher.aesgcm_enc.iv, aad, aadsz, tag,
				   sizeof(tag));
	memcpy(info->cipher.aesgcm_enc.authTag, tag,
	       info->cipher.aesgcm_enc.authTagSz);
	explicit_bzero(&gctx, sizeof(gctx));
	hs_tls_crypto_st.seal++;
	return 0;
}

/* RFC 5116 §2.2: decryption returns FAIL and no plaintext when the tag
 * does not verify; wolfSSL turns AES_GCM_AUTH_E into bad_record_mac. */
static int
hs_tls_crypto_open(IMB_MGR *m, const struct gcm_key_data *kd, int keylen,
		   wc_CryptoInfo *info)
{
	struct gcm_context_data gctx;
	uint8_t tag[HS_TLS_GCM_TAG_LEN], scratch[16];
	byte *out = info->cipher.aesgcm_dec.out;
	const byte *in = info->cipher.aesgcm_dec.in;
	const byte *aad = info->cipher.aesgcm_dec.authIn;
	word32 sz = info->cipher.aesgcm_dec.sz;
	word32 aadsz = info->cipher.aesgcm_dec.authInSz;
	word32 tsz = info->cipher.aesgcm_dec.authTagSz;

	if (sz == 0) {
		out = scratch;
		in = hs_tls_crypto_empty;
	}
	if (aad == NULL)
		aad = hs_tls_crypto_empty, aadsz = 0;
	if (keylen == 16)
		IMB_AES128_GCM_DEC(m, kd, &gctx, out, in, sz,
				   info->cipher.aesgcm_dec.iv, aad, aadsz, tag,
				   sizeof(tag));
	else
		IMB_AES256_GCM_DEC(m, kd, &gctx, out, in, sz,
				   info->cipher.aesgcm_dec.iv, aad, aadsz, tag,
				   sizeof(tag));
	explicit_bzero(&gctx, sizeof(gctx));
	if (hs_tls_crypto_keycmp(tag, info->cipher.aesgcm_dec.authTag,
				 (int)tsz) != 0) {
		if (sz != 0)
			explicit_bzero(out, sz);
		hs_tls_crypto_st.auth_fail++;
		return AES_GCM_AUTH_E;
	}
	hs_tls_crypto_st.open++;
	return 0;
}

/* Everything not handled here goes back to wolfSSL. */
static int
hs_tls_crypto_unavailable(void)
{
	hs_tls_crypto_st.unavailable++;
	return CRYPTOCB_UNAVAILABLE;
}

#ifndef WC_NO_HASHDRBG
/* ---- DRBG seeds ------------------------------------------------------
 * Only with a wolfSSL that has its Hash_DRBG: the tuned build has none
 * and takes every random block from hs_tls_rand.c (getrandom through a
 * per-thread buffer, no DRBG per connection at all).  With one, every
 * WOLFSSL gets its own Hash_DRBG (wolfSSL InitSSL -> wc_InitRng_ex
 * with the SSL's devId), and wolfSSL 5.5.4 seeds it from /dev/urandom:
 * open + read + close, three system calls per connection, the largest
 * non-crypto cost of a handshake.  As the devId is ours, wc_GenerateSeed
 * asks this device first (WC_ALGO_TYPE_SEED).  We answer from a per-thread
 * parent Hash_DRBG seeded from the OS (and reseeded from it by wolfSSL's
 * own reseed policy): a DRBG chain as in NIST SP 800-90C and OpenSSL 3's
 * primary/public/private DRBGs, at full security strength (256 bits),
 * with no system call and no lock.  The parent's own seeding uses no
 * devId, so it always reads the OS.  Anything failing falls back to the
 * OS (CRYPTOCB_UNAVAILABLE). */
static __thread WC_RNG *hs_tls_seed_rng;
static __thread bool hs_tls_seed_broken;

static int
hs_tls_crypto_seed(byte *out, word32 sz)
{
	WC_RNG *r = hs_tls_seed_rng;

	if (HS_UNLIKELY(r == NULL)) {
		if (hs_tls_seed_broken)
			return CRYPTOCB_UNAVAILABLE;
		r = calloc(1, sizeof(*r));
		if (r == NULL || wc_InitRng_ex(r, NULL, INVALID_DEVID) != 0) {
			free(r);
			hs_tls_seed_broken = true;
			return CRYPTOCB_UNAVAILABLE;
		}
		hs_tls_seed_rng = r;
	}
	/* wc_RNG_GenerateBlock takes at most RNG_MAX_BLOCK_LEN per call */
	while (sz > 0) {
		word32 n = sz > 256 ? 256 : sz;

		if (wc_RNG_GenerateBlock(r, out, n) != 0)
			return CRYPTOCB_UNAVAILABLE;
		out += n;
		sz -= n;
	}
	hs_tls_crypto_st.seed++;
	return 0;
}

static void
hs_tls_crypto_seed_fini(void)
{
	if (hs_tls_seed_rng != NULL) {
		wc_FreeRng(hs_tls_seed_rng);
		free(hs_tls_seed_rng);
		hs_tls_seed_rng = NULL;
	}
}
#else
static void
hs_tls_crypto_seed_fini(void)
{
}
#endif /* WC_NO_HASHDRBG */

static int
hs_tls_crypto_cb(int devId, wc_CryptoInfo *info, void *ctx)
{
	const struct gcm_key_data *kd;
	IMB_MGR *m;
	Aes *aes;
	word32 ivsz, tagsz;

	(void)devId;
	(void)ctx;
#ifndef WC_NO_HASHDRBG
	if (info != NULL && info->algo_type == WC_ALGO_TYPE_SEED &&
	    info->seed.seed != NULL)
		return hs_tls_crypto_seed(info->seed.seed, info->seed.sz);
#endif
	if (info == NULL || info->algo_type != WC_ALGO_TYPE_CIPHER ||
	    info->cipher.type != WC_CIPHER_AES_GCM)
		return CRYPTOCB_UNAVAILABLE; /* not counted: not GCM */
	if (info->cipher.enc) {
		aes = info->cipher.aesgcm_enc.aes;
		ivsz = info->cipher.aesgcm_enc.ivSz;
		tagsz = info->cipher.aesgcm_enc.authTagSz;
		if (info->cipher.aesgcm_enc.authTag == NULL ||
		    (info->cipher.aesgcm_enc.sz != 0 &&
		     (info->cipher.aesgcm_enc.in == NULL ||
		      info->cipher.aesgcm_enc.out == NULL)))
			return hs_tls_crypto_unavailable();
	} else {
		aes = info->cipher.aesgcm_dec.aes;
		ivsz = info->cipher.aesgcm_dec.ivSz;
		tagsz = info->cipher.aesgcm_dec.authTagSz;
		if (info->cipher.aesgcm_dec.authTag == NULL)
			return hs_tls_crypto_unavailable();
	}
	if (aes == NULL || ivsz != HS_TLS_GCM_IV_LEN || tagsz == 0 ||
	    tagsz > HS_TLS_GCM_TAG_LEN ||
	    (aes->keylen != 16 && aes->keylen != 32))
		return hs_tls_crypto_unavailable();
	m = hs_tls_crypto_thread_mgr();
	if (HS_UNLIKELY(m == NULL))
		return hs_tls_crypto_unavailable();
	kd = hs_tls_crypto_key(m, aes);
	if (HS_UNLIKELY(kd == NULL))
		return hs_tls_crypto_unavailable();
	if (info->cipher.enc)
		return hs_tls_crypto_seal(m, kd, aes->keylen, info);
	return hs_tls_crypto_open(m, kd, aes->keylen, info);
}

/* ---- Direct AEAD (hs_tls_rec) ---------------------------------------- */

/* A connection's key: the raw key only (ChaCha20 uses it as is); an
 * AES-GCM key's expansion is a block of the thread's pool (hs_tls_xkey.h)
 * attached by hs_tls_aead_begin, NULL while the key is idle. */
struct hs_tls_aead {
	uint8_t raw[32] __attribute__((aligned(16)));
	enum hs_tls_aead_alg alg;
	struct hs_tls_xkey *x;
};
_Static_assert(sizeof(struct gcm_key_data) <= HS_TLS_XKEY_LEN, "xkey len");

size_t
hs_tls_aead_size(void)
{
	return sizeof(struct hs_tls_aead);
}

static inline const struct gcm_key_data *
hs_tls_aead_kd(const struct hs_tls_aead *a)
{
	return (const struct gcm_key_data *)a->x->kd;
}

_Static_assert(sizeof(struct gcm_context_data) <=
		       sizeof(struct hs_tls_aead_ctx),
	       "gcm ctx");
_Static_assert(sizeof(struct chacha20_poly1305_context_data) <=
		       sizeof(struct hs_tls_aead_ctx),
	       "chacha ctx");
_Static_assert(_Alignof(struct chacha20_poly1305_context_data) <= 16 &&
		       _Alignof(struct gcm_context_data) <= 16,
	       "ctx align");

size_t
hs_tls_aead_key_len(enum hs_tls_aead_alg alg)
{
	switch (alg) {
	case HS_TLS_AEAD_AES128_GCM:
		return 16;
	case HS_TLS_AEAD_AES256_GCM:
	case HS_TLS_AEAD_CHACHA20_POLY1305:
		return 32;
	default:
		return 0;
	}
}

int
hs_tls_aead_rekey(struct hs_tls_aead *a, const uint8_t *key, size_t keylen)
{
	IMB_MGR *m = hs_tls_crypto_thread_mgr();

	if (a == NULL || key == NULL || keylen != hs_tls_aead_key_len(a->alg))
		return -EINVAL;
	if (HS_UNLIKELY(m == NULL))
		return -ENOTSUP;
	hs_tls_xkey_release(&a->x); /* expanded again on first use */
	explicit_bzero(a->raw, sizeof(a->raw));
	memcpy(a->raw, key, keylen);
	return 0;
}

struct hs_tls_aead *
hs_tls_aead_new(enum hs_tls_aead_alg alg, const uint8_t *key, size_t keylen)
{
	struct hs_tls_aead *a;

	if (hs_tls_aead_key_len(alg) == 0 || keylen != hs_tls_aead_key_len(alg))
		return NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->alg = alg;
	if (hs_tls_aead_rekey(a, key, keylen) != 0) {
		hs_tls_aead_free(a);
		return NULL;
	}
	return a;
}

void
hs_tls_aead_free(struct hs_tls_aead *a)
{
	if (a == NULL)
		return;
	hs_tls_xkey_release(&a->x);
	explicit_bzero(a, sizeof(*a));
	free(a);
}

enum hs_tls_aead_alg
hs_tls_aead_alg(const struct hs_tls_aead *a)
{
	return a != NULL ? a->alg : HS_TLS_AEAD_NONE;
}

/* Attach a's expanded key (expanding it if its block was taken or it
 * never had one): 0 or -ENOMEM. */
static int
hs_tls_aead_attach(IMB_MGR *m, struct hs_tls_aead *a)
{
	bool fresh;
	struct hs_tls_xkey *x = hs_tls_xkey_attach(&a->x, &fresh);

	if (HS_UNLIKELY(x == NULL))
		return -ENOMEM;
	if (fresh)
		hs_tls_crypto_expand(m, a->raw,
				     (int)hs_tls_aead_key_len(a->alg),
				     (struct gcm_key_data *)x->kd);
	return 0;
}

int
hs_tls_aead_begin(struct hs_tls_aead *a, struct hs_tls_aead_ctx *c, bool enc,
		  const uint8_t nonce[HS_TLS_AEAD_NONCE_LEN],
		  const uint8_t *aad, size_t aadlen)
{
	IMB_MGR *m = hs_tls_crypto_thread_mgr();

	(void)enc;
	if (HS_UNLIKELY(m == NULL))
		return -ENOTSUP;
	if (aad == NULL)
		aad = hs_tls_crypto_empty, aadlen = 0;
	switch (a->alg) {
	case HS_TLS_AEAD_AES128_GCM:
		HS_GUARD(hs_tls_aead_attach(m, a));
		IMB_AES128_GCM_INIT(m, hs_tls_aead_kd(a),
				    (struct gcm_context_data *)c, nonce, aad,
				    (uint64_t)aadlen);
		break;
	case HS_TLS_AEAD_AES256_GCM:
		HS_GUARD(hs_tls_aead_attach(m, a));
		IMB_AES256_GCM_INIT(m, hs_tls_aead_kd(a),
				    (struct gcm_context_data *)c, nonce, aad,
				    (uint64_t)aadlen);
		break;
	case HS_TLS_AEAD_CHACHA20_POLY1305:
		IMB_CHACHA20_POLY1305_INIT(
			m, a->raw, (struct chacha20_poly1305_context_data *)c,
			nonce, aad, (uint64_t)aadlen);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

void
hs_tls_aead_update_to(const struct hs_tls_aead *a, struct hs_tls_aead_ctx *c,
		      bool enc, uint8_t *dst, const uint8_t *src, size_t len)
{
	IMB_MGR *m = hs_tls_crypto_mgr; /* set by begin */

	if (len == 0)
		return;
	switch (a->alg) {
	case HS_TLS_AEAD_AES128_GCM:
		if (enc)
			IMB_AES128_GCM_ENC_UPDATE(m, hs_tls_aead_kd(a),
						  (struct gcm_context_data *)c,
						  dst, src, len);
		else
			IMB_AES128_GCM_DEC_UPDATE(m, hs_tls_aead_kd(a),
						  (struct gcm_context_data *)c,
						  dst, src, len);
		break;
	case HS_TLS_AEAD_AES256_GCM:
		if (enc)
			IMB_AES256_GCM_ENC_UPDATE(m, hs_tls_aead_kd(a),
						  (struct gcm_context_data *)c,
						  dst, src, len);
		else
			IMB_AES256_GCM_DEC_UPDATE(m, hs_tls_aead_kd(a),
						  (struct gcm_context_data *)c,
						  dst, src, len);
		break;
	case HS_TLS_AEAD_CHACHA20_POLY1305:
		if (enc)
			IMB_CHACHA20_POLY1305_ENC_UPDATE(
				m, a->raw,
				(struct chacha20_poly1305_context_data *)c, dst,
				src, len);
		else
			IMB_CHACHA20_POLY1305_DEC_UPDATE(
				m, a->raw,
				(struct chacha20_poly1305_context_data *)c, dst,
				src, len);
		break;
	default:
		break;
	}
}

void
hs_tls_aead_update(const struct hs_tls_aead *a, struct hs_tls_aead_ctx *c,
		   bool enc, uint8_t *buf, size_t len)
{
	hs_tls_aead_update_to(a, c, enc, buf, buf, len);
}

static void
hs_tls_aead_final(const struct hs_tls_aead *a, struct hs_tls_aead_ctx *c,
		  bool enc, uint8_t tag[HS_TLS_AEAD_TAG_LEN])
{
	IMB_MGR *m = hs_tls_crypto_mgr;

	switch (a->alg) {
	case HS_TLS_AEAD_AES128_GCM:
		if (enc)
			IMB_AES128_GCM_ENC_FINALIZE(
				m, hs_tls_aead_kd(a),
				(struct gcm_context_data *)c, tag,
				HS_TLS_AEAD_TAG_LEN);
		else
			IMB_AES128_GCM_DEC_FINALIZE(
				m, hs_tls_aead_kd(a),
				(struct gcm_context_data *)c, tag,
				HS_TLS_AEAD_TAG_LEN);
		break;
	case HS_TLS_AEAD_AES256_GCM:
		if (enc)
			IMB_AES256_GCM_ENC_FINALIZE(
				m, hs_tls_aead_kd(a),
				(struct gcm_context_data *)c, tag,
				HS_TLS_AEAD_TAG_LEN);
		else
			IMB_AES256_GCM_DEC_FINALIZE(
				m, hs_tls_aead_kd(a),
				(struct gcm_context_data *)c, tag,
				HS_TLS_AEAD_TAG_LEN);
		break;
	case HS_TLS_AEAD_CHACHA20_POLY1305:
		IMB_CHACHA20_POLY1305_ENC_FINALIZE(
			m, (struct chacha20_poly1305_context_data *)c, tag,
			HS_TLS_AEAD_TAG_LEN);
		break;
	default:
		memset(tag, 0, HS_TLS_AEAD_TAG_LEN);
		break;
	}
	explicit_bzero(c, sizeof(*c));
}

void
hs_tls_aead_finish_seal(const struct hs_tls_aead *a, struct hs_tls_aead_ctx *c,
			uint8_t tag[HS_TLS_AEAD_TAG_LEN])
{
	hs_tls_aead_final(a, c, true, tag);
	hs_tls_crypto_st.seal++;
}

int
hs_tls_aead_finish_open(const struct hs_tls_aead *a, struct hs_tls_aead_ctx *c,
			const uint8_t tag[HS_TLS_AEAD_TAG_LEN])
{
	uint8_t want[HS_TLS_AEAD_TAG_LEN];
	int bad;

	hs_tls_aead_final(a, c, false, want);
	bad = hs_tls_crypto_keycmp(want, tag, HS_TLS_AEAD_TAG_LEN);
	explicit_bzero(want, sizeof(want));
	if (bad || a->alg == HS_TLS_AEAD_NONE) {
		hs_tls_crypto_st.auth_fail++;
		return -EBADMSG;
	}
	hs_tls_crypto_st.open++;
	return 0;
}

int
hs_tls_crypto_init(void)
{
	HS_GUARD(hs_tls_crypto_thread_init());
	if (hs_tls_crypto_registered)
		return 0;
	if (wc_CryptoCb_RegisterDevice(HS_TLS_CRYPTO_DEVID, hs_tls_crypto_cb,
				       NULL) != 0)
		return -EIO;
	hs_tls_crypto_registered = 1;
	return 0;
}

void
hs_tls_crypto_fini(void)
{
	if (hs_tls_crypto_registered) {
		wc_CryptoCb_UnRegisterDevice(HS_TLS_CRYPTO_DEVID);
		hs_tls_crypto_registered = 0;
	}
	hs_tls_crypto_thread_fini();
}

#else /* !HS_HAVE_IPSECMB: the device does not exist, wolfSSL does all */

bool
hs_tls_crypto_available(void)
{
	return false;
}
const char *
hs_tls_crypto_version(void)
{
	return "ipsec-mb: not built";
}
int
hs_tls_crypto_init(void)
{
	return -ENOTSUP;
}
void
hs_tls_crypto_fini(void)
{
}
int
hs_tls_crypto_thread_init(void)
{
	return -ENOTSUP;
}
void
hs_tls_crypto_thread_fini(void)
{
}
const char *
hs_tls_crypto_arch(void)
{
	return "none";
}
struct hs_tls_crypto_keyset *
hs_tls_crypto_keyset_new(void)
{
	return NULL;
}
void
hs_tls_crypto_keyset_free(struct hs_tls_crypto_keyset *ks)
{
	(void)ks;
}
struct hs_tls_crypto_keyset *
hs_tls_crypto_enter(struct hs_tls_crypto_keyset *ks)
{
	(void)ks;
	return NULL;
}
void
hs_tls_crypto_leave(struct hs_tls_crypto_keyset *prev)
{
	(void)prev;
}

size_t
hs_tls_aead_key_len(enum hs_tls_aead_alg alg)
{
	(void)alg;
	return 0;
}
struct hs_tls_aead *
hs_tls_aead_new(enum hs_tls_aead_alg alg, const uint8_t *key, size_t keylen)
{
	(void)alg, (void)key, (void)keylen;
	return NULL;
}

size_t
hs_tls_aead_size(void)
{
	return 0;
}
int
hs_tls_aead_rekey(struct hs_tls_aead *a, const uint8_t *key, size_t keylen)
{
	(void)a, (void)key, (void)keylen;
	return -ENOTSUP;
}
void
hs_tls_aead_free(struct hs_tls_aead *a)
{
	(void)a;
}
enum hs_tls_aead_alg
hs_tls_aead_alg(const struct hs_tls_aead *a)
{
	(void)a;
	return HS_TLS_AEAD_NONE;
}
int
hs_tls_aead_begin(struct hs_tls_aead *a, struct hs_tls_aead_ctx *c, bool enc,
		  const uint8_t nonce[HS_TLS_AEAD_NONCE_LEN],
		  const uint8_t *aad, size_t aadlen)
{
	(void)a, (void)c, (void)enc, (void)nonce, (void)aad, (void)aadlen;
	return -ENOTSUP;
}
void
hs_tls_aead_update(const struct hs_tls_aead *a, struct hs_tls_aead_ctx *c,
		   bool enc, uint8_t *buf, size_t len)
{
	(void)a, (void)c, (void)enc, (void)buf, (void)len;
}
void
hs_tls_aead_update_to(const struct hs_tls_aead *a, struct hs_tls_aead_ctx *c,
		      bool enc, uint8_t *dst, const uint8_t *src, size_t len)
{
	(void)a, (void)c, (void)enc, (void)dst, (void)src, (void)len;
}
void
hs_tls_aead_finish_seal(const struct hs_tls_aead *a, struct hs_tls_aead_ctx *c,
			uint8_t tag[HS_TLS_AEAD_TAG_LEN])
{
	(void)a, (void)c;
	memset(tag, 0, HS_TLS_AEAD_TAG_LEN);
}
int
hs_tls_aead_finish_open(const struct hs_tls_aead *a, struct hs_tls_aead_ctx *c,
			const uint8_t tag[HS_TLS_AEAD_TAG_LEN])
{
	(void)a, (void)c, (void)tag;
	return -EBADMSG;
}

#endif
