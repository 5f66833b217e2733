/* SPDX-License-Identifier: BSD-3-Clause
 * test_tls_sni.c - site choice (hs_tls_sni.c): SNI, the held and fragmented
 * ClientHello, ALPN
 * (part of the test_tls program, see test_tls.h).
 */
#include "test_tls.h"

/* ---- SNI, ALPN, resumption ------------------------------------------ */

void
pki_path(char *out, size_t len, const char *site, const char *f)
{
	snprintf(out, len, "%s/%s/%s", g_pki, site, f);
}

/* Common name of the certificate the client received ("" if none). */
void
peer_cn(struct pair *p, char *cn, size_t len)
{
	WOLFSSL_X509 *x = wolfSSL_get_peer_certificate(p->cli);

	cn[0] = '\0';
	if (x == NULL)
		return;
	if (wolfSSL_X509_NAME_get_text_by_NID(wolfSSL_X509_get_subject_name(x),
					      NID_commonName, cn,
					      (int)len) <= 0)
		cn[0] = '\0';
	wolfSSL_X509_free(x);
}

/* Connect with SNI name (NULL: none), no verification; the client's view
 * of the server certificate's CN goes to cn.  Returns handshake success. */
bool
sni_connect(struct pair *p, WOLFSSL_METHOD *method, const char *name, char *cn,
	    size_t cnlen)
{
	if (pair_init(p, method, NULL) != 0)
		return false;
	wolfSSL_set_verify(p->cli, WOLFSSL_VERIFY_NONE, NULL);
	if (name != NULL &&
	    wolfSSL_UseSNI(p->cli, WOLFSSL_SNI_HOST_NAME, name,
			   (unsigned short)strlen(name)) != WOLFSSL_SUCCESS)
		return false;
	pump_handshake(p);
	peer_cn(p, cn, cnlen);
	return p->srv_rc == 0 && p->cli_done;
}

struct hs_tls_ctx *
sites_ctx(bool strict, char *err, size_t errlen)
{
	static char c[3][PATH_MAX + 32], k[3][PATH_MAX + 32];
	struct hs_tls_site sites[3] = {
		{ .name = "www.example.com" },
		{ .name = "*.wild.test" },
		{ .name = "rsa.test" },
	};
	const char *dirs[3] = { "www", "wild", "rsa" };
	struct hs_tls_config cfg = { .cert_file = g_cert,
				     .key_file = g_key,
				     .sites = sites,
				     .nb_sites = 3,
				     .sni_strict = strict };
	struct hs_tls_ctx *ctx = NULL;

	for (int i = 0; i < 3; i++) {
		pki_path(c[i], sizeof(c[i]), dirs[i], "cert.pem");
		pki_path(k[i], sizeof(k[i]), dirs[i], "key.pem");
		sites[i].cert_file = c[i];
		sites[i].key_file = k[i];
	}
	if (hs_tls_ctx_new(&ctx, &cfg, err, errlen) != 0)
		return NULL;
	return ctx;
}

