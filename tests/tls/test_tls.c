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
#include "hs_tls_hello.h"

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
#define ALERT_UNRECOGNIZED_NAME 112
#define ALERT_ILLEGAL_PARAMETER 47
#define ALERT_NO_APPLICATION_PROTOCOL 120

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
static struct hs_tls_ctx *g_pair_ctx;   /* server ctx of new pairs, or g_ctx */
static char g_pki[PATH_MAX + 8];            /* tests/tls/gen-pki.sh output */

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
	p->srv = hs_tls_sess_new(g_pair_ctx != NULL ? g_pair_ctx : g_ctx,
				 srv_pull, srv_push, &p->sio);
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


/* ---- SNI, ALPN, resumption ------------------------------------------ */

static void pki_path(char *out, size_t len, const char *site, const char *f)
{
	snprintf(out, len, "%s/%s/%s", g_pki, site, f);
}

/* Common name of the certificate the client received ("" if none). */
static void peer_cn(struct pair *p, char *cn, size_t len)
{
	WOLFSSL_X509 *x = wolfSSL_get_peer_certificate(p->cli);

	cn[0] = '\0';
	if (x == NULL)
		return;
	if (wolfSSL_X509_NAME_get_text_by_NID(wolfSSL_X509_get_subject_name(x),
					      NID_commonName, cn, (int)len) <= 0)
		cn[0] = '\0';
	wolfSSL_X509_free(x);
}

/* Connect with SNI name (NULL: none), no verification; the client's view
 * of the server certificate's CN goes to cn.  Returns handshake success. */
static bool sni_connect(struct pair *p, WOLFSSL_METHOD *method,
			const char *name, char *cn, size_t cnlen)
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

