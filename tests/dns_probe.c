/*
 * tests/dns_probe.c - one DNS query the way a libc resolver makes it, for
 * the --allow-domain tests (tests/28-dns.t) and bench/.  Runs with whatever
 * privilege the test gives it, usually inside `jail-ai run`.  Inputs: its
 * argv only (numeric addresses).
 *
 * usage: dns_probe MODE SERVER PORT NAME [A|AAAA]
 *   MODE  sendto   an unconnected UDP socket, sendto + recvfrom (musl)
 *         connect  a connected UDP socket, send + recvfrom (glibc)
 *         tcp      TCP, a 2-byte length before each message
 *   SERVER an IPv4 or IPv6 address (::ffff:a.b.c.d: an AF_INET6 socket)
 * Prints one line: "rcode=N from=ADDR:PORT an=A1,A2,..." (from: the answer's
 * source as recvfrom reports it, for tcp getpeername's) or the errno's name.
 * Exit: 0 an answer, 1 EPERM, 2 another failure (timeout: ETIMEDOUT), 100
 * bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TIMEOUT_MS	3000

static int fail(const char *what, int e)
{
	printf("%s %s\n", what, e == EPERM ? "EPERM" : strerrorname_np(e) ?
	    strerrorname_np(e) : "error");
	return e == EPERM ? 1 : 2;
}

static size_t query(uint8_t *q, const char *name, int type)
{
	size_t n = 12, l;
	const char *p = name, *dot;

	memset(q, 0, 12);
	q[0] = 0x4a;
	q[1] = 0x17;
	q[2] = 0x01;	/* RD */
	q[5] = 1;	/* QDCOUNT */
	while (*p) {
		dot = strchr(p, '.');
		l = dot ? (size_t)(dot - p) : strlen(p);
		q[n++] = (uint8_t)l;
		memcpy(q + n, p, l);
		n += l;
		p += l + (dot != NULL);
	}
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = (uint8_t)type;
	q[n++] = 0;
	q[n++] = 1;
	return n;
}

/* rcode and each A/AAAA of the answer section, printed. */
static void show(const uint8_t *m, size_t len, const char *from)
{
	size_t off = 12, an, i;
	char a[INET6_ADDRSTRLEN];
	int first = 1;

	printf("rcode=%d from=%s an=", len >= 4 ? m[3] & 15 : -1, from);
	if (len < 12)
		goto out;
	an = (size_t)m[6] << 8 | m[7];
	while (off < len && m[off])	/* the question's name */
		off += m[off] + 1u;
	off += 5;
	for (i = 0; i < an && off + 12 <= len; i++) {
		size_t rdl;
		int type;

		if ((m[off] & 0xc0) == 0xc0)
			off += 2;
		else {
			while (off < len && m[off])
				off += m[off] + 1u;
			off++;
		}
		if (off + 10 > len)
			break;
		type = m[off] << 8 | m[off + 1];
		rdl = (size_t)m[off + 8] << 8 | m[off + 9];
		off += 10;
		if (off + rdl > len)
			break;
		if ((type == 1 && rdl == 4) || (type == 28 && rdl == 16)) {
			inet_ntop(type == 1 ? AF_INET : AF_INET6, m + off, a,
			    sizeof(a));
			printf("%s%s", first ? "" : ",", a);
			first = 0;
		}
		off += rdl;
	}
out:
	putchar('\n');
}

static void name_of(const struct sockaddr_storage *ss, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		snprintf(out, n, "%s:%u", a, ntohs(s->sin_port));
	} else {
		const struct sockaddr_in6 *s = (const void *)ss;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		snprintf(out, n, "[%s]:%u", a, ntohs(s->sin6_port));
	}
}

static int wait_in(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	int r = poll(&p, 1, TIMEOUT_MS);

	return r < 0 ? -errno : r == 0 ? -ETIMEDOUT : 0;
}

/* TCP: all of n bytes, or -errno. */
static int readn(int fd, uint8_t *b, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		if ((r = wait_in(fd)) < 0)
			return (int)r;
		r = read(fd, b + got, n - got);
		if (r <= 0)
			return r < 0 ? -errno : -ECONNRESET;
		got += (size_t)r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss, from;
	socklen_t len, flen = sizeof(from);
	uint8_t q[300], m[4096];
	char fs[80];
	ssize_t n;
	size_t ql;
	int fd, tcp, r;

	if (argc < 5 || argc > 6)
		return 100;
	memset(&ss, 0, sizeof(ss));
	if (strchr(argv[2], ':')) {
		struct sockaddr_in6 *s = (void *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)atoi(argv[3]));
		if (inet_pton(AF_INET6, argv[2], &s->sin6_addr) != 1)
			return 100;
		len = sizeof(*s);
	} else {
		struct sockaddr_in *s = (void *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)atoi(argv[3]));
		if (inet_pton(AF_INET, argv[2], &s->sin_addr) != 1)
			return 100;
		len = sizeof(*s);
	}
	ql = query(q + 2, argv[4], argc == 6 && !strcmp(argv[5], "AAAA") ?
	    28 : 1);
	tcp = !strcmp(argv[1], "tcp");
	fd = socket(ss.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket", errno);
	if (!strcmp(argv[1], "sendto")) {
		if (sendto(fd, q + 2, ql, 0, (void *)&ss, len) < 0)
			return fail("sendto", errno);
	} else if (!strcmp(argv[1], "connect") || tcp) {
		if (connect(fd, (void *)&ss, len) < 0)
			return fail("connect", errno);
		q[0] = (uint8_t)(ql >> 8);
		q[1] = (uint8_t)ql;
		if (send(fd, tcp ? q : q + 2, tcp ? ql + 2 : ql, 0) < 0)
			return fail("send", errno);
	} else {
		return 100;
	}
	if (tcp) {
		if ((r = readn(fd, m, 2)) < 0)
			return fail("read", -r);
		n = m[0] << 8 | m[1];
		if ((r = readn(fd, m, (size_t)n)) < 0)
			return fail("read", -r);
		if (getpeername(fd, (void *)&from, &flen) < 0)
			return fail("getpeername", errno);
	} else {
		if ((r = wait_in(fd)) < 0)
			return fail("recvfrom", -r);
		n = recvfrom(fd, m, sizeof(m), 0, (void *)&from, &flen);
		if (n < 0)
			return fail("recvfrom", errno);
	}
	name_of(&from, fs, sizeof(fs));
	show(m, (size_t)n, fs);
	return 0;
}
