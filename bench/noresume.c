/* SPDX-License-Identifier: BSD-3-Clause
 * noresume.c - LD_PRELOAD shim that stops an OpenSSL client from resuming
 * TLS sessions, so that every connection is a full handshake.
 *
 * wrk reconnects with SSL_clear(), which keeps the previous session, and
 * h2load hands cached sessions to SSL_set_session(): both then offer a
 * PSK (RFC 8446 §4.2.11) and the server does a resumed handshake instead
 * of the full one the "new connections" scenario means to measure.
 * Here SSL_set_session() ignores the session it is given, and SSL_clear()
 * drops the session it would keep.  Used by scripts/bench only.
 * Build: cc -O2 -shared -fPIC -o noresume.so bench/noresume.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

typedef struct ssl_st SSL;
typedef struct ssl_session_st SSL_SESSION;

typedef int (*set_session_fn)(SSL *, SSL_SESSION *);
typedef int (*clear_fn)(SSL *);

static set_session_fn
real_set_session(void)
{
	static set_session_fn fn;

	if (fn == NULL)
		fn = (set_session_fn)dlsym(RTLD_NEXT, "SSL_set_session");
	return fn;
}

int
SSL_set_session(SSL *s, SSL_SESSION *sess)
{
	set_session_fn fn = real_set_session();

	(void)sess;
	return fn != NULL ? fn(s, NULL) : 1;
}

int
SSL_clear(SSL *s)
{
	static clear_fn fn;
	set_session_fn set = real_set_session();
	int ret;

	if (fn == NULL)
		fn = (clear_fn)dlsym(RTLD_NEXT, "SSL_clear");
	if (fn == NULL)
		return 0;
	ret = fn(s);
	if (ret == 1 && set != NULL)
		ret = set(s, NULL);
	return ret;
}
