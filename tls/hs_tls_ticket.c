/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_ticket.c - session resumption (see hs_tls.h, hs_tls_int.h):
 * ticket keys (the key file, random keys, atomic reload with retired
 * sets), wolfSSL's ticket callback (seal and open, RFC 5077 §4 layout),
 * the lifetime check shared with the TLS 1.2 session cache, and that
 * cache's wolfSSL hooks (storage in hs_tls_scache.c).
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfio.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/memory.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hs_common.h"
#include "hs_tls.h"
#include "hs_tls_int.h"
#include "hs_tls_crypto.h"
#include "hs_tls_hello.h"
#include "hs_tls_ocsp.h"
#include "hs_tls_scache.h"
#if HS_WOLFSSL_TUNED
#include "hs_tls_rand.h"
#endif

/* ---- session tickets ------------------------------------------------ */

void
hs_tls_tkeys_free(struct hs_tls_tkeys *k)
{
	if (k == NULL)
		return;
	explicit_bzero(k, sizeof(*k));
	free(k);
}

/* Expand a 32-byte secret into a key name and an AES-256 key: SHA-256
 * over a 16-byte label and the secret, one label each. */
static int
hs_tls_tkey_expand(struct hs_tls_tkey *k, const uint8_t secret[32])
{
	uint8_t buf[16 + 32], h[WC_SHA256_DIGEST_SIZE];
	int rc = 0;

	memcpy(buf, "httpsd tkt name", 16);
	memcpy(buf + 16, secret, 32);
	if (wc_Sha256Hash(buf, sizeof(buf), h) != 0)
		rc = -EIO;
	memcpy(k->name, h, sizeof(k->name));
	memcpy(buf, "httpsd tkt aes", 15);
	buf[15] = 0;
	if (rc == 0 && wc_Sha256Hash(buf, sizeof(buf), k->aes) != 0)
		rc = -EIO;
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(h, sizeof(h));
	return rc;
}

/* One line of a ticket key file (trimmed, not a comment). */
static int
hs_tls_tkey_line(struct hs_tls_tkeys *k, const char *p, const char *file,
		 unsigned int lineno, char *err, size_t errlen)
{
	uint8_t secret[32];
	size_t len = strlen(p), i;
	int rc;

	if (len != 64)
		return hs_tls_errf(
			err, errlen, -EINVAL,
			"ticket key file '%s' line %u: expected 64 hex "
			"digits (32 bytes, e.g. from 'openssl rand -hex "
			"32'), got %zu characters",
			file, lineno, len);
	if (k->n == HS_TLS_MAX_TICKET_KEYS)
		return hs_tls_errf(
			err, errlen, -EINVAL,
			"ticket key file '%s' line %u: more than %d keys", file,
			lineno, HS_TLS_MAX_TICKET_KEYS);
	for (i = 0; i < 32; i++) {
		int hi = hs_hexval((uint8_t)p[2 * i]),
		    lo = hs_hexval((uint8_t)p[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			explicit_bzero(secret, sizeof(secret));
			return hs_tls_errf(
				err, errlen, -EINVAL,
				"ticket key file '%s' line %u: '%c' is "
				"not a hex digit",
				file, lineno, p[2 * i + (hi < 0 ? 0 : 1)]);
		}
		secret[i] = (uint8_t)(hi << 4 | lo);
	}
	rc = hs_tls_tkey_expand(&k->keys[k->n], secret);
	explicit_bzero(secret, sizeof(secret));
	if (rc < 0)
		return hs_tls_errf(err, errlen, rc, "wolfSSL: SHA-256 failed");
	k->n++;
	return 0;
}

static int
hs_tls_tkeys_load(struct hs_tls_tkeys *k, const char *file, char *err,
		  size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	unsigned int lineno = 0;
	FILE *f;
	int rc;

	rc = hs_tls_check_file(file);
	if (rc < 0)
		return hs_tls_errf(err, errlen, -EIO,
				   "cannot read ticket key file '%s': %s", file,
				   strerror(-rc));
	f = fopen(file, "re");
	if (f == NULL)
		return hs_tls_errf(err, errlen, -EIO,
				   "cannot read ticket key file '%s': %s", file,
				   strerror(errno));
	rc = 0;
	while (rc == 0 && (got = getline(&line, &cap, f)) > 0) {
		size_t len = (size_t)got;
		char *p = line;

		lineno++;
		if (len > 255) {
			rc = hs_tls_errf(
				err, errlen, -EINVAL,
				"ticket key file '%s' line %u: too long", file,
				lineno);
			break;
		}
		/* a NUL would end the line early, hiding what follows */
		if (strlen(line) != len) {
			rc = hs_tls_errf(
				err, errlen, -EINVAL,
				"ticket key file '%s' line %u: NUL byte "
				"(not a text file)",
				file, lineno);
			break;
		}
		while (len > 0 &&
		       (line[len - 1] == '\n' || line[len - 1] == '\r' ||
			line[len - 1] == ' ' || line[len - 1] == '\t'))
			line[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		rc = hs_tls_tkey_line(k, p, file, lineno, err, errlen);
	}
	if (rc == 0 && ferror(f))
		rc = hs_tls_errf(err, errlen, -EIO,
				 "cannot read ticket key file '%s'", file);
	if (rc == 0 && k->n == 0)
		rc = hs_tls_errf(
			err, errlen, -EINVAL,
			"ticket key file '%s' holds no key (one line of "
			"64 hex digits per key)",
			file);
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	fclose(f);
	return rc;
}

static int
hs_tls_tkeys_random(struct hs_tls_tkeys *k, char *err, size_t errlen)
{
	uint8_t secret[32];
	int rc;

	if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret))
		return hs_tls_errf(
			err, errlen, -EIO,
			"cannot get random bytes for a ticket key: %s",
			strerror(errno));
	rc = hs_tls_tkey_expand(&k->keys[0], secret);
	explicit_bzero(secret, sizeof(secret));
	if (rc < 0)
		return hs_tls_errf(err, errlen, rc, "wolfSSL: SHA-256 failed");
	k->n = 1;
	return 0;
}

