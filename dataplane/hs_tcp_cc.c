/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp_cc.c - congestion control behind a small ops struct
 * (struct hs_tcp_cc in hs_tcp_var.h): NewReno (RFC 5681) and CUBIC
 * (RFC 9438, the default), with a slow start both share: byte counting
 * (RFC 3465), HyStart++ (RFC 9406) for the initial one, no growth while
 * application-limited (RFC 7661) and a restart after idle (RFC 5681
 * §4.1).  Loss detection and recovery (RFC 6582,
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

/* ---- shared: slow start, HyStart++, cwnd validation, idle ---------- */

/* RFC 9406 §4.2 constants (times in microseconds). */
#define HS_HY_MIN_RTT_THRESH_US  4000u
#define HS_HY_MAX_RTT_THRESH_US  16000u
#define HS_HY_MIN_RTT_DIVISOR    8u
#define HS_HY_N_RTT_SAMPLE       8u
#define HS_HY_CSS_GROWTH_DIVISOR 4u
#define HS_HY_CSS_ROUNDS         5u
/* c->ss.hystart */
#define HS_HYSTART_ON            0x01u /* initial slow start: HyStart++ runs */
#define HS_HYSTART_CSS           0x02u /* in Conservative Slow Start */
#define HS_HYSTART_SEEN          0x04u /* CSS: this round confirmed the delay */

void
hs_tcp_cc_start(struct hs_tcp_conn *c)
{
	uint32_t iw = hs_tcp_params.initcwnd;

	if (iw == 0 || iw > HS_TCP_INITCWND_MAX)
		iw = HS_TCP_INITCWND_DEFAULT;
	c->cwnd = iw * c->mss;    /* RFC 6928 */
	c->pace_credit = c->cwnd; /* not paced (hs_tcp_out.c) */
	memset(&c->ss, 0, sizeof(c->ss));
	/* RFC 9406 §4.3: HyStart++ for the initial slow start only (later
	 * ones stop at the ssthresh a loss found). */
	c->ss.hystart = HS_HYSTART_ON;
	c->ss.round_end = c->snd_max;
	c->ss.last_send_ms = hs_tcp_ms(c->lc);
}

/* RFC 7661 §4.1 / Linux tcp_is_cwnd_limited: grow cwnd only when the
 * flight came close to filling it in this round or the last one; in slow
 * start, while cwnd is below twice the largest flight (slow start may
 * overshoot by that much anyway, and an ACK-clocked flight lags cwnd). */
static bool
hs_tcp_cc_cwnd_limited(const struct hs_tcp_conn *c)
{
	uint32_t f = HS_MAX(c->ss.max_flight, c->ss.last_max_flight);

	if (c->cwnd < c->ssthresh)
		return c->cwnd < 2u * f;
	return f + c->mss > c->cwnd;
}

/* RFC 9406 §4.2: a round ends when the ACK passes windowEnd.  In CSS,
 * a round with enough samples that never showed the delay again ends it
 * (the increase was spurious: back to slow start); CSS_ROUNDS rounds
 * that did lead to congestion avoidance. */
static void
hs_tcp_cc_round(struct hs_tcp_conn *c)
{
	if (HS_SEQ_LT(c->snd_una, c->ss.round_end))
		return;
	c->ss.round_end = c->snd_max;
	c->ss.last_max_flight = c->ss.max_flight;
	c->ss.max_flight = c->snd_max - c->snd_una;
	if (!(c->ss.hystart & HS_HYSTART_ON))
		return;
	if ((c->ss.hystart & HS_HYSTART_CSS) &&
	    !(c->ss.hystart & HS_HYSTART_SEEN) &&
	    c->ss.rtt_cnt >= HS_HY_N_RTT_SAMPLE) {
		c->ss.hystart &= (uint8_t)~HS_HYSTART_CSS;
		c->ss.css_base_rtt_us = 0;
		c->lc->stats.tcp_hystart_css_undo++;
	} else if ((c->ss.hystart & HS_HYSTART_CSS) &&
		   ++c->ss.css_rounds >= HS_HY_CSS_ROUNDS) {
		/* §4.2: CSS_ROUNDS rounds in CSS: congestion avoidance. */
		c->ssthresh = HS_MAX(c->cwnd, 2u * c->mss);
		c->ss.hystart = 0;
		c->lc->stats.tcp_hystart_css_exit++;
		return;
	}
	c->ss.hystart &= (uint8_t)~HS_HYSTART_SEEN;
	if (c->ss.cur_min_rtt_us)
		c->ss.last_min_rtt_us = c->ss.cur_min_rtt_us;
	c->ss.cur_min_rtt_us = 0;
	c->ss.rtt_cnt = 0;
	c->ss.run = 0;
}

/* RFC 9406 §4.2, the delay test on the samples of a round, with one
 * change for paced flights.  The RFC compares the smallest sample of the
 * round (after N_RTT_SAMPLE) with the last round's.  Paced at twice
 * cwnd / SRTT in slow start (hs_tcp_out.c), a round's data leaves in
 * the first half of an RTT and the bottleneck queue drains in the
 * second: the round's first samples always see an empty queue, its
 * minimum never rises, and slow start ran on until the queue overflowed
 * (a 50 Mbit/s path with a BDP/4 buffer: the queue full at 10 ms for the
 * last third of each burst, HyStart++ never left slow start, 106 drops;
 * CSS, entered twice in 7 connections, was undone the next round by the
 * same first samples).  So the test is on N_RTT_SAMPLE consecutive
 * samples all at or above lastRoundMinRTT + RttThresh (equivalently: the
 * minimum of the last N samples, a sliding window, instead of the
 * round's): a queue that persists for N ACKs, wherever it falls in the
 * round.  Without pacing, where the round minimum rises as the RFC
 * expects, the test fires at the same sample.  cssBaselineMinRtt is the
 * smallest sample of that run; a CSS round is confirmed by N
 * consecutive samples at or above it, and one with N samples but no
 * such run undoes CSS at its end (hs_tcp_cc_round), where the RFC undoes
 * on any round minimum below the baseline.  Returns the divisor of the
 * slow-start increase (1, or CSS_GROWTH_DIVISOR). */
static uint32_t
hs_tcp_hystart(struct hs_tcp_conn *c, uint32_t rtt_us)
{
	bool css = (c->ss.hystart & HS_HYSTART_CSS) != 0;
	uint32_t div = css ? HS_HY_CSS_GROWTH_DIVISOR : 1;
	uint32_t thresh, bar;

	if (rtt_us == 0)
		return div;
	if (c->ss.cur_min_rtt_us == 0 || rtt_us < c->ss.cur_min_rtt_us)
		c->ss.cur_min_rtt_us = rtt_us;
	if (c->ss.rtt_cnt < UINT8_MAX)
		c->ss.rtt_cnt++;
	if (c->ss.last_min_rtt_us == 0)
		return div;
	/* RttThresh = clamp(lastRoundMinRTT / 8, 4 ms, 16 ms) */
	thresh = c->ss.last_min_rtt_us / HS_HY_MIN_RTT_DIVISOR;
	thresh = HS_MIN(thresh, HS_HY_MAX_RTT_THRESH_US);
	thresh = HS_MAX(thresh, HS_HY_MIN_RTT_THRESH_US);
	bar = css ? c->ss.css_base_rtt_us : c->ss.last_min_rtt_us + thresh;
	if (rtt_us < bar) {
		c->ss.run = 0;
		return div;
	}
	if (c->ss.run == 0 || rtt_us < c->ss.run_min_rtt_us)
		c->ss.run_min_rtt_us = rtt_us;
	if (c->ss.run < UINT8_MAX)
		c->ss.run++;
	if (c->ss.run < HS_HY_N_RTT_SAMPLE)
		return div;
	if (css) {
		c->ss.hystart |= HS_HYSTART_SEEN;
		return div;
	}
	c->ss.css_base_rtt_us = c->ss.run_min_rtt_us;
	c->ss.css_rounds = 0;
	c->ss.run = 0;
	c->ss.hystart |= HS_HYSTART_CSS | HS_HYSTART_SEEN;
	c->lc->stats.tcp_hystart_css++;
	return HS_HY_CSS_GROWTH_DIVISOR;
}

/* Slow start with byte counting (RFC 5681 §3.1, RFC 3465 §2.1): cwnd
 * grows by the bytes each ACK covers, up to ssthresh; returns the bytes
 * left for congestion avoidance.  Counting ACKs instead (one SMSS each)
 * grows by half per round under delayed ACKs, and by two segments per
 * round when the receiver answers each burst with one ACK for its first
 * two segments and one stretch ACK for the rest, as Linux clients do
 * when the application reads after the burst.  A per-ACK limit L (RFC
 * 3465 §2.2: 2 SMSS; RFC 9406 §4.2: 8 SMSS without pacing) keeps that
 * growth linear too, so there is none, as in Linux's tcp_slow_start():
 * a stretch ACK of N segments counts as N ACKs of one.  Byte counting
 * still gives nothing for ACK division (RFC 3465 §2.3). */
static uint32_t
hs_tcp_cc_slow_start(struct hs_tcp_conn *c, uint32_t acked, uint32_t rtt_us)
{
	uint32_t inc = acked;
	uint32_t room = c->ssthresh - c->cwnd; /* > 0 in slow start */

	if ((c->ss.hystart & HS_HYSTART_ON) && c->ssthresh == UINT32_MAX)
		inc /= hs_tcp_hystart(c, rtt_us); /* §4.2 CSS: N / 4 */
	if (inc >= room) {
		c->cwnd = c->ssthresh;
		return acked > room ? acked - room : 0;
	}
	c->cwnd += inc;
	return 0;
}

void
hs_tcp_cc_ack(struct hs_tcp_conn *c, uint32_t acked, uint32_t rtt_us)
{
	hs_tcp_cc_round(c);
	/* RFC 7661 §4.3 / RFC 9438 §5.8: no growth while the application,
	 * not cwnd, limits what is sent. */
	if (!hs_tcp_cc_cwnd_limited(c)) {
		c->lc->stats.tcp_cwnd_app_limited++;
		return;
	}
	if (c->cwnd < c->ssthresh) {
		acked = hs_tcp_cc_slow_start(c, acked, rtt_us);
		if (acked == 0)
			return;
	}
	/* Left slow start (a loss, or HyStart++ through CSS): done with
	 * the initial slow start. */
	c->ss.hystart = 0;
	c->cc->cong_avoid(c, acked);
}

/* RFC 5681 §4.1 (restart window = the initial window) as Linux's
 * tcp_slow_start_after_idle: after an idle period longer than the RTO,
 * cwnd no longer reflects the path; ssthresh keeps what was learnt,
 * max(ssthresh, 3/4 cwnd) as Linux's tcp_current_ssthresh().  Shorter
 * idle periods only move the algorithm's clock (RFC 9438 §5.8,
 * after_idle). */
void
hs_tcp_cc_tx_start(struct hs_tcp_conn *c)
{
	uint32_t now = hs_tcp_ms(c->lc);
	uint64_t idle_us =
		(uint64_t)(uint32_t)(now - c->ss.last_send_ms) * 1000u;
	uint32_t iw;

	c->ss.last_send_ms = now;
	if (idle_us == 0)
		return;
	if (idle_us > hs_tcp_rto_cur(c)) {
		iw = HS_MIN(hs_tcp_params.initcwnd ? hs_tcp_params.initcwnd
						   : HS_TCP_INITCWND_DEFAULT,
			    HS_TCP_INITCWND_MAX) *
		     c->mss;
		if (c->cwnd > iw) {
			c->ssthresh = HS_MAX(c->ssthresh, c->cwnd / 4u * 3u);
			c->cwnd = iw;
			c->pace_credit = iw;
			c->lc->stats.tcp_cwnd_restart++;
		}
		/* a new flight: no stale flight sizes */
		c->ss.max_flight = c->ss.last_max_flight = 0;
		c->ss.round_end = c->snd_max;
	}
	if (c->cc->after_idle)
		c->cc->after_idle(c, idle_us);
}

void
hs_tcp_cc_sent(struct hs_tcp_conn *c)
{
	uint32_t f = c->snd_max - c->snd_una;

	c->ss.last_send_ms = hs_tcp_ms(c->lc);
	if (f > c->ss.max_flight)
		c->ss.max_flight = f;
}

/* ---- NewReno (RFC 5681 §3.1) ---------------------------------------- */
static void
hs_newreno_init(struct hs_tcp_conn *c)
{
	(void)c;
}

/* Congestion avoidance: eq. (3), about one SMSS per RTT. */
static void
hs_newreno_cong_avoid(struct hs_tcp_conn *c, uint32_t acked)
{
	uint32_t mss = c->mss;

	(void)acked;
	c->cwnd += HS_MAX(1u, mss * mss / c->cwnd); /* (3) */
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
	.cong_avoid = hs_newreno_cong_avoid,
	.on_loss = hs_newreno_on_loss,
};

/* ---- CUBIC (RFC 9438) ----------------------------------------------- */
#define HS_CUBIC_C     0.4 /* §4.2 */
#define HS_CUBIC_BETA  0.7 /* §4.6 */
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

/* Congestion avoidance (§4.2 - §4.5), acked bytes newly acknowledged. */
static void
hs_cubic_cong_avoid(struct hs_tcp_conn *c, uint32_t acked)
{
	uint64_t now = c->lc->now_us;
	double cwnd = c->cwnd, t, target, w, alpha;
	uint64_t inc;

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
		/* No reduction yet (slow start ended without a loss). */
		if (c->cubic.cwnd_prior == 0)
			c->cubic.cwnd_prior = cwnd;
	}
	t = (double)(now - c->cubic.epoch_us) / 1e6;
	/* §4.2: target = W_cubic(t + RTT), bounded to [cwnd, 1.5 cwnd]. */
	target = hs_cubic_w(c, t + (double)c->srtt_us / 1e6);
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	/* §4.3: Reno-friendly estimate, alpha_cubic per cwnd of acks, 1
	 * once W_est has reached the cwnd of before the last reduction. */
	alpha = c->cubic.w_est >= c->cubic.cwnd_prior ? 1.0 : HS_CUBIC_ALPHA;
	c->cubic.w_est += alpha * c->mss * acked / cwnd;
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

/* RFC 9438 §5.8: t excludes the time the flow sent nothing, so the
 * curve keeps its shape, shifted by the idle period (as Linux does in
 * bictcp_cwnd_event); after an idle period beyond the RTO cwnd restarts
 * from the initial window and the next congestion avoidance starts a
 * new epoch from there. */
static void
hs_cubic_after_idle(struct hs_tcp_conn *c, uint64_t idle_us)
{
	uint64_t now = c->lc->now_us;

	if (c->cubic.epoch_us == 0)
		return;
	if (idle_us > hs_tcp_rto_cur(c)) {
		c->cubic.epoch_us = 0;
		return;
	}
	c->cubic.epoch_us += idle_us;
	if (c->cubic.epoch_us > now)
		c->cubic.epoch_us = now;
}

/* §4.6 multiplicative decrease, §4.7 fast convergence; §4.8 on RTO the
 * same (cwnd then restarts from one segment, set by the caller). */
static void
hs_cubic_on_loss(struct hs_tcp_conn *c, bool rto)
{
	double cwnd = c->cwnd;

	(void)rto;
	c->cubic.epoch_us = 0;
	c->cubic.cwnd_prior = cwnd; /* §4.3 */
	if (cwnd < c->cubic.w_max)
		c->cubic.w_max = cwnd * (1.0 + HS_CUBIC_BETA) / 2.0;
	else
		c->cubic.w_max = cwnd;
	/* beta_cubic = 7/10 in integers, so ssthresh is exact. */
	c->ssthresh =
		HS_MAX((uint32_t)((uint64_t)c->cwnd * 7 / 10), 2u * c->mss);
}

static const struct hs_tcp_cc hs_tcp_cc_cubic = {
	.name = "cubic",
	.init = hs_cubic_init,
	.cong_avoid = hs_cubic_cong_avoid,
	.on_loss = hs_cubic_on_loss,
	.after_idle = hs_cubic_after_idle,
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
