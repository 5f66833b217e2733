/* SPDX-License-Identifier: BSD-3-Clause
 * linkem.c - a two-port DPDK link emulator for scripts/bench: bridges
 * port 0 and port 1 (every frame from one goes out of the other) and adds,
 * per direction, a path: a rate-limited bottleneck with a drop-tail
 * buffer, delay, jitter, loss and reordering drawn from a seeded PRNG, so
 * two servers benchmarked one after the other see the same path.  This
 * kernel has no tc netem; this replaces it.
 *
 *   linkem [EAL options] -- [--rate MBIT] [--buffer SIZE] [--delay MS]
 *          [--jitter MS] [--loss PCT] [--reorder PCT] [--reorder-gap MS]
 *          [--seed N] [--queue N] [--idle-sleep US] [--max-seconds S]
 *
 * Each value is "X" (both directions) or "X/Y" (port 0 -> 1 / port 1 -> 0).
 * SIZE is Np (packets) or N bytes with an optional k or m suffix
 * (1000-based): --buffer 20p, --buffer 64k, --buffer 1.5m.
 * scripts/bench: port 0 faces the client, port 1 the server, both on
 * net_af_packet over veths in a namespace of their own.
 *
 * The model per direction is in linkem_path.h: loss, then (with --rate) a
 * drop-tail bottleneck whose frames leave at the link rate (serialisation
 * delay from the frame length, Ethernet header included), then delay +
 * jitter (order kept) and reordering.  Frames leave when the monotonic
 * clock passes their release time.  When nothing arrives and nothing is
 * due the loop sleeps up to --idle-sleep (default 10 us) so the emulator
 * does not take a core; that sleep bounds the extra latency per frame (the
 * rate holds regardless: release times are computed, not slept).
 *
 * Loss is drawn per frame, from one stream for frames carrying TCP
 * payload and another for the rest (pure ACKs, SYNs, ARP).  SIGUSR1
 * re-seeds both directions' generators (loss, jitter, reordering) from
 * --seed and the number of SIGUSR1s so far: a harness that sends one
 * before each sample gives sample k of every run the same draws, whatever
 * the earlier samples sent, and data frame j of sample k the same fate
 * whatever number of pure ACKs came before it (bench/parts/paths.sh pairs
 * servers so).
 *
 * Prints "linkem: ready" once both ports are up; on SIGINT/SIGTERM (or
 * after --max-seconds) stops, prints one counter line per direction:
 *   linkem: 0->1 rx R tx T lost L reordered O overflow V tx_fail F queued Q
 *           qdrop D tx_bytes B max_queue_pkts P max_queue_bytes Y
 *           max_queue_ms M
 * (tx: forwarded; lost: random loss; qdrop: bottleneck buffer full;
 * overflow: delay line full, raise --queue; max_queue_*: the bottleneck's
 * deepest backlog, the frame in serialisation included), then
 * "linkem: reseeds K" (SIGUSR1s taken), and exits 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "linkem_path.h"

#define BURST  32
#define NB_RXD 1024
#define NB_TXD 1024

struct dir {
	uint16_t rx_port, tx_port;
	struct lkp_dir path;
	uint64_t tx_fail;
};

static volatile sig_atomic_t stop;
static volatile sig_atomic_t reseeds; /* SIGUSR1s received */

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
on_reseed(int sig)
{
	(void)sig;
	reseeds++;
}

/* Different but reproducible streams per direction, and per re-seed.
 * The generator (splitmix64) is a counter stepping by its own constant:
 * states k steps apart give the same stream shifted by k draws, so the
 * re-seed offset is the counter's output function of k (a scattered
 * 64-bit value), not a multiple of the step. */
static uint64_t
dir_seed(unsigned long seed, int dir, unsigned long k)
{
	uint64_t base = (uint64_t)seed * 2 + (uint64_t)dir +
			UINT64_C(0x5851f42d4c957f2d);

	if (k == 0)
		return base;
	return base + (lkp_mix64(k) | 1u) * UINT64_C(0xd1342543de82ef95);
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

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "X" or "X/Y" into a[0], a[1]; each in [lo, hi]. */
static void
parse_pair(const char *opt, const char *val, double lo, double hi, double a[2])
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
	if (*end != '\0' || !(a[0] >= lo && a[0] <= hi) ||
	    !(a[1] >= lo && a[1] <= hi))
		die("value out of range for %s", opt);
}

