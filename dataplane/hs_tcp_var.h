/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp_var.h - internals of the TCP implementation: the connection
 * (struct hs_tcp_conn, opaque in hs_tcp.h), its mbuf queues, flags and
 * the functions the TCP files share.
 *
 * Who may include it: the TCP implementation (dataplane/hs_tcp*.c) and
 * the tests and benchmarks of the TCP stack itself (tests/dataplane/,
 * tests/fuzz/fuzz_tcp.c, bench/bench_tcp*).  Every other file, in
 * dataplane/ or above, uses hs_tcp.h and its accessors.
 *
 * Conventions:
 *   - "consumes m": the callee transmits or frees m on every path.
 *   - c->busy > 0 while input or timer code holds a conn across an app
 *     callback; a conn freed meanwhile (app abort, RST...) is only marked
 *     HS_TCPF_DEAD and goes back to the free list in hs_tcp_conn_put().
 */
#ifndef HS_TCP_VAR_H
#define HS_TCP_VAR_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "hs_common.h"
#include "hs_lcore.h"
#include "hs_tcp.h"

/* ---- the connection ------------------------------------------------ */
/* A simple mbuf queue linked through m->next (never transmitted as is). */
struct hs_mbuf_q {
	struct rte_mbuf *head, *tail;
	uint32_t bytes;
	uint32_t count;
	/* hs_mq_seek's cursor: mbuf hint starts at byte hint_off of the
	 * queue (NULL: none); kept valid by hs_mq_pop and hs_mq_drop. */
	struct rte_mbuf *hint;
	uint32_t hint_off;
};

#define HS_TCP_SB_MAX 8 /* SACK scoreboard ranges in the conn */
/* ... in a block from the lcore's pool (hs_tcp_sack.c), taken when the
 * conn's own do not suffice: a drop-tail queue overflowing under a paced
 * flight loses every other segment, one hole each. */
#define HS_TCP_SB_BIG 512
/* Blocks per lcore (4 KiB each): one per 8 conns, 4 to 256. */
#define HS_TCP_SB_BLOCKS(max_conns)       \
	((max_conns) / 8u < 4u     ? 4u   \
	 : (max_conns) / 8u > 256u ? 256u \
				   : (max_conns) / 8u)
/* SACK blocks we keep to report (RFC 2018 §3: an option holds 4). */
#define HS_TCP_SACK_BLKS 4

#define HS_TCP_RXT_LOG 8  /* retransmission send times kept */
#define HS_TCP_TXLOG   24 /* RACK send-time ranges kept */

/* A TCP connection (opaque outside the TCP implementation: hs_tcp.h
 * declares it and its accessors). Hot fields first. */
struct hs_tcp_conn {
	/* lookup: 4-tuple, network byte order */
	struct hs_tcp_conn *hnext;
	uint32_t faddr, laddr;
	uint16_t fport, lport;
	uint8_t state; /* enum hs_tcp_state */
	uint8_t snd_wscale, rcv_wscale;
	uint8_t busy;     /* >0 while input/timer code holds it */
	uint16_t flags;   /* HS_TCPF_* (hs_tcp_var.h) */
	uint8_t dupacks;  /* consecutive duplicate ACKs */
	uint8_t listener; /* index in hs_tcp_lcore.listeners */

	/* send sequence space, RFC 9293 §3.3.1 */
	uint32_t snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, iss;
	uint32_t cwnd, ssthresh;
	uint32_t recover;     /* NewReno, RFC 6582 */
	uint32_t max_sndwnd;  /* largest window the peer offered */
	uint16_t mss;         /* effective send MSS */
	uint16_t rexmt_shift; /* backoff count */

	/* receive sequence space */
	uint32_t rcv_nxt, rcv_wnd, rcv_adv, irs;

	/* RTT estimation, RFC 6298 (microseconds) */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint32_t rtt_last_us;  /* latest sample (RFC 8985 RACK.rtt) */
	uint32_t rtt_seq;      /* segment being timed */
	uint64_t rtt_start_us; /* 0 = not timing */

	struct hs_mbuf_q sndq; /* bytes from snd_una onwards */
	struct hs_mbuf_q rcvq; /* in-order bytes not yet read */
	struct hs_mbuf_q ooq;  /* out-of-order segments (reassembly) */
	uint32_t ooq_fin;      /* seq of a FIN held beyond a hole */
	uint32_t last_rx_ms;   /* last segment accepted (keep-alive) */
	uint8_t keep_probes;   /* unanswered keep-alive probes */
	uint8_t src_held;      /* counted in hs_tcp_lcore.src_tab */
	/* SACK blocks we report (RFC 2018 §4), most recently changed
	 * first: [i][0] left edge, [i][1] right edge; sack_nblk in use. */
	uint32_t sack_blk[HS_TCP_SACK_BLKS][2];
	uint8_t sack_nblk;
	/* D-SACK to report (RFC 2883): duplicate data received, [l, r);
	 * pending while l != r, reported once, in the next segment */
	uint32_t dsack_l, dsack_r;
	/* RFC 7323 timestamps (HS_TCPF_TS) */
	uint32_t ts_recent;     /* TS.Recent */
	uint32_t ts_recent_ms;  /* our ms clock when TS.Recent was set */
	uint32_t ts_offset;     /* per-conn offset of our TSval clock */
	uint32_t last_ack_sent; /* Last.ACK.sent */
	uint32_t sndbuf;        /* soft send-buffer limit, bytes
	                                * (grows with cwnd, hs_tcp_sndbuf_expand) */
	uint32_t sndbuf_grow;   /* cwnd above which sndbuf grows */
	uint32_t rcvbuf;        /* receive buffer, bytes (grows with what
	                                * the app reads per RTT, hs_tcp_rcvbuf_tune) */
	uint32_t rcv_space;     /* bytes read in the last measured RTT */
	uint32_t rcv_copied;    /* bytes read since rcv_space_us */
	uint32_t rcv_space_us;  /* start of the measurement, 0 = none */
	uint32_t prog_ms;       /* last progress: HS_TCP_PROG_BYTES acked
	                                * by the peer or read by the app */
	uint32_t prog_acc;      /* bytes of progress since prog_ms */
	/* hs_tcp_lcore.memwait list (HS_TCPF2_MEMWAIT): waiting for the
	 * lcore's memory budget to free send space */
	struct hs_tcp_conn *mw_next, **mw_pprev;
	/* hs_tcp_lcore.txwait list (on it when txw_pprev != NULL): new
	 * data held back while the lcore's TX backlog is high */
	struct hs_tcp_conn *txw_next, **txw_pprev;

