/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp_conn.c - connection table, listeners, ISNs and the application
 * API of hs_tcp.h.
 *
 * Table: max_conns conns preallocated (rte_zmalloc_socket), a free list,
 * and 4-tuple hash buckets (power of two >= max_conns) chained through
 * c->hnext: lookup, insert and remove are O(1) expected.
 *
 * Lifetime: a conn leaves the hash as soon as it is dropped; if input or
 * timer code still holds it (c->busy) it is only marked HS_TCPF_DEAD and
 * returns to the free list in hs_tcp_conn_put().  So an app may abort a
 * conn inside any callback.
 *
 * closed() timing: ops->closed(c, 0) is called when a graceful close is
 * complete from the app's point of view: on the ACK of our FIN in
 * LAST_ACK, and on ENTERING TIME_WAIT (active close).  The TIME_WAIT conn
 * then lingers 2*MSL without an app and is freed silently, or earlier
 * when a full table recycles it for a new SYN (TIME_WAIT FIFO below).
 */
#include <string.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_jhash.h>
#include <rte_lcore.h>

#include "hs_siphash.h"
#include "hs_tcp_var.h"

struct hs_tcp_params hs_tcp_params = {
	.sndbuf = 256 * 1024,
	.sndbuf_max = 4 * 1024 * 1024,
	.rcvbuf = 256 * 1024,
	.rcvbuf_max = 4 * 1024 * 1024,
	.msl_ms = 30000,
	.rto_min_ms = 200,
	.rto_max_ms = 60000,
	.rto_init_ms = 1000,
	.syn_retries = 5,
	.data_retries = 15,
	.delack_ms = 40,
	.fin_wait2_ms = 60000,
	.ooq_max_segs = 0,
	.ooq_lcore_max = 16384,
	.challenge_ack_limit = 1000,
	.keepalive_ms = 0,
	.keepalive_intvl_ms = 75000,
	.keepalive_probes = 9,
	.syncookies = 1,
	.syn_backlog = 1024,
	.cc = HS_TCP_CC_CUBIC,
	.max_per_source = 0,
	.time_wait_ms = 0,
	.rcvq_lcore_max = 0,
	.mem_lcore_max = 0,
	.initcwnd = HS_TCP_INITCWND_DEFAULT,
	.pacing = 1,
};

/* ---- RFC 6528 ISN: M + F(4-tuple, secret), F = SipHash-2-4 ---------- */
uint32_t
hs_tcp_isn(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr, uint16_t fport,
	   uint16_t lport)
{
	uint64_t a = ((uint64_t)laddr << 32) | faddr;
	uint64_t b = ((uint64_t)lport << 16) | fport;
	/* M ticks 16 times a µs (Linux: 64 ns), not RFC 6528's 4 µs: the
	 * ISN of a 4-tuple's next incarnation must pass what the peer
	 * received of the last one when both fall in the same TSval
	 * millisecond (RFC 6191 §2), and a connection that did a TLS
	 * handshake and a request has sent ~1 KB in ~100 µs.  M wraps in
	 * 268 s, still over twice the TIME_WAIT of 2 MSL. */
	uint32_t m = (uint32_t)(lc->now_us * 16);

	return m + (uint32_t)hs_siphash24_16(lc->tcp.isn_secret, a, b);
}

/* Offset of our TSval clock for a 4-tuple (RFC 7323 §5.4 recommends a
 * random one per connection); keyed, time independent, so that a SYN
 * cookie connection finds the same offset its SYN-ACK used. */
uint32_t
hs_tcp_ts_offset(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr,
		 uint16_t fport, uint16_t lport)
{
	uint64_t a = ((uint64_t)faddr << 32) | laddr;
	uint64_t b = ((uint64_t)fport << 16) | lport | (0x7473ULL << 48);

	return (uint32_t)hs_siphash24_16(lc->tcp.isn_secret, a, b);
}

/* SYN cookie MAC over the 4-tuple, the peer's ISN and the time counter
 * and options the cookie carries (RFC 4987 §3.6, hs_tcp_cookie.c). */
uint64_t
hs_tcp_cookie_mac(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr,
		  uint16_t fport, uint16_t lport, uint32_t irs, uint64_t data)
{
	uint64_t a = ((uint64_t)laddr << 32) | faddr;
	uint64_t b = ((uint64_t)lport << 48) | ((uint64_t)fport << 32) | irs;
	uint64_t h = hs_siphash24_16(lc->tcp.isn_secret, a, b);

	return hs_siphash24_16(lc->tcp.isn_secret, h ^ 0xc00c1eULL, data);
}

/* ---- table ------------------------------------------------------------ */
static inline uint32_t
hs_tcp_hash(const struct hs_tcp_lcore *tl, uint32_t faddr, uint32_t laddr,
	    uint16_t fport, uint16_t lport)
{
	return rte_jhash_3words(faddr, laddr, ((uint32_t)fport << 16) | lport,
				(uint32_t)tl->isn_secret[1]) &
	       tl->hash_mask;
}

