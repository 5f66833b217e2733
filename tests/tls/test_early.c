/* SPDX-License-Identifier: BSD-3-Clause
 * test_early.c - the 0-RTT anti-replay record (hs_tls_early.h): a
 * ClientHello offering early data is recorded once and reported as a
 * replay (its 0-RTT is then rejected) when it comes again, however its
 * bytes are split; others are not recorded;
 * entries expire after the window; one change_cipher_spec record
 * before it is skipped as wolfSSL does; anything else it cannot follow
 * is a possible replay (fail closed).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hs_tls_early.h"

#include "hs_check.h"

/* A TLS 1.3 ClientHello record (RFC 8446 §4.1.2) with extensions:
 * supported_versions, [early_data], pre_shared_key (one identity, one
 * 32-byte binder filled with 'binder').  Returns its length. */
static size_t
client_hello(uint8_t *out, bool early, uint8_t binder)
{
	uint8_t ext[256], body[512];
	size_t e = 0, b = 0, n = 0;

	/* supported_versions: TLS 1.3 */
	memcpy(ext + e, "\x00\x2b\x00\x03\x02\x03\x04", 7);
	e += 7;
	if (early) {
		memcpy(ext + e, "\x00\x2a\x00\x00", 4);
		e += 4;
	}
	/* pre_shared_key: identities(2) [len(2) id(16) age(4)] binders(2)
	 * [len(1) binder(32)] = 2+22+2+33 = 59 */
	memcpy(ext + e, "\x00\x29\x00\x3b\x00\x16\x00\x10", 8);
	e += 8;
	memset(ext + e, 'T', 16);
	e += 16;
	memcpy(ext + e, "\x00\x00\x10\x00\x00\x21\x20", 7);
	e += 7;
	memset(ext + e, binder, 32);
	e += 32;
	body[b++] = 3;
	body[b++] = 3; /* legacy_version */
	memset(body + b, 0x5a, 32);
	b += 32;       /* random */
	body[b++] = 0; /* session id */
	memcpy(body + b, "\x00\x02\x13\x01", 4);
	b += 4; /* cipher suites */
	memcpy(body + b, "\x01\x00", 2);
	b += 2; /* compression */
	body[b++] = (uint8_t)(e >> 8);
	body[b++] = (uint8_t)e;
	memcpy(body + b, ext, e);
	b += e;
	out[n++] = 22;
	out[n++] = 3;
	out[n++] = 1; /* record header */
	out[n++] = (uint8_t)((b + 4) >> 8);
	out[n++] = (uint8_t)(b + 4);
	out[n++] = 1; /* client_hello */
	out[n++] = 0;
	out[n++] = (uint8_t)(b >> 8);
	out[n++] = (uint8_t)b;
	memcpy(out + n, body, b);
	return n + b;
}

/* Feed a ClientHello to a fresh sniffer in chunks of 'step' bytes. */
static int
feed(const uint8_t *p, size_t n, size_t step)
{
	struct hs_tls_early_sniff sn;
	int rc = 0;

	hs_tls_early_sniff_start(&sn);
	for (size_t i = 0; i < n && rc == 0; i += step)
		rc = hs_tls_early_sniff_feed(&sn, p + i,
					     n - i < step ? n - i : step);
	hs_tls_early_sniff_stop(&sn);
	return rc;
}

/* Prefix a change_cipher_spec record (RFC 8446 §5: wolfSSL takes one
 * before the ClientHello) of value v. */
static size_t
ccs(uint8_t *out, uint8_t v)
{
	memcpy(out, "\x14\x03\x03\x00\x01", 5);
	out[5] = v;
	return 6;
}

/* Re-frame a one-record ClientHello (rec, len) as records cut after the
 * message bytes at cut[0] < cut[1] < ... (offsets into the message). */
static size_t
reframe(uint8_t *out, const uint8_t *rec, size_t len, const size_t *cut,
	size_t ncut)
{
	const uint8_t *m = rec + 5;
	size_t mlen = len - 5, o = 0, from = 0;

	for (size_t i = 0; i <= ncut; i++) {
		size_t to = i < ncut ? cut[i] : mlen;

		out[o++] = 22;
		out[o++] = 3;
		out[o++] = 3;
		out[o++] = (uint8_t)((to - from) >> 8);
		out[o++] = (uint8_t)(to - from);
		memcpy(out + o, m + from, to - from);
		o += to - from;
		from = to;
	}
	return o;
}

