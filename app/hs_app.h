/* SPDX-License-Identifier: BSD-3-Clause
 * hs_app.h - the program's wiring: what the options name is loaded (TLS
 * context, file cache, access log), then EAL, the port, the polling
 * lcores, the HTTP server on them, telemetry, signals (SIGHUP reload,
 * SIGTERM drain) and the clean shutdown.
 *
 * app/main.c parses the command line (hs_opts.h) and hands the result
 * here.  Errors that stop the program are printed as one line
 * "httpsd: <reason>" and exit HS_EXIT_USAGE; a failed SIGHUP reload is
 * logged and keeps the running configuration.
 */
#ifndef HS_APP_H
#define HS_APP_H

#include "hs_opts.h"

/* The version httpsd --version and telemetry's /httpsd/info report. */
#define HS_VERSION "0.1.0"

/* Run httpsd with options o built from boot (the command line cl and
 * the configuration file cl->config), which the app now owns (freed at
 * exit).  eal_argc/eal_argv are EAL's arguments (argv[0] first); with
 * o->check_config nothing of EAL starts.  Returns the exit code. */
int hs_app_run(const struct hs_opts *o, struct hs_opts_build *boot,
	       struct hs_opts_cli *cl, int eal_argc, char **eal_argv);

#endif