static struct hs_tls_ctx *sites_ctx(bool strict, char *err, size_t errlen)
{
	static char c[3][PATH_MAX + 32], k[3][PATH_MAX + 32];
	struct hs_tls_site sites[3] = {
		{ .name = "www.example.com" }, { .name = "*.wild.test" },
		{ .name = "rsa.test" },
	};
	const char *dirs[3] = { "www", "wild", "rsa" };
	struct hs_tls_config cfg = { .cert_file = g_cert, .key_file = g_key,
				     .sites = sites, .nb_sites = 3,
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

static void test_sni(void)
{
	static const struct { const char *sni, *cn; } cases[] = {
		{ "www.example.com", "www.example.com" },
		{ "WWW.Example.COM", "www.example.com" },   /* case-insensitive */
		{ "a.wild.test", "*.wild.test" },
		{ "a.b.wild.test", "localhost" },   /* one label only: default */
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
			CHECK(strcmp(hs_tls_server_name(p.srv), cases[i].sni) == 0);
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
	CHECK(sni_connect(&p, wolfSSLv23_client_method(), NULL, cn, sizeof(cn)));
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
static size_t split_hello(struct pair *p, const char *name, uint8_t *msg,
			  size_t cap)
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
static void split_put(struct pair *p, const uint8_t *msg, size_t len,
		      const size_t *cut, size_t ncut, bool ccs)
{
	size_t from = 0;

	if (ccs)
		pipe_put(&p->c2s, (const uint8_t *)"\x14\x03\x03\x00\x01\x01", 6);
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
static int split_step(struct pair *p)
{
	int rc = -EAGAIN;

	for (int i = 0; i < 4 && rc == -EAGAIN; i++)
		rc = hs_tls_handshake(p->srv);
	return rc;
}

/* Where the host name sits in msg (its first byte), or 0. */
static size_t find_name(const uint8_t *msg, size_t len, const char *name)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i + nl <= len; i++)
		if (memcmp(msg + i, name, nl) == 0)
			return i;
	return 0;
}

static bool split_name_is(struct pair *p, const char *name)
{
	const char *got = hs_tls_server_name(p->srv);

	return got != NULL && strcmp(got, name) == 0;
}

static void test_split_hello(void)
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
				fprintf(stderr, "  cut %zu: rc %d name %s\n", c, rc,
					hs_tls_server_name(p.srv) ?
					hs_tls_server_name(p.srv) : "-");
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
			if (split_hello(&p, "www.example.com", m, sizeof(m)) != len) {
				bad3++;
				pair_fini(&p);
				continue;
			}
			split_put(&p, m, len, cut, 2, false);
			rc = split_step(&p);
			if (c < 4 && rc == -EPROTO)
				rc = -EAGAIN;   /* as above */
			if (rc != -EAGAIN || !split_name_is(&p, "www.example.com"))
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
		if (rc != -EPROTO || log_find_record(&p.s2c, REC_HANDSHAKE) >= 0)
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
static void test_hello_hold(void)
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
			cut[i] = 4 + i;   /* the header whole (wolfSSL) */
		split_put(&p, msg, len, cut, n, false);
		rc = split_step(&p);
		if (extra == 0) {
			CHECK(rc == -EAGAIN && split_name_is(&p, "localhost"));
			CHECK(!(hs_tls_events(p.srv) & HS_TLS_EV_HELLO_TOO_BIG));
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
		static const struct { const char *pre; size_t n; int alert; }
		cases[] = {
			{ "\x14\x03\x03\x00\x01\x01\x14\x03\x03\x00\x01\x01", 12, 10 },
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
			pipe_put(&p.c2s, (const uint8_t *)cases[i].pre, cases[i].n);
			split_put(&p, msg, len, NULL, 0, false);
			CHECK(split_step(&p) == -EPROTO);
			check_alert(&p, cases[i].alert);
			CHECK(log_find_record(&p.s2c, REC_HANDSHAKE) < 0);
			pair_fini(&p);
		}
		len = split_hello(&p, "localhost", msg, sizeof(msg));
		cut[0] = 20;
		split_put(&p, msg, 20, NULL, 0, false);
		pipe_put(&p.c2s, (const uint8_t *)"\x14\x03\x03\x00\x01\x01", 6);
		split_put(&p, msg + 20, len - 20, NULL, 0, false);
		CHECK(split_step(&p) == -EPROTO);
		check_alert(&p, 10);
		pair_fini(&p);
	}
}

/* A leaf signed by an intermediate: the client trusts only the root, so
 * the handshake works only if the server sends the whole chain. */
static void test_chain(void)
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
		CHECK(pair_init(&p, v ? wolfTLSv1_2_client_method()
				      : wolfTLSv1_3_client_method(), NULL) == 0);
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

static void test_alpn(void)
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
		CHECK(pair_init(&p, v ? wolfTLSv1_2_client_method()
				      : wolfSSLv23_client_method(), NULL) == 0);
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
static WOLFSSL_SESSION *get_session(WOLFSSL_METHOD *method, bool ticket12,
				    bool *reused)
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
static int resume(WOLFSSL_METHOD *method, WOLFSSL_SESSION *sess,
		  bool ticket12)
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

static char g_tk[PATH_MAX + 32];

static void write_keys(const char *content)
{
	FILE *f = fopen(g_tk, "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs(content, f);
	fclose(f);
}

#define KEY_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
#define KEY_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n"

static void test_resumption(void)
{
	struct hs_tls_config cfg;
	struct hs_tls_ctx *ctx = NULL, *ctx2 = NULL;
	WOLFSSL_SESSION *s13, *s12t, *s12c;
	char err[512];
	bool reused;

	snprintf(g_tk, sizeof(g_tk), "%s/ticket.keys", g_dir);
	write_keys("# ticket keys: first encrypts\n\n" KEY_A);
	cfg = (struct hs_tls_config){ .cert_file = g_cert, .key_file = g_key,
				      .ticket_key_file = g_tk };
	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) == 0);
	if (ctx == NULL) {
		fprintf(stderr, "ticket ctx: %s\n", err);
		return;
	}
	g_pair_ctx = ctx;

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
		static const struct { const char *content, *msg; } bad[] = {
			{ "", "holds no key" },
			{ "# only a comment\n", "holds no key" },
			{ "0011\n", "line 1: expected 64 hex digits" },
			{ "# c\n" "zz112233445566778899aabbccddeeff"
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
			CHECK(hs_tls_reload_ticket_keys(ctx, g_tk, err,
							sizeof(err)) == -EINVAL);
			CHECK(contains(err, "line 1: NUL byte"));
		}
		unlink(g_tk);
		CHECK(hs_tls_reload_ticket_keys(ctx, g_tk, err, sizeof(err)) ==
		      -EIO);
		CHECK(contains(err, "No such file"));
		CHECK(resume(wolfTLSv1_3_client_method(), sb, false) == 1);
		/* NULL: a fresh random key; old tickets no longer open */
		CHECK(hs_tls_reload_ticket_keys(ctx, NULL, err, sizeof(err)) == 0);
		CHECK(resume(wolfTLSv1_3_client_method(), sb, false) == 0);
		wolfSSL_SESSION_free(sb);
	}
	g_pair_ctx = NULL;
	hs_tls_ctx_free(ctx);

