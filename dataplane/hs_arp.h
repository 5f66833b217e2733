/* SPDX-License-Identifier: BSD-3-Clause
 * hs_arp.h - per-lcore ARP cache (RFC 826): answer requests for our
 * address, learn senders, resolve next hops, expire entries.
 *
 * Resolution holds up to HS_ARP_HOLD packets per unresolved next hop
 * (Linux: unres_qlen), so a client opening many connections at once to
 * one address loses none of its SYNs; beyond that the oldest is dropped
 * (drop_arp_replaced).  Requests are retried every HS_ARP_RETRY_US up to
 * HS_ARP_MAX_TRIES, then the held packets are dropped
 * (drop_arp_unresolved, one per packet).
 *
 * An entry past its lifetime (HS_ARP_TTL_US) that is still used is not
 * dropped: packets keep going to the address it knows while it is
 * confirmed (HS_ARP_PROBE: requests every HS_ARP_RETRY_US, at most
 * HS_ARP_MAX_TRIES, then the entry goes; RFC 1122 §2.3.2.1, Linux's
 * STALE/PROBE states), so the gateway's entry expiring on a busy server
 * costs no packet (arp_probe counts the confirmations started).  An
 * entry unused for HS_ARP_STALE_US after its lifetime goes (arp_expired).
 *
 * Several lcores: each lcore keeps its own table (no locks on the packet
 * path), but an ARP reply or request lands on whichever lcore the NIC's
 * RSS hash (or af_packet's fanout hash) picks, not necessarily the one
 * that asked.  So the lcore that processes an ARP packet answers it,
 * updates its own cache and posts the learned (ip, mac) to every other
 * lcore's inbox: one rte_ring per lcore (multi-producer enqueue,
 * single-consumer dequeue, fixed 12-byte elements, no allocation).  Each
 * lcore drains its inbox at the start of every poll iteration
 * (hs_arp_peers_drain) and merges the entries like an ARP packet of its
 * own: a pending entry becomes resolved and its held packet is sent, from
 * the lcore that held it.  Inbox messages are never forwarded again.  A
 * full inbox drops the update (drop_arp_peer_full); the receiving lcore
 * then resolves by itself with its next request.
 */
#ifndef HS_ARP_H
#define HS_ARP_H

#include <stdint.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

/* Counters (struct hs_stats, hs_stats.h). */
/* clang-format off */
#define HS_STATS_ARP(X) \
	X(rx_arp) X(tx_arp) X(arp_learned) X(arp_expired) \
	X(drop_arp_bad) X(drop_arp_not_us) X(drop_arp_unresolved) \
	X(drop_arp_replaced) X(arp_evicted) X(drop_arp_table_full) \
	X(arp_peer_tx) X(arp_peer_rx) X(drop_arp_peer_full) X(arp_probe)
/* clang-format on */

#define HS_ARP_ENTRIES   256                /* power of two */
#define HS_ARP_TTL_US    (300ull * 1000000) /* reachable lifetime */
#define HS_ARP_RETRY_US  (1000ull * 1000)
#define HS_ARP_MAX_TRIES 3
#define HS_ARP_HOLD      8 /* packets held per unresolved next hop */
#define HS_ARP_STALE_US  (60ull * 1000000) /* unused past TTL: then freed */

/* PROBE: resolved, past its lifetime, in use: packets still go to mac
 * while requests confirm it. */
enum hs_arp_state {
	HS_ARP_FREE = 0,
	HS_ARP_PENDING,
	HS_ARP_RESOLVED,
	HS_ARP_PROBE
};

struct hs_arp_entry {
	uint32_t ip;   /* network byte order */
	uint8_t state; /* enum hs_arp_state */
	uint8_t tries;
	uint8_t nheld; /* PENDING: packets in held[], oldest first */
	struct rte_ether_addr mac;
	uint64_t expire_us; /* RESOLVED: expiry; PENDING, PROBE: next retry */
	struct rte_mbuf *held[HS_ARP_HOLD];
};

struct rte_ring;

struct hs_arp_table {
	struct hs_arp_entry e[HS_ARP_ENTRIES];
	uint64_t next_scan_us;
	struct rte_ring *inbox; /* updates from other lcores, or NULL */
};

/* One (ip, mac) update posted between lcores. */
struct hs_arp_msg {
	uint32_t ip; /* network byte order */
	struct rte_ether_addr mac;
	uint16_t pad;
};

#define HS_ARP_INBOX_SIZE 1024 /* power of two */

struct hs_lcore;

/* m's data starts at the ARP header (Ethernet header stripped).
 * Consumes m. */
void hs_arp_input(struct hs_lcore *lc, struct rte_mbuf *m);

/* Send a frame to next hop nh (network order).  m's data starts at the
 * IPv4 header; room for the Ethernet header must be in its headroom.
 * Prepends Ethernet, queues for TX or holds m while resolving.
 * Consumes m. */
void hs_arp_output(struct hs_lcore *lc, struct rte_mbuf *m, uint32_t nh);

/* Retries and expiry; called from the poll loop. */
void hs_arp_timer(struct hs_lcore *lc);

/* Free held packets and the inbox. */
void hs_arp_fini(struct hs_lcore *lc);

/* Create lc's inbox on NUMA node socket (called on the lcore itself,
 * before the loops start, only when there are several polling lcores).
 * Returns 0 or a negative code. */
int hs_arp_peers_init(struct hs_lcore *lc, int socket);

/* Merge the updates other lcores posted to lc's inbox; releases held
 * packets of entries that become resolved.  Returns the number merged. */
unsigned int hs_arp_peers_drain(struct hs_lcore *lc);

/* Gratuitous ARP (RFC 5227 §3 announcement) for lc->ifp->ip, sent when a
 * port comes up so neighbours refresh stale caches.  Flushes TX. */
void hs_arp_announce(struct hs_lcore *lc);

#endif
