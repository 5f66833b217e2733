/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_xkey.c - the per-thread pool of expanded-key blocks (design:
 * hs_tls_xkey.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hs_common.h"
#include "hs_tls_xkey.h"

struct hs_tls_xchunk {
	struct hs_tls_xchunk *next;
	uint32_t n;
	struct hs_tls_xkey blk[] __attribute__((aligned(64)));
};

struct hs_tls_xpool {
	struct hs_tls_xkey lru;   /* list head: lru.next most recent */
	struct hs_tls_xkey *free; /* free list (next) */
	struct hs_tls_xchunk *chunks;
	uint64_t seq; /* uses so far (recency order) */
	uint32_t idle_ms;
	bool ready;
	struct hs_tls_xkey_stats st;
};

static uint32_t hs_tls_xkey_max = HS_TLS_XKEY_MAX_DEFAULT;
static uint32_t hs_tls_xkey_idle = HS_TLS_XKEY_IDLE_DEFAULT;
static __thread struct hs_tls_xpool *hs_tls_xpool;

void
hs_tls_xkey_config(uint32_t max, uint32_t idle_ms)
{
	hs_tls_xkey_max = HS_MAX(max, 2u);
	hs_tls_xkey_idle = HS_MAX(idle_ms, 1u);
}

static uint64_t
xkey_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct hs_tls_xpool *
xkey_pool(void)
{
	struct hs_tls_xpool *p = hs_tls_xpool;

	if (HS_LIKELY(p != NULL))
		return p;
	/* 64-byte aligned: the list head is a struct hs_tls_xkey */
	p = aligned_alloc(_Alignof(struct hs_tls_xpool),
			  (sizeof(*p) + _Alignof(struct hs_tls_xpool) - 1) &
				  ~(_Alignof(struct hs_tls_xpool) - 1));
	if (p == NULL)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->lru.next = p->lru.prev = &p->lru;
	p->st.max = hs_tls_xkey_max;
	p->idle_ms = hs_tls_xkey_idle;
	hs_tls_xpool = p;
	return p;
}

static void
xkey_unlink(struct hs_tls_xkey *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
}

static void
xkey_push_head(struct hs_tls_xpool *p, struct hs_tls_xkey *b)
{
	b->prev = &p->lru;
	b->next = p->lru.next;
	p->lru.next->prev = b;
	p->lru.next = b;
}

/* Another chunk of free blocks; false if the bound or memory says no. */
static bool
xkey_grow(struct hs_tls_xpool *p)
{
	struct hs_tls_xchunk *ch;
	uint32_t n = HS_MIN((uint32_t)HS_TLS_XKEY_CHUNK,
			    p->st.max - HS_MIN(p->st.max, p->st.total));
	size_t sz;

	if (n == 0)
		return false;
	sz = sizeof(*ch) + n * sizeof(ch->blk[0]);
	ch = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	if (ch == NULL)
		return false;
	memset(ch, 0, sz);
	ch->n = n;
	ch->next = p->chunks;
	p->chunks = ch;
	for (uint32_t i = n; i-- > 0;) {
		ch->blk[i].pool = p;
		ch->blk[i].next = p->free;
		p->free = &ch->blk[i];
	}
	p->st.total += n;
	return true;
}

/* Take block b from its key. */
static struct hs_tls_xkey *
xkey_steal(struct hs_tls_xpool *p, struct hs_tls_xkey *b)
{
	xkey_unlink(b);
	*b->owner = NULL;
	b->owner = NULL;
	p->st.in_use--;
	return b;
}

/* The block to take when none is free: of the HS_TLS_XKEY_SCAN oldest
 * attached (the list is in attach order), the least recently used; the
 * others seen go to the head (a second chance, as a clock's hand), so
 * the scan moves on.  NULL if none is attached. */
static struct hs_tls_xkey *
xkey_victim(struct hs_tls_xpool *p)
{
	struct hs_tls_xkey *b = p->lru.prev, *v = NULL;

	for (int k = 0; k < HS_TLS_XKEY_SCAN && b != &p->lru; k++) {
		if (v == NULL || b->used_seq < v->used_seq)
			v = b;
		b = b->prev;
	}
	for (b = p->lru.prev; b != v && v != NULL;) {
		struct hs_tls_xkey *up = b->prev;

		xkey_unlink(b);
		xkey_push_head(p, b);
		b = up;
	}
	return v;
}

struct hs_tls_xkey *
hs_tls_xkey_attach(struct hs_tls_xkey **ref, bool *fresh)
{
	struct hs_tls_xpool *p;
	struct hs_tls_xkey *b = *ref;
	uint64_t now = xkey_now_ms();

	if (HS_LIKELY(b != NULL)) {
		/* no list move: only the key's own block is touched */
		b->used_ms = now;
		b->used_seq = ++b->pool->seq;
		*fresh = false;
		return b;
	}
	p = xkey_pool();
	if (HS_UNLIKELY(p == NULL))
		return NULL;
	if (p->free == NULL) {
		struct hs_tls_xkey *v = xkey_victim(p);

		if (v != NULL && now - v->used_ms >= p->idle_ms) {
			p->st.reused++;
			b = xkey_steal(p, v);
		} else if (xkey_grow(p)) {
			/* b from the free list below */
		} else if (v != NULL) {
			p->st.evicted++;
			b = xkey_steal(p, v);
		} else {
			p->st.nomem++;
			return NULL;
		}
	}
	if (b == NULL) {
		b = p->free;
		p->free = b->next;
	}
	b->owner = ref;
	b->used_ms = now;
	b->used_seq = ++p->seq;
	xkey_push_head(p, b);
	p->st.in_use++;
	p->st.expand++;
	*ref = b;
	*fresh = true;
	return b;
}

void
hs_tls_xkey_release(struct hs_tls_xkey **ref)
{
	struct hs_tls_xkey *b = *ref;
	struct hs_tls_xpool *p;

	if (b == NULL)
		return;
	p = b->pool; /* the thread that used it, which has stopped if not us */
	xkey_unlink(b);
	explicit_bzero(b->kd, sizeof(b->kd));
	b->owner = NULL;
	b->prev = NULL;
	b->next = p->free;
	p->free = b;
	p->st.in_use--;
	*ref = NULL;
}

void
hs_tls_xkey_stats(struct hs_tls_xkey_stats *out)
{
	struct hs_tls_xpool *p = hs_tls_xpool;

	if (p == NULL) {
		memset(out, 0, sizeof(*out));
		out->max = hs_tls_xkey_max;
		return;
	}
	*out = p->st;
}

int
hs_tls_xkey_thread_fini(void)
{
	struct hs_tls_xpool *p = hs_tls_xpool;

	if (p == NULL)
		return 0;
	if (p->st.in_use != 0)
		return -EBUSY;
	while (p->chunks != NULL) {
		struct hs_tls_xchunk *ch = p->chunks;

		p->chunks = ch->next;
		explicit_bzero(ch->blk, ch->n * sizeof(ch->blk[0]));
		free(ch);
	}
	free(p);
	hs_tls_xpool = NULL;
	return 0;
}
