/* SPDX-License-Identifier: BSD-3-Clause
 * hs_ipv4_capture.c - see hs_ipv4_capture.h.
 */
#include "hs_ipv4_capture.h"

#include "hs_common.h"

static bool
cksum_ok(const struct rte_ipv4_hdr *ip, const void *l4)
{
	uint32_t sum = rte_ipv4_phdr_cksum(ip, 0);

	sum += rte_raw_cksum(l4, rte_be_to_cpu_16(ip->total_length) - 20);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

void
hs_cap_read(const struct rte_mbuf *m, struct hs_cap_seg *seg)
{
	static uint8_t flat[65536]; /* an IPv4 datagram at most */
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_read(
		m, 0, HS_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)sizeof(flat)),
		flat);
	const struct rte_tcp_hdr *th = (const void *)(ip + 1);

	seg->ip = ip;
	seg->th = th;
	seg->thl = (th->data_off >> 4) * 4u;
	seg->data = (const uint8_t *)th + seg->thl;
	seg->dlen = rte_be_to_cpu_16(ip->total_length) - 20 - seg->thl;
	seg->cksum_ok = cksum_ok(ip, th);
}
