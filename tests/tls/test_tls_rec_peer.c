/* SPDX-License-Identifier: BSD-3-Clause
 * test_tls_rec_peer.c - the record layer against records a real wolfSSL
 * wrote, and wolfSSL reading ours: a wolfSSL client and a wolfSSL server
 * (software crypto, no device) over memory pipes, keys taken the way the
 * handover takes them (TLS 1.3: the secret callback; TLS 1.2: the master
 * secret and randoms through the key expansion PRF, wolfSSL's sequence
 * numbers), for every suite the record layer runs; TLS 1.3 KeyUpdate
 * from wolfSSL (update_requested) opened after our read key steps.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/kdf.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_tls_rec.h"
#include "hs_check.h"
#include "hs_tls_pipe.h"

#if !defined(HAVE_SECRET_CALLBACK) || !defined(ATOMIC_USER)
/* wolfSSL without the secret callback (scripts/deps.sh builds it in) */
void test_rec_wolfssl(const char *top);
void
test_rec_wolfssl(const char *top)
{
	(void)top;
	printf("tls_rec: wolfSSL without HAVE_SECRET_CALLBACK/ATOMIC_USER: "
	       "cross-checks with a wolfSSL peer skipped\n");
}
#else

struct peers {
	struct pipe c2s, s2c;
	struct cli_io cio, sio;
	WOLFSSL_CTX *cctx, *sctx;
	WOLFSSL *c, *s;
	uint8_t cts[48], sts[48]; /* client / server application secrets */
	int ctsl, stsl;
};

static int
secret_cb(WOLFSSL *ssl, int id, const unsigned char *sec, int len, void *ctx)
{
	struct peers *p = ctx;

	(void)ssl;
	if (len > 48)
		return 0;
	if (id == CLIENT_TRAFFIC_SECRET) {
		memcpy(p->cts, sec, (size_t)len);
		p->ctsl = len;
	} else if (id == SERVER_TRAFFIC_SECRET) {
		memcpy(p->sts, sec, (size_t)len);
		p->stsl = len;
	}
	return 0;
}

static int
peers_init(struct peers *p, bool v13, const char *ciphers, const char *cert,
	   const char *key)
{
	int i, cdone = 0, sdone = 0;

	memset(p, 0, sizeof(*p));
	pipe_init(&p->c2s);
	pipe_init(&p->s2c);
	p->cio.in = &p->s2c;
	p->cio.out = &p->c2s;
	p->sio.in = &p->c2s;
	p->sio.out = &p->s2c;
	p->cctx = wolfSSL_CTX_new(v13 ? wolfTLSv1_3_client_method()
				      : wolfTLSv1_2_client_method());
	p->sctx = wolfSSL_CTX_new(v13 ? wolfTLSv1_3_server_method()
				      : wolfTLSv1_2_server_method());
	if (p->cctx == NULL || p->sctx == NULL)
		return -1;
	wolfSSL_CTX_set_verify(p->cctx, WOLFSSL_VERIFY_NONE, NULL);
	if (wolfSSL_CTX_use_certificate_file(p->sctx, cert,
					     WOLFSSL_FILETYPE_PEM) != 1 ||
	    wolfSSL_CTX_use_PrivateKey_file(p->sctx, key,
					    WOLFSSL_FILETYPE_PEM) != 1 ||
	    wolfSSL_CTX_set_cipher_list(p->cctx, ciphers) != 1 ||
	    wolfSSL_CTX_set_cipher_list(p->sctx, ciphers) != 1)
		return -1;
	wolfSSL_CTX_SetIORecv(p->cctx, cli_recv);
	wolfSSL_CTX_SetIOSend(p->cctx, cli_send);
	wolfSSL_CTX_SetIORecv(p->sctx, cli_recv);
	wolfSSL_CTX_SetIOSend(p->sctx, cli_send);
	p->c = wolfSSL_new(p->cctx);
	p->s = wolfSSL_new(p->sctx);
	if (p->c == NULL || p->s == NULL)
		return -1;
	wolfSSL_SetIOReadCtx(p->c, &p->cio);
	wolfSSL_SetIOWriteCtx(p->c, &p->cio);
	wolfSSL_SetIOReadCtx(p->s, &p->sio);
	wolfSSL_SetIOWriteCtx(p->s, &p->sio);
	wolfSSL_set_tls13_secret_cb(p->c, secret_cb, p);
	wolfSSL_KeepArrays(p->s);
	for (i = 0; i < 50 && !(cdone && sdone); i++) {
		if (!cdone)
			cdone = wolfSSL_connect(p->c) == WOLFSSL_SUCCESS;
		if (!sdone)
			sdone = wolfSSL_accept(p->s) == WOLFSSL_SUCCESS;
	}
	return cdone && sdone ? 0 : -1;
}

