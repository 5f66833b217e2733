/* SPDX-License-Identifier: BSD-3-Clause
 * hs_opts.h - httpsd's options: the option table, the command line, the
 * configuration file (--config, hs_conf.h) and their merge.
 *
 * Every application option is one row of the table in hs_opts.c: adding
 * an option is adding a field to struct hs_opts and a row there (a
 * generic kind, or a parser function).  getopt_long's table, --help and
 * the configuration-file keys are generated from it.
 *
 * Nothing here exits, prints or jumps: every function reports bad input
 * by returning a negative code and writing one line into err, naming the
 * option ("--https-port: 99999 is out of range (1..65535)") and, for a
 * configuration line, the file and line first ("FILE:LINE: ...").  The
 * command line prints "httpsd: <err>" and exits 2; a SIGHUP reload logs it
 * and keeps the running options.
 */
#ifndef HS_OPTS_H
#define HS_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hs_conf.h"
#include "hs_impair.h"
#include "hs_tcp.h"
#include "hs_tls.h"

/* Connections per client address per lcore: many users behind one NAT
 * (a carrier-grade NAT, an office) each open a handful, so 1024 leaves
 * room for a couple of hundred of them, while one address can no longer
 * take the whole table (--max-conns 16384). */
#define HS_PER_SOURCE_DEFAULT 1024

#define HS_OPTS_REC_AUTO UINT32_MAX /* tls_record_buffers: nb_mbufs / 32 */

struct hs_opts {
	uint32_t ip, mask, gw; /* network order */
	const char *addr_str;
	const char *cert, *key, *root;
	uint16_t https_port, http_port;
	uint32_t max_conns;
	uint32_t request_buffers; /* per lcore, 0: the server's default */
	uint32_t tls_key_blocks;  /* expanded TLS keys per lcore, 0: default */
	/* 16 KiB TLS record buffers (hs_transport.h), HS_OPTS_REC_AUTO:
	 * nb_mbufs / 32, 0: none */
	uint32_t tls_record_buffers;
	uint32_t idle_sleep_us;
	uint32_t nb_mbufs;
	uint16_t mtu;
	int port_id;  /* -1 = first available */
	bool tso_off; /* --tso off: no TCP segmentation offload */
	uint64_t max_file, max_total;
	const char *access_log;  /* file, or "off" */
	const char *upload_sink; /* --upload-sink, NULL = off */
	uint64_t max_body;       /* --max-body */
	bool impair_set;
	struct hs_impair_cfg impair; /* --impair, hs_impair.h (start-up only) */
	const char *client_ca;       /* --client-ca */
	enum hs_tls_client_auth client_auth; /* --client-auth, OFF if unset */
	const char *ocsp_staple;             /* --ocsp-staple */
	bool early_data;                     /* --early-data */
	enum hs_tls_crypto crypto;           /* --crypto */
	enum hs_tls_records records;         /* --tls-records */
	/* HTTP behaviour (struct hs_server_config; 0 ms = default). */
	uint32_t hsts_max_age;
	bool hsts_subdomains, hsts_preload;
	bool http_serve; /* --http-port-mode serve */
	uint32_t keepalive_requests;
	uint32_t handshake_ms, header_ms, keepalive_ms, send_ms, linger_ms;
	struct hs_tcp_params tcp; /* --cc, --time-wait, ... (start-up only) */
	const char *config;       /* --config FILE */
	bool check_config;
	uint32_t shutdown_timeout_s;
	/* TLS sites and resumption (--site, --sni-strict, --ticket-keys) */
	struct hs_tls_site sites[HS_TLS_MAX_SITES];
	size_t nb_sites;
	bool sni_strict;
	const char *ticket_keys;
	uint32_t ticket_lifetime; /* --ticket-lifetime, seconds */
};

/* One option occurrence: table row, value (NULL for no-value kinds) and
 * its configuration line (0 = command line). */
struct hs_optrec {
	unsigned int idx;
	unsigned int line;
	const char *val;
};

/* The command line's application options, scanned, nothing applied. */
struct hs_opts_cli {
	struct hs_optrec *rec; /* malloc'ed; values point into argv */
	size_t n;
	const char *config; /* --config FILE, or NULL */
};

/* The result of one build: the records applied, in order, and the
 * configuration file their values point into.  struct hs_opts's strings
 * point into it (or into argv): keep it as long as the options. */
struct hs_opts_build {
	struct hs_conf conf;
	struct hs_optrec *rec;
	size_t n;
};

/* Return codes besides 0 and negative errors: a --help or --version
 * option was met (the caller prints and exits 0). */
#define HS_OPTS_HELP    1
#define HS_OPTS_VERSION 2

/* Scan argv[1..argc) (the application options, after EAL's "--";
 * argv[0] is the program name) into cl.  0, HS_OPTS_HELP (-h), or a
 * negative code with the reason in err (unknown option, missing value,
 * stray argument).  Free cl with hs_opts_cli_free. */
int hs_opts_scan(int argc, char **argv, struct hs_opts_cli *cl, char *err,
		 size_t errlen);
void hs_opts_cli_free(struct hs_opts_cli *cl);

/* Build options from the defaults, then the configuration file cfg_path
 * (if not NULL), then the command line cl (which overrides the file
 * option by option: an option given on the command line is ignored in
 * the file), then check the options against each other.
 * On success returns 0 and fills *o and *b (b must not hold a build:
 * free the previous one first, or pass a fresh one).  Otherwise returns
 * a negative code with a one-line reason in err, or HS_OPTS_HELP /
 * HS_OPTS_VERSION, and leaves *o and *b untouched. */
int hs_opts_build(struct hs_opts *o, struct hs_opts_build *b,
		  const char *cfg_path, const struct hs_opts_cli *cl, char *err,
		  size_t errlen);
void hs_opts_build_free(struct hs_opts_build *b);

/* Names ("--cc, --mtu") of the options that need a restart (not applied
 * by a reload) and whose values differ between builds a and b; "" when
 * none. */
void hs_opts_changed(const struct hs_opts_build *a,
		     const struct hs_opts_build *b, char *buf, size_t len);

/* --help's text, generated from the table. */
void hs_opts_usage(FILE *f);

#endif
