/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_tls_hello.c - libFuzzer target for what a TLS client sends first:
 * the first-flight hold and ClientHello reassembly (hs_tls_hello.c), the
 * SNI parser, and the 0-RTT anti-replay sniffer (hs_tls_early.c), fed
 * as hs_tls.c feeds them: the transport delivers the bytes in chunks,
 * the held flight is then replayed to the sniffer in other chunks.
 *
 * Input: byte 0 seeds the chunk sizes, the rest is the byte stream.
 * Invariants (abort on violation):
 *  - the hold never asks for more than HS_TLS_HOLD_MAX bytes in all, and
 *    never for a byte past the record completing the ClientHello;
 *  - a complete hold holds a ClientHello message of at most
 *    HS_TLS_HELLO_MAX bytes;
 *  - a server name read is 1..255 printable ASCII bytes;
 *  - the sniffer, fed the held flight, has a verdict by its end (both
 *    parsers agree on where the ClientHello ends), and only the codes
 *    0, -EALREADY, -EBADMSG.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_tls_early.h"
#include "hs_tls_hello.h"

#define FZ_ASSERT(c)                                                          \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, \
				__FILE__, __LINE__);                          \
			abort();                                              \
		}                                                             \
	} while (0)

static uint32_t
fz_next(uint32_t *seed, uint32_t max)
{
	*seed = *seed * 1103515245u + 12345u;
	return 1 + (*seed >> 16) % max;
}

static int
fz_sniff(const uint8_t *p, size_t n, uint32_t seed, bool *off)
{
	struct hs_tls_early_sniff sn;
	int rc = 0;
	size_t i = 0;

	hs_tls_early_sniff_start(&sn);
	while (i < n && sn.state != 0) {
		size_t k = fz_next(&seed, 64);

		if (k > n - i)
			k = n - i;
		rc = hs_tls_early_sniff_feed(&sn, p + i, k);
		FZ_ASSERT(rc == 0 || rc == -EALREADY || rc == -EBADMSG);
		if (rc < 0)
			FZ_ASSERT(sn.state == 0);
		i += k;
	}
	*off = sn.state == 0;
	hs_tls_early_sniff_stop(&sn);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool inited;
	struct hs_tls_hold h;
	uint32_t seed, pos = 0, mlen = 0;
	const uint8_t *msg;
	char name[256];
	bool off;
	int rc = 0;

	if (!inited) {
		if (hs_tls_early_table_init(1024, 60) != 0)
			abort();
		inited = true;
	}
	if (size < 1)
		return 0;
	seed = data[0];
	data++;
	size--;

	/* the transport: chunks of 1..want bytes */
	memset(&h, 0, sizeof(h));
	while (rc == 0 && pos < size) {
		uint32_t want = hs_tls_hold_want(&h), k;

		FZ_ASSERT(want > 0 && h.len + want <= HS_TLS_HOLD_MAX);
		if (hs_tls_hold_reserve(&h) < 0)
			abort();
		k = fz_next(&seed, want < 300 ? want : 300);
		if (seed & 0x10000)
			k = want;
		if (k > want)
			k = want;
		if (k > size - pos)
			k = (uint32_t)(size - pos);
		memcpy(h.raw + h.len, data + pos, k);
		pos += k;
		rc = hs_tls_hold_add(&h, k);
		FZ_ASSERT(rc == 0 || rc == 1 ||
			  rc == -HS_TLS_AL_UNEXPECTED_MESSAGE ||
			  rc == -HS_TLS_AL_RECORD_OVERFLOW ||
			  rc == -HS_TLS_AL_DECODE_ERROR);
	}
	if (rc == 1) {
		FZ_ASSERT(hs_tls_hold_want(&h) == 0);
		FZ_ASSERT(h.len == pos); /* nothing pulled past the hello */
		msg = hs_tls_hold_msg(&h, &mlen);
		FZ_ASSERT(msg != NULL && mlen >= 4 && mlen <= HS_TLS_HELLO_MAX);
		FZ_ASSERT(msg[0] == 1);
		FZ_ASSERT(mlen == 4 + ((uint32_t)msg[1] << 16 |
				       (uint32_t)msg[2] << 8 | msg[3]));
		memset(name, 'x', sizeof(name));
		if (hs_tls_parse_sni(msg, mlen, name, sizeof(name)) == 1) {
			size_t l = strlen(name);

			FZ_ASSERT(l >= 1 && l < sizeof(name));
			for (size_t i = 0; i < l; i++)
				FZ_ASSERT(name[i] > 0x20 && name[i] < 0x7f);
		}
		/* what wolfSSL then gets, through the sniffer */
		(void)fz_sniff(h.raw, h.len, seed, &off);
		FZ_ASSERT(off);
	} else {
		FZ_ASSERT(hs_tls_hold_msg(&h, &mlen) == NULL && mlen == 0);
		/* the sniffer on its own, over the raw stream */
		(void)fz_sniff(data, size, seed, &off);
	}
	hs_tls_hold_free(&h);
	return 0;
}