	/* RFC 6675 scoreboard: SACKed ranges above snd_una reported by the
	 * peer, sorted and disjoint ([sb[i][0], sb[i][1])), sb_n of sb_cap;
	 * sb is sb_in or a block of HS_TCP_SB_BIG from the lcore's pool
	 * (hs_tcp_sack.c), given back once sb_in holds them again. */
	uint32_t (*sb)[2];
	uint32_t sb_in[HS_TCP_SB_MAX][2];
	uint16_t sb_n, sb_cap;
	uint32_t high_rxt;   /* RFC 6675 HighRxt */
	uint32_t rescue_rxt; /* RFC 6675 RescueRxt (HS_TCPF2_RESCUE) */
	uint32_t lost_mark;  /* unSACKed bytes below are lost (HS_TCPF2_LOST) */
	uint32_t tlp_seq, tlp_end; /* RFC 8985 §7: probe start, TLP.end_seq */
	/* Send times of the retransmissions not yet cumulatively acked
	 * (RFC 8985 §6.2 lost-retransmission detection, hs_tcp_sack.c):
	 * [i][0] end sequence, [i][1] low 32 bits of now_us. */
	uint32_t rxt_log[HS_TCP_RXT_LOG][2];
	uint8_t rxt_n;
	/* With HS_TCPF2_RXT_SKIP: retransmissions in [rxt_lost_end,
	 * rxt_resume) are recent, not lost: NextSeg skips them. */
	uint32_t rxt_lost_end, rxt_resume;
	/* RFC 8985 RACK (hs_tcp_sack.c): send times of the sequence space
	 * in flight, oldest first, as ranges ending at txlog[i][0] (each
	 * starts where the previous ends, the first at SND.UNA), last sent
	 * at txlog[i][1] (low 32 bits of now_us); a range is at most
	 * rack_gran_us old when a send extends it, and the last absorbs
	 * everything once the log is full.  txlog_rxt[i]: range i holds
	 * retransmitted bytes. */
	uint32_t txlog[HS_TCP_TXLOG][2];
	uint8_t txlog_rxt[HS_TCP_TXLOG];
	uint8_t txlog_n;
	uint8_t rack_flags;       /* HS_RACK_* (hs_tcp_var.h) */
	uint8_t rack_reo_mult;    /* RACK.reo_wnd_mult, 0 = 1 */
	uint8_t rack_reo_persist; /* RACK.reo_wnd_persist */
	uint32_t rack_xmit_us;    /* RACK.xmit_ts (HS_RACK_VALID) */
	uint32_t rack_end;        /* RACK.end_seq */
	uint32_t rack_rtt_us;     /* RACK.rtt */
	uint32_t rack_fack;       /* highest SACKed/acked sequence */
	uint32_t rack_dsack_end;  /* one reo_wnd_mult step per round */
	uint32_t rtt_min_us;      /* smallest RTT sample, 0 = none */
	/* RFC 6937 Proportional Rate Reduction, during fast recovery
	 * (hs_tcp_in.c hs_tcp_prr_ack()), bytes */
	uint32_t prr_delivered;  /* prr_delivered */
	uint32_t prr_out;        /* prr_out: sent since recovery began */
	uint32_t prr_recover_fs; /* RecoverFS: flight when it began */
	uint32_t prr_dup;        /* without SACK: bytes credited by dupacks */
	uint8_t flags2;          /* HS_TCPF2_* (hs_tcp_var.h) */
	/* Congestion control (hs_tcp_cc.c) and its per-conn state. */
	const struct hs_tcp_cc *cc;
	struct {
		double w_max;      /* RFC 9438 W_max, bytes */
		double w_est;      /* Reno-friendly estimate, bytes */
		double k_s;        /* K, seconds */
		uint64_t epoch_us; /* start of the epoch, 0 = none */
		uint64_t acc;      /* byte-ack accumulator for increments */
		double cwnd_prior; /* cwnd at the last reduction, bytes (§4.3) */
	} cubic;
	/* Shared by the algorithms (hs_tcp_cc.c): rounds of one flight,
	 * HyStart++ (RFC 9406) and cwnd validation (RFC 7661). */
	struct {
		uint32_t
			round_end; /* RFC 9406 windowEnd: SND.MAX at round start */
		uint32_t max_flight; /* largest flight sent this round, bytes */
		uint32_t last_max_flight; /* ... in the previous round */
		uint32_t
			last_min_rtt_us; /* RFC 9406 lastRoundMinRTT, 0 = none */
		uint32_t cur_min_rtt_us;  /* currentRoundMinRTT, 0 = none */
		uint32_t css_base_rtt_us; /* cssBaselineMinRtt */
		uint32_t
			last_send_ms; /* when new data last left (idle restart) */
		uint32_t run_min_rtt_us; /* smallest sample of the run */
		uint8_t rtt_cnt;         /* rttSampleCount (saturates) */
		uint8_t css_rounds;      /* rounds spent in CSS */
		uint8_t hystart;         /* HS_HYSTART_* (hs_tcp_cc.c) */
		uint8_t run;             /* consecutive samples above the
		                          * delay threshold (saturates) */
	} ss;

