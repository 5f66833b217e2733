/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http_stats.h - the HTTP layer's counters (an X-macro list, no other
 * declarations), counted by the server glue (hs_server.c) and the access
 * log.  The fields live in the per-lcore struct hs_stats, assembled by
 * app/hs_stats_layers.h.  Add HTTP counters here; a name is its telemetry
 * name (/httpsd/stats), which tests and scripts read, so never rename one.
 *
 * http_body_zc_bytes: plain-HTTP body bytes queued by reference to the
 * file cache (hs_tcp_send_ext), never copied on their way to the wire.
 * http_rstate_wait: a connection had input but no request state block
 * was free (hs_server_config.rstate_max): it waited, not reading.
 * tls_rec_buf: a TLS record (our record layer) sealed into one record
 * buffer (hs_transport.h); tls_rec_buf_empty: one that wanted a record
 * buffer, found none free and took a chain of packet mbufs.
 */
#ifndef HS_HTTP_STATS_H
#define HS_HTTP_STATS_H

/* clang-format off */
#define HS_STATS_HTTP(X) \
	X(http_req) X(http_1xx) X(http_2xx) X(http_3xx) X(http_4xx) \
	X(http_5xx) X(conn_timeout_idle) X(conn_timeout_handshake) \
	X(conn_timeout_read) X(conn_timeout_write) X(conn_timeout_linger) \
	X(log_dropped) X(http_body_zc_bytes) X(http_rstate_wait) \
	X(tls_rec_buf) X(tls_rec_buf_empty)
/* clang-format on */

#endif
