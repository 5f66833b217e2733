/* SPDX-License-Identifier: BSD-3-Clause
 * hs_lcore.c - per-lcore context, TX batching, clock and the
 * run-to-completion poll loop.
 */
#include <poll.h>
#include <sys/eventfd.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "hs_impair.h"
#include "hs_lcore.h"
#include "hs_net.h"
#include "hs_port.h"
#include "hs_rcu.h"
#include "hs_siphash.h"

struct hs_lcore *hs_lcores[HS_MAX_LCORES];
unsigned int hs_nb_lcores;

/* Steering inboxes by queue (hs_lcore_steer_init); written at set-up,
 * read by the loops with __atomic loads. */
static struct hs_lcore *hs_steer_peer[HS_MAX_LCORES];
#define HS_STEER_INBOX 2048u
#define HS_STEER_BURST 32u

static bool hs_stop_flag;   /* accessed with __atomic_* */
static bool hs_drain_flag;  /* accessed with __atomic_* */
static uint64_t hs_ctl_gen; /* accessed with __atomic_* */
static unsigned int hs_idle_sleep_us;
/* TSC -> microseconds: us = (tsc * hs_us_mult) >> HS_US_SHIFT. */
#define HS_US_SHIFT 32
static uint64_t hs_us_mult;

/* Slots: lc->slot indexes hs_lcore_slot_of; a slot is taken at
 * registration and given back at unregistration, never moved, so tables
 * indexed by it (the application's per-lcore state) stay valid while the
 * registry array above is compacted. */
static struct hs_lcore *hs_lcore_slot_of[HS_MAX_LCORES];

static void
hs_lcore_register(struct hs_lcore *lc)
{
	unsigned int n = __atomic_load_n(&hs_nb_lcores, __ATOMIC_ACQUIRE);
	unsigned int slot = HS_LCORE_NO_SLOT;

	lc->slot = HS_LCORE_NO_SLOT;
	for (unsigned int i = 0; i < HS_MAX_LCORES; i++) {
		if (hs_lcore_slot_of[i] == lc) {
			lc->slot = (uint16_t)i; /* initialised again */
			return;
		}
		if (hs_lcore_slot_of[i] == NULL && slot == HS_LCORE_NO_SLOT)
			slot = i;
	}
	if (n == HS_MAX_LCORES || slot == HS_LCORE_NO_SLOT)
		return;
	hs_lcore_slot_of[slot] = lc;
	lc->slot = (uint16_t)slot;
	hs_lcores[n] = lc;
	__atomic_store_n(&hs_nb_lcores, n + 1, __ATOMIC_RELEASE);
}

static void
hs_lcore_unregister(struct hs_lcore *lc)
{
	unsigned int n = __atomic_load_n(&hs_nb_lcores, __ATOMIC_ACQUIRE);

	if (lc->slot < HS_MAX_LCORES && hs_lcore_slot_of[lc->slot] == lc)
		hs_lcore_slot_of[lc->slot] = NULL;
	lc->slot = HS_LCORE_NO_SLOT;
	for (unsigned int i = 0; i < n; i++) {
		if (hs_lcores[i] != lc)
			continue;
		hs_lcores[i] = hs_lcores[n - 1];
		hs_lcores[n - 1] = NULL;
		__atomic_store_n(&hs_nb_lcores, n - 1, __ATOMIC_RELEASE);
		return;
	}
}

/* Segments a TX frame may span on port_id: HS_TX_MAX_SEGS when the port
 * takes mbuf chains (hs_port_init enables RTE_ETH_TX_OFFLOAD_MULTI_SEGS
 * where offered; net_af_packet and net_tap do), bounded by its
 * descriptor limits; else 1.  Unit tests (no port) take chains. */
static uint8_t
hs_lcore_tx_max_segs(uint16_t port_id)
{
	struct rte_eth_dev_info info;
	uint16_t n = HS_TX_MAX_SEGS;

	if (port_id == HS_PORT_NONE)
		return HS_TX_MAX_SEGS;
	if (rte_eth_dev_info_get(port_id, &info) != 0 ||
	    !(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS))
		return 1;
	if (info.tx_desc_lim.nb_seg_max != 0)
		n = HS_MIN(n, info.tx_desc_lim.nb_seg_max);
	if (info.tx_desc_lim.nb_mtu_seg_max != 0)
		n = HS_MIN(n, info.tx_desc_lim.nb_mtu_seg_max);
	return (uint8_t)HS_MAX(n, 1);
}

