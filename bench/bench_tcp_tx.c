/* SPDX-License-Identifier: BSD-3-Clause
 * bench_tcp_tx.c - CPU cost of sending 1 MiB responses through the TCP
 * stack alone (no port, no kernel): the application queues a body as
 * srv_write does (as much as the send space allows, again from
 * writable()), the "peer" acknowledges everything in flight after each
 * burst (stretch ACKs, window scale 7), and the stand-in for IPv4 output
 * copies every frame once into a ring buffer, as net_af_packet does, then
 * frees it.  Reports TSC cycles per response (the minimum of several
 * rounds: the machine may be shared).
 *
 * Modes: "copy" queues with hs_tcp_send (a copy into the send queue;
 * what TLS records do), "ext" with hs_tcp_send_ext over the body (what
 * plain-HTTP file bodies do; only built when hs_tcp.h has it).  Built
 * from this tree by meson (build/bench/bench_tcp_tx), and compiles
 * against older trees too (copy mode only) for before/after numbers:
 *   gcc -O2 -march=native -I<tree>/dataplane bench/bench_tcp_tx.c \
 *       <tree>/dataplane/hs_tcp_{conn,in,out,timer,cc,sack}.c \
 *       $(pkg-config --cflags --libs libdpdk) -lm
 * A third argument models a NIC instead of net_af_packet (the frame is
 * handed over as is, no copy): "csum", a port with the checksum
 * offloads (no software sums), "tso", one with TSO too (new data in
 * frames of up to 64 KB the NIC cuts; lc.tso_*): the two side by side
 * give what TSO saves our stack per response on a NIC.
 * Usage: bench_tcp_tx [copy|ext] [responses per round] [csum|tso]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "hs_lcore.h"
#include "hs_net.h"
#include "hs_tcp.h"
#include "hs_tcp_var.h" /* the benchmark reads connection state */

#define SRV_IP    RTE_IPV4(198, 18, 0, 1)
#define PEER_IP   RTE_IPV4(198, 18, 0, 2)
#define SRV_PORT  80
#define PEER_PORT 40000
#define PEER_ISN  1000u
#define BODY      (1u << 20)
#define POOL_SIZE 16383

static struct rte_mempool *pool;
static struct hs_netif ifp;
static struct hs_lcore lc;
static uint8_t body[BODY];
static uint8_t ring[2048]; /* the "TX ring" every frame is copied to */
static uint32_t syn_ack_seq;
static uint64_t frames;
static bool nic; /* "csum" / "tso": no copy of the frame */

static struct {
	struct hs_tcp_conn *c;
	uint32_t off; /* body bytes queued so far */
	bool ext;
#ifdef HS_TCP_EXT_REFS_MAX
	struct rte_mbuf_ext_shared_info sh;
	bool holding; /* our reference on sh */
#endif
} app;

/* ---- IPv4 layer stand-ins ------------------------------------------- */
/* Consumes m: one copy of the frame (all segments), then free. */
void
hs_ipv4_output(struct hs_lcore *l, struct rte_mbuf *m)
{
	const struct rte_mbuf *s;
	uint8_t *p = ring;

	(void)l;
	for (s = m; s != NULL && !nic; s = s->next) {
		uint32_t n = rte_pktmbuf_data_len(s);

		if (p + n > ring + sizeof(ring))
			break;
		memcpy(p, rte_pktmbuf_mtod(s, const void *), n);
		p += n;
	}
	if (nic)
		memcpy(ring, rte_pktmbuf_mtod(m, const void *), 40);
	if (((const struct rte_tcp_hdr *)(ring + 20))->tcp_flags &
	    RTE_TCP_SYN_FLAG)
		syn_ack_seq = rte_be_to_cpu_32(
			((const struct rte_tcp_hdr *)(ring + 20))->sent_seq);
	frames++;
	rte_pktmbuf_free(m);
}

