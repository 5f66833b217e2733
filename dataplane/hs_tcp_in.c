/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp_in.c - segment arrival (RFC 9293 §3.10.7), server side.
 *
 * hs_tcp_input: validate (length, data offset, checksum, flags, options),
 * look the conn up, then either the LISTEN path (SYN -> SYN_RCVD), the
 * no-connection reset, the header-prediction fast path, or the full
 * processing of §3.10.7.4 in RFC order: sequence check, RST (RFC 5961
 * §3.2), SYN (RFC 5961 §4), ACK, text, FIN.  App callbacks run at the end
 * (readable, writable), each followed by a check that the app did not
 * abort the conn, then output sends owed ACKs and data queued by the app.
 */
#include <string.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "hs_cksum.h"
#include "hs_net.h"
#include "hs_tcp_var.h"

int
hs_tcp_parse_opts(const uint8_t *p, uint32_t len, struct hs_tcp_opts *o)
{
	uint32_t i = 0;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t kind = p[i], olen;

		if (kind == HS_TCPOPT_EOL)
			break;
		if (kind == HS_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL; /* no room for the length */
		olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			return -EINVAL;
		switch (kind) {
		case HS_TCPOPT_MSS:
			if (olen != 4)
				return -EINVAL;
			o->has_mss = 1;
			o->mss = (uint16_t)(p[i + 2] << 8 | p[i + 3]);
			break;
		case HS_TCPOPT_WSCALE:
			if (olen != 3)
				return -EINVAL;
			o->has_wscale = 1;
			o->wscale = HS_MIN(p[i + 2], 14); /* RFC 7323 §2.3 */
			break;
		case HS_TCPOPT_SACK_OK:
			if (olen != 2)
				return -EINVAL;
			o->sack_ok = 1;
			break;
		case HS_TCPOPT_TS:
			if (olen != 10)
				return -EINVAL;
			o->has_ts = 1;
			o->tsval = (uint32_t)p[i + 2] << 24 |
				   (uint32_t)p[i + 3] << 16 |
				   (uint32_t)p[i + 4] << 8 | p[i + 5];
			o->tsecr = (uint32_t)p[i + 6] << 24 |
				   (uint32_t)p[i + 7] << 16 |
				   (uint32_t)p[i + 8] << 8 | p[i + 9];
			break;
		case HS_TCPOPT_SACK:
			/* RFC 2018 §3: 2 + 8n bytes, n <= 4. */
			if ((olen - 2) % 8 != 0 || olen > 34)
				return -EINVAL;
			o->nsack = (uint8_t)((olen - 2) / 8);
			for (uint32_t b = 0; b < o->nsack; b++) {
				const uint8_t *q = p + i + 2 + 8 * b;

				o->sack[b][0] = (uint32_t)q[0] << 24 |
						(uint32_t)q[1] << 16 |
						(uint32_t)q[2] << 8 | q[3];
				o->sack[b][1] = (uint32_t)q[4] << 24 |
						(uint32_t)q[5] << 16 |
						(uint32_t)q[6] << 8 | q[7];
			}
			break;
		default:
			break; /* unknown: skipped by length */
		}
		i += olen;
	}
	return 0;
}

/* Addresses of the arriving segment, network order. */
struct hs_tcp_addr {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
};

/* RFC 9293 §3.10.7.1: reset for a segment that has no connection.  Never
 * answer a RST. */
static void
hs_tcp_reset_noconn(struct hs_lcore *lc, const struct hs_tcp_addr *a,
		    const struct hs_tcp_seg *s)
{
	if (s->flags & HS_TH_RST)
		return;
	if (s->flags & HS_TH_ACK)
		hs_tcp_respond(lc, a->daddr, a->saddr, a->dport, a->sport,
			       s->ack, 0, HS_TH_RST);
	else
		hs_tcp_respond(lc, a->daddr, a->saddr, a->dport, a->sport, 0,
			       s->seq + s->len, HS_TH_RST | HS_TH_ACK);
}

static void hs_tcp_conn_input(struct hs_tcp_conn *c, struct hs_tcp_seg *s,
			      struct rte_mbuf *m);

/* Options of the peer's SYN decide what the connection uses: each of
 * window scale, timestamps and SACK only if the SYN offered it. */
static void
hs_tcp_negotiate(struct hs_tcp_conn *c, const struct hs_tcp_opts *o)
{
	if (o->has_wscale) {
		/* RFC 7323 §2.2: both sides scale only if both sent it. */
		c->flags |= HS_TCPF_WSCALE_OK;
		c->snd_wscale = o->wscale;
		c->rcv_wscale = hs_tcp_rcv_wscale();
	}
	if (o->has_ts) {
		/* RFC 7323 §3.2: TS.Recent from the SYN; every later segment
		 * carries 12 bytes of options, taken from the MSS. */
		c->flags |= HS_TCPF_TS;
		c->ts_recent = o->tsval;
		c->ts_recent_ms = hs_tcp_ms(c->lc);
		c->ts_offset = hs_tcp_ts_offset(c->lc, c->faddr, c->laddr,
						c->fport, c->lport);
		if (c->mss > HS_TCP_MIN_MSS + HS_TCP_TSOPT_LEN)
			c->mss -= HS_TCP_TSOPT_LEN;
	}
	if (o->sack_ok)
		c->flags |= HS_TCPF_SACK;
}

/* RFC 7323 §5.3 (PAWS, R1; TS.Recent is updated later, hs_tcp_ts_update).
 * Runs before the sequence check.  Returns false if the segment must be dropped (an
 * ACK is then owed unless it was a RST). */
static bool
hs_tcp_ts_check(struct hs_tcp_conn *c, const struct hs_tcp_seg *s)
{
	struct hs_lcore *lc = c->lc;

	if (!(c->flags & HS_TCPF_TS))
		return true;
	if (!s->opt.has_ts) {
		/* RFC 7323 §3.2: non-RST segments without TSopt are
		 * dropped once timestamps are in use. */
		if (s->flags & HS_TH_RST)
			return true;
		lc->stats.drop_tcp_nots++;
		return false;
	}
	if (!(s->flags & HS_TH_RST) && HS_SEQ_LT(s->opt.tsval, c->ts_recent)) {
		if (hs_tcp_ms(lc) - c->ts_recent_ms > HS_TCP_PAWS_IDLE_MS) {
			/* §5.5: TS.Recent is stale, not a reason to drop. */
			c->ts_recent = s->opt.tsval;
			c->ts_recent_ms = hs_tcp_ms(lc);
			return true;
		}
		lc->stats.drop_tcp_paws++;
		c->flags |= HS_TCPF_ACKNOW;
		return false;
	}
	return true;
}

/* RFC 7323 §4.3 (R3): record the segment's TSval as TS.Recent.  Called
 * only once the segment is acceptable, its ACK included (as Linux does,
 * after tcp_ack): a blind segment at RCV.NXT with a bogus ACK must not
 * move TS.Recent far ahead, or every real segment after it would fail
 * PAWS and the connection would stall. */
static inline void
hs_tcp_ts_update(struct hs_tcp_conn *c, const struct hs_tcp_seg *s)
{
	if ((c->flags & HS_TCPF_TS) && s->opt.has_ts &&
	    HS_SEQ_GEQ(s->opt.tsval, c->ts_recent) &&
	    HS_SEQ_LEQ(s->seq, c->last_ack_sent)) {
		c->ts_recent = s->opt.tsval;
		c->ts_recent_ms = hs_tcp_ms(c->lc);
	}
}

/* ---- SYN cookies (RFC 4987 §3.6; encoding in hs_tcp_cookie.c) ---- */

/* Answer a SYN statelessly (backlog full or cookies forced). */
static void
hs_tcp_cookie_synack(struct hs_lcore *lc, const struct hs_tcp_addr *a,
		     const struct hs_tcp_seg *s)
{
	uint32_t tsval = 0;
	uint32_t iss = hs_tcp_cookie_make(lc, a->saddr, a->daddr, a->sport,
					  a->dport, s, &tsval);

	lc->stats.tcp_syncookie_sent++;
	lc->tcp.cookie_last_ms = hs_tcp_ms(lc);
	lc->tcp.cookies_used = true;
	hs_tcp_send_cookie_synack(lc, a->daddr, a->saddr, a->dport, a->sport,
				  iss, s->seq + 1, s->opt.sack_ok,
				  s->opt.has_ts, tsval, s->opt.tsval,
				  s->opt.has_wscale ? hs_tcp_rcv_wscale() : -1);
}

/* Rebuild the SYN_RCVD state a valid cookie stands for; the ACK then goes
 * through the normal SYN_RCVD processing.  NULL at the conn limit. */
