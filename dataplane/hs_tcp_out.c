/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp_out.c - segment building and the send side (RFC 9293 §3.8,
 * RFC 5681 congestion control, RFC 6298 timer start).
 *
 * Every segment starts with a fresh header mbuf from lc->pool holding the
 * IPv4 and TCP headers (Ethernet is prepended later in its headroom).  A
 * data segment's payload is not copied: the header mbuf is chained to
 * views of c->sndq (which keeps bytes from snd_una on until they are
 * acknowledged), one indirect mbuf per queue mbuf the range touches
 * (rte_pktmbuf_attach: it shares the queue mbuf's buffer, direct or
 * external, and holds a reference on it until the frame is freed after
 * transmission, so an ACK that trims the queue meanwhile frees nothing
 * the frame still reads).  Retransmissions take new views of the same
 * bytes.  Short payloads, ports without multi-segment TX
 * (lc->tx_max_segs == 1), ports that copy every frame anyway
 * (lc->tx_copy: memif, af_packet, af_xdp, tap without TSO) and ranges
 * spread over too many queue mbufs are copied into the header mbuf
 * instead.  The TCP checksum is computed in
 * software over the chain, or by the port when it offers checksum
 * offload (lc->tx_csum_offload); hs_ipv4_output() consumes the frame.
 *
 * TSO (lc->tso_max != 0, ports with RTE_ETH_TX_OFFLOAD_TCP_TSO): new data
 * outside loss recovery leaves in frames of up to 64 KB, one header mbuf
 * and views as above, that the port cuts into segments of tso_segsz
 * payload bytes (the effective MSS less the options carried, which every
 * segment repeats), each with its own sequence number, lengths and
 * checksums; FIN and PSH stay on the last one.  A frame of N segments
 * is N segments to everything else here: sequence space, cwnd and the
 * peer's window bound its length, and the flight, SACK scoreboard, RACK
 * send-time log and PRR count its bytes, as they count any segment's.
 * Its size follows Linux's TSO autosizing (hs_tcp_tso_goal).
 * Retransmissions, probes and what recovery sends stay one segment
 * each; ports without TSO (af_packet, af_xdp, memif) get segments.
 */
#include <string.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "hs_cksum.h"
#include "hs_net.h"
#include "hs_siphash.h"
#include "hs_tcp_var.h"

#define HS_TCP_HDR_ROOM \
	(sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr))
/* Payloads shorter than this are copied: an attached view costs an mbuf
 * and two atomic reference-count updates, more than copying a few
 * hundred bytes. */
#define HS_TCP_ZC_MIN 256u

/* Chain to m views of the len bytes at offset off of q.  Borrows m and
 * q's mbufs (each view takes its own reference).  Returns 0, -E2BIG when
 * the range would need more than max_segs - 1 views or q is shorter
 * (nothing attached: the caller copies), -ENOBUFS. */
static int
hs_tcp_attach_payload(struct hs_lcore *lc, struct rte_mbuf *m,
		      struct hs_mbuf_q *q, uint32_t off, uint32_t len,
		      uint32_t max_segs)
{
	struct rte_mbuf *v[HS_TSO_MAX_SEGS], *seg = hs_mq_seek(q, &off), *s;
	struct rte_mbuf *last = m;
	uint32_t n = 0, left = len, o;

	for (s = seg, o = off; s != NULL && left > 0; s = s->next, o = 0) {
		if (++n >= max_segs)
			return -E2BIG;
		left -= HS_MIN(left, (uint32_t)rte_pktmbuf_data_len(s) - o);
	}
	if (left > 0)
		return -E2BIG;
	if (HS_UNLIKELY(rte_pktmbuf_alloc_bulk(lc->pool, v, n) != 0))
		return -ENOBUFS;
	left = len;
	for (uint32_t i = 0; i < n; i++, seg = seg->next, off = 0) {
		uint32_t k =
			HS_MIN(left, (uint32_t)rte_pktmbuf_data_len(seg) - off);

		rte_pktmbuf_attach(v[i], seg);
		v[i]->data_off = (uint16_t)(v[i]->data_off + off);
		v[i]->data_len = (uint16_t)k;
		v[i]->pkt_len = k;
		last->next = v[i];
		last = v[i];
		left -= k;
	}
	m->nb_segs = (uint16_t)(1 + n);
	m->pkt_len += len;
	return 0;
}

/* TCP checksum (RFC 9293 §3.1) of the segment in m (data at the IPv4
 * header, l4len bytes of TCP header and payload), over the whole chain
 * (hs_cksum_add_mbuf).  The value to store in th->cksum. */
static uint16_t
hs_tcp_cksum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
	     uint32_t l4len)
{
	return (uint16_t)~hs_cksum_fold(hs_cksum_add_mbuf(
		m, sizeof(*ip), l4len, rte_ipv4_phdr_cksum(ip, 0)));
}

/* True when every mbuf of m's chain but the last holds an even number
 * of bytes (the header mbuf: IPv4 and TCP headers, even), as a port
 * summing them one by one needs (lc->tx_csum_even). */
static bool
hs_tcp_chain_even(const struct rte_mbuf *m)
{
	for (m = m->next; m != NULL && m->next != NULL; m = m->next)
		if (rte_pktmbuf_data_len(m) & 1)
			return false;
	return true;
}

/* Room for len copied payload bytes after the headers in m: in m, and
 * when they do not fit (an MTU above the mbufs' room) in more packet
 * mbufs chained to it, at most lc->tx_max_segs in all (hs_tcp_our_mss
 * keeps segments within that).  *at: where the payload starts in m.
 * Returns 0 or -ENOBUFS (m as it was but for appended tails; the caller
 * frees the chain). */
static int
hs_tcp_copy_room(struct hs_lcore *lc, struct rte_mbuf *m, uint32_t len,
		 uint8_t **at)
{
	uint32_t k = HS_MIN(len, (uint32_t)rte_pktmbuf_tailroom(m));
	struct rte_mbuf *last = m;

	*at = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)k);
	for (len -= k; len > 0; len -= k) {
		struct rte_mbuf *s;

		if (m->nb_segs >= lc->tx_max_segs)
			return -ENOBUFS; /* beyond hs_tcp_our_mss: a bug */
		s = rte_pktmbuf_alloc(lc->pool);
		if (HS_UNLIKELY(s == NULL))
			return -ENOBUFS;
		k = HS_MIN(len, (uint32_t)rte_pktmbuf_tailroom(s));
		rte_pktmbuf_append(s, (uint16_t)k);
		last->next = s;
		last = s;
		m->nb_segs++;
		m->pkt_len += k;
	}
	return 0;
}

