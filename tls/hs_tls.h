/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls.h - TLS server sessions on wolfSSL, sans-I/O.
 *
 * The engine never touches sockets: wolfSSL's I/O callbacks call the
 * session's pull/push functions, which the caller binds to its transport
 * (our TCP connection in the server, memory pipes in tests).  Everything
 * is non-blocking; an operation that needs more input returns -EAGAIN and
 * is simply called again when bytes arrive.
 *
 * Error style: 0 / positive counts on success, negative errno-like codes:
 *   -EAGAIN     need more input (or output space): call again later
 *   -EPROTO     TLS protocol failure; an alert has been queued to the peer
 *   -ECONNRESET transport closed underneath us (EOF without close_notify)
 *   -ENOMEM, -EINVAL, -EIO for set-up errors
 */
#ifndef HS_TLS_H
#define HS_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "hs_tls_crypto.h"
#include "hs_tls_mtls.h"
#include "hs_tls_early.h"

struct hs_tls_ctx;
struct hs_tls_sess;

/* Who runs the records after the handshake (struct hs_tls_config.records,
 * --tls-records): wolfSSL (the zero value), or our own record layer
 * (hs_tls_rec.h): once wolfSSL has finished the handshake and written its
 * tickets, the session takes the traffic keys and sequence numbers from
 * it, frees the WOLFSSL object and seals/opens every later record itself
 * (TLS 1.3 and 1.2 AEAD suites on ipsec-mb; any other session, and one
 * that read 0-RTT data, stays on wolfSSL). */
enum hs_tls_records {
	HS_TLS_RECORDS_WOLFSSL = 0,
	HS_TLS_RECORDS_OWN = 1,
};
/* True if this build can run our record layer: ipsec-mb, and a wolfSSL
 * with the TLS 1.3 secret callback and sequence numbers (scripts/deps.sh
 * builds it so); otherwise every session stays on wolfSSL's records. */
bool hs_tls_own_available(void);
/* "own" / "wolfssl": 0 and *out set, or -EINVAL. */
int hs_tls_records_parse(const char *name, enum hs_tls_records *out);
const char *hs_tls_records_name(enum hs_tls_records r);

/* One piece of a buffer chain (e.g. one mbuf segment's data). */
struct hs_tls_iov {
	uint8_t *base;
	size_t len;
};

/* One more certificate, served to clients whose SNI server name matches
 * name: an exact host name ("www.example.com", compared without regard to
 * case) or a wildcard ("*.example.com": exactly one more leading label,
 * RFC 6125 §6.4.3).  The first matching site wins. */
struct hs_tls_site {
	const char *name;
	const char *cert_file; /* PEM, leaf first then chain */
	const char *key_file;  /* PEM private key */
};

/* Session lifetime (--ticket-lifetime): the lifetime hint of every
 * NewSessionTicket (TLS 1.3 ticket_lifetime, TLS 1.2 lifetime hint) and
 * the age beyond which a ticket or cached TLS 1.2 session is refused
 * (full handshake).  RFC 8446 §4.6.1: at most 7 days. */
#define HS_TLS_TICKET_LIFETIME_DEFAULT 7200u
#define HS_TLS_TICKET_LIFETIME_MAX     604800u

/* Most sites and ticket keys a context holds. */
#define HS_TLS_MAX_SITES       64
#define HS_TLS_MAX_TICKET_KEYS 8
#define HS_TLS_TKEYS_RETIRED   4

struct hs_tls_config {
	const char *cert_file; /* PEM, leaf first then chain */
	const char *key_file;  /* PEM private key */
	/* Who seals/opens records: HS_TLS_CRYPTO_IPSECMB (default, the
	 * zero value) or HS_TLS_CRYPTO_WOLFSSL (see hs_tls_crypto.h). */
	enum hs_tls_crypto crypto;

	/* ---- SNI sites, resumption ----
	 * cert_file/key_file above are the default site: clients without
	 * SNI, and (unless sni_strict) names no site matches.  With
	 * sni_strict a server name that matches neither a site nor a DNS
	 * name of the default certificate gets a fatal unrecognized_name
	 * alert (RFC 6066 §3).  ALPN: "http/1.1" is selected; a client
	 * offering only other protocols gets no_application_protocol
	 * (RFC 7301 §3.2); no ALPN extension is fine.
	 * ticket_key_file: session ticket keys (format at
	 * hs_tls_reload_ticket_keys); NULL = one random key in memory.
	 * session_cache: 0 = wolfSSL's stateful cache on (TLS 1.2 clients
	 * without tickets), <0 = off. */
	const struct hs_tls_site *sites;
	size_t nb_sites;
	bool sni_strict;
	const char *ticket_key_file;
	int session_cache;
	/* seconds, 1..HS_TLS_TICKET_LIFETIME_MAX; 0: the default */
	uint32_t ticket_lifetime;