static struct hs_tcp_conn *
hs_cookie_conn(struct hs_lcore *lc, int li, const struct hs_tcp_addr *a,
	       const struct hs_tcp_seg *s, const struct hs_tcp_cookie *ck)
{
	struct hs_tcp_conn *c;

	c = hs_tcp_conn_new(lc, a->saddr, a->daddr, a->sport, a->dport, li);
	if (c == NULL)
		return NULL; /* counted */
	c->mss = HS_MIN(ck->mss, hs_tcp_our_mss(lc));
	if (ck->wscale >= 0) {
		c->flags |= HS_TCPF_WSCALE_OK;
		c->snd_wscale = (uint8_t)ck->wscale;
		c->rcv_wscale = hs_tcp_rcv_wscale();
	}
	if (ck->sack)
		c->flags |= HS_TCPF_SACK;
	if (ck->ts) {
		c->flags |= HS_TCPF_TS;
		c->ts_offset = hs_tcp_ts_offset(lc, a->saddr, a->daddr,
						a->sport, a->dport);
		c->ts_recent = s->opt.tsval;
		c->ts_recent_ms = hs_tcp_ms(lc);
		c->mss -= HS_TCP_TSOPT_LEN;
	}
	c->irs = s->seq - 1;
	c->rcv_nxt = s->seq;
	c->rcv_adv = c->rcv_nxt + HS_MIN(c->rcvbuf, HS_TCP_MAX_WIN);
	c->last_ack_sent = c->rcv_nxt;
	c->iss = s->ack - 1;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->snd_wl1 = c->irs;
	c->snd_wl2 = c->iss;
	hs_tcp_cc_start(c); /* RFC 6928 */
	lc->stats.tcp_syncookie_ok++;
	return c;
}

/* LISTEN state (RFC 9293 §3.10.7.2).  Consumes m. */
static void
hs_tcp_listen_input(struct hs_lcore *lc, int li, const struct hs_tcp_addr *a,
		    struct hs_tcp_seg *s, struct rte_mbuf *m)
{
	struct hs_tcp_conn *c;
	uint16_t our_mss = hs_tcp_our_mss(lc);
	uint16_t mss;
	struct hs_tcp_cookie ck;
	int rc;

	if (s->flags & HS_TH_RST) { /* first: ignore RST */
		rte_pktmbuf_free(m);
		lc->stats.drop_tcp_rst++;
		return;
	}
	if (s->flags & HS_TH_ACK) { /* second: ACK -> RST */
		/* A cookie ACK is checked in full (timestamp included)
		 * before a conn exists: one made for a segment the
		 * SYN_RCVD checks drop would have no timer and never be
		 * freed. */
		rc = hs_tcp_cookie_check(lc, a->saddr, a->daddr, a->sport,
					 a->dport, s, &ck);
		if (rc == HS_COOKIE_DROP) {
			rte_pktmbuf_free(m); /* counted */
			return;
		}
		if (rc == HS_COOKIE_OK &&
		    (c = hs_cookie_conn(lc, li, a, s, &ck)) != NULL) {
			c->busy++;
			hs_tcp_conn_input(c, s, m);
			/* The cookie ACK is the conn's only reason to exist:
			 * if a later check refused it, free the conn now
			 * (it has no SYN-ACK to retransmit). */
			if (!(c->flags & HS_TCPF_DEAD) &&
			    c->state == HS_TCP_SYN_RCVD) {
				lc->stats.drop_tcp_syncookie_bad++;
				hs_tcp_conn_drop(c, 0);
			}
			hs_tcp_conn_put(c);
			return;
		}
		rte_pktmbuf_free(m);
		if (rc == HS_COOKIE_OK)
			return; /* conn limit, counted */
		lc->stats.drop_tcp_noport++;
		hs_tcp_reset_noconn(lc, a, s);
		return;
	}
	rte_pktmbuf_free(m);
	if (!(s->flags & HS_TH_SYN)) { /* fourth: drop */
		lc->stats.drop_tcp_badflags++;
		return;
	}
	/* third: SYN.  Text and FIN in a SYN are ignored (not acked) for
	 * now: the peer retransmits them after the handshake.  SYN backlog
	 * full (or the table): answer with a cookie, keep no state. */
	if (hs_tcp_params.syncookies == 2 ||
	    (hs_tcp_params.syncookies == 1 &&
	     (lc->tcp.nb_synrcvd >= hs_tcp_params.syn_backlog ||
	      !hs_tcp_slot_available(lc)))) {
		hs_tcp_cookie_synack(lc, a, s);
		return;
	}
	if (hs_tcp_params.syncookies == 0 &&
	    lc->tcp.nb_synrcvd >= hs_tcp_params.syn_backlog) {
		/* Backlog full and no cookies: drop the SYN (RFC 4987 §3.1). */
		lc->stats.drop_tcp_synrcvd_limit++;
		return;
	}
	c = hs_tcp_conn_new(lc, a->saddr, a->daddr, a->sport, a->dport, li);
	if (c == NULL)
		return; /* counted */
	mss = s->opt.has_mss ? s->opt.mss : HS_TCP_DEFAULT_MSS;
	mss = HS_MIN(mss, our_mss);
	c->mss = HS_MAX(mss, HS_TCP_MIN_MSS);
	hs_tcp_negotiate(c, &s->opt);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->iss = hs_tcp_isn(lc, a->saddr, a->daddr, a->sport, a->dport);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->snd_wnd = s->wnd; /* never scaled in a SYN */
	c->max_sndwnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = c->iss;
	hs_tcp_cc_start(c); /* RFC 6928 */
	c->snd_nxt = c->snd_max = c->iss + 1;
	hs_tcp_send_synack(c);
	hs_tcp_timer_arm(c, &c->t_rexmt, hs_tcp_rto_cur(c));
}

/* RFC 9293 §3.10.7.4 first check. */
static bool
hs_tcp_seq_acceptable(const struct hs_tcp_conn *c, const struct hs_tcp_seg *s)
{
	uint32_t wnd = hs_tcp_rcv_space(c);
	uint32_t nxt = c->rcv_nxt;

	if (s->len == 0) {
		if (wnd == 0)
			return s->seq == nxt;
		return HS_SEQ_LEQ(nxt, s->seq) && HS_SEQ_LT(s->seq, nxt + wnd);
	}
	if (wnd == 0)
		return false;
	return (HS_SEQ_LEQ(nxt, s->seq) && HS_SEQ_LT(s->seq, nxt + wnd)) ||
	       (HS_SEQ_LEQ(nxt, s->seq + s->len - 1) &&
		HS_SEQ_LT(s->seq + s->len - 1, nxt + wnd));
}

/* RFC 6298 §2: one RTT sample in microseconds. */
static void
hs_tcp_rtt_sample(struct hs_tcp_conn *c, uint32_t r)
{
	uint32_t rto;

	if (r == 0)
		r = 1;
	c->rtt_last_us = r;
	if (c->rtt_min_us == 0 || r < c->rtt_min_us)
		c->rtt_min_us = r; /* RACK's min_RTT (RFC 8985 §6.2) */
	if (c->srtt_us == 0) {
		c->srtt_us = r;
		c->rttvar_us = r / 2;
	} else {
		uint32_t d = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;

		c->rttvar_us = (3 * c->rttvar_us + d) / 4;
		c->srtt_us = (7 * c->srtt_us + r) / 8;
	}
	rto = c->srtt_us + HS_MAX(HS_TW_TICK_US, 4 * c->rttvar_us);
	rto = HS_MAX(rto, hs_ms_to_us(hs_tcp_params.rto_min_ms));
	c->rto_us = HS_MIN(rto, hs_ms_to_us(hs_tcp_params.rto_max_ms));
}

/* Loss detection on newly SACKed data beyond RFC 6675's DupThresh rule,
 * simplified from RFC 8985 (no per-segment send times are kept):
 *  - §7.4: the tail loss probe was SACKed: what lies unSACKed below it
 *    was sent at least a PTO before the probe and is lost (lost_mark;
 *    hs_tcp_ack_dup() then starts recovery);
 *  - §6.2: in recovery, SACKs still arrive more than SRTT + reo_wnd
 *    (SRTT/4) after a retransmission not yet acked (by SND.UNA or this
 *    segment's ACK, ack) was sent, so data sent after it got through
 *    while it did not: it is lost, NextSeg resends it
 *    (hs_tcp_rxt_lost(): only those that old, not the later ones
 *    whose ACKs may still be on their way). */
static void
hs_tcp_sack_loss_detect(struct hs_tcp_conn *c, uint32_t ack)
{
	if ((c->flags2 & HS_TCPF2_TLP) && !(c->flags & HS_TCPF_RECOVERY) &&
	    c->sb_n && HS_SEQ_GT(c->sb[c->sb_n - 1][1], c->tlp_seq) &&
	    HS_SEQ_LT(c->snd_una, c->tlp_seq)) {
		c->lost_mark = c->tlp_seq;
		c->flags2 |= HS_TCPF2_LOST;
	}
	if (hs_tcp_sack_recovery(c) && c->rxt_n &&
	    hs_tcp_rxt_lost(c, HS_SEQ_GT(ack, c->snd_una) ? ack : c->snd_una))
		c->lc->stats.tcp_rexmt_lost++;
}

