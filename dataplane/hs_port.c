/* SPDX-License-Identifier: BSD-3-Clause
 * hs_port.c - DPDK port set-up: queues, RSS, MTU, start.
 *
 * Works with physical NICs and with net_af_packet / net_af_xdp / net_memif
 * / net_tap (no RSS, sometimes no MTU setting).  Multi-segment TX (mbuf
 * chains), IPv4/TCP checksum offloads and TCP segmentation offload (TSO,
 * with the checksum ones; hs_port_set_tso() can refuse it) are enabled
 * wherever the port offers them.
 *
 * net_af_xdp (DPDK 22.11) makes the whole mbuf pool its UMEM and hands the
 * kernel a fill ring of pool mbufs when its RX queue is set up; it keeps
 * that many in flight for the port's life and does not give them back at
 * close (its UMEM teardown forgets the pool).  hs_port_mbufs_kept() says
 * how many, so the exit report's mbufs_in_use still counts only ours.
 */
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

#include "hs_common.h"
#include "hs_port.h"


static int
hs_port_err(char *err, size_t errlen, uint16_t port_id, int rc, const char *fmt,
	    ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "port %u: %s: %s", port_id, what,
			 rte_strerror(rc < 0 ? -rc : rc));
	return rc < 0 ? rc : -rc;
}

/* Symmetric Toeplitz key: 0x6d5a repeated.  With it the hash of
 * (src, dst, sport, dport) equals the hash of (dst, src, dport, sport)
 * (Woo & Park, "Scalable TCP Session Monitoring with Symmetric RSS"), so
 * both directions of a flow land on the same queue and lcore. */
