/* SPDX-License-Identifier: BSD-3-Clause
 * hs_lcore.h - per-lcore context and the run-to-completion poll loop.
 *
 * Each polling lcore owns one struct hs_lcore: its RX/TX queue, its ARP
 * cache, its TCP connection table and timers, its counters.  Nothing in it
 * is written by another thread, except through two multi-producer
 * rte_rings: the ARP inbox (arp.inbox, hs_arp.h) and the steering inbox
 * (steer, hs_lcore_steer_init below), into which other lcores enqueue.
 * Other threads read it without writing: telemetry and the exit report
 * sum stats with relaxed 64-bit loads (hs_stats.h).  Signals between
 * threads (stop, drain, control bumps, reload) are flags outside the
 * struct, in hs_lcore.c and hs_reload.c.
 *
 * With several lcores (EAL -l 0-N), the main lcore does not poll: each
 * worker lcore owns queue pair i (i = its index among the workers) and a
 * context allocated on its own NUMA node; the main lcore waits for a stop
 * signal, then joins the workers.  With a single lcore the main lcore
 * polls queue 0 itself.  Every packet-path function takes the
 * lcore context as its first argument.
 *
 * mbuf ownership: functions documented "consumes m" always take ownership
 * (they transmit or free it, on every path).  Functions documented
 * "borrows m" leave it with the caller.
 */
#ifndef HS_LCORE_H
#define HS_LCORE_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "hs_common.h"
#include "hs_stats.h"
#include "hs_arp.h"
#include "hs_tcp.h"

#define HS_RX_BURST     32
#define HS_TX_BURST     64
/* Most segments of one transmitted frame (TCP data: header mbuf plus
 * views of the send queue); ports without RTE_ETH_TX_OFFLOAD_MULTI_SEGS
 * get 1: payload is copied into the header mbuf. */
#define HS_TX_MAX_SEGS  8
/* Most mbufs of one TSO frame (header + payload views), before the
 * port's own limit; and its payload: 64 KB less the largest headers. */
#define HS_TSO_MAX_SEGS 64
#define HS_TSO_MAX_LEN  (65535u - 20u - 60u)
#define HS_PORT_NONE    UINT16_MAX

/* Interface configuration: shared, read-only after start-up. */
struct hs_netif {
	uint16_t port_id;
	uint16_t mtu; /* IP MTU, 1500 by default */
	struct rte_ether_addr mac;
	uint32_t ip;   /* network byte order */
	uint32_t mask; /* network byte order */
	uint32_t gw;   /* network byte order, 0 = none */
};

struct hs_lcore;
struct hs_impair;
struct hs_impair_cfg;
/* Test hook: receives what the lcore would transmit, as a port's TX
 * ring would: takes (consumes) the first k of pkts and returns k; the
 * rest stay the lcore's (its TX backlog). */
typedef uint16_t (*hs_tx_sink_fn)(struct hs_lcore *lc, struct rte_mbuf **pkts,
				  uint16_t n);

/* TX backlog: frames the port's TX ring refused wait here, in order, and
 * go first at the next flush, as a qdisc holds what a full device queue
 * cannot take, instead of being lost (and resent by TCP a round trip
 * later).  TCP sends no new data while the backlog is above
 * HS_TXQ_HIGH (hs_lcore_tx_room) and the lcore wakes the connections
 * that waited once it is down to HS_TXQ_LOW (hs_tcp_txwait_wake); ACKs
 * and control segments always go in.  A frame is dropped
 * (drop_tx_full) only when the backlog itself is full. */
#define HS_TXQ_SIZE 1024u /* a power of 2 */
#define HS_TXQ_HIGH (HS_TXQ_SIZE / 2)
#define HS_TXQ_LOW  (HS_TXQ_SIZE / 4)

