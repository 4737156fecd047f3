/*
 * tests/unit_request.c - loader_check_request, the privileged child's
 * only look at its untrusted input, from the outside: a good request is
 * taken, and every way of bending one is refused.  Each call gets a heap
 * copy of exactly len bytes, so ASan sees any read past what arrived.
 * TAP.  Runs without privilege (nothing here loads or attaches).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_insns.h"
#include "policy.h"
#include "tap.h"

#define HDR sizeof(struct jail_req_hdr)
#define R4 sizeof(struct jail_rule4)
#define R6 sizeof(struct jail_rule6)

/* One request being edited: header, then n4 v4 rules, then n6 v6 rules. */
struct req {
	unsigned char *b;
	size_t len;
};

static struct jail_req_hdr *hdr(struct req *q)
{
	return (struct jail_req_hdr *)(void *)q->b;
}

static struct jail_rule4 *r4(struct req *q, unsigned int i)
{
	return (struct jail_rule4 *)(void *)(q->b + HDR) + i;
}

static struct jail_rule6 *r6(struct req *q, unsigned int i)
{
	return (struct jail_rule6 *)(void *)(q->b + HDR +
	    hdr(q)->n4 * R4) + i;
}

static void req_init(struct req *q, unsigned int op, uint32_t n4, uint32_t n6,
    const char *cgroup)
{
	q->len = HDR + n4 * R4 + n6 * R6;
	q->b = calloc(1, q->len);
	if (!q->b) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	hdr(q)->magic = JAIL_REQ_MAGIC;
	hdr(q)->version = JAIL_REQ_VERSION;
	hdr(q)->op = (__u16)op;
	hdr(q)->n4 = n4;
	hdr(q)->n6 = n6;
	strncpy(hdr(q)->cgroup, cgroup, JAIL_CGROUP_PATH_MAX);
}

/*
 * 1 v4 + 1 v6 rule, as policy_build lays out "deny 127.0.0.0/8 and ::1,
 * allow 127.0.0.1:8080" minus the 127.0.0.1 entry: a DENY with a port.
 */
static void req_good(struct req *q)
{
	req_init(q, JAIL_OP_ATTACH, 1, 1, "jail-ai/run-4242");
	r4(q, 0)->key.prefixlen = 8;
	r4(q, 0)->key.addr[0] = 127;
	r4(q, 0)->v.action = JAIL_DENY;
	r4(q, 0)->v.nports = 1;
	r4(q, 0)->v.ports[0] = 8080;
	r6(q, 0)->key.prefixlen = 128;
	r6(q, 0)->key.addr[15] = 1;
	r6(q, 0)->v.action = JAIL_DENY;
}

static const char *last_why;	/* the loader's reason for the last refusal */

/* The loader's answer for the first len bytes of q, nothing more. */
static int check_len(const struct req *q, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);
	int r;

	if (!copy) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	memcpy(copy, q->b, len < q->len ? len : q->len);
	if (len > q->len)
		memset(copy + q->len, 0, len - q->len);
	last_why = NULL;
	r = loader_check_request(copy, len, &last_why);
	free(copy);
	if (r < 0 && !last_why)
		last_why = "(none)";	/* a refusal must say which check */
	return r;
}

static int check(const struct req *q)
{
	return check_len(q, q->len);
}

static void refused(struct req *q, const char *what)
{
	int r = check(q);

	if (!ok(r < 0 && strcmp(last_why, "(none)") != 0, "refused: %s (%s)",
	    what, r < 0 ? last_why : "-"))
		diag("accepted (r=%d)", r);
	free(q->b);
}

static void refused_with(struct req *q, int want, const char *what)
{
	int r = check(q);

	if (!ok(r == want, "refused: %s (%d, %s)", what, want,
	    r < 0 ? last_why : "-"))
		diag("got r=%d", r);
	free(q->b);
}

static void accepted(struct req *q, const char *what)
{
	int r = check(q);

	if (!ok(r == 0, "accepted: %s", what))
		diag("refused (r=%d)", r);
	free(q->b);
}

