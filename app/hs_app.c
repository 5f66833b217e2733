/* SPDX-License-Identifier: BSD-3-Clause
 * hs_app.c - httpsd's wiring (hs_app.h): EAL and port set-up, the
 * polling lcores and the server on them, SIGHUP reload, SIGTERM drain,
 * the clean shutdown.
 *
 * What can fail on bad input (certificates, keys, the document root, the
 * access log) is loaded before EAL starts, so mistakes are reported in
 * one line with exit code 2 without touching hugepages or ports.
 * --check-config stops after that.  SIGHUP re-reads the configuration
 * file and applies what can change live (options marked live in
 * hs_opts.c), builds a new TLS context and file cache and runs the
 * reload hooks (hs_reload.h); SIGTERM drains (hs_server.h), a second
 * SIGTERM or a SIGINT stops at once.
 */
#include <arpa/inet.h>
#include <inttypes.h>
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
#include <rte_mbuf.h>

#include "hs_common.h"
#include "hs_impair.h"
#include "hs_lcore.h"
#include "hs_rcu.h"
#include "hs_reload.h"
#include "hs_port.h"
#include "hs_stats.h"
#include "hs_tls.h"
#include "hs_tls_crypto.h"
#include "hs_tls_xkey.h"
#include "hs_http.h"
#include "hs_http_files.h"
#include "hs_log.h"
#include "hs_server.h"
#include "hs_transport.h"
#include "hs_opts.h"
#include "hs_app.h"