void
test_sni(void)
{
	static const struct {
		const char *sni, *cn;
	} cases[] = {
		{ "www.example.com", "www.example.com" },
		{ "WWW.Example.COM", "www.example.com" }, /* case-insensitive */
		{ "a.wild.test", "*.wild.test" },
		{ "a.b.wild.test", "localhost" }, /* one label only: default */
		{ "wild.test", "localhost" },
		{ "unknown.test", "localhost" },
		{ NULL, "localhost" },
		{ "rsa.test", "rsa.test" },
	};
	char err[512], cn[256];
	struct pair p;

	g_pair_ctx = sites_ctx(false, err, sizeof(err));
	CHECK(g_pair_ctx != NULL);
	if (g_pair_ctx == NULL) {
		fprintf(stderr, "sites ctx: %s\n", err);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		bool ok = sni_connect(&p, wolfSSLv23_client_method(),
				      cases[i].sni, cn, sizeof(cn));

		CHECK(ok);
		CHECK(strcmp(cn, cases[i].cn) == 0);
		if (strcmp(cn, cases[i].cn) != 0)
			fprintf(stderr, "  sni %s: got cn '%s'\n",
				cases[i].sni ? cases[i].sni : "(none)", cn);
		if (cases[i].sni != NULL && ok)
			CHECK(strcmp(hs_tls_server_name(p.srv), cases[i].sni) ==
			      0);
		pair_fini(&p);
	}
	/* each site over TLS 1.2 too, RSA with an ECDHE-RSA suite */
	CHECK(sni_connect(&p, wolfTLSv1_2_client_method(), "rsa.test", cn,
			  sizeof(cn)));
	CHECK(strcmp(cn, "rsa.test") == 0);
	CHECK(strcmp(hs_tls_cipher(p.srv),
		     "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") == 0 ||
	      strcmp(hs_tls_cipher(p.srv),
		     "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384") == 0 ||
	      strcmp(hs_tls_cipher(p.srv),
		     "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256") == 0);
	pair_fini(&p);
	CHECK(sni_connect(&p, wolfTLSv1_2_client_method(), "www.example.com",
			  cn, sizeof(cn)));
	CHECK(strcmp(cn, "www.example.com") == 0);
	CHECK(strncmp(hs_tls_cipher(p.srv), "TLS_ECDHE_ECDSA_", 16) == 0);
	pair_fini(&p);
	/* a host name with a space or a control byte: illegal_parameter */
	CHECK(!sni_connect(&p, wolfSSLv23_client_method(), "a b.test", cn,
			   sizeof(cn)));
	CHECK(p.srv_rc == -EPROTO);
	check_alert(&p, ALERT_ILLEGAL_PARAMETER);
	pair_fini(&p);
	hs_tls_ctx_free(g_pair_ctx);

	/* strict: unknown names get unrecognized_name; the default
	 * certificate's own names and no SNI still work */
	g_pair_ctx = sites_ctx(true, err, sizeof(err));
	CHECK(g_pair_ctx != NULL);
	if (g_pair_ctx == NULL)
		return;
	CHECK(!sni_connect(&p, wolfSSLv23_client_method(), "unknown.test", cn,
			   sizeof(cn)));
	CHECK(p.srv_rc == -EPROTO);
	check_alert(&p, ALERT_UNRECOGNIZED_NAME);
	CHECK(log_find_record(&p.s2c, REC_HANDSHAKE) < 0);
	pair_fini(&p);
	CHECK(sni_connect(&p, wolfSSLv23_client_method(), "localhost", cn,
			  sizeof(cn)));
	CHECK(strcmp(cn, "localhost") == 0);
	pair_fini(&p);
	CHECK(sni_connect(&p, wolfSSLv23_client_method(), NULL, cn,
			  sizeof(cn)));
	pair_fini(&p);
	CHECK(sni_connect(&p, wolfSSLv23_client_method(), "x.wild.test", cn,
			  sizeof(cn)));
	CHECK(strcmp(cn, "*.wild.test") == 0);
	pair_fini(&p);
	hs_tls_ctx_free(g_pair_ctx);
	g_pair_ctx = NULL;
}

/* ---- ClientHello fragmented over records (RFC 8446 §5.1) ---------- */

/* Start a client with SNI name and take its first flight (one record
 * carrying the ClientHello) out of the pipe: the message into msg. */
size_t
split_hello(struct pair *p, const char *name, uint8_t *msg, size_t cap)
{
	uint8_t rec[4096];
	size_t n;

	if (pair_init(p, wolfSSLv23_client_method(), NULL) != 0)
		return 0;
	wolfSSL_set_verify(p->cli, WOLFSSL_VERIFY_NONE, NULL);
	if (name != NULL &&
	    wolfSSL_UseSNI(p->cli, WOLFSSL_SNI_HOST_NAME, name,
			   (unsigned short)strlen(name)) != WOLFSSL_SUCCESS)
		return 0;
	client_step(p);
	n = pipe_get(&p->c2s, rec, sizeof(rec));
	if (n < 9 || rec[0] != 22 || n != 5 + ((size_t)rec[3] << 8 | rec[4]) ||
	    n - 5 > cap)
		return 0;
	memcpy(msg, rec + 5, n - 5);
	return n - 5;
}

