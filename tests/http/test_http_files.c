/* SPDX-License-Identifier: BSD-3-Clause
 * test_http_files.c - the static file cache: loading a real tree (with
 * symlinks inside and escaping the root), lookups, MIME types, ETag and
 * Last-Modified, path normalisation including traversal payloads.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_http_files.h"
#include "hs_check.h"

/* RFC 9110 §5.6.7's example date. */
#define RFC_TIME 784111777
#define RFC_DATE "Sun, 06 Nov 1994 08:49:37 GMT"

static char base[PATH_MAX];

static void
mkfile(const char *rel, const char *content, time_t mtime)
{
	char p[PATH_MAX + 64];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(content, f);
	fclose(f);
	if (mtime) {
		struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };

		CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0);
	}
}

static void
mkdir_rel(const char *rel)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	CHECK(mkdir(p, 0755) == 0);
}

static void
symlink_rel(const char *target, const char *rel)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	CHECK(symlink(target, p) == 0);
}

static const struct hs_file *
get(const struct hs_file_cache *fc, const char *path)
{
	return hs_files_lookup(fc, path, strlen(path));
}

static bool
has_data(const struct hs_file *f, const char *s)
{
	return f && !f->is_dir && f->size == strlen(s) &&
	       memcmp(f->data, s, f->size) == 0;
}

static void
build_tree(void)
{
	char big[5000];

	mkdir_rel("root");
	mkdir_rel("outside");
	mkfile("outside/secret.txt", "secret\n", 0);
	mkfile("root/index.html", "<h1>home</h1>\n", RFC_TIME);
	mkfile("root/style.css", "body{}\n", 0);
	mkfile("root/app.js", "1;\n", 0);
	mkfile("root/data.json", "{}\n", 0);
	mkfile("root/logo.svg", "<svg/>\n", 0);
	mkfile("root/PIC.PNG", "png", 0);
	mkfile("root/noext", "x", 0);
	mkfile("root/empty.txt", "", 0);
	mkfile("root/.htpasswd", "admin:x\n", 0);
	mkdir_rel("root/.git");
	mkfile("root/.git/config", "[core]\n", 0);
	mkdir_rel("root/.well-known");
	mkfile("root/.well-known/acme.txt", "token\n", 0);
	mkdir_rel("root/sub");
	mkfile("root/sub/index.html", "<h1>sub</h1>\n", 0);
	mkdir_rel("root/sub/deep");
	mkfile("root/sub/deep/x.txt", "deep\n", 0);
	mkdir_rel("root/empty");
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mkfile("root/big.bin", big, 0);
	/* inside: fine */
	symlink_rel("sub/deep/x.txt", "root/link_in");
	symlink_rel("sub", "root/link_dir");
	/* escaping: skipped */
	symlink_rel("../outside/secret.txt", "root/link_out");
	symlink_rel("../outside", "root/link_out_dir");
	symlink_rel("/etc/passwd", "root/passwd");
	symlink_rel("nowhere", "root/dangling");
	/* inside, but onto hidden files: skipped like the files themselves */
	symlink_rel(".git/config", "root/git_cfg");
	symlink_rel(".git", "root/git_dir");
	symlink_rel("../.htpasswd", "root/sub/pw");
	symlink_rel("../.git/config", "root/.well-known/cfg");
	/* onto .well-known: allowed, as the directory itself */
	symlink_rel(".well-known/acme.txt", "root/acme_link");
	/* a loop back to the root: cut */
	symlink_rel(".", "root/sub/loop");
}

