/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http_files.c - the in-memory static file cache, MIME types, request
 * path normalisation.
 *
 * Loading (start-up only, may allocate): the tree under the document root
 * is walked with openat()/fstatat() relative to directory descriptors, so
 * no path is re-resolved by name except validated symlinks.  Symlinks are
 * followed only when realpath() of their target stays inside
 * realpath(root) and has no dot-component below it; others (and dangling
 * ones) are skipped with a warning.  Dot-files and dot-directories are
 * skipped (".git", ".htpasswd" leak too easily), except ".well-known"
 * (RFC 8615): by name while walking, and as the resolved target of a
 * symlink ("cfg -> .git/config" is skipped like ".git/config" itself, so
 * both are 404).  Only regular files and
 * directories are loaded; directory loops through symlinks are cut.
 *
 * The cache is an array of struct hs_file plus an open-addressing hash
 * table (linear probing, FNV-1a) keyed by the normalised path.  Read-only
 * after load; lookups allocate nothing and take no lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_common.h"
#include "hs_http_files.h"

#define HS_FILES_MAX_DEPTH 32

struct hs_file_cache {
	struct hs_file *files;
	size_t count, cap;
	uint32_t *slots; /* file index + 1, 0 = empty */
	size_t nslots;   /* power of two */
	size_t total;    /* bytes of file data loaded */
	size_t max_file, max_total;
	char root_real[PATH_MAX];
	size_t root_len;
	/* load-time only */
	char *err;
	size_t errlen;
	struct {
		dev_t dev;
		ino_t ino;
	} anc[HS_FILES_MAX_DEPTH + 1];
};

/* ---- IMF-fixdate ---------------------------------------------------- */

static void
hs_put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

size_t
hs_http_imf_date(time_t t, char *out)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed",
					 "Thu", "Fri", "Sat" };
	static const char mons[12][4] = { "Jan", "Feb", "Mar", "Apr",
					  "May", "Jun", "Jul", "Aug",
					  "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	int y;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	y = tm.tm_year + 1900;
	if (y < 0 || y > 9999)
		y = 1970;
	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
	memcpy(out, days[tm.tm_wday % 7], 3);
	memcpy(out + 3, ", ", 2);
	hs_put2(out + 5, tm.tm_mday);
	out[7] = ' ';
	memcpy(out + 8, mons[tm.tm_mon % 12], 3);
	out[11] = ' ';
	hs_put2(out + 12, y / 100);
	hs_put2(out + 14, y % 100);
	out[16] = ' ';
	hs_put2(out + 17, tm.tm_hour);
	out[19] = ':';
	hs_put2(out + 20, tm.tm_min);
	out[22] = ':';
	hs_put2(out + 23, tm.tm_sec);
	memcpy(out + 25, " GMT", 5); /* with NUL */
	return HS_HTTP_DATE_LEN;
}

/* RFC 9110 §5.6.7 HTTP-date parsing ---------------------------------- */

static int
hs_num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
hs_month(const char *s)
{
	static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int i = 0; i < 12; i++)
		if (memcmp(s, mons + 3 * i, 3) == 0)
			return i;
	return -1;
}

static bool
hs_day_name(const char *s, size_t n, bool full)
{
	static const char *const days[7][2] = {
		{ "Mon", "Monday" },    { "Tue", "Tuesday" },
		{ "Wed", "Wednesday" }, { "Thu", "Thursday" },
		{ "Fri", "Friday" },    { "Sat", "Saturday" },
		{ "Sun", "Sunday" }
	};

	for (int i = 0; i < 7; i++) {
		const char *d = days[i][full];

		if (strlen(d) == n && memcmp(d, s, n) == 0)
			return true;
	}
	return false;
}

/* "08:49:37" */
static int
hs_parse_hms(const char *s, struct tm *tm)
{
	if (s[2] != ':' || s[5] != ':')
		return -EINVAL;
	tm->tm_hour = hs_num(s, 2);
	tm->tm_min = hs_num(s + 3, 2);
	tm->tm_sec = hs_num(s + 6, 2);
	if (tm->tm_hour < 0 || tm->tm_hour > 23 || tm->tm_min < 0 ||
	    tm->tm_min > 59 || tm->tm_sec < 0 || tm->tm_sec > 60)
		return -EINVAL;
	return 0;
}

