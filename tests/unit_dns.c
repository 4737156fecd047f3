/*
 * tests/unit_dns.c - dns.c's pure parts (the allowed names, the query and
 * answer parsers, the rcode reply), under ASan and UBSan, with hostile
 * input: compression loops and forward pointers, truncated records, wrong
 * rdlengths, counts larger than the message, CNAME chains and loops, and
 * answers that carry other names' addresses (which must never reach the
 * allow callback).  TAP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns.h"
#include "tap.h"

/* ---- building messages ---- */

struct msg {
	uint8_t b[8192];
	size_t n;
};

static void m_u8(struct msg *m, unsigned v)
{
	m->b[m->n++] = (uint8_t)v;
}

static void m_u16(struct msg *m, unsigned v)
{
	m_u8(m, v >> 8);
	m_u8(m, v & 0xff);
}

static void m_u32(struct msg *m, uint32_t v)
{
	m_u16(m, v >> 16);
	m_u16(m, v & 0xffff);
}

static void m_hdr(struct msg *m, unsigned id, unsigned flags, unsigned qd,
    unsigned an)
{
	m->n = 0;
	m_u16(m, id);
	m_u16(m, flags);
	m_u16(m, qd);
	m_u16(m, an);
	m_u16(m, 0);
	m_u16(m, 0);
}

static void m_name(struct msg *m, const char *s)
{
	size_t l;

	while (*s) {
		for (l = 0; s[l] && s[l] != '.'; l++)
			;
		m_u8(m, (unsigned)l);
		memcpy(m->b + m->n, s, l);
		m->n += l;
		s += l;
		if (*s == '.')
			s++;
	}
	m_u8(m, 0);
}

static void m_q(struct msg *m, const char *name, unsigned type)
{
	m_name(m, name);
	m_u16(m, type);
	m_u16(m, 1);
}

/* owner NULL: a pointer to the question's name (offset 12). */
static void m_rrhead(struct msg *m, const char *owner, unsigned type,
    unsigned class, uint32_t ttl, unsigned rdlen)
{
	if (owner)
		m_name(m, owner);
	else
		m_u16(m, 0xc00c);
	m_u16(m, type);
	m_u16(m, class);
	m_u32(m, ttl);
	m_u16(m, rdlen);
}

static void m_a(struct msg *m, const char *owner, const char *a, uint32_t ttl)
{
	m_rrhead(m, owner, 1, 1, ttl, 4);
	inet_pton(AF_INET, a, m->b + m->n);
	m->n += 4;
}

static void m_aaaa(struct msg *m, const char *owner, const char *a,
    uint32_t ttl)
{
	m_rrhead(m, owner, 28, 1, ttl, 16);
	inet_pton(AF_INET6, a, m->b + m->n);
	m->n += 16;
}

static void m_cname(struct msg *m, const char *owner, const char *target,
    uint32_t ttl)
{
	struct msg t;

	t.n = 0;
	m_name(&t, target);
	m_rrhead(m, owner, 5, 1, ttl, (unsigned)t.n);
	memcpy(m->b + m->n, t.b, t.n);
	m->n += t.n;
}

/* ---- the callback ---- */

struct got {
	int n;
	char s[64][INET6_ADDRSTRLEN + 16];
	int ret;
};

static int collect(void *arg, int family, const void *a, uint32_t ttl)
{
	struct got *g = arg;
	char s[INET6_ADDRSTRLEN];

	inet_ntop(family, a, s, sizeof(s));
	if (g->n < 64)
		snprintf(g->s[g->n++], sizeof(g->s[0]), "%s/%u", s, ttl);
	return g->ret;
}

/* The calls as "a/ttl b/ttl". */
static const char *calls(const struct got *g)
{
	static char out[4096];
	int i;

	out[0] = '\0';
	for (i = 0; i < g->n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, g->s[i]);
	}
	return out;
}

static struct dns_question Q;

/* A question for name/type, id 0x1234, as dns_parse_query makes it. */
static void set_q(const char *name, unsigned type)
{
	struct msg m;

	m_hdr(&m, 0x1234, 0x0100, 1, 0);
	m_q(&m, name, type);
	if (dns_parse_query(m.b, m.n, &Q) < 0)
		abort();
}

static int parse(const struct msg *m, struct got *g)
{
	memset(g, 0, sizeof(*g));
	return dns_parse_answer(m->b, m->n, &Q, collect, g);
}

/* ---- the names ---- */

