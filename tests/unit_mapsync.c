/*
 * tests/unit_mapsync.c - model check of refresh_plan (refresh.c), the order
 * in which `run`'s parent brings a live LPM map from one policy to another
 * (address refresh and `jail-ai policy`).
 *
 * Random old and new policies (policy_build outputs: host denies, --deny,
 * --deny-all, port and port-less allows, nested in a few /8s so that they
 * overlap); the plan applied one map operation at a time to a simulated
 * trie; after each operation, for many addresses (every entry's first and
 * last address and random ones), the entry the longest-prefix lookup finds
 * must be the one old's lookup finds or the one new's does (same verdict
 * bytes, or both none).  Controls: the naive orders (every write in key
 * order, which is shortest prefix first, then the deletes; or the deletes
 * first) must show a violation on the same inputs, so the check can fail.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"
#include "refresh.h"
#include "tests/tap.h"

#define MAXE	512

struct sim {
	struct jail_rule4 e[MAXE * 2];
	size_t n;
};

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)random() % n;
}

static int covers4(const struct jail_key4 *k, const uint8_t *a)
{
	uint32_t m = k->prefixlen ? ~0u << (32 - k->prefixlen) : 0, x, y;

	memcpy(&x, k->addr, 4);
	memcpy(&y, a, 4);
	return ((ntohl(x) ^ ntohl(y)) & m) == 0;
}

static const struct jail_verdict *lookup(const struct jail_rule4 *e,
    size_t n, const uint8_t *a)
{
	const struct jail_verdict *best = NULL;
	unsigned int bl = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (covers4(&e[i].key, a) && (!best ||
		    e[i].key.prefixlen >= bl)) {
			best = &e[i].v;
			bl = e[i].key.prefixlen;
		}
	return best;
}

static int same(const struct jail_verdict *a, const struct jail_verdict *b)
{
	return a == b || (a && b && !memcmp(a, b, sizeof(*a)));
}

static void sim_put(struct sim *s, const struct jail_rule4 *r)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!memcmp(&s->e[i].key, &r->key, sizeof(r->key))) {
			s->e[i] = *r;
			return;
		}
	s->e[s->n++] = *r;
}

static void sim_del(struct sim *s, const struct jail_rule4 *r)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!memcmp(&s->e[i].key, &r->key, sizeof(r->key))) {
			s->e[i] = s->e[--s->n];
			return;
		}
}

/* As the program: no entry, or the port listed, or the action. */
static int allows(const struct jail_verdict *v, uint16_t port)
{
	unsigned int i;

	for (i = 0; v && i < v->nports; i++)
		if (v->ports[i] == port)
			return 1;
	return !v || v->action == JAIL_ALLOW;
}

static unsigned long opened;	/* (address, port) allowed by neither */

static const uint8_t nets[3] = { 10, 172, 192 };

static void rand_prefix(uint8_t *addr, uint8_t *plen, unsigned int maxlen)
{
	uint32_t a, m;
	unsigned int l = 8 + rnd(maxlen - 7);

	a = (uint32_t)nets[rnd(3)] << 24 | (random() & 0x00ff0f0f);
	m = ~0u << (32 - l);
	a &= m;
	a = htonl(a);
	memcpy(addr, &a, 4);
	*plen = (uint8_t)l;
}

/* A random policy, as policy_build makes it. */
static int rand_policy(struct policy *p)
{
	struct hostip h[40];
	struct allow_rule al[20];
	size_t nh = 0, na = 0, i, k = 2 + rnd(12), m = rnd(8);

	memset(h, 0, sizeof(h));
	memset(al, 0, sizeof(al));
	if (rnd(4) == 0) {	/* --deny-all */
		h[nh].family = AF_INET;
		h[nh++].source = HOSTIP_DENY_ALL;
	}
	for (i = 0; i < k; i++, nh++) {
		h[nh].family = AF_INET;
		h[nh].source = rnd(2) ? HOSTIP_FIB_TRIE : HOSTIP_USER;
		rand_prefix(h[nh].addr, &h[nh].prefixlen, 32);
	}
	for (i = 0; i < m; i++, na++) {
		al[na].family = AF_INET;
		rand_prefix(al[na].addr, &al[na].prefixlen, 32);
		al[na].port = rnd(2) ? (uint16_t)(1 + rnd(3)) : 0;
	}
	return policy_build(h, nh, al, na, p);
}

static int keycmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct jail_key4));
}

/* Addresses worth asking about: each entry's first and last, random. */
static size_t probes(const struct policy *a, const struct policy *b,
    uint8_t (*out)[4], size_t max)
{
	const struct policy *p[2] = { a, b };
	size_t n = 0, i;
	int k;
	uint32_t x, m;

	for (k = 0; k < 2; k++)
		for (i = 0; i < p[k]->n4 && n + 2 < max; i++) {
			memcpy(&x, p[k]->r4[i].key.addr, 4);
			x = ntohl(x);
			m = p[k]->r4[i].key.prefixlen >= 32 ? 0 :
			    p[k]->r4[i].key.prefixlen ? ~0u >>
			    p[k]->r4[i].key.prefixlen : ~0u;
			x = htonl(x);
			memcpy(out[n++], &x, 4);
			x = ntohl(x) | m;
			x = htonl(x);
			memcpy(out[n++], &x, 4);
		}
	while (n < max) {
		x = (uint32_t)nets[rnd(3)] << 24 | (random() & 0x00ffffff);
		x = htonl(x);
		memcpy(out[n++], &x, 4);
	}
	return n;
}

