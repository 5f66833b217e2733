/* SPDX-License-Identifier: BSD-3-Clause
 * hs_opts.c - the option table, the command line, the configuration file
 * and their merge (hs_opts.h).  Parsers report bad input through
 * opt_fail(), which writes "[FILE:LINE: ]message" into the caller's err
 * and returns -EINVAL; nothing here exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_config.h>

#include "hs_common.h"
#include "hs_conf.h"
#include "hs_impair.h"
#include "hs_tcp.h"
#include "hs_tls.h"
#include "hs_tls_crypto.h"
#include "hs_http.h"
#include "hs_log.h"
#include "hs_opts.h"

#define HS_STR_(x) #x
#define HS_STR(x)  HS_STR_(x)

/* Where errors go: err (the caller's buffer) and, first in every
 * message, where the option being applied came from: "FILE:LINE: " for a
 * configuration line, "" for the command line. */
struct hs_opterr {
	char *buf;
	size_t len;
	char where[300];
};

static int __attribute__((format(printf, 2, 3)))
opt_fail(struct hs_opterr *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e->len == 0)
		return -EINVAL;
	n = snprintf(e->buf, e->len, "%s", e->where);
	if (n < 0 || (size_t)n >= e->len)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(e->buf + n, e->len - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- option table ------------------------------------------------------ */
enum hs_opt_kind {
	HS_OPT_STR, /* const char * (into argv or the config file) */
	HS_OPT_U16,
	HS_OPT_U32,
	HS_OPT_U64,
	HS_OPT_INT,  /* decimal in [min, max] */
	HS_OPT_IP,   /* uint32_t, network order */
	HS_OPT_MS,   /* uint32_t milliseconds: "N" seconds, "Nms", "Ns", "Nm" */
	HS_OPT_BOOL, /* no value: sets a bool */
	HS_OPT_FN,   /* custom parser */
	HS_OPT_ACTION, /* no value: fn returns HS_OPTS_HELP / HS_OPTS_VERSION */
};

/* Row flags (the last field, so rows may leave it out). */
#define HS_OPTF_LIVE   1u /* a SIGHUP reload applies a new value */
#define HS_OPTF_REPEAT 2u /* may be given several times (fn accumulates) */
#define HS_OPTF_CLI    4u /* command line only, not a configuration key */

/* A parser: 0, a negative code (opt_fail), or for HS_OPT_ACTION rows the
 * action code.  It writes only into struct hs_opts (a reload parses into
 * a fresh one). */
typedef int (*hs_opt_fn)(struct hs_opts *o, const char *val,
			 struct hs_opterr *e);

struct hs_optdef {
	const char *name; /* without "--" */
	enum hs_opt_kind kind;
	size_t off;        /* field in struct hs_opts */
	uint64_t min, max; /* integer kinds */
	hs_opt_fn fn;
	bool required;
	const char *metavar; /* NULL for HS_OPT_ACTION/BOOL */
	const char *help;    /* "\n" continues on the next line */
	unsigned int flags;  /* HS_OPTF_* */
};
/* Rows are also configuration-file keys (hs_conf.h). */

#define HS_OFF(f) offsetof(struct hs_opts, f)

#define HS_OPT_FN_DECL(f) \
	static int f(struct hs_opts *o, const char *val, struct hs_opterr *e)
HS_OPT_FN_DECL(opt_addr);
HS_OPT_FN_DECL(opt_site);
HS_OPT_FN_DECL(opt_help);
HS_OPT_FN_DECL(opt_version);
HS_OPT_FN_DECL(opt_impair);
HS_OPT_FN_DECL(opt_upload_sink);
HS_OPT_FN_DECL(opt_client_auth);
HS_OPT_FN_DECL(opt_crypto);
HS_OPT_FN_DECL(opt_tls_records);
HS_OPT_FN_DECL(opt_http_port_mode);
HS_OPT_FN_DECL(opt_cc);
HS_OPT_FN_DECL(opt_per_source);
HS_OPT_FN_DECL(opt_time_wait);
HS_OPT_FN_DECL(opt_initcwnd);
HS_OPT_FN_DECL(opt_pacing);
HS_OPT_FN_DECL(opt_tso);
HS_OPT_FN_DECL(opt_rto_min);
HS_OPT_FN_DECL(opt_mem_lcore);
HS_OPT_FN_DECL(opt_send_buffer);
HS_OPT_FN_DECL(opt_send_buffer_max);
HS_OPT_FN_DECL(opt_recv_buffer);
HS_OPT_FN_DECL(opt_recv_buffer_max);

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
	  "another certificate, for SNI server name NAME\n(host or *.domain; "
	  "repeatable; --cert is the default)",
	  HS_OPTF_LIVE | HS_OPTF_REPEAT },
	{ "sni-strict", HS_OPT_BOOL, HS_OFF(sni_strict), 0, 0, NULL, false,
	  NULL,
	  "refuse (unrecognized_name alert) server names\nmatching no --site "
	  "and no name of --cert",
	  HS_OPTF_LIVE },
	{ "ticket-keys", HS_OPT_STR, HS_OFF(ticket_keys), 0, 0, NULL, false,
	  "FILE",
	  "session ticket keys: one 64-hex-digit key per line,\nfirst "
	  "encrypts, all decrypt (default: random;\nre-read on SIGHUP)",
	  HS_OPTF_LIVE },
	{ "ticket-lifetime", HS_OPT_U32, HS_OFF(ticket_lifetime), 1,
	  HS_TLS_TICKET_LIFETIME_MAX, NULL, false, "S",
	  "session lifetime: tickets' lifetime hint, older tickets\nand cached "
	  "sessions get a full handshake\n(default 7200, at most 604800 = 7 "
	  "days)",
	  HS_OPTF_LIVE },
	{ "gateway", HS_OPT_IP, HS_OFF(gw), 0, 0, NULL, false, "A.B.C.D",
	  "next hop for off-link clients" },
	{ "https-port", HS_OPT_U16, HS_OFF(https_port), 1, 65535, NULL, false,
	  "N", "HTTPS port (default 443)" },
	{ "http-port", HS_OPT_U16, HS_OFF(http_port), 0, 65535, NULL, false,
	  "N", "plain HTTP port (default 80, 0 = off)" },
	{ "port", HS_OPT_INT, HS_OFF(port_id), 0, RTE_MAX_ETHPORTS - 1, NULL,
	  false, "N", "DPDK port id (default: the first one)" },
	{ "mtu", HS_OPT_U16, HS_OFF(mtu), 576, 9000, NULL, false, "N",
	  "IP MTU (default 1500)" },
	{ "max-conns", HS_OPT_U32, HS_OFF(max_conns), 1, 1u << 22, NULL, false,
	  "N", "TCP connections per lcore (default 16384)" },
	{ "request-buffers", HS_OPT_U32, HS_OFF(request_buffers), 1, 1u << 22,
	  NULL, false, "N",
	  "request buffers (11 KiB, held only while a request is in "
	  "progress) per lcore (default 4096)" },
	{ "tls-key-blocks", HS_OPT_U32, HS_OFF(tls_key_blocks), 2, 1u << 22,
	  NULL, false, "N",
	  "expanded AES-GCM keys (1 KiB, held only while a connection's "
	  "records flow) per lcore (default 4096)" },
	{ "tls-record-buffers", HS_OPT_U32, HS_OFF(tls_record_buffers), 0,
	  1u << 20, NULL, false, "N",
	  "16 KiB buffers for outgoing TLS records, shared by the lcores "
	  "(default --mbufs / 32; 0: records take packet mbufs)" },
	{ "mbufs", HS_OPT_U32, HS_OFF(nb_mbufs), 1024, 1u << 24, NULL, false,
	  "N", "mbufs in the packet pool (default 32767)" },
	{ "max-file", HS_OPT_U64, HS_OFF(max_file), 0, 1ull << 40, NULL, false,
	  "BYTES", "largest file loaded from --root (default 256 MiB)",
	  HS_OPTF_LIVE },
	{ "access-log", HS_OPT_STR, HS_OFF(access_log), 0, 0, NULL, false,
	  "FILE|off",
	  "access log, combined format (default " HS_LOG_DEFAULT_PATH ")" },
	{ "idle-sleep", HS_OPT_U32, HS_OFF(idle_sleep_us), 0, 1000000, NULL,
	  false, "US",
	  "sleep US microseconds after a run of empty polls\n(default 0: busy "
	  "polling)",
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
	{ "max-body", HS_OPT_U64, HS_OFF(max_body), 1, 1ull << 40, NULL, false,
	  "BYTES", "largest --upload-sink body, 413 above (default 64 MiB)",
	  HS_OPTF_LIVE },
	{ "client-ca", HS_OPT_STR, HS_OFF(client_ca), 0, 0, NULL, false, "FILE",
	  "request TLS client certificates and verify them\nagainst these PEM "
	  "CA certificates",
	  HS_OPTF_LIVE },
	{ "client-auth", HS_OPT_FN, 0, 0, 0, opt_client_auth, false, "MODE",
	  "with --client-ca: 'required' (default) or 'optional'",
	  HS_OPTF_LIVE },
	{ "ocsp-staple", HS_OPT_STR, HS_OFF(ocsp_staple), 0, 0, NULL, false,
	  "FILE",
	  "staple this DER OCSP response (openssl ocsp -respout)\nto "
	  "handshakes that ask for status_request",
	  HS_OPTF_LIVE },
	{ "early-data", HS_OPT_BOOL, HS_OFF(early_data), 0, 0, NULL, false,
	  NULL,
	  "accept TLS 1.3 0-RTT early data (GET/HEAD served,\nothers 425; "
	  "replayed ClientHellos get 1-RTT)",
	  HS_OPTF_LIVE },
	{ "crypto", HS_OPT_FN, 0, 0, 0, opt_crypto, false, "NAME",
	  "AES-GCM record crypto: ipsec-mb (default) or wolfssl" },
	{ "tls-records", HS_OPT_FN, 0, 0, 0, opt_tls_records, false, "WHO",
	  "records after the handshake: own (default: our record\nlayer on "
	  "ipsec-mb) or wolfssl" },
	{ "http-port-mode", HS_OPT_FN, 0, 0, 0, opt_http_port_mode, false,
	  "MODE", "redirect (default: 301 to the https URL) or serve",
	  HS_OPTF_LIVE },
	{ "hsts-max-age", HS_OPT_U32, HS_OFF(hsts_max_age), 0, 1u << 30, NULL,
	  false, "S",
	  "Strict-Transport-Security max-age on HTTPS\n(default 31536000, 0 = "
	  "no header)",
	  HS_OPTF_LIVE },
	{ "hsts-include-subdomains", HS_OPT_BOOL, HS_OFF(hsts_subdomains), 0, 0,
	  NULL, false, NULL,
	  "add includeSubDomains to Strict-Transport-Security", HS_OPTF_LIVE },
	{ "hsts-preload", HS_OPT_BOOL, HS_OFF(hsts_preload), 0, 0, NULL, false,
	  NULL, "add preload to Strict-Transport-Security", HS_OPTF_LIVE },
	{ "keepalive-requests", HS_OPT_U32, HS_OFF(keepalive_requests), 1,
	  1u << 30, NULL, false, "N",
	  "requests per connection before it is closed (default 1000)",
	  HS_OPTF_LIVE },
	{ "keepalive-timeout", HS_OPT_MS, HS_OFF(keepalive_ms), 10, 86400000,
	  NULL, false, "T",
	  "idle time between requests (default 75s); T is N seconds\nor Nms, "
	  "Ns, Nm",
	  HS_OPTF_LIVE },
	{ "header-timeout", HS_OPT_MS, HS_OFF(header_ms), 10, 86400000, NULL,
	  false, "T",
	  "a started request head must complete within T (default 60s)",
	  HS_OPTF_LIVE },
	{ "handshake-timeout", HS_OPT_MS, HS_OFF(handshake_ms), 10, 86400000,
	  NULL, false, "T",
	  "the TLS handshake must complete within T (default 60s)",
	  HS_OPTF_LIVE },
	{ "send-timeout", HS_OPT_MS, HS_OFF(send_ms), 10, 86400000, NULL, false,
	  "T", "longest time without send progress (default 60s)",
	  HS_OPTF_LIVE },
	{ "linger-timeout", HS_OPT_MS, HS_OFF(linger_ms), 10, 86400000, NULL,
	  false, "T",
	  "after our close, how long the peer gets to close too\nbefore a "
	  "reset (default 30s)",
	  HS_OPTF_LIVE },
	{ "shutdown-timeout", HS_OPT_U32, HS_OFF(shutdown_timeout_s), 0, 86400,
	  NULL, false, "S",
	  "SIGTERM: seconds in-flight responses get to finish\n(default 20; 0: "
	  "stop at once)",
	  HS_OPTF_LIVE },
	{ "config", HS_OPT_STR, HS_OFF(config), 0, 0, NULL, false, "FILE",
	  "read options from FILE, one 'name value' per line\n(command-line "
	  "options override it;\nre-read on SIGHUP)",
	  HS_OPTF_CLI },
	{ "check-config", HS_OPT_BOOL, HS_OFF(check_config), 0, 0, NULL, false,
	  NULL,
	  "validate the options and the files they name\n(certificate, key, "
	  "root), then exit 0 or 2",
	  HS_OPTF_CLI },
	{ "cc", HS_OPT_FN, 0, 0, 0, opt_cc, false, "cubic|newreno",
	  "TCP congestion control (default cubic)" },
	{ "initcwnd", HS_OPT_FN, 0, 0, 0, opt_initcwnd, false, "N",
	  "TCP initial window in segments (default 10, RFC 6928),\n1..100" },
	{ "pacing", HS_OPT_FN, 0, 0, 0, opt_pacing, false, "on|off",
	  "TCP pacing of new data at 2x (slow start) or 1.2x\ncwnd/SRTT in ~1 "
	  "ms bursts (default on)" },
	{ "tso", HS_OPT_FN, 0, 0, 0, opt_tso, false, "on|off",
	  "TCP segmentation offload where the port offers it:\n"
	  "new data in frames of up to 64 KB the port cuts into\n"
	  "segments (default on)" },
	{ "max-conns-per-source", HS_OPT_FN, 0, 0, 0, opt_per_source, false,
	  "N",
	  "TCP connections per client address per lcore\n(default " HS_STR(
		  HS_PER_SOURCE_DEFAULT) ", 0: no limit)" },
	{ "mem-lcore", HS_OPT_FN, 0, 0, 0, opt_mem_lcore, false, "N",
	  "mbufs the connections of one lcore may hold in their\n"
	  "queues; above 7/8 of it the worst are reset (default 0:\n"
	  "the pool minus rings, caches and 1/8 reserve, per lcore)" },
	{ "send-buffer", HS_OPT_FN, 0, 0, 0, opt_send_buffer, false, "BYTES",
	  "initial send queue per connection, and bytes/1024+16\nmbufs "
	  "(default 262144; 16384..67108864)" },
	{ "send-buffer-max", HS_OPT_FN, 0, 0, 0, opt_send_buffer_max, false,
	  "BYTES",
	  "send queue a connection may grow to with its congestion\n"
	  "window, 2*cwnd+64KiB, at most 1/4 of --mem-lcore (default\n"
	  "4194304; 16384..67108864; at most --send-buffer: fixed)" },
	{ "recv-buffer", HS_OPT_FN, 0, 0, 0, opt_recv_buffer, false, "BYTES",
	  "receive window per connection, and bytes/1024+16 mbufs\n(default "
	  "262144; 32768..16777216: a whole TLS record fits)" },
	{ "recv-buffer-max", HS_OPT_FN, 0, 0, 0, opt_recv_buffer_max, false,
	  "BYTES",
	  "receive window a connection may grow to with what its\n"
	  "application reads per RTT, at most 1/4 of --mem-lcore\n"
	  "(default 4194304; 32768..16777216; at most --recv-buffer:\nfixed)" },
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

void
hs_opts_usage(FILE *f)
{
	fprintf(f, "Usage: httpsd [EAL options] -- [options]\n"
		   "\n"
		   "Serve the files under --root over HTTPS (and HTTP) from a "
		   "DPDK port.\n"
		   "\n"
		   "Required:\n");
	for (size_t i = 0; i < HS_NB_OPTS; i++)
		if (hs_optdefs[i].required)
			usage_opt(f, &hs_optdefs[i]);
	fprintf(f, "Optional:\n");
	for (size_t i = 0; i < HS_NB_OPTS; i++)
		if (!hs_optdefs[i].required)
			usage_opt(f, &hs_optdefs[i]);
	fprintf(f, "\n"
		   "Example (no special NIC needed):\n"
		   "  httpsd -l 0 --no-huge -m 512 "
		   "--vdev=net_af_packet0,iface=veth0 -- \\\n"
		   "      --addr 198.18.0.1/24 --cert cert.pem --key key.pem "
		   "--root www\n"
		   "\n"
		   "Several cores: with EAL -l 0-N the main lcore (the first) "
		   "does not poll;\n"
		   "each of the N worker lcores owns one RX/TX queue pair (RSS "
		   "with a\n"
		   "symmetric key; for net_af_packet add qpairs=N to --vdev).\n"
		   "\n"
		   "Counters: DPDK telemetry commands /httpsd/stats, "
		   "/httpsd/lcore_stats,N\n"
		   "and /httpsd/info; printed at exit.\n"
		   "\n"
		   "Signals: SIGHUP reloads (--config file, certificate, key, "
		   "files);\n"
		   "SIGTERM drains (no new connections, responses in flight "
		   "finish, up to\n"
		   "--shutdown-timeout), then exits 0; SIGINT or a second "
		   "SIGTERM stops now.\n");
}

/* ---- value parsers ------------------------------------------------------ */

static int
parse_uint(struct hs_opterr *e, const char *opt, const char *s, uint64_t min,
	   uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		return opt_fail(e, "%s: '%s' is not a number", opt, s);
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return opt_fail(e, "%s: '%s' is not a number", opt, s);
	if (v < min || v > max)
		return opt_fail(e, "%s: %s is out of range (%llu..%llu)", opt,
				s, (unsigned long long)min,
				(unsigned long long)max);
	*out = v;
	return 0;
}

/* parse_uint into a uint32_t field (max fits). */
static int
parse_u32(struct hs_opterr *e, const char *opt, const char *s, uint64_t min,
	  uint64_t max, uint32_t *out)
{
	uint64_t v;

	HS_GUARD(parse_uint(e, opt, s, min, max, &v));
	*out = (uint32_t)v;
	return 0;
}

static int
parse_ip(struct hs_opterr *e, const char *opt, const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return opt_fail(e, "%s: '%s' is not an IPv4 address", opt, s);
	*out = a.s_addr;
	return 0;
}

/* "N" (seconds), "Nms", "Ns" or "Nm", like nginx's time values. */
static int
parse_ms(struct hs_opterr *e, const char *opt, const char *s, uint64_t min,
	 uint64_t max, uint32_t *out)
{
	char *end;
	unsigned long long v, mul = 1000;

	errno = 0;
	if (*s < '0' || *s > '9')
		return opt_fail(e, "%s: '%s' is not a time (N, Nms, Ns or Nm)",
				opt, s);
	v = strtoull(s, &end, 10);
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else
		return opt_fail(e, "%s: '%s' is not a time (N, Nms, Ns or Nm)",
				opt, s);
	if (errno != 0 || v > max || v * mul < min || v * mul > max)
		return opt_fail(e, "%s: %s is out of range (%llums..%llus)",
				opt, s, (unsigned long long)min,
				(unsigned long long)max / 1000);
	*out = (uint32_t)(v * mul);
	return 0;
}

/* ---- option parsers -------------------------------------------------- */

static int
opt_tls_records(struct hs_opts *o, const char *s, struct hs_opterr *e)
{
	if (hs_tls_records_parse(s, &o->records) < 0)
		return opt_fail(e, "--tls-records: '%s' is not own or wolfssl",
				s);
	return 0;
}

static int
opt_crypto(struct hs_opts *o, const char *s, struct hs_opterr *e)
{
	if (hs_tls_crypto_parse(s, &o->crypto) < 0)
		return opt_fail(e, "--crypto: '%s' is not ipsec-mb or wolfssl",
				s);
	if (o->crypto == HS_TLS_CRYPTO_IPSECMB && !hs_tls_crypto_available())
		return opt_fail(
			e, "--crypto ipsec-mb: this build has no ipsec-mb");
	return 0;
}

static int
opt_http_port_mode(struct hs_opts *o, const char *s, struct hs_opterr *e)
{
	if (strcmp(s, "redirect") == 0)
		o->http_serve = false;
	else if (strcmp(s, "serve") == 0)
		o->http_serve = true;
	else
		return opt_fail(
			e, "--http-port-mode: '%s' is not redirect or serve",
			s);
	return 0;
}

static int
opt_addr(struct hs_opts *o, const char *s, struct hs_opterr *e)
{
	char buf[64];
	char *slash;
	uint64_t plen;

	if (strlen(s) >= sizeof(buf))
		return opt_fail(e, "--addr: '%s' is not A.B.C.D/N", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return opt_fail(
			e, "--addr: '%s' lacks a prefix length (A.B.C.D/N)", s);
	*slash = '\0';
	HS_GUARD(parse_ip(e, "--addr", buf, &o->ip));
	HS_GUARD(
		parse_uint(e, "--addr prefix length", slash + 1, 1, 32, &plen));
	o->mask = htonl((uint32_t)(0xffffffffull << (32 - plen)));
	if (o->ip == 0 || (ntohl(o->ip) >> 28) >= 14 ||
	    (ntohl(o->ip) >> 24) == 127)
		return opt_fail(e, "--addr: %s is not a usable unicast address",
				buf);
	o->addr_str = s;
	return 0;
}

/* Strings cut out of option values (--site NAME=CERT,KEY), kept for the
 * life of the process and shared by equal contents, so that re-parsing
 * on every SIGHUP does not grow memory. */
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
		return NULL;
	memcpy(e->s, p, n);
	e->s[n] = '\0';
	e->next = opt_strs;
	opt_strs = e;
	return e->s;
}

static int
opt_site(struct hs_opts *o, const char *s, struct hs_opterr *e)
{
	struct hs_tls_site *st;
	const char *eq, *comma;

	if (o->nb_sites == HS_TLS_MAX_SITES)
		return opt_fail(e, "--site: at most %d sites",
				HS_TLS_MAX_SITES);
	eq = strchr(s, '=');
	comma = eq != NULL ? strchr(eq + 1, ',') : NULL;
	if (eq == NULL || eq == s || comma == NULL || comma == eq + 1 ||
	    comma[1] == '\0' || strchr(comma + 1, ',') != NULL)
		return opt_fail(e, "--site: '%s' is not NAME=CERT,KEY", s);
	/* The value is left intact (a SIGHUP parses it again). */
	st = &o->sites[o->nb_sites++];
	st->name = opt_intern(s, (size_t)(eq - s));
	st->cert_file = opt_intern(eq + 1, (size_t)(comma - eq - 1));
	st->key_file = opt_intern(comma + 1, strlen(comma + 1));
	if (st->name == NULL || st->cert_file == NULL || st->key_file == NULL)
		return opt_fail(e, "out of memory");
	return 0;
}

static int
opt_client_auth(struct hs_opts *o, const char *s, struct hs_opterr *e)
{
	if (hs_tls_client_auth_parse(s, &o->client_auth) < 0)
		return opt_fail(
			e,
			"--client-auth: '%s' is not 'optional' or 'required'",
			s);
	return 0;
}

static int
opt_impair(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	char err[160];

	if (!o->impair_set) {
		hs_impair_cfg_init(&o->impair);
		o->impair_set = true;
	}
	if (hs_impair_parse(&o->impair, val, err, sizeof(err)) < 0)
		return opt_fail(e, "--impair: %s", err);
	return 0;
}

static int
opt_upload_sink(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	if (val[0] != '/')
		return opt_fail(e,
				"--upload-sink: '%s' is not an absolute path "
				"(e.g. /upload)",
				val);
	for (const char *p = val; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return opt_fail(e,
					"--upload-sink: '%s' has a space or "
					"control character",
					val);
	o->upload_sink = val;
	return 0;
}

static int
opt_help(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	return HS_OPTS_HELP;
}

static int
opt_version(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	return HS_OPTS_VERSION;
}

/* TCP tunables: parsed into o->tcp (a copy of hs_tcp_params), which the
 * program installs once at start-up (they need a restart). */
static int
opt_cc(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	int cc = hs_tcp_cc_find(val);

	if (cc < 0)
		return opt_fail(e, "--cc: '%s' is not cubic or newreno", val);
	o->tcp.cc = (uint32_t)cc;
	return 0;
}

static int
opt_per_source(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	return parse_u32(e, "--max-conns-per-source", val, 0, 1u << 22,
			 &o->tcp.max_per_source);
}

static int
opt_mem_lcore(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	HS_GUARD(parse_u32(e, "--mem-lcore", val, 0, 1u << 24,
			   &o->tcp.mem_lcore_max));
	if (o->tcp.mem_lcore_max != 0 && o->tcp.mem_lcore_max < 256)
		return opt_fail(
			e, "--mem-lcore: %s is below 256 (0 = automatic)", val);
	return 0;
}

static int
opt_send_buffer(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	return parse_u32(e, "--send-buffer", val, 16384, 64u << 20,
			 &o->tcp.sndbuf);
}

static int
opt_send_buffer_max(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	return parse_u32(e, "--send-buffer-max", val, 16384, 64u << 20,
			 &o->tcp.sndbuf_max);
}

static int
opt_recv_buffer(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	/* at least one whole TLS record: records are opened in place in
	 * the receive queue, which must hold one (HS_TLS_REC_SPACE) */
	return parse_u32(e, "--recv-buffer", val, 32768, 16u << 20,
			 &o->tcp.rcvbuf);
}

static int
opt_recv_buffer_max(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	return parse_u32(e, "--recv-buffer-max", val, 32768, 16u << 20,
			 &o->tcp.rcvbuf_max);
}

static int
opt_initcwnd(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	return parse_u32(e, "--initcwnd", val, 1, HS_TCP_INITCWND_MAX,
			 &o->tcp.initcwnd);
}

static int
opt_pacing(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	if (strcmp(val, "on") == 0)
		o->tcp.pacing = 1;
	else if (strcmp(val, "off") == 0)
		o->tcp.pacing = 0;
	else
		return opt_fail(e, "--pacing: '%s' is not on or off", val);
	return 0;
}

static int
opt_tso(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	if (strcmp(val, "on") == 0)
		o->tso_off = false;
	else if (strcmp(val, "off") == 0)
		o->tso_off = true;
	else
		return opt_fail(e, "--tso: '%s' is not on or off", val);
	return 0;
}

static int
opt_time_wait(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	return parse_ms(e, "--time-wait", val, 1, 600000, &o->tcp.time_wait_ms);
}

static int
opt_rto_min(struct hs_opts *o, const char *val, struct hs_opterr *e)
{
	return parse_u32(e, "--tcp-rto-min", val, 1, 60000, &o->tcp.rto_min_ms);
}

/* Store val into the option's field according to its kind: 0, an action
 * code or a negative code. */
static int
opt_apply(struct hs_opts *o, const struct hs_optdef *d, const char *val,
	  struct hs_opterr *e)
{
	char what[64];
	void *field = (char *)o + d->off;
	uint64_t v;
	int rc = 0;

	snprintf(what, sizeof(what), "--%s", d->name);
	switch (d->kind) {
	case HS_OPT_STR:
		*(const char **)field = val;
		break;
	case HS_OPT_U16:
		if ((rc = parse_uint(e, what, val, d->min, d->max, &v)) == 0)
			*(uint16_t *)field = (uint16_t)v;
		break;
	case HS_OPT_U32:
		if ((rc = parse_uint(e, what, val, d->min, d->max, &v)) == 0)
			*(uint32_t *)field = (uint32_t)v;
		break;
	case HS_OPT_U64:
		if ((rc = parse_uint(e, what, val, d->min, d->max, &v)) == 0)
			*(uint64_t *)field = v;
		break;
	case HS_OPT_INT:
		if ((rc = parse_uint(e, what, val, d->min, d->max, &v)) == 0)
			*(int *)field = (int)v;
		break;
	case HS_OPT_IP:
		rc = parse_ip(e, what, val, (uint32_t *)field);
		break;
	case HS_OPT_MS:
		rc = parse_ms(e, what, val, d->min, d->max, (uint32_t *)field);
		break;
	case HS_OPT_BOOL:
		*(bool *)field = true;
		break;
	case HS_OPT_FN:
	case HS_OPT_ACTION:
		rc = d->fn(o, val, e);
		break;
	}
	return rc;
}

/* ---- building the options: command line + configuration file ---------- */

static const struct hs_opts hs_opts_defaults = {
	.https_port = 443,
	.http_port = 80,
	.max_conns = 16384,
	.nb_mbufs = 32767,
	.tls_record_buffers = HS_OPTS_REC_AUTO,
	.mtu = 1500,
	.port_id = -1,
	.max_file = 256ull << 20,
	.max_total = 4ull << 30,
	.shutdown_timeout_s = 20,
	.ticket_lifetime = HS_TLS_TICKET_LIFETIME_DEFAULT,
	.access_log = HS_LOG_DEFAULT_PATH,
	.hsts_max_age = HS_HTTP_HSTS_MAX_AGE_DEFAULT,
	.keepalive_requests = HS_HTTP_KEEPALIVE_REQS_DEFAULT,
	.records = HS_TLS_RECORDS_OWN,
};

void
hs_opts_build_free(struct hs_opts_build *b)
{
	hs_conf_free(&b->conf);
	free(b->rec);
	b->rec = NULL;
	b->n = 0;
}

void
hs_opts_cli_free(struct hs_opts_cli *cl)
{
	free(cl->rec);
	memset(cl, 0, sizeof(*cl));
}

static int
optdef_find(const char *name)
{
	for (size_t i = 0; i < HS_NB_OPTS; i++)
		if (strcmp(hs_optdefs[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
hs_opts_scan(int argc, char **argv, struct hs_opts_cli *cl, char *err,
	     size_t errlen)
{
	struct hs_opterr e = { .buf = err, .len = errlen };
	struct option lopts[HS_NB_OPTS + 1];
	struct hs_optrec *rec = calloc((size_t)argc + 1, sizeof(*rec));
	size_t n = 0;
	int c, rc = 0;

	memset(cl, 0, sizeof(*cl));
	if (rec == NULL)
		return opt_fail(&e, "out of memory");
	for (size_t i = 0; i < HS_NB_OPTS; i++)
		lopts[i] =
			(struct option){ hs_optdefs[i].name,
					 hs_optdefs[i].kind == HS_OPT_ACTION ||
							 hs_optdefs[i].kind ==
								 HS_OPT_BOOL
						 ? no_argument
						 : required_argument,
					 NULL, 256 + (int)i };
	memset(&lopts[HS_NB_OPTS], 0, sizeof(lopts[0]));
	opterr = 0;
	optind = 1;
	while (rc == 0 &&
	       (c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		if (c >= 256 && c < 256 + (int)HS_NB_OPTS) {
			rec[n++] = (struct hs_optrec){ (unsigned int)(c - 256),
						       0, optarg };
			continue;
		}
		switch (c) {
		case 'h':
			rc = HS_OPTS_HELP;
			break;
		case ':':
			rc = opt_fail(&e, "option '%s' needs a value",
				      argv[optind - 1]);
			break;
		default:
			rc = opt_fail(&e, "unknown option '%s' (see --help)",
				      argv[optind - 1]);
			break;
		}
	}
	if (rc == 0 && optind < argc)
		rc = opt_fail(&e, "unexpected argument '%s' (see --help)",
			      argv[optind]);
	if (rc != 0) {
		free(rec);
		return rc;
	}
	cl->rec = rec;
	cl->n = n;
	for (size_t i = 0; i < n; i++)
		if (strcmp(hs_optdefs[rec[i].idx].name, "config") == 0)
			cl->config = rec[i].val;
	return 0;
}

static void
where_set(struct hs_opterr *e, const struct hs_opts_build *b, unsigned int line)
{
	if (line == 0)
		e->where[0] = '\0';
	else
		snprintf(e->where, sizeof(e->where), "%s:%u: ", b->conf.path,
			 line);
}

/* Config line of the last occurrence of option idx, 0 if none / cmdline. */
static unsigned int
build_line_of(const struct hs_opts_build *b, unsigned int idx)
{
	unsigned int line = 0;

	for (size_t i = 0; i < b->n; i++)
		if (b->rec[i].idx == idx)
			line = b->rec[i].line;
	return line;
}

static unsigned int
build_line_by_name(const struct hs_opts_build *b, const char *name)
{
	int idx = optdef_find(name);

	return idx < 0 ? 0 : build_line_of(b, (unsigned int)idx);
}

/* hs_opts_build's work, into o and b (the caller's scratch copies). */
static int
opts_build(struct hs_opts *o, struct hs_opts_build *b, const char *cfg_path,
	   const struct hs_opts_cli *cli, struct hs_opterr *e)
{
	bool on_cli[HS_NB_OPTS] = { false }, seen[HS_NB_OPTS] = { false };
	unsigned int first_line[HS_NB_OPTS] = { 0 };
	const struct hs_optrec *cl = cli != NULL ? cli->rec : NULL;
	size_t ncl = cli != NULL ? cli->n : 0;
	char err[512];
	size_t n = 0;
	int rc;

	*o = hs_opts_defaults;
	o->tcp = hs_tcp_params; /* the TCP module's defaults */
	o->tcp.max_per_source = HS_PER_SOURCE_DEFAULT;
	memset(b, 0, sizeof(*b));
	e->where[0] = '\0';
	if (cfg_path != NULL &&
	    hs_conf_read(cfg_path, &b->conf, err, sizeof(err)) < 0)
		return opt_fail(e, "%s", err);
	b->rec = calloc(b->conf.n + ncl + 1, sizeof(*b->rec));
	if (b->rec == NULL)
		return opt_fail(e, "out of memory");
	for (size_t i = 0; i < ncl; i++)
		on_cli[cl[i].idx] = true;

	for (size_t i = 0; i < b->conf.n; i++) {
		const struct hs_conf_rec *r = &b->conf.rec[i];
		int idx = optdef_find(r->name);
		const struct hs_optdef *d;
		bool novalue;

		where_set(e, b, r->line);
		if (idx < 0)
			return opt_fail(
				e, "unknown option '%s' (see httpsd --help)",
				r->name);
		d = &hs_optdefs[idx];
		novalue = d->kind == HS_OPT_ACTION || d->kind == HS_OPT_BOOL;
		if (d->flags & HS_OPTF_CLI)
			return opt_fail(e,
					"'%s' is a command-line option, not "
					"allowed in a configuration file",
					r->name);
		if (novalue && r->value != NULL)
			return opt_fail(e, "'%s' takes no value", r->name);
		if (!novalue && r->value == NULL)
			return opt_fail(e, "'%s' needs a value", r->name);
		if (first_line[idx] != 0 && !(d->flags & HS_OPTF_REPEAT))
			return opt_fail(e,
					"'%s' given twice (first on line %u)",
					r->name, first_line[idx]);
		if (first_line[idx] == 0)
			first_line[idx] = r->line;
		if (on_cli[idx])
			continue; /* the command line wins */
		if ((rc = opt_apply(o, d, r->value, e)) != 0)
			return rc;
		seen[idx] = true;
		b->rec[n++] = (struct hs_optrec){ (unsigned int)idx, r->line,
						  r->value };
	}
	e->where[0] = '\0';
	for (size_t i = 0; i < ncl; i++) {
		if ((rc = opt_apply(o, &hs_optdefs[cl[i].idx], cl[i].val, e)) !=
		    0)
			return rc;
		seen[cl[i].idx] = true;
		b->rec[n++] = cl[i];
	}
	b->n = n;
	for (size_t i = 0; i < HS_NB_OPTS; i++)
		if (hs_optdefs[i].required && !seen[i])
			return opt_fail(
				e, "--%s is required%s%s%s", hs_optdefs[i].name,
				strcmp(hs_optdefs[i].name, "addr") == 0
					? " (e.g. --addr 198.18.0.1/24)"
					: "",
				cfg_path ? ", on the command line or in " : "",
				cfg_path ? cfg_path : "");
	/* Checks across options name the line of the option they blame. */
	where_set(e, b, build_line_by_name(b, "gateway"));
	if (o->gw != 0 && (o->gw & o->mask) != (o->ip & o->mask))
		return opt_fail(e, "--gateway: not inside the --addr subnet");
	where_set(e, b, build_line_by_name(b, "http-port"));
	if (o->http_port == o->https_port)
		return opt_fail(e, "--http-port and --https-port must differ");
	where_set(e, b, build_line_by_name(b, "client-auth"));
	if (o->client_auth != HS_TLS_CLIENT_AUTH_OFF && o->client_ca == NULL)
		return opt_fail(e, "--client-auth needs --client-ca FILE");
	if (o->client_ca != NULL && o->client_auth == HS_TLS_CLIENT_AUTH_OFF)
		o->client_auth = HS_TLS_CLIENT_AUTH_REQUIRED;
	e->where[0] = '\0';
	return 0;
}

int
hs_opts_build(struct hs_opts *o, struct hs_opts_build *b, const char *cfg_path,
	      const struct hs_opts_cli *cl, char *err, size_t errlen)
{
	struct hs_opterr e = { .buf = err, .len = errlen };
	struct hs_opts *no = malloc(sizeof(*no)); /* sites[] make it large */
	struct hs_opts_build nb;
	int rc;

	if (no == NULL)
		return opt_fail(&e, "out of memory");
	rc = opts_build(no, &nb, cfg_path, cl, &e);
	if (rc != 0) {
		hs_opts_build_free(&nb);
		free(no);
		return rc;
	}
	*o = *no;
	*b = nb;
	free(no);
	return 0;
}

/* True when option idx has the same values (in order) in a and b. */
static bool
build_same(const struct hs_opts_build *a, const struct hs_opts_build *b,
	   unsigned int idx)
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
		    (a->rec[i].val != NULL &&
		     strcmp(a->rec[i].val, b->rec[j].val) != 0))
			return false;
		i++;
		j++;
	}
}

void
hs_opts_changed(const struct hs_opts_build *a, const struct hs_opts_build *b,
		char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < HS_NB_OPTS && n < len; i++)
		if (!(hs_optdefs[i].flags & (HS_OPTF_LIVE | HS_OPTF_CLI)) &&
		    !build_same(a, b, i))
			n += (size_t)snprintf(buf + n, len - n, "%s--%s",
					      n ? ", " : "",
					      hs_optdefs[i].name);
}
