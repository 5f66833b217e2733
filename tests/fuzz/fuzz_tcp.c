/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_tcp.c - libFuzzer target for the packet path below TLS: Ethernet,
 * ARP, IPv4, ICMP and TCP, driven as a *sequence* of frames into one
 * lcore's connection table with a fake clock.
 *
 * The input is a program of small operations (see run()): TCP segments
 * from up to 8 peers (2 addresses x 4 ports) whose sequence and
 * acknowledgment numbers are chosen relative to what the connection
 * expects (so the fuzzer reaches every state, not only LISTEN), raw
 * Ethernet/IPv4/TCP bytes, ARP, ICMP errors quoting a connection, clock
 * jumps, and application actions (send, read, close, abort).  Tunables are
 * shrunk (SYN backlog 2, short TIME_WAIT and timeouts, tiny per-lcore
 * receive budgets) so SYN cookies, memory limits and every timer are
 * reached within an input.
 *
 * Invariants, checked after every operation:
 *  - per connection: SND.UNA <= SND.NXT <= SND.MAX (RFC 9293 §3.3.1);
 *    the send queue holds at most SND.MAX - SND.UNA plus unsent bytes;
 *  - lcore accounting matches the table: nb_conns, nb_synrcvd, the
 *    receive and out-of-order mbuf totals;
 * and at the end, after the application has closed everything and the
 * clock has run past every timer:
 *  - no connection is left in the table (none can be stranded without a
 *    timer), closed() was called once per accepted() connection;
 *  - every mbuf is back in the pool (no leak on any path).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "hs_lcore.h"
#include "hs_net.h"
#include "hs_tcp_var.h"

#include "hs_ipv4_capture.h"

#define POOL_SIZE 2047
#define MAX_CONNS 16
#define NPEERS    8

static struct rte_mempool *pool;
static struct hs_netif ifp;
static struct hs_lcore lc;

static const struct rte_ether_addr our_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 0x02 } };

#define IP4(a, b, c, d)                                                   \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))
#define SRV_IP IP4(198, 18, 0, 1)

