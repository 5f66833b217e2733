/* SPDX-License-Identifier: BSD-3-Clause
 * hs_reload.h - SIGHUP reload: request flag, hook registry, counters.
 *
 * A reload runs on the main lcore (with a single lcore: between two poll
 * iterations).  app/hs_app.c re-reads the configuration, builds a new TLS
 * context and file cache and publishes them (hs_server.c, hs_rcu.h), then
 * runs every registered hook in registration order.  A module with its
 * own reloadable state (session-ticket keys, OCSP staple, access log)
 * plugs in with one line at start-up:
 *
 *     hs_reload_register("tickets", my_reload_fn, my_arg);
 *
 * A hook runs on the main lcore, never on a polling lcore; it re-reads
 * its own files and either applies the new state as a whole (publishing
 * it RCU-style when lcores read it, see hs_rcu.h) and returns 0, or keeps
 * its old state and returns a negative code with a one-line reason in
 * err.  Hooks run only when the core of the reload (configuration,
 * certificates, files) succeeded.
 */
#ifndef HS_RELOAD_H
#define HS_RELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int (*hs_reload_fn)(void *arg, char *err, size_t errlen);

#define HS_RELOAD_MAX_HOOKS 16

/* 0, -EEXIST (name taken) or -ENOSPC. */
int hs_reload_register(const char *name, hs_reload_fn fn, void *arg);
/* Run every hook; all run even if one fails.  Returns 0, or the first
 * failure's code with "name: reason" in err. */
int hs_reload_run_hooks(char *err, size_t errlen);
/* Forget every hook (exit, tests). */
void hs_reload_hooks_clear(void);

/* Async-signal-safe: ask for a reload. */
void hs_reload_request(void);
/* True (once) when a reload was requested since the last call. */
bool hs_reload_take(void);

/* Outcome counters, shown by /httpsd/info. */
void hs_reload_count(bool ok);
uint64_t hs_reload_ok(void);
uint64_t hs_reload_failed(void);

#endif
