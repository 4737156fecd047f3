/*
 * hostips.c - what --block-host blocks: every address of the host.
 *
 * The host's own IPv4 addresses come from /proc/net/fib_trie (the LOCAL
 * and BROADCAST entries of every routing table), its IPv6 addresses from
 * /proc/net/if_inet6 (every interface, link-local included) and the local
 * and anycast routes of /proc/net/ipv6_route (whole prefixes), and a fixed
 * list covers what no table shows (loopback, 0.0.0.0, ::, metadata
 * services, multicast, slirp4netns).  resolv.conf nameservers are parsed
 * here too, so that the policy can let DNS through to a host resolver.
 *
 * Privilege: none.  It reads three world-readable /proc files of the
 * caller's network namespace.
 *
 * Untrusted input: the /proc text is parsed as if hostile (its format is
 * the kernel's, not an ABI, and a parser that guesses would block too
 * little): a line we do not understand is an error, never skipped.
 * resolv.conf is user-editable; there a bad nameserver line is skipped,
 * as the C library does.  All parsers are pure functions over (buf, len)
 * with a maximum count, and are fuzzed (fuzz/).  The /proc parsers also
 * take their text in pieces, so that discovery reads the files through
 * one fixed buffer: memory does not grow with the routing table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostips.h"

/*
 * Longest line accepted in the /proc files (the kernel's are < 160) is
 * HOSTIPS_LINE_MAX.  Largest /proc file we read: fib_trie with 1M routes
 * is about 128 MiB; a walk that never ends must not keep us reading.
 */
#define READ_MAX	(512u << 20)
/*
 * The one buffer /proc is read through: the memory discovery needs,
 * whatever the size of the routing table.  fib_trie's seq_file walks the
 * trie again from its first node on every read() and returns at most a
 * page (6.18), so reads below a page cost quadratic time; larger ones
 * change nothing there, and help a regular file (tests).
 */
#define READ_CHUNK	(64u << 10)

struct line {
	const char *p;		/* start of the line */
	const char *end;	/* its end, '\n' excluded */
};

/* The next line of buf at *pos; 0 at the end of the buffer. */
static int next_line(const char *buf, size_t len, size_t *pos,
    struct line *l)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	l->p = buf + *pos;
	nl = memchr(l->p, '\n', len - *pos);
	l->end = nl ? nl : buf + len;
	*pos = (size_t)(l->end - buf) + 1;
	return 1;
}

static int push(struct hostip *out, size_t max, size_t *n, int family,
    const uint8_t *addr, unsigned int prefixlen, int source)
{
	struct hostip *h;

	if (*n >= max)
		return -E2BIG;
	h = &out[(*n)++];
	memset(h, 0, sizeof(*h));
	h->family = (uint8_t)family;
	h->prefixlen = (uint8_t)prefixlen;
	h->source = (uint8_t)source;
	memcpy(h->addr, addr, family == AF_INET ? 4 : 16);
	h->why = NULL;
	return 0;
}

/* Skips the literal s at *p; 0 if it is there, else -EINVAL. */
static int lit(const char **p, const char *end, const char *s)
{
	size_t l = strlen(s);

	if ((size_t)(end - *p) < l || memcmp(*p, s, l) != 0)
		return -EINVAL;
	*p += l;
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decimal without leading zeros (as the kernel prints), at most max. */
static int dec(const char **p, const char *end, uint32_t max, uint32_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	while (s < end && is_digit(*s) && s - *p < 11)
		x = x * 10 + (uint64_t)(*s++ - '0');
	if (s == *p || (s < end && is_digit(*s)) || x > max ||
	    (s - *p > 1 && **p == '0'))
		return -EINVAL;
	*p = s;
	*v = (uint32_t)x;
	return 0;
}

/* A dotted quad as %pI4 prints it. */
static int ipv4(const char **p, const char *end, uint8_t a[4])
{
	uint32_t v;
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0 && lit(p, end, ".") < 0)
			return -EINVAL;
		if (dec(p, end, 255, &v) < 0)
			return -EINVAL;
		a[i] = (uint8_t)v;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Zeroes the bits of addr past prefixlen. */
static void mask_addr(uint8_t *addr, unsigned int alen, unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < alen; i++) {
		if (plen >= 8 * (i + 1))
			continue;
		if (plen <= 8 * i)
			addr[i] = 0;
		else
			addr[i] &= (uint8_t)(0xff00u >> (plen - 8 * i));
	}
}

