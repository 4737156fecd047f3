/*
 * tests/lo_probe.c - the client and listener of tests/25-loopback.t: sending through the
 * loopback device to an address the address hooks allow (every socket option and cmsg that
 * picks the output device), and connected UDP sends that carry IP-level ancillary data.
 *
 * Runs with whatever privilege the test gives it (root or 65534 inside `jail-ai run`, plain
 * root for control runs).  Its inputs are the test's own argv; numeric addresses only.
 *
 *   lo_probe serve ADDR PORT SECONDS [PROTO]
 *                                         TCP, UDP and UDP-Lite (or PROTO only) on ADDR PORT;
 *                                         one line per arrival: tcp, udp, udplite
 *   lo_probe send PROTO ROUTE ADDR PORT   PROTO udp|udplite|tcp; ROUTE none|bindtodevice|
 *                                         bindtoifindex|unicast_if|pktinfo|pktinfo6|port53
 *                                         (port53: sent from source port 53)
 *   lo_probe cmsg KIND[+gso] ADDR PORT [TO-ADDR TO-PORT]
 *                                         UDP connected to ADDR PORT, then sendmsg with the
 *                                         cmsg KIND tos|ttl|pktinfo|tclass|hoplimit (and
 *                                         UDP_SEGMENT) and no address, or TO-ADDR TO-PORT
 *
 * One output line: "ok" or the errno's name.  Exit 0 success, 1 EPERM, 2 another errno,
 * 100 bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif
#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

static int result(int e)
{
	const char *s = e ? strerrorname_np(e) : "ok";

	printf("%s\n", s ? s : "EUNKNOWN");
	return e == 0 ? 0 : e == EPERM ? 1 : 2;
}

static int usage(void)
{
	fprintf(stderr, "usage: lo_probe serve ADDR PORT SECONDS [tcp|udp|udplite]\n"
		"       lo_probe send udp|udplite|tcp ROUTE ADDR PORT\n"
		"       lo_probe cmsg KIND[+gso] ADDR PORT [TO-ADDR TO-PORT]\n");
	return 100;
}

static int parse(const char *a, const char *p, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	int port = atoi(p);

	memset(ss, 0, sizeof(*ss));
	if (port <= 0 || port > 65535)
		return -1;
	if (strchr(a, ':')) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, a, &s6->sin6_addr) == 1 ? 0 : -1;
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*len = sizeof(*s4);
	return inet_pton(AF_INET, a, &s4->sin_addr) == 1 ? 0 : -1;
}

static int is_mapped(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	return ss->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
}

/* ---- serve ---- */

