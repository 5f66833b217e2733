/* SPDX-License-Identifier: BSD-3-Clause
 * hs_port_pkt.c - net_hs_packet: a DPDK port on a Linux AF_PACKET socket
 * that carries a virtio-net header with every frame (PACKET_VNET_HDR), so
 * the kernel takes TCP segmentation (TSO) and checksum offload requests.
 *
 *   --vdev net_hs_packet0,iface=veth0[,qpairs=N]
 *
 * Why: DPDK's net_af_packet (22.11) hands the kernel one frame of at most
 * the MTU at a time, so a 1 MiB response is ~725 frames through the
 * kernel, each one an skb built, a veth hop and a receive on the far side.
 * Here a TSO frame of up to 64 KB (hs_tcp_out.c builds them for every
 * port that offers RTE_ETH_TX_OFFLOAD_TCP_TSO) goes down as one skb with
 * gso_type TCPV4: the kernel cuts it only where a device needs that (a
 * veth passes it whole to the peer's stack, as the kernel's own TCP
 * does).  This is how gVisor and QEMU's socket back-ends drive a packet
 * socket.
 *
 * TX (hsp_tx): one sendmmsg() per burst; each message is the 10-byte
 * virtio_net_hdr then the mbuf chain's segments as an iovec (the kernel
 * copies them into its skb: no copy here).  Offload flags become the
 * header: RTE_MBUF_F_TX_TCP_SEG -> GSO_TCPV4 with gso_size = tso_segsz;
 * RTE_MBUF_F_TX_TCP_CKSUM -> NEEDS_CSUM (csum_start at the TCP header).
 * DPDK's TSO convention leaves the frame length out of the pseudo-header
 * sum; Linux wants it in (tcp_gso_segment adjusts per segment), so the
 * TCP checksum field is re-seeded here.  The kernel does not fill in an
 * IPv4 header checksum, so RTE_MBUF_F_TX_IP_CKSUM is done here in
 * software (20 bytes).  Sent mbufs are freed (consumed); a full socket
 * buffer (EAGAIN/ENOBUFS) returns fewer than asked, the rest stay the
 * caller's.  A frame the kernel refuses (EINVAL, EMSGSIZE) is freed and
 * counted in oerrors.
 *
 * RX (hsp_rx): frames come from a TPACKET_V2 ring shared with the kernel
 * (no system call per poll; each frame copied into an mbuf, as
 * net_af_packet does).  A TCP aggregate longer than a ring slot (a peer on
 * this host sends 64 KB GSO frames through a veth with offloads on, or
 * GRO merged them) comes whole through the socket's receive queue
 * (PACKET_COPY_THRESH: its slot says TP_STATUS_COPY), is read with
 * recvmsg() into a per-queue overflow buffer and is cut back
 * into segments of its gso_size, one contiguous mbuf each, as the peer's
 * GSO would have sent them (hsp_rx_split): the stack sees what a NIC
 * without LRO delivers.  The header's NEEDS_CSUM (a peer on this host
 * that never computed the sum) and DATA_VALID become
 * RTE_MBUF_F_RX_L4_CKSUM_GOOD.  Frames the socket buffer could not hold
 * are the kernel's drops (PACKET_STATISTICS -> imissed); ours are in
 * ierrors and the xstats.
 *
 * Several queue pairs share the interface through PACKET_FANOUT_HASH, as
 * net_af_packet's qpairs=N do (hs_port.c then steers flows in software).
 * Needs DPDK's driver headers (ethdev_driver.h, bus_vdev_driver.h), which
 * scripts/deps.sh takes from Debian's dpdk source package; without them
 * the build leaves this port out (meson says so).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <bus_vdev_driver.h>

#include "hs_port.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define HSP_MAX_QUEUES 16
#define HSP_BURST 32
/* iovec entries of one TX message: the header + this many segments. */
#define HSP_TX_SEGS 63
/* One whole frame too long for a ring slot, read from the socket queue:
 * a 64 KB aggregate plus its Ethernet header, with slack. */
#define HSP_OVF (65536 + 512)
/* Socket buffers: deep enough for a burst of 64 KB frames each way. */
#define HSP_SOCKBUF (8 << 20)
/* Frames received and not yet returned: a poll stops once a burst is
 * pending, so at most a burst plus the segments of one aggregate (a
 * 64 KB one at an MSS of 1448: 45; this bound: down to ~33-byte
 * segments; smaller ones are dropped, rx_split_dropped). */
#define HSP_PEND 2048
/* The RX ring (TPACKET_V2): slots of 2 KB hold a 1500-byte-MTU frame
 * after the ring's header and the virtio-net header; 32 per 64 KB block,
 * 2048 in all (4 MiB per queue, as net_af_packet's default). */