/* Copy len bytes at offset off of q into the room hs_tcp_copy_room made:
 * from at in m's first mbuf on, then each chained mbuf's data. */
static void
hs_tcp_copy_payload(struct hs_mbuf_q *q, uint32_t off, uint32_t len,
		    struct rte_mbuf *m, uint8_t *at)
{
	uint32_t k = (uint32_t)(rte_pktmbuf_mtod(m, uint8_t *) +
				rte_pktmbuf_data_len(m) - at);

	for (;;) {
		k = HS_MIN(k, len);
		hs_mq_copy(q, off, at, k);
		off += k;
		len -= k;
		m = m->next;
		if (len == 0 || m == NULL)
			return;
		at = rte_pktmbuf_mtod(m, uint8_t *);
		k = rte_pktmbuf_data_len(m);
	}
}

/* Build and send one segment.  Payload: len bytes at offset off of q
 * (q may be NULL when len == 0), by reference when possible (see the top
 * of the file).  opts/optlen: raw options, multiple of 4.  segsz != 0
 * and len > segsz: one TSO frame the port cuts into segments of at most
 * segsz payload bytes (lc->tso_max != 0, len <= lc->tso_max; the caller
 * checked the view limits with hs_tcp_tso_fit).
 * Returns 0, -ENOBUFS, or -E2BIG for a TSO frame needing too many views
 * (nothing sent). */
static int
hs_tcp_emit(struct hs_lcore *lc, uint32_t saddr, uint32_t daddr, uint16_t sport,
	    uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
	    uint16_t wnd, const uint8_t *opts, uint32_t optlen,
	    struct hs_mbuf_q *q, uint32_t off, uint32_t len, uint32_t segsz)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);
	uint32_t thl = sizeof(struct rte_tcp_hdr) + optlen;
	uint32_t hdr = sizeof(struct rte_ipv4_hdr) + thl;
	uint32_t tot = hdr + len, nseg = 1;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint8_t *payload = NULL;
	bool tso = segsz != 0 && len > segsz;
	/* A port that copies frames anyway gets the payload copied into the
	 * header mbuf when it fits there; a longer one (an MTU above the
	 * mbufs' room) goes as views, which the port copies from directly,
	 * rather than copied into a chain of mbufs first. */
	bool copy = !tso && (len < HS_TCP_ZC_MIN || lc->tx_max_segs < 2 ||
			     (lc->tx_copy && hdr + len <= lc->tx_mbuf_room));
	int rc;

	if (HS_UNLIKELY(m == NULL)) {
		lc->stats.drop_nombuf++;
		return -ENOBUFS;
	}
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)hdr);
	if (!copy) {
		rc = hs_tcp_attach_payload(lc, m, q, off, len,
					   tso ? lc->tso_max_segs
					       : lc->tx_max_segs);
		if (HS_UNLIKELY(rc == -ENOBUFS || (rc != 0 && tso))) {
			rte_pktmbuf_free(m);
			if (rc == -ENOBUFS)
				lc->stats.drop_nombuf++;
			return rc;
		}
		copy = rc != 0;
	}
	if (copy && len &&
	    HS_UNLIKELY(hs_tcp_copy_room(lc, m, len, &payload) < 0)) {
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
	if (copy && len) {
		hs_tcp_copy_payload(q, off, len, m, payload);
		lc->stats.tcp_tx_copy_bytes += len;
	} else {
		lc->stats.tcp_tx_zc_bytes += len;
	}
	m->l3_len = sizeof(*ip);
	m->l4_len = thl;
	if (tso) {
		/* Each segment the port cuts repeats the headers: its IPv4
		 * datagram stays within what the port sends (the IP MTU).
		 * The pseudo-header sum goes without the length, which
		 * differs per segment (the port adds it). */
		segsz = HS_MIN(segsz, (uint32_t)lc->tso_l3_max - hdr);
		nseg = (len + segsz - 1) / segsz;
		m->tso_segsz = (uint16_t)segsz;
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 |
			       RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		lc->stats.tcp_tso_sends++;
		lc->stats.tcp_tso_segs += nseg;
	} else if (lc->tx_csum_offload &&
		   (!lc->tx_csum_even || hs_tcp_chain_even(m))) {
		/* The port sums the segment; we give it the pseudo-header. */
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			       RTE_MBUF_F_TX_TCP_CKSUM;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		th->cksum = hs_tcp_cksum(m, ip, thl + len);
	}
	lc->stats.tx_tcp += nseg;
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
	hs_tcp_emit(lc, saddr, daddr, sport, dport, seq, ack, flags, 0, NULL, 0,
		    NULL, 0, 0, 0);
}

/* Window to advertise; records rcv_adv (RFC 9293 §3.8.6.2.2).  The
 * window of a SYN is never scaled (RFC 7323 §2.2); scaling rounds down,
 * and rcv_adv records what the peer really sees. */
static uint16_t
hs_tcp_adv_wnd(struct hs_tcp_conn *c, bool syn)
{
	uint32_t w = hs_tcp_rcv_space(c);
	uint8_t shift = syn ? 0 : c->rcv_wscale;
	uint32_t field = HS_MIN(w >> shift, HS_TCP_MAX_WIN);

	w = field << shift;
	c->rcv_wnd = w;
	if (HS_SEQ_GT(c->rcv_nxt + w, c->rcv_adv))
		c->rcv_adv = c->rcv_nxt + w;
	return (uint16_t)field;
}

static uint8_t *
hs_tcp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

/* nop, nop, TS val ecr (RFC 7323 §3.2, Appendix A layout). */
static uint8_t *
hs_tcp_put_ts(const struct hs_tcp_conn *c, uint8_t *p)
{
	*p++ = HS_TCPOPT_NOP;
	*p++ = HS_TCPOPT_NOP;
	*p++ = HS_TCPOPT_TS;
	*p++ = 10;
	p = hs_tcp_put32(p, hs_tcp_tsval(c));
	return hs_tcp_put32(p, c->ts_recent);
}

/* SYN-ACK options: MSS always; SACK-permitted, timestamps and window
 * scale only when the SYN carried them (RFC 7323 §2.2, §3.2; RFC 2018
 * §2), in Linux's layout.  wscale < 0: none.  Returns the length. */
