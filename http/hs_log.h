/* SPDX-License-Identifier: BSD-3-Clause
 * hs_log.h - access log off the hot path.
 *
 * Each polling lcore owns one ring of fixed-size records (single
 * producer: the lcore; single consumer: the writer thread).  The poll
 * loop only copies a few fields and the request-line into a free slot
 * (no formatting, no lock, no system call); when the ring is full the
 * record is dropped and the caller counts it (telemetry log_dropped):
 * the poll loop never waits for the disk.  A writer thread (not a
 * dataplane lcore) wakes every HS_LOG_FLUSH_MS, formats the records as
 * nginx's "combined" format and appends them to the file with write(2).
 *
 *   198.18.0.2 - - [23/Nov/2026:09:32:50 +0000] "GET / HTTP/1.1" 200 29 "-" "curl/7.88.1"
 *
 * Fields: client address, request time (UTC), the request-line as
 * received (", \, control and non-ASCII bytes escaped as \xHH; "-" when
 * no request-line could be parsed, e.g. 414), status, body bytes of the
 * response (0 for HEAD and 304), Referer and User-Agent ("-" if absent).
 *
 * Life cycle (main thread): hs_log_open(path) before the lcores start
 * (fails cleanly on an unwritable file), hs_log_ring_new() per lcore,
 * hs_log_start(), ... hs_log_stop() (drains every ring) before the rings
 * are freed with hs_log_ring_free().  hs_log_reopen() (async-signal-safe:
 * call it from a SIGHUP handler) makes the writer reopen the file by
 * name, for log rotation.
 */
#ifndef HS_LOG_H
#define HS_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HS_LOG_LINE_MAX     192  /* request-line bytes kept */
#define HS_LOG_REF_MAX      96   /* Referer bytes kept */
#define HS_LOG_UA_MAX       160  /* User-Agent bytes kept */
#define HS_LOG_USER_MAX     255  /* TLS client certificate subject */
#define HS_LOG_RING_RECS    4096 /* records per lcore ring (power of 2) */
#define HS_LOG_FLUSH_MS     50
#define HS_LOG_MAX_RINGS    128
#define HS_LOG_DEFAULT_PATH "/var/log/httpsd/access.log"

struct hs_log_rec {
	int64_t time;       /* seconds since the epoch */
	uint64_t bytes;     /* response body bytes */
	uint32_t client_ip; /* network byte order */
	uint16_t status;
	uint8_t line_len, ref_len, ua_len, user_len;
	char line[HS_LOG_LINE_MAX];
	char ref[HS_LOG_REF_MAX];
	char ua[HS_LOG_UA_MAX];
	char user[HS_LOG_USER_MAX]; /* CLF user: verified client DN, or empty */
};

struct hs_log_ring;

/* A ring of nrec records (rounded up to a power of two); NULL on ENOMEM.
 * Registered with the writer, which drains it from then on. */
struct hs_log_ring *hs_log_ring_new(unsigned int nrec);
/* Only after hs_log_stop() (or if the writer never started). */
void hs_log_ring_free(struct hs_log_ring *r);

/* Producer side (the owning lcore only): a free slot or NULL when the
 * ring is full; fill it, then hs_log_commit(). */
struct hs_log_rec *hs_log_reserve(struct hs_log_ring *r);
void hs_log_commit(struct hs_log_ring *r);

/* Consumer side (the writer; exposed for tests): format up to max
 * records into buf as lines; returns bytes written, *nrec records taken. */
size_t hs_log_drain(struct hs_log_ring *r, char *buf, size_t cap,
		    unsigned int *nrec);

/* One record as a combined (or common, when combined is false) log line
 * with its newline.  Writes at most cap bytes including a NUL; returns
 * the line length, 0 if it did not fit. */
size_t hs_log_format(const struct hs_log_rec *rec, bool combined, char *buf,
		     size_t cap);

/* Open (create, append) the log file; 0 or -errno with a one-line reason
 * in err.  If path is HS_LOG_DEFAULT_PATH its directory is created. */
int hs_log_open(const char *path, char *err, size_t errlen);
/* Start the writer thread with create (NULL: pthread_create), e.g. a
 * wrapper of rte_ctrl_thread_create so that it stays off the polling
 * cores; create returns 0 or an errno (either sign).  0 or -errno. */
typedef int (*hs_log_thread_create_fn)(pthread_t *t, const char *name,
				       void *(*fn)(void *), void *arg);
int hs_log_start(hs_log_thread_create_fn create);
/* Reopen the file by name at the writer's next wake (log rotation). */
void hs_log_reopen(void);
/* Stop the writer after a final drain of every ring; close the file. */
void hs_log_stop(void);
/* Lines written to the file so far (the unit tests; httpsd does not
 * call it). */
uint64_t hs_log_written(void);

#endif