static void test_names(void)
{
	static struct dns_names nm;
	char err[256], long63[64], name[300];
	int i, r;

	memset(&nm, 0, sizeof(nm));
	ok(dns_names_add(&nm, "com", err, sizeof(err)) == 0 &&
	    dns_names_add(&nm, "*.example.co.uk", err, sizeof(err)) == 0 &&
	    dns_names_add(&nm, "*.co.example", err, sizeof(err)) == 0,
	    "names: com, *.example.co.uk, *.co.example accepted (no wildcard over a suffix)");
	memset(&nm, 0, sizeof(nm));
	ok(dns_names_add(&nm, "example.com", err, sizeof(err)) == 0,
	    "names: example.com added");
	ok(dns_names_add(&nm, "*.Example.COM", err, sizeof(err)) == 0 &&
	    nm.v[1].wildcard && !strcmp(nm.v[1].name, "example.com"),
	    "names: *.Example.COM added, lowercase, wildcard");
	r = dns_names_add(&nm, "EXAMPLE.com.", err, sizeof(err));
	ok(r == -1 && strstr(err, "twice"), "names: a duplicate (other case, "
	    "final dot) refused: %s", err);
	{
		static const char *const bad[][2] = {
			{ "", "empty" }, { ".", "empty" }, { "a..b", "empty label" },
			{ ".a", "empty label" }, { "*.", "empty" },
			{ "*", "'*'" }, { "*example.com", "'*'" },
			{ "a.*.com", "'*'" }, { "**.com", "'*'" },
			{ "*.*.com", "'*'" }, { "a b.com", "character" },
			{ "a/b", "character" }, { "ex\xc3\xa4mple.com", "character" },
			{ "a..", "empty label" },
			{ "*.com", "top-level domain" }, { "*.IO.", "top-level" },
			{ "*.co.uk", "public suffix" }, { "*.Com.au", "public suffix" },
		};
		for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
			err[0] = '\0';
			r = dns_names_add(&nm, bad[i][0], err, sizeof(err));
			ok(r == -1 && strstr(err, bad[i][1]),
			    "names: \"%s\" refused: %s", bad[i][0], err);
		}
	}
	memset(long63, 'a', 63);
	long63[63] = '\0';
	snprintf(name, sizeof(name), "%s.com", long63);
	ok(dns_names_add(&nm, name, err, sizeof(err)) == 0,
	    "names: a 63-character label is fine");
	snprintf(name, sizeof(name), "b%s.com", long63);
	ok(dns_names_add(&nm, name, err, sizeof(err)) == -1 &&
	    strstr(err, "63"), "names: 64 characters refused: %s", err);
	/* 253 characters: 63.63.63.61 */
	snprintf(name, sizeof(name), "%s.%s.%s.%.61s", long63, long63, long63,
	    long63);
	name[0] = 'c';
	ok(strlen(name) == 253 && dns_names_add(&nm, name, err,
	    sizeof(err)) == 0, "names: 253 characters in all is fine");
	snprintf(name, sizeof(name), "%s.%s.%s.%.62s", long63, long63, long63,
	    long63);
	name[0] = 'd';
	ok(strlen(name) == 254 && dns_names_add(&nm, name, err,
	    sizeof(err)) == -1 && strstr(err, "253"),
	    "names: 254 refused: %s", err);
	for (i = (int)nm.n; i < DNS_MAX_NAMES; i++) {
		snprintf(name, sizeof(name), "n%d.test", i);
		if (dns_names_add(&nm, name, err, sizeof(err)) < 0)
			break;
	}
	ok(nm.n == DNS_MAX_NAMES && dns_names_add(&nm, "more.test", err,
	    sizeof(err)) == -1 && strstr(err, "64"),
	    "names: the 65th refused: %s", err);
}

static void test_match(void)
{
	static struct dns_names ex, wild;
	char err[128];
	static const struct {
		const char *q;
		int ex, wild;
	} c[] = {
		{ "example.com", 1, 0 }, { "EXAMPLE.Com.", 1, 0 },
		{ "www.example.com", 0, 1 }, { "a.b.example.com.", 0, 1 },
		{ "WWW.Example.COM", 0, 1 }, { "badexample.com", 0, 0 },
		{ "example.com.evil", 0, 0 }, { "example.co", 0, 0 },
		{ "xample.com", 0, 0 }, { ".example.com", 0, 0 }, { "*.example.com", 0, 0 },
		{ "a_b.example.com", 0, 1 },
		{ "", 0, 0 }, { ".", 0, 0 }, { "com", 0, 0 },
		{ "example.com..", 0, 0 },
	};
	int i;

	dns_names_add(&ex, "example.com", err, sizeof(err));
	dns_names_add(&wild, "*.example.com", err, sizeof(err));
	for (i = 0; i < (int)(sizeof(c) / sizeof(c[0])); i++)
		ok(dns_names_match(&ex, c[i].q) == c[i].ex &&
		    dns_names_match(&wild, c[i].q) == c[i].wild,
		    "match: \"%s\": example.com %d, *.example.com %d", c[i].q,
		    c[i].ex, c[i].wild);
}

