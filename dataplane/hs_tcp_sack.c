/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp_sack.c - sender-side SACK scoreboard (RFC 6675 §3, §4) and RACK
 * (RFC 8985 §6).
 *
 * The scoreboard is c->sb: SACKed ranges above SND.UNA, sorted and
 * disjoint.  A conn holds HS_TCP_SB_MAX of them itself (c->sb_in); when
 * more are needed it takes a block of HS_TCP_SB_BIG from the lcore's
 * pool (no allocation: the pool is made with the lcore) and gives it
 * back once the ranges fit in c->sb_in again.  Receivers report only the
 * few most recent blocks (Linux: 3 with timestamps), so a range not
 * recorded when it is reported is never learnt again: it is resent
 * although the peer holds it, and when the cumulative ACK later covers
 * it PRR counts it as delivered by that ACK.  When no block is free (or
 * a block is full) the highest range is forgotten, tcp_sack_sb_full
 * counts it: that only makes us retransmit more, never less.
 *
 * IsLost (§4) is evaluated per hole rather than per segment: the bytes of
 * a hole are lost when above it lie DupThresh (3) or more SACKed ranges,
 * or more than (DupThresh - 1) * SMSS SACKed bytes.  Everything is
 * linear in the ranges held.
 */
#include <rte_malloc.h>

#include "hs_tcp_var.h"

#define HS_TCP_DUPTHRESH 3u

