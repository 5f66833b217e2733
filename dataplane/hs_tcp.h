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
#include <stdbool.h>
#include <stddef.h>
#include <rte_common.h>
#include <rte_mbuf.h>

struct hs_lcore;
struct hs_tcp_conn;
struct hs_tcp_cc;

/* RFC 9293 §3.3.2 states. */
enum hs_tcp_state {
	HS_TCP_CLOSED = 0, HS_TCP_LISTEN, HS_TCP_SYN_SENT, HS_TCP_SYN_RCVD,
	HS_TCP_ESTABLISHED, HS_TCP_FIN_WAIT_1, HS_TCP_FIN_WAIT_2,
	HS_TCP_CLOSE_WAIT, HS_TCP_CLOSING, HS_TCP_LAST_ACK, HS_TCP_TIME_WAIT,
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
#define HS_TW_TICK_US   1000u
#define HS_TW_BITS      12u
#define HS_TW_SLOTS     (1u << HS_TW_BITS)
#define HS_TW_LEVELS    3u             /* 4.1 s, 4.7 h, 795 days */

struct hs_timer {
	struct hs_timer *next, **pprev;  /* slot list; pprev NULL = idle */
	uint64_t expire_tick;
};

struct hs_timer_wheel {
	uint64_t cur_tick;               /* next tick to process */
	uint32_t nb_armed;               /* timers pending */
	uint64_t visited;                /* timers examined while advancing */
	struct hs_timer *slot[HS_TW_LEVELS][HS_TW_SLOTS];
};

/* ---- connection ------------------------------------------------------- */
struct hs_tcp_ops {
	int  (*accepted)(struct hs_tcp_conn *c, void *listen_arg);
	void (*readable)(struct hs_tcp_conn *c);
	void (*writable)(struct hs_tcp_conn *c);
	void (*closed)(struct hs_tcp_conn *c, int reason); /* 0, -ECONNRESET, -ETIMEDOUT */
	/* Optional: the app timer set with hs_tcp_set_timeout() expired.
	 * Same rules as the others (may send, close or abort inside). */
	void (*timeout)(struct hs_tcp_conn *c);
};

/* A simple mbuf queue linked through m->next (never transmitted as is). */
struct hs_mbuf_q {
	struct rte_mbuf *head, *tail;
	uint32_t bytes;
	uint32_t count;
	/* hs_mq_seek's cursor: mbuf hint starts at byte hint_off of the
	 * queue (NULL: none); kept valid by hs_mq_pop and hs_mq_drop. */
	struct rte_mbuf *hint;
	uint32_t hint_off;
};

#define HS_TCP_SB_MAX 8                /* SACK scoreboard ranges per conn */
#define HS_TCP_RXT_LOG 8               /* retransmission send times kept */
#define HS_TCP_TXLOG 24                /* RACK send-time ranges kept */

/* Private to the TCP module except where noted. Hot fields first. */
struct hs_tcp_conn {
	/* lookup: 4-tuple, network byte order */
	struct hs_tcp_conn *hnext;
	uint32_t faddr, laddr;
	uint16_t fport, lport;
	uint8_t state;                 /* enum hs_tcp_state */
	uint8_t snd_wscale, rcv_wscale;
	uint8_t busy;                  /* >0 while input/timer code holds it */
	uint16_t flags;                /* HS_TCPF_* (hs_tcp_var.h) */
	uint8_t dupacks;               /* consecutive duplicate ACKs */
	uint8_t listener;              /* index in hs_tcp_lcore.listeners */

	/* send sequence space, RFC 9293 §3.3.1 */
	uint32_t snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, iss;
	uint32_t cwnd, ssthresh;
	uint32_t recover;              /* NewReno, RFC 6582 */
	uint32_t max_sndwnd;           /* largest window the peer offered */
	uint16_t mss;                  /* effective send MSS */
	uint16_t rexmt_shift;          /* backoff count */

	/* receive sequence space */
	uint32_t rcv_nxt, rcv_wnd, rcv_adv, irs;

	/* RTT estimation, RFC 6298 (microseconds) */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint32_t rtt_last_us;          /* latest sample (RFC 8985 RACK.rtt) */
	uint32_t rtt_seq;              /* segment being timed */
	uint64_t rtt_start_us;         /* 0 = not timing */

