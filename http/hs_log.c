/* SPDX-License-Identifier: BSD-3-Clause
 * hs_log.c - access log: per-lcore SPSC rings, a writer thread, combined
 * log format (see hs_log.h).
 *
 * The ring is the classic single-producer single-consumer array: head is
 * written only by the producer (release after the record is filled),
 * tail only by the consumer (release after the record is formatted);
 * each side caches the other's index to touch the shared line rarely.
 * The registry of rings and the file descriptor belong to the writer
 * and are guarded by a mutex the poll loop never takes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_log.h"
#include "hs_out.h"

#define HS_LOG_CACHE_LINE 64
#define HS_LOG_WBUF       (64 * 1024)

struct hs_log_ring {
	/* producer */
	_Alignas(HS_LOG_CACHE_LINE) _Atomic uint32_t head;
	uint32_t tail_cache;
	/* consumer */
	_Alignas(HS_LOG_CACHE_LINE) _Atomic uint32_t tail;
	/* read-only */
	_Alignas(HS_LOG_CACHE_LINE) uint32_t mask;
	struct hs_log_rec *recs;
};

static struct {
	pthread_mutex_t lock; /* registry, fd, path */
	struct hs_log_ring *rings[HS_LOG_MAX_RINGS];
	unsigned int nrings;
	int fd;
	char path[4096];
	pthread_t thread;
	bool running;
	_Atomic bool stop;
	_Atomic bool reopen;
	_Atomic uint64_t written;
	char wbuf[HS_LOG_WBUF];
} hs_log = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

/* ---- ring ------------------------------------------------------------ */

struct hs_log_ring *
hs_log_ring_new(unsigned int nrec)
{
	struct hs_log_ring *r;
	uint32_t n = 1;

	while (n < nrec && n < (1u << 24))
		n <<= 1;
	r = aligned_alloc(HS_LOG_CACHE_LINE, sizeof(*r));
	if (r == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->mask = n - 1;
	r->recs = calloc(n, sizeof(*r->recs));
	if (r->recs == NULL) {
		free(r);
		return NULL;
	}
	pthread_mutex_lock(&hs_log.lock);
	if (hs_log.nrings == HS_LOG_MAX_RINGS) {
		pthread_mutex_unlock(&hs_log.lock);
		free(r->recs);
		free(r);
		return NULL;
	}
	hs_log.rings[hs_log.nrings++] = r;
	pthread_mutex_unlock(&hs_log.lock);
	return r;
}

void
hs_log_ring_free(struct hs_log_ring *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&hs_log.lock);
	for (unsigned int i = 0; i < hs_log.nrings; i++) {
		if (hs_log.rings[i] == r) {
			hs_log.rings[i] = hs_log.rings[--hs_log.nrings];
			break;
		}
	}
	pthread_mutex_unlock(&hs_log.lock);
	free(r->recs);
	free(r);
}

struct hs_log_rec *
hs_log_reserve(struct hs_log_ring *r)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	if (head - r->tail_cache > r->mask) {
		r->tail_cache =
			atomic_load_explicit(&r->tail, memory_order_acquire);
		if (head - r->tail_cache > r->mask)
			return NULL;
	}
	return &r->recs[head & r->mask];
}

void
hs_log_commit(struct hs_log_ring *r)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

/* ---- formatting ------------------------------------------------------- */

/* A quoted field: ", \, control and non-ASCII bytes as \xHH; "-" when
 * empty. */
static void
lput_quoted(struct hs_out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	hs_put(o, "\"", 1);
	if (n == 0)
		hs_put(o, "-", 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = (uint8_t)s[i];

		if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
			char e[4] = { '\\', 'x', hex[ch >> 4], hex[ch & 15] };

			hs_put(o, e, 4);
		} else {
			hs_put(o, (const char *)&ch, 1);
		}
	}
	hs_put(o, "\"", 1);
}

/* The CLF user field (a TLS client certificate subject): unquoted, so
 * spaces too are escaped as \xHH; "-" when empty. */
static void
lput_user(struct hs_out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	if (n == 0)
		hs_put(o, "-", 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = (uint8_t)s[i];

		if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
			char e[4] = { '\\', 'x', hex[ch >> 4], hex[ch & 15] };

			hs_put(o, e, 4);
		} else {
			hs_put(o, (const char *)&ch, 1);
		}
	}
}

