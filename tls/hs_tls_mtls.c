/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_mtls.c - optional TLS client certificates (see hs_tls_mtls.h).
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_tls_mtls.h"

/* RFC 5280 §4.2.1.3 keyUsage bit, §4.2.1.12 extendedKeyUsage purposes, in
 * wolfSSL's encoding (wolfssl/wolfcrypt/asn.h, openssl/x509v3.h). */
#define HS_KU_DIGITAL_SIGNATURE 0x0080
#define HS_XKU_CLIENT_AUTH      0x2
#define HS_XKU_ANY              0x100
#define HS_NID_EXT_KEY_USAGE    151

int
hs_tls_client_auth_parse(const char *name, enum hs_tls_client_auth *out)
{
	if (name == NULL || out == NULL)
		return -EINVAL;
	if (strcmp(name, "optional") == 0)
		*out = HS_TLS_CLIENT_AUTH_OPTIONAL;
	else if (strcmp(name, "required") == 0)
		*out = HS_TLS_CLIENT_AUTH_REQUIRED;
	else
		return -EINVAL;
	return 0;
}

/* The leaf may sign for a TLS client (RFC 5280 §4.2.1.3, §4.2.1.12). */
static bool
hs_tls_mtls_usage_ok(WOLFSSL_X509 *x)
{
	unsigned int ku = wolfSSL_X509_get_key_usage(x); /* ~0u: absent */

	if (ku != ~0u && (ku & HS_KU_DIGITAL_SIGNATURE) == 0)
		return false;
	if (wolfSSL_X509_get_ext_by_NID(x, HS_NID_EXT_KEY_USAGE, -1) >= 0 &&
	    (wolfSSL_X509_get_extended_key_usage(x) &
	     (HS_XKU_CLIENT_AUTH | HS_XKU_ANY)) == 0)
		return false;
	return true;
}

/* wolfSSL calls this for every certificate of the client's chain
 * (WOLFSSL_VERIFY_CB_ALL_CERTS) and, with WOLFSSL_ALWAYS_VERIFY_CB, for
 * the leaf (depth 0, last) even when its chain verified.  Returning 0
 * fails the handshake with wolfSSL's alert for store->error. */
static int
hs_tls_mtls_verify_cb(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
	struct hs_tls_peer *peer = store != NULL ? store->userCtx : NULL;
	WOLFSSL_X509 *x;
	WOLFSSL_X509_NAME *name;

	if (peer == NULL)
		return 0;
	if (!preverify)
		return 0;
	if (wolfSSL_X509_STORE_CTX_get_error_depth(store) != 0)
		return 1;
	x = wolfSSL_X509_STORE_CTX_get_current_cert(store);
	if (x == NULL || !hs_tls_mtls_usage_ok(x))
		return 0;
	name = wolfSSL_X509_get_subject_name(x);
	if (name == NULL ||
	    wolfSSL_X509_NAME_oneline(name, peer->subject,
				      (int)sizeof(peer->subject)) == NULL)
		peer->subject[0] = '\0';
	peer->verified = true;
	return 1;
}

int
hs_tls_mtls_ctx_setup(struct WOLFSSL_CTX *wctx, const char *ca_file,
		      enum hs_tls_client_auth mode, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc, vmode;

	if (wctx == NULL || ca_file == NULL || mode == HS_TLS_CLIENT_AUTH_OFF) {
		snprintf(err, errlen, "client authentication needs a CA file");
		return -EINVAL;
	}
	fd = open(ca_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		int e = fd < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : errno;

		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "cannot read client CA file '%s': %s",
			 ca_file, strerror(e));
		return -EIO;
	}
	close(fd);
	rc = wolfSSL_CTX_load_verify_locations(wctx, ca_file, NULL);
	if (rc != WOLFSSL_SUCCESS) {
		snprintf(err, errlen,
			 "client CA file '%s' holds no usable PEM "
			 "CA certificate (%d)",
			 ca_file, rc);
		return -EINVAL;
	}
	vmode = WOLFSSL_VERIFY_PEER;
	if (mode == HS_TLS_CLIENT_AUTH_REQUIRED)
		vmode |= WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	wolfSSL_CTX_set_verify(wctx, vmode, hs_tls_mtls_verify_cb);
	/* wolfSSL alerts an empty Certificate of a TLS 1.2 client only with
	 * mutual_auth (handshake_failure; TLS 1.3: certificate_required). */
	if (mode == HS_TLS_CLIENT_AUTH_REQUIRED &&
	    wolfSSL_CTX_mutual_auth(wctx, 1) != 0) {
		snprintf(err, errlen,
			 "wolfSSL: cannot require client certificates");
		return -EIO;
	}
	/* No resumption: it would skip client authentication. */
	if (wolfSSL_CTX_no_ticket_TLSv13(wctx) != 0 || /* 0 on success */
	    wolfSSL_CTX_NoTicketTLSv12(wctx) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen,
			 "wolfSSL: cannot turn session tickets off "
			 "for client authentication");
		return -EIO;
	}
	(void)wolfSSL_CTX_set_session_cache_mode(wctx, WOLFSSL_SESS_CACHE_OFF);
	return 0;
}

void
hs_tls_mtls_sess_setup(struct WOLFSSL *ssl, struct hs_tls_peer *peer)
{
	peer->verified = false;
	peer->subject[0] = '\0';
	wolfSSL_SetCertCbCtx(ssl, peer);
}

bool
hs_tls_mtls_acceptable(enum hs_tls_client_auth mode,
		       const struct hs_tls_peer *peer)
{
	return mode != HS_TLS_CLIENT_AUTH_REQUIRED || peer->verified;
}
