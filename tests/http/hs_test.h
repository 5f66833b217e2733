/* SPDX-License-Identifier: BSD-3-Clause
 * hs_test.h - minimal check macros for the http unit tests.
 */
#ifndef HS_TEST_H
#define HS_TEST_H

#include <stdio.h>

static int hs_test_failed;
static int hs_test_checks;

#define CHECK(expr) do { \
	hs_test_checks++; \
	if (!(expr)) { \
		hs_test_failed++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", \
			__FILE__, __LINE__, #expr); \
	} \
} while (0)

/* Same, reporting the line of the caller's table entry. */
#define CHECK_AT(line, expr) do { \
	hs_test_checks++; \
	if (!(expr)) { \
		hs_test_failed++; \
		fprintf(stderr, "%s:%d (case at line %d): CHECK failed: %s\n", \
			__FILE__, __LINE__, (line), #expr); \
	} \
} while (0)

static inline int hs_test_summary(const char *name)
{
	printf("%s: %d checks, %d failed: %s\n", name, hs_test_checks,
	       hs_test_failed, hs_test_failed ? "FAIL" : "PASS");
	return hs_test_failed ? 1 : 0;
}

#endif
