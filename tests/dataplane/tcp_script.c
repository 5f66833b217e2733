/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_script.c - scripted segment-level TCP tests (in the spirit of
 * packetdrill) run against the real hs_tcp_in/out/timer code with a fake
 * clock and a captured-output stand-in for hs_ipv4_output().
 *
 * Usage: tcp_script [--tso] DIR|FILE...   (a directory runs every *.pkt
 * in it, sorted).  One line per script: "ok NAME" or "FAIL NAME:LINE:
 * why".  --tso runs every script on a port doing TSO (the "tso"
 * directive's defaults): new data then leaves in TSO frames that the
 * harness cuts as a NIC would, and the segments must be exactly those
 * the script expects from a port without it -- same sequence numbers,
 * sizes, options, flags and send times, through loss, SACK, RACK,
 * PRR, pacing and probes (a port without multi-segment TX, tx-max-segs 1,
 * gets no TSO, as hs_port.c enables it only with chains; a script whose
 * subject is the schedule of single segments says "no-tso" and keeps
 * its port without it); the run fails if no TSO frame was sent at all.
 *
 * Script format, one event per line ('#' starts a comment):
 *
 *   TIME < FLAGS SEQ:END(LEN) [ack N] [win N] [<OPTS>] [badcsum]
 *        inject a segment from the peer at TIME (seconds; "+0.1" is
 *        relative to the previous event).  SEQ is relative to the peer's
 *        ISN (script-chosen: 0 is the SYN), ack relative to our ISS.
 *   TIME > FLAGS SEQ:END(LEN) [ack N] [win N] [<OPTS>|<...>]
 *        the next segment we sent must match and have left in
 *        [TIME - tolerance, TIME].  SEQ is relative to our ISS (learned
 *        from our SYN-ACK), ack relative to the peer's ISN.  Payload is
 *        checked byte for byte against what the app sent.  Without
 *        <OPTS> the segment must carry no options; <...> skips them.
 *   FLAGS: S F R P . (ACK), e.g. "S.", "P.", "F.", "R", "R.".
 *   OPTS: mss N, wscale N, sackOK, TS val N|* ecr N, nop, eol,
 *         sack L:R ... (relative like the ACK field).  In an injected
 *         segment "ecr *" echoes the last TSval we sent to that port,
 *         "ecr *-N" that TSval minus N (what we sent N ms earlier).
 *
 *   TIME app send N | close | abort | read [N] | timeout MS | refuse
 *   TIME app connect         active open from local-port to peer-port
 *                            (hs_tcp_connect); our SYN teaches the ISS
 *   TIME app send-mbuf N K   N bytes as a chain of K-byte mbufs
 *                            (hs_tcp_send_mbuf, queued without a copy)
 *   TIME app send-ext N      N bytes of external memory by reference
 *                            (hs_tcp_send_ext; the app holds a reference
 *                            on the memory's shinfo from the first one)
 *   TIME app ext-done        the app drops its shinfo reference
 *   TIME expect-ext-freed N  the memory's free callback ran N times
 *   TIME expect-closed 0|ECONNRESET|ECONNREFUSED|ETIMEDOUT  closed() was called
 *   TIME expect-no-close                          closed() not called
 *   TIME expect-state NAME                        conn state (CLOSED if gone)
 *   TIME expect-counter NAME N                    lc.stats.NAME == N
 *   TIME expect-accepted N                        accepted() calls so far
 *   TIME expect-readable N                        bytes waiting for the app
 *   TIME expect-none                              nothing more sent by TIME
 *   TIME expect-ooq SEGS BYTES                    out-of-order queue contents
 *   TIME expect-timeouts N                        app timeout() calls so far
 *   TIME expect-cwnd N | expect-ssthresh N        congestion state, bytes
 *   TIME ts-recent-age MS  TS.Recent was recorded MS ms earlier than it was
 *                          (an idle period too long to run the clock
 *                          through, e.g. RFC 7323 §5.5's 24 days)
 *   TIME expect-sent N    exactly N segments sent since the last read, all
 *                         new data, back to back from where the data read
 *                         so far ends (for how much an ACK releases)
 *   TIME expect-conns N | expect-synrcvd N        table entries / SYN backlog
 *   param NAME N      hs_tcp_params field (before the first segment)
 *   max-conns N       connection table size (before the first segment)
 *   peer-port N       later segments use this source port
 *   peer-isn N        the peer's absolute ISN (default 1000)
 *   local-port N      later segments go to this port (default 443, listening)
 *   tolerance MS      timing tolerance for '>' (default 2)
 *   tx-max-segs N     segments per frame (default HS_TX_MAX_SEGS; 1: a port
 *                     without multi-segment TX, payload copied)
 *   tx-csum-offload   the port computes TCP checksums (lc.tx_csum_offload):
 *                     each TCP frame must ask for it (TX_IPV4, TX_IP_CKSUM,
 *                     TX_TCP_CKSUM, l3_len/l4_len) with the pseudo-header
 *                     sum in its checksum field, and the harness then
 *                     sums it as a NIC would before the usual checks
 *   tso [SEGS [MTUSEGS [L3MAX]]]
 *                     the port does TSO (lc.tso_*; implies tx-csum-offload):
 *                     a frame asking for it (TX_TCP_SEG with TX_IPV4,
 *                     TX_IP_CKSUM, TX_TCP_CKSUM, l3/l4_len, tso_segsz, the
 *                     pseudo-header sum without length, headers alone in
 *                     the first mbuf, at most SEGS mbufs (default 64),
 *                     each cut segment spanning at most MTUSEGS of them
 *                     with the header (default 64), no segment beyond
 *                     L3MAX bytes of IPv4 datagram (default the MTU)) is
 *                     cut as a NIC cuts it: headers repeated, sequence
 *                     numbers advanced, FIN and PSH on the last segment
 *                     only; the segments are then checked as any others
 *   no-tso            the port has no TSO, even under --tso
 *   csum-per-mbuf     the port sums each mbuf of a chain on its own, as
 *                     DPDK 22.11's net_tap does (lc.tx_csum_even; with
 *                     tx-csum-offload or tso): a frame asking for it
 *                     with an odd-length mbuf before the last of its
 *                     chain (of a cut segment's, for TSO) fails, since
 *                     that port would send a wrong checksum; frames may
 *                     come summed instead (not asking)
 *   TIME expect-tso FRAMES SEGS   TSO frames the port got so far, and the
 *                                 segments it cut from them
 *
 * With HS_TCP_SCRIPT_TRACE set in the environment every segment we send
 * is printed to stderr as it leaves (to write the '>' lines of a script).
 *
 * Every segment we send must be expected: one left unread when the next
 * event runs fails the script.  After every event, each conn the app does
 * not hold (SYN_RCVD, TIME_WAIT) must have a timer pending: nothing else
 * would ever free it.  After the script the app aborts what it holds, the
 * clock runs until every timer has fired and the table must then be empty
 * (and the SYN backlog zero, every SACK scoreboard block back in the
 * lcore's pool); then the lcore is torn down and the mbuf
 * pool must be full again (no leak on any path).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "hs_lcore.h"
#include "hs_net.h"
#include "hs_tcp_var.h"
#include "hs_ipv4_capture.h"

#define SRV_IP    RTE_IPV4(198, 18, 0, 1)
#define PEER_IP   RTE_IPV4(198, 18, 0, 2)
#define SRV_PORT  443
#define POOL_SIZE 8191
#define MAX_CAPS  4096
#define MAX_PORTS 64

static struct rte_mempool *pool;
static struct hs_netif ifp;
static struct hs_lcore lc;
static struct hs_tcp_params saved_params;

/* ---- per-script state ------------------------------------------------ */
static const char *cur_name;
static int cur_line;
static bool failed;
static char fail_msg[512];

#define FAIL_RET(...)              \
	do {                       \
		fail(__VA_ARGS__); \
		return;            \
	} while (0)

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	if (failed)
		return;
	failed = true;
	va_start(ap, fmt);
	vsnprintf(fail_msg, sizeof(fail_msg), fmt, ap);
	va_end(ap);
}

struct cap {
	uint64_t t_us;
	uint8_t flags;
	uint16_t sport, dport, win;
	uint32_t seq, ack, dlen;
	uint8_t opts[40];
	uint8_t optlen;
	uint8_t data[2048];
	bool cksum_ok;
};
static struct cap caps[MAX_CAPS];
static unsigned int ncap, rd;

struct peer {
	uint16_t port; /* host order */
	bool have_iss;
	uint32_t iss;      /* our ISS towards this peer */
	uint32_t tsval;    /* our last TSval towards this peer */
	uint32_t data_end; /* end of the data read so far, relative */
};
static struct peer peers[MAX_PORTS];
static unsigned int npeers;
static struct peer *cur_peer;
static uint32_t peer_isn;
static uint64_t t0_us, last_t_us, tol_us;
static bool started;
static uint16_t dst_port; /* port the peer's segments go to */
static uint32_t max_conns;
static uint8_t tx_max_segs;  /* "tx-max-segs", lc.tx_max_segs */
static bool trace;           /* HS_TCP_SCRIPT_TRACE: print what we send */
static bool tx_csum_offload; /* "tx-csum-offload", lc.tx_csum_offload */
/* "tso": lc.tso_* (tso_on false: TSO off) and what the port cut */
static bool tso_on;
static uint8_t tso_segs, tso_mtu_segs;
static uint16_t tso_l3;
static uint32_t tso_frames, tso_cut;
static bool force_tso;         /* --tso */
static bool csum_per_mbuf;     /* "csum-per-mbuf", lc.tx_csum_even */
static uint64_t forced_frames; /* TSO frames over the --tso run */

static struct peer *
peer_get(uint16_t port)
{
	for (unsigned int i = 0; i < npeers; i++)
		if (peers[i].port == port)
			return &peers[i];
	if (npeers == MAX_PORTS) {
		fail("too many peer ports");
		return &peers[0];
	}
	memset(&peers[npeers], 0, sizeof(peers[0]));
	peers[npeers].port = port;
	return &peers[npeers++];
}

/* Payload bytes are a function of the stream offset, so that every byte
 * delivered or sent can be checked. */
static uint8_t
pat_in(uint32_t off)
{
	return (uint8_t)(off * 7u + 3u);
}
static uint8_t
pat_out(uint32_t off)
{
	return (uint8_t)(off * 13u + 5u);
}

/* ---- IPv4 layer stand-ins ------------------------------------------- */
/* What a NIC does for RTE_MBUF_F_TX_TCP_CKSUM: the checksum field holds
 * the pseudo-header sum; the NIC sums the whole segment over it. */
static void
nic_tcp_cksum(struct rte_mbuf *m)
{
	static uint8_t flat[65536];
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint32_t l4len = rte_pktmbuf_pkt_len(m) - sizeof(*ip);
	const void *p;

	if (!tx_csum_offload || !(m->ol_flags & RTE_MBUF_F_TX_IPV4) ||
	    !(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) ||
	    m->l3_len != sizeof(*ip) || m->l4_len < sizeof(*th) ||
	    rte_pktmbuf_data_len(m) < sizeof(*ip) + m->l4_len) {
		fail("tx-csum-offload: bad offload request (flags %#" PRIx64
		     ", l3 %u, l4 %u)",
		     m->ol_flags, (unsigned int)m->l3_len,
		     (unsigned int)m->l4_len);
		return;
	}
	if (th->cksum != rte_ipv4_phdr_cksum(ip, m->ol_flags)) {
		fail("tx-csum-offload: checksum field is not the pseudo-header "
		     "sum");
		return;
	}
	for (const struct rte_mbuf *v = m->next; csum_per_mbuf && v != NULL;
	     v = v->next)
		if (v->next != NULL && (v->data_len & 1)) {
			fail("csum-per-mbuf: an odd mbuf (%u bytes) before the "
			     "last: the port would sum it wrong",
			     (unsigned int)v->data_len);
			return;
		}
	p = rte_pktmbuf_read(m, sizeof(*ip), l4len, flat);
	if (p == NULL) {
		fail("tx-csum-offload: cannot read the segment");
		return;
	}
	th->cksum = (uint16_t)~rte_raw_cksum(p, l4len);
}

static void describe(const struct cap *c, char *buf, size_t n);
static void capture(struct rte_mbuf *m, bool summed);

/* What a NIC does for RTE_MBUF_F_TX_TCP_SEG: check the request, then cut
 * the frame into segments of tso_segsz payload bytes with the headers
 * repeated and summed, each captured as if sent alone.  Consumes m. */
static void
nic_tso(struct rte_mbuf *m)
{
	static uint8_t flat[65536];
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const struct rte_tcp_hdr *th = (const void *)(ip + 1);
	uint64_t want = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 |
			RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
	uint32_t thl = (th->data_off >> 4) * 4u, hdr = 20 + thl;
	uint32_t len = rte_pktmbuf_pkt_len(m) - hdr, seg = m->tso_segsz;
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq), n = 0;
	const struct rte_mbuf *v;
	const uint8_t *p;

	if (!tso_on || (m->ol_flags & want) != want || m->l3_len != 20 ||
	    m->l4_len != thl || rte_pktmbuf_data_len(m) != hdr || seg == 0 ||
	    len <= seg || hdr + seg > tso_l3 || m->nb_segs > tso_segs ||
	    len > HS_TSO_MAX_LEN) {
		fail("tso: bad request (flags %#" PRIx64 ", l3 %u, l4 %u, "
		     "segsz %u, payload %u, %u mbufs)",
		     m->ol_flags, (unsigned int)m->l3_len,
		     (unsigned int)m->l4_len, seg, len,
		     (unsigned int)m->nb_segs);
		rte_pktmbuf_free(m);
		return;
	}
	if (th->cksum != rte_ipv4_phdr_cksum(ip, m->ol_flags)) {
		fail("tso: checksum field is not the pseudo-header sum "
		     "without length");
		rte_pktmbuf_free(m);
		return;
	}
	/* mbufs spanned by each cut segment, its header included */
	for (uint32_t a = 0; a < len; a += seg) {
		uint32_t o = 0, spans = 1;

		for (v = m->next; v != NULL; o += v->data_len, v = v->next) {
			if (o < a + seg && o + v->data_len > a)
				spans++;
			/* a piece of this segment ending inside it, odd */
			if (csum_per_mbuf && o + v->data_len > a &&
			    o + v->data_len < HS_MIN(a + seg, len) &&
			    ((o + v->data_len - HS_MAX(o, a)) & 1)) {
				fail("csum-per-mbuf: a cut segment holds an "
				     "odd "
				     "piece before its last");
				rte_pktmbuf_free(m);
				return;
			}
		}
		if (spans > tso_mtu_segs) {
			fail("tso: a segment spans %u mbufs", spans);
			rte_pktmbuf_free(m);
			return;
		}
	}
	p = rte_pktmbuf_read(m, 0, hdr + len, flat);
	tso_frames++;
	for (uint32_t a = 0; a < len; a += seg, n++) {
		uint32_t k = HS_MIN(seg, len - a);
		struct rte_mbuf *x = rte_pktmbuf_alloc(pool);
		struct rte_ipv4_hdr *xi;
		struct rte_tcp_hdr *xt;
		uint8_t *d;

		if (x == NULL) {
			fail("tso: test pool empty");
			break;
		}
		d = (uint8_t *)rte_pktmbuf_append(x, (uint16_t)(hdr + k));
		memcpy(d, p, hdr);
		memcpy(d + hdr, p + hdr + a, k);
		xi = (struct rte_ipv4_hdr *)d;
		xt = (struct rte_tcp_hdr *)(xi + 1);
		xi->total_length = rte_cpu_to_be_16((uint16_t)(hdr + k));
		xi->hdr_checksum = 0;
		xi->hdr_checksum = rte_ipv4_cksum(xi);
		xt->sent_seq = rte_cpu_to_be_32(seq + a);
		if (a + k < len)
			xt->tcp_flags &= (uint8_t) ~(RTE_TCP_FIN_FLAG |
						     RTE_TCP_PSH_FLAG);
		xt->cksum = 0;
		xt->cksum = rte_ipv4_udptcp_cksum(xi, xt);
		capture(x, true);
	}
	tso_cut += n;
	rte_pktmbuf_free(m);
}

void
hs_ipv4_output(struct hs_lcore *l, struct rte_mbuf *m)
{
	(void)l;
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)
		nic_tso(m);
	else
		capture(m, false);
}

