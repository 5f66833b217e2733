/* SPDX-License-Identifier: BSD-3-Clause
 * test_server.c - hs_server.c over the fake transport (hs_srv_fake.h):
 * file-cache generations across SIGHUP reloads.  A response keeps the
 * generation its body points into until the body is fully sent (held
 * while its request body is read, queued by reference, cut off by a
 * reset); the old generation is freed only then.  Released caches are
 * overwritten before they are freed, so a body read from freed memory
 * shows up as wrong bytes on the wire.
 *
 * The transport under each connection (http/hs_transport.h) decides the
 * rest, checked on both ports: plain TCP sends file bodies by reference
 * (when the port allows) and fills the send space to the byte; TLS copies
 * into records of at most HS_TLS_MAX_WRITE that fit whole with their
 * overhead; close_notify goes out only after a completed handshake; end
 * of stream and TLS read errors end the connection gracefully or not.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_http_files.h"
#include "hs_tls.h"
#include "hs_transport.h"
#include "hs_server.h"
#include "hs_srv_fake.h"
#include "hs_check.h"

#define BODY_LEN 3000  /* above the zero-copy threshold */
#define BIG_LEN  40000 /* several TLS records */

static char base[PATH_MAX];
static char body_a[BODY_LEN + 1], body_b[BODY_LEN + 1], body_big[BIG_LEN + 1];
static const char *const paths[] = { "/f.txt", NULL };
static struct fake_files ff_a, ff_b;
static unsigned int rel_a, rel_b;

static void
mkfile_as(const char *dir, const char *name, const char *content)
{
	char p[PATH_MAX + 64];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", base, dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s/%s", base, dir, name);
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs(content, f);
	fclose(f);
}

static void
mkfile(const char *dir, const char *content)
{
	mkfile_as(dir, "f.txt", content);
}

static struct hs_file_cache *
load(const char *dir)
{
	char p[PATH_MAX + 64], err[256];
	struct hs_file_cache *fc = NULL;

	snprintf(p, sizeof(p), "%s/%s", base, dir);
	if (hs_files_load(&fc, p, 1 << 20, 1 << 24, err, sizeof(err)) != 0) {
		fprintf(stderr, "load %s: %s\n", p, err);
		exit(1);
	}
	return fc;
}

/* Two fresh generations' worth of caches, A served first. */
static void
start(bool ext_ok)
{
	CHECK(fake_init(ext_ok) == 0);
	rel_a = rel_b = 0;
	ff_a = (struct fake_files){ load("a"), paths, &rel_a };
	ff_b = (struct fake_files){ load("b"), paths, &rel_b };
	CHECK(fake_server_start(&ff_a) == 0);
}

static void
stop(void)
{
	CHECK(fake_server_stop() == 0); /* every hold was dropped */
	CHECK(fake_pool_in_use() == 0); /* every zero-copy holder freed */
	if (ff_b.fc != NULL && rel_b == 0) {
		/* never published */
		hs_files_free(ff_b.fc);
		ff_b.fc = NULL;
	}
}

/* The n-th response's body on the wire (0-based), its status in *st. */
static const uint8_t *
resp_body(const struct fake_conn *fc, int n, int *st, size_t *len)
{
	const uint8_t *p = fc->wire, *end = fc->wire + fc->wire_len;

	for (;;) {
		const uint8_t *h = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		const uint8_t *cl;
		size_t blen = 0;

		if (h == NULL || end - p < 12)
			return NULL;
		*st = atoi((const char *)p + 9);
		cl = memmem(p, (size_t)(h - p), "Content-Length: ", 16);
		if (cl != NULL)
			blen = strtoul((const char *)cl + 16, NULL, 10);
		h += 4;
		if (strncmp((const char *)p, "HEAD", 4) == 0 || *st == 304 ||
		    *st == 100)
			blen = 0;
		if (*st == 100) {
			p = h;
			continue;
		}
		if (n-- == 0) {
			*len = (size_t)(end - h) < blen ? (size_t)(end - h)
							: blen;
			return h;
		}
		p = h + blen;
	}
}

static bool
body_is(const struct fake_conn *fc, int n, int status, const char *want,
	size_t want_len)
{
	int st = 0;
	size_t len = 0;
	const uint8_t *b = resp_body(fc, n, &st, &len);

	return b != NULL && st == status && len == want_len &&
	       memcmp(b, want, want_len) == 0;
}

#define REQ_BODY "GET /f.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n"

