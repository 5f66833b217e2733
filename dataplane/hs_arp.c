/* SPDX-License-Identifier: BSD-3-Clause
 * hs_arp.c - per-lcore ARP cache (RFC 826) for one IPv4 interface.
 *
 * The fixed table is set-associative: a hash of the IPv4 address picks a
 * set of HS_ARP_WAYS consecutive entries, searched linearly.  Deleting is
 * just marking an entry FREE (no tombstones).  When a set is full, the
 * resolved entry closest to expiry (the oldest learned) is evicted.
 */
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "hs_lcore.h"
#include "hs_arp.h"

#define HS_ARP_WAYS    8u
#define HS_ARP_SETS    (HS_ARP_ENTRIES / HS_ARP_WAYS)
#define HS_ARP_SCAN_US (10ull * 1000) /* timer granularity */

_Static_assert((HS_ARP_ENTRIES & (HS_ARP_ENTRIES - 1)) == 0,
	       "HS_ARP_ENTRIES must be a power of two");
_Static_assert(HS_ARP_ENTRIES % HS_ARP_WAYS == 0, "ways divide entries");

static inline struct hs_arp_entry *
hs_arp_set(struct hs_lcore *lc, uint32_t ip)
{
	/* Multiplicative hash (Knuth); addresses of one subnet differ in
	 * their low bits, which the multiplication spreads upwards. */
	uint32_t h = rte_be_to_cpu_32(ip) * 2654435761u;

	return &lc->arp.e[(h >> 16) % HS_ARP_SETS * HS_ARP_WAYS];
}

static struct hs_arp_entry *
hs_arp_lookup(struct hs_lcore *lc, uint32_t ip)
{
	struct hs_arp_entry *s = hs_arp_set(lc, ip);

	for (unsigned int i = 0; i < HS_ARP_WAYS; i++)
		if (s[i].state != HS_ARP_FREE && s[i].ip == ip)
			return &s[i];
	return NULL;
}

static void
hs_arp_entry_free(struct hs_lcore *lc, struct hs_arp_entry *e)
{
	for (unsigned int i = 0; i < e->nheld; i++) {
		rte_pktmbuf_free(e->held[i]);
		lc->stats.drop_arp_unresolved++;
	}
	memset(e, 0, sizeof(*e));
}

/* A free entry in ip's set; evicts the oldest resolved entry when the set
 * is full.  NULL when every entry of the set is still resolving. */
static struct hs_arp_entry *
hs_arp_alloc(struct hs_lcore *lc, uint32_t ip)
{
	struct hs_arp_entry *s = hs_arp_set(lc, ip), *victim = NULL;

	for (unsigned int i = 0; i < HS_ARP_WAYS; i++) {
		if (s[i].state == HS_ARP_FREE)
			return &s[i];
		if ((s[i].state == HS_ARP_RESOLVED ||
		     s[i].state == HS_ARP_PROBE) &&
		    (victim == NULL || s[i].expire_us < victim->expire_us))
			victim = &s[i];
	}
	if (victim != NULL) {
		lc->stats.arp_evicted++;
		hs_arp_entry_free(lc, victim);
	}
	return victim;
}

/* Prepend Ethernet to an IPv4 packet and queue it.  Consumes m. */
static void
hs_arp_send_ipv4(struct hs_lcore *lc, struct rte_mbuf *m,
		 const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eh;

	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	if (HS_UNLIKELY(eh == NULL)) {
		lc->stats.drop_eth_headroom++;
		rte_pktmbuf_free(m);
		return;
	}
	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(&lc->ifp->mac, &eh->src_addr);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	m->l2_len = RTE_ETHER_HDR_LEN;
	hs_lcore_tx(lc, m);
}

/* Fill Ethernet + ARP at the start of m's data (m holds >= 42 bytes). */
static void
hs_arp_fill(struct hs_lcore *lc, struct rte_mbuf *m, uint16_t op,
	    const struct rte_ether_addr *eth_dst,
	    const struct rte_ether_addr *tha, uint32_t sip, uint32_t tip)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);

	rte_ether_addr_copy(eth_dst, &eh->dst_addr);
	rte_ether_addr_copy(&lc->ifp->mac, &eh->src_addr);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = sizeof(uint32_t);
	ah->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(&lc->ifp->mac, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = sip;
	rte_ether_addr_copy(tha, &ah->arp_data.arp_tha);
	ah->arp_data.arp_tip = tip;
}