/* Queue msg to the server as records cut at the offsets cut[] (and a
 * change_cipher_spec record first if ccs). */
void
split_put(struct pair *p, const uint8_t *msg, size_t len, const size_t *cut,
	  size_t ncut, bool ccs)
{
	size_t from = 0;

	if (ccs)
		pipe_put(&p->c2s, (const uint8_t *)"\x14\x03\x03\x00\x01\x01",
			 6);
	for (size_t i = 0; i <= ncut; i++) {
		size_t to = i < ncut ? cut[i] : len;
		uint8_t h[5] = { 22, 3, 1, (uint8_t)((to - from) >> 8),
				 (uint8_t)(to - from) };

		pipe_put(&p->c2s, h, 5);
		pipe_put(&p->c2s, msg + from, to - from);
		from = to;
	}
}

/* One split: the server reads the hello and picks a site.  Returns the
 * first hs_tls_handshake result that is not -EAGAIN with input left
 * (or -EAGAIN); the name it read is then hs_tls_server_name(). */
int
split_step(struct pair *p)
{
	int rc = -EAGAIN;

	for (int i = 0; i < 4 && rc == -EAGAIN; i++)
		rc = hs_tls_handshake(p->srv);
	return rc;
}

/* Where the host name sits in msg (its first byte), or 0. */
size_t
find_name(const uint8_t *msg, size_t len, const char *name)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i + nl <= len; i++)
		if (memcmp(msg + i, name, nl) == 0)
			return i;
	return 0;
}

bool
split_name_is(struct pair *p, const char *name)
{
	const char *got = hs_tls_server_name(p->srv);

	return got != NULL && strcmp(got, name) == 0;
}

void
test_split_hello(void)
{
	uint8_t msg[4096];
	size_t len, at, cut[2];
	char err[512], cn[256];
	struct pair p;
	int bad2 = 0, bad3 = 0, badstrict = 0, rc;

	g_pair_ctx = sites_ctx(false, err, sizeof(err));
	CHECK(g_pair_ctx != NULL);
	if (g_pair_ctx == NULL)
		return;
	len = split_hello(&p, "www.example.com", msg, sizeof(msg));
	pair_fini(&p);
	CHECK(len > 0);
	at = find_name(msg, len, "www.example.com");
	CHECK(at > 9);
	if (len == 0 || at <= 9)
		goto out;
	/* two records, cut at every byte: the same name read */
	for (size_t c = 1; c < len; c++) {
		uint8_t m[4096];

		cut[0] = c;
		if (split_hello(&p, "www.example.com", m, sizeof(m)) != len) {
			bad2++;
			pair_fini(&p);
			continue;
		}
		split_put(&p, m, len, cut, 1, c % 2 == 0);
		rc = split_step(&p);
		/* wolfSSL 5.5.4 wants a handshake header (4 bytes) in one
		 * record: it refuses those hellos, after the hold read them */
		if (c < 4 && rc == -EPROTO)
			rc = -EAGAIN;
		if (rc != -EAGAIN || !split_name_is(&p, "www.example.com")) {
			if (bad2 < 5)
				fprintf(stderr, "  cut %zu: rc %d name %s\n", c,
					rc,
					hs_tls_server_name(p.srv)
						? hs_tls_server_name(p.srv)
						: "-");
			bad2++;
		}
		pair_fini(&p);
	}
	CHECK(bad2 == 0);
	/* three records: every cut pair inside the server_name extension
	 * (it starts 9 bytes before the name), and every first cut with
	 * second cuts 1 and 17 bytes further */
	for (size_t c = 1; c + 1 < len; c++) {
		for (size_t d = c + 1; d < len; d++) {
			uint8_t m[4096];
			bool in_sni = c >= at - 9 && d <= at + 15;

			if (!in_sni && d != c + 1 && d != c + 17)
				continue;
			cut[0] = c;
			cut[1] = d;
			if (split_hello(&p, "www.example.com", m, sizeof(m)) !=
			    len) {
				bad3++;
				pair_fini(&p);
				continue;
			}
			split_put(&p, m, len, cut, 2, false);
			rc = split_step(&p);
			if (c < 4 && rc == -EPROTO)
				rc = -EAGAIN; /* as above */
			if (rc != -EAGAIN ||
			    !split_name_is(&p, "www.example.com"))
				bad3++;
			pair_fini(&p);
		}
	}
	CHECK(bad3 == 0);
	/* whole handshakes over split hellos: the site's certificate */
	for (size_t c = at - 9; c <= at + 15; c += 4) {
		uint8_t m[4096];

		cut[0] = c;
		CHECK(split_hello(&p, "www.example.com", m, sizeof(m)) == len);
		split_put(&p, m, len, cut, 1, c % 8 == 3);
		pump_handshake(&p);
		peer_cn(&p, cn, sizeof(cn));
		CHECK(p.srv_rc == 0 && p.cli_done);
		CHECK(strcmp(cn, "www.example.com") == 0);
		pair_fini(&p);
	}
	hs_tls_ctx_free(g_pair_ctx);

	/* strict: an unknown name split anywhere (or behind a CCS) is
	 * refused with unrecognized_name before any ServerHello */
	g_pair_ctx = sites_ctx(true, err, sizeof(err));
	CHECK(g_pair_ctx != NULL);
	if (g_pair_ctx == NULL)
		return;
	len = split_hello(&p, "unknown.test", msg, sizeof(msg));
	pair_fini(&p);
	for (size_t c = 0; c < len; c++) {
		uint8_t m[4096];

		cut[0] = c;
		if (split_hello(&p, "unknown.test", m, sizeof(m)) != len) {
			badstrict++;
			pair_fini(&p);
			continue;
		}
		split_put(&p, m, len, cut, c == 0 ? 0 : 1, c % 3 == 0);
		rc = split_step(&p);
		if (rc != -EPROTO ||
		    log_find_record(&p.s2c, REC_HANDSHAKE) >= 0)
			badstrict++;
		else
			check_alert(&p, ALERT_UNRECOGNIZED_NAME);
		pair_fini(&p);
	}
	CHECK(badstrict == 0);
	fprintf(stderr, "  split ClientHello: %zu bytes, every cut\n", len);
out:
	hs_tls_ctx_free(g_pair_ctx);
	g_pair_ctx = NULL;
}

