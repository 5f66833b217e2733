/* SPDX-License-Identifier: BSD-3-Clause
 * test_ocsp.c - the OCSP staple file: set-up errors name the problem,
 * reload replaces the served response, a bad file or a too-early reload
 * keeps the previous one in service.
 *
 * Usage: test_ocsp SOURCE_ROOT  (tests/integration/mk-pki.sh and openssl
 * make the CA, certificate and OCSP responses)
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_tls_ocsp.h"

#include "hs_check.h"

static char dir[] = "/tmp/hs_test_ocsp.XXXXXX";

static long
fsize(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static int
sh(const char *fmt, const char *a, const char *b)
{
	char cmd[4 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd);
}

int
main(int argc, char **argv)
{
	char p[PATH_MAX], chain[PATH_MAX], leaf[PATH_MAX], err[256];
	struct hs_tls_ocsp *o = NULL;
	WOLFSSL_CTX *wctx;
	long a, b;

	if (argc < 2 || mkdtemp(dir) == NULL)
		return 1;
	if (sh("bash '%s/tests/integration/mk-pki.sh' '%s' >/dev/null", argv[1],
	       dir) != 0 ||
	    sh("cd '%s' && cat srv.pem ca.pem >chain.pem && for c in srv cli; "
	       "do "
	       "openssl ocsp -issuer ca.pem -cert $c.pem -no_nonce -reqout "
	       "$c.req && "
	       "openssl ocsp -index index.txt -rsigner ca.pem -rkey ca.key -CA "
	       "ca.pem "
	       "-reqin $c.req -respout $c.der -ndays 1 $([ $c = cli ] && "
	       "echo -resp_key_id); done >/dev/null 2>&1%s",
	       dir, "") != 0) {
		fprintf(stderr,
			"cannot make the test PKI (openssl missing?)\n");
		return 77;
	}
	snprintf(chain, sizeof(chain), "%s/chain.pem", dir);
	snprintf(leaf, sizeof(leaf), "%s/srv.pem", dir);
	snprintf(p, sizeof(p), "%s/staple.der", dir);
	CHECK(sh("cp '%s/srv.der' '%s'", dir, p) == 0);
	a = fsize("srv.der");
	b = fsize("cli.der");
	CHECK(a > 0 && b > 0 && a != b); /* responder by key vs by name */

	CHECK(wolfSSL_Init() == WOLFSSL_SUCCESS);
	wctx = wolfSSL_CTX_new(wolfSSLv23_server_method());
	CHECK(wctx != NULL);
	if (wctx == NULL)
		return 1;

	/* set-up errors: one line naming the problem */
	CHECK(hs_tls_ocsp_setup(wctx, chain, "/nonexistent/x.der", &o, err,
				sizeof(err)) == -EIO &&
	      o == NULL);
	CHECK(strstr(err, "/nonexistent/x.der") != NULL);
	CHECK(hs_tls_ocsp_setup(wctx, chain, chain, &o, err, sizeof(err)) ==
		      -EINVAL &&
	      strstr(err, "not a DER OCSPResponse") != NULL);
	CHECK(hs_tls_ocsp_setup(wctx, leaf, p, &o, err, sizeof(err)) ==
		      -EINVAL &&
	      strstr(err, "issuer") != NULL);

	/* served: the file's bytes */
	CHECK(hs_tls_ocsp_setup(wctx, chain, p, &o, err, sizeof(err)) == 0);
	CHECK(o != NULL && (long)hs_tls_ocsp_len(o) == a);
	/* a reload within a second is refused; the response stays */
	CHECK(sh("cp '%s/cli.der' '%s'", dir, p) == 0);
	CHECK(hs_tls_ocsp_reload(o, err, sizeof(err)) == -EBUSY);
	CHECK((long)hs_tls_ocsp_len(o) == a);
	/* a broken file: error naming it, previous response kept */
	usleep(1100 * 1000);
	CHECK(sh("printf 'junk' >'%s'%s", p, "") == 0);
	CHECK(hs_tls_ocsp_reload(o, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "staple.der") != NULL);
	CHECK((long)hs_tls_ocsp_len(o) == a);
	/* a good new file replaces it */
	CHECK(sh("cp '%s/cli.der' '%s'", dir, p) == 0);
	CHECK(hs_tls_ocsp_reload(o, err, sizeof(err)) == 0);
	CHECK((long)hs_tls_ocsp_len(o) == b);
	usleep(1100 * 1000);
	CHECK(sh("cp '%s/srv.der' '%s'", dir, p) == 0);
	CHECK(hs_tls_ocsp_reload(o, err, sizeof(err)) == 0);
	CHECK((long)hs_tls_ocsp_len(o) == a);
	CHECK(hs_tls_ocsp_reload(NULL, err, sizeof(err)) == -EINVAL);

	wolfSSL_CTX_free(wctx);
	hs_tls_ocsp_free(o);
	wolfSSL_Cleanup();
	sh("rm -rf '%s'%s", dir, "");
	return hs_check_summary("test_ocsp");
}
