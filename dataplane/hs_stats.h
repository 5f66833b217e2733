/* SPDX-License-Identifier: BSD-3-Clause
 * hs_stats.h - per-lcore counters.
 *
 * Every counter lives in struct hs_stats, one instance per lcore (inside
 * struct hs_lcore), written only by its lcore: no atomics.  Readers (the
 * telemetry callback, the exit report) sum the per-lcore copies; 64-bit
 * aligned loads are not torn on the platforms we support.
 *
 * The list is an X-macro so that telemetry and the exit report never
 * forget a field.  Each module owns its own list; add counters there.
 * Names: rx_* / tx_* packet counts, drop_<layer>_<reason> for every drop.
 * A name is its telemetry name (/httpsd/stats) and tests read counters
 * by name: never rename one, append new ones to their module's list.
 *
 * Where the lists live: port, steering and loop counters with the lcore
 * (hs_lcore_stats.h), Ethernet/IPv4/ICMP in hs_net.h, ARP in hs_arp.h,
 * the impairment stage in hs_impair.h, TCP below; the layers above the
 * dataplane (TLS, HTTP) in their own headers, brought in by
 * app/hs_stats_layers.h as HS_STATS_LAYERS so that the dataplane never
 * includes a tls/ or http/ header.  This header only assembles them: the
 * order in HS_STATS_ALL is the struct layout.
 */
#ifndef HS_STATS_H
#define HS_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "hs_arp.h"
#include "hs_impair.h"
#include "hs_lcore_stats.h"
#include "hs_net.h"
#include "hs_stats_layers.h" /* app/: the TLS and HTTP lists */

/* Gauges among the counters: tcp_conn_open (every table entry, TIME_WAIT
 * included) and tcp_conn_timewait (the TIME_WAIT part of it).
 * Memory (hs_tcp_mem.c): tcp_mem_mbufs / tcp_mem_peak, gauges of the
 * mbufs connections' queues hold (now / at most); tcp_mem_wait, times a
 * conn was refused send space by the lcore budget; drop_tcp_snd_mem,
 * sends refused (-ENOBUFS) by a budget; conn_shed, conns reset under
 * memory pressure, conn_shed_mbufs, the mbufs that freed.
 * tcp_tx_zc_bytes / tcp_tx_copy_bytes: segment payload bytes sent by
 * reference to the send queue (mbuf chain) / copied into the frame.
 * tcp_hp_ack / tcp_hp_data: segments handled by header prediction
 * (hs_tcp_in.c fast path): pure ACKs of new data / in-order data.
 * tx_tcp counts segments on the wire: a TSO frame counts as the
 * segments the port cuts from it; tcp_tso_sends / tcp_tso_segs: TSO
 * frames handed to the port / the segments they carry.
 * tcp_rx_chain: received frames longer than one mbuf (MTU above the
 * mbufs' room), taken in as one segment per mbuf (hs_tcp_in.c). */