#define HSP_RING_FRAME 2048
#define HSP_RING_BLOCK (64 << 10)
#define HSP_RING_FRAMES 2048
#define HSP_RING_SIZE ((size_t)HSP_RING_FRAMES * HSP_RING_FRAME)

const char hs_port_pkt_driver[] = "net_hs_packet";

struct hsp_rxq {
	int fd;
	uint16_t port_id;
	uint16_t qid;
	struct rte_mempool *mp;
	uint8_t *ring;  /* the socket's RX ring: HSP_RING_FRAMES frames */
	uint32_t ridx;  /* next frame of the ring to look at */
	uint8_t *ovf;   /* one frame the ring could not hold (HSP_OVF) */
	/* received, not yet returned: pend[pfirst..npend) */
	uint32_t pfirst, npend;
	struct rte_mbuf *pend[HSP_PEND];
	uint64_t pkts, bytes, nombuf, trunc, lro, bad_agg, split_drop;
} __rte_cache_aligned;

struct hsp_txq {
	int fd;
	uint64_t pkts, bytes, errs, tso;
} __rte_cache_aligned;

struct hsp_internals {
	char ifname[IFNAMSIZ];
	int ifindex;
	uint16_t nb_queues;
	struct rte_ether_addr mac;
	int fds[HSP_MAX_QUEUES];
	uint8_t *rings[HSP_MAX_QUEUES]; /* RX rings, mmap'ed */
	uint64_t kdrops; /* PACKET_STATISTICS tp_drops, summed */
	struct hsp_rxq rxq[HSP_MAX_QUEUES];
	struct hsp_txq txq[HSP_MAX_QUEUES];
};

/* ---- datapath ---------------------------------------------------------- */

#define HSP_HDR_MAX (RTE_ETHER_HDR_LEN + 60 + 60)

/* Append n bytes at src to m's data, chaining more mbufs of mp when
 * the last one is full (a segment longer than one mbuf: an MTU above the
 * mbufs' room; the stack takes such chains, hs_tcp_input_chain).
 * Returns 0, or -1 when mp is empty (m's chain is the caller's to
 * free). */
static int
hsp_append(struct rte_mempool *mp, struct rte_mbuf *m, const uint8_t *src,
	   uint32_t n)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(m);

	while (n > 0) {
		uint32_t k = RTE_MIN(n, (uint32_t)rte_pktmbuf_tailroom(last));

		if (k == 0) {
			struct rte_mbuf *x = rte_pktmbuf_alloc(mp);

			if (x == NULL)
				return -1;
			last->next = x;
			last = x;
			m->nb_segs++;
			continue;
		}
		memcpy(rte_pktmbuf_mtod_offset(last, uint8_t *,
					       last->data_len),
		       src, k);
		last->data_len = (uint16_t)(last->data_len + k);
		m->pkt_len += k;
		src += k;
		n -= k;
	}
	return 0;
}

/* A TCP aggregate (a GSO frame of a peer on this host, or GRO's work;
 * virtio-net header gso_type TCPV4) of len bytes at f: cut back into
 * segments of vh->gso_size payload bytes, each an mbuf (a chain when
 * longer than one holds) with the aggregate's headers fixed up (IPv4 length, id and checksum; TCP
 * sequence number; FIN and PSH on the last segment only, CWR on the first
 * only), as the peer's GSO would have sent them, appended to q->pend.
 * The TCP checksum is taken as good: the kernel says so (NEEDS_CSUM,
 * DATA_VALID), or the aggregate is dropped (counted). */
