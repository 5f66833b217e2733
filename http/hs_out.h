/* SPDX-License-Identifier: BSD-3-Clause
 * hs_out.h - bounded appender into a caller's buffer, for response heads
 * (hs_http.c) and access-log lines (hs_log.c).  An append that does not
 * fit sets 'over' and every later one is ignored: the caller checks
 * 'over' once at the end.
 */
#ifndef HS_OUT_H
#define HS_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct hs_out {
	char *p;
	size_t len, cap;
	bool over;
};

static inline void
hs_put(struct hs_out *o, const char *s, size_t n)
{
	if (o->over || n > o->cap - o->len) {
		o->over = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

#define HS_PUTS(o, lit) hs_put((o), (lit), sizeof(lit) - 1)

static inline void
hs_put_str(struct hs_out *o, const char *s)
{
	hs_put(o, s, strlen(s));
}

/* v in decimal. */
static inline void
hs_put_u64(struct hs_out *o, uint64_t v)
{
	char b[20];
	int i = sizeof(b);

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	hs_put(o, b + i, sizeof(b) - (size_t)i);
}

#endif