	struct hs_mbuf_q sndq;         /* bytes from snd_una onwards */
	struct hs_mbuf_q rcvq;         /* in-order bytes not yet read */
	struct hs_mbuf_q ooq;          /* out-of-order segments (reassembly) */
	uint32_t ooq_fin;              /* seq of a FIN held beyond a hole */
	uint32_t sack_last;            /* seq of the latest out-of-order arrival */
	uint32_t last_rx_ms;           /* last segment accepted (keep-alive) */
	uint8_t keep_probes;           /* unanswered keep-alive probes */
	uint8_t src_held;              /* counted in hs_tcp_lcore.src_tab */
	/* RFC 7323 timestamps (HS_TCPF_TS) */
	uint32_t ts_recent;            /* TS.Recent */
	uint32_t ts_recent_ms;         /* our ms clock when TS.Recent was set */
	uint32_t ts_offset;            /* per-conn offset of our TSval clock */
	uint32_t last_ack_sent;        /* Last.ACK.sent */
	uint32_t sndbuf;               /* soft send-buffer limit, bytes
	                                * (grows with cwnd, hs_tcp_sndbuf_expand) */
	uint32_t sndbuf_grow;          /* cwnd above which sndbuf grows */
	uint32_t rcvbuf;               /* receive buffer, bytes (grows with what
	                                * the app reads per RTT, hs_tcp_rcvbuf_tune) */
	uint32_t rcv_space;            /* bytes read in the last measured RTT */
	uint32_t rcv_copied;           /* bytes read since rcv_space_us */
	uint32_t rcv_space_us;         /* start of the measurement, 0 = none */
	uint32_t prog_ms;              /* last progress: HS_TCP_PROG_BYTES acked
	                                * by the peer or read by the app */
	uint32_t prog_acc;             /* bytes of progress since prog_ms */
	/* hs_tcp_lcore.memwait list (HS_TCPF2_MEMWAIT): waiting for the
	 * lcore's memory budget to free send space */
	struct hs_tcp_conn *mw_next, **mw_pprev;

	/* RFC 6675 scoreboard: SACKed ranges above snd_una reported by the
	 * peer, sorted and disjoint ([sb[i][0], sb[i][1])). */
	uint32_t sb[HS_TCP_SB_MAX][2];
	uint8_t sb_n;
	uint32_t high_rxt;             /* RFC 6675 HighRxt */
	uint32_t rescue_rxt;           /* RFC 6675 RescueRxt (HS_TCPF2_RESCUE) */
	uint32_t lost_mark;            /* unSACKed bytes below are lost (HS_TCPF2_LOST) */
	uint32_t tlp_seq, tlp_end;     /* RFC 8985 §7: probe start, TLP.end_seq */
	/* Send times of the retransmissions not yet cumulatively acked
	 * (RFC 8985 §6.2 lost-retransmission detection, hs_tcp_sack.c):
	 * [i][0] end sequence, [i][1] low 32 bits of now_us. */
	uint32_t rxt_log[HS_TCP_RXT_LOG][2];
	uint8_t rxt_n;
	/* With HS_TCPF2_RXT_SKIP: retransmissions in [rxt_lost_end,
	 * rxt_resume) are recent, not lost: NextSeg skips them. */
	uint32_t rxt_lost_end, rxt_resume;
	/* RFC 8985 RACK (hs_tcp_sack.c): send times of the sequence space
	 * in flight, oldest first, as ranges ending at txlog[i][0] (each
	 * starts where the previous ends, the first at SND.UNA), last sent
	 * at txlog[i][1] (low 32 bits of now_us); a range is at most
	 * rack_gran_us old when a send extends it, and the last absorbs
	 * everything once the log is full.  txlog_rxt[i]: range i holds
	 * retransmitted bytes. */
	uint32_t txlog[HS_TCP_TXLOG][2];
	uint8_t txlog_rxt[HS_TCP_TXLOG];
	uint8_t txlog_n;
	uint8_t rack_flags;            /* HS_RACK_* (hs_tcp_var.h) */
	uint8_t rack_reo_mult;         /* RACK.reo_wnd_mult, 0 = 1 */
	uint8_t rack_reo_persist;      /* RACK.reo_wnd_persist */
	uint32_t rack_xmit_us;         /* RACK.xmit_ts (HS_RACK_VALID) */
	uint32_t rack_end;             /* RACK.end_seq */
	uint32_t rack_rtt_us;          /* RACK.rtt */
	uint32_t rack_fack;            /* highest SACKed/acked sequence */
	uint32_t rack_dsack_end;       /* one reo_wnd_mult step per round */
	uint32_t rtt_min_us;           /* smallest RTT sample, 0 = none */
	/* RFC 6937 Proportional Rate Reduction, during fast recovery
	 * (hs_tcp_in.c hs_tcp_prr_ack()), bytes */
	uint32_t prr_delivered;        /* prr_delivered */
	uint32_t prr_out;              /* prr_out: sent since recovery began */
	uint32_t prr_recover_fs;       /* RecoverFS: flight when it began */
	uint32_t prr_dup;              /* without SACK: bytes credited by dupacks */
	uint8_t flags2;                /* HS_TCPF2_* (hs_tcp_var.h) */
	/* Congestion control (hs_tcp_cc.c) and its per-conn state. */
	const struct hs_tcp_cc *cc;
	struct {
		double w_max;          /* RFC 9438 W_max, bytes */
		double w_est;          /* Reno-friendly estimate, bytes */
		double k_s;            /* K, seconds */
		uint64_t epoch_us;     /* start of the epoch, 0 = none */
		uint64_t acc;          /* byte-ack accumulator for increments */
		double cwnd_prior;     /* cwnd at the last reduction, bytes (§4.3) */
	} cubic;
	/* Shared by the algorithms (hs_tcp_cc.c): rounds of one flight,
	 * HyStart++ (RFC 9406) and cwnd validation (RFC 7661). */
	struct {
		uint32_t round_end;    /* RFC 9406 windowEnd: SND.MAX at round start */
		uint32_t max_flight;   /* largest flight sent this round, bytes */
		uint32_t last_max_flight; /* ... in the previous round */
		uint32_t last_min_rtt_us; /* RFC 9406 lastRoundMinRTT, 0 = none */
		uint32_t cur_min_rtt_us;  /* currentRoundMinRTT, 0 = none */
		uint32_t css_base_rtt_us; /* cssBaselineMinRtt */
		uint32_t last_send_ms; /* when new data last left (idle restart) */
		uint8_t rtt_cnt;       /* rttSampleCount (saturates) */
		uint8_t css_rounds;    /* rounds spent in CSS */
		uint8_t hystart;       /* HS_HYSTART_* (hs_tcp_cc.c) */
	} ss;

