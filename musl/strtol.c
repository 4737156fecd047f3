/*
 * musl/strtol.c - strtol, strtoll, strtoul and strtoull for the static musl
 * builds (jail-ai and jail-ai-aarch64 only, like musl/fmt.c).  musl's go
 * through its stdio number scanner (__intscan and the shgetc buffer
 * machinery, about 2.3 KiB of the binary) for strings jail-ai reads
 * from /proc, cgroup files, podman's output and its own options.  Same
 * results as the C standard says, checked against the C library's by
 * tests/unit_libc: leading white space, a sign, base 0 (0x, 0),
 * 2 to 36, an "0x" not followed by a hex digit read as "0", ERANGE with the
 * type's limit on overflow, *end at the first character not used (the
 * start when there is no digit).  EINVAL as musl's: for another base, and
 * when there is no digit (glibc leaves errno alone there).
 *
 * No privilege.  Untrusted input: the strings.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

static int digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * The magnitude of s's number, up to ULLONG_MAX (*over when it is
 * larger); *neg for a minus.  -1 in *over for an invalid base.
 */
static unsigned long long scan(const char *s, char **end, int base,
    int *neg, int *over)
{
	const char *p = s;
	unsigned long long v = 0;
	int d, any = 0;

	*neg = *over = 0;
	if (base < 0 || base == 1 || base > 36) {
		*over = -1;
		if (end)
			*end = (char *)(unsigned long)s;
		return 0;
	}
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] | 0x20) == 'x' && digit((unsigned char)p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = *p == '0' ? 8 : 10;
	}
	for (; (d = digit((unsigned char)*p)) < base; p++, any = 1) {
		if (v > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
			*over = 1;
		else
			v = v * (unsigned)base + (unsigned)d;
	}
	if (end)
		*end = (char *)(unsigned long)(any ? p : s);
	if (!any)
		errno = EINVAL;	/* as musl's: no digit, no conversion */
	return *over ? ULLONG_MAX : v;
}

/* An unsigned type's value: at most MAX, else ERANGE and MAX; a minus
 * negates it in the type, as the standard says. */
static unsigned long long as_unsigned(unsigned long long v, int neg,
    int over, unsigned long long max)
{
	if (over < 0) {
		errno = EINVAL;
		return 0;
	}
	if (over || v > max) {
		errno = ERANGE;
		return max;
	}
	return neg ? (0 - v) & max : v;
}

/* A signed type's value, MAX its largest: -MAX-1 to MAX, else ERANGE and
 * the limit on the sign's side. */
static long long as_signed(unsigned long long v, int neg, int over,
    long long max)
{
	if (over < 0) {
		errno = EINVAL;
		return 0;
	}
	if (over || v > (unsigned long long)max + neg) {
		errno = ERANGE;
		return neg ? -max - 1 : max;
	}
	return neg ? (long long)(0 - v) : (long long)v;
}

unsigned long long strtoull(const char *restrict s, char **restrict end,
    int base)
{
	int neg, over;
	unsigned long long v = scan(s, end, base, &neg, &over);

	return as_unsigned(v, neg, over, ULLONG_MAX);
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	int neg, over;
	unsigned long long v = scan(s, end, base, &neg, &over);

	return (unsigned long)as_unsigned(v, neg, over, ULONG_MAX);
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	int neg, over;
	unsigned long long v = scan(s, end, base, &neg, &over);

	return as_signed(v, neg, over, LLONG_MAX);
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	int neg, over;
	unsigned long long v = scan(s, end, base, &neg, &over);

	return (long)as_signed(v, neg, over, LONG_MAX);
}
