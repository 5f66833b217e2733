/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_xkey.h - expanded AES-GCM keys from a per-thread pool, held by
 * a connection only while it uses them.
 *
 * An AES-GCM key expanded for ipsec-mb (round keys and GHASH tables,
 * struct gcm_key_data, 1008 bytes on AVX-512) is 60 times the raw key.
 * A connection keeps only its raw keys (hs_tls_crypto.c, struct
 * hs_tls_aead); the expansion lives in a block of the calling thread's
 * pool, attached to the key when a record is sealed or opened:
 *   - a key whose block is still attached uses it (no expansion);
 *   - otherwise it takes a free block, or the victim (below) once that
 *     has been unused for the idle period (counted as reused), or a new
 *     one while the pool is below its bound (grown HS_TLS_XKEY_CHUNK
 *     blocks at a time, never per record), or, at the bound, the victim
 *     anyway (counted as evicted): its key expands again on its next
 *     record (~0.2 µs).
 * The victim: of the HS_TLS_XKEY_SCAN blocks attached longest ago, the
 * least recently used; the others scanned move to the head (a clock's
 * second chance).  A use touches only the key's own block (no list
 * move, so no other connection's block is pulled into the cache).
 * So no key ever waits for a block: the pool's bound caps memory and an
 * evicted key only costs an expansion.  A key released (KeyUpdate, the
 * session freed) wipes its block and returns it.  Blocks are per thread
 * (an lcore's sessions only), no locks; a block is never freed before
 * hs_tls_xkey_thread_fini().
 *
 * Between hs_tls_xkey_attach() and the end of that record no other key of
 * the thread may be attached (records are sealed and opened one at a
 * time per thread; the pool keeps at least 2 blocks so the block just
 * attached, at the head of the LRU list, is never the one evicted).
 */
#ifndef HS_TLS_XKEY_H
#define HS_TLS_XKEY_H

#include <stdbool.h>
#include <stdint.h>

#define HS_TLS_XKEY_LEN          1024 /* >= sizeof(struct gcm_key_data) */
#define HS_TLS_XKEY_CHUNK        32   /* blocks allocated at a time */
#define HS_TLS_XKEY_MAX_DEFAULT  4096 /* per thread: 4.25 MiB */
#define HS_TLS_XKEY_IDLE_DEFAULT 1000 /* ms */
#define HS_TLS_XKEY_SCAN         8    /* blocks a victim is chosen from */

struct hs_tls_xpool;

struct hs_tls_xkey {
	struct hs_tls_xkey *prev, *next; /* attached: the pool's list, head =
					  * newest; free: the free list */
	struct hs_tls_xkey **owner;      /* the reference holding it */
	struct hs_tls_xpool *pool;       /* the thread's pool it belongs to */
	uint64_t used_ms;                /* last use (coarse clock) */
	uint64_t used_seq;               /* last use (the pool's count) */
	uint8_t kd[HS_TLS_XKEY_LEN] __attribute__((aligned(64)));
};

struct hs_tls_xkey_stats {
	uint32_t total;   /* blocks allocated */
	uint32_t in_use;  /* blocks attached to a key */
	uint32_t max;     /* bound on total */
	uint64_t expand;  /* blocks handed to a key (each then expanded) */
	uint64_t reused;  /* taken from a key unused for the idle period */
	uint64_t evicted; /* taken from a key still in use (bound reached) */
	uint64_t nomem;   /* no block at all (allocation failed, pool empty) */
};

/* Bound and idle period for pools set up after the call (threads start
 * their pool on first use): max >= 2 blocks, idle_ms > 0.  Call before
 * the lcores start. */
void hs_tls_xkey_config(uint32_t max, uint32_t idle_ms);

/* The expanded key for *ref: its block if attached (*fresh false),
 * else a block now attached to *ref (*fresh true: the caller expands the
 * key into b->kd).  NULL only if no block can be had at all (counted). */
struct hs_tls_xkey *hs_tls_xkey_attach(struct hs_tls_xkey **ref, bool *fresh);

/* Wipe and return *ref's block, if any; *ref becomes NULL. */
void hs_tls_xkey_release(struct hs_tls_xkey **ref);

/* The calling thread's pool. */
void hs_tls_xkey_stats(struct hs_tls_xkey_stats *out);

/* Free the calling thread's blocks (none may be attached: 0, else
 * -EBUSY and nothing freed). */
int hs_tls_xkey_thread_fini(void);

#endif