static void
hsp_rx_split(struct hsp_rxq *q, const uint8_t *f, uint32_t len,
	     const struct virtio_net_hdr *vh)
{
	uint8_t h[HSP_HDR_MAX];
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)h;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_tcp_hdr *th;
	uint32_t ihl, thl, hlen, pay, gso = vh->gso_size, nseg, seq, k;
	uint16_t id;
	uint8_t fl;

	memcpy(h, f, RTE_MIN(len, (uint32_t)sizeof(h)));
	if (len < RTE_ETHER_HDR_LEN + sizeof(*ip) + sizeof(*th) ||
	    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    (ip->version_ihl >> 4) != 4 || ip->next_proto_id != IPPROTO_TCP ||
	    !(vh->flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM |
			   VIRTIO_NET_HDR_F_DATA_VALID)))
		goto bad;
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	th = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
	if (ihl < sizeof(*ip) ||
	    RTE_ETHER_HDR_LEN + ihl + sizeof(*th) > RTE_MIN(len, sizeof(h)))
		goto bad;
	thl = (uint32_t)(th->data_off >> 4) * 4;
	hlen = RTE_ETHER_HDR_LEN + ihl + thl;
	if (thl < sizeof(*th) || hlen > RTE_MIN(len, sizeof(h)) || gso == 0 ||
	    rte_be_to_cpu_16(ip->total_length) != len - RTE_ETHER_HDR_LEN)
		goto bad;
	pay = len - hlen;
	nseg = (pay + gso - 1) / gso;
	if (nseg == 0 || q->npend + nseg > RTE_DIM(q->pend)) {
		q->split_drop++;
		return;
	}
	seq = rte_be_to_cpu_32(th->sent_seq);
	id = rte_be_to_cpu_16(ip->packet_id);
	fl = th->tcp_flags;
	for (k = 0; k < nseg; k++) {
		uint32_t n = RTE_MIN(gso, pay - k * gso);
		struct rte_mbuf *s;

		ip->total_length = rte_cpu_to_be_16((uint16_t)(ihl + thl + n));
		ip->packet_id = rte_cpu_to_be_16((uint16_t)(id + k));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		th->sent_seq = rte_cpu_to_be_32(seq + k * gso);
		th->tcp_flags = fl;
		if (k + 1 < nseg)
			th->tcp_flags &= (uint8_t)~(RTE_TCP_FIN_FLAG |
						    RTE_TCP_PSH_FLAG);
		if (k > 0)
			th->tcp_flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
		/* the headers whole in the first mbuf, the payload after */
		s = rte_pktmbuf_alloc(q->mp);
		if (s == NULL || rte_pktmbuf_tailroom(s) < hlen ||
		    hsp_append(q->mp, s, h, hlen) < 0 ||
		    hsp_append(q->mp, s, f + hlen + k * gso, n) < 0) {
			rte_pktmbuf_free(s);
			rte_pktmbuf_free_bulk(&q->pend[q->npend], k);
			q->nombuf++;
			return;
		}
		s->port = q->port_id;
		s->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD |
			      RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		q->pend[q->npend + k] = s;
		q->bytes += hlen + n;
	}
	q->npend += nseg;
	q->lro++;
	return;
bad:
	q->bad_agg++;
}

/* One received frame of len bytes at f (in the ring or the overflow
 * buffer) into q->pend: copied into an mbuf, or cut if an aggregate. */
static void
hsp_rx_frame(struct hsp_rxq *q, const uint8_t *f, uint32_t len,
	     const struct virtio_net_hdr *vh)
{
	struct rte_mbuf *m;

	if ((vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) ==
	    VIRTIO_NET_HDR_GSO_TCPV4) {
		hsp_rx_split(q, f, len, vh);
		return;
	}
	m = rte_pktmbuf_alloc(q->mp);
	if (m == NULL) {
		q->nombuf++;
		return;
	}
	/* longer than one mbuf and not a TCP aggregate (a jumbo frame):
	 * a chain */
	if (hsp_append(q->mp, m, f, len) < 0) {
		q->nombuf++;
		rte_pktmbuf_free(m);
		return;
	}
	m->port = q->port_id;
	/* NEEDS_CSUM: a peer on this host that never summed it. */
	if (vh->flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM |
			 VIRTIO_NET_HDR_F_DATA_VALID))
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	q->bytes += len;
	q->pend[q->npend++] = m;
}

/* Takes frames from the RX ring (no system call) until nb are pending or
 * the ring is empty.  A frame longer than a ring slot is in the slot
 * truncated, flagged TP_STATUS_COPY, and whole in the socket's receive
 * queue (PACKET_COPY_THRESH), in ring order: read with recvmsg(). */
static void
hsp_rx_poll(struct hsp_rxq *q, uint16_t nb)
{
	while (q->npend < nb) {
		struct tpacket2_hdr *h = (struct tpacket2_hdr *)
			(q->ring + (size_t)q->ridx * HSP_RING_FRAME);
		uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);

		if (!(st & TP_STATUS_USER))
			break;
		if (st & TP_STATUS_COPY) {
			struct virtio_net_hdr vh;
			struct iovec iov[2] = {{&vh, sizeof(vh)},
					       {q->ovf, HSP_OVF}};
			struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
			ssize_t n = recvmsg(q->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);

			if (n < (ssize_t)sizeof(vh) || (mh.msg_flags & MSG_TRUNC))
				q->trunc++;
			else
				hsp_rx_frame(q, q->ovf,
					     (uint32_t)n - (uint32_t)sizeof(vh),
					     &vh);
		} else if (h->tp_snaplen < h->tp_len ||
			   h->tp_mac < TPACKET2_HDRLEN + sizeof(struct virtio_net_hdr) ||
			   h->tp_mac + h->tp_snaplen > HSP_RING_FRAME) {
			q->trunc++; /* cut short, no copy: the socket was full */
		} else {
			const uint8_t *f = (const uint8_t *)h + h->tp_mac;

			hsp_rx_frame(q, f, h->tp_snaplen,
				     (const struct virtio_net_hdr *)
				     (f - sizeof(struct virtio_net_hdr)));
		}
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
		if (++q->ridx == HSP_RING_FRAMES)
			q->ridx = 0;
	}
}

