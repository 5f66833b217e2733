/* SPDX-License-Identifier: BSD-3-Clause
 * test_tls_ticket.c - resumption (hs_tls_ticket.c): tickets, ticket key files and
 * rotation, the site binding, the lifetime, the TLS 1.2 session cache
 * (part of the test_tls program, see test_tls.h).
 */
#include "test_tls.h"
#include "hs_tls_int.h" /* hs_tls_clock */

WOLFSSL_SESSION *
get_session(WOLFSSL_METHOD *method, bool ticket12, bool *reused)
{
	WOLFSSL_SESSION *sess = NULL;
	uint8_t buf[16];
	struct pair p;

	*reused = true;
	if (pair_init(&p, method, NULL) != 0) {
		pair_fini(&p);
		return NULL;
	}
	if (ticket12)
		CHECK(wolfSSL_UseSessionTicket(p.cli) == WOLFSSL_SUCCESS);
	pump_handshake(&p);
	if (p.srv_rc == 0 && p.cli_done) {
		*reused = hs_tls_session_reused(p.srv);
		(void)wolfSSL_read(p.cli, buf, sizeof(buf)); /* WANT_READ */
		sess = wolfSSL_get1_session(p.cli);
	}
	pair_fini(&p);
	return sess;
}

/* Resume sess: 1 resumed, 0 full handshake, -1 failed. */
int
resume(WOLFSSL_METHOD *method, WOLFSSL_SESSION *sess, bool ticket12)
{
	struct pair p;
	int r = -1;

	if (sess == NULL || pair_init(&p, method, NULL) != 0)
		return -1;
	if (ticket12)
		CHECK(wolfSSL_UseSessionTicket(p.cli) == WOLFSSL_SUCCESS);
	/* fails when the server gave neither ticket nor session id: then
	 * the client offers nothing and the handshake is a full one */
	(void)wolfSSL_set_session(p.cli, sess);
	pump_handshake(&p);
	if (p.srv_rc == 0 && p.cli_done) {
		r = hs_tls_session_reused(p.srv) ? 1 : 0;
		CHECK((wolfSSL_session_reused(p.cli) == 1) == (r == 1));
	}
	pair_fini(&p);
	return r;
}

/* The TLS 1.3 ticket a fresh client gets (RFC 5077 §4 layout: key name,
 * iv = 12-byte GCM nonce + issue time, state, MAC): its length, 0 if
 * none. */
static word32
ticket_of(uint8_t *buf, word32 cap)
{
	uint8_t rd[16];
	struct pair p;
	word32 len = 0;

	if (pair_init(&p, wolfTLSv1_3_client_method(), NULL) == 0) {
		pump_handshake(&p);
		if (p.srv_rc == 0 && p.cli_done) {
			(void)wolfSSL_read(p.cli, rd, sizeof(rd)); /* the NST */
			len = cap;
			if (wolfSSL_get_SessionTicket(p.cli, buf, &len) !=
			    WOLFSSL_SUCCESS)
				len = 0;
		}
	}
	pair_fini(&p);
	return len;
}

/* Every ticket's GCM nonce is fresh (one key seals them all: a repeated
 * nonce would give away the key stream and the GHASH key); the key name
 * is the current key's. */
static void
test_ticket_nonces(void)
{
	enum { N = 32 };
	uint8_t t[N][512];
	word32 len[N];
	int dup = 0, got = 0;

	for (int i = 0; i < N; i++) {
		len[i] = ticket_of(t[i], sizeof(t[i]));
		got += len[i] >= 16 + 16;
	}
	CHECK_EQ(got, N);
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++) {
			if (len[i] < 32 || len[j] < 32)
				continue;
			CHECK(memcmp(t[i], t[j], 16) == 0);
			dup += memcmp(t[i] + 16, t[j] + 16, 12) == 0;
		}
	CHECK_EQ(dup, 0);
	printf("  %d tickets, %d repeated nonces\n", got, dup);
}

char g_tk[PATH_MAX + 32];