	/* cache off: a TLS 1.2 client without tickets does a full handshake */
	cfg = (struct hs_tls_config){ .cert_file = g_cert, .key_file = g_key,
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
}

/* A client (no verification) that offers SNI name (NULL: none) and, if
 * sess is not NULL, that session; ticket12 turns TLS 1.2 tickets on.  A
 * completed handshake leaves the server certificate's CN in cn. */
static bool site_pair(struct pair *p, WOLFSSL_METHOD *method, const char *name,
		      WOLFSSL_SESSION *sess, bool ticket12, char *cn,
		      size_t cnlen)
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
static WOLFSSL_SESSION *site_session(WOLFSSL_METHOD *method, const char *name,
				     bool ticket12)
{
	WOLFSSL_SESSION *sess = NULL;
	uint8_t buf[16];
	char cn[256];
	struct pair p;

	if (site_pair(&p, method, name, NULL, ticket12, cn, sizeof(cn))) {
		CHECK(!hs_tls_session_reused(p.srv));
		(void)wolfSSL_read(p.cli, buf, sizeof(buf)); /* TLS 1.3 ticket */
		sess = wolfSSL_get1_session(p.cli);
	}
	pair_fini(&p);
	return sess;
}

/* Whether the server sent a plaintext (TLS 1.2) Certificate message. */
static bool log_has_certificate(const struct pipe *p)
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
static int site_resume(WOLFSSL_METHOD *method, const char *name,
		       WOLFSSL_SESSION *sess, bool ticket12, char *cn,
		       size_t cnlen, unsigned int *events)
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
		r = -2;          /* see above: full handshake, client gave up */
		if (events != NULL)
			*events = HS_TLS_EV_RESUME_REFUSED;
		snprintf(cn, cnlen, "(not verified)");
	}
	pair_fini(&p);
	return r;
}

