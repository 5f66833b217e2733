/* SPDX-License-Identifier: BSD-3-Clause
 * hs_reload.c - reload hook registry, request flag and counters.
 */
#include <stdio.h>
#include <string.h>

#include "hs_common.h"
#include "hs_reload.h"

struct hs_reload_hook {
	const char *name;
	hs_reload_fn fn;
	void *arg;
};

static struct hs_reload_hook hs_hooks[HS_RELOAD_MAX_HOOKS];
static unsigned int hs_nb_hooks;
static int hs_reload_flag; /* __atomic_*, set by the signal handler */
static uint64_t hs_reload_nb_ok, hs_reload_nb_failed; /* main lcore writes */

int
hs_reload_register(const char *name, hs_reload_fn fn, void *arg)
{
	if (name == NULL || fn == NULL)
		return -EINVAL;
	for (unsigned int i = 0; i < hs_nb_hooks; i++)
		if (strcmp(hs_hooks[i].name, name) == 0)
			return -EEXIST;
	if (hs_nb_hooks == HS_RELOAD_MAX_HOOKS)
		return -ENOSPC;
	hs_hooks[hs_nb_hooks++] = (struct hs_reload_hook){ name, fn, arg };
	return 0;
}

int
hs_reload_run_hooks(char *err, size_t errlen)
{
	int first = 0;

	for (unsigned int i = 0; i < hs_nb_hooks; i++) {
		char msg[192] = "";
		int rc = hs_hooks[i].fn(hs_hooks[i].arg, msg, sizeof(msg));

		if (rc < 0 && first == 0) {
			first = rc;
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "%s: %s",
					 hs_hooks[i].name,
					 msg[0] ? msg : "failed");
		}
	}
	return first;
}

void
hs_reload_hooks_clear(void)
{
	hs_nb_hooks = 0;
}

void
hs_reload_request(void)
{
	__atomic_store_n(&hs_reload_flag, 1, __ATOMIC_RELAXED);
}

bool
hs_reload_take(void)
{
	if (__atomic_load_n(&hs_reload_flag, __ATOMIC_RELAXED) == 0)
		return false;
	return __atomic_exchange_n(&hs_reload_flag, 0, __ATOMIC_ACQ_REL) != 0;
}

void
hs_reload_count(bool ok)
{
	if (ok)
		__atomic_store_n(&hs_reload_nb_ok, hs_reload_nb_ok + 1,
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&hs_reload_nb_failed, hs_reload_nb_failed + 1,
				 __ATOMIC_RELAXED);
}

uint64_t
hs_reload_ok(void)
{
	return __atomic_load_n(&hs_reload_nb_ok, __ATOMIC_RELAXED);
}

uint64_t
hs_reload_failed(void)
{
	return __atomic_load_n(&hs_reload_nb_failed, __ATOMIC_RELAXED);
}