/* The pool's data room less the headroom (where Ethernet goes). */
static uint16_t
hs_lcore_mbuf_room(const struct hs_lcore *lc)
{
	uint32_t room = rte_pktmbuf_data_room_size(lc->pool);

	return (uint16_t)(room > RTE_PKTMBUF_HEADROOM
				  ? room - RTE_PKTMBUF_HEADROOM
				  : 0);
}

/* TSO limits of port_id into lc (lc->tso_max 0: none).  Ports report
 * how many mbufs one frame (nb_seg_max) and one segment of it
 * (nb_mtu_seg_max: 8 on i40e and ice) may span.  net_tap's TSO
 * (librte_gso in its TX burst, DPDK 22.11) checks each cut segment's
 * whole frame, Ethernet header included, against the port MTU, where
 * it checks only the IP datagram of other frames: its segments are
 * kept 14 bytes shorter, or it refuses the frame. */
static void
hs_lcore_tso_init(struct hs_lcore *lc, uint16_t port_id)
{
	struct rte_eth_dev_info info;
	uint16_t n = HS_TSO_MAX_SEGS, k = HS_TSO_MAX_SEGS, mtu = 0;

	lc->tso_max = 0;
	if (port_id == HS_PORT_NONE || !hs_port_tso(port_id) ||
	    rte_eth_dev_info_get(port_id, &info) != 0)
		return;
	if (info.tx_desc_lim.nb_seg_max != 0)
		n = HS_MIN(n, info.tx_desc_lim.nb_seg_max);
	if (info.tx_desc_lim.nb_mtu_seg_max != 0)
		k = HS_MIN(k, info.tx_desc_lim.nb_mtu_seg_max);
	if (n < 3 || k < 2) /* header + two views, header + one */
		return;
	lc->tso_max_segs = (uint8_t)n;
	lc->tso_mtu_segs = (uint8_t)k;
	lc->tso_l3_max = lc->ifp->mtu;
	if (info.driver_name != NULL &&
	    strcmp(info.driver_name, "net_tap") == 0 &&
	    rte_eth_dev_get_mtu(port_id, &mtu) == 0 &&
	    mtu - RTE_ETHER_HDR_LEN < lc->tso_l3_max)
		lc->tso_l3_max = (uint16_t)(mtu - RTE_ETHER_HDR_LEN);
	lc->tso_max = HS_TSO_MAX_LEN;
}

/* net_tap (DPDK 22.11, tap_write_mbufs) fills in a TCP checksum by
 * summing the headers, then each further mbuf of the chain (and, for
 * TSO, of each segment librte_gso cuts) with __rte_raw_cksum() as if it
 * started on an even byte: a piece of odd length before the last shifts
 * the rest by one byte and the sum is wrong (the peer drops the segment
 * for good: its retransmissions are built alike). */
static bool
hs_lcore_tx_csum_even(uint16_t port_id)
{
	struct rte_eth_dev_info info;

	return port_id != HS_PORT_NONE &&
	       rte_eth_dev_info_get(port_id, &info) == 0 &&
	       info.driver_name != NULL &&
	       strcmp(info.driver_name, "net_tap") == 0;
}

/* True when port_id's driver is one of names[0..n). */
static bool
hs_lcore_driver_in(uint16_t port_id, const char *const *names, size_t n)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port_id, &info) != 0 ||
	    info.driver_name == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(info.driver_name, names[i]) == 0)
			return true;
	return false;
}

/* True when the port never DMAs from mbuf buffers, so frames may point
 * into memory DPDK does not know (external buffers over the file cache,
 * hs_tcp_send_ext): the software ports copy frames with the CPU.  A
 * physical NIC would need that memory registered and DMA-mapped
 * (rte_extmem_register, rte_dev_dma_map) first; until then such
 * ports get copies.  Unit tests (no port) take external buffers. */
static bool
hs_lcore_tx_ext_ok(uint16_t port_id)
{
	static const char *const soft[] = {
		"net_af_packet", "net_tap", "net_pcap", "net_null", "net_ring",
#if HS_HAVE_HS_PACKET
		hs_port_pkt_driver,
#endif
	};

	return port_id == HS_PORT_NONE ||
	       hs_lcore_driver_in(port_id, soft, RTE_DIM(soft));
}

