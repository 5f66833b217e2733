/* SPDX-License-Identifier: BSD-3-Clause
 * hs_srv_fake.c - the fake transport under hs_server.c (hs_srv_fake.h).
 * Single-threaded: everything runs on the caller's thread as "lcore 0".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ip.h>

#include "hs_http_files.h"
#include "hs_lcore.h"
#include "hs_rcu.h"
#include "hs_server.h"
#include "hs_tcp.h"
#include "hs_tls.h"
#include "hs_tls_xkey.h"
#include "hs_srv_fake.h"

#define FAKE_POOL_SIZE 1023

static struct rte_mempool *fake_pool;
static struct hs_lcore fake_lcore;
static struct fake_conn fake_conns[FAKE_MAX_CONNS];
static uint8_t fake_wires[FAKE_MAX_CONNS][FAKE_WIRE_MAX];
static struct fake_seg fake_orphans[FAKE_MAX_CONNS * FAKE_MAX_SEGS];
static unsigned int fake_norphans;
static unsigned int fake_nobufs_left;
static bool fake_draining;

static struct {
	uint16_t port;
	bool open;
	const struct hs_tcp_ops *ops;
	void *arg;
} fake_listeners[2];

/* ---- lcore registry, control plane, RCU ------------------------------ */

struct hs_lcore *hs_lcores[HS_MAX_LCORES];
unsigned int hs_nb_lcores;

void
hs_lcore_ctl_bump(void)
{
}

bool
hs_lcore_draining(void)
{
	return fake_draining;
}

struct fake_retired {
	void *obj;
	bool (*busy)(void *obj);
	void (*free_fn)(void *obj);
	struct fake_retired *next;
};
static struct fake_retired *fake_retired;

int
hs_rcu_retire(void *obj, bool (*busy)(void *obj), void (*free_fn)(void *obj))
{
	struct fake_retired *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	r->obj = obj;
	r->busy = busy;
	r->free_fn = free_fn;
	r->next = fake_retired;
	fake_retired = r;
	return 0;
}

static unsigned int
fake_reclaim_all(bool force)
{
	struct fake_retired **pp = &fake_retired, *r;
	unsigned int left = 0;

	while ((r = *pp) != NULL) {
		if (force || r->busy == NULL || !r->busy(r->obj)) {
			*pp = r->next;
			r->free_fn(r->obj);
			free(r);
		} else {
			left++;
			pp = &r->next;
		}
	}
	return left;
}

unsigned int
fake_reclaim(void)
{
	return fake_reclaim_all(false);
}

/* ---- TLS: a pass-through session -------------------------------------- */

struct hs_tls_sess {
	hs_tls_pull_fn pull;
	hs_tls_push_fn push;
	hs_tls_peek_fn peek; /* the server glue gives views: reads use them */
	hs_tls_drop_fn drop;
	void *io;
	bool done;
	unsigned int hs_need; /* peer bytes the handshake needs */
	struct hs_tls_peer peer;
};

bool fake_tls_hs_wait;
unsigned int fake_tls_hs_bytes;
int fake_tls_hs_err;
int fake_tls_read_err;
bool fake_cfg_access_log;
uint32_t fake_cfg_rstate_max;

struct hs_tls_sess *
hs_tls_sess_new(struct hs_tls_ctx *ctx, hs_tls_pull_fn pull,
		hs_tls_push_fn push, void *io)
{
	struct hs_tls_sess *s = calloc(1, sizeof(*s));

	(void)ctx;
	if (s == NULL)
		return NULL;
	s->pull = pull;
	s->push = push;
	s->io = io;
	s->hs_need = fake_tls_hs_bytes != 0 ? fake_tls_hs_bytes
		     : fake_tls_hs_wait     ? 1
					    : 0;
	return s;
}

void
hs_tls_sess_set_views(struct hs_tls_sess *s, hs_tls_peek_fn peek,
		      hs_tls_drop_fn drop)
{
	s->peek = peek;
	s->drop = drop;
}

