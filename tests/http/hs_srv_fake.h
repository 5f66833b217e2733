/* SPDX-License-Identifier: BSD-3-Clause
 * hs_srv_fake.h - a fake transport under http/hs_server.c, for unit tests
 * and the fuzz_server target.
 *
 * hs_server.c is linked as it is; what it calls below itself is replaced
 * here: the TCP API (hs_tcp.h: connections, receive queue, send queue,
 * zero-copy sends, timers), TLS (hs_tls.h: a pass-through session whose
 * handshake completes at once and whose close_notify is the bytes
 * FAKE_CLOSE_NOTIFY), the lcore registry and control-plane
 * bump (hs_lcore.h) and RCU retirement (hs_rcu.h: fake_reclaim() frees
 * every retired generation its busy() callback lets go).  The mbuf pool
 * for zero-copy holders is real (DPDK EAL, --no-huge).
 *
 * Sends queue segments, copied or by reference (hs_tcp_send_ext: the
 * segment holds a reference on the caller's shinfo and points into its
 * memory); fake_transmit() reads them onto the "wire" (the client's
 * received bytes) and drops those references only then.  Segments still
 * queued when a connection is aborted or reset stay "in a TX ring"
 * (fake_flush_orphans), as frames do in the real stack, so memory they
 * point into must outlive the connection.
 */
#ifndef HS_SRV_FAKE_H
#define HS_SRV_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hs_lcore.h"
#include "hs_tcp.h"

struct hs_file_cache;

#define FAKE_MAX_CONNS  8
#define FAKE_MAX_SEGS   256
#define FAKE_IN_MAX     (1u << 16)
#define FAKE_WIRE_MAX   (1u << 20)
#define FAKE_PORT_TLS   443
#define FAKE_PORT_PLAIN 80

struct fake_seg {
	const uint8_t *p;
	size_t len;
	struct rte_mbuf_ext_shared_info *sh; /* by reference, else NULL */
	uint8_t *own;                        /* copied bytes (freed) */
};

/* hs_tcp.h leaves struct hs_tcp_conn opaque; the fake replaces the TCP
 * implementation, so it defines the struct itself with what its
 * accessors (hs_tcp_app, hs_tcp_lcore_of, hs_tcp_peer_addr, ...) return. */
struct hs_tcp_conn {
	struct hs_lcore *lc;
	void *app;
	uint32_t faddr; /* network byte order */
	uint16_t fport; /* network byte order */
};

struct fake_conn {
	struct hs_tcp_conn tcp; /* what hs_server.c sees */
	bool used;              /* slot taken */
	bool live;              /* the application owns it */
	bool srv_fin;           /* hs_tcp_close() called */
	bool peer_fin;
	uint16_t port;
	uint64_t timeout_us;   /* armed deadline, 0 = none */
	uint32_t sndbuf;       /* soft send-buffer limit */
	bool ack_owed;         /* peer bytes not yet ACKed */
	unsigned int acks_now; /* hs_tcp_ack_now() sent one */
	uint8_t in[FAKE_IN_MAX];
	size_t in_len, in_off;
	struct fake_seg segs[FAKE_MAX_SEGS];
	unsigned int nseg;
	size_t queued; /* bytes in segs */
	uint8_t *wire; /* received by the client */
	size_t wire_len;
	bool wire_overflow;
};

/* A file cache owned by a published generation: on release its file
 * bodies are overwritten with 0xdd before hs_files_free(), so a
 * response still reading them shows garbage instead of the old bytes. */
struct fake_files {
	struct hs_file_cache *fc;
	const char *const *paths; /* NULL-terminated */
	unsigned int *released;   /* counter, may be NULL */
};

/* Knobs (reset by fake_init): new TLS sessions wait for one peer byte
 * (the "ClientHello") before their handshake completes, or for
 * fake_tls_hs_bytes bytes (one per flight) when that is not 0; the next
 * handshake step / read returns this error (one shot, 0 = none); the
 * next fake_server_start/fake_reload has the access log on.
 *
 * ACKs: bytes the peer sends are owed an ACK (ack_owed) until the
 * server queues output (which carries it) or calls hs_tcp_ack_now()
 * (counted in acks_now); otherwise the delayed-ACK timer would send it. */
extern bool fake_tls_hs_wait;
/* What the pass-through session's hs_tls_shutdown() puts on the wire
 * (close_notify). */
#define FAKE_CLOSE_NOTIFY "\x15<close_notify>"
extern unsigned int fake_tls_hs_bytes;
extern int fake_tls_hs_err;
extern int fake_tls_read_err;
extern bool fake_cfg_access_log;
/* hs_server_config.rstate_max of the next start (0: the default) */
extern uint32_t fake_cfg_rstate_max;

/* EAL (--no-huge) and the mbuf pool, once per process; then a fresh
 * lcore registered as lcore 0.  ext_ok: zero-copy sends allowed. */
int fake_init(bool ext_ok);
struct hs_lcore *fake_lc(void);
/* Publish ff (ownership passes to the generation) with the server's
 * defaults (TLS on 443 over the pass-through session, plain HTTP on 80
 * serving files), and attach lcore 0. */
int fake_server_start(struct fake_files *ff);
/* SIGHUP: publish a generation with ff, let lcore 0 pick it up (its
 * ctl_fn) and reclaim what is no longer busy. */
int fake_reload(struct fake_files *ff);
/* Free retired generations that nothing holds; returns how many remain. */
unsigned int fake_reclaim(void);
/* SIGTERM drain. */
void fake_drain(void);
/* Detach the server, release every segment, free all generations.
 * Returns the number of retired generations that were still busy
 * before the final forced free (0 when every hold was dropped). */
unsigned int fake_server_stop(void);

/* A connection to port (accepted by the server), NULL if refused. */
struct fake_conn *fake_connect(uint16_t port);
/* The peer sends bytes (readable callback). */
void fake_send(struct fake_conn *fc, const void *p, size_t n);
/* The peer half-closes (readable callback). */
void fake_peer_fin(struct fake_conn *fc);
/* The peer reads up to max bytes of queued output (writable callback). */
size_t fake_transmit(struct fake_conn *fc, size_t max);
/* The connection's deadline passes (timeout callback). */
void fake_timeout(struct fake_conn *fc);
/* RST from the peer (closed callback). */
void fake_reset(struct fake_conn *fc);
/* After our FIN: everything is acknowledged, the close completes
 * (closed callback).  False if no FIN was sent. */
bool fake_close_done(struct fake_conn *fc);
/* Release the frames of connections that are gone. */
void fake_flush_orphans(void);
/* mbufs of the pool in use (zero-copy holders still alive). */
unsigned int fake_pool_in_use(void);
/* Make the next n copies (hs_tcp_send) fail with -ENOBUFS. */
void fake_nobufs(unsigned int n);

#endif
