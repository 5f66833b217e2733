/* SPDX-License-Identifier: BSD-3-Clause
 * hs_lcore_stats.h - the lcore layer's counters (an X-macro list, no other
 * declarations): packets steered between lcores (hs_lcore.c,
 * hs_lcore_steer*).  A header of its own because hs_lcore.h needs the
 * complete struct hs_stats, which is assembled from this list.
 * steer_tx / steer_rx: frames handed to / taken from another lcore's
 * ring; drop_steer_full: frames dropped because that ring was full.
 */
#ifndef HS_LCORE_STATS_H
#define HS_LCORE_STATS_H

#define HS_STATS_STEER(X) \
	X(steer_tx) X(steer_rx) X(drop_steer_full)

#endif