/* clang-format off */
#define HS_STATS_TCP(X) \
	X(rx_tcp) X(tx_tcp) X(tcp_rexmt) X(tcp_rst_tx) X(tcp_rst_rx) \
	X(tcp_conn_open) X(tcp_conn_timewait) X(tcp_conn_total) X(tcp_conn_timeout) \
	X(drop_tcp_short) X(drop_tcp_hlen) X(drop_tcp_csum) \
	X(drop_tcp_noport) X(drop_tcp_badflags) X(drop_tcp_outwin) \
	X(drop_tcp_badack) X(drop_tcp_conn_limit) X(drop_tcp_rcvbuf) \
	X(drop_tcp_ooo) X(drop_tcp_badopt) X(drop_tcp_rst) \
	X(tcp_challenge_ack) X(tcp_fast_rexmt) X(tcp_persist_probe) X(tcp_persist_timeout) \
	X(tcp_window_update) X(tcp_ooo_queued) X(tcp_ooo_dup) X(tcp_dsack_sent) \
	X(tcp_ooo_filled) X(drop_tcp_ooq_conn) X(drop_tcp_ooq_lcore) \
	X(drop_tcp_paws) X(drop_tcp_nots) X(drop_tcp_chack_limit) \
	X(tcp_keepalive_probe) X(tcp_syncookie_sent) X(tcp_syncookie_ok) \
	X(drop_tcp_syncookie_bad) X(tcp_sack_recovery) \
	X(drop_tcp_src_limit) X(drop_tcp_synrcvd_limit) X(tcp_tw_reuse) X(tcp_tw_recycled) \
	X(drop_tcp_after_fin) X(drop_tcp_mem_lcore) X(tcp_rto) \
	X(tcp_tlp) X(tcp_tlp_loss) X(tcp_limited_tx) X(tcp_rescue_rxt) X(tcp_rexmt_lost) \
	X(tcp_tx_zc_bytes) X(tcp_tx_copy_bytes) X(tcp_hp_ack) X(tcp_hp_data) \
	X(tcp_mem_mbufs) X(tcp_mem_peak) X(tcp_mem_wait) X(tcp_tx_wait) X(tcp_rexmt_deferred) X(drop_tcp_snd_mem) \
	X(conn_shed) X(conn_shed_mbufs) \
	X(tcp_hystart_css) X(tcp_hystart_css_undo) X(tcp_hystart_css_exit) \
	X(tcp_cwnd_app_limited) X(tcp_cwnd_restart) \
	X(tcp_rack_lost) X(tcp_rack_reo_timeout) X(tcp_rack_reord) X(tcp_rack_dsack) \
	X(tcp_pacing_wait) X(tcp_rcvbuf_grow) X(tcp_rcvq_packed) X(tcp_rx_chain) \
	X(tcp_sack_sb_grow) X(tcp_sack_sb_full) \
	X(tcp_tso_sends) X(tcp_tso_segs) X(tcp_delack_timeout)
/* clang-format on */

/* clang-format off */
#define HS_STATS_ALL(X) \
	HS_STATS_PORT(X) HS_STATS_ETH(X) HS_STATS_ARP(X) HS_STATS_STEER(X) \
	HS_STATS_IPV4(X) HS_STATS_ICMP(X) HS_STATS_TCP(X) HS_STATS_LAYERS(X) \
	HS_STATS_IMPAIR(X) HS_STATS_LOOP(X)
/* clang-format on */

struct hs_stats {
#define HS_STATS_DECL(name) uint64_t name;
	HS_STATS_ALL(HS_STATS_DECL)
#undef HS_STATS_DECL
};

/* Counter names, in declaration order (for telemetry and reports). */
extern const char *const hs_stats_names[];
#define HS_STATS_COUNT (sizeof(struct hs_stats) / sizeof(uint64_t))

/* Sum every lcore's counters into *out. */
void hs_stats_sum(struct hs_stats *out);
/* Register /httpsd/stats, /httpsd/lcores, /httpsd/lcore_stats and
 * /httpsd/info with DPDK telemetry. */
int hs_stats_telemetry_init(void);
/* Version string reported by /httpsd/info (static storage). */
void hs_stats_info_set(const char *version);
/* Give free heap pages back to the OS once open connections (live) fell
 * to a quarter of their high-water mark (hs_stats.c); main lcore only.
 * hs_heap_trims counts the trims (/httpsd/info heap_trims). */
void hs_heap_trim(uint64_t live, uint64_t now_tsc);
extern uint64_t hs_heap_trims;
/* Packet pool whose use /httpsd/info reports (mbufs, mbufs_in_use). */
struct rte_mempool;
void hs_stats_info_pool(const struct rte_mempool *mp);
/* TLS record buffer pool (http/hs_transport.h) whose use /httpsd/info
 * reports (rec_bufs, rec_bufs_in_use), or NULL. */
void hs_stats_info_rec_pool(const struct rte_mempool *mp);
/* The port /httpsd/info describes (port, port_name, port_driver). */
void hs_stats_info_port(uint16_t port_id);
/* Print non-zero counters (sum over lcores), one "name value" per line. */
void hs_stats_print(FILE *f);

#endif