/* True when the port copies every frame it sends with the CPU (into a
 * shared ring, a kernel socket or a UMEM frame): zero-copy views of the
 * send queue then save no copy and cost an mbuf and two atomic
 * reference-count updates each, plus a chain for the PMD to walk; one
 * copy into the header mbuf is cheaper (1 MiB over memif: 0.85-0.90x
 * the busy cycles, README "A full TX ring").  A NIC that DMAs keeps
 * views. */
static bool
hs_lcore_tx_copies(uint16_t port_id)
{
	static const char *const copying[] = {
		"net_memif", "net_af_packet", "net_af_xdp",
		"net_tap",   "net_pcap",
	};

	return port_id != HS_PORT_NONE &&
	       hs_lcore_driver_in(port_id, copying, RTE_DIM(copying));
}

int
hs_lcore_init(struct hs_lcore *lc, const struct hs_netif *ifp,
	      struct rte_mempool *pool, uint16_t port_id, uint16_t queue_id,
	      uint32_t max_conns)
{
	if (lc == NULL || ifp == NULL || pool == NULL)
		return -EINVAL;
	memset(lc, 0, sizeof(*lc));
	lc->slot = HS_LCORE_NO_SLOT; /* until registered */
	lc->ifp = ifp;
	lc->pool = pool;
	lc->port_id = port_id;
	lc->queue_id = queue_id;
	lc->lcore_id = rte_lcore_id();
	lc->tx_max_segs = hs_lcore_tx_max_segs(port_id);
	lc->tx_ext_ok = hs_lcore_tx_ext_ok(port_id);
	lc->tx_copy = hs_lcore_tx_copies(port_id);
	lc->rx_fd = -1;
	lc->wake_fd = -1;
#if HS_HAVE_HS_PACKET
	if (port_id != HS_PORT_NONE)
		lc->rx_fd = hs_port_pkt_rx_fd(port_id, queue_id);
#endif
	lc->tx_csum_offload =
		port_id != HS_PORT_NONE && hs_port_tx_csum(port_id);
	lc->tx_csum_even =
		lc->tx_csum_offload && hs_lcore_tx_csum_even(port_id);
	hs_lcore_tso_init(lc, port_id);
	lc->tx_mbuf_room = hs_lcore_mbuf_room(lc);
	lc->port_gated = port_id != HS_PORT_NONE && hs_port_is_memif(port_id);
	lc->port_gen = __atomic_load_n(&hs_port_memif_gen, __ATOMIC_ACQUIRE);
	lc->port_open = !lc->port_gated;
	hs_lcore_clock(lc);
	HS_GUARD(hs_tcp_lcore_init(lc, max_conns));
	hs_lcore_register(lc);
	return 0;
}

/* Free what the TX backlog holds; returns how many frames. */
static uint32_t
hs_lcore_txq_free(struct hs_lcore *lc)
{
	uint32_t n = lc->txq_n;

	for (; lc->txq_n > 0; lc->txq_n--) {
		rte_pktmbuf_free(lc->txq[lc->txq_head]);
		lc->txq_head = (lc->txq_head + 1) & (HS_TXQ_SIZE - 1);
	}
	return n;
}

