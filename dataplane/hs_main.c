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
 */
#include <arpa/inet.h>
#include <getopt.h>
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
#include "hs_lcore.h"
#include "hs_port.h"
#include "hs_stats.h"
#include "hs_tls.h"
#include "hs_tls_crypto.h"
#include "hs_http.h"
#include "hs_http_files.h"
#include "hs_server.h"

#define HS_VERSION "0.1.0"

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
	const char *client_ca;            /* --client-ca */
	enum hs_tls_client_auth client_auth; /* --client-auth, OFF if unset */
	const char *ocsp_staple;          /* --ocsp-staple */
	bool early_data;                  /* --early-data */
	enum hs_tls_crypto crypto;        /* --crypto */
	/* HTTP behaviour (struct hs_server_config; 0 ms = default). */
	uint32_t hsts_max_age;
	bool hsts_subdomains, hsts_preload;
	bool http_serve;                  /* --http-port-mode serve */
	uint32_t keepalive_requests;
	uint32_t handshake_ms, header_ms, keepalive_ms, send_ms;
};

/* ---- option table ------------------------------------------------------
 * Every application option is one row: adding an option is adding a
 * field to struct hs_opts and a row here (a generic kind, or HS_OPT_FN
 * with a parser).  getopt_long's table and --help are generated from it.
 */
enum hs_opt_kind {
	HS_OPT_STR,       /* const char * (points into argv) */
	HS_OPT_U16, HS_OPT_U32, HS_OPT_U64, HS_OPT_INT,  /* decimal in [min, max] */
	HS_OPT_IP,        /* uint32_t, network order */
	HS_OPT_MS,        /* uint32_t milliseconds: "N" seconds, "Nms", "Ns", "Nm" */
	HS_OPT_BOOL,      /* no value: sets a bool */
	HS_OPT_FN,        /* custom parser */
	HS_OPT_ACTION,    /* no value: runs fn and exits (--help, --version) */
};

struct hs_optdef {
	const char *name;                 /* without "--" */
	enum hs_opt_kind kind;
	size_t off;                       /* field in struct hs_opts */
	uint64_t min, max;                /* integer kinds */
	void (*fn)(struct hs_opts *o, const char *val);
	bool required;
	const char *metavar;              /* NULL for HS_OPT_ACTION */
	const char *help;                 /* "\n" continues on the next line */
};

#define HS_OFF(f) offsetof(struct hs_opts, f)

static void opt_addr(struct hs_opts *o, const char *val);
static void opt_help(struct hs_opts *o, const char *val);
static void opt_version(struct hs_opts *o, const char *val);
static void opt_client_auth(struct hs_opts *o, const char *val);
static void opt_crypto(struct hs_opts *o, const char *val);
static void opt_http_port_mode(struct hs_opts *o, const char *val);
static void opt_cc(struct hs_opts *o, const char *val);
static void opt_per_source(struct hs_opts *o, const char *val);
static void opt_time_wait(struct hs_opts *o, const char *val);

