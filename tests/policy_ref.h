/*
 * tests/policy_ref.h - the reference meaning of a policy, one rule at a
 * time, for tests/unit_policy.c and fuzz/fuzz_allow.c to check
 * policy_build and policy_verdict against: denied when a deny prefix
 * covers the address, unless an allow rule covering it opens every port
 * or this one; IPv4-mapped addresses are IPv4, as in bpf/jail.bpf.c.
 */
#ifndef JAIL_POLICY_REF_H
#define JAIL_POLICY_REF_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"

/* Bit by bit, independent of policy.c's covers(). */
static int in_prefix(const uint8_t *pfx, unsigned int plen, const uint8_t *a)
{
	unsigned int b;

	for (b = 0; b < plen; b++)
		if ((pfx[b / 8] ^ a[b / 8]) & (0x80 >> (b % 8)))
			return 0;
	return 1;
}

/*
 * As the kernel sees it: ::ffff:a.b.c.d is looked up as a.b.c.d in the v4
 * map (bpf/jail.bpf.c check6), so such an address, and a rule of 96 bits
 * or more inside ::ffff:0:0/96, is IPv4.  Returns the family to use.
 */
static int as_kernel(int family, unsigned int *plen, const uint8_t *in,
    uint8_t *out)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(out, 0, 16);
	if (family == AF_INET6 && *plen >= 96 && memcmp(in, mapped, 12) == 0) {
		memcpy(out, in + 12, 4);
		*plen -= 96;
		return AF_INET;
	}
	memcpy(out, in, 16);
	return family;
}

/* policy.c's stated meaning, one rule at a time. */
static int brute(const struct hostip *d, size_t nd, const struct allow_rule *a,
    size_t na, int family, const uint8_t *addr, uint16_t port)
{
	unsigned int plen = 128;
	uint8_t x[16], r[16];
	int denied = 0, f;
	size_t i;

	family = as_kernel(family, &plen, addr, x);
	for (i = 0; i < nd; i++) {
		plen = d[i].prefixlen;
		f = as_kernel(d[i].family, &plen, d[i].addr, r);
		if (f == family && in_prefix(r, plen, x))
			denied = 1;
	}
	if (!denied)
		return JAIL_ALLOW;
	for (i = 0; i < na; i++) {
		plen = a[i].prefixlen;
		f = as_kernel(a[i].family, &plen, a[i].addr, r);
		if (f == family && in_prefix(r, plen, x) &&
		    (a[i].port == 0 || a[i].port == port))
			return JAIL_ALLOW;
	}
	return JAIL_DENY;
}

#endif
