/* SPDX-License-Identifier: BSD-3-Clause
 * test_tcp.c - segment-level tests of the userspace TCP (packetdrill-like).
 *
 * The harness replaces the IPv4 layer: hs_ipv4_output() captures every
 * segment TCP transmits (parsed, checksum verified, mbuf freed).  A test
 * injects crafted segments with
 * inject(), checks what came out with EXPECT(flags, seq, ack) /
 * EXPECT_NONE(), and drives time with advance_ms().  Every test ends with
 * a leak check: after hs_tcp_lcore_fini() the mbuf pool is full again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "hs_lcore.h"
#include "hs_net.h"
#include "hs_tcp.h"
#include "hs_tcp_var.h"

#include "hs_check.h"
#include "hs_ipv4_capture.h"

#define F_FIN RTE_TCP_FIN_FLAG
#define F_SYN RTE_TCP_SYN_FLAG
#define F_RST RTE_TCP_RST_FLAG
#define F_PSH RTE_TCP_PSH_FLAG
#define F_ACK RTE_TCP_ACK_FLAG

#define SRV_IP    RTE_IPV4(198, 18, 0, 1)
#define PEER_IP   RTE_IPV4(198, 18, 0, 2)
#define SRV_PORT  443
#define POOL_SIZE 4095
#define PEER_ISN  1000u

static struct rte_mempool *pool;
static struct hs_netif ifp;
static struct hs_lcore lc;

/* ---- IPv4 layer stand-ins ------------------------------------------- */
struct cap {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win, mss; /* mss 0 = no option */
	bool has_ts;
	uint32_t tsval, tsecr;
	uint16_t sport, dport;
	uint32_t dlen;
	uint8_t data[9000]; /* up to a jumbo frame */
	bool cksum_ok, headroom_ok;
};
static struct cap caps[2048];
static unsigned int ncap, rd;
/* hold_tx: keep transmitted frames (as a TX ring or a delay queue would)
 * instead of freeing them at once. */
static bool hold_tx;
static struct rte_mbuf *held[64];
static unsigned int nheld;

static void
held_free(void)
{
	for (unsigned int i = 0; i < nheld; i++)
		rte_pktmbuf_free(held[i]);
	nheld = 0;
	hold_tx = false;
}

void
hs_ipv4_output(struct hs_lcore *l, struct rte_mbuf *m)
{
	/* data segments are chains: read through a flat copy */
	struct hs_cap_seg seg;
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint32_t thl;
	const uint8_t *o;
	struct cap *c;

	(void)l;
	hs_cap_read(m, &seg);
	ip = seg.ip;
	th = seg.th;
	thl = seg.thl;
	o = (const uint8_t *)(th + 1);
	if (ncap == RTE_DIM(caps)) {
		fprintf(stderr, "capture overflow\n");
		exit(2);
	}
	c = &caps[ncap++];
	memset(c, 0, sizeof(*c));
	c->flags = th->tcp_flags;
	c->seq = rte_be_to_cpu_32(th->sent_seq);
	c->ack = rte_be_to_cpu_32(th->recv_ack);
	c->win = rte_be_to_cpu_16(th->rx_win);
	c->sport = rte_be_to_cpu_16(th->src_port);
	c->dport = rte_be_to_cpu_16(th->dst_port);
	if (thl >= 24 && o[0] == 2 && o[1] == 4)
		c->mss = (uint16_t)(o[2] << 8 | o[3]);
	for (uint32_t i = 0; i + 1 < thl - 20 && o[i] != 0;) {
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (o[i + 1] < 2)
			break;
		if (o[i] == 8 && o[i + 1] == 10 && i + 10 <= thl - 20) {
			c->has_ts = true;
			c->tsval = rte_be_to_cpu_32(
				*(const rte_be32_t *)(o + i + 2));
			c->tsecr = rte_be_to_cpu_32(
				*(const rte_be32_t *)(o + i + 6));
		}
		i += o[i + 1];
	}
	c->dlen = seg.dlen;
	memcpy(c->data, seg.data, c->dlen);
	c->cksum_ok = seg.cksum_ok && ip->src_addr == RTE_BE32(SRV_IP);
	c->headroom_ok = rte_pktmbuf_headroom(m) >= RTE_ETHER_HDR_LEN;
	if (hold_tx && nheld < RTE_DIM(held)) {
		held[nheld++] = m; /* "still in the TX ring" */
		return;
	}
	rte_pktmbuf_free(m);
}

/* ---- harness -------------------------------------------------------- */
struct opts {
	uint8_t b[40];
	uint8_t len;
};
static const struct opts no_opts;

static struct opts
mss_opt(uint16_t mss)
{
	struct opts o = { { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss }, 4 };
	return o;
}

static uint16_t peer_port = 40000;
static uint16_t peer_win = 65535;
static bool corrupt_next;

/* Craft one segment from the peer and hand it to TCP. */
static void
inject_from(uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq,
	    uint32_t ack, const void *data, uint32_t dlen, const struct opts *o)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint32_t optlen = (o->len + 3u) & ~3u;
	uint32_t tot = 20 + 20 + optlen + dlen;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (m == NULL) {
		fprintf(stderr, "pool empty\n");
		exit(2);
	}
	ip = (void *)rte_pktmbuf_append(m, (uint16_t)tot);
	if (ip == NULL) {
		fprintf(stderr, "segment too large\n");
		exit(2);
	}
	hs_ipv4_fill(ip, RTE_BE32(PEER_IP), RTE_BE32(SRV_IP), IPPROTO_TCP,
		     (uint16_t)tot);
	th = (void *)(ip + 1);
	memset(th, 0, sizeof(*th) + optlen);
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((20 + optlen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(peer_win);
	memcpy(th + 1, o->b, o->len);
	if (dlen)
		memcpy((uint8_t *)th + 20 + optlen, data, dlen);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	if (corrupt_next) {
		th->cksum ^= 0x1234;
		corrupt_next = false;
	}
	m->l3_len = 20;
	hs_tcp_input(&lc, m);
}

static void
inject(uint8_t flags, uint32_t seq, uint32_t ack, const void *data,
       uint32_t dlen)
{
	inject_from(peer_port, SRV_PORT, flags, seq, ack, data, dlen, &no_opts);
}

static struct cap *
expect_seg(int line, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct cap *c;

	hs_check_count++;
	if (rd >= ncap) {
		hs_check_failed++;
		fprintf(stderr, "%s:%d: expected a segment, none sent\n",
			__FILE__, line);
		return NULL;
	}
	c = &caps[rd++];
	if (c->flags != flags || c->seq != seq || c->ack != ack ||
	    !c->cksum_ok || !c->headroom_ok) {
		hs_check_failed++;
		fprintf(stderr,
			"%s:%d: expected flags %#x seq %u ack %u, got "
			"flags %#x seq %u ack %u len %u cksum_ok %d\n",
			__FILE__, line, flags, seq, ack, c->flags, c->seq,
			c->ack, c->dlen, c->cksum_ok);
	}
	return c;
}
#define EXPECT(f, s, a) expect_seg(__LINE__, (f), (s), (a))
#define EXPECT_NONE()                                                         \
	do {                                                                  \
		hs_check_count++;                                             \
		if (rd != ncap) {                                             \
			hs_check_failed++;                                    \
			fprintf(stderr,                                       \
				"%s:%d: unexpected segment flags %#x seq %u " \
				"ack %u "                                     \
				"len %u\n",                                   \
				__FILE__, __LINE__, caps[rd].flags,           \
				caps[rd].seq, caps[rd].ack, caps[rd].dlen);   \
			rd = ncap;                                            \
		}                                                             \
	} while (0)

static void
advance_ms(uint64_t ms)
{
	lc.now_us += ms * 1000;
	hs_tcp_timer_run(&lc);
}

/* ---- the application ------------------------------------------------ */
static struct {
	struct hs_tcp_conn *c;
	int accepted, readable, writable, closed, reason, timeouts;
	int timeout_action; /* 0 nothing, 1 send, 2 abort, 3 close */
	int accept_rc;
	bool auto_read, abort_in_readable, close_in_readable;
	bool ack_now_in_readable; /* hs_tcp_ack_now() after reading */
	bool multi;               /* several conns: app.c is the latest */
	/* writable() queues what fits, as the HTTP server does (the
	 * not-sent low-water mark lets a writer add data per ACK) */
	bool fill_in_writable;
	uint8_t rx[1 << 17];
	size_t rxlen;
} app;

static int
app_accepted(struct hs_tcp_conn *c, void *arg)
{
	(void)arg;
	app.c = c;
	app.accepted++;
	return app.accept_rc;
}

static void
app_readable(struct hs_tcp_conn *c)
{
	app.readable++;
	if (app.abort_in_readable) {
		hs_tcp_abort(c);
		app.c = NULL;
		return;
	}
	if (app.auto_read) {
		size_t n;

		while ((n = hs_tcp_recv(c, app.rx + app.rxlen,
					sizeof(app.rx) - app.rxlen)) > 0)
			app.rxlen += n;
	}
	if (app.close_in_readable && hs_tcp_peer_closed(c))
		hs_tcp_close(c);
	if (app.ack_now_in_readable)
		hs_tcp_ack_now(c);
}

static void
app_writable(struct hs_tcp_conn *c)
{
	static const uint8_t fill[16384];
	uint32_t n;

	app.writable++;
	while (app.fill_in_writable && (n = hs_tcp_send_space(c)) > 0 &&
	       hs_tcp_send(c, fill, HS_MIN(n, (uint32_t)sizeof(fill))) > 0)
		;
}

static void
app_closed(struct hs_tcp_conn *c, int reason)
{
	if (!app.multi)
		CHECK(c == app.c);
	app.closed++;
	app.reason = reason;
	if (c == app.c)
		app.c = NULL;
}

static void
app_timeout(struct hs_tcp_conn *c)
{
	app.timeouts++;
	switch (app.timeout_action) {
	case 1:
		if (hs_tcp_send(c, "408", 3) != 3 && !app.multi)
			CHECK(!"send in timeout failed");
		break;
	case 2:
		hs_tcp_abort(c);
		app.c = NULL;
		break;
	case 3:
		hs_tcp_close(c);
		break;
	}
}

static const struct hs_tcp_ops app_ops = {
	.accepted = app_accepted,
	.readable = app_readable,
	.writable = app_writable,
	.closed = app_closed,
	.timeout = app_timeout,
};

static struct hs_tcp_params saved_params;

static void
setup(uint32_t max_conns)
{
	memset(&lc, 0, sizeof(lc));
	lc.ifp = &ifp;
	lc.pool = pool;
	lc.port_id = HS_PORT_NONE;
	lc.tx_max_segs = HS_TX_MAX_SEGS; /* data segments are chains */
	lc.tx_ext_ok = true;             /* hs_tcp_send_ext by reference */
	lc.now_us = 5000000;             /* 5 s, ms-aligned */
	ncap = rd = 0;
	memset(&app, 0, sizeof(app));
	app.auto_read = true;
	peer_port++;
	peer_win = 65535;
	CHECK(hs_tcp_lcore_init(&lc, max_conns) == 0);
	CHECK(hs_tcp_listen(&lc, SRV_PORT, &app_ops, NULL) == 0);
}

static void
teardown(void)
{
	hs_tcp_lcore_fini(&lc);
	CHECK(rte_mempool_avail_count(pool) == POOL_SIZE);
	hs_tcp_params = saved_params;
}

/* Handshake announcing MSS mss (peer_port's conn); returns the server's
 * ISS and, in *syn_mss, the MSS the SYN-ACK announced. */
static uint32_t
handshake_mss(uint16_t mss, uint16_t *syn_mss)
{
	struct opts o = mss_opt(mss);
	struct cap *c;
	uint32_t iss;

	inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0, &o);
	c = EXPECT(F_SYN | F_ACK, caps[rd].seq, PEER_ISN + 1);
	iss = c ? c->seq : 0;
	*syn_mss = c ? c->mss : 0;
	inject(F_ACK, PEER_ISN + 1, iss + 1, NULL, 0);
	CHECK(app.c != NULL && app.c->state == HS_TCP_ESTABLISHED);
	EXPECT_NONE();
	return iss;
}

/* handshake_mss(1000) for the n-th accepted conn of a test (app.multi). */
static uint32_t
handshake_n(int n)
{
	uint16_t syn_mss;
	uint32_t iss = handshake_mss(1000, &syn_mss);

	CHECK(app.accepted == n);
	return iss;
}

/* Handshake with MSS 1000; returns the server's ISS. After it the peer's
 * next sequence number is PEER_ISN + 1. */
static uint32_t
handshake(void)
{
	return handshake_n(1);
}

/* ---- tests ---------------------------------------------------------- */
static void
test_handshake(void)
{
	struct opts o = mss_opt(9000);
	struct cap *c;
	uint32_t iss;

	setup(16);
	/* MSS above ours is clamped to ours (mtu - 40). */
	inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0, &o);
	c = EXPECT(F_SYN | F_ACK, caps[0].seq, PEER_ISN + 1);
	CHECK(c && c->mss == 1460 && c->win > 0 && c->dlen == 0);
	iss = c ? c->seq : 0;
	CHECK(app.accepted == 0);
	CHECK(lc.stats.tcp_conn_open == 1 && lc.stats.tcp_conn_total == 1);
	inject(F_ACK, PEER_ISN + 1, iss + 1, NULL, 0);
	CHECK(app.accepted == 1 && app.c && app.c->mss == 1460);
	EXPECT_NONE();

	/* No options: RFC 9293 default MSS 536. */
	inject_from(peer_port + 1, SRV_PORT, F_SYN, 77, 0, NULL, 0, &no_opts);
	c = EXPECT(F_SYN | F_ACK, caps[rd].seq, 78);
	iss = c ? c->seq : 0;
	inject_from(peer_port + 1, SRV_PORT, F_ACK, 78, iss + 1, NULL, 0,
		    &no_opts);
	CHECK(app.accepted == 2 && app.c && app.c->mss == 536);
	CHECK(lc.stats.tcp_conn_open == 2);

	/* Two 4-tuples got different ISNs (RFC 6528 keyed hash). */
	CHECK(caps[0].seq != iss);
	teardown();
}

static void
test_dup_syn_and_syn_data(void)
{
	struct opts o = mss_opt(1000);
	uint32_t iss;

	setup(16);
	/* SYN carrying data: the data is not acknowledged. */
	inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, "hello", 5, &o);
	iss = caps[0].seq;
	EXPECT(F_SYN | F_ACK, iss, PEER_ISN + 1);
	/* Retransmitted SYN in SYN_RCVD: the SYN-ACK again. */
	inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0, &o);
	EXPECT(F_SYN | F_ACK, iss, PEER_ISN + 1);
	EXPECT_NONE();
	/* Wrong ACK in SYN_RCVD: <SEQ=SEG.ACK><CTL=RST>. */
	inject(F_ACK, PEER_ISN + 1, iss + 7, NULL, 0);
	EXPECT(F_RST, iss + 7, 0);
	CHECK(lc.stats.drop_tcp_badack == 1 && app.accepted == 0);
	teardown();
}

/* hs_tcp_ack_now(): the ACK the delayed-ACK timer holds goes out at
 * once (a peer's Nagle algorithm may hold its next small segment until
 * then); with no ACK owed it sends nothing, and the timer it replaced
 * sends nothing later either. */
static void
test_ack_now(void)
{
	uint32_t iss, seq = PEER_ISN + 1;

	setup(16);
	iss = handshake();
	app.ack_now_in_readable = true;
	inject(F_ACK | F_PSH, seq, iss + 1, "\x14\x03\x03\x00\x01\x01", 6);
	seq += 6;
	CHECK(app.readable == 1 && app.rxlen == 6);
	EXPECT(F_ACK, iss + 1, seq);
	EXPECT_NONE();
	advance_ms(100);
	EXPECT_NONE(); /* the delack timer was cancelled */
	/* nothing owed: nothing sent */
	hs_tcp_ack_now(app.c);
	EXPECT_NONE();
	/* the app answers: the ACK rides on its data, no pure ACK */
	app.ack_now_in_readable = false;
	inject(F_ACK | F_PSH, seq, iss + 1, "ping", 4);
	seq += 4;
	EXPECT_NONE();
	CHECK(hs_tcp_send(app.c, "pong", 4) == 4);
	hs_tcp_ack_now(app.c);
	{
		struct cap *c = EXPECT(F_ACK | F_PSH, iss + 1, seq);

		CHECK(c && c->dlen == 4);
	}
	EXPECT_NONE();
	advance_ms(100);
	EXPECT_NONE();
	teardown();
}

