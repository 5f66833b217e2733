/* SPDX-License-Identifier: BSD-3-Clause
 * hs_stats.c - counter names, sums over lcores, exit report, telemetry.
 *
 * Telemetry commands (dpdk-telemetry.py):
 *   /httpsd/stats              every counter summed over lcores, and
 *                              mbufs_in_use (the shared packet pool)
 *   /httpsd/lcores             indexes accepted by /httpsd/lcore_stats
 *   /httpsd/lcore_stats,<idx>  one lcore's counters
 *   /httpsd/info               version, tsc_hz, idle_sleep_us, number of
 *                              polling lcores, reload_ok/reload_failed
 *                              (SIGHUP outcomes), draining (SIGTERM seen),
 *                              retired_pending (old configurations not
 *                              freed yet: still used by connections),
 *                              the port (port, port_name, port_driver,
 *                              port_tx_offloads, port_rx_offloads: the
 *                              offloads enabled, DPDK's names),
 *                              the pool (mbufs, mbufs_in_use less
 *                              port_mbufs_kept, the driver's own share)
 *                              and, per index, the EAL
 *                              lcore id, queue and busy/idle/sleep cycles
 *
 * Busy-cycle accounting (hs_lcore_poll_once): TSC cycles of loop
 * iterations that received or sent something count as loop_busy_cycles,
 * the others as loop_idle_cycles; time spent in the --idle-sleep back-off
 * is loop_sleep_cycles (loop_sleeps sleeps).  Busy share of an lcore =
 * busy / (busy + idle + sleep); cycles / tsc_hz = seconds.
 */
#include <inttypes.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mempool.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "hs_lcore.h"
#include "hs_port.h"
#include "hs_rcu.h"
#include "hs_reload.h"
#include "hs_stats.h"

const char *const hs_stats_names[] = {
#define HS_STATS_NAME(name) #name,
	HS_STATS_ALL(HS_STATS_NAME)
#undef HS_STATS_NAME
};

_Static_assert(sizeof(hs_stats_names) / sizeof(hs_stats_names[0]) ==
		       HS_STATS_COUNT,
	       "one name per counter");
_Static_assert(HS_STATS_COUNT <= RTE_TEL_MAX_DICT_ENTRIES,
	       "telemetry dict too small for every counter");

/* Counters are only written by their lcore; a relaxed 64-bit load is
 * enough for a reader on another thread. */
static void
hs_stats_add(struct hs_stats *out, const struct hs_stats *in)
{
	uint64_t *o = (uint64_t *)out;
	const uint64_t *s = (const uint64_t *)in;

	for (size_t i = 0; i < HS_STATS_COUNT; i++)
		o[i] += __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

void
hs_stats_sum(struct hs_stats *out)
{
	unsigned int n = __atomic_load_n(&hs_nb_lcores, __ATOMIC_ACQUIRE);

	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < n; i++) {
		const struct hs_lcore *lc = hs_lcores[i];

		if (lc != NULL)
			hs_stats_add(out, &lc->stats);
	}
}

void
hs_stats_print(FILE *f)
{
	struct hs_stats s;
	const uint64_t *v = (const uint64_t *)&s;

	hs_stats_sum(&s);
	for (size_t i = 0; i < HS_STATS_COUNT; i++)
		if (v[i] != 0)
			fprintf(f, "%s %" PRIu64 "\n", hs_stats_names[i], v[i]);
}

static int
hs_stats_tel_dict(const struct hs_stats *s, struct rte_tel_data *d)
{
	const uint64_t *v = (const uint64_t *)s;

	rte_tel_data_start_dict(d);
	for (size_t i = 0; i < HS_STATS_COUNT; i++)
		if (rte_tel_data_add_dict_u64(d, hs_stats_names[i], v[i]) != 0)
			return -ENOSPC;
	return 0;
}

static int
hs_stats_tel_all(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct hs_stats s;
	const struct hs_lcore *lc = hs_lcores[0];
	int rc;

	hs_stats_sum(&s);
	rc = hs_stats_tel_dict(&s, d);
	/* Gauge of the packet pool every lcore shares: mbufs not free
	 * (RX rings, queues, frames in flight; lcore caches count as free). */
	if (rc == 0 && __atomic_load_n(&hs_nb_lcores, __ATOMIC_ACQUIRE) > 0 &&
	    lc != NULL && lc->pool != NULL)
		rc = rte_tel_data_add_dict_u64(
			d, "mbufs_in_use", rte_mempool_in_use_count(lc->pool));
	return rc;
}

