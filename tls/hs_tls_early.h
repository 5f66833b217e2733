/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_early.h - TLS 1.3 0-RTT early data with our own anti-replay
 * (RFC 8446 §8.2 ClientHello recording), independent of the ticket scheme.
 *
 * Off by default.  When on, tickets announce max_early_data_size =
 * HS_TLS_EARLY_MAX and a resuming client may send early data with its
 * ClientHello.  wolfSSL 5.5.4 has no anti-replay of its own worth the
 * name and no public way to refuse early data of one connection while
 * accepting its PSK, so:
 *
 *  - Recording.  hs_tls's receive callback shows us every byte wolfSSL
 *    reads before it parses them.  A small streaming parser follows the
 *    first ClientHello; when it offers early_data (extension 42) with a
 *    pre_shared_key (41), a keyed SHA-256 of that pre_shared_key
 *    extension (identities and binders: unique per ClientHello, RFC 8446
 *    §4.2.11.2) is looked up and inserted in one table shared by all
 *    lcores - a replay usually comes from another 4-tuple, so another
 *    RSS queue.  The table is lock-free (one 64-bit word per slot,
 *    48-bit fingerprint + 16-bit expiry, compare-and-swap), fixed size,
 *    allocated at start-up.
 *  - Rejection.  A ClientHello already in the table is a replay (a client
 *    never sends the same one twice).  RFC 8446 §8.2 lets the server
 *    abort it or reject its 0-RTT and go on; we go on (§8: a replay must
 *    not break a client whose ClientHello was duplicated on the way):
 *    the sniffer has judged the ClientHello before wolfSSL parses it, and
 *    hs_tls's ticket callback then refuses the ticket of that connection.
 *    Without the PSK there is no early data (§4.2.10: it needs the first
 *    PSK accepted): wolfSSL derives no early keys, skips the early
 *    records it cannot decrypt (up to max_early_data_size) and completes
 *    a full 1-RTT handshake; a real client learns its early data was
 *    rejected and sends the request again after the handshake; a
 *    replayer cannot finish the handshake.  The early data is never
 *    decrypted, let alone processed (counter tls_early_replayed).
 *    Why the PSK and not only the 0-RTT: in wolfSSL 5.5.4 the server
 *    accepts early data whenever the ClientHello carries the early_data
 *    extension and its first PSK is chosen (tls13.c CheckPreSharedKeys:
 *    "ssl->earlyData != no_early_data && first"); the state that would
 *    say no is internal (ssl->earlyData), wolfSSL_set_max_early_data() is
 *    overwritten by the ticket's value when the PSK is accepted
 *    (DoPreSharedKeys) and only decides the reported status, and calling
 *    wolfSSL_accept() instead of wolfSSL_read_early_data() leaves the
 *    state at early_data_ext, which that test accepts as well.  So a
 *    replay costs a full handshake (one signature) where "accept the
 *    PSK, reject 0-RTT" would not; both are what §8.2 allows.
 *  - Window.  An entry lives HS_TLS_EARLY_WINDOW_S seconds; a ClientHello
 *    replayed later fails the ticket age check of RFC 8446 §8.3 (wolfSSL
 *    refuses a PSK whose obfuscated_ticket_age is more than 11 s off), so
 *    the window only has to exceed that tolerance, which it does 5 times.
 *    When every probe slot of a fingerprint is live (a flood), the one
 *    nearest expiry is reused and counted (hs_tls_early_stats).
 *
 * Early data is read through hs_tls_read() while the handshake waits for
 * the client's Finished (hs_tls_in_early_data() is true then).  The answer
 * is written with hs_tls_write() at once, as 0.5-RTT data (RFC 8446 §2.3):
 * stock wolfSSL 5.5.4's write path insists on finishing the handshake
 * first, our tuned build's patch 0002 (scripts/wolfssl-patches) lets it
 * send after our Finished; with Debian's fallback build hs_tls_write()
 * returns -EAGAIN until the client's Finished is in.  The HTTP layer
 * serves only GET and HEAD from early data and answers 425 Too Early to
 * the rest (RFC 8470).
 *
 * Limits: the record is per process - a replay to another server of a
 * fleet sharing ticket keys is only bounded by the ticket age check.  A
 * ClientHello that offers early data but cannot be fingerprinted, and a
 * flight the sniffer cannot follow (anything but at most one
 * change_cipher_spec record then handshake records carrying the
 * ClientHello, RFC 8446 §5; a malformed hello), is treated as a replay
 * (1-RTT): the sniffer fails closed, never "not a replay".
 */
