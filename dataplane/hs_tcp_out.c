/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp_out.c - segment building and the send side (RFC 9293 §3.8,
 * RFC 5681 congestion control, RFC 6298 timer start).
 *
 * Every segment is a fresh mbuf from lc->pool holding IPv4+TCP headers
 * and a copy of its payload (taken from c->sndq, which keeps bytes from
 * snd_una on until they are acknowledged).  The TCP checksum is computed
 * in software; hs_ipv4_output() consumes the mbuf.
 */
#include <string.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "hs_net.h"
#include "hs_tcp_var.h"

#define HS_TCP_HDR_ROOM (sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr))

/* Build and send one segment.  Payload: len bytes at offset off of q
 * (q may be NULL when len == 0).  opts/optlen: raw options, multiple of 4.
 * Returns 0 or -ENOBUFS. */
static int
hs_tcp_emit(struct hs_lcore *lc, uint32_t saddr, uint32_t daddr,
	    uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	    uint8_t flags, uint16_t wnd, const uint8_t *opts, uint32_t optlen,
	    const struct hs_mbuf_q *q, uint32_t off, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);
	uint32_t thl = sizeof(struct rte_tcp_hdr) + optlen;
	uint32_t tot = sizeof(struct rte_ipv4_hdr) + thl + len;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (HS_UNLIKELY(m == NULL)) {
		lc->stats.drop_nombuf++;
		return -ENOBUFS;
	}
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)tot);
	if (HS_UNLIKELY(ip == NULL)) {        /* len > room: caller bug */
		rte_pktmbuf_free(m);
		lc->stats.drop_nombuf++;
		return -ENOBUFS;
	}
	hs_ipv4_fill(ip, saddr, daddr, IPPROTO_TCP, (uint16_t)tot);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = sport;
	th->dst_port = dport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((thl / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (optlen)
		memcpy(th + 1, opts, optlen);
	if (len)
		hs_mq_copy(q, off, (uint8_t *)th + thl, len);
	m->l3_len = sizeof(*ip);
	m->l4_len = thl;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	lc->stats.tx_tcp++;
	hs_ipv4_output(lc, m);
	return 0;
}

void
hs_tcp_respond(struct hs_lcore *lc, uint32_t saddr, uint32_t daddr,
	       uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	       uint8_t flags)
{
	if (flags & HS_TH_RST)
		lc->stats.tcp_rst_tx++;
	hs_tcp_emit(lc, saddr, daddr, sport, dport, seq, ack, flags, 0,
		    NULL, 0, NULL, 0, 0);
}

/* Window to advertise; records rcv_adv (RFC 9293 §3.8.6.2.2). */
static uint16_t
hs_tcp_adv_wnd(struct hs_tcp_conn *c)
{
	uint32_t w = hs_tcp_rcv_space(c);

	c->rcv_wnd = w;
	if (HS_SEQ_GT(c->rcv_nxt + w, c->rcv_adv))
		c->rcv_adv = c->rcv_nxt + w;
	return (uint16_t)HS_MIN(w >> c->rcv_wscale, HS_TCP_MAX_WIN);
}

/* Segment of a connection.  Every segment but the SYN-ACK carries ACK and
 * so settles an owed ACK.  Payload: len bytes at sndq offset off. */
static int
hs_tcp_xmit(struct hs_tcp_conn *c, uint32_t seq, uint8_t flags,
	    uint32_t off, uint32_t len, const uint8_t *opts, uint32_t optlen)
{
	struct hs_lcore *lc = c->lc;
	uint16_t wnd = hs_tcp_adv_wnd(c);
	int rc;

	rc = hs_tcp_emit(lc, c->laddr, c->faddr, c->lport, c->fport, seq,
			 c->rcv_nxt, flags, wnd, opts, optlen, &c->sndq, off,
			 len);
	if (rc < 0)
		return rc;
	if (flags & HS_TH_ACK) {
		if (c->flags & HS_TCPF_DELACK)
			hs_tcp_timer_cancel(c, &c->t_misc);
		c->flags &= ~(HS_TCPF_ACKNOW | HS_TCPF_DELACK |
			      HS_TCPF_FULLSEG);
	}
	if (flags & HS_TH_RST)
		lc->stats.tcp_rst_tx++;
	return 0;
}

int
hs_tcp_send_synack(struct hs_tcp_conn *c)
{
	uint16_t mss = hs_tcp_our_mss(c->lc);
	/* RFC 9293 §3.7.1: MSS option, kind 2 length 4. */
	uint8_t opt[4] = { HS_TCPOPT_MSS, 4, (uint8_t)(mss >> 8),
			   (uint8_t)mss };
	int rc;

	rc = hs_tcp_xmit(c, c->iss, HS_TH_SYN | HS_TH_ACK, 0, 0, opt,
			 sizeof(opt));
	if (rc == 0 && c->rexmt_shift == 0 && c->rtt_start_us == 0) {
		c->rtt_start_us = c->lc->now_us + 1;   /* 0 = not timing */
		c->rtt_seq = c->iss;
	}
	return rc;
}

void
hs_tcp_send_ack(struct hs_tcp_conn *c)
{
	hs_tcp_xmit(c, c->snd_nxt, HS_TH_ACK, 0, 0, NULL, 0);
}

/* RFC 9293 §3.10.7.4 abort: <SEQ=SND.NXT><CTL=RST> (ACK added, as the
 * connection is synchronized; harmless and accepted by every stack). */
void
hs_tcp_send_rst(struct hs_tcp_conn *c)
{
	hs_tcp_xmit(c, c->snd_nxt, HS_TH_RST | HS_TH_ACK, 0, 0, NULL, 0);
}

/* Send [seq, seq+len) (+FIN) and advance snd_nxt/snd_max; start the RTO
 * and, for new data, an RTT measurement (Karn: never for retransmissions). */
static int
hs_tcp_send_data(struct hs_tcp_conn *c, uint32_t seq, uint32_t len, bool fin)
{
	struct hs_lcore *lc = c->lc;
	uint8_t flags = HS_TH_ACK;
	uint32_t end;
	int rc;

	if (fin)
		flags |= HS_TH_FIN;
	if (len && seq - c->snd_una + len == c->sndq.bytes)
		flags |= HS_TH_PSH;
	rc = hs_tcp_xmit(c, seq, flags, seq - c->snd_una, len, NULL, 0);
	if (rc < 0)
		return rc;
	if (HS_SEQ_LT(seq, c->snd_max)) {
		lc->stats.tcp_rexmt++;
		if (c->rtt_start_us && HS_SEQ_LEQ(seq, c->rtt_seq))
			c->rtt_start_us = 0;
	} else if (c->rtt_start_us == 0 && len) {
		c->rtt_start_us = lc->now_us + 1;
		c->rtt_seq = seq;
	}
	end = seq + len + (fin ? 1 : 0);
	if (fin)
		c->flags |= HS_TCPF_SENTFIN;
	if (HS_SEQ_LT(c->snd_nxt, end))
		c->snd_nxt = end;
	if (HS_SEQ_GT(end, c->snd_max))
		c->snd_max = end;
	if (!hs_tw_pending(&c->t_rexmt))
		hs_tcp_timer_arm(c, &c->t_rexmt, hs_tcp_rto_cur(c));
	return 0;
}

void
hs_tcp_rexmit_one(struct hs_tcp_conn *c)
{
	uint32_t len = HS_MIN(c->sndq.bytes, (uint32_t)c->mss);
	bool fin;

	if (c->flags & HS_TCPF_PERSIST)
		len = HS_MIN(len, 1u);
	fin = (c->flags & HS_TCPF_SENTFIN) && len == c->sndq.bytes;
	if (len == 0 && !fin)
		return;
	hs_tcp_send_data(c, c->snd_una, len, fin);
}

static bool
hs_tcp_can_send_data(const struct hs_tcp_conn *c)
{
	switch (c->state) {
	case HS_TCP_ESTABLISHED: case HS_TCP_CLOSE_WAIT:
	case HS_TCP_FIN_WAIT_1: case HS_TCP_CLOSING: case HS_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/* RFC 9293 §3.8.6.2.1 sender-side SWS avoidance (no Nagle: we are a
 * request/response server, every app write is a complete unit). */
static bool
hs_tcp_sws_ok(const struct hs_tcp_conn *c, uint32_t len, uint32_t unsent)
{
	return len == c->mss || len == unsent ||
	       (c->max_sndwnd && len >= c->max_sndwnd / 2);
}

void
hs_tcp_output(struct hs_tcp_conn *c)
{
	if (c->flags & HS_TCPF_DEAD)
		return;
	while (hs_tcp_can_send_data(c)) {
		uint32_t off = c->snd_nxt - c->snd_una;
		uint32_t unsent = off < c->sndq.bytes ? c->sndq.bytes - off : 0;
		uint32_t win = HS_MIN(c->snd_wnd, c->cwnd);
		int32_t usable = (int32_t)(c->snd_una + win - c->snd_nxt);
		uint32_t len = HS_MIN(unsent, (uint32_t)c->mss);
		bool fin;

		len = HS_MIN(len, usable > 0 ? (uint32_t)usable : 0u);
		if (len && !hs_tcp_sws_ok(c, len, unsent))
			len = 0;
		/* FIN goes right after the last queued byte; it needs no
		 * window (the peer ACKs it even at zero window). */
		fin = (c->flags & HS_TCPF_SHUT_WR) &&
		      off + len == c->sndq.bytes;
		if (len == 0 && !fin)
			break;
		if (hs_tcp_send_data(c, c->snd_nxt, len, fin) < 0)
			break;
		if (fin)
			break;
	}
	if (c->flags & HS_TCPF_ACKNOW)
		hs_tcp_send_ack(c);
	/* Zero window with data waiting and nothing in flight: persist
	 * (RFC 9293 §3.8.6.1). */
	if (hs_tcp_can_send_data(c) && c->snd_wnd == 0 &&
	    c->snd_una == c->snd_max && c->sndq.bytes > 0 &&
	    !hs_tw_pending(&c->t_rexmt)) {
		c->flags |= HS_TCPF_PERSIST;
		hs_tcp_timer_arm(c, &c->t_rexmt, hs_tcp_rto_cur(c));
	}
}
