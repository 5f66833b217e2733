/* SPDX-License-Identifier: BSD-3-Clause
 * hs_conf.c - configuration file reader (format in hs_conf.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_common.h"
#include "hs_conf.h"

static int __attribute__((format(printf, 5, 6)))
hs_conf_err(char *err, size_t errlen, const char *path, unsigned int line,
	    const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return -EINVAL;
	n = line ? snprintf(err, errlen, "%s:%u: ", path, line)
		 : snprintf(err, errlen, "%s: ", path);
	if (n < 0 || (size_t)n >= errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int
hs_conf_slurp(const char *path, char **out, size_t *len, char *err,
	      size_t errlen)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return hs_conf_err(err, errlen, path, 0, "cannot open: %s",
				   strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hs_conf_err(err, errlen, path, 0, "not a regular file");
	}
	if ((uint64_t)st.st_size > HS_CONF_MAX_SIZE) {
		close(fd);
		return hs_conf_err(err, errlen, path, 0, "larger than %u bytes",
				   HS_CONF_MAX_SIZE);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return hs_conf_err(err, errlen, path, 0, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			free(buf);
			return hs_conf_err(err, errlen, path, 0,
					   "read error: %s", strerror(e));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

static bool
hs_conf_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

int
hs_conf_read(const char *path, struct hs_conf *out, char *err, size_t errlen)
{
	size_t len = 0, lines = 1;
	unsigned int line = 0;
	char *p, *end;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = hs_conf_slurp(path, &out->buf, &len, err, errlen);
	if (rc < 0)
		return rc;
	out->path = strdup(path);
	for (size_t i = 0; i < len; i++) {
		if (out->buf[i] == '\0') {
			rc = hs_conf_err(err, errlen, path, (unsigned int)lines,
					 "NUL byte (not a text file)");
			hs_conf_free(out);
			return rc;
		}
		lines += out->buf[i] == '\n';
	}
	out->rec = calloc(lines, sizeof(*out->rec));
	if (out->path == NULL || out->rec == NULL) {
		hs_conf_free(out);
		return hs_conf_err(err, errlen, path, 0, "out of memory");
	}
	p = out->buf;
	end = out->buf + len;
	while (p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		char *name, *value, *q;

		line++;
		if (eol == NULL)
			eol = end;
		*eol = '\0';
		if (eol > p && eol[-1] == '\r')
			eol[-1] = '\0'; /* CRLF files */
		for (q = p; *q != '\0'; q++)
			if ((unsigned char)*q < 0x20 && *q != '\t') {
				rc = hs_conf_err(err, errlen, path, line,
						 "control character 0x%02x",
						 (unsigned char)*q);
				goto fail;
			}
		/* trailing comment: a '#' preceded by a blank */
		for (q = p; *q != '\0'; q++)
			if (*q == '#' && (q == p || hs_conf_blank(q[-1]))) {
				*q = '\0';
				break;
			}
		while (hs_conf_blank(*p))
			p++;
		q = p + strlen(p);
		while (q > p && hs_conf_blank(q[-1]))
			*--q = '\0';
		if (*p == '\0') {
			p = eol + 1;
			continue;
		}
		name = p;
		while (*p != '\0' && !hs_conf_blank(*p))
			p++;
		if (*p != '\0') {
			*p++ = '\0';
			while (hs_conf_blank(*p))
				p++;
		}
		value = *p != '\0' ? p : NULL;
		if (name[0] == '-') {
			rc = hs_conf_err(err, errlen, path, line,
					 "'%s': write option names without "
					 "leading dashes",
					 name);
			goto fail;
		}
		for (q = name; *q != '\0'; q++)
			if (!((*q >= 'a' && *q <= 'z') ||
			      (*q >= '0' && *q <= '9') || *q == '-')) {
				rc = hs_conf_err(err, errlen, path, line,
						 "'%s' is not an option name "
						 "(expected 'name value')",
						 name);
				goto fail;
			}
		out->rec[out->n++] = (struct hs_conf_rec){ line, name, value };
		p = eol + 1;
	}
	return 0;
fail:
	hs_conf_free(out);
	return rc;
}

void
hs_conf_free(struct hs_conf *c)
{
	free(c->rec);
	free(c->buf);
	free(c->path);
	memset(c, 0, sizeof(*c));
}
