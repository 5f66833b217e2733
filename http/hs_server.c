/* SPDX-License-Identifier: BSD-3-Clause
 * hs_server.c - TCP -> TLS -> HTTP glue, run to completion per lcore.
 *
 * Flow for one connection (all on the owning lcore):
 *   readable():  [TLS handshake] -> read plaintext into the HTTP engine's
 *                input buffer -> hs_http_conn_process -> drain output
 *   writable():  drain output again (ACKs freed send space)
 *   closed():    release TLS + HTTP state
 * The connection's byte stream, plain TCP or TLS over TCP, is a struct
 * hs_transport (hs_transport.h): this file reads, writes, handshakes and
 * closes through it and does not branch on TLS itself.
 * Backpressure: we only read from the transport while the engine's input
 * buffer has room, and only write while TCP's send buffer has room for
 * what the transport will queue (for TLS a whole record, so wolfSSL never
 * sees a short write).
 *
 * Reload: the shared configuration (TLS context, file cache, HTTP knobs)
 * is a generation, struct hs_srv_gen, published by the main lcore
 * (hs_server_publish) and picked up by each lcore at the top of a poll
 * iteration (srv_ctl).  A TLS session keeps the generation it was created
 * from until the connection closes; a response keeps the generation its
 * body points into from the moment it is built (also while it waits for
 * its request body) until it is fully sent (srv_rsp_track).  Those holds
 * are counted per lcore in the generation (written only by that lcore)
 * and a retired generation is freed once every lcore passed a quiescent
 * state and the counts are zero (hs_rcu.h).
 *
 * Zero-copy bodies (plain HTTP): a body from the file cache is queued
 * by reference (hs_tcp_send_ext: external-buffer mbufs over the cache),
 * so TCP may still read it after the response, even after the
 * connection, is gone: until the last frame referencing it has been
 * acknowledged and transmitted.  Each such body has a holder (struct
 * srv_zc) that keeps its generation alive; see srv_zc_get.  TLS output
 * is one copy: wolfSSL's record buffer into the send queue.
 *
 * Drain (SIGTERM): each lcore closes its listeners (new SYNs get RST),
 * closes keep-alive connections that are idle after at least one
 * response (close_notify + FIN), and answers every further request with
 * "Connection: close"; responses in flight run to their end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hs_common.h"
#include "hs_lcore.h"
#include "hs_rcu.h"
#include "hs_tcp.h"
#include "hs_tls.h"
#include "hs_tls_xkey.h"
#include "hs_http.h"
#include "hs_log.h"
#include "hs_server.h"
#include "hs_transport.h"
#include "hs_server_int.h"

static struct hs_srv_gen *srv_gen_cur; /* __atomic_*: main writes */

static struct hs_srv_lcore *srv_of[HS_MAX_LCORES][2];
static struct hs_log_ring *srv_log_of[HS_MAX_LCORES];
static struct srv_pool *srv_pool_of[HS_MAX_LCORES];

static void srv_drive(struct hs_srv_conn *sc);

static void
srv_wait_add(struct hs_srv_conn *sc)
{
	struct hs_srv_conn *h = &sc->sl->pool->wait;

	sc->wnext = h;
	sc->wprev = h->wprev;
	h->wprev->wnext = sc;
	h->wprev = sc;
}

static void
srv_wait_del(struct hs_srv_conn *sc)
{
	if (sc->wprev == NULL)
		return;
	sc->wprev->wnext = sc->wnext;
	sc->wnext->wprev = sc->wprev;
	sc->wprev = sc->wnext = NULL;
}

/* Blocks came back (a response drained, a connection closed): drive the
 * connections waiting for one, oldest first, while blocks are free.
 * Not reentered: a drive below releases blocks for this loop. */
static void
srv_kick(struct srv_pool *pl)
{
	const struct hs_http_rpool *rp = &pl->rp;

	if (pl->kicking)
		return;
	pl->kicking = true;
	while (pl->wait.wnext != &pl->wait &&
	       (rp->free != NULL || rp->max == 0 || rp->total < rp->max)) {
		struct hs_srv_conn *sc = pl->wait.wnext;

		srv_wait_del(sc);
		srv_drive(sc); /* may free sc, may wait again */
	}
	pl->kicking = false;
}

