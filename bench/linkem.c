/* SPDX-License-Identifier: BSD-3-Clause
 * linkem.c - a two-port DPDK link emulator for scripts/bench: bridges
 * port 0 and port 1 (every frame from one goes out of the other) and adds,
 * per direction, delay, jitter, loss and reordering drawn from a seeded
 * PRNG, so two servers benchmarked one after the other see the same path.
 * This kernel has no tc netem; this replaces it for the RTT scenario.
 *
 *   linkem [EAL options] -- [--delay MS] [--jitter MS] [--loss PCT]
 *          [--reorder PCT] [--reorder-gap MS] [--seed N] [--queue N]
 *          [--idle-sleep US] [--max-seconds S]
 *
 * Each value is "X" (both directions) or "X/Y" (port 0 -> 1 / port 1 -> 0).
 * scripts/bench: port 0 faces the client, port 1 the server, both on
 * net_af_packet over veths in a namespace of their own.
 *
 * Model, per direction:
 *  - a received frame is dropped with probability loss;
 *  - otherwise it gets a release time now + delay + U(-jitter, +jitter)
 *    (never below now) and joins a FIFO.  Release times in the FIFO are
 *    kept non-decreasing (a frame never leaves before the one ahead of
 *    it), so jitter alone never reorders: it spreads the arrivals;
 *  - with probability reorder the frame joins a second FIFO instead and
 *    leaves reorder-gap later than it would have, so frames received
 *    after it overtake it.
 * Frames leave when the TSC passes their release time (a timestamped FIFO
 * per direction, released by TSC).  A full FIFO drops (counted as
 * overflow).  When nothing arrives and nothing is due the loop sleeps up
 * to --idle-sleep (default 10 us) so the emulator does not take a core;
 * that sleep bounds the extra latency per frame.
 *
 * Prints "linkem: ready" once both ports are up; on SIGINT/SIGTERM (or
 * after --max-seconds) stops, prints one counter line per direction and
 * exits 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#define BURST 32
#define NB_RXD 1024
#define NB_TXD 1024

struct slot {
	struct rte_mbuf *m;
	uint64_t due;                   /* TSC */
};

/* A FIFO of frames with non-decreasing release times. */
struct dline {
	struct slot *q;
	uint32_t size, head, count;
	uint64_t last_due;
};

struct params {
	double delay_ms, jitter_ms, loss, reorder, gap_ms;
};

