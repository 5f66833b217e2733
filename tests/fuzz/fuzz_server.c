/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_server.c - libFuzzer target for the server glue (http/hs_server.c)
 * with file-cache reloads interleaved between and inside requests.
 *
 * hs_server.c runs as it is over the fake transport of
 * tests/http/hs_srv_fake.c (stand-ins for TCP, TLS - a pass-through
 * session -, the lcore registry and RCU; a real mbuf pool for zero-copy
 * holders).  Input: byte 0 picks zero-copy on/off, the send-buffer
 * size and the access log; the rest is a program of operations on up to 4 connections
 * (connect to the TLS or plain port, send fuzzer bytes or a canned
 * request in pieces, let the peer read some or all output, half-close,
 * reset, time out, finish a close, release frames of dead connections,
 * make copies fail with ENOBUFS, make the next TLS read or handshake
 * step fail or handshakes wait for a peer byte, drain, and reload: publish a new
 * generation with a freshly loaded cache and reclaim what is not held).
 *
 * Invariants: no sanitizer report (a body read from a freed generation
 * is a heap-use-after-free under ASan); released caches are overwritten
 * with 0xdd before they are freed, so a run of them on the wire is a
 * body sent from released memory; at the end, with every connection and
 * frame gone, every retired generation is free of holds and every
 * zero-copy holder mbuf is back in the pool.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_http_files.h"
#include "hs_server.h"
#include "hs_srv_fake.h"

#define HS_FUZZ_ASSERT(x)                                                \
	do {                                                             \
		if (!(x)) {                                              \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #x);                 \
			abort();                                         \
		}                                                        \
	} while (0)

#define NCONN    4
#define MAX_GENS 24 /* reloads per input */

static char roots[2][PATH_MAX];
static const char *const paths[] = { "/index.html",     "/big.bin",
				     "/big.bin.gz",     "/small.txt",
				     "/sub/index.html", NULL };
static struct fake_files gens[MAX_GENS + 1];
static unsigned int ngens;

static const char *const canned[] = {
	"GET /big.bin HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
	"GET /big.bin HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	"3\r\nabc\r\n0\r\n\r\n",
	"GET /big.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=10-2000\r\n"
	"Content-Length: 2\r\n\r\nxy",
	"HEAD /big.bin HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nz",
	"GET /big.bin HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /big.bin HTTP/1.1\r\nHost: "
	"a\r\n\r\n",
	"GET /big.bin HTTP/1.1\r\nHost: a\r\nIf-None-Match: *\r\n\r\n",
	"GET /big.bin HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
	"Expect: 100-continue\r\n\r\n",
	"GET /small.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
	"POST /big.bin HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody",
	"GET /big.bin HTTP/1.0\r\n\r\n",
	"GET /sub HTTP/1.1\r\nHost: a\r\n\r\n",
};

