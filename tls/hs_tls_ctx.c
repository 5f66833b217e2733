/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_ctx.c - TLS contexts (see hs_tls.h, hs_tls_int.h): library
 * set-up, the protocol policy, certificates and keys, one wolfSSL context
 * per site, OCSP staples, and their reload.
 *
 * Discipline: every wolfSSL return value is checked; set-up errors come
 * back as negative errno codes with one line for the operator in err.
 * Native wolfSSL calls only, no OpenSSL-compat wrappers.
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

#ifndef HS_WOLFSSL_DESC
#define HS_WOLFSSL_DESC "unknown build"
#endif

/* RFC 8446 §9.1 mandatory suites plus ChaCha20; RFC 8446 §B.4 names.
 * TLS 1.2: ECDHE with AEAD only (RFC 5289, RFC 7905) - no CBC, no RSA key
 * exchange, no static DH: forward secrecy and no MAC-then-encrypt. */
static const char hs_tls_cipher_list[] = "TLS13-AES128-GCM-SHA256:"
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

/* Session ID context (RFC 5246 §7.4.1.2).  Sessions are bound to their
 * site by hs_tls_site_id, not by this (wolfSSL 5.5.4 never compares it on
 * the server side). */
static const unsigned char hs_tls_sid_ctx[] = "httpsd";

static int hs_tls_inited;
static char hs_tls_version_buf[1024];

int
hs_tls_global_init(void)
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

void
hs_tls_global_fini(void)
{
	if (hs_tls_inited == 0 || --hs_tls_inited > 0)
		return;
	hs_tls_crypto_fini();
	hs_tls_scache_fini();
	(void)wolfSSL_Cleanup();
}

const char *
hs_tls_version_string(void)
{
	if (hs_tls_version_buf[0] == '\0')
		snprintf(hs_tls_version_buf, sizeof(hs_tls_version_buf),
			 "wolfSSL %s (%s)", wolfSSL_lib_version(),
			 HS_WOLFSSL_DESC);
	return hs_tls_version_buf;
}

/* ---- context ------------------------------------------------------- */

int
hs_tls_errf(char *err, size_t errlen, int code, const char *fmt, ...)
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
int
hs_tls_check_file(const char *path)
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