/* An RTT sample for congestion control from the timestamp the ACK
 * echoes (RFC 7323 §4.1: every ACK carries one; 1 ms ticks), 0 if none
 * or implausible.  Not fed to the RTO estimator (hs_tcp_rtt_sample). */
static uint32_t
hs_tcp_ack_rtt_ts(const struct hs_tcp_conn *c, const struct hs_tcp_seg *s)
{
	uint32_t d;

	if (!(c->flags & HS_TCPF_TS) || !s->opt.has_ts || s->opt.tsecr == 0)
		return 0;
	d = hs_tcp_tsval(c) - s->opt.tsecr;
	if (d > hs_tcp_params.rto_max_ms) /* from the future, or stale */
		return 0;
	return HS_MAX(d * 1000u, 1u);
}

/* SND.UNA < ack <= SND.MAX: new data acknowledged.  rtt_us: the ACK's
 * timestamp RTT sample (0 = none), for congestion control. */
static void
hs_tcp_ack_new(struct hs_tcp_conn *c, uint32_t ack, uint32_t rtt_us)
{
	uint32_t acked = ack - c->snd_una;

	if (c->rtt_start_us && HS_SEQ_GT(ack, c->rtt_seq)) {
		/* the timed segment's sample is finer than the echo's */
		rtt_us = (uint32_t)(c->lc->now_us + 1 - c->rtt_start_us);
		hs_tcp_rtt_sample(c, rtt_us);
		c->rtt_start_us = 0;
	}
	c->lc->tcp.sndq_mbufs -= c->sndq.count;
	hs_mq_drop(&c->sndq, HS_MIN(acked, c->sndq.bytes));
	c->lc->tcp.sndq_mbufs += c->sndq.count;
	hs_tcp_mem_progress(c, acked);
	c->snd_una = ack;
	if (HS_SEQ_LT(c->snd_nxt, ack))
		c->snd_nxt = ack;
	c->rexmt_shift = 0;
	if (c->sb_n)
		hs_tcp_sack_trim(c);

	if (c->flags & HS_TCPF_RECOVERY) {
		if (HS_SEQ_GEQ(ack, c->recover)) {
			/* RFC 6582 §3.2 step 3 (and RFC 6675 §5: the
			 * cumulative ACK reached RecoveryPoint): full ACK,
			 * leave recovery. */
			/* RFC 6937 §3 / Linux tcp_end_cwnd_reduction():
			 * the reduction ends at ssthresh, whatever PRR let
			 * the flight shrink to. */
			c->cwnd = c->ssthresh;
			c->flags &= ~HS_TCPF_RECOVERY;
			c->flags2 &= ~(HS_TCPF2_RESCUE | HS_TCPF2_LOST);
			hs_tcp_rack_recovery_done(c);
			hs_tcp_rxt_reset(c);
		} else if (!(c->flags & HS_TCPF_SACK)) {
			/* RFC 6582 §3.2 step 5, partial ACK: retransmit the
			 * next hole; cwnd is PRR's (hs_tcp_prr_ack()). */
			hs_tcp_rexmit_one(c);
		}
		/* RFC 6675 partial ACK: output runs NextSeg against pipe. */
		hs_tcp_rxt_acked(c);
	} else {
		hs_tcp_cc_ack(c, acked, rtt_us);
	}
	c->cwnd = HS_MIN(c->cwnd, HS_TCP_MAX_CWND);
	if (unlikely(c->cwnd > c->sndbuf_grow))
		hs_tcp_sndbuf_expand(c); /* hs_tcp_mem.c */
	c->dupacks = 0;
	/* RFC 8985 §7.3: the probe's episode ends when TLP.end_seq is
	 * cumulatively acknowledged. */
	if ((c->flags2 & HS_TCPF2_TLP) && HS_SEQ_GEQ(ack, c->tlp_end)) {
		/* §7.4: a retransmitted probe that ends the episode without
		 * a recovery repaired a loss by itself (we do not process
		 * D-SACKs, which could show the original arrived too): the
		 * congestion response is still owed. */
		if ((c->flags2 & HS_TCPF2_TLP_RXT) &&
		    !(c->flags & HS_TCPF_RECOVERY)) {
			c->lc->stats.tcp_tlp_loss++;
			c->cc->on_loss(c, false);
			c->cwnd = c->ssthresh;
		}
		c->flags2 &= ~(HS_TCPF2_TLP | HS_TCPF2_TLP_RXT);
	}

	if ((c->flags & HS_TCPF_PERSIST) && c->sndq.bytes == 0) {
		c->flags &= ~HS_TCPF_PERSIST;
		hs_tcp_timer_cancel(c, &c->t_rexmt);
	}
	if (c->snd_una == c->snd_max) {
		if (!(c->flags & HS_TCPF_PERSIST))
			hs_tcp_timer_cancel(c, &c->t_rexmt);
	} else if (!(c->flags & HS_TCPF_PERSIST)) {
		hs_tcp_rexmt_arm(c, true); /* RFC 6298 5.3, RFC 8985 §7.2 */
	}
	if ((c->flags & (HS_TCPF_APP | HS_TCPF_SHUT_WR)) == HS_TCPF_APP &&
	    c->sndq.bytes < c->sndbuf &&
	    c->sndq.count < hs_tcp_buf_mbufs(c->sndbuf))
		c->flags |= HS_TCPF_TXSPACE;
}

/* Duplicate ACK (RFC 5681 §2, or RFC 6675 §2: one that SACKs new data).
 * Recovery starts on the third, or with SACK as soon as the scoreboard
 * says the first hole is lost (RFC 6675 §5, IsLost(HighACK + 1)). */
static void
hs_tcp_ack_dup(struct hs_tcp_conn *c)
{
	if (c->dupacks < UINT8_MAX)
		c->dupacks++;
	if (c->flags & HS_TCPF_RECOVERY) {
		/* RFC 6582 §3.2 step 4's inflation is PRR's now
		 * (RFC 6937 §3, hs_tcp_prr_ack()). */
		return;
	}
	/* With SACK, once reordering was seen, RACK alone decides (RFC
	 * 8985 §6.2: DupThresh only while none was). */
	if ((c->dupacks >= 3 && !(c->rack_flags & HS_RACK_REORD)) ||
	    ((c->flags & HS_TCPF_SACK) &&
	     HS_SEQ_GT(hs_tcp_sack_lost_end(c), c->snd_una)))
		hs_tcp_enter_recovery(c);
}

/* RFC 9293 §3.10.7.4 window update with SND.WL1/SND.WL2. */
static void
hs_tcp_update_window(struct hs_tcp_conn *c, const struct hs_tcp_seg *s)
{
	uint32_t wnd = s->wnd << c->snd_wscale;

	if (!(HS_SEQ_LT(c->snd_wl1, s->seq) ||
	      (c->snd_wl1 == s->seq && HS_SEQ_LEQ(c->snd_wl2, s->ack))))
		return;
	c->snd_wnd = wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (wnd > c->max_sndwnd)
		c->max_sndwnd = wnd;
	if (wnd > 0 && (c->flags & HS_TCPF_PERSIST)) {
		/* Window reopened: leave persist, resend from SND.UNA. */
		c->flags &= ~HS_TCPF_PERSIST;
		hs_tcp_timer_cancel(c, &c->t_rexmt);
		c->rexmt_shift = 0;
		c->snd_nxt = c->snd_una;
	}
}

static void
hs_tcp_enter_time_wait(struct hs_tcp_conn *c)
{
	if (c->state != HS_TCP_TIME_WAIT) {
		c->lc->stats.tcp_conn_timewait++; /* gauge, see detach */
		hs_tcp_tw_enqueue(c);             /* recycled when full */
	}
	c->state = HS_TCP_TIME_WAIT;
	c->flags &= ~(HS_TCPF_DELACK | HS_TCPF_PERSIST);
	hs_tcp_timer_cancel(c, &c->t_rexmt);
	hs_tcp_timer_cancel(c, &c->t_app); /* the app is done */
	hs_tcp_timer_arm(c, &c->t_misc, hs_tcp_time_wait_us());
	c->lc->tcp.sndq_mbufs -= c->sndq.count;
	hs_mq_free(&c->sndq);
	hs_tcp_memwait_del(c);
	hs_tcp_txwait_del(c);
	hs_tcp_src_release(c); /* no longer a client's slot */
	/* The app is done with it: closed(c, 0) now (see hs_tcp_conn.c). */
	if ((c->flags & HS_TCPF_APP) && c->ops->closed) {
		c->flags &= ~HS_TCPF_APP;
		c->ops->closed(c, 0);
	}
}