/* One buffer size: "Np" packets, or bytes with an optional k/m suffix.
 * Returns the end of what it read. */
static const char *
parse_size(const char *opt, const char *s, uint64_t *pkts, uint64_t *bytes)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || !(v >= 1))
		die("bad value for %s (e.g. 20p, 64k, 1.5m, 30000)", opt);
	*pkts = *bytes = 0;
	switch (*end) {
	case 'p':
		if (v > (1 << 20))
			die("%s: at most %u packets", opt, 1u << 20);
		*pkts = (uint64_t)v;
		return end + 1;
	case 'k':
	case 'K':
		v *= 1e3;
		end++;
		break;
	case 'm':
	case 'M':
		v *= 1e6;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (v < 64 || v > 4e9)
		die("%s: 64 bytes .. 4 GB", opt);
	*bytes = (uint64_t)v;
	return end;
}

static void
parse_size_pair(const char *opt, const char *val, uint64_t pkts[2],
		uint64_t bytes[2])
{
	const char *end = parse_size(opt, val, &pkts[0], &bytes[0]);

	if (*end == '/')
		end = parse_size(opt, end + 1, &pkts[1], &bytes[1]);
	else {
		pkts[1] = pkts[0];
		bytes[1] = bytes[0];
	}
	if (*end != '\0')
		die("bad value for %s (e.g. 20p, 64k, 1.5m, 30000)", opt);
}

static unsigned long
parse_ul(const char *opt, const char *val, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(val, &end, 0);
	if (errno || end == val || *end != '\0' || v < lo || v > hi)
		die("bad value for %s", opt);
	return v;
}

static void
usage(void)
{
	printf("usage: linkem [EAL options] -- [--rate MBIT] [--buffer SIZE] "
	       "[--delay MS]\n"
	       "              [--jitter MS] [--loss PCT] [--reorder PCT] "
	       "[--reorder-gap MS]\n"
	       "              [--seed N] [--queue N] [--idle-sleep US] "
	       "[--max-seconds S]\n"
	       "Bridges DPDK ports 0 and 1; per direction: random loss, a "
	       "bottleneck of\n"
	       "--rate Mbit/s behind a drop-tail buffer of --buffer (Np "
	       "packets, or bytes\n"
	       "with k/m suffixes, 1000-based), then delay, jitter and "
	       "reordering (seeded\n"
	       "PRNG). Values: X (both directions) or X/Y (0->1 / 1->0).\n"
	       "Defaults: no rate limit (--rate 0), --buffer 1000p when a rate "
	       "is set; no\n"
	       "delay, jitter, loss or reordering; --reorder-gap 1 ms; --seed "
	       "1; --queue\n"
	       "8192 frames per direction (the delay line: must hold the "
	       "buffer plus a\n"
	       "delay's worth of frames); --idle-sleep 10 us; --max-seconds "
	       "3600.\n"
	       "At exit, per direction: rx, tx (forwarded), lost, reordered, "
	       "overflow\n"
	       "(delay line full), tx_fail, queued, qdrop (buffer full), "
	       "tx_bytes and the\n"
	       "deepest bottleneck backlog (max_queue_pkts, _bytes, _ms).\n");
}

static void
port_up(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	char name[RTE_ETH_NAME_MAX_LEN] = "?";
	int rc;

	memset(&conf, 0, sizeof(conf));
	rte_eth_dev_get_name_by_port(port, name);
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, NB_RXD,
					    rte_eth_dev_socket_id(port), NULL,
					    pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, NB_TXD,
					    rte_eth_dev_socket_id(port), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc != 0)
		die("cannot start port %s: %s", name, rte_strerror(-rc));
	/* af_packet sees every frame on a veth anyway; best effort elsewhere. */
	(void)rte_eth_promiscuous_enable(port);
}

