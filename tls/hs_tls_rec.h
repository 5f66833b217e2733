/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_rec.h - the TLS record layer after the handshake, sans I/O.
 *
 * Once wolfSSL has finished a handshake, the protected records of the
 * connection (RFC 8446 §5.2 TLS 1.3, RFC 5246 §6.2.3.3 + RFC 5288 TLS 1.2
 * AES-GCM, RFC 7905 TLS 1.2 ChaCha20-Poly1305) can be sealed and opened
 * here, on ipsec-mb (hs_tls_crypto.h's direct AEAD), straight in the
 * buffers the packets live in.
 *
 * Suites: TLS 1.3 TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
 * TLS_CHACHA20_POLY1305_SHA256; TLS 1.2 ECDHE_{ECDSA,RSA} with
 * AES_128_GCM_SHA256, AES_256_GCM_SHA384, CHACHA20_POLY1305_SHA256.
 * hs_tls_rec_suite_ok() says whether a (version, suite) is one of them;
 * a connection on any other suite stays on wolfSSL's record layer.
 *
 * Buffers and ownership.  The module never allocates per record, never
 * keeps a pointer to a caller's buffer after a call returns, and owns no
 * packet buffer: the caller describes its memory as a list of pieces
 * (struct hs_tls_iov: a DPDK mbuf chain maps one segment to one piece)
 * and keeps owning it.  The only memory the module owns is the keys
 * (struct hs_tls_aead, one per direction, from hs_tls_rec_set_*; wiped
 * and freed by hs_tls_rec_clear).
 *
 *  - Seal: the caller reserves hs_tls_rec_hdr_len() bytes in front of the
 *    plaintext (an mbuf's headroom: rte_pktmbuf_prepend) and
 *    hs_tls_rec_tail_len() bytes after it (the last segment's tailroom:
 *    rte_pktmbuf_append); the plaintext may span any number of pieces.
 *    hs_tls_rec_seal writes the header, encrypts the pieces in place,
 *    and writes the TLS 1.3 inner content type + padding (encrypted) and
 *    the tag into the tail.  The record on the wire is header || pieces ||
 *    tail, in that order.
 *  - Open: the caller passes the received bytes as pieces (one per TCP
 *    segment, in order, starting at a record boundary; a record may be
 *    split anywhere, header included).  hs_tls_rec_open decrypts the
 *    first record in place and says where its plaintext lies (an offset
 *    from the record's first byte and a length; the pieces are not
 *    changed outside the record), or -EAGAIN with the number of bytes
 *    the record needs.  A record that fails is never released: on a bad
 *    tag every byte decrypted in place is wiped (zeroed) before the call
 *    returns, and the caller must close the connection after sending
 *    hs_tls_rec_alert().
 *
 * Sequence numbers are 64-bit per direction (RFC 8446 §5.3); a direction
 * whose counter would wrap refuses to seal/open (-EOVERFLOW): TLS 1.3
 * must KeyUpdate (hs_tls_rec_update) long before that, which
 * hs_tls_rec_wants_update() signals at the AES-GCM limit of RFC 8446
 * §5.5 (taken conservatively, HS_TLS_REC_UPDATE_AFTER records).
 *
 * Threads: a struct hs_tls_rec belongs to one connection on one lcore;
 * the ipsec-mb manager is the calling thread's (hs_tls_crypto.h).
 */
#ifndef HS_TLS_REC_H
#define HS_TLS_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hs_tls.h"
#include "hs_tls_crypto.h"

/* Record content types (RFC 8446 §5.1). */
#define HS_TLS_CT_CCS       20
#define HS_TLS_CT_ALERT     21
#define HS_TLS_CT_HANDSHAKE 22
#define HS_TLS_CT_APPDATA   23

/* Alert descriptions the record layer reports (RFC 8446 §6). */
#define HS_TLS_ALERT_CLOSE_NOTIFY       0
#define HS_TLS_ALERT_UNEXPECTED_MESSAGE 10
#define HS_TLS_ALERT_BAD_RECORD_MAC     20
#define HS_TLS_ALERT_RECORD_OVERFLOW    22
#define HS_TLS_ALERT_DECODE_ERROR       50
#define HS_TLS_ALERT_PROTOCOL_VERSION   70
#define HS_TLS_ALERT_INTERNAL_ERROR     80

#define HS_TLS_REC_HDR          5     /* type, version, length */
#define HS_TLS_REC_HDR_MAX      13    /* TLS 1.2 GCM: + explicit nonce */
#define HS_TLS_REC_MAX_PLAIN    16384 /* 2^14 (RFC 8446 §5.1) */
#define HS_TLS_REC_MAX_CIPHER13 (16384 + 256)  /* RFC 8446 §5.2 */
#define HS_TLS_REC_MAX_CIPHER12 (16384 + 2048) /* RFC 5246 §6.2.3 */
#define HS_TLS_REC_TAIL_MAX     (1 + 255 + HS_TLS_AEAD_TAG_LEN)
/* Records per key before hs_tls_rec_wants_update() says so: RFC 8446 §5.5
 * allows 2^24.5 full-size AES-GCM records; we take 2^23 (any suite). */
#define HS_TLS_REC_UPDATE_AFTER (UINT64_C(1) << 23)

#define HS_TLS_V12 0x0303
#define HS_TLS_V13 0x0304

/* struct hs_tls_iov: one piece of a buffer chain (hs_tls.h). */

enum hs_tls_rec_dir { HS_TLS_REC_READ = 0, HS_TLS_REC_WRITE = 1 };

struct hs_tls_rec_key {
	struct hs_tls_aead *aead; /* NULL: direction not keyed */
	uint64_t seq;             /* next record's sequence number */
	uint8_t iv[12];           /* 1.3/ChaCha: per-record nonce base;
				     * 1.2 GCM: iv[0..3] the implicit salt */
	uint8_t secret[48];       /* TLS 1.3 traffic secret (KeyUpdate) */
	uint8_t secret_len;
};

struct hs_tls_rec {
	uint16_t version; /* HS_TLS_V13 or HS_TLS_V12 */
	uint16_t suite;   /* IANA cipher suite */
	enum hs_tls_aead_alg alg;
	uint8_t hash_len; /* 32 SHA-256, 48 SHA-384 */
	uint8_t alert;    /* alert of the last failure */
	struct hs_tls_rec_key rd, wr;
};

/* Where the plaintext of an opened record lies. */
struct hs_tls_rec_msg {
	uint8_t type;  /* content type (TLS 1.3: the inner type) */
	size_t off;    /* plaintext offset from the record's first byte */
	size_t len;    /* plaintext length (TLS 1.3: padding removed) */
	size_t reclen; /* bytes the record takes on the wire */
};

/* True if (version, IANA suite) is one this module runs. */
bool hs_tls_rec_suite_ok(uint16_t version, uint16_t suite);

/* Set up r for a connection (no keys yet).  0 or -ENOTSUP. */
int hs_tls_rec_init(struct hs_tls_rec *r, uint16_t version, uint16_t suite);
/* Wipe and free the keys; r can be init'ed again. */
void hs_tls_rec_clear(struct hs_tls_rec *r);

/* TLS 1.3: key a direction from its traffic secret (key and iv by
 * HKDF-Expand-Label, RFC 8446 §7.3), next sequence number seq.
 * 0, -EINVAL, -ENOMEM. */
int hs_tls_rec_set_secret(struct hs_tls_rec *r, enum hs_tls_rec_dir d,
			  const uint8_t *secret, size_t len, uint64_t seq);
/* Key a direction from its key and IV (TLS 1.2: the key block's write
 * key and 4-byte salt for GCM, 12-byte IV for ChaCha20; TLS 1.3: key and
 * 12-byte IV, no KeyUpdate possible).  0, -EINVAL, -ENOMEM. */
int hs_tls_rec_set_key(struct hs_tls_rec *r, enum hs_tls_rec_dir d,
		       const uint8_t *key, size_t keylen, const uint8_t *iv,
		       size_t ivlen, uint64_t seq);
/* TLS 1.3 KeyUpdate of one direction (RFC 8446 §7.2): the next traffic
 * secret, its key and iv, sequence number 0.  0 or -EINVAL. */
int hs_tls_rec_update(struct hs_tls_rec *r, enum hs_tls_rec_dir d);
/* True once the write key sealed HS_TLS_REC_UPDATE_AFTER records. */
bool hs_tls_rec_wants_update(const struct hs_tls_rec *r);

/* Bytes to reserve before / after the plaintext of a sealed record
 * (pad: TLS 1.3 zero padding, 0..255; ignored for TLS 1.2). */
size_t hs_tls_rec_hdr_len(const struct hs_tls_rec *r);
size_t hs_tls_rec_tail_len(const struct hs_tls_rec *r, size_t pad);

/* Seal one record of type over the plaintext pieces v[0..n-1] (together
 * at most HS_TLS_REC_MAX_PLAIN bytes, minus pad), in place.  hdr gets
 * hs_tls_rec_hdr_len() bytes, tail hs_tls_rec_tail_len(pad) bytes.
 * Returns the record's length on the wire, or -EINVAL (too long, no key,
 * bad type), -EOVERFLOW (sequence number exhausted), -ENOTSUP. */
long hs_tls_rec_seal(struct hs_tls_rec *r, uint8_t type, uint8_t *hdr,
		     const struct hs_tls_iov *v, int n, uint8_t *tail,
		     size_t pad);

/* The same, reading the plaintext from src (contiguous, sum of v[].len
 * bytes, not overlapping the pieces) and writing the ciphertext into the
 * pieces: one pass over the data instead of a copy and an in-place seal
 * (e.g. from a file cache straight into fresh mbufs).  src NULL: in
 * place, as hs_tls_rec_seal. */
long hs_tls_rec_seal_from(struct hs_tls_rec *r, uint8_t type, uint8_t *hdr,
			  const struct hs_tls_iov *v, int n, const uint8_t *src,
			  uint8_t *tail, size_t pad);

/* Length on the wire of the record starting at the pieces' first byte:
 * 0 and *reclen, -EAGAIN (fewer than 5 bytes), or an error as for open. */
int hs_tls_rec_peek(struct hs_tls_rec *r, const struct hs_tls_iov *v, int n,
		    size_t *reclen);
/* Open the first record of the pieces in place (see the top).  0 and *m;
 * -EAGAIN: incomplete (m->reclen: bytes needed, 0 while the header is
 * incomplete); on error hs_tls_rec_alert() names the alert to send:
 *   -EBADMSG     bad_record_mac (tag; plaintext wiped)
 *   -EMSGSIZE    record_overflow (ciphertext or plaintext too long)
 *   -EPROTO      unexpected_message (TLS 1.3 outer type not
 *                application_data, no inner type, bad type, empty
 *                handshake record), decode_error (too short for a tag,
 *                an alert record that is not 2 bytes), protocol_version
 *                (TLS 1.2 record version not 3.3)
 *   -EOVERFLOW   sequence number exhausted (internal_error)
 *   -EINVAL      no read key (internal_error) */
int hs_tls_rec_open(struct hs_tls_rec *r, const struct hs_tls_iov *v, int n,
		    struct hs_tls_rec_msg *m);

/* The alert description for the last failed call. */
static inline uint8_t
hs_tls_rec_alert(const struct hs_tls_rec *r)
{
	return r->alert;
}

#endif
