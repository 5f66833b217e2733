/* SPDX-License-Identifier: BSD-3-Clause
 * hs_server_zc.c - response bodies queued by reference: one holder per
 * body in an mbuf's data room, freed when TCP drops the last view.
 */
#include <string.h>

#include <rte_mbuf.h>

#include "hs_server_int.h"

/* Live holders per lcore slot (static: a holder may outlive its struct
 * hs_srv_lcore at shutdown). */
static struct srv_zc *srv_zc_live[HS_MAX_LCORES];

/* shinfo's last reference is gone: nothing points into the body now. */
static void
srv_zc_free(void *addr, void *opaque)
{
	struct srv_zc *z = opaque;

	(void)addr;
	*z->pprev = z->next;
	if (z->next != NULL)
		z->next->pprev = z->pprev;
	srv_gen_drop(z->gen, z->slot);
	rte_pktmbuf_free(z->m);
}

/* The holder of sc's current body, created on first use with the
 * connection's reference and a hold on the body's generation.  NULL (the
 * caller copies) when the transport cannot send by reference (TLS, or a
 * port that may DMA), without a generation, or out of mbufs (counted). */
struct srv_zc *
hs_srv_zc_get(struct hs_srv_conn *sc)
{
	struct hs_lcore *lc = hs_tcp_lcore_of(sc->tp.tcp);
	unsigned int slot = sc->sl->slot;
	struct rte_mbuf *m;
	struct srv_zc *z;

	if (sc->zc != NULL)
		return sc->zc;
	if (!hs_tp_by_ref(&sc->tp) || sc->rsp_gen == NULL)
		return NULL;
	m = rte_pktmbuf_alloc(hs_lcore_pool(lc));
	if (m == NULL) {
		hs_lcore_stats(lc)->drop_nombuf++;
		return NULL;
	}
	if (rte_pktmbuf_tailroom(m) < sizeof(*z)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	z = rte_pktmbuf_mtod(m, struct srv_zc *);
	memset(z, 0, sizeof(*z));
	z->m = m;
	z->gen = sc->rsp_gen;
	z->files = sc->http.body_files;
	z->slot = slot;
	z->shinfo.free_cb = srv_zc_free;
	z->shinfo.fcb_opaque = z;
	rte_mbuf_ext_refcnt_set(&z->shinfo, 1); /* the connection's */
	srv_gen_hold(z->gen, slot);
	z->next = srv_zc_live[slot];
	if (z->next != NULL)
		z->next->pprev = &z->next;
	z->pprev = &srv_zc_live[slot];
	srv_zc_live[slot] = z;
	sc->zc = z;
	return z;
}

/* The connection will queue no more of the body: drop its reference. */
void
hs_srv_zc_put(struct hs_srv_conn *sc)
{
	struct srv_zc *z = sc->zc;

	if (z == NULL)
		return;
	sc->zc = NULL;
	hs_tcp_ext_put(&z->shinfo, NULL);
}
