/*
 * tests/unit_policy.c - policy.c: --allow parsing and formatting, the
 * --deny-file parser, and policy_build / policy_verdict against the
 * meaning stated at the top of policy.c, by hand-picked cases and by a
 * seeded random cross-check with a brute-force evaluation of the rules.
 * Every emitted entry is also held to the loader's checks (loader.c is
 * not linked here; tests/unit_request.c runs the loader itself).  TAP.
 * Runs without privilege.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"
#include "protect.h"
#include "tap.h"
#include "policy_ref.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

static const char *fam_name(int family)
{
	return family == AF_INET ? "v4" : family == AF_INET6 ? "v6" : "?";
}

static struct allow_rule allow(const char *s)
{
	struct allow_rule a;

	if (policy_parse_allow(s, &a) != 0) {
		printf("Bail out! test setup: --allow %s does not parse\n", s);
		exit(1);
	}
	return a;
}

static struct hostip deny(const char *s)
{
	struct allow_rule a = allow(s);
	struct hostip h;

	memset(&h, 0, sizeof(h));
	h.family = a.family;
	h.prefixlen = a.prefixlen;
	h.source = HOSTIP_FIXED;
	memcpy(h.addr, a.addr, 16);
	return h;
}

static int verdict(const struct policy *p, const char *addr, uint16_t port)
{
	uint8_t a[16] = { 0 };
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(family, addr, a) != 1) {
		printf("Bail out! test setup: bad address %s\n", addr);
		exit(1);
	}
	return policy_verdict(p, family, a, port);
}

static const char *vname(int v)
{
	return v == JAIL_ALLOW ? "ALLOW" : v == JAIL_DENY ? "DENY" : "?";
}

static void expect(const struct policy *p, const char *addr, uint16_t port,
    int want)
{
	int got = verdict(p, addr, port);

	if (!ok(got == want, "  %s port %u: %s", addr, port, vname(want)))
		diag("got %s (%d)", vname(got), got);
}

/* As jail_egress judges a packet leaving through lo. */
static void expect_lo(const struct policy *p, const char *addr, uint16_t port,
    int want)
{
	uint8_t a[16] = { 0 };
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET, got;

	if (inet_pton(family, addr, a) != 1) {
		printf("Bail out! test setup: bad address %s\n", addr);
		exit(1);
	}
	got = policy_lo_verdict(p, family, a, port);
	if (!ok(got == want, "  through lo: %s port %u: %s", addr, port,
	    vname(want)))
		diag("got %s (%d)", vname(got), got);
}

/* ---- --allow ---- */