static int serve(const struct sockaddr_storage *ss, socklen_t len, int secs, const char *only)
{
	static const char *const name[3] = { "tcp", "udp", "udplite" };
	static const int type[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_DGRAM };
	static const int proto[3] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE };
	struct pollfd pfd[3];
	char buf[2048];
	time_t end = time(NULL) + secs;
	int one = 1, i, c;

	for (i = 0; i < 3; i++) {
		pfd[i].fd = -1;
		pfd[i].events = POLLIN;
		if (only && strcmp(only, name[i]))
			continue;
		pfd[i].fd = socket(ss->ss_family, type[i] | SOCK_CLOEXEC, proto[i]);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0)
			return result(errno);
		setsockopt(pfd[i].fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ss->ss_family == AF_INET6)
			setsockopt(pfd[i].fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(pfd[i].fd, (const struct sockaddr *)ss, len) < 0)
			return result(errno);
	}
	if (pfd[0].fd >= 0 && listen(pfd[0].fd, 64) < 0)
		return result(errno);
	printf("ready\n");
	fflush(stdout);
	while (time(NULL) < end) {
		if (poll(pfd, 3, 200) <= 0)
			continue;
		if ((pfd[0].revents & POLLIN) &&
		    (c = accept4(pfd[0].fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			printf("tcp\n");
			close(c);
		}
		for (i = 1; i < 3; i++)
			if ((pfd[i].revents & POLLIN) &&
			    recv(pfd[i].fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
				printf("%s\n", name[i]);
		fflush(stdout);
	}
	return 0;
}

/* ---- send ---- */

/* The device-picking socket option of ROUTE; cmsg routes set nothing here. */
static int route_opt(int fd, const char *route, const struct sockaddr_storage *ss)
{
	int lo = 1, lo_be = (int)htonl(1);

	if (!strcmp(route, "bindtodevice"))
		return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3);
	if (!strcmp(route, "bindtoifindex"))
		return setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &lo, sizeof(lo));
	if (!strcmp(route, "unicast_if") && (ss->ss_family == AF_INET || is_mapped(ss)))
		return setsockopt(fd, IPPROTO_IP, IP_UNICAST_IF, &lo_be, sizeof(lo_be));
	if (!strcmp(route, "unicast_if"))
		return setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_IF, &lo, sizeof(lo));
	if (!strcmp(route, "port53")) {
		struct sockaddr_storage src;

		memset(&src, 0, sizeof(src));
		src.ss_family = ss->ss_family;
		((struct sockaddr_in *)(void *)&src)->sin_port = htons(53);	/* same offset in6 */
		return bind(fd, (const struct sockaddr *)&src, ss->ss_family == AF_INET ?
			    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	}
	if (!strcmp(route, "none") || !strcmp(route, "pktinfo") || !strcmp(route, "pktinfo6"))
		return 0;
	errno = EINVAL;
	return -1;
}

/* One datagram; pktinfo routes put ifindex 1 in an IP_PKTINFO / IPV6_PKTINFO cmsg. */
static int send_dgram(int fd, const char *route, const struct sockaddr_storage *ss,
		      socklen_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} u;
	char data[] = "lo_probe";
	struct sockaddr_storage dst = *ss;
	struct iovec iov = { .iov_base = data, .iov_len = 8 };
	struct msghdr m = { .msg_name = &dst, .msg_namelen = len,
			    .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	if (!strcmp(route, "pktinfo") || !strcmp(route, "pktinfo6")) {
		int six = !strcmp(route, "pktinfo6");
		size_t sz = six ? sizeof(struct in6_pktinfo) : sizeof(struct in_pktinfo);

		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE(sz);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = six ? IPPROTO_IPV6 : IPPROTO_IP;
		c->cmsg_type = six ? IPV6_PKTINFO : IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sz);
		if (six) {
			struct in6_pktinfo *pi = (struct in6_pktinfo *)(void *)CMSG_DATA(c);

			pi->ipi6_ifindex = 1;
			if (is_mapped(ss))	/* a source the v4 path accepts: ::ffff:0.0.0.0 */
				pi->ipi6_addr.s6_addr[10] = pi->ipi6_addr.s6_addr[11] = 0xff;
		} else {
			((struct in_pktinfo *)(void *)CMSG_DATA(c))->ipi_ifindex = 1;
		}
	}
	return sendmsg(fd, &m, 0) < 0 ? -1 : 0;
}

