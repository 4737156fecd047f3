/*
 * tests/dns_server.c - a small authoritative DNS server for the tests
 * (tests/28-dns-fwd.t, the --allow-domain tests, bench/dns).  Never
 * installed; no privilege beyond binding ADDR:PORT.
 *
 * usage: dns_server ADDR PORT [options] [RECORD...]
 *   RECORD       "NAME A|AAAA|CNAME VALUE TTL" (one argument)
 *   -f FILE      more records, one a line (# comments)
 *   -l FILE      log (default stdout): "q NAME TYPE udp|tcp" per query,
 *                "forged NAME id|port" per forged answer sent
 *   -x RECORD    put this record (another name's) in every answer too
 *   -s id|port   before each UDP answer send a forged one (its A 6.6.6.6,
 *                its AAAA 6666::6) with a wrong id, or the right id from
 *                another port
 *   -n           with -s: no real answer after the forged one
 *   -d           never answer (queries are still logged)
 *   -r           log each query's bytes too: "raw HEX" after its "q" line
 *   -m badlen    every A record with rdlength 5 (a malformed answer)
 * UDP and TCP on ADDR:PORT (IPv4 or IPv6).  A name with no record gets
 * NXDOMAIN; CNAMEs are followed within the records.  Prints "ready" when
 * it listens.  Exit 100 bad usage, 111 a failed system call.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXREC	256

struct rec {
	char name[256];
	int type;		/* 1 A, 5 CNAME, 28 AAAA */
	uint8_t val[256];	/* address, or the target in wire form */
	size_t vlen;
	uint32_t ttl;
};

static struct rec recs[MAXREC];
static int nrec;
static struct rec extra;
static int has_extra, drop, no_real, badlen;
static const char *spoof;
static FILE *logfp;
static int rawlog;	/* -r: each query's bytes too */
static struct sockaddr_storage bind_ss;
static socklen_t bind_sl;

static void usage(void)
{
	fprintf(stderr, "usage: dns_server ADDR PORT [-f FILE] [-l LOG] "
	    "[-x RECORD] [-s id|port] [-n] [-d] [-m badlen] [RECORD...]\n");
	exit(100);
}

static void die111(const char *what)
{
	fprintf(stderr, "dns_server: %s: %s\n", what, strerror(errno));
	exit(111);
}

/* "a.b.c" into wire form; its length. */
static size_t to_wire(const char *s, uint8_t *out)
{
	size_t o = 0, l;

	while (*s && strcmp(s, ".") != 0) {
		for (l = 0; s[l] && s[l] != '.'; l++)
			out[o + 1 + l] = (uint8_t)tolower((unsigned char)s[l]);
		out[o] = (uint8_t)l;
		o += 1 + l;
		s += l;
		if (*s == '.')
			s++;
	}
	out[o++] = 0;
	return o;
}

static int parse_rec(const char *line, struct rec *r)
{
	char name[256], type[16], val[256];
	unsigned long ttl;
	size_t i;

	if (sscanf(line, "%255s %15s %255s %lu", name, type, val, &ttl) != 4)
		return -1;
	for (i = 0; name[i]; i++)
		r->name[i] = (char)tolower((unsigned char)name[i]);
	r->name[i] = '\0';
	if (i > 1 && r->name[i - 1] == '.')
		r->name[i - 1] = '\0';
	r->ttl = (uint32_t)ttl;
	if (!strcasecmp(type, "A") && inet_pton(AF_INET, val, r->val) == 1) {
		r->type = 1;
		r->vlen = 4;
	} else if (!strcasecmp(type, "AAAA") &&
	    inet_pton(AF_INET6, val, r->val) == 1) {
		r->type = 28;
		r->vlen = 16;
	} else if (!strcasecmp(type, "CNAME")) {
		r->type = 5;
		r->vlen = to_wire(val, r->val);
	} else {
		return -1;
	}
	return 0;
}

static void add_rec(const char *line)
{
	if (nrec >= MAXREC || parse_rec(line, &recs[nrec]) < 0) {
		fprintf(stderr, "dns_server: bad record \"%s\"\n", line);
		exit(100);
	}
	nrec++;
}

static void read_recs(const char *path)
{
	char line[600];
	FILE *fp = fopen(path, "r");

	if (!fp)
		die111(path);
	while (fgets(line, sizeof(line), fp))
		if (line[0] != '#' && line[0] != '\n')
			add_rec(line);
	fclose(fp);
}

/* Appends record r with owner (wire form; NULL: a pointer to the question's
 * name) to out at *o.  forge: A/AAAA replaced by the forged addresses. */
