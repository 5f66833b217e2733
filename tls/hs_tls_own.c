/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_own.c - the handover from wolfSSL to our own record layer
 * (hs_tls_rec.h) after the handshake, and the session's reads, writes
 * and close over it (contract: hs_tls.h, "our own record layer").
 *
 * Handover (hs_tls_own_handover, right after wolfSSL_accept succeeded
 * with its output flushed, i.e. after its NewSessionTicket(s)):
 *   - TLS 1.3: the client and server application traffic secrets, which
 *     wolfSSL hands to the secret callback as it derives them (wolfSSL
 *     5.5.4 HAVE_SECRET_CALLBACK, set per WOLFSSL in hs_tls_own_setup);
 *   - TLS 1.2: the key block (RFC 5246 §6.3) from the master secret and
 *     randoms (wolfSSL_get_keys; wolfSSL_KeepArrays keeps them);
 *   - both: the write and read sequence numbers from wolfSSL (ATOMIC_USER
 *     wolfSSL_GetSequenceNumber / GetPeerSequenceNumber);
 *   - nothing is lost in between: wolfSSL reads from the transport only
 *     the bytes of the records it processes (GetInputData asks for what
 *     it lacks, never more) and has no plaintext pending
 *     (wolfSSL_pending); a session whose first flight is still partly
 *     held, that read or sent 0-RTT/0.5-RTT data, or runs a suite the
 *     record layer does not do, stays on wolfSSL.
 * Then the names the accessors report are saved, and the WOLFSSL and the
 * device key cache are freed: what is left is the session, two expanded
 * keys and the traffic secrets (TLS 1.3 KeyUpdate).
 *
 * After it (RFC 8446 §4.6.3, §5, §6; RFC 5246 §7.2):
 *   - application data is delivered; an empty record is skipped;
 *   - close_notify ends the stream (read returns 0); user_canceled and
 *     TLS 1.2 warnings are ignored; any other alert kills the session
 *     (-ECONNRESET, nothing sent back);
 *   - TLS 1.3 KeyUpdate: the read key steps; update_requested makes us
 *     send our own KeyUpdate (update_not_requested) before our next
 *     record and step our write key.  It must end its record
 *     (unexpected_message otherwise, RFC 8446 §5.1), have a 1-byte body
 *     (decode_error) of 0 or 1 (illegal_parameter).  Any other
 *     handshake message, and a message split over records (a KeyUpdate
 *     is 5 bytes: we do not reassemble), gets unexpected_message;
 *   - TLS 1.2: any handshake message (a renegotiating ClientHello) gets
 *     a fatal unexpected_message: no renegotiation;
 *   - record-level failures get the alert hs_tls_rec_open names;
 *   - we KeyUpdate ourselves before HS_TLS_REC_UPDATE_AFTER records
 *     (RFC 8446 §5.5).  A TLS 1.2 connection whose sequence numbers run
 *     out fails (-EOVERFLOW): not reachable in practice (2^64 records).
 * Our fatal alerts and close_notify are sealed records pushed through
 * the session's push.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/kdf.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hs_common.h"
#include "hs_tls_int.h"
#include "hs_tls_rec.h"

/* The handover needs wolfSSL's secret callback and sequence numbers
 * (scripts/deps.sh builds them in).  A wolfSSL without them (an older
 * .deps, Debian's) builds all the same: no session is handed over,
 * --tls-records own then means wolfSSL's records (hs_tls_own_available). */
#if defined(HAVE_SECRET_CALLBACK) && defined(ATOMIC_USER)
#define HS_TLS_OWN_OK 1
#else
#define HS_TLS_OWN_OK 0
#endif

#define OWN_SMALL    1360u /* first record of a response: one segment */
#define OWN_MEDIUM   4096u
/* Our control records (alert, KeyUpdate): header (TLS 1.2: + explicit
 * nonce), at most 16 bytes of message, inner type and tag. */