/* Broadcast a request for tip with sender address sip. */
static void
hs_arp_request(struct hs_lcore *lc, uint32_t sip, uint32_t tip)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
	};
	static const struct rte_ether_addr zero;
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);

	if (HS_UNLIKELY(m == NULL)) {
		lc->stats.drop_nombuf++;
		return;
	}
	if (rte_pktmbuf_append(m, RTE_ETHER_HDR_LEN +
					  sizeof(struct rte_arp_hdr)) == NULL) {
		lc->stats.drop_nombuf++;
		rte_pktmbuf_free(m);
		return;
	}
	hs_arp_fill(lc, m, RTE_ARP_OP_REQUEST, &bcast, &zero, sip, tip);
	lc->stats.tx_arp++;
	hs_lcore_tx(lc, m);
}

/* Record ip -> mac as reachable; releases the held packets, in order. */
static void
hs_arp_resolve(struct hs_lcore *lc, struct hs_arp_entry *e,
	       const struct rte_ether_addr *mac)
{
	unsigned int n = e->nheld;

	if (e->state != HS_ARP_RESOLVED && e->state != HS_ARP_PROBE)
		lc->stats.arp_learned++;
	rte_ether_addr_copy(mac, &e->mac);
	e->state = HS_ARP_RESOLVED;
	e->tries = 0;
	e->expire_us = lc->now_us + HS_ARP_TTL_US;
	e->nheld = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = e->held[i];

		e->held[i] = NULL;
		hs_arp_send_ipv4(lc, m, mac);
	}
}

/* Post a mapping learned from a packet to every other lcore's inbox.
 * The registry is fixed while the loops run; an lcore without an inbox
 * (single-lcore mode, unit tests) is skipped. */
static void
hs_arp_share(struct hs_lcore *lc, uint32_t ip, const struct rte_ether_addr *mac)
{
	unsigned int n = __atomic_load_n(&hs_nb_lcores, __ATOMIC_ACQUIRE);
	struct hs_arp_msg msg = { .ip = ip, .mac = *mac };

	if (lc->arp.inbox == NULL)
		return;
	for (unsigned int i = 0; i < n; i++) {
		struct hs_lcore *peer = hs_lcores[i];

		if (peer == NULL || peer == lc || peer->arp.inbox == NULL)
			continue;
		if (rte_ring_mp_enqueue_elem(peer->arp.inbox, &msg,
					     sizeof(msg)) == 0) {
			lc->stats.arp_peer_tx++;
			hs_lcore_kick(lc, peer);
		} else
			lc->stats.drop_arp_peer_full++;
	}
}

/* Senders we are willing to cache: on our subnet, not our address, not
 * the subnet's broadcast or network address, unicast hardware address. */
static bool
hs_arp_sender_ok(const struct hs_lcore *lc, uint32_t sip,
		 const struct rte_ether_addr *sha)
{
	const struct hs_netif *ifp = lc->ifp;

	if (!rte_is_unicast_ether_addr(sha) || rte_is_zero_ether_addr(sha))
		return false;
	if (sip == 0 || sip == ifp->ip ||
	    (sip & ifp->mask) != (ifp->ip & ifp->mask))
		return false;
	if ((sip | ifp->mask) == UINT32_MAX) /* directed broadcast */
		return false;
	return true;
}

/* Turn the request in m (data at the ARP header) into our reply, in place.
 * Consumes m. */
static void
hs_arp_reply(struct hs_lcore *lc, struct rte_mbuf *m, struct rte_arp_hdr *ah)
{
	struct rte_ether_addr sha = ah->arp_data.arp_sha;
	uint32_t sip = ah->arp_data.arp_sip;

	/* Drop the Ethernet padding, then put the Ethernet header back. */
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - sizeof(*ah));
	if (HS_UNLIKELY(rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN) == NULL)) {
		lc->stats.drop_eth_headroom++;
		rte_pktmbuf_free(m);
		return;
	}
	/* RFC 826: swap sender and target, fill in our addresses. */
	hs_arp_fill(lc, m, RTE_ARP_OP_REPLY, &sha, &sha, lc->ifp->ip, sip);
	lc->stats.tx_arp++;
	hs_lcore_tx(lc, m);
}

