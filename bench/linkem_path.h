/* SPDX-License-Identifier: BSD-3-Clause
 * linkem_path.h - the path model of bench/linkem, one direction, without
 * DPDK (frames are opaque pointers with a length) so tests can drive it
 * with a virtual clock (tests/bench/test_linkem_path.c).
 *
 * A frame that enters a direction goes through, in order:
 *  1. random loss (probability loss): dropped, counted "lost";
 *  2. the bottleneck, when a rate is set: a drop-tail FIFO of at most
 *     limit_pkts frames or limit_bytes bytes (whichever is set; the frame
 *     being serialised counts) in front of a link of rate_bps.  A frame
 *     that does not fit is dropped ("qdrop").  A frame that fits leaves
 *     the bottleneck at dep = max(now, link_free) + len * 8 / rate
 *     (serialisation delay; link_free is when the link finishes the frame
 *     ahead of it), so the link never carries more than rate_bps;
 *  3. propagation: release = dep + delay + U(-jitter, +jitter) (never
 *     before dep), kept non-decreasing in the delay line (jitter spreads
 *     arrivals, never reorders them); with probability reorder the frame
 *     goes to a second line instead and leaves gap later, so frames behind
 *     it overtake it.  A full delay line drops ("overflow").
 * Without a rate the bottleneck is skipped (dep = now).  Times are in
 * nanoseconds of a monotonic clock chosen by the caller.  Memory: three
 * rings allocated once by lkp_init; no allocation per frame.
 */
#ifndef LINKEM_PATH_H
#define LINKEM_PATH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct lkp_params {
	double delay_ms, jitter_ms, loss, reorder,
		gap_ms;       /* loss, reorder: 0..1 */
	double rate_mbit;     /* 0: no bottleneck */
	uint64_t limit_pkts;  /* bottleneck buffer; 0: not by packets */
	uint64_t limit_bytes; /* bottleneck buffer; 0: not by bytes */
};

struct lkp_slot {
	void *m;
	uint64_t due; /* ns */
};

/* A FIFO of frames with non-decreasing release times. */
struct lkp_line {
	struct lkp_slot *q;
	uint32_t size, head, count;
	uint64_t last_due;
};

/* Frames still in the bottleneck (not yet fully serialised). */
struct lkp_bq {
	uint64_t *dep; /* ns: when each leaves the bottleneck */
	uint32_t *len;
	uint32_t size, head, count;
	uint64_t bytes;
};

struct lkp_stats {
	uint64_t rx, tx, tx_bytes, lost, qdrop, reordered, overflow;
	uint64_t max_q_pkts, max_q_bytes, max_q_ns;
};

struct lkp_dir {
	struct lkp_params p;
	uint64_t delay, jitter, gap; /* ns */
	uint64_t link_free;          /* ns: the link is busy until then */
	uint64_t rng;     /* data frames' loss; jitter, reordering */
	uint64_t rng_ctl; /* control frames' loss (lkp_enqueue_ctl) */
	struct lkp_line fifo, late;
	struct lkp_bq bq;
	struct lkp_stats st;
};

enum lkp_verdict { LKP_QUEUED, LKP_LOST, LKP_QDROP, LKP_OVERFLOW };

/* splitmix64's output function: a counter value scattered over 64 bits. */
static inline uint64_t
lkp_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* splitmix64: small, seedable, good enough for drop/jitter decisions. */
static inline uint64_t
lkp_rng_next(uint64_t *s)
{
	return lkp_mix64(*s += UINT64_C(0x9e3779b97f4a7c15));
}

/* Uniform in [0, 1). */
static inline double
lkp_rng_unit(uint64_t *s)
{
	return (double)(lkp_rng_next(s) >> 11) * 0x1.0p-53;
}