enum { ORDER_PLAN, ORDER_KEY, ORDER_DELFIRST };

/* Violations seen while applying old -> new in the given order. */
static unsigned long run_one(struct policy *o, struct policy *nw, int order)
{
	static struct refresh_op ops[MAXE * 2];
	static uint8_t pr[600][4];
	struct sim s;
	size_t nops, k, np, i, pass;
	unsigned long bad = 0;

	qsort(o->r4, o->n4, sizeof(*o->r4), keycmp);
	qsort(nw->r4, nw->n4, sizeof(*nw->r4), keycmp);
	nops = refresh_plan(o->r4, o->n4, nw->r4, nw->n4, sizeof(*o->r4),
	    sizeof(struct jail_key4), ops);
	if (order != ORDER_PLAN) {	/* the same operations, naively */
		struct refresh_op t[MAXE * 2];
		size_t m = 0;

		for (pass = 0; pass < 2; pass++)
			for (i = 0; i < nops; i++)
				if (ops[i].del == (order == ORDER_DELFIRST ?
				    pass == 0 : pass == 1))
					t[m++] = ops[i];
		/* writes in key order (shortest prefix first) */
		for (i = 0; i < m; i++) {
			size_t j;

			for (j = i + 1; j < m; j++)
				if (!t[i].del && !t[j].del &&
				    keycmp(&nw->r4[t[j].idx],
				    &nw->r4[t[i].idx]) < 0) {
					struct refresh_op x = t[i];

					t[i] = t[j];
					t[j] = x;
				}
		}
		memcpy(ops, t, m * sizeof(*t));
	}
	np = probes(o, nw, pr, 600);
	memcpy(s.e, o->r4, o->n4 * sizeof(*o->r4));
	s.n = o->n4;
	for (k = 0; k <= nops; k++) {
		if (k > 0 && ops[k - 1].del)
			sim_del(&s, &o->r4[ops[k - 1].idx]);
		else if (k > 0)
			sim_put(&s, &nw->r4[ops[k - 1].idx]);
		for (i = 0; i < np; i++) {
			const struct jail_verdict *v = lookup(s.e, s.n, pr[i]);

			const struct jail_verdict *vo = lookup(o->r4, o->n4,
			    pr[i]), *vn = lookup(nw->r4, nw->n4, pr[i]);
			uint16_t port;

			if (same(v, vo) || same(v, vn))
				continue;
			bad++;
			for (port = 1; port <= 4; port++)
				opened += allows(v, port) && !allows(vo, port) &&
				    !allows(vn, port);
		}
	}
	/* the end state is the new policy, exactly */
	for (i = 0; i < np; i++)
		if (!same(lookup(s.e, s.n, pr[i]), lookup(nw->r4, nw->n4,
		    pr[i])))
			bad += 1000000;
	return bad;
}

int main(void)
{
	unsigned long bad[3] = { 0, 0, 0 }, trials = 0, steps = 0, bad_trials[3] = { 0, 0, 0 };
	unsigned long open_trials[3] = { 0, 0, 0 };
	int t, ord, r;

	srandom(1234);
	for (t = 0; t < 1500; t++) {
		struct policy o, nw;

		if ((r = rand_policy(&o)) < 0)
			continue;
		if ((r = rand_policy(&nw)) < 0) {
			policy_free(&o);
			continue;
		}
		trials++;
		steps += o.n4 + nw.n4;
		for (ord = 0; ord < 3; ord++) {
			unsigned long b;

			opened = 0;
			b = run_one(&o, &nw, ord);
			bad[ord] += b;
			bad_trials[ord] += b > 0;
			open_trials[ord] += opened > 0;
		}
		policy_free(&o);
		policy_free(&nw);
	}
	ok(trials > 1200, "%lu random old/new policy pairs built (%lu entries)",
	    trials, steps);
	ok(bad[ORDER_PLAN] == 0, "refresh_plan's order (writes longest prefix "
	    "first, then deletes shortest first): every intermediate state "
	    "gives each probed address old's or new's entry, and the end is "
	    "new (%lu violations)", bad[ORDER_PLAN]);
	ok(open_trials[ORDER_PLAN] == 0, "and so never allows an (address, "
	    "port) that both old and new deny");
	ok(open_trials[ORDER_KEY] > 0, "control: writes in key order "
	    "(shortest prefix first), then deletes: in %lu of %lu pairs an "
	    "intermediate state allows what both deny (%lu with any other "
	    "entry)", open_trials[ORDER_KEY], trials, bad_trials[ORDER_KEY]);
	ok(open_trials[ORDER_DELFIRST] > 0, "control: deletes first, then "
	    "writes: in %lu of %lu pairs an intermediate state allows what "
	    "both deny (%lu with any other entry)",
	    open_trials[ORDER_DELFIRST], trials, bad_trials[ORDER_DELFIRST]);
	return done_testing();
}
