/*
 * dns.c - the DNS side of `--allow-domain`: the allowed names, pure
 * parsers of queries and answers, and a forwarder that answers names not
 * allowed with REFUSED and relays the others to the resolv.conf
 * nameservers, letting each answer's addresses through (dns_allow_fn)
 * before the client sees them.
 *
 * Privilege: none.  It runs in the capability-free `run` parent; its
 * sockets are ordinary ones (loopback listeners, upstream UDP and TCP).
 *
 * Untrusted input: every query (it comes from the jail) and every answer
 * (it comes from the network, and an off-path attacker may forge one).
 * The parsers read only inside (buffer, length), never trust a count,
 * follow compression pointers only backwards and a bounded number of
 * times, and accept only names made of [A-Za-z0-9_-] labels in a query,
 * so that the name matched here is the name the resolver looks up (a
 * label holding a '.' would match "example.com" as text and resolve
 * elsewhere).  Each upstream query has its own socket, connected to the
 * one nameserver it went to (the kernel drops datagrams from any other
 * address or port; the source port is a fresh ephemeral one), and a fresh
 * random id; an answer counts only with that id and the same question.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "hostips.h"
#include "util.h"

#define HDR		12
#define WIRE_MAX	255	/* a name in wire form, final 0 included */
#define PTR_HOPS	64	/* compression pointers followed per name */
#define CHAIN_MAX	16	/* CNAMEs followed from the question */
#define T_A		1
#define T_CNAME		5
#define T_AAAA		28
#define C_IN		1

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int label_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* ---- the allowed names ---- */

/* s[0..l): dot-separated labels of label_char, 1..63 each; NULL or why. */
static const char *bad_name(const char *s, size_t l)
{
	size_t i, lab = 0;

	if (l == 0)
		return "empty name";
	if (l > DNS_NAME_MAX)
		return "longer than 253 characters";
	for (i = 0; i < l; i++) {
		if (s[i] == '.') {
			if (lab == 0)
				return "an empty label";
			lab = 0;
			continue;
		}
		if (s[i] == '*')
			return "'*' only as the whole first label (*.example.com)";
		if (!label_char((unsigned char)s[i]))
			return "a character other than A-Z a-z 0-9 - _ .";
		if (++lab > 63)
			return "a label longer than 63 characters";
	}
	return lab == 0 ? "an empty label" : NULL;
}

/*
 * A wildcard over s[0..l) would be a public suffix that anyone can register
 * under: one label (*.com, *.io), or a short second-level label under a
 * two-letter country (*.co.uk, *.com.au).  Not the Public Suffix List: the
 * cheap cases only; README says what a wildcard over others' zones gives.
 */
static const char *public_suffix(const char *s, size_t l)
{
	static const char *const sld[] = { "ac", "co", "com", "edu", "gov",
	    "net", "org", "ne", "or", "go" };
	const char *dot = memchr(s, '.', l);
	size_t i, n;

	if (!dot)
		return "'*.' over a top-level domain: name a zone below it";
	n = (size_t)(dot - s);
	if (memchr(dot + 1, '.', l - n - 1) || l - n - 1 != 2)
		return NULL;
	for (i = 0; i < sizeof(sld) / sizeof(sld[0]); i++)
		if (strlen(sld[i]) == n && strncasecmp(sld[i], s, n) == 0)
			return "'*.' over a public suffix: name a zone below it";
	return NULL;
}

int dns_names_add(struct dns_names *nm, const char *arg, char *err,
    size_t errlen)
{
	const char *s = arg, *why;
	size_t l = strlen(arg), i;
	int wild = 0;

	if (l >= 2 && s[0] == '*' && s[1] == '.') {
		wild = 1;
		s += 2;
		l -= 2;
	}
	if (l > 0 && s[l - 1] == '.')
		l--;		/* "example.com." is example.com */
	why = bad_name(s, l);
	if (!why && wild)
		why = public_suffix(s, l);
	if (!why && nm->n >= DNS_MAX_NAMES)
		why = "more than 64 names";
	for (i = 0; !why && i < nm->n; i++)
		if (nm->v[i].wildcard == wild &&
		    strlen(nm->v[i].name) == l &&
		    strncasecmp(nm->v[i].name, s, l) == 0)
			why = "given twice";
	if (why) {	/* a long name cut, so that the reason shows */
		snprintf(err, errlen, "\"%.*s%s\": %s", 60, arg,
		    strlen(arg) > 60 ? "..." : "", why);
		return -1;
	}
	for (i = 0; i < l; i++)
		nm->v[nm->n].name[i] = (char)lower((unsigned char)s[i]);
	nm->v[nm->n].name[l] = '\0';
	nm->v[nm->n].wildcard = wild;
	nm->n++;
	return 0;
}

int dns_names_match(const struct dns_names *nm, const char *qname)
{
	char q[DNS_NAME_MAX + 1];
	size_t l = strlen(qname), nl, i;

	if (l > 0 && qname[l - 1] == '.')
		l--;
	if (bad_name(qname, l))
		return 0;	/* "", ".example.com": no name we allow */
	for (i = 0; i < l; i++)
		q[i] = (char)lower((unsigned char)qname[i]);
	q[l] = '\0';
	for (i = 0; i < nm->n; i++) {
		nl = strlen(nm->v[i].name);
		if (!nm->v[i].wildcard) {
			if (nl == l && memcmp(q, nm->v[i].name, l) == 0)
				return 1;
		} else if (l > nl + 1 && q[l - nl - 1] == '.' &&
		    memcmp(q + l - nl, nm->v[i].name, nl) == 0) {
			return 1;
		}
	}
	return 0;
}

