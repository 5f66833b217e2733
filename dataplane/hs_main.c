/* SPDX-License-Identifier: BSD-3-Clause
 * hs_main.c - httpsd entry point: options, EAL and port set-up, the poll
 * loop, clean shutdown.
 *
 *   httpsd [EAL options] -- --addr A.B.C.D/N --cert F --key F --root DIR
 *          [--gateway A.B.C.D] [--https-port N] [--http-port N] ...
 *
 * Application options are validated (and certificates, keys and the
 * document root loaded) before EAL starts, so mistakes are reported in one
 * line with exit code 2 without touching hugepages or ports.
 *
 * --config FILE reads the same options from a file (hs_conf.h: "name
 * value" lines); the command line overrides it option by option.
 * --check-config stops after that validation (exit 0 or 2).  SIGHUP
 * re-reads the file and applies what can change live (HS_OPTF_LIVE),
 * builds a new TLS context and file cache and runs the reload hooks
 * (hs_reload.h); SIGTERM drains (hs_server.h), a second SIGTERM or a
 * SIGINT stops at once.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_version.h>
#include <rte_mbuf.h>

#include "hs_common.h"
#include "hs_conf.h"
#include "hs_impair.h"
#include "hs_lcore.h"
#include "hs_rcu.h"
#include "hs_reload.h"
#include "hs_port.h"
#include "hs_stats.h"
#include "hs_tls.h"
#include "hs_tls_crypto.h"
#include "hs_http.h"
#include "hs_http_files.h"
#include "hs_log.h"
#include "hs_server.h"

#define HS_VERSION "0.1.0"
#define HS_STR_(x) #x
#define HS_STR(x) HS_STR_(x)
/* Connections per client address per lcore: many users behind one NAT
 * (a carrier-grade NAT, an office) each open a handful, so 1024 leaves
 * room for a couple of hundred of them, while one address can no longer
 * take the whole table (--max-conns 16384). */
#define HS_PER_SOURCE_DEFAULT 1024

struct hs_opts {
	uint32_t ip, mask, gw;            /* network order */
	const char *addr_str;
	const char *cert, *key, *root;
	uint16_t https_port, http_port;
	uint32_t max_conns;
	uint32_t idle_sleep_us;
	uint32_t nb_mbufs;
	uint16_t mtu;
	int port_id;                      /* -1 = first available */
	uint64_t max_file, max_total;
	const char *access_log;           /* file, or "off" */
	const char *upload_sink;          /* --upload-sink, NULL = off */
	uint64_t max_body;                /* --max-body */
	bool impair_set;
	struct hs_impair_cfg impair;      /* --impair, hs_impair.h (start-up only) */
	const char *client_ca;            /* --client-ca */
	enum hs_tls_client_auth client_auth; /* --client-auth, OFF if unset */
	const char *ocsp_staple;          /* --ocsp-staple */
	bool early_data;                  /* --early-data */
	enum hs_tls_crypto crypto;        /* --crypto */
	enum hs_tls_records records;      /* --tls-records */
	/* HTTP behaviour (struct hs_server_config; 0 ms = default). */
	uint32_t hsts_max_age;
	bool hsts_subdomains, hsts_preload;
	bool http_serve;                  /* --http-port-mode serve */
	uint32_t keepalive_requests;
	uint32_t handshake_ms, header_ms, keepalive_ms, send_ms;
	struct hs_tcp_params tcp;         /* --cc, --time-wait, ... (start-up only) */
	const char *config;               /* --config FILE */
	bool check_config;
	uint32_t shutdown_timeout_s;
	/* TLS sites and resumption (--site, --sni-strict, --ticket-keys) */
	struct hs_tls_site sites[HS_TLS_MAX_SITES];
	size_t nb_sites;
	bool sni_strict;
	const char *ticket_keys;
	uint32_t ticket_lifetime;         /* --ticket-lifetime, seconds */
};

/* ---- option table ------------------------------------------------------
 * Every application option is one row: adding an option is adding a
 * field to struct hs_opts and a row here (a generic kind, or HS_OPT_FN
 * with a parser).  getopt_long's table and --help are generated from it.
 */
enum hs_opt_kind {
	HS_OPT_STR,       /* const char * (into argv or the config file) */
	HS_OPT_U16, HS_OPT_U32, HS_OPT_U64, HS_OPT_INT,  /* decimal in [min, max] */
	HS_OPT_IP,        /* uint32_t, network order */
	HS_OPT_MS,        /* uint32_t milliseconds: "N" seconds, "Nms", "Ns", "Nm" */
	HS_OPT_BOOL,      /* no value: sets a bool */
	HS_OPT_FN,        /* custom parser */
	HS_OPT_ACTION,    /* no value: runs fn and exits (--help, --version) */
};

/* Row flags (the last field, so rows may leave it out). */
#define HS_OPTF_LIVE   1u /* a SIGHUP reload applies a new value */
#define HS_OPTF_REPEAT 2u /* may be given several times (fn accumulates) */
#define HS_OPTF_CLI    4u /* command line only, not a configuration key */

struct hs_optdef {
	const char *name;                 /* without "--" */
	enum hs_opt_kind kind;
	size_t off;                       /* field in struct hs_opts */
	uint64_t min, max;                /* integer kinds */
	void (*fn)(struct hs_opts *o, const char *val);
	bool required;
	const char *metavar;              /* NULL for HS_OPT_ACTION/BOOL */
	const char *help;                 /* "\n" continues on the next line */
	unsigned int flags;               /* HS_OPTF_* */
};
/* Rows are also configuration-file keys (hs_conf.h).  A HS_OPT_FN parser
 * writes only into struct hs_opts (a reload parses into a fresh one) and
 * reports bad input with die_usage(), which names the config line. */

#define HS_OFF(f) offsetof(struct hs_opts, f)

static void opt_addr(struct hs_opts *o, const char *val);
static void opt_site(struct hs_opts *o, const char *val);
static void opt_help(struct hs_opts *o, const char *val);
static void opt_version(struct hs_opts *o, const char *val);
static void opt_impair(struct hs_opts *o, const char *val);
static void opt_upload_sink(struct hs_opts *o, const char *val);
static void opt_client_auth(struct hs_opts *o, const char *val);
static void opt_crypto(struct hs_opts *o, const char *val);
static void opt_tls_records(struct hs_opts *o, const char *val);
static void opt_http_port_mode(struct hs_opts *o, const char *val);
static void opt_cc(struct hs_opts *o, const char *val);
static void opt_per_source(struct hs_opts *o, const char *val);
static void opt_time_wait(struct hs_opts *o, const char *val);
static void opt_initcwnd(struct hs_opts *o, const char *val);
static void opt_rto_min(struct hs_opts *o, const char *val);
static void opt_mem_lcore(struct hs_opts *o, const char *val);
static void opt_send_buffer(struct hs_opts *o, const char *val);
static void opt_send_buffer_max(struct hs_opts *o, const char *val);
static void opt_recv_buffer(struct hs_opts *o, const char *val);