/* GET with a request body, split around a reload: the response is built
 * from A when the head arrives, released once the body is read, after
 * the reload; it must still send A's bytes and keep A alive until then. */
static void
test_held_across_reload(uint16_t port, bool ext_ok)
{
	struct fake_conn *c;

	start(ext_ok);
	c = fake_connect(port);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	fake_send(c, REQ_BODY "ab", sizeof(REQ_BODY) + 1);
	CHECK(c->wire_len == 0 && c->nseg == 0); /* held */
	CHECK(fake_reload(&ff_b) == 0);
	CHECK(rel_a == 0); /* the held response holds A */
	fake_send(c, "cd", 2);
	fake_transmit(c, SIZE_MAX);
	CHECK(body_is(c, 0, 200, body_a, BODY_LEN));
	fake_reclaim();
	/* sent: A goes, unless a TLS session (created from A) still holds it */
	CHECK(rel_a == (port == FAKE_PORT_PLAIN ? 1u : 0u));
	/* the next request on the connection is answered from B */
	fake_send(c, "GET /f.txt HTTP/1.1\r\nHost: a\r\n\r\n", 32);
	fake_transmit(c, SIZE_MAX);
	CHECK(body_is(c, 1, 200, body_b, BODY_LEN));
	stop();
	CHECK(rel_b == 1);
}

/* The same for a Range request and for HEAD (no body: nothing held). */
static void
test_range_head_across_reload(void)
{
	static const char rng[] =
		"GET /f.txt HTTP/1.1\r\nHost: a\r\n"
		"Range: bytes=100-1299\r\nContent-Length: 2\r\n\r\nx";
	static const char head[] = "HEAD /f.txt HTTP/1.1\r\nHost: a\r\n"
				   "Content-Length: 2\r\n\r\nx";
	struct fake_conn *c, *h;
	int st;
	size_t len;

	start(true);
	c = fake_connect(FAKE_PORT_PLAIN);
	h = fake_connect(FAKE_PORT_PLAIN);
	CHECK(c != NULL && h != NULL);
	if (c == NULL || h == NULL)
		return;
	fake_send(c, rng, sizeof(rng) - 1);
	fake_send(h, head, sizeof(head) - 1);
	CHECK(fake_reload(&ff_b) == 0);
	CHECK(rel_a == 0);
	fake_send(c, "y", 1);
	fake_send(h, "y", 1);
	fake_transmit(c, SIZE_MAX);
	fake_transmit(h, SIZE_MAX);
	CHECK(body_is(c, 0, 206, body_a + 100, 1200));
	CHECK(resp_body(h, 0, &st, &len) != NULL && st == 200);
	CHECK(h->wire_len < 400); /* headers only */
	fake_reset(h);
	fake_reclaim();
	CHECK(rel_a == 1);
	stop();
}

/* Zero-copy body partly on the wire at the reload, the rest queued by
 * reference when the peer resets: the frames still in the "TX ring"
 * keep A alive after the connection is gone. */
static void
test_zc_reset_across_reload(void)
{
	static const char req[] = "GET /f.txt HTTP/1.1\r\nHost: a\r\n\r\n";
	struct fake_conn *c;

	start(true);
	c = fake_connect(FAKE_PORT_PLAIN);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	c->sndbuf = 1500; /* the body goes out in pieces */
	fake_send(c, req, sizeof(req) - 1);
	fake_transmit(c, 1000);
	CHECK(fake_reload(&ff_b) == 0);
	CHECK(rel_a == 0);
	fake_transmit(c, 1000);
	CHECK(c->nseg > 0);
	fake_reset(c);
	fake_reclaim();
	CHECK(rel_a == 0); /* frames still reference A */
	fake_flush_orphans();
	fake_reclaim();
	CHECK(rel_a == 1);
	stop();
}

/* Pipelined: the first response from A straddles the reload, the second
 * (parsed only once the first drained) comes from B; the first is a GET
 * with a body still being read when the reload happens. */