static void
test_data_both_directions(void)
{
	uint8_t buf[3000];
	struct cap *c;
	uint32_t iss, seq = PEER_ISN + 1;

	setup(16);
	iss = handshake();
	/* Small segment: delayed ACK after delack_ms (40 ms). */
	inject(F_ACK | F_PSH, seq, iss + 1, "GET / HTTP/1.1\r\n", 16);
	seq += 16;
	CHECK(app.readable == 1 && app.rxlen == 16);
	CHECK(memcmp(app.rx, "GET / HTTP/1.1\r\n", 16) == 0);
	EXPECT_NONE();
	advance_ms(39);
	EXPECT_NONE();
	advance_ms(1);
	EXPECT(F_ACK, iss + 1, seq);

	/* Two full-sized segments: ACK at once after the second. */
	memset(buf, 'a', sizeof(buf));
	inject(F_ACK, seq, iss + 1, buf, 1000);
	seq += 1000;
	EXPECT_NONE();
	inject(F_ACK, seq, iss + 1, buf, 1000);
	seq += 1000;
	EXPECT(F_ACK, iss + 1, seq);
	EXPECT_NONE();
	CHECK(app.rxlen == 2016);
	advance_ms(100);
	EXPECT_NONE(); /* the delack timer was cancelled */

	/* Server sends 2500 bytes: MSS-sized segments, PSH on the last. */
	for (int i = 0; i < 2500; i++)
		buf[i] = (uint8_t)i;
	CHECK(hs_tcp_send(app.c, buf, 2500) == 2500);
	EXPECT_NONE(); /* nothing before push / callback return */
	hs_tcp_push(app.c);
	c = EXPECT(F_ACK, iss + 1, seq);
	CHECK(c && c->dlen == 1000 && memcmp(c->data, buf, 1000) == 0);
	c = EXPECT(F_ACK, iss + 1001, seq);
	CHECK(c && c->dlen == 1000 && memcmp(c->data, buf + 1000, 1000) == 0);
	c = EXPECT(F_ACK | F_PSH, iss + 2001, seq);
	CHECK(c && c->dlen == 500 && memcmp(c->data, buf + 2000, 500) == 0);
	EXPECT_NONE();
	inject(F_ACK, seq, iss + 2501, NULL, 0);
	CHECK(app.c->snd_una == iss + 2501 && app.c->sndq.bytes == 0);
	CHECK(app.writable == 1);
	EXPECT_NONE();

	/* Data piggybacks the ACK: the app answers inside readable(). */
	inject(F_ACK | F_PSH, seq, iss + 2501, "x", 1);
	seq += 1;
	CHECK(hs_tcp_send(app.c, "y", 1) == 1);
	hs_tcp_push(app.c);
	c = EXPECT(F_ACK | F_PSH, iss + 2501, seq);
	CHECK(c && c->dlen == 1 && c->data[0] == 'y');
	advance_ms(200);
	c = EXPECT(F_ACK | F_PSH, iss + 2501, seq); /* RTO, no ACK came */
	teardown();
}

static void
test_peer_window_limits_send(void)
{
	static uint8_t buf[5000];
	struct cap *c;
	uint32_t iss, seq = PEER_ISN + 1;

	setup(16);
	iss = handshake();
	peer_win = 2000;
	inject(F_ACK, seq, iss + 1, NULL, 0); /* window update */
	CHECK(app.c->snd_wnd == 2000);
	CHECK(hs_tcp_send(app.c, buf, 5000) == 5000);
	hs_tcp_push(app.c);
	EXPECT(F_ACK, iss + 1, seq);
	EXPECT(F_ACK, iss + 1001, seq);
	EXPECT_NONE();
	inject(F_ACK, seq, iss + 1001, NULL, 0); /* slides by 1000 */
	EXPECT(F_ACK, iss + 2001, seq);
	EXPECT_NONE();
	inject(F_ACK, seq, iss + 3001, NULL, 0);
	EXPECT(F_ACK, iss + 3001, seq);
	c = EXPECT(F_ACK | F_PSH, iss + 4001, seq);
	CHECK(c && c->dlen == 1000);
	EXPECT_NONE();
	inject(F_ACK, seq, iss + 5001, NULL, 0);
	CHECK(app.c->sndq.bytes == 0 && app.c->snd_una == iss + 5001);
	teardown();
}

static void
test_rto_backoff_and_timeout(void)
{
	uint32_t iss, seq = PEER_ISN + 1;
	struct hs_tcp_conn *c;

	setup(16);
	hs_tcp_params.data_retries = 3;
	iss = handshake();
	c = app.c;
	CHECK(hs_tcp_send(c, "0123456789", 10) == 10);
	hs_tcp_push(c);
	EXPECT(F_ACK | F_PSH, iss + 1, seq);
	/* RTT ~0 -> RTO = rto_min (200 ms), then 400, 800. */
	advance_ms(199);
	EXPECT_NONE();
	advance_ms(1);
	EXPECT(F_ACK | F_PSH, iss + 1, seq);
	CHECK(lc.stats.tcp_rexmt == 1);
	/* CUBIC (default): ssthresh = 0.7 * cwnd (RFC 9438 §4.8), cwnd
	 * back to one segment (RFC 5681 §3.1). */
	CHECK(c->cwnd == c->mss && c->ssthresh == 7u * c->mss);
	advance_ms(399);
	EXPECT_NONE();
	advance_ms(1);
	EXPECT(F_ACK | F_PSH, iss + 1, seq);
	advance_ms(799);
	EXPECT_NONE();
	advance_ms(1);
	EXPECT(F_ACK | F_PSH, iss + 1, seq);
	CHECK(lc.stats.tcp_rexmt == 3 && app.closed == 0);
	/* data_retries reached: RST and closed(-ETIMEDOUT). */
	advance_ms(1600);
	EXPECT(F_RST | F_ACK, iss + 11, seq);
	CHECK(app.closed == 1 && app.reason == -ETIMEDOUT);
	CHECK(lc.tcp.nb_conns == 0 && lc.stats.tcp_conn_open == 0);
	EXPECT_NONE();
	teardown();
}

/* The lcore's TX backlog above HS_TXQ_HIGH (a port not keeping up):
 * new data waits in the send queue (tcp_tx_wait) instead of joining it,
 * and goes once hs_tcp_txwait_wake runs with room again; an RTO that
 * fires meanwhile resends nothing and keeps cwnd (the segment is most
 * likely still queued, not lost: tcp_rexmt_deferred); a bare ACK is
 * never held. */
static void
test_tx_backlog_holds_data(void)
{
	static uint8_t buf[3000];
	uint32_t iss, seq = PEER_ISN + 1, cwnd;
	struct hs_tcp_conn *c;

	setup(16);
	iss = handshake();
	c = app.c;
	lc.txq_n = HS_TXQ_HIGH; /* as if the port had refused that many */
	CHECK(!hs_lcore_tx_room(&lc));
	CHECK(hs_tcp_send(c, buf, 3000) == 3000);
	hs_tcp_push(c);
	EXPECT_NONE();
	CHECK(lc.stats.tcp_tx_wait == 1 && lc.tcp.txwait == c);
	/* no persist, no RTO for data that never left */
	CHECK(!(c->flags & HS_TCPF_PERSIST) && c->snd_max == iss + 1);
	inject(F_ACK | F_PSH, seq, iss + 1, "GET", 3);
	advance_ms(200);
	EXPECT(F_ACK, iss + 1, seq + 3); /* the delayed ACK goes */
	EXPECT_NONE();
	/* Room again: the waiter sends what it held. */
	lc.txq_n = 0;
	hs_tcp_txwait_wake(&lc);
	CHECK(lc.tcp.txwait == NULL);
	EXPECT(F_ACK, iss + 1, seq + 3);
	EXPECT(F_ACK, iss + 1001, seq + 3);
	EXPECT(F_ACK | F_PSH, iss + 2001, seq + 3);
	EXPECT_NONE();
	/* The port backs up again before the ACK: the RTO defers. */
	lc.txq_n = HS_TXQ_HIGH;
	cwnd = c->cwnd;
	advance_ms(1000);
	EXPECT_NONE();
	CHECK(lc.stats.tcp_rexmt_deferred >= 1 && lc.stats.tcp_rexmt == 0);
	CHECK(c->cwnd == cwnd && c->rexmt_shift == 0);
	/* The port caught up and the segments were lost after all: the
	 * next expiry resends. */
	lc.txq_n = 0;
	advance_ms(1000);
	EXPECT(F_ACK, iss + 1, seq + 3);
	CHECK(lc.stats.tcp_rexmt >= 1);
	inject(F_ACK, seq + 3, iss + 3001, NULL, 0);
	CHECK(c->sndq.bytes == 0);
	teardown();
}

static void
test_rto_ack_recovers(void)
{
	static uint8_t buf[3000];
	uint32_t iss, seq = PEER_ISN + 1;
	struct hs_tcp_conn *c;

	setup(16);
	iss = handshake();
	c = app.c;
	CHECK(hs_tcp_send(c, buf, 3000) == 3000);
	hs_tcp_push(c);
	EXPECT(F_ACK, iss + 1, seq);
	EXPECT(F_ACK, iss + 1001, seq);
	EXPECT(F_ACK | F_PSH, iss + 2001, seq);
	advance_ms(200);
	/* Go-back-N with cwnd = 1 MSS: only the first segment. */
	EXPECT(F_ACK, iss + 1, seq);
	EXPECT_NONE();
	inject(F_ACK, seq, iss + 1001, NULL, 0);
	/* Slow start: cwnd 2 MSS -> the next two segments. */
	EXPECT(F_ACK, iss + 1001, seq);
	EXPECT(F_ACK | F_PSH, iss + 2001, seq);
	EXPECT_NONE();
	inject(F_ACK, seq, iss + 3001, NULL, 0);
	CHECK(c->sndq.bytes == 0 && !c->t_rexmt.pprev);
	teardown();
}

static void
test_fast_retransmit(void)
{
	static uint8_t buf[5000];
	uint32_t iss, seq = PEER_ISN + 1;

	setup(16);
	iss = handshake();
	CHECK(hs_tcp_send(app.c, buf, 5000) == 5000);
	hs_tcp_push(app.c);
	for (int i = 0; i < 5; i++)
		EXPECT(i == 4 ? F_ACK | F_PSH : F_ACK, iss + 1 + 1000u * i,
		       seq);
	inject(F_ACK, seq, iss + 1001, NULL, 0);
	inject(F_ACK, seq, iss + 1001, NULL, 0);
	inject(F_ACK, seq, iss + 1001, NULL, 0);
	EXPECT_NONE();
	inject(F_ACK, seq, iss + 1001, NULL, 0); /* third duplicate */
	EXPECT(F_ACK, iss + 1001, seq);
	CHECK(lc.stats.tcp_fast_rexmt == 1 && lc.stats.tcp_rexmt == 1);
	/* Partial ACK: the next hole is retransmitted at once. */
	inject(F_ACK, seq, iss + 2001, NULL, 0);
	EXPECT(F_ACK, iss + 2001, seq);
	inject(F_ACK, seq, iss + 5001, NULL, 0);
	CHECK(!(app.c->flags & 0x0100) && app.c->sndq.bytes == 0);
	teardown();
}

/* Payload bytes of frame m (IPv4 + TCP without options) into out. */
static uint32_t
frame_payload(const struct rte_mbuf *m, uint8_t *out, uint32_t cap)
{
	uint8_t hdr[60];
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_read(m, 0, 40, hdr);
	const struct rte_tcp_hdr *th = (const void *)(ip + 1);
	uint32_t thl = (th->data_off >> 4) * 4;
	uint32_t n = rte_be_to_cpu_16(ip->total_length) - 20 - thl;

	const void *p;

	n = HS_MIN(n, cap);
	p = rte_pktmbuf_read(m, 20 + thl, n, out); /* out only if split */
	if (p == NULL)
		return 0;
	if (p != out)
		memcpy(out, p, n);
	return n;
}

/* Zero-copy transmission: data segments are chains of a header mbuf and
 * views of the send queue.  Frames still in flight (held) keep their
 * bytes while ACKs trim the queue and new data reuses freed mbufs;
 * retransmissions after a partial ACK are byte-exact; every mbuf is back
 * in the pool at the end. */
static void
test_zc_views_in_flight(void)
{
	static uint8_t buf[5000], buf2[5000], got[2048];
	uint32_t iss, seq = PEER_ISN + 1;
	uint64_t zc0, cp0;
	struct cap *c;

	setup(16);
	iss = handshake();
	for (unsigned int i = 0; i < sizeof(buf); i++) {
		buf[i] = (uint8_t)(i * 31u + 7u);
		buf2[i] = (uint8_t)(i * 17u + 3u);
	}
	zc0 = lc.stats.tcp_tx_zc_bytes;
	cp0 = lc.stats.tcp_tx_copy_bytes;
	hold_tx = true;
	CHECK(hs_tcp_send(app.c, buf, 5000) == 5000);
	CHECK(app.c->sndq.count == 3); /* 2048 + 2048 + 904 */
	hs_tcp_push(app.c);
	for (int i = 0; i < 5; i++) {
		c = EXPECT(i == 4 ? F_ACK | F_PSH : F_ACK, iss + 1 + 1000u * i,
			   seq);
		CHECK(c && c->dlen == 1000 &&
		      memcmp(c->data, buf + 1000 * i, 1000) == 0);
	}
	/* header + one view, except 2000..3000 and 4000..5000 which span
	 * two queue mbufs */
	CHECK(nheld == 5 && held[0]->nb_segs == 2 && held[1]->nb_segs == 2 &&
	      held[2]->nb_segs == 3 && held[3]->nb_segs == 2 &&
	      held[4]->nb_segs == 3);
	CHECK(lc.stats.tcp_tx_zc_bytes - zc0 == 5000);
	CHECK(lc.stats.tcp_tx_copy_bytes == cp0);
	/* Partial ACK inside the second queue mbuf: the first is released
	 * by the queue but still read by frames 0-2. */
	inject(F_ACK, seq, iss + 2501, NULL, 0);
	CHECK(app.c->sndq.bytes == 2500 && app.c->sndq.count == 2);
	/* New data may land in recycled mbufs: never in held ones. */
	CHECK(hs_tcp_send(app.c, buf2, 5000) == 5000);
	for (unsigned int i = 0; i < 5; i++) {
		CHECK(frame_payload(held[i], got, sizeof(got)) == 1000 &&
		      memcmp(got, buf + 1000 * i, 1000) == 0);
	}
	held_free();
	/* RTO: go-back-N from the partial ACK point, byte-exact. */
	advance_ms(300);
	c = EXPECT(F_ACK, iss + 2501, seq);
	CHECK(c && c->dlen == 1000 && memcmp(c->data, buf + 2500, 1000) == 0);
	EXPECT_NONE();
	inject(F_ACK, seq, iss + 3501, NULL, 0);
	c = EXPECT(F_ACK, iss + 3501, seq);
	CHECK(c && c->dlen == 1000 && memcmp(c->data, buf + 3500, 1000) == 0);
	c = EXPECT(F_ACK, iss + 4501, seq);
	CHECK(c && c->dlen == 1000 && memcmp(c->data, buf + 4500, 500) == 0 &&
	      memcmp(c->data + 500, buf2, 500) == 0);
	for (int i = 0; i < 20 && app.c->sndq.bytes > 0; i++) {
		inject(F_ACK, seq, app.c->snd_max, NULL, 0);
		while (rd < ncap) {
			c = &caps[rd++];
			CHECK(c->cksum_ok && c->seq - (iss + 1) >= 5000 &&
			      memcmp(c->data,
				     buf2 + (c->seq - (iss + 1) - 5000),
				     c->dlen) == 0);
		}
	}
	CHECK(app.c->snd_una == iss + 10001);
	CHECK(app.c->sndq.bytes == 0 && app.c->sndq.count == 0);
	/* Reset with frames in flight: the queue goes, the frames stay
	 * valid until freed. */
	hold_tx = true;
	CHECK(hs_tcp_send(app.c, buf, 3000) == 3000);
	hs_tcp_push(app.c);
	CHECK(nheld == 3);
	inject(F_RST, seq, 0, NULL, 0);
	CHECK(app.closed == 1 && app.c == NULL);
	CHECK(frame_payload(held[2], got, sizeof(got)) == 1000 &&
	      memcmp(got, buf + 2000, 1000) == 0);
	held_free();
	teardown(); /* pool back to POOL_SIZE */
}

/* Ports without multi-segment TX (tx_max_segs 1): payload is copied into
 * the header mbuf, same bytes on the wire; abort frees everything. */
static void
test_zc_copy_fallback(void)
{
	static uint8_t buf[3000];
	uint32_t iss, seq = PEER_ISN + 1;
	uint64_t zc0;
	struct cap *c;

	setup(16);
	lc.tx_max_segs = 1;
	iss = handshake();
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 5u + 1u);
	zc0 = lc.stats.tcp_tx_zc_bytes;
	hold_tx = true;
	CHECK(hs_tcp_send(app.c, buf, 3000) == 3000);
	hs_tcp_push(app.c);
	for (int i = 0; i < 3; i++) {
		c = EXPECT(i == 2 ? F_ACK | F_PSH : F_ACK, iss + 1 + 1000u * i,
			   seq);
		CHECK(c && c->dlen == 1000 &&
		      memcmp(c->data, buf + 1000 * i, 1000) == 0);
		CHECK(held[i]->nb_segs == 1);
	}
	CHECK(lc.stats.tcp_tx_zc_bytes == zc0 &&
	      lc.stats.tcp_tx_copy_bytes >= 3000);
	hs_tcp_abort(app.c);
	app.c = NULL;
	held_free();
	teardown();
}

/* A segment from the peer whose frame spans mbufs of at most piece
 * bytes (as a port chains a frame longer than its mbufs); corrupt: flip
 * one payload byte after the checksum. */
static void
inject_chain(uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *data,
	     uint32_t dlen, uint32_t piece, bool corrupt)
{
	static uint8_t frame[9100];
	struct rte_ipv4_hdr *ip = (void *)frame;
	struct rte_tcp_hdr *th = (void *)(ip + 1);
	struct rte_mbuf *head;
	uint32_t tot = 40 + dlen;

	memset(frame, 0, 40);
	hs_ipv4_fill(ip, RTE_BE32(PEER_IP), RTE_BE32(SRV_IP), IPPROTO_TCP,
		     (uint16_t)tot);
	th->src_port = rte_cpu_to_be_16(peer_port);
	th->dst_port = rte_cpu_to_be_16(SRV_PORT);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = 5 << 4;
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(peer_win);
	memcpy(th + 1, data, dlen);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	if (corrupt)
		frame[tot - 1] ^= 0x40;
	head = hs_cap_chain(pool, frame, tot, (uint16_t)piece);
	CHECK(head != NULL);
	if (head == NULL)
		return;
	head->l3_len = 20;
	hs_tcp_input(&lc, head);
}