/* Receives up to nb frames into bufs (the caller owns them): what an
 * earlier poll left pending first, then a new poll. */
static uint16_t
hsp_rx(void *queue, struct rte_mbuf **bufs, uint16_t nb)
{
	struct hsp_rxq *q = queue;
	uint16_t out;

	if (q->npend == 0)
		hsp_rx_poll(q, RTE_MIN(nb, (uint16_t)HSP_BURST));
	out = (uint16_t)RTE_MIN((uint32_t)nb, q->npend - q->pfirst);
	memcpy(bufs, &q->pend[q->pfirst], (size_t)out * sizeof(bufs[0]));
	q->pfirst += out;
	if (q->pfirst == q->npend)
		q->pfirst = q->npend = 0;
	q->pkts += out;
	return out;
}

/* The virtio-net header for m's offload requests; fixes up the IPv4
 * header checksum and the TCP pseudo-header sum to the kernel's
 * convention.  Returns false for a frame it cannot describe. */
static bool
hsp_tx_hdr(struct rte_mbuf *m, struct virtio_net_hdr *vh)
{
	uint64_t ol = m->ol_flags;
	uint32_t l2 = m->l2_len ? m->l2_len : RTE_ETHER_HDR_LEN;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	memset(vh, 0, sizeof(*vh));
	if (!(ol & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK |
		    RTE_MBUF_F_TX_TCP_SEG)))
		return true;
	if (m->l3_len < sizeof(*ip) ||
	    rte_pktmbuf_data_len(m) < l2 + m->l3_len +
		    ((ol & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG))
			     ? RTE_MAX((uint32_t)m->l4_len,
				       (uint32_t)sizeof(*th))
			     : 0))
		return false; /* headers must sit in the first segment */
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l2);
	if (ol & RTE_MBUF_F_TX_IP_CKSUM) {
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (ol & RTE_MBUF_F_TX_TCP_SEG) {
		if (m->tso_segsz == 0 || m->l4_len < sizeof(*th))
			return false;
		vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		vh->gso_size = m->tso_segsz;
		vh->hdr_len = (uint16_t)(l2 + m->l3_len + m->l4_len);
	} else if ((ol & RTE_MBUF_F_TX_L4_MASK) != RTE_MBUF_F_TX_TCP_CKSUM) {
		return (ol & RTE_MBUF_F_TX_L4_MASK) == 0;
	}
	th = (struct rte_tcp_hdr *)((uint8_t *)ip + m->l3_len);
	/* Pseudo-header sum with the datagram's length (Linux's
	 * CHECKSUM_PARTIAL convention, for TSO frames too). */
	th->cksum = rte_ipv4_phdr_cksum(ip, 0);
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = (uint16_t)(l2 + m->l3_len);
	vh->csum_offset = offsetof(struct rte_tcp_hdr, cksum);
	return true;
}

/* Sends up to nb frames; the ones sent (and the ones the kernel or
 * hsp_tx_hdr refused: they would block the queue for good) are consumed,
 * the rest stay the caller's. */
