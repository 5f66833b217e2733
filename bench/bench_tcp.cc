// SPDX-License-Identifier: BSD-3-Clause
// bench_tcp.cc - the userspace TCP stack's per-segment costs, no port, no
// NIC: what hs_tcp_input() costs for a segment that hits header
// prediction, what a pure ACK costs a sender (including the segments it
// transmits in response), and what the timer wheel costs per arm and per
// tick with 10, 10k and 1M real (handshaken, ESTABLISHED) connections.
//
//   build/bench/bench_tcp [--benchmark_filter=Timer]
//
// The IPv4 layer is replaced as in bench_tcp_tx.c / test_tcp.c:
// hs_ipv4_output() here is the "TX ring" (reads the TCP header of each
// frame, frees it).  Segments from the peer are built untimed, in batches,
// with a valid checksum (hs_tcp_input verifies it: that is timed); only
// hs_tcp_input() (RX, ACK) or the wheel calls (timers) are timed
// (UseManualTime + TSC).  Each benchmark checks that it measured what it
// claims (header-prediction counters tcp_hp_data / tcp_hp_ack, frames
// sent, timers pending) and fails with SkipWithError otherwise.
//
// Counters: ns_per_seg, acks_per_seg, cksum_ns (RX: the receive
// checksum alone, for scale), ns_per_ack, frames_per_ack (ACK),
// ns_per_arm, ns_per_tick, max_tick_ns, fired_per_tick, visited_per_tick
// (timer wheel).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "hs_lcore.h"
#include "hs_net.h"
#include "hs_tcp.h"
#include "hs_tcp_var.h" /* the benchmark reads connection state */
}

namespace
{

constexpr uint32_t kSrvIp = RTE_IPV4(198, 18, 0, 1);
constexpr uint16_t kSrvPort = 443;
constexpr uint32_t kPeerIsn = 1000u;
constexpr uint32_t kPayload = 1448; // MSS 1460 - 12 B of timestamps
constexpr uint32_t kMaxConns = 1000000u;

struct rte_mempool *pool;
struct hs_netif ifp;
double tsc_ns; // ns per TSC cycle

// What the stub TX ring saw last (per frame, cheap to read).
struct TxSeen {
	uint64_t frames, data_frames, pure_acks;
	uint32_t synack_seq, tsval;
} tx;

// The connection the last handshake produced, and what the apps do.
struct hs_tcp_conn *accepted_conn;
uint64_t timeouts_fired;
uint64_t rearm_us; // BM_TimerWheelTick: ops->timeout re-arms

inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

// ---- app callbacks ---------------------------------------------------------
int
app_accepted(struct hs_tcp_conn *c, void *)
{
	accepted_conn = c;
	return 0;
}
void
app_nop(struct hs_tcp_conn *)
{
}
void
app_closed(struct hs_tcp_conn *, int)
{
}
void
app_timeout(struct hs_tcp_conn *c)
{
	timeouts_fired++;
	if (rearm_us != 0)
		hs_tcp_set_timeout(c, rearm_us);
}

const struct hs_tcp_ops ops = {
	app_accepted, app_nop, app_nop, app_closed, app_timeout,
};

// ---- one lcore context ---------------------------------------------------
struct Lcore {
	struct hs_lcore lc;

	bool init(uint32_t max_conns)
	{
		memset(&lc, 0, sizeof(lc));
		lc.ifp = &ifp;
		lc.pool = pool;
		lc.port_id = HS_PORT_NONE;
		lc.now_us = 5000000;
		lc.tx_max_segs = HS_TX_MAX_SEGS;
		lc.tx_ext_ok = true;
		return hs_tcp_lcore_init(&lc, max_conns) == 0 &&
		       hs_tcp_listen(&lc, kSrvPort, &ops, nullptr) == 0;
	}
};

// A segment from the peer (ip, port) to the server: IPv4 + TCP with
// NOP NOP TS (plus opt, for SYNs) and dlen payload bytes.  Not timed.
struct rte_mbuf *
make_seg(uint32_t pip, uint16_t pport, uint8_t flags, uint32_t seq,
	 uint32_t ack, uint16_t wnd, uint32_t tsval, uint32_t tsecr,
	 const uint8_t *opt, uint32_t optlen, uint32_t dlen)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint32_t thl = 20 + 12 + optlen, tot = 20 + thl + dlen;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint8_t *o;