	struct hs_timer t_rexmt;       /* RTO / persist / SYN-ACK retransmit /
	                                * TLP (HS_TCPF2_PTO) */
	struct hs_timer t_misc;        /* delayed ACK / TIME_WAIT / FIN_WAIT_2 */
	struct hs_timer t_app;         /* hs_tcp_set_timeout() -> ops->timeout */
	struct hs_timer t_keep;        /* keep-alive (RFC 9293 §3.8.4) */
	struct hs_timer t_pace;        /* pacing: new data may leave again */
	uint64_t pace_next_us;         /* pacing: when the sent bytes are paid */
	uint32_t pace_credit;          /* pacing: bytes that may go unpaced (the
	                                * initial window, as fq's initial quantum) */

	struct hs_lcore *lc;
	const struct hs_tcp_ops *ops;
	void *app;                     /* public: the app's per-connection state */
	struct hs_tcp_conn *free_next; /* free list link */
	struct hs_tcp_conn *tw_next, *tw_prev; /* TIME_WAIT FIFO links */
	uint32_t id;                   /* index in the table */
} __rte_cache_aligned;

struct hs_tcp_listener {
	uint16_t port;                 /* network byte order, 0 = unused */
	bool closed;                   /* hs_tcp_unlisten(): SYNs get RST */
	const struct hs_tcp_ops *ops;
	void *arg;
};

#define HS_TCP_MAX_LISTENERS 8

/* Per-lcore TCP state, embedded in struct hs_lcore. */
struct hs_tcp_lcore {
	struct hs_tcp_conn *conns;     /* preallocated array */
	struct hs_tcp_conn *free_list;
	struct hs_tcp_conn **hash;     /* buckets */
	uint32_t hash_mask;
	uint32_t max_conns;
	uint32_t nb_conns;
	struct hs_tcp_listener listeners[HS_TCP_MAX_LISTENERS];
	struct hs_timer_wheel wheel;
	uint64_t isn_secret[2];        /* RFC 6528 key */
	uint32_t ooq_mbufs;            /* mbufs held in all conns' ooq */
	uint32_t rcvq_mbufs;           /* mbufs held in all conns' rcvq */
	uint32_t sndq_mbufs;           /* mbufs held in all conns' sndq */
	/* Memory budget (hs_tcp_mem.c), in mbufs held by the queues above:
	 * data is queued up to mem_max; a conn below its guaranteed minimum
	 * may go on into mem_reserve; above mem_high the shedder resets the
	 * conns that hold most and progress least. */
	uint32_t mem_max, mem_high, mem_reserve;
	uint32_t shed_cursor;          /* next table index the shedder visits */
	uint64_t mem_tick_us;          /* next hs_tcp_mem_tick() pass */
	struct hs_tcp_conn *memwait;   /* conns waiting for send space */
	/* Challenge-ACK budget (RFC 5961 §7, hs_tcp_challenge_ack): an
	 * interval of random length with a random number of ACKs. */
	uint32_t chack_epoch_ms;       /* start of the current interval */
	uint32_t chack_len_ms;         /* its length, 0 = none yet */
	uint32_t chack_left;           /* challenge ACKs still allowed in it */
	uint64_t chack_key[2];         /* SipHash key of the budget draws */
	uint64_t chack_draws;          /* draws so far: the PRF's counter */
	uint32_t nb_synrcvd;           /* SYN backlog: conns in SYN_RCVD */
	/* Conns in TIME_WAIT, oldest first: a full table recycles the
	 * head for a new SYN (hs_tcp_conn_new). */
	struct hs_tcp_conn *tw_head, *tw_tail;
	uint32_t cookie_last_ms;       /* when a SYN cookie was last sent */
	bool cookies_used;             /* cookie_last_ms is valid */
	/* Connections per source address: open addressing, linear probing,
	 * HS_TCP_SRC_SLOTS entries (count 0 = free). */
	struct hs_tcp_src { uint32_t addr, count; } *src_tab;
	uint32_t src_mask;
};

/* Tunables (process-wide, set before start). */
struct hs_tcp_params {
	uint32_t sndbuf;               /* initial send buffer, default 256 KiB */
	uint32_t sndbuf_max;           /* autotuned up to this, default 4 MiB
	                                * (at or below sndbuf: no autotuning) */
	uint32_t rcvbuf;               /* initial receive buffer, default 256 KiB */
	uint32_t rcvbuf_max;           /* autotuned up to this, default 4 MiB (the
	                                * window scale covers it; at or below
	                                * rcvbuf: no autotuning) */
	uint32_t msl_ms;               /* TIME_WAIT = 2*MSL; default 30 s */
	uint32_t rto_min_ms;           /* default 200 */
	uint32_t rto_max_ms;           /* default 60000 */
	uint32_t rto_init_ms;          /* default 1000 (RFC 6298) */
	uint32_t syn_retries;          /* SYN-ACK retransmits, default 5 */
	uint32_t data_retries;         /* RTO retransmits before abort, default 15 */
	uint32_t delack_ms;            /* default 40 */
	uint32_t fin_wait2_ms;         /* orphaned FIN_WAIT_2 limit, default 60000 */
	uint32_t ooq_max_segs;         /* out-of-order segments per conn, default 256
	                                  * (a full 256 KiB window at MSS >= 1024) */
	uint32_t ooq_lcore_max;        /* out-of-order mbufs per lcore, default 16384 */
	uint32_t challenge_ack_limit;  /* per lcore per second on average (RFC 5961 §7),
	                                  * default 1000; see hs_tcp_challenge_ack */
	uint32_t keepalive_ms;         /* idle time before probes, 0 = off (default) */
	uint32_t keepalive_intvl_ms;   /* between probes, default 75000 */
	uint32_t keepalive_probes;     /* unanswered probes before reset, default 9 */
	uint32_t syncookies;           /* 0 never, 1 when backlog full (default), 2 always */
	uint32_t syn_backlog;          /* SYN_RCVD conns per lcore before cookies, default 1024 */
	uint32_t cc;                   /* HS_TCP_CC_CUBIC (default) or HS_TCP_CC_NEWRENO */
	uint32_t max_per_source;       /* conns per source IPv4 per lcore, 0 = no limit */
	uint32_t time_wait_ms;         /* TIME_WAIT length, 0 = 2*msl_ms (default) */
	uint32_t rcvq_lcore_max;       /* in-order receive mbufs per lcore, 0 = no limit (default):
	                                * mem_lcore_max bounds them with the rest */
	uint32_t mem_lcore_max;        /* mbufs all conns of an lcore may hold in their
	                                * queues (send, receive, out-of-order);
	                                * 0 = derived from the pool (hs_tcp_mem_auto) */
	uint32_t initcwnd;             /* initial window in segments (RFC 6928), default 10 */
	uint32_t pacing;               /* 1 (default): new data leaves at 2x (slow
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
static inline uint32_t hs_tcp_buf_mbufs(uint32_t bytes) { return bytes / 1024u + 16u; }
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
int  hs_tcp_lcore_init(struct hs_lcore *lc, uint32_t max_conns);
void hs_tcp_lcore_fini(struct hs_lcore *lc); /* frees everything, no callbacks */
/* m's data at the IPv4 header, m->l3_len set. Consumes m. */
void hs_tcp_input(struct hs_lcore *lc, struct rte_mbuf *m);
/* Advance the timer wheel to lc->now_us, running expired timers. */
void hs_tcp_timer_run(struct hs_lcore *lc);

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

static inline void *hs_tcp_app(const struct hs_tcp_conn *c) { return c->app; }
static inline void hs_tcp_set_app(struct hs_tcp_conn *c, void *p) { c->app = p; }
static inline struct hs_lcore *hs_tcp_lcore_of(const struct hs_tcp_conn *c) { return c->lc; }
/* The peer's IPv4 address and port, network byte order (the fields stay
 * private: layers above use these). */
static inline uint32_t hs_tcp_peer_addr(const struct hs_tcp_conn *c) { return c->faddr; }
static inline uint16_t hs_tcp_peer_port(const struct hs_tcp_conn *c) { return c->fport; }

#endif
