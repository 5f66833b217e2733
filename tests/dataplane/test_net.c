/* SPDX-License-Identifier: BSD-3-Clause
 * test_net.c - Ethernet, ARP, IPv4, ICMP, the lcore TX path and counters,
 * driven frame by frame through hs_eth_input with a capturing tx_sink.
 *
 * TCP is faked here (lib_hs_net only): hs_tcp_input records what IPv4
 * delivers to it.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_tcp.h>

#include "hs_cksum.h"
#include "hs_impair.h"
#include "hs_lcore.h"
#include "hs_net.h"
#include "hs_stats.h"

#include "hs_check.h"

#define POOL_SIZE 2047

static struct rte_mempool *pool;
static struct hs_netif ifp;
static struct hs_lcore lc;

static const struct rte_ether_addr our_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 0x02 } };
static const struct rte_ether_addr peer_mac2 = { { 0x02, 0, 0, 0, 0, 0x22 } };
static const struct rte_ether_addr gw_mac = { { 0x02, 0, 0, 0, 0, 0xfe } };
static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff,
					       0xff } };
static const struct rte_ether_addr zero_mac;

static uint32_t
ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

/* ---- fakes for the TCP module ----------------------------------------- */
static unsigned int tcp_in_calls, tcp_timer_calls, tcp_init_calls,
	tcp_fini_calls;
static uint32_t tcp_in_len, tcp_in_l3_len, tcp_in_src;
static uint8_t tcp_in_first;
static struct hs_lcore *tcp_in_lc; /* the lcore of the last call */

void
hs_tcp_input(struct hs_lcore *l, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

	tcp_in_calls++;
	tcp_in_lc = l;
	tcp_in_first = ip->version_ihl;
	tcp_in_l3_len = m->l3_len;
	tcp_in_len = rte_pktmbuf_pkt_len(m);
	tcp_in_src = ip->src_addr;
	rte_pktmbuf_free(m);
}

void
hs_tcp_timer_run(struct hs_lcore *l)
{
	tcp_timer_calls++;
}
static unsigned int tcp_wake_calls;
static uint32_t tcp_wake_txq_n; /* the backlog at the last wake */
void
hs_tcp_txwait_wake(struct hs_lcore *l)
{
	tcp_wake_calls++;
	tcp_wake_txq_n = l->txq_n;
	l->tcp.txwait = NULL; /* the fake conn sent what it held */
}
int
hs_tcp_lcore_init(struct hs_lcore *l, uint32_t max_conns)
{
	tcp_init_calls++;
	return max_conns == 0 ? -ENOMEM : 0;
}
void
hs_tcp_lcore_fini(struct hs_lcore *l)
{
	tcp_fini_calls++;
}

/* ---- capture --------------------------------------------------------- */
#define CAP_MAX 256
static struct rte_mbuf *cap[CAP_MAX];
static unsigned int cap_n, cap_total;

static uint16_t
sink(struct hs_lcore *l, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		cap_total++;
		if (cap_n < CAP_MAX)
			cap[cap_n++] = pkts[i];
		else
			rte_pktmbuf_free(pkts[i]);
	}
	return n;
}

static void
cap_clear(void)
{
	for (unsigned int i = 0; i < cap_n; i++)
		rte_pktmbuf_free(cap[i]);
	cap_n = 0;
}

static const struct rte_ether_hdr *
cap_eth(unsigned int i)
{
	return rte_pktmbuf_mtod(cap[i], const struct rte_ether_hdr *);
}

static const struct rte_arp_hdr *
cap_arp(unsigned int i)
{
	return (const struct rte_arp_hdr *)(cap_eth(i) + 1);
}

static const struct rte_ipv4_hdr *
cap_ip(unsigned int i)
{
	return (const struct rte_ipv4_hdr *)(cap_eth(i) + 1);
}

/* ---- frame builders -------------------------------------------------- */
static struct rte_mbuf *
mk_frame(const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	 uint16_t type, const void *payload, uint16_t len, uint16_t pad_to)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint16_t flen = RTE_ETHER_HDR_LEN + len;
	struct rte_ether_hdr *eh;

	if (m == NULL)
		abort();
	if (flen < pad_to)
		flen = pad_to;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, flen);
	memset(eh, 0, flen);
	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(src, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(type);
	memcpy(eh + 1, payload, len);
	return m;
}

static struct rte_mbuf *
mk_arp(const struct rte_ether_addr *edst, uint16_t op,
       const struct rte_ether_addr *sha, uint32_t sip,
       const struct rte_ether_addr *tha, uint32_t tip)
{
	struct rte_arp_hdr a = {
		.arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER),
		.arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4),
		.arp_hlen = 6,
		.arp_plen = 4,
		.arp_opcode = rte_cpu_to_be_16(op),
	};

	a.arp_data.arp_sha = *sha;
	a.arp_data.arp_sip = sip;
	a.arp_data.arp_tha = *tha;
	a.arp_data.arp_tip = tip;
	/* Ethernet minimum frame: 60 bytes without FCS, ARP gets padded. */
	return mk_frame(edst, sha, RTE_ETHER_TYPE_ARP, &a, sizeof(a), 60);
}

static void
ip_fix_csum(struct rte_ipv4_hdr *ip)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* An IPv4 packet as a byte buffer (header + payload), checksum valid. */
static uint16_t
mk_ip_buf(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto,
	  const void *payload, uint16_t plen)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	hs_ipv4_fill(ip, src, dst, proto, (uint16_t)(sizeof(*ip) + plen));
	memcpy(ip + 1, payload, plen);
	ip_fix_csum(ip);
	return (uint16_t)(sizeof(*ip) + plen);
}

static struct rte_mbuf *
mk_ip_frame(const uint8_t *buf, uint16_t len)
{
	return mk_frame(&our_mac, &peer_mac, RTE_ETHER_TYPE_IPV4, buf, len, 60);
}

/* An IPv4 packet ready for hs_ipv4_output (data at the IP header). */
static struct rte_mbuf *
mk_out(uint32_t dst, uint16_t id)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ipv4_hdr *ip;
	uint8_t payload[20] = { 0 };

	if (m == NULL)
		abort();
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(
		m, sizeof(*ip) + sizeof(payload));
	hs_ipv4_fill(ip, ifp.ip, dst, IPPROTO_TCP,
		     sizeof(*ip) + sizeof(payload));
	ip->packet_id = rte_cpu_to_be_16(id);
	memcpy(ip + 1, payload, sizeof(payload));
	return m;
}

static void
rx(struct rte_mbuf *m)
{
	hs_eth_input(&lc, m);
	hs_lcore_flush(&lc);
}

static struct hs_arp_entry *
arp_find(uint32_t ip)
{
	for (unsigned int i = 0; i < HS_ARP_ENTRIES; i++)
		if (lc.arp.e[i].state != HS_ARP_FREE && lc.arp.e[i].ip == ip)
			return &lc.arp.e[i];
	return NULL;
}

static bool
is_arp_request_for(unsigned int i, uint32_t tip)
{
	const struct rte_arp_hdr *a = cap_arp(i);

	return rte_is_broadcast_ether_addr(&cap_eth(i)->dst_addr) &&
	       rte_is_same_ether_addr(&cap_eth(i)->src_addr, &our_mac) &&
	       cap_eth(i)->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP) &&
	       a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) &&
	       a->arp_hardware == RTE_BE16(RTE_ARP_HRD_ETHER) &&
	       a->arp_protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	       a->arp_hlen == 6 && a->arp_plen == 4 &&
	       rte_is_same_ether_addr(&a->arp_data.arp_sha, &our_mac) &&
	       a->arp_data.arp_sip == ifp.ip && a->arp_data.arp_tip == tip;
}

static bool
is_ipv4_to(unsigned int i, const struct rte_ether_addr *mac, uint32_t dst)
{
	const struct rte_ipv4_hdr *ip = cap_ip(i);

	return rte_is_same_ether_addr(&cap_eth(i)->dst_addr, mac) &&
	       rte_is_same_ether_addr(&cap_eth(i)->src_addr, &our_mac) &&
	       cap_eth(i)->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	       ip->dst_addr == dst && rte_raw_cksum(ip, sizeof(*ip)) == 0xffff;
}