static uint16_t
hsp_tx(void *queue, struct rte_mbuf **bufs, uint16_t nb)
{
	struct hsp_txq *q = queue;
	struct mmsghdr msg[HSP_BURST];
	struct iovec iov[HSP_BURST][HSP_TX_SEGS + 1];
	struct virtio_net_hdr vh[HSP_BURST];
	uint16_t done = 0;

	while (done < nb) {
		uint16_t k = RTE_MIN((uint16_t)(nb - done), (uint16_t)HSP_BURST);
		uint16_t i;
		int n;

		for (i = 0; i < k; i++) {
			struct rte_mbuf *m = bufs[done + i], *s;
			int j = 1;

			if (m->nb_segs > HSP_TX_SEGS || !hsp_tx_hdr(m, &vh[i]))
				break;
			iov[i][0].iov_base = &vh[i];
			iov[i][0].iov_len = sizeof(vh[i]);
			for (s = m; s != NULL; s = s->next, j++) {
				iov[i][j].iov_base = rte_pktmbuf_mtod(s, void *);
				iov[i][j].iov_len = s->data_len;
			}
			memset(&msg[i].msg_hdr, 0, sizeof(msg[i].msg_hdr));
			msg[i].msg_hdr.msg_iov = iov[i];
			msg[i].msg_hdr.msg_iovlen = (size_t)j;
		}
		n = i ? sendmmsg(q->fd, msg, i, MSG_DONTWAIT) : 0;
		if (n < 0 && (errno == EAGAIN || errno == ENOBUFS ||
			      errno == EINTR))
			break; /* socket buffer full: the caller retries */
		if (n <= 0) {
			/* bufs[done] is malformed or refused (EINVAL,
			 * EMSGSIZE, ...) */
			q->errs++;
			rte_pktmbuf_free(bufs[done]);
			done++;
			continue;
		}
		for (int j = 0; j < n; j++) {
			struct rte_mbuf *m = bufs[done + j];

			q->bytes += m->pkt_len;
			if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)
				q->tso++;
		}
		q->pkts += (uint64_t)n;
		rte_pktmbuf_free_bulk(&bufs[done], (unsigned int)n);
		done = (uint16_t)(done + n);
		/* n < i: the next call reports why message n was not sent */
	}
	return done;
}

/* ---- control path ------------------------------------------------------ */

static int
hsp_ifreq(const struct hsp_internals *in, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -errno;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", in->ifname);
	rc = ioctl(fd, req, ifr) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* Start and stop: every queue's state and the link follow. */
static int
hsp_set_state(struct rte_eth_dev *dev, uint8_t qstate, uint16_t link)
{
	struct hsp_internals *in = dev->data->dev_private;

	for (uint16_t i = 0; i < in->nb_queues; i++) {
		dev->data->rx_queue_state[i] = qstate;
		dev->data->tx_queue_state[i] = qstate;
	}
	dev->data->dev_link.link_status = link;
	return 0;
}

static int
hsp_start(struct rte_eth_dev *dev)
{
	return hsp_set_state(dev, RTE_ETH_QUEUE_STATE_STARTED,
			     RTE_ETH_LINK_UP);
}

static int
hsp_stop(struct rte_eth_dev *dev)
{
	return hsp_set_state(dev, RTE_ETH_QUEUE_STATE_STOPPED,
			     RTE_ETH_LINK_DOWN);
}

static int
hsp_configure(struct rte_eth_dev *dev)
{
	return 0;
}

static int
hsp_info(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct hsp_internals *in = dev->data->dev_private;

	info->if_index = (uint32_t)in->ifindex;
	info->max_mac_addrs = 1;
	info->max_rx_pktlen = HSP_OVF;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = 65535 - RTE_ETHER_HDR_LEN;
	info->max_rx_queues = in->nb_queues;
	info->max_tx_queues = in->nb_queues;
	info->tx_offload_capa =
		RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_TSO;
	info->rx_offload_capa =
		RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_SCATTER;
	info->tx_desc_lim.nb_max = UINT16_MAX;
	info->tx_desc_lim.nb_seg_max = HSP_TX_SEGS;
	info->tx_desc_lim.nb_mtu_seg_max = HSP_TX_SEGS;
	info->rx_desc_lim.nb_max = UINT16_MAX;
	return 0;
}

static int
hsp_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_mtu = mtu;
	return hsp_ifreq(dev->data->dev_private, SIOCSIFMTU, &ifr);
}

static int
hsp_promisc(struct rte_eth_dev *dev)
{
	return 0; /* a packet socket sees every frame of its interface */
}

static int
hsp_link_update(struct rte_eth_dev *dev, int wait)
{
	return 0;
}

static int
hsp_rxq_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
	      unsigned int socket, const struct rte_eth_rxconf *conf,
	      struct rte_mempool *mp)
{
	struct hsp_internals *in = dev->data->dev_private;
	struct hsp_rxq *q = &in->rxq[qid];

	if (qid >= in->nb_queues)
		return -EINVAL;
	if (q->ovf == NULL)
		q->ovf = rte_malloc_socket("hsp_ovf", HSP_OVF,
					   0, (int)socket);
	if (q->ovf == NULL)
		return -ENOMEM;
	q->mp = mp;
	q->fd = in->fds[qid];
	q->ring = in->rings[qid];
	q->port_id = dev->data->port_id;
	q->qid = qid;
	dev->data->rx_queues[qid] = q;
	return 0;
}

