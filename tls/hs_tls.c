/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls.c - TLS server sessions on wolfSSL, sans-I/O (see hs_tls.h): the
 * wolfSSL I/O callbacks, the session state machine (handshake, early
 * phase, read, write, shutdown), alerts and the per-session accessors.
 * Contexts are in hs_tls_ctx.c, resumption in hs_tls_ticket.c, site
 * choice in hs_tls_sni.c (hs_tls_int.h lists what they share).
 *
 * wolfSSL never sees a socket: the context installs hs_tls_io_recv/send as
 * its I/O callbacks and every WOLFSSL carries its hs_tls_sess as the I/O
 * context, so record bytes flow only through the session's pull/push.
 *
 * Discipline: every wolfSSL return value is checked; wolfSSL errors are
 * mapped to the negative errno codes of hs_common.h in one place
 * (hs_tls_map_err).  Native wolfSSL calls only, no OpenSSL-compat wrappers.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfio.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/memory.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hs_common.h"
#include "hs_tls.h"
#include "hs_tls_int.h"
#include "hs_tls_crypto.h"
#include "hs_tls_hello.h"
#include "hs_tls_ocsp.h"
#include "hs_tls_scache.h"

/* ---- transport callbacks ------------------------------------------- */

static void hs_tls_fatal_alert(struct hs_tls_sess *s, int wolf_err);

/* The 0-RTT anti-replay sniffer sees every byte wolfSSL gets, the held
 * first flight included, so it has judged the ClientHello before wolfSSL
 * parses it.  A replay is not aborted: RFC 8446 §8.2 lets the server
 * reject its 0-RTT instead, which hs_tls_ticket_cb does by refusing the
 * ticket (hs_tls_early.h says why that way).  A flight the sniffer cannot
 * follow with certainty is treated the same way (fail closed). */
static void
hs_tls_sniff(struct hs_tls_sess *s, const char *buf, int n)
{
	int rc;

	if (s->sniff.state == 0)
		return;
	rc = hs_tls_early_sniff_feed(&s->sniff, (const uint8_t *)buf,
				     (size_t)n);
	if (rc == -EALREADY) {
		s->early_replay = true;
		s->events |= HS_TLS_EV_EARLY_REPLAY;
	} else if (rc < 0) {
		s->early_replay = true;
		s->events |= HS_TLS_EV_EARLY_UNPARSED;
	}
}

int
hs_tls_io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct hs_tls_sess *s = ctx;
	int n;

	(void)ssl;
	if (sz <= 0)
		return 0;
	if (s->hold.raw != NULL) {
		/* the held first flight goes first */
		n = (int)HS_MIN((uint32_t)sz, s->hold.len - s->hold_off);
		memcpy(buf, s->hold.raw + s->hold_off, (size_t)n);
		s->hold_off += (uint32_t)n;
		if (s->hold_off == s->hold.len)
			hs_tls_hold_free(&s->hold);
		hs_tls_sniff(s, buf, n);
		return n;
	}
	n = s->pull(s->io, (uint8_t *)buf, (size_t)sz);
	if (n > 0 && n <= sz)
		hs_tls_sniff(s, buf, n);
	if (n > 0)
		return n > sz ? WOLFSSL_CBIO_ERR_GENERAL : n;
	if (n == 0)
		return WOLFSSL_CBIO_ERR_WANT_READ;
	s->transport_closed = true;
	return n == -EPIPE ? WOLFSSL_CBIO_ERR_CONN_CLOSE
			   : WOLFSSL_CBIO_ERR_CONN_RST;
}

int
hs_tls_io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct hs_tls_sess *s = ctx;
	int n;

	(void)ssl;
	if (sz <= 0)
		return 0;
	n = s->push(s->io, (const uint8_t *)buf, (size_t)sz);
	if (n > 0) {
		if (n > sz)
			return WOLFSSL_CBIO_ERR_GENERAL;
		s->tx_blocked = false;
		s->tx_bytes += (uint64_t)n;
		return n;
	}
	if (n == 0) {
		s->tx_blocked = true;
		return WOLFSSL_CBIO_ERR_WANT_WRITE;
	}
	s->transport_closed = true;
	return WOLFSSL_CBIO_ERR_CONN_RST;
}

/* ---- sessions ------------------------------------------------------ */

