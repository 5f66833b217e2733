/* SPDX-License-Identifier: BSD-3-Clause
 * test_tls.c - hs_tls server sessions against an in-memory wolfSSL client:
 * the session tests (hs_tls.c), the set-up and main.  The other parts of
 * tls/ are tested in test_tls_ctx.c, test_tls_sni.c, test_tls_ticket.c
 * (test_tls.h lists them).
 *
 * Usage: test_tls SOURCE_ROOT   (scripts/gen-cert.sh makes the key pairs)
 *
 * The client is a plain wolfSSL client that trusts the generated
 * self-signed certificate and verifies it (name "localhost").  Client and
 * server are joined by two byte FIFOs; the server side's pull/push can be
 * throttled to model a TCP connection with little room or slow input.
 */
#include "test_tls.h"

/* ---- the test's contexts ---------------------------------------------- */

char g_dir[PATH_MAX], g_dir2[PATH_MAX];
char g_cert[PATH_MAX + 16], g_key[PATH_MAX + 16];
char g_cert2[PATH_MAX + 16], g_key2[PATH_MAX + 16];
struct hs_tls_ctx *g_ctx;
struct hs_tls_ctx *g_pair_ctx; /* server ctx of new pairs, or g_ctx */
char g_pki[PATH_MAX + 8];      /* tests/tls/gen-pki.sh output */

/* A pair on the test's server context (g_pair_ctx, else g_ctx), the
 * client trusting g_cert. */
int
pair_init(struct pair *p, WOLFSSL_METHOD *method, const char *ciphers)
{
	return pair_init_ctx(p, g_pair_ctx != NULL ? g_pair_ctx : g_ctx, g_cert,
			     method, ciphers);
}

bool
pair_connect(struct pair *p, WOLFSSL_METHOD *method, const char *ciphers)
{
	if (pair_init(p, method, ciphers) != 0)
		return false;
	pump_handshake(p);
	return p->srv_rc == 0 && p->cli_done;
}

/* ---- tests ---------------------------------------------------------- */

void
test_tls13_handshake(void)
{
	struct pair p;

	CHECK(pair_connect(&p, wolfSSLv23_client_method(),
			   "TLS13-AES128-GCM-SHA256"));
	CHECK(hs_tls_handshake_done(p.srv));
	CHECK(strcmp(hs_tls_version(p.srv), "TLSv1.3") == 0);
	CHECK(strcmp(hs_tls_cipher(p.srv), "TLS_AES_128_GCM_SHA256") == 0);
	CHECK(strcmp(wolfSSL_get_version(p.cli), "TLSv1.3") == 0);
	/* handshake is idempotent once done */
	CHECK(hs_tls_handshake(p.srv) == 0);
	pair_fini(&p);

	/* server honours the client's choice among our suites */
	CHECK(pair_connect(&p, wolfSSLv23_client_method(),
			   "TLS13-CHACHA20-POLY1305-SHA256"));
	CHECK(strcmp(hs_tls_cipher(p.srv), "TLS_CHACHA20_POLY1305_SHA256") ==
	      0);
	pair_fini(&p);
}

void
test_tls13_p256_only(void)
{
	struct pair p;
	int groups[] = { WOLFSSL_ECC_SECP256R1 };

	CHECK(pair_init(&p, wolfSSLv23_client_method(), NULL) == 0);
	CHECK(wolfSSL_set_groups(p.cli, groups, 1) == WOLFSSL_SUCCESS);
	pump_handshake(&p);
	CHECK(p.srv_rc == 0 && p.cli_done);
	CHECK(strcmp(hs_tls_version(p.srv), "TLSv1.3") == 0);
	pair_fini(&p);
}

void
test_tls12_handshake(void)
{
	struct pair p;

	CHECK(pair_connect(&p, wolfTLSv1_2_client_method(),
			   "ECDHE-ECDSA-AES128-GCM-SHA256"));
	CHECK(strcmp(hs_tls_version(p.srv), "TLSv1.2") == 0);
	CHECK(strcmp(hs_tls_cipher(p.srv),
		     "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256") == 0);
	pair_fini(&p);
}

void
check_alert(const struct pair *p, int desc)
{
	long off = log_find_record(&p->s2c, REC_ALERT);

	CHECK(off >= 0);
	if (off < 0)
		return;
	CHECK(p->s2c.log[off + 5] == 2 /* fatal */);
	if (desc >= 0)
		CHECK(p->s2c.log[off + 6] == desc);
}

void
test_cbc_rejected(void)
{
	struct pair p;

	CHECK(pair_init(&p, wolfTLSv1_2_client_method(),
			"ECDHE-ECDSA-AES128-SHA256") == 0);
	pump_handshake(&p);
	CHECK(p.srv_rc == -EPROTO);
	CHECK(!p.cli_done);
	CHECK(!hs_tls_handshake_done(p.srv));
	check_alert(&p, ALERT_HANDSHAKE_FAILURE);
	/* failure is sticky */
	CHECK(hs_tls_handshake(p.srv) == -EPROTO);
	CHECK(hs_tls_read(p.srv, (uint8_t[8]){ 0 }, 8) == -EPROTO);
	pair_fini(&p);
}

/* A TLS 1.1 ClientHello (RFC 4346 §7.4.1.2), crafted by hand because the
 * tuned wolfSSL has no TLS 1.1 code: legacy version 3,2, ECDHE suites. */
