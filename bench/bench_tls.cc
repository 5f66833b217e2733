// SPDX-License-Identifier: BSD-3-Clause
// bench_tls.cc - server-side cost of TLS 1.3 on our hs_tls sessions,
// in process, no NIC: an hs_tls server session against a wolfSSL client
// joined by two memory FIFOs.
//
//   BM_FullHandshake   TLS 1.3 full handshake, X25519 + ECDSA P-256,
//                      TLS_AES_128_GCM_SHA256 (session new..free)
//   BM_ResumedHandshake  the same resuming a ticket (PSK + X25519 ECDHE,
//                      as OpenSSL/wrk clients resume)
//   BM_Request1K       keep-alive request/response on an open session:
//                      server opens a ~100 B request record and seals a
//                      1 KiB response record; 64 per iteration; own:0
//                      wolfSSL's record layer, own:1 ours (hs_tls_write)
//   BM_Request1KCold   the same over two sessions taking turns with a
//                      key pool of 2 blocks (tls/hs_tls_xkey.h): every
//                      record's key lost its block to the other session
//                      and is expanded again (the worst case of
//                      --tls-key-blocks; ratio to BM_Request1K = its cost)
//   BM_Response1MiB    a 1 MiB response in 16 KiB records on an open
//                      session: wolfSSL's record layer (own:0) or ours
//                      sealing into segment buffers (own:1)
//   BM_SessNewFree     hs_tls_sess_new + hs_tls_sess_free alone
//   BM_CryptoFloor     what a full handshake cannot avoid: ECDSA P-256
//                      sign + X25519 keygen + X25519 shared secret
//
// Only the server's calls are timed (manual time = the thread's CPU clock
// around hs_tls_* calls), so the client's work (its key share, signature
// verification, certificate checks) is not counted.  The reported time is
// server CPU per unit; compare rows of one run, not across runs.
//
//   build/bench/bench_tls [--benchmark_filter=Full] [--benchmark_repetitions=3]
//   HS_BENCH_CERT=cert.pem HS_BENCH_KEY=key.pem: use this key pair
//   (default: scripts/gen-cert.sh into a temporary directory)
#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>
#include <unistd.h>

extern "C" {
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfio.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/curve25519.h>
#include <wolfssl/wolfcrypt/random.h>

#include "hs_tls.h"
#include "hs_tls_crypto.h"
#include "hs_tls_xkey.h"
}

#ifndef HS_SOURCE_ROOT
#define HS_SOURCE_ROOT "."
#endif

namespace
{

std::string g_cert, g_key, g_tmpdir;
struct hs_tls_ctx *g_srv_ctx;
struct hs_tls_ctx *g_srv_ctx_own; // --tls-records own (hs_tls_own.c)
WOLFSSL_CTX *g_cli_ctx;

// ---- byte FIFO (linear, compacted when it runs out of tail room) ------

struct Fifo {
	std::vector<uint8_t> buf;
	size_t head = 0, tail = 0;

