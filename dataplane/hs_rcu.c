/* SPDX-License-Identifier: BSD-3-Clause
 * hs_rcu.c - deferred frees of read-only shared state (see hs_rcu.h).
 * Everything here except hs_rcu_quiescent/online/offline runs on the
 * main lcore only.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "hs_common.h"
#include "hs_rcu.h"

struct rte_rcu_qsbr *hs_rcu_qsbr;

struct hs_rcu_item {
	struct hs_rcu_item *next;
	void *obj;
	bool (*busy)(void *obj);
	void (*free_fn)(void *obj);
	uint64_t token;
	bool token_ok; /* token taken (qsbr existed) */
};

static struct hs_rcu_item *hs_rcu_list;
static unsigned int hs_rcu_nb;
static unsigned int hs_rcu_max;

int
hs_rcu_init(unsigned int max_threads)
{
	size_t sz = rte_rcu_qsbr_get_memsize(max_threads);
	struct rte_rcu_qsbr *v;

	if (hs_rcu_qsbr != NULL)
		return 0;
	sz = RTE_ALIGN_CEIL(sz, RTE_CACHE_LINE_SIZE);
	v = aligned_alloc(RTE_CACHE_LINE_SIZE, sz);
	if (v == NULL)
		return -ENOMEM;
	if (rte_rcu_qsbr_init(v, max_threads) != 0) {
		free(v);
		return -EINVAL;
	}
	hs_rcu_max = max_threads;
	hs_rcu_qsbr = v;
	return 0;
}

void
hs_rcu_online(unsigned int id)
{
	if (hs_rcu_qsbr == NULL || id >= hs_rcu_max)
		return;
	rte_rcu_qsbr_thread_register(hs_rcu_qsbr, id);
	rte_rcu_qsbr_thread_online(hs_rcu_qsbr, id);
}

void
hs_rcu_offline(unsigned int id)
{
	if (hs_rcu_qsbr == NULL || id >= hs_rcu_max)
		return;
	rte_rcu_qsbr_thread_offline(hs_rcu_qsbr, id);
	rte_rcu_qsbr_thread_unregister(hs_rcu_qsbr, id);
}

int
hs_rcu_retire(void *obj, bool (*busy)(void *obj), void (*free_fn)(void *obj))
{
	struct hs_rcu_item *it = calloc(1, sizeof(*it));
	struct hs_rcu_item **pp;

	if (it == NULL)
		return -ENOMEM;
	it->obj = obj;
	it->busy = busy;
	it->free_fn = free_fn;
	if (hs_rcu_qsbr != NULL) {
		it->token = rte_rcu_qsbr_start(hs_rcu_qsbr);
		it->token_ok = true;
	}
	/* FIFO: older objects are reclaimed first */
	for (pp = &hs_rcu_list; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = it;
	__atomic_store_n(&hs_rcu_nb, hs_rcu_nb + 1,
			 __ATOMIC_RELAXED); /* telemetry reads it */
	return 0;
}

unsigned int
hs_rcu_reclaim(void)
{
	struct hs_rcu_item **pp = &hs_rcu_list;

	while (*pp != NULL) {
		struct hs_rcu_item *it = *pp;

		if ((it->token_ok &&
		     rte_rcu_qsbr_check(hs_rcu_qsbr, it->token, false) != 1) ||
		    (it->busy != NULL && it->busy(it->obj))) {
			pp = &it->next;
			continue;
		}
		*pp = it->next;
		it->free_fn(it->obj);
		free(it);
		__atomic_store_n(&hs_rcu_nb, hs_rcu_nb - 1, __ATOMIC_RELAXED);
	}
	return hs_rcu_nb;
}

unsigned int
hs_rcu_pending(void)
{
	return __atomic_load_n(&hs_rcu_nb, __ATOMIC_RELAXED);
}

void
hs_rcu_fini(void)
{
	while (hs_rcu_list != NULL) {
		struct hs_rcu_item *it = hs_rcu_list;

		hs_rcu_list = it->next;
		it->free_fn(it->obj);
		free(it);
	}
	hs_rcu_nb = 0;
	{
		struct rte_rcu_qsbr *v = hs_rcu_qsbr;

		/* unpublished first: hs_port_memif.c loads it on another
		 * thread */
		__atomic_store_n(&hs_rcu_qsbr, NULL, __ATOMIC_RELEASE);
		free(v);
	}
}
