// SPDX-License-Identifier: BSD-3-Clause
// bench_http_parse.cc - the HTTP/1.1 request-head parser
// (http/hs_http_parse.c): a typical browser GET (about 500 bytes, 10
// fields), a minimal GET, and the same browser GET fed one more byte per
// call (the head split at every byte: resumption must stay O(n)).
//
//   build/bench/bench_http_parse [--benchmark_filter=Browser]
//
// Counters: bytes_per_second (head bytes parsed), items_per_second
// (complete heads parsed).
#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include "hs_http_parse.h"
}

namespace
{

const std::string kBrowserGet =
	"GET /assets/css/main.min.css?v=20261123 HTTP/1.1\r\n"
	"Host: www.example.com\r\n"
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
	"Firefox/128.0\r\n"
	"Accept: text/css,*/*;q=0.1\r\n"
	"Accept-Language: en-GB,en;q=0.5\r\n"
	"Accept-Encoding: gzip, deflate, br, zstd\r\n"
	"Referer: https://www.example.com/\r\n"
	"Connection: keep-alive\r\n"
	"Cookie: session=4f9c2a7b1e8d6035; theme=dark; consent=1\r\n"
	"Sec-Fetch-Dest: style\r\n"
	"Sec-Fetch-Mode: no-cors\r\n"
	"Sec-Fetch-Site: same-origin\r\n"
	"If-None-Match: \"5f3a-1b2c3d4e\"\r\n"
	"\r\n";

const std::string kMinimalGet = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

// Parse a whole head in one call; abort the benchmark if it does not parse.
void
ParseWhole(benchmark::State &state, const std::string &head)
{
	struct hs_http_req req;

	for (auto _ : state) {
		hs_http_req_init(&req);
		int rc = hs_http_parse_request(&req, head.data(), head.size());

		benchmark::DoNotOptimize(rc);
		benchmark::DoNotOptimize(req.num_headers);
		if (rc != (int)head.size()) {
			state.SkipWithError("head did not parse");
			break;
		}
	}
	state.SetBytesProcessed((int64_t)state.iterations() *
				(int64_t)head.size());
	state.SetItemsProcessed((int64_t)state.iterations());
}

void
BM_ParseBrowserGet(benchmark::State &state)
{
	ParseWhole(state, kBrowserGet);
}
BENCHMARK(BM_ParseBrowserGet);

void
BM_ParseMinimalGet(benchmark::State &state)
{
	ParseWhole(state, kMinimalGet);
}
BENCHMARK(BM_ParseMinimalGet);

// The browser GET arriving one byte at a time: len grows by one per call
// (as when every TCP segment carries one byte), buffer base fixed.
void
BM_ParseBrowserGetByteByByte(benchmark::State &state)
{
	const std::string &head = kBrowserGet;
	struct hs_http_req req;

	for (auto _ : state) {
		int rc = -EAGAIN;

		hs_http_req_init(&req);
		for (size_t len = 1; len <= head.size() && rc == -EAGAIN; len++)
			rc = hs_http_parse_request(&req, head.data(), len);
		benchmark::DoNotOptimize(rc);
		if (rc != (int)head.size()) {
			state.SkipWithError("split head did not parse");
			break;
		}
	}
	state.SetBytesProcessed((int64_t)state.iterations() *
				(int64_t)head.size());
	state.SetItemsProcessed((int64_t)state.iterations());
	state.counters["calls_per_head"] = (double)head.size();
}
BENCHMARK(BM_ParseBrowserGetByteByByte);

} // namespace

BENCHMARK_MAIN();