/* An MTU above the mbufs' room (--mtu 9000, 2 KiB mbufs):
 *  - on a port that copies, a segment of 8960 bytes goes out as one
 *    frame of views of the send queue (longer than the header mbuf's
 *    room), or, when the range needs more views than the port takes,
 *    copied into a chain of packet mbufs; byte-exact, checksum right;
 *  - on a port taking one mbuf per frame, the MSS we announce is what one
 *    mbuf holds, not the MTU's;
 *  - frames the port chained on receive are taken in (one segment per
 *    mbuf), in order and out of order, data whole, one ACK per two
 *    full-sized frames (not per piece: the pieces are smaller than the
 *    MSS), a frame with a bad checksum in its last mbuf dropped. */
static void
test_jumbo_frames(void)
{
	static uint8_t buf[20000];
	uint32_t iss, seq = PEER_ISN + 1, room;
	uint16_t syn_mss;
	uint64_t chain0, csum0, zc0, cp0;
	struct cap *c;

	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7u + i / 251u);
	ifp.mtu = 9000;
	setup(16);
	lc.tx_copy = true;
	room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
	lc.tx_mbuf_room = (uint16_t)room;
	iss = handshake_mss(8960, &syn_mss);
	CHECK(syn_mss == 8960);
	hold_tx = true;
	/* the first as views of the send queue (the port copies from
	 * them), the second, with views limited to fewer than it needs,
	 * copied into a chain of five packet mbufs */
	zc0 = lc.stats.tcp_tx_zc_bytes;
	cp0 = lc.stats.tcp_tx_copy_bytes;
	for (int i = 0; i < 2; i++) {
		lc.tx_max_segs = i == 0 ? HS_TX_MAX_SEGS : 5;
		CHECK(hs_tcp_send(app.c, buf + 8960 * i, 8960) == 8960);
		hs_tcp_push(app.c);
		c = EXPECT(F_ACK | F_PSH, iss + 1 + 8960u * i, seq);
		CHECK(c && c->dlen == 8960 &&
		      memcmp(c->data, buf + 8960 * i, 8960) == 0);
		CHECK(nheld > (unsigned int)i && held[i]->pkt_len == 40 + 8960);
	}
	CHECK(nheld == 2 && held[0]->nb_segs > 1 && held[0]->data_len == 40 &&
	      held[1]->nb_segs == 5);
	CHECK(lc.stats.tcp_tx_zc_bytes == zc0 + 8960 &&
	      lc.stats.tcp_tx_copy_bytes == cp0 + 8960);
	lc.tx_max_segs = HS_TX_MAX_SEGS;
	EXPECT_NONE();
	held_free();
	inject(F_ACK, seq, iss + 1 + 17920, NULL, 0);
	EXPECT_NONE();

	/* two full-sized frames in 2000-byte mbufs: one ACK, after the
	 * second; the application reads every byte in order */
	chain0 = lc.stats.tcp_rx_chain;
	app.rxlen = 0;
	inject_chain(F_ACK, seq, iss + 1 + 17920, buf, 8960, 2000, false);
	EXPECT_NONE();
	inject_chain(F_ACK | F_PSH, seq + 8960, iss + 1 + 17920, buf + 8960,
		     8960, 2000, false);
	EXPECT(F_ACK, iss + 1 + 17920, seq + 17920);
	EXPECT_NONE();
	seq += 17920;
	CHECK(lc.stats.tcp_rx_chain == chain0 + 2);
	CHECK(app.rxlen == 17920 && memcmp(app.rx, buf, 17920) == 0);
	/* a bad checksum in the last mbuf: dropped, nothing delivered */
	csum0 = lc.stats.drop_tcp_csum;
	inject_chain(F_ACK, seq, iss + 1 + 17920, buf, 1000 + 2000, 2000, true);
	CHECK(lc.stats.drop_tcp_csum == csum0 + 1 && app.rxlen == 17920);
	EXPECT_NONE();
	/* out of order: the second frame first (queued, a duplicate ACK
	 * with SACK at once), then the first fills the hole */
	inject_chain(F_ACK, seq + 5000, iss + 1 + 17920, buf + 5000, 5000, 1500,
		     false);
	EXPECT(F_ACK, iss + 1 + 17920, seq);
	inject_chain(F_ACK, seq, iss + 1 + 17920, buf, 5000, 1500, false);
	EXPECT(F_ACK, iss + 1 + 17920, seq + 10000);
	EXPECT_NONE();
	CHECK(app.rxlen == 17920 + 10000 &&
	      memcmp(app.rx + 17920, buf, 10000) == 0);
	hs_tcp_abort(app.c);
	app.c = NULL;
	teardown();

	/* one mbuf per frame: the MSS is what one mbuf holds */
	setup(16);
	lc.tx_max_segs = 1;
	lc.tx_mbuf_room = (uint16_t)room;
	(void)handshake_mss(8960, &syn_mss);
	CHECK(syn_mss == room - 80);
	hs_tcp_abort(app.c);
	app.c = NULL;
	teardown();
	ifp.mtu = 1500;
}

/* hs_tcp_send_mbuf: a chain of small mbufs is queued as is (no copy);
 * segments spanning several of them are byte-exact; a range needing more
 * views than the port allows is copied; the chain is consumed also when
 * the connection cannot send. */
static void
test_zc_send_mbuf(void)
{
	/* odd sizes: views starting at odd offsets (checksum byte swap) */
	static const uint16_t piece[] = {
		300, 101, 99, 250, 1200, 51, 49,  50,
		50,  51,  49, 50,  50,   50, 700, 900
	};
	static uint8_t want[8192], got[2048];
	uint32_t iss, seq = PEER_ISN + 1, total = 0, cnt = 0;
	unsigned int avail;
	struct rte_mbuf *head = NULL, *last = NULL;
	struct cap *c;

	setup(16);
	iss = handshake();
	for (unsigned int i = 0; i < RTE_DIM(piece); i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, piece[i]);

		for (unsigned int k = 0; k < piece[i]; k++)
			d[k] = want[total + k] =
				(uint8_t)((total + k) * 11u + 9u);
		total += piece[i];
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += piece[i];
		}
		last = m;
	}
	/* one empty segment in the middle is dropped */
	{
		struct rte_mbuf *e = rte_pktmbuf_alloc(pool);

		e->next = head->next;
		head->next = e;
		head->nb_segs++;
	}
	hold_tx = true;
	CHECK(hs_tcp_send_mbuf(app.c, head) == (int)total);
	CHECK(app.c->sndq.count == RTE_DIM(piece) &&
	      app.c->sndq.bytes == total);
	hs_tcp_push(app.c);
	for (uint32_t off = 0; off < total; off += 1000) {
		uint32_t n = HS_MIN(1000u, total - off);

		c = EXPECT(off + n == total ? F_ACK | F_PSH : F_ACK,
			   iss + 1 + off, seq);
		CHECK(c && c->dlen == n && memcmp(c->data, want + off, n) == 0);
		CHECK(frame_payload(held[cnt], got, sizeof(got)) == n &&
		      memcmp(got, want + off, n) == 0);
		cnt++;
	}
	/* 0..1000: 300+101+99+250+250 of 1200 -> five views;
	 * 2000..3000 covers 1200's tail + nine small + 700's head: more
	 * than HS_TX_MAX_SEGS - 1 views, copied. */
	CHECK(held[0]->nb_segs == 6);
	CHECK(held[2]->nb_segs == 1);
	held_free();
	inject(F_ACK, seq, iss + 1 + total, NULL, 0);
	CHECK(app.c->sndq.bytes == 0);
	/* After close: -EPIPE, and the chain is freed. */
	hs_tcp_close(app.c);
	avail = rte_mempool_avail_count(pool);
	head = rte_pktmbuf_alloc(pool);
	rte_pktmbuf_append(head, 10);
	CHECK(hs_tcp_send_mbuf(app.c, head) == -EPIPE);
	CHECK(rte_mempool_avail_count(pool) == avail);
	CHECK(hs_tcp_send_mbuf(app.c, NULL) == -EINVAL);
	hs_tcp_abort(app.c);
	app.c = NULL;
	teardown();
}

/* External memory (hs_tcp_send_ext): its owner's free callback. */
static struct {
	int calls;
	void *addr;
} ext_free;

static void
ext_free_cb(void *addr, void *opaque)
{
	(void)opaque;
	ext_free.calls++;
	ext_free.addr = addr;
}

/* hs_tcp_send_ext: bytes of long-lived memory are queued by reference
 * (one extbuf mbuf grown by adjacent calls), sent byte-exact, and the
 * owner's free callback fires only once the last frame referencing them
 * is freed, after the ACK and after the owner dropped its own reference.
 * Abort with nothing in flight releases at once; no mbuf leaks. */
static void
test_zc_send_ext(void)
{
	static uint8_t file[6000];
	struct rte_mbuf_ext_shared_info sh = { .free_cb = ext_free_cb };
	uint32_t iss, seq = PEER_ISN + 1;
	struct cap *c;

	for (unsigned int i = 0; i < sizeof(file); i++)
		file[i] = (uint8_t)(i * 29u + 1u);
	setup(16);
	iss = handshake();
	memset(&ext_free, 0, sizeof(ext_free));
	rte_mbuf_ext_refcnt_set(&sh, 1); /* the owner's */
	CHECK(hs_tcp_send_ext(app.c, file, 2500, &sh) == 2500);
	CHECK(hs_tcp_send_ext(app.c, file + 2500, 2500, &sh) == 2500);
	CHECK(app.c->sndq.count == 1 && app.c->sndq.bytes == 5000);
	CHECK(rte_mbuf_ext_refcnt_read(&sh) == 2);
	hold_tx = true;
	hs_tcp_push(app.c);
	for (int i = 0; i < 5; i++) {
		c = EXPECT(i == 4 ? F_ACK | F_PSH : F_ACK, iss + 1 + 1000u * i,
			   seq);
		CHECK(c && c->dlen == 1000 &&
		      memcmp(c->data, file + 1000 * i, 1000) == 0);
	}
	CHECK(nheld == 5 && rte_mbuf_ext_refcnt_read(&sh) == 7);
	/* Partial ACK, then all: the queue lets go, the frames do not. */
	inject(F_ACK, seq, iss + 1501, NULL, 0);
	CHECK(rte_mbuf_ext_refcnt_read(&sh) == 7);
	inject(F_ACK, seq, iss + 5001, NULL, 0);
	CHECK(app.c->sndq.count == 0 && rte_mbuf_ext_refcnt_read(&sh) == 6);
	hs_tcp_ext_put(&sh, file); /* owner done */
	for (unsigned int i = 0; i < nheld; i++) {
		CHECK(ext_free.calls == 0);
		rte_pktmbuf_free(held[i]);
	}
	nheld = 0;
	hold_tx = false;
	CHECK(ext_free.calls == 1);
	CHECK(ext_free.addr != NULL);

	/* Abort with queued, unsent bytes: released at once. */
	memset(&ext_free, 0, sizeof(ext_free));
	rte_mbuf_ext_refcnt_set(&sh, 1);
	peer_win = 0;
	inject(F_ACK, seq, iss + 5001, NULL, 0); /* window closed */
	CHECK(hs_tcp_send_ext(app.c, file, 6000, &sh) == 6000);
	/* A port that may DMA (tx_ext_ok false) gets a copy. */
	lc.tx_ext_ok = false;
	CHECK(hs_tcp_send_ext(app.c, file, 100, &sh) == 100);
	CHECK(RTE_MBUF_DIRECT(app.c->sndq.tail) && app.c->sndq.bytes == 6100);
	CHECK(rte_mbuf_ext_refcnt_read(&sh) == 2);
	lc.tx_ext_ok = true;
	hs_tcp_push(app.c);
	hs_tcp_ext_put(&sh, file);
	CHECK(ext_free.calls == 0);
	hs_tcp_abort(app.c);
	app.c = NULL;
	CHECK(ext_free.calls == 1);
	while (rd < ncap)
		rd++;
	teardown(); /* pool back to POOL_SIZE */
}

static void
test_synack_retries(void)
{
	struct opts o = mss_opt(1000);
	uint32_t iss;
	uint64_t wait = 1000;

	setup(16);
	inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0, &o);
	iss = caps[0].seq;
	EXPECT(F_SYN | F_ACK, iss, PEER_ISN + 1);
	for (int i = 0; i < 5; i++, wait *= 2) {
		advance_ms(wait - 1);
		EXPECT_NONE();
		advance_ms(1);
		EXPECT(F_SYN | F_ACK, iss, PEER_ISN + 1);
	}
	advance_ms(wait - 1);
	CHECK(lc.tcp.nb_conns == 1);
	advance_ms(1);
	EXPECT_NONE(); /* silent give-up, no RST */
	CHECK(lc.tcp.nb_conns == 0 && app.accepted == 0 && app.closed == 0);
	CHECK(lc.stats.tcp_conn_open == 0);
	teardown();
}

static void
test_passive_close(void)
{
	uint32_t iss, seq = PEER_ISN + 1;
	struct hs_tcp_conn *c;
	struct cap *c2;
	char b[8];

	setup(16);
	app.auto_read = false;
	iss = handshake();
	c = app.c;
	inject(F_ACK | F_FIN, seq, iss + 1, "bye", 3);
	EXPECT(F_ACK, iss + 1, seq + 4);
	CHECK(c->state == HS_TCP_CLOSE_WAIT && app.readable == 1);
	CHECK(hs_tcp_peer_closed(c) && hs_tcp_recv_avail(c) == 3);
	CHECK(hs_tcp_recv(c, b, sizeof(b)) == 3 && memcmp(b, "bye", 3) == 0);
	CHECK(hs_tcp_send(c, "ok", 2) == 2);
	hs_tcp_close(c);
	/* The FIN rides on the last data segment. */
	c2 = EXPECT(F_ACK | F_PSH | F_FIN, iss + 1, seq + 4);
	CHECK(c2 && c2->dlen == 2 && memcmp(c2->data, "ok", 2) == 0);
	CHECK(c->state == HS_TCP_LAST_ACK && app.closed == 0);
	CHECK(hs_tcp_send(c, "no", 2) == -EPIPE);
	inject(F_ACK, seq + 4, iss + 4, NULL, 0);
	CHECK(app.closed == 1 && app.reason == 0);
	CHECK(lc.tcp.nb_conns == 0);
	EXPECT_NONE();
	teardown();
}

static void
test_close_in_readable(void)
{
	uint32_t iss, seq = PEER_ISN + 1;

	setup(16);
	app.close_in_readable = true;
	iss = handshake();
	inject(F_ACK | F_FIN, seq, iss + 1, NULL, 0);
	/* The close from inside readable() is sent when it returns: one
	 * FIN+ACK that also acknowledges the peer's FIN. */
	EXPECT(F_ACK | F_FIN, iss + 1, seq + 1);
	EXPECT_NONE();
	inject(F_ACK, seq + 1, iss + 2, NULL, 0);
	CHECK(app.closed == 1 && app.reason == 0 && lc.tcp.nb_conns == 0);
	teardown();
}

static void
test_active_close_time_wait(void)
{
	uint32_t iss, seq = PEER_ISN + 1;
	struct hs_tcp_conn *c;

	setup(16);
	iss = handshake();
	c = app.c;
	hs_tcp_close(c);
	EXPECT(F_ACK | F_FIN, iss + 1, seq);
	CHECK(c->state == HS_TCP_FIN_WAIT_1);
	inject(F_ACK, seq, iss + 2, NULL, 0);
	CHECK(c->state == HS_TCP_FIN_WAIT_2 && app.closed == 0);
	/* Data after the app closed is acknowledged and discarded. */
	inject(F_ACK, seq, iss + 2, "late", 4);
	seq += 4;
	EXPECT(F_ACK, iss + 2, seq);
	CHECK(app.readable == 0);
	inject(F_ACK | F_FIN, seq, iss + 2, NULL, 0);
	EXPECT(F_ACK, iss + 2, seq + 1);
	/* closed(0) is called on entering TIME_WAIT. */
	CHECK(c->state == HS_TCP_TIME_WAIT && app.closed == 1 &&
	      app.reason == 0);
	/* A retransmitted FIN is acknowledged again. */
	inject(F_ACK | F_FIN, seq, iss + 2, NULL, 0);
	EXPECT(F_ACK, iss + 2, seq + 1);
	advance_ms(2 * 30000 - 1);
	CHECK(lc.tcp.nb_conns == 1);
	advance_ms(1);
	CHECK(lc.tcp.nb_conns == 0 && app.closed == 1);
	EXPECT_NONE();
	teardown();
}

static void
test_fin_wait2_timeout(void)
{
	uint32_t iss, seq = PEER_ISN + 1;

	setup(16);
	hs_tcp_params.fin_wait2_ms = 5000;
	iss = handshake();
	hs_tcp_close(app.c);
	EXPECT(F_ACK | F_FIN, iss + 1, seq);
	inject(F_ACK, seq, iss + 2, NULL, 0);
	advance_ms(4999);
	CHECK(lc.tcp.nb_conns == 1);
	advance_ms(1);
	CHECK(lc.tcp.nb_conns == 0 && app.closed == 1 &&
	      app.reason == -ETIMEDOUT);
	teardown();
}

