/*
 * fuzz/fuzz_dns.c - libFuzzer target for dns.c's parsers of untrusted
 * input: each input is a query (dns_parse_query, then dns_reply_rcode,
 * dns_build_query and dns_answer_for_client),
 * an answer to "www.example.com A" with the input's own id
 * (dns_parse_answer), and an --allow-domain argument (dns_names_add).
 * Beyond the sanitizers it checks what they promise: a query's end and
 * name inside bounds and made of allowed characters, the reply as long as
 * the question, every address passed lying inside the input, the same
 * calls on a second parse, and an added name matching itself.
 * Seeds: fuzz/seeds-dns/.  Run: fuzz/fuzz_dns fuzz/corpus-dns fuzz/seeds-dns
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct calls {
	const uint8_t *data;
	size_t size;
	unsigned n;
};

static int check_addr(void *arg, int family, const void *addr, uint32_t ttl)
{
	struct calls *c = arg;
	const uint8_t *a = addr;
	size_t l = family == AF_INET ? 4 : 16;

	if ((family != AF_INET && family != AF_INET6) || ttl > 0x7fffffff ||
	    a < c->data || a + l > c->data + c->size)
		abort();
	c->n++;
	return 0;
}

/*
 * The query sent upstream: exactly header + question, the same length,
 * parsed back to the same question with class IN; the answer made the
 * client's again carries the client's id and question bytes.
 */
static void fuzz_rebuild(const uint8_t *data, const struct dns_question *q)
{
	struct dns_question q2;
	uint8_t up[DNS_QMAX], a[DNS_QMAX];

	if (dns_build_query(q, 0x4242, up, sizeof(up)) != q->end ||
	    up[2] != 1 || up[3] != 0 || up[5] != 1 || up[7] || up[9] || up[11])
		abort();
	if (dns_parse_query(up, q->end, &q2) != 0 || q2.end != q->end ||
	    strcmp(q2.name, q->name) || q2.qtype != q->qtype || q2.qclass != 1)
		abort();
	memcpy(a, up, q->end);
	a[2] |= 0x80;
	if (dns_answer_for_client(a, q->end, q, data, 0x4242) != 0 ||
	    a[2] != (up[2] | 0x80) || memcmp(a + 3, up + 3, 9) ||
	    memcmp(a + 12, data + 12, q->end - 12) ||
	    a[0] != data[0] || a[1] != data[1])
		abort();
	if (dns_answer_for_client(a, q->end - 1, q, data, 0x4242) != -1)
		abort();
}

static void fuzz_query(const uint8_t *data, size_t size)
{
	struct dns_question q;
	static struct dns_names nm;
	uint8_t out[DNS_QMAX];
	size_t i;

	if (dns_parse_query(data, size, &q) != 0)
		return;
	if (q.end > size || q.end < 17 || strlen(q.name) > DNS_NAME_MAX)
		abort();
	for (i = 0; q.name[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-_.", q.name[i]))
			abort();
	if (dns_reply_rcode(data, &q, 5, out, sizeof(out)) != q.end ||
	    !(out[2] & 0x80) || (out[3] & 0xf) != 5)
		abort();
	fuzz_rebuild(data, &q);
	if (nm.n == 0) {
		char err[128];

		dns_names_add(&nm, "*.example.com", err, sizeof(err));
	}
	(void)dns_names_match(&nm, q.name);
}

static void fuzz_answer(const uint8_t *data, size_t size)
{
	static const uint8_t qm[] = { 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'c', 'o', 'm', 0, 0, 1, 0, 1 };
	struct dns_question q;
	struct calls c1 = { data, size, 0 }, c2 = { data, size, 0 };
	int r1, r2;

	if (dns_parse_query(qm, sizeof(qm), &q) != 0)
		abort();
	if (size >= 2)
		q.id = (uint16_t)(data[0] << 8 | data[1]);
	r1 = dns_parse_answer(data, size, &q, check_addr, &c1);
	r2 = dns_parse_answer(data, size, &q, check_addr, &c2);
	if ((r1 != 0 && r1 != -1) || r1 != r2 || c1.n != c2.n ||
	    (r1 != 0 && c1.n != 0))
		abort();	/* a refused answer allowed nothing */
}

static void fuzz_name(const uint8_t *data, size_t size)
{
	static struct dns_names nm;
	char arg[300], err[256], sub[310];
	size_t l = size < sizeof(arg) - 1 ? size : sizeof(arg) - 1;

	memcpy(arg, data, l);
	arg[l] = '\0';
	memset(&nm, 0, sizeof(nm));
	if (dns_names_add(&nm, arg, err, sizeof(err)) != 0) {
		if (nm.n != 0 || !err[0])
			abort();
		return;
	}
	if (nm.n != 1 || strlen(nm.v[0].name) > DNS_NAME_MAX)
		abort();
	if (!nm.v[0].wildcard && !dns_names_match(&nm, arg))
		abort();
	if (nm.v[0].wildcard && strlen(nm.v[0].name) < 250) {
		memcpy(sub, "x.", 2);
		strcpy(sub + 2, nm.v[0].name);
		if (!dns_names_match(&nm, sub) ||
		    dns_names_match(&nm, nm.v[0].name))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_query(data, size);
	fuzz_answer(data, size);
	fuzz_name(data, size);
	return 0;
}