void
hs_lcore_fini(struct hs_lcore *lc)
{
	struct rte_mbuf *m;

	hs_lcore_unregister(lc);
	if (lc->steer != NULL) {
		/* the loops have stopped: nobody enqueues any more */
		if (lc->queue_id < HS_MAX_LCORES &&
		    __atomic_load_n(&hs_steer_peer[lc->queue_id],
				    __ATOMIC_ACQUIRE) == lc)
			__atomic_store_n(&hs_steer_peer[lc->queue_id], NULL,
					 __ATOMIC_RELEASE);
		while (rte_ring_sc_dequeue(lc->steer, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(lc->steer);
		lc->steer = NULL;
	}
	lc->steer_n = 0;
	if (lc->wake_fd >= 0)
		close(lc->wake_fd);
	lc->wake_fd = -1;
	hs_tcp_lcore_fini(lc);
	hs_arp_fini(lc);
	for (uint16_t i = 0; i < lc->ntx; i++)
		rte_pktmbuf_free(lc->tx[i]);
	lc->ntx = 0;
	hs_lcore_txq_free(lc);
	hs_impair_free(lc->impair);
	lc->impair = NULL;
}

/* Offer n frames to the port's TX ring (or tx_sink): returns how many
 * it took (consumed); the rest stay the caller's, in order. */
static uint16_t
hs_lcore_burst(struct hs_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent;
	uint64_t bytes = 0;

	/* Sum before handing over: sent mbufs are not ours afterwards. */
	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	if (lc->port_id != HS_PORT_NONE) {
		sent = rte_eth_tx_burst(lc->port_id, lc->queue_id, pkts, n);
	} else if (lc->tx_sink != NULL) {
		sent = lc->tx_sink(lc, pkts, n);
	} else {
		rte_pktmbuf_free_bulk(pkts, n);
		sent = n;
	}
	for (uint16_t i = sent; i < n; i++)
		bytes -= rte_pktmbuf_pkt_len(pkts[i]);
	lc->stats.tx_pkts += sent;
	lc->stats.tx_bytes += bytes;
	return sent;
}

/* Append frames to the TX backlog (consumes them); the backlog full,
 * the rest are dropped. */
static void
hs_lcore_txq_push(struct hs_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		if (HS_UNLIKELY(lc->txq_n == HS_TXQ_SIZE)) {
			rte_pktmbuf_free(pkts[i]);
			lc->stats.drop_tx_full++;
			continue;
		}
		lc->txq[(lc->txq_head + lc->txq_n) & (HS_TXQ_SIZE - 1)] =
			pkts[i];
		lc->txq_n++;
		lc->stats.tx_backlog++;
	}
}

/* Send what the backlog holds, oldest first, as far as the ring takes. */
static void
hs_lcore_txq_drain(struct hs_lcore *lc)
{
	while (lc->txq_n > 0) {
		uint32_t k = HS_MIN(lc->txq_n, HS_TXQ_SIZE - lc->txq_head);
		uint16_t sent;

		k = HS_MIN(k, (uint32_t)HS_TX_BURST);
		sent = hs_lcore_burst(lc, &lc->txq[lc->txq_head], (uint16_t)k);
		lc->txq_head = (lc->txq_head + sent) & (HS_TXQ_SIZE - 1);
		lc->txq_n -= sent;
		if (sent < k)
			break;
	}
}

/* Hand n frames to the port (or tx_sink), after the backlog; what the
 * ring refuses joins the backlog.  Consumes pkts. */
static void
hs_lcore_xmit(struct hs_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = 0;

	if (HS_UNLIKELY(lc->port_id != HS_PORT_NONE && !lc->port_open)) {
		/* memif peer not (yet) there: nothing waits for it */
		rte_pktmbuf_free_bulk(pkts, n);
		lc->stats.drop_tx_link_down += n;
		lc->stats.drop_tx_link_down += hs_lcore_txq_free(lc);
		return;
	}
	if (HS_UNLIKELY(lc->txq_n > 0))
		hs_lcore_txq_drain(lc);
	if (HS_LIKELY(lc->txq_n == 0))
		sent = hs_lcore_burst(lc, pkts, n);
	if (HS_UNLIKELY(sent < n))
		hs_lcore_txq_push(lc, pkts + sent, (uint16_t)(n - sent));
}

void
hs_lcore_flush(struct hs_lcore *lc)
{
	uint16_t n = lc->ntx;

	if (n == 0) {
		if (HS_UNLIKELY(lc->txq_n > 0))
			hs_lcore_xmit(lc, NULL, 0);
		return;
	}
	lc->ntx = 0;
	if (HS_UNLIKELY(lc->impair != NULL)) {
		/* the stage emits to hs_lcore_xmit (now or later) */
		hs_impair_input(lc->impair, HS_IMPAIR_TX, lc->now_us, lc->tx,
				n);
		return;
	}
	hs_lcore_xmit(lc, lc->tx, n);
}

/* ---- software flow steering ------------------------------------------ */

int
hs_lcore_steer_init(struct hs_lcore *lc, uint16_t n, int socket)
{
	char name[RTE_RING_NAMESIZE];

	if (n < 2 || lc->queue_id >= n || n > HS_MAX_LCORES)
		return n < 2 ? 0 : -EINVAL;
	if (lc->steer == NULL) {
		snprintf(name, sizeof(name), "hs_st_%u_%p", lc->lcore_id,
			 (void *)lc);
		lc->steer = rte_ring_create(name, HS_STEER_INBOX, socket,
					    RING_F_SC_DEQ);
		if (lc->steer == NULL)
			return -ENOMEM;
	}
	/* a port with a descriptor to wait on: others can wake us */
	if (lc->rx_fd >= 0 && lc->wake_fd < 0)
		lc->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	lc->steer_n = n;
	__atomic_store_n(&hs_steer_peer[lc->queue_id], lc, __ATOMIC_RELEASE);
	return 0;
}

/* Steering key: random per process, drawn before main() runs and only
 * read afterwards (hs_lcore_steer_set_key replaces it before the loops
 * start).  Every lcore must use the same key: each computes the owner of
 * frames it did not receive for itself. */
static uint64_t hs_steer_key[2];

RTE_INIT(hs_steer_key_init)
{
	hs_siphash_key_new(hs_steer_key);
}

void
hs_lcore_steer_set_key(const uint64_t key[2])
{
	if (key != NULL) {
		hs_steer_key[0] = key[0];
		hs_steer_key[1] = key[1];
	} else {
		hs_siphash_key_new(hs_steer_key);
	}
}

int
hs_lcore_steer_owner(const struct rte_mbuf *m, uint16_t n)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), ihl;
	const struct rte_ether_hdr *eh = (const void *)p;
	const struct rte_ipv4_hdr *ip;
	uint16_t ports[2];
	uint64_t e1, e2, lo, hi, h;

	if (len < sizeof(*eh) + sizeof(*ip) + 4 ||
	    eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return -1;
	ip = (const void *)(p + sizeof(*eh));
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if (ip->next_proto_id != IPPROTO_TCP || ihl < sizeof(*ip) ||
	    len < sizeof(*eh) + ihl + 4)
		return -1;
	memcpy(ports, p + sizeof(*eh) + ihl, sizeof(ports));
	/* Symmetric: the two endpoints (address, port) in a fixed order, so
	 * both directions of a flow hash alike; keyed (SipHash-1-3), so an
	 * off-path sender can neither predict which lcore owns a 4-tuple
	 * nor pick 4-tuples that share one. */
	e1 = ((uint64_t)ip->src_addr << 16) | ports[0];
	e2 = ((uint64_t)ip->dst_addr << 16) | ports[1];
	lo = HS_MIN(e1, e2);
	hi = HS_MAX(e1, e2);
	/* the two 48-bit endpoints as 12 bytes */
	h = hs_siphash13_12(hs_steer_key, lo | (hi << 48),
			    (uint32_t)(hi >> 16));
	/* h's high 32 bits scaled to [0, n): no division */
	return (int)(((h >> 32) * n) >> 32);
}