/* ---- tests ----------------------------------------------------------- */
static void
test_eth(void)
{
	static const struct rte_ether_addr mcast = { { 0x01, 0x00, 0x5e, 0, 0,
						       1 } };
	static const struct rte_ether_addr other = { { 0x02, 0, 0, 0, 0,
						       0x99 } };
	uint8_t buf[64];
	uint16_t len = mk_ip_buf(buf, ip4("198.18.0.2"), ifp.ip, IPPROTO_TCP,
				 "01234567890123456789", 20);
	uint64_t before = lc.stats.drop_eth_dst;
	struct rte_mbuf *m;

	rx(mk_frame(&mcast, &peer_mac, RTE_ETHER_TYPE_IPV4, buf, len, 60));
	CHECK(lc.stats.drop_eth_dst == before + 1);
	rx(mk_frame(&other, &peer_mac, RTE_ETHER_TYPE_IPV4, buf, len, 60));
	CHECK(lc.stats.drop_eth_dst == before + 2);

	rx(mk_frame(&our_mac, &peer_mac, RTE_ETHER_TYPE_VLAN, buf, len, 60));
	rx(mk_frame(&our_mac, &peer_mac, RTE_ETHER_TYPE_IPV6, buf, len, 60));
	CHECK(lc.stats.drop_eth_type == 2);

	m = rte_pktmbuf_alloc(pool);
	memset(rte_pktmbuf_append(m, 10), 0xff, 10);
	rx(m);
	CHECK(lc.stats.drop_eth_short == 1);
	CHECK(tcp_in_calls == 0);
	CHECK(cap_n == 0);
}

static void
test_arp_answer(void)
{
	uint32_t peer = ip4("198.18.0.2");
	const struct rte_arp_hdr *a;
	struct hs_arp_entry *e;

	rx(mk_arp(&bcast, RTE_ARP_OP_REQUEST, &peer_mac, peer, &zero_mac,
		  ifp.ip));
	CHECK(cap_n == 1);
	if (cap_n != 1)
		return;
	a = cap_arp(0);
	CHECK(rte_pktmbuf_pkt_len(cap[0]) == RTE_ETHER_HDR_LEN + sizeof(*a));
	CHECK(rte_is_same_ether_addr(&cap_eth(0)->dst_addr, &peer_mac));
	CHECK(rte_is_same_ether_addr(&cap_eth(0)->src_addr, &our_mac));
	CHECK(cap_eth(0)->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP));
	CHECK(a->arp_hardware == RTE_BE16(RTE_ARP_HRD_ETHER));
	CHECK(a->arp_protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4));
	CHECK(a->arp_hlen == 6 && a->arp_plen == 4);
	CHECK(a->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY));
	CHECK(rte_is_same_ether_addr(&a->arp_data.arp_sha, &our_mac));
	CHECK(a->arp_data.arp_sip == ifp.ip);
	CHECK(rte_is_same_ether_addr(&a->arp_data.arp_tha, &peer_mac));
	CHECK(a->arp_data.arp_tip == peer);
	cap_clear();
	CHECK(lc.stats.tx_arp == 1 && lc.stats.rx_arp == 1);

	/* RFC 826: the requester was learned (we were the target). */
	e = arp_find(peer);
	CHECK(e != NULL && e->state == HS_ARP_RESOLVED &&
	      rte_is_same_ether_addr(&e->mac, &peer_mac));
	CHECK(lc.stats.arp_learned == 1);
	/* ... so output to it goes straight out, no request. */
	hs_ipv4_output(&lc, mk_out(peer, 1));
	hs_lcore_flush(&lc);
	CHECK(cap_n == 1 && is_ipv4_to(0, &peer_mac, peer));
	cap_clear();
}

static void
test_arp_not_us_and_bad(void)
{
	uint32_t p3 = ip4("198.18.0.3"), p4 = ip4("198.18.0.4");
	struct rte_mbuf *m;
	struct rte_arp_hdr *a;

	/* A request for another host: no answer, sender not learned. */
	rx(mk_arp(&bcast, RTE_ARP_OP_REQUEST, &peer_mac2, p3, &zero_mac, p4));
	CHECK(lc.stats.drop_arp_not_us == 1);
	CHECK(cap_n == 0);
	CHECK(arp_find(p3) == NULL);

	/* Malformed: each field validated on its own. */
	static const struct {
		int field;
		uint16_t val;
	} bad[] = {
		{ 0, 6 },      /* htype IEEE 802 */
		{ 1, 0x86dd }, /* ptype IPv6 */
		{ 2, 8 },      /* hlen */
		{ 3, 16 },     /* plen */
		{ 4, 3 },      /* op RARP request */
	};
	for (unsigned int i = 0; i < HS_ARRAY_SIZE(bad); i++) {
		uint64_t before = lc.stats.drop_arp_bad;

		m = mk_arp(&bcast, RTE_ARP_OP_REQUEST, &peer_mac2, p3,
			   &zero_mac, ifp.ip);
		a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *,
					    RTE_ETHER_HDR_LEN);
		switch (bad[i].field) {
		case 0:
			a->arp_hardware = rte_cpu_to_be_16(bad[i].val);
			break;
		case 1:
			a->arp_protocol = rte_cpu_to_be_16(bad[i].val);
			break;
		case 2:
			a->arp_hlen = (uint8_t)bad[i].val;
			break;
		case 3:
			a->arp_plen = (uint8_t)bad[i].val;
			break;
		case 4:
			a->arp_opcode = rte_cpu_to_be_16(bad[i].val);
			break;
		}
		rx(m);
		CHECK(lc.stats.drop_arp_bad == before + 1);
	}
	/* Truncated ARP (Ethernet header + 20 bytes). */
	{
		uint8_t junk[20] = { 0 };
		uint64_t before = lc.stats.drop_arp_bad;

		m = mk_frame(&bcast, &peer_mac2, RTE_ETHER_TYPE_ARP, junk,
			     sizeof(junk), 0);
		rx(m);
		CHECK(lc.stats.drop_arp_bad == before + 1);
	}
	/* Multicast sender hardware address. */
	{
		static const struct rte_ether_addr mc = { { 0x01, 0, 0x5e, 0, 0,
							    9 } };
		uint64_t before = lc.stats.drop_arp_bad;

		rx(mk_arp(&bcast, RTE_ARP_OP_REQUEST, &mc, p3, &zero_mac,
			  ifp.ip));
		CHECK(lc.stats.drop_arp_bad == before + 1);
	}
	CHECK(cap_n == 0);
	CHECK(arp_find(p3) == NULL);

	/* Merge rule: a gratuitous ARP from a cached host (not aimed at us)
	 * updates its entry. */
	{
		uint32_t peer = ip4("198.18.0.2");
		struct hs_arp_entry *e;

		rx(mk_arp(&bcast, RTE_ARP_OP_REQUEST, &peer_mac2, peer,
			  &zero_mac, peer));
		e = arp_find(peer);
		CHECK(e != NULL && rte_is_same_ether_addr(&e->mac, &peer_mac2));
		CHECK(cap_n == 0);
		/* and back */
		rx(mk_arp(&bcast, RTE_ARP_OP_REPLY, &peer_mac, peer, &bcast,
			  peer));
		CHECK(e != NULL && rte_is_same_ether_addr(&e->mac, &peer_mac));
		/* A sender off our subnet is never learned. */
		rx(mk_arp(&bcast, RTE_ARP_OP_REQUEST, &peer_mac2,
			  ip4("10.1.2.3"), &zero_mac, ifp.ip));
		CHECK(arp_find(ip4("10.1.2.3")) == NULL);
		cap_clear(); /* it was still answered */
	}
}