#define OWN_CTRL_MAX 64u

struct hs_tls_own {
	struct hs_tls_rec rec;
	bool active;
	bool update_pending; /* peer asked: our KeyUpdate goes first */
	bool reused;
	uint8_t csec_len, ssec_len;
	uint8_t csec[48], ssec[48]; /* until the handover */
	/* the record being received: header, then all of it in rx */
	uint8_t hdr[HS_TLS_REC_HDR];
	uint8_t hdr_len;
	uint8_t *rx; /* without views: the record, pulled (own_fill) */
	uint32_t rx_len, rx_need;
	uint32_t pl_off, pl_end; /* plaintext of the record not yet read */
	uint32_t rv_len;         /* with views: the record opened in place
	                          * (its bytes in the transport), 0: none */
	/* our own sealed bytes not yet pushed */
	uint8_t *tx;
	uint32_t tx_len, tx_off;
	uint32_t burst; /* written since the last read */
	const char *version, *cipher;
	char alpn[32];
};

size_t
hs_tls_own_size(void)
{
	return sizeof(struct hs_tls_own);
}

int
hs_tls_records_parse(const char *name, enum hs_tls_records *out)
{
	if (name == NULL || out == NULL)
		return -EINVAL;
	if (strcmp(name, "own") == 0)
		*out = HS_TLS_RECORDS_OWN;
	else if (strcmp(name, "wolfssl") == 0)
		*out = HS_TLS_RECORDS_WOLFSSL;
	else
		return -EINVAL;
	return 0;
}

const char *
hs_tls_records_name(enum hs_tls_records r)
{
	return r == HS_TLS_RECORDS_OWN ? "own" : "wolfssl";
}

bool
hs_tls_own_available(void)
{
	return HS_TLS_OWN_OK && hs_tls_crypto_available();
}

#if HS_TLS_OWN_OK
static int
own_secret_cb(WOLFSSL *ssl, int id, const unsigned char *sec, int len,
	      void *ctx)
{
	struct hs_tls_sess *s = ctx;
	struct hs_tls_own *o = s->own;

	(void)ssl;
	if (o == NULL || len <= 0 || len > 48)
		return 0;
	if (id == CLIENT_TRAFFIC_SECRET) {
		memcpy(o->csec, sec, (size_t)len);
		o->csec_len = (uint8_t)len;
	} else if (id == SERVER_TRAFFIC_SECRET) {
		memcpy(o->ssec, sec, (size_t)len);
		o->ssec_len = (uint8_t)len;
	}
	return 0;
}
#endif

int
hs_tls_own_setup(struct hs_tls_sess *s)
{
	/* 0-RTT sessions stay on wolfSSL (hs_tls_own_handover) */
	if (s->ctx->records != HS_TLS_RECORDS_OWN || s->ctx->early ||
	    !hs_tls_own_available())
		return 0;
#if HS_TLS_OWN_OK
	s->own = calloc(1, sizeof(*s->own));
	if (s->own == NULL)
		return -ENOMEM;
	wolfSSL_set_tls13_secret_cb(s->ssl, own_secret_cb, s);
	wolfSSL_KeepArrays(s->ssl);
#endif
	return 0;
}

bool
hs_tls_own_active(const struct hs_tls_sess *s)
{
	return s->own != NULL && s->own->active;
}

bool
hs_tls_own_records(const struct hs_tls_sess *s)
{
	return s != NULL && hs_tls_own_active(s);
}

void
hs_tls_sess_set_rec_out(struct hs_tls_sess *s,
			const struct hs_tls_rec_out_ops *ops)
{
	if (s != NULL)
		s->rec_out = ops;
}

void
hs_tls_own_free(struct hs_tls_sess *s)
{
	struct hs_tls_own *o = s->own;

	if (o == NULL)
		return;
	hs_tls_rec_clear(&o->rec);
	if (o->rx != NULL) {
		explicit_bzero(o->rx, o->rx_need);
		free(o->rx);
	}
	free(o->tx);
	explicit_bzero(o, sizeof(*o));
	free(o);
	s->own = NULL;
}

