/* SPDX-License-Identifier: BSD-3-Clause
 * hs_check.h - check macros for the unit tests (tests/support).
 *
 * A failed check prints its file, line and expression and the test goes
 * on; hs_check_summary() prints the count and gives main's exit status.
 * The counters live in hs_check.c (one per test program).
 */
#ifndef HS_CHECK_H
#define HS_CHECK_H

#include <stdio.h>

extern int hs_check_count;  /* checks run */
extern int hs_check_failed; /* of them failed */

#define CHECK(expr)                                                            \
	do {                                                                   \
		hs_check_count++;                                              \
		if (!(expr)) {                                                 \
			hs_check_failed++;                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #expr);                              \
		}                                                              \
	} while (0)

/* Same, reporting the line of the caller's table entry. */
#define CHECK_AT(line, expr)                                                   \
	do {                                                                   \
		hs_check_count++;                                              \
		if (!(expr)) {                                                 \
			hs_check_failed++;                                     \
			fprintf(stderr,                                        \
				"%s:%d (case at line %d): CHECK failed: %s\n", \
				__FILE__, __LINE__, (int)(line), #expr);       \
		}                                                              \
	} while (0)

/* Two integers equal; both values are printed when they are not. */
#define CHECK_EQ(a, b)                                                   \
	do {                                                             \
		long long hs_check_a_ = (long long)(a),                  \
			  hs_check_b_ = (long long)(b);                  \
		hs_check_count++;                                        \
		if (hs_check_a_ != hs_check_b_) {                        \
			hs_check_failed++;                               \
			fprintf(stderr,                                  \
				"%s:%d: CHECK_EQ failed: %s == %s "      \
				"(%lld != %lld)\n",                      \
				__FILE__, __LINE__, #a, #b, hs_check_a_, \
				hs_check_b_);                            \
		}                                                        \
	} while (0)

/* "NAME: N checks, N failed: PASS|FAIL" on stdout; 0 if none failed,
 * else 1 (main's exit status). */
int hs_check_summary(const char *name);

#endif
