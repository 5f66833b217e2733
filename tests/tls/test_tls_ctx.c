/* SPDX-License-Identifier: BSD-3-Clause
 * test_tls_ctx.c - hs_tls contexts (hs_tls_ctx.c): set-up errors, certificate
 * chains, the sites' set-up and protocol policy
 * (part of the test_tls program, see test_tls.h).
 */
#include "test_tls.h"

bool
contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

void
test_ctx_errors(void)
{
	struct hs_tls_ctx *ctx = (struct hs_tls_ctx *)&ctx;
	struct hs_tls_config cfg;
	char err[512], missing[PATH_MAX + 32], garbage[PATH_MAX + 32];
	FILE *f;
	int rc;

	snprintf(missing, sizeof(missing), "%s/nonexistent.pem", g_dir);
	snprintf(garbage, sizeof(garbage), "%s/garbage.pem", g_dir);
	f = fopen(garbage, "w");
	CHECK(f != NULL);
	if (f != NULL) {
		fputs("this is not a certificate\n", f);
		fclose(f);
	}

	cfg = (struct hs_tls_config){ .cert_file = missing, .key_file = g_key };
	rc = hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err));
	CHECK(rc < 0 && ctx == NULL);
	CHECK(contains(err, missing) && contains(err, "No such file"));
	printf("  missing cert:  %s\n", err);

	cfg = (struct hs_tls_config){ .cert_file = g_cert,
				      .key_file = missing };
	rc = hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err));
	CHECK(rc < 0 && ctx == NULL);
	CHECK(contains(err, missing) && contains(err, "No such file") &&
	      contains(err, "key"));
	printf("  missing key:   %s\n", err);

	cfg = (struct hs_tls_config){ .cert_file = garbage, .key_file = g_key };
	rc = hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err));
	CHECK(rc < 0 && ctx == NULL);
	CHECK(contains(err, garbage) && contains(err, "no PEM certificate"));
	printf("  garbage cert:  %s\n", err);

	cfg = (struct hs_tls_config){ .cert_file = g_cert,
				      .key_file = garbage };
	rc = hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err));
	CHECK(rc < 0 && ctx == NULL);
	CHECK(contains(err, garbage) && contains(err, "private key"));
	printf("  garbage key:   %s\n", err);

	cfg = (struct hs_tls_config){ .cert_file = g_cert, .key_file = g_key2 };
	rc = hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err));
	CHECK(rc < 0 && ctx == NULL);
	CHECK(contains(err, g_key2) && contains(err, g_cert) &&
	      contains(err, "does not match"));
	printf("  key mismatch:  %s\n", err);

	cfg = (struct hs_tls_config){ .cert_file = g_cert2,
				      .key_file = g_key2 };
	rc = hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err));
	CHECK(rc == 0 && ctx != NULL && err[0] == '\0');
	hs_tls_ctx_free(ctx);
	unlink(garbage);
}


/* hs_tls_key_cert_match: the public halves compared, whatever the key
 * file's format (PKCS#8, SEC 1, PKCS#1), the leaf of a chain file; a key
 * of another certificate or another algorithm is "no", a file that holds
 * no key "cannot tell".  And a context with an RSA certificate and an EC
 * key is refused. */
