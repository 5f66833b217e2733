/* SPDX-License-Identifier: BSD-3-Clause
 * test_impair.c - the impairment stage (dataplane/hs_impair.c) on its own:
 * option parsing, identity when off, determinism per seed, rates within
 * statistical bounds, corruption inside the IPv4 datagram only (and never
 * of shared data), delay/jitter/rate release times and order, the
 * bounded FIFO, reordering, and that every held frame is freed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "hs_common.h"
#include "hs_impair.h"
#include "hs_stats.h"

#include "hs_check.h"

#define POOL_SIZE 4095
#define FRAME_LEN 200u
#define MAX_OUT   65536

static struct rte_mempool *pool;

/* ---- frames ------------------------------------------------------------ */

/* Ethernet + IPv4 (valid header checksum) + payload; the frame's id is
 * stored at the start of the payload and in ip->packet_id. */
static struct rte_mbuf *
mk_frame(uint32_t id, uint16_t len, bool ipv4)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;

	if (m == NULL)
		abort();
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	memset(p, 0xa5, len);
	eh = (struct rte_ether_hdr *)p;
	eh->ether_type = rte_cpu_to_be_16(ipv4 ? RTE_ETHER_TYPE_IPV4
					       : RTE_ETHER_TYPE_ARP);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length =
		rte_cpu_to_be_16((uint16_t)(len - RTE_ETHER_HDR_LEN));
	ip->packet_id = rte_cpu_to_be_16((uint16_t)id);
	ip->time_to_live = 64;
	ip->next_proto_id = 17;
	ip->src_addr = RTE_BE32(0xc6120002);
	ip->dst_addr = RTE_BE32(0xc6120001);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memcpy(ip + 1, &id, sizeof(id));
	return m;
}

static uint32_t
frame_id(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(
		m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	uint32_t id;

	memcpy(&id, ip + 1, sizeof(id));
	return id;
}

/* ---- capture of emitted frames ------------------------------------------ */

struct capture {
	unsigned int n;
	uint32_t id[MAX_OUT];
	uint32_t hash[MAX_OUT]; /* FNV-1a of the frame's bytes */
	uint64_t at[MAX_OUT];   /* clock when emitted */
	bool keep;              /* keep the mbufs (else free) */
	struct rte_mbuf *m[MAX_OUT];
};

static struct capture cap_a, cap_b;
static struct capture *cap = &cap_a;
static uint64_t now_us;

static uint32_t
fnv(const struct rte_mbuf *m)
{
	uint32_t h = 2166136261u;

	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

		for (uint16_t i = 0; i < s->data_len; i++)
			h = (h ^ p[i]) * 16777619u;
	}
	return h;
}

static void
emit(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	CHECK(arg == (void *)&cap_a); /* the arg given to hs_impair_new */
	for (uint16_t i = 0; i < n; i++) {
		if (cap->n < MAX_OUT) {
			cap->id[cap->n] = frame_id(pkts[i]);
			cap->hash[cap->n] = fnv(pkts[i]);
			cap->at[cap->n] = now_us;
			cap->m[cap->n] = cap->keep ? pkts[i] : NULL;
			cap->n++;
		}
		if (!cap->keep)
			rte_pktmbuf_free(pkts[i]);
	}
}

static void
cap_reset(struct capture *c)
{
	for (unsigned int i = 0; i < c->n; i++)
		if (c->m[i] != NULL)
			rte_pktmbuf_free(c->m[i]);
	memset(c, 0, sizeof(*c));
}

static const hs_impair_emit_fn emits[HS_IMPAIR_NDIR] = { emit, emit };

static struct hs_impair *
mk(const char *spec, struct hs_stats *st)
{
	struct hs_impair_cfg cfg;
	char err[160];

	hs_impair_cfg_init(&cfg);
	if (spec != NULL && hs_impair_parse(&cfg, spec, err, sizeof(err)) < 0) {
		fprintf(stderr, "parse '%s': %s\n", spec, err);
		abort();
	}
	memset(st, 0, sizeof(*st));
	return hs_impair_new(&cfg, 3, (int)rte_socket_id(), pool, st, emits,
			     &cap_a);
}