static void
test_arp_resolve(void)
{
	uint32_t p5 = ip4("198.18.0.5");
	static const struct rte_ether_addr p5_mac = { { 0x02, 0, 0, 0, 0,
							0x05 } };
	unsigned int avail = rte_mempool_avail_count(pool);

	hs_ipv4_output(&lc, mk_out(p5, 55));
	hs_lcore_flush(&lc);
	CHECK(cap_n == 1 && is_arp_request_for(0, p5));
	CHECK(rte_is_zero_ether_addr(&cap_arp(0)->arp_data.arp_tha));
	cap_clear();
	CHECK(arp_find(p5) != NULL && arp_find(p5)->state == HS_ARP_PENDING);
	CHECK(rte_mempool_avail_count(pool) == avail - 1); /* held */

	/* The reply releases the held packet towards the right MAC. */
	rx(mk_arp(&our_mac, RTE_ARP_OP_REPLY, &p5_mac, p5, &our_mac, ifp.ip));
	CHECK(cap_n == 1);
	if (cap_n == 1) {
		CHECK(is_ipv4_to(0, &p5_mac, p5));
		CHECK(cap_ip(0)->packet_id == rte_cpu_to_be_16(55));
		CHECK(rte_pktmbuf_pkt_len(cap[0]) == RTE_ETHER_HDR_LEN + 40);
	}
	cap_clear();
	CHECK(rte_mempool_avail_count(pool) == avail);
	CHECK(arp_find(p5)->state == HS_ARP_RESOLVED);
}

static void
test_arp_retry_giveup(void)
{
	uint32_t p6 = ip4("198.18.0.6");
	unsigned int avail = rte_mempool_avail_count(pool);
	unsigned int requests = 0;
	uint64_t unres = lc.stats.drop_arp_unresolved;

	hs_ipv4_output(&lc, mk_out(p6, 1));
	hs_lcore_flush(&lc);
	requests += cap_n == 1 && is_arp_request_for(0, p6);
	cap_clear();
	/* Before the retry interval: nothing. */
	lc.now_us += HS_ARP_RETRY_US / 2;
	hs_arp_timer(&lc);
	hs_lcore_flush(&lc);
	CHECK(cap_n == 0);
	for (int i = 0; i < HS_ARP_MAX_TRIES + 1; i++) {
		lc.now_us += HS_ARP_RETRY_US;
		hs_arp_timer(&lc);
		hs_lcore_flush(&lc);
		for (unsigned int j = 0; j < cap_n; j++)
			requests += is_arp_request_for(j, p6);
		cap_clear();
	}
	CHECK(requests == HS_ARP_MAX_TRIES);
	CHECK(lc.stats.drop_arp_unresolved == unres + 1);
	CHECK(arp_find(p6) == NULL);
	CHECK(rte_mempool_avail_count(pool) == avail);
}

/* Up to HS_ARP_HOLD packets wait for one resolution (a client's burst
 * of SYNs to one address); one request goes out; the reply releases them
 * in order; beyond the limit the oldest is dropped. */
static void
test_arp_replace(void)
{
	uint32_t p7 = ip4("198.18.0.7");
	static const struct rte_ether_addr p7_mac = { { 0x02, 0, 0, 0, 0,
							0x07 } };
	unsigned int avail = rte_mempool_avail_count(pool);

	for (int i = 1; i <= HS_ARP_HOLD + 2; i++)
		hs_ipv4_output(&lc, mk_out(p7, (uint16_t)i));
	hs_lcore_flush(&lc);
	CHECK(lc.stats.drop_arp_replaced == 2);
	CHECK(cap_n == 1 && is_arp_request_for(0, p7)); /* one request only */
	cap_clear();
	CHECK(rte_mempool_avail_count(pool) == avail - HS_ARP_HOLD);

	rx(mk_arp(&our_mac, RTE_ARP_OP_REPLY, &p7_mac, p7, &our_mac, ifp.ip));
	CHECK(cap_n == HS_ARP_HOLD);
	for (unsigned int i = 0; i < cap_n; i++) /* 3.., in order */
		CHECK(is_ipv4_to(i, &p7_mac, p7) &&
		      cap_ip(i)->packet_id == rte_cpu_to_be_16(i + 3));
	cap_clear();
	CHECK(rte_mempool_avail_count(pool) == avail);
}

/* An entry past its lifetime: used, it keeps sending to the address it
 * knows while a request confirms it (no packet held or lost); a reply
 * renews it; unanswered, it goes after HS_ARP_MAX_TRIES requests.
 * Unused, it goes HS_ARP_STALE_US after its lifetime. */
static void
test_arp_expiry(void)
{
	uint32_t peer = ip4("198.18.0.2");
	uint64_t expired = lc.stats.arp_expired, probes = lc.stats.arp_probe;
	unsigned int avail = rte_mempool_avail_count(pool), requests = 0;
	struct hs_arp_entry *e = arp_find(peer);

	CHECK(e != NULL && e->state == HS_ARP_RESOLVED);
	lc.now_us += HS_ARP_TTL_US + 1;
	hs_arp_timer(&lc);
	CHECK(arp_find(peer) != NULL); /* stale, not gone */
	hs_ipv4_output(&lc, mk_out(peer, 3));
	hs_lcore_flush(&lc);
	/* the packet to the known address, and a request */
	CHECK(cap_n == 2);
	for (unsigned int i = 0; i < cap_n; i++)
		CHECK(is_ipv4_to(i, &peer_mac, peer) ||
		      is_arp_request_for(i, peer));
	cap_clear();
	CHECK(lc.stats.arp_probe == probes + 1);
	CHECK(arp_find(peer)->state == HS_ARP_PROBE);
	hs_ipv4_output(&lc, mk_out(peer, 4)); /* no second request */
	hs_lcore_flush(&lc);
	CHECK(cap_n == 1 && is_ipv4_to(0, &peer_mac, peer));
	cap_clear();
	/* the reply renews it */
	rx(mk_arp(&our_mac, RTE_ARP_OP_REPLY, &peer_mac, peer, &our_mac,
		  ifp.ip));
	CHECK(arp_find(peer)->state == HS_ARP_RESOLVED);
	CHECK(cap_n == 0);

	/* again past its lifetime, used, and never answered */
	lc.now_us += HS_ARP_TTL_US + 1;
	hs_ipv4_output(&lc, mk_out(peer, 5));
	hs_lcore_flush(&lc);
	for (unsigned int i = 0; i < cap_n; i++)
		requests += is_arp_request_for(i, peer);
	cap_clear();
	for (int i = 0; i < HS_ARP_MAX_TRIES + 1; i++) {
		lc.now_us += HS_ARP_RETRY_US;
		hs_arp_timer(&lc);
		hs_lcore_flush(&lc);
		for (unsigned int j = 0; j < cap_n; j++)
			requests += is_arp_request_for(j, peer);
		cap_clear();
	}
	CHECK(requests == HS_ARP_MAX_TRIES);
	CHECK(arp_find(peer) == NULL);
	CHECK(lc.stats.arp_expired >= expired + 1);
	CHECK(rte_mempool_avail_count(pool) == avail);

	/* unused after its lifetime: gone once stale long enough */
	rx(mk_arp(&our_mac, RTE_ARP_OP_REQUEST, &peer_mac, peer, &zero_mac,
		  ifp.ip)); /* learned from its request */
	cap_clear();
	CHECK(arp_find(peer) != NULL);
	lc.now_us += HS_ARP_TTL_US + 1;
	hs_arp_timer(&lc);
	CHECK(arp_find(peer) != NULL);
	lc.now_us += HS_ARP_STALE_US;
	hs_arp_timer(&lc);
	CHECK(arp_find(peer) == NULL);

	/* resolve again for later tests */
	hs_ipv4_output(&lc, mk_out(peer, 6));
	hs_lcore_flush(&lc);
	CHECK(cap_n == 1 && is_arp_request_for(0, peer));
	cap_clear();
	rx(mk_arp(&our_mac, RTE_ARP_OP_REPLY, &peer_mac, peer, &our_mac,
		  ifp.ip));
	CHECK(cap_n == 1 && is_ipv4_to(0, &peer_mac, peer));
	cap_clear();
}