int
hs_http_parse_date(const char *s, size_t n, time_t *out)
{
	static const uint8_t mdays[12] = { 31, 29, 31, 30, 31, 30,
					   31, 31, 30, 31, 30, 31 };
	struct tm tm;
	const char *c = memchr(s, ',', n);
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (n == 29 && c == s + 3) {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		if (!hs_day_name(s, 3, false) || s[4] != ' ' || s[7] != ' ' ||
		    s[11] != ' ' || s[16] != ' ' || memcmp(s + 25, " GMT", 4))
			return -EINVAL;
		tm.tm_mday = hs_num(s + 5, 2);
		tm.tm_mon = hs_month(s + 8);
		tm.tm_year = hs_num(s + 12, 4) - 1900;
		if (tm.tm_year < -1900 || hs_parse_hms(s + 17, &tm))
			return -EINVAL;
	} else if (c && n >= 30 && c - s >= 6 && (size_t)(c - s) == n - 24) {
		/* rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT" */
		const char *d = c + 2;
		int yy;

		if (!hs_day_name(s, (size_t)(c - s), true) || c[1] != ' ' ||
		    d[2] != '-' || d[6] != '-' || d[9] != ' ' ||
		    memcmp(d + 18, " GMT", 4))
			return -EINVAL;
		tm.tm_mday = hs_num(d, 2);
		tm.tm_mon = hs_month(d + 3);
		yy = hs_num(d + 7, 2);
		/* §5.6.7: a two-digit year more than 50 years in the future
		 * is in the past century; pinned here to 1970..2069. */
		if (yy < 0 || hs_parse_hms(d + 10, &tm))
			return -EINVAL;
		tm.tm_year = yy < 70 ? yy + 100 : yy;
	} else if (n == 24 && c == NULL) {
		/* asctime-date: "Sun Nov  6 08:49:37 1994" */
		if (!hs_day_name(s, 3, false) || s[3] != ' ' || s[7] != ' ' ||
		    s[10] != ' ' || s[19] != ' ')
			return -EINVAL;
		tm.tm_mon = hs_month(s + 4);
		tm.tm_mday = s[8] == ' ' ? hs_num(s + 9, 1) : hs_num(s + 8, 2);
		tm.tm_year = hs_num(s + 20, 4) - 1900;
		if (tm.tm_year < -1900 || hs_parse_hms(s + 11, &tm))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > mdays[tm.tm_mon])
		return -EINVAL;
	t = timegm(&tm);
	if (t == (time_t)-1 && tm.tm_year != 69)
		return -EINVAL;
	*out = t;
	return 0;
}

/* ---- MIME types ----------------------------------------------------- */

#define HS_UTF8 "; charset=utf-8"

static const struct {
	const char *ext;
	const char *type;
} hs_mime_tab[] = {
	{ "html", "text/html" HS_UTF8 },
	{ "htm", "text/html" HS_UTF8 },
	{ "css", "text/css" HS_UTF8 },
	{ "js", "text/javascript" HS_UTF8 }, /* RFC 9239 */
	{ "mjs", "text/javascript" HS_UTF8 },
	{ "json", "application/json" HS_UTF8 },
	{ "map", "application/json" HS_UTF8 },
	{ "txt", "text/plain" HS_UTF8 },
	{ "xml", "application/xml" HS_UTF8 },
	{ "svg", "image/svg+xml" HS_UTF8 },
	{ "csv", "text/csv" HS_UTF8 },
	{ "md", "text/markdown" HS_UTF8 },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "avif", "image/avif" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "pdf", "application/pdf" },
	{ "wasm", "application/wasm" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "ttf", "font/ttf" },
	{ "otf", "font/otf" },
	{ "mp4", "video/mp4" },
	{ "webm", "video/webm" },
	{ "mp3", "audio/mpeg" },
	{ "ogg", "audio/ogg" },
	{ "wav", "audio/wav" },
	{ "zip", "application/zip" },
	{ "gz", "application/gzip" },
	{ "tar", "application/x-tar" },
};

