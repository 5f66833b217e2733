/* SPDX-License-Identifier: BSD-3-Clause
 * hs_lcore_stats.h - the lcore's counters (X-macro lists, no other
 * declarations): the port queue (HS_STATS_PORT; drop_tx_link_down: frames
 * not handed to a net_memif port while it is not known connected,
 * hs_port_memif.c), software flow steering
 * (HS_STATS_STEER: steer_tx / steer_rx, frames handed to / taken from
 * another lcore's ring; drop_steer_full, dropped because that ring was
 * full) and the poll loop (HS_STATS_LOOP, busy/idle cycle accounting,
 * hs_stats.c).  A header of its own because hs_lcore.h needs the complete
 * struct hs_stats, which is assembled from these lists.
 */
#ifndef HS_LCORE_STATS_H
#define HS_LCORE_STATS_H

/* clang-format off */
#define HS_STATS_PORT(X) \
	X(rx_pkts) X(rx_bytes) X(tx_pkts) X(tx_bytes) \
	X(drop_nombuf) X(drop_tx_full) X(tx_backlog) X(drop_tx_link_down)
/* clang-format on */

/* clang-format off */
#define HS_STATS_STEER(X) \
	X(steer_tx) X(steer_rx) X(drop_steer_full)
/* clang-format on */

/* clang-format off */
#define HS_STATS_LOOP(X) \
	X(loop_busy_cycles) X(loop_idle_cycles) X(loop_iter) \
	X(loop_sleeps) X(loop_sleep_cycles) X(loop_waits) X(loop_kicks)
/* clang-format on */

#endif