/* s with \n, \r, \t spelled out, for test names. */
static const char *esc(const char *s)
{
	static char buf[256];
	size_t o = 0;

	for (; *s && o + 3 < sizeof(buf); s++) {
		const char *e = *s == '\n' ? "\\n" : *s == '\r' ? "\\r" :
		    *s == '\t' ? "\\t" : NULL;

		if (e) {
			memcpy(buf + o, e, 2);
			o += 2;
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
	return buf;
}


struct parse_case {
	const char *s;
	int family;
	unsigned int prefixlen;
	unsigned int port;
	const char *addr;
};

static const struct parse_case good[] = {
	{ "10.0.0.1", AF_INET, 32, 0, "10.0.0.1" },
	{ "10.0.0.0/8", AF_INET, 8, 0, "10.0.0.0" },
	{ "10.0.0.1:8080", AF_INET, 32, 8080, "10.0.0.1" },
	{ "10.0.0.0/24:53", AF_INET, 24, 53, "10.0.0.0" },
	{ "10.0.0.128/25", AF_INET, 25, 0, "10.0.0.128" },
	{ "0.0.0.0/0", AF_INET, 0, 0, "0.0.0.0" },
	{ "1.2.3.4:1", AF_INET, 32, 1, "1.2.3.4" },
	{ "1.2.3.4:65535", AF_INET, 32, 65535, "1.2.3.4" },
	{ "255.255.255.255/32:443", AF_INET, 32, 443, "255.255.255.255" },
	{ "::1", AF_INET6, 128, 0, "::1" },
	{ "::", AF_INET6, 128, 0, "::" },
	{ "::/0", AF_INET6, 0, 0, "::" },
	{ "fd00::/64", AF_INET6, 64, 0, "fd00::" },
	{ "fe80::/10", AF_INET6, 10, 0, "fe80::" },
	{ "FD00::ABCD", AF_INET6, 128, 0, "fd00::abcd" },
	{ "::ffff:127.0.0.1", AF_INET6, 128, 0, "::ffff:127.0.0.1" },
	{ "[fd00::1]:8080", AF_INET6, 128, 8080, "fd00::1" },
	{ "[fd00::/64]:53", AF_INET6, 64, 53, "fd00::" },
	{ "[::ffff:127.0.0.1]:80", AF_INET6, 128, 80, "::ffff:127.0.0.1" },
	{ "[::1/128]:65535", AF_INET6, 128, 65535, "::1" },
};

static const char *const bad_allow[] = {
	"", "300.1.1.1", "1.2.3", "1.2.3.4.5", "10.0.0.1/33", "10.0.0.1/8",
	"10.0.0.64/25", "1.0.0.0/0", "10.0.0.1:0", "10.0.0.1:65536",
	"10.0.0.1:99999", "10.0.0.1:123456", "10.0.0.1:080", "10.0.0.1:00",
	"10.0.0.0/08", "10.0.0.0/024", "10.0.0.1/032", "10.0.0.1x",
	"10.0.0.1:80x", "10.0.0.1/32x", "10.0.0.1/32/32", "10.0.0.1:80:90",
	"[::1]", "[::1]80", "[::1]:", "[::1]:0", "[::1]:65536", "[]:80",
	"[::1", "::1]:80", "[10.0.0.1]:80", "[[::1]]:80", "[::1]]:80",
	"[fd00::1/64]:80", "10.0.0.1:", "10.0.0.1/", "/8", ":80", ":",
	"::1/129", "::1/1280", "fd00::1/64", "::/-0", "10.0.0.0/-8",
	"10.0.0.0/+8", "10.0.0.1:+80", "10.0.0.1:0x50", "10.0.0.1:-1",
	" 10.0.0.1", "10.0.0.1 ", "10.0.0.1: 80", "10.0.0.1 :80",
	"10.0.0.0/ 8", "[ ::1]:80", "[::1 ]:80", "[::1]: 80", "10.0.0.1\t",
	"10.0.0.1\n", "10.0.0.01", "localhost", "fd00:::1", "fd00::g",
	"10.0.0.1%eth0", "fe80::1%eth0", "[fe80::1%eth0]:80",
};

static void test_parse_allow(void)
{
	char long_s[4097], want[INET6_ADDRSTRLEN], got[INET6_ADDRSTRLEN];
	struct allow_rule a;
	size_t i;
	int r;

	diag("policy_parse_allow: valid forms");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct parse_case *c = &good[i];
		uint8_t addr[16] = { 0 };

		if (inet_pton(c->family, c->addr, addr) != 1) {
			printf("Bail out! test setup: %s\n", c->addr);
			exit(1);
		}
		r = policy_parse_allow(c->s, &a);
		inet_ntop(c->family, addr, want, sizeof(want));
		if (!inet_ntop(a.family, a.addr, got, sizeof(got)))
			snprintf(got, sizeof(got), "<family %u>", a.family);
		if (!ok(r == 0 && a.family == c->family &&
		    a.prefixlen == c->prefixlen && a.port == c->port &&
		    memcmp(a.addr, addr, 16) == 0,
		    "\"%s\" is %s %s/%u port %u", c->s, fam_name(c->family),
		    want, c->prefixlen, c->port))
			diag("got r=%d %s %s/%u port %u", r,
			    fam_name(a.family), got, a.prefixlen, a.port);
	}

	diag("policy_parse_allow: invalid forms are -EINVAL");
	for (i = 0; i < N(bad_allow); i++) {
		r = policy_parse_allow(bad_allow[i], &a);
		if (!ok(r == -EINVAL, "\"%s\" refused", esc(bad_allow[i])))
			diag("got %d: %s %u/%u", r, fam_name(a.family),
			    a.prefixlen, a.port);
	}

	/* long strings: junk, and a valid rule padded past 128 bytes */
	memset(long_s, '1', sizeof(long_s) - 1);
	long_s[sizeof(long_s) - 1] = '\0';
	ok(policy_parse_allow(long_s, &a) == -EINVAL, "4096 digits refused");
	snprintf(long_s, sizeof(long_s), "10.0.0.1:%0*d", 200, 80);
	ok(policy_parse_allow(long_s, &a) == -EINVAL,
	    "10.0.0.1 with a 200-digit zero-padded port refused");
	memset(long_s, 0, sizeof(long_s));
	memcpy(long_s, "::", 2);
	memset(long_s + 2, '0', 125);	/* 127 bytes, an inet_pton hazard */
	ok(policy_parse_allow(long_s, &a) == -EINVAL, "127-byte \"::000...\"");
	memset(long_s + 2, '0', 126);	/* 128 bytes */
	ok(policy_parse_allow(long_s, &a) == -EINVAL, "128-byte \"::000...\"");

	/* a refused rule leaves nothing half-filled behind */
	memset(&a, 0xa5, sizeof(a));
	policy_parse_allow("10.0.0.1/8", &a);
	ok(a.port == 0 && a.family == AF_INET && a.prefixlen == 8,
	    "refused \"10.0.0.1/8\" leaves no stale port");
}

static void test_format_allow(void)
{
	static const struct {
		const char *in, *out;
	} fmt[] = {
		{ "10.0.0.1", "10.0.0.1/32" },
		{ "10.0.0.0/24:53", "10.0.0.0/24:53" },
		{ "10.0.0.1:8080", "10.0.0.1/32:8080" },
		{ "::1", "::1/128" },
		{ "fd00::/64", "fd00::/64" },
		{ "[fd00::/64]:53", "[fd00::/64]:53" },
		{ "[::ffff:127.0.0.1]:80", "[::ffff:127.0.0.1/128]:80" },
	};
	struct allow_rule a, b;
	char buf[80];
	size_t i;
	int r;

	diag("policy_format_allow: exact text, and it parses back the same");
	for (i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		a = allow(fmt[i].in);
		r = policy_format_allow(&a, buf, sizeof(buf));
		if (!ok(r == 0 && strcmp(buf, fmt[i].out) == 0, "%s -> %s",
		    fmt[i].in, fmt[i].out))
			diag("got r=%d \"%s\"", r, buf);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		a = allow(good[i].s);
		r = policy_format_allow(&a, buf, sizeof(buf));
		ok(r == 0 && policy_parse_allow(buf, &b) == 0 &&
		    memcmp(&a, &b, sizeof(a)) == 0, "round trip %s via %s",
		    good[i].s, buf);
	}
	a = allow("[fd00::/64]:53");
	ok(policy_format_allow(&a, buf, strlen("[fd00::/64]:53")) == -ENOSPC,
	    "one byte short: -ENOSPC");
	ok(policy_format_allow(&a, buf, strlen("[fd00::/64]:53") + 1) == 0,
	    "exact size fits");
	a.family = 99;
	ok(policy_format_allow(&a, buf, sizeof(buf)) == -EINVAL,
	    "unknown family: -EINVAL");
}

/* ---- --deny-file ---- */

static int deny_is(const struct hostip *h, const char *want)
{
	char buf[80];

	return hostip_format(h, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, want) == 0 && h->source == HOSTIP_USER &&
	    h->why && strcmp(h->why, "--deny") == 0;
}

static int parse_deny(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n, unsigned int *line)
{
	*n = 0;
	*line = 0;
	return policy_parse_deny_file(buf, len, out, max, n, line);
}

static void test_deny_file(void)
{
	static const char good_file[] =
	    "# blocklist\n"
	    "\n"
	    "10.0.0.0/8\n"
	    "  192.168.1.1   # the router\r\n"
	    "fd00::/8\r\n"
	    "\t::1\t\n"
	    "\r\n"
	    "   # indented comment\n"
	    "203.0.113.0/24";
	static const struct {
		const char *buf;
		unsigned int line;
	} bad_files[] = {
		{ "bogus\n", 1 },
		{ "10.0.0.0/8\n\nbogus\n10.0.0.1\n", 3 },
		{ "10.0.0.0/8\r\n# c\r\n10.0.0.1/8\r\n", 3 },
		{ "1.2.3.4:80\n", 1 },
		{ "[::1]\n", 1 },
		{ "10.0.0.0/8 extra\n", 1 },
		{ "10.0.0.0 /8\n", 1 },
		{ "10.0.0.0/33\n", 1 },
		{ "::1/129\n", 1 },
		{ "fd00::1/8\n", 1 },
		{ "\n\n\n\n1.2.3.4/\n", 5 },
		{ "1.2.3.4\n300.0.0.0", 2 },
		{ "1.2.3.4\r\r\n\rx\n", 2 },
	};
	struct hostip out[8];
	unsigned int line;
	size_t n, i;
	int r;

	diag("policy_parse_deny_file");
	r = parse_deny(good_file, strlen(good_file), out, 8, &n, &line);
	ok(r == 0 && n == 5, "comments, blanks, CRLF, tabs: 5 entries (r=%d n=%zu)",
	    r, n);
	ok(n == 5 && deny_is(&out[0], "10.0.0.0/8") &&
	    deny_is(&out[1], "192.168.1.1/32") && deny_is(&out[2], "fd00::/8") &&
	    deny_is(&out[3], "::1/128") && deny_is(&out[4], "203.0.113.0/24"),
	    "the entries, in order, source user (not a host address), why "
	    "\"--deny\"");
	ok(out[0].family == AF_INET && out[2].family == AF_INET6,
	    "families");

	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		r = parse_deny(bad_files[i].buf, strlen(bad_files[i].buf), out,
		    8, &n, &line);
		if (!ok(r == -EINVAL && line == bad_files[i].line,
		    "\"%s\": -EINVAL at line %u", esc(bad_files[i].buf),
		    bad_files[i].line))
			diag("got r=%d line %u", r, line);
	}

	r = parse_deny("", 0, out, 8, &n, &line);
	ok(r == 0 && n == 0, "empty file: nothing");
	r = parse_deny("# only\n\n \t\r\n", 11, out, 8, &n, &line);
	ok(r == 0 && n == 0, "comments and blanks only: nothing");
	r = parse_deny("10.0.0.1\nbogus", 9, out, 8, &n, &line);
	ok(r == 0 && n == 1, "reads only len bytes");
	r = parse_deny("10.0.0.0\0garbage\n", 17, out, 8, &n, &line);
	ok(r == -EINVAL && line == 1, "a NUL inside a line is refused (r=%d)",
	    r);

	r = parse_deny("1.1.1.1\n2.2.2.2\n3.3.3.3\n", 24, out, 2, &n, &line);
	ok(r == -E2BIG && n == 2, "E2BIG past max, max entries kept (n=%zu)",
	    n);
	r = parse_deny("1.1.1.1\n2.2.2.2\n", 16, out, 2, &n, &line);
	ok(r == 0 && n == 2, "exactly max fits");
	n = 1;
	line = 0;
	r = policy_parse_deny_file("2.2.2.2\n", 8, out, 2, &n, &line);
	ok(r == 0 && n == 2 && deny_is(&out[1], "2.2.2.2/32"),
	    "appends after *n");
}