static uint32_t
hs_tcp_build_synopts(uint8_t *o, uint16_t mss, bool sack, bool ts,
		     uint32_t tsval, uint32_t tsecr, int wscale)
{
	uint8_t *p = o;

	*p++ = HS_TCPOPT_MSS;
	*p++ = 4;
	*p++ = (uint8_t)(mss >> 8);
	*p++ = (uint8_t)mss;
	if (sack && ts) {
		*p++ = HS_TCPOPT_SACK_OK;
		*p++ = 2;
	} else if (ts || sack) {
		*p++ = HS_TCPOPT_NOP;
		*p++ = HS_TCPOPT_NOP;
		if (sack) {
			*p++ = HS_TCPOPT_SACK_OK;
			*p++ = 2;
		}
	}
	if (ts) {
		*p++ = HS_TCPOPT_TS;
		*p++ = 10;
		p = hs_tcp_put32(p, tsval);
		p = hs_tcp_put32(p, tsecr);
	}
	if (wscale >= 0) {
		*p++ = HS_TCPOPT_NOP;
		*p++ = HS_TCPOPT_WSCALE;
		*p++ = 3;
		*p++ = (uint8_t)wscale;
	}
	return (uint32_t)(p - o);
}

static uint32_t
hs_tcp_synack_opts(const struct hs_tcp_conn *c, uint8_t *o)
{
	return hs_tcp_build_synopts(
		o, hs_tcp_our_mss(c->lc), c->flags & HS_TCPF_SACK,
		c->flags & HS_TCPF_TS, hs_tcp_tsval(c), c->ts_recent,
		(c->flags & HS_TCPF_WSCALE_OK) ? c->rcv_wscale : -1);
}

void
hs_tcp_send_cookie_synack(struct hs_lcore *lc, uint32_t saddr, uint32_t daddr,
			  uint16_t sport, uint16_t dport, uint32_t iss,
			  uint32_t ack, bool sack, bool ts, uint32_t tsval,
			  uint32_t tsecr, int wscale)
{
	uint8_t opts[40];
	uint32_t optlen;
	uint16_t wnd = (uint16_t)HS_MIN(hs_tcp_params.rcvbuf, HS_TCP_MAX_WIN);

	optlen = hs_tcp_build_synopts(opts, hs_tcp_our_mss(lc), sack, ts, tsval,
				      tsecr, wscale);
	hs_tcp_emit(lc, saddr, daddr, sport, dport, iss, ack,
		    HS_TH_SYN | HS_TH_ACK, wnd, opts, optlen, NULL, 0, 0, 0);
}

/* SACK option (RFC 2018 §4): a pending D-SACK first (RFC 2883 §4: the
 * duplicate range, reported once; for a duplicate above RCV.NXT the
 * block holding it comes next, as hs_tcp_rsack_note put it first), then
 * the blocks hs_tcp_rsack_note keeps, the latest arrival's first, then
 * the most recently reported ones, as many as fit (3 with timestamps,
 * else 4). */
static uint8_t *
hs_tcp_put_sack(struct hs_tcp_conn *c, uint8_t *p, uint32_t max)
{
	uint32_t i, out = 0;
	uint8_t *len = p + 3;

	*p++ = HS_TCPOPT_NOP;
	*p++ = HS_TCPOPT_NOP;
	*p++ = HS_TCPOPT_SACK;
	p++; /* len */
	if (c->dsack_l != c->dsack_r) {
		p = hs_tcp_put32(p, c->dsack_l);
		p = hs_tcp_put32(p, c->dsack_r);
		c->dsack_l = c->dsack_r;
		c->lc->stats.tcp_dsack_sent++;
		out++;
	}
	for (i = 0; i < c->sack_nblk && out < max; i++) {
		if (HS_SEQ_LEQ(c->sack_blk[i][0], c->rcv_nxt))
			continue;
		p = hs_tcp_put32(p, c->sack_blk[i][0]);
		p = hs_tcp_put32(p, c->sack_blk[i][1]);
		out++;
	}
	if (out == 0)
		return p - 4;
	*len = (uint8_t)(2 + 8 * out);
	return p;
}

/* Options of any other segment of c (the SACK option's D-SACK, if any,
 * is reported once: this call consumes it). */
static uint32_t
hs_tcp_seg_opts(struct hs_tcp_conn *c, uint8_t flags, uint8_t *o)
{
	uint8_t *p = o;

	if (c->flags & HS_TCPF_TS)
		p = hs_tcp_put_ts(c, p);
	if (hs_tcp_sack_due(c) &&
	    (flags & (HS_TH_ACK | HS_TH_RST)) == HS_TH_ACK)
		p = hs_tcp_put_sack(c, p, (c->flags & HS_TCPF_TS) ? 3 : 4);
	return (uint32_t)(p - o);
}

/* Segment of a connection.  Every segment but the SYN-ACK carries ACK and
 * so settles an owed ACK.  Payload: len bytes at sndq offset off; segsz:
 * see hs_tcp_emit (0: one segment). */
static int
hs_tcp_xmit(struct hs_tcp_conn *c, uint32_t seq, uint8_t flags, uint32_t off,
	    uint32_t len, uint32_t segsz)
{
	struct hs_lcore *lc = c->lc;
	bool syn = (flags & HS_TH_SYN) != 0;
	uint16_t wnd = hs_tcp_adv_wnd(c, syn);
	uint8_t opts[40];
	uint32_t optlen;
	int rc;

	optlen = syn ? hs_tcp_synack_opts(c, opts)
		     : hs_tcp_seg_opts(c, flags, opts);

	rc = hs_tcp_emit(lc, c->laddr, c->faddr, c->lport, c->fport, seq,
			 c->rcv_nxt, flags, wnd, opts, optlen, &c->sndq, off,
			 len, segsz);
	if (rc < 0)
		return rc;
	if (flags & HS_TH_ACK) {
		c->last_ack_sent = c->rcv_nxt;
		if (c->flags & HS_TCPF_DELACK)
			hs_tcp_timer_cancel(c, &c->t_misc);
		c->flags &=
			~(HS_TCPF_ACKNOW | HS_TCPF_DELACK | HS_TCPF_FULLSEG);
	}
	if (flags & HS_TH_RST)
		lc->stats.tcp_rst_tx++;
	return 0;
}

int
hs_tcp_send_synack(struct hs_tcp_conn *c)
{
	int rc;

	rc = hs_tcp_xmit(c, c->iss, HS_TH_SYN | HS_TH_ACK, 0, 0, 0);
	if (rc == 0 && c->rexmt_shift == 0 && c->rtt_start_us == 0) {
		c->rtt_start_us = c->lc->now_us + 1; /* 0 = not timing */
		c->rtt_seq = c->iss;
	}
	return rc;
}

