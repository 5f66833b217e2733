/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_ocsp.c - OCSP stapling from a DER file (see hs_tls_ocsp.h).
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hs_tls_int.h"
#include "hs_tls_ocsp.h"

struct hs_tls_ocsp {
	char *path;
	uint8_t *buf[2];
	uint32_t len[2];
	unsigned int cur;        /* slot served; __atomic release/acquire */
	uint64_t last_reload_ms; /* CLOCK_MONOTONIC */
};

static uint64_t
hs_tls_ocsp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Read a whole DER OCSPResponse: one SEQUENCE filling the file. */
static int
hs_tls_ocsp_read(const char *path, uint8_t **out, uint32_t *outlen, char *err,
		 size_t errlen)
{
	struct stat st;
	uint8_t *b;
	size_t hdr, body;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "cannot read OCSP response file '%s': %s",
			 path, strerror(e));
		return -EIO;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 2 ||
	    st.st_size > (off_t)HS_TLS_OCSP_MAX) {
		close(fd);
		snprintf(err, errlen, "OCSP response file '%s': %s", path,
			 !S_ISREG(st.st_mode) ? "not a regular file"
			 : st.st_size < 2     ? "empty"
					      : "larger than 64 KiB");
		return -EINVAL;
	}
	b = malloc((size_t)st.st_size);
	if (b == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n = read(fd, b, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(b);
		snprintf(err, errlen, "cannot read OCSP response file '%s'",
			 path);
		return -EIO;
	}
	/* DER SEQUENCE header (X.690 §8.1.3): short or long length form */
	hdr = 2;
	body = b[1];
	if (b[1] & 0x80) {
		unsigned int k = b[1] & 0x7f;

		body = 0;
		if (k == 0 || k > 3 || (size_t)n < 2 + k)
			goto bad;
		for (unsigned int i = 0; i < k; i++)
			body = body << 8 | b[2 + i];
		hdr = 2 + k;
	}
	if (b[0] != 0x30 || hdr + body != (size_t)n)
		goto bad;
	*out = b;
	*outlen = (uint32_t)n;
	return 0;
bad:
	free(b);
	snprintf(err, errlen,
		 "OCSP response file '%s' is not a DER OCSPResponse", path);
	return -EINVAL;
}

/* wolfSSL's OCSP lookup: answer with the file's response. */
static int
hs_tls_ocsp_io(void *ctx, const char *url, int url_len, unsigned char *req,
	       int req_len, unsigned char **resp)
{
	struct hs_tls_ocsp *o = ctx;
	unsigned int cur;
	uint8_t *copy;

	(void)url;
	(void)url_len;
	(void)req;
	(void)req_len;
	*resp = NULL;
	if (o == NULL)
		return -1;
	cur = __atomic_load_n(&o->cur, __ATOMIC_ACQUIRE);
	copy = malloc(o->len[cur]); /* wolfSSL frees it through us */
	if (copy == NULL)
		return -1;
	memcpy(copy, o->buf[cur], o->len[cur]);
	*resp = copy;
	return (int)o->len[cur];
}

static void
hs_tls_ocsp_io_free(void *ctx, unsigned char *resp)
{
	(void)ctx;
	free(resp);
}

/* The second certificate of a PEM chain file, as PEM, or NULL. */
static char *
hs_tls_ocsp_issuer_pem(const char *cert_file, size_t *len)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	char *all, *p, *q, *out;
	size_t n;

	all = hs_tls_read_file(cert_file, (1 << 20) - 1, &n);
	if (all == NULL)
		return NULL;
	p = strstr(all, begin);
	p = p != NULL ? strstr(p + 1, begin) : NULL;
	q = p != NULL ? strstr(p, end) : NULL;
	if (q == NULL) {
		free(all);
		return NULL;
	}
	*len = (size_t)(q - p) + sizeof(end) - 1;
	out = malloc(*len + 1);
	if (out != NULL) {
		memcpy(out, p, *len);
		out[*len] = '\0';
	}
	free(all);
	return out;
}