void
test_tls11_rejected(void)
{
	static const uint8_t hello[] = {
		0x16, 0x03, 0x01, 0x00, 0x3d, /* record */
		0x01, 0x00, 0x00, 0x39,       /* ClientHello */
		0x03, 0x02,                   /* TLS 1.1 */
		1,    2,    3,    4,    5,    6,    7,    8,    9,
		10,   11,   12,   13,   14,   15,   16,   17,   18,
		19,   20,   21,   22,   23,   24,   25,   26,   27,
		28,   29,   30,   31,   32,   0x00, /* session id */
		0x00, 0x04, 0xc0, 0x09, 0xc0, 0x13, /* suites */
		0x01, 0x00,                         /* null compr. */
		0x00, 0x0e,                         /* extensions */
		0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, /* groups */
		0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, /* point formats */
	};
	struct pair p;
	int rc, i;

	CHECK(pair_init(&p, wolfSSLv23_client_method(), NULL) == 0);
	CHECK(pipe_put(&p.c2s, hello, sizeof(hello)) == sizeof(hello));
	rc = -EAGAIN;
	for (i = 0; i < 10 && rc == -EAGAIN; i++)
		rc = hs_tls_handshake(p.srv);
	CHECK(rc == -EPROTO);
	check_alert(&p, ALERT_PROTOCOL_VERSION);
	CHECK(log_find_record(&p.s2c, REC_HANDSHAKE) < 0); /* no ServerHello */
	pair_fini(&p);
}

void
test_garbage(void)
{
	static const char req[] = "GET / HTTP/1.1\r\n\r\n";
	struct pair p;
	int rc, i;

	CHECK(pair_init(&p, wolfSSLv23_client_method(), NULL) == 0);
	pipe_put(&p.c2s, (const uint8_t *)req, strlen(req));
	rc = -EAGAIN;
	for (i = 0; i < 10 && rc == -EAGAIN; i++)
		rc = hs_tls_handshake(p.srv);
	CHECK(rc == -EPROTO);
	check_alert(&p, ALERT_UNEXPECTED_MESSAGE); /* RFC 8446 §5 */
	CHECK(hs_tls_handshake(p.srv) == -EPROTO);
	pair_fini(&p);
}

void
test_eof_mid_handshake(void)
{
	struct pair p;
	uint8_t hello[2048];
	size_t n;

	/* EOF inside the ClientHello record */
	CHECK(pair_init(&p, wolfSSLv23_client_method(), NULL) == 0);
	client_step(&p);
	n = pipe_get(&p.c2s, hello, sizeof(hello));
	CHECK(n > 40);
	pipe_put(&p.c2s, hello, 40);
	CHECK(hs_tls_handshake(p.srv) == -EAGAIN);
	p.c2s.eof = true;
	CHECK(hs_tls_handshake(p.srv) == -ECONNRESET);
	CHECK(hs_tls_handshake(p.srv) == -ECONNRESET);
	pair_fini(&p);

	/* EOF after the server's flight, before the client's Finished */
	CHECK(pair_init(&p, wolfSSLv23_client_method(), NULL) == 0);
	client_step(&p);
	CHECK(hs_tls_handshake(p.srv) == -EAGAIN);
	CHECK(p.s2c.len > 0);
	p.c2s.eof = true;
	CHECK(hs_tls_handshake(p.srv) == -ECONNRESET);
	pair_fini(&p);
}

void
test_app_data(void)
{
	struct pair p;
	static uint8_t out[100 * 1024], in[100 * 1024];
	static const size_t chunks[] = { 1, 100, 1399, 4096, 16384, 777 };
	size_t off, k;
	int r;

	CHECK(pair_connect(&p, wolfSSLv23_client_method(), NULL));

	/* one maximal write, server -> client */
	fill_pattern(out, HS_TLS_MAX_WRITE, 1);
	CHECK(hs_tls_write(p.srv, out, HS_TLS_MAX_WRITE) == HS_TLS_MAX_WRITE);
	CHECK(client_read_all(&p, in, HS_TLS_MAX_WRITE));
	CHECK(memcmp(in, out, HS_TLS_MAX_WRITE) == 0);
	CHECK(hs_tls_write(p.srv, out, HS_TLS_MAX_WRITE + 1) == -EINVAL);

	/* 16384 bytes client -> server */
	fill_pattern(out, HS_TLS_MAX_WRITE, 2);
	CHECK(wolfSSL_write(p.cli, out, HS_TLS_MAX_WRITE) == HS_TLS_MAX_WRITE);
	CHECK(server_read_all(&p, in, HS_TLS_MAX_WRITE));
	CHECK(memcmp(in, out, HS_TLS_MAX_WRITE) == 0);
	CHECK(hs_tls_read(p.srv, in, sizeof(in)) == -EAGAIN);

	/* 100 KB stream each way in uneven chunks */
	fill_pattern(out, sizeof(out), 3);
	for (off = 0, k = 0; off < sizeof(out); k++) {
		size_t n = chunks[k % ARRAY_SIZE(chunks)];

		if (n > sizeof(out) - off)
			n = sizeof(out) - off;
		r = hs_tls_write(p.srv, out + off, n);
		CHECK(r == (int)n);
		if (r != (int)n)
			break;
		off += n;
	}
	memset(in, 0, sizeof(in));
	CHECK(client_read_all(&p, in, sizeof(in)));
	CHECK(memcmp(in, out, sizeof(out)) == 0);

	fill_pattern(out, sizeof(out), 4);
	for (off = 0, k = 0; off < sizeof(out); k++) {
		size_t n = chunks[(k + 3) % ARRAY_SIZE(chunks)];

		if (n > sizeof(out) - off)
			n = sizeof(out) - off;
		r = wolfSSL_write(p.cli, out + off, (int)n);
		CHECK(r == (int)n);
		if (r != (int)n)
			break;
		off += n;
	}
	memset(in, 0, sizeof(in));
	CHECK(server_read_all(&p, in, sizeof(in)));
	CHECK(memcmp(in, out, sizeof(out)) == 0);
	pair_fini(&p);
}

