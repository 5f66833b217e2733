/* SPDX-License-Identifier: BSD-3-Clause
 * test_linkem_path.c - bench/linkem's path model (bench/linkem_path.h) on a
 * virtual clock: the bottleneck holds its rate, drops at its buffer size
 * (packets and bytes), serialises, keeps order under jitter, and loss,
 * delay and reordering do what they say.  No timing: exact counts, or
 * bounds wide enough for a seeded PRNG.
 */
#include <stdint.h>
#include <stdio.h>

#include "hs_check.h"
#include "linkem_path.h"

#define MS 1000000ull
#define US 1000ull

/* Frames are tagged by their sequence number cast to a pointer (+1: never
 * NULL). */
static void *
tag(uint64_t i)
{
	return (void *)(uintptr_t)(i + 1);
}
static uint64_t
untag(void *p)
{
	return (uint64_t)(uintptr_t)p - 1;
}

struct sink {
	uint64_t frames, bytes, first_ns, last_ns, last_seq, out_of_order;
	int seen;
};

static void
drain_to(struct lkp_dir *d, struct sink *s, uint64_t now, uint32_t len)
{
	void *out[32];
	unsigned n;

	while ((n = lkp_pop_due(d, now, out, 32)) > 0)
		for (unsigned i = 0; i < n; i++) {
			uint64_t seq = untag(out[i]);

			if (s->seen && seq < s->last_seq)
				s->out_of_order++;
			if (!s->seen)
				s->first_ns = now;
			s->seen = 1;
			s->last_seq = seq;
			s->last_ns = now;
			s->frames++;
			s->bytes += len;
		}
}

/* A burst of 1000 frames at once into 10 Mbit/s behind 20 packets: 20
 * queued, 980 dropped, and they leave exactly one serialisation time
 * apart after the delay. */
static void
test_burst_packets(void)
{
	struct lkp_params p = { .rate_mbit = 10,
				.limit_pkts = 20,
				.delay_ms = 5 };
	struct lkp_dir d;
	uint64_t ser, t0 = 1000 * MS;
	void *out[32];
	unsigned queued = 0;

	CHECK(lkp_init(&d, &p, 4096, 1));
	ser = lkp_ser_ns(&d, 1500);
	CHECK_EQ(ser, 1200 * US); /* 1500 B * 8 / 10 Mbit/s */
	for (uint64_t i = 0; i < 1000; i++)
		queued += lkp_enqueue(&d, tag(i), 1500, t0) == LKP_QUEUED;
	CHECK_EQ(queued, 20);
	CHECK_EQ(d.st.qdrop, 980);
	CHECK_EQ(d.st.max_q_pkts, 20);
	CHECK_EQ(d.st.max_q_bytes, 20 * 1500);
	CHECK_EQ(d.st.max_q_ns, 20 * ser);
	CHECK_EQ(d.st.lost, 0);
	/* nothing before serialisation + delay */
	CHECK_EQ(lkp_pop_due(&d, t0 + 5 * MS + ser - 1, out, 32), 0);
	for (uint64_t k = 1; k <= 20; k++) {
		unsigned n = lkp_pop_due(&d, t0 + 5 * MS + k * ser, out, 32);

		CHECK_EQ(n, 1);
		if (n == 1)
			CHECK_EQ(untag(out[0]), k - 1);
	}
	CHECK_EQ(lkp_queued(&d), 0);
	lkp_free(&d);
}

/* Offered at twice the rate for 2 s of virtual time, frames of 1000 B
 * every 400 us (20 Mbit/s) into 10 Mbit/s: the link delivers its rate
 * (within one buffer's worth), about half the frames are dropped by the
 * buffer, never by anything else, and the backlog never exceeds it. */
static void
test_sustained_rate(uint64_t limit_pkts, uint64_t limit_bytes)
{
	struct lkp_params p = { .rate_mbit = 10,
				.limit_pkts = limit_pkts,
				.limit_bytes = limit_bytes,
				.delay_ms = 20 };
	struct lkp_dir d;
	struct sink s = { 0 };
	uint64_t t, t_end = 2000 * MS, seq = 0, offered = 0;
	double mbit;

	CHECK(lkp_init(&d, &p, 8192, 7));
	for (t = 0; t < t_end; t += 400 * US) {
		drain_to(&d, &s, t, 1000);
		if (lkp_enqueue(&d, tag(seq++), 1000, t) == LKP_QUEUED)
			offered++;
	}
	for (; t < t_end + 500 * MS; t += 100 * US)
		drain_to(&d, &s, t, 1000);
	CHECK_EQ(s.frames, offered);
	CHECK_EQ(s.out_of_order, 0);
	CHECK_EQ(d.st.rx, 5000);
	CHECK_EQ(d.st.lost + d.st.overflow, 0);
	CHECK_EQ(d.st.qdrop + offered, 5000);
	/* 10 Mbit/s for 2 s is 2500 frames of 1000 B; plus what the buffer
	 * held at the end */
	CHECK(offered >= 2500 && offered <= 2500 + 60);
	CHECK(d.st.qdrop >= 2400 && d.st.qdrop <= 2500);
	mbit = (double)(s.bytes - 1000) * 8 / (double)(s.last_ns - s.first_ns) *
	       1e3;
	CHECK(mbit > 9.9 && mbit < 10.1);
	if (limit_pkts) {
		CHECK_EQ(d.st.max_q_pkts, limit_pkts);
	} else {
		CHECK(d.st.max_q_bytes <= limit_bytes);
		CHECK(d.st.max_q_bytes > limit_bytes - 1000);
	}
	lkp_free(&d);
}