#define INV(e)                                           \
	do {                                             \
		if (!(e)) {                              \
			fprintf(stderr,                  \
				"fuzz_tcp: invariant "   \
				"failed at %s:%d: %s\n", \
				__FILE__, __LINE__, #e); \
			abort();                         \
		}                                        \
	} while (0)

/* ---- the peers ------------------------------------------------------- */
struct peer {
	uint32_t ip;        /* network order */
	uint16_t port;      /* host order */
	uint32_t isn;       /* the peer's ISN */
	uint32_t snd;       /* the peer's next sequence number */
	uint32_t our_iss;   /* learned from SYN-ACKs we send */
	uint32_t our_nxt;   /* highest seq+len we sent */
	uint32_t tsval;     /* the peer's timestamp clock */
	uint32_t our_tsval; /* last TSval we sent */
	bool have_iss;
};
static struct peer peers[NPEERS];
static bool trace; /* FUZZ_TCP_TRACE=1: print every op */

/* ---- the application --------------------------------------------------- */
static struct hs_tcp_conn *app_conns[MAX_CONNS * 2];
static unsigned int n_accepted, n_closed;

static int
app_accepted(struct hs_tcp_conn *c, void *arg)
{
	(void)arg;
	for (unsigned int i = 0; i < RTE_DIM(app_conns); i++) {
		if (app_conns[i] == NULL) {
			app_conns[i] = c;
			n_accepted++;
			return 0;
		}
	}
	return -ECONNREFUSED;
}

static void
app_forget(struct hs_tcp_conn *c)
{
	for (unsigned int i = 0; i < RTE_DIM(app_conns); i++)
		if (app_conns[i] == c)
			app_conns[i] = NULL;
}

static void
app_readable(struct hs_tcp_conn *c)
{
	(void)c;
}
static void
app_writable(struct hs_tcp_conn *c)
{
	(void)c;
}
static void
app_timeout(struct hs_tcp_conn *c)
{
	hs_tcp_close(c);
}

static void
app_closed(struct hs_tcp_conn *c, int reason)
{
	(void)reason;
	n_closed++;
	app_forget(c);
}

static const struct hs_tcp_ops app_ops = {
	.accepted = app_accepted,
	.readable = app_readable,
	.writable = app_writable,
	.closed = app_closed,
	.timeout = app_timeout,
};

/* ---- what we transmit: learn ISS/ACK numbers, free the frame ----------- */
static uint16_t
sink(struct hs_lcore *l, struct rte_mbuf **pkts, uint16_t n)
{
	static uint8_t flat[256];

	(void)l;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t len =
			HS_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)sizeof(flat));
		const uint8_t *p = rte_pktmbuf_read(m, 0, len, flat);
		const struct rte_ether_hdr *eh = (const void *)p;
		const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);
		const struct rte_tcp_hdr *th = (const void *)(ip + 1);

		if (len >= sizeof(*eh) + sizeof(*ip) + sizeof(*th) &&
		    eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
		    ip->next_proto_id == IPPROTO_TCP) {
			uint16_t dport = rte_be_to_cpu_16(th->dst_port);
			uint32_t seq = rte_be_to_cpu_32(th->sent_seq);
			uint32_t ipl = rte_be_to_cpu_16(ip->total_length);
			uint32_t thl = (uint32_t)(th->data_off >> 4) * 4;
			uint32_t dl = ipl > 20 + thl ? ipl - 20 - thl : 0;

			for (unsigned int k = 0; k < NPEERS; k++) {
				struct peer *pr = &peers[k];

				if (pr->ip != ip->dst_addr || pr->port != dport)
					continue;
				if (th->tcp_flags & RTE_TCP_SYN_FLAG) {
					pr->our_iss = seq;
					pr->our_nxt = seq + 1;
					pr->have_iss = true;
				} else if (HS_SEQ_GT(seq + dl, pr->our_nxt)) {
					pr->our_nxt = seq + dl +
						      !!(th->tcp_flags &
							 RTE_TCP_FIN_FLAG);
				}
			}
		}
		rte_pktmbuf_free(m);
	}
	return n;
}

/* ---- input cursor ------------------------------------------------------ */
struct cur {
	const uint8_t *p;
	size_t n;
};

static uint32_t
take(struct cur *c, unsigned int bytes)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		v <<= 8;
		if (c->n > 0) {
			v |= *c->p++;
			c->n--;
		}
	}
	return v;
}

/* ---- frame builders ---------------------------------------------------- */
static struct rte_mbuf *
frame(uint16_t type, uint16_t len, uint8_t **payload)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	uint16_t flen = (uint16_t)(RTE_ETHER_HDR_LEN + len);

	if (m == NULL)
		return NULL;
	if (flen < 60)
		flen = 60;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, flen);
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(eh, 0, flen);
	rte_ether_addr_copy(&our_mac, &eh->dst_addr);
	rte_ether_addr_copy(&peer_mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(type);
	*payload = (uint8_t *)(eh + 1);
	return m;
}

static void
arp_announce(uint32_t ip)
{
	uint8_t *p;
	struct rte_mbuf *m =
		frame(RTE_ETHER_TYPE_ARP, sizeof(struct rte_arp_hdr), &p);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)p;

	if (m == NULL)
		return;
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = peer_mac;
	a->arp_data.arp_sip = ip;
	a->arp_data.arp_tip = ifp.ip;
	hs_lcore_input(&lc, m);
}

static void
l4_csum(struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *th)
{
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
}

/* m's frame again as a chain of mbufs of piece bytes that the stack
 * cannot linearize (hs_cap_chain), as a port with an MTU above its mbufs'
 * room hands frames in.  Consumes m; NULL when the pool is empty. */