/* Feed n frames (ids first..first+n-1), burst by burst, one "poll" of
 * 10 us apart, releasing as the lcore does. */
static void
feed(struct hs_impair *im, enum hs_impair_dir d, uint32_t first, uint32_t n)
{
	struct rte_mbuf *b[32];

	for (uint32_t i = 0; i < n;) {
		uint16_t k = 0;

		while (k < 32 && i < n)
			b[k++] = mk_frame(first + i++, FRAME_LEN, true);
		hs_impair_input(im, d, now_us, b, k);
		hs_impair_release(im, d, now_us);
		now_us += 10;
	}
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_parse(void)
{
	struct hs_impair_cfg c;
	char err[160];
	static const struct {
		const char *spec, *needle;
	} bad[] = {
		{ "", "empty" },
		{ "loss=101", "loss=101" },
		{ "loss=-1", "loss=-1" },
		{ "loss=abc", "loss=abc" },
		{ "loss=5x", "loss=5x" },
		{ "dup", "dup" },
		{ "dup=", "dup" },
		{ "wobble=3", "wobble" },
		{ "up:loss=3", "up:loss=3" },
		{ "rx:seed=4", "seed" },
		{ "tx:limit=4", "limit" },
		{ "limit=0", "limit=0" },
		{ "seed=x", "seed=x" },
		{ "delay=10001", "delay=10001" },
		{ "jitter=nan", "jitter=nan" },
		{ "rate=inf", "rate=inf" },
		{ "loss=1,,dup=1", "empty item" },
		{ "loss=1,", "empty item" },
	};

	hs_impair_cfg_init(&c);
	CHECK(!hs_impair_cfg_on(&c));
	CHECK(c.seed == HS_IMPAIR_SEED_DEFAULT &&
	      c.limit == HS_IMPAIR_LIMIT_DEFAULT);
	CHECK(hs_impair_parse(
		      &c,
		      "loss=5,rx:dup=1,tx:reorder=2.5,corrupt=100,"
		      "tx:delay=20,jitter=1.5,rx:rate=8,seed=42,limit=77",
		      err, sizeof(err)) == 0);
	CHECK(hs_impair_cfg_on(&c));
	CHECK(c.dir[HS_IMPAIR_RX].loss == c.dir[HS_IMPAIR_TX].loss);
	CHECK(c.dir[HS_IMPAIR_RX].loss ==
	      (uint64_t)llround(0.05 * 4294967296.0));
	CHECK(c.dir[HS_IMPAIR_RX].dup != 0 && c.dir[HS_IMPAIR_TX].dup == 0);
	CHECK(c.dir[HS_IMPAIR_RX].reorder == 0 &&
	      c.dir[HS_IMPAIR_TX].reorder ==
		      (uint64_t)llround(0.025 * 4294967296.0));
	CHECK(c.dir[HS_IMPAIR_RX].corrupt == 4294967296ull);
	CHECK(c.dir[HS_IMPAIR_RX].delay_us == 0 &&
	      c.dir[HS_IMPAIR_TX].delay_us == 20000);
	CHECK(c.dir[HS_IMPAIR_RX].jitter_us == 1500 &&
	      c.dir[HS_IMPAIR_TX].jitter_us == 1500);
	CHECK(c.dir[HS_IMPAIR_RX].rate_bps == 8000000 &&
	      c.dir[HS_IMPAIR_TX].rate_bps == 0);
	CHECK(c.seed == 42 && c.limit == 77);
	/* a second --impair adds to the first */
	CHECK(hs_impair_parse(&c, "rx:loss=0", err, sizeof(err)) == 0);
	CHECK(c.dir[HS_IMPAIR_RX].loss == 0 && c.dir[HS_IMPAIR_TX].loss != 0);

	for (size_t i = 0; i < HS_ARRAY_SIZE(bad); i++) {
		hs_impair_cfg_init(&c);
		err[0] = '\0';
		CHECK(hs_impair_parse(&c, bad[i].spec, err, sizeof(err)) ==
		      -EINVAL);
		if (strstr(err, bad[i].needle) == NULL) {
			hs_check_failed++;
			fprintf(stderr, "parse '%s': message '%s' lacks '%s'\n",
				bad[i].spec, err, bad[i].needle);
		}
		hs_check_count++;
	}
}

/* Nothing configured: every frame comes out at once, same mbuf, same
 * order, same bytes, no counter moves. */
static void
test_off_identity(void)
{
	struct hs_stats st;
	struct hs_impair *im = mk(NULL, &st);
	struct rte_mbuf *b[8];
	unsigned int avail = rte_mempool_avail_count(pool);
	static const struct hs_stats zero;

	CHECK(im != NULL);
	cap_reset(&cap_a);
	cap_a.keep = true;
	for (int i = 0; i < 8; i++)
		b[i] = mk_frame((uint32_t)i, FRAME_LEN, i != 3);
	struct rte_mbuf *orig[8];
	uint32_t h[8];

	memcpy(orig, b, sizeof(b));
	for (int i = 0; i < 8; i++)
		h[i] = fnv(b[i]);
	hs_impair_input(im, HS_IMPAIR_TX, now_us, b, 8);
	CHECK(cap_a.n == 8);
	for (int i = 0; i < 8; i++)
		CHECK(cap_a.m[i] == orig[i] && cap_a.hash[i] == h[i]);
	CHECK(hs_impair_held(im, HS_IMPAIR_TX) == 0);
	CHECK(hs_impair_release(im, HS_IMPAIR_TX, now_us + 1000000) == 0);
	CHECK(memcmp(&st, &zero, sizeof(st)) == 0);
	cap_reset(&cap_a);
	hs_impair_free(im);
	CHECK(rte_mempool_avail_count(pool) == avail);
}

#define SPEC_ALL "loss=10,dup=5,reorder=5,corrupt=5"

/* Same seed -> same emitted sequence (ids and bytes); another seed or
 * another lcore -> a different one. */
static void
test_deterministic(void)
{
	struct hs_stats st1, st2;
	struct hs_impair *a, *b;
	uint64_t t0 = now_us;
	bool same;

	cap_reset(&cap_a);
	cap_reset(&cap_b);
	a = mk(SPEC_ALL ",seed=7", &st1);
	cap = &cap_a;
	feed(a, HS_IMPAIR_RX, 0, 3000);
	hs_impair_free(a);

	now_us = t0;
	b = mk(SPEC_ALL ",seed=7", &st2);
	cap = &cap_b;
	feed(b, HS_IMPAIR_RX, 0, 3000);
	hs_impair_free(b);
	CHECK(cap_a.n == cap_b.n && cap_a.n > 2000);
	CHECK(memcmp(cap_a.id, cap_b.id, sizeof(cap_a.id[0]) * cap_a.n) == 0);
	CHECK(memcmp(cap_a.hash, cap_b.hash, sizeof(cap_a.hash[0]) * cap_a.n) ==
	      0);
	CHECK(memcmp(&st1, &st2, sizeof(st1)) == 0);

	now_us = t0;
	cap_reset(&cap_b);
	b = mk(SPEC_ALL ",seed=8", &st2);
	feed(b, HS_IMPAIR_RX, 0, 3000);
	hs_impair_free(b);
	same = cap_a.n == cap_b.n &&
	       memcmp(cap_a.id, cap_b.id, sizeof(cap_a.id[0]) * cap_a.n) == 0;
	CHECK(!same);

	/* another lcore, same seed: its own stream */
	now_us = t0;
	cap_reset(&cap_b);
	{
		struct hs_impair_cfg cfg;
		char err[64];

		hs_impair_cfg_init(&cfg);
		CHECK(hs_impair_parse(&cfg, SPEC_ALL ",seed=7", err,
				      sizeof(err)) == 0);
		b = hs_impair_new(&cfg, 4, (int)rte_socket_id(), pool, &st2,
				  emits, &cap_a);
		feed(b, HS_IMPAIR_RX, 0, 3000);
		hs_impair_free(b);
	}
	same = cap_a.n == cap_b.n &&
	       memcmp(cap_a.id, cap_b.id, sizeof(cap_a.id[0]) * cap_a.n) == 0;
	CHECK(!same);
	cap = &cap_a;
	cap_reset(&cap_a);
	cap_reset(&cap_b);
}

/* |got - n*p| within 5 standard deviations of a binomial(n, p). */
static bool
within(uint64_t got, uint32_t n, double p)
{
	double mu = n * p, sd = sqrt(n * p * (1 - p));
	bool ok = fabs((double)got - mu) <= 5 * sd;

	if (!ok)
		fprintf(stderr, "count %llu, expected %.0f +- %.0f\n",
			(unsigned long long)got, mu, 5 * sd);
	return ok;
}

/* Rates over N frames, and the counters tell the truth about what came
 * out: emitted = N - lost + duplicated; corrupted frames differ. */
static void
test_rates(void)
{
	enum { N = 40000 };
	struct hs_stats st;
	struct hs_impair *im;
	unsigned int avail = rte_mempool_avail_count(pool);
	uint64_t changed = 0, reordered = 0, dups = 0;
	uint32_t h_ok;

	cap_reset(&cap_a);
	im = mk(SPEC_ALL ",seed=99", &st);
	feed(im, HS_IMPAIR_TX, 0, N);
	hs_impair_release(im, HS_IMPAIR_TX, now_us + HS_IMPAIR_REORDER_MAX_US);
	CHECK(hs_impair_held(im, HS_IMPAIR_TX) == 0);
	CHECK(within(st.impair_tx_loss, N, 0.10));
	/* later stages only see survivors */
	CHECK(within(st.impair_tx_corrupt, N - (uint32_t)st.impair_tx_loss,
		     0.05));
	CHECK(within(st.impair_tx_dup, N - (uint32_t)st.impair_tx_loss, 0.05));
	CHECK(within(st.impair_tx_reorder, N, 0.05 * 0.9));
	CHECK(st.impair_rx_loss == 0 && st.impair_rx_dup == 0);
	CHECK(st.impair_tx_delayed == 0 && st.impair_tx_queue_full == 0);
	CHECK(cap_a.n == N - st.impair_tx_loss + st.impair_tx_dup);

	/* count what the capture shows independently of the counters */
	{
		struct rte_mbuf *ref = mk_frame(0, FRAME_LEN, true);
		uint32_t *seen = calloc(N, sizeof(*seen));
		uint32_t prev = 0;
		bool prev_ok = false;

		for (unsigned int i = 0; i < cap_a.n; i++) {
			uint32_t id = cap_a.id[i];
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(
				ref, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);

			/* rebuild frame id's pristine bytes to compare */
			if (id >= N) { /* its id bytes were corrupted */
				changed++;
				continue;
			}
			ip->packet_id = rte_cpu_to_be_16((uint16_t)id);
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			memcpy(ip + 1, &id, sizeof(id));
			h_ok = fnv(ref);
			if (cap_a.hash[i] != h_ok) {
				changed++; /* its id may be damaged too */
				continue;
			}
			if (seen[id]++)
				dups++;
			if (prev_ok && prev > id)
				reordered++;
			prev = id;
			prev_ok = true;
		}
		rte_pktmbuf_free(ref);
		free(seen);
	}
	/* a duplicate of a corrupted frame is corrupted too */
	CHECK(changed >= st.impair_tx_corrupt &&
	      changed <= st.impair_tx_corrupt * 2);
	/* duplicates of corrupted frames were not compared */
	CHECK(dups <= st.impair_tx_dup &&
	      dups + st.impair_tx_corrupt >= st.impair_tx_dup);
	printf("tx: lost %llu, dup %llu (seen %llu), reorder %llu (seen %llu), "
	       "corrupt %llu (seen %llu)\n",
	       (unsigned long long)st.impair_tx_loss,
	       (unsigned long long)st.impair_tx_dup, (unsigned long long)dups,
	       (unsigned long long)st.impair_tx_reorder,
	       (unsigned long long)reordered,
	       (unsigned long long)st.impair_tx_corrupt,
	       (unsigned long long)changed);
	CHECK(reordered > 0 && reordered <= st.impair_tx_reorder);
	cap_reset(&cap_a);
	hs_impair_free(im);
	CHECK(rte_mempool_avail_count(pool) == avail);
}

/* Corruption: one byte of the IPv4 datagram only; non-IPv4 frames and
 * link padding untouched; frames that share their data get copied. */
static void
test_corrupt(void)
{
	struct hs_stats st;
	struct hs_impair *im = mk("corrupt=100", &st);
	unsigned int avail = rte_mempool_avail_count(pool);
	struct rte_mbuf *b[1], *shared, *ref;
	uint8_t before[FRAME_LEN];
	int bad_span = 0;

	cap_reset(&cap_a);
	cap_a.keep = true;
	for (uint32_t k = 0; k < 300; k++) {
		const uint8_t *p;
		int diff = 0, where = -1;
		/* 150 bytes of datagram, then 50 bytes of link padding */
		struct rte_ipv4_hdr *ip;

		b[0] = mk_frame(k, FRAME_LEN, true);
		ip = rte_pktmbuf_mtod_offset(b[0], struct rte_ipv4_hdr *,
					     RTE_ETHER_HDR_LEN);
		ip->total_length = rte_cpu_to_be_16(150);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		memcpy(before, rte_pktmbuf_mtod(b[0], uint8_t *), FRAME_LEN);
		hs_impair_input(im, HS_IMPAIR_RX, now_us, b, 1);
		CHECK(cap_a.n == k + 1);
		p = rte_pktmbuf_mtod(cap_a.m[k], const uint8_t *);
		for (int i = 0; i < (int)FRAME_LEN; i++)
			if (p[i] != before[i]) {
				diff++;
				where = i;
			}
		CHECK(diff == 1);
		if (where < RTE_ETHER_HDR_LEN ||
		    where >= RTE_ETHER_HDR_LEN + 150)
			bad_span++;
	}
	CHECK(bad_span == 0);
	CHECK(st.impair_rx_corrupt == 300);
	cap_reset(&cap_a);

	/* ARP (non-IPv4): never corrupted, not counted */
	cap_a.keep = true;
	b[0] = mk_frame(1, 60, false);
	memcpy(before, rte_pktmbuf_mtod(b[0], uint8_t *), 60);
	hs_impair_input(im, HS_IMPAIR_RX, now_us, b, 1);
	CHECK(cap_a.n == 1 &&
	      memcmp(rte_pktmbuf_mtod(cap_a.m[0], uint8_t *), before, 60) == 0);
	CHECK(st.impair_rx_corrupt == 300);
	cap_reset(&cap_a);

	/* shared data (a retransmission queue keeps a reference): the wire
	 * copy is damaged, the kept original is not */
	cap_a.keep = true;
	ref = mk_frame(2, FRAME_LEN, true);
	memcpy(before, rte_pktmbuf_mtod(ref, uint8_t *), FRAME_LEN);
	rte_mbuf_refcnt_update(ref, 1);
	shared = ref;
	b[0] = shared;
	hs_impair_input(im, HS_IMPAIR_TX, now_us, b, 1);
	CHECK(cap_a.n == 1 && cap_a.m[0] != ref);
	CHECK(memcmp(rte_pktmbuf_mtod(ref, uint8_t *), before, FRAME_LEN) == 0);
	CHECK(rte_mbuf_refcnt_read(ref) == 1);
	CHECK(st.impair_tx_corrupt == 1);
	rte_pktmbuf_free(ref);
	cap_reset(&cap_a);
	hs_impair_free(im);
	CHECK(rte_mempool_avail_count(pool) == avail);
}

/* Ethernet + IPv4 + TCP (20) + 100 bytes, asking the port for its
 * checksums as httpsd's frames do on a port with the offloads (l2/l3/l4
 * lengths, the pseudo-header sum in the TCP checksum field); tso: a TSO
 * frame (tso_segsz 40). */
#define TCP_FRAME_LEN (RTE_ETHER_HDR_LEN + 20 + 20 + 100)
static struct rte_mbuf *
mk_tcp_frame(bool tso)
{
	struct rte_mbuf *m = mk_frame(7, TCP_FRAME_LEN, true);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(
		m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	ip->next_proto_id = IPPROTO_TCP;
	ip->hdr_checksum = 0;
	memset(th, 0, sizeof(*th));
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_ACK_FLAG;
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = 20;
	m->l4_len = 20;
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
		      RTE_MBUF_F_TX_TCP_CKSUM;
	if (tso) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		m->tso_segsz = 40;
	}
	th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	return m;
}

/* Both checksums of a TCP frame verify. */
static bool
tcp_frame_sums_ok(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(
		m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	uint32_t sum =
		rte_raw_cksum(ip + 1, 20 + 100) + rte_ipv4_phdr_cksum(ip, 0);

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return rte_ipv4_cksum(ip) == 0 && sum == 0xffff;
}

/* Corrupting a frame whose checksums the port was to compute: they are
 * computed first (a wire after the NIC: the damage shows, and the frame
 * with the byte restored verifies); a TSO frame is left alone; a
 * received frame loses the port's verdict (our stack checks it). */
static void
test_corrupt_offload(void)
{
	struct hs_stats st;
	struct hs_impair *im = mk("corrupt=100", &st);
	struct rte_mbuf *b[1];
	uint8_t before[TCP_FRAME_LEN], *p;
	int diff = 0, where = -1;

	cap_reset(&cap_a);
	cap_a.keep = true;
	b[0] = mk_tcp_frame(false);
	memcpy(before, rte_pktmbuf_mtod(b[0], uint8_t *), TCP_FRAME_LEN);
	hs_impair_input(im, HS_IMPAIR_TX, now_us, b, 1);
	CHECK(cap_a.n == 1 && st.impair_tx_corrupt == 1);
	CHECK((cap_a.m[0]->ol_flags &
	       (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IP_CKSUM)) == 0);
	CHECK(!tcp_frame_sums_ok(cap_a.m[0]));
	p = rte_pktmbuf_mtod(cap_a.m[0], uint8_t *);
	for (int i = 0; i < (int)TCP_FRAME_LEN; i++) {
		bool sum_field = (i >= 24 && i < 26) || (i >= 50 && i < 52);

		if (!sum_field && p[i] != before[i]) {
			diff++;
			where = i;
		}
	}
	CHECK(diff == 1);
	if (where >= 0)
		p[where] = before[where];
	CHECK(tcp_frame_sums_ok(cap_a.m[0]));
	cap_reset(&cap_a);

	cap_a.keep = true;
	b[0] = mk_tcp_frame(true);
	memcpy(before, rte_pktmbuf_mtod(b[0], uint8_t *), TCP_FRAME_LEN);
	hs_impair_input(im, HS_IMPAIR_TX, now_us, b, 1);
	CHECK(cap_a.n == 1 && st.impair_tx_corrupt == 1);
	CHECK(memcmp(rte_pktmbuf_mtod(cap_a.m[0], uint8_t *), before,
		     TCP_FRAME_LEN) == 0);
	CHECK(cap_a.m[0]->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	cap_reset(&cap_a);

	cap_a.keep = true;
	b[0] = mk_frame(8, FRAME_LEN, true);
	b[0]->ol_flags =
		RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	hs_impair_input(im, HS_IMPAIR_RX, now_us, b, 1);
	CHECK(cap_a.n == 1 && st.impair_rx_corrupt == 1);
	CHECK((cap_a.m[0]->ol_flags & (RTE_MBUF_F_RX_IP_CKSUM_MASK |
				       RTE_MBUF_F_RX_L4_CKSUM_MASK)) == 0);
	cap_reset(&cap_a);
	hs_impair_free(im);
}

/* Delay: nothing before the time, everything in order at the time. */
static void
test_delay(void)
{
	struct hs_stats st;
	struct hs_impair *im = mk("tx:delay=10", &st);
	struct rte_mbuf *b[16];
	uint64_t t0 = now_us;
	bool in_order = true;

	cap_reset(&cap_a);
	for (uint32_t i = 0; i < 16; i++)
		b[i] = mk_frame(i, FRAME_LEN, true);
	hs_impair_input(im, HS_IMPAIR_TX, t0, b, 8);
	hs_impair_input(im, HS_IMPAIR_TX, t0 + 500, b + 8, 8);
	CHECK(cap_a.n == 0 && hs_impair_held(im, HS_IMPAIR_TX) == 16);
	CHECK(st.impair_tx_delayed == 16);
	/* rx is not delayed */
	CHECK(hs_impair_release(im, HS_IMPAIR_RX, t0 + 100000) == 0);
	CHECK(hs_impair_release(im, HS_IMPAIR_TX, t0 + 9999) == 0 &&
	      cap_a.n == 0);
	now_us = t0 + 10000;
	CHECK(hs_impair_release(im, HS_IMPAIR_TX, now_us) == 8 && cap_a.n == 8);
	now_us = t0 + 10499;
	CHECK(hs_impair_release(im, HS_IMPAIR_TX, now_us) == 0);
	now_us = t0 + 10500;
	CHECK(hs_impair_release(im, HS_IMPAIR_TX, now_us) == 8 &&
	      cap_a.n == 16);
	for (uint32_t i = 0; i < 16; i++)
		in_order &= cap_a.id[i] == i;
	CHECK(in_order);
	CHECK(hs_impair_held(im, HS_IMPAIR_TX) == 0);
	hs_impair_free(im);
	cap_reset(&cap_a);

	/* jitter: never earlier than delay - jitter, never out of order */
	now_us = t0;
	im = mk("delay=20,jitter=5,seed=3", &st);
	feed(im, HS_IMPAIR_RX, 0, 2000); /* 10 us apart, 20 ms */
	for (int i = 0; i < 3000 && hs_impair_held(im, HS_IMPAIR_RX); i++) {
		now_us += 10;
		hs_impair_release(im, HS_IMPAIR_RX, now_us);
	}
	CHECK(cap_a.n == 2000);
	in_order = true;
	for (uint32_t i = 0; i < cap_a.n; i++) {
		uint64_t sent = t0 + (cap_a.id[i] / 32) * 10;

		in_order &= cap_a.id[i] == i;
		CHECK(cap_a.at[i] >= sent + 15000);
	}
	CHECK(in_order);
	/* jitter spreads the delay: some frames later than 20 ms + 1 poll */
	{
		unsigned int late = 0;

		for (uint32_t i = 0; i < cap_a.n; i++)
			late += cap_a.at[i] >
				t0 + (cap_a.id[i] / 32) * 10 + 20010;
		CHECK(late > 100);
	}
	hs_impair_free(im);
	cap_reset(&cap_a);

	/* rate: 8 Mbit/s = 1 byte per us: 200-byte frames leave 200 us apart */
	now_us = t0;
	im = mk("rate=8", &st);
	for (uint32_t i = 0; i < 5; i++)
		b[i] = mk_frame(i, FRAME_LEN, true);
	hs_impair_input(im, HS_IMPAIR_TX, t0, b, 5);
	CHECK(hs_impair_release(im, HS_IMPAIR_TX, t0 + 199) == 0);
	for (uint32_t i = 1; i <= 5; i++) {
		CHECK(hs_impair_release(im, HS_IMPAIR_TX, t0 + 200 * i) == 1);
		CHECK(cap_a.n == i && cap_a.id[i - 1] == i - 1);
	}
	hs_impair_free(im);
	cap_reset(&cap_a);
}

/* The FIFO is bounded: beyond limit frames are dropped and counted,
 * and hs_impair_free returns every held mbuf to the pool. */
static void
test_bounded(void)
{
	struct hs_stats st;
	unsigned int avail = rte_mempool_avail_count(pool);
	struct hs_impair *im = mk("delay=1000,limit=16", &st);
	struct rte_mbuf *b[20];

	cap_reset(&cap_a);
	for (uint32_t i = 0; i < 20; i++)
		b[i] = mk_frame(i, FRAME_LEN, true);
	hs_impair_input(im, HS_IMPAIR_RX, now_us, b, 20);
	CHECK(hs_impair_held(im, HS_IMPAIR_RX) == 16);
	CHECK(st.impair_rx_delayed == 16 && st.impair_rx_queue_full == 4);
	CHECK(rte_mempool_avail_count(pool) == avail - 16);
	/* the ring wraps correctly: release 10, add 10, release all */
	CHECK(hs_impair_release(im, HS_IMPAIR_RX, now_us + 1000000) == 16);
	for (uint32_t i = 0; i < 10; i++)
		b[i] = mk_frame(100 + i, FRAME_LEN, true);
	hs_impair_input(im, HS_IMPAIR_RX, now_us + 10, b, 10);
	CHECK(hs_impair_release(im, HS_IMPAIR_RX, now_us + 1000010) == 10);
	CHECK(cap_a.n == 26 && cap_a.id[15] == 15 && cap_a.id[16] == 100 &&
	      cap_a.id[25] == 109);
	/* held at shutdown: freed */
	for (uint32_t i = 0; i < 12; i++)
		b[i] = mk_frame(200 + i, FRAME_LEN, true);
	hs_impair_input(im, HS_IMPAIR_RX, now_us, b, 12);
	CHECK(hs_impair_held(im, HS_IMPAIR_RX) == 12);
	hs_impair_free(im);
	CHECK(rte_mempool_avail_count(pool) == avail);
	cap_reset(&cap_a);
}

/* Reorder: a held frame comes out right after the next one; a lone held
 * frame after HS_IMPAIR_REORDER_MAX_US. */
static void
test_reorder(void)
{
	struct hs_stats st;
	struct hs_impair *im = mk("reorder=100", &st);
	struct rte_mbuf *b[4];
	uint64_t t0 = now_us;

	cap_reset(&cap_a);
	for (uint32_t i = 0; i < 4; i++)
		b[i] = mk_frame(i, FRAME_LEN, true);
	hs_impair_input(im, HS_IMPAIR_TX, t0, b, 4);
	CHECK(cap_a.n == 4);
	CHECK(cap_a.id[0] == 1 && cap_a.id[1] == 0 && cap_a.id[2] == 3 &&
	      cap_a.id[3] == 2);
	CHECK(st.impair_tx_reorder == 2);
	b[0] = mk_frame(9, FRAME_LEN, true);
	hs_impair_input(im, HS_IMPAIR_TX, t0, b, 1);
	CHECK(cap_a.n == 4 && hs_impair_held(im, HS_IMPAIR_TX) == 1);
	CHECK(hs_impair_release(im, HS_IMPAIR_TX,
				t0 + HS_IMPAIR_REORDER_MAX_US - 1) == 0);
	CHECK(hs_impair_release(im, HS_IMPAIR_TX,
				t0 + HS_IMPAIR_REORDER_MAX_US) == 1);
	CHECK(cap_a.n == 5 && cap_a.id[4] == 9);
	hs_impair_free(im);
	cap_reset(&cap_a);

	/* dup of a frame: the copy follows the original, same bytes */
	im = mk("dup=100", &st);
	b[0] = mk_frame(5, FRAME_LEN, true);
	hs_impair_input(im, HS_IMPAIR_RX, t0, b, 1);
	CHECK(cap_a.n == 2 && cap_a.id[0] == 5 && cap_a.id[1] == 5 &&
	      cap_a.hash[0] == cap_a.hash[1]);
	CHECK(st.impair_rx_dup == 1);
	hs_impair_free(im);
	cap_reset(&cap_a);

	/* loss=100: nothing comes out, everything freed */
	im = mk("loss=100", &st);
	feed(im, HS_IMPAIR_RX, 0, 100);
	CHECK(cap_a.n == 0 && st.impair_rx_loss == 100);
	hs_impair_free(im);
}

int
main(int argc, char **argv)
{
	char *eal_args[] = { "test_impair",
			     "--no-huge",
			     "--no-pci",
			     "--no-shconf",
			     "--file-prefix=hs_test_impair",
			     "-m",
			     "128",
			     "--log-level=lib.eal:error",
			     "--no-telemetry" };

	if (rte_eal_init((int)HS_ARRAY_SIZE(eal_args), eal_args) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("test_impair", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "pool create failed\n");
		return 1;
	}
	now_us = 1000000;
	test_parse();
	test_off_identity();
	test_deterministic();
	test_rates();
	test_corrupt();
	test_corrupt_offload();
	test_delay();
	test_bounded();
	test_reorder();
	CHECK(rte_mempool_avail_count(pool) == POOL_SIZE);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return hs_check_summary("test_impair");
}