/* Push takes 7 bytes per round: handshake and writes see -EAGAIN and the
 * retry with the same buffer completes without loss or duplication. */
void
test_small_push(void)
{
	struct pair p;
	static uint8_t out[HS_TLS_MAX_WRITE], in[HS_TLS_MAX_WRITE + 3000];
	int r, eagain = 0, rounds;
	uint8_t probe;

	CHECK(pair_init(&p, wolfSSLv23_client_method(), NULL) == 0);
	p.sio.push_throttle = true;
	p.sio.push_max = 7;
	pump_handshake(&p);
	CHECK(p.srv_rc == 0 && p.cli_done);
	CHECK(p.sio.push_refused > 0);

	fill_pattern(out, sizeof(out), 5);
	for (rounds = 0; rounds < 100000; rounds++) {
		p.sio.push_credit = 7;
		r = hs_tls_write(p.srv, out, sizeof(out));
		if (r != -EAGAIN)
			break;
		eagain++;
	}
	CHECK(r == (int)sizeof(out));
	CHECK(eagain > 1000); /* ~16.4 KB at 7 bytes a round */
	/* a second, different write right after must not be confused with
	 * the first one's retry */
	p.sio.push_credit = 1 << 20;
	CHECK(hs_tls_write(p.srv, "tail", 4) == 4);
	CHECK(client_read_all(&p, in, sizeof(out) + 4));
	CHECK(memcmp(in, out, sizeof(out)) == 0);
	CHECK(memcmp(in + sizeof(out), "tail", 4) == 0);

	/* close_notify through the same narrow pipe, sent exactly once */
	p.sio.push_credit = 7;
	CHECK(hs_tls_write(p.srv, out, 3000) == -EAGAIN);
	for (rounds = 0; rounds < 100000; rounds++) {
		p.sio.push_credit = 7;
		r = hs_tls_write(p.srv, out, 3000);
		if (r != -EAGAIN)
			break;
	}
	CHECK(r == 3000);
	p.sio.push_credit = 0;
	CHECK(hs_tls_shutdown(p.srv) == -EAGAIN);
	for (rounds = 0; rounds < 1000; rounds++) {
		p.sio.push_credit = 7;
		r = hs_tls_shutdown(p.srv);
		if (r != -EAGAIN)
			break;
	}
	CHECK(r == 0);
	CHECK(hs_tls_shutdown(p.srv) == 0);
	CHECK(client_read_all(&p, in, 3000));
	CHECK(memcmp(in, out, 3000) == 0);
	r = wolfSSL_read(p.cli, &probe, 1);
	CHECK(r == 0);
	CHECK(wolfSSL_get_error(p.cli, r) == WOLFSSL_ERROR_ZERO_RETURN);
	CHECK(p.s2c.len == 0); /* nothing after the one close_notify */
	pair_fini(&p);
}

/* Shutting down while a write is blocked: the whole record still goes
 * out, then exactly one close_notify. */
void
test_shutdown_during_write(void)
{
	struct pair p;
	static uint8_t out[HS_TLS_MAX_WRITE], in[HS_TLS_MAX_WRITE];
	uint8_t probe;
	int r, rounds;

	CHECK(pair_connect(&p, wolfSSLv23_client_method(), NULL));
	p.sio.push_throttle = true;
	p.sio.push_credit = 100;
	fill_pattern(out, sizeof(out), 8);
	CHECK(hs_tls_write(p.srv, out, sizeof(out)) == -EAGAIN);
	r = -EAGAIN;
	for (rounds = 0; rounds < 100000 && r == -EAGAIN; rounds++) {
		r = hs_tls_shutdown(p.srv);
		p.sio.push_credit = 1000;
	}
	CHECK(r == 0);
	CHECK(rounds > 1);
	CHECK(hs_tls_shutdown(p.srv) == 0);
	CHECK(client_read_all(&p, in, sizeof(in)));
	CHECK(memcmp(in, out, sizeof(out)) == 0);
	r = wolfSSL_read(p.cli, &probe, 1);
	CHECK(r == 0);
	CHECK(wolfSSL_get_error(p.cli, r) == WOLFSSL_ERROR_ZERO_RETURN);
	CHECK(p.s2c.len == 0);
	pair_fini(&p);
}

/* RFC 8446 §4.6.3: a KeyUpdate with update_requested makes the server
 * answer with its own.  When that answer meets a full transport, the next
 * write must push it first and then the new data, intact - also after an
 * earlier blocked write (wolfSSL remembers stale counts from it). */
