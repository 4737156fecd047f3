/*
 * tests/unit_fmt.c - musl/fmt.c, the printf family of the musl builds, against
 * the C library's (glibc here; both follow C99 for what musl/fmt.c accepts):
 * every conversion jail-ai's sources use, over edge values; widths,
 * precisions and '*'; "%.2f" over random sizes and every decimal tie;
 * snprintf's truncation and count; fprintf through a stream, longer than
 * musl/fmt.c's buffer; asprintf; and the refusals (-1, EINVAL).  musl/fmt.c's
 * functions are renamed t_* here, so both sets are in one program.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define vsnprintf t_vsnprintf
#define vfprintf t_vfprintf
#define vprintf t_vprintf
#define vasprintf t_vasprintf
#define snprintf t_snprintf
#define sprintf t_sprintf
#define fprintf t_fprintf
#define printf t_printf
#define asprintf t_asprintf
int t_vsnprintf(char *restrict, size_t, const char *restrict, va_list);
int t_vfprintf(FILE *restrict, const char *restrict, va_list);
int t_vprintf(const char *restrict, va_list);
int t_vasprintf(char **, const char *, va_list);
int t_snprintf(char *restrict, size_t, const char *restrict, ...);
int t_sprintf(char *restrict, const char *restrict, ...);
int t_fprintf(FILE *restrict, const char *restrict, ...);
int t_printf(const char *restrict, ...);
int t_asprintf(char **, const char *, ...);
#include "../musl/fmt.c"
#undef vsnprintf
#undef vfprintf
#undef vprintf
#undef vasprintf
#undef snprintf
#undef sprintf
#undef fprintf
#undef printf
#undef asprintf

static int mismatches, cases;

#define SAME(fmt, ...) do { \
	char a_[512], b_[512]; \
	int ra_ = snprintf(a_, sizeof(a_), fmt, __VA_ARGS__); \
	int rb_ = t_snprintf(b_, sizeof(b_), fmt, __VA_ARGS__); \
	cases++; \
	if (ra_ != rb_ || strcmp(a_, b_) != 0) { \
		if (mismatches++ < 20) \
			diag("%s: libc [%s] %d, musl/fmt.c [%s] %d", fmt, a_, ra_, \
			    b_, rb_); \
	} \
} while (0)

static const long long ivals[] = { 0, 1, -1, 7, 9, 10, -10, 42, 255, 256,
	4095, 65535, 65536, 100000, INT_MAX, INT_MIN, 0x7fffffffffffLL,
	LLONG_MAX, LLONG_MIN };
static const char *const svals[] = { "", "a", "jail-ai", "0123456789ab",
	"a longer string of forty-five characters ....", NULL };

static void conversions(void)
{
	size_t i;

	for (i = 0; i < sizeof(ivals) / sizeof(ivals[0]); i++) {
		long long v = ivals[i];

		/* jail-ai's: %d %u %zu %lu %ld %lx %llu %02x %04x %08x %X %02X %c */
		SAME("%d|%u|%i", (int)v, (unsigned)v, (int)v);
		SAME("%zu|%lu|%ld|%lx|%llu", (size_t)v, (unsigned long)v,
		    (long)v, (unsigned long)v, (unsigned long long)v);
		SAME("%02x|%04x|%08x|%X|%02X|%x", (unsigned)v, (unsigned)v,
		    (unsigned)v, (unsigned)v, (unsigned)(v & 0xff), (unsigned)v);
		/* and the rest of what musl/fmt.c accepts */
		SAME("%5d|%-5d|%05d|%.3d|%8.3d|%-8.3d|%08.3d|%.0d|%o|%lld",
		    (int)v, (int)v, (int)v, (int)v, (int)v, (int)v, (int)v,
		    (int)v, (unsigned)v, v);
		SAME("%hhd|%hhu|%hd|%hu|%jd|%td|%zx|%*d|%-*d|%.*d", (int)v,
		    (unsigned)v, (int)v, (unsigned)v, (intmax_t)v,
		    (ptrdiff_t)v, (size_t)v, 7, (int)v, -7, (int)v, 4, (int)v);
		SAME("%c|%3c|%-3c|%%", (int)(v & 0x7f) | 0x20,
		    'x', 'y');
	}
	for (i = 0; i < sizeof(svals) / sizeof(svals[0]); i++) {
		const char *s = svals[i];

		if (!s) {	/* glibc and musl both print (null) */
			SAME("%s|%10s", s, s);
			continue;
		}
		/* jail-ai's: %s %.*s %-10s %-40s %.40s %.12s %-8s %-44s
		 * %-24s %8s %.24s %-9s %-60s %-14s %-12.12s %-5s %-18s %-12s */
		SAME("%s|%.*s|%-10s|%-40s|%.40s|%.12s|%-8s|%-44s", s, 3, s, s,
		    s, s, s, s, s);
		SAME("%-24s|%8s|%.24s|%-9s|%-60s|%-14s|%-12.12s|%-5s", s, s, s,
		    s, s, s, s, s);
		SAME("%-18s|%-12s|%.*s|%*s|%-*s|%.0s|%s", s, s, -1, s, 12, s,
		    -12, s, s, "");
	}
}

