/*
 * policy.c - turns "block these host prefixes, allow these rules" into
 * the LPM entries the BPF programs look up, and parses --allow.
 *
 * No privilege.  Untrusted input: the --allow strings (command line) and
 * --deny-file contents: pure functions over (buffer, length).
 *
 * Meaning: an address is denied when some deny prefix covers it and no
 * port-less allow rule covers it; a port allow rule covering it opens that
 * port.  Every distinct prefix of either kind becomes one trie entry whose
 * value is computed from all the rules that cover that prefix.  Because
 * prefixes that share an address are nested, the longest entry matching an
 * address is covered by exactly the rules that cover the address, so the
 * kernel's one lookup gives the same answer as evaluating every rule.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"
#include "protect.h"

/* ---- --allow ADDR[/LEN][:PORT] ---- */

static int parse_uint(const char *s, size_t n, unsigned long max,
    unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "ADDR" or "ADDR/LEN" of n bytes, family decided by the caller. */
static int parse_prefix(const char *s, size_t n, int family,
    struct allow_rule *out)
{
	char tmp[INET6_ADDRSTRLEN];
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	unsigned int bits = family == AF_INET ? 32 : 128;
	unsigned long plen = bits;

	/* a NUL would end inet_pton's string early and hide what follows */
	if (alen == 0 || alen >= sizeof(tmp) || memchr(s, '\0', alen))
		return -EINVAL;
	memcpy(tmp, s, alen);
	tmp[alen] = '\0';
	memset(out->addr, 0, sizeof(out->addr));
	if (inet_pton(family, tmp, out->addr) != 1)
		return -EINVAL;
	if (slash && parse_uint(slash + 1, n - alen - 1, bits, &plen) < 0)
		return -EINVAL;
	out->family = (uint8_t)family;
	out->prefixlen = (uint8_t)plen;
	return 0;
}

static int parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v;

	if (parse_uint(s, n, 65535, &v) < 0 || v == 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Host bits must be zero: "10.0.0.1/8" is a typo, not a wish. */
static int host_bits_zero(const struct allow_rule *a)
{
	unsigned int bytes = a->family == AF_INET ? 4 : 16, i;

	for (i = a->prefixlen / 8; i < bytes; i++) {
		uint8_t keep = i == a->prefixlen / 8u ?
		    (uint8_t)(0xff00 >> (a->prefixlen % 8)) : 0;

		if (a->addr[i] & (uint8_t)~keep)
			return 0;
	}
	return 1;
}

/*
 * "::1:8080": the address ::1:8080, or port 8080 of ::1?  An unbracketed
 * rule never has a port, but one that contains "::", has no /LEN, and
 * ends in a group of 2-5 decimal digits after a valid address is refused
 * as ambiguous (-EDOM): [::1]:8080 says the port, ::1:8080/128 the
 * address.  A port is written in decimal, an IPv6 group in hex.
 */
static int port_like(const char *s, size_t n)
{
	char head[INET6_ADDRSTRLEN];
	const char *last = memrchr(s, ':', n);
	size_t tl = last ? n - (size_t)(last - s) - 1 : 0, i;
	uint8_t a[16];
	unsigned long port;

	if (!last || memchr(s, '/', n) || !memmem(s, n, "::", 2) || tl < 2 ||
	    tl > 5 || (size_t)(last - s) >= sizeof(head))
		return 0;
	for (i = 0; i < tl; i++)
		if (last[1 + i] < '0' || last[1 + i] > '9')
			return 0;
	if (parse_uint(last + 1, tl, 65535, &port) < 0 || port == 0)
		return 0;
	memcpy(head, s, (size_t)(last - s));
	head[last - s] = '\0';
	return inet_pton(AF_INET6, head, a) == 1;
}

int policy_parse_allow(const char *s, struct allow_rule *out)
{
	size_t n = strnlen(s, 128);
	const char *colon, *close;
	int r;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n == 128)
		return -EINVAL;
	if (s[0] == '[') {		/* [v6[/len]]:port */
		close = memchr(s, ']', n);
		if (!close || close[1] != ':')
			return -EINVAL;
		r = parse_prefix(s + 1, (size_t)(close - s - 1), AF_INET6, out);
		if (r == 0)
			r = parse_port(close + 2, n - (size_t)(close - s) - 2,
			    &out->port);
	} else if (memchr(s, ':', n) != memrchr(s, ':', n)) {	/* v6 */
		if (port_like(s, n))
			return -EDOM;
		r = parse_prefix(s, n, AF_INET6, out);
	} else {			/* v4[/len][:port] */
		colon = memchr(s, ':', n);
		r = parse_prefix(s, colon ? (size_t)(colon - s) : n, AF_INET,
		    out);
		if (r == 0 && colon)
			r = parse_port(colon + 1, n - (size_t)(colon - s) - 1,
			    &out->port);
	}
	if (r == 0 && !host_bits_zero(out))
		r = -EINVAL;
	return r;
}

/*
 * --proxy http[s]://ADDR:PORT[/]: the one destination of the jail.  ADDR
 * is an IPv4 literal or a bracketed IPv6 one, never a name (a name needs
 * DNS, which --proxy closes, and would be resolved where the jail is not).
 * 0, or why not: -EPROTO scheme, -EACCES user:password@, -ENOTDIR a path,
 * query or fragment, -EADDRNOTAVAIL a host name, -EDESTADDRREQ no port,
 * -ERANGE port 0 or above 65535, -EAFNOSUPPORT an unspecified, mapped or
 * scoped address, -EINVAL anything else.
 */
int policy_parse_proxy(const char *url, struct allow_rule *out)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, 0xff };
	size_t n = strnlen(url, 128), skip;
	const char *h, *end, *colon;
	char rule[80];
	unsigned long port;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n == 128)
		return -EINVAL;
	if (strncmp(url, "http://", 7) == 0)
		skip = 7;
	else if (strncmp(url, "https://", 8) == 0)
		skip = 8;
	else
		return -EPROTO;
	h = url + skip;
	end = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(end - h)))
		return -EACCES;
	if (*end && strcmp(end, "/") != 0)
		return -ENOTDIR;
	if (end == h)
		return -EINVAL;
	if (*h == '[') {
		colon = memchr(h, ']', (size_t)(end - h));
		if (!colon)
			return -EINVAL;
		if (memchr(h, '%', (size_t)(colon - h)))
			return -EAFNOSUPPORT;
		colon++;
		if (colon == end)
			return -EDESTADDRREQ;
		if (*colon != ':')
			return -EINVAL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
			return -EINVAL;	/* IPv6 without brackets */
		if (strspn(h, "0123456789.") < (size_t)((colon ? colon : end)
		    - h))
			return -EADDRNOTAVAIL;
		if (!colon)
			return -EDESTADDRREQ;
	}
	if (colon + 1 == end || parse_uint(colon + 1, (size_t)(end - colon -
	    1), 65535, &port) < 0 || port == 0)
		return strspn(colon + 1, "0123456789") == (size_t)(end -
		    colon - 1) && colon + 1 < end ? -ERANGE : -EINVAL;
	if ((size_t)(end - h) >= sizeof(rule))
		return -EINVAL;
	snprintf(rule, sizeof(rule), "%.*s", (int)(end - h), h);
	if (strchr(rule, '/') || policy_parse_allow(rule, out) < 0 ||
	    out->prefixlen != (out->family == AF_INET ? 32 : 128))
		return -EINVAL;
	if (!memcmp(out->addr, zero, out->family == AF_INET ? 4 : 16) ||
	    (out->family == AF_INET6 && !memcmp(out->addr, mapped, 12)))
		return -EAFNOSUPPORT;
	return 0;
}