static void
srv_count_status(struct hs_stats *st, int status)
{
	st->http_req++;
	switch (status / 100) {
	case 1:
		st->http_1xx++;
		break;
	case 2:
		st->http_2xx++;
		break;
	case 3:
		st->http_3xx++;
		break;
	case 4:
		st->http_4xx++;
		break;
	default:
		st->http_5xx++;
		break;
	}
}

/* Access log: a record of the response just produced, or log_dropped
 * when the writer has fallen behind (never wait for it). */
static void
srv_log(struct hs_srv_conn *sc, struct hs_stats *st)
{
	struct hs_log_ring *ring = sc->sl->log;
	struct hs_log_rec *rec;

	if (ring == NULL)
		return;
	rec = hs_log_reserve(ring);
	if (rec == NULL) {
		st->log_dropped++;
		return;
	}
	hs_http_log_record(&sc->http, hs_tp_peer_addr(&sc->tp), time(NULL),
			   rec);
	hs_log_commit(ring);
}

/* Keep the response's hold in step with the engine; call right after
 * every hs_http_conn_process() and once output was sent.  A response
 * with body bytes left to send from a file cache (held while its request
 * body is read, or being sent; hs_http_conn_body_files) holds the
 * generation that cache belongs to, nothing else does.  A response the
 * process call has just built points into sl->gen's cache (sl->http.files):
 * the lcore's generation changes only in srv_ctl, between drives, so the
 * hold is taken on the generation the body points into, never on a later
 * one. */
static void
srv_rsp_track(struct hs_srv_conn *sc)
{
	const struct hs_file_cache *fc = hs_http_conn_body_files(&sc->http);
	struct hs_srv_gen *g = NULL;

	if (fc != NULL)
		g = sc->rsp_gen != NULL && sc->rsp_gen->cfg.files == fc
			    ? sc->rsp_gen
			    : sc->sl->gen;
	if (g == sc->rsp_gen)
		return;
	if (g != NULL)
		srv_gen_hold(g, sc->sl->slot);
	if (sc->rsp_gen != NULL)
		srv_gen_drop(sc->rsp_gen, sc->sl->slot);
	sc->rsp_gen = g;
}

/* TLS session events (hs_tls_events, 0 for plain TCP), counted once
 * when the session ends. */
static void
srv_count_tls(struct hs_stats *st, unsigned int ev)
{
	if (ev & HS_TLS_EV_RESUMED)
		st->tls_resumed++;
	if (ev & HS_TLS_EV_RESUME_REFUSED)
		st->tls_resume_refused++;
	if (ev & HS_TLS_EV_RESUME_EXPIRED)
		st->tls_resume_expired++;
	if (ev & HS_TLS_EV_EARLY_ACCEPTED)
		st->tls_early_accepted++;
	if (ev & HS_TLS_EV_EARLY_REPLAY)
		st->tls_early_replayed++;
	if (ev & HS_TLS_EV_EARLY_UNPARSED)
		st->tls_early_unparsed++;
	if (ev & HS_TLS_EV_HELLO_TOO_BIG)
		st->drop_tls_hello_big++;
	if (ev & HS_TLS_EV_OWN_RECORDS)
		st->tls_own_records++;
	if (ev & HS_TLS_EV_PEER_KEY_UPDATE)
		st->tls_peer_key_updates++;
	if (ev & HS_TLS_EV_KEY_LIMIT)
		st->tls_key_limit_updates++;
}

/* The lcore's expanded-key pool, as gauges and counters. */
static void
srv_count_keys(struct hs_stats *st)
{
	struct hs_tls_xkey_stats x;

	hs_tls_xkey_stats(&x);
	st->tls_key_blocks = x.total;
	st->tls_key_blocks_in_use = x.in_use;
	st->tls_key_expand = x.expand;
	st->tls_key_reused = x.reused;
	st->tls_key_evicted = x.evicted;
}

static void
srv_conn_free(struct hs_srv_conn *sc)
{
	hs_srv_zc_put(sc);
	srv_wait_del(sc);
	hs_http_conn_release(&sc->http);
	struct hs_srv_lcore *sl = sc->sl;

	sc->prev->next = sc->next;
	sc->next->prev = sc->prev;
	srv_count_tls(hs_lcore_stats(sl->lc), hs_tp_release(&sc->tp));
	if (sl->is_tls)
		srv_count_keys(hs_lcore_stats(sl->lc));
	if (sc->tls_gen != NULL)
		srv_gen_drop(sc->tls_gen, sl->slot);
	if (sc->rsp_gen != NULL)
		srv_gen_drop(sc->rsp_gen, sl->slot);
	__atomic_store_n(&sl->nlive, sl->nlive - 1, __ATOMIC_RELAXED);
	if (sc->quiet_closed)
		__atomic_store_n(&sl->nquiet, sl->nquiet - 1, __ATOMIC_RELAXED);
	free(sc);
}