static void
peers_fini(struct peers *p)
{
	wolfSSL_free(p->c);
	wolfSSL_free(p->s);
	wolfSSL_CTX_free(p->cctx);
	wolfSSL_CTX_free(p->sctx);
	pipe_fini(&p->c2s);
	pipe_fini(&p->s2c);
}

/* What a pipe holds now, without taking it. */
static size_t
snap(const struct pipe *p, uint8_t *out, size_t cap)
{
	size_t n = p->len < cap ? p->len : cap;

	memcpy(out, p->buf + p->head, n);
	return n;
}

/* Open every record in buf[0..len) over 3-byte pieces (records split
 * across "segments" anywhere); the last record's plaintext goes to
 * last/lastlen.  Returns the number of records, -1 on an error.  A
 * KeyUpdate handshake message steps the read key after its record. */
static int
open_all(struct hs_tls_rec *r, uint8_t *buf, size_t len, uint8_t *last,
	 size_t *lastlen, int *keyupdates)
{
	static struct hs_tls_iov v[8192];
	size_t off = 0;
	int nrec = 0;

	while (off < len) {
		struct hs_tls_rec_msg m;
		size_t o = off;
		int n = 0;

		while (o < len && n < 8192) {
			v[n].base = buf + o;
			v[n].len = len - o < 3 ? len - o : 3;
			o += v[n++].len;
		}
		if (hs_tls_rec_open(r, v, n, &m) != 0)
			return -1;
		memcpy(last, buf + off + m.off, m.len);
		*lastlen = m.len;
		if (m.type == HS_TLS_CT_HANDSHAKE && m.len == 5 &&
		    last[0] == 24) { /* KeyUpdate */
			CHECK_EQ(hs_tls_rec_update(r, HS_TLS_REC_READ), 0);
			(*keyupdates)++;
		}
		off += m.reclen;
		nrec++;
	}
	return nrec;
}

/* Seal msg with r's write key and hand it to a wolfSSL reader. */
static void
seal_to(struct hs_tls_rec *r, struct pipe *p, const char *msg)
{
	uint8_t rec[512];
	size_t hl = hs_tls_rec_hdr_len(r), len = strlen(msg);
	struct hs_tls_iov v[2] = { { rec + hl, 2 }, { rec + hl + 2, len - 2 } };
	long rl;

	memcpy(rec + hl, msg, len);
	rl = hs_tls_rec_seal(r, HS_TLS_CT_APPDATA, rec, v, 2, rec + hl + len,
			     r->version == HS_TLS_V13 ? 3 : 0);
	CHECK(rl > 0);
	if (rl > 0)
		CHECK_EQ(pipe_put(p, rec, (size_t)rl), (size_t)rl);
}