/* Record frame m (summed: by the port already).  Consumes m. */
static void
capture(struct rte_mbuf *m, bool summed)
{
	/* data segments are chains: read through a flat copy */
	struct hs_cap_seg seg;
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint32_t thl;
	struct cap *c;

	if (!summed && (m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM))
		nic_tcp_cksum(m);
	else if (!summed && tx_csum_offload && !csum_per_mbuf)
		fail("tx-csum-offload: a TCP frame did not ask for it");
	hs_cap_read(m, &seg);
	ip = seg.ip;
	th = seg.th;
	thl = seg.thl;
	if (ncap == MAX_CAPS) {
		fail("capture overflow");
		rte_pktmbuf_free(m);
		return;
	}
	c = &caps[ncap++];
	c->t_us = lc.now_us;
	c->flags = th->tcp_flags;
	c->seq = rte_be_to_cpu_32(th->sent_seq);
	c->ack = rte_be_to_cpu_32(th->recv_ack);
	c->win = rte_be_to_cpu_16(th->rx_win);
	c->sport = rte_be_to_cpu_16(th->src_port);
	c->dport = rte_be_to_cpu_16(th->dst_port);
	c->optlen = (uint8_t)(thl - 20);
	memcpy(c->opts, th + 1, c->optlen);
	c->dlen = seg.dlen;
	if (c->dlen > sizeof(c->data))
		c->dlen = sizeof(c->data);
	memcpy(c->data, seg.data, c->dlen);
	c->cksum_ok = seg.cksum_ok && ip->src_addr == RTE_BE32(SRV_IP) &&
		      rte_pktmbuf_headroom(m) >= RTE_ETHER_HDR_LEN;
	if (c->flags & RTE_TCP_SYN_FLAG) {
		struct peer *p = peer_get(c->dport);

		p->have_iss = true;
		p->iss = c->seq;
	}
	for (uint32_t i = 0; i + 1 < c->optlen;) {
		const uint8_t *o = c->opts + i;

		if (o[0] == HS_TCPOPT_EOL)
			break;
		if (o[0] == HS_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (o[1] < 2)
			break;
		if (o[0] == HS_TCPOPT_TS && o[1] == 10 && i + 10 <= c->optlen)
			peer_get(c->dport)->tsval = (uint32_t)o[2] << 24 |
						    (uint32_t)o[3] << 16 |
						    (uint32_t)o[4] << 8 | o[5];
		i += o[1];
	}
	if (trace) {
		char b[160];

		describe(c, b, sizeof(b));
		fprintf(stderr, "%s:%d: %s\n", cur_name, cur_line, b);
	}
	rte_pktmbuf_free(m);
}

/* ---- the application ------------------------------------------------ */
static struct {
	struct hs_tcp_conn *c;
	int accepted, closed, reason, timeouts;
	bool refuse;
	uint32_t sent; /* bytes handed to hs_tcp_send */
	uint32_t rcvd; /* bytes read by the app */
} app;

/* External memory for "app send-ext": stream byte i at ext_area[i]. */
#define EXT_AREA (2u << 20)
static uint8_t ext_area[EXT_AREA];
static struct rte_mbuf_ext_shared_info ext_sh;
static bool ext_holding; /* the app's reference on ext_sh */
static int ext_freed;    /* free callback runs */

static void
ext_free_cb(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
	ext_freed++;
}

static int
app_accepted(struct hs_tcp_conn *c, void *arg)
{
	(void)arg;
	app.accepted++;
	if (app.refuse) {
		app.refuse = false;
		return -ECONNREFUSED;
	}
	app.c = c;
	app.sent = app.rcvd = 0;
	return 0;
}

static void
app_readable(struct hs_tcp_conn *c)
{
	(void)c;
}
static void
app_writable(struct hs_tcp_conn *c)
{
	(void)c;
}
static void
app_timeout(struct hs_tcp_conn *c)
{
	(void)c;
	app.timeouts++;
}

static void
app_closed(struct hs_tcp_conn *c, int reason)
{
	app.closed++;
	app.reason = reason;
	if (c == app.c)
		app.c = NULL;
}

static const struct hs_tcp_ops app_ops = {
	.accepted = app_accepted,
	.readable = app_readable,
	.writable = app_writable,
	.closed = app_closed,
	.timeout = app_timeout,
};

/* ---- clock ----------------------------------------------------------- */
static void
advance_to(uint64_t t_us)
{
	while (lc.now_us < t_us) {
		uint64_t step =
			HS_MIN((uint64_t)HS_TW_TICK_US, t_us - lc.now_us);

		lc.now_us += step;
		hs_tcp_timer_run(&lc);
	}
}

static void
start(void)
{
	if (started)
		return;
	started = true;
	memset(&lc, 0, sizeof(lc));
	lc.ifp = &ifp;
	lc.pool = pool;
	lc.port_id = HS_PORT_NONE;
	lc.tx_max_segs = tx_max_segs; /* data segments are chains */
	lc.tx_csum_offload = tx_csum_offload;
	lc.tx_csum_even = csum_per_mbuf;
	if (tso_on && tx_max_segs >= 2) { /* TSO needs chains (hs_port.c) */
		lc.tso_max = HS_TSO_MAX_LEN;
		lc.tso_max_segs = tso_segs;
		lc.tso_mtu_segs = tso_mtu_segs;
		lc.tso_l3_max = tso_l3;
	}
	lc.tx_ext_ok = true; /* hs_tcp_send_ext by reference */
	lc.now_us = t0_us;
	if (hs_tcp_lcore_init(&lc, max_conns) != 0 ||
	    hs_tcp_listen(&lc, SRV_PORT, &app_ops, NULL) != 0)
		fail("lcore init failed");
}

/* ---- parsing helpers ------------------------------------------------- */
static char *
next_tok(char **p)
{
	char *s = *p, *b;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return NULL;
	b = s;
	while (*s && !isspace((unsigned char)*s))
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return b;
}

static bool
parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL)
		return false;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end || end == s || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