static bool
hs_tcp_fin_acked(const struct hs_tcp_conn *c)
{
	return (c->flags & HS_TCPF_SENTFIN) && c->snd_una == c->snd_max;
}

/* Bytes the scoreboard holds SACKed. */
static uint32_t
hs_tcp_sack_bytes(const struct hs_tcp_conn *c)
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < c->sb_n; k++)
		n += c->sb[k][1] - c->sb[k][0];
	return n;
}

/* RFC 6937 §3 Proportional Rate Reduction, on every ACK of a fast
 * recovery (Linux tcp_cwnd_reduction()): while pipe > ssthresh, send
 * in proportion to what was delivered, ssthresh / RecoverFS of it;
 * below, PRR-SSRB (slow start reduction bound) lets pipe grow back to
 * ssthresh by at most what was delivered, plus one SMSS when the ACK
 * advanced SND.UNA.  cwnd = pipe + sndcnt, so hs_tcp_output()'s
 * "cwnd - pipe >= SMSS" test sends exactly sndcnt.  delivered:
 * DeliveredData (newly cumulatively acked + newly SACKed bytes, or
 * without SACK the per-dupack estimate); una_adv: SND.UNA moved. */
static void
hs_tcp_prr_ack(struct hs_tcp_conn *c, uint32_t delivered, bool una_adv)
{
	uint32_t flight = c->snd_max - c->snd_una, pipe, sndcnt;

	if (delivered == 0)
		return;
	if (c->flags & HS_TCPF_SACK)
		pipe = hs_tcp_sack_pipe(c);
	else
		pipe = flight - HS_MIN(c->prr_dup, flight);
	c->prr_delivered += delivered;
	if (pipe > c->ssthresh) {
		/* sndcnt = CEIL(prr_delivered * ssthresh / RecoverFS)
		 *          - prr_out */
		uint64_t d = ((uint64_t)c->prr_delivered * c->ssthresh +
			      c->prr_recover_fs - 1) /
			     c->prr_recover_fs;

		sndcnt = d > c->prr_out ? (uint32_t)(d - c->prr_out) : 0;
	} else {
		/* PRR-SSRB: MIN(ssthresh - pipe, MAX(prr_delivered -
		 * prr_out, DeliveredData) + MSS), the MSS only on an ACK
		 * that advanced SND.UNA (as Linux: a "safe" ACK). */
		sndcnt = c->prr_delivered > c->prr_out
				 ? c->prr_delivered - c->prr_out
				 : 0;
		sndcnt = HS_MAX(sndcnt, delivered);
		if (una_adv)
			sndcnt += c->mss;
		sndcnt = HS_MIN(sndcnt, c->ssthresh - pipe);
	}
	c->cwnd = HS_MIN(pipe + sndcnt, HS_TCP_MAX_CWND);
}

