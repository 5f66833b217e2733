/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_scache.h - the TLS 1.2 stateful session cache (session IDs,
 * RFC 5246 §7.4.1.2), keyed by site as well as by session ID.
 *
 * wolfSSL 5.5.4's own cache is one table per process, shared by every
 * WOLFSSL_CTX and looked up by session ID alone (it never compares the
 * session ID context on the server side), so a session established with
 * one server name would resume under another name and certificate,
 * which RFC 6066 §3 forbids.  hs_tls therefore turns wolfSSL's internal
 * cache off and plugs this one in through wolfSSL's external cache
 * callbacks: entries are the serialized session (wolfSSL_i2d_SSL_SESSION)
 * under the pair (site binding, session ID), where the site binding is
 * the 32-byte digest hs_tls computes from the selected site and the
 * server name the client sent.  A lookup with another binding misses,
 * and wolfSSL goes on with a full handshake.
 *
 * One table per process (sessions survive SIGHUP's new TLS contexts),
 * fixed size, allocated on first use: HS_TLS_SCACHE_ROWS rows of
 * HS_TLS_SCACHE_WAYS entries, the oldest entry of a row is replaced.
 * Each row has its own spin lock (held for a memcpy of at most
 * HS_TLS_SCACHE_DATA bytes; only TLS 1.2 handshakes without tickets get
 * here).
 */
#ifndef HS_TLS_SCACHE_H
#define HS_TLS_SCACHE_H

#include <stddef.h>
#include <stdint.h>

#define HS_TLS_SCACHE_ROWS 1024u
#define HS_TLS_SCACHE_WAYS 4u
#define HS_TLS_SCACHE_DATA 400u /* largest serialized session kept */
#define HS_TLS_SCACHE_ID   32u  /* RFC 5246 session_id<0..32> */

/* Allocate the table (once; later calls do nothing).  0 or -ENOMEM. */
int hs_tls_scache_init(void);
void hs_tls_scache_fini(void);

/* Store der (len bytes) for (site, id), issued at 'now' (seconds).
 * 0, -E2BIG (too large: not cached), -EINVAL, -ENOMEM (no table). */
int hs_tls_scache_put(const uint8_t site[32], const uint8_t *id, size_t idlen,
		      const uint8_t *der, size_t len, uint32_t now);

/* Copy the entry for (site, id) into der (cap bytes): its length, or
 * -ENOENT.  *issued gets the time it was stored. */
int hs_tls_scache_get(const uint8_t site[32], const uint8_t *id, size_t idlen,
		      uint8_t *der, size_t cap, uint32_t *issued);

#endif
