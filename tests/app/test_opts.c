/* SPDX-License-Identifier: BSD-3-Clause
 * test_opts.c - the option parser (app/hs_opts.c) on its own: good input
 * fills struct hs_opts; every class of bad input (not a number, out of
 * range, not an address, not a time, a bad value for a custom parser, an
 * unknown or incomplete option, a missing required one, options that
 * contradict each other, bad configuration-file lines) returns an error
 * whose one-line message names the option (and the file and line); the
 * command line overrides the file; a reload with a bad file leaves the
 * running options and their build as they were.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "hs_opts.h"
#include "hs_check.h"

#define MAX_ARGS 64

static char tmpdir[PATH_MAX];

/* Write a configuration file; returns its path (static buffer per slot). */
static const char *
conf(int slot, const char *text)
{
	static char paths[4][PATH_MAX + 16];
	FILE *f;

	snprintf(paths[slot], sizeof(paths[slot]), "%s/c%d.conf", tmpdir, slot);
	f = fopen(paths[slot], "w");
	if (f == NULL) {
		perror(paths[slot]);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	return paths[slot];
}

/* Scan args (NULL-terminated, after "--") and build with cfg (or the
 * --config the args name).  The scanned command line goes to *cl (freed
 * by the caller) so that it outlives the build, as in the program. */
static int
run_v(struct hs_opts *o, struct hs_opts_build *b, struct hs_opts_cli *cl,
      char *err, size_t errlen, va_list ap)
{
	static char *argv[MAX_ARGS];
	int argc = 0, rc;
	const char *a;

	argv[argc++] = "httpsd";
	while ((a = va_arg(ap, const char *)) != NULL && argc < MAX_ARGS - 1)
		argv[argc++] = (char *)(uintptr_t)a;
	argv[argc] = NULL;
	err[0] = '\0';
	rc = hs_opts_scan(argc, argv, cl, err, errlen);
	if (rc != 0)
		return rc;
	return hs_opts_build(o, b, cl->config, cl, err, errlen);
}

/* Build from args; 0 or the error code, message in err. */
static int
run(struct hs_opts *o, struct hs_opts_build *b, char *err, size_t errlen, ...)
{
	struct hs_opts_cli cl;
	va_list ap;
	int rc;

	va_start(ap, errlen);
	rc = run_v(o, b, &cl, err, errlen, ap);
	va_end(ap);
	/* The build's records copy cl's, whose values point into argv
	 * (static string literals here): cl itself may go. */
	hs_opts_cli_free(&cl);
	return rc;
}

#define REQ                                                             \
	"--addr", "198.18.0.1/24", "--cert", "c.pem", "--key", "k.pem", \
		"--root", "www"

/* One bad command line: an error, a message containing each of want
 * (NULL-terminated), and o / b untouched. */
static void
bad_cli(int line, const char *want1, const char *want2, ...)
{
	struct hs_opts o, before;
	struct hs_opts_build b, bbefore;
	struct hs_opts_cli cl;
	char err[512];
	va_list ap;
	int rc;

	memset(&o, 0x5a, sizeof(o));
	memset(&b, 0x5a, sizeof(b));
	memcpy(&before, &o, sizeof(o)); /* padding too: compared below */
	memcpy(&bbefore, &b, sizeof(b));
	va_start(ap, want2);
	rc = run_v(&o, &b, &cl, err, sizeof(err), ap);
	va_end(ap);
	hs_opts_cli_free(&cl);
	CHECK_AT(line, rc < 0);
	CHECK_AT(line, strchr(err, '\n') == NULL && err[0] != '\0');
	CHECK_AT(line, strstr(err, want1) != NULL);
	CHECK_AT(line, want2 == NULL || strstr(err, want2) != NULL);
	CHECK_AT(line, memcmp(&o, &before, sizeof(o)) == 0);
	CHECK_AT(line, memcmp(&b, &bbefore, sizeof(b)) == 0);
	if (rc >= 0 || strstr(err, want1) == NULL ||
	    (want2 != NULL && strstr(err, want2) == NULL))
		fprintf(stderr, "  line %d: rc %d, message '%s'\n", line, rc,
			err);
}

static void
test_good(void)
{
	struct hs_opts o;
	struct hs_opts_build b;
	char err[512];
	int rc;

	rc = run(&o, &b, err, sizeof(err), REQ, "--gateway", "198.18.0.254",
		 "--https-port", "8443", "--http-port", "0", "--mtu", "9000",
		 "--keepalive-timeout", "30s", "--header-timeout", "250ms",
		 "--send-timeout", "2m", "--max-file", "1099511627776",
		 "--site", "a.example=a.pem,a.key", "--site",
		 "*.b.example=b.pem,b.key", "--sni-strict", "--cc", "newreno",
		 "--time-wait", "1500ms", "--max-conns-per-source", "0",
		 "--client-ca", "ca.pem", "--http-port-mode", "serve",
		 "--upload-sink", "/upload", "--port", "3", "--idle-sleep",
		 "50", "--tso", "off", NULL);
	CHECK_EQ(rc, 0);
	if (rc != 0) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK_EQ(o.ip, htonl(0xc6120001u));
	CHECK_EQ(o.mask, htonl(0xffffff00u));
	CHECK_EQ(o.gw, htonl(0xc61200feu));
	CHECK(strcmp(o.addr_str, "198.18.0.1/24") == 0);
	CHECK(strcmp(o.cert, "c.pem") == 0 && strcmp(o.key, "k.pem") == 0 &&
	      strcmp(o.root, "www") == 0);
	CHECK_EQ(o.https_port, 8443);
	CHECK_EQ(o.http_port, 0);
	CHECK_EQ(o.mtu, 9000);
	CHECK_EQ(o.keepalive_ms, 30000);
	CHECK_EQ(o.header_ms, 250);
	CHECK_EQ(o.send_ms, 120000);
	CHECK_EQ(o.max_file, 1ull << 40);
	CHECK_EQ(o.nb_sites, 2);
	CHECK(strcmp(o.sites[0].name, "a.example") == 0 &&
	      strcmp(o.sites[0].cert_file, "a.pem") == 0 &&
	      strcmp(o.sites[0].key_file, "a.key") == 0);
	CHECK(strcmp(o.sites[1].name, "*.b.example") == 0);
	CHECK(o.sni_strict);
	CHECK_EQ(o.tcp.cc, HS_TCP_CC_NEWRENO);
	CHECK_EQ(o.tcp.time_wait_ms, 1500);
	CHECK_EQ(o.tcp.max_per_source, 0);
	/* --client-ca alone means required client certificates */
	CHECK_EQ(o.client_auth, HS_TLS_CLIENT_AUTH_REQUIRED);
	CHECK(o.http_serve);
	CHECK(strcmp(o.upload_sink, "/upload") == 0);
	CHECK_EQ(o.port_id, 3);
	CHECK_EQ(o.idle_sleep_us, 50);
	CHECK(o.tso_off);
	hs_opts_build_free(&b);
	rc = run(&o, &b, err, sizeof(err), REQ, "--tso", "off", "--tso", "on",
		 NULL);
	CHECK_EQ(rc, 0);
	CHECK(!o.tso_off); /* the last one counts */
	hs_opts_build_free(&b);

	/* defaults */
	rc = run(&o, &b, err, sizeof(err), REQ, NULL);
	CHECK_EQ(rc, 0);
	CHECK_EQ(o.https_port, 443);
	CHECK_EQ(o.http_port, 80);
	CHECK_EQ(o.max_conns, 16384);
	CHECK_EQ(o.nb_mbufs, 32767);
	CHECK_EQ(o.mtu, 1500);
	CHECK_EQ(o.port_id, -1);
	CHECK_EQ(o.gw, 0);
	CHECK_EQ(o.shutdown_timeout_s, 20);
	CHECK_EQ(o.ticket_lifetime, HS_TLS_TICKET_LIFETIME_DEFAULT);
	CHECK_EQ(o.tcp.max_per_source, HS_PER_SOURCE_DEFAULT);
	CHECK_EQ(o.tcp.cc, hs_tcp_params.cc);
	CHECK_EQ(o.client_auth, HS_TLS_CLIENT_AUTH_OFF);
	CHECK(!o.http_serve && !o.sni_strict && !o.check_config);
	CHECK(!o.tso_off); /* TSO where the port offers it */
	CHECK(o.upload_sink == NULL && o.config == NULL);
	hs_opts_build_free(&b);
}

static void
test_bad_cli(void)
{
	/* not a number / out of range (generic integer kinds) */
	bad_cli(__LINE__, "--https-port: 'x1' is not a number", NULL, REQ,
		"--https-port", "x1", NULL);
	bad_cli(__LINE__, "--https-port: '80x' is not a number", NULL, REQ,
		"--https-port", "80x", NULL);
	bad_cli(__LINE__, "--https-port: 99999 is out of range (1..65535)",
		NULL, REQ, "--https-port", "99999", NULL);
	bad_cli(__LINE__, "--mtu: 100 is out of range (576..9000)", NULL, REQ,
		"--mtu", "100", NULL);
	bad_cli(__LINE__, "--max-conns: 0 is out of range", NULL, REQ,
		"--max-conns", "0", NULL);
	/* a receive buffer must hold a whole TLS record (opened in place) */
	bad_cli(__LINE__,
		"--recv-buffer: 16384 is out of range (32768..16777216)", NULL,
		REQ, "--recv-buffer", "16384", NULL);
	bad_cli(__LINE__, "--max-file: '-1' is not a number", NULL, REQ,
		"--max-file", "-1", NULL);
	/* an address */
	bad_cli(__LINE__, "--gateway: '198.18.0.300' is not an IPv4 address",
		NULL, REQ, "--gateway", "198.18.0.300", NULL);
	/* a time */
	bad_cli(__LINE__, "--keepalive-timeout: '5h' is not a time", NULL, REQ,
		"--keepalive-timeout", "5h", NULL);
	bad_cli(__LINE__,
		"--header-timeout: 5ms is out of range (10ms..86400s)", NULL,
		REQ, "--header-timeout", "5ms", NULL);
	/* custom parsers */
	bad_cli(__LINE__, "--addr: '198.18.0.1' lacks a prefix length", NULL,
		"--addr", "198.18.0.1", "--cert", "c", "--key", "k", "--root",
		"r", NULL);
	bad_cli(__LINE__, "--addr prefix length: 33 is out of range (1..32)",
		NULL, "--addr", "198.18.0.1/33", "--cert", "c", "--key", "k",
		"--root", "r", NULL);
	bad_cli(__LINE__, "--addr: 127.0.0.1 is not a usable unicast address",
		NULL, "--addr", "127.0.0.1/8", "--cert", "c", "--key", "k",
		"--root", "r", NULL);
	bad_cli(__LINE__, "--site: 'a.example=a.pem' is not NAME=CERT,KEY",
		NULL, REQ, "--site", "a.example=a.pem", NULL);
	bad_cli(__LINE__, "--cc: 'bbr' is not cubic or newreno", NULL, REQ,
		"--cc", "bbr", NULL);
	bad_cli(__LINE__, "--tso: 'yes' is not on or off", NULL, REQ, "--tso",
		"yes", NULL);
	bad_cli(__LINE__, "option '--tso' needs a value", NULL, REQ, "--tso",
		NULL);
	bad_cli(__LINE__, "--http-port-mode: 'both' is not redirect or serve",
		NULL, REQ, "--http-port-mode", "both", NULL);
	bad_cli(__LINE__, "--client-auth: 'maybe' is not", NULL, REQ,
		"--client-ca", "ca.pem", "--client-auth", "maybe", NULL);
	bad_cli(__LINE__, "--crypto: 'aesni' is not ipsec-mb or wolfssl", NULL,
		REQ, "--crypto", "aesni", NULL);
	bad_cli(__LINE__, "--upload-sink: 'upload' is not an absolute path",
		NULL, REQ, "--upload-sink", "upload", NULL);
	bad_cli(__LINE__, "--mem-lcore: 100 is below 256", NULL, REQ,
		"--mem-lcore", "100", NULL);
	bad_cli(__LINE__, "--initcwnd: 101 is out of range (1..100)", NULL, REQ,
		"--initcwnd", "101", NULL);
	bad_cli(__LINE__, "--time-wait: 11m is out of range", NULL, REQ,
		"--time-wait", "11m", NULL);
	bad_cli(__LINE__, "--impair: ", NULL, REQ, "--impair", "loss=200",
		NULL);
	/* the command line itself */
	bad_cli(__LINE__, "unknown option '--bogus' (see --help)", NULL, REQ,
		"--bogus", NULL);
	bad_cli(__LINE__, "option '--mtu' needs a value", NULL, REQ, "--mtu",
		NULL);
	bad_cli(__LINE__, "unexpected argument 'stray' (see --help)", NULL, REQ,
		"stray", NULL);
	/* required options */
	bad_cli(__LINE__, "--root is required", NULL, "--addr", "198.18.0.1/24",
		"--cert", "c", "--key", "k", NULL);
	bad_cli(__LINE__, "--addr is required (e.g. --addr 198.18.0.1/24)",
		NULL, "--cert", "c", "--key", "k", "--root", "r", NULL);
	/* options against each other */
	bad_cli(__LINE__, "--gateway: not inside the --addr subnet", NULL, REQ,
		"--gateway", "10.0.0.1", NULL);
	bad_cli(__LINE__, "--http-port and --https-port must differ", NULL, REQ,
		"--http-port", "443", NULL);
	bad_cli(__LINE__, "--client-auth needs --client-ca FILE", NULL, REQ,
		"--client-auth", "optional", NULL);
}

/* --help and --version are actions: reported to the caller, which
 * prints and exits; never an error. */
static void
test_actions(void)
{
	struct hs_opts o;
	struct hs_opts_build b;
	char err[512];

	CHECK_EQ(run(&o, &b, err, sizeof(err), REQ, "-h", NULL), HS_OPTS_HELP);
	CHECK_EQ(run(&o, &b, err, sizeof(err), REQ, "--help", NULL),
		 HS_OPTS_HELP);
	CHECK_EQ(run(&o, &b, err, sizeof(err), REQ, "--vers", NULL),
		 HS_OPTS_VERSION);
	/* an error before the action wins, as on the command line */
	CHECK(run(&o, &b, err, sizeof(err), "--mtu", "1", "--version", NULL) <
	      0);
	CHECK(strstr(err, "--mtu") != NULL);
}

/* Configuration-file lines: the message starts with FILE:LINE. */
static void
bad_conf(int line, const char *text, const char *want)
{
	const char *path = conf(0, text);
	char prefix[PATH_MAX + 32];

	snprintf(prefix, sizeof(prefix), "%s:", path);
	bad_cli(line, prefix, want, "--config", path, NULL);
}

static void
test_conf(void)
{
	struct hs_opts o;
	struct hs_opts_build b;
	char err[512], want[PATH_MAX + 64];
	const char *path;
	int rc;

	bad_conf(__LINE__,
		 "addr 198.18.0.1/24\ncert c\nkey k\nroot r\nbogus 1\n",
		 ":5: unknown option 'bogus' (see httpsd --help)");
	bad_conf(__LINE__, "addr 198.18.0.1/24\naddr 198.18.0.2/24\n",
		 ":2: 'addr' given twice (first on line 1)");
	bad_conf(__LINE__, "cert\n", ":1: 'cert' needs a value");
	bad_conf(__LINE__, "sni-strict yes\n",
		 ":1: 'sni-strict' takes no value");
	bad_conf(__LINE__, "check-config\n",
		 ":1: 'check-config' is a command-line option, not allowed in "
		 "a configuration file");
	bad_conf(__LINE__,
		 "addr 198.18.0.1/24\ncert c\nkey k\nroot r\nhttps-port 0\n",
		 ":5: --https-port: 0 is out of range (1..65535)");
	/* a check across options blames the line of the option it names */
	bad_conf(__LINE__,
		 "addr 198.18.0.1/24\ncert c\nkey k\nroot r\n\ngateway "
		 "10.1.1.1\n",
		 ":6: --gateway: not inside the --addr subnet");
	/* a required option missing from both names the file */
	path = conf(0, "addr 198.18.0.1/24\ncert c\nkey k\n");
	snprintf(want, sizeof(want),
		 "--root is required, on the command line or in %s", path);
	bad_cli(__LINE__, want, NULL, "--config", path, NULL);
	/* the file cannot be read */
	bad_cli(__LINE__, "/nonexistent/httpsd.conf", NULL, "--config",
		"/nonexistent/httpsd.conf", NULL);

	/* the command line overrides the file option by option, and a
	 * command-line option's file line is not checked (it is ignored) */
	path = conf(1, "addr 198.18.0.1/24\ncert c\nkey k\nroot r\n"
		       "https-port 8443\nmtu 1400\nsite a=1,2\n");
	rc = run(&o, &b, err, sizeof(err), "--config", path, "--mtu", "1300",
		 "--site", "b=3,4", NULL);
	CHECK_EQ(rc, 0);
	CHECK_EQ(o.https_port, 8443);
	CHECK_EQ(o.mtu, 1300);
	CHECK_EQ(o.nb_sites, 1);
	CHECK(o.nb_sites == 1 && strcmp(o.sites[0].name, "b") == 0);
	CHECK(o.config != NULL && strcmp(o.config, path) == 0);
	if (rc == 0)
		hs_opts_build_free(&b);
}

/* SIGHUP: the running options and build stay as they were when the new
 * file is bad, whatever the file set before its bad line; a good file
 * then takes effect and the options that need a restart are named. */
static void
test_reload(void)
{
	static struct hs_opts run_o, saved;
	struct hs_opts_build run_b, saved_b, nb;
	struct hs_opts_cli cl;
	char *argv[] = {
		"httpsd", "--config", NULL, "--idle-sleep", "7", NULL
	};
	char err[512], changed[256];
	const char *path;
	int rc;

	path = conf(
		2,
		"addr 198.18.0.1/24\ncert c\nkey k\nroot r\nhttps-port 8443\n"
		"keepalive-timeout 30\n");
	argv[2] = (char *)(uintptr_t)path;
	CHECK_EQ(hs_opts_scan(5, argv, &cl, err, sizeof(err)), 0);
	CHECK(cl.config == path);
	rc = hs_opts_build(&run_o, &run_b, cl.config, &cl, err, sizeof(err));
	CHECK_EQ(rc, 0);
	if (rc != 0)
		return;
	CHECK_EQ(run_o.https_port, 8443);
	CHECK_EQ(run_o.idle_sleep_us, 7);
	memcpy(&saved, &run_o, sizeof(saved));
	memcpy(&saved_b, &run_b, sizeof(saved_b));

	/* bad: good lines first (they would change the options), then a
	 * bad value; then an unknown key; then a missing file */
	conf(2,
	     "addr 198.18.0.9/24\ncert c2\nkey k2\nroot r2\nhttps-port 9443\n"
	     "mtu 1400\nkeepalive-timeout forever\n");
	memset(&nb, 0x5a, sizeof(nb));
	rc = hs_opts_build(&run_o, &nb, cl.config, &cl, err, sizeof(err));
	CHECK(rc < 0);
	CHECK(strstr(err, ":7: --keepalive-timeout: 'forever' is not a time") !=
	      NULL);
	CHECK(memcmp(&run_o, &saved, sizeof(run_o)) == 0);
	CHECK_EQ(run_o.https_port, 8443);
	CHECK(strcmp(run_o.cert, "c") == 0);
	CHECK(memcmp(&run_b, &saved_b, sizeof(run_b)) == 0);

	conf(2, "addr 198.18.0.1/24\ncert c\nkey k\nroot r\nhttps-port "
		"9443\nnope 1\n");
	rc = hs_opts_build(&run_o, &nb, cl.config, &cl, err, sizeof(err));
	CHECK(rc < 0 && strstr(err, ":6: unknown option 'nope'") != NULL);
	CHECK(memcmp(&run_o, &saved, sizeof(run_o)) == 0);

	unlink(path);
	rc = hs_opts_build(&run_o, &nb, cl.config, &cl, err, sizeof(err));
	CHECK(rc < 0 && strstr(err, path) != NULL);
	CHECK(memcmp(&run_o, &saved, sizeof(run_o)) == 0);
	/* the running build still reads: its strings are intact */
	CHECK(strcmp(run_o.root, "r") == 0 &&
	      strcmp(run_o.addr_str, "198.18.0.1/24") == 0);

	/* good: new live values apply; --mtu needs a restart and is named,
	 * the live ones (--cert, --keepalive-timeout) are not */
	conf(2, "addr 198.18.0.1/24\ncert c2\nkey k\nroot r\nhttps-port 8443\n"
		"keepalive-timeout 40\nmtu 1400\n");
	rc = hs_opts_build(&run_o, &nb, cl.config, &cl, err, sizeof(err));
	CHECK_EQ(rc, 0);
	if (rc != 0)
		return;
	CHECK_EQ(run_o.keepalive_ms, 40000);
	CHECK_EQ(run_o.mtu, 1400);
	CHECK(strcmp(run_o.cert, "c2") == 0);
	CHECK_EQ(run_o.idle_sleep_us, 7); /* the command line still wins */
	hs_opts_changed(&run_b, &nb, changed, sizeof(changed));
	CHECK(strcmp(changed, "--mtu") == 0);
	hs_opts_changed(&run_b, &run_b, changed, sizeof(changed));
	CHECK(changed[0] == '\0');
	hs_opts_build_free(&run_b);
	hs_opts_build_free(&nb);
	hs_opts_cli_free(&cl);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char cmd[PATH_MAX + 16];

	snprintf(tmpdir, sizeof(tmpdir), "%s/hs_opts_XXXXXX",
		 tmp ? tmp : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_good();
	test_bad_cli();
	test_actions();
	test_conf();
	test_reload();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
	return hs_check_summary("test_opts");
}
