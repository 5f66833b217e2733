/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp_timer.c - hierarchical timing wheel and the TCP timers.
 *
 * Wheel (Varghese & Lauck, scheme 7, see hs_tcp.h): a timer due in tick T,
 * D = T - cur_tick ticks away, sits at the lowest level n with
 * D < HS_TW_SLOTS^(n+1), in slot (T >> (HS_TW_BITS * n)) % HS_TW_SLOTS.
 * Level 0 slots hold only timers due at exactly their tick.  When the
 * clock enters a new level-n period (n >= 1), that period's slot is moved
 * down (re-armed relative to the new cur_tick).  Arm and cancel are O(1);
 * advancing costs one empty-slot check per tick plus the timers that
 * expire or move down, never a scan of idle connections.
 *
 * Per connection (hs_tcp.h):
 *   t_rexmt: SYN-ACK retransmit (SYN_RCVD), RTO (RFC 6298), the persist
 *            timer when HS_TCPF_PERSIST is set (RFC 9293 §3.8.6.1; also
 *            the SWS override timeout, §3.8.6.2.1), or the tail loss
 *            probe when HS_TCPF2_PTO is set (RFC 8985 §7).
 *   t_misc:  delayed ACK (ESTABLISHED only), FIN_WAIT_2 limit, TIME_WAIT.
 *   t_app:   the application's timer (hs_tcp_set_timeout -> ops->timeout).
 *   t_keep:  keep-alive (off unless hs_tcp_params.keepalive_ms).
 *   t_pace:  pacing (hs_tcp_out.c): output runs again when the next
 *            burst of new data may leave.
 */
#include <rte_common.h>

#include "hs_tcp_var.h"

void
hs_tw_init(struct hs_timer_wheel *w, uint64_t now_us)
{
	memset(w, 0, sizeof(*w));
	w->cur_tick = now_us / HS_TW_TICK_US;
}

static void
hs_tw_link(struct hs_timer **head, struct hs_timer *t)
{
	t->next = *head;
	if (t->next)
		t->next->pprev = &t->next;
	t->pprev = head;
	*head = t;
}

static void
hs_tw_unlink(struct hs_timer *t)
{
	*t->pprev = t->next;
	if (t->next)
		t->next->pprev = t->pprev;
	t->next = NULL;
	t->pprev = NULL;
}

void
hs_tw_cancel(struct hs_timer_wheel *w, struct hs_timer *t)
{
	if (!hs_tw_pending(t))
		return;
	hs_tw_unlink(t);
	w->nb_armed--;
}

void
hs_tw_arm(struct hs_timer_wheel *w, struct hs_timer *t, uint64_t expire)
{
	uint64_t delta;
	uint32_t lvl = 0;

	hs_tw_cancel(w, t);
	if (expire < w->cur_tick)
		expire = w->cur_tick;
	t->expire_tick = expire;
	delta = expire - w->cur_tick;
	while (lvl + 1 < HS_TW_LEVELS &&
	       delta >= (1ull << (HS_TW_BITS * (lvl + 1))))
		lvl++;
	hs_tw_link(&w->slot[lvl]
			   [(expire >> (HS_TW_BITS * lvl)) & (HS_TW_SLOTS - 1)],
		   t);
	w->nb_armed++;
}

void
hs_tcp_timer_arm(struct hs_tcp_conn *c, struct hs_timer *t, uint64_t us)
{
	uint64_t now = c->lc->now_us;

	if (t == &c->t_rexmt) /* an RTO unless rexmt_arm or */
		c->flags2 &= ~(HS_TCPF2_PTO | HS_TCPF2_REO); /* RACK says */
	hs_tw_arm(&c->lc->tcp.wheel, t,
		  (now + us + HS_TW_TICK_US - 1) / HS_TW_TICK_US);
}