static int
hsp_txq_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
	      unsigned int socket, const struct rte_eth_txconf *conf)
{
	struct hsp_internals *in = dev->data->dev_private;

	if (qid >= in->nb_queues)
		return -EINVAL;
	in->txq[qid].fd = in->fds[qid];
	dev->data->tx_queues[qid] = &in->txq[qid];
	return 0;
}

static int
hsp_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	struct hsp_internals *in = dev->data->dev_private;

	for (uint16_t i = 0; i < in->nb_queues; i++) {
		struct tpacket_stats ks;
		socklen_t kl = sizeof(ks);

		st->ipackets += in->rxq[i].pkts;
		st->ibytes += in->rxq[i].bytes;
		st->rx_nombuf += in->rxq[i].nombuf;
		st->ierrors += in->rxq[i].trunc + in->rxq[i].bad_agg +
			       in->rxq[i].split_drop;
		st->opackets += in->txq[i].pkts;
		st->obytes += in->txq[i].bytes;
		st->oerrors += in->txq[i].errs;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[i] = in->rxq[i].pkts;
			st->q_ibytes[i] = in->rxq[i].bytes;
			st->q_opackets[i] = in->txq[i].pkts;
			st->q_obytes[i] = in->txq[i].bytes;
		}
		/* The kernel's count of frames the socket buffer could not
		 * hold; reading it resets it. */
		if (in->fds[i] >= 0 &&
		    getsockopt(in->fds[i], SOL_PACKET, PACKET_STATISTICS, &ks,
			       &kl) == 0)
			in->kdrops += ks.tp_drops;
	}
	st->imissed = in->kdrops;
	return 0;
}

static int
hsp_stats_reset(struct rte_eth_dev *dev)
{
	struct hsp_internals *in = dev->data->dev_private;
	struct rte_eth_stats st;

	(void)hsp_stats_get(dev, &st);
	in->kdrops = 0;
	for (uint16_t i = 0; i < in->nb_queues; i++) {
		in->rxq[i].pkts = in->rxq[i].bytes = in->rxq[i].nombuf = 0;
		in->rxq[i].trunc = in->rxq[i].lro = 0;
		in->rxq[i].bad_agg = in->rxq[i].split_drop = 0;
		in->txq[i].pkts = in->txq[i].bytes = in->txq[i].errs = 0;
		in->txq[i].tso = 0;
	}
	return 0;
}

static int
hsp_close(struct rte_eth_dev *dev)
{
	struct hsp_internals *in = dev->data->dev_private;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY || in == NULL)
		return 0;
	for (uint16_t i = 0; i < in->nb_queues; i++) {
		if (in->fds[i] >= 0)
			close(in->fds[i]);
		in->fds[i] = in->rxq[i].fd = in->txq[i].fd = -1;
		if (in->rings[i] != NULL)
			munmap(in->rings[i], HSP_RING_SIZE);
		in->rings[i] = in->rxq[i].ring = NULL;
		rte_pktmbuf_free_bulk(&in->rxq[i].pend[in->rxq[i].pfirst],
				      in->rxq[i].npend - in->rxq[i].pfirst);
		in->rxq[i].pfirst = in->rxq[i].npend = 0;
		rte_free(in->rxq[i].ovf);
		in->rxq[i].ovf = NULL;
	}
	dev->data->mac_addrs = NULL; /* part of dev_private */
	return 0;
}

/* Driver counters beyond the basic stats, summed over the queues. */
static const char *const hsp_xstat_names[] = {
	"rx_aggregates",     /* TCP aggregates cut back into segments */
	"rx_truncated",      /* cut short (socket full, overflow buffer): dropped */
	"tx_tso_frames",     /* frames the kernel segments */
	"tx_refused",        /* frames the kernel refused, dropped */
	"rx_bad_aggregates", /* aggregates with headers we cannot cut */
	"rx_split_dropped",  /* aggregates with no room to cut them */
};

static int
hsp_xstats_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
		 unsigned int size)
{
	unsigned int n = RTE_DIM(hsp_xstat_names);

	if (names != NULL && size >= n)
		for (unsigned int i = 0; i < n; i++)
			snprintf(names[i].name, sizeof(names[i].name), "%s",
				 hsp_xstat_names[i]);
	return (int)n;
}

static int
hsp_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
	       unsigned int n)
{
	struct hsp_internals *in = dev->data->dev_private;
	uint64_t v[RTE_DIM(hsp_xstat_names)] = {0};

	if (xs == NULL || n < RTE_DIM(v))
		return (int)RTE_DIM(v);
	for (uint16_t i = 0; i < in->nb_queues; i++) {
		v[0] += in->rxq[i].lro;
		v[1] += in->rxq[i].trunc;
		v[2] += in->txq[i].tso;
		v[3] += in->txq[i].errs;
		v[4] += in->rxq[i].bad_agg;
		v[5] += in->rxq[i].split_drop;
	}
	for (unsigned int i = 0; i < RTE_DIM(v); i++) {
		xs[i].id = i;
		xs[i].value = v[i];
	}
	return (int)RTE_DIM(v);
}

