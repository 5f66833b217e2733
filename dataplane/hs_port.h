/* SPDX-License-Identifier: BSD-3-Clause
 * hs_port.h - DPDK port set-up for httpsd.
 */
#ifndef HS_PORT_H
#define HS_PORT_H

/* Descriptors per RX / TX queue (before the driver's adjustment). */
#define HS_PORT_RX_DESC 1024
#define HS_PORT_TX_DESC 1024

#include <stddef.h>
#include <stdint.h>
#include <rte_ether.h>
#include <stdbool.h>

#include <rte_mempool.h>

/* Configure and start port_id with nb_queues RX/TX queue pairs (RSS when
 * nb_queues > 1), all RX queues fed from pool.  Enables promiscuous mode
 * off, sets the MTU when the PMD supports it.  Returns 0 or a negative
 * code with a one-line reason in err; *mac gets the port's address. */
int hs_port_init(uint16_t port_id, uint16_t nb_queues, struct rte_mempool *pool,
		 uint16_t mtu, struct rte_ether_addr *mac, char *err,
		 size_t errlen);
void hs_port_fini(uint16_t port_id);
/* After hs_port_init: true when the port has several queues but no RSS
 * offload, so the lcores must keep each TCP flow on one of them in
 * software (hs_lcore_steer_init). */
bool hs_port_sw_steer(uint16_t port_id);
/* True when the port computes IPv4 and TCP checksums of frames that ask
 * (TX offloads enabled by hs_port_init). */
bool hs_port_tx_csum(uint16_t port_id);
/* True when the port segments TCP frames itself (TSO enabled by
 * hs_port_init, with the checksum offloads). */
bool hs_port_tso(uint16_t port_id);
/* "on", "off" (offered, not enabled: --tso off, or without the
 * checksum offloads or chains) or "not offered"; static strings. */
const char *hs_port_tso_state(uint16_t port_id);
/* Before hs_port_init: whether it may enable TSO on port_id where the
 * port offers it (default yes; --tso off says no). */
void hs_port_set_tso(uint16_t port_id, bool on);
/* The offloads hs_port_init enabled, as comma-separated DPDK names
 * ("ipv4_cksum,tcp_cksum,multi_segs"; "" for none).  0 or -ENODEV. */
int hs_port_offloads(uint16_t port_id, char *tx, char *rx, size_t len);
/* True when port_id is a net_af_xdp port. */
bool hs_port_is_af_xdp(uint16_t port_id);
/* The packet pool for port_id: rte_pktmbuf_pool_create(), except for
 * net_af_xdp, whose UMEM needs the objects packed in one memory chunk.
 * NULL with rte_errno set on failure. */
struct rte_mempool *hs_port_pool_create(uint16_t port_id, const char *name,
					unsigned int n, unsigned int cache,
					uint16_t data_room, int socket);
/* Pool mbufs the driver holds for the port's whole life and does not
 * return at close (net_af_xdp's fill ring; 0 for other drivers): the exit
 * report subtracts them from mbufs_in_use. */
unsigned int hs_port_mbufs_kept(uint16_t port_id);

/* net_memif (hs_port_memif.c): true when port_id is a net_memif port. */
bool hs_port_is_memif(uint16_t port_id);
/* hs_port_init calls it: from then on munmap() on the EAL interrupt thread
 * waits for the polling lcores to leave the port (the PMD unmaps its
 * rings there while a burst may still use them). */
void hs_port_memif_guard(uint16_t port_id);
/* Bumped (then two RCU grace periods waited for) before each such unmap:
 * an lcore that sees it move calls no burst function of a memif port
 * until it has seen the link up again.  Read with __atomic_load_n. */
extern uint32_t hs_port_memif_gen;

/* Driver name of net_hs_packet (hs_port_pkt.c: a packet socket with
 * virtio-net headers, TSO and checksum offload through the kernel), in
 * builds that have it (HS_HAVE_HS_PACKET). */
#if HS_HAVE_HS_PACKET
extern const char hs_port_pkt_driver[];
/* The socket of queue queue_id of a net_hs_packet port (readable when a
 * frame is in its RX ring), -1 for other ports. */
int hs_port_pkt_rx_fd(uint16_t port_id, uint16_t queue_id);
#endif

#endif