static void
test_load(void)
{
	char root[PATH_MAX + 8], err[256];
	struct hs_file_cache *fc = NULL;
	const struct hs_file *f, *d;
	char etag[40];
	int rc;

	snprintf(root, sizeof(root), "%s/root", base);
	rc = hs_files_load(&fc, root, 4096, 1 << 20, err, sizeof(err));
	CHECK(rc == 0);
	if (rc) {
		fprintf(stderr, "load: %s\n", err);
		return;
	}

	f = get(fc, "/index.html");
	CHECK(has_data(f, "<h1>home</h1>\n"));
	CHECK(f && strcmp(f->ctype, "text/html; charset=utf-8") == 0);
	/* ETag = "<hex size>-<hex mtime>", Last-Modified IMF-fixdate */
	snprintf(etag, sizeof(etag), "\"%x-%x\"", 14, RFC_TIME);
	CHECK(f && strcmp(f->etag, etag) == 0);
	CHECK(f && strcmp(f->etag, "\"e-2ebc98a1\"") == 0);
	CHECK(f && strcmp(f->last_modified, RFC_DATE) == 0);
	CHECK(f && f->mtime == RFC_TIME);

	d = get(fc, "/");
	CHECK(d && d->is_dir && d->index == f);
	d = get(fc, "/sub");
	CHECK(d && d->is_dir && d->index == get(fc, "/sub/index.html"));
	CHECK(has_data(get(fc, "/sub/index.html"), "<h1>sub</h1>\n"));
	d = get(fc, "/empty");
	CHECK(d && d->is_dir && d->index == NULL);
	CHECK(get(fc, "/sub/") == NULL); /* lookups take no slash */
	CHECK(get(fc, "/index.htm") == NULL);
	CHECK(get(fc, "index.html") == NULL);

	CHECK(has_data(get(fc, "/sub/deep/x.txt"), "deep\n"));
	CHECK(has_data(get(fc, "/empty.txt"), ""));
	CHECK(has_data(get(fc, "/link_in"), "deep\n"));
	CHECK(has_data(get(fc, "/link_dir/index.html"), "<h1>sub</h1>\n"));
	CHECK(get(fc, "/link_dir") && get(fc, "/link_dir")->is_dir);

	/* escaping symlinks, dangling ones, loops, hidden, too big: absent */
	CHECK(get(fc, "/link_out") == NULL);
	CHECK(get(fc, "/link_out_dir") == NULL);
	CHECK(get(fc, "/link_out_dir/secret.txt") == NULL);
	CHECK(get(fc, "/passwd") == NULL);
	CHECK(get(fc, "/dangling") == NULL);
	CHECK(get(fc, "/sub/loop") == NULL);
	CHECK(get(fc, "/sub/loop/index.html") == NULL);
	CHECK(get(fc, "/.htpasswd") == NULL);
	CHECK(get(fc, "/.git/config") == NULL);
	CHECK(has_data(get(fc, "/.well-known/acme.txt"), "token\n"));
	CHECK(get(fc, "/big.bin") == NULL); /* over max_file */
	/* symlinks whose resolved target has a dot component: absent */
	CHECK(get(fc, "/git_cfg") == NULL);
	CHECK(get(fc, "/git_dir") == NULL);
	CHECK(get(fc, "/git_dir/config") == NULL);
	CHECK(get(fc, "/sub/pw") == NULL);
	CHECK(get(fc, "/.well-known/cfg") == NULL);
	CHECK(has_data(get(fc, "/acme_link"), "token\n"));

	CHECK(strcmp(get(fc, "/style.css")->ctype, "text/css; charset=utf-8") ==
	      0);
	CHECK(strcmp(get(fc, "/app.js")->ctype,
		     "text/javascript; charset=utf-8") == 0);
	CHECK(strcmp(get(fc, "/data.json")->ctype,
		     "application/json; charset=utf-8") == 0);
	CHECK(strcmp(get(fc, "/logo.svg")->ctype,
		     "image/svg+xml; charset=utf-8") == 0);
	CHECK(strcmp(get(fc, "/PIC.PNG")->ctype, "image/png") == 0);
	CHECK(strcmp(get(fc, "/noext")->ctype, "application/octet-stream") ==
	      0);

	/* directories and files: "/", 8 top-level files, .well-known (+1),
	 * sub (+3), empty, link_in, link_dir (+3, its tree), acme_link */
	CHECK(hs_files_count(fc) == 22);
	hs_files_free(fc);

	/* max_total is a hard limit: the load fails, saying why */
	rc = hs_files_load(&fc, root, 0, 64, err, sizeof(err));
	CHECK(rc == -EFBIG && fc == NULL);
	CHECK(strstr(err, "document root") != NULL);
	/* max_file 0 = no per-file limit: big.bin is loaded */
	rc = hs_files_load(&fc, root, 0, 0, err, sizeof(err));
	CHECK(rc == 0 && get(fc, "/big.bin") &&
	      get(fc, "/big.bin")->size == 4999);
	hs_files_free(fc);
}

