/* SPDX-License-Identifier: BSD-3-Clause
 * hs_ipv4.c - IPv4 (RFC 791, host requirements RFC 1122 §3.2.1) for one
 * address: validate, demux, route to the next hop.
 *
 * Checksums are computed in software unless the port offers offloads
 * (hs_port_init enables them; lc->tx_csum_offload, RX "good" flags).
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "hs_lcore.h"
#include "hs_net.h"


/* RFC 1122 §3.2.1.3: a source address must not be 0, broadcast,
 * multicast (class D), reserved (class E), loopback, our own address or
 * our subnet's directed broadcast. */
static bool
hs_ipv4_src_ok(const struct hs_netif *ifp, uint32_t src)
{
	uint32_t h = rte_be_to_cpu_32(src);

	if (h == 0 || (h >> 28) >= 0xe || (h >> 24) == 127)
		return false;
	if (src == ifp->ip)
		return false;
	if ((src & ifp->mask) == (ifp->ip & ifp->mask) &&
	    (src | ifp->mask) == UINT32_MAX)
		return false;
	return true;
}

/* Consumes m. */
void
hs_ipv4_input(struct hs_lcore *lc, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip;
	uint32_t hlen, tot, pkt_len;

	lc->stats.rx_ipv4++;
	if (HS_UNLIKELY(rte_pktmbuf_data_len(m) < sizeof(*ip))) {
		lc->stats.drop_ip_short++;
		goto drop;
	}
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	/* RFC 791 §3.1: version 4, IHL at least five 32-bit words. */
	if (HS_UNLIKELY((ip->version_ihl >> 4) != 4)) {
		lc->stats.drop_ip_version++;
		goto drop;
	}
	hlen = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if (HS_UNLIKELY(hlen < sizeof(*ip))) {
		lc->stats.drop_ip_hlen++;
		goto drop;
	}
	/* RFC 1122 §3.2.1.8 area: total length covers the header and fits in
	 * what arrived; anything beyond it is link-layer padding. */
	tot = rte_be_to_cpu_16(ip->total_length);
	pkt_len = rte_pktmbuf_pkt_len(m);
	if (HS_UNLIKELY(tot < hlen || tot > pkt_len)) {
		lc->stats.drop_ip_len++;
		goto drop;
	}
	if (HS_UNLIKELY(hlen > rte_pktmbuf_data_len(m))) {
		lc->stats.drop_ip_short++;
		goto drop;
	}
	/* RFC 1122 §3.2.1.2: silently discard on a bad header checksum
	 * (checked by the port when it says so, RX checksum offload). */
	if (HS_UNLIKELY((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
				RTE_MBUF_F_RX_IP_CKSUM_BAD ||
			((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) !=
				 RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
			 rte_raw_cksum(ip, hlen) != 0xffff))) {
		lc->stats.drop_ip_csum++;
		goto drop;
	}
	/* No reassembly (yet): fragments are dropped, counted. */
	if (HS_UNLIKELY(ip->fragment_offset &
			RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
				 RTE_IPV4_HDR_OFFSET_MASK))) {
		lc->stats.drop_ip_frag++;
		goto drop;
	}
	/* Options (RFC 791 §3.1) are not processed: drop. */
	if (HS_UNLIKELY(hlen != sizeof(*ip))) {
		lc->stats.drop_ip_options++;
		goto drop;
	}
	/* RFC 1122 §3.2.1.3: only our address (no broadcast service). */
	if (HS_UNLIKELY(ip->dst_addr != lc->ifp->ip)) {
		lc->stats.drop_ip_dst++;
		goto drop;
	}
	if (HS_UNLIKELY(!hs_ipv4_src_ok(lc->ifp, ip->src_addr))) {
		lc->stats.drop_ip_src++;
		goto drop;
	}
	if (pkt_len > tot && rte_pktmbuf_trim(m, pkt_len - tot) != 0) {
		/* Padding spread over several segments: not expected. */
		lc->stats.drop_ip_len++;
		goto drop;
	}
	m->l3_len = hlen;

	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		hs_tcp_input(lc, m);
		return;
	case IPPROTO_ICMP:
		hs_icmp_input(lc, m);
		return;
	default:
		/* RFC 1122 §3.2.2.1 would send protocol unreachable; we
		 * stay silent for now. */
		lc->stats.drop_ip_proto++;
		goto drop;
	}
drop:
	rte_pktmbuf_free(m);
}

/* Consumes m. */
void
hs_ipv4_output(struct hs_lcore *lc, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	const struct hs_netif *ifp = lc->ifp;
	uint32_t nh;

	if ((ip->dst_addr & ifp->mask) == (ifp->ip & ifp->mask)) {
		nh = ip->dst_addr; /* on-link */
	} else if (ifp->gw != 0) {
		nh = ifp->gw;
	} else {
		lc->stats.drop_ip_noroute++;
		rte_pktmbuf_free(m);
		return;
	}
	ip->hdr_checksum = 0;
	/* The port fills it in when the frame asks (TX checksum offload). */
	if (!(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM))
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	m->l3_len = rte_ipv4_hdr_len(ip);
	lc->stats.tx_ipv4++;
	hs_arp_output(lc, m, nh);
}
