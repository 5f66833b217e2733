/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp_connect.c - active open (RFC 9293 §3.5, §3.10.1 OPEN call,
 * §3.10.7.3 SEGMENT ARRIVES in SYN-SENT), for load generators and other
 * clients built on this stack.
 *
 * hs_tcp_connect() takes a table entry in SYN_SENT, offers every option
 * the passive side negotiates (MSS, window scale, SACK-permitted,
 * timestamps) and sends the SYN; t_rexmt resends it with the RTO's
 * backoff, hs_tcp_params.syn_retries times, then closed(-ETIMEDOUT).
 * A SYN-ACK that acknowledges our SYN synchronizes the connection: what
 * the peer did not offer is turned off again, our ACK goes out and
 * ops->accepted(c, app) runs as the "connected" event.  A SYN alone
 * (simultaneous open) moves to SYN_RCVD and is answered with a SYN-ACK;
 * the passive path then completes it (accepted() gets listener 0's arg
 * there: use hs_tcp_app()).  A RST whose ACK acknowledges the SYN refuses
 * the connection: closed(-ECONNREFUSED).  A segment with an unacceptable
 * ACK gets <SEQ=SEG.ACK><CTL=RST> and is dropped.  Data or a FIN in the
 * SYN-ACK are not taken (the peer sends them again after our ACK).
 */
#include <errno.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "hs_net.h"
#include "hs_tcp_var.h"

#define HS_TCP_EPH_MIN 49152u /* RFC 6335 §6 dynamic ports */
#define HS_TCP_EPH_N   (65536u - HS_TCP_EPH_MIN)

/* Next ephemeral port offset, per EAL lcore (each lcore owns its table). */
static uint32_t hs_tcp_eph_next[RTE_MAX_LCORE + 1];

/* An ephemeral port (network order) no conn of lc uses towards
 * faddr:fport, or 0 when all are taken.  RFC 6056 §3.3.3-like: a keyed
 * hash of the destination picks where to start, a counter moves on. */
static uint16_t
hs_tcp_eph_port(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr,
		uint16_t fport)
{
	unsigned int id = rte_lcore_id();
	uint32_t *next =
		&hs_tcp_eph_next[id < RTE_MAX_LCORE ? id : RTE_MAX_LCORE];
	uint32_t off = hs_tcp_isn(lc, faddr, laddr, fport, 0) % HS_TCP_EPH_N;

	for (uint32_t i = 0; i < HS_TCP_EPH_N; i++) {
		uint16_t p = (uint16_t)(HS_TCP_EPH_MIN +
					(off + *next + i) % HS_TCP_EPH_N);
		uint16_t pn = rte_cpu_to_be_16(p);

		if (hs_tcp_conn_lookup(lc, faddr, laddr, fport, pn) == NULL &&
		    hs_tcp_listener_find(lc, pn) < 0) {
			*next += i + 1;
			return pn;
		}
	}
	return 0;
}

