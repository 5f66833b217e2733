/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tcp.h - userspace TCP (RFC 9293): public API for applications and the
 * per-lcore state the poll loop owns.
 *
 * Files: hs_tcp_conn.c (table, listeners, app API), hs_tcp_in.c (segment
 * arrival, RFC 9293 §3.10.7), hs_tcp_out.c (segment building, output),
 * hs_tcp_timer.c (timer wheel, RTO, delayed ACK, TIME_WAIT),
 * hs_tcp_connect.c (active open: SYN_SENT).
 *
 * Application model (run to completion, single lcore, no locks):
 *   - hs_tcp_listen() registers ops for a local port.
 *   - ops->accepted() is called when a passive open reaches ESTABLISHED;
 *     the app stores its state with hs_tcp_set_app().
 *   - ops->readable() is called when in-order data (or the peer's FIN) is
 *     available; the app pulls bytes with hs_tcp_recv().
 *   - ops->writable() is called when ACKs free send space.
 *   - ops->closed() is called exactly once per accepted connection when it
 *     is gone (after a graceful close, a RST, a timeout), except after the
 *     app's own hs_tcp_abort().  The conn pointer is invalid after it.
 *   - Callbacks are never invoked from inside an hs_tcp_* call made by the
 *     app, only from hs_tcp_input() and hs_tcp_timer_run().
 *   - Data queued with hs_tcp_send() is transmitted when a callback
 *     returns, or when the app calls hs_tcp_push().
 */
#ifndef HS_TCP_H
#define HS_TCP_H

#include <stdint.h>
#include <sys/uio.h>
#include <stdbool.h>
#include <stddef.h>
#include <rte_common.h>
#include <rte_mbuf.h>

struct hs_lcore;
/* A connection: opaque here (defined in hs_tcp_var.h, private to the TCP
 * implementation); read through the accessors below. */
struct hs_tcp_conn;
struct hs_tcp_cc;

/* RFC 9293 §3.3.2 states. */
enum hs_tcp_state {
	HS_TCP_CLOSED = 0,
	HS_TCP_LISTEN,
	HS_TCP_SYN_SENT,
	HS_TCP_SYN_RCVD,
	HS_TCP_ESTABLISHED,
	HS_TCP_FIN_WAIT_1,
	HS_TCP_FIN_WAIT_2,
	HS_TCP_CLOSE_WAIT,
	HS_TCP_CLOSING,
	HS_TCP_LAST_ACK,
	HS_TCP_TIME_WAIT,
};

/* Sequence space comparisons (RFC 9293 §3.4), modulo 2^32. */
#define HS_SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define HS_SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define HS_SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define HS_SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

/* ---- timer wheel ------------------------------------------------------ */
/* Hierarchical timing wheel (Varghese & Lauck, scheme 7): level 0 has
 * HS_TW_SLOTS slots of one tick (HS_TW_TICK_US), level n slots of
 * HS_TW_SLOTS^n ticks.  Cost per tick is O(timers expiring) plus, once
 * per level-n slot period, moving the timers of one slot down: each timer
 * is touched at most HS_TW_LEVELS times in its life, never because other
 * connections sit idle.  Expiry stays exact to the tick. */
#define HS_TW_TICK_US 1000u
#define HS_TW_BITS    12u
#define HS_TW_SLOTS   (1u << HS_TW_BITS)
#define HS_TW_LEVELS  3u /* 4.1 s, 4.7 h, 795 days */

struct hs_timer {
	struct hs_timer *next, **pprev; /* slot list; pprev NULL = idle */
	uint64_t expire_tick;
};

struct hs_timer_wheel {
	uint64_t cur_tick; /* next tick to process */
	uint32_t nb_armed; /* timers pending */
	uint64_t visited;  /* timers examined while advancing */
	struct hs_timer *slot[HS_TW_LEVELS][HS_TW_SLOTS];
};

/* How long the lcore may sleep before hs_tcp_timer_run() has work: µs
 * from now_us to the first tick that holds an armed timer (or where a
 * higher level's timers come down and may be due), at most max_us; 0 if
 * one is due now.  Looks at no more than max_us / HS_TW_TICK_US + 1
 * level-0 slots.  Inline: the lcore loop (hs_lcore.c, below TCP) asks. */
static inline uint64_t
hs_tw_idle_us(const struct hs_timer_wheel *w, uint64_t now_us,
	      uint64_t max_us)
{
	uint64_t end = (now_us + max_us) / HS_TW_TICK_US, t;

	if (w->nb_armed == 0)
		return max_us;
	for (t = w->cur_tick; t <= end; t++) {
		/* a level-0 slot holds the timers due at its tick only; at
		 * a level-0 revolution (hs_tw_tick) higher levels cascade
		 * down and may be due at once */
		if (w->slot[0][t & (HS_TW_SLOTS - 1)] != NULL ||
		    (t & (HS_TW_SLOTS - 1)) == 0)
			break;
	}
	if (t > end)
		return max_us;
	return t * HS_TW_TICK_US > now_us ? t * HS_TW_TICK_US - now_us : 0;
}

/* ---- connection ------------------------------------------------------- */
struct hs_tcp_ops {
	int (*accepted)(struct hs_tcp_conn *c, void *listen_arg);
	void (*readable)(struct hs_tcp_conn *c);
	void (*writable)(struct hs_tcp_conn *c);
	void (*closed)(struct hs_tcp_conn *c,
		       int reason); /* 0, -ECONNRESET, -ETIMEDOUT */
	/* Optional: the app timer set with hs_tcp_set_timeout() expired.
	 * Same rules as the others (may send, close or abort inside). */
	void (*timeout)(struct hs_tcp_conn *c);
};

struct hs_tcp_listener {
	uint16_t port; /* network byte order, 0 = unused */
	bool closed;   /* hs_tcp_unlisten(): SYNs get RST */
	const struct hs_tcp_ops *ops;
	void *arg;
};

#define HS_TCP_MAX_LISTENERS 8

/* Per-lcore TCP state, embedded in struct hs_lcore. */
struct hs_tcp_lcore {
	struct hs_tcp_conn *conns; /* preallocated array */
	struct hs_tcp_conn *free_list;
	struct hs_tcp_conn **hash; /* buckets */
	uint32_t hash_mask;
	uint32_t max_conns;
	uint32_t nb_conns;
	struct hs_tcp_listener listeners[HS_TCP_MAX_LISTENERS];
	struct hs_timer_wheel wheel;
	uint64_t isn_secret[2]; /* RFC 6528 key */
	uint32_t ooq_mbufs;     /* mbufs held in all conns' ooq */
	uint32_t rcvq_mbufs;    /* mbufs held in all conns' rcvq */
	uint32_t sndq_mbufs;    /* mbufs held in all conns' sndq */
	/* Memory budget (hs_tcp_mem.c), in mbufs held by the queues above:
	 * data is queued up to mem_max; a conn below its guaranteed minimum
	 * may go on into mem_reserve; above mem_high the shedder resets the
	 * conns that hold most and progress least. */
	uint32_t mem_max, mem_high, mem_reserve;
	uint32_t shed_cursor;        /* next table index the shedder visits */
	uint64_t mem_tick_us;        /* next hs_tcp_mem_tick() pass */
	struct hs_tcp_conn *memwait; /* conns waiting for send space */
	/* conns holding new data back for the TX backlog (hs_lcore.h
	 * HS_TXQ_HIGH), oldest first */
	struct hs_tcp_conn *txwait, **txwait_tail;
	/* Challenge-ACK budget (RFC 5961 §7, hs_tcp_challenge_ack): an
	 * interval of random length with a random number of ACKs. */
	uint32_t chack_epoch_ms; /* start of the current interval */
	uint32_t chack_len_ms;   /* its length, 0 = none yet */
	uint32_t chack_left;     /* challenge ACKs still allowed in it */
	uint64_t chack_key[2];   /* SipHash key of the budget draws */
	uint64_t chack_draws;    /* draws so far: the PRF's counter */
	uint32_t nb_synrcvd;     /* SYN backlog: conns in SYN_RCVD */
	/* Conns in TIME_WAIT, oldest first: a full table recycles the
	 * head for a new SYN (hs_tcp_conn_new). */
	struct hs_tcp_conn *tw_head, *tw_tail;
	uint32_t cookie_last_ms; /* when a SYN cookie was last sent */
	bool cookies_used;       /* cookie_last_ms is valid */
	/* The conn taking a chained frame as pieces (hs_tcp_input_chain):
	 * its output (ACKs, data) waits for the frame's end, one ACK per
	 * frame as for any segment. */
	struct hs_tcp_conn *rx_defer;
	/* Connections per source address: open addressing, linear probing,
	 * HS_TCP_SRC_SLOTS entries (count 0 = free). */
	struct hs_tcp_src {
		uint32_t addr, count;
	} * src_tab;
	uint32_t src_mask;
	/* SACK scoreboard blocks (hs_tcp_sack.c): sb_blocks of
	 * HS_TCP_SB_BIG ranges; a free one holds the index of the next
	 * free one in its first word, sb_free the first (UINT32_MAX: none). */
	uint32_t (*sb_pool)[2];
	uint32_t sb_blocks, sb_free;
};

/* Tunables (process-wide, set before start). */
struct hs_tcp_params {
	uint32_t sndbuf;       /* initial send buffer, default 256 KiB */
	uint32_t sndbuf_max;   /* autotuned up to this, default 4 MiB
	                                * (at or below sndbuf: no autotuning) */
	uint32_t rcvbuf;       /* initial receive buffer, default 256 KiB */
	uint32_t rcvbuf_max;   /* autotuned up to this, default 4 MiB (the
	                                * window scale covers it; at or below
	                                * rcvbuf: no autotuning) */
	uint32_t msl_ms;       /* TIME_WAIT = 2*MSL; default 30 s */
	uint32_t rto_min_ms;   /* default 200 */
	uint32_t rto_max_ms;   /* default 60000 */
	uint32_t rto_init_ms;  /* default 1000 (RFC 6298) */
	uint32_t syn_retries;  /* SYN-ACK retransmits, default 5 */
	uint32_t data_retries; /* RTO retransmits before abort, default 15 */
	uint32_t delack_ms;    /* default 40 */
	uint32_t fin_wait2_ms; /* orphaned FIN_WAIT_2 limit, default 60000 */
	/* Out-of-order segments per conn; 0 (default): bounded only by the
	 * receive buffer's mbuf budget, as the window offered is.  A cap
	 * below the window drops in-window data behind a hole, which the
	 * sender can only repair by RTO (lossy uploads stalled on it). */
	uint32_t ooq_max_segs;
	uint32_t
		ooq_lcore_max; /* out-of-order mbufs per lcore, default 16384 */
	uint32_t
		challenge_ack_limit; /* per lcore per second on average (RFC 5961 §7),
	                                  * default 1000; see hs_tcp_challenge_ack */
	uint32_t keepalive_ms; /* idle time before probes, 0 = off (default) */
	uint32_t keepalive_intvl_ms; /* between probes, default 75000 */
	uint32_t
		keepalive_probes; /* unanswered probes before reset, default 9 */
	uint32_t
		syncookies; /* 0 never, 1 when backlog full (default), 2 always */
	uint32_t
		syn_backlog; /* SYN_RCVD conns per lcore before cookies, default 1024 */
	uint32_t cc; /* HS_TCP_CC_CUBIC (default) or HS_TCP_CC_NEWRENO */
	uint32_t
		max_per_source; /* conns per source IPv4 per lcore, 0 = no limit */
	uint32_t time_wait_ms; /* TIME_WAIT length, 0 = 2*msl_ms (default) */
	uint32_t
		rcvq_lcore_max; /* in-order receive mbufs per lcore, 0 = no limit (default):
	                                * mem_lcore_max bounds them with the rest */
	uint32_t mem_lcore_max; /* mbufs all conns of an lcore may hold in their
	                                * queues (send, receive, out-of-order);
	                                * 0 = derived from the pool (hs_tcp_mem_auto) */
	uint32_t
		initcwnd; /* initial window in segments (RFC 6928), default 10 */
	uint32_t pacing;  /* 1 (default): new data leaves at 2x (slow
	                                * start) or 1.2x (after) cwnd/SRTT in bursts
	                                * of about 1 ms; 0: as the window allows */
};
extern struct hs_tcp_params hs_tcp_params;
/* hs_tcp_params.initcwnd: RFC 6928's 10 segments by default. */
#define HS_TCP_INITCWND_DEFAULT 10u
#define HS_TCP_INITCWND_MAX     100u

/* Congestion control algorithms (hs_tcp_params.cc). */
enum { HS_TCP_CC_CUBIC = 0, HS_TCP_CC_NEWRENO = 1 };
/* Index for a name ("cubic", "newreno"), -1 if unknown. */
int hs_tcp_cc_find(const char *name);

/* Per-connection mbuf budgets follow the byte budgets: a queue may hold
 * bytes/1024 + 16 mbufs (a full 256 KiB window of 1 KB segments). */
static inline uint32_t
hs_tcp_buf_mbufs(uint32_t bytes)
{
	return bytes / 1024u + 16u;
}
/* A conn may always queue this many send mbufs (one 16 KB TLS record and
 * its head: handshakes, alerts, small answers), from the lcore's reserve
 * when the budget is spent. */
#define HS_TCP_SND_MIN_MBUFS 12u
/* Default per-lcore budget for a pool of pool_size mbufs shared by
 * nb_lcores polling lcores, each with rx_desc + tx_desc descriptors:
 * the pool minus the rings, the mempool caches (512 per lcore) and a
 * reserve of 1/8 for control frames (ACK, RST, SYN-ACK) and handshakes,
 * split evenly; at least 256. */
uint32_t hs_tcp_mem_auto(uint32_t pool_size, uint32_t nb_lcores,
			 uint32_t rx_desc, uint32_t tx_desc);

/* ---- lcore side ---- */
int hs_tcp_lcore_init(struct hs_lcore *lc, uint32_t max_conns);
void
hs_tcp_lcore_fini(struct hs_lcore *lc); /* frees everything, no callbacks */
/* Replace the lcore's random ISN / timestamp-offset secret (RFC 6528)
 * with a fixed one.  For load generators only: with the same secret in
 * every run, a 4-tuple's ISN and TSval keep growing across process
 * restarts (both clocks are the TSC), so a server's TIME_WAIT takes the
 * new SYN over (RFC 6191) instead of answering a lower TSval with an
 * ACK, the client's RST and its SYN retransmission a second later.  A
 * server keeps the random secret: a fixed one makes ISNs predictable.
 * The secret also seeds the connection hash: only while the lcore holds
 * no connection (0, or -EBUSY). */
int hs_tcp_lcore_set_secret(struct hs_lcore *lc, uint64_t k0, uint64_t k1);
/* m's data at the IPv4 header, m->l3_len set. Consumes m. */
void hs_tcp_input(struct hs_lcore *lc, struct rte_mbuf *m);
/* Advance the timer wheel to lc->now_us, running expired timers. */
void hs_tcp_timer_run(struct hs_lcore *lc);
/* The TX backlog went down to HS_TXQ_LOW: let the conns that held new
 * data back send again, oldest first, while there is room. */
void hs_tcp_txwait_wake(struct hs_lcore *lc);

/* ---- application side ---- */
/* Active open to faddr (network order):fport from our address and lport
 * (0: an ephemeral port, RFC 6335 range).  The conn starts in SYN_SENT
 * with app as hs_tcp_app(); ops->accepted(c, app) runs once it is
 * ESTABLISHED ("connected"), ops->closed(c, -ECONNREFUSED | -ETIMEDOUT
 * | ...) if it never gets there.  NULL with rte_errno set (EINVAL,
 * EADDRINUSE, EADDRNOTAVAIL, ENOSPC: table or per-address limit). */
struct hs_tcp_conn *hs_tcp_connect(struct hs_lcore *lc, uint32_t faddr,
				   uint16_t fport_host, uint16_t lport_host,
				   const struct hs_tcp_ops *ops, void *app);
int hs_tcp_listen(struct hs_lcore *lc, uint16_t port_host_order,
		  const struct hs_tcp_ops *ops, void *arg);
/* Stop accepting on a port: new SYNs (and ACKs of SYN cookies) are
 * answered with RST as for a closed port; established connections and
 * those already in SYN_RCVD are not touched (the latter still reach
 * ops->accepted()).  The slot stays reserved.  0 or -ENOENT. */
int hs_tcp_unlisten(struct hs_lcore *lc, uint16_t port_host_order);
/* Copy up to len in-order bytes out of the receive queue; reopens the
 * window. Returns bytes copied (0 if none). */
size_t hs_tcp_recv(struct hs_tcp_conn *c, void *buf, size_t len);
/* Views of the first len bytes of the receive queue, for an app that
 * works on them where they lie (our TLS record layer opens records in
 * place): fills up to max pieces, in order, each writable (a shared or
 * indirect mbuf is first replaced by a private copy), nothing consumed.
 * Returns the number of pieces (> 0); 0 if fewer than len bytes wait;
 * -EPIPE if fewer wait and the peer's FIN came; -E2BIG if more than max
 * pieces hold them; -ENOMEM if a copy could not be made; -EINVAL.  The
 * views stay valid until hs_tcp_recv/hs_tcp_recv_drop or the conn ends. */
int hs_tcp_recv_peek(struct hs_tcp_conn *c, size_t len, struct iovec *v,
		     int max);
/* Consume the first len bytes of the receive queue (as hs_tcp_recv,
 * without the copy): frees them, reopens the window. */
void hs_tcp_recv_drop(struct hs_tcp_conn *c, size_t len);
/* Bytes waiting in the receive queue. */
uint32_t hs_tcp_recv_avail(const struct hs_tcp_conn *c);
/* True once the peer's FIN has been received (more data will never come;
 * hs_tcp_recv may still return queued bytes). */
bool hs_tcp_peer_closed(const struct hs_tcp_conn *c);
/* Free space under the send budget (0 when full): the conn's buffer
 * (bounded by what its peer's window shows it can take) and, once the
 * lcore's memory budget is spent, a small guaranteed minimum only
 * (hs_tcp_mem.c).  0 because of the lcore: ops->writable() follows when
 * memory frees.  Producers stop at 0 and resume from writable(). */
uint32_t hs_tcp_send_space(struct hs_tcp_conn *c);
/* Bytes in the send queue not yet acknowledged (sent or not). */
uint32_t hs_tcp_send_queued(const struct hs_tcp_conn *c);
/* Queue len bytes for sending (copied).  Always takes all of them unless
 * mbufs run out or a memory budget refuses them (-ENOBUFS, counted in
 * drop_tcp_snd_mem; writable() follows later) or the connection can no
 * longer send (-EPIPE); may exceed hs_tcp_send_space() by a little (the
 * hard bound is the conn's mbuf budget plus HS_TCP_SND_MIN_MBUFS),
 * callers check hs_tcp_send_space() first.
 * Returns len or a negative code. */
int hs_tcp_send(struct hs_tcp_conn *c, const void *buf, size_t len);
/* Queue the bytes of the mbuf chain m (pkt_len bytes) without copying:
 * its segments join the send queue as they are, and frames on the wire
 * reference their buffers until acknowledged and transmitted, so the
 * caller must not write into them afterwards.  Consumes m always, also
 * on error.  Returns the number of bytes queued, or -EPIPE (the
 * connection can no longer send), -EINVAL (m NULL or too long).  Like
 * hs_tcp_send, may exceed the soft limit. */
int hs_tcp_send_mbuf(struct hs_tcp_conn *c, struct rte_mbuf *m);
/* Queue len bytes of long-lived memory by reference: external-buffer
 * mbufs (rte_pktmbuf_attach_extbuf) over [buf, buf+len), no copy.
 * shinfo describes the memory's owner: every mbuf the stack attaches to
 * it (queue mbufs and the views of frames in flight) holds a reference
 * (rte_mbuf_ext_refcnt_update), dropped when that mbuf is freed, which
 * is after acknowledgement and after transmission; shinfo->free_cb runs
 * once the count reaches zero, on this lcore (or, at shutdown, on the
 * thread freeing the port's queues).  The caller must hold a reference
 * of its own across the call (typically for as long as it may queue
 * more bytes of the same memory) and drop it with hs_tcp_ext_put().
 * Consecutive calls with adjacent memory and the same shinfo extend the
 * queue's last mbuf.  Falls back to copying (hs_tcp_send) when the port
 * may DMA (lc->tx_ext_ok false) or shinfo holds more than
 * HS_TCP_EXT_REFS_MAX references.  Returns len or -EPIPE / -ENOBUFS /
 * -EINVAL, in which case nothing was queued. */
#define HS_TCP_EXT_REFS_MAX 32768u
int hs_tcp_send_ext(struct hs_tcp_conn *c, const void *buf, size_t len,
		    struct rte_mbuf_ext_shared_info *shinfo);
/* Drop one reference on shinfo (the caller's own): runs free_cb when it
 * was the last.  addr is handed to free_cb. */
void hs_tcp_ext_put(struct rte_mbuf_ext_shared_info *shinfo, void *addr);
/* Transmit what the window allows now. */
void hs_tcp_push(struct hs_tcp_conn *c);
/* An ACK the delayed-ACK timer holds goes out now (with queued data if
 * the window allows, else alone); nothing if no ACK is owed.  For an app
 * that consumed input and has nothing to answer until the peer sends
 * more (a TLS handshake between flights): a peer whose Nagle algorithm
 * holds its next small segment until this one is acknowledged would
 * otherwise wait delack_ms (Nagle: RFC 9293 §3.7.4; delayed ACKs:
 * §3.8.6.3). */
void hs_tcp_ack_now(struct hs_tcp_conn *c);
/* Graceful close: FIN after all queued data.  ops->closed() follows later. */
void hs_tcp_close(struct hs_tcp_conn *c);
/* Abortive close: send RST, free now.  ops->closed() is NOT called. */
void hs_tcp_abort(struct hs_tcp_conn *c);
/* One application timer per conn: ops->timeout(c) is called once, us
 * microseconds from now (rounded up to the wheel tick, HS_TW_TICK_US).
 * Re-arming replaces the previous deadline; us == 0 cancels.  Cancelled
 * automatically when the conn is closed()/aborted or enters TIME_WAIT. */
void hs_tcp_set_timeout(struct hs_tcp_conn *c, uint64_t us);

/* Connection accessors: struct hs_tcp_conn is private to the TCP
 * implementation (hs_tcp_var.h); layers above read it only through these
 * and the calls above. */
void *
hs_tcp_app(const struct hs_tcp_conn *c); /* the app's per-connection state */
void hs_tcp_set_app(struct hs_tcp_conn *c, void *p);
struct hs_lcore *hs_tcp_lcore_of(const struct hs_tcp_conn *c);
/* The peer's IPv4 address and port, network byte order. */
uint32_t hs_tcp_peer_addr(const struct hs_tcp_conn *c);
uint16_t hs_tcp_peer_port(const struct hs_tcp_conn *c);

#endif