static const struct hs_optdef hs_optdefs[] = {
	{ "addr", HS_OPT_FN, 0, 0, 0, opt_addr, true, "A.B.C.D/N",
	  "the server's IPv4 address and prefix length" },
	{ "cert", HS_OPT_STR, HS_OFF(cert), 0, 0, NULL, true, "FILE",
	  "PEM certificate (leaf first, then the chain)" },
	{ "key", HS_OPT_STR, HS_OFF(key), 0, 0, NULL, true, "FILE",
	  "PEM private key matching --cert" },
	{ "root", HS_OPT_STR, HS_OFF(root), 0, 0, NULL, true, "DIR",
	  "document root, loaded into memory at start-up" },
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
	  "largest file loaded from --root (default 256 MiB)" },
	{ "idle-sleep", HS_OPT_U32, HS_OFF(idle_sleep_us), 0, 1000000, NULL, false, "US",
	  "sleep US microseconds after a run of empty polls\n(default 0: busy polling)" },
	{ "client-ca", HS_OPT_STR, HS_OFF(client_ca), 0, 0, NULL, false, "FILE",
	  "request TLS client certificates and verify them\nagainst these PEM CA certificates" },
	{ "client-auth", HS_OPT_FN, 0, 0, 0, opt_client_auth, false, "MODE",
	  "with --client-ca: 'required' (default) or 'optional'" },
	{ "ocsp-staple", HS_OPT_STR, HS_OFF(ocsp_staple), 0, 0, NULL, false, "FILE",
	  "staple this DER OCSP response (openssl ocsp -respout)\nto handshakes that ask for status_request" },
	{ "early-data", HS_OPT_BOOL, HS_OFF(early_data), 0, 0, NULL, false, NULL,
	  "accept TLS 1.3 0-RTT early data (GET/HEAD served,\nothers 425; replays refused)" },
	{ "crypto", HS_OPT_FN, 0, 0, 0, opt_crypto, false, "PATH",
	  "AES-GCM record crypto: ipsec-mb (default) or wolfssl" },
	{ "http-port-mode", HS_OPT_FN, 0, 0, 0, opt_http_port_mode, false, "MODE",
	  "redirect (default: 301 to the https URL) or serve" },
	{ "hsts-max-age", HS_OPT_U32, HS_OFF(hsts_max_age), 0, 1u << 30, NULL, false, "S",
	  "Strict-Transport-Security max-age on HTTPS\n(default 31536000, 0 = no header)" },
	{ "hsts-include-subdomains", HS_OPT_BOOL, HS_OFF(hsts_subdomains), 0, 0, NULL, false, NULL,
	  "add includeSubDomains to Strict-Transport-Security" },
	{ "hsts-preload", HS_OPT_BOOL, HS_OFF(hsts_preload), 0, 0, NULL, false, NULL,
	  "add preload to Strict-Transport-Security" },
	{ "keepalive-requests", HS_OPT_U32, HS_OFF(keepalive_requests), 1, 1u << 30, NULL, false, "N",
	  "requests per connection before it is closed (default 1000)" },
	{ "keepalive-timeout", HS_OPT_MS, HS_OFF(keepalive_ms), 10, 86400000, NULL, false, "T",
	  "idle time between requests (default 75s); T is N seconds\nor Nms, Ns, Nm" },
	{ "header-timeout", HS_OPT_MS, HS_OFF(header_ms), 10, 86400000, NULL, false, "T",
	  "a started request head must complete within T (default 60s)" },
	{ "handshake-timeout", HS_OPT_MS, HS_OFF(handshake_ms), 10, 86400000, NULL, false, "T",
	  "the TLS handshake must complete within T (default 60s)" },
	{ "send-timeout", HS_OPT_MS, HS_OFF(send_ms), 10, 86400000, NULL, false, "T",
	  "longest time without send progress (default 60s)" },
	{ "cc", HS_OPT_FN, 0, 0, 0, opt_cc, false, "cubic|newreno",
	  "TCP congestion control (default cubic)" },
	{ "max-conns-per-source", HS_OPT_FN, 0, 0, 0, opt_per_source, false, "N",
	  "TCP connections per client address per lcore\n(default 0: no limit)" },
	{ "time-wait", HS_OPT_FN, 0, 0, 0, opt_time_wait, false, "T",
	  "TCP TIME_WAIT length (default 60s = 2*MSL), 1ms..10m" },
	{ "version", HS_OPT_ACTION, 0, 0, 0, opt_version, false, NULL,
	  "print versions and exit" },
	{ "help", HS_OPT_ACTION, 0, 0, 0, opt_help, false, NULL,
	  "print this help and exit" },
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
"and /httpsd/info; printed at exit. SIGINT/SIGTERM stop the server.\n");
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("httpsd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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

/* True when the required option d was given. */
static bool
opt_seen(const bool *seen, const struct hs_optdef *d)
{
	return seen[d - hs_optdefs];
}

#ifndef HS_WOLFSSL_TUNED
#define HS_WOLFSSL_TUNED 0
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
	if (mb)
		printf("AES-GCM path: %s (%s, %s)\n",
		       hs_tls_crypto_name(HS_TLS_CRYPTO_IPSECMB),
		       hs_tls_crypto_version(), hs_tls_crypto_arch());
	else
		printf("AES-GCM path: %s (%s)\n",
		       hs_tls_crypto_name(HS_TLS_CRYPTO_WOLFSSL),
		       hs_tls_crypto_available() ? "ipsec-mb unusable on this CPU" :
		       hs_tls_crypto_version());
	if (mb)
		hs_tls_global_fini();
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

/* TCP tunables go straight to hs_tcp_params. */
static void
opt_cc(struct hs_opts *o, const char *val)
{
	int cc = hs_tcp_cc_find(val);

	(void)o;
	if (cc < 0)
		die_usage("--cc: '%s' is not cubic or newreno", val);
	hs_tcp_params.cc = (uint32_t)cc;
}

static void
opt_per_source(struct hs_opts *o, const char *val)
{
	(void)o;
	hs_tcp_params.max_per_source = (uint32_t)
		parse_uint("--max-conns-per-source", val, 0, 1u << 22);
}

static void
opt_time_wait(struct hs_opts *o, const char *val)
{
	(void)o;
	hs_tcp_params.time_wait_ms = parse_ms("--time-wait", val, 1, 600000);
}

static void
parse_app_args(struct hs_opts *o, int argc, char **argv)
{
	struct option lopts[HS_NB_OPTS + 1];
	bool seen[HS_NB_OPTS] = { false };
	int c;

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
			opt_apply(o, &hs_optdefs[c - 256], optarg);
			seen[c - 256] = true;
			continue;
		}
		switch (c) {
		case 'h': opt_help(o, NULL); break;
		case ':': die_usage("option '%s' needs a value", argv[optind - 1]);
		default: die_usage("unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s' (see --help)", argv[optind]);
	for (size_t i = 0; i < HS_NB_OPTS; i++)
		if (hs_optdefs[i].required && !opt_seen(seen, &hs_optdefs[i]))
			die_usage("--%s is required%s", hs_optdefs[i].name,
				  strcmp(hs_optdefs[i].name, "addr") == 0 ?
				  " (e.g. --addr 198.18.0.1/24)" : "");
	if (o->gw != 0 && (o->gw & o->mask) != (o->ip & o->mask))
		die_usage("--gateway: not inside the --addr subnet");
	if (o->http_port == o->https_port)
		die_usage("--http-port and --https-port must differ");
	if (o->client_auth != HS_TLS_CLIENT_AUTH_OFF && o->client_ca == NULL)
		die_usage("--client-auth needs --client-ca FILE");
	if (o->client_ca != NULL && o->client_auth == HS_TLS_CLIENT_AUTH_OFF)
		o->client_auth = HS_TLS_CLIENT_AUTH_REQUIRED;
}

static volatile sig_atomic_t hs_signalled;

static void
on_signal(int sig)
{
	hs_signalled = sig;
	hs_lcore_stop();
}

/* ---- lcores ---------------------------------------------------------- */

/* Shared start-up state, read-only once the loops run. */
struct hs_app {
	struct hs_opts o;
	struct rte_mempool *pool;
	struct hs_netif *ifp;
	struct hs_tls_ctx *tls;
	struct hs_file_cache *files;
	uint16_t port;
	bool multi;                       /* main lcore does not poll */
	char ip_str[INET_ADDRSTRLEN];     /* redirect target without Host */
};

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
	struct hs_server_config scfg;
	int socket = (int)rte_socket_id();

	hs_server_config_defaults(&scfg);
	scfg.tls = app->tls;
	scfg.files = app->files;
	scfg.https_port = app->o.https_port;
	scfg.http_port = app->o.http_port;
	scfg.redirect_host = app->ip_str;
	scfg.hsts_max_age = app->o.hsts_max_age;
	scfg.hsts_subdomains = app->o.hsts_subdomains;
	scfg.hsts_preload = app->o.hsts_preload;
	scfg.plain_redirect = !app->o.http_serve;
	scfg.keepalive_requests = app->o.keepalive_requests;
	scfg.handshake_ms = app->o.handshake_ms;
	scfg.header_ms = app->o.header_ms;
	scfg.keepalive_ms = app->o.keepalive_ms;
	scfg.send_ms = app->o.send_ms;

	/* This lcore's ipsec-mb manager (released in worker_teardown). */
	if (app->o.crypto == HS_TLS_CRYPTO_IPSECMB && hs_tls_crypto_thread_init() < 0) {
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
	if (app->multi && (w->rc = hs_arp_peers_init(w->lc, socket)) < 0) {
		snprintf(w->err, sizeof(w->err), "lcore %u: cannot create its ARP inbox",
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
	if (w->app->o.crypto == HS_TLS_CRYPTO_IPSECMB)
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

/* Poll until stopped: the workers, while the main lcore only waits for
 * the stop signal (telemetry runs in DPDK's own thread); or the main
 * lcore itself when it is the only one. */
static void
workers_run(const struct hs_app *app)
{
	if (!app->multi) {
		hs_lcore_loop(hs_workers[0].lc);
		return;
	}
	for (unsigned int i = 0; i < hs_nb_workers; i++)
		if (rte_eal_remote_launch(worker_loop, &hs_workers[i],
					  hs_worker_lcore[i]) != 0)
			die_usage("cannot launch the loop on lcore %u", hs_worker_lcore[i]);
	while (!hs_lcore_stopping())
		usleep(50 * 1000);
	rte_eal_mp_wait_lcore();
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
	       RTE_ETHER_ADDR_BYTES(&app->ifp->mac), hs_files_count(app->files),
	       hs_nb_workers > 1 ? "s" : "", lcores);
}

int
main(int argc, char **argv)
{
	static struct hs_app app = {
		.o = {
			.https_port = 443, .http_port = 80, .max_conns = 16384,
			.nb_mbufs = 32767, .mtu = 1500, .port_id = -1,
			.max_file = 256ull << 20, .max_total = 4ull << 30,
			.hsts_max_age = HS_HTTP_HSTS_MAX_AGE_DEFAULT,
			.keepalive_requests = HS_HTTP_KEEPALIVE_REQS_DEFAULT,
		},
	};
	struct hs_opts *o = &app.o;
	int sep = argc, app_argc, rc;
	char err[256];
	struct hs_tls_config tcfg;

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
	}
	if (sep == argc)
		die_usage("missing '--' before the application options (see --help)");
	app_argc = argc - sep;
	argv[sep] = argv[0];
	parse_app_args(o, app_argc, argv + sep);

	/* Load everything that can fail on bad input before EAL starts. */
	if (hs_tls_global_init() < 0)
		die_usage("cannot initialise wolfSSL");
	memset(&tcfg, 0, sizeof(tcfg));
	tcfg.cert_file = o->cert;
	tcfg.key_file = o->key;
	tcfg.client_ca = o->client_ca;
	tcfg.client_auth = o->client_auth;
	tcfg.ocsp_staple = o->ocsp_staple;
	tcfg.early_data = o->early_data;
	tcfg.crypto = o->crypto;
	inet_ntop(AF_INET, &o->ip, app.ip_str, sizeof(app.ip_str));
	if (hs_tls_ctx_new(&app.tls, &tcfg, err, sizeof(err)) < 0)
		die_usage("%s", err);
	if (hs_files_load(&app.files, o->root, o->max_file, o->max_total, err, sizeof(err)) < 0)
		die_usage("%s", err);

	rc = rte_eal_init(sep, argv);
	if (rc < 0)
		die_usage("EAL initialisation failed: %s", rte_strerror(rte_errno));
	if (o->port_id < 0) {
		if (rte_eth_dev_count_avail() == 0)
			die_usage("no DPDK port: add e.g. --vdev=net_af_packet0,iface=IFACE, or bind a NIC to vfio-pci");
		app.port = rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER);
	} else {
		app.port = (uint16_t)o->port_id;
		if (!rte_eth_dev_is_valid_port(app.port))
			die_usage("--port %u: no such DPDK port", app.port);
	}
	workers_plan(&app);

	app.pool = rte_pktmbuf_pool_create("hs_mbuf", o->nb_mbufs, 256, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (app.pool == NULL)
		die_usage("cannot allocate %u mbufs: %s (give EAL more memory with -m or hugepages, or lower --mbufs)",
			  o->nb_mbufs, rte_strerror(rte_errno));

	app.ifp = rte_zmalloc("hs_netif", sizeof(*app.ifp), RTE_CACHE_LINE_SIZE);
	if (app.ifp == NULL)
		die_usage("out of EAL memory for the interface");
	if (hs_port_init(app.port, (uint16_t)hs_nb_workers, app.pool, o->mtu,
			 &app.ifp->mac, err, sizeof(err)) < 0)
		die_usage("%s", err);
	app.ifp->port_id = app.port;
	app.ifp->mtu = o->mtu;
	app.ifp->ip = o->ip;
	app.ifp->mask = o->mask;
	app.ifp->gw = o->gw;

	hs_lcore_set_idle_sleep(o->idle_sleep_us);
	hs_stats_info_set(HS_VERSION);
	workers_setup();
	if (hs_stats_telemetry_init() < 0)
		fprintf(stderr, "httpsd: warning: telemetry commands not registered\n");

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	print_ready(&app);
	workers_run(&app);

	printf("httpsd: stopping on signal %d\n", (int)hs_signalled);
	hs_stats_print(stdout);
	workers_teardown();
	hs_port_fini(app.port);
	printf("mbufs_in_use %u\n", o->nb_mbufs - rte_mempool_avail_count(app.pool));
	rte_free(app.ifp);
	rte_mempool_free(app.pool);
	hs_files_free(app.files);
	hs_tls_ctx_free(app.tls);
	hs_tls_global_fini();
	rte_eal_cleanup();
	return 0;
}