/* ---- driving one connection ------------------------------------------- */

/* Start a graceful close once: close_notify (TLS), then FIN. */
static void
srv_close(struct hs_srv_conn *sc)
{
	if (sc->closing)
		return;
	sc->closing = true;
	hs_tp_close(&sc->tp);
}

/* Move received bytes into the HTTP engine.  Returns <0 on a fatal
 * transport (TLS) error, else the number of bytes moved. */
static int
srv_read(struct hs_srv_conn *sc)
{
	int moved = 0;

	while (!sc->eof) {
		size_t space;
		char *p;
		int n;

		/* Without a request state block, take one only for bytes
		 * to read: the transport has none of its own (its last read
		 * ran dry) and TCP's receive queue is empty, no FIN. */
		if (sc->http.rs == NULL && !sc->http.closing && sc->tp_dry &&
		    hs_tp_established(&sc->tp) &&
		    hs_tcp_recv_avail(sc->tp.tcp) == 0 &&
		    !hs_tp_peer_closed(&sc->tp))
			break;
		p = hs_http_conn_inbuf(&sc->http, &space);
		if (space == 0)
			break;
		n = hs_tp_read(&sc->tp, p, space);
		sc->tp_dry = n == -EAGAIN;
		if (n == -EAGAIN)
			break;
		if (n == 0) {
			sc->eof = true; /* close_notify or TCP EOF */
			break;
		}
		if (n < 0)
			return n;
		hs_http_conn_commit(&sc->http, (size_t)n);
		moved += n;
	}
	if (sc->eof)
		hs_http_conn_peer_eof(&sc->http);
	return moved;
}

/* Push engine output into the transport while there is send room
 * (hs_tp_write_room: for TLS a whole record).  Returns bytes written, or
 * <0 on a fatal error. */
static int
srv_write(struct hs_srv_conn *sc)
{
	int written = 0;
	const void *p;
	size_t len;

	while ((len = hs_http_conn_output(&sc->http, &p)) > 0) {
		struct srv_zc *z = NULL;
		int n;

		len = hs_tp_write_room(&sc->tp, len);
		if (len == 0)
			break;
		/* File body: by reference, zero copies to the wire
		 * (where the transport can: plain TCP, no DMA). */
		if (hs_http_conn_output_is_file(&sc->http) &&
		    (sc->zc != NULL || len >= HS_SRV_ZC_MIN))
			z = hs_srv_zc_get(sc);
		if (z != NULL) {
			n = hs_tp_write_ref(&sc->tp, p, len, &z->shinfo);
			if (n > 0)
				hs_lcore_stats(hs_tcp_lcore_of(sc->tp.tcp))
					->http_body_zc_bytes += (uint64_t)n;
		} else {
			n = hs_tp_write(&sc->tp, p, len);
		}
		if (n == -EAGAIN)
			break;
		if (n < 0)
			return n;
		hs_http_conn_sent(&sc->http, (size_t)n);
		if (sc->zc != NULL && !hs_http_conn_output_is_file(&sc->http))
			hs_srv_zc_put(sc); /* body fully queued */
		written += n;
	}
	return written;
}

static void
srv_abort(struct hs_srv_conn *sc)
{
	hs_tp_abort(&sc->tp);
	srv_conn_free(sc);
}

/* Nothing in progress on sc: no response output, no request bytes
 * buffered or unread, no body being read, not waiting for a request
 * block; and the transport either established (TLS: the session is up,
 * none of its plaintext left unread) or not one byte received yet (TLS:
 * no ClientHello, so no session to close either). */
static bool
srv_quiet(struct hs_srv_conn *sc)
{
	const void *p;

	if (hs_http_conn_output(&sc->http, &p) != 0 || sc->http.in_len != 0 ||
	    sc->http.rs_wait || hs_http_conn_reading_body(&sc->http) ||
	    hs_tcp_recv_avail(sc->tp.tcp) != 0)
		return false;
	if (sc->tp.tls == NULL)
		return true;
	if (hs_tp_established(&sc->tp))
		return sc->tp_dry;
	return !sc->tp.rx_seen;
}

