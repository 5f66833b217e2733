/* SPDX-License-Identifier: BSD-3-Clause
 * hs_cksum.h - Internet checksum (RFC 1071) partial sums for segment
 * building (hs_tcp_out.c): the software path on ports without checksum
 * offload (memif, af_packet, af_xdp), where summing every payload byte
 * is a fixed part of a bulk response's cost.
 *
 * hs_cksum_add(buf, len, sum) adds the 32-bit words of buf (memory byte
 * order, RFC 1071 §2(B)) to a 64-bit sum whose carries fold later
 * (§2(C): any word size works); hs_cksum_fold folds it to 16 bits.
 * On a CPU with AVX2 (checked at run time) the bulk goes 64 bytes per
 * step in four 64-bit lanes; otherwise 32 bytes per step in scalar
 * registers (about four times fewer steps than DPDK's 16-bit loop).
 * Both give the same sum.  len <= 64 KiB.
 */
#ifndef HS_CKSUM_H
#define HS_CKSUM_H

#include <stdint.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_mbuf.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

/* The scalar sum (also the tail of the vector one). */
static inline uint64_t
hs_cksum_add_scalar(const void *buf, uint32_t len, uint64_t sum)
{
	const uint8_t *p = buf;
	uint64_t w[4];
	uint32_t x;
	uint16_t h;

	for (; len >= 32; p += 32, len -= 32) {
		memcpy(w, p, 32);
		sum += (w[0] & 0xffffffffu) + (w[0] >> 32) +
		       (w[1] & 0xffffffffu) + (w[1] >> 32) +
		       (w[2] & 0xffffffffu) + (w[2] >> 32) +
		       (w[3] & 0xffffffffu) + (w[3] >> 32);
	}
	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&x, p, 4);
		sum += x;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len) /* the last byte, zero-padded */
		sum += rte_cpu_to_be_16((uint16_t)(*p << 8));
	return sum;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* The vector sum, for CPUs with AVX2 whatever -march the file is built
 * with (DPDK's pkg-config flags end in -march=corei7): each 32-bit word
 * widened to a 64-bit lane, 64 bytes per step; 1024 steps of 64 KiB add
 * at most 2^43 per lane, no carry lost. */
static __attribute__((target("avx2"), unused)) uint64_t
hs_cksum_add_avx2(const uint8_t *p, uint32_t len, uint64_t sum)
{
	const __m256i z = _mm256_setzero_si256();
	__m256i a0 = z, a1 = z;
	uint64_t l[4];

	for (; len >= 64; p += 64, len -= 64) {
		__m256i u = _mm256_loadu_si256((const __m256i *)p);
		__m256i v = _mm256_loadu_si256((const __m256i *)(p + 32));

		a0 = _mm256_add_epi64(a0, _mm256_unpacklo_epi32(u, z));
		a1 = _mm256_add_epi64(a1, _mm256_unpackhi_epi32(u, z));
		a0 = _mm256_add_epi64(a0, _mm256_unpacklo_epi32(v, z));
		a1 = _mm256_add_epi64(a1, _mm256_unpackhi_epi32(v, z));
	}
	_mm256_storeu_si256((__m256i *)l, _mm256_add_epi64(a0, a1));
	return hs_cksum_add_scalar(p, len, sum + l[0] + l[1] + l[2] + l[3]);
}
#define HS_CKSUM_AVX2 1
#endif

static inline uint64_t
hs_cksum_add(const void *buf, uint32_t len, uint64_t sum)
{
#ifdef HS_CKSUM_AVX2
	if (len >= 128 && __builtin_cpu_supports("avx2"))
		return hs_cksum_add_avx2(buf, len, sum);
#endif
	return hs_cksum_add_scalar(buf, len, sum);
}

static inline uint16_t
hs_cksum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/* hs_cksum_add over len bytes of m's chain from byte off of its data
 * on: a piece starting at an odd offset of the range adds its sum
 * byte-swapped (RFC 1071 §2(B)).  The chain must hold them. */
static inline uint64_t
hs_cksum_add_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len,
		  uint64_t sum)
{
	uint32_t done = 0;

	for (; m != NULL && off >= rte_pktmbuf_data_len(m); m = m->next)
		off -= rte_pktmbuf_data_len(m);
	for (; m != NULL && done < len; m = m->next, off = 0) {
		uint32_t n = RTE_MIN((uint32_t)rte_pktmbuf_data_len(m) - off,
				     len - done);
		uint16_t part = hs_cksum_fold(hs_cksum_add(
			rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n,
			0));

		sum += (done & 1) ? rte_bswap16(part) : part;
		done += n;
	}
	return sum;
}

#endif /* HS_CKSUM_H */