/* Active open (hs_tcp_connect.c): our SYN, with the options c offers. */
int
hs_tcp_send_syn(struct hs_tcp_conn *c)
{
	return hs_tcp_xmit(c, c->iss, HS_TH_SYN, 0, 0, 0);
}

void
hs_tcp_send_ack(struct hs_tcp_conn *c)
{
	hs_tcp_xmit(c, c->snd_nxt, HS_TH_ACK, 0, 0, 0);
}

/* RFC 9293 §3.10.7.4 abort: <SEQ=SND.NXT><CTL=RST> (ACK added, as the
 * connection is synchronized; harmless and accepted by every stack). */
void
hs_tcp_send_rst(struct hs_tcp_conn *c)
{
	hs_tcp_xmit(c, c->snd_nxt, HS_TH_RST | HS_TH_ACK, 0, 0, 0);
}

/* Challenge ACKs share one budget per lcore (RFC 5961 §7).  A budget an
 * off-path sender can measure is a side channel (CVE-2016-5696: with a
 * fixed count per fixed second, whether its own probes still get their
 * challenge ACKs tells it whether a spoofed segment drew one, so whether
 * a guessed 4-tuple and sequence number were in a window).  So, as Linux
 * does since, each interval gets a random budget, limit/2 + random(limit)
 * (limit on average); and unlike a fixed second its length is random too,
 * 500 + random(1000) ms from the first challenge ACK after the previous
 * interval ended, so its end cannot be seen either.  The draws are
 * SipHash of a counter under a per-lcore random key: the budgets an
 * observer counts tell it nothing about later ones or other secrets.
 * Per lcore, no atomics: only the owning lcore touches tl. */
#define HS_CHACK_LEN_MIN_MS  500u
#define HS_CHACK_LEN_RAND_MS 1000u

void
hs_tcp_challenge_ack(struct hs_tcp_conn *c)
{
	struct hs_tcp_lcore *tl = &c->lc->tcp;
	uint32_t now = hs_tcp_ms(c->lc),
		 limit = hs_tcp_params.challenge_ack_limit;

	if (now - tl->chack_epoch_ms >= tl->chack_len_ms) {
		uint64_t r =
			hs_siphash13_12(tl->chack_key, ++tl->chack_draws, 0);

		tl->chack_epoch_ms = now;
		tl->chack_len_ms = HS_CHACK_LEN_MIN_MS +
				   (uint32_t)r % HS_CHACK_LEN_RAND_MS;
		tl->chack_left =
			limit == 0 ? 0
				   : (limit + 1) / 2 +
					     (uint32_t)((r >> 32) % limit);
	}
	if (tl->chack_left == 0) {
		c->lc->stats.drop_tcp_chack_limit++;
		return;
	}
	tl->chack_left--;
	c->lc->stats.tcp_challenge_ack++;
	hs_tcp_send_ack(c);
}

void
hs_tcp_send_keepalive(struct hs_tcp_conn *c)
{
	c->lc->stats.tcp_keepalive_probe++;
	hs_tcp_xmit(c, c->snd_una - 1, HS_TH_ACK, 0, 0, 0);
}

/* Send [seq, seq+len) (+FIN) and advance snd_nxt/snd_max; start the RTO
 * and, for new data, an RTT measurement (Karn: never for retransmissions).
 * segsz: see hs_tcp_emit (0: one segment). */
static int
hs_tcp_send_data_tso(struct hs_tcp_conn *c, uint32_t seq, uint32_t len,
		     bool fin, uint32_t segsz)
{
	struct hs_lcore *lc = c->lc;
	uint8_t flags = HS_TH_ACK;
	uint32_t end;
	bool rexmt;
	int rc;

	if (fin)
		flags |= HS_TH_FIN;
	if (len && seq - c->snd_una + len == c->sndq.bytes)
		flags |= HS_TH_PSH;
	rc = hs_tcp_xmit(c, seq, flags, seq - c->snd_una, len, segsz);
	if (rc < 0)
		return rc;
	rexmt = HS_SEQ_LT(seq, c->snd_max);
	if (rexmt) {
		lc->stats.tcp_rexmt++;
		if (c->rtt_start_us && HS_SEQ_LEQ(seq, c->rtt_seq))
			c->rtt_start_us = 0;
	} else if (c->rtt_start_us == 0 && len) {
		c->rtt_start_us = lc->now_us + 1;
		c->rtt_seq = seq;
	}
	end = seq + len + (fin ? 1 : 0);
	/* RFC 6937 §3: prr_out, what fast recovery has sent. */
	if (c->flags & HS_TCPF_RECOVERY)
		c->prr_out += len;
	if (fin)
		c->flags |= HS_TCPF_SENTFIN;
	if (HS_SEQ_LT(c->snd_nxt, end))
		c->snd_nxt = end;
	/* RFC 8985 §6.1: the send time of every byte in flight. */
	if (end != seq)
		hs_tcp_txlog_sent(c, seq, end, rexmt);
	if (HS_SEQ_GT(end, c->snd_max)) {
		c->snd_max = end;
		hs_tcp_cc_sent(c); /* flight size, send time */
	}
	/* RFC 6298 §5.1: start the RTO if it is not running; RFC 8985
	 * §7.2: new data (re)starts the probe timer. */
	if (!hs_tw_pending(&c->t_rexmt) || (!rexmt && end != seq))
		hs_tcp_rexmt_arm(c, false);
	return 0;
}

static int
hs_tcp_send_data(struct hs_tcp_conn *c, uint32_t seq, uint32_t len, bool fin)
{
	return hs_tcp_send_data_tso(c, seq, len, fin, 0);
}

/* Payload per segment now: c->mss (already net of timestamps) minus the
 * room SACK blocks may take while we hold out-of-order data or owe a
 * D-SACK, so a segment never exceeds the MTU. */
static uint32_t
hs_tcp_data_mss(const struct hs_tcp_conn *c)
{
	if (hs_tcp_sack_due(c))
		return c->mss - ((c->flags & HS_TCPF_TS) ? 28u : 36u);
	return c->mss;
}

void
hs_tcp_rexmit_one(struct hs_tcp_conn *c)
{
	uint32_t len = HS_MIN(c->sndq.bytes, hs_tcp_data_mss(c));
	bool fin;

	/* Persist: one byte into a zero window; into a window too small
	 * for the SWS rule, what it takes (the override timeout of RFC
	 * 9293 §3.8.6.2.1). */
	if (c->flags & HS_TCPF_PERSIST)
		len = HS_MIN(len, HS_MAX(c->snd_wnd, 1u));
	fin = (c->flags & HS_TCPF_SENTFIN) && len == c->sndq.bytes;
	if (len == 0 && !fin)
		return;
	hs_tcp_send_data(c, c->snd_una, len, fin);
}


