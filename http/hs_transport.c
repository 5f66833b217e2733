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
	struct rte_mbuf *head = NULL, *last = NULL, *m;
	size_t off = 0;
	int n = 0;

	while (head == NULL || off < len || rte_pktmbuf_tailroom(last) < tl) {
		size_t pre = head == NULL ? hl : 0, k;
		uint8_t *d;

		m = n < HS_TLS_REC_OUT_SEGS ? rte_pktmbuf_alloc(pool) : NULL;
		if (m == NULL) {
			rte_pktmbuf_free(head);
			hs_lcore_stats(lc)->drop_nombuf++;
			return -EAGAIN; /* retried from writable() */
		}
		m->data_off = 0; /* never transmitted as is */
		k = HS_MIN(rte_pktmbuf_tailroom(m) - pre, len - off);
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(pre + k));
		if (head == NULL)
			r->hdr = d;
		r->v[n].base = d + pre;
		r->v[n++].len = k;
		off += k;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += m->data_len;
		}
		last = m;
	}
	r->tail = (uint8_t *)rte_pktmbuf_append(last, (uint16_t)tl);
	if (last != head)
		head->pkt_len += (uint32_t)tl;
	r->n = n;
	r->priv = head;
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