static bool
read_is(WOLFSSL *ssl, const char *want)
{
	char buf[512];
	int n = 0, i;

	for (i = 0; i < 10 && n <= 0; i++)
		n = wolfSSL_read(ssl, buf, sizeof(buf));
	return n == (int)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

/* TLS 1.2 key block (RFC 5246 §6.3): client key, server key, client IV,
 * server IV (AEAD suites have no MAC keys). */
static int
keys12(WOLFSSL *s, size_t kl, size_t ivl, int hash, uint8_t *blk)
{
	unsigned char *ms, *sr, *cr;
	unsigned int msl, srl, crl;
	uint8_t seed[64];

	if (wolfSSL_get_keys(s, &ms, &msl, &sr, &srl, &cr, &crl) != 1)
		return -1;
	memcpy(seed, sr, 32);
	memcpy(seed + 32, cr, 32);
	return wc_PRF_TLS(blk, (word32)(2 * (kl + ivl)), ms, msl,
			  (const byte *)"key expansion", 13, seed, 64, 1, hash,
			  NULL, INVALID_DEVID);
}

struct peer_case {
	bool v13;
	const char *ciphers;
	uint16_t suite;
	size_t kl, ivl;
	int hash;
};

static void
run_case(const struct peer_case *pc, const char *cert, const char *key)
{
	static uint8_t buf[65536], last[16384];
	struct hs_tls_rec srd, swr, crd,
		cwr; /* read/write server/client dirs */
	struct peers p;
	size_t n, lastlen = 0;
	int ku = 0, nrec;
	word64 sseq = 0, cseq = 0;

	if (peers_init(&p, pc->v13, pc->ciphers, cert, key) != 0) {
		CHECK(!"handshake");
		peers_fini(&p);
		return;
	}
	CHECK_EQ(wolfSSL_get_current_cipher_suite(p.s) & 0xffff, pc->suite);
	CHECK(hs_tls_rec_suite_ok(pc->v13 ? HS_TLS_V13 : HS_TLS_V12,
				  pc->suite));
	/* srd reads what the server writes; cwr writes as the client */
	uint16_t ver = pc->v13 ? HS_TLS_V13 : HS_TLS_V12;
	CHECK_EQ(hs_tls_rec_init(&srd, ver, pc->suite), 0);
	CHECK_EQ(hs_tls_rec_init(&swr, ver, pc->suite), 0);
	CHECK_EQ(hs_tls_rec_init(&crd, ver, pc->suite), 0);
	CHECK_EQ(hs_tls_rec_init(&cwr, ver, pc->suite), 0);
	if (pc->v13) {
		CHECK_EQ(p.stsl, (int)pc->hash);
		CHECK_EQ(hs_tls_rec_set_secret(&srd, HS_TLS_REC_READ, p.sts,
					       p.stsl, 0),
			 0);
		CHECK_EQ(hs_tls_rec_set_secret(&crd, HS_TLS_REC_READ, p.cts,
					       p.ctsl, 0),
			 0);
	} else {
		uint8_t blk[2 * (32 + 12)];
		size_t kl = pc->kl, ivl = pc->ivl;

		CHECK_EQ(keys12(p.s, kl, ivl,
				pc->hash == 48 ? sha384_mac : sha256_mac, blk),
			 0);
		wolfSSL_GetSequenceNumber(p.s, &sseq);
		wolfSSL_GetPeerSequenceNumber(p.s, &cseq);
		CHECK_EQ(sseq, 1); /* the server's Finished was record 0 */
		CHECK_EQ(cseq, 1);
		CHECK_EQ(hs_tls_rec_set_key(&crd, HS_TLS_REC_READ, blk, kl,
					    blk + 2 * kl, ivl, cseq),
			 0);
		CHECK_EQ(hs_tls_rec_set_key(&cwr, HS_TLS_REC_WRITE, blk, kl,
					    blk + 2 * kl, ivl, cseq),
			 0);
		CHECK_EQ(hs_tls_rec_set_key(&srd, HS_TLS_REC_READ, blk + kl, kl,
					    blk + 2 * kl + ivl, ivl, sseq),
			 0);
		CHECK_EQ(hs_tls_rec_set_key(&swr, HS_TLS_REC_WRITE, blk + kl,
					    kl, blk + 2 * kl + ivl, ivl, sseq),
			 0);
	}
	/* server -> client: (TLS 1.3 NewSessionTickets,) then data */
	CHECK_EQ(wolfSSL_write(p.s, "hello from wolfSSL", 18), 18);
	n = snap(&p.s2c, buf, sizeof(buf));
	nrec = open_all(&srd, buf, n, last, &lastlen, &ku);
	CHECK(nrec >= 1);
	CHECK(lastlen == 18 && memcmp(last, "hello from wolfSSL", 18) == 0);
	CHECK(read_is(p.c, "hello from wolfSSL"));
	/* client -> server */
	CHECK_EQ(wolfSSL_write(p.c, "ping", 4), 4);
	n = snap(&p.c2s, buf, sizeof(buf));
	CHECK_EQ(open_all(&crd, buf, n, last, &lastlen, &ku), 1);
	CHECK(lastlen == 4 && memcmp(last, "ping", 4) == 0);
	CHECK(read_is(p.s, "ping"));
	if (pc->v13) {
		/* the client's KeyUpdate (update_requested), then data under
		 * its next key; the server answers with its own KeyUpdate */
		CHECK_EQ(wolfSSL_update_keys(p.c), WOLFSSL_SUCCESS);
		CHECK_EQ(wolfSSL_write(p.c, "after update", 12), 12);
		n = snap(&p.c2s, buf, sizeof(buf));
		ku = 0;
		CHECK_EQ(open_all(&crd, buf, n, last, &lastlen, &ku), 2);
		CHECK_EQ(ku, 1);
		CHECK(lastlen == 12 && memcmp(last, "after update", 12) == 0);
		CHECK(read_is(p.s, "after update"));
		CHECK_EQ(wolfSSL_write(p.s, "server too", 10), 10);
		n = snap(&p.s2c, buf, sizeof(buf));
		ku = 0;
		CHECK_EQ(open_all(&srd, buf, n, last, &lastlen, &ku), 2);
		CHECK_EQ(ku, 1);
		CHECK(lastlen == 10 && memcmp(last, "server too", 10) == 0);
		CHECK(read_is(p.c, "server too"));
		/* our writers continue where wolfSSL's stopped */
		CHECK_EQ(hs_tls_rec_set_secret(&swr, HS_TLS_REC_WRITE,
					       srd.rd.secret, srd.rd.secret_len,
					       srd.rd.seq),
			 0);
		CHECK_EQ(hs_tls_rec_set_secret(&cwr, HS_TLS_REC_WRITE,
					       crd.rd.secret, crd.rd.secret_len,
					       crd.rd.seq),
			 0);
	} else {
		swr.wr.seq = srd.rd.seq;
		cwr.wr.seq = crd.rd.seq;
	}
	seal_to(&swr, &p.s2c, "sealed by hs_tls_rec");
	CHECK(read_is(p.c, "sealed by hs_tls_rec"));
	seal_to(&cwr, &p.c2s, "client record by hs_tls_rec");
	CHECK(read_is(p.s, "client record by hs_tls_rec"));
	if (pc->v13) {
		/* our own KeyUpdate (update_not_requested), then data under
		 * our next key: wolfSSL's client follows */
		static const uint8_t kupd[5] = { 24, 0, 0, 1, 0 };
		uint8_t rec[64];
		struct hs_tls_iov v = { rec + 5, 5 };
		long rl;

		memcpy(rec + 5, kupd, 5);
		rl = hs_tls_rec_seal(&swr, HS_TLS_CT_HANDSHAKE, rec, &v, 1,
				     rec + 10, 0);
		CHECK(rl > 0);
		CHECK_EQ(pipe_put(&p.s2c, rec, (size_t)rl), (size_t)rl);
		CHECK_EQ(hs_tls_rec_update(&swr, HS_TLS_REC_WRITE), 0);
		seal_to(&swr, &p.s2c, "under the next key");
		CHECK(read_is(p.c, "under the next key"));
	}
	hs_tls_rec_clear(&srd);
	hs_tls_rec_clear(&swr);
	hs_tls_rec_clear(&crd);
	hs_tls_rec_clear(&cwr);
	peers_fini(&p);
}

void
test_rec_wolfssl(const char *top)
{
	static const struct peer_case cases[] = {
		{ true, "TLS13-AES128-GCM-SHA256", 0x1301, 16, 12, 32 },
		{ true, "TLS13-AES256-GCM-SHA384", 0x1302, 32, 12, 48 },
		{ true, "TLS13-CHACHA20-POLY1305-SHA256", 0x1303, 32, 12, 32 },
		{ false, "ECDHE-ECDSA-AES128-GCM-SHA256", 0xC02B, 16, 4, 32 },
		{ false, "ECDHE-ECDSA-AES256-GCM-SHA384", 0xC02C, 32, 4, 48 },
		{ false, "ECDHE-ECDSA-CHACHA20-POLY1305", 0xCCA9, 32, 12, 32 },
	};
	char dir[] = "/tmp/hs_tls_rec_test.XXXXXX", cmd[PATH_MAX * 3];
	char cert[PATH_MAX], key[PATH_MAX];

	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "bash '%s/scripts/gen-cert.sh' '%s' localhost"
		 " >/dev/null 2>&1",
		 top, dir);
	CHECK(system(cmd) == 0);
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], cert, key);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}
#endif