/* TLS 1.2 keys: key block, then sequence numbers. */
static int
own_keys12(struct hs_tls_sess *s, struct hs_tls_rec *r, uint64_t wseq,
	   uint64_t rseq)
{
	unsigned char *ms, *sr, *cr;
	unsigned int msl, srl, crl;
	uint8_t seed[64], blk[2 * (32 + 12)];
	size_t kl = hs_tls_aead_key_len(r->alg);
	size_t ivl = r->alg == HS_TLS_AEAD_CHACHA20_POLY1305 ? 12 : 4;
	int rc = -EINVAL;

	if (wolfSSL_get_keys(s->ssl, &ms, &msl, &sr, &srl, &cr, &crl) != 1 ||
	    srl != 32 || crl != 32)
		return -EINVAL;
	memcpy(seed, sr, 32);
	memcpy(seed + 32, cr, 32);
	if (wc_PRF_TLS(blk, (word32)(2 * (kl + ivl)), ms, msl,
		       (const byte *)"key expansion", 13, seed, 64, 1,
		       r->hash_len == 48 ? sha384_mac : sha256_mac, NULL,
		       INVALID_DEVID) == 0 &&
	    hs_tls_rec_set_key(r, HS_TLS_REC_READ, blk, kl, blk + 2 * kl, ivl,
			       rseq) == 0 &&
	    hs_tls_rec_set_key(r, HS_TLS_REC_WRITE, blk + kl, kl,
			       blk + 2 * kl + ivl, ivl, wseq) == 0)
		rc = 0;
	explicit_bzero(blk, sizeof(blk));
	return rc;
}

void
hs_tls_own_handover(struct hs_tls_sess *s)
{
	struct hs_tls_own *o = s->own;
	word64 wseq = 0, rseq = 0;
	uint16_t version, suite;
	char *alpn = NULL;
	unsigned short alen = 0;
	int cs, rc;

	/* our records go out only sealed into the transport's memory */
	if (o == NULL || o->active || !HS_TLS_OWN_OK || s->rec_out == NULL)
		return;
	cs = wolfSSL_get_current_cipher_suite(s->ssl);
	version = (uint16_t)wolfSSL_version(s->ssl);
	suite = (uint16_t)cs;
	if (cs < 0 || !hs_tls_rec_suite_ok(version, suite) ||
	    s->hold.raw != NULL || s->half_rtt || s->tx_pending ||
	    s->wr_retry || (s->events & HS_TLS_EV_EARLY_ACCEPTED) ||
	    wolfSSL_pending(s->ssl) != 0 ||
	    hs_tls_rec_init(&o->rec, version, suite) != 0)
		goto stay;
#if HS_TLS_OWN_OK
	(void)wolfSSL_GetSequenceNumber(s->ssl, &wseq);
	(void)wolfSSL_GetPeerSequenceNumber(s->ssl, &rseq);
#endif
	if (version == HS_TLS_V13)
		rc = (o->csec_len == o->rec.hash_len &&
		      o->ssec_len == o->rec.hash_len &&
		      hs_tls_rec_set_secret(&o->rec, HS_TLS_REC_READ, o->csec,
					    o->csec_len, rseq) == 0 &&
		      hs_tls_rec_set_secret(&o->rec, HS_TLS_REC_WRITE, o->ssec,
					    o->ssec_len, wseq) == 0)
			     ? 0
			     : -EINVAL;
	else
		rc = own_keys12(s, &o->rec, wseq, rseq);
	if (rc != 0)
		goto stay;
	explicit_bzero(o->csec, sizeof(o->csec));
	explicit_bzero(o->ssec, sizeof(o->ssec));
	/* what the accessors report, kept past the WOLFSSL */
	o->version = version == HS_TLS_V13 ? "TLSv1.3" : "TLSv1.2";
	o->cipher = wolfSSL_get_cipher_name_iana_from_suite((uint8_t)(cs >> 8),
							    (uint8_t)cs);
	o->reused = wolfSSL_session_reused(s->ssl) == 1;
	if (wolfSSL_ALPN_GetProtocol(s->ssl, &alpn, &alen) == WOLFSSL_SUCCESS &&
	    alpn != NULL && alen < sizeof(o->alpn)) {
		memcpy(o->alpn, alpn, alen);
		o->alpn[alen] = '\0';
	}
	o->active = true;
	s->events |= HS_TLS_EV_OWN_RECORDS;
	wolfSSL_free(s->ssl);
	s->ssl = NULL;
	hs_tls_crypto_keyset_free(s->keys);
	s->keys = NULL;
	return;
stay:
	hs_tls_rec_clear(&o->rec);
	hs_tls_own_free(s);
	wolfSSL_FreeArrays(s->ssl);
}

