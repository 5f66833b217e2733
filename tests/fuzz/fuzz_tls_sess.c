/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_tls_sess.c - libFuzzer target for a whole server session's first
 * flight through hs_tls.c: the transport hands the fuzzer's byte stream
 * to hs_tls_handshake() in chunks (hold, ClientHello reassembly, site
 * choice with --sni-strict, the 0-RTT sniffer and wolfSSL behind them).
 * The context has early data on and one --site; certificate and key come
 * from HS_FUZZ_CERT / HS_FUZZ_KEY (run_fuzz.sh makes a P-256 pair).
 *
 * Input: byte 0 seeds the chunk sizes, the rest is what the client sends.
 * Invariants (abort on violation): results are 0, -EAGAIN, -EPROTO or
 * -ECONNRESET; a live session's server name is one --sni-strict accepts;
 * nothing leaks (ASan).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hs_tls.h"

#define FZ_ASSERT(c)                                                          \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, \
				__FILE__, __LINE__);                          \
			abort();                                              \
		}                                                             \
	} while (0)

struct fz_io {
	const uint8_t *p;
	size_t n, off;
	uint32_t seed;
};

static int
fz_pull(void *io, uint8_t *buf, size_t len)
{
	struct fz_io *f = io;
	size_t k;

	if (f->off == f->n)
		return -EPIPE;
	f->seed = f->seed * 1103515245u + 12345u;
	k = 1 + (f->seed >> 16) % 512;
	if (f->seed & 0x100000)
		k = len;
	if (k > len)
		k = len;
	if (k > f->n - f->off)
		k = f->n - f->off;
	memcpy(buf, f->p + f->off, k);
	f->off += k;
	return (int)k;
}

static int
fz_push(void *io, const uint8_t *buf, size_t len)
{
	(void)io;
	(void)buf;
	return (int)len;
}

static struct hs_tls_ctx *fz_ctx;

static void
fz_fini(void)
{
	hs_tls_ctx_free(fz_ctx);
	hs_tls_global_fini();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_tls_sess *s;
	struct fz_io io;
	const char *name;
	uint8_t buf[512];
	int rc = -EAGAIN;

	if (fz_ctx == NULL) {
		const char *cert = getenv("HS_FUZZ_CERT"),
			   *key = getenv("HS_FUZZ_KEY");
		static struct hs_tls_site site = { .name = "www.example.com" };
		struct hs_tls_config cfg = { .crypto = HS_TLS_CRYPTO_WOLFSSL,
					     .sites = &site,
					     .nb_sites = 1,
					     .sni_strict = true,
					     .early_data = true };
		char err[512];

		if (cert == NULL || key == NULL) {
			fprintf(stderr, "fuzz_tls_sess: set HS_FUZZ_CERT and "
					"HS_FUZZ_KEY\n");
			abort();
		}
		cfg.cert_file = site.cert_file = cert;
		cfg.key_file = site.key_file = key;
		if (hs_tls_global_init() != 0 ||
		    hs_tls_ctx_new(&fz_ctx, &cfg, err, sizeof(err)) != 0) {
			fprintf(stderr, "fuzz_tls_sess: %s\n", err);
			abort();
		}
		atexit(fz_fini);
	}
	if (size < 1)
		return 0;
	io = (struct fz_io){ .p = data + 1, .n = size - 1, .seed = data[0] };
	s = hs_tls_sess_new(fz_ctx, fz_pull, fz_push, &io);
	if (s == NULL)
		abort();
	for (int i = 0; i < 64 && rc == -EAGAIN; i++) {
		size_t before = io.off;

		rc = hs_tls_handshake(s);
		if (rc == -EAGAIN && hs_tls_early_phase(s))
			rc = hs_tls_read(s, buf, sizeof(buf));
		if (rc > 0)
			rc = -EAGAIN;
		if (rc == -EAGAIN && io.off == before && i > 0)
			break; /* no input taken: the flight is all in */
	}
	FZ_ASSERT(rc == 0 || rc == -EAGAIN || rc == -EPROTO ||
		  rc == -ECONNRESET);
	name = hs_tls_server_name(s);
	/* a live session serves a name --sni-strict accepts (a refused
	 * one is reported too, with the session dead) */
	if (name != NULL && (rc == 0 || rc == -EAGAIN))
		FZ_ASSERT(strcasecmp(name, "www.example.com") == 0 ||
			  strcasecmp(name, "localhost") == 0);
	hs_tls_sess_free(s);
	return 0;
}
