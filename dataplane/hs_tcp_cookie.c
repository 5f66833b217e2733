/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp_cookie.c - SYN cookies (RFC 4987 §3.6): when the SYN backlog or
 * the table is full, the SYN-ACK's ISS (and, with timestamps, the low bits
 * of its TSval) carry what the SYN asked for, authenticated, so that no
 * state is kept until the peer's ACK proves it can receive our segments.
 *
 * Encoding.  T is a time counter of 64 s periods (lc->now_us / 64 s, full
 * width in the MAC, only its parity in the cookie).  The MAC is SipHash-2-4
 * keyed with the lcore's random secret (hs_tcp_lcore_init, as RFC 6528's
 * ISN key) over the 4-tuple, the peer's ISN, T and every option bit below,
 * so no field can be changed without the MAC failing.
 *
 *   ISS  [31]     T & 1
 *        [30]     TS: the SYN carried a timestamp option
 *        [29:28]  MSS index: the largest of 536, 1300, 1440, 1460 not above
 *                 the peer's MSS (Linux's table)
 *   TS = 0:
 *        [27:24]  the peer's window shift, 15 = no window scale option
 *        [23]     SACK permitted
 *        [22:0]   MAC, 23 bits
 *   TS = 1:
 *        [27:0]   MAC, 28 bits
 *        and our SYN-ACK's TSval (echoed in the ACK's TSecr):
 *        [31:8]   our timestamp clock for the 4-tuple, rounded down so
 *                 that it never runs ahead of the TSvals that follow
 *        [7:4]    the peer's window shift, 15 = none
 *        [3]      SACK permitted
 *        [2:0]    MAC, 3 more bits
 *
 * An ACK is checked against T or T - 1, whichever has the cookie's parity,
 * so a cookie is good for one to two periods (64 to 128 s) and never
 * again after (the MAC covers all of T).  With timestamps the echoed TSval
 * must also be one we may have sent in that time: our clock for the
 * 4-tuple has a secret per-tuple offset (hs_tcp_ts_offset), so a blind
 * guess passes that test with odds of about 2^-15.  A blind attacker who
 * knows everything but the key thus needs about 2^22 ACKs (no
 * timestamps) or 2^45 (timestamps) per forged connection, against 2^17
 * before; Linux (net/ipv4/syncookies.c) authenticates 24 bits of the ISN
 * and keeps the options in TSval unauthenticated.
 *
 * An ACK of a cookie with TS = 1 but no timestamp option is dropped
 * (RFC 7323 §3.2: timestamps were negotiated by the SYN and SYN-ACK).
 */
#include "hs_tcp_var.h"

#define HS_COOKIE_PERIOD_US 64000000ull
#define HS_COOKIE_PERIOD_MS 64000u
#define HS_COOKIE_TSBITS    8u
#define HS_COOKIE_TSMASK    ((1u << HS_COOKIE_TSBITS) - 1)

static const uint16_t hs_cookie_mss[4] = { 536, 1300, 1440, 1460 };

/* What the cookie carries besides the MAC: ts(1) mss(2) wscale(4) sack(1). */
static inline uint32_t
hs_cookie_opt_bits(bool ts, uint32_t mssidx, uint32_t ws, bool sack)
{
	return (uint32_t)ts << 7 | mssidx << 5 | ws << 1 | (uint32_t)sack;
}

static uint64_t
hs_cookie_mac(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr,
	      uint16_t fport, uint16_t lport, uint32_t irs, uint64_t t,
	      uint32_t opt)
{
	return hs_tcp_cookie_mac(lc, faddr, laddr, fport, lport, irs,
				 t << 16 | (uint64_t)opt << 8 | 0xc5u);
}

static inline uint64_t
hs_cookie_period(const struct hs_lcore *lc)
{
	return lc->now_us / HS_COOKIE_PERIOD_US;
}