/* ---- parsers ---- */

/*
 * The name at m[off], compression allowed, into out (wire form, lowercase,
 * final 0 included; *olen its length); *next: the offset after the name
 * where it starts.  A pointer must point before the run of labels it ends
 * (so each jump goes strictly backwards and the walk ends), at most
 * PTR_HOPS of them.  0 or -1.
 */
static int read_name(const uint8_t *m, size_t len, size_t off,
    uint8_t *out, size_t *olen, size_t *next)
{
	size_t pos = off, run = off, o = 0, p, i;
	int hops = 0;

	*next = 0;
	for (;;) {
		if (pos >= len)
			return -1;
		if ((m[pos] & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++hops > PTR_HOPS)
				return -1;
			p = (size_t)(m[pos] & 0x3f) << 8 | m[pos + 1];
			if (p >= run)
				return -1;
			if (*next == 0)
				*next = pos + 2;
			pos = run = p;
			continue;
		}
		if (m[pos] & 0xc0)
			return -1;	/* 0x40, 0x80: no such label types */
		if (m[pos] == 0)
			break;
		if (pos + 1 + m[pos] > len || o + 1 + m[pos] + 1 > WIRE_MAX)
			return -1;
		out[o++] = m[pos];
		for (i = 1; i <= m[pos]; i++)
			out[o++] = (uint8_t)lower(m[pos + i]);
		pos += 1 + m[pos];
	}
	out[o++] = 0;
	*olen = o;
	if (*next == 0)
		*next = pos + 1;
	return 0;
}

/* q's presentation name (checked by dns_parse_query) in wire form. */
static size_t name_to_wire(const char *s, uint8_t *out)
{
	size_t o = 0, lab;

	while (*s) {
		for (lab = 0; s[lab] && s[lab] != '.'; lab++)
			out[o + 1 + lab] = (uint8_t)s[lab];
		out[o] = (uint8_t)lab;
		o += 1 + lab;
		s += lab;
		if (*s == '.')
			s++;
	}
	out[o++] = 0;
	return o;
}

int dns_parse_query(const uint8_t *m, size_t len, struct dns_question *q)
{
	size_t pos = HDR, o = 0, i;
	uint8_t l;

	if (len < HDR + 5 || (m[2] & 0x80) || (m[2] & 0x78) != 0 ||
	    get16(m + 4) != 1 || get16(m + 6) != 0 || get16(m + 8) != 0)
		return -1;
	for (;;) {
		l = m[pos];
		if (l == 0)
			break;
		if (l > 63 || pos + 1 + l >= len ||
		    o + (o > 0) + l > DNS_NAME_MAX)
			return -1;	/* pointers and 0x40/0x80 too */
		if (o > 0)
			q->name[o++] = '.';
		for (i = 1; i <= l; i++) {
			if (!label_char(m[pos + i]))
				return -1;
			q->name[o++] = (char)lower(m[pos + i]);
		}
		pos += 1 + l;
	}
	if (pos + 5 > len)
		return -1;
	q->name[o] = '\0';
	q->id = get16(m);
	q->qtype = get16(m + pos + 1);
	q->qclass = get16(m + pos + 3);
	q->end = pos + 5;
	return 0;
}

size_t dns_reply_rcode(const uint8_t *m, const struct dns_question *q,
    int rcode, uint8_t *out, size_t cap)
{
	if (q->end < HDR + 5 || q->end > cap)
		return 0;
	memmove(out, m, q->end);
	out[2] = (uint8_t)(0x80 | (m[2] & 0x79));	/* QR, opcode, RD */
	out[3] = (uint8_t)(0x80 | (rcode & 0xf));	/* RA */
	put16(out + 4, 1);
	memset(out + 6, 0, 6);
	return q->end;
}

int dns_query_forwarded(const struct dns_question *q)
{
	static const uint16_t types[] = { 1, 5, 28, 64, 65 };	/* A CNAME AAAA SVCB HTTPS */
	size_t i;

	if (q->qclass != 1)
		return 0;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (q->qtype == types[i])
			return 1;
	return 0;
}

size_t dns_build_query(const struct dns_question *q, uint16_t id,
    uint8_t *out, size_t cap)
{
	size_t o;

	if (strlen(q->name) > DNS_NAME_MAX || cap < HDR + WIRE_MAX + 4)
		return 0;
	memset(out, 0, HDR);
	put16(out, id);
	out[2] = 0x01;		/* RD */
	put16(out + 4, 1);
	o = HDR + name_to_wire(q->name, out + HDR);
	put16(out + o, q->qtype);
	put16(out + o + 2, 1);	/* IN */
	o += 4;
	return o == q->end ? o : 0;
}

int dns_answer_for_client(uint8_t *m, size_t len,
    const struct dns_question *q, const uint8_t *qmsg, uint16_t up_id)
{
	uint8_t sent[HDR + WIRE_MAX + 4];
	size_t i;

	if (len < q->end || dns_build_query(q, up_id, sent, sizeof(sent)) == 0)
		return -1;
	for (i = HDR; i < q->end - 4; i++)	/* a resolver may change case */
		if (lower(m[i]) != lower(sent[i]))
			return -1;
	if (memcmp(m + q->end - 4, sent + q->end - 4, 4) != 0)
		return -1;
	memcpy(m + HDR, qmsg + HDR, q->end - HDR);
	put16(m, q->id);
	return 0;
}