const char *
hs_tls_own_version(const struct hs_tls_sess *s)
{
	return s->own->version;
}

const char *
hs_tls_own_cipher(const struct hs_tls_sess *s)
{
	return s->own->cipher != NULL ? s->own->cipher : "unknown";
}

bool
hs_tls_own_reused(const struct hs_tls_sess *s)
{
	return s->own->reused;
}

const char *
hs_tls_own_alpn(const struct hs_tls_sess *s)
{
	return s->own->alpn[0] != '\0' ? s->own->alpn : NULL;
}

/* ---- output ----------------------------------------------------------- */

/* Push our pending sealed bytes: 0 once all are out, -EAGAIN, or
 * -ECONNRESET. */
static int
own_flush(struct hs_tls_sess *s)
{
	struct hs_tls_own *o = s->own;

	while (o->tx_off < o->tx_len) {
		int n = s->push(s->io, o->tx + o->tx_off,
				o->tx_len - o->tx_off);

		if (n == 0)
			return -EAGAIN;
		if (n < 0) {
			s->transport_closed = true;
			return -ECONNRESET;
		}
		o->tx_off +=
			(uint32_t)HS_MIN((uint32_t)n, o->tx_len - o->tx_off);
		s->tx_bytes += (uint64_t)n;
	}
	free(o->tx);
	o->tx = NULL;
	o->tx_len = o->tx_off = 0;
	return 0;
}

/* Seal one record of type from p[0..len) behind what is pending. */
static int
own_queue(struct hs_tls_sess *s, uint8_t type, const void *p, size_t len)
{
	struct hs_tls_own *o = s->own;
	size_t hl = hs_tls_rec_hdr_len(&o->rec);
	size_t rl = hl + len + hs_tls_rec_tail_len(&o->rec, 0);
	uint8_t rec[OWN_CTRL_MAX];
	struct hs_tls_iov v;
	size_t off = 0;
	uint8_t *nb;
	long r;

	if (rl > sizeof(rec))
		return -EINVAL;
	v.base = rec + hl;
	v.len = len;
	memcpy(v.base, p, len);
	r = hs_tls_rec_seal(&o->rec, type, rec, &v, 1, v.base + len, 0);
	if (r < 0)
		return (int)r;
	/* Nothing pending: straight to the transport; only what it
	 * refuses is kept (the rare path that allocates). */
	while (o->tx_len == 0 && off < (size_t)r) {
		int n = s->push(s->io, rec + off, (size_t)r - off);

		if (n == 0)
			break;
		if (n < 0) {
			s->transport_closed = true;
			return -ECONNRESET;
		}
		off += HS_MIN((size_t)n, (size_t)r - off);
		s->tx_bytes += (uint64_t)n;
	}
	if (off == (size_t)r)
		return 0;
	nb = realloc(o->tx, o->tx_len + (size_t)r - off);
	if (nb == NULL)
		return -ENOMEM;
	o->tx = nb;
	memcpy(nb + o->tx_len, rec + off, (size_t)r - off);
	o->tx_len += (uint32_t)((size_t)r - off);
	return 0;
}

