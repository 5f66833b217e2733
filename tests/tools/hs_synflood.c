/* hs_synflood: spoofed TCP SYNs for tests/integration/test_synflood.sh.
 *
 *   hs_synflood IFNAME DST-MAC DST-IP DPORT SRC-NET/LEN COUNT PPS MAX-SECONDS
 *
 * Sends COUNT SYNs (Ethernet + IPv4 + TCP with MSS, SACK permitted,
 * timestamps and window scale, as Linux sends them) out of IFNAME through
 * an AF_PACKET socket with sendmmsg(2), in batches, paced to PPS frames per
 * second (0: as fast as the socket takes them), and stops after
 * MAX-SECONDS whatever it has sent.  Every SYN has a random source address
 * inside SRC-NET/LEN (host bits random), a random source port, ISN and
 * timestamp: the SYN-flood of RFC 4987 §2.
 *
 * Safety: the test network is 198.18.0.0/15 (RFC 2544 benchmarking); the
 * tool refuses a destination or a source network outside it, so no
 * spoofed address can be anything else.  Prints
 *   sent N in S.SSS s: R pps
 * and exits 0 if it sent COUNT frames, 1 if it ran out of time, 2 on a
 * usage or socket error. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH   64
#define OPT_LEN 20
#define IP_LEN  20
#define TCP_LEN (20 + OPT_LEN)
#define FRAME   (14 + IP_LEN + TCP_LEN)

/* 198.18.0.0/15 */
#define TESTNET      0xc6120000u
#define TESTNET_MASK 0xfffe0000u

static uint64_t rng_state;

static uint64_t
rnd(void) /* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t
sum16(const void *p, size_t n, uint32_t s)
{
	const uint8_t *b = p;

	for (; n > 1; n -= 2, b += 2)
		s += (uint32_t)b[0] << 8 | b[1];
	if (n)
		s += (uint32_t)b[0] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: hs_synflood IFNAME DST-MAC DST-IP DPORT "
			"SRC-NET/LEN COUNT PPS MAX-SECONDS\n"
			"  (DST-IP and SRC-NET inside 198.18.0.0/15)\n");
	return 2;
}

/* Fill frame f with a SYN from src:sport to dst:dport. */
static void
build(uint8_t *f, const uint8_t smac[6], const uint8_t dmac[6], uint32_t src,
      uint32_t dst, uint16_t dport)
{
	uint8_t *ip = f + 14, *th = ip + IP_LEN, *o = th + 20;
	uint16_t sport = (uint16_t)(1024 + rnd() % 64512);
	uint32_t seq = (uint32_t)rnd(), tsval = (uint32_t)rnd(), s;
	uint8_t ph[12];

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	f[13] = 0x00;

	memset(ip, 0, IP_LEN);
	ip[0] = 0x45;
	ip[2] = (IP_LEN + TCP_LEN) >> 8;
	ip[3] = (IP_LEN + TCP_LEN) & 0xff;
	s = (uint32_t)rnd();
	ip[4] = (uint8_t)(s >> 8);
	ip[5] = (uint8_t)s;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;   /* TTL */
	ip[9] = 6;    /* TCP */
	memcpy(ip + 12, &(uint32_t){ htonl(src) }, 4);
	memcpy(ip + 16, &(uint32_t){ htonl(dst) }, 4);
	s = fold(sum16(ip, IP_LEN, 0));
	ip[10] = (uint8_t)(s >> 8);
	ip[11] = (uint8_t)s;

	memset(th, 0, TCP_LEN);
	th[0] = (uint8_t)(sport >> 8);
	th[1] = (uint8_t)sport;
	th[2] = (uint8_t)(dport >> 8);
	th[3] = (uint8_t)dport;
	memcpy(th + 4, &(uint32_t){ htonl(seq) }, 4);
	th[12] = (TCP_LEN / 4) << 4;
	th[13] = 0x02; /* SYN */
	th[14] = 0xfa; /* window 64240 */
	th[15] = 0xf0;
	/* MSS 1460, SACK permitted, timestamps, NOP, window scale 7 */
	o[0] = 2;
	o[1] = 4;
	o[2] = 0x05;
	o[3] = 0xb4;
	o[4] = 4;
	o[5] = 2;
	o[6] = 8;
	o[7] = 10;
	memcpy(o + 8, &(uint32_t){ htonl(tsval) }, 4);
	/* o[12..15]: TSecr 0 */
	o[16] = 1;
	o[17] = 3;
	o[18] = 3;
	o[19] = 7;

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	ph[10] = 0;
	ph[11] = TCP_LEN;
	s = fold(sum16(th, TCP_LEN, sum16(ph, sizeof(ph), 0)));
	th[16] = (uint8_t)(s >> 8);
	th[17] = (uint8_t)s;
}

