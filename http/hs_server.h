/* SPDX-License-Identifier: BSD-3-Clause
 * hs_server.h - the glue between a TCP connection, an optional TLS
 * session and the HTTP engine.  Runs entirely inside the lcore's poll
 * loop: TCP callbacks drive TLS, TLS drives HTTP, HTTP output goes back
 * through TLS into TCP's send queue.
 */
#ifndef HS_SERVER_H
#define HS_SERVER_H

#include <stdint.h>

struct hs_lcore;
struct hs_tls_ctx;
struct hs_file_cache;

struct hs_server_config {
	struct hs_tls_ctx *tls;             /* shared, read-only */
	const struct hs_file_cache *files;  /* shared, read-only */
	uint16_t https_port;                /* 0 = off */
	uint16_t http_port;                 /* 0 = off */
};

/* Register the listeners on lc.  Returns 0 or a negative code. */
int hs_server_attach(struct hs_lcore *lc, const struct hs_server_config *cfg);
/* Free every live connection's TLS/HTTP state on lc (before
 * hs_lcore_fini, which frees the TCP side without callbacks). */
void hs_server_detach(struct hs_lcore *lc);

#endif