static void
test_simultaneous_close(void)
{
	uint32_t iss, seq = PEER_ISN + 1;
	struct hs_tcp_conn *c;

	setup(16);
	iss = handshake();
	c = app.c;
	hs_tcp_close(c);
	EXPECT(F_ACK | F_FIN, iss + 1, seq);
	/* Peer's FIN crosses ours (does not ack it). */
	inject(F_ACK | F_FIN, seq, iss + 1, NULL, 0);
	EXPECT(F_ACK, iss + 2, seq + 1);
	CHECK(c->state == HS_TCP_CLOSING && app.closed == 0);
	inject(F_ACK, seq + 1, iss + 2, NULL, 0);
	CHECK(c->state == HS_TCP_TIME_WAIT && app.closed == 1 &&
	      app.reason == 0);
	teardown();
}

static void
test_rst_closed_port(void)
{
	setup(16);
	/* No ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (SYN counts). */
	inject_from(peer_port, 80, F_SYN, 5000, 0, NULL, 0, &no_opts);
	EXPECT(F_RST | F_ACK, 0, 5001);
	inject_from(peer_port, 80, F_FIN, 6000, 0, "abc", 3, &no_opts);
	EXPECT(F_RST | F_ACK, 0, 6004);
	/* ACK set: <SEQ=SEG.ACK><CTL=RST>. */
	inject_from(peer_port, 80, F_ACK, 7000, 12345, "abc", 3, &no_opts);
	EXPECT(F_RST, 12345, 0);
	/* A RST is never answered. */
	inject_from(peer_port, 80, F_RST, 8000, 0, NULL, 0, &no_opts);
	inject_from(peer_port, 80, F_RST | F_ACK, 8000, 9, NULL, 0, &no_opts);
	EXPECT_NONE();
	CHECK(lc.stats.drop_tcp_noport == 5 && lc.stats.tcp_rst_tx == 3);
	/* Bare ACK to the listener (no conn): RST as well. */
	inject(F_ACK, 1, 4242, NULL, 0);
	EXPECT(F_RST, 4242, 0);
	CHECK(lc.tcp.nb_conns == 0);
	teardown();
}

static void
test_rst_received(void)
{
	uint32_t iss, seq = PEER_ISN + 1;

	setup(16);
	iss = handshake();
	/* In window but not exact: challenge ACK (RFC 5961 §3.2). */
	inject(F_RST, seq + 100, 0, NULL, 0);
	EXPECT(F_ACK, iss + 1, seq);
	CHECK(app.closed == 0 && lc.stats.tcp_challenge_ack == 1);
	/* Outside the window: dropped silently. */
	inject(F_RST, seq + 1000000, 0, NULL, 0);
	EXPECT_NONE();
	/* SYN on an established conn: challenge ACK (RFC 5961 §4). */
	inject(F_SYN, seq + 5, 0, NULL, 0);
	EXPECT(F_ACK, iss + 1, seq);
	CHECK(app.c && app.c->state == HS_TCP_ESTABLISHED);
	/* Exact: accepted. */
	inject(F_RST, seq, 0, NULL, 0);
	EXPECT_NONE();
	CHECK(app.closed == 1 && app.reason == -ECONNRESET);
	CHECK(lc.stats.tcp_rst_rx == 1 && lc.tcp.nb_conns == 0);
	teardown();
}

/* RFC 5961 §7 budget, as an off-path prober would measure it: in the
 * first millisecond of each interval it draws challenge ACKs until one is
 * suppressed (the interval's budget), then waits for the next one to be
 * answered (the interval's end).  Both must vary from interval to
 * interval (a fixed count per fixed second is the CVE-2016-5696 side
 * channel) and stay within limit/2 + [0, limit) ACKs and 500 + [0, 1000)
 * ms; and the average rate stays about limit per second. */
static void
test_challenge_ack_budget(void)
{
	enum { LIMIT = 20, INTERVALS = 40 };
	uint32_t budget[INTERVALS], len[INTERVALS + 1];
	uint64_t start_ms = 0, total = 0, t0;
	unsigned int n = 0;
	bool budget_varies = false, len_varies = false;

	setup(16);
	(void)handshake();
	hs_tcp_params.challenge_ack_limit = LIMIT;
	t0 = lc.now_us / 1000;
	for (unsigned int ms = 0; ms < 200000 && n <= INTERVALS; ms++) {
		uint64_t before = lc.stats.tcp_challenge_ack;
		uint32_t got = 0;

		for (unsigned int i = 0; i < 2 * LIMIT + 2; i++) {
			uint64_t d = lc.stats.drop_tcp_chack_limit;

			hs_tcp_challenge_ack(app.c);
			ncap = rd = 0;
			if (lc.stats.drop_tcp_chack_limit != d)
				break;
		}
		got = (uint32_t)(lc.stats.tcp_challenge_ack - before);
		if (got > 0) {
			/* a new interval started this millisecond */
			uint64_t now = lc.now_us / 1000;

			if (n > 0)
				len[n - 1] = (uint32_t)(now - start_ms);
			if (n < INTERVALS) {
				budget[n] = got;
				total += got;
			}
			start_ms = now;
			n++;
		}
		advance_ms(1);
	}
	CHECK(n == INTERVALS + 1);
	for (unsigned int i = 0; i < INTERVALS && i < n; i++) {
		CHECK(budget[i] >= LIMIT / 2 && budget[i] < LIMIT / 2 + LIMIT);
		CHECK(len[i] >= 500 && len[i] < 1500);
		if (i > 0 && budget[i] != budget[0])
			budget_varies = true;
		if (i > 0 && len[i] != len[0])
			len_varies = true;
	}
	CHECK(budget_varies);
	CHECK(len_varies);
	/* limit per second on average (19.5 expected here, the ratio of 40
	 * draws varies by about 7%: the bounds are 7 standard deviations) */
	CHECK(total * 1000 / (start_ms - t0) >= LIMIT / 2 &&
	      total * 1000 / (start_ms - t0) <= LIMIT * 3 / 2);
	/* limit 0: none at all */
	hs_tcp_params.challenge_ack_limit = 0;
	advance_ms(1500);
	total = lc.stats.tcp_challenge_ack;
	hs_tcp_challenge_ack(app.c);
	ncap = rd = 0;
	CHECK(lc.stats.tcp_challenge_ack == total);
	teardown();
}

static void
test_bad_input_dropped(void)
{
	struct opts bad1 = { { 2, 0, 0, 0 }, 4 };              /* length 0 */
	struct opts bad2 = { { 1, 1, 1, 5, 30, 0, 0, 0 }, 8 }; /* overruns */
	struct opts bad3 = { { 2, 3, 5, 0 }, 4 };              /* MSS len 3 */
	struct opts unk = { { 1, 1, 99, 6, 1, 2, 3, 4, 2, 4, 3, 0 }, 12 };
	uint32_t iss, seq = PEER_ISN + 1;
	struct cap *c;

	setup(16);
	corrupt_next = true;
	inject(F_SYN, PEER_ISN, 0, NULL, 0);
	EXPECT_NONE();
	CHECK(lc.stats.drop_tcp_csum == 1 && lc.tcp.nb_conns == 0);
	inject(F_SYN | F_FIN, PEER_ISN, 0, NULL, 0);
	inject(F_SYN | F_RST, PEER_ISN, 0, NULL, 0);
	inject(0, PEER_ISN, 0, NULL, 0);
	CHECK(lc.stats.drop_tcp_badflags == 3);
	inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0, &bad1);
	inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0, &bad2);
	inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0, &bad3);
	CHECK(lc.stats.drop_tcp_badopt == 3);
	EXPECT_NONE();
	CHECK(lc.tcp.nb_conns == 0);
	/* Unknown option skipped by its length; MSS after it honoured. */
	inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0, &unk);
	c = EXPECT(F_SYN | F_ACK, caps[rd].seq, PEER_ISN + 1);
	iss = c ? c->seq : 0;
	inject(F_ACK, seq, iss + 1, NULL, 0);
	CHECK(app.c && app.c->mss == 768);
	/* Truncated packets. */
	{
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		struct rte_ipv4_hdr *ip = (void *)rte_pktmbuf_append(m, 30);

		if (ip == NULL)
			exit(2);
		hs_ipv4_fill(ip, RTE_BE32(PEER_IP), RTE_BE32(SRV_IP),
			     IPPROTO_TCP, 30);
		m->l3_len = 20;
		hs_tcp_input(&lc, m);
		CHECK(lc.stats.drop_tcp_short == 1);
	}
	EXPECT_NONE();
	teardown();
}

static void
test_out_of_window_and_ooo(void)
{
	uint32_t iss, seq = PEER_ISN + 1;

	setup(16);
	iss = handshake();
	/* Far beyond the window: ACK and drop. */
	inject(F_ACK, seq + 200000, iss + 1, "zz", 2);
	EXPECT(F_ACK, iss + 1, seq);
	CHECK(lc.stats.drop_tcp_outwin == 1);
	/* Old duplicate: ACK too. */
	inject(F_ACK, seq - 10, iss + 1, "zz", 2);
	EXPECT(F_ACK, iss + 1, seq);
	CHECK(lc.stats.drop_tcp_outwin == 2);
	/* In window, out of order: queued, immediate duplicate ACK. */
	inject(F_ACK, seq + 100, iss + 1, "later", 5);
	EXPECT(F_ACK, iss + 1, seq);
	CHECK(lc.stats.tcp_ooo_queued == 1 && app.readable == 0);
	/* Acks data never sent: ACK + drop. */
	inject(F_ACK, seq, iss + 500, "d", 1);
	EXPECT(F_ACK, iss + 1, seq);
	CHECK(lc.stats.drop_tcp_badack == 1 && app.readable == 0);
	/* Partly duplicate segment: only the new bytes are taken.  Both
	 * fill part of the hole before "later": ACKed at once. */
	inject(F_ACK, seq, iss + 1, "abc", 3);
	EXPECT(F_ACK, iss + 1, seq + 3);
	inject(F_ACK, seq + 1, iss + 1, "bcdef", 5);
	EXPECT(F_ACK, iss + 1, seq + 6);
	CHECK(app.rxlen == 6 && memcmp(app.rx, "abcdef", 6) == 0);
	/* No ACK flag in ESTABLISHED: dropped. */
	inject(F_PSH, seq + 6, iss + 1, "g", 1);
	CHECK(app.rxlen == 6 && lc.stats.drop_tcp_badflags == 1);
	advance_ms(40);
	EXPECT_NONE();
	teardown();
}

/* The out-of-order queue holds whatever the window offered covers: a
 * peer that was given a large window (receive autotuning opens it to
 * megabytes) and loses one segment has the whole flight behind the hole
 * kept, SACKed, and delivered once the hole is filled.  A queue limit
 * below the window drops in-window data the sender believes was
 * delivered-or-SACKable, so it can only repair the tail by RTO. */
static void
test_ooq_holds_window(void)
{
	static uint8_t data[1000];
	/* MSS 1000, window scale 7: the window can exceed 64 KiB */
	struct opts o = { { 2, 4, 1000 >> 8, 1000 & 0xff, 1, 3, 3, 7 }, 8 };
	uint32_t seq = PEER_ISN + 1, iss, wnd, n;
	struct cap *c;

	hs_tcp_params.rcvbuf = 512u * 1024u;
	setup(16);
	app.auto_read = false;
	inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0, &o);
	c = EXPECT(F_SYN | F_ACK, caps[rd].seq, PEER_ISN + 1);
	iss = c ? c->seq : 0;
	inject(F_ACK, PEER_ISN + 1, iss + 1, NULL, 0);
	CHECK(app.c != NULL && app.c->state == HS_TCP_ESTABLISHED);
	wnd = hs_tcp_rcv_space(app.c);
	n = wnd / sizeof(data) - 1; /* the whole window but the hole */
	CHECK(n > 300);
	for (uint32_t i = 1; i <= n; i++) {
		memset(data, (int)(i & 0xff), sizeof(data));
		inject(F_ACK, seq + i * 1000u, iss + 1, data, sizeof(data));
	}
	CHECK(app.c->ooq.count == n);
	CHECK(lc.stats.drop_tcp_ooq_conn == 0 &&
	      lc.stats.drop_tcp_ooq_lcore == 0);
	/* the hole: everything becomes readable, in order */
	memset(data, 0, sizeof(data));
	inject(F_ACK, seq, iss + 1, data, sizeof(data));
	CHECK(app.c->ooq.count == 0);
	CHECK(app.readable && hs_tcp_recv_avail(app.c) == (n + 1) * 1000u);
	rd = ncap;
	teardown();
}

/* Views of the receive queue (hs_tcp_recv_peek/drop), as our TLS record
 * layer opens records in place: the bytes where they lie, writable
 * (a shared mbuf is first copied), packed when spread over more pieces
 * than the caller takes, consumed by drop; 0 while short, -EPIPE once
 * short for good. */
static void
test_recv_views(void)
{
	static uint8_t a[1100], out[3300];
	uint32_t seq = PEER_ISN + 1, iss;
	struct rte_mbuf *shared;
	struct iovec v[8];
	size_t got = 0;
	int n;

	setup(16);
	app.auto_read = false;
	iss = handshake();
	for (uint32_t i = 0; i < 3; i++) { /* one mbuf each: no tailroom */
		memset(a, 'a' + (int)i, sizeof(a));
		inject(F_ACK, seq + i * 1100, iss + 1, a, sizeof(a));
	}
	CHECK(hs_tcp_recv_avail(app.c) == 3300 && app.c->rcvq.count == 3);
	CHECK(hs_tcp_recv_peek(app.c, 3301, v, 8) == 0); /* not all there */
	/* a shared head mbuf is replaced by a private copy first */
	shared = app.c->rcvq.head;
	rte_mbuf_refcnt_update(shared, 1);
	n = hs_tcp_recv_peek(app.c, 3300, v, 8);
	CHECK(n == 3);
	CHECK(app.c->rcvq.head != shared);
	rte_pktmbuf_free(shared); /* our reference */
	for (int i = 0; i < n; i++)
		got += v[i].iov_len;
	CHECK(got == 3300);
	/* in place: what is written into the views is what the queue holds */
	if (n == 3) {
		((uint8_t *)v[0].iov_base)[0] = 'X';
		((uint8_t *)v[2].iov_base)[1099] = 'Y';
	}
	/* two pieces allowed: the bytes are packed into two mbufs */
	CHECK(hs_tcp_recv_peek(app.c, 3300, v, 2) == 2);
	CHECK(lc.stats.tcp_rcvq_packed == 1 && app.c->rcvq.count == 2);
	CHECK(v[0].iov_len + v[1].iov_len == 3300);
	CHECK(((uint8_t *)v[0].iov_base)[0] == 'X' &&
	      ((uint8_t *)v[1].iov_base)[v[1].iov_len - 1] == 'Y');
	CHECK(lc.tcp.rcvq_mbufs == app.c->rcvq.count);
	CHECK(hs_tcp_recv_peek(app.c, 3300, v, 1) == -E2BIG);
	/* drop consumes; the rest is read as usual */
	hs_tcp_recv_drop(app.c, 1100);
	CHECK(hs_tcp_recv_avail(app.c) == 2200);
	CHECK(hs_tcp_recv(app.c, out, sizeof(out)) == 2200);
	CHECK(out[0] == 'b' && out[1100] == 'c' && out[2199] == 'Y');
	CHECK(hs_tcp_recv_avail(app.c) == 0 && lc.tcp.rcvq_mbufs == 0);
	/* the peer's FIN: short for good */
	inject(F_ACK, seq + 3300, iss + 1, a, 10);
	inject(F_ACK | F_FIN, seq + 3310, iss + 1, NULL, 0);
	CHECK(hs_tcp_recv_peek(app.c, 11, v, 8) == -EPIPE);
	CHECK(hs_tcp_recv_peek(app.c, 10, v, 8) == 1);
	rd = ncap;
	teardown();
}

static void
test_conn_limit(void)
{
	struct opts o = mss_opt(1000);

	setup(2);
	inject_from(1001, SRV_PORT, F_SYN, 1, 0, NULL, 0, &o);
	inject_from(1002, SRV_PORT, F_SYN, 1, 0, NULL, 0, &o);
	/* Table full: a stateless SYN cookie answers, no conn is made... */
	inject_from(1003, SRV_PORT, F_SYN, 1, 0, NULL, 0, &o);
	CHECK(ncap == 3 && lc.tcp.nb_conns == 2);
	CHECK(lc.stats.tcp_syncookie_sent == 1);
	/* ...and its ACK finds the table still full: dropped, counted. */
	inject_from(1003, SRV_PORT, F_ACK, 2, caps[2].seq + 1, NULL, 0,
		    &no_opts);
	CHECK(ncap == 3 && lc.tcp.nb_conns == 2);
	CHECK(lc.stats.drop_tcp_conn_limit == 1);
	CHECK(lc.stats.tcp_conn_open == 2 && lc.stats.tcp_conn_total == 2);
	teardown();
}

