/* SPDX-License-Identifier: BSD-3-Clause
 * hs_rcu.h - read-only shared state replaced RCU-style.
 *
 * Shared state the polling lcores only read (TLS context, file cache,
 * live configuration) is replaced by the main lcore: it publishes the new
 * object (a release store of a pointer), then retires the old one with
 * hs_rcu_retire().  The old object is freed by hs_rcu_reclaim() (main
 * lcore) once
 *   1. every polling lcore has passed a quiescent state after the
 *      retirement (rte_rcu_qsbr: each lcore reports quiescence once per
 *      poll iteration, between bursts, holding no pointer it loaded
 *      before), so no lcore can pick the old object up any more; and
 *   2. the object's own busy() callback says no connection still holds it
 *      (a response body still being sent from the old file cache, a TLS
 *      session created from the old context).  Those holds are counted
 *      per lcore by their lcore (hs_server.c); the count only falls once
 *      condition 1 holds.
 *
 * The packet path pays one shared-token load and, when the token moved,
 * one store to the lcore's own counter per iteration; no locks, no
 * read-modify-write atomics.
 */
#ifndef HS_RCU_H
#define HS_RCU_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

/* Main lcore, before the workers start: thread ids are EAL lcore ids
 * (< max_threads).  0 or -ENOMEM. */
int hs_rcu_init(unsigned int max_threads);
/* After the workers stopped: frees every retired object (ignoring
 * busy(): nothing runs any more) and the QSBR variable. */
void hs_rcu_fini(void);

/* Polling lcore, around its loop. */
void hs_rcu_online(unsigned int id);
void hs_rcu_offline(unsigned int id);

extern struct rte_rcu_qsbr *hs_rcu_qsbr;

/* Once per poll iteration, outside any use of shared objects. */
static inline void
hs_rcu_quiescent(unsigned int id)
{
	if (hs_rcu_qsbr != NULL)
		rte_rcu_qsbr_quiescent(hs_rcu_qsbr, id);
}

/* Main lcore: obj was unpublished; call free_fn(obj) once it is safe.
 * busy (may be NULL) returns true while connections still hold obj.
 * 0 or -ENOMEM (then obj is freed at hs_rcu_fini). */
int hs_rcu_retire(void *obj, bool (*busy)(void *obj),
		  void (*free_fn)(void *obj));
/* Main lcore: free what is safe now.  Returns the number still pending. */
unsigned int hs_rcu_reclaim(void);
unsigned int hs_rcu_pending(void);

#endif
