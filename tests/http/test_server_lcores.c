/* SPDX-License-Identifier: BSD-3-Clause
 * test_server_lcores.c - the server's per-lcore state across lcores that
 * come and go: hs_server_attach on three lcores, one open connection
 * each, then the shutdown order of app/hs_app.c (hs_server_detach, then
 * hs_lcore_fini, one lcore after the other), which compacts the lcore
 * registry, with an lcore started in between.  Every detach must free
 * exactly that lcore's state: its connections (and no other lcore's)
 * and its access-log ring (each ring freed once, the lcore's own, when
 * that lcore is detached; hs_log_ring_new/free are wrapped with the
 * linker's --wrap to see that); at the end no mbuf is left either.
 *
 * Runs the real hs_server.c, TCP and lcore code with no port: frames are
 * injected with hs_tcp_input; what the lcores send is freed (tx_sink).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "hs_lcore.h"
#include "hs_log.h"
#include "hs_net.h"
#include "hs_server.h"
#include "hs_tcp.h"
#include "hs_check.h"

#define POOL_SIZE 1023
#define SRV_IP    RTE_IPV4(198, 18, 0, 1)
#define PEER_IP   RTE_IPV4(198, 18, 0, 2)
#define HTTP_PORT 8080
#define NLC       4

static struct rte_mempool *pool;
static struct hs_netif ifp;
static struct hs_lcore lcs[NLC];
static struct hs_tcp_conn *conn[NLC]; /* each lcore's connection */

/* ---- access-log rings, as hs_server.c allocates and frees them ---- */
struct hs_log_ring *__real_hs_log_ring_new(unsigned int nrec);
void __real_hs_log_ring_free(struct hs_log_ring *r);
struct hs_log_ring *__wrap_hs_log_ring_new(unsigned int nrec);
void __wrap_hs_log_ring_free(struct hs_log_ring *r);

#define MAX_RINGS 16
static struct {
	struct hs_log_ring *r;
	int frees;
} rings[MAX_RINGS];
static unsigned int nrings;
static int bad_frees; /* unknown or already freed */

struct hs_log_ring *
__wrap_hs_log_ring_new(unsigned int nrec)
{
	struct hs_log_ring *r = __real_hs_log_ring_new(nrec);

	if (r != NULL && nrings < MAX_RINGS) {
		rings[nrings].r = r;
		rings[nrings].frees = 0;
		nrings++;
	}
	return r;
}

void
__wrap_hs_log_ring_free(struct hs_log_ring *r)
{
	bool found = false;

	if (r == NULL)
		return;
	/* newest first: an address may come back from malloc after a free */
	for (unsigned int i = nrings; i-- > 0 && !found;) {
		if (rings[i].r != r)
			continue;
		found = true;
		if (rings[i].frees++ != 0)
			bad_frees++;
	}
	if (!found)
		bad_frees++;
	__real_hs_log_ring_free(r);
}

static int ring_of[NLC]; /* lcore -> its index in rings[] */

/* ---- the server's connection, as hs_server.c attaches its state to it
 * (hs_tcp_set_app wrapped like the rings above: struct hs_tcp_conn is
 * opaque here) ---- */
void __real_hs_tcp_set_app(struct hs_tcp_conn *c, void *p);
void __wrap_hs_tcp_set_app(struct hs_tcp_conn *c, void *p);

static struct hs_tcp_conn *accepted; /* last conn given server state */

void
__wrap_hs_tcp_set_app(struct hs_tcp_conn *c, void *p)
{
	if (p != NULL)
		accepted = c;
	__real_hs_tcp_set_app(c, p);
}

/* The ISS of each lcore's SYN-ACK, read as TCP hands it to IPv4
 * (hs_ipv4_output wrapped: before ARP, which holds it here). */
void __real_hs_ipv4_output(struct hs_lcore *lc, struct rte_mbuf *m);
void __wrap_hs_ipv4_output(struct hs_lcore *lc, struct rte_mbuf *m);

static uint32_t synack_seq[NLC];
static bool synack_seen[NLC];

void
__wrap_hs_ipv4_output(struct hs_lcore *lc, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const void *);
	const struct rte_tcp_hdr *th =
		(const void *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip));
	const uint8_t synack = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;

	if (lc >= lcs && lc < lcs + NLC && ip->next_proto_id == IPPROTO_TCP &&
	    (th->tcp_flags & synack) == synack) {
		synack_seq[lc - lcs] = rte_be_to_cpu_32(th->sent_seq);
		synack_seen[lc - lcs] = true;
	}
	__real_hs_ipv4_output(lc, m);
}

static uint16_t
sink_free(struct hs_lcore *l, struct rte_mbuf **pkts, uint16_t n)
{
	(void)l;
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

/* One segment from the peer's port sport to the HTTP port. */
static void
inject(struct hs_lcore *lc, uint16_t sport, uint8_t flags, uint32_t seq,
       uint32_t ack)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (m == NULL)
		abort();
	ip = (void *)rte_pktmbuf_append(m, 40);
	hs_ipv4_fill(ip, RTE_BE32(PEER_IP), RTE_BE32(SRV_IP), IPPROTO_TCP, 40);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th = (void *)(ip + 1);
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = RTE_BE16(HTTP_PORT);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = 5 << 4;
	th->tcp_flags = flags;
	th->rx_win = RTE_BE16(65535);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	m->l3_len = 20;
	hs_tcp_input(lc, m);
}

