/* SPDX-License-Identifier: BSD-3-Clause
 * hs_common.h - small helpers shared by every httpsd module.
 *
 * Error style: functions return 0 or a positive count on success and a
 * negative errno-like code (-EINVAL, -ENOMEM, -EAGAIN, ...) on failure.
 * HS_GUARD() propagates such an error to the caller.
 */
#ifndef HS_COMMON_H
#define HS_COMMON_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define HS_LIKELY(x)   __builtin_expect(!!(x), 1)
#define HS_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Evaluate an expression returning int; return it from the caller if < 0. */
#define HS_GUARD(expr)                        \
	do {                                  \
		int hs_rc__ = (expr);         \
		if (HS_UNLIKELY(hs_rc__ < 0)) \
			return hs_rc__;       \
	} while (0)
/* Same, for expressions that yield a pointer: NULL becomes -ENOMEM. */
#define HS_GUARD_PTR(expr)                       \
	do {                                     \
		if (HS_UNLIKELY((expr) == NULL)) \
			return -ENOMEM;          \
	} while (0)

#define HS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define HS_MIN(a, b)     ((a) < (b) ? (a) : (b))
#define HS_MAX(a, b)     ((a) > (b) ? (a) : (b))

/* Exit code for bad command-line or configuration input. */
#define HS_EXIT_USAGE 2

/* Value of one hexadecimal digit, or -1. */
static inline int
hs_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