/* ---- queries ---- */

/* What goes upstream: the parse, rebuilt; what comes back: the client's. */
static void test_rebuild(void)
{
	static const unsigned fwd[] = { 1, 5, 28, 64, 65 };
	static const unsigned refused[] = { 16, 255, 12, 15, 33, 252, 99 };
	struct dns_question q;
	struct msg m, a;
	uint8_t up[DNS_QMAX];
	size_t n, i;

	m_hdr(&m, 0xbeef, 0x0130, 1, 0);	/* RD, AD, CD */
	m_q(&m, "WwW.Example.COM", 1);
	m.b[11] = 1;		/* EDNS with an option (8 bytes), then junk */
	m_u8(&m, 0);
	m_u16(&m, 41);
	m_u16(&m, 4096);
	m_u32(&m, 0);
	m_u16(&m, 8);
	m_u32(&m, 0x000a0004);	/* COOKIE-like option code 10, 4 bytes */
	m_u32(&m, 0x41424344);
	m_u32(&m, 0xdeadbeef);
	ok(dns_parse_query(m.b, m.n, &q) == 0, "rebuild: the client's query parsed");
	n = dns_build_query(&q, 0x1234, up, sizeof(up));
	ok(n == q.end && up[0] == 0x12 && up[1] == 0x34 && up[2] == 0x01 &&
	    up[3] == 0 && up[4] == 0 && up[5] == 1 && !up[6] && !up[7] &&
	    !up[8] && !up[9] && !up[10] && !up[11],
	    "rebuild: header: the new id, RD only, one question, no other section");
	ok(n == q.end && !memcmp(up + 12, "\3www\7example\3com\0\0\1\0\1", 21),
	    "rebuild: the question lowercase, type, class IN; nothing after it (%zu bytes)", n);
	ok(dns_build_query(&q, 1, up, 100) == 0, "rebuild: 0 when cap is too small");
	for (i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++) {
		q.qtype = (uint16_t)fwd[i];
		ok(dns_query_forwarded(&q), "forwarded: qtype %u", fwd[i]);
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		q.qtype = (uint16_t)refused[i];
		ok(!dns_query_forwarded(&q), "refused: qtype %u", refused[i]);
	}
	q.qtype = 1;
	q.qclass = 3;		/* CH */
	ok(!dns_query_forwarded(&q), "refused: class CH");
	q.qclass = 1;
	/* the answer to the rebuilt query, made the client's */
	m_hdr(&a, 0x1234, 0x8180, 1, 1);
	m_q(&a, "www.example.com", 1);
	m_a(&a, "www.example.com", "192.0.2.1", 60);
	ok(dns_answer_for_client(a.b, a.n, &q, m.b, 0x1234) == 0 &&
	    a.b[0] == 0xbe && a.b[1] == 0xef && !memcmp(a.b + 12, m.b + 12, q.end - 12) &&
	    a.b[2] == 0x81 && a.b[7] == 1,
	    "answer: the client's id and question as asked (WwW.Example.COM), the records kept");
	m_hdr(&a, 0x1234, 0x8180, 1, 1);
	m_q(&a, "WWW.EXAMPLE.COM", 1);
	ok(dns_answer_for_client(a.b, a.n, &q, m.b, 0x1234) == 0,
	    "answer: a resolver's change of case is accepted");
	m_hdr(&a, 0x1234, 0x8180, 1, 1);
	m_q(&a, "www.example.org", 1);
	ok(dns_answer_for_client(a.b, a.n, &q, m.b, 0x1234) == -1,
	    "answer: another question: -1");
	m_hdr(&a, 0x1234, 0x8180, 1, 1);
	m_q(&a, "www.example.com", 28);
	ok(dns_answer_for_client(a.b, a.n, &q, m.b, 0x1234) == -1,
	    "answer: another type: -1");
	ok(dns_answer_for_client(a.b, q.end - 1, &q, m.b, 0x1234) == -1,
	    "answer: shorter than the question: -1");
}

