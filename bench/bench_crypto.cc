// SPDX-License-Identifier: BSD-3-Clause
// bench_crypto.cc - TLS record AES-GCM throughput: wolfSSL's own code
// (tuned build: AES-NI/AVX asm) against the ipsec-mb crypto-callback
// device (tls/hs_tls_crypto.c), both through wc_AesGcmEncrypt/Decrypt as
// wolfSSL's record layer calls them, plus ipsec-mb called directly (the
// device's dispatch overhead is the difference).  Record sizes: 64 B (a
// small response), 1400 B (one TCP segment), 16 KiB (a full record).
// 13-byte AAD (the TLS 1.2 header; TLS 1.3 uses 5: same cost class).
//
//   build/bench/bench_crypto [--benchmark_filter=Seal]
//
// BM_RecSeal: whole TLS 1.3 records sealed by the record layer
// (tls/hs_tls_rec.c) in place over 1448-byte pieces, as the dataplane
// hands it mbuf segments: header, AEAD, inner type and tag.
//
// Counters: bytes_per_second (plaintext bytes sealed or opened).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

extern "C" {
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <intel-ipsec-mb.h>

#include "hs_tls.h"
#include "hs_tls_crypto.h"
#include "hs_tls_rec.h"
}

namespace
{

enum Impl { kWolfSSL = 0, kDevice = 1 };

struct Record {
	std::vector<uint8_t> in, out;
	uint8_t key[32], iv[12], aad[13], tag[16];

