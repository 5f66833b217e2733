/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_int.h - what the parts of the TLS engine share, private to tls/.
 *
 * The engine is four files around one session and one context type:
 *   hs_tls_ctx.c    context set-up: policy, certificates, sites, OCSP
 *   hs_tls_ticket.c resumption: ticket keys, the ticket callback, the
 *                   lifetime check, the TLS 1.2 session cache hooks
 *   hs_tls_sni.c    site choice: the held first flight, SNI, the
 *                   resumption binding of the chosen site
 *   hs_tls.c        the session: wolfSSL I/O callbacks, handshake, read,
 *                   write, shutdown, alerts, accessors
 * Callers outside tls/ use hs_tls.h only.
 */
#ifndef HS_TLS_INT_H
#define HS_TLS_INT_H

#include <time.h>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hs_tls.h"
#include "hs_tls_hello.h"
#include "hs_tls_ocsp.h"

/* 0.5-RTT data (RFC 8446 §2.3): answers to early data leave right after
 * our Finished.  Needs the tuned wolfSSL with our wolfSSL_write patch
 * (scripts/wolfssl-patches/0002-tls13-server-half-rtt-data.patch; meson
 * reads the build stamp); Debian's libwolfssl would fail such a write. */
#if HS_WOLFSSL_TUNED && HS_WOLFSSL_HALF_RTT && defined(WOLFSSL_EARLY_DATA)
#define HS_TLS_HALF_RTT 1
#else
#define HS_TLS_HALF_RTT 0
#endif

/* One ticket key, expanded from the file's 32-byte secret. */
struct hs_tls_tkey {
	uint8_t name[WOLFSSL_TICKET_NAME_SZ];
	uint8_t aes[32]; /* AES-256-GCM */
};

/* A published set of ticket keys: keys[0] encrypts, all decrypt. */
struct hs_tls_tkeys {
	unsigned int n;
	struct hs_tls_tkey keys[HS_TLS_MAX_TICKET_KEYS];
};

/* A name -> certificate entry; names are lower case. */
struct hs_tls_site_ctx {
	char *name;
	WOLFSSL_CTX *wctx;
	struct hs_tls_ocsp *ocsp; /* its OCSP staple, or NULL */
};

struct hs_tls_ctx {
	WOLFSSL_CTX *wctx; /* default site */
	enum hs_tls_crypto crypto;
	/* ---- SNI sites, resumption ---- */
	struct hs_tls_site_ctx *sites; /* cfg->sites order */
	size_t nb_sites;
	char **def_names; /* DNS names of the default cert */
	size_t nb_def_names;
	bool sni_strict;
	uint32_t lifetime;          /* ticket/session lifetime, s */
	struct hs_tls_tkeys *tkeys; /* atomic: see reload */
	struct hs_tls_tkeys *retired[HS_TLS_TKEYS_RETIRED];
	unsigned int retired_next;
	/* ---- client certificates, OCSP, 0-RTT (every site) ---- */
	enum hs_tls_client_auth client_auth;
	struct hs_tls_ocsp *ocsp;    /* default site's staple, or NULL */
	bool early;                  /* 0-RTT on */
	enum hs_tls_records records; /* who runs records after handshake */
};

/* The first flight, held until its whole ClientHello's server name
 * picked the site (and so the wolfSSL context the session is created
 * from), then replayed to wolfSSL through hs_tls_io_recv. */

struct hs_tls_sess {
	WOLFSSL *ssl; /* NULL until the site is chosen */
	const struct hs_tls_ctx *ctx;
	struct hs_tls_hold hold; /* first flight (hs_tls_hello.h) */
	uint32_t hold_off;       /* of it replayed to wolfSSL */
	bool sni_seen;
	char sni[256]; /* server name sent, NUL-terminated */
	struct hs_tls_crypto_keyset *keys; /* ipsec-mb key cache, or NULL */
	hs_tls_pull_fn pull;
	hs_tls_push_fn push;
	hs_tls_peek_fn peek; /* NULL: no views (hs_tls_sess_set_views) */
	hs_tls_drop_fn drop;
	void *io;
	const struct hs_tls_rec_out_ops *rec_out; /* own records' output */
	bool hs_done;          /* handshake finished and its output flushed */
	bool transport_closed; /* pull saw EOF or push failed */
	bool tx_blocked;       /* a push in the current call took nothing */
	bool tx_pending;       /* wolfSSL holds unsent non-data output */
	bool wr_retry;         /* last write was -EAGAIN: same buf next */
	bool wr_done;          /* ...and its record has since been flushed */
	uint16_t stale_len;    /* len of the last write that met WANT_WRITE */
	bool peer_closed;      /* close_notify received */
	bool shut_sent;        /* our close_notify is fully pushed */
	int dead;              /* sticky fatal error code, 0 while alive */
	uint64_t tx_bytes;     /* ciphertext bytes pushed so far */
	uint8_t alert[7];      /* our own plaintext fatal alert record */
	uint8_t alert_len, alert_off;
	enum hs_tls_client_auth client_auth;
	struct hs_tls_peer peer; /* client certificate result */
	bool early_on;           /* context allows 0-RTT */
	bool early_phase;        /* our Finished sent, client's awaited */
	bool early_input;        /* last read returned early data */
	bool half_rtt;           /* early data read: 0.5-RTT writes allowed */
	bool early_replay;       /* ClientHello seen before: no PSK, no 0-RTT */
	struct hs_tls_early_sniff sniff;
	/* Resumption binding (RFC 6066 §3, RFC 8446 §4.6.1): digest of the
	 * selected site and the server name sent, see hs_tls_site_id. */
	uint8_t site_id[WC_SHA256_DIGEST_SIZE];
	unsigned int events; /* HS_TLS_EV_* */
	/* Our own record layer (hs_tls_own.c): allocated with the WOLFSSL
	 * when the context wants it; active after the handover, when ssl is
	 * NULL and keys freed. */
	struct hs_tls_own *own;
};