struct hs_tcp_conn *
hs_tcp_conn_lookup(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr,
		   uint16_t fport, uint16_t lport)
{
	struct hs_tcp_lcore *tl = &lc->tcp;
	struct hs_tcp_conn *c;

	c = tl->hash[hs_tcp_hash(tl, faddr, laddr, fport, lport)];
	for (; c != NULL; c = c->hnext)
		if (c->faddr == faddr && c->fport == fport &&
		    c->lport == lport && c->laddr == laddr)
			return c;
	return NULL;
}

static void
hs_tcp_hash_remove(struct hs_tcp_lcore *tl, struct hs_tcp_conn *c)
{
	struct hs_tcp_conn **pp;

	pp = &tl->hash[hs_tcp_hash(tl, c->faddr, c->laddr, c->fport, c->lport)];
	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			c->hnext = NULL;
			return;
		}
}

int
hs_tcp_listener_find(struct hs_lcore *lc, uint16_t lport)
{
	for (int i = 0; i < HS_TCP_MAX_LISTENERS; i++)
		if (lc->tcp.listeners[i].port == lport && lport != 0 &&
		    !lc->tcp.listeners[i].closed)
			return i;
	return -1;
}

/* ---- connections per source address ----------------------------------
 * Open addressing with linear probing; an entry lives while its count is
 * non-zero and is removed by backward-shift deletion, so no tombstones.
 * The table has twice as many slots as conns, so it never fills. */
static uint32_t
hs_tcp_src_hash(const struct hs_tcp_lcore *tl, uint32_t addr)
{
	return rte_jhash_1word(addr, (uint32_t)tl->isn_secret[0]) &
	       tl->src_mask;
}

static struct hs_tcp_src *
hs_tcp_src_find(struct hs_tcp_lcore *tl, uint32_t addr, bool add)
{
	uint32_t i = hs_tcp_src_hash(tl, addr);

	for (uint32_t n = 0; n <= tl->src_mask;
	     n++, i = (i + 1) & tl->src_mask) {
		struct hs_tcp_src *e = &tl->src_tab[i];

		if (e->count == 0) {
			if (!add)
				return NULL;
			e->addr = addr;
			return e;
		}
		if (e->addr == addr)
			return e;
	}
	return NULL;
}

/* Take one slot for addr; false when the source is at its limit. */
static bool
hs_tcp_src_take(struct hs_tcp_lcore *tl, uint32_t addr)
{
	struct hs_tcp_src *e;

	if (hs_tcp_params.max_per_source == 0)
		return true;
	e = hs_tcp_src_find(tl, addr, true);
	if (e == NULL || e->count >= hs_tcp_params.max_per_source)
		return false;
	e->count++;
	return true;
}

/* Whether addr may take one more slot (hs_tcp_src_take would succeed). */
static bool
hs_tcp_src_ok(struct hs_tcp_lcore *tl, uint32_t addr)
{
	struct hs_tcp_src *e;

	if (hs_tcp_params.max_per_source == 0)
		return true;
	e = hs_tcp_src_find(tl, addr, false);
	return e == NULL || e->count < hs_tcp_params.max_per_source;
}

void
hs_tcp_src_release(struct hs_tcp_conn *c)
{
	struct hs_tcp_lcore *tl = &c->lc->tcp;
	struct hs_tcp_src *e;
	uint32_t i, j;

	if (!c->src_held)
		return;
	c->src_held = 0;
	e = hs_tcp_src_find(tl, c->faddr, false);
	if (e == NULL || --e->count > 0)
		return;
	/* Backward-shift deletion (Knuth 6.4 Algorithm R). */
	i = (uint32_t)(e - tl->src_tab);
	j = i;
	for (;;) {
		uint32_t h;

		j = (j + 1) & tl->src_mask;
		if (tl->src_tab[j].count == 0)
			break;
		h = hs_tcp_src_hash(tl, tl->src_tab[j].addr);
		/* Move j to i unless its home lies cyclically in (i, j]. */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		tl->src_tab[i] = tl->src_tab[j];
		i = j;
	}
	tl->src_tab[i].count = 0;
}

uint32_t
hs_tcp_src_count(struct hs_lcore *lc, uint32_t addr)
{
	struct hs_tcp_src *e;

	if (lc->tcp.src_tab == NULL)
		return 0;
	e = hs_tcp_src_find(&lc->tcp, addr, false);
	return e ? e->count : 0;
}

/* ---- TIME_WAIT FIFO ---------------------------------------------------
 * Conns enter TIME_WAIT in order and stay there for the same time, so the
 * FIFO's head is the one closest to expiry: a full table frees it for a
 * new SYN (O(1)) instead of refusing the client.  TIME_WAIT conns do not
 * count against max_per_source (hs_tcp_src_release on entry): a site
 * behind a NAT that opens and closes connections quickly would otherwise
 * lock itself out for 2*MSL with conns that hold no application state;
 * what bounds the slots they take is this recycling, which makes them
 * the first to go when anyone needs a slot. */
void
hs_tcp_tw_enqueue(struct hs_tcp_conn *c)
{
	struct hs_tcp_lcore *tl = &c->lc->tcp;

	c->tw_next = NULL;
	c->tw_prev = tl->tw_tail;
	if (tl->tw_tail != NULL)
		tl->tw_tail->tw_next = c;
	else
		tl->tw_head = c;
	tl->tw_tail = c;
}