static void
test_load_errors(void)
{
	char root[PATH_MAX + 16], err[PATH_MAX + 64], want[PATH_MAX + 128];
	struct hs_file_cache *fc = (void *)1;
	int rc;

	snprintf(root, sizeof(root), "%s/missing", base);
	rc = hs_files_load(&fc, root, 0, 0, err, sizeof(err));
	CHECK(rc == -ENOENT && fc == NULL);
	snprintf(want, sizeof(want),
		 "document root '%s': No such file or directory", root);
	CHECK(strcmp(err, want) == 0);

	snprintf(root, sizeof(root), "%s/root/noext", base);
	rc = hs_files_load(&fc, root, 0, 0, err, sizeof(err));
	CHECK(rc == -ENOTDIR && fc == NULL);
	snprintf(want, sizeof(want), "document root '%s': Not a directory",
		 root);
	CHECK(strcmp(err, want) == 0);
}

static void
test_mime(void)
{
	static const struct {
		const char *name, *type;
	} t[] = {
		{ "a.html", "text/html; charset=utf-8" },
		{ "a.HTM", "text/html; charset=utf-8" },
		{ "a.mjs", "text/javascript; charset=utf-8" },
		{ "a.txt", "text/plain; charset=utf-8" },
		{ "a.xml", "application/xml; charset=utf-8" },
		{ "a.csv", "text/csv; charset=utf-8" },
		{ "a.md", "text/markdown; charset=utf-8" },
		{ "a.js.map", "application/json; charset=utf-8" },
		{ "x.JPG", "image/jpeg" },
		{ "x.jpeg", "image/jpeg" },
		{ "x.gif", "image/gif" },
		{ "x.webp", "image/webp" },
		{ "x.avif", "image/avif" },
		{ "x.ico", "image/vnd.microsoft.icon" },
		{ "x.pdf", "application/pdf" },
		{ "x.wasm", "application/wasm" },
		{ "x.woff", "font/woff" },
		{ "x.woff2", "font/woff2" },
		{ "x.ttf", "font/ttf" },
		{ "x.otf", "font/otf" },
		{ "x.mp4", "video/mp4" },
		{ "x.webm", "video/webm" },
		{ "x.mp3", "audio/mpeg" },
		{ "x.ogg", "audio/ogg" },
		{ "x.wav", "audio/wav" },
		{ "x.zip", "application/zip" },
		{ "x.tar.gz", "application/gzip" },
		{ "x.tar", "application/x-tar" },
		{ "noext", "application/octet-stream" },
		{ ".bashrc", "application/octet-stream" },
		{ "/d/.html", "application/octet-stream" },
		{ "/dir.d/file", "application/octet-stream" },
		{ "trailing.", "application/octet-stream" },
		{ "x.verylongext", "application/octet-stream" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *m = hs_http_mime_type(t[i].name, strlen(t[i].name));

		CHECK(strcmp(m, t[i].type) == 0);
		if (strcmp(m, t[i].type))
			fprintf(stderr, "  %s -> %s\n", t[i].name, m);
	}
}

static void
test_imf_date(void)
{
	char d[HS_HTTP_DATE_LEN + 1];

	CHECK(hs_http_imf_date(RFC_TIME, d) == HS_HTTP_DATE_LEN);
	CHECK(strcmp(d, RFC_DATE) == 0);
	hs_http_imf_date(0, d);
	CHECK(strcmp(d, "Thu, 01 Jan 1970 00:00:00 GMT") == 0);
	hs_http_imf_date(951782400, d); /* leap day 2000 */
	CHECK(strcmp(d, "Tue, 29 Feb 2000 00:00:00 GMT") == 0);
}

#define BAD NULL
static const struct {
	int line;
	const char *in;
	size_t len;
	const char *out;
} norm[] = {
#define N(in, out)                                \
	{                                         \
		__LINE__, in, sizeof(in) - 1, out \
	}
	N("/", "/"),
	N("/index.html", "/index.html"),
	N("/a/./b/../c", "/a/c"),
	N("//x", "/x"),
	N("/a//b///c", "/a/b/c"),
	N("/a/b/", "/a/b/"),
	N("/a/b/..", "/a/"),
	N("/a/.", "/a/"),
	N("/a/..", "/"),
	N("/./", "/"),
	N("/a/.../b", "/a/.../b"),
	N("/..a/b..", "/..a/b.."),
	N("/sp%20ace", "/sp ace"),
	N("/caf%C3%a9", "/caf\xc3\xa9"),
	N("/%7Euser", "/~user"),
	N("/a?x=/../../", "/a"),
	N("/q?%zz", "/q"),
	N("/a#frag", "/a"),
	N("/sub?", "/sub"),
	/* traversal payloads: rejected, never an escape */
	N("/..", BAD),
	N("/../etc/passwd", BAD),
	N("/a/../../etc/passwd", BAD),
	N("/%2e%2e/etc/passwd", BAD),
	N("/%2E%2E/", BAD),
	N("/.%2e/x", BAD),
	N("/..%2fetc%2fpasswd", BAD),
	N("/a%2Fb", BAD),
	N("/a%5c..%5c..", BAD),
	N("/a\\b", BAD),
	/* single decoding: "%252e%252e" is the name "%2e%2e", not ".." */
	N("/%252e%252e/etc/passwd", "/%2e%2e/etc/passwd"),
	/* NUL and control characters */
	N("/a%00b", BAD),
	N("/a%0ab", BAD),
	N("/a%0d%0aSet-Cookie:x", BAD),
	N("/a%7f", BAD),
	/* invalid escapes */
	N("/a%", BAD),
	N("/a%2", BAD),
	N("/a%zz", BAD),
	N("/a%g0", BAD),
	/* absolute-form (RFC 9112 §3.2.2): the path is used */
	N("http://example.com/a/b", "/a/b"),
	N("HTTPS://example.com:443", "/"),
	N("http://h?x=1", "/"),
	N("http://h/sub/../x?y", "/x"),
	N("http://h/../x", BAD),
	/* other forms */
	N("*", BAD),
	N("example.com:443", BAD),
	N("ftp://h/x", BAD),
	N("", BAD),
#undef N
};

static void
test_normalize(void)
{
	for (size_t i = 0; i < sizeof(norm) / sizeof(norm[0]); i++) {
		char *out = malloc(norm[i].len + 1);
		int rc = hs_http_path_normalize(norm[i].in, norm[i].len, out);

		if (norm[i].out == BAD) {
			CHECK_AT(norm[i].line, rc == -EINVAL);
		} else {
			CHECK_AT(norm[i].line,
				 rc == (int)strlen(norm[i].out) &&
					 memcmp(out, norm[i].out,
						(size_t)rc + 1) == 0);
			if (rc >= 0 && strcmp(out, norm[i].out))
				fprintf(stderr, "  got '%s'\n", out);
		}
		free(out);
	}
}

static void
rm_rf(const char *p)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", p);
}

