/*
 * fuzz/fuzz_resolv.c - libFuzzer target for the resolv.conf parser in hostips.c.
 * Each input is parsed twice: with room for everything, and with a small
 * max taken from the input's length, so that the -E2BIG paths run too.
 * Beyond the sanitizers it checks what the parser promises: n <= max,
 * host bits zero, a sane prefix length, an error line inside the input.
 * Seeds: fuzz/seeds-resolv/.  Run: fuzz/fuzz_resolv fuzz/corpus-resolv fuzz/seeds-resolv
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hostips.h"

#define MAXV 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

static int run(const uint8_t *data, size_t size, struct hostip *v,
    size_t max, size_t *np)
{
	unsigned int line = 0;
	size_t n = 0;
	int err;

	err = hostips_parse_resolv_conf((const char *)data, size, v, max, &n);
	if (err != 0 && err != -EINVAL && err != -E2BIG)
		abort();
	if (n > max || (err == -E2BIG && n != max))
		abort();
	if (err == -EINVAL && (line < 1 || line > count_lines(data, size)))
		abort();
	check(v, n);
	*np = n;
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hostip v[MAXV];
	size_t n_all, n_small, max = size % 5;
	int err_all, err_small;

	err_all = run(data, size, v, MAXV, &n_all);
	err_small = run(data, size, v, max, &n_small);
	/* a small max changes only whether it fits, not the verdict */
	if (err_all == 0 && n_all <= max && (err_small != 0 || n_small != n_all))
		abort();
	if (err_all == 0 && n_all > max && err_small == 0)
		abort();
	return 0;
}
