/*
 * tests/ctl_probe.c - for tests/28-live-policy.t: try to reach a `run
 * --name` jail's control socket the ways a jailed CMD might.
 *
 *   ctl_probe ask PATH
 *       connect to PATH (e.g. /proc/self/fd/N/sock), send a --show request;
 *       prints "reply STATUS" (0: served, -1: EPERM refused), "connect
 *       ERRNO" or "closed".
 *   ctl_probe give PASS DIR
 *       listen on the unix socket PASS; to each client send an O_PATH fd
 *       of DIR (SCM_RIGHTS); prints "ready".
 *   ctl_probe take PASS NAME
 *       connect to PASS, receive that fd, then as `ask` on
 *       /proc/self/fd/FD/NAME/sock.
 *   ctl_probe bad PATH KIND
 *       as ask, with a request damaged one way (KIND: magic, version, op,
 *       nul, show, allow-empty, flags, badflag, events-rule, short,
 *       trickle: one byte every 200 ms);
 *       prints the same.
 *   ctl_probe abstract NAME SECS
 *       bind and listen on the abstract name NAME for SECS; prints "ready"
 *       (the control for the test's abstract-socket scan).
 *
 * Unprivileged.  Exit 0, 100 usage, 111 a system call failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

static const char *damage;	/* ctl_probe bad: how */

static int ask(const char *path)
{
	struct sockaddr_un sa;
	struct control_req rq;
	struct control_reply h;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ssize_t n;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("connect %s\n", strerrorname_np(errno));
		return 0;
	}
	memset(&rq, 0, sizeof(rq));
	rq.magic = CONTROL_MAGIC;
	rq.version = CONTROL_VERSION;
	rq.op = CONTROL_SHOW;
	if (damage && !strcmp(damage, "magic"))
		rq.magic ^= 1;
	else if (damage && !strcmp(damage, "version"))
		rq.version = CONTROL_VERSION + 1;
	else if (damage && !strcmp(damage, "op"))
		rq.op = 99;
	else if (damage && !strcmp(damage, "nul"))
		memset(rq.rule, 'A', sizeof(rq.rule));
	else if (damage && !strcmp(damage, "show"))
		strcpy(rq.rule, "10.0.0.0/8");
	else if (damage && !strcmp(damage, "allow-empty"))
		rq.op = CONTROL_ALLOW;
	else if (damage && !strcmp(damage, "flags"))
		rq.flags = CONTROL_F_FOLLOW;	/* only EVENTS may follow */
	else if (damage && !strcmp(damage, "badflag")) {
		rq.op = CONTROL_EVENTS;
		rq.flags = 0x2;
	} else if (damage && !strcmp(damage, "events-rule")) {
		rq.op = CONTROL_EVENTS;
		strcpy(rq.rule, "10.0.0.0/8");
	}
	if (damage && !strcmp(damage, "short")) {
		(void)!write(fd, &rq, sizeof(rq) - 1);
		shutdown(fd, SHUT_WR);
	} else if (damage && !strcmp(damage, "trickle")) {
		/* one byte every 200 ms: 27 s for the request, each call far
		 * inside any per-call timeout; the server must drop it */
		for (n = 0; n < (ssize_t)sizeof(rq); n++) {
			if (send(fd, (char *)&rq + n, 1, MSG_NOSIGNAL) != 1)
				break;
			usleep(200000);
		}
	} else if (send(fd, &rq, sizeof(rq), MSG_NOSIGNAL) != (ssize_t)sizeof(rq)) {
		printf("closed\n");
		return 0;
	}
	n = read(fd, &h, sizeof(h));
	if (n != (ssize_t)sizeof(h) || h.magic != CONTROL_MAGIC)
		printf("closed\n");
	else
		printf("reply %d\n", h.status == -EPERM ? -1 : h.status);
	return 0;
}

static int unix_at(const char *path, int listening)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0)
		return -1;
	if (listening) {
		unlink(path);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(fd, 8) < 0)
			return -1;
		return fd;
	}
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -1 : fd;
}

static int give(const char *pass, const char *dir)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b = 'x';
	struct iovec iov = { &b, 1 };
	struct msghdr m;
	struct cmsghdr *c;
	int lfd = unix_at(pass, 1), dfd = open(dir, O_PATH | O_DIRECTORY), cfd;

	if (lfd < 0 || dfd < 0)
		return 111;
	chmod(pass, 0777);
	printf("ready\n");
	fflush(stdout);
	while ((cfd = accept(lfd, NULL, NULL)) >= 0) {
		memset(&m, 0, sizeof(m));
		memset(cbuf, 0, sizeof(cbuf));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &dfd, sizeof(int));
		sendmsg(cfd, &m, 0);
		close(cfd);
	}
	return 111;
}

static int take(const char *pass, const char *name)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b, path[128];
	struct iovec iov = { &b, 1 };
	struct msghdr m;
	struct cmsghdr *c;
	int fd = unix_at(pass, 0), dfd;

	if (fd < 0) {
		printf("pass %s\n", strerrorname_np(errno));
		return 111;
	}
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	if (recvmsg(fd, &m, 0) != 1 || !(c = CMSG_FIRSTHDR(&m)) ||
	    c->cmsg_type != SCM_RIGHTS) {
		printf("pass nofd\n");
		return 111;
	}
	memcpy(&dfd, CMSG_DATA(c), sizeof(int));
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s/sock", dfd, name);
	return ask(path);
}

static int abstract(const char *name, int secs)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	socklen_t len;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "%s", name);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(name));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0 ||
	    listen(fd, 1) < 0)
		return 111;
	printf("ready\n");
	fflush(stdout);
	sleep((unsigned)secs);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "ask"))
		return ask(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "give"))
		return give(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "take"))
		return take(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "bad")) {
		damage = argv[3];
		return ask(argv[2]);
	}
	if (argc == 4 && !strcmp(argv[1], "abstract"))
		return abstract(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: ctl_probe ask PATH | give PASS DIR | take PASS "
	    "NAME | abstract NAME SECS\n");
	return 100;
}