/* The ACK field (fifth check).  Returns false if the segment is done. */
static bool
hs_tcp_process_ack(struct hs_tcp_conn *c, const struct hs_tcp_seg *s)
{
	struct hs_lcore *lc = c->lc;
	bool sack_new = false;
	uint32_t una0 = c->snd_una, sacked0 = hs_tcp_sack_bytes(c);
	uint32_t delivered = 0;
	bool dup = false, rack;

	if (HS_SEQ_GT(s->ack, c->snd_max) ||
	    HS_SEQ_LT(s->ack, c->snd_una - c->max_sndwnd)) {
		/* RFC 5961 §5.2: acks data not yet sent or too old: drop,
		 * challenge ACK (rate limited). */
		lc->stats.drop_tcp_badack++;
		hs_tcp_challenge_ack(c);
		return false;
	}
	/* RFC 8985 §6.2 steps 2-4: what this ACK delivers, before the
	 * scoreboard and SND.UNA take it in. */
	if (c->flags & HS_TCPF_SACK)
		hs_tcp_rack_ack(c, s->ack, &s->opt);
	/* RFC 6675 §5: every ACK's SACK blocks update the scoreboard. */
	if ((c->flags & HS_TCPF_SACK) && s->opt.nsack)
		sack_new = hs_tcp_sack_update(c, &s->opt);
	if (sack_new)
		hs_tcp_sack_loss_detect(c, s->ack);
	/* RFC 8985 §6.2 step 5: time-based marking (lost_mark) before
	 * the duplicate ACK test, which starts recovery on it. */
	rack = (c->flags & HS_TCPF_SACK) &&
	       (sack_new || HS_SEQ_GT(s->ack, c->snd_una));
	if (rack)
		(void)hs_tcp_rack_detect(c);
	if (HS_SEQ_GT(s->ack, c->snd_una)) {
		hs_tcp_ack_new(c, s->ack, hs_tcp_ack_rtt_ts(c, s));
	} else if (s->ack == c->snd_una && c->snd_max != c->snd_una &&
		   !(c->flags & HS_TCPF_PERSIST) &&
		   (sack_new ||
		    (s->dlen == 0 && !(s->flags & (HS_TH_SYN | HS_TH_FIN)) &&
		     (s->wnd << c->snd_wscale) == c->snd_wnd))) {
		hs_tcp_ack_dup(c);
		dup = true;
	} else if (s->ack != c->snd_una || s->dlen || s->wnd != c->snd_wnd) {
		c->dupacks = 0;
	}
	/* RFC 8985: recovery on what RACK found lost, also on an ACK that
	 * moved SND.UNA; the reordering timer for what it still waits on. */
	if (rack && c->state >= HS_TCP_ESTABLISHED)
		hs_tcp_rack_run(c, false);
	if (c->flags & HS_TCPF_RECOVERY) {
		/* RFC 6937 §3 DeliveredData: the change in SND.UNA plus
		 * the change in SACKed bytes; without SACK a duplicate ACK
		 * counts one SMSS and a partial ACK what it acks beyond the
		 * segments duplicate ACKs already counted. */
		uint32_t acked = c->snd_una - una0;

		if (c->flags & HS_TCPF_SACK) {
			int64_t d =
				(int64_t)acked + hs_tcp_sack_bytes(c) - sacked0;

			delivered = d > 0 ? (uint32_t)d : 0;
		} else if (dup) {
			uint32_t f = c->snd_max - c->snd_una;

			delivered = HS_MIN((uint32_t)c->mss,
					   f - HS_MIN(c->prr_dup, f));
			c->prr_dup += delivered;
		} else if (acked) {
			uint32_t cov =
				HS_MIN(c->prr_dup,
				       acked > c->mss ? acked - c->mss : 0);

			c->prr_dup -= cov;
			delivered = acked - cov;
		}
		hs_tcp_prr_ack(c, delivered, c->snd_una != una0);
	}
	if (HS_SEQ_LEQ(c->snd_una, s->ack))
		hs_tcp_update_window(c, s);

	switch (c->state) {
	case HS_TCP_FIN_WAIT_1:
		if (hs_tcp_fin_acked(c)) {
			c->state = HS_TCP_FIN_WAIT_2;
			hs_tcp_timer_arm(
				c, &c->t_misc,
				hs_ms_to_us(hs_tcp_params.fin_wait2_ms));
		}
		break;
	case HS_TCP_CLOSING:
		if (hs_tcp_fin_acked(c))
			hs_tcp_enter_time_wait(c);
		break;
	case HS_TCP_LAST_ACK:
		if (hs_tcp_fin_acked(c)) {
			hs_tcp_conn_drop(c, 0);
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/* ---- receive queue and out-of-order reassembly ---------------------- */

/* Append the payload of m (its whole data) to the in-order receive queue.
 * Small payloads are copied into the tail mbuf; the mbuf count is bounded
 * per conn (so that tiny segments cannot drain the pool) and per lcore
 * (rcvq_lcore_max: memory held for applications that do not read).
 * Consumes m on success (returns 0); on -ENOBUFS (conn bound) or -ENOMEM
 * (lcore bound) m is untouched and still the caller's. */
static int
hs_tcp_rcvq_append(struct hs_tcp_conn *c, struct rte_mbuf *m)
{
	struct rte_mbuf *tail = c->rcvq.tail;
	uint32_t len = rte_pktmbuf_data_len(m);

	if (tail != NULL && rte_pktmbuf_tailroom(tail) >= len &&
	    RTE_MBUF_DIRECT(tail) && rte_mbuf_refcnt_read(tail) == 1) {
		memcpy(rte_pktmbuf_append(tail, (uint16_t)len),
		       rte_pktmbuf_mtod(m, void *), len);
		c->rcvq.bytes += len;
		rte_pktmbuf_free(m);
		return 0;
	}
	if (c->rcvq.count + c->ooq.count >= hs_tcp_buf_mbufs(c->rcvbuf) ||
	    m->nb_segs != 1)
		return -ENOBUFS;
	if ((hs_tcp_params.rcvq_lcore_max &&
	     c->lc->tcp.rcvq_mbufs >= hs_tcp_params.rcvq_lcore_max) ||
	    !hs_tcp_mem_rcv_ok(c))
		return -ENOMEM;
	hs_mq_push(&c->rcvq, m);
	c->lc->tcp.rcvq_mbufs++;
	return 0;
}

/* Sequence number of an ooq mbuf's first byte (kept in hash.usr, free
 * for our use once the segment is parsed). */
static inline uint32_t
hs_oo_seq(const struct rte_mbuf *m)
{
	return m->hash.usr;
}
static inline uint32_t
hs_oo_end(const struct rte_mbuf *m)
{
	return m->hash.usr + rte_pktmbuf_data_len(m);
}

/* Unlink 'm' (whose predecessor is prev, NULL for the head) and free it. */
static void
hs_oo_remove(struct hs_tcp_conn *c, struct rte_mbuf *prev, struct rte_mbuf *m)
{
	struct hs_mbuf_q *q = &c->ooq;

	if (prev)
		prev->next = m->next;
	else
		q->head = m->next;
	if (q->tail == m)
		q->tail = prev;
	q->bytes -= rte_pktmbuf_data_len(m);
	q->count--;
	c->lc->tcp.ooq_mbufs--;
	m->next = NULL;
	rte_pktmbuf_free_seg(m);
}

/* Duplicate data [l, r) arrived (RFC 2883 §4): report it in the first
 * SACK block of an ACK sent at once (a D-SACK), as Linux does.  A sender
 * learns from it that a retransmission was not needed - a tail loss
 * probe of data that had arrived (RFC 8985 §7.4), a retransmission the
 * reordering of the path caused - and undoes the window reduction it
 * made (RFC 3708); without it, a probe answered by a plain duplicate
 * ACK counts as a repaired loss and costs the sender its window. */
static void
hs_tcp_dsack_note(struct hs_tcp_conn *c, uint32_t l, uint32_t r)
{
	if (!(c->flags & HS_TCPF_SACK) || l == r)
		return;
	c->dsack_l = l;
	c->dsack_r = r;
	c->flags |= HS_TCPF_ACKNOW;
}

/* The SACK blocks we report after out-of-order data at seq arrived (RFC
 * 2018 §4): first the block holding it, the contiguous run of the ooq
 * around seq, "unless that segment advanced the Acknowledgment Number";
 * then the blocks reported most recently, those it now covers left out
 * (they merged into it).  Like Linux's tcp_sack_new_ofo_skb, and unlike
 * a report in sequence order: however many holes there are, the sender
 * hears of every arrival, and each block is repeated in the next ACKs
 * in case one is lost.  Walks the ooq as the insertion does. */
static void
hs_tcp_rsack_note(struct hs_tcp_conn *c, uint32_t seq)
{
	uint32_t blk[HS_TCP_SACK_BLKS][2], n = 1, l = 0, r = 0, i;
	const struct rte_mbuf *m;
	bool found = false;

	for (m = c->ooq.head; m != NULL; m = m->next) {
		if (m == c->ooq.head || hs_oo_seq(m) != r) {
			if (found)
				break;
			l = hs_oo_seq(m);
		}
		r = hs_oo_end(m);
		if (HS_SEQ_LEQ(hs_oo_seq(m), seq) && HS_SEQ_LT(seq, r))
			found = true;
	}
	if (!found)
		return;
	blk[0][0] = l;
	blk[0][1] = r;
	for (i = 0; i < c->sack_nblk && n < HS_TCP_SACK_BLKS; i++) {
		if (HS_SEQ_LT(c->sack_blk[i][0], r) &&
		    HS_SEQ_GT(c->sack_blk[i][1], l))
			continue;
		blk[n][0] = c->sack_blk[i][0];
		blk[n][1] = c->sack_blk[i][1];
		n++;
	}
	memcpy(c->sack_blk, blk, sizeof(blk[0]) * n);
	c->sack_nblk = (uint8_t)n;
}

/* RCV.NXT advanced: the blocks it reached were drained from the ooq. */
static void
hs_tcp_rsack_trim(struct hs_tcp_conn *c)
{
	uint32_t i, n = 0;

	for (i = 0; i < c->sack_nblk; i++) {
		if (HS_SEQ_LEQ(c->sack_blk[i][0], c->rcv_nxt))
			continue;
		c->sack_blk[n][0] = c->sack_blk[i][0];
		c->sack_blk[n][1] = c->sack_blk[i][1];
		n++;
	}
	c->sack_nblk = (uint8_t)(c->ooq.count ? n : 0);
}

/* Queue an out-of-order segment [seq, seq+len) (RCV.NXT < seq, inside the
 * window) keeping the queue sorted and free of overlaps: bytes already
 * queued win, the new segment is trimmed around them, and queued segments
 * it covers entirely are replaced.  Handles duplicate, front/back partial
 * overlap, contained, containing and adjacent segments.  Consumes m. */
static void
hs_tcp_ooq_insert(struct hs_tcp_conn *c, struct rte_mbuf *m, uint32_t seq)
{
	struct hs_lcore *lc = c->lc;
	struct hs_mbuf_q *q = &c->ooq;
	struct rte_mbuf *prev = NULL, *cur = q->head, *next;
	uint32_t end = seq + rte_pktmbuf_data_len(m);

	/* Skip segments entirely before ours. */
	while (cur != NULL && HS_SEQ_LEQ(hs_oo_end(cur), seq)) {
		prev = cur;
		cur = cur->next;
	}
	/* cur starts at or before us: contained (duplicate) or front overlap. */
	if (cur != NULL && HS_SEQ_LEQ(hs_oo_seq(cur), seq)) {
		if (HS_SEQ_GEQ(hs_oo_end(cur), end)) {
			lc->stats.tcp_ooo_dup++;
			rte_pktmbuf_free(m);
			hs_tcp_rsack_note(c, seq);
			hs_tcp_dsack_note(c, seq, end);
			return;
		}
		hs_tcp_dsack_note(c, seq, hs_oo_end(cur));
		rte_pktmbuf_adj(m, (uint16_t)(hs_oo_end(cur) - seq));
		seq = hs_oo_end(cur);
		prev = cur;
		cur = cur->next;
	}
	/* Segments we cover entirely go; one overlapping our tail trims us. */
	while (cur != NULL && HS_SEQ_LT(hs_oo_seq(cur), end)) {
		next = cur->next;
		if (HS_SEQ_LEQ(hs_oo_end(cur), end)) {
			hs_oo_remove(c, prev, cur);
		} else {
			rte_pktmbuf_trim(m, (uint16_t)(end - hs_oo_seq(cur)));
			end = hs_oo_seq(cur);
			break;
		}
		cur = next;
	}
	/* Memory bounds: per connection (the receive buffer's mbuf budget,
	 * which the window offered never exceeds, hs_tcp_rcv_space; an
	 * optional fixed cap) and per lcore. */
	if ((hs_tcp_params.ooq_max_segs &&
	     q->count >= hs_tcp_params.ooq_max_segs) ||
	    q->count + c->rcvq.count >= hs_tcp_buf_mbufs(c->rcvbuf)) {
		lc->stats.drop_tcp_ooq_conn++;
		rte_pktmbuf_free(m);
		return;
	}
	if (lc->tcp.ooq_mbufs >= hs_tcp_params.ooq_lcore_max ||
	    !hs_tcp_mem_rcv_ok(c)) {
		lc->stats.drop_tcp_ooq_lcore++;
		rte_pktmbuf_free(m);
		return;
	}
	m->hash.usr = seq;
	m->next = cur;
	if (prev)
		prev->next = m;
	else
		q->head = m;
	if (cur == NULL)
		q->tail = m;
	q->bytes += end - seq;
	q->count++;
	lc->tcp.ooq_mbufs++;
	lc->stats.tcp_ooo_queued++;
	hs_tcp_rsack_note(c, seq);
	hs_tcp_rcvbuf_ooo(c, hs_oo_end(q->tail)); /* hs_tcp_mem.c */
}

/* After RCV.NXT advanced: move what became in order from the ooq to the
 * receive queue (trimming what was already received). */
static void
hs_tcp_ooq_drain(struct hs_tcp_conn *c)
{
	struct hs_mbuf_q *q = &c->ooq;
	struct rte_mbuf *m;

	while ((m = q->head) != NULL && HS_SEQ_LEQ(hs_oo_seq(m), c->rcv_nxt)) {
		uint32_t end = hs_oo_end(m);

		if (HS_SEQ_LEQ(end, c->rcv_nxt)) {
			hs_oo_remove(c, NULL, m);
			continue;
		}
		rte_pktmbuf_adj(m, (uint16_t)(c->rcv_nxt - hs_oo_seq(m)));
		q->head = m->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->bytes -= end - hs_oo_seq(m);
		q->count--;
		c->lc->tcp.ooq_mbufs--;
		m->next = NULL;
		if (hs_tcp_rcvq_append(c, m) < 0) {
			/* Receive queue full of mbufs: keep it (RCV.NXT
			 * unchanged, so nothing acked is lost). */
			m->hash.usr = c->rcv_nxt;
			m->next = q->head;
			q->head = m;
			if (q->tail == NULL)
				q->tail = m;
			q->bytes += rte_pktmbuf_data_len(m);
			q->count++;
			c->lc->tcp.ooq_mbufs++;
			break;
		}
		c->rcv_nxt = end;
		c->lc->stats.tcp_ooo_filled++;
	}
	hs_tcp_rsack_trim(c);
}

/* Segment text (seventh check).  s->seq >= RCV.NXT here (front trimmed).
 * Consumes m. */
static void
hs_tcp_process_data(struct hs_tcp_conn *c, struct hs_tcp_seg *s,
		    struct rte_mbuf *m)
{
	struct hs_lcore *lc = c->lc;
	uint32_t wnd, room;
	bool had_ooq;
	int rc;

	if (s->dlen == 0 && (s->flags & HS_TH_FIN) && s->seq != c->rcv_nxt &&
	    !(c->flags & HS_TCPF_FIN_RCVD)) {
		/* FIN beyond a hole: remember it, ACK at once (RFC 5681 §4.2). */
		if (!(c->flags & HS_TCPF_SHUT_WR)) {
			c->flags |= HS_TCPF_OOQ_FIN;
			c->ooq_fin = s->seq;
		} else {
			lc->stats.drop_tcp_ooo++;
		}
		c->flags |= HS_TCPF_ACKNOW;
	}
	if (s->dlen == 0 || (c->flags & HS_TCPF_FIN_RCVD) ||
	    (c->state != HS_TCP_ESTABLISHED && c->state != HS_TCP_FIN_WAIT_1 &&
	     c->state != HS_TCP_FIN_WAIT_2)) {
		/* RFC 9293 §3.10.7.4 seventh: text after the peer's FIN
		 * "should not occur": ignored (counted). */
		if (s->dlen)
			lc->stats.drop_tcp_after_fin++;
		rte_pktmbuf_free(m);
		return;
	}
	/* Trim what lies beyond the window (the FIN goes with it). */
	wnd = hs_tcp_rcv_space(c);
	room = wnd > s->seq - c->rcv_nxt ? wnd - (s->seq - c->rcv_nxt) : 0;
	if (s->dlen > room) {
		lc->stats.drop_tcp_rcvbuf++;
		s->flags &= ~HS_TH_FIN;
		c->flags |= HS_TCPF_ACKNOW;
		if (room == 0) {
			rte_pktmbuf_free(m);
			return;
		}
		rte_pktmbuf_trim(m, (uint16_t)(s->dlen - room));
		s->dlen = room;
	}
	if (s->seq != c->rcv_nxt) {
		/* Out of order: queue it and ACK at once so the peer gets
		 * duplicate ACKs for fast retransmit (RFC 5681 §4.2). */
		c->flags |= HS_TCPF_ACKNOW;
		if (c->flags & HS_TCPF_SHUT_WR) {
			lc->stats.drop_tcp_ooo++;
			rte_pktmbuf_free(m);
			return;
		}
		if (s->flags & HS_TH_FIN) {
			c->flags |= HS_TCPF_OOQ_FIN;
			c->ooq_fin = s->seq + s->dlen;
			s->flags &= ~HS_TH_FIN;
		}
		hs_tcp_ooq_insert(c, m, s->seq);
		return;
	}
	if (c->flags & HS_TCPF_SHUT_WR) {
		/* App closed: acknowledge and discard. */
		c->rcv_nxt += s->dlen;
		c->flags |= HS_TCPF_ACKNOW;
		rte_pktmbuf_free(m);
		return;
	}
	if ((rc = hs_tcp_rcvq_append(c, m)) < 0) {
		/* Not acknowledged: the peer sends it again later. */
		if (rc == -ENOMEM)
			lc->stats.drop_tcp_mem_lcore++;
		else
			lc->stats.drop_tcp_rcvbuf++;
		c->flags |= HS_TCPF_ACKNOW;
		s->flags &= ~HS_TH_FIN;
		rte_pktmbuf_free(m);
		return;
	}
	c->rcv_nxt += s->dlen;
	c->flags |= HS_TCPF_RXDATA;
	had_ooq = c->ooq.count != 0 || (c->flags & HS_TCPF_OOQ_FIN);
	if (had_ooq) {
		hs_tcp_ooq_drain(c);
		/* Filling (part of) a hole is ACKed at once (RFC 5681 §4.2). */
		c->flags |= HS_TCPF_ACKNOW;
		if ((c->flags & HS_TCPF_OOQ_FIN) && c->ooq_fin == c->rcv_nxt &&
		    !(s->flags & HS_TH_FIN)) {
			/* The held FIN is next: process it as this segment's. */
			s->flags |= HS_TH_FIN;
			s->seq = c->rcv_nxt - s->dlen;
		}
	}
	/* RFC 5681 §4.2 / RFC 9293 §3.8.6.3: ACK every second full-sized
	 * segment at once, otherwise within delack_ms; not delayed outside
	 * ESTABLISHED. */
	if (c->state != HS_TCP_ESTABLISHED) {
		c->flags |= HS_TCPF_ACKNOW;
	} else if ((s->frame_dlen != 0 ? s->frame_dlen : s->dlen) >= c->mss) {
		if (c->flags & HS_TCPF_FULLSEG)
			c->flags |= HS_TCPF_ACKNOW;
		else
			c->flags |= HS_TCPF_FULLSEG;
	}
	if (!(c->flags & HS_TCPF_ACKNOW) && !(c->flags & HS_TCPF_DELACK)) {
		c->flags |= HS_TCPF_DELACK;
		hs_tcp_timer_arm(c, &c->t_misc,
				 hs_ms_to_us(hs_tcp_params.delack_ms));
	}
}

/* FIN (eighth check), only once everything before it was received. */
static void
hs_tcp_process_fin(struct hs_tcp_conn *c, const struct hs_tcp_seg *s)
{
	if (!(s->flags & HS_TH_FIN) || s->seq + s->dlen != c->rcv_nxt ||
	    (c->flags & HS_TCPF_FIN_RCVD))
		return;
	c->rcv_nxt++;
	c->flags |= HS_TCPF_FIN_RCVD | HS_TCPF_ACKNOW;
	switch (c->state) {
	case HS_TCP_SYN_RCVD:
	case HS_TCP_ESTABLISHED:
		c->state = HS_TCP_CLOSE_WAIT;
		c->flags |= HS_TCPF_RXDATA;
		break;
	case HS_TCP_FIN_WAIT_1:
		/* Our FIN not yet acked (else we'd be in FIN_WAIT_2). */
		c->state = HS_TCP_CLOSING;
		break;
	case HS_TCP_FIN_WAIT_2:
		hs_tcp_enter_time_wait(c);
		break;
	default:
		break;
	}
}

/* SYN_RCVD + acceptable ACK -> ESTABLISHED, ops->accepted().  Returns false
 * if the conn is gone. */
static bool
hs_tcp_established(struct hs_tcp_conn *c, const struct hs_tcp_seg *s)
{
	struct hs_tcp_listener *l = &c->lc->tcp.listeners[c->listener];
	int rc;

	c->state = HS_TCP_ESTABLISHED;
	c->lc->tcp.nb_synrcvd--;
	hs_tcp_timer_cancel(c, &c->t_rexmt);
	if (c->rtt_start_us)
		hs_tcp_rtt_sample(
			c, (uint32_t)(c->lc->now_us + 1 - c->rtt_start_us));
	c->rtt_start_us = 0;
	c->rexmt_shift = 0;
	c->recover = c->iss; /* RFC 6582 §3.2 step 1 */
	c->cc->init(c);
	c->snd_una = s->ack;
	c->snd_wnd = s->wnd << c->snd_wscale;
	c->max_sndwnd = HS_MAX(c->max_sndwnd, c->snd_wnd);
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->flags |= HS_TCPF_APP;
	c->last_rx_ms = hs_tcp_ms(c->lc);
	if (hs_tcp_params.keepalive_ms)
		hs_tcp_timer_arm(c, &c->t_keep,
				 hs_ms_to_us(hs_tcp_params.keepalive_ms));
	rc = c->ops->accepted(c, l->arg);
	if (c->flags & HS_TCPF_DEAD)
		return false;
	if (rc < 0) {
		hs_tcp_send_rst(c);
		c->flags &= ~HS_TCPF_APP;
		hs_tcp_conn_drop(c, 0);
		return false;
	}
	return true;
}

/* Trim text that was already received (RFC 9293 §3.10.7.4, first check
 * "trimmed to the window").  Consumes nothing. */
static void
hs_tcp_trim_front(struct hs_tcp_conn *c, struct hs_tcp_seg *s,
		  struct rte_mbuf *m)
{
	uint32_t dup = c->rcv_nxt - s->seq;

	if (!HS_SEQ_GT(c->rcv_nxt, s->seq))
		return;
	if (s->flags & HS_TH_SYN) {
		s->flags &= ~HS_TH_SYN;
		s->seq++;
		s->len--;
		dup--;
	}
	dup = HS_MIN(dup, s->dlen);
	hs_tcp_dsack_note(c, s->seq, s->seq + dup);
	rte_pktmbuf_adj(m, (uint16_t)dup);
	s->seq += dup;
	s->dlen -= dup;
	s->len -= dup;
}

/* Run the app callbacks the segment made due (each followed by a check
 * that the app did not abort the conn), then output. */
static void
hs_tcp_notify(struct hs_tcp_conn *c)
{
	if ((c->flags & (HS_TCPF_RXDATA | HS_TCPF_APP | HS_TCPF_SHUT_WR)) ==
	    (HS_TCPF_RXDATA | HS_TCPF_APP)) {
		c->flags &= ~HS_TCPF_RXDATA;
		if (c->ops->readable)
			c->ops->readable(c);
		if (c->flags & HS_TCPF_DEAD)
			return;
	}
	c->flags &= ~HS_TCPF_RXDATA;
	if ((c->flags & (HS_TCPF_TXSPACE | HS_TCPF_APP | HS_TCPF_SHUT_WR)) ==
	    (HS_TCPF_TXSPACE | HS_TCPF_APP)) {
		c->flags &= ~HS_TCPF_TXSPACE;
		if (c->ops->writable)
			c->ops->writable(c);
		if (c->flags & HS_TCPF_DEAD)
			return;
	}
	c->flags &= ~HS_TCPF_TXSPACE;
	hs_tcp_output(c);
}

/* Header prediction (Van Jacobson): ESTABLISHED, only ACK (and PSH), the
 * next expected sequence number, window unchanged, not recovering.
 * Returns true if it handled (and consumed) the segment. */
static bool
hs_tcp_fast_path(struct hs_tcp_conn *c, struct hs_tcp_seg *s,
		 struct rte_mbuf *m)
{
	if (c->state != HS_TCP_ESTABLISHED ||
	    (s->flags & ~HS_TH_PSH) != HS_TH_ACK || s->seq != c->rcv_nxt ||
	    (s->wnd << c->snd_wscale) != c->snd_wnd || s->opt.nsack != 0 ||
	    c->sb_n != 0 || c->snd_nxt != c->snd_max || c->ooq.count != 0 ||
	    (c->flags & (HS_TCPF_RECOVERY | HS_TCPF_PERSIST | HS_TCPF_SHUT_WR |
			 HS_TCPF_OOQ_FIN)))
		return false;
	if (s->dlen == 0) {
		/* Pure ACK for new data. */
		if (!HS_SEQ_GT(s->ack, c->snd_una) ||
		    HS_SEQ_GT(s->ack, c->snd_max))
			return false;
		rte_pktmbuf_free(m);
		c->lc->stats.tcp_hp_ack++;
		hs_tcp_ts_update(c, s);
		if (c->flags & HS_TCPF_SACK)
			hs_tcp_rack_ack(c, s->ack, &s->opt); /* RFC 8985 §6.2 */
		hs_tcp_ack_new(c, s->ack, hs_tcp_ack_rtt_ts(c, s));
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
	} else {
		/* In-order data, nothing new acked, fits the window. */
		if (s->ack != c->snd_una || s->dlen > hs_tcp_rcv_space(c))
			return false;
		c->lc->stats.tcp_hp_data++;
		hs_tcp_ts_update(c, s);
		hs_tcp_process_data(c, s, m);
	}
	hs_tcp_notify(c);
	return true;
}

/* Full processing for a synchronized (or SYN_RCVD) conn.  Consumes m. */
static void
hs_tcp_conn_input(struct hs_tcp_conn *c, struct hs_tcp_seg *s,
		  struct rte_mbuf *m)
{
	struct hs_lcore *lc = c->lc;

	if (c->state == HS_TCP_SYN_SENT) { /* active open: hs_tcp_connect.c */
		hs_tcp_syn_sent_input(c, s, m);
		return;
	}
	if (!hs_tcp_ts_check(c, s)) {
		rte_pktmbuf_free(m);
		if (c->flags & HS_TCPF_ACKNOW)
			hs_tcp_output(c);
		return;
	}
	c->last_rx_ms = hs_tcp_ms(lc); /* keep-alive: peer is alive */
	c->keep_probes = 0;
	if (hs_tcp_fast_path(c, s, m))
		return;

	/* SYN_RCVD: a retransmitted SYN gets the SYN-ACK again. */
	if (c->state == HS_TCP_SYN_RCVD &&
	    (s->flags & (HS_TH_SYN | HS_TH_ACK | HS_TH_RST)) == HS_TH_SYN &&
	    s->seq == c->irs) {
		rte_pktmbuf_free(m);
		hs_tcp_send_synack(c);
		return;
	}

	/* first: sequence number */
	if (!hs_tcp_seq_acceptable(c, s)) {
		rte_pktmbuf_free(m);
		if (s->flags & HS_TH_RST) {
			lc->stats.drop_tcp_rst++;
			return;
		}
		lc->stats.drop_tcp_outwin++;
		/* Data all below RCV.NXT: a duplicate (D-SACK) */
		if (s->dlen != 0) {
			uint32_t d = s->seq + ((s->flags & HS_TH_SYN) ? 1 : 0);

			if (HS_SEQ_LEQ(d + s->dlen, c->rcv_nxt))
				hs_tcp_dsack_note(c, d, d + s->dlen);
		}
		/* RFC 9293 §3.10.7.4: a retransmission of the peer's FIN
		 * (it ends exactly at RCV.NXT) restarts the 2*MSL timer;
		 * a FIN anywhere else, e.g. a blind one, must not keep
		 * the conn alive. */
		if (c->state == HS_TCP_TIME_WAIT && (s->flags & HS_TH_FIN) &&
		    s->seq + s->len == c->rcv_nxt)
			hs_tcp_timer_arm(c, &c->t_misc, hs_tcp_time_wait_us());
		c->flags |= HS_TCPF_ACKNOW;
		hs_tcp_output(c);
		return;
	}

	/* second: RST (RFC 5961 §3.2) */
	if (s->flags & HS_TH_RST) {
		rte_pktmbuf_free(m);
		if (s->seq != c->rcv_nxt) {
			lc->stats.drop_tcp_rst++;
			hs_tcp_challenge_ack(c);
			return;
		}
		lc->stats.tcp_rst_rx++;
		hs_tcp_conn_drop(c, -ECONNRESET); /* SYN_RCVD: silent */
		return;
	}

	/* fourth: SYN in a synchronized state -> challenge ACK (RFC 5961 §4) */
	if (s->flags & HS_TH_SYN) {
		rte_pktmbuf_free(m);
		lc->stats.drop_tcp_badflags++;
		hs_tcp_challenge_ack(c);
		return;
	}

	/* fifth: ACK must be on */
	if (!(s->flags & HS_TH_ACK)) {
		rte_pktmbuf_free(m);
		lc->stats.drop_tcp_badflags++;
		return;
	}
	if (c->state == HS_TCP_SYN_RCVD) {
		if (!HS_SEQ_GT(s->ack, c->snd_una) ||
		    HS_SEQ_GT(s->ack, c->snd_max)) {
			rte_pktmbuf_free(m);
			lc->stats.drop_tcp_badack++;
			hs_tcp_respond(lc, c->laddr, c->faddr, c->lport,
				       c->fport, s->ack, 0, HS_TH_RST);
			return;
		}
		if (!hs_tcp_established(c, s)) {
			rte_pktmbuf_free(m);
			return;
		}
	}
	hs_tcp_trim_front(c, s, m);
	if (!hs_tcp_process_ack(c, s)) {
		rte_pktmbuf_free(m);
		if (!(c->flags & HS_TCPF_DEAD))
			hs_tcp_output(c);
		return;
	}
	hs_tcp_ts_update(c, s); /* the ACK was acceptable */

	/* seventh / eighth: text, FIN */
	hs_tcp_process_data(c, s, m);
	hs_tcp_process_fin(c, s);
	if (c->flags & HS_TCPF_DEAD)
		return;
	hs_tcp_notify(c);
}

/* Checksum over the pseudo-header (RFC 9293 §3.1) and the segment (the
 * l4len bytes after the IPv4 header, over m's chain): the one's
 * complement sum of everything must be 0xffff. */
static bool
hs_tcp_cksum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
		uint32_t iphl, uint32_t l4len)
{
	return hs_cksum_fold(hs_cksum_add_mbuf(
		       m, iphl, l4len, rte_ipv4_phdr_cksum(ip, 0))) == 0xffff;
}

/* Validate and parse the TCP header.  On success m's data is the payload
 * (trimmed to it) and *s, *a are filled; returns 0.  On error the drop is
 * counted and m left to the caller.  A frame larger than one mbuf (an
 * MTU above the mbufs' room: the port chains it) stays a chain when it
 * cannot be linearized: its headers must be in the first mbuf, the
 * payload may span the rest (hs_tcp_input_chain splits it). */
static int
hs_tcp_parse(struct hs_lcore *lc, struct rte_mbuf *m, struct hs_tcp_seg *s,
	     struct hs_tcp_addr *a)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint32_t iphl = m->l3_len, tot, thl;

	/* a frame too long for one mbuf stays a chain */
	if (HS_UNLIKELY(!rte_pktmbuf_is_contiguous(m)))
		(void)rte_pktmbuf_linearize(m);
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	if (iphl < sizeof(*ip) ||
	    rte_pktmbuf_data_len(m) < iphl + sizeof(*th)) {
		lc->stats.drop_tcp_short++;
		return -EINVAL;
	}
	tot = rte_be_to_cpu_16(ip->total_length);
	if (tot > rte_pktmbuf_pkt_len(m) || tot < iphl + sizeof(*th)) {
		lc->stats.drop_tcp_short++;
		return -EINVAL;
	}
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + iphl);
	thl = (uint32_t)(th->data_off >> 4) * 4;
	if (thl < sizeof(*th) || iphl + thl > tot) {
		lc->stats.drop_tcp_hlen++;
		return -EINVAL;
	}
	if (HS_UNLIKELY(iphl + thl > rte_pktmbuf_data_len(m))) {
		lc->stats.drop_tcp_short++; /* options beyond the first mbuf */
		return -EINVAL;
	}
	/* RX checksum offload: trust the port's verdict when it has one. */
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
		    RTE_MBUF_F_RX_L4_CKSUM_BAD ||
	    ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) !=
		     RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
	     !hs_tcp_cksum_ok(m, ip, iphl, tot - iphl))) {
		lc->stats.drop_tcp_csum++;
		return -EINVAL;
	}
	s->flags = th->tcp_flags & (HS_TH_FIN | HS_TH_SYN | HS_TH_RST |
				    HS_TH_PSH | HS_TH_ACK | HS_TH_URG);
	if ((s->flags & (HS_TH_SYN | HS_TH_FIN)) == (HS_TH_SYN | HS_TH_FIN) ||
	    (s->flags & (HS_TH_SYN | HS_TH_RST)) == (HS_TH_SYN | HS_TH_RST) ||
	    (s->flags & (HS_TH_SYN | HS_TH_RST | HS_TH_ACK | HS_TH_FIN)) == 0) {
		lc->stats.drop_tcp_badflags++;
		return -EINVAL;
	}
	if (hs_tcp_parse_opts((const uint8_t *)(th + 1), thl - sizeof(*th),
			      &s->opt) < 0) {
		lc->stats.drop_tcp_badopt++;
		return -EINVAL;
	}
	a->saddr = ip->src_addr;
	a->daddr = ip->dst_addr;
	a->sport = th->src_port;
	a->dport = th->dst_port;
	s->seq = rte_be_to_cpu_32(th->sent_seq);
	s->ack = rte_be_to_cpu_32(th->recv_ack);
	s->wnd = rte_be_to_cpu_16(th->rx_win);
	s->dlen = tot - iphl - thl;
	s->frame_dlen = 0;
	s->len = s->dlen + !!(s->flags & HS_TH_SYN) + !!(s->flags & HS_TH_FIN);
	/* Keep only the payload in m (hs_ipv4_input trimmed any padding). */
	if (rte_pktmbuf_pkt_len(m) > tot &&
	    rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - tot)) !=
		    0) {
		lc->stats.drop_tcp_short++;
		return -EINVAL;
	}
	rte_pktmbuf_adj(m, (uint16_t)(iphl + thl));
	return 0;
}