void
test_key_update_blocked(void)
{
	struct pair p;
	static uint8_t out[HS_TLS_MAX_WRITE], in[HS_TLS_MAX_WRITE];
	uint8_t buf[64];
	int r, rounds;

	CHECK(pair_connect(&p, wolfSSLv23_client_method(), NULL));
	p.sio.push_throttle = true;
	fill_pattern(out, sizeof(out), 7);
	for (rounds = 0; rounds < 100000; rounds++) {
		p.sio.push_credit = 1000;
		r = hs_tls_write(p.srv, out, sizeof(out));
		if (r != -EAGAIN)
			break;
	}
	CHECK(rounds > 0 && r == (int)sizeof(out));
	CHECK(client_read_all(&p, in, sizeof(out)));
	CHECK(memcmp(in, out, sizeof(out)) == 0);

	CHECK(wolfSSL_update_keys(p.cli) == WOLFSSL_SUCCESS);
	CHECK(wolfSSL_write(p.cli, "ping", 4) == 4);
	p.sio.push_credit = 0;
	r = hs_tls_read(p.srv, buf, sizeof(buf));
	if (r == -EAGAIN)
		r = hs_tls_read(p.srv, buf, sizeof(buf));
	CHECK(r == 4 && memcmp(buf, "ping", 4) == 0);
	CHECK(p.s2c.len == 0); /* the answer is still held */
	p.sio.push_credit = 1 << 20;
	CHECK(hs_tls_write(p.srv, "pong", 4) == 4);
	CHECK(client_read_all(&p, buf, 4));
	CHECK(memcmp(buf, "pong", 4) == 0);
	CHECK(p.s2c.len == 0);

	/* Same while a write is blocked half way: reading waits for the
	 * output to drain, and the write's retry then reports it done. */
	p.sio.push_credit = 100;
	fill_pattern(out, sizeof(out), 9);
	CHECK(hs_tls_write(p.srv, out, sizeof(out)) == -EAGAIN);
	CHECK(wolfSSL_update_keys(p.cli) == WOLFSSL_SUCCESS);
	CHECK(wolfSSL_write(p.cli, "ping2", 5) == 5);
	p.sio.push_credit = 0;
	CHECK(hs_tls_read(p.srv, buf, sizeof(buf)) == -EAGAIN);
	p.sio.push_credit = 1 << 20;
	r = hs_tls_read(p.srv, buf, sizeof(buf));
	CHECK(r == 5);
	CHECK(memcmp(buf, "ping2", 5) == 0);
	CHECK(hs_tls_write(p.srv, out, sizeof(out)) == (int)sizeof(out));
	CHECK(hs_tls_write(p.srv, "pong2", 5) == 5);
	CHECK(client_read_all(&p, in, sizeof(out)));
	CHECK(memcmp(in, out, sizeof(out)) == 0);
	CHECK(client_read_all(&p, buf, 5));
	CHECK(memcmp(buf, "pong2", 5) == 0);
	CHECK(p.s2c.len == 0);
	pair_fini(&p);
}

/* Input trickles in one byte per pull, with "nothing now" in between. */
void
test_one_byte_pull(void)
{
	struct pair p;
	uint8_t out[3000], in[3000];

	CHECK(pair_init(&p, wolfSSLv23_client_method(), NULL) == 0);
	p.sio.pull_max = 1;
	p.sio.pull_alternate = true;
	pump_handshake(&p);
	CHECK(p.srv_rc == 0 && p.cli_done);
	CHECK(p.sio.pull_refused > 100);
	fill_pattern(out, sizeof(out), 6);
	CHECK(wolfSSL_write(p.cli, out, sizeof(out)) == (int)sizeof(out));
	CHECK(server_read_all(&p, in, sizeof(in)));
	CHECK(memcmp(in, out, sizeof(out)) == 0);
	pair_fini(&p);

	/* same over TLS 1.2 */
	CHECK(pair_init(&p, wolfTLSv1_2_client_method(), NULL) == 0);
	p.sio.pull_max = 1;
	p.sio.pull_alternate = true;
	pump_handshake(&p);
	CHECK(p.srv_rc == 0 && p.cli_done);
	CHECK(strcmp(hs_tls_version(p.srv), "TLSv1.2") == 0);
	pair_fini(&p);
}

void
test_close_notify(void)
{
	struct pair p;
	uint8_t buf[64];
	int r;

	/* client close_notify -> read returns 0, and keeps doing so */
	CHECK(pair_connect(&p, wolfSSLv23_client_method(), NULL));
	CHECK(wolfSSL_write(p.cli, "bye", 3) == 3);
	r = wolfSSL_shutdown(p.cli);
	CHECK(r == WOLFSSL_SHUTDOWN_NOT_DONE || r == WOLFSSL_SUCCESS);
	CHECK(hs_tls_read(p.srv, buf, sizeof(buf)) == 3);
	CHECK(memcmp(buf, "bye", 3) == 0);
	CHECK(hs_tls_read(p.srv, buf, sizeof(buf)) == 0);
	CHECK(hs_tls_read(p.srv, buf, sizeof(buf)) == 0);
	/* answering close_notify after the peer's reaches the peer */
	CHECK(hs_tls_shutdown(p.srv) == 0);
	CHECK(hs_tls_write(p.srv, "late", 4) == -EINVAL);
	r = wolfSSL_read(p.cli, buf, sizeof(buf));
	CHECK(r == 0);
	CHECK(wolfSSL_get_error(p.cli, r) == WOLFSSL_ERROR_ZERO_RETURN);
	pair_fini(&p);

	/* transport EOF without close_notify is a reset, not a clean end */
	CHECK(pair_connect(&p, wolfSSLv23_client_method(), NULL));
	p.c2s.eof = true;
	CHECK(hs_tls_read(p.srv, buf, sizeof(buf)) == -ECONNRESET);
	pair_fini(&p);

	/* server close_notify reaches the client */
	CHECK(pair_connect(&p, wolfTLSv1_2_client_method(), NULL));
	CHECK(hs_tls_shutdown(p.srv) == 0);
	CHECK(hs_tls_shutdown(p.srv) == 0);
	r = wolfSSL_read(p.cli, buf, sizeof(buf));
	CHECK(r == 0);
	CHECK(wolfSSL_get_error(p.cli, r) == WOLFSSL_ERROR_ZERO_RETURN);
	CHECK(wolfSSL_get_shutdown(p.cli) & WOLFSSL_RECEIVED_SHUTDOWN);
	pair_fini(&p);
}