static struct rte_mbuf *
chainify(struct rte_mbuf *m, uint16_t piece)
{
	static uint8_t flat[9216];
	uint32_t len = HS_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)sizeof(flat));
	const uint8_t *p = rte_pktmbuf_read(m, 0, len, flat);
	struct rte_mbuf *c = p != NULL ? hs_cap_chain(pool, p, len, piece) : NULL;

	rte_pktmbuf_free(m);
	return c;
}

/* One TCP segment from peer pr, fields chosen by the input relative to
 * the connection's state.  An odd window also splits the frame into a
 * chain (chainify) of 40..551-byte mbufs. */
static void
op_segment(struct cur *in)
{
	struct peer *pr = &peers[take(in, 1) % NPEERS];
	uint8_t flags = (uint8_t)take(in, 1);
	uint8_t mode = (uint8_t)take(in, 1);
	int32_t dseq = (int16_t)take(in, 2);
	int32_t dack = (int16_t)take(in, 2);
	uint16_t win = (uint16_t)take(in, 2);
	uint8_t optsel = (uint8_t)take(in, 1);
	uint16_t dlen = (uint16_t)(take(in, 1) * 8u);
	uint8_t opts[40];
	uint32_t olen = 0, seq, ack;
	uint8_t *p;
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (dlen > 1400)
		dlen = 1400;
	flags &= 0x3f;       /* FIN SYN RST PSH ACK URG */
	if ((mode & 3) == 0) /* a fresh SYN from the peer */
		flags = RTE_TCP_SYN_FLAG;
	seq = (mode & 4) ? pr->snd + (uint32_t)dseq : pr->snd;
	if (flags & RTE_TCP_SYN_FLAG && !(flags & RTE_TCP_ACK_FLAG)) {
		if (mode & 8) { /* a new incarnation */
			pr->isn += 100000u + (uint32_t)(uint16_t)dseq;
			pr->snd = pr->isn + 1;
		}
		seq = pr->isn;
		pr->have_iss = false;
	}
	if (mode & 16)
		ack = pr->our_nxt + (uint32_t)dack;
	else if (mode & 32)
		ack = (uint32_t)dack << 16 | (uint32_t)dack; /* blind */
	else
		ack = pr->our_nxt;
	if (optsel & 1) {
		opts[olen++] = HS_TCPOPT_MSS;
		opts[olen++] = 4;
		opts[olen++] = (uint8_t)(optsel & 0x40 ? 0 : 5);
		opts[olen++] = (uint8_t)(optsel & 0x40 ? 40 : 0xb4);
	}
	if (optsel & 2) {
		opts[olen++] = HS_TCPOPT_NOP;
		opts[olen++] = HS_TCPOPT_WSCALE;
		opts[olen++] = 3;
		opts[olen++] = (uint8_t)(optsel >> 4);
	}
	if (optsel & 4) {
		opts[olen++] = HS_TCPOPT_NOP;
		opts[olen++] = HS_TCPOPT_NOP;
		opts[olen++] = HS_TCPOPT_SACK_OK;
		opts[olen++] = 2;
	}
	if (optsel & 8) {
		uint32_t tv = (optsel & 0x80) ? pr->tsval - (uint32_t)dseq
					      : ++pr->tsval;
		uint32_t te = (mode & 64) ? (uint32_t)dack : pr->our_tsval;

		opts[olen++] = HS_TCPOPT_NOP;
		opts[olen++] = HS_TCPOPT_NOP;
		opts[olen++] = HS_TCPOPT_TS;
		opts[olen++] = 10;
		opts[olen++] = (uint8_t)(tv >> 24);
		opts[olen++] = (uint8_t)(tv >> 16);
		opts[olen++] = (uint8_t)(tv >> 8);
		opts[olen++] = (uint8_t)tv;
		opts[olen++] = (uint8_t)(te >> 24);
		opts[olen++] = (uint8_t)(te >> 16);
		opts[olen++] = (uint8_t)(te >> 8);
		opts[olen++] = (uint8_t)te;
	}
	if ((optsel & 0x30) == 0x30 && olen + 12 <= sizeof(opts)) {
		/* one SACK block around our send window */
		uint32_t l = pr->our_iss + 1 + (uint32_t)(uint16_t)dack;
		uint32_t r = l + dlen + 1448u;

		opts[olen++] = HS_TCPOPT_NOP;
		opts[olen++] = HS_TCPOPT_NOP;
		opts[olen++] = HS_TCPOPT_SACK;
		opts[olen++] = 10;
		for (int s = 24; s >= 0; s -= 8)
			opts[olen++] = (uint8_t)(l >> s);
		for (int s = 24; s >= 0; s -= 8)
			opts[olen++] = (uint8_t)(r >> s);
	}
	while (olen & 3)
		opts[olen++] = HS_TCPOPT_EOL;
	m = frame(RTE_ETHER_TYPE_IPV4,
		  (uint16_t)(sizeof(*ip) + sizeof(*th) + olen + dlen), &p);
	if (m == NULL)
		return;
	ip = (struct rte_ipv4_hdr *)p;
	hs_ipv4_fill(ip, pr->ip, ifp.ip, IPPROTO_TCP,
		     (uint16_t)(sizeof(*ip) + sizeof(*th) + olen + dlen));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(pr->port);
	th->dst_port = (mode & 128) ? RTE_BE16(80) : RTE_BE16(443);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	memcpy(th + 1, opts, olen);
	for (uint16_t i = 0; i < dlen; i++)
		((uint8_t *)(th + 1))[olen + i] = (uint8_t)(seq + i);
	if (!(optsel & 0x40) || dlen != 0 || !(flags & RTE_TCP_URG_FLAG))
		l4_csum(ip, th);
	if (trace)
		fprintf(stderr,
			"seg peer %u:%u flags 0x%02x seq %u ack %u(our_nxt %u) "
			"win %u opts 0x%02x dlen %u\n",
			pr->ip >> 24, pr->port, flags, seq - pr->isn,
			ack - pr->our_iss, pr->our_nxt - pr->our_iss, win,
			optsel, dlen);
	if (HS_SEQ_GT(seq + dlen +
			      !!(flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG)),
		      pr->snd) &&
	    !(mode & 4))
		pr->snd = seq + dlen +
			  !!(flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG));
	if ((win & 1) && (m = chainify(m, (uint16_t)(40 + (win >> 7)))) == NULL)
		return;
	hs_lcore_input(&lc, m);
}

