/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_rand.c - random blocks for wolfSSL.
 *
 * The tuned wolfSSL (scripts/deps.sh) is built without its Hash_DRBG
 * and takes every random block from here (CUSTOM_RAND_GENERATE_BLOCK,
 * scripts/wolfssl-patches/0003): with the DRBG, every WOLFSSL object
 * instantiated one and ran its known-answer health test first, about
 * 100 SHA-256 compressions per handshake before any of its own work.
 *
 * The bytes come from the kernel's CSPRNG, getrandom(2) (which blocks
 * only until it is seeded at boot), through a 4 KiB buffer per thread:
 * one system call serves about 20 handshakes, and no state is shared
 * between lcores (no lock).  A byte handed out is wiped from the buffer
 * at once; a child process starts with an empty buffer (pthread_atfork),
 * so it never repeats its parent's bytes.  Requests above 1 KiB go to
 * getrandom(2) directly.  Returns 0, or -1 when getrandom fails (wolfSSL
 * then fails the operation: RNG_FAILURE_E).
 *
 * Linked into every program that links the tuned wolfSSL (the `wolfssl`
 * dependency in meson.build); with Debian's libwolfssl nothing calls it.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include "hs_tls_rand.h"

#define HS_RAND_BUF    4096u
#define HS_RAND_DIRECT (HS_RAND_BUF / 4)

static __thread struct {
	unsigned char b[HS_RAND_BUF];
	unsigned int left; /* the last `left` bytes of b are unused */
	unsigned long long served;
} hs_rand;

static pthread_once_t hs_rand_once = PTHREAD_ONCE_INIT;

static void
hs_rand_child(void)
{
	explicit_bzero(hs_rand.b, sizeof(hs_rand.b));
	hs_rand.left = 0;
}

static void
hs_rand_atfork(void)
{
	(void)pthread_atfork(NULL, NULL, hs_rand_child);
}

static int
hs_rand_os(unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = getrandom(p, n, 0);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int
hs_tls_rand_block(unsigned char *out, unsigned int sz)
{
	(void)pthread_once(&hs_rand_once, hs_rand_atfork);
	hs_rand.served += sz;
	if (sz > HS_RAND_DIRECT)
		return hs_rand_os(out, sz);
	while (sz > 0) {
		unsigned char *src;
		unsigned int k;

		if (hs_rand.left == 0) {
			if (hs_rand_os(hs_rand.b, HS_RAND_BUF) < 0)
				return -1;
			hs_rand.left = HS_RAND_BUF;
		}
		k = sz < hs_rand.left ? sz : hs_rand.left;
		src = hs_rand.b + (HS_RAND_BUF - hs_rand.left);
		memcpy(out, src, k);
		explicit_bzero(src, k);
		hs_rand.left -= k;
		out += k;
		sz -= k;
	}
	return 0;
}

unsigned int
hs_tls_rand_buffered(void)
{
	return hs_rand.left;
}

unsigned long long
hs_tls_rand_served(void)
{
	return hs_rand.served;
}