/* ---- what policy_build emits ---- */

static int prefix_ok(const uint8_t *a, unsigned int bytes, uint32_t plen)
{
	unsigned int b;

	if (plen > bytes * 8)
		return 0;
	for (b = plen; b < bytes * 8; b++)
		if (a[b / 8] & (0x80 >> (b % 8)))
			return 0;
	return 1;
}

static int verdict_ok(const struct jail_verdict *v)
{
	unsigned int i;

	if ((v->action != JAIL_ALLOW && v->action != JAIL_DENY) ||
	    v->nports > JAIL_MAX_PORTS || v->kind > JAIL_KIND_MAP_MAX ||
	    (v->action == JAIL_DENY) != (v->kind != JAIL_KIND_NONE) ||
	    (v->flags & ~JAIL_V_FLAGS))
		return 0;
	for (i = 0; i < JAIL_MAX_PORTS; i++)
		if ((i < v->nports) != (v->ports[i] != 0))
			return 0;
	return 1;
}

/*
 * The request as the loader will see it: header fields, exact length,
 * every rule passing the loader's own checks, no key twice.
 */
static int well_formed(const struct policy *p, const char **why)
{
	const struct jail_req_hdr *h = p->req;
	uint32_t i, j;

	*why = "header";
	if (!h || h->magic != JAIL_REQ_MAGIC ||
	    h->version != JAIL_REQ_VERSION || h->n4 != p->n4 ||
	    h->n6 != p->n6 || h->op != 0 || h->cgroup[0] != '\0')
		return 0;
	*why = "length";
	if (p->req_len != sizeof(*h) + p->n4 * sizeof(struct jail_rule4) +
	    p->n6 * sizeof(struct jail_rule6) ||
	    (const void *)p->r4 != (const void *)(h + 1) ||
	    (const void *)p->r6 != (const void *)(p->r4 + p->n4))
		return 0;
	*why = "v4 rule";
	for (i = 0; i < p->n4; i++) {
		if (!prefix_ok(p->r4[i].key.addr, 4, p->r4[i].key.prefixlen) ||
		    !verdict_ok(&p->r4[i].v))
			return 0;
		for (j = 0; j < i; j++)
			if (memcmp(&p->r4[i].key, &p->r4[j].key,
			    sizeof(p->r4[i].key)) == 0)
				return 0;
	}
	*why = "v6 rule";
	for (i = 0; i < p->n6; i++) {
		if (!prefix_ok(p->r6[i].key.addr, 16, p->r6[i].key.prefixlen) ||
		    !verdict_ok(&p->r6[i].v))
			return 0;
		for (j = 0; j < i; j++)
			if (memcmp(&p->r6[i].key, &p->r6[j].key,
			    sizeof(p->r6[i].key)) == 0)
				return 0;
	}
	return 1;
}

static void check_well_formed(const struct policy *p, const char *what)
{
	const char *why;

	if (!ok(well_formed(p, &why), "%s: request well formed", what))
		diag("bad %s", why);
}

/* The v4 rule for "a.b.c.d/len", or NULL. */
static const struct jail_rule4 *rule4(const struct policy *p, const char *s)
{
	struct allow_rule a = allow(s);
	uint32_t i;

	for (i = 0; i < p->n4; i++)
		if (p->r4[i].key.prefixlen == a.prefixlen &&
		    memcmp(p->r4[i].key.addr, a.addr, 4) == 0)
			return &p->r4[i];
	return NULL;
}

static const struct jail_rule6 *rule6(const struct policy *p, const char *s)
{
	struct allow_rule a = allow(s);
	uint32_t i;

	for (i = 0; i < p->n6; i++)
		if (p->r6[i].key.prefixlen == a.prefixlen &&
		    memcmp(p->r6[i].key.addr, a.addr, 16) == 0)
			return &p->r6[i];
	return NULL;
}

static int build(const char *const *d, size_t nd, const char *const *a,
    size_t na, struct policy *p)
{
	struct hostip dv[16];
	struct allow_rule av[16];
	size_t i;

	for (i = 0; i < nd; i++)
		dv[i] = deny(d[i]);
	for (i = 0; i < na; i++)
		av[i] = allow(a[i]);
	return policy_build(dv, nd, av, na, p);
}

