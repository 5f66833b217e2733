/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_pipe.h - a TLS client/server pair over memory pipes, for unit
 * tests (tests/support): a wolfSSL client (its own I/O callbacks) against
 * an hs_tls session (pull/push), each direction a byte FIFO that also
 * logs its first bytes for record scans.  The server transport can be
 * throttled (short pulls, refused pushes) to drive -EAGAIN paths.
 * Every loop is bounded in rounds.
 */
#ifndef HS_TLS_PIPE_H
#define HS_TLS_PIPE_H

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hs_tls.h"

#define PIPE_CAP (1u << 20)
#define LOG_CAP  4096

struct pipe {
	uint8_t *buf;
	size_t head, len;
	bool eof;
	uint8_t log[LOG_CAP]; /* first bytes ever written, for record scans */
	size_t loglen;
};

struct srv_io {
	struct pipe *in, *out;
	size_t pull_max;     /* 0: unlimited */
	bool pull_alternate; /* every other pull reports "nothing now" */
	bool pull_toggle;
	bool push_throttle; /* push takes at most push_credit, then 0 */
	size_t push_max, push_credit;
	int push_refused;
	int pull_refused;
	size_t peek_piece; /* views: pieces of at most this (0: ring runs) */
	int peeks;         /* views handed out (pair_use_views) */
	int pulls;         /* srv_pull calls */
	/* our own records' output (hs_tls_rec_out_ops, srv_rec_ops): the
	 * plaintext's places are seg_len-byte pieces (0: 2048, as mbufs)
	 * with a gap between them; with push_throttle, room for a record is
	 * refused (-EAGAIN) while push_credit is short of it */
	size_t seg_len;
	int rec_refused;    /* get() answered -EAGAIN */
	int rec_pieces_max; /* most pieces one record was sealed into */
	uint64_t rec_count; /* records handed over (put, commit) */
	size_t rec_tail;    /* tail room of the record being sealed */
};

struct cli_io {
	struct pipe *in, *out;
};

struct pair {
	struct pipe c2s, s2c;
	struct srv_io sio;
	struct cli_io cio;
	WOLFSSL_CTX *cctx;
	WOLFSSL *cli;
	struct hs_tls_sess *srv;
	int srv_rc;  /* last hs_tls_handshake result */
	int cli_err; /* wolfSSL error of a failed client connect, or 0 */
	bool cli_done;
};

void pipe_init(struct pipe *p);
void pipe_fini(struct pipe *p);
size_t pipe_put(struct pipe *p, const uint8_t *d, size_t n);
size_t pipe_get(struct pipe *p, uint8_t *d, size_t n);
/* Offset of the first record of a content type in a pipe's log, or -1. */
long log_find_record(const struct pipe *p, uint8_t type);

/* The server side's own-record output into its out pipe (srv_io). */
extern const struct hs_tls_rec_out_ops srv_rec_ops;
/* The server side's hs_tls pull/push (io is a struct srv_io). */
int srv_pull(void *io, uint8_t *buf, size_t len);
int srv_push(void *io, const uint8_t *buf, size_t len);
/* Views of the server's input (hs_tls_sess_set_views), as the TCP
 * receive queue gives them: pieces into the ring, piece bytes at most. */
int srv_peek(void *io, size_t len, struct hs_tls_iov *v, int max);
void srv_drop(void *io, size_t len);
void pair_use_views(struct pair *p, size_t piece);
/* The client side's wolfSSL I/O callbacks (ctx is a struct cli_io). */
int cli_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx);
int cli_send(WOLFSSL *ssl, char *buf, int sz, void *ctx);

/* A pair: server session on ctx, client of method (ciphers, or NULL for
 * the library's list) verifying the server against ca_file for the name
 * "localhost".  0, or -1 (pair_fini still frees what was made). */
int pair_init_ctx(struct pair *p, struct hs_tls_ctx *ctx, const char *ca_file,
		  WOLFSSL_METHOD *method, const char *ciphers);
void pair_fini(struct pair *p);
/* One wolfSSL_connect step of the client. */
void client_step(struct pair *p);
/* Run both handshakes until each side is done or failed. */
void pump_handshake(struct pair *p);
/* Read exactly len bytes at the client / at the server. */
bool client_read_all(struct pair *p, uint8_t *buf, size_t len);
bool server_read_all(struct pair *p, uint8_t *buf, size_t len);
/* Deterministic test bytes from seed. */
void fill_pattern(uint8_t *b, size_t n, uint32_t seed);

#endif