/* Raw bytes after a valid Ethernet header, or after a valid IPv4 header
 * (TCP header and options straight from the input). */
static void
op_raw(struct cur *in, bool ipv4_hdr_valid)
{
	uint16_t len = (uint16_t)(take(in, 1) + 1);
	uint8_t *p;
	struct rte_mbuf *m;

	if (len > in->n)
		len = (uint16_t)in->n;
	if (ipv4_hdr_valid) {
		struct rte_ipv4_hdr *ip;
		struct peer *pr = &peers[take(in, 1) % NPEERS];
		bool fix = take(in, 1) & 1;

		if (len > in->n)
			len = (uint16_t)in->n;
		m = frame(RTE_ETHER_TYPE_IPV4, (uint16_t)(sizeof(*ip) + len),
			  &p);
		if (m == NULL)
			return;
		ip = (struct rte_ipv4_hdr *)p;
		hs_ipv4_fill(ip, pr->ip, ifp.ip, IPPROTO_TCP,
			     (uint16_t)(sizeof(*ip) + len));
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		memcpy(ip + 1, in->p, len);
		if (fix && len >= sizeof(struct rte_tcp_hdr))
			l4_csum(ip, (struct rte_tcp_hdr *)(ip + 1));
	} else {
		uint16_t type = (uint16_t)take(in, 2);

		if (len > in->n)
			len = (uint16_t)in->n;
		m = frame(type, len, &p);
		if (m == NULL)
			return;
		memcpy(p, in->p, len);
	}
	in->p += len;
	in->n -= len;
	hs_lcore_input(&lc, m);
}

