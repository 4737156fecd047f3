/*
 * tests/unit_numsort.c - musl/strtol.c's strtol, strtoll, strtoul and
 * strtoull and musl/qsort.c's qsort (renamed t_*) against the C library's:
 * strtol's edge cases (bases, prefixes, signs, limits, overflow, no digit,
 * invalid base) and 200,000 random strings; every result, errno and end.
 * Built against musl too (by hand: musl-gcc, no sanitizers) it compares
 * with musl's own.  qsort: the C library's keys in the same order,
 * stability, sizes around the block size, and already sorted, reversed and
 * all-equal inputs of 100,000 elements.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define strtol t_strtol
#define strtoll t_strtoll
#define strtoul t_strtoul
#define strtoull t_strtoull
#define qsort t_qsort
long t_strtol(const char *, char **, int);
long long t_strtoll(const char *, char **, int);
unsigned long t_strtoul(const char *, char **, int);
unsigned long long t_strtoull(const char *, char **, int);
void t_qsort(void *, size_t, size_t, int (*)(const void *, const void *));
#include "../musl/strtol.c"
#include "../musl/qsort.c"
#undef strtol
#undef strtoll
#undef strtoul
#undef strtoull
#undef qsort

/* One string, one base, the four functions: 1 when all agree. */
static int same(const char *s, int base)
{
	char *e1 = NULL, *e2 = NULL;
	/* glibc leaves *end alone for an invalid base (musl and ours: s). */
	int r = 1, x1, x2, valid = base == 0 || (base >= 2 && base <= 36);

#define CMP(F) do { \
		errno = 0; \
		unsigned long long v1 = (unsigned long long)F(s, &e1, base); \
		x1 = errno; \
		errno = 0; \
		unsigned long long v2 = (unsigned long long)t_##F(s, &e2, base); \
		x2 = errno; \
		if (x1 == 0 && x2 == EINVAL && e2 == s && valid) \
			x1 = EINVAL;	/* musl's EINVAL for no digit */ \
		if (v1 != v2 || (e1 != e2 && valid) || x1 != x2) { \
			diag(#F "(\"%s\", %d): %llu end %td errno %d, want " \
			    "%llu end %td errno %d", s, base, v2, e2 - s, x2, \
			    v1, e1 - s, x1); \
			r = 0; \
		} \
	} while (0)
	CMP(strtol);
	CMP(strtoll);
	CMP(strtoul);
	CMP(strtoull);
	return r;
}

struct el {
	int key, seq;
};

static int by_key(const void *a, const void *b)
{
	const struct el *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

/* t_qsort of a copy of v (seq: the index): the C library's keys in the
 * same order, and equal keys in their first order (stable). */
static int same_sort(const struct el *v, size_t n)
{
	struct el *a = malloc(n * sizeof(*a) + 1), *b = malloc(n * sizeof(*b) + 1);
	size_t i;
	int r = 1;

	memcpy(a, v, n * sizeof(*a));
	memcpy(b, v, n * sizeof(*b));
	qsort(a, n, sizeof(*a), by_key);
	t_qsort(b, n, sizeof(*b), by_key);
	for (i = 0; i < n; i++)
		if (a[i].key != b[i].key || (i > 0 && b[i - 1].key == b[i].key &&
		    b[i - 1].seq > b[i].seq))
			r = 0;
	free(a);
	free(b);
	return r;
}

static int cmp_char(const void *a, const void *b)
{
	return *(const char *)a - *(const char *)b;
}

int main(void)
{
	static const char *const edge[] = { "", " ", "0", "-0", "+0", "1",
		"-1", "  \t\n\v\f\r42x", "+-1", "-+1", "0x", "0X1f", "0xg", "0x1g",
		"0xZ", "-0x10", "010", "08", "0b1", "z", "Z9", " -z",
		"9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809",
		"18446744073709551615", "18446744073709551616",
		"-18446744073709551615", "-18446744073709551616",
		"99999999999999999999999999999", "-99999999999999999999999999",
		"0xffffffffffffffff", "0x10000000000000000", "0x8000000000000000",
		"-0x8000000000000000", "777777777777777777777",
		"1777777777777777777777", "2000000000000000000000",
		"3w5e11264sgsf", "3w5e11264sgsg", "4294967296", "12 34",
		"1e5", "1.5", "\xff" "1", "1\xff", "--1", "+", "-" };
	static const int bases[] = { 0, 2, 8, 10, 16, 36, 1, 37, -1, 3, 35 };
	static const char alpha[] = "0123456789abcxXzZ+- \t";
	struct el v[1000], *big;
	char s[32], c[64];
	size_t i, k, n;
	int bad = 0;

	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		for (k = 0; k < sizeof(bases) / sizeof(bases[0]); k++)
			bad += !same(edge[i], bases[k]);
	ok(bad == 0, "strto*: %zu edge strings x %zu bases as the C library",
	    i, k);
	srand(5);
	bad = 0;
	for (i = 0; i < 200000; i++) {
		n = (size_t)rand() % 24;
		for (k = 0; k < n; k++)
			s[k] = alpha[rand() % (int)(sizeof(alpha) - 1)];
		s[n] = 0;
		if (!same(s, bases[rand() % 6]) && ++bad > 10)
			break;
	}
	ok(bad == 0, "strto*: 200,000 random strings as the C library");
	{
		char *e;

		errno = 0;
		ok(t_strtol("12", &e, 1) == 0 && errno == EINVAL && *e == '1',
		    "strtol: base 1 is EINVAL, nothing read");
	}

	bad = 0;
	for (n = 0; n <= 90; n++)
		for (k = 0; k < 20; k++) {
			for (i = 0; i < n; i++)
				v[i] = (struct el){ rand() % (int)(k + 1), (int)i };
			bad += !same_sort(v, n);
		}
	ok(bad == 0, "qsort: sizes 0 to 90, few and many equal keys, sorted "
	    "and stable");
	bad = 0;
	for (i = 0; i < 200; i++) {
		n = (size_t)rand() % 1000;
		for (k = 0; k < n; k++)
			v[k] = (struct el){ rand() % (i % 2 ? 50 : 100000),
				(int)k };
		bad += !same_sort(v, n);
	}
	ok(bad == 0, "qsort: 200 random arrays of up to 1,000, sorted and "
	    "stable");
	n = 100000;
	big = malloc(n * sizeof(*big));
	for (i = 0; i < n; i++)
		big[i] = (struct el){ (int)i, (int)i };
	ok(same_sort(big, n), "qsort: 100,000 sorted");
	for (i = 0; i < n; i++)
		big[i] = (struct el){ (int)(n - i), (int)i };
	ok(same_sort(big, n), "qsort: 100,000 reversed");
	for (i = 0; i < n; i++)
		big[i] = (struct el){ 7, (int)i };
	ok(same_sort(big, n), "qsort: 100,000 equal (order kept)");
	for (i = 0; i < n; i++)
		big[i] = (struct el){ (int)(i % 2 ? i : n - i), (int)i };
	ok(same_sort(big, n), "qsort: 100,000 interleaved");
	free(big);
	/* Another width: bytes. */
	for (i = 0; i < sizeof(c); i++)
		c[i] = (char)(rand() % 26 + 'a');
	memcpy(s, c, sizeof(s));
	t_qsort(c, sizeof(c), 1, cmp_char);
	for (i = 1; i < sizeof(c) && c[i - 1] <= c[i]; i++)
		;
	ok(i == sizeof(c), "qsort: width 1");
	done_testing();
}
