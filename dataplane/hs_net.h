/* SPDX-License-Identifier: BSD-3-Clause
 * hs_net.h - Ethernet, IPv4 and ICMP entry points.
 *
 * Receive path: hs_eth_input -> hs_arp_input | hs_ipv4_input ->
 * hs_icmp_input | hs_tcp_input.  At each step the mbuf's data offset is
 * moved to the header of the next layer, except that L4 input functions
 * receive m with data at the IPv4 header and m->l3_len set (they need the
 * pseudo-header).  Every input function consumes m; every drop is counted.
 */
#ifndef HS_NET_H
#define HS_NET_H

#include <stdint.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

/* Counters (struct hs_stats, hs_stats.h). */
/* clang-format off */
#define HS_STATS_ETH(X) \
	X(drop_eth_short) X(drop_eth_type) X(drop_eth_dst) X(drop_eth_headroom)
/* clang-format on */

/* clang-format off */
#define HS_STATS_IPV4(X) \
	X(rx_ipv4) X(tx_ipv4) \
	X(drop_ip_short) X(drop_ip_version) X(drop_ip_hlen) X(drop_ip_len) \
	X(drop_ip_csum) X(drop_ip_frag) X(drop_ip_options) X(drop_ip_dst) \
	X(drop_ip_src) X(drop_ip_proto) X(drop_ip_noroute)
/* clang-format on */

/* clang-format off */
#define HS_STATS_ICMP(X) \
	X(rx_icmp) X(tx_icmp) X(drop_icmp_short) X(drop_icmp_csum) \
	X(drop_icmp_type)
/* clang-format on */

struct hs_lcore;

/* Frame as received from the port.  Consumes m. */
void hs_eth_input(struct hs_lcore *lc, struct rte_mbuf *m);

/* m's data at the IPv4 header.  Validates version, IHL, total length,
 * header checksum, destination (our address; broadcast dropped), drops and
 * counts fragments and packets with options.  Consumes m. */
void hs_ipv4_input(struct hs_lcore *lc, struct rte_mbuf *m);

/* Send an IPv4 packet whose header is fully built except the header
 * checksum (computed here).  m's data at the IPv4 header, at least
 * RTE_ETHER_HDR_LEN of headroom.  Chooses the next hop (on-link or the
 * gateway) and hands m to ARP.  Consumes m. */
void hs_ipv4_output(struct hs_lcore *lc, struct rte_mbuf *m);

#define HS_IPV4_TTL 64

/* Fill a 20-byte IPv4 header (no options) at ip. Addresses in network
 * order, len = total length in host order. Checksum left 0.  Inline: the
 * TCP harnesses that stand in for hs_ipv4_output use it too. */
static inline void
hs_ipv4_fill(struct rte_ipv4_hdr *ip, uint32_t src, uint32_t dst, uint8_t proto,
	     uint16_t len)
{
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(len);
	/* RFC 6864 §4.1: with DF set the ID is not used; 0 is fine. */
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = HS_IPV4_TTL;
	ip->next_proto_id = proto;
	ip->hdr_checksum = 0;
	ip->src_addr = src;
	ip->dst_addr = dst;
}

/* m's data at the IPv4 header, l3_len set.  Answers echo requests.
 * Consumes m. */
void hs_icmp_input(struct hs_lcore *lc, struct rte_mbuf *m);

#endif
