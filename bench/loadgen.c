/* SPDX-License-Identifier: BSD-3-Clause
 * loadgen.c - HTTPS load generator on our own stack: one DPDK lcore polls
 * a port (net_memif towards httpsd, or any other), runs hs_tcp active
 * opens (hs_tcp_connect) and a wolfSSL client per connection through
 * custom I/O callbacks on the TCP connection (no sockets, as tls/ does on
 * the server side).
 *
 *   loadgen [EAL options] -- --addr A.B.C.D/N --server A.B.C.D
 *           [--port 443] [--mode full|resume|ka] [--path /1k.bin]
 *           [--conns N] [--duration S] [--max-requests N] [--ca FILE]
 *           [--local-ports LO-HI] [--rate R]
 *
 * Modes:
 *   full    each connection: TCP + full TLS 1.3 handshake, one GET with
 *           "Connection: close", the server closes; a new one follows
 *   resume  the same, resuming the previous connection's session ticket
 *           (the first handshake of each slot is a full one)
 *   ka      N keep-alive connections, GETs back to back on each; with
 *           --rate R, R GETs a second in all: a connection whose
 *           response is complete waits in a FIFO for its turn, so the
 *           request rate stays the same whatever N is (a server's cost
 *           per request at 50 and at 8000 connections compares at one
 *           rate: fewer requests per poll cost more each)
 * TLS 1.3, X25519, TLS_AES_128_GCM_SHA256.  Runs for --duration seconds
 * (at most 600) or --max-requests responses, then prints client-side
 * rates and latency percentiles (request written -> response complete;
 * in full/resume: connect -> response complete), one "name value" per
 * line.  Exit status 0 when at least one response came back and none
 * failed, 1 otherwise, 2 on bad options.
 *
 * Runs against the same server follow each other with the same
 * ephemeral ports, and a server that closed first (Connection: close)
 * holds them in TIME_WAIT.  Our ISNs and TSvals come from the TSC and a
 * fixed secret (hs_tcp_lcore_set_secret), so they keep growing from one
 * run to the next and a server reopens TIME_WAIT for the new SYN
 * (RFC 6191), as it does within a run; with a new random secret per run
 * half the SYNs carried an older TSval and waited a second for their
 * retransmission.  --local-ports confines the ephemeral ports to a
 * range (reused round-robin), which tests use to force that reuse.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "hs_lcore.h"
#include "hs_rcu.h"
#include "hs_port.h"
#include "hs_tcp.h"

#define LG_MAX_CONNS   16384
#define LG_MAX_SAMPLES (4u << 20)
#define LG_HDR_MAX     8192

enum lg_mode { LG_FULL, LG_RESUME, LG_KA };
enum lg_state {
	LG_CONNECTING,
	LG_HANDSHAKE,
	LG_SEND,
	LG_READ,
	LG_IDLE,    /* ka with --rate: waits in the FIFO for its turn */
	LG_CLOSING, /* response complete: read to close_notify / FIN */
	LG_DONE,
};

struct lg_conn {
	struct hs_tcp_conn *c;
	WOLFSSL *ssl;
	WOLFSSL_SESSION *sess; /* resume: the last ticket of this slot */
	enum lg_state st;
	uint64_t t0; /* TSC: connect (full/resume) or request */
	char hdr[LG_HDR_MAX];
	uint32_t hlen;
	int64_t body_left; /* -1: headers not complete yet */
	bool resumed_tried;
	bool opening; /* connecting or in its handshake (n_opening) */
};

static struct {
	enum lg_mode mode;
	uint32_t server; /* network order */
	uint16_t port;
	const char *path;
	unsigned int conns;
	unsigned int duration;
	uint64_t max_requests;
	const char *ca;
	uint16_t lport_lo, lport_hi; /* --local-ports; 0: any ephemeral */
	double rate;                 /* --rate: requests a second, 0 = off */
	char req[512];
	size_t req_len;
} cfg = { .mode = LG_KA, .port = 443, .path = "/", .conns = 1, .duration = 5 };