/* A fatal alert (sealed, best effort) and a dead session. */
static int
own_fatal(struct hs_tls_sess *s, uint8_t desc)
{
	uint8_t a[2] = { 2 /* fatal */, desc };

	if (!s->transport_closed && own_queue(s, HS_TLS_CT_ALERT, a, 2) == 0)
		(void)own_flush(s);
	s->dead = -EPROTO;
	return s->dead;
}

/* Before our next application data: the KeyUpdate the peer asked for,
 * or ours at the AES-GCM limit, then the new write key. */
static int
own_prepare(struct hs_tls_sess *s)
{
	struct hs_tls_own *o = s->own;
	static const uint8_t kupd[5] = { 24, 0, 0, 1, 0 };

	HS_GUARD(own_flush(s));
	if (o->rec.version == HS_TLS_V13 &&
	    (o->update_pending || hs_tls_rec_wants_update(&o->rec))) {
		int rc = own_queue(s, HS_TLS_CT_HANDSHAKE, kupd, sizeof(kupd));

		if (!o->update_pending)
			s->events |= HS_TLS_EV_KEY_LIMIT;
		if (rc == 0)
			rc = hs_tls_rec_update(&o->rec, HS_TLS_REC_WRITE);
		if (rc != 0)
			return own_fatal(s, HS_TLS_ALERT_INTERNAL_ERROR);
		o->update_pending = false;
		HS_GUARD(own_flush(s));
	}
	return 0;
}

int
hs_tls_own_set_write_seq(struct hs_tls_sess *s, uint64_t seq)
{
	if (!hs_tls_own_active(s))
		return -EINVAL;
	s->own->rec.wr.seq = seq;
	return 0;
}

size_t
hs_tls_record_size(const struct hs_tls_sess *s)
{
	const struct hs_tls_own *o;

	if (s == NULL || !hs_tls_own_active(s))
		return HS_TLS_MAX_WRITE;
	o = s->own;
	if (o->burst == 0)
		return OWN_SMALL;
	if (o->burst < 4 * OWN_MEDIUM)
		return OWN_MEDIUM;
	return HS_TLS_MAX_WRITE;
}

/* The one way application data leaves a session on our record layer:
 * one record of up to hs_tls_record_size() bytes, encrypted from buf
 * straight into the room the transport lends (s->rec_out: send-queue
 * mbufs), then handed over whole.  All of the record or nothing. */
int
hs_tls_own_write(struct hs_tls_sess *s, const void *buf, size_t len)
{
	struct hs_tls_own *o = s->own;
	struct hs_tls_rec_out r;
	size_t n;
	long rl;
	int rc;

	if (s->dead)
		return s->dead;
	if (buf == NULL || len > HS_TLS_MAX_WRITE || s->shut_sent)
		return -EINVAL;
	if (len == 0)
		return 0;
	HS_GUARD(own_prepare(s));
	n = HS_MIN(len, hs_tls_record_size(s));
	r.n = 0;
	rc = s->rec_out->get(s->io, hs_tls_rec_hdr_len(&o->rec), n,
			     hs_tls_rec_tail_len(&o->rec, 0), &r);
	if (rc != 0)
		return rc == -EAGAIN ? -EAGAIN : -EIO;
	rl = hs_tls_rec_seal_from(&o->rec, HS_TLS_CT_APPDATA, r.hdr, r.v, r.n,
				  buf, r.tail, 0);
	if (rl < 0) {
		(void)s->rec_out->put(s->io, &r, false);
		return (int)rl;
	}
	if (s->rec_out->put(s->io, &r, true) != 0) {
		/* sealed under this sequence number but not sent: a hole */
		s->transport_closed = true;
		s->dead = -EIO;
		return s->dead;
	}
	o->burst += (uint32_t)n;
	s->tx_bytes += (uint64_t)rl;
	return (int)n;
}