void
hs_tcp_timer_cancel(struct hs_tcp_conn *c, struct hs_timer *t)
{
	if (t == &c->t_rexmt)
		c->flags2 &= ~(HS_TCPF2_PTO | HS_TCPF2_REO);
	hs_tw_cancel(&c->lc->tcp.wheel, t);
}

/* RFC 8985 §7.2: a probe timeout is scheduled after new data is sent or
 * new data is cumulatively acknowledged, with data in flight, unless the
 * sender is in fast recovery or RTO recovery (rexmt_shift) or a probe is
 * already outstanding.  Only with SACK: the probe's SACK is what lets
 * the sender detect the losses before it (hs_tcp_sack_loss_detect()). */
static bool
hs_tcp_tlp_allowed(const struct hs_tcp_conn *c)
{
	return (c->flags & HS_TCPF_SACK) &&
	       !(c->flags & (HS_TCPF_RECOVERY | HS_TCPF_PERSIST)) &&
	       !(c->flags2 & HS_TCPF2_TLP) && c->rexmt_shift == 0 &&
	       c->snd_nxt == c->snd_max && hs_tcp_can_send_data(c);
}

/* RFC 8985 §7.2 PTO: 2*SRTT (1 s without a sample), plus the worst-case
 * delayed ACK (200 ms) when a single segment is in flight, never later
 * than the RTO; at least 10 ms against timer and scheduling jitter. */
#define HS_TCP_PTO_MIN_US  10000u
#define HS_TCP_WCDELACK_US 200000u
void
hs_tcp_rexmt_arm(struct hs_tcp_conn *c, bool restart)
{
	uint64_t pto, rto = hs_tcp_rto_cur(c), now = c->lc->now_us;
	bool rto_running = !restart && hs_tw_pending(&c->t_rexmt) &&
			   !(c->flags2 & HS_TCPF2_PTO);

	/* RFC 8985 §8: while the reordering timer runs, neither the RTO
	 * nor a probe; its expiry re-arms them (hs_tcp_rack_run()). */
	if (!restart && (c->flags2 & HS_TCPF2_REO) &&
	    hs_tw_pending(&c->t_rexmt))
		return;
	if (c->flags2 & HS_TCPF2_REO)
		rto_running = false;

	/* A running RTO keeps its deadline unless restarted (RFC 6298
	 * §5.1, 5.3); a probe never goes past it. */
	if (rto_running) {
		uint64_t at = c->t_rexmt.expire_tick * HS_TW_TICK_US;

		rto = at > now ? at - now : 0;
	}
	if (!hs_tcp_tlp_allowed(c))
		goto rto;
	pto = c->srtt_us ? 2ull * c->srtt_us : 1000000u;
	if (c->snd_max - c->snd_una <= c->mss)
		pto += HS_TCP_WCDELACK_US;
	pto = HS_MAX(pto, HS_TCP_PTO_MIN_US);
	if (pto >= rto)
		goto rto;
	hs_tcp_timer_arm(c, &c->t_rexmt, pto);
	c->flags2 |= HS_TCPF2_PTO;
	return;
rto:
	if (!rto_running)
		hs_tcp_timer_arm(c, &c->t_rexmt, rto);
}

/* RFC 8985 §6.2 step 5 and §6.3 after an ACK (or the reordering
 * timer, timer): mark what RACK says is lost, start fast recovery for
 * it (the first hole is lost, so the scoreboard's IsLost says so too),
 * and run the reordering timer while an unSACKed range awaits its
 * deadline; a reordering timer no longer needed gives way to the RTO
 * or a probe. */
void
hs_tcp_rack_run(struct hs_tcp_conn *c, bool timer)
{
	uint32_t wait = hs_tcp_rack_detect(c);
	bool lost = (c->flags & HS_TCPF_SACK) &&
		    HS_SEQ_GT(hs_tcp_sack_lost_end(c), c->snd_una);

	if (lost && !(c->flags & HS_TCPF_RECOVERY))
		hs_tcp_enter_recovery(c);
	if (timer && lost)
		hs_tcp_output(c);
	if (c->flags & HS_TCPF_DEAD || c->snd_una == c->snd_max)
		return;
	if (wait) {
		hs_tcp_timer_arm(c, &c->t_rexmt, wait);
		c->flags2 |= HS_TCPF2_REO;
	} else if ((c->flags2 & HS_TCPF2_REO) || timer ||
		   !hs_tw_pending(&c->t_rexmt)) {
		c->flags2 &= ~HS_TCPF2_REO;
		hs_tcp_rexmt_arm(c, true);
	}
}

