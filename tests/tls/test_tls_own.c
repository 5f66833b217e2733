/* SPDX-License-Identifier: BSD-3-Clause
 * test_tls_own.c - hs_tls sessions with our own record layer after the
 * handshake (records = HS_TLS_RECORDS_OWN, tls/hs_tls_own.c) against a
 * wolfSSL client: the handover for every suite, data both ways byte for
 * byte, record sizes, zero-copy sealing into caller buffers, KeyUpdate
 * from the client (update_requested) and our answer, close_notify both
 * ways, a transport taking a few bytes at a time, and the alerts for a
 * tampered record and for post-handshake messages we refuse (records
 * made with the client's keys from wolfSSL's secret callback; TLS 1.2:
 * its key block), TLS 1.2 renegotiation included.
 *
 * Usage: test_tls_own SOURCE_ROOT
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

#include "hs_common.h"
#include "hs_tls.h"
#include "hs_tls_rec.h"
#include "hs_tls_int.h"
#include "hs_check.h"
#include "hs_tls_pipe.h"

#if !defined(HAVE_SECRET_CALLBACK) || !defined(ATOMIC_USER)
int
main(void)
{
	printf("tls_own: wolfSSL without HAVE_SECRET_CALLBACK/ATOMIC_USER "
	       "(scripts/deps.sh builds them in): skipped\n");
	return 77;
}
#else
static char g_dir[PATH_MAX], g_cert[PATH_MAX + 16], g_key[PATH_MAX + 16];

struct csec {
	uint8_t c[48], s[48];
	int clen, slen;
};

static int
csec_cb(WOLFSSL *ssl, int id, const unsigned char *sec, int len, void *ctx)
{
	struct csec *cs = ctx;

	(void)ssl;
	if (id == CLIENT_TRAFFIC_SECRET && len <= 48) {
		memcpy(cs->c, sec, (size_t)len);
		cs->clen = len;
	} else if (id == SERVER_TRAFFIC_SECRET && len <= 48) {
		memcpy(cs->s, sec, (size_t)len);
		cs->slen = len;
	}
	return 0;
}

static bool
connect_pair(struct pair *p, struct hs_tls_ctx *ctx, WOLFSSL_METHOD *method,
	     const char *suite, struct csec *cs)
{
	if (pair_init_ctx(p, ctx, g_cert, method, suite) != 0)
		return false;
	if (cs != NULL)
		wolfSSL_set_tls13_secret_cb(p->cli, csec_cb, cs);
	pump_handshake(p);
	return p->srv_rc == 0 && p->cli_done;
}

/* hs_tls_write all of buf (own records may take a record's worth). */
static bool
server_write_all(struct pair *p, const uint8_t *buf, size_t len, size_t *first)
{
	size_t off = 0;
	int i;

	for (i = 0; i < 1000 && off < len; i++) {
		int n = hs_tls_write(p->srv, buf + off,
				     len - off > HS_TLS_MAX_WRITE
					     ? HS_TLS_MAX_WRITE
					     : len - off);

		if (n <= 0)
			return false;
		if (off == 0 && first != NULL)
			*first = (size_t)n;
		off += (size_t)n;
	}
	return off == len;
}

static void
exchange(struct pair *p, bool key_update)
{
	static const size_t sizes[] = { 1, 13, 1400, 4000, 16384, 70000, 2 };
	size_t cap = 70000;
	uint8_t *tx = malloc(cap), *rx = malloc(cap);

	if (tx == NULL || rx == NULL)
		abort();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i], first = 0;

		/* client -> server (a request) */
		fill_pattern(tx, len, (uint32_t)i * 31 + 2);
		if (key_update && i == 3)
			CHECK_EQ(wolfSSL_update_keys(p->cli), WOLFSSL_SUCCESS);
		for (size_t off = 0; off < len;) {
			size_t k = len - off > 16384 ? 16384 : len - off;

			CHECK_EQ(wolfSSL_write(p->cli, tx + off, (int)k),
				 (int)k);
			off += k;
		}
		memset(rx, 0, len);
		CHECK(server_read_all(p, rx, len));
		CHECK(memcmp(tx, rx, len) == 0);
		/* server -> client (the response): starts with a small record */
		fill_pattern(tx, len, (uint32_t)i * 31 + 1);
		CHECK(server_write_all(p, tx, len, &first));
		if (hs_tls_own_records(p->srv))
			CHECK(first <= 1360);
		else
			CHECK_EQ(first, len < HS_TLS_MAX_WRITE
						? len
						: HS_TLS_MAX_WRITE);
		memset(rx, 0, len);
		CHECK(client_read_all(p, rx, len));
		CHECK(memcmp(tx, rx, len) == 0);
	}
	free(tx);
	free(rx);
}