static struct {
	uint64_t requests, handshakes, resumed, errors, connects, bytes;
	uint64_t *lat; /* TSC cycles per sample */
	uint64_t nlat;
} st;

static struct lg_conn *conns;
/* --rate: conns waiting for their turn (a ring of cfg.conns) and the
 * requests let go so far */
static struct lg_conn **idle;
static uint32_t idle_head, idle_n;
static uint64_t released;
/* Connections opened at start, at most LG_OPENING_MAX connecting or in
 * their handshake at a time (a server's SYN backlog and TX ring are not
 * flooded by thousands of SYNs and flights at once). */
#define LG_OPENING_MAX 64u
static uint32_t n_opening, next_open;

static void
lg_opened(struct lg_conn *g)
{
	if (g->opening) {
		g->opening = false;
		n_opening--;
	}
}
static struct hs_lcore *lc;
static WOLFSSL_CTX *ctx;
static bool running = true;
static volatile sig_atomic_t signalled;

static void lg_drive(struct lg_conn *g);
static void lg_open(struct lg_conn *g);

static void
on_signal(int sig)
{
	signalled = sig;
}

/* ---- wolfSSL I/O on a hs_tcp connection ---- */
static int
lg_io_recv(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct lg_conn *g = arg;
	size_t n;

	(void)ssl;
	if (g->c == NULL)
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	n = hs_tcp_recv(g->c, buf, (size_t)sz);
	if (n > 0)
		return (int)n;
	return hs_tcp_peer_closed(g->c) ? WOLFSSL_CBIO_ERR_CONN_CLOSE
					: WOLFSSL_CBIO_ERR_WANT_READ;
}

static int
lg_io_send(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct lg_conn *g = arg;
	uint32_t space;
	int n;

	(void)ssl;
	if (g->c == NULL)
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	space = hs_tcp_send_space(g->c);
	if (space == 0)
		return WOLFSSL_CBIO_ERR_WANT_WRITE;
	n = hs_tcp_send(g->c, buf, (size_t)HS_MIN((uint32_t)sz, space));
	if (n <= 0)
		return n == 0 ? WOLFSSL_CBIO_ERR_WANT_WRITE
			      : WOLFSSL_CBIO_ERR_CONN_CLOSE;
	hs_tcp_push(g->c);
	return n;
}

/* ---- TCP callbacks ---- */
static int
lg_connected(struct hs_tcp_conn *c, void *arg)
{
	struct lg_conn *g = arg;

	g->c = c;
	g->ssl = wolfSSL_new(ctx);
	if (g->ssl == NULL)
		return -ENOMEM;
	wolfSSL_SetIOReadCtx(g->ssl, g);
	wolfSSL_SetIOWriteCtx(g->ssl, g);
	if (wolfSSL_UseKeyShare(g->ssl, WOLFSSL_ECC_X25519) !=
	    WOLFSSL_SUCCESS) {
		wolfSSL_free(g->ssl);
		g->ssl = NULL;
		return -EINVAL;
	}
	g->resumed_tried = false;
	if (cfg.mode == LG_RESUME && g->sess != NULL) {
		wolfSSL_set_session(g->ssl, g->sess);
		g->resumed_tried = true;
	}
	g->st = LG_HANDSHAKE;
	lg_drive(g);
	return 0;
}

static void
lg_readable(struct hs_tcp_conn *c)
{
	lg_drive(hs_tcp_app(c));
}

static void
lg_writable(struct hs_tcp_conn *c)
{
	lg_drive(hs_tcp_app(c));
}

static void
lg_closed(struct hs_tcp_conn *c, int reason)
{
	struct lg_conn *g = hs_tcp_app(c);

	(void)reason;
	lg_opened(g);
	if (g->st != LG_DONE)
		st.errors++;
	if (g->ssl != NULL) {
		wolfSSL_free(g->ssl);
		g->ssl = NULL;
	}
	g->c = NULL;
	if (running)
		lg_open(g);
}

static const struct hs_tcp_ops lg_ops = {
	.accepted = lg_connected,
	.readable = lg_readable,
	.writable = lg_writable,
	.closed = lg_closed,
};