struct hs_tls_sess *
hs_tls_sess_new(struct hs_tls_ctx *ctx, hs_tls_pull_fn pull,
		hs_tls_push_fn push, void *io)
{
	struct hs_tls_sess *s;

	if (ctx == NULL || pull == NULL || push == NULL)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	if (ctx->crypto == HS_TLS_CRYPTO_IPSECMB) {
		s->keys = hs_tls_crypto_keyset_new();
		if (s->keys == NULL) {
			free(s);
			return NULL;
		}
	}
	s->ctx = ctx;
	s->pull = pull;
	s->push = push;
	s->io = io;
	return s;
}

void
hs_tls_sess_set_views(struct hs_tls_sess *s, hs_tls_peek_fn peek,
		      hs_tls_drop_fn drop)
{
	if (s == NULL || (peek == NULL) != (drop == NULL))
		return;
	s->peek = peek;
	s->drop = drop;
}

void
hs_tls_sess_free(struct hs_tls_sess *s)
{
	if (s == NULL)
		return;
	wolfSSL_free(s->ssl);
	hs_tls_own_free(s);
	hs_tls_early_sniff_stop(&s->sniff);
	hs_tls_crypto_keyset_free(s->keys); /* wipes the expanded keys */
	hs_tls_hold_free(&s->hold);
	free(s);
}

/* Push what is left of our own alert record; 0 once it is all out. */
static int
hs_tls_alert_flush(struct hs_tls_sess *s)
{
	while (s->alert_off < s->alert_len) {
		int n = s->push(s->io, s->alert + s->alert_off,
				(size_t)(s->alert_len - s->alert_off));

		if (n == 0)
			return -EAGAIN;
		if (n < 0) {
			s->transport_closed = true;
			return -ECONNRESET;
		}
		s->alert_off += (uint8_t)HS_MIN(n, s->alert_len - s->alert_off);
	}
	return 0;
}

/* Alert for a wolfSSL error (RFC 8446 §6.2 descriptions). */
static uint8_t
hs_tls_alert_desc(int wolf_err)
{
	switch (wolf_err) {
	case UNKNOWN_RECORD_TYPE: /* RFC 8446 §5 */
	case OUT_OF_ORDER_E:
		return 10; /* unexpected_message */
	case VERSION_ERROR:
		return 70; /* protocol_version */
	case MATCH_SUITE_ERROR:
		return 40; /* handshake_failure */
	default:
		return 50; /* decode_error */
	}
}

/* wolfSSL 5.5.4 fails some records without telling the peer (an unknown
 * record type, e.g. plain HTTP sent to the TLS port, sends nothing).  When
 * it sent no fatal alert and we have not pushed a byte yet - so no record
 * keys exist and the alert is plaintext (RFC 8446 §5.1, §6.2) - we send
 * one ourselves.  Later failures are encrypted; wolfSSL alerts those. */
static void
hs_tls_plain_alert(struct hs_tls_sess *s, uint8_t desc)
{
	s->alert[0] = 21; /* ContentType alert */
	s->alert[1] = 3;  /* legacy_record_version 3,3 */
	s->alert[2] = 3;
	s->alert[3] = 0;
	s->alert[4] = 2;
	s->alert[5] = alert_fatal;
	s->alert[6] = desc;
	s->alert_len = sizeof(s->alert);
	(void)hs_tls_alert_flush(s);
}

/* Refuse a ClientHello before wolfSSL saw it: plaintext fatal alert. */
int
hs_tls_alert_now(struct hs_tls_sess *s, uint8_t desc)
{
	if (s->alert_len == 0)
		hs_tls_plain_alert(s, desc);
	s->dead = -EPROTO;
	return s->dead;
}

static void
hs_tls_fatal_alert(struct hs_tls_sess *s, int wolf_err)
{
	WOLFSSL_ALERT_HISTORY h;

	memset(&h, 0, sizeof(h));
	if (s->ssl == NULL ||
	    wolfSSL_get_alert_history(s->ssl, &h) != WOLFSSL_SUCCESS)
		memset(&h, 0, sizeof(h));
	if (h.last_tx.level == alert_fatal || s->tx_bytes != 0 ||
	    s->alert_len != 0)
		return;
	hs_tls_plain_alert(s, hs_tls_alert_desc(wolf_err));
}

/* Map a failed wolfSSL call (ret <= 0) to our codes.  Fatal results are
 * sticky: the alert (RFC 8446 §6.2) has been queued through push, and the
 * session must not be used for data any more. */