static void
test_offlink(void)
{
	uint32_t far = ip4("203.0.113.9");
	struct hs_netif nogw = ifp;

	hs_ipv4_output(&lc, mk_out(far, 9));
	hs_lcore_flush(&lc);
	CHECK(cap_n == 1 && is_arp_request_for(0, ifp.gw));
	cap_clear();
	CHECK(arp_find(far) == NULL);
	rx(mk_arp(&our_mac, RTE_ARP_OP_REPLY, &gw_mac, ifp.gw, &our_mac,
		  ifp.ip));
	/* IP destination unchanged, Ethernet destination the gateway. */
	CHECK(cap_n == 1 && is_ipv4_to(0, &gw_mac, far));
	cap_clear();

	/* Without a gateway: no route. */
	nogw.gw = 0;
	lc.ifp = &nogw;
	hs_ipv4_output(&lc, mk_out(far, 10));
	lc.ifp = &ifp;
	hs_lcore_flush(&lc);
	CHECK(cap_n == 0);
	CHECK(lc.stats.drop_ip_noroute == 1);
}

/* Build a valid TCP-carrying frame from the peer, let mutate() break it,
 * and check that exactly *counter moved and TCP saw nothing. */
static void
ip_case(const char *name, void (*mutate)(uint8_t *buf, uint16_t *len),
	const uint64_t *counter)
{
	uint8_t buf[128];
	uint16_t len = mk_ip_buf(buf, ip4("198.18.0.2"), ifp.ip, IPPROTO_TCP,
				 "abcdefghijabcdefghij", 20);
	uint64_t before = *counter;
	unsigned int tcp_before = tcp_in_calls;
	uint64_t ip_drops_before = 0, ip_drops_after = 0;
	struct hs_stats *s = &lc.stats;

#define IPDROPS                                                    \
	(s->drop_ip_short + s->drop_ip_version + s->drop_ip_hlen + \
	 s->drop_ip_len + s->drop_ip_csum + s->drop_ip_frag +      \
	 s->drop_ip_options + s->drop_ip_dst + s->drop_ip_src +    \
	 s->drop_ip_proto)
	ip_drops_before = IPDROPS;
	mutate(buf, &len);
	rx(mk_frame(&our_mac, &peer_mac, RTE_ETHER_TYPE_IPV4, buf, len, 0));
	ip_drops_after = IPDROPS;
	if (*counter != before + 1 || ip_drops_after != ip_drops_before + 1)
		fprintf(stderr, "ip case %s\n", name);
	CHECK(*counter == before + 1);
	CHECK(ip_drops_after == ip_drops_before + 1);
	CHECK(tcp_in_calls == tcp_before);
	CHECK(cap_n == 0);
#undef IPDROPS
}

#define IPH(b) ((struct rte_ipv4_hdr *)(b))
static void
m_version(uint8_t *b, uint16_t *l)
{
	IPH(b)->version_ihl = 0x65;
	ip_fix_csum(IPH(b));
}
static void
m_ihl(uint8_t *b, uint16_t *l)
{
	IPH(b)->version_ihl = 0x44;
	IPH(b)->hdr_checksum = 0;
	IPH(b)->hdr_checksum = (uint16_t)~rte_raw_cksum(b, 16);
}
static void
m_csum(uint8_t *b, uint16_t *l)
{
	IPH(b)->hdr_checksum ^= 0x0101;
}
static void
m_totlen(uint8_t *b, uint16_t *l)
{
	IPH(b)->total_length = rte_cpu_to_be_16(*l + 1);
	ip_fix_csum(IPH(b));
}
static void
m_totlen_small(uint8_t *b, uint16_t *l)
{
	IPH(b)->total_length = rte_cpu_to_be_16(12);
	ip_fix_csum(IPH(b));
}
static void
m_mf(uint8_t *b, uint16_t *l)
{
	IPH(b)->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	ip_fix_csum(IPH(b));
}
static void
m_off(uint8_t *b, uint16_t *l)
{
	IPH(b)->fragment_offset = rte_cpu_to_be_16(185);
	ip_fix_csum(IPH(b));
}
static void
m_options(uint8_t *b, uint16_t *l)
{
	/* Insert 4 bytes of NOP options after the fixed header. */
	memmove(b + 24, b + 20, *l - 20);
	memset(b + 20, 1, 4);
	*l += 4;
	IPH(b)->version_ihl = 0x46;
	IPH(b)->total_length = rte_cpu_to_be_16(*l);
	ip_fix_csum(IPH(b));
}
static void
m_dst(uint8_t *b, uint16_t *l)
{
	IPH(b)->dst_addr = ip4("198.18.0.9");
	ip_fix_csum(IPH(b));
}
static void
m_dst_bcast(uint8_t *b, uint16_t *l)
{
	IPH(b)->dst_addr = ip4("198.18.0.255");
	ip_fix_csum(IPH(b));
}
static void
m_src_bcast(uint8_t *b, uint16_t *l)
{
	IPH(b)->src_addr = ip4("255.255.255.255");
	ip_fix_csum(IPH(b));
}
static void
m_src_zero(uint8_t *b, uint16_t *l)
{
	IPH(b)->src_addr = 0;
	ip_fix_csum(IPH(b));
}
static void
m_src_mcast(uint8_t *b, uint16_t *l)
{
	IPH(b)->src_addr = ip4("224.0.0.5");
	ip_fix_csum(IPH(b));
}
static void
m_src_loop(uint8_t *b, uint16_t *l)
{
	IPH(b)->src_addr = ip4("127.0.0.1");
	ip_fix_csum(IPH(b));
}
static void
m_src_self(uint8_t *b, uint16_t *l)
{
	IPH(b)->src_addr = ifp.ip;
	ip_fix_csum(IPH(b));
}
static void
m_src_subnet_bcast(uint8_t *b, uint16_t *l)
{
	IPH(b)->src_addr = ip4("198.18.0.255");
	ip_fix_csum(IPH(b));
}
static void
m_proto(uint8_t *b, uint16_t *l)
{
	IPH(b)->next_proto_id = IPPROTO_UDP;
	ip_fix_csum(IPH(b));
}
static void
m_short(uint8_t *b, uint16_t *l)
{
	*l = 16;
}

static void
test_ipv4_input(void)
{
	struct hs_stats *s = &lc.stats;
	uint8_t buf[64];
	uint16_t len;

	ip_case("version", m_version, &s->drop_ip_version);
	ip_case("ihl", m_ihl, &s->drop_ip_hlen);
	ip_case("csum", m_csum, &s->drop_ip_csum);
	ip_case("totlen>frame", m_totlen, &s->drop_ip_len);
	ip_case("totlen<hlen", m_totlen_small, &s->drop_ip_len);
	ip_case("mf", m_mf, &s->drop_ip_frag);
	ip_case("offset", m_off, &s->drop_ip_frag);
	ip_case("options", m_options, &s->drop_ip_options);
	ip_case("dst", m_dst, &s->drop_ip_dst);
	ip_case("dst bcast", m_dst_bcast, &s->drop_ip_dst);
	ip_case("src bcast", m_src_bcast, &s->drop_ip_src);
	ip_case("src zero", m_src_zero, &s->drop_ip_src);
	ip_case("src mcast", m_src_mcast, &s->drop_ip_src);
	ip_case("src loopback", m_src_loop, &s->drop_ip_src);
	ip_case("src self", m_src_self, &s->drop_ip_src);
	ip_case("src subnet bcast", m_src_subnet_bcast, &s->drop_ip_src);
	ip_case("proto", m_proto, &s->drop_ip_proto);
	ip_case("short", m_short, &s->drop_ip_short);
	CHECK(s->drop_ip_frag == 2 && s->drop_ip_src == 6);

	/* Valid TCP, padded by Ethernet to 60 bytes: trimmed to the IP total
	 * length, delivered with data at the IP header and l3_len set. */
	len = mk_ip_buf(buf, ip4("198.18.0.2"), ifp.ip, IPPROTO_TCP,
			"0123456789", 10);
	CHECK(len == 30);
	tcp_in_calls = 0;
	rx(mk_frame(&our_mac, &peer_mac, RTE_ETHER_TYPE_IPV4, buf, len, 60));
	CHECK(tcp_in_calls == 1);
	CHECK(tcp_in_first == 0x45);
	CHECK(tcp_in_l3_len == 20);
	CHECK(tcp_in_len == 30);
	CHECK(tcp_in_src == ip4("198.18.0.2"));
	/* Broadcast Ethernet destination with our IP is accepted too. */
	rx(mk_frame(&bcast, &peer_mac, RTE_ETHER_TYPE_IPV4, buf, len, 60));
	CHECK(tcp_in_calls == 2);
	CHECK(s->rx_ipv4 >= 20);
}