int
hs_tls_own_shutdown(struct hs_tls_sess *s)
{
	static const uint8_t cn[2] = { 1 /* warning */, 0 /* close_notify */ };

	if (s->shut_sent) {
		if (s->own->tx_off < s->own->tx_len)
			return own_flush(s);
		return 0;
	}
	if (s->dead)
		return s->dead;
	HS_GUARD(own_flush(s));
	HS_GUARD(own_queue(s, HS_TLS_CT_ALERT, cn, sizeof(cn)));
	s->shut_sent = true;
	return own_flush(s);
}

/* ---- input ------------------------------------------------------------ */

/* Pull up to len bytes; 0 nothing now, <0 the transport ended. */
static int
own_pull(struct hs_tls_sess *s, uint8_t *p, size_t len)
{
	int n = s->pull(s->io, p, len);

	if (n > (int)len)
		return -EIO;
	if (n < 0) {
		s->transport_closed = true;
		s->dead = -ECONNRESET; /* EOF without close_notify */
		return s->dead;
	}
	return n;
}

/* Have a whole record in o->rx: 0, -EAGAIN or an error. */
static int
own_fill(struct hs_tls_sess *s)
{
	struct hs_tls_own *o = s->own;
	int n;

	while (o->rx == NULL) {
		if (o->hdr_len < HS_TLS_REC_HDR) {
			n = own_pull(s, o->hdr + o->hdr_len,
				     HS_TLS_REC_HDR - o->hdr_len);
			if (n <= 0)
				return n == 0 ? -EAGAIN : n;
			o->hdr_len += (uint8_t)n;
			continue;
		}
		struct hs_tls_iov hv = { o->hdr, HS_TLS_REC_HDR };
		size_t reclen;
		int rc = hs_tls_rec_peek(&o->rec, &hv, 1, &reclen);

		if (rc != 0)
			return own_fatal(s, hs_tls_rec_alert(&o->rec));
		o->rx = malloc(reclen);
		if (o->rx == NULL)
			return -ENOMEM;
		memcpy(o->rx, o->hdr, HS_TLS_REC_HDR);
		o->rx_len = HS_TLS_REC_HDR;
		o->rx_need = (uint32_t)reclen;
	}
	while (o->rx_len < o->rx_need) {
		n = own_pull(s, o->rx + o->rx_len, o->rx_need - o->rx_len);
		if (n <= 0)
			return n == 0 ? -EAGAIN : n;
		o->rx_len += (uint32_t)n;
	}
	return 0;
}

static void
own_rx_done(struct hs_tls_own *o)
{
	explicit_bzero(o->rx, o->rx_need);
	free(o->rx);
	o->rx = NULL;
	o->rx_len = o->rx_need = 0;
	o->pl_off = o->pl_end = 0;
	o->hdr_len = 0;
}

/* Post-handshake messages of one record (see the top). */
static int
own_handshake(struct hs_tls_sess *s, const uint8_t *p, size_t len)
{
	struct hs_tls_own *o = s->own;
	size_t off = 0;

	if (o->rec.version != HS_TLS_V13) /* TLS 1.2: no renegotiation */
		return own_fatal(s, HS_TLS_ALERT_UNEXPECTED_MESSAGE);
	while (off < len) {
		size_t ml;

		if (len - off < 4)
			return own_fatal(s, HS_TLS_ALERT_UNEXPECTED_MESSAGE);
		ml = (size_t)p[off + 1] << 16 | (size_t)p[off + 2] << 8 |
		     p[off + 3];
		if (ml > len - off - 4)
			return own_fatal(s, HS_TLS_ALERT_UNEXPECTED_MESSAGE);
		if (p[off] != 24) /* only KeyUpdate after the handshake */
			return own_fatal(s, HS_TLS_ALERT_UNEXPECTED_MESSAGE);
		if (ml != 1)
			return own_fatal(s, HS_TLS_ALERT_DECODE_ERROR);
		if (p[off + 4] > 1)
			return own_fatal(s, 47 /* illegal_parameter */);
		if (off + 5 != len) /* a key change ends its record (§5.1) */
			return own_fatal(s, HS_TLS_ALERT_UNEXPECTED_MESSAGE);
		if (hs_tls_rec_update(&o->rec, HS_TLS_REC_READ) != 0)
			return own_fatal(s, HS_TLS_ALERT_INTERNAL_ERROR);
		s->events |= HS_TLS_EV_PEER_KEY_UPDATE;
		if (p[off + 4] == 1)
			o->update_pending = true;
		off += 5;
	}
	return 0;
}