void
write_keys(const char *content)
{
	FILE *f = fopen(g_tk, "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs(content, f);
	fclose(f);
}


/* One TLS 1.3 handshake with cipher list ciphers; hrr: the client sends
 * no key share, so the server answers with a HelloRetryRequest (RFC 8446
 * §4.1.4) and the transcript restarts from message_hash.  sess (or
 * NULL) is offered; 1 resumed, 0 full, -1 failed; *out (if out) gets the
 * new session.  Both Finished messages check the transcript hash. */
static int
suite_handshake(const char *ciphers, bool hrr, WOLFSSL_SESSION *sess,
		WOLFSSL_SESSION **out)
{
	struct pair p;
	uint8_t buf[16];
	int r = -1;

	if (pair_init(&p, wolfTLSv1_3_client_method(), ciphers) != 0) {
		pair_fini(&p);
		return -1;
	}
	if (hrr)
		CHECK(wolfSSL_NoKeyShares(p.cli) == WOLFSSL_SUCCESS);
	if (sess != NULL)
		CHECK(wolfSSL_set_session(p.cli, sess) == WOLFSSL_SUCCESS);
	pump_handshake(&p);
	if (p.srv_rc == 0 && p.cli_done) {
		r = hs_tls_session_reused(p.srv) ? 1 : 0;
		CHECK((wolfSSL_session_reused(p.cli) == 1) == (r == 1));
		(void)wolfSSL_read(p.cli, buf, sizeof(buf)); /* the ticket */
		if (out != NULL)
			*out = wolfSSL_get1_session(p.cli);
	}
	pair_fini(&p);
	return r;
}

/* Every TLS 1.3 suite, SHA-256 and SHA-384 transcripts, full and
 * resumed, with and without a HelloRetryRequest: the server hashes each
 * message after its suite choice into that suite's hash only (wolfSSL
 * patch 0005), so a message hashed into the wrong one fails a Finished. */
static void
test_resumption_suites(void)
{
	static const char *const suites[] = {
		"TLS13-AES128-GCM-SHA256",
		"TLS13-AES256-GCM-SHA384",
		"TLS13-CHACHA20-POLY1305-SHA256",
	};
	struct hs_tls_config cfg = { .cert_file = g_cert, .key_file = g_key };
	struct hs_tls_ctx *ctx = NULL;
	char err[512];

	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) == 0);
	if (ctx == NULL)
		return;
	g_pair_ctx = ctx;
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++) {
		for (int hrr = 0; hrr < 2; hrr++) {
			WOLFSSL_SESSION *sess = NULL;
			int full, res;

			full = suite_handshake(suites[i], hrr, NULL, &sess);
			res = suite_handshake(suites[i], hrr, sess, NULL);
			CHECK_AT(i * 2 + hrr, full == 0 && sess != NULL);
			CHECK_AT(i * 2 + hrr, res == 1);
			if (full != 0 || res != 1)
				fprintf(stderr, "  %s hrr=%d: full %d resumed %d\n",
					suites[i], hrr, full, res);
			wolfSSL_SESSION_free(sess);
		}
	}
	g_pair_ctx = NULL;
	hs_tls_ctx_free(ctx);
}