static void
test_zero_window_persist(void)
{
	uint32_t iss, seq = PEER_ISN + 1;
	struct cap *c;

	setup(16);
	iss = handshake();
	peer_win = 0;
	inject(F_ACK, seq, iss + 1, NULL, 0);
	CHECK(app.c->snd_wnd == 0);
	CHECK(hs_tcp_send(app.c, "0123456789", 10) == 10);
	hs_tcp_push(app.c);
	EXPECT_NONE();
	advance_ms(199);
	EXPECT_NONE();
	advance_ms(1);
	c = EXPECT(F_ACK, iss + 1, seq); /* one-byte probe */
	CHECK(c && c->dlen == 1 && c->data[0] == '0');
	inject(F_ACK, seq, iss + 1, NULL, 0); /* still zero */
	advance_ms(399);
	EXPECT_NONE();
	advance_ms(1);
	c = EXPECT(F_ACK, iss + 1, seq); /* backed off */
	CHECK(c && c->dlen == 1);
	CHECK(lc.stats.tcp_persist_probe == 2 && lc.stats.tcp_fast_rexmt == 0);
	peer_win = 1000;
	inject(F_ACK, seq, iss + 1, NULL, 0); /* window opens */
	c = EXPECT(F_ACK | F_PSH, iss + 1, seq);
	CHECK(c && c->dlen == 10 && memcmp(c->data, "0123456789", 10) == 0);
	inject(F_ACK, seq, iss + 11, NULL, 0);
	CHECK(app.c->sndq.bytes == 0);
	advance_ms(10000);
	EXPECT_NONE();
	teardown();
}

static void
test_receive_window(void)
{
	static uint8_t buf[1000], out[4000];
	uint32_t iss, seq = PEER_ISN + 1;
	struct cap *c;

	hs_tcp_params.rcvbuf = 4000;
	setup(16);
	app.auto_read = false;
	iss = handshake();
	for (int i = 0; i < 4; i++, seq += 1000)
		inject(F_ACK, seq, iss + 1, buf, 1000);
	c = EXPECT(F_ACK, iss + 1, PEER_ISN + 2001);
	c = EXPECT(F_ACK, iss + 1, seq);
	CHECK(c && c->win == 0);
	/* Beyond the zero window: not taken. */
	inject(F_ACK, seq, iss + 1, buf, 100);
	EXPECT(F_ACK, iss + 1, seq);
	CHECK(lc.stats.drop_tcp_outwin == 1 &&
	      hs_tcp_recv_avail(app.c) == 4000);
	/* Reading reopens the window: update sent. */
	CHECK(hs_tcp_recv(app.c, out, sizeof(out)) == 4000);
	c = EXPECT(F_ACK, iss + 1, seq);
	CHECK(c && c->win == 4000 && lc.stats.tcp_window_update == 1);
	EXPECT_NONE();
	teardown();
}

static void
test_time_wait_reuse(void)
{
	struct opts o = mss_opt(1000);
	uint32_t iss, seq = PEER_ISN + 1;
	struct hs_tcp_conn *old;

	setup(16);
	iss = handshake();
	old = app.c;
	hs_tcp_close(old);
	EXPECT(F_ACK | F_FIN, iss + 1, seq);
	inject(F_ACK | F_FIN, seq, iss + 2, NULL, 0);
	EXPECT(F_ACK, iss + 2, seq + 1);
	CHECK(old->state == HS_TCP_TIME_WAIT);
	/* Old SYN (SEG.SEQ <= RCV.NXT) does not reuse it: ACK. */
	inject_from(peer_port, SRV_PORT, F_SYN, seq - 1, 0, NULL, 0, &o);
	EXPECT(F_ACK, iss + 2, seq + 1);
	CHECK(old->state == HS_TCP_TIME_WAIT);
	/* A new incarnation above RCV.NXT does. */
	inject_from(peer_port, SRV_PORT, F_SYN, seq + 100000, 0, NULL, 0, &o);
	EXPECT(F_SYN | F_ACK, caps[rd].seq, seq + 100001);
	CHECK(lc.tcp.nb_conns == 1);
	inject(F_ACK, seq + 100001, caps[rd - 1].seq + 1, NULL, 0);
	CHECK(app.accepted == 2 && app.c && app.c->state == HS_TCP_ESTABLISHED);
	teardown();
}

static void
test_abort_in_readable(void)
{
	struct opts o = mss_opt(1000);
	uint32_t iss, seq = PEER_ISN + 1;

	setup(1);
	iss = handshake();
	app.abort_in_readable = true;
	inject(F_ACK | F_PSH | F_FIN, seq, iss + 1, "boom", 4);
	EXPECT(F_RST | F_ACK, iss + 1, seq + 5);
	EXPECT_NONE();
	CHECK(app.readable == 1 && app.closed == 0 && lc.tcp.nb_conns == 0);
	CHECK(lc.stats.tcp_conn_open == 0);
	advance_ms(100000);
	EXPECT_NONE();
	/* The single slot is free again. */
	app.abort_in_readable = false;
	inject_from(peer_port + 7, SRV_PORT, F_SYN, 1, 0, NULL, 0, &o);
	EXPECT(F_SYN | F_ACK, caps[rd].seq, 2);
	CHECK(lc.tcp.nb_conns == 1);
	teardown();
}

static void
test_accept_refused(void)
{
	struct opts o = mss_opt(1000);
	uint32_t iss;

	setup(16);
	app.accept_rc = -1;
	inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0, &o);
	iss = caps[0].seq;
	rd = 1;
	inject(F_ACK, PEER_ISN + 1, iss + 1, NULL, 0);
	EXPECT(F_RST | F_ACK, iss + 1, PEER_ISN + 1);
	CHECK(app.accepted == 1 && app.closed == 0 && lc.tcp.nb_conns == 0);
	teardown();
}

/* Random segments (valid checksums, random flags/seq/ack/options/length)
 * against a few conns and the listener, with the app writing and time
 * moving: nothing may crash, leak, or exceed the table. */
/* hs_tcp_set_timeout: fires once at the deadline, re-arming replaces,
 * 0 cancels, data sent inside the callback goes out, abort inside works,
 * and the timer dies with the conn. */
static void
test_app_timeout(void)
{
	uint32_t iss;

	setup(4);
	iss = handshake();
	hs_tcp_set_timeout(app.c, 100000);
	advance_ms(99);
	CHECK(app.timeouts == 0);
	advance_ms(1);
	CHECK(app.timeouts == 1);
	advance_ms(1000);
	CHECK(app.timeouts == 1); /* one shot */
	hs_tcp_set_timeout(app.c, 50000);
	hs_tcp_set_timeout(app.c, 200000); /* replaces */
	advance_ms(100);
	CHECK(app.timeouts == 1);
	advance_ms(100);
	CHECK(app.timeouts == 2);
	hs_tcp_set_timeout(app.c, 50000);
	hs_tcp_set_timeout(app.c, 0); /* cancels */
	advance_ms(1000);
	CHECK(app.timeouts == 2);
	/* Data queued in the callback is transmitted when it returns. */
	app.timeout_action = 1;
	hs_tcp_set_timeout(app.c, 10000);
	advance_ms(10);
	CHECK(app.timeouts == 3);
	struct cap *d = EXPECT(F_ACK | F_PSH, iss + 1, PEER_ISN + 1);
	CHECK(d && d->dlen == 3 && memcmp(d->data, "408", 3) == 0);
	EXPECT_NONE();
	inject(F_ACK, PEER_ISN + 1, iss + 4, NULL, 0);
	/* Close inside the callback: FIN goes out. */
	app.timeout_action = 3;
	hs_tcp_set_timeout(app.c, 10000);
	advance_ms(10);
	EXPECT(F_FIN | F_ACK, iss + 4, PEER_ISN + 1);
	EXPECT_NONE();
	/* Entering TIME_WAIT cancels it (closed() was called). */
	hs_tcp_set_timeout(app.c, 5000);
	inject(F_FIN | F_ACK, PEER_ISN + 1, iss + 5, NULL, 0);
	EXPECT(F_ACK, iss + 5, PEER_ISN + 2);
	CHECK(app.closed == 1 && app.reason == 0);
	advance_ms(10);
	CHECK(app.timeouts == 4);
	teardown();

	/* Abort inside the callback: RST, no closed(), conn freed. */
	setup(4);
	iss = handshake();
	app.timeout_action = 2;
	hs_tcp_set_timeout(app.c, 30000);
	advance_ms(30);
	CHECK(app.timeouts == 1);
	EXPECT(F_RST | F_ACK, iss + 1, PEER_ISN + 1);
	CHECK(app.closed == 0 && lc.tcp.nb_conns == 0);
	teardown();

	/* Peer RST cancels a pending app timer. */
	setup(4);
	iss = handshake();
	hs_tcp_set_timeout(app.c, 30000);
	inject(F_RST, PEER_ISN + 1, 0, NULL, 0);
	CHECK(app.closed == 1 && app.reason == -ECONNRESET);
	advance_ms(100);
	CHECK(app.timeouts == 0);
	CHECK(lc.tcp.wheel.nb_armed == 0);
	teardown();
}