/* Connect from the next free port of --local-ports (or any ephemeral
 * port): a conn of ours still on a port (closing) makes it skip on. */
static struct hs_tcp_conn *
lg_connect(struct lg_conn *g)
{
	static uint32_t next;
	uint32_t n = cfg.lport_lo ? cfg.lport_hi - cfg.lport_lo + 1u : 0;
	struct hs_tcp_conn *c;

	if (n == 0)
		return hs_tcp_connect(lc, cfg.server, cfg.port, 0, &lg_ops, g);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t p = (uint16_t)(cfg.lport_lo + next++ % n);

		c = hs_tcp_connect(lc, cfg.server, cfg.port, p, &lg_ops, g);
		if (c != NULL || rte_errno != EADDRINUSE)
			return c;
	}
	return NULL;
}

static void
lg_open(struct lg_conn *g)
{
	g->st = LG_CONNECTING;
	g->t0 = rte_rdtsc();
	if (lg_connect(g) == NULL) {
		st.errors++;
		return;
	}
	g->opening = true;
	n_opening++;
	st.connects++;
}

static void
lg_sample(uint64_t t0)
{
	if (st.nlat < LG_MAX_SAMPLES)
		st.lat[st.nlat++] = rte_rdtsc() - t0;
}

/* Headers complete in g->hdr[0..hlen): status 200 and Content-Length. */
static int
lg_parse_head(struct lg_conn *g, uint32_t end)
{
	const char *p;

	if (g->hlen < 12 || memcmp(g->hdr, "HTTP/1.1 200", 12) != 0)
		return -1;
	g->hdr[end - 1] = '\0';
	for (p = g->hdr; (p = strchr(p, '\n')) != NULL; p++)
		if (strncasecmp(p + 1, "content-length:", 15) == 0) {
			g->body_left = strtoll(p + 16, NULL, 10);
			return 0;
		}
	return -1;
}

/* Response bytes: headers, then the body.  Returns true when done. */
static int
lg_consume(struct lg_conn *g, const char *buf, uint32_t n)
{
	while (n > 0) {
		if (g->body_left < 0) {
			uint32_t k =
				HS_MIN(n, (uint32_t)(LG_HDR_MAX - 1 - g->hlen));
			char *e;

			if (k == 0)
				return -1;
			memcpy(g->hdr + g->hlen, buf, k);
			g->hlen += k;
			g->hdr[g->hlen] = '\0';
			e = strstr(g->hdr, "\r\n\r\n");
			if (e == NULL) {
				buf += k;
				n -= k;
				continue;
			}
			{
				uint32_t end = (uint32_t)(e - g->hdr) + 4;
				uint32_t extra = g->hlen - end;

				if (lg_parse_head(g, end) < 0)
					return -1;
				/* bytes after the head are body */
				buf += k - extra;
				n -= k - extra;
			}
			continue;
		}
		{
			uint32_t k = (uint32_t)HS_MIN((int64_t)n, g->body_left);

			g->body_left -= k;
			st.bytes += k;
			buf += k;
			n -= k;
			if (g->body_left == 0)
				return n == 0 ? 1 : -1;
		}
	}
	return g->body_left == 0 ? 1 : 0;
}

/* A failed exchange: reset the connection (abort runs no closed()),
 * count it and open the next one. */
static void
lg_fail(struct lg_conn *g)
{
	st.errors++;
	lg_opened(g);
	g->st = LG_DONE;
	if (g->ssl != NULL) {
		wolfSSL_free(g->ssl);
		g->ssl = NULL;
	}
	if (g->c != NULL)
		hs_tcp_abort(g->c);
	g->c = NULL;
	if (running)
		lg_open(g);
}

/* --rate: g's response is complete; it waits for its turn. */
static void
lg_idle(struct lg_conn *g)
{
	uint32_t cap = 2 * cfg.conns; /* stale entries of closed conns too */

	if (idle_n == cap) { /* only stale ones can fill it: drop one */
		idle_head = (idle_head + 1) % cap;
		idle_n--;
	}
	g->st = LG_IDLE;
	idle[(idle_head + idle_n++) % cap] = g;
}