/* Serialisation time of len bytes at the direction's rate (ns, rounded up). */
static inline uint64_t
lkp_ser_ns(const struct lkp_dir *d, uint32_t len)
{
	double ns =
		(double)len * 8.0 * 1e3 / d->p.rate_mbit; /* Mbit/s: bits/us */
	uint64_t v = (uint64_t)ns;

	return (double)v < ns ? v + 1 : v;
}

static inline bool
lkp_line_init(struct lkp_line *l, uint32_t size)
{
	l->q = (struct lkp_slot *)calloc(size, sizeof(*l->q));
	l->size = size;
	l->head = l->count = 0;
	l->last_due = 0;
	return l->q != NULL;
}

/* Both generators from one seed: control frames (no TCP payload) draw
 * their loss from a stream of their own, so a sender that sends one pure
 * ACK more or less than another still meets the same losses on its data
 * frames (paired runs, bench/parts/paths.sh). */
static inline void
lkp_seed(struct lkp_dir *d, uint64_t seed)
{
	uint64_t z = seed ^ UINT64_C(0x6a09e667f3bcc909);

	d->rng = seed;
	d->rng_ctl = lkp_rng_next(&z);
}

/* Returns false (and frees nothing) when q_size frames do not fit.
 * The bottleneck ring holds as many frames as the delay line. */
static inline bool
lkp_init(struct lkp_dir *d, const struct lkp_params *p, uint32_t q_size,
	 uint64_t seed)
{
	memset(d, 0, sizeof(*d));
	d->p = *p;
	d->delay = (uint64_t)(p->delay_ms * 1e6);
	d->jitter = (uint64_t)(p->jitter_ms * 1e6);
	d->gap = (uint64_t)(p->gap_ms * 1e6);
	lkp_seed(d, seed);
	if (!lkp_line_init(&d->fifo, q_size) ||
	    !lkp_line_init(&d->late, q_size))
		return false;
	d->bq.size = q_size;
	d->bq.dep = (uint64_t *)calloc(q_size, sizeof(*d->bq.dep));
	d->bq.len = (uint32_t *)calloc(q_size, sizeof(*d->bq.len));
	return d->bq.dep != NULL && d->bq.len != NULL;
}

static inline bool
lkp_line_push(struct lkp_line *l, void *m, uint64_t due)
{
	if (l->count == l->size)
		return false;
	if (due < l->last_due)
		due = l->last_due;
	l->last_due = due;
	l->q[(l->head + l->count) % l->size] = (struct lkp_slot){ m, due };
	l->count++;
	return true;
}

/* Forget the frames that have left the bottleneck by now. */
static inline void
lkp_bq_expire(struct lkp_bq *b, uint64_t now)
{
	while (b->count > 0 && b->dep[b->head] <= now) {
		b->bytes -= b->len[b->head];
		b->head = (b->head + 1) % b->size;
		b->count--;
	}
}

/* One frame of len bytes arrives at now; ctl: a control frame (no TCP
 * payload), whose loss is drawn from rng_ctl.  LKP_QUEUED: the path owns
 * m until lkp_pop_due returns it; otherwise the caller frees it. */