uint32_t
hs_tcp_cookie_make(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr,
		   uint16_t fport, uint16_t lport, const struct hs_tcp_seg *syn,
		   uint32_t *tsval)
{
	const struct hs_tcp_opts *o = &syn->opt;
	uint16_t mss = o->has_mss ? o->mss : HS_TCP_DEFAULT_MSS;
	uint32_t idx = 0, ws = o->has_wscale ? o->wscale : 15u, opt, iss;
	uint64_t t = hs_cookie_period(lc), mac;

	while (idx < 3 && hs_cookie_mss[idx + 1] <= mss)
		idx++;
	opt = hs_cookie_opt_bits(o->has_ts, idx, ws, o->sack_ok);
	mac = hs_cookie_mac(lc, faddr, laddr, fport, lport, syn->seq, t, opt);
	iss = (uint32_t)(t & 1) << 31 | (uint32_t)o->has_ts << 30 | idx << 28;
	if (!o->has_ts)
		return iss | ws << 24 | (uint32_t)o->sack_ok << 23 |
		       ((uint32_t)mac & 0x7fffffu);
	if (tsval != NULL) {
		uint32_t now = hs_tcp_ms(lc) +
			       hs_tcp_ts_offset(lc, faddr, laddr, fport, lport);
		uint32_t low = ws << 4 | (uint32_t)o->sack_ok << 3 |
			       ((uint32_t)(mac >> 32) & 7u);
		uint32_t ts = (now & ~HS_COOKIE_TSMASK) | low;

		if (HS_SEQ_GT(ts, now))
			ts -= HS_COOKIE_TSMASK + 1;
		*tsval = ts;
	}
	return iss | ((uint32_t)mac & 0xfffffffu);
}

int
hs_tcp_cookie_check(struct hs_lcore *lc, uint32_t faddr, uint32_t laddr,
		    uint16_t fport, uint16_t lport, const struct hs_tcp_seg *s,
		    struct hs_tcp_cookie *out)
{
	uint32_t cookie = s->ack - 1, irs = s->seq - 1;
	uint64_t t = hs_cookie_period(lc), mac;
	bool ts = (cookie >> 30) & 1u, sack;
	uint32_t idx = (cookie >> 28) & 3u, ws, opt;

	if (!lc->tcp.cookies_used ||
	    hs_tcp_ms(lc) - lc->tcp.cookie_last_ms > 2 * HS_COOKIE_PERIOD_MS ||
	    (s->flags & (HS_TH_SYN | HS_TH_RST | HS_TH_ACK)) != HS_TH_ACK)
		return HS_COOKIE_NONE;
	if ((t & 1) != cookie >> 31) {
		if (t == 0)
			goto bad;
		t--;
	}
	if (ts) {
		uint32_t now, age;

		if (!s->opt.has_ts) {
			/* RFC 7323 §3.2; checked before any state exists. */
			lc->stats.drop_tcp_nots++;
			return HS_COOKIE_DROP;
		}
		now = hs_tcp_ms(lc) +
		      hs_tcp_ts_offset(lc, faddr, laddr, fport, lport);
		age = now - s->opt.tsecr;
		if (age > 2 * HS_COOKIE_PERIOD_MS + HS_COOKIE_TSMASK)
			goto bad;
		ws = (s->opt.tsecr >> 4) & 15u;
		sack = (s->opt.tsecr >> 3) & 1u;
	} else {
		ws = (cookie >> 24) & 15u;
		sack = (cookie >> 23) & 1u;
	}
	opt = hs_cookie_opt_bits(ts, idx, ws, sack);
	mac = hs_cookie_mac(lc, faddr, laddr, fport, lport, irs, t, opt);
	if (ts ? ((cookie ^ (uint32_t)mac) & 0xfffffffu) != 0 ||
			    ((s->opt.tsecr ^ (uint32_t)(mac >> 32)) & 7u) != 0
	       : ((cookie ^ (uint32_t)mac) & 0x7fffffu) != 0)
		goto bad;
	out->mss = hs_cookie_mss[idx];
	out->wscale =
		(int8_t)(ws == 15 ? -1 : (int)HS_MIN(ws, HS_TCP_MAX_WSCALE));
	out->sack = sack;
	out->ts = ts;
	return HS_COOKIE_OK;
bad:
	lc->stats.drop_tcp_syncookie_bad++;
	return HS_COOKIE_BAD;
}