/*
 * A --deny-file: one ADDR or ADDR/LEN a line; '#' starts a comment; blank
 * lines are fine.  Anything else is an error naming the line.
 */
int policy_parse_deny_file(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n, unsigned int *errline)
{
	struct allow_rule a;
	size_t pos = 0, e, s;
	const char *nl, *hash;
	unsigned int line = 0;

	while (pos < len) {
		line++;
		nl = memchr(buf + pos, '\n', len - pos);
		e = nl ? (size_t)(nl - buf) : len;
		hash = memchr(buf + pos, '#', e - pos);
		s = pos;
		pos = e + 1;
		if (hash)
			e = (size_t)(hash - buf);
		while (s < e && (buf[s] == ' ' || buf[s] == '\t'))
			s++;
		while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t' ||
		    buf[e - 1] == '\r'))
			e--;
		if (s == e)
			continue;
		if (parse_prefix(buf + s, e - s,
		    memchr(buf + s, ':', e - s) ? AF_INET6 : AF_INET, &a) < 0 ||
		    !host_bits_zero(&a)) {
			*errline = line;
			return -EINVAL;
		}
		if (*n >= max)
			return -E2BIG;
		memset(&out[*n], 0, sizeof(out[*n]));
		out[*n].family = a.family;
		out[*n].prefixlen = a.prefixlen;
		out[*n].source = HOSTIP_USER;
		out[*n].why = "--deny";
		memcpy(out[*n].addr, a.addr, 16);
		(*n)++;
	}
	return 0;
}

