/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_tkeys.c - libFuzzer target for the session ticket key file reader
 * (--ticket-keys, hs_tls_ticket.c hs_tls_tkeys_load): the input is the file's
 * contents, read through the real loader from a memfd.  hs_tls_ticket.c is
 * included to reach the static loader; nothing else of it runs.
 *
 * Invariants (abort on violation): success means 1..HS_TLS_MAX_TICKET_KEYS
 * keys, each from a line of exactly 64 hex digits, in file order (the
 * same line loaded alone gives the same key); failure leaves a one-line
 * reason naming the file.
 */
#include "../../tls/hs_tls_ticket.c"

#include <sys/mman.h>

#define FZ_ASSERT(c)                                                          \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, \
				__FILE__, __LINE__);                          \
			abort();                                              \
		}                                                             \
	} while (0)

static int fz_fd = -1;
static char fz_path[64];

static int
fz_load(struct hs_tls_tkeys *k, const uint8_t *d, size_t n, char *err,
	size_t errlen)
{
	if (ftruncate(fz_fd, 0) != 0 ||
	    (n > 0 && pwrite(fz_fd, d, n, 0) != (ssize_t)n))
		abort();
	memset(k, 0, sizeof(*k));
	return hs_tls_tkeys_load(k, fz_path, err, errlen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_tls_tkeys *k = calloc(1, sizeof(*k));
	char err[512];
	int rc;

	if (k == NULL)
		abort();
	if (fz_fd < 0) {
		fz_fd = memfd_create("tkeys", 0);
		if (fz_fd < 0)
			abort();
		snprintf(fz_path, sizeof(fz_path), "/proc/self/fd/%d", fz_fd);
	}
	if (size > 1 << 16)
		size = 1 << 16;
	err[0] = '\0';
	rc = fz_load(k, data, size, err, sizeof(err));
	FZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -EIO);
	if (rc == 0) {
		FZ_ASSERT(k->n >= 1 && k->n <= HS_TLS_MAX_TICKET_KEYS);
	} else {
		FZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		FZ_ASSERT(strstr(err, fz_path) != NULL);
		FZ_ASSERT(strchr(err, '\n') == NULL);
	}
	/* the first key is the one its line gives alone */
	if (rc == 0) {
		struct hs_tls_tkeys one;
		const uint8_t *p = data;
		size_t left = size;

		for (;;) {
			const uint8_t *eol = memchr(p, '\n', left);
			size_t l = eol ? (size_t)(eol - p) : left;
			size_t a = 0;

			while (a < l && (p[a] == ' ' || p[a] == '\t'))
				a++;
			if (a < l && p[a] != '#' && p[a] != '\r' &&
			    !(p[a] == ' ' || p[a] == '\t')) {
				FZ_ASSERT(fz_load(&one, p, l, err,
						  sizeof(err)) == 0);
				FZ_ASSERT(one.n == 1);
				FZ_ASSERT(memcmp(&one.keys[0], &k->keys[0],
						 sizeof(one.keys[0])) == 0);
				break;
			}
			FZ_ASSERT(eol != NULL);
			left -= l + 1;
			p = eol + 1;
		}
	}
	hs_tls_tkeys_free(k);
	return 0;
}