static int
parse_flags(const char *s, uint8_t *f)
{
	*f = 0;
	for (; *s; s++) {
		switch (*s) {
		case 'S':
			*f |= RTE_TCP_SYN_FLAG;
			break;
		case 'F':
			*f |= RTE_TCP_FIN_FLAG;
			break;
		case 'R':
			*f |= RTE_TCP_RST_FLAG;
			break;
		case 'P':
			*f |= RTE_TCP_PSH_FLAG;
			break;
		case 'U':
			*f |= RTE_TCP_URG_FLAG;
			break;
		case '.':
			*f |= RTE_TCP_ACK_FLAG;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* One option, canonical form for comparison. */
struct opt {
	uint8_t kind;
	bool wild;     /* TS val * */
	bool wild_ecr; /* TS ecr * (injected: echo our last TSval) */
	uint32_t a, b; /* mss/wscale value; TS val/ecr */
	uint8_t nblk;
	uint32_t blk[4][2];
};

struct optlist {
	struct opt o[16];
	int n;
	bool any; /* <...> */
	bool given;
};

/* Parse "<mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>" (the text between
 * the brackets).  SACK edges are relative to 'sack_base'. */
static int
parse_opts(char *s, struct optlist *ol, uint32_t sack_base)
{
	char *save = NULL, *item;

	memset(ol, 0, sizeof(*ol));
	ol->given = true;
	if (strcmp(s, "...") == 0) {
		ol->any = true;
		return 0;
	}
	for (item = strtok_r(s, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *p = item, *k = next_tok(&p), *v;
		struct opt *o;

		if (k == NULL)
			continue;
		if (ol->n == 16)
			return -1;
		o = &ol->o[ol->n++];
		memset(o, 0, sizeof(*o));
		if (strcmp(k, "mss") == 0) {
			o->kind = HS_TCPOPT_MSS;
			if (!parse_u32(next_tok(&p), &o->a))
				return -1;
		} else if (strcmp(k, "wscale") == 0) {
			o->kind = HS_TCPOPT_WSCALE;
			if (!parse_u32(next_tok(&p), &o->a))
				return -1;
		} else if (strcmp(k, "sackOK") == 0) {
			o->kind = HS_TCPOPT_SACK_OK;
		} else if (strcmp(k, "nop") == 0) {
			o->kind = HS_TCPOPT_NOP;
		} else if (strcmp(k, "eol") == 0) {
			o->kind = HS_TCPOPT_EOL;
		} else if (strcmp(k, "TS") == 0) {
			o->kind = HS_TCPOPT_TS;
			if ((v = next_tok(&p)) == NULL || strcmp(v, "val"))
				return -1;
			v = next_tok(&p);
			if (v && strcmp(v, "*") == 0)
				o->wild = true;
			else if (!parse_u32(v, &o->a))
				return -1;
			if ((v = next_tok(&p)) == NULL || strcmp(v, "ecr"))
				return -1;
			v = next_tok(&p);
			if (v && strcmp(v, "*") == 0)
				o->wild_ecr = true;
			else if (v && strncmp(v, "*-", 2) == 0 &&
				 parse_u32(v + 2, &o->b))
				o->wild_ecr = true;
			else if (!parse_u32(v, &o->b))
				return -1;
		} else if (strcmp(k, "sack") == 0) {
			o->kind = 5;
			while ((v = next_tok(&p)) != NULL) {
				char *colon = strchr(v, ':');

				if (colon == NULL || o->nblk == 4)
					return -1;
				*colon = '\0';
				if (!parse_u32(v, &o->blk[o->nblk][0]) ||
				    !parse_u32(colon + 1, &o->blk[o->nblk][1]))
					return -1;
				o->blk[o->nblk][0] += sack_base;
				o->blk[o->nblk][1] += sack_base;
				o->nblk++;
			}
		} else {
			return -1;
		}
	}
	return 0;
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Encode for injection; pads with EOL to a multiple of 4. */
static int
encode_opts(const struct optlist *ol, uint8_t *b)
{
	int n = 0;

	for (int i = 0; i < ol->n; i++) {
		const struct opt *o = &ol->o[i];

		if (n + 2 + 8 * o->nblk > 40 || n + 10 > 40)
			return -1;
		switch (o->kind) {
		case HS_TCPOPT_EOL:
		case HS_TCPOPT_NOP:
			b[n++] = o->kind;
			break;
		case HS_TCPOPT_MSS:
			b[n++] = 2;
			b[n++] = 4;
			b[n++] = (uint8_t)(o->a >> 8);
			b[n++] = (uint8_t)o->a;
			break;
		case HS_TCPOPT_WSCALE:
			b[n++] = 3;
			b[n++] = 3;
			b[n++] = (uint8_t)o->a;
			break;
		case HS_TCPOPT_SACK_OK:
			b[n++] = 4;
			b[n++] = 2;
			break;
		case HS_TCPOPT_TS:
			b[n++] = 8;
			b[n++] = 10;
			wr32(b + n, o->a);
			wr32(b + n + 4,
			     o->wild_ecr ? cur_peer->tsval - o->b : o->b);
			n += 8;
			break;
		case 5:
			b[n++] = 5;
			b[n++] = (uint8_t)(2 + 8 * o->nblk);
			for (int k = 0; k < o->nblk; k++) {
				wr32(b + n, o->blk[k][0]);
				wr32(b + n + 4, o->blk[k][1]);
				n += 8;
			}
			break;
		}
	}
	while (n % 4)
		b[n++] = HS_TCPOPT_EOL;
	return n;
}

/* Decode what we sent into the canonical list. */
static int
decode_opts(const uint8_t *p, int len, struct optlist *ol)
{
	int i = 0;

	memset(ol, 0, sizeof(*ol));
	while (i < len && ol->n < 16) {
		struct opt *o = &ol->o[ol->n++];

		memset(o, 0, sizeof(*o));
		o->kind = p[i];
		if (o->kind == HS_TCPOPT_EOL) {
			/* trailing padding: stop (counted once) */
			return 0;
		}
		if (o->kind == HS_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || p[i + 1] < 2 || i + p[i + 1] > len)
			return -1;
		switch (o->kind) {
		case HS_TCPOPT_MSS:
			o->a = (uint32_t)(p[i + 2] << 8 | p[i + 3]);
			break;
		case HS_TCPOPT_WSCALE:
			o->a = p[i + 2];
			break;
		case HS_TCPOPT_TS:
			o->a = rd32(p + i + 2);
			o->b = rd32(p + i + 6);
			break;
		case 5:
			o->nblk = (uint8_t)((p[i + 1] - 2) / 8);
			for (int k = 0; k < o->nblk && k < 4; k++) {
				o->blk[k][0] = rd32(p + i + 2 + 8 * k);
				o->blk[k][1] = rd32(p + i + 6 + 8 * k);
			}
			break;
		}
		i += p[i + 1];
	}
	return 0;
}

static bool
opts_match(const struct optlist *want, const struct optlist *got)
{
	if (want->any)
		return true;
	/* Trailing EOL padding in 'got' is ignored. */
	int gn = got->n;

	if (gn > 0 && got->o[gn - 1].kind == HS_TCPOPT_EOL)
		gn--;
	if (want->n != gn)
		return false;
	for (int i = 0; i < gn; i++) {
		const struct opt *w = &want->o[i], *g = &got->o[i];

		if (w->kind != g->kind || (!w->wild_ecr && w->b != g->b) ||
		    (!w->wild && w->a != g->a) || w->nblk != g->nblk)
			return false;
		for (int k = 0; k < w->nblk; k++)
			if (w->blk[k][0] != g->blk[k][0] ||
			    w->blk[k][1] != g->blk[k][1])
				return false;
	}
	return true;
}

/* ---- segment lines --------------------------------------------------- */
struct segspec {
	uint8_t flags;
	uint32_t seq, end, len;
	bool has_ack, has_win, badcsum;
	uint32_t ack, win;
	struct optlist ol;
};

static int
parse_seg(char *p, struct segspec *s, bool inbound)
{
	char *tok, *lt;
	uint32_t sack_base;

	memset(s, 0, sizeof(*s));
	/* Options first: cut "<...>" off the line. */
	lt = strchr(p, '<');
	if (lt) {
		char *gt = strrchr(lt, '>');

		if (gt == NULL)
			return -1;
		*gt = '\0';
		*lt = '\0';
		/* SACK blocks acknowledge the other side's sequence space. */
		sack_base = inbound ? (cur_peer->have_iss ? cur_peer->iss : 0)
				    : peer_isn;
		if (parse_opts(lt + 1, &s->ol, sack_base) < 0)
			return -1;
		/* Words after '>' (e.g. badcsum) */
		char *rest = gt + 1;

		while ((tok = next_tok(&rest)) != NULL)
			if (strcmp(tok, "badcsum") == 0)
				s->badcsum = true;
			else
				return -1;
	}
	if ((tok = next_tok(&p)) == NULL || parse_flags(tok, &s->flags) < 0)
		return -1;
	if ((tok = next_tok(&p)) == NULL ||
	    sscanf(tok, "%u:%u(%u)", &s->seq, &s->end, &s->len) != 3 ||
	    s->end - s->seq != s->len)
		return -1;
	while ((tok = next_tok(&p)) != NULL) {
		if (strcmp(tok, "ack") == 0) {
			s->has_ack = true;
			if (!parse_u32(next_tok(&p), &s->ack))
				return -1;
		} else if (strcmp(tok, "win") == 0) {
			s->has_win = true;
			if (!parse_u32(next_tok(&p), &s->win))
				return -1;
		} else if (strcmp(tok, "badcsum") == 0) {
			s->badcsum = true;
		} else {
			return -1;
		}
	}
	return 0;
}

static void
do_inject(const struct segspec *s)
{
	struct rte_mbuf *m;
	uint8_t ob[40];
	int optlen = 0;
	uint32_t tot, seq, ack = 0;
	uint32_t iss = cur_peer->have_iss ? cur_peer->iss : 0;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint8_t *d;

	if (s->ol.given && (optlen = encode_opts(&s->ol, ob)) < 0) {
		fail("options too long");
		return;
	}
	tot = 40 + (uint32_t)optlen + s->len;
	if (s->len > 1460) {
		fail("payload too long");
		return;
	}
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL) {
		fail("test pool empty");
		return;
	}
	ip = (void *)rte_pktmbuf_append(m, (uint16_t)tot);
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		FAIL_RET("segment too large");
	}
	hs_ipv4_fill(ip, RTE_BE32(PEER_IP), RTE_BE32(SRV_IP), IPPROTO_TCP,
		     (uint16_t)tot);
	th = (void *)(ip + 1);
	seq = peer_isn + s->seq;
	if (s->has_ack)
		ack = iss + s->ack;
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(cur_peer->port);
	th->dst_port = rte_cpu_to_be_16(dst_port);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((20 + optlen) / 4) << 4);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16((uint16_t)(s->has_win ? s->win : 65535));
	memcpy(th + 1, ob, (size_t)optlen);
	d = (uint8_t *)(th + 1) + optlen;
	/* Stream offset of the first payload byte (a SYN takes one). */
	for (uint32_t i = 0; i < s->len; i++)
		d[i] = pat_in(s->seq + i -
			      ((s->flags & RTE_TCP_SYN_FLAG) ? 0 : 1));
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	if (s->badcsum)
		th->cksum ^= 0x0101;
	m->l3_len = 20;
	hs_tcp_input(&lc, m);
}

static const char *
flagstr(uint8_t f, char *b)
{
	char *p = b;

	if (f & RTE_TCP_SYN_FLAG)
		*p++ = 'S';
	if (f & RTE_TCP_FIN_FLAG)
		*p++ = 'F';
	if (f & RTE_TCP_RST_FLAG)
		*p++ = 'R';
	if (f & RTE_TCP_PSH_FLAG)
		*p++ = 'P';
	if (f & RTE_TCP_URG_FLAG)
		*p++ = 'U';
	if (f & RTE_TCP_ACK_FLAG)
		*p++ = '.';
	*p = '\0';
	return b;
}

static void
describe(const struct cap *c, char *buf, size_t n)
{
	struct peer *p = peer_get(c->dport);
	uint32_t iss = p->have_iss ? p->iss : 0;
	char fb[8];

	snprintf(buf, n, "%.3f > %s %u:%u(%u) ack %u win %u optlen %u",
		 (double)(c->t_us - t0_us) / 1e6, flagstr(c->flags, fb),
		 c->seq - iss, c->seq - iss + c->dlen, c->dlen,
		 c->ack - peer_isn, c->win, c->optlen);
}

static void
do_expect(const struct segspec *s, uint64_t t_us)
{
	struct cap *c;
	struct optlist got;
	char d[160];
	uint32_t iss;

	if (rd >= ncap) {
		fail("expected a segment by %.3f, none sent",
		     (double)(t_us - t0_us) / 1e6);
		return;
	}
	c = &caps[rd++];
	describe(c, d, sizeof(d));
	if (c->dport != cur_peer->port) {
		fail("segment to port %u, expected %u: %s", c->dport,
		     cur_peer->port, d);
		return;
	}
	iss = cur_peer->have_iss ? cur_peer->iss : 0;
	if (c->flags != s->flags || c->seq - iss != s->seq ||
	    c->dlen != s->len ||
	    (s->has_ack ? c->ack - peer_isn != s->ack
			: (c->flags & RTE_TCP_ACK_FLAG) != 0) ||
	    (s->has_win && c->win != s->win)) {
		fail("segment mismatch: got %s", d);
		return;
	}
	if (!c->cksum_ok) {
		fail("bad checksum/addresses/headroom: %s", d);
		return;
	}
	if (c->t_us + tol_us < t_us) {
		fail("segment sent too early: %s", d);
		return;
	}
	if (decode_opts(c->opts, c->optlen, &got) < 0) {
		fail("malformed options: %s", d);
		return;
	}
	if (!opts_match(&s->ol, &got)) {
		fail("options mismatch: %s", d);
		return;
	}
	for (uint32_t i = 0; i < c->dlen; i++) {
		uint32_t off = c->seq - iss - 1 + i;

		if (c->data[i] != pat_out(off)) {
			fail("payload byte %u wrong: %s", i, d);
			return;
		}
	}
	if (c->dlen &&
	    (int32_t)(c->seq - iss + c->dlen - cur_peer->data_end) > 0)
		cur_peer->data_end = c->seq - iss + c->dlen;
}

/* expect-sent N: the N segments sent since the last read are new data,
 * back to back from cur_peer->data_end, sent within the tolerance. */
static void
do_expect_sent(uint32_t n, uint64_t t_us)
{
	char d[160];

	if (ncap - rd != n) {
		fail("expect-sent %u: %u segments sent", n, ncap - rd);
		rd = ncap;
		return;
	}
	for (; rd < ncap; rd++) {
		struct cap *c = &caps[rd];
		uint32_t iss = cur_peer->have_iss ? cur_peer->iss : 0;

		describe(c, d, sizeof(d));
		if (c->dport != cur_peer->port || c->dlen == 0 ||
		    !(c->flags & RTE_TCP_ACK_FLAG) ||
		    (c->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG |
				 RTE_TCP_RST_FLAG)) ||
		    (cur_peer->data_end &&
		     c->seq - iss != cur_peer->data_end)) {
			fail("expect-sent: not the next new data: %s", d);
			return;
		}
		if (!c->cksum_ok || c->t_us + tol_us < t_us || c->t_us > t_us) {
			fail("expect-sent: bad checksum or time: %s", d);
			return;
		}
		for (uint32_t i = 0; i < c->dlen; i++) {
			if (c->data[i] != pat_out(c->seq - iss - 1 + i)) {
				fail("expect-sent: payload byte %u wrong: %s",
				     i, d);
				return;
			}
		}
		cur_peer->data_end = c->seq - iss + c->dlen;
	}
}

static void
check_none_pending(void)
{
	char d[160];

	if (rd < ncap) {
		describe(&caps[rd], d, sizeof(d));
		fail("unexpected segment: %s", d);
		rd = ncap;
	}
}

/* ---- app and expect-* lines ------------------------------------------ */
static const struct {
	const char *name;
	size_t off;
} param_tab[] = {
#define P(n)                                          \
	{                                             \
#n, offsetof(struct hs_tcp_params, n) \
	}
	P(sndbuf),
	P(rcvbuf),
	P(msl_ms),
	P(rto_min_ms),
	P(rto_max_ms),
	P(rto_init_ms),
	P(syn_retries),
	P(data_retries),
	P(delack_ms),
	P(fin_wait2_ms),
	P(ooq_max_segs),
	P(ooq_lcore_max),
	P(challenge_ack_limit),
	P(keepalive_ms),
	P(keepalive_intvl_ms),
	P(keepalive_probes),
	P(syncookies),
	P(syn_backlog),
	P(cc),
	P(max_per_source),
	P(time_wait_ms),
	P(rcvq_lcore_max),
	P(initcwnd),
	P(pacing),
	P(rcvbuf_max),
#undef P
};

static const struct {
	const char *name;
	size_t off;
} stat_tab[] = {
#define S(n) { #n, offsetof(struct hs_stats, n) },
	HS_STATS_ALL(S)
#undef S
};

static const char *const state_names[] = {
	"CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RCVD",
	"ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
	"CLOSING",     "LAST_ACK",   "TIME_WAIT",
};

static struct hs_tcp_conn *
cur_conn(void)
{
	return hs_tcp_conn_lookup(&lc, RTE_BE32(PEER_IP), RTE_BE32(SRV_IP),
				  rte_cpu_to_be_16(cur_peer->port),
				  rte_cpu_to_be_16(SRV_PORT));
}

static void
do_app(char *p)
{
	char *verb = next_tok(&p), *arg = next_tok(&p);
	uint32_t n = 0;

	if (verb == NULL) {
		fail("app: missing verb");
		return;
	}
	if (strcmp(verb, "refuse") == 0) {
		app.refuse = true;
		return;
	}
	if (strcmp(verb, "connect") == 0) {
		/* Active open from our local-port to the peer's port. */
		if (app.c != NULL)
			FAIL_RET("app connect: the app holds a connection");
		app.c = hs_tcp_connect(&lc, RTE_BE32(PEER_IP), cur_peer->port,
				       dst_port, &app_ops, NULL);
		if (app.c == NULL)
			FAIL_RET("app connect: hs_tcp_connect failed (%d)",
				 rte_errno);
		app.sent = app.rcvd = 0;
		return;
	}
	if (app.c == NULL) {
		fail("app %s: no connection", verb);
		return;
	}
	if (strcmp(verb, "send") == 0) {
		static uint8_t buf[1 << 20];

		if (!parse_u32(arg, &n) || n > sizeof(buf)) {
			fail("app send: bad length");
			return;
		}
		for (uint32_t i = 0; i < n; i++)
			buf[i] = pat_out(app.sent + i);
		if (hs_tcp_send(app.c, buf, n) != (int)n) {
			fail("app send: hs_tcp_send failed");
			return;
		}
		app.sent += n;
		hs_tcp_push(app.c);
	} else if (strcmp(verb, "send-mbuf") == 0) {
		char *karg = next_tok(&p);
		struct rte_mbuf *head = NULL, *last = NULL;
		uint32_t k;
		int rc;

		if (!parse_u32(arg, &n) || !parse_u32(karg, &k) || k == 0 ||
		    k > 2048 || n == 0)
			FAIL_RET("app send-mbuf: bad N or K");
		for (uint32_t off = 0; off < n; off += k) {
			uint32_t len = HS_MIN(k, n - off);
			struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
			uint8_t *d = m ? (uint8_t *)rte_pktmbuf_append(
						 m, (uint16_t)len)
				       : NULL;

			if (d == NULL) {
				rte_pktmbuf_free(m);
				rte_pktmbuf_free(head);
				FAIL_RET("app send-mbuf: no mbuf");
			}
			for (uint32_t i = 0; i < len; i++)
				d[i] = pat_out(app.sent + off + i);
			if (head == NULL) {
				head = m;
			} else {
				last->next = m;
				head->nb_segs++;
				head->pkt_len += len;
			}
			last = m;
		}
		rc = hs_tcp_send_mbuf(app.c, head); /* consumes head */
		if (rc != (int)n)
			FAIL_RET("app send-mbuf: hs_tcp_send_mbuf returned %d",
				 rc);
		app.sent += n;
		hs_tcp_push(app.c);
	} else if (strcmp(verb, "send-ext") == 0) {
		int rc;

		if (!parse_u32(arg, &n) || n == 0 || app.sent + n > EXT_AREA)
			FAIL_RET("app send-ext: bad length");
		for (uint32_t i = 0; i < n; i++)
			ext_area[app.sent + i] = pat_out(app.sent + i);
		if (!ext_holding) {
			ext_sh.free_cb = ext_free_cb;
			rte_mbuf_ext_refcnt_set(&ext_sh, 1);
			ext_holding = true;
		}
		rc = hs_tcp_send_ext(app.c, ext_area + app.sent, n, &ext_sh);
		if (rc != (int)n)
			FAIL_RET("app send-ext: hs_tcp_send_ext returned %d",
				 rc);
		app.sent += n;
		hs_tcp_push(app.c);
	} else if (strcmp(verb, "ext-done") == 0) {
		if (!ext_holding)
			FAIL_RET("app ext-done: no reference held");
		ext_holding = false;
		hs_tcp_ext_put(&ext_sh, ext_area);
	} else if (strcmp(verb, "close") == 0) {
		hs_tcp_close(app.c);
	} else if (strcmp(verb, "abort") == 0) {
		hs_tcp_abort(app.c);
		app.c = NULL;
	} else if (strcmp(verb, "timeout") == 0) {
		if (!parse_u32(arg, &n)) {
			fail("app timeout: bad value");
			return;
		}
		hs_tcp_set_timeout(app.c, (uint64_t)n * 1000);
	} else if (strcmp(verb, "read") == 0) {
		static uint8_t buf[1 << 20];
		size_t got = hs_tcp_recv(app.c, buf, sizeof(buf));

		if (arg && (!parse_u32(arg, &n) || got != n)) {
			fail("app read: got %zu bytes, expected %s", got, arg);
			return;
		}
		for (size_t i = 0; i < got; i++)
			if (buf[i] != pat_in(app.rcvd + (uint32_t)i)) {
				fail("app read: byte %zu wrong", app.rcvd + i);
				return;
			}
		app.rcvd += (uint32_t)got;
	} else {
		fail("app: unknown verb %s", verb);
	}
}

static void
do_expect_cmd(const char *cmd, char *p)
{
	char *a = next_tok(&p), *b = next_tok(&p);
	uint32_t n;

	if (strcmp(cmd, "expect-none") == 0) {
		check_none_pending();
	} else if (strcmp(cmd, "expect-tso") == 0) {
		uint32_t segs;

		if (!parse_u32(a, &n) || !parse_u32(b, &segs))
			FAIL_RET("expect-tso: bad counts");
		if (n != tso_frames || segs != tso_cut)
			fail("expect-tso %u %u: the port got %u TSO frames, "
			     "cut %u segments",
			     n, segs, tso_frames, tso_cut);
	} else if (strcmp(cmd, "expect-sent") == 0) {
		if (!parse_u32(a, &n))
			FAIL_RET("expect-sent: bad count");
		do_expect_sent(n, t0_us + last_t_us);
	} else if (strcmp(cmd, "expect-closed") == 0) {
		int want = 0;

		if (a == NULL || strcmp(a, "0") == 0)
			want = 0;
		else if (strcmp(a, "ECONNRESET") == 0)
			want = -ECONNRESET;
		else if (strcmp(a, "ETIMEDOUT") == 0)
			want = -ETIMEDOUT;
		else if (strcmp(a, "ECONNREFUSED") == 0)
			want = -ECONNREFUSED;
		else
			FAIL_RET("expect-closed: bad reason %s", a);
		if (app.closed != 1 || app.reason != want)
			fail("expect-closed %s: closed %d times, reason %d",
			     a ? a : "0", app.closed, app.reason);
	} else if (strcmp(cmd, "expect-no-close") == 0) {
		if (app.closed)
			fail("closed() was called (reason %d)", app.reason);
	} else if (strcmp(cmd, "expect-state") == 0) {
		struct hs_tcp_conn *c = cur_conn();
		const char *got = state_names[c ? c->state : HS_TCP_CLOSED];

		if (a == NULL || strcmp(a, got))
			fail("expect-state %s: state is %s", a ? a : "?", got);
	} else if (strcmp(cmd, "expect-counter") == 0) {
		for (size_t i = 0; i < RTE_DIM(stat_tab); i++) {
			if (a == NULL || strcmp(stat_tab[i].name, a))
				continue;
			uint64_t v =
				*(const uint64_t *)((const uint8_t *)&lc.stats +
						    stat_tab[i].off);
			if (!parse_u32(b, &n) || v != n)
				fail("counter %s is %lu, expected %s", a,
				     (unsigned long)v, b ? b : "?");
			return;
		}
		fail("expect-counter: unknown counter %s", a ? a : "?");
	} else if (strcmp(cmd, "expect-ext-freed") == 0) {
		if (!parse_u32(a, &n) || (uint32_t)ext_freed != n)
			fail("external memory freed %d times, expected %s",
			     ext_freed, a ? a : "?");
	} else if (strcmp(cmd, "expect-accepted") == 0) {
		if (!parse_u32(a, &n) || (uint32_t)app.accepted != n)
			fail("accepted() called %d times, expected %s",
			     app.accepted, a ? a : "?");
	} else if (strcmp(cmd, "expect-readable") == 0) {
		uint32_t avail = app.c ? hs_tcp_recv_avail(app.c) : 0;

		if (!parse_u32(a, &n) || avail != n)
			fail("%u bytes readable, expected %s", avail,
			     a ? a : "?");
	} else if (strcmp(cmd, "expect-ooq") == 0) {
		struct hs_tcp_conn *c = cur_conn();
		uint32_t segs = c ? c->ooq.count : 0,
			 bytes = c ? c->ooq.bytes : 0;
		uint32_t nb;

		if (!parse_u32(a, &n) || !parse_u32(b, &nb) || segs != n ||
		    bytes != nb)
			fail("ooq holds %u segments %u bytes, expected %s %s",
			     segs, bytes, a ? a : "?", b ? b : "?");
		else if (lc.tcp.ooq_mbufs < segs)
			fail("lcore ooq_mbufs %u < conn's %u", lc.tcp.ooq_mbufs,
			     segs);
	} else if (strcmp(cmd, "expect-cwnd") == 0 ||
		   strcmp(cmd, "expect-ssthresh") == 0) {
		struct hs_tcp_conn *c = cur_conn();
		bool cw = strcmp(cmd, "expect-cwnd") == 0;
		uint32_t v = c ? (cw ? c->cwnd : c->ssthresh) : 0;

		if (!parse_u32(a, &n) || c == NULL || v != n)
			fail("%s is %u, expected %s", cw ? "cwnd" : "ssthresh",
			     v, a ? a : "?");
	} else if (strcmp(cmd, "expect-conns") == 0 ||
		   strcmp(cmd, "expect-synrcvd") == 0) {
		bool conns = strcmp(cmd, "expect-conns") == 0;
		uint32_t v = conns ? lc.tcp.nb_conns : lc.tcp.nb_synrcvd;

		if (!parse_u32(a, &n) || v != n)
			fail("%s is %u, expected %s",
			     conns ? "nb_conns" : "nb_synrcvd", v, a ? a : "?");
	} else if (strcmp(cmd, "expect-timeouts") == 0) {
		if (!parse_u32(a, &n) || (uint32_t)app.timeouts != n)
			fail("timeout() called %d times, expected %s",
			     app.timeouts, a ? a : "?");
	} else if (strcmp(cmd, "ts-recent-age") == 0) {
		struct hs_tcp_conn *c = cur_conn();

		if (!parse_u32(a, &n) || c == NULL)
			fail("ts-recent-age: needs MS and a connection");
		else
			c->ts_recent_ms -= n;
	} else {
		fail("unknown command %s", cmd);
	}
}

static bool
do_directive(char *tok, char *p)
{
	static const char *const names[] = {
		"param",     "max-conns",     "peer-port",   "peer-isn",
		"tolerance", "local-port",    "tx-max-segs", "tx-csum-offload",
		"tso",       "csum-per-mbuf", "no-tso",
	};
	char *a, *b;
	uint32_t n;
	size_t i;

	for (i = 0; i < RTE_DIM(names); i++)
		if (strcmp(tok, names[i]) == 0)
			break;
	if (i == RTE_DIM(names))
		return false; /* not a directive: p left untouched */
	a = next_tok(&p);
	b = next_tok(&p);

	if (strcmp(tok, "param") == 0) {
		if (started)
			return fail("param after the first event"), true;
		for (size_t i = 0; i < RTE_DIM(param_tab); i++)
			if (a && strcmp(param_tab[i].name, a) == 0) {
				if (!parse_u32(b, &n))
					return fail("param %s: bad value", a),
					       true;
				*(uint32_t *)((uint8_t *)&hs_tcp_params +
					      param_tab[i].off) = n;
				return true;
			}
		fail("unknown param %s", a ? a : "?");
		return true;
	}
	if (strcmp(tok, "max-conns") == 0) {
		if (started || !parse_u32(a, &n) || n == 0)
			fail("max-conns: bad use");
		else
			max_conns = n;
		return true;
	}
	if (strcmp(tok, "peer-port") == 0) {
		if (!parse_u32(a, &n) || n == 0 || n > 65535)
			fail("peer-port: bad value");
		else
			cur_peer = peer_get((uint16_t)n);
		return true;
	}
	if (strcmp(tok, "local-port") == 0) {
		if (!parse_u32(a, &n) || n == 0 || n > 65535)
			fail("local-port: bad value");
		else
			dst_port = (uint16_t)n;
		return true;
	}
	if (strcmp(tok, "peer-isn") == 0) {
		if (started || !parse_u32(a, &n))
			fail("peer-isn: bad use");
		else
			peer_isn = n;
		return true;
	}
	if (strcmp(tok, "tx-csum-offload") == 0) {
		if (started)
			fail("tx-csum-offload after the first event");
		tx_csum_offload = true;
		return true;
	}
	if (strcmp(tok, "no-tso") == 0) {
		if (started)
			fail("no-tso after the first event");
		tso_on = false;
		tx_csum_offload = false;
		return true;
	}
	if (strcmp(tok, "csum-per-mbuf") == 0) {
		if (started)
			fail("csum-per-mbuf after the first event");
		csum_per_mbuf = true;
		return true;
	}
	if (strcmp(tok, "tso") == 0) {
		char *c = next_tok(&p);

		if (started)
			return fail("tso after the first event"), true;
		tx_csum_offload = tso_on = true;
		if (a != NULL &&
		    (!parse_u32(a, &n) || n < 3 || n > HS_TSO_MAX_SEGS))
			return fail("tso: bad SEGS"), true;
		tso_segs = a ? (uint8_t)n : HS_TSO_MAX_SEGS;
		if (b != NULL && (!parse_u32(b, &n) || n < 2 || n > 255))
			return fail("tso: bad MTUSEGS"), true;
		tso_mtu_segs = b ? (uint8_t)n : HS_TSO_MAX_SEGS;
		if (c != NULL && (!parse_u32(c, &n) || n < 100 || n > ifp.mtu))
			return fail("tso: bad L3MAX"), true;
		tso_l3 = c ? (uint16_t)n : ifp.mtu;
		return true;
	}
	if (strcmp(tok, "tx-max-segs") == 0) {
		if (!parse_u32(a, &n) || n == 0 || n > HS_TX_MAX_SEGS)
			fail("tx-max-segs: bad value");
		else
			tx_max_segs = (uint8_t)n;
		return true;
	}
	if (strcmp(tok, "tolerance") == 0) {
		if (!parse_u32(a, &n))
			fail("tolerance: bad value");
		else
			tol_us = (uint64_t)n * 1000;
		return true;
	}
	return false;
}

/* A conn the app does not hold is freed only by one of its timers: one
 * without a pending timer would hold its slot (and, in SYN_RCVD, its
 * place in the SYN backlog) for ever. */
static void
check_conn_timers(void)
{
	for (uint32_t i = 0; started && !failed && i < lc.tcp.max_conns; i++) {
		const struct hs_tcp_conn *c = &lc.tcp.conns[i];

		if (c->state == HS_TCP_CLOSED || (c->flags & HS_TCPF_DEAD) ||
		    (c->flags & HS_TCPF_APP))
			continue;
		if (!hs_tw_pending(&c->t_rexmt) && !hs_tw_pending(&c->t_misc))
			fail("conn %u in %s has no timer: never freed", i,
			     state_names[c->state]);
	}
}

/* End of script: the app aborts what it holds; every other conn must be
 * freed by its timers (bounded: 4 hours of fake time in 1 s steps). */
static void
drain_conns(void)
{
	for (uint32_t i = 0; i < lc.tcp.max_conns; i++) {
		struct hs_tcp_conn *c = &lc.tcp.conns[i];

		if (c->state != HS_TCP_CLOSED && !(c->flags & HS_TCPF_DEAD) &&
		    (c->flags & HS_TCPF_APP))
			hs_tcp_abort(c);
	}
	app.c = NULL;
	for (int s = 0; s < 4 * 3600 && lc.tcp.nb_conns > 0; s++) {
		lc.now_us += 1000000;
		hs_tcp_timer_run(&lc);
		ncap = rd = 0; /* retransmissions: not checked */
	}
	ncap = rd = 0;
	if (lc.tcp.nb_conns != 0 || lc.tcp.nb_synrcvd != 0)
		fail("after every timer fired: %u conns, %u in SYN_RCVD left",
		     lc.tcp.nb_conns, lc.tcp.nb_synrcvd);
	/* Every SACK scoreboard block is back in the lcore's pool. */
	uint32_t nfree = 0;

	for (uint32_t b = lc.tcp.sb_free;
	     b != UINT32_MAX && nfree <= lc.tcp.sb_blocks; nfree++)
		b = lc.tcp.sb_pool[(size_t)b * HS_TCP_SB_BIG][0];
	if (nfree != lc.tcp.sb_blocks)
		fail("scoreboard block leak: %u of %u free", nfree,
		     lc.tcp.sb_blocks);
}

/* Parse "1.25" / "+0.2" into absolute microseconds since t0. */
static bool
parse_time(const char *s, uint64_t *t)
{
	bool rel = (*s == '+');
	char *end;
	double v = strtod(s + rel, &end);

	if (end == s + rel || *end || v < 0)
		return false;
	*t = (uint64_t)(v * 1e6 + 0.5) + (rel ? last_t_us : 0);
	return true;
}

static void
run_line(char *line)
{
	char *p = line, *tok, *hash = strchr(line, '#');
	uint64_t t;

	if (hash)
		*hash = '\0';
	if ((tok = next_tok(&p)) == NULL)
		return;
	if (do_directive(tok, p))
		return;
	if (!parse_time(tok, &t))
		FAIL_RET("bad time or directive '%s'", tok);
	if (t < last_t_us)
		FAIL_RET("time goes backwards");
	last_t_us = t;
	start();
	if (failed)
		return;
	advance_to(t0_us + t);
	if ((tok = next_tok(&p)) == NULL)
		FAIL_RET("missing event");
	if (strcmp(tok, "<") == 0 || strcmp(tok, ">") == 0) {
		struct segspec s;
		bool in = tok[0] == '<';

		if (parse_seg(p, &s, in) < 0)
			FAIL_RET("cannot parse segment");
		if (in) {
			check_none_pending();
			do_inject(&s);
		} else {
			do_expect(&s, t0_us + t);
		}
	} else if (strcmp(tok, "app") == 0) {
		check_none_pending();
		do_app(p);
	} else {
		do_expect_cmd(tok, p);
	}
	check_conn_timers();
}

/* Run one script; returns true if it passed. */
static bool
run_script(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	const char *base = strrchr(path, '/');

	cur_name = base ? base + 1 : path;
	failed = false;
	fail_msg[0] = '\0';
	cur_line = 0;
	if (f == NULL) {
		printf("FAIL %s: cannot open\n", cur_name);
		return false;
	}
	hs_tcp_params = saved_params;
	ncap = rd = 0;
	npeers = 0;
	memset(&app, 0, sizeof(app));
	cur_peer = peer_get(40000);
	peer_isn = 1000;
	t0_us = 5000000;
	last_t_us = 0;
	tol_us = 2000;
	started = false;
	max_conns = 16;
	dst_port = SRV_PORT;
	tx_max_segs = HS_TX_MAX_SEGS;
	tx_csum_offload = false;
	tso_on = force_tso;
	csum_per_mbuf = false;
	tso_segs = tso_mtu_segs = HS_TSO_MAX_SEGS;
	tso_l3 = ifp.mtu;
	tx_csum_offload = tso_on;
	tso_frames = tso_cut = 0;
	ext_holding = false;
	ext_freed = 0;
	while (!failed && fgets(line, sizeof(line), f) != NULL) {
		cur_line++;
		run_line(line);
	}
	fclose(f);
	forced_frames += tso_frames;
	if (!failed) {
		cur_line++;
		check_none_pending();
	}
	if (started && !failed)
		drain_conns();
	if (started)
		hs_tcp_lcore_fini(&lc);
	if (ext_holding) {
		ext_holding = false;
		hs_tcp_ext_put(&ext_sh, ext_area);
	}
	if (!failed && ext_sh.free_cb != NULL &&
	    rte_mbuf_ext_refcnt_read(&ext_sh) != 0 && ext_freed == 0)
		fail("external memory still referenced after teardown");
	memset(&ext_sh, 0, sizeof(ext_sh));
	hs_tcp_params = saved_params;
	if (!failed && rte_mempool_avail_count(pool) != POOL_SIZE)
		fail("mbuf leak: %u of %u free", rte_mempool_avail_count(pool),
		     POOL_SIZE);
	if (failed)
		printf("FAIL %s:%d: %s\n", cur_name, cur_line, fail_msg);
	else
		printf("ok   %s\n", cur_name);
	return !failed;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every .pkt file of dir; adds to pass and total. */
static void
run_dir(const char *dir, int *pass, int *total)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[1024];
	int n = 0;

	if (d == NULL) {
		printf("FAIL %s: cannot open directory\n", dir);
		(*total)++;
		return;
	}
	while ((e = readdir(d)) != NULL && n < 1024) {
		size_t l = strlen(e->d_name);

		if (l > 4 && strcmp(e->d_name + l - 4, ".pkt") == 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	for (int i = 0; i < n; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		*pass += run_script(path);
		(*total)++;
		free(names[i]);
	}
}

int
main(int argc, char **argv)
{
	char *eal[] = { "tcp_script",
			"--no-huge",
			"--no-pci",
			"--no-shconf",
			"-m",
			"128",
			"--log-level=lib.eal:error",
			"--no-telemetry" };
	int pass = 0, total = 0;

	int first = 1;

	if (argc > 1 && strcmp(argv[1], "--tso") == 0) {
		force_tso = true;
		first = 2;
	}
	if (argc <= first) {
		fprintf(stderr, "usage: %s [--tso] DIR|FILE.pkt...\n", argv[0]);
		return 2;
	}
	trace = getenv("HS_TCP_SCRIPT_TRACE") != NULL;
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("tcp_script", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "pool create failed\n");
		return 1;
	}
	ifp.mtu = 1500;
	ifp.ip = RTE_BE32(SRV_IP);
	ifp.mask = RTE_BE32(0xffffff00);
	saved_params = hs_tcp_params;
	for (int i = first; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (l > 4 && strcmp(argv[i] + l - 4, ".pkt") == 0) {
			pass += run_script(argv[i]);
			total++;
		} else {
			run_dir(argv[i], &pass, &total);
		}
	}
	rte_mempool_free(pool);
	rte_eal_cleanup();
	printf("tcp_script: %d scripts, %d passed, %d failed\n", total, pass,
	       total - pass);
	if (force_tso) {
		printf("tcp_script --tso: %" PRIu64 " TSO frames\n",
		       forced_frames);
		if (forced_frames == 0)
			return 1;
	}
	return (total > 0 && pass == total) ? 0 : 1;
}