int policy_format_allow(const struct allow_rule *a, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (!inet_ntop(a->family, a->addr, addr, sizeof(addr)))
		return -EINVAL;
	if (a->family == AF_INET6 && a->port)
		n = snprintf(buf, len, "[%s/%u]:%u", addr, a->prefixlen,
		    a->port);
	else if (a->port)
		n = snprintf(buf, len, "%s/%u:%u", addr, a->prefixlen, a->port);
	else
		n = snprintf(buf, len, "%s/%u", addr, a->prefixlen);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* ---- building the entries ---- */

struct pfx {
	uint8_t family, prefixlen;
	uint8_t denied;		/* itself a deny prefix */
	uint8_t host;		/* itself a host deny prefix (not --deny) */
	uint8_t kind;		/* a deny prefix's JAIL_KIND_* */
	uint8_t addr[16];
};

/* A deny prefix's source as the event kind its entry reports. */
static uint8_t kind_of(uint8_t source)
{
	switch (source) {
	case HOSTIP_FIXED:
		return JAIL_KIND_FIXED;
	case HOSTIP_FIB_TRIE:
		return JAIL_KIND_HOST4;
	case HOSTIP_IF_INET6:
		return JAIL_KIND_HOST6;
	case HOSTIP_IPV6_ROUTE:
		return JAIL_KIND_ROUTE6;
	case HOSTIP_DENY_ALL:
		return JAIL_KIND_DENY_ALL;
	case HOSTIP_PRIVATE:
		return JAIL_KIND_PRIVATE;
	default:	/* HOSTIP_USER, and anything kept from the command line */
		return JAIL_KIND_DENY;
	}
}

static int pfx_cmp(const void *a, const void *b)
{
	const struct pfx *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (c)
		return c;
	return (int)x->prefixlen - (int)y->prefixlen;
}

/* Does prefix (a, alen) cover prefix (b, blen) of the same family? */
static int covers(const uint8_t *a, unsigned int alen, const uint8_t *b,
    unsigned int blen)
{
	unsigned int full = alen / 8, rest = alen % 8;

	if (alen > blen || memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

static int add_port(struct jail_verdict *v, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < v->nports; i++)
		if (v->ports[i] == port)
			return 0;
	if (v->nports == JAIL_MAX_PORTS)
		return -E2BIG;
	v->ports[v->nports++] = port;
	return 0;
}

/*
 * The value of entry e.  "denied" tells whether a deny prefix covers e;
 * the caller knows it without a scan when e is itself a deny prefix.
 */
static int entry_verdict(const struct pfx *e, int denied,
    const struct allow_rule *allow, size_t nallow, struct jail_verdict *v)
{
	size_t i;
	int r;

	memset(v, 0, sizeof(*v));
	v->action = denied ? JAIL_DENY : JAIL_ALLOW;
	for (i = 0; i < nallow && v->action == JAIL_DENY; i++) {
		if (allow[i].family != e->family ||
		    !covers(allow[i].addr, allow[i].prefixlen, e->addr,
		    e->prefixlen))
			continue;
		if (allow[i].port == 0) {
			memset(v, 0, sizeof(*v));
			v->action = JAIL_ALLOW;
		} else if ((r = add_port(v, allow[i].port)) < 0) {
			return r;
		}
	}
	return 0;
}

/* The kind of the most specific deny prefix that covers e (an entry's
 * verdict comes from it: its own when e is a deny prefix itself). */
static uint8_t deny_kind(const struct hostip *deny, size_t ndeny,
    const struct pfx *e)
{
	uint8_t kind = JAIL_KIND_NONE;
	int best = -1;
	size_t i;

	if (e->denied)
		return e->kind;
	for (i = 0; i < ndeny; i++)
		if (deny[i].family == e->family && deny[i].prefixlen > best &&
		    covers(deny[i].addr, deny[i].prefixlen, e->addr,
		    e->prefixlen)) {
			best = deny[i].prefixlen;
			kind = kind_of(deny[i].source);
		}
	return kind;
}

/* Some deny prefix covers e; with host_only, a host one (not --deny). */
static int deny_covers(const struct hostip *deny, size_t ndeny,
    const struct pfx *e, int host_only)
{
	size_t i;

	for (i = 0; i < ndeny; i++)
		if (deny[i].family == e->family &&
		    (!host_only || hostip_is_host(deny[i].source)) &&
		    covers(deny[i].addr, deny[i].prefixlen, e->addr,
		    e->prefixlen))
			return 1;
	return 0;
}

/* Every distinct prefix, sorted and unique, deny ones marked. */
static struct pfx *collect(const struct hostip *deny, size_t ndeny,
    const struct allow_rule *allow, size_t nallow, size_t *n)
{
	struct pfx *p = calloc(ndeny + nallow + 1, sizeof(*p));
	size_t i, k = 0, out = 0;

	if (!p)
		return NULL;
	for (i = 0; i < ndeny; i++, k++) {
		p[k].family = deny[i].family;
		p[k].prefixlen = deny[i].prefixlen;
		p[k].denied = 1;
		p[k].host = hostip_is_host(deny[i].source);
		p[k].kind = kind_of(deny[i].source);
		memcpy(p[k].addr, deny[i].addr, 16);
	}
	for (i = 0; i < nallow; i++, k++) {
		p[k].family = allow[i].family;
		p[k].prefixlen = allow[i].prefixlen;
		memcpy(p[k].addr, allow[i].addr, 16);
	}
	qsort(p, k, sizeof(*p), pfx_cmp);
	for (i = 0; i < k; i++) {
		if (out > 0 && pfx_cmp(&p[out - 1], &p[i]) == 0) {
			if (!p[out - 1].denied)	/* a deny's kind, not an allow's */
				p[out - 1].kind = p[i].kind;
			p[out - 1].denied |= p[i].denied;
			p[out - 1].host |= p[i].host;
		} else {
			p[out++] = p[i];
		}
	}
	*n = out;
	return p;
}

static int emit(struct policy *out, const struct pfx *e,
    const struct jail_verdict *v)
{
	if (e->family == AF_INET) {
		struct jail_rule4 *r = &out->r4[out->n4++];

		r->key.prefixlen = e->prefixlen;
		memcpy(r->key.addr, e->addr, 4);
		r->v = *v;
		r->v.entry = out->n4;	/* 1 + its index: n4 counts it */
	} else {
		struct jail_rule6 *r = &out->r6[out->n6++];

		r->key.prefixlen = e->prefixlen;
		memcpy(r->key.addr, e->addr, 16);
		r->v = *v;
		r->v.entry = out->n6;
	}
	return 0;
}

/*
 * JAIL_V_HOST on an entry that a host deny covers and an allow opens (the
 * only entries jail_egress can pass on lo): an allow of a peer, or one
 * inside a --deny of the user's, never opens the loopback device.
 */
static int fill(struct policy *out, const struct pfx *p, size_t n,
    const struct hostip *deny, size_t ndeny, const struct allow_rule *allow,
    size_t nallow)
{
	struct jail_verdict v;
	size_t i;
	int r, denied;

	for (i = 0; i < n; i++) {
		/* Only the few allow-only prefixes need the scan. */
		denied = p[i].denied || deny_covers(deny, ndeny, &p[i], 0);
		r = entry_verdict(&p[i], denied, allow, nallow, &v);
		if (r < 0)
			return r;
		if (denied && (v.action == JAIL_ALLOW || v.nports) &&
		    (p[i].host || deny_covers(deny, ndeny, &p[i], 1)))
			v.flags = JAIL_V_HOST;
		if (v.action == JAIL_DENY)	/* what denies the other ports */
			v.kind = deny_kind(deny, ndeny, &p[i]);
		emit(out, &p[i], &v);
	}
	return 0;
}

static int build(const struct hostip *deny, size_t ndeny,
    const struct allow_rule *allow, size_t nallow, struct policy *out)
{
	size_t n, i, c4 = 0, c6 = 0;
	struct pfx *p;
	int r;

	memset(out, 0, sizeof(*out));
	p = collect(deny, ndeny, allow, nallow, &n);
	if (!p)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		p[i].family == AF_INET ? c4++ : c6++;
	if (c4 > JAIL_MAX_RULES4 || c6 > JAIL_MAX_RULES6) {
		free(p);
		return -E2BIG;
	}
	out->req_len = sizeof(*out->req) + c4 * sizeof(struct jail_rule4) +
	    c6 * sizeof(struct jail_rule6);
	out->req = calloc(1, out->req_len);
	if (!out->req) {
		free(p);
		return -ENOMEM;
	}
	out->r4 = (struct jail_rule4 *)(out->req + 1);
	out->r6 = (struct jail_rule6 *)(out->r4 + c4);
	r = fill(out, p, n, deny, ndeny, allow, nallow);
	free(p);
	if (r < 0) {
		policy_free(out);
		return r;
	}
	out->req->magic = JAIL_REQ_MAGIC;
	out->req->version = JAIL_REQ_VERSION;
	out->req->n4 = out->n4;
	out->req->n6 = out->n6;
	return 0;
}

static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

/*
 * check6() in bpf/jail.bpf.c looks ::ffff:a.b.c.d up in the v4 map, never
 * in the v6 one: a rule inside ::ffff:0:0/96 must become its v4 twin, or
 * it would be an entry no lookup reaches (an --allow that does nothing).
 */
static void unmap(uint8_t *family, uint8_t *prefixlen, uint8_t *addr)
{
	if (*family != AF_INET6 || *prefixlen < 96 ||
	    memcmp(addr, v4mapped, 12) != 0)
		return;
	*family = AF_INET;
	*prefixlen = (uint8_t)(*prefixlen - 96);
	memmove(addr, addr + 12, 4);
	memset(addr + 4, 0, 12);
}

/*
 * How an allow rule meets a blocked prefix, as the programs see both
 * (::ffff:a.b.c.d being IPv4): 2 when the rule covers all of it, 1 when
 * it opens a part, 0 when they do not meet.
 */
int policy_allow_meets(const struct allow_rule *a, const struct hostip *h)
{
	uint8_t af = a->family, al = a->prefixlen, hf = h->family;
	uint8_t hl = h->prefixlen, aa[16], ha[16];

	memcpy(aa, a->addr, 16);
	memcpy(ha, h->addr, 16);
	unmap(&af, &al, aa);
	unmap(&hf, &hl, ha);
	if (af != hf)
		return 0;
	if (covers(aa, al, ha, hl))
		return 2;
	return covers(ha, hl, aa, al);
}

int policy_build(const struct hostip *deny, size_t ndeny,
    const struct allow_rule *allow, size_t nallow, struct policy *out)
{
	struct hostip *d = calloc(ndeny + 1, sizeof(*d));
	struct allow_rule *a = calloc(nallow + 1, sizeof(*a));
	size_t i;
	int r = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (d && a) {
		for (i = 0; i < ndeny; i++) {
			d[i] = deny[i];
			unmap(&d[i].family, &d[i].prefixlen, d[i].addr);
		}
		for (i = 0; i < nallow; i++) {
			a[i] = allow[i];
			unmap(&a[i].family, &a[i].prefixlen, a[i].addr);
		}
		r = build(d, ndeny, a, nallow, out);
	}
	free(d);
	free(a);
	return r;
}

/* A port-less allow of jail-ai's own (no text: not the user's). */
/* -ENOSPC when the --allow table is full: the caller says so, rather than
 * the jail losing its own loopback without a word. */
static int own_allow(struct prot_opts *o, int family, unsigned int plen,
    const uint8_t *addr)
{
	struct allow_rule *a;

	if (o->nallow >= JAIL_MAX_ALLOW)
		return -ENOSPC;
	a = &o->allow[o->nallow];
	o->allow_text[o->nallow++] = NULL;
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	a->prefixlen = (uint8_t)plen;
	memcpy(a->addr, addr, family == AF_INET ? 4 : 16);
	return 0;
}

int policy_add_modes(struct prot_opts *o, struct hostip **h, size_t *n,
    int hostnet)
{
	static const uint8_t lo4[4] = { 127 }, lo6[16] = { [15] = 1 };
	size_t max = *n + 16;
	struct hostip *nh;
	int r = 0;

	if (!o->deny_all && !o->block_private)
		return 0;
	if (!(nh = realloc(*h, max * sizeof(*nh))))
		return -ENOMEM;
	*h = nh;
	if (o->deny_all)
		r = hostips_deny_all(nh, max, n);
	if (r == 0 && o->block_private)
		r = hostips_private(nh, max, n);
	/* its own 127.0.0.0/8 and ::1 are not egress (protect.c drops
	 * them from the host list there too) */
	if (r == 0 && o->deny_all && !hostnet)
		r = own_allow(o, AF_INET, 8, lo4);
	if (r == 0 && o->deny_all && !hostnet)
		r = own_allow(o, AF_INET6, 128, lo6);
	return r;
}

static const char *const mode_words[] = { "block-host", "deny-all",
    "block-private", "deny-all+block-private" };

const char *policy_mode_word(const struct prot_opts *o)
{
	if (!o->block_host)
		return "off";
	return mode_words[(o->deny_all ? 1 : 0) + (o->block_private ? 2 : 0)];
}

int policy_mode_parse(const char *word)
{
	size_t i;

	for (i = 0; i < sizeof(mode_words) / sizeof(mode_words[0]); i++)
		if (strcmp(word, mode_words[i]) == 0)
			return (int)i + 1;
	return -EINVAL;
}

void policy_free(struct policy *p)
{
	free(p->req);
	memset(p, 0, sizeof(*p));
}

static int port_listed(const struct jail_verdict *v, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < v->nports; i++)
		if (v->ports[i] == port)
			return 1;
	return 0;
}

/* The entry the kernel's LPM lookup finds for addr, or NULL. */
static const struct jail_verdict *lookup(const struct policy *p, int family,
    const uint8_t *addr)
{
	const struct jail_verdict *best = NULL;
	unsigned int bestlen = 0, bits;
	uint32_t i, n;

	/* as check6() in bpf/jail.bpf.c: ::ffff:a.b.c.d meets the v4 policy */
	if (family == AF_INET6 && memcmp(addr, v4mapped, 12) == 0) {
		family = AF_INET;
		addr += 12;
	}
	bits = family == AF_INET ? 32 : 128;
	n = family == AF_INET ? p->n4 : p->n6;
	for (i = 0; i < n; i++) {
		const uint8_t *k = family == AF_INET ? p->r4[i].key.addr :
		    p->r6[i].key.addr;
		unsigned int len = family == AF_INET ?
		    p->r4[i].key.prefixlen : p->r6[i].key.prefixlen;

		if (len <= bits && covers(k, len, addr, bits) &&
		    (!best || len >= bestlen)) {
			best = family == AF_INET ? &p->r4[i].v : &p->r6[i].v;
			bestlen = len;
		}
	}
	return best;
}

int policy_verdict(const struct policy *p, int family, const uint8_t *addr,
    uint16_t port)
{
	const struct jail_verdict *best = lookup(p, family, addr);

	if (!best || port_listed(best, port))
		return JAIL_ALLOW;
	return best->action;
}

/* As jail_egress for a packet leaving through lo: no entry is a refusal. */
int policy_lo_verdict(const struct policy *p, int family, const uint8_t *addr,
    uint16_t port)
{
	const struct jail_verdict *v = lookup(p, family, addr);

	if (!v || !(v->flags & JAIL_V_HOST))
		return JAIL_DENY;
	if (port_listed(v, port))
		return JAIL_ALLOW;
	return v->action;
}

/*
 * In a network namespace of its own, loopback, 0.0.0.0/8, :: and ::1 are
 * the jail's own: drop them from the host list (a server on 127.0.0.1 in
 * the jail must work).  What reaches the host from there stays: its
 * interface addresses, gateways, metadata, slirp4netns' 10.0.2.2 — and
 * 10.0.2.3, slirp4netns' DNS forwarder, which forwards every port (to the
 * host's loopback when the host's resolver is there): port 53 only.
 */
const uint8_t policy_slirp_dns[4] = { 10, 0, 2, 3 };

size_t policy_own_netns_hosts(struct hostip *h, size_t n)
{
	static const uint8_t zero[16], one[16] = { [15] = 1 };
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (h[i].family == AF_INET && h[i].prefixlen >= 8 &&
		    (h[i].addr[0] == 0 || h[i].addr[0] == 127))
			continue;
		if (h[i].family == AF_INET6 && h[i].prefixlen == 128 &&
		    (!memcmp(h[i].addr, zero, 16) || !memcmp(h[i].addr, one, 16)))
			continue;
		h[k++] = h[i];
	}
	memset(&h[k], 0, sizeof(h[k]));
	h[k].family = AF_INET;
	h[k].prefixlen = 32;
	h[k].source = HOSTIP_FIXED;
	h[k].why = "the slirp4netns DNS forwarder";
	memcpy(h[k].addr, policy_slirp_dns, 4);
	return k + 1;
}
