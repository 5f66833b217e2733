/* SPDX-License-Identifier: BSD-3-Clause
 * hs_siphash.h - SipHash (1-3 of 12 bytes, 2-4 of 16 bytes) and random keys.
 *
 * For values an off-path peer must not be able to predict or correlate:
 * the software steering hash (4-tuple -> lcore, hs_lcore.c) and the
 * challenge-ACK budget (RFC 5961 §7, hs_tcp_out.c).  SipHash-1-3 is a
 * PRF for a 128-bit key (Aumasson & Bernstein); the 12-byte messages
 * here cost 5 SipRounds.
 * Header-only so that lib_hs_net and lib_hs_tcp (which link without each
 * other in the unit tests) both use it.
 */
#ifndef HS_SIPHASH_H
#define HS_SIPHASH_H

#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_random.h>

#define HS_SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define HS_SIP_ROUND(v0, v1, v2, v3)      \
	do {                              \
		v0 += v1;                 \
		v1 = HS_SIP_ROTL(v1, 13); \
		v1 ^= v0;                 \
		v0 = HS_SIP_ROTL(v0, 32); \
		v2 += v3;                 \
		v3 = HS_SIP_ROTL(v3, 16); \
		v3 ^= v2;                 \
		v0 += v3;                 \
		v3 = HS_SIP_ROTL(v3, 21); \
		v3 ^= v0;                 \
		v2 += v1;                 \
		v1 = HS_SIP_ROTL(v1, 17); \
		v1 ^= v2;                 \
		v2 = HS_SIP_ROTL(v2, 32); \
	} while (0)

/* SipHash-1-3 of the 12-byte message a || b (a's 8 bytes, then b's 4,
 * little-endian) under key k: one compression round per 8-byte block and
 * a last block holding the 4 remaining bytes and the length, then 3
 * finalisation rounds; 5 SipRounds in all. */
static inline uint64_t
hs_siphash13_12(const uint64_t k[2], uint64_t a, uint32_t b)
{
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k[1] ^ 0x7465646279746573ULL;
	const uint64_t last = ((uint64_t)12 << 56) | b;

	v3 ^= a;
	HS_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= a;
	v3 ^= last;
	HS_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	HS_SIP_ROUND(v0, v1, v2, v3);
	HS_SIP_ROUND(v0, v1, v2, v3);
	HS_SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* SipHash-2-4 of the 16-byte message a || b under key k (RFC 6528 ISNs,
 * timestamp offsets and SYN-cookie MACs, hs_tcp_conn.c). */
static inline uint64_t
hs_siphash24_16(const uint64_t k[2], uint64_t a, uint64_t b)
{
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k[1] ^ 0x7465646279746573ULL;
	const uint64_t fin = (uint64_t)16 << 56;

	v3 ^= a;
	HS_SIP_ROUND(v0, v1, v2, v3);
	HS_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= a;
	v3 ^= b;
	HS_SIP_ROUND(v0, v1, v2, v3);
	HS_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v3 ^= fin;
	HS_SIP_ROUND(v0, v1, v2, v3);
	HS_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= fin;
	v2 ^= 0xff;
	HS_SIP_ROUND(v0, v1, v2, v3);
	HS_SIP_ROUND(v0, v1, v2, v3);
	HS_SIP_ROUND(v0, v1, v2, v3);
	HS_SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* A fresh 128-bit key from the kernel's CSPRNG (getrandom(2), which
 * blocks only until the pool is first initialised).  Should that fail
 * (seccomp, very old kernel), DPDK's generator mixed with the TSC: weaker,
 * but never a constant.  Not for the packet path. */
static inline void
hs_siphash_key_new(uint64_t k[2])
{
	uint8_t *p = (uint8_t *)k;
	size_t got = 0;

	for (int tries = 0; got < 16 && tries < 8; tries++) {
		ssize_t n = getrandom(p + got, 16 - got, 0);

		if (n > 0)
			got += (size_t)n;
	}
	if (got == 16)
		return;
	k[0] = rte_rand() ^ rte_rdtsc();
	k[1] = rte_rand() ^ (rte_rdtsc() << 17);
}

#endif