/* What the sniffer must skip (one change_cipher_spec) and what it must
 * not take for "not a replay" (anything else before or inside the
 * ClientHello, malformed bodies). */
static void
test_ccs_and_framing(const uint8_t *a, size_t la)
{
	uint8_t x[2048], y[1024];
	size_t lx, ly;

	/* the replay of a (recorded above) with a CCS in front: still a
	 * replay, whole, byte by byte, in odd chunks */
	lx = ccs(x, 1);
	memcpy(x + lx, a, la);
	lx += la;
	CHECK(feed(x, lx, lx) == -EALREADY);
	CHECK(feed(x, lx, 1) == -EALREADY);
	CHECK(feed(x, lx, 5) == -EALREADY);
	CHECK(feed(x, lx, 7) == -EALREADY);
	/* a fresh one behind a CCS is recorded, then refused bare */
	ly = client_hello(y, true, 0xd4);
	lx = ccs(x, 1);
	memcpy(x + lx, y, ly);
	CHECK(feed(x, lx + ly, 3) == 0);
	CHECK(feed(y, ly, ly) == -EALREADY);
	/* split over records, and behind a CCS: the same ClientHello */
	for (size_t cut = 1; cut < la - 5; cut++) {
		size_t c[1] = { cut };

		lx = reframe(x, a, la, c, 1);
		CHECK(feed(x, lx, lx) == -EALREADY);
		lx = ccs(x, 1);
		lx += reframe(x + lx, a, la, c, 1);
		CHECK(feed(x, lx, 2) == -EALREADY);
	}
	/* two CCS (wolfSSL refuses the second), a CCS of another value or
	 * length, a CCS between fragments: no verdict of "fresh" */
	lx = ccs(x, 1);
	lx += ccs(x + lx, 1);
	memcpy(x + lx, y, ly);
	CHECK(feed(x, lx + ly, lx + ly) == -EBADMSG);
	lx = ccs(x, 2);
	memcpy(x + lx, y, ly);
	CHECK(feed(x, lx + ly, lx + ly) == -EBADMSG);
	memcpy(x, "\x14\x03\x03\x00\x02\x01\x01", 7);
	memcpy(x + 7, y, ly);
	CHECK(feed(x, 7 + ly, 1) == -EBADMSG);
	{
		size_t c[1] = { 40 };

		lx = reframe(x, y, ly, c, 1);
		/* insert a CCS after the first record (5 + 40 bytes) */
		memmove(x + 45 + 6, x + 45, lx - 45);
		ccs(x + 45, 1);
		CHECK(feed(x, lx + 6, lx + 6) == -EBADMSG);
	}
	/* an alert, application data, a zero-length handshake record or an
	 * over-long record before the hello */
	memcpy(x, "\x15\x03\x03\x00\x02\x01\x00", 7);
	memcpy(x + 7, y, ly);
	CHECK(feed(x, 7 + ly, 7 + ly) == -EBADMSG);
	memcpy(x, "\x17\x03\x03\x00\x01\x00", 6);
	memcpy(x + 6, y, ly);
	CHECK(feed(x, 6 + ly, 6 + ly) == -EBADMSG);
	memcpy(x, "\x16\x03\x03\x00\x00", 5);
	memcpy(x + 5, y, ly);
	CHECK(feed(x, 5 + ly, 5 + ly) == -EBADMSG);
	memcpy(x, "\x16\x03\x03\x40\x01", 5);
	CHECK(feed(x, 5, 5) == -EBADMSG);
	/* an unknown record type (SSLv2-style first byte) */
	memcpy(x, y, ly);
	x[0] = 0x80;
	CHECK(feed(x, ly, ly) == -EBADMSG);
	/* extensions block not filling the hello (trailing bytes), and a
	 * hello shorter than its fields */
	memcpy(x, y, ly);
	x[4] += 1; /* record + 1 */
	x[8] += 1; /* message + 1 */
	x[ly] = 0;
	CHECK(feed(x, ly + 1, ly + 1) == -EBADMSG);
	memcpy(x, y, ly);
	x[8] -= 1; /* message one byte short of its extensions */
	CHECK(feed(x, ly, ly) == -EBADMSG);
	/* a field (cipher suites) running past the end of the hello, the
	 * record ending with the hello: a verdict at once, not a wait */
	memcpy(x, y, ly);
	x[5 + 4 + 2 + 32 + 1] = 0x01;
	x[5 + 4 + 2 + 32 + 2] = 0xff;
	CHECK(feed(x, ly, ly) == -EBADMSG);
	CHECK(feed(x, ly, 1) == -EBADMSG);
	/* early_data without a pre_shared_key to fingerprint: no 0-RTT
	 * (RFC 8446 §4.2.10 needs a PSK; nothing to record it by) */
	{
		static const uint8_t h[] = {
			22, 3,  1,    0,    58, 1,    0,  0,  54, 3,    3,
			1,  2,  3,    4,    5,  6,    7,  8,  9,  10,   11,
			12, 13, 14,   15,   16, 17,   18, 19, 20, 21,   22,
			23, 24, 25,   26,   27, 28,   29, 30, 31, 32,   0,
			0,  2,  0x13, 0x01, 1,  0,    0,  11, 0,  0x2b, 0,
			3,  2,  3,    4,    0,  0x2a, 0,  0,
		};
		CHECK(feed(h, sizeof(h), sizeof(h)) == -EALREADY);
		CHECK(feed(h, sizeof(h), 1) == -EALREADY);
	}
	/* no extensions at all (TLS 1.2 allows it): no early data, fine */
	{
		static const uint8_t h[] = {
			22, 3,  1,  0,  45, 1,  0,  0,    41,   3,  3,  1,  2,
			3,  4,  5,  6,  7,  8,  9,  10,   11,   12, 13, 14, 15,
			16, 17, 18, 19, 20, 21, 22, 23,   24,   25, 26, 27, 28,
			29, 30, 31, 32, 0,  0,  2,  0xc0, 0x2b, 1,  0,
		};
		CHECK(feed(h, sizeof(h), 1) == 0);
		CHECK(feed(h, sizeof(h), sizeof(h)) == 0);
	}
}