/* ---- TCP timer handlers ---------------------------------------------- */

/* SYN-ACK (passive open) or SYN (active open, hs_tcp_connect.c)
 * retransmission with exponential backoff from rto_init; after
 * syn_retries the conn is dropped with -ETIMEDOUT (an embryonic passive
 * one silently: it was never accepted). */
static void
hs_tcp_syn_timeout(struct hs_tcp_conn *c)
{
	struct hs_lcore *lc = c->lc;

	if (c->rexmt_shift >= hs_tcp_params.syn_retries) {
		lc->stats.tcp_conn_timeout++;
		hs_tcp_conn_drop(c, -ETIMEDOUT);
		return;
	}
	c->rexmt_shift++;
	c->rtt_start_us = 0; /* Karn */
	lc->stats.tcp_rexmt++;
	if (c->state == HS_TCP_SYN_SENT)
		hs_tcp_send_syn(c);
	else
		hs_tcp_send_synack(c);
	hs_tcp_timer_arm(c, &c->t_rexmt, hs_tcp_rto_cur(c));
}

/* Zero-window probe: one byte beyond the window, backed off like the RTO
 * (RFC 9293 §3.8.6.1, RFC 1122 4.2.2.17).  The probe byte is real data:
 * if the peer takes it, it acknowledges it normally. */
static void
hs_tcp_persist_timeout(struct hs_tcp_conn *c)
{
	struct hs_lcore *lc = c->lc;

	if (c->sndq.bytes == 0) {
		c->flags &= ~HS_TCPF_PERSIST;
		return;
	}
	/* A zero window must not hold a connection forever (RFC 9293
	 * §3.8.6.1 allows probing "indefinitely" only while the peer
	 * answers; RFC 1122 4.2.2.17).  After data_retries probes, give
	 * up when the peer stopped answering them (nothing received for
	 * longer than the last backoff interval) or when the app has
	 * closed: an orphan kept at a zero window by probe answers is the
	 * sockstress pattern (Linux: tcp_orphan_retries). */
	if (c->rexmt_shift >= hs_tcp_params.data_retries &&
	    ((c->flags & HS_TCPF_SHUT_WR) ||
	     (uint64_t)(hs_tcp_ms(lc) - c->last_rx_ms) * 1000u >
		     hs_tcp_rto_cur(c))) {
		lc->stats.tcp_conn_timeout++;
		lc->stats.tcp_persist_timeout++;
		/* at the peer's RCV.NXT: with its window at zero only that
		 * RST is acceptable (RFC 9293 §3.10.7.4) */
		c->snd_nxt = c->snd_una;
		hs_tcp_send_rst(c);
		hs_tcp_conn_drop(c, -ETIMEDOUT);
		return;
	}
	if (c->rexmt_shift < 16)
		c->rexmt_shift++;
	lc->stats.tcp_persist_probe++;
	c->snd_nxt = c->snd_una;
	hs_tcp_rexmit_one(c); /* bounded to one byte in persist */
	hs_tcp_timer_arm(c, &c->t_rexmt, hs_tcp_rto_cur(c));
}

