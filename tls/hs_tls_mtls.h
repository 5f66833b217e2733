/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_mtls.h - optional TLS client certificates (mutual TLS).
 *
 * With a client CA file the server sends a CertificateRequest (RFC 8446
 * §4.3.2) and verifies what the client presents with wolfSSL's chain
 * check (signatures up to a CA of the file, validity dates) plus our own
 * check of the leaf's key usage: keyUsage, when present, must allow
 * digitalSignature and extendedKeyUsage, when present, must contain
 * clientAuth or anyExtendedKeyUsage (RFC 5280 §4.2.1.3, §4.2.1.12).
 *
 *   optional  a client without a certificate is served, unverified;
 *             a certificate that fails verification ends the handshake
 *   required  no certificate: certificate_required (TLS 1.3, RFC 8446
 *             §4.4.2.4) or handshake_failure (TLS 1.2)
 * A certificate that fails verification gets wolfSSL's alert for the
 * reason: unknown_ca, certificate_expired, bad_certificate.
 *
 * Resumption does not repeat client authentication (RFC 8446 §4.6.1),
 * and tickets do not carry our verification result, so a context with
 * client authentication issues no session tickets and keeps no session
 * cache; a session resumed anyway (a ticket from another server sharing
 * the ticket keys) reports "not verified", and under "required" it is
 * refused once the handshake is done (hs_tls_mtls_acceptable()).
 *
 * The result is per session (struct hs_tls_peer): hs_tls_peer() returns
 * it to the HTTP layer, which logs the subject and may use it for access
 * rules.
 */
#ifndef HS_TLS_MTLS_H
#define HS_TLS_MTLS_H

#include <stdbool.h>
#include <stddef.h>

struct WOLFSSL_CTX;
struct WOLFSSL;

enum hs_tls_client_auth {
	HS_TLS_CLIENT_AUTH_OFF = 0, /* no CertificateRequest */
	HS_TLS_CLIENT_AUTH_OPTIONAL,
	HS_TLS_CLIENT_AUTH_REQUIRED,
};

/* Subject DNs longer than this are cut (and still NUL-terminated). */
#define HS_TLS_PEER_DN_MAX 256

/* What the client proved in this session's handshake. */
struct hs_tls_peer {
	bool verified; /* certificate presented and verified */
	char subject
		[HS_TLS_PEER_DN_MAX]; /* its subject, "/C=../CN=..", or "" */
};

/* "--client-auth optional|required": 0 and *out set, or -EINVAL. */
int hs_tls_client_auth_parse(const char *name, enum hs_tls_client_auth *out);

/* Load the CA file (PEM, one or more certificates) into the context and
 * request client certificates in the given mode (not OFF).  0, or a
 * negative code with a one-line reason naming the file in err. */
int hs_tls_mtls_ctx_setup(struct WOLFSSL_CTX *wctx, const char *ca_file,
			  enum hs_tls_client_auth mode, char *err,
			  size_t errlen);

/* Bind a new session's result record (cleared here); call for every
 * session of a context set up above, before its handshake. */
void hs_tls_mtls_sess_setup(struct WOLFSSL *ssl, struct hs_tls_peer *peer);

/* After a completed handshake: may this session go on?  False only for
 * "required" without a verified certificate (a resumed session). */
bool hs_tls_mtls_acceptable(enum hs_tls_client_auth mode,
			    const struct hs_tls_peer *peer);

#endif