void
test_resumption(void)
{
	struct hs_tls_config cfg;
	struct hs_tls_ctx *ctx = NULL, *ctx2 = NULL;
	WOLFSSL_SESSION *s13, *s12t, *s12c;
	char err[512];
	bool reused;

	snprintf(g_tk, sizeof(g_tk), "%s/ticket.keys", g_dir);
	write_keys("# ticket keys: first encrypts\n\n" KEY_A);
	cfg = (struct hs_tls_config){ .cert_file = g_cert,
				      .key_file = g_key,
				      .ticket_key_file = g_tk };
	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) == 0);
	if (ctx == NULL) {
		fprintf(stderr, "ticket ctx: %s\n", err);
		return;
	}
	g_pair_ctx = ctx;

	test_ticket_nonces();
	/* TLS 1.3 ticket (PSK), TLS 1.2 ticket, TLS 1.2 session id (cache) */
	s13 = get_session(wolfTLSv1_3_client_method(), false, &reused);
	CHECK(s13 != NULL && !reused);
	s12t = get_session(wolfTLSv1_2_client_method(), true, &reused);
	CHECK(s12t != NULL && !reused);
	s12c = get_session(wolfTLSv1_2_client_method(), false, &reused);
	CHECK(s12c != NULL && !reused);
	CHECK(resume(wolfTLSv1_3_client_method(), s13, false) == 1);
	CHECK(resume(wolfTLSv1_2_client_method(), s12t, true) == 1);
	CHECK(resume(wolfTLSv1_2_client_method(), s12c, false) == 1);

	/* another context (another server) with the same key file resumes
	 * tickets; the stateful cache is per process, tickets are not */
	g_pair_ctx = NULL;
	CHECK(hs_tls_ctx_new(&ctx2, &cfg, err, sizeof(err)) == 0);
	g_pair_ctx = ctx2;
	CHECK(resume(wolfTLSv1_3_client_method(), s13, false) == 1);
	CHECK(resume(wolfTLSv1_2_client_method(), s12t, true) == 1);
	hs_tls_ctx_free(ctx2);
	g_pair_ctx = ctx;

	/* rotation: [B, A] still opens A's tickets; [B] does not */
	write_keys(KEY_B KEY_A);
	CHECK(hs_tls_reload_ticket_keys(ctx, g_tk, err, sizeof(err)) == 0);
	CHECK(resume(wolfTLSv1_3_client_method(), s13, false) == 1);
	CHECK(resume(wolfTLSv1_2_client_method(), s12t, true) == 1);
	write_keys(KEY_B);
	CHECK(hs_tls_reload_ticket_keys(ctx, g_tk, err, sizeof(err)) == 0);
	CHECK(resume(wolfTLSv1_3_client_method(), s13, false) == 0);

	/* bad files: clear message, old keys ([B]) stay in force */
	{
		static const struct {
			const char *content, *msg;
		} bad[] = {
			{ "", "holds no key" },
			{ "# only a comment\n", "holds no key" },
			{ "0011\n", "line 1: expected 64 hex digits" },
			{ "# c\n"
			  "zz112233445566778899aabbccddeeff"
			  "00112233445566778899aabbccddeeff\n",
			  "line 2: 'z' is not a hex digit" },
			{ KEY_A KEY_A KEY_A KEY_A KEY_A KEY_A KEY_A KEY_A KEY_A,
			  "line 9: more than 8 keys" },
		};
		WOLFSSL_SESSION *sb;

		sb = get_session(wolfTLSv1_3_client_method(), false, &reused);
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			write_keys(bad[i].content);
			CHECK(hs_tls_reload_ticket_keys(ctx, g_tk, err,
							sizeof(err)) < 0);
			CHECK(contains(err, g_tk) && contains(err, bad[i].msg));
			printf("  bad ticket keys: %s\n", err);
		}
		/* a key line with a NUL byte after its 64 digits: refused,
		 * not cut at the NUL */
		{
			FILE *f = fopen(g_tk, "w");

			CHECK(f != NULL);
			if (f != NULL) {
				fwrite(KEY_A, 1, 64, f);
				fwrite("\0zz\n", 1, 4, f);
				fclose(f);
			}
			CHECK(hs_tls_reload_ticket_keys(
				      ctx, g_tk, err, sizeof(err)) == -EINVAL);
			CHECK(contains(err, "line 1: NUL byte"));
		}
		unlink(g_tk);
		CHECK(hs_tls_reload_ticket_keys(ctx, g_tk, err, sizeof(err)) ==
		      -EIO);
		CHECK(contains(err, "No such file"));
		CHECK(resume(wolfTLSv1_3_client_method(), sb, false) == 1);
		/* NULL: a fresh random key; old tickets no longer open */
		CHECK(hs_tls_reload_ticket_keys(ctx, NULL, err, sizeof(err)) ==
		      0);
		CHECK(resume(wolfTLSv1_3_client_method(), sb, false) == 0);
		wolfSSL_SESSION_free(sb);
	}
	g_pair_ctx = NULL;
	hs_tls_ctx_free(ctx);

	/* cache off: a TLS 1.2 client without tickets does a full handshake */
	cfg = (struct hs_tls_config){ .cert_file = g_cert,
				      .key_file = g_key,
				      .session_cache = -1 };
	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) == 0);
	g_pair_ctx = ctx;
	wolfSSL_SESSION_free(s12c);
	s12c = get_session(wolfTLSv1_2_client_method(), false, &reused);
	CHECK(s12c != NULL && !reused);
	CHECK(resume(wolfTLSv1_2_client_method(), s12c, false) == 0);
	CHECK(resume(wolfTLSv1_3_client_method(), s13, false) == 0); /* key */
	g_pair_ctx = NULL;
	hs_tls_ctx_free(ctx);
	wolfSSL_SESSION_free(s13);
	wolfSSL_SESSION_free(s12t);
	wolfSSL_SESSION_free(s12c);
	test_resumption_suites();
}

