/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_scache.c - TLS 1.2 session cache keyed by site (hs_tls_scache.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hs_tls_scache.h"

struct hs_scache_ent {
	uint8_t site[32];
	uint8_t id[HS_TLS_SCACHE_ID];
	uint8_t idlen; /* 0: free */
	uint16_t len;
	uint32_t issued;
	uint8_t der[HS_TLS_SCACHE_DATA];
};

struct hs_scache_row {
	uint8_t lock; /* spin lock: __atomic_test_and_set */
	struct hs_scache_ent ent[HS_TLS_SCACHE_WAYS];
};

static struct hs_scache_row *hs_sc_rows;

int
hs_tls_scache_init(void)
{
	struct hs_scache_row *r;

	if (__atomic_load_n(&hs_sc_rows, __ATOMIC_ACQUIRE) != NULL)
		return 0;
	r = calloc(HS_TLS_SCACHE_ROWS, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	/* contexts are built on the main lcore, but be safe anyway */
	{
		struct hs_scache_row *none = NULL;

		if (!__atomic_compare_exchange_n(&hs_sc_rows, &none, r, false,
						 __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			free(r);
	}
	return 0;
}

void
hs_tls_scache_fini(void)
{
	struct hs_scache_row *r =
		__atomic_exchange_n(&hs_sc_rows, NULL, __ATOMIC_ACQ_REL);

	if (r != NULL) {
		explicit_bzero(r, HS_TLS_SCACHE_ROWS * sizeof(*r));
		free(r);
	}
}

/* Session IDs are server-chosen random bytes: any four of them index. */
static struct hs_scache_row *
hs_sc_row(const uint8_t *id, size_t idlen)
{
	uint32_t h = 2166136261u; /* FNV-1a, for short or odd IDs too */

	for (size_t i = 0; i < idlen; i++)
		h = (h ^ id[i]) * 16777619u;
	return &hs_sc_rows[h % HS_TLS_SCACHE_ROWS];
}

static void
hs_sc_lock(struct hs_scache_row *r)
{
	while (__atomic_test_and_set(&r->lock, __ATOMIC_ACQUIRE)) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
}

static void
hs_sc_unlock(struct hs_scache_row *r)
{
	__atomic_clear(&r->lock, __ATOMIC_RELEASE);
}

static bool
hs_sc_match(const struct hs_scache_ent *e, const uint8_t *site,
	    const uint8_t *id, size_t idlen)
{
	return e->idlen == idlen && memcmp(e->id, id, idlen) == 0 &&
	       memcmp(e->site, site, sizeof(e->site)) == 0;
}

int
hs_tls_scache_put(const uint8_t site[32], const uint8_t *id, size_t idlen,
		  const uint8_t *der, size_t len, uint32_t now)
{
	struct hs_scache_row *r;
	struct hs_scache_ent *e = NULL;

	if (site == NULL || id == NULL || der == NULL || idlen == 0 ||
	    idlen > HS_TLS_SCACHE_ID)
		return -EINVAL;
	if (len > HS_TLS_SCACHE_DATA)
		return -E2BIG;
	if (hs_sc_rows == NULL)
		return -ENOMEM;
	r = hs_sc_row(id, idlen);
	hs_sc_lock(r);
	/* the same key again, else a free entry, else the oldest */
	for (unsigned int i = 0; i < HS_TLS_SCACHE_WAYS && e == NULL; i++)
		if (hs_sc_match(&r->ent[i], site, id, idlen))
			e = &r->ent[i];
	for (unsigned int i = 0; i < HS_TLS_SCACHE_WAYS && e == NULL; i++)
		if (r->ent[i].idlen == 0)
			e = &r->ent[i];
	if (e == NULL) {
		e = &r->ent[0];
		for (unsigned int i = 1; i < HS_TLS_SCACHE_WAYS; i++)
			if ((int32_t)(r->ent[i].issued - e->issued) < 0)
				e = &r->ent[i];
	}
	memcpy(e->site, site, sizeof(e->site));
	memcpy(e->id, id, idlen);
	e->idlen = (uint8_t)idlen;
	e->len = (uint16_t)len;
	e->issued = now;
	memcpy(e->der, der, len);
	hs_sc_unlock(r);
	return 0;
}

int
hs_tls_scache_get(const uint8_t site[32], const uint8_t *id, size_t idlen,
		  uint8_t *der, size_t cap, uint32_t *issued)
{
	struct hs_scache_row *r;
	int rc = -ENOENT;

	if (site == NULL || id == NULL || idlen == 0 ||
	    idlen > HS_TLS_SCACHE_ID || hs_sc_rows == NULL)
		return -ENOENT;
	r = hs_sc_row(id, idlen);
	hs_sc_lock(r);
	for (unsigned int i = 0; i < HS_TLS_SCACHE_WAYS; i++) {
		const struct hs_scache_ent *e = &r->ent[i];

		if (!hs_sc_match(e, site, id, idlen) || e->len > cap)
			continue;
		memcpy(der, e->der, e->len);
		*issued = e->issued;
		rc = e->len;
		break;
	}
	hs_sc_unlock(r);
	return rc;
}