/* --rate: let go the requests due by now (rate x time since t0), oldest
 * waiting connection first.  Behind by more than every connection (the
 * server is slower than the rate), the debt is forgiven rather than
 * sent in one burst later. */
static void
lg_release(uint64_t now, uint64_t t0, uint64_t hz)
{
	uint64_t due = (uint64_t)((double)(now - t0) / (double)hz * cfg.rate);

	if (due > released + cfg.conns)
		released = due - cfg.conns;
	while (released < due && idle_n > 0) {
		struct lg_conn *g = idle[idle_head];

		idle_head = (idle_head + 1) % (2 * cfg.conns);
		idle_n--;
		released++;
		if (g->c == NULL || g->st != LG_IDLE)
			continue; /* closed meanwhile */
		g->st = LG_SEND;
		lg_drive(g);
	}
}

static void
lg_drive(struct lg_conn *g)
{
	static char buf[16384];
	int rc, err;

	for (;;) {
		switch (g->st) {
		case LG_HANDSHAKE:
			rc = wolfSSL_connect(g->ssl);
			if (rc != WOLFSSL_SUCCESS) {
				err = wolfSSL_get_error(g->ssl, rc);
				if (err == WOLFSSL_ERROR_WANT_READ ||
				    err == WOLFSSL_ERROR_WANT_WRITE)
					return;
				lg_fail(g);
				return;
			}
			st.handshakes++;
			lg_opened(g);
			if (wolfSSL_session_reused(g->ssl))
				st.resumed++;
			if (cfg.rate > 0 && cfg.mode == LG_KA) {
				lg_idle(g);
				return;
			}
			g->st = LG_SEND;
			break;
		case LG_SEND:
			if (cfg.mode == LG_KA)
				g->t0 = rte_rdtsc();
			rc = wolfSSL_write(g->ssl, cfg.req, (int)cfg.req_len);
			if (rc != (int)cfg.req_len) {
				err = wolfSSL_get_error(g->ssl, rc);
				if (err == WOLFSSL_ERROR_WANT_WRITE)
					return; /* wolfSSL keeps the record */
				lg_fail(g);
				return;
			}
			g->hlen = 0;
			g->body_left = -1;
			g->st = LG_READ;
			break;
		case LG_READ:
			rc = wolfSSL_read(g->ssl, buf, sizeof(buf));
			if (rc <= 0) {
				err = wolfSSL_get_error(g->ssl, rc);
				if (err == WOLFSSL_ERROR_WANT_READ ||
				    err == WOLFSSL_ERROR_WANT_WRITE)
					return;
				lg_fail(g);
				return;
			}
			rc = lg_consume(g, buf, (uint32_t)rc);
			if (rc < 0) {
				lg_fail(g);
				return;
			}
			if (rc == 0)
				break;
			st.requests++;
			lg_sample(g->t0);
			if (cfg.max_requests && st.requests >= cfg.max_requests)
				running = false;
			if (cfg.mode == LG_KA && running) {
				if (cfg.rate > 0) {
					lg_idle(g);
					return;
				}
				g->st = LG_SEND;
				break;
			}
			if (cfg.mode == LG_RESUME) {
				WOLFSSL_SESSION *s =
					wolfSSL_get1_session(g->ssl);

				if (s != NULL) {
					if (g->sess != NULL)
						wolfSSL_SESSION_free(g->sess);
					g->sess = s;
				}
			}
			g->st = LG_CLOSING;
			break;
		case LG_CLOSING:
			/* Connection: close: the server sends close_notify and
			 * FIN; read them, then close with a FIN.  Closing with
			 * them unread would send an RST (RFC 2525 §2.17), and
			 * the server would keep no TIME_WAIT for the port. */
			rc = wolfSSL_read(g->ssl, buf, sizeof(buf));
			if (rc > 0)
				break; /* nothing more is expected: drop it */
			err = wolfSSL_get_error(g->ssl, rc);
			if (err == WOLFSSL_ERROR_WANT_READ ||
			    err == WOLFSSL_ERROR_WANT_WRITE)
				return;
			g->st = LG_DONE;
			hs_tcp_close(g->c);
			return;
		case LG_CONNECTING:
		case LG_IDLE:
		case LG_DONE:
		default:
			return;
		}
	}
}

