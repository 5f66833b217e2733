/* SPDX-License-Identifier: BSD-3-Clause
 * test_ops.c - operations plumbing without a network: the configuration
 * file reader (hs_conf.c), deferred frees of shared state under
 * rte_rcu_qsbr (hs_rcu.c) and the reload hook registry (hs_reload.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hs_conf.h"
#include "hs_rcu.h"
#include "hs_reload.h"

#include "hs_check.h"

static char tmpl[] = "/tmp/hs_test_ops.XXXXXX";

static const char *
write_conf(const char *text, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/c.conf", tmpl);
	f = fopen(path, "w");
	if (f == NULL || fwrite(text, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
	return path;
}

/* Read text as a config file; returns the reader's code, err filled. */
static int
read_text(const char *text, struct hs_conf *c, char *err, size_t errlen)
{
	return hs_conf_read(write_conf(text, strlen(text)), c, err, errlen);
}

static void
test_conf_ok(void)
{
	struct hs_conf c;
	char err[256];
	const char *text =
		"# comment\n"
		"\n"
		"addr 198.18.0.1/24\n"
		"  cert   /etc/httpsd/my cert.pem   # trailing comment\r\n"
		"\tcheck-flag\n"
		"root /srv/www#not-a-comment\n"
		"   # indented comment\n"
		"https-port 8443"; /* no final newline */

	CHECK(read_text(text, &c, err, sizeof(err)) == 0);
	CHECK(c.n == 5);
	if (c.n != 5)
		return;
	CHECK(c.rec[0].line == 3 && strcmp(c.rec[0].name, "addr") == 0 &&
	      strcmp(c.rec[0].value, "198.18.0.1/24") == 0);
	/* blanks inside a value are kept, around it dropped, CRLF accepted */
	CHECK(c.rec[1].line == 4 &&
	      strcmp(c.rec[1].value, "/etc/httpsd/my cert.pem") == 0);
	CHECK(c.rec[2].line == 5 && strcmp(c.rec[2].name, "check-flag") == 0 &&
	      c.rec[2].value == NULL);
	/* '#' not preceded by a blank is part of the value */
	CHECK(strcmp(c.rec[3].value, "/srv/www#not-a-comment") == 0);
	CHECK(c.rec[4].line == 8 && strcmp(c.rec[4].value, "8443") == 0);
	hs_conf_free(&c);
	CHECK(c.rec == NULL && c.n == 0);
}