	/* Client certificates (hs_tls_mtls.h): client_ca (PEM) with
	 * client_auth OPTIONAL or REQUIRED; NULL / OFF: none requested.
	 * Applied to every site's context. */
	enum hs_tls_client_auth client_auth;
	const char *client_ca;
	/* DER OCSP response to staple for cert_file (hs_tls_ocsp.h); NULL:
	 * none.  cert_file must then hold the issuer after the leaf.  Stapled
	 * by the default site and by sites serving the same cert_file (the
	 * response names one certificate). */
	const char *ocsp_staple;
	/* TLS 1.3 0-RTT with our anti-replay (hs_tls_early.h); off if false;
	 * every site */
	bool early_data;
	/* records after the handshake: wolfSSL's or ours (see above) */
	enum hs_tls_records records;
};

/* Once per process, before anything else.  Also registers the ipsec-mb
 * crypto device (when built with ipsec-mb) and sets up the calling
 * thread's IMB_MGR; other threads call hs_tls_crypto_thread_init(). */
int hs_tls_global_init(void);
void hs_tls_global_fini(void);

/* "wolfSSL 5.5.4 (tuned: <flags>)" or "wolfSSL 5.5.4 (fallback: Debian build)". */
const char *hs_tls_version_string(void);

/* Build a server context.  On failure returns a negative code and writes a
 * one-line reason naming the file and the problem into err. */
int hs_tls_ctx_new(struct hs_tls_ctx **out, const struct hs_tls_config *cfg,
		   char *err, size_t errlen);
void hs_tls_ctx_free(struct hs_tls_ctx *ctx);

/* Transport callbacks.
 * pull: copy up to len ciphertext bytes into buf; return bytes (>0), 0 if
 *       nothing is available now, -EPIPE if the transport has reached EOF.
 * push: take up to len ciphertext bytes; return bytes taken (>0), 0 if
 *       there is no room now, <0 if the transport is gone. */
typedef int (*hs_tls_pull_fn)(void *io, uint8_t *buf, size_t len);
typedef int (*hs_tls_push_fn)(void *io, const uint8_t *buf, size_t len);

/* Views of the received ciphertext, for our own record layer, which
 * opens records in place where the transport holds them (no copy, no
 * buffer of its own):
 * peek: fill up to max pieces covering the first len bytes waiting, in
 *       order, writable, nothing consumed; return the number of pieces
 *       (> 0), 0 if fewer than len bytes wait, -EPIPE if fewer wait and
 *       the transport reached EOF, another negative code on error.  The
 *       pieces stay valid until drop.
 * drop: consume the first len bytes (a record, once its plaintext is
 *       read).
 * The transport must be able to hold a whole record (HS_TLS_REC_SPACE
 * bytes) unconsumed, or the session waits for it forever. */
#define HS_TLS_REC_SPACE (16384 + 2048 + 5)
typedef int (*hs_tls_peek_fn)(void *io, size_t len, struct hs_tls_iov *v,
			      int max);
typedef void (*hs_tls_drop_fn)(void *io, size_t len);

/* New server session bound to a transport.  NULL on allocation failure. */
struct hs_tls_sess *hs_tls_sess_new(struct hs_tls_ctx *ctx, hs_tls_pull_fn pull,
				    hs_tls_push_fn push, void *io);
void hs_tls_sess_free(struct hs_tls_sess *s);
/* Give the session views of the transport's input (before the
 * handshake): once our record layer takes over it reads through them;
 * without them it pulls each record into a buffer of its own. */
void hs_tls_sess_set_views(struct hs_tls_sess *s, hs_tls_peek_fn peek,
			   hs_tls_drop_fn drop);

/* Advance the handshake: 0 when complete, -EAGAIN, or an error.
 * With early data on, -EAGAIN while hs_tls_early_phase() is true means
 * the server has sent its Finished and early data can be read with
 * hs_tls_read() (which also completes the handshake) and, once some was
 * read, answered with hs_tls_write() (0.5-RTT data; with Debian's wolfSSL,
 * which lacks our patch, it returns -EAGAIN until the client's Finished);
 * hs_tls_handshake_done() turns true once the client's Finished arrived. */
int hs_tls_handshake(struct hs_tls_sess *s);
bool hs_tls_handshake_done(const struct hs_tls_sess *s);
bool hs_tls_early_phase(const struct hs_tls_sess *s);
/* The bytes the last hs_tls_read() returned came in early data (before
 * the client's Finished): replayable, RFC 8470. */
