/* SPDX-License-Identifier: BSD-3-Clause
 * hs_port.c - DPDK port set-up: queues, RSS, MTU, start.
 *
 * Works with physical NICs and with net_af_packet / net_tap (no RSS, no
 * checksum offloads, sometimes no MTU setting).  Multi-segment TX
 * (mbuf chains) is enabled wherever the port offers it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>

#include "hs_common.h"
#include "hs_port.h"


static int
hs_port_err(char *err, size_t errlen, uint16_t port_id, int rc,
	    const char *fmt, ...)
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
	uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP) & info->flow_type_rss_offloads;
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

int
hs_port_init(uint16_t port_id, uint16_t nb_queues, struct rte_mempool *pool,
	     uint16_t mtu, struct rte_ether_addr *mac, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN] = "?";
	uint16_t nb_rxd = HS_PORT_RX_DESC, nb_txd = HS_PORT_TX_DESC;
	int socket, rc;

	if (!rte_eth_dev_is_valid_port(port_id))
		return hs_port_err(err, errlen, port_id, -ENODEV, "invalid port");
	if (nb_queues == 0 || pool == NULL || mac == NULL)
		return hs_port_err(err, errlen, port_id, -EINVAL, "bad arguments");
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0)
		return hs_port_err(err, errlen, port_id, rc, "cannot get device info");
	(void)rte_eth_dev_get_name_by_port(port_id, name);
	if (nb_queues > info.max_rx_queues || nb_queues > info.max_tx_queues) {
		uint16_t have = RTE_MIN(info.max_rx_queues, info.max_tx_queues);

		if (strncmp(name, "net_af_packet", 13) == 0)
			return hs_port_err(err, errlen, port_id, -EINVAL,
					   "%s has %u queue pair%s but %u worker lcores: add qpairs=%u to --vdev",
					   name, have, have == 1 ? "" : "s",
					   nb_queues, nb_queues);
		return hs_port_err(err, errlen, port_id, -EINVAL,
				   "%s has %u queue pair%s but %u worker lcores: use fewer lcores (-l)",
				   name, have, have == 1 ? "" : "s", nb_queues);
	}

	memset(&conf, 0, sizeof(conf));
	/* Several queues without RSS (net_af_packet qpairs=N: the kernel's
	 * PACKET_FANOUT_HASH on the sender's skb hash, which can change
	 * within a flow; multi-queue net_tap): the lcores steer TCP flows to
	 * their owner in software (hs_lcore_steer_init). */
	hs_port_steer[port_id] = !hs_port_rss(&conf, &info, nb_queues) &&
				 nb_queues > 1;
	if (hs_port_steer[port_id])
		RTE_LOG(INFO, USER1, "%s: %u queues without RSS offload: software flow steering between lcores\n",
			name, nb_queues);
	/* TCP data segments are header mbufs chained to views of the send
	 * queue (hs_tcp_out.c); ports without it get copies. */
	conf.txmode.offloads |= info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	rc = rte_eth_dev_configure(port_id, nb_queues, nb_queues, &conf);
	if (rc != 0)
		return hs_port_err(err, errlen, port_id, rc, "cannot configure");
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc != 0)
		return hs_port_err(err, errlen, port_id, rc, "cannot adjust ring sizes");

	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	for (uint16_t q = 0; q < nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd, (unsigned int)socket,
					    NULL, pool);
		if (rc != 0)
			return hs_port_err(err, errlen, port_id, rc,
					   "cannot set up rx queue %u", q);
		rc = rte_eth_tx_queue_setup(port_id, q, nb_txd, (unsigned int)socket,
					    NULL);
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
	rc = rte_eth_dev_start(port_id);
	if (rc != 0)
		return hs_port_err(err, errlen, port_id, rc, "cannot start");
	(void)rte_eth_promiscuous_disable(port_id);     /* best effort */
	rc = rte_eth_macaddr_get(port_id, mac);
	if (rc != 0) {
		rte_eth_dev_stop(port_id);
		return hs_port_err(err, errlen, port_id, rc, "cannot read MAC address");
	}
	return 0;
}

void
hs_port_fini(uint16_t port_id)
{
	if (!rte_eth_dev_is_valid_port(port_id))
		return;
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}
