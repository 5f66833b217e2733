/* SPDX-License-Identifier: BSD-3-Clause
 * hs_transport.c - set-up, handshake and tear-down of the byte stream
 * under an HTTP connection (hs_transport.h); the per-call reads and
 * writes are the header's inlines.  The TLS session's pull/push
 * callbacks move ciphertext between wolfSSL and the TCP queues.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "hs_lcore.h"
#include "hs_tcp.h"
#include "hs_tls.h"
#include "hs_transport.h"

/* pull: ciphertext from the TCP receive queue; -EPIPE at the peer's FIN
 * once it is empty. */
static int
tp_pull(void *io, uint8_t *buf, size_t len)
{
	struct hs_transport *t = io;
	size_t n = hs_tcp_recv(t->tcp, buf, len);

	if (n > 0) {
		t->rx_seen = true;
		return (int)n;
	}
	return hs_tcp_peer_closed(t->tcp) ? -EPIPE : 0;
}

/* push: ciphertext into the TCP send queue; 0 (no room, wolfSSL keeps the
 * record and is called again from writable()) when mbufs or the memory
 * budget refuse it. */
static int
tp_push(void *io, const uint8_t *buf, size_t len)
{
	struct hs_transport *t = io;
	int rc = hs_tcp_send(t->tcp, buf, len);

	if (rc == -ENOBUFS)
		return 0;
	return rc;
}

/* peek/drop: our record layer opens records where they lie, in the TCP
 * receive queue's mbufs (hs_tcp_recv_peek). */
static int
tp_peek(void *io, size_t len, struct hs_tls_iov *v, int max)
{
	struct hs_transport *t = io;
	struct iovec iv[64];
	int n = hs_tcp_recv_peek(t->tcp, len, iv, RTE_MIN(max, 64));

	for (int i = 0; i < n; i++) {
		v[i].base = iv[i].iov_base;
		v[i].len = iv[i].iov_len;
	}
	return n;
}

static void
tp_drop(void *io, size_t len)
{
	struct hs_transport *t = io;

	hs_tcp_recv_drop(t->tcp, len);
}

struct rte_mempool *hs_tp_rec_pool;

/* Room for one of our own TLS records (hs_tls.h, zero-copy sending): an
 * mbuf chain, header room at the front of the first segment, the
 * plaintext's places over the segments, tail room at the end of the last;
 * the session encrypts the HTTP output (a file cache entry, the header
 * buffer) straight into it and the chain joins the send queue as is. */
static int
tp_rec_get(void *io, size_t hl, size_t len, size_t tl, struct hs_tls_rec_out *r)
{
	struct hs_transport *t = io;
	struct hs_lcore *lc = hs_tcp_lcore_of(t->tcp);
	struct rte_mempool *pool = hs_lcore_pool(lc);
	struct rte_mbuf *ms[HS_TLS_REC_OUT_SEGS];
	/* every segment is used from its buffer's first byte (data_off 0) */
	size_t room = rte_pktmbuf_data_room_size(pool), off, k, rest, last;
	int n, i;

	if (room <= hl || room < tl)
		return -EINVAL;
	/* More than one packet buffer's worth: one record buffer if any is
	 * free (hs_tp_rec_pool, hs_transport.h), else a chain. */
	n = 0;
	if (hl + len + tl > room && hs_tp_rec_pool != NULL &&
	    hl + len + tl <= HS_TP_REC_ROOM) {
		ms[0] = rte_pktmbuf_alloc(hs_tp_rec_pool);
		if (ms[0] != NULL) {
			room = HS_TP_REC_ROOM;
			n = 1;
			hs_lcore_stats(lc)->tls_rec_buf++;
		} else {
			hs_lcore_stats(lc)->tls_rec_buf_empty++;
		}
	}
	if (n == 0) {
		/* How many buffers: the header and the plaintext from the
		 * first on (k bytes in it, full ones after), the tag whole
		 * in the last (one more when it does not fit). */
		k = HS_MIN(room - hl, len);
		rest = len - k;
		n = 1 + (int)((rest + room - 1) / room);
		last = n == 1 ? hl + k : rest - (size_t)(n - 2) * room;
		if (last + tl > room)
			n++;
		if (n > HS_TLS_REC_OUT_SEGS ||
		    rte_pktmbuf_alloc_bulk(pool, ms, (unsigned int)n) != 0) {
			hs_lcore_stats(lc)->drop_nombuf++;
			return -EAGAIN; /* retried from writable() */
		}
	}
	off = 0;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = ms[i];
		size_t pre = i == 0 ? hl : 0;
		uint8_t *d;

		m->data_off = 0; /* never transmitted as is */
		k = HS_MIN(room - pre, len - off);
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(pre + k));
		if (i == 0)
			r->hdr = d;
		r->v[i].base = d + pre;
		r->v[i].len = k;
		off += k;
		if (i > 0) {
			ms[i - 1]->next = m;
			ms[0]->pkt_len += m->data_len;
		}
	}
	ms[0]->nb_segs = (uint16_t)n;
	r->tail = (uint8_t *)rte_pktmbuf_append(ms[n - 1], (uint16_t)tl);
	if (n > 1)
		ms[0]->pkt_len += (uint32_t)tl;
	r->n = n;
	r->priv = ms[0];
	return 0;
}