int
hs_tcp_sb_pool_init(struct hs_lcore *lc, uint32_t nb)
{
	struct hs_tcp_lcore *tl = &lc->tcp;

	tl->sb_pool = NULL;
	tl->sb_blocks = 0;
	tl->sb_free = UINT32_MAX;
	if (nb == 0)
		return 0;
	tl->sb_pool = rte_malloc_socket(
		"hs_tcp_sb",
		(size_t)nb * HS_TCP_SB_BIG * sizeof(tl->sb_pool[0]),
		RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	if (tl->sb_pool == NULL)
		return -ENOMEM;
	tl->sb_blocks = nb;
	for (uint32_t i = nb; i-- > 0;) {
		tl->sb_pool[(size_t)i * HS_TCP_SB_BIG][0] = tl->sb_free;
		tl->sb_free = i;
	}
	return 0;
}

void
hs_tcp_sb_pool_fini(struct hs_lcore *lc)
{
	rte_free(lc->tcp.sb_pool);
	lc->tcp.sb_pool = NULL;
	lc->tcp.sb_blocks = 0;
	lc->tcp.sb_free = UINT32_MAX;
}

/* c->sb_in is full: move the ranges into a pool block.  False if none
 * is free. */
static bool
hs_tcp_sb_grow(struct hs_tcp_conn *c)
{
	struct hs_tcp_lcore *tl = &c->lc->tcp;
	uint32_t(*b)[2];

	if (c->sb != c->sb_in || tl->sb_free == UINT32_MAX)
		return false;
	b = &tl->sb_pool[(size_t)tl->sb_free * HS_TCP_SB_BIG];
	tl->sb_free = b[0][0];
	memcpy(b, c->sb_in, sizeof(c->sb_in));
	c->sb = b;
	c->sb_cap = HS_TCP_SB_BIG;
	c->lc->stats.tcp_sack_sb_grow++;
	return true;
}

/* The ranges fit in c->sb_in again: give the block back. */
static void
hs_tcp_sb_shrink(struct hs_tcp_conn *c)
{
	struct hs_tcp_lcore *tl = &c->lc->tcp;
	uint32_t(*b)[2] = c->sb;

	if (b == c->sb_in || c->sb_n > HS_TCP_SB_MAX)
		return;
	memcpy(c->sb_in, b, c->sb_n * sizeof(b[0]));
	b[0][0] = tl->sb_free;
	tl->sb_free = (uint32_t)((b - tl->sb_pool) / HS_TCP_SB_BIG);
	c->sb = c->sb_in;
	c->sb_cap = HS_TCP_SB_MAX;
}

void
hs_tcp_sack_clear(struct hs_tcp_conn *c)
{
	c->sb_n = 0;
	if (c->sb != NULL)
		hs_tcp_sb_shrink(c);
}

/* First range whose right edge reaches l (sb_n if none): binary search,
 * the ranges being sorted. */
static uint32_t
hs_tcp_sb_find(const struct hs_tcp_conn *c, uint32_t l)
{
	uint32_t lo = 0, hi = c->sb_n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (HS_SEQ_LT(c->sb[mid][1], l))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool
hs_tcp_sack_update(struct hs_tcp_conn *c, const struct hs_tcp_opts *o)
{
	bool news = false;

	for (uint32_t b = 0; b < o->nsack; b++) {
		uint32_t l = o->sack[b][0], r = o->sack[b][1];
		uint32_t i, j, n = c->sb_n;

		/* RFC 2018 §3 / RFC 6675 §5: only blocks inside
		 * (SND.UNA, SND.MAX]; a D-SACK or a bogus one is ignored. */
		if (!HS_SEQ_LT(l, r) || HS_SEQ_LEQ(l, c->snd_una) ||
		    HS_SEQ_GT(r, c->snd_max))
			continue;
		/* i: first range whose right edge reaches l. */
		i = hs_tcp_sb_find(c, l);
		/* j: first range starting beyond r. */
		for (j = i; j < n && HS_SEQ_LEQ(c->sb[j][0], r); j++)
			;
		if (j > i) {
			/* Overlaps or touches ranges i..j-1: merge them. */
			uint32_t nl =
				HS_SEQ_LT(l, c->sb[i][0]) ? l : c->sb[i][0];
			uint32_t nr = HS_SEQ_GT(r, c->sb[j - 1][1])
					      ? r
					      : c->sb[j - 1][1];

			if (j - i > 1 || nl != c->sb[i][0] || nr != c->sb[i][1])
				news = true;
			c->sb[i][0] = nl;
			c->sb[i][1] = nr;
			memmove(&c->sb[i + 1], &c->sb[j],
				(n - j) * sizeof(c->sb[0]));
			c->sb_n = (uint16_t)(n - (j - i - 1));
			continue;
		}
		/* A new range at position i. */
		news = true;
		if (n == c->sb_cap && !hs_tcp_sb_grow(c)) {
			c->lc->stats.tcp_sack_sb_full++;
			if (i == n)
				continue; /* above all, no room */
			n--;              /* forget the highest */
		}
		memmove(&c->sb[i + 1], &c->sb[i], (n - i) * sizeof(c->sb[0]));
		c->sb[i][0] = l;
		c->sb[i][1] = r;
		c->sb_n = (uint16_t)(n + 1);
	}
	return news;
}

void
hs_tcp_sack_trim(struct hs_tcp_conn *c)
{
	uint32_t i, n = c->sb_n;

	i = hs_tcp_sb_find(c, c->snd_una + 1);
	if (i) {
		memmove(&c->sb[0], &c->sb[i], (n - i) * sizeof(c->sb[0]));
		n -= i;
	}
	if (n && HS_SEQ_LT(c->sb[0][0], c->snd_una))
		c->sb[0][0] = c->snd_una;
	c->sb_n = (uint16_t)n;
	hs_tcp_sb_shrink(c);
}

/* lost_mark (hs_tcp_in.c) extends IsLost in the spirit of RFC 8985 §6.2
 * (time-based loss detection): set when a tail loss probe is SACKed,
 * everything unSACKed below the probe, sent at least a PTO before it, is
 * lost even with fewer than DupThresh SACKed segments above. */
uint32_t
hs_tcp_sack_lost_end(const struct hs_tcp_conn *c)
{
	uint32_t bytes = 0, end = c->snd_una;

	/* RFC 8985 §6.2 step 4: DupThresh only says reo_wnd is 0 while no
	 * reordering was seen; once it was, RACK's time rule alone marks. */
	for (uint32_t k = c->sb_n;
	     k-- > 0 && !(c->rack_flags & HS_RACK_REORD);) {
		bytes += c->sb[k][1] - c->sb[k][0];
		if (c->sb_n - k >= HS_TCP_DUPTHRESH ||
		    bytes > (HS_TCP_DUPTHRESH - 1) * c->mss) {
			end = c->sb[k][0];
			break;
		}
	}
	if ((c->flags2 & HS_TCPF2_LOST) && HS_SEQ_GT(c->lost_mark, end) &&
	    HS_SEQ_LEQ(c->lost_mark, c->snd_max))
		end = c->lost_mark;
	return end;
}

/* Bytes of [from, to) not covered by the scoreboard. */
static uint32_t
hs_tcp_sack_unsacked(const struct hs_tcp_conn *c, uint32_t from, uint32_t to)
{
	uint32_t n;

	if (!HS_SEQ_LT(from, to))
		return 0;
	n = to - from;
	for (uint32_t k = 0; k < c->sb_n; k++) {
		uint32_t l = c->sb[k][0], r = c->sb[k][1];

		if (HS_SEQ_LT(l, from))
			l = from;
		if (HS_SEQ_GT(r, to))
			r = to;
		if (HS_SEQ_LT(l, r))
			n -= r - l;
	}
	return n;
}

/* RFC 6675 §4 SetPipe: every byte in [HighACK, HighData) not SACKed
 * counts once if not lost, and once more if it was retransmitted
 * (below HighRxt, or in the recent range NextSeg skips). */
uint32_t
hs_tcp_sack_pipe(const struct hs_tcp_conn *c)
{
	uint32_t lost_end = hs_tcp_sack_lost_end(c);
	uint32_t rxt =
		HS_SEQ_LT(c->high_rxt, c->snd_max) ? c->high_rxt : c->snd_max;
	uint32_t n = hs_tcp_sack_unsacked(c, lost_end, c->snd_max) +
		     hs_tcp_sack_unsacked(c, c->snd_una, rxt);

	if (c->flags2 & HS_TCPF2_RXT_SKIP) {
		uint32_t from =
			HS_SEQ_GT(c->rxt_lost_end, rxt) ? c->rxt_lost_end : rxt;
		uint32_t to = HS_SEQ_LT(c->rxt_resume, c->snd_max)
				      ? c->rxt_resume
				      : c->snd_max;

		n += hs_tcp_sack_unsacked(c, from, to);
	}
	return n;
}

void
hs_tcp_rxt_log(struct hs_tcp_conn *c, uint32_t end)
{
	uint32_t now = (uint32_t)c->lc->now_us;

	if (c->rxt_n == HS_TCP_RXT_LOG) {
		/* Full: fold into the newest; the merged ones then count
		 * as sent now, which only delays declaring them lost. */
		uint32_t *e = c->rxt_log[HS_TCP_RXT_LOG - 1];

		if (HS_SEQ_GT(end, e[0]))
			e[0] = end;
		e[1] = now;
		return;
	}
	c->rxt_log[c->rxt_n][0] = end;
	c->rxt_log[c->rxt_n][1] = now;
	c->rxt_n++;
}

void
hs_tcp_rxt_acked(struct hs_tcp_conn *c)
{
	uint8_t n = 0;

	for (uint8_t i = 0; i < c->rxt_n; i++)
		if (HS_SEQ_GT(c->rxt_log[i][0], c->snd_una)) {
			c->rxt_log[n][0] = c->rxt_log[i][0];
			c->rxt_log[n][1] = c->rxt_log[i][1];
			n++;
		}
	c->rxt_n = n;
	/* What was to be resent below the skipped range is acked. */
	if ((c->flags2 & HS_TCPF2_RXT_SKIP) &&
	    HS_SEQ_GEQ(c->snd_una, c->rxt_lost_end)) {
		if (HS_SEQ_GT(c->rxt_resume, c->high_rxt))
			c->high_rxt = c->rxt_resume;
		c->flags2 &= ~HS_TCPF2_RXT_SKIP;
	}
}

/* RFC 8985 §6.2: a retransmission is lost when data sent after it was
 * delivered (the new SACK information this runs on) and it is older
 * than RTT + reo_wnd.  Without per-segment send times of the SACKed
 * data, R + R/4 since the retransmission stands for both, R the larger
 * of SRTT and the latest sample (RACK.rtt): SRTT alone lags a rising
 * RTT and then declares lost what is still on its way.  ack: the
 * cumulative ACK of the segment carrying the SACK, which may cover a
 * retransmission SND.UNA does not yet. */
bool
hs_tcp_rxt_lost(struct hs_tcp_conn *c, uint32_t ack)
{
	uint32_t now = (uint32_t)c->lc->now_us;
	uint32_t r = HS_MAX(c->srtt_us, c->rtt_last_us);
	uint32_t thr = r + r / 4, lost_end = ack;
	uint8_t n = 0;
	bool lost = false;

	if (c->srtt_us == 0)
		return false;
	for (uint8_t i = 0; i < c->rxt_n; i++) {
		uint32_t end = c->rxt_log[i][0];

		if (HS_SEQ_GT(end, ack) && now - c->rxt_log[i][1] > thr) {
			lost = true;
			if (HS_SEQ_GT(end, lost_end))
				lost_end = end;
			continue; /* resent: logged again then */
		}
		c->rxt_log[n][0] = end;
		c->rxt_log[n][1] = c->rxt_log[i][1];
		n++;
	}
	c->rxt_n = n;
	if (!lost)
		return false;
	if (c->flags2 & HS_TCPF2_RXT_SKIP) {
		if (HS_SEQ_GT(c->rxt_lost_end, lost_end))
			lost_end = c->rxt_lost_end;
		if (HS_SEQ_GT(c->high_rxt, c->rxt_resume))
			c->rxt_resume = c->high_rxt;
	} else {
		c->rxt_resume = c->high_rxt;
	}
	c->rxt_lost_end = lost_end;
	c->high_rxt = c->snd_una;
	if (HS_SEQ_GT(c->rxt_resume, lost_end))
		c->flags2 |= HS_TCPF2_RXT_SKIP;
	else
		c->flags2 &= ~HS_TCPF2_RXT_SKIP;
	return true;
}

/* First byte >= from that is not SACKed and below 'below'; false if none. */
static bool
hs_tcp_sack_first_hole(const struct hs_tcp_conn *c, uint32_t from,
		       uint32_t below, uint32_t *seq, uint32_t *hole_end)
{
	uint32_t s = from;

	for (uint32_t k = 0; k < c->sb_n; k++) {
		if (HS_SEQ_LEQ(c->sb[k][1], s))
			continue;
		if (HS_SEQ_LT(s, c->sb[k][0])) {
			if (!HS_SEQ_LT(s, below))
				return false;
			*seq = s;
			*hole_end = HS_SEQ_LT(c->sb[k][0], below) ? c->sb[k][0]
								  : below;
			return true;
		}
		s = c->sb[k][1]; /* inside range k: skip it */
	}
	return false; /* only holes above all SACKs */
}

bool
hs_tcp_sack_nextseg_rexmit(const struct hs_tcp_conn *c, uint32_t max,
			   bool rule3, uint32_t *seq, uint32_t *len)
{
	uint32_t from =
		HS_SEQ_GT(c->high_rxt, c->snd_una) ? c->high_rxt : c->snd_una;
	uint32_t end, below;

	if (c->sb_n == 0 || max == 0)
		return false;
	/* Rule 1: the first lost hole byte above HighRxt. */
	below = hs_tcp_sack_lost_end(c);
	/* Not into the recent retransmissions a lost older one left
	 * (hs_tcp_rxt_lost()): resend below them, then carry on above. */
	if ((c->flags2 & HS_TCPF2_RXT_SKIP) &&
	    !(hs_tcp_sack_first_hole(
		    c, from,
		    HS_SEQ_LT(below, c->rxt_lost_end) ? below : c->rxt_lost_end,
		    seq, &end)) &&
	    HS_SEQ_LT(from, c->rxt_resume))
		from = c->rxt_resume;
	if (!hs_tcp_sack_first_hole(c, from, below, seq, &end)) {
		/* Rule 3: a not-yet-lost hole byte above HighRxt below the
		 * highest SACKed byte (rule 2, new data, is the caller's). */
		if (!rule3 ||
		    !hs_tcp_sack_first_hole(c, from, c->sb[c->sb_n - 1][1], seq,
					    &end))
			return false;
	}
	*len = HS_MIN(end - *seq, max);
	return true;
}

uint32_t
hs_tcp_sack_skip(const struct hs_tcp_conn *c, uint32_t seq, uint32_t *limit)
{
	*limit = seq + (UINT32_MAX / 2);
	for (uint32_t k = 0; k < c->sb_n; k++) {
		if (HS_SEQ_LEQ(c->sb[k][1], seq))
			continue;
		if (HS_SEQ_LEQ(c->sb[k][0], seq)) {
			seq = c->sb[k][1];
			continue;
		}
		*limit = c->sb[k][0];
		break;
	}
	return seq;
}

bool
hs_tcp_sack_rescue(const struct hs_tcp_conn *c, uint32_t max, uint32_t *seq,
		   uint32_t *len)
{
	uint32_t dend = c->snd_una + c->sndq.bytes; /* data, FIN excluded */
	uint32_t hend, floor, s;
	uint32_t n = c->sb_n;

	if (n == 0 || max == 0)
		return false;
	if (HS_SEQ_LT(c->sb[n - 1][1], c->snd_max)) {
		hend = c->snd_max; /* unSACKed tail above all SACKs */
		floor = c->sb[n - 1][1];
	} else {
		hend = c->sb[n - 1][0]; /* the hole below the top range */
		floor = n > 1 ? c->sb[n - 2][1] : c->snd_una;
	}
	if (HS_SEQ_GT(hend, dend))
		hend = dend;
	/* Not what HighRxt says was retransmitted in this recovery already. */
	if (HS_SEQ_LT(floor, c->high_rxt))
		floor = c->high_rxt;
	if (!HS_SEQ_LT(floor, hend))
		return false;
	s = hend - HS_MIN(max, hend - floor);
	*seq = s;
	*len = hend - s;
	return true;
}

/* ---- RACK (RFC 8985 §6) ----------------------------------------------- */

/* Ranges of the send-time log are at most this old when a send extends
 * them: a sixteenth of the path's RTT (a quarter of the reordering
 * window), at least one tick of the clock the ACKs arrive on. */
static uint32_t
hs_tcp_rack_gran_us(const struct hs_tcp_conn *c)
{
	return HS_MAX(c->rtt_min_us / 16u, 250u);
}

/* Forget ranges wholly at or below SND.UNA. */
static void
hs_tcp_txlog_trim(struct hs_tcp_conn *c)
{
	uint32_t i = 0, n = c->txlog_n;

	while (i < n && HS_SEQ_LEQ(c->txlog[i][0], c->snd_una))
		i++;
	if (i == 0)
		return;
	memmove(&c->txlog[0], &c->txlog[i], (n - i) * sizeof(c->txlog[0]));
	memmove(&c->txlog_rxt[0], &c->txlog_rxt[i], n - i);
	c->txlog_n = (uint8_t)(n - i);
}

void
hs_tcp_txlog_sent(struct hs_tcp_conn *c, uint32_t seq, uint32_t end, bool rexmt)
{
	uint32_t now = (uint32_t)c->lc->now_us, n;
	uint32_t from = c->snd_una;

	hs_tcp_txlog_trim(c);
	n = c->txlog_n;
	if (!rexmt) {
		uint32_t *l = n ? c->txlog[n - 1] : NULL;

		if (l && HS_SEQ_GEQ(l[0], end))
			return;
		if (l &&
		    (n == HS_TCP_TXLOG ||
		     now - l[1] < hs_tcp_rack_gran_us(c)) &&
		    !c->txlog_rxt[n - 1]) {
			l[0] = end;
			l[1] = now;
			return;
		}
		if (n == HS_TCP_TXLOG) {
			l[0] = end;
			l[1] = now;
			return;
		}
		c->txlog[n][0] = end;
		c->txlog[n][1] = now;
		c->txlog_rxt[n] = 0;
		c->txlog_n = (uint8_t)(n + 1);
		return;
	}
	/* A retransmission: split the ranges at its edges (room
	 * permitting) so that only its bytes count as sent now; without
	 * room the untouched bytes of a range it overlaps count as sent
	 * now too, which only delays declaring them lost. */
	for (uint32_t i = 0; i < c->txlog_n; i++) {
		uint32_t e = c->txlog[i][0], cut = 0;

		if (!(HS_SEQ_LT(from, end) && HS_SEQ_GT(e, seq))) {
			from = e;
			continue;
		}
		if (HS_SEQ_LT(from, seq))
			cut = seq; /* keep [from, seq) as it was */
		else if (HS_SEQ_GT(e, end))
			cut = end; /* [from, end) is resent */
		if (cut && c->txlog_n < HS_TCP_TXLOG) {
			n = c->txlog_n;
			memmove(&c->txlog[i + 1], &c->txlog[i],
				(n - i) * sizeof(c->txlog[0]));
			memmove(&c->txlog_rxt[i + 1], &c->txlog_rxt[i], n - i);
			c->txlog[i][0] = cut;
			c->txlog_n = (uint8_t)(n + 1);
			if (cut == seq) {
				from = cut; /* go on with [seq, e) */
				continue;
			}
			e = cut;
		}
		c->txlog[i][1] = now;
		c->txlog_rxt[i] = 1;
		from = e;
	}
}

/* Data in [s, e) of log range i was delivered: is it the most recently
 * sent so far (§6.2 step 2, RACK_sent_after)?  A retransmitted range
 * whose delivery came sooner than an RTT could is the original's and
 * says nothing (step 2's spurious retransmission test, by min_RTT). */
static void
hs_tcp_rack_deliver(struct hs_tcp_conn *c, uint32_t i, uint32_t e)
{
	uint32_t now = (uint32_t)c->lc->now_us, ts = c->txlog[i][1];
	uint32_t rtt = now - ts;

	if (c->txlog_rxt[i] && c->rtt_min_us && rtt < c->rtt_min_us)
		return;
	if ((c->rack_flags & HS_RACK_VALID) &&
	    ((int32_t)(ts - c->rack_xmit_us) < 0 ||
	     (ts == c->rack_xmit_us && HS_SEQ_LEQ(e, c->rack_end))))
		return;
	c->rack_flags |= HS_RACK_VALID;
	c->rack_xmit_us = ts;
	c->rack_end = e;
	c->rack_rtt_us = HS_MAX(rtt, 1u);
	if (!c->txlog_rxt[i] &&
	    (c->rtt_min_us == 0 || c->rack_rtt_us < c->rtt_min_us))
		c->rtt_min_us = c->rack_rtt_us;
}

/* Delivery of [l, r): every log range it overlaps. */
static void
hs_tcp_rack_range(struct hs_tcp_conn *c, uint32_t l, uint32_t r)
{
	uint32_t from = c->snd_una;

	for (uint32_t i = 0; i < c->txlog_n; i++) {
		uint32_t e = c->txlog[i][0];

		if (HS_SEQ_LT(from, r) && HS_SEQ_GT(e, l))
			hs_tcp_rack_deliver(c, i, HS_SEQ_LT(r, e) ? r : e);
		from = e;
		if (HS_SEQ_GEQ(from, r))
			break;
	}
}

void
hs_tcp_rack_ack(struct hs_tcp_conn *c, uint32_t ack,
		const struct hs_tcp_opts *o)
{
	uint32_t fack = c->rack_fack;
	bool fack_ok = (c->rack_flags & HS_RACK_FACK) != 0;
	bool dsack = false;

	hs_tcp_txlog_trim(c);
	/* RFC 2883 §4 D-SACK: the first block below the cumulative ACK,
	 * or inside the second block. */
	if (o->nsack && HS_SEQ_LT(o->sack[0][0], o->sack[0][1])) {
		uint32_t l = o->sack[0][0], r = o->sack[0][1];

		if (HS_SEQ_LEQ(r, ack) ||
		    (o->nsack > 1 && HS_SEQ_LEQ(o->sack[1][0], l) &&
		     HS_SEQ_GEQ(o->sack[1][1], r)))
			dsack = true;
	}
	if (dsack) {
		/* §6.2 step 4: a D-SACK widens the window, once per round
		 * trip, for 16 recoveries; it also means reordering (or a
		 * spurious retransmission, which RACK treats alike). */
		c->rack_flags |= HS_RACK_REORD;
		if (!HS_SEQ_LT(c->snd_una, c->rack_dsack_end) ||
		    c->rack_reo_persist == 0) {
			if (c->rack_reo_mult < UINT8_MAX)
				c->rack_reo_mult = (uint8_t)HS_MAX(
					c->rack_reo_mult + 1, 2);
			c->rack_dsack_end = c->snd_max;
		}
		c->rack_reo_persist = 16;
		c->lc->stats.tcp_rack_dsack++;
	}
	/* Cumulatively acked data. */
	if (HS_SEQ_GT(ack, c->snd_una)) {
		/* §6.2 step 3: a hole below the highest SACK filled without
		 * a retransmission was reordering. */
		if (fack_ok && HS_SEQ_LT(c->snd_una, fack) && c->sb_n &&
		    !(c->flags & HS_TCPF_RECOVERY) && c->rxt_n == 0 &&
		    c->rexmt_shift == 0 && !(c->flags2 & HS_TCPF2_TLP) &&
		    !c->txlog_rxt[0] && !dsack) {
			c->rack_flags |= HS_RACK_REORD;
			c->lc->stats.tcp_rack_reord++;
		}
		hs_tcp_rack_range(c, c->snd_una, ack);
		if (!fack_ok || HS_SEQ_GT(ack, fack))
			fack = ack;
		fack_ok = true;
	}
	for (uint32_t b = dsack ? 1 : 0; b < o->nsack; b++) {
		uint32_t l = o->sack[b][0], r = o->sack[b][1];

		if (!HS_SEQ_LT(l, r) || HS_SEQ_LEQ(l, c->snd_una) ||
		    HS_SEQ_GT(r, c->snd_max))
			continue;
		hs_tcp_rack_range(c, l, r);
		if (!fack_ok || HS_SEQ_GT(r, fack))
			fack = r;
		fack_ok = true;
	}
	if (fack_ok) {
		c->rack_fack = fack;
		c->rack_flags |= HS_RACK_FACK;
	}
}

uint32_t
hs_tcp_rack_reo_wnd(const struct hs_tcp_conn *c)
{
	uint32_t w;

	if (!(c->rack_flags & HS_RACK_REORD)) {
		uint32_t sacked = 0;

		if ((c->flags & HS_TCPF_RECOVERY) || c->rexmt_shift)
			return 0;
		for (uint32_t k = 0; k < c->sb_n; k++)
			sacked += c->sb[k][1] - c->sb[k][0];
		if (sacked > (HS_TCP_DUPTHRESH - 1) * c->mss)
			return 0;
	}
	w = c->rtt_min_us / 4u * HS_MAX(c->rack_reo_mult, 1u);
	return c->srtt_us ? HS_MIN(w, c->srtt_us) : w;
}

uint32_t
hs_tcp_rack_detect(struct hs_tcp_conn *c)
{
	uint32_t now = (uint32_t)c->lc->now_us, from = c->snd_una;
	uint32_t mark = c->snd_una, reo, wait = 0;
	bool frec = hs_tcp_sack_recovery(c);

	if (!(c->flags & HS_TCPF_SACK) || !(c->rack_flags & HS_RACK_VALID) ||
	    (c->flags & HS_TCPF_PERSIST))
		return 0;
	hs_tcp_txlog_trim(c);
	reo = hs_tcp_rack_reo_wnd(c);
	for (uint32_t i = 0; i < c->txlog_n; i++) {
		uint32_t e = c->txlog[i][0], ts = c->txlog[i][1];
		uint32_t top = e;
		int32_t left;

		if (HS_SEQ_LT(from, c->snd_una))
			from = c->snd_una;
		/* Sent after RACK's segment: nothing to say yet. */
		if ((int32_t)(ts - c->rack_xmit_us) > 0)
			break;
		if (ts == c->rack_xmit_us) {
			if (!HS_SEQ_LT(from, c->rack_end))
				break;
			if (HS_SEQ_GT(top, c->rack_end))
				top = c->rack_end;
		}
		if (hs_tcp_sack_unsacked(c, from, top) == 0 ||
		    (frec && c->txlog_rxt[i])) {
			/* all delivered; or retransmitted in this recovery:
			 * hs_tcp_rxt_lost() decides on those */
			from = e;
			continue;
		}
		left = (int32_t)(ts + c->rack_rtt_us + reo - now);
		if (left > 0) {
			wait = (uint32_t)left;
			break;
		}
		mark = top;
		if (top != e)
			break;
		from = e;
	}
	if (HS_SEQ_GT(mark, c->snd_una) &&
	    (!(c->flags2 & HS_TCPF2_LOST) || HS_SEQ_GT(mark, c->lost_mark))) {
		c->lost_mark = mark;
		c->flags2 |= HS_TCPF2_LOST;
		c->lc->stats.tcp_rack_lost++;
	}
	return wait;
}

void
hs_tcp_rack_recovery_done(struct hs_tcp_conn *c)
{
	if (c->rack_reo_persist && --c->rack_reo_persist == 0)
		c->rack_reo_mult = 1;
}
