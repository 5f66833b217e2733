/* SPDX-License-Identifier: BSD-3-Clause
 * test_tls.c - hs_tls server sessions against an in-memory wolfSSL client.
 *
 * Usage: test_tls SOURCE_ROOT   (scripts/gen-cert.sh makes the key pairs)
 *
 * The client is a plain wolfSSL client that trusts the generated
 * self-signed certificate and verifies it (name "localhost").  Client and
 * server are joined by two byte FIFOs; the server side's pull/push can be
 * throttled to model a TCP connection with little room or slow input.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfio.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hs_tls.h"

static int n_checks, n_fails;

#define CHECK(expr) do { n_checks++; if (!(expr)) { n_fails++; \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
		#expr); } } while (0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define REC_HANDSHAKE 22
#define REC_ALERT 21
#define ALERT_UNEXPECTED_MESSAGE 10
#define ALERT_HANDSHAKE_FAILURE 40
#define ALERT_PROTOCOL_VERSION 70

/* ---- byte FIFO ------------------------------------------------------ */

#define PIPE_CAP (1u << 20)
#define LOG_CAP 4096

struct pipe {
	uint8_t *buf;
	size_t head, len;
	bool eof;
	uint8_t log[LOG_CAP]; /* first bytes ever written, for record scans */
	size_t loglen;
};

static void pipe_init(struct pipe *p)
{
	memset(p, 0, sizeof(*p));
	p->buf = malloc(PIPE_CAP);
	if (p->buf == NULL)
		abort();
}

static void pipe_fini(struct pipe *p)
{
	free(p->buf);
	p->buf = NULL;
}

static size_t pipe_put(struct pipe *p, const uint8_t *d, size_t n)
{
	size_t i, room = PIPE_CAP - p->len;

	if (n > room)
		n = room;
	for (i = 0; i < n; i++)
		p->buf[(p->head + p->len + i) % PIPE_CAP] = d[i];
	p->len += n;
	for (i = 0; i < n && p->loglen < LOG_CAP; i++)
		p->log[p->loglen++] = d[i];
	return n;
}

static size_t pipe_get(struct pipe *p, uint8_t *d, size_t n)
{
	size_t i;

	if (n > p->len)
		n = p->len;
	for (i = 0; i < n; i++)
		d[i] = p->buf[(p->head + i) % PIPE_CAP];
	p->head = (p->head + n) % PIPE_CAP;
	p->len -= n;
	return n;
}

/* Find the first record of a content type in a pipe's log; returns its
 * offset or -1.  Records are walked by their length field. */
static long log_find_record(const struct pipe *p, uint8_t type)
{
	size_t off = 0;

	while (off + 5 <= p->loglen) {
		size_t rlen = ((size_t)p->log[off + 3] << 8) | p->log[off + 4];

		if (p->log[off] == type)
			return (long)off;
		off += 5 + rlen;
	}
	return -1;
}

/* ---- server transport (hs_tls pull/push) ---------------------------- */

struct srv_io {
	struct pipe *in, *out;
	size_t pull_max;     /* 0: unlimited */
	bool pull_alternate; /* every other pull reports "nothing now" */
	bool pull_toggle;
	bool push_throttle;  /* push takes at most push_credit, then 0 */
	size_t push_max, push_credit;
	int push_refused;
	int pull_refused;
};

static int srv_pull(void *io, uint8_t *buf, size_t len)
{
	struct srv_io *s = io;

	if (s->in->len == 0)
		return s->in->eof ? -EPIPE : 0;
	if (s->pull_alternate) {
		s->pull_toggle = !s->pull_toggle;
		if (s->pull_toggle) {
			s->pull_refused++;
			return 0;
		}
	}
	if (s->pull_max && len > s->pull_max)
		len = s->pull_max;
	return (int)pipe_get(s->in, buf, len);
}

static int srv_push(void *io, const uint8_t *buf, size_t len)
{
	struct srv_io *s = io;

	if (s->push_throttle) {
		if (s->push_credit == 0) {
			s->push_refused++;
			return 0;
		}
		if (len > s->push_credit)
			len = s->push_credit;
		s->push_credit -= len;
	}
	return (int)pipe_put(s->out, buf, len);
}

/* ---- client transport (wolfSSL callbacks) --------------------------- */

struct cli_io {
	struct pipe *in, *out;
};

static int cli_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct cli_io *c = ctx;
	size_t n;

	(void)ssl;
	n = pipe_get(c->in, (uint8_t *)buf, (size_t)sz);
	if (n == 0)
		return c->in->eof ? WOLFSSL_CBIO_ERR_CONN_CLOSE
				  : WOLFSSL_CBIO_ERR_WANT_READ;
	return (int)n;
}