/* ---- set-up ---- */
static void
usage(FILE *f)
{
	fprintf(f, "usage: loadgen [EAL options] -- --addr A.B.C.D/N --server "
		   "A.B.C.D\n"
		   "               [--port 443] [--mode full|resume|ka] "
		   "[--path /1k.bin]\n"
		   "               [--conns N] [--duration S] [--max-requests "
		   "N] [--ca FILE]\n"
		   "               [--local-ports LO-HI] [--rate R] [--mtu "
		   "576..9000]\n");
}

static int
parse_args(int argc, char **argv, struct hs_netif *ifp)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "server", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "path", required_argument, NULL, 'P' },
		{ "conns", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "max-requests", required_argument, NULL, 'n' },
		{ "ca", required_argument, NULL, 'C' },
		{ "local-ports", required_argument, NULL, 'L' },
		{ "rate", required_argument, NULL, 'r' },
		{ "mtu", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct in_addr a;
	char ip[32], *slash;
	unsigned long v;
	int o, plen;
	bool have_addr = false;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'a':
			snprintf(ip, sizeof(ip), "%s", optarg);
			slash = strchr(ip, '/');
			plen = slash ? atoi(slash + 1) : 24;
			if (slash)
				*slash = '\0';
			if (inet_pton(AF_INET, ip, &a) != 1 || plen < 1 ||
			    plen > 32)
				return -1;
			ifp->ip = a.s_addr;
			ifp->mask = htonl(~0u << (32 - plen));
			have_addr = true;
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				return -1;
			cfg.server = a.s_addr;
			break;
		case 'p':
			v = strtoul(optarg, NULL, 10);
			if (v == 0 || v > 65535)
				return -1;
			cfg.port = (uint16_t)v;
			break;
		case 'm':
			if (strcmp(optarg, "full") == 0)
				cfg.mode = LG_FULL;
			else if (strcmp(optarg, "resume") == 0)
				cfg.mode = LG_RESUME;
			else if (strcmp(optarg, "ka") == 0)
				cfg.mode = LG_KA;
			else
				return -1;
			break;
		case 'P':
			if (optarg[0] != '/' || strlen(optarg) > 256)
				return -1;
			cfg.path = optarg;
			break;
		case 'c':
			v = strtoul(optarg, NULL, 10);
			if (v == 0 || v > LG_MAX_CONNS)
				return -1;
			cfg.conns = (unsigned int)v;
			break;
		case 'd':
			v = strtoul(optarg, NULL, 10);
			if (v == 0 || v > 600)
				return -1;
			cfg.duration = (unsigned int)v;
			break;
		case 'n':
			cfg.max_requests = strtoull(optarg, NULL, 10);
			break;
		case 'r': {
			char *end;

			cfg.rate = strtod(optarg, &end);
			if (*end != '\0' || !(cfg.rate > 0) || cfg.rate > 1e8)
				return -1;
			break;
		}
		case 'M': {
			char *end;

			v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v < 576 || v > 9000)
				return -1;
			ifp->mtu = (uint16_t)v;
			break;
		}
		case 'C':
			cfg.ca = optarg;
			break;
		case 'L': {
			unsigned long lo, hi;
			char *end;

			lo = strtoul(optarg, &end, 10);
			if (*end != '-')
				return -1;
			hi = strtoul(end + 1, &end, 10);
			if (*end != '\0' || lo == 0 || hi < lo || hi > 65535)
				return -1;
			cfg.lport_lo = (uint16_t)lo;
			cfg.lport_hi = (uint16_t)hi;
			break;
		}
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (!have_addr || cfg.server == 0 || optind != argc ||
	    (cfg.rate > 0 && cfg.mode != LG_KA))
		return -1;
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_us(double p)
{
	uint64_t i;

	if (st.nlat == 0)
		return 0;
	i = (uint64_t)(p / 100.0 * (double)(st.nlat - 1) + 0.5);
	return (double)st.lat[i] * 1e6 / (double)rte_get_tsc_hz();
}