#if defined(WOLFSSL_EARLY_DATA) && defined(OPENSSL_EXTRA)
/* Drive a pair whose server has early data on: reads drive the server's
 * handshake; what the server reads goes to got (early: *early_bytes). */
void
early_pump(struct pair *p, uint8_t *got, size_t cap, size_t *n,
	   size_t *early_bytes)
{
	for (int round = 0; round < 2000; round++) {
		int r;

		client_step(p);
		r = hs_tls_handshake(p->srv);
		if (r == -EAGAIN && hs_tls_early_phase(p->srv) && *n < cap) {
			r = hs_tls_read(p->srv, got + *n, cap - *n);
			if (r > 0) {
				*n += (size_t)r;
				if (hs_tls_in_early_data(p->srv))
					*early_bytes += (size_t)r;
				continue;
			}
		}
		if (r != -EAGAIN && r != 0)
			break;
		if (hs_tls_handshake_done(p->srv) &&
		    (p->cli_done || p->cli_err))
			break;
	}
}

/* A TLS 1.3 session from ctx with early data allowed (caller frees). */
WOLFSSL_SESSION *
early_session(void)
{
	WOLFSSL_SESSION *sess = NULL;
	uint8_t got[64], buf[16];
	size_t n = 0, e = 0;
	struct pair p;

	if (pair_init(&p, wolfTLSv1_3_client_method(), NULL) == 0) {
		wolfSSL_set_verify(p.cli, WOLFSSL_VERIFY_NONE, NULL);
		early_pump(&p, got, sizeof(got), &n, &e);
		if (hs_tls_handshake_done(p.srv) && p.cli_done) {
			(void)wolfSSL_read(p.cli, buf,
					   sizeof(buf)); /* ticket */
			sess = wolfSSL_get1_session(p.cli);
		}
	}
	pair_fini(&p);
	return sess;
}

bool g_early_ccs; /* early_conn: a CCS before the flight */

/* Resume sess sending req as early data.  With prerecord the client's
 * first flight is shown to the anti-replay record first, so the server
 * sees it as a replay.  The request is sent again after the handshake
 * when the client learns its early data was rejected; the server
 * answers "ok".  Returns the early bytes the server read, -1 on failure;
 * *status: the client's early data status, *ev: the server's events. */
long
early_conn(WOLFSSL_SESSION *sess, bool prerecord, int *status, unsigned int *ev,
	   bool *resumed)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	uint8_t got[256], ans[2];
	size_t n = 0, e = 0;
	long rc = -1;
	struct pair p;
	int w = 0;

	if (pair_init(&p, wolfTLSv1_3_client_method(), NULL) != 0)
		goto out;
	wolfSSL_set_verify(p.cli, WOLFSSL_VERIFY_NONE, NULL);
	CHECK(wolfSSL_set_session(p.cli, sess) == WOLFSSL_SUCCESS);
	/* wolfSSL 5.5.4's client counts every record it reads after its
	 * early data was accepted against its own max early data, 0 on a
	 * client: the answer would fail (internal.c DoApplicationData). */
	(void)wolfSSL_set_max_early_data(p.cli, 1u << 20);
	if (wolfSSL_write_early_data(p.cli, req, (int)sizeof(req) - 1, &w) !=
		    (int)sizeof(req) - 1 ||
	    w != (int)sizeof(req) - 1)
		goto out;
	if (prerecord) {
		struct hs_tls_early_sniff sn;
		uint8_t flight[4096];
		size_t fl =
			p.c2s.len < sizeof(flight) ? p.c2s.len : sizeof(flight);

		for (size_t i = 0; i < fl; i++)
			flight[i] = p.c2s.buf[(p.c2s.head + i) % PIPE_CAP];
		hs_tls_early_sniff_start(&sn);
		CHECK(hs_tls_early_sniff_feed(&sn, flight, fl) == 0);
		hs_tls_early_sniff_stop(&sn);
	}
	if (g_early_ccs) {
		/* RFC 8446 §5: a change_cipher_spec record in front, which
		 * wolfSSL skips before the ClientHello */
		uint8_t flight[4096];
		size_t fl = pipe_get(&p.c2s, flight, sizeof(flight));

		CHECK(pipe_put(&p.c2s,
			       (const uint8_t *)"\x14\x03\x03\x00\x01\x01",
			       6) == 6);
		CHECK(pipe_put(&p.c2s, flight, fl) == fl);
	}
	early_pump(&p, got, sizeof(got), &n, &e);
	if (!hs_tls_handshake_done(p.srv) || !p.cli_done)
		goto out;
	*status = wolfSSL_get_early_data_status(p.cli);
	if (*status == WOLFSSL_EARLY_DATA_REJECTED &&
	    wolfSSL_write(p.cli, req, (int)sizeof(req) - 1) !=
		    (int)sizeof(req) - 1)
		goto out;
	if (n < sizeof(req) - 1 &&
	    !server_read_all(&p, got + n, sizeof(req) - 1 - n))
		goto out;
	CHECK(memcmp(got, req, sizeof(req) - 1) == 0);
	if (hs_tls_write(p.srv, "ok", 2) != 2 ||
	    !client_read_all(&p, ans, sizeof(ans)) || memcmp(ans, "ok", 2) != 0)
		goto out;
	*resumed = hs_tls_session_reused(p.srv);
	*ev = hs_tls_events(p.srv);
	rc = (long)e;