void
hs_lcore_kick(struct hs_lcore *lc, struct hs_lcore *peer)
{
	static const uint64_t one = 1;

	if (peer->wake_fd < 0)
		return;
	/* our enqueue before the look at its flag; it sets the flag before
	 * its last look at its rings (hs_lcore_idle_wait): one of us sees
	 * the other */
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&peer->sleeping, __ATOMIC_RELAXED) != 0) {
		lc->stats.loop_kicks++;
		(void)!write(peer->wake_fd, &one, sizeof(one));
	}
}

/* Hand m to its owner if that is another lcore.  true: m was consumed
 * (queued there, or dropped and counted when its inbox is full). */
static inline bool
hs_lcore_steer(struct hs_lcore *lc, struct rte_mbuf *m)
{
	int o = hs_lcore_steer_owner(m, lc->steer_n);
	struct hs_lcore *peer;

	if (o < 0 || o == lc->queue_id)
		return false;
	peer = __atomic_load_n(&hs_steer_peer[o], __ATOMIC_ACQUIRE);
	if (peer == NULL || peer->steer == NULL)
		return false; /* not set up: process it here */
	if (rte_ring_mp_enqueue(peer->steer, m) == 0) {
		lc->stats.steer_tx++;
		hs_lcore_kick(lc, peer);
	} else {
		lc->stats.drop_steer_full++;
		rte_pktmbuf_free(m);
	}
	return true;
}

void
hs_lcore_input(struct hs_lcore *lc, struct rte_mbuf *m)
{
	if (lc->steer_n > 1 && hs_lcore_steer(lc, m))
		return;
	hs_eth_input(lc, m);
}

/* Frames other lcores steered here.  Returns how many were processed. */
static unsigned int
hs_lcore_steer_drain(struct hs_lcore *lc)
{
	struct rte_mbuf *pkts[HS_STEER_BURST];
	unsigned int n, total = 0;

	do {
		n = rte_ring_sc_dequeue_burst(lc->steer, (void **)pkts,
					      HS_STEER_BURST, NULL);
		for (unsigned int i = 0; i < n; i++)
			hs_eth_input(lc, pkts[i]);
		total += n;
	} while (n == HS_STEER_BURST && total < 4 * HS_STEER_BURST);
	lc->stats.steer_rx += total;
	return total;
}

/* ---- impairment stage glue (hs_impair.h) ------------------------------ */

