/* SPDX-License-Identifier: BSD-3-Clause
 * hs_ipv4_capture.h - reading what TCP sent, for tests that replace the
 * IPv4 layer with their own hs_ipv4_output(), and building frames as a
 * port chains them (tests/support).
 *
 * A test's stand-in hands each frame to hs_cap_read(), which reads the
 * IPv4 + TCP headers and payload through a flat copy (data segments are
 * chains: a header mbuf plus views of the send queue) and checks the TCP
 * checksum over the pseudo-header.  The stand-in then records what it
 * needs and frees (or holds) the mbuf: hs_cap_read does not consume m.
 */
#ifndef HS_IPV4_CAPTURE_H
#define HS_IPV4_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

struct hs_cap_seg {
	const struct rte_ipv4_hdr *ip; /* into the flat copy */
	const struct rte_tcp_hdr *th;
	const uint8_t *data; /* payload */
	uint32_t thl;        /* TCP header length, options included */
	uint32_t dlen;       /* payload length */
	bool cksum_ok;       /* TCP checksum verifies */
};

/* Read frame m (IPv4 at data offset 0).  The pointers stay valid until
 * the next call.  Does not consume m. */
void hs_cap_read(const struct rte_mbuf *m, struct hs_cap_seg *seg);

/* Bytes [0, len) of a frame as a chain of mbufs from pool holding at most
 * piece bytes each, as a port hands in a frame longer than one mbuf (an
 * MTU above the mbufs' room).  The first mbuf's data ends at the end of
 * its buffer (8-byte aligned, as a port aligns it), so the stack cannot
 * linearize the chain in place.  piece must hold the headers the stack
 * reads from the first mbuf.  NULL when the pool is empty or the chain
 * would pass the mbuf segment limit (nothing leaked). */
struct rte_mbuf *hs_cap_chain(struct rte_mempool *pool, const uint8_t *frame,
			      uint32_t len, uint16_t piece);

#endif