static void
test_conf_errors(void)
{
	struct hs_conf c;
	char err[256], want[300];
	static const struct {
		const char *text;
		unsigned int line;
		const char *msg;
	} bad[] = {
		{ "addr 1\nkey=value\n", 2,
		  "'key=value' is not an option name" },
		{ "\n\n--cert x\n", 3, "without leading dashes" },
		{ "addr 1\nroot /a\x01"
		  "b\n",
		  2, "control character 0x01" },
		{ "Cert x\n", 1, "'Cert' is not an option name" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK(read_text(bad[i].text, &c, err, sizeof(err)) == -EINVAL);
		snprintf(want, sizeof(want), "%s/c.conf:%u: ", tmpl,
			 bad[i].line);
		CHECK(strncmp(err, want, strlen(want)) == 0);
		CHECK(strstr(err, bad[i].msg) != NULL);
		if (strstr(err, bad[i].msg) == NULL)
			fprintf(stderr, "  got: %s\n", err);
		CHECK(c.rec == NULL && c.buf == NULL);
	}
	/* a NUL byte: not a text file, line named */
	CHECK(hs_conf_read(write_conf("addr 1\nro\0ot x\n", 15), &c, err,
			   sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "c.conf:2: NUL byte") != NULL);
	/* missing file, directory */
	CHECK(hs_conf_read("/nonexistent/httpsd.conf", &c, err, sizeof(err)) <
	      0);
	CHECK(strcmp(err, "/nonexistent/httpsd.conf: cannot open: No such file "
			  "or directory") == 0);
	CHECK(hs_conf_read(tmpl, &c, err, sizeof(err)) < 0);
	CHECK(strstr(err, "not a regular file") != NULL);
}

/* ---- RCU-style reclamation ------------------------------------------------ */

static int freed[4];
static bool busy_flag[4];

static bool
obj_busy(void *obj)
{
	return busy_flag[(int)(intptr_t)obj];
}
static void
obj_free(void *obj)
{
	freed[(int)(intptr_t)obj]++;
}

static void
test_rcu(void)
{
	CHECK(hs_rcu_init(4) == 0);
	hs_rcu_online(1);
	hs_rcu_online(3);
	/* Retired while two readers are online: freed only after both
	 * passed a quiescent state and the object is no longer held. */
	busy_flag[0] = true;
	CHECK(hs_rcu_retire((void *)(intptr_t)0, obj_busy, obj_free) == 0);
	CHECK(hs_rcu_reclaim() == 1 && freed[0] == 0);
	hs_rcu_quiescent(1);
	CHECK(hs_rcu_reclaim() == 1 && freed[0] == 0);
	hs_rcu_quiescent(3);
	CHECK(hs_rcu_reclaim() == 1 && freed[0] == 0); /* still held */
	busy_flag[0] = false;
	CHECK(hs_rcu_reclaim() == 0 && freed[0] == 1);
	/* A quiescent state reported before the retirement does not count. */
	hs_rcu_quiescent(1);
	hs_rcu_quiescent(3);
	CHECK(hs_rcu_retire((void *)(intptr_t)1, NULL, obj_free) == 0);
	CHECK(hs_rcu_reclaim() == 1 && freed[1] == 0);
	hs_rcu_quiescent(1);
	hs_rcu_quiescent(3);
	CHECK(hs_rcu_reclaim() == 0 && freed[1] == 1);
	/* An offline reader does not hold reclamation back. */
	hs_rcu_offline(3);
	CHECK(hs_rcu_retire((void *)(intptr_t)2, NULL, obj_free) == 0);
	hs_rcu_quiescent(1);
	CHECK(hs_rcu_reclaim() == 0 && freed[2] == 1);
	/* At exit everything pending is freed, busy or not. */
	busy_flag[3] = true;
	CHECK(hs_rcu_retire((void *)(intptr_t)3, obj_busy, obj_free) == 0);
	CHECK(hs_rcu_pending() == 1);
	hs_rcu_offline(1);
	hs_rcu_fini();
	CHECK(freed[3] == 1 && hs_rcu_pending() == 0);
	CHECK(freed[0] == 1 && freed[1] == 1 && freed[2] == 1);
}

/* ---- reload hooks ------------------------------------------------------------ */

static int calls_a, calls_b;

static int
hook_a(void *arg, char *err, size_t errlen)
{
	calls_a++;
	return 0;
}

static int
hook_b(void *arg, char *err, size_t errlen)
{
	calls_b++;
	if (*(int *)arg) {
		snprintf(err, errlen, "bad staple file");
		return -EINVAL;
	}
	return 0;
}

static void
test_hooks(void)
{
	int fail_b = 0;
	char err[256] = "";

	CHECK(hs_reload_register("a", hook_a, NULL) == 0);
	CHECK(hs_reload_register("ocsp", hook_b, &fail_b) == 0);
	CHECK(hs_reload_register("a", hook_a, NULL) == -EEXIST);
	CHECK(hs_reload_run_hooks(err, sizeof(err)) == 0);
	CHECK(calls_a == 1 && calls_b == 1);
	fail_b = 1;
	CHECK(hs_reload_run_hooks(err, sizeof(err)) == -EINVAL);
	CHECK(strcmp(err, "ocsp: bad staple file") == 0);
	CHECK(calls_a == 2 && calls_b == 2); /* every hook ran */
	hs_reload_hooks_clear();
	CHECK(hs_reload_run_hooks(err, sizeof(err)) == 0 && calls_a == 2);

	/* request flag: taken once */
	CHECK(!hs_reload_take());
	hs_reload_request();
	hs_reload_request();
	CHECK(hs_reload_take());
	CHECK(!hs_reload_take());
	hs_reload_count(true);
	hs_reload_count(false);
	hs_reload_count(false);
	CHECK(hs_reload_ok() == 1 && hs_reload_failed() == 2);
}

int
main(void)
{
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_conf_ok();
	test_conf_errors();
	test_rcu();
	test_hooks();
	{
		char path[300];

		snprintf(path, sizeof(path), "%s/c.conf", tmpl);
		unlink(path);
		rmdir(tmpl);
	}
	return hs_check_summary("test_ops");
}