/* A nonblocking connect, one second for the handshake. */
static int connect_tcp(int fd, const struct sockaddr_storage *ss, socklen_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t l = sizeof(err);

	if (connect(fd, (const struct sockaddr *)ss, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -1;
	if (poll(&p, 1, 1000) <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
	errno = err;
	return err ? -1 : 0;
}

static int cmd_send(const char *proto, const char *route, const struct sockaddr_storage *ss,
		    socklen_t len)
{
	int tcp = !strcmp(proto, "tcp"), fd, r;
	int p = tcp ? IPPROTO_TCP : !strcmp(proto, "udplite") ? IPPROTO_UDPLITE : IPPROTO_UDP;

	if (!tcp && strcmp(proto, "udp") && strcmp(proto, "udplite"))
		return usage();
	fd = socket(ss->ss_family, (tcp ? SOCK_STREAM | SOCK_NONBLOCK : SOCK_DGRAM) |
		    SOCK_CLOEXEC, p);
	if (fd < 0)
		return result(errno);
	r = route_opt(fd, route, ss);
	if (r == 0)
		r = tcp ? connect_tcp(fd, ss, len) : send_dgram(fd, route, ss, len);
	r = r < 0 ? errno : 0;
	close(fd);
	return result(r);
}

/* ---- cmsg: connected UDP with IP-level ancillary data ---- */

static int cmd_cmsg(const char *kind, const struct sockaddr_storage *peer, socklen_t plen,
		    const struct sockaddr_storage *to, socklen_t tolen)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} u;
	char data[] = "lo_probe";
	struct sockaddr_storage dst;
	struct iovec iov = { .iov_base = data, .iov_len = 8 };
	struct msghdr m = { .msg_name = to ? &dst : NULL, .msg_namelen = to ? tolen : 0,
			    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf };
	struct cmsghdr *c;
	const char *plus = strchr(kind, '+');
	size_t klen = plus ? (size_t)(plus - kind) : strlen(kind), sz = sizeof(int);
	int fd, val = 64, r;

	if (to)
		dst = *to;
	memset(&u, 0, sizeof(u));
	m.msg_controllen = sizeof(u.buf);
	c = CMSG_FIRSTHDR(&m);
	if (!strncmp(kind, "tos", klen) || !strncmp(kind, "ttl", klen)) {
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = kind[1] == 'o' ? IP_TOS : IP_TTL;
	} else if (!strncmp(kind, "pktinfo", klen)) {
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		sz = sizeof(struct in_pktinfo);
	} else if (!strncmp(kind, "tclass", klen) || !strncmp(kind, "hoplimit", klen)) {
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = kind[0] == 't' ? IPV6_TCLASS : IPV6_HOPLIMIT;
	} else {
		return usage();
	}
	c->cmsg_len = CMSG_LEN(sz);
	if (sz == sizeof(int))
		memcpy(CMSG_DATA(c), &val, sizeof(val));
	m.msg_controllen = CMSG_SPACE(sz);
	if (plus && !strcmp(plus, "+gso")) {
		uint16_t gso = 1000;

		m.msg_controllen = sizeof(u.buf);	/* room for CMSG_NXTHDR */
		c = CMSG_NXTHDR(&m, c);
		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof(gso));
		memcpy(CMSG_DATA(c), &gso, sizeof(gso));
		m.msg_controllen = CMSG_SPACE(sz) + CMSG_SPACE(sizeof(gso));
	} else if (plus) {
		return usage();
	}
	fd = socket(peer->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return result(errno);
	r = connect(fd, (const struct sockaddr *)peer, plen);
	if (r == 0)
		r = sendmsg(fd, &m, 0) < 0 ? -1 : 0;
	r = r < 0 ? errno : 0;
	close(fd);
	return result(r);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss, to;
	socklen_t len, tolen;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "serve") &&
	    parse(argv[2], argv[3], &ss, &len) == 0)
		return serve(&ss, len, atoi(argv[4]), argc == 6 ? argv[5] : NULL);
	if (argc == 6 && !strcmp(argv[1], "send") && parse(argv[4], argv[5], &ss, &len) == 0)
		return cmd_send(argv[2], argv[3], &ss, len);
	if (argc == 5 && !strcmp(argv[1], "cmsg") && parse(argv[3], argv[4], &ss, &len) == 0)
		return cmd_cmsg(argv[2], &ss, len, NULL, 0);
	if (argc == 7 && !strcmp(argv[1], "cmsg") && parse(argv[3], argv[4], &ss, &len) == 0 &&
	    parse(argv[5], argv[6], &to, &tolen) == 0)
		return cmd_cmsg(argv[2], &ss, len, &to, tolen);
	return usage();
}