bool hs_tls_in_early_data(const struct hs_tls_sess *s);

/* Read decrypted application data: >0 bytes, 0 when the peer sent
 * close_notify, -EAGAIN, or an error. */
int hs_tls_read(struct hs_tls_sess *s, void *buf, size_t len);

/* Encrypt and push len bytes (len <= HS_TLS_MAX_WRITE).  Returns len, or
 * -EAGAIN if the transport had no room: then call again later with the
 * same buf and len (wolfSSL keeps the partly sent record). */
#define HS_TLS_MAX_WRITE 16384
int hs_tls_write(struct hs_tls_sess *s, const void *buf, size_t len);

/* Queue close_notify.  0 or -EAGAIN (call again) or an error. */
int hs_tls_shutdown(struct hs_tls_sess *s);

/* ---- our own record layer (config records = HS_TLS_RECORDS_OWN) ----
 * After the handover hs_tls_read/write/shutdown keep their contracts,
 * except that hs_tls_write takes at most one record's worth
 * (hs_tls_record_size) and either all of it or nothing (-EAGAIN).
 * Received records are opened in place in a buffer of the session held
 * only while a record is incomplete or not yet read out (an idle session
 * holds none).
 *
 * Zero-copy sending: an application data record is sealed straight into
 * memory the transport lends for it (an mbuf chain of the TCP send
 * queue): hs_tls_write asks get() for room -- head bytes for the record
 * header, the plaintext's length in up to HS_TLS_REC_OUT_SEGS pieces,
 * tail bytes after them --, encrypts from the caller's buffer into the
 * pieces in one pass, and hands the record over with put(commit).  What
 * the session must send first (a KeyUpdate answering the peer's, RFC
 * 8446 §4.6.3, or ours before the AES-GCM limit, §5.5) goes through
 * push before it asks for room; -EAGAIN if that could not all be pushed.
 * A session without these callbacks stays on wolfSSL's record layer. */
#define HS_TLS_REC_OUT_SEGS 24
struct hs_tls_rec_out {
	uint8_t *hdr; /* head bytes: the record header */
	struct hs_tls_iov v[HS_TLS_REC_OUT_SEGS]; /* the plaintext's places */
	int n;
	uint8_t *tail; /* tail bytes: inner type and tag */
	void *priv;    /* the transport's */
};
struct hs_tls_rec_out_ops {
	/* Room for one record: 0, or -EAGAIN (none now, nothing taken). */
	int (*get)(void *io, size_t head, size_t len, size_t tail,
		   struct hs_tls_rec_out *r);
	/* commit: queue header || pieces || tail (the room is the
	 * transport's again), 0 or <0 when it could not (the record
	 * sequence would have a hole: the session fails); !commit: give
	 * the room back unused. */
	int (*put)(void *io, struct hs_tls_rec_out *r, bool commit);
};
/* Before the handshake; ops (not copied) outlives the session. */
void hs_tls_sess_set_rec_out(struct hs_tls_sess *s,
			     const struct hs_tls_rec_out_ops *ops);
/* True once the session runs our record layer. */
bool hs_tls_own_records(const struct hs_tls_sess *s);
/* Plaintext bytes the next record should carry: small (about one TCP
 * segment) for the first record after a read (the start of a response),
 * then larger, full 16 KiB records in bulk. */
size_t hs_tls_record_size(const struct hs_tls_sess *s);

/* Re-read the ocsp_staple file into a running context (the default site
 * and the sites serving cert_file).  0, or a negative code with a
 * one-line reason in err (the previous response stays in service).  See
 * hs_tls_ocsp.h for when wolfSSL starts stapling the new one.  httpsd
 * itself never calls it (its SIGHUP builds a new context, which reads the
 * file afresh); kept as the in-place refresh README's OCSP paragraph
 * documents for embedders. */
int hs_tls_reload_ocsp(struct hs_tls_ctx *ctx, char *err, size_t errlen);

/* The client certificate result of a completed handshake (never NULL
 * for a valid session; verified false without client authentication). */
const struct hs_tls_peer *hs_tls_peer(const struct hs_tls_sess *s);

/* Negotiated protocol and cipher names.  The unit tests check the
 * negotiation with these and the three below; httpsd does not call them. */
const char *hs_tls_version(const struct hs_tls_sess *s);
const char *hs_tls_cipher(const struct hs_tls_sess *s);

/* After the handshake: whether it resumed a session (ticket or cache),
 * the SNI server name the client sent (NULL if none) and the selected
 * ALPN protocol (NULL if none was negotiated). */
