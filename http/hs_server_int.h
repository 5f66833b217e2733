/* SPDX-License-Identifier: BSD-3-Clause
 * hs_server_int.h - what the server glue's files share (hs_server.c:
 * driving connections, lcores, generations; hs_server_zc.c: response
 * bodies queued by reference).  Private to http/hs_server*.c and the
 * glue's tests; everything else goes through hs_server.h.
 */
#ifndef HS_SERVER_INT_H
#define HS_SERVER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "hs_common.h"
#include "hs_http.h"
#include "hs_lcore.h"
#include "hs_log.h"
#include "hs_rcu.h"
#include "hs_server.h"
#include "hs_transport.h"

/* Bodies shorter than this are copied: a holder and external-buffer
 * mbufs cost more than copying a small file. */
#define HS_SRV_ZC_MIN 1024u

/* One hold counter per lcore slot, on its own cache line. */
struct hs_srv_ref {
	uint64_t n;
} __rte_cache_aligned;

/* A published configuration generation (see the top of this file). */
struct hs_srv_gen {
	struct hs_server_config cfg;
	void (*release)(void *arg); /* frees cfg's tls, files, strings */
	void *release_arg;
	struct hs_srv_ref refs[HS_MAX_LCORES];
};

/* What a connection waits for; each phase has its own deadline. */
enum hs_srv_phase {
	HS_SRV_HANDSHAKE, /* TLS handshake: fixed deadline from accept */
	HS_SRV_IDLE,      /* keep-alive, nothing buffered */
	HS_SRV_READING,   /* part of a request head (or body) buffered */
	HS_SRV_WRITING,   /* response output waiting for send space */
	HS_SRV_CLOSING,   /* our FIN is queued; peer must finish */
};

struct hs_srv_conn {
	struct hs_transport tp; /* TCP, with TLS on the HTTPS port */
	struct hs_srv_lcore *sl;
	struct hs_srv_conn *prev, *next; /* live list, for shutdown */
	struct hs_srv_gen *tls_gen;      /* holds: the TLS session's context */
	struct hs_srv_gen *rsp_gen;      /* ...the response body's file cache */
	struct srv_zc *zc; /* the body's zero-copy holder (our ref) */
	bool closing;      /* hs_tcp_close() issued */
	bool quiet_closed; /* ... by the drain, nothing in progress */
	bool eof;          /* no more input will come */
	bool tp_dry;       /* the last read found nothing, even buffered */
	uint8_t phase;     /* enum hs_srv_phase */
	/* on its lcore's wait list (no request state block was free) */
	struct hs_srv_conn *wprev, *wnext;
	struct hs_http_conn http;
};

/* Per-lcore request state blocks (both listeners) and the connections
 * waiting for one, oldest first. */
struct srv_pool {
	struct hs_http_rpool rp;
	struct hs_srv_conn wait; /* list head (wprev / wnext) */
	bool kicking;
};

/* Per-lcore, per-listener server state (the listener's arg). */
struct hs_srv_lcore {
	struct hs_lcore *lc;
	struct hs_tls_ctx *tls;
	struct hs_srv_gen *gen; /* the generation new work uses */
	unsigned int slot;      /* this lcore's index in gen->refs */
	bool is_tls;
	bool draining;
	uint64_t nlive;  /* live connections (main reads) */
	uint64_t nquiet; /* of them, closed by the drain with nothing in
			  * progress: only close_notify / FIN left */
	struct hs_http_server http;
	uint64_t to_us[HS_SRV_CLOSING + 1]; /* deadline per phase */
	struct hs_log_ring *log;            /* this lcore's, NULL: log off */
	struct srv_pool *pool;              /* this lcore's */
	struct hs_srv_conn live;            /* list head */
};

/* Holds on a generation: only this lcore writes its slot; the release
 * store orders our last use of the generation before the main lcore can
 * see the count fall (a plain store on x86). */
static inline void
srv_gen_hold(struct hs_srv_gen *g, unsigned int slot)
{
	__atomic_store_n(&g->refs[slot].n, g->refs[slot].n + 1,
			 __ATOMIC_RELAXED);
}

static inline void
srv_gen_drop(struct hs_srv_gen *g, unsigned int slot)
{
	__atomic_store_n(&g->refs[slot].n, g->refs[slot].n - 1,
			 __ATOMIC_RELEASE);
}

/* ---- zero-copy bodies (hs_server_zc.c) ---- */
/* Holder of one response body queued by reference.  It lives in the data
 * room of an mbuf from the lcore's pool (no malloc per response; a leak
 * shows in mbufs_in_use).  References on shinfo: one per external-buffer
 * mbuf TCP holds (queue mbufs and views in frames in flight), plus the
 * connection's while it may queue more of the body (sc->zc).  The last
 * one runs srv_zc_free: on the owning lcore while it runs, or at
 * shutdown on the thread tearing the lcore or the port down (before
 * generations are freed, app/hs_app.c). */
struct srv_zc {
	struct rte_mbuf_ext_shared_info shinfo;
	struct rte_mbuf *m;     /* the mbuf this lives in */
	struct hs_srv_gen *gen; /* held: the body's file cache */
	const struct hs_file_cache *files;
	unsigned int slot;
	struct srv_zc *next, **pprev; /* srv_zc_live[slot] */
};

/* The holder of sc's current body, created on first use with the
 * connection's reference and a hold on the body's generation.  NULL (the
 * caller copies) when the transport cannot send by reference (TLS, or a
 * port that may DMA), without a generation, or out of mbufs (counted). */
struct srv_zc *hs_srv_zc_get(struct hs_srv_conn *sc);
/* The connection will queue no more of the body: drop its reference. */
void hs_srv_zc_put(struct hs_srv_conn *sc);

#endif /* HS_SERVER_INT_H */
