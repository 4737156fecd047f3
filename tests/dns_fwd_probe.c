/*
 * tests/dns_fwd_probe.c - drives dns.c's forwarder for tests/28-dns-fwd.t
 * and bench/dns, and is their DNS client (dig is not installed
 * everywhere).  Linked with dns.c, hostips.c, util.c.  No privilege.
 *
 *   fwd RESOLV TIMEOUT_MS [-F] [-c] [-D MS] NAME...
 *       a forwarder for NAMEs with RESOLV's nameservers; prints "port P
 *       v6 0|1", then "allow 4|6 ADDR TTL" per callback (-F: the callback
 *       fails, "allow-fail ..."), "stats ..." when a counter changes;
 *       -c: "badflags FD" for any polled fd not O_NONBLOCK and FD_CLOEXEC;
 *       -D: the callback takes MS ms (as a slow map update would);
 *       -N NETNS: the listeners made in network namespace NETNS (a path;
 *       setns there and back, as root jail-ai does for a podman jail),
 *       then dns_fwd_open_fds; upstream stays in the probe's own one
 *   query [-t] [-n] [-x] [-w MS] ADDR PORT NAME TYPE
 *       one query (TYPE A or AAAA; -t TCP); prints "rcode R" and "A|AAAA
 *       ADDR TTL" per address (A/AAAA of NAME and its CNAME chain); -n:
 *       naive, takes the first datagram from anyone with any id and
 *       prints "from ADDR PORT idmatch 0|1" first; -x: "hex ..." the
 *       whole answer
 *   raw ADDR PORT HEX [hex]  a datagram of those bytes; "reply rcode R" or
 *                          "noreply" after 300 ms; hex: then "hex REPLY"
 *   fill ADDR PORT NAME N MS   N queries at once, replies for MS:
 *                          "rcode R count C" lines, then "noreply K"
 *   slowtcp ADDR PORT MS   connects, sends one byte, "closed after T ms"
 *                          when the peer closes, else "open after MS ms"
 *   bench ADDR PORT NAME N N UDP queries one after the other: "median US
 *                          p90 US" (microseconds)
 * Exit 0 done, 1 no answer, 100 bad usage, 111 a failed system call.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"

static void usage(void)
{
	fprintf(stderr, "usage: dns_fwd_probe fwd|query|raw|fill|slowtcp|bench "
	    "... (see the source)\n");
	exit(100);
}

static void die111(const char *what)
{
	fprintf(stderr, "dns_fwd_probe: %s: %s\n", what, strerror(errno));
	exit(111);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static socklen_t addr(const char *a, const char *port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)atoi(port));
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)atoi(port));
		return sizeof(*s6);
	}
	usage();
	return 0;
}

/* ---- fwd ---- */

static int fail_allow, allow_delay_ms;

