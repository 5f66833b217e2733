/* SPDX-License-Identifier: BSD-3-Clause
 * hs_server.h - the glue between a TCP connection, an optional TLS
 * session and the HTTP engine.  Runs entirely inside the lcore's poll
 * loop: TCP callbacks drive TLS, TLS drives HTTP, HTTP output goes back
 * through TLS into TCP's send queue.
 */
#ifndef HS_SERVER_H
#define HS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

struct hs_lcore;
struct hs_tls_ctx;
struct hs_file_cache;

struct hs_server_config {
	struct hs_tls_ctx *tls;            /* shared, read-only */
	const struct hs_file_cache *files; /* shared, read-only */
	uint16_t https_port;               /* 0 = off */
	uint16_t http_port;                /* 0 = off */
	/* HTTP knobs applied to both listeners (see struct hs_http_server);
	 * fill with hs_server_config_defaults(). */
	uint32_t hsts_max_age;
	bool hsts_subdomains, hsts_preload;
	bool plain_redirect;       /* port 80: 301 to https (default) */
	const char *redirect_host; /* for requests without Host */
	uint32_t keepalive_requests;
	/* access log on: one record ring per lcore (hs_log.h), drained by
	 * the writer thread the caller starts; a full ring counts
	 * log_dropped */
	bool access_log;
	/* test upload endpoint (hs_http_sink.h): NULL = off; its body
	 * limit, 0 = HS_HTTP_SINK_MAX_BODY_DEFAULT */
	const char *upload_sink;
	uint64_t max_body;
	/* Timeouts in milliseconds, 0 = default (nginx-like):
	 *   handshake_ms  TLS handshake must complete      (60000)
	 *   header_ms     a started request head must end  (60000)
	 *   keepalive_ms  idle between requests            (75000)
	 *   send_ms       between two successful writes    (60000)
	 *   linger_ms     after our close, before RST      (30000) */
	uint32_t handshake_ms, header_ms, keepalive_ms, send_ms, linger_ms;
	/* Request state blocks (struct hs_http_rstate, about 11 KiB: input,
	 * parser, response header and log buffers) per lcore, 0 = default
	 * (HS_SRV_RSTATE_MAX_DEFAULT).  Only a connection with a request in
	 * progress holds one; when all are taken, a connection with input
	 * waits (its bytes stay in TCP's receive queue, http_rstate_wait
	 * counts it) until one is released.  Read at hs_server_attach(). */
	uint32_t rstate_max;
};

#define HS_SRV_RSTATE_MAX_DEFAULT 4096u

/* Defaults: nginx-like timeouts, HSTS one year, port 80 redirects,
 * 1000 requests per keep-alive connection. */
void hs_server_config_defaults(struct hs_server_config *cfg);

/* Main lcore: make cfg (its tls context, file cache and HTTP knobs) the
 * configuration new connections and new requests use, and take ownership
 * of what it points to: release(arg) is called once no lcore and no
 * connection uses it any more.  The previous configuration is retired
 * (hs_rcu.h: freed by hs_rcu_reclaim() when safe).  Lcores switch at the
 * top of their next poll iteration.  0 or -ENOMEM. */
int hs_server_publish(const struct hs_server_config *cfg,
		      void (*release)(void *arg), void *arg);
/* Request state blocks held by connections, all lcores (tests). */
uint64_t hs_server_rstates_in_use(void);
/* Connections the server still serves, all lcores (for the drain). */
uint64_t hs_server_live_conns(void);
/* What a drain waits for: the live connections less those it closed with
 * nothing in progress (only our close_notify / FIN left to go: like
 * nginx, which leaves those to the kernel, the process need not outlive
 * them; a peer that is gone would hold it to --shutdown-timeout). */
uint64_t hs_server_drain_pending(void);
/* Lcores whose server state is attached (hs_server_attach) and not yet
 * detached: 0 once every lcore was detached.  Main lcore, at exit. */
unsigned int hs_server_lcores_attached(void);
/* At exit, after every hs_server_detach(): release the current
 * configuration. */
void hs_server_fini(void);

/* Register the listeners on lc (ports from cfg; everything else from the
 * published configuration: call hs_server_publish() first).  Returns 0
 * or a negative code. */
int hs_server_attach(struct hs_lcore *lc, const struct hs_server_config *cfg);
/* Free every live connection's TLS/HTTP state on lc (before
 * hs_lcore_fini, which frees the TCP side without callbacks). */
void hs_server_detach(struct hs_lcore *lc);

/* SIGTERM drain: hs_lcore_drain_start(); every lcore then closes its
 * listeners and idle keep-alive connections (see hs_server.c). */

#endif