static void
hs_tcp_tw_unlink(struct hs_tcp_conn *c)
{
	struct hs_tcp_lcore *tl = &c->lc->tcp;

	if (c->tw_prev != NULL)
		c->tw_prev->tw_next = c->tw_next;
	else
		tl->tw_head = c->tw_next;
	if (c->tw_next != NULL)
		c->tw_next->tw_prev = c->tw_prev;
	else
		tl->tw_tail = c->tw_prev;
	c->tw_next = c->tw_prev = NULL;
}

struct hs_tcp_conn *
hs_tcp_conn_new(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr,
		uint16_t fport, uint16_t lport, int listener)
{
	struct hs_tcp_lcore *tl = &lc->tcp;
	struct hs_tcp_conn *c;
	uint32_t id, h;

	if (!hs_tcp_slot_available(lc)) {
		lc->stats.drop_tcp_conn_limit++;
		return NULL;
	}
	if (!hs_tcp_src_ok(tl, faddr)) {
		lc->stats.drop_tcp_src_limit++;
		return NULL;
	}
	if (tl->free_list == NULL) {
		/* Full: recycle the oldest TIME_WAIT conn.  Its timer and
		 * closed() are done with; it holds no per-source slot. */
		lc->stats.tcp_tw_recycled++;
		hs_tcp_conn_drop(tl->tw_head, 0);
		if (tl->free_list == NULL) { /* it was busy: not freed */
			lc->stats.drop_tcp_conn_limit++;
			return NULL;
		}
	}
	if (!hs_tcp_src_take(tl, faddr)) {
		lc->stats.drop_tcp_src_limit++;
		return NULL;
	}
	c = tl->free_list;
	tl->free_list = c->free_next;
	id = c->id;
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->lc = lc;
	c->faddr = faddr;
	c->laddr = laddr;
	c->fport = fport;
	c->lport = lport;
	c->listener = (uint8_t)listener;
	c->src_held = hs_tcp_params.max_per_source != 0;
	c->ops = tl->listeners[listener].ops;
	c->state = HS_TCP_SYN_RCVD;
	c->sb = c->sb_in;
	c->sb_cap = HS_TCP_SB_MAX;
	c->sndbuf = hs_tcp_params.sndbuf;
	c->rcvbuf = hs_tcp_params.rcvbuf;
	c->prog_ms = hs_tcp_ms(lc);
	c->rto_us = hs_ms_to_us(hs_tcp_params.rto_init_ms);
	c->ssthresh = UINT32_MAX;
	c->cc = hs_tcp_cc_tab[hs_tcp_params.cc < RTE_DIM(hs_tcp_cc_tab)
				      ? hs_tcp_params.cc
				      : HS_TCP_CC_CUBIC];
	c->cc->init(c);
	tl->nb_synrcvd++;
	h = hs_tcp_hash(tl, faddr, laddr, fport, lport);
	c->hnext = tl->hash[h];
	tl->hash[h] = c;
	tl->nb_conns++;
	lc->stats.tcp_conn_open++;
	lc->stats.tcp_conn_total++;
	return c;
}

static void
hs_tcp_conn_release(struct hs_tcp_conn *c)
{
	struct hs_tcp_lcore *tl = &c->lc->tcp;

	c->free_next = tl->free_list;
	tl->free_list = c;
}

/* Everything but the free-list push: no longer findable, no timers, no
 * mbufs.  Idempotent. */
static void
hs_tcp_conn_detach(struct hs_tcp_conn *c)
{
	struct hs_lcore *lc = c->lc;

	if (c->flags & HS_TCPF_DEAD)
		return;
	c->flags |= HS_TCPF_DEAD;
	hs_tcp_timer_cancel(c, &c->t_rexmt);
	hs_tcp_timer_cancel(c, &c->t_misc);
	hs_tcp_timer_cancel(c, &c->t_app);
	hs_tcp_timer_cancel(c, &c->t_keep);
	hs_tcp_timer_cancel(c, &c->t_pace);
	hs_tcp_memwait_del(c);
	hs_tcp_txwait_del(c);
	lc->tcp.sndq_mbufs -= c->sndq.count;
	hs_mq_free(&c->sndq);
	lc->tcp.rcvq_mbufs -= c->rcvq.count;
	hs_mq_free(&c->rcvq);
	lc->tcp.ooq_mbufs -= c->ooq.count;
	hs_mq_free(&c->ooq);
	c->sack_nblk = 0;
	hs_tcp_sack_clear(c);
	hs_tcp_src_release(c);
	hs_tcp_hash_remove(&lc->tcp, c);
	if (c->state == HS_TCP_SYN_RCVD)
		lc->tcp.nb_synrcvd--;
	else if (c->state == HS_TCP_TIME_WAIT) {
		lc->stats.tcp_conn_timewait--;
		hs_tcp_tw_unlink(c);
	}
	c->state = HS_TCP_CLOSED;
	lc->tcp.nb_conns--;
	lc->stats.tcp_conn_open--;
}