const char *
hs_http_mime_type(const char *name, size_t len)
{
	size_t i = len, elen;
	char ext[8];

	while (i > 0 && name[i - 1] != '.' && name[i - 1] != '/')
		i--;
	/* no dot, or the dot starts the base name (".profile") */
	if (i <= 1 || name[i - 1] != '.' || name[i - 2] == '/')
		return "application/octet-stream";
	elen = len - i;
	if (elen == 0 || elen >= sizeof(ext))
		return "application/octet-stream";
	for (size_t k = 0; k < elen; k++) {
		char c = name[i + k];

		ext[k] = (c >= 'A' && c <= 'Z') ? (char)(c + 'a' - 'A') : c;
	}
	ext[elen] = '\0';
	for (size_t k = 0; k < HS_ARRAY_SIZE(hs_mime_tab); k++)
		if (strcmp(ext, hs_mime_tab[k].ext) == 0)
			return hs_mime_tab[k].type;
	return "application/octet-stream";
}

/* ---- path normalisation --------------------------------------------- */

static bool
hs_prefix_ci(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	if (n < l)
		return false;
	for (size_t i = 0; i < l; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 'a' - 'A');
		if (c != lit[i])
			return false;
	}
	return true;
}

/* RFC 3986 §5.2.4 remove_dot_segments on out[0..n) (starts with '/'), in
 * place; also collapses empty segments ("//").  A ".." with nothing left to
 * remove would climb above the root: -EINVAL (answered with 400). */
static int
hs_remove_dots(char *out, size_t n)
{
	size_t r = 0, w = 0;
	bool trailing = false;

	while (r < n) {
		size_t s = r + 1, e = s, len;

		while (e < n && out[e] != '/')
			e++;
		len = e - s;
		r = e;
		if (len == 0 || (len == 1 && out[s] == '.')) {
			trailing = (e == n);
			continue;
		}
		if (len == 2 && out[s] == '.' && out[s + 1] == '.') {
			if (w == 0)
				return -EINVAL;
			while (out[w - 1] != '/')
				w--;
			w--;
			trailing = (e == n);
			continue;
		}
		memmove(out + w, out + s - 1, len + 1);
		w += len + 1;
		trailing = false;
	}
	if (w == 0 || trailing)
		out[w++] = '/';
	out[w] = '\0';
	return (int)w;
}