/* A control frame: anything but an IPv4 TCP segment carrying payload
 * (pure ACKs, SYNs, ARP).  Its loss is drawn from a stream of its own, so
 * two servers whose handshakes differ by one pure ACK still meet the same
 * losses on their data. */
static bool
frame_is_ctl(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint32_t ihl, tot, thl;

	if (rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(*ip) + sizeof(*th))
		return true;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return true;
	ip = (const struct rte_ipv4_hdr *)(eh + 1);
	if (ip->next_proto_id != IPPROTO_TCP)
		return true;
	ihl = (ip->version_ihl & 0xfu) * 4u;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (ihl < sizeof(*ip) ||
	    rte_pktmbuf_data_len(m) < sizeof(*eh) + ihl + sizeof(*th))
		return true;
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
	thl = (uint32_t)(th->data_off >> 4) * 4u;
	return tot <= ihl + thl;
}

static void
dir_enqueue(struct dir *d, struct rte_mbuf **pkts, unsigned n, uint64_t now)
{
	for (unsigned i = 0; i < n; i++)
		if (lkp_enqueue_ctl(&d->path, pkts[i],
				    rte_pktmbuf_pkt_len(pkts[i]), now,
				    frame_is_ctl(pkts[i])) != LKP_QUEUED)
			rte_pktmbuf_free(pkts[i]);
}