void
hs_tcp_conn_drop(struct hs_tcp_conn *c, int reason)
{
	bool notify = (c->flags & HS_TCPF_APP) != 0;

	if (c->flags & HS_TCPF_DEAD)
		return;
	c->flags &= ~HS_TCPF_APP;
	hs_tcp_conn_detach(c);
	if (notify && c->ops->closed) {
		c->busy++;
		c->ops->closed(c, reason);
		c->busy--;
	}
	if (c->busy == 0)
		hs_tcp_conn_release(c);
}

void
hs_tcp_conn_put(struct hs_tcp_conn *c)
{
	if (--c->busy == 0 && (c->flags & HS_TCPF_DEAD))
		hs_tcp_conn_release(c);
}

/* ---- lcore ------------------------------------------------------------ */
int
hs_tcp_lcore_init(struct hs_lcore *lc, uint32_t max_conns)
{
	struct hs_tcp_lcore *tl = &lc->tcp;
	int socket = (int)rte_socket_id();
	uint32_t nb_buckets;

	if (max_conns == 0 || max_conns > (1u << 24))
		return -EINVAL;
	memset(tl, 0, sizeof(*tl));
	nb_buckets = rte_align32pow2(max_conns);
	tl->conns = rte_zmalloc_socket("hs_tcp_conns",
				       (size_t)max_conns * sizeof(*tl->conns),
				       RTE_CACHE_LINE_SIZE, socket);
	tl->hash = rte_zmalloc_socket("hs_tcp_hash",
				      (size_t)nb_buckets * sizeof(*tl->hash),
				      RTE_CACHE_LINE_SIZE, socket);
	tl->src_tab = rte_zmalloc_socket(
		"hs_tcp_src", (size_t)nb_buckets * 2 * sizeof(*tl->src_tab),
		RTE_CACHE_LINE_SIZE, socket);
	if (tl->conns == NULL || tl->hash == NULL || tl->src_tab == NULL ||
	    hs_tcp_sb_pool_init(lc, HS_TCP_SB_BLOCKS(max_conns)) < 0) {
		rte_free(tl->conns);
		rte_free(tl->hash);
		rte_free(tl->src_tab);
		memset(tl, 0, sizeof(*tl));
		return -ENOMEM;
	}
	tl->hash_mask = nb_buckets - 1;
	tl->src_mask = nb_buckets * 2 - 1;
	tl->max_conns = max_conns;
	for (uint32_t i = max_conns; i-- > 0;) {
		tl->conns[i].id = i;
		tl->conns[i].lc = lc;
		tl->conns[i].free_next = tl->free_list;
		tl->free_list = &tl->conns[i];
	}
	/* RFC 6528: a random secret per boot (here per lcore). */
	tl->isn_secret[0] = rte_rand();
	tl->isn_secret[1] = rte_rand();
	hs_siphash_key_new(tl->chack_key);
	hs_tw_init(&tl->wheel, lc->now_us);
	hs_tcp_mem_init(lc);
	return 0;
}

int
hs_tcp_lcore_set_secret(struct hs_lcore *lc, uint64_t k0, uint64_t k1)
{
	if (lc->tcp.nb_conns != 0)
		return -EBUSY;
	lc->tcp.isn_secret[0] = k0;
	lc->tcp.isn_secret[1] = k1;
	return 0;
}

void
hs_tcp_lcore_fini(struct hs_lcore *lc)
{
	struct hs_tcp_lcore *tl = &lc->tcp;

	if (tl->conns == NULL)
		return;
	for (uint32_t i = 0; i < tl->max_conns; i++) {
		struct hs_tcp_conn *c = &tl->conns[i];

		if (c->state != HS_TCP_CLOSED && !(c->flags & HS_TCPF_DEAD)) {
			c->flags &= ~HS_TCPF_APP; /* no callbacks */
			hs_tcp_conn_detach(c);
		}
	}
	rte_free(tl->conns);
	rte_free(tl->hash);
	rte_free(tl->src_tab);
	hs_tcp_sb_pool_fini(lc);
	memset(tl, 0, sizeof(*tl));
}

int
hs_tcp_listen(struct hs_lcore *lc, uint16_t port_host_order,
	      const struct hs_tcp_ops *ops, void *arg)
{
	uint16_t port = rte_cpu_to_be_16(port_host_order);

	if (port_host_order == 0 || ops == NULL || ops->accepted == NULL)
		return -EINVAL;
	if (hs_tcp_listener_find(lc, port) >= 0)
		return -EADDRINUSE;
	for (int i = 0; i < HS_TCP_MAX_LISTENERS; i++) {
		struct hs_tcp_listener *l = &lc->tcp.listeners[i];

		if (l->port == 0) {
			l->port = port;
			l->ops = ops;
			l->arg = arg;
			return 0;
		}
	}
	return -ENOSPC;
}

int
hs_tcp_unlisten(struct hs_lcore *lc, uint16_t port_host_order)
{
	int li = hs_tcp_listener_find(lc, rte_cpu_to_be_16(port_host_order));

	if (li < 0)
		return -ENOENT;
	lc->tcp.listeners[li].closed = true;
	return 0;
}