static void test_build_v4(void)
{
	const struct jail_rule4 *r;
	struct policy p;
	int err;

	diag("deny 127.0.0.0/8");
	{
		static const char *const d[] = { "127.0.0.0/8" };

		err = build(d, 1, NULL, 0, &p);
		ok(err == 0 && p.n4 == 1 && p.n6 == 0, "one v4 entry");
		check_well_formed(&p, "deny /8");
		r = rule4(&p, "127.0.0.0/8");
		ok(r && r->v.action == JAIL_DENY && r->v.nports == 0,
		    "127.0.0.0/8: DENY, no ports");
		expect(&p, "127.1.2.3", 80, JAIL_DENY);
		expect(&p, "127.1.2.3", 1, JAIL_DENY);
		expect(&p, "127.255.255.255", 65535, JAIL_DENY);
		expect(&p, "127.0.0.0", 443, JAIL_DENY);
		expect(&p, "128.0.0.1", 80, JAIL_ALLOW);
		expect(&p, "126.255.255.255", 80, JAIL_ALLOW);
		policy_free(&p);
		ok(p.req == NULL && p.n4 == 0, "policy_free clears");
	}
	diag("deny 127.0.0.0/8, allow 127.0.0.1:8080");
	{
		static const char *const d[] = { "127.0.0.0/8" };
		static const char *const a[] = { "127.0.0.1:8080" };

		err = build(d, 1, a, 1, &p);
		ok(err == 0 && p.n4 == 2, "two v4 entries (err %d n4 %u)", err,
		    p.n4);
		check_well_formed(&p, "port allow");
		r = rule4(&p, "127.0.0.1");
		ok(r && r->v.action == JAIL_DENY && r->v.nports == 1 &&
		    r->v.ports[0] == 8080, "127.0.0.1/32: DENY but 8080");
		expect(&p, "127.0.0.1", 8080, JAIL_ALLOW);
		expect(&p, "127.0.0.1", 8081, JAIL_DENY);
		expect(&p, "127.0.0.1", 80, JAIL_DENY);
		expect(&p, "127.0.0.2", 8080, JAIL_DENY);
		expect(&p, "127.0.0.0", 8080, JAIL_DENY);
		expect(&p, "128.0.0.1", 8081, JAIL_ALLOW);
		policy_free(&p);
	}
	diag("allow 127.0.0.0/8 (every port) over deny 127.0.0.1/32");
	{
		static const char *const d[] = { "127.0.0.1" };
		static const char *const a[] = { "127.0.0.0/8" };

		err = build(d, 1, a, 1, &p);
		ok(err == 0 && p.n4 == 2, "two v4 entries");
		check_well_formed(&p, "allow over deny");
		r = rule4(&p, "127.0.0.1");
		ok(r && r->v.action == JAIL_ALLOW && r->v.nports == 0,
		    "127.0.0.1/32: ALLOW");
		expect(&p, "127.0.0.1", 22, JAIL_ALLOW);
		expect(&p, "127.0.0.2", 22, JAIL_ALLOW);
		policy_free(&p);
	}
	diag("port allow on a /24 covering a deny /32");
	{
		static const char *const d[] = { "10.0.0.5" };
		static const char *const a[] = { "10.0.0.0/24:443" };

		err = build(d, 1, a, 1, &p);
		ok(err == 0 && p.n4 == 2, "two v4 entries");
		check_well_formed(&p, "/24 port over /32");
		r = rule4(&p, "10.0.0.5");
		ok(r && r->v.action == JAIL_DENY && r->v.nports == 1 &&
		    r->v.ports[0] == 443, "10.0.0.5/32: DENY but 443");
		r = rule4(&p, "10.0.0.0/24");
		ok(r && r->v.action == JAIL_ALLOW && r->v.nports == 0,
		    "10.0.0.0/24: ALLOW (nothing denied there)");
		expect(&p, "10.0.0.5", 443, JAIL_ALLOW);
		expect(&p, "10.0.0.5", 80, JAIL_DENY);
		expect(&p, "10.0.0.6", 80, JAIL_ALLOW);
		policy_free(&p);
	}
	diag("ports from several rules add up on the covered entry");
	{
		static const char *const d[] = { "10.0.0.0/8" };
		static const char *const a[] = { "10.0.0.0/16:80",
			"10.0.0.0/24:443", "10.0.0.7:22" };

		err = build(d, 1, a, 3, &p);
		ok(err == 0 && p.n4 == 4, "four v4 entries");
		check_well_formed(&p, "nested ports");
		r = rule4(&p, "10.0.0.7");
		ok(r && r->v.action == JAIL_DENY && r->v.nports == 3,
		    "10.0.0.7/32: three ports");
		expect(&p, "10.0.0.7", 22, JAIL_ALLOW);
		expect(&p, "10.0.0.7", 80, JAIL_ALLOW);
		expect(&p, "10.0.0.7", 443, JAIL_ALLOW);
		expect(&p, "10.0.0.7", 8080, JAIL_DENY);
		expect(&p, "10.0.0.8", 22, JAIL_DENY);
		expect(&p, "10.0.0.8", 443, JAIL_ALLOW);
		expect(&p, "10.0.1.8", 443, JAIL_DENY);
		expect(&p, "10.0.1.8", 80, JAIL_ALLOW);
		expect(&p, "10.1.0.0", 80, JAIL_DENY);
		policy_free(&p);
	}
	diag("duplicates collapse");
	{
		static const char *const d[] = { "10.0.0.0/8", "10.0.0.0/8",
			"10.0.0.1" };
		static const char *const a[] = { "10.0.0.1:80", "10.0.0.1:80",
			"10.0.0.1/32:80", "10.0.0.0/8:80" };

		err = build(d, 3, a, 4, &p);
		ok(err == 0 && p.n4 == 2, "two v4 entries (n4 %u)", p.n4);
		check_well_formed(&p, "duplicates");
		r = rule4(&p, "10.0.0.1");
		ok(r && r->v.nports == 1 && r->v.ports[0] == 80,
		    "10.0.0.1/32: port 80 once");
		r = rule4(&p, "10.0.0.0/8");
		ok(r && r->v.action == JAIL_DENY && r->v.nports == 1 &&
		    r->v.ports[0] == 80, "10.0.0.0/8: deny and allow merged");
		expect(&p, "10.9.9.9", 80, JAIL_ALLOW);
		expect(&p, "10.9.9.9", 81, JAIL_DENY);
		policy_free(&p);
	}
}