size_t
hs_log_format(const struct hs_log_rec *rec, bool combined, char *buf,
	      size_t cap)
{
	static const char mons[12][4] = { "Jan", "Feb", "Mar", "Apr",
					  "May", "Jun", "Jul", "Aug",
					  "Sep", "Oct", "Nov", "Dec" };
	/* the date part, formatted once per second per thread */
	static __thread int64_t d_sec = INT64_MIN;
	static __thread char d[64];
	static __thread int d_len;
	struct hs_out o = { buf, 0, cap ? cap - 1 : 0, false };
	const uint8_t *ip = (const uint8_t *)&rec->client_ip;
	time_t t = (time_t)rec->time;
	struct tm tm;

	if (cap == 0)
		return 0;
	for (int i = 0; i < 4; i++) {
		hs_put_u64(&o, ip[i]);
		if (i < 3)
			hs_put(&o, ".", 1);
	}
	if (rec->time != d_sec) {
		if (gmtime_r(&t, &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
		d_len = snprintf(
			d, sizeof(d), " [%02d/%s/%04d:%02d:%02d:%02d +0000] ",
			tm.tm_mday, mons[tm.tm_mon % 12], tm.tm_year + 1900,
			tm.tm_hour, tm.tm_min, tm.tm_sec);
		d_sec = rec->time;
	}
	hs_put(&o, " - ", 3);
	lput_user(&o, rec->user, rec->user_len);
	hs_put(&o, d, (size_t)d_len);
	lput_quoted(&o, rec->line, rec->line_len);
	hs_put(&o, " ", 1);
	hs_put_u64(&o, rec->status);
	hs_put(&o, " ", 1);
	hs_put_u64(&o, rec->bytes);
	if (combined) {
		hs_put(&o, " ", 1);
		lput_quoted(&o, rec->ref, rec->ref_len);
		hs_put(&o, " ", 1);
		lput_quoted(&o, rec->ua, rec->ua_len);
	}
	hs_put(&o, "\n", 1);
	if (o.over) {
		buf[0] = '\0';
		return 0;
	}
	buf[o.len] = '\0';
	return o.len;
}

size_t
hs_log_drain(struct hs_log_ring *r, char *buf, size_t cap, unsigned int *nrec)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t len = 0;

	*nrec = 0;
	while (tail != head) {
		size_t n = hs_log_format(&r->recs[tail & r->mask], true,
					 buf + len, cap - len);

		if (n == 0)
			break; /* buf full: the rest next time */
		len += n;
		tail++;
		(*nrec)++;
	}
	atomic_store_explicit(&r->tail, tail, memory_order_release);
	return len;
}

/* ---- the file and the writer ----------------------------------------- */

int
hs_log_open(const char *path, char *err, size_t errlen)
{
	int fd;

	if (strlen(path) >= sizeof(hs_log.path)) {
		snprintf(err, errlen, "--access-log: path too long");
		return -ENAMETOOLONG;
	}
	if (strcmp(path, HS_LOG_DEFAULT_PATH) == 0)
		(void)mkdir("/var/log/httpsd", 0755);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen,
			 "--access-log: cannot open %s: %s (use --access-log "
			 "off to disable)",
			 path, strerror(e));
		return -e;
	}
	pthread_mutex_lock(&hs_log.lock);
	if (hs_log.fd >= 0)
		close(hs_log.fd);
	hs_log.fd = fd;
	strcpy(hs_log.path, path);
	pthread_mutex_unlock(&hs_log.lock);
	return 0;
}

static void
hs_log_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* disk full, ...: the lines are lost */
		p += w;
		n -= (size_t)w;
	}
}

/* Drain every ring into the file; caller holds the lock. */
static void
hs_log_flush_locked(void)
{
	for (unsigned int i = 0; i < hs_log.nrings; i++) {
		for (;;) {
			unsigned int nrec;
			size_t n = hs_log_drain(hs_log.rings[i], hs_log.wbuf,
						sizeof(hs_log.wbuf), &nrec);

			if (nrec == 0)
				break;
			if (hs_log.fd >= 0)
				hs_log_write_all(hs_log.fd, hs_log.wbuf, n);
			atomic_fetch_add(&hs_log.written, nrec);
		}
	}
}

static void
hs_log_reopen_locked(void)
{
	int fd = open(hs_log.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		      0644);

	if (fd < 0) {
		fprintf(stderr,
			"httpsd: access log: cannot reopen %s: %s (still "
			"writing to the old file)\n",
			hs_log.path, strerror(errno));
		return;
	}
	close(hs_log.fd);
	hs_log.fd = fd;
}

static void *
hs_log_thread(void *arg)
{
	const struct timespec nap = { 0, HS_LOG_FLUSH_MS * 1000000L };

	(void)arg;
	while (!atomic_load(&hs_log.stop)) {
		nanosleep(&nap, NULL);
		pthread_mutex_lock(&hs_log.lock);
		hs_log_flush_locked();
		if (atomic_exchange(&hs_log.reopen, false) && hs_log.fd >= 0)
			hs_log_reopen_locked();
		pthread_mutex_unlock(&hs_log.lock);
	}
	return NULL;
}

int
hs_log_start(hs_log_thread_create_fn create)
{
	int rc;

	if (hs_log.running)
		return 0;
	atomic_store(&hs_log.stop, false);
	if (create != NULL) {
		rc = create(&hs_log.thread, "hs-accesslog", hs_log_thread,
			    NULL);
	} else {
		rc = pthread_create(&hs_log.thread, NULL, hs_log_thread, NULL);
		if (rc == 0)
			pthread_setname_np(hs_log.thread, "hs-accesslog");
	}
	if (rc != 0)
		return rc < 0 ? rc : -rc;
	hs_log.running = true;
	return 0;
}

void
hs_log_reopen(void)
{
	atomic_store(&hs_log.reopen, true);
}

void
hs_log_stop(void)
{
	if (hs_log.running) {
		atomic_store(&hs_log.stop, true);
		pthread_join(hs_log.thread, NULL);
		hs_log.running = false;
	}
	pthread_mutex_lock(&hs_log.lock);
	hs_log_flush_locked();
	if (hs_log.fd >= 0)
		close(hs_log.fd);
	hs_log.fd = -1;
	pthread_mutex_unlock(&hs_log.lock);
}

uint64_t
hs_log_written(void)
{
	return atomic_load(&hs_log.written);
}