/* What may come before the ClientHello, and the bounds of the hold. */
void
test_hello_hold(void)
{
	uint8_t msg[4096], big[20000];
	size_t len, cut[HS_TLS_HELLO_RECS + 1];
	struct pair p;
	int rc;

	/* the most records allowed: fine; one more: decode_error */
	for (int extra = 0; extra <= 1; extra++) {
		size_t n = HS_TLS_HELLO_RECS - 1 + (size_t)extra;

		len = split_hello(&p, "localhost", msg, sizeof(msg));
		CHECK(len > n);
		for (size_t i = 0; i < n; i++)
			cut[i] = 4 + i; /* the header whole (wolfSSL) */
		split_put(&p, msg, len, cut, n, false);
		rc = split_step(&p);
		if (extra == 0) {
			CHECK(rc == -EAGAIN && split_name_is(&p, "localhost"));
			CHECK(!(hs_tls_events(p.srv) &
				HS_TLS_EV_HELLO_TOO_BIG));
		} else {
			CHECK(rc == -EPROTO);
			check_alert(&p, 50 /* decode_error */);
			CHECK(hs_tls_events(p.srv) & HS_TLS_EV_HELLO_TOO_BIG);
		}
		pair_fini(&p);
	}
	/* a ClientHello longer than HS_TLS_HELLO_MAX: decode_error */
	CHECK(pair_init(&p, wolfSSLv23_client_method(), NULL) == 0);
	memset(big, 0, sizeof(big));
	big[0] = 1;
	big[1] = 0;
	big[2] = (uint8_t)((HS_TLS_HELLO_MAX - 3) >> 8);
	big[3] = (uint8_t)(HS_TLS_HELLO_MAX - 3);
	cut[0] = 16000;
	split_put(&p, big, HS_TLS_HELLO_MAX + 1, cut, 1, false);
	CHECK(split_step(&p) == -EPROTO);
	check_alert(&p, 50);
	CHECK(hs_tls_events(p.srv) & HS_TLS_EV_HELLO_TOO_BIG);
	pair_fini(&p);
	/* before the hello: two CCS, an alert, application data, an empty
	 * handshake record, another handshake message, a CCS between
	 * fragments, an over-long record: unexpected_message or
	 * record_overflow, never a handshake */
	{
		static const struct {
			const char *pre;
			size_t n;
			int alert;
		} cases[] = {
			{ "\x14\x03\x03\x00\x01\x01\x14\x03\x03\x00\x01\x01",
			  12, 10 },
			{ "\x14\x03\x03\x00\x01\x02", 6, 10 },
			{ "\x14\x03\x03\x00\x02\x01\x01", 7, 10 },
			{ "\x15\x03\x03\x00\x02\x01\x00", 7, 10 },
			{ "\x17\x03\x03\x00\x01\x00", 6, 10 },
			{ "\x16\x03\x03\x00\x00", 5, 10 },
			{ "\x16\x03\x03\x00\x04\x02\x00\x00\x00", 9, 10 },
			{ "\x16\x03\x03\x40\x01", 5, 22 },
		};
		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			len = split_hello(&p, "localhost", msg, sizeof(msg));
			CHECK(len > 0);
			pipe_put(&p.c2s, (const uint8_t *)cases[i].pre,
				 cases[i].n);
			split_put(&p, msg, len, NULL, 0, false);
			CHECK(split_step(&p) == -EPROTO);
			check_alert(&p, cases[i].alert);
			CHECK(log_find_record(&p.s2c, REC_HANDSHAKE) < 0);
			pair_fini(&p);
		}
		len = split_hello(&p, "localhost", msg, sizeof(msg));
		cut[0] = 20;
		split_put(&p, msg, 20, NULL, 0, false);
		pipe_put(&p.c2s, (const uint8_t *)"\x14\x03\x03\x00\x01\x01",
			 6);
		split_put(&p, msg + 20, len - 20, NULL, 0, false);
		CHECK(split_step(&p) == -EPROTO);
		check_alert(&p, 10);
		pair_fini(&p);
	}
}