/* A client (no verification) that offers SNI name (NULL: none) and, if
 * sess is not NULL, that session; ticket12 turns TLS 1.2 tickets on.  A
 * completed handshake leaves the server certificate's CN in cn. */
bool
site_pair(struct pair *p, WOLFSSL_METHOD *method, const char *name,
	  WOLFSSL_SESSION *sess, bool ticket12, char *cn, size_t cnlen)
{
	cn[0] = '\0';
	if (pair_init(p, method, NULL) != 0)
		return false;
	wolfSSL_set_verify(p->cli, WOLFSSL_VERIFY_NONE, NULL);
	if (name != NULL &&
	    wolfSSL_UseSNI(p->cli, WOLFSSL_SNI_HOST_NAME, name,
			   (unsigned short)strlen(name)) != WOLFSSL_SUCCESS)
		return false;
	if (ticket12)
		CHECK(wolfSSL_UseSessionTicket(p->cli) == WOLFSSL_SUCCESS);
	if (sess != NULL)
		(void)wolfSSL_set_session(p->cli, sess);
	pump_handshake(p);
	peer_cn(p, cn, cnlen);
	return p->srv_rc == 0 && p->cli_done;
}

/* A full handshake with SNI name; the client's session (caller frees). */
WOLFSSL_SESSION *
site_session(WOLFSSL_METHOD *method, const char *name, bool ticket12)
{
	WOLFSSL_SESSION *sess = NULL;
	uint8_t buf[16];
	char cn[256];
	struct pair p;

	if (site_pair(&p, method, name, NULL, ticket12, cn, sizeof(cn))) {
		CHECK(!hs_tls_session_reused(p.srv));
		(void)wolfSSL_read(p.cli, buf,
				   sizeof(buf)); /* TLS 1.3 ticket */
		sess = wolfSSL_get1_session(p.cli);
	}
	pair_fini(&p);
	return sess;
}

/* Whether the server sent a plaintext (TLS 1.2) Certificate message. */
bool
log_has_certificate(const struct pipe *p)
{
	size_t off = 0;

	while (off + 6 <= p->loglen) {
		size_t rlen = ((size_t)p->log[off + 3] << 8) | p->log[off + 4];

		if (p->log[off] == REC_HANDSHAKE && p->log[off + 5] == 11)
			return true;
		off += 5 + rlen;
	}
	return false;
}

/* Offer sess with SNI name: 1 resumed, 0 full handshake, -1 failed; the
 * CN of the certificate the client saw (for a full handshake) in cn.
 *
 * wolfSSL 5.5.4's TLS 1.2 client cannot take a refused ticket: it counts
 * any ServerHello as acceptance of the ticket it sent (internal.c
 * DSH_CheckSessionId: "ticketLen > 0") and then fails on the Certificate
 * of the full handshake the server rightly started (OpenSSL's client
 * falls back: tests/integration/test_resume.sh).  With ticket12 a refusal
 * is therefore -1 with *cert_sent true: the server did not resume. */
