/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_sni.c - site choice (see hs_tls.h, hs_tls_int.h): the first
 * flight is held until its whole ClientHello is in (hs_tls_hello.c), its
 * server name (RFC 6066 §3) picks the site and so the wolfSSL context the
 * session is created from, and the session gets its resumption binding
 * (hs_tls_site_id).  Also the default certificate's names for strict SNI.
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

/* ALPN (RFC 7301): the only application protocol we speak. */
static const char hs_tls_alpn_list[] = "http/1.1";

/* ---- SNI ------------------------------------------------------------ */

/* RFC 6125 §6.4: case-insensitive; "*." matches one whole left label. */
static bool
hs_tls_name_match(const char *pattern, const char *name)
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
static WOLFSSL_CTX *
hs_tls_site_for(const struct hs_tls_ctx *ctx, const char *name,
		const char **site)
{
	size_t i;

	*site = "";
	if (name == NULL)
		return ctx->wctx; /* no SNI: default site */
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
static int
hs_tls_site_id(struct hs_tls_sess *s, const char *site)
{
	static const char label[] = "httpsd resumption site v1";
	char name[sizeof(s->sni)];
	wc_Sha256 h;
	size_t i, n = 0;
	int rc;

	if (s->sni_seen)
		for (n = 0; s->sni[n] != '\0' && n < sizeof(name) - 1; n++)
			name[n] = (char)(s->sni[n] >= 'A' && s->sni[n] <= 'Z'
						 ? s->sni[n] - 'A' + 'a'
						 : s->sni[n]);
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
int
hs_tls_cert_names(struct hs_tls_ctx *ctx, const char *cert_file, char *err,
		  size_t errlen)
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

/* ---- site selection (SNI, RFC 6066 §3) ------------------------------ */

/* Before the first wolfSSL call: hold the first flight until its
 * ClientHello is whole (hs_tls_hello.h), pick the site by its server
 * name, create the session's WOLFSSL from that site's context.  -EAGAIN
 * until the hello is all in. */
int
hs_tls_choose_site(struct hs_tls_sess *s)
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
			    WOLFSSL_ALPN_FAILED_ON_MISMATCH) !=
	    WOLFSSL_SUCCESS) {
		wolfSSL_free(s->ssl);
		s->ssl = NULL;
		return -ENOMEM;
	}
	wolfSSL_SetIOReadCtx(s->ssl, s);
	wolfSSL_SetIOWriteCtx(s->ssl, s);
	HS_GUARD(hs_tls_own_setup(s));
	s->client_auth = s->ctx->client_auth;
	if (s->client_auth != HS_TLS_CLIENT_AUTH_OFF)
		hs_tls_mtls_sess_setup(s->ssl, &s->peer);
	s->early_on = s->ctx->early;
	if (s->early_on) {
		/* the held flight, replayed to wolfSSL, is sniffed first */
		hs_tls_early_sniff_start(&s->sniff);
		s->early_phase = true; /* reads drive the handshake */
	}
	return 0;
}