static void
test_pipelined_across_reload(uint16_t port)
{
	static const char two[] =
		REQ_BODY "abcd"
			 "GET /f.txt HTTP/1.1\r\nHost: a\r\n\r\n";
	const size_t l = sizeof(REQ_BODY) - 1;
	struct fake_conn *c;

	start(true);
	c = fake_connect(port);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	c->sndbuf = 4096; /* a TLS record and its overhead */
	fake_send(c, two, 10);
	fake_send(c, two + 10, l + 2 - 10);
	CHECK(fake_reload(&ff_b) == 0);
	fake_send(c, two + l + 2, sizeof(two) - 1 - (l + 2));
	fake_transmit(c, 700);
	fake_reclaim();
	CHECK(rel_a == 0);
	for (int i = 0; i < 20 && c->nseg > 0; i++)
		fake_transmit(c, 700);
	CHECK(body_is(c, 0, 200, body_a, BODY_LEN));
	CHECK(body_is(c, 1, 200, body_b, BODY_LEN));
	fake_reclaim();
	CHECK(rel_a == (port == FAKE_PORT_PLAIN ? 1u : 0u));
	stop();
}

/* A held response whose body never completes: the connection times out
 * (reset) and the hold goes with it. */
static void
test_held_then_timeout(void)
{
	struct fake_conn *c;

	start(true);
	c = fake_connect(FAKE_PORT_TLS);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	fake_send(c, REQ_BODY "a", sizeof(REQ_BODY));
	CHECK(fake_reload(&ff_b) == 0);
	CHECK(rel_a == 0);
	fake_timeout(c);
	CHECK(!c->live);
	fake_flush_orphans();
	fake_reclaim();
	CHECK(rel_a == 1);
	stop();
}

/* ---- the transport's decisions, plain TCP and TLS ---------------------- */

#define REQ_BIG "GET /big.txt HTTP/1.1\r\nHost: a\r\n\r\n"

static unsigned int
segs_by_ref(const struct fake_conn *c)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->nseg; i++)
		n += c->segs[i].sh != NULL;
	return n;
}

static size_t
seg_max(const struct fake_conn *c)
{
	size_t m = 0;

	for (unsigned int i = 0; i < c->nseg; i++)
		m = c->segs[i].len > m ? c->segs[i].len : m;
	return m;
}

static bool
wire_ends_with(const struct fake_conn *c, const char *s)
{
	size_t n = strlen(s);

	return c->wire_len >= n && memcmp(c->wire + c->wire_len - n, s, n) == 0;
}

/* Write path: a 40000-byte file through a 20000-byte send buffer.  Plain
 * TCP (by reference when ext_ok) fills the buffer to the byte; TLS copies,
 * record by record, and starts a record only when it fits whole with
 * its overhead. */
static void
test_write_path(uint16_t port, bool ext_ok)
{
	struct hs_stats *st;
	struct fake_conn *c;
	bool tls = port == FAKE_PORT_TLS;
	unsigned int ref = 0, rounds = 0;
	size_t biggest = 0, most_queued = 0;

	start(ext_ok);
	st = &fake_lc()->stats;
	c = fake_connect(port);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	c->sndbuf = 20000;
	fake_send(c, REQ_BIG, sizeof(REQ_BIG) - 1);
	if (!tls)
		CHECK_EQ(c->queued, 20000); /* to the byte */
	else                                /* head + one record */
		CHECK(c->queued > HS_TLS_MAX_WRITE &&
		      c->queued + HS_TP_TLS_OVERHEAD <= 20000);
	while (c->nseg > 0 && rounds++ < 100) {
		ref += segs_by_ref(c);
		biggest = seg_max(c) > biggest ? seg_max(c) : biggest;
		most_queued = c->queued > most_queued ? c->queued : most_queued;
		fake_transmit(c, 3000);
	}
	CHECK(body_is(c, 0, 200, body_big, BIG_LEN));
	CHECK(most_queued <= 20000);
	if (tls) {
		CHECK_EQ(ref, 0); /* TLS never by reference */
		CHECK_EQ(st->http_body_zc_bytes, 0);
		CHECK(biggest <= HS_TLS_MAX_WRITE);
		CHECK(most_queued + HS_TP_TLS_OVERHEAD <= 20000);
	} else if (ext_ok) {
		CHECK(ref > 0);
		CHECK_EQ(st->http_body_zc_bytes, BIG_LEN);
	} else {
		CHECK_EQ(ref, 0); /* the port may DMA: copies */
		CHECK_EQ(st->http_body_zc_bytes, 0);
	}
	/* a big send buffer: TLS cuts the body into records, plain does not */
	c->sndbuf = 1u << 20;
	fake_send(c, REQ_BIG, sizeof(REQ_BIG) - 1);
	biggest = seg_max(c);
	if (tls)
		CHECK(biggest == HS_TLS_MAX_WRITE);
	else
		CHECK(biggest == BIG_LEN);
	fake_transmit(c, SIZE_MAX);
	CHECK(body_is(c, 1, 200, body_big, BIG_LEN));
	if (tls) {
		/* a record waits until it fits with its overhead, to the
		 * byte: room for the head and a full record but 63 bytes */
		int stc;
		size_t blen,
			head = (size_t)(resp_body(c, 0, &stc, &blen) - c->wire);

		c->sndbuf = (uint32_t)(head + HS_TLS_MAX_WRITE +
				       HS_TP_TLS_OVERHEAD - 1);
		fake_send(c, REQ_BIG, sizeof(REQ_BIG) - 1);
		CHECK_EQ(c->queued, head);
		fake_transmit(c, 1); /* one byte more room */
		CHECK_EQ(c->queued, head - 1 + HS_TLS_MAX_WRITE);
		c->sndbuf = 1u << 20;
		for (int i = 0; i < 10 && c->nseg > 0; i++)
			fake_transmit(c, SIZE_MAX);
		CHECK(body_is(c, 2, 200, body_big, BIG_LEN));
	}
	stop();
}