	struct hs_timer t_rexmt; /* RTO / persist / SYN-ACK retransmit /
	                                * TLP (HS_TCPF2_PTO) */
	struct hs_timer t_misc;  /* delayed ACK / TIME_WAIT / FIN_WAIT_2 */
	struct hs_timer t_app;   /* hs_tcp_set_timeout() -> ops->timeout */
	struct hs_timer t_keep;  /* keep-alive (RFC 9293 §3.8.4) */
	struct hs_timer t_pace;  /* pacing: new data may leave again */
	uint64_t pace_next_us;   /* pacing: when the sent bytes are paid */
	uint32_t pace_credit;    /* pacing: bytes that may go unpaced (the
	                                * initial window, as fq's initial quantum) */

	struct hs_lcore *lc;
	const struct hs_tcp_ops *ops;
	void *app;                     /* the app's state (hs_tcp_app()) */
	struct hs_tcp_conn *free_next; /* free list link */
	struct hs_tcp_conn *tw_next, *tw_prev; /* TIME_WAIT FIFO links */
	uint32_t id;                           /* index in the table */
} __rte_cache_aligned;

/* ---- c->flags ---------------------------------------------------------- */
#define HS_TCPF_ACKNOW    0x0001u /* send an ACK at the next output */
#define HS_TCPF_DELACK    0x0002u /* ACK owed, delayed-ACK timer armed */
#define HS_TCPF_FULLSEG   0x0004u /* one full-sized segment not yet acked */
#define HS_TCPF_FIN_RCVD  0x0008u /* peer's FIN received (in order) */
#define HS_TCPF_SHUT_WR   0x0010u /* app closed: FIN after queued data */
#define HS_TCPF_SENTFIN   0x0020u /* FIN sent at least once (seq snd_max-1) */
#define HS_TCPF_APP       0x0040u /* accepted by the app: closed() owed */
#define HS_TCPF_DEAD      0x0080u /* detached; back to free list when idle */
#define HS_TCPF_RECOVERY  0x0100u /* NewReno fast recovery (RFC 6582) */
#define HS_TCPF_PERSIST   0x0200u /* t_rexmt is the persist timer */
#define HS_TCPF_RXDATA    0x0400u /* readable() due after this segment */
#define HS_TCPF_TXSPACE   0x0800u /* writable() due after this segment */
#define HS_TCPF_OOQ_FIN   0x1000u /* c->ooq_fin: FIN received beyond a hole */
#define HS_TCPF_TS        0x2000u /* timestamps negotiated (RFC 7323 §3) */
#define HS_TCPF_SACK      0x4000u /* SACK permitted by both (RFC 2018) */
#define HS_TCPF_WSCALE_OK 0x8000u /* window scaling negotiated (RFC 7323 §2) */
/* c->flags is 16 bits wide and full: RFC 6675 recovery is RECOVERY with
 * SACK negotiated (hs_tcp_sack_recovery()). */

/* ---- c->flags2 --------------------------------------------------------- */
#define HS_TCPF2_PTO    0x01u /* t_rexmt is the TLP timer (RFC 8985 §7.2) */
#define HS_TCPF2_TLP    0x02u /* a probe is outstanding (tlp_seq, tlp_end) */
#define HS_TCPF2_RESCUE 0x04u /* rescue_rxt is defined (RFC 6675 §4 rule 4) */
#define HS_TCPF2_LOST   0x08u /* lost_mark is valid */
#define HS_TCPF2_TLP_RXT \
	0x10u                   /* the probe was a retransmission, no
				 * recovery since (RFC 8985 §7.4) */
#define HS_TCPF2_MEMWAIT  0x20u /* on hs_tcp_lcore.memwait (hs_tcp_mem.c) */
#define HS_TCPF2_RXT_SKIP 0x40u /* rxt_lost_end, rxt_resume are valid */
#define HS_TCPF2_REO \
	0x80u /* t_rexmt is the RACK reordering timer
				 * (RFC 8985 §6.3); no RTO meanwhile (§8) */

/* SACK blocks go out with our segments (RFC 2018 §4): while we hold
 * out-of-order data, and once after duplicate data (a D-SACK, RFC 2883). */
#define hs_tcp_sack_due(c)                                                   \
	(((c)->flags & HS_TCPF_SACK) &&                                      \
	 ((c)->ooq.count != 0 || (c)->dsack_l != (c)->dsack_r))

/* ---- c->rack_flags ------------------------------------------------------ */
#define HS_RACK_VALID 0x01u /* rack_xmit_us, rack_end, rack_rtt_us set */
#define HS_RACK_REORD 0x02u /* RACK.reord: reordering seen (§6.2) */
#define HS_RACK_FACK  0x04u /* rack_fack set */

/* TCP header flag bits (th->tcp_flags). */
#define HS_TH_FIN RTE_TCP_FIN_FLAG
#define HS_TH_SYN RTE_TCP_SYN_FLAG
#define HS_TH_RST RTE_TCP_RST_FLAG
#define HS_TH_PSH RTE_TCP_PSH_FLAG
#define HS_TH_ACK RTE_TCP_ACK_FLAG
#define HS_TH_URG RTE_TCP_URG_FLAG