/* RFC 8985 §7.3: the probe is new data if some is unsent and the peer's
 * window allows it (cwnd does not apply), else the last segment sent
 * again (with the FIN if that was sent).  Sets tlp_seq to its start.
 * Returns 0 if one was sent. */
int
hs_tcp_send_probe(struct hs_tcp_conn *c)
{
	uint32_t off = c->snd_max - c->snd_una, unsent, len, end;
	int32_t usable = (int32_t)(c->snd_una + c->snd_wnd - c->snd_max);
	bool fin;

	if (!hs_tcp_can_send_data(c))
		return -1;
	if (!(c->flags & HS_TCPF_SENTFIN) && off < c->sndq.bytes &&
	    usable > 0) {
		unsent = c->sndq.bytes - off;
		len = HS_MIN(unsent, hs_tcp_data_mss(c));
		len = HS_MIN(len, (uint32_t)usable);
		fin = (c->flags & HS_TCPF_SHUT_WR) && len == unsent;
		c->tlp_seq = c->snd_max;
		c->snd_nxt = c->snd_max;
		c->flags2 &= ~HS_TCPF2_TLP_RXT;
		return hs_tcp_send_data(c, c->snd_max, len, fin);
	}
	end = c->snd_una + HS_MIN(c->sndq.bytes, off);
	len = HS_MIN(end - c->snd_una, hs_tcp_data_mss(c));
	fin = (c->flags & HS_TCPF_SENTFIN) != 0;
	if (len == 0 && !fin)
		return -1;
	c->tlp_seq = end - len;
	c->flags2 |= HS_TCPF2_TLP_RXT;
	return hs_tcp_send_data(c, end - len, len, fin);
}

/* RFC 9293 §3.8.6.2.1 sender-side SWS avoidance (no Nagle: we are a
 * request/response server, every app write is a complete unit). */
static bool
hs_tcp_sws_ok(const struct hs_tcp_conn *c, uint32_t len, uint32_t unsent)
{
	return len >= hs_tcp_data_mss(c) || len == unsent ||
	       (c->max_sndwnd && len >= c->max_sndwnd / 2);
}

/* Retransmit [seq, seq+len) during RFC 6675 recovery; HighRxt follows. */
static int
hs_tcp_sack_rexmit(struct hs_tcp_conn *c, uint32_t seq, uint32_t len)
{
	int rc = hs_tcp_send_data(c, seq, len, false);

	if (rc < 0)
		return rc;
	if (HS_SEQ_GT(seq + len, c->high_rxt))
		c->high_rxt = seq + len;
	/* Past what was to be resent: on above the recent ones. */
	if ((c->flags2 & HS_TCPF2_RXT_SKIP) &&
	    HS_SEQ_GEQ(c->high_rxt, c->rxt_lost_end)) {
		if (HS_SEQ_GT(c->rxt_resume, c->high_rxt))
			c->high_rxt = c->rxt_resume;
		c->flags2 &= ~HS_TCPF2_RXT_SKIP;
	}
	/* Its send time, for detecting its loss (RFC 8985 §6.2). */
	hs_tcp_rxt_log(c, seq + len);
	return 0;
}

void
hs_tcp_enter_recovery(struct hs_tcp_conn *c)
{
	uint32_t len;

	/* RFC 6582 §3.2 step 2 / RFC 6675 §5: not before the cumulative
	 * ACK covers the previous recovery point (or an RTO's). */
	if (!HS_SEQ_GEQ(c->snd_una, c->recover))
		return;
	c->lc->stats.tcp_fast_rexmt++;
	c->cc->on_loss(c, false);
	c->recover = c->snd_max;
	c->flags |= HS_TCPF_RECOVERY;
	/* RFC 6937 §3: PRR starts; RecoverFS = snd.nxt - snd.una (the
	 * flight, SND.MAX here).  Each ACK then sets cwnd from it
	 * (hs_tcp_prr_ack()); the first retransmission below goes out
	 * regardless, as Linux's tcp_cwnd_reduction() forces it. */
	c->prr_delivered = 0;
	c->prr_out = 0;
	c->prr_dup = 0;
	c->prr_recover_fs = HS_MAX(c->snd_max - c->snd_una, 1u);
	/* A recovery is the congestion response for the losses a probe
	 * revealed (RFC 8985 §7.4). */
	c->flags2 &= ~(HS_TCPF2_RESCUE | HS_TCPF2_TLP_RXT);
	hs_tcp_rxt_reset(c);
	c->rtt_start_us = 0;
	/* RFC 8985 §7.2: no probe timer during fast recovery: the RTO. */
	if (c->flags2 & HS_TCPF2_PTO)
		hs_tcp_timer_arm(c, &c->t_rexmt, hs_tcp_rto_cur(c));
	if (c->flags & HS_TCPF_SACK) {
		/* RFC 6675 §5 (4.2) cwnd = ssthresh, (4.3) retransmit the
		 * first segment presumed lost; (4.4) the rest is NextSeg
		 * against pipe in hs_tcp_output(), with cwnd from PRR
		 * (RFC 6937 §3) on every ACK from this one on. */
		c->lc->stats.tcp_sack_recovery++;
		c->cwnd = c->ssthresh;
		c->high_rxt = c->snd_una;
		len = HS_MIN(c->sndq.bytes, hs_tcp_data_mss(c));
		if (c->sb_n)
			len = HS_MIN(len, c->sb[0][0] - c->snd_una);
		if (len)
			hs_tcp_sack_rexmit(c, c->snd_una, len);
		else
			hs_tcp_rexmit_one(c);
	} else {
		/* RFC 6582 §3.2 step 2: retransmit; RFC 6937 replaces the
		 * window inflation: the duplicate ACKs each delivered a
		 * segment (DeliveredData estimated per dupack, §3); the
		 * third counts in hs_tcp_prr_ack(). */
		hs_tcp_rexmit_one(c);
		c->cwnd = c->ssthresh;
		c->prr_dup = HS_MIN(2u * c->mss, c->snd_max - c->snd_una);
	}
}

static bool hs_tcp_pace_ok(struct hs_tcp_conn *c);
static void hs_tcp_pace_sent(struct hs_tcp_conn *c, uint32_t len);