	explicit Record(size_t len) : in(len), out(len)
	{
		uint32_t seed = 12345;

		for (auto &b : in) {
			seed = seed * 1103515245u + 12345u;
			b = static_cast<uint8_t>(seed >> 16);
		}
		for (size_t i = 0; i < sizeof(key); i++)
			key[i] = static_cast<uint8_t>(i * 7 + 1);
		memset(iv, 0x42, sizeof(iv));
		memset(aad, 0x17, sizeof(aad));
	}
};

bool
SetupAes(benchmark::State &state, Aes *aes, const Record &r, int keylen,
	 Impl impl)
{
	int dev = impl == kDevice ? HS_TLS_CRYPTO_DEVID : INVALID_DEVID;

	if (wc_AesInit(aes, nullptr, dev) != 0 ||
	    wc_AesGcmSetKey(aes, r.key, static_cast<word32>(keylen)) != 0) {
		state.SkipWithError("AES-GCM key set-up failed");
		return false;
	}
	return true;
}

// args: record length, key length (16/32), impl
void
BM_Seal(benchmark::State &state)
{
	const size_t len = static_cast<size_t>(state.range(0));
	const int keylen = static_cast<int>(state.range(1));
	const Impl impl = static_cast<Impl>(state.range(2));
	Record r(len);
	Aes aes;

	if (!SetupAes(state, &aes, r, keylen, impl))
		return;
	for (auto _ : state) {
		int rc = wc_AesGcmEncrypt(&aes, r.out.data(), r.in.data(),
					  static_cast<word32>(len), r.iv, 12,
					  r.tag, 16, r.aad, sizeof(r.aad));
		if (rc != 0) {
			state.SkipWithError("seal failed");
			break;
		}
		benchmark::DoNotOptimize(r.tag);
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
				static_cast<int64_t>(len));
	wc_AesFree(&aes);
}

void
BM_Open(benchmark::State &state)
{
	const size_t len = static_cast<size_t>(state.range(0));
	const int keylen = static_cast<int>(state.range(1));
	const Impl impl = static_cast<Impl>(state.range(2));
	Record r(len);
	std::vector<uint8_t> ct(len);
	Aes aes;

	if (!SetupAes(state, &aes, r, keylen, impl))
		return;
	if (wc_AesGcmEncrypt(&aes, ct.data(), r.in.data(),
			     static_cast<word32>(len), r.iv, 12, r.tag, 16,
			     r.aad, sizeof(r.aad)) != 0) {
		state.SkipWithError("seal failed");
		return;
	}
	for (auto _ : state) {
		int rc = wc_AesGcmDecrypt(&aes, r.out.data(), ct.data(),
					  static_cast<word32>(len), r.iv, 12,
					  r.tag, 16, r.aad, sizeof(r.aad));
		if (rc != 0) {
			state.SkipWithError("open failed");
			break;
		}
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
				static_cast<int64_t>(len));
	wc_AesFree(&aes);
}

// ipsec-mb without wolfSSL around it: the ceiling for the device.
void
BM_SealIpsecMbDirect(benchmark::State &state)
{
	const size_t len = static_cast<size_t>(state.range(0));
	const int keylen = static_cast<int>(state.range(1));
	Record r(len);
	IMB_MGR *m = alloc_mb_mgr(0);
	struct gcm_key_data *kd = static_cast<struct gcm_key_data *>(
		aligned_alloc(64, sizeof(struct gcm_key_data)));
	alignas(16) uint8_t key[32];
	struct gcm_context_data ctx;

	if (m == nullptr || kd == nullptr) {
		state.SkipWithError("out of memory");
		free_mb_mgr(m);
		free(kd);
		return;
	}
	init_mb_mgr_auto(m, nullptr);
	memcpy(key, r.key, sizeof(key));
	if (keylen == 16)
		IMB_AES128_GCM_PRE(m, key, kd);
	else
		IMB_AES256_GCM_PRE(m, key, kd);
	for (auto _ : state) {
		if (keylen == 16)
			IMB_AES128_GCM_ENC(m, kd, &ctx, r.out.data(),
					   r.in.data(), len, r.iv, r.aad,
					   sizeof(r.aad), r.tag, 16);
		else
			IMB_AES256_GCM_ENC(m, kd, &ctx, r.out.data(),
					   r.in.data(), len, r.iv, r.aad,
					   sizeof(r.aad), r.tag, 16);
		benchmark::DoNotOptimize(r.tag);
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
				static_cast<int64_t>(len));
	free(kd);
	free_mb_mgr(m);
}

// hs_tls_rec_seal of one TLS 1.3 record over 1448-byte pieces (mbuf
// segments), in place; args: record plaintext length, key length.
void
BM_RecSeal(benchmark::State &state)
{
	const size_t len = static_cast<size_t>(state.range(0));
	const int keylen = static_cast<int>(state.range(1));
	std::vector<uint8_t> buf(len + 64);
	std::vector<hs_tls_iov> v;
	uint8_t key[32], iv[12];
	struct hs_tls_rec r;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = static_cast<uint8_t>(i * 7 + 1);
	memset(iv, 0x42, sizeof(iv));
	if (hs_tls_rec_init(&r, HS_TLS_V13, keylen == 16 ? 0x1301 : 0x1302) !=
		    0 ||
	    hs_tls_rec_set_key(&r, HS_TLS_REC_WRITE, key,
			       static_cast<size_t>(keylen), iv, 12, 0) != 0) {
		state.SkipWithError("record layer set-up failed");
		return;
	}
	for (size_t off = 0; off < len; off += 1448)
		v.push_back({ buf.data() + 5 + off,
			      std::min<size_t>(1448, len - off) });
	for (auto _ : state) {
		long rl = hs_tls_rec_seal(&r, HS_TLS_CT_APPDATA, buf.data(),
					  v.data(), static_cast<int>(v.size()),
					  buf.data() + 5 + len, 0);
		benchmark::DoNotOptimize(rl);
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
				static_cast<int64_t>(len));
	hs_tls_rec_clear(&r);
}

void
Sizes(benchmark::internal::Benchmark *b)
{
	for (int keylen : { 16, 32 })
		for (int impl : { kWolfSSL, kDevice })
			for (int len : { 64, 1400, 16384 })
				b->Args({ len, keylen, impl });
	b->ArgNames({ "len", "key", "ipsecmb" });
	b->MinTime(0.1);
}

void
SizesDirect(benchmark::internal::Benchmark *b)
{
	for (int keylen : { 16, 32 })
		for (int len : { 64, 1400, 16384 })
			b->Args({ len, keylen });
	b->ArgNames({ "len", "key" });
	b->MinTime(0.1);
}

BENCHMARK(BM_Seal)->Apply(Sizes);
BENCHMARK(BM_Open)->Apply(Sizes);
BENCHMARK(BM_SealIpsecMbDirect)->Apply(SizesDirect);
BENCHMARK(BM_RecSeal)->Apply(SizesDirect);

} // namespace

int
main(int argc, char **argv)
{
	if (hs_tls_global_init() != 0) {
		fprintf(stderr, "bench_crypto: hs_tls_global_init failed "
				"(ipsec-mb device not available?)\n");
		return 1;
	}
	benchmark::AddCustomContext("wolfssl", hs_tls_version_string());
	benchmark::AddCustomContext("ipsec_mb", hs_tls_crypto_version());
	benchmark::AddCustomContext("ipsec_mb_arch", hs_tls_crypto_arch());
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	hs_tls_global_fini();
	return 0;
}
