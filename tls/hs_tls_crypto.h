/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_crypto.h - TLS record AES-GCM on Intel ipsec-mb, as a wolfSSL
 * crypto-callback device.
 *
 * wolfSSL's wc_AesGcmEncrypt/Decrypt hand every AES-GCM operation of an
 * Aes whose devId is HS_TLS_CRYPTO_DEVID to our callback (wolfcrypt
 * cryptocb.c).  The callback seals/opens AES-128-GCM and AES-256-GCM with a
 * 12-byte IV (RFC 5288 §3, RFC 8446 §5.3 - every TLS record) on ipsec-mb;
 * everything else (other algorithms, AES-192, other IV sizes) returns
 * CRYPTOCB_UNAVAILABLE so wolfSSL runs its own code.  A failed tag check
 * returns AES_GCM_AUTH_E (wolfSSL answers bad_record_mac, RFC 8446 §5.2)
 * and the output buffer is wiped: no unauthenticated plaintext escapes.
 *
 * The device also seeds wolfSSL's per-connection DRBGs (WC_ALGO_TYPE_SEED)
 * from a per-thread parent DRBG, so a new connection makes no system call.
 *
 * Threads: one IMB_MGR per thread (lcore), chosen by init_mb_mgr_auto, made
 * by hs_tls_crypto_thread_init() (or lazily on the first record of a thread
 * that did not call it).  No locks anywhere.
 *
 * Key cache.  wolfSSL 5.5.4 gives no notice when an Aes is freed or rekeyed
 * (SetKeys re-inits the same Aes for TLS 1.3 key changes), so the expanded
 * key + GHASH tables (struct gcm_key_data, ~1 KB) live in a keyset owned
 * by the TLS session:
 *   - hs_tls binds the session's keyset as the thread's current keyset
 *     around every wolfSSL call (hs_tls_crypto_enter/leave, nest-safe);
 *   - the callback finds the slot through aes->devCtx (wc_AesInit sets it
 *     to NULL; it is ours after that), trusting it only if it points into
 *     the current keyset and the slot still holds this Aes and the very
 *     same raw key (aes->devKey, 16/32-byte compare);
 *   - otherwise (new key, KeyUpdate, first record) the key is expanded
 *     into the slot that held this Aes, else a free slot, else the oldest.
 * So a key is expanded once (a TLS 1.3 connection: 4 expansions - handshake
 * and application traffic keys each way), never per record, nothing is
 * allocated per record, and hs_tls_crypto_keyset_free() wipes the keys
 * (explicit_bzero) when the session is freed.  Calls outside any session
 * (unit tests driving wc_AesGcm* directly, a wolfSSL client in the same
 * thread) use a per-thread fallback keyset.
 */
#ifndef HS_TLS_CRYPTO_H
#define HS_TLS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The wolfSSL device id we register (any value != INVALID_DEVID). */
#define HS_TLS_CRYPTO_DEVID 0x68734d42 /* "hsMB" */

/* Which code seals and opens TLS records (struct hs_tls_config.crypto). */
enum hs_tls_crypto {
	HS_TLS_CRYPTO_IPSECMB = 0, /* default: the ipsec-mb device */
	HS_TLS_CRYPTO_WOLFSSL = 1, /* wolfSSL's own AES-GCM (AES-NI asm) */
};

struct hs_tls_crypto_keyset;

/* "--crypto wolfssl|ipsec-mb": 0 and *out set, or -EINVAL. */
int hs_tls_crypto_parse(const char *name, enum hs_tls_crypto *out);
/* "ipsec-mb" / "wolfssl" (for logs and --version). */
const char *hs_tls_crypto_name(enum hs_tls_crypto c);

/* Per-thread counters of the calling thread. */
struct hs_tls_crypto_stats {
	uint64_t seal;        /* records sealed by ipsec-mb */
	uint64_t open;        /* records opened (tag good) by ipsec-mb */
	uint64_t auth_fail;   /* opens whose tag did not verify */
	uint64_t expand;      /* key + GHASH table expansions */
	uint64_t unavailable; /* calls handed back to wolfSSL */
	uint64_t seed;        /* DRBG seeds served (see hs_tls_crypto.c) */
};

/* True if this build has ipsec-mb. */
bool hs_tls_crypto_available(void);

/* Register the device with wolfSSL (after wolfSSL_Init) and set up the
 * calling thread.  Idempotent.  0, -ENOTSUP without ipsec-mb, -ENOMEM,
 * -EIO if wolfSSL refuses the registration. */
int hs_tls_crypto_init(void);
void hs_tls_crypto_fini(void);

/* Give the calling thread its IMB_MGR (call once per lcore before its
 * loop starts).  0 or -ENOMEM / -ENOTSUP. */
int hs_tls_crypto_thread_init(void);
void hs_tls_crypto_thread_fini(void);

/* "avx512 (VAES, VPCLMULQDQ)" etc.: the arch init_mb_mgr_auto chose for
 * the calling thread's manager, or "none". */