char *
hs_tls_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = malloc(max + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n == 0 || n > max) {
		free(buf);
		errno = n == 0 ? EINVAL : EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static const char *
hs_tls_wolf_strerror(int code, char *buf, size_t len)
{
	wolfSSL_ERR_error_string_n((unsigned long)code, buf, len);
	return buf;
}

static int
hs_tls_load_cert(WOLFSSL_CTX *wctx, const char *path, char *err, size_t errlen)
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

static int
hs_tls_load_key(WOLFSSL_CTX *wctx, const char *cert_file, const char *key_file,
		char *err, size_t errlen)
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
			return hs_tls_errf(
				err, errlen, -EINVAL,
				"'%s' holds no usable PEM private key",
				key_file);
		return hs_tls_errf(
			err, errlen, -EINVAL,
			"private key file '%s' is not usable: %s (%d)",
			key_file, hs_tls_wolf_strerror(rc, ebuf, sizeof(ebuf)),
			rc);
	}
	rc = wolfSSL_CTX_check_private_key(wctx);
	/* ...and our own comparison of the public halves, which builds of
	 * wolfSSL that let any P-256 key pass the first do not skip
	 * (hs_tls_keycheck.c; -errno: a key type it does not know) */
	if (rc == WOLFSSL_SUCCESS &&
	    hs_tls_key_cert_match(cert_file, key_file) == 0)
		rc = WOLFSSL_FAILURE;
	if (rc != WOLFSSL_SUCCESS)
		return hs_tls_errf(
			err, errlen, -EINVAL,
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

static int
hs_tls_ctx_policy(WOLFSSL_CTX *wctx, char *err, size_t errlen)
{
	if (wolfSSL_CTX_SetMinVersion(wctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS)
		return hs_tls_errf(
			err, errlen, -EIO,
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
static int
hs_tls_ctx_crypto(WOLFSSL_CTX *wctx, enum hs_tls_crypto crypto, char *err,
		  size_t errlen)
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

/* ---- context ------------------------------------------------------- */

/* One wolfSSL context per certificate, each with the whole policy
 * (client certificates and 0-RTT included); a session is created from the
 * one its ClientHello's SNI selects.  The OCSP response names the --cert
 * certificate: it is stapled by the contexts serving that file (*ocsp is
 * set for them, NULL for the others). */
static int
hs_tls_wctx_new(struct hs_tls_ctx *ctx, WOLFSSL_CTX **out,
		struct hs_tls_ocsp **ocsp, const char *cert_file,
		const char *key_file, const struct hs_tls_config *cfg,
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
	if (rc == 0 &&
	    (wolfSSL_CTX_set_TicketEncCb(wctx, hs_tls_ticket_cb) !=
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
	if (rc == 0 && wolfSSL_CTX_set_session_id_context(
			       wctx, hs_tls_sid_ctx,
			       (unsigned int)sizeof(hs_tls_sid_ctx) - 1) !=
			       WOLFSSL_SUCCESS)
		rc = hs_tls_errf(err, errlen, -EIO,
				 "wolfSSL: cannot set the session id context");
	if (rc == 0 && cfg->session_cache < 0)
		(void)wolfSSL_CTX_set_session_cache_mode(
			wctx, WOLFSSL_SESS_CACHE_OFF);
	/* Our cache replaces wolfSSL's (one table keyed by session ID alone,
	 * shared by every site): see hs_tls_scache.h. */
	if (rc == 0 && cfg->session_cache >= 0) {
		if (hs_tls_scache_init() < 0)
			rc = hs_tls_errf(err, errlen, -ENOMEM,
					 "out of memory for the session cache");
		else if (wolfSSL_CTX_set_session_cache_mode(
				 wctx,
				 WOLFSSL_SESS_CACHE_SERVER |
					 WOLFSSL_SESS_CACHE_NO_INTERNAL) !=
			 WOLFSSL_SUCCESS)
			rc = hs_tls_errf(err, errlen, -EIO,
					 "wolfSSL: cannot "
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

static int
hs_tls_sites_new(struct hs_tls_ctx *ctx, const struct hs_tls_config *cfg,
		 char *err, size_t errlen)
{
	size_t i;

	if (cfg->nb_sites == 0)
		return 0;
	if (cfg->sites == NULL || cfg->nb_sites > HS_TLS_MAX_SITES)
		return hs_tls_errf(err, errlen, -EINVAL, "at most %d sites",
				   HS_TLS_MAX_SITES);
	ctx->sites = calloc(cfg->nb_sites, sizeof(*ctx->sites));
	if (ctx->sites == NULL)
		return hs_tls_errf(err, errlen, -ENOMEM, "out of memory");
	for (i = 0; i < cfg->nb_sites; i++) {
		const struct hs_tls_site *st = &cfg->sites[i];
		struct hs_tls_site_ctx *sc = &ctx->sites[ctx->nb_sites];
		const char *n = st->name;

		if (n == NULL || n[0] == '\0' || st->cert_file == NULL ||
		    st->key_file == NULL)
			return hs_tls_errf(
				err, errlen, -EINVAL,
				"site %zu needs a name, a certificate "
				"and a key file",
				i + 1);
		/* a host name, or "*." and one: no other '*', no empty label */
		if (strlen(n) > 253 || strchr(n + (n[0] == '*' ? 1 : 0), '*') ||
		    (n[0] == '*' && (n[1] != '.' || n[2] == '\0')) ||
		    n[0] == '.' || strstr(n, "..") || n[strlen(n) - 1] == '.' ||
		    strpbrk(n, " \t,=/") != NULL)
			return hs_tls_errf(err, errlen, -EINVAL,
					   "site name '%s' is not a host name "
					   "or *.domain wildcard",
					   n);
		HS_GUARD(hs_tls_wctx_new(ctx, &sc->wctx, &sc->ocsp,
					 st->cert_file, st->key_file, cfg, err,
					 errlen));
		sc->name = strdup(n);
		ctx->nb_sites++;
		if (sc->name == NULL)
			return hs_tls_errf(err, errlen, -ENOMEM,
					   "out of memory");
	}
	return 0;
}

int
hs_tls_ctx_new(struct hs_tls_ctx **out, const struct hs_tls_config *cfg,
	       char *err, size_t errlen)
{
	struct hs_tls_ctx *ctx;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL || cfg == NULL || cfg->cert_file == NULL ||
	    cfg->key_file == NULL)
		return hs_tls_errf(
			err, errlen, -EINVAL,
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
	ctx->records = cfg->records;
	if (ctx->lifetime > HS_TLS_TICKET_LIFETIME_MAX)
		rc = hs_tls_errf(err, errlen, -EINVAL,
				 "ticket lifetime %u s is out of range (1..%u, "
				 "RFC 8446 §4.6.1)",
				 ctx->lifetime, HS_TLS_TICKET_LIFETIME_MAX);
	else if (cfg->ocsp_staple != NULL &&
		 cfg->client_auth != HS_TLS_CLIENT_AUTH_OFF)
		rc = hs_tls_errf(err, errlen, -EINVAL,
				 "OCSP stapling cannot be combined with "
				 "client authentication (wolfSSL checks "
				 "both with one trust store)");
	else
		rc = hs_tls_wctx_new(ctx, &ctx->wctx, &ctx->ocsp,
				     cfg->cert_file, cfg->key_file, cfg, err,
				     errlen);
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

void
hs_tls_ctx_free(struct hs_tls_ctx *ctx)
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

int
hs_tls_reload_ocsp(struct hs_tls_ctx *ctx, char *err, size_t errlen)
{
	size_t i;
	int rc;

	if (ctx == NULL)
		return hs_tls_errf(err, errlen, -EINVAL, "no TLS context");
	/* the default site's staple, then sites serving the same file */
	rc = hs_tls_ocsp_reload(ctx->ocsp, err, errlen);
	for (i = 0; rc == 0 && i < ctx->nb_sites; i++)
		if (ctx->sites[i].ocsp != NULL)
			rc = hs_tls_ocsp_reload(ctx->sites[i].ocsp, err,
						errlen);
	return rc;
}