void
test_key_cert_match(void)
{
	char c_www[PATH_MAX], k_www[PATH_MAX], k_www1[PATH_MAX];
	char c_rsa[PATH_MAX], k_rsa[PATH_MAX], k_rsa1[PATH_MAX];
	char c_wild[PATH_MAX], k_wild[PATH_MAX], c_ch[PATH_MAX], k_ch[PATH_MAX];
	char err[512];
	struct hs_tls_ctx *ctx = NULL;
	struct hs_tls_config cfg;

	pki_path(c_www, sizeof(c_www), "www", "cert.pem");
	pki_path(k_www, sizeof(k_www), "www", "key.pem");
	pki_path(k_www1, sizeof(k_www1), "www", "key-sec1.pem");
	pki_path(c_rsa, sizeof(c_rsa), "rsa", "cert.pem");
	pki_path(k_rsa, sizeof(k_rsa), "rsa", "key.pem");
	pki_path(k_rsa1, sizeof(k_rsa1), "rsa", "key-pkcs1.pem");
	pki_path(c_wild, sizeof(c_wild), "wild", "cert.pem");
	pki_path(k_wild, sizeof(k_wild), "wild", "key.pem");
	pki_path(c_ch, sizeof(c_ch), "chain", "cert.pem");
	pki_path(k_ch, sizeof(k_ch), "chain", "key.pem");
	CHECK_EQ(hs_tls_key_cert_match(c_www, k_www), 1);
	CHECK_EQ(hs_tls_key_cert_match(c_www, k_www1), 1);
	CHECK_EQ(hs_tls_key_cert_match(c_rsa, k_rsa), 1);
	CHECK_EQ(hs_tls_key_cert_match(c_rsa, k_rsa1), 1);
	CHECK_EQ(hs_tls_key_cert_match(c_ch, k_ch), 1);
	CHECK_EQ(hs_tls_key_cert_match(c_www, k_wild), 0);
	CHECK_EQ(hs_tls_key_cert_match(c_wild, k_www1), 0);
	CHECK_EQ(hs_tls_key_cert_match(c_www, k_rsa), 0);
	CHECK_EQ(hs_tls_key_cert_match(c_rsa, k_www), 0);
	CHECK_EQ(hs_tls_key_cert_match(c_ch, k_www), 0);
	CHECK(hs_tls_key_cert_match(c_www, c_www) < 0); /* no key in it */

	cfg = (struct hs_tls_config){ .cert_file = c_rsa, .key_file = k_www };
	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) < 0 && ctx == NULL);
	CHECK(contains(err, "does not match"));
	printf("  rsa cert, ec key: %s\n", err);
}

void
test_chain(void)
{
	char cert[PATH_MAX + 32], key[PATH_MAX + 32], root[PATH_MAX + 32];
	struct hs_tls_config cfg;
	struct hs_tls_ctx *ctx = NULL;
	char err[512];
	struct pair p;

	pki_path(cert, sizeof(cert), "chain", "cert.pem");
	pki_path(key, sizeof(key), "chain", "key.pem");
	pki_path(root, sizeof(root), "chain", "root.pem");
	cfg = (struct hs_tls_config){ .cert_file = cert, .key_file = key };
	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) == 0);
	if (ctx == NULL)
		return;
	g_pair_ctx = ctx;
	for (int v = 0; v < 2; v++) {
		CHECK(pair_init(&p,
				v ? wolfTLSv1_2_client_method()
				  : wolfTLSv1_3_client_method(),
				NULL) == 0);
		/* a fresh client ctx trusting only the root */
		CHECK(wolfSSL_CTX_load_verify_locations(p.cctx, root, NULL) ==
		      WOLFSSL_SUCCESS);
		wolfSSL_free(p.cli);
		p.cli = wolfSSL_new(p.cctx);
		CHECK(p.cli != NULL);
		if (p.cli == NULL)
			break;
		wolfSSL_SetIOReadCtx(p.cli, &p.cio);
		wolfSSL_SetIOWriteCtx(p.cli, &p.cio);
		CHECK(wolfSSL_check_domain_name(p.cli, "chain.test") ==
		      WOLFSSL_SUCCESS);
		pump_handshake(&p);
		CHECK(p.srv_rc == 0 && p.cli_done);
		pair_fini(&p);
	}
	g_pair_ctx = NULL;
	hs_tls_ctx_free(ctx);
}

void
test_site_errors(void)
{
	char c[PATH_MAX + 32], k[PATH_MAX + 32], err[512];
	struct hs_tls_site site;
	struct hs_tls_config cfg = { .cert_file = g_cert,
				     .key_file = g_key,
				     .sites = &site,
				     .nb_sites = 1 };
	struct hs_tls_ctx *ctx = NULL;
	static const char *bad_names[] = { "",         "a..b",  "*.", "*x.test",
					   "a.*.test", ".test", "a b" };

	pki_path(c, sizeof(c), "www", "cert.pem");
	pki_path(k, sizeof(k), "www", "key.pem");
	for (size_t i = 0; i < ARRAY_SIZE(bad_names); i++) {
		site = (struct hs_tls_site){ bad_names[i], c, k };
		CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) < 0 &&
		      ctx == NULL);
		CHECK(contains(err, "site") && contains(err, "name"));
	}
	printf("  bad site name: %s\n", err);
	site = (struct hs_tls_site){ "www.example.com", c, g_key };
	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) < 0 && ctx == NULL);
	CHECK(contains(err, "does not match"));
	printf("  site key mismatch: %s\n", err);
	cfg.ticket_key_file = "/nonexistent/ticket.keys";
	site = (struct hs_tls_site){ "www.example.com", c, k };
	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) < 0 && ctx == NULL);
	CHECK(contains(err, "/nonexistent/ticket.keys"));
}

