/* SPDX-License-Identifier: BSD-3-Clause
 * hs_transport.h - the byte stream under one HTTP connection: a TCP
 * connection, plain or with a TLS session on it.
 *
 * hs_server.c reads, writes, closes and asks for send room through these
 * functions and does not know which of the two it has (as h2o's socket
 * hides TLS inside it).  The TLS side uses tls/hs_tls.h's public API only;
 * the TCP side hs_tcp.h's.  The per-call functions are inlines with one
 * two-way branch (no indirect call on the hot path); set-up and tear-down
 * live in hs_transport.c.
 *
 * Return conventions (hs_common.h style):
 *   read:  >0 bytes, 0 end of stream (TLS close_notify, TCP FIN with
 *          nothing left; a TLS transport reset underneath counts as end
 *          too), -EAGAIN nothing now, other <0 fatal (-EPROTO: a TLS
 *          alert is queued ahead of our FIN)
 *   write: >0 bytes queued (all of len), -EAGAIN no room now (call again
 *          from writable() with the same bytes), other <0 fatal
 */
#ifndef HS_TRANSPORT_H
#define HS_TRANSPORT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hs_common.h"
#include "hs_lcore.h"
#include "hs_tcp.h"
#include "hs_tls.h"

/* Send room a TLS write needs beyond its plaintext: a TLS 1.3 record's
 * header 5 + content type 1 + tag 16, rounded up.  A TLS write is only
 * started when the record fits whole, so wolfSSL never sees a short
 * write. */
#define HS_TP_TLS_OVERHEAD 64

struct hs_transport {
	struct hs_tcp_conn *tcp;
	struct hs_tls_sess *tls; /* NULL: plain TCP */
	bool established;        /* application bytes may flow: the
	                                   * TLS handshake is done (plain TCP:
	                                   * from the start) */
	bool rx_seen;            /* TLS: a ciphertext byte was received */
};

/* Bind t to an accepted TCP connection, plain. */
void hs_tp_open_plain(struct hs_transport *t, struct hs_tcp_conn *c);
/* Bind t to c with a new TLS server session from ctx (its handshake
 * starts with the first hs_tp_handshake).  0 or -ENOMEM. */
int hs_tp_open_tls(struct hs_transport *t, struct hs_tcp_conn *c,
		   struct hs_tls_ctx *ctx);
/* Free the TLS session, if any (the TCP connection is the caller's:
 * closed or gone).  Returns what happened to the session
 * (HS_TLS_EV_* of hs_tls_events) for counters, 0 for plain TCP. */
unsigned int hs_tp_release(struct hs_transport *t);

/* Graceful close: TLS close_notify (once established), then FIN after
 * everything queued. */
void hs_tp_close(struct hs_transport *t);

/* Abortive close: RST, the TCP connection is freed now (no closed()
 * callback follows); hs_tp_release() is still due. */
static inline void
hs_tp_abort(struct hs_transport *t)
{
	hs_tcp_abort(t->tcp);
}

static inline bool
hs_tp_is_tls(const struct hs_transport *t)
{
	return t->tls != NULL;
}

static inline bool
hs_tp_established(const struct hs_transport *t)
{
	return t->established;
}

/* The peer's IPv4 address, network byte order. */
static inline uint32_t
hs_tp_peer_addr(const struct hs_transport *t)
{
	return hs_tcp_peer_addr(t->tcp);
}

/* The peer sent its FIN (the connection may still hold unread bytes). */
static inline bool
hs_tp_peer_closed(const struct hs_transport *t)
{
	return hs_tcp_peer_closed(t->tcp);
}

/* ---- handshake (TLS; plain TCP is established from the start) ---- */

/* hs_tp_handshake: not established yet, but 0-RTT early data can be
 * read (and answered) while the handshake finishes. */
#define HS_TP_EARLY 1

/* Advance the handshake: 0 when it completed (established from now on;
 * also when it already had), HS_TP_EARLY, -EAGAIN waiting for the peer,
 * or a fatal error (an alert may be queued). */
int hs_tp_handshake(struct hs_transport *t);
/* During the 0-RTT phase, after a read: the bytes the last read returned
 * came in early data (replayable, RFC 8470). */
