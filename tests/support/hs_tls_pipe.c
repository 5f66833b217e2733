/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_pipe.c - a TLS client/server pair over memory pipes for the unit
 * tests (hs_tls_pipe.h): a wolfSSL client against an hs_tls session.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfio.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hs_tls_pipe.h"

/* ---- byte FIFO ------------------------------------------------------ */

void
pipe_init(struct pipe *p)
{
	memset(p, 0, sizeof(*p));
	p->buf = malloc(PIPE_CAP);
	if (p->buf == NULL)
		abort();
}

void
pipe_fini(struct pipe *p)
{
	free(p->buf);
	p->buf = NULL;
}

size_t
pipe_put(struct pipe *p, const uint8_t *d, size_t n)
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

size_t
pipe_get(struct pipe *p, uint8_t *d, size_t n)
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
long
log_find_record(const struct pipe *p, uint8_t type)
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

int
srv_pull(void *io, uint8_t *buf, size_t len)
{
	struct srv_io *s = io;

	s->pulls++;
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

int
srv_peek(void *io, size_t len, struct hs_tls_iov *v, int max)
{
	struct srv_io *s = io;
	size_t off = 0;
	int n = 0;

	if (s->in->len < len)
		return s->in->eof ? -EPIPE : 0;
	while (off < len) {
		size_t at = (s->in->head + off) % PIPE_CAP;
		size_t k = len - off;

		if (k > PIPE_CAP - at) /* the ring wraps */
			k = PIPE_CAP - at;
		if (s->peek_piece && k > s->peek_piece)
			k = s->peek_piece;
		if (n == max)
			return -E2BIG;
		v[n].base = s->in->buf + at;
		v[n].len = k;
		n++;
		off += k;
	}
	s->peeks++;
	return n;
}

void
srv_drop(void *io, size_t len)
{
	struct srv_io *s = io;

	if (len > s->in->len)
		len = s->in->len;
	s->in->head = (s->in->head + len) % PIPE_CAP;
	s->in->len -= len;
}

void
pair_use_views(struct pair *p, size_t piece)
{
	p->sio.peek_piece = piece;
	hs_tls_sess_set_views(p->srv, srv_peek, srv_drop);
}

int
srv_push(void *io, const uint8_t *buf, size_t len)
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

/* Room for one record: one heap block, the pieces seg_len bytes each with
 * a 16-byte gap between them (the record is not contiguous, as in an mbuf
 * chain). */
#define SRV_REC_GAP 16
static int
srv_rec_get(void *io, size_t hl, size_t len, size_t tl,
	    struct hs_tls_rec_out *r)
{
	struct srv_io *s = io;
	size_t seg = s->seg_len ? s->seg_len : 2048, off = 0;
	uint8_t *b, *d;
	int n = 0;

	if (s->push_throttle && s->push_credit < hl + len + tl) {
		s->rec_refused++;
		return -EAGAIN;
	}
	b = malloc(hl + tl + len + (len / seg + 2) * SRV_REC_GAP);
	if (b == NULL)
		return -EAGAIN;
	r->hdr = b;
	d = b + hl;
	do {
		size_t k = len - off < seg ? len - off : seg;

		if (n == HS_TLS_REC_OUT_SEGS) {
			free(b);
			return -EAGAIN;
		}
		r->v[n].base = d;
		r->v[n++].len = k;
		off += k;
		d += k + (off < len ? SRV_REC_GAP : 0);
	} while (off < len);
	r->tail = d;
	r->n = n;
	r->priv = b;
	s->rec_tail = tl;
	return 0;
}

static int
srv_rec_put(void *io, struct hs_tls_rec_out *r, bool commit)
{
	struct srv_io *s = io;
	size_t total = 0;
	int i;

	if (commit) {
		for (i = 0; i < r->n; i++)
			total += r->v[i].len;
		pipe_put(s->out, r->hdr, (size_t)(r->v[0].base - r->hdr));
		for (i = 0; i < r->n; i++)
			pipe_put(s->out, r->v[i].base, r->v[i].len);
		pipe_put(s->out, r->tail, s->rec_tail);
		total += (size_t)(r->v[0].base - r->hdr) + s->rec_tail;
		if (s->push_throttle)
			s->push_credit -=
				total < s->push_credit ? total : s->push_credit;
		if (r->n > s->rec_pieces_max)
			s->rec_pieces_max = r->n;
		s->rec_count++;
	}
	free(r->priv);
	r->priv = NULL;
	return 0;
}

const struct hs_tls_rec_out_ops srv_rec_ops = {
	.get = srv_rec_get,
	.put = srv_rec_put,
};

/* ---- client transport (wolfSSL callbacks) --------------------------- */

int
cli_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
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

int
cli_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct cli_io *c = ctx;
	size_t n;

	(void)ssl;
	n = pipe_put(c->out, (const uint8_t *)buf, (size_t)sz);
	return n == 0 ? WOLFSSL_CBIO_ERR_WANT_WRITE : (int)n;
}

/* ---- a client/server pair ------------------------------------------- */

int
pair_init_ctx(struct pair *p, struct hs_tls_ctx *ctx, const char *ca_file,
	      WOLFSSL_METHOD *method, const char *ciphers)
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
	if (wolfSSL_CTX_load_verify_locations(p->cctx, ca_file, NULL) !=
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
	p->srv = hs_tls_sess_new(ctx, srv_pull, srv_push, &p->sio);
	if (p->srv == NULL)
		return -1;
	hs_tls_sess_set_rec_out(p->srv, &srv_rec_ops);
	return 0;
}

void
pair_fini(struct pair *p)
{
	hs_tls_sess_free(p->srv);
	wolfSSL_free(p->cli);
	wolfSSL_CTX_free(p->cctx);
	pipe_fini(&p->c2s);
	pipe_fini(&p->s2c);
}

void
client_step(struct pair *p)
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
void
pump_handshake(struct pair *p)
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

/* Read exactly len bytes at the client (server output is all buffered). */
bool
client_read_all(struct pair *p, uint8_t *buf, size_t len)
{
	size_t got = 0;
	int tries = 0;

	while (got < len && tries++ < 100000) {
		int r = wolfSSL_read(p->cli, buf + got, (int)(len - got));

		if (r > 0)
			got += (size_t)r;
		else if (wolfSSL_get_error(p->cli, r) !=
			 WOLFSSL_ERROR_WANT_READ)
			return false;
	}
	return got == len;
}

bool
server_read_all(struct pair *p, uint8_t *buf, size_t len)
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

void
fill_pattern(uint8_t *b, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
}