/*
 * push() for the /proc parsers: in discovery the array grows instead of
 * filling up, as the count of host entries is not known before the end.
 */
static int emit(struct hostips_parser *p, int family, const uint8_t *addr,
    unsigned int prefixlen, int source)
{
	struct hostip *nv;
	size_t cap;

	if (*p->n >= p->max && p->grow) {
		if (p->max > SIZE_MAX / 2 / sizeof(*nv))
			return -ENOMEM;
		cap = p->max ? 2 * p->max : 64;
		nv = realloc(p->out, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		p->out = nv;
		p->max = cap;
	}
	return push(p->out, p->max, p->n, family, addr, prefixlen, source);
}

/* ---- /proc/net/fib_trie ---- */

/* "Main:", "Local:", "Id 100:", "Id -294967296:" (tb_id printed %d). */
static int fib_header(const char *p, const char *end)
{
	uint32_t v;

	if (lit(&p, end, "Main:") == 0 || lit(&p, end, "Local:") == 0)
		return p == end ? 0 : -EINVAL;
	if (lit(&p, end, "Id ") < 0)
		return -EINVAL;
	if (p < end && *p == '-')
		p++;
	if (dec(&p, end, 0x80000000u, &v) < 0 || lit(&p, end, ":") < 0)
		return -EINVAL;
	return p == end ? 0 : -EINVAL;
}

/* "+-- 10.0.0.0/8 2 0 2": an internal node; we check its shape only. */
static int fib_tnode(const char *p, const char *end)
{
	uint8_t a[4];
	uint32_t v;
	int i;

	if (lit(&p, end, "+-- ") < 0 || ipv4(&p, end, a) < 0 ||
	    lit(&p, end, "/") < 0 || dec(&p, end, 32, &v) < 0)
		return -EINVAL;
	for (i = 0; i < 3; i++)
		if (lit(&p, end, " ") < 0 || dec(&p, end, UINT32_MAX, &v) < 0)
			return -EINVAL;
	return p == end ? 0 : -EINVAL;
}

/* The scope word of rtn_scope(): a name or "scope=N". */
static int fib_scope(const char **p, const char *end)
{
	static const char *const names[] = {
		"universe", "site", "link", "host", "nowhere",
	};
	const char *s = *p;
	uint32_t v;
	size_t i;

	if (lit(&s, end, "scope=") == 0) {
		if (dec(&s, end, 255, &v) < 0)
			return -EINVAL;
		*p = s;
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		s = *p;
		if (lit(&s, end, names[i]) == 0 && (s == end || *s == ' ')) {
			*p = s;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * The type of rtn_type(): upper-case letters or "type N".  Returns 1 for
 * the types that reach the host (LOCAL, BROADCAST), else 0, or -EINVAL.
 */
static int fib_type(const char **p, const char *end)
{
	const char *s = *p;
	uint32_t v;

	if (lit(&s, end, "type ") == 0) {
		if (dec(&s, end, UINT32_MAX, &v) < 0)
			return -EINVAL;
		*p = s;
		return 0;
	}
	while (s < end && *s >= 'A' && *s <= 'Z')
		s++;
	if (s == *p || (s < end && *s != ' '))
		return -EINVAL;
	v = (s - *p == 5 && memcmp(*p, "LOCAL", 5) == 0) ||
	    (s - *p == 9 && memcmp(*p, "BROADCAST", 9) == 0);
	*p = s;
	return (int)v;
}

/*
 * "/32 host LOCAL", "/16 universe UNICAST tos=16": one route of the
 * current leaf.  A LOCAL route is recorded with its own prefix length:
 * "local 203.0.113.0/28" makes the host answer on all 16 addresses.
 */
static int fib_alias(const char *p, const char *end,
    struct hostips_parser *st)
{
	uint8_t a[4];
	uint32_t plen, tos;
	int hit;

	if (lit(&p, end, "/") < 0 || dec(&p, end, 32, &plen) < 0 ||
	    lit(&p, end, " ") < 0 || fib_scope(&p, end) < 0 ||
	    lit(&p, end, " ") < 0 || (hit = fib_type(&p, end)) < 0)
		return -EINVAL;
	if (p < end && (lit(&p, end, " tos=") < 0 ||
	    dec(&p, end, 255, &tos) < 0))
		return -EINVAL;
	if (p != end)
		return -EINVAL;
	if (!hit)
		return 0;
	memcpy(a, st->leaf, 4);
	mask_addr(a, 4, plen);
	return emit(st, AF_INET, a, plen, HOSTIP_FIB_TRIE);
}

/* One line; 0, -EINVAL or -E2BIG. */
static int fib_line(struct hostips_parser *st, const struct line *l)
{
	const char *p = l->p;
	size_t sp;

	while (p < l->end && *p == ' ')
		p++;
	sp = (size_t)(p - l->p);
	if (sp == 0) {
		st->have_leaf = 0;
		st->in_table = fib_header(p, l->end) == 0;
		return st->in_table ? 0 : -EINVAL;
	}
	/* seq_indent() prints 3 spaces a level, then "  " */
	if (sp < 2 || (sp - 2) % 3 != 0 || p == l->end || !st->in_table)
		return -EINVAL;
	if (*p == '/') {
		if (!st->have_leaf || sp != st->leaf_indent + 3)
			return -EINVAL;
		return fib_alias(p, l->end, st);
	}
	st->have_leaf = 0;
	if (*p == '+')
		return fib_tnode(p, l->end);
	if (lit(&p, l->end, "|-- ") < 0 || ipv4(&p, l->end, st->leaf) < 0 ||
	    p != l->end)
		return -EINVAL;
	st->have_leaf = 1;
	st->leaf_indent = sp;
	return 0;
}

/* ---- /proc/net/if_inet6 ---- */

/* Hex of 1..maxdigits digits, at most max. */
static int hexnum(const char **p, const char *end, int maxdigits,
    uint32_t max, uint32_t *v)
{
	const char *s = *p;
	uint32_t x = 0;
	int d;

	while (s < end && (d = hexval(*s)) >= 0 && s - *p < maxdigits) {
		x = x << 4 | (uint32_t)d;
		s++;
	}
	if (s == *p || (s < end && hexval(*s) >= 0) || x > max)
		return -EINVAL;
	*p = s;
	*v = x;
	return 0;
}

/* Any byte dev_valid_name() allows: not '/', ':', whitespace or NUL. */
static int ifname_char(char c)
{
	return c != '/' && c != ':' && c != ' ' && c != '\0' &&
	    !(c >= '\t' && c <= '\r');
}

/* The line ends in an interface name, right-aligned in 8 columns. */
static int ifname_last(const char *p, const char *end)
{
	const char *name;

	while (p < end && *p == ' ')
		p++;
	for (name = p; p < end && ifname_char(*p); p++)
		;
	return p == name || p - name > 15 || p != end ? -EINVAL : 0;
}

/* "fe80...0001 02 40 20 80     eth0": "%pi6 %02x %02x %02x %02x %8s" */
static int inet6_line(struct hostips_parser *st, const struct line *l)
{
	const char *p = l->p;
	uint8_t a[16];
	uint32_t v;
	int i, hi, lo;

	for (i = 0; i < 16; i++) {
		if (l->end - p < 2 || (hi = hexval(p[0])) < 0 ||
		    (lo = hexval(p[1])) < 0)
			return -EINVAL;
		a[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (lit(&p, l->end, " ") < 0 ||
	    hexnum(&p, l->end, 8, UINT32_MAX, &v) < 0 ||	/* ifindex */
	    lit(&p, l->end, " ") < 0 ||
	    hexnum(&p, l->end, 2, 128, &v) < 0 ||		/* prefix */
	    lit(&p, l->end, " ") < 0 ||
	    hexnum(&p, l->end, 8, UINT32_MAX, &v) < 0 ||	/* scope */
	    lit(&p, l->end, " ") < 0 ||
	    hexnum(&p, l->end, 2, 255, &v) < 0 ||		/* flags */
	    lit(&p, l->end, " ") < 0 || ifname_last(p, l->end) < 0)
		return -EINVAL;
	return emit(st, AF_INET6, a, 128, HOSTIP_IF_INET6);
}

/* ---- /proc/net/ipv6_route: local and anycast routes ---- */

#define RTF_LOCAL_	0x80000000U	/* the kernel's RTF_LOCAL */
#define RTF_ANYCAST_	0x00100000U	/* and RTF_ANYCAST */

/* 32 hex digits: an IPv6 address in network order. */
static int hex128(const char **p, const char *end, uint8_t a[16])
{
	int i, hi, lo;

	for (i = 0; i < 16; i++) {
		if (end - *p < 2 || (hi = hexval((*p)[0])) < 0 ||
		    (lo = hexval((*p)[1])) < 0)
			return -EINVAL;
		a[i] = (uint8_t)(hi << 4 | lo);
		*p += 2;
	}
	return 0;
}

/*
 * "%pi6 %02x %pi6 %02x %pi6 %08x %08x %08x %08x %8s": destination and its
 * prefix length, source and its length, next hop, metric, refcount, use,
 * flags, device.  IPv6 `local` routes (a whole prefix answered by this
 * host) and anycast addresses appear nowhere else.
 */
static int route6_line(struct hostips_parser *st, const struct line *l)
{
	const char *p = l->p;
	uint8_t dst[16], other[16];
	uint32_t plen, v, flags = 0;
	int i;

	if (hex128(&p, l->end, dst) < 0 || lit(&p, l->end, " ") < 0 ||
	    hexnum(&p, l->end, 2, 128, &plen) < 0 || lit(&p, l->end, " ") < 0 ||
	    hex128(&p, l->end, other) < 0 || lit(&p, l->end, " ") < 0 ||
	    hexnum(&p, l->end, 2, 128, &v) < 0 || lit(&p, l->end, " ") < 0 ||
	    hex128(&p, l->end, other) < 0)
		return -EINVAL;
	for (i = 0; i < 4; i++)		/* metric, refcnt, use, flags */
		if (lit(&p, l->end, " ") < 0 ||
		    hexnum(&p, l->end, 8, UINT32_MAX, &flags) < 0)
			return -EINVAL;
	if (lit(&p, l->end, " ") < 0 || ifname_last(p, l->end) < 0)
		return -EINVAL;
	if (!(flags & (RTF_LOCAL_ | RTF_ANYCAST_)))
		return 0;
	mask_addr(dst, 16, plen);	/* the kernel prints it masked; be sure */
	return emit(st, AF_INET6, dst, plen, HOSTIP_IPV6_ROUTE);
}

/* ---- the /proc files: lines in pieces ---- */

static void parser_init(struct hostips_parser *p, int kind, struct hostip *out,
    size_t max, size_t *n)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->out = out;
	p->max = max;
	p->n = n;
}

void hostips_fib_trie_init(struct hostips_parser *p, struct hostip *out,
    size_t max, size_t *n)
{
	parser_init(p, HOSTIP_FIB_TRIE, out, max, n);
}

void hostips_if_inet6_init(struct hostips_parser *p, struct hostip *out,
    size_t max, size_t *n)
{
	parser_init(p, HOSTIP_IF_INET6, out, max, n);
}

void hostips_ipv6_route_init(struct hostips_parser *p, struct hostip *out,
    size_t max, size_t *n)
{
	parser_init(p, HOSTIP_IPV6_ROUTE, out, max, n);
}

/* One whole line, '\n' excluded; the first error stops the parse. */
static void parse_line(struct hostips_parser *p, const char *s,
    const char *end)
{
	struct line l = { s, end };

	p->line++;
	if (end - s > HOSTIPS_LINE_MAX)
		p->err = -EINVAL;
	else if (p->kind == HOSTIP_FIB_TRIE)
		p->err = fib_line(p, &l);
	else if (p->kind == HOSTIP_IPV6_ROUTE)
		p->err = route6_line(p, &l);
	else
		p->err = inet6_line(p, &l);
}

static int parse_result(const struct hostips_parser *p, unsigned int *errline)
{
	if (p->err == -EINVAL && errline)
		*errline = p->line;
	return p->err;
}

/*
 * Whole lines are parsed where they lie; only a line that the piece
 * splits is copied, into p->part, so the state between pieces is bounded
 * by HOSTIPS_LINE_MAX however the text is cut.
 */
int hostips_feed(struct hostips_parser *p, const char *buf, size_t len,
    unsigned int *errline)
{
	const char *s, *end, *nl;
	size_t k;

	if (len == 0)		/* buf may be NULL */
		return parse_result(p, errline);
	for (s = buf, end = buf + len; p->err == 0 && s < end; ) {
		nl = memchr(s, '\n', (size_t)(end - s));
		k = (size_t)((nl ? nl : end) - s);
		if (p->part_len == 0 && nl) {
			parse_line(p, s, nl);
		} else if (k > sizeof(p->part) - p->part_len) {
			p->line++;	/* overlong, wherever it was split */
			p->err = -EINVAL;
		} else {
			memcpy(p->part + p->part_len, s, k);
			p->part_len += k;
			if (nl) {
				parse_line(p, p->part, p->part + p->part_len);
				p->part_len = 0;
			}
		}
		s = nl ? nl + 1 : end;
	}
	return parse_result(p, errline);
}

/* The last line may have no '\n'. */
int hostips_finish(struct hostips_parser *p, unsigned int *errline)
{
	if (p->err == 0 && p->part_len > 0) {
		parse_line(p, p->part, p->part + p->part_len);
		p->part_len = 0;
	}
	return parse_result(p, errline);
}

static int parse_whole(int kind, const char *buf, size_t len,
    struct hostip *out, size_t max, size_t *n, unsigned int *errline)
{
	struct hostips_parser p;

	parser_init(&p, kind, out, max, n);
	hostips_feed(&p, buf, len, errline);
	return hostips_finish(&p, errline);
}

int hostips_parse_fib_trie(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n, unsigned int *errline)
{
	return parse_whole(HOSTIP_FIB_TRIE, buf, len, out, max, n, errline);
}

int hostips_parse_if_inet6(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n, unsigned int *errline)
{
	return parse_whole(HOSTIP_IF_INET6, buf, len, out, max, n, errline);
}

int hostips_parse_ipv6_route(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n, unsigned int *errline)
{
	return parse_whole(HOSTIP_IPV6_ROUTE, buf, len, out, max, n, errline);
}

/* ---- resolv.conf ---- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * "nameserver ADDR[%scope] [anything]", the keyword at the start of the
 * line and followed by a blank, as glibc and musl read it.  Returns 1 and
 * the address, 0 for any other line or a malformed address.
 */
static int resolv_line(const struct line *l, int *family, uint8_t a[16])
{
	const char *p = l->p, *tok;
	char s[INET6_ADDRSTRLEN + 1];
	size_t tl;
	int scoped;

	if (lit(&p, l->end, "nameserver") < 0 || p == l->end || !is_blank(*p))
		return 0;
	while (p < l->end && is_blank(*p))
		p++;
	for (tok = p; p < l->end && !is_blank(*p) && *p != '%'; p++)
		;
	tl = (size_t)(p - tok);
	scoped = p < l->end && *p == '%';
	if (tl == 0 || tl >= sizeof(s))
		return 0;
	memcpy(s, tok, tl);
	s[tl] = '\0';
	*family = AF_INET6;
	if (inet_pton(AF_INET6, s, a) == 1)
		return 1;
	*family = AF_INET;
	return !scoped && inet_pton(AF_INET, s, a) == 1;
}

/*
 * A malformed nameserver line is skipped, not an error: resolv.conf is
 * user-editable and the resolver itself ignores such a line, so failing
 * here would only break a jail whose DNS works.  Every valid nameserver
 * is returned, not only the first three that libc uses: other resolvers
 * (c-ares, Go) read more.
 */
int hostips_parse_resolv_conf(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n)
{
	struct line l;
	size_t pos = 0;
	uint8_t a[16];
	int family, err;

	while (next_line(buf, len, &pos, &l)) {
		if (!resolv_line(&l, &family, a))
			continue;
		err = push(out, max, n, family, a, family == AF_INET ? 32 : 128,
		    HOSTIP_RESOLV_CONF);
		if (err < 0)
			return err;
	}
	return 0;
}

/* ---- the fixed ranges ---- */

static const struct hostip fixed[] = {
	{ AF_INET, 8, HOSTIP_FIXED, { 0 },
	  "0.0.0.0 connects to this host" },
	{ AF_INET, 8, HOSTIP_FIXED, { 127 }, "loopback" },
	{ AF_INET, 16, HOSTIP_FIXED, { 169, 254 },
	  "link-local; cloud metadata at 169.254.169.254" },
	{ AF_INET, 32, HOSTIP_FIXED, { 10, 0, 2, 2 },
	  "the slirp4netns host" },
	{ AF_INET, 4, HOSTIP_FIXED, { 224 },
	  "multicast is looped back to host listeners" },
	{ AF_INET, 32, HOSTIP_FIXED, { 255, 255, 255, 255 },
	  "limited broadcast" },
	{ AF_INET6, 128, HOSTIP_FIXED, { 0 },
	  ":: connects to this host" },
	{ AF_INET6, 128, HOSTIP_FIXED, { [15] = 1 }, "loopback" },
	{ AF_INET6, 10, HOSTIP_FIXED, { 0xfe, 0x80 }, "link-local" },
	{ AF_INET6, 8, HOSTIP_FIXED, { 0xff },
	  "multicast is looped back to host listeners" },
	{ AF_INET6, 128, HOSTIP_FIXED,
	  { 0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02, [15] = 0x54 }, "cloud metadata over IPv6" },
};

int hostips_fixed(struct hostip *out, size_t max, size_t *n)
{
	size_t i, k = sizeof(fixed) / sizeof(fixed[0]);

	if (*n > max || max - *n < k)
		return -E2BIG;
	for (i = 0; i < k; i++)
		out[(*n)++] = fixed[i];
	return 0;
}

static const struct hostip deny_all[] = {
	{ AF_INET, 0, HOSTIP_DENY_ALL, { 0 }, "every IPv4 destination" },
	{ AF_INET6, 0, HOSTIP_DENY_ALL, { 0 }, "every IPv6 destination" },
};

/* The SSRF set: what a request from the jail must not reach inside the
 * networks it sits in.  169.254/16 and fe80::/10 are fixed ranges too. */
static const struct hostip private[] = {
	{ AF_INET, 8, HOSTIP_PRIVATE, { 10 }, "private (RFC 1918)" },
	{ AF_INET, 12, HOSTIP_PRIVATE, { 172, 16 }, "private (RFC 1918)" },
	{ AF_INET, 16, HOSTIP_PRIVATE, { 192, 168 }, "private (RFC 1918)" },
	{ AF_INET, 10, HOSTIP_PRIVATE, { 100, 64 },
	  "shared address space (CGNAT, RFC 6598)" },
	{ AF_INET, 16, HOSTIP_PRIVATE, { 169, 254 },
	  "link-local; cloud metadata at 169.254.169.254" },
	{ AF_INET6, 7, HOSTIP_PRIVATE, { 0xfc }, "unique local (RFC 4193)" },
	{ AF_INET6, 10, HOSTIP_PRIVATE, { 0xfe, 0x80 }, "link-local" },
};

static int append(const struct hostip *v, size_t k, struct hostip *out,
    size_t max, size_t *n)
{
	size_t i;

	if (*n > max || max - *n < k)
		return -E2BIG;
	for (i = 0; i < k; i++)
		out[(*n)++] = v[i];
	return 0;
}

int hostips_deny_all(struct hostip *out, size_t max, size_t *n)
{
	return append(deny_all, sizeof(deny_all) / sizeof(deny_all[0]), out,
	    max, n);
}

int hostips_private(struct hostip *out, size_t max, size_t *n)
{
	return append(private, sizeof(private) / sizeof(private[0]), out, max,
	    n);
}

int hostip_is_host(uint8_t source)
{
	return source != HOSTIP_USER && source != HOSTIP_DENY_ALL &&
	    source != HOSTIP_PRIVATE;
}

/* ---- sort, dedupe ---- */

static int hostip_cmp(const void *x, const void *y)
{
	const struct hostip *a = x, *b = y;
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c != 0)
		return c;
	if (a->prefixlen != b->prefixlen)
		return a->prefixlen < b->prefixlen ? -1 : 1;
	if (a->source != b->source)
		return a->source < b->source ? -1 : 1;
	return 0;
}

int hostips_normalize(struct hostip *v, size_t *n)
{
	size_t i, j;

	for (i = 0; i < *n; i++) {
		if (v[i].family == AF_INET && v[i].prefixlen <= 32)
			continue;
		if (v[i].family == AF_INET6 && v[i].prefixlen <= 128)
			continue;
		return -EINVAL;
	}
	for (i = 0; i < *n; i++) {
		if (v[i].family == AF_INET)
			memset(v[i].addr + 4, 0, 12);
		mask_addr(v[i].addr, v[i].family == AF_INET ? 4 : 16,
		    v[i].prefixlen);
	}
	if (*n > 1)
		qsort(v, *n, sizeof(*v), hostip_cmp);
	for (i = j = 0; i < *n; i++) {
		if (j > 0 && v[j - 1].family == v[i].family &&
		    v[j - 1].prefixlen == v[i].prefixlen &&
		    memcmp(v[j - 1].addr, v[i].addr, sizeof(v[i].addr)) == 0)
			continue;
		v[j++] = v[i];
	}
	*n = j;
	return 0;
}

/* ---- reading /proc ---- */

/*
 * Feeds the file to p through one fixed buffer, until its end or p's
 * first error.  Returns 0 or the read error; the parse error is p's.
 */
static int read_into(int fd, struct hostips_parser *p)
{
	char buf[READ_CHUNK];
	size_t total = 0;
	ssize_t r;

	while (p->err == 0) {
		r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		total += (size_t)r;
		if (total > READ_MAX)
			return -EFBIG;
		hostips_feed(p, buf, (size_t)r, NULL);
	}
	return 0;
}

/* ---- discovery ---- */

struct found {
	struct hostip *v;
	size_t n, cap;
};

static int discover_file(const char *path, int kind, int optional,
    struct found *f, char *errbuf, size_t errlen)
{
	struct hostips_parser p;
	unsigned int line = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && optional)
		return 0;
	err = fd < 0 ? -errno : 0;
	if (fd >= 0) {
		parser_init(&p, kind, f->v, f->cap, &f->n);
		p.grow = 1;
		err = read_into(fd, &p);
		close(fd);
		f->v = p.out;		/* it may have grown */
		f->cap = p.max;
	}
	if (err < 0) {
		snprintf(errbuf, errlen, "read %s: %s", path, strerror(-err));
		return err;
	}
	err = hostips_finish(&p, &line);
	if (err == -EINVAL)
		snprintf(errbuf, errlen, "parse %s line %u: malformed", path,
		    line);
	else if (err < 0)
		snprintf(errbuf, errlen, "parse %s: %s", path, strerror(-err));
	return err;
}

int hostips_discover_from(const char *fib_trie_path,
    const char *if_inet6_path, const char *ipv6_route_path,
    struct hostip **out, size_t *n, char *errbuf,
    size_t errlen)
{
	struct found f;
	struct hostip *nv;
	int err;

	if (errlen > 0)
		errbuf[0] = '\0';
	f.n = 0;
	f.cap = 256;
	f.v = malloc(f.cap * sizeof(*f.v));
	if (!f.v) {
		snprintf(errbuf, errlen, "host addresses: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	err = hostips_fixed(f.v, f.cap, &f.n);
	if (err == 0)
		err = discover_file(fib_trie_path, HOSTIP_FIB_TRIE, 0, &f,
		    errbuf, errlen);
	if (err == 0)
		err = discover_file(if_inet6_path, HOSTIP_IF_INET6, 1, &f,
		    errbuf, errlen);
	if (err == 0 && ipv6_route_path)
		err = discover_file(ipv6_route_path, HOSTIP_IPV6_ROUTE, 1, &f,
		    errbuf, errlen);
	if (err == 0)
		err = hostips_normalize(f.v, &f.n);
	if (err < 0) {
		if (errlen > 0 && errbuf[0] == '\0')
			snprintf(errbuf, errlen, "host addresses: %s",
			    strerror(-err));
		free(f.v);
		return err;
	}
	nv = realloc(f.v, f.n * sizeof(*nv));
	*out = nv ? nv : f.v;
	*n = f.n;
	return 0;
}

int hostips_discover(struct hostip **out, size_t *n, char *errbuf,
    size_t errlen)
{
	return hostips_discover_from("/proc/net/fib_trie", "/proc/net/if_inet6",
	    "/proc/net/ipv6_route", out, n, errbuf, errlen);
}

/* ---- formatting ---- */

int hostip_format(const struct hostip *h, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int r;

	if ((h->family != AF_INET && h->family != AF_INET6) ||
	    !inet_ntop(h->family, h->addr, a, sizeof(a)))
		return -EINVAL;
	r = snprintf(buf, len, "%s/%u", a, h->prefixlen);
	if (r < 0 || (size_t)r >= len)
		return -ENOSPC;
	return 0;
}

const char *hostip_source_name(uint8_t source)
{
	switch (source) {
	case HOSTIP_FIXED:
		return "fixed";
	case HOSTIP_FIB_TRIE:
		return "fib_trie";
	case HOSTIP_IF_INET6:
		return "if_inet6";
	case HOSTIP_RESOLV_CONF:
		return "resolv.conf";
	case HOSTIP_IPV6_ROUTE:
		return "ipv6_route";
	case HOSTIP_DENY_ALL:
		return "--deny-all";
	case HOSTIP_PRIVATE:
		return "--block-private";
	}
	return "unknown";
}