int
site_resume(WOLFSSL_METHOD *method, const char *name, WOLFSSL_SESSION *sess,
	    bool ticket12, char *cn, size_t cnlen, unsigned int *events)
{
	struct pair p;
	bool ok;
	int r = -1;

	if (sess == NULL)
		return -1;
	ok = site_pair(&p, method, name, sess, ticket12, cn, cnlen);
	if (ok) {
		r = hs_tls_session_reused(p.srv) ? 1 : 0;
		CHECK((wolfSSL_session_reused(p.cli) == 1) == (r == 1));
		if (events != NULL)
			*events = hs_tls_events(p.srv);
	} else if (ticket12 && log_has_certificate(&p.s2c)) {
		r = -2; /* see above: full handshake, client gave up */
		if (events != NULL)
			*events = HS_TLS_EV_RESUME_REFUSED;
		snprintf(cn, cnlen, "(not verified)");
	}
	pair_fini(&p);
	return r;
}

/* A refused resumption: a full handshake serving want_cn. */
void
expect_full(int r, bool ticket12, const char *cn, const char *want_cn)
{
	if (ticket12) {
		CHECK(r == -2 || (r == 0 && strcmp(cn, want_cn) == 0));
		return;
	}
	CHECK(r == 0);
	CHECK(strcmp(cn, want_cn) == 0);
}

/* Resumption is bound to the server name and site (RFC 6066 §3, RFC 8446
 * §4.6.1): a ticket or cached TLS 1.2 session from one name gets a full
 * handshake (with the other site's certificate) under another name, and
 * resumes under its own, also on another server sharing the ticket keys. */
void
test_site_resumption(void)
{
	static const struct {
		WOLFSSL_METHOD *(*method)(void);
		bool t12;
		const char *what;
	} kinds[] = {
		{ wolfTLSv1_3_client_method, false, "TLS 1.3 ticket" },
		{ wolfTLSv1_2_client_method, true, "TLS 1.2 ticket" },
		{ wolfTLSv1_2_client_method, false, "TLS 1.2 session cache" },
	};
	struct hs_tls_ctx *ctx, *ctx2;
	char err[512], cn[256];
	unsigned int ev = 0;
	int r;

	snprintf(g_tk, sizeof(g_tk), "%s/ticket.keys", g_dir);
	write_keys(KEY_A);
	ctx = sites_ctx(false, err, sizeof(err));
	CHECK(ctx != NULL);
	if (ctx == NULL) {
		fprintf(stderr, "sites ctx: %s\n", err);
		return;
	}
	CHECK(hs_tls_reload_ticket_keys(ctx, g_tk, err, sizeof(err)) == 0);
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		WOLFSSL_METHOD *m;
		WOLFSSL_SESSION *www, *def, *wa;

		g_pair_ctx = ctx;
		www = site_session(kinds[k].method(), "www.example.com",
				   kinds[k].t12);
		def = site_session(kinds[k].method(), NULL, kinds[k].t12);
		wa = site_session(kinds[k].method(), "a.wild.test",
				  kinds[k].t12);
		CHECK(www != NULL && def != NULL && wa != NULL);
		printf("  site resumption: %s\n", kinds[k].what);
		/* its own name resumes (the name compared without case) */
		m = kinds[k].method();
		CHECK(site_resume(m, "www.example.com", www, kinds[k].t12, cn,
				  sizeof(cn), &ev) == 1);
		CHECK(ev & HS_TLS_EV_RESUMED);
		m = kinds[k].method();
		CHECK(site_resume(m, "WWW.example.COM", www, kinds[k].t12, cn,
				  sizeof(cn), NULL) == 1);
		m = kinds[k].method();
		CHECK(site_resume(m, NULL, def, kinds[k].t12, cn, sizeof(cn),
				  NULL) == 1);
		/* another site: a full handshake with that site's certificate */
		m = kinds[k].method();
		r = site_resume(m, "rsa.test", www, kinds[k].t12, cn,
				sizeof(cn), &ev);
		expect_full(r, kinds[k].t12, cn, "rsa.test");
		CHECK(ev == HS_TLS_EV_RESUME_REFUSED);
		m = kinds[k].method();
		r = site_resume(m, NULL, www, kinds[k].t12, cn, sizeof(cn),
				NULL);
		expect_full(r, kinds[k].t12, cn, "localhost");
		m = kinds[k].method();
		r = site_resume(m, "www.example.com", def, kinds[k].t12, cn,
				sizeof(cn), NULL);
		expect_full(r, kinds[k].t12, cn, "www.example.com");
		/* the default site under a name it serves without a --site:
		 * another server name, so no resumption either */
		m = kinds[k].method();
		r = site_resume(m, "unknown.test", def, kinds[k].t12, cn,
				sizeof(cn), NULL);
		expect_full(r, kinds[k].t12, cn, "localhost");
		/* one wildcard site, two names: each name its own sessions */
		m = kinds[k].method();
		r = site_resume(m, "b.wild.test", wa, kinds[k].t12, cn,
				sizeof(cn), NULL);
		expect_full(r, kinds[k].t12, cn, "*.wild.test");
		m = kinds[k].method();
		CHECK(site_resume(m, "a.wild.test", wa, kinds[k].t12, cn,
				  sizeof(cn), NULL) == 1);
		/* another server of the fleet: same sites, same key file */
		ctx2 = sites_ctx(false, err, sizeof(err));
		CHECK(ctx2 != NULL &&
		      hs_tls_reload_ticket_keys(ctx2, g_tk, err, sizeof(err)) ==
			      0);
		g_pair_ctx = ctx2;
		m = kinds[k].method();
		CHECK(site_resume(m, "www.example.com", www, kinds[k].t12, cn,
				  sizeof(cn), NULL) == 1);
		m = kinds[k].method();
		r = site_resume(m, "rsa.test", www, kinds[k].t12, cn,
				sizeof(cn), NULL);
		expect_full(r, kinds[k].t12, cn, "rsa.test");
		g_pair_ctx = NULL;
		hs_tls_ctx_free(ctx2);
		wolfSSL_SESSION_free(www);
		wolfSSL_SESSION_free(def);
		wolfSSL_SESSION_free(wa);
	}
	g_pair_ctx = NULL;
	hs_tls_ctx_free(ctx);
}