/* RFC 6675 §5 (C): while cwnd - pipe >= 1 SMSS, send NextSeg: a lost
 * hole (rule 1), new data (rule 2), another hole below the highest SACK
 * (rule 3).  Each pass raises pipe by what it sent, so the loop ends;
 * the count bound is a guard.  What it sends is paced like new data (as
 * Linux's fq paces a flow's retransmissions): RACK's reordering timer
 * marks a batch lost at once, and pipe falling by all of it let the
 * whole batch leave back to back into the queue whose overflow they
 * repair (a 50 Mbit/s path with a BDP/4 buffer: 20 retransmissions in
 * 0.1 ms, most dropped again, six rounds of recovery). */
static void
hs_tcp_sack_output(struct hs_tcp_conn *c)
{
	for (uint32_t n = 0; n < 4096 && hs_tcp_can_send_data(c); n++) {
		uint32_t mss = hs_tcp_data_mss(c), seq, len;
		uint32_t off = c->snd_max - c->snd_una, unsent = 0;
		int32_t usable;
		bool fin;

		if ((uint64_t)hs_tcp_sack_pipe(c) + mss > c->cwnd)
			break;
		if (!hs_tcp_pace_ok(c))
			break;
		if (!hs_lcore_tx_room(c->lc)) {
			hs_tcp_txwait_add(c);
			break;
		}
		if (hs_tcp_sack_nextseg_rexmit(c, mss, false, &seq, &len)) {
			if (hs_tcp_sack_rexmit(c, seq, len) < 0)
				break;
			hs_tcp_pace_sent(c, len);
			continue;
		}
		if (!(c->flags & HS_TCPF_SENTFIN) && off < c->sndq.bytes)
			unsent = c->sndq.bytes - off;
		usable = (int32_t)(c->snd_una + c->snd_wnd - c->snd_max);
		len = HS_MIN(unsent, mss);
		len = HS_MIN(len, usable > 0 ? (uint32_t)usable : 0u);
		if (len && !hs_tcp_sws_ok(c, len, unsent))
			len = 0;
		fin = (c->flags & (HS_TCPF_SHUT_WR | HS_TCPF_SENTFIN)) ==
			      HS_TCPF_SHUT_WR &&
		      off + len == c->sndq.bytes;
		if (len || fin) {
			c->snd_nxt = c->snd_max;
			if (hs_tcp_send_data(c, c->snd_max, len, fin) < 0)
				break;
			hs_tcp_pace_sent(c, len);
			continue;
		}
		if (hs_tcp_sack_nextseg_rexmit(c, mss, true, &seq, &len)) {
			if (hs_tcp_sack_rexmit(c, seq, len) < 0)
				break;
			hs_tcp_pace_sent(c, len);
			continue;
		}
		/* Rule 4, rescue retransmission: once per recovery (until
		 * HighACK passes RescueRxt), the segment holding the highest
		 * unSACKed byte; RescueRxt = RecoveryPoint, HighRxt kept. */
		if ((!(c->flags2 & HS_TCPF2_RESCUE) ||
		     HS_SEQ_GT(c->snd_una, c->rescue_rxt)) &&
		    hs_tcp_sack_rescue(c, mss, &seq, &len)) {
			bool rfin = (c->flags & HS_TCPF_SENTFIN) &&
				    seq + len == c->snd_max - 1;

			c->flags2 |= HS_TCPF2_RESCUE;
			c->rescue_rxt = c->recover;
			c->lc->stats.tcp_rescue_rxt++;
			if (hs_tcp_send_data(c, seq, len, rfin) < 0)
				break;
			hs_tcp_pace_sent(c, len);
			continue;
		}
		break;
	}
}

/* ---- TX backlog waits (hs_lcore.h HS_TXQ_SIZE) -------------------------
 * A conn that held new data back because the lcore's TX backlog was high
 * waits on tl->txwait (FIFO) until hs_lcore's poll loop sees the backlog
 * down to HS_TXQ_LOW and calls hs_tcp_txwait_wake: as Linux's TCP small
 * queues, the data stays in the send queue instead of being sent into
 * a full device queue and lost. */
void
hs_tcp_txwait_add(struct hs_tcp_conn *c)
{
	struct hs_tcp_lcore *tl = &c->lc->tcp;

	if (c->txw_pprev != NULL)
		return;
	c->lc->stats.tcp_tx_wait++;
	if (tl->txwait == NULL)
		tl->txwait_tail = &tl->txwait;
	c->txw_next = NULL;
	c->txw_pprev = tl->txwait_tail;
	*tl->txwait_tail = c;
	tl->txwait_tail = &c->txw_next;
}

void
hs_tcp_txwait_del(struct hs_tcp_conn *c)
{
	struct hs_tcp_lcore *tl = &c->lc->tcp;

	if (c->txw_pprev == NULL)
		return;
	*c->txw_pprev = c->txw_next;
	if (c->txw_next != NULL)
		c->txw_next->txw_pprev = c->txw_pprev;
	else
		tl->txwait_tail = c->txw_pprev;
	c->txw_next = NULL;
	c->txw_pprev = NULL;
}

void
hs_tcp_txwait_wake(struct hs_lcore *lc)
{
	struct hs_tcp_conn *c;

	while ((c = lc->tcp.txwait) != NULL && hs_lcore_tx_room(lc)) {
		hs_tcp_txwait_del(c);
		c->busy++;
		hs_tcp_output(c);
		hs_tcp_conn_put(c);
	}
}

/* Pacing, as Linux's fq with tcp_update_pacing_rate(): new data leaves
 * at rate = cwnd / SRTT times 2 in slow start (cwnd below ssthresh / 2)
 * or 1.2 after, in bursts of max(2 segments, 1 ms at the rate) up to
 * 64 KB.  pace_next_us: when the bytes sent so far are paid for at the
 * rate; a burst may leave while that is at most one burst ahead of now,
 * else t_pace brings output back (the wheel's 1 ms tick).  The initial
 * window (and the one after a restart from idle) goes unpaced, as fq's
 * initial quantum lets a new flow's first packets go.  ACKs,
 * retransmissions and what recovery sends are never held back. */
#define HS_TCP_PACE_BURST_MAX 65536u
static uint64_t
hs_tcp_pace_rate(const struct hs_tcp_conn *c)
{
	uint64_t r = (uint64_t)c->cwnd * 1000000u / c->srtt_us;

	r = c->cwnd < c->ssthresh / 2 ? r * 2 : r * 12 / 10;
	return HS_MAX(r, 1u);
}