static int
hs_tls_map_err(struct hs_tls_sess *s, int ret)
{
	int e = wolfSSL_get_error(s->ssl, ret);

	if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE)
		return -EAGAIN;
	/* wolfSSL 5.5.4 wolfSSL_accept_TLSv13() stores 0 instead of
	 * WANT_WRITE in ssl->error when resending buffered output blocks
	 * again; our push saw "no room", so this is a would-block. */
	if (e == WOLFSSL_ERROR_NONE && s->tx_blocked && !s->transport_closed)
		return -EAGAIN;
	if (s->transport_closed) {
		s->dead = -ECONNRESET;
		return s->dead;
	}
	hs_tls_fatal_alert(s, e);
	s->dead = -EPROTO;
	return s->dead;
}

/* A dead session keeps failing with its code; it still tries to get our
 * own alert out if the transport was full the first time. */
static int
hs_tls_dead(struct hs_tls_sess *s)
{
	if (s->alert_off < s->alert_len && !s->transport_closed)
		(void)hs_tls_alert_flush(s);
	return s->dead;
}

static int
hs_tls_do_handshake(struct hs_tls_sess *s)
{
	int ret;

	if (s == NULL)
		return -EINVAL;
	if (s->dead)
		return hs_tls_dead(s);
	if (s->hs_done)
		return 0;
	if (s->ssl == NULL)
		HS_GUARD(hs_tls_choose_site(s));
	if (s->early_phase)
		return -EAGAIN; /* hs_tls_read drives it (early data) */
	s->tx_blocked = false;
	ret = wolfSSL_accept(s->ssl);
	if (ret != WOLFSSL_SUCCESS)
		return hs_tls_map_err(s, ret);
	/* wolfSSL 5.5.4 only reports success once its record layer is
	 * drained (we never enable message grouping), but a handshake whose
	 * last flight (NewSessionTicket, RFC 8446 §4.6.1) is still stuck in
	 * the output buffer must not be called done: the caller would wait
	 * for input that never comes.  Calling accept again re-sends the
	 * buffered bytes before anything else. */
	if (s->tx_blocked)
		return -EAGAIN;
	hs_tls_early_sniff_stop(&s->sniff);
	if (!hs_tls_mtls_acceptable(s->client_auth, &s->peer)) {
		s->dead = -EPROTO; /* resumed without a client certificate */
		return s->dead;
	}
	s->hs_done = true;
	/* our own record layer takes over from here, if configured */
	if (s->own != NULL && !s->early_on)
		hs_tls_own_handover(s);
	else if (s->own != NULL)
		hs_tls_own_free(s);
	return 0;
}

/* Public entry: the session's key cache is the device's for the call. */
int
hs_tls_handshake(struct hs_tls_sess *s)
{
	struct hs_tls_crypto_keyset *prev;
	int rc;

	if (s == NULL)
		return -EINVAL;
	prev = hs_tls_crypto_enter(s->keys);
	rc = hs_tls_do_handshake(s);
	hs_tls_crypto_leave(prev);
	return rc;
}

bool
hs_tls_handshake_done(const struct hs_tls_sess *s)
{
	return s != NULL && s->hs_done;
}

bool
hs_tls_early_phase(const struct hs_tls_sess *s)
{
	return s != NULL && s->early_phase;
}

bool
hs_tls_in_early_data(const struct hs_tls_sess *s)
{
	return s != NULL && s->early_input;
}

/* Early phase (sessions of a context with early data): the handshake is
 * driven by wolfSSL_read_early_data(), which is the only way wolfSSL
 * 5.5.4 accepts early data (it marks the session as expecting it before
 * the ClientHello is parsed).  It runs wolfSSL_accept until our Finished
 * is out, then returns early data until the client's EndOfEarlyData and
 * Finished.  >0 bytes (early_input says whether they came before the
 * client's Finished), 0 once the phase is over and the handshake has
 * been finished with wolfSSL_accept (read normally then), or an error. */