/* A record's alert or post-handshake message, contiguous: 0 to read on,
 * 1 at the peer's close_notify, or an error (the session is dead). */
static int
own_control(struct hs_tls_sess *s, uint8_t type, const uint8_t *p, size_t len)
{
	struct hs_tls_own *o = s->own;
	int rc;

	if (type == HS_TLS_CT_ALERT) {
		if (p[1] == HS_TLS_ALERT_CLOSE_NOTIFY) {
			s->peer_closed = true;
			return 1;
		}
		if (p[1] == 90 /* user_canceled */ ||
		    (o->rec.version == HS_TLS_V12 && p[0] == 1 /* warning */))
			return 0;
		s->dead = -ECONNRESET; /* the peer gave up */
		return s->dead;
	}
	rc = own_handshake(s, p, len);
	if (rc != 0)
		return rc;
	/* answer a KeyUpdate now: the peer may wait for it */
	if (o->update_pending) {
		rc = own_prepare(s);
		if (rc != 0 && rc != -EAGAIN)
			return rc;
	}
	return 0;
}

/* ---- input through views: records opened where the transport holds
 * them (the TCP receive queue's mbufs) ---------------------------------- */

/* Pieces a record may lie in: the receive queue packs small segments
 * into the tail mbuf, so a record needs about one per KB at worst. */
#define OWN_PIECES 64

/* Copy n bytes at offset off of the pieces into dst. */
static void
own_iov_copy(const struct hs_tls_iov *v, int nv, size_t off, uint8_t *dst,
	     size_t n)
{
	for (int i = 0; i < nv && n > 0; i++) {
		size_t k;

		if (off >= v[i].len) {
			off -= v[i].len;
			continue;
		}
		k = HS_MIN(n, v[i].len - off);
		memcpy(dst, v[i].base + off, k);
		dst += k;
		n -= k;
		off = 0;
	}
}

/* Views of the first len bytes: the piece count, -EAGAIN (not all
 * there yet) or an error (the session is dead). */
static int
own_peek(struct hs_tls_sess *s, size_t len, struct hs_tls_iov *v)
{
	int n = s->peek(s->io, len, v, OWN_PIECES);

	if (n > 0)
		return n;
	if (n == 0)
		return -EAGAIN;
	if (n == -EPIPE) {
		s->transport_closed = true;
		s->dead = -ECONNRESET; /* EOF without close_notify */
		return s->dead;
	}
	if (n == -E2BIG) /* cannot happen with the TCP receive queue */
		return own_fatal(s, HS_TLS_ALERT_INTERNAL_ERROR);
	s->dead = n;
	return n;
}

/* The opened record is read: give its bytes back to the transport. */
static void
own_rv_done(struct hs_tls_sess *s, size_t len)
{
	struct hs_tls_own *o = s->own;

	s->drop(s->io, len);
	o->rv_len = 0;
	o->pl_off = o->pl_end = 0;
}

