/* SPDX-License-Identifier: BSD-3-Clause
 * hs_icmp.c - ICMP (RFC 792): echo replies only (RFC 1122 §3.2.2.6).
 */
#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "hs_lcore.h"
#include "hs_net.h"

#define HS_ICMP_TTL 64

/* One's-complement sum of len bytes of m from off, folded, as
 * rte_raw_cksum returns it (0xffff for a message with a valid checksum). */
static uint16_t
hs_icmp_sum(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint16_t sum = 0;

	if (rte_raw_cksum_mbuf(m, off, len, &sum) != 0)
		return 0;
	return sum;
}

/* Turn the echo request in m into its reply, in place, and send it.  The
 * reply carries exactly the data that arrived (RFC 792 "Echo").
 * Consumes m. */
static void
hs_icmp_echo_reply(struct hs_lcore *lc, struct rte_mbuf *m, uint32_t len)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_icmp_hdr *ic =
		(struct rte_icmp_hdr *)((uint8_t *)ip + m->l3_len);
	uint16_t sum;

	ip->dst_addr = ip->src_addr;
	ip->src_addr = lc->ifp->ip;
	ip->time_to_live = HS_ICMP_TTL;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_code = 0;
	ic->icmp_cksum = 0;
	sum = hs_icmp_sum(m, m->l3_len, len);
	ic->icmp_cksum = (uint16_t)~sum;
	lc->stats.tx_icmp++;
	hs_ipv4_output(lc, m); /* IP header checksum there */
}

/* Consumes m. */
void
hs_icmp_input(struct hs_lcore *lc, struct rte_mbuf *m)
{
	const struct rte_icmp_hdr *ic;
	uint32_t len;

	lc->stats.rx_icmp++;
	/* hs_ipv4_input trimmed the mbuf to the IP total length. */
	len = rte_pktmbuf_pkt_len(m) - m->l3_len;
	if (HS_UNLIKELY(len < sizeof(*ic) ||
			rte_pktmbuf_data_len(m) < m->l3_len + sizeof(*ic))) {
		lc->stats.drop_icmp_short++;
		goto drop;
	}
	/* RFC 792: checksum over the whole ICMP message. */
	if (HS_UNLIKELY(hs_icmp_sum(m, m->l3_len, len) != 0xffff)) {
		lc->stats.drop_icmp_csum++;
		goto drop;
	}
	ic = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, m->l3_len);
	if (ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || ic->icmp_code != 0) {
		lc->stats.drop_icmp_type++;
		goto drop;
	}
	hs_icmp_echo_reply(lc, m, len);
	return;
drop:
	rte_pktmbuf_free(m);
}