static void
hs_lcore_impair_rx_emit(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct hs_lcore *lc = arg;

	for (uint16_t i = 0; i < n; i++)
		hs_lcore_input(lc, pkts[i]);
}

static void
hs_lcore_impair_tx_emit(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	hs_lcore_xmit(arg, pkts, n);
}

int
hs_lcore_impair(struct hs_lcore *lc, const struct hs_impair_cfg *cfg,
		int socket)
{
	static const hs_impair_emit_fn emit[HS_IMPAIR_NDIR] = {
		[HS_IMPAIR_RX] = hs_lcore_impair_rx_emit,
		[HS_IMPAIR_TX] = hs_lcore_impair_tx_emit,
	};

	if (cfg == NULL || !hs_impair_cfg_on(cfg))
		return 0;
	lc->impair = hs_impair_new(cfg, lc->lcore_id, socket, lc->pool,
				   &lc->stats, emit, lc);
	return lc->impair != NULL ? 0 : -ENOMEM;
}

/* Impaired poll: received frames pass the rx stage before the stack sees
 * them; frames whose delay is over are released both ways.  Returns the
 * number of frames released from a hold. */
static unsigned int
hs_lcore_impair_poll(struct hs_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct hs_impair *im = lc->impair;

	for (uint16_t i = 0; i < n; i++) {
		lc->stats.rx_pkts++;
		lc->stats.rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
	}
	if (n > 0)
		hs_impair_input(im, HS_IMPAIR_RX, lc->now_us, pkts, n);
	return hs_impair_release(im, HS_IMPAIR_RX, lc->now_us) +
	       hs_impair_release(im, HS_IMPAIR_TX, lc->now_us);
}

static inline void
hs_lcore_clock_tsc(struct hs_lcore *lc, uint64_t tsc)
{
	uint64_t us;

	if (HS_UNLIKELY(hs_us_mult == 0)) {
		uint64_t hz = rte_get_tsc_hz();

		hs_us_mult = ((uint64_t)1000000 << HS_US_SHIFT) / (hz ? hz : 1);
	}
	us = (uint64_t)(((unsigned __int128)tsc * hs_us_mult) >> HS_US_SHIFT);
	if (HS_LIKELY(us > lc->now_us)) /* monotonic */
		lc->now_us = us;
}

void
hs_lcore_clock(struct hs_lcore *lc)
{
	hs_lcore_clock_tsc(lc, rte_rdtsc());
}

/* One iteration starting at TSC t0; returns the TSC at its end, which the
 * loop uses as the next iteration's start.  RDTSC is not cheap everywhere
 * (about 30-40 ns in some VMs, where it is most of an empty poll): one
 * read per iteration, not two. */
/* net_memif port: decide, once per iteration and before any burst,
 * whether this iteration may use the port (hs_port_memif.c). */
static void
hs_lcore_port_gate(struct hs_lcore *lc)
{
	uint32_t gen = __atomic_load_n(&hs_port_memif_gen, __ATOMIC_ACQUIRE);
	struct rte_eth_link link;

	if (gen != lc->port_gen) { /* the PMD is unmapping: keep out */
		lc->port_gen = gen;
		lc->port_open = false;
	}
	if (lc->port_open)
		return;
	/* memif_connect reports the link up after mapping the regions */
	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(lc->port_id, &link) == 0 &&
	    link.link_status == RTE_ETH_LINK_UP)
		lc->port_open = true;
}

static uint64_t
hs_lcore_poll_tsc(struct hs_lcore *lc, uint64_t t0, unsigned int *nrx)
{
	struct rte_mbuf *pkts[HS_RX_BURST];
	uint64_t t1;
	uint16_t n = 0;
	unsigned int released = 0, steered = 0;
	bool busy;

	hs_lcore_clock_tsc(lc, t0);
	/* New shared state or a drain: the application looks at it now,
	 * before using any shared object in this iteration. */
	if (HS_UNLIKELY(__atomic_load_n(&hs_ctl_gen, __ATOMIC_ACQUIRE) !=
			lc->ctl_seen)) {
		lc->ctl_seen = __atomic_load_n(&hs_ctl_gen, __ATOMIC_ACQUIRE);
		if (lc->ctl_fn != NULL)
			lc->ctl_fn(lc);
	}
	/* ARP updates other lcores learned (hs_arp.h); cheap when empty. */
	if (lc->arp.inbox != NULL && !rte_ring_empty(lc->arp.inbox))
		hs_arp_peers_drain(lc);
	/* Frames of our flows that landed on another lcore. */
	if (lc->steer != NULL && !rte_ring_empty(lc->steer))
		steered = hs_lcore_steer_drain(lc);
	if (HS_UNLIKELY(lc->port_gated))
		hs_lcore_port_gate(lc);
	if (lc->port_id != HS_PORT_NONE && lc->port_open)
		n = rte_eth_rx_burst(lc->port_id, lc->queue_id, pkts,
				     HS_RX_BURST);
	if (HS_UNLIKELY(lc->impair != NULL)) {
		/* the stage consumes pkts; frames it releases count as
		 * received work for the busy/idle accounting */
		released = hs_lcore_impair_poll(lc, pkts, n);
		n = (uint16_t)HS_MIN(released + n, (unsigned int)UINT16_MAX);
		goto rx_done;
	}
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		lc->stats.rx_pkts++;
		lc->stats.rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
		hs_lcore_input(lc, pkts[i]);
	}