static void
put(const char *dir, const char *rel, const char *content, size_t n)
{
	char p[PATH_MAX + 32];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	if (f == NULL || fwrite(content, 1, n, f) != n)
		abort();
	fclose(f);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The two document roots go when the fuzzer exits (libFuzzer's -runs
 * and -max_total_time end through exit()). */
static void
rm_roots(void)
{
	for (int g = 0; g < 2; g++)
		if (roots[g][0] != '\0')
			(void)nftw(roots[g], rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char big[3000], p[PATH_MAX + 8];

	(void)argc;
	(void)argv;
	if (fake_init(true) != 0) {
		fprintf(stderr, "fuzz_server: EAL/pool setup failed\n");
		abort();
	}
	atexit(rm_roots);
	for (int g = 0; g < 2; g++) {
		snprintf(roots[g], sizeof(roots[g]), "%s/hs_fuzz_srv_XXXXXX",
			 tmp ? tmp : "/tmp");
		if (mkdtemp(roots[g]) == NULL)
			abort();
		for (size_t i = 0; i < sizeof(big); i++)
			big[i] = (char)((g ? 'a' : 'A') + i % 26);
		put(roots[g], "index.html",
		    g ? "<h1>two</h1>\n" : "<h1>one</h1>\n", 13);
		put(roots[g], "big.bin", big, sizeof(big));
		put(roots[g], "big.bin.gz", big, 1500);
		put(roots[g], "small.txt", g ? "bb\n" : "aaaa\n", g ? 3 : 5);
		snprintf(p, sizeof(p), "%s/sub", roots[g]);
		mkdir(p, 0755);
		put(roots[g], "sub/index.html", "<h1>sub</h1>\n", 13);
	}
	return 0;
}

/* A generation's cache, loaded afresh (each reload is a new cache). */
static struct fake_files *
next_gen(void)
{
	struct fake_files *ff;
	char err[256];

	if (ngens > MAX_GENS)
		return NULL;
	ff = &gens[ngens];
	memset(ff, 0, sizeof(*ff));
	if (hs_files_load(&ff->fc, roots[ngens % 2], 1 << 20, 1 << 22, err,
			  sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_server: %s\n", err);
		abort();
	}
	ff->paths = paths;
	ngens++;
	return ff;
}

/* No body sent from a released (overwritten) cache. */
static void
check_wire(const struct fake_conn *fc)
{
	static const uint8_t poison[16] = { 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
					    0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
					    0xdd, 0xdd, 0xdd, 0xdd };

	HS_FUZZ_ASSERT(memmem(fc->wire, fc->wire_len, poison, sizeof(poison)) ==
		       NULL);
}

struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned int
take(struct in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct fake_conn *conns[NCONN] = { 0 };
	unsigned int cfg = take(&in), steps = 0;
	uint32_t sndbuf = (cfg & 2) ? 4096 : (1u << 16);

	ngens = 0;
	HS_FUZZ_ASSERT(fake_init(cfg & 1) == 0);
	fake_cfg_access_log = (cfg & 4) != 0;
	/* a pool of one or two request state blocks: connections wait */
	fake_cfg_rstate_max = (cfg & 8) ? 1 + ((cfg >> 4) & 1) : 0;
	HS_FUZZ_ASSERT(fake_server_start(next_gen()) == 0);

	while (in.n > 0 && steps++ < 512) {
		unsigned int op = take(&in);
		unsigned int k = (op >> 4) % NCONN;
		struct fake_conn *c = conns[k];
		unsigned int n;

		switch (op & 15) {
		case 0: /* connect */
			if (c == NULL || !c->live) {
				conns[k] =
					fake_connect(op & 0x40 ? FAKE_PORT_PLAIN
							       : FAKE_PORT_TLS);
				if (conns[k] != NULL)
					conns[k]->sndbuf = sndbuf;
			}
			break;
		case 1: /* fuzzer bytes */
			n = take(&in);
			n = n < in.n ? n : (unsigned int)in.n;
			if (c != NULL)
				fake_send(c, in.p, n);
			in.p += n;
			in.n -= n;
			break;
		case 2: { /* a canned request, in two pieces */
			const char *r = canned[take(&in) % (sizeof(canned) /
							    sizeof(canned[0]))];
			size_t len = strlen(r), cut = take(&in) % (len + 1);

			if (c != NULL) {
				fake_send(c, r, cut);
				if (take(&in) & 1) {
					struct fake_files *ff = next_gen();

					if (ff != NULL)
						HS_FUZZ_ASSERT(
							fake_reload(ff) == 0);
				}
				fake_send(c, r + cut, len - cut);
			}
			break;
		}
		case 3: /* the peer reads some */
			if (c != NULL)
				fake_transmit(c, (take(&in) + 1) * 37);
			break;
		case 4: /* the peer reads everything */
			if (c != NULL)
				fake_transmit(c, SIZE_MAX);
			break;
		case 5:
		case 6: { /* SIGHUP */
			struct fake_files *ff = next_gen();

			if (ff != NULL)
				HS_FUZZ_ASSERT(fake_reload(ff) == 0);
			break;
		}
		case 7:
			if (c != NULL)
				fake_peer_fin(c);
			break;
		case 8:
			if (c != NULL)
				fake_reset(c);
			break;
		case 9:
			if (c != NULL)
				fake_timeout(c);
			break;
		case 10:
			if (c != NULL)
				fake_close_done(c);
			break;
		case 11:
			fake_flush_orphans();
			fake_reclaim();
			break;
		case 12:
			fake_nobufs(take(&in) % 4);
			break;
		case 13: /* drain, TLS trouble */
			switch (op >> 4) {
			case 13:
				fake_drain();
				break;
			case 0:
				fake_tls_read_err = -EPROTO;
				break;
			case 1:
				fake_tls_read_err = -EIO;
				break;
			case 2:
				fake_tls_read_err = -ECONNRESET;
				break;
			case 3:
				fake_tls_hs_err = -EPROTO;
				break;
			case 4:
				fake_tls_hs_wait = !fake_tls_hs_wait;
				break;
			default:
				break;
			}
			break;
		default:
			fake_reclaim();
			break;
		}
		for (int i = 0; i < NCONN; i++)
			if (conns[i] != NULL)
				check_wire(conns[i]);
	}
	/* the peers read what is left */
	for (int i = 0; i < NCONN; i++)
		if (conns[i] != NULL && conns[i]->live)
			for (int j = 0; j < 64 && conns[i]->live &&
					fake_transmit(conns[i], SIZE_MAX) > 0;
			     j++)
				;
	for (int i = 0; i < NCONN; i++)
		if (conns[i] != NULL)
			check_wire(conns[i]);
	{
		/* a block is held only by a live connection */
		uint64_t live = 0;

		for (int i = 0; i < NCONN; i++)
			live += conns[i] != NULL && conns[i]->live;
		HS_FUZZ_ASSERT(hs_server_rstates_in_use() <= live);
	}
	HS_FUZZ_ASSERT(fake_server_stop() == 0);
	HS_FUZZ_ASSERT(fake_pool_in_use() == 0);
	return 0;
}