/* Consumes m. */
void
hs_arp_input(struct hs_lcore *lc, struct rte_mbuf *m)
{
	struct rte_arp_hdr *ah;
	struct hs_arp_entry *e;
	struct rte_ether_addr sha;
	uint32_t sip, tip;
	uint16_t op;
	bool merged = false;

	lc->stats.rx_arp++;
	if (HS_UNLIKELY(rte_pktmbuf_data_len(m) < sizeof(*ah)))
		goto bad;
	ah = rte_pktmbuf_mtod(m, struct rte_arp_hdr *);
	op = rte_be_to_cpu_16(ah->arp_opcode);
	/* RFC 826 "Packet Reception": hardware and protocol types/lengths
	 * must be ours; we know requests and replies only. */
	if (ah->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    ah->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    ah->arp_hlen != RTE_ETHER_ADDR_LEN || ah->arp_plen != 4 ||
	    (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY))
		goto bad;
	sha = ah->arp_data.arp_sha;
	sip = ah->arp_data.arp_sip;
	tip = ah->arp_data.arp_tip;
	if (!rte_is_unicast_ether_addr(&sha) || rte_is_zero_ether_addr(&sha))
		goto bad;

	/* RFC 826 merge: if the sender is already in the table, update it,
	 * whoever the packet is for. */
	if (sip != 0 && (e = hs_arp_lookup(lc, sip)) != NULL &&
	    hs_arp_sender_ok(lc, sip, &sha)) {
		hs_arp_resolve(lc, e, &sha);
		hs_arp_share(lc, sip, &sha);
		merged = true;
	}
	if (tip != lc->ifp->ip) {
		lc->stats.drop_arp_not_us++;
		goto drop;
	}
	/* RFC 826: we are the target; add the sender if not merged. */
	if (!merged && hs_arp_sender_ok(lc, sip, &sha)) {
		e = hs_arp_alloc(lc, sip);
		if (e != NULL) {
			e->ip = sip;
			hs_arp_resolve(lc, e, &sha);
			hs_arp_share(lc, sip, &sha);
		} else {
			lc->stats.drop_arp_table_full++;
		}
	}
	if (op == RTE_ARP_OP_REQUEST) {
		/* RFC 5227 probes (sender 0.0.0.0) are answered too. */
		hs_arp_reply(lc, m, ah);
		return;
	}
	goto drop;
bad:
	lc->stats.drop_arp_bad++;
drop:
	rte_pktmbuf_free(m);
}

/* Consumes m. */
void
hs_arp_output(struct hs_lcore *lc, struct rte_mbuf *m, uint32_t nh)
{
	struct hs_arp_entry *e = hs_arp_lookup(lc, nh);

	if (HS_LIKELY(e != NULL && e->state == HS_ARP_RESOLVED &&
		      e->expire_us > lc->now_us)) {
		hs_arp_send_ipv4(lc, m, &e->mac);
		return;
	}
	if (e != NULL &&
	    (e->state == HS_ARP_RESOLVED || e->state == HS_ARP_PROBE)) {
		/* Past its lifetime and still used: keep sending to the
		 * address we know while confirming it (RFC 1122 §2.3.2.1). */
		if (e->state == HS_ARP_RESOLVED) {
			e->state = HS_ARP_PROBE;
			e->tries = 1;
			e->expire_us = lc->now_us + HS_ARP_RETRY_US;
			lc->stats.arp_probe++;
			hs_arp_request(lc, lc->ifp->ip, nh);
		}
		hs_arp_send_ipv4(lc, m, &e->mac);
		return;
	}
	if (e != NULL && e->state == HS_ARP_PENDING) {
		/* Hold it; when full, the oldest goes. */
		if (e->nheld == HS_ARP_HOLD) {
			rte_pktmbuf_free(e->held[0]);
			memmove(&e->held[0], &e->held[1],
				(HS_ARP_HOLD - 1) * sizeof(e->held[0]));
			e->nheld--;
			lc->stats.drop_arp_replaced++;
		}
		e->held[e->nheld++] = m;
		return;
	}
	if (e == NULL) {
		e = hs_arp_alloc(lc, nh);
		if (e == NULL) {
			lc->stats.drop_arp_table_full++;
			lc->stats.drop_arp_unresolved++;
			rte_pktmbuf_free(m);
			return;
		}
	}
	/* New, or resolved but past its lifetime: resolve (again). */
	e->ip = nh;
	e->state = HS_ARP_PENDING;
	e->tries = 1;
	e->expire_us = lc->now_us + HS_ARP_RETRY_US;
	e->held[0] = m;
	e->nheld = 1;
	hs_arp_request(lc, lc->ifp->ip, nh);
}

