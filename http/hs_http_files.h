/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http_files.h - the in-memory static file cache.
 *
 * At start-up every regular file under the document root (following no
 * symlink that leaves the root) is read into memory with its metadata and
 * precomputed header fields.  The cache is read-only afterwards and shared
 * by all lcores.  Lookups take an already decoded and normalised path
 * ("/", "/a/b.html"); see hs_http_path_normalize().
 */
#ifndef HS_HTTP_FILES_H
#define HS_HTTP_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct hs_file {
	const char *path; /* "/dir/name.ext", NUL-terminated */
	size_t path_len;
	const uint8_t *data;
	size_t size;
	const char *ctype; /* Content-Type value */
	time_t mtime;
	char etag[40];          /* "\"<hex size>-<hex mtime>\"" */
	char last_modified[40]; /* IMF-fixdate */
	uint8_t is_dir;         /* a directory entry: serves its index.html */
	const struct hs_file *index; /* for directories, index.html or NULL */
	/* precompressed sibling "<path>.gz" (a regular file) or NULL; served
	 * with Content-Encoding: gzip when Accept-Encoding allows it */
	const struct hs_file *gz;
	char gz_etag[48]; /* that variant's ETag: "\"<gz etag>-gz\"" */
};

struct hs_file_cache;

/* Load the tree under root.  max_file: largest file loaded (bigger ones
 * are skipped with a warning); max_total: total bytes.  On failure
 * returns a negative code with a one-line reason in err. */
int hs_files_load(struct hs_file_cache **out, const char *root, size_t max_file,
		  size_t max_total, char *err, size_t errlen);
void hs_files_free(struct hs_file_cache *fc);

/* SIGHUP re-scan: load the same root with the same limits as old into a
 * new cache (*out); old is untouched and stays valid whatever happens.
 * Off the dataplane (it reads the whole tree).  The caller swaps the
 * pointer into each lcore's struct hs_http_server and frees old only
 * after every response started from it has drained (bodies point into
 * it). */
int hs_files_rescan(const struct hs_file_cache *old, struct hs_file_cache **out,
		    char *err, size_t errlen);
size_t hs_files_count(const struct hs_file_cache *fc);

/* Exact lookup of a normalised path (no trailing slash except "/"). */
const struct hs_file *hs_files_lookup(const struct hs_file_cache *fc,
				      const char *path, size_t len);

/* Decode percent-escapes of target[0..len) into out and remove dot
 * segments (RFC 3986 §5.2.4).  Rejects encoded '/', NUL, control
 * characters, and anything that would climb above the root.  Returns the
 * output length or -EINVAL.  out must hold len + 1 bytes. */
int hs_http_path_normalize(const char *target, size_t len, char *out);

/* Content-Type for a file name by extension ("application/octet-stream"
 * if unknown). */
const char *hs_http_mime_type(const char *name, size_t len);

/* Format t as an IMF-fixdate (RFC 9110 §5.6.7), "Sun, 06 Nov 1994
 * 08:49:37 GMT", locale-independent.  out must hold HS_HTTP_DATE_LEN + 1
 * bytes; returns HS_HTTP_DATE_LEN. */
#define HS_HTTP_DATE_LEN 29
size_t hs_http_imf_date(time_t t, char *out);

/* Parse an HTTP-date (RFC 9110 §5.6.7): IMF-fixdate and the two obsolete
 * formats (rfc850-date, asctime-date), which recipients MUST accept.
 * Returns 0 and sets *out, or -EINVAL. */
int hs_http_parse_date(const char *s, size_t n, time_t *out);

#endif