/* Below the rate nothing queues beyond one frame and nothing drops. */
static void
test_under_rate(void)
{
	struct lkp_params p = { .rate_mbit = 100, .limit_pkts = 2 };
	struct lkp_dir d;
	struct sink s = { 0 };

	CHECK(lkp_init(&d, &p, 1024, 3));
	for (uint64_t i = 0; i < 1000; i++) {
		drain_to(&d, &s, i * 200 * US, 1500);
		CHECK(lkp_enqueue(&d, tag(i), 1500, i * 200 * US) ==
		      LKP_QUEUED);
	}
	drain_to(&d, &s, 1000 * 200 * US + MS, 1500);
	CHECK_EQ(s.frames, 1000);
	CHECK_EQ(d.st.qdrop, 0);
	CHECK_EQ(d.st.max_q_pkts, 1);
	lkp_free(&d);
}

/* Random loss: about the asked share, before the buffer (lost frames do
 * not take link time); jitter spreads but keeps order; reordering lets
 * later frames overtake. */
static void
test_loss_jitter_reorder(void)
{
	struct lkp_params p = { .loss = 0.02, .delay_ms = 20, .jitter_ms = 5 };
	struct lkp_dir d;
	struct sink s = { 0 };
	uint64_t t;

	CHECK(lkp_init(&d, &p, 8192, 11));
	for (t = 0; t < 100000; t++) {
		drain_to(&d, &s, t * 10 * US, 100);
		(void)lkp_enqueue(&d, tag(t), 100, t * 10 * US);
	}
	drain_to(&d, &s, UINT64_MAX - 1, 100);
	CHECK(d.st.lost > 1500 && d.st.lost < 2500); /* 2 % of 100000 */
	CHECK_EQ(s.frames + d.st.lost, 100000);
	CHECK_EQ(s.out_of_order, 0);
	CHECK_EQ(d.st.qdrop, 0);
	lkp_free(&d);

	struct lkp_params r = { .reorder = 0.05, .gap_ms = 1, .delay_ms = 1 };
	struct sink s2 = { 0 };

	CHECK(lkp_init(&d, &r, 8192, 5));
	for (t = 0; t < 10000; t++) {
		drain_to(&d, &s2, t * 10 * US, 100);
		(void)lkp_enqueue(&d, tag(t), 100, t * 10 * US);
	}
	drain_to(&d, &s2, UINT64_MAX - 1, 100);
	CHECK_EQ(s2.frames, 10000);
	CHECK(d.st.reordered > 300 && d.st.reordered < 700);
	CHECK(s2.out_of_order > 0);
	lkp_free(&d);
}

/* Paired runs: data frame j meets the same fate whatever number of
 * control frames (pure ACKs) came before it, since control frames draw
 * their loss from a stream of their own; control frames are lost too.
 * With one stream, one extra control frame shifts every later draw. */
static void
test_ctl_stream(void)
{
	struct lkp_params p = { .loss = 0.3, .delay_ms = 1 };
	struct lkp_dir a, b;
	uint64_t lost_a = 0, lost_b = 0, same = 1, ctl_lost, t = 0;

	CHECK(lkp_init(&a, &p, 8192, 77));
	CHECK(lkp_init(&b, &p, 8192, 77));
	for (uint64_t j = 0; j < 2000; j++, t++) {
		enum lkp_verdict va, vb;

		/* b gets 0-2 control frames before each data frame */
		for (uint64_t k = 0; k < j % 3; k++)
			(void)lkp_enqueue_ctl(&b, tag(j), 60, t * US, true);
		va = lkp_enqueue(&a, tag(j), 1500, t * US);
		vb = lkp_enqueue_ctl(&b, tag(j), 1500, t * US, false);
		lost_a += va == LKP_LOST;
		lost_b += vb == LKP_LOST;
		same &= (va == LKP_LOST) == (vb == LKP_LOST);
	}
	ctl_lost = b.st.lost - lost_b;
	CHECK(same);
	CHECK_EQ(lost_a, lost_b);
	CHECK(lost_a > 500 && lost_a < 700);  /* 30 % of 2000 */
	CHECK(ctl_lost > 500 && ctl_lost < 700); /* 30 % of 1999 */
	lkp_free(&a);
	lkp_free(&b);
}

/* A full delay line drops (overflow) and does not count as a buffer drop. */
static void
test_overflow(void)
{
	struct lkp_params p = { .delay_ms = 100 };
	struct lkp_dir d;
	unsigned q = 0;

	CHECK(lkp_init(&d, &p, 64, 1));
	for (uint64_t i = 0; i < 100; i++)
		q += lkp_enqueue(&d, tag(i), 100, i) == LKP_QUEUED;
	CHECK_EQ(q, 64);
	CHECK_EQ(d.st.overflow, 36);
	CHECK_EQ(d.st.qdrop, 0);
	lkp_free(&d);
}

int
main(void)
{
	test_burst_packets();
	test_sustained_rate(20, 0);
	test_sustained_rate(0, 30000);
	test_under_rate();
	test_loss_jitter_reorder();
	test_ctl_stream();
	test_overflow();
	return hs_check_summary("test_linkem_path");
}
