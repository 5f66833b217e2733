/* SPDX-License-Identifier: BSD-3-Clause
 * hs_http_int.h - what the two halves of the HTTP engine share, private
 * to http/.  hs_http.c is the per-connection engine (input, request
 * framing, bodies, pipelining, keep-alive, output); hs_http_resp.c builds
 * responses (status line and headers, error pages, files with their
 * conditional, range and content-coding answers, redirects).  Callers
 * outside http/ use hs_http.h only.
 */
#ifndef HS_HTTP_INT_H
#define HS_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "hs_http.h"

/* The representation selected for a file (RFC 9110 §3.2): identity or
 * its gzip sibling. */
struct hs_repr {
	const struct hs_file *file; /* metadata (Content-Type) */
	const uint8_t *data;
	size_t size;
	const char *etag;
	const char *last_modified;
	time_t mtime;
	bool gzip; /* Content-Encoding: gzip */
	bool vary; /* a .gz variant exists */
};

struct hs_resp {
	int status;
	const struct hs_repr *rep; /* 200/206/304/416 of a file */
	uint64_t first, last;      /* 206: the byte range */
	const char *text;          /* a body decided late (hs_http_reply) */
	size_t text_len;
	const char *text_type;
	const char *location; /* 301 */
	size_t location_len;
	const char *loc_prefix; /* 301: put before location (scheme) */
	const char *loc_host;
	size_t loc_host_len;
	uint16_t loc_port;
	bool allow; /* 405: Allow header */
	bool head;  /* HEAD: headers only (RFC 9110 §9.3.2) */
	bool keep;  /* keep the connection open */
};

/* ---- hs_http_resp.c ---- */

/* Build the response r into c (header block in c->hdr, body pointer);
 * the status it answered. */
int hs_respond(struct hs_http_conn *c, const struct hs_resp *r);
/* An error page for status; keep is cleared for statuses that close. */
int hs_respond_error(struct hs_http_conn *c, int status, bool keep);
/* Statuses after which the connection closes (see hs_http.c). */
bool hs_status_closes(int status);
/* GET / HEAD of the request's normalised target. */
int hs_serve(struct hs_http_conn *c, bool head, bool keep);
/* Plain port in redirect mode: 301 to the https URL of the target. */
int hs_redirect_https(struct hs_http_conn *c, bool head, bool keep);

/* Field name equal to lower (n bytes, a lowercase literal)? */
bool hs_name_is(const struct hs_http_header *h, const char *lower, size_t n);
/* The only field named lower, NULL if absent; *dup set if it repeats. */
const struct hs_http_header *hs_hdr_one(const struct hs_http_req *r,
					const char *lower, size_t n, bool *dup);
#define HS_HDR_ONE(r, lit, dup) hs_hdr_one((r), lit, sizeof(lit) - 1, (dup))

#endif /* HS_HTTP_INT_H */