/* A start-up failure: one line, exit HS_EXIT_USAGE. */
static void __attribute__((noreturn, format(printf, 1, 2)))
app_die(const char *fmt, ...)
{
	va_list ap;

	fputs("httpsd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(HS_EXIT_USAGE);
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
	struct hs_opts_build boot; /* start-up options (o points into it) */
	struct hs_opts_cli cl;     /* command-line options */
	const char *config;        /* --config FILE or NULL */
	struct rte_mempool *pool;
	struct hs_netif *ifp;
	uint16_t port;
	bool multi;                   /* main lcore does not poll */
	uint64_t drain_deadline;      /* TSC, 0 until draining */
	size_t nfiles;                /* files loaded at start-up */
	char ip_str[INET_ADDRSTRLEN]; /* redirect target without Host */
};

static struct hs_app hs_app_main;

/* What one published configuration owns (hs_server_publish's release):
 * freed once no lcore and no connection uses it. */
struct hs_owned {
	struct hs_tls_ctx *tls;
	struct hs_file_cache *files;
	struct hs_opts_build build; /* the reload's options point into it */
};

static void
owned_free(void *arg)
{
	struct hs_owned *own = arg;

	if (own == NULL)
		return;
	hs_files_free(own->files);
	hs_tls_ctx_free(own->tls);
	hs_opts_build_free(&own->build);
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
	c->linger_ms = o->linger_ms;
	c->upload_sink = o->upload_sink;
	c->max_body = o->max_body;
}

/* Load what o names (certificate, key, document root) into own.  0, or
 * -1 with a one-line reason in err. */
static int
owned_load(const struct hs_opts *o, struct hs_owned *own, char *err,
	   size_t errlen)
{
	struct hs_tls_config tcfg;

	tls_config_from(o, &tcfg);
	if (hs_tls_ctx_new(&own->tls, &tcfg, err, errlen) < 0)
		return -1;
	if (hs_files_load(&own->files, o->root, o->max_file, o->max_total, err,
			  errlen) < 0)
		return -1;
	return 0;
}

/* One polling lcore: its context and its set-up result. */
struct hs_worker {
	const struct hs_app *app;
	struct hs_lcore *lc;
	uint16_t queue;
	bool announce; /* sends the gratuitous ARP */
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
		.https_port = app->o.https_port,
		.http_port = app->o.http_port,
		.access_log = strcmp(app->o.access_log, "off") != 0,
		.rstate_max = app->o.request_buffers,
	};
	int socket = (int)rte_socket_id();

	/* This lcore's ipsec-mb manager (released in worker_teardown). */
	if ((app->o.crypto == HS_TLS_CRYPTO_IPSECMB ||
	     app->o.records == HS_TLS_RECORDS_OWN) &&
	    hs_tls_crypto_thread_init() < 0) {
		snprintf(w->err, sizeof(w->err),
			 "lcore %u: cannot set up ipsec-mb (try --crypto "
			 "wolfssl)",
			 rte_lcore_id());
		return w->rc = -ENOTSUP;
	}

	w->lc = rte_zmalloc_socket("hs_lcore", sizeof(*w->lc),
				   RTE_CACHE_LINE_SIZE, socket);
	if (w->lc == NULL) {
		snprintf(w->err, sizeof(w->err),
			 "lcore %u: out of EAL memory for its context",
			 rte_lcore_id());
		return w->rc = -ENOMEM;
	}
	w->rc = hs_lcore_init(w->lc, app->ifp, app->pool, app->port, w->queue,
			      app->o.max_conns);
	if (w->rc < 0) {
		snprintf(w->err, sizeof(w->err),
			 "lcore %u: cannot allocate %u connections (lower "
			 "--max-conns or give EAL more memory)",
			 rte_lcore_id(), app->o.max_conns);
		rte_free(w->lc);
		w->lc = NULL;
		return w->rc;
	}
	if (app->o.impair_set &&
	    (w->rc = hs_lcore_impair(w->lc, &app->o.impair, socket)) < 0) {
		snprintf(w->err, sizeof(w->err),
			 "lcore %u: out of EAL memory for --impair (lower its "
			 "limit=)",
			 rte_lcore_id());
		return w->rc;
	}
	if (app->multi && (w->rc = hs_arp_peers_init(w->lc, socket)) < 0) {
		snprintf(w->err, sizeof(w->err),
			 "lcore %u: cannot create its ARP inbox",
			 rte_lcore_id());
		return w->rc;
	}
	if (hs_nb_workers > 1 && hs_port_sw_steer(app->port) &&
	    (w->rc = hs_lcore_steer_init(w->lc, (uint16_t)hs_nb_workers,
					 socket)) < 0) {
		snprintf(w->err, sizeof(w->err),
			 "lcore %u: cannot create its steering inbox",
			 rte_lcore_id());
		return w->rc;
	}
	w->rc = hs_server_attach(w->lc, &scfg);
	if (w->rc < 0) {
		snprintf(w->err, sizeof(w->err),
			 "lcore %u: cannot set up listeners", rte_lcore_id());
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
	app->multi =
		hs_nb_workers > 1 || hs_worker_lcore[0] != rte_get_main_lcore();
	for (unsigned int i = 0; i < hs_nb_workers; i++) {
		hs_workers[i].app = app;
		hs_workers[i].queue = (uint16_t)i;
		hs_workers[i].announce = i == 0;
	}
}

static void
workers_setup(void)
{
	const struct hs_app *app = hs_workers[0].app;

	hs_tls_xkey_config(app->o.tls_key_blocks != 0 ? app->o.tls_key_blocks
						      : HS_TLS_XKEY_MAX_DEFAULT,
			   HS_TLS_XKEY_IDLE_DEFAULT);
	for (unsigned int i = 0; i < hs_nb_workers; i++) {
		struct hs_worker *w = &hs_workers[i];

		if (on_lcore(hs_worker_lcore[i], worker_setup, w) < 0)
			app_die("%s", w->err[0]
					      ? w->err
					      : "cannot start a worker lcore");
	}
}

static void
workers_teardown(void)
{
	for (unsigned int i = 0; i < hs_nb_workers; i++)
		(void)on_lcore(hs_worker_lcore[i], worker_teardown,
			       &hs_workers[i]);
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

/* SIGHUP, on the main lcore (with one lcore: between two iterations).
 * All or nothing for the configuration, certificate, key and files: any
 * error keeps the running state and logs one line. */
static void
app_reload(struct hs_app *app)
{
	struct hs_opts no;
	struct hs_owned *own;
	struct hs_server_config scfg;
	char err[512], changed[256];
	int rc;

	own = calloc(1, sizeof(*own));
	if (own == NULL) {
		reload_fail(NULL, "out of memory");
		return;
	}
	rc = hs_opts_build(&no, &own->build, app->config, &app->cl, err,
			   sizeof(err));
	if (rc != 0) {
		/* --help/--version cannot come back: scanned at start-up */
		reload_fail(own, rc < 0 ? err : "unexpected option action");
		return;
	}

	if (owned_load(&no, own, err, sizeof(err)) < 0) {
		reload_fail(own, err);
		return;
	}
	hs_opts_changed(&app->boot, &own->build, changed, sizeof(changed));
	server_config_from(&no, own, &scfg);
	if (hs_server_publish(&scfg, owned_free, own) < 0) {
		reload_fail(own, "out of memory");
		return;
	}
	/* The published generation owns own now; o points into it. */
	app->o = no;
	hs_lcore_set_idle_sleep(no.idle_sleep_us);
	if (changed[0] != '\0')
		reload_log(
			"reload: %s changed: applied at the next restart only",
			changed);
	rc = hs_reload_run_hooks(err, sizeof(err));
	hs_reload_count(rc == 0);
	if (rc < 0)
		reload_log("reload failed: %s (that part kept its old state; "
			   "options, certificate and files were reloaded)",
			   err);
	else
		reload_log("reloaded: %zu files, certificate %s",
			   hs_files_count(scfg.files), no.cert);
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
		uint64_t now = rte_get_timer_cycles(),
			 live = hs_server_drain_pending();

		if (app->drain_deadline == 0) {
			app->drain_deadline =
				now + (uint64_t)app->o.shutdown_timeout_s *
					      rte_get_timer_hz();
			printf("httpsd: draining: not accepting, %" PRIu64
			       " connections open, up to %u s\n",
			       live, app->o.shutdown_timeout_s);
		}
		if (live == 0 || now >= app->drain_deadline) {
			if (live != 0)
				printf("httpsd: shutdown timeout: closing "
				       "%" PRIu64 " connections\n",
				       live);
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
			app_die("cannot launch the loop on lcore %u",
				hs_worker_lcore[i]);
	while (!hs_lcore_stopping()) {
		app_tick();
		usleep(HS_TICK_US);
	}
	rte_eal_mp_wait_lcore();
}

/* The access-log writer runs as an EAL control thread: off the polling
 * cores. */
static int
log_thread_create(pthread_t *t, const char *name, void *(*fn)(void *),
		  void *arg)
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
	for (unsigned int i = 0; i < hs_nb_workers && len < sizeof(lcores) - 12;
	     i++)
		len += (size_t)snprintf(lcores + len, sizeof(lcores) - len,
					"%s%u", i ? "," : "",
					hs_worker_lcore[i]);
	printf("httpsd: ready https://%s:%u/ http://%s:%u/ (port "
	       "%u " RTE_ETHER_ADDR_PRT_FMT ", %zu files, lcore%s %s)\n",
	       ip, app->o.https_port, ip, app->o.http_port, app->port,
	       RTE_ETHER_ADDR_BYTES(&app->ifp->mac), app->nfiles,
	       hs_nb_workers > 1 ? "s" : "", lcores);
}

static int
log_reopen_hook(void *arg, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	hs_log_reopen();
	return 0;
}

int
hs_app_run(const struct hs_opts *opts, struct hs_opts_build *boot,
	   struct hs_opts_cli *cl, int eal_argc, char **eal_argv)
{
	struct hs_app *app = &hs_app_main;
	struct hs_opts *o = &app->o;
	struct hs_owned *own;
	struct hs_server_config scfg;
	int rc;
	char err[512];

	app->o = *opts;
	app->boot = *boot;
	memset(boot, 0, sizeof(*boot));
	app->cl = *cl;
	memset(cl, 0, sizeof(*cl));
	app->config = app->cl.config;
	inet_ntop(AF_INET, &o->ip, app->ip_str, sizeof(app->ip_str));
	hs_tcp_params = o->tcp; /* before any lcore runs */

	/* Load everything that can fail on bad input before EAL starts. */
	if (hs_tls_global_init() < 0)
		app_die("cannot initialise wolfSSL");
	own = calloc(1, sizeof(*own));
	if (own == NULL)
		app_die("out of memory");
	if (owned_load(o, own, err, sizeof(err)) < 0)
		app_die("%s", err);
	if (strcmp(o->access_log, "off") != 0 &&
	    hs_log_open(o->access_log, err, sizeof(err)) < 0)
		app_die("%s", err);
	app->nfiles = hs_files_count(own->files);
	if (o->check_config) {
		printf("httpsd: configuration OK%s%s (%zu files)\n",
		       app->config ? ": " : "", app->config ? app->config : "",
		       app->nfiles);
		owned_free(own);
		hs_opts_build_free(&app->boot);
		hs_opts_cli_free(&app->cl);
		hs_tls_global_fini();
		return 0;
	}

	rc = rte_eal_init(eal_argc, eal_argv);
	if (rc < 0)
		app_die("EAL initialisation failed: %s",
			rte_strerror(rte_errno));
	if (o->port_id < 0) {
		if (rte_eth_dev_count_avail() == 0)
			app_die("no DPDK port: add e.g. "
				"--vdev=net_af_packet0,iface=IFACE, or bind a "
				"NIC to vfio-pci");
		app->port = rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER);
	} else {
		app->port = (uint16_t)o->port_id;
		if (!rte_eth_dev_is_valid_port(app->port))
			app_die("--port %u: no such DPDK port", app->port);
	}
	workers_plan(app);

	app->pool = hs_port_pool_create(app->port, "hs_mbuf", o->nb_mbufs, 256,
					RTE_MBUF_DEFAULT_BUF_SIZE,
					(int)rte_socket_id());
	if (app->pool == NULL)
		app_die("cannot allocate %u mbufs: %s (give EAL more memory "
			"with -m or hugepages, or lower --mbufs)",
			o->nb_mbufs, rte_strerror(rte_errno));
	/* TLS record buffers (hs_transport.h): by default one per 32 packet
	 * mbufs (1023 x 16 KiB, 17 MB); without them records take chains. */
	{
		unsigned int nrec = o->tls_record_buffers == HS_OPTS_REC_AUTO
					    ? o->nb_mbufs / 32
					    : o->tls_record_buffers;

		hs_tp_rec_pool = nrec == 0 ? NULL
				 : rte_pktmbuf_pool_create(
					   "hs_rec", nrec, nrec >= 256 ? 32 : 0,
					   0, HS_TP_REC_ROOM,
					   (int)rte_socket_id());
		if (hs_tp_rec_pool == NULL && nrec != 0)
			fprintf(stderr,
				"httpsd: no memory for %u TLS record buffers (%s): "
				"records take packet mbufs\n",
				nrec, rte_strerror(rte_errno));
	}
	/* What connections may hold: the rest of the pool stays for the
	 * rings and for control frames whatever peers do (hs_tcp_mem.c). */
	if (o->tcp.mem_lcore_max == 0)
		hs_tcp_params.mem_lcore_max =
			hs_tcp_mem_auto(o->nb_mbufs, hs_nb_workers,
					HS_PORT_RX_DESC, HS_PORT_TX_DESC);
	else if ((uint64_t)o->tcp.mem_lcore_max * hs_nb_workers >= o->nb_mbufs)
		app_die("--mem-lcore %u: %u lcores would hold the whole pool "
			"(--mbufs %u)",
			o->tcp.mem_lcore_max, hs_nb_workers, o->nb_mbufs);

	app->ifp =
		rte_zmalloc("hs_netif", sizeof(*app->ifp), RTE_CACHE_LINE_SIZE);
	if (app->ifp == NULL)
		app_die("out of EAL memory for the interface");
	hs_port_set_tso(app->port, !o->tso_off);
	if (hs_port_init(app->port, (uint16_t)hs_nb_workers, app->pool, o->mtu,
			 &app->ifp->mac, err, sizeof(err)) < 0)
		app_die("%s", err);
	app->ifp->port_id = app->port;
	app->ifp->mtu = o->mtu;
	app->ifp->ip = o->ip;
	app->ifp->mask = o->mask;
	app->ifp->gw = o->gw;

	if (hs_rcu_init(RTE_MAX_LCORE) < 0)
		app_die("out of memory for the RCU state");
	server_config_from(o, own, &scfg);
	if (hs_server_publish(&scfg, owned_free, own) < 0)
		app_die("out of memory");
	hs_lcore_set_idle_sleep(o->idle_sleep_us);
	hs_stats_info_set(HS_VERSION);
	hs_stats_info_pool(app->pool);
	hs_stats_info_rec_pool(hs_tp_rec_pool);
	hs_stats_info_port(app->port);
	workers_setup();
	if (hs_stats_telemetry_init() < 0)
		fprintf(stderr,
			"httpsd: warning: telemetry commands not registered\n");

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);

	if (strcmp(o->access_log, "off") != 0) {
		if (hs_log_start(log_thread_create) < 0)
			app_die("cannot start the access log writer thread");
		/* SIGHUP reopens the file (after logrotate moved it). */
		if (hs_reload_register("access-log", log_reopen_hook, NULL) < 0)
			app_die("cannot register the access-log reload hook");
	}
	print_ready(app);
	workers_run(app);
	hs_log_stop();

	printf("httpsd: stopping on signal %d\n", (int)hs_signalled);
	hs_stats_print(stdout);
	workers_teardown();
	hs_port_fini(app->port);
	printf("mbufs_in_use %u\n", o->nb_mbufs -
					    rte_mempool_avail_count(app->pool) -
					    hs_port_mbufs_kept(app->port) +
					    (hs_tp_rec_pool != NULL ?
						     rte_mempool_in_use_count(hs_tp_rec_pool) :
						     0));
	/* every worker's connections, TLS sessions and log ring were freed */
	printf("server_lcores_attached %u\n", hs_server_lcores_attached());
	rte_free(app->ifp);
	rte_mempool_free(app->pool);
	hs_stats_info_rec_pool(NULL);
	rte_mempool_free(hs_tp_rec_pool);
	hs_tp_rec_pool = NULL;
	/* Connections are gone: every generation can go. */
	hs_rcu_fini();
	hs_server_fini();
	hs_reload_hooks_clear();
	hs_opts_build_free(&app->boot);
	hs_opts_cli_free(&app->cl);
	hs_tls_global_fini();
	rte_eal_cleanup();
	return 0;
}
