/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls.c - TLS server sessions on wolfSSL, sans-I/O (see hs_tls.h).
 *
 * wolfSSL never sees a socket: the context installs hs_tls_io_recv/send as
 * its I/O callbacks and every WOLFSSL carries its hs_tls_sess as the I/O
 * context, so record bytes flow only through the session's pull/push.
 *
 * Discipline: every wolfSSL return value is checked; wolfSSL errors are
 * mapped to the negative errno codes of hs_common.h in one place
 * (hs_tls_map_err).  Native wolfSSL calls only, no OpenSSL-compat wrappers.
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
#include "hs_tls_crypto.h"
#include "hs_tls_hello.h"
#include "hs_tls_ocsp.h"
#include "hs_tls_scache.h"

/* 0.5-RTT data (RFC 8446 §2.3): answers to early data leave right after
 * our Finished.  Needs the tuned wolfSSL with our wolfSSL_write patch
 * (scripts/wolfssl-patches/0002-tls13-server-half-rtt-data.patch; meson
 * reads the build stamp); Debian's libwolfssl would fail such a write. */
#if HS_WOLFSSL_TUNED && HS_WOLFSSL_HALF_RTT && defined(WOLFSSL_EARLY_DATA)
#define HS_TLS_HALF_RTT 1
#else
#define HS_TLS_HALF_RTT 0
#endif

#ifndef HS_WOLFSSL_DESC
#define HS_WOLFSSL_DESC "unknown build"
#endif

/* RFC 8446 §9.1 mandatory suites plus ChaCha20; RFC 8446 §B.4 names.
 * TLS 1.2: ECDHE with AEAD only (RFC 5289, RFC 7905) - no CBC, no RSA key
 * exchange, no static DH: forward secrecy and no MAC-then-encrypt. */
static const char hs_tls_cipher_list[] =
	"TLS13-AES128-GCM-SHA256:"
	"TLS13-AES256-GCM-SHA384:"
	"TLS13-CHACHA20-POLY1305-SHA256:"
	"ECDHE-ECDSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:"
	"ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-RSA-CHACHA20-POLY1305";

/* Key exchange groups in preference order (RFC 8446 §4.2.7, RFC 8422). */
static int hs_tls_groups[] = { WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1 };

/* ALPN (RFC 7301): the only application protocol we speak. */
static const char hs_tls_alpn_list[] = "http/1.1";

/* Session ID context (RFC 5246 §7.4.1.2).  Sessions are bound to their
 * site by hs_tls_site_id, not by this (wolfSSL 5.5.4 never compares it on
 * the server side). */
static const unsigned char hs_tls_sid_ctx[] = "httpsd";

/* One ticket key, expanded from the file's 32-byte secret. */
struct hs_tls_tkey {
	uint8_t name[WOLFSSL_TICKET_NAME_SZ];
	uint8_t aes[32];               /* AES-256-GCM */
};

/* A published set of ticket keys: keys[0] encrypts, all decrypt. */
struct hs_tls_tkeys {
	unsigned int n;
	struct hs_tls_tkey keys[HS_TLS_MAX_TICKET_KEYS];
};

/* A name -> certificate entry; names are lower case. */
struct hs_tls_site_ctx {
	char *name;
	WOLFSSL_CTX *wctx;
	struct hs_tls_ocsp *ocsp;          /* its OCSP staple, or NULL */
};

struct hs_tls_ctx {
	WOLFSSL_CTX *wctx;                 /* default site */
	enum hs_tls_crypto crypto;
	/* ---- SNI sites, resumption ---- */
	struct hs_tls_site_ctx *sites;     /* cfg->sites order */
	size_t nb_sites;
	char **def_names;                  /* DNS names of the default cert */
	size_t nb_def_names;
	bool sni_strict;
	uint32_t lifetime;                 /* ticket/session lifetime, s */
	struct hs_tls_tkeys *tkeys;        /* atomic: see reload */
	struct hs_tls_tkeys *retired[HS_TLS_TKEYS_RETIRED];
	unsigned int retired_next;
	/* ---- client certificates, OCSP, 0-RTT (every site) ---- */
	enum hs_tls_client_auth client_auth;
	struct hs_tls_ocsp *ocsp;          /* default site's staple, or NULL */
	bool early;                        /* 0-RTT on */
};

/* The first flight, held until its whole ClientHello's server name
 * picked the site (and so the wolfSSL context the session is created
 * from), then replayed to wolfSSL through hs_tls_io_recv. */

struct hs_tls_sess {
	WOLFSSL *ssl;                      /* NULL until the site is chosen */
	const struct hs_tls_ctx *ctx;
	struct hs_tls_hold hold;           /* first flight (hs_tls_hello.h) */
	uint32_t hold_off;                 /* of it replayed to wolfSSL */
	bool sni_seen;
	char sni[256];                     /* server name sent, NUL-terminated */
	struct hs_tls_crypto_keyset *keys; /* ipsec-mb key cache, or NULL */
	hs_tls_pull_fn pull;
	hs_tls_push_fn push;
	void *io;
	bool hs_done;          /* handshake finished and its output flushed */
	bool transport_closed; /* pull saw EOF or push failed */
	bool tx_blocked;       /* a push in the current call took nothing */
	bool tx_pending;       /* wolfSSL holds unsent non-data output */
	bool wr_retry;         /* last write was -EAGAIN: same buf next */
	bool wr_done;          /* ...and its record has since been flushed */
	uint16_t stale_len;    /* len of the last write that met WANT_WRITE */
	bool peer_closed;      /* close_notify received */
	bool shut_sent;        /* our close_notify is fully pushed */
	int dead;              /* sticky fatal error code, 0 while alive */
	uint64_t tx_bytes;     /* ciphertext bytes pushed so far */
	uint8_t alert[7];      /* our own plaintext fatal alert record */
	uint8_t alert_len, alert_off;
	enum hs_tls_client_auth client_auth;
	struct hs_tls_peer peer;  /* client certificate result */
	bool early_on;            /* context allows 0-RTT */
	bool early_phase;         /* our Finished sent, client's awaited */
	bool early_input;         /* last read returned early data */
	bool half_rtt;            /* early data read: 0.5-RTT writes allowed */
	bool early_replay;        /* ClientHello seen before: no PSK, no 0-RTT */
	struct hs_tls_early_sniff sniff;
	/* Resumption binding (RFC 6066 §3, RFC 8446 §4.6.1): digest of the
	 * selected site and the server name sent, see hs_tls_site_id. */
	uint8_t site_id[WC_SHA256_DIGEST_SIZE];
	unsigned int events;      /* HS_TLS_EV_* */
};

static int hs_tls_inited;
static char hs_tls_version_buf[1024];

int hs_tls_global_init(void)
{
	if (hs_tls_inited++ > 0)
		return 0;
	if (wolfSSL_Init() != WOLFSSL_SUCCESS) {
		hs_tls_inited = 0;
		return -EIO;
	}
	/* Without ipsec-mb only HS_TLS_CRYPTO_WOLFSSL contexts work. */
	if (hs_tls_crypto_available() && hs_tls_crypto_init() < 0) {
		(void)wolfSSL_Cleanup();
		hs_tls_inited = 0;
		return -EIO;
	}
	return 0;
}

void hs_tls_global_fini(void)
{
	if (hs_tls_inited == 0 || --hs_tls_inited > 0)
		return;
	hs_tls_crypto_fini();
	hs_tls_scache_fini();
	(void)wolfSSL_Cleanup();
}

const char *hs_tls_version_string(void)
{
	if (hs_tls_version_buf[0] == '\0')
		snprintf(hs_tls_version_buf, sizeof(hs_tls_version_buf),
			 "wolfSSL %s (%s)", wolfSSL_lib_version(),
			 HS_WOLFSSL_DESC);
	return hs_tls_version_buf;
}

/* ---- transport callbacks ------------------------------------------- */

static void hs_tls_fatal_alert(struct hs_tls_sess *s, int wolf_err);