static int put_rr(uint8_t *out, size_t cap, size_t *o, const uint8_t *owner,
    size_t olen, const struct rec *r, int forge)
{
	static const uint8_t f4[4] = { 6, 6, 6, 6 };
	static const uint8_t f6[16] = { 0x66, 0x66, [15] = 6 };
	const uint8_t *v = r->val;
	size_t rdlen = r->vlen;

	if (*o + (owner ? olen : 2) + 10 + rdlen + 1 > cap)
		return -1;
	if (owner) {
		memcpy(out + *o, owner, olen);
		*o += olen;
	} else {
		out[(*o)++] = 0xc0;
		out[(*o)++] = 12;
	}
	if (forge && r->type == 1)
		v = f4;
	if (forge && r->type == 28)
		v = f6;
	if (badlen && r->type == 1)
		rdlen = 5;
	out[(*o)++] = 0;
	out[(*o)++] = (uint8_t)r->type;
	out[(*o)++] = 0;
	out[(*o)++] = 1;
	out[(*o)++] = (uint8_t)(r->ttl >> 24);
	out[(*o)++] = (uint8_t)(r->ttl >> 16);
	out[(*o)++] = (uint8_t)(r->ttl >> 8);
	out[(*o)++] = (uint8_t)r->ttl;
	out[(*o)++] = (uint8_t)(rdlen >> 8);
	out[(*o)++] = (uint8_t)rdlen;
	memcpy(out + *o, v, r->vlen);
	*o += rdlen;		/* badlen: one byte of garbage (0) */
	return 0;
}

/* The query's name in text, lowercase (for the records and the log). */
static int qname(const uint8_t *m, size_t len, char *name, size_t *end)
{
	size_t pos = 12, o = 0, i;

	while (pos < len && m[pos]) {
		if (m[pos] > 63 || pos + 1 + m[pos] >= len || o + m[pos] + 2 > 255)
			return -1;
		if (o)
			name[o++] = '.';
		for (i = 1; i <= m[pos]; i++)
			name[o++] = (char)tolower(m[pos + i]);
		pos += 1 + m[pos];
	}
	if (pos + 5 > len)
		return -1;
	name[o] = '\0';
	*end = pos + 5;
	return 0;
}

/* The answer to query m into out; its length, 0 for no answer. */
static size_t answer(const uint8_t *m, size_t len, uint8_t *out, size_t cap,
    int forge, const char *proto)
{
	char name[256], cur[256];
	uint8_t w[256];
	size_t end, o, wl;
	int i, qtype, an = 0, found = 0, hops;

	if (len < 17 || qname(m, len, name, &end) < 0 || end > cap)
		return 0;
	qtype = m[end - 4] << 8 | m[end - 3];
	if (!forge) {
		fprintf(logfp, "q %s %d %s\n", name, qtype, proto);
		for (o = 0; rawlog && o < len; o++)
			fprintf(logfp, "%s%02x%s", o ? "" : "raw ", m[o],
			    o + 1 < len ? "" : "\n");
		fflush(logfp);
	}
	memcpy(out, m, end);
	out[2] = 0x84 | (m[2] & 1);	/* QR AA RD */
	out[3] = 0x80;
	memset(out + 6, 0, 6);
	o = end;
	strcpy(cur, name);
	for (hops = 0; hops < 8; hops++) {
		for (i = 0; i < nrec; i++)
			if (!strcmp(recs[i].name, cur) && recs[i].type == 5)
				break;
		if (i == nrec || qtype == 5)
			break;
		found = 1;
		wl = to_wire(cur, w);
		if (put_rr(out, cap, &o, hops ? w : NULL, wl, &recs[i], 0) < 0)
			return 0;
		an++;
		/* the target back to text */
		{
			size_t p = 0, q = 0;

			while (recs[i].val[p]) {
				if (q)
					cur[q++] = '.';
				memcpy(cur + q, recs[i].val + p + 1, recs[i].val[p]);
				q += recs[i].val[p];
				p += 1 + recs[i].val[p];
			}
			cur[q] = '\0';
		}
	}
	wl = to_wire(cur, w);
	for (i = 0; i < nrec; i++) {
		if (strcmp(recs[i].name, cur))
			continue;
		found = 1;
		if (recs[i].type != qtype)
			continue;
		if (put_rr(out, cap, &o, hops ? w : NULL, wl, &recs[i], forge) < 0)
			return 0;
		an++;
	}
	if (has_extra) {
		wl = to_wire(extra.name, w);
		if (put_rr(out, cap, &o, w, wl, &extra, forge) < 0)
			return 0;
		an++;
	}
	if (!found)
		out[3] |= 3;	/* NXDOMAIN */
	out[6] = (uint8_t)(an >> 8);
	out[7] = (uint8_t)an;
	return o;
}