static int
hs_stats_tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int n = __atomic_load_n(&hs_nb_lcores, __ATOMIC_ACQUIRE);

	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (unsigned int i = 0; i < n; i++)
		rte_tel_data_add_array_int(d, (int)i);
	return 0;
}

static int
hs_stats_tel_lcore(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int n = __atomic_load_n(&hs_nb_lcores, __ATOMIC_ACQUIRE);
	struct hs_stats s;
	const struct hs_lcore *lc;
	unsigned long idx;
	char *end;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	idx = strtoul(params, &end, 10);
	if (*end != '\0' || idx >= n)
		return -EINVAL;
	lc = hs_lcores[idx];
	if (lc == NULL)
		return -EINVAL;
	memset(&s, 0, sizeof(s));
	hs_stats_add(&s, &lc->stats);
	return hs_stats_tel_dict(&s, d);
}

static const char *hs_info_version = "?";
static const struct rte_mempool *hs_info_pool;
static const struct rte_mempool *hs_info_rec_pool;
static int hs_info_port = -1;

void
hs_stats_info_set(const char *version)
{
	hs_info_version = version;
}

void
hs_stats_info_pool(const struct rte_mempool *mp)
{
	hs_info_pool = mp;
}

void
hs_stats_info_rec_pool(const struct rte_mempool *mp)
{
	hs_info_rec_pool = mp;
}

void
hs_stats_info_port(uint16_t port_id)
{
	hs_info_port = port_id;
}