/* ICMP destination unreachable (fragmentation needed, RFC 1191) or
 * another type, quoting a segment of one of our connections. */
static void
op_icmp(struct cur *in)
{
	struct peer *pr = &peers[take(in, 1) % NPEERS];
	uint8_t type = (uint8_t)take(in, 1), code = (uint8_t)take(in, 1);
	uint16_t mtu = (uint16_t)take(in, 2);
	uint32_t dseq = take(in, 2);
	uint16_t inner_len = sizeof(struct rte_ipv4_hdr) + 8;
	uint16_t tot = (uint16_t)(sizeof(struct rte_ipv4_hdr) +
				  sizeof(struct rte_icmp_hdr) + inner_len);
	uint8_t *p;
	struct rte_mbuf *m = frame(RTE_ETHER_TYPE_IPV4, tot, &p);
	struct rte_ipv4_hdr *ip, *iip;
	struct rte_icmp_hdr *ic;
	uint8_t *l4;

	if (m == NULL)
		return;
	ip = (struct rte_ipv4_hdr *)p;
	hs_ipv4_fill(ip, pr->ip, ifp.ip, IPPROTO_ICMP, tot);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic = (struct rte_icmp_hdr *)(ip + 1);
	ic->icmp_type = (type & 1) ? 3 : type;
	ic->icmp_code = (type & 1) ? 4 : code;
	ic->icmp_seq_nb = rte_cpu_to_be_16(mtu); /* next-hop MTU field */
	iip = (struct rte_ipv4_hdr *)(ic + 1);
	hs_ipv4_fill(iip, ifp.ip, pr->ip, IPPROTO_TCP, 40);
	l4 = (uint8_t *)(iip + 1);
	l4[0] = 443 >> 8;
	l4[1] = 443 & 0xff;
	l4[2] = (uint8_t)(pr->port >> 8);
	l4[3] = (uint8_t)pr->port;
	{
		uint32_t s = pr->our_iss + 1 + dseq;

		l4[4] = (uint8_t)(s >> 24);
		l4[5] = (uint8_t)(s >> 16);
		l4[6] = (uint8_t)(s >> 8);
		l4[7] = (uint8_t)s;
	}
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + inner_len);
	hs_lcore_input(&lc, m);
}

static void
advance(uint64_t us)
{
	lc.now_us += us;
	hs_tcp_timer_run(&lc);
	hs_lcore_flush(&lc);
}

static struct hs_tcp_conn *
app_pick(uint8_t b)
{
	for (unsigned int i = 0; i < RTE_DIM(app_conns); i++) {
		struct hs_tcp_conn *c = app_conns[(b + i) % RTE_DIM(app_conns)];

		if (c != NULL)
			return c;
	}
	return NULL;
}

static void
op_app(struct cur *in)
{
	uint8_t what = (uint8_t)take(in, 1);
	struct hs_tcp_conn *c = app_pick((uint8_t)take(in, 1));
	static uint8_t buf[65536];
	uint32_t n;

	if (c == NULL)
		return;
	if (trace)
		fprintf(stderr, "app %u on conn %u\n", what % 6, c->id);
	switch (what % 6) {
	case 0:
	case 1:
		n = (uint32_t)(take(in, 1) + 1) * 512u;
		n = HS_MIN(n, (uint32_t)sizeof(buf));
		n = HS_MIN(n, hs_tcp_send_space(c));
		if (n > 0)
			(void)hs_tcp_send(c, buf, n);
		hs_tcp_push(c);
		break;
	case 2:
		(void)hs_tcp_recv(c, buf, (size_t)(take(in, 1) + 1) * 256u);
		break;
	case 3:
		app_forget(c);
		hs_tcp_close(c);
		break;
	case 4:
		app_forget(c);
		n_closed++; /* abort: no closed() call */
		hs_tcp_abort(c);
		break;
	default:
		hs_tcp_set_timeout(c, (uint64_t)(take(in, 1) + 1) * 10000u);
		break;
	}
	hs_lcore_flush(&lc);
}

