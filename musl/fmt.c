/*
 * musl/fmt.c - the printf family for the static musl builds (jail-ai and
 * jail-ai-aarch64 only; the glibc builds for ASan and the tests keep
 * glibc's).  It replaces musl's vfprintf, about 12 KiB of the x86_64
 * binary, and on aarch64 also the binary128 soft-float that musl's long
 * double printing pulls in; jail-ai prints no floating point.
 *
 * It formats what jail-ai and the musl functions it links (inet_ntop) ask
 * for, as musl does: the flags '-' and '0'; a width and a precision, each
 * digits or '*'; the lengths hh, h, l, ll, z, j, t; the conversions d, i,
 * u, x, X, o, c, s and %%; "(null)" for a NULL %s; f for a double under
 * 2^53 with up to 9 decimals (images list's "%.2fGB").  Anything else (the
 * flags '+', ' ', '#', %p, %n, e, g, a, L, %lc, %ls) is refused
 * as musl refuses a bad conversion: -1 with errno EINVAL, after the text
 * before it.  tests/unit_fmt compares every conversion jail-ai's sources
 * use with the C library's, and checks the refusals.
 *
 * No privilege.  Untrusted input: the arguments (never the format: every
 * format is a literal, -Wformat=2 checks them).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Where the output goes: buf alone (cap bytes; snprintf), or f through
 * buf, so that a message reaches an unbuffered stderr in few writes.
 */
struct sink {
	char *buf;
	size_t cap, len;	/* len: bytes in buf */
	FILE *f;
	size_t total;		/* bytes produced, stored or not */
	int err;
};

static void flush(struct sink *s)
{
	if (s->f && s->len && fwrite(s->buf, 1, s->len, s->f) != s->len)
		s->err = 1;
	s->len = 0;
}

static void put(struct sink *s, const char *p, size_t n)
{
	size_t k;

	s->total += n;
	for (; n > 0; n -= k, p += k) {
		if (s->len == s->cap) {
			if (!s->f)
				return;	/* counted, not stored (snprintf) */
			flush(s);
		}
		k = s->cap - s->len < n ? s->cap - s->len : n;
		memcpy(s->buf + s->len, p, k);
		s->len += k;
	}
}

static void pad(struct sink *s, char c, size_t n)
{
	while (n-- > 0)
		put(s, &c, 1);
}

/* A field of width w around body (n bytes), after sign/prefix pre. */
static void field(struct sink *s, int left, int zero, size_t w,
    const char *pre, size_t zeros, const char *body, size_t n)
{
	size_t len = strlen(pre) + zeros + n;

	if (w > len && zero && !left)
		zeros += w - len, len = w;
	if (w > len && !left)
		pad(s, ' ', w - len);
	put(s, pre, strlen(pre));
	pad(s, '0', zeros);
	put(s, body, n);
	if (w > len && left)
		pad(s, ' ', w - len);
}

/*
 * x with prec (<= 9) decimals into out, as the C library prints "%.Nf":
 * from the double's exact binary value, rounded to nearest, ties to
 * even.  Only for |x| < 2^53 (the whole part fits 64 bits), which is all
 * jail-ai prints (a size in GB); else -1.  x = m * 2^-sh exactly, so
 * the fraction m mod 2^sh, times 10^prec, divides by 2^sh with nothing
 * lost in 128 bits.
 */
static int fixed(double x, int prec, char out[32], size_t *n, int *neg)
{
	unsigned __int128 t = 0, half;
	uint64_t bits, m, whole = 0, frac = 0, p10 = 1;
	int e, sh, i;
	char *d = out + 32;

	memcpy(&bits, &x, sizeof(bits));
	*neg = (int)(bits >> 63);
	e = (int)(bits >> 52 & 0x7ff);
	m = bits & ((1ULL << 52) - 1);
	if (e == 0x7ff || prec > 9)
		return -1;	/* inf, nan, or more than 9 decimals */
	if (e)
		m |= 1ULL << 52;
	else
		e = 1;		/* subnormal */
	sh = 1075 - e;
	if (sh < 0)
		return -1;	/* 2^53 or more */
	for (i = 0; i < prec; i++)
		p10 *= 10;
	if (sh == 0) {
		whole = m;
	} else if (sh <= 120) {	/* under 2^-67 nothing shown moves */
		whole = sh >= 64 ? 0 : m >> sh;
		t = (unsigned __int128)(m - (sh >= 64 ? 0 : whole << sh)) * p10;
		frac = (uint64_t)(t >> sh);	/* < p10 */
		t -= (unsigned __int128)frac << sh;	/* what is left */
		half = (unsigned __int128)1 << (sh - 1);
		if (t > half || (t == half && ((prec ? frac : whole) & 1)))
			frac++;
		if (frac == p10)
			frac = 0, whole++;
	}
	for (i = 0; i < prec; i++, frac /= 10)
		*--d = (char)('0' + frac % 10);
	if (prec > 0)
		*--d = '.';
	do
		*--d = (char)('0' + whole % 10);
	while (whole /= 10);
	*n = (size_t)(out + 32 - d);
	memmove(out, d, *n);
	return 0;
}

enum { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_SIZE, L_MAX, L_PTRDIFF };