/* ---- application API -------------------------------------------------- */
static bool
hs_tcp_app_alive(const struct hs_tcp_conn *c)
{
	return c != NULL && !(c->flags & HS_TCPF_DEAD) &&
	       c->state != HS_TCP_CLOSED;
}

void *
hs_tcp_app(const struct hs_tcp_conn *c)
{
	return c->app;
}

void
hs_tcp_set_app(struct hs_tcp_conn *c, void *p)
{
	c->app = p;
}

struct hs_lcore *
hs_tcp_lcore_of(const struct hs_tcp_conn *c)
{
	return c->lc;
}

uint32_t
hs_tcp_peer_addr(const struct hs_tcp_conn *c)
{
	return c->faddr;
}

uint16_t
hs_tcp_peer_port(const struct hs_tcp_conn *c)
{
	return c->fport;
}

uint32_t
hs_tcp_recv_avail(const struct hs_tcp_conn *c)
{
	return c->rcvq.bytes;
}

bool
hs_tcp_peer_closed(const struct hs_tcp_conn *c)
{
	return (c->flags & HS_TCPF_FIN_RCVD) != 0;
}

/* The app took n bytes off the front of the receive queue: free them,
 * account, tune the buffer and reopen the window. */
static void
hs_tcp_recv_consume(struct hs_tcp_conn *c, uint32_t n)
{
	uint32_t old_adv, new_wnd, cap;

	old_adv =
		HS_SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	c->lc->tcp.rcvq_mbufs -= c->rcvq.count;
	hs_mq_drop(&c->rcvq, n);
	c->lc->tcp.rcvq_mbufs += c->rcvq.count;
	hs_tcp_mem_progress(c, n);
	hs_tcp_rcvbuf_tune(c, n); /* hs_tcp_mem.c */
	/* Receiver SWS avoidance (RFC 9293 §3.8.6.2.2): advertise the
	 * reopened window only when it was small and grew by >= 2*MSS. */
	new_wnd = hs_tcp_rcv_space(c);
	cap = HS_MIN(c->rcvbuf, HS_TCP_MAX_WIN << c->rcv_wscale);
	if (!(c->flags & HS_TCPF_FIN_RCVD) && old_adv < cap / 2 &&
	    new_wnd >= old_adv + 2u * c->mss) {
		c->lc->stats.tcp_window_update++;
		c->flags |= HS_TCPF_ACKNOW;
		if (c->busy == 0)
			hs_tcp_output(c);
	}
}

size_t
hs_tcp_recv(struct hs_tcp_conn *c, void *buf, size_t len)
{
	uint32_t n;

	if (!hs_tcp_app_alive(c) || c->rcvq.bytes == 0 || len == 0)
		return 0;
	n = (uint32_t)HS_MIN(len, (size_t)c->rcvq.bytes);
	hs_mq_copy(&c->rcvq, 0, buf, n);
	hs_tcp_recv_consume(c, n);
	return n;
}

/* Replace the receive-queue mbuf m (after prev, NULL: the head) by a
 * private copy of its bytes: the copy, or NULL (nothing changed). */
static struct rte_mbuf *
hs_tcp_rcvq_unshare(struct hs_tcp_conn *c, struct rte_mbuf *prev,
		    struct rte_mbuf *m)
{
	struct rte_mbuf *n = rte_pktmbuf_alloc(c->lc->pool);
	uint16_t len = rte_pktmbuf_data_len(m);

	if (n == NULL || rte_pktmbuf_tailroom(n) < len) {
		rte_pktmbuf_free(n);
		return NULL;
	}
	memcpy(rte_pktmbuf_append(n, len), rte_pktmbuf_mtod(m, void *), len);
	n->next = m->next;
	if (prev != NULL)
		prev->next = n;
	else
		c->rcvq.head = n;
	if (c->rcvq.tail == m)
		c->rcvq.tail = n;
	if (c->rcvq.hint == m) {
		c->rcvq.hint = NULL;
		c->rcvq.hint_off = 0;
	}
	m->next = NULL;
	rte_pktmbuf_free_seg(m);
	return n;
}

/* Repack the first len bytes of the receive queue into as few fresh
 * mbufs as hold them (a peer's odd segment sizes can leave them spread
 * over many): 0, or -ENOMEM (nothing changed). */
static int
hs_tcp_rcvq_pack(struct hs_tcp_conn *c, size_t len)
{
	struct hs_mbuf_q nq = { 0 };
	struct rte_mbuf *m;
	size_t off = 0;

	while (off < len) {
		uint16_t k;

		m = rte_pktmbuf_alloc(c->lc->pool);
		if (m == NULL) {
			while ((m = hs_mq_pop(&nq)) != NULL)
				rte_pktmbuf_free_seg(m);
			return -ENOMEM;
		}
		k = (uint16_t)HS_MIN(len - off,
				     (size_t)rte_pktmbuf_tailroom(m));
		hs_mq_copy(&c->rcvq, (uint32_t)off, rte_pktmbuf_append(m, k),
			   k);
		hs_mq_push(&nq, m);
		off += k;
	}
	c->lc->tcp.rcvq_mbufs -= c->rcvq.count;
	hs_mq_drop(&c->rcvq, (uint32_t)len);
	nq.tail->next = c->rcvq.head;
	c->rcvq.head = nq.head;
	if (c->rcvq.tail == NULL)
		c->rcvq.tail = nq.tail;
	c->rcvq.bytes += nq.bytes;
	c->rcvq.count += nq.count;
	c->rcvq.hint = NULL;
	c->rcvq.hint_off = 0;
	c->lc->tcp.rcvq_mbufs += c->rcvq.count;
	c->lc->stats.tcp_rcvq_packed++;
	return 0;
}