static inline enum lkp_verdict
lkp_enqueue_ctl(struct lkp_dir *d, void *m, uint32_t len, uint64_t now,
		bool ctl)
{
	uint64_t dep = now, due;
	bool late;

	d->st.rx++;
	if (d->p.loss > 0 &&
	    lkp_rng_unit(ctl ? &d->rng_ctl : &d->rng) < d->p.loss) {
		d->st.lost++;
		return LKP_LOST;
	}
	if (d->p.rate_mbit > 0) {
		struct lkp_bq *b = &d->bq;

		lkp_bq_expire(b, now);
		if ((d->p.limit_pkts > 0 && b->count + 1 > d->p.limit_pkts) ||
		    (d->p.limit_bytes > 0 &&
		     b->bytes + len > d->p.limit_bytes) ||
		    b->count == b->size) {
			d->st.qdrop++;
			return LKP_QDROP;
		}
		/* Room in the delay line too, or the frame would hold link
		 * time without ever being sent. */
		if (d->fifo.count == d->fifo.size) {
			d->st.overflow++;
			return LKP_OVERFLOW;
		}
		dep = (d->link_free > now ? d->link_free : now) +
		      lkp_ser_ns(d, len);
		d->link_free = dep;
		b->dep[(b->head + b->count) % b->size] = dep;
		b->len[(b->head + b->count) % b->size] = len;
		b->count++;
		b->bytes += len;
		if (b->count > d->st.max_q_pkts)
			d->st.max_q_pkts = b->count;
		if (b->bytes > d->st.max_q_bytes)
			d->st.max_q_bytes = b->bytes;
		if (dep - now > d->st.max_q_ns)
			d->st.max_q_ns = dep - now;
	}
	due = dep + d->delay;
	if (d->jitter > 0) {
		/* U(-jitter, +jitter), never before dep. */
		double j =
			(2.0 * lkp_rng_unit(&d->rng) - 1.0) * (double)d->jitter;

		if (j < 0 && (uint64_t)(-j) > d->delay)
			due = dep;
		else
			due = (uint64_t)((double)due + j);
	}
	late = d->p.reorder > 0 && lkp_rng_unit(&d->rng) < d->p.reorder;
	if (late ? lkp_line_push(&d->late, m, due + d->gap)
		 : lkp_line_push(&d->fifo, m, due)) {
		if (late)
			d->st.reordered++;
		return LKP_QUEUED;
	}
	/* (rate set: the fifo had room, so only the late line can be full;
	 * the frame keeps its link time, as a frame lost after the link) */
	d->st.overflow++;
	return LKP_OVERFLOW;
}

/* A data frame (or a caller that does not tell frames apart). */
static inline enum lkp_verdict
lkp_enqueue(struct lkp_dir *d, void *m, uint32_t len, uint64_t now)
{
	return lkp_enqueue_ctl(d, m, len, now, false);
}

/* Move frames due by now into out[*n..max). */
static inline void
lkp_line_pop(struct lkp_line *l, uint64_t now, void **out, unsigned *n,
	     unsigned max)
{
	while (*n < max && l->count > 0 && l->q[l->head].due <= now) {
		out[(*n)++] = l->q[l->head].m;
		l->head = (l->head + 1) % l->size;
		l->count--;
	}
}

/* Frames due by now, at most max, into out; returns how many. */
static inline unsigned
lkp_pop_due(struct lkp_dir *d, uint64_t now, void **out, unsigned max)
{
	unsigned n = 0;

	lkp_line_pop(&d->fifo, now, out, &n, max);
	lkp_line_pop(&d->late, now, out, &n, max);
	return n;
}

static inline uint64_t
lkp_next_due(const struct lkp_dir *d)
{
	uint64_t a =
		d->fifo.count > 0 ? d->fifo.q[d->fifo.head].due : UINT64_MAX;
	uint64_t b =
		d->late.count > 0 ? d->late.q[d->late.head].due : UINT64_MAX;

	return a < b ? a : b;
}

static inline uint32_t
lkp_queued(const struct lkp_dir *d)
{
	return d->fifo.count + d->late.count;
}

/* Pops every frame still held (for the caller to free), then frees the
 * rings.  Returns how many it put into out (at most max per call: call
 * until it returns 0 before lkp_free). */
static inline unsigned
lkp_drain(struct lkp_dir *d, void **out, unsigned max)
{
	return lkp_pop_due(d, UINT64_MAX, out, max);
}

static inline void
lkp_free(struct lkp_dir *d)
{
	free(d->fifo.q);
	free(d->late.q);
	free(d->bq.dep);
	free(d->bq.len);
	d->fifo.q = d->late.q = NULL;
	d->bq.dep = NULL;
	d->bq.len = NULL;
}

#endif /* LINKEM_PATH_H */