static int
hs_tls_early_read(struct hs_tls_sess *s, void *buf, size_t len)
{
	int ret, out = 0, e;

	s->tx_blocked = false;
#ifdef WOLFSSL_EARLY_DATA
	ret = wolfSSL_read_early_data(s->ssl, buf, (int)len, &out);
#else
	/* not reached: without early data in wolfSSL (Debian's build) no
	 * context allows it (hs_tls_early_ctx_setup); a plain handshake */
	ret = 0;
#endif
	if (out > 0) {
		/* data processed after the client's Finished is 1-RTT data */
		s->early_input = !wolfSSL_is_init_finished(s->ssl);
		if (s->early_input) {
			s->events |= HS_TLS_EV_EARLY_ACCEPTED;
			/* early data comes only once wolfSSL_accept has
			 * returned after our Finished: 0.5-RTT from now on.
			 * Not when client certificates are required: the
			 * check is made once the handshake is done (a
			 * resumed session has none), the answer waits. */
			s->half_rtt =
				s->client_auth != HS_TLS_CLIENT_AUTH_REQUIRED;
		}
		return out;
	}
	if (ret == BAD_FUNC_ARG && wolfSSL_version(s->ssl) != TLS1_3_VERSION) {
		/* a TLS 1.2 client: no early data, plain handshake */
	} else if (ret != 0 && !wolfSSL_is_init_finished(s->ssl)) {
		e = wolfSSL_get_error(s->ssl, ret);
		if (e == WOLFSSL_ERROR_WANT_READ ||
		    e == WOLFSSL_ERROR_WANT_WRITE ||
		    (e == WOLFSSL_ERROR_NONE && s->tx_blocked &&
		     !s->transport_closed))
			return -EAGAIN;
		return hs_tls_map_err(s, ret);
	}
	/* Finished received (or a handshake without early data that
	 * wolfSSL_read_early_data no longer drives): wolfSSL_accept ends it
	 * (tickets) and reports success. */
	s->early_phase = false;
	s->early_input = false;
	s->half_rtt = false;
	return hs_tls_do_handshake(s);
}

/* Reads and writes drive an unfinished handshake first. */
static int
hs_tls_ready(struct hs_tls_sess *s)
{
	if (s == NULL)
		return -EINVAL;
	if (s->dead)
		return hs_tls_dead(s);
	/* wolfSSL 5.5.4's wolfSSL_write finishes the handshake first (and
	 * turns its would-block into a fatal error): no 0.5-RTT data, the
	 * answer to early data waits for the client's Finished.  Our patched
	 * build (scripts/wolfssl-patches/0002) sends it after our Finished
	 * (RFC 8446 §2.3, §4.4.4); see hs_tls_do_write. */
	if (s->early_phase)
		return -EAGAIN;
	if (!s->hs_done)
		return hs_tls_do_handshake(s);
	return 0;
}

/* Empty wolfSSL's output buffer.
 *
 * wolfSSL 5.5.4 appends new records (alerts, KeyUpdate) at buffer + length,
 * ignoring the offset of a partly sent record, and would overwrite it: so
 * wolfSSL_read and wolfSSL_shutdown are only ever called with nothing
 * pending.  Pending output is either the rest of a blocked write's record
 * (wr_retry) or something read/shutdown queued (tx_pending); both flags
 * are only set after our push refused bytes, so wolfSSL does hold some.
 *
 * There is no flush call.  wolfSSL_write sends buffered bytes first, then
 * counts them as prevSent + plainSz plaintext bytes of the write that last
 * met WANT_WRITE (never reset), fails with a session-killing BAD_FUNC_ARG
 * if that exceeds the new length and otherwise goes on after that many.
 * Every write is one record (len <= HS_TLS_MAX_WRITE, no max_fragment), so
 * that count is exactly the len of the last blocked write: a write of
 * stale_len bytes (0 if none ever blocked) flushes and sends nothing new.
 * Once a blocked write's record is flushed, its retry is done. */
static const uint8_t hs_tls_zeros[HS_TLS_MAX_WRITE];

static int
hs_tls_flush(struct hs_tls_sess *s)
{
	int ret;

	if (!s->tx_pending && !s->wr_retry)
		return 0;
	s->tx_blocked = false;
	ret = wolfSSL_write(s->ssl, hs_tls_zeros, s->stale_len);
	if (ret < 0)
		return hs_tls_map_err(s, ret);
	if (ret != s->stale_len || s->tx_blocked) {
		s->dead = -EIO; /* wolfSSL's accounting differs: stop */
		return s->dead;
	}
	if (s->wr_retry) {
		s->wr_retry = false;
		s->wr_done = true;
	}
	s->tx_pending = false;
	return 0;
}

