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
			return -EINVAL;           /* no room for the length */
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
			o->wscale = HS_MIN(p[i + 2], 14);  /* RFC 7323 §2.3 */
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
			o->tsval = (uint32_t)p[i + 2] << 24 | (uint32_t)p[i + 3] << 16 |
				   (uint32_t)p[i + 4] << 8 | p[i + 5];
			o->tsecr = (uint32_t)p[i + 6] << 24 | (uint32_t)p[i + 7] << 16 |
				   (uint32_t)p[i + 8] << 8 | p[i + 9];
			break;
		default:
			break;                    /* unknown: skipped by length */
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
		hs_tcp_respond(lc, a->daddr, a->saddr, a->dport, a->sport,
			       0, s->seq + s->len, HS_TH_RST | HS_TH_ACK);
}

/* LISTEN state (RFC 9293 §3.10.7.2).  Consumes m. */
static void
hs_tcp_listen_input(struct hs_lcore *lc, int li, const struct hs_tcp_addr *a,
		    const struct hs_tcp_seg *s, struct rte_mbuf *m)
{
	struct hs_tcp_conn *c;
	uint16_t our_mss = hs_tcp_our_mss(lc);
	uint16_t mss;

	rte_pktmbuf_free(m);
	if (s->flags & HS_TH_RST) {                 /* first: ignore RST */
		lc->stats.drop_tcp_rst++;
		return;
	}
	if (s->flags & HS_TH_ACK) {                 /* second: ACK -> RST */
		lc->stats.drop_tcp_noport++;
		hs_tcp_reset_noconn(lc, a, s);
		return;
	}
	if (!(s->flags & HS_TH_SYN)) {              /* fourth: drop */
		lc->stats.drop_tcp_badflags++;
		return;
	}
	/* third: SYN.  Text and FIN in a SYN are ignored (not acked) for
	 * now: the peer retransmits them after the handshake. */
	c = hs_tcp_conn_new(lc, a->saddr, a->daddr, a->sport, a->dport, li);
	if (c == NULL) {
		lc->stats.drop_tcp_conn_limit++;
		return;
	}
	mss = s->opt.has_mss ? s->opt.mss : HS_TCP_DEFAULT_MSS;
	mss = HS_MIN(mss, our_mss);
	c->mss = HS_MAX(mss, HS_TCP_MIN_MSS);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->iss = hs_tcp_isn(lc, a->saddr, a->daddr, a->sport, a->dport);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->snd_wnd = s->wnd;                        /* never scaled in a SYN */
	c->max_sndwnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = c->iss;
	c->cwnd = 10u * c->mss;                     /* RFC 6928 */
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

/* SND.UNA < ack <= SND.MAX: new data acknowledged. */
static void
hs_tcp_ack_new(struct hs_tcp_conn *c, uint32_t ack)
{
	uint32_t acked = ack - c->snd_una;
	uint32_t mss = c->mss;

	if (c->rtt_start_us && HS_SEQ_GT(ack, c->rtt_seq)) {
		hs_tcp_rtt_sample(c, (uint32_t)(c->lc->now_us + 1 - c->rtt_start_us));
		c->rtt_start_us = 0;
	}
	hs_mq_drop(&c->sndq, HS_MIN(acked, c->sndq.bytes));
	c->snd_una = ack;
	if (HS_SEQ_LT(c->snd_nxt, ack))
		c->snd_nxt = ack;
	c->rexmt_shift = 0;

	if (c->flags & HS_TCPF_RECOVERY) {
		if (HS_SEQ_GEQ(ack, c->recover)) {
			/* RFC 6582 §3.2 step 3: full ACK, leave recovery. */
			uint32_t flight = c->snd_max - c->snd_una;

			c->cwnd = HS_MIN(c->ssthresh, HS_MAX(flight, mss) + mss);
			c->flags &= ~HS_TCPF_RECOVERY;
		} else {
			/* Partial ACK: retransmit the next hole, deflate. */
			hs_tcp_rexmit_one(c);
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
			if (acked >= mss)
				c->cwnd += mss;
			c->cwnd = HS_MAX(c->cwnd, mss);
		}
	} else if (c->cwnd < c->ssthresh) {
		c->cwnd += HS_MIN(acked, mss);          /* RFC 5681 (2) */
	} else {
		c->cwnd += HS_MAX(1u, mss * mss / c->cwnd); /* RFC 5681 (3) */
	}
	c->cwnd = HS_MIN(c->cwnd, HS_TCP_MAX_CWND);
	c->dupacks = 0;

	if ((c->flags & HS_TCPF_PERSIST) && c->sndq.bytes == 0) {
		c->flags &= ~HS_TCPF_PERSIST;
		hs_tcp_timer_cancel(c, &c->t_rexmt);
	}
	if (c->snd_una == c->snd_max) {
		if (!(c->flags & HS_TCPF_PERSIST))
			hs_tcp_timer_cancel(c, &c->t_rexmt);
	} else if (!(c->flags & HS_TCPF_PERSIST)) {
		hs_tcp_timer_arm(c, &c->t_rexmt, hs_tcp_rto_cur(c)); /* 5.3 */
	}
	if ((c->flags & (HS_TCPF_APP | HS_TCPF_SHUT_WR)) == HS_TCPF_APP &&
	    c->sndq.bytes < c->sndbuf)
		c->flags |= HS_TCPF_TXSPACE;
}

/* RFC 5681 §3.2 duplicate ACK: fast retransmit, NewReno recovery. */
static void
hs_tcp_ack_dup(struct hs_tcp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una;

	if (c->dupacks < UINT8_MAX)
		c->dupacks++;
	if (c->dupacks == 3) {
		if (c->flags & HS_TCPF_RECOVERY)
			return;
		c->lc->stats.tcp_fast_rexmt++;
		c->ssthresh = HS_MAX(flight / 2, 2u * c->mss);
		c->recover = c->snd_max;
		c->flags |= HS_TCPF_RECOVERY;
		c->rtt_start_us = 0;
		hs_tcp_rexmit_one(c);
		c->cwnd = c->ssthresh + 3u * c->mss;
	} else if (c->dupacks > 3 && (c->flags & HS_TCPF_RECOVERY)) {
		c->cwnd += c->mss;                      /* inflate */
	}
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
	c->state = HS_TCP_TIME_WAIT;
	c->flags &= ~(HS_TCPF_DELACK | HS_TCPF_PERSIST);
	hs_tcp_timer_cancel(c, &c->t_rexmt);
	hs_tcp_timer_arm(c, &c->t_misc,
			 2ull * hs_ms_to_us(hs_tcp_params.msl_ms));
	hs_mq_free(&c->sndq);
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

/* The ACK field (fifth check).  Returns false if the segment is done. */
static bool
hs_tcp_process_ack(struct hs_tcp_conn *c, const struct hs_tcp_seg *s)
{
	struct hs_lcore *lc = c->lc;

	if (HS_SEQ_GT(s->ack, c->snd_max)) {
		/* Acks something not yet sent: ACK, drop. */
		lc->stats.drop_tcp_badack++;
		c->flags |= HS_TCPF_ACKNOW;
		return false;
	}
	if (HS_SEQ_LT(s->ack, c->snd_una - c->max_sndwnd)) {
		/* RFC 5961 §5.2: too old, ACK and drop. */
		lc->stats.drop_tcp_badack++;
		c->flags |= HS_TCPF_ACKNOW;
		return false;
	}
	if (HS_SEQ_GT(s->ack, c->snd_una)) {
		hs_tcp_ack_new(c, s->ack);
	} else if (s->ack == c->snd_una && s->dlen == 0 &&
		   !(s->flags & (HS_TH_SYN | HS_TH_FIN)) &&
		   (s->wnd << c->snd_wscale) == c->snd_wnd &&
		   c->snd_max != c->snd_una &&
		   !(c->flags & HS_TCPF_PERSIST)) {
		hs_tcp_ack_dup(c);
	} else if (s->ack != c->snd_una || s->dlen || s->wnd != c->snd_wnd) {
		c->dupacks = 0;
	}
	if (HS_SEQ_LEQ(c->snd_una, s->ack))
		hs_tcp_update_window(c, s);

	switch (c->state) {
	case HS_TCP_FIN_WAIT_1:
		if (hs_tcp_fin_acked(c)) {
			c->state = HS_TCP_FIN_WAIT_2;
			hs_tcp_timer_arm(c, &c->t_misc,
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

/* Segment text (seventh check).  Consumes m. */
static void
hs_tcp_process_data(struct hs_tcp_conn *c, struct hs_tcp_seg *s,
		    struct rte_mbuf *m)
{
	struct hs_lcore *lc = c->lc;
	uint32_t wnd, maxq;

	if (s->dlen == 0 && (s->flags & HS_TH_FIN) && s->seq != c->rcv_nxt &&
	    !(c->flags & HS_TCPF_FIN_RCVD)) {
		lc->stats.drop_tcp_ooo++;           /* FIN beyond a hole */
		c->flags |= HS_TCPF_ACKNOW;
	}
	if (s->dlen == 0 || (c->flags & HS_TCPF_FIN_RCVD) ||
	    (c->state != HS_TCP_ESTABLISHED && c->state != HS_TCP_FIN_WAIT_1 &&
	     c->state != HS_TCP_FIN_WAIT_2)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (s->seq != c->rcv_nxt) {
		/* Out of order: no reassembly yet; duplicate ACK now. */
		lc->stats.drop_tcp_ooo++;
		c->flags |= HS_TCPF_ACKNOW;
		s->flags &= ~HS_TH_FIN;
		rte_pktmbuf_free(m);
		return;
	}
	/* Trim what lies beyond the window (the FIN goes with it). */
	wnd = hs_tcp_rcv_space(c);
	if (s->dlen > wnd) {
		lc->stats.drop_tcp_rcvbuf++;
		rte_pktmbuf_trim(m, (uint16_t)(s->dlen - wnd));
		s->dlen = wnd;
		s->flags &= ~HS_TH_FIN;
		c->flags |= HS_TCPF_ACKNOW;
		if (wnd == 0) {
			rte_pktmbuf_free(m);
			return;
		}
	}
	if (c->flags & HS_TCPF_SHUT_WR) {
		/* App closed: acknowledge and discard. */
		c->rcv_nxt += s->dlen;
		c->flags |= HS_TCPF_ACKNOW;
		rte_pktmbuf_free(m);
		return;
	}
	/* Small segments are copied into the tail mbuf; the mbuf count is
	 * bounded so tiny segments cannot drain the pool. */
	if (c->rcvq.tail != NULL &&
	    rte_pktmbuf_tailroom(c->rcvq.tail) >= s->dlen &&
	    RTE_MBUF_DIRECT(c->rcvq.tail) &&
	    rte_mbuf_refcnt_read(c->rcvq.tail) == 1) {
		memcpy(rte_pktmbuf_append(c->rcvq.tail, (uint16_t)s->dlen),
		       rte_pktmbuf_mtod(m, void *), s->dlen);
		c->rcvq.bytes += s->dlen;
		rte_pktmbuf_free(m);
	} else {
		maxq = c->rcvbuf / 256 + 16;
		if (c->rcvq.count >= maxq || m->nb_segs != 1) {
			lc->stats.drop_tcp_rcvbuf++;
			c->flags |= HS_TCPF_ACKNOW;
			s->flags &= ~HS_TH_FIN;
			rte_pktmbuf_free(m);
			return;
		}
		hs_mq_push(&c->rcvq, m);
	}
	c->rcv_nxt += s->dlen;
	c->flags |= HS_TCPF_RXDATA;
	/* RFC 5681 §4.2 / RFC 9293 §3.8.6.3: ACK every second full-sized
	 * segment at once, otherwise within delack_ms; not delayed outside
	 * ESTABLISHED. */
	if (c->state != HS_TCP_ESTABLISHED) {
		c->flags |= HS_TCPF_ACKNOW;
	} else if (s->dlen >= c->mss) {
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
	hs_tcp_timer_cancel(c, &c->t_rexmt);
	if (c->rtt_start_us)
		hs_tcp_rtt_sample(c, (uint32_t)(c->lc->now_us + 1 - c->rtt_start_us));
	c->rtt_start_us = 0;
	c->rexmt_shift = 0;
	c->snd_una = s->ack;
	c->snd_wnd = s->wnd << c->snd_wscale;
	c->max_sndwnd = HS_MAX(c->max_sndwnd, c->snd_wnd);
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->flags |= HS_TCPF_APP;
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
	    (s->flags & ~HS_TH_PSH) != HS_TH_ACK ||
	    s->seq != c->rcv_nxt || (s->wnd << c->snd_wscale) != c->snd_wnd ||
	    c->snd_nxt != c->snd_max ||
	    (c->flags & (HS_TCPF_RECOVERY | HS_TCPF_PERSIST | HS_TCPF_SHUT_WR)))
		return false;
	if (s->dlen == 0) {
		/* Pure ACK for new data. */
		if (!HS_SEQ_GT(s->ack, c->snd_una) ||
		    HS_SEQ_GT(s->ack, c->snd_max))
			return false;
		rte_pktmbuf_free(m);
		hs_tcp_ack_new(c, s->ack);
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
	} else {
		/* In-order data, nothing new acked, fits the window. */
		if (s->ack != c->snd_una || s->dlen > hs_tcp_rcv_space(c))
			return false;
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
		if (c->state == HS_TCP_TIME_WAIT && (s->flags & HS_TH_FIN))
			hs_tcp_timer_arm(c, &c->t_misc, 2ull *
					 hs_ms_to_us(hs_tcp_params.msl_ms));
		c->flags |= HS_TCPF_ACKNOW;
		hs_tcp_output(c);
		return;
	}

	/* second: RST (RFC 5961 §3.2) */
	if (s->flags & HS_TH_RST) {
		rte_pktmbuf_free(m);
		if (s->seq != c->rcv_nxt) {
			lc->stats.tcp_challenge_ack++;
			lc->stats.drop_tcp_rst++;
			hs_tcp_send_ack(c);
			return;
		}
		lc->stats.tcp_rst_rx++;
		hs_tcp_conn_drop(c, -ECONNRESET);   /* SYN_RCVD: silent */
		return;
	}

	/* fourth: SYN in a synchronized state -> challenge ACK (RFC 5961 §4) */
	if (s->flags & HS_TH_SYN) {
		rte_pktmbuf_free(m);
		lc->stats.tcp_challenge_ack++;
		lc->stats.drop_tcp_badflags++;
		hs_tcp_send_ack(c);
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

	/* seventh / eighth: text, FIN */
	hs_tcp_process_data(c, s, m);
	hs_tcp_process_fin(c, s);
	if (c->flags & HS_TCPF_DEAD)
		return;
	hs_tcp_notify(c);
}

/* Checksum over the pseudo-header (RFC 9293 §3.1) and the segment:
 * the one's complement sum of everything must be 0xffff. */
static bool
hs_tcp_cksum_ok(const struct rte_ipv4_hdr *ip, const void *th, uint32_t l4len)
{
	uint32_t sum = rte_ipv4_phdr_cksum(ip, 0);

	sum += rte_raw_cksum(th, l4len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* Validate and parse the TCP header.  On success m's data is the payload
 * (trimmed to it) and *s, *a are filled; returns 0.  On error the drop is
 * counted and m left to the caller. */
static int
hs_tcp_parse(struct hs_lcore *lc, struct rte_mbuf *m, struct hs_tcp_seg *s,
	     struct hs_tcp_addr *a)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint32_t iphl = m->l3_len, tot, thl;

	if (!rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_linearize(m) < 0) {
		lc->stats.drop_tcp_short++;
		return -EINVAL;
	}
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	if (iphl < sizeof(*ip) || rte_pktmbuf_data_len(m) < iphl + sizeof(*th)) {
		lc->stats.drop_tcp_short++;
		return -EINVAL;
	}
	tot = rte_be_to_cpu_16(ip->total_length);
	if (tot > rte_pktmbuf_data_len(m) || tot < iphl + sizeof(*th)) {
		lc->stats.drop_tcp_short++;
		return -EINVAL;
	}
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + iphl);
	thl = (uint32_t)(th->data_off >> 4) * 4;
	if (thl < sizeof(*th) || iphl + thl > tot) {
		lc->stats.drop_tcp_hlen++;
		return -EINVAL;
	}
	if (!hs_tcp_cksum_ok(ip, th, tot - iphl)) {
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
	s->len = s->dlen + !!(s->flags & HS_TH_SYN) + !!(s->flags & HS_TH_FIN);
	/* Keep only the payload in m. */
	if (rte_pktmbuf_data_len(m) > tot)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - tot));
	rte_pktmbuf_adj(m, (uint16_t)(iphl + thl));
	return 0;
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
	/* RFC 9293 §3.6.1 / RFC 6191: a new SYN above RCV.NXT may take over
	 * a TIME_WAIT conn. */
	if (c != NULL && c->state == HS_TCP_TIME_WAIT &&
	    (s.flags & (HS_TH_SYN | HS_TH_ACK | HS_TH_RST)) == HS_TH_SYN &&
	    HS_SEQ_GT(s.seq, c->rcv_nxt)) {
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
	hs_tcp_conn_input(c, &s, m);
	hs_tcp_conn_put(c);
}