static uint16_t
icmp_csum(uint8_t *p, uint16_t len)
{
	return (uint16_t)~rte_raw_cksum(p, len);
}

static void
test_icmp(void)
{
	uint32_t peer = ip4("198.18.0.2");
	uint8_t msg[8 + 56], buf[128];
	uint16_t len, mlen;
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)msg;

	for (int round = 0; round < 2; round++) {
		/* round 0: 4 bytes of data (frame padded to 60, the reply
		 * must not carry the padding); round 1: ping's 56. */
		mlen = round == 0 ? 8 + 4 : sizeof(msg);
		memset(msg, 0, sizeof(msg));
		for (unsigned int i = 8; i < mlen; i++)
			msg[i] = (uint8_t)(i * 7 + round);
		ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
		ic->icmp_ident = rte_cpu_to_be_16(0x1234);
		ic->icmp_seq_nb = rte_cpu_to_be_16(7 + round);
		ic->icmp_cksum = icmp_csum(msg, mlen);
		len = mk_ip_buf(buf, peer, ifp.ip, IPPROTO_ICMP, msg, mlen);
		rx(mk_frame(&our_mac, &peer_mac, RTE_ETHER_TYPE_IPV4, buf, len,
			    60));
		CHECK(cap_n == 1);
		if (cap_n != 1)
			return;
		{
			const struct rte_ipv4_hdr *ip = cap_ip(0);
			const uint8_t *r = (const uint8_t *)(ip + 1);
			const struct rte_icmp_hdr *ric =
				(const struct rte_icmp_hdr *)r;

			CHECK(is_ipv4_to(0, &peer_mac, peer));
			CHECK(ip->src_addr == ifp.ip);
			CHECK(ip->next_proto_id == IPPROTO_ICMP);
			CHECK(rte_be_to_cpu_16(ip->total_length) == 20 + mlen);
			CHECK(rte_pktmbuf_pkt_len(cap[0]) ==
			      RTE_ETHER_HDR_LEN + 20u + mlen);
			CHECK(ric->icmp_type == RTE_IP_ICMP_ECHO_REPLY);
			CHECK(ric->icmp_code == 0);
			CHECK(ric->icmp_ident == rte_cpu_to_be_16(0x1234));
			CHECK(ric->icmp_seq_nb == rte_cpu_to_be_16(7 + round));
			CHECK(rte_raw_cksum(r, mlen) == 0xffff);
			CHECK(memcmp(r + 8, msg + 8, mlen - 8) == 0);
		}
		cap_clear();
	}
	CHECK(lc.stats.tx_icmp == 2 && lc.stats.rx_icmp == 2);

	/* Bad checksum. */
	ic->icmp_cksum ^= 0x1000;
	len = mk_ip_buf(buf, peer, ifp.ip, IPPROTO_ICMP, msg, sizeof(msg));
	rx(mk_ip_frame(buf, len));
	CHECK(lc.stats.drop_icmp_csum == 1);
	/* Other types (timestamp request). */
	ic->icmp_type = 13;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = icmp_csum(msg, sizeof(msg));
	len = mk_ip_buf(buf, peer, ifp.ip, IPPROTO_ICMP, msg, sizeof(msg));
	rx(mk_ip_frame(buf, len));
	CHECK(lc.stats.drop_icmp_type == 1);
	/* Too short for an ICMP header. */
	len = mk_ip_buf(buf, peer, ifp.ip, IPPROTO_ICMP, msg, 4);
	rx(mk_ip_frame(buf, len));
	CHECK(lc.stats.drop_icmp_short == 1);
	CHECK(cap_n == 0);
	CHECK(lc.stats.tx_icmp == 2);
}

static void
test_announce(void)
{
	const struct rte_arp_hdr *a;

	hs_arp_announce(&lc);
	CHECK(cap_n == 1);
	if (cap_n != 1)
		return;
	a = cap_arp(0);
	CHECK(is_arp_request_for(0, ifp.ip));
	CHECK(a->arp_data.arp_sip == ifp.ip);
	cap_clear();
}

static void
test_poll_and_stats(void)
{
	struct hs_stats sum;
	uint64_t iter = lc.stats.loop_iter, t0;
	unsigned int timers = tcp_timer_calls;
	char *text = NULL;
	size_t textlen = 0;
	FILE *f;

	/* Poll without a port: an idle iteration that runs the timers. */
	CHECK(hs_lcore_poll_once(&lc) == 0);
	CHECK(lc.stats.loop_iter == iter + 1);
	CHECK(tcp_timer_calls == timers + 1);
	CHECK(lc.stats.loop_idle_cycles > 0);
	t0 = lc.now_us;
	hs_lcore_clock(&lc);
	CHECK(lc.now_us >= t0);

	/* TX accounting: every frame handed to the sink was counted. */
	CHECK(lc.stats.tx_pkts == cap_total);
	CHECK(lc.stats.tx_bytes > 0);

	hs_stats_sum(&sum);
	CHECK(hs_nb_lcores == 1 && hs_lcores[0] == &lc);
	CHECK(sum.drop_ip_csum == lc.stats.drop_ip_csum &&
	      sum.drop_ip_csum == 1);
	CHECK(sum.tx_arp == lc.stats.tx_arp && sum.tx_arp > 0);
	CHECK(strcmp(hs_stats_names[0], "rx_pkts") == 0);
	CHECK(strcmp(hs_stats_names[HS_STATS_COUNT - 1], "loop_kicks") == 0);

	f = open_memstream(&text, &textlen);
	hs_stats_print(f);
	fclose(f);
	CHECK(text != NULL && strstr(text, "drop_ip_csum 1\n") != NULL);
	CHECK(text != NULL && strstr(text, "drop_ip_frag 2\n") != NULL);
	/* zero counters are left out */
	CHECK(text != NULL && strstr(text, "drop_tx_full") == NULL);
	/* order as declared */
	CHECK(text != NULL &&
	      strstr(text, "tx_arp") < strstr(text, "drop_ip_csum"));
	free(text);
	CHECK(hs_stats_telemetry_init() == 0);
}

static void *
loop_thread(void *arg)
{
	return (void *)(intptr_t)hs_lcore_loop(arg);
}

static void
test_loop_stop(void)
{
	pthread_t th;
	void *rc = (void *)1;

	hs_lcore_set_idle_sleep(50);
	CHECK(pthread_create(&th, NULL, loop_thread, &lc) == 0);
	while (__atomic_load_n(&lc.stats.loop_iter, __ATOMIC_RELAXED) < 3000)
		usleep(1000);
	hs_lcore_stop();
	CHECK(pthread_join(th, &rc) == 0);
	CHECK(rc == NULL);
	CHECK(hs_lcore_stopping());
	/* The back-off slept, and its time is accounted apart from the
	 * busy and idle iterations. */
	CHECK(lc.stats.loop_sleeps > 0);
	CHECK(lc.stats.loop_sleep_cycles > 0);
	CHECK(hs_lcore_get_idle_sleep() == 50);
	hs_lcore_set_idle_sleep(0);
}

/* Second lcore for the cross-lcore ARP test; its TX goes to cap too. */
static struct hs_lcore lc2;