static int print_allow(void *arg, int family, const void *a, uint32_t ttl)
{
	char s[INET6_ADDRSTRLEN];

	(void)arg;
	if (allow_delay_ms) {
		struct timespec ts = { allow_delay_ms / 1000,
			(allow_delay_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	inet_ntop(family, a, s, sizeof(s));
	printf("%s %d %s %u\n", fail_allow ? "allow-fail" : "allow",
	    family == AF_INET ? 4 : 6, s, ttl);
	fflush(stdout);
	return fail_allow ? -1 : 0;
}

/* -N: the listeners in netns, the forwarder here. */
static int open_in(struct dns_fwd *f, const char *netns,
    const struct dns_names *nm, const char *resolv, char *err, size_t len)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int there = open(netns, O_RDONLY | O_CLOEXEC), lfd[4], r;
	uint16_t port;

	if (self < 0 || there < 0 || setns(there, CLONE_NEWNET) < 0)
		die111(netns);
	r = dns_fwd_listeners(lfd, &port);
	if (setns(self, CLONE_NEWNET) < 0)
		die111("setns back");
	close(self);
	close(there);
	if (r < 0) {
		snprintf(err, len, "listeners in %s: %s", netns, strerror(-r));
		return r;
	}
	return dns_fwd_open_fds(f, lfd, nm, resolv, print_allow, NULL, err,
	    len);
}

static int fwd(int argc, char **argv)
{
	static struct dns_names nm;
	static struct dns_fwd f;
	struct pollfd pf[DNS_POLLFDS];
	char err[256], last[256] = "", now[256];
	const char *netns = NULL;
	int i, n, check = 0, fl, r;

	if (argc < 4)
		usage();
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "-F"))
			fail_allow = 1;
		else if (!strcmp(argv[i], "-c"))
			check = 1;
		else if (!strcmp(argv[i], "-D") && i + 1 < argc)
			allow_delay_ms = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-N") && i + 1 < argc)
			netns = argv[++i];
		else if (dns_names_add(&nm, argv[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "dns_fwd_probe: %s\n", err);
			return 100;
		}
	}
	if (netns)
		r = open_in(&f, netns, &nm, argv[2], err, sizeof(err));
	else
		r = dns_fwd_open(&f, &nm, argv[2], print_allow, NULL, err,
		    sizeof(err));
	if (r < 0) {
		fprintf(stderr, "dns_fwd_probe: %s\n", err);
		return 111;
	}
	f.timeout_ms = atoi(argv[3]);
	printf("port %u v6 %d\n", f.port, f.udp6 >= 0 && f.tcp6 >= 0);
	fflush(stdout);
	for (;;) {
		n = dns_fwd_pollfds(&f, pf, DNS_POLLFDS);
		for (i = 0; check && i < n; i++) {
			fl = fcntl(pf[i].fd, F_GETFL);
			if (!(fl & O_NONBLOCK) ||
			    !(fcntl(pf[i].fd, F_GETFD) & FD_CLOEXEC))
				printf("badflags %d\n", pf[i].fd);
		}
		if (poll(pf, (nfds_t)n, dns_fwd_timeout_ms(&f)) < 0 &&
		    errno != EINTR)
			die111("poll");
		if (dns_fwd_handle(&f, pf, n, err, sizeof(err)) < 0) {
			fprintf(stderr, "dns_fwd_probe: %s\n", err);
			return 111;
		}
		snprintf(now, sizeof(now), "stats queries=%lu refused=%lu "
		    "forwarded=%lu answered=%lu failed=%lu malformed=%lu",
		    f.queries, f.refused, f.forwarded, f.answered, f.failed,
		    f.malformed);
		if (strcmp(now, last)) {
			printf("%s\n", now);
			fflush(stdout);
			strcpy(last, now);
		}
	}
}

/* ---- the client ---- */

/* A query for name/type with a random id into m; its length. */
static size_t make_query(const char *name, int type, uint8_t *m,
    uint16_t *id)
{
	size_t o = 12, l;

	if (getrandom(id, sizeof(*id), 0) != sizeof(*id))
		die111("getrandom");
	memset(m, 0, 12);
	m[0] = (uint8_t)(*id >> 8);
	m[1] = (uint8_t)*id;
	m[2] = 1;		/* RD */
	m[5] = 1;
	while (*name) {
		for (l = 0; name[l] && name[l] != '.'; l++)
			m[o + 1 + l] = (uint8_t)name[l];
		m[o] = (uint8_t)l;
		o += 1 + l;
		name += l;
		if (*name == '.')
			name++;
	}
	m[o++] = 0;
	m[o++] = 0;
	m[o++] = (uint8_t)type;
	m[o++] = 0;
	m[o++] = 1;
	return o;
}

static int print_addr(void *arg, int family, const void *a, uint32_t ttl)
{
	char s[INET6_ADDRSTRLEN];

	(void)arg;
	inet_ntop(family, a, s, sizeof(s));
	printf("%s %s %u\n", family == AF_INET ? "A" : "AAAA", s, ttl);
	return 0;
}