out:
	pair_fini(&p);
	return rc;
}

#ifndef HS_WOLFSSL_HALF_RTT
#define HS_WOLFSSL_HALF_RTT 0
#endif
#if HS_WOLFSSL_TUNED && HS_WOLFSSL_HALF_RTT
#define HALF_RTT 1 /* our patched wolfSSL: 0.5-RTT data */
#else
#define HALF_RTT 0
#endif

/* RFC 8446 §2.3 / §4.4.4: the answer to a 0-RTT request is sent right
 * after the server's Finished (0.5-RTT data), before the client's
 * Finished arrives; the handshake then completes (the client gets a new
 * ticket, which gives 0-RTT again) and the connection carries on.  With
 * Debian's wolfSSL the write waits (-EAGAIN) for the client's Finished. */
void
test_half_rtt(void)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char rsp[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	struct hs_tls_config cfg = { .cert_file = g_cert,
				     .key_file = g_key,
				     .early_data = true };
	struct hs_tls_ctx *ctx = NULL;
	WOLFSSL_SESSION *sess, *sess2 = NULL;
	uint8_t got[256], ans[256];
	size_t n = 0;
	int w = 0, r = -1, status = -1;
	unsigned int ev = 0;
	bool resumed = false;
	struct pair p;
	char err[512];

	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) == 0);
	if (ctx == NULL)
		return;
	g_pair_ctx = ctx;
	sess = early_session();
	CHECK(sess != NULL);
	if (sess == NULL ||
	    pair_init(&p, wolfTLSv1_3_client_method(), NULL) != 0)
		goto out;
	wolfSSL_set_verify(p.cli, WOLFSSL_VERIFY_NONE, NULL);
	CHECK(wolfSSL_set_session(p.cli, sess) == WOLFSSL_SUCCESS);
	(void)wolfSSL_set_max_early_data(p.cli, 1u << 20); /* see early_conn */
	CHECK(wolfSSL_write_early_data(p.cli, req, (int)sizeof(req) - 1, &w) ==
	      (int)sizeof(req) - 1);
	/* the client's first flight (ClientHello + early data) only */
	client_step(&p);
	CHECK(p.c2s.len > 0 && !p.cli_done);
	/* server: its flight up to Finished, then the early request */
	for (int i = 0; i < 100 && n < sizeof(req) - 1; i++) {
		CHECK(hs_tls_handshake(p.srv) == -EAGAIN);
		CHECK(hs_tls_early_phase(p.srv));
		r = hs_tls_read(p.srv, got + n, sizeof(got) - n);
		if (r > 0) {
			CHECK(hs_tls_in_early_data(p.srv));
			n += (size_t)r;
		} else if (r != -EAGAIN) {
			break;
		}
	}
	CHECK(n == sizeof(req) - 1 && memcmp(got, req, n) == 0);
	CHECK(!hs_tls_handshake_done(p.srv));
	CHECK(p.c2s.len == 0); /* nothing from the client since */
	r = hs_tls_write(p.srv, rsp, sizeof(rsp) - 1);
	if (!HALF_RTT) {
		CHECK(r == -EAGAIN); /* waits for the client's Finished */
		printf("  0.5-RTT data: not with this wolfSSL (write waits)\n");
		pair_fini(&p);
		goto out;
	}
	CHECK(r == (int)sizeof(rsp) - 1);
	/* out before the client's Finished: the client has not even seen
	 * the server's flight, and the server is still in the early phase */
	CHECK(!p.cli_done && p.c2s.len == 0);
	CHECK(hs_tls_early_phase(p.srv) && !hs_tls_handshake_done(p.srv));
	/* a second write (its own record) goes too */
	CHECK(hs_tls_write(p.srv, "", 0) == 0);
	/* client: server flight, then its EndOfEarlyData + Finished */
	for (int i = 0; i < 10 && !p.cli_done && !p.cli_err; i++)
		client_step(&p);
	CHECK(p.cli_done);
	CHECK(wolfSSL_get_early_data_status(p.cli) ==
	      WOLFSSL_EARLY_DATA_ACCEPTED);
	CHECK(client_read_all(&p, ans, sizeof(rsp) - 1));
	CHECK(memcmp(ans, rsp, sizeof(rsp) - 1) == 0);
	/* server: the client's Finished ends the handshake (tickets) */
	r = hs_tls_read(p.srv, got, sizeof(got));
	CHECK(r == -EAGAIN);
	CHECK(hs_tls_handshake_done(p.srv) && !hs_tls_early_phase(p.srv));
	CHECK(hs_tls_session_reused(p.srv));
	/* 1-RTT both ways after 0.5-RTT data (sequence numbers, keys) */
	CHECK(wolfSSL_write(p.cli, "again", 5) == 5);
	CHECK(server_read_all(&p, got, 5) && memcmp(got, "again", 5) == 0);
	CHECK(!hs_tls_in_early_data(p.srv));
	CHECK(hs_tls_write(p.srv, "ok2", 3) == 3);
	CHECK(client_read_all(&p, ans, 3) && memcmp(ans, "ok2", 3) == 0);
	/* the ticket sent after the client's Finished was received */
	sess2 = wolfSSL_get1_session(p.cli);
	pair_fini(&p);
	CHECK(sess2 != NULL);
	if (sess2 != NULL) {
		CHECK(early_conn(sess2, false, &status, &ev, &resumed) > 0);
		CHECK(status == WOLFSSL_EARLY_DATA_ACCEPTED && resumed);
	}
	printf("  0-RTT request answered 0.5-RTT, before the client's "
	       "Finished\n");