static void
test_random_segments(void)
{
	static uint8_t
		junk[3000]; /* covers both inject (<1400) and send (<3000) */
	uint32_t seq;

	srand(12345);
	setup(4);
	app.multi = true;
	for (unsigned int i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rand();
	for (int round = 0; round < 20000; round++) {
		struct opts o;
		uint16_t port = (uint16_t)(50000 + rand() % 6);
		uint8_t flags = (uint8_t)(rand() & 0x3f);
		uint32_t dlen = (uint32_t)(rand() % 4 ? 0 : rand() % 1400);

		if (round % 100 == 0) {
			struct opts m =
				mss_opt((uint16_t)(100 + rand() % 2000));

			inject_from(port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0,
				    &m);
			if (ncap && caps[ncap - 1].flags == (F_SYN | F_ACK))
				inject_from(port, SRV_PORT, F_ACK, PEER_ISN + 1,
					    caps[ncap - 1].seq + 1, NULL, 0,
					    &no_opts);
		}
		o.len = (uint8_t)(rand() % 5 ? 0 : (rand() % 10) * 4);
		for (int k = 0; k < o.len; k++)
			o.b[k] = (uint8_t)(rand() % 12);
		seq = PEER_ISN +
		      (uint32_t)(rand() % 3 ? rand() % 70000 : rand());
		uint32_t ack = (uint32_t)rand();

		if (app.c && app.c->state != HS_TCP_CLOSED && rand() % 2) {
			/* Aim at the latest conn's windows. */
			port = rte_be_to_cpu_16(app.c->fport);
			seq = app.c->rcv_nxt +
			      (uint32_t)(rand() % 3 ? 0 : rand() % 3000);
			ack = app.c->snd_una + (uint32_t)(rand() % 4000);
			flags = (uint8_t)(rand() % 4 ? F_ACK | (flags & F_FIN)
						     : flags);
		}
		peer_win = (uint16_t)(rand() % 3 ? 65535 : rand() % 3000);
		inject_from(port, SRV_PORT, flags, seq, ack, junk, dlen, &o);
		if (app.c && rand() % 8 == 0)
			hs_tcp_send(app.c, junk, (size_t)(rand() % 3000));
		if (app.c && rand() % 64 == 0)
			hs_tcp_close(app.c);
		if (app.c && rand() % 256 == 0) {
			hs_tcp_abort(app.c);
			app.c = NULL;
		}
		if (app.c && rand() % 16 == 0)
			hs_tcp_push(app.c);
		if (app.c && rand() % 32 == 0) {
			app.timeout_action = rand() % 4;
			hs_tcp_set_timeout(app.c,
					   (uint64_t)(rand() % 3000) * 1000);
		}
		if (rand() % 4 == 0)
			advance_ms((uint64_t)(rand() % 3000));
		ncap = rd = 0;
		CHECK(lc.tcp.nb_conns <= 4);
	}
	CHECK(app.accepted > 10); /* the run did reach ESTABLISHED */
	CHECK(app.timeouts > 0);
	printf("random: %d accepted, %d closed, %d readable\n", app.accepted,
	       app.closed, app.readable);
	teardown();
}


/* RFC 9438: after a loss at W_max = 100 segments, cwnd drops to 70, grows
 * concavely back to W_max around K = cbrt((100 - 70) / 0.4) = 4.22 s,
 * faster than Reno's one segment per RTT at first, and then probes
 * convexly beyond W_max. */
static void
test_cubic_growth(void)
{
	struct hs_tcp_conn *c;
	uint32_t mss, cw_1s = 0, cw_k = 0, cw_2k = 0;

	setup(16);
	handshake();
	c = app.c;
	mss = c->mss;
	CHECK(strcmp(c->cc->name, "cubic") == 0);
	c->srtt_us = 100000; /* 100 ms RTT */
	c->cwnd = 100 * mss;
	c->cc->on_loss(c, false);
	CHECK(c->ssthresh == 70 * mss);
	c->cwnd = c->ssthresh; /* as recovery leaves it */
	/* 8 s of ACK clocking: one cwnd of ACKs (one per segment) per RTT. */
	for (uint32_t rtt = 1; rtt <= 80; rtt++) {
		uint32_t segs = c->cwnd / mss;

		for (uint32_t i = 0; i < segs; i++) {
			lc.now_us += 100000 / segs;
			c->cc->cong_avoid(c, mss);
		}
		if (rtt == 10)
			cw_1s = c->cwnd / mss;
		if (rtt == 42)
			cw_k = c->cwnd / mss;
		if (rtt == 80)
			cw_2k = c->cwnd / mss;
	}
	/* W_cubic(1 s + RTT) = 0.4 * (1.1 - 4.22)^3 + 100 = 87.9; Reno: 80. */
	CHECK(cw_1s >= 85 && cw_1s <= 90);
	CHECK(cw_k >= 98 && cw_k <= 102);
	/* W_cubic(8 s + RTT) = 0.4 * (8.1 - 4.22)^3 + 100 = 123. */
	CHECK(cw_2k >= 115 && cw_2k <= 130);
	c->cc->on_loss(c, true);
	teardown();

	/* NewReno instead: one segment per RTT in congestion avoidance. */
	hs_tcp_params.cc = HS_TCP_CC_NEWRENO;
	setup(16);
	handshake();
	c = app.c;
	mss = c->mss;
	CHECK(strcmp(c->cc->name, "newreno") == 0);
	c->cwnd = 100 * mss;
	c->cc->on_loss(c, false);
	CHECK(c->ssthresh == 2 * mss); /* max(FlightSize / 2, 2 SMSS), idle */
	c->cwnd = c->ssthresh = 70 * mss;
	for (uint32_t rtt = 1; rtt <= 10; rtt++) {
		uint32_t segs = c->cwnd / mss;

		for (uint32_t i = 0; i < segs; i++)
			c->cc->cong_avoid(c, mss);
	}
	/* ~1 SMSS per RTT (eq. 3 rounds each increment down). */
	CHECK(c->cwnd >= 79 * mss && c->cwnd <= 80 * mss);
	teardown();
	CHECK(hs_tcp_cc_find("cubic") == HS_TCP_CC_CUBIC &&
	      hs_tcp_cc_find("newreno") == HS_TCP_CC_NEWRENO &&
	      hs_tcp_cc_find("reno") == -1);
}

/* The timer wheel's cost does not grow with idle connections: 100k
 * connections hold a keep-alive timer 2 h away while ten timers fall due
 * within the next second; 10 s of 1 ms ticks visit exactly those ten.
 * Over the 2 h, each idle timer is touched twice: moved down a level
 * once, fired once. */
static void
test_timer_wheel_idle_cost(void)
{
	const uint32_t n = 100000;
	struct hs_timer_wheel *w = &lc.tcp.wheel;
	uint64_t v0, t_end;
	uint32_t i;

	setup(n);
	for (i = 0; i < n; i++) {
		struct hs_tcp_conn *c = hs_tcp_conn_new(
			&lc, RTE_BE32(RTE_IPV4(198, 18, 1, 0) + i),
			RTE_BE32(SRV_IP),
			rte_cpu_to_be_16(1024 + (uint16_t)(i % 60000)),
			rte_cpu_to_be_16(SRV_PORT), 0);

		if (c == NULL)
			break;
		hs_tcp_timer_arm(c, &c->t_keep, 7200ull * 1000000);
		if (i % 10000 == 0) /* ten due soon */
			hs_tcp_timer_arm(c, &c->t_app,
					 (uint64_t)(i / 10000 + 1) * 90000);
	}
	CHECK(i == n && w->nb_armed == n + 10);
	v0 = w->visited;
	for (uint32_t t = 0; t < 10000; t++) {
		lc.now_us += 1000;
		hs_tcp_timer_run(&lc);
	}
	CHECK(w->visited - v0 == 10);
	CHECK(w->nb_armed == n);
	/* A tick with nothing due visits nothing. */
	v0 = w->visited;
	lc.now_us += 1000;
	hs_tcp_timer_run(&lc);
	CHECK(w->visited == v0);
	/* Run to the keep-alive deadline: each timer moved once, fired once
	 * (keep-alive is off, so firing does nothing). */
	v0 = w->visited;
	t_end = lc.now_us + 7200ull * 1000000;
	while (lc.now_us < t_end) {
		lc.now_us += 1000;
		hs_tcp_timer_run(&lc);
	}
	CHECK(w->nb_armed == 0);
	CHECK(w->visited - v0 == 2ull * n);
	teardown();
}

/* hs_tw_idle_us() (the lcore's idle wait): never past the first timer's
 * tick - sleeping one µs less than it says fires nothing, the last µs
 * fires what was due - and capped, also with timers hours away (idle
 * keep-alive connections); a lone lcore with 64 timers spread over 2.4 s
 * wakes for them and at most every 10 ms besides. */
static void
test_timer_wheel_idle_us(void)
{
	struct hs_timer_wheel *w = &lc.tcp.wheel;
	uint32_t armed, wakes = 0, fired_exact = 0;
	uint64_t u, t_start;

	setup(64);
	CHECK(hs_tw_idle_us(w, lc.now_us, 10000) == 10000);
	for (uint32_t i = 0; i < 64; i++) {
		struct hs_tcp_conn *c = hs_tcp_conn_new(
			&lc, RTE_BE32(RTE_IPV4(198, 18, 1, 0) + i),
			RTE_BE32(SRV_IP), rte_cpu_to_be_16(1024 + (uint16_t)i),
			rte_cpu_to_be_16(SRV_PORT), 0);

		CHECK(c != NULL);
		if (c == NULL)
			break;
		hs_tcp_timer_arm(c, &c->t_keep, 7200ull * 1000000);
		hs_tcp_timer_arm(c, &c->t_app, 1 + (uint64_t)i * 37911);
	}
	CHECK(w->nb_armed == 128);
	t_start = lc.now_us;
	while (w->nb_armed > 64 && wakes < 10000) {
		u = hs_tw_idle_us(w, lc.now_us, 10000);
		CHECK(u <= 10000);
		armed = w->nb_armed;
		if (u > 1) {
			lc.now_us += u - 1;
			hs_tcp_timer_run(&lc);
			CHECK(w->nb_armed == armed); /* nothing due early */
		}
		lc.now_us += u > 0 ? 1 : 0;
		hs_tcp_timer_run(&lc);
		if (u < 10000 && w->nb_armed < armed)
			fired_exact++;
		wakes++;
	}
	CHECK(w->nb_armed == 64);
	CHECK(fired_exact >= 32); /* several timers may share a tick */
	CHECK(wakes <= 64 + (lc.now_us - t_start) / 10000 + 2);
	/* only the keep-alive timers, two hours away: the cap */
	CHECK(hs_tw_idle_us(w, lc.now_us, 10000) == 10000 ||
	      ((w->cur_tick + 10) & (HS_TW_SLOTS - 1)) < 10);
	teardown();
}

/* RFC 6528 §3: ISN = M + F(4-tuple, secret), M a clock (16 ticks a µs,
 * as Linux's 64 ns), F keyed: per 4-tuple offsets differ, the same
 * 4-tuple advances with the clock, fast enough that an incarnation
 * opened 100 µs after the last passes its ~1 KB of data (RFC 6191), and
 * a new secret (a new boot) changes everything. */
static void
test_isn_rfc6528(void)
{
	uint32_t fa = RTE_BE32(PEER_IP), la = RTE_BE32(SRV_IP);
	uint16_t fp = RTE_BE16(40000), lp = RTE_BE16(443);
	uint32_t a, b, a2, d;

	setup(16);
	a = hs_tcp_isn(&lc, fa, la, fp, lp);
	b = hs_tcp_isn(&lc, fa, la, RTE_BE16(40001), lp);
	d = hs_tcp_isn(&lc, fa + RTE_BE32(1), la, fp, lp);
	CHECK(a != b && a != d && b != d);
	lc.now_us += 100; /* 100 µs = 1600 ticks */
	a2 = hs_tcp_isn(&lc, fa, la, fp, lp);
	CHECK(a2 - a == 1600);
	lc.now_us += 1000000; /* 1 s = 16000000 ticks */
	CHECK(hs_tcp_isn(&lc, fa, la, fp, lp) - a2 == 16000000);
	a2 = hs_tcp_isn(&lc, fa, la, fp, lp);
	teardown();
	setup(16);
	lc.now_us += 1000000;
	CHECK(hs_tcp_isn(&lc, fa, la, fp, lp) != a2); /* new secret */
	teardown();
}

/* Per-source counting table (open addressing, backward-shift deletion):
 * with 3 conns allowed per source, 4000 conns from 1000 addresses give 3
 * per address and 1000 refusals; freeing conns in a scattered order keeps
 * every count exact and lets the source connect again. */
static void
test_per_source_table(void)
{
	static struct hs_tcp_conn *cs[4000];
	uint32_t refused = 0, ok = 1;

	hs_tcp_params.max_per_source = 3;
	setup(4096);
	for (uint32_t i = 0; i < 4000; i++) {
		uint32_t a =
			RTE_BE32(RTE_IPV4(198, 18, 2, 0) + (i * 7919) % 1000);

		cs[i] = hs_tcp_conn_new(&lc, a, RTE_BE32(SRV_IP),
					rte_cpu_to_be_16(1024 + (uint16_t)i),
					rte_cpu_to_be_16(SRV_PORT), 0);
		refused += cs[i] == NULL;
	}
	CHECK(refused == 1000 && lc.stats.drop_tcp_src_limit == 1000);
	for (uint32_t k = 0; k < 1000; k++)
		ok &= hs_tcp_src_count(
			      &lc, RTE_BE32(RTE_IPV4(198, 18, 2, 0) + k)) == 3;
	CHECK(ok);
	/* Free the first conn of every address (i < 1000), in steps of 7. */
	for (uint32_t j = 0; j < 1000; j++) {
		uint32_t i = (j * 7) % 1000;

		hs_tcp_conn_drop(cs[i], 0);
		cs[i] = NULL;
	}
	ok = 1;
	for (uint32_t k = 0; k < 1000; k++)
		ok &= hs_tcp_src_count(
			      &lc, RTE_BE32(RTE_IPV4(198, 18, 2, 0) + k)) == 2;
	CHECK(ok);
	CHECK(hs_tcp_conn_new(&lc, RTE_BE32(RTE_IPV4(198, 18, 2, 5)),
			      RTE_BE32(SRV_IP), RTE_BE16(9), RTE_BE16(SRV_PORT),
			      0) != NULL);
	CHECK(hs_tcp_src_count(&lc, RTE_BE32(RTE_IPV4(198, 18, 2, 5))) == 3);
	CHECK(hs_tcp_src_count(&lc, RTE_BE32(RTE_IPV4(198, 18, 9, 5))) == 0);
	teardown();
}

/* RFC 2018 §3: a SACK option is 2 + 8n bytes; any other length makes
 * the segment malformed (dropped, counted), a valid one is processed. */
static void
test_sack_option_length(void)
{
	/* nop nop SACK len 12 (one block and 2 stray bytes) */
	struct opts bad = { { 1, 1, 5, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 1 },
			    16 };
	uint32_t iss, seq = PEER_ISN + 1;

	setup(16);
	iss = handshake();
	inject_from(peer_port, SRV_PORT, F_ACK, seq, iss + 1, NULL, 0, &bad);
	CHECK(lc.stats.drop_tcp_badopt == 1);
	CHECK(app.c != NULL && app.c->state == HS_TCP_ESTABLISHED);
	EXPECT_NONE();
	teardown();
}

/* ---- lossy link: a whole transfer through a simulated path ----------
 * Our segments and the peer's ACKs each cross a 5 ms path that drops a
 * share of them (deterministic per seed).  The simulated receiver keeps
 * out-of-order data, ACKs every segment and, with SACK, reports up to 4
 * blocks, the latest first (RFC 2018 §4).  The transfer must complete
 * byte-exact within a bounded simulated time, with every recovery
 * mechanism in play, and leak nothing. */
#define LL_MAXQ 4096
struct ll_pkt {
	uint64_t t;
	uint32_t seq, ack, len;
	uint8_t nsack;
	uint32_t sack[4][2];
};
static struct ll_pkt ll_fwd[LL_MAXQ], ll_rev[LL_MAXQ];
static uint32_t ll_nfwd, ll_nrev;
static uint64_t ll_rng;

static uint32_t
ll_rand(void)
{
	ll_rng = ll_rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(ll_rng >> 33);
}

static uint8_t
ll_pat(uint32_t off)
{
	return (uint8_t)(off * 31u + 7u);
}

static uint32_t ll_reorder_pct, ll_dup_pct;
static uint64_t ll_dup_rx; /* segments arriving wholly held already */

/* Delivery time of a packet sent now: 5 ms, or up to 15 ms for the
 * ll_reorder_pct share (so it arrives after later packets). */
static uint64_t
ll_when(void)
{
	return lc.now_us + 5000 +
	       (ll_rand() % 100 < ll_reorder_pct ? ll_rand() % 10000 : 0);
}

static bool
lossy_transfer(bool sack, uint32_t cc, uint32_t loss_pct, uint64_t seed,
	       uint32_t total, uint64_t *sim_ms)
{
	static uint8_t buf[1 << 20];
	struct opts syn = { { 2, 4, 0x03, 0xe8, 1, 1, 4, 2 }, sack ? 8 : 4 };
	uint32_t blk[64][2], nblk = 0, last_l = 0, last_r = 0;
	uint32_t iss, seq = PEER_ISN + 1, rcv, delivered = 0;
	bool bad = false;
	uint64_t t;

	hs_tcp_params.cc = cc;
	/* the whole transfer is queued at once: a send budget to match */
	hs_tcp_params.sndbuf = total + 65536;
	ll_rng = seed;
	ll_nfwd = ll_nrev = 0;
	setup(16);
	inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0, &syn);
	iss = caps[rd].seq;
	rd = ncap = 0;
	inject(F_ACK, seq, iss + 1, NULL, 0);
	if (app.c == NULL)
		return false;
	rcv = iss + 1;
	for (uint32_t i = 0; i < total; i++)
		buf[i] = ll_pat(i);
	if (hs_tcp_send(app.c, buf, total) != (int)total)
		return false;
	hs_tcp_push(app.c);
	for (t = 0; t < 600000 && delivered < total; t++) {
		/* Our output onto the path (loss_pct % dropped). */
		for (; rd < ncap; rd++) {
			struct cap *c = &caps[rd];

			if (c->dlen == 0 || ll_rand() % 100 < loss_pct)
				continue;
			for (uint32_t k = 0; k < c->dlen; k++)
				bad |= c->data[k] !=
				       ll_pat(c->seq - iss - 1 + k);
			for (uint32_t d = ll_rand() % 100 < ll_dup_pct ? 2 : 1;
			     d > 0 && ll_nfwd < LL_MAXQ; d--)
				ll_fwd[ll_nfwd++] =
					(struct ll_pkt){ ll_when(), c->seq,
							 0,         c->dlen,
							 0,         { { 0 } } };
		}
		rd = ncap = 0;
		/* Receiver: take what arrives now, ACK each segment. */
		for (uint32_t i = 0; i < ll_nfwd;) {
			struct ll_pkt p = ll_fwd[i];
			struct ll_pkt a = { ll_when(), 0, 0, 0, 0, { { 0 } } };
			uint32_t l = p.seq, r = p.seq + p.len, j, n;

			if (p.t > lc.now_us) {
				i++;
				continue;
			}
			ll_fwd[i] = ll_fwd[--ll_nfwd];
			if (HS_SEQ_LEQ(r, rcv))
				ll_dup_rx++;
			for (j = 0; j < nblk; j++)
				if (HS_SEQ_LEQ(blk[j][0], l) &&
				    HS_SEQ_GEQ(blk[j][1], r))
					ll_dup_rx++;
			if (HS_SEQ_GT(r, rcv) && HS_SEQ_GT(l, rcv)) {
				/* out of order: merge into the block list */
				for (j = 0; j < nblk; j++)
					if (HS_SEQ_LEQ(l, blk[j][1]) &&
					    HS_SEQ_GEQ(r, blk[j][0]))
						break;
				if (j < nblk) {
					if (HS_SEQ_LT(l, blk[j][0]))
						blk[j][0] = l;
					if (HS_SEQ_GT(r, blk[j][1]))
						blk[j][1] = r;
				} else if (nblk < 64) {
					blk[nblk][0] = l;
					blk[nblk][1] = r;
					nblk++;
				}
				last_l = l;
				last_r = r;
			} else if (HS_SEQ_GT(r, rcv)) {
				rcv = r;
			}
			/* absorb blocks now in order, merge overlapping */
			for (bool more = true; more;) {
				more = false;
				for (j = 0; j < nblk; j++) {
					if (HS_SEQ_LEQ(blk[j][0], rcv)) {
						if (HS_SEQ_GT(blk[j][1], rcv))
							rcv = blk[j][1];
						blk[j][0] = blk[--nblk][0];
						blk[j][1] = blk[nblk][1];
						more = true;
						break;
					}
					for (uint32_t k = j + 1; k < nblk; k++)
						if (HS_SEQ_LEQ(blk[k][0],
							       blk[j][1]) &&
						    HS_SEQ_GEQ(blk[k][1],
							       blk[j][0])) {
							if (HS_SEQ_LT(
								    blk[k][0],
								    blk[j][0]))
								blk[j][0] =
									blk[k]
									   [0];
							if (HS_SEQ_GT(
								    blk[k][1],
								    blk[j][1]))
								blk[j][1] =
									blk[k]
									   [1];
							blk[k][0] =
								blk[--nblk][0];
							blk[k][1] =
								blk[nblk][1];
							more = true;
							break;
						}
				}
			}
			delivered = rcv - iss - 1;
			a.ack = rcv;
			if (sack && nblk) {
				/* the block holding the latest arrival first */
				for (j = 0, n = 0; j < nblk; j++)
					if (HS_SEQ_LEQ(blk[j][0], last_l) &&
					    HS_SEQ_GEQ(blk[j][1], last_r)) {
						a.sack[n][0] = blk[j][0];
						a.sack[n][1] = blk[j][1];
						n++;
					}
				for (j = 0; j < nblk && n < 4; j++)
					if (n == 0 ||
					    blk[j][0] != a.sack[0][0]) {
						a.sack[n][0] = blk[j][0];
						a.sack[n][1] = blk[j][1];
						n++;
					}
				a.nsack = (uint8_t)n;
			}
			if (ll_rand() % 100 >= loss_pct)
				for (uint32_t d = ll_rand() % 100 < ll_dup_pct
							  ? 2
							  : 1;
				     d > 0 && ll_nrev < LL_MAXQ; d--)
					ll_rev[ll_nrev++] = a;
		}
		/* ACKs reaching us. */
		for (uint32_t i = 0; i < ll_nrev;) {
			struct ll_pkt a = ll_rev[i];
			struct opts o = { { 0 }, 0 };

			if (a.t > lc.now_us) {
				i++;
				continue;
			}
			ll_rev[i] = ll_rev[--ll_nrev];
			if (a.nsack) {
				o.b[0] = 1;
				o.b[1] = 1;
				o.b[2] = 5;
				o.b[3] = (uint8_t)(2 + 8 * a.nsack);
				for (uint32_t k = 0; k < a.nsack; k++)
					for (uint32_t e = 0; e < 2; e++)
						for (uint32_t b = 0; b < 4; b++)
							o.b[4 + 8 * k + 4 * e +
							    b] =
								(uint8_t)(a.sack[k]
										[e] >>
									  (24 -
									   8 * b));
				o.len = (uint8_t)(4 + 8 * a.nsack);
			}
			inject_from(peer_port, SRV_PORT, F_ACK, seq, a.ack,
				    NULL, 0, &o);
			if (app.c == NULL)
				return false;
		}
		lc.now_us += 1000;
		hs_tcp_timer_run(&lc);
	}
	*sim_ms = t;
	return delivered == total && !bad && app.c != NULL;
}

static void
test_lossy_link(void)
{
	static const struct {
		bool sack;
		uint32_t cc, loss, reorder, dup;
	} cases[] = {
		{ true, HS_TCP_CC_CUBIC, 0, 0, 0 },
		{ true, HS_TCP_CC_CUBIC, 5, 0, 0 },
		{ true, HS_TCP_CC_CUBIC, 10, 0, 0 },
		{ true, HS_TCP_CC_CUBIC, 15, 0, 0 },
		{ true, HS_TCP_CC_NEWRENO, 5, 0, 0 },
		{ true, HS_TCP_CC_NEWRENO, 10, 0, 0 },
		{ false, HS_TCP_CC_CUBIC, 5, 0, 0 },
		{ false, HS_TCP_CC_CUBIC, 10, 0, 0 },
		{ false, HS_TCP_CC_NEWRENO, 5, 0, 0 },
		{ false, HS_TCP_CC_NEWRENO, 15, 0, 0 },
		{ true, HS_TCP_CC_CUBIC, 5, 5, 1 },
		{ false, HS_TCP_CC_CUBIC, 5, 5, 1 },
		{ true, HS_TCP_CC_CUBIC, 0, 20, 5 },
	};

	printf("lossy: 1 MiB, 10 ms RTT; per case the sum over seeds 1-4:\n");
	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		uint64_t sum_ms = 0, rto = 0, frx = 0, rexmt = 0, tlp = 0;
		uint64_t ltx = 0, rescue = 0, rlost = 0;

		ll_dup_rx = 0;

		for (uint64_t seed = 1; seed <= 4; seed++) {
			uint64_t ms = 0;
			bool ok;

			ll_reorder_pct = cases[i].reorder;
			ll_dup_pct = cases[i].dup;
			ok = lossy_transfer(cases[i].sack, cases[i].cc,
					    cases[i].loss, seed, 1u << 20, &ms);
			CHECK(ok);
			if (!ok)
				fprintf(stderr,
					"lossy: case %zu seed %lu: stalled "
					"after %lu ms\n",
					i, (unsigned long)seed,
					(unsigned long)ms);
			sum_ms += ms;
			rto += lc.stats.tcp_rto;
			frx += lc.stats.tcp_fast_rexmt;
			rexmt += lc.stats.tcp_rexmt;
			tlp += lc.stats.tcp_tlp;
			ltx += lc.stats.tcp_limited_tx;
			rescue += lc.stats.tcp_rescue_rxt;
			rlost += lc.stats.tcp_rexmt_lost;
			if (cases[i].loss + cases[i].reorder == 0)
				CHECK(lc.stats.tcp_rexmt == 0);
			else if (cases[i].sack && cases[i].loss)
				CHECK(lc.stats.tcp_sack_recovery > 0);
			teardown();
		}
		printf("lossy: sack %d %-7s loss %2u%% reorder %2u%% dup %u%%: "
		       "%6lu ms simulated, %3lu RTOs, %3lu recoveries, %4lu "
		       "rexmt, "
		       "%3lu TLP, %3lu limited-tx, %3lu rescue, %3lu "
		       "lost-rexmt, %4lu dup-rx\n",
		       cases[i].sack, cases[i].cc ? "newreno" : "cubic",
		       cases[i].loss, cases[i].reorder, cases[i].dup,
		       (unsigned long)sum_ms, (unsigned long)rto,
		       (unsigned long)frx, (unsigned long)rexmt,
		       (unsigned long)tlp, (unsigned long)ltx,
		       (unsigned long)rescue, (unsigned long)rlost,
		       (unsigned long)ll_dup_rx);
	}
	ll_reorder_pct = ll_dup_pct = 0;
}