struct hs_lcore {
	/* hot, read every packet */
	uint64_t now_us; /* monotonic clock, updated per poll */
	const struct hs_netif *ifp;
	struct rte_mempool *pool;
	uint16_t port_id; /* HS_PORT_NONE in unit tests */
	uint16_t queue_id;
	uint16_t ntx;
	uint8_t tx_max_segs;  /* 1..HS_TX_MAX_SEGS, set by hs_lcore_init */
	bool tx_csum_offload; /* the port computes IPv4 and TCP
	                               * checksums (hs_port_tx_csum) */
	bool tx_ext_ok;       /* frames may point into any process
	                               * memory (no DMA: software ports) */
	bool tx_copy; /* the port copies every frame with the CPU
	               * (memif, af_packet, af_xdp, tap, pcap): a segment's
	               * payload is copied into its header mbuf, not chained
	               * as views (hs_tcp_out.c) */
	/* TSO (hs_port_tso; hs_tcp_out.c): payload bytes one frame may
	 * carry, 0 = TSO off; the IPv4 datagram size of each segment the
	 * port cuts from it; the mbufs one frame, and one cut segment
	 * (header included), may span (tx_desc_lim nb_seg_max and
	 * nb_mtu_seg_max). */
	uint32_t tso_max;
	uint16_t tso_l3_max;
	uint8_t tso_max_segs, tso_mtu_segs;
	/* Data room of a packet mbuf less the headroom: what a frame's
	 * header mbuf holds.  tx_max_segs of them bound our MSS below an
	 * MTU the mbufs cannot hold (hs_tcp_our_mss: --mtu 9000 with 2 KiB
	 * mbufs on a port taking one segment per frame); hs_tcp_out.c
	 * copies a payload into the header mbuf when it fits there. */
	uint16_t tx_mbuf_room;
	/* The port's TCP checksum offload sums each mbuf of a chain on its
	 * own (net_tap in DPDK 22.11): right only when every mbuf but the
	 * last holds an even number of the segment's bytes (hs_tcp_out.c
	 * sums other chains itself and cuts TSO frames to suit). */
	bool tx_csum_even;
	/* net_memif port (hs_port_memif.c): bursts only while port_open,
	 * which closes when hs_port_memif_gen moves (seen as port_gen) and
	 * opens again once this lcore has seen the link up */
	bool port_gated;
	bool port_open;
	uint32_t port_gen;
	unsigned int lcore_id;
	uint16_t slot; /* registry slot, fixed while registered:
	                               * index of per-lcore tables (hs_lcore_slot) */
	struct rte_mbuf *tx[HS_TX_BURST];
	uint32_t txq_head, txq_n; /* TX backlog: txq[head .. head + n) */
	struct rte_mbuf *txq[HS_TXQ_SIZE];
	hs_tx_sink_fn tx_sink; /* used when port_id == HS_PORT_NONE */
	void *tx_sink_arg;
	struct hs_impair *impair; /* NULL: no impairment (the default) */
	/* software flow steering (hs_lcore_steer_init): 0 = off, else the
	 * number of polling lcores a TCP flow is spread over by its hash */
	uint16_t steer_n;
	struct rte_ring *steer; /* inbox: frames other lcores steered here */
	/* a file descriptor that becomes readable when the port queue has
	 * a frame (net_hs_packet: its socket), -1 if none: an idle lcore
	 * waits on it (hs_lcore_idle_wait) */
	int rx_fd;
	/* several lcores: an eventfd other lcores write when they hand this
	 * one frames or ARP news while it waits (sleeping != 0), -1 if none
	 * (hs_lcore_kick) */
	int wake_fd;
	uint32_t sleeping;

	/* control plane (hs_lcore_ctl_bump): the application's callback,
	 * run at the top of the next iteration after a bump */
	uint64_t ctl_seen;
	void (*ctl_fn)(struct hs_lcore *lc);
	/* single lcore: the main lcore's own duties (signals, reloads,
	 * reclamation), run between iterations every HS_TICK_US */
	void (*tick_fn)(void);
	uint64_t tick_next_us;

	struct hs_stats stats;
	struct hs_arp_table arp;
	struct hs_tcp_lcore tcp;
} __rte_cache_aligned;

/* Initialise a context (zeroes it, sets up ARP and TCP tables).
 * max_conns: TCP connection table size. Returns 0 or -ENOMEM. */
int hs_lcore_init(struct hs_lcore *lc, const struct hs_netif *ifp,
		  struct rte_mempool *pool, uint16_t port_id, uint16_t queue_id,
		  uint32_t max_conns);
/* Release everything the context holds (connections, queued mbufs). */
void hs_lcore_fini(struct hs_lcore *lc);

/* Impair this lcore's traffic as cfg says (hs_impair.h); call after
 * hs_lcore_init, on the lcore's own NUMA socket.  Does nothing when cfg
 * configures no impairment.  Returns 0 or -ENOMEM.  hs_lcore_fini frees
 * the frames it still holds. */
int hs_lcore_impair(struct hs_lcore *lc, const struct hs_impair_cfg *cfg,
		    int socket);

/* Software flow steering, for ports that spread flows over several
 * queues without a hash of their own on the 4-tuple (net_af_packet's
 * PACKET_FANOUT_HASH uses the sender's skb hash, which for a local
 * socket is a random per-socket value that Linux re-rolls after a
 * retransmission timeout; net_tap).  The owner of a TCP/IPv4 frame is
 * a keyed hash of (addresses, ports) scaled to [0, n), symmetric in the
 * two directions, its key random per process; a frame
 * received by another lcore is passed to its owner's inbox (an rte_ring of
 * mbufs, multi-producer, single-consumer: ownership of the mbuf moves
 * with it) and processed by the owner at the top of its next iteration.
 * Other frames (ARP, ICMP) are processed where they land.  Counters:
 * steer_tx, steer_rx, drop_steer_full.  Ports with RSS offload (symmetric
 * Toeplitz, hs_port.c) need none of this.
 * Call on the lcore, after hs_lcore_init, for each of the n lcores polling
 * queues 0..n-1 (lc->queue_id), before any of their loops starts.
 * Returns 0 or -ENOMEM.  hs_lcore_fini frees what the inbox holds. */
