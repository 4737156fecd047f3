/*
 * fuzz/fuzz_request.c - libFuzzer target for loader_check_request, the
 * privileged child's check of its untrusted request.  Each input is tried
 * three ways: as raw request bytes; as the rules of a valid ATTACH header
 * whose counts match (data[0], data[1] pick n4, n6), so that the rule
 * checks are reached; and with the cgroup path taken from the input.
 * Every buffer is a heap copy of exactly len bytes.  Beyond the
 * sanitizers, the verdict is compared with an independent reading of
 * request.h (ref_ok below): the two must agree on every input.
 * Seeds: fuzz/seeds-request/.  Run: fuzz/fuzz_request CORPUS fuzz/seeds-request
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

#define HDR sizeof(struct jail_req_hdr)
#define R4 sizeof(struct jail_rule4)
#define R6 sizeof(struct jail_rule6)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ref_rule(const __u8 *addr, unsigned int bits, __u32 plen,
    const struct jail_verdict *v)
{
	unsigned int b;

	if (plen > bits || v->action > 1 || v->nports > 8 || v->kind > 8 ||
	    v->flags > 1)
		return 0;
	for (b = plen; b < bits; b++)
		if (addr[b / 8] >> (7 - b % 8) & 1)
			return 0;
	for (b = 0; b < 8; b++)
		if (b < v->nports ? v->ports[b] == 0 : v->ports[b] != 0)
			return 0;
	return 1;
}

static int ref_path(const char *p)
{
	static const char ok_chars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:@+=,\\/";
	size_t i, len = 0, c;

	while (len < JAIL_CGROUP_PATH_MAX && p[len])
		len++;
	if (len == 0 || len == JAIL_CGROUP_PATH_MAX)
		return 0;
	for (i = len; i < JAIL_CGROUP_PATH_MAX; i++)
		if (p[i])
			return 0;
	if (p[0] == '/' || p[len - 1] == '/')
		return 0;
	for (i = 0; i < len; i++)
		if (!memchr(ok_chars, p[i], sizeof(ok_chars) - 1))
			return 0;
	/* components between slashes */
	for (i = 0; i < len; i = c + 1) {
		for (c = i; c < len && p[c] != '/'; c++)
			;
		if (c == i || (c - i == 1 && p[i] == '.') ||
		    (c - i == 2 && p[i] == '.' && p[i + 1] == '.'))
			return 0;
	}
	return 1;
}

static int ref_ok(const unsigned char *b, size_t len)
{
	const struct jail_req_hdr *h = (const void *)b;
	const struct jail_rule4 *r4 = (const void *)(b + HDR);
	const struct jail_rule6 *r6;
	uint64_t want;
	__u32 i;

	if (len < HDR || h->magic != JAIL_REQ_MAGIC || h->version != 4)
		return 0;
	if (h->n4 > JAIL_MAX_RULES4 || h->n6 > JAIL_MAX_RULES6)
		return 0;
	want = HDR + (uint64_t)h->n4 * R4 + (uint64_t)h->n6 * R6;
	if (len != want || !ref_path(h->cgroup) || h->flags > 15)
		return 0;
	if ((h->flags & 4) && !(h->flags & 2))	/* EVENTS only with MAPFDS */
		return 0;
	/* DOMAINS (8) only with MAPFDS; a port exactly with HOSTNET (1) */
	if ((h->flags & 8) && !(h->flags & 2))
		return 0;
	if ((h->flags & 8) && (h->dns_port != 0) != ((h->flags & 1) != 0))
		return 0;
	if ((!(h->flags & 8) && h->dns_port != 0) || h->reserved)
		return 0;
	if (h->op == JAIL_OP_QUERY || h->op == JAIL_OP_QUERY_EFFECTIVE)
		return h->n4 == 0 && h->n6 == 0 && h->flags == 0;
	if (h->op != JAIL_OP_ATTACH || (h->n4 == 0 && h->n6 == 0))
		return 0;
	for (i = 0; i < h->n4; i++)
		if (!ref_rule(r4[i].key.addr, 32, r4[i].key.prefixlen,
		    &r4[i].v))
			return 0;
	r6 = (const void *)(b + HDR + h->n4 * R4);
	for (i = 0; i < h->n6; i++)
		if (!ref_rule(r6[i].key.addr, 128, r6[i].key.prefixlen,
		    &r6[i].v))
			return 0;
	return 1;
}

static void try(const unsigned char *b, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);
	const char *why = NULL;
	int r, want;

	if (!copy)
		abort();
	memcpy(copy, b, len);
	r = loader_check_request(copy, len, &why);
	want = ref_ok(copy, len);
	if (r > 0 || (r == 0) != want || (r < 0 && !why))
		abort();
	if (r < 0 && r != -EINVAL && r != -EPROTO && r != -E2BIG)
		abort();
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char cg[] = "jail-ai/fuzz";
	struct jail_req_hdr h;
	unsigned char *b;
	size_t n4, n6, tail, len, k;

	try(data, size);
	if (size < 2)
		return 0;

	/* a valid header, counts matching, rules from the input */
	n4 = data[0] % 16;
	n6 = data[1] % 16;
	tail = n4 * R4 + n6 * R6;
	len = HDR + tail;
	b = calloc(1, len + HDR);
	if (!b)
		abort();
	memset(&h, 0, sizeof(h));
	h.magic = JAIL_REQ_MAGIC;
	h.version = JAIL_REQ_VERSION;
	h.op = data[0] & 0x80 ? (data[0] & 0x40 ? JAIL_OP_QUERY_EFFECTIVE :
	    JAIL_OP_QUERY) : JAIL_OP_ATTACH;
	h.flags = (data[1] & 0x80 ? JAIL_REQ_F_HOSTNET : 0) |
	    (data[1] & 0x40 ? JAIL_REQ_F_MAPFDS : 0) |
	    (data[1] & 0x20 ? JAIL_REQ_F_EVENTS : 0) |
	    (data[1] & 0x10 ? JAIL_REQ_F_DOMAINS : 0);
	h.dns_port = data[1] & 0x08 ? (__u16)(1024 + data[0]) : 0;
	h.n4 = (__u32)n4;
	h.n6 = (__u32)n6;
	memcpy(h.cgroup, cg, sizeof(cg));
	memcpy(b, &h, HDR);
	k = size - 2 < tail ? size - 2 : tail;
	memcpy(b + HDR, data + 2, k);
	try(b, len);

	/* the same, with the cgroup path from the input (rules after it) */
	k = size - 2 < JAIL_CGROUP_PATH_MAX ? size - 2 : JAIL_CGROUP_PATH_MAX;
	memset(b + offsetof(struct jail_req_hdr, cgroup), 0,
	    JAIL_CGROUP_PATH_MAX);
	memcpy(b + offsetof(struct jail_req_hdr, cgroup), data + 2, k);
	if (size - 2 > k) {
		size_t rest = size - 2 - k < tail ? size - 2 - k : tail;

		memset(b + HDR, 0, tail);
		memcpy(b + HDR, data + 2 + k, rest);
	}
	try(b, len);
	free(b);
	return 0;
}