void
hs_arp_timer(struct hs_lcore *lc)
{
	uint64_t now = lc->now_us;

	lc->arp.next_scan_us = now + HS_ARP_SCAN_US;
	for (unsigned int i = 0; i < HS_ARP_ENTRIES; i++) {
		struct hs_arp_entry *e = &lc->arp.e[i];

		if (e->state == HS_ARP_FREE || e->expire_us > now)
			continue;
		if (e->state == HS_ARP_RESOLVED) {
			/* stale: kept a while for a packet to use (and
			 * confirm), gone if none did (Linux: gc_stale_time) */
			if (e->expire_us + HS_ARP_STALE_US > now)
				continue;
			lc->stats.arp_expired++;
			hs_arp_entry_free(lc, e);
		} else if (e->tries >= HS_ARP_MAX_TRIES) {
			if (e->state == HS_ARP_PROBE)
				lc->stats.arp_expired++;
			hs_arp_entry_free(lc, e); /* counts held drops */
		} else {
			e->tries++;
			e->expire_us = now + HS_ARP_RETRY_US;
			hs_arp_request(lc, lc->ifp->ip, e->ip);
		}
	}
}

void
hs_arp_fini(struct hs_lcore *lc)
{
	for (unsigned int i = 0; i < HS_ARP_ENTRIES; i++) {
		struct hs_arp_entry *e = &lc->arp.e[i];

		for (unsigned int j = 0; j < e->nheld; j++)
			rte_pktmbuf_free(e->held[j]);
		memset(e, 0, sizeof(*e));
	}
	rte_ring_free(lc->arp.inbox); /* NULL-safe */
	lc->arp.inbox = NULL;
}

int
hs_arp_peers_init(struct hs_lcore *lc, int socket)
{
	char name[RTE_RING_NAMESIZE];

	if (lc->arp.inbox != NULL)
		return 0;
	snprintf(name, sizeof(name), "hs_arp_%u_%p", lc->lcore_id, (void *)lc);
	lc->arp.inbox =
		rte_ring_create_elem(name, sizeof(struct hs_arp_msg),
				     HS_ARP_INBOX_SIZE, socket, RING_F_SC_DEQ);
	return lc->arp.inbox == NULL ? -ENOMEM : 0;
}

/* Merge one mapping another lcore learned from an ARP packet it saw.
 * Like the RFC 826 merge step, plus insertion: the other lcore verified
 * the packet was for us (or merged an entry it already had). */
static void
hs_arp_peer_merge(struct hs_lcore *lc, const struct hs_arp_msg *msg)
{
	struct hs_arp_entry *e;

	if (!hs_arp_sender_ok(lc, msg->ip, &msg->mac))
		return;
	e = hs_arp_lookup(lc, msg->ip);
	if (e == NULL) {
		e = hs_arp_alloc(lc, msg->ip);
		if (e == NULL) {
			lc->stats.drop_arp_table_full++;
			return;
		}
		e->ip = msg->ip;
	}
	hs_arp_resolve(lc, e, &msg->mac); /* sends a held packet */
}

unsigned int
hs_arp_peers_drain(struct hs_lcore *lc)
{
	struct hs_arp_msg msgs[32];
	unsigned int n, total = 0;

	if (lc->arp.inbox == NULL)
		return 0;
	do {
		n = rte_ring_sc_dequeue_burst_elem(lc->arp.inbox, msgs,
						   sizeof(msgs[0]),
						   HS_ARRAY_SIZE(msgs), NULL);
		for (unsigned int i = 0; i < n; i++)
			hs_arp_peer_merge(lc, &msgs[i]);
		total += n;
	} while (n == HS_ARRAY_SIZE(msgs));
	lc->stats.arp_peer_rx += total;
	return total;
}

void
hs_arp_announce(struct hs_lcore *lc)
{
	/* RFC 5227 §3: sender and target protocol address both ours. */
	hs_arp_request(lc, lc->ifp->ip, lc->ifp->ip);
	hs_lcore_flush(lc);
}