static int format(struct sink *s, const char *fmt, va_list ap)
{
	char digits[32], *d;
	const char *p, *str;
	unsigned long long u;
	long long v;
	int left, zero, prec, len, w, base, neg;
	size_t n;

	for (;;) {
		p = strchrnul(fmt, '%');
		put(s, fmt, (size_t)(p - fmt));
		if (!*p)
			break;
		fmt = p + 1;
		left = zero = 0;
		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				zero = 1;
			else
				break;
		}
		w = 0;
		if (*fmt == '*') {
			w = va_arg(ap, int);
			if (w < 0) {
				left = 1;
				w = w == INT_MIN ? INT_MAX : -w;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9' && w < INT_MAX / 10)
				w = w * 10 + (*fmt++ - '0');
		}
		prec = -1;
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;
				fmt++;
			} else {
				prec = 0;
				while (*fmt >= '0' && *fmt <= '9' &&
				    prec < INT_MAX / 10)
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		len = L_INT;
		if (*fmt == 'h')
			len = *++fmt == 'h' ? (fmt++, L_CHAR) : L_SHORT;
		else if (*fmt == 'l')
			len = *++fmt == 'l' ? (fmt++, L_LLONG) : L_LONG;
		else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't')
			len = *fmt++ == 'z' ? L_SIZE : fmt[-1] == 'j' ? L_MAX :
			    L_PTRDIFF;
		base = 10;
		switch (*fmt++) {
		case '%':
			put(s, "%", 1);
			continue;
		case 'c':
			if (len != L_INT)
				goto refuse;	/* %lc: a wide character */
			digits[0] = (char)va_arg(ap, int);
			field(s, left, 0, (size_t)w, "", 0, digits, 1);
			continue;
		case 's':
			if (len != L_INT)
				goto refuse;	/* %ls: a wide string */
			str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			n = prec < 0 ? strlen(str) : strnlen(str, (size_t)prec);
			field(s, left, 0, (size_t)w, "", 0, str, n);
			continue;
		case 'd':
		case 'i':
			switch (len) {
			case L_CHAR: v = (signed char)va_arg(ap, int); break;
			case L_SHORT: v = (short)va_arg(ap, int); break;
			case L_LONG: v = va_arg(ap, long); break;
			case L_LLONG: v = va_arg(ap, long long); break;
			case L_SIZE: v = va_arg(ap, ssize_t); break;
			case L_MAX: v = va_arg(ap, intmax_t); break;
			case L_PTRDIFF: v = va_arg(ap, ptrdiff_t); break;
			default: v = va_arg(ap, int); break;
			}
			u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
			goto number;
		case 'o':
			base = 8;
			goto unsigned_number;
		case 'x':
		case 'X':
			base = 16;
			/* fall through */
		case 'u':
unsigned_number:
			v = 0;
			switch (len) {
			case L_CHAR: u = (unsigned char)va_arg(ap, unsigned int); break;
			case L_SHORT: u = (unsigned short)va_arg(ap, unsigned int); break;
			case L_LONG: u = va_arg(ap, unsigned long); break;
			case L_LLONG: u = va_arg(ap, unsigned long long); break;
			case L_SIZE: u = va_arg(ap, size_t); break;
			case L_MAX: u = va_arg(ap, uintmax_t); break;
			case L_PTRDIFF: u = (size_t)va_arg(ap, ptrdiff_t); break;
			default: u = va_arg(ap, unsigned int); break;
			}
number:
			d = digits + sizeof(digits);
			for (; u; u /= (unsigned)base)
				*--d = (fmt[-1] == 'X' ? "0123456789ABCDEF" :
				    "0123456789abcdef")[u % (unsigned)base];
			if (d == digits + sizeof(digits) && prec != 0)
				*--d = '0';	/* 0, unless "%.0d" */
			n = (size_t)(digits + sizeof(digits) - d);
			/* A precision is the least number of digits; it
			 * turns the '0' flag off. */
			field(s, left, prec < 0 && zero, (size_t)w,
			    v < 0 ? "-" : "", prec > 0 && (size_t)prec > n ?
			    (size_t)prec - n : 0, d, n);
			continue;
		case 'f':
			if ((len != L_INT && len != L_LONG) || fixed(va_arg(ap, double), prec < 0 ? 6 : prec,
			    digits, &n, &neg) < 0)
				goto refuse;
			field(s, left, zero, (size_t)w, neg ? "-" : "", 0,
			    digits, n);
			continue;
		default:
refuse:
			errno = EINVAL;
			return -1;
		}
	}
	return 0;
}

/* The count as an int, or -1 (EOVERFLOW past INT_MAX, as musl). */
static int count(size_t n)
{
	if (n > INT_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	return (int)n;
}

int vsnprintf(char *restrict buf, size_t cap, const char *restrict fmt,
    va_list ap)
{
	struct sink s = { buf, cap ? cap - 1 : 0, 0, NULL, 0, 0 };
	int r = format(&s, fmt, ap);

	if (cap)
		buf[s.len] = '\0';
	return r < 0 ? -1 : count(s.total);
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	char b[256];
	struct sink s = { b, sizeof(b), 0, f, 0, 0 };
	int r = format(&s, fmt, ap);

	flush(&s);
	return r < 0 || s.err ? -1 : count(s.total);
}

int vprintf(const char *restrict fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int vasprintf(char **out, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0 || !(*out = malloc((size_t)n + 1)))
		return -1;
	return vsnprintf(*out, (size_t)n + 1, fmt, ap);
}

int snprintf(char *restrict buf, size_t cap, const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return r;
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, INT_MAX, fmt, ap);
	va_end(ap);
	return r;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

int printf(const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return r;
}

int asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(out, fmt, ap);
	va_end(ap);
	return r;
}
