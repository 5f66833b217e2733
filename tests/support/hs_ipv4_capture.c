/* SPDX-License-Identifier: BSD-3-Clause
 * hs_ipv4_capture.c - see hs_ipv4_capture.h.
 */
#include "hs_ipv4_capture.h"

#include <string.h>

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

struct rte_mbuf *
hs_cap_chain(struct rte_mempool *pool, const uint8_t *frame, uint32_t len,
	     uint16_t piece)
{
	struct rte_mbuf *head = NULL;

	for (uint32_t off = 0; off < len; off += piece) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint16_t k = (uint16_t)HS_MIN((uint32_t)piece, len - off);

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		if (head == NULL)
			m->data_off = (uint16_t)((m->buf_len - k) & ~7u);
		memcpy(rte_pktmbuf_append(m, k), frame + off, k);
		if (head == NULL) {
			head = m;
		} else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
	}
	return head;
}
