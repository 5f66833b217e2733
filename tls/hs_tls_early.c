/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_early.c - 0-RTT early data and its anti-replay (hs_tls_early.h).
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "hs_tls_early.h"

/* Parser states: record header, then the ClientHello fields (RFC 8446
 * §4.1.2) and its extensions (§4.2). */
enum {
	HS_ES_OFF = 0,
	HS_ES_MSG_HDR, /* handshake type (1) + length (3) */
	HS_ES_SKIP,    /* skip 'skip' bytes, then 'next' */
	HS_ES_SID_LEN,
	HS_ES_CS_LEN,
	HS_ES_CM_LEN,
	HS_ES_EXT_LEN,
	HS_ES_EXT_TYPE,
	HS_ES_EXT_BODY_LEN,
	HS_ES_EXT_SKIP, /* skip an extension body */
	HS_ES_EXT_HASH, /* hash the pre_shared_key body */
};

#define HS_EXT_PRE_SHARED_KEY 41
#define HS_EXT_EARLY_DATA     42
#define HS_HS_CLIENT_HELLO    1
#define HS_CT_CCS             20
#define HS_CT_HANDSHAKE       22

struct hs_tls_early_table {
	uint64_t *slot; /* fp << 16 | expiry (seconds, mod 2^16); 0: free */
	uint32_t mask;
	uint32_t window;
	uint8_t key[32];
	uint64_t recorded, replays, evictions;
};

static struct hs_tls_early_table hs_es_table;


#define HS_ES_PROBES 8

_Static_assert(sizeof(wc_Sha256) <= 512, "wc_Sha256 larger than expected");

int
hs_tls_early_table_init(uint32_t slots, uint32_t window_s)
{
	uint32_t n = 1;

	if (hs_es_table.slot != NULL)
		return 0;
	while (n < slots && n < (1u << 26))
		n <<= 1;
	hs_es_table.slot = calloc(n, sizeof(uint64_t));
	if (hs_es_table.slot == NULL)
		return -ENOMEM;
	if (getrandom(hs_es_table.key, sizeof(hs_es_table.key), 0) !=
	    (ssize_t)sizeof(hs_es_table.key)) {
		free(hs_es_table.slot);
		hs_es_table.slot = NULL;
		return -EIO;
	}
	hs_es_table.mask = n - 1;
	hs_es_table.window = window_s ? window_s : 1;
	return 0;
}

void
hs_tls_early_table_fini(void)
{
	free(hs_es_table.slot);
	memset(&hs_es_table, 0, sizeof(hs_es_table));
}

int
hs_tls_early_ctx_setup(struct WOLFSSL_CTX *wctx, char *err, size_t errlen)
{
#ifdef WOLFSSL_EARLY_DATA
	if (hs_es_table.slot == NULL &&
	    hs_tls_early_table_init(HS_TLS_EARLY_SLOTS, HS_TLS_EARLY_WINDOW_S) <
		    0) {
		snprintf(err, errlen, "out of memory for the early data table");
		return -ENOMEM;
	}
	if (wolfSSL_CTX_set_max_early_data(wctx, HS_TLS_EARLY_MAX) !=
	    WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "wolfSSL: cannot enable early data");
		return -EIO;
	}
	return 0;
#else
	(void)wctx;
	snprintf(err, errlen,
		 "--early-data: this wolfSSL build has no early "
		 "data support (the tuned build has --enable-earlydata)");
	return -ENOTSUP;
#endif
}

static uint16_t
hs_es_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint16_t)ts.tv_sec;
}

/* Seconds an entry with expiry exp still lives (0: expired or free). */
static uint16_t
hs_es_left(uint64_t v, uint16_t now)
{
	uint16_t left = (uint16_t)((uint16_t)v - now);

	return v != 0 && left != 0 && left <= hs_es_table.window ? left : 0;
}