int
hs_tls_reload_ticket_keys(struct hs_tls_ctx *ctx, const char *file, char *err,
			  size_t errlen)
{
	struct hs_tls_tkeys *k, *old;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (ctx == NULL)
		return hs_tls_errf(err, errlen, -EINVAL, "no TLS context");
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return hs_tls_errf(err, errlen, -ENOMEM, "out of memory");
	rc = file != NULL ? hs_tls_tkeys_load(k, file, err, errlen)
			  : hs_tls_tkeys_random(k, err, errlen);
	if (rc < 0) {
		hs_tls_tkeys_free(k);
		return rc;
	}
	old = __atomic_exchange_n(&ctx->tkeys, k, __ATOMIC_ACQ_REL);
	if (old != NULL) {
		hs_tls_tkeys_free(ctx->retired[ctx->retired_next]);
		ctx->retired[ctx->retired_next] = old;
		ctx->retired_next =
			(ctx->retired_next + 1) % HS_TLS_TKEYS_RETIRED;
	}
	return 0;
}

/* Ticket iv: a 12-byte GCM nonce, then the issue time (hs_tls.h). */
#define HS_TLS_TKT_NONCE 12

/* A random GCM nonce for a ticket: from the kernel's CSPRNG, through
 * the tuned build's per-thread buffer (hs_tls_rand.c: one system call
 * per ~300 tickets instead of one per ticket).  0 or -1. */
static int
hs_tls_tkt_nonce(uint8_t *iv)
{
#if HS_WOLFSSL_TUNED
	return hs_tls_rand_block(iv, HS_TLS_TKT_NONCE);
#else
	return getrandom(iv, HS_TLS_TKT_NONCE, 0) == HS_TLS_TKT_NONCE ? 0
								      : -1;
#endif
}

static void
hs_tls_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

time_t (*hs_tls_clock)(time_t *) = time;

static uint32_t
hs_tls_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Issued at 'issued' (seconds since the epoch): still within the
 * lifetime?  Servers of a fleet may disagree on the time a little: an
 * issue time up to a lifetime in the future is taken as now. */
static bool
hs_tls_fresh(const struct hs_tls_ctx *ctx, uint32_t issued)
{
	int64_t age = (int64_t)hs_tls_clock(NULL) - (int64_t)issued;

	return age <= (int64_t)ctx->lifetime && age >= -(int64_t)ctx->lifetime;
}