bool hs_tp_in_early_data(const struct hs_transport *t);
/* During the 0-RTT phase, after a read: true once the handshake has
 * completed (reading the client's Finished): established from now on. */
bool hs_tp_handshake_poll(struct hs_transport *t);
/* The subject of the client certificate the handshake verified, NULL
 * when none was (or plain TCP). */
const char *hs_tp_client_dn(const struct hs_transport *t);

/* ---- data ---- */

static inline int
hs_tp_read(struct hs_transport *t, void *buf, size_t len)
{
	int n;

	if (t->tls != NULL) {
		n = hs_tls_read(t->tls, buf, len);
		return n == -ECONNRESET ? 0 : n;
	}
	n = (int)hs_tcp_recv(t->tcp, buf, len);
	if (n > 0)
		return n;
	if (hs_tcp_peer_closed(t->tcp) && hs_tcp_recv_avail(t->tcp) == 0)
		return 0;
	return -EAGAIN;
}

/* How many of len bytes one write may take now, 0 for none: plain TCP
 * up to the send space; TLS one record (at most HS_TLS_MAX_WRITE) when it
 * fits whole with its overhead. */
static inline size_t
hs_tp_write_room(struct hs_transport *t, size_t len)
{
	uint32_t space = hs_tcp_send_space(t->tcp);

	if (t->tls != NULL) {
		/* wolfSSL's records: up to HS_TLS_MAX_WRITE; our own: small
		 * at the start of a response, 16 KiB in bulk */
		len = HS_MIN(len, hs_tls_record_size(t->tls));
		return space >= len + HS_TP_TLS_OVERHEAD ? len : 0;
	}
	return HS_MIN(len, (size_t)space);
}

/* TLS: hs_tls_write; with our own records it seals one record straight
 * into send-queue mbufs (hs_transport.c), all of it or nothing. */
static inline int
hs_tp_tls_write(struct hs_transport *t, const void *p, size_t len)
{
	return hs_tls_write(t->tls, p, len);
}

/* Queue len bytes (at most hs_tp_write_room's answer): copied (plain)
 * or sealed into a record (TLS). */
static inline int
hs_tp_write(struct hs_transport *t, const void *p, size_t len)
{
	int n;

	if (t->tls != NULL)
		return hs_tp_tls_write(t, p, len);
	n = hs_tcp_send(t->tcp, p, len);
	return n == -ENOBUFS ? -EAGAIN : n;
}

/* Writes may queue long-lived memory by reference (hs_tp_write_ref):
 * plain TCP on a port whose frames may point into process memory.  TLS
 * always copies (the record is sealed into new memory). */
static inline bool
hs_tp_by_ref(const struct hs_transport *t)
{
	return t->tls == NULL && hs_lcore_tx_by_ref(hs_tcp_lcore_of(t->tcp));
}

/* Queue len bytes of long-lived memory by reference (hs_tcp_send_ext:
 * shinfo's rules); only where hs_tp_by_ref(), else the bytes are
 * written as by hs_tp_write. */
static inline int
hs_tp_write_ref(struct hs_transport *t, const void *p, size_t len,
		struct rte_mbuf_ext_shared_info *shinfo)
{
	int n;

	if (t->tls != NULL)
		return hs_tp_tls_write(t, p, len);
	n = hs_tcp_send_ext(t->tcp, p, len, shinfo);
	return n == -ENOBUFS ? -EAGAIN : n;
}

/* Buffers of one whole TLS record each (HS_TP_REC_ROOM bytes), shared by
 * every lcore (the mempool caches per lcore), or NULL: records are then
 * sealed into chains of packet mbufs.  A 16 KiB record in one buffer is
 * one mbuf for the send queue to hold, view and free instead of nine:
 * the ACK that frees it touches one cold header, not a chain of them.
 * Records of up to one packet buffer stay in packet mbufs; when none is
 * free a record takes a chain.  Set before the lcores start (the
 * application creates the pool), read-only after. */
#define HS_TP_REC_ROOM 16448 /* >= 5 + 16384 + 1 + 16 (RFC 8446 §5.2) */
extern struct rte_mempool *hs_tp_rec_pool;

#endif