/* ---- invariants ---------------------------------------------------------- */
static void
check_table(void)
{
	struct hs_tcp_lcore *t = &lc.tcp;
	uint32_t live = 0, synrcvd = 0, rq = 0, oq = 0;

	for (uint32_t i = 0; i < t->max_conns; i++) {
		const struct hs_tcp_conn *c = &t->conns[i];

		if (c->state == HS_TCP_CLOSED)
			continue;
		live++;
		if (c->state == HS_TCP_SYN_RCVD)
			synrcvd++;
		rq += c->rcvq.count;
		oq += c->ooq.count;
		INV(HS_SEQ_LEQ(c->snd_una, c->snd_nxt));
		INV(HS_SEQ_LEQ(c->snd_nxt, c->snd_max));
		INV(c->rcvq.count == 0 || c->rcvq.head != NULL);
		INV(c->ooq.count == 0 || c->ooq.head != NULL);
	}
	INV(live == t->nb_conns);
	INV(synrcvd == t->nb_synrcvd);
	INV(rq == t->rcvq_mbufs);
	INV(oq == t->ooq_mbufs);
}

/* ---- set-up -------------------------------------------------------------- */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz_tcp",
			"--no-huge",
			"--no-pci",
			"--no-shconf",
			"-m",
			"128",
			"--log-level=*:error",
			"--no-telemetry",
			"--file-prefix=hs_fuzz_tcp" };

	(void)argc;
	(void)argv;
	trace = getenv("FUZZ_TCP_TRACE") != NULL;
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "fuzz_tcp: rte_eal_init failed\n");
		exit(1);
	}
	pool = rte_pktmbuf_pool_create("fuzz_tcp", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		exit(1);
	ifp.port_id = HS_PORT_NONE;
	ifp.mtu = 1500;
	ifp.mac = our_mac;
	ifp.ip = RTE_BE32(SRV_IP);
	ifp.mask = RTE_BE32(0xffffff00u);
	/* Small limits so cookies, budgets and every timer are reachable. */
	hs_tcp_params.syn_backlog = 2;
	hs_tcp_params.time_wait_ms = 2000;
	hs_tcp_params.rto_max_ms = 4000;
	hs_tcp_params.syn_retries = 2;
	hs_tcp_params.data_retries = 3;
	hs_tcp_params.fin_wait2_ms = 5000;
	hs_tcp_params.keepalive_ms = 20000;
	hs_tcp_params.keepalive_intvl_ms = 2000;
	hs_tcp_params.keepalive_probes = 2;
	hs_tcp_params.ooq_max_segs = 16;
	hs_tcp_params.ooq_lcore_max = 64;
	hs_tcp_params.rcvq_lcore_max = 128;
	hs_tcp_params.max_per_source = 6;
	hs_tcp_params.challenge_ack_limit = 50;
	hs_tcp_params.sndbuf = 64 * 1024;
	hs_tcp_params.rcvbuf = 64 * 1024;
	return 0;
}