/* wolfSSL's ticket callback (RFC 5077 §4 layout, see hs_tls.h).  enc:
 * seal the session state in place under keys[0].  !enc: find the key by
 * name and open; a ticket we cannot open (unknown or retired key, bad
 * tag) is rejected, which means a full handshake, never an error.
 *
 * The session's site binding (hs_tls_site_id: site and server name) is
 * part of the additional data, so a ticket issued under one server name
 * fails to open under another (RFC 6066 §3, RFC 8446 §4.6.1): the client
 * gets a full handshake with the right certificate.  It is derived from
 * names only, so servers sharing the key file and the site configuration
 * open each other's tickets. */
int
hs_tls_ticket_cb(WOLFSSL *ssl, unsigned char key_name[WOLFSSL_TICKET_NAME_SZ],
		 unsigned char iv[WOLFSSL_TICKET_IV_SZ],
		 unsigned char mac[WOLFSSL_TICKET_MAC_SZ], int enc,
		 unsigned char *ticket, int in_len, int *out_len, void *user)
{
	static const uint8_t zeros[WOLFSSL_TICKET_MAC_SZ - 16];
	const struct hs_tls_ctx *ctx = user;
	struct hs_tls_sess *s = wolfSSL_GetIOReadCtx(ssl);
	const struct hs_tls_tkeys *ks;
	const struct hs_tls_tkey *k = NULL;
	uint8_t aad[WOLFSSL_TICKET_NAME_SZ + WOLFSSL_TICKET_IV_SZ + 2 +
		    WC_SHA256_DIGEST_SIZE];
	unsigned int i = 0;
	Aes aes;
	int rc;

	if (ctx == NULL || s == NULL || ticket == NULL || out_len == NULL ||
	    in_len <= 0 || in_len > 0xffff)
		return enc ? WOLFSSL_TICKET_RET_FATAL
			   : WOLFSSL_TICKET_RET_REJECT;
	if (!enc)
		s->events |= HS_TLS_EV_RESUME_OFFERED;
	/* A replayed ClientHello (hs_tls_sniff): refusing its PSK rejects
	 * its early data too (RFC 8446 §4.2.10: early data needs the first
	 * PSK accepted); wolfSSL then skips the early records it cannot
	 * decrypt and goes on with a full 1-RTT handshake. */
	if (!enc && s->early_replay)
		return WOLFSSL_TICKET_RET_REJECT;
	/* wolfSSL has the whole ClientHello but the sniffer has no verdict
	 * yet: it could not follow the flight, so no 0-RTT (fail closed) */
	if (!enc && s->sniff.state != 0) {
		s->early_replay = true;
		s->events |= HS_TLS_EV_EARLY_UNPARSED;
		return WOLFSSL_TICKET_RET_REJECT;
	}
	ks = __atomic_load_n(&ctx->tkeys, __ATOMIC_ACQUIRE);
	if (ks == NULL || ks->n == 0)
		return enc ? WOLFSSL_TICKET_RET_FATAL
			   : WOLFSSL_TICKET_RET_REJECT;
	if (enc) {
		k = &ks->keys[0];
		memcpy(key_name, k->name, WOLFSSL_TICKET_NAME_SZ);
		if (hs_tls_tkt_nonce(iv) != 0)
			return WOLFSSL_TICKET_RET_FATAL;
		hs_tls_put_be32(iv + HS_TLS_TKT_NONCE,
				(uint32_t)hs_tls_clock(NULL));
		memset(mac + 16, 0, sizeof(zeros));
	} else {
		/* RFC 8446 §4.6.1: not beyond its lifetime (the issue time is
		 * authenticated with the rest of iv: forging it only fails) */
		if (!hs_tls_fresh(ctx,
				  hs_tls_get_be32(iv + HS_TLS_TKT_NONCE))) {
			s->events |= HS_TLS_EV_RESUME_EXPIRED;
			return WOLFSSL_TICKET_RET_REJECT;
		}
		for (i = 0; i < ks->n; i++)
			if (memcmp(ks->keys[i].name, key_name,
				   WOLFSSL_TICKET_NAME_SZ) == 0) {
				k = &ks->keys[i];
				break;
			}
		if (k == NULL || memcmp(mac + 16, zeros, sizeof(zeros)) != 0)
			return WOLFSSL_TICKET_RET_REJECT;
	}
	memcpy(aad, key_name, WOLFSSL_TICKET_NAME_SZ);
	memcpy(aad + WOLFSSL_TICKET_NAME_SZ, iv, WOLFSSL_TICKET_IV_SZ);
	aad[WOLFSSL_TICKET_NAME_SZ + WOLFSSL_TICKET_IV_SZ] =
		(uint8_t)(in_len >> 8);
	aad[WOLFSSL_TICKET_NAME_SZ + WOLFSSL_TICKET_IV_SZ + 1] =
		(uint8_t)in_len;
	memcpy(aad + WOLFSSL_TICKET_NAME_SZ + WOLFSSL_TICKET_IV_SZ + 2,
	       s->site_id, sizeof(s->site_id));
	rc = wc_AesInit(&aes, NULL, INVALID_DEVID);
	if (rc != 0)
		return enc ? WOLFSSL_TICKET_RET_FATAL
			   : WOLFSSL_TICKET_RET_REJECT;
	rc = wc_AesGcmSetKey(&aes, k->aes, sizeof(k->aes));
	if (rc == 0 && enc)
		rc = wc_AesGcmEncrypt(&aes, ticket, ticket, (word32)in_len, iv,
				      HS_TLS_TKT_NONCE, mac, 16, aad,
				      sizeof(aad));
	else if (rc == 0)
		rc = wc_AesGcmDecrypt(&aes, ticket, ticket, (word32)in_len, iv,
				      HS_TLS_TKT_NONCE, mac, 16, aad,
				      sizeof(aad));
	wc_AesFree(&aes);
	if (rc != 0)
		return enc ? WOLFSSL_TICKET_RET_FATAL
			   : WOLFSSL_TICKET_RET_REJECT;
	*out_len = in_len;
	/* opened with an older key: ask for a ticket under the current one */
	return i > 0 ? WOLFSSL_TICKET_RET_CREATE : WOLFSSL_TICKET_RET_OK;
}