/* Re-arm the connection's deadline after a drive.  A phase's clock
 * starts when the phase is entered, except WRITING, which restarts on
 * every write that made progress (nginx's send_timeout), so a slow but
 * live reader is not cut off while one that stops reading is; and a
 * request body being read (upload sink), which restarts on every read
 * that brought bytes (nginx's client_body_timeout). */
static void
srv_arm(struct hs_srv_conn *sc, bool wrote, bool read)
{
	enum hs_srv_phase ph;
	const void *p;

	/* Draining: a connection with no request in progress closes now
	 * (nginx's graceful shutdown): idle keep-alive, and fresh ones that
	 * have not sent a request; a response being sent, a request (head
	 * or body) being read and a TLS handshake under way go on. */
	if (sc->sl->draining && !sc->closing && srv_quiet(sc)) {
		/* nothing of a response left unacknowledged either: only
		 * close_notify / FIN will be, the drain need not wait */
		bool bare = hs_tcp_send_queued(sc->tp.tcp) == 0;

		srv_close(sc);
		if (bare) {
			sc->quiet_closed = true;
			__atomic_store_n(&sc->sl->nquiet, sc->sl->nquiet + 1,
					 __ATOMIC_RELAXED);
		}
	}
	if (sc->closing)
		ph = HS_SRV_CLOSING;
	else if (!hs_tp_established(&sc->tp))
		ph = HS_SRV_HANDSHAKE;
	else if (hs_http_conn_output(&sc->http, &p) > 0)
		ph = HS_SRV_WRITING;
	else if (sc->http.in_len > 0 || sc->http.rs_wait ||
		 hs_http_conn_reading_body(&sc->http))
		ph = HS_SRV_READING; /* also waiting for a block to read into */
	else
		ph = HS_SRV_IDLE;
	/* Re-arm on a phase change, and on write progress outside the
	 * handshake: a response went out, so a keep-alive idle period or a
	 * new request head starts now (also when a whole request and its
	 * response fit in one drive and the phase is IDLE before and after).
	 * An upload body being read restarts on read progress. */
	if (ph != sc->phase || (wrote && ph != HS_SRV_HANDSHAKE) ||
	    (ph == HS_SRV_READING && read &&
	     hs_http_conn_reading_upload(&sc->http))) {
		sc->phase = (uint8_t)ph;
		hs_tcp_set_timeout(sc->tp.tcp, sc->sl->to_us[ph]);
	}
}

/* The handshake completed: count it, hand its client identity on. */
static void
srv_handshake_ok(struct hs_srv_conn *sc, struct hs_stats *st)
{
	const char *dn = hs_tp_client_dn(&sc->tp);

	st->tls_hs_ok++;
	sc->http.tls_early = false;
	if (dn != NULL)
		sc->http.client_dn = dn;
}

/* A handshake ended in error rc: the client cut it short (its FIN or
 * RST: -ECONNRESET from the TLS layer) or we refused it (the alert, if
 * any, is queued ahead of our FIN). */
static void
srv_count_hs_error(struct hs_stats *st, int rc)
{
	if (rc == -ECONNRESET)
		st->tls_hs_abort++;
	else
		st->tls_hs_fail++;
}