static int wait_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static int read_full(int fd, uint8_t *b, size_t n, int ms)
{
	ssize_t r;

	while (n) {
		if (!wait_in(fd, ms))
			return -1;
		r = read(fd, b, n);
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static int query(int argc, char **argv)
{
	static uint8_t m[65538], a[65538];
	struct sockaddr_storage ss, from;
	struct dns_question q;
	socklen_t sl, fl;
	size_t len, alen;
	ssize_t r;
	int i = 2, tcp = 0, naive = 0, hex = 0, ms = 3000, fd;
	char s[INET6_ADDRSTRLEN];

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-t"))
			tcp = 1;
		else if (!strcmp(argv[i], "-n"))
			naive = 1;
		else if (!strcmp(argv[i], "-x"))
			hex = 1;
		else if (!strcmp(argv[i], "-w") && i + 1 < argc)
			ms = atoi(argv[++i]);
		else
			usage();
	}
	if (argc - i != 4)
		usage();
	sl = addr(argv[i], argv[i + 1], &ss);
	len = make_query(argv[i + 2], strcmp(argv[i + 3], "AAAA") ? 1 : 28,
	    m + 2, &q.id);
	if (dns_parse_query(m + 2, len, &q) < 0) {
		fprintf(stderr, "dns_fwd_probe: cannot make a query for %s\n",
		    argv[i + 2]);
		return 100;
	}
	fd = socket(ss.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_CLOEXEC, 0);
	if (fd < 0)
		die111("socket");
	if (tcp) {
		m[0] = (uint8_t)(len >> 8);
		m[1] = (uint8_t)len;
		if (connect(fd, (struct sockaddr *)&ss, sl) < 0 ||
		    write(fd, m, len + 2) != (ssize_t)(len + 2))
			die111("tcp query");
		if (read_full(fd, a, 2, ms) < 0 ||
		    read_full(fd, a + 2, (size_t)(a[0] << 8 | a[1]), ms) < 0) {
			printf("timeout\n");
			return 1;
		}
		alen = (size_t)(a[0] << 8 | a[1]);
	} else {
		if (!naive && connect(fd, (struct sockaddr *)&ss, sl) < 0)
			die111("connect");
		if (sendto(fd, m + 2, len, 0, (struct sockaddr *)&ss, sl) < 0)
			die111("send");
		if (!wait_in(fd, ms)) {
			printf("timeout\n");
			return 1;
		}
		fl = sizeof(from);
		r = recvfrom(fd, a + 2, sizeof(a) - 2, 0,
		    (struct sockaddr *)&from, &fl);
		if (r < 0)
			die111("recv");
		alen = (size_t)r;
		if (naive) {
			inet_ntop(from.ss_family, from.ss_family == AF_INET ?
			    (void *)&((struct sockaddr_in *)&from)->sin_addr :
			    (void *)&((struct sockaddr_in6 *)&from)->sin6_addr,
			    s, sizeof(s));
			printf("from %s %u idmatch %d\n", s,
			    ntohs(((struct sockaddr_in *)&from)->sin_port),
			    alen >= 2 && (a[2] << 8 | a[3]) == q.id);
			if (alen >= 2)
				q.id = (uint16_t)(a[2] << 8 | a[3]);
		}
	}
	if (alen < 12) {
		printf("short\n");
		return 1;
	}
	printf("rcode %d\n", a[5] & 0xf);
	if (hex) {
		printf("hex ");
		for (len = 0; len < alen; len++)
			printf("%02x", a[2 + len]);
		printf("\n");
	}
	if (dns_parse_answer(a + 2, alen, &q, print_addr, NULL) < 0)
		printf("malformed\n");
	return 0;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int raw(int argc, char **argv)
{
	uint8_t m[4096], a[65536];
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t n = 0, i;
	ssize_t r;
	int fd;

	if (argc != 5 && !(argc == 6 && !strcmp(argv[5], "hex")))
		usage();
	sl = addr(argv[2], argv[3], &ss);
	for (i = 0; argv[4][i] && argv[4][i + 1] && n < sizeof(m); i += 2) {
		if (hexval(argv[4][i]) < 0 || hexval(argv[4][i + 1]) < 0)
			usage();
		m[n++] = (uint8_t)(hexval(argv[4][i]) << 4 |
		    hexval(argv[4][i + 1]));
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    send(fd, m, n, 0) < 0)
		die111("raw send");
	if (!wait_in(fd, 300) || (r = recv(fd, a, sizeof(a), 0)) < 12) {
		printf("noreply\n");
		return 0;
	}
	printf("reply rcode %d len %zd\n", a[3] & 0xf, r);
	for (i = 0; argc == 6 && i < (size_t)r; i++)
		printf("%s%02x%s", i ? "" : "hex ", a[i], i + 1 < (size_t)r ? "" : "\n");
	return 0;
}

static int fill(int argc, char **argv)
{
	uint8_t m[512], a[65536];
	struct sockaddr_storage ss;
	socklen_t sl;
	uint16_t id;
	int counts[16] = { 0 }, fd, i, n, got = 0;
	uint64_t end;
	ssize_t r;
	size_t len;

	if (argc != 7)
		usage();
	sl = addr(argv[2], argv[3], &ss);
	n = atoi(argv[5]);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0)
		die111("socket");
	for (i = 0; i < n; i++) {
		len = make_query(argv[4], 1, m, &id);
		if (send(fd, m, len, 0) < 0)
			die111("send");
	}
	end = now_us() + (uint64_t)atoi(argv[6]) * 1000;
	while (got < n && now_us() < end) {
		if (!wait_in(fd, (int)((end - now_us()) / 1000) + 1))
			break;
		if ((r = recv(fd, a, sizeof(a), 0)) >= 12) {
			counts[a[3] & 0xf]++;
			got++;
		}
	}
	for (i = 0; i < 16; i++)
		if (counts[i])
			printf("rcode %d count %d\n", i, counts[i]);
	printf("noreply %d\n", n - got);
	return 0;
}

static int slowtcp(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	uint64_t t0;
	uint8_t b[64];
	int fd, ms;

	if (argc != 5 && !(argc == 6 && !strcmp(argv[5], "hex")))
		usage();
	sl = addr(argv[2], argv[3], &ss);
	ms = atoi(argv[4]);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    write(fd, "\0", 1) != 1)
		die111("slowtcp");
	t0 = now_us();
	if (wait_in(fd, ms) && read(fd, b, sizeof(b)) <= 0) {
		printf("closed after %llu ms\n",
		    (unsigned long long)((now_us() - t0) / 1000));
		return 0;
	}
	printf("open after %d ms\n", ms);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int bench(int argc, char **argv)
{
	static uint64_t t[100000];
	uint8_t m[512], a[4096];
	struct sockaddr_storage ss;
	socklen_t sl;
	uint16_t id;
	size_t len;
	uint64_t t0;
	int fd, i, n;

	if (argc != 6)
		usage();
	sl = addr(argv[2], argv[3], &ss);
	n = atoi(argv[5]);
	if (n < 1 || n > 100000)
		usage();
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0)
		die111("socket");
	for (i = 0; i < n; i++) {
		len = make_query(argv[4], 1, m, &id);
		t0 = now_us();
		if (send(fd, m, len, 0) < 0)
			die111("send");
		do {
			if (!wait_in(fd, 2000)) {
				printf("timeout at %d\n", i);
				return 1;
			}
		} while (recv(fd, a, sizeof(a), 0) < 2 ||
		    (a[0] << 8 | a[1]) != id);
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)n, sizeof(t[0]), cmp_u64);
	printf("median %llu p90 %llu\n", (unsigned long long)t[n / 2],
	    (unsigned long long)t[n * 9 / 10]);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "fwd"))
		return fwd(argc, argv);
	if (!strcmp(argv[1], "query"))
		return query(argc, argv);
	if (!strcmp(argv[1], "raw"))
		return raw(argc, argv);
	if (!strcmp(argv[1], "fill"))
		return fill(argc, argv);
	if (!strcmp(argv[1], "slowtcp"))
		return slowtcp(argc, argv);
	if (!strcmp(argv[1], "bench"))
		return bench(argc, argv);
	usage();
	return 100;
}