/* ---- TLS 1.2 session cache (hs_tls_scache.h) ----------------------- */

/* wolfSSL adds a session after a full handshake: keep TLS 1.2 ones under
 * the session's site binding.  Returns 0: wolfSSL keeps no reference. */
int
hs_tls_scache_new_cb(WOLFSSL *ssl, WOLFSSL_SESSION *sess)
{
	struct hs_tls_sess *s = wolfSSL_GetIOReadCtx(ssl);
	uint8_t der[HS_TLS_SCACHE_DATA], *p = der;
	const unsigned char *id;
	unsigned int idlen = 0;
	int len;

	if (s == NULL || sess == NULL || wolfSSL_version(ssl) == TLS1_3_VERSION)
		return 0; /* TLS 1.3 resumes with tickets only */
	id = wolfSSL_SESSION_get_id(sess, &idlen);
	len = wolfSSL_i2d_SSL_SESSION(sess, NULL);
	if (id == NULL || idlen == 0 || len <= 0 || len > (int)sizeof(der) ||
	    wolfSSL_i2d_SSL_SESSION(sess, &p) != len)
		return 0;
	(void)hs_tls_scache_put(s->site_id, id, idlen, der, (size_t)len,
				(uint32_t)hs_tls_clock(NULL));
	explicit_bzero(der, sizeof(der));
	return 0;
}

/* A TLS 1.2 client offers a session ID: found only under the same site
 * binding.  *copy = 0: wolfSSL copies the session and frees ours. */
WOLFSSL_SESSION *
hs_tls_scache_get_cb(WOLFSSL *ssl, const unsigned char *id, int idlen,
		     int *copy)
{
	struct hs_tls_sess *s = wolfSSL_GetIOReadCtx(ssl);
	uint8_t der[HS_TLS_SCACHE_DATA];
	const unsigned char *p = der;
	WOLFSSL_SESSION *sess;
	uint32_t issued;
	int len;

	*copy = 0;
	if (s == NULL || id == NULL || idlen <= 0)
		return NULL;
	s->events |= HS_TLS_EV_RESUME_OFFERED;
	len = hs_tls_scache_get(s->site_id, id, (size_t)idlen, der, sizeof(der),
				&issued);
	if (len <= 0)
		return NULL;
	if (!hs_tls_fresh(s->ctx, issued)) {
		s->events |= HS_TLS_EV_RESUME_EXPIRED;
		explicit_bzero(der, sizeof(der));
		return NULL;
	}
	sess = wolfSSL_d2i_SSL_SESSION(NULL, &p, len);
	explicit_bzero(der, sizeof(der));
	return sess;
}
