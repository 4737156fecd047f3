/*
 * fuzz/fuzz_common.h - what the hostips fuzz targets share: each input is
 * parsed twice, with room for everything and with a small max taken from
 * the input's length, so that the -E2BIG paths run too.  Beyond the
 * sanitizers it checks what the parsers promise: n <= max, n == max on
 * -E2BIG, host bits zero, a sane prefix length, an error line inside the
 * input, and that a small max changes only whether the result fits.
 * Included by one target each; everything here is static.
 */
#ifndef JAIL_FUZZ_COMMON_H
#define JAIL_FUZZ_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hostips.h"

#define MAXV 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* hostips_parse_fib_trie's signature; resolv.conf has no error line. */
typedef int (*parse_fn)(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n, unsigned int *errline);

struct result {
	int err;
	size_t n;
	unsigned int line;
};

static unsigned int count_lines(const uint8_t *data, size_t size)
{
	unsigned int k = 0;
	size_t i;

	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			k++;
	return k + (size > 0 && data[size - 1] != '\n');
}

static void check(const struct hostip *v, size_t n)
{
	struct hostip copy[8];
	char buf[64];
	size_t i, k;
	unsigned int b;

	for (i = 0; i < n; i++) {
		unsigned int bits = v[i].family == AF_INET ? 32 : 128;

		if ((v[i].family != AF_INET && v[i].family != AF_INET6) ||
		    v[i].prefixlen > bits)
			abort();
		for (b = v[i].prefixlen; b < 128; b++)
			if (v[i].addr[b / 8] & (0x80 >> (b % 8)))
				abort();
		if (hostip_format(&v[i], buf, sizeof(buf)) != 0)
			abort();
	}
	k = n < 8 ? n : 8;
	memcpy(copy, v, k * sizeof(*v));
	if (hostips_normalize(copy, &k) != 0)
		abort();
}

/* The promises of one parse that returned r into v[0..r->n). */
static void check_result(const uint8_t *data, size_t size,
    const struct hostip *v, size_t max, const struct result *r)
{
	if (r->err != 0 && r->err != -EINVAL && r->err != -E2BIG)
		abort();
	if (r->n > max || (r->err == -E2BIG && r->n != max))
		abort();
	if (r->err == -EINVAL &&
	    (r->line < 1 || r->line > count_lines(data, size)))
		abort();
	check(v, r->n);
}

static void run(parse_fn parse, const uint8_t *data, size_t size,
    struct hostip *v, size_t max, struct result *r)
{
	r->n = 0;
	r->line = 0;
	r->err = parse((const char *)data, size, v, max, &r->n, &r->line);
	check_result(data, size, v, max, r);
}

/*
 * A target's own check of one parse (max, v[0..r->n), r), run after each
 * of the two; NULL when it has none.
 */
typedef void (*extra_fn)(const uint8_t *data, size_t size, size_t max,
    const struct hostip *v, const struct result *r);

/* The body of LLVMFuzzerTestOneInput. */
static int fuzz_parser(parse_fn parse, extra_fn extra, const uint8_t *data,
    size_t size)
{
	static struct hostip v[MAXV];
	struct result all, small;
	size_t max = size % 5;

	run(parse, data, size, v, MAXV, &all);
	if (extra)
		extra(data, size, MAXV, v, &all);
	run(parse, data, size, v, max, &small);
	if (extra)
		extra(data, size, max, v, &small);
	/* a small max changes only whether it fits, not the verdict */
	if (all.err == 0 && all.n <= max &&
	    (small.err != 0 || small.n != all.n))
		abort();
	if (all.err == 0 && all.n > max && small.err == 0)
		abort();
	return 0;
}

#endif