/* The sealed record joins the send queue (hs_tcp_send_mbuf consumes the
 * chain).  hs_tp_write_room checked the send space first, so a refusal
 * does not happen in practice; it fails the session (a hole in the
 * record sequence). */
static int
tp_rec_put(void *io, struct hs_tls_rec_out *r, bool commit)
{
	struct hs_transport *t = io;
	struct rte_mbuf *head = r->priv;

	r->priv = NULL;
	if (!commit) {
		rte_pktmbuf_free(head);
		return 0;
	}
	return hs_tcp_send_mbuf(t->tcp, head) < 0 ? -EIO : 0;
}

static const struct hs_tls_rec_out_ops tp_rec_ops = {
	.get = tp_rec_get,
	.put = tp_rec_put,
};

void
hs_tp_open_plain(struct hs_transport *t, struct hs_tcp_conn *c)
{
	t->tcp = c;
	t->tls = NULL;
	t->established = true;
	t->rx_seen = false;
}

int
hs_tp_open_tls(struct hs_transport *t, struct hs_tcp_conn *c,
	       struct hs_tls_ctx *ctx)
{
	t->tcp = c;
	t->established = false;
	t->rx_seen = false;
	t->tls = hs_tls_sess_new(ctx, tp_pull, tp_push, t);
	if (t->tls == NULL)
		return -ENOMEM;
	hs_tls_sess_set_views(t->tls, tp_peek, tp_drop);
	hs_tls_sess_set_rec_out(t->tls, &tp_rec_ops);
	return 0;
}

unsigned int
hs_tp_release(struct hs_transport *t)
{
	unsigned int ev;

	if (t->tls == NULL)
		return 0;
	ev = hs_tls_events(t->tls);
	hs_tls_sess_free(t->tls);
	t->tls = NULL;
	return ev;
}

void
hs_tp_close(struct hs_transport *t)
{
	if (t->tls != NULL && t->established)
		(void)hs_tls_shutdown(t->tls);
	hs_tcp_close(t->tcp);
}

int
hs_tp_handshake(struct hs_transport *t)
{
	int rc;

	if (t->established)
		return 0;
	rc = hs_tls_handshake(t->tls);
	if (rc == 0)
		t->established = true;
	else if (rc == -EAGAIN && hs_tls_early_phase(t->tls))
		rc = HS_TP_EARLY;
	return rc;
}

bool
hs_tp_in_early_data(const struct hs_transport *t)
{
	return t->tls != NULL && hs_tls_in_early_data(t->tls);
}

bool
hs_tp_handshake_poll(struct hs_transport *t)
{
	if (!t->established && t->tls != NULL && hs_tls_handshake_done(t->tls))
		t->established = true;
	return t->established;
}

const char *
hs_tp_client_dn(const struct hs_transport *t)
{
	const struct hs_tls_peer *p;

	if (t->tls == NULL)
		return NULL;
	p = hs_tls_peer(t->tls);
	return p->verified ? p->subject : NULL;
}