static bool
hs_tcp_pace_ok(struct hs_tcp_conn *c)
{
	uint64_t now = c->lc->now_us, rate, q, q_us;

	if (!hs_tcp_params.pacing || c->srtt_us == 0 || c->pace_credit ||
	    c->pace_next_us <= now)
		return true;
	rate = hs_tcp_pace_rate(c);
	q = HS_MAX(2u * (uint64_t)c->mss, rate / 1000u);
	q = HS_MIN(q, (uint64_t)HS_TCP_PACE_BURST_MAX);
	q_us = q * 1000000u / rate;
	if (c->pace_next_us <= now + q_us)
		return true;
	/* Held back by pacing, not by the application: for cwnd
	 * validation (RFC 7661) the window counts as used. */
	if (c->ss.max_flight < c->cwnd)
		c->ss.max_flight = c->cwnd;
	if (!hs_tw_pending(&c->t_pace)) {
		c->lc->stats.tcp_pacing_wait++;
		hs_tcp_timer_arm(c, &c->t_pace, c->pace_next_us - q_us - now);
	}
	return false;
}

static void
hs_tcp_pace_sent(struct hs_tcp_conn *c, uint32_t len)
{
	uint64_t now = c->lc->now_us, t;

	if (!hs_tcp_params.pacing || c->srtt_us == 0)
		return;
	if (c->pace_credit) {
		uint32_t k = HS_MIN(len, c->pace_credit);

		c->pace_credit -= k;
		len -= k;
	}
	t = HS_MAX(c->pace_next_us, now);
	c->pace_next_us = t + (uint64_t)len * 1000000u / hs_tcp_pace_rate(c);
}

/* TSO frame size in payload bytes, a multiple of segsz, as Linux's
 * tcp_tso_autosize() (net/ipv4/tcp_output.c) sizes it: about 1 ms of
 * data at the pacing rate (hs_tcp_pace_rate; Linux's pacing shift of
 * 10), plus, on paths whose minimum RTT is short, up to a whole frame
 * more (tcp_tso_rtt_log 9: 64 KB >> (min_rtt / 512 us)), for at least
 * 2 segments and at most a frame.  Before any RTT sample: a frame.
 * cwnd and the peer's window bound it further (the caller). */
static uint32_t
hs_tcp_tso_goal(const struct hs_tcp_conn *c, uint32_t segsz)
{
	uint32_t max = c->lc->tso_max, segs;
	uint64_t bytes = max;

	if (c->srtt_us) {
		bytes = hs_tcp_pace_rate(c) / 1000u;
		if (c->rtt_min_us && (c->rtt_min_us >> 9) < 32)
			bytes += max >> (c->rtt_min_us >> 9);
	}
	segs = (uint32_t)(HS_MIN(bytes, (uint64_t)max) / segsz);
	segs = HS_MAX(segs, 2u);
	return HS_MIN(segs, max / segsz) * segsz;
}

/* The longest prefix of the len bytes at send-queue offset off (len
 * beyond segsz) one TSO frame can carry, 0 if none beyond a segment:
 * at most lc->tso_max_segs - 1 views (one per queue mbuf touched), every
 * segsz-byte segment the port cuts spanning at most
 * lc->tso_mtu_segs - 1 of them (its header takes one descriptor), cut
 * on a segment boundary unless all of len fits. */
static uint32_t
hs_tcp_tso_fit(struct hs_tcp_conn *c, uint32_t off, uint32_t len,
	       uint32_t segsz)
{
	const struct hs_lcore *lc = c->lc;
	const struct rte_mbuf *s = hs_mq_seek(&c->sndq, &off);
	uint32_t done = 0, views = 0, fit = 0, cur = UINT32_MAX, span = 0;

	for (; s != NULL && done < len; s = s->next, off = 0) {
		uint32_t k = HS_MIN(len - done,
				    (uint32_t)rte_pktmbuf_data_len(s) - off);
		uint32_t first = done / segsz, last = (done + k - 1) / segsz;

		if (++views > (uint32_t)lc->tso_max_segs - 1u)
			break;
		span = first == cur ? span + 1 : 1;
		if (span + 1 > lc->tso_mtu_segs) {
			fit = first * segsz; /* segment `first` cannot go */
			break;
		}
		if (last != first)
			span = 1; /* `last` starts in this view */
		cur = last;
		done += k;
		if (lc->tx_csum_even && (done & 1) && done < len) {
			/* An odd piece inside segment `last` (segments start
			 * on even offsets): the frame ends before it; that
			 * segment leaves alone, summed by us. */
			fit = last * segsz;
			break;
		}
		fit = done == len ? len : done / segsz * segsz;
	}
	return fit > segsz ? fit : 0;
}

/* Payload bytes of each segment the port cuts from a TSO frame of c:
 * the data MSS (mss, hs_tcp_data_mss), and no more than the port's
 * segment size (lc->tso_l3_max) leaves room for, with the headers and
 * the most options a data segment may carry now (hs_tcp_seg_opts:
 * timestamps, SACK blocks while out-of-order data is held). */
static uint32_t
hs_tcp_tso_segsz(const struct hs_tcp_conn *c, uint32_t mss)
{
	uint32_t opt = (c->flags & HS_TCPF_TS) ? HS_TCP_TSOPT_LEN : 0;
	uint32_t hdr = (uint32_t)(sizeof(struct rte_ipv4_hdr) +
				  sizeof(struct rte_tcp_hdr));

	if (hs_tcp_sack_due(c))
		opt += (c->flags & HS_TCPF_TS) ? 28u : 36u;
	if (c->lc->tso_l3_max <= hdr + opt + 1)
		return 0;
	mss = HS_MIN(mss, c->lc->tso_l3_max - hdr - opt);
	/* A port summing mbufs one by one: segments start on even offsets
	 * of the frame (hs_tcp_tso_fit). */
	return c->lc->tx_csum_even ? mss & ~1u : mss;
}

/* A TSO frame of new data at send-queue offset off, unsent bytes
 * waiting, usable the room cwnd and the peer's window leave: its length
 * into *len and its segment size returned, or 0 (*len untouched) when
 * no frame of more than one segment fits.  The length: the autosized
 * goal (hs_tcp_tso_goal), cwnd and the peer's window, whole segments
 * unless it ends the queue (the SWS rule would hold a short last one
 * back), and the port's view limits.  Pacing gates the frame as it
 * gates a segment (hs_tcp_pace_ok) and charges all of it
 * (hs_tcp_pace_sent): the next one waits until its bytes are paid at
 * the rate, as fq spaces a TSO packet (per packet, not per segment). */