void
hs_tls_sess_free(struct hs_tls_sess *s)
{
	free(s);
}

int
hs_tls_handshake(struct hs_tls_sess *s)
{
	uint8_t hello;
	int n;

	if (s->done)
		return 0;
	if (fake_tls_hs_err != 0) {
		n = fake_tls_hs_err;
		fake_tls_hs_err = 0;
		return n;
	}
	while (s->hs_need > 0) {
		/* one byte stands for a flight (the ClientHello ...) */
		n = s->pull(s->io, &hello, 1);
		if (n < 0)
			return n == -EPIPE ? -EAGAIN : n;
		if (n == 0)
			return -EAGAIN;
		s->hs_need--;
	}
	s->done = true;
	return 0;
}

bool
hs_tls_handshake_done(const struct hs_tls_sess *s)
{
	return s->done;
}

bool
hs_tls_early_phase(const struct hs_tls_sess *s)
{
	(void)s;
	return false;
}

bool
hs_tls_in_early_data(const struct hs_tls_sess *s)
{
	(void)s;
	return false;
}

/* The fake sessions seal nothing: an empty key pool. */
void
hs_tls_xkey_stats(struct hs_tls_xkey_stats *out)
{
	memset(out, 0, sizeof(*out));
}

int
hs_tls_read(struct hs_tls_sess *s, void *buf, size_t len)
{
	int n;

	if (fake_tls_read_err != 0) {
		n = fake_tls_read_err;
		fake_tls_read_err = 0;
		return n;
	}
	if (s->peek != NULL) {
		/* as our record layer does: views, copy, drop */
		struct hs_tls_iov v[4];
		size_t k = len;

		while (k > 0 && (n = s->peek(s->io, k, v, 4)) == 0)
			k /= 2;
		if (k == 0 || n == 0)
			n = s->peek(s->io, 1, v, 4);
		if (n <= 0)
			return n == -EPIPE ? 0 : -EAGAIN;
		memcpy(buf, v[0].base, k);
		s->drop(s->io, k);
		return (int)k;
	}
	n = s->pull(s->io, buf, len);

	if (n > 0)
		return n;
	return n == -EPIPE ? 0 : -EAGAIN;
}

int
hs_tls_write(struct hs_tls_sess *s, const void *buf, size_t len)
{
	int n = s->push(s->io, buf, len);

	if (n == 0)
		return -EAGAIN;
	return n < 0 ? n : (int)len;
}

int
hs_tls_shutdown(struct hs_tls_sess *s)
{
	int n = s->push(s->io, (const uint8_t *)FAKE_CLOSE_NOTIFY,
			sizeof(FAKE_CLOSE_NOTIFY) - 1);

	return n < 0 ? n : 0;
}

/* The fake session is a plaintext pass-through: never our own records. */
bool
hs_tls_own_records(const struct hs_tls_sess *s)
{
	(void)s;
	return false;
}

size_t
hs_tls_record_size(const struct hs_tls_sess *s)
{
	(void)s;
	return HS_TLS_MAX_WRITE;
}

void
hs_tls_sess_set_rec_out(struct hs_tls_sess *s,
			const struct hs_tls_rec_out_ops *ops)
{
	(void)s, (void)ops; /* never our own records */
}

const struct hs_tls_peer *
hs_tls_peer(const struct hs_tls_sess *s)
{
	return &s->peer;
}

unsigned int
hs_tls_events(const struct hs_tls_sess *s)
{
	(void)s;
	return 0;
}

/* ---- TCP ---------------------------------------------------------------- */