out:
	wolfSSL_SESSION_free(sess2);
	wolfSSL_SESSION_free(sess);
	g_pair_ctx = NULL;
	hs_tls_ctx_free(ctx);
}

/* With client certificates required, an answer to early data is never
 * 0.5-RTT data: the certificate check comes once the handshake is done,
 * and a session resumed from a ticket of a server sharing the ticket keys
 * has no certificate (hs_tls_mtls.h) - it fails, nothing was answered. */
void
test_half_rtt_mtls(void)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	char ca[PATH_MAX + 32], err[512];
	struct hs_tls_config cfg = { .cert_file = g_cert,
				     .key_file = g_key,
				     .early_data = true,
				     .ticket_key_file = g_tk };
	struct hs_tls_ctx *open_ctx = NULL, *mtls_ctx = NULL;
	WOLFSSL_SESSION *sess = NULL;
	uint8_t got[256], ans[64];
	size_t n = 0;
	int w = 0, r = -EAGAIN;
	struct pair p;

	snprintf(g_tk, sizeof(g_tk), "%s/ticket.keys", g_dir);
	write_keys(KEY_A);
	pki_path(ca, sizeof(ca), "chain", "root.pem");
	CHECK(hs_tls_ctx_new(&open_ctx, &cfg, err, sizeof(err)) == 0);
	cfg.client_auth = HS_TLS_CLIENT_AUTH_REQUIRED;
	cfg.client_ca = ca;
	CHECK(hs_tls_ctx_new(&mtls_ctx, &cfg, err, sizeof(err)) == 0);
	if (open_ctx == NULL || mtls_ctx == NULL)
		goto out;
	g_pair_ctx = open_ctx;
	sess = early_session();
	CHECK(sess != NULL);
	g_pair_ctx = mtls_ctx;
	if (sess == NULL ||
	    pair_init(&p, wolfTLSv1_3_client_method(), NULL) != 0)
		goto out;
	wolfSSL_set_verify(p.cli, WOLFSSL_VERIFY_NONE, NULL);
	CHECK(wolfSSL_set_session(p.cli, sess) == WOLFSSL_SUCCESS);
	(void)wolfSSL_set_max_early_data(p.cli, 1u << 20);
	CHECK(wolfSSL_write_early_data(p.cli, req, (int)sizeof(req) - 1, &w) ==
	      (int)sizeof(req) - 1);
	client_step(&p);
	for (int i = 0; i < 100 && n < sizeof(req) - 1; i++) {
		(void)hs_tls_handshake(p.srv);
		r = hs_tls_read(p.srv, got + n, sizeof(got) - n);
		if (r > 0)
			n += (size_t)r;
		else if (r != -EAGAIN)
			break;
	}
	CHECK(n == sizeof(req) - 1); /* early data read, as before */
	CHECK(hs_tls_write(p.srv, "secret", 6) == -EAGAIN); /* held */
	for (int i = 0; i < 10 && !p.cli_done && !p.cli_err; i++)
		client_step(&p);
	r = -EAGAIN;
	for (int i = 0; i < 100 && r == -EAGAIN; i++)
		r = hs_tls_read(p.srv, got, sizeof(got));
	CHECK(r < 0 && r != -EAGAIN); /* resumed without a certificate */
	CHECK(!hs_tls_handshake_done(p.srv));
	CHECK(wolfSSL_read(p.cli, ans, sizeof(ans)) <= 0);
	printf("  client certificates required: no 0.5-RTT answer\n");
	pair_fini(&p);
out:
	wolfSSL_SESSION_free(sess);
	g_pair_ctx = NULL;
	hs_tls_ctx_free(mtls_ctx);
	hs_tls_ctx_free(open_ctx);
}

/* RFC 8446 §8.2: a replayed ClientHello gets its 0-RTT rejected and the
 * handshake goes on (1-RTT, full handshake: the PSK is refused) instead
 * of an abort; the request is answered once it comes after the
 * handshake.  A fresh ClientHello with the same ticket still gets 0-RTT. */