static int cli_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct cli_io *c = ctx;
	size_t n;

	(void)ssl;
	n = pipe_put(c->out, (const uint8_t *)buf, (size_t)sz);
	return n == 0 ? WOLFSSL_CBIO_ERR_WANT_WRITE : (int)n;
}

/* ---- a client/server pair ------------------------------------------- */

static char g_dir[PATH_MAX], g_dir2[PATH_MAX];
static char g_cert[PATH_MAX + 16], g_key[PATH_MAX + 16];
static char g_cert2[PATH_MAX + 16], g_key2[PATH_MAX + 16];
static struct hs_tls_ctx *g_ctx;

struct pair {
	struct pipe c2s, s2c;
	struct srv_io sio;
	struct cli_io cio;
	WOLFSSL_CTX *cctx;
	WOLFSSL *cli;
	struct hs_tls_sess *srv;
	int srv_rc;   /* last hs_tls_handshake result */
	int cli_err;  /* wolfSSL error of a failed client connect, or 0 */
	bool cli_done;
};

static int pair_init(struct pair *p, WOLFSSL_METHOD *method,
		     const char *ciphers)
{
	memset(p, 0, sizeof(*p));
	pipe_init(&p->c2s);
	pipe_init(&p->s2c);
	p->sio.in = &p->c2s;
	p->sio.out = &p->s2c;
	p->cio.in = &p->s2c;
	p->cio.out = &p->c2s;
	p->srv_rc = -EAGAIN;
	p->cctx = wolfSSL_CTX_new(method);
	if (p->cctx == NULL)
		return -1;
	if (wolfSSL_CTX_load_verify_locations(p->cctx, g_cert, NULL) !=
	    WOLFSSL_SUCCESS)
		return -1;
	wolfSSL_CTX_set_verify(p->cctx, WOLFSSL_VERIFY_PEER, NULL);
	if (ciphers != NULL &&
	    wolfSSL_CTX_set_cipher_list(p->cctx, ciphers) != WOLFSSL_SUCCESS)
		return -1;
	wolfSSL_CTX_SetIORecv(p->cctx, cli_recv);
	wolfSSL_CTX_SetIOSend(p->cctx, cli_send);
	p->cli = wolfSSL_new(p->cctx);
	if (p->cli == NULL)
		return -1;
	wolfSSL_SetIOReadCtx(p->cli, &p->cio);
	wolfSSL_SetIOWriteCtx(p->cli, &p->cio);
	if (wolfSSL_check_domain_name(p->cli, "localhost") != WOLFSSL_SUCCESS)
		return -1;
	p->srv = hs_tls_sess_new(g_ctx, srv_pull, srv_push, &p->sio);
	return p->srv != NULL ? 0 : -1;
}

static void pair_fini(struct pair *p)
{
	hs_tls_sess_free(p->srv);
	wolfSSL_free(p->cli);
	wolfSSL_CTX_free(p->cctx);
	pipe_fini(&p->c2s);
	pipe_fini(&p->s2c);
}

static void client_step(struct pair *p)
{
	int r, e;

	if (p->cli_done || p->cli_err)
		return;
	r = wolfSSL_connect(p->cli);
	if (r == WOLFSSL_SUCCESS) {
		p->cli_done = true;
		return;
	}
	e = wolfSSL_get_error(p->cli, r);
	if (e != WOLFSSL_ERROR_WANT_READ && e != WOLFSSL_ERROR_WANT_WRITE)
		p->cli_err = e != 0 ? e : -1;
}

/* Run both handshakes until each side is done or failed (or nothing moves
 * for a long while).  Throttled push credit is refilled every round. */
static void pump_handshake(struct pair *p)
{
	int round;

	for (round = 0; round < 100000; round++) {
		p->sio.push_credit = p->sio.push_max;
		client_step(p);
		if (p->srv_rc == -EAGAIN)
			p->srv_rc = hs_tls_handshake(p->srv);
		if (p->srv_rc != -EAGAIN && (p->cli_done || p->cli_err) &&
		    p->s2c.len == 0)
			break;
		if (p->srv_rc != -EAGAIN && p->srv_rc != 0 && round > 100)
			break;
	}
}

static bool pair_connect(struct pair *p, WOLFSSL_METHOD *method,
			 const char *ciphers)
{
	if (pair_init(p, method, ciphers) != 0)
		return false;
	pump_handshake(p);
	return p->srv_rc == 0 && p->cli_done;
}