static void test_query(void)
{
	struct dns_question q;
	struct msg m;
	uint8_t out[512];
	size_t n, i;
	char big[300];
	int bad;

	m_hdr(&m, 0xbeef, 0x0100, 1, 0);
	m_q(&m, "WwW.Example.com", 28);
	ok(dns_parse_query(m.b, m.n, &q) == 0 && q.id == 0xbeef &&
	    !strcmp(q.name, "www.example.com") && q.qtype == 28 &&
	    q.qclass == 1 && q.end == m.n,
	    "query: parsed, name lowercase (%s), type, end", q.name);
	m.b[11] = 1;		/* an EDNS OPT record may follow */
	m_u8(&m, 0);
	m_u16(&m, 41);
	m_u16(&m, 1232);
	m_u32(&m, 0);
	m_u16(&m, 0);
	ok(dns_parse_query(m.b, m.n, &q) == 0 && q.end == m.n - 11,
	    "query: with an additional record (EDNS)");
	n = dns_reply_rcode(m.b, &q, 5, out, sizeof(out));
	ok(n == q.end && out[0] == 0xbe && out[1] == 0xef &&
	    out[2] == 0x81 && (out[3] & 0xf) == 5 && out[5] == 1 &&
	    out[7] == 0 && out[11] == 0 && !memcmp(out + 12, m.b + 12, n - 12),
	    "reply: REFUSED keeps id, RD, the question; no records");
	ok(dns_reply_rcode(m.b, &q, 2, out, q.end - 1) == 0,
	    "reply: 0 when it does not fit");
	for (bad = 0, i = 0; i < q.end; i++)
		if (dns_parse_query(m.b, i, &q) == 0)
			bad++;
	ok(bad == 0, "query: every truncation refused (%d taken)", bad);

	m_hdr(&m, 1, 0x8100, 1, 0);
	m_q(&m, "a.com", 1);
	ok(dns_parse_query(m.b, m.n, &q) == -1, "query: QR set refused");
	m_hdr(&m, 1, 0x0900, 1, 0);
	m_q(&m, "a.com", 1);
	ok(dns_parse_query(m.b, m.n, &q) == -1, "query: opcode 1 refused");
	m_hdr(&m, 1, 0x0100, 2, 0);
	m_q(&m, "a.com", 1);
	m_q(&m, "b.com", 1);
	ok(dns_parse_query(m.b, m.n, &q) == -1, "query: two questions refused");
	m_hdr(&m, 1, 0x0100, 0, 0);
	ok(dns_parse_query(m.b, m.n, &q) == -1, "query: no question refused");
	m_hdr(&m, 1, 0x0100, 1, 1);
	m_q(&m, "a.com", 1);
	m_a(&m, NULL, "1.2.3.4", 1);
	ok(dns_parse_query(m.b, m.n, &q) == -1, "query: an answer record refused");
	m_hdr(&m, 1, 0x0100, 1, 0);
	m_u8(&m, 1);
	m_u8(&m, 'a');
	m_u16(&m, 0xc00c);
	m_u16(&m, 1);
	m_u16(&m, 1);
	ok(dns_parse_query(m.b, m.n, &q) == -1,
	    "query: a compression pointer refused");
	/* "a.example" as ONE label, then "com": text matching would see
	 * a.example.com, the resolver looks up another name */
	m_hdr(&m, 1, 0x0100, 1, 0);
	m_u8(&m, 9);
	memcpy(m.b + m.n, "a.example", 9);
	m.n += 9;
	m_name(&m, "com");
	m_u16(&m, 1);
	m_u16(&m, 1);
	ok(dns_parse_query(m.b, m.n, &q) == -1,
	    "query: a '.' inside a label refused");
	m_hdr(&m, 1, 0x0100, 1, 0);
	m_q(&m, "a\001b.com", 1);
	ok(dns_parse_query(m.b, m.n, &q) == -1,
	    "query: a control character in a label refused");
	m_hdr(&m, 1, 0x0100, 1, 0);
	m_u8(&m, 0x40);
	m_u8(&m, 0);
	m_u16(&m, 1);
	m_u16(&m, 1);
	ok(dns_parse_query(m.b, m.n, &q) == -1, "query: label type 0x40 refused");
	m_hdr(&m, 1, 0x0100, 1, 0);
	m_q(&m, "", 2);
	ok(dns_parse_query(m.b, m.n, &q) == 0 && q.name[0] == '\0',
	    "query: the root name parses as \"\"");
	memset(big, 'a', sizeof(big));
	for (i = 63; i < 253; i += 64)
		big[i] = '.';
	big[253] = '\0';
	m_hdr(&m, 1, 0x0100, 1, 0);
	m_q(&m, big, 1);
	ok(dns_parse_query(m.b, m.n, &q) == 0 && strlen(q.name) == 253,
	    "query: a 253-character name");
	big[253] = 'a';
	big[254] = '\0';
	m_hdr(&m, 1, 0x0100, 1, 0);
	m_q(&m, big, 1);
	ok(dns_parse_query(m.b, m.n, &q) == -1, "query: 254 characters refused");
	ok(dns_parse_query(m.b, 11, &q) == -1, "query: 11 bytes refused");
}