/* RFC 9110 §5.6.7: the three HTTP-date formats, and the rejects.  Each
 * input is also parsed from a copy ending right before a PROT_NONE page. */
static void
test_parse_date(void)
{
	static const struct {
		int line;
		const char *s;
		time_t t; /* -1: invalid */
	} cases[] = {
		{ __LINE__, "Sun, 06 Nov 1994 08:49:37 GMT", 784111777 },
		{ __LINE__, "Sunday, 06-Nov-94 08:49:37 GMT", 784111777 },
		{ __LINE__, "Sun Nov  6 08:49:37 1994", 784111777 },
		{ __LINE__, "Thu, 01 Jan 1970 00:00:00 GMT", 0 },
		{ __LINE__, "Tue, 29 Feb 2028 23:59:59 GMT", 1835481599 },
		{ __LINE__, "Thursday, 01-Jan-70 00:00:00 GMT", 0 },
		{ __LINE__, "Saturday, 01-Jan-00 00:00:00 GMT", 946684800 },
		{ __LINE__, "Sat Jan 10 00:00:00 2004", 1073692800 },
		{ __LINE__, "Sun, 06 Nov 1994 08:49:37 UTC", -1 },
		{ __LINE__, "sun, 06 Nov 1994 08:49:37 GMT", -1 },
		{ __LINE__, "Sun, 6 Nov 1994 08:49:37 GMT", -1 },
		{ __LINE__, "Sun, 06 nov 1994 08:49:37 GMT", -1 },
		{ __LINE__, "Sun, 32 Nov 1994 08:49:37 GMT", -1 },
		{ __LINE__, "Sun, 06 Nov 1994 24:49:37 GMT", -1 },
		{ __LINE__, "Sun, 06 Nov 1994 08:60:37 GMT", -1 },
		{ __LINE__, "Sun, 06 Nov 1994 08:49:37 GMT ", -1 },
		{ __LINE__, "Sun, 06 Nov 19a4 08:49:37 GMT", -1 },
		{ __LINE__, "Sun, 06 Nov -994 08:49:37 GMT", -1 },
		{ __LINE__, "Sunday, 06-Nov-1994 08:49:37 GMT", -1 },
		{ __LINE__, "Sunday 06-Nov-94 08:49:37 GMT ", -1 },
		{ __LINE__, "Sun Nov 6 08:49:37 1994", -1 },
		{ __LINE__, "Sun Nov  6 08:49:37 1994 ", -1 },
		{ __LINE__, "Xyz, 06 Nov 1994 08:49:37 GMT", -1 },
		{ __LINE__, "", -1 },
		{ __LINE__, ",", -1 },
		{ __LINE__, "yesterday", -1 },
	};
	long pg = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(map != MAP_FAILED);
	if (map == MAP_FAILED)
		return;
	CHECK(mprotect(map + pg, (size_t)pg, PROT_NONE) == 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].s);
		char *g = map + pg - n;
		time_t t = 12345;
		int rc;

		memcpy(g, cases[i].s, n);
		rc = hs_http_parse_date(g, n, &t);
		if (cases[i].t == -1) {
			CHECK_AT(cases[i].line, rc == -EINVAL && t == 12345);
		} else {
			CHECK_AT(cases[i].line, rc == 0 && t == cases[i].t);
		}
		/* every proper suffix (ending at the guard page) is invalid */
		for (size_t k = 0; k < n && cases[i].t != -1; k++)
			CHECK_AT(cases[i].line,
				 hs_http_parse_date(map + pg - k, k, &t) ==
						 -EINVAL ||
					 k == 0);
	}
	/* round trip with the formatter */
	for (time_t t0 = 0; t0 < 4000000000; t0 += 86413 * 37) {
		char d[HS_HTTP_DATE_LEN + 1];
		time_t t = -1;

		hs_http_imf_date(t0, d);
		CHECK(hs_http_parse_date(d, HS_HTTP_DATE_LEN, &t) == 0 &&
		      t == t0);
	}
	munmap(map, (size_t)pg * 2);
}