/* Option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018). */
#define HS_TCPOPT_EOL     0
#define HS_TCPOPT_NOP     1
#define HS_TCPOPT_MSS     2
#define HS_TCPOPT_WSCALE  3
#define HS_TCPOPT_SACK_OK 4
#define HS_TCPOPT_SACK    5
#define HS_TCPOPT_TS      8

#define HS_TCP_DEFAULT_MSS  536u   /* RFC 9293 §3.7.1 when no MSS option */
#define HS_TCP_MIN_MSS      64u    /* floor against tiny-MSS resource abuse */
#define HS_TCP_MAX_WIN      65535u /* largest unscaled window field */
#define HS_TCP_MAX_WSCALE   14u    /* RFC 7323 §2.3 */
#define HS_TCP_TSOPT_LEN    12u    /* nop, nop, TS: per-segment cost */
/* RFC 7323 §5.5: TS.Recent older than 24 days is invalid for PAWS. */
#define HS_TCP_PAWS_IDLE_MS (24u * 24 * 3600 * 1000)
#define HS_TCP_MAX_CWND     (1u << 30)

/* Parsed options. */
struct hs_tcp_opts {
	uint16_t mss;
	uint8_t wscale;
	uint8_t has_mss : 1, has_wscale : 1, sack_ok : 1, has_ts : 1;
	uint8_t nsack; /* SACK blocks (RFC 2018 §3), <= 4 */
	uint32_t tsval, tsecr;
	uint32_t sack[4][2]; /* left, right edges, host order */
};

/* One arriving segment, host byte order. */
struct hs_tcp_seg {
	uint32_t seq, ack;
	uint32_t dlen; /* payload bytes */
	uint32_t len;  /* dlen + SYN + FIN (sequence space) */
	uint32_t wnd;  /* raw window field */
	/* Payload of the frame this segment is a piece of (hs_tcp_input_chain:
	 * 1 on all but the last piece, the frame's on the last), for the
	 * every-second-full-sized-segment ACK rule; 0: dlen, not a piece. */
	uint32_t frame_dlen;
	uint8_t flags; /* HS_TH_* */
	struct hs_tcp_opts opt;
};

/* ---- mbuf queue (linked through m->next, each mbuf one segment with
 * pkt_len == data_len; never handed to rte_pktmbuf_free as a chain).
 * Queues edited by hand (the out-of-order queue, hs_tcp_in.c) must not
 * be used with hs_mq_seek / hs_mq_copy. ---- */
static inline void
hs_mq_push(struct hs_mbuf_q *q, struct rte_mbuf *m)
{
	m->next = NULL;
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->bytes += rte_pktmbuf_data_len(m);
	q->count++;
}

/* Unlink the head mbuf and return it (caller owns it), NULL if empty. */
static inline struct rte_mbuf *
hs_mq_pop(struct hs_mbuf_q *q)
{
	struct rte_mbuf *m = q->head;

	if (m == NULL)
		return NULL;
	q->head = m->next;
	if (q->head == NULL)
		q->tail = NULL;
	m->next = NULL;
	q->bytes -= rte_pktmbuf_data_len(m);
	q->count--;
	if (m == q->hint)
		q->hint = NULL;
	else
		q->hint_off -= rte_pktmbuf_data_len(m);
	return m;
}

/* Free every mbuf of the queue, one segment at a time. */
static inline void
hs_mq_free(struct hs_mbuf_q *q)
{
	struct rte_mbuf *m;

	while ((m = hs_mq_pop(q)) != NULL)
		rte_pktmbuf_free_seg(m);
}

/* Drop len bytes from the front of the queue (len <= q->bytes). */
static inline void
hs_mq_drop(struct hs_mbuf_q *q, uint32_t len)
{
	while (len > 0 && q->head != NULL) {
		struct rte_mbuf *m = q->head;
		uint32_t dl = rte_pktmbuf_data_len(m);

		if (len >= dl) {
			rte_pktmbuf_free_seg(hs_mq_pop(q));
			len -= dl;
		} else {
			rte_pktmbuf_adj(m, (uint16_t)len);
			q->bytes -= len;
			if (q->hint != m) /* the head still starts at 0 */
				q->hint_off -= len;
			len = 0;
		}
	}
}

/* The mbuf holding byte *off of the queue (NULL if beyond); *off becomes
 * the offset inside it.  Starts from the cursor of the previous seek when
 * that lies at or before *off: segments are sent in sequence order, so a
 * walk from the head (a cache miss per mbuf of a 256 KiB queue) happens
 * only after going back (retransmissions). */
static inline struct rte_mbuf *
hs_mq_seek(struct hs_mbuf_q *q, uint32_t *off)
{
	struct rte_mbuf *m = q->head;
	uint32_t o = *off, base = 0;

	if (q->hint != NULL && o >= q->hint_off) {
		m = q->hint;
		base = q->hint_off;
	}
	while (m != NULL && o - base >= rte_pktmbuf_data_len(m)) {
		base += rte_pktmbuf_data_len(m);
		m = m->next;
	}
	if (m != NULL) {
		q->hint = m;
		q->hint_off = base;
	}
	*off = o - base;
	return m;
}

/* Copy len bytes starting at byte off of the queue into dst. */
static inline void
hs_mq_copy(struct hs_mbuf_q *q, uint32_t off, void *dst, uint32_t len)
{
	const struct rte_mbuf *m = hs_mq_seek(q, &off);
	uint8_t *d = (uint8_t *)dst;

	while (m != NULL && len > 0) {
		uint32_t n =
			HS_MIN(len, (uint32_t)rte_pktmbuf_data_len(m) - off);

		memcpy(d, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n);
		d += n;
		len -= n;
		off = 0;
		m = m->next;
	}
}

