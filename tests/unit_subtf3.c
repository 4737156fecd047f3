/*
 * tests/unit_subtf3.c - a64-softfp.c's __subtf3 (built here as a64_subtf3)
 * against libgcc's, which `a - b` on long double calls in this program:
 * the same result bits and the same exception flags, in every rounding
 * mode, for special values and 250,000 pseudo-random pairs.  aarch64
 * only (binary128 long double), run under qemu by tests/12-portable.t.
 */
#include <fenv.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"

long double a64_subtf3(long double a, long double b);

typedef unsigned __int128 u128;

static long double from_bits(u128 u)
{
	long double f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static u128 bits(long double f)
{
	u128 u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static uint64_t rnd(void)	/* xorshift64*: the same sequence each run */
{
	static uint64_t x = 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return x * 0x2545f4914f6cdd1dULL;
}

/* Random bits, biased to hard cases: equal or close exponents
 * (cancellation), subnormals, infinities and NaNs. */
static u128 pick(u128 other)
{
	u128 u = (u128)rnd() << 64 | rnd();
	unsigned int k = (unsigned int)(rnd() % 8);
	u128 expmask = (u128)0x7fff << 112;

	if (k == 0) {		/* within 2 of the other operand's exponent */
		int e = (int)(other >> 112 & 0x7fff) + (int)(rnd() % 5) - 2;

		e = e < 0 ? 0 : e > 0x7ffe ? 0x7ffe : e;
		u = (u & ~expmask) | (u128)e << 112;
	} else if (k == 1)	/* subnormal or zero */
		u &= ~expmask & (rnd() % 2 ? ~(u128)0 : (u128)1 << 127);
	else if (k == 2)	/* infinity or NaN */
		u |= expmask;
	else if (k == 3)	/* a few bits away from the other */
		u = other ^ (rnd() % 2 ? (u128)1 << (rnd() % 128) : 1);
	return u;
}

static int same(u128 a, u128 b, const char **why)
{
	static const int modes[4] = { FE_TONEAREST, FE_UPWARD, FE_DOWNWARD,
	    FE_TOWARDZERO };
	volatile long double x = from_bits(a), y = from_bits(b), r1, r2;
	int m, f1, f2;

	for (m = 0; m < 4; m++) {
		fesetround(modes[m]);
		feclearexcept(FE_ALL_EXCEPT);
		r1 = a64_subtf3(x, y);
		f1 = fetestexcept(FE_ALL_EXCEPT);
		feclearexcept(FE_ALL_EXCEPT);
		r2 = x - y;
		f2 = fetestexcept(FE_ALL_EXCEPT);
		if (bits(r1) != bits(r2) || f1 != f2) {
			*why = bits(r1) != bits(r2) ? "result bits" : "flags";
			fesetround(FE_TONEAREST);
			return 0;
		}
	}
	fesetround(FE_TONEAREST);
	return 1;
}

int main(void)
{
	static const u128 special[] = {
		0, (u128)1 << 127,				/* +0, -0 */
		(u128)0x3fff << 112, (u128)0xbfff << 112,	/* 1, -1 */
		(u128)0x7fff << 112, (u128)0xffff << 112,	/* +inf, -inf */
		(u128)0x7fff8 << 108, (u128)0xffff8 << 108,	/* qNaN, -qNaN */
		(u128)0x7fff << 112 | 1,			/* sNaN */
		1, ((u128)1 << 112) - 1,			/* subnormals */
		((u128)0x7ffe << 112) | (((u128)1 << 112) - 1),	/* max */
	};
	size_t ns = sizeof(special) / sizeof(special[0]), i, j;
	const char *why = "";
	long n, bad = 0;

	for (i = 0; i < ns; i++)
		for (j = 0; j < ns; j++)
			bad += !same(special[i], special[j], &why);
	ok(bad == 0, "%zu x %zu special values: same bits and flags as "
	    "libgcc in 4 rounding modes (%s)", ns, ns, bad ? why : "none differ");
	bad = 0;
	for (n = 0; n < 250000 && bad < 10; n++) {
		u128 a = pick(0), b = pick(a);

		bad += !same(a, b, &why);
	}
	ok(bad == 0, "250000 pseudo-random pairs, biased to cancellation, "
	    "subnormals, infinities and NaNs: the same (%s)",
	    bad ? why : "none differ");
	return done_testing();
}