/* Run the connection until it can make no more progress. */
static void
srv_drive(struct hs_srv_conn *sc)
{
	struct hs_stats *st = hs_lcore_stats(hs_tcp_lcore_of(sc->tp.tcp));
	bool wrote = false, read = false;

	if (sc->tp.tls != NULL)
		srv_count_keys(st);

	if (sc->closing)
		return;
	if (!hs_tp_established(&sc->tp)) {
		int rc = hs_tp_handshake(&sc->tp);

		sc->tp_dry = false; /* it may have buffered application data */
		if (rc == HS_TP_EARLY) {
			/* 0-RTT: serve early data while the handshake ends */
		} else if (rc == -EAGAIN) {
			/* Between flights we have nothing to carry an ACK of
			 * what the client sent until its next record comes,
			 * and a client with Nagle's algorithm on (gnutls on
			 * Linux writes its TLS 1.3 change_cipher_spec and
			 * Finished separately) holds that record until this
			 * ACK: a delayed ACK would add delack_ms to every
			 * handshake and push our NewSessionTicket past the
			 * short wait clients give it (gnutls: about 60 ms
			 * plus half the handshake time). */
			hs_tcp_ack_now(sc->tp.tcp);
			if (hs_tp_peer_closed(&sc->tp)) {
				/* the client gave up: not a failure of ours */
				st->tls_hs_abort++;
				srv_close(sc);
			}
			srv_arm(sc, false, false);
			return;
		} else if (rc < 0) {
			srv_count_hs_error(st, rc);
			srv_close(sc);
			srv_arm(sc, false, false);
			return;
		} else {
			srv_handshake_ok(sc, st);
		}
	}
	for (;;) {
		int r, w, status;

		r = srv_read(sc);
		if (sc->http.rs_wait && sc->wprev == NULL) {
			/* no block free: retried by srv_kick() */
			st->http_rstate_wait++;
			srv_wait_add(sc);
		}
		if (r < 0 && !hs_tp_established(&sc->tp)) {
			/* a 0-RTT handshake failed: its alert goes before FIN */
			srv_count_hs_error(st, r);
			srv_close(sc);
			break;
		}
		if (r == -EPROTO) {
			/* A bad record (RFC 8446 §5.2): the fatal alert
			 * (bad_record_mac ...) is queued; it goes out ahead
			 * of our FIN instead of being lost to a RST. */
			st->tls_err++;
			srv_close(sc);
			srv_arm(sc, false, false);
			return;
		}
		if (r < 0) {
			st->tls_err++;
			srv_abort(sc);
			return;
		}
		if (!hs_tp_established(&sc->tp)) {
			/* RFC 8470: requests read from early data */
			sc->http.tls_early = hs_tp_in_early_data(&sc->tp);
			if (hs_tp_handshake_poll(&sc->tp))
				srv_handshake_ok(sc, st);
		}
		status = hs_http_conn_process(&sc->http);
		/* also when a response was built but held (status 0) */
		srv_rsp_track(sc);
		if (status > 0) {
			srv_count_status(st, status);
			srv_log(sc, st);
		}
		w = srv_write(sc);
		if (w < 0) {
			st->tls_err++;
			srv_abort(sc);
			return;
		}
		wrote |= w > 0;
		read |= r > 0;
		/* A response sent as 0.5-RTT data (answer to early data,
		 * before the client's Finished): the handshake ends first -
		 * the client's Finished, our tickets - then close_notify and
		 * FIN, as after any response.  The handshake timeout bounds
		 * the wait; a peer EOF closes at once. */
		if (hs_http_conn_should_close(&sc->http) &&
		    (hs_tp_established(&sc->tp) || sc->eof)) {
			srv_close(sc);
			break;
		}
		if (r == 0 && w == 0 && status == 0)
			break;
	}
	srv_rsp_track(sc);
	srv_arm(sc, wrote, read);
}

/* ---- TCP callbacks ----------------------------------------------------- */

static int
srv_accepted(struct hs_tcp_conn *c, void *arg)
{
	struct hs_srv_lcore *sl = arg;
	struct hs_srv_conn *sc = malloc(sizeof(*sc));

	if (sc == NULL)
		return -ENOMEM;
	sc->sl = sl;
	sc->closing = false;
	sc->quiet_closed = false;
	sc->eof = false;
	sc->tp_dry = false;
	sc->tls_gen = NULL;
	sc->rsp_gen = NULL;
	sc->zc = NULL;
	sc->wprev = sc->wnext = NULL;
	if (sl->is_tls) {
		if (hs_tp_open_tls(&sc->tp, c, sl->gen->cfg.tls) < 0) {
			free(sc);
			return -ENOMEM;
		}
		sc->tls_gen = sl->gen;
		srv_gen_hold(sc->tls_gen, sl->slot);
	} else {
		hs_tp_open_plain(&sc->tp, c);
	}
	__atomic_store_n(&sl->nlive, sl->nlive + 1, __ATOMIC_RELAXED);
	hs_http_conn_init(&sc->http, &sl->http);
	sc->phase = hs_tp_established(&sc->tp) ? HS_SRV_IDLE : HS_SRV_HANDSHAKE;
	hs_tcp_set_timeout(c, sl->to_us[sc->phase]);
	sc->next = sl->live.next;
	sc->prev = &sl->live;
	sl->live.next->prev = sc;
	sl->live.next = sc;
	hs_tcp_set_app(c, sc);
	/* Completed its handshake after the drain began: nothing to wait
	 * for (srv_arm closes it unless it brought data already). */
	if (sl->draining)
		srv_arm(sc, false, false);
	return 0;
}