static const struct hs_optdef hs_optdefs[] = {
	{ "addr", HS_OPT_FN, 0, 0, 0, opt_addr, true, "A.B.C.D/N",
	  "the server's IPv4 address and prefix length" },
	{ "cert", HS_OPT_STR, HS_OFF(cert), 0, 0, NULL, true, "FILE",
	  "PEM certificate (leaf first, then the chain)", HS_OPTF_LIVE },
	{ "key", HS_OPT_STR, HS_OFF(key), 0, 0, NULL, true, "FILE",
	  "PEM private key matching --cert", HS_OPTF_LIVE },
	{ "root", HS_OPT_STR, HS_OFF(root), 0, 0, NULL, true, "DIR",
	  "document root, loaded into memory at start-up\nand on SIGHUP",
	  HS_OPTF_LIVE },
	{ "site", HS_OPT_FN, 0, 0, 0, opt_site, false, "NAME=CERT,KEY",
	  "another certificate, for SNI server name NAME\n(host or *.domain; repeatable; --cert is the default)",
	  HS_OPTF_LIVE | HS_OPTF_REPEAT },
	{ "sni-strict", HS_OPT_BOOL, HS_OFF(sni_strict), 0, 0, NULL, false, NULL,
	  "refuse (unrecognized_name alert) server names\nmatching no --site and no name of --cert",
	  HS_OPTF_LIVE },
	{ "ticket-keys", HS_OPT_STR, HS_OFF(ticket_keys), 0, 0, NULL, false, "FILE",
	  "session ticket keys: one 64-hex-digit key per line,\nfirst encrypts, all decrypt (default: random;\nre-read on SIGHUP)",
	  HS_OPTF_LIVE },
	{ "ticket-lifetime", HS_OPT_U32, HS_OFF(ticket_lifetime), 1,
	  HS_TLS_TICKET_LIFETIME_MAX, NULL, false, "S",
	  "session lifetime: tickets' lifetime hint, older tickets\nand cached sessions get a full handshake\n(default 7200, at most 604800 = 7 days)",
	  HS_OPTF_LIVE },
	{ "gateway", HS_OPT_IP, HS_OFF(gw), 0, 0, NULL, false, "A.B.C.D",
	  "next hop for off-link clients" },
	{ "https-port", HS_OPT_U16, HS_OFF(https_port), 1, 65535, NULL, false, "N",
	  "HTTPS port (default 443)" },
	{ "http-port", HS_OPT_U16, HS_OFF(http_port), 0, 65535, NULL, false, "N",
	  "plain HTTP port (default 80, 0 = off)" },
	{ "port", HS_OPT_INT, HS_OFF(port_id), 0, RTE_MAX_ETHPORTS - 1, NULL, false, "N",
	  "DPDK port id (default: the first one)" },
	{ "mtu", HS_OPT_U16, HS_OFF(mtu), 576, 9000, NULL, false, "N",
	  "IP MTU (default 1500)" },
	{ "max-conns", HS_OPT_U32, HS_OFF(max_conns), 1, 1u << 22, NULL, false, "N",
	  "TCP connections per lcore (default 16384)" },
	{ "mbufs", HS_OPT_U32, HS_OFF(nb_mbufs), 1024, 1u << 24, NULL, false, "N",
	  "mbufs in the packet pool (default 32767)" },
	{ "max-file", HS_OPT_U64, HS_OFF(max_file), 0, 1ull << 40, NULL, false, "BYTES",
	  "largest file loaded from --root (default 256 MiB)", HS_OPTF_LIVE },
	{ "access-log", HS_OPT_STR, HS_OFF(access_log), 0, 0, NULL, false, "FILE|off",
	  "access log, combined format (default " HS_LOG_DEFAULT_PATH ")" },
	{ "idle-sleep", HS_OPT_U32, HS_OFF(idle_sleep_us), 0, 1000000, NULL, false, "US",
	  "sleep US microseconds after a run of empty polls\n(default 0: busy polling)",
	  HS_OPTF_LIVE },
	{ "impair", HS_OPT_FN, 0, 0, 0, opt_impair, false, "SPEC",
	  "impair the link (testing): [rx:|tx:]key=value,... with\n"
	  "loss, dup, reorder, corrupt (percent), delay, jitter (ms),\n"
	  "rate (Mbit/s), limit (held frames), seed; no prefix = both\n"
	  "directions (rx: what we receive, tx: what we send)",
	  HS_OPTF_REPEAT },
	{ "tcp-rto-min", HS_OPT_FN, 0, 0, 0, opt_rto_min, false, "MS",
	  "lower bound of the TCP retransmission timeout (default 200,\n"
	  "as Linux; like its per-route rto_min)" },
	{ "upload-sink", HS_OPT_FN, 0, 0, 0, opt_upload_sink, false, "PATH",
	  "test upload endpoint: a POST to exactly PATH is hashed, not\n"
	  "stored, and answered \"sha256=<hex> bytes=<n>\" (default off)",
	  HS_OPTF_LIVE },
	{ "max-body", HS_OPT_U64, HS_OFF(max_body), 1, 1ull << 40, NULL, false, "BYTES",
	  "largest --upload-sink body, 413 above (default 64 MiB)",
	  HS_OPTF_LIVE },
	{ "client-ca", HS_OPT_STR, HS_OFF(client_ca), 0, 0, NULL, false, "FILE",
	  "request TLS client certificates and verify them\nagainst these PEM CA certificates",
	  HS_OPTF_LIVE },
	{ "client-auth", HS_OPT_FN, 0, 0, 0, opt_client_auth, false, "MODE",
	  "with --client-ca: 'required' (default) or 'optional'",
	  HS_OPTF_LIVE },
	{ "ocsp-staple", HS_OPT_STR, HS_OFF(ocsp_staple), 0, 0, NULL, false, "FILE",
	  "staple this DER OCSP response (openssl ocsp -respout)\nto handshakes that ask for status_request",
	  HS_OPTF_LIVE },
	{ "early-data", HS_OPT_BOOL, HS_OFF(early_data), 0, 0, NULL, false, NULL,
	  "accept TLS 1.3 0-RTT early data (GET/HEAD served,\nothers 425; replayed ClientHellos get 1-RTT)",
	  HS_OPTF_LIVE },
	{ "crypto", HS_OPT_FN, 0, 0, 0, opt_crypto, false, "NAME",
	  "AES-GCM record crypto: ipsec-mb (default) or wolfssl" },
	{ "tls-records", HS_OPT_FN, 0, 0, 0, opt_tls_records, false, "WHO",
	  "records after the handshake: own (default: our record\nlayer on ipsec-mb) or wolfssl" },
	{ "http-port-mode", HS_OPT_FN, 0, 0, 0, opt_http_port_mode, false, "MODE",
	  "redirect (default: 301 to the https URL) or serve",
	  HS_OPTF_LIVE },
	{ "hsts-max-age", HS_OPT_U32, HS_OFF(hsts_max_age), 0, 1u << 30, NULL, false, "S",
	  "Strict-Transport-Security max-age on HTTPS\n(default 31536000, 0 = no header)",
	  HS_OPTF_LIVE },
	{ "hsts-include-subdomains", HS_OPT_BOOL, HS_OFF(hsts_subdomains), 0, 0, NULL, false, NULL,
	  "add includeSubDomains to Strict-Transport-Security",
	  HS_OPTF_LIVE },
	{ "hsts-preload", HS_OPT_BOOL, HS_OFF(hsts_preload), 0, 0, NULL, false, NULL,
	  "add preload to Strict-Transport-Security",
	  HS_OPTF_LIVE },
	{ "keepalive-requests", HS_OPT_U32, HS_OFF(keepalive_requests), 1, 1u << 30, NULL, false, "N",
	  "requests per connection before it is closed (default 1000)",
	  HS_OPTF_LIVE },
	{ "keepalive-timeout", HS_OPT_MS, HS_OFF(keepalive_ms), 10, 86400000, NULL, false, "T",
	  "idle time between requests (default 75s); T is N seconds\nor Nms, Ns, Nm",
	  HS_OPTF_LIVE },
	{ "header-timeout", HS_OPT_MS, HS_OFF(header_ms), 10, 86400000, NULL, false, "T",
	  "a started request head must complete within T (default 60s)",
	  HS_OPTF_LIVE },
	{ "handshake-timeout", HS_OPT_MS, HS_OFF(handshake_ms), 10, 86400000, NULL, false, "T",
	  "the TLS handshake must complete within T (default 60s)",
	  HS_OPTF_LIVE },
	{ "send-timeout", HS_OPT_MS, HS_OFF(send_ms), 10, 86400000, NULL, false, "T",
	  "longest time without send progress (default 60s)",
	  HS_OPTF_LIVE },
	{ "shutdown-timeout", HS_OPT_U32, HS_OFF(shutdown_timeout_s), 0, 86400, NULL, false, "S",
	  "SIGTERM: seconds in-flight responses get to finish\n(default 20; 0: stop at once)",
	  HS_OPTF_LIVE },
	{ "config", HS_OPT_STR, HS_OFF(config), 0, 0, NULL, false, "FILE",
	  "read options from FILE, one 'name value' per line\n(command-line options override it;\nre-read on SIGHUP)",
	  HS_OPTF_CLI },
	{ "check-config", HS_OPT_BOOL, HS_OFF(check_config), 0, 0, NULL, false, NULL,
	  "validate the options and the files they name\n(certificate, key, root), then exit 0 or 2",
	  HS_OPTF_CLI },
	{ "cc", HS_OPT_FN, 0, 0, 0, opt_cc, false, "cubic|newreno",
	  "TCP congestion control (default cubic)" },
	{ "initcwnd", HS_OPT_FN, 0, 0, 0, opt_initcwnd, false, "N",
	  "TCP initial window in segments (default 10, RFC 6928),\n1..100" },
	{ "max-conns-per-source", HS_OPT_FN, 0, 0, 0, opt_per_source, false, "N",
	  "TCP connections per client address per lcore\n(default " HS_STR(HS_PER_SOURCE_DEFAULT) ", 0: no limit)" },
	{ "mem-lcore", HS_OPT_FN, 0, 0, 0, opt_mem_lcore, false, "N",
	  "mbufs the connections of one lcore may hold in their\n"
	  "queues; above 7/8 of it the worst are reset (default 0:\n"
	  "the pool minus rings, caches and 1/8 reserve, per lcore)" },
	{ "send-buffer", HS_OPT_FN, 0, 0, 0, opt_send_buffer, false, "BYTES",
	  "initial send queue per connection, and bytes/1024+16\nmbufs (default 262144; 16384..67108864)" },
	{ "send-buffer-max", HS_OPT_FN, 0, 0, 0, opt_send_buffer_max, false, "BYTES",
	  "send queue a connection may grow to with its congestion\n"
	  "window, 2*cwnd+64KiB, at most 1/4 of --mem-lcore (default\n"
	  "4194304; 16384..67108864; at most --send-buffer: fixed)" },
	{ "recv-buffer", HS_OPT_FN, 0, 0, 0, opt_recv_buffer, false, "BYTES",
	  "receive window per connection, and bytes/1024+16 mbufs\n(default 262144; 16384..16777216)" },
	{ "time-wait", HS_OPT_FN, 0, 0, 0, opt_time_wait, false, "T",
	  "TCP TIME_WAIT length (default 60s = 2*MSL), 1ms..10m" },
	{ "version", HS_OPT_ACTION, 0, 0, 0, opt_version, false, NULL,
	  "print versions and exit", HS_OPTF_CLI },
	{ "help", HS_OPT_ACTION, 0, 0, 0, opt_help, false, NULL,
	  "print this help and exit", HS_OPTF_CLI },
};