/* The 0-RTT anti-replay sniffer sees every byte wolfSSL gets, the held
 * first flight included, so it has judged the ClientHello before wolfSSL
 * parses it.  A replay is not aborted: RFC 8446 §8.2 lets the server
 * reject its 0-RTT instead, which hs_tls_ticket_cb does by refusing the
 * ticket (hs_tls_early.h says why that way).  A flight the sniffer cannot
 * follow with certainty is treated the same way (fail closed). */
static void hs_tls_sniff(struct hs_tls_sess *s, const char *buf, int n)
{
	int rc;

	if (s->sniff.state == 0)
		return;
	rc = hs_tls_early_sniff_feed(&s->sniff, (const uint8_t *)buf, (size_t)n);
	if (rc == -EALREADY) {
		s->early_replay = true;
		s->events |= HS_TLS_EV_EARLY_REPLAY;
	} else if (rc < 0) {
		s->early_replay = true;
		s->events |= HS_TLS_EV_EARLY_UNPARSED;
	}
}

static int hs_tls_io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct hs_tls_sess *s = ctx;
	int n;

	(void)ssl;
	if (sz <= 0)
		return 0;
	if (s->hold.raw != NULL) {
		/* the held first flight goes first */
		n = (int)HS_MIN((uint32_t)sz, s->hold.len - s->hold_off);
		memcpy(buf, s->hold.raw + s->hold_off, (size_t)n);
		s->hold_off += (uint32_t)n;
		if (s->hold_off == s->hold.len)
			hs_tls_hold_free(&s->hold);
		hs_tls_sniff(s, buf, n);
		return n;
	}
	n = s->pull(s->io, (uint8_t *)buf, (size_t)sz);
	if (n > 0 && n <= sz)
		hs_tls_sniff(s, buf, n);
	if (n > 0)
		return n > sz ? WOLFSSL_CBIO_ERR_GENERAL : n;
	if (n == 0)
		return WOLFSSL_CBIO_ERR_WANT_READ;
	s->transport_closed = true;
	return n == -EPIPE ? WOLFSSL_CBIO_ERR_CONN_CLOSE
			   : WOLFSSL_CBIO_ERR_CONN_RST;
}

static int hs_tls_io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct hs_tls_sess *s = ctx;
	int n;

	(void)ssl;
	if (sz <= 0)
		return 0;
	n = s->push(s->io, (const uint8_t *)buf, (size_t)sz);
	if (n > 0) {
		if (n > sz)
			return WOLFSSL_CBIO_ERR_GENERAL;
		s->tx_blocked = false;
		s->tx_bytes += (uint64_t)n;
		return n;
	}
	if (n == 0) {
		s->tx_blocked = true;
		return WOLFSSL_CBIO_ERR_WANT_WRITE;
	}
	s->transport_closed = true;
	return WOLFSSL_CBIO_ERR_CONN_RST;
}

/* ---- context ------------------------------------------------------- */