/* Close: close_notify ahead of the FIN on an established TLS connection,
 * never on plain TCP, never after a failed handshake. */
static void
test_close(void)
{
	static const char req[] =
		"GET /f.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
	struct hs_stats *st;
	struct fake_conn *c;

	start(true);
	st = &fake_lc()->stats;
	c = fake_connect(FAKE_PORT_TLS);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	fake_send(c, req, sizeof(req) - 1);
	fake_transmit(c, SIZE_MAX);
	CHECK(body_is(c, 0, 200, body_a, BODY_LEN));
	CHECK(c->srv_fin);
	CHECK(wire_ends_with(c, FAKE_CLOSE_NOTIFY));
	CHECK_EQ(st->tls_hs_ok, 1);
	CHECK(fake_close_done(c));

	c = fake_connect(FAKE_PORT_PLAIN);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	fake_send(c, req, sizeof(req) - 1);
	fake_transmit(c, SIZE_MAX);
	CHECK(body_is(c, 0, 200, body_a, BODY_LEN));
	CHECK(c->srv_fin);
	CHECK(memmem(c->wire, c->wire_len, FAKE_CLOSE_NOTIFY,
		     sizeof(FAKE_CLOSE_NOTIFY) - 1) == NULL);
	CHECK(fake_close_done(c));

	/* a handshake that fails: FIN (after its alert), no close_notify */
	fake_tls_hs_wait = true;
	c = fake_connect(FAKE_PORT_TLS);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	fake_tls_hs_err = -EPROTO;
	fake_send(c, "x", 1);
	fake_transmit(c, SIZE_MAX);
	CHECK(c->live && c->srv_fin);
	CHECK_EQ(c->wire_len, 0);
	CHECK_EQ(st->tls_hs_fail, 1);
	CHECK_EQ(st->tls_hs_ok, 1);
	CHECK(fake_close_done(c));

	/* a client that closes mid-handshake (it gave up): our FIN, counted
	 * as an abort, not as a failed handshake */
	fake_tls_hs_bytes = 2;
	c = fake_connect(FAKE_PORT_TLS);
	fake_tls_hs_bytes = 0;
	CHECK(c != NULL);
	if (c == NULL)
		return;
	fake_send(c, "x", 1);
	fake_transmit(c, SIZE_MAX);
	CHECK(c->live && !c->srv_fin);
	fake_peer_fin(c);
	fake_transmit(c, SIZE_MAX);
	CHECK(c->live && c->srv_fin);
	CHECK_EQ(st->tls_hs_abort, 1);
	CHECK_EQ(st->tls_hs_fail, 1);
	CHECK(fake_close_done(c));
	/* ...or its FIN comes while the handshake asks for more input (the
	 * TLS layer says -ECONNRESET): an abort as well */
	c = fake_connect(FAKE_PORT_TLS);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	fake_tls_hs_err = -ECONNRESET;
	fake_send(c, "x", 1);
	fake_transmit(c, SIZE_MAX);
	CHECK(c->live && c->srv_fin);
	CHECK_EQ(st->tls_hs_abort, 2);
	CHECK_EQ(st->tls_hs_fail, 1);
	CHECK(fake_close_done(c));
	fake_tls_hs_wait = false;
	stop();
}

