/* SPDX-License-Identifier: BSD-3-Clause
 * ttfb.c - time to first response byte over HTTPS, from connect() to the
 * first byte of the HTTP response, for the RTT-cost scenario of
 * scripts/bench.  OpenSSL client; one connection at a time.
 *
 *   ttfb --host A.B.C.D --mode MODE [--port 443] [--sni NAME] [--path P]
 *        [--count N] [--timeout-ms MS]
 *
 * Modes and the round trips they need (TCP handshake included):
 *   tcp           connect() only: 1 RTT (the path RTT as the client sees it)
 *   tls12         TLS 1.2 full handshake, then GET: 4
 *   tls13         TLS 1.3 full handshake, then GET: 3
 *   tls13-resume  TLS 1.3 resumed with a ticket (PSK), then GET: 3
 *   tls13-0rtt    TLS 1.3 resumed, GET sent as early data: 2
 * Resumed modes keep the tickets the server sends in a stack; each timed
 * connection takes the newest one, so no ticket is used twice (0-RTT
 * anti-replay).  When the stack is empty (a server may close before it
 * sends a ticket after a 0-RTT request) an untimed full connection refills
 * it first.
 *
 * Prints one JSON object: mode, ok, fail, samples_ms, min/median/max_ms,
 * proto, resumed (connections that resumed), early_accepted,
 * early_rejected, and status: "ok", or "refused" with a note when the
 * server does not support the mode (handshake refused, no ticket, no
 * early data offered or none accepted).  Exit 0 unless usage is wrong.
 * Certificates are not verified (the benchmark's own self-signed one).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_COUNT 1000

enum mode { M_TCP, M_TLS12, M_TLS13, M_RESUME, M_0RTT };

static const char *mode_names[] = { "tcp", "tls12", "tls13", "tls13-resume",
				    "tls13-0rtt" };

static struct {
	const char *host, *sni, *path;
	int port, count, timeout_ms;
	enum mode mode;
} opt = { NULL, "httpsd.test", "/index.html", 443, 10, 3000, M_TCP };

#define MAX_TICKETS 16
static SSL_SESSION *tickets[MAX_TICKETS]; /* newest last */
static int nb_tickets;
static char note[256];
static char req[512];
static size_t req_len;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static void
set_note(const char *s)
{
	if (note[0] == '\0')
		snprintf(note, sizeof(note), "%s", s);
}

static int
new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	(void)ssl;
	if (nb_tickets == MAX_TICKETS) { /* drop the oldest */
		SSL_SESSION_free(tickets[0]);
		memmove(tickets, tickets + 1,
			sizeof(tickets[0]) * (MAX_TICKETS - 1));
		nb_tickets--;
	}
	tickets[nb_tickets++] =
		sess; /* we keep the reference OpenSSL gives us */
	return 1;
}

static int
tcp_connect(void)
{
	struct sockaddr_in sa;
	struct timeval tv = { opt.timeout_ms / 1000,
			      (opt.timeout_ms % 1000) * 1000 };
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Bounds connect(), every read and every write. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)opt.port);
	if (inet_pton(AF_INET, opt.host, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		set_note("TCP connect failed");
		close(fd);
		return -1;
	}
	return fd;
}