const char *hs_tls_crypto_arch(void);
/* "ipsec-mb 1.3.0" or "ipsec-mb: not built". */
const char *hs_tls_crypto_version(void);

/* A session's key cache: allocated with the session (never per record). */
struct hs_tls_crypto_keyset *hs_tls_crypto_keyset_new(void);
void hs_tls_crypto_keyset_free(struct hs_tls_crypto_keyset *ks);

/* Make ks the calling thread's current keyset; returns the previous one
 * for hs_tls_crypto_leave.  ks may be NULL (fallback keyset). */
struct hs_tls_crypto_keyset *
hs_tls_crypto_enter(struct hs_tls_crypto_keyset *ks);
void hs_tls_crypto_leave(struct hs_tls_crypto_keyset *prev);

void hs_tls_crypto_stats(struct hs_tls_crypto_stats *out);

/* ---- Direct AEAD for the record layer (hs_tls_rec.h) -------------------
 * The same ipsec-mb manager and key expansion as the wolfSSL device, driven
 * directly: a struct hs_tls_aead holds the raw key (48 bytes); an AES-GCM
 * key's expansion (round keys and GHASH tables, ~1 KB) is a block of the
 * thread's pool attached by begin while the key is in use and taken back
 * from idle keys (hs_tls_xkey.h), and a record is sealed or opened with
 * begin / update... /
 * finish over any number of pieces, in place (dst == src), so a record
 * spread over a chain of buffers is never gathered.  Nothing is allocated
 * per record.  Nonces are 12 bytes, tags 16 (RFC 5116, RFC 8446 §5.3). */
enum hs_tls_aead_alg {
	HS_TLS_AEAD_NONE = 0,
	HS_TLS_AEAD_AES128_GCM,
	HS_TLS_AEAD_AES256_GCM,
	HS_TLS_AEAD_CHACHA20_POLY1305,
};
#define HS_TLS_AEAD_NONCE_LEN 12
#define HS_TLS_AEAD_TAG_LEN   16

struct hs_tls_aead;
/* One record's running state (opaque; on the caller's stack). */
struct hs_tls_aead_ctx {
	uint64_t opaque[32] __attribute__((aligned(16)));
};

/* Key length of alg in bytes (16 or 32), 0 for NONE/unknown. */
size_t hs_tls_aead_key_len(enum hs_tls_aead_alg alg);
/* A key for alg: NULL on a wrong key length, without ipsec-mb, or on
 * ENOMEM.  The AES-GCM expansion happens at the first begin.  Free with
 * hs_tls_aead_free (wipes it and its block), on the thread that used it. */
struct hs_tls_aead *hs_tls_aead_new(enum hs_tls_aead_alg alg,
				    const uint8_t *key, size_t keylen);
/* Replace the key in place (TLS 1.3 KeyUpdate); same algorithm and
 * length.  0 or -EINVAL. */
int hs_tls_aead_rekey(struct hs_tls_aead *a, const uint8_t *key, size_t keylen);
void hs_tls_aead_free(struct hs_tls_aead *a);
/* sizeof(struct hs_tls_aead) (0 without ipsec-mb), for bench/conn_sizes. */
size_t hs_tls_aead_size(void);
enum hs_tls_aead_alg hs_tls_aead_alg(const struct hs_tls_aead *a);

/* Start a record: enc true seals, false opens; attaches (and if need
 * be expands) the AES-GCM key, which stays attached until the record is
 * finished (no other key of the thread may begin meanwhile).  0, -ENOTSUP
 * (no manager on this thread) or -ENOMEM (no key block at all). */
int hs_tls_aead_begin(struct hs_tls_aead *a, struct hs_tls_aead_ctx *c,
		      bool enc, const uint8_t nonce[HS_TLS_AEAD_NONCE_LEN],
		      const uint8_t *aad, size_t aadlen);
/* Encrypt (sealing) or decrypt (opening) len bytes in place. */
void hs_tls_aead_update(const struct hs_tls_aead *a, struct hs_tls_aead_ctx *c,
			bool enc, uint8_t *buf, size_t len);
/* The same from src into dst (src may equal dst, never overlap
 * otherwise). */
void hs_tls_aead_update_to(const struct hs_tls_aead *a,
			   struct hs_tls_aead_ctx *c, bool enc, uint8_t *dst,
			   const uint8_t *src, size_t len);
/* Sealing: write the tag.  Opening: compare it in constant time; 0 or
 * -EBADMSG.  On -EBADMSG the caller must wipe what update decrypted
 * (hs_tls_rec_open does).  Both wipe the context. */
void hs_tls_aead_finish_seal(const struct hs_tls_aead *a,
			     struct hs_tls_aead_ctx *c,
			     uint8_t tag[HS_TLS_AEAD_TAG_LEN]);
int hs_tls_aead_finish_open(const struct hs_tls_aead *a,
			    struct hs_tls_aead_ctx *c,
			    const uint8_t tag[HS_TLS_AEAD_TAG_LEN]);

#endif