int
hs_http_path_normalize(const char *target, size_t len, char *out)
{
	const char *p = target, *end = target + len, *q;
	size_t o = 0;

	if (len == 0 || len > INT_MAX - 1)
		return -EINVAL;
	if (p[0] != '/') {
		/* RFC 9112 §3.2.2 absolute-form: use the path, ignore the
		 * authority (we serve one site). */
		if (hs_prefix_ci(p, len, "http://"))
			p += 7;
		else if (hs_prefix_ci(p, len, "https://"))
			p += 8;
		else
			return -EINVAL; /* asterisk-, authority- or junk form */
		while (p < end && *p != '/' && *p != '?' && *p != '#')
			p++;
	}
	/* The query and fragment are not part of the path (RFC 3986 §3). */
	for (q = p; q < end && *q != '?' && *q != '#'; q++)
		;
	end = q;
	if (p == end || p[0] != '/') {
		out[0] = '/';
		out[1] = '\0';
		return 1;
	}
	/* RFC 3986 §2.1 percent-decoding, one pass only: "%252e" -> "%2e". */
	for (q = p; q < end; q++) {
		uint8_t c = (uint8_t)*q;

		if (c == '%') {
			int hi, lo;

			if (end - q < 3)
				return -EINVAL;
			hi = hs_hexval((uint8_t)q[1]);
			lo = hs_hexval((uint8_t)q[2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (uint8_t)(hi << 4 | lo);
			q += 2;
			/* an encoded '/' would make a segment that holds a
			 * slash: a classic traversal trick */
			if (c == '/' || c == '\\')
				return -EINVAL;
		}
		if (c < 0x20 || c == 0x7f || c == '\\')
			return -EINVAL;
		out[o++] = (char)c;
	}
	return hs_remove_dots(out, o);
}

/* ---- hash table ----------------------------------------------------- */

static uint64_t
hs_hash(const char *s, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h ^ (h >> 29);
}

const struct hs_file *
hs_files_lookup(const struct hs_file_cache *fc, const char *path, size_t len)
{
	size_t mask, i;

	if (fc == NULL || fc->nslots == 0)
		return NULL;
	mask = fc->nslots - 1;
	for (i = hs_hash(path, len) & mask;; i = (i + 1) & mask) {
		uint32_t s = fc->slots[i];
		const struct hs_file *f;

		if (s == 0)
			return NULL;
		f = &fc->files[s - 1];
		if (f->path_len == len && memcmp(f->path, path, len) == 0)
			return f;
	}
}

static int
hs_build_table(struct hs_file_cache *fc)
{
	size_t n = 16;

	while (n < fc->count * 2)
		n <<= 1;
	fc->slots = calloc(n, sizeof(*fc->slots));
	HS_GUARD_PTR(fc->slots);
	fc->nslots = n;
	for (size_t k = 0; k < fc->count; k++) {
		const struct hs_file *f = &fc->files[k];
		size_t i = hs_hash(f->path, f->path_len) & (n - 1);

		while (fc->slots[i])
			i = (i + 1) & (n - 1);
		fc->slots[i] = (uint32_t)(k + 1);
	}
	return 0;
}

/* ---- loading -------------------------------------------------------- */

static int
hs_load_err(struct hs_file_cache *fc, int rc, const char *fmt, ...)
{
	va_list ap;

	if (fc->err && fc->errlen) {
		va_start(ap, fmt);
		vsnprintf(fc->err, fc->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static void
hs_load_warn(const char *path, const char *why)
{
	fprintf(stderr, "httpsd: docroot: skipping '%s': %s\n", path, why);
}

static struct hs_file *
hs_add_entry(struct hs_file_cache *fc, const char *path, const struct stat *st)
{
	struct hs_file *f;
	char *p;

	if (fc->count >= UINT32_MAX - 1)
		return NULL;
	if (fc->count == fc->cap) {
		size_t cap = fc->cap ? fc->cap * 2 : 64;
		struct hs_file *nf = realloc(fc->files, cap * sizeof(*nf));

		if (nf == NULL)
			return NULL;
		fc->files = nf;
		fc->cap = cap;
	}
	p = strdup(path);
	if (p == NULL)
		return NULL;
	f = &fc->files[fc->count++];
	memset(f, 0, sizeof(*f));
	f->path = p;
	f->path_len = strlen(p);
	f->mtime = st->st_mtime;
	hs_http_imf_date(f->mtime, f->last_modified);
	return f;
}

static int
hs_read_file(struct hs_file_cache *fc, int fd, const char *path,
	     const struct stat *st)
{
	size_t size = (size_t)st->st_size, got = 0;
	struct hs_file *f;
	uint8_t *data;

	if (fc->max_file && size > fc->max_file) {
		hs_load_warn(path, "larger than the maximum file size");
		return 0;
	}
	if (fc->max_total && fc->total + size > fc->max_total)
		return hs_load_err(fc, -EFBIG,
				   "document root '%s': more than %zu bytes of "
				   "files (at '%s')",
				   fc->root_real, fc->max_total, path);
	data = malloc(size ? size : 1);
	if (data == NULL)
		return hs_load_err(fc, -ENOMEM, "out of memory loading '%s'",
				   path);
	while (got < size) {
		ssize_t r = read(fd, data + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break; /* truncated meanwhile: keep what we have */
		got += (size_t)r;
	}
	f = hs_add_entry(fc, path, st);
	if (f == NULL) {
		free(data);
		return hs_load_err(fc, -ENOMEM, "out of memory loading '%s'",
				   path);
	}
	f->data = data;
	f->size = got;
	f->ctype = hs_http_mime_type(f->path, f->path_len);
	snprintf(f->etag, sizeof(f->etag), "\"%zx-%llx\"", got,
		 (unsigned long long)f->mtime);
	fc->total += got;
	return 0;
}

/* realpath(p) stays inside the root? */
static bool
hs_inside_root(const struct hs_file_cache *fc, const char *real)
{
	if (fc->root_len == 1) /* root is "/" */
		return real[0] == '/';
	return strncmp(real, fc->root_real, fc->root_len) == 0 &&
	       (real[fc->root_len] == '/' || real[fc->root_len] == '\0');
}

/* A hidden name: a dot-file or dot-directory other than ".well-known"
 * (name ends at NUL or at '/'). */
static bool
hs_hidden_name(const char *name)
{
	static const char wk[] = ".well-known";
	size_t n = strcspn(name, "/");

	return name[0] == '.' &&
	       !(n == sizeof(wk) - 1 && memcmp(name, wk, n) == 0);
}

/* real (inside the root) has a hidden component below the root? */
static bool
hs_hidden_below_root(const struct hs_file_cache *fc, const char *real)
{
	const char *p = real + (fc->root_len == 1 ? 0 : fc->root_len);

	for (; *p != '\0'; p++)
		if (*p == '/' && hs_hidden_name(p + 1))
			return true;
	return false;
}

static int hs_walk(struct hs_file_cache *fc, int dirfd, const char *rel,
		   int depth);

/* One directory entry "name" of dirfd whose request path is "path". */
static int
hs_load_entry(struct hs_file_cache *fc, int dirfd, const char *name,
	      const char *path, int depth)
{
	char full[PATH_MAX], real[PATH_MAX];
	struct stat st;
	int fd, rc = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		hs_load_warn(path, strerror(errno));
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		/* follow only if the target resolves inside the root */
		if ((size_t)snprintf(full, sizeof(full), "%s%s", fc->root_real,
				     path) >= sizeof(full) ||
		    realpath(full, real) == NULL) {
			hs_load_warn(path, "dangling or unresolvable symlink");
			return 0;
		}
		if (!hs_inside_root(fc, real)) {
			hs_load_warn(path, "symlink leaves the document root");
			return 0;
		}
		if (hs_hidden_below_root(fc, real)) {
			hs_load_warn(path, "symlink to a hidden file");
			return 0;
		}
		fd = open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	} else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
		fd = openat(dirfd, name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	} else {
		hs_load_warn(path, "not a regular file or directory");
		return 0;
	}
	if (fd < 0) {
		hs_load_warn(path, strerror(errno));
		return 0;
	}
	/* judge what was actually opened, not what was stat'ed by name */
	if (fstat(fd, &st) < 0) {
		hs_load_warn(path, strerror(errno));
	} else if (S_ISREG(st.st_mode)) {
		rc = hs_read_file(fc, fd, path, &st);
	} else if (S_ISDIR(st.st_mode)) {
		bool loop = false;

		for (int i = 0; i <= depth; i++)
			if (fc->anc[i].dev == st.st_dev &&
			    fc->anc[i].ino == st.st_ino)
				loop = true;
		if (loop) {
			hs_load_warn(path, "directory loop");
		} else if (depth + 1 > HS_FILES_MAX_DEPTH) {
			hs_load_warn(path, "directory nesting too deep");
		} else if (hs_add_entry(fc, path, &st) == NULL) {
			rc = hs_load_err(fc, -ENOMEM, "out of memory");
		} else {
			fc->files[fc->count - 1].is_dir = 1;
			fc->files[fc->count - 1].ctype = "text/html" HS_UTF8;
			fc->anc[depth + 1].dev = st.st_dev;
			fc->anc[depth + 1].ino = st.st_ino;
			rc = hs_walk(fc, fd, path, depth + 1);
			fd = -1; /* hs_walk closed it */
		}
	} else {
		hs_load_warn(path, "not a regular file or directory");
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Walk directory dirfd (consumed: closed on return) whose request path is
 * rel ("" for the root). */
static int
hs_walk(struct hs_file_cache *fc, int dirfd, const char *rel, int depth)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	d = fdopendir(dirfd);
	if (d == NULL) {
		close(dirfd);
		hs_load_warn(rel[0] ? rel : "/", strerror(errno));
		return 0;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		const char *name = de->d_name;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", rel, name) >=
		    sizeof(path)) {
			hs_load_warn(rel, "path too long");
			continue;
		}
		if (hs_hidden_name(name)) {
			hs_load_warn(path, "hidden file");
			continue;
		}
		rc = hs_load_entry(fc, dirfd, name, path, depth);
	}
	closedir(d);
	return rc;
}

/* Point every directory at its index.html, every file at its
 * precompressed "<name>.gz" sibling. */
static void
hs_link_indexes(struct hs_file_cache *fc)
{
	char path[PATH_MAX];

	for (size_t k = 0; k < fc->count; k++) {
		struct hs_file *f = &fc->files[k];
		const struct hs_file *idx;
		int n;

		if (!f->is_dir) {
			n = snprintf(path, sizeof(path), "%s.gz", f->path);
			if (n < 0 || (size_t)n >= sizeof(path))
				continue;
			idx = hs_files_lookup(fc, path, (size_t)n);
			if (idx == NULL || idx->is_dir)
				continue;
			f->gz = idx;
			/* RFC 9110 §8.8.3: each content coding is a distinct
			 * representation with its own entity tag */
			snprintf(f->gz_etag, sizeof(f->gz_etag),
				 "\"%zx-%llx-gz\"", idx->size,
				 (unsigned long long)idx->mtime);
			continue;
		}
		n = snprintf(path, sizeof(path), "%s/index.html",
			     f->path_len == 1 ? "" : f->path);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		idx = hs_files_lookup(fc, path, (size_t)n);
		if (idx && !idx->is_dir)
			f->index = idx;
	}
}

int
hs_files_load(struct hs_file_cache **out, const char *root, size_t max_file,
	      size_t max_total, char *err, size_t errlen)
{
	struct hs_file_cache *fc;
	struct stat st;
	int fd, rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	fc = calloc(1, sizeof(*fc));
	if (fc == NULL) {
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fc->err = err;
	fc->errlen = errlen;
	fc->max_file = max_file;
	fc->max_total = max_total;
	if (stat(root, &st) < 0 || realpath(root, fc->root_real) == NULL) {
		rc = -errno;
		hs_load_err(fc, rc, "document root '%s': %s", root,
			    strerror(errno));
		goto fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = hs_load_err(fc, -ENOTDIR, "document root '%s': %s", root,
				 strerror(ENOTDIR));
		goto fail;
	}
	fc->root_len = strlen(fc->root_real);
	fd = open(fc->root_real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = -errno;
		hs_load_err(fc, rc, "document root '%s': %s", root,
			    strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	if (hs_add_entry(fc, "/", &st) == NULL) {
		close(fd);
		rc = hs_load_err(fc, -ENOMEM, "out of memory");
		goto fail;
	}
	fc->files[0].is_dir = 1;
	fc->files[0].ctype = "text/html" HS_UTF8;
	fc->anc[0].dev = st.st_dev;
	fc->anc[0].ino = st.st_ino;
	rc = hs_walk(fc, fd, "", 0);
	if (rc < 0)
		goto fail;
	rc = hs_build_table(fc);
	if (rc < 0) {
		hs_load_err(fc, rc, "out of memory");
		goto fail;
	}
	hs_link_indexes(fc);
	fc->err = NULL;
	*out = fc;
	return 0;
fail:
	fc->err = NULL;
	hs_files_free(fc);
	return rc;
}

void
hs_files_free(struct hs_file_cache *fc)
{
	if (fc == NULL)
		return;
	for (size_t k = 0; k < fc->count; k++) {
		free((void *)fc->files[k].path);
		free((void *)fc->files[k].data);
	}
	free(fc->files);
	free(fc->slots);
	free(fc);
}

int
hs_files_rescan(const struct hs_file_cache *old, struct hs_file_cache **out,
		char *err, size_t errlen)
{
	*out = NULL;
	if (old == NULL)
		return -EINVAL;
	return hs_files_load(out, old->root_real, old->max_file, old->max_total,
			     err, errlen);
}

size_t
hs_files_count(const struct hs_file_cache *fc)
{
	return fc ? fc->count : 0;
}