struct dir {
	uint16_t rx_port, tx_port;
	struct params p;
	uint64_t delay, jitter, gap;    /* TSC cycles */
	uint64_t rng;
	struct dline fifo, late;
	uint64_t rx, tx, lost, reordered, overflow, tx_fail;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void __attribute__((format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "linkem: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* splitmix64: small, seedable, good enough for drop/jitter decisions. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

static void dline_init(struct dline *l, uint32_t size)
{
	l->q = calloc(size, sizeof(*l->q));
	if (l->q == NULL)
		die("out of memory for a queue of %u frames", size);
	l->size = size;
	l->head = l->count = 0;
	l->last_due = 0;
}

static bool dline_push(struct dline *l, struct rte_mbuf *m, uint64_t due)
{
	if (l->count == l->size)
		return false;
	if (due < l->last_due)
		due = l->last_due;
	l->last_due = due;
	l->q[(l->head + l->count) % l->size] = (struct slot){ m, due };
	l->count++;
	return true;
}

/* Move frames due by now into out[*n..BURST). */
static void dline_pop_due(struct dline *l, uint64_t now, struct rte_mbuf **out,
			  unsigned *n)
{
	while (*n < BURST && l->count > 0 && l->q[l->head].due <= now) {
		out[(*n)++] = l->q[l->head].m;
		l->head = (l->head + 1) % l->size;
		l->count--;
	}
}

static uint64_t dline_next_due(const struct dline *l)
{
	return l->count > 0 ? l->q[l->head].due : UINT64_MAX;
}

static void dline_free(struct dline *l)
{
	while (l->count > 0) {
		rte_pktmbuf_free(l->q[l->head].m);
		l->head = (l->head + 1) % l->size;
		l->count--;
	}
	free(l->q);
}

/* "X" or "X/Y" into a[0], a[1]; each in [lo, hi]. */
static void parse_pair(const char *opt, const char *val, double lo, double hi,
		       double a[2])
{
	char *end;

	a[0] = strtod(val, &end);
	if (end == val)
		die("bad value for %s", opt);
	if (*end == '/') {
		const char *v2 = end + 1;

		a[1] = strtod(v2, &end);
		if (end == v2)
			die("bad value for %s", opt);
	} else {
		a[1] = a[0];
	}
	if (*end != '\0' || !(a[0] >= lo && a[0] <= hi) || !(a[1] >= lo && a[1] <= hi))
		die("value out of range for %s", opt);
}

static unsigned long parse_ul(const char *opt, const char *val, unsigned long lo,
			      unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(val, &end, 0);
	if (errno || end == val || *end != '\0' || v < lo || v > hi)
		die("bad value for %s", opt);
	return v;
}

static void usage(void)
{
	printf("usage: linkem [EAL options] -- [--delay MS] [--jitter MS] [--loss PCT]\n"
	       "              [--reorder PCT] [--reorder-gap MS] [--seed N] [--queue N]\n"
	       "              [--idle-sleep US] [--max-seconds S]\n"
	       "Bridges DPDK ports 0 and 1 with per-direction delay, jitter, loss and\n"
	       "reordering (seeded PRNG). Values: X (both directions) or X/Y (0->1 / 1->0).\n"
	       "Defaults: no delay, jitter, loss or reordering; --reorder-gap 1 ms;\n"
	       "--seed 1; --queue 8192 frames per direction; --idle-sleep 10 us;\n"
	       "--max-seconds 3600.\n");
}

static void port_up(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	char name[RTE_ETH_NAME_MAX_LEN] = "?";
	int rc;

	memset(&conf, 0, sizeof(conf));
	rte_eth_dev_get_name_by_port(port, name);
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, NB_RXD, rte_eth_dev_socket_id(port),
					    NULL, pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, NB_TXD, rte_eth_dev_socket_id(port),
					    NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc != 0)
		die("cannot start port %s: %s", name, rte_strerror(-rc));
	/* af_packet sees every frame on a veth anyway; best effort elsewhere. */
	(void)rte_eth_promiscuous_enable(port);
}

static void dir_enqueue(struct dir *d, struct rte_mbuf **pkts, unsigned n, uint64_t now)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t due = now + d->delay;
		bool ok;

		d->rx++;
		if (d->p.loss > 0 && rng_unit(&d->rng) < d->p.loss) {
			d->lost++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		if (d->jitter > 0) {
			/* U(-jitter, +jitter), never before now. */
			double j = (2.0 * rng_unit(&d->rng) - 1.0) * (double)d->jitter;

			if (j < 0 && (uint64_t)(-j) > d->delay)
				due = now;
			else
				due = (uint64_t)((double)due + j);
		}
		if (d->p.reorder > 0 && rng_unit(&d->rng) < d->p.reorder) {
			ok = dline_push(&d->late, pkts[i], due + d->gap);
			if (ok)
				d->reordered++;
		} else {
			ok = dline_push(&d->fifo, pkts[i], due);
		}
		if (!ok) {
			d->overflow++;
			rte_pktmbuf_free(pkts[i]);
		}
	}
}

/* Send what is due; returns the number of frames handed to the port. */
static unsigned dir_release(struct dir *d, uint64_t now)
{
	struct rte_mbuf *out[BURST];
	unsigned n = 0, sent_total = 0;

	for (;;) {
		n = 0;
		dline_pop_due(&d->fifo, now, out, &n);
		dline_pop_due(&d->late, now, out, &n);
		if (n == 0)
			break;
		uint16_t sent = rte_eth_tx_burst(d->tx_port, 0, out, (uint16_t)n);

		d->tx += sent;
		sent_total += sent;
		for (unsigned i = sent; i < n; i++) {
			d->tx_fail++;
			rte_pktmbuf_free(out[i]);
		}
		if (n < BURST)
			break;
	}
	return sent_total;
}

int main(int argc, char **argv)
{
	double delay[2] = { 0, 0 }, jitter[2] = { 0, 0 }, loss[2] = { 0, 0 };
	double reorder[2] = { 0, 0 }, gap[2] = { 1, 1 };
	unsigned long seed = 1, qsize = 8192, idle_us = 10, max_s = 3600;
	struct rte_mempool *pool;
	struct dir dirs[2];
	uint64_t hz, t_end;
	int n;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage();
		return 0;
	}
	n = rte_eal_init(argc, argv);
	if (n < 0)
		die("EAL initialisation failed");
	argc -= n;
	argv += n;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--help") == 0) {
			usage();
			return 0;
		}
		if (v == NULL)
			die("%s needs a value", o);
		if (strcmp(o, "--delay") == 0)
			parse_pair(o, v, 0, 10000, delay);
		else if (strcmp(o, "--jitter") == 0)
			parse_pair(o, v, 0, 10000, jitter);
		else if (strcmp(o, "--loss") == 0)
			parse_pair(o, v, 0, 100, loss);
		else if (strcmp(o, "--reorder") == 0)
			parse_pair(o, v, 0, 100, reorder);
		else if (strcmp(o, "--reorder-gap") == 0)
			parse_pair(o, v, 0, 10000, gap);
		else if (strcmp(o, "--seed") == 0)
			seed = parse_ul(o, v, 0, ULONG_MAX);
		else if (strcmp(o, "--queue") == 0)
			qsize = parse_ul(o, v, 64, 1u << 20);
		else if (strcmp(o, "--idle-sleep") == 0)
			idle_us = parse_ul(o, v, 0, 1000000);
		else if (strcmp(o, "--max-seconds") == 0)
			max_s = parse_ul(o, v, 1, 86400);
		else
			die("unknown option %s (see --help)", o);
		i++;
	}
	if (rte_eth_dev_count_avail() != 2)
		die("needs exactly two ports (two --vdev=net_af_packetN,iface=...)");

	/* Four full FIFOs, the rx rings and per-lcore caches. */
	pool = rte_pktmbuf_pool_create("linkem", (unsigned)(4 * qsize + 2 * NB_RXD +
							    2 * NB_TXD + 4 * BURST + 1024),
				       256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL)
		die("cannot create the mbuf pool (%s): lower --queue or raise -m",
		    rte_strerror(rte_errno));
	port_up(0, pool);
	port_up(1, pool);

	hz = rte_get_tsc_hz();
	for (int i = 0; i < 2; i++) {
		struct dir *d = &dirs[i];

		memset(d, 0, sizeof(*d));
		d->rx_port = (uint16_t)i;
		d->tx_port = (uint16_t)(1 - i);
		d->p = (struct params){ delay[i], jitter[i], loss[i] / 100.0,
					reorder[i] / 100.0, gap[i] };
		d->delay = (uint64_t)(delay[i] * 1e-3 * (double)hz);
		d->jitter = (uint64_t)(jitter[i] * 1e-3 * (double)hz);
		d->gap = (uint64_t)(gap[i] * 1e-3 * (double)hz);
		/* Different but reproducible streams per direction. */
		d->rng = (uint64_t)seed * 2 + (uint64_t)i + UINT64_C(0x5851f42d4c957f2d);
		dline_init(&d->fifo, (uint32_t)qsize);
		dline_init(&d->late, (uint32_t)qsize);
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* Sleep as briefly as asked: the default 50 us slack would add to
	 * every frame's delay. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	printf("linkem: ready: tsc %" PRIu64 " Hz, seed %lu", hz, seed);
	for (int i = 0; i < 2; i++)
		printf("; %d->%d delay %g ms jitter %g ms loss %g%% reorder %g%% gap %g ms",
		       i, 1 - i, delay[i], jitter[i], loss[i], reorder[i], gap[i]);
	printf("\n");
	fflush(stdout);

	t_end = rte_rdtsc() + (uint64_t)max_s * hz;
	while (!stop) {
		struct rte_mbuf *pkts[BURST];
		uint64_t now = rte_rdtsc(), next = UINT64_MAX;
		unsigned work = 0;

		if (now >= t_end)
			break;
		for (int i = 0; i < 2; i++) {
			struct dir *d = &dirs[i];
			uint16_t nb = rte_eth_rx_burst(d->rx_port, 0, pkts, BURST);

			if (nb > 0) {
				dir_enqueue(d, pkts, nb, now);
				work += nb;
			}
		}
		now = rte_rdtsc();
		for (int i = 0; i < 2; i++) {
			struct dir *d = &dirs[i];
			uint64_t a, b;

			work += dir_release(d, now);
			a = dline_next_due(&d->fifo);
			b = dline_next_due(&d->late);
			next = RTE_MIN(next, RTE_MIN(a, b));
		}
		if (work == 0 && idle_us > 0) {
			uint64_t max_sleep = idle_us * hz / 1000000;
			uint64_t cyc = next > now ? RTE_MIN(next - now, max_sleep) : 0;

			if (cyc > 0) {
				struct timespec ts = { 0, (long)(cyc * 1000000000ULL / hz) };

				nanosleep(&ts, NULL);
			}
		}
	}

	for (int i = 0; i < 2; i++) {
		struct dir *d = &dirs[i];

		printf("linkem: %d->%d rx %" PRIu64 " tx %" PRIu64 " lost %" PRIu64
		       " reordered %" PRIu64 " overflow %" PRIu64 " tx_fail %" PRIu64
		       " queued %u\n", i, 1 - i, d->rx, d->tx, d->lost, d->reordered,
		       d->overflow, d->tx_fail, d->fifo.count + d->late.count);
		dline_free(&d->fifo);
		dline_free(&d->late);
	}
	fflush(stdout);
	for (uint16_t p = 0; p < 2; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
	return 0;
}