static uint32_t
hs_tcp_tso_len(struct hs_tcp_conn *c, uint32_t off, uint32_t unsent,
	       uint32_t usable, uint32_t *len)
{
	uint32_t mss = hs_tcp_data_mss(c), seg = hs_tcp_tso_segsz(c, mss), n;

	if (seg == 0)
		return 0;
	n = HS_MIN(unsent, hs_tcp_tso_goal(c, seg));
	n = HS_MIN(n, usable);
	if (n != unsent)
		n -= n % seg;
	if (n > seg)
		n = hs_tcp_tso_fit(c, off, n, seg);
	if (n <= seg)
		return 0;
	*len = n;
	return seg;
}

void
hs_tcp_output(struct hs_tcp_conn *c)
{
	bool tso_ok = c->lc->tso_max != 0;

	if ((c->flags & HS_TCPF_DEAD) || HS_UNLIKELY(c->lc->tcp.rx_defer == c))
		return;
	if (hs_tcp_sack_recovery(c))
		hs_tcp_sack_output(c);
	/* New data after a pause with nothing in flight: cwnd may have
	 * to restart (RFC 5681 §4.1). */
	if (c->snd_una == c->snd_max && c->sndq.bytes > 0 &&
	    hs_tcp_can_send_data(c))
		hs_tcp_cc_tx_start(c);
	while (!hs_tcp_sack_recovery(c) && hs_tcp_can_send_data(c)) {
		uint32_t off, unsent, win, len, limit, lt, mss, segsz = 0;
		int32_t usable;
		bool fin;
		int rc;

		if (c->sb_n && HS_SEQ_LT(c->snd_nxt, c->snd_max)) {
			/* Go-back-N after an RTO: skip what the peer SACKed
			 * since (RFC 6675 §5.1). */
			uint32_t nxt = hs_tcp_sack_skip(c, c->snd_nxt, &limit);

			c->snd_nxt =
				HS_SEQ_LT(nxt, c->snd_max) ? nxt : c->snd_max;
		} else {
			limit = c->snd_nxt + (UINT32_MAX / 2);
		}
		off = c->snd_nxt - c->snd_una;
		unsent = off < c->sndq.bytes ? c->sndq.bytes - off : 0;
		/* RFC 3042 limited transmit: on the first two duplicate
		 * ACKs, new data up to cwnd + dupacks * SMSS (cwnd itself
		 * unchanged). */
		lt = 0;
		if (c->dupacks > 0 && c->dupacks < 3 &&
		    !(c->flags & HS_TCPF_RECOVERY) && c->snd_nxt == c->snd_max)
			lt = c->dupacks * (uint32_t)c->mss;
		win = HS_MIN(c->snd_wnd, c->cwnd + lt);
		/* NewReno recovery (RFC 6937 §3 without SACK): cwnd counts
		 * against the pipe estimate, the flight less the segments
		 * duplicate ACKs reported delivered. */
		if (c->flags & HS_TCPF_RECOVERY)
			win = HS_MIN(c->snd_wnd, c->cwnd + c->prr_dup);
		usable = (int32_t)(c->snd_una + win - c->snd_nxt);
		mss = hs_tcp_data_mss(c);
		len = HS_MIN(unsent, mss);
		len = HS_MIN(len, usable > 0 ? (uint32_t)usable : 0u);
		len = HS_MIN(len, limit - c->snd_nxt);
		/* TSO: new data in one frame of several segments, outside
		 * recovery and limited transmit. */
		if (tso_ok && unsent > mss && len == mss && c->dupacks == 0 &&
		    !(c->flags & HS_TCPF_RECOVERY) &&
		    HS_SEQ_GEQ(c->snd_nxt, c->snd_max))
			segsz = hs_tcp_tso_len(c, off, unsent, (uint32_t)usable,
					       &len);
		/* The SWS rule holds back new data only: resending what was
		 * sent before (go-back-N after an RTO) may not wait. */
		if (len && !hs_tcp_sws_ok(c, len, unsent) &&
		    c->snd_nxt + len != limit &&
		    !HS_SEQ_LT(c->snd_nxt, c->snd_max))
			len = 0;
		/* FIN goes right after the last queued byte; it needs no
		 * window (the peer ACKs it even at zero window). */
		fin = (c->flags & HS_TCPF_SHUT_WR) &&
		      off + len == c->sndq.bytes;
		if (len == 0 && !fin)
			break;
		if (lt && len &&
		    HS_SEQ_GT(c->snd_nxt + len, c->snd_una + c->cwnd))
			c->lc->stats.tcp_limited_tx++;
		/* New data waits for its pacing turn (not go-back-N). */
		if (len && !HS_SEQ_LT(c->snd_nxt, c->snd_max) &&
		    !(c->flags & HS_TCPF_RECOVERY) && !hs_tcp_pace_ok(c))
			break;
		/* Data waits while the port is not keeping up (hs_lcore.h
		 * HS_TXQ_SIZE); a bare FIN goes. */
		if (len && !hs_lcore_tx_room(c->lc)) {
			hs_tcp_txwait_add(c);
			break;
		}
		rc = hs_tcp_send_data_tso(c, c->snd_nxt, len, fin, segsz);
		if (rc == -E2BIG && segsz) {
			tso_ok = false; /* the views: segments this time */
			continue;
		}
		if (rc < 0)
			break;
		if (len && HS_SEQ_GEQ(c->snd_nxt, c->snd_max))
			hs_tcp_pace_sent(c, len);
		if (fin)
			break;
	}
	if (c->flags & HS_TCPF_ACKNOW)
		hs_tcp_send_ack(c);
	/* Data waiting and nothing in flight, so nothing will clock it
	 * out: the window is zero (persist, RFC 9293 §3.8.6.1) or too
	 * small for the sender's SWS rule (§3.8.6.2.1 override timeout).
	 * Either way a timer must run, or the connection stalls for good
	 * (pacing's own timer, when it holds the data back, is one). */
	if (hs_tcp_can_send_data(c) && c->snd_una == c->snd_max &&
	    c->sndq.bytes > 0 && !hs_tw_pending(&c->t_rexmt) &&
	    !hs_tw_pending(&c->t_pace) && c->txw_pprev == NULL) {
		c->flags |= HS_TCPF_PERSIST;
		hs_tcp_timer_arm(c, &c->t_rexmt, hs_tcp_rto_cur(c));
	} else if (c->snd_una != c->snd_max && hs_tcp_can_send_data(c) &&
		   !hs_tw_pending(&c->t_rexmt)) {
		/* Sequence space outstanding and no timer to recover it
		 * (e.g. the window reopened after a persist probe and the
		 * SWS rule held the resend back): RFC 6298 §5.1, the RTO
		 * runs whenever data is outstanding. */
		hs_tcp_timer_arm(c, &c->t_rexmt, hs_tcp_rto_cur(c));
	}
}