/* One resource record of a section. */
struct rr {
	uint8_t owner[WIRE_MAX];
	size_t olen;
	uint16_t type, class;
	uint32_t ttl;
	size_t rd, rdlen;	/* rdata at m[rd..rd + rdlen) */
};

/* The record at *off, checked (A 4 bytes, AAAA 16, a CNAME's name fills
 * its rdata exactly); *off moves past it.  0 or -1. */
static int next_rr(const uint8_t *m, size_t len, size_t *off, struct rr *r,
    uint8_t *target, size_t *tlen)
{
	size_t p, end;

	if (read_name(m, len, *off, r->owner, &r->olen, &p) < 0 ||
	    p + 10 > len)
		return -1;
	r->type = get16(m + p);
	r->class = get16(m + p + 2);
	r->ttl = get32(m + p + 4);
	if (r->ttl > 0x7fffffff)
		r->ttl = 0;	/* RFC 2181 8: as zero */
	r->rdlen = get16(m + p + 8);
	r->rd = p + 10;
	if (r->rd + r->rdlen > len)
		return -1;
	*off = r->rd + r->rdlen;
	if (r->class != C_IN)
		return 0;
	if ((r->type == T_A && r->rdlen != 4) ||
	    (r->type == T_AAAA && r->rdlen != 16))
		return -1;
	if (r->type == T_CNAME &&
	    (read_name(m, r->rd + r->rdlen, r->rd, target, tlen, &end) < 0 ||
	    end != r->rd + r->rdlen))
		return -1;
	return 0;
}

/* The header and question of answer m for q; the answer section's offset
 * into *off.  0 or -1. */
static int answer_head(const uint8_t *m, size_t len,
    const struct dns_question *q, size_t *off)
{
	uint8_t qw[WIRE_MAX], aw[WIRE_MAX];
	size_t ql, al, p;

	if (len < HDR || get16(m) != q->id || !(m[2] & 0x80) ||
	    (m[2] & 0x78) != 0 || get16(m + 4) != 1)
		return -1;
	ql = name_to_wire(q->name, qw);
	if (read_name(m, len, HDR, aw, &al, &p) < 0 || al != ql ||
	    memcmp(aw, qw, ql) != 0 || p + 4 > len ||
	    get16(m + p) != q->qtype || get16(m + p + 2) != q->qclass)
		return -1;
	*off = p + 4;
	return 0;
}

/* chain[0] is q's name; chain[k + 1] the CNAME target of chain[k] (its
 * first CNAME of the section), ttl[k] the lowest CNAME TTL up to k. */
struct chain {
	uint8_t name[CHAIN_MAX][WIRE_MAX];
	size_t len[CHAIN_MAX];
	uint32_t ttl[CHAIN_MAX];
	int n;
};

static int chain_find(const struct chain *c, const uint8_t *w, size_t l)
{
	int k;

	for (k = 0; k < c->n; k++)
		if (c->len[k] == l && memcmp(c->name[k], w, l) == 0)
			return k;
	return -1;
}

/* Extends c by one CNAME of the answer section; 1 if it did. */
static int chain_step(const uint8_t *m, size_t len, size_t off,
    unsigned int an, struct chain *c)
{
	uint8_t t[WIRE_MAX];
	size_t tl = 0;
	struct rr r;
	unsigned int i;
	int k = c->n - 1;

	for (i = 0; i < an; i++) {
		if (next_rr(m, len, &off, &r, t, &tl) < 0)
			return 0;
		if (r.type != T_CNAME || r.class != C_IN || r.olen != c->len[k] ||
		    memcmp(r.owner, c->name[k], r.olen) != 0)
			continue;
		if (c->n >= CHAIN_MAX || chain_find(c, t, tl) >= 0)
			return 0;	/* too long, or a loop */
		memcpy(c->name[c->n], t, tl);
		c->len[c->n] = tl;
		c->ttl[c->n] = r.ttl < c->ttl[k] ? r.ttl : c->ttl[k];
		c->n++;
		return 1;
	}
	return 0;
}

int dns_parse_answer(const uint8_t *m, size_t len,
    const struct dns_question *q, dns_allow_fn fn, void *arg)
{
	struct chain c;
	struct rr r;
	uint8_t t[WIRE_MAX];
	size_t off, start, tl;
	unsigned int an, i;
	uint32_t ttl;
	int k, err;

	if (answer_head(m, len, q, &start) < 0)
		return -1;
	an = get16(m + 6);
	for (off = start, i = 0; i < an; i++)	/* all of it, before any fn */
		if (next_rr(m, len, &off, &r, t, &tl) < 0)
			return -1;
	if ((m[3] & 0xf) != 0)
		return 0;	/* NXDOMAIN, SERVFAIL...: nothing to allow */
	c.n = 1;
	c.len[0] = name_to_wire(q->name, c.name[0]);
	c.ttl[0] = 0xffffffff;
	while (chain_step(m, len, start, an, &c))
		;
	for (off = start, i = 0; i < an; i++) {
		if (next_rr(m, len, &off, &r, t, &tl) < 0)
			return -1;
		if (r.class != C_IN || (r.type != T_A && r.type != T_AAAA))
			continue;
		if ((k = chain_find(&c, r.owner, r.olen)) < 0)
			continue;	/* another name's: not ours to allow */
		ttl = r.ttl < c.ttl[k] ? r.ttl : c.ttl[k];
		err = fn(arg, r.type == T_A ? AF_INET : AF_INET6, m + r.rd, ttl);
		if (err < 0)
			return err;
	}
	return 0;
}