/* Read path: the end of the stream and TLS read errors. */
static void
test_read_path(void)
{
	static const char req[] = "GET /f.txt HTTP/1.1\r\nHost: a\r\n\r\n";
	struct hs_stats *st;
	struct fake_conn *c;

	start(true);
	st = &fake_lc()->stats;
	/* plain: a request and the FIN already queued when the server first
	 * reads: the request is answered (end of stream only once the
	 * receive queue is empty), then the connection closes */
	c = fake_connect(FAKE_PORT_PLAIN);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	memcpy(c->in, req, sizeof(req) - 1);
	c->in_len = sizeof(req) - 1;
	fake_peer_fin(c);
	fake_transmit(c, SIZE_MAX);
	CHECK(body_is(c, 0, 200, body_a, BODY_LEN));
	CHECK(c->live && c->srv_fin);
	CHECK(fake_close_done(c));

	/* TLS: the transport reset underneath (-ECONNRESET) is an end of
	 * stream: graceful close, no error */
	c = fake_connect(FAKE_PORT_TLS);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	fake_tls_read_err = -ECONNRESET;
	fake_send(c, "G", 1);
	CHECK(c->live && c->srv_fin);
	CHECK_EQ(st->tls_err, 0);
	CHECK(fake_close_done(c));

	/* TLS: a bad record (-EPROTO): its alert goes out ahead of our FIN */
	c = fake_connect(FAKE_PORT_TLS);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	fake_tls_read_err = -EPROTO;
	fake_send(c, "G", 1);
	CHECK(c->live && c->srv_fin);
	CHECK_EQ(st->tls_err, 1);
	CHECK(fake_close_done(c));

	/* TLS: any other read error: reset at once */
	c = fake_connect(FAKE_PORT_TLS);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	fake_tls_read_err = -EIO;
	fake_send(c, "G", 1);
	CHECK(!c->live);
	CHECK_EQ(st->tls_err, 2);
	fake_flush_orphans();
	stop();
}

/* A TLS handshake that took a flight and has nothing to answer yet asks
 * TCP for an immediate ACK: the client may hold its next record behind
 * that ACK (Nagle), and a delayed one would stall the handshake.  Input
 * that gets an answer (the request) needs none: the answer carries it. */
static void
test_handshake_acks_at_once(void)
{
	static const char req[] = "GET /f.txt HTTP/1.1\r\nHost: a\r\n\r\n";
	struct fake_conn *c;

	start(true);
	fake_tls_hs_bytes = 2; /* e.g. ClientHello, then Finished */
	c = fake_connect(FAKE_PORT_TLS);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	fake_send(c, "h", 1);
	CHECK(c->acks_now == 1 && !c->ack_owed);
	fake_send(c, "f", 1); /* handshake done */
	fake_send(c, req, sizeof(req) - 1);
	fake_transmit(c, SIZE_MAX);
	CHECK(body_is(c, 0, 200, body_a, BODY_LEN));
	CHECK(c->acks_now == 1 && !c->ack_owed);
	stop();
}

/* Request state blocks (input, parser, header and log buffers): only a
 * connection with a request in progress holds one.  With none free a
 * connection does not read (its bytes stay in the receive queue) and is
 * served once a block comes back; none leaks whatever phase a
 * connection ends in. */