/* ---- hs_tls_own.c ---- */
struct hs_tls_own;
/* Prepare a new WOLFSSL for the handover (secret callback, arrays). */
int hs_tls_own_setup(struct hs_tls_sess *s);
/* Handshake done: take over if we can.  Never fails the session: a
 * session we cannot take stays on wolfSSL. */
void hs_tls_own_handover(struct hs_tls_sess *s);
bool hs_tls_own_active(const struct hs_tls_sess *s);
/* For tests: move the write sequence number (e.g. next to the record
 * limit at which we update our keys).  0, or -EINVAL if not active. */
int hs_tls_own_set_write_seq(struct hs_tls_sess *s, uint64_t seq);
/* sizeof(struct hs_tls_own), for bench/conn_sizes. */
size_t hs_tls_own_size(void);
void hs_tls_own_free(struct hs_tls_sess *s);
int hs_tls_own_read(struct hs_tls_sess *s, void *buf, size_t len);
int hs_tls_own_write(struct hs_tls_sess *s, const void *buf, size_t len);
int hs_tls_own_shutdown(struct hs_tls_sess *s);
const char *hs_tls_own_version(const struct hs_tls_sess *s);
const char *hs_tls_own_cipher(const struct hs_tls_sess *s);
bool hs_tls_own_reused(const struct hs_tls_sess *s);
const char *hs_tls_own_alpn(const struct hs_tls_sess *s);

/* ---- hs_tls_keycheck.c ---- */
/* Does key_file's private key belong to cert_file's (first) certificate?
 * 1 yes, 0 no, -errno if it cannot tell (unreadable, a key type other
 * than EC and RSA). */
int hs_tls_key_cert_match(const char *cert_file, const char *key_file);

/* ---- hs_tls_ctx.c ---- */

/* Write an error line into err (if any) and return code. */
int hs_tls_errf(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A readable regular file?  0 or -errno. */
int hs_tls_check_file(const char *path);
/* The whole of a file of 1 to max bytes, NUL-terminated, in a malloc'ed
 * buffer (*len: its length), or NULL with errno set (EINVAL: empty,
 * EFBIG: longer than max). */
char *hs_tls_read_file(const char *path, size_t max, size_t *len);

/* ---- hs_tls.c: wolfSSL's I/O callbacks (ctx is the hs_tls_sess) ---- */

int hs_tls_io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx);
int hs_tls_io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx);
/* Refuse a ClientHello before wolfSSL saw it: plaintext fatal alert;
 * returns the session's (now sticky) -EPROTO. */
int hs_tls_alert_now(struct hs_tls_sess *s, uint8_t desc);

/* ---- hs_tls_ticket.c ---- */

/* Seconds since the epoch for ticket and session-cache ages: time() by
 * default; tests point it at a clock they move. */
extern time_t (*hs_tls_clock)(time_t *);

void hs_tls_tkeys_free(struct hs_tls_tkeys *k);
/* wolfSSL's ticket callback; user is the hs_tls_ctx. */
int hs_tls_ticket_cb(WOLFSSL *ssl,
		     unsigned char key_name[WOLFSSL_TICKET_NAME_SZ],
		     unsigned char iv[WOLFSSL_TICKET_IV_SZ],
		     unsigned char mac[WOLFSSL_TICKET_MAC_SZ], int enc,
		     unsigned char *ticket, int in_len, int *out_len,
		     void *user);
/* wolfSSL's session cache hooks (TLS 1.2, hs_tls_scache.h). */
int hs_tls_scache_new_cb(WOLFSSL *ssl, WOLFSSL_SESSION *sess);
WOLFSSL_SESSION *hs_tls_scache_get_cb(WOLFSSL *ssl, const unsigned char *id,
				      int idlen, int *copy);

/* ---- hs_tls_sni.c ---- */

/* DNS names of the default certificate into ctx->def_names (strict SNI). */
int hs_tls_cert_names(struct hs_tls_ctx *ctx, const char *cert_file, char *err,
		      size_t errlen);
/* Hold the first flight, pick the site, create s->ssl: 0, -EAGAIN until
 * the ClientHello is whole, or a fatal code. */
int hs_tls_choose_site(struct hs_tls_sess *s);

#endif /* HS_TLS_INT_H */