static void
srv_readable(struct hs_tcp_conn *c)
{
	struct hs_srv_conn *sc = hs_tcp_app(c);
	struct srv_pool *pl = sc->sl->pool;

	srv_drive(sc);
	srv_kick(pl);
}

static void
srv_closed(struct hs_tcp_conn *c, int reason)
{
	struct hs_srv_conn *sc = hs_tcp_app(c);

	(void)reason;
	if (sc != NULL) {
		struct srv_pool *pl = sc->sl->pool;

		srv_conn_free(sc);
		srv_kick(pl);
	}
}

/* A phase deadline passed.  An idle keep-alive connection is closed
 * gracefully (RFC 9112 §9.5: close at a request boundary); anything else
 * (stalled handshake, slowloris head, a reader that stopped reading, a
 * peer that never finishes closing) is reset, which frees its memory at
 * once. */
static void
srv_timeout(struct hs_tcp_conn *c)
{
	struct hs_srv_conn *sc = hs_tcp_app(c);
	struct hs_stats *st = hs_lcore_stats(hs_tcp_lcore_of(c));
	struct srv_pool *pl;

	if (sc == NULL)
		return;
	pl = sc->sl->pool;
	switch (sc->phase) {
	case HS_SRV_IDLE:
		st->conn_timeout_idle++;
		srv_close(sc);
		srv_arm(sc, false, false);
		srv_kick(pl);
		return;
	case HS_SRV_HANDSHAKE:
		st->conn_timeout_handshake++;
		break;
	case HS_SRV_READING:
		st->conn_timeout_read++;
		break;
	case HS_SRV_WRITING:
		st->conn_timeout_write++;
		break;
	default:
		st->conn_timeout_linger++;
		break;
	}
	srv_abort(sc);
	srv_kick(pl);
}

static const struct hs_tcp_ops srv_ops = {
	.accepted = srv_accepted,
	.readable = srv_readable,
	.writable = srv_readable,
	.closed = srv_closed,
	.timeout = srv_timeout,
};

static uint64_t
srv_ms(uint32_t ms, uint32_t dflt)
{
	return (uint64_t)(ms != 0 ? ms : dflt) * 1000;
}

void
hs_server_config_defaults(struct hs_server_config *cfg)
{
	struct hs_http_server h;

	memset(cfg, 0, sizeof(*cfg));
	hs_http_server_defaults(&h);
	cfg->https_port = 443;
	cfg->http_port = 80;
	cfg->hsts_max_age = h.hsts_max_age;
	cfg->hsts_subdomains = h.hsts_subdomains;
	cfg->hsts_preload = h.hsts_preload;
	cfg->plain_redirect = h.plain_redirect;
	cfg->keepalive_requests = h.keepalive_requests;
}

/* Take the knobs of generation g (on the owning lcore). */
static void
srv_lcore_apply(struct hs_srv_lcore *sl, struct hs_srv_gen *g)
{
	const struct hs_server_config *cfg = &g->cfg;
	bool tls = sl->is_tls;

	sl->gen = g;
	sl->tls = tls ? cfg->tls : NULL;
	hs_http_server_defaults(&sl->http);
	sl->http.hsts_max_age = cfg->hsts_max_age;
	sl->http.hsts_subdomains = cfg->hsts_subdomains;
	sl->http.hsts_preload = cfg->hsts_preload;
	sl->http.plain_redirect = cfg->plain_redirect;
	sl->http.https_port = cfg->https_port;
	sl->http.redirect_host = cfg->redirect_host;
	sl->http.keepalive_requests = cfg->keepalive_requests;
	sl->http.access_log = cfg->access_log;
	sl->http.upload_sink = cfg->upload_sink;
	sl->http.upload_sink_len =
		cfg->upload_sink ? strlen(cfg->upload_sink) : 0;
	if (cfg->max_body != 0)
		sl->http.max_body = cfg->max_body;
	sl->http.files = cfg->files;
	sl->http.tls = tls;
	sl->http.server_name = "httpsd";
	sl->http.rpool = sl->pool != NULL ? &sl->pool->rp : NULL;
	sl->to_us[HS_SRV_HANDSHAKE] = srv_ms(cfg->handshake_ms, 60000);
	sl->to_us[HS_SRV_READING] = srv_ms(cfg->header_ms, 60000);
	sl->to_us[HS_SRV_IDLE] = srv_ms(cfg->keepalive_ms, 75000);
	sl->to_us[HS_SRV_WRITING] = srv_ms(cfg->send_ms, 60000);
	sl->to_us[HS_SRV_CLOSING] = srv_ms(cfg->linger_ms, 30000);
	if (sl->draining)
		sl->http.keepalive_requests = 1; /* every response: close */
}