/* A refused resumption: a full handshake serving want_cn. */
static void expect_full(int r, bool ticket12, const char *cn,
			const char *want_cn)
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
static void test_site_resumption(void)
{
	static const struct { WOLFSSL_METHOD *(*method)(void); bool t12;
			      const char *what; } kinds[] = {
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
		wa = site_session(kinds[k].method(), "a.wild.test", kinds[k].t12);
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
		r = site_resume(m, NULL, www, kinds[k].t12, cn, sizeof(cn), NULL);
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
		      hs_tls_reload_ticket_keys(ctx2, g_tk, err,
						sizeof(err)) == 0);
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

/* --ticket-lifetime: the hint in NewSessionTicket; tickets and cached
 * sessions older than the lifetime get a full handshake.  The sessions
 * come from a server with the default lifetime (so the client still
 * offers them) and are offered to one with a 2 s lifetime sharing the
 * ticket keys (a reload that shortened it). */
static void test_ticket_lifetime(void)
{
	static const struct { WOLFSSL_METHOD *(*method)(void); bool t12; }
		kinds[] = { { wolfTLSv1_3_client_method, false },
			    { wolfTLSv1_2_client_method, true },
			    { wolfTLSv1_2_client_method, false } };
	struct hs_tls_config cfg;
	struct hs_tls_ctx *ctx = NULL, *shrt = NULL;
	WOLFSSL_SESSION *sess[3], *s2;
	char err[512], cn[256];
	unsigned int ev;

	snprintf(g_tk, sizeof(g_tk), "%s/ticket.keys", g_dir);
	write_keys(KEY_A);
	cfg = (struct hs_tls_config){ .cert_file = g_cert, .key_file = g_key,
				      .ticket_key_file = g_tk,
				      .ticket_lifetime = HS_TLS_TICKET_LIFETIME_MAX + 1 };
	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) == -EINVAL);
	CHECK(ctx == NULL && contains(err, "604800"));
	printf("  bad lifetime: %s\n", err);
	cfg.ticket_lifetime = 0;                       /* the default */
	CHECK(hs_tls_ctx_new(&ctx, &cfg, err, sizeof(err)) == 0);
	cfg.ticket_lifetime = 2;
	CHECK(hs_tls_ctx_new(&shrt, &cfg, err, sizeof(err)) == 0);
	if (ctx == NULL || shrt == NULL) {
		hs_tls_ctx_free(ctx);
		hs_tls_ctx_free(shrt);
		return;
	}
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
	sleep(3);
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
	g_pair_ctx = NULL;
	hs_tls_ctx_free(ctx);
	hs_tls_ctx_free(shrt);
}