/* ---- tunables helpers -------------------------------------------------- */
static inline uint32_t
hs_ms_to_us(uint32_t ms)
{
	return ms * 1000u;
}

/* Our millisecond clock for timestamps (RFC 7323 §5.4: 1 ms ticks). */
static inline uint32_t
hs_tcp_ms(const struct hs_lcore *lc)
{
	return (uint32_t)(lc->now_us / 1000u);
}

/* Our TSval for c. */
static inline uint32_t
hs_tcp_tsval(const struct hs_tcp_conn *c)
{
	return hs_tcp_ms(c->lc) + c->ts_offset;
}

/* Window shift we offer for a receive buffer (RFC 7323 §2.3): the
 * smallest that lets the 16-bit field cover rcvbuf. */
static inline uint8_t
hs_tcp_wscale_for(uint32_t rcvbuf)
{
	uint8_t s = 0;

	while (s < HS_TCP_MAX_WSCALE && (rcvbuf >> s) > HS_TCP_MAX_WIN)
		s++;
	return s;
}

/* Our MSS: IP MTU minus 20 (IP) and 20 (TCP), and no more than a frame
 * of tx_max_segs packet mbufs holds with 40 bytes of options (a copied
 * payload that no views carry is copied into that many, hs_tcp_out.c). */
static inline uint16_t
hs_tcp_our_mss(const struct hs_lcore *lc)
{
	uint32_t mss = (uint32_t)lc->ifp->mtu - 40;
	uint32_t cap = (uint32_t)lc->tx_mbuf_room * lc->tx_max_segs;

	if (cap != 0 && mss + 80 > cap) /* 0: not set (unit tests) */
		mss = HS_MAX(cap, 80u + HS_TCP_MIN_MSS) - 80;
	return (uint16_t)mss;
}

/* Current RTO with exponential backoff, bounded by rto_max (RFC 6298 5.5). */
static inline uint32_t
hs_tcp_rto_cur(const struct hs_tcp_conn *c)
{
	uint64_t rto = (uint64_t)c->rto_us << HS_MIN(c->rexmt_shift, 20);
	uint64_t max = hs_ms_to_us(hs_tcp_params.rto_max_ms);

	return (uint32_t)HS_MIN(rto, max);
}

/* ---- hs_tcp_mem.c: memory budgets and shedding ---- */
/* A conn holding fewer receive mbufs than this may take one from the
 * lcore's reserve (a request, an ACK-clocked upload keeps moving).  Not
 * a whole TLS record's worth: under memory pressure a record received
 * in place (hs_tcp_recv_peek) may wait for the pressure to pass (or its
 * connection be shed) rather than thousands of slow senders each hold
 * a record of the reserve, which must stay for new connections. */
#define HS_TCP_RCV_MIN_MBUFS 4u
/* Bytes acked or read that count as progress (see hs_tcp_mem.c). */
#define HS_TCP_PROG_BYTES    1024u

/* mbufs held by the queues of every conn of the lcore. */
static inline uint32_t
hs_tcp_mem_used(const struct hs_tcp_lcore *tl)
{
	return tl->sndq_mbufs + tl->rcvq_mbufs + tl->ooq_mbufs;
}
/* Budgets from hs_tcp_params (hs_tcp_lcore_init). */
void hs_tcp_mem_init(struct hs_lcore *lc);
/* May c queue n more send mbufs (per-conn and per-lcore budgets)? */
bool hs_tcp_mem_snd_ok(const struct hs_tcp_conn *c, uint32_t n);
/* May c keep one more received mbuf (lcore budget)? */
bool hs_tcp_mem_rcv_ok(const struct hs_tcp_conn *c);
/* Send-buffer autotuning: called when cwnd passed c->sndbuf_grow. */
void hs_tcp_sndbuf_expand(struct hs_tcp_conn *c);
/* The app read n bytes: once per RTT, grow the receive buffer to what
 * it reads per RTT (Linux's tcp_rcv_space_adjust, DRS). */
void hs_tcp_rcvbuf_tune(struct hs_tcp_conn *c, uint32_t n);
/* Out-of-order data now reaches end: make room for it on top (Linux's
 * tcp_rcvbuf_grow from tcp_data_queue_ofo). */
void hs_tcp_rcvbuf_ooo(struct hs_tcp_conn *c, uint32_t end);
/* bytes acked by the peer or read by the app. */
void hs_tcp_mem_progress(struct hs_tcp_conn *c, uint32_t bytes);
/* Wait for send space freed by other conns (idempotent); _del unlinks. */
void hs_tcp_memwait_add(struct hs_tcp_conn *c);
void hs_tcp_memwait_del(struct hs_tcp_conn *c);
void hs_tcp_txwait_add(struct hs_tcp_conn *c);
void hs_tcp_txwait_del(struct hs_tcp_conn *c);
/* Gauges, shedding and wake-ups; bounded work, every HS_TCP_MEM_TICK_US. */
void hs_tcp_mem_tick(struct hs_lcore *lc);

/* Window scale we offer: room for the largest receive buffer a
 * connection may grow to (hs_tcp_rcvbuf_tune). */
static inline uint8_t
hs_tcp_rcv_wscale(void)
{
	return hs_tcp_wscale_for(
		HS_MAX(hs_tcp_params.rcvbuf, hs_tcp_params.rcvbuf_max));
}