/* A leaf signed by an intermediate: the client trusts only the root, so
 * the handshake works only if the server sends the whole chain. */
void
test_alpn(void)
{
	/* wire format: length-prefixed names, comma lists in wolfSSL_UseALPN */
	struct pair p;

	/* http/1.1 among others: selected */
	CHECK(pair_init(&p, wolfSSLv23_client_method(), NULL) == 0);
	CHECK(wolfSSL_UseALPN(p.cli, (char *)"h2,http/1.1", 11,
			      WOLFSSL_ALPN_CONTINUE_ON_MISMATCH) ==
	      WOLFSSL_SUCCESS);
	pump_handshake(&p);
	CHECK(p.srv_rc == 0 && p.cli_done);
	CHECK(hs_tls_alpn(p.srv) != NULL &&
	      strcmp(hs_tls_alpn(p.srv), "http/1.1") == 0);
	pair_fini(&p);

	/* only h2: no_application_protocol, no ServerHello (RFC 7301 §3.2) */
	for (int v = 0; v < 2; v++) {
		CHECK(pair_init(&p,
				v ? wolfTLSv1_2_client_method()
				  : wolfSSLv23_client_method(),
				NULL) == 0);
		CHECK(wolfSSL_UseALPN(p.cli, (char *)"h2", 2,
				      WOLFSSL_ALPN_CONTINUE_ON_MISMATCH) ==
		      WOLFSSL_SUCCESS);
		pump_handshake(&p);
		CHECK(p.srv_rc == -EPROTO && !p.cli_done);
		check_alert(&p, ALERT_NO_APPLICATION_PROTOCOL);
		CHECK(log_find_record(&p.s2c, REC_HANDSHAKE) < 0);
		pair_fini(&p);
	}

	/* no ALPN at all: fine, nothing negotiated */
	CHECK(pair_connect(&p, wolfSSLv23_client_method(), NULL));
	CHECK(hs_tls_alpn(p.srv) == NULL);
	pair_fini(&p);
}

/* Full handshake; then read at the client so it takes the TLS 1.3
 * NewSessionTicket; returns the client's session (caller frees). */