static struct fake_conn *
fake_of(const struct hs_tcp_conn *c)
{
	return (struct fake_conn *)(void *)((char *)(uintptr_t)c -
					    offsetof(struct fake_conn, tcp));
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

static int
fake_listener(uint16_t port)
{
	for (int i = 0; i < 2; i++)
		if (fake_listeners[i].ops != NULL &&
		    fake_listeners[i].port == port)
			return i;
	return -1;
}

int
hs_tcp_listen(struct hs_lcore *lc, uint16_t port, const struct hs_tcp_ops *ops,
	      void *arg)
{
	(void)lc;
	for (int i = 0; i < 2; i++) {
		if (fake_listeners[i].ops == NULL) {
			fake_listeners[i].port = port;
			fake_listeners[i].open = true;
			fake_listeners[i].ops = ops;
			fake_listeners[i].arg = arg;
			return 0;
		}
	}
	return -ENOSPC;
}

int
hs_tcp_unlisten(struct hs_lcore *lc, uint16_t port)
{
	int i = fake_listener(port);

	(void)lc;
	if (i < 0)
		return -ENOENT;
	fake_listeners[i].open = false;
	return 0;
}

size_t
hs_tcp_recv(struct hs_tcp_conn *c, void *buf, size_t len)
{
	struct fake_conn *fc = fake_of(c);
	size_t n = fc->in_len - fc->in_off;

	if (n > len)
		n = len;
	memcpy(buf, fc->in + fc->in_off, n);
	fc->in_off += n;
	if (fc->in_off == fc->in_len)
		fc->in_off = fc->in_len = 0;
	return n;
}

/* The input buffer is contiguous: one piece. */
int
hs_tcp_recv_peek(struct hs_tcp_conn *c, size_t len, struct iovec *v, int max)
{
	struct fake_conn *fc = fake_of(c);

	if (len == 0 || max < 1)
		return -EINVAL;
	if (fc->in_len - fc->in_off < len)
		return fc->peer_fin ? -EPIPE : 0;
	v[0].iov_base = fc->in + fc->in_off;
	v[0].iov_len = len;
	return 1;
}

void
hs_tcp_recv_drop(struct hs_tcp_conn *c, size_t len)
{
	struct fake_conn *fc = fake_of(c);

	if (len > fc->in_len - fc->in_off)
		len = fc->in_len - fc->in_off;
	fc->in_off += len;
	if (fc->in_off == fc->in_len)
		fc->in_off = fc->in_len = 0;
}

uint32_t
hs_tcp_recv_avail(const struct hs_tcp_conn *c)
{
	const struct fake_conn *fc = fake_of(c);

	return (uint32_t)(fc->in_len - fc->in_off);
}

bool
hs_tcp_peer_closed(const struct hs_tcp_conn *c)
{
	return fake_of(c)->peer_fin;
}

uint32_t
hs_tcp_send_queued(const struct hs_tcp_conn *c)
{
	return (uint32_t)fake_of(c)->queued;
}

uint32_t
hs_tcp_send_space(struct hs_tcp_conn *c)
{
	const struct fake_conn *fc = fake_of(c);

	return fc->queued >= fc->sndbuf ? 0
					: (uint32_t)(fc->sndbuf - fc->queued);
}

static int
fake_queue(struct fake_conn *fc, const void *buf, size_t len,
	   struct rte_mbuf_ext_shared_info *sh)
{
	struct fake_seg *s;

	if (!fc->live || fc->srv_fin)
		return -EPIPE;
	if (len == 0)
		return 0;
	if (fc->nseg == FAKE_MAX_SEGS)
		return -ENOBUFS;
	s = &fc->segs[fc->nseg];
	memset(s, 0, sizeof(*s));
	if (sh != NULL) {
		rte_mbuf_ext_refcnt_update(sh, 1);
		s->sh = sh;
		s->p = buf;
	} else {
		if (fake_nobufs_left > 0) {
			fake_nobufs_left--;
			return -ENOBUFS;
		}
		s->own = malloc(len);
		if (s->own == NULL)
			return -ENOBUFS;
		memcpy(s->own, buf, len);
		s->p = s->own;
	}
	s->len = len;
	fc->nseg++;
	fc->queued += len;
	fc->ack_owed = false; /* the data carries the ACK */
	return (int)len;
}

int
hs_tcp_send(struct hs_tcp_conn *c, const void *buf, size_t len)
{
	return fake_queue(fake_of(c), buf, len, NULL);
}

int
hs_tcp_send_ext(struct hs_tcp_conn *c, const void *buf, size_t len,
		struct rte_mbuf_ext_shared_info *shinfo)
{
	if (!c->lc->tx_ext_ok)
		return hs_tcp_send(c, buf, len);
	return fake_queue(fake_of(c), buf, len, shinfo);
}

int
hs_tcp_send_mbuf(struct hs_tcp_conn *c, struct rte_mbuf *m)
{
	struct rte_mbuf *seg;
	int total = 0, rc;

	for (seg = m; seg != NULL; seg = seg->next) {
		rc = fake_queue(fake_of(c), rte_pktmbuf_mtod(seg, void *),
				seg->data_len, NULL);
		if (rc < 0) {
			rte_pktmbuf_free(m);
			return rc;
		}
		total += rc;
	}
	rte_pktmbuf_free(m);
	return total;
}

void
hs_tcp_ext_put(struct rte_mbuf_ext_shared_info *shinfo, void *addr)
{
	if (rte_mbuf_ext_refcnt_update(shinfo, -1) == 0)
		shinfo->free_cb(addr, shinfo->fcb_opaque);
}

/* A segment leaves: its bytes are read (here, into dst if any), then its
 * reference dropped. */
static void
fake_seg_done(struct fake_seg *s, uint8_t *dst)
{
	static uint8_t scratch[1 << 16];
	size_t off = 0;

	while (off < s->len) {
		size_t n = s->len - off;

		if (n > sizeof(scratch))
			n = sizeof(scratch);
		memcpy(dst != NULL ? dst + off : scratch, s->p + off, n);
		off += n;
	}
	free(s->own);
	if (s->sh != NULL)
		hs_tcp_ext_put(s->sh, NULL);
	memset(s, 0, sizeof(*s));
}

/* The connection is gone: its queued segments stay in the "TX ring". */
static void
fake_orphan(struct fake_conn *fc)
{
	for (unsigned int i = 0; i < fc->nseg; i++)
		fake_orphans[fake_norphans++] = fc->segs[i];
	fc->nseg = 0;
	fc->queued = 0;
	fc->live = false;
}

void
fake_flush_orphans(void)
{
	for (unsigned int i = 0; i < fake_norphans; i++)
		fake_seg_done(&fake_orphans[i], NULL);
	fake_norphans = 0;
}

void
hs_tcp_ack_now(struct hs_tcp_conn *c)
{
	struct fake_conn *fc = fake_of(c);

	if (fc->live && fc->ack_owed) {
		fc->ack_owed = false;
		fc->acks_now++;
	}
}

void
hs_tcp_close(struct hs_tcp_conn *c)
{
	fake_of(c)->srv_fin = true;
}

void
hs_tcp_abort(struct hs_tcp_conn *c)
{
	fake_orphan(fake_of(c));
}

void
hs_tcp_set_timeout(struct hs_tcp_conn *c, uint64_t us)
{
	fake_of(c)->timeout_us = us;
}

/* ---- the peer --------------------------------------------------------- */

static const struct hs_tcp_ops *
fake_ops(const struct fake_conn *fc)
{
	int i = fake_listener(fc->port);

	return i < 0 ? NULL : fake_listeners[i].ops;
}

struct fake_conn *
fake_connect(uint16_t port)
{
	int l = fake_listener(port);
	struct fake_conn *fc = NULL;
	unsigned int k;

	if (l < 0 || !fake_listeners[l].open)
		return NULL;
	for (k = 0; k < FAKE_MAX_CONNS; k++)
		if (!fake_conns[k].used || !fake_conns[k].live) {
			fc = &fake_conns[k];
			break;
		}
	if (fc == NULL)
		return NULL;
	memset(fc, 0, offsetof(struct fake_conn, in));
	fc->in_len = fc->in_off = 0;
	fc->nseg = 0;
	fc->queued = 0;
	fc->wire = fake_wires[k];
	fc->wire_len = 0;
	fc->wire_overflow = false;
	fc->tcp.lc = &fake_lcore;
	fc->tcp.faddr = rte_cpu_to_be_32(0xc6120002u); /* 198.18.0.2 */
	fc->tcp.fport = RTE_BE16((uint16_t)(40000 + k));
	fc->port = port;
	fc->used = true;
	fc->live = true;
	fc->sndbuf = 1u << 16;
	if (fake_listeners[l].ops->accepted(&fc->tcp, fake_listeners[l].arg) <
	    0) {
		fc->live = false;
		fc->used = false;
		return NULL;
	}
	return fc;
}

void
fake_send(struct fake_conn *fc, const void *p, size_t n)
{
	if (!fc->live || fc->peer_fin)
		return;
	if (n > FAKE_IN_MAX - fc->in_len)
		n = FAKE_IN_MAX - fc->in_len; /* the receive window */
	memcpy(fc->in + fc->in_len, p, n);
	fc->in_len += n;
	fc->ack_owed = n > 0;
	fake_ops(fc)->readable(&fc->tcp);
}

void
fake_peer_fin(struct fake_conn *fc)
{
	if (!fc->live || fc->peer_fin)
		return;
	fc->peer_fin = true;
	fake_ops(fc)->readable(&fc->tcp);
}

size_t
fake_transmit(struct fake_conn *fc, size_t max)
{
	size_t sent = 0;
	unsigned int done = 0;

	while (done < fc->nseg && sent < max) {
		struct fake_seg *s = &fc->segs[done];
		size_t n = s->len;
		uint8_t *dst = NULL;

		if (n > max - sent)
			n = max - sent;
		if (fc->wire_len + n <= FAKE_WIRE_MAX)
			dst = fc->wire + fc->wire_len;
		else
			fc->wire_overflow = true;
		if (n < s->len) {
			/* part of a segment: read that part, keep the rest */
			struct fake_seg part = { .p = s->p, .len = n };

			fake_seg_done(&part, dst);
			s->p += n;
			s->len -= n;
		} else {
			fake_seg_done(s, dst);
			done++;
		}
		if (dst != NULL)
			fc->wire_len += n;
		sent += n;
	}
	memmove(fc->segs, fc->segs + done,
		(fc->nseg - done) * sizeof(fc->segs[0]));
	fc->nseg -= done;
	fc->queued -= sent;
	if (fc->live && sent > 0)
		fake_ops(fc)->writable(&fc->tcp);
	return sent;
}

void
fake_timeout(struct fake_conn *fc)
{
	if (!fc->live || fc->timeout_us == 0)
		return;
	fc->timeout_us = 0;
	fake_ops(fc)->timeout(&fc->tcp);
}

void
fake_reset(struct fake_conn *fc)
{
	if (!fc->live)
		return;
	fake_orphan(fc);
	fake_ops(fc)->closed(&fc->tcp, -ECONNRESET);
}

bool
fake_close_done(struct fake_conn *fc)
{
	if (!fc->live || !fc->srv_fin)
		return false;
	fake_transmit(fc, SIZE_MAX);
	if (!fc->live)
		return true; /* aborted meanwhile */
	fake_orphan(fc);
	fake_ops(fc)->closed(&fc->tcp, 0);
	return true;
}

void
fake_nobufs(unsigned int n)
{
	fake_nobufs_left = n;
}

/* ---- the server ------------------------------------------------------- */

int
fake_init(bool ext_ok)
{
	if (fake_pool == NULL) {
		char *eal[] = { "fake",
				"--no-huge",
				"--no-pci",
				"--no-shconf",
				"-m",
				"64",
				"--log-level=lib.eal:error",
				"--no-telemetry" };

		if (rte_eal_init((int)RTE_DIM(eal), eal) < 0)
			return -EIO;
		fake_pool = rte_pktmbuf_pool_create(
			"fake_srv", FAKE_POOL_SIZE, 0, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
		if (fake_pool == NULL)
			return -ENOMEM;
	}
	memset(&fake_lcore, 0, sizeof(fake_lcore));
	fake_lcore.pool = fake_pool;
	fake_lcore.port_id = HS_PORT_NONE;
	fake_lcore.tx_ext_ok = ext_ok;
	fake_lcore.now_us = 5000000;
	hs_lcores[0] = &fake_lcore;
	hs_nb_lcores = 1;
	memset(fake_listeners, 0, sizeof(fake_listeners));
	for (unsigned int k = 0; k < FAKE_MAX_CONNS; k++) {
		fake_conns[k].used = false;
		fake_conns[k].live = false;
	}
	fake_norphans = 0;
	fake_nobufs_left = 0;
	fake_draining = false;
	fake_tls_hs_wait = false;
	fake_tls_hs_bytes = 0;
	fake_tls_hs_err = 0;
	fake_tls_read_err = 0;
	fake_cfg_access_log = false;
	fake_cfg_rstate_max = 0;
	return 0;
}

struct hs_lcore *
fake_lc(void)
{
	return &fake_lcore;
}

static void
fake_files_release(void *arg)
{
	struct fake_files *ff = arg;

	for (const char *const *p = ff->paths; p != NULL && *p != NULL; p++) {
		const struct hs_file *f =
			hs_files_lookup(ff->fc, *p, strlen(*p));

		if (f != NULL && !f->is_dir && f->size > 0)
			memset((void *)(uintptr_t)f->data, 0xdd, f->size);
	}
	hs_files_free(ff->fc);
	ff->fc = NULL;
	if (ff->released != NULL)
		(*ff->released)++;
}

static void
fake_config(struct hs_server_config *cfg, struct fake_files *ff)
{
	hs_server_config_defaults(cfg);
	cfg->https_port = FAKE_PORT_TLS;
	cfg->http_port = FAKE_PORT_PLAIN;
	cfg->plain_redirect = false;
	cfg->access_log = fake_cfg_access_log;
	cfg->rstate_max = fake_cfg_rstate_max;
	cfg->files = ff->fc;
}

int
fake_server_start(struct fake_files *ff)
{
	struct hs_server_config cfg;
	int rc;

	fake_config(&cfg, ff);
	rc = hs_server_publish(&cfg, fake_files_release, ff);
	if (rc < 0)
		return rc;
	return hs_server_attach(&fake_lcore, &cfg);
}

int
fake_reload(struct fake_files *ff)
{
	struct hs_server_config cfg;
	int rc;

	fake_config(&cfg, ff);
	rc = hs_server_publish(&cfg, fake_files_release, ff);
	if (rc < 0)
		return rc;
	if (fake_lcore.ctl_fn != NULL)
		fake_lcore.ctl_fn(&fake_lcore);
	fake_reclaim();
	return 0;
}

void
fake_drain(void)
{
	fake_draining = true;
	if (fake_lcore.ctl_fn != NULL)
		fake_lcore.ctl_fn(&fake_lcore);
}

unsigned int
fake_server_stop(void)
{
	unsigned int busy;

	hs_server_detach(&fake_lcore);
	fake_lcore.ctl_fn = NULL;
	for (unsigned int k = 0; k < FAKE_MAX_CONNS; k++)
		if (fake_conns[k].used)
			fake_orphan(&fake_conns[k]);
	fake_flush_orphans();
	busy = fake_reclaim_all(false);
	fake_reclaim_all(true);
	hs_server_fini();
	hs_lcores[0] = NULL;
	hs_nb_lcores = 0;
	return busy;
}

unsigned int
fake_pool_in_use(void)
{
	return FAKE_POOL_SIZE - rte_mempool_avail_count(fake_pool);
}