int
hs_tls_ocsp_setup(struct WOLFSSL_CTX *wctx, const char *cert_file,
		  const char *staple_file, struct hs_tls_ocsp **out, char *err,
		  size_t errlen)
{
	struct hs_tls_ocsp *o;
	char *issuer;
	size_t ilen = 0;
	int rc;

	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (o == NULL || (o->path = strdup(staple_file)) == NULL) {
		free(o);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = hs_tls_ocsp_read(staple_file, &o->buf[0], &o->len[0], err, errlen);
	if (rc < 0) {
		hs_tls_ocsp_free(o);
		return rc;
	}
	o->last_reload_ms = hs_tls_ocsp_now_ms();
	issuer = hs_tls_ocsp_issuer_pem(cert_file, &ilen);
	if (issuer == NULL) {
		hs_tls_ocsp_free(o);
		snprintf(err, errlen,
			 "--ocsp-staple needs the issuer after the "
			 "certificate in '%s' (leaf first, then its CA)",
			 cert_file);
		return -EINVAL;
	}
	rc = wolfSSL_CTX_load_verify_buffer(wctx, (const unsigned char *)issuer,
					    (long)ilen, WOLFSSL_FILETYPE_PEM);
	free(issuer);
	if (rc != WOLFSSL_SUCCESS) {
		hs_tls_ocsp_free(o);
		snprintf(err, errlen,
			 "the issuer certificate in '%s' is not "
			 "usable to check OCSP responses (%d)",
			 cert_file, rc);
		return -EINVAL;
	}
	/* Stapling on; the URL override (kept after OCSP checking of peer
	 * certificates is switched off again) lets certificates without an
	 * AIA OCSP URI be stapled; our callback replaces the HTTP lookup. */
	if (wolfSSL_CTX_EnableOCSPStapling(wctx) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_EnableOCSP(wctx, WOLFSSL_OCSP_URL_OVERRIDE |
						 WOLFSSL_OCSP_NO_NONCE) !=
		    WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_DisableOCSP(wctx) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_SetOCSP_OverrideURL(wctx, "file:") != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_SetOCSP_Cb(wctx, hs_tls_ocsp_io, hs_tls_ocsp_io_free,
				   o) != WOLFSSL_SUCCESS) {
		hs_tls_ocsp_free(o);
		snprintf(err, errlen, "wolfSSL: cannot enable OCSP stapling");
		return -EIO;
	}
	*out = o;
	return 0;
}

int
hs_tls_ocsp_reload(struct hs_tls_ocsp *o, char *err, size_t errlen)
{
	unsigned int next;
	uint8_t *b;
	uint32_t len;
	uint64_t now = hs_tls_ocsp_now_ms();
	int rc;

	if (o == NULL) {
		snprintf(err, errlen, "OCSP stapling is not configured");
		return -EINVAL;
	}
	if (now - o->last_reload_ms < 1000) {
		snprintf(err, errlen,
			 "OCSP response reloaded less than a second ago");
		return -EBUSY;
	}
	rc = hs_tls_ocsp_read(o->path, &b, &len, err, errlen);
	if (rc < 0)
		return rc;
	next = o->cur ^ 1u;
	free(o->buf[next]); /* served two reloads ago */
	o->buf[next] = b;
	o->len[next] = len;
	__atomic_store_n(&o->cur, next, __ATOMIC_RELEASE);
	o->last_reload_ms = now;
	return 0;
}

size_t
hs_tls_ocsp_len(const struct hs_tls_ocsp *o)
{
	return o != NULL ? o->len[__atomic_load_n(&o->cur, __ATOMIC_ACQUIRE)]
			 : 0;
}

void
hs_tls_ocsp_free(struct hs_tls_ocsp *o)
{
	if (o == NULL)
		return;
	free(o->buf[0]);
	free(o->buf[1]);
	free(o->path);
	free(o);
}
