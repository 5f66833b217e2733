/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp_sack.c - sender-side SACK scoreboard (RFC 6675 §3, §4).
 *
 * The scoreboard is c->sb: at most HS_TCP_SB_MAX SACKed ranges above
 * SND.UNA, sorted and disjoint, in the conn (no allocation).  When a new
 * block does not fit, the highest range is forgotten: that only makes us
 * retransmit more, never less.
 *
 * IsLost (§4) is evaluated per hole rather than per segment: the bytes of
 * a hole are lost when above it lie DupThresh (3) or more SACKed ranges,
 * or more than (DupThresh - 1) * SMSS SACKed bytes.  Everything is
 * O(HS_TCP_SB_MAX).
 */
#include "hs_tcp_var.h"

#define HS_TCP_DUPTHRESH 3u

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
		for (i = 0; i < n && HS_SEQ_LT(c->sb[i][1], l); i++)
			;
		/* j: first range starting beyond r. */
		for (j = i; j < n && HS_SEQ_LEQ(c->sb[j][0], r); j++)
			;
		if (j > i) {
			/* Overlaps or touches ranges i..j-1: merge them. */
			uint32_t nl = HS_SEQ_LT(l, c->sb[i][0]) ? l : c->sb[i][0];
			uint32_t nr = HS_SEQ_GT(r, c->sb[j - 1][1]) ? r :
				      c->sb[j - 1][1];

			if (j - i > 1 || nl != c->sb[i][0] || nr != c->sb[i][1])
				news = true;
			c->sb[i][0] = nl;
			c->sb[i][1] = nr;
			memmove(&c->sb[i + 1], &c->sb[j],
				(n - j) * sizeof(c->sb[0]));
			c->sb_n = (uint8_t)(n - (j - i - 1));
			continue;
		}
		/* A new range at position i. */
		news = true;
		if (n == HS_TCP_SB_MAX) {
			if (i == n)
				continue;          /* above all, no room */
			n--;                       /* forget the highest */
		}
		memmove(&c->sb[i + 1], &c->sb[i], (n - i) * sizeof(c->sb[0]));
		c->sb[i][0] = l;
		c->sb[i][1] = r;
		c->sb_n = (uint8_t)(n + 1);
	}
	return news;
}

void
hs_tcp_sack_trim(struct hs_tcp_conn *c)
{
	uint32_t i = 0, n = c->sb_n;

	while (i < n && HS_SEQ_LEQ(c->sb[i][1], c->snd_una))
		i++;
	if (i) {
		memmove(&c->sb[0], &c->sb[i], (n - i) * sizeof(c->sb[0]));
		n -= i;
	}
	if (n && HS_SEQ_LT(c->sb[0][0], c->snd_una))
		c->sb[0][0] = c->snd_una;
	c->sb_n = (uint8_t)n;
}

/* lost_mark (hs_tcp_in.c) extends IsLost in the spirit of RFC 8985 §6.2
 * (time-based loss detection): set when a tail loss probe is SACKed,
 * everything unSACKed below the probe, sent at least a PTO before it, is
 * lost even with fewer than DupThresh SACKed segments above. */
uint32_t
hs_tcp_sack_lost_end(const struct hs_tcp_conn *c)
{
	uint32_t bytes = 0, end = c->snd_una;

	for (uint32_t k = c->sb_n; k-- > 0;) {
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
	uint32_t rxt = HS_SEQ_LT(c->high_rxt, c->snd_max) ? c->high_rxt :
		       c->snd_max;
	uint32_t n = hs_tcp_sack_unsacked(c, lost_end, c->snd_max) +
		     hs_tcp_sack_unsacked(c, c->snd_una, rxt);

	if (c->flags2 & HS_TCPF2_RXT_SKIP) {
		uint32_t from = HS_SEQ_GT(c->rxt_lost_end, rxt) ?
				c->rxt_lost_end : rxt;
		uint32_t to = HS_SEQ_LT(c->rxt_resume, c->snd_max) ?
			      c->rxt_resume : c->snd_max;

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
			continue;                 /* resent: logged again then */
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
			*hole_end = HS_SEQ_LT(c->sb[k][0], below) ?
				    c->sb[k][0] : below;
			return true;
		}
		s = c->sb[k][1];             /* inside range k: skip it */
	}
	return false;                        /* only holes above all SACKs */
}

bool
hs_tcp_sack_nextseg_rexmit(const struct hs_tcp_conn *c, uint32_t max,
			   bool rule3, uint32_t *seq, uint32_t *len)
{
	uint32_t from = HS_SEQ_GT(c->high_rxt, c->snd_una) ? c->high_rxt :
			c->snd_una;
	uint32_t end, below;

	if (c->sb_n == 0 || max == 0)
		return false;
	/* Rule 1: the first lost hole byte above HighRxt. */
	below = hs_tcp_sack_lost_end(c);
	/* Not into the recent retransmissions a lost older one left
	 * (hs_tcp_rxt_lost()): resend below them, then carry on above. */
	if ((c->flags2 & HS_TCPF2_RXT_SKIP) &&
	    !(hs_tcp_sack_first_hole(c, from, HS_SEQ_LT(below,
				     c->rxt_lost_end) ? below : c->rxt_lost_end,
				     seq, &end)) &&
	    HS_SEQ_LT(from, c->rxt_resume))
		from = c->rxt_resume;
	if (!hs_tcp_sack_first_hole(c, from, below, seq, &end)) {
		/* Rule 3: a not-yet-lost hole byte above HighRxt below the
		 * highest SACKed byte (rule 2, new data, is the caller's). */
		if (!rule3 || !hs_tcp_sack_first_hole(c, from,
				c->sb[c->sb_n - 1][1], seq, &end))
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
	uint32_t dend = c->snd_una + c->sndq.bytes;   /* data, FIN excluded */
	uint32_t hend, floor, s;
	uint8_t n = c->sb_n;

	if (n == 0 || max == 0)
		return false;
	if (HS_SEQ_LT(c->sb[n - 1][1], c->snd_max)) {
		hend = c->snd_max;           /* unSACKed tail above all SACKs */
		floor = c->sb[n - 1][1];
	} else {
		hend = c->sb[n - 1][0];      /* the hole below the top range */
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
