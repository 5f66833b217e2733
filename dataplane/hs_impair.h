/* SPDX-License-Identifier: BSD-3-Clause
 * hs_impair.h - link impairment stage (our netem): loss, duplication,
 * reordering, corruption, delay with jitter and a rate limit, applied to
 * the frames an lcore receives (rx, right after rte_eth_rx_burst) and/or
 * sends (tx, right before rte_eth_tx_burst).
 *
 * Configuration (--impair SPEC, see hs_impair_parse): comma-separated
 * key=value items; a key prefixed with "rx:" or "tx:" applies to that
 * direction only, an unprefixed one to both:
 *   loss=P reorder=P dup=P corrupt=P   percent, 0..100, decimals allowed
 *   delay=MS jitter=MS                 milliseconds, 0..10000
 *   rate=MBIT                          link rate in Mbit/s, 0 = unlimited
 *   limit=N                            held frames per direction and lcore
 *   seed=N                             PRNG seed (both directions)
 *
 * Per frame, in this order: loss (dropped; a TSO frame is one frame
 * here: all of its segments are lost, a burst), corrupt (IPv4 frames
 * only: one byte between the IPv4 header and the end of the IP datagram
 * is XOR-ed with a non-zero value, so the IPv4 or TCP checksum catches
 * it; checksums the port was to fill in are computed first, and a
 * received frame loses the port's checksum verdict; TSO frames are
 * left alone, their segments' checksums are the port's),
 * dup (a deep copy follows the original), reorder (the frame is held back
 * and released right after the next frame of the same direction, or after
 * HS_IMPAIR_REORDER_MAX_US if none comes), then rate and delay: the frame
 * waits in a FIFO of at most `limit` frames until its release time
 * (serialisation at `rate` after the previous frame, plus delay plus a
 * uniform jitter in [-jitter, +jitter]; release times never go backwards,
 * so the FIFO keeps its order).  A full FIFO drops the frame.
 *
 * Deterministic: each lcore and direction has its own PRNG stream seeded
 * from (seed, lcore id, direction); the same frames in the same polls get
 * the same decisions.  Every action is counted (impair_rx_* / impair_tx_*,
 * HS_STATS_IMPAIR below, fields of struct hs_stats).  Off by default: the lcore then tests one pointer per
 * poll and per flush (lc->impair == NULL) and nothing else.
 *
 * mbuf ownership: hs_impair_input consumes its frames (emits, holds or
 * frees each); emitted frames are handed to the direction's emit callback,
 * which consumes them; hs_impair_free frees every frame still held.
 *
 * Error style: 0 or a negative errno code (parse errors also fill err).
 */
#ifndef HS_IMPAIR_H
#define HS_IMPAIR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

/* hs_stats.h includes this header for HS_STATS_IMPAIR: struct hs_stats
 * only by pointer here. */
struct hs_stats;

/* Counters: per direction, in this order (the module indexes the block;
 * keep rx and tx blocks identical). */
/* clang-format off */
#define HS_STATS_IMPAIR(X) \
	X(impair_rx_loss) X(impair_rx_dup) X(impair_rx_reorder) \
	X(impair_rx_corrupt) X(impair_rx_delayed) X(impair_rx_queue_full) \
	X(impair_tx_loss) X(impair_tx_dup) X(impair_tx_reorder) \
	X(impair_tx_corrupt) X(impair_tx_delayed) X(impair_tx_queue_full)
/* clang-format on */

enum hs_impair_dir {
	HS_IMPAIR_RX = 0,
	HS_IMPAIR_TX = 1,
	HS_IMPAIR_NDIR = 2,
};

/* A held reordered frame is released at the latest after this long. */
#define HS_IMPAIR_REORDER_MAX_US 2000u
#define HS_IMPAIR_LIMIT_DEFAULT  4096u
#define HS_IMPAIR_LIMIT_MAX      (1u << 20)
#define HS_IMPAIR_MS_MAX         10000u
#define HS_IMPAIR_SEED_DEFAULT   1u

/* Probabilities are thresholds on a 32-bit random number: an event
 * happens when rnd32 < thr (thr = P/100 * 2^32, 2^32 = always). */
struct hs_impair_dir_cfg {
	uint64_t loss, dup, reorder, corrupt;
	uint32_t delay_us, jitter_us;
	uint64_t rate_bps; /* 0: unlimited */
};

struct hs_impair_cfg {
	struct hs_impair_dir_cfg dir[HS_IMPAIR_NDIR];
	uint64_t seed;
	uint32_t limit; /* FIFO capacity per direction */
};

/* Emit callback: consumes the n frames. */
typedef void (*hs_impair_emit_fn)(void *arg, struct rte_mbuf **pkts,
				  uint16_t n);

struct hs_impair;

/* Defaults: nothing impaired, seed 1, limit HS_IMPAIR_LIMIT_DEFAULT. */
void hs_impair_cfg_init(struct hs_impair_cfg *cfg);
/* Add the items of spec to cfg (may be called once per --impair).
 * Returns 0, or -EINVAL with a message naming the bad item in err. */
int hs_impair_parse(struct hs_impair_cfg *cfg, const char *spec, char *err,
		    size_t errlen);
/* True when some impairment is configured (in either direction). */
bool hs_impair_cfg_on(const struct hs_impair_cfg *cfg);

/* Per-lcore state on NUMA socket `socket`.  pool: for duplicates and
 * copy-on-corrupt; st: where impair_* counters go; emit[d]/arg: where
 * frames of direction d go when released.  NULL when out of memory. */
struct hs_impair *hs_impair_new(const struct hs_impair_cfg *cfg,
				unsigned int lcore_id, int socket,
				struct rte_mempool *pool, struct hs_stats *st,
				const hs_impair_emit_fn emit[HS_IMPAIR_NDIR],
				void *arg);
/* Frees every held frame, then the state.  NULL is fine. */
void hs_impair_free(struct hs_impair *im);

/* Pass n frames of direction dir through the stage at time now_us
 * (monotonic).  Consumes pkts[0..n-1]. */
void hs_impair_input(struct hs_impair *im, enum hs_impair_dir dir,
		     uint64_t now_us, struct rte_mbuf **pkts, uint16_t n);
/* Release what is due at now_us (delay FIFO, stale reorder hold).
 * Returns the number of frames emitted. */
unsigned int hs_impair_release(struct hs_impair *im, enum hs_impair_dir dir,
			       uint64_t now_us);
/* Frames held in direction dir (FIFO + reorder slot). */
uint32_t hs_impair_held(const struct hs_impair *im, enum hs_impair_dir dir);

#endif