/* Receive window we can offer now (bytes, unscaled, RFC 9293 §3.8.6):
 * the byte budget left, but also what the conn's mbuf budget still
 * covers at one segment per mbuf, and under memory pressure (the lcore
 * above mem_high) no more than a few segments for a conn that holds
 * little, nothing for others.  A smaller offer than the buffer is the
 * receiver's right (RFC 9293 §3.8.6.2.2); the right edge already offered
 * never moves back (RFC 9293 §3.8.6, "shrinking the window" is avoided). */
static inline uint32_t
hs_tcp_rcv_space(const struct hs_tcp_conn *c)
{
	const struct hs_tcp_lcore *tl = &c->lc->tcp;
	uint32_t w = c->rcvbuf > c->rcvq.bytes ? c->rcvbuf - c->rcvq.bytes : 0;
	uint32_t adv =
		HS_SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t held = c->rcvq.count + c->ooq.count;
	uint32_t budget = hs_tcp_buf_mbufs(c->rcvbuf);
	uint32_t segs = budget > held ? budget - held : 0;

	if (hs_tcp_mem_used(tl) >= tl->mem_high)
		segs = held < HS_TCP_RCV_MIN_MBUFS
			       ? HS_MIN(segs, HS_TCP_RCV_MIN_MBUFS - held)
			       : 0;
	w = HS_MIN(w, segs * (uint32_t)HS_MAX(c->mss, HS_TCP_DEFAULT_MSS));
	w = HS_MIN(w, HS_TCP_MAX_WIN << c->rcv_wscale);
	return HS_MAX(w, adv); /* never shrink the window */
}

/* ---- hs_tcp_cc.c: congestion control (RFC 5681, RFC 9438, RFC 9406) ----
 * Called with cwnd/ssthresh in bytes.  Slow start (byte counting,
 * HyStart++), the rounds it needs, cwnd validation and the restart after
 * idle are shared (hs_tcp_cc_*); the algorithm's cong_avoid gets the
 * bytes acked in congestion avoidance, on_loss a congestion event (fast
 * retransmit or RTO): it sets ssthresh, the caller then sets cwnd.
 * after_idle (optional): new data leaves after idle_us without any in
 * flight.  Per-conn state lives in c->cubic and c->ss. */
struct hs_tcp_cc {
	const char *name;
	void (*init)(struct hs_tcp_conn *c);
	void (*cong_avoid)(struct hs_tcp_conn *c, uint32_t acked);
	void (*on_loss)(struct hs_tcp_conn *c, bool rto);
	void (*after_idle)(struct hs_tcp_conn *c, uint64_t idle_us);
};
/* A SYN was accepted (c->mss known): the initial window. */
void hs_tcp_cc_start(struct hs_tcp_conn *c);
/* New data acked outside loss recovery: acked bytes (SND.UNA already
 * advanced), rtt_us an RTT sample carried by this ACK (0 = none). */
void hs_tcp_cc_ack(struct hs_tcp_conn *c, uint32_t acked, uint32_t rtt_us);
/* Before new data leaves: restart after idle (RFC 5681 §4.1). */
void hs_tcp_cc_tx_start(struct hs_tcp_conn *c);
/* After new data left: records the flight for cwnd validation. */
void hs_tcp_cc_sent(struct hs_tcp_conn *c);
extern const struct hs_tcp_cc *const hs_tcp_cc_tab[2];

/* ---- hs_tcp_sack.c: RFC 6675 scoreboard ---- */
static inline bool
hs_tcp_sack_recovery(const struct hs_tcp_conn *c)
{
	return (c->flags & (HS_TCPF_RECOVERY | HS_TCPF_SACK)) ==
	       (HS_TCPF_RECOVERY | HS_TCPF_SACK);
}
/* Merge the segment's SACK blocks into the scoreboard (blocks outside
 * (SND.UNA, SND.MAX] are ignored, RFC 2018 §3).  Returns true if they
 * SACKed bytes not SACKed before. */
bool hs_tcp_sack_update(struct hs_tcp_conn *c, const struct hs_tcp_opts *o);
/* Forget ranges at or below SND.UNA (after a cumulative ACK). */
void hs_tcp_sack_trim(struct hs_tcp_conn *c);
/* Forget every range (RFC 2018 §8 after an RTO; a conn going away): the
 * pool block, if any, goes back. */
void hs_tcp_sack_clear(struct hs_tcp_conn *c);
/* The lcore's pool of scoreboard blocks: nb blocks (0: none, every conn
 * keeps HS_TCP_SB_MAX ranges).  Returns 0 or -ENOMEM. */
int hs_tcp_sb_pool_init(struct hs_lcore *lc, uint32_t nb);
void hs_tcp_sb_pool_fini(struct hs_lcore *lc);
/* RFC 6675 §4 IsLost granularity: bytes below the returned sequence that
 * are not SACKed are lost (== SND.UNA when nothing is). */
uint32_t hs_tcp_sack_lost_end(const struct hs_tcp_conn *c);
/* RFC 6675 §4 SetPipe: bytes presumed in flight. */
uint32_t hs_tcp_sack_pipe(const struct hs_tcp_conn *c);
/* RFC 6675 §4 NextSeg rules 1 and 3: a retransmission [*seq, *seq+*len)
 * of at most max bytes.  Rule 3 only if rule3 is set.  False if none. */
bool hs_tcp_sack_nextseg_rexmit(const struct hs_tcp_conn *c, uint32_t max,
				bool rule3, uint32_t *seq, uint32_t *len);
/* If seq lies in a SACKed range, its end, else seq; *limit = start of the
 * next SACKed range above seq (or seq + UINT32_MAX/2 if none). */
uint32_t hs_tcp_sack_skip(const struct hs_tcp_conn *c, uint32_t seq,
			  uint32_t *limit);