/* The clock jumps by more than a level-0 revolution (a stalled loop):
 * due timers fire once at the next run, later ones keep their exact
 * deadline, on every level. */
static void
test_timer_clock_jump(void)
{
	setup(16);
	handshake();
	hs_tcp_set_timeout(app.c, 8000000); /* 8 s: level 1 */
	lc.now_us += 5000000;
	hs_tcp_timer_run(&lc);
	CHECK(app.timeouts == 0);
	lc.now_us += 2999000; /* 7.999 s */
	hs_tcp_timer_run(&lc);
	CHECK(app.timeouts == 0);
	lc.now_us += 1000;
	hs_tcp_timer_run(&lc);
	CHECK(app.timeouts == 1);
	hs_tcp_set_timeout(app.c, 7200ull * 1000000); /* 2 h: level 1 */
	lc.now_us += 3600ull * 1000000;
	hs_tcp_timer_run(&lc);
	CHECK(app.timeouts == 1);
	lc.now_us += 3599ull * 1000000;
	hs_tcp_timer_run(&lc);
	CHECK(app.timeouts == 1);
	for (int i = 0; i < 999; i++) {
		lc.now_us += 1000;
		hs_tcp_timer_run(&lc);
	}
	CHECK(app.timeouts == 1);
	lc.now_us += 1000;
	hs_tcp_timer_run(&lc);
	CHECK(app.timeouts == 2);
	hs_tcp_set_timeout(app.c,
			   40ull * 86400 * 1000000); /* 40 days: level 2 */
	lc.now_us += 39ull * 86400 * 1000000;
	hs_tcp_timer_run(&lc);
	CHECK(app.timeouts == 2);
	lc.now_us += 86400ull * 1000000;
	hs_tcp_timer_run(&lc);
	CHECK(app.timeouts == 3);
	teardown();
}

/* Options of a SYN: MSS 1460, SACK permitted, window scale 7, and with
 * ts a timestamp (val, ecr 0). */
static struct opts
syn_opts(bool ts, uint32_t val)
{
	struct opts o = { { 2, 4, 0x05, 0xb4, 4, 2, 3, 3, 7, 1 }, 10 };

	if (ts) {
		uint8_t *p = o.b + o.len;

		p[0] = 1;
		p[1] = 1;
		p[2] = 8;
		p[3] = 10;
		p[4] = (uint8_t)(val >> 24);
		p[5] = (uint8_t)(val >> 16);
		p[6] = (uint8_t)(val >> 8);
		p[7] = (uint8_t)val;
		memset(p + 8, 0, 4);
		o.len += 12;
	}
	return o;
}

static struct opts
ts_opt(uint32_t val, uint32_t ecr)
{
	struct opts o = { { 1, 1, 8, 10 }, 12 };

	for (int i = 0; i < 4; i++) {
		o.b[4 + i] = (uint8_t)(val >> (24 - 8 * i));
		o.b[8 + i] = (uint8_t)(ecr >> (24 - 8 * i));
	}
	return o;
}

static uint64_t cookie_rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
cookie_rand(void)
{
	cookie_rng ^= cookie_rng << 13;
	cookie_rng ^= cookie_rng >> 7;
	cookie_rng ^= cookie_rng << 17;
	return (uint32_t)(cookie_rng >> 16);
}

/* SYN cookies (RFC 4987 §3.6, hs_tcp_cookie.c): a blind attacker who
 * knows every field of a cookie but its MAC guesses ACKs for a 4-tuple
 * that never sent a SYN.  The secret is fixed so the counts are
 * deterministic.  Without timestamps the MAC has 23 bits: 2^21 guesses
 * pass about 0.25 times (8 with an 18-bit MAC); with timestamps (28 bits
 * in the ISS, 3 in TSval) 2^20 guesses pass none. */
static void
test_syncookie_forgery(void)
{
	struct opts o = syn_opts(false, 0), ots = syn_opts(true, 100);
	const uint32_t n_plain = 1u << 21, n_ts = 1u << 20;
	uint32_t c0, c1, ts1, ok = 0;
	struct cap *c;

	hs_tcp_params.syncookies = 2;
	setup(64);
	lc.tcp.isn_secret[0] = 0x0123456789abcdefULL;
	lc.tcp.isn_secret[1] = 0xfedcba9876543210ULL;
	/* A real cookie without and one with timestamps. */
	inject_from(2000, SRV_PORT, F_SYN, 5000, 0, NULL, 0, &o);
	c = EXPECT(F_SYN | F_ACK, caps[rd].seq, 5001);
	c0 = c ? c->seq : 0;
	inject_from(2001, SRV_PORT, F_SYN, 7000, 0, NULL, 0, &ots);
	c = EXPECT(F_SYN | F_ACK, caps[rd].seq, 7001);
	c1 = c ? c->seq : 0;
	ts1 = c ? c->tsval : 0;
	CHECK(c && c->has_ts && c->tsecr == 100);
	CHECK(lc.tcp.nb_conns == 0);
	ncap = rd = 0;

	/* Forged: the non-MAC bits of c0 (time parity, TS, MSS, wscale,
	 * SACK), random MAC bits, for 4-tuples that sent no SYN. */
	for (uint32_t i = 0; i < n_plain; i++) {
		uint32_t guess =
			(c0 & 0xff800000u) | (cookie_rand() & 0x7fffffu);

		inject_from((uint16_t)(3000 + i % 60000), SRV_PORT, F_ACK,
			    20000 + i / 60000 + 1, guess + 1, NULL, 0,
			    &no_opts);
		ncap = rd = 0;
		if (lc.stats.tcp_syncookie_ok != ok) {
			ok++; /* free the port again */
			app.multi = true;
			hs_tcp_abort(app.c);
			app.c = NULL;
		}
	}
	printf("syncookie: %u of %u forged cookies accepted (no timestamps)\n",
	       ok, n_plain);
	CHECK(ok <= 2);
	CHECK(lc.stats.drop_tcp_syncookie_bad + ok == n_plain);
	/* With timestamps: the attacker also knows our TSval's high bits
	 * (it cannot: they hold a secret per-tuple offset). */
	for (uint32_t i = 0; i < n_ts; i++) {
		uint32_t guess =
			(c1 & 0xf0000000u) | (cookie_rand() & 0xfffffffu);
		struct opts t = ts_opt(200, (ts1 & ~7u) | (cookie_rand() & 7u));

		inject_from((uint16_t)(3000 + i % 60000), 443, F_ACK,
			    90000 + i / 60000 + 1, guess + 1, NULL, 0, &t);
		ncap = rd = 0;
	}
	printf("syncookie: %u of %u forged cookies accepted (timestamps)\n",
	       (uint32_t)lc.stats.tcp_syncookie_ok - ok, n_ts);
	CHECK(lc.stats.tcp_syncookie_ok == ok);

	/* The real ones are accepted, restoring the SYN's options. */
	inject_from(2000, SRV_PORT, F_ACK, 5001, c0 + 1, NULL, 0, &no_opts);
	CHECK(lc.stats.tcp_syncookie_ok == ok + 1);
	CHECK(app.c && app.c->state == HS_TCP_ESTABLISHED &&
	      app.c->mss == 1460 && app.c->snd_wscale == 7 &&
	      (app.c->flags & HS_TCPF_SACK) && !(app.c->flags & HS_TCPF_TS));
	{
		struct opts t = ts_opt(110, ts1);

		inject_from(2001, SRV_PORT, F_ACK, 7001, c1 + 1, NULL, 0, &t);
	}
	CHECK(lc.stats.tcp_syncookie_ok == ok + 2);
	CHECK(app.c && app.c->state == HS_TCP_ESTABLISHED &&
	      app.c->mss == 1448 && app.c->snd_wscale == 7 &&
	      (app.c->flags & HS_TCPF_SACK) && (app.c->flags & HS_TCPF_TS) &&
	      app.c->ts_recent == 110);
	/* Our later TSvals never go below the one the cookie used. */
	CHECK(app.c && HS_SEQ_GEQ(hs_tcp_tsval(app.c), ts1));
	app.multi = true;
	teardown();
}

/* A cookie is good for one to two 64 s periods: from the start of a
 * period, still at +127.9 s, no longer at +128 s. */
static void
test_syncookie_lifetime(void)
{
	struct opts o = syn_opts(false, 0);
	uint32_t ck[2];
	struct cap *c;

	hs_tcp_params.syncookies = 2;
	setup(16);
	lc.now_us = 64000000ull * 3; /* a period starts */
	for (int i = 0; i < 2; i++) {
		inject_from((uint16_t)(2100 + i), SRV_PORT, F_SYN, 100, 0, NULL,
			    0, &o);
		c = EXPECT(F_SYN | F_ACK, caps[rd].seq, 101);
		ck[i] = c ? c->seq : 0;
	}
	/* The cookie path is open only while cookies are being sent. */
	lc.now_us += 127900000ull;
	inject_from(2200, SRV_PORT, F_SYN, 1, 0, NULL, 0, &o);
	EXPECT(F_SYN | F_ACK, caps[rd].seq, 2);
	inject_from(2100, SRV_PORT, F_ACK, 101, ck[0] + 1, NULL, 0, &no_opts);
	CHECK(lc.stats.tcp_syncookie_ok == 1 && app.accepted == 1);
	EXPECT_NONE();
	lc.now_us += 100000ull;
	inject_from(2101, SRV_PORT, F_ACK, 101, ck[1] + 1, NULL, 0, &no_opts);
	CHECK(lc.stats.tcp_syncookie_ok == 1 && app.accepted == 1);
	CHECK(lc.stats.drop_tcp_syncookie_bad == 1);
	EXPECT(F_RST, ck[1] + 1, 0);
	teardown();
}

/* A table full of TIME_WAIT conns: each new client recycles the oldest
 * one (FIFO order, O(1)), counted; the rest expire as usual and leave
 * the FIFO empty. */
static void
test_time_wait_recycle(void)
{
	const uint16_t base = 5000;
	struct hs_tcp_conn *tw[8];
	uint32_t iss;

	setup(8);
	app.multi = true;
	for (int i = 0; i < 8; i++) {
		peer_port = (uint16_t)(base + i);
		iss = handshake_n(i + 1);
		tw[i] = app.c;
		hs_tcp_close(tw[i]);
		EXPECT(F_ACK | F_FIN, iss + 1, PEER_ISN + 1);
		inject(F_ACK | F_FIN, PEER_ISN + 1, iss + 2, NULL, 0);
		EXPECT(F_ACK, iss + 2, PEER_ISN + 2);
		CHECK(tw[i]->state == HS_TCP_TIME_WAIT);
		advance_ms(10);
	}
	CHECK(lc.tcp.nb_conns == 8 && lc.stats.tcp_conn_timewait == 8);
	CHECK(lc.tcp.tw_head == tw[0] && lc.tcp.tw_tail == tw[7]);
	/* A TIME_WAIT conn that leaves early (RFC 6191 reuse) leaves the
	 * FIFO from its middle. */
	peer_port = base + 4;
	{
		struct opts o = mss_opt(1000);

		inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN + 100, 0, NULL,
			    0, &o);
	}
	EXPECT(F_SYN | F_ACK, caps[rd].seq, PEER_ISN + 101);
	CHECK(lc.stats.tcp_tw_reuse == 1 && lc.stats.tcp_conn_timewait == 7);
	CHECK(tw[3]->tw_next == tw[5] && tw[5]->tw_prev == tw[3]);
	/* Three new clients: the three oldest go, in order. */
	for (int i = 0; i < 3; i++) {
		struct opts o = mss_opt(1000);

		peer_port = (uint16_t)(base + 100 + i);
		inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0,
			    &o);
		EXPECT(F_SYN | F_ACK, caps[rd].seq, PEER_ISN + 1);
		CHECK(lc.stats.tcp_tw_recycled == (uint64_t)i + 1);
		CHECK(hs_tcp_conn_lookup(&lc, RTE_BE32(PEER_IP),
					 RTE_BE32(SRV_IP),
					 rte_cpu_to_be_16((uint16_t)(base + i)),
					 rte_cpu_to_be_16(SRV_PORT)) == NULL);
		CHECK(lc.tcp.tw_head == tw[i + 1]);
	}
	CHECK(lc.stats.tcp_syncookie_sent == 0 && lc.tcp.nb_conns == 8);
	CHECK(lc.stats.tcp_conn_timewait == 4 &&
	      lc.stats.drop_tcp_conn_limit == 0);
	/* The remaining TIME_WAIT conns expire; the FIFO ends empty. */
	advance_ms(61000);
	CHECK(lc.stats.tcp_conn_timewait == 0);
	CHECK(lc.tcp.tw_head == NULL && lc.tcp.tw_tail == NULL);
	ncap = rd = 0;
	teardown();
}


/* ---- memory budgets (hs_tcp_mem.c) ---------------------------------- */

/* Handshake from port (MSS 1000, the peer's window peer_win); the
 * server's ISS.  The peer's next sequence number is PEER_ISN + 1. */
static uint32_t
mem_open(uint16_t port)
{
	struct opts o = mss_opt(1000);
	uint32_t iss;

	inject_from(port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0, &o);
	CHECK(ncap > rd && caps[ncap - 1].flags == (F_SYN | F_ACK));
	iss = caps[ncap - 1].seq;
	rd = ncap;
	inject_from(port, SRV_PORT, F_ACK, PEER_ISN + 1, iss + 1, NULL, 0,
		    &no_opts);
	CHECK(app.c != NULL && app.c->state == HS_TCP_ESTABLISHED);
	return iss;
}

/* A chain of n mbufs of len bytes each (for hs_tcp_send_mbuf). */
static struct rte_mbuf *
mem_chain(unsigned int n, uint16_t len)
{
	struct rte_mbuf *head = NULL;

	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

		memset(rte_pktmbuf_append(m, len), 'a' + (int)(i % 26), len);
		if (head == NULL)
			head = m;
		else
			CHECK(rte_pktmbuf_chain(head, m) == 0);
	}
	return head;
}

static uint32_t
mem_used(void)
{
	return lc.tcp.sndq_mbufs + lc.tcp.rcvq_mbufs + lc.tcp.ooq_mbufs;
}

/* Send budgets: the per-conn mbuf budget is a hard bound (-ENOBUFS,
 * counted); a peer offering a tiny window gets a short queue; once the
 * lcore's budget is spent the send space is 0 and writable() follows when
 * an ACK elsewhere frees memory. */
static void
test_mem_send_budget(void)
{
	static uint8_t buf[16384];
	struct hs_tcp_conn *a, *b;
	uint32_t iss_b, budget = 256u * 1024 / 1024 + 16;

	hs_tcp_params.mem_lcore_max = 400;
	setup(16);
	app.multi = true;
	app.auto_read = true;
	/* a slow reader: 64-byte window -> the queue floor, not 256 KiB */
	peer_win = 64;
	mem_open(peer_port);
	a = app.c;
	CHECK(hs_tcp_send_space(a) == 64u * 1024);
	peer_win = 65535;
	/* the conn's mbuf budget: 272 (+ the minimum) and not one more */
	CHECK(hs_tcp_send_mbuf(a, mem_chain(budget + 13, 10)) == -ENOBUFS);
	CHECK(lc.stats.drop_tcp_snd_mem == 1 && a->sndq.count == 0);
	CHECK(hs_tcp_send_mbuf(a, mem_chain(budget, 10)) == (int)budget * 10);
	CHECK(hs_tcp_send_space(a) == 0); /* at its budget */
	CHECK(mem_used() == budget);
	/* b fills the lcore budget (400) */
	iss_b = mem_open(peer_port + 1);
	b = app.c;
	CHECK(hs_tcp_send_mbuf(b, mem_chain(400 - budget, 10)) ==
	      (int)(400 - budget) * 10);
	hs_tcp_push(b);
	CHECK(mem_used() == 400);
	CHECK(hs_tcp_send(b, buf, 8192) == -ENOBUFS); /* hard: lcore */
	CHECK(hs_tcp_send_space(b) == 0 && lc.stats.tcp_mem_wait >= 1);
	app.writable = 0;
	/* the peer of b acknowledges everything: memory frees, b (and only
	 * b, a is still at its own budget) may send again */
	inject_from(peer_port + 1, SRV_PORT, F_ACK, PEER_ISN + 1,
		    iss_b + 1 + (400 - budget) * 10, NULL, 0, &no_opts);
	advance_ms(2);
	CHECK(mem_used() == budget);
	CHECK(app.writable >= 1);
	CHECK(hs_tcp_send_space(b) > 16384);
	CHECK(hs_tcp_send(b, buf, sizeof(buf)) == (int)sizeof(buf));
	rd = ncap;
	teardown();
	CHECK(lc.tcp.sndq_mbufs == 0);
}