/*
 * JAIL_V_HOST: only an allow that opens a host address (not a peer, not
 * inside a --deny of the user's) lets a packet leave through lo.
 */
static void test_loopback_flag(void)
{
	struct hostip d[3];
	struct allow_rule a[5];
	const struct jail_rule4 *r;
	struct policy p;
	int err;

	diag("through lo: host 127.0.0.0/8 and 10.77.0.1, user --deny 10.9.0.0/16");
	d[0] = deny("127.0.0.0/8");
	d[1] = deny("10.77.0.1");
	d[2] = deny("10.9.0.0/16");
	d[2].source = HOSTIP_USER;
	a[0] = allow("127.0.0.1:8080");
	a[1] = allow("10.77.0.1");
	a[2] = allow("10.77.0.2");
	a[3] = allow("10.9.0.5");
	a[4] = allow("[::ffff:127.0.0.2]:53");
	err = policy_build(d, 3, a, 5, &p);
	ok(err == 0, "built (err %d)", err);
	check_well_formed(&p, "loopback flags");
	r = rule4(&p, "127.0.0.1");
	ok(r && r->v.flags == JAIL_V_HOST, "127.0.0.1/32 (port allow): HOST");
	r = rule4(&p, "127.0.0.0/8");
	ok(r && r->v.flags == 0, "127.0.0.0/8 (nothing opened): no flag");
	r = rule4(&p, "10.77.0.2");
	ok(r && r->v.flags == 0, "10.77.0.2 (a peer): no flag");
	r = rule4(&p, "10.9.0.5");
	ok(r && r->v.flags == 0, "10.9.0.5 (inside a user --deny): no flag");
	expect_lo(&p, "127.0.0.1", 8080, JAIL_ALLOW);
	expect_lo(&p, "127.0.0.1", 8081, JAIL_DENY);
	expect_lo(&p, "127.0.0.2", 53, JAIL_ALLOW);
	expect_lo(&p, "::ffff:127.0.0.2", 53, JAIL_ALLOW);
	expect_lo(&p, "127.0.0.2", 54, JAIL_DENY);
	expect_lo(&p, "127.0.0.3", 8080, JAIL_DENY);
	expect_lo(&p, "10.77.0.1", 22, JAIL_ALLOW);
	expect_lo(&p, "10.77.0.2", 22, JAIL_DENY);
	expect_lo(&p, "10.9.0.5", 22, JAIL_DENY);
	expect_lo(&p, "10.77.0.9", 22, JAIL_DENY);
	expect_lo(&p, "::1", 53, JAIL_DENY);
	expect(&p, "10.77.0.2", 22, JAIL_ALLOW);
	expect(&p, "10.9.0.5", 22, JAIL_ALLOW);
	policy_free(&p);
}

/* --deny-all and --block-private: blocked ranges, never host addresses. */
static void test_modes(void)
{
	struct prot_opts o;
	struct hostip *d = calloc(2, sizeof(*d));
	struct allow_rule a[3];
	struct policy p;
	size_t n = 2;
	int err;

	diag("--deny-all --block-private; host 127.0.0.0/8, 10.77.0.1");
	d[0] = deny("127.0.0.0/8");
	d[1] = deny("10.77.0.1");
	memset(&o, 0, sizeof(o));
	o.block_host = o.deny_all = o.block_private = 1;
	err = policy_add_modes(&o, &d, &n, 1);
	ok(err == 0 && n == 2 + 2 + 7 && o.nallow == 0,
	    "9 prefixes added, no allow (err %d, n %zu)", err, n);
	ok(!hostip_is_host(d[2].source) && !hostip_is_host(d[10].source) &&
	    hostip_is_host(d[0].source), "mode prefixes are not host ones");
	ok(strcmp(policy_mode_word(&o), "deny-all+block-private") == 0 &&
	    policy_mode_parse("deny-all") == 2 && policy_mode_parse("x") < 0,
	    "mode words");
	a[0] = allow("198.51.100.2:443");
	a[1] = allow("10.77.0.1:22");
	a[2] = allow("[fd00::5]:80");
	err = policy_build(d, n, a, 3, &p);
	ok(err == 0, "built (err %d)", err);
	check_well_formed(&p, "modes");
	expect(&p, "198.51.100.2", 443, JAIL_ALLOW);
	expect(&p, "::ffff:198.51.100.2", 443, JAIL_ALLOW);
	expect(&p, "198.51.100.2", 80, JAIL_DENY);
	expect(&p, "198.51.100.3", 443, JAIL_DENY);
	expect(&p, "2001:db8::1", 443, JAIL_DENY);
	expect(&p, "::ffff:192.168.1.1", 443, JAIL_DENY);
	expect(&p, "fd00::5", 80, JAIL_ALLOW);
	expect(&p, "fd00::6", 80, JAIL_DENY);
	/* an allowed peer stays off lo; an allowed host address does not */
	expect_lo(&p, "198.51.100.2", 443, JAIL_DENY);
	expect_lo(&p, "fd00::5", 80, JAIL_DENY);
	expect_lo(&p, "10.77.0.1", 22, JAIL_ALLOW);
	expect_lo(&p, "10.77.0.1", 23, JAIL_DENY);
	policy_free(&p);
	o.block_private = 0;
	n = 2;
	err = policy_add_modes(&o, &d, &n, 0);
	ok(err == 0 && n == 4 && o.nallow == 2 && !o.allow_text[0],
	    "own netns: --deny-all leaves the jail its loopback (2 allows)");
	free(d);
}