/* RTO expiry, RFC 6298 §5.4-5.7 and RFC 5681 §3.1 eq. (4). */
static void
hs_tcp_rto_timeout(struct hs_tcp_conn *c)
{
	struct hs_lcore *lc = c->lc;

	if (c->snd_max == c->snd_una)
		return;
	if (c->rexmt_shift >= hs_tcp_params.data_retries) {
		lc->stats.tcp_conn_timeout++;
		hs_tcp_send_rst(c);
		hs_tcp_conn_drop(c, -ETIMEDOUT);
		return;
	}
	c->rexmt_shift++;
	lc->stats.tcp_rto++;
	/* RFC 5681 §3.1 (4) / RFC 9438 §4.8: ssthresh once per timeout
	 * sequence, not again for a backed-off retransmission. */
	if (c->rexmt_shift == 1)
		c->cc->on_loss(c, true);
	c->cwnd = c->mss;
	c->dupacks = 0;
	c->flags &= ~HS_TCPF_RECOVERY;
	/* RFC 6582 §4 / RFC 6675 §5.1: no fast recovery before the
	 * cumulative ACK covers what was sent so far. */
	c->recover = c->snd_max;
	/* RFC 2018 §8: the receiver may have reneged; forget the SACKs. */
	hs_tcp_sack_clear(c);
	c->flags2 &= ~(HS_TCPF2_TLP | HS_TCPF2_RESCUE | HS_TCPF2_LOST);
	hs_tcp_rxt_reset(c);
	c->rtt_start_us = 0;     /* Karn: never time a retransmission */
	c->snd_nxt = c->snd_una; /* go-back-N */
	if (c->snd_wnd == 0 && c->sndq.bytes > 0) {
		/* The peer closed its window on data in flight: probe. */
		c->flags |= HS_TCPF_PERSIST;
		hs_tcp_rexmit_one(c);
	} else {
		hs_tcp_output(c);
	}
	hs_tcp_timer_arm(c, &c->t_rexmt, hs_tcp_rto_cur(c));
}

/* PTO expiry, RFC 8985 §7.3: send one probe, new data if any is unsent
 * and the peer's window allows it (cwnd does not apply), else the last
 * segment again; remember it (TLP.end_seq) and fall back to the RTO. */
static void
hs_tcp_tlp_timeout(struct hs_tcp_conn *c)
{
	struct hs_lcore *lc = c->lc;

	if (c->snd_max == c->snd_una || !hs_tcp_tlp_allowed(c))
		goto rto;
	if (hs_tcp_send_probe(c) != 0)
		goto rto;
	lc->stats.tcp_tlp++;
	c->tlp_end = c->snd_max;
	c->flags2 |= HS_TCPF2_TLP;
rto:
	hs_tcp_timer_arm(c, &c->t_rexmt, hs_tcp_rto_cur(c));
}

/* RFC 8985 §6.3: the reordering window of an unSACKed range ran out. */
static void
hs_tcp_reo_timeout(struct hs_tcp_conn *c)
{
	c->lc->stats.tcp_rack_reo_timeout++;
	if (c->snd_max == c->snd_una)
		return;
	hs_tcp_rack_run(c, true);
}

static void
hs_tcp_rexmt_timeout(struct hs_tcp_conn *c)
{
	if (c->flags2 & HS_TCPF2_REO) {
		c->flags2 &= ~HS_TCPF2_REO;
		hs_tcp_reo_timeout(c);
	} else if (!hs_lcore_tx_room(c->lc) && c->snd_max != c->snd_una &&
		   hs_tcp_can_send_data(c) && !(c->flags & HS_TCPF_PERSIST)) {
		/* The lcore's TX backlog is high (the port is not keeping
		 * up, hs_lcore.h HS_TXQ_SIZE): what this probe or RTO would
		 * resend is most likely still queued here, not lost.  As
		 * Linux for a segment still in the host queue
		 * (tcp_retransmit_skb: -EBUSY), nothing is resent, cwnd and
		 * the backoff stay; the timer runs again. */
		c->flags2 &= ~HS_TCPF2_PTO;
		c->lc->stats.tcp_rexmt_deferred++;
		hs_tcp_rexmt_arm(c, true);
	} else if (c->flags2 & HS_TCPF2_PTO) {
		c->flags2 &= ~HS_TCPF2_PTO;
		hs_tcp_tlp_timeout(c);
	} else if (c->state == HS_TCP_SYN_RCVD || c->state == HS_TCP_SYN_SENT)
		hs_tcp_syn_timeout(c);
	else if (c->flags & HS_TCPF_PERSIST)
		hs_tcp_persist_timeout(c);
	else
		hs_tcp_rto_timeout(c);
}