int hs_lcore_steer_init(struct hs_lcore *lc, uint16_t n, int socket);
/* lc just queued something for peer (steering inbox, ARP inbox): if peer
 * waits on its port's descriptor (net_hs_packet, hs_lcore_idle_wait),
 * wake it through its eventfd (counted in lc's loop_kicks).  A fence and
 * a load when it is busy; a write(2) only when it sleeps. */
void hs_lcore_kick(struct hs_lcore *lc, struct hs_lcore *peer);
/* The lcore index (queue) owning frame m among n, or -1 for a frame
 * that is not TCP/IPv4 (processed where it lands).  Does not consume m. */
int hs_lcore_steer_owner(const struct rte_mbuf *m, uint16_t n);
/* Replace the steering key (a random one when key is NULL).  Only before
 * any loop starts: every lcore must see the same key.  For tests. */
void hs_lcore_steer_set_key(const uint64_t key[2]);

/* A received Ethernet frame: handed to its owner (steering on) or to
 * the stack here (hs_eth_input).  Consumes m. */
void hs_lcore_input(struct hs_lcore *lc, struct rte_mbuf *m);

/* Queue a fully built Ethernet frame for transmission.  Consumes m. */
static inline void hs_lcore_tx(struct hs_lcore *lc, struct rte_mbuf *m);
/* Transmit everything queued (or hand it to tx_sink). */
void hs_lcore_flush(struct hs_lcore *lc);

/* Refresh lc->now_us from the TSC. */
void hs_lcore_clock(struct hs_lcore *lc);

/* One poll iteration: rx burst, input, timers, flush.  Returns the number
 * of packets received (0 = idle iteration). */
unsigned int hs_lcore_poll_once(struct hs_lcore *lc);

/* The loop itself (rte_eal_remote_launch entry).  Runs until
 * hs_lcore_stop() is called. arg is a struct hs_lcore *. */
int hs_lcore_loop(void *arg);
void hs_lcore_stop(void);
/* True once hs_lcore_stop() was called (the main lcore waits on it). */
bool hs_lcore_stopping(void);
/* Idle back-off: sleep this many microseconds after a run of empty polls
 * (0 = pure busy polling, the default). */
void hs_lcore_set_idle_sleep(unsigned int us);
unsigned int hs_lcore_get_idle_sleep(void);

/* Control plane -> polling lcores.  The main lcore calls
 * hs_lcore_ctl_bump() after publishing new shared state (hs_rcu.h) or
 * starting a drain; each lcore notices at the top of its next iteration
 * (one load of a read-mostly word) and calls its ctl_fn. */
void hs_lcore_ctl_bump(void);
/* Graceful shutdown requested (SIGTERM): async-signal-safe. */
void hs_lcore_drain_start(void);
bool hs_lcore_draining(void);
#define HS_TICK_US 10000u

/* Registry of running lcore contexts, for telemetry and reports.
 * hs_lcores[0..hs_nb_lcores) is compacted when an lcore leaves (the last
 * one takes its place): a position there is not an lcore's identity.
 * Tables of per-lcore state are indexed by hs_lcore_slot() instead. */
#define HS_MAX_LCORES    128
#define HS_LCORE_NO_SLOT UINT16_MAX
extern struct hs_lcore *hs_lcores[HS_MAX_LCORES];
extern unsigned int hs_nb_lcores;

/* lc's slot in [0, HS_MAX_LCORES): taken by hs_lcore_init, the lowest
 * free one, unchanged until hs_lcore_fini gives it back (then it may go
 * to an lcore initialised later).  -ENOENT when lc is not registered. */
static inline int
hs_lcore_slot(const struct hs_lcore *lc)
{
	return lc->slot < HS_MAX_LCORES ? (int)lc->slot : -ENOENT;
}

/* For the layers above (http/hs_server.c): the lcore's counters, its
 * mbuf pool, whether its frames may reference any process memory
 * (hs_tcp_send_ext's by-reference sends: software ports, no DMA), and
 * the control-plane callback (hs_lcore_ctl_bump; NULL: none). */
static inline struct hs_stats *
hs_lcore_stats(struct hs_lcore *lc)
{
	return &lc->stats;
}

static inline struct rte_mempool *
hs_lcore_pool(const struct hs_lcore *lc)
{
	return lc->pool;
}

static inline bool
hs_lcore_tx_by_ref(const struct hs_lcore *lc)
{
	return lc->tx_ext_ok;
}

static inline void
hs_lcore_set_ctl(struct hs_lcore *lc, void (*fn)(struct hs_lcore *lc))
{
	lc->ctl_fn = fn;
}

/* May TCP send new data now?  Not while the TX backlog is above
 * HS_TXQ_HIGH: the port is not keeping up (hs_lcore.h, HS_TXQ_SIZE). */
static inline bool
hs_lcore_tx_room(const struct hs_lcore *lc)
{
	return lc->txq_n < HS_TXQ_HIGH;
}

static inline void
hs_lcore_tx(struct hs_lcore *lc, struct rte_mbuf *m)
{
	if (HS_UNLIKELY(lc->ntx == HS_TX_BURST))
		hs_lcore_flush(lc);
	lc->tx[lc->ntx++] = m;
}

#endif