static int
own_read_views(struct hs_tls_sess *s, uint8_t *buf, size_t len)
{
	struct hs_tls_own *o = s->own;
	struct hs_tls_iov v[OWN_PIECES];

	for (;;) {
		uint8_t hdr[HS_TLS_REC_HDR], msg[16];
		struct hs_tls_iov hv = { hdr, sizeof(hdr) };
		struct hs_tls_rec_msg m;
		size_t reclen;
		int n, rc;

		if (o->rv_len != 0) { /* plaintext of an opened record */
			size_t k = HS_MIN(len, (size_t)(o->pl_end - o->pl_off));

			n = own_peek(s, o->rv_len, v);
			if (n < 0)
				return n;
			own_iov_copy(v, n, o->pl_off, buf, k);
			o->pl_off += (uint32_t)k;
			if (o->pl_off == o->pl_end)
				own_rv_done(s, o->rv_len);
			o->burst =
				0; /* a request: the next response starts small */
			return (int)k;
		}
		n = own_peek(s, HS_TLS_REC_HDR, v);
		if (n < 0)
			return n;
		own_iov_copy(v, n, 0, hdr, sizeof(hdr));
		if (hs_tls_rec_peek(&o->rec, &hv, 1, &reclen) != 0)
			return own_fatal(s, hs_tls_rec_alert(&o->rec));
		n = own_peek(s, reclen, v);
		if (n < 0)
			return n;
		rc = hs_tls_rec_open(&o->rec, v, n, &m);
		if (rc != 0)
			return own_fatal(s, hs_tls_rec_alert(&o->rec));
		switch (m.type) {
		case HS_TLS_CT_APPDATA:
			if (m.len == 0) {
				s->drop(s->io, reclen);
				continue;
			}
			o->rv_len = (uint32_t)reclen;
			o->pl_off = (uint32_t)m.off;
			o->pl_end = (uint32_t)(m.off + m.len);
			continue;
		default: /* an alert, or KeyUpdate (5 bytes): copied out */
			if (m.len > sizeof(msg))
				return own_fatal(
					s, HS_TLS_ALERT_UNEXPECTED_MESSAGE);
			own_iov_copy(v, n, m.off, msg, m.len);
			s->drop(s->io, reclen);
			rc = own_control(s, m.type, msg, m.len);
			if (rc != 0)
				return rc > 0 ? 0 : rc;
			continue;
		}
	}
}

int
hs_tls_own_read(struct hs_tls_sess *s, void *buf, size_t len)
{
	struct hs_tls_own *o = s->own;

	if (buf == NULL || len == 0)
		return -EINVAL;
	if (s->dead)
		return s->dead;
	if (s->peer_closed)
		return 0;
	/* our own pending output first (a KeyUpdate answer, an alert) */
	HS_GUARD(own_flush(s));
	if (s->peek != NULL)
		return own_read_views(s, buf, len);
	for (;;) {
		struct hs_tls_rec_msg m;
		struct hs_tls_iov v;
		int rc;

		if (o->pl_off < o->pl_end) {
			size_t n = HS_MIN(len, (size_t)(o->pl_end - o->pl_off));

			memcpy(buf, o->rx + o->pl_off, n);
			o->pl_off += (uint32_t)n;
			if (o->pl_off == o->pl_end)
				own_rx_done(o);
			o->burst =
				0; /* a request: the next response starts small */
			return (int)n;
		}
		HS_GUARD(own_fill(s));
		v.base = o->rx;
		v.len = o->rx_len;
		rc = hs_tls_rec_open(&o->rec, &v, 1, &m);
		if (rc != 0) {
			own_rx_done(o);
			return own_fatal(s, hs_tls_rec_alert(&o->rec));
		}
		switch (m.type) {
		case HS_TLS_CT_APPDATA:
			o->pl_off = (uint32_t)m.off;
			o->pl_end = (uint32_t)(m.off + m.len);
			if (m.len == 0)
				own_rx_done(o);
			continue;
		default:
			rc = own_control(s, m.type, o->rx + m.off, m.len);
			own_rx_done(o);
			if (rc != 0)
				return rc > 0 ? 0 : rc;
			continue;
		}
	}
}
