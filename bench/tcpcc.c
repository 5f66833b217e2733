/* SPDX-License-Identifier: BSD-3-Clause
 * tcpcc.c - LD_PRELOAD shim for scripts/bench: sets the congestion control
 * named by HS_TCP_CC (e.g. cubic) on every TCP socket the process connects
 * or listens with (accepted sockets inherit the listener's).  A network
 * namespace inherits the root namespace's default, and a non-root
 * namespace may only switch its default to an algorithm the root namespace
 * allows; setsockopt(TCP_CONGESTION) by root may pick any loaded one.  So
 * the client (curl) and nginx of a benchmark get a known algorithm without
 * touching the machine's settings.  A failure is reported once on stderr
 * and otherwise ignored.
 *
 *   cc -O2 -shared -fPIC -o tcpcc.so bench/tcpcc.c -ldl
 *   HS_TCP_CC=cubic LD_PRELOAD=./tcpcc.so curl ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void
set_cc(int fd)
{
	static int warned;
	const char *cc = getenv("HS_TCP_CC");
	int type = 0;
	socklen_t len = sizeof(type);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (cc == NULL || *cc == '\0')
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
	    type != SOCK_STREAM)
		return;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
		return;
	if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc,
		       (socklen_t)strlen(cc)) != 0 &&
	    !warned) {
		warned = 1;
		perror("tcpcc: setsockopt(TCP_CONGESTION)");
	}
}

int
connect(int fd, const struct sockaddr *addr, socklen_t alen)
{
	static int (*real)(int, const struct sockaddr *, socklen_t);

	if (real == NULL)
		real = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(
			RTLD_NEXT, "connect");
	if (addr != NULL &&
	    (addr->sa_family == AF_INET || addr->sa_family == AF_INET6))
		set_cc(fd);
	return real(fd, addr, alen);
}

int
listen(int fd, int backlog)
{
	static int (*real)(int, int);

	if (real == NULL)
		real = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
	set_cc(fd);
	return real(fd, backlog);
}