static SSL_CTX *
make_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int v = opt.mode == M_TLS12 ? TLS1_2_VERSION : TLS1_3_VERSION;

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, v);
	SSL_CTX_set_max_proto_version(ctx, v);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* The same suite and group as the throughput scenarios. */
	SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256");
	SSL_CTX_set_cipher_list(
		ctx,
		"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
	SSL_CTX_set1_groups_list(ctx, "X25519:P-256");
	SSL_CTX_set_session_cache_mode(
		ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
	return ctx;
}

/* Read the rest of the response (Connection: close) so that tickets sent
 * after the handshake are seen; bounded by the socket timeout and size. */
static void
drain(SSL *ssl)
{
	char buf[16384];
	size_t total = 0;

	while (total < (64u << 20)) {
		int n = SSL_read(ssl, buf, sizeof(buf));

		if (n <= 0)
			break;
		total += (size_t)n;
	}
}

struct result {
	bool ok, resumed, early_sent, early_accepted;
	double ms;
	char proto[16];
};

/* One connection; timed from just before connect() to the first byte of
 * the response. */
static struct result
one(SSL_CTX *ctx, bool use_session, bool early)
{
	struct result r = { 0 };
	SSL *ssl = NULL;
	char first[16];
	double t0;
	int fd, n;

	t0 = now_ms();
	fd = tcp_connect();
	if (fd < 0)
		return r;
	if (opt.mode == M_TCP) {
		r.ms = now_ms() - t0;
		r.ok = true;
		close(fd);
		return r;
	}
	ssl = SSL_new(ctx);
	if (ssl == NULL)
		goto out;
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, opt.sni);
	if (use_session && nb_tickets > 0) {
		SSL_SESSION *s = tickets[--nb_tickets]; /* single use */

		SSL_set_session(ssl, s);
		SSL_SESSION_free(s);
	}
	if (early) {
		size_t w = 0;

		if (SSL_write_early_data(ssl, req, req_len, &w) != 1 ||
		    w != req_len) {
			set_note("SSL_write_early_data failed");
			goto out;
		}
		r.early_sent = true;
	}
	if (SSL_connect(ssl) != 1) {
		set_note(opt.mode == M_TLS12 ? "TLS 1.2 handshake refused"
					     : "TLS handshake failed");
		goto out;
	}
	if (r.early_sent)
		r.early_accepted = SSL_get_early_data_status(ssl) ==
				   SSL_EARLY_DATA_ACCEPTED;
	if (!r.early_accepted &&
	    SSL_write(ssl, req, (int)req_len) != (int)req_len) {
		set_note("request write failed");
		goto out;
	}
	n = SSL_read(ssl, first, sizeof(first));
	if (n <= 0) {
		set_note("no response");
		goto out;
	}
	r.ms = now_ms() - t0;
	if (n < 12 || memcmp(first, "HTTP/1.1 200", 12) != 0) {
		set_note("response is not HTTP/1.1 200");
		goto out;
	}
	r.ok = true;
	r.resumed = SSL_session_reused(ssl);
	snprintf(r.proto, sizeof(r.proto), "%s", SSL_get_version(ssl));
	drain(ssl);
	SSL_shutdown(ssl);
out:
	if (ssl != NULL)
		SSL_free(ssl);
	close(fd);
	ERR_clear_error();
	return r;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: ttfb --host A.B.C.D --mode "
		"tcp|tls12|tls13|tls13-resume|tls13-0rtt\n"
		"            [--port 443] [--sni httpsd.test] [--path "
		"/index.html]\n"
		"            [--count 10 (1..%d)] [--timeout-ms 3000]\n"
		"Time from connect() to the first response byte, one "
		"connection at a\n"
		"time; prints one JSON object (see the comment in "
		"bench/ttfb.c).\n",
		MAX_COUNT);
}