static void test_layout(void)
{
	diag("wire layout");
	ok(HDR == 536 && R4 == 32 && R6 == 44,
	    "sizes: header 536, rule4 32, rule6 44 (got %zu %zu %zu)", HDR, R4,
	    R6);
	ok(JAIL_NPROGS == JAIL_NPROG_SLOTS && jail_progs[JAIL_NPROGS - 1].
	    attach_type == BPF_CGROUP_INET_EGRESS,
	    "%d programs, one reply slot each, jail_egress last (the loader "
	    "leaves it out without JAIL_REQ_F_HOSTNET)", JAIL_NPROGS);
	ok(JAIL_REQ_MAX == HDR + JAIL_MAX_RULES4 * R4 + JAIL_MAX_RULES6 * R6,
	    "JAIL_REQ_MAX is the largest request");
}

static void test_good_and_lengths(void)
{
	struct req q;
	size_t l, bad = 0;
	int r;

	diag("a good ATTACH request, and every length but its own");
	req_good(&q);
	ok(check(&q) == 0, "1 v4 + 1 v6 rule: accepted");
	for (l = 0; l < q.len; l++) {
		r = check_len(&q, l);
		if (r >= 0) {
			diag("length %zu of %zu: accepted", l, q.len);
			bad++;
		}
	}
	ok(bad == 0, "every truncation (0..%zu bytes) refused", q.len - 1);
	ok(check_len(&q, q.len + 1) < 0, "one byte more refused");
	ok(check_len(&q, q.len + R4) < 0, "an uncounted v4 rule refused");
	ok(check_len(&q, q.len + R6) < 0, "an uncounted v6 rule refused");
	ok(check_len(&q, q.len - R6 + R4) < 0, "a v4 rule where the v6 was");
	free(q.b);

	req_good(&q);
	hdr(&q)->n4 = 2;
	hdr(&q)->n6 = 0;
	ok(check_len(&q, HDR + 2 * R4) < 0,
	    "same bytes read as 2 v4 rules: refused (the v6 key is no v4 rule)");
	free(q.b);
}