/* ---- peer ----------------------------------------------------------- */
static void
inject(uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *opt,
       uint32_t optlen)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint32_t tot = 40 + optlen;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (m == NULL) {
		fprintf(stderr, "pool empty\n");
		exit(1);
	}
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)tot);
	if (ip == NULL)
		exit(1);
	hs_ipv4_fill(ip, RTE_BE32(PEER_IP), RTE_BE32(SRV_IP), IPPROTO_TCP,
		     (uint16_t)tot);
	th = (struct rte_tcp_hdr *)(ip + 1);
	memset(th, 0, 20);
	th->src_port = rte_cpu_to_be_16(PEER_PORT);
	th->dst_port = rte_cpu_to_be_16(SRV_PORT);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((20 + optlen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(65535);
	memcpy(th + 1, opt, optlen);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	m->l3_len = 20;
	hs_tcp_input(&lc, m);
}

/* ---- the application: srv_write's pattern ---------------------------- */
#ifdef HS_TCP_EXT_REFS_MAX
static void
ext_free(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
}
#endif

static void
app_write(struct hs_tcp_conn *c)
{
	while (app.off < BODY) {
		uint32_t n = HS_MIN(BODY - app.off, hs_tcp_send_space(c));
		int rc;

		if (n == 0)
			break;
#ifdef HS_TCP_EXT_REFS_MAX
		if (app.ext)
			rc = hs_tcp_send_ext(c, body + app.off, n, &app.sh);
		else
#endif
			rc = hs_tcp_send(c, body + app.off, n);
		if (rc < 0) {
			fprintf(stderr, "send failed: %d\n", rc);
			exit(1);
		}
		app.off += n;
	}
#ifdef HS_TCP_EXT_REFS_MAX
	if (app.ext && app.holding && app.off == BODY) {
		app.holding = false;
		hs_tcp_ext_put(&app.sh, body);
	}
#endif
}

static int
app_accepted(struct hs_tcp_conn *c, void *a)
{
	(void)a;
	app.c = c;
	return 0;
}
static void
app_readable(struct hs_tcp_conn *c)
{
	(void)c;
}
static void
app_closed(struct hs_tcp_conn *c, int r)
{
	(void)c;
	(void)r;
	app.c = NULL;
}

static const struct hs_tcp_ops ops = {
	.accepted = app_accepted,
	.readable = app_readable,
	.writable = app_write,
	.closed = app_closed,
};

/* One response: queue, then ACK everything in flight until done. */
static void
response(void)
{
	struct hs_tcp_conn *c = app.c;
	uint32_t end;

	app.off = 0;
#ifdef HS_TCP_EXT_REFS_MAX
	if (app.ext) {
		rte_mbuf_ext_refcnt_set(&app.sh, 1);
		app.holding = true;
	}
#endif
	end = c->snd_max + BODY;
	app_write(c);
	hs_tcp_push(c);
	while (c->snd_una != end) {
		lc.now_us += 50;
		inject(RTE_TCP_ACK_FLAG, PEER_ISN + 1, c->snd_max, NULL, 0);
	}
}

int
main(int argc, char **argv)
{
	char *eal[] = { "bench",
			"--no-huge",
			"--no-pci",
			"--no-shconf",
			"-m",
			"256",
			"--log-level=lib.eal:error",
			"--no-telemetry" };
	/* MSS 1460, window scale 7 (RFC 7323): a window of 8 MiB. */
	static const uint8_t synopt[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	unsigned int n = argc > 2 ? (unsigned int)atoi(argv[2]) : 100;
	const char *port = argc > 3 ? argv[3] : "af_packet";
	uint64_t best = UINT64_MAX, f0;

	app.ext = argc > 1 && strcmp(argv[1], "ext") == 0;
#ifndef HS_TCP_EXT_REFS_MAX
	if (app.ext) {
		fprintf(stderr, "this tree has no hs_tcp_send_ext\n");
		return 2;
	}
#else
	app.sh.free_cb = ext_free;
#endif
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("bench", POOL_SIZE, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		return 1;
	for (uint32_t i = 0; i < BODY; i++)
		body[i] = (uint8_t)(i * 7u + 3u);
	ifp.mtu = 1500;
	ifp.ip = RTE_BE32(SRV_IP);
	ifp.mask = RTE_BE32(0xffffff00);
	lc.ifp = &ifp;
	lc.pool = pool;
	lc.port_id = HS_PORT_NONE;
	lc.now_us = 5000000;
#ifdef HS_TCP_EXT_REFS_MAX
	lc.tx_max_segs = HS_TX_MAX_SEGS;
	lc.tx_ext_ok = true;
#endif
#ifdef HS_TSO_MAX_LEN
	if (strcmp(port, "csum") == 0 || strcmp(port, "tso") == 0) {
		nic = true;
		lc.tx_csum_offload = true;
	}
	if (strcmp(port, "tso") == 0) {
		lc.tso_max = HS_TSO_MAX_LEN;
		lc.tso_max_segs = HS_TSO_MAX_SEGS;
		lc.tso_mtu_segs = 8; /* i40e, ice */
		lc.tso_l3_max = ifp.mtu;
	}
#endif
	if (strcmp(port, "af_packet") != 0 && !nic) {
		fprintf(stderr, "port model: af_packet, csum or tso\n");
		return 2;
	}
	hs_tcp_params.sndbuf = 256 * 1024;
	if (hs_tcp_lcore_init(&lc, 16) != 0 ||
	    hs_tcp_listen(&lc, SRV_PORT, &ops, NULL) != 0)
		return 1;
	inject(RTE_TCP_SYN_FLAG, PEER_ISN, 0, synopt, sizeof(synopt));
	inject(RTE_TCP_ACK_FLAG, PEER_ISN + 1, syn_ack_seq + 1, NULL, 0);
	if (app.c == NULL) {
		fprintf(stderr, "no connection\n");
		return 1;
	}
	for (int i = 0; i < 20; i++) /* warm-up: cwnd opens */
		response();
	f0 = frames;
	for (int r = 0; r < 7; r++) {
		uint64_t t0 = rte_rdtsc();

		for (unsigned int i = 0; i < n; i++)
			response();
		best = HS_MIN(best, rte_rdtsc() - t0);
	}
	printf("bench_tcp_tx %s %s: %u x 1 MiB per round, best of 7: %.0f "
	       "cycles/response, "
	       "%.2f cycles/byte, %.1f frames/response, mbufs in use %u\n",
	       app.ext ? "ext" : "copy", port, n, (double)best / n,
	       (double)best / n / BODY, (double)(frames - f0) / (7.0 * n),
	       POOL_SIZE - rte_mempool_avail_count(pool));
	hs_tcp_lcore_fini(&lc);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}