static struct hs_srv_lcore *
srv_lcore_new(struct hs_lcore *lc, struct hs_srv_gen *g, bool tls,
	      unsigned int slot, struct srv_pool *pool)
{
	struct hs_srv_lcore *sl = calloc(1, sizeof(*sl));

	if (sl == NULL)
		return NULL;
	sl->lc = lc;
	sl->pool = pool;
	sl->is_tls = tls;
	sl->slot = slot;
	srv_lcore_apply(sl, g);
	sl->live.next = sl->live.prev = &sl->live;
	return sl;
}

/* Start draining sl: listener closed, idle keep-alive connections closed,
 * further responses say "Connection: close". */
static void
srv_lcore_drain(struct hs_srv_lcore *sl, uint16_t port)
{
	struct hs_srv_conn *sc, *next;

	sl->draining = true;
	sl->http.keepalive_requests = 1;
	(void)hs_tcp_unlisten(sl->lc, port);
	for (sc = sl->live.next; sc != &sl->live; sc = next) {
		next = sc->next; /* srv_arm never frees sc */
		srv_arm(sc, false, false);
	}
}

/* lc's row in srv_of, srv_log_of, srv_zc_live and gen->refs: its
 * registry slot, fixed from hs_lcore_init to hs_lcore_fini (a position
 * in hs_lcores[] is not: that array is compacted when an lcore leaves).
 * -ENOENT for an unregistered lcore. */
static int
srv_slot(const struct hs_lcore *lc)
{
	return hs_lcore_slot(lc);
}

/* Control-plane callback (hs_lcore_ctl_bump), on the owning lcore at the
 * top of a poll iteration. */
static void
srv_ctl(struct hs_lcore *lc)
{
	struct hs_srv_gen *g = __atomic_load_n(&srv_gen_cur, __ATOMIC_ACQUIRE);
	bool drain = hs_lcore_draining();
	int slot = srv_slot(lc);

	if (slot < 0)
		return;
	for (int i = 0; i < 2; i++) {
		struct hs_srv_lcore *sl = srv_of[slot][i];

		if (sl == NULL)
			continue;
		if (g != NULL && sl->gen != g)
			srv_lcore_apply(sl, g);
		if (drain && !sl->draining)
			srv_lcore_drain(sl, i == 0 ? sl->gen->cfg.https_port
						   : sl->gen->cfg.http_port);
	}
}

int
hs_server_attach(struct hs_lcore *lc, const struct hs_server_config *cfg)
{
	int slot = srv_slot(lc);
	struct hs_srv_gen *g = __atomic_load_n(&srv_gen_cur, __ATOMIC_ACQUIRE);
	const uint16_t ports[2] = { cfg->https_port, cfg->http_port };

	if (slot < 0)
		return slot;
	if (g == NULL || slot >= HS_MAX_LCORES)
		return -EINVAL;
	if (cfg->access_log) {
		srv_log_of[slot] = hs_log_ring_new(HS_LOG_RING_RECS);
		HS_GUARD_PTR(srv_log_of[slot]);
	}
	srv_pool_of[slot] = calloc(1, sizeof(*srv_pool_of[slot]));
	HS_GUARD_PTR(srv_pool_of[slot]);
	hs_http_rpool_init(&srv_pool_of[slot]->rp,
			   cfg->rstate_max != 0 ? cfg->rstate_max
						: HS_SRV_RSTATE_MAX_DEFAULT);
	srv_pool_of[slot]->wait.wprev = srv_pool_of[slot]->wait.wnext =
		&srv_pool_of[slot]->wait;
	for (int i = 0; i < 2; i++) {
		struct hs_srv_lcore *sl;

		if (ports[i] == 0)
			continue;
		sl = srv_lcore_new(lc, g, i == 0, (unsigned int)slot,
				   srv_pool_of[slot]);
		HS_GUARD_PTR(sl);
		sl->log = srv_log_of[slot];
		srv_of[slot][i] = sl;
		HS_GUARD(hs_tcp_listen(lc, ports[i], &srv_ops, sl));
	}
	hs_lcore_set_ctl(lc, srv_ctl);
	return 0;
}