/* Retransmission send times (RFC 8985 §6.2 simplified): record one
 * ending at end sent now; forget those at or below SND.UNA; and, on
 * new SACK information, declare lost those older than SRTT + reo_wnd
 * (SRTT/4) and not covered by ack: HighRxt goes back to SND.UNA so
 * NextSeg resends them, the recent ones above are skipped
 * (HS_TCPF2_RXT_SKIP).  Returns true if some were declared lost. */
void hs_tcp_rxt_log(struct hs_tcp_conn *c, uint32_t end);
void hs_tcp_rxt_acked(struct hs_tcp_conn *c);
bool hs_tcp_rxt_lost(struct hs_tcp_conn *c, uint32_t ack);
/* ---- RACK (RFC 8985 §6), hs_tcp_sack.c ---- */
/* [seq, end) (+FIN) just left, a retransmission if rexmt: the send-time
 * log follows. */
void hs_tcp_txlog_sent(struct hs_tcp_conn *c, uint32_t seq, uint32_t end,
		       bool rexmt);
/* An ACK arrives with cumulative ack and SACK blocks o (SND.UNA not yet
 * advanced): RACK.xmit_ts / end_seq / rtt from the most recently sent
 * data it delivers (§6.2 step 2), RACK.reord (step 3), D-SACK and
 * reo_wnd_mult (step 4). */
void hs_tcp_rack_ack(struct hs_tcp_conn *c, uint32_t ack,
		     const struct hs_tcp_opts *o);
/* RACK.reo_wnd (§6.2 step 4), microseconds. */
uint32_t hs_tcp_rack_reo_wnd(const struct hs_tcp_conn *c);
/* §6.2 step 5: mark lost what was sent RACK.rtt + reo_wnd before now
 * and before the last delivered data (lost_mark); returns microseconds
 * until the next unSACKed range would be, 0 if none waits (§6.3). */
uint32_t hs_tcp_rack_detect(struct hs_tcp_conn *c);
/* hs_tcp_timer.c: detection, recovery start, reordering timer. */
void hs_tcp_rack_run(struct hs_tcp_conn *c, bool timer);
/* One recovery ended: reo_wnd_persist (§6.2 step 4). */
void hs_tcp_rack_recovery_done(struct hs_tcp_conn *c);

/* Forget every retransmission time and skip range. */
static inline void
hs_tcp_rxt_reset(struct hs_tcp_conn *c)
{
	c->rxt_n = 0;
	c->flags2 &= ~HS_TCPF2_RXT_SKIP;
}

/* RFC 6675 §4 NextSeg rule 4 (rescue retransmission): one segment
 * holding the highest unSACKed byte.  False if there is none. */
bool hs_tcp_sack_rescue(const struct hs_tcp_conn *c, uint32_t max,
			uint32_t *seq, uint32_t *len);

/* ---- hs_tcp_conn.c ---- */
struct hs_tcp_conn *hs_tcp_conn_lookup(struct hs_lcore *lc, uint32_t faddr,
				       uint32_t laddr, uint16_t fport,
				       uint16_t lport);
int hs_tcp_listener_find(struct hs_lcore *lc, uint16_t lport);
/* New SYN_RCVD conn (not yet sending anything).  A full table recycles
 * its oldest TIME_WAIT conn (tcp_tw_recycled).  NULL at the table limit
 * (no TIME_WAIT conn either) or the per-source limit, each counted
 * (drop_tcp_conn_limit, drop_tcp_src_limit). */
struct hs_tcp_conn *hs_tcp_conn_new(struct hs_lcore *lc, uint32_t faddr,
				    uint32_t laddr, uint16_t fport,
				    uint16_t lport, int listener);
/* Detach c (timers, queues, hash, gauge) and release it unless busy.
 * If it was accepted, ops->closed(c, reason) is called first.  The conn
 * must not be touched by the caller afterwards except c->flags/busy. */
void hs_tcp_conn_drop(struct hs_tcp_conn *c, int reason);
/* End of a busy section: returns the conn to the free list if it died. */
void hs_tcp_conn_put(struct hs_tcp_conn *c);
/* Give back c's slot in the per-source count (idempotent): on detach and
 * on entering TIME_WAIT, which holds no application resources. */
void hs_tcp_src_release(struct hs_tcp_conn *c);
/* c enters TIME_WAIT: last in the lcore's TIME_WAIT FIFO. */
void hs_tcp_tw_enqueue(struct hs_tcp_conn *c);
/* A slot is free now or can be made free by recycling a TIME_WAIT conn. */
static inline bool
hs_tcp_slot_available(const struct hs_lcore *lc)
{
	return lc->tcp.free_list != NULL || lc->tcp.tw_head != NULL;
}
/* Conns of source addr (network order) counted now. */
uint32_t hs_tcp_src_count(struct hs_lcore *lc, uint32_t addr);
uint32_t hs_tcp_isn(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr,
		    uint16_t fport, uint16_t lport);
uint32_t hs_tcp_ts_offset(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr,
			  uint16_t fport, uint16_t lport);
/* Keyed 64-bit MAC over the 4-tuple, the peer's ISN and data (SYN
 * cookies, hs_tcp_cookie.c). */
uint64_t hs_tcp_cookie_mac(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr,
			   uint16_t fport, uint16_t lport, uint32_t irs,
			   uint64_t data);

