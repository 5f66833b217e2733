/* SPDX-License-Identifier: BSD-3-Clause
 * conn_sizes.c - what one idle keep-alive HTTPS connection (own TLS
 * records, after its first request) holds, struct by struct: the size of
 * each per-connection structure and the heap chunk glibc's malloc gives
 * it (size + 8-byte header, rounded up to 16, at least 32), and the
 * per-lcore pools a connection draws from only while it is busy.
 *   build/bench/conn_sizes [MAX_CONNS]
 * MAX_CONNS (default 16384) sizes the TCP lookup tables as httpsd does.
 * Compare with bench/idle_rss.sh, which measures the RSS growth.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_common.h>

#include "hs_tcp_var.h"
#include "hs_tls_crypto.h"
#include "hs_tls_int.h"
#include "hs_tls_rec.h"
#include "hs_tls_xkey.h"
#include "hs_server_int.h"

static size_t total;

/* glibc: request + 8, rounded up to 16, at least 32 */
static size_t
chunk(size_t n)
{
	size_t c = (n + 8 + 15) & ~(size_t)15;

	return c < 32 ? 32 : c;
}

static void
row(const char *what, const char *how, size_t size, size_t held)
{
	printf("| %s | %s | %zu | %zu |\n", what, how, size, held);
	total += held;
}

int
main(int argc, char **argv)
{
	unsigned long max = argc > 1 ? strtoul(argv[1], NULL, 10) : 16384;
	size_t buckets = rte_align32pow2((uint32_t)max);
	double per = (double)buckets / (double)max;

	printf("| per idle connection | where | bytes | held (bytes) |\n");
	printf("|---|---|---:|---:|\n");
	row("struct hs_tcp_conn", "TCP table slot (EAL memory)",
	    sizeof(struct hs_tcp_conn), sizeof(struct hs_tcp_conn));
	row("hash bucket + source slots", "per-lcore tables / max_conns",
	    (size_t)(per * (sizeof(void *) + 2 * sizeof(struct hs_tcp_src))),
	    (size_t)(per * (sizeof(void *) + 2 * sizeof(struct hs_tcp_src))));
	row("struct hs_srv_conn (incl. struct hs_http_conn)", "malloc",
	    sizeof(struct hs_srv_conn), chunk(sizeof(struct hs_srv_conn)));
	row("struct hs_tls_sess", "calloc", sizeof(struct hs_tls_sess),
	    chunk(sizeof(struct hs_tls_sess)));
	row("struct hs_tls_own (incl. struct hs_tls_rec)", "calloc",
	    hs_tls_own_size(), chunk(hs_tls_own_size()));
	row("struct hs_tls_aead x 2 (raw keys)", "calloc",
	    2 * hs_tls_aead_size(), 2 * chunk(hs_tls_aead_size()));
	printf("| **total** | | | **%zu** |\n\n", total);

	printf("| per-lcore pool, only while busy | block bytes | default "
	       "bound |\n|---|---:|---:|\n");
	printf("| request state (struct hs_http_rstate, incl. the upload "
	       "hash) | %zu | --request-buffers 4096 |\n",
	       sizeof(struct hs_http_rstate));
	printf("| expanded AES-GCM key (struct hs_tls_xkey) | %zu | "
	       "--tls-key-blocks %u |\n",
	       sizeof(struct hs_tls_xkey), HS_TLS_XKEY_MAX_DEFAULT);
	printf("\nparts of struct hs_tcp_conn: loss recovery state (SACK "
	       "scoreboard, RACK send times, PRR) %zu, congestion control "
	       "%zu, timers and links %zu\n",
	       offsetof(struct hs_tcp_conn, cc) -
		       offsetof(struct hs_tcp_conn, sb),
	       offsetof(struct hs_tcp_conn, t_rexmt) -
		       offsetof(struct hs_tcp_conn, cc),
	       sizeof(struct hs_tcp_conn) -
		       offsetof(struct hs_tcp_conn, t_rexmt));
	printf("parts of struct hs_tls_sess: SNI %zu, client certificate "
	       "subject %zu\n",
	       sizeof(((struct hs_tls_sess *)0)->sni),
	       sizeof(((struct hs_tls_sess *)0)->peer));
	return 0;
}