static void test_ports_limit(void)
{
	struct hostip d[2];
	struct allow_rule a[12];
	struct policy p;
	char s[64];
	int err;
	unsigned int i;

	diag("JAIL_MAX_PORTS per entry");
	d[0] = deny("10.0.0.0/8");
	d[1] = deny("fd00::/8");
	for (i = 0; i < JAIL_MAX_PORTS; i++) {
		snprintf(s, sizeof(s), "10.0.0.1:%u", 1000 + i);
		a[i] = allow(s);
	}
	a[JAIL_MAX_PORTS] = allow("10.0.0.1:1000");	/* a duplicate */
	err = policy_build(d, 1, a, JAIL_MAX_PORTS + 1, &p);
	ok(err == 0 && p.n4 == 2, "%d distinct ports (+ a duplicate) fit",
	    JAIL_MAX_PORTS);
	ok(p.n4 == 2 && rule4(&p, "10.0.0.1") &&
	    rule4(&p, "10.0.0.1")->v.nports == JAIL_MAX_PORTS,
	    "nports %d", JAIL_MAX_PORTS);
	check_well_formed(&p, "8 ports");
	policy_free(&p);

	a[JAIL_MAX_PORTS] = allow("10.0.0.1:2000");
	memset(&p, 0xa5, sizeof(p));
	err = policy_build(d, 1, a, JAIL_MAX_PORTS + 1, &p);
	ok(err == -E2BIG, "%d distinct ports on one prefix: -E2BIG (got %d)",
	    JAIL_MAX_PORTS + 1, err);
	ok(p.req == NULL && p.n4 == 0, "nothing left allocated on -E2BIG");

	/* spread over two nested rules' prefixes: the /32 gets all nine */
	for (i = 0; i < 4; i++) {
		snprintf(s, sizeof(s), "10.0.0.0/24:%u", 1000 + i);
		a[i] = allow(s);
	}
	for (; i < JAIL_MAX_PORTS + 1; i++) {
		snprintf(s, sizeof(s), "10.0.0.1:%u", 1000 + i);
		a[i] = allow(s);
	}
	err = policy_build(d, 1, a, JAIL_MAX_PORTS + 1, &p);
	ok(err == -E2BIG, "nine ports through nested rules: -E2BIG (got %d)",
	    err);
	policy_free(&p);

	/* with nothing denied there is nothing to open: no limit applies */
	err = policy_build(NULL, 0, a, JAIL_MAX_PORTS + 1, &p);
	ok(err == 0, "nine ports where nothing is denied: fine (got %d)", err);
	policy_free(&p);

	for (i = 0; i < JAIL_MAX_PORTS + 1; i++) {
		snprintf(s, sizeof(s), "[fd00::1]:%u", 1000 + i);
		a[i] = allow(s);
	}
	err = policy_build(d, 2, a, JAIL_MAX_PORTS, &p);
	ok(err == 0 && p.n6 == 2, "v6: 8 ports fit");
	policy_free(&p);
	err = policy_build(d, 2, a, JAIL_MAX_PORTS + 1, &p);
	ok(err == -E2BIG, "v6: 9 ports -E2BIG (got %d)", err);
	policy_free(&p);
}

static void test_build_v6(void)
{
	const struct jail_rule6 *r;
	struct policy p;
	int err;

	diag("IPv6: deny fd00::/8, allow [fd00::1]:8080");
	{
		static const char *const d[] = { "fd00::/8" };
		static const char *const a[] = { "[fd00::1]:8080" };

		err = build(d, 1, a, 1, &p);
		ok(err == 0 && p.n4 == 0 && p.n6 == 2, "two v6 entries");
		check_well_formed(&p, "v6 port allow");
		r = rule6(&p, "fd00::1");
		ok(r && r->v.action == JAIL_DENY && r->v.nports == 1 &&
		    r->v.ports[0] == 8080, "fd00::1/128: DENY but 8080");
		expect(&p, "fd00::1", 8080, JAIL_ALLOW);
		expect(&p, "fd00::1", 8081, JAIL_DENY);
		expect(&p, "fd00::2", 8080, JAIL_DENY);
		expect(&p, "fdff:ffff::1", 53, JAIL_DENY);
		expect(&p, "fe00::1", 53, JAIL_ALLOW);
		expect(&p, "fc00::1", 53, JAIL_ALLOW);
		policy_free(&p);
	}
	diag("IPv6: allow fd00::/16 (every port) over deny fd00::1/128");
	{
		static const char *const d[] = { "fd00::1", "::1" };
		static const char *const a[] = { "fd00::/16", "10.0.0.1:80" };

		err = build(d, 2, a, 2, &p);
		ok(err == 0 && p.n4 == 1 && p.n6 == 3, "1 v4 + 3 v6 entries");
		check_well_formed(&p, "v6 allow over deny");
		expect(&p, "fd00::1", 22, JAIL_ALLOW);
		expect(&p, "::1", 22, JAIL_DENY);
		expect(&p, "::2", 22, JAIL_ALLOW);
		expect(&p, "10.0.0.1", 22, JAIL_ALLOW);
		policy_free(&p);
	}
	diag("IPv6: ::ffff:a.b.c.d is IPv4, as the BPF program treats it");
	{
		static const char *const d[] = { "127.0.0.0/8", "::/0" };
		static const char *const a[] = { "[::ffff:127.0.0.1]:80",
			"[::ffff:10.0.0.0/104]:53" };
		const struct jail_rule4 *q;

		err = build(d, 2, a, 2, &p);
		ok(err == 0 && p.n4 == 3 && p.n6 == 1,
		    "mapped allows become v4 entries (n4 %u n6 %u)", p.n4, p.n6);
		check_well_formed(&p, "v4-mapped");
		q = rule4(&p, "127.0.0.1");
		ok(q && q->v.action == JAIL_DENY && q->v.nports == 1 &&
		    q->v.ports[0] == 80, "127.0.0.1/32: DENY but 80");
		q = rule4(&p, "10.0.0.0/8");
		ok(q && q->v.action == JAIL_ALLOW,
		    "10.0.0.0/8 entry (from ::ffff:10.0.0.0/104)");
		expect(&p, "127.0.0.1", 80, JAIL_ALLOW);
		expect(&p, "::ffff:127.0.0.1", 80, JAIL_ALLOW);
		expect(&p, "::ffff:127.0.0.1", 81, JAIL_DENY);
		expect(&p, "::ffff:127.0.0.2", 80, JAIL_DENY);
		/* ::/0 is never consulted for a mapped address */
		expect(&p, "::ffff:8.8.8.8", 443, JAIL_ALLOW);
		expect(&p, "2001:db8::1", 443, JAIL_DENY);
		policy_free(&p);
	}
}

static void test_build_sizes(void)
{
	struct hostip *d;
	struct policy p;
	size_t i, n = JAIL_MAX_RULES4 + 1;
	int err;

	diag("sizes");
	err = policy_build(NULL, 0, NULL, 0, &p);
	ok(err == 0 && p.n4 == 0 && p.n6 == 0 &&
	    p.req_len == sizeof(struct jail_req_hdr), "no rules: header only");
	check_well_formed(&p, "empty");
	policy_free(&p);

	d = calloc(n, sizeof(*d));
	if (!d) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		d[i].family = AF_INET;
		d[i].prefixlen = 32;
		d[i].addr[0] = 10;
		d[i].addr[1] = (uint8_t)(i >> 16);
		d[i].addr[2] = (uint8_t)(i >> 8);
		d[i].addr[3] = (uint8_t)i;
	}
	err = policy_build(d, n - 1, NULL, 0, &p);
	ok(err == 0 && p.n4 == JAIL_MAX_RULES4 &&
	    p.req_len == sizeof(struct jail_req_hdr) +
	    JAIL_MAX_RULES4 * sizeof(struct jail_rule4),
	    "JAIL_MAX_RULES4 entries fit, req_len exact");
	policy_free(&p);
	err = policy_build(d, n, NULL, 0, &p);
	ok(err == -E2BIG && p.req == NULL, "JAIL_MAX_RULES4 + 1: -E2BIG");
	policy_free(&p);
	free(d);
}

