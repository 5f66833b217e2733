/* SPDX-License-Identifier: BSD-3-Clause
 * hs_eth.c - Ethernet II receive: length, destination filter, demux.
 */
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "hs_lcore.h"
#include "hs_net.h"

/* Frames must be addressed to us (unicast) or to everyone (ARP requests).
 * Multicast is not joined by this stack: dropped. */
static inline bool
hs_eth_dst_ok(const struct hs_lcore *lc, const struct rte_ether_addr *dst)
{
	return rte_is_same_ether_addr(dst, &lc->ifp->mac) ||
	       rte_is_broadcast_ether_addr(dst);
}

/* Consumes m. */
void
hs_eth_input(struct hs_lcore *lc, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;
	uint16_t type;

	/* Headers are read from the first segment only. */
	if (HS_UNLIKELY(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN)) {
		lc->stats.drop_eth_short++;
		goto drop;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (HS_UNLIKELY(!hs_eth_dst_ok(lc, &eh->dst_addr))) {
		lc->stats.drop_eth_dst++;
		goto drop;
	}
	type = eh->ether_type;
	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	m->l2_len = RTE_ETHER_HDR_LEN;

	switch (type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		hs_ipv4_input(lc, m);
		return;
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		hs_arp_input(lc, m);
		return;
	default:
		/* VLAN tags, IPv6, LLDP, ...: not ours. */
		lc->stats.drop_eth_type++;
		goto drop;
	}
drop:
	rte_pktmbuf_free(m);
}
