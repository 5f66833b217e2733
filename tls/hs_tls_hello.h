/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_hello.h - the client's first flight, held until its ClientHello
 * is whole, and the server name read from it (sans-I/O).
 *
 * The site (and so the wolfSSL context) of a session is chosen by the
 * ClientHello's server_name (RFC 6066 §3) before wolfSSL sees a byte, so
 * what wolfSSL parses as the first ClientHello must be exactly the one
 * we read the name from.  A handshake message may be fragmented over
 * several records (RFC 8446 §5.1), and wolfSSL accepts one
 * change_cipher_spec record before it (TLS 1.3 middlebox compatibility,
 * RFC 8446 §5, §D.4), so the hold:
 *
 *  - skips at most one change_cipher_spec record (length 1, value 1)
 *    before the ClientHello;
 *  - gathers handshake records until the first handshake message, which
 *    must be a ClientHello (RFC 8446 §4), is complete, over at most
 *    HS_TLS_HELLO_RECS records, HS_TLS_HELLO_MAX bytes of message;
 *  - refuses everything else with a fatal alert description (negative):
 *    other record types, zero-length handshake fragments (§5.1), records
 *    longer than 2^14 (§5.1: record_overflow), another message first, a
 *    change_cipher_spec between fragments (§5.1: no interleaving), and
 *    flights over the bounds (counted by the caller).
 *
 * The held bytes are then given to wolfSSL as they came (record headers
 * and all); the hold never pulls a byte past the record that completes
 * the ClientHello.
 */
#ifndef HS_TLS_HELLO_H
#define HS_TLS_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HS_TLS_HELLO_MAX  16384u /* ClientHello message, header included */
#define HS_TLS_HELLO_RECS 64u    /* handshake records it may span */
#define HS_TLS_REC_PLAIN  16384u /* RFC 8446 §5.1: 2^14 */
/* Most bytes ever held: a change_cipher_spec, then record headers and
 * the records completing the ClientHello (the last may carry more
 * handshake bytes after it, up to a full record). */
#define HS_TLS_HOLD_MAX \
	(6u + HS_TLS_HELLO_RECS * 5u + HS_TLS_HELLO_MAX + HS_TLS_REC_PLAIN)

/* Alert descriptions (RFC 8446 §6) the hold answers with. */
#define HS_TLS_AL_UNEXPECTED_MESSAGE 10
#define HS_TLS_AL_RECORD_OVERFLOW    22
#define HS_TLS_AL_ILLEGAL_PARAMETER  47
#define HS_TLS_AL_DECODE_ERROR       50

struct hs_tls_hold {
	uint8_t *raw; /* held bytes as received (malloc'd) */
	uint32_t len, cap;
	uint32_t rec;      /* offset of the record header being read */
	uint32_t msg_len;  /* ClientHello length with header, 0: unknown */
	uint32_t msg_have; /* bytes of it gathered */
	uint32_t msg_off;  /* offset in raw when whole in one record */
	uint8_t *msg;      /* gathered message when fragmented, or NULL */
	uint8_t mhdr[4];   /* message header being gathered */
	uint16_t nrec;     /* handshake records so far */
	bool ccs;          /* a change_cipher_spec was skipped */
	bool done;
	bool too_big; /* refused for the bounds (for counters) */
};

/* Bytes to pull next (1..HS_TLS_HOLD_MAX), 0 once done.  The caller
 * makes room with hs_tls_hold_reserve, pulls up to that many bytes into
 * raw + len and reports them with hs_tls_hold_add. */
uint32_t hs_tls_hold_want(const struct hs_tls_hold *h);
/* Room for hs_tls_hold_want() more bytes: 0 or -ENOMEM. */
int hs_tls_hold_reserve(struct hs_tls_hold *h);
/* n new bytes are at raw + len (n <= want).  0: need more, 1: the
 * ClientHello is whole, <0: minus the alert description to send. */
int hs_tls_hold_add(struct hs_tls_hold *h, uint32_t n);
/* The whole ClientHello message (handshake header included). */
const uint8_t *hs_tls_hold_msg(const struct hs_tls_hold *h, uint32_t *len);
void hs_tls_hold_free(struct hs_tls_hold *h);

/* The host_name of a ClientHello's server_name extension (RFC 8446
 * §4.1.2, RFC 6066 §3).  msg is a whole ClientHello message (handshake
 * header included).  1 with the name copied (NUL-terminated) into out,
 * 0 when there is none (or the hello is malformed: wolfSSL then rejects
 * it), -EPROTO for a name we refuse (empty, too long, NUL or non-ASCII). */
int hs_tls_parse_sni(const uint8_t *msg, uint32_t len, char *out,
		     size_t outlen);

#endif