rx_done:
	hs_tcp_timer_run(lc);
	if (lc->now_us >= lc->arp.next_scan_us)
		hs_arp_timer(lc);
	/* Busy = received something or has something to send (timers
	 * that fired and transmitted included). */
	busy = n > 0 || steered > 0;
	if (lc->ntx > 0) {
		busy = true;
		hs_lcore_flush(lc);
	} else if (HS_UNLIKELY(lc->txq_n > 0)) {
		/* Only the backlog to offer: busy if the ring took some (an
		 * iteration that finds it still full waits, as an idle one) */
		uint64_t sent = lc->stats.tx_pkts;

		hs_lcore_flush(lc);
		busy = busy || lc->stats.tx_pkts != sent;
	}
	/* The port caught up: conns that held data back send again. */
	if (HS_UNLIKELY(lc->tcp.txwait != NULL) && lc->txq_n <= HS_TXQ_LOW) {
		busy = true;
		hs_tcp_txwait_wake(lc);
		hs_lcore_flush(lc);
	}
	t1 = rte_rdtsc();
	if (busy)
		lc->stats.loop_busy_cycles += t1 - t0;
	else
		lc->stats.loop_idle_cycles += t1 - t0;
	lc->stats.loop_iter++;
	/* Between bursts: no shared object is in use by this iteration. */
	hs_rcu_quiescent(lc->lcore_id);
	*nrx = n + steered;
	return t1;
}

unsigned int
hs_lcore_poll_once(struct hs_lcore *lc)
{
	unsigned int n;

	(void)hs_lcore_poll_tsc(lc, rte_rdtsc(), &n);
	return n;
}

/* Idle back-off: once nothing has been received for this long, sleep
 * between polls (time, not a poll count: an empty poll's cost differs a
 * lot between machines).  Short, because a spinning wait is CPU the
 * process is charged for and a packet rarely comes back this fast. */
#define HS_IDLE_SPIN_US 10u

/* Idle with --idle-sleep: sleep that long between polls.  From the
 * second sleep of an idle run on (nap > 0: a whole --idle-sleep passed
 * and still nothing came), when the port has a descriptor to wait on
 * (lc->rx_fd) and nothing but a frame, a timer or another lcore's kick
 * can give us work - no TX backlog, no connection waiting for the port,
 * no impairment stage holding frames, no inbox other lcores fill without
 * an eventfd to wake us - wait on it instead, until a frame arrives, the
 * first armed TCP timer's tick (pacing, retransmission, delayed ACK,
 * keep-alive and idle timeouts all are timers), the ARP scan, or
 * HS_TICK_US (the main lcore's duties: signals, reloads): an idle server
 * stops waking every few tens of µs, also while it holds keep-alive
 * connections, and the first frame wakes it at once.
 *
 * hs_lcore_wait_us: how long that wait may last, 0 for a plain sleep.
 * Under load the first sleep stays a plain sleep: it gathers the frames
 * of that time into one burst, where a wait would wake for each frame
 * (measured: +8% CPU per keep-alive request). */
static uint64_t
hs_lcore_wait_us(const struct hs_lcore *lc, unsigned int nap)
{
	uint64_t us;

	if (nap == 0 || lc->rx_fd < 0 || lc->txq_n != 0 ||
	    lc->tcp.txwait != NULL || lc->impair != NULL ||
	    ((lc->steer != NULL || lc->arp.inbox != NULL) && lc->wake_fd < 0))
		return 0;
	us = hs_tw_idle_us(&lc->tcp.wheel, lc->now_us, HS_TICK_US);
	if (lc->arp.next_scan_us < lc->now_us + us)
		us = lc->arp.next_scan_us > lc->now_us
			     ? lc->arp.next_scan_us - lc->now_us
			     : 0;
	/* something due within a sleep: the usual sleep */
	return us > hs_idle_sleep_us ? us : 0;
}