void
hs_server_detach(struct hs_lcore *lc)
{
	int slot = srv_slot(lc);

	if (slot < 0)
		return;
	for (int i = 0; i < 2; i++) {
		struct hs_srv_lcore *sl = srv_of[slot][i];

		if (sl == NULL)
			continue;
		while (sl->live.next != &sl->live) {
			struct hs_srv_conn *sc = sl->live.next;

			hs_tcp_set_app(sc->tp.tcp, NULL);
			srv_conn_free(sc);
		}
		free(sl);
		srv_of[slot][i] = NULL;
	}
	hs_log_ring_free(srv_log_of[slot]);
	srv_log_of[slot] = NULL;
	if (srv_pool_of[slot] != NULL) {
		hs_http_rpool_fini(&srv_pool_of[slot]->rp);
		free(srv_pool_of[slot]);
		srv_pool_of[slot] = NULL;
	}
	hs_lcore_set_ctl(lc, NULL);
}

/* ---- generations (main lcore) ------------------------------------------ */

static bool
srv_gen_busy(void *obj)
{
	struct hs_srv_gen *g = obj;

	for (unsigned int i = 0; i < HS_MAX_LCORES; i++)
		if (__atomic_load_n(&g->refs[i].n, __ATOMIC_ACQUIRE) != 0)
			return true;
	return false;
}

static void
srv_gen_free(void *obj)
{
	struct hs_srv_gen *g = obj;

	if (g->release != NULL)
		g->release(g->release_arg);
	free(g);
}

int
hs_server_publish(const struct hs_server_config *cfg,
		  void (*release)(void *arg), void *arg)
{
	struct hs_srv_gen *g = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*g));
	struct hs_srv_gen *old;

	if (g == NULL)
		return -ENOMEM;
	memset(g, 0, sizeof(*g));
	g->cfg = *cfg;
	g->release = release;
	g->release_arg = arg;
	old = __atomic_exchange_n(&srv_gen_cur, g, __ATOMIC_ACQ_REL);
	hs_lcore_ctl_bump();
	if (old != NULL && hs_rcu_retire(old, srv_gen_busy, srv_gen_free) < 0) {
		/* cannot track it: keep it until exit rather than risk it */
		fprintf(stderr, "httpsd: warning: out of memory retiring a "
				"configuration\n");
	}
	return 0;
}

uint64_t
hs_server_rstates_in_use(void)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < HS_MAX_LCORES; i++)
		if (srv_pool_of[i] != NULL)
			n += srv_pool_of[i]->rp.in_use;
	return n;
}

/* Connections open on every lcore's server state; with minus_quiet,
 * those the drain still waits for (not closed with nothing in flight). */
static uint64_t
srv_live_sum(bool minus_quiet)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < HS_MAX_LCORES; i++)
		for (int j = 0; j < 2; j++) {
			const struct hs_srv_lcore *sl = srv_of[i][j];

			if (sl == NULL)
				continue;
			n += __atomic_load_n(&sl->nlive, __ATOMIC_RELAXED);
			if (minus_quiet)
				n -= __atomic_load_n(&sl->nquiet,
						     __ATOMIC_RELAXED);
		}
	return n;
}

uint64_t
hs_server_live_conns(void)
{
	return srv_live_sum(false);
}

uint64_t
hs_server_drain_pending(void)
{
	return srv_live_sum(true);
}

unsigned int
hs_server_lcores_attached(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < HS_MAX_LCORES; i++)
		n += srv_of[i][0] != NULL || srv_of[i][1] != NULL ||
		     srv_log_of[i] != NULL;
	return n;
}

void
hs_server_fini(void)
{
	struct hs_srv_gen *g =
		__atomic_exchange_n(&srv_gen_cur, NULL, __ATOMIC_ACQ_REL);

	if (g != NULL)
		srv_gen_free(g);
}