int
hs_tcp_recv_peek(struct hs_tcp_conn *c, size_t len, struct iovec *v, int max)
{
	struct rte_mbuf *m, *prev = NULL;
	bool packed = false;
	size_t got = 0;
	int n = 0;

	if (!hs_tcp_app_alive(c) || len == 0 || max < 1)
		return -EINVAL;
	if (c->rcvq.bytes < len)
		return hs_tcp_peer_closed(c) ? -EPIPE : 0;
	for (m = c->rcvq.head; m != NULL && got < len; m = m->next) {
		uint16_t dl = rte_pktmbuf_data_len(m);

		if (dl == 0) {
			prev = m;
			continue;
		}
		if (n == max) {
			/* too many pieces: pack them and walk again */
			if (packed)
				return -E2BIG;
			if (hs_tcp_rcvq_pack(c, len) != 0)
				return -ENOMEM;
			packed = true;
			m = c->rcvq.head;
			prev = NULL;
			got = 0;
			n = 0;
			dl = rte_pktmbuf_data_len(m);
		}
		if ((!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1) &&
		    (m = hs_tcp_rcvq_unshare(c, prev, m)) == NULL)
			return -ENOMEM;
		v[n].iov_base = rte_pktmbuf_mtod(m, uint8_t *);
		v[n].iov_len = HS_MIN((size_t)dl, len - got);
		got += v[n].iov_len;
		n++;
		prev = m;
	}
	return n;
}

void
hs_tcp_recv_drop(struct hs_tcp_conn *c, size_t len)
{
	if (!hs_tcp_app_alive(c) || len == 0)
		return;
	len = HS_MIN(len, (size_t)c->rcvq.bytes);
	hs_tcp_recv_consume(c, (uint32_t)len);
}

/* Bytes of send queue c may fill now: its buffer, but no more than four
 * times the largest window the peer ever offered (at least
 * HS_TCP_SND_FLOOR): a peer that offers a few bytes (a slow reader) gets
 * a short queue, any real client the whole buffer. */
#define HS_TCP_SND_FLOOR (64u * 1024u)
/* Payload of one copied send mbuf (data_off 0, default data room). */
#define HS_TCP_SND_SEG   2048u
/* Not-sent low-water mark (as Linux's TCP_NOTSENT_LOWAT): the application
 * may queue at most this many bytes beyond what has been sent.  The rest
 * of a large response is sealed and queued as ACKs make room (writable()
 * runs on every ACK of new data, before output), so what TCP sends next
 * was written recently and is still in cache: a 1 MiB response sealed
 * whole walks ~500 send-queue mbufs that other work evicted meanwhile.
 * Per ACK the application then adds what the ACK let TCP send (a few
 * segments), far below this: never application-limited. */
#define HS_TCP_NOTSENT_LOWAT (128u * 1024u)

uint32_t
hs_tcp_send_queued(const struct hs_tcp_conn *c)
{
	return hs_tcp_app_alive(c) ? c->sndq.bytes : 0;
}

uint32_t
hs_tcp_send_space(struct hs_tcp_conn *c)
{
	const struct hs_tcp_lcore *tl;
	uint32_t lim, space, used, inflight, unsent;

	if (!hs_tcp_app_alive(c) || (c->flags & HS_TCPF_SHUT_WR))
		return 0;
	lim = HS_MIN(c->sndbuf, HS_MAX(HS_TCP_SND_FLOOR,
				       4u * HS_MIN(c->max_sndwnd, c->sndbuf)));
	space = lim > c->sndq.bytes ? lim - c->sndq.bytes : 0;
	if (space == 0 || c->sndq.count >= hs_tcp_buf_mbufs(c->sndbuf))
		return 0;
	inflight = c->snd_max - c->snd_una;
	unsent = c->sndq.bytes > inflight ? c->sndq.bytes - inflight : 0;
	if (unsent >= HS_TCP_NOTSENT_LOWAT)
		return 0;
	space = HS_MIN(space, HS_TCP_NOTSENT_LOWAT - unsent);
	tl = &c->lc->tcp;
	used = hs_tcp_mem_used(tl);
	if (used < tl->mem_max)
		return space;
	/* The lcore's budget is spent: what is left of the conn's
	 * guaranteed minimum, from the reserve; else wait. */
	if (c->sndq.count >= HS_TCP_SND_MIN_MBUFS ||
	    used + HS_TCP_SND_MIN_MBUFS > tl->mem_max + tl->mem_reserve) {
		hs_tcp_memwait_add(c);
		return 0;
	}
	return HS_MIN(space, (HS_TCP_SND_MIN_MBUFS - c->sndq.count - 1u) *
				     HS_TCP_SND_SEG);
}