static void
hs_tcp_misc_timeout(struct hs_tcp_conn *c)
{
	switch (c->state) {
	case HS_TCP_TIME_WAIT:
		/* 2*MSL over: closed() was already called on entry. */
		hs_tcp_conn_drop(c, 0);
		break;
	case HS_TCP_FIN_WAIT_2:
		/* The app has closed; the peer never sent its FIN. */
		c->lc->stats.tcp_conn_timeout++;
		hs_tcp_conn_drop(c, -ETIMEDOUT);
		break;
	default:
		if (c->flags & HS_TCPF_DELACK) {
			c->lc->stats.tcp_delack_timeout++;
			c->flags |= HS_TCPF_ACKNOW;
			hs_tcp_output(c);
		}
		break;
	}
}

/* Keep-alive (RFC 9293 §3.8.4, RFC 1122 4.2.3.6): after keepalive_ms
 * without a segment from the peer, probe every keepalive_intvl_ms; after
 * keepalive_probes unanswered probes, reset.  The timer is lazy: input
 * only records last_rx_ms, the timer re-arms for the remaining time. */
static void
hs_tcp_keep_timeout(struct hs_tcp_conn *c)
{
	struct hs_lcore *lc = c->lc;
	uint32_t idle = hs_tcp_ms(lc) - c->last_rx_ms;

	if (hs_tcp_params.keepalive_ms == 0 ||
	    (c->state != HS_TCP_ESTABLISHED && c->state != HS_TCP_CLOSE_WAIT))
		return;
	if (c->keep_probes == 0 && idle < hs_tcp_params.keepalive_ms) {
		hs_tcp_timer_arm(
			c, &c->t_keep,
			hs_ms_to_us(hs_tcp_params.keepalive_ms - idle));
		return;
	}
	if (c->keep_probes >= hs_tcp_params.keepalive_probes) {
		lc->stats.tcp_conn_timeout++;
		hs_tcp_send_rst(c);
		hs_tcp_conn_drop(c, -ETIMEDOUT);
		return;
	}
	c->keep_probes++;
	hs_tcp_send_keepalive(c);
	hs_tcp_timer_arm(c, &c->t_keep,
			 hs_ms_to_us(hs_tcp_params.keepalive_intvl_ms));
}

/* The app's own timer (hs_tcp_set_timeout): call ops->timeout, then
 * send what it queued. */
static void
hs_tcp_app_timeout(struct hs_tcp_conn *c)
{
	if (!(c->flags & HS_TCPF_APP) || c->ops->timeout == NULL)
		return;
	c->ops->timeout(c);
	if (!(c->flags & HS_TCPF_DEAD))
		hs_tcp_output(c);
}

static void
hs_tcp_timer_fire(struct hs_lcore *lc, struct hs_timer *t)
{
	struct hs_tcp_lcore *tl = &lc->tcp;
	size_t idx = ((uintptr_t)t - (uintptr_t)tl->conns) /
		     sizeof(struct hs_tcp_conn);
	struct hs_tcp_conn *c = &tl->conns[idx];

	c->busy++;
	if (t == &c->t_rexmt)
		hs_tcp_rexmt_timeout(c);
	else if (t == &c->t_app)
		hs_tcp_app_timeout(c);
	else if (t == &c->t_keep)
		hs_tcp_keep_timeout(c);
	else if (t == &c->t_pace)
		hs_tcp_output(c); /* the paced data's turn */
	else
		hs_tcp_misc_timeout(c);
	hs_tcp_conn_put(c);
}