/* Check-and-insert a fingerprint (48 bits, nonzero).  true: seen before. */
static bool
hs_es_seen(uint64_t fp)
{
	struct hs_tls_early_table *t = &hs_es_table;
	uint16_t now = hs_es_now();
	uint64_t want = fp << 16 | (uint16_t)(now + t->window);
	uint32_t base = (uint32_t)fp & t->mask;

	for (int attempt = 0; attempt < 4; attempt++) {
		uint64_t *victim = NULL, vold = 0;
		uint16_t vleft = UINT16_MAX;

		for (uint32_t i = 0; i < HS_ES_PROBES; i++) {
			uint64_t *s = &t->slot[(base + i) & t->mask];
			uint64_t v = __atomic_load_n(s, __ATOMIC_ACQUIRE);
			uint16_t left = hs_es_left(v, now);

			if (left && v >> 16 == fp) {
				__atomic_fetch_add(&t->replays, 1,
						   __ATOMIC_RELAXED);
				return true;
			}
			if (left < vleft) {
				vleft = left;
				victim = s;
				vold = v;
			}
		}
		/* free or expired slot (left 0), else the one nearest expiry */
		if (__atomic_compare_exchange_n(victim, &vold, want, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			if (vleft)
				__atomic_fetch_add(&t->evictions, 1,
						   __ATOMIC_RELAXED);
			__atomic_fetch_add(&t->recorded, 1, __ATOMIC_RELAXED);
			return false;
		}
		/* another lcore wrote that slot meanwhile: look again (it
		 * may have been this very ClientHello) */
	}
	/* contended four times over: a replay for safety (its 0-RTT is
	 * rejected, the handshake goes on 1-RTT) */
	__atomic_fetch_add(&t->replays, 1, __ATOMIC_RELAXED);
	return true;
}

void
hs_tls_early_stats(struct hs_tls_early_stats *out)
{
	out->recorded =
		__atomic_load_n(&hs_es_table.recorded, __ATOMIC_RELAXED);
	out->replays = __atomic_load_n(&hs_es_table.replays, __ATOMIC_RELAXED);
	out->evictions =
		__atomic_load_n(&hs_es_table.evictions, __ATOMIC_RELAXED);
}

/* ---- streaming ClientHello parser ------------------------------------ */

struct hs_es_hash {
	wc_Sha256 sha;
};

void
hs_tls_early_sniff_start(struct hs_tls_early_sniff *sn)
{
	memset(sn, 0, sizeof(*sn));
	sn->state = HS_ES_MSG_HDR;
	sn->acc_need = 4;
}

void
hs_tls_early_sniff_stop(struct hs_tls_early_sniff *sn)
{
	if (sn->hash != NULL) {
		wc_Sha256Free(&((struct hs_es_hash *)sn->hash)->sha);
		free(sn->hash);
	}
	sn->hash = NULL;
	sn->state = HS_ES_OFF;
}

/* Read an integer of n bytes next, then go to state st. */
static void
hs_es_int(struct hs_tls_early_sniff *sn, uint8_t st, uint8_t n)
{
	sn->state = st;
	sn->acc_need = n;
	sn->acc_have = 0;
	sn->acc = 0;
}

/* The flight cannot be followed with certainty: a possible replay. */
static int
hs_es_fail(struct hs_tls_early_sniff *sn)
{
	hs_tls_early_sniff_stop(sn);
	return -EBADMSG;
}

/* The ClientHello is complete: record it if it offers early data. */
static int
hs_es_done(struct hs_tls_early_sniff *sn)
{
	uint8_t d[WC_SHA256_DIGEST_SIZE];
	uint64_t fp = 0;
	int rc = 0;

	if (sn->msg_left != 0)
		return hs_es_fail(sn); /* bytes after the extensions */
	if (sn->saw_early && sn->saw_psk && sn->hash != NULL &&
	    wc_Sha256Final(&((struct hs_es_hash *)sn->hash)->sha, d) == 0) {
		for (int i = 0; i < 6; i++)
			fp = fp << 8 | d[i];
		if (fp == 0)
			fp = 1;
		rc = hs_es_seen(fp) ? -EALREADY : 0;
	} else if (sn->saw_early) {
		rc = -EALREADY; /* early data without a hashable PSK: no 0-RTT */
	}
	hs_tls_early_sniff_stop(sn);
	return rc;
}

/* One extension header has been read (type in sn->hdr[0..1]). */
static int
hs_es_ext_start(struct hs_tls_early_sniff *sn, uint16_t type, uint32_t len)
{
	if (len + 4 > sn->ext_left)
		return hs_es_fail(sn); /* malformed */
	sn->ext_left -= len + 4;
	sn->skip = len;
	sn->state = HS_ES_EXT_SKIP;
	if (type == HS_EXT_EARLY_DATA)
		sn->saw_early = true;
	if (type == HS_EXT_PRE_SHARED_KEY && !sn->saw_psk) {
		struct hs_es_hash *h = malloc(sizeof(*h));

		if (h == NULL || wc_InitSha256(&h->sha) != 0 ||
		    wc_Sha256Update(&h->sha, hs_es_table.key,
				    sizeof(hs_es_table.key)) != 0) {
			free(h);
			return hs_es_fail(sn);
		}
		sn->hash = h;
		sn->saw_psk = true;
		sn->state = HS_ES_EXT_HASH;
	}
	if (len == 0 && sn->ext_left == 0)
		return hs_es_done(sn);
	if (len == 0)
		hs_es_int(sn, HS_ES_EXT_TYPE, 2);
	return 0;
}

/* Skip count bytes, then read an integer of n bytes in state next. */
static void
hs_es_skip(struct hs_tls_early_sniff *sn, uint32_t count, uint8_t next,
	   uint8_t n)
{
	hs_es_int(sn, next, n);
	if (count > 0) {
		sn->next = next;
		sn->state = HS_ES_SKIP;
		sn->skip = count;
	}
}

/* The ClientHello body has ended (msg_left 0) with the parser still on:
 * complete only without an extensions block (RFC 5246 §7.4.1.2 allows
 * that; no early data then), else malformed. */
static int
hs_es_end(struct hs_tls_early_sniff *sn)
{
	if (sn->state == HS_ES_EXT_LEN && sn->acc_have == 0 && !sn->saw_early)
		return hs_es_done(sn);
	return hs_es_fail(sn);
}

/* Feed bytes of the handshake message (record headers removed). */
static int
hs_es_msg(struct hs_tls_early_sniff *sn, const uint8_t *p, size_t n)
{
	while (n > 0 && sn->state != HS_ES_OFF) {
		size_t k;

		if (sn->body && sn->msg_left == 0)
			return hs_es_end(sn);
		if (sn->state == HS_ES_SKIP || sn->state == HS_ES_EXT_SKIP ||
		    sn->state == HS_ES_EXT_HASH) {
			k = n < sn->skip ? n : sn->skip;
			if (k > sn->msg_left)
				return hs_es_fail(sn); /* field past the end */
			if (sn->state == HS_ES_EXT_HASH &&
			    wc_Sha256Update(
				    &((struct hs_es_hash *)sn->hash)->sha, p,
				    (word32)k) != 0)
				return hs_es_fail(sn);
			sn->skip -= (uint32_t)k;
			sn->msg_left -= (uint32_t)k;
			p += k;
			n -= k;
			if (sn->skip > 0 && sn->msg_left == 0)
				return hs_es_fail(sn); /* field past the end */
			if (sn->skip > 0)
				continue;
			if (sn->state == HS_ES_SKIP)
				sn->state = sn->next; /* acc_need already set */
			else if (sn->ext_left == 0)
				return hs_es_done(sn);
			else
				hs_es_int(sn, HS_ES_EXT_TYPE, 2);
			if (sn->msg_left == 0)
				return hs_es_end(sn);
			continue;
		}
		/* integer fields */
		sn->acc = sn->acc << 8 | *p++;
		n--;
		if (sn->body)
			sn->msg_left--;
		if (++sn->acc_have < sn->acc_need) {
			if (sn->body && sn->msg_left == 0)
				return hs_es_fail(sn);
			continue;
		}
		switch (sn->state) {
		case HS_ES_MSG_HDR:
			if ((sn->acc >> 24) != HS_HS_CLIENT_HELLO)
				return hs_es_fail(sn);
			sn->body = true;
			sn->msg_left = sn->acc & 0xffffff;
			/* legacy_version (2) + random (32) */
			hs_es_skip(sn, 34, HS_ES_SID_LEN, 1);
			break;
		case HS_ES_SID_LEN:
			hs_es_skip(sn, sn->acc, HS_ES_CS_LEN, 2);
			break;
		case HS_ES_CS_LEN:
			hs_es_skip(sn, sn->acc, HS_ES_CM_LEN, 1);
			break;
		case HS_ES_CM_LEN:
			hs_es_skip(sn, sn->acc, HS_ES_EXT_LEN, 2);
			break;
		case HS_ES_EXT_LEN:
			/* the extensions fill the rest of the hello exactly */
			if (sn->acc != sn->msg_left)
				return hs_es_fail(sn);
			sn->ext_left = sn->acc;
			if (sn->ext_left == 0)
				return hs_es_done(sn);
			hs_es_int(sn, HS_ES_EXT_TYPE, 2);
			break;
		case HS_ES_EXT_TYPE:
			sn->ext_type = (uint16_t)sn->acc;
			hs_es_int(sn, HS_ES_EXT_BODY_LEN, 2);
			break;
		case HS_ES_EXT_BODY_LEN: {
			int rc = hs_es_ext_start(sn, sn->ext_type, sn->acc);

			if (rc < 0 || sn->state == HS_ES_OFF)
				return rc;
			break;
		}
		default:
			return hs_es_fail(sn);
		}
		if (sn->body && sn->msg_left == 0)
			return hs_es_end(sn);
	}
	return 0;
}

/* Record layer (RFC 8446 §5.1): what wolfSSL takes before the first
 * ClientHello is at most one change_cipher_spec record (RFC 8446 §5, of
 * value 1; wolfSSL refuses a second) and handshake records carrying the
 * hello.  Anything else, or anything malformed, while early data might
 * still be accepted: a possible replay (fail closed, never "not a
 * replay"). */
int
hs_tls_early_sniff_feed(struct hs_tls_early_sniff *sn, const uint8_t *p,
			size_t n)
{
	while (n > 0 && sn->state != HS_ES_OFF) {
		if (sn->rec_left == 0) {
			sn->hdr[sn->hdr_have++] = *p++;
			n--;
			if (sn->hdr_have < 5)
				continue;
			sn->hdr_have = 0;
			sn->rec_left = (uint32_t)sn->hdr[3] << 8 | sn->hdr[4];
			if (sn->rec_left > 16384) /* §5.1: at most 2^14 */
				return hs_es_fail(sn);
			if (sn->hdr[0] == HS_CT_CCS) {
				/* one, of length 1, not inside the hello
				 * (§5.1: no interleaving) */
				if (sn->ccs || sn->rec_left != 1 || sn->body ||
				    sn->acc_have != 0)
					return hs_es_fail(sn);
				sn->ccs = true;
				sn->in_ccs = true;
				continue;
			}
			if (sn->hdr[0] != HS_CT_HANDSHAKE || sn->rec_left == 0)
				return hs_es_fail(sn);
			continue;
		}
		if (sn->in_ccs) {
			sn->in_ccs = false;
			sn->rec_left = 0;
			if (*p++ != 1)
				return hs_es_fail(sn);
			n--;
			continue;
		}
		size_t k = n < sn->rec_left ? n : sn->rec_left;
		int rc = hs_es_msg(sn, p, k);

		if (rc < 0 || sn->state == HS_ES_OFF)
			return rc;
		sn->rec_left -= (uint32_t)k;
		p += k;
		n -= k;
	}
	return 0;
}