/* Whether c may queue len more bytes: 1 yes, 0 (len == 0), -EPIPE,
 * -EINVAL. */
static int
hs_tcp_send_ok(const struct hs_tcp_conn *c, size_t len)
{
	if (!hs_tcp_app_alive(c) || (c->flags & HS_TCPF_SHUT_WR) ||
	    (c->state != HS_TCP_ESTABLISHED && c->state != HS_TCP_CLOSE_WAIT))
		return -EPIPE;
	if (len == 0)
		return 0;
	if (len > INT32_MAX || len > UINT32_MAX - c->sndq.bytes)
		return -EINVAL;
	return 1;
}

int
hs_tcp_send(struct hs_tcp_conn *c, const void *buf, size_t len)
{
	struct hs_lcore *lc;
	struct hs_mbuf_q fresh = { 0 };
	struct rte_mbuf *tail, *m;
	const uint8_t *p = buf;
	size_t left = len, room = 0;
	int rc = hs_tcp_send_ok(c, len);

	if (rc <= 0)
		return rc;
	lc = c->lc;
	tail = c->sndq.tail;
	if (tail != NULL && RTE_MBUF_DIRECT(tail) &&
	    rte_mbuf_refcnt_read(tail) == 1)
		room = rte_pktmbuf_tailroom(tail);
	/* Budgets (hs_tcp_mem.c): refused, the conn waits for memory. */
	if (left > room &&
	    !hs_tcp_mem_snd_ok(c,
			       (uint32_t)((left - room + HS_TCP_SND_SEG - 1) /
					  HS_TCP_SND_SEG))) {
		lc->stats.drop_tcp_snd_mem++;
		hs_tcp_memwait_add(c);
		return -ENOBUFS;
	}
	/* Allocate everything first so that a shortage changes nothing. */
	while (left > room) {
		uint16_t cap;

		m = rte_pktmbuf_alloc(lc->pool);
		if (m == NULL) {
			hs_mq_free(&fresh);
			lc->stats.drop_nombuf++;
			return -ENOBUFS;
		}
		m->data_off = 0; /* never transmitted as is */
		cap = (uint16_t)HS_MIN((size_t)rte_pktmbuf_tailroom(m),
				       left - room);
		rte_pktmbuf_append(m, cap);
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), p + room, cap);
		room += cap;
		m->next = NULL;
		hs_mq_push(&fresh, m);
	}
	room = len - fresh.bytes; /* bytes for the current tail */
	if (room) {
		memcpy(rte_pktmbuf_append(tail, (uint16_t)room), p, room);
		c->sndq.bytes += (uint32_t)room;
	}
	lc->tcp.sndq_mbufs += fresh.count;
	while ((m = hs_mq_pop(&fresh)) != NULL)
		hs_mq_push(&c->sndq, m);
	return (int)len;
}