static const struct eth_dev_ops hsp_ops = {
	.xstats_get = hsp_xstats_get,
	.xstats_get_names = hsp_xstats_names,
	.dev_start = hsp_start,
	.dev_stop = hsp_stop,
	.dev_close = hsp_close,
	.dev_configure = hsp_configure,
	.dev_infos_get = hsp_info,
	.mtu_set = hsp_mtu_set,
	.promiscuous_enable = hsp_promisc,
	.promiscuous_disable = hsp_promisc,
	.link_update = hsp_link_update,
	.rx_queue_setup = hsp_rxq_setup,
	.tx_queue_setup = hsp_txq_setup,
	.stats_get = hsp_stats_get,
	.stats_reset = hsp_stats_reset,
};

/* One packet socket on in->ifindex with virtio-net headers and an RX
 * ring (mapped at *ring), not seeing its own frames, with deep buffers;
 * in a fanout group when there are several.  Frames go through the qdisc
 * layer (noqueue on a veth): PACKET_QDISC_BYPASS's direct transmit drops
 * a GSO frame the device would need cut (a veth with TSO off, a NIC
 * without it), where dev_queue_xmit() cuts it in software. */
static int
hsp_socket(const struct hsp_internals *in, const char *name, uint8_t **ring)
{
	struct sockaddr_ll sll;
	struct tpacket_req req = {
		.tp_block_size = HSP_RING_BLOCK,
		.tp_block_nr = (unsigned int)(HSP_RING_SIZE / HSP_RING_BLOCK),
		.tp_frame_size = HSP_RING_FRAME,
		.tp_frame_nr = HSP_RING_FRAMES,
	};
	int one = 1, buf = HSP_SOCKBUF, ver = TPACKET_V2, fd;
	void *map;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    htons(ETH_P_ALL));
	if (fd < 0) {
		RTE_LOG(ERR, PMD, "%s: AF_PACKET socket: %s\n", name,
			strerror(errno));
		return -errno;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) <
	    0) {
		RTE_LOG(ERR, PMD, "%s: PACKET_VNET_HDR: %s\n", name,
			strerror(errno));
		goto fail;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_COPY_THRESH, &one,
		       sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) {
		RTE_LOG(ERR, PMD, "%s: TPACKET_V2 RX ring: %s\n", name,
			strerror(errno));
		goto fail;
	}
	map = mmap(NULL, HSP_RING_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED) {
		RTE_LOG(ERR, PMD, "%s: mmap of the RX ring: %s\n", name,
			strerror(errno));
		goto fail;
	}
	*ring = map;
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
			 sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = in->ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		RTE_LOG(ERR, PMD, "%s: bind to %s: %s\n", name, in->ifname,
			strerror(errno));
		goto fail;
	}
	if (in->nb_queues > 1) {
		int arg = ((getpid() ^ in->ifindex) & 0xffff) |
			  (PACKET_FANOUT_HASH << 16);

		if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg,
			       sizeof(arg)) < 0) {
			RTE_LOG(ERR, PMD, "%s: PACKET_FANOUT: %s\n", name,
				strerror(errno));
			goto fail;
		}
	}
	return fd;
fail:
	one = -errno;
	if (*ring != NULL)
		munmap(*ring, HSP_RING_SIZE);
	*ring = NULL;
	close(fd);
	return one;
}

static int
hsp_kv_str(const char *key, const char *value, void *opaque)
{
	snprintf(opaque, IFNAMSIZ, "%s", value);
	return strlen(value) < IFNAMSIZ ? 0 : -ENAMETOOLONG;
}

static int
hsp_kv_u16(const char *key, const char *value, void *opaque)
{
	char *end;
	unsigned long v = strtoul(value, &end, 10);

	if (*value == '\0' || *end != '\0' || v == 0 || v > HSP_MAX_QUEUES)
		return -EINVAL;
	*(uint16_t *)opaque = (uint16_t)v;
	return 0;
}