int
main(int argc, char **argv)
{
	static uint8_t frames[BATCH][FRAME];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll sll;
	uint8_t smac[6], dmac[6];
	struct in_addr a;
	char net[64], *slash;
	uint32_t dst, srcnet, srcmask;
	unsigned long long count, pps, sent = 0;
	double maxs, t0, t;
	int fd, plen, one = 1, ifindex;
	long dport;

	if (argc != 9)
		return usage();
	ifindex = (int)if_nametoindex(argv[1]);
	if (ifindex == 0) {
		fprintf(stderr, "hs_synflood: no interface %s\n", argv[1]);
		return 2;
	}
	if (parse_mac(argv[2], dmac) != 0 ||
	    inet_pton(AF_INET, argv[3], &a) != 1)
		return usage();
	dst = ntohl(a.s_addr);
	dport = strtol(argv[4], NULL, 10);
	snprintf(net, sizeof(net), "%s", argv[5]);
	slash = strchr(net, '/');
	if (slash == NULL || dport <= 0 || dport > 65535)
		return usage();
	*slash = '\0';
	plen = atoi(slash + 1);
	if (inet_pton(AF_INET, net, &a) != 1 || plen < 15 || plen > 30)
		return usage();
	srcmask = plen ? ~0u << (32 - plen) : 0;
	srcnet = ntohl(a.s_addr) & srcmask;
	if ((dst & TESTNET_MASK) != TESTNET ||
	    (srcnet & TESTNET_MASK) != TESTNET) {
		fprintf(stderr, "hs_synflood: addresses must be inside "
				"198.18.0.0/15\n");
		return 2;
	}
	count = strtoull(argv[6], NULL, 10);
	pps = strtoull(argv[7], NULL, 10);
	maxs = strtod(argv[8], NULL);
	if (count == 0 || maxs <= 0 || maxs > 600)
		return usage();

	fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: send only */
	if (fd < 0) {
		perror("hs_synflood: socket(AF_PACKET)");
		return 2;
	}
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	{
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
			perror("hs_synflood: SIOCGIFHWADDR");
			return 2;
		}
		memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, dmac, 6);
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = frames[i];
		iov[i].iov_len = FRAME;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &sll;
		msgs[i].msg_hdr.msg_namelen = sizeof(sll);
	}
	rng_state = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32 ^
		    0x9e3779b97f4a7c15ull;

	t0 = now_s();
	t = t0;
	while (sent < count && (t = now_s()) - t0 < maxs) {
		int n = (int)(count - sent < BATCH ? count - sent : BATCH), r;

		if (pps) {
			/* pace: do not run ahead of PPS * elapsed */
			double ahead = (double)sent / (double)pps - (t - t0);

			if (ahead > 0) {
				struct timespec ts = { 0, (long)(ahead * 1e9) };

				if (ahead >= 1) {
					ts.tv_sec = (time_t)ahead;
					ts.tv_nsec =
						(long)((ahead -
							(double)ts.tv_sec) *
						       1e9);
				}
				nanosleep(&ts, NULL);
				continue;
			}
		}
		for (int i = 0; i < n; i++) {
			uint32_t host = (uint32_t)rnd() & ~srcmask;

			/* not the network or broadcast address of SRC-NET */
			if (host == 0 || host == ~srcmask)
				host = 1;
			build(frames[i], smac, dmac, srcnet | host, dst,
			      (uint16_t)dport);
		}
		r = sendmmsg(fd, msgs, (unsigned int)n, 0);
		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN ||
			    errno == EINTR) {
				usleep(100);
				continue;
			}
			perror("hs_synflood: sendmmsg");
			return 2;
		}
		sent += (unsigned long long)r;
	}
	t = now_s() - t0;
	printf("sent %llu in %.3f s: %.0f pps\n", sent, t,
	       t > 0 ? (double)sent / t : 0.0);
	close(fd);
	return sent == count ? 0 : 1;
}