/* Send what is due; returns the number of frames handed to the port. */
static unsigned
dir_release(struct dir *d, uint64_t now)
{
	struct rte_mbuf *out[BURST];
	unsigned n, sent_total = 0;

	for (;;) {
		n = lkp_pop_due(&d->path, now, (void **)out, BURST);
		if (n == 0)
			break;
		uint16_t sent =
			rte_eth_tx_burst(d->tx_port, 0, out, (uint16_t)n);

		d->path.st.tx += sent;
		for (unsigned i = 0; i < sent; i++)
			d->path.st.tx_bytes += rte_pktmbuf_pkt_len(out[i]);
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

static void
fmt_buffer(char *b, size_t n, double rate, uint64_t pkts, uint64_t bytes)
{
	if (rate <= 0)
		snprintf(b, n, "none");
	else if (pkts > 0)
		snprintf(b, n, "%" PRIu64 " packets", pkts);
	else
		snprintf(b, n, "%" PRIu64 " bytes", bytes);
}

int
main(int argc, char **argv)
{
	double delay[2] = { 0, 0 }, jitter[2] = { 0, 0 }, loss[2] = { 0, 0 };
	double reorder[2] = { 0, 0 }, gap[2] = { 1, 1 }, rate[2] = { 0, 0 };
	uint64_t buf_pkts[2] = { 1000, 1000 }, buf_bytes[2] = { 0, 0 };
	unsigned long seed = 1, qsize = 8192, idle_us = 10, max_s = 3600;
	struct rte_mempool *pool;
	struct dir dirs[2];
	uint64_t t_end;
	sig_atomic_t seen = 0;
	int n;

	if (argc > 1 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
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
		else if (strcmp(o, "--rate") == 0)
			parse_pair(o, v, 0, 100000, rate);
		else if (strcmp(o, "--buffer") == 0)
			parse_size_pair(o, v, buf_pkts, buf_bytes);
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
	for (int i = 0; i < 2; i++)
		if (rate[i] > 0 && rate[i] < 0.01)
			die("--rate: 0 (no limit) or at least 0.01 Mbit/s");
	if (rte_eth_dev_count_avail() != 2)
		die("needs exactly two ports (two "
		    "--vdev=net_af_packetN,iface=...)");

	/* What the two delay lines can hold (the reorder lines are rarely
	 * full at once), the rx rings and per-lcore caches: a dry pool would
	 * make af_packet drop frames uncounted. */
	pool = rte_pktmbuf_pool_create(
		"linkem",
		(unsigned)(2 * qsize + 2 * NB_RXD + 2 * NB_TXD + 4 * BURST +
			   1024),
		256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL)
		die("cannot create the mbuf pool (%s): lower --queue or raise "
		    "-m",
		    rte_strerror(rte_errno));
	port_up(0, pool);
	port_up(1, pool);

	for (int i = 0; i < 2; i++) {
		struct dir *d = &dirs[i];
		struct lkp_params p = {
			.delay_ms = delay[i],
			.jitter_ms = jitter[i],
			.loss = loss[i] / 100.0,
			.reorder = reorder[i] / 100.0,
			.gap_ms = gap[i],
			.rate_mbit = rate[i],
			.limit_pkts = buf_pkts[i],
			.limit_bytes = buf_bytes[i],
		};

		memset(d, 0, sizeof(*d));
		d->rx_port = (uint16_t)i;
		d->tx_port = (uint16_t)(1 - i);
		if (!lkp_init(&d->path, &p, (uint32_t)qsize,
			      dir_seed(seed, i, 0)))
			die("out of memory for queues of %lu frames", qsize);
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_reseed);
	/* Sleep as briefly as asked: the default 50 us slack would add to
	 * every frame's delay. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	printf("linkem: ready: seed %lu", seed);
	for (int i = 0; i < 2; i++) {
		char b[64];

		fmt_buffer(b, sizeof(b), rate[i], buf_pkts[i], buf_bytes[i]);
		printf("; %d->%d rate %g Mbit/s buffer %s delay %g ms jitter "
		       "%g ms loss %g%% "
		       "reorder %g%% gap %g ms",
		       i, 1 - i, rate[i], b, delay[i], jitter[i], loss[i],
		       reorder[i], gap[i]);
	}
	printf("\n");
	fflush(stdout);

	t_end = now_ns() + (uint64_t)max_s * 1000000000u;
	while (!stop) {
		struct rte_mbuf *pkts[BURST];
		uint64_t now = now_ns(), next = UINT64_MAX;
		unsigned work = 0;

		if (now >= t_end)
			break;
		if (reseeds != seen) {
			seen = reseeds;
			for (int i = 0; i < 2; i++)
				lkp_seed(&dirs[i].path,
					 dir_seed(seed, i, (unsigned long)seen));
		}
		for (int i = 0; i < 2; i++) {
			struct dir *d = &dirs[i];
			uint16_t nb =
				rte_eth_rx_burst(d->rx_port, 0, pkts, BURST);

			if (nb > 0) {
				dir_enqueue(d, pkts, nb, now);
				work += nb;
			}
		}
		now = now_ns();
		for (int i = 0; i < 2; i++) {
			struct dir *d = &dirs[i];
			uint64_t nd;

			work += dir_release(d, now);
			nd = lkp_next_due(&d->path);
			next = RTE_MIN(next, nd);
		}
		if (work == 0 && idle_us > 0) {
			uint64_t max_sleep = idle_us * 1000;
			uint64_t ns =
				next > now ? RTE_MIN(next - now, max_sleep) : 0;

			if (ns > 0) {
				struct timespec ts = { 0, (long)ns };

				nanosleep(&ts, NULL);
			}
		}
	}

	for (int i = 0; i < 2; i++) {
		struct dir *d = &dirs[i];
		const struct lkp_stats *s = &d->path.st;
		struct rte_mbuf *out[BURST];
		unsigned k;

		printf("linkem: %d->%d rx %" PRIu64 " tx %" PRIu64
		       " lost %" PRIu64 " reordered %" PRIu64
		       " overflow %" PRIu64 " tx_fail %" PRIu64
		       " queued %u qdrop %" PRIu64 " tx_bytes %" PRIu64
		       " max_queue_pkts %" PRIu64 " max_queue_bytes %" PRIu64
		       " max_queue_ms %.3f\n",
		       i, 1 - i, s->rx, s->tx, s->lost, s->reordered,
		       s->overflow, d->tx_fail, lkp_queued(&d->path), s->qdrop,
		       s->tx_bytes, s->max_q_pkts, s->max_q_bytes,
		       (double)s->max_q_ns / 1e6);
		while ((k = lkp_drain(&d->path, (void **)out, BURST)) > 0)
			rte_pktmbuf_free_bulk(out, k);
		lkp_free(&d->path);
	}
	printf("linkem: reseeds %ld\n", (long)reseeds);
	fflush(stdout);
	for (uint16_t p = 0; p < 2; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
	return 0;
}