#define HS_NB_OPTS HS_ARRAY_SIZE(hs_optdefs)

static void
usage_opt(FILE *f, const struct hs_optdef *d)
{
	char lhs[48];
	const char *h = d->help, *nl;

	snprintf(lhs, sizeof(lhs), "--%s%s%s", d->name, d->metavar ? " " : "",
		 d->metavar ? d->metavar : "");
	fprintf(f, "  %-21s", lhs);
	if (strlen(lhs) > 20)
		fprintf(f, "\n  %-21s", "");
	while ((nl = strchr(h, '\n')) != NULL) {
		fprintf(f, "%.*s\n  %-21s", (int)(nl - h), h, "");
		h = nl + 1;
	}
	fprintf(f, "%s\n", h);
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: httpsd [EAL options] -- [options]\n"
"\n"
"Serve the files under --root over HTTPS (and HTTP) from a DPDK port.\n"
"\n"
"Required:\n");
	for (size_t i = 0; i < HS_NB_OPTS; i++)
		if (hs_optdefs[i].required)
			usage_opt(f, &hs_optdefs[i]);
	fprintf(f, "Optional:\n");
	for (size_t i = 0; i < HS_NB_OPTS; i++)
		if (!hs_optdefs[i].required)
			usage_opt(f, &hs_optdefs[i]);
	fprintf(f,
"\n"
"Example (no special NIC needed):\n"
"  httpsd -l 0 --no-huge -m 512 --vdev=net_af_packet0,iface=veth0 -- \\\n"
"      --addr 198.18.0.1/24 --cert cert.pem --key key.pem --root www\n"
"\n"
"Several cores: with EAL -l 0-N the main lcore (the first) does not poll;\n"
"each of the N worker lcores owns one RX/TX queue pair (RSS with a\n"
"symmetric key; for net_af_packet add qpairs=N to --vdev).\n"
"\n"
"Counters: DPDK telemetry commands /httpsd/stats, /httpsd/lcore_stats,N\n"
"and /httpsd/info; printed at exit.\n"
"\n"
"Signals: SIGHUP reloads (--config file, certificate, key, files);\n"
"SIGTERM drains (no new connections, responses in flight finish, up to\n"
"--shutdown-timeout), then exits 0; SIGINT or a second SIGTERM stops now.\n");
}

/* Where the option being applied came from: "FILE:LINE: " for a config
 * line, "" for the command line.  die_usage() puts it first. */
static char hs_where[300];
/* During a SIGHUP reload die_usage() must not exit: it stores the message
 * here and jumps back to the reload, which keeps the running state. */
static jmp_buf *hs_usage_jmp;
static char hs_usage_msg[512];