static void floats(void)
{
	static const double d[] = { 0, 1, 0.5, 1.5, 2.5, 0.125, 0.005,
		0.015, 1.005, 2.675, 123456.785, 9e15, -0.0, -1.25, 1e-30,
		4.9e-324, 0.994999, 0.995, 0.999999 };
	unsigned long long b;
	size_t i;
	int p;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		for (p = 0; p <= 9; p++)
			SAME("%.*f|%12.*f|%-12.*f|%012.*f", p, d[i], p, d[i], p,
			    d[i], p, d[i]);
	SAME("%f|%.2fGB", 3.14159, 1.0);
	/* images list: "%.2fGB" of (double)bytes / 1e9 */
	srand(7);
	for (i = 0; i < 200000; i++) {
		b = 1000000000ULL + ((unsigned long long)rand() << 20 ^
		    (unsigned long long)rand()) % 100000000000000ULL;
		SAME("%.2fGB", (double)b / 1e9);
	}
	for (b = 1000000000ULL + 5000000; b < 200000000000ULL; b += 10000000)
		SAME("%.2fGB", (double)b / 1e9);	/* every tie to 200 GB */
}

static void streams(void)
{
	char big[3000], *a = NULL, *b = NULL, *p = NULL;
	size_t na = 0, nb = 0;
	FILE *fa = open_memstream(&a, &na), *fb = open_memstream(&b, &nb);
	int ra, rb;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ra = fprintf(fa, "jail-ai: %s: %d %s\n", "run", 125, big);
	rb = t_fprintf(fb, "jail-ai: %s: %d %s\n", "run", 125, big);
	fclose(fa);
	fclose(fb);
	ok(ra == rb && na == nb && memcmp(a, b, na) == 0,
	    "fprintf through a stream, %d bytes (over musl/fmt.c's 256-byte buffer)",
	    rb);
	free(a);
	free(b);
	ok(t_asprintf(&p, "%s-%d", "jail", 42) == 7 && strcmp(p, "jail-42") == 0,
	    "asprintf: jail-42, 7");
	free(p);
	{
		char s[8];
		int r = t_snprintf(s, sizeof(s), "%s", "0123456789");

		ok(r == 10 && strcmp(s, "0123456") == 0,
		    "snprintf truncates to 7 bytes and a NUL, returns 10");
		ok(t_snprintf(NULL, 0, "%d-%s", 12345, "abc") == 9,
		    "snprintf(NULL, 0) counts: 9");
		s[0] = 'q';
		ok(t_snprintf(s, 1, "abc") == 3 && s[0] == '\0',
		    "snprintf into 1 byte: the NUL alone");
	}
}

static void refusals(void)
{
	static const char *const bad[] = { "%p", "%+d", "% d", "%#x", "%e",
		"%g", "%a", "%Lf", "%ls", "%lc", "%n", "%q", "%.10f", "%" };
	char s[64];
	size_t i;
	int r, refused = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		/* the argument is never read for these */
		r = t_snprintf(s, sizeof(s), bad[i], 1.0);
		if (r == -1 && errno == EINVAL)
			refused++;
		else
			diag("%s: %d errno %d", bad[i], r, errno);
	}
	ok(refused == (int)(sizeof(bad) / sizeof(bad[0])),
	    "%d unsupported conversions refused: -1, EINVAL", refused);
	errno = 0;
	ok(t_snprintf(s, sizeof(s), "%.2f", 1e300) == -1 && errno == EINVAL,
	    "%%f of 2^53 or more refused");
}

int main(void)
{
	conversions();
	ok(mismatches == 0, "every conversion jail-ai uses, and the rest of "
	    "musl/fmt.c's, as the C library prints them: %d cases", cases);
	mismatches = cases = 0;
	floats();
	ok(mismatches == 0, "%%.Nf as the C library rounds it (ties, "
	    "random sizes in GB, widths): %d cases", cases);
	streams();
	refusals();
	return done_testing();
}