static int sock(int type)
{
	int fd = socket(bind_ss.ss_family, type | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		die111("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&bind_ss, bind_sl) < 0)
		die111("bind");
	return fd;
}

static void serve_udp(int fd)
{
	static uint8_t m[65536], out[65536];
	struct sockaddr_storage from, other;
	socklen_t fl = sizeof(from);
	ssize_t r;
	size_t n;
	int ofd;

	r = recvfrom(fd, m, sizeof(m), 0, (struct sockaddr *)&from, &fl);
	if (r < 0 || drop) {
		if (r >= 0)
			answer(m, (size_t)r, out, sizeof(out), 0, "udp");
		return;
	}
	if (spoof && (n = answer(m, (size_t)r, out, sizeof(out), 1, "udp"))) {
		if (!strcmp(spoof, "id")) {
			out[0] ^= 0x5a;
			sendto(fd, out, n, 0, (struct sockaddr *)&from, fl);
		} else {
			other = bind_ss;	/* same address, another port */
			((struct sockaddr_in *)&other)->sin_port = 0;
			ofd = socket(other.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (ofd < 0 || bind(ofd, (struct sockaddr *)&other,
			    bind_sl) < 0)
				die111("bind the forging socket");
			sendto(ofd, out, n, 0, (struct sockaddr *)&from, fl);
			close(ofd);
		}
		fprintf(logfp, "forged %s\n", spoof);
		fflush(logfp);
		if (no_real) {
			answer(m, (size_t)r, out, sizeof(out), 0, "udp");
			return;
		}
	}
	if ((n = answer(m, (size_t)r, out, sizeof(out), 0, "udp")))
		sendto(fd, out, n, 0, (struct sockaddr *)&from, fl);
}

static int read_all(int fd, uint8_t *b, size_t n)
{
	ssize_t r;

	while (n) {
		r = read(fd, b, n);
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One TCP client, in a child: framed queries until EOF. */
static void serve_tcp(int c)
{
	static uint8_t m[65536], out[65538];
	struct timeval tv = { 3, 0 };
	size_t len, n;

	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (read_all(c, m, 2) == 0) {
		len = (size_t)(m[0] << 8 | m[1]);
		if (read_all(c, m, len) < 0)
			break;
		n = answer(m, len, out + 2, sizeof(out) - 2, 0, "tcp");
		if (!n || drop)
			continue;
		out[0] = (uint8_t)(n >> 8);
		out[1] = (uint8_t)n;
		if (write(c, out, n + 2) != (ssize_t)(n + 2))
			break;
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&bind_ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&bind_ss;
	struct pollfd pf[2];
	int i, u, t, c;

	if (argc < 3)
		usage();
	memset(&bind_ss, 0, sizeof(bind_ss));
	if (inet_pton(AF_INET, argv[1], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)atoi(argv[2]));
		bind_sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[1], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)atoi(argv[2]));
		bind_sl = sizeof(*s6);
	} else {
		usage();
	}
	logfp = stdout;
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "-f") && i + 1 < argc) {
			read_recs(argv[++i]);
		} else if (!strcmp(argv[i], "-l") && i + 1 < argc) {
			if (!(logfp = fopen(argv[++i], "a")))
				die111(argv[i]);
		} else if (!strcmp(argv[i], "-x") && i + 1 < argc) {
			if (parse_rec(argv[++i], &extra) < 0)
				usage();
			has_extra = 1;
		} else if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			spoof = argv[++i];
			if (strcmp(spoof, "id") && strcmp(spoof, "port"))
				usage();
		} else if (!strcmp(argv[i], "-m") && i + 1 < argc) {
			if (strcmp(argv[++i], "badlen"))
				usage();
			badlen = 1;
		} else if (!strcmp(argv[i], "-r")) {
			rawlog = 1;
		} else if (!strcmp(argv[i], "-n")) {
			no_real = 1;
		} else if (!strcmp(argv[i], "-d")) {
			drop = 1;
		} else if (argv[i][0] == '-') {
			usage();
		} else {
			add_rec(argv[i]);
		}
	}
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	u = sock(SOCK_DGRAM);
	t = sock(SOCK_STREAM);
	if (listen(t, 16) < 0)
		die111("listen");
	printf("ready\n");
	fflush(stdout);
	pf[0] = (struct pollfd){ .fd = u, .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = t, .events = POLLIN };
	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			die111("poll");
		if (pf[0].revents)
			serve_udp(u);
		if (pf[1].revents && (c = accept4(t, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			if (fork() == 0)
				serve_tcp(c);
			close(c);
		}
	}
}
