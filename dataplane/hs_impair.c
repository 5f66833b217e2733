/* SPDX-License-Identifier: BSD-3-Clause
 * hs_impair.c - link impairment stage (see hs_impair.h).
 *
 * Nothing here allocates per frame except the deep copies that dup and
 * copy-on-corrupt need (from the lcore's mempool, like any frame).  The
 * FIFO is a ring of (frame, release time) preallocated at start-up.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_tcp.h>

#include "hs_common.h"
#include "hs_impair.h"
#include "hs_stats.h"

#define HS_IMPAIR_BURST 32

/* Counter slots, in the order of HS_STATS_IMPAIR's per-direction block. */
enum {
	HS_IMPAIR_C_LOSS,
	HS_IMPAIR_C_DUP,
	HS_IMPAIR_C_REORDER,
	HS_IMPAIR_C_CORRUPT,
	HS_IMPAIR_C_DELAYED,
	HS_IMPAIR_C_QFULL,
};

#define HS_IMPAIR_CHECK(dir, name, slot)                                  \
	_Static_assert(offsetof(struct hs_stats, impair_##dir##_##name) - \
				       offsetof(struct hs_stats,          \
						impair_##dir##_loss) ==   \
			       (slot) * sizeof(uint64_t),                 \
		       "impair counter layout")
HS_IMPAIR_CHECK(rx, dup, HS_IMPAIR_C_DUP);
HS_IMPAIR_CHECK(rx, reorder, HS_IMPAIR_C_REORDER);
HS_IMPAIR_CHECK(rx, corrupt, HS_IMPAIR_C_CORRUPT);
HS_IMPAIR_CHECK(rx, delayed, HS_IMPAIR_C_DELAYED);
HS_IMPAIR_CHECK(rx, queue_full, HS_IMPAIR_C_QFULL);
HS_IMPAIR_CHECK(tx, dup, HS_IMPAIR_C_DUP);
HS_IMPAIR_CHECK(tx, reorder, HS_IMPAIR_C_REORDER);
HS_IMPAIR_CHECK(tx, corrupt, HS_IMPAIR_C_CORRUPT);
HS_IMPAIR_CHECK(tx, delayed, HS_IMPAIR_C_DELAYED);
HS_IMPAIR_CHECK(tx, queue_full, HS_IMPAIR_C_QFULL);

struct hs_impair_slot {
	struct rte_mbuf *m;
	uint64_t at_us; /* release time */
};

struct hs_impair_side {
	struct hs_impair_dir_cfg cfg;
	uint64_t rng;  /* splitmix64 state */
	uint64_t *ctr; /* HS_IMPAIR_C_* slots in hs_stats */
	hs_impair_emit_fn emit;
	bool queued;           /* delay or rate: frames go via FIFO */
	struct rte_mbuf *held; /* reorder slot */
	uint64_t held_us;
	uint64_t link_free_us; /* rate: serialiser busy until */
	uint64_t last_at_us;   /* latest release time in the FIFO */
	uint32_t head, count;
	struct hs_impair_slot *ring;
	/* frames ready to emit, flushed in bursts */
	uint16_t nout;
	struct rte_mbuf *out[HS_IMPAIR_BURST];
};

struct hs_impair {
	struct rte_mempool *pool;
	void *arg;
	uint32_t cap; /* FIFO capacity */
	struct hs_impair_side side[HS_IMPAIR_NDIR];
};

/* ---- configuration -------------------------------------------------- */

void
hs_impair_cfg_init(struct hs_impair_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->seed = HS_IMPAIR_SEED_DEFAULT;
	cfg->limit = HS_IMPAIR_LIMIT_DEFAULT;
}

bool
hs_impair_cfg_on(const struct hs_impair_cfg *cfg)
{
	for (int d = 0; d < HS_IMPAIR_NDIR; d++) {
		const struct hs_impair_dir_cfg *c = &cfg->dir[d];

		if (c->loss || c->dup || c->reorder || c->corrupt ||
		    c->delay_us || c->jitter_us || c->rate_bps)
			return true;
	}
	return false;
}

/* A decimal number (digits, optional fraction) in [0, max]. */
static int
hs_impair_num(const char *s, double max, double *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	*v = strtod(s, &end);
	if (*end != '\0' || !isfinite(*v) || *v < 0 || *v > max)
		return -EINVAL;
	return 0;
}

#define HS_IMPAIR_ERR(...)                          \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		return -EINVAL;                     \
	} while (0)

/* One "[rx:|tx:]key=value" item. */
static int
hs_impair_item(struct hs_impair_cfg *cfg, char *item, char *err, size_t errlen)
{
	static const char keys[] =
		"loss, dup, reorder, corrupt, delay, jitter, rate, limit, seed";
	const char *orig = item;
	int d0 = 0, d1 = HS_IMPAIR_NDIR;
	char *val;
	double v;

	if (strncmp(item, "rx:", 3) == 0) {
		d0 = HS_IMPAIR_RX;
		d1 = d0 + 1;
		item += 3;
	} else if (strncmp(item, "tx:", 3) == 0) {
		d0 = HS_IMPAIR_TX;
		d1 = d0 + 1;
		item += 3;
	} else if (strchr(item, ':') != NULL) {
		HS_IMPAIR_ERR("'%s': direction must be rx: or tx:", orig);
	}
	val = strchr(item, '=');
	if (val == NULL || val[1] == '\0')
		HS_IMPAIR_ERR("'%s' needs a value (key=value; keys: %s)", orig,
			      keys);
	*val++ = '\0';
	if (strcmp(item, "seed") == 0 || strcmp(item, "limit") == 0) {
		unsigned long long n;
		char *end;
		bool seed = item[0] == 's';

		if (d1 - d0 == 1)
			HS_IMPAIR_ERR("'%s': %s applies to both directions (no "
				      "rx:/tx:)",
				      orig, item);
		errno = 0;
		n = strtoull(val, &end, 10);
		if (*val < '0' || *val > '9' || *end != '\0' || errno != 0)
			HS_IMPAIR_ERR("%s=%s: not a number", item, val);
		if (seed) {
			cfg->seed = n;
		} else {
			if (n < 1 || n > HS_IMPAIR_LIMIT_MAX)
				HS_IMPAIR_ERR(
					"limit=%s: out of range (1..%u frames)",
					val, HS_IMPAIR_LIMIT_MAX);
			cfg->limit = (uint32_t)n;
		}
		return 0;
	}
	for (int d = d0; d < d1; d++) {
		struct hs_impair_dir_cfg *c = &cfg->dir[d];
		uint64_t *prob = NULL;
		uint32_t *ms = NULL;

		if (strcmp(item, "loss") == 0)
			prob = &c->loss;
		else if (strcmp(item, "dup") == 0)
			prob = &c->dup;
		else if (strcmp(item, "reorder") == 0)
			prob = &c->reorder;
		else if (strcmp(item, "corrupt") == 0)
			prob = &c->corrupt;
		else if (strcmp(item, "delay") == 0)
			ms = &c->delay_us;
		else if (strcmp(item, "jitter") == 0)
			ms = &c->jitter_us;
		else if (strcmp(item, "rate") != 0)
			HS_IMPAIR_ERR("unknown key '%s' (keys: %s)", item,
				      keys);
		if (prob != NULL) {
			if (hs_impair_num(val, 100, &v) < 0)
				HS_IMPAIR_ERR(
					"%s=%s: not a percentage (0..100)",
					item, val);
			*prob = (uint64_t)llround(v / 100.0 * 4294967296.0);
		} else if (ms != NULL) {
			if (hs_impair_num(val, HS_IMPAIR_MS_MAX, &v) < 0)
				HS_IMPAIR_ERR(
					"%s=%s: not a duration (0..%u ms)",
					item, val, HS_IMPAIR_MS_MAX);
			*ms = (uint32_t)llround(v * 1000.0);
		} else {
			if (hs_impair_num(val, 1e6, &v) < 0)
				HS_IMPAIR_ERR("rate=%s: not a rate (0..1000000 "
					      "Mbit/s, 0 = unlimited)",
					      val);
			c->rate_bps = (uint64_t)llround(v * 1e6);
			if (v > 0 && c->rate_bps == 0)
				c->rate_bps = 1;
		}
	}
	return 0;
}

int
hs_impair_parse(struct hs_impair_cfg *cfg, const char *spec, char *err,
		size_t errlen)
{
	char buf[512];
	char *save = NULL, *item;

	if (spec == NULL || *spec == '\0')
		HS_IMPAIR_ERR("empty (e.g. loss=5,rx:delay=10,seed=7)");
	if (strlen(spec) >= sizeof(buf))
		HS_IMPAIR_ERR("too long (at most %zu characters)",
			      sizeof(buf) - 1);
	strcpy(buf, spec);
	if (buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,"))
		HS_IMPAIR_ERR("'%s': empty item", spec);
	for (item = strtok_r(buf, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save))
		HS_GUARD(hs_impair_item(cfg, item, err, errlen));
	return 0;
}

/* ---- PRNG: splitmix64, one stream per lcore and direction ------------ */

static inline uint64_t
hs_impair_rnd(struct hs_impair_side *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline bool
hs_impair_hit(struct hs_impair_side *s, uint64_t thr)
{
	/* no draw when off: decisions of the other impairments do not
	 * depend on whether this one is configured at 0 */
	return thr != 0 && (hs_impair_rnd(s) >> 32) < thr;
}

/* ---- life cycle ------------------------------------------------------ */

struct hs_impair *
hs_impair_new(const struct hs_impair_cfg *cfg, unsigned int lcore_id,
	      int socket, struct rte_mempool *pool, struct hs_stats *st,
	      const hs_impair_emit_fn emit[HS_IMPAIR_NDIR], void *arg)
{
	struct hs_impair *im;

	if (cfg == NULL || pool == NULL || st == NULL || cfg->limit == 0)
		return NULL;
	im = rte_zmalloc_socket("hs_impair", sizeof(*im), RTE_CACHE_LINE_SIZE,
				socket);
	if (im == NULL)
		return NULL;
	im->pool = pool;
	im->arg = arg;
	im->cap = cfg->limit;
	for (int d = 0; d < HS_IMPAIR_NDIR; d++) {
		struct hs_impair_side *s = &im->side[d];

		s->cfg = cfg->dir[d];
		s->emit = emit[d];
		s->ctr = d == HS_IMPAIR_RX ? &st->impair_rx_loss
					   : &st->impair_tx_loss;
		/* distinct, reproducible stream per (seed, lcore, direction) */
		s->rng = cfg->seed * 0x2545f4914f6cdd1dull ^
			 ((uint64_t)lcore_id << 1 | (uint64_t)d) *
				 0x9e3779b97f4a7c15ull;
		(void)hs_impair_rnd(s);
		s->queued =
			s->cfg.delay_us || s->cfg.jitter_us || s->cfg.rate_bps;
		if (!s->queued)
			continue;
		s->ring = rte_zmalloc_socket("hs_impair_q",
					     sizeof(*s->ring) * im->cap,
					     RTE_CACHE_LINE_SIZE, socket);
		if (s->ring == NULL) {
			hs_impair_free(im);
			return NULL;
		}
	}
	return im;
}

void
hs_impair_free(struct hs_impair *im)
{
	if (im == NULL)
		return;
	for (int d = 0; d < HS_IMPAIR_NDIR; d++) {
		struct hs_impair_side *s = &im->side[d];

		rte_pktmbuf_free(s->held);
		s->held = NULL;
		for (uint32_t i = 0; i < s->count; i++)
			rte_pktmbuf_free(s->ring[(s->head + i) % im->cap].m);
		s->count = 0;
		if (s->nout)
			rte_pktmbuf_free_bulk(s->out, s->nout);
		s->nout = 0;
		rte_free(s->ring);
	}
	rte_free(im);
}

uint32_t
hs_impair_held(const struct hs_impair *im, enum hs_impair_dir dir)
{
	const struct hs_impair_side *s = &im->side[dir];

	return s->count + (s->held != NULL);
}

/* ---- stages ---------------------------------------------------------- */

static void
hs_impair_flush(struct hs_impair *im, struct hs_impair_side *s)
{
	uint16_t n = s->nout;

	if (n == 0)
		return;
	s->nout = 0;
	s->emit(im->arg, s->out, n);
}

static void
hs_impair_out(struct hs_impair *im, struct hs_impair_side *s,
	      struct rte_mbuf *m)
{
	if (s->nout == HS_IMPAIR_BURST)
		hs_impair_flush(im, s);
	s->out[s->nout++] = m;
}

/* Rate and delay: into the FIFO with its release time, or out now. */
static void
hs_impair_sched(struct hs_impair *im, struct hs_impair_side *s,
		struct rte_mbuf *m, uint64_t now)
{
	const struct hs_impair_dir_cfg *c = &s->cfg;
	uint64_t at = now;
	struct hs_impair_slot *slot;

	if (!s->queued) {
		hs_impair_out(im, s, m);
		return;
	}
	if (s->count == im->cap) {
		s->ctr[HS_IMPAIR_C_QFULL]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (c->rate_bps) {
		uint64_t bits = (uint64_t)rte_pktmbuf_pkt_len(m) * 8;

		at = HS_MAX(now, s->link_free_us) +
		     (bits * 1000000 + c->rate_bps - 1) / c->rate_bps;
		s->link_free_us = at;
	}
	at += c->delay_us;
	if (c->jitter_us) {
		uint64_t span = 2 * (uint64_t)c->jitter_us + 1;
		int64_t j = (int64_t)(hs_impair_rnd(s) % span) -
			    (int64_t)c->jitter_us;

		at = j < 0 && (uint64_t)-j > at ? 0
						: (uint64_t)((int64_t)at + j);
	}
	at = HS_MAX(at, s->last_at_us); /* the FIFO keeps its order */
	s->last_at_us = at;
	slot = &s->ring[(s->head + s->count) % im->cap];
	slot->m = m;
	slot->at_us = at;
	s->count++;
	s->ctr[HS_IMPAIR_C_DELAYED]++;
}

/* Reorder: hold one frame back until the next one has passed. */
static void
hs_impair_reorder(struct hs_impair *im, struct hs_impair_side *s,
		  struct rte_mbuf *m, uint64_t now)
{
	struct rte_mbuf *held = s->held;

	if (held == NULL && hs_impair_hit(s, s->cfg.reorder)) {
		s->held = m;
		s->held_us = now;
		s->ctr[HS_IMPAIR_C_REORDER]++;
		return;
	}
	hs_impair_sched(im, s, m, now);
	if (held != NULL) {
		s->held = NULL;
		hs_impair_sched(im, s, held, now);
	}
}

/* Segment and offset of byte `off` of m. */
static uint8_t *
hs_impair_byte(struct rte_mbuf *m, uint32_t off, struct rte_mbuf **segp)
{
	struct rte_mbuf *seg = m;

	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	*segp = seg;
	return seg == NULL ? NULL
			   : rte_pktmbuf_mtod_offset(seg, uint8_t *, off);
}

/* Checksums the port was to fill in (TX offload flags), computed here so
 * that damage done after them shows, as on a wire after the NIC; and the
 * port's RX verdict dropped (the damage is newer): our stack checks the
 * frame in software.  m: an Ethernet frame with l2_len/l3_len set for
 * TX, its headers in the first mbuf and its own. */
static void
hs_impair_csum_final(struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	uint64_t tx = m->ol_flags;

	m->ol_flags &=
		~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	if ((tx & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM &&
	    ip->next_proto_id == IPPROTO_TCP &&
	    rte_pktmbuf_data_len(m) >=
		    m->l2_len + m->l3_len + sizeof(struct rte_tcp_hdr)) {
		struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(
			m, struct rte_tcp_hdr *, m->l2_len + m->l3_len);

		uint32_t l4 = m->l2_len + m->l3_len, sum;
		uint16_t raw;

		th->cksum = 0;
		if (rte_raw_cksum_mbuf(m, l4,
				       rte_be_to_cpu_16(ip->total_length) -
					       m->l3_len,
				       &raw) == 0) {
			sum = (uint32_t)raw + rte_ipv4_phdr_cksum(ip, 0);
			sum = (sum & 0xffff) + (sum >> 16);
			sum = (sum & 0xffff) + (sum >> 16);
			th->cksum = (uint16_t)~sum ? (uint16_t)~sum : 0xffff;
		}
	}
	if (tx & RTE_MBUF_F_TX_IP_CKSUM) {
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	m->ol_flags &= ~(RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IP_CKSUM);
}

/* Corrupt one byte of the IPv4 datagram in *mp (an Ethernet frame).
 * Frames whose data may be shared (indirect or refcount > 1, e.g. TCP
 * segments that keep their payload for retransmission) are copied first,
 * so only what goes on the wire is damaged; checksums the port was to
 * compute are computed first (hs_impair_csum_final).  Returns false
 * (frame left alone) for non-IPv4 frames, TSO frames (the port sums each
 * segment it cuts: no damage could show) or when no copy could be
 * made. */
static bool
hs_impair_corrupt(struct hs_impair *im, struct hs_impair_side *s,
		  struct rte_mbuf **mp)
{
	struct rte_mbuf *m = *mp, *seg;
	const struct rte_ether_hdr *eh;
	const struct rte_ipv4_hdr *ip;
	uint32_t len, off;
	uint8_t *b, x;

	if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*ip))
		return false;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG))
		return false;
	ip = (const struct rte_ipv4_hdr *)(eh + 1);
	/* the datagram only: link padding is covered by no checksum */
	len = HS_MIN((uint32_t)rte_be_to_cpu_16(ip->total_length),
		     rte_pktmbuf_pkt_len(m) - RTE_ETHER_HDR_LEN);
	if (len < sizeof(*ip))
		len = sizeof(*ip);
	off = RTE_ETHER_HDR_LEN + (uint32_t)(hs_impair_rnd(s) % len);
	x = (uint8_t)(1 + hs_impair_rnd(s) % 255);
	b = hs_impair_byte(m, off, &seg);
	if (b == NULL)
		return false;
	if (!RTE_MBUF_DIRECT(seg) || rte_mbuf_refcnt_read(seg) != 1 ||
	    rte_mbuf_refcnt_read(m) != 1) {
		struct rte_mbuf *c =
			rte_pktmbuf_copy(m, im->pool, 0, UINT32_MAX);

		if (c == NULL)
			return false;
		rte_pktmbuf_free(m);
		*mp = m = c;
		b = hs_impair_byte(m, off, &seg);
		if (b == NULL)
			return false;
	}
	hs_impair_csum_final(m,
			     rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
						     RTE_ETHER_HDR_LEN));
	*b ^= x;
	return true;
}

static void
hs_impair_one(struct hs_impair *im, struct hs_impair_side *s,
	      struct rte_mbuf *m, uint64_t now)
{
	struct rte_mbuf *dup = NULL;

	if (hs_impair_hit(s, s->cfg.loss)) {
		s->ctr[HS_IMPAIR_C_LOSS]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (hs_impair_hit(s, s->cfg.corrupt) && hs_impair_corrupt(im, s, &m))
		s->ctr[HS_IMPAIR_C_CORRUPT]++;
	if (hs_impair_hit(s, s->cfg.dup)) {
		dup = rte_pktmbuf_copy(m, im->pool, 0, UINT32_MAX);
		if (dup != NULL)
			s->ctr[HS_IMPAIR_C_DUP]++;
	}
	hs_impair_reorder(im, s, m, now);
	if (dup != NULL)
		hs_impair_reorder(im, s, dup, now);
}

void
hs_impair_input(struct hs_impair *im, enum hs_impair_dir dir, uint64_t now_us,
		struct rte_mbuf **pkts, uint16_t n)
{
	struct hs_impair_side *s = &im->side[dir];

	for (uint16_t i = 0; i < n; i++)
		hs_impair_one(im, s, pkts[i], now_us);
	hs_impair_flush(im, s);
}

unsigned int
hs_impair_release(struct hs_impair *im, enum hs_impair_dir dir, uint64_t now_us)
{
	struct hs_impair_side *s = &im->side[dir];
	unsigned int n = 0;

	/* a reordered frame whose successor never came */
	if (s->held != NULL &&
	    now_us - s->held_us >= HS_IMPAIR_REORDER_MAX_US) {
		struct rte_mbuf *m = s->held;

		s->held = NULL;
		hs_impair_sched(im, s, m, now_us);
		n += !s->queued;
	}
	while (s->count > 0) {
		struct hs_impair_slot *slot = &s->ring[s->head];

		if (slot->at_us > now_us)
			break;
		hs_impair_out(im, s, slot->m);
		slot->m = NULL;
		s->head = (s->head + 1) % im->cap;
		s->count--;
		n++;
	}
	hs_impair_flush(im, s);
	return n;
}