/* The server's clock for ticket and session-cache ages, moved by tests
 * instead of sleeping. */
static time_t g_clock_off;

static time_t
fake_clock(time_t *t)
{
	time_t v = time(NULL) + g_clock_off;

	if (t != NULL)
		*t = v;
	return v;
}

/* --ticket-lifetime: the hint in NewSessionTicket; tickets and cached
 * sessions older than the lifetime get a full handshake.  The sessions
 * come from a server with the default lifetime (so the client still
 * offers them) and are offered to one with a 2 s lifetime sharing the
 * ticket keys (a reload that shortened it). */
void
test_ticket_lifetime(void)
{
	static const struct {
		WOLFSSL_METHOD *(*method)(void);
		bool t12;
	} kinds[] = { { wolfTLSv1_3_client_method, false },
		      { wolfTLSv1_2_client_method, true },
		      { wolfTLSv1_2_client_method, false } };
	struct hs_tls_config cfg;
	struct hs_tls_ctx *ctx = NULL, *shrt = NULL;
	WOLFSSL_SESSION *sess[3], *s2;
	char err[512], cn[256];
	unsigned int ev;

	snprintf(g_tk, sizeof(g_tk), "%s/ticket.keys", g_dir);
	write_keys(KEY_A);
	cfg = (struct hs_tls_config){ .cert_file = g_cert,
				      .key_file = g_key,
				      .ticket_key_file = g_tk,
				      .ticket_lifetime =
					      HS_TLS_TICKET_LIFETIME_MAX + 1 };
	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) == -EINVAL);
	CHECK(ctx == NULL && contains(err, "604800"));
	printf("  bad lifetime: %s\n", err);
	cfg.ticket_lifetime = 0; /* the default */
	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) == 0);
	cfg.ticket_lifetime = 2;
	CHECK(hs_tls_ctx_new(&shrt, &cfg, err, sizeof(err)) == 0);
	if (ctx == NULL || shrt == NULL) {
		hs_tls_ctx_free(ctx);
		hs_tls_ctx_free(shrt);
		return;
	}
	hs_tls_clock = fake_clock;
	g_clock_off = 0;
	g_pair_ctx = ctx;
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		sess[k] = site_session(kinds[k].method(), NULL, kinds[k].t12);
		CHECK(sess[k] != NULL);
	}
	CHECK(wolfSSL_SESSION_get_ticket_lifetime_hint(sess[0]) ==
	      HS_TLS_TICKET_LIFETIME_DEFAULT);
	CHECK(wolfSSL_SESSION_get_ticket_lifetime_hint(sess[1]) ==
	      HS_TLS_TICKET_LIFETIME_DEFAULT);
	/* the short-lived server's hint, TLS 1.3 and TLS 1.2 */
	g_pair_ctx = shrt;
	s2 = site_session(wolfTLSv1_3_client_method(), NULL, false);
	CHECK(s2 != NULL && wolfSSL_SESSION_get_ticket_lifetime_hint(s2) == 2);
	wolfSSL_SESSION_free(s2);
	s2 = site_session(wolfTLSv1_2_client_method(), NULL, true);
	CHECK(s2 != NULL && wolfSSL_SESSION_get_ticket_lifetime_hint(s2) == 2);
	wolfSSL_SESSION_free(s2);
	/* young enough: resumed */
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
		CHECK(site_resume(kinds[k].method(), NULL, sess[k],
				  kinds[k].t12, cn, sizeof(cn), NULL) == 1);
	g_clock_off = 3; /* older than 2 s */
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		int r;

		ev = 0;
		g_pair_ctx = shrt;
		r = site_resume(kinds[k].method(), NULL, sess[k], kinds[k].t12,
				cn, sizeof(cn), &ev);
		expect_full(r, kinds[k].t12, cn, "localhost");
		if (!kinds[k].t12)
			CHECK(ev == (HS_TLS_EV_RESUME_REFUSED |
				     HS_TLS_EV_RESUME_EXPIRED));
		/* the default lifetime still takes them */
		g_pair_ctx = ctx;
		CHECK(site_resume(kinds[k].method(), NULL, sess[k],
				  kinds[k].t12, cn, sizeof(cn), NULL) == 1);
		wolfSSL_SESSION_free(sess[k]);
	}
	/* Issued in the future (another server's clock ahead, or a forged
	 * issue time): up to a lifetime ahead is taken as now, beyond it the
	 * ticket or cached session is refused like an expired one. */
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		WOLFSSL_SESSION *near, *far;
		int r;

		g_pair_ctx = shrt;
		g_clock_off = 1;
		near = site_session(kinds[k].method(), NULL, kinds[k].t12);
		g_clock_off = 10;
		far = site_session(kinds[k].method(), NULL, kinds[k].t12);
		g_clock_off = 0;
		CHECK(near != NULL && far != NULL);
		if (near == NULL || far == NULL) {
			wolfSSL_SESSION_free(near);
			wolfSSL_SESSION_free(far);
			continue;
		}
		CHECK(site_resume(kinds[k].method(), NULL, near, kinds[k].t12,
				  cn, sizeof(cn), NULL) == 1);
		ev = 0;
		r = site_resume(kinds[k].method(), NULL, far, kinds[k].t12, cn,
				sizeof(cn), &ev);
		expect_full(r, kinds[k].t12, cn, "localhost");
		if (!kinds[k].t12)
			CHECK(ev == (HS_TLS_EV_RESUME_REFUSED |
				     HS_TLS_EV_RESUME_EXPIRED));
		wolfSSL_SESSION_free(near);
		wolfSSL_SESSION_free(far);
	}
	hs_tls_clock = time;
	g_clock_off = 0;
	g_pair_ctx = NULL;
	hs_tls_ctx_free(ctx);
	hs_tls_ctx_free(shrt);
}