#define HS_RSS_KEY_MAX 64
static uint8_t hs_rss_key[HS_RSS_KEY_MAX];
/* Ports configured with several queues and no RSS: hs_port_sw_steer(). */
static bool hs_port_steer[RTE_MAX_ETHPORTS];
#define HS_PORT_XDP_RX_DESC 2048
#define HS_PORT_TX_CSUM \
	(RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
#define HS_PORT_RX_CSUM \
	(RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
/* net_af_xdp ports: their pool, queue count and the mbufs the driver took
 * at queue set-up (its fill ring). */
static struct rte_mempool *hs_port_xdp_pool[RTE_MAX_ETHPORTS];
static uint16_t hs_port_xdp_queues[RTE_MAX_ETHPORTS];
static unsigned int hs_port_kept[RTE_MAX_ETHPORTS];
/* Offloads hs_port_init enabled (RTE_ETH_TX/RX_OFFLOAD_*). */
static uint64_t hs_port_txol[RTE_MAX_ETHPORTS], hs_port_rxol[RTE_MAX_ETHPORTS];
/* Ports whose TSO hs_port_set_tso() turned down (--tso off), and ports
 * that offer it (hs_port_init). */
static bool hs_port_no_tso[RTE_MAX_ETHPORTS],
	hs_port_tso_capa[RTE_MAX_ETHPORTS];

static unsigned int
hs_port_pool_in_use(const struct rte_mempool *pool)
{
	unsigned int avail = rte_mempool_avail_count(pool);

	return pool->size > avail ? pool->size - avail : 0;
}

bool
hs_port_tx_csum(uint16_t port_id)
{
	return port_id < RTE_MAX_ETHPORTS &&
	       (hs_port_txol[port_id] & HS_PORT_TX_CSUM) == HS_PORT_TX_CSUM;
}

bool
hs_port_tso(uint16_t port_id)
{
	return port_id < RTE_MAX_ETHPORTS &&
	       (hs_port_txol[port_id] & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
	       hs_port_tx_csum(port_id);
}

const char *
hs_port_tso_state(uint16_t port_id)
{
	if (hs_port_tso(port_id))
		return "on";
	if (port_id < RTE_MAX_ETHPORTS && hs_port_tso_capa[port_id])
		return "off";
	return "not offered";
}

void
hs_port_set_tso(uint16_t port_id, bool on)
{
	if (port_id < RTE_MAX_ETHPORTS)
		hs_port_no_tso[port_id] = !on;
}

/* Names of the offload bits set in mask, comma-separated, into buf. */
static void
hs_port_ol_names(uint64_t mask, bool tx, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int b = 0; b < 64 && n < len; b++) {
		uint64_t bit = 1ULL << b;

		if (!(mask & bit))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "",
				      tx ? rte_eth_dev_tx_offload_name(bit)
					 : rte_eth_dev_rx_offload_name(bit));
	}
	if (n >= len && len > 0)
		buf[len - 1] = '\0';
}

int
hs_port_offloads(uint16_t port_id, char *tx, char *rx, size_t len)
{
	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	hs_port_ol_names(hs_port_txol[port_id], true, tx, len);
	hs_port_ol_names(hs_port_rxol[port_id], false, rx, len);
	return 0;
}

bool
hs_port_is_af_xdp(uint16_t port_id)
{
	struct rte_eth_dev_info info;

	return rte_eth_dev_is_valid_port(port_id) &&
	       rte_eth_dev_info_get(port_id, &info) == 0 &&
	       info.driver_name != NULL &&
	       strcmp(info.driver_name, "net_af_xdp") == 0;
}

struct rte_mempool *
hs_port_pool_create(uint16_t port_id, const char *name, unsigned int n,
		    unsigned int cache, uint16_t data_room, int socket)
{
	struct rte_pktmbuf_pool_private priv;
	struct rte_mempool *mp;

	if (!hs_port_is_af_xdp(port_id))
		return rte_pktmbuf_pool_create(name, n, cache, 0, data_room,
					       socket);
	/* net_af_xdp registers the pool as its UMEM: one area from the first
	 * memory chunk's page, populated_size x object size long.  The
	 * default layout keeps objects from crossing a page (4 KiB with
	 * --no-huge, 2 MiB pages otherwise), leaving gaps that push the last
	 * objects past that length: the kernel then rejects their TX
	 * descriptors and fill-ring entries (frames lost, mbufs never
	 * completed).  Without IOVA-contiguous objects the objects are
	 * packed back to back in one chunk, which the UMEM covers exactly
	 * (the PMD copies nothing, no DMA needs IOVAs). */
	mp = rte_mempool_create_empty(
		name, n, sizeof(struct rte_mbuf) + data_room, cache,
		sizeof(priv), socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	if (rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL) !=
	    0)
		goto fail;
	memset(&priv, 0, sizeof(priv));
	priv.mbuf_data_room_size = data_room;
	rte_pktmbuf_pool_init(mp, &priv);
	if (rte_mempool_populate_default(mp) < 0)
		goto fail;
	if (mp->nb_mem_chunks != 1) {
		RTE_LOG(ERR, USER1,
			"mbuf pool for net_af_xdp spans %u memory chunks, the "
			"UMEM needs one (give EAL more memory with -m or "
			"hugepages)\n",
			mp->nb_mem_chunks);
		rte_errno = ENOMEM;
		goto fail;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
fail:
	rte_mempool_free(mp);
	return NULL;
}

unsigned int
hs_port_mbufs_kept(uint16_t port_id)
{
	return port_id < RTE_MAX_ETHPORTS ? hs_port_kept[port_id] : 0;
}

bool
hs_port_sw_steer(uint16_t port_id)
{
	return port_id < RTE_MAX_ETHPORTS && hs_port_steer[port_id];
}

/* RSS over IP and TCP headers, limited to what the device hashes on.
 * Returns false when the device has no RSS over IP/TCP. */
static bool
hs_port_rss(struct rte_eth_conf *conf, const struct rte_eth_dev_info *info,
	    uint16_t nb_queues)
{
	uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP) &
		      info->flow_type_rss_offloads;
	uint8_t len = info->hash_key_size ? info->hash_key_size : 40;

	if (nb_queues <= 1 || hf == 0)
		return false;
	if (len > HS_RSS_KEY_MAX)
		len = HS_RSS_KEY_MAX;
	for (unsigned int i = 0; i < len; i++)
		hs_rss_key[i] = (i & 1) ? 0x5a : 0x6d;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_key = hs_rss_key;
	conf->rx_adv_conf.rss_conf.rss_key_len = len;
	conf->rx_adv_conf.rss_conf.rss_hf = hf;
	return true;
}

/* The memif buffer size a net_memif port was given (its --vdev
 * "bsize=N"; 2048, the PMD's default, without one). */
static unsigned long
hs_port_memif_bsize(const struct rte_eth_dev_info *info)
{
	const struct rte_devargs *da =
		info->device != NULL ? rte_dev_devargs(info->device) : NULL;
	const char *a = da != NULL ? da->args : NULL;

	for (; a != NULL && *a != '\0'; a = strchr(a, ',')) {
		if (*a == ',')
			a++;
		if (strncmp(a, "bsize=", 6) == 0)
			return strtoul(a + 6, NULL, 0);
	}
	return 2048;
}

int
hs_port_init(uint16_t port_id, uint16_t nb_queues, struct rte_mempool *pool,
	     uint16_t mtu, struct rte_ether_addr *mac, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN] = "?";
	uint16_t nb_rxd = HS_PORT_RX_DESC, nb_txd = HS_PORT_TX_DESC;
	unsigned int in_use0 = 0;
	bool xdp;
	int socket, rc;

	if (!rte_eth_dev_is_valid_port(port_id))
		return hs_port_err(err, errlen, port_id, -ENODEV,
				   "invalid port");
	if (nb_queues == 0 || pool == NULL || mac == NULL)
		return hs_port_err(err, errlen, port_id, -EINVAL,
				   "bad arguments");
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0)
		return hs_port_err(err, errlen, port_id, rc,
				   "cannot get device info");
	(void)rte_eth_dev_get_name_by_port(port_id, name);
	/* A frame longer than one memif buffer spans several ring slots:
	 * DPDK 22.11's memif PMD delivered such frames cut and shifted
	 * (frames starting mid-packet) at the other end. */
	if (mtu != 0 && hs_port_is_memif(port_id)) {
		unsigned long bsize = hs_port_memif_bsize(&info);

		if ((unsigned long)mtu + RTE_ETHER_HDR_LEN > bsize)
			return hs_port_err(
				err, errlen, port_id, -EINVAL,
				"%s buffers of %lu bytes cannot hold "
				"a frame of MTU %u: add bsize=%u to "
				"--vdev (both ends)",
				name, bsize, mtu,
				(unsigned int)mtu + RTE_ETHER_HDR_LEN);
	}
	if (nb_queues > info.max_rx_queues || nb_queues > info.max_tx_queues) {
		uint16_t have = RTE_MIN(info.max_rx_queues, info.max_tx_queues);

		if (strncmp(name, "net_af_packet", 13) == 0 ||
		    strncmp(name, "net_hs_packet", 13) == 0)
			return hs_port_err(
				err, errlen, port_id, -EINVAL,
				"%s has %u queue pair%s but %u worker lcores: "
				"add qpairs=%u to --vdev",
				name, have, have == 1 ? "" : "s", nb_queues,
				nb_queues);
		return hs_port_err(err, errlen, port_id, -EINVAL,
				   "%s has %u queue pair%s but %u worker "
				   "lcores: use fewer lcores (-l)",
				   name, have, have == 1 ? "" : "s", nb_queues);
	}

	memset(&conf, 0, sizeof(conf));
	/* Several queues without RSS (net_af_packet qpairs=N: the kernel's
	 * PACKET_FANOUT_HASH on the sender's skb hash, which can change
	 * within a flow; multi-queue net_tap): the lcores steer TCP flows to
	 * their owner in software (hs_lcore_steer_init). */
	hs_port_steer[port_id] =
		!hs_port_rss(&conf, &info, nb_queues) && nb_queues > 1;
	if (hs_port_steer[port_id])
		RTE_LOG(INFO, USER1,
			"%s: %u queues without RSS offload: software flow "
			"steering between lcores\n",
			name, nb_queues);
	/* TCP data segments are header mbufs chained to views of the send
	 * queue (hs_tcp_out.c); ports without it get copies. */
	conf.txmode.offloads |=
		info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	/* Checksums: the port computes IPv4 + TCP ones when it offers both
	 * (net_tap does, in software; NICs in hardware), and says which
	 * received ones it checked (RX "good"/"bad" flags). */
	if ((info.tx_offload_capa & HS_PORT_TX_CSUM) == HS_PORT_TX_CSUM)
		conf.txmode.offloads |= HS_PORT_TX_CSUM;
	/* TSO: TCP frames of up to 64 KB that the port cuts into segments
	 * of tso_segsz payload bytes, filling in each one's headers and
	 * checksums (so only with the checksum offloads; net_tap does it in
	 * software with librte_gso, NICs in hardware).  Payload views are
	 * chained, so multi-segment TX too.  hs_tcp_out.c sizes the frames
	 * (hs_lcore_init reads the limits). */
	hs_port_tso_capa[port_id] =
		(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) != 0;
	if (!hs_port_no_tso[port_id] &&
	    (conf.txmode.offloads & HS_PORT_TX_CSUM) == HS_PORT_TX_CSUM &&
	    (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) &&
	    (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO))
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	conf.rxmode.offloads |= info.rx_offload_capa & HS_PORT_RX_CSUM;
	/* Frames longer than one mbuf (an MTU above the pool's room): ports
	 * that offer RX scatter chain them (NICs and net_tap otherwise cut
	 * or drop them; TCP takes chains, hs_tcp_input_chain). */
	if (mtu != 0 && (uint32_t)mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN >
				(uint32_t)rte_pktmbuf_data_room_size(pool) -
					RTE_PKTMBUF_HEADROOM)
		conf.rxmode.offloads |=
			info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER;
	rc = rte_eth_dev_configure(port_id, nb_queues, nb_queues, &conf);
	if (rc != 0)
		return hs_port_err(err, errlen, port_id, rc,
				   "cannot configure");
	hs_port_txol[port_id] = conf.txmode.offloads;
	hs_port_rxol[port_id] = conf.rxmode.offloads;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc != 0)
		return hs_port_err(err, errlen, port_id, rc,
				   "cannot adjust ring sizes");

	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	xdp = info.driver_name != NULL &&
	      strcmp(info.driver_name, "net_af_xdp") == 0;
	if (xdp) {
		in_use0 = hs_port_pool_in_use(pool);
		/* The kernel drops what does not fit in the socket's RX
		 * ring while the lcore is busy sending: make it as deep as
		 * the fill ring the PMD keeps (2048). */
		nb_rxd = HS_PORT_XDP_RX_DESC;
	}
	for (uint16_t q = 0; q < nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd,
					    (unsigned int)socket, NULL, pool);
		if (rc != 0)
			return hs_port_err(err, errlen, port_id, rc,
					   "cannot set up rx queue %u", q);
		rc = rte_eth_tx_queue_setup(port_id, q, nb_txd,
					    (unsigned int)socket, NULL);
		if (rc != 0)
			return hs_port_err(err, errlen, port_id, rc,
					   "cannot set up tx queue %u", q);
	}
	if (mtu != 0) {
		rc = rte_eth_dev_set_mtu(port_id, mtu);
		if (rc != 0 && rc != -ENOTSUP)
			return hs_port_err(err, errlen, port_id, rc,
					   "cannot set MTU %u", mtu);
	}
	/* Before the start: net_memif may connect as soon as it starts. */
	hs_port_memif_guard(port_id);
	rc = rte_eth_dev_start(port_id);
	if (rc != 0)
		return hs_port_err(err, errlen, port_id, rc, "cannot start");
	if (xdp) {
		unsigned int in_use = hs_port_pool_in_use(pool);

		hs_port_xdp_pool[port_id] = pool;
		hs_port_xdp_queues[port_id] = nb_queues;
		hs_port_kept[port_id] = in_use > in_use0 ? in_use - in_use0 : 0;
		RTE_LOG(INFO, USER1,
			"%s: AF_XDP socket on %u queue%s, %u mbufs in its fill "
			"ring\n",
			name, nb_queues, nb_queues == 1 ? "" : "s",
			hs_port_kept[port_id]);
	}
	(void)rte_eth_promiscuous_disable(port_id); /* best effort */
	rc = rte_eth_macaddr_get(port_id, mac);
	if (rc != 0) {
		rte_eth_dev_stop(port_id);
		return hs_port_err(err, errlen, port_id, rc,
				   "cannot read MAC address");
	}
	return 0;
}

void
hs_port_fini(uint16_t port_id)
{
	if (!rte_eth_dev_is_valid_port(port_id))
		return;
	/* net_af_xdp frees sent mbufs only when it reaps its completion ring,
	 * which it does in tx_burst: reap until nothing beyond the fill ring
	 * is out (bounded: 50 x 1 ms; the veth peer completes them). */
	if (port_id < RTE_MAX_ETHPORTS && hs_port_xdp_pool[port_id] != NULL) {
		for (int i = 0; i < 50; i++) {
			for (uint16_t q = 0; q < hs_port_xdp_queues[port_id];
			     q++)
				(void)rte_eth_tx_burst(port_id, q, NULL, 0);
			if (hs_port_pool_in_use(hs_port_xdp_pool[port_id]) <=
			    hs_port_kept[port_id])
				break;
			usleep(1000);
		}
		hs_port_xdp_pool[port_id] = NULL;
	}
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}