int
main(int argc, char **argv)
{
	static const char *const mode_names[] = { "full", "resume", "ka" };
	struct hs_netif *ifp;
	struct rte_mempool *pool;
	struct rte_eth_link link;
	uint64_t hz, t_start, t_end, t_stop;
	uint32_t nb_mbufs = 32767;
	uint16_t port;
	char err[256];
	int rc;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "loadgen: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	argc -= rc;
	argv += rc;
	ifp = rte_zmalloc("lg_netif", sizeof(*ifp), RTE_CACHE_LINE_SIZE);
	lc = rte_zmalloc("lg_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE);
	if (ifp == NULL || lc == NULL) {
		fprintf(stderr, "loadgen: out of EAL memory\n");
		return 2;
	}
	ifp->mtu = 1500;
	optind = 1;
	if (parse_args(argc, argv, ifp) < 0) {
		usage(stderr);
		return 2;
	}
	cfg.req_len = (size_t)snprintf(
		cfg.req, sizeof(cfg.req),
		"GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: "
		"httpsd-loadgen\r\n%s\r\n",
		cfg.path, inet_ntoa(*(struct in_addr *)&cfg.server),
		cfg.mode == LG_KA ? "" : "Connection: close\r\n");
	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "loadgen: no DPDK port (e.g. "
				"--vdev=net_memif0,role=client,socket=PATH)\n");
		return 2;
	}
	port = rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER);
	pool = hs_port_pool_create(port, "lg_mbuf", nb_mbufs, 256,
				   RTE_MBUF_DEFAULT_BUF_SIZE,
				   (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "loadgen: cannot allocate mbufs: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	hs_tcp_params.max_per_source = 0;
	hs_tcp_params.mem_lcore_max =
		hs_tcp_mem_auto(nb_mbufs, 1, HS_PORT_RX_DESC, HS_PORT_TX_DESC);
	if (hs_port_init(port, 1, pool, ifp->mtu, &ifp->mac, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "loadgen: %s\n", err);
		return 2;
	}
	ifp->port_id = port;
	if (hs_lcore_init(lc, ifp, pool, port, 0, LG_MAX_CONNS * 4) < 0 ||
	    hs_tcp_lcore_set_secret(lc, 0x6c6f616467656e31ULL,
				    0x7473697365636e32ULL) < 0) {
		fprintf(stderr, "loadgen: cannot set up the lcore\n");
		return 2;
	}
	/* The lcore reports quiescent states (once per poll): the net_memif
	 * guard (hs_port_memif.c) waits for them before the PMD unmaps. */
	if (hs_rcu_init(RTE_MAX_LCORE) < 0) {
		fprintf(stderr, "loadgen: out of memory\n");
		return 2;
	}
	hs_rcu_online(rte_lcore_id());
	st.lat = malloc(sizeof(*st.lat) * LG_MAX_SAMPLES);
	conns = calloc(cfg.conns, sizeof(*conns));
	idle = calloc(2 * (size_t)cfg.conns, sizeof(*idle));
	wolfSSL_Init();
	ctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method());
	if (st.lat == NULL || conns == NULL || idle == NULL || ctx == NULL ||
	    wolfSSL_CTX_set_cipher_list(ctx, "TLS13-AES128-GCM-SHA256") !=
		    WOLFSSL_SUCCESS) {
		fprintf(stderr, "loadgen: TLS set-up failed\n");
		return 2;
	}
	if (cfg.ca != NULL) {
		if (wolfSSL_CTX_load_verify_locations(ctx, cfg.ca, NULL) !=
		    WOLFSSL_SUCCESS) {
			fprintf(stderr, "loadgen: cannot load --ca %s\n",
				cfg.ca);
			return 2;
		}
		wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
	} else {
		wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
	}
	wolfSSL_CTX_SetIORecv(ctx, lg_io_recv);
	wolfSSL_CTX_SetIOSend(ctx, lg_io_send);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	hz = rte_get_tsc_hz();
	/* The port's link (a memif peer connected), at most 10 s. */
	t_stop = rte_rdtsc() + 10 * hz;
	do {
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(port, &link);
		if (link.link_status == RTE_ETH_LINK_UP)
			break;
		rte_delay_ms(10);
	} while (rte_rdtsc() < t_stop && !signalled);
	if (link.link_status != RTE_ETH_LINK_UP) {
		fprintf(stderr, "loadgen: port %u link down after 10 s\n",
			port);
		return 1;
	}
	/* The first connection alone until it is up: its SYN resolves the
	 * server's MAC (ARP holds one packet per unresolved address, so
	 * SYNs sent together would wait for their retransmission). */
	lg_open(&conns[0]);
	t_stop = rte_rdtsc() + 10 * hz;
	while (conns[0].st == LG_CONNECTING && rte_rdtsc() < t_stop &&
	       !signalled)
		hs_lcore_poll_once(lc);
	next_open = 1;
	t_start = rte_rdtsc();
	t_stop = t_start + (uint64_t)cfg.duration * hz;
	while (running && !signalled) {
		uint64_t now;

		hs_lcore_poll_once(lc);
		while (next_open < cfg.conns && n_opening < LG_OPENING_MAX)
			lg_open(&conns[next_open++]);
		now = rte_rdtsc();
		if (idle_n > 0)
			lg_release(now, t_start, hz);
		if (now >= t_stop)
			running = false;
	}
	running = false;
	t_end = rte_rdtsc();
	/* Tear down: reset what is open; polls send the RSTs, then keep the
	 * port up 100 ms so the server reads them (frames left in a memif
	 * ring are lost with the link; the server would keep those
	 * connections until its timeouts). */
	for (unsigned int i = 0; i < cfg.conns; i++)
		if (conns[i].c != NULL) {
			conns[i].st = LG_DONE;
			hs_tcp_abort(conns[i].c);
			conns[i].c = NULL;
		}
	t_stop = rte_rdtsc() + hz / 10;
	while (rte_rdtsc() < t_stop)
		hs_lcore_poll_once(lc);

	qsort(st.lat, st.nlat, sizeof(*st.lat), cmp_u64);
	{
		double secs = (double)(t_end - t_start) / (double)hz;

		printf("mode %s\nconns %u\npath %s\nseconds %.3f\n",
		       mode_names[cfg.mode], cfg.conns, cfg.path, secs);
		printf("requests %" PRIu64 "\nhandshakes %" PRIu64
		       "\nresumed %" PRIu64 "\nconnects %" PRIu64
		       "\nerrors %" PRIu64 "\nbody_bytes %" PRIu64 "\n",
		       st.requests, st.handshakes, st.resumed, st.connects,
		       st.errors, st.bytes);
		/* our stack's side of the work, e.g. a SYN that waited for
		 * its retransmission (tcp_rexmt), an RST we sent: every
		 * counter that moved, as "client_NAME N" */
		const uint64_t *v = (const uint64_t *)&lc->stats;

		for (size_t i = 0; i < HS_STATS_COUNT; i++)
			if (v[i] != 0)
				printf("client_%s %" PRIu64 "\n",
				       hs_stats_names[i], v[i]);
		printf("requests_per_s %.1f\nhandshakes_per_s "
		       "%.1f\nbody_gbit_per_s %.3f\n",
		       st.requests / secs, st.handshakes / secs,
		       (double)st.bytes * 8 / secs / 1e9);
		printf("lat_p50_us %.1f\nlat_p90_us %.1f\nlat_p99_us "
		       "%.1f\nlat_p999_us %.1f\n",
		       pct_us(50), pct_us(90), pct_us(99), pct_us(99.9));
	}
	for (unsigned int i = 0; i < cfg.conns; i++)
		if (conns[i].sess != NULL)
			wolfSSL_SESSION_free(conns[i].sess);
	wolfSSL_CTX_free(ctx);
	wolfSSL_Cleanup();
	hs_rcu_offline(rte_lcore_id());
	hs_lcore_fini(lc);
	hs_port_fini(port);
	hs_rcu_fini();
	rte_eal_cleanup();
	return st.requests > 0 && st.errors == 0 ? 0 : 1;
}
