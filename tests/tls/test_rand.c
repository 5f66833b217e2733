/* SPDX-License-Identifier: BSD-3-Clause
 * test_rand.c - hs_tls_rand.c, the random blocks of the tuned wolfSSL:
 * fresh bytes every call, small requests through the per-thread buffer
 * and large ones straight from getrandom, a forked child never repeating
 * the bytes its parent has buffered, and wolfSSL's RNG API drawing from
 * it (no Hash_DRBG in the tuned build).
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hs_check.h"
#include "hs_tls_rand.h"

static void
test_fresh_bytes(void)
{
	unsigned char a[32], b[32], zero[32] = { 0 };
	unsigned long long s0 = hs_tls_rand_served();

	CHECK(hs_tls_rand_block(a, sizeof(a)) == 0);
	CHECK(hs_tls_rand_block(b, sizeof(b)) == 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(memcmp(a, zero, sizeof(a)) != 0);
	CHECK(hs_tls_rand_served() - s0 == 64);
	CHECK(hs_tls_rand_block(a, 0) == 0);
}

/* Small requests come from the buffer (4 KiB refills); one above 1 KiB
 * goes to getrandom and leaves the buffer as it was. */
static void
test_buffer(void)
{
	static unsigned char big[64 * 1024];
	unsigned char x[100];
	unsigned int left;
	size_t nz = 0;

	CHECK(hs_tls_rand_block(x, sizeof(x)) == 0);
	left = hs_tls_rand_buffered();
	CHECK(left < 4096);
	CHECK(hs_tls_rand_block(big, sizeof(big)) == 0);
	CHECK(hs_tls_rand_buffered() == left);
	for (size_t i = 0; i < sizeof(big); i++)
		nz += big[i] != 0;
	CHECK(nz > sizeof(big) * 9 / 10); /* about 255/256 nonzero */
	/* drain the buffer exactly, then one more byte refills it */
	while (hs_tls_rand_buffered() > 0) {
		unsigned int k = hs_tls_rand_buffered();

		CHECK(hs_tls_rand_block(big, k > 1024 ? 1024 : k) == 0);
	}
	CHECK(hs_tls_rand_block(x, 1) == 0);
	CHECK(hs_tls_rand_buffered() == 4095);
}

/* A child must not hand out what its parent had buffered: the parent's
 * next bytes and the child's differ. */
static void
test_fork(void)
{
	unsigned char mine[32], theirs[32];
	int fd[2], st;
	pid_t pid;

	CHECK(hs_tls_rand_block(mine, 1) == 0); /* the buffer is filled */
	CHECK(pipe(fd) == 0);
	pid = fork();
	if (pid == 0) {
		unsigned char c[32];

		close(fd[0]);
		if (hs_tls_rand_block(c, sizeof(c)) != 0 ||
		    write(fd[1], c, sizeof(c)) != (ssize_t)sizeof(c))
			_exit(1);
		_exit(0);
	}
	CHECK(pid > 0);
	close(fd[1]);
	CHECK(hs_tls_rand_block(mine, sizeof(mine)) == 0);
	CHECK(read(fd[0], theirs, sizeof(theirs)) == (ssize_t)sizeof(theirs));
	close(fd[0]);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0);
	CHECK(memcmp(mine, theirs, sizeof(mine)) != 0);
}

/* wolfSSL's RNG is ours: no DRBG to instantiate, every block counted. */
static void
test_wolfssl_rng(void)
{
	unsigned char a[48], b[48];
	unsigned long long s0 = hs_tls_rand_served();
	WC_RNG rng;

	CHECK(wc_InitRng(&rng) == 0);
	CHECK(wc_RNG_GenerateBlock(&rng, a, sizeof(a)) == 0);
	CHECK(wc_RNG_GenerateBlock(&rng, b, sizeof(b)) == 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(hs_tls_rand_served() - s0 == sizeof(a) + sizeof(b));
	CHECK(wc_FreeRng(&rng) == 0);
}

int
main(void)
{
	test_fresh_bytes();
	test_buffer();
	test_fork();
	test_wolfssl_rng();
	return hs_check_summary("test_rand");
}