/* SIGHUP re-scan: a new cache with the same root and limits; the old
 * one is untouched. */
static void
test_rescan(void)
{
	struct hs_file_cache *a = NULL, *b = NULL;
	char err[256], p[PATH_MAX + 32];
	const struct hs_file *f;
	FILE *fp;

	snprintf(p, sizeof(p), "%s/rescan", base);
	CHECK(mkdir(p, 0755) == 0);
	snprintf(p, sizeof(p), "%s/rescan/one.txt", base);
	fp = fopen(p, "w");
	CHECK(fp != NULL);
	if (fp) {
		fputs("one", fp);
		fclose(fp);
	}
	snprintf(p, sizeof(p), "%s/rescan", base);
	CHECK(hs_files_load(&a, p, 100, 1000, err, sizeof(err)) == 0);
	snprintf(p, sizeof(p), "%s/rescan/two.txt", base);
	fp = fopen(p, "w");
	CHECK(fp != NULL);
	if (fp) {
		fputs("twotwo", fp);
		fclose(fp);
	}
	snprintf(p, sizeof(p), "%s/rescan/one.txt", base);
	CHECK(unlink(p) == 0);
	CHECK(hs_files_rescan(a, &b, err, sizeof(err)) == 0 && b != NULL);
	f = hs_files_lookup(b, "/two.txt", 8);
	CHECK(f && f->size == 6 && memcmp(f->data, "twotwo", 6) == 0);
	CHECK(hs_files_lookup(b, "/one.txt", 8) == NULL);
	f = hs_files_lookup(a, "/one.txt", 8);
	CHECK(f && f->size == 3 && memcmp(f->data, "one", 3) == 0);
	CHECK(hs_files_lookup(a, "/two.txt", 8) == NULL);
	hs_files_free(b);
	/* the limits carry over: a file over max_file is skipped */
	snprintf(p, sizeof(p), "%s/rescan/big.txt", base);
	fp = fopen(p, "w");
	if (fp) {
		for (int i = 0; i < 200; i++)
			fputc('x', fp);
		fclose(fp);
	}
	CHECK(hs_files_rescan(a, &b, err, sizeof(err)) == 0);
	CHECK(b && hs_files_lookup(b, "/big.txt", 8) == NULL);
	CHECK(b && hs_files_lookup(b, "/two.txt", 8) != NULL);
	hs_files_free(b);
	CHECK(hs_files_rescan(NULL, &b, err, sizeof(err)) == -EINVAL && !b);
	hs_files_free(a);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(base, sizeof(base), "%s/hs_files_XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	build_tree();
	test_load();
	test_load_errors();
	test_mime();
	test_imf_date();
	test_normalize();
	test_parse_date();
	test_rescan();
	rm_rf(base);
	return hs_check_summary("test_http_files");
}