#ifndef HS_TLS_EARLY_H
#define HS_TLS_EARLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct WOLFSSL_CTX;

#define HS_TLS_EARLY_MAX      16384u     /* max_early_data_size we announce */
#define HS_TLS_EARLY_WINDOW_S 60u        /* ClientHello record lifetime */
#define HS_TLS_EARLY_SLOTS    (1u << 17) /* 1 MiB table */

/* Streaming ClientHello parser state, one per TLS session. */
struct hs_tls_early_sniff {
	uint8_t state;    /* HS_ES_* (hs_tls_early.c); 0: off */
	uint8_t acc_need; /* bytes of the integer being read */
	uint8_t acc_have;
	bool saw_early;    /* early_data extension seen */
	bool saw_psk;      /* pre_shared_key extension hashed */
	uint32_t acc;      /* integer being read */
	uint32_t rec_left; /* bytes left in the current record */
	uint32_t msg_left; /* bytes left in the ClientHello body */
	uint32_t skip;     /* bytes to skip / hash in the current field */
	uint32_t ext_left; /* bytes left in the extensions block */
	uint8_t hdr[5];    /* record header being read */
	uint8_t hdr_have;
	bool ccs;          /* a change_cipher_spec record was skipped */
	bool in_ccs;       /* ... and its one byte is next */
	bool body;         /* msg_left counts the ClientHello body */
	uint8_t next;      /* state after a skip */
	uint16_t ext_type; /* extension being read */
	void *hash;        /* keyed SHA-256 of pre_shared_key (malloc'd
			       * only while one is being read) */
};

/* Per-process table; once before any session (global init), sized and
 * windowed for tests.  0, -ENOMEM.  httpsd keeps it until exit; _fini is
 * for the unit tests (leak checks). */
int hs_tls_early_table_init(uint32_t slots, uint32_t window_s);
void hs_tls_early_table_fini(void);

/* Let the context's tickets allow early data.  0, or -ENOTSUP with a
 * reason in err when wolfSSL was built without early data. */
int hs_tls_early_ctx_setup(struct WOLFSSL_CTX *wctx, char *err, size_t errlen);

/* Start following a new session's first ClientHello. */
void hs_tls_early_sniff_start(struct hs_tls_early_sniff *sn);
void hs_tls_early_sniff_stop(struct hs_tls_early_sniff *sn);

/* n bytes wolfSSL is about to get.  0: go on (no verdict yet, or a
 * ClientHello without early data, or one recorded now); -EALREADY: this
 * ClientHello was seen before (a replay, or early data without a PSK to
 * fingerprint); -EBADMSG: the flight cannot be followed with certainty
 * (not a lone ClientHello after at most one change_cipher_spec, as
 * wolfSSL takes it; a malformed hello): a possible replay.  On both,
 * reject its PSK and so its 0-RTT, go on 1-RTT; the sniffer is then off.
 * Fail closed: while the sniffer has no verdict, the caller must not let
 * a PSK through (hs_tls_ticket_cb). */
int hs_tls_early_sniff_feed(struct hs_tls_early_sniff *sn, const uint8_t *p,
			    size_t n);

struct hs_tls_early_stats {
	uint64_t recorded;  /* ClientHellos with early data recorded */
	uint64_t replays;   /* ... seen again: 0-RTT rejected */
	uint64_t evictions; /* live entries reused under a flood */
};
void hs_tls_early_stats(struct hs_tls_early_stats *out);

#endif
