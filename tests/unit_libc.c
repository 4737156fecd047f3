/*
 * tests/unit_libc.c - musl/strtol.c's strtol, strtoll, strtoul and
 * strtoull, musl/qsort.c's qsort and musl/gmtime.c's gmtime_r (renamed
 * t_*) against the C library's:
 * strtol's edge cases (bases, prefixes, signs, limits, overflow, no digit,
 * invalid base) and 200,000 random strings; every result, errno and end.
 * Built against musl too (by hand: musl-gcc, no sanitizers) it compares
 * with musl's own.  qsort: the C library's keys in the same order,
 * stability, sizes around the block size, and already sorted, reversed and
 * all-equal inputs of 100,000 elements.  gmtime_r: every field of
 * 1,000,000 times over +-2^40 s, the days around leap years and
 * centuries, and the ends of tm_year (EOVERFLOW past them).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"

#define strtol t_strtol
#define strtoll t_strtoll
#define strtoul t_strtoul
#define strtoull t_strtoull
#define qsort t_qsort
#define gmtime_r t_gmtime_r
long t_strtol(const char *, char **, int);
long long t_strtoll(const char *, char **, int);
unsigned long t_strtoul(const char *, char **, int);
unsigned long long t_strtoull(const char *, char **, int);
void t_qsort(void *, size_t, size_t, int (*)(const void *, const void *));
struct tm *t_gmtime_r(const time_t *, struct tm *);
#include "../musl/strtol.c"
#include "../musl/qsort.c"
#include "../musl/gmtime.c"
#undef strtol
#undef strtoll
#undef strtoul
#undef strtoull
#undef qsort
#undef gmtime_r

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

/* t_gmtime_r of t as the C library's: the fields, or NULL and EOVERFLOW. */
static int same_tm(time_t t)
{
	struct tm a, b;
	struct tm *ra, *rb;
	int xa, xb;

	memset(&a, 0x55, sizeof(a));
	memset(&b, 0x55, sizeof(b));
	errno = 0;
	ra = gmtime_r(&t, &a);
	xa = errno;
	errno = 0;
	rb = t_gmtime_r(&t, &b);
	xb = errno;
	if (!ra || !rb) {
		if (!ra != !rb || xa != xb)
			diag("gmtime_r(%lld): %s errno %d, want %s errno %d",
			    (long long)t, rb ? "a time" : "NULL", xb,
			    ra ? "a time" : "NULL", xa);
		return !ra == !rb && xa == xb;
	}
	if (a.tm_year != b.tm_year || a.tm_mon != b.tm_mon ||
	    a.tm_mday != b.tm_mday || a.tm_hour != b.tm_hour ||
	    a.tm_min != b.tm_min || a.tm_sec != b.tm_sec ||
	    a.tm_wday != b.tm_wday || a.tm_yday != b.tm_yday ||
	    a.tm_isdst != b.tm_isdst || a.tm_gmtoff != b.tm_gmtoff ||
	    strcmp(b.tm_zone, "UTC") != 0) {
		diag("gmtime_r(%lld): %d-%d-%d %d:%d:%d wday %d yday %d, want "
		    "%d-%d-%d %d:%d:%d wday %d yday %d", (long long)t,
		    b.tm_year, b.tm_mon, b.tm_mday, b.tm_hour, b.tm_min,
		    b.tm_sec, b.tm_wday, b.tm_yday, a.tm_year, a.tm_mon,
		    a.tm_mday, a.tm_hour, a.tm_min, a.tm_sec, a.tm_wday,
		    a.tm_yday);
		return 0;
	}
	return 1;
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

	bad = 0;
	for (i = 0; i < 1000000 && bad < 10; i++) {
		long long r = (long long)rand() << 31 ^ rand();

		bad += !same_tm((time_t)(r % (1LL << 41) - (1LL << 40)));
	}
	ok(bad == 0, "gmtime_r: 1,000,000 random times over +-2^40 s as the "
	    "C library's");
	bad = 0;
	{
		static const int years[] = { -4800, -401, -400, -399, -101,
			-100, -1, 0, 1, 1582, 1899, 1900, 1969, 1970, 1972, 1999,
			2000, 2001, 2024, 2038, 2100, 2400, 2554, 9999, 10000 };
		long long d;

		for (i = 0; i < sizeof(years) / sizeof(years[0]); i++) {
			/* roughly Jan 1 of the year, then 800 days around */
			d = (long long)(years[i] - 1970) * 146097 / 400;
			for (k = 0; k < 800; k++)
				bad += !same_tm((time_t)((d - 400 + (long long)k) *
				    86400 + (long long)k * 3607 % 86400));
		}
	}
	ok(bad == 0, "gmtime_r: 800 days around 25 years (leap years, "
	    "centuries, negative years) as the C library's");
	bad = 0;
	{
		/* The last second of tm_year INT_MAX and the first of INT_MIN,
		 * and one past each: from the C library, then each side. */
		long long y = (long long)INT_MAX + 1900, days, t;

		days = (y - 1970) * 365 + (y - 1969) / 4 - (y - 1901) / 100 +
		    (y - 1601) / 400 + 365 + 1;	/* about Jan 1 of y + 1 */
		for (t = days * 86400 - 4 * 86400; t < days * 86400 + 4 * 86400;
		    t += 3600)
			bad += !same_tm((time_t)t);
		y = (long long)INT_MIN + 1900;
		days = (y - 1970) * 365 + (y - 1972) / 4 - (y - 2000) / 100 +
		    (y - 2000) / 400;
		for (t = days * 86400 - 4 * 86400; t < days * 86400 + 4 * 86400;
		    t += 3600)
			bad += !same_tm((time_t)t);
		bad += !same_tm((time_t)LLONG_MAX) + !same_tm((time_t)LLONG_MIN);
	}
	ok(bad == 0, "gmtime_r: the ends of tm_year, EOVERFLOW past them, as "
	    "the C library's");
	done_testing();
}