static struct hs_arp_entry *
arp_find_on(struct hs_lcore *l, uint32_t ip)
{
	for (unsigned int i = 0; i < HS_ARP_ENTRIES; i++)
		if (l->arp.e[i].state != HS_ARP_FREE && l->arp.e[i].ip == ip)
			return &l->arp.e[i];
	return NULL;
}

/* ARP across lcores (hs_arp.h): the reply to lcore A's request lands on
 * lcore B; B learns it and posts it to A's inbox; A's next poll merges it
 * and sends the packet it held, itself. */
static void
test_arp_peers(void)
{
	uint32_t pa = ip4("198.18.0.50"), pb = ip4("198.18.0.60");
	uint64_t a_tx, b_tx;
	struct hs_arp_entry *e;

	CHECK(hs_lcore_init(&lc2, &ifp, pool, HS_PORT_NONE, 1, 64) == 0);
	lc2.tx_sink = sink;
	CHECK(hs_nb_lcores == 2);
	CHECK(hs_arp_peers_init(&lc, SOCKET_ID_ANY) == 0);
	CHECK(hs_arp_peers_init(&lc2, SOCKET_ID_ANY) == 0);
	CHECK(lc.arp.inbox != NULL && lc2.arp.inbox != NULL);
	cap_clear();

	/* A wants pa: request sent, packet held on A. */
	hs_ipv4_output(&lc, mk_out(pa, 7));
	hs_lcore_flush(&lc);
	CHECK(cap_n == 1 && is_arp_request_for(0, pa));
	cap_clear();
	e = arp_find_on(&lc, pa);
	CHECK(e != NULL && e->state == HS_ARP_PENDING && e->nheld == 1);

	/* The reply is hashed to B: B learns pa and tells A. */
	a_tx = lc.stats.arp_peer_tx;
	hs_eth_input(&lc2, mk_arp(&our_mac, RTE_ARP_OP_REPLY, &peer_mac2, pa,
				  &our_mac, ifp.ip));
	hs_lcore_flush(&lc2);
	CHECK(cap_n == 0);
	CHECK(lc2.stats.arp_peer_tx == 1);
	e = arp_find_on(&lc2, pa);
	CHECK(e != NULL && e->state == HS_ARP_RESOLVED &&
	      rte_is_same_ether_addr(&e->mac, &peer_mac2));

	/* A's poll drains its inbox and releases the held packet itself. */
	CHECK(hs_lcore_poll_once(&lc) == 0);
	CHECK(lc.stats.arp_peer_rx == 1);
	CHECK(cap_n == 1 && is_ipv4_to(0, &peer_mac2, pa));
	CHECK(cap_n == 1 && cap_ip(0)->packet_id == rte_cpu_to_be_16(7));
	e = arp_find_on(&lc, pa);
	CHECK(e != NULL && e->state == HS_ARP_RESOLVED && e->nheld == 0);
	/* Merged updates are not forwarded again (no ping-pong). */
	CHECK(lc.stats.arp_peer_tx == a_tx);
	CHECK(hs_lcore_poll_once(&lc2) == 0 && lc2.stats.arp_peer_rx == 0);
	cap_clear();

	/* A request for us on A: A answers, B learns the sender without
	 * ever seeing a packet from it, and sends to it directly. */
	b_tx = lc2.stats.tx_arp;
	rx(mk_arp(&bcast, RTE_ARP_OP_REQUEST, &peer_mac, pb, &zero_mac,
		  ifp.ip));
	CHECK(cap_n == 1 &&
	      cap_arp(0)->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY));
	cap_clear();
	CHECK(arp_find_on(&lc2, pb) == NULL);
	CHECK(hs_arp_peers_drain(&lc2) == 1);
	e = arp_find_on(&lc2, pb);
	CHECK(e != NULL && e->state == HS_ARP_RESOLVED &&
	      rte_is_same_ether_addr(&e->mac, &peer_mac));
	hs_ipv4_output(&lc2, mk_out(pb, 8));
	hs_lcore_flush(&lc2);
	CHECK(cap_n == 1 && is_ipv4_to(0, &peer_mac, pb));
	CHECK(lc2.stats.tx_arp == b_tx); /* no request needed */
	cap_clear();

	/* An update for an address off our subnet is ignored. */
	{
		struct hs_arp_msg bogus = { .ip = ip4("10.9.9.9"),
					    .mac = peer_mac };

		CHECK(rte_ring_mp_enqueue_elem(lc2.arp.inbox, &bogus,
					       sizeof(bogus)) == 0);
		CHECK(hs_arp_peers_drain(&lc2) == 1);
		CHECK(arp_find_on(&lc2, bogus.ip) == NULL);
	}

	/* B holds a packet when it stops: fini frees it and the inbox. */
	hs_ipv4_output(&lc2, mk_out(ip4("198.18.0.61"), 9));
	hs_lcore_flush(&lc2);
	cap_clear();
	hs_lcore_fini(&lc2);
	CHECK(hs_nb_lcores == 1 && lc2.arp.inbox == NULL);
}

/* A TCP/IPv4 frame from src:sport to dst:dport (a bare SYN). */
static struct rte_mbuf *
mk_tcp_frame(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	uint8_t buf[64];
	struct rte_tcp_hdr th = {
		.src_port = rte_cpu_to_be_16(sport),
		.dst_port = rte_cpu_to_be_16(dport),
		.data_off = 5 << 4,
		.tcp_flags = RTE_TCP_SYN_FLAG,
		.rx_win = RTE_BE16(65535),
	};

	return mk_ip_frame(
		buf, mk_ip_buf(buf, src, dst, IPPROTO_TCP, &th, sizeof(th)));
}

/* Software flow steering between two lcores (queues 0 and 1): a TCP
 * frame is processed by the lcore its 4-tuple hash names, whichever lcore
 * received it; the owner is the same for both directions of a flow;
 * frames that are not TCP stay where they land; an inbox that still holds
 * frames at hs_lcore_fini gives them back to the pool. */
static void
test_steer(void)
{
	uint32_t peer = ip4("198.18.0.2");
	unsigned int owned[2] = { 0, 0 }, here = 0, there = 0, sym = 0;
	unsigned int avail = rte_mempool_avail_count(pool);
	struct rte_mbuf *m;

	CHECK(hs_lcore_init(&lc2, &ifp, pool, HS_PORT_NONE, 1, 64) == 0);
	lc2.tx_sink = sink;
	CHECK(hs_lcore_steer_init(&lc, 2, SOCKET_ID_ANY) == 0);
	CHECK(hs_lcore_steer_init(&lc2, 2, SOCKET_ID_ANY) == 0);
	CHECK(lc.steer != NULL && lc2.steer != NULL && lc.steer_n == 2);

	/* ownership: defined, spread over both, symmetric */
	for (uint16_t p = 40000; p < 40064; p++) {
		struct rte_mbuf *a = mk_tcp_frame(peer, ifp.ip, p, 443);
		struct rte_mbuf *b = mk_tcp_frame(ifp.ip, peer, 443, p);
		int oa = hs_lcore_steer_owner(a, 2),
		    ob = hs_lcore_steer_owner(b, 2);

		CHECK(oa == 0 || oa == 1);
		if (oa >= 0)
			owned[oa]++;
		sym += oa == ob;
		rte_pktmbuf_free(a);
		rte_pktmbuf_free(b);
	}
	CHECK(owned[0] > 8 && owned[1] > 8);
	CHECK(sym == 64);

	/* all 64 flows land on lcore 0: its own are processed at once, the
	 * others wait in lcore 1's inbox */
	tcp_in_calls = 0;
	for (uint16_t p = 40000; p < 40064; p++) {
		m = mk_tcp_frame(peer, ifp.ip, p, 443);
		if (hs_lcore_steer_owner(m, 2) == 0)
			here++;
		else
			there++;
		hs_lcore_input(&lc, m);
		if (tcp_in_calls == here)
			CHECK(tcp_in_lc == &lc || here == 0);
	}
	CHECK(tcp_in_calls == here && here == owned[0]);
	CHECK(lc.stats.steer_tx == there && rte_ring_count(lc2.steer) == there);
	/* lcore 1's next iteration processes them (and counts them as work) */
	tcp_in_lc = NULL;
	CHECK(hs_lcore_poll_once(&lc2) == there);
	CHECK(tcp_in_calls == 64 && tcp_in_lc == &lc2);
	CHECK(lc2.stats.steer_rx == there && rte_ring_count(lc2.steer) == 0);

	/* not TCP: processed where it lands (an ARP request for us) */
	cap_clear();
	hs_lcore_input(&lc2, mk_arp(&bcast, RTE_ARP_OP_REQUEST, &peer_mac, peer,
				    &zero_mac, ifp.ip));
	hs_lcore_flush(&lc2);
	CHECK(cap_n == 1 &&
	      cap_arp(0)->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY));
	CHECK(lc2.stats.steer_tx == 0);
	cap_clear();

	/* frames still in lcore 1's inbox when it stops go back to the pool */
	for (uint16_t p = 40000; p < 40064; p++)
		hs_lcore_input(&lc, mk_tcp_frame(peer, ifp.ip, p, 443));
	CHECK(rte_ring_count(lc2.steer) == there);
	hs_lcore_fini(&lc2);
	CHECK(lc2.steer == NULL);
	/* with its inbox gone, lcore 0 processes lcore 1's flows itself */
	tcp_in_calls = 0;
	for (uint16_t p = 40000; p < 40064; p++)
		hs_lcore_input(&lc, mk_tcp_frame(peer, ifp.ip, p, 443));
	CHECK(tcp_in_calls == 64);
	CHECK(rte_mempool_avail_count(pool) == avail);
}