int
main(void)
{
	uint8_t a[1024], b[1024], c[1024];
	size_t la, lb, lc;
	struct hs_tls_early_stats st;

	CHECK(hs_tls_early_table_init(64, 2) == 0);
	la = client_hello(a, true, 0xa1);
	lb = client_hello(b, true, 0xb2);
	lc = client_hello(c, false, 0xc3);

	/* recorded once, refused the second time: whole, split, per byte */
	CHECK(feed(a, la, la) == 0);
	CHECK(feed(a, la, la) == -EALREADY);
	CHECK(feed(a, la, 1) == -EALREADY);
	CHECK(feed(a, la, 7) == -EALREADY);
	/* another binder is another ClientHello */
	CHECK(feed(b, lb, 1) == 0);
	CHECK(feed(b, lb, 3) == -EALREADY);
	/* without early_data: never recorded, never refused */
	CHECK(feed(c, lc, lc) == 0);
	CHECK(feed(c, lc, lc) == 0);
	/* not a handshake record, or not a ClientHello, or malformed: a
	 * possible replay (fail closed), never "not a replay" */
	{
		uint8_t x[1024];

		memcpy(x, a, la);
		x[0] = 23;
		CHECK(feed(x, la, la) == -EBADMSG &&
		      feed(x, la, 1) == -EBADMSG);
		memcpy(x, a, la);
		x[5] = 2; /* server_hello */
		CHECK(feed(x, la, la) == -EBADMSG &&
		      feed(x, la, 3) == -EBADMSG);
		/* an extension longer than the block */
		memcpy(x, b, lb);
		x[5 + 4 + 2 + 32 + 1 + 4 + 2 + 2 + 3] = 0xff;
		CHECK(feed(x, lb, 5) == -EBADMSG);
		/* truncated: nothing decided yet */
		CHECK(feed(a, la - 10, 4) == 0);
	}
	hs_tls_early_stats(&st);
	CHECK(st.recorded == 2);
	CHECK(st.replays == 4);

	test_ccs_and_framing(a, la);

	/* entries expire after the window (2 s) */
	sleep(3);
	CHECK(feed(a, la, la) == 0);
	CHECK(feed(a, la, la) == -EALREADY);

	/* a flood of distinct ClientHellos in a 64-slot table: old entries
	 * are reused, the newest are still refused */
	for (int i = 0; i < 200; i++) {
		uint8_t x[1024];
		size_t lx = client_hello(x, true, (uint8_t)i);

		x[lx - 1] = (uint8_t)(i >> 8) ^ 0x55;
		CHECK(feed(x, lx, lx) == 0 || i == 0xa1 || i == 0xb2);
		if (i == 199)
			CHECK(feed(x, lx, lx) == -EALREADY);
	}
	hs_tls_early_stats(&st);
	CHECK(st.evictions > 0);

	hs_tls_early_table_fini();
	return hs_check_summary("test_early");
}
