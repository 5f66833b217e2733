/* SPDX-License-Identifier: BSD-3-Clause
 * test_tls.h - what the parts of the test_tls program share: the test's
 * contexts and certificates (set up in test_tls.c main), the pair helpers
 * and every test function.  One program, one file per part of tls/:
 *   test_tls.c        sessions (hs_tls.c): handshakes, data, alerts,
 *                     shutdown, early data; the set-up and main
 *   test_tls_ctx.c    contexts (hs_tls_ctx.c): set-up errors, chains,
 *                     sites' set-up and policy
 *   test_tls_sni.c    site choice (hs_tls_sni.c): SNI, the held and
 *                     fragmented ClientHello, ALPN
 *   test_tls_ticket.c resumption (hs_tls_ticket.c): tickets, key files,
 *                     site binding, lifetime, the TLS 1.2 cache
 */
#ifndef TEST_TLS_H
#define TEST_TLS_H

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfio.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hs_tls.h"
#include "hs_tls_hello.h"
#include "hs_tls_int.h"

#include "hs_check.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define REC_HANDSHAKE                 22
#define REC_ALERT                     21
#define ALERT_UNEXPECTED_MESSAGE      10
#define ALERT_HANDSHAKE_FAILURE       40
#define ALERT_PROTOCOL_VERSION        70
#define ALERT_UNRECOGNIZED_NAME       112
#define ALERT_ILLEGAL_PARAMETER       47
#define ALERT_NO_APPLICATION_PROTOCOL 120

#include "hs_tls_pipe.h"


/* ticket key file lines (write_keys) */
#define KEY_A \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
#define KEY_B \
	"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n"

extern char g_dir[PATH_MAX], g_dir2[PATH_MAX];
extern char g_cert[PATH_MAX + 16], g_key[PATH_MAX + 16];
extern char g_cert2[PATH_MAX + 16], g_key2[PATH_MAX + 16];
extern struct hs_tls_ctx *g_ctx;
extern struct hs_tls_ctx *g_pair_ctx;
extern char g_pki[PATH_MAX + 8];
extern char g_tk[PATH_MAX + 32];
extern bool g_early_ccs;

int pair_init(struct pair *p, WOLFSSL_METHOD *method, const char *ciphers);
bool pair_connect(struct pair *p, WOLFSSL_METHOD *method, const char *ciphers);
bool contains(const char *hay, const char *needle);
void test_ctx_errors(void);
void test_chain(void);
void test_site_errors(void);
void test_key_cert_match(void);
void test_site_policy(void);
void pki_path(char *out, size_t len, const char *site, const char *f);
void peer_cn(struct pair *p, char *cn, size_t len);
bool sni_connect(struct pair *p, WOLFSSL_METHOD *method, const char *name,
		 char *cn, size_t cnlen);
struct hs_tls_ctx *sites_ctx(bool strict, char *err, size_t errlen);
void test_sni(void);
size_t split_hello(struct pair *p, const char *name, uint8_t *msg, size_t cap);
void split_put(struct pair *p, const uint8_t *msg, size_t len,
	       const size_t *cut, size_t ncut, bool ccs);
int split_step(struct pair *p);
size_t find_name(const uint8_t *msg, size_t len, const char *name);
bool split_name_is(struct pair *p, const char *name);
void test_split_hello(void);
void test_hello_hold(void);
void test_alpn(void);
WOLFSSL_SESSION *get_session(WOLFSSL_METHOD *method, bool ticket12,
			     bool *reused);
int resume(WOLFSSL_METHOD *method, WOLFSSL_SESSION *sess, bool ticket12);
void write_keys(const char *content);
void test_resumption(void);
bool site_pair(struct pair *p, WOLFSSL_METHOD *method, const char *name,
	       WOLFSSL_SESSION *sess, bool ticket12, char *cn, size_t cnlen);
WOLFSSL_SESSION *site_session(WOLFSSL_METHOD *method, const char *name,
			      bool ticket12);
bool log_has_certificate(const struct pipe *p);
int site_resume(WOLFSSL_METHOD *method, const char *name, WOLFSSL_SESSION *sess,
		bool ticket12, char *cn, size_t cnlen, unsigned int *events);
void expect_full(int r, bool ticket12, const char *cn, const char *want_cn);
void test_site_resumption(void);
void test_ticket_lifetime(void);
void test_tls13_handshake(void);
void test_tls13_p256_only(void);
void test_tls12_handshake(void);
void check_alert(const struct pair *p, int desc);
void test_cbc_rejected(void);
void test_tls11_rejected(void);
void test_garbage(void);
void test_eof_mid_handshake(void);
void test_app_data(void);
void test_small_push(void);
void test_shutdown_during_write(void);
void test_key_update_blocked(void);
void test_one_byte_pull(void);
void test_close_notify(void);
void early_pump(struct pair *p, uint8_t *got, size_t cap, size_t *n,
		size_t *early_bytes);
WOLFSSL_SESSION *early_session(void);
long early_conn(WOLFSSL_SESSION *sess, bool prerecord, int *status,
		unsigned int *ev, bool *resumed);
void test_half_rtt(void);
void test_half_rtt_mtls(void);
void test_early_replay(void);
int gen_cert(const char *root, char *dir, size_t dirlen, char *cert, char *key,
	     size_t len);
void rm_dir(const char *dir, const char *cert, const char *key);

#endif