static void
test_rstate_pool(void)
{
	static const char req[] = "GET /f.txt HTTP/1.1\r\nHost: a\r\n\r\n";
	const size_t rl = sizeof(req) - 1;
	struct fake_conn *a, *b, *c, *d;
	struct hs_stats *st;

	CHECK(fake_init(true) == 0);
	fake_cfg_rstate_max = 1; /* after fake_init, which resets it */
	rel_a = rel_b = 0;
	ff_a = (struct fake_files){ load("a"), paths, &rel_a };
	ff_b = (struct fake_files){ NULL, paths, &rel_b };
	CHECK(fake_server_start(&ff_a) == 0);
	st = &fake_lc()->stats;
	a = fake_connect(FAKE_PORT_PLAIN);
	b = fake_connect(FAKE_PORT_TLS);
	CHECK(a != NULL && b != NULL);
	if (a == NULL || b == NULL)
		return;
	CHECK(hs_server_rstates_in_use() == 0);
	/* a keep-alive connection after its response holds none */
	fake_send(a, req, rl);
	fake_transmit(a, SIZE_MAX);
	CHECK(body_is(a, 0, 200, body_a, BODY_LEN));
	CHECK(a->live && !a->srv_fin && hs_server_rstates_in_use() == 0);
	/* a takes the only block with half a head; b's request waits in
	 * its receive queue, unread and unanswered */
	d = fake_connect(FAKE_PORT_PLAIN);
	CHECK(d != NULL);
	if (d == NULL)
		return;
	fake_send(d, req, rl); /* answered, not yet read by the peer */
	fake_send(a, req, 10);
	CHECK(hs_server_rstates_in_use() == 1);
	/* d, idle, made writable: nothing to read, so no block wanted */
	fake_transmit(d, SIZE_MAX);
	CHECK(body_is(d, 0, 200, body_a, BODY_LEN));
	CHECK_EQ(st->http_rstate_wait, 0);
	fake_reset(d);
	fake_send(b, req, rl);
	fake_transmit(b, SIZE_MAX);
	CHECK(b->wire_len == 0 && b->in_len - b->in_off == rl);
	CHECK_EQ(st->http_rstate_wait, 1);
	/* a's head completes, its block comes back: b is served */
	fake_send(a, req + 10, rl - 10);
	fake_transmit(a, SIZE_MAX);
	CHECK(body_is(a, 1, 200, body_a, BODY_LEN));
	fake_transmit(b, SIZE_MAX);
	CHECK(body_is(b, 0, 200, body_a, BODY_LEN));
	CHECK(b->in_len - b->in_off == 0);
	CHECK_EQ(st->http_rstate_wait, 1);
	CHECK(hs_server_rstates_in_use() == 0);
	/* a waiting connection that goes away: not driven, none leaks */
	fake_send(a, req, 10);
	fake_send(b, req, 5);
	CHECK_EQ(st->http_rstate_wait, 2);
	fake_reset(b);
	fake_send(a, req + 10, rl - 10);
	fake_transmit(a, SIZE_MAX);
	CHECK(body_is(a, 2, 200, body_a, BODY_LEN));
	CHECK(hs_server_rstates_in_use() == 0);
	/* ends in every phase give the block back: a partial head reset, a
	 * partial head timed out, a body being read, a response not yet
	 * read by the peer (big: more than the send buffer) */
	fake_send(a, req, 10);
	fake_reset(a);
	CHECK(hs_server_rstates_in_use() == 0);
	c = fake_connect(FAKE_PORT_PLAIN);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	fake_send(c, req, 10);
	CHECK(hs_server_rstates_in_use() == 1);
	fake_timeout(c);
	CHECK(hs_server_rstates_in_use() == 0);
	c = fake_connect(FAKE_PORT_PLAIN);
	if (c == NULL)
		return;
	fake_send(c, REQ_BODY "ab", sizeof(REQ_BODY) - 1 + 2);
	CHECK(hs_server_rstates_in_use() == 1);
	fake_reset(c);
	CHECK(hs_server_rstates_in_use() == 0);
	c = fake_connect(FAKE_PORT_TLS);
	if (c == NULL)
		return;
	c->sndbuf = 4096;
	fake_send(c, REQ_BIG, sizeof(REQ_BIG) - 1);
	CHECK(hs_server_rstates_in_use() == 1 && c->wire_len == 0);
	fake_transmit(c, 1000);
	CHECK(hs_server_rstates_in_use() == 1);
	fake_timeout(c); /* a reader that stopped reading */
	CHECK(hs_server_rstates_in_use() == 0);
	stop();
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char cmd[PATH_MAX + 16];

	snprintf(base, sizeof(base), "%s/hs_server_XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	for (int i = 0; i < BODY_LEN; i++) {
		body_a[i] = (char)('A' + i % 26);
		body_b[i] = (char)('a' + i % 26);
	}
	for (int i = 0; i < BIG_LEN; i++)
		body_big[i] = (char)('0' + i % 10);
	mkfile("a", body_a);
	mkfile("b", body_b);
	mkfile_as("a", "big.txt", body_big);

	test_held_across_reload(FAKE_PORT_PLAIN, true);
	test_held_across_reload(FAKE_PORT_PLAIN, false);
	test_held_across_reload(FAKE_PORT_TLS, true);
	test_range_head_across_reload();
	test_zc_reset_across_reload();
	test_pipelined_across_reload(FAKE_PORT_PLAIN);
	test_pipelined_across_reload(FAKE_PORT_TLS);
	test_held_then_timeout();
	test_write_path(FAKE_PORT_PLAIN, true);
	test_write_path(FAKE_PORT_PLAIN, false);
	test_write_path(FAKE_PORT_TLS, true);
	test_close();
	test_read_path();
	test_handshake_acks_at_once();
	test_rstate_pool();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
	return hs_check_summary("test_server");
}
