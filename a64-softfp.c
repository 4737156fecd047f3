/*
 * a64-softfp.c - aarch64 builds only: binary128 subtraction as addition of
 * the negation, as compiler-rt's subtf3.c does.  Runs unprivileged; no
 * input.
 *
 * aarch64's long double is IEEE binary128 in software (libgcc).  musl's
 * printf pulls in its long double code whether or not a format ever uses
 * it, and libgcc's __subtf3 is a second 3.4 KiB copy of __addtf3's
 * algorithm.  IEEE 754 defines a - b as a + (-b) (rounding, signed zeros,
 * infinities and exception flags alike), so one copy does both.
 * tests/unit_subtf3.c (under qemu, tests/12-portable.t) compares this
 * __subtf3 with libgcc's: result bits and exception flags, in each
 * rounding mode.
 */
#if defined(__aarch64__) && __LDBL_MANT_DIG__ == 113
long double __addtf3(long double a, long double b);
long double __subtf3(long double a, long double b);

long double __subtf3(long double a, long double b)
{
	union {
		long double f;
		unsigned __int128 u;
	} nb = { b };

	/* libgcc negates any b but a NaN: so does this, for the same bits. */
	if (nb.u << 1 <= (unsigned __int128)0x7fff << 113)
		nb.u ^= (unsigned __int128)1 << 127;
	return __addtf3(a, nb.f);
}
#endif
