/*
 * fuzz/fuzz_allow.c - libFuzzer target for policy.c: --allow strings,
 * --deny-file contents, --proxy URLs, and policy_build / policy_verdict on what they
 * yield.  The input is read three ways: whole, NUL-terminated, as one
 * --allow string; whole, as a deny file; line by line, each line that
 * parses as --allow becoming an allow rule, beside the deny file's
 * entries.  Beyond the sanitizers it checks: a parsed rule is sane and
 * formats and parses back the same; the deny parser's counts and error
 * line; the built request is well formed; and policy_verdict agrees with
 * the rules read one by one (policy.c's stated meaning, ::ffff:a.b.c.d
 * being IPv4 as in the BPF program) at every rule's first and last
 * address.
 * Seeds: fuzz/seeds-allow/.  Run: fuzz/fuzz_allow CORPUS fuzz/seeds-allow
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_common.h"	/* count_lines */
#include "policy.h"
#include "../tests/policy_ref.h"

#define MAXD 16
#define MAXA 16


/*
 * Family, length, host bits zero over nbytes: 16 for parsed rules (a v4
 * address's unused tail must be zero too, or equal prefixes would not
 * collapse), the key's own size for emitted keys.
 */
static void sane(int family, unsigned int plen, const uint8_t *addr,
    unsigned int nbytes)
{
	unsigned int bits = family == AF_INET ? 32 : 128, b;

	if ((family != AF_INET && family != AF_INET6) || plen > bits)
		abort();
	for (b = plen; b < nbytes * 8; b++)
		if (addr[b / 8] & (0x80 >> (b % 8)))
			abort();
}

/* --proxy: one of its stated answers; a URL taken is one address, a port. */
static void proxy_one(const char *s)
{
	struct allow_rule a;
	int r = policy_parse_proxy(s, &a);

	if (r != 0 && r != -EINVAL && r != -EPROTO && r != -EACCES &&
	    r != -ENOTDIR && r != -EADDRNOTAVAIL && r != -EDESTADDRREQ &&
	    r != -ERANGE && r != -EAFNOSUPPORT)
		abort();
	if (r == 0 && (!a.port || a.prefixlen != (a.family == AF_INET ?
	    32 : 128) || strncmp(s, "http", 4) != 0))
		abort();
}

static int allow_one(const char *s, struct allow_rule *a)
{
	proxy_one(s);
	struct allow_rule b;
	char buf[80];
	int r = policy_parse_allow(s, a);

	if (r != 0 && r != -EINVAL && r != -EDOM)
		abort();
	if (r == 0 && !memchr(s, '[', 1) && a->family == AF_INET6 &&
	    a->port)	/* an unbracketed IPv6 rule never has a port */
		abort();
	if (r == 0) {
		sane(a->family, a->prefixlen, a->addr, 16);
		if (policy_format_allow(a, buf, sizeof(buf)) != 0 ||
		    policy_parse_allow(buf, &b) != 0 ||
		    memcmp(a, &b, sizeof(b)) != 0)
			abort();
	}
	return r;
}

static void well_formed(const struct policy *p)
{
	const struct jail_req_hdr *h = p->req;
	uint32_t i, k;

	if (!h || h->magic != JAIL_REQ_MAGIC || h->n4 != p->n4 ||
	    h->n6 != p->n6 || p->req_len != sizeof(*h) +
	    p->n4 * sizeof(struct jail_rule4) +
	    p->n6 * sizeof(struct jail_rule6))
		abort();
	for (i = 0; i < p->n4 + p->n6; i++) {
		const struct jail_verdict *v = i < p->n4 ? &p->r4[i].v :
		    &p->r6[i - p->n4].v;

		if (i < p->n4)
			sane(AF_INET, p->r4[i].key.prefixlen,
			    p->r4[i].key.addr, 4);
		else
			sane(AF_INET6, p->r6[i - p->n4].key.prefixlen,
			    p->r6[i - p->n4].key.addr, 16);
		if (v->action > JAIL_ALLOW || v->nports > JAIL_MAX_PORTS ||
		    v->kind > JAIL_KIND_MAP_MAX ||
		    (v->action == JAIL_DENY && v->kind == JAIL_KIND_NONE) ||
		    v->entry != (i < p->n4 ? i + 1 : i - p->n4 + 1))
			abort();
		for (k = 0; k < JAIL_MAX_PORTS; k++)
			if ((k < v->nports) != (v->ports[k] != 0))
				abort();
	}
}

/* Every rule's first and last address, at each rule's port and one more. */
static void cross_check(const struct policy *p, const struct hostip *d,
    size_t nd, const struct allow_rule *a, size_t na)
{
	uint8_t addr[16];
	size_t i, j;
	unsigned int b, last, plen;
	int family;

	for (i = 0; i < nd + na; i++) {
		family = i < nd ? d[i].family : a[i - nd].family;
		plen = i < nd ? d[i].prefixlen : a[i - nd].prefixlen;
		for (last = 0; last < 2; last++) {
			memcpy(addr, i < nd ? d[i].addr : a[i - nd].addr, 16);
			if (last)
				for (b = plen; b < (family == AF_INET ? 32u : 128u);
				    b++)
					addr[b / 8] |= (uint8_t)(0x80 >> (b % 8));
			for (j = 0; j <= na; j++) {
				uint16_t port = j < na ? a[j].port : 65535;

				if (policy_verdict(p, family, addr, port) !=
				    brute(d, nd, a, na, family, addr, port))
					abort();
			}
		}
	}
}

static size_t allow_lines(const uint8_t *data, size_t size,
    struct allow_rule *a)
{
	char line[160];
	size_t pos = 0, e, na = 0;
	const uint8_t *nl;

	while (pos < size && na < MAXA) {
		nl = memchr(data + pos, '\n', size - pos);
		e = nl ? (size_t)(nl - data) : size;
		if (e - pos < sizeof(line)) {
			memcpy(line, data + pos, e - pos);
			line[e - pos] = '\0';
			if (allow_one(line, &a[na]) == 0)
				na++;
		}
		pos = e + 1;
	}
	return na;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hostip d[MAXD];
	static struct allow_rule a[MAXA];
	struct allow_rule one;
	struct policy p;
	unsigned int line = 0, nports = 0;
	size_t nd = 0, na, i, j;
	char *s;
	int r;

	s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	allow_one(s, &one);
	free(s);

	r = policy_parse_deny_file((const char *)data, size, d, MAXD, &nd,
	    &line);
	if ((r != 0 && r != -EINVAL && r != -E2BIG) || nd > MAXD ||
	    (r == -E2BIG && nd != MAXD))
		abort();
	if (r == -EINVAL && (line < 1 || line > count_lines(data, size)))
		abort();
	for (i = 0; i < nd; i++)
		sane(d[i].family, d[i].prefixlen, d[i].addr, 16);

	na = allow_lines(data, size, a);
	/* ports: distinct count bounds when -E2BIG may happen */
	for (i = 0; i < na; i++) {
		for (j = 0; j < i && a[j].port != a[i].port; j++)
			;
		nports += a[i].port && j == i;
	}
	r = policy_build(d, nd, a, na, &p);
	if (r == -E2BIG && nports > JAIL_MAX_PORTS)
		return 0;
	if (r != 0)
		abort();
	well_formed(&p);
	cross_check(&p, d, nd, a, na);
	policy_free(&p);
	return 0;
}