/* True if other lcores queued something for lc (frames, ARP news). */
static inline bool
hs_lcore_inbox_pending(const struct hs_lcore *lc)
{
	return (lc->steer != NULL && !rte_ring_empty(lc->steer)) ||
	       (lc->arp.inbox != NULL && !rte_ring_empty(lc->arp.inbox));
}

static void
hs_lcore_idle_wait(struct hs_lcore *lc, unsigned int nap)
{
	uint64_t us = hs_lcore_wait_us(lc, nap), v;
	struct pollfd p[2] = {{.fd = lc->rx_fd, .events = POLLIN},
			      {.fd = lc->wake_fd, .events = POLLIN}};
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)us * 1000L};
	bool kickable = lc->wake_fd >= 0;

	if (us == 0) {
		usleep(hs_idle_sleep_us);
		return;
	}
	if (kickable) {
		/* other lcores kick us from here on (hs_lcore_kick); what
		 * they queued before is seen now */
		__atomic_store_n(&lc->sleeping, 1, __ATOMIC_RELAXED);
		rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (hs_lcore_inbox_pending(lc)) {
			__atomic_store_n(&lc->sleeping, 0, __ATOMIC_RELAXED);
			return;
		}
	}
	(void)ppoll(p, kickable ? 2 : 1, &ts, NULL);
	if (kickable) {
		__atomic_store_n(&lc->sleeping, 0, __ATOMIC_RELAXED);
		if (p[1].revents & POLLIN)
			(void)!read(lc->wake_fd, &v, sizeof(v));
	}
	lc->stats.loop_waits++;
}

int
hs_lcore_loop(void *arg)
{
	struct hs_lcore *lc = arg;
	uint64_t tsc = rte_rdtsc(), idle_since = tsc, spin;
	unsigned int n, nap = 0;

	spin = rte_get_tsc_hz() / 1000000 * HS_IDLE_SPIN_US;
	hs_rcu_online(lc->lcore_id);
	while (!__atomic_load_n(&hs_stop_flag, __ATOMIC_RELAXED)) {
		uint64_t t0 = tsc;

		if (HS_UNLIKELY(lc->tick_fn != NULL &&
				lc->now_us >= lc->tick_next_us)) {
			lc->tick_next_us = lc->now_us + HS_TICK_US;
			lc->tick_fn();
		}
		tsc = hs_lcore_poll_tsc(lc, t0, &n);
		if (n != 0 || hs_idle_sleep_us == 0) {
			idle_since = tsc;
			nap = 0;
			continue;
		}
		/* After a run of empty polls, sleep between polls until
		 * traffic returns. */
		if (tsc - idle_since >= spin) {
			hs_lcore_idle_wait(lc, nap++);
			t0 = tsc;
			tsc = rte_rdtsc();
			lc->stats.loop_sleeps++;
			lc->stats.loop_sleep_cycles += tsc - t0;
		}
	}
	hs_lcore_flush(lc);
	hs_rcu_offline(lc->lcore_id);
	return 0;
}

void
hs_lcore_stop(void)
{
	/* Async-signal-safe: a single atomic store. */
	__atomic_store_n(&hs_stop_flag, true, __ATOMIC_RELAXED);
}

void
hs_lcore_ctl_bump(void)
{
	__atomic_add_fetch(&hs_ctl_gen, 1, __ATOMIC_RELEASE);
}

void
hs_lcore_drain_start(void)
{
	/* Async-signal-safe: atomic stores only. */
	__atomic_store_n(&hs_drain_flag, true, __ATOMIC_RELEASE);
	hs_lcore_ctl_bump();
}

bool
hs_lcore_draining(void)
{
	return __atomic_load_n(&hs_drain_flag, __ATOMIC_ACQUIRE);
}

bool
hs_lcore_stopping(void)
{
	return __atomic_load_n(&hs_stop_flag, __ATOMIC_RELAXED);
}

void
hs_lcore_set_idle_sleep(unsigned int us)
{
	hs_idle_sleep_us = us;
}

unsigned int
hs_lcore_get_idle_sleep(void)
{
	return hs_idle_sleep_us;
}