static int
hsp_probe(struct rte_vdev_device *vdev)
{
	static const char *const keys[] = {"iface", "qpairs", NULL};
	const char *name = rte_vdev_device_name(vdev);
	struct rte_kvargs *kv;
	struct hsp_internals *in = NULL;
	struct rte_eth_dev *dev;
	struct ifreq ifr;
	char ifname[IFNAMSIZ] = "";
	uint16_t nq = 1;
	int rc = -EINVAL;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		RTE_LOG(ERR, PMD, "%s: primary processes only\n", name);
		return -ENOTSUP;
	}
	kv = rte_kvargs_parse(rte_vdev_device_args(vdev), keys);
	if (kv == NULL) {
		RTE_LOG(ERR, PMD, "%s: bad arguments (iface=IF[,qpairs=N])\n",
			name);
		return -EINVAL;
	}
	if (rte_kvargs_count(kv, "iface") != 1 ||
	    rte_kvargs_process(kv, "iface", hsp_kv_str, ifname) != 0 ||
	    rte_kvargs_process(kv, "qpairs", hsp_kv_u16, &nq) != 0) {
		RTE_LOG(ERR, PMD,
			"%s: want iface=IF (one) and qpairs=1..%d\n", name,
			HSP_MAX_QUEUES);
		goto out;
	}
	in = rte_zmalloc_socket(name, sizeof(*in), RTE_CACHE_LINE_SIZE,
				rte_socket_id());
	if (in == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(in->ifname, sizeof(in->ifname), "%s", ifname);
	in->nb_queues = nq;
	for (uint16_t i = 0; i < HSP_MAX_QUEUES; i++)
		in->fds[i] = in->rxq[i].fd = in->txq[i].fd = -1;
	in->ifindex = (int)if_nametoindex(ifname);
	if (in->ifindex == 0) {
		rc = -ENODEV;
		RTE_LOG(ERR, PMD, "%s: no interface %s\n", name, ifname);
		goto out;
	}
	memset(&ifr, 0, sizeof(ifr));
	rc = hsp_ifreq(in, SIOCGIFHWADDR, &ifr);
	if (rc != 0)
		goto out;
	memcpy(in->mac.addr_bytes, ifr.ifr_hwaddr.sa_data, RTE_ETHER_ADDR_LEN);
	for (uint16_t i = 0; i < nq; i++) {
		in->fds[i] = hsp_socket(in, name, &in->rings[i]);
		if (in->fds[i] < 0) {
			rc = in->fds[i];
			goto out;
		}
	}
	dev = rte_eth_vdev_allocate(vdev, 0);
	if (dev == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rte_free(dev->data->dev_private);
	dev->data->dev_private = in;
	dev->data->nb_rx_queues = nq;
	dev->data->nb_tx_queues = nq;
	dev->data->mac_addrs = &in->mac;
	dev->data->dev_link.link_speed = RTE_ETH_SPEED_NUM_10G;
	dev->data->dev_link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	dev->data->dev_link.link_autoneg = RTE_ETH_LINK_FIXED;
	dev->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	memset(&ifr, 0, sizeof(ifr));
	if (hsp_ifreq(in, SIOCGIFMTU, &ifr) == 0)
		dev->data->mtu = (uint16_t)ifr.ifr_mtu;
	dev->dev_ops = &hsp_ops;
	dev->rx_pkt_burst = hsp_rx;
	dev->tx_pkt_burst = hsp_tx;
	rte_eth_dev_probing_finish(dev);
	in = NULL;
	rc = 0;
out:
	if (in != NULL) {
		for (uint16_t i = 0; i < nq; i++) {
			if (in->fds[i] >= 0)
				close(in->fds[i]);
			if (in->rings[i] != NULL)
				munmap(in->rings[i], HSP_RING_SIZE);
		}
		rte_free(in);
	}
	rte_kvargs_free(kv);
	return rc;
}

static int
hsp_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev =
		rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (dev == NULL)
		return 0;
	(void)hsp_close(dev);
	return rte_eth_dev_release_port(dev);
}

int
hs_port_pkt_rx_fd(uint16_t port_id, uint16_t queue_id)
{
	struct rte_eth_dev_info info;
	const struct hsp_internals *in;

	if (rte_eth_dev_info_get(port_id, &info) != 0 ||
	    info.driver_name == NULL ||
	    strcmp(info.driver_name, hs_port_pkt_driver) != 0)
		return -1;
	in = rte_eth_devices[port_id].data->dev_private;
	return in != NULL && queue_id < in->nb_queues ? in->fds[queue_id]
						      : -1;
}

static struct rte_vdev_driver hsp_driver = {
	.probe = hsp_probe,
	.remove = hsp_remove,
};

RTE_PMD_REGISTER_VDEV(net_hs_packet, hsp_driver);
RTE_PMD_REGISTER_PARAM_STRING(net_hs_packet, "iface=<string> qpairs=<int>");