static void
run(const uint8_t *data, size_t size)
{
	struct cur in = { data, size };
	unsigned int ops = 0;

	memset(peers, 0, sizeof(peers));
	memset(app_conns, 0, sizeof(app_conns));
	n_accepted = n_closed = 0;
	for (unsigned int k = 0; k < NPEERS; k++) {
		peers[k].ip = (k & 1) ? RTE_BE32(IP4(198, 18, 0, 3))
				      : RTE_BE32(IP4(198, 18, 0, 2));
		peers[k].port = (uint16_t)(40000 + k / 2);
		peers[k].isn = 1000u + k * 7919u;
		peers[k].snd = peers[k].isn;
		peers[k].tsval = 5000u + k;
	}
	INV(hs_lcore_init(&lc, &ifp, pool, HS_PORT_NONE, 0, MAX_CONNS) == 0);
	lc.tx_sink = sink;
	/* A fixed start on the fake clock (hs_lcore_init read the TSC). */
	lc.now_us = 1000000;
	lc.tcp.wheel.cur_tick = lc.now_us / HS_TW_TICK_US;
	INV(hs_tcp_listen(&lc, 443, &app_ops, NULL) == 0);
	arp_announce(RTE_BE32(IP4(198, 18, 0, 2)));
	arp_announce(RTE_BE32(IP4(198, 18, 0, 3)));
	hs_lcore_flush(&lc);

	while (in.n > 0 && ops++ < 512) {
		switch (take(&in, 1) % 10) {
		case 0:
		case 1:
		case 2:
		case 3:
			op_segment(&in);
			break;
		case 4:
			op_raw(&in, take(&in, 1) & 1);
			break;
		case 5:
			op_icmp(&in);
			break;
		case 6:
		case 7: {
			uint8_t b = (uint8_t)take(&in, 1);

			if (trace)
				fprintf(stderr, "advance %u us\n",
					((b & 0x3f) + 1) *
						(100u << ((b >> 6) * 4)));

			/* 0.1 ms .. 26 s */
			advance((uint64_t)((b & 0x3f) + 1) *
				(100u << ((b >> 6) * 4)));
			break;
		}
		default:
			op_app(&in);
			break;
		}
		hs_lcore_flush(&lc);
		check_table();
		if (trace)
			for (uint32_t i = 0; i < lc.tcp.max_conns; i++)
				if (lc.tcp.conns[i].state != HS_TCP_CLOSED)
					fprintf(stderr,
						"  conn %u state %u flags 0x%x "
						"una %u nxt %u max %u sndq %u "
						"now %lu\n",
						i, lc.tcp.conns[i].state,
						lc.tcp.conns[i].flags,
						lc.tcp.conns[i].snd_una -
							lc.tcp.conns[i].iss,
						lc.tcp.conns[i].snd_nxt -
							lc.tcp.conns[i].iss,
						lc.tcp.conns[i].snd_max -
							lc.tcp.conns[i].iss,
						lc.tcp.conns[i].sndq.bytes,
						(unsigned long)lc.now_us);
	}

	/* The application closes what it holds; then the clock runs past
	 * every timer (TIME_WAIT, retransmissions, FIN_WAIT_2, keep-alive):
	 * nothing may be left. */
	for (unsigned int i = 0; i < RTE_DIM(app_conns); i++)
		if (app_conns[i] != NULL)
			hs_tcp_close(app_conns[i]);
	for (unsigned int s = 0; s < 2000 && lc.tcp.nb_conns > 0; s++) {
		advance(100000);
		check_table();
	}
	if (lc.tcp.nb_conns != 0) {
		for (uint32_t i = 0; i < lc.tcp.max_conns; i++) {
			const struct hs_tcp_conn *c = &lc.tcp.conns[i];

			if (c->state != HS_TCP_CLOSED)

				fprintf(stderr,
					"fuzz_tcp: conn %u left in state %u "
					"flags 0x%x timers %d/%d/%d/%d\n",
					i, c->state, c->flags,
					c->t_rexmt.pprev != NULL,
					c->t_misc.pprev != NULL,
					c->t_app.pprev != NULL,
					c->t_keep.pprev != NULL);
		}
	}
	INV(lc.tcp.nb_conns == 0);
	INV(n_closed == n_accepted);
	hs_lcore_fini(&lc);
	INV(rte_mempool_avail_count(pool) == POOL_SIZE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size);
	return 0;
}