int
main(int argc, char **argv)
{
	double ms[MAX_COUNT];
	int ok = 0, fail = 0, resumed = 0, acc = 0, rej = 0;
	char proto[16] = "";
	const char *status = "ok";
	SSL_CTX *ctx = NULL;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (v == NULL) {
			usage(stderr);
			return 2;
		}
		i++;
		if (strcmp(o, "--host") == 0) {
			opt.host = v;
		} else if (strcmp(o, "--sni") == 0) {
			opt.sni = v;
		} else if (strcmp(o, "--path") == 0) {
			opt.path = v;
		} else if (strcmp(o, "--port") == 0) {
			opt.port = atoi(v);
		} else if (strcmp(o, "--count") == 0) {
			opt.count = atoi(v);
		} else if (strcmp(o, "--timeout-ms") == 0) {
			opt.timeout_ms = atoi(v);
		} else if (strcmp(o, "--mode") == 0) {
			int m;

			for (m = 0; m <= M_0RTT; m++)
				if (strcmp(v, mode_names[m]) == 0)
					break;
			if (m > M_0RTT) {
				usage(stderr);
				return 2;
			}
			opt.mode = (enum mode)m;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (opt.host == NULL || opt.port < 1 || opt.port > 65535 ||
	    opt.count < 1 || opt.count > MAX_COUNT || opt.timeout_ms < 1 ||
	    opt.timeout_ms > 60000 || strlen(opt.path) > 200 ||
	    opt.path[0] != '/') {
		usage(stderr);
		return 2;
	}
	/* A server closing first must not kill us on a late write. */
	signal(SIGPIPE, SIG_IGN);
	req_len = (size_t)snprintf(
		req, sizeof(req),
		"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
		opt.path, opt.sni);

	if (opt.mode != M_TCP) {
		ctx = make_ctx();
		if (ctx == NULL) {
			fprintf(stderr, "ttfb: SSL_CTX_new failed\n");
			return 1;
		}
	}
	for (int i = 0; i < opt.count && strcmp(status, "ok") == 0; i++) {
		bool resume = opt.mode == M_RESUME || opt.mode == M_0RTT;
		struct result r;

		if (resume && nb_tickets == 0) {
			/* Untimed full handshake for a fresh ticket. */
			struct result p = one(ctx, false, false);

			if (!p.ok) {
				status = "refused";
				break;
			}
			if (nb_tickets == 0) {
				set_note("server sent no session ticket");
				status = "refused";
				break;
			}
		}
		if (opt.mode == M_0RTT &&
		    SSL_SESSION_get_max_early_data(tickets[nb_tickets - 1]) ==
			    0) {
			set_note("server's ticket allows no early data");
			status = "refused";
			break;
		}
		r = one(ctx, resume, opt.mode == M_0RTT);
		if (!r.ok) {
			fail++;
			/* A refused handshake will be refused again. */
			if (ok == 0 && fail >= 2)
				break;
			continue;
		}
		ms[ok++] = r.ms;
		resumed += r.resumed;
		acc += r.early_sent && r.early_accepted;
		rej += r.early_sent && !r.early_accepted;
		if (proto[0] == '\0' && r.proto[0] != '\0')
			snprintf(proto, sizeof(proto), "%s", r.proto);
	}
	if (strcmp(status, "ok") == 0) {
		if (ok == 0)
			status = "refused";
		else if (opt.mode == M_RESUME && resumed == 0) {
			set_note("server never resumed");
			status = "refused";
		} else if (opt.mode == M_0RTT && acc == 0) {
			set_note("server rejected every early data");
			status = "refused";
		}
	}
	qsort(ms, (size_t)ok, sizeof(ms[0]), cmp_double);
	printf("{\"mode\":\"%s\",\"status\":\"%s\",\"note\":\"%s\",\"ok\":%d,"
	       "\"fail\":%d,"
	       "\"proto\":\"%s\",\"resumed\":%d,\"early_accepted\":%d,\"early_"
	       "rejected\":%d",
	       mode_names[opt.mode], status, note, ok, fail, proto, resumed,
	       acc, rej);
	if (ok > 0)
		printf(",\"min_ms\":%.4f,\"median_ms\":%.4f,\"max_ms\":%.4f",
		       ms[0],
		       ok % 2 ? ms[ok / 2] : (ms[ok / 2 - 1] + ms[ok / 2]) / 2,
		       ms[ok - 1]);
	printf(",\"samples_ms\":[");
	for (int i = 0; i < ok; i++)
		printf("%s%.4f", i ? "," : "", ms[i]);
	printf("]}\n");
	while (nb_tickets > 0)
		SSL_SESSION_free(tickets[--nb_tickets]);
	SSL_CTX_free(ctx);
	return 0;
}