/* ---- the forwarder ---- */

enum { TCP_READQ, TCP_UPCONN, TCP_UPREAD, TCP_WRITEC };

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int fail(char *err, size_t errlen, int e, const char *what,
    const char *obj)
{
	snprintf(err, errlen, "dns forwarder: %s %s: %s", what, obj,
	    strerror(e));
	return -e;
}

static int new_id(uint16_t *id)
{
	return getrandom(id, sizeof(*id), 0) == (ssize_t)sizeof(*id) ? 0 :
	    -EIO;
}

/* Up to DNS_MAX_UPSTREAM nameservers of path, port 53.  hostips.c reads
 * the file as libc does (a bad line skipped, an IPv6 %scope dropped). */
static int read_upstreams(struct dns_fwd *f, const char *path, char *err,
    size_t errlen)
{
	struct hostip h[DNS_MAX_UPSTREAM];
	struct sockaddr_in *s4;
	struct sockaddr_in6 *s6;
	char *buf = NULL;
	size_t len, n = 0, i;
	int r;

	if ((r = read_file(path, &buf, &len)) < 0)
		return fail(err, errlen, -r, "read", path);
	r = hostips_parse_resolv_conf(buf, len, h, DNS_MAX_UPSTREAM, &n);
	free(buf);
	if (r < 0 && r != -E2BIG)	/* more than 3: the first 3, as libc */
		return fail(err, errlen, -r, "parse", path);
	if (n == 0) {
		snprintf(err, errlen, "dns forwarder: no nameserver in %s "
		    "(the resolver to forward allowed names to)", path);
		return -ENOENT;
	}
	for (i = 0; i < n; i++) {
		memset(&f->up[i], 0, sizeof(f->up[i]));
		if (h[i].family == AF_INET) {
			s4 = (struct sockaddr_in *)&f->up[i];
			s4->sin_family = AF_INET;
			s4->sin_port = htons(53);
			memcpy(&s4->sin_addr, h[i].addr, 4);
			f->uplen[i] = sizeof(*s4);
		} else {
			s6 = (struct sockaddr_in6 *)&f->up[i];
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(53);
			memcpy(&s6->sin6_addr, h[i].addr, 16);
			f->uplen[i] = sizeof(*s6);
		}
	}
	f->nup = (int)n;
	return 0;
}

/* A loopback listener of family and type on port (0: any; *port then
 * says which).  The fd or -errno. */