/* Zero-copy: each record is sealed straight into the pieces the
 * transport lends (here 700-byte pieces with gaps between them), all of
 * it or nothing. */
static void
seal_pieces(struct pair *p)
{
	uint8_t tx[3000], rx[3000];
	uint64_t recs = p->sio.rec_count;
	size_t off = 0;

	fill_pattern(tx, sizeof(tx), 99);
	p->sio.seg_len = 700;
	/* no room now: -EAGAIN, nothing taken, nothing sent */
	p->sio.push_throttle = true;
	p->sio.push_credit = 0;
	CHECK_EQ(hs_tls_write(p->srv, tx, sizeof(tx)), -EAGAIN);
	CHECK_EQ(p->sio.rec_count, recs);
	CHECK(p->sio.rec_refused > 0);
	p->sio.push_throttle = false;
	while (off < sizeof(tx)) {
		int n = hs_tls_write(p->srv, tx + off, sizeof(tx) - off);

		CHECK(n > 0);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	CHECK(p->sio.rec_count > recs);
	CHECK(p->sio.rec_pieces_max >= 2);
	memset(rx, 0, sizeof(rx));
	CHECK(client_read_all(p, rx, sizeof(tx)));
	CHECK(memcmp(tx, rx, sizeof(tx)) == 0);
	p->sio.seg_len = 0;
}

struct suite_case {
	bool v13;
	const char *ciphers, *iana;
};

/* views: 0 pull each record into a buffer of the session's own; else
 * open records in place in the pipe through views split into pieces of
 * at most that many bytes (as the TCP receive queue's mbufs). */
static void
test_suites(struct hs_tls_ctx *ctx, size_t views)
{
	static const struct suite_case cases[] = {
		{ true, "TLS13-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256" },
		{ true, "TLS13-AES256-GCM-SHA384", "TLS_AES_256_GCM_SHA384" },
		{ true, "TLS13-CHACHA20-POLY1305-SHA256",
		  "TLS_CHACHA20_POLY1305_SHA256" },
		{ false, "ECDHE-ECDSA-AES128-GCM-SHA256",
		  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
		{ false, "ECDHE-ECDSA-AES256-GCM-SHA384",
		  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
		{ false, "ECDHE-ECDSA-CHACHA20-POLY1305",
		  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct suite_case *c = &cases[i];
		uint8_t b[4];
		struct pair p;
		int pulls;

		if (pair_init_ctx(&p, ctx, g_cert,
				  c->v13 ? wolfTLSv1_3_client_method()
					 : wolfTLSv1_2_client_method(),
				  c->ciphers) != 0) {
			CHECK(!"pair_init_ctx");
			pair_fini(&p);
			continue;
		}
		if (views)
			pair_use_views(&p, views);
		pump_handshake(&p);
		CHECK(p.srv_rc == 0 && p.cli_done);
		CHECK(hs_tls_own_records(p.srv));
		CHECK(strcmp(hs_tls_cipher(p.srv), c->iana) == 0);
		CHECK(strcmp(hs_tls_version(p.srv),
			     c->v13 ? "TLSv1.3" : "TLSv1.2") == 0);
		pulls = p.sio.pulls;
		exchange(&p, c->v13);
		/* with views every record was opened in place, none pulled */
		CHECK(views == 0 || (p.sio.peeks > 0 && p.sio.pulls == pulls));
		seal_pieces(&p);
		/* close_notify both ways */
		CHECK_EQ(wolfSSL_shutdown(p.cli), WOLFSSL_SHUTDOWN_NOT_DONE);
		CHECK_EQ(hs_tls_read(p.srv, b, sizeof(b)), 0);
		CHECK_EQ(hs_tls_shutdown(p.srv), 0);
		CHECK_EQ(hs_tls_write(p.srv, b, 1), -EINVAL);
		CHECK_EQ(wolfSSL_read(p.cli, b, sizeof(b)), 0);
		CHECK_EQ(wolfSSL_get_error(p.cli, 0),
			 WOLFSSL_ERROR_ZERO_RETURN);
		pair_fini(&p);
	}
}

static int
client_alert(struct pair *p)
{
	WOLFSSL_ALERT_HISTORY h;
	uint8_t buf[64];

	for (int i = 0; i < 5; i++)
		(void)wolfSSL_read(p->cli, buf, sizeof(buf));
	memset(&h, 0, sizeof(h));
	wolfSSL_get_alert_history(p->cli, &h);
	return h.last_rx.level == 2 ? h.last_rx.code : -1;
}

/* A record from the client's side, sealed by us with its key. */
static void
client_record(struct pair *p, const struct csec *cs, uint64_t seq, uint8_t type,
	      const uint8_t *m, size_t len, bool flip)
{
	struct hs_tls_rec r;
	uint8_t rec[256];
	struct hs_tls_iov v = { rec + 5, len };
	long rl;

	CHECK_EQ(hs_tls_rec_init(&r, HS_TLS_V13, 0x1301), 0);
	CHECK_EQ(hs_tls_rec_set_secret(&r, HS_TLS_REC_WRITE, cs->c,
				       (size_t)cs->clen, seq),
		 0);
	memcpy(rec + 5, m, len);
	rl = hs_tls_rec_seal(&r, type, rec, &v, 1, rec + 5 + len, 0);
	CHECK(rl > 0);
	if (flip)
		rec[rl - 1] ^= 1;
	pipe_put(&p->c2s, rec, (size_t)rl);
	hs_tls_rec_clear(&r);
}

static void
test_refused(struct hs_tls_ctx *ctx)
{
	static const struct {
		uint8_t type;
		uint8_t msg[12];
		size_t len;
		bool flip;
		int alert;
	} cases[] = {
		/* a tampered record: bad_record_mac */
		{ HS_TLS_CT_APPDATA, "GET /", 5, true, 20 },
		/* NewSessionTicket from a client: unexpected_message */
		{ HS_TLS_CT_HANDSHAKE, { 4, 0, 0, 1, 0 }, 5, false, 10 },
		/* KeyUpdate with request_update 2: illegal_parameter */
		{ HS_TLS_CT_HANDSHAKE, { 24, 0, 0, 1, 2 }, 5, false, 47 },
		/* KeyUpdate of 2 bytes: decode_error */
		{ HS_TLS_CT_HANDSHAKE, { 24, 0, 0, 2, 0, 0 }, 6, false, 50 },
		/* KeyUpdate not ending its record: unexpected_message */
		{ HS_TLS_CT_HANDSHAKE,
		  { 24, 0, 0, 1, 0, 24, 0, 0, 1, 0 },
		  10,
		  false,
		  10 },
		/* a handshake message split over records */
		{ HS_TLS_CT_HANDSHAKE, { 24, 0, 0 }, 3, false, 10 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct csec cs = { .clen = 0 };
		uint8_t buf[64];
		struct pair p;

		CHECK(connect_pair(&p, ctx, wolfTLSv1_3_client_method(),
				   "TLS13-AES128-GCM-SHA256", &cs));
		CHECK(hs_tls_own_records(p.srv));
		CHECK_EQ(cs.clen, 32);
		client_record(&p, &cs, 0, cases[i].type, cases[i].msg,
			      cases[i].len, cases[i].flip);
		CHECK_EQ(hs_tls_read(p.srv, buf, sizeof(buf)), -EPROTO);
		CHECK_EQ(hs_tls_read(p.srv, buf, sizeof(buf)), -EPROTO);
		CHECK_EQ(hs_tls_write(p.srv, buf, 1), -EPROTO);
		CHECK_EQ(client_alert(&p), cases[i].alert);
		pair_fini(&p);
	}
	/* a fatal alert from the peer: the session ends, nothing sent */
	{
		struct csec cs = { .clen = 0 };
		static const uint8_t a[2] = { 2, 40 };
		uint8_t buf[16];
		struct pair p;
		size_t before;

		CHECK(connect_pair(&p, ctx, wolfTLSv1_3_client_method(),
				   "TLS13-AES128-GCM-SHA256", &cs));
		before = p.s2c.len;
		client_record(&p, &cs, 0, HS_TLS_CT_ALERT, a, 2, false);
		CHECK_EQ(hs_tls_read(p.srv, buf, sizeof(buf)), -ECONNRESET);
		CHECK_EQ(p.s2c.len, before);
		pair_fini(&p);
	}
	/* a KeyUpdate without update_requested: no answer, the next
	 * client record opens under the next key */
	{
		struct csec cs = { .clen = 0 };
		static const uint8_t ku[5] = { 24, 0, 0, 1, 0 };
		uint8_t buf[16];
		struct pair p;
		size_t before;

		CHECK(connect_pair(&p, ctx, wolfTLSv1_3_client_method(),
				   "TLS13-AES128-GCM-SHA256", &cs));
		before = p.s2c.len;
		client_record(&p, &cs, 0, HS_TLS_CT_HANDSHAKE, ku, 5, false);
		CHECK_EQ(hs_tls_read(p.srv, buf, sizeof(buf)), -EAGAIN);
		CHECK_EQ(p.s2c.len, before);
		/* wolfSSL's client did not step: its record now fails */
		CHECK_EQ(wolfSSL_write(p.cli, "x", 1), 1);
		CHECK_EQ(hs_tls_read(p.srv, buf, sizeof(buf)), -EPROTO);
		CHECK_EQ(client_alert(&p), 20);
		pair_fini(&p);
	}
}

/* The client's KeyUpdate with update_requested is answered at once with
 * ours (update_not_requested), sealed under our old key, and what we
 * write next is under our next key (RFC 8446 §4.6.3). */
static void
test_key_update_answer(struct hs_tls_ctx *ctx)
{
	struct csec cs = { .clen = 0 };
	struct hs_tls_rec r;
	struct pair p;
	uint8_t buf[8192];
	int ku = -1, recs = 0;

	CHECK(connect_pair(&p, ctx, wolfTLSv1_3_client_method(),
			   "TLS13-AES128-GCM-SHA256", &cs));
	CHECK_EQ(wolfSSL_update_keys(p.cli), WOLFSSL_SUCCESS);
	CHECK_EQ(wolfSSL_write(p.cli, "x", 1), 1);
	CHECK_EQ(hs_tls_read(p.srv, buf, sizeof(buf)), 1);
	CHECK_EQ(hs_tls_write(p.srv, "y", 1), 1);
	/* what the server sent since the handshake, opened with its keys */
	CHECK_EQ(hs_tls_rec_init(&r, HS_TLS_V13, 0x1301), 0);
	CHECK_EQ(hs_tls_rec_set_secret(&r, HS_TLS_REC_READ, cs.s,
				       (size_t)cs.slen, 0),
		 0);
	size_t n = pipe_get(&p.s2c, buf, sizeof(buf)), off = 0;
	while (off < n) {
		struct hs_tls_iov v = { buf + off, n - off };
		struct hs_tls_rec_msg m;

		if (hs_tls_rec_open(&r, &v, 1, &m) != 0) {
			CHECK(!"a server record did not open");
			break;
		}
		recs++;
		if (m.type == HS_TLS_CT_HANDSHAKE && buf[off + m.off] == 24) {
			CHECK_EQ(m.len, 5);
			CHECK_EQ(buf[off + m.off + 4], 0); /* not requested */
			ku = recs;
			CHECK_EQ(hs_tls_rec_update(&r, HS_TLS_REC_READ), 0);
		}
		if (m.type == HS_TLS_CT_APPDATA) {
			CHECK(ku > 0 && recs == ku + 1);
			CHECK(m.len == 1 && buf[off + m.off] == 'y');
		}
		off += m.reclen;
	}
	CHECK(ku > 0);
	CHECK_EQ(off, n);
	hs_tls_rec_clear(&r);
	pair_fini(&p);
}

/* At the AES-GCM record limit (RFC 8446 §5.5) we update our own write
 * key unasked: a KeyUpdate (update_not_requested) right before the
 * record that would pass HS_TLS_REC_UPDATE_AFTER, sealed with the old
 * key, then the data under the new key at sequence 0: the records as
 * sent open with the server's secrets stepped there and carry the data
 * byte for byte (the client cannot follow the jumped sequence number);
 * the session reports HS_TLS_EV_KEY_LIMIT; a peer-requested update
 * does not. */
static void
test_key_limit(struct hs_tls_ctx *ctx)
{
	static uint8_t tx[40000], rx[40000], plain[40000];
	struct csec cs = { .clen = 0 };
	struct hs_tls_rec r;
	struct pair p;
	uint8_t *log;
	size_t n, off = 0, plain_len = 0;
	int ku = 0, recs = 0;

	CHECK(connect_pair(&p, ctx, wolfTLSv1_3_client_method(),
			   "TLS13-AES128-GCM-SHA256", &cs));
	CHECK(hs_tls_own_records(p.srv));
	(void)pipe_get(&p.s2c, rx, sizeof(rx)); /* handshake leftovers */
	CHECK_EQ(hs_tls_own_set_write_seq(p.srv, HS_TLS_REC_UPDATE_AFTER - 2),
		 0);
	fill_pattern(tx, sizeof(tx), 7);
	CHECK(server_write_all(&p, tx, sizeof(tx), NULL));
	CHECK(hs_tls_events(p.srv) & HS_TLS_EV_KEY_LIMIT);
	/* the records as sent, opened with the server's secrets */
	log = malloc(PIPE_CAP);
	n = log != NULL ? pipe_get(&p.s2c, log, PIPE_CAP) : 0;
	CHECK_EQ(hs_tls_rec_init(&r, HS_TLS_V13, 0x1301), 0);
	CHECK_EQ(hs_tls_rec_set_secret(&r, HS_TLS_REC_READ, cs.s,
				       (size_t)cs.slen,
				       HS_TLS_REC_UPDATE_AFTER - 2),
		 0);
	while (off < n) {
		struct hs_tls_iov v = { log + off, n - off };
		struct hs_tls_rec_msg m;

		if (hs_tls_rec_open(&r, &v, 1, &m) != 0) {
			CHECK(!"a server record did not open");
			break;
		}
		recs++;
		if (m.type == HS_TLS_CT_APPDATA &&
		    plain_len + m.len <= sizeof(plain)) {
			memcpy(plain + plain_len, log + off + m.off, m.len);
			plain_len += m.len;
		}
		if (m.type == HS_TLS_CT_HANDSHAKE) {
			CHECK(m.len == 5 && log[off + m.off] == 24 &&
			      log[off + m.off + 4] == 0);
			CHECK_EQ(recs, 3); /* after the two the old key had */
			ku = recs;
			CHECK_EQ(hs_tls_rec_update(&r, HS_TLS_REC_READ), 0);
		}
		off += m.reclen;
	}
	CHECK(ku == 3 && recs > 4);
	CHECK_EQ(off, n);
	CHECK(memcmp(tx, plain, sizeof(tx)) == 0 && plain_len == sizeof(tx));
	hs_tls_rec_clear(&r);
	free(log);
	pair_fini(&p);

	/* a peer-requested update is not the limit's */
	CHECK(connect_pair(&p, ctx, wolfTLSv1_3_client_method(),
			   "TLS13-AES128-GCM-SHA256", NULL));
	CHECK_EQ(wolfSSL_update_keys(p.cli), WOLFSSL_SUCCESS);
	CHECK_EQ(wolfSSL_write(p.cli, "x", 1), 1);
	CHECK_EQ(hs_tls_read(p.srv, rx, sizeof(rx)), 1);
	CHECK_EQ(hs_tls_write(p.srv, "y", 1), 1);
	CHECK(hs_tls_events(p.srv) & HS_TLS_EV_PEER_KEY_UPDATE);
	CHECK(!(hs_tls_events(p.srv) & HS_TLS_EV_KEY_LIMIT));
	pair_fini(&p);
}

/* TLS 1.2: a handshake message after the handshake (a renegotiating
 * ClientHello) gets a fatal unexpected_message: no renegotiation.  The
 * record is sealed with the client's key block (RFC 5246 §6.3). */
static void
test_no_renegotiation(struct hs_tls_ctx *ctx)
{
	static const uint8_t hello[8] = { 1, 0, 0, 4, 3, 3, 0, 0 };
	unsigned char *ms, *sr, *cr;
	unsigned int msl, srl, crl;
	uint8_t seed[64], blk[2 * (16 + 4)], rec[64], buf[16];
	struct hs_tls_rec r;
	struct hs_tls_iov v = { rec + 13, sizeof(hello) };
	struct pair p;
	word64 seq = 0;
	long rl;

	if (pair_init_ctx(&p, ctx, g_cert, wolfTLSv1_2_client_method(),
			  "ECDHE-ECDSA-AES128-GCM-SHA256") != 0) {
		CHECK(!"pair");
		pair_fini(&p);
		return;
	}
	wolfSSL_KeepArrays(p.cli);
	pump_handshake(&p);
	CHECK(p.srv_rc == 0 && p.cli_done);
	CHECK(hs_tls_own_records(p.srv));
	CHECK_EQ(wolfSSL_get_keys(p.cli, &ms, &msl, &sr, &srl, &cr, &crl), 1);
	memcpy(seed, sr, 32);
	memcpy(seed + 32, cr, 32);
	CHECK_EQ(wc_PRF_TLS(blk, sizeof(blk), ms, msl,
			    (const byte *)"key expansion", 13, seed, 64, 1,
			    sha256_mac, NULL, INVALID_DEVID),
		 0);
	wolfSSL_GetSequenceNumber(p.cli, &seq);
	CHECK_EQ(seq, 1);
	CHECK_EQ(hs_tls_rec_init(&r, HS_TLS_V12, 0xC02B), 0);
	CHECK_EQ(hs_tls_rec_set_key(&r, HS_TLS_REC_WRITE, blk, 16, blk + 32, 4,
				    seq),
		 0);
	memcpy(rec + 13, hello, sizeof(hello));
	rl = hs_tls_rec_seal(&r, HS_TLS_CT_HANDSHAKE, rec, &v, 1,
			     rec + 13 + sizeof(hello), 0);
	CHECK(rl > 0);
	pipe_put(&p.c2s, rec, (size_t)rl);
	CHECK_EQ(hs_tls_read(p.srv, buf, sizeof(buf)), -EPROTO);
	CHECK_EQ(client_alert(&p), 10);
	hs_tls_rec_clear(&r);
	pair_fini(&p);
}

/* TCP EOF without close_notify; the default stays on wolfSSL. */
static void
test_misc(struct hs_tls_ctx *own, struct hs_tls_ctx *wolf)
{
	uint8_t buf[16];
	struct pair p;

	CHECK(connect_pair(&p, own, wolfTLSv1_3_client_method(),
			   "TLS13-AES128-GCM-SHA256", NULL));
	p.c2s.eof = true;
	CHECK_EQ(hs_tls_read(p.srv, buf, sizeof(buf)), -ECONNRESET);
	pair_fini(&p);
	CHECK(connect_pair(&p, wolf, wolfTLSv1_3_client_method(),
			   "TLS13-AES128-GCM-SHA256", NULL));
	CHECK(!hs_tls_own_records(p.srv));
	exchange(&p, true);
	pair_fini(&p);
	/* a transport with little room at a time: writes answer -EAGAIN
	 * and take nothing until a record fits; nothing is lost */
	CHECK(connect_pair(&p, own, wolfTLSv1_3_client_method(),
			   "TLS13-AES128-GCM-SHA256", NULL));
	{
		static uint8_t tx[50000], rx[50000];
		size_t off = 0;
		int i, again = 0;

		fill_pattern(tx, sizeof(tx), 5);
		p.sio.push_throttle = true;
		for (i = 0; i < 100000 && off < sizeof(tx); i++) {
			int n;

			p.sio.push_credit += 1000;
			n = hs_tls_write(p.srv, tx + off,
					 HS_MIN(sizeof(tx) - off,
						(size_t)HS_TLS_MAX_WRITE));
			if (n == -EAGAIN) {
				again++;
				continue;
			}
			CHECK(n > 0);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		CHECK_EQ(off, sizeof(tx));
		CHECK(again > 0);
		p.sio.push_throttle = false;
		CHECK(client_read_all(&p, rx, sizeof(tx)));
		CHECK(memcmp(tx, rx, sizeof(tx)) == 0);
	}
	pair_fini(&p);
	/* names */
	enum hs_tls_records r = HS_TLS_RECORDS_WOLFSSL;
	CHECK_EQ(hs_tls_records_parse("own", &r), 0);
	CHECK_EQ(r, HS_TLS_RECORDS_OWN);
	CHECK_EQ(hs_tls_records_parse("wolfssl", &r), 0);
	CHECK_EQ(r, HS_TLS_RECORDS_WOLFSSL);
	CHECK_EQ(hs_tls_records_parse("kernel", &r), -EINVAL);
	CHECK(strcmp(hs_tls_records_name(HS_TLS_RECORDS_OWN), "own") == 0);
}

int
main(int argc, char **argv)
{
	struct hs_tls_config cfg;
	struct hs_tls_ctx *own = NULL, *wolf = NULL;
	char cmd[3 * PATH_MAX], err[256];

	if (argc < 2) {
		fprintf(stderr, "usage: %s SOURCE_ROOT\n", argv[0]);
		return 2;
	}
	CHECK(hs_tls_global_init() == 0);
	if (!hs_tls_crypto_available()) {
		printf("tls_own: no ipsec-mb: skipped\n");
		return 77;
	}
	snprintf(g_dir, sizeof(g_dir), "/tmp/hs_own_test.XXXXXX");
	CHECK(mkdtemp(g_dir) != NULL);
	snprintf(cmd, sizeof(cmd),
		 "bash '%s/scripts/gen-cert.sh' '%s' localhost >/dev/null 2>&1",
		 argv[1], g_dir);
	CHECK(system(cmd) == 0);
	snprintf(g_cert, sizeof(g_cert), "%s/cert.pem", g_dir);
	snprintf(g_key, sizeof(g_key), "%s/key.pem", g_dir);
	cfg = (struct hs_tls_config){ .cert_file = g_cert, .key_file = g_key };
	CHECK(cfg.records == HS_TLS_RECORDS_WOLFSSL);
	CHECK(hs_tls_ctx_new(&wolf, &cfg, err, sizeof(err)) == 0);
	cfg.records = HS_TLS_RECORDS_OWN;
	CHECK(hs_tls_ctx_new(&own, &cfg, err, sizeof(err)) == 0);
	if (own != NULL && wolf != NULL) {
		test_suites(own, 0);
		test_suites(own, 700);
		test_suites(own, 300);
		test_refused(own);
		test_key_update_answer(own);
		test_key_limit(own);
		test_no_renegotiation(own);
		test_misc(own, wolf);
	}
	hs_tls_ctx_free(own);
	hs_tls_ctx_free(wolf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	(void)system(cmd);
	hs_tls_global_fini();
	return hs_check_summary("tls_own");
}
#endif
