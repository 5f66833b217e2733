/* SPDX-License-Identifier: BSD-3-Clause
 * hs_port_memif.c - keeps the polling lcores out of a net_memif port's
 * shared memory while the PMD unmaps it.
 *
 * DPDK 22.11's memif PMD tears a connection down on the EAL interrupt
 * thread (memif_disconnect, when the peer closes its control socket or
 * says DISCONNECT): it clears ETH_MEMIF_FLAG_CONNECTED, then munmap()s the
 * shared regions holding the rings and packet buffers and frees the region
 * records.  Its rx/tx burst functions test that flag once, on entry, and
 * then use the rings with no further synchronisation, so an lcore that
 * passed the test just before the flag was cleared and is still copying
 * frames when the regions go away faults (SIGSEGV in eth_memif_tx reading
 * ring->head, a peer killed under load).  Connecting has the mirror
 * problem: the burst functions compute the ring address from the region
 * record before they test the flag, so a burst that read the record while
 * the region was not yet mapped and the flag after memif_connect set it
 * would use an address inside page 0.
 *
 * The work-around, all in our code (the PMD is unchanged):
 *   - munmap() below interposes libc's for the whole process (the
 *     executable exports it: -Wl,--export-dynamic-symbol=munmap, and the
 *     PMD, a plugin dlopen()ed by EAL, binds to it).  Called on the EAL
 *     interrupt thread while a net_memif port exists, it first bumps
 *     hs_port_memif_gen, then waits for two RCU grace periods of the
 *     polling lcores (hs_rcu.h: each reports a quiescent state once per
 *     poll iteration, between its bursts), and only then unmaps.  After the
 *     first, no burst that could have seen the flag set is still running;
 *     after the second, every lcore has begun an iteration after the bump.
 *   - a polling lcore on a net_memif port (hs_lcore.c) reads
 *     hs_port_memif_gen at the top of each iteration; when it moved it
 *     stops calling the port's burst functions until it has itself seen
 *     the link up again (memif_connect reports the link up only after the
 *     regions are mapped and the flag is set), dropping what it would
 *     have sent (drop_tx_link_down).
 * The interrupt thread waits for the lcores' current iteration, a few
 * microseconds (an idle one: its back-off sleep); the lcores pay one load
 * of a shared word per iteration on memif ports only.  Other threads'
 * munmap() calls, and all of them when no memif port exists, go straight
 * to the system call.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_rcu_qsbr.h>

#include "hs_port.h"
#include "hs_rcu.h"

uint32_t hs_port_memif_gen;        /* __atomic_*: bumped by the guard */
static bool hs_port_memif_guarded; /* a net_memif port was set up */
static bool hs_port_memif[RTE_MAX_ETHPORTS];

bool
hs_port_is_memif(uint16_t port_id)
{
	struct rte_eth_dev_info info;

	if (port_id >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port(port_id))
		return false;
	if (hs_port_memif[port_id])
		return true;
	return rte_eth_dev_info_get(port_id, &info) == 0 &&
	       info.driver_name != NULL &&
	       strcmp(info.driver_name, "net_memif") == 0;
}

void
hs_port_memif_guard(uint16_t port_id)
{
	if (!hs_port_is_memif(port_id))
		return;
	hs_port_memif[port_id] = true;
	__atomic_store_n(&hs_port_memif_guarded, true, __ATOMIC_RELEASE);
}

/* EAL interrupt thread: make the polling lcores leave the memif ports
 * before memory goes away (see the top of this file). */
static void
hs_port_memif_quiesce(void)
{
	struct rte_rcu_qsbr *v =
		__atomic_load_n(&hs_rcu_qsbr, __ATOMIC_ACQUIRE);

	__atomic_add_fetch(&hs_port_memif_gen, 1, __ATOMIC_SEQ_CST);
	if (v == NULL)
		return;
	rte_rcu_qsbr_synchronize(v, RTE_QSBR_THRID_INVALID);
	rte_rcu_qsbr_synchronize(v, RTE_QSBR_THRID_INVALID);
}

/* The munmap this one interposes (libc's, or a sanitizer's interceptor
 * in front of it), found on first use. */
typedef int (*hs_munmap_fn)(void *, size_t);
static hs_munmap_fn hs_port_next_munmap;

/* Interposes libc's munmap (exported by the executables that drive
 * ports); same contract. */
int
munmap(void *addr, size_t len)
{
	hs_munmap_fn fn =
		__atomic_load_n(&hs_port_next_munmap, __ATOMIC_ACQUIRE);

	if (__atomic_load_n(&hs_port_memif_guarded, __ATOMIC_ACQUIRE) &&
	    rte_thread_is_intr())
		hs_port_memif_quiesce();
	if (fn == NULL) {
		fn = (hs_munmap_fn)dlsym(RTLD_NEXT, "munmap");
		if (fn == NULL || fn == munmap)
			return (int)syscall(SYS_munmap, addr, len);
		__atomic_store_n(&hs_port_next_munmap, fn, __ATOMIC_RELEASE);
	}
	return fn(addr, len);
}