static int listener(int family, int type, uint16_t *port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd, one = 1, e;

	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(*port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*s4);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(*port);
		s6->sin6_addr = in6addr_loopback;
		sl = sizeof(*s6);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one)) < 0)
			goto out;
	}
	if (type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto out;
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    (type == SOCK_STREAM && listen(fd, DNS_MAX_TCP) < 0) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		goto out;
	*port = ntohs(family == AF_INET ? s4->sin_port : s6->sin6_port);
	return fd;
out:
	e = -errno;
	close(fd);
	return e;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* lfd: udp4, udp6, tcp4, tcp6 */
static void close_four(int lfd[4])
{
	int i;

	for (i = 0; i < 4; i++)
		close_fd(&lfd[i]);
}

static void close_listeners(struct dns_fwd *f)
{
	close_fd(&f->udp4);
	close_fd(&f->tcp4);
	close_fd(&f->udp6);
	close_fd(&f->tcp6);
}

/* One try at four listeners (lfd: udp4, udp6, tcp4, tcp6) on one port:
 * 0, -EADDRINUSE (try again: the port the kernel gave UDP was taken for
 * TCP or on ::1), or -errno. */
static int listeners_once(int lfd[4], uint16_t *pport)
{
	uint16_t port = 0;
	int r, i;

	lfd[0] = lfd[1] = lfd[2] = lfd[3] = -1;
	if ((r = lfd[0] = listener(AF_INET, SOCK_DGRAM, &port)) < 0 ||
	    (r = lfd[2] = listener(AF_INET, SOCK_STREAM, &port)) < 0)
		goto out;
	*pport = port;
	r = lfd[1] = listener(AF_INET6, SOCK_DGRAM, &port);
	if (r == -EADDRNOTAVAIL || r == -EAFNOSUPPORT) {
		lfd[1] = -1;	/* no ::1 here: IPv4 only */
		return 0;
	}
	if (r < 0 || (r = lfd[3] = listener(AF_INET6, SOCK_STREAM, &port)) < 0)
		goto out;
	return 0;
out:
	for (i = 0; i < 4; i++)	/* a failed one holds -errno */
		if (lfd[i] < 0)
			lfd[i] = -1;
	close_four(lfd);
	return r;
}

int dns_fwd_listeners(int lfd[4], uint16_t *port)
{
	int i, r = -EADDRINUSE;

	for (i = 0; i < 32 && r == -EADDRINUSE; i++)
		r = listeners_once(lfd, port);
	return r;
}

/* Everything but the listeners and the upstreams. */
static void fwd_init(struct dns_fwd *f, const struct dns_names *names,
    dns_allow_fn fn, void *arg)
{
	int i;

	memset(f, 0, offsetof(struct dns_fwd, pend));
	f->udp4 = f->udp6 = f->tcp4 = f->tcp6 = -1;
	for (i = 0; i < DNS_MAX_PENDING; i++)
		f->pend[i].fd = -1;
	for (i = 0; i < DNS_MAX_TCP; i++)
		f->tcp[i].fd = f->tcp[i].up = -1;
	f->queries = f->refused = f->forwarded = f->answered = 0;
	f->failed = f->malformed = 0;
	f->names = names;
	f->allow = fn;
	f->arg = arg;
	f->timeout_ms = DNS_TIMEOUT_MS;
}

int dns_fwd_open(struct dns_fwd *f, const struct dns_names *names,
    const char *resolv_conf, dns_allow_fn fn, void *arg, char *err,
    size_t errlen)
{
	int lfd[4], r;

	fwd_init(f, names, fn, arg);
	r = read_upstreams(f, resolv_conf ? resolv_conf : "/etc/resolv.conf",
	    err, errlen);
	if (r < 0)
		return r;
	if ((r = dns_fwd_listeners(lfd, &f->port)) < 0)
		return fail(err, errlen, -r, "listen on",
		    "127.0.0.1 and ::1 (UDP and TCP, one port)");
	f->udp4 = lfd[0];
	f->udp6 = lfd[1];
	f->tcp4 = lfd[2];
	f->tcp6 = lfd[3];
	return 0;
}

/*
 * fd, given: a socket of family and type bound to loopback on *port (0:
 * the first one sets it), listening when TCP.  It becomes non-blocking
 * and close-on-exec.  0 or -errno.
 */
static int check_listener(int fd, int family, int type, uint16_t *port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl = sizeof(ss), ol = sizeof(int);
	int v, lo, fl;
	uint16_t p;

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &ol) < 0)
		return -errno;
	if (v != family)
		return -EAFNOSUPPORT;
	ol = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &ol) < 0)
		return -errno;
	if (v != type)
		return -EPROTOTYPE;
	ol = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &ol) < 0)
		return -errno;
	if (v != (type == SOCK_STREAM))
		return -EINVAL;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	lo = family == AF_INET ? s4->sin_addr.s_addr ==
	    htonl(INADDR_LOOPBACK) : IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	p = ntohs(family == AF_INET ? s4->sin_port : s6->sin6_port);
	if (!lo || p == 0 || (*port && p != *port))
		return -EADDRNOTAVAIL;
	*port = p;
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

int dns_fwd_open_fds(struct dns_fwd *f, const int lfd[4],
    const struct dns_names *names, const char *resolv_conf,
    dns_allow_fn fn, void *arg, char *err, size_t errlen)
{
	static const int fam[4] = { AF_INET, AF_INET6, AF_INET, AF_INET6 };
	static const int typ[4] = { SOCK_DGRAM, SOCK_DGRAM, SOCK_STREAM,
	    SOCK_STREAM };
	static const char *const what[4] = { "UDP 127.0.0.1", "UDP ::1",
	    "TCP 127.0.0.1", "TCP ::1" };
	uint16_t port = 0;
	int i, r;

	fwd_init(f, names, fn, arg);
	f->udp4 = lfd[0];
	f->udp6 = lfd[1];
	f->tcp4 = lfd[2];
	f->tcp6 = lfd[3];
	/* IPv4 both, IPv6 both or neither (no ::1 where they were made) */
	if (f->udp4 < 0 || f->tcp4 < 0 || (f->udp6 < 0) != (f->tcp6 < 0)) {
		r = fail(err, errlen, EBADF, "take the listeners",
		    "UDP and TCP on 127.0.0.1 (and both or none on ::1)");
		goto out;
	}
	for (i = 0; i < 4; i++)
		if (lfd[i] >= 0 && (r = check_listener(lfd[i], fam[i], typ[i],
		    &port)) < 0) {
			fail(err, errlen, -r, "take the listener", what[i]);
			goto out;
		}
	f->port = port;
	r = read_upstreams(f, resolv_conf ? resolv_conf : "/etc/resolv.conf",
	    err, errlen);
	if (r == 0)
		return 0;
out:
	close_listeners(f);
	return r;
}