static void __attribute__((noreturn, format(printf, 1, 2)))
die_usage(const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(hs_usage_msg, sizeof(hs_usage_msg), "%s", hs_where);

	va_start(ap, fmt);
	vsnprintf(hs_usage_msg + n, sizeof(hs_usage_msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (hs_usage_jmp != NULL)
		longjmp(*hs_usage_jmp, 1);
	fprintf(stderr, "httpsd: %s\n", hs_usage_msg);
	exit(HS_EXIT_USAGE);
}

static uint64_t
parse_uint(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		die_usage("%s: '%s' is not a number", opt, s);
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		die_usage("%s: '%s' is not a number", opt, s);
	if (v < min || v > max)
		die_usage("%s: %s is out of range (%llu..%llu)", opt, s,
			  (unsigned long long)min, (unsigned long long)max);
	return v;
}

static uint32_t
parse_ip(const char *opt, const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		die_usage("%s: '%s' is not an IPv4 address", opt, s);
	return a.s_addr;
}

/* "N" (seconds), "Nms", "Ns" or "Nm", like nginx's time values. */
static uint32_t
parse_ms(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v, mul = 1000;

	errno = 0;
	if (*s < '0' || *s > '9')
		die_usage("%s: '%s' is not a time (N, Nms, Ns or Nm)", opt, s);
	v = strtoull(s, &end, 10);
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else
		die_usage("%s: '%s' is not a time (N, Nms, Ns or Nm)", opt, s);
	if (errno != 0 || v > max || v * mul < min || v * mul > max)
		die_usage("%s: %s is out of range (%llums..%llus)", opt, s,
			  (unsigned long long)min, (unsigned long long)max / 1000);
	return (uint32_t)(v * mul);
}

static void
opt_tls_records(struct hs_opts *o, const char *s)
{
	if (hs_tls_records_parse(s, &o->records) < 0)
		die_usage("--tls-records: '%s' is not own or wolfssl", s);
}

static void
opt_crypto(struct hs_opts *o, const char *s)
{
	if (hs_tls_crypto_parse(s, &o->crypto) < 0)
		die_usage("--crypto: '%s' is not ipsec-mb or wolfssl", s);
	if (o->crypto == HS_TLS_CRYPTO_IPSECMB && !hs_tls_crypto_available())
		die_usage("--crypto ipsec-mb: this build has no ipsec-mb");
}

static void
opt_http_port_mode(struct hs_opts *o, const char *s)
{
	if (strcmp(s, "redirect") == 0)
		o->http_serve = false;
	else if (strcmp(s, "serve") == 0)
		o->http_serve = true;
	else
		die_usage("--http-port-mode: '%s' is not redirect or serve", s);
}

static void
opt_addr(struct hs_opts *o, const char *s)
{
	char buf[64];
	char *slash;
	uint64_t plen;

	if (strlen(s) >= sizeof(buf))
		die_usage("--addr: '%s' is not A.B.C.D/N", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		die_usage("--addr: '%s' lacks a prefix length (A.B.C.D/N)", s);
	*slash = '\0';
	o->ip = parse_ip("--addr", buf);
	plen = parse_uint("--addr prefix length", slash + 1, 1, 32);
	o->mask = htonl((uint32_t)(0xffffffffull << (32 - plen)));
	if (o->ip == 0 || (ntohl(o->ip) >> 28) >= 14 || (ntohl(o->ip) >> 24) == 127)
		die_usage("--addr: %s is not a usable unicast address", buf);
	o->addr_str = s;
}

/* --site NAME=CERT,KEY: the strings point into argv. */
/* Strings cut out of option values, kept for the life of the process and
 * shared by equal contents, so that re-parsing on every SIGHUP does not
 * grow memory. */
struct opt_str {
	struct opt_str *next;
	char s[];
};
static struct opt_str *opt_strs;

static const char *
opt_intern(const char *p, size_t n)
{
	struct opt_str *e;

	for (e = opt_strs; e != NULL; e = e->next)
		if (strncmp(e->s, p, n) == 0 && e->s[n] == '\0')
			return e->s;
	e = malloc(sizeof(*e) + n + 1);
	if (e == NULL)
		die_usage("out of memory");
	memcpy(e->s, p, n);
	e->s[n] = '\0';
	e->next = opt_strs;
	opt_strs = e;
	return e->s;
}

static void
opt_site(struct hs_opts *o, const char *s)
{
	struct hs_tls_site *st;
	const char *eq, *comma;

	if (o->nb_sites == HS_TLS_MAX_SITES)
		die_usage("--site: at most %d sites", HS_TLS_MAX_SITES);
	eq = strchr(s, '=');
	comma = eq != NULL ? strchr(eq + 1, ',') : NULL;
	if (eq == NULL || eq == s || comma == NULL || comma == eq + 1 ||
	    comma[1] == '\0' || strchr(comma + 1, ',') != NULL)
		die_usage("--site: '%s' is not NAME=CERT,KEY", s);
	/* The value is left intact (a SIGHUP parses it again). */
	st = &o->sites[o->nb_sites++];
	st->name = opt_intern(s, (size_t)(eq - s));
	st->cert_file = opt_intern(eq + 1, (size_t)(comma - eq - 1));
	st->key_file = opt_intern(comma + 1, strlen(comma + 1));
}

static void
opt_client_auth(struct hs_opts *o, const char *s)
{
	if (hs_tls_client_auth_parse(s, &o->client_auth) < 0)
		die_usage("--client-auth: '%s' is not 'optional' or 'required'", s);
}

/* Store val into the option's field according to its kind. */
static void
opt_apply(struct hs_opts *o, const struct hs_optdef *d, const char *val)
{
	char what[64];
	void *field = (char *)o + d->off;

	snprintf(what, sizeof(what), "--%s", d->name);
	switch (d->kind) {
	case HS_OPT_STR: *(const char **)field = val; break;
	case HS_OPT_U16: *(uint16_t *)field = parse_uint(what, val, d->min, d->max); break;
	case HS_OPT_U32: *(uint32_t *)field = parse_uint(what, val, d->min, d->max); break;
	case HS_OPT_U64: *(uint64_t *)field = parse_uint(what, val, d->min, d->max); break;
	case HS_OPT_INT: *(int *)field = (int)parse_uint(what, val, d->min, d->max); break;
	case HS_OPT_IP: *(uint32_t *)field = parse_ip(what, val); break;
	case HS_OPT_MS: *(uint32_t *)field = parse_ms(what, val, d->min, d->max); break;
	case HS_OPT_BOOL: *(bool *)field = true; break;
	case HS_OPT_FN: case HS_OPT_ACTION: d->fn(o, val); break;
	}
}

#ifndef HS_WOLFSSL_TUNED
#define HS_WOLFSSL_TUNED 0
#endif
#ifndef HS_WOLFSSL_HALF_RTT
#define HS_WOLFSSL_HALF_RTT 0
#endif

/* Versions, which wolfSSL build meson linked (the tuned .deps/wolfssl or
 * Debian's fallback) and who seals TLS records: the AES-GCM path line
 * names the ipsec-mb arch init_mb_mgr_auto picks on this CPU. */
static void
print_version(void)
{
	bool mb = hs_tls_crypto_available() && hs_tls_global_init() == 0;

	printf("httpsd %s\n%s\n%s\n", HS_VERSION, rte_version(),
	       hs_tls_version_string());
	printf("wolfSSL build: %s\n", HS_WOLFSSL_TUNED ?
	       "tuned (.deps/wolfssl)" : "fallback (Debian libwolfssl, no AES-NI)");
	printf("0-RTT answers: %s\n", HS_WOLFSSL_TUNED && HS_WOLFSSL_HALF_RTT ?
	       "0.5-RTT (sent before the client's Finished)" :
	       "after the client's Finished");
	if (mb)
		printf("AES-GCM path: %s (%s, %s)\n",
		       hs_tls_crypto_name(HS_TLS_CRYPTO_IPSECMB),
		       hs_tls_crypto_version(), hs_tls_crypto_arch());
	else
		printf("AES-GCM path: %s (%s)\n",
		       hs_tls_crypto_name(HS_TLS_CRYPTO_WOLFSSL),
		       hs_tls_crypto_available() ? "ipsec-mb unusable on this CPU" :
		       hs_tls_crypto_version());
	printf("TLS records after the handshake: %s\n", hs_tls_own_available() ?
	       "own (--tls-records own|wolfssl)" :
	       "wolfssl (this wolfSSL has no secret callback, or no ipsec-mb)");
	if (mb)
		hs_tls_global_fini();
}

static void
opt_impair(struct hs_opts *o, const char *val)
{
	char err[160];

	if (!o->impair_set) {
		hs_impair_cfg_init(&o->impair);
		o->impair_set = true;
	}
	if (hs_impair_parse(&o->impair, val, err, sizeof(err)) < 0)
		die_usage("--impair: %s", err);
}

static void
opt_upload_sink(struct hs_opts *o, const char *val)
{
	if (val[0] != '/')
		die_usage("--upload-sink: '%s' is not an absolute path (e.g. /upload)", val);
	for (const char *p = val; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			die_usage("--upload-sink: '%s' has a space or control character", val);
	o->upload_sink = val;
}

static void
opt_help(struct hs_opts *o, const char *val)
{
	usage(stdout);
	exit(0);
}

static void
opt_version(struct hs_opts *o, const char *val)
{
	print_version();
	exit(0);
}

/* TCP tunables: parsed into o->tcp (a copy of hs_tcp_params), which
 * main() installs once at start-up (they need a restart). */
static void
opt_cc(struct hs_opts *o, const char *val)
{
	int cc = hs_tcp_cc_find(val);

	if (cc < 0)
		die_usage("--cc: '%s' is not cubic or newreno", val);
	o->tcp.cc = (uint32_t)cc;
}

static void
opt_per_source(struct hs_opts *o, const char *val)
{
	o->tcp.max_per_source = (uint32_t)
		parse_uint("--max-conns-per-source", val, 0, 1u << 22);
}

static void
opt_mem_lcore(struct hs_opts *o, const char *val)
{
	o->tcp.mem_lcore_max = (uint32_t)parse_uint("--mem-lcore", val, 0, 1u << 24);
	if (o->tcp.mem_lcore_max != 0 && o->tcp.mem_lcore_max < 256)
		die_usage("--mem-lcore: %s is below 256 (0 = automatic)", val);
}

static void
opt_send_buffer(struct hs_opts *o, const char *val)
{
	o->tcp.sndbuf = (uint32_t)parse_uint("--send-buffer", val, 16384, 64u << 20);
}

static void
opt_send_buffer_max(struct hs_opts *o, const char *val)
{
	o->tcp.sndbuf_max = (uint32_t)parse_uint("--send-buffer-max", val, 16384, 64u << 20);
}

static void
opt_recv_buffer(struct hs_opts *o, const char *val)
{
	o->tcp.rcvbuf = (uint32_t)parse_uint("--recv-buffer", val, 16384, 16u << 20);
}

static void
opt_initcwnd(struct hs_opts *o, const char *val)
{
	o->tcp.initcwnd = (uint32_t)parse_uint("--initcwnd", val, 1,
					       HS_TCP_INITCWND_MAX);
}

static void
opt_time_wait(struct hs_opts *o, const char *val)
{
	o->tcp.time_wait_ms = parse_ms("--time-wait", val, 1, 600000);
}

static void
opt_rto_min(struct hs_opts *o, const char *val)
{
	o->tcp.rto_min_ms = (uint32_t)parse_uint("--tcp-rto-min", val, 1, 60000);
}

/* ---- building the options: command line + configuration file ---------- */

/* One option occurrence: table row, value (NULL for no-value kinds) and
 * its config line (0 = command line). */
struct hs_optrec {
	unsigned int idx;
	unsigned int line;
	const char *val;
};

/* The result of one build: the records applied, in order, and the
 * config file their values point into. */
struct hs_build {
	struct hs_conf conf;
	struct hs_optrec *rec;
	size_t n;
};

static const struct hs_opts hs_opts_defaults = {
	.https_port = 443, .http_port = 80, .max_conns = 16384,
	.nb_mbufs = 32767, .mtu = 1500, .port_id = -1,
	.max_file = 256ull << 20, .max_total = 4ull << 30,
	.shutdown_timeout_s = 20,
	.ticket_lifetime = HS_TLS_TICKET_LIFETIME_DEFAULT,
	.access_log = HS_LOG_DEFAULT_PATH,
	.hsts_max_age = HS_HTTP_HSTS_MAX_AGE_DEFAULT,
	.keepalive_requests = HS_HTTP_KEEPALIVE_REQS_DEFAULT,
	.records = HS_TLS_RECORDS_OWN,
};

static void
build_free(struct hs_build *b)
{
	hs_conf_free(&b->conf);
	free(b->rec);
	b->rec = NULL;
	b->n = 0;
}

/* Command-line application options as records (nothing applied yet). */
static void
scan_cmdline(int argc, char **argv, struct hs_optrec **out, size_t *nout)
{
	struct option lopts[HS_NB_OPTS + 1];
	struct hs_optrec *rec = calloc((size_t)argc + 1, sizeof(*rec));
	size_t n = 0;
	int c;

	if (rec == NULL)
		die_usage("out of memory");
	for (size_t i = 0; i < HS_NB_OPTS; i++)
		lopts[i] = (struct option){ hs_optdefs[i].name,
			hs_optdefs[i].kind == HS_OPT_ACTION ||
			hs_optdefs[i].kind == HS_OPT_BOOL ? no_argument : required_argument,
			NULL, 256 + (int)i };
	memset(&lopts[HS_NB_OPTS], 0, sizeof(lopts[0]));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		if (c >= 256 && c < 256 + (int)HS_NB_OPTS) {
			rec[n++] = (struct hs_optrec){ (unsigned int)(c - 256), 0, optarg };
			continue;
		}
		switch (c) {
		case 'h': opt_help(NULL, NULL); break;
		case ':': die_usage("option '%s' needs a value", argv[optind - 1]);
		default: die_usage("unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s' (see --help)", argv[optind]);
	*out = rec;
	*nout = n;
}

static int
optdef_find(const char *name)
{
	for (size_t i = 0; i < HS_NB_OPTS; i++)
		if (strcmp(hs_optdefs[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void
where_set(const struct hs_build *b, unsigned int line)
{
	if (line == 0)
		hs_where[0] = '\0';
	else
		snprintf(hs_where, sizeof(hs_where), "%s:%u: ", b->conf.path, line);
}

/* Config line of the last occurrence of option idx, 0 if none / cmdline. */
static unsigned int
build_line_of(const struct hs_build *b, unsigned int idx)
{
	unsigned int line = 0;

	for (size_t i = 0; i < b->n; i++)
		if (b->rec[i].idx == idx)
			line = b->rec[i].line;
	return line;
}

static unsigned int
build_line_by_name(const struct hs_build *b, const char *name)
{
	int idx = optdef_find(name);

	return idx < 0 ? 0 : build_line_of(b, (unsigned int)idx);
}

/* Build o from the defaults, then the config file (cfg_path, if any),
 * then the command line cl[] (which overrides the file option by option:
 * an option given on the command line is ignored in the file).  Errors go
 * through die_usage() with "FILE:LINE: " for the file's lines.  On
 * success b holds the records (and the file they point into). */
static void
opts_build(struct hs_opts *o, struct hs_build *b, const char *cfg_path,
	   const struct hs_optrec *cl, size_t ncl)
{
	bool on_cli[HS_NB_OPTS] = { false }, seen[HS_NB_OPTS] = { false };
	unsigned int first_line[HS_NB_OPTS] = { 0 };
	char err[512];
	size_t n = 0;

	*o = hs_opts_defaults;
	o->tcp = hs_tcp_params;            /* the TCP module's defaults */
	o->tcp.max_per_source = HS_PER_SOURCE_DEFAULT;
	memset(b, 0, sizeof(*b));
	hs_where[0] = '\0';
	if (cfg_path != NULL && hs_conf_read(cfg_path, &b->conf, err, sizeof(err)) < 0)
		die_usage("%s", err);
	b->rec = calloc(b->conf.n + ncl + 1, sizeof(*b->rec));
	if (b->rec == NULL)
		die_usage("out of memory");
	for (size_t i = 0; i < ncl; i++)
		on_cli[cl[i].idx] = true;

	for (size_t i = 0; i < b->conf.n; i++) {
		const struct hs_conf_rec *r = &b->conf.rec[i];
		int idx = optdef_find(r->name);
		const struct hs_optdef *d;
		bool novalue;

		where_set(b, r->line);
		if (idx < 0)
			die_usage("unknown option '%s' (see httpsd --help)", r->name);
		d = &hs_optdefs[idx];
		novalue = d->kind == HS_OPT_ACTION || d->kind == HS_OPT_BOOL;
		if (d->flags & HS_OPTF_CLI)
			die_usage("'%s' is a command-line option, not allowed in a configuration file",
				  r->name);
		if (novalue && r->value != NULL)
			die_usage("'%s' takes no value", r->name);
		if (!novalue && r->value == NULL)
			die_usage("'%s' needs a value", r->name);
		if (first_line[idx] != 0 && !(d->flags & HS_OPTF_REPEAT))
			die_usage("'%s' given twice (first on line %u)", r->name,
				  first_line[idx]);
		if (first_line[idx] == 0)
			first_line[idx] = r->line;
		if (on_cli[idx])
			continue;                  /* the command line wins */
		opt_apply(o, d, r->value);
		seen[idx] = true;
		b->rec[n++] = (struct hs_optrec){ (unsigned int)idx, r->line, r->value };
	}
	hs_where[0] = '\0';
	for (size_t i = 0; i < ncl; i++) {
		opt_apply(o, &hs_optdefs[cl[i].idx], cl[i].val);
		seen[cl[i].idx] = true;
		b->rec[n++] = cl[i];
	}
	b->n = n;
	for (size_t i = 0; i < HS_NB_OPTS; i++)
		if (hs_optdefs[i].required && !seen[i])
			die_usage("--%s is required%s%s%s", hs_optdefs[i].name,
				  strcmp(hs_optdefs[i].name, "addr") == 0 ?
				  " (e.g. --addr 198.18.0.1/24)" : "",
				  cfg_path ? ", on the command line or in " : "",
				  cfg_path ? cfg_path : "");
	/* Checks across options name the line of the option they blame. */
	where_set(b, build_line_by_name(b, "gateway"));
	if (o->gw != 0 && (o->gw & o->mask) != (o->ip & o->mask))
		die_usage("--gateway: not inside the --addr subnet");
	where_set(b, build_line_by_name(b, "http-port"));
	if (o->http_port == o->https_port)
		die_usage("--http-port and --https-port must differ");
	where_set(b, build_line_by_name(b, "client-auth"));
	if (o->client_auth != HS_TLS_CLIENT_AUTH_OFF && o->client_ca == NULL)
		die_usage("--client-auth needs --client-ca FILE");
	if (o->client_ca != NULL && o->client_auth == HS_TLS_CLIENT_AUTH_OFF)
		o->client_auth = HS_TLS_CLIENT_AUTH_REQUIRED;
	hs_where[0] = '\0';
}

/* True when option idx has the same values (in order) in a and b. */
static bool
build_same(const struct hs_build *a, const struct hs_build *b, unsigned int idx)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a->n && a->rec[i].idx != idx)
			i++;
		while (j < b->n && b->rec[j].idx != idx)
			j++;
		if (i == a->n || j == b->n)
			return i == a->n && j == b->n;
		if ((a->rec[i].val == NULL) != (b->rec[j].val == NULL) ||
		    (a->rec[i].val != NULL && strcmp(a->rec[i].val, b->rec[j].val) != 0))
			return false;
		i++;
		j++;
	}
}

static volatile sig_atomic_t hs_signalled;

/* SIGHUP: reload.  SIGTERM: drain (stop accepting, let responses in
 * flight finish up to --shutdown-timeout, then exit 0).  SIGINT, or a
 * second SIGTERM: stop now (still a clean exit 0).  Only atomic stores. */
static void
on_signal(int sig)
{
	if (sig == SIGHUP) {
		hs_reload_request();
		return;
	}
	hs_signalled = sig;
	if (sig == SIGTERM && !hs_lcore_draining()) {
		hs_lcore_drain_start();
		return;
	}
	hs_lcore_stop();
}

/* ---- lcores ---------------------------------------------------------- */

/* Shared start-up state, read-only for the polling lcores (the main
 * lcore changes o on reload; lcores read only what was published). */
struct hs_app {
	struct hs_opts o;
	struct hs_build boot;             /* start-up options (o points into it) */
	struct hs_optrec *cl;             /* command-line options */
	size_t ncl;
	const char *config;               /* --config FILE or NULL */
	struct rte_mempool *pool;
	struct hs_netif *ifp;
	uint16_t port;
	bool multi;                       /* main lcore does not poll */
	uint64_t drain_deadline;          /* TSC, 0 until draining */
	size_t nfiles;                    /* files loaded at start-up */
	char ip_str[INET_ADDRSTRLEN];     /* redirect target without Host */
};

static struct hs_app hs_app_main;

/* What one published configuration owns (hs_server_publish's release):
 * freed once no lcore and no connection uses it. */
struct hs_owned {
	struct hs_tls_ctx *tls;
	struct hs_file_cache *files;
	struct hs_build build;            /* the reload's options point into it */
};

static void
owned_free(void *arg)
{
	struct hs_owned *own = arg;

	if (own == NULL)
		return;
	hs_files_free(own->files);
	hs_tls_ctx_free(own->tls);
	build_free(&own->build);
	free(own);
}

static void
tls_config_from(const struct hs_opts *o, struct hs_tls_config *t)
{
	memset(t, 0, sizeof(*t));
	t->cert_file = o->cert;
	t->key_file = o->key;
	t->crypto = o->crypto;
	t->records = o->records;
	t->sites = o->sites;
	t->nb_sites = o->nb_sites;
	t->sni_strict = o->sni_strict;
	t->ticket_key_file = o->ticket_keys;
	t->ticket_lifetime = o->ticket_lifetime;
	t->client_ca = o->client_ca;
	t->client_auth = o->client_auth;
	t->ocsp_staple = o->ocsp_staple;
	t->early_data = o->early_data;
}

/* The shared server configuration for options o (ports, HTTP knobs). */
static void
server_config_from(const struct hs_opts *o, const struct hs_owned *own,
		   struct hs_server_config *c)
{
	hs_server_config_defaults(c);
	c->tls = own->tls;
	c->files = own->files;
	c->access_log = strcmp(o->access_log, "off") != 0;
	c->https_port = o->https_port;
	c->http_port = o->http_port;
	c->redirect_host = hs_app_main.ip_str;
	c->hsts_max_age = o->hsts_max_age;
	c->hsts_subdomains = o->hsts_subdomains;
	c->hsts_preload = o->hsts_preload;
	c->plain_redirect = !o->http_serve;
	c->keepalive_requests = o->keepalive_requests;
	c->handshake_ms = o->handshake_ms;
	c->header_ms = o->header_ms;
	c->keepalive_ms = o->keepalive_ms;
	c->send_ms = o->send_ms;
	c->upload_sink = o->upload_sink;
	c->max_body = o->max_body;
}

/* Load what o names (certificate, key, document root) into own.  0, or
 * -1 with a one-line reason in err. */
static int
owned_load(const struct hs_opts *o, struct hs_owned *own, char *err, size_t errlen)
{
	struct hs_tls_config tcfg;

	tls_config_from(o, &tcfg);
	if (hs_tls_ctx_new(&own->tls, &tcfg, err, errlen) < 0)
		return -1;
	if (hs_files_load(&own->files, o->root, o->max_file, o->max_total, err, errlen) < 0)
		return -1;
	return 0;
}

/* One polling lcore: its context and its set-up result. */
struct hs_worker {
	const struct hs_app *app;
	struct hs_lcore *lc;
	uint16_t queue;
	bool announce;                    /* sends the gratuitous ARP */
	int rc;
	char err[160];
};

static struct hs_worker hs_workers[RTE_MAX_LCORE];
static unsigned int hs_nb_workers;

/* Runs on the polling lcore itself, so that its context, connection
 * table and TLS/HTTP state are allocated on its NUMA node.  Called one
 * lcore at a time (the lcore registry is not a concurrent structure). */
static int
worker_setup(void *arg)
{
	struct hs_worker *w = arg;
	const struct hs_app *app = w->app;
	struct hs_server_config scfg = {
		.https_port = app->o.https_port, .http_port = app->o.http_port,
		.access_log = strcmp(app->o.access_log, "off") != 0,
	};
	int socket = (int)rte_socket_id();

	/* This lcore's ipsec-mb manager (released in worker_teardown). */
	if ((app->o.crypto == HS_TLS_CRYPTO_IPSECMB ||
	     app->o.records == HS_TLS_RECORDS_OWN) && hs_tls_crypto_thread_init() < 0) {
		snprintf(w->err, sizeof(w->err), "lcore %u: cannot set up ipsec-mb (try --crypto wolfssl)",
			 rte_lcore_id());
		return w->rc = -ENOTSUP;
	}

	w->lc = rte_zmalloc_socket("hs_lcore", sizeof(*w->lc), RTE_CACHE_LINE_SIZE,
				   socket);
	if (w->lc == NULL) {
		snprintf(w->err, sizeof(w->err), "lcore %u: out of EAL memory for its context",
			 rte_lcore_id());
		return w->rc = -ENOMEM;
	}
	w->rc = hs_lcore_init(w->lc, app->ifp, app->pool, app->port, w->queue,
			      app->o.max_conns);
	if (w->rc < 0) {
		snprintf(w->err, sizeof(w->err),
			 "lcore %u: cannot allocate %u connections (lower --max-conns or give EAL more memory)",
			 rte_lcore_id(), app->o.max_conns);
		rte_free(w->lc);
		w->lc = NULL;
		return w->rc;
	}
	if (app->o.impair_set &&
	    (w->rc = hs_lcore_impair(w->lc, &app->o.impair, socket)) < 0) {
		snprintf(w->err, sizeof(w->err), "lcore %u: out of EAL memory for --impair (lower its limit=)",
			 rte_lcore_id());
		return w->rc;
	}
	if (app->multi && (w->rc = hs_arp_peers_init(w->lc, socket)) < 0) {
		snprintf(w->err, sizeof(w->err), "lcore %u: cannot create its ARP inbox",
			 rte_lcore_id());
		return w->rc;
	}
	if (hs_nb_workers > 1 && hs_port_sw_steer(app->port) &&
	    (w->rc = hs_lcore_steer_init(w->lc, (uint16_t)hs_nb_workers, socket)) < 0) {
		snprintf(w->err, sizeof(w->err), "lcore %u: cannot create its steering inbox",
			 rte_lcore_id());
		return w->rc;
	}
	w->rc = hs_server_attach(w->lc, &scfg);
	if (w->rc < 0) {
		snprintf(w->err, sizeof(w->err), "lcore %u: cannot set up listeners",
			 rte_lcore_id());
		return w->rc;
	}
	if (w->announce)
		hs_arp_announce(w->lc);
	return 0;
}

/* Runs on the polling lcore: frees what worker_setup allocated. */
static int
worker_teardown(void *arg)
{
	struct hs_worker *w = arg;

	if (w->lc == NULL)
		return 0;
	hs_server_detach(w->lc);
	hs_lcore_fini(w->lc);
	rte_free(w->lc);
	w->lc = NULL;
	if (w->app->o.crypto == HS_TLS_CRYPTO_IPSECMB ||
	    w->app->o.records == HS_TLS_RECORDS_OWN)
		hs_tls_crypto_thread_fini();
	return 0;
}

static int
worker_loop(void *arg)
{
	struct hs_worker *w = arg;

	return hs_lcore_loop(w->lc);
}

/* Run fn(w) on w's lcore (or here, when it is this lcore) and wait. */
static int
on_lcore(unsigned int lcore, lcore_function_t *fn, struct hs_worker *w)
{
	if (lcore == rte_lcore_id())
		return fn(w);
	if (rte_eal_remote_launch(fn, w, lcore) != 0)
		return -EBUSY;
	return rte_eal_wait_lcore(lcore);
}

static unsigned int hs_worker_lcore[RTE_MAX_LCORE];

/* Choose the polling lcores: the workers, or the main lcore alone. */
static void
workers_plan(struct hs_app *app)
{
	unsigned int id;

	hs_nb_workers = 0;
	if (rte_lcore_count() == 1) {
		hs_worker_lcore[hs_nb_workers++] = rte_lcore_id();
	} else {
		RTE_LCORE_FOREACH_WORKER(id)
			hs_worker_lcore[hs_nb_workers++] = id;
	}
	app->multi = hs_nb_workers > 1 || hs_worker_lcore[0] != rte_get_main_lcore();
	for (unsigned int i = 0; i < hs_nb_workers; i++) {
		hs_workers[i].app = app;
		hs_workers[i].queue = (uint16_t)i;
		hs_workers[i].announce = i == 0;
	}
}

static void
workers_setup(void)
{
	for (unsigned int i = 0; i < hs_nb_workers; i++) {
		struct hs_worker *w = &hs_workers[i];

		if (on_lcore(hs_worker_lcore[i], worker_setup, w) < 0)
			die_usage("%s", w->err[0] ? w->err : "cannot start a worker lcore");
	}
}

static void
workers_teardown(void)
{
	for (unsigned int i = 0; i < hs_nb_workers; i++)
		(void)on_lcore(hs_worker_lcore[i], worker_teardown, &hs_workers[i]);
}

static void __attribute__((format(printf, 1, 2)))
reload_log(const char *fmt, ...)
{
	va_list ap;

	fputs("httpsd: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static void
reload_fail(struct hs_owned *own, const char *why)
{
	hs_reload_count(false);
	reload_log("reload failed: %s; running configuration kept", why);
	owned_free(own);
}

/* Names of the options that need a restart and differ between a and b. */
static void
changed_options(const struct hs_build *a, const struct hs_build *b, char *buf,
		size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < HS_NB_OPTS && n < len; i++)
		if (!(hs_optdefs[i].flags & (HS_OPTF_LIVE | HS_OPTF_CLI)) &&
		    !build_same(a, b, i))
			n += (size_t)snprintf(buf + n, len - n, "%s--%s", n ? ", " : "",
					      hs_optdefs[i].name);
}

/* SIGHUP, on the main lcore (with one lcore: between two iterations).
 * All or nothing for the configuration, certificate, key and files: any
 * error keeps the running state and logs one line. */
static void
app_reload(struct hs_app *app)
{
	static struct hs_opts no;          /* static: kept across longjmp */
	static struct hs_owned *own;
	struct hs_server_config scfg;
	char err[512], changed[256];
	jmp_buf jb;
	int rc;

	own = calloc(1, sizeof(*own));
	if (own == NULL) {
		reload_fail(NULL, "out of memory");
		return;
	}
	if (setjmp(jb) != 0) {
		hs_usage_jmp = NULL;
		hs_where[0] = '\0';
		reload_fail(own, hs_usage_msg);
		return;
	}
	hs_usage_jmp = &jb;
	opts_build(&no, &own->build, app->config, app->cl, app->ncl);
	hs_usage_jmp = NULL;

	if (owned_load(&no, own, err, sizeof(err)) < 0) {
		reload_fail(own, err);
		return;
	}
	changed_options(&app->boot, &own->build, changed, sizeof(changed));
	server_config_from(&no, own, &scfg);
	if (hs_server_publish(&scfg, owned_free, own) < 0) {
		reload_fail(own, "out of memory");
		return;
	}
	/* The published generation owns own now; o points into it. */
	app->o = no;
	hs_lcore_set_idle_sleep(no.idle_sleep_us);
	if (changed[0] != '\0')
		reload_log("reload: %s changed: applied at the next restart only", changed);
	rc = hs_reload_run_hooks(err, sizeof(err));
	hs_reload_count(rc == 0);
	if (rc < 0)
		reload_log("reload failed: %s (that part kept its old state; options, certificate and files were reloaded)",
			   err);
	else
		reload_log("reloaded: %zu files, certificate %s", hs_files_count(scfg.files),
			   no.cert);
}

/* The main lcore's duties between sleeps (several lcores) or between
 * poll iterations (one lcore): reload, drain progress, reclamation. */
static void
app_tick(void)
{
	struct hs_app *app = &hs_app_main;

	if (hs_reload_take())
		app_reload(app);
	if (hs_lcore_draining()) {
		uint64_t now = rte_get_timer_cycles(), live = hs_server_live_conns();

		if (app->drain_deadline == 0) {
			app->drain_deadline = now + (uint64_t)app->o.shutdown_timeout_s *
						    rte_get_timer_hz();
			printf("httpsd: draining: not accepting, %" PRIu64
			       " connections open, up to %u s\n", live,
			       app->o.shutdown_timeout_s);
		}
		if (live == 0 || now >= app->drain_deadline) {
			if (live != 0)
				printf("httpsd: shutdown timeout: closing %" PRIu64
				       " connections\n", live);
			hs_lcore_stop();
		}
	}
	hs_heap_trim(hs_server_live_conns(), rte_get_tsc_cycles());
	hs_rcu_reclaim();
}

/* Poll until stopped: the workers, while the main lcore handles signals,
 * reloads and reclamation (telemetry runs in DPDK's own thread); or the
 * main lcore itself when it is the only one (app_tick between
 * iterations). */
static void
workers_run(const struct hs_app *app)
{
	if (!app->multi) {
		hs_workers[0].lc->tick_fn = app_tick;
		hs_lcore_loop(hs_workers[0].lc);
		hs_workers[0].lc->tick_fn = NULL;
		return;
	}
	for (unsigned int i = 0; i < hs_nb_workers; i++)
		if (rte_eal_remote_launch(worker_loop, &hs_workers[i],
					  hs_worker_lcore[i]) != 0)
			die_usage("cannot launch the loop on lcore %u", hs_worker_lcore[i]);
	while (!hs_lcore_stopping()) {
		app_tick();
		usleep(HS_TICK_US);
	}
	rte_eal_mp_wait_lcore();
}

/* The access-log writer runs as an EAL control thread: off the polling
 * cores. */
static int
log_thread_create(pthread_t *t, const char *name, void *(*fn)(void *), void *arg)
{
	return rte_ctrl_thread_create(t, name, NULL, fn, arg);
}

static void
print_ready(const struct hs_app *app)
{
	char ip[INET_ADDRSTRLEN], lcores[256];
	size_t len = 0;

	inet_ntop(AF_INET, &app->o.ip, ip, sizeof(ip));
	lcores[0] = '\0';
	for (unsigned int i = 0; i < hs_nb_workers && len < sizeof(lcores) - 12; i++)
		len += (size_t)snprintf(lcores + len, sizeof(lcores) - len, "%s%u",
					i ? "," : "", hs_worker_lcore[i]);
	printf("httpsd: ready https://%s:%u/ http://%s:%u/ (port %u " RTE_ETHER_ADDR_PRT_FMT
	       ", %zu files, lcore%s %s)\n",
	       ip, app->o.https_port, ip, app->o.http_port, app->port,
	       RTE_ETHER_ADDR_BYTES(&app->ifp->mac), app->nfiles,
	       hs_nb_workers > 1 ? "s" : "", lcores);
}

static int
log_reopen_hook(void *arg, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	hs_log_reopen();
	return 0;
}

int
main(int argc, char **argv)
{
	struct hs_app *app = &hs_app_main;
	struct hs_opts *o = &app->o;
	struct hs_owned *own;
	struct hs_server_config scfg;
	int sep = argc, app_argc, rc;
	bool check_only = false;
	char err[512];

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) { sep = i; break; }
	/* --help / --version work with or without EAL options. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			print_version();
			return 0;
		}
		if (strcmp(argv[i], "--check-config") == 0)
			check_only = true;
	}
	/* --check-config needs no EAL options: "httpsd --check-config
	 * --config F" works too. */
	if (sep == argc && check_only)
		sep = 0;
	else if (sep == argc)
		die_usage("missing '--' before the application options (see --help)");
	app_argc = argc - sep;
	if (sep > 0)
		argv[sep] = argv[0];
	scan_cmdline(app_argc, argv + sep, &app->cl, &app->ncl);
	for (size_t i = 0; i < app->ncl; i++)
		if (strcmp(hs_optdefs[app->cl[i].idx].name, "config") == 0)
			app->config = app->cl[i].val;
	opts_build(o, &app->boot, app->config, app->cl, app->ncl);
	inet_ntop(AF_INET, &o->ip, app->ip_str, sizeof(app->ip_str));
	hs_tcp_params = o->tcp;            /* before any lcore runs */

	/* Load everything that can fail on bad input before EAL starts. */
	if (hs_tls_global_init() < 0)
		die_usage("cannot initialise wolfSSL");
	own = calloc(1, sizeof(*own));
	if (own == NULL)
		die_usage("out of memory");
	if (owned_load(o, own, err, sizeof(err)) < 0)
		die_usage("%s", err);
	if (strcmp(o->access_log, "off") != 0 &&
	    hs_log_open(o->access_log, err, sizeof(err)) < 0)
		die_usage("%s", err);
	app->nfiles = hs_files_count(own->files);
	if (o->check_config) {
		printf("httpsd: configuration OK%s%s (%zu files)\n",
		       app->config ? ": " : "", app->config ? app->config : "",
		       app->nfiles);
		owned_free(own);
		build_free(&app->boot);
		free(app->cl);
		hs_tls_global_fini();
		return 0;
	}

	rc = rte_eal_init(sep, argv);
	if (rc < 0)
		die_usage("EAL initialisation failed: %s", rte_strerror(rte_errno));
	if (o->port_id < 0) {
		if (rte_eth_dev_count_avail() == 0)
			die_usage("no DPDK port: add e.g. --vdev=net_af_packet0,iface=IFACE, or bind a NIC to vfio-pci");
		app->port = rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER);
	} else {
		app->port = (uint16_t)o->port_id;
		if (!rte_eth_dev_is_valid_port(app->port))
			die_usage("--port %u: no such DPDK port", app->port);
	}
	workers_plan(app);

	app->pool = rte_pktmbuf_pool_create("hs_mbuf", o->nb_mbufs, 256, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (app->pool == NULL)
		die_usage("cannot allocate %u mbufs: %s (give EAL more memory with -m or hugepages, or lower --mbufs)",
			  o->nb_mbufs, rte_strerror(rte_errno));
	/* What connections may hold: the rest of the pool stays for the
	 * rings and for control frames whatever peers do (hs_tcp_mem.c). */
	if (o->tcp.mem_lcore_max == 0)
		hs_tcp_params.mem_lcore_max =
			hs_tcp_mem_auto(o->nb_mbufs, hs_nb_workers,
					HS_PORT_RX_DESC, HS_PORT_TX_DESC);
	else if ((uint64_t)o->tcp.mem_lcore_max * hs_nb_workers >= o->nb_mbufs)
		die_usage("--mem-lcore %u: %u lcores would hold the whole pool (--mbufs %u)",
			  o->tcp.mem_lcore_max, hs_nb_workers, o->nb_mbufs);

	app->ifp = rte_zmalloc("hs_netif", sizeof(*app->ifp), RTE_CACHE_LINE_SIZE);
	if (app->ifp == NULL)
		die_usage("out of EAL memory for the interface");
	if (hs_port_init(app->port, (uint16_t)hs_nb_workers, app->pool, o->mtu,
			 &app->ifp->mac, err, sizeof(err)) < 0)
		die_usage("%s", err);
	app->ifp->port_id = app->port;
	app->ifp->mtu = o->mtu;
	app->ifp->ip = o->ip;
	app->ifp->mask = o->mask;
	app->ifp->gw = o->gw;

	if (hs_rcu_init(RTE_MAX_LCORE) < 0)
		die_usage("out of memory for the RCU state");
	server_config_from(o, own, &scfg);
	if (hs_server_publish(&scfg, owned_free, own) < 0)
		die_usage("out of memory");
	hs_lcore_set_idle_sleep(o->idle_sleep_us);
	hs_stats_info_set(HS_VERSION);
	hs_stats_info_pool(app->pool);
	workers_setup();
	if (hs_stats_telemetry_init() < 0)
		fprintf(stderr, "httpsd: warning: telemetry commands not registered\n");

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);

	if (strcmp(o->access_log, "off") != 0) {
		if (hs_log_start(log_thread_create) < 0)
			die_usage("cannot start the access log writer thread");
		/* SIGHUP reopens the file (after logrotate moved it). */
		if (hs_reload_register("access-log", log_reopen_hook, NULL) < 0)
			die_usage("cannot register the access-log reload hook");
	}
	print_ready(app);
	workers_run(app);
	hs_log_stop();

	printf("httpsd: stopping on signal %d\n", (int)hs_signalled);
	hs_stats_print(stdout);
	workers_teardown();
	hs_port_fini(app->port);
	printf("mbufs_in_use %u\n", o->nb_mbufs - rte_mempool_avail_count(app->pool));
	/* every worker's connections, TLS sessions and log ring were freed */
	printf("server_lcores_attached %u\n", hs_server_lcores_attached());
	rte_free(app->ifp);
	rte_mempool_free(app->pool);
	/* Connections are gone: every generation can go. */
	hs_rcu_fini();
	hs_server_fini();
	hs_reload_hooks_clear();
	build_free(&app->boot);
	free(app->cl);
	hs_tls_global_fini();
	rte_eal_cleanup();
	return 0;
}
