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
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: httpsd [EAL options] -- [options]\n"
"\n"
"Serve the files under --root over HTTPS (and HTTP) from a DPDK port.\n"
"\n"
"Required:\n"
"  --addr A.B.C.D/N     the server's IPv4 address and prefix length\n"
"  --cert FILE          PEM certificate (leaf first, then the chain)\n"
"  --key FILE           PEM private key matching --cert\n"
"  --root DIR           document root, loaded into memory at start-up\n"
"Optional:\n"
"  --gateway A.B.C.D    next hop for off-link clients\n"
"  --https-port N       HTTPS port (default 443)\n"
"  --http-port N        plain HTTP port (default 80, 0 = off)\n"
"  --port N             DPDK port id (default: the first one)\n"
"  --mtu N              IP MTU (default 1500)\n"
"  --max-conns N        TCP connections per lcore (default 16384)\n"
"  --mbufs N            mbufs in the packet pool (default 32767)\n"
"  --max-file BYTES     largest file loaded from --root (default 256 MiB)\n"
"  --idle-sleep US      sleep US microseconds after a run of empty polls\n"
"                       (default 0: busy polling)\n"
"  --version            print versions and exit\n"
"  --help               print this help and exit\n"
"\n"
"Example (no special NIC needed):\n"
"  httpsd -l 0 --no-huge -m 512 --vdev=net_af_packet0,iface=veth0 -- \\\n"
"      --addr 198.18.0.1/24 --cert cert.pem --key key.pem --root www\n"
"\n"
"Counters: DPDK telemetry command /httpsd/stats (and /httpsd/lcore_stats,N);\n"
"printed at exit. SIGINT/SIGTERM stop the server.\n");
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

static void
parse_addr(struct hs_opts *o, const char *s)
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
}

enum {
	OPT_ADDR = 256, OPT_GW, OPT_CERT, OPT_KEY, OPT_ROOT, OPT_HTTPS_PORT,
	OPT_HTTP_PORT, OPT_PORT, OPT_MTU, OPT_MAX_CONNS, OPT_MBUFS, OPT_MAX_FILE,
	OPT_IDLE_SLEEP, OPT_VERSION, OPT_HELP,
};