/* Client certificates and 0-RTT are set up on every site's context, not
 * only the default one: a site requires a client certificate like the
 * default does, and its tickets allow early data. */
void
test_site_policy(void)
{
	char c[PATH_MAX + 32], k[PATH_MAX + 32], ca[PATH_MAX + 32];
	char err[512], cn[256];
	struct hs_tls_site site;
	struct hs_tls_config cfg = { .cert_file = g_cert,
				     .key_file = g_key,
				     .sites = &site,
				     .nb_sites = 1 };
	struct hs_tls_ctx *ctx = NULL;
	struct pair p;

	pki_path(c, sizeof(c), "www", "cert.pem");
	pki_path(k, sizeof(k), "www", "key.pem");
	pki_path(ca, sizeof(ca), "chain", "root.pem");
	site = (struct hs_tls_site){ "www.example.com", c, k };

	cfg.client_auth = HS_TLS_CLIENT_AUTH_REQUIRED;
	cfg.client_ca = ca;
	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) == 0);
	if (ctx == NULL) {
		fprintf(stderr, "mTLS sites ctx: %s\n", err);
		return;
	}
	g_pair_ctx = ctx;
	/* no client certificate: refused by the site and by the default */
	CHECK(!sni_connect(&p, wolfSSLv23_client_method(), "www.example.com",
			   cn, sizeof(cn)));
	CHECK(p.srv_rc < 0);
	pair_fini(&p);
	CHECK(!sni_connect(&p, wolfSSLv23_client_method(), NULL, cn,
			   sizeof(cn)));
	CHECK(p.srv_rc < 0);
	pair_fini(&p);
	g_pair_ctx = NULL;
	hs_tls_ctx_free(ctx);
	ctx = NULL;

#if defined(WOLFSSL_EARLY_DATA) && defined(OPENSSL_EXTRA)
	cfg.client_auth = HS_TLS_CLIENT_AUTH_OFF;
	cfg.client_ca = NULL;
	cfg.early_data = true;
	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) == 0);
	if (ctx == NULL) {
		fprintf(stderr, "early data sites ctx: %s\n", err);
		return;
	}
	g_pair_ctx = ctx;
	/* with early data on, reads drive the server's handshake */
	CHECK(pair_init(&p, wolfTLSv1_3_client_method(), NULL) == 0);
	wolfSSL_set_verify(p.cli, WOLFSSL_VERIFY_NONE, NULL);
	CHECK(wolfSSL_UseSNI(p.cli, WOLFSSL_SNI_HOST_NAME, "www.example.com",
			     15) == WOLFSSL_SUCCESS);
	for (int round = 0;
	     round < 1000 && !hs_tls_handshake_done(p.srv) && p.cli_err == 0;
	     round++) {
		uint8_t b[16];
		int r;

		p.sio.push_credit = p.sio.push_max;
		client_step(&p);
		r = hs_tls_handshake(p.srv);
		if (r == -EAGAIN && hs_tls_early_phase(p.srv))
			r = hs_tls_read(p.srv, b, sizeof(b));
		if (r != -EAGAIN && r != 0)
			break;
	}
	CHECK(hs_tls_handshake_done(p.srv) && p.cli_done);
	peer_cn(&p, cn, sizeof(cn));
	CHECK(strcmp(cn, "www.example.com") == 0);
	if (hs_tls_handshake_done(p.srv) && p.cli_done) {
		WOLFSSL_SESSION *sess;
		uint8_t buf[16];

		(void)wolfSSL_read(p.cli, buf, sizeof(buf)); /* the ticket */
		sess = wolfSSL_get1_session(p.cli);
		CHECK(sess != NULL);
		CHECK(wolfSSL_SESSION_get_max_early_data(sess) ==
		      HS_TLS_EARLY_MAX);
		wolfSSL_SESSION_free(sess);
	}
	pair_fini(&p);
	g_pair_ctx = NULL;
	hs_tls_ctx_free(ctx);
#endif
}