/* Read exactly len bytes at the client (server output is all buffered). */
static bool client_read_all(struct pair *p, uint8_t *buf, size_t len)
{
	size_t got = 0;
	int tries = 0;

	while (got < len && tries++ < 100000) {
		int r = wolfSSL_read(p->cli, buf + got, (int)(len - got));

		if (r > 0)
			got += (size_t)r;
		else if (wolfSSL_get_error(p->cli, r) != WOLFSSL_ERROR_WANT_READ)
			return false;
	}
	return got == len;
}

static bool server_read_all(struct pair *p, uint8_t *buf, size_t len)
{
	size_t got = 0;
	int tries = 0;

	while (got < len && tries++ < 1000000) {
		int r = hs_tls_read(p->srv, buf + got, len - got);

		if (r > 0)
			got += (size_t)r;
		else if (r != -EAGAIN)
			return false;
	}
	return got == len;
}

static void fill_pattern(uint8_t *b, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
}

/* ---- tests ---------------------------------------------------------- */

static void test_tls13_handshake(void)
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
	CHECK(strcmp(hs_tls_cipher(p.srv),
		     "TLS_CHACHA20_POLY1305_SHA256") == 0);
	pair_fini(&p);
}

static void test_tls13_p256_only(void)
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

static void test_tls12_handshake(void)
{
	struct pair p;

	CHECK(pair_connect(&p, wolfTLSv1_2_client_method(),
			   "ECDHE-ECDSA-AES128-GCM-SHA256"));
	CHECK(strcmp(hs_tls_version(p.srv), "TLSv1.2") == 0);
	CHECK(strcmp(hs_tls_cipher(p.srv),
		     "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256") == 0);
	pair_fini(&p);
}

static void check_alert(const struct pair *p, int desc)
{
	long off = log_find_record(&p->s2c, REC_ALERT);

	CHECK(off >= 0);
	if (off < 0)
		return;
	CHECK(p->s2c.log[off + 5] == 2 /* fatal */);
	if (desc >= 0)
		CHECK(p->s2c.log[off + 6] == desc);
}

static void test_cbc_rejected(void)
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
	CHECK(hs_tls_read(p.srv, (uint8_t[8]){0}, 8) == -EPROTO);
	pair_fini(&p);
}

/* A TLS 1.1 ClientHello (RFC 4346 §7.4.1.2), crafted by hand because the
 * tuned wolfSSL has no TLS 1.1 code: legacy version 3,2, ECDHE suites. */
static void test_tls11_rejected(void)
{
	static const uint8_t hello[] = {
		0x16, 0x03, 0x01, 0x00, 0x3d,             /* record */
		0x01, 0x00, 0x00, 0x39,                   /* ClientHello */
		0x03, 0x02,                               /* TLS 1.1 */
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
		0x00,                                     /* session id */
		0x00, 0x04, 0xc0, 0x09, 0xc0, 0x13,       /* suites */
		0x01, 0x00,                               /* null compr. */
		0x00, 0x0e,                               /* extensions */
		0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, /* groups */
		0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,       /* point formats */
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

static void test_garbage(void)
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

static void test_eof_mid_handshake(void)
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

static void test_app_data(void)
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
static void test_small_push(void)
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
static void test_shutdown_during_write(void)
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
static void test_key_update_blocked(void)
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
	CHECK(p.s2c.len == 0);            /* the answer is still held */
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
static void test_one_byte_pull(void)
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

static void test_close_notify(void)
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

static bool contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static void test_ctx_errors(void)
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

	cfg = (struct hs_tls_config){ .cert_file = missing,
				      .key_file = g_key };
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

	cfg = (struct hs_tls_config){ .cert_file = garbage,
				      .key_file = g_key };
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

	cfg = (struct hs_tls_config){ .cert_file = g_cert,
				      .key_file = g_key2 };
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

/* ---- set-up ------------------------------------------------------- */

static int gen_cert(const char *root, char *dir, size_t dirlen,
		    char *cert, char *key, size_t len)
{
	char cmd[3 * PATH_MAX];

	snprintf(dir, dirlen, "/tmp/hs_tls_test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "bash '%s/scripts/gen-cert.sh' '%s' localhost",
		 root, dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(cert, len, "%s/cert.pem", dir);
	snprintf(key, len, "%s/key.pem", dir);
	return 0;
}

static void rm_dir(const char *dir, const char *cert, const char *key)
{
	unlink(cert);
	unlink(key);
	rmdir(dir);
}

int main(int argc, char **argv)
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

	hs_tls_ctx_free(g_ctx);
	hs_tls_global_fini();
	rm_dir(g_dir, g_cert, g_key);
	rm_dir(g_dir2, g_cert2, g_key2);
	printf("test_tls: %d checks, %d failed\n", n_checks, n_fails);
	return n_fails ? 1 : 0;
}