void
test_early_replay(void)
{
	struct hs_tls_config cfg = { .cert_file = g_cert,
				     .key_file = g_key,
				     .early_data = true };
	struct hs_tls_ctx *ctx = NULL;
	WOLFSSL_SESSION *sess;
	unsigned int ev = 0;
	bool resumed = false;
	int status = -1;
	char err[512];

	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) == 0);
	if (ctx == NULL)
		return;
	g_pair_ctx = ctx;
	sess = early_session();
	CHECK(sess != NULL);
	/* a fresh ClientHello: early data accepted, resumed */
	CHECK(early_conn(sess, false, &status, &ev, &resumed) ==
	      (long)strlen("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
	CHECK(status == WOLFSSL_EARLY_DATA_ACCEPTED);
	CHECK(resumed && (ev & HS_TLS_EV_EARLY_ACCEPTED) &&
	      !(ev & HS_TLS_EV_EARLY_REPLAY));
	/* the same flight seen before: no early byte read, 1-RTT, answered */
	status = -1;
	ev = 0;
	CHECK(early_conn(sess, true, &status, &ev, &resumed) == 0);
	CHECK(status == WOLFSSL_EARLY_DATA_REJECTED);
	CHECK(!resumed);
	CHECK((ev & HS_TLS_EV_EARLY_REPLAY) &&
	      !(ev & HS_TLS_EV_EARLY_ACCEPTED));
	printf("  replayed ClientHello: early data rejected, 1-RTT, "
	       "answered\n");
	/* the same with a change_cipher_spec record in front (wolfSSL skips
	 * one before the ClientHello): still a replay */
	status = -1;
	ev = 0;
	g_early_ccs = true;
	CHECK(early_conn(sess, true, &status, &ev, &resumed) == 0);
	CHECK(status == WOLFSSL_EARLY_DATA_REJECTED);
	CHECK(!resumed);
	CHECK((ev & HS_TLS_EV_EARLY_REPLAY) &&
	      !(ev & HS_TLS_EV_EARLY_ACCEPTED));
	/* a fresh ClientHello behind a CCS is served from early data */
	status = -1;
	ev = 0;
	CHECK(early_conn(sess, false, &status, &ev, &resumed) > 0);
	CHECK(status == WOLFSSL_EARLY_DATA_ACCEPTED && resumed);
	g_early_ccs = false;
	printf("  replay behind a change_cipher_spec: early data rejected\n");
	/* and the ticket still works for a new ClientHello */
	CHECK(early_conn(sess, false, &status, &ev, &resumed) > 0);
	CHECK(status == WOLFSSL_EARLY_DATA_ACCEPTED && resumed);
	wolfSSL_SESSION_free(sess);
	g_pair_ctx = NULL;
	hs_tls_ctx_free(ctx);
}
#endif

/* ---- set-up ------------------------------------------------------- */

int
gen_cert(const char *root, char *dir, size_t dirlen, char *cert, char *key,
	 size_t len)
{
	char cmd[3 * PATH_MAX];

	snprintf(dir, dirlen, "/tmp/hs_tls_test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "bash '%s/scripts/gen-cert.sh' '%s' localhost", root, dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(cert, len, "%s/cert.pem", dir);
	snprintf(key, len, "%s/key.pem", dir);
	return 0;
}

/* The directory gen_cert() made, with whatever the tests wrote into it
 * (ticket key files ...). */
void
rm_dir(const char *dir, const char *cert, const char *key)
{
	char cmd[PATH_MAX + 32];

	unlink(cert);
	unlink(key);
	if (strncmp(dir, "/tmp/hs_tls_test.", 17) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

int
main(int argc, char **argv)
{
	struct hs_tls_config cfg;
	char err[512];
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s SOURCE_ROOT\n", argv[0]);
		return 2;
	}
	if (gen_cert(argv[1], g_dir, sizeof(g_dir), g_cert, g_key,
		     sizeof(g_cert)) != 0 ||
	    gen_cert(argv[1], g_dir2, sizeof(g_dir2), g_cert2, g_key2,
		     sizeof(g_cert2)) != 0) {
		fprintf(stderr, "cannot generate certificates\n");
		return 1;
	}
	snprintf(g_pki, sizeof(g_pki), "%s/pki", g_dir);
	{
		char cmd[3 * PATH_MAX];

		snprintf(cmd, sizeof(cmd),
			 "bash '%s/tests/tls/gen-pki.sh' '%s'", argv[1], g_pki);
		if (system(cmd) != 0) {
			fprintf(stderr, "cannot generate the test PKI\n");
			return 1;
		}
	}
	CHECK(hs_tls_global_init() == 0);
	printf("  %s\n", hs_tls_version_string());
	CHECK(strncmp(hs_tls_version_string(), "wolfSSL ", 8) == 0);

	cfg = (struct hs_tls_config){ .cert_file = g_cert, .key_file = g_key };
	rc = hs_tls_ctx_new(&g_ctx, &cfg, err, sizeof(err));
	CHECK(rc == 0);
	if (rc != 0) {
		fprintf(stderr, "ctx: %s\n", err);
		return 1;
	}

	test_tls13_handshake();
	test_tls13_p256_only();
	test_tls12_handshake();
	test_cbc_rejected();
	test_tls11_rejected();
	test_garbage();
	test_eof_mid_handshake();
	test_app_data();
	test_small_push();
	test_shutdown_during_write();
	test_key_update_blocked();
	test_one_byte_pull();
	test_close_notify();
	test_ctx_errors();
	test_sni();
	test_split_hello();
	test_hello_hold();
	test_chain();
	test_alpn();
	test_resumption();
	test_site_resumption();
	test_ticket_lifetime();
	test_site_errors();
	test_key_cert_match();
	test_site_policy();
#if defined(WOLFSSL_EARLY_DATA) && defined(OPENSSL_EXTRA)
	test_early_replay();
	test_half_rtt();
	test_half_rtt_mtls();
#endif

	hs_tls_ctx_free(g_ctx);
	hs_tls_global_fini();
	{
		char cmd[PATH_MAX + 32];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_pki);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", g_pki);
	}
	rm_dir(g_dir, g_cert, g_key);
	rm_dir(g_dir2, g_cert2, g_key2);
	return hs_check_summary("test_tls");
}