static const struct option long_opts[] = {
	{ "addr", required_argument, NULL, OPT_ADDR },
	{ "gateway", required_argument, NULL, OPT_GW },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "https-port", required_argument, NULL, OPT_HTTPS_PORT },
	{ "http-port", required_argument, NULL, OPT_HTTP_PORT },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "max-file", required_argument, NULL, OPT_MAX_FILE },
	{ "idle-sleep", required_argument, NULL, OPT_IDLE_SLEEP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void
print_version(void)
{
	printf("httpsd %s\nDPDK %s\n%s\n", HS_VERSION, rte_version(),
	       hs_tls_version_string());
}

static void
parse_app_args(struct hs_opts *o, int argc, char **argv)
{
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_ADDR: parse_addr(o, optarg); o->addr_str = optarg; break;
		case OPT_GW: o->gw = parse_ip("--gateway", optarg); break;
		case OPT_CERT: o->cert = optarg; break;
		case OPT_KEY: o->key = optarg; break;
		case OPT_ROOT: o->root = optarg; break;
		case OPT_HTTPS_PORT:
			o->https_port = parse_uint("--https-port", optarg, 1, 65535);
			break;
		case OPT_HTTP_PORT:
			o->http_port = parse_uint("--http-port", optarg, 0, 65535);
			break;
		case OPT_PORT: o->port_id = parse_uint("--port", optarg, 0, RTE_MAX_ETHPORTS - 1); break;
		case OPT_MTU: o->mtu = parse_uint("--mtu", optarg, 576, 9000); break;
		case OPT_MAX_CONNS:
			o->max_conns = parse_uint("--max-conns", optarg, 1, 1u << 22);
			break;
		case OPT_MBUFS:
			o->nb_mbufs = parse_uint("--mbufs", optarg, 1024, 1u << 24);
			break;
		case OPT_MAX_FILE:
			o->max_file = parse_uint("--max-file", optarg, 0, 1ull << 40);
			break;
		case OPT_IDLE_SLEEP:
			o->idle_sleep_us = parse_uint("--idle-sleep", optarg, 0, 1000000);
			break;
		case OPT_VERSION: print_version(); exit(0);
		case 'h': case OPT_HELP: usage(stdout); exit(0);
		case ':': die_usage("option '%s' needs a value", argv[optind - 1]);
		default: die_usage("unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s' (see --help)", argv[optind]);
	if (o->addr_str == NULL)
		die_usage("--addr is required (e.g. --addr 198.18.0.1/24)");
	if (o->cert == NULL)
		die_usage("--cert is required");
	if (o->key == NULL)
		die_usage("--key is required");
	if (o->root == NULL)
		die_usage("--root is required");
	if (o->gw != 0 && (o->gw & o->mask) != (o->ip & o->mask))
		die_usage("--gateway: not inside the --addr subnet");
	if (o->http_port == o->https_port)
		die_usage("--http-port and --https-port must differ");
}

static volatile sig_atomic_t hs_signalled;

static void
on_signal(int sig)
{
	hs_signalled = sig;
	hs_lcore_stop();
}

int
main(int argc, char **argv)
{
	struct hs_opts o = {
		.https_port = 443, .http_port = 80, .max_conns = 16384,
		.nb_mbufs = 32767, .mtu = 1500, .port_id = -1,
		.max_file = 256ull << 20, .max_total = 4ull << 30,
	};
	int sep = argc, app_argc, rc;
	char err[256];
	struct hs_tls_config tcfg;
	struct hs_tls_ctx *tls = NULL;
	struct hs_file_cache *files = NULL;
	struct hs_netif *ifp;
	struct hs_lcore *lc;
	struct rte_mempool *pool;
	uint16_t port;

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
	parse_app_args(&o, app_argc, argv + sep);

	/* Load everything that can fail on bad input before EAL starts. */
	if (hs_tls_global_init() < 0)
		die_usage("cannot initialise wolfSSL");
	tcfg.cert_file = o.cert;
	tcfg.key_file = o.key;
	if (hs_tls_ctx_new(&tls, &tcfg, err, sizeof(err)) < 0)
		die_usage("%s", err);
	if (hs_files_load(&files, o.root, o.max_file, o.max_total, err, sizeof(err)) < 0)
		die_usage("%s", err);

	rc = rte_eal_init(sep, argv);
	if (rc < 0)
		die_usage("EAL initialisation failed: %s", rte_strerror(rte_errno));
	if (o.port_id < 0) {
		if (rte_eth_dev_count_avail() == 0)
			die_usage("no DPDK port: add e.g. --vdev=net_af_packet0,iface=IFACE, or bind a NIC to vfio-pci");
		port = rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER);
	} else {
		port = (uint16_t)o.port_id;
		if (!rte_eth_dev_is_valid_port(port))
			die_usage("--port %u: no such DPDK port", port);
	}

	pool = rte_pktmbuf_pool_create("hs_mbuf", o.nb_mbufs, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL)
		die_usage("cannot allocate %u mbufs: %s (give EAL more memory with -m or hugepages, or lower --mbufs)",
			  o.nb_mbufs, rte_strerror(rte_errno));

	ifp = rte_zmalloc("hs_netif", sizeof(*ifp), RTE_CACHE_LINE_SIZE);
	lc = rte_zmalloc("hs_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE);
	if (ifp == NULL || lc == NULL)
		die_usage("out of EAL memory for the lcore context");
	if (hs_port_init(port, 1, pool, o.mtu, &ifp->mac, err, sizeof(err)) < 0)
		die_usage("%s", err);
	ifp->port_id = port;
	ifp->mtu = o.mtu;
	ifp->ip = o.ip;
	ifp->mask = o.mask;
	ifp->gw = o.gw;

	if (hs_lcore_init(lc, ifp, pool, port, 0, o.max_conns) < 0)
		die_usage("cannot allocate %u connections (lower --max-conns or give EAL more memory)",
			  o.max_conns);
	hs_lcore_set_idle_sleep(o.idle_sleep_us);
	{
		struct hs_server_config scfg = {
			.tls = tls, .files = files,
			.https_port = o.https_port, .http_port = o.http_port,
		};
		if (hs_server_attach(lc, &scfg) < 0)
			die_usage("cannot set up listeners");
	}
	if (hs_stats_telemetry_init() < 0)
		fprintf(stderr, "httpsd: warning: telemetry commands not registered\n");

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	hs_arp_announce(lc);
	printf("httpsd: ready https://%s:%u/ http://%s:%u/ (port %u " RTE_ETHER_ADDR_PRT_FMT ", %zu files, lcore %u)\n",
	       inet_ntoa(*(struct in_addr *)&o.ip), o.https_port,
	       inet_ntoa(*(struct in_addr *)&o.ip), o.http_port, port,
	       RTE_ETHER_ADDR_BYTES(&ifp->mac), hs_files_count(files),
	       rte_lcore_id());

	hs_lcore_loop(lc);

	printf("httpsd: stopping on signal %d\n", (int)hs_signalled);
	hs_server_detach(lc);
	hs_stats_print(stdout);
	hs_lcore_fini(lc);
	hs_port_fini(port);
	printf("mbufs_in_use %u\n", o.nb_mbufs - rte_mempool_avail_count(pool));
	rte_free(lc);
	rte_free(ifp);
	rte_mempool_free(pool);
	hs_files_free(files);
	hs_tls_ctx_free(tls);
	hs_tls_global_fini();
	rte_eal_cleanup();
	return 0;
}