	if (m == nullptr) {
		fprintf(stderr, "bench_tcp: mbuf pool empty\n");
		exit(1);
	}
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)tot);
	if (ip == nullptr) {
		fprintf(stderr, "bench_tcp: segment too long\n");
		exit(1);
	}
	hs_ipv4_fill(ip, rte_cpu_to_be_32(pip), RTE_BE32(kSrvIp), IPPROTO_TCP,
		     (uint16_t)tot);
	th = (struct rte_tcp_hdr *)(ip + 1);
	memset(th, 0, 20);
	th->src_port = rte_cpu_to_be_16(pport);
	th->dst_port = rte_cpu_to_be_16(kSrvPort);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((thl / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	o = (uint8_t *)(th + 1);
	memcpy(o, opt, optlen);
	o += optlen;
	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	wr32(o + 4, tsval);
	wr32(o + 8, tsecr);
	memset(o + 12, 0x5a, dlen);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	m->l3_len = 20;
	return m;
}

// Three-way handshake from (pip, pport): MSS 1460, SACK, TS, wscale 7.
// Returns the ESTABLISHED server conn.
struct hs_tcp_conn *
handshake(Lcore &L, uint32_t pip, uint16_t pport, uint16_t wnd)
{
	static const uint8_t synopt[] = { 2, 4, 0x05, 0xb4, 4, 2,
					  1, 3, 3,    7,    1, 1 };

	accepted_conn = nullptr;
	hs_tcp_input(&L.lc, make_seg(pip, pport, RTE_TCP_SYN_FLAG, kPeerIsn, 0,
				     65535, 1, 0, synopt, sizeof(synopt), 0));
	hs_tcp_input(&L.lc, make_seg(pip, pport, RTE_TCP_ACK_FLAG, kPeerIsn + 1,
				     tx.synack_seq + 1, wnd, 2, tx.tsval,
				     nullptr, 0, 0));
	return accepted_conn;
}

inline uint64_t
ns_since(uint64_t t0)
{
	return rte_rdtsc() - t0;
}

// ---- BM_RxFastPath -----------------------------------------------------------
// An ESTABLISHED conn receives in-order 1448-byte segments with
// timestamps: header prediction, delayed ACK (an ACK every second
// full-sized segment, RFC 5681 §4.2; the ACK is built and handed to the
// stub TX ring, timed), rcvq append.  Between batches (untimed) the app
// reads everything (hs_tcp_recv) so the window stays open.
void
BM_RxFastPath(benchmark::State &state)
{
	static Lcore L;
	constexpr int kBatch = 64; // 92 KB, within the 256 KiB window
	struct rte_mbuf *segs[kBatch];
	static uint8_t sink[kBatch * kPayload];
	struct hs_tcp_conn *c;
	uint32_t seq, tsval = 100;
	uint64_t cyc = 0, n = 0, hp0, acks0;

	hs_tcp_params.sndbuf = 256 * 1024;
	if (!L.init(16) || (c = handshake(L, RTE_IPV4(198, 18, 0, 2), 40000,
					  65535)) == nullptr) {
		state.SkipWithError("no connection");
		return;
	}
	seq = kPeerIsn + 1;
	hp0 = L.lc.stats.tcp_hp_data;
	acks0 = tx.pure_acks;
	for (auto _ : state) {
		for (int i = 0; i < kBatch; i++) {
			segs[i] = make_seg(
				RTE_IPV4(198, 18, 0, 2), 40000,
				RTE_TCP_ACK_FLAG |
					(i % 8 == 7 ? RTE_TCP_PSH_FLAG : 0),
				seq, c->snd_una, 65535, tsval++, tx.tsval,
				nullptr, 0, kPayload);
			seq += kPayload;
		}
		uint64_t t0 = rte_rdtsc();
		for (int i = 0; i < kBatch; i++) {
			L.lc.now_us += 10; // ~1.2 Gbit/s of 1500-byte frames
			hs_tcp_input(&L.lc, segs[i]);
		}
		uint64_t d = ns_since(t0);
		cyc += d;
		n += kBatch;
		state.SetIterationTime((double)d * tsc_ns * 1e-9);
		if (hs_tcp_recv(c, sink, sizeof(sink)) != sizeof(sink)) {
			state.SkipWithError(
				"received bytes missing (not in order?)");
			break;
		}
		hs_tcp_timer_run(&L.lc);
	}
	if (L.lc.stats.tcp_hp_data - hp0 != n)
		state.SkipWithError(
			"segments missed header prediction (tcp_hp_data)");
	// For scale: the software checksum hs_tcp_input verifies (pseudo-
	// header + 1480 bytes; no RX offload on software ports), warm.
	{
		struct rte_mbuf *m = make_seg(RTE_IPV4(198, 18, 0, 2), 40000,
					      RTE_TCP_ACK_FLAG, 0, 0, 65535, 0,
					      0, nullptr, 0, kPayload);
		auto *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
		uint32_t acc = 0;
		uint64_t t0 = rte_rdtsc();

		for (int i = 0; i < 4096; i++) {
			benchmark::DoNotOptimize(ip);
			acc += rte_ipv4_phdr_cksum(ip, 0) +
			       rte_raw_cksum(ip + 1, 32 + kPayload);
		}
		benchmark::DoNotOptimize(acc);
		state.counters["cksum_ns"] =
			(double)ns_since(t0) * tsc_ns / 4096;
		rte_pktmbuf_free(m);
	}
	state.SetItemsProcessed((int64_t)n);
	state.SetBytesProcessed((int64_t)(n * kPayload));
	state.counters["ns_per_seg"] = n ? (double)cyc * tsc_ns / (double)n : 0;
	state.counters["acks_per_seg"] =
		n ? (double)(tx.pure_acks - acks0) / (double)n : 0;
	state.counters["hp_hits"] = (double)(L.lc.stats.tcp_hp_data - hp0);
	hs_tcp_lcore_fini(&L.lc);
}
BENCHMARK(BM_RxFastPath)->UseManualTime();

// ---- BM_AckProcessing --------------------------------------------------------
// A sender with data in flight receives pure ACKs, alternately
// acknowledging one and two segments (ACK clocking with the receiver's
// delayed ACK): header prediction for ACKs, send-queue release, RTT
// sample, CUBIC cwnd update, TLP/RTO re-arm, and the segments the freed
// window lets it send (frames built, handed to the stub TX ring).  The
// peer's window (512 KiB) bounds what is in flight; the send queue
// (1 MiB) is topped up between batches (untimed), so every ACK finds
// data to send.  Arg 0: as the stack leaves it after slow start against
// a peer window (cwnd keeps growing to its cap: receive-window limited,
// Reno slow-start arithmetic); arg 1: congestion avoidance, cwnd and
// ssthresh set to 128 KiB after warm-up (cwnd-limited, CUBIC's
// W_cubic(t) arithmetic on every ACK).
void
BM_AckProcessing(benchmark::State &state)
{
	static Lcore L;
	static std::vector<uint8_t> body(1 << 20, 0x42);
	constexpr int kBatch = 32;
	constexpr uint16_t kWnd = 4096; // << 7 = 512 KiB
	struct rte_mbuf *segs[kBatch];
	struct hs_tcp_conn *c;
	uint32_t tsval = 100, una;
	uint64_t cyc = 0, n = 0, hp0, f0;

	hs_tcp_params.sndbuf = 1 << 20;
	if (!L.init(16) || (c = handshake(L, RTE_IPV4(198, 18, 0, 3), 40001,
					  kWnd)) == nullptr) {
		state.SkipWithError("no connection");
		return;
	}
	hs_tcp_params.sndbuf = 256 * 1024;
	auto top_up = [&]() {
		uint32_t space = hs_tcp_send_space(c);

		while (space > 0) {
			uint32_t k = space < body.size()
					     ? space
					     : (uint32_t)body.size();

			if (hs_tcp_send(c, body.data(), k) < 0)
				return false;
			space -= k;
		}
		hs_tcp_push(c);
		return true;
	};
	// Warm-up, untimed: slow start until the peer's window is full.
	una = c->snd_una;
	for (int i = 0; i < 4000 && top_up(); i++) {
		L.lc.now_us += 10;
		una = c->snd_max - una > 2 * c->mss ? una + 2 * c->mss
						    : c->snd_max;
		hs_tcp_input(&L.lc,
			     make_seg(RTE_IPV4(198, 18, 0, 3), 40001,
				      RTE_TCP_ACK_FLAG, kPeerIsn + 1, una, kWnd,
				      tsval++, tx.tsval, nullptr, 0, 0));
		hs_tcp_timer_run(&L.lc);
	}
	if (state.range(0) == 1) {
		c->cwnd = c->ssthresh = 128 * 1024;
		for (int i = 0; i < 8; i++) { // let in-flight drop to cwnd
			L.lc.now_us += 10;
			hs_tcp_input(
				&L.lc,
				make_seg(RTE_IPV4(198, 18, 0, 3), 40001,
					 RTE_TCP_ACK_FLAG, kPeerIsn + 1,
					 c->snd_una +
						 (c->snd_max - c->snd_una) / 2,
					 kWnd, tsval++, tx.tsval, nullptr, 0,
					 0));
		}
	}
	hp0 = L.lc.stats.tcp_hp_ack;
	f0 = tx.data_frames;
	for (auto _ : state) {
		uint32_t a = c->snd_una;

		if (!top_up()) {
			state.SkipWithError("hs_tcp_send failed");
			break;
		}
		// ACKs for what is in flight now (and what the ACKs before
		// them will have sent: every ACK frees as much as it acks).
		for (int i = 0; i < kBatch; i++) {
			a += (i & 1 ? 2 : 1) * c->mss;
			segs[i] = make_seg(RTE_IPV4(198, 18, 0, 3), 40001,
					   RTE_TCP_ACK_FLAG, kPeerIsn + 1, a,
					   kWnd, tsval++, tx.tsval, nullptr, 0,
					   0);
		}
		if (HS_SEQ_GT(a, c->snd_max)) {
			state.SkipWithError("too little in flight");
			break;
		}
		uint64_t t0 = rte_rdtsc();
		for (int i = 0; i < kBatch; i++) {
			L.lc.now_us += 10;
			hs_tcp_input(&L.lc, segs[i]);
		}
		uint64_t d = ns_since(t0);
		cyc += d;
		n += kBatch;
		state.SetIterationTime((double)d * tsc_ns * 1e-9);
		hs_tcp_timer_run(&L.lc);
	}
	if (L.lc.stats.tcp_hp_ack - hp0 != n)
		state.SkipWithError(
			"ACKs missed header prediction (tcp_hp_ack)");
	else if (tx.data_frames - f0 < n)
		state.SkipWithError("fewer data frames than ACKs");
	state.SetItemsProcessed((int64_t)n);
	state.counters["ns_per_ack"] = n ? (double)cyc * tsc_ns / (double)n : 0;
	state.counters["frames_per_ack"] =
		n ? (double)(tx.data_frames - f0) / (double)n : 0;
	state.counters["cwnd_KiB"] = c->cwnd / 1024.0;
	state.counters["inflight_KiB"] = (c->snd_max - c->snd_una) / 1024.0;
	hs_tcp_lcore_fini(&L.lc);
}
BENCHMARK(BM_AckProcessing)
	->ArgName("cong_avoid")
	->Arg(0)
	->Arg(1)
	->UseManualTime();

// ---- timer wheel, N connections -------------------------------------------------
// One table of up to 1M real connections (each from its own handshake),
// grown as the Args need and kept for the whole run (576 MB of conns).
Lcore tw_lcore, *tw;
std::vector<struct hs_tcp_conn *> tw_conns;

bool
tw_grow(size_t n)
{
	if (tw == nullptr) {
		if (!tw_lcore.init(kMaxConns))
			return false;
		tw = &tw_lcore;
	}
	while (tw_conns.size() < n) {
		uint32_t i = (uint32_t)tw_conns.size();
		struct hs_tcp_conn *c =
			handshake(*tw, RTE_IPV4(10, 0, 0, 0) + (i >> 14),
				  (uint16_t)(1024 + (i & 16383)), 65535);

		if (c == nullptr)
			return false;
		tw_conns.push_back(c);
	}
	return true;
}

// The first n connections get an app timer us_lo + (i * spread / n)
// microseconds out, every other one none: exactly n timers pending.
bool
tw_prepare(size_t n, uint64_t us_lo, uint64_t spread)
{
	if (!tw_grow(n))
		return false;
	rearm_us = 0;
	for (size_t i = 0; i < tw_conns.size(); i++)
		hs_tcp_set_timeout(tw_conns[i],
				   i < n ? us_lo + i * spread / n : 0);
	return tw->lc.tcp.wheel.nb_armed == n;
}

// Re-arming the per-connection application timer (hs_tcp_set_timeout:
// cancel + insert) round-robin over N connections with N timers pending,
// as a server does when a request arrives on an idle keep-alive conn.
void
BM_TimerWheelArm(benchmark::State &state)
{
	size_t n = (size_t)state.range(0), i = 0;
	constexpr int kBatch = 256;
	uint64_t cyc = 0, k = 0;

	if (!tw_prepare(n, 60000000, 60000000)) {
		state.SkipWithError("cannot set up the connections");
		return;
	}
	for (auto _ : state) {
		uint64_t t0 = rte_rdtsc();
		for (int b = 0; b < kBatch; b++) {
			// 60-120 s out, a different deadline each time
			hs_tcp_set_timeout(tw_conns[i],
					   60000000 + (k + b) % 60000 * 1000);
			if (++i == n)
				i = 0;
		}
		uint64_t d = ns_since(t0);
		cyc += d;
		k += kBatch;
		state.SetIterationTime((double)d * tsc_ns * 1e-9);
	}
	if (tw->lc.tcp.wheel.nb_armed != n)
		state.SkipWithError("timers pending != N");
	state.SetItemsProcessed((int64_t)k);
	state.counters["ns_per_arm"] = k ? (double)cyc * tsc_ns / (double)k : 0;
	state.counters["timers"] = (double)tw->lc.tcp.wheel.nb_armed;
}
BENCHMARK(BM_TimerWheelArm)->Arg(10)->Arg(10000)->Arg(1000000)->UseManualTime();

// One wheel tick (hs_tcp_timer_run with the clock 1 ms further) with N
// connections, 65536 ticks (65.5 s of simulated time) per run:
//   idle (arg 0): every timer 1-2 h away: no timer expires or moves
//     during the run; the claim under test is that N does not matter.
//   expiring (arg 1): keep-alive churn, deadlines spread evenly over the
//     next 60 s, each re-armed for 60 s by ops->timeout when it fires:
//     N/60000 expiries per tick plus the level-1 cascades (every 4096
//     ticks one level-1 slot's timers move down to level 0 at once:
//     max_visited_tick timers in the tick that took max_visited_tick_ns;
//     max_tick_ns is the longest tick, preemption included).
// ns_per_tick is the mean, ns_per_tick_med the median of 64-tick batches
// (robust to preemption), both including one TSC read per tick.
void
BM_TimerWheelTick(benchmark::State &state)
{
	size_t n = (size_t)state.range(0);
	bool expiring = state.range(1) != 0;
	struct hs_timer_wheel *w;
	uint64_t cyc = 0, k = 0, maxc = 0, maxv = 0, maxv_c = 0, f0, v0;
	std::vector<uint64_t> batches;

	if (!tw_prepare(n, expiring ? HS_TW_TICK_US : 3600000000ull,
			expiring ? 60000000 : 3600000000ull)) {
		state.SkipWithError("cannot set up the connections");
		return;
	}
	w = &tw->lc.tcp.wheel;
	rearm_us = expiring ? 60000000 : 0;
	hs_tcp_timer_run(&tw->lc);
	f0 = timeouts_fired;
	v0 = w->visited;
	for (auto _ : state) {
		constexpr int kBatch = 64;
		uint64_t t0 = rte_rdtsc(), prev = t0;

		// One TSC read per tick: the batch total and the longest tick.
		for (int b = 0; b < kBatch; b++) {
			uint64_t now;

			uint64_t v = w->visited;

			tw->lc.now_us += HS_TW_TICK_US;
			hs_tcp_timer_run(&tw->lc);
			now = rte_rdtsc();
			if (w->visited - v > maxv) {
				maxv = w->visited - v;
				maxv_c = now - prev;
			}
			maxc = now - prev > maxc ? now - prev : maxc;
			prev = now;
		}
		uint64_t d = prev - t0;
		batches.push_back(d);
		cyc += d;
		k += kBatch;
		state.SetIterationTime((double)d * tsc_ns * 1e-9);
	}
	if (!expiring && timeouts_fired != f0)
		state.SkipWithError("an idle timer fired");
	else if (w->nb_armed != n)
		state.SkipWithError("timers pending != N");
	state.counters["ns_per_tick"] =
		k ? (double)cyc * tsc_ns / (double)k : 0;
	std::sort(batches.begin(), batches.end());
	// Median 64-tick batch: what a tick costs when the scheduler did not
	// preempt the run (one preemption adds ms to the mean: shared cores).
	state.counters["ns_per_tick_med"] =
		batches.empty()
			? 0
			: (double)batches[batches.size() / 2] * tsc_ns / 64;
	state.counters["max_tick_ns"] = (double)maxc * tsc_ns;
	state.counters["max_visited_tick"] = (double)maxv;
	state.counters["max_visited_tick_ns"] = (double)maxv_c * tsc_ns;
	state.counters["fired_per_tick"] =
		k ? (double)(timeouts_fired - f0) / (double)k : 0;
	state.counters["visited_per_tick"] =
		k ? (double)(w->visited - v0) / (double)k : 0;
	rearm_us = 0;
}
BENCHMARK(BM_TimerWheelTick)
	->ArgNames({ "conns", "expiring" })
	->Args({ 10, 0 })
	->Args({ 10000, 0 })
	->Args({ 1000000, 0 })
	->Args({ 10, 1 })
	->Args({ 10000, 1 })
	->Args({ 1000000, 1 })
	->Iterations(1024) // x 64 ticks = 65.5 s simulated
	->UseManualTime();

} // namespace