int dns_fwd_pollfds(const struct dns_fwd *f, struct pollfd *pf, int max)
{
	const int lfd[4] = { f->udp4, f->udp6, f->tcp4, f->tcp6 };
	const struct dns_tcp *t;
	int n = 0, i, fd;
	short ev;

	for (i = 0; i < 4 && n < max; i++)
		if (lfd[i] >= 0)
			pf[n++] = (struct pollfd){ .fd = lfd[i], .events = POLLIN };
	for (i = 0; i < DNS_MAX_PENDING && n < max; i++)
		if (f->pend[i].fd >= 0)
			pf[n++] = (struct pollfd){ .fd = f->pend[i].fd,
			    .events = POLLIN };
	for (i = 0; i < DNS_MAX_TCP && n < max; i++) {
		t = &f->tcp[i];
		if (t->fd < 0)
			continue;
		fd = t->state == TCP_UPCONN || t->state == TCP_UPREAD ?
		    t->up : t->fd;
		ev = t->state == TCP_READQ || t->state == TCP_UPREAD ?
		    POLLIN : POLLOUT;
		pf[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	return n;
}

int dns_fwd_timeout_ms(const struct dns_fwd *f)
{
	uint64_t now = now_ms(), min = UINT64_MAX;
	int i;

	for (i = 0; i < DNS_MAX_PENDING; i++)
		if (f->pend[i].fd >= 0 && f->pend[i].deadline_ms < min)
			min = f->pend[i].deadline_ms;
	for (i = 0; i < DNS_MAX_TCP; i++)
		if (f->tcp[i].fd >= 0 && f->tcp[i].deadline_ms < min)
			min = f->tcp[i].deadline_ms;
	if (min == UINT64_MAX)
		return -1;
	return min <= now ? 0 : (int)(min - now);
}

/* The allow callback as dns_parse_answer calls it: remembers a failure,
 * which dns_parse_answer's -1 would not tell from a malformed answer. */
static int allow_cb(void *arg, int family, const void *addr, uint32_t ttl)
{
	struct dns_fwd *f = arg;

	if (f->allow(f->arg, family, addr, ttl) >= 0)
		return 0;
	f->cb_failed = 1;
	return -1;
}

/* The answer m[0..len) to q (its id the upstream one): 1 good (the
 * addresses allowed), 0 not an answer to q (ignored), -1 allow failed. */
static int check_answer(struct dns_fwd *f, const uint8_t *m, size_t len,
    const struct dns_question *q, uint16_t up_id)
{
	struct dns_question uq = *q;

	uq.id = up_id;
	f->cb_failed = 0;
	if (dns_parse_answer(m, len, &uq, allow_cb, f) >= 0)
		return 1;
	return f->cb_failed ? -1 : 0;
}

/* A header-only FORMERR for a query we cannot parse, into out (12). */
static size_t formerr(const uint8_t *m, size_t len, uint8_t *out)
{
	if (len < HDR || (m[2] & 0x80))
		return 0;	/* not even a query's header: dropped */
	memmove(out, m, 2);
	out[2] = (uint8_t)(0x80 | (m[2] & 0x79));
	out[3] = 0x80 | 1;
	memset(out + 4, 0, 8);
	return HDR;
}

/* ---- UDP ---- */

static void udp_send(int lfd, const void *m, size_t len,
    const struct sockaddr_storage *to, socklen_t tolen)
{
	/* a client that went away is not our error */
	(void)sendto(lfd, m, len, MSG_DONTWAIT, (const struct sockaddr *)to,
	    tolen);
}

static void pend_free(struct dns_pending *p)
{
	close_fd(&p->fd);
}

/* SERVFAIL to p's client; the slot freed. */
static void pend_fail(struct dns_fwd *f, struct dns_pending *p)
{
	uint8_t out[DNS_QMAX];
	size_t n = dns_reply_rcode(p->qmsg, &p->q, 2, out, sizeof(out));

	if (n)
		udp_send(p->lfd, out, n, &p->from, p->fromlen);
	f->failed++;
	if (f->cur == p->upi)	/* the next query tries the next one */
		f->cur = p->upi + 1 < f->nup ? p->upi + 1 : 0;
	pend_free(p);
}

/* A socket connected to the current nameserver (a fresh source port,
 * and the kernel takes datagrams only from that address): fd or -errno. */
static int upstream_socket(struct dns_fwd *f, int type, int *upi)
{
	const struct sockaddr_storage *up = &f->up[f->cur];
	int fd, e;

	*upi = f->cur;
	fd = socket(up->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)up, f->uplen[f->cur]) < 0 &&
	    errno != EINPROGRESS) {
		e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* Query m[0..len) (q its parse) of an allowed name, to the nameserver
 * from a free slot.  0, or -1: the client gets SERVFAIL. */
static int udp_forward(struct dns_fwd *f, int lfd, uint8_t *m, size_t len,
    const struct dns_question *q, const struct sockaddr_storage *from,
    socklen_t fl)
{
	uint8_t up[DNS_QMAX];
	struct dns_pending *p = NULL;
	int i;

	for (i = 0; i < DNS_MAX_PENDING && !p; i++)
		if (f->pend[i].fd < 0)
			p = &f->pend[i];
	if (!p || new_id(&p->up_id) < 0)
		return -1;	/* the table is full */
	p->fd = upstream_socket(f, SOCK_DGRAM, &p->upi);
	if (p->fd < 0) {
		p->fd = -1;
		return -1;
	}
	p->q = *q;
	memcpy(p->qmsg, m, q->end);
	p->from = *from;
	p->fromlen = fl;
	p->lfd = lfd;
	p->deadline_ms = now_ms() + (uint64_t)f->timeout_ms;
	len = dns_build_query(q, p->up_id, up, sizeof(up));
	if (len == 0 || send(p->fd, up, len, 0) != (ssize_t)len) {
		pend_free(p);
		return -1;
	}
	f->forwarded++;
	return 0;
}

/* One datagram from a client. */
static void udp_query(struct dns_fwd *f, int lfd, size_t len,
    const struct sockaddr_storage *from, socklen_t fl)
{
	uint8_t *m = f->scratch, out[DNS_QMAX];
	struct dns_question q;
	size_t n;

	f->queries++;
	if (dns_parse_query(m, len, &q) < 0) {
		f->malformed++;
		if ((n = formerr(m, len, out)))
			udp_send(lfd, out, n, from, fl);
		return;
	}
	if (!dns_names_match(f->names, q.name) || !dns_query_forwarded(&q)) {
		f->refused++;	/* never asked upstream */
		n = dns_reply_rcode(m, &q, 5, out, sizeof(out));
		udp_send(lfd, out, n, from, fl);
		return;
	}
	if (udp_forward(f, lfd, m, len, &q, from, fl) < 0) {
		f->failed++;
		n = dns_reply_rcode(m, &q, 2, out, sizeof(out));
		udp_send(lfd, out, n, from, fl);
	}
}

static void udp_listener(struct dns_fwd *f, int lfd)
{
	struct sockaddr_storage from;
	socklen_t fl;
	ssize_t r;
	int k;

	for (k = 0; k < DNS_MAX_PENDING; k++) {	/* then the others' turn */
		fl = sizeof(from);
		r = recvfrom(lfd, f->scratch, sizeof(f->scratch), 0,
		    (struct sockaddr *)&from, &fl);
		if (r < 0)
			return;
		udp_query(f, lfd, (size_t)r, &from, fl);
	}
}

static int same_addr(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0;
}

/* p's socket is readable: the answer, or something to ignore. */
static void udp_answer(struct dns_fwd *f, struct dns_pending *p)
{
	uint8_t *m = f->scratch;
	struct sockaddr_storage src;
	socklen_t sl;
	ssize_t r;
	int k, ok;

	for (k = 0; k < 16; k++) {
		sl = sizeof(src);
		r = recvfrom(p->fd, m, sizeof(f->scratch), 0,
		    (struct sockaddr *)&src, &sl);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r < 0) {	/* ICMP unreachable: no need to wait */
			pend_fail(f, p);
			return;
		}
		if (!same_addr(&src, &f->up[p->upi]) || r < HDR ||
		    get16(m) != p->up_id)
			continue;	/* forged or late: keep waiting */
		ok = check_answer(f, m, (size_t)r, &p->q, p->up_id);
		if (ok == 0)
			continue;
		if (ok < 0 || dns_answer_for_client(m, (size_t)r, &p->q,
		    p->qmsg, p->up_id) < 0) {
			pend_fail(f, p);
			return;
		}
		udp_send(p->lfd, m, (size_t)r, &p->from, p->fromlen);
		f->answered++;
		pend_free(p);
		return;
	}
}

/* ---- TCP: 2-byte length, then the message, both sides ---- */

static void tcp_free(struct dns_tcp *t)
{
	close_fd(&t->up);
	close_fd(&t->fd);
}

/* Reads a framed message from fd into t->buf: 1 whole, 0 not yet, -1 EOF,
 * an error or a message shorter than a header. */
static int tcp_read(int fd, struct dns_tcp *t)
{
	ssize_t r;

	for (;;) {
		t->want = t->have < 2 ? 2 : 2 + (size_t)get16(t->buf);
		if (t->have >= 2 && t->want < 2 + HDR)
			return -1;
		if (t->have == t->want && t->have > 2)
			return 1;
		r = read(fd, t->buf + t->have, t->want - t->have);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (r <= 0)
			return -1;
		t->have += (size_t)r;
	}
}

/* Writes t->buf[off..want) to fd: 1 all written, 0 not yet, -1 error. */
static int tcp_write(int fd, struct dns_tcp *t)
{
	ssize_t r;

	while (t->off < t->want) {
		r = send(fd, t->buf + t->off, t->want - t->off, MSG_NOSIGNAL);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (r <= 0)
			return -1;
		t->off += (size_t)r;
	}
	return 1;
}

/* m[0..n) framed in t->buf (m may be t->buf + 2), to write to the client. */
static void tcp_reply(struct dns_tcp *t, const uint8_t *m, size_t n)
{
	memmove(t->buf + 2, m, n);
	put16(t->buf, (uint16_t)n);
	t->want = 2 + n;
	t->off = 0;
	t->state = TCP_WRITEC;
}

/* The upstream side failed: SERVFAIL to the client. */
static void tcp_fail(struct dns_fwd *f, struct dns_tcp *t)
{
	uint8_t out[DNS_QMAX];
	size_t n = dns_reply_rcode(t->qmsg, &t->q, 2, out, sizeof(out));

	close_fd(&t->up);
	f->failed++;
	if (f->cur == t->upi)
		f->cur = t->upi + 1 < f->nup ? t->upi + 1 : 0;
	tcp_reply(t, out, n);
}

/* A whole query in t->buf. */
static void tcp_query(struct dns_fwd *f, struct dns_tcp *t)
{
	uint8_t *m = t->buf + 2, out[DNS_QMAX];
	size_t len = t->want - 2, n;

	f->queries++;
	if (dns_parse_query(m, len, &t->q) < 0) {
		f->malformed++;
		if (!(n = formerr(m, len, out))) {
			tcp_free(t);
			return;
		}
		tcp_reply(t, out, n);
		return;
	}
	memcpy(t->qmsg, m, t->q.end);
	if (!dns_names_match(f->names, t->q.name) ||
	    !dns_query_forwarded(&t->q)) {
		f->refused++;
		tcp_reply(t, out, dns_reply_rcode(m, &t->q, 5, out, sizeof(out)));
		return;
	}
	t->up = -1;
	if (new_id(&t->up_id) < 0 ||
	    (t->up = upstream_socket(f, SOCK_STREAM, &t->upi)) < 0) {
		t->up = -1;
		tcp_fail(f, t);
		return;
	}
	/* the rebuilt query, framed, in place of the client's */
	if ((n = dns_build_query(&t->q, t->up_id, m, sizeof(t->buf) - 2)) == 0) {
		tcp_fail(f, t);
		return;
	}
	put16(t->buf, (uint16_t)n);
	t->want = 2 + n;
	t->off = 0;
	t->state = TCP_UPCONN;
	f->forwarded++;
}

/* A whole answer from upstream in t->buf. */
static void tcp_answer(struct dns_fwd *f, struct dns_tcp *t)
{
	uint8_t *m = t->buf + 2;
	size_t len = t->want - 2;

	if (check_answer(f, m, len, &t->q, t->up_id) <= 0 ||
	    dns_answer_for_client(m, len, &t->q, t->qmsg, t->up_id) < 0) {
		tcp_fail(f, t);	/* one connection, one answer */
		return;
	}
	close_fd(&t->up);
	t->off = 0;
	t->state = TCP_WRITEC;
	f->answered++;
}

static void tcp_step(struct dns_fwd *f, struct dns_tcp *t)
{
	int r;

	switch (t->state) {
	case TCP_READQ:
		if ((r = tcp_read(t->fd, t)) < 0)
			tcp_free(t);
		else if (r > 0)
			tcp_query(f, t);
		break;
	case TCP_UPCONN:
		if ((r = tcp_write(t->up, t)) < 0) {
			tcp_fail(f, t);
		} else if (r > 0) {
			t->have = 0;
			t->state = TCP_UPREAD;
		}
		break;
	case TCP_UPREAD:
		if ((r = tcp_read(t->up, t)) < 0)
			tcp_fail(f, t);
		else if (r > 0)
			tcp_answer(f, t);
		break;
	case TCP_WRITEC:
		if ((r = tcp_write(t->fd, t)) < 0) {
			tcp_free(t);
		} else if (r > 0) {	/* the next query, with a new deadline */
			t->have = 0;
			t->state = TCP_READQ;
			t->deadline_ms = now_ms() + (uint64_t)f->timeout_ms;
		}
		break;
	}
}

static void tcp_accept(struct dns_fwd *f, int lfd)
{
	struct dns_tcp *t;
	int fd, i, k;

	for (k = 0; k < DNS_MAX_TCP; k++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (t = NULL, i = 0; i < DNS_MAX_TCP && !t; i++)
			if (f->tcp[i].fd < 0)
				t = &f->tcp[i];
		if (!t) {
			close(fd);	/* DNS_MAX_TCP already */
			continue;
		}
		t->fd = fd;
		t->up = -1;
		t->have = t->want = t->off = 0;
		t->state = TCP_READQ;
		t->deadline_ms = now_ms() + (uint64_t)f->timeout_ms;
	}
}

/* ---- the loop's side ---- */

static void expire(struct dns_fwd *f)
{
	uint64_t now = now_ms();
	int i;

	for (i = 0; i < DNS_MAX_PENDING; i++)
		if (f->pend[i].fd >= 0 && f->pend[i].deadline_ms <= now)
			pend_fail(f, &f->pend[i]);
	for (i = 0; i < DNS_MAX_TCP; i++) {
		if (f->tcp[i].fd < 0 || f->tcp[i].deadline_ms > now)
			continue;
		if (f->tcp[i].state != TCP_READQ || f->tcp[i].have > 0)
			f->failed++;	/* dropped in the middle of a query */
		tcp_free(&f->tcp[i]);
	}
}

/* What pf (ready) is: a listener, a pending query's socket, a TCP
 * client's socket or its upstream's. */
static int serve_fd(struct dns_fwd *f, const struct pollfd *pf)
{
	int i;

	if (pf->fd == f->udp4 || pf->fd == f->udp6 || pf->fd == f->tcp4 ||
	    pf->fd == f->tcp6) {
		if (pf->revents & POLLNVAL)
			return -EBADF;
		if (pf->fd == f->udp4 || pf->fd == f->udp6)
			udp_listener(f, pf->fd);
		else
			tcp_accept(f, pf->fd);
		return 0;
	}
	for (i = 0; i < DNS_MAX_PENDING; i++)
		if (f->pend[i].fd == pf->fd) {
			udp_answer(f, &f->pend[i]);
			return 0;
		}
	for (i = 0; i < DNS_MAX_TCP; i++)
		if (f->tcp[i].fd >= 0 && (f->tcp[i].fd == pf->fd ||
		    f->tcp[i].up == pf->fd)) {
			tcp_step(f, &f->tcp[i]);
			return 0;
		}
	return 0;		/* closed since the poll */
}

int dns_fwd_handle(struct dns_fwd *f, const struct pollfd *pf, int n,
    char *err, size_t errlen)
{
	int i, r;

	for (i = 0; i < n; i++) {
		if (!pf[i].revents)
			continue;
		if ((r = serve_fd(f, &pf[i])) < 0)
			return fail(err, errlen, -r, "poll", "a listener");
	}
	expire(f);
	return 0;
}

void dns_fwd_close(struct dns_fwd *f)
{
	int i;

	close_listeners(f);
	for (i = 0; i < DNS_MAX_PENDING; i++)
		pend_free(&f->pend[i]);
	for (i = 0; i < DNS_MAX_TCP; i++)
		tcp_free(&f->tcp[i]);
}