/* Start lcore i (queue i), attach the server, open one connection. */
static void
start(unsigned int i, const struct hs_server_config *cfg)
{
	struct hs_lcore *lc = &lcs[i];
	uint16_t sport = (uint16_t)(41000 + i);
	struct hs_tcp_conn *c;

	CHECK(hs_lcore_init(lc, &ifp, pool, HS_PORT_NONE, (uint16_t)i, 64) ==
	      0);
	lc->tx_sink = sink_free;
	ring_of[i] = (int)nrings;
	CHECK(hs_server_attach(lc, cfg) == 0);
	CHECK(nrings == (unsigned int)ring_of[i] + 1); /* its log ring */
	synack_seen[i] = false;
	accepted = NULL;
	inject(lc, sport, RTE_TCP_SYN_FLAG, 1000, 0);
	CHECK(synack_seen[i]); /* the SYN-ACK */
	inject(lc, sport, RTE_TCP_ACK_FLAG, 1001, synack_seq[i] + 1);
	c = accepted; /* ESTABLISHED: accepted() ran */
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK(hs_tcp_lcore_of(c) == lc);
	CHECK(hs_tcp_peer_port(c) == rte_cpu_to_be_16(sport));
	CHECK(hs_tcp_app(c) != NULL); /* the server's connection */
	conn[i] = c;
}

/* Shut lcore i down as app/hs_app.c's worker_teardown does.  Its own
 * connection loses its server state; the others' keep theirs. */
static void
stop(unsigned int i, const bool running[NLC], uint64_t live_after)
{
	hs_server_detach(&lcs[i]);
	CHECK(conn[i] != NULL && hs_tcp_app(conn[i]) == NULL);
	CHECK(rings[ring_of[i]].frees == 1);
	for (unsigned int j = 0; j < NLC; j++)
		if (j != i && running[j]) {
			CHECK(conn[j] != NULL && hs_tcp_app(conn[j]) != NULL);
			CHECK(rings[ring_of[j]].frees == 0);
		}
	CHECK(bad_frees == 0);
	CHECK(hs_server_live_conns() == live_after);
	hs_lcore_fini(&lcs[i]);
	conn[i] = NULL;
}

int
main(void)
{
	char *eal[] = { "test_server_lcores",
			"--no-huge",
			"--no-pci",
			"--no-shconf",
			"--file-prefix=hs_test_srv_lcores",
			"-m",
			"128",
			"--log-level=lib.eal:error",
			"--no-telemetry" };
	struct hs_server_config cfg;
	bool running[NLC] = { true, true, true, false };

	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("test_srv", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "pool create failed\n");
		return 1;
	}
	ifp.port_id = HS_PORT_NONE;
	ifp.mtu = 1500;
	ifp.ip = RTE_BE32(SRV_IP);
	ifp.mask = RTE_BE32(0xffffff00);

	/* plain HTTP only (no TLS context needed), access log on */
	hs_server_config_defaults(&cfg);
	cfg.https_port = 0;
	cfg.http_port = HTTP_PORT;
	cfg.access_log = true;
	CHECK(hs_server_publish(&cfg, NULL, NULL) == 0);

	for (unsigned int i = 0; i < 3; i++)
		start(i, &cfg);
	CHECK(hs_nb_lcores == 3);
	CHECK(lcs[0].slot == 0 && lcs[1].slot == 1 && lcs[2].slot == 2);
	CHECK(hs_server_live_conns() == 3);
	CHECK(hs_server_lcores_attached() == 3);

	/* lcore 0 leaves: lcore 2 moves to position 0 of hs_lcores[] but
	 * keeps its slot */
	stop(0, running, 2);
	running[0] = false;
	CHECK(hs_nb_lcores == 2 && hs_lcores[0] == &lcs[2]);
	CHECK(lcs[2].slot == 2 && hs_lcore_slot(&lcs[0]) == -ENOENT);

	/* a new lcore takes the free slot, not a slot still in use */
	start(3, &cfg);
	running[3] = true;
	CHECK(lcs[3].slot == 0);
	CHECK(hs_server_live_conns() == 3);

	stop(2, running, 2);
	running[2] = false;
	stop(1, running, 1);
	running[1] = false;
	stop(3, running, 0);
	running[3] = false;
	CHECK(hs_nb_lcores == 0);
	CHECK(hs_server_lcores_attached() == 0);

	/* every ring freed exactly once */
	CHECK(nrings == 4);
	for (unsigned int k = 0; k < nrings; k++)
		CHECK(rings[k].frees == 1);
	CHECK(bad_frees == 0);
	CHECK(rte_mempool_avail_count(pool) == POOL_SIZE);

	hs_server_fini();
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return hs_check_summary("test_server_lcores");
}
