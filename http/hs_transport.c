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
	return t->tls != NULL ? 0 : -ENOMEM;
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

/* Our own TLS records: the plaintext is encrypted from the HTTP output (a
 * file cache entry, the header buffer) straight into send-queue mbufs in
 * one pass, no copy first (record header before it in the first segment,
 * inner type and tag after it in the last), and the chain joins the send
 * queue as is (hs_tcp_send_mbuf, which consumes it).  A chain the queue
 * refused after sealing would leave a hole in the record sequence: that
 * fails the connection (hs_tp_write_room checked the send space first,
 * so it does not happen in practice). */
#define HS_TP_SEAL_SEGS 24
int
hs_tp_tls_write_sealed(struct hs_transport *t, const void *p, size_t len)
{
	struct hs_lcore *lc = hs_tcp_lcore_of(t->tcp);
	struct rte_mempool *pool = hs_lcore_pool(lc);
	struct hs_tls_iov v[HS_TP_SEAL_SEGS];
	struct rte_mbuf *head = NULL, *last = NULL, *m;
	size_t hl, tl, off = 0;
	uint8_t *tail;
	int n = 0, rc;

	if (hs_tls_seal_room(t->tls, &hl, &tl) != 0)
		return -ENOTSUP;
	while (head == NULL || off < len || rte_pktmbuf_tailroom(last) < tl) {
		size_t pre = head == NULL ? hl : 0, k;
		uint8_t *d;

		m = n < HS_TP_SEAL_SEGS ? rte_pktmbuf_alloc(pool) : NULL;
		if (m == NULL) {
			rte_pktmbuf_free(head);
			hs_lcore_stats(lc)->drop_nombuf++;
			return -EAGAIN; /* retried from writable() */
		}
		m->data_off = 0; /* never transmitted as is */
		k = HS_MIN(rte_pktmbuf_tailroom(m) - pre, len - off);
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(pre + k));
		v[n].base = d + pre;
		v[n++].len = k;
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
	tail = (uint8_t *)rte_pktmbuf_append(last, (uint16_t)tl);
	if (last != head)
		head->pkt_len += (uint32_t)tl;
	rc = hs_tls_seal_from(t->tls, rte_pktmbuf_mtod(head, uint8_t *), v, n,
			      p, tail);
	if (rc < 0) {
		rte_pktmbuf_free(head);
		return rc;
	}
	rc = hs_tcp_send_mbuf(t->tcp, head); /* consumes head */
	if (rc < 0)
		return rc == -ENOBUFS ? -EIO : rc; /* sealed: no retry */
	return (int)len;
}
