/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp_mem.c - what connections may hold of the packet pool.
 *
 * Every mbuf a connection keeps (send queue: TLS records and response
 * bytes copied or referenced; receive queue: requests not read yet;
 * out-of-order queue) is counted per lcore (hs_tcp_lcore.sndq_mbufs,
 * rcvq_mbufs, ooq_mbufs: plain integers, only this lcore writes them)
 * and checked against two budgets:
 *   - per connection: a queue holds at most hs_tcp_buf_mbufs(sndbuf or
 *     rcvbuf) mbufs; the receive window offered shrinks with what is left
 *     of it (hs_tcp_rcv_space), the send space closes (hs_tcp_send_space);
 *   - per lcore: mem_max mbufs in all (--mem-lcore, by default derived
 *     from the pool, hs_tcp_mem_auto).  Above it, data allocations fail
 *     softly (send space 0, no new receive window); a connection below
 *     its guaranteed minimum (HS_TCP_SND_MIN_MBUFS: a handshake flight,
 *     an alert, a small answer) may still use mem_reserve.  The rest of
 *     the pool (RX/TX rings, caches, a reserve) is never promised to
 *     connections, so ACKs, RSTs, SYN-ACKs and SYN cookies always find an
 *     mbuf whatever peers do.
 * Connections refused send space wait on the lcore's memwait list and are
 * woken (ops->writable) once memory is below the budget again.
 *
 * Shedding: above mem_high (7/8 of mem_max) the lcore resets (RST) the
 * connections that cost most and progress least.  Once per timer tick
 * (HS_TCP_MEM_TICK_US) it visits HS_TCP_SHED_SCAN table entries from a
 * rotating cursor and resets the worst of them: score = mbufs held x
 * milliseconds since the connection last progressed, progress being
 * HS_TCP_PROG_BYTES acknowledged by the peer or read by the application
 * (a slow reader taking 16 bytes every few seconds never progresses).
 * Bounded work per tick, never a scan per packet.  Counted: conn_shed,
 * conn_shed_mbufs.
 *
 * Send-buffer autotuning (as Linux's tcp_sndbuf_expand): a conn's send
 * buffer (sndbuf, and with it its mbuf budget) starts at --send-buffer
 * and grows to twice cwnd plus HS_TCP_SNDBUF_PAD, up to --send-buffer-max
 * and to a quarter of the lcore's budget, while the lcore is below
 * mem_high.  cwnd grows only while the flight fills it (RFC 7661, see
 * hs_tcp_cc_ack), so a conn limited by its peer's window or its
 * application (a slow reader) keeps the buffer it started with.  The
 * packet path pays one compare per ACK (cwnd > sndbuf_grow).  The buffer
 * never shrinks; the budgets above and shedding bound what it may hold.
 */
#include <rte_mempool.h>

#include "hs_tcp_var.h"

#define HS_TCP_MEM_TICK_US   1000u /* shedder / wake-up period */
#define HS_TCP_SHED_SCAN     256u  /* table entries visited per tick */
#define HS_TCP_SHED_MIN      8u    /* smaller holders are never shed */
#define HS_TCP_SHED_STALL_MS 1000u /* nor ones that progressed since */
#define HS_TCP_WAKE_MAX      64u   /* memwait wake-ups per tick */

uint32_t
hs_tcp_mem_auto(uint32_t pool_size, uint32_t nb_lcores, uint32_t rx_desc,
		uint32_t tx_desc)
{
	uint64_t fixed, left;

	if (nb_lcores == 0)
		nb_lcores = 1;
	fixed = (uint64_t)nb_lcores * (rx_desc + tx_desc + 512u) +
		pool_size / 8u;
	left = pool_size > fixed ? pool_size - fixed : 0;
	/* mem_max plus its reserve (1/16) per lcore fit in what is left */
	left = left * 16u / 17u / nb_lcores;
	return (uint32_t)HS_MAX(left, (uint64_t)256u);
}

void
hs_tcp_mem_init(struct hs_lcore *lc)
{
	struct hs_tcp_lcore *tl = &lc->tcp;
	uint32_t max = hs_tcp_params.mem_lcore_max;

	if (max == 0)
		max = hs_tcp_mem_auto(lc->pool != NULL ? lc->pool->size : 8192u,
				      1, 0, 0);
	tl->mem_max = max;
	tl->mem_high = max - max / 8u;
	tl->mem_reserve = HS_MAX(max / 16u, 2u * HS_TCP_SND_MIN_MBUFS);
	tl->mem_tick_us = 0;
}

void
hs_tcp_memwait_add(struct hs_tcp_conn *c)
{
	struct hs_tcp_lcore *tl = &c->lc->tcp;

	if (c->flags2 & HS_TCPF2_MEMWAIT)
		return;
	c->flags2 |= HS_TCPF2_MEMWAIT;
	c->lc->stats.tcp_mem_wait++;
	c->mw_next = tl->memwait;
	if (c->mw_next != NULL)
		c->mw_next->mw_pprev = &c->mw_next;
	c->mw_pprev = &tl->memwait;
	tl->memwait = c;
}

void
hs_tcp_memwait_del(struct hs_tcp_conn *c)
{
	if (!(c->flags2 & HS_TCPF2_MEMWAIT))
		return;
	c->flags2 &= ~HS_TCPF2_MEMWAIT;
	*c->mw_pprev = c->mw_next;
	if (c->mw_next != NULL)
		c->mw_next->mw_pprev = c->mw_pprev;
	c->mw_next = NULL;
	c->mw_pprev = NULL;
}

bool
hs_tcp_mem_snd_ok(const struct hs_tcp_conn *c, uint32_t n)
{
	const struct hs_tcp_lcore *tl = &c->lc->tcp;
	uint32_t used = hs_tcp_mem_used(tl);

	if (c->sndq.count + n >
	    hs_tcp_buf_mbufs(c->sndbuf) + HS_TCP_SND_MIN_MBUFS)
		return false;
	if (used + n <= tl->mem_max)
		return true;
	return c->sndq.count + n <= HS_TCP_SND_MIN_MBUFS &&
	       used + n <= tl->mem_max + tl->mem_reserve;
}

bool
hs_tcp_mem_rcv_ok(const struct hs_tcp_conn *c)
{
	const struct hs_tcp_lcore *tl = &c->lc->tcp;
	uint32_t used = hs_tcp_mem_used(tl);

	if (used < tl->mem_max)
		return true;
	return c->rcvq.count + c->ooq.count < HS_TCP_RCV_MIN_MBUFS &&
	       used < tl->mem_max + tl->mem_reserve;
}

/* Twice cwnd: the flight plus one more window to send while the ACKs
 * of this one come back, which also covers a recovery's flight (CUBIC's
 * beta 0.7: the old flight is 1.43 cwnd).  The pad: reordering and an
 * application slow to refill. */
#define HS_TCP_SNDBUF_PAD (64u * 1024u)

void
hs_tcp_sndbuf_expand(struct hs_tcp_conn *c)
{
	const struct hs_tcp_lcore *tl = &c->lc->tcp;
	uint64_t max = hs_tcp_params.sndbuf_max, cap, want;

	/* under memory pressure no buffer grows (retried on later ACKs) */
	if (hs_tcp_mem_used(tl) > tl->mem_high)
		return;
	/* a conn's mbuf budget (hs_tcp_buf_mbufs) stays within a quarter
	 * of the lcore's */
	cap = tl->mem_max / 4u > 16u ? (tl->mem_max / 4u - 16u) * 1024ull : 0;
	max = HS_MIN(max, cap);
	want = HS_MIN(2u * (uint64_t)c->cwnd + HS_TCP_SNDBUF_PAD, max);
	if (want > c->sndbuf)
		c->sndbuf = (uint32_t)want;
	c->sndbuf_grow =
		c->sndbuf >= max
			? UINT32_MAX
			: (c->sndbuf > HS_TCP_SNDBUF_PAD
				   ? (c->sndbuf - HS_TCP_SNDBUF_PAD) / 2u
				   : 0);
}

/* Raise c's receive buffer to want bytes, within --recv-buffer-max and a
 * quarter of the lcore's budget, never under memory pressure. */
static void
hs_tcp_rcvbuf_raise(struct hs_tcp_conn *c, uint64_t want)
{
	const struct hs_tcp_lcore *tl = &c->lc->tcp;
	uint64_t max = hs_tcp_params.rcvbuf_max, cap;

	if (hs_tcp_mem_used(tl) > tl->mem_high)
		return;
	cap = tl->mem_max / 4u > 16u ? (tl->mem_max / 4u - 16u) * 1024ull : 0;
	max = HS_MIN(max, cap);
	want = HS_MIN(want, max);
	if (want > c->rcvbuf) {
		c->rcvbuf = (uint32_t)want;
		c->lc->stats.tcp_rcvbuf_grow++;
	}
}

/* Receive-buffer autotuning, as Linux's tcp_rcv_space_adjust() (dynamic
 * right-sizing): per RTT (SRTT, from the handshake at least), the bytes
 * the application read.  When that grew, the buffer becomes twice it
 * plus 16 segments of slack, plus twice the growth again while it is
 * still growing (slow start doubles the sender's flight per round), up
 * to --recv-buffer-max and a quarter of the lcore's budget, never under
 * memory pressure.  The advertised window follows (hs_tcp_rcv_space, with
 * the per-conn mbuf budget, hs_tcp_buf_mbufs(rcvbuf)); the window scale
 * offered in the SYN-ACK already covers the maximum. */
void
hs_tcp_rcvbuf_tune(struct hs_tcp_conn *c, uint32_t n)
{
	uint32_t now = (uint32_t)c->lc->now_us, copied, space;
	uint64_t want;

	if (hs_tcp_params.rcvbuf_max <= c->rcvbuf || c->srtt_us == 0)
		return;
	c->rcv_copied += n;
	if (c->rcv_space_us == 0) {
		c->rcv_space_us = now | 1u;
		return;
	}
	if (now - c->rcv_space_us < c->srtt_us)
		return;
	copied = c->rcv_copied;
	space = c->rcv_space ? c->rcv_space : 10u * c->mss;
	c->rcv_copied = 0;
	c->rcv_space_us = now | 1u;
	if (copied <= space)
		return;
	c->rcv_space = copied;
	want = 2ull * copied + 16ull * c->mss;
	want += 2ull * want * (copied - space) / space;
	hs_tcp_rcvbuf_raise(c, want);
}

/* Out-of-order data is queued up to seq end: the buffer must hold it on
 * top of what the reads size it for.  The app reads nothing while a hole
 * is open, so without this the window offered ends where the old buffer
 * ends past the hole and a sender in loss recovery (RFC 6675, RFC 6937)
 * stops for a round trip, then bursts what PRR saved into a queue that
 * just overflowed.  As Linux since 6.17 (tcp_rcvbuf_grow from
 * tcp_data_queue_ofo, "tcp: adjust rcvbuf in presence of reorders"):
 * twice the bytes read per RTT (with our 16 segments of slack, as in
 * hs_tcp_rcvbuf_tune) plus the span from RCV.NXT to the end of the
 * out-of-order data. */
void
hs_tcp_rcvbuf_ooo(struct hs_tcp_conn *c, uint32_t end)
{
	uint32_t space = c->rcv_space ? c->rcv_space : 10u * c->mss;

	if (hs_tcp_params.rcvbuf_max <= c->rcvbuf)
		return;
	hs_tcp_rcvbuf_raise(c, 2ull * space + 16ull * c->mss +
				       (uint32_t)(end - c->rcv_nxt));
}

void
hs_tcp_mem_progress(struct hs_tcp_conn *c, uint32_t bytes)
{
	c->prog_acc += bytes;
	if (c->prog_acc >= HS_TCP_PROG_BYTES) {
		c->prog_acc = 0;
		c->prog_ms = hs_tcp_ms(c->lc);
	}
}

/* Reset c to free its memory (RFC 9293 §3.10.5 ABORT: <SEQ=SND.NXT>
 * <CTL=RST>); the app hears closed(-ECONNRESET). */
static void
hs_tcp_shed(struct hs_tcp_conn *c, uint32_t held)
{
	struct hs_lcore *lc = c->lc;

	lc->stats.conn_shed++;
	lc->stats.conn_shed_mbufs += held;
	c->busy++;
	hs_tcp_send_rst(c);
	hs_tcp_conn_drop(c, -ECONNRESET);
	hs_tcp_conn_put(c);
}

/* One bounded pass: visit HS_TCP_SHED_SCAN entries, reset the worst. */
static void
hs_tcp_shed_pass(struct hs_lcore *lc)
{
	struct hs_tcp_lcore *tl = &lc->tcp;
	uint32_t now = hs_tcp_ms(lc), i = tl->shed_cursor;
	uint32_t n = HS_MIN(HS_TCP_SHED_SCAN, tl->max_conns);
	struct hs_tcp_conn *worst = NULL;
	uint64_t worst_score = 0;
	uint32_t worst_held = 0;

	for (; n > 0; n--, i = i + 1 < tl->max_conns ? i + 1 : 0) {
		struct hs_tcp_conn *c = &tl->conns[i];
		uint32_t held, stall;
		uint64_t score;

		if (c->state == HS_TCP_CLOSED || c->state == HS_TCP_SYN_RCVD ||
		    c->state == HS_TCP_TIME_WAIT || c->busy ||
		    (c->flags & HS_TCPF_DEAD))
			continue;
		held = c->sndq.count + c->rcvq.count + c->ooq.count;
		stall = now - c->prog_ms;
		if (held < HS_TCP_SHED_MIN ||
		    (int32_t)stall < (int32_t)HS_TCP_SHED_STALL_MS)
			continue;
		score = (uint64_t)held * stall;
		if (score > worst_score) {
			worst = c;
			worst_score = score;
			worst_held = held;
		}
	}
	tl->shed_cursor = i;
	if (worst != NULL)
		hs_tcp_shed(worst, worst_held);
}

/* Wake connections refused send space, oldest first is not promised:
 * at most HS_TCP_WAKE_MAX per tick while there is room. */
static void
hs_tcp_memwait_wake(struct hs_lcore *lc)
{
	struct hs_tcp_lcore *tl = &lc->tcp;
	struct hs_tcp_conn *c;

	for (uint32_t k = 0; k < HS_TCP_WAKE_MAX && (c = tl->memwait) != NULL &&
			     hs_tcp_mem_used(tl) < tl->mem_max;
	     k++) {
		hs_tcp_memwait_del(c);
		if ((c->flags & (HS_TCPF_APP | HS_TCPF_DEAD |
				 HS_TCPF_SHUT_WR)) != HS_TCPF_APP ||
		    c->ops->writable == NULL)
			continue;
		c->busy++;
		c->ops->writable(c);
		if (!(c->flags & HS_TCPF_DEAD))
			hs_tcp_output(c);
		hs_tcp_conn_put(c);
	}
}

void
hs_tcp_mem_tick(struct hs_lcore *lc)
{
	struct hs_tcp_lcore *tl = &lc->tcp;
	uint32_t used;

	if (lc->now_us < tl->mem_tick_us)
		return;
	tl->mem_tick_us = lc->now_us + HS_TCP_MEM_TICK_US;
	used = hs_tcp_mem_used(tl);
	lc->stats.tcp_mem_mbufs = used; /* gauges */
	if (used > lc->stats.tcp_mem_peak)
		lc->stats.tcp_mem_peak = used;
	if (used > tl->mem_high) {
		hs_tcp_shed_pass(lc);
		if (used >= tl->mem_max)
			hs_tcp_shed_pass(lc);
	}
	if (tl->memwait != NULL)
		hs_tcp_memwait_wake(lc);
}
