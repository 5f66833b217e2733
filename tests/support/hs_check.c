/* SPDX-License-Identifier: BSD-3-Clause
 * hs_check.c - the check counters and summary (hs_check.h).
 */
#include "hs_check.h"

int hs_check_count;
int hs_check_failed;

int
hs_check_summary(const char *name)
{
	printf("%s: %d checks, %d failed: %s\n", name, hs_check_count,
	       hs_check_failed, hs_check_failed ? "FAIL" : "PASS");
	return hs_check_failed ? 1 : 0;
}