static void test_header(void)
{
	struct req q;

	diag("header");
	req_good(&q);
	hdr(&q)->magic = 0x4a41494cU;	/* byte-swapped */
	refused_with(&q, -EPROTO, "wrong magic");
	req_good(&q);
	hdr(&q)->magic = 0;
	refused_with(&q, -EPROTO, "zero magic");
	req_good(&q);
	hdr(&q)->version = 1;
	refused_with(&q, -EPROTO, "version 1 (before the flags field)");
	req_good(&q);
	hdr(&q)->version = 2;
	refused_with(&q, -EPROTO, "version 2 (a 20-byte jail_verdict)");
	req_good(&q);
	hdr(&q)->version = 3;
	refused_with(&q, -EPROTO, "version 3 (no dns_port, 7 programs)");
	req_good(&q);
	hdr(&q)->version = 5;
	refused_with(&q, -EPROTO, "version 5");
	req_good(&q);
	hdr(&q)->version = 0;
	refused_with(&q, -EPROTO, "version 0");
	req_good(&q);
	hdr(&q)->op = 0;
	refused(&q, "op 0");
	req_good(&q);
	hdr(&q)->op = 4;
	refused(&q, "op 4");
	req_good(&q);
	hdr(&q)->op = JAIL_OP_QUERY_EFFECTIVE;
	refused(&q, "QUERY_EFFECTIVE with rules");
	req_good(&q);
	hdr(&q)->op = 0xffff;
	refused(&q, "op 0xffff");
	req_good(&q);
	hdr(&q)->op = JAIL_OP_QUERY;
	refused(&q, "QUERY with rules");

	req_good(&q);
	hdr(&q)->flags = JAIL_REQ_F_HOSTNET;
	accepted(&q, "ATTACH with JAIL_REQ_F_HOSTNET");
	req_good(&q);
	hdr(&q)->flags = JAIL_REQ_F_MAPFDS;
	accepted(&q, "ATTACH with JAIL_REQ_F_MAPFDS");
	req_good(&q);
	hdr(&q)->flags = JAIL_REQ_F_HOSTNET | JAIL_REQ_F_MAPFDS;
	accepted(&q, "ATTACH with HOSTNET and MAPFDS");
	req_good(&q);
	hdr(&q)->flags = JAIL_REQ_F_MAPFDS | JAIL_REQ_F_EVENTS;
	accepted(&q, "ATTACH with MAPFDS and EVENTS");
	req_good(&q);
	hdr(&q)->flags = JAIL_REQ_F_EVENTS;
	refused_with(&q, -EINVAL, "EVENTS without MAPFDS");
	req_good(&q);
	hdr(&q)->flags = JAIL_REQ_F_HOSTNET | JAIL_REQ_F_EVENTS;
	refused_with(&q, -EINVAL, "HOSTNET and EVENTS without MAPFDS");
	req_init(&q, JAIL_OP_QUERY, 0, 0, "jail-ai/x");
	hdr(&q)->flags = JAIL_REQ_F_EVENTS;
	refused_with(&q, -EINVAL, "QUERY with EVENTS");
	req_good(&q);
	hdr(&q)->flags = JAIL_REQ_F_DOMAINS | JAIL_REQ_F_MAPFDS |
	    JAIL_REQ_F_HOSTNET;
	hdr(&q)->dns_port = 40053;
	accepted(&q, "ATTACH with DOMAINS, MAPFDS, HOSTNET and a port");
	req_good(&q);
	hdr(&q)->flags = JAIL_REQ_F_DOMAINS | JAIL_REQ_F_HOSTNET;
	hdr(&q)->dns_port = 40053;
	refused_with(&q, -EINVAL, "DOMAINS without MAPFDS");
	req_good(&q);
	hdr(&q)->flags = JAIL_REQ_F_DOMAINS | JAIL_REQ_F_MAPFDS;
	hdr(&q)->dns_port = 40053;
	refused_with(&q, -EINVAL, "DOMAINS without HOSTNET with a port (a "
	    "container's: the keeper writes it once its listeners exist)");
	req_good(&q);
	hdr(&q)->flags = JAIL_REQ_F_DOMAINS | JAIL_REQ_F_MAPFDS;
	accepted(&q, "ATTACH with DOMAINS, MAPFDS, port 0 (a podman jail)");
	req_good(&q);
	hdr(&q)->flags = JAIL_REQ_F_DOMAINS | JAIL_REQ_F_MAPFDS |
	    JAIL_REQ_F_HOSTNET;
	refused_with(&q, -EINVAL, "DOMAINS with HOSTNET and port 0");
	req_good(&q);
	hdr(&q)->flags = JAIL_REQ_F_MAPFDS | JAIL_REQ_F_HOSTNET;
	hdr(&q)->dns_port = 53;
	refused_with(&q, -EINVAL, "a DNS port without DOMAINS");
	req_good(&q);
	hdr(&q)->reserved = 1;
	refused_with(&q, -EINVAL, "reserved field set");
	req_init(&q, JAIL_OP_QUERY, 0, 0, "jail-ai/x");
	hdr(&q)->dns_port = 53;
	refused_with(&q, -EINVAL, "QUERY with a DNS port");
	req_good(&q);
	hdr(&q)->flags = 16;
	refused_with(&q, -EINVAL, "flags 16 (unknown)");
	req_good(&q);
	hdr(&q)->flags = 0x80000001U;
	refused_with(&q, -EINVAL, "flags 0x80000001 (HOSTNET and an unknown)");
	req_init(&q, JAIL_OP_QUERY, 0, 0, "jail-ai/x");
	hdr(&q)->flags = JAIL_REQ_F_HOSTNET;
	refused_with(&q, -EINVAL, "QUERY with a flag");
	req_init(&q, JAIL_OP_QUERY, 0, 0, "jail-ai/x");
	hdr(&q)->flags = JAIL_REQ_F_MAPFDS;
	refused_with(&q, -EINVAL, "QUERY with MAPFDS");
	req_init(&q, JAIL_OP_ATTACH, 0, 0, "jail-ai/x");
	refused(&q, "ATTACH with n4 + n6 == 0");
	req_init(&q, JAIL_OP_QUERY, 0, 0, "jail-ai/x");
	accepted(&q, "QUERY with n4 = n6 = 0");
	req_init(&q, JAIL_OP_QUERY, 0, 0, "/jail-ai/x");
	refused(&q, "QUERY with an absolute cgroup");
	req_init(&q, JAIL_OP_QUERY, 1, 0, "jail-ai/x");
	refused(&q, "QUERY with one v4 rule");
	req_init(&q, JAIL_OP_QUERY_EFFECTIVE, 0, 0, "jail-ai/pod-x");
	accepted(&q, "QUERY_EFFECTIVE with n4 = n6 = 0");
	req_init(&q, JAIL_OP_QUERY_EFFECTIVE, 0, 0, "jail-ai/pod-x");
	hdr(&q)->flags = JAIL_REQ_F_HOSTNET;
	refused_with(&q, -EINVAL, "QUERY_EFFECTIVE with a flag");
	req_init(&q, JAIL_OP_QUERY_EFFECTIVE, 0, 1, "jail-ai/pod-x");
	refused(&q, "QUERY_EFFECTIVE with one v6 rule");
	req_init(&q, JAIL_OP_QUERY, 0, 1, "jail-ai/x");
	refused(&q, "QUERY with one v6 rule");

	req_init(&q, JAIL_OP_ATTACH, 0, 0, "x");
	hdr(&q)->n4 = JAIL_MAX_RULES4 + 1;
	refused_with(&q, -E2BIG, "n4 = JAIL_MAX_RULES4 + 1");
	req_init(&q, JAIL_OP_ATTACH, 0, 0, "x");
	hdr(&q)->n6 = JAIL_MAX_RULES6 + 1;
	refused_with(&q, -E2BIG, "n6 = JAIL_MAX_RULES6 + 1");
	req_init(&q, JAIL_OP_ATTACH, 0, 0, "x");
	hdr(&q)->n4 = 0xffffffffU;
	hdr(&q)->n6 = 0xffffffffU;
	refused_with(&q, -E2BIG, "n4 = n6 = 2^32 - 1");
	req_init(&q, JAIL_OP_ATTACH, 0, 0, "x");
	hdr(&q)->n4 = JAIL_MAX_RULES4;
	hdr(&q)->n6 = JAIL_MAX_RULES6;
	refused(&q, "the largest counts with only a header");

	/* all-zero rules are legal (0/0 DENY): the largest request passes */
	req_init(&q, JAIL_OP_ATTACH, JAIL_MAX_RULES4, JAIL_MAX_RULES6, "x");
	ok(q.len == JAIL_REQ_MAX, "largest request is JAIL_REQ_MAX bytes");
	accepted(&q, "JAIL_MAX_RULES4 + JAIL_MAX_RULES6 rules");
}

