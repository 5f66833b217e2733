/* SPDX-License-Identifier: BSD-3-Clause
 * test_early.c - the 0-RTT anti-replay record (hs_tls_early.h): a
 * ClientHello offering early data is recorded once and reported as a
 * replay (its 0-RTT is then rejected) when it comes again, however its
 * bytes are split; others are not recorded;
 * entries expire after the window; malformed input never trips it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hs_tls_early.h"

static int n_checks, n_fails;

#define CHECK(expr) do { n_checks++; if (!(expr)) { n_fails++; \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
		#expr); } } while (0)

/* A TLS 1.3 ClientHello record (RFC 8446 §4.1.2) with extensions:
 * supported_versions, [early_data], pre_shared_key (one identity, one
 * 32-byte binder filled with 'binder').  Returns its length. */
static size_t client_hello(uint8_t *out, bool early, uint8_t binder)
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
	body[b++] = 3; body[b++] = 3;                    /* legacy_version */
	memset(body + b, 0x5a, 32); b += 32;             /* random */
	body[b++] = 0;                                   /* session id */
	memcpy(body + b, "\x00\x02\x13\x01", 4); b += 4; /* cipher suites */
	memcpy(body + b, "\x01\x00", 2); b += 2;         /* compression */
	body[b++] = (uint8_t)(e >> 8); body[b++] = (uint8_t)e;
	memcpy(body + b, ext, e); b += e;
	out[n++] = 22; out[n++] = 3; out[n++] = 1;       /* record header */
	out[n++] = (uint8_t)((b + 4) >> 8); out[n++] = (uint8_t)(b + 4);
	out[n++] = 1;                                    /* client_hello */
	out[n++] = 0; out[n++] = (uint8_t)(b >> 8); out[n++] = (uint8_t)b;
	memcpy(out + n, body, b);
	return n + b;
}

/* Feed a ClientHello to a fresh sniffer in chunks of 'step' bytes. */
static int feed(const uint8_t *p, size_t n, size_t step)
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

int main(void)
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
	/* not a handshake record, or not a ClientHello: ignored */
	{
		uint8_t x[1024];

		memcpy(x, a, la);
		x[0] = 23;
		CHECK(feed(x, la, la) == 0 && feed(x, la, la) == 0);
		memcpy(x, a, la);
		x[5] = 2;            /* server_hello */
		CHECK(feed(x, la, la) == 0 && feed(x, la, la) == 0);
		/* an extension longer than the block: left to wolfSSL */
		memcpy(x, b, lb);
		x[5 + 4 + 2 + 32 + 1 + 4 + 2 + 2 + 3] = 0xff;
		CHECK(feed(x, lb, 5) == 0);
		/* truncated: nothing decided */
		CHECK(feed(a, la - 10, 4) == 0);
	}
	hs_tls_early_stats(&st);
	CHECK(st.recorded == 2);
	CHECK(st.replays == 4);

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
	printf("test_early: %d checks, %d failed\n", n_checks, n_fails);
	return n_fails ? 1 : 0;
}
