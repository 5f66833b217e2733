/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_stats.h - the TLS layer's counters (an X-macro list, no other
 * declarations).  Counted by the server glue (http/hs_server.c) from
 * hs_tls_events() and handshake results; the fields live in the per-lcore
 * struct hs_stats, assembled by app/hs_stats_layers.h.  Add TLS counters
 * here; a name is its telemetry name (/httpsd/stats), which tests and
 * scripts read, so never rename one.
 */
#ifndef HS_TLS_STATS_H
#define HS_TLS_STATS_H

/* clang-format off */
#define HS_STATS_TLS(X) \
	X(tls_hs_ok) X(tls_hs_fail) X(tls_hs_abort) X(tls_err) \
	X(tls_resumed) X(tls_resume_refused) X(tls_resume_expired) \
	X(tls_early_accepted) X(tls_early_replayed) X(tls_early_unparsed) \
	X(drop_tls_hello_big) \
	X(tls_own_records) X(tls_peer_key_updates) X(tls_key_limit_updates) \
	X(tls_key_blocks) X(tls_key_blocks_in_use) X(tls_key_expand) \
	X(tls_key_reused) X(tls_key_evicted)
/* clang-format on */
/* tls_hs_fail: a handshake that failed (an alert went out: no shared
 * version or cipher, a bad Finished, a refused ticket we could not fall
 * back from ...); tls_hs_abort: the peer closed its side before the
 * handshake ended (a client that gave up, wrk stopping mid-handshake;
 * nginx logs these apart too, "peer closed connection in SSL handshake").
 * tls_key_*: the lcore's pool of expanded AES-GCM keys (hs_tls_xkey.h):
 * blocks allocated and attached to a key now (gauges), expansions, blocks
 * taken from keys idle for the idle period, and from keys still in use
 * at the bound (--tls-key-blocks), each then expanded again. */

#endif