/* Per-lcore summary row of /httpsd/info. */
static int
hs_stats_tel_lcore_info(const struct hs_lcore *lc, struct rte_tel_data *d)
{
	const struct hs_stats *st = &lc->stats;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore_id", lc->lcore_id);
	rte_tel_data_add_dict_u64(d, "queue", lc->queue_id);
	rte_tel_data_add_dict_u64(
		d, "busy_cycles",
		__atomic_load_n(&st->loop_busy_cycles, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(
		d, "idle_cycles",
		__atomic_load_n(&st->loop_idle_cycles, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(
		d, "sleep_cycles",
		__atomic_load_n(&st->loop_sleep_cycles, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(
		d, "iterations",
		__atomic_load_n(&st->loop_iter, __ATOMIC_RELAXED));
	return 0;
}

static int
hs_stats_tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int n = __atomic_load_n(&hs_nb_lcores, __ATOMIC_ACQUIRE);
	char key[16];

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", hs_info_version);
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	rte_tel_data_add_dict_u64(d, "idle_sleep_us",
				  hs_lcore_get_idle_sleep());
	rte_tel_data_add_dict_u64(d, "lcores", n);
	rte_tel_data_add_dict_u64(d, "reload_ok", hs_reload_ok());
	rte_tel_data_add_dict_u64(d, "reload_failed", hs_reload_failed());
	rte_tel_data_add_dict_u64(d, "draining", hs_lcore_draining());
	rte_tel_data_add_dict_u64(d, "retired_pending", hs_rcu_pending());
	/* Packet pool gauge, as the exit report's mbufs_in_use: size minus
	 * the free mbufs (common pool and lcore caches).  Read while the
	 * lcores run it is a snapshot, exact once they are idle. */
	if (hs_info_pool != NULL) {
		unsigned int avail = rte_mempool_avail_count(hs_info_pool);

		unsigned int used = hs_info_pool->size > avail
					    ? hs_info_pool->size - avail
					    : 0;
		unsigned int kept =
			hs_info_port >= 0
				? hs_port_mbufs_kept((uint16_t)hs_info_port)
				: 0;

		/* Less what the port driver holds for its whole life
		 * (net_af_xdp's fill ring, port_mbufs_kept). */
		rte_tel_data_add_dict_u64(d, "mbufs", hs_info_pool->size);
		rte_tel_data_add_dict_u64(d, "mbufs_in_use",
					  used > kept ? used - kept : 0);
		rte_tel_data_add_dict_u64(d, "port_mbufs_kept", kept);
	}
	if (hs_info_rec_pool != NULL) {
		rte_tel_data_add_dict_u64(d, "rec_bufs", hs_info_rec_pool->size);
		rte_tel_data_add_dict_u64(
			d, "rec_bufs_in_use",
			rte_mempool_in_use_count(hs_info_rec_pool));
	}
	/* The port: its ethdev name and driver (net_af_xdp, net_af_packet,
	 * net_tap, a NIC's PMD), so a bench or test can say what it ran on. */
	if (hs_info_port >= 0 &&
	    rte_eth_dev_is_valid_port((uint16_t)hs_info_port)) {
		struct rte_eth_dev_info info;
		char name[RTE_ETH_NAME_MAX_LEN];

		rte_tel_data_add_dict_u64(d, "port", (uint64_t)hs_info_port);
		if (rte_eth_dev_get_name_by_port((uint16_t)hs_info_port,
						 name) == 0)
			rte_tel_data_add_dict_string(d, "port_name", name);
		if (rte_eth_dev_info_get((uint16_t)hs_info_port, &info) == 0 &&
		    info.driver_name != NULL)
			rte_tel_data_add_dict_string(d, "port_driver",
						     info.driver_name);
		{
			char tx[RTE_TEL_MAX_STRING_LEN],
				rx[RTE_TEL_MAX_STRING_LEN];

			if (hs_port_offloads((uint16_t)hs_info_port, tx, rx,
					     sizeof(tx)) == 0) {
				rte_tel_data_add_dict_string(
					d, "port_tx_offloads", tx);
				rte_tel_data_add_dict_string(
					d, "port_rx_offloads", rx);
				/* What httpsd does with them: TCP checksums
				 * filled in by the port, received ones checked
				 * by it, TCP segmentation (TSO, --tso). */
				rte_tel_data_add_dict_string(
					d, "tx_checksum_offload",
					hs_port_tx_csum((uint16_t)hs_info_port)
						? "on"
						: "off");
				rte_tel_data_add_dict_string(
					d, "rx_checksum_offload",
					strstr(rx, "TCP_CKSUM") != NULL
						? "on"
						: "off");
				rte_tel_data_add_dict_string(
					d, "tso",
					hs_port_tso_state(
						(uint16_t)hs_info_port));
			}
		}
	}
	/* The C heap (TLS sessions, HTTP buffers, file caches): bytes
	 * allocated now, and how often idle memory went back to the OS
	 * (hs_heap_trim). */
	{
		struct mallinfo2 mi = mallinfo2();

		rte_tel_data_add_dict_u64(d, "heap_in_use",
					  (uint64_t)mi.uordblks + mi.hblkhd);
		rte_tel_data_add_dict_u64(
			d, "heap_trims",
			__atomic_load_n(&hs_heap_trims, __ATOMIC_RELAXED));
	}
	/* One dict per polling lcore, keyed by its /httpsd/lcore_stats index
	 * (telemetry has no arrays of dicts). */
	for (unsigned int i = 0; i < n && i < RTE_TEL_MAX_DICT_ENTRIES - 10;
	     i++) {
		struct rte_tel_data *row;
		const struct hs_lcore *lc = hs_lcores[i];

		if (lc == NULL || (row = rte_tel_data_alloc()) == NULL)
			continue;
		hs_stats_tel_lcore_info(lc, row);
		snprintf(key, sizeof(key), "lcore%u", i);
		if (rte_tel_data_add_dict_container(d, key, row, 0) != 0)
			rte_tel_data_free(row);
	}
	return 0;
}

int
hs_stats_telemetry_init(void)
{
	HS_GUARD(rte_telemetry_register_cmd(
		"/httpsd/info", hs_stats_tel_info,
		"httpsd version, TSC hz, idle back-off and per-lcore loop "
		"cycles. No parameters"));
	HS_GUARD(rte_telemetry_register_cmd(
		"/httpsd/stats", hs_stats_tel_all,
		"httpsd counters summed over lcores. No parameters"));
	HS_GUARD(rte_telemetry_register_cmd(
		"/httpsd/lcores", hs_stats_tel_lcores,
		"Indexes of httpsd polling lcores. No parameters"));
	HS_GUARD(rte_telemetry_register_cmd(
		"/httpsd/lcore_stats", hs_stats_tel_lcore,
		"httpsd counters of one lcore. Parameters: int lcore index"));
	return 0;
}

uint64_t hs_heap_trims;

/* Connections free their TLS and HTTP state with free(), and glibc keeps
 * freed pages in its arenas: after a burst of connections (an attack, a
 * flash crowd) the process would hold its peak RSS for good.  When the
 * open connections fall to a quarter of their high-water mark since the
 * last trim (at least 64 of them), at most every 10 s, malloc_trim(0)
 * gives the free pages back (madvise); a trim of a few hundred MB of heap
 * takes milliseconds, once per such fall.  Call from the main lcore. */
void
hs_heap_trim(uint64_t live, uint64_t now_tsc)
{
	static uint64_t hwm, next;

	if (live > hwm)
		hwm = live;
	if (hwm < 64 || live * 4 > hwm || now_tsc < next)
		return;
	malloc_trim(0);
	__atomic_store_n(&hs_heap_trims, hs_heap_trims + 1, __ATOMIC_RELAXED);
	hwm = live;
	next = now_tsc + 10 * rte_get_tsc_hz();
}