static void test_site_errors(void)
{
	char c[PATH_MAX + 32], k[PATH_MAX + 32], err[512];
	struct hs_tls_site site;
	struct hs_tls_config cfg = { .cert_file = g_cert, .key_file = g_key,
				     .sites = &site, .nb_sites = 1 };
	struct hs_tls_ctx *ctx = NULL;
	static const char *bad_names[] = { "", "a..b", "*.", "*x.test",
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
static void test_site_policy(void)
{
	char c[PATH_MAX + 32], k[PATH_MAX + 32], ca[PATH_MAX + 32];
	char err[512], cn[256];
	struct hs_tls_site site;
	struct hs_tls_config cfg = { .cert_file = g_cert, .key_file = g_key,
				     .sites = &site, .nb_sites = 1 };
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
	for (int round = 0; round < 1000 && !hs_tls_handshake_done(p.srv) &&
	     p.cli_err == 0; round++) {
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

#if defined(WOLFSSL_EARLY_DATA) && defined(OPENSSL_EXTRA)
/* Drive a pair whose server has early data on: reads drive the server's
 * handshake; what the server reads goes to got (early: *early_bytes). */
static void early_pump(struct pair *p, uint8_t *got, size_t cap, size_t *n,
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
		if (hs_tls_handshake_done(p->srv) && (p->cli_done || p->cli_err))
			break;
	}
}

/* A TLS 1.3 session from ctx with early data allowed (caller frees). */
static WOLFSSL_SESSION *early_session(void)
{
	WOLFSSL_SESSION *sess = NULL;
	uint8_t got[64], buf[16];
	size_t n = 0, e = 0;
	struct pair p;

	if (pair_init(&p, wolfTLSv1_3_client_method(), NULL) == 0) {
		wolfSSL_set_verify(p.cli, WOLFSSL_VERIFY_NONE, NULL);
		early_pump(&p, got, sizeof(got), &n, &e);
		if (hs_tls_handshake_done(p.srv) && p.cli_done) {
			(void)wolfSSL_read(p.cli, buf, sizeof(buf)); /* ticket */
			sess = wolfSSL_get1_session(p.cli);
		}
	}
	pair_fini(&p);
	return sess;
}

static bool g_early_ccs;   /* early_conn: a CCS before the flight */

/* Resume sess sending req as early data.  With prerecord the client's
 * first flight is shown to the anti-replay record first, so the server
 * sees it as a replay.  The request is sent again after the handshake
 * when the client learns its early data was rejected; the server
 * answers "ok".  Returns the early bytes the server read, -1 on failure;
 * *status: the client's early data status, *ev: the server's events. */
static long early_conn(WOLFSSL_SESSION *sess, bool prerecord, int *status,
		       unsigned int *ev, bool *resumed)
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
	    (int)sizeof(req) - 1 || w != (int)sizeof(req) - 1)
		goto out;
	if (prerecord) {
		struct hs_tls_early_sniff sn;
		uint8_t flight[4096];
		size_t fl = p.c2s.len < sizeof(flight) ? p.c2s.len : sizeof(flight);

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

		CHECK(pipe_put(&p.c2s, (const uint8_t *)"\x14\x03\x03\x00\x01\x01",
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
#define HALF_RTT 1      /* our patched wolfSSL: 0.5-RTT data */
#else
#define HALF_RTT 0
#endif

/* RFC 8446 §2.3 / §4.4.4: the answer to a 0-RTT request is sent right
 * after the server's Finished (0.5-RTT data), before the client's
 * Finished arrives; the handshake then completes (the client gets a new
 * ticket, which gives 0-RTT again) and the connection carries on.  With
 * Debian's wolfSSL the write waits (-EAGAIN) for the client's Finished. */
static void test_half_rtt(void)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char rsp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	struct hs_tls_config cfg = { .cert_file = g_cert, .key_file = g_key,
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
	if (sess == NULL || pair_init(&p, wolfTLSv1_3_client_method(), NULL) != 0)
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
	CHECK(p.c2s.len == 0);         /* nothing from the client since */
	r = hs_tls_write(p.srv, rsp, sizeof(rsp) - 1);
	if (!HALF_RTT) {
		CHECK(r == -EAGAIN);   /* waits for the client's Finished */
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
	CHECK(wolfSSL_get_early_data_status(p.cli) == WOLFSSL_EARLY_DATA_ACCEPTED);
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
	printf("  0-RTT request answered 0.5-RTT, before the client's Finished\n");
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
static void test_half_rtt_mtls(void)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	char ca[PATH_MAX + 32], err[512];
	struct hs_tls_config cfg = { .cert_file = g_cert, .key_file = g_key,
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
	if (sess == NULL || pair_init(&p, wolfTLSv1_3_client_method(), NULL) != 0)
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
	CHECK(n == sizeof(req) - 1);   /* early data read, as before */
	CHECK(hs_tls_write(p.srv, "secret", 6) == -EAGAIN);   /* held */
	for (int i = 0; i < 10 && !p.cli_done && !p.cli_err; i++)
		client_step(&p);
	r = -EAGAIN;
	for (int i = 0; i < 100 && r == -EAGAIN; i++)
		r = hs_tls_read(p.srv, got, sizeof(got));
	CHECK(r < 0 && r != -EAGAIN);  /* resumed without a certificate */
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
static void test_early_replay(void)
{
	struct hs_tls_config cfg = { .cert_file = g_cert, .key_file = g_key,
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
	CHECK((ev & HS_TLS_EV_EARLY_REPLAY) && !(ev & HS_TLS_EV_EARLY_ACCEPTED));
	printf("  replayed ClientHello: early data rejected, 1-RTT, answered\n");
	/* the same with a change_cipher_spec record in front (wolfSSL skips
	 * one before the ClientHello): still a replay */
	status = -1;
	ev = 0;
	g_early_ccs = true;
	CHECK(early_conn(sess, true, &status, &ev, &resumed) == 0);
	CHECK(status == WOLFSSL_EARLY_DATA_REJECTED);
	CHECK(!resumed);
	CHECK((ev & HS_TLS_EV_EARLY_REPLAY) && !(ev & HS_TLS_EV_EARLY_ACCEPTED));
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
	snprintf(g_pki, sizeof(g_pki), "%s/pki", g_dir);
	{
		char cmd[3 * PATH_MAX];

		snprintf(cmd, sizeof(cmd), "bash '%s/tests/tls/gen-pki.sh' '%s'",
			 argv[1], g_pki);
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
	printf("test_tls: %d checks, %d failed\n", n_checks, n_fails);
	return n_fails ? 1 : 0;
}
