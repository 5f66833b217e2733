/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp_cc.c - congestion control behind a small ops struct
 * (struct hs_tcp_cc in hs_tcp_var.h): NewReno (RFC 5681) and CUBIC
 * (RFC 9438, the default).  Loss detection and recovery (RFC 6582,
 * RFC 6675) are in hs_tcp_in.c / hs_tcp_out.c; the algorithm decides
 * only how cwnd grows and what ssthresh becomes on a congestion event.
 *
 * CUBIC works in bytes (W_max, W_est, cwnd) and seconds (t, K), so the
 * RFC's segment formulas are multiplied by the MSS.  Floating point is
 * used per ACK in congestion avoidance only; no allocation, no state
 * outside the conn.
 */
#include <math.h>
#include <string.h>

#include "hs_tcp_var.h"

/* ---- NewReno (RFC 5681 §3.1) ---------------------------------------- */
static void
hs_newreno_init(struct hs_tcp_conn *c)
{
	(void)c;
}

static void
hs_newreno_on_ack(struct hs_tcp_conn *c, uint32_t acked)
{
	uint32_t mss = c->mss;

	if (c->cwnd < c->ssthresh)
		c->cwnd += HS_MIN(acked, mss);                  /* (2) */
	else
		c->cwnd += HS_MAX(1u, mss * mss / c->cwnd);     /* (3) */
}

/* RFC 5681 §3.1 (4): ssthresh = max(FlightSize / 2, 2*SMSS). */
static void
hs_newreno_on_loss(struct hs_tcp_conn *c, bool rto)
{
	uint32_t flight = c->snd_max - c->snd_una;

	(void)rto;
	c->ssthresh = HS_MAX(flight / 2, 2u * c->mss);
}

static const struct hs_tcp_cc hs_tcp_cc_newreno = {
	.name = "newreno",
	.init = hs_newreno_init,
	.on_ack = hs_newreno_on_ack,
	.on_loss = hs_newreno_on_loss,
};

/* ---- CUBIC (RFC 9438) ----------------------------------------------- */
#define HS_CUBIC_C     0.4         /* §4.2 */
#define HS_CUBIC_BETA  0.7         /* §4.6 */
/* §4.3: alpha_cubic = 3 * (1 - beta) / (1 + beta) */
#define HS_CUBIC_ALPHA (3.0 * (1.0 - HS_CUBIC_BETA) / (1.0 + HS_CUBIC_BETA))

static void
hs_cubic_init(struct hs_tcp_conn *c)
{
	memset(&c->cubic, 0, sizeof(c->cubic));
}

/* W_cubic(t) in bytes (§4.2 eq. 1), t in seconds since the epoch. */
static double
hs_cubic_w(const struct hs_tcp_conn *c, double t)
{
	double d = t - c->cubic.k_s;

	return HS_CUBIC_C * c->mss * d * d * d + c->cubic.w_max;
}

static void
hs_cubic_on_ack(struct hs_tcp_conn *c, uint32_t acked)
{
	uint64_t now = c->lc->now_us;
	double cwnd = c->cwnd, t, target, w;
	uint64_t inc;

	if (c->cwnd < c->ssthresh) {
		/* §4.10: slow start as in RFC 5681. */
		c->cwnd += HS_MIN(acked, (uint32_t)c->mss);
		return;
	}
	if (c->cubic.epoch_us == 0) {
		/* §4.2: a new congestion avoidance epoch. */
		c->cubic.epoch_us = now;
		c->cubic.acc = 0;
		if (c->cubic.w_max <= cwnd) {
			c->cubic.k_s = 0;
			c->cubic.w_max = cwnd;
		} else {
			c->cubic.k_s = cbrt((c->cubic.w_max - cwnd) /
					    (HS_CUBIC_C * c->mss));
		}
		c->cubic.w_est = cwnd;
	}
	t = (double)(now - c->cubic.epoch_us) / 1e6;
	/* §4.2: target = W_cubic(t + RTT), bounded to [cwnd, 1.5 cwnd]. */
	target = hs_cubic_w(c, t + (double)c->srtt_us / 1e6);
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	/* §4.3: Reno-friendly estimate, alpha_cubic per cwnd of acks. */
	c->cubic.w_est += HS_CUBIC_ALPHA * c->mss * acked / cwnd;
	w = hs_cubic_w(c, t);
	if (w < c->cubic.w_est) {
		/* Reno-friendly region: follow W_est. */
		if (c->cubic.w_est > cwnd)
			c->cwnd = (uint32_t)HS_MIN(c->cubic.w_est,
						   (double)HS_TCP_MAX_CWND);
		return;
	}
	/* §4.4, §4.5: grow by (target - cwnd) / cwnd per acked byte; the
	 * accumulator keeps the fractions. */
	c->cubic.acc += (uint64_t)((target - cwnd) * acked);
	inc = c->cubic.acc / c->cwnd;
	c->cubic.acc -= inc * c->cwnd;
	c->cwnd += (uint32_t)HS_MIN(inc, (uint64_t)HS_TCP_MAX_CWND);
}

/* §4.6 multiplicative decrease, §4.7 fast convergence; §4.8 on RTO the
 * same (cwnd then restarts from one segment, set by the caller). */
static void
hs_cubic_on_loss(struct hs_tcp_conn *c, bool rto)
{
	double cwnd = c->cwnd;

	(void)rto;
	c->cubic.epoch_us = 0;
	if (cwnd < c->cubic.w_max)
		c->cubic.w_max = cwnd * (1.0 + HS_CUBIC_BETA) / 2.0;
	else
		c->cubic.w_max = cwnd;
	/* beta_cubic = 7/10 in integers, so ssthresh is exact. */
	c->ssthresh = HS_MAX((uint32_t)((uint64_t)c->cwnd * 7 / 10),
			     2u * c->mss);
}

static const struct hs_tcp_cc hs_tcp_cc_cubic = {
	.name = "cubic",
	.init = hs_cubic_init,
	.on_ack = hs_cubic_on_ack,
	.on_loss = hs_cubic_on_loss,
};

const struct hs_tcp_cc *const hs_tcp_cc_tab[2] = {
	[HS_TCP_CC_CUBIC] = &hs_tcp_cc_cubic,
	[HS_TCP_CC_NEWRENO] = &hs_tcp_cc_newreno,
};

int
hs_tcp_cc_find(const char *name)
{
	for (int i = 0; i < (int)RTE_DIM(hs_tcp_cc_tab); i++)
		if (strcmp(hs_tcp_cc_tab[i]->name, name) == 0)
			return i;
	return -1;
}
