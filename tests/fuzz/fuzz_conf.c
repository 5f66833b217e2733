/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_conf.c - libFuzzer target for the configuration file reader
 * (--config, dataplane/hs_conf.c): the input is the file's contents, read
 * through hs_conf_read() from a memfd.  Which names and values are valid
 * is decided by the option table in app/hs_opts.c (tests/app/test_opts.c)
 * and is not fuzzed here.
 *
 * Invariants (abort on violation): every record has a name of [a-z0-9-]
 * not starting with '-', a value without leading or trailing blanks and
 * without control characters other than tab, line numbers that grow;
 * failure leaves a one-line reason naming the file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hs_conf.h"

#define FZ_ASSERT(c)                                                          \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, \
				__FILE__, __LINE__);                          \
			abort();                                              \
		}                                                             \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct hs_conf c;
	char err[512];
	unsigned int last = 0;
	int rc;

	if (fd < 0) {
		fd = memfd_create("conf", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 ||
	    (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	err[0] = '\0';
	rc = hs_conf_read(path, &c, err, sizeof(err));
	if (rc < 0) {
		FZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		FZ_ASSERT(strncmp(err, path, strlen(path)) == 0);
		FZ_ASSERT(c.buf == NULL && c.rec == NULL && c.n == 0);
		return 0;
	}
	for (size_t i = 0; i < c.n; i++) {
		const struct hs_conf_rec *r = &c.rec[i];
		size_t l;

		FZ_ASSERT(r->line > last);
		last = r->line;
		FZ_ASSERT(r->name != NULL && r->name[0] != '\0' &&
			  r->name[0] != '-');
		for (const char *q = r->name; *q; q++)
			FZ_ASSERT((*q >= 'a' && *q <= 'z') ||
				  (*q >= '0' && *q <= '9') || *q == '-');
		if (r->value == NULL)
			continue;
		l = strlen(r->value);
		FZ_ASSERT(l > 0);
		FZ_ASSERT(r->value[0] != ' ' && r->value[0] != '\t');
		FZ_ASSERT(r->value[l - 1] != ' ' && r->value[l - 1] != '\t');
		for (size_t j = 0; j < l; j++)
			FZ_ASSERT((unsigned char)r->value[j] >= 0x20 ||
				  r->value[j] == '\t');
		/* the value lies inside the file's copy */
		FZ_ASSERT(r->value >= c.buf && r->value + l <= c.buf + size);
	}
	hs_conf_free(&c);
	return 0;
}
