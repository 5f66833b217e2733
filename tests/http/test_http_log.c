/* SPDX-License-Identifier: BSD-3-Clause
 * test_http_log.c - the access log: combined/common formatting, the
 * per-lcore ring (full -> NULL, FIFO across wrap-around), the writer
 * thread appending to a file, reopen after rotation, open errors, and
 * the engine's records (request-line, Referer, User-Agent).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hs_http.h"
#include "hs_log.h"
#include "hs_check.h"

#define T0 784111777 /* Sun, 06 Nov 1994 08:49:37 GMT */

static void
rec_set(struct hs_log_rec *r, const char *line, const char *ref, const char *ua,
	int status, uint64_t bytes)
{
	const uint8_t ip[4] = { 198, 18, 0, 2 };

	memset(r, 0, sizeof(*r));
	r->time = T0;
	memcpy(&r->client_ip, ip, 4);
	r->status = (uint16_t)status;
	r->bytes = bytes;
	r->line_len = (uint8_t)strlen(line);
	memcpy(r->line, line, r->line_len);
	r->ref_len = (uint8_t)strlen(ref);
	memcpy(r->ref, ref, r->ref_len);
	r->ua_len = (uint8_t)strlen(ua);
	memcpy(r->ua, ua, r->ua_len);
}

static void
test_format(void)
{
	struct hs_log_rec r;
	char b[1024];

	rec_set(&r, "GET /a?b=1 HTTP/1.1", "https://x/", "curl/7.88.1", 200,
		29);
	CHECK(hs_log_format(&r, true, b, sizeof(b)) == strlen(b));
	CHECK(strcmp(b, "198.18.0.2 - - [06/Nov/1994:08:49:37 +0000] "
			"\"GET /a?b=1 HTTP/1.1\" 200 29 \"https://x/\" "
			"\"curl/7.88.1\"\n") == 0);
	CHECK(hs_log_format(&r, false, b, sizeof(b)) > 0);
	CHECK(strcmp(b, "198.18.0.2 - - [06/Nov/1994:08:49:37 +0000] "
			"\"GET /a?b=1 HTTP/1.1\" 200 29\n") == 0);
	/* no request-line, no Referer/User-Agent: "-"; escaping */
	rec_set(&r, "", "", "a\"b\\c\x01\xff", 414, 0);
	hs_log_format(&r, true, b, sizeof(b));
	CHECK(strstr(b, "] \"-\" 414 0 \"-\" \"a\\x22b\\x5cc\\x01\\xff\"\n") !=
	      NULL);
	/* too small: nothing */
	CHECK(hs_log_format(&r, true, b, 30) == 0 && b[0] == '\0');
}

static void
test_ring(void)
{
	struct hs_log_ring *r = hs_log_ring_new(5); /* -> 8 records */
	static char buf[1 << 16];
	unsigned int n, k = 0;
	size_t len;

	CHECK(r != NULL);
	if (!r)
		return;
	/* 20 rounds of fill-to-full then drain: FIFO across wrap-around */
	for (int round = 0; round < 20; round++) {
		unsigned int made = 0;
		struct hs_log_rec *rec;

		while ((rec = hs_log_reserve(r)) != NULL) {
			char line[32];

			snprintf(line, sizeof(line), "GET /%u HTTP/1.1",
				 k + made);
			rec_set(rec, line, "", "", 200, k + made);
			hs_log_commit(r);
			made++;
			CHECK(made <= 8);
			if (made > 8)
				break;
		}
		CHECK(made == 8);
		len = hs_log_drain(r, buf, sizeof(buf), &n);
		CHECK(n == 8 && len > 0);
		for (unsigned int i = 0; i < 8; i++) {
			char want[64];

			snprintf(want, sizeof(want),
				 "\"GET /%u HTTP/1.1\" 200 %u ", k + i, k + i);
			CHECK(strstr(buf, want) != NULL);
		}
		k += made;
	}
	/* a drain into a small buffer takes whole lines only */
	for (int i = 0; i < 3; i++) {
		rec_set(hs_log_reserve(r), "GET / HTTP/1.1", "", "", 200, 1);
		hs_log_commit(r);
	}
	len = hs_log_drain(r, buf, 100, &n);
	CHECK(n == 1 && len < 100 && buf[len - 1] == '\n');
	len = hs_log_drain(r, buf, sizeof(buf), &n);
	CHECK(n == 2);
	len = hs_log_drain(r, buf, sizeof(buf), &n);
	CHECK(n == 0 && len == 0);
	hs_log_ring_free(r);
}