static int hs_tls_errf(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int hs_tls_errf(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* A readable regular file?  0 or -errno; wolfSSL's own errors do not say
 * "no such file", so we look first to give the operator a clear line. */
static int hs_tls_check_file(const char *path)
{
	struct stat st;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (S_ISDIR(st.st_mode))
		rc = -EISDIR;
	close(fd);
	return rc;
}

static const char *hs_tls_wolf_strerror(int code, char *buf, size_t len)
{
	wolfSSL_ERR_error_string_n((unsigned long)code, buf, len);
	return buf;
}

static int hs_tls_load_cert(WOLFSSL_CTX *wctx, const char *path,
			    char *err, size_t errlen)
{
	char ebuf[WOLFSSL_MAX_ERROR_SZ];
	int rc;

	rc = hs_tls_check_file(path);
	if (rc < 0)
		return hs_tls_errf(err, errlen, -EIO,
				   "cannot read certificate file '%s': %s",
				   path, strerror(-rc));
	rc = wolfSSL_CTX_use_certificate_chain_file(wctx, path);
	if (rc == WOLFSSL_SUCCESS)
		return 0;
	if (rc == ASN_NO_PEM_HEADER || rc == WOLFSSL_BAD_FILE ||
	    rc == WOLFSSL_FAILURE)
		return hs_tls_errf(err, errlen, -EINVAL,
				   "'%s' holds no PEM certificate", path);
	return hs_tls_errf(err, errlen, -EINVAL,
			   "certificate file '%s' is not usable: %s (%d)", path,
			   hs_tls_wolf_strerror(rc, ebuf, sizeof(ebuf)), rc);
}

static int hs_tls_load_key(WOLFSSL_CTX *wctx, const char *cert_file,
			   const char *key_file, char *err, size_t errlen)
{
	char ebuf[WOLFSSL_MAX_ERROR_SZ];
	int rc;

	rc = hs_tls_check_file(key_file);
	if (rc < 0)
		return hs_tls_errf(err, errlen, -EIO,
				   "cannot read private key file '%s': %s",
				   key_file, strerror(-rc));
	rc = wolfSSL_CTX_use_PrivateKey_file(wctx, key_file,
					     WOLFSSL_FILETYPE_PEM);
	if (rc != WOLFSSL_SUCCESS) {
		if (rc == ASN_NO_PEM_HEADER || rc == WOLFSSL_BAD_FILE ||
		    rc == WOLFSSL_FAILURE)
			return hs_tls_errf(err, errlen, -EINVAL,
					   "'%s' holds no usable PEM private key",
					   key_file);
		return hs_tls_errf(err, errlen, -EINVAL,
				   "private key file '%s' is not usable: %s (%d)",
				   key_file,
				   hs_tls_wolf_strerror(rc, ebuf, sizeof(ebuf)),
				   rc);
	}
	rc = wolfSSL_CTX_check_private_key(wctx);
	if (rc != WOLFSSL_SUCCESS)
		return hs_tls_errf(err, errlen, -EINVAL,
				   "private key '%s' does not match certificate '%s'",
				   key_file, cert_file);
	return 0;
}

/* Protocol policy: TLS 1.2 minimum (RFC 8996 deprecates 1.0/1.1), AEAD
 * suites, X25519/P-256.  Renegotiation (RFC 5746) and compression
 * (RFC 7457 §2.6, CRIME) are compiled out of the tuned build
 * (--enable-secure-renegotiation=no, no HAVE_LIBZ); we refuse to build
 * against a library where they could be switched on. */
#if defined(HAVE_SECURE_RENEGOTIATION) || defined(HAVE_LIBZ)
#error "wolfSSL built with renegotiation or compression: not allowed"
#endif

static int hs_tls_ctx_policy(WOLFSSL_CTX *wctx, char *err, size_t errlen)
{
	if (wolfSSL_CTX_SetMinVersion(wctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS)
		return hs_tls_errf(err, errlen, -EIO,
				   "wolfSSL: cannot set minimum version TLS 1.2");
	if (wolfSSL_CTX_set_cipher_list(wctx, hs_tls_cipher_list) !=
	    WOLFSSL_SUCCESS)
		return hs_tls_errf(err, errlen, -EIO,
				   "wolfSSL: cannot set cipher suites");
	if (wolfSSL_CTX_set_groups(wctx, hs_tls_groups,
				   (int)HS_ARRAY_SIZE(hs_tls_groups)) !=
	    WOLFSSL_SUCCESS)
		return hs_tls_errf(err, errlen, -EIO,
				   "wolfSSL: cannot set key exchange groups");
	wolfSSL_CTX_SetIORecv(wctx, hs_tls_io_recv);
	wolfSSL_CTX_SetIOSend(wctx, hs_tls_io_send);
	return 0;
}

/* Route record AES-GCM to the ipsec-mb device: every WOLFSSL made from
 * this context inherits the devId, and its record Aes objects with it
 * (wolfSSL keys.c SetKeys: wc_AesInit(aes, heap, ssl->devId)). */
static int hs_tls_ctx_crypto(WOLFSSL_CTX *wctx, enum hs_tls_crypto crypto,
			     char *err, size_t errlen)
{
	switch (crypto) {
	case HS_TLS_CRYPTO_WOLFSSL:
		return 0;
	case HS_TLS_CRYPTO_IPSECMB:
		if (!hs_tls_crypto_available())
			return hs_tls_errf(err, errlen, -ENOTSUP,
					   "built without ipsec-mb: use the "
					   "wolfssl crypto path");
		if (wolfSSL_CTX_SetDevId(wctx, HS_TLS_CRYPTO_DEVID) !=
		    WOLFSSL_SUCCESS)
			return hs_tls_errf(err, errlen, -EIO,
					   "wolfSSL: cannot set the crypto "
					   "device id");
		return 0;
	}
	return hs_tls_errf(err, errlen, -EINVAL, "unknown crypto path %d",
			   (int)crypto);
}

/* ---- session tickets ------------------------------------------------ */

static void hs_tls_tkeys_free(struct hs_tls_tkeys *k)
{
	if (k == NULL)
		return;
	explicit_bzero(k, sizeof(*k));
	free(k);
}

/* Expand a 32-byte secret into a key name and an AES-256 key: SHA-256
 * over a 16-byte label and the secret, one label each. */
static int hs_tls_tkey_expand(struct hs_tls_tkey *k, const uint8_t secret[32])
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
static int hs_tls_tkey_line(struct hs_tls_tkeys *k, const char *p,
			    const char *file, unsigned int lineno,
			    char *err, size_t errlen)
{
	uint8_t secret[32];
	size_t len = strlen(p), i;
	int rc;

	if (len != 64)
		return hs_tls_errf(err, errlen, -EINVAL,
				   "ticket key file '%s' line %u: expected 64 hex "
				   "digits (32 bytes, e.g. from 'openssl rand -hex "
				   "32'), got %zu characters", file, lineno, len);
	if (k->n == HS_TLS_MAX_TICKET_KEYS)
		return hs_tls_errf(err, errlen, -EINVAL,
				   "ticket key file '%s' line %u: more than %d keys",
				   file, lineno, HS_TLS_MAX_TICKET_KEYS);
	for (i = 0; i < 32; i++) {
		int hi = hs_hexval((uint8_t)p[2 * i]), lo = hs_hexval((uint8_t)p[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			explicit_bzero(secret, sizeof(secret));
			return hs_tls_errf(err, errlen, -EINVAL,
					   "ticket key file '%s' line %u: '%c' is "
					   "not a hex digit", file, lineno,
					   p[2 * i + (hi < 0 ? 0 : 1)]);
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

static int hs_tls_tkeys_load(struct hs_tls_tkeys *k, const char *file,
			     char *err, size_t errlen)
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
			rc = hs_tls_errf(err, errlen, -EINVAL,
					 "ticket key file '%s' line %u: too long",
					 file, lineno);
			break;
		}
		/* a NUL would end the line early, hiding what follows */
		if (strlen(line) != len) {
			rc = hs_tls_errf(err, errlen, -EINVAL,
					 "ticket key file '%s' line %u: NUL byte "
					 "(not a text file)", file, lineno);
			break;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
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
		rc = hs_tls_errf(err, errlen, -EINVAL,
				 "ticket key file '%s' holds no key (one line of "
				 "64 hex digits per key)", file);
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	fclose(f);
	return rc;
}

static int hs_tls_tkeys_random(struct hs_tls_tkeys *k, char *err,
			       size_t errlen)
{
	uint8_t secret[32];
	int rc;

	if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret))
		return hs_tls_errf(err, errlen, -EIO,
				   "cannot get random bytes for a ticket key: %s",
				   strerror(errno));
	rc = hs_tls_tkey_expand(&k->keys[0], secret);
	explicit_bzero(secret, sizeof(secret));
	if (rc < 0)
		return hs_tls_errf(err, errlen, rc, "wolfSSL: SHA-256 failed");
	k->n = 1;
	return 0;
}

int hs_tls_reload_ticket_keys(struct hs_tls_ctx *ctx, const char *file,
			      char *err, size_t errlen)
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
		ctx->retired_next = (ctx->retired_next + 1) % HS_TLS_TKEYS_RETIRED;
	}
	return 0;
}

/* Ticket iv: a 12-byte GCM nonce, then the issue time (hs_tls.h). */
#define HS_TLS_TKT_NONCE 12

static void hs_tls_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t hs_tls_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Issued at 'issued' (seconds since the epoch): still within the
 * lifetime?  Servers of a fleet may disagree on the time a little: an
 * issue time up to a lifetime in the future is taken as now. */
static bool hs_tls_fresh(const struct hs_tls_ctx *ctx, uint32_t issued)
{
	int64_t age = (int64_t)time(NULL) - (int64_t)issued;

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
static int hs_tls_ticket_cb(WOLFSSL *ssl,
			    unsigned char key_name[WOLFSSL_TICKET_NAME_SZ],
			    unsigned char iv[WOLFSSL_TICKET_IV_SZ],
			    unsigned char mac[WOLFSSL_TICKET_MAC_SZ],
			    int enc, unsigned char *ticket, int in_len,
			    int *out_len, void *user)
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
		return enc ? WOLFSSL_TICKET_RET_FATAL : WOLFSSL_TICKET_RET_REJECT;
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
		return enc ? WOLFSSL_TICKET_RET_FATAL : WOLFSSL_TICKET_RET_REJECT;
	if (enc) {
		k = &ks->keys[0];
		memcpy(key_name, k->name, WOLFSSL_TICKET_NAME_SZ);
		if (getrandom(iv, HS_TLS_TKT_NONCE, 0) != HS_TLS_TKT_NONCE)
			return WOLFSSL_TICKET_RET_FATAL;
		hs_tls_put_be32(iv + HS_TLS_TKT_NONCE, (uint32_t)time(NULL));
		memset(mac + 16, 0, sizeof(zeros));
	} else {
		/* RFC 8446 §4.6.1: not beyond its lifetime (the issue time is
		 * authenticated with the rest of iv: forging it only fails) */
		if (!hs_tls_fresh(ctx, hs_tls_get_be32(iv + HS_TLS_TKT_NONCE))) {
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
	aad[WOLFSSL_TICKET_NAME_SZ + WOLFSSL_TICKET_IV_SZ] = (uint8_t)(in_len >> 8);
	aad[WOLFSSL_TICKET_NAME_SZ + WOLFSSL_TICKET_IV_SZ + 1] = (uint8_t)in_len;
	memcpy(aad + WOLFSSL_TICKET_NAME_SZ + WOLFSSL_TICKET_IV_SZ + 2,
	       s->site_id, sizeof(s->site_id));
	rc = wc_AesInit(&aes, NULL, INVALID_DEVID);
	if (rc != 0)
		return enc ? WOLFSSL_TICKET_RET_FATAL : WOLFSSL_TICKET_RET_REJECT;
	rc = wc_AesGcmSetKey(&aes, k->aes, sizeof(k->aes));
	if (rc == 0 && enc)
		rc = wc_AesGcmEncrypt(&aes, ticket, ticket, (word32)in_len,
				      iv, HS_TLS_TKT_NONCE, mac, 16, aad,
				      sizeof(aad));
	else if (rc == 0)
		rc = wc_AesGcmDecrypt(&aes, ticket, ticket, (word32)in_len,
				      iv, HS_TLS_TKT_NONCE, mac, 16, aad,
				      sizeof(aad));
	wc_AesFree(&aes);
	if (rc != 0)
		return enc ? WOLFSSL_TICKET_RET_FATAL : WOLFSSL_TICKET_RET_REJECT;
	*out_len = in_len;
	/* opened with an older key: ask for a ticket under the current one */
	return i > 0 ? WOLFSSL_TICKET_RET_CREATE : WOLFSSL_TICKET_RET_OK;
}

/* ---- TLS 1.2 session cache (hs_tls_scache.h) ----------------------- */

/* wolfSSL adds a session after a full handshake: keep TLS 1.2 ones under
 * the session's site binding.  Returns 0: wolfSSL keeps no reference. */
static int hs_tls_scache_new_cb(WOLFSSL *ssl, WOLFSSL_SESSION *sess)
{
	struct hs_tls_sess *s = wolfSSL_GetIOReadCtx(ssl);
	uint8_t der[HS_TLS_SCACHE_DATA], *p = der;
	const unsigned char *id;
	unsigned int idlen = 0;
	int len;

	if (s == NULL || sess == NULL || wolfSSL_version(ssl) == TLS1_3_VERSION)
		return 0;             /* TLS 1.3 resumes with tickets only */
	id = wolfSSL_SESSION_get_id(sess, &idlen);
	len = wolfSSL_i2d_SSL_SESSION(sess, NULL);
	if (id == NULL || idlen == 0 || len <= 0 || len > (int)sizeof(der) ||
	    wolfSSL_i2d_SSL_SESSION(sess, &p) != len)
		return 0;
	(void)hs_tls_scache_put(s->site_id, id, idlen, der, (size_t)len,
				(uint32_t)time(NULL));
	explicit_bzero(der, sizeof(der));
	return 0;
}

/* A TLS 1.2 client offers a session ID: found only under the same site
 * binding.  *copy = 0: wolfSSL copies the session and frees ours. */
static WOLFSSL_SESSION *hs_tls_scache_get_cb(WOLFSSL *ssl,
					     const unsigned char *id, int idlen,
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

/* ---- SNI ------------------------------------------------------------ */

/* RFC 6125 §6.4: case-insensitive; "*." matches one whole left label. */
static bool hs_tls_name_match(const char *pattern, const char *name)
{
	if (pattern[0] == '*' && pattern[1] == '.') {
		const char *dot = strchr(name, '.');

		return dot != NULL && dot != name &&
		       strcasecmp(dot + 1, pattern + 2) == 0;
	}
	return strcasecmp(pattern, name) == 0;
}

/* Site for a server name: its wolfSSL context, the default one, or NULL
 * when sni_strict refuses the name.  *site gets the --site NAME ("" for
 * the default site). */
static WOLFSSL_CTX *hs_tls_site_for(const struct hs_tls_ctx *ctx,
				    const char *name, const char **site)
{
	size_t i;

	*site = "";
	if (name == NULL)
		return ctx->wctx;               /* no SNI: default site */
	for (i = 0; i < ctx->nb_sites; i++)
		if (hs_tls_name_match(ctx->sites[i].name, name)) {
			*site = ctx->sites[i].name;
			return ctx->sites[i].wctx;
		}
	if (!ctx->sni_strict)
		return ctx->wctx;
	for (i = 0; i < ctx->nb_def_names; i++)
		if (hs_tls_name_match(ctx->def_names[i], name))
			return ctx->wctx;
	return NULL;
}

/* The session's resumption binding: SHA-256 over a label, the selected
 * site's NAME ("" for the default site) and the server name the client
 * sent, lower case ("" without SNI).  Tickets (as additional data) and
 * cached TLS 1.2 sessions (as part of the key) carry it, so a session
 * resumes only under the same server name and site (RFC 6066 §3: "MUST
 * NOT accept the request to resume the session if the server_name
 * extension contains a different name"; RFC 8446 §4.2.11, §4.6.1).  Names
 * only: every server of a fleet with the same sites computes the same. */
static int hs_tls_site_id(struct hs_tls_sess *s, const char *site)
{
	static const char label[] = "httpsd resumption site v1";
	char name[sizeof(s->sni)];
	wc_Sha256 h;
	size_t i, n = 0;
	int rc;

	if (s->sni_seen)
		for (n = 0; s->sni[n] != '\0' && n < sizeof(name) - 1; n++)
			name[n] = (char)(s->sni[n] >= 'A' && s->sni[n] <= 'Z' ?
					 s->sni[n] - 'A' + 'a' : s->sni[n]);
	name[n] = '\0';
	rc = wc_InitSha256(&h);
	if (rc == 0)
		rc = wc_Sha256Update(&h, (const byte *)label, sizeof(label));
	if (rc == 0)
		rc = wc_Sha256Update(&h, (const byte *)site,
				     (word32)strlen(site) + 1);
	if (rc == 0)
		rc = wc_Sha256Update(&h, (const byte *)name, (word32)n + 1);
	if (rc == 0)
		rc = wc_Sha256Final(&h, s->site_id);
	wc_Sha256Free(&h);
	for (i = 0; rc != 0 && i < sizeof(s->site_id); i++)
		s->site_id[i] = 0;
	return rc == 0 ? 0 : -EIO;
}

/* DNS names of a certificate (subjectAltName, else the CN) for strict SNI. */
static int hs_tls_cert_names(struct hs_tls_ctx *ctx, const char *cert_file,
			     char *err, size_t errlen)
{
	WOLFSSL_X509 *x;
	char *n, cn[256];
	size_t cap = 0;
	int rc = 0;

	x = wolfSSL_X509_load_certificate_file(cert_file, WOLFSSL_FILETYPE_PEM);
	if (x == NULL)
		return hs_tls_errf(err, errlen, -EINVAL,
				   "'%s': cannot read the certificate's names",
				   cert_file);
	while (rc == 0 && (n = wolfSSL_X509_get_next_altname(x)) != NULL) {
		if (ctx->nb_def_names == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			char **v = realloc(ctx->def_names, ncap * sizeof(*v));

			if (v == NULL) {
				rc = -ENOMEM;
				break;
			}
			ctx->def_names = v;
			cap = ncap;
		}
		ctx->def_names[ctx->nb_def_names] = strdup(n);
		if (ctx->def_names[ctx->nb_def_names] == NULL)
			rc = -ENOMEM;
		else
			ctx->nb_def_names++;
	}
	if (rc == 0 && ctx->nb_def_names == 0 &&
	    wolfSSL_X509_NAME_get_text_by_NID(wolfSSL_X509_get_subject_name(x),
					      NID_commonName, cn,
					      (int)sizeof(cn)) > 0) {
		ctx->def_names = malloc(sizeof(*ctx->def_names));
		if (ctx->def_names == NULL ||
		    (ctx->def_names[0] = strdup(cn)) == NULL)
			rc = -ENOMEM;
		else
			ctx->nb_def_names = 1;
	}
	wolfSSL_X509_free(x);
	if (rc < 0)
		return hs_tls_errf(err, errlen, rc, "out of memory");
	return 0;
}

/* ---- context ------------------------------------------------------- */

/* One wolfSSL context per certificate, each with the whole policy
 * (client certificates and 0-RTT included); a session is created from the
 * one its ClientHello's SNI selects.  The OCSP response names the --cert
 * certificate: it is stapled by the contexts serving that file (*ocsp is
 * set for them, NULL for the others). */
static int hs_tls_wctx_new(struct hs_tls_ctx *ctx, WOLFSSL_CTX **out,
			   struct hs_tls_ocsp **ocsp,
			   const char *cert_file, const char *key_file,
			   const struct hs_tls_config *cfg,
			   char *err, size_t errlen)
{
	WOLFSSL_CTX *wctx;
	int rc;

	*ocsp = NULL;
	wctx = wolfSSL_CTX_new(wolfSSLv23_server_method());
	if (wctx == NULL)
		return hs_tls_errf(err, errlen, -ENOMEM,
				   "wolfSSL: cannot create server context "
				   "(hs_tls_global_init called?)");
	/* Certificate and key first: loading a key re-derives wolfSSL's
	 * suite list, the policy below must be the last word. */
	rc = hs_tls_load_cert(wctx, cert_file, err, errlen);
	if (rc == 0)
		rc = hs_tls_load_key(wctx, cert_file, key_file, err, errlen);
	if (rc == 0)
		rc = hs_tls_ctx_policy(wctx, err, errlen);
	if (rc == 0)
		rc = hs_tls_ctx_crypto(wctx, cfg->crypto, err, errlen);
	if (rc == 0 && (wolfSSL_CTX_set_TicketEncCb(wctx, hs_tls_ticket_cb) !=
			WOLFSSL_SUCCESS ||
			wolfSSL_CTX_set_TicketEncCtx(wctx, ctx) != WOLFSSL_SUCCESS))
		rc = hs_tls_errf(err, errlen, -EIO,
				 "wolfSSL: cannot set the ticket callback");
	/* The lifetime hint of NewSessionTicket (both versions), and
	 * wolfSSL's own age checks (TLS 1.3 PSK, TLS 1.2 ticket and cached
	 * session): the same lifetime as ours (hs_tls_fresh). */
	if (rc == 0 && (wolfSSL_CTX_set_TicketHint(wctx, (int)ctx->lifetime) !=
			WOLFSSL_SUCCESS ||
			/* builds with WOLFSSL_ERROR_CODE_OPENSSL (Debian's)
			 * return the previous timeout on success */
			wolfSSL_CTX_set_timeout(wctx, ctx->lifetime) < 0))
		rc = hs_tls_errf(err, errlen, -EIO,
				 "wolfSSL: cannot set the ticket lifetime");
	if (rc == 0 && wolfSSL_CTX_set_session_id_context(wctx, hs_tls_sid_ctx,
			(unsigned int)sizeof(hs_tls_sid_ctx) - 1) != WOLFSSL_SUCCESS)
		rc = hs_tls_errf(err, errlen, -EIO,
				 "wolfSSL: cannot set the session id context");
	if (rc == 0 && cfg->session_cache < 0)
		(void)wolfSSL_CTX_set_session_cache_mode(wctx,
						WOLFSSL_SESS_CACHE_OFF);
	/* Our cache replaces wolfSSL's (one table keyed by session ID alone,
	 * shared by every site): see hs_tls_scache.h. */
	if (rc == 0 && cfg->session_cache >= 0) {
		if (hs_tls_scache_init() < 0)
			rc = hs_tls_errf(err, errlen, -ENOMEM,
					 "out of memory for the session cache");
		else if (wolfSSL_CTX_set_session_cache_mode(wctx,
				WOLFSSL_SESS_CACHE_SERVER |
				WOLFSSL_SESS_CACHE_NO_INTERNAL) !=
			 WOLFSSL_SUCCESS)
			rc = hs_tls_errf(err, errlen, -EIO, "wolfSSL: cannot "
					 "set the session cache mode");
		wolfSSL_CTX_sess_set_new_cb(wctx, hs_tls_scache_new_cb);
		wolfSSL_CTX_sess_set_get_cb(wctx, hs_tls_scache_get_cb);
	}
	/* after the ticket and cache set-up: client authentication turns
	 * resumption off */
	if (rc == 0 && cfg->client_auth != HS_TLS_CLIENT_AUTH_OFF)
		rc = hs_tls_mtls_ctx_setup(wctx, cfg->client_ca,
					   cfg->client_auth, err, errlen);
	if (rc == 0 && cfg->ocsp_staple != NULL &&
	    strcmp(cert_file, cfg->cert_file) == 0)
		rc = hs_tls_ocsp_setup(wctx, cert_file, cfg->ocsp_staple, ocsp,
				       err, errlen);
	if (rc == 0 && cfg->early_data)
		rc = hs_tls_early_ctx_setup(wctx, err, errlen);
	if (rc < 0) {
		wolfSSL_CTX_free(wctx);
		hs_tls_ocsp_free(*ocsp);
		*ocsp = NULL;
		return rc;
	}
	*out = wctx;
	return 0;
}

static int hs_tls_sites_new(struct hs_tls_ctx *ctx,
			    const struct hs_tls_config *cfg,
			    char *err, size_t errlen)
{
	size_t i;

	if (cfg->nb_sites == 0)
		return 0;
	if (cfg->sites == NULL || cfg->nb_sites > HS_TLS_MAX_SITES)
		return hs_tls_errf(err, errlen, -EINVAL,
				   "at most %d sites", HS_TLS_MAX_SITES);
	ctx->sites = calloc(cfg->nb_sites, sizeof(*ctx->sites));
	if (ctx->sites == NULL)
		return hs_tls_errf(err, errlen, -ENOMEM, "out of memory");
	for (i = 0; i < cfg->nb_sites; i++) {
		const struct hs_tls_site *st = &cfg->sites[i];
		struct hs_tls_site_ctx *sc = &ctx->sites[ctx->nb_sites];
		const char *n = st->name;

		if (n == NULL || n[0] == '\0' || st->cert_file == NULL ||
		    st->key_file == NULL)
			return hs_tls_errf(err, errlen, -EINVAL,
					   "site %zu needs a name, a certificate "
					   "and a key file", i + 1);
		/* a host name, or "*." and one: no other '*', no empty label */
		if (strlen(n) > 253 || strchr(n + (n[0] == '*' ? 1 : 0), '*') ||
		    (n[0] == '*' && (n[1] != '.' || n[2] == '\0')) ||
		    n[0] == '.' || strstr(n, "..") || n[strlen(n) - 1] == '.' ||
		    strpbrk(n, " \t,=/") != NULL)
			return hs_tls_errf(err, errlen, -EINVAL,
					   "site name '%s' is not a host name "
					   "or *.domain wildcard", n);
		HS_GUARD(hs_tls_wctx_new(ctx, &sc->wctx, &sc->ocsp,
					 st->cert_file, st->key_file, cfg,
					 err, errlen));
		sc->name = strdup(n);
		ctx->nb_sites++;
		if (sc->name == NULL)
			return hs_tls_errf(err, errlen, -ENOMEM, "out of memory");
	}
	return 0;
}

int hs_tls_ctx_new(struct hs_tls_ctx **out, const struct hs_tls_config *cfg,
		   char *err, size_t errlen)
{
	struct hs_tls_ctx *ctx;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL || cfg == NULL || cfg->cert_file == NULL ||
	    cfg->key_file == NULL)
		return hs_tls_errf(err, errlen, -EINVAL,
				   "TLS config needs a certificate and a key file");
	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return hs_tls_errf(err, errlen, -ENOMEM, "out of memory");
	ctx->crypto = cfg->crypto;
	ctx->sni_strict = cfg->sni_strict;
	ctx->lifetime = cfg->ticket_lifetime ? cfg->ticket_lifetime
					     : HS_TLS_TICKET_LIFETIME_DEFAULT;
	ctx->client_auth = cfg->client_auth;
	ctx->early = cfg->early_data;
	if (ctx->lifetime > HS_TLS_TICKET_LIFETIME_MAX)
		rc = hs_tls_errf(err, errlen, -EINVAL,
				 "ticket lifetime %u s is out of range (1..%u, "
				 "RFC 8446 §4.6.1)", ctx->lifetime,
				 HS_TLS_TICKET_LIFETIME_MAX);
	else if (cfg->ocsp_staple != NULL &&
	    cfg->client_auth != HS_TLS_CLIENT_AUTH_OFF)
		rc = hs_tls_errf(err, errlen, -EINVAL,
				 "OCSP stapling cannot be combined with "
				 "client authentication (wolfSSL checks "
				 "both with one trust store)");
	else
		rc = hs_tls_wctx_new(ctx, &ctx->wctx, &ctx->ocsp,
				     cfg->cert_file, cfg->key_file, cfg,
				     err, errlen);
	if (rc == 0)
		rc = hs_tls_sites_new(ctx, cfg, err, errlen);
	if (rc == 0 && cfg->sni_strict)
		rc = hs_tls_cert_names(ctx, cfg->cert_file, err, errlen);
	if (rc == 0)
		rc = hs_tls_reload_ticket_keys(ctx, cfg->ticket_key_file, err,
					       errlen);
	if (rc < 0) {
		hs_tls_ctx_free(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

void hs_tls_ctx_free(struct hs_tls_ctx *ctx)
{
	size_t i;

	if (ctx == NULL)
		return;
	wolfSSL_CTX_free(ctx->wctx);
	for (i = 0; i < ctx->nb_sites; i++) {
		wolfSSL_CTX_free(ctx->sites[i].wctx);
		free(ctx->sites[i].name);
		hs_tls_ocsp_free(ctx->sites[i].ocsp);
	}
	free(ctx->sites);
	for (i = 0; i < ctx->nb_def_names; i++)
		free(ctx->def_names[i]);
	free(ctx->def_names);
	hs_tls_tkeys_free(ctx->tkeys);
	for (i = 0; i < HS_TLS_TKEYS_RETIRED; i++)
		hs_tls_tkeys_free(ctx->retired[i]);
	hs_tls_ocsp_free(ctx->ocsp);
	free(ctx);
}

/* ---- sessions ------------------------------------------------------ */

struct hs_tls_sess *hs_tls_sess_new(struct hs_tls_ctx *ctx, hs_tls_pull_fn pull,
				    hs_tls_push_fn push, void *io)
{
	struct hs_tls_sess *s;

	if (ctx == NULL || pull == NULL || push == NULL)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	if (ctx->crypto == HS_TLS_CRYPTO_IPSECMB) {
		s->keys = hs_tls_crypto_keyset_new();
		if (s->keys == NULL) {
			free(s);
			return NULL;
		}
	}
	s->ctx = ctx;
	s->pull = pull;
	s->push = push;
	s->io = io;
	return s;
}

void hs_tls_sess_free(struct hs_tls_sess *s)
{
	if (s == NULL)
		return;
	wolfSSL_free(s->ssl);
	hs_tls_early_sniff_stop(&s->sniff);
	hs_tls_crypto_keyset_free(s->keys);   /* wipes the expanded keys */
	hs_tls_hold_free(&s->hold);
	free(s);
}

/* ---- site selection (SNI, RFC 6066 §3) ------------------------------ */

static int hs_tls_alert_now(struct hs_tls_sess *s, uint8_t desc);

/* Before the first wolfSSL call: hold the first flight until its
 * ClientHello is whole (hs_tls_hello.h), pick the site by its server
 * name, create the session's WOLFSSL from that site's context.  -EAGAIN
 * until the hello is all in. */
static int hs_tls_choose_site(struct hs_tls_sess *s)
{
	WOLFSSL_CTX *wctx = s->ctx->wctx;
	const char *site = "";
	const uint8_t *msg;
	uint32_t want, mlen;
	int n, rc = 0;

	while (rc == 0) {
		want = hs_tls_hold_want(&s->hold);
		if (hs_tls_hold_reserve(&s->hold) < 0)
			return -ENOMEM;
		n = s->pull(s->io, s->hold.raw + s->hold.len, want);
		if (n == 0)
			return -EAGAIN;
		if (n < 0 || (uint32_t)n > want) {
			s->transport_closed = true;
			s->dead = -ECONNRESET;
			return s->dead;
		}
		rc = hs_tls_hold_add(&s->hold, (uint32_t)n);
	}
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		if (s->hold.too_big)
			s->events |= HS_TLS_EV_HELLO_TOO_BIG;
		return hs_tls_alert_now(s, (uint8_t)-rc);
	}
	msg = hs_tls_hold_msg(&s->hold, &mlen);
	rc = hs_tls_parse_sni(msg, mlen, s->sni, sizeof(s->sni));
	if (rc < 0)
		return hs_tls_alert_now(s, 47 /* illegal_parameter */);
	s->sni_seen = rc == 1;
	wctx = hs_tls_site_for(s->ctx, s->sni_seen ? s->sni : NULL, &site);
	if (wctx == NULL)
		return hs_tls_alert_now(s, 112 /* unrecognized_name */);
	HS_GUARD(hs_tls_site_id(s, site));
	s->ssl = wolfSSL_new(wctx);
	if (s->ssl == NULL)
		return -ENOMEM;
	/* RFC 7301 §3.2: a client offering ALPN without http/1.1 gets a
	 * fatal no_application_protocol alert. */
	if (wolfSSL_UseALPN(s->ssl, (char *)hs_tls_alpn_list,
			    (unsigned int)sizeof(hs_tls_alpn_list) - 1,
			    WOLFSSL_ALPN_FAILED_ON_MISMATCH) != WOLFSSL_SUCCESS) {
		wolfSSL_free(s->ssl);
		s->ssl = NULL;
		return -ENOMEM;
	}
	wolfSSL_SetIOReadCtx(s->ssl, s);
	wolfSSL_SetIOWriteCtx(s->ssl, s);
	s->client_auth = s->ctx->client_auth;
	if (s->client_auth != HS_TLS_CLIENT_AUTH_OFF)
		hs_tls_mtls_sess_setup(s->ssl, &s->peer);
	s->early_on = s->ctx->early;
	if (s->early_on) {
		/* the held flight, replayed to wolfSSL, is sniffed first */
		hs_tls_early_sniff_start(&s->sniff);
		s->early_phase = true;  /* reads drive the handshake */
	}
	return 0;
}

/* Push what is left of our own alert record; 0 once it is all out. */
static int hs_tls_alert_flush(struct hs_tls_sess *s)
{
	while (s->alert_off < s->alert_len) {
		int n = s->push(s->io, s->alert + s->alert_off,
				(size_t)(s->alert_len - s->alert_off));

		if (n == 0)
			return -EAGAIN;
		if (n < 0) {
			s->transport_closed = true;
			return -ECONNRESET;
		}
		s->alert_off += (uint8_t)HS_MIN(n, s->alert_len - s->alert_off);
	}
	return 0;
}

/* Alert for a wolfSSL error (RFC 8446 §6.2 descriptions). */
static uint8_t hs_tls_alert_desc(int wolf_err)
{
	switch (wolf_err) {
	case UNKNOWN_RECORD_TYPE:   /* RFC 8446 §5 */
	case OUT_OF_ORDER_E:
		return 10;          /* unexpected_message */
	case VERSION_ERROR:
		return 70;          /* protocol_version */
	case MATCH_SUITE_ERROR:
		return 40;          /* handshake_failure */
	default:
		return 50;          /* decode_error */
	}
}

/* wolfSSL 5.5.4 fails some records without telling the peer (an unknown
 * record type, e.g. plain HTTP sent to the TLS port, sends nothing).  When
 * it sent no fatal alert and we have not pushed a byte yet - so no record
 * keys exist and the alert is plaintext (RFC 8446 §5.1, §6.2) - we send
 * one ourselves.  Later failures are encrypted; wolfSSL alerts those. */
static void hs_tls_plain_alert(struct hs_tls_sess *s, uint8_t desc)
{
	s->alert[0] = 21;                   /* ContentType alert */
	s->alert[1] = 3;                    /* legacy_record_version 3,3 */
	s->alert[2] = 3;
	s->alert[3] = 0;
	s->alert[4] = 2;
	s->alert[5] = alert_fatal;
	s->alert[6] = desc;
	s->alert_len = sizeof(s->alert);
	(void)hs_tls_alert_flush(s);
}

/* Refuse a ClientHello before wolfSSL saw it: plaintext fatal alert. */
static int hs_tls_alert_now(struct hs_tls_sess *s, uint8_t desc)
{
	if (s->alert_len == 0)
		hs_tls_plain_alert(s, desc);
	s->dead = -EPROTO;
	return s->dead;
}

static void hs_tls_fatal_alert(struct hs_tls_sess *s, int wolf_err)
{
	WOLFSSL_ALERT_HISTORY h;

	memset(&h, 0, sizeof(h));
	if (s->ssl == NULL ||
	    wolfSSL_get_alert_history(s->ssl, &h) != WOLFSSL_SUCCESS)
		memset(&h, 0, sizeof(h));
	if (h.last_tx.level == alert_fatal || s->tx_bytes != 0 ||
	    s->alert_len != 0)
		return;
	hs_tls_plain_alert(s, hs_tls_alert_desc(wolf_err));
}

/* Map a failed wolfSSL call (ret <= 0) to our codes.  Fatal results are
 * sticky: the alert (RFC 8446 §6.2) has been queued through push, and the
 * session must not be used for data any more. */
static int hs_tls_map_err(struct hs_tls_sess *s, int ret)
{
	int e = wolfSSL_get_error(s->ssl, ret);

	if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE)
		return -EAGAIN;
	/* wolfSSL 5.5.4 wolfSSL_accept_TLSv13() stores 0 instead of
	 * WANT_WRITE in ssl->error when resending buffered output blocks
	 * again; our push saw "no room", so this is a would-block. */
	if (e == WOLFSSL_ERROR_NONE && s->tx_blocked && !s->transport_closed)
		return -EAGAIN;
	if (s->transport_closed) {
		s->dead = -ECONNRESET;
		return s->dead;
	}
	hs_tls_fatal_alert(s, e);
	s->dead = -EPROTO;
	return s->dead;
}

/* A dead session keeps failing with its code; it still tries to get our
 * own alert out if the transport was full the first time. */
static int hs_tls_dead(struct hs_tls_sess *s)
{
	if (s->alert_off < s->alert_len && !s->transport_closed)
		(void)hs_tls_alert_flush(s);
	return s->dead;
}

static int hs_tls_do_handshake(struct hs_tls_sess *s)
{
	int ret;

	if (s == NULL)
		return -EINVAL;
	if (s->dead)
		return hs_tls_dead(s);
	if (s->hs_done)
		return 0;
	if (s->ssl == NULL)
		HS_GUARD(hs_tls_choose_site(s));
	if (s->early_phase)
		return -EAGAIN;     /* hs_tls_read drives it (early data) */
	s->tx_blocked = false;
	ret = wolfSSL_accept(s->ssl);
	if (ret != WOLFSSL_SUCCESS)
		return hs_tls_map_err(s, ret);
	/* wolfSSL 5.5.4 only reports success once its record layer is
	 * drained (we never enable message grouping), but a handshake whose
	 * last flight (NewSessionTicket, RFC 8446 §4.6.1) is still stuck in
	 * the output buffer must not be called done: the caller would wait
	 * for input that never comes.  Calling accept again re-sends the
	 * buffered bytes before anything else. */
	if (s->tx_blocked)
		return -EAGAIN;
	hs_tls_early_sniff_stop(&s->sniff);
	if (!hs_tls_mtls_acceptable(s->client_auth, &s->peer)) {
		s->dead = -EPROTO;    /* resumed without a client certificate */
		return s->dead;
	}
	s->hs_done = true;
	return 0;
}

/* Public entry: the session's key cache is the device's for the call. */
int hs_tls_handshake(struct hs_tls_sess *s)
{
	struct hs_tls_crypto_keyset *prev;
	int rc;

	if (s == NULL)
		return -EINVAL;
	prev = hs_tls_crypto_enter(s->keys);
	rc = hs_tls_do_handshake(s);
	hs_tls_crypto_leave(prev);
	return rc;
}

bool hs_tls_handshake_done(const struct hs_tls_sess *s)
{
	return s != NULL && s->hs_done;
}

bool hs_tls_early_phase(const struct hs_tls_sess *s)
{
	return s != NULL && s->early_phase;
}

bool hs_tls_in_early_data(const struct hs_tls_sess *s)
{
	return s != NULL && s->early_input;
}

/* Early phase (sessions of a context with early data): the handshake is
 * driven by wolfSSL_read_early_data(), which is the only way wolfSSL
 * 5.5.4 accepts early data (it marks the session as expecting it before
 * the ClientHello is parsed).  It runs wolfSSL_accept until our Finished
 * is out, then returns early data until the client's EndOfEarlyData and
 * Finished.  >0 bytes (early_input says whether they came before the
 * client's Finished), 0 once the phase is over and the handshake has
 * been finished with wolfSSL_accept (read normally then), or an error. */
static int hs_tls_early_read(struct hs_tls_sess *s, void *buf, size_t len)
{
	int ret, out = 0, e;

	s->tx_blocked = false;
#ifdef WOLFSSL_EARLY_DATA
	ret = wolfSSL_read_early_data(s->ssl, buf, (int)len, &out);
#else
	/* not reached: without early data in wolfSSL (Debian's build) no
	 * context allows it (hs_tls_early_ctx_setup); a plain handshake */
	ret = 0;
#endif
	if (out > 0) {
		/* data processed after the client's Finished is 1-RTT data */
		s->early_input = !wolfSSL_is_init_finished(s->ssl);
		if (s->early_input) {
			s->events |= HS_TLS_EV_EARLY_ACCEPTED;
			/* early data comes only once wolfSSL_accept has
			 * returned after our Finished: 0.5-RTT from now on.
			 * Not when client certificates are required: the
			 * check is made once the handshake is done (a
			 * resumed session has none), the answer waits. */
			s->half_rtt =
				s->client_auth != HS_TLS_CLIENT_AUTH_REQUIRED;
		}
		return out;
	}
	if (ret == BAD_FUNC_ARG && wolfSSL_version(s->ssl) != TLS1_3_VERSION) {
		/* a TLS 1.2 client: no early data, plain handshake */
	} else if (ret != 0 && !wolfSSL_is_init_finished(s->ssl)) {
		e = wolfSSL_get_error(s->ssl, ret);
		if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE ||
		    (e == WOLFSSL_ERROR_NONE && s->tx_blocked &&
		     !s->transport_closed))
			return -EAGAIN;
		return hs_tls_map_err(s, ret);
	}
	/* Finished received (or a handshake without early data that
	 * wolfSSL_read_early_data no longer drives): wolfSSL_accept ends it
	 * (tickets) and reports success. */
	s->early_phase = false;
	s->early_input = false;
	s->half_rtt = false;
	return hs_tls_do_handshake(s);
}

/* Reads and writes drive an unfinished handshake first. */
static int hs_tls_ready(struct hs_tls_sess *s)
{
	if (s == NULL)
		return -EINVAL;
	if (s->dead)
		return hs_tls_dead(s);
	/* wolfSSL 5.5.4's wolfSSL_write finishes the handshake first (and
	 * turns its would-block into a fatal error): no 0.5-RTT data, the
	 * answer to early data waits for the client's Finished.  Our patched
	 * build (scripts/wolfssl-patches/0002) sends it after our Finished
	 * (RFC 8446 §2.3, §4.4.4); see hs_tls_do_write. */
	if (s->early_phase)
		return -EAGAIN;
	if (!s->hs_done)
		return hs_tls_do_handshake(s);
	return 0;
}

/* Empty wolfSSL's output buffer.
 *
 * wolfSSL 5.5.4 appends new records (alerts, KeyUpdate) at buffer + length,
 * ignoring the offset of a partly sent record, and would overwrite it: so
 * wolfSSL_read and wolfSSL_shutdown are only ever called with nothing
 * pending.  Pending output is either the rest of a blocked write's record
 * (wr_retry) or something read/shutdown queued (tx_pending); both flags
 * are only set after our push refused bytes, so wolfSSL does hold some.
 *
 * There is no flush call.  wolfSSL_write sends buffered bytes first, then
 * counts them as prevSent + plainSz plaintext bytes of the write that last
 * met WANT_WRITE (never reset), fails with a session-killing BAD_FUNC_ARG
 * if that exceeds the new length and otherwise goes on after that many.
 * Every write is one record (len <= HS_TLS_MAX_WRITE, no max_fragment), so
 * that count is exactly the len of the last blocked write: a write of
 * stale_len bytes (0 if none ever blocked) flushes and sends nothing new.
 * Once a blocked write's record is flushed, its retry is done. */
static const uint8_t hs_tls_zeros[HS_TLS_MAX_WRITE];

static int hs_tls_flush(struct hs_tls_sess *s)
{
	int ret;

	if (!s->tx_pending && !s->wr_retry)
		return 0;
	s->tx_blocked = false;
	ret = wolfSSL_write(s->ssl, hs_tls_zeros, s->stale_len);
	if (ret < 0)
		return hs_tls_map_err(s, ret);
	if (ret != s->stale_len || s->tx_blocked) {
		s->dead = -EIO;     /* wolfSSL's accounting differs: stop */
		return s->dead;
	}
	if (s->wr_retry) {
		s->wr_retry = false;
		s->wr_done = true;
	}
	s->tx_pending = false;
	return 0;
}

static int hs_tls_do_read(struct hs_tls_sess *s, void *buf, size_t len)
{
	int ret, e;

	if (buf == NULL || len == 0)
		return -EINVAL;
	/* the site's context decides whether reads drive the handshake */
	if (s->ssl == NULL && !s->dead)
		HS_GUARD(hs_tls_choose_site(s));
	if (s->early_phase && !s->dead) {
		if (len > INT_MAX)
			len = INT_MAX;
		/* a blocked 0.5-RTT write's record goes out before wolfSSL
		 * reads (and, after the client's Finished, sends tickets) */
		if (HS_TLS_HALF_RTT && s->half_rtt)
			HS_GUARD(hs_tls_flush(s));
		ret = hs_tls_early_read(s, buf, len);
		if (ret != 0)
			return ret;
	}
	HS_GUARD(hs_tls_ready(s));
	s->early_input = false;
	if (s->peer_closed)
		return 0;
	/* Output first (see hs_tls_flush): while it is blocked we read
	 * nothing, which also pushes back on a peer that does not read. */
	HS_GUARD(hs_tls_flush(s));
	if (len > INT_MAX)
		len = INT_MAX;
	s->tx_blocked = false;
	ret = wolfSSL_read(s->ssl, buf, (int)len);
	/* wolfSSL may have answered something (KeyUpdate) and hit a full
	 * transport; it returns the data it read all the same. */
	if (s->tx_blocked)
		s->tx_pending = true;
	if (ret > 0)
		return ret;
	/* RFC 8446 §6.1: close_notify ends the stream cleanly.  wolfSSL
	 * also returns 0 for a bare transport EOF; only the former is 0. */
	e = wolfSSL_get_error(s->ssl, ret);
	if (e == WOLFSSL_ERROR_ZERO_RETURN) {
		s->peer_closed = true;
		return 0;
	}
	return hs_tls_map_err(s, ret);
}

/* Public entry: the session's key cache is the device's for the call. */
int hs_tls_read(struct hs_tls_sess *s, void *buf, size_t len)
{
	struct hs_tls_crypto_keyset *prev;
	int rc;

	if (s == NULL)
		return -EINVAL;
	prev = hs_tls_crypto_enter(s->keys);
	rc = hs_tls_do_read(s, buf, len);
	hs_tls_crypto_leave(prev);
	return rc;
}

static int hs_tls_do_write(struct hs_tls_sess *s, const void *buf, size_t len)
{
	int ret;

	/* 0.5-RTT data: once early data has been read our Finished is out
	 * and the patched wolfSSL_write sends with our application traffic
	 * keys while the client's Finished is awaited. */
	if (!(HS_TLS_HALF_RTT && s->early_phase && s->half_rtt && !s->dead))
		HS_GUARD(hs_tls_ready(s));
	if (buf == NULL || len > HS_TLS_MAX_WRITE)
		return -EINVAL;
	if (s->wr_done) {
		/* the retry of a write whose record a flush completed */
		s->wr_done = false;
		return (int)len;
	}
	if (s->shut_sent)
		return -EINVAL;  /* RFC 8446 §6.1: nothing after close_notify */
	if (len == 0)
		return 0;
	if (!s->wr_retry)
		HS_GUARD(hs_tls_flush(s));
	/* On WANT_WRITE wolfSSL keeps the sealed record in its output buffer
	 * and expects the same buffer and length on the next call. */
	s->tx_blocked = false;
	ret = wolfSSL_write(s->ssl, buf, (int)len);
	if (ret == (int)len) {
		s->wr_retry = false;
		return ret;
	}
	if (ret > 0) {
		/* partial writes are not enabled: cannot happen */
		s->dead = -EIO;
		return s->dead;
	}
	ret = hs_tls_map_err(s, ret);
	if (ret == -EAGAIN) {
		s->wr_retry = true;
		s->stale_len = (uint16_t)len;
	}
	return ret;
}

/* Public entry: the session's key cache is the device's for the call. */
int hs_tls_write(struct hs_tls_sess *s, const void *buf, size_t len)
{
	struct hs_tls_crypto_keyset *prev;
	int rc;

	if (s == NULL)
		return -EINVAL;
	prev = hs_tls_crypto_enter(s->keys);
	rc = hs_tls_do_write(s, buf, len);
	hs_tls_crypto_leave(prev);
	return rc;
}

static int hs_tls_do_shutdown(struct hs_tls_sess *s)
{
	int ret;

	if (s == NULL)
		return -EINVAL;
	if (s->shut_sent && !s->tx_pending)
		return 0;
	if (s->dead)
		return hs_tls_dead(s);
	if (s->ssl == NULL) {
		s->shut_sent = true;    /* nothing was said: nothing to end */
		return 0;
	}
	/* Pending output, including a blocked write's record, goes out
	 * ahead of close_notify.  Once close_notify is queued, calling
	 * wolfSSL_shutdown again would queue a second one: just push. */
	HS_GUARD(hs_tls_flush(s));
	if (s->shut_sent)
		return 0;
	/* RFC 8446 §6.1: we send close_notify and need not wait for the
	 * peer's: SHUTDOWN_NOT_DONE only means theirs has not arrived. */
	s->tx_blocked = false;
	ret = wolfSSL_shutdown(s->ssl);
	if (ret == WOLFSSL_SUCCESS || ret == WOLFSSL_SHUTDOWN_NOT_DONE) {
		s->shut_sent = true;
		return 0;
	}
	ret = hs_tls_map_err(s, ret);
	if (ret == -EAGAIN && s->tx_blocked) {
		s->shut_sent = true;  /* queued, flushed by the next call */
		s->tx_pending = true;
	}
	return ret;
}

/* Public entry: the session's key cache is the device's for the call. */
int hs_tls_shutdown(struct hs_tls_sess *s)
{
	struct hs_tls_crypto_keyset *prev;
	int rc;

	if (s == NULL)
		return -EINVAL;
	prev = hs_tls_crypto_enter(s->keys);
	rc = hs_tls_do_shutdown(s);
	hs_tls_crypto_leave(prev);
	return rc;
}

int hs_tls_reload_ocsp(struct hs_tls_ctx *ctx, char *err, size_t errlen)
{
	size_t i;
	int rc;

	if (ctx == NULL)
		return hs_tls_errf(err, errlen, -EINVAL, "no TLS context");
	/* the default site's staple, then sites serving the same file */
	rc = hs_tls_ocsp_reload(ctx->ocsp, err, errlen);
	for (i = 0; rc == 0 && i < ctx->nb_sites; i++)
		if (ctx->sites[i].ocsp != NULL)
			rc = hs_tls_ocsp_reload(ctx->sites[i].ocsp, err, errlen);
	return rc;
}

const struct hs_tls_peer *hs_tls_peer(const struct hs_tls_sess *s)
{
	static const struct hs_tls_peer none;

	return s != NULL ? &s->peer : &none;
}

const char *hs_tls_version(const struct hs_tls_sess *s)
{
	const char *v;

	if (s == NULL || s->ssl == NULL)
		return "none";
	v = wolfSSL_get_version(s->ssl);
	return v != NULL ? v : "unknown";
}

/* IANA names (RFC 8446 §B.4, RFC 5289), as OpenSSL and Wireshark print
 * TLS 1.3 suites: "TLS_AES_128_GCM_SHA256". */
const char *hs_tls_cipher(const struct hs_tls_sess *s)
{
	const char *name;
	int cs;

	if (s == NULL || !s->hs_done)
		return "none";
	cs = wolfSSL_get_current_cipher_suite(s->ssl);
	if (cs < 0)
		return "unknown";
	name = wolfSSL_get_cipher_name_iana_from_suite((uint8_t)(cs >> 8),
						       (uint8_t)cs);
	return name != NULL ? name : "unknown";
}

bool hs_tls_session_reused(const struct hs_tls_sess *s)
{
	return s != NULL && s->hs_done && wolfSSL_session_reused(s->ssl) == 1;
}

unsigned int hs_tls_events(const struct hs_tls_sess *s)
{
	unsigned int ev;

	if (s == NULL)
		return 0;
	ev = s->events & ~HS_TLS_EV_RESUME_OFFERED;
	if (s->hs_done && wolfSSL_session_reused(s->ssl) == 1)
		ev |= HS_TLS_EV_RESUMED;
	else if (s->hs_done && (s->events & HS_TLS_EV_RESUME_OFFERED))
		ev |= HS_TLS_EV_RESUME_REFUSED;
	return ev;
}

const char *hs_tls_server_name(const struct hs_tls_sess *s)
{
	return s != NULL && s->sni_seen ? s->sni : NULL;
}

const char *hs_tls_alpn(const struct hs_tls_sess *s)
{
	char *name = NULL;
	unsigned short len = 0;

	if (s == NULL || !s->hs_done ||
	    wolfSSL_ALPN_GetProtocol(s->ssl, &name, &len) != WOLFSSL_SUCCESS)
		return NULL;
	return name;
}
