/* SPDX-License-Identifier: BSD-3-Clause
 * hs_conf.h - reading the configuration file (--config FILE).
 *
 * Format, one option per line:
 *
 *     # a comment (a line whose first non-blank character is '#')
 *     name value          # name = a long option without "--"
 *     name                # an option that takes no value
 *
 * Blanks (spaces, tabs) around the name and the value are ignored; the
 * value is the rest of the line after the blanks that follow the name, so
 * it may contain blanks; " #" (a blank then '#') starts a trailing
 * comment.  No quoting, no escapes, no includes.  An option that may be
 * given several times on the command line is given on several lines.
 *
 * This module only splits the file into (line, name, value) records and
 * rejects what is not a line of that shape; which names exist and what
 * values they take is decided by the option table (app/hs_opts.c), so every
 * command-line option is a configuration key.
 */
#ifndef HS_CONF_H
#define HS_CONF_H

#include <stddef.h>

struct hs_conf_rec {
	unsigned int line; /* 1-based */
	const char *name;  /* NUL-terminated, inside the conf buffer */
	const char *value; /* NULL when the line has no value */
};

struct hs_conf {
	char *path; /* copy of the file name */
	char *buf;  /* file contents, split in place */
	struct hs_conf_rec *rec;
	size_t n;
};

/* Largest configuration file accepted. */
#define HS_CONF_MAX_SIZE (1u << 20)

/* Read and split path.  On failure returns a negative code, frees
 * everything and writes "FILE: reason" or "FILE:LINE: reason" to err. */
int hs_conf_read(const char *path, struct hs_conf *out, char *err,
		 size_t errlen);
void hs_conf_free(struct hs_conf *c);

#endif