/* ---- random cross-check against the meaning, rule by rule ---- */

static uint64_t rng = 0x6a61696c2d6169ULL;	/* fixed: reproducible */

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}


static const uint16_t port_pool[] = { 22, 53, 80, 443, 8080 };
static unsigned long seen[2];	/* verdicts checked: DENY, ALLOW */
static unsigned long seen_lo[2];	/* the same through lo */

/* A random address near the others, so that prefixes nest and overlap. */
static void rand_addr(int family, uint8_t *a)
{
	unsigned int bytes = family == AF_INET ? 4 : 16;

	memset(a, 0, 16);
	a[0] = family == AF_INET ? 10 : 0xfd;
	a[bytes - 2] = (uint8_t)rnd(4);
	a[bytes - 1] = (uint8_t)rnd(256);
	if (rnd(8) == 0)
		a[1] = (uint8_t)rnd(2);
	if (family == AF_INET6 && rnd(4) == 0) {	/* ::ffff:10.x.y.z */
		a[0] = 0;
		a[10] = a[11] = 0xff;
		a[12] = 10;
	}
}

static void rand_prefix(int family, uint8_t *a, uint8_t *plen)
{
	unsigned int bits = family == AF_INET ? 32 : 128, b, r = rnd(16);

	rand_addr(family, a);
	*plen = (uint8_t)(r == 0 ? 0 : r == 1 ? 8 : r == 2 ? 16 :
	    bits - rnd(11));
	for (b = *plen; b < bits; b++)
		a[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
}

/* The reference for lo: a host deny covers addr and an allow opens it. */
static int brute_lo(const struct hostip *d, size_t nd,
    const struct allow_rule *a, size_t na, int family, const uint8_t *addr,
    uint16_t port)
{
	unsigned int plen = 128;
	uint8_t x[16], r[16];
	int host = 0, f;
	size_t i;

	f = as_kernel(family, &plen, addr, x);
	for (i = 0; i < nd; i++) {
		unsigned int dl = d[i].prefixlen;
		int df = as_kernel(d[i].family, &dl, d[i].addr, r);

		if (d[i].source != HOSTIP_USER && df == f && in_prefix(r, dl, x))
			host = 1;
	}
	if (!host)
		return JAIL_DENY;
	return brute(d, nd, a, na, family, addr, port);
}

static int cross_case(unsigned int k)
{
	struct hostip d[8];
	struct allow_rule a[8];
	struct policy p;
	uint8_t addr[16];
	size_t nd = rnd(7), na = rnd(7), i;
	int family, err, want, got, bad = 0;
	unsigned int t, bytes;
	const char *why;

	memset(d, 0, sizeof(d));
	memset(a, 0, sizeof(a));
	for (i = 0; i < nd; i++) {
		d[i].family = rnd(3) ? AF_INET : AF_INET6;
		d[i].source = rnd(2) ? HOSTIP_FIXED : HOSTIP_USER;
		rand_prefix(d[i].family, d[i].addr, &d[i].prefixlen);
	}
	for (i = 0; i < na; i++) {
		a[i].family = rnd(3) ? AF_INET : AF_INET6;
		rand_prefix(a[i].family, a[i].addr, &a[i].prefixlen);
		a[i].port = rnd(3) ? port_pool[rnd(N(port_pool))] : 0;
	}
	err = policy_build(d, nd, a, na, &p);
	if (err != 0) {
		diag("case %u: policy_build %d", k, err);
		return 0;
	}
	if (!well_formed(&p, &why)) {
		diag("case %u: bad %s", k, why);
		bad = 1;
	}
	for (t = 0; t < 200 && !bad; t++) {
		family = rnd(3) ? AF_INET : AF_INET6;
		bytes = family == AF_INET ? 4 : 16;
		if (t < 2 * (nd + na) && t / 2 < nd + na) {
			/* a rule's first address, or its last */
			const uint8_t *src = t / 2 < nd ? d[t / 2].addr :
			    a[t / 2 - nd].addr;
			unsigned int plen = t / 2 < nd ? d[t / 2].prefixlen :
			    a[t / 2 - nd].prefixlen, b;

			family = t / 2 < nd ? d[t / 2].family :
			    a[t / 2 - nd].family;
			bytes = family == AF_INET ? 4 : 16;
			memcpy(addr, src, 16);
			if (t % 2)
				for (b = plen; b < bytes * 8; b++)
					addr[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		} else {
			rand_addr(family, addr);
		}
		for (i = 0; i < N(port_pool) + 1; i++) {
			uint16_t port = i < N(port_pool) ? port_pool[i] : 9999;

			want = brute(d, nd, a, na, family, addr, port);
			got = policy_verdict(&p, family, addr, port);
			seen[want == JAIL_ALLOW]++;
			if (got == want) {
				want = brute_lo(d, nd, a, na, family, addr,
				    port);
				got = policy_lo_verdict(&p, family, addr, port);
				seen_lo[want == JAIL_ALLOW]++;
			}
			if (got != want) {
				char s[INET6_ADDRSTRLEN];

				inet_ntop(family, addr, s, sizeof(s));
				diag("case %u: %s port %u: want %s got %s", k,
				    s, port, vname(want), vname(got));
				bad = 1;
				break;
			}
		}
	}
	policy_free(&p);
	return !bad;
}

static void test_cross_check(void)
{
	unsigned int k, pass = 0, cases = 500;

	diag("random rule sets against a brute-force evaluation (seeded)");
	for (k = 0; k < cases; k++)
		pass += (unsigned int)cross_case(k);
	ok(pass == cases, "%u/%u random policies agree with the rules", pass,
	    cases);
	diag("%lu DENY and %lu ALLOW verdicts compared", seen[0], seen[1]);
	ok(seen[0] > 10000 && seen[1] > 10000, "both outcomes well exercised");
	diag("through lo: %lu DENY and %lu ALLOW compared", seen_lo[0],
	    seen_lo[1]);
	ok(seen_lo[1] > 1000, "lo ALLOW verdicts well exercised");
}

/* ---- "::1:8080": address or port?  and how an allow meets a range ---- */

static void test_ambiguous(void)
{
	static const char *const port_like[] = {
		"::1:8080", "fe80::1:443", "::1:80", "fd00::2:53", "::1:65535",
		"2001:db8::1:22",
	};
	static const char *const address[] = {
		"::1:8080/128", "::1:8", "::80", "1:2:3:4:5:6:7:8080",
		"::1:abcd", "::1:080", "::1:65536", "::1:0", "::1:123456",
	};
	struct allow_rule a;
	size_t i;
	int r;

	diag("policy_parse_allow: an unbracketed IPv6 rule has no port");
	for (i = 0; i < N(port_like); i++) {
		r = policy_parse_allow(port_like[i], &a);
		ok(r == -EDOM, "\"%s\" is ambiguous (-EDOM), got %d",
		    port_like[i], r);
	}
	for (i = 0; i < N(address); i++) {
		r = policy_parse_allow(address[i], &a);
		ok(r != -EDOM && (r < 0 || (a.family == AF_INET6 &&
		    a.port == 0)), "\"%s\" is no port (r=%d)", address[i], r);
	}
	ok(policy_parse_allow("::1:8080/128", &a) == 0 && a.prefixlen == 128 &&
	    a.addr[13] == 1 && a.addr[14] == 0x80 && a.addr[15] == 0x80,
	    "\"::1:8080/128\" is the address ::1:8080");
}

static void test_meets(void)
{
	static const struct {
		const char *allow, *range;
		int want;
	} c[] = {
		{ "0.0.0.0/0", "127.0.0.0/8", 2 },
		{ "127.0.0.0/8", "127.0.0.0/8", 2 },
		{ "127.0.0.1:80", "127.0.0.0/8", 1 },
		{ "10.0.0.0/8", "127.0.0.0/8", 0 },
		{ "::/0", "fe80::/10", 2 },
		{ "::/0", "127.0.0.0/8", 0 },
		{ "::ffff:0:0/96", "127.0.0.0/8", 2 },
		{ "::ffff:127.0.0.1", "127.0.0.0/8", 1 },
		{ "[::1]:8080", "::1", 2 },
		{ "fe80::1", "fe80::/10", 1 },
	};
	size_t i;
	int r;

	diag("policy_allow_meets");
	for (i = 0; i < N(c); i++) {
		struct allow_rule a = allow(c[i].allow);
		struct hostip h = deny(c[i].range);

		r = policy_allow_meets(&a, &h);
		ok(r == c[i].want, "%s meets %s: %d (got %d)", c[i].allow,
		    c[i].range, c[i].want, r);
	}
}

/* --proxy URL: each refusal with its own reason, a good URL as its allow */
static void test_parse_proxy(void)
{
	static const struct {
		const char *url;
		int want;
	} cases[] = {
		{ "http://10.77.0.2:3128", 0 }, { "https://10.77.0.2:3128/", 0 },
		{ "http://[fd77::2]:8080", 0 }, { "http://127.0.0.1:1", 0 },
		{ "http://10.0.0.1:65535", 0 },
		{ "ftp://10.0.0.1:21", -EPROTO }, { "10.0.0.1:3128", -EPROTO },
		{ "HTTP://10.0.0.1:3128", -EPROTO },
		{ "http://u:p@10.0.0.1:3128", -EACCES },
		{ "http://u@10.0.0.1:3128", -EACCES },
		{ "http://10.0.0.1:3128/x", -ENOTDIR },
		{ "http://10.0.0.1:3128?a", -ENOTDIR },
		{ "http://10.0.0.1:3128//", -ENOTDIR },
		{ "http://proxy:3128", -EADDRNOTAVAIL },
		{ "http://localhost:3128", -EADDRNOTAVAIL },
		{ "http://10.0.0.1", -EDESTADDRREQ },
		{ "http://[fd77::2]", -EDESTADDRREQ },
		{ "http://10.0.0.1:0", -ERANGE }, { "http://10.0.0.1:65536", -ERANGE },
		{ "http://10.0.0.1:03128", -ERANGE },
		{ "http://0.0.0.0:3128", -EAFNOSUPPORT },
		{ "http://[::]:3128", -EAFNOSUPPORT },
		{ "http://[::ffff:10.0.0.1]:3128", -EAFNOSUPPORT },
		{ "http://[fe80::1%eth0]:3128", -EAFNOSUPPORT },
		{ "http://::1:3128", -EINVAL }, { "http://10.0.0.1:", -EINVAL },
		{ "http://10.0.0.1/24:3128", -ENOTDIR },
		{ "http://10.0.0:3128", -EINVAL }, { "http://", -EINVAL },
		{ "http://[fd77::2]x:1", -EINVAL }, { "http://10.0.0.1:x", -EINVAL },
		{ "", -EINVAL },
	};
	struct allow_rule a;
	char long_s[200];
	size_t i;
	int r;

	diag("policy_parse_proxy");
	for (i = 0; i < N(cases); i++) {
		r = policy_parse_proxy(cases[i].url, &a);
		if (!ok(r == cases[i].want, "\"%s\": %d", cases[i].url,
		    cases[i].want))
			diag("got %d", r);
	}
	ok(policy_parse_proxy("http://10.77.0.2:3128", &a) == 0 &&
	    a.family == AF_INET && a.prefixlen == 32 && a.port == 3128 &&
	    a.addr[0] == 10 && a.addr[3] == 2, "the allow: 10.77.0.2/32 port "
	    "3128");
	ok(policy_parse_proxy("http://[fd77::2]:8080", &a) == 0 &&
	    a.family == AF_INET6 && a.prefixlen == 128 && a.port == 8080 &&
	    a.addr[0] == 0xfd && a.addr[15] == 2, "the allow: fd77::2/128 port "
	    "8080");
	snprintf(long_s, sizeof(long_s), "http://10.0.0.1:3128/%0*d", 150, 0);
	ok(policy_parse_proxy(long_s, &a) == -EINVAL, "a URL of 128 bytes or "
	    "more: refused");
}

int main(void)
{
	test_parse_proxy();
	test_parse_allow();
	test_format_allow();
	test_deny_file();
	test_build_v4();
	test_loopback_flag();
	test_modes();
	test_ports_limit();
	test_build_v6();
	test_build_sizes();
	test_cross_check();
	test_ambiguous();
	test_meets();
	return done_testing();
}