/* ---- hs_tcp_cookie.c: SYN cookies (RFC 4987 §3.6) ---- */
/* What a valid cookie restores.  wscale: the peer's shift, -1 = none. */
struct hs_tcp_cookie {
	uint16_t mss;
	int8_t wscale;
	bool sack, ts;
};
enum {
	HS_COOKIE_DROP = -2, /* drop silently (counted) */
	HS_COOKIE_BAD = -1,  /* not a valid cookie (counted): no conn */
	HS_COOKIE_NONE = 0,  /* cookies not in use: an ordinary stray ACK */
	HS_COOKIE_OK = 1,    /* valid: *out filled */
};
/* The ISS of a cookie SYN-ACK answering syn (addresses network order,
 * f = the peer); with timestamps also the TSval it must carry. */
uint32_t hs_tcp_cookie_make(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr,
			    uint16_t fport, uint16_t lport,
			    const struct hs_tcp_seg *syn, uint32_t *tsval);
/* Check the ACK s of a cookie (s->ack - 1) for the SYN s->seq - 1. */
int hs_tcp_cookie_check(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr,
			uint16_t fport, uint16_t lport,
			const struct hs_tcp_seg *s, struct hs_tcp_cookie *out);

/* ---- hs_tcp_out.c ---- */
/* Send what windows allow, FIN when due, and an owed ACK. */
void hs_tcp_output(struct hs_tcp_conn *c);
int hs_tcp_send_synack(struct hs_tcp_conn *c);
void hs_tcp_send_ack(struct hs_tcp_conn *c);
/* States in which our data (and FIN) may be sent or resent. */
static inline bool
hs_tcp_can_send_data(const struct hs_tcp_conn *c)
{
	switch (c->state) {
	case HS_TCP_ESTABLISHED:
	case HS_TCP_CLOSE_WAIT:
	case HS_TCP_FIN_WAIT_1:
	case HS_TCP_CLOSING:
	case HS_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/* ---- hs_tcp_connect.c: active open ---- */
int hs_tcp_send_syn(struct hs_tcp_conn *c); /* hs_tcp_out.c */
/* A segment for a SYN_SENT conn (RFC 9293 §3.10.7.3).  Consumes m. */
void hs_tcp_syn_sent_input(struct hs_tcp_conn *c, struct hs_tcp_seg *s,
			   struct rte_mbuf *m);
void hs_tcp_send_rst(struct hs_tcp_conn *c);
/* RFC 5961 challenge ACK, rate limited per lcore (§7); a suppressed one
 * is counted in drop_tcp_chack_limit. */
void hs_tcp_challenge_ack(struct hs_tcp_conn *c);
/* Keep-alive probe: <SEQ=SND.UNA-1><CTL=ACK> (RFC 9293 §3.8.4). */
void hs_tcp_send_keepalive(struct hs_tcp_conn *c);
/* Tail loss probe (RFC 8985 §7.3): new data or the last segment; sets
 * c->tlp_seq.  0 if one was sent. */
int hs_tcp_send_probe(struct hs_tcp_conn *c);
/* Retransmit the first unacknowledged segment (fast rexmt / partial ACK). */
void hs_tcp_rexmit_one(struct hs_tcp_conn *c);
/* Enter loss recovery on a congestion signal from duplicate ACKs:
 * RFC 6675 §5 with SACK, RFC 6582 §3.2 step 2 without. */
void hs_tcp_enter_recovery(struct hs_tcp_conn *c);
/* Stateless SYN-ACK carrying a SYN cookie as ISS (RFC 4987 §3.6), with
 * the options the SYN offered; wscale < 0: none.  Addresses network order. */
void hs_tcp_send_cookie_synack(struct hs_lcore *lc, uint32_t saddr,
			       uint32_t daddr, uint16_t sport, uint16_t dport,
			       uint32_t iss, uint32_t ack, bool sack, bool ts,
			       uint32_t tsval, uint32_t tsecr, int wscale);
/* Segment without connection (RST replies).  Addresses/ports network order. */
void hs_tcp_respond(struct hs_lcore *lc, uint32_t saddr, uint32_t daddr,
		    uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		    uint8_t flags);

/* ---- hs_tcp_in.c ---- */
/* Parse options [p, p+len).  Returns 0 or -EINVAL on malformed lengths. */
int hs_tcp_parse_opts(const uint8_t *p, uint32_t len, struct hs_tcp_opts *o);

/* TIME_WAIT length: time_wait_ms, or 2*MSL (RFC 9293 §3.4.2). */
static inline uint64_t
hs_tcp_time_wait_us(void)
{
	return hs_tcp_params.time_wait_ms
		       ? (uint64_t)hs_tcp_params.time_wait_ms * 1000u
		       : 2ull * hs_ms_to_us(hs_tcp_params.msl_ms);
}

/* ---- hs_tcp_timer.c ---- */
void hs_tw_init(struct hs_timer_wheel *w, uint64_t now_us);
/* Arm (or re-arm) t to expire at tick expire (clamped to >= cur_tick). */
void hs_tw_arm(struct hs_timer_wheel *w, struct hs_timer *t, uint64_t expire);
void hs_tw_cancel(struct hs_timer_wheel *w, struct hs_timer *t);
static inline bool
hs_tw_pending(const struct hs_timer *t)
{
	return t->pprev != NULL;
}
/* Arm a conn timer us microseconds from lc->now_us (rounded up). */
void hs_tcp_timer_arm(struct hs_tcp_conn *c, struct hs_timer *t, uint64_t us);
void hs_tcp_timer_cancel(struct hs_tcp_conn *c, struct hs_timer *t);
/* (Re)start t_rexmt for data in flight: the tail loss probe timer (PTO,
 * RFC 8985 §7.2) when a probe is allowed, else the RTO (RFC 6298).
 * Without restart, a running RTO keeps its deadline (and caps the PTO). */
void hs_tcp_rexmt_arm(struct hs_tcp_conn *c, bool restart);

#endif