bool hs_tls_session_reused(const struct hs_tls_sess *s);
const char *hs_tls_server_name(const struct hs_tls_sess *s);
const char *hs_tls_alpn(const struct hs_tls_sess *s);

/* What happened to a session, for counters (read when it ends):
 *  RESUMED         the handshake resumed a session (ticket or cache)
 *  RESUME_REFUSED  the client offered a ticket or TLS 1.2 session ID and
 *                  got a full handshake: issued under another server name
 *                  or site, unknown or retired key, not cached, expired
 *                  (the handshake completed)
 *  RESUME_EXPIRED  a ticket or cached session older than the lifetime
 *                  was refused
 *  EARLY_ACCEPTED  0-RTT data was read from the client's early data
 *  EARLY_REPLAY    the ClientHello was a replay (hs_tls_early.h): its
 *                  PSK and early data were rejected, the handshake went
 *                  on as a full 1-RTT one
 *  EARLY_UNPARSED  with early data on, the first flight could not be
 *                  followed with certainty (hs_tls_early.h): PSK and
 *                  early data rejected as for a replay
 *  HELLO_TOO_BIG   the ClientHello was longer than HS_TLS_HELLO_MAX or
 *                  spread over more than HS_TLS_HELLO_RECS records
 *                  (hs_tls_hello.h): fatal alert, session dead */
#define HS_TLS_EV_RESUMED         (1u << 0)
#define HS_TLS_EV_RESUME_REFUSED  (1u << 1)
#define HS_TLS_EV_RESUME_EXPIRED  (1u << 2)
#define HS_TLS_EV_EARLY_ACCEPTED  (1u << 3)
#define HS_TLS_EV_EARLY_REPLAY    (1u << 4)
#define HS_TLS_EV_EARLY_UNPARSED  (1u << 5)
#define HS_TLS_EV_HELLO_TOO_BIG   (1u << 6)
/* OWN_RECORDS     the records ran on our own record layer (hs_tls_own)
 * PEER_KEY_UPDATE the peer updated its keys (TLS 1.3 KeyUpdate), on our
 *                 own record layer
 * KEY_LIMIT       we updated our write key at the AES-GCM record limit
 *                 (RFC 8446 §5.5, HS_TLS_REC_UPDATE_AFTER) */
#define HS_TLS_EV_OWN_RECORDS     (1u << 7)
#define HS_TLS_EV_PEER_KEY_UPDATE (1u << 8)
#define HS_TLS_EV_KEY_LIMIT       (1u << 9)
#define HS_TLS_EV_RESUME_OFFERED  (1u << 15) /* internal */
unsigned int hs_tls_events(const struct hs_tls_sess *s);

/* Session ticket keys (RFC 5077 §4 ticket layout: key_name(16) iv(16)
 * encrypted state, mac(32); the state is sealed with AES-256-GCM under
 * the first 12 bytes of iv, the last 4 are the issue time (seconds since
 * the epoch, big endian; fleet servers need synchronized clocks), the
 * 16-byte tag in mac, key_name || iv || length || site binding as
 * additional data).  A ticket older than the context's ticket_lifetime
 * is refused.  The site binding is a SHA-256 digest of the selected
 * site's NAME and the server name the client sent: a ticket opens only
 * under the same name and site (RFC 6066 §3), on any server with the
 * same keys and sites; other tickets mean a full handshake.  TLS 1.2
 * session IDs are bound the same way (hs_tls_scache.h).
 *
 * Ticket key file: text, one key per line, 64 hex digits (32 random bytes,
 * e.g. `openssl rand -hex 32`); blank lines and lines starting with '#'
 * are ignored; 1..HS_TLS_MAX_TICKET_KEYS keys.  The first key encrypts new
 * tickets, every key decrypts: rotate by prepending a new key and keeping
 * the previous one(s) below it.  Servers sharing the file resume each
 * other's sessions.  Each line is expanded with SHA-256 into a 16-byte
 * key name and a 32-byte AES key, so the file is the only secret.
 *
 * hs_tls_reload_ticket_keys() replaces the context's keys with those of
 * file (NULL: one new random key).  On any error the old keys stay in
 * force and a one-line reason naming the file and line is written to err.
 * Call it from one control thread (e.g. on SIGHUP) while lcores run: the
 * new set is published with one atomic pointer store, lcores read it with
 * an atomic load (no locks); a replaced set is freed only after
 * HS_TLS_TKEYS_RETIRED further reloads, long after any handshake that
 * could still be reading it has finished. */
int hs_tls_reload_ticket_keys(struct hs_tls_ctx *ctx, const char *file,
			      char *err, size_t errlen);

#endif