/* A segment whose payload arrived as a chain of mbufs (a frame longer
 * than one mbuf holds): everything here keeps one mbuf per queued
 * segment, so it goes in as consecutive segments, one per mbuf that holds
 * payload, each with the headers' ACK, window and options, sequence
 * numbers following on, FIN and PSH on the last only.  Data-bearing
 * pieces are never duplicate ACKs (RFC 5681 §2), and the options are
 * idempotent (the SACK blocks, the timestamps of one frame); output
 * waits for the last piece (lc->tcp.rx_defer), so a frame gets one ACK
 * as any segment does, never one per piece (a peer counting duplicate
 * ACKs would retransmit on one reordered frame).  Consumes m; stops
 * feeding (and frees the rest) when the connection closes. */
static void
hs_tcp_input_chain(struct hs_tcp_conn *c, struct hs_tcp_seg *s,
		   struct rte_mbuf *m)
{
	uint8_t fin = s->flags & (HS_TH_FIN | HS_TH_PSH);
	uint32_t seq = s->seq, frame = s->dlen;

	c->lc->stats.tcp_rx_chain++;
	c->lc->tcp.rx_defer = c;
	while (m != NULL) {
		struct rte_mbuf *next = m->next;
		uint32_t k = rte_pktmbuf_data_len(m);

		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = k;
		if (k == 0 && !(next == NULL && (fin & HS_TH_FIN))) {
			/* the headers' mbuf, emptied (a piece without data
			 * would pass for a duplicate ACK) */
			rte_pktmbuf_free_seg(m);
			m = next;
			continue;
		}
		s->seq = seq;
		s->dlen = k;
		s->flags = (uint8_t)(s->flags & ~(HS_TH_FIN | HS_TH_PSH));
		s->frame_dlen = 1;
		if (next == NULL) {
			s->flags |= fin;
			s->frame_dlen = frame;
		}
		s->len = k + !!(s->flags & HS_TH_FIN);
		seq += k;
		hs_tcp_conn_input(c, s, m);
		m = next;
		if (m != NULL && c->state == HS_TCP_CLOSED) {
			rte_pktmbuf_free(m);
			break;
		}
	}
	c->lc->tcp.rx_defer = NULL;
	hs_tcp_output(c); /* nothing when dead (busy keeps c) */
}