/* ---- answers ---- */

/* An answer header + question for Q (id 0x1234) with an records. */
static void ans(struct msg *m, unsigned an)
{
	m_hdr(m, 0x1234, 0x8180, 1, an);
	m_q(m, Q.name, Q.qtype);
}

static void test_answer(void)
{
	struct msg m;
	struct got g;
	int r, i, bad;
	size_t k;
	char nm[32], tg[32];

	set_q("www.example.com", 1);
	ans(&m, 2);
	m_a(&m, NULL, "192.0.2.1", 300);
	m_a(&m, "www.example.com", "192.0.2.2", 20);
	r = parse(&m, &g);
	ok(r == 0 && !strcmp(calls(&g), "192.0.2.1/300 192.0.2.2/20"),
	    "answer: two A records, pointer and plain owner: %s", calls(&g));

	ans(&m, 1);
	m_aaaa(&m, NULL, "2001:db8::7", 99);
	r = parse(&m, &g);
	ok(r == 0 && !strcmp(calls(&g), "2001:db8::7/99"),
	    "answer: AAAA (for an A question, still this name's): %s", calls(&g));

	ans(&m, 4);
	m_cname(&m, NULL, "c1.cdn.net", 60);
	m_cname(&m, "c1.cdn.net", "C2.cdn.NET", 30);
	m_a(&m, "c2.cdn.net", "198.51.100.1", 300);
	m_a(&m, "c2.cdn.net", "198.51.100.2", 10);
	r = parse(&m, &g);
	ok(r == 0 && !strcmp(calls(&g), "198.51.100.1/30 198.51.100.2/10"),
	    "answer: CNAME chain followed, lowest TTL along it: %s", calls(&g));

	ans(&m, 3);		/* the records in reverse order */
	m_a(&m, "c2.cdn.net", "198.51.100.1", 300);
	m_cname(&m, "c1.cdn.net", "c2.cdn.net", 30);
	m_cname(&m, NULL, "c1.cdn.net", 60);
	r = parse(&m, &g);
	ok(r == 0 && !strcmp(calls(&g), "198.51.100.1/30"),
	    "answer: a chain given backwards: %s", calls(&g));

	ans(&m, 5);
	m_a(&m, "evil.com", "203.0.113.66", 300);
	m_a(&m, "example.com", "203.0.113.67", 300);
	m_cname(&m, "other.net", "www.example.com", 300);
	m_a(&m, "other.net", "203.0.113.68", 300);
	m_a(&m, NULL, "192.0.2.9", 300);
	r = parse(&m, &g);
	ok(r == 0 && !strcmp(calls(&g), "192.0.2.9/300"),
	    "answer: other names' addresses are never passed: %s", calls(&g));

	ans(&m, 2);		/* a CNAME from the question to elsewhere, */
	m_cname(&m, NULL, "x.net", 60);	/* A of a name not on the chain */
	m_a(&m, "y.net", "203.0.113.1", 60);
	r = parse(&m, &g);
	ok(r == 0 && g.n == 0, "answer: an A off the chain is not passed: %s",
	    calls(&g));

	ans(&m, 4);
	m_cname(&m, NULL, "b.net", 60);
	m_cname(&m, "b.net", "www.example.com", 60);
	m_a(&m, "b.net", "192.0.2.3", 60);
	m_a(&m, NULL, "192.0.2.4", 70);
	r = parse(&m, &g);
	ok(r == 0 && g.n == 2, "answer: a CNAME loop ends: %s", calls(&g));

	ans(&m, 21);
	m_cname(&m, NULL, "c0.net", 60);
	for (i = 0; i < 19; i++) {
		snprintf(nm, sizeof(nm), "c%d.net", i);
		snprintf(tg, sizeof(tg), "c%d.net", i + 1);
		m_cname(&m, nm, tg, 60);
	}
	m_a(&m, "c19.net", "192.0.2.5", 60);
	r = parse(&m, &g);
	ok(r == 0 && g.n == 0,
	    "answer: a chain of 20 CNAMEs is cut (its end not passed): %s",
	    calls(&g));

	ans(&m, 1);
	m_rrhead(&m, NULL, 1, 1, 60, 5);
	m_u32(&m, 0x01020304);
	m_u8(&m, 5);
	ok(parse(&m, &g) == -1 && g.n == 0, "answer: A with rdlength 5 refused");
	ans(&m, 1);
	m_rrhead(&m, NULL, 28, 1, 60, 4);
	m_u32(&m, 0x01020304);
	ok(parse(&m, &g) == -1 && g.n == 0, "answer: AAAA with rdlength 4 refused");
	ans(&m, 2);
	m_a(&m, NULL, "192.0.2.1", 60);
	m_rrhead(&m, NULL, 1, 1, 60, 400);
	m_u32(&m, 0x01020304);
	ok(parse(&m, &g) == -1 && g.n == 0,
	    "answer: rdlength past the end refused, before any callback");
	ans(&m, 3);
	m_a(&m, NULL, "192.0.2.1", 60);
	m_a(&m, NULL, "192.0.2.2", 60);
	ok(parse(&m, &g) == -1 && g.n == 0,
	    "answer: ancount 3 with 2 records refused, before any callback");
	ans(&m, 0xffff);
	m_a(&m, NULL, "192.0.2.1", 60);
	ok(parse(&m, &g) == -1 && g.n == 0, "answer: ancount 65535 refused");
	ans(&m, 1);
	m_rrhead(&m, NULL, 5, 1, 60, 9);
	m_name(&m, "b.net");	/* 7 bytes, then 2 of trailing junk */
	m_u16(&m, 0);
	ok(parse(&m, &g) == -1, "answer: CNAME rdata with trailing bytes refused");

	/* compression: a pointer to itself, forward, into a loop */
	ans(&m, 1);
	k = m.n;
	m_u16(&m, 0xc000 | (unsigned)k);
	m_u16(&m, 1); m_u16(&m, 1); m_u32(&m, 60); m_u16(&m, 4); m_u32(&m, 1);
	ok(parse(&m, &g) == -1, "answer: a pointer to itself refused");
	ans(&m, 1);
	k = m.n;
	m_u16(&m, 0xc000 | (unsigned)(k + 2));
	m_u16(&m, 0xc00c);
	m_u16(&m, 1); m_u16(&m, 1); m_u32(&m, 60); m_u16(&m, 4); m_u32(&m, 1);
	ok(parse(&m, &g) == -1, "answer: a forward pointer refused");
	ans(&m, 1);
	k = m.n;		/* label "x", then a pointer back to the label */
	m_u8(&m, 1);
	m_u8(&m, 'x');
	m_u16(&m, 0xc000 | (unsigned)k);
	m_u16(&m, 1); m_u16(&m, 1); m_u32(&m, 60); m_u16(&m, 4); m_u32(&m, 1);
	ok(parse(&m, &g) == -1, "answer: a label-pointer loop refused");
	ans(&m, 1);
	m_u8(&m, 0x80);
	m_u16(&m, 1); m_u16(&m, 1); m_u32(&m, 60); m_u16(&m, 4); m_u32(&m, 1);
	ok(parse(&m, &g) == -1, "answer: label type 0x80 refused");
	/* a name longer than 255 through pointers to a long name */
	ans(&m, 2);
	{
		size_t p1 = m.n;
		char l60[61];

		memset(l60, 'z', 60);
		l60[60] = '\0';
		for (i = 0; i < 3; i++) {
			m_u8(&m, 60);
			memcpy(m.b + m.n, l60, 60);
			m.n += 61 - 1;
		}
		m_u16(&m, 0xc00c);	/* 183 + 17 = 200 bytes: fine */
		m_u16(&m, 16); m_u16(&m, 1); m_u32(&m, 60); m_u16(&m, 0);
		m_u8(&m, 60);
		memcpy(m.b + m.n, l60, 60);
		m.n += 60;
		m_u16(&m, 0xc000 | (unsigned)p1);	/* 61 + 200 > 255 */
		m_u16(&m, 1); m_u16(&m, 1); m_u32(&m, 60); m_u16(&m, 4);
		m_u32(&m, 1);
	}
	ok(parse(&m, &g) == -1, "answer: a name over 255 bytes via pointers refused");

	/* header and question checks */
	ans(&m, 1);
	m_a(&m, NULL, "192.0.2.1", 60);
	m.b[1] ^= 1;
	ok(parse(&m, &g) == -1 && g.n == 0, "answer: another id refused");
	m.b[1] ^= 1;
	m.b[2] &= 0x7f;
	ok(parse(&m, &g) == -1 && g.n == 0, "answer: QR clear refused");
	m_hdr(&m, 0x1234, 0x8180, 1, 1);
	m_q(&m, "www.example.org", 1);
	m_a(&m, NULL, "192.0.2.1", 60);
	ok(parse(&m, &g) == -1 && g.n == 0,
	    "answer: another question refused");
	m_hdr(&m, 0x1234, 0x8180, 1, 1);
	m_q(&m, "www.example.com", 28);
	m_a(&m, NULL, "192.0.2.1", 60);
	ok(parse(&m, &g) == -1 && g.n == 0, "answer: another qtype refused");
	m_hdr(&m, 0x1234, 0x8180, 0, 1);
	m_a(&m, "www.example.com", "192.0.2.1", 60);
	ok(parse(&m, &g) == -1 && g.n == 0, "answer: no question refused");
	m_hdr(&m, 0x1234, 0x8180, 1, 1);
	m_q(&m, "WWW.eXample.COM", 1);
	m_a(&m, NULL, "192.0.2.1", 60);
	ok(parse(&m, &g) == 0 && g.n == 1,
	    "answer: the question in another case (0x20) is the same");
	ans(&m, 1);
	m_a(&m, NULL, "192.0.2.1", 60);
	m.b[3] = 0x83;
	ok(parse(&m, &g) == 0 && g.n == 0, "answer: NXDOMAIN passes nothing");
	ans(&m, 2);
	m_rrhead(&m, NULL, 1, 3, 60, 4);	/* class CH */
	m_u32(&m, 0x01020304);
	m_a(&m, NULL, "192.0.2.1", 0x80000001u);
	r = parse(&m, &g);
	ok(r == 0 && !strcmp(calls(&g), "192.0.2.1/0"),
	    "answer: class CH skipped, a TTL over 2^31 is 0: %s", calls(&g));
	ans(&m, 2);
	m_a(&m, NULL, "192.0.2.1", 60);
	m_a(&m, NULL, "192.0.2.2", 60);
	memset(&g, 0, sizeof(g));
	g.ret = -7;
	ok(dns_parse_answer(m.b, m.n, &Q, collect, &g) == -7 && g.n == 1,
	    "answer: the callback's failure is returned at once");
	ans(&m, 0);
	ok(parse(&m, &g) == 0 && g.n == 0, "answer: no records, no calls");

	/* every truncation of a good answer: refused, no call */
	ans(&m, 3);
	m_cname(&m, NULL, "c1.cdn.net", 60);
	m_a(&m, "c1.cdn.net", "198.51.100.1", 300);
	m_aaaa(&m, "c1.cdn.net", "2001:db8::1", 300);
	for (bad = 0, k = 0; k < m.n; k++) {
		memset(&g, 0, sizeof(g));
		if (dns_parse_answer(m.b, k, &Q, collect, &g) != -1 || g.n)
			bad++;
	}
	ok(bad == 0, "answer: every truncation refused without a call (%d not)",
	    bad);
	/* random corruption: never a crash, never an address not in it */
	srandom(1);
	for (bad = 0, i = 0; i < 200000; i++) {
		struct msg c = m;
		int j, flips = 1 + (int)(random() % 4);

		for (j = 0; j < flips; j++)
			c.b[random() % c.n] = (uint8_t)random();
		memset(&g, 0, sizeof(g));
		r = dns_parse_answer(c.b, c.n, &Q, collect, &g);
		if (r != 0 && r != -1)
			bad++;
	}
	ok(bad == 0, "answer: 200000 corrupted answers: 0 or -1, no "
	    "sanitizer report (%d other)", bad);
}