	Fifo() : buf(1 << 20)
	{
	}
	size_t len() const
	{
		return tail - head;
	}
	void clear()
	{
		head = tail = 0;
	}
	size_t put(const uint8_t *d, size_t n)
	{
		if (buf.size() - tail < n && head > 0) {
			memmove(buf.data(), buf.data() + head, tail - head);
			tail -= head;
			head = 0;
		}
		n = std::min(n, buf.size() - tail);
		memcpy(buf.data() + tail, d, n);
		tail += n;
		return n;
	}
	size_t get(uint8_t *d, size_t n)
	{
		n = std::min(n, len());
		memcpy(d, buf.data() + head, n);
		head += n;
		if (head == tail)
			head = tail = 0;
		return n;
	}
};

struct Pair {
	Fifo c2s, s2c;
	WOLFSSL *cli = nullptr;
	struct hs_tls_sess *srv = nullptr;
	// Our own records' output (RecGet/RecPut): 2 KiB segment buffers,
	// as the server's mbufs; defer: RecPut only keeps the record, Flush
	// hands it to s2c (off the clock: the server queues its mbufs).
	std::vector<uint8_t> segs = std::vector<uint8_t>(12 * 2176);
	bool defer = false;
	struct hs_tls_rec_out last {
	};
	size_t last_tail = 0;
	bool pending = false;
};

constexpr size_t kSeg = 2176;

int
RecGet(void *io, size_t hl, size_t len, size_t tl, struct hs_tls_rec_out *r)
{
	Pair *p = static_cast<Pair *>(io);
	size_t done = 0, room = kSeg - hl;
	int n = 0;

	r->hdr = p->segs.data();
	while (done < len || n == 0) {
		size_t k = std::min(room, len - done);
		uint8_t *d = p->segs.data() + (n == 0 ? hl : n * kSeg);

		if ((n + 1) * kSeg + tl > p->segs.size() ||
		    n == HS_TLS_REC_OUT_SEGS)
			return -EAGAIN;
		r->v[n].base = d;
		r->v[n++].len = k;
		done += k;
		room = kSeg;
	}
	r->n = n;
	r->tail = r->v[n - 1].base + r->v[n - 1].len;
	p->last_tail = tl;
	return 0;
}

void
Flush(Pair *p)
{
	const struct hs_tls_rec_out &r = p->last;

	if (!p->pending)
		return;
	p->s2c.put(r.hdr, static_cast<size_t>(r.v[0].base - r.hdr));
	for (int i = 0; i < r.n; i++)
		p->s2c.put(r.v[i].base, r.v[i].len);
	p->s2c.put(r.tail, p->last_tail);
	p->pending = false;
}

int
RecPut(void *io, struct hs_tls_rec_out *r, bool commit)
{
	Pair *p = static_cast<Pair *>(io);

	if (!commit)
		return 0;
	p->last = *r;
	p->pending = true;
	if (!p->defer)
		Flush(p);
	return 0;
}

const struct hs_tls_rec_out_ops kRecOps = { RecGet, RecPut };

int
SrvPull(void *io, uint8_t *buf, size_t len)
{
	return static_cast<int>(static_cast<Pair *>(io)->c2s.get(buf, len));
}

int
SrvPush(void *io, const uint8_t *buf, size_t len)
{
	return static_cast<int>(static_cast<Pair *>(io)->s2c.put(buf, len));
}

int
CliRecv(WOLFSSL *, char *buf, int sz, void *ctx)
{
	size_t n = static_cast<Pair *>(ctx)->s2c.get(
		reinterpret_cast<uint8_t *>(buf), static_cast<size_t>(sz));

	return n > 0 ? static_cast<int>(n) : WOLFSSL_CBIO_ERR_WANT_READ;
}

int
CliSend(WOLFSSL *, char *buf, int sz, void *ctx)
{
	size_t n = static_cast<Pair *>(ctx)->c2s.put(
		reinterpret_cast<const uint8_t *>(buf),
		static_cast<size_t>(sz));

	return n > 0 ? static_cast<int>(n) : WOLFSSL_CBIO_ERR_WANT_WRITE;
}

// ---- timing: the thread's CPU clock around server calls only ----------

inline double
ThreadCpu()
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

struct SrvClock {
	double acc = 0, t0 = 0;
	void start()
	{
		t0 = ThreadCpu();
	}
	void stop()
	{
		acc += ThreadCpu() - t0;
	}
};

// ---- one connection ----------------------------------------------------

bool
ClientNew(Pair *p, WOLFSSL_SESSION *resume)
{
	p->cli = wolfSSL_new(g_cli_ctx);
	if (p->cli == nullptr)
		return false;
	wolfSSL_SetIOReadCtx(p->cli, p);
	wolfSSL_SetIOWriteCtx(p->cli, p);
	// as OpenSSL 3.0 (wrk, curl) does: an X25519 key share
	if (wolfSSL_UseKeyShare(p->cli, WOLFSSL_ECC_X25519) != WOLFSSL_SUCCESS)
		return false;
	if (resume != nullptr &&
	    wolfSSL_set_session(p->cli, resume) != WOLFSSL_SUCCESS)
		return false;
	return true;
}

// Run a handshake; only server calls are on the clock.  After the server
// is done, the client reads its NewSessionTicket.  true on success.
bool
Handshake(Pair *p, SrvClock *clk, bool want_resumed)
{
	int srv_rc = -EAGAIN;
	bool cli_done = false;

	for (int round = 0; round < 64; round++) {
		if (!cli_done) {
			int r = wolfSSL_connect(p->cli);

			if (r == WOLFSSL_SUCCESS)
				cli_done = true;
			else {
				int e = wolfSSL_get_error(p->cli, r);

				if (e != WOLFSSL_ERROR_WANT_READ &&
				    e != WOLFSSL_ERROR_WANT_WRITE)
					return false;
			}
		}
		if (srv_rc == -EAGAIN && p->c2s.len() > 0) {
			clk->start();
			srv_rc = hs_tls_handshake(p->srv);
			clk->stop();
			if (srv_rc != 0 && srv_rc != -EAGAIN)
				return false;
		}
		if (cli_done && srv_rc == 0)
			break;
	}
	if (!cli_done || srv_rc != 0)
		return false;
	// client: take the ticket (no application data is pending)
	char b[16];
	int r = wolfSSL_read(p->cli, b, sizeof(b));
	if (r > 0 || wolfSSL_get_error(p->cli, r) != WOLFSSL_ERROR_WANT_READ)
		return false;
	return wolfSSL_session_reused(p->cli) == (want_resumed ? 1 : 0);
}

// One full connection set-up on the clock: session new, handshake, free.
bool
Connect(Pair *p, SrvClock *clk, WOLFSSL_SESSION *resume,
	struct hs_tls_ctx *ctx = nullptr)
{
	p->c2s.clear();
	p->s2c.clear();
	if (!ClientNew(p, resume))
		return false;
	clk->start();
	p->srv = hs_tls_sess_new(ctx != nullptr ? ctx : g_srv_ctx, SrvPull,
				 SrvPush, p);
	hs_tls_sess_set_rec_out(p->srv, &kRecOps);
	clk->stop();
	return p->srv != nullptr && Handshake(p, clk, resume != nullptr);
}

void
Disconnect(Pair *p, SrvClock *clk)
{
	clk->start();
	hs_tls_sess_free(p->srv);
	clk->stop();
	p->srv = nullptr;
	wolfSSL_free(p->cli);
	p->cli = nullptr;
}

void
BM_FullHandshake(benchmark::State &state)
{
	Pair p;

	for (auto _ : state) {
		SrvClock clk;

		if (!Connect(&p, &clk, nullptr)) {
			state.SkipWithError("full handshake failed");
			break;
		}
		Disconnect(&p, &clk);
		state.SetIterationTime(clk.acc);
	}
}

void
BM_ResumedHandshake(benchmark::State &state)
{
	Pair p;
	SrvClock warm;
	WOLFSSL_SESSION *sess;

	if (!Connect(&p, &warm, nullptr)) {
		state.SkipWithError("first handshake failed");
		return;
	}
	sess = wolfSSL_get1_session(p.cli);
	Disconnect(&p, &warm);
	if (sess == nullptr) {
		state.SkipWithError("no session to resume");
		return;
	}
	for (auto _ : state) {
		SrvClock clk;

		if (!Connect(&p, &clk, sess)) {
			state.SkipWithError("resumed handshake failed");
			break;
		}
		Disconnect(&p, &clk);
		state.SetIterationTime(clk.acc);
	}
	wolfSSL_SESSION_free(sess);
}

// Keep-alive round trip, server side: read one request (one record),
// write one 1 KiB response (one record).  kBatch requests per iteration,
// the client seals them all before and opens the responses after.
constexpr int kBatch = 64;

void
BM_Request1KCold(benchmark::State &state)
{
	static const char req[] = "GET /1k.bin HTTP/1.1\r\nHost: 198.18.0.1\r\n"
				  "User-Agent: bench\r\nAccept: */*\r\n\r\n";
	const size_t resp_len = static_cast<size_t>(state.range(0));
	std::vector<uint8_t> resp(resp_len, 'x'), in(16384);
	Pair p[2];
	SrvClock warm;
	struct hs_tls_xkey_stats x0, x1;

	/* a fresh pool of 2 blocks for this thread (no session holds one) */
	if (hs_tls_xkey_thread_fini() != 0) {
		state.SkipWithError("key blocks still attached");
		return;
	}
	hs_tls_xkey_config(2, HS_TLS_XKEY_IDLE_DEFAULT);
	if (!Connect(&p[0], &warm, nullptr, g_srv_ctx_own) ||
	    !Connect(&p[1], &warm, nullptr, g_srv_ctx_own) ||
	    !hs_tls_own_records(p[0].srv) || !hs_tls_own_records(p[1].srv)) {
		state.SkipWithError("handshake or handover failed");
		return;
	}
	hs_tls_xkey_stats(&x0);
	for (auto _ : state) {
		SrvClock clk;

		for (int i = 0; i < kBatch; i++)
			if (wolfSSL_write(p[i & 1].cli, req, sizeof(req) - 1) !=
			    static_cast<int>(sizeof(req) - 1)) {
				state.SkipWithError("client write failed");
				goto out;
			}
		clk.start();
		for (int i = 0; i < kBatch; i++) {
			int n = hs_tls_read(p[i & 1].srv, in.data(),
					    sizeof(req) - 1);
			int w = hs_tls_write(p[i & 1].srv, resp.data(),
					     resp_len);

			if (n != static_cast<int>(sizeof(req) - 1) ||
			    w != static_cast<int>(resp_len)) {
				clk.stop();
				state.SkipWithError("server read/write failed");
				goto out;
			}
		}
		clk.stop();
		for (int i = 0; i < kBatch; i++) {
			size_t got = 0;

			while (got < resp_len) {
				int r = wolfSSL_read(
					p[i & 1].cli, in.data(),
					static_cast<int>(in.size()));
				if (r <= 0) {
					state.SkipWithError(
						"client read failed");
					goto out;
				}
				got += static_cast<size_t>(r);
			}
		}
		state.SetIterationTime(clk.acc / kBatch);
	}
	hs_tls_xkey_stats(&x1);
	state.counters["expand_per_req"] =
		static_cast<double>(x1.expand - x0.expand) /
		(static_cast<double>(state.iterations()) * kBatch);
out:
	Disconnect(&p[0], &warm);
	Disconnect(&p[1], &warm);
	(void)hs_tls_xkey_thread_fini();
	hs_tls_xkey_config(HS_TLS_XKEY_MAX_DEFAULT, HS_TLS_XKEY_IDLE_DEFAULT);
}

void
BM_Request1K(benchmark::State &state)
{
	static const char req[] = "GET /1k.bin HTTP/1.1\r\nHost: 198.18.0.1\r\n"
				  "User-Agent: bench\r\nAccept: */*\r\n\r\n";
	const size_t resp_len = static_cast<size_t>(state.range(0));
	std::vector<uint8_t> resp(resp_len, 'x'), in(16384);
	Pair p;
	SrvClock warm;

	if (!Connect(&p, &warm, nullptr,
		     state.range(1) != 0 ? g_srv_ctx_own : nullptr) ||
	    hs_tls_own_records(p.srv) != (state.range(1) != 0)) {
		state.SkipWithError("handshake failed");
		return;
	}
	for (auto _ : state) {
		SrvClock clk;

		for (int i = 0; i < kBatch; i++)
			if (wolfSSL_write(p.cli, req, sizeof(req) - 1) !=
			    static_cast<int>(sizeof(req) - 1)) {
				state.SkipWithError("client write failed");
				goto out;
			}
		clk.start();
		for (int i = 0; i < kBatch; i++) {
			int n = hs_tls_read(p.srv, in.data(), sizeof(req) - 1);
			int w = hs_tls_write(p.srv, resp.data(), resp_len);

			if (n != static_cast<int>(sizeof(req) - 1) ||
			    w != static_cast<int>(resp_len)) {
				clk.stop();
				state.SkipWithError("server read/write failed");
				goto out;
			}
		}
		clk.stop();
		for (int i = 0; i < kBatch; i++) {
			size_t got = 0;

			while (got < resp_len) {
				int r = wolfSSL_read(
					p.cli, in.data(),
					static_cast<int>(in.size()));
				if (r <= 0) {
					state.SkipWithError(
						"client read failed");
					goto out;
				}
				got += static_cast<size_t>(r);
			}
		}
		state.SetIterationTime(clk.acc / kBatch);
	}
out:
	Disconnect(&p, &warm);
}

// A 1 MiB response in full 16 KiB records on an open session, server
// side only.  own 0: hs_tls_write (wolfSSL's record layer seals into its
// output buffer, push copies it out, as hs_tcp_send copies into mbufs).
// own 1: our record layer as the server drives it: hs_tls_write seals
// the plaintext from the body straight into 2 KiB segment buffers lent by
// the output callbacks (mbufs in the server); handing them to the
// client's FIFO is not timed (the server queues the mbufs themselves).
void
BM_Response1MiB(benchmark::State &state)
{
	const bool own = state.range(0) != 0;
	const size_t total = 1 << 20, rec = HS_TLS_MAX_WRITE;
	std::vector<uint8_t> body(total, 'b'), in(1 << 16);
	Pair p;
	SrvClock warm;

	if (!Connect(&p, &warm, nullptr, own ? g_srv_ctx_own : nullptr) ||
	    hs_tls_own_records(p.srv) != own) {
		state.SkipWithError("handshake failed");
		return;
	}
	for (auto _ : state) {
		SrvClock clk;

		for (size_t off = 0; off < total; off += rec) {
			if (!own) {
				clk.start();
				int w = hs_tls_write(p.srv, body.data() + off,
						     rec);
				clk.stop();
				if (w != static_cast<int>(rec)) {
					state.SkipWithError("write failed");
					goto out;
				}
			} else {
				// records of hs_tls_record_size (16 KiB in bulk)
				for (size_t done = 0; done < rec;) {
					p.defer = true;
					clk.start();
					int w = hs_tls_write(
						p.srv, body.data() + off + done,
						rec - done);
					clk.stop();
					p.defer = false;
					if (w <= 0) {
						state.SkipWithError(
							"seal failed");
						goto out;
					}
					Flush(&p);
					done += static_cast<size_t>(w);
				}
			}
			// the client reads each record (not timed)
			size_t got = 0;
			while (got < rec) {
				int r = wolfSSL_read(
					p.cli, in.data(),
					static_cast<int>(in.size()));
				if (r <= 0) {
					state.SkipWithError(
						"client read failed");
					goto out;
				}
				got += static_cast<size_t>(r);
			}
		}
		state.SetIterationTime(clk.acc);
	}
out:
	Disconnect(&p, &warm);
}

// Per-connection set-up and teardown alone: hs_tls_sess_new + free
// (wolfSSL_new/free, its RNG, our key cache), no handshake.
void
BM_SessNewFree(benchmark::State &state)
{
	Pair p;

	for (auto _ : state) {
		SrvClock clk;

		clk.start();
		struct hs_tls_sess *s =
			hs_tls_sess_new(g_srv_ctx, SrvPull, SrvPush, &p);
		hs_tls_sess_free(s);
		clk.stop();
		if (s == nullptr) {
			state.SkipWithError("session new failed");
			break;
		}
		state.SetIterationTime(clk.acc);
	}
}

// ---- crypto floor: ECDSA P-256 sign + X25519 keygen + shared ----------

void
BM_CryptoFloor(benchmark::State &state)
{
	WC_RNG rng;
	ecc_key ecc;
	curve25519_key peer, mine;
	uint8_t hash[32], sig[80], sec[32];

	memset(hash, 0x5a, sizeof(hash));
	if (wc_InitRng(&rng) != 0 || wc_ecc_init(&ecc) != 0 ||
	    wc_ecc_make_key_ex(&rng, 32, &ecc, ECC_SECP256R1) != 0 ||
	    wc_curve25519_init(&peer) != 0 ||
	    wc_curve25519_make_key(&rng, 32, &peer) != 0) {
		state.SkipWithError("key set-up failed");
		return;
	}
	const int part = static_cast<int>(state.range(0));
	for (auto _ : state) {
		double t0 = ThreadCpu();
		int rc = 0;

		if (part == 0 || part == 1) {
			word32 siglen = sizeof(sig);

			rc |= wc_ecc_sign_hash(hash, sizeof(hash), sig, &siglen,
					       &rng, &ecc);
		}
		if (part == 0 || part == 2) {
			word32 seclen = sizeof(sec);

			rc |= wc_curve25519_init(&mine);
			rc |= wc_curve25519_make_key(&rng, 32, &mine);
			rc |= wc_curve25519_shared_secret(&mine, &peer, sec,
							  &seclen);
			wc_curve25519_free(&mine);
		}
		state.SetIterationTime(ThreadCpu() - t0);
		if (rc != 0) {
			state.SkipWithError("crypto failed");
			break;
		}
	}
	wc_curve25519_free(&peer);
	wc_ecc_free(&ecc);
	wc_FreeRng(&rng);
}

BENCHMARK(BM_CryptoFloor)
	->Arg(0)
	->Arg(1)
	->Arg(2)
	->ArgName("part")
	->UseManualTime()
	->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SessNewFree)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FullHandshake)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ResumedHandshake)->UseManualTime()->Unit(benchmark::kMicrosecond);