/* RFC 6191 §2: may SYN s reopen TIME_WAIT conn c?  With timestamps on
 * both incarnations the SYN's TSval must be newer (or equal with a higher
 * sequence number); otherwise its sequence number must be above what the
 * old incarnation received.  A new incarnation with timestamps after an
 * old one without is always accepted (PAWS protects it). */
static bool
hs_tcp_tw_reusable(const struct hs_tcp_conn *c, const struct hs_tcp_seg *s)
{
	bool seq_ok = HS_SEQ_GT(s->seq, c->rcv_nxt);

	if (c->flags & HS_TCPF_TS) {
		if (!s->opt.has_ts)
			return seq_ok;
		return HS_SEQ_GT(s->opt.tsval, c->ts_recent) ||
		       (s->opt.tsval == c->ts_recent && seq_ok);
	}
	return s->opt.has_ts || seq_ok;
}

void
hs_tcp_input(struct hs_lcore *lc, struct rte_mbuf *m)
{
	struct hs_tcp_seg s;
	struct hs_tcp_addr a;
	struct hs_tcp_conn *c;
	int li;

	lc->stats.rx_tcp++;
	if (hs_tcp_parse(lc, m, &s, &a) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	c = hs_tcp_conn_lookup(lc, a.saddr, a.daddr, a.sport, a.dport);
	/* RFC 9293 §3.6.1 / RFC 6191 §2: a new SYN may take over a
	 * TIME_WAIT conn.  One that may not goes on to the TIME_WAIT conn,
	 * which answers it with a (rate-limited) challenge ACK as RFC 9293
	 * §3.10.7.4 / RFC 5961 §4 and Linux do, rather than RFC 6191's
	 * silent drop: a client that really restarted learns at once. */
	if (c != NULL && c->state == HS_TCP_TIME_WAIT &&
	    (s.flags & (HS_TH_SYN | HS_TH_ACK | HS_TH_RST)) == HS_TH_SYN &&
	    hs_tcp_tw_reusable(c, &s)) {
		lc->stats.tcp_tw_reuse++;
		hs_tcp_conn_drop(c, 0);
		c = NULL;
	}
	if (c == NULL) {
		li = hs_tcp_listener_find(lc, a.dport);
		if (li < 0 || a.daddr != lc->ifp->ip) {
			lc->stats.drop_tcp_noport++;
			hs_tcp_reset_noconn(lc, &a, &s);
			rte_pktmbuf_free(m);
			return;
		}
		hs_tcp_listen_input(lc, li, &a, &s, m);
		return;
	}
	c->busy++;
	if (HS_LIKELY(m->nb_segs == 1) || (s.flags & HS_TH_SYN))
		hs_tcp_conn_input(c, &s, m);
	else
		hs_tcp_input_chain(c, &s, m);
	hs_tcp_conn_put(c);
}
