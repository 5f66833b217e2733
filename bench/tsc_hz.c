/* SPDX-License-Identifier: BSD-3-Clause
 * tsc_hz.c - print the TSC frequency in Hz, measured against
 * CLOCK_MONOTONIC_RAW over about 200 ms (best of three).
 *
 * scripts/bench converts httpsd's loop_busy_cycles (TSC cycles, see
 * dataplane/hs_lcore.c) to seconds with it; DPDK's rte_get_tsc_hz() does
 * the same kind of calibration when the kernel does not export it.
 * Build: cc -O2 -o tsc_hz bench/tsc_hz.c
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double
measure(double secs)
{
	double t0 = now_s(), t1;
	uint64_t c0 = __rdtsc(), c1;
	struct timespec req = { 0, (long)(secs * 1e9) };

	nanosleep(&req, NULL);
	t1 = now_s();
	c1 = __rdtsc();
	return (double)(c1 - c0) / (t1 - t0);
}

int
main(void)
{
	double best = 0, hz;

	/* Three samples, keep the median-ish middle: the lowest and highest
	 * suffer from preemption between the two reads. */
	double s[3];

	for (int i = 0; i < 3; i++)
		s[i] = measure(0.2);
	for (int i = 0; i < 3; i++) {
		int lo = 0, hi = 0;

		for (int j = 0; j < 3; j++) {
			lo += s[j] < s[i];
			hi += s[j] > s[i];
		}
		if (lo <= 1 && hi <= 1)
			best = s[i];
	}
	hz = best;
	printf("%.0f\n", hz);
	return hz > 0 ? 0 : 1;
}