/* The flow hash steering used before it was keyed: anyone who knows the
 * code computes the owner of any 4-tuple with it. */
static int
unkeyed_owner(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
	      uint16_t n)
{
	uint32_t ports = (uint32_t)rte_cpu_to_be_16(dport) << 16 |
			 rte_cpu_to_be_16(sport);
	uint32_t h = src ^ dst ^ ports ^ ((ports >> 16) | (ports << 16));

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return (int)(h % n);
}

/* The steering hash is keyed: under the process's random key the owners
 * of 256 flows are not those the unkeyed hash names; two keys give two
 * different mappings; one key always gives the same owner for a flow,
 * in both directions; every owner gets a share. */
static void
test_steer_key(void)
{
	static const uint64_t k1[2] = { 0x0123456789abcdefULL,
					0xfedcba9876543210ULL };
	static const uint64_t k2[2] = { 0x0123456789abcdefULL,
					0xfedcba9876543211ULL };
	enum { FLOWS = 256, N = 4 };
	int map1[FLOWS], owner;
	unsigned int same_unkeyed = 0, differ = 0, share[N] = { 0 };
	unsigned int sym = 0, stable = 0;

	for (int pass = 0; pass < 4; pass++) {
		if (pass == 1)
			hs_lcore_steer_set_key(k1);
		else if (pass == 2)
			hs_lcore_steer_set_key(k2);
		else if (pass == 3)
			hs_lcore_steer_set_key(k1);
		for (unsigned int i = 0; i < FLOWS; i++) {
			uint32_t peer =
				ip4("198.18.0.2") + rte_cpu_to_be_32(i % 7);
			uint16_t port = (uint16_t)(40000 + i * 13);
			struct rte_mbuf *a =
				mk_tcp_frame(peer, ifp.ip, port, 443);
			struct rte_mbuf *b =
				mk_tcp_frame(ifp.ip, peer, 443, port);

			owner = hs_lcore_steer_owner(a, N);
			CHECK(owner >= 0 && owner < N);
			sym += owner == hs_lcore_steer_owner(b, N);
			if (pass == 0)
				same_unkeyed += hs_lcore_steer_owner(a, 2) ==
						unkeyed_owner(peer, ifp.ip,
							      port, 443, 2);
			if (pass == 1) {
				map1[i] = owner;
				if (owner >= 0 && owner < N)
					share[owner]++;
			}
			if (pass == 2)
				differ += owner != map1[i];
			if (pass == 3)
				stable += owner == map1[i];
			rte_pktmbuf_free(a);
			rte_pktmbuf_free(b);
		}
	}
	/* about half agree by chance; all of them did when unkeyed */
	CHECK(same_unkeyed < FLOWS * 3 / 4);
	/* about 3/4 of the flows move to another owner with another key */
	CHECK(differ > FLOWS / 2);
	CHECK(stable == FLOWS);
	CHECK(sym == 4 * FLOWS);
	for (unsigned int i = 0; i < N; i++)
		CHECK(share[i] > FLOWS / N / 2);
	hs_lcore_steer_set_key(NULL); /* a random one again */
}

/* The impairment stage hooked into the lcore's TX path: frames queued
 * with hs_lcore_tx are held by a tx delay and sent by later polls, in
 * order; tx loss drops and counts; off attaches nothing; frames held at
 * hs_lcore_fini go back to the pool (checked at the end of main). */
static void
test_impair_hook(void)
{
	struct hs_impair_cfg cfg;
	char err[128];
	uint8_t buf[64];
	uint16_t len;
	uint64_t t0, tx0 = lc.stats.tx_pkts;
	unsigned int polls = 0;

	hs_impair_cfg_init(&cfg);
	CHECK(hs_lcore_impair(&lc, &cfg, (int)rte_socket_id()) == 0);
	CHECK(lc.impair == NULL);
	CHECK(hs_impair_parse(&cfg, "tx:delay=3", err, sizeof(err)) == 0);
	CHECK(hs_lcore_impair(&lc, &cfg, (int)rte_socket_id()) == 0);
	CHECK(lc.impair != NULL);
	cap_clear();
	hs_lcore_clock(&lc);
	t0 = lc.now_us;
	for (uint16_t i = 0; i < 3; i++) {
		len = mk_ip_buf(buf, ifp.ip, ip4("198.18.0.2"), IPPROTO_UDP, &i,
				sizeof(i));
		hs_lcore_tx(&lc, mk_frame(&peer_mac, &our_mac,
					  RTE_ETHER_TYPE_IPV4, buf, len, 60));
	}
	hs_lcore_flush(&lc);
	CHECK(cap_n == 0 && lc.stats.impair_tx_delayed == 3);
	/* the clock is driven by hand (earlier tests moved it ahead of the
	 * TSC; it never goes back): 1 ms per poll, at most 10 polls */
	while (cap_n < 3 && polls < 10) {
		hs_lcore_poll_once(&lc);
		CHECK(cap_n == 0 || lc.now_us - t0 >= 3000);
		lc.now_us += 1000;
		polls++;
	}
	CHECK(cap_n == 3 && polls >= 2 && polls <= 4);
	for (unsigned int i = 0; i < cap_n && i < 3; i++) {
		const struct rte_ipv4_hdr *ip = cap_ip(i);
		uint16_t id;

		memcpy(&id, ip + 1, sizeof(id));
		CHECK(id == i);
	}
	CHECK(lc.stats.tx_pkts == tx0 + 3);
	cap_clear();
	/* one more held at shutdown: hs_lcore_fini frees it */
	len = mk_ip_buf(buf, ifp.ip, ip4("198.18.0.2"), IPPROTO_UDP, "x", 1);
	hs_lcore_tx(&lc, mk_frame(&peer_mac, &our_mac, RTE_ETHER_TYPE_IPV4, buf,
				  len, 60));
	hs_lcore_flush(&lc);
	CHECK(cap_n == 0);
}

/* ---- TX backlog (hs_lcore.h HS_TXQ_SIZE) ------------------------------ */
static uint32_t ring_room = UINT32_MAX; /* frames the "ring" still takes */
static uint32_t ring_got[2048];         /* sequence numbers, in order */
static uint32_t ring_n;