static const char *const good_paths[] = {
	"a", "jail-ai/run-4242", "user.slice/user-1000.slice/app.scope",
	"a/b/c/d", "...", "a/.../b", ".a", "a.", "..a", "a..",
	"A-Z_0-9.:@+=,\\",
};

static const char *const bad_paths[] = {
	"", "/x", "/", "a//b", "a/", "..", "a/../b", "../a", "a/..", ".",
	"a/./b", "./a", "a/.", "//", "a b", "a*", "a\n", "a\xff", "a\t",
	"a?", "a\"", "a'", "a$", "a%", "a~", "a|b", "a;b", "a&b", "a<b",
	"a>b", "a(b)", "a[b]", "a{b}", "a!", "a#", "a`", "a^",
};

static const char *shown(const char *s)
{
	static char buf[64];
	size_t o = 0;

	for (; *s && o + 5 < sizeof(buf); s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || c == '#')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x",
			    c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

static void test_cgroup_path(void)
{
	char long_path[JAIL_CGROUP_PATH_MAX];
	struct req q;
	size_t i;
	int r;

	diag("cgroup path");
	for (i = 0; i < sizeof(good_paths) / sizeof(good_paths[0]); i++) {
		req_good(&q);
		strncpy(hdr(&q)->cgroup, good_paths[i], JAIL_CGROUP_PATH_MAX);
		r = check(&q);
		if (!ok(r == 0, "accepted: \"%s\"", shown(good_paths[i])))
			diag("got r=%d", r);
		free(q.b);
	}
	for (i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
		char what[96];

		req_good(&q);
		strncpy(hdr(&q)->cgroup, bad_paths[i], JAIL_CGROUP_PATH_MAX);
		snprintf(what, sizeof(what), "\"%s\"", shown(bad_paths[i]));
		refused_with(&q, -EINVAL, what);
	}

	memset(long_path, 'a', sizeof(long_path));
	for (i = 64; i < sizeof(long_path); i += 64)
		long_path[i] = '/';
	req_good(&q);
	memcpy(hdr(&q)->cgroup, long_path, JAIL_CGROUP_PATH_MAX);
	refused(&q, "512 bytes, no NUL");
	req_good(&q);
	memcpy(hdr(&q)->cgroup, long_path, JAIL_CGROUP_PATH_MAX - 1);
	accepted(&q, "511 bytes and the NUL");
	req_good(&q);
	memcpy(hdr(&q)->cgroup, "a\0b", 3);
	refused(&q, "junk after the NUL");
	req_good(&q);
	hdr(&q)->cgroup[JAIL_CGROUP_PATH_MAX - 1] = 'z';
	refused(&q, "junk in the last byte");
	req_good(&q);
	hdr(&q)->cgroup[JAIL_CGROUP_PATH_MAX - 1] = '\xff';
	refused(&q, "0xff in the last byte");
}

typedef void (*bend_fn)(struct req *q);

static void b_plen4_33(struct req *q) { r4(q, 0)->key.prefixlen = 33; }
static void b_plen4_huge(struct req *q)
{
	r4(q, 0)->key.prefixlen = 0x80000008U;
}
static void b_plen6_129(struct req *q) { r6(q, 0)->key.prefixlen = 129; }
static void b_host4(struct req *q) { r4(q, 0)->key.addr[3] = 1; }
static void b_host4_mid(struct req *q)
{
	r4(q, 0)->key.prefixlen = 25;
	r4(q, 0)->key.addr[3] = 0x40;
}
static void b_host6(struct req *q)
{
	r6(q, 0)->key.prefixlen = 64;
	r6(q, 0)->key.addr[0] = 0xfd;
}
static void b_host0(struct req *q)
{
	r6(q, 0)->key.prefixlen = 0;
}
static void b_action2(struct req *q) { r4(q, 0)->v.action = 2; }
static void b_action6(struct req *q) { r6(q, 0)->v.action = 0xff; }
static void b_nports9(struct req *q)
{
	unsigned int i;

	r4(q, 0)->v.nports = 9;
	for (i = 0; i < JAIL_MAX_PORTS; i++)
		r4(q, 0)->v.ports[i] = (__u16)(100 + i);
}
static void b_kind9(struct req *q) { r4(q, 0)->v.kind = JAIL_KIND_MAP_MAX + 1; }
static void b_kind6(struct req *q) { r6(q, 0)->v.kind = 0x80; }
static void b_flag2(struct req *q) { r4(q, 0)->v.flags = 2; }
static void b_flag6(struct req *q) { r6(q, 0)->v.flags = 0x81; }
static void b_beyond(struct req *q) { r4(q, 0)->v.ports[1] = 80; }
static void b_beyond_last(struct req *q) { r6(q, 0)->v.ports[7] = 80; }
static void b_zero_port(struct req *q)
{
	r4(q, 0)->v.nports = 2;	/* ports[1] stays 0 */
}
static void b_zero_first(struct req *q)
{
	r4(q, 0)->v.ports[0] = 0;
}

static const struct {
	bend_fn fn;
	const char *what;
} bends[] = {
	{ b_plen4_33, "v4 prefixlen 33" },
	{ b_plen4_huge, "v4 prefixlen 2^31 + 8" },
	{ b_plen6_129, "v6 prefixlen 129" },
	{ b_host4, "v4 host bit set past /8" },
	{ b_host4_mid, "v4 host bit set past /25 (same byte)" },
	{ b_host6, "v6 host bit set past /64 (fd00::/64 is ok, ::1/64 not)" },
	{ b_host0, "v6 ::1/0" },
	{ b_action2, "action 2" },
	{ b_action6, "v6 action 255" },
	{ b_nports9, "nports 9" },
	{ b_kind9, "kind past JAIL_KIND_MAP_MAX (SOCKET: never an entry's)" },
	{ b_kind6, "v6 kind 0x80" },
	{ b_flag2, "flags 2 (unknown)" },
	{ b_flag6, "v6 flags 0x81 (HOST and an unknown)" },
	{ b_beyond, "a port beyond nports" },
	{ b_beyond_last, "v6: a port in the last slot, nports 0" },
	{ b_zero_port, "a zero port within nports" },
	{ b_zero_first, "nports 1, port 0" },
};

static void test_rules(void)
{
	struct req q;
	unsigned int i;

	diag("rules");
	for (i = 0; i < sizeof(bends) / sizeof(bends[0]); i++) {
		req_good(&q);
		bends[i].fn(&q);
		refused_with(&q, -EINVAL, bends[i].what);
	}

	/* the same faults in the last rule of several */
	req_init(&q, JAIL_OP_ATTACH, 3, 2, "x");
	r4(&q, 2)->key.prefixlen = 32;
	r4(&q, 2)->key.addr[0] = 10;
	r6(&q, 1)->key.prefixlen = 128;
	accepted(&q, "3 v4 + 2 v6 rules");
	req_init(&q, JAIL_OP_ATTACH, 3, 2, "x");
	r4(&q, 2)->key.prefixlen = 31;
	r4(&q, 2)->key.addr[3] = 1;
	refused_with(&q, -EINVAL, "host bits in the third v4 rule");
	req_init(&q, JAIL_OP_ATTACH, 3, 2, "x");
	r6(&q, 1)->v.nports = 1;
	refused_with(&q, -EINVAL, "zero port in the last v6 rule");
	req_init(&q, JAIL_OP_ATTACH, 3, 2, "x");
	r6(&q, 1)->key.prefixlen = 200;
	refused_with(&q, -EINVAL, "v6 prefixlen 200 in the last rule");

	/* the edges that must pass */
	req_good(&q);
	for (i = 0; i < JAIL_MAX_PORTS; i++)
		r4(&q, 0)->v.ports[i] = (__u16)(65535 - i);
	r4(&q, 0)->v.nports = JAIL_MAX_PORTS;
	r4(&q, 0)->v.action = JAIL_ALLOW;
	accepted(&q, "8 ports, ALLOW");
	req_good(&q);
	r4(&q, 0)->key.prefixlen = 25;
	r4(&q, 0)->key.addr[3] = 0x80;
	accepted(&q, "127.0.0.128/25");
	req_good(&q);
	r4(&q, 0)->key.prefixlen = 0;
	r4(&q, 0)->key.addr[0] = 0;
	r6(&q, 0)->key.prefixlen = 0;
	r6(&q, 0)->key.addr[15] = 0;
	accepted(&q, "0.0.0.0/0 and ::/0");
	req_good(&q);
	memset(r6(&q, 0)->key.addr, 0xff, 16);
	accepted(&q, "ffff:...:ffff/128");
	req_good(&q);
	r4(&q, 0)->v.flags = JAIL_V_HOST;
	r6(&q, 0)->v.flags = JAIL_V_HOST;
	accepted(&q, "flags JAIL_V_HOST");
	req_init(&q, JAIL_OP_ATTACH, 0, 1, "x");
	accepted(&q, "v6 only");
	req_init(&q, JAIL_OP_ATTACH, 1, 0, "x");
	accepted(&q, "v4 only");
}

/*
 * What policy_build makes of "deny 127.0.0.0/8 and ::1, allow
 * 127.0.0.1:8080 and [::1]:53" (tests/unit_policy.c holds policy.c to
 * the same rules; this Makefile rule links only loader.c).
 */
static void test_policy_shape(void)
{
	struct req q;

	diag("a request shaped as policy_build emits it");
	req_init(&q, JAIL_OP_ATTACH, 2, 1, "jail-ai/run-1");
	r4(&q, 0)->key.prefixlen = 8;
	r4(&q, 0)->key.addr[0] = 127;
	r4(&q, 0)->v.action = JAIL_DENY;
	r4(&q, 1)->key.prefixlen = 32;
	memcpy(r4(&q, 1)->key.addr, "\x7f\0\0\x01", 4);
	r4(&q, 1)->v.action = JAIL_DENY;
	r4(&q, 1)->v.nports = 1;
	r4(&q, 1)->v.ports[0] = 8080;
	r6(&q, 0)->key.prefixlen = 128;
	r6(&q, 0)->key.addr[15] = 1;
	r6(&q, 0)->v.action = JAIL_DENY;
	r6(&q, 0)->v.nports = 1;
	r6(&q, 0)->v.ports[0] = 53;
	accepted(&q, "deny 127/8 + ::1, allow 127.0.0.1:8080, [::1]:53");
}

int main(void)
{
	test_layout();
	test_good_and_lengths();
	test_header();
	test_cgroup_path();
	test_rules();
	test_policy_shape();
	return done_testing();
}