// Fixed count: manual time is the server's share only (~1/100 of the
// wall time), so a min_time in manual time would run for minutes.
BENCHMARK(BM_Request1K)
	->Args({ 1024, 0 })
	->Args({ 1024, 1 })
	->ArgNames({ "resp", "own" })
	->UseManualTime()
	->Iterations(2000)
	->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Request1KCold)
	->Arg(1024)
	->ArgName("resp")
	->UseManualTime()
	->Iterations(2000)
	->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Response1MiB)
	->Arg(0)
	->Arg(1)
	->ArgName("own")
	->UseManualTime()
	->Iterations(200)
	->Unit(benchmark::kMicrosecond);

// ---- set-up --------------------------------------------------------------

bool
MakeCert()
{
	const char *c = getenv("HS_BENCH_CERT"), *k = getenv("HS_BENCH_KEY");

	if (c != nullptr && k != nullptr) {
		g_cert = c;
		g_key = k;
		return true;
	}
	char dir[] = "/tmp/hs_bench_tls.XXXXXX";
	if (mkdtemp(dir) == nullptr)
		return false;
	g_tmpdir = dir;
	std::string cmd = std::string("bash '") + HS_SOURCE_ROOT +
			  "/scripts/gen-cert.sh' '" + g_tmpdir + "' localhost";
	if (system(cmd.c_str()) != 0)
		return false;
	g_cert = g_tmpdir + "/cert.pem";
	g_key = g_tmpdir + "/key.pem";
	return true;
}