/* Expire the timers of level-0 slot 'slot' due by tick 'due'.  The slot
 * is detached first so handlers may arm/cancel any timer, this one
 * included. */
static void
hs_tw_run_slot(struct hs_lcore *lc, uint32_t slot, uint64_t due)
{
	struct hs_timer_wheel *w = &lc->tcp.wheel;
	struct hs_timer *local = w->slot[0][slot];
	struct hs_timer *t;

	if (local == NULL)
		return;
	w->slot[0][slot] = NULL;
	local->pprev = &local;
	while ((t = local) != NULL) {
		hs_tw_unlink(t);
		w->visited++;
		if (t->expire_tick > due) {
			/* Only after a clock jump (hs_tcp_timer_run). */
			hs_tw_link(&w->slot[0][slot], t);
			continue;
		}
		w->nb_armed--;
		hs_tcp_timer_fire(lc, t);
	}
}

/* Move the timers of a level >= 1 slot down to where they now belong. */
static void
hs_tw_cascade(struct hs_timer_wheel *w, uint32_t lvl, uint32_t slot)
{
	struct hs_timer *local = w->slot[lvl][slot];
	struct hs_timer *t;

	if (local == NULL)
		return;
	w->slot[lvl][slot] = NULL;
	local->pprev = &local;
	while ((t = local) != NULL) {
		hs_tw_unlink(t);
		w->visited++;
		w->nb_armed--;
		hs_tw_arm(w, t, t->expire_tick);
	}
}

/* Set cur_tick to 'now' and re-place every armed timer: overdue ones go
 * to slot 'now' of level 0.  O(timers), only after the clock jumped by
 * more than a level-0 revolution. */
static void
hs_tw_rebase(struct hs_timer_wheel *w, uint64_t now)
{
	struct hs_timer *all = NULL, *t;

	for (uint32_t lvl = 0; lvl < HS_TW_LEVELS; lvl++)
		for (uint32_t s = 0; s < HS_TW_SLOTS; s++) {
			while ((t = w->slot[lvl][s]) != NULL) {
				hs_tw_unlink(t);
				w->visited++;
				t->next = all; /* singly linked, pprev NULL */
				all = t;
			}
		}
	w->nb_armed = 0;
	w->cur_tick = now;
	while ((t = all) != NULL) {
		all = t->next;
		t->next = NULL;
		hs_tw_arm(w, t, t->expire_tick);
	}
}

/* Process tick 'tick' (== w->cur_tick - 1 after the increment): cascade
 * the levels whose period starts here, highest first, then expire. */
static void
hs_tw_tick(struct hs_lcore *lc, uint64_t tick)
{
	struct hs_timer_wheel *w = &lc->tcp.wheel;

	if ((tick & (HS_TW_SLOTS - 1)) == 0) {
		for (uint32_t lvl = HS_TW_LEVELS - 1; lvl >= 1; lvl--) {
			uint32_t sh = HS_TW_BITS * lvl;

			if ((tick & ((1ull << sh) - 1)) == 0)
				hs_tw_cascade(w, lvl,
					      (tick >> sh) & (HS_TW_SLOTS - 1));
		}
	}
	hs_tw_run_slot(lc, tick & (HS_TW_SLOTS - 1), tick);
}

void
hs_tcp_timer_run(struct hs_lcore *lc)
{
	struct hs_timer_wheel *w = &lc->tcp.wheel;
	uint64_t now = lc->now_us / HS_TW_TICK_US;

	hs_tcp_mem_tick(lc);
	while (w->cur_tick <= now) {
		if (w->nb_armed == 0) {
			w->cur_tick = now + 1;
			return;
		}
		if (now - w->cur_tick >= HS_TW_SLOTS) {
			/* Far behind (a stalled loop): re-place every timer
			 * relative to 'now' so due ones land in this tick's
			 * slot, then process that tick once. */
			hs_tw_rebase(w, now);
			continue;
		}
		hs_tw_tick(lc, w->cur_tick++);
	}
}