static uint16_t
sink_ring(struct hs_lcore *l, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t k = (uint16_t)HS_MIN((uint32_t)n, ring_room);

	(void)l;
	ring_room -= k;
	for (uint16_t i = 0; i < k; i++) {
		if (ring_n < HS_ARRAY_SIZE(ring_got))
			ring_got[ring_n++] =
				*rte_pktmbuf_mtod(pkts[i], uint32_t *);
		rte_pktmbuf_free(pkts[i]);
	}
	return k;
}

static void
tx_seq(struct hs_lcore *l, uint32_t from, uint32_t n)
{
	for (uint32_t i = from; i < from + n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint32_t *p = (uint32_t *)rte_pktmbuf_append(m, 64);

		*p = i;
		hs_lcore_tx(l, m);
	}
}

/* A port whose TX ring is full does not lose frames: what it refuses
 * waits in the lcore's backlog, in order, and goes first once the ring
 * takes frames again; TCP is told to hold new data above HS_TXQ_HIGH
 * (hs_lcore_tx_room) and woken at HS_TXQ_LOW; only a full backlog
 * drops (drop_tx_full); hs_lcore_fini frees what it holds. */
static struct hs_lcore lc3;

static void
test_tx_backlog(void)
{
	static struct hs_tcp_conn *waiter; /* stands for a waiting conn */
	unsigned int avail = rte_mempool_avail_count(pool);
	uint64_t drops, sent;
	bool ordered = true;

	CHECK(hs_lcore_init(&lc3, &ifp, pool, HS_PORT_NONE, 2, 64) == 0);
	drops = lc3.stats.drop_tx_full;
	sent = lc3.stats.tx_pkts;
	lc3.tx_sink = sink_ring;
	ring_room = 10;
	ring_n = 0;
	tx_seq(&lc3, 0, 200);
	hs_lcore_flush(&lc3);
	CHECK(ring_n == 10 && lc3.txq_n == 190);
	CHECK(lc3.stats.tx_pkts == sent + 10);
	CHECK(hs_lcore_tx_room(&lc3));
	tx_seq(&lc3, 200, 400);
	hs_lcore_flush(&lc3);
	CHECK(ring_n == 10 && lc3.txq_n == 590);
	CHECK(!hs_lcore_tx_room(&lc3)); /* above HS_TXQ_HIGH: TCP holds */
	CHECK(lc3.stats.drop_tx_full == drops);

	/* A waiting conn is woken only once the backlog is down to LOW. */
	lc3.tcp.txwait = (struct hs_tcp_conn *)&waiter;
	tcp_wake_calls = 0;
	ring_room = 200;
	hs_lcore_poll_once(&lc3);
	CHECK(lc3.txq_n == 390 && tcp_wake_calls == 0);
	ring_room = 200;
	hs_lcore_poll_once(&lc3);
	CHECK(lc3.txq_n == 190 && tcp_wake_calls == 1 &&
	      tcp_wake_txq_n == 190 && lc3.tcp.txwait == NULL);
	CHECK(hs_lcore_tx_room(&lc3));

	/* The ring takes everything: all 600 delivered, in order. */
	ring_room = UINT32_MAX;
	hs_lcore_poll_once(&lc3);
	CHECK(lc3.txq_n == 0 && ring_n == 600);
	for (uint32_t i = 0; i < ring_n; i++)
		ordered = ordered && ring_got[i] == i;
	CHECK(ordered);
	CHECK(lc3.stats.tx_pkts == sent + 600);
	CHECK(lc3.stats.drop_tx_full == drops);

	/* A full backlog drops what does not fit, and counts it. */
	ring_room = 0;
	tx_seq(&lc3, 0, HS_TXQ_SIZE + 76);
	hs_lcore_flush(&lc3);
	CHECK(lc3.txq_n == HS_TXQ_SIZE);
	CHECK(lc3.stats.drop_tx_full == drops + 76);
	hs_lcore_fini(&lc3);
	CHECK(rte_mempool_avail_count(pool) == avail);
}

/* hs_cksum.h: the sum (vector path when built with AVX2, and the scalar
 * one) folds to DPDK's rte_raw_cksum for every length to 300 and some up
 * to 64 KiB, at every alignment, over random bytes and over all-0xff
 * bytes (the carries' worst case), starting from a non-zero sum too. */
static void
test_cksum(void)
{
	static uint8_t buf[65536 + 8];
	static const uint32_t big[] = { 1448,  1460,  2047, 8948,
					16384, 65521, 65536 };
	unsigned int bad = 0, n = 0;

	for (int fill = 0; fill < 2; fill++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = fill ? 0xff : (uint8_t)rand();
		for (uint32_t len = 0; len < 300 + RTE_DIM(big); len++) {
			uint32_t l = len < 300 ? len : big[len - 300];

			for (uint32_t a = 0; a < 8; a++) {
				uint16_t ref = rte_raw_cksum(buf + a, l);
				uint64_t s0 = 0x1234567u;
				uint16_t ref0 = hs_cksum_fold(
					(uint64_t)ref + hs_cksum_fold(s0));

				n++;
				if (hs_cksum_fold(hs_cksum_add(buf + a, l,
							       0)) != ref ||
				    hs_cksum_fold(hs_cksum_add_scalar(
					    buf + a, l, 0)) != ref ||
				    hs_cksum_fold(hs_cksum_add(buf + a, l,
							       s0)) != ref0) {
					if (bad++ < 5)
						fprintf(stderr,
							"cksum: len %u align "
							"%u "
							"fill %d: got %#x want "
							"%#x\n",
							l, a, fill,
							hs_cksum_fold(
								hs_cksum_add(
									buf + a,
									l, 0)),
							ref);
				}
			}
		}
	}
	CHECK(n == 2 * (300 + RTE_DIM(big)) * 8);
	CHECK(bad == 0);
}

int
main(int argc, char **argv)
{
	char *eal_args[] = { "test_net",
			     "--no-huge",
			     "--no-pci",
			     "--no-shconf",
			     "--file-prefix=hs_test_net",
			     "-m",
			     "128",
			     "--log-level=lib.eal:error",
			     "--no-telemetry" };
	int rc;

	rc = rte_eal_init((int)HS_ARRAY_SIZE(eal_args), eal_args);
	if (rc < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("test_net", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "pool create failed\n");
		return 1;
	}
	ifp.port_id = HS_PORT_NONE;
	ifp.mtu = 1500;
	ifp.mac = our_mac;
	ifp.ip = ip4("198.18.0.1");
	ifp.mask = ip4("255.255.255.0");
	ifp.gw = ip4("198.18.0.254");

	CHECK(hs_lcore_init(&lc, &ifp, pool, HS_PORT_NONE, 0, 0) == -ENOMEM);
	CHECK(hs_nb_lcores == 0);
	CHECK(hs_lcore_init(&lc, &ifp, pool, HS_PORT_NONE, 0, 64) == 0);
	CHECK(tcp_init_calls == 2 && hs_nb_lcores == 1);
	lc.tx_sink = sink;

	test_cksum();
	test_eth();
	test_arp_answer();
	test_arp_not_us_and_bad();
	test_arp_resolve();
	test_arp_retry_giveup();
	test_arp_replace();
	test_arp_expiry();
	test_offlink();
	test_ipv4_input();
	test_icmp();
	test_announce();
	test_poll_and_stats();
	test_loop_stop();
	test_arp_peers();
	test_steer();
	test_steer_key();
	test_tx_backlog();
	test_impair_hook();

	/* Leave one packet held and one queued (and the backlog
	 * test_tx_backlog filled): fini must free them all. */
	hs_ipv4_output(&lc, mk_out(ip4("198.18.0.77"), 1));
	hs_lcore_tx(&lc, mk_out(ip4("198.18.0.2"), 1));
	cap_clear();
	hs_lcore_fini(&lc);
	CHECK(tcp_fini_calls == 4); /* lc, lc2 twice, lc3 (test_tx_backlog) */
	CHECK(hs_nb_lcores == 0);
	CHECK(rte_mempool_avail_count(pool) == POOL_SIZE);

	rte_mempool_free(pool);
	rte_eal_cleanup();
	return hs_check_summary("test_net");
}