void
RemoveCert()
{
	if (g_tmpdir.empty())
		return;
	unlink(g_cert.c_str());
	unlink(g_key.c_str());
	rmdir(g_tmpdir.c_str());
}

bool
Setup()
{
	struct hs_tls_config cfg = {};
	char err[256];

	if (!MakeCert())
		return false;
	cfg.cert_file = g_cert.c_str();
	cfg.key_file = g_key.c_str();
	cfg.crypto = hs_tls_crypto_available() ? HS_TLS_CRYPTO_IPSECMB
					       : HS_TLS_CRYPTO_WOLFSSL;
	cfg.records = HS_TLS_RECORDS_OWN;
	if (hs_tls_ctx_new(&g_srv_ctx_own, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_tls: %s\n", err);
		return false;
	}
	cfg.records = HS_TLS_RECORDS_WOLFSSL;
	if (hs_tls_ctx_new(&g_srv_ctx, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_tls: %s\n", err);
		return false;
	}
	g_cli_ctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method());
	if (g_cli_ctx == nullptr ||
	    wolfSSL_CTX_load_verify_locations(g_cli_ctx, g_cert.c_str(),
					      nullptr) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_set_cipher_list(g_cli_ctx, "TLS13-AES128-GCM-SHA256") !=
		    WOLFSSL_SUCCESS)
		return false;
	wolfSSL_CTX_set_verify(g_cli_ctx, WOLFSSL_VERIFY_PEER, nullptr);
	wolfSSL_CTX_SetIORecv(g_cli_ctx, CliRecv);
	wolfSSL_CTX_SetIOSend(g_cli_ctx, CliSend);
	return true;
}

} // namespace

int
main(int argc, char **argv)
{
	if (hs_tls_global_init() != 0) {
		fprintf(stderr, "bench_tls: hs_tls_global_init failed\n");
		return 1;
	}
	if (!Setup()) {
		fprintf(stderr, "bench_tls: set-up failed\n");
		RemoveCert();
		return 1;
	}
	benchmark::AddCustomContext("wolfssl", hs_tls_version_string());
	benchmark::AddCustomContext("timing",
				    "server CPU only (thread CPU clock)");
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	wolfSSL_CTX_free(g_cli_ctx);
	hs_tls_ctx_free(g_srv_ctx);
	hs_tls_ctx_free(g_srv_ctx_own);
	RemoveCert();
	hs_tls_global_fini();
	return 0;
}