/* Receive window: under memory pressure the right edge offered no
 * longer advances (a conn holding a few mbufs still gets some room);
 * without it, it does.  The out-of-order queue counts in the conn's
 * receive budget. */
static void
test_mem_rcv_window(void)
{
	static uint8_t data[1000];
	uint32_t seq = PEER_ISN + 1;
	struct hs_tcp_conn *a;
	struct cap *c;

	hs_tcp_params.mem_lcore_max = 256; /* high-water 224 */
	setup(16);
	app.multi = true;
	app.auto_read = false;
	mem_open(peer_port);
	/* no pressure: 1000 bytes in, the edge moves on by 1000 */
	inject(F_ACK | F_PSH, seq, app.c->snd_una, data, sizeof(data));
	advance_ms(50);
	c = ncap > rd ? &caps[ncap - 1] : NULL;
	CHECK(c && c->ack == seq + 1000 &&
	      c->ack + c->win == seq + 1000 + 65535);
	rd = ncap;
	/* pressure: another conn holds 240 mbufs */
	mem_open(peer_port + 1);
	a = app.c;
	CHECK(hs_tcp_send_mbuf(a, mem_chain(240, 10)) == 2400);
	advance_ms(2);
	rd = ncap;
	inject(F_ACK | F_PSH, seq + 1000, caps[0].seq + 1, data, sizeof(data));
	advance_ms(50);
	c = NULL;
	for (unsigned int i = rd; i < ncap; i++)
		if (caps[i].dport == peer_port && caps[i].ack == seq + 2000)
			c = &caps[i];
	CHECK(c && c->ack + c->win == seq + 1000 + 65535); /* edge held */
	rd = ncap;
	teardown();

	/* out-of-order segments stop at the conn's receive budget:
	 * rcvbuf 16 KiB -> 32 mbufs (a fixed buffer: autotuning would grow
	 * it for the out-of-order data, hs_tcp_rcvbuf_ooo) */
	hs_tcp_params.rcvbuf = 16384;
	hs_tcp_params.rcvbuf_max = 16384;
	setup(16);
	app.auto_read = false;
	handshake();
	for (uint32_t i = 0; i < 40; i++)
		inject(F_ACK, seq + 1 + i * 2, app.c->snd_una, data, 1);
	CHECK(app.c->ooq.count == 32 && lc.stats.drop_tcp_ooq_conn == 8);
	rd = ncap;
	teardown();
}

/* The pool never runs dry because of peers: with connections holding
 * all the lcore may give them, mbufs remain for SYN-ACKs, RSTs and a
 * new connection's first answer (its guaranteed minimum, from the
 * reserve); every mbuf comes back at teardown. */
static void
test_mem_reserve(void)
{
	static uint8_t buf[2000];
	uint16_t port = peer_port;
	unsigned int n = 0;
	struct cap *c;
	uint32_t iss;

	hs_tcp_params.mem_lcore_max = 0; /* derived from the pool */
	setup(64);
	app.multi = true;
	CHECK(lc.tcp.mem_max == hs_tcp_mem_auto(POOL_SIZE, 1, 0, 0));
	CHECK(lc.tcp.mem_max + lc.tcp.mem_reserve < POOL_SIZE * 7 / 8);
	/* peers' connections take all the lcore gives them */
	for (unsigned int k = 0; k < 40 && mem_used() < lc.tcp.mem_max; k++) {
		mem_open((uint16_t)(port + k));
		while (hs_tcp_send_mbuf(app.c, mem_chain(50, 10)) > 0)
			n++;
		while (hs_tcp_send_mbuf(app.c, mem_chain(1, 10)) > 0)
			n++;
	}
	rd = ncap;
	CHECK(n > 0 && mem_used() == lc.tcp.mem_max);
	CHECK(rte_mempool_avail_count(pool) >= POOL_SIZE / 8);
	/* a new client still gets its SYN-ACK, and its answer goes out,
	 * from the reserve */
	iss = mem_open((uint16_t)(port + 100));
	CHECK(hs_tcp_send_space(app.c) > 0);
	CHECK(hs_tcp_send(app.c, buf, sizeof(buf)) == (int)sizeof(buf));
	CHECK(mem_used() > lc.tcp.mem_max);
	hs_tcp_push(app.c);
	c = ncap > rd ? &caps[rd] : NULL;
	CHECK(c && c->seq == iss + 1 && c->dlen > 0);
	rd = ncap;
	/* a segment for no connection is answered with RST */
	inject_from((uint16_t)(port + 200), SRV_PORT, F_ACK, 5, 7, NULL, 0,
		    &no_opts);
	CHECK(ncap > rd && (caps[ncap - 1].flags & F_RST));
	rd = ncap;
	teardown(); /* pool back to POOL_SIZE */
}

/* Shedding: above the high-water mark the conn holding most with no
 * progress for a second is reset (RST, closed(-ECONNRESET), counted);
 * one that holds as much but progresses is kept. */
static void
test_mem_shed(void)
{
	struct hs_tcp_conn *a, *b;
	uint32_t iss_b;
	bool rst = false;

	hs_tcp_params.mem_lcore_max = 400; /* high-water 350 */
	setup(16);
	app.multi = true;
	mem_open(peer_port);
	a = app.c;
	CHECK(hs_tcp_send_mbuf(a, mem_chain(170, 100)) == 17000);
	hs_tcp_push(a);
	iss_b = mem_open(peer_port + 1);
	b = app.c;
	CHECK(hs_tcp_send_mbuf(b, mem_chain(170, 100)) == 17000);
	hs_tcp_push(b);
	/* below the mark nothing happens, however long */
	advance_ms(1500);
	CHECK(lc.stats.conn_shed == 0);
	/* b progresses (2000 bytes acked), and gets more to send */
	inject_from(peer_port + 1, SRV_PORT, F_ACK, PEER_ISN + 1,
		    iss_b + 1 + 2000, NULL, 0, &no_opts);
	CHECK(hs_tcp_send_mbuf(b, mem_chain(40, 100)) == 4000);
	CHECK(mem_used() == 170 + 190);
	rd = ncap;
	app.closed = 0;
	advance_ms(2);
	CHECK(lc.stats.conn_shed == 1 && lc.stats.conn_shed_mbufs == 170);
	CHECK(app.closed == 1 && app.reason == -ECONNRESET);
	CHECK(a->state == HS_TCP_CLOSED);
	for (unsigned int i = rd; i < ncap; i++)
		if ((caps[i].flags & F_RST) && caps[i].dport == peer_port)
			rst = true;
	CHECK(rst);
	CHECK(b->state == HS_TCP_ESTABLISHED && mem_used() == 190);
	advance_ms(100);
	CHECK(lc.stats.conn_shed == 1);
	CHECK(lc.stats.tcp_mem_peak >= 360);
	rd = ncap;
	teardown();
	CHECK(mem_used() == 0);
}

/* ---- send-buffer autotuning (hs_tcp_sndbuf_expand) ------------------ */

/* A bulk transfer to a window-scaled peer (MSS 1460, wscale 7) offering
 * win bytes, which acknowledges every second segment 10 ms after it was
 * sent; the application refills all the send space there is, also from
 * writable() as ACKs make room (the not-sent low-water mark).  Checks on
 * every round that the conn stays within its mbuf budget and the lcore
 * within its own.  Returns the conn; *peak: the most it queued. */
static struct hs_tcp_conn *
sndbuf_transfer(uint32_t rounds, uint32_t win, uint32_t *peak)
{
	static uint8_t buf[16384];
	struct opts syn = syn_opts(false, 0);
	struct hs_tcp_conn *c;
	uint32_t iss, n, acked = 0;

	*peak = 0;
	app.fill_in_writable = true;
	inject_from(peer_port, SRV_PORT, F_SYN, PEER_ISN, 0, NULL, 0, &syn);
	CHECK(ncap > rd && caps[ncap - 1].flags == (F_SYN | F_ACK));
	iss = caps[ncap - 1].seq;
	rd = ncap;
	peer_win = (uint16_t)(win >> 7);
	inject(F_ACK, PEER_ISN + 1, iss + 1, NULL, 0);
	c = app.c;
	CHECK(c != NULL && c->state == HS_TCP_ESTABLISHED && c->mss == 1460);
	if (c == NULL)
		return NULL;
	for (uint32_t r = 0; r < rounds; r++) {
		unsigned int end, k = 0;

		while ((n = hs_tcp_send_space(c)) > 0 &&
		       hs_tcp_send(c, buf, HS_MIN(n, (uint32_t)sizeof(buf))) >
			       0)
			;
		hs_tcp_push(c);
		*peak = HS_MAX(*peak, c->sndq.bytes);
		CHECK(c->sndq.count <=
		      hs_tcp_buf_mbufs(c->sndbuf) + HS_TCP_SND_MIN_MBUFS);
		CHECK(mem_used() <= lc.tcp.mem_max + lc.tcp.mem_reserve);
		advance_ms(10);
		end = ncap;
		for (unsigned int i = rd; i < end; i++) {
			if (caps[i].dlen == 0 || caps[i].dport != peer_port)
				continue;
			acked = caps[i].seq + caps[i].dlen;
			if (++k % 2 == 0)
				inject(F_ACK, PEER_ISN + 1, acked, NULL, 0);
		}
		if (k % 2)
			inject(F_ACK, PEER_ISN + 1, acked, NULL, 0);
		*peak = HS_MAX(*peak, c->sndq.bytes);
		memmove(caps, caps + end, (ncap - end) * sizeof(caps[0]));
		ncap -= end;
		rd = 0;
	}
	return c;
}

/* The not-sent low-water mark: a writer may queue 128 KiB beyond what TCP
 * has sent, however large its buffer; each byte TCP sends opens a byte
 * of space (writable() on the next ACK refills it), so a large response
 * is sealed as it goes out, not all at once. */
static void
test_notsent_lowat(void)
{
	static uint8_t buf[16384];
	struct hs_tcp_conn *c;
	uint32_t peak, n, sent;

	hs_tcp_params.sndbuf = 1u << 20;
	setup(16);
	c = sndbuf_transfer(0, 4u << 20, &peak);
	CHECK(c != NULL);
	if (c == NULL) {
		teardown();
		return;
	}
	while ((n = hs_tcp_send_space(c)) > 0 &&
	       hs_tcp_send(c, buf, HS_MIN(n, (uint32_t)sizeof(buf))) > 0)
		;
	CHECK(c->sndq.bytes == 128u * 1024); /* not the 1 MiB buffer */
	hs_tcp_push(c);
	sent = c->snd_max - c->snd_una;
	CHECK(sent >= 10u * 1460); /* the initial window went out */
	CHECK(hs_tcp_send_space(c) == sent);
	rd = ncap;
	teardown();
}

/* The send buffer grows with cwnd (2 * cwnd + 64 KiB) from --send-buffer
 * up to --send-buffer-max, or to a quarter of the lcore's budget if that
 * is less; the conn then queues more than it started with, within its
 * (grown) mbuf budget. */
static void
test_sndbuf_autotune(void)
{
	struct hs_tcp_conn *c;
	uint32_t peak;

	/* --send-buffer-max 512 KiB, below 1/4 of a 3000-mbuf lcore; the
	 * peer answers in 10 ms rounds, which pacing would straddle */
	hs_tcp_params.pacing = 0;
	hs_tcp_params.mem_lcore_max = 3000;
	hs_tcp_params.sndbuf_max = 512u * 1024;
	setup(16);
	app.multi = true;
	c = sndbuf_transfer(30, 4u << 20, &peak);
	CHECK(c != NULL && c->sndbuf == 512u * 1024);
	CHECK(c != NULL && c->cwnd > 300u * 1024);
	CHECK(peak > 400u * 1024);
	CHECK(lc.stats.tcp_rexmt == 0);
	rd = ncap;
	teardown();

	/* growth follows cwnd: 2 * cwnd + 64 KiB while below the max */
	hs_tcp_params.mem_lcore_max = 3000;
	hs_tcp_params.sndbuf_max = 4u << 20;
	setup(16);
	app.multi = true;
	c = sndbuf_transfer(4, 4u << 20, &peak);
	CHECK(c != NULL && c->sndbuf > 256u * 1024 &&
	      c->sndbuf == 2u * c->cwnd + 64u * 1024);
	rd = ncap;
	teardown();

	/* --send-buffer-max 4 MiB: the lcore's budget caps it, a quarter
	 * of 3000 mbufs less the 16 per conn: 734 KiB */
	hs_tcp_params.mem_lcore_max = 3000;
	setup(16);
	app.multi = true;
	c = sndbuf_transfer(30, 4u << 20, &peak);
	CHECK(c != NULL && c->sndbuf == (3000u / 4 - 16) * 1024);
	CHECK(peak > 512u * 1024);
	rd = ncap;
	teardown();

	/* --send-buffer-max at or below --send-buffer: fixed */
	hs_tcp_params.mem_lcore_max = 3000;
	hs_tcp_params.sndbuf_max = 128u * 1024;
	setup(16);
	app.multi = true;
	c = sndbuf_transfer(30, 4u << 20, &peak);
	CHECK(c != NULL && c->sndbuf == 256u * 1024 && peak <= 256u * 1024);
	rd = ncap;
	teardown();
}

/* A slow reader (a 4 KiB window, a few KiB read per RTT) never fills
 * cwnd, so cwnd does not grow and neither does its send buffer: it keeps
 * --send-buffer. */
static void
test_sndbuf_slow_reader(void)
{
	struct hs_tcp_conn *c;
	uint32_t peak;

	hs_tcp_params.mem_lcore_max = 3000;
	setup(16);
	app.multi = true;
	c = sndbuf_transfer(100, 4096, &peak);
	CHECK(c != NULL && c->sndbuf == 256u * 1024);
	CHECK(c != NULL && c->cwnd <= 10u * 1460);
	CHECK(c != NULL && c->snd_una - c->iss > 100u * 4096 / 2);
	CHECK(peak <= 256u * 1024);
	rd = ncap;
	teardown();
}

/* Under memory pressure (the lcore above its high-water mark, 7/8 of
 * --mem-lcore) no buffer grows, and the lcore's budget still bounds what
 * the conn queues. */
static void
test_sndbuf_pressure(void)
{
	struct hs_tcp_conn *c;
	uint32_t peak;

	hs_tcp_params.mem_lcore_max = 1200; /* high-water 1050 */
	setup(16);
	app.multi = true;
	/* four others hold 4 x 272 = 1088 mbufs, never acknowledged */
	for (uint16_t k = 0; k < 4; k++) {
		mem_open((uint16_t)(peer_port + 1 + k));
		CHECK(hs_tcp_send_mbuf(app.c, mem_chain(272, 10)) == 2720);
	}
	peer_port = (uint16_t)(peer_port + 8);
	CHECK(mem_used() > lc.tcp.mem_high);
	c = sndbuf_transfer(30, 4u << 20, &peak);
	CHECK(c != NULL && c->sndbuf == 256u * 1024);
	CHECK(c != NULL && c->sndq.count <= 1200u + lc.tcp.mem_reserve - 1088u);
	CHECK(lc.stats.conn_shed == 0);
	rd = ncap;
	teardown();

	/* the same transfer alone grows to the cap (1200 / 4 - 16 mbufs) */
	hs_tcp_params.mem_lcore_max = 1200;
	setup(16);
	app.multi = true;
	c = sndbuf_transfer(30, 4u << 20, &peak);
	CHECK(c != NULL && c->sndbuf == (1200u / 4 - 16) * 1024);
	rd = ncap;
	teardown();
}

int
main(int argc, char **argv)
{
	char *eal[] = { "test",
			"--no-huge",
			"--no-pci",
			"--no-shconf",
			"-m",
			"256",
			"--log-level=lib.eal:error",
			"--no-telemetry" };

	(void)argc;
	(void)argv;
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("test_tcp", POOL_SIZE, 0, 0,
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

	test_handshake();
	test_dup_syn_and_syn_data();
	test_data_both_directions();
	test_ack_now();
	test_peer_window_limits_send();
	test_rto_backoff_and_timeout();
	test_rto_ack_recovers();
	test_tx_backlog_holds_data();
	test_fast_retransmit();
	test_zc_views_in_flight();
	test_zc_copy_fallback();
	test_jumbo_frames();
	test_zc_send_mbuf();
	test_zc_send_ext();
	test_mem_send_budget();
	test_mem_rcv_window();
	test_mem_reserve();
	test_mem_shed();
	test_sndbuf_autotune();
	test_notsent_lowat();
	test_sndbuf_slow_reader();
	test_sndbuf_pressure();
	test_synack_retries();
	test_passive_close();
	test_close_in_readable();
	test_active_close_time_wait();
	test_fin_wait2_timeout();
	test_simultaneous_close();
	test_rst_closed_port();
	test_rst_received();
	test_challenge_ack_budget();
	test_bad_input_dropped();
	test_out_of_window_and_ooo();
	test_ooq_holds_window();
	test_recv_views();
	test_conn_limit();
	test_zero_window_persist();
	test_receive_window();
	test_time_wait_reuse();
	test_abort_in_readable();
	test_accept_refused();
	test_app_timeout();
	test_random_segments();
	test_cubic_growth();
	test_timer_wheel_idle_cost();
	test_timer_wheel_idle_us();
	test_isn_rfc6528();
	test_per_source_table();
	test_sack_option_length();
	test_lossy_link();
	test_timer_clock_jump();
	test_syncookie_forgery();
	test_syncookie_lifetime();
	test_time_wait_recycle();

	CHECK(rte_mempool_avail_count(pool) == POOL_SIZE);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return hs_check_summary("test_tcp");
}