/* Consumes m. */
int
hs_tcp_send_mbuf(struct hs_tcp_conn *c, struct rte_mbuf *m)
{
	struct rte_mbuf *seg, *next;
	uint32_t len;
	int rc;

	if (m == NULL)
		return -EINVAL;
	len = rte_pktmbuf_pkt_len(m);
	rc = hs_tcp_send_ok(c, len);
	if (rc <= 0) {
		rte_pktmbuf_free(m);
		return rc;
	}
	if (!hs_tcp_mem_snd_ok(c, m->nb_segs)) {
		c->lc->stats.drop_tcp_snd_mem++;
		hs_tcp_memwait_add(c);
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	/* The queue holds single segments linked through m->next. */
	for (seg = m; seg != NULL; seg = next) {
		next = seg->next;
		seg->next = NULL;
		seg->nb_segs = 1;
		seg->pkt_len = seg->data_len;
		if (seg->data_len == 0) {
			rte_pktmbuf_free_seg(seg);
		} else {
			hs_mq_push(&c->sndq, seg);
			c->lc->tcp.sndq_mbufs++;
		}
	}
	return (int)len;
}

/* Bytes one external-buffer mbuf covers (buf_len is 16 bits). */
#define HS_TCP_EXT_SEG_MAX 61440u

int
hs_tcp_send_ext(struct hs_tcp_conn *c, const void *buf, size_t len,
		struct rte_mbuf_ext_shared_info *shinfo)
{
	struct hs_mbuf_q fresh = { 0 };
	struct rte_mbuf *tail, *m;
	struct hs_lcore *lc;
	const uint8_t *p = buf;
	uint32_t grow = 0;
	size_t left;
	int rc = hs_tcp_send_ok(c, len);

	if (rc <= 0)
		return rc;
	lc = c->lc;
	if (!lc->tx_ext_ok || shinfo == NULL ||
	    rte_mbuf_ext_refcnt_read(shinfo) > HS_TCP_EXT_REFS_MAX)
		return hs_tcp_send(c, buf, len);
	/* The queue's last mbuf covers the bytes just before buf of the
	 * same memory: extend it (it is ours alone; views taken of it
	 * keep their own bounds). */
	tail = c->sndq.tail;
	if (tail != NULL && RTE_MBUF_HAS_EXTBUF(tail) &&
	    tail->shinfo == shinfo &&
	    (const uint8_t *)tail->buf_addr + tail->buf_len == p &&
	    (uint32_t)tail->data_off + tail->data_len == tail->buf_len &&
	    tail->buf_len < HS_TCP_EXT_SEG_MAX)
		grow = (uint32_t)HS_MIN(
			len, (size_t)(HS_TCP_EXT_SEG_MAX - tail->buf_len));
	if (len > grow &&
	    !hs_tcp_mem_snd_ok(
		    c, (uint32_t)((len - grow + HS_TCP_EXT_SEG_MAX - 1) /
				  HS_TCP_EXT_SEG_MAX))) {
		lc->stats.drop_tcp_snd_mem++;
		hs_tcp_memwait_add(c);
		return -ENOBUFS;
	}
	/* Allocate everything first so that a shortage changes nothing. */
	for (left = len - grow, p += grow; left > 0;) {
		uint16_t k = (uint16_t)HS_MIN(left, (size_t)HS_TCP_EXT_SEG_MAX);
		/* No DMA from these (tx_ext_ok): the IOVA is informative. */
		rte_iova_t iova = rte_eal_iova_mode() == RTE_IOVA_VA
					  ? (rte_iova_t)(uintptr_t)p
					  : RTE_BAD_IOVA;

		m = rte_pktmbuf_alloc(lc->pool);
		if (m == NULL) {
			hs_mq_free(&fresh); /* drops their references */
			lc->stats.drop_nombuf++;
			return -ENOBUFS;
		}
		rte_mbuf_ext_refcnt_update(shinfo, 1);
		rte_pktmbuf_attach_extbuf(m, (void *)(uintptr_t)p, iova, k,
					  shinfo);
		m->data_len = k;
		m->pkt_len = k;
		hs_mq_push(&fresh, m);
		p += k;
		left -= k;
	}
	if (grow) {
		tail->buf_len = (uint16_t)(tail->buf_len + grow);
		tail->data_len = (uint16_t)(tail->data_len + grow);
		tail->pkt_len += grow;
		c->sndq.bytes += grow;
	}
	lc->tcp.sndq_mbufs += fresh.count;
	while ((m = hs_mq_pop(&fresh)) != NULL)
		hs_mq_push(&c->sndq, m);
	return (int)len;
}

void
hs_tcp_ext_put(struct rte_mbuf_ext_shared_info *shinfo, void *addr)
{
	if (rte_mbuf_ext_refcnt_update(shinfo, -1) == 0)
		shinfo->free_cb(addr, shinfo->fcb_opaque);
}

void
hs_tcp_push(struct hs_tcp_conn *c)
{
	if (hs_tcp_app_alive(c))
		hs_tcp_output(c);
}

void
hs_tcp_ack_now(struct hs_tcp_conn *c)
{
	if (!hs_tcp_app_alive(c) || !(c->flags & HS_TCPF_DELACK))
		return;
	c->flags |= HS_TCPF_ACKNOW;
	hs_tcp_output(c);
}

void
hs_tcp_close(struct hs_tcp_conn *c)
{
	if (!hs_tcp_app_alive(c) || (c->flags & HS_TCPF_SHUT_WR))
		return;
	c->flags |= HS_TCPF_SHUT_WR;
	/* RFC 9293 §3.10.4 CLOSE: the FIN follows the queued data. */
	if (c->state == HS_TCP_ESTABLISHED)
		c->state = HS_TCP_FIN_WAIT_1;
	else if (c->state == HS_TCP_CLOSE_WAIT)
		c->state = HS_TCP_LAST_ACK;
	/* Data received from now on is acknowledged and discarded. */
	c->lc->tcp.rcvq_mbufs -= c->rcvq.count;
	hs_mq_free(&c->rcvq);
	c->lc->tcp.ooq_mbufs -= c->ooq.count;
	hs_mq_free(&c->ooq);
	c->sack_nblk = 0;
	c->flags &= ~HS_TCPF_OOQ_FIN;
	if (c->busy == 0)
		hs_tcp_output(c);
}

void
hs_tcp_set_timeout(struct hs_tcp_conn *c, uint64_t us)
{
	if (!hs_tcp_app_alive(c) || !(c->flags & HS_TCPF_APP) || us == 0) {
		if (c != NULL && !(c->flags & HS_TCPF_DEAD))
			hs_tcp_timer_cancel(c, &c->t_app);
		return;
	}
	hs_tcp_timer_arm(c, &c->t_app, us);
}

void
hs_tcp_abort(struct hs_tcp_conn *c)
{
	if (!hs_tcp_app_alive(c))
		return;
	/* RFC 9293 §3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST>; in SYN_SENT
	 * nothing is sent (the peer has no state to reset). */
	if (c->state != HS_TCP_SYN_RCVD && c->state != HS_TCP_TIME_WAIT &&
	    c->state != HS_TCP_SYN_SENT)
		hs_tcp_send_rst(c);
	c->flags &= ~HS_TCPF_APP; /* no closed() after abort */
	hs_tcp_conn_drop(c, 0);
}