/* A socket of family/type bound to addr:port (port 0: any), listening
 * when listen_too; -1 when it cannot be made. */
static int sock_at(int family, int type, const char *addr, uint16_t port,
    int listen_too)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	int fd = socket(family, type, 0), one = 1;

	memset(&ss, 0, sizeof(ss));
	if (fd < 0)
		return -1;
	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (bind(fd, (struct sockaddr *)&ss, sizeof(ss)) < 0 ||
	    (listen_too && listen(fd, 1) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	getsockname(fd, (struct sockaddr *)&ss, &sl);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* 1 when fd is closed. */
static int closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0;
}

/* dns_fwd_open_fds: the listeners a root jail-ai hands over are checked
 * (loopback, one port, the right type, TCP listening), and closed when
 * refused.  IPv4 only: ::1 may be missing where the unit tests run. */
static void test_open_fds(void)
{
	static struct dns_fwd f;
	static struct dns_names nm;
	char err[256], rc[] = "/tmp/unit_dns_resolv.XXXXXX";
	int lfd[4], u, t, fd, r;
	uint16_t port;

	if ((fd = mkstemp(rc)) < 0 || write(fd, "nameserver 192.0.2.53\n",
	    23) != 23) {
		ok(0, "open_fds: a resolv.conf in /tmp");
		return;
	}
	close(fd);
	r = dns_fwd_listeners(lfd, &port);
	ok(r == 0 && lfd[0] >= 0 && lfd[2] >= 0 && port != 0 &&
	    port_of(lfd[0]) == port && port_of(lfd[2]) == port,
	    "open_fds: dns_fwd_listeners makes UDP and TCP on one port (%u)",
	    port);
	r = dns_fwd_open_fds(&f, lfd, &nm, rc, NULL, NULL, err, sizeof(err));
	ok(r == 0 && f.port == port && f.udp4 == lfd[0] && f.nup == 1 &&
	    (fcntl(f.udp4, F_GETFL) & O_NONBLOCK),
	    "open_fds: taken, port %u, non-blocking (%s)", f.port,
	    r ? err : "ok");
	if (r == 0)
		dns_fwd_close(&f);

	/* each refusal: the fds given are closed */
	u = sock_at(AF_INET, SOCK_DGRAM, "0.0.0.0", 0, 0);
	t = sock_at(AF_INET, SOCK_STREAM, "127.0.0.1", port_of(u), 1);
	lfd[0] = u, lfd[1] = -1, lfd[2] = t, lfd[3] = -1;
	r = dns_fwd_open_fds(&f, lfd, &nm, rc, NULL, NULL, err, sizeof(err));
	ok(u >= 0 && r == -EADDRNOTAVAIL && strstr(err, "UDP 127.0.0.1") &&
	    closed(u) && closed(t),
	    "open_fds: UDP on 0.0.0.0 refused, both closed (%s)", err);
	u = sock_at(AF_INET, SOCK_DGRAM, "127.0.0.1", 0, 0);
	t = sock_at(AF_INET, SOCK_STREAM, "127.0.0.1", 0, 1);
	lfd[0] = u, lfd[2] = t;
	port = port_of(u) == port_of(t);	/* the kernel may pick one */
	r = dns_fwd_open_fds(&f, lfd, &nm, rc, NULL, NULL, err, sizeof(err));
	ok(!port && r == -EADDRNOTAVAIL && strstr(err,
	    "TCP 127.0.0.1") && closed(u) && closed(t),
	    "open_fds: two ports refused (%s)", err);
	u = sock_at(AF_INET, SOCK_DGRAM, "127.0.0.1", 0, 0);
	t = sock_at(AF_INET, SOCK_STREAM, "127.0.0.1", port_of(u), 0);
	lfd[0] = u, lfd[2] = t;
	r = dns_fwd_open_fds(&f, lfd, &nm, rc, NULL, NULL, err, sizeof(err));
	ok(t >= 0 && r == -EINVAL && closed(t),
	    "open_fds: TCP not listening refused (%s)", err);
	u = sock_at(AF_INET, SOCK_DGRAM, "127.0.0.1", 0, 0);
	t = sock_at(AF_INET, SOCK_DGRAM, "127.0.0.1", 0, 0);
	lfd[0] = u, lfd[2] = t;
	r = dns_fwd_open_fds(&f, lfd, &nm, rc, NULL, NULL, err, sizeof(err));
	ok(r == -EPROTOTYPE && closed(u) && closed(t),
	    "open_fds: UDP where TCP goes refused (%s)", err);
	u = sock_at(AF_INET, SOCK_DGRAM, "127.0.0.1", 0, 0);
	lfd[0] = u, lfd[2] = -1;
	r = dns_fwd_open_fds(&f, lfd, &nm, rc, NULL, NULL, err, sizeof(err));
	ok(r == -EBADF && closed(u), "open_fds: no TCP listener refused (%s)",
	    err);
	unlink(rc);
}

int main(void)
{
	test_names();
	test_match();
	test_query();
	test_rebuild();
	test_answer();
	test_open_fds();
	return done_testing();
}