static int
hs_tls_do_read(struct hs_tls_sess *s, void *buf, size_t len)
{
	int ret, e;

	if (buf == NULL || len == 0)
		return -EINVAL;
	if (hs_tls_own_active(s))
		return hs_tls_own_read(s, buf, len);
	/* the site's context decides whether reads drive the handshake */
	if (s->ssl == NULL && !s->dead)
		HS_GUARD(hs_tls_choose_site(s));
	if (s->early_phase && !s->dead) {
		if (len > INT_MAX)
			len = INT_MAX;
		/* a blocked 0.5-RTT write's record goes out before wolfSSL
		 * reads (and, after the client's Finished, sends tickets) */
		if (HS_TLS_HALF_RTT && s->half_rtt)
			HS_GUARD(hs_tls_flush(s));
		ret = hs_tls_early_read(s, buf, len);
		if (ret != 0)
			return ret;
	}
	HS_GUARD(hs_tls_ready(s));
	if (hs_tls_own_active(s)) /* the handshake just ended */
		return hs_tls_own_read(s, buf, len);
	s->early_input = false;
	if (s->peer_closed)
		return 0;
	/* Output first (see hs_tls_flush): while it is blocked we read
	 * nothing, which also pushes back on a peer that does not read. */
	HS_GUARD(hs_tls_flush(s));
	if (len > INT_MAX)
		len = INT_MAX;
	s->tx_blocked = false;
	ret = wolfSSL_read(s->ssl, buf, (int)len);
	/* wolfSSL may have answered something (KeyUpdate) and hit a full
	 * transport; it returns the data it read all the same. */
	if (s->tx_blocked)
		s->tx_pending = true;
	if (ret > 0)
		return ret;
	/* RFC 8446 §6.1: close_notify ends the stream cleanly.  wolfSSL
	 * also returns 0 for a bare transport EOF; only the former is 0. */
	e = wolfSSL_get_error(s->ssl, ret);
	if (e == WOLFSSL_ERROR_ZERO_RETURN) {
		s->peer_closed = true;
		return 0;
	}
	return hs_tls_map_err(s, ret);
}

/* Public entry: the session's key cache is the device's for the call. */
int
hs_tls_read(struct hs_tls_sess *s, void *buf, size_t len)
{
	struct hs_tls_crypto_keyset *prev;
	int rc;

	if (s == NULL)
		return -EINVAL;
	prev = hs_tls_crypto_enter(s->keys);
	rc = hs_tls_do_read(s, buf, len);
	hs_tls_crypto_leave(prev);
	return rc;
}

static int
hs_tls_do_write(struct hs_tls_sess *s, const void *buf, size_t len)
{
	int ret;

	if (hs_tls_own_active(s))
		return hs_tls_own_write(s, buf, len);
	/* 0.5-RTT data: once early data has been read our Finished is out
	 * and the patched wolfSSL_write sends with our application traffic
	 * keys while the client's Finished is awaited. */
	if (!(HS_TLS_HALF_RTT && s->early_phase && s->half_rtt && !s->dead))
		HS_GUARD(hs_tls_ready(s));
	if (hs_tls_own_active(s)) /* the handshake just ended */
		return hs_tls_own_write(s, buf, len);
	if (buf == NULL || len > HS_TLS_MAX_WRITE)
		return -EINVAL;
	if (s->wr_done) {
		/* the retry of a write whose record a flush completed */
		s->wr_done = false;
		return (int)len;
	}
	if (s->shut_sent)
		return -EINVAL; /* RFC 8446 §6.1: nothing after close_notify */
	if (len == 0)
		return 0;
	if (!s->wr_retry)
		HS_GUARD(hs_tls_flush(s));
	/* On WANT_WRITE wolfSSL keeps the sealed record in its output buffer
	 * and expects the same buffer and length on the next call. */
	s->tx_blocked = false;
	ret = wolfSSL_write(s->ssl, buf, (int)len);
	if (ret == (int)len) {
		s->wr_retry = false;
		return ret;
	}
	if (ret > 0) {
		/* partial writes are not enabled: cannot happen */
		s->dead = -EIO;
		return s->dead;
	}
	ret = hs_tls_map_err(s, ret);
	if (ret == -EAGAIN) {
		s->wr_retry = true;
		s->stale_len = (uint16_t)len;
	}
	return ret;
}

/* Public entry: the session's key cache is the device's for the call. */
int
hs_tls_write(struct hs_tls_sess *s, const void *buf, size_t len)
{
	struct hs_tls_crypto_keyset *prev;
	int rc;

	if (s == NULL)
		return -EINVAL;
	prev = hs_tls_crypto_enter(s->keys);
	rc = hs_tls_do_write(s, buf, len);
	hs_tls_crypto_leave(prev);
	return rc;
}

