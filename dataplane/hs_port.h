/* SPDX-License-Identifier: BSD-3-Clause
 * hs_port.h - DPDK port set-up for httpsd.
 */
#ifndef HS_PORT_H
#define HS_PORT_H

/* Descriptors per RX / TX queue (before the driver's adjustment). */
#define HS_PORT_RX_DESC 1024
#define HS_PORT_TX_DESC 1024

#include <stddef.h>
#include <stdint.h>
#include <rte_ether.h>
#include <stdbool.h>

#include <rte_mempool.h>

/* Configure and start port_id with nb_queues RX/TX queue pairs (RSS when
 * nb_queues > 1), all RX queues fed from pool.  Enables promiscuous mode
 * off, sets the MTU when the PMD supports it.  Returns 0 or a negative
 * code with a one-line reason in err; *mac gets the port's address. */
int hs_port_init(uint16_t port_id, uint16_t nb_queues, struct rte_mempool *pool,
		 uint16_t mtu, struct rte_ether_addr *mac, char *err, size_t errlen);
void hs_port_fini(uint16_t port_id);
/* After hs_port_init: true when the port has several queues but no RSS
 * offload, so the lcores must keep each TCP flow on one of them in
 * software (hs_lcore_steer_init). */
bool hs_port_sw_steer(uint16_t port_id);

#endif