static int
count_lines(const char *path, const char *needle)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (needle == NULL || strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

/* Bounded wait (5 s) for the writer to have written want lines. */
static bool
wait_written(uint64_t want)
{
	const struct timespec ms10 = { 0, 10 * 1000000L };

	for (int i = 0; i < 500; i++) {
		if (hs_log_written() >= want)
			return true;
		nanosleep(&ms10, NULL);
	}
	return false;
}

static void
test_writer(const char *dir)
{
	char path[600], rotated[600], err[256];
	struct hs_log_ring *r;
	uint64_t base = hs_log_written();

	snprintf(path, sizeof(path), "%s/access.log", dir);
	snprintf(rotated, sizeof(rotated), "%s/access.log.1", dir);
	/* an unwritable place: one-line reason naming the file */
	CHECK(hs_log_open("/nonexistent-dir/x.log", err, sizeof(err)) ==
	      -ENOENT);
	CHECK(strstr(err, "/nonexistent-dir/x.log") &&
	      strchr(err, '\n') == NULL);

	CHECK(hs_log_open(path, err, sizeof(err)) == 0);
	r = hs_log_ring_new(64);
	CHECK(r != NULL && hs_log_start(NULL) == 0);
	if (!r)
		return;
	for (int i = 0; i < 50; i++) {
		struct hs_log_rec *rec = hs_log_reserve(r);

		CHECK(rec != NULL);
		if (!rec)
			break;
		rec_set(rec, "GET /before HTTP/1.1", "", "ua", 200,
			(uint64_t)i);
		hs_log_commit(r);
	}
	CHECK(wait_written(base + 50));
	CHECK(count_lines(path, "\"GET /before HTTP/1.1\" 200 ") == 50);
	/* rotation: rename, reopen, the new lines go to a new file */
	CHECK(rename(path, rotated) == 0);
	hs_log_reopen();
	{
		const struct timespec ms200 = { 0, 200 * 1000000L };

		nanosleep(&ms200, NULL); /* the writer's next wake */
	}
	for (int i = 0; i < 10; i++) {
		rec_set(hs_log_reserve(r), "GET /after HTTP/1.1", "", "", 404,
			0);
		hs_log_commit(r);
	}
	CHECK(wait_written(base + 60));
	CHECK(count_lines(path, "\"GET /after HTTP/1.1\" 404 0 ") == 10);
	CHECK(count_lines(path, NULL) == 10);
	CHECK(count_lines(rotated, NULL) == 50);
	/* concurrent: 20000 records pushed while the writer drains; each
	 * is either written or counted as dropped (ring full), never lost
	 * silently or written twice */
	{
		uint64_t before = hs_log_written(), dropped = 0;
		const struct timespec us50 = { 0, 50000 };

		for (int i = 0; i < 20000; i++) {
			struct hs_log_rec *rec = hs_log_reserve(r);

			if (rec == NULL) {
				dropped++;
				if (i % 64 == 0)
					nanosleep(&us50, NULL);
				continue;
			}
			rec_set(rec, "GET /stress HTTP/1.1", "", "", 200, 0);
			hs_log_commit(r);
		}
		CHECK(wait_written(before + 20000 - dropped));
		CHECK(hs_log_written() == before + 20000 - dropped);
		CHECK(count_lines(path, "/stress") == (int)(20000 - dropped));
		printf("stress: %llu of 20000 dropped (ring of 64)\n",
		       (unsigned long long)dropped);
	}
	/* stop drains what is left */
	for (int i = 0; i < 5; i++) {
		rec_set(hs_log_reserve(r), "GET /last HTTP/1.1", "", "", 200,
			0);
		hs_log_commit(r);
	}
	hs_log_stop();
	CHECK(count_lines(path, "/last") == 5);
	CHECK(count_lines(path, NULL) ==
	      15 + (int)(hs_log_written() - base - 65));
	hs_log_ring_free(r);
	unlink(path);
	unlink(rotated);
}

/* The engine's record: request-line, Referer, User-Agent, status, bytes. */
static void
test_engine_record(const char *dir)
{
	static struct hs_http_conn c;
	struct hs_http_server srv = { .tls = false };
	struct hs_file_cache *files;
	struct hs_log_rec rec;
	char err[256], b[1024];
	const char req[] =
		"GET /nope HTTP/1.1\r\nHost: a\r\nUser-Agent: t/1\r\n"
		"Referer: https://r/\r\n\r\n";
	const uint8_t ip[4] = { 10, 1, 2, 3 };
	uint32_t ip_be;
	size_t space;
	char *p;

	memcpy(&ip_be, ip, 4);
	CHECK(hs_files_load(&files, dir, 1 << 20, 1 << 20, err, sizeof(err)) ==
	      0);
	hs_http_server_defaults(&srv);
	srv.plain_redirect = false;
	srv.files = files;
	srv.access_log = true;
	hs_http_conn_init(&c, &srv);
	p = hs_http_conn_inbuf(&c, &space);
	memcpy(p, req, sizeof(req) - 1);
	hs_http_conn_commit(&c, sizeof(req) - 1);
	CHECK(hs_http_conn_process(&c) == 404);
	hs_http_log_record(&c, ip_be, T0, &rec);
	hs_log_format(&rec, true, b, sizeof(b));
	CHECK(strncmp(b,
		      "10.1.2.3 - - [06/Nov/1994:08:49:37 +0000] "
		      "\"GET /nope HTTP/1.1\" 404 ",
		      66) == 0);
	CHECK(strstr(b, " \"https://r/\" \"t/1\"\n") != NULL);
	/* with the log off, Referer and User-Agent are not even copied */
	srv.access_log = false;
	hs_http_conn_init(&c, &srv);
	p = hs_http_conn_inbuf(&c, &space);
	memcpy(p, req, sizeof(req) - 1);
	hs_http_conn_commit(&c, sizeof(req) - 1);
	CHECK(hs_http_conn_process(&c) == 404);
	hs_http_log_record(&c, ip_be, T0, &rec);
	CHECK(rec.ref_len == 0 && rec.ua_len == 0 && rec.line_len > 0);
	hs_files_free(files);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[512], cmd[600];

	snprintf(dir, sizeof(dir), "%s/hs_log_XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_format();
	test_ring();
	test_writer(dir);
	test_engine_record(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
	return hs_check_summary("test_http_log");
}