static int
hs_tls_do_shutdown(struct hs_tls_sess *s)
{
	int ret;

	if (s == NULL)
		return -EINVAL;
	if (hs_tls_own_active(s))
		return hs_tls_own_shutdown(s);
	if (s->shut_sent && !s->tx_pending)
		return 0;
	if (s->dead)
		return hs_tls_dead(s);
	if (s->ssl == NULL) {
		s->shut_sent = true; /* nothing was said: nothing to end */
		return 0;
	}
	/* Pending output, including a blocked write's record, goes out
	 * ahead of close_notify.  Once close_notify is queued, calling
	 * wolfSSL_shutdown again would queue a second one: just push. */
	HS_GUARD(hs_tls_flush(s));
	if (s->shut_sent)
		return 0;
	/* RFC 8446 §6.1: we send close_notify and need not wait for the
	 * peer's: SHUTDOWN_NOT_DONE only means theirs has not arrived. */
	s->tx_blocked = false;
	ret = wolfSSL_shutdown(s->ssl);
	if (ret == WOLFSSL_SUCCESS || ret == WOLFSSL_SHUTDOWN_NOT_DONE) {
		s->shut_sent = true;
		return 0;
	}
	ret = hs_tls_map_err(s, ret);
	if (ret == -EAGAIN && s->tx_blocked) {
		s->shut_sent = true; /* queued, flushed by the next call */
		s->tx_pending = true;
	}
	return ret;
}

/* Public entry: the session's key cache is the device's for the call. */
int
hs_tls_shutdown(struct hs_tls_sess *s)
{
	struct hs_tls_crypto_keyset *prev;
	int rc;

	if (s == NULL)
		return -EINVAL;
	prev = hs_tls_crypto_enter(s->keys);
	rc = hs_tls_do_shutdown(s);
	hs_tls_crypto_leave(prev);
	return rc;
}

const struct hs_tls_peer *
hs_tls_peer(const struct hs_tls_sess *s)
{
	static const struct hs_tls_peer none;

	return s != NULL ? &s->peer : &none;
}

const char *
hs_tls_version(const struct hs_tls_sess *s)
{
	const char *v;

	if (s != NULL && hs_tls_own_active(s))
		return hs_tls_own_version(s);
	if (s == NULL || s->ssl == NULL)
		return "none";
	v = wolfSSL_get_version(s->ssl);
	return v != NULL ? v : "unknown";
}

/* IANA names (RFC 8446 §B.4, RFC 5289), as OpenSSL and Wireshark print
 * TLS 1.3 suites: "TLS_AES_128_GCM_SHA256". */
const char *
hs_tls_cipher(const struct hs_tls_sess *s)
{
	const char *name;
	int cs;

	if (s == NULL || !s->hs_done)
		return "none";
	if (hs_tls_own_active(s))
		return hs_tls_own_cipher(s);
	cs = wolfSSL_get_current_cipher_suite(s->ssl);
	if (cs < 0)
		return "unknown";
	name = wolfSSL_get_cipher_name_iana_from_suite((uint8_t)(cs >> 8),
						       (uint8_t)cs);
	return name != NULL ? name : "unknown";
}

bool
hs_tls_session_reused(const struct hs_tls_sess *s)
{
	if (s != NULL && hs_tls_own_active(s))
		return hs_tls_own_reused(s);
	return s != NULL && s->hs_done && wolfSSL_session_reused(s->ssl) == 1;
}

unsigned int
hs_tls_events(const struct hs_tls_sess *s)
{
	unsigned int ev;

	if (s == NULL)
		return 0;
	ev = s->events & ~HS_TLS_EV_RESUME_OFFERED;
	if (s->hs_done && hs_tls_session_reused(s))
		ev |= HS_TLS_EV_RESUMED;
	else if (s->hs_done && (s->events & HS_TLS_EV_RESUME_OFFERED))
		ev |= HS_TLS_EV_RESUME_REFUSED;
	return ev;
}

const char *
hs_tls_server_name(const struct hs_tls_sess *s)
{
	return s != NULL && s->sni_seen ? s->sni : NULL;
}

const char *
hs_tls_alpn(const struct hs_tls_sess *s)
{
	char *name = NULL;
	unsigned short len = 0;

	if (s != NULL && s->hs_done && hs_tls_own_active(s))
		return hs_tls_own_alpn(s);
	if (s == NULL || !s->hs_done ||
	    wolfSSL_ALPN_GetProtocol(s->ssl, &name, &len) != WOLFSSL_SUCCESS)
		return NULL;
	return name;
}