struct hs_tcp_conn *
hs_tcp_connect(struct hs_lcore *lc, uint32_t faddr, uint16_t fport_host,
	       uint16_t lport_host, const struct hs_tcp_ops *ops, void *app)
{
	uint32_t laddr = lc->ifp->ip;
	uint16_t fport = rte_cpu_to_be_16(fport_host);
	uint16_t lport = rte_cpu_to_be_16(lport_host);
	struct hs_tcp_conn *c;

	if (ops == NULL || ops->accepted == NULL || fport_host == 0 ||
	    faddr == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (lport_host == 0) {
		lport = hs_tcp_eph_port(lc, faddr, laddr, fport);
		if (lport == 0) {
			rte_errno = EADDRNOTAVAIL;
			return NULL;
		}
	} else if (hs_tcp_conn_lookup(lc, faddr, laddr, fport, lport) != NULL) {
		rte_errno = EADDRINUSE;
		return NULL;
	}
	c = hs_tcp_conn_new(lc, faddr, laddr, fport, lport, 0);
	if (c == NULL) {
		rte_errno = ENOSPC; /* counted */
		return NULL;
	}
	/* hs_tcp_conn_new() makes a passive entry: turn it into ours. */
	lc->tcp.nb_synrcvd--;
	c->state = HS_TCP_SYN_SENT;
	c->ops = ops;
	c->app = app;
	c->flags |= HS_TCPF_APP;     /* closed() tells a failure */
	c->mss = HS_TCP_DEFAULT_MSS; /* until the SYN-ACK says */
	/* Offer everything; the SYN-ACK keeps what the peer offered too. */
	c->flags |= HS_TCPF_WSCALE_OK | HS_TCPF_TS | HS_TCPF_SACK;
	c->rcv_wscale = hs_tcp_wscale_for(c->rcvbuf);
	c->ts_offset = hs_tcp_ts_offset(lc, faddr, laddr, fport, lport);
	c->iss = hs_tcp_isn(lc, faddr, laddr, fport, lport);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->snd_wl2 = c->iss;
	c->recover = c->iss;
	hs_tcp_send_syn(c);
	c->rtt_start_us = lc->now_us + 1; /* 0 = not timing */
	c->rtt_seq = c->iss;
	hs_tcp_timer_arm(c, &c->t_rexmt, hs_tcp_rto_cur(c));
	return c;
}

/* The peer's SYN options against what our SYN offered (all of it). */
static void
hs_tcp_connect_negotiate(struct hs_tcp_conn *c, const struct hs_tcp_opts *o)
{
	uint16_t mss = o->has_mss ? o->mss : HS_TCP_DEFAULT_MSS;

	mss = HS_MIN(mss, hs_tcp_our_mss(c->lc));
	c->mss = HS_MAX(mss, HS_TCP_MIN_MSS);
	if (o->has_wscale) {
		c->snd_wscale = o->wscale;
	} else { /* RFC 7323 §2.2 */
		c->flags &= ~HS_TCPF_WSCALE_OK;
		c->snd_wscale = c->rcv_wscale = 0;
	}
	if (o->has_ts) { /* RFC 7323 §3.2 */
		c->ts_recent = o->tsval;
		c->ts_recent_ms = hs_tcp_ms(c->lc);
		if (c->mss > HS_TCP_MIN_MSS + HS_TCP_TSOPT_LEN)
			c->mss -= HS_TCP_TSOPT_LEN;
	} else {
		c->flags &= ~HS_TCPF_TS;
	}
	if (!o->sack_ok)
		c->flags &= ~HS_TCPF_SACK;
}

/* First RTT sample (RFC 6298 §2.2). */
static void
hs_tcp_connect_rtt(struct hs_tcp_conn *c, uint32_t r)
{
	uint32_t rto;

	r = HS_MAX(r, 1u);
	c->rtt_last_us = r;
	c->srtt_us = r;
	c->rttvar_us = r / 2;
	rto = c->srtt_us + HS_MAX(HS_TW_TICK_US, 4 * c->rttvar_us);
	rto = HS_MAX(rto, hs_ms_to_us(hs_tcp_params.rto_min_ms));
	c->rto_us = HS_MIN(rto, hs_ms_to_us(hs_tcp_params.rto_max_ms));
}

void
hs_tcp_syn_sent_input(struct hs_tcp_conn *c, struct hs_tcp_seg *s,
		      struct rte_mbuf *m)
{
	struct hs_lcore *lc = c->lc;
	bool ack = (s->flags & HS_TH_ACK) != 0;
	int rc;

	rte_pktmbuf_free(m); /* text is not taken here */
	/* first: the ACK must acknowledge our SYN, ISS < SEG.ACK =< SND.NXT */
	if (ack &&
	    (!HS_SEQ_GT(s->ack, c->iss) || HS_SEQ_GT(s->ack, c->snd_nxt))) {
		lc->stats.drop_tcp_badack++;
		if (!(s->flags & HS_TH_RST))
			hs_tcp_respond(lc, c->laddr, c->faddr, c->lport,
				       c->fport, s->ack, 0, HS_TH_RST);
		return;
	}
	/* second: RST, acceptable only with an acceptable ACK (RFC 5961 §3.2) */
	if (s->flags & HS_TH_RST) {
		if (!ack) {
			lc->stats.drop_tcp_rst++;
			return;
		}
		lc->stats.tcp_rst_rx++;
		hs_tcp_conn_drop(c, -ECONNREFUSED);
		return;
	}
	/* fourth: SYN; anything else is dropped */
	if (!(s->flags & HS_TH_SYN)) {
		lc->stats.drop_tcp_badflags++;
		return;
	}
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	hs_tcp_connect_negotiate(c, &s->opt);
	c->snd_wnd = s->wnd; /* never scaled in a SYN */
	c->max_sndwnd = s->wnd;
	c->snd_wl1 = s->seq;
	if (!ack) {
		/* Simultaneous open: SYN_RCVD, our SYN again with an ACK. */
		c->state = HS_TCP_SYN_RCVD;
		lc->tcp.nb_synrcvd++;
		c->snd_wl2 = c->iss;
		c->rtt_start_us = 0;
		hs_tcp_cc_start(c);
		hs_tcp_send_synack(c);
		hs_tcp_timer_arm(c, &c->t_rexmt, hs_tcp_rto_cur(c));
		return;
	}
	c->snd_una = s->ack;
	c->snd_wl2 = s->ack;
	c->state = HS_TCP_ESTABLISHED;
	hs_tcp_timer_cancel(c, &c->t_rexmt);
	if (c->rtt_start_us)
		hs_tcp_connect_rtt(
			c, (uint32_t)(lc->now_us + 1 - c->rtt_start_us));
	c->rtt_start_us = 0;
	c->rexmt_shift = 0;
	hs_tcp_cc_start(c); /* RFC 6928, with the MSS */
	c->cc->init(c);
	c->last_rx_ms = hs_tcp_ms(lc);
	if (hs_tcp_params.keepalive_ms)
		hs_tcp_timer_arm(c, &c->t_keep,
				 hs_ms_to_us(hs_tcp_params.keepalive_ms));
	hs_tcp_send_ack(c);
	c->busy++;
	rc = c->ops->accepted(c, c->app);
	if (!(c->flags & HS_TCPF_DEAD) && rc < 0) {
		hs_tcp_send_rst(c);
		c->flags &= ~HS_TCPF_APP;
		hs_tcp_conn_drop(c, 0);
	}
	hs_tcp_conn_put(c);
}