// ---- IPv4 layer stand-ins (the "TX ring") -------------------------------------
// Consumes m: note flags, seq, TSval of the frame, then free it.
extern "C" void
hs_ipv4_output(struct hs_lcore *, struct rte_mbuf *m)
{
	const auto *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const auto *th = (const struct rte_tcp_hdr *)(ip + 1);
	const uint8_t *o = (const uint8_t *)(th + 1);
	uint32_t thl = (uint32_t)(th->data_off >> 4) * 4, i = 0;

	tx.frames++;
	if (rte_be_to_cpu_16(ip->total_length) > 20 + thl)
		tx.data_frames++;
	else if (th->tcp_flags == RTE_TCP_ACK_FLAG)
		tx.pure_acks++;
	if (th->tcp_flags & RTE_TCP_SYN_FLAG)
		tx.synack_seq = rte_be_to_cpu_32(th->sent_seq);
	while (i + 1 < thl - 20) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (o[i] == 8 && i + 10 <= thl - 20) {
			tx.tsval = rd32(o + i + 2);
			break;
		}
		i += o[i + 1] ? o[i + 1] : 1;
	}
	rte_pktmbuf_free(m);
}

int
main(int argc, char **argv)
{
	char arg0[] = "bench_tcp";
	char *eal[] = { arg0,
			(char *)"--no-huge",
			(char *)"--no-pci",
			(char *)"--no-shconf",
			(char *)"-m",
			(char *)"2048",
			(char *)"--log-level=lib.eal:error",
			(char *)"--no-telemetry" };
	uint64_t hz;

	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "bench_tcp: rte_eal_init failed\n");
		return 1;
	}
	hz = rte_get_tsc_hz();
	tsc_ns = 1e9 / (double)hz;
	pool = rte_pktmbuf_pool_create("bench_tcp", 16383, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == nullptr) {
		fprintf(stderr, "bench_tcp: no mbuf pool\n");
		return 1;
	}
	ifp.mtu = 1500;
	ifp.ip = RTE_BE32(kSrvIp);
	ifp.mask = RTE_BE32(0xffffff00);
	benchmark::AddCustomContext("tsc_hz", std::to_string(hz));
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	if (tw != nullptr)
		hs_tcp_lcore_fini(&tw->lc);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}
