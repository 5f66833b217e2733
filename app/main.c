/* SPDX-License-Identifier: BSD-3-Clause
 * main.c - httpsd's entry point: the command line.
 *
 *   httpsd [EAL options] -- --addr A.B.C.D/N --cert F --key F --root DIR
 *          [--gateway A.B.C.D] [--https-port N] [--http-port N] ...
 *
 * --config FILE reads the same options from a file (hs_conf.h: "name
 * value" lines); the command line overrides it option by option
 * (hs_opts.h).  --check-config stops after validating the options and
 * loading what they name (exit 0 or 2).  Bad input: one line
 * "httpsd: <reason>" on stderr, exit 2.  The rest is hs_app.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_version.h>

#include "hs_common.h"
#include "hs_tls.h"
#include "hs_tls_crypto.h"
#include "hs_opts.h"
#include "hs_app.h"

static void __attribute__((noreturn)) die_usage(const char *msg)
{
	fprintf(stderr, "httpsd: %s\n", msg);
	exit(HS_EXIT_USAGE);
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
	printf("wolfSSL build: %s\n",
	       HS_WOLFSSL_TUNED ? "tuned (.deps/wolfssl)"
				: "fallback (Debian libwolfssl, no AES-NI)");
	printf("0-RTT answers: %s\n",
	       HS_WOLFSSL_TUNED && HS_WOLFSSL_HALF_RTT
		       ? "0.5-RTT (sent before the client's Finished)"
		       : "after the client's Finished");
	if (mb)
		printf("AES-GCM path: %s (%s, %s)\n",
		       hs_tls_crypto_name(HS_TLS_CRYPTO_IPSECMB),
		       hs_tls_crypto_version(), hs_tls_crypto_arch());
	else
		printf("AES-GCM path: %s (%s)\n",
		       hs_tls_crypto_name(HS_TLS_CRYPTO_WOLFSSL),
		       hs_tls_crypto_available()
			       ? "ipsec-mb unusable on this CPU"
			       : hs_tls_crypto_version());
	printf("TLS records after the handshake: %s\n",
	       hs_tls_own_available() ? "own (--tls-records own|wolfssl)"
				      : "wolfssl (this wolfSSL has no secret "
					"callback, or no ipsec-mb)");
	printf("Built-in ports: net_hs_packet %s\n",
	       HS_HAVE_HS_PACKET ? "yes (TSO through a packet socket)"
				 : "no (no DPDK driver headers at build)");
	if (mb)
		hs_tls_global_fini();
}

int
main(int argc, char **argv)
{
	struct hs_opts *o = NULL;
	struct hs_opts_build boot;
	struct hs_opts_cli cl;
	int sep = argc, app_argc, rc;
	bool check_only = false;
	char err[512];

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	/* --help / --version work with or without EAL options. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			hs_opts_usage(stdout);
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
		die_usage("missing '--' before the application options (see "
			  "--help)");
	app_argc = argc - sep;
	if (sep > 0)
		argv[sep] = argv[0];
	rc = hs_opts_scan(app_argc, argv + sep, &cl, err, sizeof(err));
	if (rc == 0) {
		o = malloc(sizeof(*o));
		if (o == NULL)
			die_usage("out of memory");
		rc = hs_opts_build(o, &boot, cl.config, &cl, err, sizeof(err));
	}
	if (rc == HS_OPTS_HELP) {
		hs_opts_usage(stdout);
		return 0;
	}
	if (rc == HS_OPTS_VERSION) {
		print_version();
		return 0;
	}
	if (rc < 0)
		die_usage(err);
	rc = hs_app_run(o, &boot, &cl, sep, argv);
	free(o);
	return rc;
}
